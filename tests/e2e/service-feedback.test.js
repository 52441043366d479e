// tests/e2e/service-feedback.test.js — feedback on services (issue 12):
// the widget on a (cached) service page, answers with comments on a service
// and an e-service, each routed to the institution that owns the service;
// the dashboard /birojs/atsauksmes (an institution's editor sees only their
// own, also when guessing another's slug or comment id), its CSV (the same
// figures, formula-safe), the flood budget holding one network while others
// are served, comments purged after their retention, the campaign variant
// of /atsauksmes — on SQLite and on PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, sqlite, psql, root } from '../lib/server.js';
import { Browser, addUser, staffLogin, citizenSession } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const DEMO = path.join(root, 'data/catalog.jsonld');
const ESVC = 'lv-buvniecibas-iecere'; // an e-service of riga
const SVC = 'lv-dzimsanas-registracija'; // not an e-service, riga
const OTHER = 'lv-bezdarbnieka-statuss'; // an e-service of nva

const backends = [{ name: 'SQLite', db: () => null, sql: (srv, s) => sqlite(path.join(srv.data, 'epak.db'), s) }];
if (process.env.EPAK_TEST_PG_URL) {
  const url = process.env.EPAK_TEST_PG_URL.replace(/\/[^/?]*(\?|$)/, '/epak_svcfb$1');
  backends.push({
    name: 'PostgreSQL',
    db: () => {
      psql(process.env.EPAK_TEST_PG_URL, 'DROP DATABASE IF EXISTS epak_svcfb');
      psql(process.env.EPAK_TEST_PG_URL, 'CREATE DATABASE epak_svcfb');
      return url;
    },
    sql: (srv, s) => psql(url, s),
  });
} else {
  test('PostgreSQL is available', { skip: !process.env.EPAK_TEST_REQUIRE_PG && 'EPAK_TEST_PG_URL is not set' },
    () => assert.fail('EPAK_TEST_PG_URL is not set'));
}

let net = 0;
// A fresh client network for each answer unless one is given (the budget
// per network is a test of its own).
function nextNet() {
  net += 1;
  return `10.${100 + Math.floor(net / 250)}.${net % 250}.7`;
}

// Answers as a person does: the widget's GET opens the form (CSRF cookie
// and token), the form is sent.
async function answer(b, slug, fields, { xff = nextNet(), query = 'noderiga=ja' } = {}) {
  return b.post(`/pakalpojumi/${slug}/atsauksme`, fields,
    { formPath: `/pakalpojumi/${slug}/atsauksme?${query}`, headers: { 'x-forwarded-for': xff } });
}

