// tests/e2e/openapi.test.js — the OpenAPI 3.1 description of /api/v1
// (static/openapi.json, served at /api/v1/openapi.json) against the
// official 3.1 schema and against the live answers: every /api/v1 route of
// src/web/routes.c is described, and every answer provoked here — the
// happy path and each error a stranger can cause — is valid against the
// schema the document gives for its status (ajv, JSON Schema 2020-12).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import { startServer, getFormSession, rawRequest, root, stopClean } from '../lib/server.js';
import { setupPki, stopPki } from '../lib/signing.js';

const ORIGIN = 'https://epak.example.lv';
let work;
let pki;
let srv;
let doc;
let ajv;
const seen = new Set(); // "METHOD path status" answers checked

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-openapi-'));
  pki = path.join(work, 'pki');
  const responder = setupPki(pki);
  srv = await startServer({
    imports: [path.join(root, 'data/catalog.jsonld')],
    extra: ['--trust', path.join(pki, 'root.crt'), '--sign-ca', path.join(pki, 'inter.crt'),
      '--auth-ocsp-url', `${responder}/ocsp`, '--public-url', ORIGIN, '--limit-webeid-browser', '3',
      '--sign-sessions-per-browser', '2', '--max-body', '64k'],
  });
  const r = await fetch(`${srv.base}/api/v1/openapi.json`);
  assert.equal(r.status, 200);
  doc = await r.json();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: 'openapi' });
});

after(async () => {
  await stopClean(srv);
  stopPki(pki);
  fs.rmSync(work, { recursive: true, force: true });
});

const ptr = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

