// tests/e2e/catalog.test.js — the service catalog and search against a real
// server with the project's demo catalog imported: browsing, the service
// page (online, in person, fees with a separate payment notice, whom to ask),
// institutions, e-services on other portals, search in the words people
// type, the JSON API, type-ahead, and a re-import reaching the pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, bin, root } from '../lib/server.js';

const demo = path.join(root, 'data/catalog.jsonld');
let srv;
before(async () => { srv = await startServer({ imports: [demo] }); });
after(async () => { await srv?.stop(); });

const get = async (p) => {
  const r = await fetch(srv.base + p);
  return { status: r.status, html: await r.text(), headers: r.headers };
};

test('the catalog home offers life situations, audiences, institutions and all e-services', async () => {
  const { status, html } = await get('/pakalpojumi');
  assert.equal(status, 200);
  assert.match(html, /<h1>Pakalpojumi<\/h1>/);
  assert.match(html, /href="\/dzives-situacijas\/[a-z0-9-]+"/);
  assert.match(html, /href="\/iedzivotajiem"/);
  assert.match(html, /href="\/e-pakalpojumi"/);
  assert.match(html, /action="\/meklet#rezultati"/);
});

test('a service page answers what, who, how online, how in person, whom to ask', async () => {
  const { status, html } = await get('/pakalpojumi/lv-dzivesvietas-deklaresana');
  assert.equal(status, 200);
  assert.match(html, /<h1 itemprop="name">Dzīvesvietas deklarēšana<\/h1>/);
  assert.match(html, /itemtype="https:\/\/schema.org\/GovernmentService"/);
  assert.match(html, /Kas tas ir/);
  assert.match(html, /Kā to izdarīt internetā/);
  assert.match(html, /href="https:\/\/[^"]*latvija\.lv[^"]*"/);
  assert.match(html, /Kur jautāt/);
  assert.match(html, /href="\/iestades\/[a-z0-9-]+"/);
  assert.match(html, /\/pakalpojumi\/lv-dzivesvietas-deklaresana\/jsonld/);
});

test('a service with a fee shows a separate payment notice before the way to apply', async () => {
  const { html } = await get('/pakalpojumi/lv-pases-sanemsana');
  const notice = html.indexOf('class="payment-notice"');
  assert.ok(notice > 0, 'a payment notice');
  assert.match(html, /Šim pakalpojumam ir maksa\./);
  assert.match(html, /Valsts nodeva par pases izsniegšanu/);
  const online = html.indexOf('id="s-online"');
  assert.ok(online < 0 || notice < online, 'the notice comes before the online channel');
  const free = await get('/pakalpojumi/lv-eparaksta-aktivizesana-eid');
  assert.match(free.html, /<strong>Bez maksas<\/strong>/);
  assert.doesNotMatch(free.html, /payment-notice/);
});

test('English pages use the English titles', async () => {
  const { html } = await get('/en/pakalpojumi/lv-dzivesvietas-deklaresana');
  assert.match(html, /<html lang="en">/);
  assert.match(html, />Declaring your place of residence</);
  assert.match(html, /How to do it online/);
});

test('institutions: a directory with the "ē!" mark, and a page per institution', async () => {
  const { html } = await get('/iestades');
  assert.match(html, /Valsts iestādes/);
  assert.match(html, /badge-emark/);
  const pmlp = html.match(/href="(\/iestades\/[a-z0-9-]*pmlp[a-z0-9-]*)"/);
  assert.ok(pmlp, 'PMLP is listed');
  const page = await get(pmlp[1]);
  assert.equal(page.status, 200);
  assert.match(page.html, /Pilsonības un migrācijas lietu pārvalde/);
  assert.match(page.html, /8300/);
  assert.match(page.html, /eID kartes pieteikšana/);
});

test('all e-services, grouped by portal, the other portals marked as leading elsewhere', async () => {
  const { html } = await get('/e-pakalpojumi');
  assert.match(html, /<h1>E-pakalpojumi<\/h1>/);
  assert.match(html, /cits portāls/);
  assert.match(html, /rel="external"/);
  assert.match(html, /Elektroniskā deklarēšanas sistēma|EDS/);
});

test('unknown services and institutions are 404', async () => {
  assert.equal((await get('/pakalpojumi/nav-tada')).status, 404);
  assert.equal((await get('/iestades/nav-tadas')).status, 404);
  assert.equal((await get('/dzives-situacijas/nav-tadas')).status, 404);
});

