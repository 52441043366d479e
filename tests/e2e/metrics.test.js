// tests/e2e/metrics.test.js — /metrics and the health checks (issue 15):
// counts by route pattern after a known set of requests, the text checked by
// a real parser (promtool, Debian's prometheus), access by the TCP peer only
// (404 to others, X-Forwarded-For from a trusted proxy not believed), label
// cardinality bounded by the route table after 10 000 random paths, and
// readiness following PostgreSQL down and up again while liveness stays 200.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, root } from '../lib/server.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A scrape's text is rendered at most once a second: wait past that.
async function scrape(srv) {
  await sleep(1100);
  const res = await fetch(srv.base + '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  assert.match(res.headers.get('cache-control'), /no-store/);
  return res.text();
}

// The samples of the text: [{ name, labels: {..}, value }], with a check
// that no series appears twice (promtool 2.42 does not look for that).
function samples(text) {
  const out = [];
  const seen = new Set();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    assert.ok(!seen.has(m[1] + '{' + (m[2] || '') + '}'), `series twice: ${line}`);
    seen.add(m[1] + '{' + (m[2] || '') + '}');
    const labels = {};
    for (const l of (m[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

function value(list, name, want) {
  const s = list.find((x) => x.name === name && Object.entries(want).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : 0;
}

function promtool(text) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.error, undefined, 'promtool runs (Debian package prometheus, mk/deps.sh test)');
  return r;
}

describe('/metrics', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); });

  test('counts requests by route pattern and status, never by path', async () => {
    const a = samples(await scrape(srv));
    for (let i = 0; i < 10; i++) assert.equal((await fetch(srv.base + '/palidziba')).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await fetch(srv.base + '/pakalpojumi/nav-tada-persona-12345')).status, 404);
    assert.equal((await fetch(srv.base + '/kaut-kas-cits-67890')).status, 404);
    assert.equal((await fetch(srv.base + '/en/palidziba')).status, 200);
    assert.equal((await fetch(srv.base + '/api/v1/health/live')).status, 200);
    const text = await scrape(srv);
    const b = samples(text);
    const diff = (want) => value(b, 'epak_http_requests_total', want) - value(a, 'epak_http_requests_total', want);
    assert.equal(diff({ route: '/palidziba', method: 'GET', code: '200' }), 11, 'lv and en pages are one route');
    assert.equal(diff({ route: '/pakalpojumi/{slug}', method: 'GET', code: '404' }), 2);
    assert.equal(diff({ route: 'unmatched', code: '404' }), 1);
    assert.equal(diff({ route: '/api/v1/health/live', method: 'GET', code: '200' }), 1);
    // the histogram agrees with the counter and is cumulative
    const count = value(b, 'epak_http_request_duration_seconds_count', { route: '/palidziba', method: 'GET' });
    assert.equal(count, value(b, 'epak_http_requests_total', { route: '/palidziba', method: 'GET', code: '200' }));
    const buckets = b.filter((s) => s.name === 'epak_http_request_duration_seconds_bucket' && s.labels.route === '/palidziba');
    assert.equal(buckets.length, 15);
    assert.equal(buckets[buckets.length - 1].labels.le, '+Inf');
    assert.equal(buckets[buckets.length - 1].value, count);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value);
    // the page cache: each thread's first /palidziba was a miss, the rest hits
    const hits = value(b, 'epak_page_cache_lookups_total', { result: 'hit' }) -
      value(a, 'epak_page_cache_lookups_total', { result: 'hit' });
    assert.ok(hits >= 8, `${hits} hits`);
    // no path a person asked for shows
    assert.doesNotMatch(text, /nav-tada-persona|kaut-kas-cits/);
    // the other families are there
    for (const f of ['epak_read_model_revision', 'epak_read_model_build_seconds', 'epak_mail_outbox_queued',
      'epak_mail_outbox_oldest_queued_age_seconds', 'epak_login_sessions_active', 'epak_worker_pool_queued_jobs',
      'epak_http_open_connections', 'process_start_time_seconds', 'epak_database_up']) {
      assert.ok(b.some((s) => s.name === f), f);
    }
    assert.ok(value(b, 'epak_read_model_revision', {}) >= 0, 'a read model is loaded');
    assert.equal(value(b, 'epak_database_up', {}), 1);
    assert.equal(value(b, 'epak_database_errors_total', { kind: 'connect' }), 0);
    assert.ok(b.some((s) => s.name === 'epak_build_info' && s.labels.version && s.value === 1));
  });

  test('promtool parses the text and reports no problem', async () => {
    const text = await scrape(srv);
    const r = promtool(text);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal((r.stdout + r.stderr).trim(), '');
    // and it does catch a broken text, so the check can fail
    const bad = promtool(text + 'epak_bad{route="/a} 1\n');
    assert.notEqual(bad.status, 0);
  });

  test('route labels stay bounded after 10 000 random paths', async () => {
    const before1 = await scrape(srv);
    const seriesBefore = samples(before1).length;
    let next = 0;
    const worker = async () => {
      while (next < 10000) {
        const i = next++;
        const rnd = Math.random().toString(36).slice(2);
        const p = ['/x-' + rnd, '/pakalpojumi/' + rnd, '/en/' + rnd, '/iestades/' + rnd + '/' + i, '/api/v1/' + rnd][i % 5];
        const res = await fetch(srv.base + p);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const text = await scrape(srv);
    const b = samples(text);
    const routes = new Set(b.filter((s) => s.name === 'epak_http_requests_total').map((s) => s.labels.route));
    // every label is a pattern of the route table or "unmatched"
    for (const r of routes) assert.ok(r === 'unmatched' || r.startsWith('/'), r);
    assert.ok(routes.size <= 12, `route labels: ${[...routes].join(' ')}`);
    assert.ok(b.length <= seriesBefore + 40, `series ${seriesBefore} -> ${b.length}`);
    assert.ok(text.length < 100000, `${text.length} bytes`);
    assert.ok(value(b, 'epak_http_requests_total', { route: 'unmatched', code: '404' }) >= 6000);
  });

  test('hammering /metrics renders it at most once a second', async () => {
    const t0 = Date.now();
    const bodies = new Set();
    for (let i = 0; i < 300; i++) {
      const res = await fetch(srv.base + '/metrics');
      assert.equal(res.status, 200);
      // each scrape is counted, so a new render differs from the last one
      bodies.add(await res.text());
    }
    const seconds = (Date.now() - t0) / 1000;
    assert.ok(bodies.size <= Math.ceil(seconds) + 1, `${bodies.size} renders in ${seconds} s`);
  });

  test('/en/metrics is not an address of it', async () => {
    assert.equal((await fetch(srv.base + '/en/metrics')).status, 404);
  });

  test('a request a proxy passed on gets 404, though the proxy connects from loopback', async () => {
    // nginx on the same machine (the README's deployment) connects from
    // 127.0.0.1, which the default metrics-allow lets in: the headers a
    // proxy adds must keep the internet out.
    for (const h of [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }]) {
      const res = await fetch(srv.base + '/metrics', { headers: h });
      assert.equal(res.status, 404, JSON.stringify(h));
      assert.doesNotMatch(await res.text(), /epak_http/);
    }
    assert.equal((await fetch(srv.base + '/metrics')).status, 200, 'a scraper on loopback still gets it');
  });
});

