// tests/e2e/sign-limits.test.js — signing sessions cannot exhaust the
// server (issue 8, points 3, 6 and 8): a large document signs; repeated
// finish on one session is refused while one runs (409) and the server's
// memory stays bounded; uploads from one browser and from many stay within
// the per-browser cap and the byte budget; expired sessions are purged by the
// timer without any new request, and their space is given back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, getFormSession, sqlite } from '../lib/server.js';
import { startSigningPortal, tokenSign } from '../lib/signing.js';

let work;
let portal;
let srv;
let pki;
let certPem;
const MB = 1024 * 1024;

function unescapeHtml(s) {
  return s.replace(/&#x2F;|&#47;/g, '/').replace(/&#x3D;|&#61;/g, '=').replace(/&#x2B;|&#43;/g, '+');
}

async function upload(s, bytes, name = 'liels.pdf') {
  const fd = new FormData();
  fd.append('_csrf', s.token);
  fd.append('iestade', 'vid');
  fd.append('dokuments', new Blob([bytes]), name);
  return fetch(srv.base + '/parakstit', { method: 'POST', body: fd, headers: { cookie: s.cookie }, redirect: 'manual' });
}

async function prepared(s, bytes) {
  const r = await upload(s, bytes);
  const html = await r.text();
  assert.equal(r.status, 200, html.slice(0, 500));
  return unescapeHtml(html.match(/data-session="([^"]+)"/)[1]);
}

function form(s, url, fields) {
  return fetch(srv.base + url, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.token, ...fields }).toString(),
  });
}

function rssKiB(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]);
}

function dbBytes() {
  let n = 0;
  for (const f of ['epak.db', 'epak.db-wal']) {
    try { n += fs.statSync(path.join(srv.data, f)).size; } catch { /* none */ }
  }
  return n;
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-signlimits-'));
  portal = await startSigningPortal(work, {
    // 40 concurrent finishes come from one address: over max-conns-per-address (32)
    extra: ['--sign-sessions-per-browser', '3', '--sign-sessions-bytes', '24M', '--sign-purge-interval', '1',
      '--max-conns-per-address', '64'],
  });
  ({ pki, srv } = portal);
  certPem = fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8');
});

