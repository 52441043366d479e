// tests/e2e/login-webeid.test.js — logging in with the eID card through Web
// eID against a real epak and the test PKI's OCSP responder
// (tests/sign/pki.sh). The test plays the browser and the card: it asks for
// a challenge, signs hash(origin) ‖ hash(nonce) with the certificate's key
// (read from the PKI's PKCS#8 files, as the card's key would sign) and posts
// the token. Every refusal must be a clear message in the person's language
// and an audit entry; a good token must give a session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, sqlite, stopClean } from '../lib/server.js';
import { setupPki, stopPki } from '../lib/signing.js';

const ORIGIN = 'https://epak.example.lv';
let work;
let pki;
let srv;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-webeid-'));
  pki = path.join(work, 'pki');
  const responder = setupPki(pki);
  srv = await startServer({
    extra: ['--trust', path.join(pki, 'root.crt'), '--sign-ca', path.join(pki, 'inter.crt'),
      '--auth-ocsp-url', `${responder}/ocsp`, '--public-url', ORIGIN, '--limit-webeid-browser', '20'],
  });
});

after(async () => {
  await stopClean(srv);
  stopPki(pki);
  fs.rmSync(work, { recursive: true, force: true });
});

const db = () => path.join(srv.data, 'epak.db');

// A browser: its cookies (name → value) and the login page's CSRF token;
// English unless lang is '' (the API then answers in that language).
async function browser(lang = '/en') {
  const b = { jar: {}, lang };
  const r = await get(b, `${lang}/pieteikties`);
  assert.equal(r.status, 200);
  const html = await r.text();
  b.csrf = html.match(/name="_csrf" value="([^"]+)"/)[1];
  b.html = html;
  return b;
}

function keep(b, r) {
  for (const c of r.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    b.jar[pair.slice(0, i)] = pair.slice(i + 1);
  }
}

const cookie = (b) => Object.entries(b.jar).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join('; ');

async function get(b, p) {
  const r = await fetch(srv.base + p, { headers: { cookie: cookie(b) }, redirect: 'manual' });
  keep(b, r);
  return r;
}

async function challenge(b) {
  const r = await get(b, `${b.lang}/api/v1/auth/challenge`);
  assert.equal(r.status, 200, await r.clone().text());
  assert.match(r.headers.get('cache-control') || '', /no-store/);
  const j = await r.json();
  assert.equal(Buffer.from(j.nonce, 'base64').length, 32);
  return j.nonce;
}

function der(name) {
  return new crypto.X509Certificate(fs.readFileSync(path.join(pki, `${name}.crt`))).raw;
}

// The token the extension would return for this certificate and key.
function makeToken(name, nonce, { alg = null, origin = ORIGIN, format = 'web-eid:1.0', key = name, extra = {} } = {}) {
  const k = crypto.createPrivateKey(fs.readFileSync(path.join(pki, `${key}.key`)));
  const ec = k.asymmetricKeyType === 'ec';
  const algorithm = alg || (ec ? 'ES384' : 'RS256');
  const hash = `sha${algorithm.slice(2)}`;
  const data = Buffer.concat([crypto.createHash(hash).update(origin).digest(), crypto.createHash(hash).update(nonce).digest()]);
  const opts = { key: k };
  if (ec) opts.dsaEncoding = 'ieee-p1363';
  if (algorithm.startsWith('PS')) Object.assign(opts, { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST });
  const signature = crypto.sign(hash, data, opts).toString('base64');
  return {
    unverifiedCertificate: der(name).toString('base64'), algorithm, signature, format,
    appVersion: 'https://web-eid.eu/web-eid-app/releases/2.5.0+0', ...extra,
  };
}