describe('/metrics from an address not allowed', () => {
  let srv;
  before(async () => {
    // the test's requests come from 127.0.0.1, a trusted proxy here
    srv = await startServer({ extra: ['--metrics-allow', '192.0.2.0/24', '--trusted-proxies', '127.0.0.1'] });
  });
  after(async () => { await srv.stop(); });

  test('gets 404, as any unknown page', async () => {
    const res = await fetch(srv.base + '/metrics');
    assert.equal(res.status, 404);
    const unknown = await fetch(srv.base + '/nav-tadas-lapas');
    assert.equal(res.headers.get('content-type'), unknown.headers.get('content-type'));
    assert.doesNotMatch(await res.text(), /epak_http/);
  });

  test('a trusted proxy\'s X-Forwarded-For naming an allowed address is not believed', async () => {
    for (const xff of ['192.0.2.7', '127.0.0.1, 192.0.2.7']) {
      const res = await fetch(srv.base + '/metrics', { headers: { 'x-forwarded-for': xff } });
      assert.equal(res.status, 404, xff);
      assert.doesNotMatch(await res.text(), /epak_http/);
    }
  });
});

describe('/metrics switched off', () => {
  let srv;
  before(async () => { srv = await startServer({ extra: ['--metrics-allow', ''] }); });
  after(async () => { await srv.stop(); });

  test('an empty metrics-allow answers 404 even to loopback', async () => {
    assert.equal((await fetch(srv.base + '/metrics')).status, 404);
  });
});

describe('health', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); });

  test('liveness, readiness and the old check answer small JSON, never stored', async () => {
    const live = await fetch(srv.base + '/api/v1/health/live');
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), { status: 'ok' });
    assert.match(live.headers.get('cache-control'), /no-store/);
    for (const p of ['/api/v1/health/ready', '/api/v1/health']) {
      const res = await fetch(srv.base + p);
      assert.equal(res.status, 200);
      const j = await res.json();
      assert.deepEqual(Object.keys(j).sort(), ['database', 'read_model', 'schema', 'status']);
      assert.equal(j.status, 'ok');
      assert.equal(j.database, 'sqlite');
      assert.ok(j.schema >= 1 && j.read_model >= 0);
    }
  });

  test('a flood of readiness checks is answered, from a probe cached for a second', async () => {
    const t0 = Date.now();
    // 8 at a time: max-conns-per-address is 32
    let n = 0;
    const statuses = [];
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (n++ < 400) {
        const res = await fetch(srv.base + '/api/v1/health/ready');
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }));
    assert.equal(statuses.length, 400);
    assert.ok(statuses.every((s) => s === 200), statuses.filter((s) => s !== 200).join(' '));
    const text = await scrape(srv);
    assert.ok(Date.now() - t0 < 10000);
    // the readiness probe runs in the worker pool: nothing is left queued
    assert.equal(value(samples(text), 'epak_worker_pool_queued_jobs', {}), 0);
  });
});