// The response object the document gives for an answer, its pointer in
// the document (following a $ref to components/responses).
function responseOf(method, p, status) {
  const op = doc.paths[p]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${p} is not described`);
  let res = op.responses[String(status)];
  let at = `#/paths/${ptr(p)}/${method.toLowerCase()}/responses/${status}`;
  assert.ok(res, `${method} ${p} answered ${status}, which the description does not list`);
  if (res.$ref) {
    at = res.$ref;
    res = res.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return { res, at };
}

// Every property a schema lists that the body must have; for a closed
// object (additionalProperties false) nothing more (ajv checks both; this
// names the field in the message).
function requiredOf(schema) {
  if (schema.$ref) return requiredOf(schema.$ref.slice(2).split('/').reduce((o, k) => o[k], doc));
  return schema.required || [];
}

// Checks an answer against the description: its status is listed, its
// content type is the one described, its body valid against the schema.
async function check(method, p, r, want) {
  assert.equal(r.status, want, `${method} ${p}: ${r.status} ${await r.clone().text()}`);
  const { res, at } = responseOf(method, p, r.status);
  seen.add(`${method} ${p} ${r.status}`);
  const ct = (r.headers.get('content-type') || '').split(';')[0].trim();
  const types = Object.keys(res.content || {});
  assert.ok(types.includes(ct), `${method} ${p} ${r.status}: content type ${ct}, described ${types}`);
  for (const h of Object.keys(res.headers || {})) assert.ok(r.headers.get(h), `${method} ${p} ${r.status}: no ${h} header`);
  if (ct !== 'application/json') return null;
  const body = await r.json();
  const validate = ajv.getSchema(`openapi${at}/content/${ptr(ct)}/schema`);
  assert.ok(validate, `no schema at ${at}`);
  assert.ok(validate(body), `${method} ${p} ${r.status}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body)}`);
  const schema = res.content[ct].schema;
  if (!schema.oneOf) for (const k of requiredOf(schema)) assert.ok(k in body, `${method} ${p} ${r.status}: no ${k}`);
  return body;
}

// A browser with the login page's cookie and CSRF token.
async function browser() {
  const s = await getFormSession(srv.base, '/pieteikties');
  assert.ok(s.token && s.cookie);
  return s;
}

test('the document is valid OpenAPI 3.1 (the official schema) and names public-url as its server', async () => {
  const res = await new Validator().validate(structuredClone(doc));
  assert.ok(res.valid, JSON.stringify(res.errors, null, 1));
  assert.equal(doc.openapi, '3.1.0');
  assert.deepEqual(doc.servers.map((s) => s.url), [ORIGIN, `${ORIGIN}/en`]);
  // the file as installed, without public-url, names this server relatively
  const file = JSON.parse(fs.readFileSync(path.join(root, 'static/openapi.json'), 'utf8'));
  assert.deepEqual(file.servers.map((s) => s.url), ['/', '/en']);
  assert.ok((await new Validator().validate(file)).valid);
});

test('every /api/v1 route in src/web/routes.c is described, and nothing else', () => {
  const src = fs.readFileSync(path.join(root, 'src/web/routes.c'), 'utf8');
  const routes = [...src.matchAll(/\{"(GET|POST|PUT|DELETE|PATCH)", "(\/api\/v1\/[^"]*)"/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.ok(routes.length >= 8, routes.join(', '));
  const described = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
  for (const r of routes) assert.ok(described.includes(r), `${r} is served but not described`);
  for (const d of described) assert.ok(routes.includes(d), `${d} is described but not served`);
  // every operation lists the errors every route can give
  for (const d of described) {
    const [m, p] = d.split(' ');
    const codes = Object.keys(doc.paths[p][m.toLowerCase()].responses);
    for (const c of ['200', '400', '404', '405', '414', '503']) assert.ok(codes.includes(c), `${d} lacks ${c}`);
    if (m === 'POST') for (const c of ['403', '413', '415']) assert.ok(codes.includes(c), `${d} lacks ${c}`);
  }
});

test('openapi.json: served as JSON, revalidated by its ETag, in both languages', async () => {
  const r = await fetch(`${srv.base}/api/v1/openapi.json`);
  await check('GET', '/api/v1/openapi.json', r, 200);
  assert.match(r.headers.get('cache-control'), /no-cache/);
  const etag = r.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${srv.base}/api/v1/openapi.json`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  const en = await fetch(`${srv.base}/en/api/v1/openapi.json`);
  assert.equal(en.status, 200);
  assert.deepEqual(Object.keys((await en.json()).paths), Object.keys(doc.paths));
});

test('search: hits, facets, a life situation, and every refusal', async () => {
  const p = '/api/v1/search';
  const b = await check('GET', p, await fetch(`${srv.base}${p}?q=pase`), 200);
  assert.ok(b.total > 0 && b.results.length > 0);
  // every property of a hit and of the facets, filled
  const all = await check('GET', p, await fetch(`${srv.base}${p}?q=pakalpojums&limit=100`), 200);
  assert.ok(all.results.some((h) => h.institution !== null));
  assert.ok(all.facets.institution.length > 0);
  const sit = await check('GET', p, await fetch(`${srv.base}${p}?q=${encodeURIComponent('pārcēlos uz citu dzīvesvietu')}`), 200);
  if (sit.situation) assert.ok(sit.situation.services >= sit.situation.online);
  await check('GET', p, await fetch(`${srv.base}/en${p}?q=passport&eservice=1&offset=0&limit=5`), 200);
  const facet = all.facets.institution[0].id;
  const f = await check('GET', p, await fetch(`${srv.base}${p}?q=pakalpojums&institution=${encodeURIComponent(facet)}`), 200);
  assert.ok(f.total <= all.total);
  await check('GET', p, await fetch(`${srv.base}${p}?q=zzqxv`), 200);
  const missing = await check('GET', p, await fetch(`${srv.base}${p}`), 422);
  assert.match(missing.detail, /^q:/);
  assert.match((await check('GET', p, await fetch(`${srv.base}${p}?q=pase&limit=0`), 422)).detail, /limit/);
  assert.match((await check('GET', p, await fetch(`${srv.base}${p}?q=pase&offset=x`), 422)).detail, /offset/);
  assert.match((await check('GET', p, await fetch(`${srv.base}${p}?q=${'vārds%20'.repeat(40)}`), 422)).detail, /too long/);
  await check('GET', p, await fetch(`${srv.base}${p}?q=%ff`), 400);
  const m = await fetch(`${srv.base}${p}?q=pase`, { method: 'DELETE' });
  await check('GET', p, m, 405);
  assert.match(m.headers.get('allow'), /GET/);
  await check('GET', p, await fetch(`${srv.base}${p}?q=${'a'.repeat(5000)}`), 414);
  const big = await rawRequest(srv.port, `GET ${p}?q=pase HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70000)}\r\nConnection: close\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431/);
  assert.ok(ajv.getSchema('openapi#/components/schemas/Error')(JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4))), big);
  seen.add(`GET ${p} 431`);
});

