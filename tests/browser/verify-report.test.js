// tests/browser/verify-report.test.js — issue 13: the verification report in
// Chromium. Valid, tampered and not-confirmed reports pass axe-core (WCAG
// 2.1 AA) in both languages, fit a 320 px screen, work without JavaScript
// (the technical details open as a plain <details>); the valid, tampered and
// not-confirmed reports are photographed at 1280 and 320 px into
// tests/out/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../lib/server.js';
import { launch, axe, formatViolations } from '../lib/browser.js';
import { startVerifyPortal } from '../lib/containers.js';

const shots = path.join(root, 'tests/out/screenshots');
let work;
let portal;
let srv;
let browser;
let c;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-verify-report-b-'));
  portal = await startVerifyPortal(work);
  ({ srv, containers: c } = portal);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

// Uploads file through the form as a person would; returns the page on the report.
async function open(file, { lang = '', width = 1280, height = 800, javaScriptEnabled = true } = {}) {
  const ctx = await browser.newContext({ viewport: { width, height }, javaScriptEnabled });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}${lang}/parbaudit`);
  await page.setInputFiles('#edoc', file);
  await page.click('form[action$="/parbaudit"] button[type=submit]');
  await page.waitForSelector('.next-step');
  return { ctx, page };
}

const outcomes = [['valid', 'valid'], ['tampered', 'invalid'], ['basic', 'indeterminate']];

for (const lang of ['', '/en']) {
  for (const [name, outcome] of outcomes) {
    test(`${lang || '/lv'}: the ${name} report passes axe-core, with the technical details open and closed`, async () => {
      const { ctx, page } = await open(c[name], { lang });
      assert.equal(await page.getAttribute('.next-step', 'data-outcome'), outcome);
      let v = await axe(page);
      assert.deepEqual(v, [], formatViolations(v));
      await page.click('.tech-details summary');
      assert.ok(await page.isVisible('.tech-sig code'), 'the codes show once the details are opened');
      v = await axe(page);
      assert.deepEqual(v, [], formatViolations(v));
      await ctx.close();
    });
  }
}

for (const name of ['valid', 'tampered', 'basic']) {
  for (const width of [1280, 320]) {
    test(`the ${name} report at ${width} px: nothing wider than the screen, photographed`, async () => {
      const { ctx, page } = await open(c[name], { width, height: width === 320 ? 640 : 800 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${overflow} px wider than the screen`);
      // the verdict and the next step come before the signatures' details
      const order = await page.evaluate(() => ['.verdict', '.next-step', '.signatures'].map((s) => document.querySelector(s).getBoundingClientRect().top));
      assert.ok(order[0] < order[1] && order[1] < order[2], `verdict, next step, signatures: ${order}`);
      await page.screenshot({ path: path.join(shots, `lv_parbaudit_${name}_${width}.png`), fullPage: true });
      await ctx.close();
    });
  }
}

test('without JavaScript: the report comes, its technical details open, the changed file is marked', async () => {
  const { ctx, page } = await open(c.tampered, { javaScriptEnabled: false });
  assert.match(await page.textContent('.next-step'), /lūdziet sūtītājam jaunu parakstītu dokumenta kopiju/);
  assert.match(await page.textContent('.files li.changed'), /iesniegums\.txt[\s\S]*mainīts pēc parakstīšanas/);
  assert.ok(!(await page.isVisible('.tech-sig code')), 'the codes are folded away');
  await page.click('.tech-details summary');
  assert.equal(await page.textContent('.tech-sig code'), 'TOTAL-FAILED/HASH_FAILURE');
  await ctx.close();
});
