// tests/e2e/sign-ssrf.test.js — the signing API must not become a port
// scanner (issue 8, point 2). A stranger's certificate names a loopback
// listener as its CA issuer and OCSP responder; epak must never connect to it
// and must not tell the client what it found there. A certificate that does
// not chain to the configured trust anchors is refused at start, before any
// time-stamp is bought.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer, getFormSession } from '../lib/server.js';
import { setupPki, stopPki } from '../lib/signing.js';

let work;
let pki;
let responder;
let trap;
let trapPort;
let connections = 0;

function openssl(args, opts = {}) {
  return execFileSync('openssl', args, { cwd: pki, stdio: ['pipe', 'pipe', 'ignore'], ...opts });
}

// A signer's certificate issued by `ca` (the trusted intermediate, or a CA
// nobody trusts) whose AIA names the trap.
function evilCert(name, caCrt, caKey) {
  const key = path.join(pki, `${name}.key`);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  openssl(['req', '-new', '-key', key, '-subj', `/C=LV/CN=${name}`, '-out', `${name}.csr`]);
  fs.writeFileSync(path.join(pki, `${name}.ext`), [
    'basicConstraints = critical, CA:false',
    'keyUsage = critical, nonRepudiation',
    `authorityInfoAccess = OCSP;URI:http://127.0.0.1:${trapPort}/ocsp, caIssuers;URI:http://127.0.0.1:${trapPort}/ca.der`,
    '',
  ].join('\n'));
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', caCrt, '-CAkey', caKey, '-CAcreateserial', '-days', '30',
    '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  return { key, pem: fs.readFileSync(path.join(pki, `${name}.crt`), 'utf8') };
}

async function start(srv, s, cert, profile) {
  const fd = new FormData();
  fd.append('_csrf', s.token);
  fd.append('certificate', cert);
  fd.append('profile', profile);
  fd.append('file', new Blob(['a']), 'a.txt');
  return fetch(srv.base + '/api/v1/sign/start', { method: 'POST', body: fd, headers: { cookie: s.cookie } });
}

async function finish(srv, s, id, sig) {
  return fetch(srv.base + '/api/v1/sign/finish', {
    method: 'POST',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.token, session: id, signature: sig.toString('base64') }).toString(),
  });
}

function assertNoDetail(text) {
  assert.doesNotMatch(text, new RegExp(String(trapPort)), 'the trap port is not echoed');
  assert.doesNotMatch(text, /127\.0\.0\.1|HTTP status|refused|internal address|403/i, text);
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-ssrf-'));
  pki = path.join(work, 'pki');
  responder = setupPki(pki);
  // the "internal service": answers 403 to anything, counts who came
  trap = net.createServer((sock) => {
    connections++;
    sock.on('error', () => {});
    sock.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });
  await new Promise((r) => trap.listen(0, '127.0.0.1', r));
  trapPort = trap.address().port;
});

after(async () => {
  trap?.close();
  stopPki(pki);
  fs.rmSync(work, { recursive: true, force: true });
});

test('a certificate that does not chain to the trust anchors is refused at start; nothing is fetched', async () => {
  // the intermediate is not configured: the certificate's caIssuers URL is
  // the only way to its issuer, and epak must not take it
  const srv = await startServer({ extra: ['--trust', path.join(pki, 'root.crt'), '--tsa-url', `${responder}/tsa`] });
  try {
    const s = await getFormSession(srv.base, '/parbaudit');
    const viaAia = evilCert('via-aia', 'inter.crt', 'inter.key');
    let r = await start(srv, s, viaAia.pem, 'LT');
    assert.equal(r.status, 422);
    assert.match((await r.json()).detail, /certificate: not issued by a certification authority this portal trusts/);
    const stranger = evilCert('stranger', 'other-root.crt', 'other-root.key');
    r = await start(srv, s, stranger.pem, 'B');
    assert.equal(r.status, 422);
    // a self-signed one
    r = await start(srv, s, fs.readFileSync(path.join(pki, 'other-root.crt'), 'utf8'), 'T');
    assert.equal(r.status, 422);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(connections, 0, 'no connection reached the listener named in the certificate');
  } finally {
    await srv.stop();
  }
});

test('a trusted certificate naming a loopback OCSP responder: no connection, no detail for the client', async () => {
  // no ocsp-url: the certificate's own OCSP URL would be asked
  const srv = await startServer({
    extra: ['--trust', path.join(pki, 'root.crt'), '--sign-ca', path.join(pki, 'inter.crt'), '--tsa-url', `${responder}/tsa`],
  });
  try {
    const s = await getFormSession(srv.base, '/parbaudit');
    const c = evilCert('trusted-evil', 'inter.crt', 'inter.key');
    const r1 = await start(srv, s, c.pem, 'LT');
    assert.equal(r1.status, 200, await r1.clone().text());
    const j = await r1.json();
    const dg = path.join(pki, 'digest.bin');
    fs.writeFileSync(dg, Buffer.from(j.digest, 'base64'));
    const sig = openssl(['pkeyutl', '-sign', '-inkey', c.key, '-in', dg]);
    const r2 = await finish(srv, s, j.session, sig);
    const text = await r2.text();
    assert.equal(r2.status, 503, text);
    assertNoDetail(text);
    assert.equal(connections, 0, 'no connection reached the listener named in the certificate');
  } finally {
    await srv.stop();
  }
});
