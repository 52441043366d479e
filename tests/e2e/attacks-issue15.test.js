// tests/e2e/attacks-issue15.test.js — a stranger's attacks on what issue 15
// added: /metrics reached from a peer not in metrics-allow by path tricks,
// an IPv4-mapped peer on [::] or a method token; label injection and growth
// through odd methods; /sitemap/{file} tricks; Host and X-Forwarded-*
// reflected into /api/v1/openapi.json; forged lines, fields and personal
// data in the JSON access log.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { startServer, stopClean, rawRequest, root, bin } from '../lib/server.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const status = (raw) => Number((/^HTTP\/1\.1 (\d{3})/.exec(raw) || [])[1] || 0);

// One raw GET (or another method) of target, Host: h.
async function raw(port, target, { method = 'GET', host = 'localhost', headers = '' } = {}) {
  return rawRequest(port, `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${headers}Connection: close\r\n\r\n`);
}

describe('/metrics from a peer not in metrics-allow', () => {
  let srv;
  before(async () => { srv = await startServer({ extra: ['--metrics-allow', '192.0.2.0/24'] }); });
  after(async () => { await stopClean(srv); });

  test('no path spelling, method or absolute form reaches the text', async () => {
    const targets = ['/metrics', '/metrics/', '//metrics', '/%6detrics', '/%6D%65trics', '/METRICS', '/Metrics',
      '/en/metrics', '/lv/metrics', '/metrics?x=1', '/./metrics', '/a/../metrics', '/metrics;a', '/metrics%2f',
      '/metrics%00', '/metrics#', `http://127.0.0.1:${srv.port}/metrics`, '/.%2e/metrics', '/%2fmetrics'];
    for (const t of targets) {
      for (const method of ['GET', 'HEAD', 'get', 'POST']) {
        const res = await raw(srv.port, t, { method });
        assert.doesNotMatch(res, /epak_http_requests_total|process_start_time_seconds/, `${method} ${t}`);
        assert.notEqual(status(res), 200, `${method} ${t}: ${res.slice(0, 200)}`);
      }
    }
  });
});

test('on [::] a loopback IPv4 peer is refused (IPV6_V6ONLY) or, mapped, matched as IPv4', async (t) => {
  const probe = net.createServer();
  const v6 = await new Promise((r) => { probe.once('error', () => r(false)); probe.listen(0, '::', () => r(true)); });
  if (!v6) { t.skip('no IPv6 on this machine'); return; }
  const wild = probe.address().port;
  await new Promise((r) => probe.close(r));
  const srv = await startServer({ extra: ['--listen', `[::]:${wild}`, '--metrics-allow', '10.0.0.0/8 ::1/128'] });
  try {
    // 127.0.0.1 to the wildcard listener: ::ffff:127.0.0.1 if it were dual-stack
    const res = await raw(wild, '/metrics').catch((e) => e.code);
    assert.ok(res === 'ECONNREFUSED' || status(res) === 404, `metrics-allow 10/8 ::1: ${String(res).slice(0, 120)}`);
    const v6res = await new Promise((resolve) => {
      const sock = net.connect(wild, '::1');
      let out = '';
      sock.on('data', (d) => { out += d; });
      sock.on('end', () => resolve(out));
      sock.on('error', (e) => resolve(e.code));
      sock.write('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    assert.equal(status(v6res), 200, '::1 is allowed over the same listener');
  } finally { await stopClean(srv); }
});

describe('/metrics text under strangers\' methods', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await stopClean(srv); });

  test('odd method tokens add no series, no label and nothing unescaped', async () => {
    // every series the measurement itself makes exists before it starts
    await raw(srv.port, '/palidziba', { method: 'WARMUP' });
    await fetch(srv.base + '/metrics');
    await sleep(1100);
    const before = await (await fetch(srv.base + '/metrics')).text();
    const odd = ['GE"T', 'X\\Y', 'A{b="c"}', 'PROPFIND', 'M' + 'x'.repeat(200)];
    for (let i = 0; i < 300; i++) odd.push(`Q${i}Z`);
    for (const m of odd) await raw(srv.port, '/palidziba', { method: m });
    await sleep(1100);
    const after = await (await fetch(srv.base + '/metrics')).text();
    for (const line of after.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? \S+$/, line);
    }
    assert.doesNotMatch(after, /GE"T|GE\\"T|Q17Z|PROPFIND|xxxxxxxx/);
    const series = (s) => s.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.replace(/ \S+$/, ''));
    const added = series(after).filter((s) => !series(before).includes(s));
    assert.equal(added.length, 0, `300 methods added ${added.length} series: ${added.slice(0, 5).join(' | ')}`);
  });
});

