// tests/e2e/attacks-ask-feedback.test.js — the attacker's view of "ask a
// question" (/jautajums, /birojs/jautajumi, /profils/jautajumi) and of
// feedback on services (/pakalpojumi/{slug}/atsauksme, /atsauksmes/iestadem,
// /birojs/atsauksmes[.csv]), played against a real server and the real SMTP
// server (tests/mail/smtpd.py):
// - store: a bot rotating through the /64 networks of one IPv6 prefix (and
//   minting a new browser cookie for free with each GET, replaying one
//   signed form time) is held by the budgets of everyone together
//   (limit-question-all, limit-feedback-all, limit-feedback-comments);
// - send: an address with a line end or a second address is refused; a
//   question text with SMTP/header look-alikes is mailed as text to the one
//   recipient;
// - show: another institution's editor, a consultant and a content editor
//   get 403 on every route incl. the POSTs (also with their own valid CSRF
//   token); one citizen does not see another's questions; no address or
//   name in the server's log;
// - injection: markup in the question, the name, the answer (Markdown), a
//   comment and the dashboard's filter is shown as text;
// - CSRF and method tricks on every POST.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, startServer, sqlite } from '../lib/server.js';
import { Browser, addUser, staffLogin, citizenSession } from '../lib/auth.js';
import { startSmtpd, smtpEnv, waitMails, PUBLIC_URL } from '../lib/signing.js';

