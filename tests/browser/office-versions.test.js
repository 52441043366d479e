// tests/browser/office-versions.test.js — a service's versions in real
// Chromium, on two epak nodes sharing one PostgreSQL database: an
// institution editor edits a service, sees the difference, previews it,
// publishes it and sees it on the public page of the SECOND node, then
// restores the old version; two editors in a conflict; an administrator
// approving a change of an institution that needs review. Every page of
// the versions passes axe-core (WCAG 2.1 AA) in Latvian and English, and
// the restore and the approval work without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { root, startServer, psql } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser, totp } from '../lib/auth.js';

const pgUrl = process.env.EPAK_TEST_PG_URL;
const PW = 'correct horse battery staple';
const SLUG = 'lv-algas-nodokla-gramatina'; // VID's
const PMLP = 'lv-dzivesvietas-deklaresana'; // PMLP's: review required
const shots = path.join(root, 'tests/out/screenshots');
const nodes = [];
let dbUrl;
let browser;
let admin;

const check = accessibilityCheck('versions');

// A fresh browser context, logged in (password, and the code when key).
async function loginAs(login, { key = null, js = true, code = 0 } = {}) {
  const ctx = await browser.newContext({ javaScriptEnabled: js });
  const page = await ctx.newPage();
  await page.goto(`${nodes[0].base}/pieteikties`);
  await page.fill('#login', login);
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  if (key) {
    await page.fill('#code', code ? admin.codes[code - 1] : totp(key));
    await page.click('main form button[type=submit]');
  }
  assert.doesNotMatch(page.url(), /pieteikties/, `${login} logged in`);
  return { ctx, page };
}

const titleInput = 'form[method=post] input[name*="title"][name*="lv"]';

async function pressButton(page, re) {
  const buttons = page.locator('main form[method=post] button');
  const n = await buttons.count();
  for (let i = 0; i < n; i++) {
    if (re.test(await buttons.nth(i).textContent())) {
      await Promise.all([page.waitForLoadState('load'), buttons.nth(i).click()]);
      return;
    }
  }
  assert.fail(`no button ${re}`);
}
const DRAFT = /melnrakst|draft|Saglabāt$|^Save$/i;
const PUBLISH = /Publicēt|Publish/i;

