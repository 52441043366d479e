// tests/e2e/service-page.test.js — a service page answers "Cik maksā? Kas
// vajadzīgs? Kam zvanīt?" and a life situation guides, against a real server
// with both catalogs (the demo data/catalog.jsonld and the reference
// shared/testdata/catalog-lv) and a small fixture catalog for what neither
// has (a service's own e-service address, a price list named apart, a
// service contact point with a phone and an e-mail): the fee wording, the
// price-list link, whom to ask, the e-service button, channel labels said
// once, the login note only where the data names it, a municipality's
// residents, the situation's order, introduction, online count and filter,
// "Jūsu pašvaldībā", the home page's situations, honest English (lang="lv"
// on Latvian text, the notice), each page's own meta description, and the
// epak: extension surviving export and re-import.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, bin, root } from '../lib/server.js';

const demo = path.join(root, 'data/catalog.jsonld');
const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const reference = path.join(shared, 'testdata/catalog-lv/catalog.jsonld');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-svcpage-'));
const fixture = path.join(work, 'fixture.jsonld');

const lv = (l, e) => (e ? [{ '@language': 'lv', '@value': l }, { '@language': 'en', '@value': e }] : [{ '@language': 'lv', '@value': l }]);
const F = 'https://epak.example/fixture/';
fs.writeFileSync(fixture, JSON.stringify({
  '@context': { cpsv: 'http://purl.org/vocab/cpsv#', cv: 'http://data.europa.eu/m8g/', dct: 'http://purl.org/dc/terms/',
    foaf: 'http://xmlns.com/foaf/0.1/', skos: 'http://www.w3.org/2004/02/skos/core#', epak: 'https://epak.example/ns#' },
  '@graph': [
    { '@id': `${F}org/fx`, '@type': 'cv:PublicOrganisation', 'dct:identifier': 'fx-iestade', 'skos:prefLabel': lv('Fiktīvā iestāde', 'Fictitious agency'),
      'dct:spatial': { '@id': 'http://publications.europa.eu/resource/authority/country/LVA' }, 'epak:level': 'state',
      'cv:contactPoint': { '@id': `${F}contact/fx` } },
    { '@id': `${F}contact/fx`, '@type': 'cv:ContactPoint', 'dct:identifier': 'fx-kontakts', 'cv:telephone': '67000001', 'cv:email': 'info@fx.example' },
    { '@id': `${F}service/fx-pieteikums`, '@type': 'cpsv:PublicService', 'dct:identifier': 'fx-pieteikums',
      'dct:title': lv('Fiktīvs pieteikums', 'Fictitious application'),
      'dct:description': lv('Pakalpojums testiem: pieteikums tiešsaistē ar savu adresi portālā.', 'A service for tests: an application online at its own address.'),
      'cv:hasCompetentAuthority': { '@id': `${F}org/fx` }, 'epak:eService': true, 'epak:authMethods': ['eid', 'bank'],
      'epak:hostedOn': { '@id': 'https://www.latvija.gov.lv' },
      'cv:hasChannel': [{ '@type': 'cv:Channel', 'dct:type': 'online', 'foaf:page': { '@id': 'https://www.latvija.gov.lv/lv/pakalpojumi/fx-pieteikums' },
        'dct:description': lv('Pieteikums portālā.', 'Application on the portal.') }],
      'cv:hasCost': [{ '@type': 'cv:Cost', 'dct:description': lv('Maksa par izskatīšanu.', 'A fee for handling.'),
        'foaf:page': { '@id': 'https://www.fx.example/maksas' } }] },
  ],
}));

let srv;
before(async () => { srv = await startServer({ imports: [demo, reference, fixture] }); });
after(async () => { await srv?.stop(); fs.rmSync(work, { recursive: true, force: true }); });

