// tests/browser/auth.test.js — the login, profile, second-factor and back
// office pages in real Chromium: a staff member logs in through the forms
// (password, then the authenticator's code), sets up nothing by hand; every
// page passes axe-core (WCAG 2.1 AA) in Latvian and English, works without
// JavaScript, and is photographed for people to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root, startServer } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser, totp } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const shots = path.join(root, 'tests/out/screenshots');
let srv;
let browser;
let admin;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')] });
  admin = addUser(srv, 'anna', PW, ['name=Anna Bērziņa', 'role=admin,institution', 'institution=pmlp']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('auth');

for (const [lang, prefix] of [['lv', ''], ['en', '/en']]) {
  test(`${lang}: log in with password and code, profile, back office, audit log, log out — each page accessible`, async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${srv.base}${prefix}/birojs`);
    assert.match(page.url(), /\/pieteikties\?next=/);
    await check(page, `${lang}-login`);
    await page.fill('#login', 'anna');
    await page.fill('#password', 'wrong password here');
    await page.click('#way-staff ~ form button[type=submit]');
    await check(page, `${lang}-login-refused`);
    await page.fill('#login', 'anna');
    await page.fill('#password', PW);
    await page.click('#way-staff ~ form button[type=submit]');
    assert.match(page.url(), /\/pieteikties\/otp/);
    await check(page, `${lang}-otp`);
    // a code of the next step would be a replay later: wait for a fresh one
    await page.fill('#code', lang === 'lv' ? totp(admin.key) : admin.codes[0]);
    await page.click('main form button[type=submit]');
    assert.match(page.url(), /\/birojs$/);
    assert.match(await page.textContent('.account-bar'), /Anna Bērziņa/);
    await check(page, `${lang}-office`);
    await page.goto(`${srv.base}${prefix}/profils`);
    await check(page, `${lang}-profile`);
    await page.goto(`${srv.base}${prefix}/birojs/zurnals`);
    await check(page, `${lang}-audit`);
    await page.goto(`${srv.base}${prefix}/profils/otp`);
    await check(page, `${lang}-otp-setup`);
    await page.goto(`${srv.base}${prefix}/pieteikties/atjaunot`);
    await check(page, `${lang}-reset-request`);
    await page.goto(`${srv.base}${prefix}/pakalpojumi`);
    await check(page, `${lang}-catalog-logged-in`);
    await page.click('.account-bar form.logout button');
    assert.match(await page.textContent('h1'), lang === 'lv' ? /izgājis/ : /logged out/);
    await check(page, `${lang}-logged-out`);
    await page.goto(`${srv.base}${prefix}/profils`);
    assert.match(page.url(), /\/pieteikties/);
    await ctx.close();
  });
}

test('without JavaScript a staff member logs in and out all the same', async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/pieteikties`);
  await page.fill('#login', 'anna');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  assert.match(page.url(), /\/pieteikties\/otp/);
  await page.fill('#code', admin.codes[1]);
  await page.click('main form button[type=submit]');
  assert.match(page.url(), /\/profils$/);
  await page.click('.account-bar form.logout button');
  assert.match(await page.textContent('h1'), /izgājis/);
  await ctx.close();
});

test('at 320 px the account bar and the login forms fit', async () => {
  const ctx = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/pieteikties`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false);
  await page.screenshot({ path: path.join(shots, 'auth-login-320.png'), fullPage: true });
  await ctx.close();
});