describe('/sitemap/{file} and Host', () => {
  let srv;
  before(async () => {
    srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')], extra: ['--public-url', 'https://epak.example.lv/'] });
  });
  after(async () => { await stopClean(srv); });

  test('path tricks on {file} answer 404 (or a redirect), never 500, never another file', async () => {
    for (const f of ['0.xml', '-1.xml', '+1.xml', ' 1.xml', '1.xml.gz', '1.XML', '1.xml%00', '99999999999999999999.xml',
      '18446744073709551617.xml', '0x1.xml', '1e0.xml', '.xml', 'a.xml', '1.xml/',
      '1..xml', '100001.xml']) {
      const res = await raw(srv.port, '/sitemap/' + f);
      assert.ok([404, 400, 301, 308].includes(status(res)), `/sitemap/${f}: ${res.slice(0, 120)}`);
    }
    // h2o normalises the path before routing: /sitemap/..%2fsitemap.xml is
    // /sitemap.xml itself, nothing outside the sitemap's files
    const index = (await raw(srv.port, '/sitemap.xml')).split('\r\n\r\n')[1];
    for (const f of ['..%2fsitemap.xml', '..%2F..%2Fsitemap.xml', '%2e%2e%2fsitemap.xml']) {
      const res = await raw(srv.port, '/sitemap/' + f);
      assert.ok(status(res) === 404 || res.split('\r\n\r\n')[1] === index, `/sitemap/${f}: ${res.slice(0, 120)}`);
    }
  });

  test('Host and X-Forwarded-Host never reach the sitemap or the OpenAPI servers', async () => {
    const headers = 'X-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: gopher\r\nForwarded: host=evil.example\r\n';
    const targets = ['/sitemap.xml', '/api/v1/openapi.json', '/en/api/v1/openapi.json', '/robots.txt'];
    await Promise.all(Array.from({ length: 40 }, (_, i) => raw(srv.port, targets[i % targets.length], { host: 'evil.example', headers })));
    for (const t of targets) {
      const poisoned = await raw(srv.port, t, { host: 'evil.example', headers });
      const plain = await raw(srv.port, t);
      assert.doesNotMatch(poisoned, /evil\.example|gopher/, t);
      assert.doesNotMatch(plain, /evil\.example|gopher/, t);
    }
    const built = srv.log().split('\n').filter((l) => /sitemap: \d+ URLs/.test(l));
    assert.equal(built.length, 1, `one sitemap build for 40 concurrent first requests: ${built.join(' | ')}`);
  });
});

describe('the JSON access log', () => {
  let srv;
  before(async () => { srv = await startServer({ extra: ['--log-format', 'json', '--access-log'] }); });
  after(async () => { await stopClean(srv); });

  test('no path forges a line or a field, no query string (personal data) is written', async () => {
    const evil = [
      '/a%0A{"level":"error","msg":"forged"}',
      '/a"%2C"level":"error',
      '/a\u2028b\u2029c',
      '/a\\u000a{"level":"error"}',
      '/' + 'x'.repeat(9000),
      '/meklet?q=010190-12345&epasts=janis.berzins%40example.lv',
      '/meklet?q=010190-12345',
    ];
    for (const p of evil) await raw(srv.port, encodeURI(p).replace(/%25/g, '%'));
    // raw bytes fetch cannot send: invalid UTF-8, a lone quote, a tab
    await rawRequest(srv.port, Buffer.concat([Buffer.from('GET /b'), Buffer.from([0xff, 0xfe, 0x22, 0x09, 0xc3]),
      Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]));
    await sleep(300);
    const lines = srv.log().split('\n').filter((l) => l.trim());
    for (const l of lines) {
      let o;
      assert.doesNotThrow(() => { o = JSON.parse(l); }, `a JSON object per line: ${l.slice(0, 200)}`);
      assert.notEqual(o.msg, 'forged');
      assert.ok(l.length < 4096, 'a line is bounded');
    }
    const access = lines.map((l) => JSON.parse(l)).filter((o) => o.path !== undefined);
    assert.ok(access.length >= evil.length, `the requests were logged: ${access.length}`);
    assert.ok(access.some((o) => o.path === '/meklet'), 'the path without its query string');
    const all = lines.join('\n');
    assert.doesNotMatch(all, /010190|janis|berzins|example\.lv/, 'no personal data from a query string');
    assert.ok(!lines.some((l) => JSON.parse(l).level === 'error' && /forged/.test(l)));
  });
});

