// tests/e2e/search-situations.test.js — search by life situation against a
// real server with the reference catalog: a query that says what happened
// shows the life situation as a card above the results; "did you mean"
// offers only real words that find something; the portal's own pages are
// found ("check signature" finds /parbaudit); type-ahead offers service
// titles; an administrator edits the situations in the back office and the
// search answers differently without a restart; and the budgets hold
// (bad or oversized situation data refused, huge and odd queries bounded).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, root } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';

const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const catalog = path.join(shared, 'testdata/catalog-lv/catalog.jsonld');
const PW = 'correct horse battery staple';
const PAGE = '/en/birojs/meklesana';
let srv;
let admin;

before(async () => {
  srv = await startServer({ imports: [catalog] });
  admin = addUser(srv, 'admin', PW, ['name=Admin Situations', 'role=admin']);
});
after(async () => { await srv?.stop(); });

const get = async (p) => {
  const r = await fetch(srv.base + p);
  return { status: r.status, html: await r.text() };
};
const api = async (q, extra = '') => (await fetch(`${srv.base}/api/v1/search?q=${encodeURIComponent(q)}${extra}`)).json();
const ids = (j) => j.results.map((x) => x.id);

// the catalog's own figures for an event, to check the card's counts
function eventCounts(slug) {
  const g = JSON.parse(fs.readFileSync(catalog, 'utf8'))['@graph'];
  const iri = `https://epak.example/event/${slug}`;
  const svc = g.filter((n) => n['@type'] === 'cpsv:PublicService'
    && [].concat(n['cv:isGroupedBy'] || []).some((e) => e['@id'] === iri));
  return { services: svc.length, online: svc.filter((s) => s['epak:eService'] === true).length };
}

function titles() {
  const g = JSON.parse(fs.readFileSync(catalog, 'utf8'))['@graph'];
  const out = new Set();
  for (const n of g.filter((x) => x['@type'] === 'cpsv:PublicService'))
    for (const t of [].concat(n['dct:title'])) out.add(t['@value']);
  return out;
}

test('a query that says what happened shows its life situation as a card above the results', async () => {
  const want = eventCounts('berna-piedzimsana');
  const { status, html } = await get(`/meklet?q=${encodeURIComponent('piedzima bērns')}`);
  assert.equal(status, 200);
  const card = html.match(/<aside class="situation-card"[\s\S]*?<\/aside>/);
  assert.ok(card, 'the card is shown');
  assert.match(card[0], /href="\/dzives-situacijas\/berna-piedzimsana">Bērna piedzimšana<\/a>/);
  assert.match(card[0], new RegExp(`: ${want.services}, [^:]+: ${want.online}\\.`));
  assert.ok(html.indexOf('situation-card') < html.indexOf('class="results"'), 'above the results');
  const j = await api('piedzima bērns');
  assert.equal(ids(j)[0], 'dzimsanas-registracija', 'the first thing to do comes first');
  assert.deepEqual(j.situation, { id: 'berna-piedzimsana', name: 'Bērna piedzimšana', ...want });
  const en = await get(`/en/meklet?q=${encodeURIComponent('we had a baby')}`);
  assert.match(en.html, /href="\/en\/dzives-situacijas\/berna-piedzimsana">Birth of a child<\/a>/);
  // a service named exactly is no situation: no reordering, no card for plain names
  const named = await api('Pases saņemšana');
  assert.equal(ids(named)[0], 'pase');
  assert.equal(named.situation, undefined);
});

test('English and colloquial situations find the services a person needs first', async () => {
  for (const [q, first] of [['moved house', 'dzivesvietas-deklaresana'], ['pārvācos', 'dzivesvietas-deklaresana'],
    ['zaudēju darbu', 'bezdarbnieka-statuss'], ['my mother passed away', 'mirsanas-registracija'],
    ['slēdzu savu firmu', 'uznemuma-likvidacija']]) {
    assert.equal(ids(await api(q))[0], first, q);
  }
});

test('rare and destructive actions are not first for a generic query', async () => {
  const j = await api('deklarētā dzīvesvieta');
  assert.notEqual(ids(j)[0], 'dzivesvietas-zinu-anulesana');
  assert.notEqual(ids(await api('e-paraksta sertifikāti'))[0], 'sertifikatu-apturesana');
  // named, they are still found first
  assert.equal(ids(await api('dzīvesvietas ziņu anulēšana'))[0], 'dzivesvietas-zinu-anulesana');
});

test('"did you mean" offers only real words that find something', async () => {
  const moved = await get(`/meklet?q=${encodeURIComponent('pārcēlos uz citu dzīvokli')}`);
  assert.doesNotMatch(moved.html, /Vai domājāt/, 'a real word is no typo');
  const typo = await get(`/meklet?q=${encodeURIComponent('izziņa par sodāmbu')}`);
  const m = typo.html.match(/Vai domājāt: <a href="([^"]+)">([^<]+)<\/a>/);
  assert.ok(m, 'a typo is corrected');
  assert.equal(m[2], 'izziņa par sodāmību');
  const follow = await api(m[2]);
  assert.ok(follow.total > 0, 'the suggestion finds something');
  const j = await api('dzīvokli dzīvokli');
  assert.ok(!j.suggestion, 'diacritics typed are not "restored" to another form');
});

