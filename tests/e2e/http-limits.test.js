// tests/e2e/http-limits.test.js — what a stranger can make the server hold
// before a request is answered: uploads refused on their headers (before
// h2o reads the body), bodies cut at max-body, connections capped per
// address and in total; a malformed query is a 400; CSRF checks Origin.
// docs/security.md ("Requests") names the figures measured here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { startServer, getFormSession, rawRequest } from '../lib/server.js';

let srv;
// max-body 2 MiB: ten uploads cut at it stay well apart from what the
// cookie-less ones must not cost (ASan's allocator keeps freed memory a while)
// (and a small quarantine, or RSS counts every freed buffer)
before(async () => {
  srv = await startServer({ extra: ['--max-conns-per-address', '32', '--max-body', '2M'],
    env: { ASAN_OPTIONS: `${process.env.ASAN_OPTIONS || ''}:quarantine_size_mb=4` } });
});
after(async () => { const rc = await srv.stop(); assert.equal(rc, 0, srv.log().slice(-3000)); });

const rssMiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One connection that sends the headers of an upload and then, slowly,
// chunks of a body that never ends. Resolves when the server closes it,
// with what it answered and how much of the body it was sent.
function slowUpload(port, { head, total, chunk = 256 * 1024, pause = 5, localAddress = '127.0.0.1' }) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    let out = '';
    let sent = 0;
    let closed = false;
    const piece = Buffer.alloc(chunk, 0x61);
    const frame = Buffer.concat([Buffer.from(chunk.toString(16) + '\r\n'), piece, Buffer.from('\r\n')]);
    sock.on('data', (d) => { out += d.toString('latin1'); });
    sock.on('error', () => {});
    sock.on('close', () => { closed = true; resolve({ out, sent }); });
    sock.on('connect', async () => {
      sock.write(head);
      while (!closed && sent < total) {
        if (!sock.write(frame)) await new Promise((r) => sock.once('drain', r).once('close', r));
        sent += chunk;
        await sleep(pause);
      }
      // never finished: the server's timer or its answer ends it
      if (!closed) setTimeout(() => sock.destroy(), 2000);
    });
  });
}

const uploadHead = (extra = '') => 'POST /parbaudit HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
  'Content-Type: multipart/form-data; boundary=xyz\r\nTransfer-Encoding: chunked\r\n' + extra + '\r\n';

async function timedGet(url) {
  const t = Date.now();
  const r = await fetch(url);
  await r.text();
  return { status: r.status, ms: Date.now() - t };
}

test('ten never-ending uploads: refused on their headers or at max-body; memory bounded, others served', async () => {
  const { cookie } = await getFormSession(srv.base, '/parbaudit');
  const rss0 = rssMiB(srv.child.pid);
  let peak = rss0;
  const sampler = setInterval(() => { peak = Math.max(peak, rssMiB(srv.child.pid)); }, 20);
  try {
    // the attack review's: no CSRF cookie, 19 MiB chunked each
    const t0 = Date.now();
    const bare = await Promise.all(Array.from({ length: 10 }, () => slowUpload(srv.port, { head: uploadHead(), total: 19 << 20 })));
    for (const r of bare) {
      assert.match(r.out, /^HTTP\/1\.1 403 /, 'refused on the headers');
      assert.match(r.out, /Veidlapa ir novecojusi/, 'with the page in the person\'s language');
      assert.ok(r.sent < 8 << 20, `the server stopped reading early (the client got ${r.sent} bytes out)`);
    }
    const bareMs = Date.now() - t0;
    const afterBare = peak;
    // with a valid cookie (a real browser's upload, too large): cut at max-body with a 413
    const withCookie = Promise.all(Array.from({ length: 10 }, () => slowUpload(srv.port,
      { head: uploadHead(`Cookie: ${cookie}\r\nSec-Fetch-Site: same-origin\r\n`), total: 19 << 20 })));
    const gets = [];
    for (let i = 0; i < 10; i++) { gets.push(await timedGet(srv.base + '/')); await sleep(50); }
    for (const r of await withCookie) assert.match(r.out, /^HTTP\/1\.1 413 /);
    for (const g of gets) assert.equal(g.status, 200);
    const slowest = Math.max(...gets.map((g) => g.ms));
    console.log(`RSS ${rss0.toFixed(0)} MiB → ${afterBare.toFixed(0)} MiB after 10 cookie-less uploads (${bareMs} ms), ` +
      `peak ${peak.toFixed(0)} MiB with 10 cookie-bearing ones; GET / at most ${slowest} ms meanwhile`);
    assert.ok(afterBare - rss0 < 40, `cookie-less uploads cost ${afterBare - rss0} MiB`);
    // ten bodies cut at max-body (2 MiB): never the 2 × 19 MiB h2o would have taken
    assert.ok(peak - rss0 < 80, `uploads cost ${peak - rss0} MiB`);
  } finally {
    clearInterval(sampler);
  }
});

test('a Content-Length over max-body is answered 413 before the body is sent', async () => {
  const out = await rawRequest(srv.port, 'POST /en/parbaudit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000000000\r\n' +
    'Content-Type: multipart/form-data; boundary=xyz\r\n\r\n', { timeout: 3000 });
  assert.match(out, /^HTTP\/1\.1 413 /);
  assert.match(out, /Connection: close/i);
  assert.match(out, /The data sent is too large/);
  // a route that does not exist, or a method it does not take: no body read either
  assert.match(await rawRequest(srv.port, 'POST /nav-tada HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n', { timeout: 3000 }), /^HTTP\/1\.1 404 /);
  assert.match(await rawRequest(srv.port, 'PUT /parbaudit HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n', { timeout: 3000 }), /^HTTP\/1\.1 405 /);
  // a cross-site upload with the person's own cookie
  const { cookie } = await getFormSession(srv.base, '/parbaudit');
  assert.match(await rawRequest(srv.port, `POST /parbaudit HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nOrigin: https://evil.example\r\n` +
    'Content-Length: 1000000\r\n\r\n', { timeout: 3000 }), /^HTTP\/1\.1 403 /);
});