test('search finds what Latvians type: without diacritics, inflected, abbreviations', async () => {
  for (const q of ['dzivesvietas deklaresana', 'deklarēt dzīvesvietu', 'pases']) {
    const j = await (await fetch(srv.base + '/api/v1/search?q=' + encodeURIComponent(q) + '&limit=3')).json();
    assert.equal(j.query, q);
    assert.ok(j.total >= 1, q);
    assert.ok(j.results.length <= 3);
    for (const k of ['id', 'title', 'institution', 'url', 'eService']) assert.ok(k in j.results[0], k);
  }
  const j = await (await fetch(srv.base + '/api/v1/search?q=' + encodeURIComponent('dzivesvietas deklaresana'))).json();
  assert.equal(j.results[0].id, 'lv-dzivesvietas-deklaresana');
  assert.equal(j.results[0].url, '/pakalpojumi/lv-dzivesvietas-deklaresana');
  const vid = await (await fetch(srv.base + '/api/v1/search?q=VID')).json();
  assert.ok(vid.total >= 3);
});

test('the results page highlights matches and offers facets that narrow the results', async () => {
  const { status, html } = await get('/meklet?q=' + encodeURIComponent('deklarēt dzīvesvietu'));
  assert.equal(status, 200);
  assert.match(html, /<mark>[^<]+<\/mark>/);
  assert.match(html, /Sašaurināt rezultātus/);
  const facet = html.match(/href="(\/meklet\?q=[^"]*&amp;e=1)#rezultati"/);
  assert.ok(facet, 'an e-services-only facet link');
  const narrowed = await get(facet[1].replace(/&amp;/g, '&'));
  assert.equal(narrowed.status, 200);
  assert.match(narrowed.html, /<strong>Tikai e-pakalpojumi<\/strong>/);
});

test('markup typed into search is shown back escaped', async () => {
  const { html } = await get('/meklet?q=' + encodeURIComponent('<img src=x onerror=alert(1)>'));
  assert.ok(!html.includes('<img src=x'));
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
});

test('a bad number in the search parameters is an error that names it, never a silent default', async () => {
  // the API: 422 {code, hint, detail}, the detail naming the parameter as sent
  const bad = [['limit=abc', 'limit'], ['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=-1', 'limit'],
    ['offset=abc', 'offset'], ['offset=10001', 'offset'], ['offset=1e3', 'offset'], ['offset=%202', 'offset'],
    ['no=x', 'no'], ['eservice=yes', 'eservice'], ['e=2', 'e']];
  for (const [qs, name] of bad) {
    const r = await fetch(`${srv.base}/api/v1/search?q=VID&${qs}`);
    assert.equal(r.status, 422, qs);
    assert.match(r.headers.get('content-type'), /^application\/json/, qs);
    const j = await r.json();
    assert.deepEqual(Object.keys(j), ['code', 'hint', 'detail'], qs);
    assert.match(j.code, /^EPAK-422-/, qs);
    assert.match(j.detail, new RegExp(`^${name}: This must be a whole number from \\d+ to \\d+\\.$`), `${qs}: ${j.detail}`);
  }
  // the page: 400 in the visitor's language, naming the parameter
  let r = await get('/meklet?q=VID&no=abc');
  assert.equal(r.status, 400);
  assert.match(r.html, /<html lang="lv">/);
  assert.match(r.html, /<h1>Pieprasījums nav saprotams<\/h1>/);
  assert.match(r.html, /<p class="detail">Rezultātu sākums \(no\): Jābūt veselam skaitlim no 0 līdz 10000\.<\/p>/);
  r = await get('/en/meklet?q=VID&limit=500');
  assert.equal(r.status, 400);
  assert.match(r.html, /<html lang="en">/);
  assert.match(r.html, /<p class="detail">Results per page \(limit\): This must be a whole number from 1 to 100\.<\/p>/);
  for (const qs of ['e=yes', 'offset=-1', 'limit=0'])
    assert.equal((await get(`/meklet?q=VID&${qs}`)).status, 400, qs);
});