const PW = 'correct horse battery staple';
const SLUG = 'lv-dzivesvietas-deklaresana'; // PMLP's
const ESVC = 'lv-buvniecibas-iecere'; // an e-service of riga
const SVC = 'lv-dzimsanas-registracija'; // riga
const OTHER = 'lv-bezdarbnieka-statuss'; // nva
const QALL = 4; // limit-question-all
const FALL = 6; // limit-feedback-all
const FCOMMENTS = 3; // limit-feedback-comments
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('attacks on ask a question and on service feedback', () => {
  let work;
  let smtpd;
  let mailDir;
  let srv;
  const staff = {};
  let annaToken;
  const db = (sql) => sqlite(path.join(srv.data, 'epak.db'), sql);
  const count = (table, where = '1 = 1') => Number(db(`SELECT COUNT(*) FROM ${table} WHERE ${where}`));

  async function openForm(b, ip) {
    const res = await b.get('/jautajums', { 'x-forwarded-for': ip });
    assert.equal(res.status, 200);
    return {
      csrf: res.html.match(/name="_csrf" value="([^"]+)"/)[1],
      t: res.html.match(/name="t" value="([^"]+)"/)[1],
    };
  }
  const send = (b, form, fields, ip) =>
    b.post('/jautajums', { t: form.t, website: '', ...fields }, { token: form.csrf, headers: { 'x-forwarded-for': ip } });

  // A question stored directly (the form's own budgets are a test of their own).
  function question(inst, text, { email = 'persona@example.lv', name = '', state = 'new', account = 0 } = {}) {
    const now = Math.floor(Date.now() / 1000);
    db(`INSERT INTO question (created_at, lang, email, name, text, service_slug, service_iri, institution, state, due_at, consent_faq, account_id)
        VALUES (${now}, 'lv', '${email}', '${name}', '${text}', '', '', '${inst}', '${state}', ${now + 86400}, 1, ${account})`);
    return Number(db('SELECT MAX(id) FROM question'));
  }

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-attack2-'));
    mailDir = path.join(work, 'mail');
    smtpd = await startSmtpd(mailDir);
    srv = await startServer({
      imports: [path.join(root, 'data/catalog.jsonld')],
      extra: ['--public-url', PUBLIC_URL, '--trusted-proxies', '127.0.0.1', '--question-min-seconds', '1',
        '--limit-question-all', String(QALL), '--limit-feedback-all', String(FALL),
        '--limit-feedback-comments', String(FCOMMENTS), '--limit-feedback-service', '1000'],
      env: smtpEnv(smtpd),
    });
    const admin = addUser(srv, 'boss', PW, ['name=Anna Administratore', 'role=admin']);
    addUser(srv, 'ed', PW, ['name=Edgars Redaktors', 'role=institution', 'institution=pmlp']);
    addUser(srv, 'other', PW, ['name=Cits Redaktors', 'role=institution', 'institution=vid']);
    addUser(srv, 'cons', PW, ['name=Konsultants', 'role=consultant']);
    addUser(srv, 'content', PW, ['name=Saturs', 'role=content']);
    annaToken = citizenSession(srv, 'ANNA', 'test:anna2');
    for (const [who, key] of [['boss', admin.key], ['ed'], ['other'], ['cons'], ['content']]) {
      staff[who] = new Browser(srv.base);
      assert.equal((await staffLogin(staff[who], who, PW, key)).status, 303, who);
    }
  });

  after(async () => {
    await srv?.stop();
    smtpd?.proc.kill();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('send: no second address, no line end in the address; hostile text is mailed as text to the one recipient', async () => {
    const b = new Browser(srv.base);
    const form = await openForm(b, '203.0.113.5');
    await sleep(1100);
    const before = count('question');
    for (const email of ['a@example.lv\r\nBcc: victim@example.com', 'a@example.lv, victim@example.com',
      'a@example.lv>\r\nRCPT TO:<victim@example.com', '"x"@example.lv', 'a@[127.0.0.1]']) {
      const res = await send(b, form, { email, question: 'Vai varu jautāt par deklarēšanu?' }, '203.0.113.5');
      assert.equal(res.status, 422, JSON.stringify(email));
    }
    // a line end in the name, a NUL in the question
    let r2 = await send(b, form, { email: 'a@example.lv', question: 'Vai varu jautāt par deklarēšanu?', name: 'Jānis\r\nBcc: victim@example.com' }, '203.0.113.5');
    assert.equal(r2.status, 422, 'name with a line end');
    r2 = await send(b, form, { email: 'a@example.lv', question: 'Vai varu jautāt\u0000 par deklarēšanu?' }, '203.0.113.5');
    assert.ok([400, 422].includes(r2.status), `NUL: ${r2.status}`);
    assert.equal(count('question'), before, 'nothing stored');
    // A question whose text looks like SMTP and headers, answered by staff:
    // one mail, one recipient, the text in the body.
    const text = 'Jautājums\r\n.\r\nRCPT TO:<victim@example.com>\r\nBcc: victim@example.com\r\nSubject: Uzvara';
    const id = question('pmlp', text.replace(/'/g, "''"), { email: 'asker@example.lv', name: 'Jānis\r\nBcc: victim@example.com' });
    const res = await staff.ed.post(`/birojs/jautajumi/${id}`, { answer: '**Labdien!**', darbiba: 'send' },
      { formPath: `/birojs/jautajumi/${id}` });
    assert.equal(res.status, 303);
    const [mail] = await waitMails(mailDir, 1);
    assert.deepEqual(mail.rcpt_tos, ['asker@example.lv']);
    assert.equal(mail.subject, 'Atbilde uz jūsu jautājumu');
    assert.doesNotMatch(mail.to, /victim/);
    assert.match(mail.text, /RCPT TO:<victim@example.com>/, 'the look-alike is body text');
    assert.deepEqual(mail.defects, []);
    assert.equal(mail.bare_lf, false);
  });

  test('store: a replayed signed form time stores one question; a /48 rotating /64s with fresh browsers is held by the budget of everyone', async () => {
    let before = count('question');
    const b = new Browser(srv.base);
    const form = await openForm(b, '2001:db8:1:1::1');
    await sleep(1100); // the minimum fill time, paid once
    for (let i = 0; i < 5; i++) {
      const res = await send(b, form, { email: `replay${i}@example.org`, question: `Atkārtota veidlapa ${i}, lūdzu atbildiet` },
        `2001:db8:1:${(i + 0x100).toString(16)}::1`);
      assert.equal(res.status, 303, 'a replay (or a second click) is thanked');
    }
    assert.equal(count('question') - before, 1, 'one form, one question');
    // each question now needs its own form: a fresh browser (cookie) per /64
    before = count('question');
    const bots = [];
    for (let i = 0; i < QALL + 5; i++) {
      const ip = `2001:db8:1:${(i + 2).toString(16)}::${i + 1}`;
      const bb = new Browser(srv.base);
      bots.push({ b: bb, ip, form: await openForm(bb, ip) });
    }
    await sleep(1100);
    const codes = [];
    for (const [i, x] of bots.entries()) {
      const res = await send(x.b, x.form, { email: `bot${i}@example.org`, question: `Rēklāma numur ${i} — apmeklējiet mūsu vietni!` }, x.ip);
      codes.push(res.status);
    }
    // one of the budget of everyone went to the replayed form above
    assert.equal(codes.filter((c) => c === 303).length, QALL - 1, codes.join(' '));
    assert.equal(codes.filter((c) => c === 429).length, 6, codes.join(' '));
    assert.equal(count('question') - before, QALL - 1, 'the bot stored only the budget of everyone');
    // the keys carry nothing in clear
    assert.equal(count('rate_limit', "key LIKE '%2001:db8%' OR key LIKE '%example.org%'"), 0);
  });

  test('store: feedback from many /64s with a fresh browser each time on many services is bounded', async () => {
    // the general form /atsauksmes had no budget at all: now per network and
    // the typed texts of everyone together (one of FCOMMENTS here)
    const g = new Browser(srv.base);
    const fbBefore = count('feedback');
    let res = await g.post('/atsauksmes', { topic: 'portal', message: 'Pirmā atsauksme, īsta', website: '' },
      { headers: { 'x-forwarded-for': '2001:db8:4::1' } });
    assert.equal(res.status, 303);
    const before = count('service_feedback');
    const codes = [];
    const services = [ESVC, SVC, OTHER, SLUG];
    for (let i = 0; i < FALL + 4; i++) {
      const b = new Browser(srv.base); // a new cookie per answer: the browser budget costs the bot one GET
      const slug = services[i % services.length];
      const res = await b.post(`/pakalpojumi/${slug}/atsauksme`, { noderiga: 'ne', komentars: i < FALL ? `Slikti ${i}` : '' },
        { formPath: `/pakalpojumi/${slug}/atsauksme?noderiga=ne`, headers: { 'x-forwarded-for': `2001:db8:2:${(i + 1).toString(16)}::9` } });
      codes.push(res.status);
    }
    assert.equal(codes.filter((c) => c === 303).length, FALL, codes.join(' '));
    assert.equal(count('service_feedback') - before, FALL);
    assert.equal(count('service_feedback', "comment <> ''"), FCOMMENTS - 1, 'typed comments: the budget of everyone');
    // the campaign form's typed texts take from the same budget; an answer without text still goes
    const c = new Browser(srv.base);
    res = await c.post('/atsauksmes/iestadem', { emark: 'yes', staff_ready: 'no', message: 'Teksts', website: '' },
      { headers: { 'x-forwarded-for': '2001:db8:3::1' } });
    assert.equal(res.status, 429);
    res = await c.post('/atsauksmes/iestadem', { emark: 'yes', staff_ready: 'no', message: '', website: '' },
      { headers: { 'x-forwarded-for': '2001:db8:3::1' } });
    assert.equal(res.status, 303);
    for (let i = 0; i < 5; i++) {
      res = await g.post('/atsauksmes', { topic: 'portal', message: `Surogātpasts numur ${i}`, website: '' },
        { headers: { 'x-forwarded-for': `2001:db8:4:${i + 1}::1` } });
      assert.equal(res.status, 429);
    }
    assert.equal(count('feedback') - fbBefore, 2, 'the first /atsauksmes text and the campaign answer without text');
  });

  test('show: other institution, consultant, content editor — 403 on every route, also POSTs with their own token', async () => {
    const id = question('pmlp', 'Slepens jautājums par pasi', { email: 'slepens@example.lv', name: 'Slepenā Persona' });
    db(`INSERT INTO service_feedback (created_at, day, month, lang, service, service_iri, institution, question, answer, comment)
        VALUES (${Math.floor(Date.now() / 1000)}, ${Math.floor(Date.now() / 86400000)}, '2026-12', 'lv', '${SLUG}', '', 'pmlp', 'useful', 0, 'PMLP komentārs')`);
    const fb = Number(db('SELECT MAX(id) FROM service_feedback'));
    const posts = [[`/birojs/jautajumi/${id}`, { answer: 'Atbilde', darbiba: 'send' }],
      [`/birojs/jautajumi/${id}/slegt`, {}], [`/birojs/jautajumi/${id}/nodot`, { iestade: 'vid' }],
      [`/birojs/jautajumi/${id}/buj`, { question_lv: 'Jautājums?', answer_lv: 'Atbilde' }],
      [`/birojs/atsauksmes/${fb}/apstradats`, { handled: '1' }]];
    for (const who of ['other', 'cons', 'content']) {
      const b = staff[who];
      for (const p of [`/birojs/jautajumi/${id}`, '/birojs/jautajumi?iestade=pmlp', '/birojs/atsauksmes?iestade=pmlp',
        '/birojs/atsauksmes.csv?iestade=pmlp']) {
        const res = await b.get(p);
        assert.equal(res.status, 403, `${who} GET ${p}`);
        assert.doesNotMatch(res.html, /Slepen|PMLP komentārs/);
      }
      const list = await b.get('/birojs/jautajumi');
      assert.doesNotMatch(list.html, /Slepen/, `${who}'s list`);
      const dash = await b.get('/birojs/atsauksmes');
      assert.doesNotMatch(dash.html, /PMLP komentārs/, `${who}'s dashboard`);
      const token = (await b.get('/birojs')).html.match(/name="_csrf" value="([^"]+)"/)?.[1]
        ?? (await b.get('/profils')).html.match(/name="_csrf" value="([^"]+)"/)?.[1];
      for (const [p, fields] of posts) {
        const res = await b.post(p, fields, { token });
        assert.equal(res.status, 403, `${who} POST ${p}`);
      }
    }
    assert.equal(db(`SELECT state || institution || faq_entry_id FROM question WHERE id = ${id}`), 'newpmlp0');
    assert.equal(db(`SELECT handled FROM service_feedback WHERE id = ${fb}`), '0');
    // a guessed id that does not exist: 404, not 500
    assert.equal((await staff.ed.get('/birojs/jautajumi/999999')).status, 404);
    assert.equal((await staff.ed.get('/birojs/jautajumi/1e3')).status, 404);
    assert.equal((await staff.ed.get('/birojs/jautajumi/-1')).status, 404);
    // a citizen sees their own questions only
    const anna = new Browser(srv.base);
    anna.jar.set('__Host-epak_session', annaToken);
    const janis = new Browser(srv.base);
    janis.jar.set('__Host-epak_session', citizenSession(srv, 'JĀNIS', 'test:janis2'));
    const annaAcc = Number(db("SELECT id FROM account WHERE pno_hash = 'test:anna2'"));
    question('pmlp', 'Annas privātais jautājums', { account: annaAcc });
    assert.match((await anna.get('/profils/jautajumi')).html, /Annas privātais jautājums/);
    assert.doesNotMatch((await janis.get('/profils/jautajumi')).html, /Annas privātais/);
    assert.equal((await new Browser(srv.base).get('/profils/jautajumi')).status, 303);
    // a citizen is not staff
    assert.equal((await anna.get(`/birojs/jautajumi/${id}`)).status, 403);
  });

  test('CSRF and method tricks on every POST', async () => {
    const id = question('pmlp', 'Jautājums par CSRF');
    for (const p of [`/birojs/jautajumi/${id}`, `/birojs/jautajumi/${id}/slegt`, `/birojs/jautajumi/${id}/nodot`,
      `/birojs/jautajumi/${id}/buj`, '/birojs/atsauksmes/1/apstradats', '/jautajums', `/pakalpojumi/${SLUG}/atsauksme`,
      '/atsauksmes/iestadem']) {
      for (const token of ['', 'x'.repeat(43)]) {
        const res = await staff.boss.post(p, { answer: 'CSRF', darbiba: 'send', handled: '1' }, { token });
        assert.equal(res.status, 403, `POST ${p} with token ${JSON.stringify(token)}`);
      }
      const g = await staff.boss.get(`${p}?answer=x&darbiba=send&handled=1`);
      assert.notEqual(g.status, 303, `GET ${p}`);
    }
    for (const m of ['PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${srv.base}/birojs/jautajumi/${id}/slegt`, { method: m, headers: { cookie: staff.boss.cookie() } });
      assert.ok(res.status === 404 || res.status === 405, `${m}: ${res.status}`);
    }
    assert.equal(db(`SELECT state FROM question WHERE id = ${id}`), 'new');
  });

  test('injection: markup in question, name, answer, comment and the dashboard filter stays text', async () => {
    const id = question('pmlp', '<script>alert(1)</script><img src=x onerror=alert(2)>', { name: '<b onmouseover=alert(3)>Vārds</b>' });
    let res = await staff.ed.get(`/birojs/jautajumi/${id}`);
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.html, /<script>alert|<img src=x|<b onmouseover/);
    assert.match(res.html, /&lt;script&gt;alert\(1\)/);
    res = await staff.ed.get('/birojs/jautajumi');
    assert.doesNotMatch(res.html, /<script>alert|<img src=x/);
    const md = 'Sk. <script>alert(4)</script> [saite](javascript:alert(5)) <img src=x onerror=alert(6)> ![a](javascript:alert(7))';
    res = await staff.ed.post(`/birojs/jautajumi/${id}`, { answer: md, darbiba: 'preview' }, { formPath: `/birojs/jautajumi/${id}` });
    assert.equal(res.status, 200);
    const preview = res.html.match(/<div class="answer">([\s\S]*?)<\/div>/)[1];
    assert.doesNotMatch(preview, /<script|javascript:|onerror|<img src=x/);
    // the person's profile shows the answer through the same renderer
    const acc = Number(db("SELECT id FROM account WHERE pno_hash = 'test:anna2'"));
    db(`UPDATE question SET account_id = ${acc} WHERE id = ${id}`);
    res = await staff.ed.post(`/birojs/jautajumi/${id}`, { answer: md, darbiba: 'send' }, { formPath: `/birojs/jautajumi/${id}` });
    assert.equal(res.status, 303);
    const anna = new Browser(srv.base);
    anna.jar.set('__Host-epak_session', annaToken);
    res = await anna.get('/profils/jautajumi');
    assert.match(res.html, /&lt;script&gt;alert\(1\)/);
    assert.doesNotMatch(res.html, /<script>alert|javascript:|<img src=x/);
    // a comment with markup on the dashboard; a hostile filter value
    db(`INSERT INTO service_feedback (created_at, day, month, lang, service, service_iri, institution, question, answer, comment)
        VALUES (${Math.floor(Date.now() / 1000)}, ${Math.floor(Date.now() / 86400000)}, '2026-12', 'lv', '${SLUG}', '', 'pmlp', 'useful', 0, '<svg onload=alert(8)>')`);
    res = await staff.ed.get('/birojs/atsauksmes');
    assert.equal(res.status, 200);
    assert.match(res.html, /&lt;svg onload=alert\(8\)&gt;/);
    assert.doesNotMatch(res.html, /<svg onload/);
    res = await staff.boss.get(`/birojs/atsauksmes?iestade=${encodeURIComponent('"><script>alert(9)</script>')}`);
    assert.ok([200, 400].includes(res.status), String(res.status));
    assert.doesNotMatch(res.html, /<script>alert\(9\)/);
    for (const q of ['periods=gads', 'periods=menesis&periods=nedela', `iestade=${'a'.repeat(5000)}`, 'iestade=']) {
      res = await staff.boss.get(`/birojs/atsauksmes.csv?${q}`);
      assert.ok([200, 400, 414].includes(res.status), `${q.slice(0, 40)}: ${res.status}`);
    }
    // the CSV of hostile keys stays formula-safe
    db(`INSERT INTO service_feedback (created_at, day, month, lang, service, service_iri, institution, question, answer, comment)
        VALUES (${Math.floor(Date.now() / 1000)}, ${Math.floor(Date.now() / 86400000)}, '2026-12', 'lv', '@SUM(1+1)*cmd|''/c calc''!A0', '', '+pmlp', 'useful', 1, '')`);
    res = await staff.boss.get('/birojs/atsauksmes.csv');
    assert.equal(res.status, 200);
    for (const line of res.html.split('\r\n').slice(1)) {
      for (const cell of line.split(',')) assert.doesNotMatch(cell, /^[=+@-]/, line);
    }
  });

  test('compute: many concurrent dashboards and CSVs neither pin the server nor break it; query junk on cached thanks', async () => {
    const started = Date.now();
    const paths = [];
    for (let i = 0; i < 24; i++) {
      paths.push(i % 3 === 0 ? '/birojs/atsauksmes.csv?periods=nedela' : i % 3 === 1 ? '/birojs/atsauksmes?periods=menesis'
        : `/birojs/atsauksmes?iestade=${['pmlp', 'vid', 'riga', 'nav-tadas'][i % 4]}`);
    }
    const all = Promise.all(paths.map((p) => staff.boss.get(p)));
    const pub = await fetch(`${srv.base}/pakalpojumi/${SLUG}`);
    assert.equal(pub.status, 200, 'a public page is served meanwhile');
    for (const res of await all) assert.ok([200, 503].includes(res.status), String(res.status));
    assert.ok(Date.now() - started < 60000);
    // the cached thank-you page: no stored variants per query string
    for (const q of ['?a=1', '?noderiga=ja', `?x=${'<script>'.repeat(10)}`]) {
      const res = await fetch(`${srv.base}/pakalpojumi/${SLUG}/atsauksme/paldies${q}`);
      assert.ok([200, 400].includes(res.status), `${q}: ${res.status}`);
      assert.doesNotMatch(await res.text(), /<script>/);
    }
    assert.equal((await fetch(`${srv.base}/pakalpojumi/nav-tada/atsauksme/paldies`)).status, 404);
  });

  test('no address or name in the log, the URLs or the audit log', async () => {
    const log = srv.log();
    for (const s of ['asker@example.lv', 'slepens@example.lv', 'Slepenā Persona', 'bot0@example.org', '2001:db8:1:2', 'Jānis']) {
      assert.ok(!log.includes(s), `log contains ${s}`);
    }
    const audit = db("SELECT group_concat(detail, ' ') FROM audit_log");
    assert.doesNotMatch(audit, /@example|Slepen|Jānis/);
  });
});
