// tests/e2e/http.test.js — the HTTP layer against a real `epak serve`:
// languages, routing (404, 405, HEAD, OPTIONS), caching headers, security
// headers, limits and hostile requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { startServer, rawRequest, rawRequestBuffer } from '../lib/server.js';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { assert.equal(await srv.stop(), 0, 'epak stops cleanly on SIGTERM'); });

test('the home page is Latvian by default', async () => {
  const r = await fetch(srv.base + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html; charset=utf-8/);
  assert.equal(r.headers.get('content-language'), 'lv');
  const html = await r.text();
  assert.match(html, /<html lang="lv">/);
  assert.match(html, /Valsts ir internetā/);
  assert.match(html, /<h1>Valsts un pašvaldību e-pakalpojumi<\/h1>/);
  assert.match(html, /href="\/en\/"[^>]*hreflang="en"[^>]*>English</);
});

test('the English home page is under /en/', async () => {
  const r = await fetch(srv.base + '/en/');
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.match(html, /<html lang="en">/);
  assert.match(html, /The State is on the Internet/);
  assert.match(html, /href="\/"[^>]*hreflang="lv"[^>]*>Latviski</);
  const bare = await fetch(srv.base + '/en', { redirect: 'manual' });
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.get('location'), '/en/');
});

test('the language switch keeps the current page', async () => {
  const lv = await (await fetch(srv.base + '/palidziba')).text();
  assert.match(lv, /href="\/en\/palidziba"/);
  const en = await (await fetch(srv.base + '/en/palidziba')).text();
  assert.match(en, /<html lang="en">/);
  assert.match(en, /href="\/palidziba"[^>]*hreflang="lv"/);
  assert.match(en, /Where to get help/);
});

test('every page names the helpdesks from the campaign guideline', async () => {
  const html = await (await fetch(srv.base + '/drosiba')).text();
  for (const s of ['67502757', 'portals@vraa.gov.lv', '8300', '67018989', 'eparaksts@eparaksts.lv'])
    assert.ok(html.includes(s), s);
});

