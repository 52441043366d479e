// tests/browser/newsletter.test.js — the newsletter's pages in real
// Chromium: the subscription form and its answer, the confirmation and
// unsubscribe pages, and the back office's composer with its preview pass
// axe-core (WCAG 2.1 AA) in Latvian and English; subscribing works without
// JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { startServer, sqlite } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser, totp } from '../lib/auth.js';

const PW = 'correct horse battery staple';
let srv;
let browser;
let editor;
let db;

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

// A pending subscription whose confirmation token is known to the test.
function pending(email, token, lang = 'lv') {
  const now = Math.floor(Date.now() / 1000);
  sqlite(db, `INSERT INTO newsletter_subscriber (email, lang, state, confirm_hash, confirm_expires, unsub_salt, unsub_hash, created_at)
    VALUES ('${email}', '${lang}', 'pending', '${sha256(token)}', ${now + 3600}, '${token}', '${sha256(token.replace(/./g, lang === 'lv' ? 'c' : 'd'))}', ${now})`);
}

before(async () => {
  srv = await startServer({ extra: ['--public-url', 'https://epak.example.lv'] });
  db = path.join(srv.data, 'epak.db');
  editor = addUser(srv, 'redaktore', PW, ['name=Rita Redaktore', 'role=content']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('newsletter');

test('subscribe, confirm and unsubscribe pages pass axe-core in both languages',
  { timeout: 120000 }, async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    for (const [prefix, lang] of [['', 'lv'], ['/en', 'en']]) {
      await page.goto(`${srv.base}${prefix}/jaunumi/abonet`);
      await check(page, `${lang}-subscribe`);
      // a refused form keeps what was typed and says why
      await page.fill('#email', 'not an address');
      await page.click('main form button[type=submit]');
      assert.equal(await page.inputValue('#email'), 'not an address');
      await page.locator('.error-summary').waitFor();
      await check(page, `${lang}-subscribe-refused`);
      await page.fill('#email', `reader-${lang}@example.lv`);
      await page.click('main form button[type=submit]');
      await page.locator('main [role=status]').waitFor();
      await check(page, `${lang}-check-mail`);

      const token = (lang === 'lv' ? 'a' : 'b').repeat(64);
      pending(`known-${lang}@example.lv`, token, lang);
      await page.goto(`${srv.base}${prefix}/jaunumi/abonet/apstiprinat/${token}`);
      await check(page, `${lang}-confirm`);
      await page.click('main form button[type=submit]');
      await page.locator('main [role=status]').waitFor();
      await check(page, `${lang}-confirmed`);
      await page.goto(`${srv.base}${prefix}/jaunumi/abonet/apstiprinat/${'0'.repeat(64)}`);
      await check(page, `${lang}-confirm-unknown`);
      if (lang === 'lv') {
        // the unsubscribe link as a person opens it: a page with a button
        await page.goto(`${srv.base}${prefix}/jaunumi/abonet/atteikties/${'c'.repeat(64)}`);
        await check(page, `${lang}-unsubscribe`);
        await page.click('main form button[type=submit]');
        await page.locator('main [role=status]').waitFor();
        await check(page, `${lang}-unsubscribed`);
      }
    }
    assert.equal(sqlite(db, "SELECT COUNT(*) FROM newsletter_subscriber WHERE state = 'confirmed'"), '1');
    assert.equal(sqlite(db, "SELECT COUNT(*) FROM newsletter_subscriber WHERE state = 'unsubscribed'"), '1');
    await ctx.close();
  });

test('the composer with its preview passes axe-core in both languages', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/birojs/vestkopa`);
  assert.match(page.url(), /\/pieteikties\?next=/);
  await page.fill('#login', 'redaktore');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  if (/\/pieteikties\/otp/.test(page.url())) {
    await page.fill('#code', totp(editor.key));
    await page.click('main form button[type=submit]');
  }
  assert.match(page.url(), /\/birojs\/vestkopa$/);
  await check(page, 'lv-office');
  await page.fill('#subject_lv', 'Jaunumi');
  await page.fill('#body_lv', '# Virsraksts\n\nTeksts ar **treknu** vārdu un [saiti](https://latvija.lv).\n\n- viens\n- divi');
  await page.fill('#subject_en', 'News');
  await page.fill('#body_en', 'Text with a **bold** word.');
  await page.click('main form button[type=submit]');
  await page.waitForURL(/\/birojs\/vestkopa\/\d+$/);
  assert.ok(await page.locator('article.preview strong').count() === 2, 'the preview of both languages');
  await check(page, 'lv-issue');
  // the refused test send: the message beside the field
  await page.fill('#test-email', 'nope');
  await page.click('section[aria-labelledby=test] button[type=submit]');
  await page.locator('#test-email-error').waitFor();
  await check(page, 'lv-issue-test-refused');
  await page.goto(page.url().replace(/\/izmeginat$/, ''));
  await page.goto(page.url().replace('/birojs/', '/en/birojs/'));
  await check(page, 'en-issue');
  await page.goto(`${srv.base}/en/birojs/vestkopa`);
  await check(page, 'en-office');
  await ctx.close();
});

test('subscribing works without JavaScript', { timeout: 60000 }, async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/en/jaunumi/abonet`);
  await page.fill('#email', 'nojs@example.lv');
  await page.click('main form button[type=submit]');
  await page.locator('main [role=status]').waitFor();
  assert.equal(sqlite(db, "SELECT lang FROM newsletter_subscriber WHERE email = 'nojs@example.lv'"), 'en');
  await ctx.close();
});