test('the portal\'s own pages are found: check signature finds the verify page', async () => {
  for (const [p, q, href] of [['/meklet', 'pārbaudīt parakstu', '/parbaudit'], ['/en/meklet', 'check signature', '/en/parbaudit'],
    ['/meklet', 'nosūtīt dokumentu', '/nosutit'], ['/meklet', 'parakstīt dokumentu', '/parakstit'],
    ['/meklet', 'drošība', '/drosiba'], ['/meklet', 'palīdzība', '/palidziba'], ['/meklet', 'kontakti', '/kontakti'],
    ['/en/meklet', 'frequently asked questions', '/en/buj']]) {
    const { status, html } = await get(`${p}?q=${encodeURIComponent(q)}`);
    assert.equal(status, 200);
    const sec = html.match(/<section class="portal-pages"[\s\S]*?<\/section>/);
    assert.ok(sec, `pages for ${q}`);
    assert.match(sec[0], new RegExp(`<li><a href="${href}">`), q);
    assert.equal((await fetch(srv.base + href)).status, 200, `${href} answers`);
  }
  const en = await get(`/en/meklet?q=${encodeURIComponent('check signature')}`);
  const first = en.html.match(/<ol class="results">\s*<li>\s*<h3 class="result-title"><a href="([^"]+)"/);
  assert.ok(first);
  assert.notEqual(first[1], '/en/pakalpojumi/izzina-par-sodamibu', 'not a criminal-record check');
  assert.doesNotMatch((await get('/meklet?q=pase')).html, /portal-pages/, 'no pages for a service word');
});

test('type-ahead offers service titles, not bare word forms', async () => {
  const all = titles();
  for (const q of ['vecuma pens', 'dzīvesv', 'pazaudēju pas']) {
    const j = await (await fetch(`${srv.base}/api/v1/suggest?q=${encodeURIComponent(q)}`)).json();
    assert.ok(j.suggestions.length > 0, q);
    for (const s of j.suggestions) assert.ok(all.has(s), `${q}: "${s}" is a service title`);
  }
  const v = await (await fetch(`${srv.base}/api/v1/suggest?q=${encodeURIComponent('vecuma pens')}`)).json();
  assert.equal(v.suggestions[0], 'Vecuma pensijas pieprasīšana');
  const en = await (await fetch(`${srv.base}/en/api/v1/suggest?q=${encodeURIComponent('old-age pens')}`)).json();
  assert.ok(en.suggestions.includes('Applying for an old-age pension'), JSON.stringify(en.suggestions));
});

test('attack: huge and odd queries stay bounded', async () => {
  const t0 = Date.now();
  const long = await get(`/meklet?q=${encodeURIComponent('pārcēlos '.repeat(80))}`);
  assert.equal(long.status, 422);
  const many = await get(`/meklet?q=${encodeURIComponent(Array(17).fill('nozagt').join(' '))}`);
  assert.equal(many.status, 422);
  for (const q of ['|||| ,,,, \t\t', 'nozagt|pazaudēt pase|apliecība', '!rare\tpase', '\u0000pase', 'ḉ̸̡'.repeat(30), '😀 pārvācos']) {
    const r = await fetch(`${srv.base}/api/v1/search?q=${encodeURIComponent(q)}`);
    assert.ok(r.status === 200 || r.status === 400 || r.status === 422, `${JSON.stringify(q)}: ${r.status}`);
  }
  const sug = await fetch(`${srv.base}/api/v1/suggest?q=${encodeURIComponent('a'.repeat(5000))}`);
  assert.ok(sug.status < 500);
  assert.ok(Date.now() - t0 < 20000, 'answered promptly');
});

test('situations edited in the back office answer without a restart; bad and oversized data are refused', async () => {
  const b = new Browser(srv.base);
  assert.equal((await staffLogin(b, 'admin', PW, admin.key)).status, 303);
  const page = await b.get(`${PAGE}?kopa=situations`);
  assert.equal(page.status, 200);
  assert.match(page.html, /Life situations/);
  const m = page.html.match(/<textarea id="teksts"[^>]*>([\s\S]*?)<\/textarea>/);
  assert.ok(m && m[1].includes('pārcelties'), 'the file is the starting point');
  const text = m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  const WORD = 'zzvilkacilvēks';
  assert.equal((await api(WORD)).total, 0);
  // bad lines name the line and save nothing
  for (const [bad, why] of [['dzivnieki\tpase', 'expected EVENT'], ['-\tpase\ta|b|c|d|e', 'more than 4 alternatives'],
    ['-\t\tpase', 'no service ids'], [`-\t${Array(33).fill('pase').join(',')}\tx`, 'more than 32 services'],
    ['!rare\tpase\tx', 'expected !rare']]) {
    const res = await b.post(PAGE, { kopa: 'situations', teksts: `${text}\n${bad}\n`, darbiba: 'save' }, { formPath: PAGE });
    assert.equal(res.status, 422, bad);
    assert.match(res.html, new RegExp(`Line ${text.split('\n').length + 1}`), bad);
    assert.match(res.html, new RegExp(why), bad);
  }
  const big = await b.post(PAGE, { kopa: 'situations', teksts: `-\tpase\t${'x '.repeat(110000)}`, darbiba: 'save' }, { formPath: PAGE });
  assert.ok(big.status === 422 || big.status === 413, `oversized: ${big.status}`);
  assert.equal((await api(WORD)).total, 0, 'nothing was saved');
  // a good rule: saved, it answers without a restart, with its card
  const saved = await b.post(PAGE, { kopa: 'situations', teksts: `${text}\ndzivnieki\tmajdzivnieka-registracija\t${WORD}\n`, darbiba: 'save' }, { formPath: PAGE });
  assert.equal(saved.status, 303);
  const end = Date.now() + 20000;
  let j;
  do {
    j = await api(WORD);
    if (j.total > 0) break;
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < end);
  assert.equal(ids(j)[0], 'majdzivnieka-registracija');
  assert.equal(j.situation.id, 'dzivnieki');
});