after(async () => {
  await portal?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('a 9.5 MB document signs through /parakstit and the signing API (LT)', async () => {
  const s = await getFormSession(srv.base, '/parakstit');
  const doc = crypto.randomBytes(Math.round(9.5 * MB)); // incompressible
  const session = await prepared(s, doc);
  const r1 = await form(s, '/api/v1/sign/start', { session, certificate: certPem });
  assert.equal(r1.status, 200, await r1.clone().text());
  const j = await r1.json();
  const sig = tokenSign(pki, Buffer.from(j.digest, 'base64'), 'epak-ec', 'ECDSA');
  const r2 = await form(s, '/api/v1/sign/finish', { session, signature: sig.toString('base64') });
  assert.equal(r2.status, 200, await r2.clone().text());
  const edoc = path.join(work, 'large.edoc');
  fs.writeFileSync(edoc, Buffer.from(await r2.arrayBuffer()));
  assert.ok(fs.statSync(edoc).size > 9 * MB);
  const rep = JSON.parse(execFileSync(bin, ['verify', '--json', '--offline', '--trust', path.join(pki, 'root.crt'), edoc], { maxBuffer: 64 * MB }).toString());
  assert.match(JSON.stringify(rep), /TOTAL-PASSED/);
  // the session's row is gone once sent; here it holds the signed one, once
  const rows = sqlite(path.join(srv.data, 'epak.db'), "SELECT count(*), max(length(blob)), max(length(data)) FROM session WHERE id LIKE 'sign:%'");
  const [, blob, data] = rows.split('|').map(Number);
  assert.ok(blob > 9 * MB && blob < 10 * MB, `the container is kept as binary, once (${blob} bytes)`);
  assert.ok(data < 64 * 1024, `the JSON holds no base64 copy (${data} bytes)`);
  sqlite(path.join(srv.data, 'epak.db'), "DELETE FROM session WHERE id LIKE 'sign:%'");
});

test('40 concurrent finishes of one 5 MB session: one runs, the others get 409; memory stays bounded', async () => {
  const s = await getFormSession(srv.base, '/parakstit');
  const session = await prepared(s, crypto.randomBytes(5 * MB));
  const j = await (await form(s, '/api/v1/sign/start', { session, certificate: certPem })).json();
  const sig = tokenSign(pki, Buffer.from(j.digest, 'base64'), 'epak-ec', 'ECDSA').toString('base64');
  const pid = srv.child.pid;
  const before = rssKiB(pid);
  let peak = before;
  const sampler = setInterval(() => { try { peak = Math.max(peak, rssKiB(pid)); } catch { /* gone */ } }, 20);
  const answers = await Promise.all(Array.from({ length: 40 }, () => form(s, '/api/v1/sign/finish', { session, signature: sig })));
  clearInterval(sampler);
  peak = Math.max(peak, rssKiB(pid));
  const codes = answers.map((r) => r.status);
  for (const r of answers) await r.arrayBuffer();
  assert.equal(codes.filter((c) => c === 200).length, 1, codes.join(','));
  assert.ok(codes.filter((c) => c === 409).length >= 1, `a second finish while one runs gets 409: ${codes.join(',')}`);
  assert.ok(codes.every((c) => c === 200 || c === 409 || c === 404), codes.join(','));
  const grew = (peak - before) / 1024;
  console.log(`# VmRSS before ${Math.round(before / 1024)} MB, peak ${Math.round(peak / 1024)} MB (+${Math.round(grew)} MB)`);
  // one finish holds a few copies of 5 MB; forty would hold hundreds of MB
  assert.ok(grew < 120, `the server grew by ${Math.round(grew)} MB`);
  sqlite(path.join(srv.data, 'epak.db'), "DELETE FROM session WHERE id LIKE 'sign:%'");
});

test('one browser may keep only 3 sessions open; the 4th upload gets a clear message', async () => {
  const s = await getFormSession(srv.base, '/parakstit');
  for (let i = 0; i < 3; i++) await prepared(s, Buffer.from(`dokuments ${i}\n`));
  let r = await upload(s, Buffer.from('vēl viens\n'));
  assert.equal(r.status, 429);
  const html = await r.text();
  assert.match(html, /pārāk daudz dokumentu, kas gaida parakstīšanu/i);
  // the API says so too
  const fd = new FormData();
  fd.append('_csrf', s.token);
  fd.append('certificate', certPem);
  fd.append('file', new Blob(['a']), 'a.txt');
  r = await fetch(srv.base + '/api/v1/sign/start', { method: 'POST', body: fd, headers: { cookie: s.cookie } });
  assert.equal(r.status, 429);
  assert.match((await r.json()).detail, /3 signing sessions open/);
  sqlite(path.join(srv.data, 'epak.db'), "DELETE FROM session WHERE id LIKE 'sign:%'");
});

test('many browsers uploading: the database stays within the byte budget; the timer purges and gives space back', async () => {
  const start = dbBytes();
  const codes = [];
  for (let i = 0; i < 30; i++) {
    const s = await getFormSession(srv.base, '/parakstit');
    const r = await upload(s, crypto.randomBytes(2 * MB));
    codes.push(r.status);
    await r.arrayBuffer();
  }
  assert.ok(codes.filter((c) => c === 200).length >= 5, codes.join(','));
  assert.ok(codes.includes(503), `the budget refuses the rest: ${codes.join(',')}`);
  const held = Number(sqlite(path.join(srv.data, 'epak.db'), "SELECT COALESCE(SUM(length(blob)), 0) FROM session WHERE id LIKE 'sign:%'"));
  assert.ok(held <= 24 * MB, `sessions hold ${held} bytes`);
  const size = dbBytes();
  console.log(`# database and WAL: ${Math.round(start / MB)} MB before, ${Math.round(size / MB)} MB after 30 uploads of 2 MB`);
  // at most the budget + the WAL (8 MiB after a checkpoint, 4 MiB of pages
  // between them); 30 uploads kept would add more than 60 MB
  assert.ok(size - start < 24 * MB + 16 * MB, `database and WAL grew by ${size - start} bytes`);

  // all expire; the timer (every second here) removes them, no request needed
  sqlite(path.join(srv.data, 'epak.db'), "UPDATE session SET expires_at = 1 WHERE id LIKE 'sign:%'");
  const deadline = Date.now() + 120000; // polled: a loaded machine is slow
  let left;
  for (;;) {
    left = Number(sqlite(path.join(srv.data, 'epak.db'), "SELECT count(*) FROM session WHERE id LIKE 'sign:%'"));
    if (left === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(left, 0, 'expired sessions purged by the timer');
  // the space is given back after the purge (incremental vacuum): polled
  const pragmas = () => sqlite(path.join(srv.data, 'epak.db'), 'PRAGMA auto_vacuum; PRAGMA freelist_count; PRAGMA page_count; PRAGMA page_size').split('\n').map(Number);
  let pages = pragmas();
  for (const end = Date.now() + 120000; pages[1] >= 64 && Date.now() < end; pages = pragmas())
    await new Promise((r) => setTimeout(r, 200));
  assert.equal(pages[0], 2, 'auto_vacuum = INCREMENTAL');
  assert.ok(pages[1] < 64, `free pages given back (${pages[1]} left)`);
  assert.ok(pages[2] * pages[3] < 8 * MB, `the database file holds ${pages[2] * pages[3]} bytes`);
});
