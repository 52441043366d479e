// tests/e2e/links.test.js — the link checker (issue 11, point 4) against a
// real local HTTP server started here: 200, a HEAD the server refuses, a
// chain of redirects across two hosts, 404, 500, a request that is never
// answered and a connection reset. Shown: the results and the recorded
// redirect chain, the history, the schedule (no URL checked again before
// its interval or its retry delay), the per-host rate (the server records
// every request: no two to one host closer than link-check-host-delay),
// the public page of an e-service dead for a week, the refusal of private
// addresses with link-check-allow-private off, and who may see the report.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, sqlite } from '../lib/server.js';
import { Browser, addUser, staffLogin, citizenSession } from '../lib/auth.js';
import { linkServer, linkCatalog } from '../lib/links.js';

const PW = 'links-test-password-1';
const INTERVAL = 8; // link-check-interval, seconds
const RETRY = 3; // link-check-retry
const DELAY = 1000; // link-check-host-delay, ms

let web, port, srv, dir, catalog, seen;

const db = () => path.join(srv.data, 'epak.db');
const q = (sql) => sqlite(db(), sql);
const row = (url) => JSON.parse(q(`SELECT json_object('id', id, 'status', status, 'code', code, 'final', final_url, 'chain', json(chain), 'error', error, 'since', failing_since, 'checked', checked_at, 'due', next_due) FROM link_url WHERE url = '${url}'`));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 60000) {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await fn()) return;
    await sleep(200);
  }
  assert.fail(`timed out waiting for ${what}`);
}

before(async () => {
  web = await linkServer();
  ({ port, seen } = web);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-links-'));
  catalog = linkCatalog(dir, port);
  srv = await startServer({
    imports: [catalog],
    extra: ['--link-check', '1', '--link-check-allow-private', '1', '--link-check-interval', String(INTERVAL),
      '--link-check-retry', String(RETRY), '--link-check-host-delay', String(DELAY / 1000),
      '--link-check-timeout', '2', '--link-check-parallel', '3', '--public-url', 'http://portal.test'],
  });
  addUser(srv, 'red-a', PW, ['name=Editor A', 'role=institution', 'institution=iestade-a']);
  addUser(srv, 'red-b', PW, ['name=Editor B', 'role=institution', 'institution=iestade-b']);
});

