// tests/e2e/sign-api.test.js — two-phase signing as an eID signer in a
// browser does it: the client sends its certificate and the files, epak
// answers with the digest, the client signs the digest on a token (here
// SoftHSM2 through pkcs11-tool, as a card would through its PKCS#11 module),
// epak completes the signature with a time-stamp and OCSP (LT) and hands back
// the container, which then verifies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, getFormSession, bin } from '../lib/server.js';
import { setupPki, stopPki, tokenSign as signOnToken } from '../lib/signing.js';

let work;
let pki;
let srv;
const tokenSign = (input, label, mech, format) => signOnToken(pki, input, label, mech, format);

async function start(session, fields, files) {
  const fd = new FormData();
  fd.append('_csrf', session.token);
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const [name, bytes] of files) fd.append('file', new Blob([bytes]), name);
  return fetch(srv.base + '/api/v1/sign/start', { method: 'POST', body: fd, headers: { cookie: session.cookie } });
}

async function finish(session, id, sig) {
  return fetch(srv.base + '/api/v1/sign/finish', {
    method: 'POST',
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: session.token, session: id, signature: sig.toString('base64') }).toString(),
  });
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-signapi-'));
  pki = path.join(work, 'pki');
  const responder = setupPki(pki);
  srv = await startServer({
    extra: ['--trust', path.join(pki, 'root.crt'), '--sign-ca', path.join(pki, 'inter.crt'), '--tsa-url', `${responder}/tsa`, '--ocsp-url', `${responder}/ocsp`],
  });
});

after(async () => {
  await srv?.stop();
  stopPki(pki);
  fs.rmSync(work, { recursive: true, force: true });
});

test('an EC (P-384) signer signs two files through the two phases; the result is a valid LT container', async () => {
  const s = await getFormSession(srv.base, '/parbaudit');
  const cert = fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8');
  const r1 = await start(s, { certificate: cert }, [['iesniegums.txt', 'Lūdzu izsniegt izziņu.\n'], ['pielikums.pdf', '%PDF-1.4\n']]);
  assert.equal(r1.status, 200, await r1.clone().text());
  const j = await r1.json();
  assert.equal(j.profile, 'LT');
  assert.equal(j.keyType, 'EC');
  assert.match(j.digestAlgorithm, /SHA2?-?(256|384|512)/i);
  const digest = Buffer.from(j.digest, 'base64');
  assert.ok(digest.length >= 32);
  const sig = tokenSign(digest, 'epak-ec', 'ECDSA');
  assert.equal(sig.length, 96, 'raw r||s for P-384');
  const r2 = await finish(s, j.session, sig);
  assert.equal(r2.status, 200, await r2.clone().text());
  assert.equal(r2.headers.get('content-type'), 'application/vnd.etsi.asic-e+zip');
  const edoc = path.join(work, 'signed.edoc');
  fs.writeFileSync(edoc, Buffer.from(await r2.arrayBuffer()));
  const out = execFileSync(bin, ['verify', '--json', '--offline', '--trust', path.join(pki, 'root.crt'), edoc]).toString();
  const rep = JSON.parse(out);
  const sigs = rep.signatures || rep.sigs;
  assert.equal(sigs.length, 1);
  assert.match(JSON.stringify(sigs[0]), /TOTAL-PASSED/);
  assert.match(JSON.stringify(sigs[0]), /"LT"/);
  // the session is used up
  const again = await finish(s, j.session, sig);
  assert.equal(again.status, 404);
});

test('an ECDSA value in DER, as some signers hand it over, is accepted and stored as r||s', async () => {
  const s = await getFormSession(srv.base, '/parbaudit');
  const cert = fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8');
  const j = await (await start(s, { certificate: cert }, [['a.txt', 'a']])).json();
  const der = tokenSign(Buffer.from(j.digest, 'base64'), 'epak-ec', 'ECDSA', 'openssl');
  assert.equal(der[0], 0x30, 'a DER SEQUENCE');
  const r = await finish(s, j.session, der);
  assert.equal(r.status, 200, await r.clone().text());
  const edoc = path.join(work, 'der.edoc');
  fs.writeFileSync(edoc, Buffer.from(await r.arrayBuffer()));
  const rep = JSON.parse(execFileSync(bin, ['verify', '--json', '--offline', '--trust', path.join(pki, 'root.crt'), edoc]).toString());
  assert.match(JSON.stringify(rep), /TOTAL-PASSED/);
});