test('the search page and the API read the same parameters, under either name', async () => {
  const api = async (qs) => (await (await fetch(`${srv.base}/api/v1/search?q=VID&${qs}`)).json());
  const all = await api('limit=100');
  assert.ok(all.total >= 3);
  const two = await api('limit=2&offset=1');
  assert.equal(two.results.length, 2);
  assert.deepEqual(two.results, all.results.slice(1, 3));
  assert.deepEqual(await api('limit=2&no=1'), two, 'no is offset');
  assert.deepEqual(await api('limit=02&offset=001'), two, 'leading zeros are the same number');
  assert.deepEqual(await api('limit=&offset='), await api(''), 'an empty value is no value');
  const inst = all.facets.institution[0];
  assert.deepEqual(await api(`iestade=${inst.id}`), await api(`institution=${inst.id}`));
  assert.equal((await api(`institution=${inst.id}`)).total, inst.count);
  assert.deepEqual(await api('e=1'), await api('eservice=1'));
  // the page takes the API's names (and limit) too
  const page = async (qs) => (await get(`/meklet?q=VID&${qs}`)).html;
  assert.equal(await page('offset=1'), await page('no=1'));
  assert.equal(await page(`institution=${inst.id}`), await page(`iestade=${inst.id}`));
  const one = await page('limit=1');
  assert.equal((one.match(/<h3 class="result-title"><a href="\/pakalpojumi\//g) || []).length, 1, 'limit=1 shows one result');
  assert.match(one, /<a href="\/meklet\?q=VID&amp;no=1&amp;limit=1#rezultati">/, 'the next page keeps the limit, at the results heading');
});

test('type-ahead completes a half-typed word', async () => {
  const j = await (await fetch(srv.base + '/api/v1/suggest?q=' + encodeURIComponent('dzīvesv'))).json();
  assert.ok(Array.isArray(j.suggestions));
  assert.ok(j.suggestions.length >= 1);
  assert.ok(j.suggestions.some((s) => /dzīvesviet/i.test(s)), JSON.stringify(j.suggestions));
});

test('a service offers its own CPSV-AP JSON-LD', async () => {
  const r = await fetch(srv.base + '/pakalpojumi/lv-dzivesvietas-deklaresana/jsonld');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/ld\+json/);
  const j = await r.json();
  assert.match(JSON.stringify(j), /lv-dzivesvietas-deklaresana/);
  assert.match(JSON.stringify(j), /PublicService/);
});

test('a re-import of a changed catalog reaches the pages within seconds; the same file changes nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-cat-'));
  const changed = path.join(dir, 'catalog.jsonld');
  fs.writeFileSync(changed, fs.readFileSync(demo, 'utf8').replace('"Dzīvesvietas deklarēšana"', '"Dzīvesvietas deklarēšana (mainīts)"'));
  const same = execFileSync(bin, ['import', ...srv.common, demo]).toString();
  assert.match(same, /0 (added|new)/i);
  const out2 = execFileSync(bin, ['import', ...srv.common, changed]).toString();
  assert.match(out2, /1 updated/, out2);
  let seen = false;
  // polling up to two minutes: a loaded machine rebuilds slowly
  for (const end = Date.now() + 120000; Date.now() < end && !seen;) {
    await new Promise((r) => setTimeout(r, 150));
    seen = /Dzīvesvietas deklarēšana \(mainīts\)/.test((await get('/pakalpojumi/lv-dzivesvietas-deklaresana')).html);
  }
  assert.ok(seen, 'the page shows the new title\n' + srv.log().split('\n').filter((l) => !/ access /.test(l)).join('\n'));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('editors change synonyms without a rebuild: the index follows the data file', async () => {
  // a server with its own copy of the search data
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-syn-'));
  fs.cpSync(path.join(root, 'data/search'), dir, { recursive: true });
  const s2 = await startServer({ imports: [demo], extra: ['--search-data', dir] });
  try {
    const q = '/api/v1/search?q=' + encodeURIComponent('zvaigznājs');
    assert.equal((await (await fetch(s2.base + q)).json()).total, 0);
    fs.appendFileSync(path.join(dir, 'synonyms.tsv'), '\nzvaigznājs\t=>\tdzīvesvietas deklarēšana\n');
    let total = 0;
    for (const end = Date.now() + 120000; Date.now() < end && !total;) {
      await new Promise((r) => setTimeout(r, 150));
      total = (await (await fetch(s2.base + q)).json()).total;
    }
    assert.ok(total > 0, 'the new synonym finds the service\n' + s2.log().split('\n').filter((l) => !/ access /.test(l)).join('\n'));
  } finally {
    await s2.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
