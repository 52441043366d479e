// tests/e2e/feedback.test.js — a real form end to end: CSRF, declared input,
// messages in the person's language, post/redirect/get, and the row in the
// database — on SQLite and on PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, getFormSession, sqlite, psql } from '../lib/server.js';

function form(fields) {
  return new URLSearchParams(fields).toString();
}

async function post(srv, p, session, fields) {
  return fetch(srv.base + p, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
    body: form({ _csrf: session.token, ...fields }),
  });
}

const backends = [
  { name: 'SQLite', db: () => null, count: (srv) => sqlite(path.join(srv.data, 'epak.db'), 'SELECT count(*) FROM feedback') },
];
if (process.env.EPAK_TEST_PG_URL) {
  backends.push({
    name: 'PostgreSQL',
    db: () => {
      const url = process.env.EPAK_TEST_PG_URL;
      psql(url, 'DROP DATABASE IF EXISTS epak_e2e');
      psql(url, 'CREATE DATABASE epak_e2e');
      return url.replace(/\/[^/?]*(\?|$)/, '/epak_e2e$1');
    },
    count: () => psql(process.env.EPAK_TEST_PG_URL.replace(/\/[^/?]*(\?|$)/, '/epak_e2e$1'), 'SELECT count(*) FROM feedback'),
  });
} else {
  // Counted either way: skipped (which tests/run.sh reports, and fails unless
  // skips are allowed), or failed when EPAK_TEST_REQUIRE_PG=1.
  test('PostgreSQL is available', { skip: !process.env.EPAK_TEST_REQUIRE_PG && 'EPAK_TEST_PG_URL is not set' },
    () => assert.fail('EPAK_TEST_PG_URL is not set'));
}

for (const be of backends) {
  describe(`feedback on ${be.name}`, () => {
    let srv;
    before(async () => { srv = await startServer({ db: be.db() }); });
    after(async () => { await srv.stop(); });

    test('the form carries a CSRF token and sets its cookie', async () => {
      const s = await getFormSession(srv.base, '/atsauksmes');
      assert.match(s.cookie, /^epak_csrf=[A-Za-z0-9_-]{43}$/);
      assert.match(s.token, /^[A-Za-z0-9_-]{43}$/);
      assert.match(s.html, /<form method="post" action="\/atsauksmes"/);
    });

    test('without a valid token nothing is stored and the person is told why', async () => {
      const s = await getFormSession(srv.base, '/atsauksmes');
      const fields = { topic: 'portal', message: 'Lapa ir ļoti noderīga, paldies!' };
      const noToken = await post(srv, '/atsauksmes', { cookie: s.cookie, token: '' }, fields);
      assert.equal(noToken.status, 403);
      assert.match(await noToken.text(), /Veidlapa ir novecojusi/);
      const wrong = await post(srv, '/atsauksmes', { cookie: s.cookie, token: 'A'.repeat(43) }, fields);
      assert.equal(wrong.status, 403);
      const other = await getFormSession(srv.base, '/atsauksmes');
      const swapped = await post(srv, '/atsauksmes', { cookie: s.cookie, token: other.token }, fields);
      assert.equal(swapped.status, 403, "another browser's token does not fit this cookie");
      const cross = await fetch(srv.base + '/atsauksmes', {
        method: 'POST', redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie, 'sec-fetch-site': 'cross-site' },
        body: form({ _csrf: s.token, ...fields }),
      });
      assert.equal(cross.status, 403, 'a cross-site post is refused even with a token');
      assert.equal(be.count(srv), '0');
    });

    test('bad fields are shown beside the form in Latvian, and the text is kept', async () => {
      const s = await getFormSession(srv.base, '/atsauksmes');
      const r = await post(srv, '/atsauksmes', s, { topic: 'kaut-kas', message: 'īss', extra: 'ignored' });
      assert.equal(r.status, 422);
      const html = await r.text();
      assert.match(html, /Lūdzu, izlabojiet atzīmētos laukus/);
      assert.match(html, /Lūdzu, izvēlieties vienu no iespējām\./);
      assert.match(html, /Lūdzu, uzrakstiet vismaz 10 rakstzīmes\./);
      assert.match(html, />īss<\/textarea>/);
      assert.match(html, /aria-invalid="true"/);
      assert.equal(be.count(srv), '0');
    });

    test('the same in English', async () => {
      const s = await getFormSession(srv.base, '/en/atsauksmes');
      const r = await post(srv, '/en/atsauksmes', s, { topic: 'portal', message: '' });
      assert.equal(r.status, 422);
      assert.match(await r.text(), /This field is required\./);
    });

    test('markup in a message is escaped when shown back', async () => {
      const s = await getFormSession(srv.base, '/atsauksmes');
      const r = await post(srv, '/atsauksmes', s, { topic: 'nope', message: '<script>alert(1)</script>' });
      const html = await r.text();
      assert.ok(!html.includes('<script>alert(1)</script>'));
      assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    });

    test('good feedback is stored and the browser is sent to a thank-you page', async () => {
      const s = await getFormSession(srv.base, '/atsauksmes');
      const r = await post(srv, '/atsauksmes', s,
        { topic: 'eservice', role: 'resident', useful: 'partly', message: 'Dzīvesvietas deklarēšana bija vienkārša.' });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/atsauksmes/paldies');
      const thanks = await fetch(srv.base + '/atsauksmes/paldies');
      assert.match(await thanks.text(), /Paldies par atsauksmi/);
      assert.equal(be.count(srv), '1');
    });

    test('a bot that fills the hidden field is thanked and ignored', async () => {
      const before_ = be.count(srv);
      const s = await getFormSession(srv.base, '/atsauksmes');
      const r = await post(srv, '/atsauksmes', s, { topic: 'other', message: 'Buy cheap things now!!', website: 'http://spam' });
      assert.equal(r.status, 200);
      assert.equal(be.count(srv), before_);
    });
  });
}