test('an RSA signer works the same way', async () => {
  const s = await getFormSession(srv.base, '/parbaudit');
  const cert = fs.readFileSync(path.join(pki, 'signer-rsa.crt'), 'utf8');
  const j = await (await start(s, { certificate: cert, profile: 'T' }, [['a.txt', 'a']])).json();
  assert.equal(j.keyType, 'RSA');
  // PKCS#1 v1.5 over a DigestInfo: pkcs11-tool's RSA-PKCS signs the input as given
  const prefix = {
    'SHA2-256': '3031300d060960864801650304020105000420',
    SHA256: '3031300d060960864801650304020105000420',
    'SHA2-384': '3041300d060960864801650304020205000430',
    SHA384: '3041300d060960864801650304020205000430',
    'SHA2-512': '3051300d060960864801650304020305000440',
    SHA512: '3051300d060960864801650304020305000440',
  }[j.digestAlgorithm.toUpperCase()];
  assert.ok(prefix, j.digestAlgorithm);
  const sig = tokenSign(Buffer.concat([Buffer.from(prefix, 'hex'), Buffer.from(j.digest, 'base64')]), 'epak-rsa', 'RSA-PKCS');
  const r2 = await finish(s, j.session, sig);
  assert.equal(r2.status, 200, await r2.clone().text());
  assert.equal(r2.headers.get('content-type'), 'application/vnd.etsi.asic-e+zip');
  // the container handed back verifies: the RSA signer, profile T, the file
  // (T carries no chain nor OCSP answer: verify fetches them, from the test
  // PKI's responder that the certificate names)
  const edoc = path.join(work, 'rsa.edoc');
  fs.writeFileSync(edoc, Buffer.from(await r2.arrayBuffer()));
  const v = spawnSync(bin, ['verify', '--json', '--any-address', '--trust', path.join(pki, 'root.crt'), edoc], { encoding: 'utf8', timeout: 120000 });
  assert.equal(v.status, 0, v.stdout + v.stderr);
  const rep = JSON.parse(v.stdout);
  assert.deepEqual(rep.files, ['a.txt']);
  assert.equal(rep.signatures.length, 1);
  const one = rep.signatures[0];
  assert.equal(one.indication, 'TOTAL-PASSED', JSON.stringify(one));
  assert.equal(one.signer, 'JĀNIS OZOLS');
  assert.equal(one.signer_serial_number, 'PNOLV-020280-54321');
  assert.equal(one.profile, 'T');
  assert.ok(one.timestamp_time, 'time-stamped');
  assert.deepEqual(one.files, ['a.txt']);
  // an RSA signature method in the XML, over the file as sent
  const xml = execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); sys.stdout.write(z.read("META-INF/signatures0.xml").decode() + "\\0" + z.read("a.txt").decode())', edoc]).toString();
  const [sigXml, data] = xml.split('\0');
  assert.match(sigXml, /SignatureMethod Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmldsig-more#rsa-sha(256|384|512)"/);
  assert.equal(data, 'a');
});

test('a wrong signature value is refused and nothing is handed out', async () => {
  const s = await getFormSession(srv.base, '/parbaudit');
  const cert = fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8');
  const j = await (await start(s, { certificate: cert }, [['a.txt', 'a']])).json();
  const sig = tokenSign(Buffer.alloc(j.digest.length ? Buffer.from(j.digest, 'base64').length : 32, 7), 'epak-ec', 'ECDSA');
  const r = await finish(s, j.session, sig);
  assert.equal(r.status, 422);
  const e = await r.json();
  assert.match(e.code, /^EPAK-422/);
});

test('another browser cannot finish someone else\'s signing session', async () => {
  const s = await getFormSession(srv.base, '/parbaudit');
  const cert = fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8');
  const j = await (await start(s, { certificate: cert }, [['a.txt', 'a']])).json();
  const other = await getFormSession(srv.base, '/parbaudit');
  const r = await finish(other, j.session, Buffer.alloc(96, 1));
  assert.equal(r.status, 403);
});

test('bad requests get clear JSON errors', async () => {
  const s = await getFormSession(srv.base, '/parbaudit');
  let r = await start(s, { certificate: 'not a certificate' }, [['a.txt', 'a']]);
  assert.equal(r.status, 422);
  assert.match((await r.json()).detail, /certificate/);
  r = await start(s, { certificate: fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8') }, []);
  assert.equal(r.status, 422);
  assert.match((await r.json()).detail, /file/);
  r = await start(s, { certificate: fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8'), profile: 'X' }, [['a', 'a']]);
  assert.equal(r.status, 422);
  r = await finish(s, 'nope', Buffer.from('x'));
  assert.equal(r.status, 404);
  const noCsrf = await fetch(srv.base + '/api/v1/sign/start', { method: 'POST', body: new FormData() });
  assert.equal(noCsrf.status, 403);
  assert.match(noCsrf.headers.get('content-type'), /json/);
});
