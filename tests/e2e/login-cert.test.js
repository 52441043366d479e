// tests/e2e/login-cert.test.js — logging in with the eID card's TLS client
// certificate, both ways of issue 10:
//   (a) epak terminates TLS; its tls-client-listen address asks for a
//       certificate (curl --cert/--key, and Chromium);
//   (b) a real nginx started here verifies the certificate and passes it in
//       X-Client-Cert; epak believes the header only from auth-cert-proxies.
// The certificates are the test PKI's (tests/sign/pki.sh, with its OCSP
// responder); refused: no certificate, a signing certificate, a revoked,
// an expired and a foreign one, and the header from a non-proxy address —
// each with the login page (403) and an audit entry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startServer, freePort, sqlite } from '../lib/server.js';
import { setupPki, stopPki } from '../lib/signing.js';
import { launch, axe, formatViolations } from '../lib/browser.js';

let work; let pki; let responder; let cert; let key; let certPort;
let direct; // (a)
let behind; // (b), plain HTTP behind nginx
let nginx; let nginxPort;

const httpsOk = (port, p = '/api/v1/health') => new Promise((resolve) => {
  https.get({ host: '127.0.0.1', port, path: p, rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode === 200); })
    .on('error', () => resolve(false));
});

// One request with curl: status, headers (lower-case names), body.
function curl(url, args = []) {
  const r = spawnSync('curl', ['-sk', '-i', '--max-time', '20', ...args, url], { encoding: 'utf8' });
  const text = r.stdout || '';
  const cut = text.indexOf('\r\n\r\n');
  const head = cut >= 0 ? text.slice(0, cut) : text;
  const lines = head.split('\r\n');
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) (headers[l.slice(0, i).toLowerCase()] ||= []).push(l.slice(i + 1).trim());
  }
  return { status: Number((lines[0] || '').split(' ')[1]), headers, body: cut >= 0 ? text.slice(cut + 4) : '', err: r.stderr };
}
const withCert = (name) => ['--cert', path.join(pki, `${name}.crt`), '--key', path.join(pki, `${name}.key`)];
const cookieOf = (res, name) => (res.headers['set-cookie'] || []).map((c) => c.split(';')[0]).find((c) => c.startsWith(name + '='));
const lastLogin = (srv) => sqlite(path.join(srv.data, 'epak.db'),
  "SELECT ok || '|' || method || '|' || detail || '|' || net FROM audit_log WHERE action = 'login' ORDER BY id DESC LIMIT 1");

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-cert-'));
  pki = path.join(work, 'pki');
  responder = setupPki(pki);
  key = path.join(work, 'server.key');
  cert = path.join(work, 'server.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1'],
  { stdio: 'ignore' });
  const check = ['--trust', path.join(pki, 'root.crt'), '--sign-ca', path.join(pki, 'inter.crt'),
    '--auth-ocsp-url', `${responder}/ocsp`];
  certPort = await freePort();
  direct = await startServer({
    extra: ['--tls-cert', cert, '--tls-key', key, '--tls-client-listen', `127.0.0.1:${certPort}`, ...check],
    ready: (port) => httpsOk(port),
  });
  behind = await startServer({ extra: ['--auth-cert-proxies', '127.0.0.1', '--trusted-proxies', '127.0.0.1', ...check] });

  // nginx as the TLS end: verifies the client certificate against the test
  // PKI and passes it on; run as this user with its own prefix
  nginxPort = await freePort();
  const nd = path.join(work, 'nginx');
  fs.mkdirSync(path.join(nd, 'tmp'), { recursive: true });
  fs.writeFileSync(path.join(nd, 'ca.pem'), fs.readFileSync(path.join(pki, 'root.crt')) + fs.readFileSync(path.join(pki, 'inter.crt')));
  const t = path.join(nd, 'tmp');
  fs.writeFileSync(path.join(nd, 'nginx.conf'), `
${process.getuid() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${nd}/nginx.pid;
error_log ${nd}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fcgi;
  uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;
  server {
    listen 127.0.0.1:${nginxPort} ssl;
    listen [::1]:${nginxPort} ssl;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    ssl_client_certificate ${nd}/ca.pem;
    ssl_verify_client optional;
    ssl_verify_depth 3;
    location / {
      proxy_pass http://127.0.0.1:${behind.port};
      proxy_bind 127.0.0.1;
      proxy_set_header Host $host:$server_port;
      proxy_set_header X-Client-Cert $ssl_client_escaped_cert;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`);
  nginx = spawn('/usr/sbin/nginx', ['-p', nd, '-c', path.join(nd, 'nginx.conf'), '-e', path.join(nd, 'error.log')],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let nlog = '';
  nginx.stderr.on('data', (d) => { nlog += d; });
  for (let i = 0; i < 100 && !(await httpsOk(nginxPort)); i++) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited: ${nlog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  if (nginx && nginx.exitCode === null) {
    const done = new Promise((r) => nginx.once('exit', r));
    nginx.kill('SIGTERM');
    await done;
  }
  const rcs = [];
  let logs = '';
  for (const s of [direct, behind].filter(Boolean)) {
    rcs.push(await s.stop());
    logs += s.log().slice(-4000);
  }
  stopPki(pki);
  fs.rmSync(work, { recursive: true, force: true });
  assert.deepEqual(rcs, rcs.map(() => 0), `servers stop cleanly:\n${logs}`);
});

