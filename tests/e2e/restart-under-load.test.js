// Restart under load behind nginx (issue 15, point 3): a load generator
// (keep-alive clients, pages and form posts) runs through nginx while epak
// is restarted several times (SIGTERM, wait for the exit, start again), the
// way systemd restarts epak.service under epak.socket.
//
// Where the guarantees come from:
//  - The listening socket outlives every epak process: tests/lib/socket-holder.py
//    holds it and passes it as LISTEN_FDS=1 to each new process, exactly as
//    systemd's epak.socket does. Between two processes connections wait in
//    its backlog (the kernel completes their handshakes); none is refused.
//  - epak's SIGTERM drain (src/http/server.c) stops accepting without
//    closing the socket, and finishes every request it accepted before it
//    exits (within shutdown-timeout).
//  - nginx opens a new connection to epak for each request (no upstream
//    keep-alive, nginx's default), so no request is ever sent on an idle
//    connection that epak closes while draining: that race is the one a
//    keep-alive upstream would add. proxy_next_upstream is left at its
//    default (error timeout, idempotent requests only) and is not needed:
//    with the socket held, connect() never fails.
// Asserted: no failed request (nginx answered no 502/504, the clients saw
// no connection error), every acknowledged form post stored exactly once,
// and every epak exited with status 0. Prints requests served, restart
// time (SIGTERM to the next answer) and the longest latency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, root, freePort, sqlite } from '../lib/server.js';