const get = async (p) => {
  const r = await fetch(srv.base + p);
  return { status: r.status, html: await r.text() };
};
const main = (html) => html.slice(html.indexOf('<main'), html.indexOf('</main>'));
const section = (html, id) => {
  const from = html.indexOf(`<h2 id="${id}">`);
  assert.ok(from > 0, `section ${id}`);
  return html.slice(from, html.indexOf('</section>', from));
};
const serviceHrefs = (html) => [...main(html).matchAll(/href="(?:\/en)?\/pakalpojumi\/([a-z0-9-]+)"/g)].map((m) => m[1]);
const meta = (html) => /<meta name="description" content="([^"]*)">/.exec(html)[1];

test('no cost in the catalog: "Maksa nav norādīta — jautājiet iestādei" with the institution\'s phone', async () => {
  const { html } = await get('/pakalpojumi/lv-dzivesvietas-deklaresana');
  const cost = section(html, 's-cost');
  assert.match(cost, /Maksa nav norādīta — jautājiet iestādei/);
  assert.match(cost, /<a href="tel:8300">8300<\/a>/, 'PMLP\'s phone, as a tel: link');
  assert.doesNotMatch(cost, /Bez maksas/);
  const en = section((await get('/en/pakalpojumi/lv-dzivesvietas-deklaresana')).html, 's-cost');
  assert.match(en, /The fee is not stated — ask the institution/);
  // an eight-digit number is dialled with Latvia's code
  const ref = section((await get('/pakalpojumi/fx-pieteikums')).html, 's-ask');
  assert.match(ref, /<a href="tel:\+37167000001">67000001<\/a>/);
});

test('"Kas vajadzīgs?" is answered: the documents the catalog lists, else that it lists none and whom to ask', async () => {
  const listed = section((await get('/pakalpojumi/lv-dzivesvietas-deklaresana')).html, 's-need');
  assert.match(listed, /<li>Tiesiskais pamats dzīvot mājoklī/);
  assert.doesNotMatch(listed, /need-unknown/);
  const none = section((await get('/pakalpojumi/eid-karte')).html, 's-need');
  assert.match(none, /Katalogā nav norādīti dokumenti, kas vajadzīgi šim pakalpojumam\. <a href="#s-ask">Pirms došanās jautājiet iestādei<\/a>/);
});

test('free (cv:hasValue 0) says "Bez maksas"; a described cost is a fee, not free', async () => {
  const free = await get('/pakalpojumi/lv-eparaksta-aktivizesana-eid');
  assert.match(section(free.html, 's-cost'), /<strong>Bez maksas<\/strong>/);
  assert.doesNotMatch(free.html, /payment-notice|Maksa nav norādīta/);
  const fee = await get('/pakalpojumi/lv-pases-sanemsana');
  assert.match(fee.html, /class="payment-notice"/);
  assert.doesNotMatch(section(fee.html, 's-cost'), /Bez maksas/);
});

test('"saskaņā ar … cenrādi" links the price list when the data has one, and only then', async () => {
  const { html } = await get('/pakalpojumi/lv-tehniska-apskate');
  assert.match(section(html, 's-cost'), /<a href="https:\/\/www\.csdd\.lv\/cenradis" rel="external">saskaņā ar CSDD cenrādi<\/a>; atkarīga/);
  const en = await get('/en/pakalpojumi/lv-tehniska-apskate');
  assert.match(section(en.html, 's-cost'), /<a href="https:\/\/www\.csdd\.lv\/cenradis" rel="external">according to the CSDD price list<\/a>/);
  // the reference catalog names "cenrādi" but gives no price list: no link
  const ref = section((await get('/pakalpojumi/eid-karte')).html, 's-cost');
  assert.match(ref, /saskaņā ar cenrādi/);
  assert.doesNotMatch(ref, /<a /);
  // a price list whose text does not name it is linked apart
  const fx = section((await get('/pakalpojumi/fx-pieteikums')).html, 's-cost');
  assert.match(fx, /Maksa par izskatīšanu\.<\/span> <a href="https:\/\/www\.fx\.example\/maksas" rel="external">Cenrādis \(fx\.example\)<\/a>/);
});

