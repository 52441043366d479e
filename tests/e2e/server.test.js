// tests/e2e/server.test.js — the epak command and server as an operator
// meets them: help, settings and their errors, a broken template, development
// reloads, HTTPS with HTTP/2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startServer, bin, root, freePort } from '../lib/server.js';

function run(args, env = {}) {
  return spawnSync(bin, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20000 });
}

// Polls fn until it holds, up to two minutes: the server's periodic check
// runs about once a second here, but a loaded CI machine has been seen 100
// times slower than this one.
async function poll(what, fn, ms = 120000) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'epak-srv-'));
}

test('epak --help lists the commands; each command has --help with every setting', () => {
  const top = run(['--help']);
  assert.equal(top.status, 0);
  for (const c of ['serve', 'migrate', 'version', 'sign', 'verify']) assert.match(top.stdout, new RegExp(`\\b${c}\\b`));
  const serve = run(['serve', '--help']);
  assert.equal(serve.status, 0);
  for (const k of ['--listen', '--data', '--db', '--threads', '--lang', '--tls-cert', '--tls-key', '--max-body',
    '--max-header', '--dev', '--config'])
    assert.ok(serve.stdout.includes(k), k);
  assert.equal(run(['migrate', '--help']).status, 0);
  assert.match(run(['version']).stdout, /^epak \S+/);
});

