// bench/office-edit.mjs — `make bench` (bench/run.sh calls it): how long an
// institution editor's change takes to reach the public page with a
// generated catalog of BENCH_SERVICES services (100 000 by default; issue
// 11's goal: under 2 seconds). Prints the import, the edit form's GET, the
// publish POST (svc_save: a version, catalog_put_in_tx, the revision) and
// the time until the public page shows the change (the read model
// rebuilds). Not a test: nothing here fails on a slow machine.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'build/epak');
const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const N = Number(process.env.BENCH_SERVICES || 100000);
const PW = 'correct horse battery staple';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-bench-edit-'));
const data = path.join(work, 'var');
let child = null;

function ms(t0) {
  return `${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`;
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const jar = new Map();
function cookie() {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}
function take(res) {
  for (const c of res.headers.getSetCookie()) {
    const pair = c.split(';')[0];
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
  }
  return res;
}
async function get(base, p) {
  const res = take(await fetch(base + p, { redirect: 'manual', headers: { cookie: cookie() } }));
  res.html = await res.text();
  return res;
}
async function post(base, p, body) {
  const res = take(await fetch(base + p, {
    method: 'POST', redirect: 'manual', body: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
  }));
  res.html = await res.text();
  return res;
}

function decode(s) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// The service form's fields as a browser without JavaScript sends them.
function formFields(html) {
  const form = html.match(/<form method="post"[^>]*class="service-form"[\s\S]*?<\/form>/)[0];
  const body = new URLSearchParams();
  for (const m of form.matchAll(/<input type="(?:hidden|text|url|email|tel)"[^>]*name="([^"]+)" value="([^"]*)"/g)) body.append(decode(m[1]), decode(m[2]));
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) if (!body.has(m[1])) body.append(m[1], decode(m[2]));
  for (const m of form.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) body.append(decode(m[1]), decode(m[2]));
  for (const m of form.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const sel = m[2].match(/<option value="([^"]*)" selected>/) || m[2].match(/<option value="([^"]*)"/);
    body.append(decode(m[1]), sel ? decode(sel[1]) : '');
  }
  for (const m of form.matchAll(/<input type="checkbox"[^>]*name="([^"]+)" value="([^"]*)" checked>/g)) body.append(m[1], decode(m[2]));
  return body;
}

try {
  const file = path.join(work, 'catalog.jsonld');
  let t0 = process.hrtime.bigint();
  const fd = fs.openSync(file, 'w');
  execFileSync('python3', [path.join(root, 'tools/gen-catalog.py'), '--services', String(N),
    path.join(shared, 'testdata/catalog-lv/catalog.jsonld')], { stdio: ['ignore', fd, 'inherit'] });
  fs.closeSync(fd);
  console.log(`catalog of ${N} services generated: ${ms(t0)}`);
  execFileSync(bin, ['migrate', '--data', data], { stdio: 'ignore' });
  t0 = process.hrtime.bigint();
  execFileSync(bin, ['import', '--data', data, file], { stdio: 'ignore' });
  console.log(`imported: ${ms(t0)}`);
  execFileSync(bin, ['user', 'add', 'ed', 'name=Bench Editor', 'role=institution', 'institution=pmlp', '--data', data],
    { input: `${PW}\n`, stdio: ['pipe', 'ignore', 'inherit'] });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  t0 = process.hrtime.bigint();
  child = spawn(bin, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, '--threads', '2'], { stdio: 'ignore' });
  for (;;) {
    try { if ((await fetch(`${base}/api/v1/health`)).status === 200) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`server up (read model built): ${ms(t0)}`);
  const login = await get(base, '/pieteikties');
  const csrf = login.html.match(/name="_csrf" value="([^"]+)"/)[1];
  await post(base, '/pieteikties', new URLSearchParams({ _csrf: csrf, login: 'ed', password: PW }));
  t0 = process.hrtime.bigint();
  const list = await get(base, '/birojs/pakalpojumi');
  console.log(`the editor's list (${list.status}): ${ms(t0)}`);
  const slug = list.html.match(/<td><a href="\/birojs\/pakalpojumi\/([a-z0-9-]+)">/)[1];
  t0 = process.hrtime.bigint();
  const page = await get(base, `/birojs/pakalpojumi/${slug}`);
  console.log(`the edit form of ${slug} (${page.status}, ${page.html.length} bytes): ${ms(t0)}`);
  const body = formFields(page.html);
  const mark = `Labots ${Date.now()}`;
  body.set('title.lv', mark);
  body.set('darbiba', 'publicet');
  const t1 = process.hrtime.bigint();
  const saved = await post(base, `/birojs/pakalpojumi/${slug}`, body);
  console.log(`publish (${saved.status}): ${ms(t1)}`);
  if (saved.status !== 303) throw new Error(`publish refused: ${(saved.html.match(/<li><a href="#[^<]+<\/a>/g) || []).join(' ')}`);
  for (;;) {
    const pub = await (await fetch(`${base}/pakalpojumi/${slug}`)).text();
    if (pub.includes(mark)) break;
    if (Number(process.hrtime.bigint() - t1) > 600e9) throw new Error('the public page never showed the change');
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(`edit to public page (${N} services): ${ms(t1)}  (goal: under 2000 ms)`);
} finally {
  if (child) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  fs.rmSync(work, { recursive: true, force: true });
}
