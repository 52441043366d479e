// tests/browser/links.test.js — the link report's pages in real Chromium:
// an institution editor logs in and finds their broken links on /birojs,
// the report and one link's history; the public page of an e-service dead
// for a week. Each passes axe-core (WCAG 2.1 AA) in Latvian and English and
// works without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, startServer, sqlite } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser } from '../lib/auth.js';
import { linkServer, linkCatalog } from '../lib/links.js';

const PW = 'links-browser-password-1';
const shots = path.join(root, 'tests/out/screenshots');
let web, srv, dir, browser;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  web = await linkServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-links-b-'));
  srv = await startServer({
    imports: [linkCatalog(dir, web.port)],
    extra: ['--link-check', '1', '--link-check-allow-private', '1', '--link-check-host-delay', '1',
      '--link-check-timeout', '2', '--link-check-parallel', '4'],
  });
  addUser(srv, 'red-a', PW, ['name=Editor A', 'role=institution', 'institution=iestade-a']);
  const db = path.join(srv.data, 'epak.db');
  for (const end = Date.now() + 60000; Date.now() < end;) {
    if (Number(sqlite(db, "SELECT count(*) FROM link_url WHERE status = 'unknown'")) === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  sqlite(db, `UPDATE link_url SET failing_since = ${Math.floor(Date.now() / 1000) - 8 * 86400} WHERE url LIKE '%/dead'`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  web?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const check = accessibilityCheck('links');

async function login(page, prefix) {
  await page.goto(`${srv.base}${prefix}/birojs`);
  assert.match(page.url(), /\/pieteikties\?next=/);
  await page.fill('#login', 'red-a');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  assert.match(page.url(), /\/birojs$/);
}

for (const [lang, prefix] of [['lv', ''], ['en', '/en']]) {
  test(`${lang}: the editor's broken links, the report, a history, the public page — each accessible`, async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, prefix);
    assert.match(await page.textContent('#bad-links'), lang === 'lv' ? /Labojamās saites/ : /Links to fix/);
    await check(page, `${lang}-office`);
    await page.click('.office-links a');
    assert.match(page.url(), /\/birojs\/saites$/);
    await check(page, `${lang}-report`);
    await page.click('tr.link-redirect a[href*="/birojs/saites/"]');
    assert.match(page.url(), /\/birojs\/saites\/\d+$/);
    assert.equal(await page.locator('ol.chain li').count(), 4);
    await check(page, `${lang}-history`);
    for (const end = Date.now() + 30000; Date.now() < end;) {
      await page.goto(`${srv.base}${prefix}/pakalpojumi/svc-dead`);
      if (await page.locator('.notice-unavailable').count()) break;
      await page.waitForTimeout(300);
    }
    assert.equal(await page.locator('.notice-unavailable').count(), 1);
    await check(page, `${lang}-service-unavailable`);
    await ctx.close();
  });
}

test('without JavaScript the editor reaches the report and a history all the same', async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await login(page, '');
  await page.click('.office-links a');
  assert.match(page.url(), /\/birojs\/saites$/);
  await page.click('tr.link-broken a[href*="/birojs/saites/"]');
  assert.match(await page.textContent('main'), /404/);
  await ctx.close();
});
