// tests/browser/news.test.js — news in real Chromium: a content editor logs
// in through the forms, writes an article in the editor, previews it in
// both languages and publishes it; the editor, the preview, the public list
// and the article pass axe-core (WCAG 2.1 AA) in Latvian and English; the
// same flow works without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, startServer } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser } from '../lib/auth.js';

const PW = 'correct horse battery staple';
let srv;
let browser;

before(async () => {
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')] });
  addUser(srv, 'elina', PW, ['name=Elīna Redaktore', 'role=content']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('news');

async function logIn(page) {
  await page.goto(`${srv.base}/birojs/jaunumi`);
  assert.match(page.url(), /\/pieteikties\?next=/);
  await page.fill('#login', 'elina');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  assert.match(page.url(), /\/birojs\/jaunumi$/);
}

async function write(page, prefix, slug, each) {
  await page.goto(`${srv.base}${prefix}/birojs/jaunumi`);
  await each('office-list');
  await page.click(`main a[href="${prefix}/birojs/jaunumi/jauns"]`);
  await page.fill('#slug', slug);
  await page.fill('#title_lv', 'Jauni e-pakalpojumi pašvaldībās');
  await page.fill('#summary_lv', 'Īsumā: **trīs** jauni pakalpojumi.');
  await page.fill('#body_lv', '## Kas mainās\n\nTagad var pieteikties *tiešsaistē*.\n\n* Rīga\n* Cēsis\n');
  await page.fill('#title_en', 'New e-services in municipalities');
  await page.fill('#body_en', '## What changes\n\nYou can now apply *online*.\n');
  // an empty required field first: the message beside it
  await page.fill('#title_lv', '');
  await page.click('button[value=save]');
  assert.ok(await page.locator('#title_lv-error').count() === 1);
  await each('editor-invalid');
  await page.fill('#title_lv', 'Jauni e-pakalpojumi pašvaldībās');
  await each('editor');
  await page.click('button[value=preview]');
  assert.match(await page.locator('h1').innerText(), /Jauni e-pakalpojumi/);
  await each('preview-lv');
  await page.click('button[value=edit]');
  assert.equal(await page.inputValue('#title_en'), 'New e-services in municipalities', 'the form comes back as typed');
  await page.click('button[value="preview-en"]');
  assert.match(await page.locator('h1').innerText(), /New e-services/);
  await each('preview-en');
  await page.click('button[value=edit]');
  await page.click('button[value=publish]');
  assert.match(page.url(), /\/birojs\/jaunumi\/\d+\?saglabats=1$/);
  await page.goto(`${srv.base}${prefix}/jaunumi`);
  await each('list');
  await page.click(`main a[href="${prefix}/jaunumi/${slug}"]`);
  assert.ok(await page.locator('article time').count() === 1);
  await each('article');
}

test('the editor, the preview, the list and an article pass axe-core in both languages', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await logIn(page);
  for (const prefix of ['', '/en']) {
    await write(page, prefix, `raksts${prefix ? '-en' : ''}`, (name) => check(page, `${prefix ? 'en' : 'lv'}-${name}`));
  }
  await ctx.close();
});

test('the same without JavaScript', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await logIn(page);
  await write(page, '', 'bez-js', async () => {});
  await ctx.close();
});
