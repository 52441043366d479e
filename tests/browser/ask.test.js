// tests/browser/ask.test.js — "Uzdod jautājumu" in real Chromium: the form
// (also with its field errors shown), the confirmation, the back office's
// list of questions and one question (with the preview of an answer, and the
// FAQ form after it) pass axe-core in Latvian and English (axe runs as a
// script, so these contexts have JavaScript; the forms are plain HTML forms
// that tests/e2e/ask.test.js posts without any); the honeypot field is out
// of sight and out of the accessibility tree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, startServer } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const SLUG = 'lv-dzivesvietas-deklaresana';
let srv;
let browser;

before(async () => {
  srv = await startServer({
    imports: [path.join(root, 'data/catalog.jsonld')],
    extra: ['--question-min-seconds', '1', '--limit-login-network', '100000'],
  });
  addUser(srv, 'ed', PW, ['name=Edgars Redaktors', 'role=institution', 'institution=pmlp']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('ask');

test('the form, its errors and the confirmation pass axe-core in both languages', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (const [lang, prefix] of [['lv', ''], ['en', '/en']]) {
    await page.goto(`${srv.base}${prefix}/jautajums?pakalpojums=${SLUG}`);
    await check(page, `${lang}-form`);
    // the honeypot: not visible, not in the accessibility tree
    const box = await page.locator('#website').boundingBox();
    assert.ok(!box || box.x + box.width <= 0, `off screen: ${JSON.stringify(box)}`);
    const snap = await page.locator('main').ariaSnapshot();
    assert.match(snap, /textbox/);
    assert.doesNotMatch(snap, /website|Leave this field empty|Atstājiet šo lauku tukšu/);
    await page.fill('#email', 'nav adrese');
    await page.fill('#question', 'Īss');
    await page.fill('#pakalpojums', 'nav-tada-pakalpojuma');
    await page.click('main form button[type=submit]');
    assert.equal(await page.locator('.error-summary').count(), 1);
    for (const id of ['email', 'question', 'pakalpojums'])
      assert.equal(await page.locator(`#${id}-error`).count(), 1, id);
    assert.equal(await page.inputValue('#question'), 'Īss', 'the text is kept');
    await check(page, `${lang}-form-errors`);
    await page.fill('#email', `persona-${lang}@example.lv`);
    await page.fill('#question', lang === 'lv' ? 'Kā deklarēt dzīvesvietu tiešsaistē?' : 'How do I declare my residence online?');
    await page.fill('#pakalpojums', SLUG);
    await page.check('#consent');
    await page.waitForTimeout(1200);
    await page.click('main form button[type=submit]');
    assert.match(page.url(), new RegExp(`${prefix}/jautajums/paldies$`));
    await check(page, `${lang}-thanks`);
  }
  await ctx.close();
});

test('the back office list and a question pass axe-core in both languages', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/pieteikties?next=/birojs/jautajumi`);
  await page.fill('#login', 'ed');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  assert.match(page.url(), /\/birojs\/jautajumi$/);
  for (const [lang, prefix] of [['lv', ''], ['en', '/en']]) {
    await page.goto(`${srv.base}${prefix}/birojs/jautajumi`);
    assert.equal(await page.locator('table.questions tbody tr').count() >= 1, true);
    await check(page, `${lang}-office-list`);
    await page.click('table.questions tbody tr:last-child a');
    assert.match(page.url(), /\/birojs\/jautajumi\/\d+$/);
    await check(page, `${lang}-office-question`);
    // an empty answer: the error beside the field
    await page.click('button[value=send]');
    assert.equal(await page.locator('#answer-error').count(), 1, 'the answer\'s error');
    await check(page, `${lang}-office-question-errors`);
    await page.fill('#answer', 'Tiešsaistē ar **eID karti**:\n\n- atveriet [latvija.lv](https://www.latvija.lv)\n- izvēlieties pakalpojumu');
    await page.click('button[value=preview]');
    const preview = await page.locator('.preview-banner .answer').innerHTML();
    assert.match(preview, /<strong>eID karti<\/strong>/, 'the preview');
    await check(page, `${lang}-office-question-preview`);
    await page.click('button[value=send]');
    assert.equal(await page.locator('form[action$="/buj"]').count(), 1, 'consent given: the FAQ form');
    await check(page, `${lang}-office-question-answered`);
  }
  await ctx.close();
});