test('every response carries the security headers', async () => {
  for (const p of ['/', '/nav-tada-lapa', '/api/v1/health']) {
    const r = await fetch(srv.base + p);
    const csp = r.headers.get('content-security-policy');
    assert.match(csp, /default-src 'self'/, p);
    assert.match(csp, /script-src 'self'/, p);
    assert.doesNotMatch(csp, /unsafe-inline/, p);
    assert.match(csp, /frame-ancestors 'none'/, p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    assert.equal(r.headers.get('referrer-policy'), 'same-origin', p);
    assert.equal(r.headers.get('strict-transport-security'), null, 'no HSTS over plain HTTP');
  }
});

test('an unknown page is a readable 404 in the person\'s language, with its code', async () => {
  const r = await fetch(srv.base + '/nav-tada-lapa');
  assert.equal(r.status, 404);
  const html = await r.text();
  assert.match(html, /<h1>Lapa nav atrasta<\/h1>/);
  assert.match(html, /EPAK-404-\d\d/);
  const en = await fetch(srv.base + '/en/no-such-page');
  assert.equal(en.status, 404);
  assert.match(await en.text(), /<h1>Page not found<\/h1>/);
});

test('API errors are JSON {code, hint, detail}', async () => {
  const r = await fetch(srv.base + '/api/v1/nothing-here');
  assert.equal(r.status, 404);
  assert.match(r.headers.get('content-type'), /application\/json/);
  const j = await r.json();
  assert.match(j.code, /^EPAK-404-\d\d$/);
  assert.equal(j.hint, 'Lapa nav atrasta');
  const en = await (await fetch(srv.base + '/en/api/v1/nothing-here')).json();
  assert.equal(en.hint, 'Page not found');
});

test('a wrong method is 405 with Allow; OPTIONS lists the methods', async () => {
  const r = await fetch(srv.base + '/', { method: 'DELETE' });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD, OPTIONS');
  assert.match(await r.text(), /EPAK-405/);
  const o = await fetch(srv.base + '/atsauksmes', { method: 'OPTIONS' });
  assert.equal(o.status, 204);
  assert.equal(o.headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
});

test('HEAD answers the headers of GET without a body', async () => {
  const get = await fetch(srv.base + '/palidziba');
  const body = await get.arrayBuffer();
  const res = await rawRequest(srv.port, 'HEAD /palidziba HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(res, /^HTTP\/1\.1 200/);
  const [head, rest] = res.split('\r\n\r\n');
  assert.match(head, new RegExp(`content-length: ${body.byteLength}`, 'i'));
  assert.equal(rest, '');
});

test('pages have an ETag and If-None-Match gives 304', async () => {
  const r = await fetch(srv.base + '/e-zime');
  const etag = r.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  const again = await fetch(srv.base + '/e-zime', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await again.arrayBuffer()).byteLength, 0);
});

test('HTML is gzipped for clients that accept it', async () => {
  const res = await rawRequestBuffer(srv.port,
    'GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n');
  const i = res.indexOf('\r\n\r\n');
  const head = res.subarray(0, i).toString();
  assert.match(head, /content-encoding: gzip/i);
  assert.match(head, /vary: accept-encoding/i);
  const body = res.subarray(i + 4);
  assert.match(zlib.gunzipSync(body).toString(), /Valsts ir internetā/);
});

test('static files: hashed names are immutable, plain names revalidate', async () => {
  const html = await (await fetch(srv.base + '/')).text();
  const m = html.match(/href="(\/static\/epak\.[0-9a-f]{8}\.css)"/);
  assert.ok(m, 'the page links the hashed stylesheet');
  const r = await fetch(srv.base + m[1]);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('cache-control'), /max-age=31536000, immutable/);
  assert.match(r.headers.get('content-type'), /^text\/css/);
  const plain = await fetch(srv.base + '/static/epak.css');
  assert.equal(plain.headers.get('cache-control'), 'no-cache');
  assert.equal((await fetch(srv.base + '/static/nope.css')).status, 404);
  assert.equal((await fetch(srv.base + '/static/..%2fMakefile')).status, 404);
});

test('oversized headers get 431 with a readable page', async () => {
  const big = 'x'.repeat(20000);
  const res = await rawRequest(srv.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\nConnection: close\r\n\r\n`);
  assert.match(res, /^HTTP\/1\.1 431/);
  assert.match(res, /Pieprasījuma galvenes ir pārāk garas/);
});

test('an oversized body gets 413 with a readable page', async () => {
  const body = 'a='.padEnd(11 * 1024 * 1024, 'b');
  const r = await fetch(srv.base + '/atsauksmes', {
    method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(r.status, 413);
  assert.match(await r.text(), /Nosūtītie dati ir pārāk lieli/);
});

test('a huge body is refused without harm and the server keeps serving', async () => {
  const res = await rawRequest(srv.port,
    'POST /atsauksmes HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
    'Content-Length: 1000000000\r\n\r\n' + 'a'.repeat(1000), { timeout: 3000 });
  assert.match(res, /^HTTP\/1\.1 413/);
  assert.equal((await fetch(srv.base + '/')).status, 200);
});

test('a too long address gets 414', async () => {
  const r = await fetch(srv.base + '/' + 'a'.repeat(5000));
  assert.equal(r.status, 414);
  assert.match(await r.text(), /Adrese ir pārāk gara/);
});

test('malformed requests get 400 and the server keeps serving', async () => {
  const garbage = [
    'GARBAGE\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n',
    'POST /atsauksmes HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\nConnection: close\r\n\r\na=%zz',
  ];
  for (const g of garbage) {
    const res = await rawRequest(srv.port, g, { timeout: 2000 });
    assert.match(res, /^HTTP\/1\.1 (400|403)/, JSON.stringify(g));
  }
  const ok = await fetch(srv.base + '/');
  assert.equal(ok.status, 200);
});

test('a request with a bad form encoding is 400 with a readable page', async () => {
  const r = await fetch(srv.base + '/atsauksmes', {
    method: 'POST', body: 'message=%E2%28%A1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /nederīgas rakstzīmes/);
});

test('an unsupported body type is 415', async () => {
  const r = await fetch(srv.base + '/atsauksmes', {
    method: 'POST', body: '{}', headers: { 'content-type': 'application/json' },
  });
  assert.equal(r.status, 415);
});

test('the access log has one line per request, without the query string', async () => {
  await fetch(srv.base + '/palidziba?epasts=anna%40example.lv');
  await new Promise((r) => setTimeout(r, 100));
  const lines = srv.log().split('\n').filter((l) => / access GET \/palidziba /.test(l));
  assert.ok(lines.length >= 1);
  assert.match(lines[lines.length - 1], / access GET \/palidziba 200 \d+ \d+$/);
  assert.doesNotMatch(srv.log(), /anna|example\.lv/);
});

test('the health check reports the database', async () => {
  const j = await (await fetch(srv.base + '/api/v1/health')).json();
  assert.equal(j.status, 'ok');
  assert.equal(j.database, 'sqlite');
  assert.ok(j.schema >= 1);
});
