// tests/browser/login-webeid.test.js — logging in with the eID card on
// /pieteikties in real Chromium. The Web eID extension is played by a
// content script speaking its postMessage protocol (as in sign.test.js); the
// card is a SoftHSM2 token of the test PKI (tests/sign/pki.sh: token
// "epak-ec", authentication key id 02, signing key id 01), signing through
// pkcs11-tool in this process. The portal's public-url is the address the
// browser uses, so the origin the card signs is the one the portal expects.
// Every state of the login page is checked with axe-core (WCAG 2.1 AA) in
// Latvian and English; without JavaScript the page says what to do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, startServer, freePort } from '../lib/server.js';
import { launch, axe, formatViolations } from '../lib/browser.js';
import { setupPki, stopPki, SOFTHSM } from '../lib/signing.js';

const shots = path.join(root, 'tests/out/screenshots');
let work;
let pki;
let srv;
let browser;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-loginweb-'));
  pki = path.join(work, 'pki');
  const responder = setupPki(pki);
  const port = await freePort();
  srv = await startServer({
    port,
    extra: ['--trust', path.join(pki, 'root.crt'), '--sign-ca', path.join(pki, 'inter.crt'),
      '--auth-ocsp-url', `${responder}/ocsp`, '--public-url', `http://127.0.0.1:${port}`],
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  stopPki(pki);
  fs.rmSync(work, { recursive: true, force: true });
});

// The card: the certificate and key with this id on the token, as the Web
// eID application reads and uses them (ECDSA: raw r||s of the digest).
function cardCert(id) {
  const out = path.join(work, `cert-${id}.der`);
  execFileSync('pkcs11-tool', ['--module', SOFTHSM, '--token-label', 'epak-ec', '--read-object', '--type', 'cert',
    '--id', id, '--output-file', out], { env: { ...process.env, SOFTHSM2_CONF: path.join(pki, 'softhsm2.conf') }, stdio: 'ignore' });
  return fs.readFileSync(out);
}

function cardSign(id, digest) {
  const inFile = path.join(work, 'tbs.bin');
  const outFile = path.join(work, 'sig.bin');
  fs.writeFileSync(inFile, digest);
  execFileSync('pkcs11-tool', ['--module', SOFTHSM, '--token-label', 'epak-ec', '--login', '--pin', '1234',
    '--sign', '--id', id, '--mechanism', 'ECDSA', '--input-file', inFile, '--output-file', outFile],
  { env: { ...process.env, SOFTHSM2_CONF: path.join(pki, 'softhsm2.conf') }, stdio: ['ignore', 'ignore', 'pipe'] });
  return fs.readFileSync(outFile);
}

// The extension's content script: acknowledges at once, then asks the card
// (window.__card, in the test) with the page's origin, as the extension
// tells the application which origin asks.
function fakeWebEid() {
  window.addEventListener('message', async (ev) => {
    const d = ev.data;
    if (ev.source !== window || !d || d.action !== 'web-eid:authenticate') return;
    window.postMessage({ action: `${d.action}-ack` }, '*');
    try {
      const res = JSON.parse(await window.__card(JSON.stringify({ ...d, origin: window.location.origin })));
      window.postMessage({ action: `${d.action}-success`, ...res }, '*');
    } catch (e) {
      window.postMessage({ action: `${d.action}-failure`, error: { code: 'ERR_WEBEID_USER_CANCELLED', message: String(e) } }, '*');
    }
  });
}

// A browser context with the extension and a card whose key `id` answers
// (02: authentication, 01: the signing key offered by mistake).
async function contextWithCard({ id = '02', cancel = false } = {}) {
  const ctx = await browser.newContext();
  const card = { requests: [] };
  await ctx.exposeFunction('__card', (json) => {
    const d = JSON.parse(json);
    card.requests.push(d);
    if (cancel) throw new Error('the person pressed Cancel');
    assert.equal(Buffer.from(d.challengeNonce, 'base64').length, 32);
    const h = (s) => crypto.createHash('sha384').update(s).digest();
    const digest = crypto.createHash('sha384').update(Buffer.concat([h(d.origin), h(d.challengeNonce)])).digest();
    const sig = cardSign(id, digest);
    assert.equal(sig.length, 96, 'raw r||s for P-384');
    return JSON.stringify({
      unverifiedCertificate: cardCert(id).toString('base64'), algorithm: 'ES384', signature: sig.toString('base64'),
      format: 'web-eid:1.0', appVersion: 'https://web-eid.eu/web-eid-app/releases/2.5.0+0',
    });
  });
  await ctx.addInitScript(fakeWebEid);
  return { ctx, card };
}

