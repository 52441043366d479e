// tests/e2e/attacks-content.test.js — the attacker against the campaign's
// own content (issue 12: news, FAQ and facts, materials for informers).
// Each test plays one attack that worked before it was fixed:
// - a stranger (or a citizen, or staff without the role) holding a valid
//   CSRF token trickles a large body to the materials upload route: the 413
//   comes on the headers / first bytes, not after the server has taken in
//   up to materials-max-bytes;
// - a content editor puts javascript: into a fact that the templates put
//   into href="…" on every page (footer, /kontakti, /ka-sakt);
// - a character reference in an editor's Markdown (&#1;, &#xFFFE;) made
//   libcmark write a control character or a lone byte 0xFE: the Atom feed
//   was no longer XML and the article page lost its body.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, sqlite } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const MAX_BODY = 64 * 1024;
const MAX = 8 * 1024 * 1024; // materials-max-bytes

function csrfOf(html) {
  const m = html.match(/name="_csrf" value="([^"]+)"/);
  return m ? m[1] : '';
}

// Sends the head and the first bytes of a body of `length` (or chunked),
// then nothing: the answer the server gives within `ms`, or null.
function trickle(base, p, { cookie, token, length = null, first = 16 * 1024, ms = 3000 }) {
  const u = new URL(base);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname);
    let got = '';
    const done = (v) => { clearTimeout(t); s.destroy(); resolve(v); };
    const t = setTimeout(() => done(got ? got : null), ms);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (/\r\n\r\n/.test(got)) done(got);
    });
    s.on('error', () => done(got || 'error'));
    s.on('connect', () => {
      const b = 'XyZb0undary';
      const start = `--${b}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n`
        + `--${b}\r\nContent-Disposition: form-data; name="datne"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n`;
      const head = `POST ${p} HTTP/1.1\r\nHost: ${u.host}\r\nCookie: ${cookie}\r\n`
        + `Content-Type: multipart/form-data; boundary=${b}\r\n`
        + (length ? `Content-Length: ${length}\r\n` : 'Transfer-Encoding: chunked\r\n') + '\r\n';
      const body = Buffer.concat([Buffer.from(start), Buffer.alloc(first, 0x20)]);
      s.write(head);
      if (length) s.write(body);
      else s.write(`${body.length.toString(16)}\r\n`), s.write(body), s.write('\r\n');
      // and keeps sending slowly, as a slow link would
      let sent = body.length;
      const more = setInterval(() => {
        if (s.destroyed || sent > MAX_BODY * 4) return clearInterval(more);
        const c = Buffer.alloc(MAX_BODY, 0x20);
        sent += c.length;
        if (length) s.write(c);
        else s.write(`${c.length.toString(16)}\r\n`), s.write(c), s.write('\r\n');
      }, 200);
      s.on('close', () => clearInterval(more));
    });
  });
}

// 1 when b is well-formed UTF-8 holding only characters XML 1.0 allows.
function xmlChars(b) {
  let s;
  try { s = new TextDecoder('utf-8', { fatal: true }).decode(b); } catch { return false; }
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(s);
}

