// tests/e2e/searchtune.test.js — search tuning in the back office
// (/birojs/meklesana): an administrator edits synonyms, previews the
// difference, saves, and the search answers differently without a restart
// (and, on PostgreSQL, on a second node sharing the database); invalid data
// is refused naming the line; the evaluation run from the page shows the
// same MRR@10 per class as `epak search-eval`; zero-result queries are
// counted without personal data and within their row budget; and only
// administrators get in.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startServer, sqlite, psql, bin, root } from '../lib/server.js';
import { Browser, addUser, staffLogin, citizenSession } from '../lib/auth.js';

const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const catalog = path.join(shared, 'testdata/catalog-lv/catalog.jsonld');
const queries = ['queries-dev.tsv', 'queries-situations-dev.tsv'].map((f) => path.join(shared, 'testdata/catalog-lv', f));
const PW = 'correct horse battery staple';
const PAGE = '/birojs/meklesana';
const EN = `/en${PAGE}`; // the page's text in English for the assertions
const WORD = 'zzkvadrātpase'; // found nowhere in the catalog
const ZERO_ROWS = 25;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function total(base, q, limit = 5) {
  const res = await fetch(`${base}/api/v1/search?q=${encodeURIComponent(q)}&limit=${limit}`);
  return (await res.json()).total;
}

// One login per suite: a TOTP code is accepted once.
const admins = new Map();
async function adminBrowser(srv, admin) {
  if (!admins.has(admin)) {
    const b = new Browser(srv.base);
    const res = await staffLogin(b, 'admin', PW, admin.key);
    assert.equal(res.status, 303);
    admins.set(admin, b);
  }
  const b = admins.get(admin);
  b.base = srv.base;
  return b;
}