test('"Kur jautāt" always has a phone and an e-mail: the contact point\'s, else the portal\'s user support', async () => {
  // the service's own contact point has both: no fallback note
  const fx = section((await get('/pakalpojumi/fx-pieteikums')).html, 's-ask');
  assert.match(fx, /href="tel:\+37167000001"/);
  assert.match(fx, /href="mailto:info@fx\.example"/);
  assert.doesNotMatch(fx, /ask-helpdesk/);
  // PMLP has a phone but no e-mail in the demo: the phone is its own, the e-mail the portal support's
  const pmlp = section((await get('/pakalpojumi/lv-dzivesvietas-deklaresana')).html, 's-ask');
  assert.match(pmlp, /href="tel:8300"/);
  assert.match(pmlp, /Katalogā nav norādīts iestādes e-pasts/);
  assert.match(pmlp, /href="mailto:portals@vraa\.gov\.lv"/);
  // a reference institution with no contacts at all still gives both
  for (const slug of ['bernudarza-rinda-riga', 'nin-samaksa', 'eid-karte']) {
    const ask = section((await get(`/pakalpojumi/${slug}`)).html, 's-ask');
    assert.match(ask, /href="tel:[+0-9]+"/, `${slug}: a phone`);
    assert.match(ask, /href="mailto:[^"@]+@[^"]+"/, `${slug}: an e-mail`);
  }
});

test('the e-service button: a short label with the portal\'s name, to the service\'s own address', async () => {
  const { html } = await get('/pakalpojumi/fx-pieteikums');
  const online = section(html, 's-online');
  assert.match(online, /<a class="button-link" href="https:\/\/www\.latvija\.gov\.lv\/lv\/pakalpojumi\/fx-pieteikums" rel="external" itemprop="url">Pieteikties portālā latvija\.gov\.lv<\/a>/);
  assert.match(section((await get('/en/pakalpojumi/fx-pieteikums')).html, 's-online'), />Apply on latvija\.gov\.lv<\/a>/);
  // where the catalog gives only the portal's home page, the button says so and what to look for there
  const root = section((await get('/pakalpojumi/lv-dzivesvietas-deklaresana')).html, 's-online');
  assert.match(root, />Atvērt portālu latvija\.lv<\/a>/);
  assert.match(root, /Portālā meklējiet: <span>Dzīvesvietas deklarēšana<\/span>/);
  assert.doesNotMatch(root, /Pieteikties portālā/);
  // an information page of a service that is not an e-service is not "apply"
  const info = section((await get('/pakalpojumi/lv-eparaksta-konsultacijas')).html, 's-online');
  assert.match(info, />Vairāk informācijas: eparaksts\.lv<\/a>/);
});

test('the list of all e-services leads to each one\'s own address too, not its portal\'s home page', async () => {
  let found = null;
  for (let page = 1; page < 20 && !found; page++) {
    const { status, html } = await get(`/e-pakalpojumi${page > 1 ? `?lapa=${page}` : ''}`);
    if (status !== 200) break;
    found = /<a href="\/pakalpojumi\/fx-pieteikums">[\s\S]*?<a class="ext" href="([^"]+)"/.exec(html);
  }
  assert.ok(found, 'the fixture e-service is listed');
  assert.equal(found[1], 'https://www.latvija.gov.lv/lv/pakalpojumi/fx-pieteikums');
});

test('channel texts never repeat their label', async () => {
  const { html } = await get('/pakalpojumi/lv-dzivesvietas-deklaresana');
  assert.match(section(html, 's-offline'), /<strong>Klātienē:<\/strong> <span>jebkurā pašvaldībā vai PMLP teritoriālajā nodaļā\.<\/span>/);
  for (const p of ['/pakalpojumi/lv-dzivesvietas-deklaresana', '/en/pakalpojumi/lv-dzivesvietas-deklaresana', '/pakalpojumi/eid-karte',
    '/pakalpojumi/lv-pases-sanemsana', '/pakalpojumi/lv-laulibas-registracija', '/en/pakalpojumi/lv-pases-sanemsana']) {
    const m = [...main((await get(p)).html).matchAll(/<strong>([^<]+):<\/strong> <span[^>]*>([^<]*)/g)];
    for (const [, label, text] of m)
      assert.ok(!text.toLowerCase().startsWith(label.toLowerCase()), `${p}: "${label}: ${text}"`);
  }
});

