// tests/e2e/verify-budget.test.js — issue 8: a hostile container (many fake
// ds:Signature elements over one large, highly compressible data file,
// tests/sign/hostile_edoc.py) is judged in the worker pool within the
// verify-* budgets while the event loop keeps serving others (one loop
// thread: --threads 1); and a document whose signer does not chain to a
// trust anchor is checked as INDETERMINATE but never sent, on both send
// paths (/nosutit and /parakstit/nosutit).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getFormSession, bin, root } from '../lib/server.js';
import { startSigningPortal } from '../lib/signing.js';

let work;
let portal;
let srv;
let mailDir;
let hostile;
let self;

const mailCount = () => fs.readdirSync(mailDir).filter((x) => x.endsWith('.json')).length;

function upload(s, p, bytes, name, fields = {}) {
  const fd = new FormData();
  fd.append('_csrf', s.token);
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  fd.append('edoc', new Blob([bytes]), name);
  return fetch(srv.base + p, { method: 'POST', body: fd, headers: { cookie: s.cookie }, redirect: 'manual' });
}

function form(s, url, fields) {
  return fetch(srv.base + url, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.token, ...fields }).toString(),
  });
}

// Posts the hostile container to p and, until the answer comes, times
// GET / on the same (only) loop thread. Returns the answer and the slowest GET.
async function judgedWhileServing(p, fields) {
  const s = await getFormSession(srv.base, p);
  await (await fetch(srv.base + '/')).text();
  let answered = false;
  const post = upload(s, p, hostile, 'liels.edoc', fields).then(async (r) => {
    const body = await r.text();
    answered = true;
    return { status: r.status, body };
  });
  const waits = [];
  while (!answered) {
    const t0 = performance.now();
    const g = await fetch(srv.base + '/');
    await g.text();
    assert.equal(g.status, 200);
    waits.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ...(await post), slowest: Math.max(...waits), gets: waits.length };
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-verify-budget-'));
  portal = await startSigningPortal(work, { extra: ['--threads', '1'] });
  ({ srv, mailDir } = portal);
  // 100 fake signatures over one 48 MiB file (0.65 MB upload, under the
  // 64M unpacked limit): before, 100 hashes of 48 MiB on the loop thread
  const h = path.join(work, 'hostile.edoc');
  execFileSync('python3', [path.join(root, 'tests/sign/hostile_edoc.py'), h, '48', '100']);
  hostile = fs.readFileSync(h);
  // a signer that chains to nothing: self-signed, fit for signatures
  self = path.join(work, 'self');
  fs.mkdirSync(self);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', path.join(self, 'key.pem'), '-out', path.join(self, 'cert.pem'), '-days', '30',
    '-subj', '/C=LV/CN=PAŠA PARAKSTĪTS/serialNumber=PNOLV-010101-11111', '-utf8',
    '-addext', 'keyUsage=critical,nonRepudiation'], { stdio: 'ignore' });
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', path.join(self, 'key.pem'), '-in', path.join(self, 'cert.pem'),
    '-out', path.join(self, 'self.p12'), '-passout', 'pass:test-pass'], { stdio: 'ignore' });
  fs.writeFileSync(path.join(work, 'iesniegums.txt'), 'Lūdzu izsniegt izziņu.\n');
  execFileSync(bin, ['sign', '-o', path.join(self, 'self.edoc'), '--p12', path.join(self, 'self.p12'), '--pin-env', 'PIN',
    '--profile', 'B', path.join(work, 'iesniegums.txt')], { env: { ...process.env, PIN: 'test-pass' } });
});