// The synonyms text as the page shows it (the file's, or the edited one).
function textarea(html) {
  const m = html.match(/<textarea id="teksts"[^>]*>([\s\S]*?)<\/textarea>/);
  assert.ok(m, 'the editor is on the page');
  return m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

function evalTable(html, file) {
  const i = html.indexOf(`<caption>${file}</caption>`);
  assert.ok(i > 0, `the evaluation of ${file} is shown`);
  const table = html.slice(i, html.indexOf('</table>', i));
  return [...table.matchAll(/<th scope="row">([^<]+)<\/th><td>(\d+)<\/td><td>([\d.]+)<\/td><td>([\d.]+)<\/td>/g)]
    .map((m) => ({ cls: m[1], n: +m[2], mrr: m[3], s1: m[4] }));
}

function cliEval(file) {
  const out = execFileSync(process.env.EPAK_REL_BIN || bin, ['search-eval', '--catalog', catalog, '--queries', file,
    '--data', path.join(root, 'data/search')], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  return [...out.matchAll(/^(\S+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+[\d.]+$/mg)]
    .map((m) => ({ cls: m[1], n: +m[2], mrr: m[3], s1: m[4] }));
}

async function editAndSave(b, base, line, q) {
  b.base = base;
  const page = await b.get(`${EN}?kopa=synonyms`);
  assert.equal(page.status, 200);
  const text = `${textarea(page.html)}\n${line}\n`;
  const pv = await b.post(EN, { kopa: 'synonyms', teksts: text, q, darbiba: 'preview' }, { formPath: EN });
  assert.equal(pv.status, 200);
  return { text, pv };
}

function suite(kind, makeServers) {
  describe(kind, () => {
    let nodes = [];
    let admin;
    let db;

    before(async () => {
      ({ nodes, db } = await makeServers());
      admin = addUser(nodes[0], 'admin', PW, ['name=Admin Searcher', 'role=admin']);
      addUser(nodes[0], 'inst', PW, ['name=Inst Editor', 'role=institution', 'institution=vid']);
      addUser(nodes[0], 'cons', PW, ['name=Cons Ultant', 'role=consultant']);
    });

    after(async () => {
      for (const n of nodes) await n.stop();
    });

    test('anonymous visitors go to the login page, others without the role get 403', async () => {
      const anon = new Browser(nodes[0].base);
      const res = await anon.get(PAGE);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `/pieteikties?next=${PAGE}`);
      const en = await anon.get(`/en${PAGE}`);
      assert.equal(en.headers.get('location'), `/en/pieteikties?next=/en${PAGE}`);
      // a POST without a session (its CSRF token from a public form)
      const post = await anon.post(PAGE, { kopa: 'synonyms', teksts: 'a\tb', darbiba: 'save' }, { formPath: '/atsauksmes' });
      assert.equal(post.status, 303);
      for (const login of ['inst', 'cons']) {
        const b = new Browser(nodes[0].base);
        assert.equal((await staffLogin(b, login, PW)).status, 303);
        assert.equal((await b.get(PAGE)).status, 403, `${login}: page`);
        for (const [p, fields] of [[PAGE, { kopa: 'synonyms', teksts: `${WORD}\tpase`, darbiba: 'save' }],
          [`${PAGE}/atjaunot`, { kopa: 'synonyms', versija: '1' }], [`${PAGE}/novertet`, {}]]) {
          const r = await b.post(p, fields, { formPath: '/birojs' });
          assert.equal(r.status, 403, `${login}: POST ${p}`);
        }
      }
      if (kind === 'SQLite') {
        const b = new Browser(nodes[0].base);
        b.jar.set('epak_session', citizenSession(nodes[0]));
        assert.equal((await b.get(PAGE)).status, 403, 'citizen');
        const r = await b.post(PAGE, { kopa: 'synonyms', teksts: 'x\ty', darbiba: 'save' }, { formPath: '/profils' });
        assert.equal(r.status, 403, 'citizen POST');
      }
      const rows = kind === 'SQLite' ? sqlite(db, 'SELECT count(*) FROM search_data') : psql(db, 'SELECT count(*) FROM search_data');
      assert.equal(String(rows).trim(), '0', 'nothing was saved by anyone without the role');
    });

    test('the evaluation run from the page shows the MRR@10 per class that epak search-eval prints', async () => {
      const b = await adminBrowser(nodes[0], admin);
      const page = await b.get(EN);
      assert.match(page.html, /Run the evaluation/);
      assert.match((await b.get(PAGE)).html, /Palaist novērtējumu/, 'in Latvian too');
      const res = await b.post(`${EN}/novertet`, {}, { formPath: EN });
      assert.equal(res.status, 303);
      const shown = await b.get(EN);
      assert.match(shown.html, /Last run:/);
      for (const file of queries) {
        const want = cliEval(file);
        assert.ok(want.length > 1, 'the command printed classes');
        assert.deepEqual(evalTable(shown.html, path.basename(file)), want);
      }
    });

    test('an edited synonym: the preview shows the difference, saved it answers without a restart', async () => {
      assert.equal(await total(nodes[0].base, WORD), 0);
      const b = await adminBrowser(nodes[0], admin);
      const { text, pv } = await editAndSave(b, nodes[0].base, `${WORD}\t=>\tpase`, WORD);
      const before = pv.html.slice(pv.html.indexOf('<caption>Now</caption>'), pv.html.indexOf('<caption>After the change</caption>'));
      const afterPart = pv.html.slice(pv.html.indexOf('<caption>After the change</caption>'));
      assert.doesNotMatch(before, /<td>1<\/td>/, 'nothing now');
      assert.match(before, /Nothing found/);
      assert.match(afterPart, /<td>1<\/td>/, 'results after the change');
      assert.match(pv.html, /The change alters the results of this query/);
      assert.equal(await total(nodes[0].base, WORD), 0, 'a preview saves nothing');
      const saved = await b.post(EN, { kopa: 'synonyms', teksts: text, q: WORD, darbiba: 'save' }, { formPath: EN });
      assert.equal(saved.status, 303);
      for (const n of nodes) await until(`the new synonym on ${n.base}`, async () => (await total(n.base, WORD)) > 0);
      const again = await b.get(`${EN}?kopa=synonyms`);
      assert.match(again.html, /Edited in the back office:/);
      assert.ok(textarea(again.html).includes(`${WORD}\t=>\tpase`));
      const q = kind === 'SQLite' ? sqlite(db, "SELECT action FROM audit_log WHERE action LIKE 'search-data%'")
        : psql(db, "SELECT action FROM audit_log WHERE action LIKE 'search-data%'");
      assert.match(q, /search-data-saved/);

      // undo: restore the previous version (the file), and the search forgets it
      const hist = again.html.match(/name="versija" value="(\d+)"/g);
      assert.equal(hist, null, 'the only version is the current one');
      const file = await b.post(EN, { kopa: 'synonyms', teksts: '', darbiba: 'file' }, { formPath: EN });
      assert.equal(file.status, 303);
      for (const n of nodes) await until(`the file again on ${n.base}`, async () => (await total(n.base, WORD)) === 0);
      const back = await b.get(`${EN}?kopa=synonyms`);
      const ver = back.html.match(/name="versija" value="(\d+)"/);
      assert.ok(ver, 'the edited version can be restored');
      const r = await b.post(`${EN}/atjaunot`, { kopa: 'synonyms', versija: ver[1] }, { formPath: EN });
      assert.equal(r.status, 303);
      await until('the restored synonym', async () => (await total(nodes[0].base, WORD)) > 0);
    });

    test('invalid data is refused naming the line, and nothing is saved', async () => {
      const b = await adminBrowser(nodes[0], admin);
      const page = await b.get(`${EN}?kopa=synonyms`);
      const good = textarea(page.html);
      const lines = good.split('\n').length;
      const bad = `${good}\nviens divi trīs četri pieci seši septiņi astoņi deviņi\tx\n`;
      const rowsBefore = kind === 'SQLite' ? sqlite(db, 'SELECT count(*) FROM search_data_history')
        : psql(db, 'SELECT count(*) FROM search_data_history');
      const res = await b.post(EN, { kopa: 'synonyms', teksts: bad, darbiba: 'save' }, { formPath: EN });
      assert.equal(res.status, 422);
      assert.match(res.html, new RegExp(`Line ${lines + 1}, field 1: more than 8 words in a phrase`));
      assert.ok(textarea(res.html).includes('deviņi'), 'the editor keeps what was typed');
      const lv = await b.post(PAGE, { kopa: 'synonyms', teksts: bad, darbiba: 'save' }, { formPath: PAGE });
      assert.match(lv.html, new RegExp(`${lines + 1}\\. rinda, 1\\. lauks: frāzē ir vairāk nekā 8 vārdi`));
      const one = await b.post(EN, { kopa: 'best-bets', teksts: 'pase\n', darbiba: 'save' }, { formPath: EN });
      assert.equal(one.status, 422);
      assert.match(one.html, /Line 1: expected QUERY&lt;TAB&gt;SERVICE-ID/);
      const lex = await b.post(`/en${PAGE}`, { kopa: 'lexicon', teksts: 'form-only\n', darbiba: 'preview', q: 'pase' }, { formPath: `/en${PAGE}` });
      assert.equal(lex.status, 422);
      assert.match(lex.html, /Line 1: expected FORM&lt;TAB&gt;LEMMA/);
      const rowsAfter = kind === 'SQLite' ? sqlite(db, 'SELECT count(*) FROM search_data_history')
        : psql(db, 'SELECT count(*) FROM search_data_history');
      assert.equal(rowsAfter, rowsBefore, 'nothing half-saved');
      assert.ok(await total(nodes[0].base, WORD) > 0, 'the search still answers with the saved data');
    });

    test('a lexicon addition is previewed by building an index in the worker pool', async () => {
      const b = await adminBrowser(nodes[0], admin);
      const res = await b.post(EN, { kopa: 'lexicon', teksts: `${WORD}\tpase\n`, q: WORD, darbiba: 'preview' }, { formPath: EN });
      assert.equal(res.status, 200);
      assert.match(res.html, /A whole search index was built for this preview/);
      // the per-person budget of whole-index previews (limit-search-preview 3; the refused lexicon of the test before took one)
      const second = await b.post(EN, { kopa: 'lexicon', teksts: `${WORD}\tpase\n`, q: WORD, darbiba: 'preview' }, { formPath: EN });
      assert.equal(second.status, 200);
      const third = await b.post(EN, { kopa: 'lexicon', teksts: `${WORD}\tpase\n`, q: WORD, darbiba: 'preview' }, { formPath: EN });
      assert.equal(third.status, 429);
      assert.match(third.html, /many lexicon previews this hour/);
      // a preview without a query only checks the text, and costs nothing
      const none = await b.post(EN, { kopa: 'lexicon', teksts: `${WORD}\tpase\n`, darbiba: 'preview' }, { formPath: EN });
      assert.equal(none.status, 200);
      assert.match(none.html, /The text reads without errors/);
    });

    test('zero-result queries are counted, personal-looking ones are not, the row budget holds', async () => {
      const base = nodes[0].base;
      const q = 'zqxwv blōrft';
      for (let i = 0; i < 3; i++) assert.equal(await total(base, q), 0);
      const personal = ['anna@example.lv', '120389-12345', '+371 29 123 456', 'konts LV80BANK0000435195001',
        'izziņa 3203891234 5', 'ａｎｎａ＠example.lv'];
      for (const p of personal) await fetch(`${base}/meklet?q=${encodeURIComponent(p)}`);
      const sql = (s) => String(kind === 'SQLite' ? sqlite(db, s) : psql(db, s)).trim();
      // the repeats may come from the page cache (per event-loop thread): counted where computed
      await until('the count', async () => Number(sql(`SELECT count FROM search_zero WHERE query = '${q}'`) || 0) >= 1);
      const stored = sql('SELECT query FROM search_zero');
      for (const p of personal) assert.ok(!stored.includes(p.slice(0, 6)), `not recorded: ${p}`);
      assert.doesNotMatch(stored, /@|＠|\d{6}/);
      // a flood of random queries fills the budget once, and no further
      for (let i = 0; i < ZERO_ROWS * 3; i++) await total(base, `zq${crypto.randomBytes(6).toString('hex').replace(/\d/g, 'x')}`);
      await until('the flood flushed', async () => Number(sql('SELECT count(*) FROM search_zero')) >= ZERO_ROWS);
      await sleep(2500);
      assert.equal(Number(sql('SELECT count(*) FROM search_zero')), ZERO_ROWS);
      // a known query still counts
      const was = Number(sql(`SELECT count FROM search_zero WHERE query = '${q}'`));
      await total(base, `  ZQXWV   Blōrft `, 7); // another cache key, the same normalised query
      await until('the known query counted', async () => Number(sql(`SELECT count FROM search_zero WHERE query = '${q}'`)) > was);
      // the page lists it, most frequent first, with a preview link and the synonym shortcut
      const b = await adminBrowser(nodes[0], admin);
      const page = await b.get(EN);
      const zero = page.html.slice(page.html.indexOf('id="zero"'));
      const listed = [...zero.matchAll(/<tr><td>([^<]+)<\/td><td>(\d+)<\/td>/g)].map((m) => [m[1], +m[2]]);
      assert.ok(listed.some(([query]) => query === q), 'the query is listed');
      const counts = listed.map(([, n]) => n);
      assert.deepEqual(counts, [...counts].sort((x, y) => y - x), 'the most frequent first');
      assert.ok(counts[0] >= 2);
      const link = page.html.match(/href="([^"]*kopa=synonyms&amp;sinonims=zqxwv[^"]*#add)"/);
      assert.ok(link, 'the synonym shortcut');
      const add = await b.get(link[1].replace(/&amp;/g, '&'));
      assert.match(add.html, new RegExp(`id="no" name="no" value="${q}"`));
      const pv = await b.post(EN, { kopa: 'synonyms', teksts: textarea(add.html), no: q, uz: 'pase', darbiba: 'preview' }, { formPath: EN });
      assert.equal(pv.status, 200);
      assert.ok(textarea(pv.html).endsWith(`${q}\tpase\n`));
      assert.match(pv.html, /The change alters the results of this query/);
    });
  });
}

suite('SQLite', async () => {
  const srv = await startServer({ imports: [catalog], extra: ['--search-eval-queries', queries.join(','), '--search-zero-rows', String(ZERO_ROWS), '--limit-search-preview', '3'] });
  return { nodes: [srv], db: path.join(srv.data, 'epak.db') };
});

const pgUrl = process.env.EPAK_TEST_PG_URL;
if (!pgUrl) {
  test('PostgreSQL is available', { skip: !process.env.EPAK_TEST_REQUIRE_PG && 'EPAK_TEST_PG_URL is not set' },
    () => assert.fail('EPAK_TEST_PG_URL is not set'));
} else {
  suite('PostgreSQL, two nodes', async () => {
    psql(pgUrl, 'DROP DATABASE IF EXISTS epak_e2e_searchtune');
    psql(pgUrl, 'CREATE DATABASE epak_e2e_searchtune');
    const db = pgUrl.replace(/\/[^/?]*(\?|$)/, '/epak_e2e_searchtune$1');
    const secret = crypto.randomBytes(32);
    const extra = ['--search-eval-queries', queries.join(','), '--search-zero-rows', String(ZERO_ROWS), '--limit-search-preview', '3'];
    const one = await startServer({ db, secret, imports: [catalog], extra });
    const two = await startServer({ db, secret, extra });
    return { nodes: [one, two], db };
  });
}
