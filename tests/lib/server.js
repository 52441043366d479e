// tests/lib/server.js — start a real `epak serve` for a test file.
//
// Each server gets its own data folder (SQLite) or the PostgreSQL URL the
// test runner exported, a free loopback port, and is stopped when the test
// file ends. Its stderr (the log) is kept so tests can check what was logged.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = process.env.EPAK_BIN || path.join(root, 'build/asan/epak');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// secret: the server secret (32 bytes) to serve with, for several nodes
// that must recognise each other's CSRF tokens and keyed hashes; data:
// another node's data folder (its secret), for nodes on one PostgreSQL;
// port: a port the caller had to know before (public-url).
export async function startServer({ db = null, extra = [], templates = path.join(root, 'templates'), ready = null, imports = [], env = {}, secret = null, port: wanted = null, data: shared = null } = {}) {
  const data = shared || fs.mkdtempSync(path.join(os.tmpdir(), 'epak-e2e-'));
  if (secret) fs.writeFileSync(path.join(data, 'secret'), secret, { mode: 0o600 });
  const port = wanted || await freePort();
  const common = ['--data', data, '--templates', templates,
    '--static', path.join(root, 'static'), '--locale', path.join(root, 'build/locale')];
  if (db) common.push('--db', db);
  execFileSync(bin, ['migrate', ...common], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const f of imports) execFileSync(bin, ['import', ...common, f], { stdio: ['ignore', 'ignore', 'inherit'] });
  // The link checker stays off unless a test asks for it (--link-check 1):
  // tests never reach hosts on the internet.
  const args = ['serve', ...common, '--listen', `127.0.0.1:${port}`, '--threads', '2', '--link-check', '0', ...extra];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  child.stderr.on('data', (d) => { log += d.toString(); });
  const base = `http://127.0.0.1:${port}`;
  // Three minutes: a loaded CI machine once took over a minute to build a
  // read model that takes 0.2 s here. A server that did not come up is
  // killed, or it would keep the test file alive until its timeout.
  const deadline = Date.now() + 180000;
  for (;;) {
    try {
      if (ready ? await ready(port) : (await fetch(`${base}/api/v1/health`)).status === 200) break;
    } catch { /* not up yet */ }
    if (child.exitCode !== null) throw new Error(`epak exited early:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`epak did not start within 180 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base, port, data, child, common,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await done;
      }
      if (!shared) fs.rmSync(data, { recursive: true, force: true });
      return child.exitCode;
    },
  };
}

// A raw HTTP/1.1 exchange, for requests fetch() refuses to send. Resolves
// to the answer decoded as UTF-8 (rawRequestBuffer: the bytes).
// Stops srv (if started) and fails when its log shows a sanitizer report
// or, with the leak suppressions tests/run.sh sets, when it did not exit 0.
export async function stopClean(srv) {
  if (!srv) return;
  const code = await srv.stop();
  const log = srv.log() || '';
  assert.doesNotMatch(log, /ERROR: AddressSanitizer|runtime error/);
  if (process.env.LSAN_OPTIONS) assert.equal(code, 0, log.slice(-3000));
}

export async function rawRequest(port, bytes, opts) {
  return (await rawRequestBuffer(port, bytes, opts)).toString('utf8');
}

export function rawRequestBuffer(port, bytes, { timeout = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); resolve(out); }, timeout);
    sock.on('data', (d) => { out = Buffer.concat([out, d]); });
    sock.on('end', () => { clearTimeout(timer); resolve(out); });
    sock.on('error', (e) => {
      clearTimeout(timer);
      if (out.length) resolve(out); else reject(e);
    });
    sock.write(bytes);
  });
}

// Form POST with the CSRF cookie and token taken from a GET of the form.
export async function getFormSession(base, pathName) {
  const r = await fetch(base + pathName);
  const html = await r.text();
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  const m = html.match(/name="_csrf" value="([^"]+)"/);
  return { cookie, token: m ? m[1] : null, html };
}

// The server writes in the background too (purges, the search log, the
// link checker): wait for its lock as the server itself does, instead of
// failing at once with "database is locked".
export function sqlite(dbfile, sql) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 10000', dbfile, sql]).toString().trim();
}

export function psql(url, sql) {
  return execFileSync('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', url, '-c', sql]).toString().trim();
}
