// tests/e2e/news.test.js — news ("Aktualitātes") against a real server
// (SQLite, and PostgreSQL when EPAK_TEST_PG_URL is set): a content editor
// writes, previews, saves a draft, publishes, schedules and unpublishes;
// drafts stay invisible to the public and to the search; a scheduled
// article appears once its time comes, also on cached pages; the Atom feeds
// of both languages validate against RFC 4287's RELAX NG schema
// (tests/data/atom.rng) with xmllint; Markdown and title payloads render
// inert on the page and in the feed; published news and FAQ entries are
// found on /meklet after the services; every /birojs/jaunumi route refuses
// anonymous visitors, other roles and posts without the CSRF token; a huge
// page number is a 404, an oversized text is refused beside its field, and
// the editors' saves have their hourly budget.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, startServer, sqlite, psql } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const RNG = path.join(root, 'tests/data/atom.rng');
const pgUrl = process.env.EPAK_TEST_PG_URL;
const backends = [{ name: 'SQLite', pg: false }, { name: 'PostgreSQL', pg: true }];
const SAVES = 60; // --limit-office-saves for this server

const XSS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '[klikšķini](javascript:alert(1))',
  '<a href="javascript:alert(1)">x</a>',
  '![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '<svg onload=alert(1)>',
  '<iframe src="https://evil.example"></iframe>',
  '[x](vbscript:msgbox(1))',
];