test('wrong usage is refused with a clear message and exit status 2', () => {
  let r = run(['nonsense']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'nonsense'/);
  r = run(['serve', '--no-such-setting', 'x']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown setting 'no-such-setting'/);
  r = run(['serve', '--max-body', 'lots']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /max-body: 'lots' is not a size/);
  r = run(['serve'], { EPAK_LANG: 'de' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /lang: 'de' is not lv or en/);
  r = run(['migrate', 'stray']);
  assert.equal(r.status, 2);
});

test('settings come from a config file, and flags override it', async () => {
  const dir = tmpdir();
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'epak.conf'),
    `# test settings\nlisten = 127.0.0.1:1\ndata = ${dir}/var\nlang = en\n`);
  execFileSync(bin, ['migrate', '--config', path.join(dir, 'epak.conf')]);
  const srv = await startServer({ extra: ['--config', path.join(dir, 'epak.conf'), '--listen', `127.0.0.1:${port}`] });
  try {
    // the default language came from the file: / is English
    const html = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    assert.match(html, /<html lang="en">/);
    // the flag's listen replaced the file's (port 1 is not served)
    await assert.rejects(fetch('http://127.0.0.1:1/'));
  } finally {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('serve refuses an unmigrated database and says what to do', () => {
  const dir = tmpdir();
  const r = run(['serve', '--data', dir, '--listen', '127.0.0.1:0', '--templates', path.join(root, 'templates'),
    '--static', path.join(root, 'static'), '--locale', path.join(root, 'build/locale')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /run 'epak migrate' first/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('serve refuses to start without the Latvian catalog, naming the missing file', () => {
  // gettext falls back to the English msgid without a word: without this
  // check the portal would serve English text inside <html lang="lv">.
  const dir = tmpdir();
  execFileSync(bin, ['migrate', '--data', dir]);
  const serve = (locale) => run(['serve', '--data', dir, '--listen', '127.0.0.1:0', '--templates', path.join(root, 'templates'),
    '--static', path.join(root, 'static'), '--locale', locale]);
  const empty = path.join(dir, 'locale');
  fs.mkdirSync(path.join(empty, 'lv', 'LC_MESSAGES'), { recursive: true });
  let r = serve(empty);
  assert.notEqual(r.status, 0, 'it does not start');
  assert.equal(r.signal, null, 'it stops by itself (not killed by the 20 s timeout)');
  assert.match(r.stderr, new RegExp(`${empty}/lv/LC_MESSAGES/epak\\.mo: No such file`));
  // a file that is not a compiled catalog is refused as well
  fs.writeFileSync(path.join(empty, 'lv', 'LC_MESSAGES', 'epak.mo'), 'msgid "Home"\nmsgstr "Sākums"\n');
  r = serve(empty);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /lv\/LC_MESSAGES\/epak\.mo: not a compiled gettext catalog/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the default make target builds the translations serve needs', () => {
  // `make` with no target must leave nothing for `epak serve` to miss. Asked
  // of make itself (-p prints its rules, -q builds nothing), so the answer
  // does not depend on what this tree has built already.
  const p = spawnSync('make', ['-C', root, '-p', '-q'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.match(p.stdout, /^\.DEFAULT_GOAL := all$/m);
  const rule = p.stdout.split('\n').find((l) => /^all:/.test(l));
  assert.ok(rule, 'an all: rule');
  assert.match(rule, /\bbuild\/epak\b/);
  assert.match(rule, /\bbuild\/locale\/lv\/LC_MESSAGES\/epak\.mo\b/, `all: builds the Latvian catalog (${rule})`);
});

test('a broken template stops the server with file, line and reason', () => {
  const dir = tmpdir();
  fs.cpSync(path.join(root, 'templates'), path.join(dir, 't'), { recursive: true });
  fs.writeFileSync(path.join(dir, 't', 'broken.mustache'), '<p>ok</p>\n<p>{{#open}} never closed</p>\n');
  execFileSync(bin, ['migrate', '--data', dir]);
  const r = run(['serve', '--data', dir, '--listen', '127.0.0.1:0', '--templates', path.join(dir, 't'),
    '--static', path.join(root, 'static'), '--locale', path.join(root, 'build/locale')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /broken\.mustache:2: .*open/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('in development mode a changed template is re-read without a restart', async () => {
  const dir = tmpdir();
  fs.cpSync(path.join(root, 'templates'), dir, { recursive: true });
  const srv = await startServer({ templates: dir, extra: ['--dev'] });
  try {
    assert.doesNotMatch(await (await fetch(srv.base + '/')).text(), /DEV-MARKER/);
    const f = path.join(dir, 'home.mustache');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('</h1>', ' DEV-MARKER</h1>'));
    await poll('the page shows the edited template', async () => /DEV-MARKER/.test(await (await fetch(srv.base + '/')).text()));
    // a broken edit keeps the last good templates serving: wait for the
    // server to have read it (its log says so), then ask
    fs.writeFileSync(f, '{{#x}} unclosed');
    await poll('the broken edit is read and refused', async () => /templates not reloaded: .*home\.mustache:1/.test(srv.log()));
    const after = await fetch(srv.base + '/');
    assert.equal(after.status, 200);
    assert.match(await after.text(), /DEV-MARKER/);
  } finally {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with a certificate and http2 = 1 it serves HTTPS with HTTP/2 and HSTS; without http2, HTTP/1.1 only', async () => {
  const dir = tmpdir();
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
  { stdio: 'ignore' });
  const ca = fs.readFileSync(cert);
  const get2 = (port, p) => new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
    session.on('error', reject);
    const req = session.request({ ':path': p });
    let body = '';
    let headers;
    req.setEncoding('utf8');
    req.on('response', (h) => { headers = h; });
    req.on('data', (d) => { body += d; });
    req.on('end', () => { const alpn = session.alpnProtocol; session.close(); resolve({ headers, body, alpn }); });
    req.on('error', reject);
    req.end();
  });
  const srv = await startServer({
    extra: ['--tls-cert', cert, '--tls-key', key, '--http2', '1'],
    ready: async (port) => (await get2(port, '/api/v1/health')).headers[':status'] === 200,
  });
  try {
    const r = await get2(srv.port, '/');
    assert.equal(r.alpn, 'h2');
    assert.equal(r.headers[':status'], 200);
    assert.match(r.headers['strict-transport-security'], /max-age=31536000/);
    assert.match(r.body, /Valsts ir internetā/);
    // HTTP/1.1 over TLS works too
    const body1 = await new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: srv.port, path: '/en/', ca, ALPNProtocols: ['http/1.1'] }, (res) => {
        let b = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { b += d; });
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    assert.match(body1, /The State is on the Internet/);
    // the CSRF cookie is Secure over TLS
    const form = await get2(srv.port, '/atsauksmes');
    assert.match(String(form.headers['set-cookie']), /; Secure/);
  } finally {
    await srv.stop();
  }
  // by default (h2o 2.2's HTTP/2 is unmaintained) TLS offers HTTP/1.1 only
  const alpnOf = (port) => new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      const p = s.alpnProtocol;
      s.end();
      resolve(p);
    });
    s.on('error', reject);
  });
  const plain = await startServer({
    extra: ['--tls-cert', cert, '--tls-key', key],
    ready: async (port) => (await alpnOf(port)) === 'http/1.1',
  });
  try {
    assert.equal(await alpnOf(plain.port), 'http/1.1');
  } finally {
    await plain.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
