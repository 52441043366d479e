// tests/e2e/newsletter.test.js — the newsletter against the real SMTP server
// (tests/mail/smtpd.py): subscribe → confirm (double opt-in) → an issue
// arrives with the RFC 8058 headers → one-click unsubscribe (a POST with no
// cookie and no CSRF token) → the next issue does not reach them; expired,
// reused and unknown links get a clear page; an address already subscribed
// gets the same answer as a new one; a stranger cannot make the portal
// mail-bomb an address; only content editors and administrators reach
// /birojs/vestkopa. And the big one: 10 000 subscribers, the server killed
// with SIGKILL halfway through a send and restarted: every address gets
// exactly one mail.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, sqlite } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';
import { startSmtpd, smtpEnv, PUBLIC_URL } from '../lib/signing.js';

const PW = 'correct horse battery staple';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function mails(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => ({ file: f, ...JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));
}
const mailsTo = (dir, addr) => mails(dir).filter((m) => m.rcpt_tos.includes(addr));
const local = (srv, url) => url.replace(PUBLIC_URL, '');

describe('newsletter', () => {
  let srv, smtpd, dir, db, editor, tmp;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-nl-'));
    dir = path.join(tmp, 'mail');
    smtpd = await startSmtpd(dir);
    srv = await startServer({
      extra: ['--public-url', PUBLIC_URL, '--newsletter-limit-address', '2', '--newsletter-limit-network', '14',
        '--newsletter-rate', '6000'],
      env: { ...smtpEnv(smtpd), EPAK_MAIL_POLL: '1' },
    });
    db = path.join(srv.data, 'epak.db');
    const ed = addUser(srv, 'editor', PW, ['name=Content Editor', 'role=content']);
    addUser(srv, 'inst', PW, ['name=Inst Editor', 'role=institution', 'institution=vid']);
    addUser(srv, 'cons', PW, ['name=Cons Ultant', 'role=consultant']);
    editor = new Browser(srv.base);
    assert.equal((await staffLogin(editor, 'editor', PW, ed.key)).status, 303);
  });

  after(async () => {
    if (process.env.NL_DEBUG) console.log(srv?.log());
    await srv?.stop();
    smtpd?.proc.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function subscribe(email, lang = 'lv') {
    const b = new Browser(srv.base);
    return b.post('/jaunumi/abonet', { email, lang, website: '' });
  }

  async function confirmLink(email, n = 1) {
    const got = await until(`confirmation mail ${n} to ${email}`, () => {
      const m = mailsTo(dir, email);
      return m.length >= n && m;
    });
    const m = got[n - 1].text.match(/https:\/\/epak\.example\.lv(\/(?:en\/)?jaunumi\/abonet\/apstiprinat\/[0-9a-f]{64})/);
    assert.ok(m, 'the confirmation mail has the link');
    return m[1];
  }

  // The "check your mail" page, without what differs per request.
  const answer = (html) => (html.match(/<main[\s\S]*<\/main>/) || [''])[0].replace(/name="_csrf" value="[^"]*"/g, '');

  test('subscribe, confirm, receive, one-click unsubscribe, the next issue does not come', async () => {
    const page = await new Browser(srv.base).get('/jaunumi/abonet');
    assert.equal(page.status, 200);
    assert.match(page.html, /<h2 id="privacy">/);
    const res = await subscribe('anna@example.lv');
    assert.equal(res.status, 200);
    assert.match(res.html, /role="status"/);
    const link = await confirmLink('anna@example.lv');
    const confirmMail = mailsTo(dir, 'anna@example.lv')[0];
    assert.equal(confirmMail.to, 'anna@example.lv');

    // GET only shows a button (mail scanners prefetch links)
    const b = new Browser(srv.base);
    const ask = await b.get(link);
    assert.equal(ask.status, 200);
    assert.match(ask.html, /<form method="post"/);
    assert.equal(sqlite(db, "SELECT state FROM newsletter_subscriber WHERE email = 'anna@example.lv'"), 'pending');
    const ok = await b.post(link, {});
    assert.equal(ok.status, 200);
    assert.equal(sqlite(db, "SELECT state FROM newsletter_subscriber WHERE email = 'anna@example.lv'"), 'confirmed');
    // reused: a clear page
    const again = await b.post(link, {}, { formPath: '/jaunumi/abonet' });
    assert.equal(again.status, 410);
    assert.match(again.html, /jaunumi\/abonet"/);

    // an editor composes, previews, test-sends and sends an issue
    let r = await editor.post('/birojs/vestkopa', {
      subject_lv: 'Jaunumi 1', body_lv: 'Sveiki, **lasītāj**! [Portāls](https://latvija.lv)',
      subject_en: 'News 1', body_en: 'Hello, **reader**!',
    });
    assert.equal(r.status, 303);
    const issue = r.headers.get('location');
    assert.match(issue, /^\/birojs\/vestkopa\/\d+$/);
    r = await editor.get(issue);
    assert.equal(r.status, 200);
    assert.match(r.html, /<strong>lasītāj<\/strong>/, 'the Markdown preview');
    assert.doesNotMatch(r.html, /anna@example\.lv/, 'no address on the page');
    // a refused test form keeps what was typed, with the message beside the field
    r = await editor.post(`${issue}/izmeginat`, { email: 'not an address', lang: 'lv' }, { formPath: issue });
    assert.equal(r.status, 422);
    assert.match(r.html, /id="test-email-error"/);
    assert.match(r.html, /value="not an address"/);
    r = await editor.post(`${issue}/izmeginat`, { email: 'editor@example.lv', lang: 'lv' }, { formPath: issue });
    assert.equal(r.status, 200);
    const testMail = (await until('the test mail', () => mailsTo(dir, 'editor@example.lv')[0]));
    assert.match(testMail.subject, /^\[TEST\] Jaunumi 1$/);
    r = await editor.post(`${issue}/sutit`, {}, { formPath: issue });
    assert.equal(r.status, 303);
    const news = await until('the issue at anna', () => mailsTo(dir, 'anna@example.lv').find((m) => m.subject === 'Jaunumi 1'));
    assert.equal(news.to, 'anna@example.lv', 'one recipient, no one else in To');
    assert.deepEqual(news.rcpt_tos, ['anna@example.lv']);
    const eml = fs.readFileSync(path.join(dir, news.file.replace('.json', '.eml')), 'latin1');
    const lu = eml.match(/\r\nList-Unsubscribe: <(https:\/\/epak\.example\.lv\/jaunumi\/abonet\/atteikties\/[0-9a-f]{64})>\r\n/);
    assert.ok(lu, 'List-Unsubscribe header');
    assert.match(eml, /\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n/);
    assert.doesNotMatch(eml, /\r\n(Cc|Bcc):/i);
    assert.ok(news.text.includes(lu[1]), 'the unsubscribe link in the text');
    assert.match(news.text, /lasītāj/);
    await until('issue 1 sent', () => sqlite(db, `SELECT state FROM newsletter_issue WHERE id = ${issue.split('/').pop()}`) === 'sent');
    r = await editor.get(issue);
    assert.match(r.html, /1<\/strong> \/ 1/, 'progress: queued / total');

    // RFC 8058 one-click: a POST with no cookie and no CSRF token
    const one = await fetch(srv.base + local(srv, lu[1]), {
      method: 'POST', body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(one.status, 200);
    assert.equal(sqlite(db, "SELECT state FROM newsletter_subscriber WHERE email = 'anna@example.lv'"), 'unsubscribed');
    // the GET of the link (a person clicking it) says so
    const after1 = await fetch(srv.base + local(srv, lu[1]));
    assert.equal(after1.status, 200);

    // a second issue reaches bob (confirmed) and not anna
    await subscribe('bob@example.lv', 'en');
    const bobConfirm = new Browser(srv.base);
    const bobLinkC = await confirmLink('bob@example.lv');
    assert.equal((await bobConfirm.post(bobLinkC, {})).status, 200);
    r = await editor.post('/birojs/vestkopa', { subject_lv: 'Jaunumi 2', body_lv: 'Otrais', subject_en: 'News 2', body_en: 'Second' });
    const issue2 = r.headers.get('location');
    r = await editor.post(`${issue2}/sutit`, {}, { formPath: issue2 });
    assert.equal(r.status, 303);
    const bob = await until('issue 2 at bob', () => mailsTo(dir, 'bob@example.lv').find((m) => m.subject === 'News 2'));
    assert.match(bob.text, /Second/, 'bob chose English');
    await until('issue 2 sent', () => sqlite(db, `SELECT state FROM newsletter_issue WHERE id = ${issue2.split('/').pop()}`) === 'sent');
    await sleep(500);
    assert.equal(mailsTo(dir, 'anna@example.lv').filter((m) => m.subject === 'Jaunumi 2').length, 0);
    // mail clients may post the one-click body as multipart/form-data (RFC 8058)
    const bobEml = fs.readFileSync(path.join(dir, bob.file.replace('.json', '.eml')), 'latin1');
    const bobLink = bobEml.match(/\r\nList-Unsubscribe: <([^>]+)>/)[1];
    assert.match(bobLink, /\/en\/jaunumi\/abonet\/atteikties\//, 'his language');
    const fd = new FormData();
    fd.append('List-Unsubscribe', 'One-Click');
    const mp = await fetch(srv.base + local(srv, bobLink), { method: 'POST', body: fd });
    assert.equal(mp.status, 200);
    assert.equal(sqlite(db, "SELECT state FROM newsletter_subscriber WHERE email = 'bob@example.lv'"), 'unsubscribed');
    // the sent issue can no longer be changed or sent again
    r = await editor.post(`${issue2}/sutit`, {}, { formPath: issue2 });
    assert.equal(r.status, 409);
  });

  test('the same answer for an address already subscribed, and no mail', async () => {
    const fresh = await subscribe('eve@example.lv');
    const b = new Browser(srv.base);
    const link = await confirmLink('eve@example.lv');
    assert.equal((await b.post(link, {})).status, 200);
    const before1 = mailsTo(dir, 'eve@example.lv').length;
    const again = await subscribe('eve@example.lv');
    assert.equal(again.status, fresh.status);
    assert.equal(answer(again.html), answer(fresh.html));
    await sleep(1500);
    assert.equal(mailsTo(dir, 'eve@example.lv').length, before1, 'no mail to a subscribed address');
  });

  test('expired, reused and unknown confirmation links get a clear page', async () => {
    await subscribe('carol@example.lv', 'en');
    const link = await confirmLink('carol@example.lv');
    assert.match(link, /^\/en\//, 'the link in the chosen language');
    sqlite(db, "UPDATE newsletter_subscriber SET confirm_expires = 1 WHERE email = 'carol@example.lv'");
    const b = new Browser(srv.base);
    let r = await b.get(link);
    assert.equal(r.status, 410);
    assert.match(r.html, /expired/);
    assert.match(r.html, /href="\/en\/jaunumi\/abonet"/, 'says what to do');
    r = await b.post(link, {}, { formPath: '/en/jaunumi/abonet' });
    assert.equal(r.status, 410);
    assert.equal(sqlite(db, "SELECT state FROM newsletter_subscriber WHERE email = 'carol@example.lv'"), 'pending');
    r = await b.get(`/jaunumi/abonet/apstiprinat/${'0'.repeat(64)}`);
    assert.equal(r.status, 404);
    r = await b.get('/jaunumi/abonet/apstiprinat/nonsense');
    assert.equal(r.status, 404);
    r = await fetch(`${srv.base}/jaunumi/abonet/atteikties/${'0'.repeat(64)}`, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 404);
  });

  test('a stranger cannot mail-bomb an address; a network is budgeted', async () => {
    const first = await subscribe('dave@example.lv');
    for (let i = 0; i < 4; i++) {
      const r = await subscribe('dave@example.lv');
      assert.equal(r.status, 200);
      assert.equal(answer(r.html), answer(first.html), 'the same answer over the budget');
    }
    await confirmLink('dave@example.lv', 2);
    await sleep(1500);
    assert.equal(mailsTo(dir, 'dave@example.lv').length, 2, 'newsletter-limit-address = 2 per day');
    // the network's budget (14 per hour) runs out; then 429
    let limited = 0;
    for (let i = 0; i < 15 && !limited; i++) {
      const r = await subscribe(`flood${i}@example.lv`);
      if (r.status === 429) limited = i + 1;
      else assert.equal(r.status, 200);
    }
    assert.ok(limited > 0, 'the network budget held');
  });

  test('anonymous and other roles are refused on /birojs/vestkopa, also direct POSTs', async () => {
    const id = sqlite(db, 'SELECT MAX(id) FROM newsletter_issue');
    const before1 = sqlite(db, 'SELECT COUNT(*) FROM newsletter_issue');
    const anon = new Browser(srv.base);
    let r = await anon.get('/birojs/vestkopa');
    assert.equal(r.status, 303);
    assert.match(r.headers.get('location'), /\/pieteikties/);
    for (const [p, fields] of [['/birojs/vestkopa', { subject_lv: 'x', body_lv: 'y' }],
      [`/birojs/vestkopa/${id}`, { subject_lv: 'x', body_lv: 'y' }],
      [`/birojs/vestkopa/${id}/izmeginat`, { email: 'x@example.lv', lang: 'lv' }],
      [`/birojs/vestkopa/${id}/sutit`, {}]]) {
      r = await anon.post(p, fields, { formPath: '/atsauksmes' });
      assert.equal(r.status, 303, `anonymous POST ${p}`);
    }
    for (const login of ['inst', 'cons']) {
      const b = new Browser(srv.base);
      assert.equal((await staffLogin(b, login, PW)).status, 303);
      assert.equal((await b.get('/birojs/vestkopa')).status, 403);
      assert.equal((await b.get(`/birojs/vestkopa/${id}`)).status, 403);
      for (const [p, fields] of [['/birojs/vestkopa', { subject_lv: 'x', body_lv: 'y' }],
        [`/birojs/vestkopa/${id}`, { subject_lv: 'x', body_lv: 'y' }],
        [`/birojs/vestkopa/${id}/izmeginat`, { email: 'x@example.lv', lang: 'lv' }],
        [`/birojs/vestkopa/${id}/sutit`, {}]]) {
        r = await b.post(p, fields, { formPath: '/atsauksmes' });
        assert.equal(r.status, 403, `${login}: POST ${p}`);
      }
    }
    assert.equal(sqlite(db, 'SELECT COUNT(*) FROM newsletter_issue'), before1, 'nothing created');
    // the editor's own pages never list addresses
    r = await editor.get('/birojs/vestkopa');
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.html, /@example\.lv/);
  });
});

// EPAK_NL_SUBSCRIBERS makes it smaller while working on it; the issue's
// "Done when" is 10 000. The outbox delivers one message per SMTP
// connection, so the time is the relay's: see docs/newsletter in notes.
describe('newsletter: 10 000 subscribers, SIGKILL halfway, restart', () => {
  const N = Number(process.env.EPAK_NL_SUBSCRIBERS || 10000);
  let srv, smtpd, dir, tmp, data;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-nl-big-'));
    dir = path.join(tmp, 'mail');
    data = path.join(tmp, 'data');
    fs.mkdirSync(data);
    smtpd = await startSmtpd(dir, { tls: false });
  });

  after(async () => {
    await srv?.stop();
    smtpd?.proc.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const start = () => startServer({
    data,
    extra: ['--public-url', PUBLIC_URL, '--newsletter-rate', '30000'],
    env: { ...smtpEnv(smtpd), EPAK_SMTP_TLS: 'none', EPAK_MAIL_POLL: '1' },
  });

  test('every address gets exactly one mail', { timeout: 900000 }, async () => {
    srv = await start();
    const db = path.join(data, 'epak.db');
    const now = Math.floor(Date.now() / 1000);
    sqlite(db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
      INSERT INTO newsletter_subscriber (email, lang, state, unsub_salt, unsub_hash, created_at, confirmed_at)
      SELECT 'u' || i || '@example.lv', CASE WHEN i % 2 THEN 'lv' ELSE 'en' END, 'confirmed',
             printf('%064x', i), printf('h%063d', i), ${now}, ${now} FROM n`);
    sqlite(db, `INSERT INTO newsletter_issue (subject_lv, subject_en, body_lv, body_en, state, created_at, updated_at, send_started_at, total)
      VALUES ('Liels', 'Big', 'Teksts', 'Text', 'sending', ${now}, ${now}, ${now}, ${N})`);
    const t0 = Date.now();
    await until('half queued', () => Number(sqlite(db, 'SELECT COUNT(*) FROM newsletter_delivery')) >= N / 2, 120000);
    srv.child.kill('SIGKILL');
    await new Promise((r) => (srv.child.exitCode !== null || srv.child.signalCode ? r() : srv.child.once('exit', r)));
    const atKill = Number(sqlite(db, 'SELECT COUNT(*) FROM newsletter_delivery'));
    // The one mail the outbox worker may have had on the wire when it was
    // killed: if the relay said 250 just before, SMTP cannot tell, and the
    // outbox sends it again (src/mail/worker.c, docs/mail.md "Crashes").
    const inflight = sqlite(db, "SELECT recipients FROM mail_outbox WHERE status = 'sending'");
    assert.ok(atKill < N, `killed halfway (${atKill} queued)`);
    srv = await start();
    await until('all queued', () => sqlite(db, 'SELECT state FROM newsletter_issue') === 'sent', 120000);
    assert.equal(Number(sqlite(db, 'SELECT COUNT(*) FROM newsletter_delivery')), N);
    await until('all delivered', () => {
      const n = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).length;
      return n >= N;
    }, 600000);
    await sleep(2000); // a straggler would show up now
    const per = new Map();
    const ids = new Map(); // recipient → the Message-IDs they got
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const m = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      for (const r of m.rcpt_tos) {
        per.set(r, (per.get(r) || 0) + 1);
        ids.set(r, new Set([...(ids.get(r) || []), m.message_id]));
      }
    }
    // Every person got one message: a second copy in transit would be the
    // same message (its Message-ID comes from the outbox row), which mail
    // programs show once.
    assert.deepEqual([...ids].filter(([, s]) => s.size !== 1), [], 'one message per address');
    assert.equal(per.size, N);
    // The newsletter queued exactly one mail per subscriber...
    assert.equal(Number(sqlite(db, "SELECT COUNT(DISTINCT subscriber_id) FROM newsletter_delivery")), N);
    assert.equal(Number(sqlite(db, "SELECT COUNT(*) FROM mail_outbox WHERE kind = 'newsletter'")), N);
    // ...and each arrived once, but for the one the worker had in flight.
    const twice = [...per].filter(([r, n]) => n !== 1 && !(n === 2 && inflight.includes(r)));
    assert.deepEqual(twice, [], 'nobody got two mails');
    if ([...per].some(([, n]) => n === 2)) console.log('# the mail in flight at the kill arrived twice (SMTP cannot rule it out)');
    console.log(`# ${N} mails: killed at ${atKill} queued; all delivered in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});
