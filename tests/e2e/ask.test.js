// tests/e2e/ask.test.js — "Uzdod jautājumu" against a real server and the
// real SMTP server (tests/mail/smtpd.py): a person asks about a PMLP
// service → the PMLP editor answers in Markdown → the answer arrives by
// mail in the question's language → with the person's consent it becomes an
// FAQ draft (without consent the button is absent and a direct POST is
// refused); an editor of another institution can neither see nor answer it,
// also by guessing ids and posting forms directly; a scripted flood (one
// network, many addresses; the honeypot filled; instant submits) is held off
// while a person filling the form normally gets through; the overdue list;
// a logged-in person's own questions; the retention purge. SQLite, and
// PostgreSQL when EPAK_TEST_PG_URL is set.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { root, startServer, sqlite, psql } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';
import { startSmtpd, smtpEnv, waitMails, PUBLIC_URL } from '../lib/signing.js';

const PW = 'correct horse battery staple';
const MIN = 2; // question-min-seconds
const SLUG = 'lv-dzivesvietas-deklaresana'; // PMLP's
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pgUrl = process.env.EPAK_TEST_PG_URL;
const backends = [{ name: 'SQLite', pg: false }, { name: 'PostgreSQL', pg: true }];

for (const backend of backends) describe(`ask a question (${backend.name})`, { skip: backend.pg && !pgUrl && 'EPAK_TEST_PG_URL is not set' }, () => {
  let dbUrl = null;
  let work;
  let smtpd;
  let mailDir;
  let srv;
  let boss;
  let ed;
  let other;
  let cons;

  const db = (sql) => (backend.pg ? psql(dbUrl, sql) : sqlite(path.join(srv.data, 'epak.db'), sql));
  // 1/0 of a condition, the same in both databases
  const yes = (cond, from) => db(`SELECT CASE WHEN ${cond} THEN 1 ELSE 0 END ${from}`);

  // A citizen's session made directly in the database (the ways citizens
  // log in have tests of their own); returns the cookie's token.
  function citizenSession(name, subject) {
    const token = crypto.randomBytes(32).toString('base64url');
    const id = crypto.createHash('sha256').update(token).digest('hex');
    const now = Math.floor(Date.now() / 1000);
    db(`INSERT INTO account (kind, display_name, pno_hash, created_at) VALUES ('citizen', '${name}', '${subject}', ${now})`);
    const acc = db(`SELECT id FROM account WHERE pno_hash = '${subject}'`);
    db(`INSERT INTO login_session (id, account_id, method, created_at, seen_at, expires_at) VALUES ('${id}', ${acc}, 'webeid', ${now}, ${now}, ${now + 3600})`);
    return token;
  }
  const count = (where = '1 = 1') => Number(db(`SELECT COUNT(*) FROM question WHERE ${where}`));
  let mailsSeen = 0;
  async function nextMail() {
    const all = await waitMails(mailDir, mailsSeen + 1);
    return all[mailsSeen++];
  }

  async function login(name, key = null) {
    const b = new Browser(srv.base);
    const res = await staffLogin(b, name, PW, key);
    assert.equal(res.status, 303, `${name} logs in`);
    return b;
  }

  // The form as a browser opens it from the network of ip: its CSRF token
  // and signed opening time.
  async function openForm(b, ip, p = '/jautajums') {
    const res = await b.get(p, { 'x-forwarded-for': ip });
    assert.equal(res.status, 200);
    return {
      csrf: res.html.match(/name="_csrf" value="([^"]+)"/)[1],
      t: res.html.match(/name="t" value="([^"]+)"/)[1],
      html: res.html,
    };
  }

  async function send(b, form, fields, ip, p = '/jautajums') {
    return b.post(p, { t: form.t, website: '', ...fields }, { token: form.csrf, headers: { 'x-forwarded-for': ip } });
  }

  // A person: opens the form, takes the time to write, sends it.
  async function ask(fields, { ip = '198.51.100.7', b = new Browser(srv.base), p = '/jautajums' } = {}) {
    const form = await openForm(b, ip, p);
    await sleep(MIN * 1000 + 100);
    return send(b, form, fields, ip, p);
  }

  const lastId = () => Number(db('SELECT MAX(id) FROM question'));

  before(async () => {
    if (backend.pg) {
      psql(pgUrl, 'DROP DATABASE IF EXISTS epak_e2e_ask');
      psql(pgUrl, 'CREATE DATABASE epak_e2e_ask');
      dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, '/epak_e2e_ask$1');
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-ask-'));
    mailDir = path.join(work, 'mail');
    smtpd = await startSmtpd(mailDir);
    srv = await startServer({
      db: dbUrl,
      imports: [path.join(root, 'data/catalog.jsonld')],
      extra: ['--public-url', PUBLIC_URL, '--trusted-proxies', '127.0.0.1', '--question-min-seconds', String(MIN),
        '--sign-purge-interval', '1'],
      env: smtpEnv(smtpd),
    });
    const admin = addUser(srv, 'boss', PW, ['name=Anna Administratore', 'role=admin']);
    addUser(srv, 'ed', PW, ['name=Edgars Redaktors', 'role=institution', 'institution=pmlp']);
    addUser(srv, 'other', PW, ['name=Cits Redaktors', 'role=institution', 'institution=vid']);
    addUser(srv, 'cons', PW, ['name=Konsultants', 'role=consultant']);
    boss = await login('boss', admin.key);
    ed = await login('ed');
    other = await login('other');
    cons = await login('cons');
  });

  after(async () => {
    await srv?.stop();
    smtpd?.proc.kill();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the form: privacy notice, the service from the link, errors beside the fields with the text kept', async () => {
    let res = await new Browser(srv.base).get(`/jautajums?pakalpojums=${SLUG}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control'), /no-store/);
    assert.match(res.html, new RegExp(`name="pakalpojums" value="${SLUG}"`));
    assert.match(res.html, /Dzīvesvietas deklarēšana/);
    assert.match(res.html, /730 dienas/, 'the retention period is stated');
    assert.match(res.html, /darba dienu/, 'the response target is stated');
    assert.match(res.html, /class="hp" aria-hidden="true"/);
    // the service page links to the form
    res = await new Browser(srv.base).get(`/pakalpojumi/${SLUG}`);
    assert.match(res.html, new RegExp(`href="/jautajums\\?pakalpojums=${SLUG}"`));

    const before = count();
    res = await ask({ email: 'ne-adrese', question: 'Kā deklarēt dzīvesvietu <script>?', pakalpojums: 'nav-tada' });
    assert.equal(res.status, 422);
    assert.match(res.html, /id="email-error"/);
    assert.match(res.html, /id="pakalpojums-error"/);
    assert.match(res.html, /Kā deklarēt dzīvesvietu &lt;script&gt;\?<\/textarea>/, 'the text is kept, escaped');
    assert.equal(count(), before);
  });

  let qid;
  test('ask → confirmation with the target date; stored for PMLP; nothing mailed yet', async () => {
    const res = await ask({ email: 'Anna@Example.LV', name: 'Anna Bērziņa', question: 'Kā deklarēt dzīvesvietu, ja dzīvoju ārzemēs?', pakalpojums: SLUG, consent: '1' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/jautajums/paldies');
    const thanks = await new Browser(srv.base).get('/jautajums/paldies');
    assert.match(thanks.html, /\d{2}\.\d{2}\.\d{4}\./, 'the target date');
    qid = lastId();
    assert.equal(db(`SELECT institution || '|' || state || '|' || consent_faq || '|' || lang FROM question WHERE id = ${qid}`), 'pmlp|new|1|lv');
    const due = Number(db(`SELECT due_at - created_at FROM question WHERE id = ${qid}`));
    assert.ok(due > 5 * 86400 && due < 12 * 86400, `due in 5 working days (${due} s)`);
    assert.doesNotMatch(srv.log(), /Anna@Example|Bērziņa/i, 'no address or name in the log');
    await sleep(300);
    assert.equal(fs.readdirSync(mailDir).filter((f) => f.endsWith('.json')).length, 0);
  });

  test('anonymous → login; consultants and other institutions get 403, also guessing ids and posting', async () => {
    const q = `/birojs/jautajumi/${qid}`;
    let res = await fetch(srv.base + '/birojs/jautajumi', { redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location'), /^\/pieteikties\?next=/);
    assert.equal((await cons.get('/birojs/jautajumi')).status, 403);
    assert.equal((await cons.get(q)).status, 403);
    res = await other.get('/birojs/jautajumi');
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.html, /ārzemēs/);
    assert.doesNotMatch(res.html, new RegExp(`href="${q}"`));
    assert.equal((await other.get(q)).status, 403);
    assert.equal((await other.get('/birojs/jautajumi?iestade=pmlp')).status, 403);
    const token = (await other.get('/profils')).html.match(/name="_csrf" value="([^"]+)"/)[1];
    for (const [p, f] of [[q, { answer: 'Mana atbilde', darbiba: 'send' }], [`${q}/slegt`, {}], [`${q}/buj`, { question_lv: 'Jautājums?', answer_lv: 'Atbilde' }], [`${q}/nodot`, { iestade: 'vid' }]]) {
      res = await other.post(p, f, { token });
      assert.equal(res.status, 403, p);
    }
    assert.equal((await other.get('/birojs/jautajumi/999999')).status, 404);
    assert.equal(db(`SELECT state FROM question WHERE id = ${qid}`), 'new');
    // the editor of PMLP sees it, but never the address
    res = await ed.get('/birojs/jautajumi');
    assert.match(res.html, new RegExp(`href="${q}"`));
    res = await ed.get(q);
    assert.equal(res.status, 200);
    assert.match(res.html, /ārzemēs/);
    assert.doesNotMatch(res.html, /anna@example\.lv/i); // the asker's address (the portal's own epak.example.lv is in the links)
    assert.doesNotMatch(res.html, /action="[^"]*\/buj"/, 'no FAQ form before the answer');
  });

  test('the editor previews and sends the answer; it arrives by mail; FAQ draft with consent', async () => {
    const q = `/birojs/jautajumi/${qid}`;
    const answer = 'Dzīvesvietu var deklarēt **tiešsaistē**:\n\n- ar eID karti\n- [latvija.lv](https://www.latvija.lv)';
    let res = await ed.post(q, { answer, darbiba: 'preview' });
    assert.equal(res.status, 200);
    assert.match(res.html, /<strong>tiešsaistē<\/strong>/);
    assert.equal(db(`SELECT state FROM question WHERE id = ${qid}`), 'new', 'a preview changes nothing');
    res = await ed.post(q, { answer: '<script>alert(1)</script>\n\n' + answer, darbiba: 'send' });
    assert.equal(res.status, 303);
    assert.equal(db(`SELECT state FROM question WHERE id = ${qid}`), 'answered');
    const mail = await nextMail();
    assert.deepEqual(mail.rcpt_tos, ['Anna@Example.LV']);
    assert.equal(mail.subject, 'Atbilde uz jūsu jautājumu');
    assert.match(mail.text, /Kā deklarēt dzīvesvietu, ja dzīvoju ārzemēs\?/);
    assert.match(mail.text, /tiešsaistē/);
    assert.match(mail.text, /<https:\/\/www\.latvija\.lv>/);
    assert.doesNotMatch(mail.text, /\*\*|<script/);
    assert.equal(Number(db(`SELECT mail_id FROM question WHERE id = ${qid}`)) > 0, true);
    const audit = db("SELECT action || ' ' || detail FROM audit_log WHERE action LIKE 'question-%' ORDER BY id");
    assert.match(audit, new RegExp(`question-answered question=${qid}`));
    assert.doesNotMatch(audit, /example|Bērziņa/i);
    // a second answer is refused
    res = await ed.post(q, { answer: 'Vēlreiz', darbiba: 'send' });
    assert.equal(res.status, 409);
    // the answered page renders the answer safely and offers the FAQ form
    res = await ed.get(q);
    assert.doesNotMatch(res.html, /<script>alert/);
    assert.match(res.html, new RegExp(`action="${q}/buj"`));
    res = await ed.post(`${q}/buj`, { question_lv: 'Kā deklarēt dzīvesvietu, dzīvojot ārzemēs?', answer_lv: answer, question_en: '', answer_en: '' });
    assert.equal(res.status, 303);
    const row = db(`SELECT topic || '|' || state || '|' || question_id || '|' || slug || '|' || question_lv FROM faq_entry WHERE question_id = ${qid}`);
    assert.equal(row, `citi|draft|${qid}|jautajums-${qid}|Kā deklarēt dzīvesvietu, dzīvojot ārzemēs?`);
    assert.doesNotMatch(db('SELECT question_lv || answer_lv || question_en || answer_en FROM faq_entry WHERE question_id > 0'), /Bērziņa|example/i);
    assert.equal(yes(`faq_entry_id = (SELECT id FROM faq_entry WHERE question_id = ${qid})`, `FROM question WHERE id = ${qid}`), '1');
    res = await ed.post(`${q}/buj`, { question_lv: 'Vēlreiz?', answer_lv: 'x x' });
    assert.equal(res.status, 409, 'one draft per question');
  });

  test('without consent: no FAQ button, a direct POST is refused; English question → English mail', async () => {
    const res0 = await ask({ email: 'john@example.org', question: 'How do I declare my residence from abroad?', pakalpojums: SLUG }, { p: '/en/jautajums' });
    assert.equal(res0.status, 303);
    assert.equal(res0.headers.get('location'), '/en/jautajums/paldies');
    const id = lastId();
    const q = `/birojs/jautajumi/${id}`;
    let res = await ed.post(q, { answer: 'Online, with your eID card.', darbiba: 'send' });
    assert.equal(res.status, 303);
    const mail = await nextMail();
    assert.equal(mail.subject, 'Answer to your question');
    assert.match(mail.text, /Online, with your eID card\./);
    res = await ed.get(q);
    assert.doesNotMatch(res.html, /action="[^"]*\/buj"/, 'no FAQ form without consent');
    const before = Number(db('SELECT COUNT(*) FROM faq_entry'));
    res = await ed.post(`${q}/buj`, { question_lv: 'Kā deklarēt?', answer_lv: 'Tiešsaistē.' }, { formPath: q });
    assert.equal(res.status, 403);
    assert.equal(Number(db('SELECT COUNT(*) FROM faq_entry')), before);
    assert.equal(db(`SELECT faq_entry_id FROM question WHERE id = ${id}`), '0');
  });

  test('a scripted flood is held off while a person filling the form normally gets through', async () => {
    const before = count();
    const bot = new Browser(srv.base);
    const net = (i) => `203.0.113.${i % 250 + 1}`;
    // 1. the honeypot filled: a success page, nothing stored
    let form = await openForm(bot, net(0));
    await sleep(MIN * 1000 + 100);
    for (let i = 0; i < 20; i++) {
      const res = await send(bot, form, { email: `hp${i}@example.com`, question: 'Buy cheap watches now!!!', website: 'http://spam.example' }, net(i));
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/jautajums/paldies');
    }
    assert.equal(count(), before, 'honeypot: nothing stored');
    // 2. instant submits: the form back, nothing stored
    for (let i = 0; i < 10; i++) {
      const f = await openForm(bot, net(i));
      const res = await send(bot, f, { email: `fast${i}@example.com`, question: 'Buy cheap watches now!!!' }, net(i));
      assert.equal(res.status, 422);
      assert.match(res.html, /Buy cheap watches now!!!<\/textarea>/, 'the text is kept');
    }
    // no time stamp, or a forged one
    let res = await send(bot, { csrf: form.csrf, t: '' }, { email: 'x@example.com', question: 'Buy cheap watches now!!!' }, net(1));
    assert.equal(res.status, 422);
    res = await send(bot, { csrf: form.csrf, t: `${Math.floor(Date.now() / 1000) - 60}.${'0'.repeat(32)}` }, { email: 'x@example.com', question: 'Buy cheap watches now!!!' }, net(1));
    assert.equal(res.status, 422);
    // a stamp made for another browser
    res = await send(new Browser(srv.base), form, { email: 'x@example.com', question: 'Buy cheap watches now!!!' }, net(1));
    assert.ok(res.status === 422 || res.status === 403, String(res.status));
    assert.equal(count(), before, 'instant and forged: nothing stored');
    // a body over the cap
    res = await send(bot, form, { email: 'x@example.com', question: 'x'.repeat(30000) }, net(1));
    assert.equal(res.status, 413);
    // 3. a patient bot from one network with many addresses: the network
    // budget (each question needs a form of its own: a replayed one stores
    // nothing, tests/e2e/attacks-ask-feedback.test.js)
    const forms = async (n, ip) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        const b = new Browser(srv.base);
        out.push({ b, form: await openForm(b, ip) });
      }
      await sleep(MIN * 1000 + 100);
      return out;
    };
    const flood = await forms(40, '203.0.113.77');
    const statuses = [];
    let person = null;
    for (let i = 0; i < 40; i++) {
      statuses.push((await send(flood[i].b, flood[i].form, { email: `flood${i}@example.com`, question: `Flood question number ${i}` }, '203.0.113.77')).status);
      if (i === 20) person = ask({ email: 'real.person@example.net', question: 'Vai es varu deklarēt dzīvesvietu tiešsaistē?' }, { ip: '192.0.2.15' });
    }
    assert.equal(statuses.filter((s) => s === 303).length, 10, 'limit-question-network: 10 an hour');
    assert.equal(statuses.filter((s) => s === 429).length, 30);
    // 4. one address from many networks: the address budget
    const addr = [];
    const five = await forms(5, '100.64.0.1');
    for (let i = 0; i < 5; i++) {
      addr.push((await send(five[i].b, five[i].form, { email: 'Victim@Example.com', question: `Same address, question ${i}` }, `100.${64 + i}.0.1`)).status);
    }
    assert.deepEqual(addr, [303, 303, 303, 429, 429], 'limit-question-address: 3 a day, whatever the case');
    // the person got through during the flood
    res = await person;
    assert.equal(res.status, 303);
    assert.equal(count("text = 'Vai es varu deklarēt dzīvesvietu tiešsaistē?'"), 1);
    assert.equal(count(), before + 10 + 3 + 1);
    assert.equal(count("text LIKE 'Buy cheap%'"), 0);
    // no address in clear in the budget keys or the log
    assert.doesNotMatch(db(backend.pg ? "SELECT string_agg(key, ',') FROM rate_limit" : 'SELECT group_concat(key) FROM rate_limit'), /example|203\.0\.113/i);
    assert.doesNotMatch(srv.log(), /flood\d+@|victim@/i);
  });

  test('overdue list per institution', async () => {
    const res0 = await ask({ email: 'late@example.lv', question: 'Kur ir mana atbilde uz deklarāciju?', pakalpojums: SLUG });
    assert.equal(res0.status, 303);
    const id = lastId();
    db(`UPDATE question SET due_at = ${Math.floor(Date.now() / 1000) - 86400} WHERE id = ${id}`);
    let res = await boss.get('/birojs/jautajumi');
    assert.equal(res.status, 200);
    const rowOf = (html, name) => (html.match(new RegExp(`<tr><th scope="row">[^<]*${name}[^<]*</th>[\\s\\S]*?</tr>`)) || [''])[0];
    assert.match(rowOf(res.html, 'Pilsonības'), /nokavetie=1">1<\/a>/, 'PMLP: one overdue');
    assert.match(res.html, /class="badge badge-late"/);
    // oldest due first
    const first = res.html.match(/href="\/birojs\/jautajumi\/(\d+)"/)[1];
    assert.equal(Number(first), id);
    res = await boss.get('/birojs/jautajumi?iestade=pmlp&nokavetie=1');
    assert.match(res.html, new RegExp(`href="/birojs/jautajumi/${id}"`));
    res = await ed.get('/birojs/jautajumi?nokavetie=1');
    assert.match(res.html, new RegExp(`href="/birojs/jautajumi/${id}"`));
    // a line in the content-health view
    res = await ed.get('/birojs/parskats');
    assert.equal(res.status, 200);
    assert.match(res.html, /href="\/birojs\/jautajumi\?nokavetie=1">1<\/a>/);
    res = await other.get('/birojs/jautajumi');
    assert.doesNotMatch(res.html.match(/<tbody>[\s\S]*?<\/tbody>/)[0], /Pilsonības/, 'VID sees only its own counts');
    // the back office links the page for those who may use it
    assert.match((await ed.get('/birojs')).html, /href="\/birojs\/jautajumi"/);
    assert.doesNotMatch((await cons.get('/birojs')).html, /href="\/birojs\/jautajumi"/);
  });

  test('an administrator passes a question on; editors may not', async () => {
    const res0 = await ask({ email: 'move@example.lv', question: 'Jautājums, kas nav par PMLP pakalpojumu.', pakalpojums: SLUG });
    assert.equal(res0.status, 303);
    const id = lastId();
    const q = `/birojs/jautajumi/${id}`;
    let res = await ed.post(`${q}/nodot`, { iestade: 'vid' }, { formPath: q });
    assert.equal(res.status, 403);
    res = await boss.post(`${q}/nodot`, { iestade: 'vid' }, { formPath: q });
    assert.equal(res.status, 303);
    assert.equal(db(`SELECT institution FROM question WHERE id = ${id}`), 'vid');
    assert.equal((await ed.get(q)).status, 403);
    assert.equal((await other.get(q)).status, 200);
    res = await boss.post(`${q}/nodot`, { iestade: 'nav-tadas' }, { formPath: q });
    assert.equal(res.status, 422);
    assert.match(db("SELECT detail FROM audit_log WHERE action = 'question-reassigned' AND ok = 1"), new RegExp(`question=${id} from=pmlp to=vid`));
    // closing without an answer
    res = await other.post(`${q}/slegt`, {}, { formPath: q });
    assert.equal(res.status, 303);
    assert.equal(db(`SELECT state FROM question WHERE id = ${id}`), 'closed');
  });

  test('logged-in people see their own questions and answers, never by e-mail address', async () => {
    // public-url is https: the cookies have the __Host- names
    const anna = new Browser(srv.base);
    anna.jar.set('__Host-epak_session', citizenSession('ANNA BĒRZIŅA', 'test:anna-ask'));
    const peteris = new Browser(srv.base);
    peteris.jar.set('__Host-epak_session', citizenSession('PĒTERIS OZOLS', 'test:peteris-ask'));
    let res = await ask({ email: 'anna.b@example.lv', question: 'Annas jautājums par deklarēšanu.', pakalpojums: SLUG }, { b: anna });
    assert.equal(res.status, 303);
    const id = lastId();
    assert.ok(Number(db(`SELECT account_id FROM question WHERE id = ${id}`)) > 0);
    // the same address asked anonymously is not Anna's
    res = await ask({ email: 'anna.b@example.lv', question: 'Anonīms jautājums ar to pašu adresi.' });
    assert.equal(res.status, 303);
    await ed.post(`/birojs/jautajumi/${id}`, { answer: 'Atbilde **Annai**.', darbiba: 'send' });
    await nextMail();
    res = await anna.get('/profils/jautajumi');
    assert.equal(res.status, 200);
    assert.match(res.html, /Annas jautājums par deklarēšanu\./);
    assert.match(res.html, /Atbilde <strong>Annai<\/strong>\./);
    assert.doesNotMatch(res.html, /Anonīms jautājums/);
    res = await peteris.get('/profils/jautajumi');
    assert.doesNotMatch(res.html, /Annas jautājums/);
    res = await fetch(srv.base + '/profils/jautajumi', { redirect: 'manual' });
    assert.equal(res.status, 303);
  });

  test('retention: personal fields of questions answered long ago are erased by the purge', async () => {
    const old = Math.floor(Date.now() / 1000) - 731 * 86400;
    db(`UPDATE question SET answered_at = ${old} WHERE id = ${qid}`);
    const deadline = Date.now() + 15000;
    while (yes('purged_at > 0', `FROM question WHERE id = ${qid}`) !== '1') {
      assert.ok(Date.now() < deadline, 'purged within 15 s');
      await sleep(200);
    }
    assert.equal(db(`SELECT email || name || text || answer FROM question WHERE id = ${qid}`), '');
    // the FAQ draft made from it stays
    assert.equal(Number(db(`SELECT COUNT(*) FROM faq_entry WHERE question_id = ${qid}`)), 1);
    const res = await ed.get(`/birojs/jautajumi/${qid}`);
    assert.equal(res.status, 200);
    assert.match(res.html, /dzēsti|erased/);
  });
});
