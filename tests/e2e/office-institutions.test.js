// tests/e2e/office-institutions.test.js — institutions in the back office
// (issue 11, point 3) against a real server with the demo catalog: an
// administrator creates and edits an institution and its contact points,
// the public pages follow when the read model refreshes, the "ē!" mark
// with its date reaches /e-zime, staff are assigned and can then log in to
// their institution, bad and hostile input is refused with a message beside
// each field and nothing saved, `epak export` still passes the CPSV-AP
// SHACL shapes after the edits, and nobody but an administrator may read
// or post any of it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import rdf from '@zazuko/env-node';
import SHACLValidator from 'rdf-validate-shacl';
import crypto from 'node:crypto';
import { startServer, sqlite, psql, bin, root } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const LVA = 'http://publications.europa.eu/resource/authority/country/LVA';
const pgUrl = process.env.EPAK_TEST_PG_URL;

const PAGES = ['/birojs/iestades', '/birojs/iestades/jauna', '/birojs/iestades/vid', '/birojs/iestades/nav-tadas'];
const POSTS = [
  ['/birojs/iestades/jauna', { identifier: 'ielauzies', name_lv: 'Ielauzies', level: 'state', spatial: LVA }],
  ['/birojs/iestades/vid', { name_lv: 'Uzlauzts', level: 'state', spatial: LVA }],
  ['/birojs/iestades/vid/darbinieki', { login: 'mallory' }],
  ['/birojs/iestades/vid/darbinieki/nonemt', { account: '1' }],
  ['/birojs/iestades/vid/parskatisana', { review: '1' }],
];

// The fields of a new institution, with overrides.
function fields(over = {}) {
  return {
    identifier: 'parbaudes-iestade',
    name_lv: 'Pārbaudes iestāde',
    name_en: 'Test Agency',
    alt_lv: 'PI, PārbI',
    alt_en: 'TA',
    level: 'state',
    homepage: 'https://www.example.lv/',
    address_lv: 'Brīvības iela 1, Rīga, LV-1010',
    address_en: '1 Brivibas Street, Riga',
    spatial: LVA,
    k0_title_lv: 'Klientu centrs',
    k0_title_en: 'Client centre',
    k0_phone1: '+371 67 000 001',
    k0_email1: 'pasts@example.lv',
    k0_page: 'https://www.example.lv/kontakti',
    k0_hours_lv: 'P.–Pk. 8:30–17:00',
    k0_hours_en: 'Mon–Fri 8:30–17:00',
    ...over,
  };
}

// Saves an institution's form as a browser does: the version and CSRF
// token of the page it was opened from, then the fields.
async function save(b, slug, f, prefix = '') {
  const form = await b.get(`${prefix}/birojs/iestades/${slug}`);
  const csrf = form.html.match(/name="_csrf" value="([^"]+)"/)[1];
  const version = form.html.match(/name="version" value="([0-9a-f]{64})"/)[1];
  return b.post(`${prefix}/birojs/iestades/${slug}`, { version, ...f }, { token: csrf });
}

