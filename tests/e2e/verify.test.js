// tests/e2e/verify.test.js — "Pārbaudīt parakstītu dokumentu" against a real
// server: containers signed here with `epak sign` and the test PKI
// (tests/sign/pki.sh: OCSP and TSA responders on loopback), a container from
// libdigidocpp, hostile and broken uploads; nothing is kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, getFormSession, bin, root } from '../lib/server.js';

const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const ddoc = path.join(shared, 'testdata/asice/libdigidocpp');
let pki;
let work;
let srv;

function sign(out, files, { cert = 'signer-ec', profile = 'LT' } = {}) {
  const port = fs.readFileSync(path.join(pki, 'port'), 'utf8').trim();
  execFileSync(bin, ['sign', '-o', out, '--p12', path.join(pki, `${cert}.p12`), '--pin-env', 'EPAK_TEST_PIN',
    '--profile', profile, '--tsa', `http://127.0.0.1:${port}/tsa`, '--ocsp', `http://127.0.0.1:${port}/ocsp`, ...files],
  { env: { ...process.env, EPAK_TEST_PIN: 'test-pass' }, stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

async function upload(base, p, bytes, name, { csrf = true } = {}) {
  const s = await getFormSession(base, p);
  const fd = new FormData();
  if (csrf) fd.append('_csrf', s.token);
  if (bytes) fd.append('edoc', new Blob([bytes]), name);
  return fetch(base + p, { method: 'POST', body: fd, headers: { cookie: s.cookie } });
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-verify-'));
  pki = path.join(work, 'pki');
  execFileSync(path.join(root, 'tests/sign/pki.sh'), ['setup', pki, String(process.pid)], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.writeFileSync(path.join(work, 'iesniegums.txt'), 'Lūdzu deklarēt manu dzīvesvietu.\n');
  fs.writeFileSync(path.join(work, 'pielikums.pdf'), '%PDF-1.4\n% demo\n');
  const trust = path.join(work, 'trust.pem');
  fs.writeFileSync(trust, fs.readFileSync(path.join(pki, 'root.crt')));
  // Uploads past 4 KiB go to a temp file in DATA/tmp (the default is 256
  // KiB, more than any container here): so "nothing is kept" below is about
  // files that were really there.
  srv = await startServer({ extra: ['--trust', trust, '--upload-spill', '4k'] });
});

after(async () => {
  await srv?.stop();
  if (pki) execFileSync(path.join(root, 'tests/sign/pki.sh'), ['stop', pki]);
  fs.rmSync(work, { recursive: true, force: true });
});

test('the check page has an upload form with a CSRF token', async () => {
  const s = await getFormSession(srv.base, '/parbaudit');
  assert.match(s.html, /<h1>Pārbaudīt parakstītu dokumentu<\/h1>/);
  assert.match(s.html, /enctype="multipart\/form-data"/);
  assert.ok(s.token);
});

test('a document signed here (LT, P-384) is reported valid, with signer, time and files to download', async () => {
  const edoc = sign(path.join(work, 'ok.edoc'), [path.join(work, 'iesniegums.txt'), path.join(work, 'pielikums.pdf')]);
  assert.ok(fs.statSync(edoc).size > 4096, 'the upload is past the spill size');
  const tmp = path.join(srv.data, 'tmp');
  const created = [];
  const watcher = fs.watch(tmp, (ev, name) => { if (ev === 'rename' && name) created.push(name); });
  let r;
  try {
    r = await upload(srv.base, '/parbaudit', fs.readFileSync(edoc), 'ok.edoc');
    await r.clone().arrayBuffer();
    // inotify events arrive asynchronously: poll for the temp file's event
    for (const deadline = Date.now() + 60000; !created.length && Date.now() < deadline;)
      await new Promise((res) => setTimeout(res, 50));
  } finally {
    watcher.close();
  }
  assert.ok(created.length > 0, 'the upload went through a temp file in DATA/tmp');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('cache-control'), /no-store/);
  const html = await r.text();
  assert.match(html, /Visi paraksti ir derīgi\./);
  assert.match(html, /ANNA BĒRZIŅA/);
  assert.match(html, /TOTAL-PASSED/);
  assert.match(html, /paraksts ar laika zīmogu un sertifikāta derīguma apliecinājumu/);
  const m = html.match(/href="data:application\/octet-stream;base64,([^"]+)" download="iesniegums.txt"/);
  assert.ok(m, 'the signed file is offered for download');
  assert.equal(Buffer.from(m[1], 'base64').toString(), 'Lūdzu deklarēt manu dzīvesvietu.\n');
  assert.doesNotMatch(html, /PNOLV-010190-12345/, 'the personal code is not shown');
  assert.doesNotMatch(srv.log(), /ANNA|PNOLV|iesniegums/, 'nothing personal is logged');
  assert.deepEqual(fs.readdirSync(tmp), [], `nothing is kept (${created.length} events for ${[...new Set(created)]})`);
});

test('the same in English', async () => {
  const edoc = path.join(work, 'ok.edoc');
  const r = await upload(srv.base, '/en/parbaudit', fs.readFileSync(edoc), 'ok.edoc');
  assert.match(await r.text(), /All signatures are valid\./);
});

test('signing refuses a revoked certificate, so no such LT container is made', () => {
  const port = fs.readFileSync(path.join(pki, 'port'), 'utf8').trim();
  const out = path.join(work, 'revoked.edoc');
  const r = spawnSync(bin, ['sign', '-o', out, '--p12', path.join(pki, 'revoked.p12'), '--pin-env', 'EPAK_TEST_PIN',
    '--profile', 'LT', '--tsa', `http://127.0.0.1:${port}/tsa`, '--ocsp', `http://127.0.0.1:${port}/ocsp`,
    path.join(work, 'iesniegums.txt')], { env: { ...process.env, EPAK_TEST_PIN: 'test-pass' }, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^epak sign: the signing certificate is revoked$/m);
  assert.ok(!fs.existsSync(out), 'no container is left behind');
});

test('a basic signature by a revoked certificate is TOTAL-FAILED/REVOKED', () => {
  // B (no OCSP at signing time) can be made with the revoked certificate;
  // `epak verify` fetches the intermediate and asks the OCSP responder the
  // certificate names (the server would not: they are on loopback, see
  // sign-ssrf.test.js), and must find it revoked.
  const edoc = sign(path.join(work, 'revoked-b.edoc'), [path.join(work, 'iesniegums.txt')], { cert: 'revoked', profile: 'B' });
  const r = spawnSync(bin, ['verify', '--json', '--any-address', '--trust', path.join(pki, 'root.crt'), edoc], { encoding: 'utf8', timeout: 120000 });
  assert.ok(r.stdout, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(r.status, 1);
  assert.equal(rep.signatures.length, 1);
  assert.deepEqual([rep.signatures[0].indication, rep.signatures[0].subindication], ['TOTAL-FAILED', 'REVOKED']);
});

test('epak verify online contacts only public addresses unless --any-address', () => {
  // The certificate names a responder and a CA on loopback: a container a
  // stranger sent could name any internal address the same way. Without
  // --any-address nothing is fetched and the verdict says why; with it the
  // same container is found revoked (the test above).
  const edoc = path.join(work, 'revoked-b.edoc');
  if (!fs.existsSync(edoc)) sign(edoc, [path.join(work, 'iesniegums.txt')], { cert: 'revoked', profile: 'B' });
  const logFile = path.join(pki, 'responder.log');
  const before = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const r = spawnSync(bin, ['verify', '--json', '--trust', path.join(pki, 'root.crt'), edoc], { encoding: 'utf8', timeout: 120000 });
  assert.ok(r.stdout, r.stderr);
  const sig = JSON.parse(r.stdout).signatures[0];
  assert.equal(r.status, 2, r.stdout);
  assert.equal(sig.indication, 'INDETERMINATE');
  assert.match(JSON.stringify(sig.warnings), /internal address, not fetched/);
  if (fs.existsSync(logFile)) assert.equal(fs.statSync(logFile).size, before, 'the responder was not asked');
});

test('a basic (B) signature without time-stamp or revocation proof is not confirmed, and says why', async () => {
  const edoc = sign(path.join(work, 'b.edoc'), [path.join(work, 'iesniegums.txt')], { profile: 'B' });
  const html = await (await upload(srv.base, '/parbaudit', fs.readFileSync(edoc), 'b.edoc')).text();
  assert.match(html, /Parakstu neizdevās pilnībā apstiprināt\.|Paraksts nav derīgs\./);
  assert.match(html, /pamata paraksts bez laika zīmoga/);
  assert.match(html, /<dt>Kāpēc<\/dt><dd>[^<]+<\/dd>/);
});

test('a changed file inside the container is caught', async () => {
  // Rewrite the container with one data file altered, everything else as is.
  const bad = path.join(work, 'changed.edoc');
  execFileSync('python3', ['-c', `
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, 'w') as zo:
    for info in zi.infolist():
        data = zi.read(info.filename)
        if info.filename == 'iesniegums.txt':
            data = data.replace('dzīvesvietu'.encode(), 'darbavietu'.encode())
        zo.writestr(info, data)
`, path.join(work, 'ok.edoc'), bad]);
  const html = await (await upload(srv.base, '/parbaudit', fs.readFileSync(bad), 'changed.edoc')).text();
  assert.match(html, /Paraksts nav derīgs\./);
  assert.match(html, /HASH_FAILURE/);
  assert.match(html, /Parakstīts fails vai parakstītās ziņas pēc parakstīšanas ir mainītas\./);
});

test('a container from another implementation is read; without its CA it is not confirmed', async () => {
  const html = await (await upload(srv.base, '/parbaudit', fs.readFileSync(path.join(ddoc, 'test.asice')), 'test.asice')).text();
  assert.match(html, /Parakstu neizdevās pilnībā apstiprināt\./);
  assert.match(html, /NO_CERTIFICATE_CHAIN_FOUND/);
  assert.match(html, /test1\.txt/);
});

test('hostile and broken uploads are refused with a clear message', async () => {
  const unsigned = await upload(srv.base, '/parbaudit', fs.readFileSync(path.join(ddoc, 'asice-path.asice')), 'p.asice');
  assert.equal(unsigned.status, 200, 'folders inside a container are allowed');
  assert.match(await unsigned.text(), /Dokumentā nav parakstu\./);
  for (const f of ['asice-relative.asice', 'dot.asice', 'pt-empty.asice']) {
    const r = await upload(srv.base, '/parbaudit', fs.readFileSync(path.join(ddoc, f)), f);
    assert.equal(r.status, 422, f);
    assert.match(await r.text(), /Tas nav derīgs parakstīts dokuments/);
  }
  const garbage = await upload(srv.base, '/parbaudit', Buffer.from('this is not a zip file at all'), 'x.edoc');
  assert.equal(garbage.status, 422);
  const none = await upload(srv.base, '/parbaudit', null, null);
  assert.equal(none.status, 422);
  assert.match(await none.text(), /Lūdzu, izvēlieties parakstītu dokumentu/);
  assert.equal((await fetch(srv.base + '/')).status, 200, 'the server keeps serving');
});

test('an upload without the CSRF token is refused', async () => {
  const r = await upload(srv.base, '/parbaudit', fs.readFileSync(path.join(work, 'ok.edoc')), 'ok.edoc', { csrf: false });
  assert.equal(r.status, 403);
});
