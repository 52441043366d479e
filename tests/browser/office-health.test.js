// tests/browser/office-health.test.js — the content-health dashboard in real
// Chromium, without JavaScript: an administrator logs in through the forms,
// opens the dashboard, follows a figure to its list and back; every page
// passes axe-core (WCAG 2.1 AA) in Latvian and English.
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
  admin = addUser(srv, 'anna', PW, ['name=Anna Bērziņa', 'role=admin']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('health');

async function logIn(page, code) {
  await page.goto(`${srv.base}/birojs/parskats`);
  assert.match(page.url(), /\/pieteikties\?next=/);
  await page.fill('#login', 'anna');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  await page.fill('#code', code);
  await page.click('main form button[type=submit]');
  assert.match(page.url(), /\/birojs\/parskats$/);
}

// Follows the back office's link to the dashboard, a figure to its list,
// and back; check() is given each page.
async function walk(page, prefix, each) {
  await page.goto(`${srv.base}${prefix}/birojs`);
  await page.click(`a[href="${prefix}/birojs/parskats"]`);
  assert.ok(await page.locator('table.health tbody tr').count() > 1);
  await each('dashboard');
  await page.click('table.health tbody tr:first-child td:nth-child(3) a');
  assert.match(page.url(), /\/birojs\/parskats\/[a-z0-9-]+\/ar-e-pakalpojumu$/);
  assert.ok(await page.locator('main table tbody tr').count() >= 0);
  await each('list');
  await page.click(`main a[href="${prefix}/birojs/parskats"]`);
  assert.match(page.url(), /\/birojs\/parskats$/);
}

test('the dashboard and its lists pass axe-core in both languages', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await logIn(page, totp(admin.key));
  for (const prefix of ['', '/en']) await walk(page, prefix, (name) => check(page, `${prefix ? 'en' : 'lv'}-${name}`));
  await ctx.close();
});

test('the same without JavaScript', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await logIn(page, admin.codes[0]);
  for (const prefix of ['', '/en']) await walk(page, prefix, async () => {});
  await ctx.close();
});