test('the login note comes from the data: shown where it names the ways, absent elsewhere', async () => {
  const dz = await get('/pakalpojumi/lv-dzivesvietas-deklaresana');
  assert.match(dz.html, /Pieslēgties var ar: eID karti, eParaksts mobile, internetbanku\./);
  const fx = await get('/en/pakalpojumi/fx-pieteikums');
  assert.match(fx.html, /Log in with: the eID card, an internet bank\./);
  // an e-service whose data names no login, and a service that is not one
  for (const slug of ['lv-eparaksta-programmatura', 'lv-pases-sanemsana', 'eid-karte']) {
    const { html } = await get(`/pakalpojumi/${slug}`);
    assert.doesNotMatch(html, /Pieslēgties var ar/, slug);
    assert.doesNotMatch(html, /Pieslēgšanās e-pakalpojumiem ir bez maksas|Logging in is free/, slug);
  }
});

test('a municipal service says whose residents it serves; a state service does not', async () => {
  const riga = await get('/pakalpojumi/lv-riga-bernudarza-rinda');
  assert.match(riga.html, /Iedzīvotājiem, kuru deklarētā dzīvesvieta ir: <strong>Rīga<\/strong>/);
  const en = await get('/en/pakalpojumi/lv-jurmala-nekustama-ipasuma-nodoklis');
  assert.match(en.html, /For residents whose declared place of residence is in: <strong>Jurmala<\/strong>/);
  // the reference catalog places Rīga's services in Latvia: the municipality's name says it
  const ref = await get('/pakalpojumi/bernudarza-rinda-riga');
  assert.match(ref.html, /Pašvaldības iedzīvotājiem: <strong>Rīgas valstspilsētas pašvaldība<\/strong>/);
  const state = await get('/pakalpojumi/lv-dzivesvietas-deklaresana');
  assert.doesNotMatch(state.html, /svc-residents/);
});

test('a life situation: introduction, the services in the order a person needs them, "N no M" online', async () => {
  const { status, html } = await get('/dzives-situacijas/le-berna-piedzimsana');
  assert.equal(status, 200);
  assert.match(html, /<p class="lead">Vispirms reģistrējiet bērna dzimšanu/);
  assert.match(html, /<strong>7 no 8<\/strong> var izdarīt internetā/);
  const order = serviceHrefs(html);
  const at = (s) => { const i = order.indexOf(s); assert.ok(i >= 0, s); return i; };
  assert.ok(at('lv-dzimsanas-registracija') < at('lv-berna-piedzimsanas-pabalsts'), 'register the birth first');
  assert.ok(at('lv-berna-piedzimsanas-pabalsts') < at('lv-vecaku-pabalsts'), 'then the benefits');
  assert.ok(at('lv-gimenes-valsts-pabalsts') < at('lv-riga-bernudarza-rinda'), 'the kindergarten last');
  assert.equal(order.length, 8);
  // the reference catalog has no order: the situation's own services come first, municipalities' last
  const ref = await get('/dzives-situacijas/berna-piedzimsana');
  assert.match(ref.html, /<strong>11 no 20<\/strong> var izdarīt internetā/);
  const refOrder = serviceHrefs(ref.html);
  assert.equal(refOrder.length, 20);
  assert.ok(refOrder.indexOf('berna-piedzimsanas-pabalsts') < refOrder.indexOf('bernudarza-rinda-riga'));
  const en = await get('/en/dzives-situacijas/le-berna-piedzimsana');
  assert.match(en.html, /<p class="lead">First register the birth/);
  assert.match(en.html, /<strong>7 of 8<\/strong> can be done online/);
});

