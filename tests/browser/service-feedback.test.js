// tests/browser/service-feedback.test.js — feedback on services in real
// Chromium: a person answers through the widget on a service page (with
// and without JavaScript), the thank-you page, the campaign variant of
// /atsauksmes, and the dashboard /birojs/atsauksmes with its server-drawn
// charts; every page passes axe-core (WCAG 2.1 AA) in Latvian and English.
// Screenshots of every page, the dashboard's charts among them, go to
// tests/out/screenshots/feedback-*.png (the path is printed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, startServer, sqlite } from '../lib/server.js';
import { launch, accessibilityCheck } from '../lib/browser.js';
import { addUser, totp } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const ESVC = 'lv-buvniecibas-iecere';
const shots = path.join(root, 'tests/out/screenshots');
let srv;
let browser;
let admin;

// A year of answers, so that the charts have something to draw: month m
// back gets 20 answers to each question with a share of yes that moves
// around the 85 % target.
function seed() {
  const now = Math.floor(Date.now() / 1000);
  const rows = [];
  for (let m = 0; m < 12; m++) {
    const t = now - m * 30 * 86400;
    const d = new Date(t * 1000);
    const month = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    const yesUseful = 12 + ((m * 7) % 9);
    const yesEasier = 14 + ((m * 5) % 7);
    for (let i = 0; i < 20; i++) {
      for (const [q, yes] of [['useful', yesUseful], ['easier', yesEasier]]) {
        rows.push(`(${t}, ${Math.floor(t / 86400)}, '${month}', 'lv', '${i % 2 ? ESVC : 'lv-bezdarbnieka-statuss'}', '', '${i % 2 ? 'riga' : 'nva'}', '${q}', ${i < yes ? 1 : 0}, '${i === 0 && m < 3 ? `Komentārs ${m}: <b>nav</b> & "pēdiņas"` : ''}')`);
      }
    }
  }
  sqlite(path.join(srv.data, 'epak.db'), `INSERT INTO service_feedback (created_at, day, month, lang, service, service_iri, institution, question, answer, comment) VALUES ${rows.join(',')}`);
}

before(async () => {
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')] });
  admin = addUser(srv, 'anna', PW, ['name=Anna Bērziņa', 'role=admin']);
  seed();
  browser = await launch();
  console.log(`screenshots: ${shots}/feedback-*.png`);
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const check = accessibilityCheck('feedback');

// The widget, the form with the answer chosen, the thank-you page.
async function answer(page, prefix, each) {
  await page.goto(`${srv.base}${prefix}/pakalpojumi/${ESVC}`);
  assert.equal(await page.locator('section.svc-feedback form[method="get"]').count(), 2);
  await each('service');
  await page.click('section.svc-feedback form:first-of-type button[value="ja"]');
  assert.match(page.url(), new RegExp(`${prefix}/pakalpojumi/${ESVC}/atsauksme\\?noderiga=ja$`));
  assert.ok(await page.locator('input[name="noderiga"][value="ja"]').isChecked());
  await each('answer');
  await page.check('input[name="atviegloja"][value="ja"]');
  await page.fill('#komentars', `Pārlūkā ${prefix || 'lv'}`);
  await page.click('main form button[type="submit"]');
  assert.match(page.url(), new RegExp(`${prefix}/pakalpojumi/${ESVC}/atsauksme/paldies$`));
  await each('thanks');
}

test('a person answers on a service page; every page passes axe-core in both languages', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (const prefix of ['', '/en']) {
    const lang = prefix ? 'en' : 'lv';
    await answer(page, prefix, (name) => check(page, `${lang}-${name}`));
    await page.goto(`${srv.base}${prefix}/atsauksmes/iestadem`);
    await check(page, `${lang}-campaign`);
    // a refused form (nothing chosen) shows its messages accessibly too
    await page.click('main form button[type="submit"]');
    assert.ok(await page.locator('.error-summary').count() === 1);
    await check(page, `${lang}-campaign-refused`);
  }
  assert.equal(sqlite(path.join(srv.data, 'epak.db'), "SELECT count(*) FROM service_feedback WHERE comment LIKE 'Pārlūkā%'"), '2');
  await ctx.close();
});

test('the same without JavaScript', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await answer(page, '', async () => {});
  await ctx.close();
});

test('the dashboard with its charts passes axe-core in both languages', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/birojs/atsauksmes`);
  assert.match(page.url(), /\/pieteikties\?next=/);
  await page.fill('#login', 'anna');
  await page.fill('#password', PW);
  await page.click('#way-staff ~ form button[type=submit]');
  await page.fill('#code', totp(admin.key));
  await page.click('main form button[type=submit]');
  assert.match(page.url(), /\/birojs\/atsauksmes$/);
  for (const prefix of ['', '/en']) {
    const lang = prefix ? 'en' : 'lv';
    await page.goto(`${srv.base}${prefix}/birojs`);
    await page.click(`a[href="${prefix}/birojs/atsauksmes"]`);
    assert.equal(await page.locator('svg.chart[role="img"]').count(), 2);
    assert.ok(await page.locator('svg.chart rect').count() > 12, 'bars are drawn');
    assert.ok(await page.locator('table.feedback-figures caption').count() >= 3);
    // the comment's markup is shown as text
    assert.ok(await page.locator('td.comment-text', { hasText: '<b>nav</b>' }).count() >= 1);
    await check(page, `${lang}-dashboard`);
    await page.locator('.chart-pair').screenshot({ path: path.join(shots, `feedback-${lang}-charts.png`) });
    await page.selectOption('#periods', 'nedela');
    await page.click('form.filters button[type="submit"]');
    assert.match(page.url(), /periods=nedela/);
    await check(page, `${lang}-dashboard-weekly`);
    // the handled toggle
    await page.goto(`${srv.base}${prefix}/birojs/atsauksmes`);
    await page.locator('table.feedback-comments form button').first().click();
    assert.match(page.url(), /\/birojs\/atsauksmes#comments$/);
    await check(page, `${lang}-dashboard-handled`);
  }
  await ctx.close();
});
