// Graceful lifecycle (issue 15, point 3): what epak tells the service
// manager (sd_notify, read from a real AF_UNIX datagram notify socket as
// systemd opens one), SIGHUP reloading templates, translations, search data
// and the TLS certificate (a broken file keeps the old one), and SIGTERM
// finishing requests in flight within shutdown-timeout and cutting off what
// is still running at it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startServer, getFormSession, root, sqlite } from '../lib/server.js';

const demo = path.join(root, 'data/catalog.jsonld');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, ms = 30000) {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await fn()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// A notify socket (tests/lib/notify-socket.py prints what arrives).
async function notifySocket() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-notify-'));
  const sock = path.join(dir, 'notify');
  const child = spawn('python3', [path.join(root, 'tests/lib/notify-socket.py'), sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push({ at: Date.now(), msg: buf.slice(0, i) });
      buf = buf.slice(i + 1);
    }
  });
  await waitFor('the notify socket', () => lines.some((l) => l.msg === 'listening'), 10000);
  lines.shift();
  return {
    path: sock, lines,
    close() { child.kill(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

const logLines = (srv) => srv.log().split('\n').filter((l) => !/ access /.test(l)).join('\n');

test('sd_notify: READY once serving, WATCHDOG pings, RELOADING/READY around SIGHUP, STOPPING at SIGTERM', async () => {
  const n = await notifySocket();
  let healthAtReady = null;
  const srv = await startServer({
    env: { NOTIFY_SOCKET: n.path, WATCHDOG_USEC: '1000000' },
    // started = READY arrived; then the health check must say ready at once
    ready: async (port) => {
      if (!n.lines.some((l) => l.msg.startsWith('READY=1'))) return false;
      healthAtReady = (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status;
      return true;
    },
  });
  try {
    assert.equal(healthAtReady, 200, 'READY=1 means the health check answers');
    const log = srv.log();
    assert.ok(log.indexOf('read model: revision') >= 0 && log.indexOf('read model: revision') < log.indexOf('info ready'),
      'READY comes after the first read model\n' + logLines(srv));
    assert.match(n.lines[0].msg, /^READY=1\|STATUS=serving$/, 'READY is the first message');
    // WATCHDOG_USEC=1 s: a ping every half second while healthy
    const before = n.lines.filter((l) => l.msg === 'WATCHDOG=1').length;
    await sleep(2200);
    const pings = n.lines.filter((l) => l.msg === 'WATCHDOG=1').length - before;
    assert.ok(pings >= 3 && pings <= 6, `watchdog pings in 2.2 s: ${pings}`);

    srv.child.kill('SIGHUP');
    await waitFor('READY after the reload', () => n.lines.filter((l) => l.msg.startsWith('READY=1')).length >= 2);
    const rel = n.lines.find((l) => l.msg.startsWith('RELOADING=1'));
    assert.ok(rel, 'RELOADING=1 sent');
    assert.match(rel.msg, /MONOTONIC_USEC=\d+/);
    assert.equal((await fetch(srv.base + '/api/v1/health')).status, 200);
  } finally {
    const code = await srv.stop();
    n.close();
    assert.equal(code, 0);
  }
  const kinds = n.lines.map((l) => l.msg.split('|')[0]).filter((k) => k !== 'WATCHDOG=1');
  assert.deepEqual(kinds, ['READY=1', 'RELOADING=1', 'READY=1', 'STOPPING=1'], n.lines.map((l) => l.msg).join('\n'));
});

test('without NOTIFY_SOCKET nothing is sent and serving is unchanged', async () => {
  const srv = await startServer({ env: { NOTIFY_SOCKET: '', WATCHDOG_USEC: '' } });
  try {
    assert.equal((await fetch(srv.base + '/api/v1/health')).status, 200);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

// The newest "read model" / "reloaded" log line count, to wait for a reload.
const reloads = (srv) => (srv.log().match(/ reloaded in \d+ ms/g) || []).length;

async function hup(srv) {
  const n = reloads(srv);
  srv.child.kill('SIGHUP');
  await waitFor('the reload', () => reloads(srv) > n);
}

test('SIGHUP re-reads templates, translations and search data; a broken file keeps the old one', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-reload-'));
  const templates = path.join(tmp, 'templates');
  const locale = path.join(tmp, 'locale');
  const search = path.join(tmp, 'search');
  fs.cpSync(path.join(root, 'templates'), templates, { recursive: true });
  fs.cpSync(path.join(root, 'build/locale'), locale, { recursive: true });
  execFileSync('cp', ['-a', path.join(root, 'data/search'), search]);
  const srv = await startServer({ templates, imports: [demo], extra: ['--locale', locale, '--search-data', search] });
  const home = async () => (await fetch(srv.base + '/')).text();
  try {
    // the home page is cached: a changed template file alone changes nothing
    assert.ok(!(await home()).includes('reload-mark-1'));
    fs.appendFileSync(path.join(templates, 'home.mustache'), '\n<!-- reload-mark-1 -->\n');
    assert.ok(!(await home()).includes('reload-mark-1'), 'not without SIGHUP (no dev mode)');

    // a translation changed in the .mo
    const po = fs.readFileSync(path.join(root, 'po/lv.po'), 'utf8').replace('msgstr "Sākums"', 'msgstr "Sākums-pārlādēts"');
    fs.writeFileSync(path.join(tmp, 'lv.po'), po);
    const mo = path.join(locale, 'lv/LC_MESSAGES/epak.mo');
    execFileSync('msgfmt', ['-o', mo, path.join(tmp, 'lv.po')]);

    // a synonym added, the file's time kept (so only SIGHUP reads it)
    const syn = path.join(search, 'synonyms.tsv');
    execFileSync('cp', ['-p', syn, path.join(tmp, 'syn.ref')]);
    fs.appendFileSync(syn, '\nzvaigznājs\t=>\tdzīvesvietas deklarēšana\n');
    execFileSync('touch', ['-r', path.join(tmp, 'syn.ref'), syn]);
    const q = srv.base + '/api/v1/search?q=' + encodeURIComponent('zvaigznājs');
    await sleep(1500); // the refresher looks at the files' times every 200 ms
    assert.equal((await (await fetch(q)).json()).total, 0, 'no reload without SIGHUP');

    await hup(srv);
    const page = await home();
    assert.ok(page.includes('reload-mark-1'), 'the new template is served at once (the cached page is stale)');
    assert.ok(page.includes('Sākums-pārlādēts'), 'the new translation is served');
    assert.ok((await (await fetch(q)).json()).total > 0, 'the new synonym finds the service');

    // broken files: each keeps its old version, an error is logged, the server serves on
    fs.appendFileSync(path.join(templates, 'home.mustache'), '\n{{#never-closed}}\n<!-- reload-mark-2 -->\n');
    fs.writeFileSync(mo, fs.readFileSync(mo).subarray(0, 40));
    await hup(srv);
    assert.match(srv.log(), /error templates not reloaded: .*home\.mustache.* \(the old ones stay\)/);
    assert.match(srv.log(), /error translations not reloaded: .*epak\.mo.* \(the old ones stay\)/);
    const after = await home();
    assert.ok(after.includes('reload-mark-1') && !after.includes('reload-mark-2'), 'the old template serves');
    assert.ok(after.includes('Sākums-pārlādēts'), 'the old translation serves');
    assert.ok((await (await fetch(srv.base + '/en/')).text()).includes('Home'));
    assert.equal((await fetch(srv.base + '/api/v1/health')).status, 200);
  } finally {
    assert.equal(await srv.stop(), 0, logLines(srv));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

function certificate(dir, serial) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-days', '2', '-subj', '/CN=localhost', '-set_serial', String(serial),
    '-keyout', path.join(dir, 'new.key'), '-out', path.join(dir, 'new.crt')], { stdio: 'ignore' });
  // the key first: a reload between the two renames would see a mismatch and keep the old pair
  fs.renameSync(path.join(dir, 'new.key'), path.join(dir, 'tls.key'));
  fs.renameSync(path.join(dir, 'new.crt'), path.join(dir, 'tls.crt'));
}

function tlsConnect(port) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => resolve(s));
    s.on('error', reject);
  });
}

async function servedSerial(port) {
  const s = await tlsConnect(port);
  const serial = parseInt(s.getPeerCertificate().serialNumber, 16);
  s.destroy();
  return serial;
}

function tlsGet(s, p) {
  return new Promise((resolve) => {
    let out = '';
    const on = (d) => {
      out += d.toString();
      if (/\r\n\r\n/.test(out)) { s.off('data', on); resolve(out.split('\r\n')[0]); }
    };
    s.on('data', on);
    s.write(`GET ${p} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  });
}

test('SIGHUP reloads the TLS certificate: new connections get it, open ones keep theirs, a bad file keeps the old', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-tls-'));
  certificate(dir, 1001);
  const srv = await startServer({
    extra: ['--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key')],
    ready: async (port) => (await servedSerial(port)) === 1001,
  });
  try {
    const old = await tlsConnect(srv.port);
    assert.equal(await tlsGet(old, '/api/v1/health'), 'HTTP/1.1 200 OK');
    certificate(dir, 1002);
    assert.equal(await servedSerial(srv.port), 1001, 'not before SIGHUP');
    await hup(srv);
    assert.equal(await servedSerial(srv.port), 1002, 'the new certificate after SIGHUP\n' + logLines(srv));
    assert.equal(parseInt(old.getPeerCertificate().serialNumber, 16), 1001);
    assert.equal(await tlsGet(old, '/api/v1/health'), 'HTTP/1.1 200 OK', 'an open connection keeps working');
    old.destroy();

    fs.writeFileSync(path.join(dir, 'tls.crt'), '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
    await hup(srv);
    assert.match(srv.log(), /error TLS certificate not reloaded: .*tls\.crt: .* \(the old one stays\)/);
    assert.equal(await servedSerial(srv.port), 1002, 'a broken file keeps the last good certificate');
    // a key that does not match the certificate: kept too
    certificate(dir, 1003);
    fs.copyFileSync(path.join(dir, 'tls.key'), path.join(dir, 'k3'));
    certificate(dir, 1004);
    fs.copyFileSync(path.join(dir, 'k3'), path.join(dir, 'tls.key'));
    await hup(srv);
    assert.equal(await servedSerial(srv.port), 1002);
  } finally {
    assert.equal(await srv.stop(), 0, logLines(srv));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// A form post whose body arrives slowly: in flight (headers read, body
// coming) when SIGTERM arrives.
function slowPost(port, session, body, { firstPart, restAfter }) {
  const sock = net.connect(port, '127.0.0.1');
  let out = '';
  const done = new Promise((resolve) => {
    sock.on('data', (d) => { out += d.toString(); });
    sock.on('close', () => resolve(out));
    sock.on('error', () => resolve(out));
  });
  sock.write(`POST /atsauksmes HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${session.cookie}\r\n` +
    `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
  sock.write(body.slice(0, firstPart));
  const rest = restAfter === null ? null : setTimeout(() => sock.write(body.slice(firstPart)), restAfter);
  return { done, sock, cancel: () => clearTimeout(rest) };
}

test('SIGTERM: a request in flight finishes and is stored, idle keep-alive connections close, exit 0', async () => {
  const srv = await startServer({ extra: ['--shutdown-timeout', '20'] });
  const s = await getFormSession(srv.base, '/atsauksmes');
  // an idle keep-alive connection must not hold the stop up to its timeout
  const idle = net.connect(srv.port, '127.0.0.1');
  await new Promise((r) => idle.on('connect', r));
  idle.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => idle.once('data', r));
  const body = new URLSearchParams({ _csrf: s.token, topic: 'portal', message: 'Atsauksme, kas atnāca lēni, bet pilnībā.' }).toString();
  const p = slowPost(srv.port, s, body, { firstPart: 20, restAfter: 1500 });
  await sleep(300);
  const t0 = Date.now();
  const exited = new Promise((r) => srv.child.once('exit', (code) => r(code)));
  srv.child.kill('SIGTERM');
  // while draining, the listening socket is closed: new connections are refused
  const answer = await p.done;
  const code = await exited;
  const took = Date.now() - t0;
  assert.match(answer, /^HTTP\/1\.1 303 /, 'the slow post was answered\n' + answer + logLines(srv));
  assert.equal(code, 0);
  assert.ok(took < 5000, `stopped in ${took} ms (the idle connection did not hold it)`);
  assert.equal(sqlite(path.join(srv.data, 'epak.db'), "SELECT count(*) FROM feedback WHERE message LIKE 'Atsauksme, kas atnāca lēni%'"), '1');
  assert.match(srv.log(), /stopped after \d+ ms: 1 request\(s\) in flight finished, none cut off/, logLines(srv));
  idle.destroy();
  await srv.stop();
});

test('SIGTERM: a request still running at shutdown-timeout is cut off and the exit still comes, status 0', async () => {
  const srv = await startServer({ extra: ['--shutdown-timeout', '2'] });
  const s = await getFormSession(srv.base, '/atsauksmes');
  const body = new URLSearchParams({ _csrf: s.token, topic: 'portal', message: 'Šī atsauksme nekad netiek pabeigta.' }).toString();
  const p = slowPost(srv.port, s, body, { firstPart: 20, restAfter: null }); // the rest never comes
  await sleep(300);
  const t0 = Date.now();
  const exited = new Promise((r) => srv.child.once('exit', (code) => r(code)));
  srv.child.kill('SIGTERM');
  const code = await exited;
  const took = Date.now() - t0;
  await p.done;
  assert.equal(code, 0);
  assert.ok(took >= 1900 && took < 4500, `exit ${took} ms after SIGTERM with shutdown-timeout 2`);
  assert.match(srv.log(), /stopped after \d+ ms: 0 request\(s\) in flight finished, 1 cut off at shutdown-timeout/, logLines(srv));
  assert.equal(sqlite(path.join(srv.data, 'epak.db'), 'SELECT count(*) FROM feedback'), '0');
  await srv.stop();
});

test('SIGTERM over HTTP/2: a stream in flight finishes after GOAWAY, exit 0', async () => {
  const http2 = await import('node:http2');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-h2-'));
  certificate(dir, 2001);
  const srv = await startServer({
    extra: ['--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key'), '--http2', '1'],
    ready: async (port) => (await servedSerial(port)) === 2001,
  });
  const client = http2.connect(`https://127.0.0.1:${srv.port}`, { rejectUnauthorized: false });
  const exchange = (headers, body) => new Promise((resolve, reject) => {
    const req = client.request(headers);
    let data = '';
    let head = null;
    req.on('response', (h) => { head = h; });
    req.on('data', (d) => { data += d; });
    req.on('end', () => resolve({ head, data }));
    req.on('error', reject);
    if (body === undefined) req.end();
    return req;
  });
  try {
    const form = await exchange({ ':path': '/atsauksmes' });
    const cookie = String(form.head['set-cookie']).split(';')[0];
    const token = form.data.match(/name="_csrf" value="([^"]+)"/)[1];
    const body = new URLSearchParams({ _csrf: token, topic: 'portal', message: 'Atsauksme pa HTTP/2, atnāca lēni.' }).toString();
    const req = client.request({ ':method': 'POST', ':path': '/atsauksmes', cookie, 'content-type': 'application/x-www-form-urlencoded' });
    let status = 0;
    let goaway = false;
    client.on('goaway', () => { goaway = true; });
    const answered = new Promise((resolve) => {
      req.on('response', (h) => { status = h[':status']; });
      req.on('close', resolve);
      req.on('error', resolve);
    });
    req.write(body.slice(0, 20));
    await sleep(300);
    const exited = new Promise((r) => srv.child.once('exit', (code) => r(code)));
    srv.child.kill('SIGTERM');
    await sleep(1500);
    req.end(body.slice(20));
    await answered;
    assert.equal(status, 303, 'the stream in flight was answered\n' + logLines(srv));
    assert.ok(goaway, 'the client was told GOAWAY');
    client.close();
    assert.equal(await exited, 0);
    assert.equal(sqlite(path.join(srv.data, 'epak.db'), "SELECT count(*) FROM feedback WHERE message LIKE 'Atsauksme pa HTTP/2%'"), '1');
    assert.match(srv.log(), /stopped after \d+ ms: 1 request\(s\) in flight finished, none cut off/, logLines(srv));
  } finally {
    client.destroy();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