async function post(b, nonce, token, { csrf = b.csrf, next = null } = {}) {
  const body = new URLSearchParams({ _csrf: csrf, nonce, token: typeof token === 'string' ? token : JSON.stringify(token) });
  if (next) body.append('next', next);
  const r = await fetch(`${srv.base}${b.lang}/api/v1/auth/webeid`, {
    method: 'POST', body, redirect: 'manual',
    headers: { cookie: cookie(b), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  });
  keep(b, r);
  return r;
}

const sessionCookie = (b) => Object.keys(b.jar).find((k) => /epak_session$/.test(k) && b.jar[k]);

function lastAudit() {
  return sqlite(db(), "SELECT action || '|' || method || '|' || ok || '|' || detail FROM audit_log ORDER BY id DESC LIMIT 1");
}

async function refused(b, nonce, token, reason, hint) {
  const r = await post(b, nonce, token);
  const text = await r.text();
  assert.equal(r.status, 403, text);
  const j = JSON.parse(text);
  assert.equal(j.code, 'login_refused');
  assert.match(j.hint, hint);
  assert.equal(lastAudit(), `login|webeid|0|${reason}`);
  assert.equal(sessionCookie(b), undefined, 'no session');
  // nothing personal in the answer or the log
  assert.doesNotMatch(text, /PNO|BĒRZIŅA|KALNIŅŠ|LIEPA/);
  assert.doesNotMatch(srv.log(), /PNOLV|BĒRZIŅA|KALNIŅŠ|LIEPA|SVEŠAIS/);
  return j;
}

test('the login page offers the eID card with a text for browsers without JavaScript', async () => {
  const b = await browser('');
  assert.match(b.html, /id="webeid-section"/);
  assert.match(b.html, /data-challenge="\/api\/v1\/auth\/challenge"/);
  assert.match(b.html, /login-webeid[^"]*\.js/);
  assert.match(b.html, /id="webeid-nojs"/);
  const en = await browser('/en');
  assert.match(en.html, /data-action="\/en\/api\/v1\/auth\/webeid"/);
  assert.match(en.html, /choose another way to log in/);
});

test('a good EC token logs the person in: a session, the name, an audit entry', async () => {
  const b = await browser();
  const nonce = await challenge(b);
  const before = { ...b, jar: { ...b.jar } };
  const r = await post(b, nonce, makeToken('auth-ec', nonce), { next: '/profils' });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  assert.equal(JSON.parse(text).redirect, '/profils');
  assert.ok(sessionCookie(b), 'a session cookie');
  assert.match(lastAudit(), /^login\|webeid\|1\|/);
  const p = await get(b, '/profils');
  assert.equal(p.status, 200);
  assert.match(await p.text(), /ANNA BĒRZIŅA/);
  // the same token again from the same browser (its cookies before the
  // login): the nonce is used up
  await refused(before, nonce, makeToken('auth-ec', nonce), 'nonce', /already used|took too long/);
});

test('RSA (RS256 and PS256), an Estonian card and a web-eid:1.1 token log in', async () => {
  for (const [name, alg] of [['auth-rsa', 'RS256'], ['auth-rsa', 'PS256'], ['auth-ee', 'ES384']]) {
    const b = await browser();
    const nonce = await challenge(b);
    const r = await post(b, nonce, makeToken(name, nonce, { alg }));
    assert.equal(r.status, 200, `${name} ${alg}: ${await r.clone().text()}`);
    assert.ok(sessionCookie(b));
  }
  const b = await browser();
  const nonce = await challenge(b);
  const extra = {
    unverifiedSigningCertificates: [{
      certificate: der('signer-ec').toString('base64'),
      supportedSignatureAlgorithms: [{ cryptoAlgorithm: 'ECC', hashFunction: 'SHA-384', paddingScheme: 'NONE' }],
    }],
  };
  const r = await post(b, nonce, makeToken('auth-ec', nonce, { format: 'web-eid:1.1', extra }));
  assert.equal(r.status, 200, await r.clone().text());
});

test('a tampered token is refused', async () => {
  const b = await browser();
  const nonce = await challenge(b);
  const t = makeToken('auth-ec', nonce);
  const sig = Buffer.from(t.signature, 'base64');
  sig[10] ^= 1;
  t.signature = sig.toString('base64');
  await refused(b, nonce, t, 'signature', /signature does not match/);
  // the certificate swapped for another person's, the signature kept
  const n2 = await challenge(b);
  const t2 = makeToken('auth-ec', n2);
  t2.unverifiedCertificate = der('auth-rsa').toString('base64');
  await refused(b, n2, t2, 'algorithm', /could not be accepted/);
  const n3 = await challenge(b);
  await refused(b, n3, '{"unverifiedCertificate": 5}', 'malformed', /could not be accepted/);
});

test('a token signed for another origin (a phishing site relaying the challenge) is refused', async () => {
  const b = await browser();
  const nonce = await challenge(b);
  await refused(b, nonce, makeToken('auth-ec', nonce, { origin: 'https://epak-example.lv' }), 'signature', /signature does not match/);
});

test('a reused, an expired and another browser\'s nonce are refused', async () => {
  // reused after a refusal: a failed attempt burns it too
  const b = await browser();
  const nonce = await challenge(b);
  const bad = makeToken('auth-ec', nonce, { origin: 'https://evil.example' });
  await refused(b, nonce, bad, 'signature', /signature/);
  await refused(b, nonce, makeToken('auth-ec', nonce), 'nonce', /already used/);
  // expired: the row's time is moved into the past in the real database
  const n2 = await challenge(b);
  sqlite(db(), "UPDATE auth_token SET expires_at = 1 WHERE kind = 'webeid'");
  await refused(b, n2, makeToken('auth-ec', n2), 'nonce', /took too long/);
  // another browser's: the nonce is bound to the browser that asked
  const other = await browser();
  const n3 = await challenge(other);
  await refused(b, n3, makeToken('auth-ec', n3), 'nonce', /already used|took too long/);
  // ... and it is still good for the browser it belongs to
  const r = await post(other, n3, makeToken('auth-ec', n3));
  assert.equal(r.status, 200, await r.clone().text());
  // a nonce the server never issued
  const n4 = crypto.randomBytes(32).toString('base64');
  await refused(b, n4, makeToken('auth-ec', n4), 'nonce', /took too long/);
});

test('the signing certificate, a revoked, an expired and a foreign certificate are refused', async () => {
  const cases = [
    ['signer-ec', 'not_for_auth', /signing certificate.*PIN1/],
    ['auth-revoked', 'revoked', /revoked/],
    ['auth-expired', 'expired', /expired/],
    ['auth-foreign', 'untrusted', /not issued by a certification authority/],
    ['auth-unknown', 'ocsp_unknown', /does not know this certificate/],
  ];
  for (const [name, reason, hint] of cases) {
    const b = await browser();
    const nonce = await challenge(b);
    await refused(b, nonce, makeToken(name, nonce), reason, hint);
  }
});

test('refusals are in the person\'s language', async () => {
  const b = await browser('/en');
  const nonce = await challenge(b);
  const j = await refused(b, nonce, makeToken('auth-revoked', nonce), 'revoked', /has been revoked/);
  assert.doesNotMatch(j.hint, /atsaukts/);
  const lv = await browser('');
  const n2 = await challenge(lv);
  await refused(lv, n2, makeToken('auth-revoked', n2), 'revoked', /sertifikāts ir atsaukts/);
});

test('without the CSRF token, or without a browser cookie, nothing happens', async () => {
  const b = await browser();
  const nonce = await challenge(b);
  const r = await post(b, nonce, makeToken('auth-ec', nonce), { csrf: 'x'.repeat(43) });
  assert.equal(r.status, 403);
  assert.equal(sessionCookie(b), undefined);
  // the nonce was not spent by the forged request
  const ok = await post(b, nonce, makeToken('auth-ec', nonce));
  assert.equal(ok.status, 200, await ok.clone().text());
  const anon = await fetch(`${srv.base}/api/v1/auth/challenge`);
  assert.equal(anon.status, 403);
  assert.match(await anon.text(), /login page first/);
  // another site's page cannot spend this browser's challenges
  const cross = await fetch(`${srv.base}/api/v1/auth/challenge`, { headers: { cookie: cookie(b), 'sec-fetch-site': 'cross-site' } });
  assert.equal(cross.status, 403);
  const same = await fetch(`${srv.base}/api/v1/auth/challenge`, { headers: { cookie: cookie(b), 'sec-fetch-site': 'same-origin' } });
  assert.equal(same.status, 200);
});

test('challenges are budgeted per browser', async () => {
  const b = await browser();
  let status = 200;
  let n = 0;
  while (status === 200 && n < 30) {
    status = (await get(b, '/api/v1/auth/challenge')).status;
    n++;
  }
  assert.equal(status, 429);
  assert.equal(n, 21);
  // another browser is not affected
  const c = await browser();
  await challenge(c);
});

// Two nodes on one PostgreSQL (when the runner gives one): a challenge
// asked on one node is answered on the other, once.
test('on PostgreSQL a nonce from one node is good once on another', { skip: !process.env.EPAK_TEST_PG_URL }, async () => {
  const responder = `http://127.0.0.1:${fs.readFileSync(path.join(pki, 'port'), 'utf8').trim()}`;
  const opts = {
    db: process.env.EPAK_TEST_PG_URL,
    extra: ['--trust', path.join(pki, 'root.crt'), '--sign-ca', path.join(pki, 'inter.crt'),
      '--auth-ocsp-url', `${responder}/ocsp`, '--public-url', ORIGIN],
  };
  const a = await startServer(opts);
  // every node of one database holds the same server secret (core/secret.h)
  const b = await startServer({ ...opts, data: a.data });
  try {
    const saved = srv;
    srv = a;
    const br = await browser();
    const nonce = await challenge(br);
    srv = b;
    const r = await post(br, nonce, makeToken('auth-ec', nonce));
    srv = a;
    const again = await post({ ...br, jar: { ...br.jar } }, nonce, makeToken('auth-ec', nonce));
    srv = saved;
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(again.status, 403);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('a staff member bound to their card logs in with it to the back office', async () => {
  const { addUser, userCmd } = await import('../lib/auth.js');
  addUser(srv, 'annab', 'correct horse battery staple', ['name=Anna Bērziņa', 'role=consultant']);
  // Anna logged in as a citizen above: binding replaces that account
  const out = userCmd(srv, ['bind-eid', 'annab', 'PNOLV-010190-12345']);
  assert.match(out, /replaced by annab/);
  const b = await browser();
  const nonce = await challenge(b);
  const r = await post(b, nonce, makeToken('auth-ec', nonce), { next: '/en/birojs' });
  assert.equal(r.status, 200, await r.text());
  const office = await get(b, '/en/birojs');
  assert.equal(office.status, 200);
  assert.match(await office.text(), /Back office/);
  assert.match(sqlite(db(), "SELECT group_concat(action, ',') FROM audit_log WHERE action IN ('account-bound', 'account-merged')"),
    /account-merged.*account-bound|account-bound.*account-merged/);
});