test('the online-only filter is a plain link: only e-services, kept by the language switch', async () => {
  const all = await get('/dzives-situacijas/le-berna-piedzimsana');
  assert.match(all.html, /<a href="\/dzives-situacijas\/le-berna-piedzimsana\?tiessaiste=1">Tikai tie, ko var izdarīt internetā \(7\)<\/a>/);
  const { status, html } = await get('/dzives-situacijas/le-berna-piedzimsana?tiessaiste=1');
  assert.equal(status, 200);
  const only = serviceHrefs(html);
  assert.equal(only.length, 7);
  assert.ok(!only.includes('lv-dzimsanas-registracija'), 'registering the birth is done in person');
  assert.match(html, /href="\/dzives-situacijas\/le-berna-piedzimsana\?tiessaiste=1" aria-current="page"/);
  assert.match(html, /class="lang-switch" href="\/en\/dzives-situacijas\/le-berna-piedzimsana\?tiessaiste=1"/);
  for (const bad of ['0', '2', 'ja'])
    assert.equal((await fetch(`${srv.base}/dzives-situacijas/le-berna-piedzimsana?tiessaiste=${bad}`)).status, 404, bad);
  const none = await get('/dzives-situacijas/le-tuvinieka-nave?tiessaiste=1');
  assert.equal(serviceHrefs(none.html).length, 1);
});

test('municipal variants are grouped under "Jūsu pašvaldībā", by municipality', async () => {
  const { html } = await get('/dzives-situacijas/le-nekustamais-ipasums');
  const steps = [...main(html).matchAll(/<li class="step-municipal">([\s\S]*?)<\/ul><\/li>\s*<\/ul><\/li>/g)];
  assert.equal(steps.length, 1, 'Rīga\'s and Jūrmala\'s property tax are one step');
  assert.match(steps[0][1], /<strong>Jūsu pašvaldībā<\/strong>/);
  assert.match(steps[0][1], /Jūrmalas[^<]*<\/span>[\s\S]*lv-jurmala-nekustama-ipasuma-nodoklis/);
  assert.match(steps[0][1], /Rīgas[^<]*<\/span>[\s\S]*lv-riga-nekustama-ipasuma-nodoklis/);
  const ref = await get('/dzives-situacijas/berna-piedzimsana');
  assert.match(ref.html, /Jūsu pašvaldībā[\s\S]*bernudarza-rinda-daugavpils[\s\S]*bernudarza-rinda-riga/);
  // without an epak:serviceOrder the situation rules order it: the birth's
  // registration first, then documents, benefits and the kindergarten
  const at = ['dzimsanas-registracija', 'dokumenti-bernam', 'vecaku-pabalsts', 'bernudarza-rinda-riga']
    .map((slug) => main(ref.html).indexOf(`/pakalpojumi/${slug}"`));
  assert.ok(at.every((x) => x > 0), JSON.stringify(at));
  assert.deepEqual([...at].sort((a, b) => a - b), at, 'in the order a person needs them');
  assert.ok(at[0] < main(ref.html).indexOf('/pakalpojumi/berna-kopsanas-pabalsts"'), 'registration before the rest');
});

test('the home page lists the life situations with how many can be done online', async () => {
  const { html } = await get('/');
  assert.match(html, /<h2 id="situations">Dzīves situācijas<\/h2>/);
  assert.match(html, /<a href="\/dzives-situacijas\/le-berna-piedzimsana">Bērna piedzimšana<\/a> <span class="count">7 no 8 var izdarīt internetā<\/span>/);
  assert.match(html, /href="\/dzives-situacijas\/berna-piedzimsana"/);
  assert.doesNotMatch(html, /href="\/dzives-situacijas\/be-uznemuma-dibinasana"/, 'business events are not life situations');
  const en = await get('/en/');
  assert.match(en.html, /<a href="\/en\/dzives-situacijas\/le-berna-piedzimsana">Having a baby<\/a> <span class="count">7 of 8 can be done online<\/span>/);
});