test('(a) the login page leads to the certificate listener, which asks for a certificate', async () => {
  const page = curl(`https://127.0.0.1:${direct.port}/pieteikties?next=/profils`);
  assert.equal(page.status, 200);
  assert.match(page.body, new RegExp(`href="https://127\\.0\\.0\\.1:${certPort}/pieteikties/karte\\?next=(%2F|/)profils"`));
  const en = curl(`https://127.0.0.1:${direct.port}/en/pieteikties`);
  assert.match(en.body, new RegExp(`href="https://127\\.0\\.0\\.1:${certPort}/en/pieteikties/karte"`));
  // the listener serves certificate login only: anything else is on the site
  const other = curl(`https://127.0.0.1:${certPort}/profils?x=1`);
  assert.equal(other.status, 302);
  assert.equal(other.headers.location[0], `https://127.0.0.1:${direct.port}/profils?x=1`);
  // no certificate offered: the login page again, and an audit entry
  const none = curl(`https://127.0.0.1:${certPort}/pieteikties/karte`);
  assert.equal(none.status, 403);
  assert.match(none.body, /No certificate was offered|Netika piedāvāts/);
  assert.match(lastLogin(direct), /^0\|tls\|no certificate\|/);
});

test('(a) an authentication certificate logs in over the handshake; the session works on the site', async () => {
  for (const [name, who] of [['auth-ec', 'ANNA BĒRZIŅA'], ['auth-rsa', 'JĀNIS OZOLS']]) {
    const r = curl(`https://127.0.0.1:${certPort}/pieteikties/karte?next=%2Fprofils`, withCert(name));
    assert.equal(r.status, 303, `${name}: ${r.body.slice(0, 300)}`);
    assert.equal(r.headers.location[0], '/profils');
    const session = cookieOf(r, '__Host-epak_session');
    assert.ok(session, 'a Secure session cookie');
    assert.match(lastLogin(direct), /^1\|tls\|/);
    // followed from the listener to the site, where the cookie is sent
    const moved = curl(`https://127.0.0.1:${certPort}/profils`, ['-H', `Cookie: ${session}`]);
    assert.equal(moved.status, 302);
    const prof = curl(moved.headers.location[0], ['-H', `Cookie: ${session}`]);
    assert.equal(prof.status, 200);
    assert.ok(prof.body.includes(who), `${name}: the profile names the person`);
    assert.doesNotMatch(direct.log(), /PNOLV/, 'no personal code in the log');
  }
});

test('(a) refused: a signing certificate, a revoked, an expired and a foreign one', async () => {
  for (const [name, reason] of [['signer-ec', 'not_for_auth'], ['auth-revoked', 'revoked'], ['auth-expired', 'expired'],
    ['auth-foreign', 'untrusted']]) {
    const r = curl(`https://127.0.0.1:${certPort}/pieteikties/karte`, withCert(name));
    assert.equal(r.status, 403, `${name}: ${r.status} ${r.err}`);
    assert.match(r.body, /<h1>/, `${name}: the login page`);
    assert.equal(cookieOf(r, '__Host-epak_session'), undefined, `${name}: no session`);
    assert.match(lastLogin(direct), new RegExp(`^0\\|tls\\|${reason}\\|`), name);
  }
});

