// tests/e2e/sign-oracles.test.js — epak's signatures judged by code no one
// here wrote (issue 4, "tests against implementations no one here wrote"):
//
// 1. Containers made by `epak sign` (profiles B, T, LT; P-384 and RSA; one
//    and several files; a UTF-8 name; a file in a subfolder; two parallel
//    signatures) are verified whole by the npm package edockit, the Latvian
//    .edoc reader. What edockit judges: the ZIP, every data file's digest, the
//    ds:SignatureValue over its own canonicalization of ds:SignedInfo (C14N
//    1.1 here), the signing certificate's validity period (at the time-stamp's
//    time when there is one), revocation by asking the certificate's OCSP
//    responder itself (our loopback responder), and that the time-stamp's
//    message imprint covers the canonical ds:SignatureValue. What it cannot
//    judge, read in its source (edockit 0.3.0, dist/index.esm.js):
//      - trust: it takes no trust anchors and builds no chain, so a signer
//        certificate from nowhere is VALID to it (shown below). There is no
//        way to feed it our test root; this test checks the chain of the
//        certificate edockit extracted with node:crypto instead.
//      - xades:SignedProperties: the reference to them is skipped, so a
//        changed SigningTime or SigningCertificateV2 goes unnoticed (shown
//        below; epak and xmlsec1 catch it).
//      - the embedded evidence of B-LT: it neither reads our OCSPValues nor
//        checks the signature of any OCSP response (it trusts the answer of
//        the responder named in the certificate), and it does not check the
//        time-stamp token's CMS signature or the TSA's chain, only its imprint
//        and the TSA certificate's dates; a wrong imprint is not even a failure.
//      - the container's rules: mimetype, manifest, files no signature covers.
// 2. A signature made by the npm package xadesjs (XAdES-BES, which with
//    SigningTime, SigningCertificateV2 and DataObjectFormat/MimeType is
//    Baseline-B) is put into an ASiC-E container built here and must be
//    TOTAL-PASSED in `epak verify`. xadesjs knows C14N 1.0 and exclusive C14N
//    but not C14N 1.1, so it cannot check epak's own signatures in return.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { webcrypto, createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEdoc, verifySignature } from 'edockit';
import * as xadesjs from 'xadesjs';
import * as xmldom from '@xmldom/xmldom';
import xpath from 'xpath';
import { bin, root } from '../lib/server.js';

xadesjs.Application.setEngine('NodeJS', webcrypto);
xadesjs.setNodeDependencies({
  XMLSerializer: xmldom.XMLSerializer, DOMParser: xmldom.DOMParser, DOMImplementation: xmldom.DOMImplementation, xpath,
});

const pkish = path.join(root, 'tests/sign/pki.sh');
let pki;
let work;
let port;
const W = (...p) => path.join(work, ...p);

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-oracles-'));
  pki = W('pki');
  execFileSync(pkish, ['setup', pki, String(process.pid)], { stdio: ['ignore', 'ignore', 'inherit'] });
  port = fs.readFileSync(path.join(pki, 'port'), 'utf8').trim();
  fs.writeFileSync(W('iesniegums.txt'), 'Lūdzu deklarēt manu dzīvesvietu.\n');
  fs.writeFileSync(W('pielikums.pdf'), '%PDF-1.4\n% demo\n');
  fs.writeFileSync(W('Līgums par īri (2024).txt'), 'Īrnieks apņemas maksāt īri līdz mēneša 5. datumam.\n');
});

after(() => {
  if (pki) execFileSync(pkish, ['stop', pki]);
  fs.rmSync(work, { recursive: true, force: true });
});

// ---- epak