describe('attacks on the campaign content', () => {
  let srv, ed, cons, anon, data;
  const db = (sql) => sqlite(path.join(srv.data, 'epak.db'), sql);

  before(async () => {
    data = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-attack1-'));
    srv = await startServer({ data, extra: ['--max-body', `${MAX_BODY}`, '--materials-max-bytes', `${MAX}`] });
    addUser(srv, 'ed', PW, ['name=Satura Redaktore', 'role=content']);
    addUser(srv, 'cons', PW, ['name=Konsultante', 'role=consultant']);
    ed = new Browser(srv.base);
    assert.equal((await staffLogin(ed, 'ed', PW)).status, 303);
    cons = new Browser(srv.base);
    assert.equal((await staffLogin(cons, 'cons', PW)).status, 303);
    anon = new Browser(srv.base);
  });

  after(async () => {
    await srv?.stop();
    if (data) fs.rmSync(data, { recursive: true, force: true });
  });

  test('a large upload from anyone but an editor is refused before its body is taken in', async () => {
    const token = csrfOf((await anon.get('/atsauksmes')).html);
    assert.ok(token && anon.cookie(), 'the stranger holds a CSRF cookie and token');
    const ctoken = csrfOf((await cons.get('/profils')).html);
    for (const [who, cookie, t] of [['stranger', anon.cookie(), token], ['consultant', cons.cookie(), ctoken]]) {
      for (const length of [MAX, null]) {
        const t0 = Date.now();
        const res = await trickle(srv.base, '/birojs/materiali', { cookie, token: t, length });
        assert.ok(res, `${who}, ${length ? 'Content-Length' : 'chunked'}: answered before the body ends`);
        assert.match(res, /^HTTP\/1\.1 413 /, `${who}: ${res.slice(0, 60)}`);
        assert.ok(Date.now() - t0 < 3000);
      }
    }
    // an editor's upload of the same size is taken in (answered only after the body)
    const etoken = csrfOf((await ed.get('/birojs/materiali')).html);
    const res = await trickle(srv.base, '/birojs/materiali', { cookie: ed.cookie(), token: etoken, length: MAX, ms: 1500 });
    assert.equal(res, null, 'the editor\'s body is awaited');
    // nothing left in the materials folder
    assert.deepEqual(fs.readdirSync(path.join(srv.data, 'materials')).filter((f) => f.startsWith('.upload')), []);
    assert.equal((await anon.get('/materiali')).status, 200, 'the server goes on serving');
  });

  test('a fact put into href cannot be a javascript: address', async () => {
    for (const value of ['javascript:alert(document.cookie)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'JaVaScRiPt:alert(1)']) {
      const res = await ed.post('/birojs/fakti/pmlp_url', { value_lv: value, value_en: '', source_url: '', checked_on: '' }, { formPath: '/birojs/fakti' });
      assert.equal(res.status, 422, value);
      assert.match(res.html, /https:\/\//);
    }
    assert.equal(db("SELECT value_lv FROM fact WHERE slug = 'pmlp_url'").startsWith('http'), true, 'nothing saved');
    // written directly (another node, an old row): not shown as a link
    db("UPDATE fact SET value_lv = 'javascript:alert(1)', value_en = 'javascript:alert(2)' WHERE slug IN ('pmlp_url', 'eparaksts_url', 'web_eid_url'); "
      + "UPDATE fact SET value_lv = 'Aģentūra-marķieris' WHERE slug = 'portal_agency'; UPDATE content_revision SET value = value + 1 WHERE id = 1");
    // the pages are built again after the revision moves (≤ ~1 s)
    const end = Date.now() + 8000;
    while (!/Aģentūra-marķieris/.test((await anon.get('/kontakti')).html)) {
      assert.ok(Date.now() < end, 'the changed facts reach the pages');
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const p of ['/', '/en/', '/kontakti', '/en/kontakti', '/ka-sakt', '/en/ka-sakt', '/palidziba']) {
      const html = (await anon.get(p)).html;
      assert.doesNotMatch(html, /href="\s*javascript:/i, p);
      assert.doesNotMatch(html, /javascript:alert/, p);
    }
    // a web address is still taken
    db("UPDATE fact SET value_lv = 'https://www.pmlp.gov.lv/', value_en = '' WHERE slug = 'pmlp_url'");
    const res = await ed.post('/birojs/fakti/pmlp_url', { value_lv: 'https://www.pmlp.gov.lv/lv/nodalas', value_en: '', source_url: '', checked_on: '' }, { formPath: '/birojs/fakti' });
    assert.equal(res.status, 303);
  });

  test('character references in Markdown leave the feed XML and the article whole', async () => {
    const body = 'Sākums&#1;vidus&#xFFFE;beigas &#xFFFF; `&#x1b;` [saite](https://x.lv/&#1;)';
    const res = await ed.post('/birojs/jaunumi/jauns', {
      version: '0', slug: 'rakstzimes', title_lv: 'Rakstzīmes', summary_lv: 'Kopsavilkums &#1; &#xFFFE;', body_lv: body, action: 'publish',
    }, { formPath: '/birojs/jaunumi/jauns' });
    assert.equal(res.status, 303, res.html?.slice(0, 300));
    const page = await anon.get('/jaunumi/rakstzimes');
    assert.equal(page.status, 200);
    assert.match(page.html, /Sākums\uFFFDvidus\uFFFDbeigas/, 'the body is on the page');
    const feed = Buffer.from(await (await fetch(`${srv.base}/jaunumi/atom.xml`)).arrayBuffer());
    assert.ok(xmlChars(feed), 'the feed holds only XML characters');
    const file = path.join(data, 'feed.xml');
    fs.writeFileSync(file, feed);
    const lint = spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stderr);
    assert.match(feed.toString(), /Sākums\uFFFDvidus/);
  });
});