async function waitFor(fn, what, ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const be of backends) {
  describe(`feedback on services on ${be.name}`, () => {
    let srv;
    const people = {};
    const sql = (s) => be.sql(srv, s);
    before(async () => {
      srv = await startServer({
        db: be.db(), imports: [DEMO],
        extra: ['--trusted-proxies', '127.0.0.1', '--limit-feedback-network', '5', '--limit-feedback-browser', '1000',
          '--sign-purge-interval', '1', '--feedback-comment-days', '30'],
      });
      const adm = addUser(srv, 'adm', PW, ['name=Admin', 'role=admin']);
      people.admin = new Browser(srv.base);
      assert.equal((await staffLogin(people.admin, 'adm', PW, adm.key)).status, 303);
      addUser(srv, 'riga', PW, ['name=Riga Editor', 'role=institution', 'institution=riga']);
      addUser(srv, 'nva', PW, ['name=NVA Editor', 'role=institution', 'institution=nva']);
      addUser(srv, 'cons', PW, ['name=Consultant', 'role=consultant']);
      for (const who of ['riga', 'nva', 'cons']) {
        people[who] = new Browser(srv.base);
        assert.equal((await staffLogin(people[who], who, PW)).status, 303, who);
      }
      if (be.name === 'SQLite') { // citizenSession writes SQLite
        people.citizen = new Browser(srv.base);
        people.citizen.jar.set('epak_session', citizenSession(srv));
      }
    });
    after(async () => { await srv.stop(); });

    test('the cached service page carries the widget without a token; the e-service asks both questions', async () => {
      const e = await fetch(`${srv.base}/pakalpojumi/${ESVC}`);
      const html = await e.text();
      assert.equal(e.status, 200);
      assert.equal(e.headers.get('set-cookie'), null, 'a cached page sets no cookie');
      assert.match(html, new RegExp(`<form method="get" action="/pakalpojumi/${ESVC}/atsauksme">`));
      assert.match(html, /name="noderiga" value="ja"/);
      assert.match(html, /name="atviegloja" value="ja"/);
      assert.doesNotMatch(html, /name="_csrf"/);
      const s = await (await fetch(`${srv.base}/pakalpojumi/${SVC}`)).text();
      assert.match(s, /name="noderiga" value="ne"/);
      assert.doesNotMatch(s, /name="atviegloja"/, 'not an e-service: one question');
      const en = await (await fetch(`${srv.base}/en/pakalpojumi/${ESVC}`)).text();
      assert.match(en, new RegExp(`action="/en/pakalpojumi/${ESVC}/atsauksme"`));
      // the form page: the answer preselected, a token, nothing stored by a GET
      const b = new Browser(srv.base);
      const f = await b.get(`/pakalpojumi/${ESVC}/atsauksme?noderiga=ne`);
      assert.equal(f.status, 200);
      assert.match(f.html, /name="noderiga" value="ne" checked/);
      assert.match(f.html, /name="_csrf" value="[A-Za-z0-9_-]{43}"/);
      assert.equal((await b.get(`/pakalpojumi/${ESVC}/atsauksme?noderiga=varbut`)).status, 400);
      assert.equal((await b.get('/pakalpojumi/nav-tada/atsauksme?noderiga=ja')).status, 404);
      assert.equal(sql('SELECT count(*) FROM service_feedback'), '0');
    });

    test('answers with a comment are stored once, routed to the owner, and thanked', async () => {
      const b = new Browser(srv.base);
      let res = await answer(b, ESVC, { noderiga: 'ja', atviegloja: 'ne', komentars: 'Trūkst informācijas par termiņiem' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `/pakalpojumi/${ESVC}/atsauksme/paldies`);
      const thanks = await b.get(res.headers.get('location'));
      assert.equal(thanks.status, 200);
      assert.doesNotMatch(thanks.html.slice(thanks.html.indexOf('<main')), /\b\d+ (atbild|answer)/i, 'no counts shown');
      assert.equal(sql(`SELECT question || ':' || answer || ':' || institution || ':' || comment FROM service_feedback WHERE service = '${ESVC}' ORDER BY id`),
        'useful:1:riga:Trūkst informācijas par termiņiem\neasier:0:riga:');
      // not an e-service: the second question is not taken
      res = await answer(b, SVC, { noderiga: 'ne', atviegloja: 'ja', komentars: '' }, { query: 'noderiga=ne' });
      assert.equal(res.status, 303);
      assert.equal(sql(`SELECT question || ':' || answer FROM service_feedback WHERE service = '${SVC}'`), 'useful:0');
      // another institution's e-service, in English
      res = await b.post(`/en/pakalpojumi/${OTHER}/atsauksme`, { atviegloja: 'ja', komentars: 'Ļoti ērti — NVA' },
        { formPath: `/en/pakalpojumi/${OTHER}/atsauksme?atviegloja=ja`, headers: { 'x-forwarded-for': nextNet() } });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `/en/pakalpojumi/${OTHER}/atsauksme/paldies`);
      assert.equal(sql(`SELECT institution || ':' || lang || ':' || question FROM service_feedback WHERE service = '${OTHER}'`), 'nva:en:easier');
    });

    test('a refused answer stores nothing and keeps what was typed', async () => {
      const before = sql('SELECT count(*) FROM service_feedback');
      const b = new Browser(srv.base);
      let res = await answer(b, ESVC, { komentars: 'bez atbildes' });
      assert.equal(res.status, 422, 'no answer chosen');
      assert.match(res.html, /bez atbildes/);
      res = await answer(b, ESVC, { noderiga: 'ja', komentars: 'x'.repeat(1001) });
      assert.equal(res.status, 422, 'a comment over 1000 characters');
      res = await answer(b, ESVC, { noderiga: 'varbut' });
      assert.equal(res.status, 422);
      res = await b.post(`/pakalpojumi/${ESVC}/atsauksme`, { noderiga: 'ja' }, { token: 'x'.repeat(43) });
      assert.equal(res.status, 403, 'a wrong CSRF token');
      const bare = await fetch(`${srv.base}/pakalpojumi/${ESVC}/atsauksme`, {
        method: 'POST', redirect: 'manual', body: 'noderiga=ja', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(bare.status, 403, 'no cookie, no token');
      res = await answer(b, ESVC, { noderiga: 'ja', website: 'http://spam.example' });
      assert.equal(res.status, 303, 'a bot is thanked');
      assert.equal(sql('SELECT count(*) FROM service_feedback'), before);
    });

    test('the flood budget holds one network while others are served', async () => {
      const flood = '10.66.66.1';
      const codes = [];
      const b = new Browser(srv.base);
      for (let i = 0; i < 8; i++) codes.push((await answer(b, SVC, { noderiga: 'ja' }, { xff: flood })).status);
      assert.deepEqual(codes, [303, 303, 303, 303, 303, 429, 429, 429]);
      // the same network's neighbour (/24) is the same network
      assert.equal((await answer(new Browser(srv.base), SVC, { noderiga: 'ja' }, { xff: '10.66.66.200' })).status, 429);
      // a person elsewhere gets through meanwhile
      assert.equal((await answer(new Browser(srv.base), SVC, { noderiga: 'ja' }, { xff: '10.77.1.1' })).status, 303);
      const page = await b.get(`/pakalpojumi/${SVC}`);
      assert.equal(page.status, 200, 'the service page is still served to the flooding network');
    });

    test('the dashboard: the ministry sees everything, an institution only its own', async () => {
      let res = await people.admin.get('/birojs/atsauksmes');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('cache-control'), /no-store/);
      assert.match(res.html, /<svg [^>]*role="img"/);
      assert.match(res.html, /<title id="chart-useful-t">/);
      assert.match(res.html, /<caption>/);
      assert.match(res.html, /<th scope="row">/);
      assert.match(res.html, /Trūkst informācijas par termiņiem/);
      assert.match(res.html, /Ļoti ērti — NVA/);
      res = await people.admin.get('/birojs/atsauksmes?iestade=nva&periods=nedela');
      assert.equal(res.status, 200);
      assert.doesNotMatch(res.html, /Trūkst informācijas/);
      assert.match(res.html, /Ļoti ērti — NVA/);

      res = await people.riga.get('/birojs/atsauksmes');
      assert.equal(res.status, 200);
      assert.match(res.html, /Trūkst informācijas par termiņiem/);
      assert.doesNotMatch(res.html, /Ļoti ērti — NVA/);
      assert.doesNotMatch(res.html, /value="nva"/, 'no other institution to choose');
      for (const p of ['/birojs/atsauksmes?iestade=nva', '/birojs/atsauksmes.csv?iestade=nva', '/birojs/atsauksmes?iestade=nav-tadas']) {
        res = await people.riga.get(p);
        assert.equal(res.status, 403, p);
        assert.doesNotMatch(res.html, /Ļoti ērti/);
      }
      res = await people.nva.get('/birojs/atsauksmes');
      assert.match(res.html, /Ļoti ērti — NVA/);
      assert.doesNotMatch(res.html, /Trūkst informācijas/);
      assert.equal((await people.admin.get('/birojs/atsauksmes?periods=gads')).status, 400);
      // a filter typed by hand stays one escaped query value in the CSV link
      res = await people.admin.get('/birojs/atsauksmes?iestade=a%26periods%3Dx');
      assert.equal(res.status, 200);
      assert.match(res.html, /href="\/birojs\/atsauksmes\.csv\?periods=menesis&amp;iestade=a%26periods%3Dx"/);
    });

    test('handled: the owner toggles it (audited), another institution cannot', async () => {
      const id = sql(`SELECT id FROM service_feedback WHERE service = '${ESVC}' AND comment <> ''`);
      const nvaId = sql(`SELECT id FROM service_feedback WHERE service = '${OTHER}'`);
      let res = await people.riga.post(`/birojs/atsauksmes/${id}/apstradats`, { handled: '1', iestade: 'riga' }, { formPath: '/birojs/atsauksmes' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/birojs/atsauksmes?iestade=riga#comments');
      assert.equal(sql(`SELECT handled FROM service_feedback WHERE id = ${id}`), '1');
      assert.match(sql("SELECT detail FROM audit_log WHERE action = 'feedback-handled'"), new RegExp(`id=${id} institution=riga`));
      res = await people.riga.post(`/birojs/atsauksmes/${nvaId}/apstradats`, { handled: '1' }, { formPath: '/birojs/atsauksmes' });
      assert.equal(res.status, 403, 'a guessed id of another institution');
      assert.equal(sql(`SELECT handled FROM service_feedback WHERE id = ${nvaId}`), '0');
      res = await people.riga.post('/birojs/atsauksmes/999999/apstradats', { handled: '1' }, { formPath: '/birojs/atsauksmes' });
      assert.equal(res.status, 404);
      res = await people.cons.post(`/birojs/atsauksmes/${id}/apstradats`, { handled: '0' }, { formPath: '/birojs' });
      assert.equal(res.status, 403, 'a consultant');
      res = await people.admin.post(`/birojs/atsauksmes/${nvaId}/apstradats`, { handled: '1' }, { formPath: '/birojs/atsauksmes' });
      assert.equal(res.status, 303, 'the ministry may');
      assert.equal(sql(`SELECT handled FROM service_feedback WHERE id = ${nvaId}`), '1');
    });

    test('the CSV says the same figures and is formula-safe', async () => {
      // the ministry's figures are kept until the next answer: counted now,
      // then a new answer must show in the next CSV
      assert.equal((await people.admin.get('/birojs/atsauksmes.csv')).status, 200);
      // a row whose service key a spreadsheet would read as a formula
      sql(`INSERT INTO service_feedback (created_at, day, month, lang, service, service_iri, institution, question, answer, comment) VALUES (${Math.floor(Date.now() / 1000)}, ${Math.floor(Date.now() / 86400000)}, '${new Date().toISOString().slice(0, 7)}', 'lv', '=HYPERLINK(\"http://evil\")', '', 'riga', 'useful', 1, '')`);
      const res = await people.admin.get('/birojs/atsauksmes.csv');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
      assert.match(res.headers.get('content-disposition'), /attachment; filename="epak-feedback.csv"/);
      const lines = res.html.trim().split('\r\n');
      assert.equal(lines[0], 'section,key,name,question,yes,answers,yes_percent');
      assert.ok(!lines.some((l) => /(^|,)"?[=+\-@]/.test(l.replace(/^"[^"]*",/, ''))), 'no cell starts with = + - @');
      assert.ok(lines.some((l) => l.includes("'=HYPERLINK")), 'the formula is quoted');
      const useful = Number(sql("SELECT count(*) FROM service_feedback WHERE question = 'useful' AND institution = 'riga'"));
      const yes = Number(sql("SELECT sum(answer) FROM service_feedback WHERE question = 'useful' AND institution = 'riga'"));
      const row = lines.find((l) => /^"?institution"?,"?riga"?,.*useful/.test(l));
      assert.ok(row, 'riga has a row');
      const cells = row.split(',');
      assert.equal(Number(cells[4]), yes);
      assert.equal(Number(cells[5]), useful);
      assert.equal(Number(cells[6]), Math.round((yes * 100) / useful));
      // the month's figures sum to the same as the institutions'
      const month = lines.filter((l) => /^"?month"?,/.test(l) && /,"?useful"?,/.test(l)).reduce((n, l) => n + Number(l.split(',')[5]), 0);
      assert.equal(month, Number(sql("SELECT count(*) FROM service_feedback WHERE question = 'useful'")));
      const rigaCsv = await people.riga.get('/birojs/atsauksmes.csv');
      assert.equal(rigaCsv.status, 200);
      assert.doesNotMatch(rigaCsv.html, /nva/, 'an editor\'s CSV has only their institution');
    });

    test('anonymous, citizens and the wrong role are refused on the dashboard routes', async () => {
      const anon = new Browser(srv.base);
      for (const p of ['/birojs/atsauksmes', '/birojs/atsauksmes.csv']) {
        const res = await anon.get(p);
        assert.equal(res.status, 303, p);
        assert.match(res.headers.get('location'), /^\/pieteikties\?next=/);
        assert.equal((await people.cons.get(p)).status, 403, `consultant ${p}`);
        if (people.citizen) assert.equal((await people.citizen.get(p)).status, 403, `citizen ${p}`);
      }
      const id = sql('SELECT min(id) FROM service_feedback');
      const res = await anon.post(`/birojs/atsauksmes/${id}/apstradats`, { handled: '1' }, { formPath: '/atsauksmes' });
      assert.notEqual(res.status, 200);
      assert.ok([303, 403].includes(res.status));
    });

    test('comments are emptied after feedback-comment-days; the answers stay', async () => {
      const b = new Browser(srv.base);
      assert.equal((await answer(b, SVC, { noderiga: 'ja', komentars: 'Mans tālrunis 20000000' })).status, 303);
      const id = sql("SELECT id FROM service_feedback WHERE comment = 'Mans tālrunis 20000000'");
      const fresh = sql("SELECT id FROM service_feedback WHERE comment = 'Trūkst informācijas par termiņiem'");
      sql(`UPDATE service_feedback SET created_at = created_at - 31 * 86400 WHERE id = ${id}`);
      await waitFor(() => sql(`SELECT comment FROM service_feedback WHERE id = ${id}`) === '', 'the purge');
      assert.equal(sql(`SELECT answer FROM service_feedback WHERE id = ${id}`), '1', 'the answer stays');
      assert.equal(sql(`SELECT comment FROM service_feedback WHERE id = ${fresh}`), 'Trūkst informācijas par termiņiem');
    });

    test('the campaign variant of /atsauksmes for institutions, and the old form still works', async () => {
      const b = new Browser(srv.base);
      const page = await b.get('/atsauksmes');
      assert.match(page.html, /href="\/atsauksmes\/iestadem"/);
      const form = await b.get('/atsauksmes/iestadem');
      assert.equal(form.status, 200);
      assert.match(form.html, /name="emark"/);
      assert.match(form.html, /name="staff_ready"/);
      let res = await b.post('/atsauksmes/iestadem', { message: 'Nav skaidrs' });
      assert.equal(res.status, 422);
      assert.match(res.html, /Nav skaidrs/);
      res = await b.post('/atsauksmes/iestadem', { emark: 'no', staff_ready: 'partly', message: 'Trūkst uzlīmju' }, { headers: { 'x-forwarded-for': nextNet() } });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/atsauksmes/paldies');
      assert.equal(sql("SELECT topic || ':' || role || ':' || emark || ':' || staff_ready || ':' || message FROM feedback"),
        'campaign:institution:no:partly:Trūkst uzlīmju');
      res = await b.post('/atsauksmes', { topic: 'portal', message: 'Lapa ir ļoti noderīga, paldies!' });
      assert.equal(res.status, 303);
      assert.equal(sql('SELECT count(*) FROM feedback'), '2');
    });
  });
}
