// tests/browser/login-oidc.test.js — logging in through an identity
// provider in real Chromium, with the portal's CSP in force: the login page
// with the provider buttons passes axe-core in both languages, a person
// presses "Internetbanka", signs in and consents at a real OpenID Provider
// (npm oidc-provider) and lands on their profile; a person who cancels at
// the provider gets the refusal page in English, which passes axe-core too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, freePort, root } from '../lib/server.js';
import { launch, axe, formatViolations } from '../lib/browser.js';
import { startOidcProvider } from '../lib/oidc.js';

let srv; let base; let real; let dir; let browser;

// The provider's development pages name fonts and styles on the internet:
// nothing leaves this machine, those requests are stopped in the browser.
async function loopbackOnly(ctx) {
  await ctx.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
}
const shots = path.join(root, 'tests/out/screenshots');

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-oidc-browser-'));
  fs.writeFileSync(path.join(dir, 'banka.secret'), 'browser-client-secret\n', { mode: 0o600 });
  real = await startOidcProvider({
    redirectUri: `${base}/pieteikties/oidc/banka`,
    clientSecret: 'browser-client-secret',
    accounts: { janis: { pno: '120389-12345', name: 'Jānis Bērziņš' } },
  });
  srv = await startServer({
    extra: ['--listen', `127.0.0.1:${port}`, '--public-url', base,
      '--oidc', `name=banka issuer=${real.issuer} client-id=epak client-secret-file=${dir}/banka.secret `
        + 'scope="openid pno profile" pno-claim=pno label-lv="Internetbanka" label-en="Internet bank"'],
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await real?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

for (const lang of ['', '/en']) {
  test(`the login page with an identity provider passes axe-core (${lang || '/'})`, async () => {
    const ctx = await browser.newContext({ bypassCSP: true });
    const page = await ctx.newPage();
    await page.goto(`${base}${lang}/pieteikties`);
    const v = await axe(page);
    await page.screenshot({ path: path.join(shots, `login-oidc${lang.replace('/', '-')}.png`), fullPage: true });
    await ctx.close();
    assert.deepEqual(v, [], formatViolations(v));
  });
}

test('a person logs in at the provider and lands on their profile', async () => {
  const ctx = await browser.newContext();
  await loopbackOnly(ctx);
  const page = await ctx.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error' && m.location().url.startsWith(base)) errors.push(m.text()); });
  await page.goto(`${base}/pieteikties`);
  await page.getByRole('link', { name: 'Internetbanka' }).click();
  await page.waitForURL(`${real.issuer}/**`);
  await page.fill('input[name="login"]', 'janis');
  await page.fill('input[name="password"]', 'any');
  await page.click('button[type="submit"]');
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
  await page.click('button[type="submit"]');
  await page.waitForURL(`${base}/profils`);
  assert.match(await page.content(), /Jānis Bērziņš/);
  await ctx.close();
  assert.deepEqual(errors.filter((e) => !/favicon|404/.test(e)), []);
});

test('a person who cancels at the provider gets the refusal page in English, accessible', async () => {
  const ctx = await browser.newContext();
  await loopbackOnly(ctx);
  const page = await ctx.newPage();
  await page.goto(`${base}/en/pieteikties`);
  await page.getByRole('link', { name: 'Internet bank' }).click();
  await page.waitForURL(`${real.issuer}/**`);
  await page.click('a[href$="/abort"]');
  await page.waitForURL(`${base}/pieteikties/oidc/banka?**`);
  const html = await page.content();
  assert.match(html, /The login was cancelled at the identity provider/);
  const v = await (async () => {
    const c2 = await browser.newContext({ bypassCSP: true });
    const p2 = await c2.newPage();
    await p2.setContent(html);
    const out = await axe(p2);
    await c2.close();
    return out;
  })();
  await page.screenshot({ path: path.join(shots, 'login-oidc-cancelled-en.png'), fullPage: true });
  await ctx.close();
  assert.deepEqual(v, [], formatViolations(v));
});