function sign(out, files, { cert = 'signer-ec', profile = 'LT', add = false } = {}) {
  execFileSync(bin, ['sign', '-o', out, ...(add ? ['--add'] : []), '--p12', path.join(pki, `${cert}.p12`),
    '--pin-env', 'EPAK_TEST_PIN', '--profile', profile, '--tsa', `http://127.0.0.1:${port}/tsa`,
    '--ocsp', `http://127.0.0.1:${port}/ocsp`, ...files],
  { env: { ...process.env, EPAK_TEST_PIN: 'test-pass' }, stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

// `epak verify --json`, online (the loopback responders), trusting our root.
function epakVerify(file, { trust = ['root.crt'], extra = [] } = {}) {
  const args = ['verify', '--json', '--any-address', ...trust.flatMap((t) => ['--trust', path.join(pki, t)]), ...extra, file];
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 60000 });
  assert.ok(r.stdout, `epak verify printed nothing: ${r.stderr}`);
  return { status: r.status, ...JSON.parse(r.stdout) };
}

// ---- edockit

async function edockit(file) {
  const c = parseEdoc(new Uint8Array(fs.readFileSync(file)));
  const results = [];
  for (const s of c.signatures) results.push(await verifySignature(s, c.files, { checkRevocation: true }));
  return { c, results };
}

function assertEdockitValid(r, sig, files, what) {
  assert.equal(r.status, 'VALID', `${what}: ${r.statusMessage} ${JSON.stringify(r.errors)}`);
  assert.equal(r.isValid, true, what);
  assert.equal(r.signature.isValid, true, `${what}: signature value`);
  assert.equal(r.checksums.isValid, true, `${what}: data digests`);
  assert.deepEqual(Object.keys(r.checksums.details).sort(), [...files].sort(), `${what}: covered files`);
  for (const [n, d] of Object.entries(r.checksums.details)) assert.ok(d.fileFound && d.matches, `${what}: ${n}`);
  assert.equal(r.certificate.isValid, true, `${what}: certificate dates`);
  assert.equal(r.certificate.revocation.status, 'good', `${what}: OCSP`);
  assert.equal(r.certificate.revocation.method, 'ocsp', what);
  assert.deepEqual([...sig.references].sort(), [...files].sort(), `${what}: references`);
}

// The chain edockit does not check: the certificate it extracted, by our
// intermediate, by our root (node:crypto, i.e. OpenSSL).
function assertChainsToRoot(certificatePEM) {
  const leaf = new X509Certificate(certificatePEM);
  const inter = new X509Certificate(fs.readFileSync(path.join(pki, 'inter.crt')));
  const rootc = new X509Certificate(fs.readFileSync(path.join(pki, 'root.crt')));
  assert.ok(leaf.checkIssued(inter) && leaf.verify(inter.publicKey), 'signer issued by the test intermediate');
  assert.ok(inter.checkIssued(rootc) && inter.verify(rootc.publicKey), 'intermediate issued by the test root');
}

// ---- a small ZIP writer (stored entries, UTF-8 names) and container helpers

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(b) {
  let c = -1;
  for (const x of b) c = CRC[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

// entries: [name, bytes] in order; every entry stored, flag 11 (UTF-8) set.
function zip(entries) {
  const parts = [];
  const central = [];
  let off = 0;
  for (const [name, body] of entries) {
    const data = Buffer.from(body);
    const n = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x0800, 6);
    lh.writeUInt16LE(0x0021, 12); // 1980-01-01
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(n.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(0x0314, 4); // made on Unix
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x0800, 8);
    ch.writeUInt16LE(0x0021, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    ch.writeUInt32LE(off, 42);
    parts.push(lh, n, data);
    central.push(ch, n);
    off += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(off, 16);
  return Buffer.concat([...parts, cd, end]);
}

const xmlEsc = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

// An ASiC-E container: mimetype first and stored, the manifest, the data
// files, then the signature files.
function asice(files, sigs = {}) {
  const manifest = '<?xml version="1.0" encoding="UTF-8"?>\n'
    + '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">\n'
    + ' <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.etsi.asic-e+zip"/>\n'
    + Object.keys(files).map((n) => ` <manifest:file-entry manifest:full-path="${xmlEsc(n)}" manifest:media-type="${
      n.endsWith('.pdf') ? 'application/pdf' : 'text/plain'}"/>\n`).join('')
    + '</manifest:manifest>\n';
  return zip([['mimetype', 'application/vnd.etsi.asic-e+zip'], ['META-INF/manifest.xml', manifest],
    ...Object.entries(files), ...Object.entries(sigs)]);
}

// Copy a container entry by entry (read with edockit's unzip), with change(name, bytes) → bytes.
function rewrite(src, dst, change) {
  const { files } = parseEdoc(new Uint8Array(fs.readFileSync(src)));
  const names = ['mimetype', ...[...files.keys()].filter((n) => n !== 'mimetype')];
  fs.writeFileSync(dst, zip(names.map((n) => [n, change(n, Buffer.from(files.get(n))) ?? files.get(n)])));
  return dst;
}

// ---- epak sign → edockit

test('edockit: epak LT containers (P-384 with two files; RSA with a UTF-8 name) are VALID, right signer and files', async () => {
  const cases = [
    { cert: 'signer-ec', files: ['iesniegums.txt', 'pielikums.pdf'], cn: 'ANNA BĒRZIŅA', code: '010190-12345', out: 'lt-ec.edoc' },
    { cert: 'signer-rsa', files: ['Līgums par īri (2024).txt'], cn: 'JĀNIS OZOLS', code: '020280-54321', out: 'lt-rsa.edoc' },
  ];
  for (const k of cases) {
    const edoc = sign(W(k.out), k.files.map((f) => W(f)), { cert: k.cert });
    const { c, results } = await edockit(edoc);
    assert.deepEqual(c.documentFileList.sort(), [...k.files].sort());
    assert.deepEqual(c.signedFileList.sort(), [...k.files].sort());
    assert.equal(results.length, 1);
    const [s] = c.signatures;
    const [r] = results;
    assertEdockitValid(r, s, k.files, k.out);
    assert.equal(s.signerInfo.commonName, k.cn);
    assert.equal(s.signerInfo.serialNumber, k.code, 'edockit shows the personal code without PNOLV-');
    assert.equal(s.signerInfo.issuer.commonName, 'epak Test Qualified CA');
    assert.match(s.algorithm, k.cert === 'signer-ec' ? /#ecdsa-sha256$/ : /#rsa-sha256$/);
    assert.equal(s.canonicalizationMethod, 'http://www.w3.org/2006/12/xml-c14n11');
    assert.equal(s.certificateChain.length, 1, 'the intermediate from CertificateValues');
    // the time-stamp: parsed, its imprint recomputed by edockit over its own
    // canonical ds:SignatureValue (inherited namespaces included)
    assert.equal(r.timestamp.isValid, true);
    assert.equal(r.timestamp.coversSignature, true, 'time-stamp imprint over the canonical SignatureValue');
    assert.match(r.timestamp.info.tsaName, /CN=epak Test TSA/);
    // the same container in epak: the same signer, time, files
    const e = epakVerify(edoc);
    assert.equal(e.status, 0);
    assert.equal(e.signatures[0].indication, 'TOTAL-PASSED');
    assert.equal(e.signatures[0].profile, 'LT');
    assert.equal(e.signatures[0].signer, k.cn);
    assert.equal(e.signatures[0].signer_serial_number, `PNOLV-${k.code}`);
    assert.deepEqual(e.signatures[0].files.sort(), [...k.files].sort());
    assert.equal(s.signingTime.toISOString().replace('.000Z', 'Z'), e.signatures[0].claimed_signing_time);
    assert.equal(r.timestamp.info.genTime.toISOString().replace('.000Z', 'Z'), e.signatures[0].timestamp_time);
    assertChainsToRoot(s.certificatePEM);
  }
});

test('edockit: epak B (P-384) and T (RSA) containers are VALID', async () => {
  const b = sign(W('b.edoc'), [W('iesniegums.txt')], { profile: 'B' });
  const t = sign(W('t.edoc'), [W('pielikums.pdf')], { cert: 'signer-rsa', profile: 'T' });
  const rb = await edockit(b);
  assertEdockitValid(rb.results[0], rb.c.signatures[0], ['iesniegums.txt'], 'B');
  assert.equal(rb.results[0].timestamp, undefined, 'B has no time-stamp');
  assert.equal(rb.c.signatures[0].certificateChain, undefined, 'B carries no CA certificates');
  const rt = await edockit(t);
  assertEdockitValid(rt.results[0], rt.c.signatures[0], ['pielikums.pdf'], 'T');
  assert.equal(rt.results[0].timestamp.coversSignature, true);
  assert.equal(rt.c.signatures[0].signerInfo.commonName, 'JĀNIS OZOLS');
  assert.deepEqual([epakVerify(b).signatures[0].profile, epakVerify(t).signatures[0].profile], ['B', 'T']);
});

test('edockit: a container with a file in a subfolder, signed twice in parallel with epak sign --add', async () => {
  // the unsigned container is built here; epak adds both signatures
  const files = { 'iesniegums.txt': fs.readFileSync(W('iesniegums.txt')), 'pielikumi/izziņa par īri.txt': 'Izziņa.\n' };
  fs.writeFileSync(W('unsigned.edoc'), asice(files));
  const edoc = W('folder.edoc');
  sign(edoc, [W('unsigned.edoc')], { add: true });
  sign(edoc, [edoc], { add: true, cert: 'signer-rsa', profile: 'B' });
  const { c, results } = await edockit(edoc);
  const names = Object.keys(files);
  assert.deepEqual(c.documentFileList.sort(), [...names].sort());
  assert.equal(results.length, 2);
  results.forEach((r, i) => assertEdockitValid(r, c.signatures[i], names, `signature ${i}`));
  assert.deepEqual(c.signatures.map((s) => s.signerInfo.commonName).sort(), ['ANNA BĒRZIŅA', 'JĀNIS OZOLS']);
  const e = epakVerify(edoc);
  assert.equal(e.status, 0);
  assert.deepEqual(e.signatures.map((s) => [s.indication, s.profile]), [['TOTAL-PASSED', 'LT'], ['TOTAL-PASSED', 'B']]);
  assert.deepEqual(e.signatures[0].files.sort(), [...names].sort());
});

test('edockit and epak agree on what is broken: a changed file, a changed signature value, a revoked signer', async () => {
  const ok = W('lt-ec.edoc');
  assert.ok(fs.existsSync(ok));
  const changed = rewrite(ok, W('changed.edoc'), (n, b) => (n === 'pielikums.pdf' ? Buffer.from('%PDF-1.4\n% demo!\n') : null));
  const badsig = rewrite(ok, W('badsig.edoc'), (n, b) => {
    if (!n.startsWith('META-INF/signatures')) return null;
    return Buffer.from(b.toString().replace(/(<ds:SignatureValue[^>]*>)([^<]+)/, (_, open, v) => {
      const raw = Buffer.from(v, 'base64');
      raw[10] ^= 0x01;
      return open + raw.toString('base64');
    }));
  });
  const revoked = sign(W('revoked-b.edoc'), [W('iesniegums.txt')], { cert: 'revoked', profile: 'B' });

  let r = (await edockit(changed)).results[0];
  assert.equal(r.status, 'INVALID');
  assert.equal(r.statusMessage, 'File integrity check failed');
  assert.equal(r.checksums.details['pielikums.pdf'].matches, false);
  assert.equal(r.checksums.details['iesniegums.txt'].matches, true);
  let e = epakVerify(changed);
  assert.deepEqual([e.status, e.signatures[0].indication, e.signatures[0].subindication], [1, 'TOTAL-FAILED', 'HASH_FAILURE']);

  r = (await edockit(badsig)).results[0];
  assert.equal(r.status, 'INVALID');
  assert.equal(r.signature.isValid, false);
  assert.equal(r.checksums.isValid, true);
  assert.equal(r.timestamp.coversSignature, false, 'the time-stamp no longer covers the signature value');
  e = epakVerify(badsig);
  assert.deepEqual([e.status, e.signatures[0].indication, e.signatures[0].subindication], [1, 'TOTAL-FAILED', 'SIG_CRYPTO_FAILURE']);

  r = (await edockit(revoked)).results[0];
  assert.equal(r.status, 'INVALID');
  assert.equal(r.statusMessage, 'Certificate has been revoked');
  assert.equal(r.certificate.revocation.status, 'revoked');
  e = epakVerify(revoked);
  assert.deepEqual([e.status, e.signatures[0].indication, e.signatures[0].subindication], [1, 'TOTAL-FAILED', 'REVOKED']);
});

test('what edockit cannot judge: trust, and the signed properties (epak does)', async () => {
  // a signer certificate from nowhere: self-made, no chain to our root
  const k = W('nobody.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-days', '30',
    '-subj', '/C=LV/serialNumber=PNOLV-999999-99999/CN=NEVIENS', '-addext', 'keyUsage=critical,nonRepudiation',
    '-keyout', k, '-out', W('nobody.crt')], { stdio: 'ignore' });
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', k, '-in', W('nobody.crt'), '-passout', 'pass:test-pass',
    '-out', path.join(pki, 'nobody.p12')]);
  const nobody = sign(W('nobody.edoc'), [W('iesniegums.txt')], { cert: 'nobody', profile: 'B' });
  const r = (await edockit(nobody)).results[0];
  assert.equal(r.status, 'VALID', 'edockit has no trust anchors: a self-made signer passes');
  assert.equal(r.certificate.revocation.status, 'unknown', 'no OCSP address: a soft failure to edockit');
  const e = epakVerify(nobody);
  assert.deepEqual([e.status, e.signatures[0].indication, e.signatures[0].subindication],
    [2, 'INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND']);

  // the signed media type of the file changed inside SignedProperties (a
  // changed SigningTime is noticed by edockit only when it moves the
  // certificate's validity check out of its dates)
  const moved = rewrite(W('b.edoc'), W('moved.edoc'), (n, b) => (n.startsWith('META-INF/signatures')
    ? Buffer.from(b.toString().replace('<xades:MimeType>text/plain<', '<xades:MimeType>text/html<'))
    : null));
  assert.notDeepEqual(fs.readFileSync(moved), fs.readFileSync(W('b.edoc')));
  const rm = (await edockit(moved)).results[0];
  assert.equal(rm.status, 'VALID', 'edockit skips the SignedProperties reference (if this fails, it learned to check it)');
  const em = epakVerify(moved);
  assert.deepEqual([em.status, em.signatures[0].indication, em.signatures[0].subindication], [1, 'TOTAL-FAILED', 'HASH_FAILURE']);
});

// ---- xadesjs → epak

// A detached XAdES signature over `files` by xadesjs, as the only child of an
// asic:XAdESSignatures root declaring `rootNs`. The root is given to xadesjs
// as the signature's Parent, so that the namespaces the signature inherits
// there are in its canonical SignedInfo and SignedProperties (inclusive
// C14N), as they are for any verifier that reads the finished file.
async function xadesSign(files, { cert = 'signer-ec', c14n = null, rootNs = ['asic', 'ds', 'xades'] } = {}) {
  const ns = { asic: 'http://uri.etsi.org/02918/v1.2.1#', ds: 'http://www.w3.org/2000/09/xmldsig#', xades: 'http://uri.etsi.org/01903/v1.3.2#' };
  const alg = cert === 'signer-ec' ? { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-256' }
    : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const der = createPrivateKey(fs.readFileSync(path.join(pki, `${cert}.p8`))).export({ type: 'pkcs8', format: 'der' });
  const key = await webcrypto.subtle.importKey('pkcs8', der, alg, false, ['sign']);
  const certB64 = new X509Certificate(fs.readFileSync(path.join(pki, `${cert}.crt`))).raw.toString('base64');

  const doc = xadesjs.Parse(`<asic:XAdESSignatures ${rootNs.map((p) => `xmlns:${p}="${ns[p]}"`).join(' ')}/>`);
  const sx = new xadesjs.SignedXml();
  sx.Parent = doc.documentElement;
  if (c14n) sx.XmlSignature.SignedInfo.CanonicalizationMethod.Algorithm = c14n;
  // data files are detached references: their bytes come from here
  const byUri = new Map(Object.entries(files).map(([n, b]) => [n.split('/').map(encodeURIComponent).join('/'), b]));
  sx.contentHandler = async (ref) => byUri.get(ref.Uri) ?? null;
  const names = Object.keys(files);
  names.forEach((n, i) => {
    const f = new xadesjs.xml.DataObjectFormat();
    f.ObjectReference = `#r-${i}`;
    f.MimeType = n.endsWith('.pdf') ? 'application/pdf' : 'text/plain';
    sx.SignedProperties.SignedDataObjectProperties.DataObjectFormats.Add(f);
  });
  // no `id` option: xadesjs names the QualifyingProperties' Target when the
  // object is made, so an Id given to Sign() would leave Target pointing elsewhere
  await sx.Sign(alg, key, new Uint8Array(0), {
    references: [...byUri.keys()].map((uri, i) => ({ id: `r-${i}`, uri, hash: 'SHA-256' })),
    x509: [certB64],
    signingCertificateV2: certB64,
  });
  doc.documentElement.appendChild(sx.GetXml());
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new xmldom.XMLSerializer().serializeToString(doc);
}

test('xadesjs: its Baseline-B signature (P-384, C14N 1.0, SigningCertificateV2) is TOTAL-PASSED in epak', async () => {
  const files = { 'iesniegums.txt': fs.readFileSync(W('iesniegums.txt')), 'Līgums par īri (2024).txt': fs.readFileSync(W('Līgums par īri (2024).txt')) };
  const xml = await xadesSign(files);
  // what xadesjs wrote is what we claim it wrote
  assert.match(xml, /<ds:CanonicalizationMethod Algorithm="http:\/\/www\.w3\.org\/TR\/2001\/REC-xml-c14n-20010315"\/>/);
  assert.match(xml, /Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmldsig-more#ecdsa-sha256"/);
  assert.match(xml, /<xades:SigningCertificateV2><xades:Cert><xades:CertDigest>/);
  assert.doesNotMatch(xml, /<xades:SigningCertificate>/);
  assert.match(xml, /URI="L%C4%ABgums%20par%20%C4%ABri%20\(2024\)\.txt"/);
  assert.match(xml, /<xades:DataObjectFormat ObjectReference="#r-1"><xades:MimeType>text\/plain</);
  const edoc = W('xadesjs-ec.edoc');
  fs.writeFileSync(edoc, asice(files, { 'META-INF/signatures0.xml': xml }));

  const e = epakVerify(edoc);
  const s = e.signatures[0];
  assert.equal(e.status, 0, JSON.stringify(e));
  assert.deepEqual([s.indication, s.subindication, s.profile], ['TOTAL-PASSED', null, 'B']);
  assert.match(s.id, /^id-[0-9a-f]{12}$/);
  assert.equal(s.signer, 'ANNA BĒRZIŅA');
  assert.equal(s.signer_serial_number, 'PNOLV-010190-12345');
  assert.deepEqual(s.files.sort(), Object.keys(files).sort());
  // xadesjs writes milliseconds; epak reports whole seconds
  const st = xml.match(/<xades:SigningTime>([^<]+)</)[1];
  assert.match(st, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(s.claimed_signing_time, st.replace(/\.\d+Z$/, 'Z'));
  // B carries no evidence: the intermediate and the OCSP answer were fetched
  assert.ok(s.warnings.some((w) => /revocation status fetched online/.test(w)), JSON.stringify(s.warnings));
  // offline, with the intermediate trusted too, there is nothing to prove the
  // certificate was not revoked
  const off = epakVerify(edoc, { trust: ['root.crt', 'inter.crt'], extra: ['--offline'] }).signatures[0];
  assert.deepEqual([off.indication, off.subindication], ['INDETERMINATE', 'TRY_LATER']);

  // edockit agrees (two outside implementations)
  const { c, results } = await edockit(edoc);
  assertEdockitValid(results[0], c.signatures[0], Object.keys(files), 'xadesjs in edockit');

  // and epak still says no where it must
  const changed = rewrite(edoc, W('xadesjs-changed.edoc'), (n) => (n === 'iesniegums.txt' ? Buffer.from('Cits teksts.\n') : null));
  const ec = epakVerify(changed).signatures[0];
  assert.deepEqual([ec.indication, ec.subindication], ['TOTAL-FAILED', 'HASH_FAILURE']);
  const other = epakVerify(edoc, { trust: ['other-root.crt'] }).signatures[0];
  assert.deepEqual([other.indication, other.subindication], ['INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND']);
});

test('xadesjs: RSA, exclusive C14N, a file in a subfolder, a root declaring only asic: TOTAL-PASSED in epak', async () => {
  const files = { 'pielikumi/izziņa.pdf': fs.readFileSync(W('pielikums.pdf')) };
  const xml = await xadesSign(files, { cert: 'signer-rsa', c14n: 'http://www.w3.org/2001/10/xml-exc-c14n#', rootNs: ['asic'] });
  assert.match(xml, /Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmldsig-more#rsa-sha256"/);
  assert.match(xml, /<ds:CanonicalizationMethod Algorithm="http:\/\/www\.w3\.org\/2001\/10\/xml-exc-c14n#"\/>/);
  assert.match(xml, /URI="pielikumi\/izzi%C5%86a\.pdf"/);
  const edoc = W('xadesjs-rsa.edoc');
  fs.writeFileSync(edoc, asice(files, { 'META-INF/signatures0.xml': xml }));
  const e = epakVerify(edoc);
  const s = e.signatures[0];
  assert.equal(e.status, 0, JSON.stringify(e));
  assert.deepEqual([s.indication, s.profile, s.signer], ['TOTAL-PASSED', 'B', 'JĀNIS OZOLS']);
  assert.deepEqual(s.files, ['pielikumi/izziņa.pdf']);
});