// ---- readiness follows PostgreSQL: a server of the test's own, stopped and started ----

function havePostgres() {
  return fs.existsSync('/usr/lib/postgresql') &&
    fs.readdirSync('/usr/lib/postgresql').some((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`));
}

function pgStart(dir) {
  const out = execFileSync('bash', ['-c',
    `. tests/pg.sh && pg_start "$1" >/dev/null && printf '%s\\n' "$EPAK_TEST_PG_URL" "$_pg_root" "$_pg_bin" "\${_pg_as[*]}"`,
    'pg', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n');
  const [url, folder, bin, as] = out;
  const port = /:(\d+)\//.exec(url)[1];
  const run = (args) => {
    const cmd = as ? [...as.split(' '), `${bin}/pg_ctl`, ...args] : [`${bin}/pg_ctl`, ...args];
    execFileSync(cmd[0], cmd.slice(1), { cwd: '/', stdio: 'ignore' });
  };
  return {
    url,
    stop: () => run(['-D', `${folder}/data`, '-m', 'fast', '-w', '-t', '30', 'stop']),
    start: () => run(['-D', `${folder}/data`, '-l', `${folder}/log`, '-w', '-t', '60', '-o', `-p ${port}`, 'start']),
    remove: () => {
      try { run(['-D', `${folder}/data`, '-m', 'immediate', 'stop']); } catch { /* already stopped */ }
      fs.rmSync(folder, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ready(srv) {
  const res = await fetch(srv.base + '/api/v1/health/ready');
  return { status: res.status, body: await res.json() };
}

// Readiness is cached for a second and a probe may be in flight: poll.
async function until(fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) return v;
    await sleep(200);
  }
}

if (havePostgres()) {
  describe('readiness on PostgreSQL', () => {
    let pg;
    let srv;
    before(async () => {
      pg = pgStart(fs.mkdtempSync(path.join(os.tmpdir(), 'epak-metrics-pg-')));
      srv = await startServer({ db: pg.url });
    });
    after(async () => {
      if (srv) await srv.stop();
      if (pg) pg.remove();
    });

    test('503 while the database is gone, 200 again after; liveness 200 throughout', async () => {
      assert.equal((await ready(srv)).status, 200);
      assert.equal((await ready(srv)).body.database, 'postgresql');
      pg.stop();
      const down = await until(async () => { const r = await ready(srv); return r.status === 503 && r; });
      assert.ok(down, 'readiness turned 503');
      assert.deepEqual(down.body, { status: 'unavailable', reason: 'database' });
      assert.equal((await fetch(srv.base + '/api/v1/health/live')).status, 200);
      assert.equal((await fetch(srv.base + '/api/v1/health')).status, 503, 'the old check is readiness');
      assert.equal((await fetch(srv.base + '/palidziba')).status, 200, 'pages from the read model still served');
      const text = await scrape(srv);
      assert.equal(value(samples(text), 'epak_database_up', {}), 0);
      assert.ok(value(samples(text), 'epak_database_errors_total', { kind: 'connect' }) >= 1);
      assert.equal(promtool(text).status, 0);
      pg.start();
      const up = await until(async () => { const r = await ready(srv); return r.status === 200 && r; });
      assert.ok(up, 'readiness 200 again');
      assert.equal(up.body.database, 'postgresql');
      assert.equal((await fetch(srv.base + '/api/v1/health/live')).status, 200);
    });
  });
} else {
  test('PostgreSQL is available', { skip: !process.env.EPAK_TEST_REQUIRE_PG && 'no PostgreSQL installed' },
    () => assert.fail('no PostgreSQL under /usr/lib/postgresql'));
}

test('readiness is never 200 before the read model is loaded', async () => {
  // the server listens only once the first read model is built: every
  // answer of readiness, from the first on, names a loaded one
  const seen = [];
  const srv = await startServer({
    imports: [path.join(root, 'data/catalog.jsonld')],
    ready: async (port) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/health/ready`);
      const j = await res.json();
      seen.push([res.status, j]);
      return res.status === 200;
    },
  });
  try {
    assert.ok(seen.length >= 1);
    for (const [status, j] of seen) {
      if (status === 200) assert.ok(j.read_model >= 1, JSON.stringify(j));
      else assert.equal(j.reason === 'read-model' || j.reason === 'database', true);
    }
  } finally {
    await srv.stop();
  }
});
