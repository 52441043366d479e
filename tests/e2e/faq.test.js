// tests/e2e/faq.test.js — the FAQ (/buj, /birojs/buj), facts kept current
// (/birojs/fakti) and the useful pages (/kontakti, /ka-sakt, /drosiba):
// the seeded FAQ grouped by topic with stable anchors in both languages; a
// content editor's flow (new draft, preview, publish, move, delete) where a
// draft never shows; drafts made from asked questions are listed for
// review; the pages state facts from the database (an edit in the back
// office changes the home page); the content-health view lists a fact not
// checked for a year; anonymous visitors and wrong roles are refused on
// every route, also by direct POSTs; Markdown payloads stay inert.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, sqlite, psql, root } from '../lib/server.js';
import { Browser, addUser, staffLogin, citizenSession } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const DEMO = path.join(root, 'data/catalog.jsonld');
const pgUrl = process.env.EPAK_TEST_PG_URL;
const engines = [['sqlite', null]];
if (pgUrl) engines.push(['postgresql', 'epak_e2e_faq']);
// Today in Riga, as the server counts "checked today".
const rigaToday = () => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Riga' }).format(new Date());

const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
// The FAQ page's topics: [{id, title, entries: [{id, question}]}].
function faq(html) {
  return [...html.matchAll(/<h2 id="tema-([a-z0-9-]+)"[^>]*>([^<]*)<\/h2>([\s\S]*?)<\/section>/g)].map((m) => ({
    id: m[1], title: decode(m[2]),
    entries: [...m[3].matchAll(/<article class="faq-entry" id="([a-z0-9-]+)"[\s\S]*?<h3 [^>]*>([^<]*)<\/h3>/g)]
      .map((e) => ({ id: e[1], question: decode(e[2]) })),
  }));
}
const main = (html) => html.slice(html.indexOf('<main'), html.indexOf('</main>'));
const csrfOf = (html) => (html.match(/name="_csrf" value="([^"]+)"/) || [])[1];

// Posts an entry's edit form as a browser does: with the version it shows.
async function editEntry(b, id, fields) {
  const page = await b.get(`/birojs/buj/${id}`);
  const version = page.html.match(/name="version" value="(\d+)"/)[1];
  return b.post(`/birojs/buj/${id}`, { ...fields, version }, { token: csrfOf(page.html) });
}

