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
//   was no longer XML and the article page lost its body;
// - an FAQ entry named "main" or "tema-citi" took an id the page already
//   has (the skip link's, a topic's): /buj#… led elsewhere;
// - 16 000 '>' in a news body (block quotes nested 16 000 deep) made 432 kB
//   of HTML per article and a 12 MB feed, rebuilt for every request.
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
    for (const [who, cookie, t, p] of [['stranger', anon.cookie(), token, '/birojs/materiali'], ['consultant', cons.cookie(), ctoken, '/birojs/materiali'],
      ['stranger', anon.cookie(), token, '/en/birojs/materiali/1']]) {
      for (const length of [MAX, null]) {
        const t0 = Date.now();
        const res = await trickle(srv.base, p, { cookie, token: t, length });
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

  // ---- what held (kept as regression tests) ----

  async function upload(b, fields, file) {
    const fd = new FormData();
    fd.set('_csrf', csrfOf((await b.get('/birojs/materiali')).html));
    for (const [k, v] of Object.entries({ lang: 'lv', kind: 'other', visibility: 'public', ...fields })) fd.set(k, v);
    fd.set('datne', new Blob([file.bytes], { type: file.type || 'application/octet-stream' }), file.name);
    const res = await fetch(srv.base + '/birojs/materiali', { method: 'POST', body: fd, redirect: 'manual', headers: { cookie: b.cookie() } });
    b.take(res);
    res.html = await res.text();
    return res;
  }

  test('held: files that are also HTML or script download as attachments nothing runs in', async () => {
    const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    const html = '<html><body><script>alert(document.domain)</script></body></html>';
    const cases = [
      ['svg', 'Zīme"; filename="evil.html', { name: 'a.svg', bytes: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`) }],
      ['png', 'Plakāts ' + 'ā'.repeat(190), { name: 'a.html', bytes: Buffer.concat([PNG, Buffer.from(html)]) }],
      ['pdf', 'Ceļvedis \\ "x" %0d%0aSet-Cookie: a=b', { name: 'a.pdf', bytes: Buffer.from(`%PDF-1.4\n${html}\n%%EOF\n`) }],
    ];
    for (const [ext, title, file] of cases) {
      const res = await upload(ed, { title_lv: title }, file);
      assert.equal(res.status, 303, `${ext}: ${res.html.slice(0, 200)}`);
      const id = res.headers.get('location').match(/materiali\/(\d+)/)[1];
      const d = await fetch(`${srv.base}/materiali/${id}/lejupielade`);
      const cd = d.headers.get('content-disposition');
      assert.match(d.headers.get('content-type'), ext === 'svg' ? /^image\/svg\+xml/ : ext === 'png' ? /^image\/png/ : /^application\/pdf/);
      assert.match(cd, /^attachment; filename="[^"\\\r\n]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/, cd);
      assert.ok(cd.endsWith(`.${ext}`), cd);
      assert.equal(d.headers.get('x-content-type-options'), 'nosniff');
      assert.match(d.headers.get('content-security-policy'), /sandbox/);
      assert.equal(d.headers.get('set-cookie'), null);
    }
    // a title with a line break does not get into the header: refused as a form field
    let res = await upload(ed, { title_lv: 'Virsraksts\r\nSet-Cookie: a=b' }, { name: 'a.png', bytes: PNG });
    assert.equal(res.status, 422);
    // a refused file large enough to spill to disk (> 256 KiB) leaves nothing behind
    res = await upload(ed, { title_lv: 'Lapa' }, { name: 'a.pdf', bytes: Buffer.concat([Buffer.from(html), Buffer.alloc(300 * 1024, 0x20)]) });
    assert.equal(res.status, 422);
    // the spilled part is removed when the request's memory is released,
    // just after the answer has gone out: wait for that moment, not longer
    let left = [];
    for (let i = 0; i < 50; i++) {
      left = fs.readdirSync(path.join(srv.data, 'tmp'));
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(left, []);
    assert.deepEqual(fs.readdirSync(path.join(srv.data, 'materials')).filter((f) => f.startsWith('.')), []);
  });

  test('held: scheduled news and draft answers are nowhere before their time', async () => {
    const now = Math.floor(Date.now() / 1000);
    db(`INSERT INTO news_article (slug, title_lv, body_lv, title_en, body_en, state, publish_at, created_at, created_by, updated_at, updated_by) VALUES `
      + `('nakotne', 'Slepenszinakotne', 'Slepenszinakotne teksts', 'Futuresecret', 'Futuresecret text', 'scheduled', ${now + 3600}, ${now}, 1, ${now}, 1), `
      + `('melnraksts', 'Melnrakstszina', 'Melnrakstszina teksts', 'Draftsecret', 'Draftsecret text', 'draft', ${now - 60}, ${now}, 1, ${now}, 1)`);
    db(`INSERT INTO faq_entry (slug, topic, question_lv, answer_lv, question_en, answer_en, state, position, created_at, updated_at, updated_by) VALUES `
      + `('slepena-atbilde', 'citi', 'Slepenajautajums?', 'Slepenaatbilde.', 'Secretquestion?', 'Secretanswer.', 'draft', 1, ${now}, ${now}, 1)`);
    db('UPDATE content_revision SET value = value + 1 WHERE id = 1');
    await new Promise((r) => setTimeout(r, 1500)); // the content thread has seen the revision
    const pages = ['/', '/en/', '/jaunumi', '/en/jaunumi', '/jaunumi/atom.xml', '/en/jaunumi/atom.xml', '/buj', '/en/buj',
      '/meklet?q=Slepenszinakotne', '/meklet?q=Melnrakstszina', '/meklet?q=Slepenajautajums', '/meklet?q=Slepenaatbilde',
      '/en/meklet?q=Futuresecret', '/en/meklet?q=Secretanswer', '/en/meklet?q=Draftsecret'];
    for (const p of pages) {
      const res = await fetch(srv.base + p);
      // the query itself is echoed in the search form and the title
      const body = (await res.text()).replace(/<title>[^<]*<\/title>|value="[^"]*"/g, '');
      assert.doesNotMatch(body, /Slepenszinakotne|Futuresecret|Melnrakstszina|Draftsecret|Slepena|Secretquestion|Secretanswer|slepena-atbilde/, p);
    }
    // the search does find what is published (the test above's article)
    assert.match(await (await fetch(`${srv.base}/meklet?q=Rakstz%C4%ABmes`)).text(), /href="\/jaunumi\/rakstzimes"/);
    for (const p of ['/jaunumi/nakotne', '/en/jaunumi/nakotne', '/jaunumi/melnraksts']) assert.equal((await fetch(srv.base + p)).status, 404, p);
    // the office preview is a POST with the editor's role and token only
    for (const b of [anon, cons]) {
      const res = await b.post('/birojs/jaunumi/jauns', { version: '0', slug: 'x', title_lv: 'x', body_lv: '<script>alert(1)</script>', action: 'preview' }, { token: csrfOf((await b.get('/atsauksmes')).html) });
      assert.ok([303, 403].includes(res.status), `${res.status}`);
    }
  });

  test('deeply nested Markdown is flattened; the feed and page numbers cost little', async () => {
    for (const [slug, body] of [['gt', '>'.repeat(15000)], ['br', '['.repeat(15000)], ['li', '* '.repeat(7500) + 'a'], ['em', '*a_'.repeat(5000)]]) {
      const t0 = Date.now();
      const res = await ed.post('/birojs/jaunumi/jauns', { version: '0', slug: `patologisks-${slug}`, title_lv: `Patoloģisks ${slug}`, body_lv: body, action: 'publish' }, { formPath: '/birojs/jaunumi/jauns' });
      assert.equal(res.status, 303, `${slug}: ${res.status}`);
      const page = await fetch(`${srv.base}/jaunumi/patologisks-${slug}`);
      assert.equal(page.status, 200);
      // nesting past 16 levels is flattened: 15 000 '>' made 405 kB of markup
      assert.ok((await page.text()).length < 64 * 1024, `${slug}: the page is small`);
      assert.ok(Date.now() - t0 < 5000, `${slug}: ${Date.now() - t0} ms`);
    }
    const t0 = Date.now();
    // twenty such articles made a 12 MB feed, too large for the page cache,
    // built again (seconds) for every request
    const feed = await fetch(`${srv.base}/jaunumi/atom.xml`);
    assert.equal(feed.status, 200);
    assert.ok((await feed.text()).length < 128 * 1024, 'the feed is small');
    for (const q of ['999999999', '99999999999999999999', '-1', '0', '1e9', 'x', '%00']) {
      const res = await fetch(`${srv.base}/jaunumi?lapa=${q}`);
      assert.ok([400, 404].includes(res.status), `lapa=${q}: ${res.status}`);
    }
    assert.ok(Date.now() - t0 < 5000);
  });

  test('an FAQ entry cannot take an id the FAQ page already has', async () => {
    const entry = (slug) => ({ slug, topic: 'citi', position: '5', question_lv: 'Kāpēc?', answer_lv: 'Tāpēc.', question_en: '', answer_en: '', state: 'published', do: 'save' });
    // "main": the skip link's target; "tema-citi": a topic's heading; "kas-ir-eid-q": the
    // question heading of the seeded entry kas-ir-eid
    for (const slug of ['main', 'q', 'faq-toc-title', 'tema-citi', 'kas-ir-eid-q']) {
      const res = await ed.post('/birojs/buj/jauns', entry(slug), { formPath: '/birojs/buj/jauns' });
      assert.equal(res.status, 422, slug);
      assert.match(res.html, /id="slug-error"/);
    }
    assert.equal(db("SELECT count(*) FROM faq_entry WHERE slug IN ('main', 'q', 'faq-toc-title', 'tema-citi', 'kas-ir-eid-q')"), '0');
    const res = await ed.post('/birojs/buj/jauns', entry('kapec-ta'), { formPath: '/birojs/buj/jauns' });
    assert.equal(res.status, 303);
    // every id on /buj is there once
    const ids = [...(await anon.get('/buj')).html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(ids.filter((x, i) => ids.indexOf(x) !== i), []);
  });

  test('held: every content POST refuses a missing or made-up token and another site', async () => {
    const routes = ['/birojs/jaunumi/jauns', '/birojs/jaunumi/1', '/birojs/materiali', '/birojs/materiali/1', '/birojs/materiali/1/dzest',
      '/birojs/buj/temas', '/birojs/buj/temas/citi', '/birojs/buj/jauns', '/birojs/buj/1', '/birojs/buj/1/dzest',
      '/birojs/fakti/pmlp_url', '/birojs/fakti/pmlp_url/parbaudits'];
    const token = csrfOf((await ed.get('/birojs/fakti')).html);
    const before = [db('SELECT count(*) FROM audit_log'), db('SELECT value FROM content_revision WHERE id = 1')];
    const fields = { slug: 'csrf-tests', title_lv: 'CSRF', body_lv: 'x', action: 'publish', value_lv: 'https://evil.example/', do: 'save', state: 'published', topic: 'citi', question_lv: 'Kāpēc?', answer_lv: 'x' };
    for (const p of routes) {
      for (const p2 of [p, `/en${p}`]) {
        let res = await ed.post(p2, fields, { token: '' });
        assert.equal(res.status, 403, `${p2} without a token`);
        res = await ed.post(p2, fields, { token: 'A'.repeat(43) });
        assert.equal(res.status, 403, `${p2} with a made-up token`);
        res = await ed.post(p2, fields, { token, headers: { origin: 'https://evil.example' } });
        assert.equal(res.status, 403, `${p2} from another site`);
        res = await ed.post(p2, fields, { token, headers: { 'sec-fetch-site': 'cross-site' } });
        assert.equal(res.status, 403, `${p2} cross-site`);
      }
    }
    assert.deepEqual([db('SELECT count(*) FROM audit_log'), db('SELECT value FROM content_revision WHERE id = 1')], before, 'nothing changed');
    assert.equal(db("SELECT count(*) FROM news_article WHERE slug = 'csrf-tests'"), '0');
  });
});
