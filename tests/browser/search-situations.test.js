// tests/browser/search-situations.test.js — search by life situation in real
// Chromium: the situation card and the portal's own pages above the results
// pass axe-core (WCAG 2.1 AA) in Latvian and English at 1280 and 320 px and
// are photographed; the card's link reaches the life situation; and the
// situations tab of the search tuning page passes axe-core too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, startServer } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser, totp } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
let srv;
let browser;
let admin;

before(async () => {
  srv = await startServer({ imports: [path.join(shared, 'testdata/catalog-lv/catalog.jsonld')] });
  admin = addUser(srv, 'anna', PW, ['name=Anna Bērziņa', 'role=admin']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('search-situations');

test('the situation card and own pages pass axe-core in both languages, wide and narrow', { timeout: 300000 }, async () => {
  for (const [w, h] of [[1280, 900], [320, 640]]) {
    const ctx = await browser.newContext({ viewport: { width: w, height: h } });
    const page = await ctx.newPage();
    for (const [lang, prefix, q, name] of [['lv', '', 'piedzima bērns', 'Bērna piedzimšana'],
      ['en', '/en', 'we had a baby', 'Birth of a child']]) {
      await page.goto(`${srv.base}${prefix}/meklet?q=${encodeURIComponent(q)}`);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.ok(await page.isVisible('.situation-card'), 'the card is shown');
      assert.equal((await page.textContent('.situation-card h2 a')).trim(), name);
      await check(page, `${lang}-card-${w}`);
      const pq = lang === 'lv' ? 'pārbaudīt parakstu' : 'check signature';
      await page.goto(`${srv.base}${prefix}/meklet?q=${encodeURIComponent(pq)}`);
      assert.ok(await page.isVisible('.portal-pages a[href$="/parbaudit"]'));
      await check(page, `${lang}-pages-${w}`);
    }
    await page.goto(`${srv.base}/meklet?q=${encodeURIComponent('piedzima bērns')}`);
    await page.click('.situation-card h2 a');
    assert.match(page.url(), /\/dzives-situacijas\/berna-piedzimsana$/);
    await ctx.close();
  }
});

test('the situations tab of the search tuning page passes axe-core', { timeout: 300000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/birojs/meklesana?kopa=situations`);
  await page.fill('#login', 'anna');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  await page.fill('#code', totp(admin.key));
  await page.click('main form button[type=submit]');
  for (const prefix of ['', '/en']) {
    await page.goto(`${srv.base}${prefix}/birojs/meklesana?kopa=situations`);
    assert.match(await page.inputValue('#teksts'), /pārcelties/);
    await check(page, `${prefix ? 'en' : 'lv'}-tune`);
  }
  await ctx.close();
});