// A crafted backup: what does `epak restore` write before it says no?
describe('epak restore of a crafted archive', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-attack-restore-'));
  let good;
  before(async () => {
    const srv = await startServer();
    good = path.join(tmp, 'good.zip');
    const r = spawnSync(bin, ['backup', '--data', srv.data, good], { encoding: 'utf8' });
    await srv.stop();
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => { spawnSync('umount', [path.join(tmp, 'small')]); fs.rmSync(tmp, { recursive: true, force: true }); });

  // bomb.zip: epak.db replaced by MB megabytes of zeros (deflated to ~1/1000),
  // its manifest line claiming `claim` bytes
  function bomb(name, mb, claim) {
    const out = path.join(tmp, name);
    execFileSync('python3', ['-c', `
import sys, zipfile
src, dst, mb, claim = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
zin = zipfile.ZipFile(src)
entries = {n: zin.read(n) for n in zin.namelist()}
lines = []
for l in entries['manifest'].decode().splitlines():
    if l.endswith(' epak.db'):
        l = 'file %s %s epak.db' % ('0' * 64, claim)
    lines.append(l)
entries['manifest'] = ('\\n'.join(lines) + '\\n').encode()
with zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as z:
    for n, b in entries.items():
        if n == 'epak.db':
            with z.open('epak.db', 'w', force_zip64=True) as f:
                chunk = bytes(1 << 20)
                for _ in range(mb): f.write(chunk)
        else:
            z.writestr(n, b)
`, good, out, String(mb), String(claim)]);
    return out;
  }

  test('an entry larger than its manifest line is refused after at most one chunk', () => {
    const file = bomb('bomb.zip', 200, 1000);
    assert.ok(fs.statSync(file).size < 2e6, 'a 200 MB entry in a small file');
    const data = path.join(tmp, 'bomb-data');
    const t0 = Date.now();
    const r = spawnSync(bin, ['restore', '--data', data, file], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /epak\.db: larger than the manifest says: the backup was altered/);
    assert.ok(!fs.existsSync(data));
    console.log(`# figure: a 200 MB bomb refused in ${Date.now() - t0} ms`);
  });

  test('a manifest claiming more than the file system holds is refused before extracting', (t) => {
    if (process.getuid() !== 0) { t.skip('mounting a small tmpfs needs root'); return; }
    const small = path.join(tmp, 'small');
    fs.mkdirSync(small);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2M', 'tmpfs', small]).status !== 0) { t.skip('no tmpfs mount here'); return; }
    const file = bomb('big.zip', 8, 8 << 20);
    const r = spawnSync(bin, ['restore', '--data', path.join(small, 'data'), file], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /needs \d+ bytes, .* has \d+ free/);
    assert.deepEqual(fs.readdirSync(small), [], 'no staging folder left');
  });
});

// `epak backup FILE` into a folder someone else can write (a shared backup
// folder, not sticky): names planted there next to FILE must not make the
// backup write through them (the runner is often root).
test('epak backup writes through no symlink planted beside its file', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-attack-backup-'));
  const srv = await startServer();
  try {
    const shared = path.join(tmp, 'shared');
    fs.mkdirSync(shared, { mode: 0o777 });
    const victim = path.join(tmp, 'victim');
    fs.writeFileSync(victim, 'precious\n');
    const out = path.join(shared, 'epak.zip');
    for (const suffix of ['.tmp', '.db.tmp', '.db.tmp-journal', '.db.tmp-wal', '.db.tmp-shm', '.tmp.journal'])
      fs.symlinkSync(victim, out + suffix);
    const r = spawnSync(bin, ['backup', '--data', srv.data, out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious\n', 'the planted link\'s target is untouched');
    assert.equal(fs.lstatSync(out).isFile(), true);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
  } finally {
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

// The same, raced: the link is planted after the run removed the leftovers
// and before it creates its copy (a lock on the database holds the run in
// that window for a second), pointing where nothing is yet: a file there
// would be made by the runner (root: /etc/cron.d/…).
test('epak backup: a link planted while it waits for the database creates nothing', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-attack-race-'));
  const srv = await startServer({ data: fs.mkdtempSync(path.join(os.tmpdir(), 'epak-attack-race-data-')) });
  await srv.stop(); // a quiet database: only the lock below holds it
  try {
    const shared = path.join(tmp, 'shared');
    fs.mkdirSync(shared, { mode: 0o777 });
    const victim = path.join(tmp, 'cron-d-x');
    const out = path.join(shared, 'epak.zip');
    const db = path.join(srv.data, 'epak.db');
    const { spawn } = await import('node:child_process');
    const lock = spawn('python3', ['-c', `
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('PRAGMA locking_mode=EXCLUSIVE')
c.execute('BEGIN EXCLUSIVE')
c.execute('CREATE TABLE IF NOT EXISTS attack_lock (x)')
print('locked', flush=True)
time.sleep(2)
c.execute('COMMIT')
c.close()
`, db], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => lock.stdout.once('data', r));
    const run = spawn(bin, ['backup', '--data', srv.data, out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    run.stderr.on('data', (d) => { err += d; });
    await sleep(700);
    for (const suffix of ['.tmp', '.db.tmp', '.db.tmp-journal'])
      if (!fs.existsSync(out + suffix)) fs.symlinkSync(victim + suffix, out + suffix);
    const code = await new Promise((r) => run.once('exit', r));
    await new Promise((r) => (lock.exitCode !== null ? r() : lock.once('exit', r)));
    assert.equal(code, 0, err);
    for (const suffix of ['.tmp', '.db.tmp', '.db.tmp-journal'])
      assert.ok(!fs.existsSync(victim + suffix), `nothing made through ${path.basename(out + suffix)}`);
  } finally {
    fs.rmSync(srv.data, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