function openConn(port, localAddress = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    s.on('error', () => {});
    s.closedByServer = false;
    s.on('close', () => { s.closedByServer = true; });
    s.on('connect', () => resolve(s));
  });
}

test('connections per address are capped at accept; another address is still served', async () => {
  const socks = [];
  for (let i = 0; i < 40; i++) socks.push(await openConn(srv.port));
  await sleep(500);
  // (the test's own keep-alive fetch connections may hold one or two)
  const open = socks.filter((s) => !s.closedByServer).length;
  assert.ok(open <= 32 && open >= 29, `max-conns-per-address: ${open} of 40 left open`);
  // a client at another address
  const other = await openConn(srv.port, '127.0.0.2');
  const answer = await new Promise((resolve) => {
    let out = '';
    other.on('data', (d) => { out += d; });
    other.on('close', () => resolve(out));
    other.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  });
  assert.match(answer, /^HTTP\/1\.1 200 /);
  for (const s of socks) s.destroy();
  await sleep(300);
  // released when they close
  const again = await openConn(srv.port);
  await sleep(200);
  assert.equal(again.closedByServer, false);
  again.destroy();
  assert.match(srv.log(), /connections refused at accept/);
});

test('max-conns caps all connections together', async () => {
  const small = await startServer({ extra: ['--max-conns', '16', '--max-conns-per-address', '0'] });
  try {
    const socks = [];
    for (let i = 0; i < 20; i++) socks.push(await openConn(small.port, `127.0.0.${2 + (i % 5)}`));
    await sleep(500);
    const open = socks.filter((s) => !s.closedByServer).length;
    assert.ok(open <= 16 && open >= 14, `max-conns: ${open} of 20 left open`);
    for (const s of socks) s.destroy();
  } finally {
    await small.stop();
  }
});

test('a trusted proxy is not capped per address (its X-Forwarded-For: login-cert.test.js)', async () => {
  const px = await startServer({ extra: ['--max-conns-per-address', '4', '--trusted-proxies', '127.0.0.3'] });
  try {
    const fromProxy = [];
    for (let i = 0; i < 10; i++) fromProxy.push(await openConn(px.port, '127.0.0.3'));
    const others = [];
    for (let i = 0; i < 6; i++) others.push(await openConn(px.port, '127.0.0.4'));
    await sleep(500);
    assert.equal(fromProxy.filter((s) => !s.closedByServer).length, 10, 'the proxy carries many clients');
    assert.equal(others.filter((s) => !s.closedByServer).length, 4, 'anyone else: max-conns-per-address');
    for (const s of [...fromProxy, ...others]) s.destroy();
  } finally {
    await px.stop();
  }
});

test('a malformed query is a 400 on a route that reads the query, not "no query"', async () => {
  const page = await fetch(srv.base + '/meklet?q=pase&x=%ZZ');
  assert.equal(page.status, 400);
  assert.match(page.headers.get('content-type'), /text\/html/);
  assert.match(await page.text(), /nederīgas rakstzīmes/);
  const en = await fetch(srv.base + '/en/meklet?q=%E2%28');
  assert.equal(en.status, 400);
  assert.match(await en.text(), /invalid characters/);
  const api = await fetch(srv.base + '/api/v1/search?q=pase&y=%0');
  assert.equal(api.status, 400);
  const j = await api.json();
  assert.match(j.code, /^EPAK-400/);
  assert.ok(j.detail);
  // a well-formed one is answered as before; a page that reads no query ignores it
  assert.equal((await fetch(srv.base + '/meklet?q=pase')).status, 200);
  assert.equal((await fetch(srv.base + '/palidziba?x=%ZZ')).status, 200);
});

test('CSRF: a form posted with another Origin is refused, this site\'s is accepted', async () => {
  const { cookie, token } = await getFormSession(srv.base, '/atsauksmes');
  assert.ok(token);
  const post = (origin) => fetch(srv.base + '/atsauksmes', {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...(origin ? { origin } : {}) },
    body: `_csrf=${encodeURIComponent(token)}&message=Labdien&page=%2F`,
  });
  for (const bad of ['https://evil.example', 'null', `http://127.0.0.1:${srv.port}.evil.example`,
    `https://127.0.0.1:${srv.port}`, `http://127.0.0.1:${srv.port}/x`, `http://user@127.0.0.1:${srv.port}`]) {
    const r = await post(bad);
    assert.equal(r.status, 403, bad);
  }
  for (const good of [null, `http://127.0.0.1:${srv.port}`, `HTTP://127.0.0.1:${srv.port}`]) {
    const r = await post(good);
    assert.notEqual(r.status, 403, String(good));
  }
});

test('CSRF: with public-url, its origin is accepted (a proxy terminating TLS)', async () => {
  const s = await startServer({ extra: ['--public-url', 'https://epak.example.lv/'] });
  try {
    const { cookie, token } = await getFormSession(s.base, '/atsauksmes');
    const post = (origin) => fetch(s.base + '/atsauksmes', {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin },
      body: `_csrf=${encodeURIComponent(token)}&message=Labdien&page=%2F`,
    });
    assert.notEqual((await post('https://epak.example.lv')).status, 403);
    assert.notEqual((await post('https://EPAK.example.lv:443')).status, 403);
    assert.equal((await post('http://epak.example.lv')).status, 403);
    assert.equal((await post('https://epak.example.lv.evil.example')).status, 403);
  } finally {
    await s.stop();
  }
});