test('(a) without sign-ca, the intermediate the client sends builds the path (and only helps)', async () => {
  const port = await freePort();
  const s = await startServer({
    extra: ['--tls-cert', cert, '--tls-key', key, '--tls-client-listen', `127.0.0.1:${port}`,
      '--trust', path.join(pki, 'root.crt'), '--auth-ocsp-url', `${responder}/ocsp`],
    ready: (p) => httpsOk(p),
  });
  try {
    const chain = path.join(work, 'auth-ec-chain.pem');
    fs.writeFileSync(chain, fs.readFileSync(path.join(pki, 'auth-ec.crt')) + fs.readFileSync(path.join(pki, 'inter.crt')));
    const alone = curl(`https://127.0.0.1:${port}/pieteikties/karte`, withCert('auth-ec'));
    assert.equal(alone.status, 403, 'the leaf alone: no path to the root');
    assert.match(lastLogin(s), /^0\|tls\|untrusted\|/);
    const withChain = curl(`https://127.0.0.1:${port}/pieteikties/karte`, ['--cert', chain, '--key', path.join(pki, 'auth-ec.key')]);
    assert.equal(withChain.status, 303, withChain.body.slice(0, 300));
    assert.match(lastLogin(s), /^1\|tls\|/);
    // a foreign leaf with its own root sent along is still foreign
    const foreign = path.join(work, 'foreign-chain.pem');
    fs.writeFileSync(foreign, fs.readFileSync(path.join(pki, 'auth-foreign.crt')) + fs.readFileSync(path.join(pki, 'other-root.crt')));
    assert.equal(curl(`https://127.0.0.1:${port}/pieteikties/karte`, ['--cert', foreign, '--key', path.join(pki, 'auth-foreign.key')]).status, 403);
    assert.match(lastLogin(s), /^0\|tls\|untrusted\|/);
  } finally {
    assert.equal(await s.stop(), 0, s.log().slice(-3000));
  }
});

test('(b) behind nginx: the certificate it verified logs in; the client address is the forwarded one', async () => {
  const r = curl(`https://[::1]:${nginxPort}/pieteikties/karte?next=%2Fprofils`, withCert('auth-ec'));
  assert.equal(r.status, 303, r.body.slice(0, 300));
  assert.equal(r.headers.location[0], '/profils');
  const session = cookieOf(r, 'epak_session');
  assert.ok(session);
  // the TCP peer was nginx (127.0.0.1, a trusted proxy): the audit names the client's network
  assert.match(lastLogin(behind), /^1\|tls\|\|::\/64$/);
  const prof = curl(`https://127.0.0.1:${nginxPort}/profils`, ['-H', `Cookie: ${session}`]);
  assert.equal(prof.status, 200);
  assert.ok(prof.body.includes('ANNA BĒRZIŅA'));
  // nginx passes a revoked certificate (it does not ask OCSP): epak does
  const rev = curl(`https://127.0.0.1:${nginxPort}/pieteikties/karte`, withCert('auth-revoked'));
  assert.equal(rev.status, 403);
  assert.match(lastLogin(behind), /^0\|tls\|revoked\|127\.0\.0\.0\/24$/);
  // nginx itself refuses what does not chain to the PKI
  assert.equal(curl(`https://127.0.0.1:${nginxPort}/pieteikties/karte`, withCert('auth-foreign')).status, 400);
});

test('(b) the certificate header from an address that is not a configured proxy is refused and audited', async () => {
  const pem = fs.readFileSync(path.join(pki, 'auth-ec.crt'), 'utf8');
  const escaped = encodeURIComponent(pem.slice(pem.indexOf('-----BEGIN')));
  // 127.0.0.2 is not in auth-cert-proxies (127.0.0.1); its X-Forwarded-For is not believed either
  const r = curl(`http://127.0.0.1:${behind.port}/pieteikties/karte`,
    ['--interface', '127.0.0.2', '-H', `X-Client-Cert: ${escaped}`, '-H', 'X-Forwarded-For: 2001:db8::1']);
  assert.equal(r.status, 403);
  assert.equal(cookieOf(r, 'epak_session'), undefined);
  assert.match(lastLogin(behind), /^0\|tls\|certificate header from a non-proxy address\|127\.0\.0\.0\/24$/);
  await new Promise((res) => setTimeout(res, 300)); // the log arrives through a pipe
  assert.match(behind.log(), /X-Client-Cert from an address not in auth-cert-proxies/);
  // the same header straight to epak's own TLS listener is no certificate either
  const tlsDirect = curl(`https://127.0.0.1:${certPort}/pieteikties/karte`, ['-H', `X-Client-Cert: ${escaped}`]);
  assert.equal(tlsDirect.status, 403);
  assert.match(lastLogin(direct), /^0\|tls\|no certificate\|/);
});

