// tests/e2e/logging.test.js — the log as a collector reads it: with
// log-format = json every stderr line is one JSON object (RFC 3339 UTC
// time, level, msg, the access fields) and none carries personal data or
// a forged line; under systemd (JOURNAL_STREAM naming stderr) each entry
// goes to the journal's native socket with PRIORITY, MESSAGE, CODE_* and
// EPAK_* fields — received here by tests/lib/journal.py on a private
// /run/systemd (unshare --mount), since no journald runs in the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, freePort, bin, root, rawRequest } from '../lib/server.js';

const PNO = '010190-12345';
const MAIL = 'anna.berzina@example.lv';

// Requests that log something of each kind: pages, a 404, a refused form,
// a query with personal data, a path with an encoded line break.
async function traffic(base, port) {
  await fetch(`${base}/`);
  await fetch(`${base}/en/palidziba`);
  await fetch(`${base}/nosuch`);
  await fetch(`${base}/meklet?q=${PNO}+${encodeURIComponent(MAIL)}`);
  await fetch(`${base}/api/v1/search?q=${PNO}`);
  await fetch(`${base}/atsauksmes`, { method: 'POST', body: `email=${encodeURIComponent(MAIL)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  await fetch(`${base}/jaunumi/a%0A2026-01-01T00:00:00Z%20error%20forged`);
  await rawRequest(port, 'GET /x\u0001y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').catch(() => {});
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

test('log-format json: every stderr line is a JSON object with time, level, msg and the access fields', async () => {
  const srv = await startServer({ extra: ['--log-format', 'json'] });
  await traffic(srv.base, srv.port);
  await new Promise((r) => setTimeout(r, 300));
  const code = await srv.stop();
  // LeakSanitizer's table of suppressions used, printed at exit, is not ours
  const all = srv.log().split('\n');
  const lsan = all.findIndex((l) => /^-{20,}$/.test(l));
  const lines = (lsan < 0 ? all : all.slice(0, lsan)).filter((l) => l !== '');
  assert.ok(lines.length >= 12, srv.log());
  let access = 0;
  for (const l of lines) {
    let j;
    try { j = JSON.parse(l); } catch { assert.fail(`not JSON: ${l}`); }
    assert.match(j.time, RFC3339, l);
    assert.ok(Math.abs(Date.parse(j.time) - Date.now()) < 600000, l);
    assert.ok(['error', 'warn', 'info', 'debug'].includes(j.level), l);
    assert.equal(typeof j.msg, 'string', l);
    if ('method' in j) {
      access++;
      assert.equal(typeof j.path, 'string');
      assert.ok(j.path.startsWith('/'), l);
      assert.ok(Number.isInteger(j.status) && Number.isInteger(j.bytes) && Number.isInteger(j.usec), l);
      assert.ok(!('route' in j) || typeof j.route === 'string', l);
      assert.doesNotMatch(j.path, /\?/);
    } else {
      assert.equal(typeof j.file, 'string', l);
      assert.ok(Number.isInteger(j.line) && j.line > 0, l);
      assert.equal(typeof j.func, 'string', l);
    }
    assert.doesNotMatch(l, new RegExp(`${PNO}|${MAIL.replace(/\./g, '\\.')}|anna`), 'personal data logged');
  }
  assert.ok(access >= 7, `${access} access lines`);
  const search = lines.map((l) => JSON.parse(l)).find((j) => j.path === '/api/v1/search');
  assert.equal(search.route, '/api/v1/search');
  assert.equal(search.status, 200);
  assert.ok(!lines.some((l) => JSON.parse(l).level === 'error' && JSON.parse(l).msg.startsWith('forged')));
  if (process.env.LSAN_OPTIONS) assert.equal(code, 0);
});

test('log-format: a bad value is refused at start', () => {
  const r = spawnSync(bin, ['serve', '--log-format', 'xml', '--listen', '127.0.0.1:1'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /log-format: 'xml' is not text or json/);
});

test('JOURNAL_STREAM that does not name stderr (a child whose output was redirected) keeps text on stderr', async () => {
  const srv = await startServer({ env: { JOURNAL_STREAM: '1:2' } });
  await fetch(`${srv.base}/`);
  await srv.stop();
  assert.match(srv.log(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ info /m);
  assert.match(srv.log(), / access GET \/ 200 /);
});

// Can this machine give a process a private /run/systemd?
function canUnshare() {
  const r = spawnSync('unshare', ['--mount', 'sh', '-c', 'mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd'], { encoding: 'utf8' });
  return r.status === 0;
}

test('under systemd: structured journal entries through the native protocol', async (t) => {
  if (!canUnshare()) return t.skip('unshare --mount with a tmpfs is not permitted here (needs root or user namespaces)');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-journal-'));
  const out = path.join(work, 'journal.jsonl');
  const err = path.join(work, 'stderr');
  const port = await freePort();
  const common = ['--data', work, '--templates', path.join(root, 'templates'), '--static', path.join(root, 'static'), '--locale', path.join(root, 'build/locale')];
  execFileSync(bin, ['migrate', ...common], { stdio: 'ignore' });
  const child = spawn('unshare', ['--mount', 'sh', '-c', 'mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd && exec "$@"', 'sh',
    'python3', path.join(root, 'tests/lib/journal.py'), out, err, '--',
    bin, 'serve', ...common, '--listen', `127.0.0.1:${port}`, '--threads', '2', '--link-check', '0'], { stdio: 'inherit' });
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 120000;
    for (;;) {
      try { if ((await fetch(`${base}/api/v1/health`)).status === 200) break; } catch { /* starting */ }
      assert.ok(Date.now() < deadline && child.exitCode === null, 'did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    await traffic(base, port);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    const done = new Promise((r) => child.once('exit', r));
    // the server is the python script's child: SIGTERM reaches it through
    // the script, which waits for it and then exits
    child.kill('SIGTERM');
    await done;
  }
  const entries = fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const stderr = fs.readFileSync(err, 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  // nothing on stderr but what the sanitizers might say: the journal took it all
  assert.doesNotMatch(stderr, / (info|access|warn|error) /, stderr);
  assert.ok(entries.length >= 10, JSON.stringify(entries));
  for (const e of entries) {
    assert.equal(e.SYSLOG_IDENTIFIER, 'epak');
    assert.match(e.PRIORITY, /^[3467]$/);
    assert.equal(typeof e.MESSAGE, 'string');
    assert.doesNotMatch(e.MESSAGE, /\n/);
    assert.doesNotMatch(JSON.stringify(e), new RegExp(`${PNO}|${MAIL.replace(/\./g, '\\.')}`), 'personal data logged');
  }
  const msgs = entries.filter((e) => !e.EPAK_METHOD);
  assert.ok(msgs.length >= 2);
  for (const e of msgs) {
    assert.match(e.CODE_FILE, /^src\/.+\.c$/);
    assert.match(e.CODE_LINE, /^\d+$/);
    assert.ok(e.CODE_FUNC);
  }
  assert.ok(msgs.some((e) => /^serving http/.test(e.MESSAGE) && e.PRIORITY === '6'));
  const access = entries.filter((e) => e.EPAK_METHOD);
  assert.ok(access.length >= 7);
  const search = access.find((e) => e.EPAK_PATH === '/api/v1/search');
  assert.deepEqual([search.EPAK_METHOD, search.EPAK_ROUTE, search.EPAK_STATUS], ['GET', '/api/v1/search', '200']);
  assert.match(search.EPAK_BYTES, /^\d+$/);
  assert.match(search.EPAK_USEC, /^\d+$/);
  const missing = access.find((e) => e.EPAK_PATH === '/nosuch');
  assert.deepEqual([missing.EPAK_STATUS, missing.EPAK_ROUTE], ['404', '']);
});
