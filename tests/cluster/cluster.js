// tests/cluster/cluster.js — several epak nodes on one PostgreSQL behind a
// real nginx, under failure (issue 15, point 7).
//
// Starts a throw-away PostgreSQL (tests/pg.sh), three `epak serve` nodes on
// it sharing one server secret, and nginx as the load balancer (passive
// health checks: max_fails/fail_timeout; idempotent requests retried on the
// next node with proxy_next_upstream — nginx without the commercial
// subscription has no active checks). A mixed load runs through nginx:
// pages, /meklet, /api/v1/search, and form posts to /atsauksmes each carrying
// a unique marker. Meanwhile one node is killed with SIGKILL and started
// again, and PostgreSQL is restarted (pg_ctl restart -m fast). The report
// says how many requests were served, every failure with its cause (in
// flight on the killed node, or during the PostgreSQL restart; anything else
// is "unexplained" and fails the run), the time to recover after each event,
// and — counted in PostgreSQL with psql — that every acknowledged form post
// is stored exactly once.
//
// Run alone (make cluster): node tests/cluster/cluster.js [SECONDS]
// From a test: import { runCluster } and check its result.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, freePort, psql, root } from '../lib/server.js';

const DEMO = path.join(root, 'data/catalog.jsonld');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A PostgreSQL of its own (the one the test runner shares is left alone:
// this one is restarted).
function pgStart(dir) {
  const out = execFileSync('bash', ['-c',
    '. tests/pg.sh && pg_start "$1" >&2 && printf "%s\\n%s\\n%s\\n%s\\n" "$EPAK_TEST_PG_URL" "$_pg_root" "$_pg_bin" "${_pg_as[*]}"',
    '_', dir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] }).toString().split('\n');
  const [url, pgRoot, pgBin, as] = out;
  const pre = as ? as.split(' ') : [];
  const ctl = (...args) => {
    const cmd = [...pre, path.join(pgBin, 'pg_ctl'), '-D', path.join(pgRoot, 'data'), ...args];
    return execFileSync(cmd[0], cmd.slice(1), { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  };
  return {
    url,
    restart: () => ctl('-l', path.join(pgRoot, 'log'), '-m', 'fast', '-w', '-t', '60', 'restart'),
    stop: () => {
      try { ctl('-m', 'immediate', 'stop'); } catch { /* already down */ }
      fs.rmSync(pgRoot, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function nginxConf(work, port, nodes) {
  const servers = nodes.map((n) => `    server 127.0.0.1:${n} max_fails=1 fail_timeout=2s;`).join('\n');
  return `worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log ${work}/nginx-access.log;
  client_body_temp_path ${work}/tmp-body;
  proxy_temp_path ${work}/tmp-proxy;
  fastcgi_temp_path ${work}/tmp-fastcgi;
  uwsgi_temp_path ${work}/tmp-uwsgi;
  scgi_temp_path ${work}/tmp-scgi;
  upstream epak {
${servers}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://epak;
      # no keepalive to the nodes: a POST written on a pooled connection
      # to a node that has just died cannot be passed on (nginx cannot tell
      # whether the node took it), while a refused new connection can
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      # a node that refuses the connection or times out: the next one. GET
      # and HEAD only once a request was sent (nginx never repeats a POST
      # that reached a node: it may have been stored)
      proxy_next_upstream error timeout http_502 http_503 http_504;
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout 10s;
      proxy_connect_timeout 1s;
      proxy_read_timeout 15s;
    }
  }
}
`;
}

async function nginxStart(work, port, nodes) {
  fs.writeFileSync(path.join(work, 'nginx.conf'), nginxConf(work, port, nodes));
  const child = spawn('nginx', ['-c', path.join(work, 'nginx.conf'), '-p', work], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status === 200) return child;
    } catch { /* not yet */ }
    if (child.exitCode !== null) throw new Error(`nginx exited: ${log}`);
    await sleep(100);
  }
  throw new Error(`nginx did not start: ${log}`);
}

const PAGES = ['/', '/pakalpojumi', '/pakalpojumi/lv-dzivesvietas-deklaresana', '/en/pakalpojumi', '/palidziba'];
const QUERIES = ['pase', 'dzīvesvieta', 'bezdarbnieks', 'laulība', 'transportlīdzekļa reģistrācija'];

// One simulated person: a form session of their own, then a mix of
// requests until stop() says so.
async function client(id, base, state, rec) {
  let session = null;
  let n = 0;
  while (!state.stop) {
    const dice = Math.random();
    const t0 = performance.now();
    const one = { kind: '', t0, t1: 0, status: 0, error: null, marker: null };
    try {
      if (dice < 0.35) {
        one.kind = 'page';
        const r = await fetch(base + PAGES[n % PAGES.length]);
        await r.arrayBuffer();
        one.status = r.status;
      } else if (dice < 0.55) {
        one.kind = 'search';
        const r = await fetch(`${base}/meklet?q=${encodeURIComponent(QUERIES[n % QUERIES.length])}`);
        await r.arrayBuffer();
        one.status = r.status;
      } else if (dice < 0.75) {
        one.kind = 'api';
        const r = await fetch(`${base}/api/v1/search?q=${encodeURIComponent(QUERIES[n % QUERIES.length])}`);
        await r.json();
        one.status = r.status;
      } else {
        one.kind = 'post';
        if (!session) {
          const g = await fetch(`${base}/atsauksmes`);
          const html = await g.text();
          const m = html.match(/name="_csrf" value="([^"]+)"/);
          if (g.status !== 200 || !m) {
            one.kind = 'form';
            one.status = g.status;
            throw new Error(`form page ${g.status}`);
          }
          session = { cookie: (g.headers.get('set-cookie') || '').split(';')[0], token: m[1] };
        }
        one.marker = `cluster ${id}-${n}-${crypto.randomBytes(4).toString('hex')}`;
        const r = await fetch(`${base}/atsauksmes`, {
          method: 'POST', redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
          body: new URLSearchParams({ _csrf: session.token, topic: 'portal', message: one.marker }).toString(),
        });
        await r.arrayBuffer();
        one.status = r.status;
      }
    } catch (e) {
      one.error = String(e.cause?.code || e.message);
    }
    one.t1 = performance.now();
    one.ok = !one.error && (one.kind === 'post' ? one.status === 303 : one.status === 200);
    rec.push(one);
    n++;
  }
}

// Runs the whole exercise; returns the figures and the failures by cause.
// seconds: how long the load runs (the events fall at 25 %, 45 % and 65 %).
export async function runCluster({ seconds = 30, clients = 8, log = console.log } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-cluster-'));
  const t = { };
  const res = { events: [], failures: {}, unexplained: [] };
  let pg = null;
  let nginx = null;
  const nodes = [];
  try {
    pg = pgStart(path.join(work, 'pg'));
    psql(pg.url, 'CREATE DATABASE epak_cluster');
    const url = pg.url.replace(/\/[^/?]*(\?|$)/, '/epak_cluster$1');
    const secret = crypto.randomBytes(32);
    const extra = ['--limit-feedback-network', '0', '--limit-feedback-comments', '0', '--threads', '2'];
    for (let i = 0; i < 3; i++) {
      const data = path.join(work, `node${i}`);
      fs.mkdirSync(data);
      const port = await freePort();
      nodes.push({ data, port, srv: await startServer({ db: url, data, port, secret, extra, imports: i === 0 ? [DEMO] : [] }) });
    }
    const lbPort = await freePort();
    nginx = await nginxStart(work, lbPort, nodes.map((n) => n.port));
    const base = `http://127.0.0.1:${lbPort}`;
    log(`# cluster: PostgreSQL, 3 nodes (${nodes.map((n) => n.port).join(', ')}), nginx on ${lbPort}; ${clients} clients for ${seconds} s`);

    const state = { stop: false };
    const rec = [];
    const start = performance.now();
    const loops = [];
    for (let c = 0; c < clients; c++) loops.push(client(c, base, state, rec));

    // the events
    await sleep(seconds * 250);
    const victim = nodes[1];
    t.kill = performance.now();
    victim.srv.child.kill('SIGKILL');
    await new Promise((r) => (victim.srv.child.exitCode !== null || victim.srv.child.signalCode ? r() : victim.srv.child.once('exit', r)));
    t.killed = performance.now(); // the process is gone: its sockets are closed
    res.events.push({ what: 'SIGKILL node 2', at: t.kill - start });
    await sleep(seconds * 200);
    t.back = performance.now();
    victim.srv = await startServer({ db: url, data: victim.data, port: victim.port, secret, extra });
    t.backUp = performance.now();
    res.events.push({ what: 'node 2 started again', at: t.back - start, ready_ms: t.backUp - t.back });
    await sleep(seconds * 200);
    t.pg = performance.now();
    pg.restart();
    t.pgUp = performance.now();
    res.events.push({ what: 'PostgreSQL restarted', at: t.pg - start, down_ms: t.pgUp - t.pg });
    while (performance.now() - start < seconds * 1000) await sleep(100);
    state.stop = true;
    await Promise.all(loops);
    const end = performance.now();

    // every node answers form posts on its own after the restart (a node
    // whose connections stayed broken would fail here)
    res.direct = [];
    for (const [i, n] of nodes.entries()) {
      const g = await fetch(`${n.srv.base}/atsauksmes`);
      const m = (await g.text()).match(/name="_csrf" value="([^"]+)"/);
      const marker = `cluster direct-${i}`;
      const r = await fetch(`${n.srv.base}/atsauksmes`, {
        method: 'POST', redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: (g.headers.get('set-cookie') || '').split(';')[0] },
        body: new URLSearchParams({ _csrf: m ? m[1] : '', topic: 'portal', message: marker }).toString(),
      });
      res.direct.push({ node: i + 1, status: r.status });
      rec.push({ kind: 'post', t0: end, t1: end, status: r.status, ok: r.status === 303, marker, direct: true });
    }

    // causes
    // in flight on the killed node: sent before its process was gone
    // (between kill() and the exit, its listening socket still took
    // connections) and answered after the signal, with nginx's 502 (a
    // request that reached a node is never passed to another one unless
    // it is idempotent)
    const inFlight = (r) => r.t0 <= t.killed && r.t1 >= t.kill && (r.status === 502 || r.error);
    // the restart window: from pg_ctl restart until the last node answered
    // a post again after it
    const pgEnd = t.pgUp;
    for (const r of rec) {
      if (r.ok || r.direct) continue;
      let cause = null;
      if (inFlight(r)) cause = 'in flight on the killed node';
      else if (r.t1 >= t.pg && r.t0 <= pgEnd + 2000) cause = 'during the PostgreSQL restart';
      if (!cause) {
        res.unexplained.push({ kind: r.kind, status: r.status, error: r.error, at: Math.round(r.t0 - start) });
        continue;
      }
      const key = `${cause} (${r.kind} ${r.error || r.status})`;
      res.failures[key] = (res.failures[key] || 0) + 1;
    }
    // time to recover: from the event to the first post acknowledged after
    // the last failure it caused (or after the event)
    const recover = (from, until) => {
      const fails = rec.filter((r) => !r.ok && r.t1 >= from && r.t0 <= until);
      const after = fails.length ? Math.max(...fails.map((r) => r.t1)) : from;
      const next = rec.filter((r) => r.ok && r.kind === 'post' && r.t0 >= after).sort((a, b) => a.t1 - b.t1)[0];
      return next ? next.t1 - from : null;
    };
    res.events[0].recover_ms = recover(t.kill, t.back);
    res.events[2].recover_ms = recover(t.pg, pgEnd + 2000);
    // did the restarted node take requests again? its own access count
    res.served = rec.filter((r) => r.ok && !r.direct).length;
    res.failed = rec.filter((r) => !r.ok && !r.direct).length;
    res.byKind = {};
    for (const r of rec) {
      if (r.direct) continue;
      const k = res.byKind[r.kind] ||= { ok: 0, failed: 0 };
      if (r.ok) k.ok++; else k.failed++;
    }
    res.seconds = (end - start) / 1000;

    // exactly once: every acknowledged post's marker counted in PostgreSQL
    const stored = new Map();
    for (const line of psql(url, "SELECT message || '|' || count(*) FROM feedback WHERE message LIKE 'cluster %' GROUP BY message").split('\n')) {
      if (!line) continue;
      const i = line.lastIndexOf('|');
      stored.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
    const posts = rec.filter((r) => r.kind === 'post' && r.marker);
    const acked = posts.filter((r) => r.ok);
    res.acked = acked.length;
    res.ackedMissing = acked.filter((r) => stored.get(r.marker) !== 1 && !stored.has(r.marker)).map((r) => r.marker);
    res.duplicates = [...stored].filter(([, c]) => c > 1).map(([m]) => m);
    res.ackedExactlyOnce = acked.filter((r) => stored.get(r.marker) === 1).length;
    const unacked = posts.filter((r) => !r.ok);
    res.unackedStored = unacked.filter((r) => stored.has(r.marker)).length;
    res.unacked = unacked.length;
    res.strangers = [...stored.keys()].filter((m) => !posts.some((r) => r.marker === m)).length;
    res.nginxErrors = fs.existsSync(path.join(work, 'nginx-error.log'))
      ? fs.readFileSync(path.join(work, 'nginx-error.log'), 'utf8').split('\n').filter((l) => /upstream/.test(l)).length : 0;
    res.nodeLogs = nodes.map((n) => n.srv.log().split('\n').filter((l) => /error|warn/i.test(l)).slice(0, 8));
    return res;
  } finally {
    if (nginx && nginx.exitCode === null) {
      const done = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGTERM');
      await done;
    }
    for (const n of nodes) {
      // a node killed and not started again has exited by a signal
      // (exitCode null): stop() would wait for an exit that happened
      if (n.srv.child.signalCode) continue;
      try { await n.srv.stop(); } catch { /* already gone */ }
    }
    if (pg) pg.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function report(res, log = console.log) {
  log(`# requests served: ${res.served} in ${res.seconds.toFixed(1)} s; failed: ${res.failed}`);
  for (const [k, v] of Object.entries(res.byKind)) log(`#   ${k}: ${v.ok} served, ${v.failed} failed`);
  for (const [k, v] of Object.entries(res.failures)) log(`#   failed, ${k}: ${v}`);
  for (const u of res.unexplained) log(`#   UNEXPLAINED failure: ${JSON.stringify(u)}`);
  for (const e of res.events) {
    log(`# event at ${(e.at / 1000).toFixed(1)} s: ${e.what}` +
      (e.recover_ms != null ? `; posts acknowledged again after ${Math.round(e.recover_ms)} ms` : '') +
      (e.ready_ms != null ? `; ready (health 200) after ${Math.round(e.ready_ms)} ms` : '') +
      (e.down_ms != null ? `; pg_ctl restart took ${Math.round(e.down_ms)} ms` : ''));
  }
  log(`# direct posts to each node after the restart: ${res.direct.map((d) => `node ${d.node} ${d.status}`).join(', ')}`);
  log(`# form posts acknowledged: ${res.acked}, stored exactly once: ${res.ackedExactlyOnce}, missing: ${res.ackedMissing.length}, ` +
    `duplicated: ${res.duplicates.length}; not acknowledged: ${res.unacked} (of which stored: ${res.unackedStored}); rows from nowhere: ${res.strangers}`);
  log(`# nginx logged ${res.nginxErrors} upstream error line(s)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const res = await runCluster({ seconds: Number(process.argv[2] || 60) });
  report(res);
  for (const [i, l] of res.nodeLogs.entries()) if (l.length) console.log(`# node ${i + 1} log (warnings): ${l.join(' | ')}`);
  const bad = res.unexplained.length || res.ackedMissing.length || res.duplicates.length ||
    res.direct.some((d) => d.status !== 303) || res.strangers;
  process.exit(bad ? 1 : 0);
}
