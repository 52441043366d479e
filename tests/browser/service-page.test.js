// tests/browser/service-page.test.js — service pages and life situations in
// real Chromium with both catalogs (the demo and the reference): no WCAG 2.1
// AA violations (axe-core) in Latvian and English, for a service with
// English text, one without (the "Latvian only" notice and lang="lv"), a
// municipal one and a priced one, and for life situations with and without
// the online filter; headings in order; no sideways scrolling at 320 px;
// screenshots at 1280 and 320 px in tests/out/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, root } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';

const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const pages = [
  '/pakalpojumi/lv-dzivesvietas-deklaresana', // English text, no cost stated, login ways named
  '/pakalpojumi/eid-karte', // the reference catalog: Latvian text only
  '/pakalpojumi/lv-tehniska-apskate', // a fee with its price list
  '/pakalpojumi/lv-riga-bernudarza-rinda', // a municipality's service
  '/pakalpojumi/bernudarza-rinda-riga', // the same in the reference catalog: no contacts, the helpdesk's
  '/dzives-situacijas/le-berna-piedzimsana', // ordered, with an introduction and a municipal step
  '/dzives-situacijas/le-berna-piedzimsana?tiessaiste=1',
  '/dzives-situacijas/berna-piedzimsana', // the reference catalog: the fallback order
  '/dzives-situacijas/le-nekustamais-ipasums',
  '/',
];
const check = accessibilityCheck('service-page');
let srv;
let browser;
before(async () => {
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld'), path.join(shared, 'testdata/catalog-lv/catalog.jsonld')] });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const shotName = (url, width) => `${url.replace(/^\//, '').replace(/[/?=&]+/g, '_') || 'home'}-${width}`;

for (const lang of ['', '/en']) {
  for (const p of pages) {
    const url = lang + p;
    test(`${url} passes axe-core at 1280 and 320 px, headings in order, no sideways scrolling`, async () => {
      for (const width of [1280, 320]) {
        // axe is injected: the page's CSP (no inline script) is bypassed for the check only
        const ctx = await browser.newContext({ bypassCSP: true, viewport: { width, height: width === 320 ? 640 : 900 } });
        const page = await ctx.newPage();
        const res = await page.goto(srv.base + url);
        assert.equal(res.status(), 200, url);
        await check(page, shotName(url, width));
        const h = await page.$$eval('main h1, main h2, main h3, main h4', (els) => els.map((e) => Number(e.tagName[1])));
        assert.equal(h.filter((x) => x === 1).length, 1, 'one h1');
        for (let i = 1; i < h.length; i++) assert.ok(h[i] <= h[i - 1] + 1, `heading levels in order: ${h}`);
        const w = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(w <= width, `${url} is ${w}px wide at ${width}`);
        await ctx.close();
      }
    });
  }
}

test('without JavaScript the online filter works and the e-service button is a plain link', async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/dzives-situacijas/le-berna-piedzimsana`);
  await page.click('a[href$="?tiessaiste=1"]');
  assert.match(page.url(), /\?tiessaiste=1$/);
  const items = await page.$$eval('main ol.situation-steps a[href^="/pakalpojumi/"]', (a) => a.length);
  assert.equal(items, 7);
  await page.goto(`${srv.base}/pakalpojumi/lv-dzivesvietas-deklaresana`);
  const button = await page.$eval('a.button-link', (a) => [a.getAttribute('href'), a.textContent.trim()]);
  assert.deepEqual(button, ['https://www.latvija.lv', 'Atvērt portālu latvija.lv']);
  await ctx.close();
});

test('English pages: the Latvian text is marked, so a screen reader reads it as Latvian', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/en/pakalpojumi/eid-karte`);
  const desc = await page.$eval('[itemprop=description]', (e) => e.closest('[lang]').getAttribute('lang'));
  assert.equal(desc, 'lv');
  const h1 = await page.$eval('h1', (e) => e.closest('[lang]').getAttribute('lang'));
  assert.equal(h1, 'en', 'the English title is in the page\'s language');
  assert.equal(await page.$eval('.notice-lang', (e) => e.textContent.trim()), 'Details are available in Latvian only.');
  await ctx.close();
});
