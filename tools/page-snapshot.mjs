#!/usr/bin/env node
// tools/page-snapshot.mjs — save every page and API answer a tree serves on
// the reference catalog, to compare two builds byte for byte (a refactoring
// must not change what people get).
//
//   node tools/page-snapshot.mjs --tree DIR --bin DIR/build/epak --out OUT
//   node tools/page-snapshot.mjs --compare OUT1 OUT2
//
// It imports ../shared/testdata/catalog-lv/catalog.jsonld into a fresh SQLite
// folder, serves it with the tree's templates, static files and
// translations, crawls every same-site link from /, /en/ and the forms'
// GET pages, and asks the APIs (search and suggest for every development
// query, JSON-LD of every service). Per answer it keeps the status, the
// content type and the body; a CSRF token (random per visit) is replaced by
// a placeholder. Nothing else is normalized.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, x, i, all) => {
  if (x.startsWith('--')) a.push([x.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : true]);
  return a;
}, []));

function compare(a, b) {
  const ia = JSON.parse(fs.readFileSync(path.join(a, 'index.json'), 'utf8'));
  const ib = JSON.parse(fs.readFileSync(path.join(b, 'index.json'), 'utf8'));
  let same = 0;
  const diff = [];
  for (const url of new Set([...Object.keys(ia), ...Object.keys(ib)])) {
    const x = ia[url];
    const y = ib[url];
    if (!x || !y) diff.push(`${url}: only in ${x ? a : b}`);
    else if (x.status !== y.status || x.type !== y.type || x.sha256 !== y.sha256)
      diff.push(`${url}: ${x.status} ${x.type} ${x.sha256.slice(0, 12)} vs ${y.status} ${y.type} ${y.sha256.slice(0, 12)}`);
    else same++;
  }
  for (const d of diff) console.log(d);
  console.log(`${same} answers identical, ${diff.length} different`);
  process.exit(diff.length ? 1 : 0);
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function snapshot(tree, bin, out) {
  const shared = process.env.EPAK_SHARED || path.resolve(tree, '../shared');
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-snap-'));
  const port = await freePort();
  const common = ['--data', data, '--templates', path.join(tree, 'templates'), '--static', path.join(tree, 'static'),
    '--locale', path.join(tree, 'build/locale')];
  execFileSync(bin, ['migrate', ...common], { stdio: 'ignore' });
  execFileSync(bin, ['import', ...common, path.join(shared, 'testdata/catalog-lv/catalog.jsonld')], { stdio: 'ignore' });
  const child = spawn(bin, ['serve', ...common, '--listen', `127.0.0.1:${port}`, '--threads', '1'], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/v1/health`)).status === 200) break;
    } catch { /* starting */ }
    if (i > 600) throw new Error('epak did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  fs.mkdirSync(out, { recursive: true });
  const index = {};
  const queue = ['/', '/en/', '/parbaudit', '/nosutit', '/parakstit', '/atsauksmes', '/en/parbaudit', '/en/nosutit',
    '/en/parakstit', '/robots.txt', '/api/v1/health', '/nav-tada-lapa', '/pakalpojumi/nav-tada'];
  const queries = fs.readFileSync(path.join(shared, 'testdata/catalog-lv/queries-dev.tsv'), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t')[0]);
  for (const q of queries) {
    const e = encodeURIComponent(q);
    queue.push(`/api/v1/search?q=${e}`, `/api/v1/suggest?q=${encodeURIComponent(q.slice(0, 4))}`, `/meklet?q=${e}`);
  }
  const seen = new Set();
  while (queue.length) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    const r = await fetch(base + url, { redirect: 'manual' });
    const type = r.headers.get('content-type') || '';
    let body = Buffer.from(await r.arrayBuffer());
    if (/text\/html/.test(type)) {
      let html = body.toString('utf8');
      for (const m of html.matchAll(/href="([^"#]*)/g)) {
        const h = m[1].replace(/&amp;/g, '&');
        if (h.startsWith('/') && !h.startsWith('//') && !h.startsWith('/static/')) queue.push(h);
        if (/\/pakalpojumi\/[^/?]+$/.test(h)) queue.push(`${h}/jsonld`);
      }
      html = html.replace(/(name="_csrf" value=")[^"]*/g, '$1CSRF').replace(/(data-csrf=")[^"]*/g, '$1CSRF');
      body = Buffer.from(html);
    }
    const sha256 = crypto.createHash('sha256').update(body).digest('hex');
    index[url] = { status: r.status, type, sha256 };
    fs.writeFileSync(path.join(out, sha256), body);
  }
  fs.writeFileSync(path.join(out, 'index.json'), JSON.stringify(index, null, 1));
  child.kill('SIGTERM');
  fs.rmSync(data, { recursive: true, force: true });
  console.log(`${Object.keys(index).length} answers saved in ${out}`);
}

if (args.compare) compare(args.compare, process.argv[process.argv.indexOf('--compare') + 2]);
else await snapshot(path.resolve(args.tree || '.'), path.resolve(args.bin || 'build/epak'), path.resolve(args.out || 'build/pages'));