async function noViolations(page, shot) {
  const v = await axe(page);
  assert.equal(v.length, 0, formatViolations(v));
  if (shot) await page.screenshot({ path: path.join(shots, shot), fullPage: true });
}

test('a person logs in with the eID card and lands on their own page', async () => {
  const { ctx, card } = await contextWithCard();
  const page = await ctx.newPage();
  await page.goto(srv.base + '/pieteikties?next=/profils');
  assert.equal(await page.textContent('h1'), 'Pieteikties');
  assert.ok(await page.isVisible('#webeid-button'), 'with JavaScript the button shows');
  await noViolations(page, 'lv_pieteikties_webeid.png');
  await page.click('#webeid-button');
  await page.waitForURL((u) => u.pathname === '/profils', { timeout: 60000 });
  assert.equal(card.requests.length, 1);
  assert.equal(card.requests[0].origin, srv.base);
  assert.equal(card.requests[0].options.lang, 'lv');
  assert.match(await page.textContent('main'), /ANNA BĒRZIŅA/);
  const cookies = await ctx.cookies();
  assert.ok(cookies.some((c) => /epak_session$/.test(c.name) && c.httpOnly), 'an HttpOnly session cookie');
  await ctx.close();
});

test('the signing key offered by mistake is refused with a message on the page, in English too', async () => {
  const { ctx } = await contextWithCard({ id: '01' });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/en/pieteikties');
  assert.equal(await page.textContent('h1'), 'Log in');
  await noViolations(page, 'en_pieteikties_webeid.png');
  await page.click('#webeid-button');
  await page.waitForFunction(() => /signing certificate/.test(document.getElementById('webeid-status').textContent), null, { timeout: 30000 });
  assert.match(await page.textContent('#webeid-status'), /authentication certificate \(PIN1\)/);
  assert.equal(await page.getAttribute('#webeid-button', 'aria-disabled'), null, 'the button works again');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'webeid-button', 'focus back on the button');
  assert.ok(!(await ctx.cookies()).some((c) => /epak_session$/.test(c.name) && c.value), 'no session');
  await noViolations(page, 'en_pieteikties_webeid_refused.png');
  await ctx.close();
});

test('without the extension, or when the person cancels, the page says what to do', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(srv.base + '/pieteikties');
  await page.click('#webeid-button');
  await page.waitForFunction(() => /web-eid\.eu/.test(document.getElementById('webeid-status').textContent), null, { timeout: 10000 });
  assert.match(await page.textContent('#webeid-status'), /paplašinājums nav atrasts/);
  await noViolations(page, 'lv_pieteikties_webeid_no_extension.png');
  await ctx.close();

  const c2 = await contextWithCard({ cancel: true });
  const p2 = await c2.ctx.newPage();
  await p2.goto(srv.base + '/en/pieteikties');
  await p2.click('#webeid-button');
  await p2.waitForFunction(() => /cancelled/.test(document.getElementById('webeid-status').textContent), null, { timeout: 10000 });
  assert.equal(await p2.getAttribute('#webeid-button', 'aria-disabled'), null);
  await c2.ctx.close();
});

test('without JavaScript the login page explains the other ways, in both languages', async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  // (axe-core needs JavaScript: these pages are checked with it above)
  for (const [prefix, text] of [['', /vajadzīgs JavaScript/], ['/en', /needs JavaScript/]]) {
    await page.goto(srv.base + prefix + '/pieteikties');
    assert.ok(!(await page.isVisible('#webeid-button')), 'no button that cannot work');
    assert.match(await page.textContent('#webeid-nojs'), text);
    assert.ok(await page.isVisible('form[action$="/pieteikties"] button[type=submit]'), 'the other ways still work');
  }
  await ctx.close();
});