async function until(fn, what, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const [engine, pgName] of engines) describe(`FAQ, facts and useful pages (${engine})`, () => {
  let srv, dbUrl = null;
  const people = {};
  const q = (sql) => (dbUrl ? psql(dbUrl, sql) : sqlite(path.join(srv.data, 'epak.db'), sql));
  before(async () => {
    if (pgName) {
      psql(pgUrl, `DROP DATABASE IF EXISTS ${pgName}`);
      psql(pgUrl, `CREATE DATABASE ${pgName}`);
      dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, `/${pgName}$1`);
    }
    srv = await startServer({ db: dbUrl, imports: [DEMO] });
    const adm = addUser(srv, 'adm', PW, ['name=Admin', 'role=admin']);
    const ed = addUser(srv, 'ed', PW, ['name=Editor', 'role=content']);
    addUser(srv, 'inst', PW, ['name=Inst', 'role=institution', 'institution=vid']);
    addUser(srv, 'cons', PW, ['name=Cons', 'role=consultant']);
    for (const [who, key] of [['adm', adm.key], ['ed', ed.key], ['inst', null], ['cons', null]]) {
      people[who] = new Browser(srv.base);
      assert.equal((await staffLogin(people[who], who, PW, key)).status, 303, who);
    }
    if (!dbUrl) { // citizenSession writes SQLite
      people.citizen = new Browser(srv.base);
      people.citizen.jar.set('epak_session', citizenSession(srv));
    }
  });
  after(async () => { await srv.stop(); });

  test('the seeded FAQ: topics, the guideline\'s questions, stable anchors in both languages', async () => {
    const lv = await fetch(`${srv.base}/buj`);
    assert.equal(lv.status, 200);
    const lvHtml = await lv.text();
    const topics = faq(lvHtml);
    assert.deepEqual(topics.map((t) => t.id), ['e-pakalpojumi', 'eid', 'drosiba-palidziba']);
    const all = topics.flatMap((t) => t.entries);
    for (const q of ['Kas ir e-pakalpojumi?', 'Kur meklēt e-pakalpojumus?', 'Kā sākt?', 'Kas ir latvija.gov.lv?',
      'Kas nepieciešams, lai sāktu darbu ar eID?', 'Vai tas ir droši?', 'Kur meklēt palīdzību?', 'Kas ir eID?',
      'Kas ir e-paraksts?', 'Kur var saņemt eID un aktivizēt e-parakstu?',
      'Kā es varu uzzināt, vai mans e-paraksts eID kartē ir aktivizēts?'])
      assert.ok(all.some((e) => e.question === q), q);
    // each entry: an id, and a visible link to itself
    for (const e of all) assert.match(lvHtml, new RegExp(`<a href="/buj#${e.id}">Saite uz šo atbildi`));
    // today's facts, not 2015's
    const text = main(lvHtml);
    assert.match(text, /latvija\.gov\.lv/);
    assert.match(text, /2019\. gada 1\. janvāra/);
    assert.match(text, /Valsts digitālās attīstības aģentūra/);
    assert.doesNotMatch(text, /vraa|Valsts reģionālās attīstības/i);
    assert.doesNotMatch(text, /Katrā eID ir 120/);

    const en = await (await fetch(`${srv.base}/en/buj`)).text();
    const enTopics = faq(en);
    assert.deepEqual(enTopics.map((t) => t.id), topics.map((t) => t.id), 'the same anchors in English');
    assert.deepEqual(enTopics.flatMap((t) => t.entries.map((e) => e.id)), all.map((e) => e.id));
    assert.ok(enTopics.flatMap((t) => t.entries).some((e) => e.question === 'What is the eID card?'));
    assert.match(en, /<a href="\/en\/buj#kas-ir-eid">Link to this answer/);
    assert.doesNotMatch(main(en), /lang="lv"/, 'every seeded entry has its English version');
  });

  test('an editor adds a draft, previews it, publishes it, moves it; a draft is never public', async () => {
    const ed = people.ed;
    const list = await ed.get('/birojs/buj');
    assert.equal(list.status, 200);
    assert.match(list.headers.get('cache-control'), /no-store/);
    // a new topic
    let res = await ed.post('/birojs/buj/temas', { slug: 'nodokli', title_lv: 'Nodokļi', title_en: '', position: '40' }, { formPath: '/birojs/buj' });
    assert.equal(res.status, 303);
    // a refused form keeps what was typed, with the message beside the field
    res = await ed.post('/birojs/buj/jauns', { slug: 'Ne Der', topic: 'nodokli', position: '5', question_lv: 'Kā samaksāt nodokli?', answer_lv: 'Ar **e-pakalpojumu**.', question_en: '', answer_en: '', state: 'draft', do: 'save' }, { formPath: '/birojs/buj/jauns' });
    assert.equal(res.status, 422);
    assert.match(res.html, /id="slug-error"/);
    assert.match(res.html, /value="Kā samaksāt nodokli\?"/);
    // the preview renders the Markdown and saves nothing
    res = await ed.post('/birojs/buj/jauns', { slug: 'ka-samaksat-nodokli', topic: 'nodokli', position: '5', question_lv: 'Kā samaksāt nodokli?', answer_lv: 'Ar **e-pakalpojumu**.', question_en: '', answer_en: '', state: 'draft', do: 'preview' }, { formPath: '/birojs/buj/jauns' });
    assert.equal(res.status, 200);
    assert.match(res.html, /<strong>e-pakalpojumu<\/strong>/);
    assert.equal(q("SELECT count(*) FROM faq_entry WHERE slug = 'ka-samaksat-nodokli'"), '0');
    // saved as a draft
    res = await ed.post('/birojs/buj/jauns', { slug: 'ka-samaksat-nodokli', topic: 'nodokli', position: '5', question_lv: 'Kā samaksāt nodokli?', answer_lv: 'Ar **e-pakalpojumu**.', question_en: '', answer_en: '', state: 'draft', do: 'save' }, { formPath: '/birojs/buj/jauns' });
    assert.equal(res.status, 303);
    const loc = res.headers.get('location');
    const id = loc.match(/\/birojs\/buj\/(\d+)\?saglabats=1$/)[1];
    assert.doesNotMatch(await (await fetch(`${srv.base}/buj`)).text(), /ka-samaksat-nodokli|Kā samaksāt nodokli/, 'a draft is not public');
    assert.doesNotMatch(await (await fetch(`${srv.base}/en/buj`)).text(), /ka-samaksat-nodokli/);
    assert.match((await ed.get('/birojs/buj')).html, /Kā samaksāt nodokli\?[\s\S]*?melnraksts/);
    // published: the public page shows it at once (the cached page is stale)
    res = await editEntry(ed, id, { slug: 'ka-samaksat-nodokli', topic: 'nodokli', position: '5', question_lv: 'Kā samaksāt nodokli?', answer_lv: 'Ar **e-pakalpojumu**.', question_en: '', answer_en: '', state: 'published', do: 'save' });
    assert.equal(res.status, 303);
    let pub = await (await fetch(`${srv.base}/buj`)).text();
    let t = faq(pub).find((x) => x.id === 'nodokli');
    assert.deepEqual(t.entries.map((e) => e.id), ['ka-samaksat-nodokli']);
    assert.match(pub, /<a href="\/buj#ka-samaksat-nodokli">/);
    // English: no English version, so the Latvian text, marked and said
    const en = await (await fetch(`${srv.base}/en/buj`)).text();
    const art = en.match(/<article class="faq-entry" id="ka-samaksat-nodokli"[\s\S]*?<\/article>/)[0];
    assert.match(art, /<h3 [^>]*lang="lv"[^>]*>Kā samaksāt nodokli\?<\/h3>/);
    assert.match(art, /available in Latvian only/);
    assert.match(art, /<div class="faq-answer" lang="lv">/);
    assert.match(en, /<h2 id="tema-nodokli" lang="lv">Nodokļi<\/h2>/, 'a topic without an English title');
    // moved to another topic
    res = await editEntry(ed, id, { slug: 'ka-samaksat-nodokli', topic: 'e-pakalpojumi', position: '1', question_lv: 'Kā samaksāt nodokli?', answer_lv: 'Ar **e-pakalpojumu**.', question_en: 'How do I pay a tax?', answer_en: 'With an *e-service*.', state: 'published', do: 'save' });
    assert.equal(res.status, 303);
    pub = await (await fetch(`${srv.base}/buj`)).text();
    assert.equal(faq(pub).find((x) => x.id === 'e-pakalpojumi').entries[0].id, 'ka-samaksat-nodokli', 'first in its new topic');
    assert.equal(faq(pub).find((x) => x.id === 'nodokli'), undefined, 'an empty topic is not shown');
    assert.match(await (await fetch(`${srv.base}/en/buj`)).text(), /How do I pay a tax\?[\s\S]*?<em>e-service<\/em>/);
    // the topic renamed in English
    res = await ed.post('/birojs/buj/temas/nodokli', { slug: 'nodokli', title_lv: 'Nodokļi', title_en: 'Taxes', position: '40' }, { formPath: '/birojs/buj' });
    assert.equal(res.status, 303);
    // two editors open the same question: the second save is refused, keeping its text
    const one = await ed.get(`/birojs/buj/${id}`);
    const two = await people.adm.get(`/birojs/buj/${id}`);
    const v = (p) => p.html.match(/name="version" value="(\d+)"/)[1];
    const base = { slug: 'ka-samaksat-nodokli', topic: 'e-pakalpojumi', position: '1', question_lv: 'Kā samaksāt nodokli?', answer_lv: 'Pirmais.', question_en: '', answer_en: '', state: 'published', do: 'save' };
    res = await ed.post(`/birojs/buj/${id}`, { ...base, version: v(one) }, { token: csrfOf(one.html) });
    assert.equal(res.status, 303);
    res = await people.adm.post(`/birojs/buj/${id}`, { ...base, answer_lv: 'Otrais.', version: v(two) }, { token: csrfOf(two.html) });
    assert.equal(res.status, 409);
    assert.match(res.html, /Otrais\./);
    assert.equal(q(`SELECT answer_lv FROM faq_entry WHERE id = ${id}`), 'Pirmais.');
    // deleted
    res = await ed.post(`/birojs/buj/${id}/dzest`, {}, { formPath: `/birojs/buj/${id}` });
    assert.equal(res.status, 303);
    assert.doesNotMatch(await (await fetch(`${srv.base}/buj`)).text(), /ka-samaksat-nodokli/);
    assert.equal((await ed.get(`/birojs/buj/${id}`)).status, 404);
    // every change is in the audit log
    const actions = q("SELECT action FROM audit_log WHERE action LIKE 'faq-%' ORDER BY id").split('\n');
    assert.deepEqual(actions, ['faq-topic-created', 'faq-entry-created', 'faq-entry-updated', 'faq-entry-updated', 'faq-topic-updated', 'faq-entry-updated', 'faq-entry-deleted']);
  });

  test('drafts made from asked questions are listed for review as "from a question"', async () => {
    const now = Math.floor(Date.now() / 1000);
    q(`INSERT INTO faq_entry (slug, topic, position, question_lv, answer_lv, state, question_id, created_at, updated_at) VALUES ('no-jautajuma-42', 'citi', 0, 'Vai var iesniegt pieteikumu naktī?', 'Jā, e-pakalpojumi strādā visu diennakti.', 'draft', 42, ${now}, ${now})`);
    q(`INSERT INTO faq_entry (slug, topic, position, question_lv, answer_lv, state, question_id, created_at, updated_at) VALUES ('redaktora-jautajums', 'citi', 5, 'Redaktora jautājums?', 'Atbilde.', 'draft', 0, ${now}, ${now})`);
    const html = (await people.ed.get('/birojs/buj')).html;
    // in the topic's table only the entry made from a question has the badge
    assert.match(html, /Vai var iesniegt pieteikumu naktī\?<\/a> <span class="badge badge-ext">no jautājuma<\/span><\/td>/);
    assert.match(html, /Redaktora jautājums\?<\/a><\/td>/);
    const asked = html.slice(html.indexOf('id="asked-title"'), html.indexOf('</section>', html.indexOf('id="asked-title"')));
    assert.match(asked, /Vai var iesniegt pieteikumu naktī\?<\/a> <span class="badge badge-ext">no jautājuma<\/span>/);
    const id = q("SELECT id FROM faq_entry WHERE slug = 'no-jautajuma-42'");
    const page = (await people.ed.get(`/birojs/buj/${id}`)).html;
    assert.match(page, /jautājums Nr\. 42/);
    assert.doesNotMatch(await (await fetch(`${srv.base}/buj`)).text(), /no-jautajuma-42/, 'still a draft');
  });

  test('pages state facts from the database: an edit in the back office changes the home page', async () => {
    const home = await (await fetch(`${srv.base}/`)).text();
    assert.match(home, /Parakstīšana ar eID karti ir bez maksas un bez skaita ierobežojuma kopš 2019\. gada 1\. janvāra\./);
    assert.match(home, /pārbaudīts 07\.12\.2026\./);
    assert.doesNotMatch(home, /120 bezmaksas/);
    const enHome = await (await fetch(`${srv.base}/en/`)).text();
    assert.match(enHome, /free of charge and without a limit since 1 January 2019/);
    assert.match(enHome, /checked on 7 Dec 2026/);
    // the editor changes the fact (and says when it was checked)
    const res = await people.ed.post('/birojs/fakti/eid_signing', {
      value_lv: 'Parakstīšana ar eID karti ir bez maksas (faktu pārbaudīja testi).', value_en: 'Signing is free (tested).',
      source_url: 'https://www.eparaksts.lv/lv/', checked_on: '2026-01-02',
    }, { formPath: '/birojs/fakti' });
    assert.equal(res.status, 303);
    const after = await (await fetch(`${srv.base}/`)).text();
    assert.match(after, /faktu pārbaudīja testi/);
    assert.match(after, /pārbaudīts 02\.01\.2026\./);
    assert.match(await (await fetch(`${srv.base}/en/ka-sakt`)).text(), /Signing is free \(tested\)\./);
    // a refused value keeps what was typed
    const bad = await people.ed.post('/birojs/fakti/eid_signing', { value_lv: 'x', value_en: '', source_url: 'javascript:alert(1)', checked_on: '2099-01-01' }, { formPath: '/birojs/fakti' });
    assert.equal(bad.status, 422);
    assert.match(bad.html, /id="source_url-error"/);
    assert.match(bad.html, /value="javascript:alert\(1\)"/);
    // a fact changed in the database directly (another node) reaches the pages too
    q("UPDATE fact SET value_lv = 'citā mezglā mainīts', value_en = '' WHERE slug = 'portal_agency'; UPDATE content_revision SET value = value + 1 WHERE id = 1");
    await until(async () => /citā mezglā mainīts/.test(await (await fetch(`${srv.base}/palidziba`)).text()), 'the other node\'s fact');
    // English falls back to the Latvian text, marked as Latvian
    assert.match(await (await fetch(`${srv.base}/en/kontakti`)).text(), /<span lang="lv">citā mezglā mainīts<\/span>/);
    assert.equal(q("SELECT count(*) FROM audit_log WHERE action = 'fact-updated'"), '1');
  });

  test('the content-health view lists a fact not checked for a year, with a link to edit it', async () => {
    q("UPDATE fact SET checked_on = '2024-06-01' WHERE slug = 'web_eid_url'");
    let html = (await people.ed.get('/birojs/parskats')).html;
    assert.equal((await people.ed.get('/birojs/parskats')).status, 200);
    const section = () => html.slice(html.indexOf('id="facts"'), html.indexOf('/birojs/fakti"', html.indexOf('id="facts"')));
    assert.match(section(), /<a href="\/birojs\/fakti#fakts-web_eid_url">Pārlūka paplašinājums Web eID<\/a><\/th><td>01\.06\.2024\./);
    assert.match(section(), /fakts-portal_helpdesk_email">[^<]*<\/a><\/th><td>nekad/, 'never checked');
    assert.doesNotMatch(section(), /fakts-eid_signing"/, 'checked this year');
    // "checked today" moves only the date
    const before = q("SELECT value_lv || '|' || value_en || '|' || source_url FROM fact WHERE slug = 'web_eid_url'");
    const res = await people.ed.post('/birojs/fakti/web_eid_url/parbaudits', {}, { formPath: '/birojs/fakti' });
    assert.equal(res.status, 303);
    assert.equal(q("SELECT value_lv || '|' || value_en || '|' || source_url FROM fact WHERE slug = 'web_eid_url'"), before);
    assert.equal(q("SELECT checked_on FROM fact WHERE slug = 'web_eid_url'"), rigaToday());
    html = (await people.adm.get('/birojs/parskats')).html;
    assert.doesNotMatch(section(), /fakts-web_eid_url"/);
    assert.equal(q("SELECT count(*) FROM audit_log WHERE action = 'fact-checked'"), '1');
    // the administrator sees it in English too
    html = (await people.adm.get('/en/birojs/parskats')).html;
    assert.match(section(), /Facts not checked for 365 days/);
  });

  test('anonymous visitors and wrong roles are refused on every route, also by direct POSTs', async () => {
    const id = q("SELECT id FROM faq_entry WHERE slug = 'kas-ir-eid'");
    const gets = ['/birojs/buj', '/birojs/buj/jauns', `/birojs/buj/${id}`, '/birojs/fakti'];
    const posts = [
      ['/birojs/buj/temas', { slug: 'uzbrukums', title_lv: 'Uzbrukums', title_en: '', position: '1' }],
      ['/birojs/buj/temas/eid', { slug: 'eid', title_lv: 'Uzlauzts', title_en: 'Hacked', position: '1' }],
      ['/birojs/buj/jauns', { slug: 'uzbrukums', topic: 'citi', position: '1', question_lv: 'Uzlauzts?', answer_lv: 'Jā', question_en: '', answer_en: '', state: 'published', do: 'save' }],
      [`/birojs/buj/${id}`, { slug: 'kas-ir-eid', topic: 'eid', position: '1', question_lv: 'Uzlauzts?', answer_lv: 'Jā', question_en: '', answer_en: '', state: 'published', do: 'save' }],
      [`/birojs/buj/${id}/dzest`, {}],
      ['/birojs/fakti/eid_signing', { value_lv: 'Uzlauzts', value_en: 'Hacked', source_url: '', checked_on: '' }],
      ['/birojs/fakti/eid_signing/parbaudits', {}],
    ];
    const state = () => [q('SELECT slug, question_lv, state, updated_at FROM faq_entry ORDER BY slug'), q('SELECT slug, title_lv, title_en, position FROM faq_topic ORDER BY slug'),
      q("SELECT slug, value_lv, value_en, coalesce(checked_on, '') FROM fact ORDER BY slug")].join('\n');
    const before = state();
    const anon = new Browser(srv.base);
    for (const p of [...gets, ...gets.map((g) => '/en' + g)]) {
      const res = await anon.get(p);
      assert.equal(res.status, 303, p);
      assert.match(res.headers.get('location'), /\/pieteikties\?next=/, p);
    }
    for (const [p, fields] of posts) {
      // a valid CSRF token from a public form: only the role check stands in the way
      const res = await anon.post(p, fields, { formPath: '/atsauksmes' });
      assert.equal(res.status, 303, `anonymous POST ${p}`);
      assert.match(res.headers.get('location'), /\/pieteikties/, p);
    }
    for (const who of ['inst', 'cons', 'citizen']) {
      const b = people[who];
      if (!b) continue;
      for (const p of gets) assert.equal((await b.get(p)).status, 403, `${who} GET ${p}`);
      for (const [p, fields] of posts) assert.equal((await b.post(p, fields, { formPath: '/atsauksmes' })).status, 403, `${who} POST ${p}`);
    }
    // without a CSRF token even the editor is refused
    const res = await people.ed.post('/birojs/fakti/eid_signing', { value_lv: 'x' }, { token: '' });
    assert.equal(res.status, 403);
    assert.equal(state(), before, 'nothing changed');
    // unknown objects: 404, not a crash
    assert.equal((await people.ed.get('/birojs/buj/999999')).status, 404);
    assert.equal((await people.ed.get('/birojs/buj/abc')).status, 404);
    assert.equal((await people.ed.post('/birojs/fakti/nav_tada', { value_lv: 'x', value_en: '', source_url: '', checked_on: '' }, { formPath: '/birojs/fakti' })).status, 404);
    assert.equal((await people.ed.post('/birojs/buj/temas/nav-tadas', { slug: 'x', title_lv: 'Nav', title_en: '', position: '1' }, { formPath: '/birojs/buj' })).status, 404);
  });

  test('Markdown payloads in an answer stay inert on the public page', async () => {
    const payloads = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '[klikšķini](javascript:alert(1))',
      '[x](JaVaScRiPt:alert(1))',
      '![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '<a href="#" onclick="alert(1)">x</a>',
      '<svg onload=alert(1)>',
      '<iframe src="https://example.org"></iframe>',
      '[x](vbscript:msgbox(1))',
      '"><script>alert(1)</script>',
    ];
    const answer = payloads.join('\n\n');
    const res = await people.ed.post('/birojs/buj/jauns', { slug: 'xss-parbaude', topic: 'citi', position: '1', question_lv: '<script>alert("q")</script>?', answer_lv: answer, question_en: 'Q <img src=x onerror=alert(2)>', answer_en: answer, state: 'published', do: 'save' }, { formPath: '/birojs/buj/jauns' });
    assert.equal(res.status, 303);
    for (const p of ['/buj', '/en/buj']) {
      const html = await (await fetch(srv.base + p)).text();
      const art = html.match(/<article class="faq-entry" id="xss-parbaude"[\s\S]*?<\/article>/)[0];
      assert.doesNotMatch(art, /<script|<svg|<iframe|<img src="[^"]|<[^>]*\son[a-z]+\s*=|(href|src)="\s*(javascript|vbscript|data):/i, p);
      assert.match(art, /&lt;script&gt;alert\(&quot;q&quot;\)&lt;\/script&gt;\?|&lt;img src=x onerror=alert\(2\)&gt;/, `${p}: the question is text`);
    }
    // and in the back office's preview
    const prev = await people.ed.post('/birojs/buj/jauns', { slug: 'xss-2', topic: 'citi', position: '1', question_lv: 'x?', answer_lv: answer, question_en: '', answer_en: '', state: 'draft', do: 'preview' }, { formPath: '/birojs/buj/jauns' });
    const box = prev.html.slice(prev.html.indexOf('id="preview-title"'), prev.html.indexOf('<form', prev.html.indexOf('id="preview-title"')));
    assert.doesNotMatch(box, /<script|<svg|<iframe|<img src="[^"]|<[^>]*\son[a-z]+\s*=|(href|src)="\s*(javascript|vbscript|data):/i);
  });

  test('/kontakti, /ka-sakt and the real portal on /drosiba, in both languages', async () => {
    const k = await (await fetch(`${srv.base}/kontakti`)).text();
    // by problem (issue 13): the portal's helpdesk where logging in is the problem, before the institutions
    const first = k.indexOf('<h2 id="pieslegties">');
    assert.ok(first > 0 && first < k.indexOf('id="iestades"'), 'the problems first');
    assert.match(k, /tel:\+37167502757/);
    assert.match(k, /Pilsonības un migrācijas lietu pārvalde/);
    // the institutions' helpdesks from the catalog, who answers what
    assert.match(k, /<a href="\/iestades\/pmlp">[\s\S]*?Atbild par: eID kartes pieteikšana un aktivizēšana|<a href="\/iestades\/pmlp">[\s\S]*?Atbild par:/);
    assert.match(k, /mailto:pasts@vid\.gov\.lv/);
    // the catalog's copy of the portal helpdesk (the old VRAA address) is not repeated
    assert.doesNotMatch(main(k), /portals@vraa\.gov\.lv/);
    assert.match(await (await fetch(`${srv.base}/en/kontakti`)).text(), /Useful contacts/);
    const s = await (await fetch(`${srv.base}/ka-sakt`)).text();
    for (const re of [/href="https:\/\/web-eid\.eu"/, /href="https:\/\/www\.eparaksts\.lv"/, /href="https:\/\/www\.pmlp\.gov\.lv"/, /Kartes lasītājs/, /eParaksts mobile/])
      assert.match(s, re);
    assert.match(await (await fetch(`${srv.base}/en/ka-sakt`)).text(), /The Web eID browser extension/);
    const d = await (await fetch(`${srv.base}/drosiba`)).text();
    assert.match(d, /<h2 id="ists-portals">Kā atpazīt īsto portālu<\/h2>/);
    assert.match(d, /PIN kodus/);
    assert.match(d, /CERT\.LV/);
    assert.match(d, /mailto:cert@cert\.lv/);
    const de = await (await fetch(`${srv.base}/en/drosiba`)).text();
    assert.match(de, /How to recognise the real portal[\s\S]*never ask for your PIN codes/);
    // the layout links them
    for (const p of ['/buj', '/ka-sakt', '/kontakti']) assert.match(k, new RegExp(`<a href="${p}"`));
  });
});