// No executable markup: no script or iframe element, no event attribute in
// a tag, no script URL in an href or src.
function assertInert(html, where) {
  assert.doesNotMatch(html, /<script\b(?![^>]*\bsrc="\/static\/)/i, `${where}: a script element`);
  assert.doesNotMatch(html, /<(iframe|svg|object|embed)\b/i, `${where}: an active element`);
  // (quoted attribute values, escaped by the templates, are text)
  assert.doesNotMatch(html.replace(/"[^"]*"/g, '""'), /<[a-z][^>]*\son[a-z]+\s*=/i, `${where}: an event attribute`);
  assert.doesNotMatch(html, /(href|src)\s*=\s*"\s*(javascript|vbscript|data:text)/i, `${where}: a script URL`);
}

function unescapeXml(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

function relaxng(xml, name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-atom-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--relaxng', RNG, file], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  return r;
}

async function eventually(fn, what, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

for (const backend of backends) describe(backend.name, { skip: backend.pg && !pgUrl && 'EPAK_TEST_PG_URL is not set' }, () => {
  let dbUrl = null;
  let srv;
  let ed; // content editor
  let cons; // consultant: read-only back office
  let inst; // institution editor
  let boss; // administrator

  function db(sql) {
    return backend.pg ? psql(dbUrl, sql) : sqlite(path.join(srv.data, 'epak.db'), sql);
  }

  async function login(name, key = null) {
    const b = new Browser(srv.base);
    const res = await staffLogin(b, name, PW, key);
    assert.equal(res.status, 303, `${name} logs in`);
    return b;
  }

  const get = async (p) => {
    const res = await fetch(srv.base + p, { redirect: 'manual' });
    res.html = await res.text();
    return res;
  };

  // The editor's form posted with fields and the button action.
  async function save(b, url, fields, action) {
    return b.post(url, { version: '0', ...fields, action }, { formPath: url });
  }

  async function create(b, fields, action) {
    const res = await save(b, '/birojs/jaunumi/jauns', fields, action);
    return res;
  }

  function idOf(slug) {
    return Number(db(`SELECT id FROM news_article WHERE slug = '${slug}'`));
  }

  // The edit form's current version, as the editor page carries it.
  async function version(b, id) {
    const res = await b.get(`/birojs/jaunumi/${id}`);
    assert.equal(res.status, 200);
    return res.html.match(/name="version" value="(\d+)"/)[1];
  }

  async function edit(b, slug, fields, action) {
    const id = idOf(slug);
    const v = await version(b, id);
    const cur = db(`SELECT title_lv || '|' || body_lv FROM news_article WHERE id = ${id}`).split('|');
    return b.post(`/birojs/jaunumi/${id}`,
      { version: v, title_lv: cur[0], body_lv: cur[1], ...fields, action },
      { formPath: `/birojs/jaunumi/${id}` });
  }

  before(async () => {
    if (backend.pg) {
      psql(pgUrl, 'DROP DATABASE IF EXISTS epak_e2e_news');
      psql(pgUrl, 'CREATE DATABASE epak_e2e_news');
      dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, '/epak_e2e_news$1');
    }
    srv = await startServer({
      db: dbUrl, imports: [path.join(root, 'data/catalog.jsonld')],
      extra: ['--limit-office-saves', String(SAVES), '--public-url', 'https://epak.example.lv'],
    });
    const admin = addUser(srv, 'boss', PW, ['name=Anna Administratore', 'role=admin']);
    addUser(srv, 'ed', PW, ['name=Elīna Redaktore', 'role=content']);
    addUser(srv, 'cons', PW, ['name=Konsultants', 'role=consultant']);
    addUser(srv, 'inst', PW, ['name=Iestādes Redaktors', 'role=institution', 'institution=pmlp']);
    ed = await login('ed');
    cons = await login('cons');
    inst = await login('inst');
    boss = await login('boss', admin.key);
  });

  after(async () => {
    await srv?.stop();
  });

  test('every /birojs/jaunumi route: anonymous → login, other roles → 403, no CSRF → 403', async () => {
    const r0 = await create(ed, { slug: 'pirmais', title_lv: 'Pirmais', body_lv: 'Teksts.' }, 'save');
    assert.equal(r0.status, 303, r0.html.slice(0, 400));
    const id = idOf('pirmais');
    for (const p of ['/birojs/jaunumi', '/birojs/jaunumi/jauns', `/birojs/jaunumi/${id}`, '/en/birojs/jaunumi']) {
      const res = await get(p);
      assert.equal(res.status, 303, p);
      assert.match(res.headers.get('location'), /\/pieteikties\?next=/, p);
      assert.equal((await cons.get(p)).status, 403, p);
      assert.equal((await inst.get(p)).status, 403, p);
      assert.equal((await boss.get(p)).status, 200, `${p}: the ministry may`);
    }
    // direct posts with the person's own valid CSRF token
    const before = db(`SELECT version FROM news_article WHERE id = ${id}`);
    for (const b of [cons, inst]) {
      const token = (await b.get('/profils')).html.match(/name="_csrf" value="([^"]+)"/)[1];
      for (const p of ['/birojs/jaunumi/jauns', `/birojs/jaunumi/${id}`]) {
        const res = await b.post(p, { slug: 'uzbrukums', title_lv: 'X', body_lv: 'X', version: before, action: 'publish' }, { token });
        assert.equal(res.status, 403, p);
      }
    }
    // anonymous with a CSRF cookie and token of its own
    const anon = new Browser(srv.base);
    const token = (await anon.get('/atsauksmes')).html.match(/name="_csrf" value="([^"]+)"/)[1];
    let res = await anon.post(`/birojs/jaunumi/${id}`, { title_lv: 'X', body_lv: 'X', version: before, action: 'publish' }, { token });
    assert.ok([303, 403].includes(res.status), `anonymous post: ${res.status}`);
    if (res.status === 303) assert.match(res.headers.get('location'), /\/pieteikties/);
    // the editor without the CSRF token
    res = await ed.post(`/birojs/jaunumi/${id}`, { title_lv: 'X', body_lv: 'X', version: before, action: 'publish' }, { token: 'nav' });
    assert.equal(res.status, 403);
    assert.equal(db(`SELECT version FROM news_article WHERE id = ${id}`), before, 'nothing was changed');
    assert.equal(db(`SELECT state FROM news_article WHERE id = ${id}`), 'draft');
    assert.equal(db("SELECT COUNT(*) FROM news_article WHERE slug = 'uzbrukums'"), '0');
  });

  test('bad input gets its message beside the field and nothing is saved', async () => {
    const n = db('SELECT COUNT(*) FROM news_article');
    const cases = [
      [{ slug: 'Ar Atstarpēm', title_lv: 'T', body_lv: 'B' }, 'slug', /mazos latīņu|small Latin/i],
      [{ slug: 'abonet', title_lv: 'T', body_lv: 'B' }, 'slug', /rezervēta|reserved/i],
      [{ slug: 'bez-virsraksta', title_lv: '', body_lv: 'B' }, 'title_lv', /jāaizpilda|required/i],
      [{ slug: 'bez-teksta', title_lv: 'T', body_lv: '' }, 'body_lv', /jāaizpilda|required/i],
      [{ slug: 'garsvirsraksts', title_lv: 'ā'.repeat(201), body_lv: 'B' }, 'title_lv', /200/],
      [{ slug: 'angliski', title_lv: 'T', body_lv: 'B', title_en: 'Title' }, 'body_en', /angļu|English/i],
      [{ slug: 'par-agru', title_lv: 'T', body_lv: 'B', date: '2020-01-01', time: '10:00' }, 'date', /nākotn|future/i],
      [{ slug: 'slikts-laiks', title_lv: 'T', body_lv: 'B', date: '2030-01-01', time: '25:99' }, 'time', /09:30/],
      [{ slug: 'pirmais', title_lv: 'T', body_lv: 'B' }, 'slug', /citam rakstam|Another article/i],
    ];
    for (const [fields, field, re] of cases) {
      const action = field === 'date' || field === 'time' ? 'schedule' : 'save';
      const res = await create(ed, fields, action);
      assert.equal(res.status, 422, `${field}: ${JSON.stringify(fields).slice(0, 80)}`);
      const m = res.html.match(new RegExp(`<p class="field-error" id="${field}-error">([^<]*)</p>`));
      assert.ok(m, `${field}: a message beside the field`);
      assert.match(m[1], re, field);
      assert.match(res.html, /class="error-summary"/);
      if (fields.title_lv) assert.match(res.html, new RegExp(`value="${fields.title_lv.slice(0, 20)}`), 'what was typed stays');
    }
    // an oversized text (past 16 000 characters, within what HTTP takes of a field): refused beside the field
    const big = 'ā'.repeat(16001);
    const res = await create(ed, { slug: 'milzigs', title_lv: 'T', body_lv: big }, 'save');
    assert.equal(res.status, 422);
    assert.match(res.html, /id="body_lv-error">[^<]*16000/);
    assert.match(res.html, /maxlength="16000"/, 'the browser stops typing there too');
    assert.equal(db('SELECT COUNT(*) FROM news_article'), n);
  });

  test('draft → preview → publish → unpublish; the public, the feed and the search follow', async () => {
    const title = 'Dzīvesvietas deklarēšana — Zibensvilciens & <drošība>';
    const body = '## Kas jauns\n\nTagad **ātrāk**: ģimenēm, ķēdēm un čaklām šūnām.\n\n* viens\n* divi\n';
    let res = await create(ed, { slug: 'zibensvilciens', title_lv: title, summary_lv: 'Īsumā: *jauns*.', body_lv: body,
      title_en: 'Declaring residence — Lightning & <safety>', body_en: 'Now **faster**.' }, 'save');
    assert.equal(res.status, 303);
    const id = idOf('zibensvilciens');
    assert.equal(res.headers.get('location'), `/birojs/jaunumi/${id}?saglabats=1`);
    assert.equal(db(`SELECT state FROM news_article WHERE id = ${id}`), 'draft');
    // a draft: invisible
    assert.equal((await get('/jaunumi/zibensvilciens')).status, 404);
    assert.doesNotMatch((await get('/jaunumi')).html, /zibensvilciens/);
    assert.doesNotMatch((await get('/jaunumi/atom.xml')).html, /Zibensvilciens/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.doesNotMatch((await get('/meklet?q=zibensvilciens')).html, /\/jaunumi\/zibensvilciens/);

    // the preview: the public page's look, not indexed, nothing saved
    const v = await version(ed, id);
    res = await ed.post(`/birojs/jaunumi/${id}`, { version: v, title_lv: title, body_lv: body + '\n\nPriekšskatījums', action: 'preview' }, { formPath: `/birojs/jaunumi/${id}` });
    assert.equal(res.status, 200);
    assert.match(res.html, /<meta name="robots" content="noindex/);
    assert.match(res.html, /<h1>Dzīvesvietas deklarēšana — Zibensvilciens &amp; &lt;drošība&gt;<\/h1>/);
    assert.match(res.html, /<h3>Kas jauns<\/h3>/, 'headings shifted down under the title');
    assert.match(res.html, /Priekšskatījums/);
    assert.doesNotMatch(db(`SELECT body_lv FROM news_article WHERE id = ${id}`), /Priekšskatījums/);
    // back to the editor: the form as it was typed, still not saved
    assert.match(res.html, /<button type="submit" name="action" value="edit">/);
    res = await ed.post(`/birojs/jaunumi/${id}`, { version: v, title_lv: title, body_lv: body + '\n\nPriekšskatījums', action: 'edit' }, { formPath: `/birojs/jaunumi/${id}` });
    assert.equal(res.status, 200);
    assert.match(res.html, /Priekšskatījums<\/textarea>/);
    assert.doesNotMatch(db(`SELECT body_lv FROM news_article WHERE id = ${id}`), /Priekšskatījums/);
    res = await ed.post(`/birojs/jaunumi/${id}`, { version: v, title_lv: title, body_lv: body, title_en: 'Declaring residence', body_en: 'Now **faster**.', action: 'preview-en' }, { formPath: `/birojs/jaunumi/${id}` });
    assert.match(res.html, /<html lang="en">/);
    assert.match(res.html, /<strong>faster<\/strong>/);

    // publish
    res = await edit(ed, 'zibensvilciens', { summary_lv: 'Īsumā: *jauns*.', title_en: 'Declaring residence — Lightning & <safety>', body_en: 'Now **faster**.' }, 'publish');
    assert.equal(res.status, 303);
    assert.equal(db(`SELECT state FROM news_article WHERE id = ${id}`), 'published');
    res = await get('/jaunumi/zibensvilciens');
    assert.equal(res.status, 200);
    assert.match(res.html, /<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">\d\d\.\d\d\.\d{4}\. \d\d:\d\d<\/time>/);
    assert.match(res.html, /ģimenēm, ķēdēm un čaklām šūnām/);
    assert.match(res.html, /<link rel="alternate" type="application\/atom\+xml"[^>]*href="\/jaunumi\/atom\.xml"/);
    res = await get('/en/jaunumi/zibensvilciens');
    assert.match(res.html, /Declaring residence — Lightning &amp; &lt;safety&gt;/);
    assert.match(res.html, /<time datetime="[^"]+">\d+ [A-Z][a-z]{2} \d{4}, \d\d:\d\d<\/time>/);
    res = await get('/jaunumi');
    assert.match(res.html, /href="\/jaunumi\/zibensvilciens"/);
    assert.match(res.html, /href="\/jaunumi\/atom\.xml"/);
    assert.match((await get('/en/jaunumi')).html, /<link rel="alternate" type="application\/atom\+xml"[^>]*href="\/en\/jaunumi\/atom\.xml"/);
    // the home page's newest news
    await eventually(async () => /href="\/jaunumi\/zibensvilciens"/.test((await get('/')).html), 'home page');
    // the search: after the services, in a list of its own
    const html = await eventually(async () => {
      const h = (await get('/meklet?q=dz%C4%ABvesvietas+deklar%C4%93%C5%A1ana')).html;
      return /\/jaunumi\/zibensvilciens/.test(h) && h;
    }, 'search finds the article');
    const services = html.indexOf('<ol class="results">');
    const content = html.indexOf('id="content-results"');
    assert.ok(services > 0, 'services were found too');
    assert.ok(content > services, 'news come after the services');
    assert.ok(html.indexOf('/jaunumi/zibensvilciens') > content);
    assert.match(html, /Jaunumi un atbildes/);
    // also when no service matches
    const only = await get('/meklet?q=zibensvilciens');
    assert.match(only.html, /\/jaunumi\/zibensvilciens/);
    assert.match((await get('/en/meklet?q=lightning')).html, /href="\/en\/jaunumi\/zibensvilciens"[^>]*>Declaring residence/);
    assert.match((await get('/en/meklet?q=lightning')).html, /News and answers/);

    // the audit log
    assert.ok(Number(db("SELECT COUNT(*) FROM audit_log WHERE action = 'news-published'")) >= 1);

    // unpublish: gone everywhere
    res = await edit(ed, 'zibensvilciens', {}, 'unpublish');
    assert.equal(res.status, 303);
    assert.equal((await get('/jaunumi/zibensvilciens')).status, 404);
    assert.doesNotMatch((await get('/jaunumi')).html, /zibensvilciens/);
    assert.doesNotMatch((await get('/jaunumi/atom.xml')).html, /Zibensvilciens/);
    await eventually(async () => !/\/jaunumi\/zibensvilciens/.test((await get('/meklet?q=zibensvilciens')).html), 'search forgets it');
    await eventually(async () => !/\/jaunumi\/zibensvilciens/.test((await get('/')).html), 'home page forgets it');
    assert.ok(Number(db("SELECT COUNT(*) FROM audit_log WHERE action = 'news-unpublished'")) >= 1);
  });

  test('a scheduled article appears when its time comes, also on cached pages', async () => {
    let res = await create(ed, { slug: 'nakotne', title_lv: 'Nākotnes ziņa Saulgrieži', body_lv: 'Vēl ne.',
      date: '2099-06-21', time: '09:30' }, 'schedule');
    assert.equal(res.status, 303, res.html.slice(0, 300));
    const id = idOf('nakotne');
    assert.equal(db(`SELECT state FROM news_article WHERE id = ${id}`), 'scheduled');
    // 09:30 Riga summer time is 06:30 UTC
    assert.equal(Number(db(`SELECT publish_at FROM news_article WHERE id = ${id}`)), Date.UTC(2099, 5, 21, 6, 30) / 1000);
    assert.equal((await get('/jaunumi/nakotne')).status, 404);
    res = await ed.get(`/birojs/jaunumi/${id}`);
    assert.match(res.html, /value="2099-06-21"/);
    assert.match(res.html, /value="09:30"/);
    // another node moves its time to a few seconds from now
    const due = Math.floor(Date.now() / 1000) + 3;
    db(`UPDATE news_article SET publish_at = ${due} WHERE id = ${id}`);
    db('UPDATE content_revision SET value = value + 1 WHERE id = 1');
    await new Promise((r) => setTimeout(r, 1300)); // the poll sees the revision
    // cache the list and the article's 404 before the time
    assert.doesNotMatch((await get('/jaunumi')).html, /nakotne/);
    assert.equal((await get('/jaunumi/nakotne')).status, 404);
    await eventually(async () => /href="\/jaunumi\/nakotne"/.test((await get('/jaunumi')).html), 'the list after the time');
    const late = Date.now() / 1000 - due;
    assert.ok(late < 3, `at most a moment late (${late.toFixed(1)} s)`);
    assert.equal((await get('/jaunumi/nakotne')).status, 200);
    await eventually(async () => /\/jaunumi\/nakotne/.test((await get('/meklet?q=saulgrie%C5%BEi')).html), 'search');
    assert.match((await get('/')).html, /\/jaunumi\/nakotne/);
    // Latvian-only: not in the English list or feed, its English address shows the Latvian text marked
    assert.doesNotMatch((await get('/en/jaunumi')).html, /nakotne/);
    assert.doesNotMatch((await get('/en/jaunumi/atom.xml')).html, /nakotne/);
    res = await get('/en/jaunumi/nakotne');
    assert.equal(res.status, 200);
    assert.match(res.html, /<article class="news-article" lang="lv">/);
  });

  test('the Atom feeds validate against RFC 4287 (RELAX NG) in both languages', async () => {
    const titles = ['Ēdiens & dzēriens <labākie>', 'Čakls "ķēniņš" ņem \'šūnas\''];
    for (const [i, t] of titles.entries()) {
      const res = await create(ed, { slug: `plusma-${i}`, title_lv: t, summary_lv: 'Kopsavilkums ar **treknu** & <b>tagu</b>',
        body_lv: `# Virsraksts\n\nTeksts ar [saiti](https://example.lv/?a=1&b=2) un ${XSS[i]}`,
        title_en: `Food & drink <${i}>`, body_en: `Text ${XSS[i + 1]}` }, 'publish');
      assert.equal(res.status, 303);
    }
    for (const p of ['/jaunumi/atom.xml', '/en/jaunumi/atom.xml']) {
      const res = await get(p);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type'), /^application\/atom\+xml/);
      const r = relaxng(res.html, 'feed.xml');
      assert.equal(r.status, 0, `${p}: ${r.stderr}`);
      assert.match(r.stderr, /validates/);
      assert.match(res.html, /<id>urn:epak:news:(lv|en)<\/id>/);
      assert.match(res.html, /href="https:\/\/epak\.example\.lv(\/en)?\/jaunumi\/plusma-0"/);
      const entries = res.html.match(/<entry>/g) || [];
      assert.ok(entries.length >= 2, p);
    }
    const lv = (await get('/jaunumi/atom.xml')).html;
    assert.match(lv, /<title type="text">Ēdiens &amp; dzēriens &lt;labākie&gt;<\/title>/);
    // the same ids next time (stable)
    assert.deepEqual(lv.match(/<id>[^<]+<\/id>/g), (await get('/jaunumi/atom.xml')).html.match(/<id>[^<]+<\/id>/g));
    // a feed that is not valid is told apart (the check works)
    assert.notEqual(relaxng(lv.replace(/<id>urn:epak:news:lv<\/id>/, ''), 'bad.xml').status, 0);
  });

  test('Markdown and title payloads render inert on the page and in the feed', async () => {
    for (const [i, p] of XSS.entries()) {
      const slug = `xss-${i}`;
      const res = await create(ed, { slug, title_lv: `Uzbrukums ${p}`.slice(0, 200), summary_lv: p, body_lv: `Teksts\n\n${p}\n\n${p} iekšā`,
        title_en: `Attack ${p}`.slice(0, 200), summary_en: p, body_en: p }, 'publish');
      assert.equal(res.status, 303, `${p}: ${res.status}`);
      for (const url of [`/jaunumi/${slug}`, `/en/jaunumi/${slug}`]) {
        const page = await get(url);
        assert.equal(page.status, 200);
        assertInert(page.html, `${url} (${p})`);
      }
    }
    assertInert((await get('/jaunumi')).html, '/jaunumi');
    for (const p of ['/jaunumi/atom.xml', '/en/jaunumi/atom.xml']) {
      const xml = (await get(p)).html;
      assert.equal(relaxng(xml, 'xss.xml').status, 0, p);
      // type="text" (titles, summaries) is text to a reader: escaped, no markup at all
      assertInert(xml, `${p} as XML`);
      // type="html" content is HTML to a reader: inert once unescaped
      for (const m of xml.matchAll(/<content type="html">([^<]*)<\/content>/g)) assertInert(unescapeXml(m[1]), `${p} content`);
    }
    const preview = await ed.post('/birojs/jaunumi/jauns', { slug: 'xss-pr', title_lv: XSS[0], body_lv: XSS.join('\n\n'), version: '0', action: 'preview' }, { formPath: '/birojs/jaunumi/jauns' });
    assert.equal(preview.status, 200);
    assertInert(preview.html, 'preview');
  });

  test('published FAQ entries are found after the poll; drafts are not', async () => {
    const now = Math.floor(Date.now() / 1000);
    db(`INSERT INTO faq_entry (slug, topic, question_lv, answer_lv, question_en, answer_en, state, created_at, updated_at) VALUES ('kas-ir-eparaksts', 'citi', 'Kas ir drošs e-paraksts Melnzeme?', 'Tas ir **elektronisks** paraksts.', 'What is the secure e-signature Blackearth?', 'An electronic signature.', 'published', ${now}, ${now})`);
    db(`INSERT INTO faq_entry (slug, topic, question_lv, answer_lv, state, created_at, updated_at) VALUES ('melnraksts-buj', 'citi', 'Slepens Melnzeme melnraksts?', 'Nē.', 'draft', ${now}, ${now})`);
    db('UPDATE content_revision SET value = value + 1 WHERE id = 1');
    const html = await eventually(async () => {
      const h = (await get('/meklet?q=melnzeme')).html;
      return /href="\/buj#kas-ir-eparaksts"/.test(h) && h;
    }, 'the FAQ entry is found');
    assert.doesNotMatch(html, /melnraksts-buj/);
    assert.match((await get('/en/meklet?q=blackearth')).html, /href="\/en\/buj#kas-ir-eparaksts"/);
  });

  test('paging is bounded: a huge ?lapa= is a 404, not a scan', async () => {
    assert.equal((await get('/jaunumi?lapa=1')).status, 200);
    assert.equal((await get('/jaunumi?lapa=999999999')).status, 404);
    assert.equal((await get('/jaunumi?lapa=99999999999999999999')).status, 404);
    assert.equal((await get('/jaunumi?lapa=abc')).status, 404);
    const total = Number(db("SELECT COUNT(*) FROM news_article WHERE state <> 'draft'"));
    if (total > 10) assert.match((await get('/jaunumi')).html, /rel="next"/);
  });

  test('the editors\' saves per hour are budgeted', async () => {
    let limited = null;
    for (let i = 0; i < SAVES + 5 && !limited; i++) {
      const res = await create(ed, { slug: `budzets-${i}`, title_lv: 'B', body_lv: 'B' }, 'save');
      if (res.status === 429) limited = i;
      else assert.equal(res.status, 303, `save ${i}`);
    }
    assert.ok(limited !== null, 'the flood is held off');
    assert.ok(limited <= SAVES);
  });
});
