// tests/e2e/sitemap.test.js — /sitemap.xml as a search engine reads it:
// valid against the sitemaps.org 0.9 schema with Google's hreflang links
// (tests/e2e/sitemap.rng, RELAX NG through xmllint: the official XSDs are
// not reachable offline), every URL answering 200 with the same lv, en and
// x-default alternates in its HTML head, news with their lastmod, robots.txt
// naming it; a 3 000-service catalog split into an index; one build however
// many ask; no sitemap without public-url.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { startServer, freePort, root, sqlite, stopClean } from '../lib/server.js';

const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const XHTML = 'http://www.w3.org/1999/xhtml';
let work;
let srv;
let pub;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-sitemap-'));
  const port = await freePort();
  pub = `http://127.0.0.1:${port}`;
  srv = await startServer({ port, imports: [path.join(root, 'data/catalog.jsonld')], extra: ['--public-url', `${pub}/`] });
  // a published article (the news pages' own tests write them through the
  // back office; here only its place in the sitemap matters)
  const now = Math.floor(Date.now() / 1000);
  sqlite(path.join(srv.data, 'epak.db'), `INSERT INTO news_article (slug, title_lv, body_lv, state, publish_at, created_at, created_by, updated_at, updated_by) VALUES ('kartes-maina', 'Kartes maiņa', 'Teksts.', 'published', ${now - 3600}, ${now}, 0, ${now}, 0); UPDATE content_revision SET value = value + 1 WHERE id = 1`);
  // the content set notices within a second; the sitemap is rebuilt for it
  for (let i = 0; i < 300 && !(await (await fetch(`${pub}/sitemap.xml`)).text()).includes('/jaunumi/kartes-maina'); i++) await new Promise((r) => setTimeout(r, 100));
});

after(async () => {
  await stopClean(srv);
  fs.rmSync(work, { recursive: true, force: true });
});

// Validates xml against sitemap.rng; throws with xmllint's words.
function validate(xml) {
  const f = path.join(work, `s${Math.random().toString(36).slice(2)}.xml`);
  fs.writeFileSync(f, xml);
  const r = spawnSync('xmllint', ['--noout', '--relaxng', path.join(root, 'tests/e2e/sitemap.rng'), f], { encoding: 'utf8' });
  fs.rmSync(f);
  assert.equal(r.status, 0, r.stderr);
}

// The <url> entries: loc, lastmod and the alternates by hreflang.
function urls(xml) {
  const d = new DOMParser().parseFromString(xml, 'application/xml');
  return Array.from(d.getElementsByTagNameNS(NS, 'url')).map((u) => {
    const one = (n) => u.getElementsByTagNameNS(NS, n)[0]?.textContent ?? null;
    const alt = {};
    for (const l of Array.from(u.getElementsByTagNameNS(XHTML, 'link'))) alt[l.getAttribute('hreflang')] = l.getAttribute('href');
    return { loc: one('loc'), lastmod: one('lastmod'), alt };
  });
}

