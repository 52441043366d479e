// tests/browser/materials.test.js — the materials for informers in real
// Chromium: a content editor logs in through the forms, uploads a file
// whose content is not an accepted type (the message beside the field and
// in the summary), then a real PNG through the file input; the public list
// and the back office pass axe-core (WCAG 2.1 AA) in Latvian and English,
// with the upload error shown; the same works without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
let srv;
let browser;

before(async () => {
  srv = await startServer();
  addUser(srv, 'ed', PW, ['name=Satura Redaktore', 'role=content']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('materials');

async function logIn(page) {
  await page.goto(`${srv.base}/birojs/materiali`);
  assert.match(page.url(), /\/pieteikties\?next=/);
  await page.fill('#login', 'ed');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  assert.match(page.url(), /\/birojs\/materiali$/);
}

// Uploads through the back office's form of prefix; file: {name, mimeType, buffer}.
async function uploadForm(page, prefix, title, file) {
  await page.goto(`${srv.base}${prefix}/birojs/materiali`);
  await page.fill('#title_lv', title);
  await page.selectOption('#kind', 'poster');
  await page.setInputFiles('#datne', file);
  await page.click('main form[enctype="multipart/form-data"] button[type=submit]');
}

async function walk(page, prefix, each) {
  // a wrong file: the error beside the field and in the summary
  await uploadForm(page, prefix, 'Viltīgs plakāts', { name: 'plakats.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
  assert.equal(await page.locator('#datne-error').count(), 1);
  assert.equal(await page.locator('.error-summary a[href="#datne"]').count(), 1);
  assert.equal(await page.inputValue('#title_lv'), 'Viltīgs plakāts');
  await each('office-upload-error');
  // a real PNG
  await uploadForm(page, prefix, `Plakāts ${prefix || 'lv'}`, { name: 'plakats.png', mimeType: 'image/png', buffer: PNG });
  assert.match(page.url(), /\/birojs\/materiali\/\d+\?saglabats=1$/);
  await each('office-edit');
  await page.goto(`${srv.base}${prefix}/birojs/materiali`);
  await each('office-list');
  await page.goto(`${srv.base}${prefix}/materiali`);
  assert.ok(await page.locator('.material-list a[download]').count() >= 2, 'the logo and the poster');
  await each('public');
}

test('the materials pages pass axe-core in both languages, with an upload error shown', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await logIn(page);
  for (const prefix of ['', '/en']) await walk(page, prefix, (name) => check(page, `${prefix ? 'en' : 'lv'}-${name}`));
  await ctx.close();
});

test('the same without JavaScript', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await logIn(page);
  for (const prefix of ['', '/en']) await walk(page, prefix, async () => {});
  await ctx.close();
});
