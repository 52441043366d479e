// tests/browser/faq.test.js — the FAQ, the useful pages and their back
// office in real Chromium: every page passes axe-core (WCAG 2.1 AA) in
// Latvian and English (/buj, /kontakti, /ka-sakt, /drosiba, /birojs/buj and
// an entry's form with its preview and a refused save, /birojs/fakti with a
// refused save); a content editor logs in through the forms, and without
// JavaScript the FAQ's anchors and the editor's preview still work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, startServer } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser, totp } from '../lib/auth.js';

const PW = 'correct horse battery staple';
let srv;
let browser;
let editor;

before(async () => {
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')] });
  editor = addUser(srv, 'liene', PW, ['name=Liene Redaktore', 'role=content']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('faq');

async function logIn(page, code) {
  await page.goto(`${srv.base}/birojs/buj`);
  assert.match(page.url(), /\/pieteikties\?next=/);
  await page.fill('#login', 'liene');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  if (/\/pieteikties\/otp/.test(page.url())) {
    await page.fill('#code', code);
    await page.click('main form button[type=submit]');
  }
  assert.match(page.url(), /\/birojs\/buj$/);
}

test('the public pages pass axe-core in both languages', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (const prefix of ['', '/en']) {
    const lang = prefix ? 'en' : 'lv';
    for (const p of ['/buj', '/kontakti', '/ka-sakt', '/drosiba', '/']) {
      const res = await page.goto(`${srv.base}${prefix}${p}`);
      assert.equal(res.status(), 200, p);
      await check(page, `${lang}${p === '/' ? '-home' : p.replace(/\//g, '-')}`);
    }
  }
  await ctx.close();
});

test('the back office passes axe-core in both languages', { timeout: 180000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await logIn(page, totp(editor.key || 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
  for (const prefix of ['', '/en']) {
    const lang = prefix ? 'en' : 'lv';
    await page.goto(`${srv.base}${prefix}/birojs/buj`);
    await check(page, `${lang}-office-faq`);
    // a refused topic (the message beside the field and in the summary)
    await page.click('#new-topic ~ form button[type=submit]');
    assert.ok(await page.locator('.error-summary').count() === 1);
    await check(page, `${lang}-office-faq-refused-topic`);
    // an entry's form, its preview, a refused save
    await page.goto(`${srv.base}${prefix}/birojs/buj`);
    await page.click('main table a >> nth=0');
    assert.match(page.url(), /\/birojs\/buj\/\d+$/);
    await check(page, `${lang}-office-faq-entry`);
    await page.click('button[value=preview]');
    assert.ok(await page.locator('.faq-preview').count() === 1);
    await check(page, `${lang}-office-faq-preview`);
    await page.fill('#slug', 'Ne Der!');
    await page.click('button[value=save]');
    assert.ok(await page.locator('#slug-error').count() === 1);
    await check(page, `${lang}-office-faq-refused`);
    await page.goto(`${srv.base}${prefix}/birojs/buj/jauns`);
    await check(page, `${lang}-office-faq-new`);
    await page.goto(`${srv.base}${prefix}/birojs/fakti`);
    await check(page, `${lang}-office-facts`);
    await page.fill('#web_eid_url-src', 'not a link');
    await page.click('#fakts-web_eid_url form button[type=submit] >> nth=0');
    assert.ok(await page.locator('#source_url-error').count() === 1);
    await check(page, `${lang}-office-facts-refused`);
  }
  await ctx.close();
});

test('without JavaScript: the anchors, the preview and "checked today"', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/buj#kas-ir-eid`);
  assert.ok(await page.locator('#kas-ir-eid h3').isVisible());
  await page.click('a[href="#tema-drosiba-palidziba"]');
  assert.match(page.url(), /#tema-drosiba-palidziba$/);
  await logIn(page, totp(editor.key || 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
  await page.click('a[href="/birojs/buj/jauns"]');
  await page.fill('#slug', 'parluka-test');
  await page.fill('#question_lv', 'Vai strādā bez JavaScript?');
  await page.fill('#answer_lv', 'Jā, **strādā**.');
  await page.click('button[value=preview]');
  assert.equal(await page.locator('.faq-preview strong').textContent(), 'strādā');
  await page.click('button[value=save]');
  assert.match(page.url(), /\/birojs\/buj\/\d+\?saglabats=1$/);
  await page.goto(`${srv.base}/birojs/fakti`);
  await page.click('#fakts-cert_lv_email .inline-form button');
  assert.match(page.url(), /\/birojs\/fakti\?saglabats=1#fakts-cert_lv_email$/);
  assert.match(await page.locator('#fakts-cert_lv_email').textContent(), /Pārbaudīts/);
  await ctx.close();
});