test('honest English: Latvian-only text is marked lang="lv" with a notice; English text is not', async () => {
  const { html } = await get('/en/pakalpojumi/eid-karte');
  const m = main(html);
  assert.match(m, /Details are available in Latvian only\./);
  assert.match(m, /<p itemprop="description" lang="lv">Personas apliecība \(eID karte\) ir Latvijas/);
  assert.match(m, /<p lang="lv">Personas apliecība \(eID karte\) un PIN kodu aploksne<\/p>/);
  assert.match(m, /<h1 itemprop="name">Obtaining an identity card \(eID card\)<\/h1>/, 'the English title is not marked');
  // every marked element holds Latvian text, never the page's English words
  for (const [, text] of m.matchAll(/lang="lv">([^<]+)</g))
    assert.match(text, /[āčēģīķļņšūž]|Klātienē|PMLP/i, `Latvian: ${text}`);
  assert.doesNotMatch(m, /lang="lv">(What it is|Payment|Whom to ask)/);
  // a service with English text: no notice, no lang="lv" anywhere in the content
  const en = main((await get('/en/pakalpojumi/lv-dzivesvietas-deklaresana')).html);
  assert.doesNotMatch(en, /Details are available in Latvian only/);
  assert.doesNotMatch(en, /lang="lv"/);
  // Latvian pages never carry the notice or the attribute
  const lvPage = main((await get('/pakalpojumi/eid-karte')).html);
  assert.doesNotMatch(lvPage, /lang="lv"|Sīkāka informācija ir pieejama tikai latviešu valodā/);
  // a situation whose introduction is Latvian only says so too
  const sit = main((await get('/en/dzives-situacijas/le-izglitiba-kultura')).html);
  assert.doesNotMatch(sit, /Details are available in Latvian only/, 'its description is in English');
});

test('each service page has its own meta description', async () => {
  const slugs = ['lv-dzivesvietas-deklaresana', 'lv-pases-sanemsana', 'lv-tehniska-apskate', 'eid-karte', 'nin-samaksa', 'fx-pieteikums'];
  const seen = new Map();
  const home = meta((await get('/')).html);
  for (const lang of ['', '/en']) {
    for (const s of slugs) {
      const d = meta((await get(`${lang}/pakalpojumi/${s}`)).html);
      assert.ok(d.length > 20 && d.length <= 200, `${s}: ${d}`);
      assert.notEqual(d, home, `${s}: not the site's description`);
      assert.ok(!seen.has(d), `${lang}${s} shares "${d}" with ${seen.get(d)}`);
      seen.set(d, `${lang}${s}`);
    }
  }
  assert.match(meta((await get('/pakalpojumi/lv-dzivesvietas-deklaresana')).html), /^Pārceļoties uz jaunu adresi, dzīvesvieta jādeklarē/);
  assert.match(meta((await get('/en/pakalpojumi/eid-karte')).html), /^Obtaining an identity card \(eID card\) — Office of Citizenship and Migration Affairs\. Details are available in Latvian only\.$/);
});

test('the situations\' order and introductions survive export and a fresh import', async () => {
  const out = path.join(work, 'export.jsonld');
  execFileSync(bin, ['export', ...srv.common, '-o', out], { stdio: ['ignore', 'ignore', 'ignore'] });
  const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
  const ev = doc['@graph'].find((n) => n['dct:identifier'] === 'le-berna-piedzimsana');
  assert.ok(ev, 'the event is exported');
  const order = ev['epak:serviceOrder'];
  assert.ok(order && Array.isArray(order['@list']), 'the order is an @list');
  assert.equal(order['@list'][0]['@id'], 'https://epak.example/demo/service/lv-dzimsanas-registracija');
  assert.ok(JSON.stringify(ev['epak:introduction']).includes('Vispirms reģistrējiet'));
  const again = await startServer({ imports: [out] });
  try {
    const a = serviceHrefs((await get('/dzives-situacijas/le-berna-piedzimsana')).html);
    const r = await fetch(`${again.base}/dzives-situacijas/le-berna-piedzimsana`);
    const b = serviceHrefs(await r.text());
    assert.deepEqual(b, a);
    const cost = await (await fetch(`${again.base}/pakalpojumi/lv-tehniska-apskate`)).text();
    assert.match(cost, /href="https:\/\/www\.csdd\.lv\/cenradis"/, 'the price list too');
  } finally {
    await again.stop();
  }
});