after(async () => {
  const log = srv?.log() || '';
  const code = await srv?.stop();
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error/);
  assert.equal(code, 0, 'the server stops cleanly with the checker running');
  web?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('every link the pages show is checked once: results, codes, errors and the redirect chain', async () => {
  assert.equal(Number(q('SELECT count(*) FROM link_url')), 13, 'eleven e-services and two homepages');
  await until('every link checked', () => Number(q("SELECT count(*) FROM link_url WHERE status = 'unknown'")) === 0);
  const a = `http://127.0.0.1:${port}`, b = `http://localhost:${port}`;
  assert.deepEqual([row(`${a}/ok`).status, row(`${a}/ok`).code], ['ok', 200]);
  assert.deepEqual([row(`${a}/head-refused`).status, row(`${a}/head-refused`).code], ['ok', 200]);
  const chain = row(`${a}/chain/1`);
  assert.equal(chain.status, 'redirect');
  assert.equal(chain.final, `http://127.0.0.2:${port}/final`);
  assert.deepEqual(chain.chain, [
    { url: `${a}/chain/1`, code: 301 },
    { url: `${a}/chain/2`, code: 302 },
    { url: `http://127.0.0.2:${port}/chain/3`, code: 308 },
    { url: `http://127.0.0.2:${port}/final`, code: 200 },
  ]);
  assert.deepEqual([row(`${b}/missing`).status, row(`${b}/missing`).code, row(`${b}/missing`).error], ['broken', 404, 'HTTP status 404']);
  assert.deepEqual([row(`${b}/error`).status, row(`${b}/error`).code], ['broken', 500]);
  const hang = row(`http://127.0.0.4:${port}/hang`);
  assert.equal(hang.status, 'broken');
  assert.match(hang.error, /timed out/i);
  const reset = row(`http://127.0.0.5:${port}/reset`);
  assert.equal(reset.status, 'broken');
  assert.match(reset.error, /reset|empty reply|recv failure/i);
  assert.equal(row(`${b}/home-b`).status, 'redirect');
  const c = `http://127.0.0.6:${port}`;
  assert.deepEqual([row(`${c}/loop`).status, row(`${c}/loop`).error], ['broken', 'redirect loop']);
  assert.deepEqual([row(`${c}/ftp`).status, row(`${c}/ftp`).error], ['broken', 'redirect to an address that is not http or https']);
  assert.deepEqual([row(`${c}/long`).status, row(`${c}/long`).error], ['broken', 'redirect to an address longer than 2000 bytes']);
  // none was followed: one request per check, and only to the three addresses
  const six = seen.filter((s) => s.host === '127.0.0.6');
  assert.ok(six.every((s) => ['/loop', '/ftp', '/long'].includes(s.path)), six.map((s) => s.path).join(' '));
  assert.equal(six.length, Number(q(`SELECT count(*) FROM link_check k JOIN link_url u ON u.id = k.url_id WHERE u.host = '127.0.0.6'`)));
  assert.ok(row(`${b}/missing`).since > 0, 'a failing link knows since when');
  assert.equal(row(`${a}/ok`).since, 0);
  // the HEAD the server refused was asked again with GET; the body was not read whole
  const head = seen.filter((s) => s.path === '/head-refused').slice(0, 2).map((s) => s.method);
  assert.deepEqual(head, ['HEAD', 'GET']);
  assert.ok(seen.every((s) => s.ua === 'epak-linkcheck/1 (+http://portal.test)'), 'the User-Agent names the portal');
  // one history row per check
  const id = row(`${a}/chain/1`).id;
  assert.ok(Number(q(`SELECT count(*) FROM link_check WHERE url_id = ${id} AND status = 'redirect'`)) >= 1);
});

test('the schedule holds: no link is checked again before its interval, a failing one backs off', async () => {
  const a = `http://127.0.0.1:${port}`, b = `http://localhost:${port}`;
  const idOk = row(`${a}/ok`).id, idMissing = row(`${b}/missing`).id;
  await until('three checks of /ok', () => Number(q(`SELECT count(*) FROM link_check WHERE url_id = ${idOk}`)) >= 3, 90000);
  const at = (id) => q(`SELECT at FROM link_check WHERE url_id = ${id} ORDER BY at`).split('\n').map(Number);
  const okAt = at(idOk);
  for (let i = 1; i < okAt.length; i++) assert.ok(okAt[i] - okAt[i - 1] >= INTERVAL, `checks of /ok ${okAt}`);
  // the server saw the same: request times of /ok at least the interval apart
  const okReq = seen.filter((s) => s.path === '/ok' && s.host === '127.0.0.1').map((s) => s.t);
  for (let i = 1; i < okReq.length; i++) assert.ok(okReq[i] - okReq[i - 1] >= INTERVAL * 1000 - 1000, `requests of /ok ${okReq}`);
  // failing: retried after RETRY s, then 2 * RETRY (never more than the interval)
  const miss = at(idMissing);
  assert.ok(miss.length >= 3, `checks of /missing ${miss}`);
  assert.ok(miss[1] - miss[0] >= RETRY, `first retry ${miss}`);
  assert.ok(miss[2] - miss[1] >= Math.min(2 * RETRY, INTERVAL), `second retry ${miss}`);
  // the history keeps each check with its outcome
  assert.equal(q(`SELECT DISTINCT status || ' ' || code FROM link_check WHERE url_id = ${idMissing}`), 'broken 404');
});

test('the per-host rate holds: no two requests to one host closer than link-check-host-delay', () => {
  const byHost = new Map();
  for (const s of seen) byHost.set(s.host, [...(byHost.get(s.host) || []), s.t]);
  assert.ok(byHost.get('127.0.0.1').length >= 6, 'several requests to one host');
  for (const [host, times] of byHost) {
    times.sort((x, y) => x - y);
    for (let i = 1; i < times.length; i++)
      assert.ok(times[i] - times[i - 1] >= DELAY - 50, `${host}: ${times[i] - times[i - 1]} ms between two requests`);
  }
});

test('an e-service dead for a week: the public page says it is unavailable and whom to ask', async () => {
  const dead = `http://127.0.0.3:${port}/dead`;
  let page = await (await fetch(`${srv.base}/pakalpojumi/svc-dead`)).text();
  assert.match(page, new RegExp(`class="button-link" href="${dead}"`), 'broken for less than a week: still offered');
  assert.equal(row(dead).status, 'broken');
  const rev = Number(q('SELECT value FROM revision'));
  q(`UPDATE link_url SET failing_since = ${Math.floor(Date.now() / 1000) - 8 * 86400} WHERE url = '${dead}'`);
  await until('the page to change', async () => {
    page = await (await fetch(`${srv.base}/pakalpojumi/svc-dead`)).text();
    return /notice-unavailable/.test(page);
  });
  assert.doesNotMatch(page, new RegExp(`href="${dead}"`), 'the dead link is not a button');
  assert.match(page, /e-pakalpojums šobrīd nav pieejams|e-service is unavailable/i);
  assert.match(page, /href="tel:\+37160000001"/);
  assert.match(page, /href="mailto:info@a.example.lv"/);
  const en = await (await fetch(`${srv.base}/en/pakalpojumi/svc-dead`)).text();
  assert.match(en, /The e-service is unavailable at the moment/);
  // the revision moved once for the change of the dead set, not per check
  assert.equal(Number(q('SELECT value FROM revision')), rev + 1);
  await sleep(7000);
  assert.equal(Number(q('SELECT value FROM revision')), rev + 1, 'no further moves while the set stays the same');
  // the other e-services are untouched
  assert.match(await (await fetch(`${srv.base}/pakalpojumi/svc-ok`)).text(), /class="button-link"/);
  // the list of all e-services no longer links to it either
  const list = await (await fetch(`${srv.base}/e-pakalpojumi`)).text();
  assert.doesNotMatch(list, new RegExp(`href="${dead}"`));
  assert.match(list, new RegExp(`href="http://127.0.0.1:${port}/ok"`));
});

test('who may see the link report: anonymous → login, citizen → 403, editors their own only', async () => {
  const anon = await new Browser(srv.base).get('/birojs/saites');
  assert.equal(anon.status, 303);
  assert.match(anon.headers.get('location'), /^\/pieteikties\?next=/);
  const citizen = new Browser(srv.base);
  citizen.jar.set('epak_session', citizenSession(srv));
  assert.equal((await citizen.get('/birojs/saites')).status, 403);
  assert.equal((await citizen.get('/birojs/saites.csv')).status, 403);
  assert.equal((await citizen.get('/birojs/saites/1')).status, 403);

  const ea = new Browser(srv.base);
  assert.equal((await staffLogin(ea, 'red-a', PW)).status, 303);
  const rep = await ea.get('/birojs/saites');
  assert.equal(rep.status, 200);
  assert.match(rep.html, /chain\/1/);
  assert.match(rep.html, /\/dead/);
  assert.doesNotMatch(rep.html, /\/missing|\/error|\/hang|\/reset|home-b/, 'another institution\'s links are not shown');
  assert.ok(rep.html.indexOf('/dead') < rep.html.indexOf('chain/1'), 'broken before redirected');
  const csv = await ea.get('/birojs/saites.csv');
  assert.match(csv.headers.get('content-type'), /text\/csv/);
  assert.match(csv.html, /^status,code,url,final_url,/);
  assert.match(csv.html, /"broken","404","http:\/\/127\.0\.0\.3:\d+\/dead"/);
  assert.match(csv.html, /"redirect","200","http:\/\/127\.0\.0\.1:\d+\/chain\/1","http:\/\/127\.0\.0\.2:\d+\/final"/);
  assert.doesNotMatch(csv.html, /iestade-b/);
  // the history of one of theirs, with its chain; another's is 403, also by guessing
  const mine = row(`http://127.0.0.1:${port}/chain/1`).id;
  const hist = await ea.get(`/birojs/saites/${mine}`);
  assert.equal(hist.status, 200);
  assert.match(hist.html, /127\.0\.0\.2:\d+\/chain\/3<\/code> — 308/);
  const theirs = row(`http://localhost:${port}/missing`).id;
  assert.equal((await ea.get(`/birojs/saites/${theirs}`)).status, 403);
  assert.equal((await ea.get('/birojs/saites/999999')).status, 403, 'a guessed id says nothing');
  assert.equal((await ea.get('/birojs/saites/abc')).status, 404);
  // first thing after login: their broken and redirected links
  const office = await ea.get('/birojs');
  assert.match(office.html, /id="bad-links"/);
  assert.match(office.html, /\/dead<\/code>/);
  assert.doesNotMatch(office.html, /\/missing/);

  const eb = new Browser(srv.base);
  await staffLogin(eb, 'red-b', PW);
  const repb = await eb.get('/birojs/saites');
  assert.match(repb.html, /\/missing/);
  assert.doesNotMatch(repb.html, /chain\/1|\/dead/);
  assert.equal((await eb.get(`/birojs/saites/${mine}`)).status, 403);
});

test('with link-check-allow-private off, loopback addresses are refused before any request', async () => {
  const before_ = seen.length;
  const s2 = await startServer({ imports: [catalog], extra: ['--link-check', '1', '--public-url', 'http://second.test', '--link-check-host-delay', '1'] });
  try {
    const file = path.join(s2.data, 'epak.db');
    await until('the second server to check', () => Number(sqlite(file, "SELECT count(*) FROM link_url WHERE status = 'unknown'")) === 0);
    assert.equal(sqlite(file, "SELECT DISTINCT status FROM link_url"), 'broken');
    const errors = sqlite(file, 'SELECT DISTINCT error FROM link_url').split('\n');
    assert.ok(errors.every((e) => /is not a public address \(link-check-allow-private is off\)/.test(e)), errors.join('\n'));
    assert.equal(seen.slice(before_).filter((s) => /second\.test/.test(s.ua)).length, 0, 'not one request reached the server');
  } finally {
    const log = s2.log();
    assert.equal(await s2.stop(), 0, log);
  }
});
