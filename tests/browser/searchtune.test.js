// tests/browser/searchtune.test.js — the search tuning page
// (/birojs/meklesana) in real Chromium: an administrator
// previews a synonym, is refused a bad line, runs the evaluation and sees the
// queries that found nothing; every state of the page passes axe-core (WCAG
// 2.1 AA) in Latvian and English, and is photographed; and without
// JavaScript the same forms preview and save.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root, startServer } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser, totp } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const shots = path.join(root, 'tests/out/screenshots');
const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const queries = path.join(shared, 'testdata/catalog-lv/queries-dev.tsv');
let srv;
let browser;
let admin;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer({ imports: [path.join(shared, 'testdata/catalog-lv/catalog.jsonld')],
    extra: ['--search-eval-queries', queries] });
  admin = addUser(srv, 'anna', PW, ['name=Anna Bērziņa', 'role=admin']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('searchtune');

test('the search tuning page in both languages passes axe-core', { timeout: 300000 }, async () => {
  await fetch(`${srv.base}/meklet?q=${encodeURIComponent('zqxwv')}`);
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/birojs/meklesana`);
  assert.match(page.url(), /\/pieteikties\?next=/);
  await page.fill('#login', 'anna');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  await page.fill('#code', totp(admin.key));
  await page.click('main form button[type=submit]');
  assert.match(page.url(), /\/birojs\/meklesana$/);
  for (const [lang, prefix] of [['lv', ''], ['en', '/en']]) {
    await page.goto(`${srv.base}${prefix}/birojs/meklesana`);
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    await check(page, `${lang}-synonyms`);
    // a preview of an added synonym, side by side
    await page.fill('#pq', 'zqxwv');
    const text = await page.inputValue('#teksts');
    await page.fill('#teksts', `${text}\nzqxwv\t=>\tpase\n`);
    await page.click('button[name=darbiba][value=preview]');
    assert.ok(await page.isVisible('#preview table'));
    await check(page, `${lang}-preview`);
    // a refused line
    await page.fill('#teksts', 'tikai viens lauks\n');
    await page.click('button[name=darbiba][value=save]');
    assert.ok(await page.isVisible('.error-summary'));
    await check(page, `${lang}-refused`);
    await page.goto(`${srv.base}${prefix}/birojs/meklesana?kopa=best-bets`);
    await check(page, `${lang}-best-bets`);
    await page.goto(`${srv.base}${prefix}/birojs/meklesana?kopa=lexicon`);
    await check(page, `${lang}-lexicon`);
    await page.goto(`${srv.base}${prefix}/birojs/meklesana`);
    await page.click('#eval button[type=submit]');
    assert.ok(await page.isVisible('table.eval'));
    await check(page, `${lang}-evaluation`);
    // the zero-result list and its synonym shortcut (counted within a second)
    for (let i = 0; i < 50 && !(await page.isVisible('#zero table')); i++) {
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
    }
    assert.ok(await page.isVisible('#zero table'));
    await page.click('#zero table a[href*="sinonims="]');
    assert.ok(await page.isVisible('#add'));
    await check(page, `${lang}-add-synonym`);
  }
  await ctx.close();
});

test('without JavaScript an administrator previews and saves a synonym', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/en/birojs/meklesana?kopa=best-bets`);
  await page.fill('#login', 'anna');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  await page.fill('#code', admin.codes[0]);
  await page.click('main form button[type=submit]');
  assert.match(page.url(), /\/en\/birojs\/meklesana\?kopa=best-bets$/);
  await page.fill('#teksts', 'zqxwv\tpase\n');
  await page.fill('#pq', 'zqxwv');
  await page.click('button[name=darbiba][value=preview]');
  assert.match(await page.textContent('#preview'), /best bet/);
  await page.click('button[name=darbiba][value=save]');
  assert.match(page.url(), /kopa=best-bets&q=zqxwv$/);
  assert.match(await page.textContent('main'), /Edited in the back office/);
  await ctx.close();
});
