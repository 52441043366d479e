// tests/browser/office-services.test.js — the back office's service pages
// in real Chromium: an institution editor adds a row, fails a save, fixes
// it and publishes, all without JavaScript; the list, the form, the form
// with its errors and a new service's form pass axe-core (WCAG 2.1 AA) in
// Latvian and English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root, startServer } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const SLUG = 'lv-dzivesvietas-deklaresana';
const shots = path.join(root, 'tests/out/screenshots');
let srv;
let browser;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')] });
  addUser(srv, 'ed', PW, ['name=Edgars Redaktors', 'role=institution', 'institution=pmlp']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

async function loggedIn(opts = {}) {
  const ctx = await browser.newContext(opts);
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/pieteikties?next=/birojs/pakalpojumi`);
  await page.fill('#login', 'ed');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  assert.match(page.url(), /\/birojs\/pakalpojumi$/);
  return { ctx, page };
}

const check = accessibilityCheck('office-services');

test('without JavaScript: add a row, fail a save, fix it, publish', async () => {
  const { ctx, page } = await loggedIn({ javaScriptEnabled: false });
  await page.goto(`${srv.base}/birojs/pakalpojumi/${SLUG}`);
  const rows = Number(await page.getAttribute('input[name="rows.legal"]', 'value'));
  await page.fill('#f-title-lv', 'Dzīvesvietas deklarēšana — pārlūkā');
  await page.click('button[value="pievienot:legal"]');
  assert.equal(Number(await page.getAttribute('input[name="rows.legal"]', 'value')), rows + 1);
  assert.equal(await page.inputValue('#f-title-lv'), 'Dzīvesvietas deklarēšana — pārlūkā', 'typed text kept');
  await page.fill('#f-legal-0-url', 'javascript:alert(1)');
  await page.fill('#f-legal-0-title-lv', 'Likums');
  await page.click('button[value="publicet"]');
  // the summary links to the field, the message is beside it
  assert.match(await page.textContent('.error-summary'), /https:\/\//);
  const href = await page.getAttribute('.error-summary a', 'href');
  assert.equal(href, '#f-legal-0-url');
  assert.equal(await page.getAttribute('#f-legal-0-url', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('#f-legal-0-url', 'aria-describedby'), /f-legal-0-url-error/);
  assert.equal(await page.inputValue('#f-title-lv'), 'Dzīvesvietas deklarēšana — pārlūkā');
  await page.fill('#f-legal-0-url', 'https://likumi.lv/ta/id/317482');
  await page.click('button[value="publicet"]');
  assert.match(page.url(), /saglabats=publicets/);
  assert.match(await page.textContent('[role="status"]'), /Publicēts/);
  const deadline = Date.now() + 15000;
  for (;;) {
    await page.goto(`${srv.base}/pakalpojumi/${SLUG}`);
    if (/pārlūkā/.test(await page.textContent('h1'))) break;
    assert.ok(Date.now() < deadline, 'the public page follows');
    await page.waitForTimeout(200);
  }
  assert.match(await page.textContent('#s-legal + ul'), /Likums/);
  await ctx.close();
});

for (const [lang, prefix] of [['lv', ''], ['en', '/en']]) {
  test(`${lang}: the list, the form, the form with errors and a new service's form are accessible`, async () => {
    const { ctx, page } = await loggedIn();
    await page.goto(`${srv.base}${prefix}/birojs/pakalpojumi`);
    await check(page, `${lang}-list`);
    await page.goto(`${srv.base}${prefix}/birojs/pakalpojumi/${SLUG}`);
    await check(page, `${lang}-form`);
    await page.fill('#f-title-lv', '');
    await page.fill('#f-channels-0-email', 'nav adrese');
    await page.fill('#f-costs-0-value', '12 EUR');
    await page.click('button[value="publicet"]');
    assert.equal(await page.locator('.error-summary li').count(), 3);
    await check(page, `${lang}-form-errors`);
    await page.goto(`${srv.base}${prefix}/birojs/pakalpojumi/jauns`);
    await check(page, `${lang}-new`);
    await page.click('button[value="melnraksts"]');
    assert.ok(await page.locator('.error-summary li').count() >= 3);
    await check(page, `${lang}-new-errors`);
    await ctx.close();
  });
}