async function publicOn(node, slug, re, want = true) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const html = await (await fetch(`${node.base}/pakalpojumi/${slug}`)).text();
    if (re.test(html) === want) return;
    if (Date.now() > deadline) assert.fail(`${node.base}: ${re} ${want ? 'never appeared' : 'never went'}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

if (!pgUrl) {
  test('PostgreSQL is available', { skip: !process.env.EPAK_TEST_REQUIRE_PG && 'EPAK_TEST_PG_URL is not set' },
    () => assert.fail('EPAK_TEST_PG_URL is not set'));
} else {
  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    psql(pgUrl, 'DROP DATABASE IF EXISTS epak_browser_versions');
    psql(pgUrl, 'CREATE DATABASE epak_browser_versions');
    dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, '/epak_browser_versions$1');
    const secret = crypto.randomBytes(32);
    nodes.push(await startServer({ db: dbUrl, secret, imports: [path.join(root, 'data/catalog.jsonld')] }));
    nodes.push(await startServer({ db: dbUrl, secret }));
    admin = addUser(nodes[0], 'boss', PW, ['name=Anna Administratore', 'role=admin']);
    addUser(nodes[0], 'ed', PW, ['name=Edgars Redaktors', 'role=institution', 'institution=vid']);
    addUser(nodes[0], 'ed2', PW, ['name=Elza Otrā', 'role=institution', 'institution=vid']);
    addUser(nodes[0], 'pm', PW, ['name=Pauls Migrācija', 'role=institution', 'institution=pmlp']);
    psql(dbUrl, "INSERT INTO institution_setting (slug, review_required, updated_at) VALUES ('pmlp', 1, 0)");
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    for (const n of nodes) await n.stop();
  });

  test('an editor edits, sees the difference, previews, publishes on every node, restores', async () => {
    const { ctx, page } = await loginAs('ed');
    const base = nodes[0].base;
    await page.goto(`${base}/birojs/pakalpojumi/${SLUG}`);
    const old = await page.inputValue(titleInput);
    await page.fill(titleInput, 'Algas grāmatiņa — pārlūkā labota');
    await pressButton(page, DRAFT);
    await page.goto(`${base}/birojs/pakalpojumi/${SLUG}/versijas`);
    assert.match(await page.textContent('table.versions'), /Edgars Redaktors/);
    await check(page, 'lv-list');
    await page.click('a[href$="/versijas/2"]');
    assert.match(await page.textContent('table.diff'), /Algas grāmatiņa — pārlūkā labota/);
    await check(page, 'lv-diff');
    await page.click('a[href$="/versijas/2/priekssk"]');
    assert.match(await page.textContent('.preview-banner'), /nav publicēts/);
    assert.match(await page.textContent('h1'), /pārlūkā labota/);
    await check(page, 'lv-preview');
    await publicOn(nodes[1], SLUG, /pārlūkā labota/, false);
    // publish: the second node's public page follows
    await page.goto(`${base}/birojs/pakalpojumi/${SLUG}`);
    await pressButton(page, PUBLISH);
    await publicOn(nodes[1], SLUG, /pārlūkā labota/);
    // the same pages in English
    for (const p of ['/versijas', '/versijas/2', '/priekssk']) {
      await page.goto(`${base}/en/birojs/pakalpojumi/${SLUG}${p}`);
      await check(page, `en${p.replace(/\//g, '-')}`);
    }
    // restore version 1 (the import), without JavaScript
    const nojs = await loginAs('ed', { js: false });
    await nojs.page.goto(`${base}/birojs/pakalpojumi/${SLUG}/versijas/1`);
    await Promise.all([nojs.page.waitForLoadState('load'), nojs.page.click('button[value=publicet]')]);
    assert.match(nojs.page.url(), /\/versijas$/);
    assert.match(await nojs.page.textContent('table.versions'), /atjaunota no versijas 1/);
    await publicOn(nodes[1], SLUG, /pārlūkā labota/, false);
    await publicOn(nodes[1], SLUG, new RegExp(old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await nojs.ctx.close();
    await ctx.close();
  });

  test('two editors from one base: the second sees the conflict, keeps her text, saves after', async () => {
    const a = await loginAs('ed');
    const b = await loginAs('ed2');
    const url = `${nodes[0].base}/birojs/pakalpojumi/${SLUG}`;
    await a.page.goto(url);
    await b.page.goto(url);
    await a.page.fill(titleInput, 'Edgara teksts');
    await b.page.fill(titleInput, 'Elzas teksts');
    await pressButton(a.page, DRAFT);
    await pressButton(b.page, DRAFT);
    const box = await b.page.textContent('.conflict');
    assert.match(box, /Kāds cits saglabāja/);
    assert.match(box, /Edgara teksts/);
    assert.match(box, /Elzas teksts/);
    assert.equal(await b.page.inputValue(titleInput), 'Elzas teksts');
    await check(b.page, 'lv-conflict');
    await pressButton(b.page, DRAFT);
    assert.equal(await b.page.$('.conflict'), null, 'saved on the newer base');
    const forms = psql(dbUrl, `SELECT form FROM service_version WHERE slug = '${SLUG}' ORDER BY number DESC LIMIT 2`);
    assert.match(forms, /Elzas teksts[\s\S]*Edgara teksts/);
    // the conflict block in English
    await a.page.goto(`${nodes[0].base}/en/birojs/pakalpojumi/${SLUG}`);
    await b.page.goto(`${nodes[0].base}/en/birojs/pakalpojumi/${SLUG}`);
    await a.page.fill(titleInput, 'Edgar again');
    await b.page.fill(titleInput, 'Elza again');
    await pressButton(a.page, DRAFT);
    await pressButton(b.page, DRAFT);
    assert.match(await b.page.textContent('.conflict'), /Someone else saved this service/);
    await check(b.page, 'en-conflict');
    await a.ctx.close();
    await b.ctx.close();
  });

  test("an editor of another institution can neither read nor change VID's service", async () => {
    const { ctx, page } = await loginAs('pm');
    // not in the list
    await page.goto(`${nodes[0].base}/birojs/pakalpojumi`);
    assert.doesNotMatch(await page.content(), new RegExp(SLUG));
    // nor by guessing its address, its versions, its preview
    const before = await (await fetch(`${nodes[0].base}/pakalpojumi/${SLUG}`)).text();
    for (const p of [`/birojs/pakalpojumi/${SLUG}`, `/birojs/pakalpojumi/${SLUG}/versijas`,
      `/birojs/pakalpojumi/${SLUG}/versijas/1`, `/birojs/pakalpojumi/${SLUG}/versijas/2`, `/birojs/pakalpojumi/${SLUG}/priekssk`]) {
      const res = await page.goto(`${nodes[0].base}${p}`);
      assert.equal(res.status(), 403, p);
      assert.doesNotMatch(await page.content(), /name="title\.lv"|Edgars/, p);
    }
    // nor by posting the forms directly, with her own valid CSRF token
    await page.goto(`${nodes[0].base}/birojs/pakalpojumi/${PMLP}`);
    const csrf = await page.locator('main form[method=post] input[name=_csrf]').first().inputValue();
    for (const [p, form] of [
      [`/birojs/pakalpojumi/${SLUG}`, { _csrf: csrf, versija: '0', 'title.lv': 'Pārņemts', darbiba: 'publicet' }],
      [`/birojs/pakalpojumi/${SLUG}/versijas/1/atjaunot`, { _csrf: csrf }],
      ['/birojs/pakalpojumi/jauns', { _csrf: csrf, identifier: 'parnemts', authority: 'vid', 'title.lv': 'Pārņemts', 'description.lv': 'x', darbiba: 'publicet' }],
    ]) {
      const res = await page.request.post(`${nodes[0].base}${p}`, { form, maxRedirects: 0 });
      assert.equal(res.status(), 403, p);
    }
    assert.equal(await (await fetch(`${nodes[0].base}/pakalpojumi/${SLUG}`)).text(), before, 'nothing changed');
    assert.equal((await fetch(`${nodes[0].base}/pakalpojumi/parnemts`)).status, 404);
    await ctx.close();
  });

  test('an administrator approves a change of an institution that needs review', async () => {
    const pm = await loginAs('pm');
    await pm.page.goto(`${nodes[0].base}/birojs/pakalpojumi/${PMLP}`);
    await pm.page.fill(titleInput, 'Deklarēšana — jāapstiprina');
    await pressButton(pm.page, PUBLISH);
    await pm.page.goto(`${nodes[0].base}/birojs/pakalpojumi/${PMLP}/versijas`);
    assert.match(await pm.page.textContent('table.versions'), /Gaida apstiprinājumu/);
    await publicOn(nodes[1], PMLP, /jāapstiprina/, false);
    const boss = await loginAs('boss', { key: admin.key });
    await boss.page.goto(`${nodes[0].base}/en/birojs/parbaude`);
    await check(boss.page, 'en-review');
    await boss.page.goto(`${nodes[0].base}/birojs/parbaude`);
    assert.match(await boss.page.textContent('main'), /Deklarēšana — jāapstiprina/);
    await check(boss.page, 'lv-review');
    // the approval itself without JavaScript
    const nojs = await loginAs('boss', { key: admin.key, js: false, code: 1 });
    await nojs.page.goto(`${nodes[0].base}/birojs/parbaude`);
    await Promise.all([nojs.page.waitForLoadState('load'),
      nojs.page.click('form[action$="/apstiprinat"] button[type=submit]')]);
    assert.match(await nojs.page.textContent('main'), /Neviena izmaiņa negaida apstiprinājumu/);
    await nojs.ctx.close();
    await publicOn(nodes[1], PMLP, /Deklarēšana — jāapstiprina/);
    await pm.ctx.close();
    await boss.ctx.close();
  });
}