const RESTARTS = 4;
const CLIENTS = 8;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function lines(stream, onLine) {
  let buf = '';
  stream.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

test('restart under load behind nginx: no accepted request lost, every acknowledged post stored once', { timeout: 600000 }, async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-restart-'));
  const data = path.join(work, 'data');
  const common = ['--data', data, '--templates', path.join(root, 'templates'),
    '--static', path.join(root, 'static'), '--locale', path.join(root, 'build/locale')];
  execFileSync(bin, ['migrate', ...common], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(bin, ['import', ...common, path.join(root, 'data/catalog.jsonld')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const epakLog = path.join(work, 'epak.log');
  const holder = spawn('python3', [path.join(root, 'tests/lib/socket-holder.py'), '--', bin, 'serve', ...common,
    '--threads', '2', '--link-check', '0', '--shutdown-timeout', '30', '--trusted-proxies', '127.0.0.1/32',
    '--limit-feedback-network', '0', '--limit-feedback-browser', '0', '--limit-feedback-comments', '0',
    '--limit-feedback-all', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events = [];
  let wake = null;
  lines(holder.stdout, (l) => { events.push(l); if (wake) wake(); });
  const next = async (prefix) => {
    for (;;) {
      const i = events.findIndex((e) => e.startsWith(prefix));
      if (i >= 0) return events.splice(i, 1)[0].split(' ');
      await new Promise((r) => { wake = r; });
    }
  };
  const epakPort = Number((await next('port'))[1]);
  const send = (cmd) => holder.stdin.write(cmd + '\n');

  // nginx in front, as in production
  const nginxPort = await freePort();
  fs.writeFileSync(path.join(work, 'nginx.conf'), `worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log warn;
events { worker_connections 4096; }
http {
	log_format st '$status $upstream_status $request_time $request_method $uri';
	access_log ${work}/nginx-access.log st;
	client_body_temp_path ${work}/body;
	proxy_temp_path ${work}/proxy;
	upstream epak { server 127.0.0.1:${epakPort}; }
	server {
		listen 127.0.0.1:${nginxPort};
		keepalive_requests 100000;
		location / {
			proxy_pass http://epak;
			proxy_set_header Host $host;
			proxy_set_header X-Forwarded-For $remote_addr;
			proxy_read_timeout 60s;
		}
	}
}
`);
  execFileSync('nginx', ['-c', path.join(work, 'nginx.conf'), '-p', work, '-e', path.join(work, 'nginx-error.log')]);
  const base = `http://127.0.0.1:${nginxPort}`;
  const exits = [];
  try {
    send(`start ${epakLog}`);
    await next('started');
    for (const end = Date.now() + 180000; ;) {
      try { if ((await fetch(base + '/api/v1/health')).status === 200) break; } catch { /* starting */ }
      if (Date.now() > end) throw new Error('epak did not start:\n' + fs.readFileSync(epakLog, 'utf8'));
      await sleep(100);
    }

    // the load: keep-alive clients (fetch's pool), pages and feedback posts
    const stats = { ok: 0, failed: [], posts: new Map(), maxLatency: 0, byStatus: {} };
    let stop = false;
    let seq = 0;
    const pages = ['/', '/pakalpojumi', '/pakalpojumi/lv-dzivesvietas-deklaresana', '/api/v1/search?q=pases',
      '/meklet?q=deklar%C4%93t%20dz%C4%ABvesvietu', '/en/', '/atsauksmes'];
    const timed = async (fn) => {
      const t0 = Date.now();
      try { return await fn(); } finally { stats.maxLatency = Math.max(stats.maxLatency, Date.now() - t0); }
    };
    const client = async (c) => {
      let session = null;
      for (let i = 0; !stop; i++) {
        const what = i % 4 === 3 ? 'post' : pages[(c + i) % pages.length];
        try {
          if (what === 'post') {
            if (!session) {
              const r = await timed(() => fetch(base + '/atsauksmes'));
              const html = await r.text();
              session = { cookie: (r.headers.get('set-cookie') || '').split(';')[0], token: html.match(/name="_csrf" value="([^"]+)"/)[1] };
            }
            const id = `c${c}-${++seq}`;
            stats.posts.set(id, 'sent');
            const r = await timed(() => fetch(base + '/atsauksmes', {
              method: 'POST', redirect: 'manual',
              headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
              body: new URLSearchParams({ _csrf: session.token, topic: 'portal', message: `Slodzes tests ${id}: viss strādā.` }).toString(),
            }));
            await r.arrayBuffer();
            stats.byStatus[r.status] = (stats.byStatus[r.status] || 0) + 1;
            if (r.status === 303) { stats.posts.set(id, 'acknowledged'); stats.ok++; } else stats.failed.push(`POST ${r.status}`);
          } else {
            const r = await timed(() => fetch(base + what));
            await r.arrayBuffer();
            stats.byStatus[r.status] = (stats.byStatus[r.status] || 0) + 1;
            if (r.status === 200) stats.ok++; else stats.failed.push(`GET ${what} ${r.status}`);
          }
        } catch (e) {
          stats.failed.push(`${what}: ${e.cause ? e.cause.code || e.cause.message : e.message}`);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));

    const restartTimes = [];
    const t0 = Date.now();
    for (let k = 0; k < RESTARTS; k++) {
      await sleep(1500);
      const before = stats.ok;
      const tStop = Date.now();
      send('stop');
      const [, pid, code, ms] = await next('exited');
      exits.push({ pid, code: Number(code), ms: Number(ms) });
      send(`start ${epakLog}`);
      await next('started');
      // the restart as clients see it: until the next answer (straight to epak's socket)
      for (;;) {
        try { if ((await fetch(`http://127.0.0.1:${epakPort}/api/v1/health`)).status === 200) break; } catch { /* waits */ }
        await sleep(20);
      }
      restartTimes.push(Date.now() - tStop);
      assert.ok(stats.ok >= before, 'load kept running');
    }
    await sleep(1500);
    stop = true;
    await Promise.all(clients);
    const seconds = (Date.now() - t0) / 1000;

    // nginx's view: every request it passed on got epak's answer
    const access = fs.readFileSync(path.join(work, 'nginx-access.log'), 'utf8').trim().split('\n');
    const bad = access.filter((l) => /^(502|504) /.test(l) || / (502|504) /.test(l));
    const stored = sqlite(path.join(data, 'epak.db'),
      "SELECT message, count(*) FROM feedback WHERE message LIKE 'Slodzes tests %' GROUP BY message").split('\n').filter(Boolean);
    const counts = new Map(stored.map((l) => { const [m, n] = l.split('|'); return [m.match(/Slodzes tests (\S+):/)[1], Number(n)]; }));
    let acknowledged = 0;
    for (const [id, state] of stats.posts) {
      if (state !== 'acknowledged') continue;
      acknowledged++;
      assert.equal(counts.get(id), 1, `acknowledged post ${id} stored once (got ${counts.get(id)})`);
    }
    for (const [id, n] of counts) assert.equal(n, 1, `post ${id} stored once`);

    console.log(`# restart under load: ${stats.ok} requests served in ${seconds.toFixed(1)} s by ${CLIENTS} keep-alive clients through nginx, ` +
      `${RESTARTS} restarts; ${acknowledged} form posts acknowledged, each stored once; failed: ${stats.failed.length}; ` +
      `nginx 502/504: ${bad.length}`);
    console.log(`# restart time (SIGTERM to the next answer): ${restartTimes.join(', ')} ms; drain (SIGTERM to exit): ` +
      `${exits.map((e) => e.ms).join(', ')} ms; longest request: ${stats.maxLatency} ms; statuses ${JSON.stringify(stats.byStatus)}`);
    assert.deepEqual(stats.failed, [], 'no request failed\n' + fs.readFileSync(path.join(work, 'nginx-error.log'), 'utf8'));
    assert.deepEqual(bad, [], 'nginx answered no 502/504');
    assert.ok(acknowledged > 0 && stats.ok > 100, 'the load ran');
    assert.deepEqual(exits.map((e) => e.code), Array(RESTARTS).fill(0), 'every epak exited with status 0');
    const drained = (fs.readFileSync(epakLog, 'utf8').match(/stopped after \d+ ms: .*/g) || []);
    assert.equal(drained.length, RESTARTS, drained.join('\n'));
    for (const l of drained) assert.match(l, /none cut off/);
    console.log('# ' + drained.join('\n# '));
  } finally {
    send('quit');
    await new Promise((r) => holder.once('exit', r));
    try { execFileSync('nginx', ['-c', path.join(work, 'nginx.conf'), '-p', work, '-s', 'stop']); } catch { /* not running */ }
    fs.rmSync(work, { recursive: true, force: true });
  }
});