test('suggest: completions, empty, and an unreadable query', async () => {
  const p = '/api/v1/suggest';
  const b = await check('GET', p, await fetch(`${srv.base}${p}?q=pas`), 200);
  assert.ok(b.suggestions.length > 0);
  assert.deepEqual(await check('GET', p, await fetch(`${srv.base}${p}`), 200), { query: '', suggestions: [] });
  await check('GET', p, await fetch(`${srv.base}${p}?q=%c3`), 400);
  await check('GET', p, await fetch(`${srv.base}${p}?q=a`, { method: 'POST' }), 405);
});

test('auth/challenge and auth/webeid: a nonce, the refusals, the budget', async () => {
  const c = '/api/v1/auth/challenge';
  const w = '/api/v1/auth/webeid';
  const s = await browser();
  const ok = await check('GET', c, await fetch(`${srv.base}${c}`, { headers: { cookie: s.cookie } }), 200);
  assert.equal(Buffer.from(ok.nonce, 'base64').length, 32);
  assert.match((await check('GET', c, await fetch(`${srv.base}${c}`), 403)).detail, /login page/);
  await check('GET', c, await fetch(`${srv.base}${c}`, { headers: { cookie: s.cookie, 'sec-fetch-site': 'cross-site' } }), 403);
  const form = (o) => ({ method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o).toString() });
  const refused = await check('POST', w, await fetch(`${srv.base}${w}`, form({ _csrf: s.token, nonce: 'AAAA', token: '{}' })), 403);
  assert.deepEqual([refused.code, refused.detail], ['login_refused', 'nonce']);
  const malformed = await check('POST', w, await fetch(`${srv.base}${w}`, form({ _csrf: s.token, nonce: ok.nonce })), 403);
  assert.equal(malformed.detail, 'malformed');
  const csrf = await check('POST', w, await fetch(`${srv.base}${w}`, form({ nonce: ok.nonce, token: '{}' })), 403);
  assert.equal(csrf.code, 'EPAK-403-06');
  await check('POST', w, await fetch(`${srv.base}${w}`, { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'text/plain' }, body: 'x' }), 415);
  await check('POST', w, await fetch(`${srv.base}${w}`, form({ _csrf: s.token, token: 'x'.repeat(70000) })), 413);
  await check('POST', w, await fetch(`${srv.base}${w}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${s.token}` }), 403); // no cookie
  await check('POST', w, await fetch(`${srv.base}${w}`), 405); // a GET: the Allow header says POST
  // a good token (the card's, as tests/e2e/login-webeid.test.js makes it):
  // logged in, told where to go
  const g = await browser();
  const nonce = (await check('GET', c, await fetch(`${srv.base}${c}`, { headers: { cookie: g.cookie } }), 200)).nonce;
  const key = crypto.createPrivateKey(fs.readFileSync(path.join(pki, 'auth-ec.key')));
  const data = Buffer.concat([ORIGIN, nonce].map((x) => crypto.createHash('sha384').update(x).digest()));
  const token = {
    unverifiedCertificate: new crypto.X509Certificate(fs.readFileSync(path.join(pki, 'auth-ec.crt'))).raw.toString('base64'),
    algorithm: 'ES384', signature: crypto.sign('sha384', data, { key, dsaEncoding: 'ieee-p1363' }).toString('base64'),
    format: 'web-eid:1.0', appVersion: 'https://web-eid.eu/web-eid-app/releases/2.5.0+0',
  };
  const loggedIn = await fetch(`${srv.base}${w}`, { method: 'POST', headers: { cookie: g.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: g.token, nonce, token: JSON.stringify(token) }).toString() });
  assert.equal((await check('POST', w, loggedIn, 200)).redirect, '/profils');
  // the budget: three challenges per browser (limit-webeid-browser 3)
  let last;
  for (let i = 0; i < 4; i++) last = await fetch(`${srv.base}${c}`, { headers: { cookie: s.cookie } });
  await check('GET', c, last, 429);
});

