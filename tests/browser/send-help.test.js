// tests/browser/send-help.test.js — issue 13 points 7 and 8 in real
// Chromium: the send form (empty, from a service's link, and with every
// field wrong), the receipt, /kontakti by problem and the "PIN bloķēts vai
// aizmirsts" FAQ entry pass axe-core (WCAG 2.1 AA) in Latvian and English;
// the form's one-pass summary follows the form's order; the receipt is
// photographed at 1280 and 320 px (tests/out/screenshots/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { startSigningPortal } from '../lib/signing.js';
import { signContainer } from '../lib/containers.js';

const check = accessibilityCheck('send-help');
let work;
let portal;
let srv;
let browser;
let edoc;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-send-help-'));
  portal = await startSigningPortal(work);
  srv = portal.srv;
  fs.writeFileSync(path.join(work, 'iesniegums.txt'), 'Lūdzu izsniegt izziņu.\n');
  edoc = path.join(work, 'iesniegums.edoc');
  signContainer(portal.pki, edoc, [path.join(work, 'iesniegums.txt')]);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await portal?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the send form, preselected, for an institution without an address and with every field wrong, passes axe-core in both languages', { timeout: 180000 }, async () => {
  const ctx = await browser.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  for (const prefix of ['', '/en']) {
    const lang = prefix ? 'en' : 'lv';
    await page.goto(`${srv.base}${prefix}/nosutit?iestade=vid`);
    assert.equal(await page.inputValue('#iestade'), 'vid');
    await check(page, `${lang}-send-form`);
    await page.goto(`${srv.base}${prefix}/nosutit?iestade=pmlp`);
    assert.ok(await page.isVisible('#iestade-note'));
    await check(page, `${lang}-send-form-unreachable`);
    // every field wrong at once: one pass, the summary in the form's order
    await page.selectOption('#iestade', '');
    await page.fill('#epasts', 'nav e-pasts');
    // the browser keeps to maxlength; a client that does not is refused by the server
    await page.$eval('#zina', (t) => t.removeAttribute('maxlength'));
    await page.fill('#zina', 'x'.repeat(2001));
    await page.click('form[action$="/nosutit"] button[type=submit]');
    const links = await page.$$eval('.error-summary a', (as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links, ['#edoc', '#iestade', '#epasts', '#zina']);
    await check(page, `${lang}-send-form-errors`);
  }
  await ctx.close();
});

test('the receipt passes axe-core in both languages; photographed at 1280 and 320 px', { timeout: 180000 }, async () => {
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/nosutit?iestade=vid`);
  // a file chosen with a wrong field: the page says to choose it again
  await page.setInputFiles('#edoc', edoc);
  await page.fill('#epasts', 'jānis@example.lv');
  await page.click('form[action$="/nosutit"] button[type=submit]');
  assert.match(await page.textContent('#edoc-error'), /izvēlieties to vēlreiz/);
  assert.equal(await page.$eval('#edoc', (i) => i.files.length), 0);
  await check(page, 'lv-send-form-file-again');
  await page.setInputFiles('#edoc', edoc);
  await page.fill('#epasts', '');
  await page.click('form[action$="/nosutit"] button[type=submit]');
  await page.waitForURL(/\/nosutit\/kvits\//);
  assert.match(await page.textContent('h1'), /^Jūsu dokuments ir (ceļā|piegādāts)$/);
  const url = page.url();
  // delivered: the heading says so
  const deadline = Date.now() + 120000;
  for (;;) {
    await page.goto(url);
    if ((await page.textContent('h1')) === 'Jūsu dokuments ir piegādāts') break;
    assert.ok(Date.now() < deadline, 'delivered');
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(await page.textContent('main'), /Kad gaidīt atbildi\s*Līdz \d\d\.\d\d\.\d{4}\./);
  await check(page, 'lv-receipt');
  await page.screenshot({ path: path.join(root, 'tests/out/screenshots/send-receipt-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 320, height: 640 });
  await page.goto(url);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 320 px (${overflow} px)`);
  await page.screenshot({ path: path.join(root, 'tests/out/screenshots/send-receipt-320.png'), fullPage: true });
  await check(page, 'lv-receipt-320');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url.replace('/nosutit/', '/en/nosutit/'));
  assert.equal(await page.textContent('h1'), 'Your document was delivered');
  await check(page, 'en-receipt');
  await ctx.close();
});

test('/kontakti by problem, /palidziba and the PIN entry pass axe-core in both languages', { timeout: 180000 }, async () => {
  const ctx = await browser.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  for (const prefix of ['', '/en']) {
    const lang = prefix ? 'en' : 'lv';
    await page.goto(`${srv.base}${prefix}/kontakti`);
    assert.equal(await page.locator('section.problem').count(), 5);
    await check(page, `${lang}-contacts`);
    await page.goto(`${srv.base}${prefix}/palidziba`);
    await check(page, `${lang}-help`);
    await page.goto(`${srv.base}${prefix}/buj#pin-blokets`);
    assert.ok(await page.isVisible('#pin-blokets'));
    await check(page, `${lang}-faq-pin`);
  }
  await ctx.close();
});
