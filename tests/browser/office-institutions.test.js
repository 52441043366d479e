// tests/browser/office-institutions.test.js — the back office's institution
// pages (/birojs/iestades) in real Chromium: every page passes axe-core
// (WCAG 2.1 AA) in Latvian and English, also with the error messages shown;
// the forms work without JavaScript; an administrator grants the "ē!" mark
// with a date and the public /e-zime page shows it.
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
let codes = 0;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')], extra: ['--limit-login-network', '100000'] });
  admin = addUser(srv, 'anna', PW, ['name=Anna Bērziņa', 'role=admin']);
  addUser(srv, 'ilze', PW, ['name=Ilze Kalna', 'role=institution', 'institution=vid']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('institutions');

// Logs the administrator in through the forms (a recovery code each time
// after the first: a TOTP code cannot be used twice).
async function login(opts = {}) {
  const ctx = await browser.newContext(opts);
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/birojs/iestades`);
  assert.match(page.url(), /\/pieteikties\?next=/);
  await page.fill('#login', 'anna');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  assert.match(page.url(), /\/pieteikties\/otp/);
  await page.fill('#code', codes++ === 0 ? totp(admin.key) : admin.codes[codes]);
  await page.click('main form button[type=submit]');
  assert.match(page.url(), /\/birojs\/iestades$/);
  return { ctx, page };
}

test('every institution page passes axe-core in Latvian and English, errors shown too', async () => {
  const { ctx, page } = await login();
  for (const [lang, prefix] of [['lv', ''], ['en', '/en']]) {
    await page.goto(`${srv.base}${prefix}/birojs/iestades`);
    await check(page, `${lang}-list`);
    await page.goto(`${srv.base}${prefix}/birojs/iestades/vid`);
    assert.match(await page.textContent('h1'), lang === 'lv' ? /Valsts ieņēmumu dienests/ : /State Revenue Service/);
    await check(page, `${lang}-edit`);
    // errors in several fields at once
    await page.fill('#name_lv', '');
    await page.fill('#homepage', 'javascript:alert(1)');
    await page.fill('#k0_phone1', 'zvaniet man');
    await page.fill('#k0_email1', 'nav@adrese');
    await page.uncheck('#emark'); // vid has the mark: a date without it is an error
    await page.fill('#emark_date', '2026-12-01');
    await page.click('main form button[type=submit] >> nth=0');
    assert.equal(await page.locator('.error-summary').count(), 1);
    for (const id of ['name_lv', 'homepage', 'k0_phone1', 'k0_email1', 'emark_date'])
      assert.equal(await page.locator(`#${id}-error`).count(), 1, id);
    await check(page, `${lang}-edit-errors`);
    await page.goto(`${srv.base}${prefix}/birojs/iestades/jauna`);
    await check(page, `${lang}-new`);
    await page.click('main form button[type=submit] >> nth=0');
    assert.equal(await page.locator('#identifier-error').count(), 1);
    await check(page, `${lang}-new-errors`);
    // the staff form with its error
    await page.goto(`${srv.base}${prefix}/birojs/iestades/vid`);
    await page.fill('#login', 'nobody-here');
    await page.click('#login ~ button, form[action$="/darbinieki"] button');
    assert.equal(await page.locator('#login-error').count(), 1);
    await check(page, `${lang}-staff-error`);
  }
  await ctx.close();
});

test('without JavaScript an administrator creates an institution and assigns its editor', async () => {
  const { ctx, page } = await login({ javaScriptEnabled: false });
  await page.goto(`${srv.base}/birojs/iestades/jauna`);
  await page.fill('#identifier', 'bez-skripta');
  await page.fill('#name_lv', 'Iestāde bez skripta');
  await page.fill('#name_en', 'No-script Agency');
  await page.selectOption('#level', 'municipal');
  await page.fill('#k0_phone1', '67000000');
  await page.fill('#k0_email1', 'pasts@bez-skripta.lv');
  await page.click('main form button[type=submit] >> nth=0');
  assert.match(page.url(), /\/birojs\/iestades\/bez-skripta\?saglabats=1$/);
  assert.equal(await page.inputValue('#name_en'), 'No-script Agency');
  await page.fill('#login', 'ilze');
  await page.click('form[action$="/darbinieki"] button');
  assert.match(await page.textContent('#staff ~ table'), /ilze/);
  await page.check('#review-required');
  await page.click('form[action$="/parskatisana"] button');
  assert.equal(await page.isChecked('#review-required'), true);
  await ctx.close();
});

test('an administrator grants "ē!" in Chromium and /e-zime shows since when', async () => {
  const { ctx, page } = await login();
  await page.goto(`${srv.base}/birojs/iestades/vid`);
  await page.check('#emark');
  await page.fill('#emark_date', '2026-11-02');
  await page.click('main form button[type=submit] >> nth=0');
  assert.match(page.url(), /\/birojs\/iestades\/vid\?saglabats=1$/);
  assert.equal(await page.isChecked('#emark'), true);
  assert.equal(await page.inputValue('#emark_date'), '2026-11-02');
  await check(page, 'lv-granted');
  const end = Date.now() + 20000;
  for (;;) {
    await page.goto(`${srv.base}/e-zime`);
    if (/02\.11\.2026\./.test(await page.textContent('main'))) break;
    assert.ok(Date.now() < end, '/e-zime did not show the date');
    await page.waitForTimeout(300);
  }
  assert.match(await page.textContent('.emark-orgs'), /Valsts ieņēmumu dienests — kopš 02\.11\.2026\./);
  await check(page, 'lv-emark-page');
  await page.goto(`${srv.base}/en/e-zime`);
  assert.match(await page.textContent('.emark-orgs'), /State Revenue Service — since 2 Nov 2026/);
  await check(page, 'en-emark-page');
  await ctx.close();
});