after(async () => {
  await portal?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('a hostile container is judged off the loop, within the budgets, with a clear answer', async () => {
  const r = await judgedWhileServing('/parbaudit');
  assert.ok(r.slowest < 500, `GET / waited ${Math.round(r.slowest)} ms during the check (${r.gets} requests)`);
  assert.equal(r.status, 200);
  assert.match(r.body, /Paraksts nav derīgs\./);
  assert.match(r.body, /Dokumentā ir vairāk parakstu, nekā šis portāls pārbauda/);
  // 50 signatures judged, one result for the rest; the data file hashed once
  assert.equal((r.body.match(/<code>TOTAL-FAILED\/HASH_FAILURE<\/code>/g) || []).length, 50);
  assert.equal((r.body.match(/<code>INDETERMINATE\/GENERIC<\/code>/g) || []).length, 1);
  assert.match(r.body, /<h3>Paraksts 51 un tālākie: nav pārbaudīti<\/h3>/, 'the rest are named for what they are, not "?"');
  assert.match(srv.log(), /signature check: checked, 51 signatures, 5\d{7} bytes hashed/);
});

test('a hostile container sent to an institution is refused while the loop serves others', async () => {
  const before_ = mailCount();
  const r = await judgedWhileServing('/nosutit', { iestade: 'vid' });
  assert.ok(r.slowest < 500, `GET / waited ${Math.round(r.slowest)} ms during the check (${r.gets} requests)`);
  assert.equal(r.status, 422);
  assert.match(r.body, /Dokumenta paraksts nav derīgs, tāpēc tas netika nosūtīts/);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(mailCount(), before_);
});

test('a container that unpacks beyond verify-max-unpacked is refused as too large', async () => {
  const big = path.join(work, 'big.edoc');
  execFileSync('python3', [path.join(root, 'tests/sign/hostile_edoc.py'), big, '80', '1']);
  const s = await getFormSession(srv.base, '/parbaudit');
  const r = await upload(s, '/parbaudit', fs.readFileSync(big), 'big.edoc');
  assert.equal(r.status, 422);
  assert.match(await r.text(), /Šis dokuments ir pārāk liels, lai to šeit pārbaudītu/);
  const en = await getFormSession(srv.base, '/en/parbaudit');
  const e = await fetch(srv.base + '/en/parbaudit', {
    method: 'POST', headers: { cookie: en.cookie },
    body: (() => { const fd = new FormData(); fd.append('_csrf', en.token); fd.append('edoc', new Blob([fs.readFileSync(big)]), 'big.edoc'); return fd; })(),
  });
  assert.equal(e.status, 422);
  assert.match(await e.text(), /This document is too large to be checked here/);
});

test('a self-signed document is reported INDETERMINATE, and /nosutit refuses it beside the file field', async () => {
  const doc = fs.readFileSync(path.join(self, 'self.edoc'));
  const v = await upload(await getFormSession(srv.base, '/parbaudit'), '/parbaudit', doc, 'self.edoc');
  assert.equal(v.status, 200);
  const report = await v.text();
  assert.match(report, /Parakstu neizdevās pilnībā apstiprināt\./);
  assert.match(report, /NO_CERTIFICATE_CHAIN_FOUND/);

  const before_ = mailCount();
  const r = await upload(await getFormSession(srv.base, '/nosutit'), '/nosutit', doc, 'self.edoc', { iestade: 'vid' });
  assert.equal(r.status, 422);
  const html = await r.text();
  assert.match(html, /id="edoc-error">Parakstītāja sertifikātu nav izdevis sertifikācijas pakalpojumu sniedzējs, kuram šis portāls uzticas, tāpēc dokuments netika nosūtīts/,
    'the message stands beside the file field');
  assert.match(html, /href="#edoc"/, 'the error summary points at the file field');
  const en = await upload(await getFormSession(srv.base, '/en/nosutit'), '/en/nosutit', doc, 'self.edoc', { iestade: 'vid' });
  assert.equal(en.status, 422);
  assert.match(await en.text(), /was not issued by a certification authority this portal trusts, so the document was not sent/);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(mailCount(), before_, 'nothing was sent');
});

test('signing here with a self-signed certificate: refused at the start, nothing signed or sent', async () => {
  // The signing API checks the signer's chain before anything is signed
  // (issue 8, point 2), so an untrusted signer never reaches
  // /parakstit/nosutit, whose own trust rule stays as a second line.
  const s = await getFormSession(srv.base, '/parakstit');
  const fd = new FormData();
  fd.append('_csrf', s.token);
  fd.append('iestade', 'vid');
  fd.append('dokuments', new Blob(['Lūdzu.\n']), 'iesniegums.txt');
  const step = await fetch(srv.base + '/parakstit', { method: 'POST', body: fd, headers: { cookie: s.cookie } });
  assert.equal(step.status, 200);
  const session = (await step.text()).match(/data-session="([^"]+)"/)[1]
    .replace(/&#x2F;|&#47;/g, '/').replace(/&#x3D;|&#61;/g, '=').replace(/&#x2B;|&#43;/g, '+');
  const cert = fs.readFileSync(path.join(self, 'cert.pem'), 'utf8');
  const st = await form(s, '/api/v1/sign/start', { session, certificate: cert, profile: 'B' });
  assert.equal(st.status, 422);
  assert.match((await st.json()).detail, /not issued by a certification authority this portal trusts/);

  const before_ = mailCount();
  const r = await form(s, '/parakstit/nosutit', { session });
  assert.notEqual(r.status, 200, 'an unsigned document is not sent');
  assert.notEqual(r.status, 303, 'an unsigned document is not sent');
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(mailCount(), before_, 'nothing was sent');
});