// The alternates a page's head gives (a lang-switch <a> is not one).
function headAlternates(html) {
  const head = html.slice(0, html.indexOf('</head>'));
  const alt = {};
  for (const m of head.matchAll(/<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">/g)) alt[m[1]] = m[2].replace(/&amp;/g, '&');
  return alt;
}

test('robots.txt names the sitemap; the sitemap is valid, both languages, absolute URLs', async () => {
  const robots = await (await fetch(`${pub}/robots.txt`)).text();
  assert.match(robots, /^User-agent: \*$/m);
  assert.match(robots, new RegExp(`^Sitemap: ${pub}/sitemap.xml$`, 'm'));
  const r = await fetch(`${pub}/sitemap.xml`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/xml/);
  const xml = await r.text();
  validate(xml);
  const list = urls(xml);
  const locs = list.map((u) => u.loc);
  assert.equal(new Set(locs).size, locs.length, 'a URL listed twice');
  for (const u of list) {
    assert.ok(u.loc.startsWith(`${pub}/`), u.loc);
    assert.deepEqual(Object.keys(u.alt).sort(), ['en', 'lv', 'x-default']);
    assert.ok(u.loc === u.alt.lv || u.loc === u.alt.en, u.loc);
    assert.equal(u.alt['x-default'], u.alt.lv);
    assert.equal(u.alt.en, u.alt.lv === `${pub}/` ? `${pub}/en/` : u.alt.lv.replace(pub, `${pub}/en`));
  }
  // every kind of public page, both languages
  for (const p of ['/', '/en/', '/pakalpojumi', '/en/pakalpojumi', '/iestades', '/buj', '/jaunumi', '/en/kontakti', '/e-pakalpojumi', '/iedzivotajiem', '/uznemejiem', '/palidziba', '/drosiba', '/e-zime', '/ka-sakt', '/jaunumi/kartes-maina', '/en/jaunumi/kartes-maina']) {
    assert.ok(locs.includes(pub + p), `${p} is not listed`);
  }
  for (const kind of ['/pakalpojumi/', '/dzives-situacijas/', '/iestades/']) {
    assert.ok(locs.filter((l) => l.startsWith(pub + kind)).length >= 2, kind);
    assert.ok(locs.filter((l) => l.startsWith(`${pub}/en${kind}`)).length >= 2, kind);
  }
  // no page of the back office, of a person, or with a secret
  assert.ok(!locs.some((l) => /\/(birojs|profils|pieteikties|api)\b/.test(l)));
  // lastmod where the data has a time: news, the FAQ
  const news = list.find((u) => u.loc === `${pub}/jaunumi/kartes-maina`);
  assert.match(news.lastmod, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(Math.abs(Date.parse(news.lastmod) / 1000 - (Date.now() / 1000 - 3600)) < 120);
  assert.ok(list.find((u) => u.loc === `${pub}/buj`).lastmod);
  assert.ok(list.find((u) => u.loc === `${pub}/jaunumi`).lastmod);
  // every service of the catalog, as the catalog's JSON export names them
  const services = (await (await fetch(`${pub}/api/v1/search?q=pakalpojums&limit=100`)).json()).results;
  for (const s of services) assert.ok(locs.includes(pub + s.url), s.url);
});

test('every listed URL answers 200, and its head gives the same alternates', async () => {
  const list = urls(await (await fetch(`${pub}/sitemap.xml`)).text());
  assert.ok(list.length > 100, String(list.length));
  for (const u of list) {
    const r = await fetch(u.loc.replace(pub, srv.base));
    assert.equal(r.status, 200, u.loc);
    assert.deepEqual(headAlternates(await r.text()), u.alt, u.loc);
  }
});

test('cached per read-model revision: ETag and gzip, rebuilt after an import, one build however many ask', async () => {
  const r = await fetch(`${pub}/sitemap.xml`);
  const etag = r.headers.get('etag');
  assert.ok(etag);
  assert.equal((await fetch(`${pub}/sitemap.xml`, { headers: { 'if-none-match': etag } })).status, 304);
  const gz = await fetch(`${pub}/sitemap.xml`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers.get('content-encoding'), 'gzip'); // fetch decodes it
  const builds = () => (srv.log().match(/sitemap: \d+ URLs/g) || []).length;
  const before = builds();
  await Promise.all(Array.from({ length: 30 }, () => fetch(`${pub}/sitemap.xml`).then((x) => x.text())));
  assert.equal(builds(), before, 'built again with nothing changed');
  // an edit of the catalog (a new read-model revision) makes the next request rebuild
  const cat = JSON.parse(fs.readFileSync(path.join(root, 'data/catalog.jsonld'), 'utf8'));
  const svc = cat['@graph'].find((n) => JSON.stringify(n['@type'] || '').includes('PublicService') && n['dct:title']);
  const title = [].concat(svc['dct:title']).find((t) => t['@language'] === 'lv');
  title['@value'] += ' (labots)';
  const edited = path.join(work, 'edited.jsonld');
  fs.writeFileSync(edited, JSON.stringify(cat));
  execFileSync(process.env.EPAK_BIN || path.join(root, 'build/asan/epak'), ['import', ...srv.common, edited], { stdio: 'ignore' });
  const deadline = Date.now() + 60000;
  while (builds() === before && Date.now() < deadline) {
    await Promise.all(Array.from({ length: 10 }, () => fetch(`${pub}/sitemap.xml`).then((x) => x.status)));
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.ok(builds() > before, 'not rebuilt after the import');
  assert.ok(builds() - before <= 2, `${builds() - before} builds for one change`);
  assert.equal((await fetch(`${pub}/sitemap/1.xml`)).status, 404); // one file: no parts
  for (const p of ['/sitemap/0.xml', '/sitemap/x.xml', '/sitemap/1.json', '/sitemap/99999999999.xml']) assert.equal((await fetch(`${pub}${p}`)).status, 404, p);
});

test('without public-url there is no sitemap (a Host header must not write its addresses)', async () => {
  const plain = await startServer();
  try {
    const r = await fetch(`${plain.base}/sitemap.xml`, { headers: { host: 'evil.example' } });
    assert.equal(r.status, 404);
    assert.doesNotMatch(await (await fetch(`${plain.base}/robots.txt`)).text(), /Sitemap/i);
    // the head's alternates are then relative
    assert.match(await (await fetch(`${plain.base}/palidziba`)).text(), /<link rel="alternate" hreflang="en" href="\/en\/palidziba">/);
  } finally {
    await plain.stop();
  }
});

test('a large catalog: /sitemap.xml becomes an index of files of at most sitemap-max-urls', async () => {
  const file = path.join(work, 'large.jsonld');
  fs.writeFileSync(file, execFileSync('python3', [path.join(root, 'tools/gen-catalog.py'), '--services', '3000',
    path.join(shared, 'testdata/catalog-lv/catalog.jsonld')], { maxBuffer: 1 << 30 }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const big = await startServer({ port, imports: [file], extra: ['--public-url', base, '--sitemap-max-urls', '1000'] });
  try {
    const r = await fetch(`${base}/sitemap.xml`);
    assert.equal(r.status, 200);
    const xml = await r.text();
    validate(xml);
    const d = new DOMParser().parseFromString(xml, 'application/xml');
    assert.equal(d.documentElement.localName, 'sitemapindex');
    const parts = Array.from(d.getElementsByTagNameNS(NS, 'loc')).map((l) => l.textContent);
    assert.ok(parts.length >= 6, String(parts.length));
    assert.deepEqual(parts, parts.map((_, i) => `${base}/sitemap/${i + 1}.xml`));
    const all = [];
    for (const p of parts) {
      const pr = await fetch(p, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(pr.status, 200, p);
      const px = await pr.text();
      validate(px);
      const list = urls(px);
      assert.ok(list.length <= 1000 && list.length > 0, `${p}: ${list.length}`);
      all.push(...list.map((u) => u.loc));
    }
    assert.equal(new Set(all).size, all.length, 'a URL in two files');
    const services = all.filter((l) => l.startsWith(`${base}/pakalpojumi/`));
    assert.ok(services.length >= 3000, String(services.length));
    assert.equal(all.filter((l) => l.startsWith(`${base}/en/pakalpojumi/`)).length, services.length);
    assert.equal((await fetch(`${base}/sitemap/${parts.length + 1}.xml`)).status, 404);
    // a sample answers
    for (const l of [all[0], all[all.length - 1], services[services.length - 1]]) assert.equal((await fetch(l)).status, 200, l);
    assert.match(big.log(), /sitemap: \d+ URLs in \d+ file\(s\), built in \d+ ms/);
  } finally {
    await big.stop();
  }
  // gzip'd parts are smaller than the text (checked on one)
  assert.ok(zlib.gzipSync('x'.repeat(100)).length < 100);
});