async function poll(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A citizen's session made directly in the database (citizens log in
// with tests of their own).
function citizenSession(q) {
  const token = crypto.randomBytes(32).toString('base64url');
  const id = crypto.createHash('sha256').update(token).digest('hex');
  const now = Math.floor(Date.now() / 1000);
  q(`INSERT INTO account (kind, display_name, pno_hash, created_at) VALUES ('citizen', 'ANNA BĒRZIŅA', 'test:anna', ${now})`);
  const acc = q("SELECT id FROM account WHERE pno_hash = 'test:anna'");
  q(`INSERT INTO login_session (id, account_id, method, created_at, seen_at, expires_at) VALUES ('${id}', ${acc}, 'webeid', ${now}, ${now}, ${now + 3600})`);
  return token;
}

for (const engine of ['sqlite', 'postgresql']) describe(`institutions in the back office (${engine})`, () => {
  if (engine === 'postgresql' && !pgUrl) {
    test('PostgreSQL is available', { skip: !process.env.EPAK_TEST_REQUIRE_PG && 'EPAK_TEST_PG_URL is not set' },
      () => assert.fail('EPAK_TEST_PG_URL is not set'));
    return;
  }
  let srv;
  let admin;
  let a; // the administrator's browser
  let dbUrl = null;
  const q = (sql) => (dbUrl ? psql(dbUrl, sql) : sqlite(path.join(srv.data, 'epak.db'), sql));
  const dbArgs = () => (dbUrl ? ['--db', dbUrl] : []);
  const revision = () => q('SELECT value FROM revision WHERE id = 1');
  const audit = (action) => q(`SELECT detail FROM audit_log WHERE action = '${action}' ORDER BY id`).split('\n').filter(Boolean);
  const pub = (p) => fetch(srv.base + p).then(async (r) => ({ status: r.status, html: await r.text() }));

  before(async () => {
    if (engine === 'postgresql') {
      psql(pgUrl, 'DROP DATABASE IF EXISTS epak_e2e_inst');
      psql(pgUrl, 'CREATE DATABASE epak_e2e_inst');
      dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, '/epak_e2e_inst$1');
    }
    srv = await startServer({ db: dbUrl, imports: [path.join(root, 'data/catalog.jsonld')], extra: ['--limit-login-network', '100000'] });
    admin = addUser(srv, 'anna', PW, ['name=Anna Bērziņa', 'role=admin']);
    addUser(srv, 'inga', PW, ['name=Inga Editor', 'role=institution', 'institution=vid']);
    addUser(srv, 'juris', PW, ['name=Juris Kalns', 'role=consultant']);
    addUser(srv, 'ilze', PW, ['name=Ilze Jaunā']);
    a = new Browser(srv.base);
    const res = await staffLogin(a, 'anna', PW, admin.key);
    assert.equal(res.status, 303);
  });
  after(async () => { await srv?.stop(); });

  test('anonymous visitors go to the login page, for every page and form', async () => {
    const b = new Browser(srv.base);
    for (const p of PAGES) {
      const res = await b.get(p);
      assert.equal(res.status, 303, p);
      assert.match(res.headers.get('location'), /^\/pieteikties\?next=/, p);
    }
    const csrf = (await b.get('/atsauksmes')).html.match(/name="_csrf" value="([^"]+)"/)[1];
    for (const [p, f] of POSTS) {
      const res = await b.post(p, f, { token: csrf });
      assert.equal(res.status, 303, p);
      assert.match(res.headers.get('location'), /^\/pieteikties/, p);
    }
  });

  test('a citizen, an institution editor and a consultant get 403 for every page and form', async () => {
    const citizen = new Browser(srv.base);
    citizen.jar.set('epak_session', citizenSession(q));
    const editor = new Browser(srv.base);
    assert.equal((await staffLogin(editor, 'inga', PW)).status, 303);
    const consultant = new Browser(srv.base);
    assert.equal((await staffLogin(consultant, 'juris', PW)).status, 303);
    const before = revision();
    for (const [who, b] of [['citizen', citizen], ['editor', editor], ['consultant', consultant]]) {
      for (const p of PAGES) assert.equal((await b.get(p)).status, 403, `${who} ${p}`);
      const csrf = (await b.get('/atsauksmes')).html.match(/name="_csrf" value="([^"]+)"/)[1];
      for (const [p, f] of POSTS) assert.equal((await b.post(p, f, { token: csrf })).status, 403, `${who} POST ${p}`);
    }
    // the editor of vid cannot even reach vid's institution page here
    assert.equal(revision(), before);
    assert.equal(q("SELECT count(*) FROM catalog_node WHERE iri LIKE '%ielauzies%'"), '0');
    assert.equal(q("SELECT count(*) FROM institution_setting"), '0');
    assert.equal(q("SELECT count(*) FROM account_role WHERE institution = 'vid'"), '1');
  });

  test('the list shows the catalog\'s institutions in both languages', async () => {
    const lv = await a.get('/birojs/iestades');
    assert.equal(lv.status, 200);
    assert.match(lv.html, /Valsts ieņēmumu dienests/);
    assert.match(lv.html, /href="\/birojs\/iestades\/vid"/);
    const en = await a.get('/en/birojs/iestades');
    assert.equal(en.status, 200);
    assert.match(en.html, /State Revenue Service/);
  });

  test('an administrator creates an institution; the public page shows it', async () => {
    const before = Number(revision());
    const res = await a.post('/birojs/iestades/jauna', fields());
    assert.equal(res.status, 303, res.html.slice(0, 2000));
    assert.equal(res.headers.get('location'), '/birojs/iestades/parbaudes-iestade?saglabats=1');
    assert.ok(Number(revision()) > before);
    const page = await a.get('/birojs/iestades/parbaudes-iestade?saglabats=1');
    assert.equal(page.status, 200);
    assert.match(page.html, /value="Pārbaudes iestāde"/);
    assert.match(page.html, /value="\+371 67 000 001"/);
    assert.match(page.html, /Saglabāts/);
    const pubPage = await poll(async () => {
      const r = await pub('/iestades/parbaudes-iestade');
      return r.status === 200 && r;
    }, 'the public page of the new institution');
    assert.match(pubPage.html, /<h1[^>]*>Pārbaudes iestāde<\/h1>/);
    assert.match(pubPage.html, /href="tel:\+371 67 000 001"/);
    assert.match(pubPage.html, /pasts@example\.lv/);
    assert.match(pubPage.html, /P\.–Pk\. 8:30–17:00/);
    assert.deepEqual(audit('institution-created'), ['institution=parbaudes-iestade']);
    // the same identifier again is refused beside its field
    const again = await a.post('/birojs/iestades/jauna', fields());
    assert.equal(again.status, 422);
    assert.match(again.html, /id="identifier-error">Iestāde ar šo identifikatoru jau ir/);
  });

  test('an edit reaches the public pages of every language', async () => {
    const res = await save(a, 'parbaudes-iestade', fields({
      name_en: 'Agency of Tests', k0_phone2: '8000 1234', k1_title_lv: 'Palīdzības dienests',
      k1_email1: 'palidziba@example.lv', k1_help_eid: '1', help_portal: '1',
    }));
    assert.equal(res.status, 303, res.html.slice(0, 3000));
    await poll(async () => /Agency of Tests/.test((await pub('/en/iestades/parbaudes-iestade')).html), 'the English name');
    const lv = await pub('/iestades/parbaudes-iestade');
    assert.match(lv.html, /palidziba@example\.lv/);
    assert.match(lv.html, /portāla lietošan/i);
    assert.deepEqual(audit('institution-updated'), ['institution=parbaudes-iestade']);
    // an institution of the imported catalog opens with its values
    const vidForm = await a.get('/birojs/iestades/vid');
    assert.equal(vidForm.status, 200);
    assert.match(vidForm.html, /value="Valsts ieņēmumu dienests"/);
  });

  test('bad input in every field gets its message, and nothing is saved', async () => {
    const before = revision();
    const body = q("SELECT body FROM catalog_node WHERE iri LIKE '%parbaudes-iestade'");
    const bad = {
      name_lv: ['', 'Šis lauks ir jāaizpilda'],
      name_en: ['x'.repeat(5000), 'Lūdzu, saīsiniet'],
      alt_lv: ['y'.repeat(201), 'Lūdzu, saīsiniet'],
      level: ['federal', 'Lūdzu, izvēlieties'],
      homepage: ['javascript:alert(1)', 'https://'],
      address_lv: ['a\u0001b', 'neatļautas rakstzīmes'],
      spatial: ['https://evil.example/place', 'Lūdzu, izvēlieties'],
      emark: ['yes', 'Lūdzu, izvēlieties'],
      emark_date: ['2026-02-30', 'datumu'],
      k0_phone1: ['<b>67000000</b>', 'tālruņa'],
      k0_phone2: ['zvaniet', 'tālruņa'],
      k0_email1: ['not-an-email', 'e-pasta adresi'],
      k0_email2: ['jānis@example.lv', 'latīņu burtiem'],
      k0_page: ['javascript:alert(document.cookie)', 'https://'],
      k0_hours_lv: ['z'.repeat(501), 'Lūdzu, saīsiniet'],
      k1_page: ['data:text/html,<script>alert(1)</script>', 'https://'],
    };
    for (const [name, [value, msg]] of Object.entries(bad)) {
      const res = await save(a, 'parbaudes-iestade', fields({ [name]: value }));
      assert.equal(res.status, 422, name);
      const m = res.html.match(new RegExp(`id="${name}-error">([^<]*)<`));
      assert.ok(m, `a message beside ${name}`);
      assert.ok(m[1].includes(msg), `${name}: ${m[1]}`);
      assert.match(res.html, /class="error-summary"/);
      assert.ok(!res.html.includes('<script>alert'), `${name}: nothing raw`);
    }
    // all at once, in English
    const all = Object.fromEntries(Object.entries(bad).map(([k, [v]]) => [k, v]));
    const en = await save(a, 'parbaudes-iestade', fields(all), '/en');
    assert.equal(en.status, 422);
    for (const name of Object.keys(bad)) assert.match(en.html, new RegExp(`id="${name}-error"`), name);
    assert.match(en.html, /This field is required/);
    assert.match(en.html, /starts with https:\/\//);
    assert.equal(revision(), before);
    assert.equal(q("SELECT body FROM catalog_node WHERE iri LIKE '%parbaudes-iestade'"), body);
    // huge values (under the forms' 64 KiB a value) are refused and not sent back whole
    const huge = await save(a, 'parbaudes-iestade', fields({ name_en: 'ā'.repeat(30000), k0_page: `https://x.lv/${'a'.repeat(60000)}` }));
    assert.equal(huge.status, 422);
    assert.ok(huge.html.length < 70000, `${huge.html.length} bytes`);
    assert.match(huge.html, /id="name_en-error">Lūdzu, saīsiniet/);
    assert.match(huge.html, /id="k0_page-error">/);
    // over 64 KiB a value the server refuses the request itself
    assert.equal((await save(a, 'parbaudes-iestade', fields({ name_en: 'x'.repeat(70000) }))).status, 413);
    // a new institution with a bad identifier
    for (const id of ['Ar Atstarpēm', '-x', 'a', 'jauna', '../vid']) {
      const res = await a.post('/birojs/iestades/jauna', fields({ identifier: id }));
      assert.equal(res.status, 422, id);
      assert.match(res.html, /id="identifier-error"/, id);
    }
    assert.equal(revision(), before);
  });

  test('a save from a page opened before someone else saved is refused, nothing overwritten', async () => {
    const form = await a.get('/birojs/iestades/parbaudes-iestade');
    const csrf = form.html.match(/name="_csrf" value="([^"]+)"/)[1];
    const old = form.html.match(/name="version" value="([0-9a-f]{64})"/)[1];
    assert.equal((await save(a, 'parbaudes-iestade', fields({ name_en: 'Saved First' }))).status, 303);
    const before = revision();
    const late = await a.post('/birojs/iestades/parbaudes-iestade', { version: old, ...fields({ name_en: 'Saved Second' }) }, { token: csrf });
    assert.equal(late.status, 409);
    assert.match(late.html, /Kāds cits saglabāja šo iestādi/);
    assert.match(late.html, /value="Saved First"/);
    assert.equal(revision(), before);
    // without a version at all: the same
    assert.equal((await a.post('/birojs/iestades/parbaudes-iestade', fields({ name_en: 'No Version' }), { token: csrf })).status, 409);
    assert.equal(revision(), before);
    assert.equal((await save(a, 'parbaudes-iestade', fields({ name_en: 'Agency of Tests' }))).status, 303);
  });

  test('hostile text is stored as text and escaped on every page', async () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)> "Iestāde"';
    const res = await save(a, 'parbaudes-iestade', fields({ name_en: evil, k0_hours_en: evil }));
    assert.equal(res.status, 303);
    const en = await poll(async () => {
      const r = await pub('/en/iestades/parbaudes-iestade');
      return r.html.includes('&lt;script&gt;') && r;
    }, 'the escaped name');
    assert.ok(!en.html.includes('<script>alert'));
    assert.ok(!en.html.includes('<img src=x'));
    const form = await a.get('/en/birojs/iestades/parbaudes-iestade');
    assert.ok(!form.html.includes('<script>alert'));
    assert.match(form.html, /&lt;script&gt;/);
    const list = await a.get('/en/birojs/iestades');
    assert.ok(!list.html.includes('<script>alert'));
    // and back to a plain name
    assert.equal((await save(a, 'parbaudes-iestade', fields({ name_en: 'Agency of Tests' }))).status, 303);
  });

  test('"ē!" granted with a date is shown on /e-zime and the institution\'s page; granting and removing are audited', async () => {
    let res = await save(a, 'parbaudes-iestade', fields({ name_en: 'Agency of Tests', emark: '1', emark_date: '2026-11-30' }));
    assert.equal(res.status, 303);
    const page = await poll(async () => {
      const r = await pub('/e-zime');
      return /Pārbaudes iestāde/.test(r.html) && r;
    }, '/e-zime to list the institution');
    assert.match(page.html, /Pārbaudes iestāde<\/a> — kopš <time datetime="2026-11-30">30\.11\.2026\.<\/time>/);
    const en = await pub('/en/e-zime');
    assert.match(en.html, /Agency of Tests<\/a> — since <time datetime="2026-11-30">30 Nov 2026<\/time>/);
    assert.match((await pub('/iestades/parbaudes-iestade')).html, /30\.11\.2026\./);
    assert.deepEqual(audit('emark-granted'), ['institution=parbaudes-iestade date=2026-11-30']);
    // removing
    res = await save(a, 'parbaudes-iestade', fields({ name_en: 'Agency of Tests' }));
    assert.equal(res.status, 303);
    await poll(async () => !/Pārbaudes iestāde/.test((await pub('/e-zime')).html), '/e-zime to drop it');
    assert.deepEqual(audit('emark-removed'), ['institution=parbaudes-iestade']);
    assert.equal(audit('emark-granted').length, 1);
    // without a date: today in Riga
    assert.equal((await save(a, 'parbaudes-iestade', fields({ emark: '1' }))).status, 303);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Riga' }).format(new Date());
    assert.equal(audit('emark-granted')[1], `institution=parbaudes-iestade date=${today}`);
    // a date without the mark is refused
    res = await save(a, 'parbaudes-iestade', fields({ emark_date: '2026-12-01' }));
    assert.equal(res.status, 422);
    assert.match(res.html, /id="emark_date-error"/);
    // the date for the export below
    assert.equal((await save(a, 'parbaudes-iestade', fields({ emark: '1', emark_date: '2026-12-01' }))).status, 303);
  });

  test('staff are assigned by login name; the editor then logs in to that institution', async () => {
    const ilze = new Browser(srv.base);
    await staffLogin(ilze, 'ilze', PW);
    assert.equal((await ilze.get('/birojs')).status, 403);
    // an unknown login and a citizen are refused beside the field
    let res = await a.post('/birojs/iestades/parbaudes-iestade/darbinieki', { login: 'nobody' }, { formPath: '/birojs/iestades/parbaudes-iestade' });
    assert.equal(res.status, 422);
    assert.match(res.html, /id="login-error">/);
    res = await a.post('/birojs/iestades/parbaudes-iestade/darbinieki', { login: 'ilze' }, { formPath: '/birojs/iestades/parbaudes-iestade' });
    assert.equal(res.status, 303);
    const ilzeId = q("SELECT id FROM account WHERE login = 'ilze'");
    assert.equal(q(`SELECT institution FROM account_role WHERE account_id = ${ilzeId}`), 'parbaudes-iestade');
    const page = await a.get('/birojs/iestades/parbaudes-iestade');
    assert.match(page.html, /<code>ilze<\/code>/);
    assert.deepEqual(audit('institution-editor-added'), ['institution=parbaudes-iestade']);
    // a change of roles ends her sessions: she logs in again and sees it
    const again = new Browser(srv.base);
    assert.equal((await staffLogin(again, 'ilze', PW)).status, 303);
    const office = await again.get('/birojs');
    assert.equal(office.status, 200);
    assert.match(office.html, /<code>parbaudes-iestade<\/code>/);
    // and still may not administer institutions
    assert.equal((await again.get('/birojs/iestades/parbaudes-iestade')).status, 403);
    // removing her
    res = await a.post('/birojs/iestades/parbaudes-iestade/darbinieki/nonemt', { account: ilzeId }, { formPath: '/birojs/iestades/parbaudes-iestade' });
    assert.equal(res.status, 303);
    assert.equal(q(`SELECT count(*) FROM account_role WHERE account_id = ${ilzeId}`), '0');
    assert.notEqual((await again.get('/birojs')).status, 200);
    assert.deepEqual(audit('institution-editor-removed'), ['institution=parbaudes-iestade']);
  });

  test('the approval switch is stored per institution and audited', async () => {
    let res = await a.post('/birojs/iestades/parbaudes-iestade/parskatisana', { review: '1' }, { formPath: '/birojs/iestades/parbaudes-iestade' });
    assert.equal(res.status, 303);
    assert.equal(q("SELECT review_required FROM institution_setting WHERE slug = 'parbaudes-iestade'"), '1');
    assert.match((await a.get('/birojs/iestades/parbaudes-iestade')).html, /id="review-required" name="review" value="1" checked/);
    res = await a.post('/birojs/iestades/parbaudes-iestade/parskatisana', {}, { formPath: '/birojs/iestades/parbaudes-iestade' });
    assert.equal(res.status, 303);
    assert.equal(q("SELECT review_required FROM institution_setting WHERE slug = 'parbaudes-iestade'"), '0');
    assert.deepEqual(audit('institution-review-set'), ['institution=parbaudes-iestade review=on', 'institution=parbaudes-iestade review=off']);
  });

  test('after the edits `epak export` passes the CPSV-AP SHACL shapes and keeps the date', async () => {
    const out = path.join(srv.data, 'export.jsonld');
    const exp = spawnSync(bin, ['export', '--data', srv.data, ...dbArgs(), '-o', out], { encoding: 'utf8' });
    assert.equal(exp.status, 0, exp.stderr);
    assert.equal(exp.stderr, '');
    const text = fs.readFileSync(out, 'utf8');
    assert.match(text, /eMarkGranted/);
    assert.match(text, /2026-12-01/);
    assert.match(text, /Pārbaudes iestāde/);
    const shapes = await rdf.dataset().import(rdf.fromFile(path.join(shared, 'testdata/cpsv-ap/semic-cpsv-ap-SHACL.ttl')));
    const data = await rdf.dataset().import(rdf.fromFile(out));
    const report = await new SHACLValidator(shapes, { factory: rdf }).validate(data);
    const problems = report.results.slice(0, 10).map((r) => `${r.focusNode?.value} ${r.path?.value ?? ''}: ${r.message.map((m) => m.value).join(' ')}`);
    assert.ok(report.conforms, problems.join('\n'));
    // and an import of the export reads the date back
    const fresh = fs.mkdtempSync(path.join(srv.data, 'again-'));
    assert.equal(spawnSync(bin, ['migrate', '--data', fresh]).status, 0);
    const again = spawnSync(bin, ['import', '--data', fresh, out], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
  });
});