// Chromium's own TLS presents the certificate: the card's certificate and
// key in an NSS database of a temporary HOME (pk12util, libnss3-tools), and
// the AutoSelectCertificateForUrls policy for the listener's origin, which
// Chromium reads only from /etc/chromium/policies/managed (this test's file
// is removed after). Where that folder cannot be written (not root),
// playwright-core's clientCertificates presents it instead (its own TLS).
// Logs in from the login page at `site` with the certificate presented to
// `origin` (the TLS end that asks for it); returns how it was presented.
async function chromiumLogin(tag, origin, site, server) {
  const home = path.join(work, `home-${tag}`);
  const nssdb = path.join(home, '.pki', 'nssdb');
  const policyDir = '/etc/chromium/policies/managed';
  const policy = path.join(policyDir, `epak-login-cert-${process.pid}-${tag}.json`);
  let native = false;
  try {
    fs.mkdirSync(nssdb, { recursive: true });
    execFileSync('certutil', ['-N', '-d', `sql:${nssdb}`, '--empty-password'], { stdio: 'ignore' });
    execFileSync('pk12util', ['-i', path.join(pki, 'auth-ec.p12'), '-d', `sql:${nssdb}`, '-W', 'test-pass'], { stdio: 'ignore' });
    fs.mkdirSync(policyDir, { recursive: true });
    fs.writeFileSync(policy, JSON.stringify({ AutoSelectCertificateForUrls: [JSON.stringify({ pattern: origin, filter: {} })] }));
    native = true;
  } catch { /* no NSS tools or no rights: the fallback below */ }
  const browser = await launch({ env: { ...process.env, HOME: home } });
  try {
    const ctx = await browser.newContext(native ? { ignoreHTTPSErrors: true } : {
      ignoreHTTPSErrors: true,
      clientCertificates: [{ origin, certPath: path.join(pki, 'auth-ec.crt'), keyPath: path.join(pki, 'auth-ec.key') }],
    });
    const page = await ctx.newPage();
    await page.goto(`${site}/pieteikties?next=/profils`);
    await page.click('a[href*="/pieteikties/karte"]');
    await page.waitForURL(`${site}/profils`);
    assert.match(await page.content(), /ANNA BĒRZIŅA/);
    assert.match(lastLogin(server), /^1\|tls\|/);
    return native ? 'itself (NSS database, policy)' : 'through playwright-core';
  } finally {
    await browser.close();
    fs.rmSync(policy, { force: true });
  }
}

// Chromium's own TLS presents the certificate: the card's certificate and
// key in an NSS database of a temporary HOME (pk12util, libnss3-tools), and
// the AutoSelectCertificateForUrls policy for the listener's origin, which
// Chromium reads only from /etc/chromium/policies/managed (this test's file
// is removed after). Where that folder cannot be written (not root),
// playwright-core's clientCertificates presents it instead (its own TLS).
test('(a) Chromium logs in with a client certificate', async () => {
  const how = await chromiumLogin('a', `https://127.0.0.1:${certPort}`, `https://127.0.0.1:${direct.port}`, direct);
  console.log(`Chromium presented the certificate ${how}`);
});

test('(b) Chromium logs in behind nginx, which asks for the certificate', async () => {
  const site = `https://127.0.0.1:${nginxPort}`;
  const how = await chromiumLogin('b', site, site, behind);
  console.log(`Chromium presented the certificate to nginx ${how}`);
});

test('the login page with the certificate button, and a refusal, pass axe-core in both languages', async () => {
  const browser = await launch();
  try {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await ctx.newPage();
    for (const url of [`https://127.0.0.1:${direct.port}/pieteikties`, `https://127.0.0.1:${direct.port}/en/pieteikties`,
      `https://127.0.0.1:${certPort}/pieteikties/karte`, `https://127.0.0.1:${certPort}/en/pieteikties/karte`]) {
      await page.goto(url);
      const v = await axe(page);
      assert.equal(v.length, 0, `${url}:\n${formatViolations(v)}`);
    }
  } finally {
    await browser.close();
  }
});

// Last in the file: it spends the loopback network's login budget.
test('certificate checks are budgeted per network (each is a worker job)', async () => {
  const pem = fs.readFileSync(path.join(pki, 'auth-foreign.crt'), 'utf8');
  const header = encodeURIComponent(pem.slice(pem.indexOf('-----BEGIN')));
  const statuses = [];
  for (let i = 0; i < 310; i++) {
    const r = await fetch(`http://127.0.0.1:${behind.port}/pieteikties/karte`, { headers: { 'x-client-cert': header }, redirect: 'manual' });
    await r.text();
    statuses.push(r.status);
  }
  assert.ok(statuses.slice(0, 290).every((s) => s === 403), 'refused one by one while within the budget');
  assert.equal(statuses.at(-1), 429, 'then answered without a check');
});