test('health: the database answers', async () => {
  const b = await check('GET', '/api/v1/health', await fetch(`${srv.base}/api/v1/health`), 200);
  assert.equal(b.database, process.env.EPAK_TEST_PG ? 'postgresql' : 'sqlite');
  await check('GET', '/api/v1/health', await fetch(`${srv.base}/api/v1/health`, { method: 'POST' }), 405);
});

test('health/live and health/ready', async () => {
  await check('GET', '/api/v1/health/live', await fetch(`${srv.base}/api/v1/health/live`), 200);
  await check('GET', '/api/v1/health/ready', await fetch(`${srv.base}/api/v1/health/ready`), 200);
});

test('sign/start and sign/finish: a digest, and every refusal a client can cause', async () => {
  const st = '/api/v1/sign/start';
  const fi = '/api/v1/sign/finish';
  const cert = fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8');
  const s = await browser();
  const start = (fields, files = [['a.txt', 'teksts\n']], who = s) => {
    const fd = new FormData();
    if (who.token) fd.append('_csrf', who.token);
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    for (const [name, bytes] of files) fd.append('file', new Blob([bytes]), name);
    return fetch(srv.base + st, { method: 'POST', body: fd, headers: who.cookie ? { cookie: who.cookie } : {} });
  };
  const finish = (o, who = s) => fetch(srv.base + fi, { method: 'POST', headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: who.token, ...o }).toString() });
  const ok = await check('POST', st, await start({ certificate: cert }), 200);
  assert.equal(ok.profile, 'B');
  assert.equal(ok.keyType, 'EC');
  assert.match((await check('POST', st, await start({}), 422)).detail, /^certificate/);
  assert.match((await check('POST', st, await start({ certificate: cert, profile: 'X' }), 422)).detail, /profile/);
  assert.match((await check('POST', st, await start({ certificate: cert, profile: 'LT' }), 422)).detail, /time-stamp/);
  assert.match((await check('POST', st, await start({ certificate: cert }, []), 422)).detail, /^file/);
  assert.match((await check('POST', st, await start({ certificate: cert, session: 'nosuchsession' }), 404)).detail, /no such/);
  await check('POST', st, await start({ certificate: cert }, [['a.txt', 'x']], { cookie: s.cookie }), 403);
  await check('POST', st, await start({ certificate: cert }, [['big.bin', 'x'.repeat(100000)]]), 413);
  await check('POST', st, await fetch(srv.base + st, { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json' }, body: '{}' }), 415);
  // two sessions per browser (sign-sessions-per-browser 2): the third waits
  await check('POST', st, await start({ certificate: cert }), 200);
  await check('POST', st, await start({ certificate: cert }), 429);
  assert.match((await check('POST', fi, await finish({ session: ok.session }), 422)).detail, /signature/);
  assert.match((await check('POST', fi, await finish({ session: 'nosuchsession', signature: 'AAAA' }), 404)).detail, /no such/);
  const other = await browser();
  await check('POST', fi, await finish({ session: ok.session, signature: 'AAAA' }, other), 403);
  // a signature that is not the card's: refused, and the session stays
  const bad = await finish({ session: ok.session, signature: Buffer.alloc(96, 7).toString('base64') });
  assert.ok([422, 503].includes(bad.status), String(bad.status));
  await check('POST', fi, bad, bad.status);
  await check('POST', fi, await fetch(srv.base + fi), 405);
});

test('an unknown /api/v1 path answers the described JSON 404', async () => {
  const r = await fetch(`${srv.base}/api/v1/nosuch`);
  assert.equal(r.status, 404);
  const v = ajv.getSchema('openapi#/components/schemas/Error');
  assert.ok(v(await r.json()), JSON.stringify(v.errors));
});

test('coverage: every path was called, with its 200 unless it cannot be reached here', () => {
  // 200 of sign/finish needs a card's signature (tests/e2e/sign-api.test.js
  // signs on SoftHSM2).
  const unreachable = new Set(['POST /api/v1/sign/finish 200']);
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const m of Object.keys(ops)) {
      const k = `${m.toUpperCase()} ${p} 200`;
      if (!unreachable.has(k)) assert.ok(seen.has(k), `${k} was never checked`);
    }
  }
  assert.ok(seen.size >= 30, `${seen.size} answers checked`);
});
