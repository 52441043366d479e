// tests/e2e/catalog-large.test.js — a generated catalog of 3 000 services
// (tools/gen-catalog.py from the reference catalog): the long lists are
// paginated so no page grows with the catalog, and random query strings
// cannot fill the page cache — the server's memory stays bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, root } from '../lib/server.js';

const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const SERVICES = 3000;
let srv;
let dir;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-large-'));
  const file = path.join(dir, 'catalog.jsonld');
  fs.writeFileSync(file, execFileSync('python3', [path.join(root, 'tools/gen-catalog.py'), '--services',
    String(SERVICES), path.join(shared, 'testdata/catalog-lv/catalog.jsonld')], { maxBuffer: 1 << 30 }));
  // A small ASan quarantine, so that resident memory shows what the server
  // keeps, not what the sanitizer holds back of what it freed.
  const asan = `${process.env.ASAN_OPTIONS || ''}:quarantine_size_mb=4:thread_local_quarantine_size_kb=64`;
  srv = await startServer({ imports: [file], env: { ASAN_OPTIONS: asan } });
});
after(async () => {
  await srv?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const get = async (p) => {
  const r = await fetch(srv.base + p);
  return { status: r.status, html: await r.text() };
};

const rssKiB = () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${srv.child.pid}/status`, 'utf8'))[1]);

// A service link in a list, and the list's own pager links.
const serviceLinks = (html) => [...html.matchAll(/<li>\s*<a href="((?:\/en)?\/pakalpojumi\/[^"]+)"/g)].map((m) => m[1]);

async function someSlugs() {
  const { html } = await get('/pakalpojumi');
  const event = /href="(\/dzives-situacijas\/[^"]+)"/.exec(html)[1];
  const orgs = (await get('/iestades')).html;
  const org = /href="(\/iestades\/[^"]+)"/.exec(orgs)[1];
  return { event, org };
}

test('every long list is paginated: bounded pages, page N of M, rel=prev/next, aria-current', async () => {
  const { event, org } = await someSlugs();
  for (const p of ['/e-pakalpojumi', '/iedzivotajiem', '/uznemejiem', event, org, '/en/e-pakalpojumi']) {
    const first = await get(p);
    assert.equal(first.status, 200, p);
    assert.ok(first.html.length < 120 * 1024, `${p}: ${first.html.length} bytes`);
    const links = serviceLinks(first.html);
    assert.ok(links.length > 0 && links.length <= 50, `${p}: ${links.length} services on a page`);
    const m = /<p class="pager-status">(?:Lapa|Page) 1 (?:no|of) (\d+)<\/p>/.exec(first.html);
    if (!m) { // a short list: one page, no pager
      assert.doesNotMatch(first.html, /rel="next"/, p);
      continue;
    }
    const pages = Number(m[1]);
    assert.ok(pages >= 2, p);
    const base = p.replace(/\?.*/, '');
    assert.match(first.html, new RegExp(`<a href="${base}\\?lapa=2" rel="next">`), p);
    assert.doesNotMatch(first.html, /rel="prev"/, p);
    assert.match(first.html, new RegExp(`<a href="${base}" aria-current="page">`), p);
    const second = await get(`${base}?lapa=2`);
    assert.equal(second.status, 200);
    assert.match(second.html, new RegExp(`<a href="${base}" rel="prev">`), p);
    assert.match(second.html, new RegExp(`<a href="${base}\\?lapa=2" aria-current="page">`), p);
    assert.notDeepEqual(serviceLinks(second.html), links, `${p}: page 2 lists other services`);
    const other = base.startsWith('/en/') ? base.slice(3) : `/en${base}`;
    assert.match(second.html, new RegExp(`class="lang-switch" href="${other}\\?lapa=2"`), `${p}: the switch keeps the page`);
    const last = await get(`${base}?lapa=${pages}`);
    assert.equal(last.status, 200);
    assert.doesNotMatch(last.html, /rel="next"/, p);
    assert.ok(last.html.length < 120 * 1024, p);
    // the page number is validated: out of range or not a number is 404
    for (const bad of ['0', String(pages + 1), 'abc', '-1', '1e3', '%201', '99999999999'])
      assert.equal((await fetch(`${srv.base}${base}?lapa=${bad}`)).status, 404, `${p}?lapa=${bad}`);
    // a leading zero is the same page
    assert.deepEqual(serviceLinks((await get(`${base}?lapa=02`)).html), serviceLinks(second.html));
  }
});

test('walking the pages of a list shows each service once', async () => {
  let url = '/uznemejiem';
  const seen = new Set();
  let total = 0;
  for (let i = 0; url && i < 200; i++) {
    const { html } = await get(url);
    if (!total) total = Number(/Pakalpojumi: (\d+)/.exec(html)[1]);
    for (const l of serviceLinks(html)) {
      assert.ok(!seen.has(l), `${l} on two pages`);
      seen.add(l);
    }
    const next = /<a href="([^"]+)" rel="next">/.exec(html);
    url = next ? next[1].replace(/&amp;/g, '&') : null;
  }
  assert.ok(total > 50);
  assert.equal(seen.size, total);
});

test('random query strings do not grow the server: the cache keys on what a page reads', async (t) => {
  const { event, org } = await someSlugs();
  const routes = ['/e-pakalpojumi', '/iedzivotajiem', '/uznemejiem', '/pakalpojumi', '/iestades', event, org,
    '/', '/palidziba', '/e-pakalpojumi?lapa=3', '/meklet?q=pase'];
  const warm = async () => { for (const p of routes) for (let k = 0; k < 4; k++) await get(p); };
  await warm();
  await warm();
  const before = rssKiB();
  let bytes = 0;
  for (let i = 0; i < 600; i++) {
    const p = routes[i % routes.length];
    // /iestades reads no lapa (an attack review found each ?lapa=N cached apart)
    const extra = p === '/iestades' ? `lapa=v${i}&` : '';
    const r = await get(`${p}${p.includes('?') ? '&' : '?'}${extra}cb=${i}&x${i}=${'y'.repeat(i % 50)}`);
    assert.equal(r.status, 200, p);
    bytes += r.html.length;
  }
  const grown = rssKiB() - before;
  t.diagnostic(`${bytes} bytes served, resident memory grew by ${grown} KiB`);
  // 600 pages, several MB of HTML, were served; before the fix each made a
  // cache entry of its own (hundreds of MB on this catalog)
  assert.ok(bytes > 5 * 1024 * 1024, `${bytes} bytes served`);
  assert.ok(grown < 24 * 1024, `resident memory grew by ${grown} KiB`);
});
