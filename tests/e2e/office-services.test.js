// tests/e2e/office-services.test.js — editing services in the back office
// against a real server (SQLite, and PostgreSQL when EPAK_TEST_PG_URL is
// set): an institution editor edits a service and publishes it and the
// public page follows; bad input in every field gets its message beside the
// field and nothing is saved; an editor of another institution can neither
// read nor change the service, nor move a service to another institution,
// nor create one for it (also by guessing slugs and posting forms
// directly); hostile text is escaped, never stored raw into a page; every
// save is in the audit log; `epak export` after the edits passes the
// CPSV-AP SHACL shapes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import rdf from '@zazuko/env-node';
import SHACLValidator from 'rdf-validate-shacl';
import { root, bin, startServer, sqlite, psql } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';
import { editForm, publicPage as waitPublic } from '../lib/office.js';

const PW = 'correct horse battery staple';
const SLUG = 'lv-dzivesvietas-deklaresana'; // PMLP's
const OFFICE = `/birojs/pakalpojumi/${SLUG}`;
const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const pgUrl = process.env.EPAK_TEST_PG_URL;
const backends = [{ name: 'SQLite', pg: false }, { name: 'PostgreSQL', pg: true }];

for (const backend of backends) describe(backend.name, { skip: backend.pg && !pgUrl && 'EPAK_TEST_PG_URL is not set' }, () => {
  let dbUrl = null;
  let srv;
  let admin;
  let ed;    // PMLP editor
  let other; // an editor of another institution (VID)
  let boss;  // administrator

  function db(sql) {
    return backend.pg ? psql(dbUrl, sql) : sqlite(path.join(srv.data, 'epak.db'), sql);
  }

  async function login(name, key = null) {
    const b = new Browser(srv.base);
    const res = await staffLogin(b, name, PW, key);
    assert.equal(res.status, 303, `${name} logs in`);
    return b;
  }

  // The public page of slug, once re matches it (tests/lib/office.js).
  const publicPage = (slug, re, want = true) => waitPublic(srv.base, slug, re, want);

  // Posts the form f (from editForm) with the fields in changes replaced (or
  // added) and the button of value action.
  async function post(b, f, changes, action, url = null) {
    const fields = f.fields.filter(([n]) => !(n in changes)).concat(Object.entries(changes));
    const body = new URLSearchParams();
    for (const [n, v] of fields) body.append(n, v);
    body.append('darbiba', action);
    const res = await fetch(b.base + (url || f.action), {
      method: 'POST', redirect: 'manual', body: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.cookie() },
    });
    b.take(res);
    res.html = await res.text();
    return res;
  }

  function field(f, name) {
    const x = f.fields.find(([n]) => n === name);
    return x ? x[1] : undefined;
  }

  function auditCount() {
    return Number(db("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'service-%'"));
  }

  function bodyOf(slug) {
    return db(`SELECT body FROM catalog_node WHERE iri LIKE '%/${slug}'`);
  }

  before(async () => {
    if (backend.pg) {
      psql(pgUrl, 'DROP DATABASE IF EXISTS epak_e2e_office_services');
      psql(pgUrl, 'CREATE DATABASE epak_e2e_office_services');
      dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, '/epak_e2e_office_services$1');
    }
    srv = await startServer({ db: dbUrl, imports: [path.join(root, 'data/catalog.jsonld')] });
    admin = addUser(srv, 'boss', PW, ['name=Anna Administratore', 'role=admin']);
    addUser(srv, 'ed', PW, ['name=Edgars Redaktors', 'role=institution', 'institution=pmlp']);
    addUser(srv, 'other', PW, ['name=Cits Redaktors', 'role=institution', 'institution=vid']);
    ed = await login('ed');
    other = await login('other');
    boss = await login('boss', admin.key);
  });

  after(async () => {
    await srv?.stop();
  });

  test('anonymous visitors log in first; staff without the role get 403', async () => {
    addUser(srv, 'cons', PW, ['name=Konsultants', 'role=consultant']);
    const cons = await login('cons');
    for (const p of ['/birojs/pakalpojumi', OFFICE, '/birojs/pakalpojumi/jauns']) {
      const res = await fetch(srv.base + p, { redirect: 'manual' });
      assert.equal(res.status, 303, p);
      assert.match(res.headers.get('location'), /^\/pieteikties\?next=/, p);
      assert.equal((await cons.get(p)).status, 403, p);
    }
    // a form posted directly, with the consultant's own CSRF token
    const f = await editForm(ed, SLUG);
    const csrf = (await cons.get('/profils')).html.match(/name="_csrf" value="([^"]+)"/)[1];
    const fields = f.fields.filter(([n]) => n !== '_csrf').concat([['_csrf', csrf]]);
    const before = bodyOf(SLUG);
    const res = await post(cons, { fields, action: OFFICE }, { 'title.lv': 'X' }, 'publicet');
    assert.equal(res.status, 403);
    assert.doesNotMatch(res.html, /CSRF|novecojusi/);
    assert.equal(bodyOf(SLUG), before);
  });

  test('the list shows the services the person may edit, with their state', async () => {
    let res = await ed.get('/birojs/pakalpojumi');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control'), /no-store/);
    assert.match(res.html, new RegExp(`href="${OFFICE}"`));
    assert.doesNotMatch(res.html, /lv-algas-nodokla-gramatina/, 'not a VID service');
    assert.match(res.html, /Publicēt/);
    res = await boss.get('/birojs/pakalpojumi?iestade=vid');
    assert.match(res.html, /lv-algas-nodokla-gramatina/);
    assert.doesNotMatch(res.html, new RegExp(`href="${OFFICE}"`));
    res = await boss.get('/birojs/pakalpojumi?q=Dz%C4%ABvesvietas');
    assert.match(res.html, new RegExp(`href="${OFFICE}"`));
    res = await boss.get('/birojs/pakalpojumi');
    assert.match(res.html, /rel="next"/, 'an administrator sees every service, a page at a time');
  });

  test('an editor edits every kind of field and publishes; the public page follows', async () => {
    const f = await editForm(ed, SLUG);
    assert.equal(field(f, 'title.lv'), 'Dzīvesvietas deklarēšana');
    assert.equal(field(f, 'identifier'), SLUG);
    assert.ok(f.fields.some(([n]) => n === 'versija'), 'the base version is in the form');
    const res = await post(ed, f, {
      'title.lv': 'Dzīvesvietas deklarēšana (labots)',
      'title.en': 'Declaring your residence (edited)',
      'legal.0.title.lv': 'Dzīvesvietas deklarēšanas likums',
      'legal.0.url': 'https://likumi.lv/ta/id/317482',
      'costs.0.value': '1,50', 'costs.0.currency': 'EUR', 'costs.0.description.lv': 'Valsts nodeva',
      'channels.3.type': 'email-esign', 'channels.3.email': 'pasts@pmlp.gov.lv',
      'channels.3.description.lv': 'Iesniegumu paraksta ar drošu e-parakstu',
      processing_time: 'P1D',
    }, 'publicet');
    assert.equal(res.status, 303, res.html.slice(0, 2000));
    assert.match(res.headers.get('location'), /\?saglabats=publicets$/);
    const html = await publicPage(SLUG, /Dzīvesvietas deklarēšana \(labots\)/);
    assert.match(html, /Tiesiskais pamats/);
    assert.match(html, /href="https:\/\/likumi\.lv\/ta\/id\/317482"/);
    assert.match(html, /Dzīvesvietas deklarēšanas likums/);
    assert.match(html, /1\.50 EUR/);
    assert.match(html, /pasts@pmlp\.gov\.lv/);
    const en = await (await fetch(`${srv.base}/en/pakalpojumi/${SLUG}`)).text();
    assert.match(en, /Legal basis/);
    assert.match(en, /Declaring your residence \(edited\)/);
    // the form opens with what was saved
    const again = await editForm(ed, SLUG);
    assert.equal(field(again, 'legal.0.url'), 'https://likumi.lv/ta/id/317482');
    assert.equal(field(again, 'costs.0.value'), '1.50');
    const page = await ed.get(`${OFFICE}?saglabats=publicets`);
    assert.match(page.html, /role="status"/);
    assert.match(page.html, /\/versijas"/);
    assert.match(page.html, /\/priekssk"/);
  });

  test('adding a row re-renders the form with the typed text kept, and saves nothing', async () => {
    const f = await editForm(ed, SLUG);
    const before = bodyOf(SLUG);
    const rowsBefore = Number(field(f, 'rows.channels'));
    const res = await post(ed, f, { 'title.lv': 'Ierakstīts, bet nesaglabāts' }, 'pievienot:channels');
    assert.equal(res.status, 200);
    const g = editForm.parse(res.html);
    assert.equal(field(g, 'title.lv'), 'Ierakstīts, bet nesaglabāts');
    assert.equal(Number(field(g, 'rows.channels')), rowsBefore + 1);
    assert.equal(bodyOf(SLUG), before);
  });

  const bad = [
    ['title.lv', '', /Lūdzu, aizpildiet šo lauku/],
    ['description.lv', '', /Lūdzu, aizpildiet šo lauku/],
    ['title.en', 'x'.repeat(301), /pārāk garš/],
    ['keywords.lv', 'x'.repeat(1001), /pārāk garš/],
    ['title.lv', 'a\u0001b', /vadības rakstzīmes/],
    ['processing_time', 'mēnesis', /P1M/],
    ['audience', 'visi', /piedāvātajām/],
    ['status', 'dzēsts', /piedāvātajām/],
    ['e_service', 'varbūt', /piedāvātajām/],
    ['authority', 'nav-tadas', null], // another institution: 403 below
    ['events', 'nav-tada', /piedāvātajām/],
    ['contacts', 'nav-tada', /piedāvātajām/],
    ['auth_methods', 'parole', /piedāvātajām/],
    ['channels.0.url', 'javascript:alert(1)', /https:\/\//],
    ['channels.0.url', 'data:text/html,<script>alert(1)</script>', /https:\/\//],
    ['channels.0.type', 'balodis', /piedāvātajām/],
    ['channels.0.email', 'nav adrese', /e-pasta adresi/],
    ['channels.0.email', 'jānis@pmlp.gov.lv', /e-pasta adresi/],
    ['channels.0.phone', 'zvaniet man', /tālruņa numuru/],
    ['channels.0.hours.lv', 'x'.repeat(1001), /pārāk garš/],
    ['costs.0.value', '12 EUR', /summu/],
    ['costs.0.currency', 'eur', /piedāvātajām/],
    ['legal.0.url', 'javascript:alert(1)', /https:\/\//],
    ['outputs.0.title.lv', '', /aizpildiet/],
    ['requirements.0.description.lv', 'x'.repeat(4001), /pārāk garš/],
  ];

  test('bad input in every field gets its message beside the field, and nothing is saved', async () => {
    const f = await editForm(ed, SLUG);
    const before = bodyOf(SLUG);
    const versions = db('SELECT COUNT(*) FROM service_version');
    for (const [name, value, re] of bad) {
      if (!re) continue;
      const changes = { [name]: value };
      if (name === 'requirements.0.description.lv') changes['requirements.0.title.lv'] = 'Prasība';
      if (name === 'costs.0.currency') changes['costs.0.value'] = '1';
      const res = await post(ed, f, changes, 'publicet');
      assert.equal(res.status, 422, `${name}=${value.slice(0, 40)}: ${res.status}`);
      const id = `f-${name.replace(/\./g, '-')}`;
      // the summary links to the field (or its group), the message is beside it
      const target = ['events', 'contacts', 'auth_methods'].includes(name) ? `f-${name}` : id;
      assert.match(res.html, new RegExp(`<a href="#${target}">`), name);
      assert.match(res.html, re, name);
      if (target === id) assert.match(res.html, new RegExp(`id="${id}-error"`), name);
      assert.doesNotMatch(res.html, /<script>alert/, name);
    }
    assert.equal(bodyOf(SLUG), before);
    assert.equal(db('SELECT COUNT(*) FROM service_version'), versions);
  });

  test('hostile text: markup is escaped on every page, a 1 MB text and too many rows are refused', async () => {
    const f = await editForm(ed, SLUG);
    let res = await post(ed, f, { 'title.lv': '<script>alert(1)</script> Deklarēšana', 'description.en': '"><img src=x onerror=alert(1)>' }, 'publicet');
    assert.equal(res.status, 303);
    const html = await publicPage(SLUG, /&lt;script&gt;alert\(1\)&lt;\/script&gt; Deklarēšana/);
    assert.doesNotMatch(html, /<script>alert/);
    const form = await ed.get(OFFICE);
    assert.doesNotMatch(form.html, /<script>alert|<img src=x/);
    assert.match(form.html, /&lt;script&gt;/);
    const en = await (await fetch(`${srv.base}/en/pakalpojumi/${SLUG}`)).text();
    assert.doesNotMatch(en, /<img src=x/);
    // 1 MB in one field: refused before the page is reached
    const before = bodyOf(SLUG);
    const g = await editForm(ed, SLUG);
    res = await post(ed, g, { 'description.lv': 'a'.repeat(1024 * 1024) }, 'publicet');
    assert.equal(res.status, 413);
    // many rows claimed: capped, and "too many rows" when more are sent than allowed
    const rows = {};
    for (let i = 0; i < 21; i++) rows[`legal.${i}.url`] = `https://likumi.lv/ta/id/${i + 1}`;
    res = await post(ed, g, { 'rows.legal': '100000', ...rows }, 'publicet');
    assert.equal(res.status, 422);
    assert.match(res.html, /pārāk daudz rindu/);
    assert.equal(bodyOf(SLUG), before);
  });

  test('an editor of another institution can neither read, change, move nor create', async () => {
    const before = bodyOf(SLUG);
    const audits = auditCount();
    let res = await other.get(OFFICE);
    assert.equal(res.status, 403);
    assert.doesNotMatch(res.html, /Dzīvesvietas deklarēšana/);
    // posting the form directly (with other's own CSRF token)
    const mine = await editForm(other, 'lv-algas-nodokla-gramatina');
    const csrf = field(mine, '_csrf');
    const f = await editForm(ed, SLUG);
    const fields = Object.fromEntries(f.fields);
    fields._csrf = csrf;
    res = await post(other, { fields: Object.entries(fields), action: OFFICE }, { 'title.lv': 'Uzlauzts' }, 'publicet');
    assert.equal(res.status, 403);
    // guessed slugs: a draft-only or unknown slug is 404, never another's form
    res = await other.get('/birojs/pakalpojumi/nav-tada-pakalpojuma');
    assert.equal(res.status, 404);
    // moving its own service to another institution
    res = await post(other, mine, { authority: 'pmlp' }, 'publicet');
    assert.equal(res.status, 403);
    // creating one for another institution
    const n = await other.get('/birojs/pakalpojumi/jauns');
    assert.equal(n.status, 200);
    assert.doesNotMatch(n.html, /value="pmlp"/, 'only its own institutions are offered');
    const nf = editForm.parse(n.html);
    res = await post(other, nf, {
      identifier: 'svesais-pakalpojums', authority: 'pmlp', 'title.lv': 'Svešs', 'description.lv': 'Svešs',
    }, 'publicet');
    assert.equal(res.status, 403);
    assert.equal(bodyOf(SLUG), before);
    assert.equal(db("SELECT COUNT(*) FROM service_version WHERE slug = 'svesais-pakalpojums'"), '0');
    assert.equal(bodyOf('svesais-pakalpojums'), '');
    // refusals are audited, without personal data
    assert.ok(auditCount() > audits);
    assert.equal(db("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'service-%' AND detail LIKE '%@%'"), '0');
  });

  test('a new service: created as a draft, then published; every save is audited', async () => {
    const audits = auditCount();
    const n = await ed.get('/birojs/pakalpojumi/jauns');
    assert.equal(n.status, 200);
    const f = editForm.parse(n.html);
    let res = await post(ed, f, {
      identifier: 'pmlp-jauns-pakalpojums', authority: 'pmlp', 'title.lv': 'Jauns PMLP pakalpojums',
      'description.lv': 'Jauna pakalpojuma apraksts.', 'channels.0.type': 'online',
      'channels.0.url': 'https://www.latvija.lv/jauns', events: 'le-dzivesvietas-maina',
    }, 'melnraksts');
    assert.equal(res.status, 303, res.html.slice(0, 3000));
    assert.match(res.headers.get('location'), /\/birojs\/pakalpojumi\/pmlp-jauns-pakalpojums\?saglabats=melnraksts/);
    let list = await ed.get('/birojs/pakalpojumi?q=pmlp-jauns');
    assert.match(list.html, /Melnraksts/);
    // the same identifier again is refused
    res = await post(ed, f, { identifier: 'pmlp-jauns-pakalpojums', authority: 'pmlp', 'title.lv': 'X', 'description.lv': 'Y' }, 'melnraksts');
    assert.equal(res.status, 422);
    const g = await editForm(ed, 'pmlp-jauns-pakalpojums');
    assert.equal(field(g, 'identifier'), 'pmlp-jauns-pakalpojums');
    // the identifier is fixed once the service exists, also for a draft
    res = await post(ed, g, { identifier: 'cits-identifikators' }, 'publicet');
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location'), /\/pmlp-jauns-pakalpojums\?/);
    await publicPage('pmlp-jauns-pakalpojums', /Jauns PMLP pakalpojums/);
    assert.equal((await fetch(`${srv.base}/pakalpojumi/cits-identifikators`)).status, 404);
    list = await ed.get('/birojs/pakalpojumi?q=Jauns');
    assert.match(list.html, /Publicēt/);
    // withdraw: off the public pages
    const h = await editForm(ed, 'pmlp-jauns-pakalpojums');
    res = await post(ed, h, {}, 'atsaukt');
    assert.equal(res.status, 303);
    const deadline = Date.now() + 15000;
    while ((await fetch(`${srv.base}/pakalpojumi/pmlp-jauns-pakalpojums`)).status !== 404) {
      assert.ok(Date.now() < deadline, 'withdrawn service leaves the public pages');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(auditCount() >= audits + 3);
  });

  test('an administrator edits any institution\'s service', async () => {
    const slug = 'lv-algas-nodokla-gramatina'; // VID's
    const f = await editForm(boss, slug);
    const res = await post(boss, f, { 'title.lv': 'Algas nodokļa grāmatiņa (administrators)' }, 'publicet');
    assert.equal(res.status, 303);
    await publicPage(slug, /Algas nodokļa grāmatiņa \(administrators\)/);
    // and may give it to another institution
    const g = await editForm(boss, slug);
    const moved = await post(boss, g, { authority: 'pmlp' }, 'publicet');
    assert.equal(moved.status, 303);
    const deadline = Date.now() + 15000;
    while ((await ed.get(`/birojs/pakalpojumi/${slug}`)).status !== 200) {
      assert.ok(Date.now() < deadline, 'the new institution\'s editor may edit it');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal((await other.get(`/birojs/pakalpojumi/${slug}`)).status, 403);
  });

  test('`epak export` after the edits passes the CPSV-AP shapes', async () => {
    const out = path.join(srv.data, 'export.jsonld');
    const exp = spawnSync(bin, ['export', ...srv.common, '-o', out], { encoding: 'utf8' });
    assert.equal(exp.status, 0, exp.stderr);
    const text = fs.readFileSync(out, 'utf8');
    assert.match(text, /likumi\.lv\/ta\/id\/317482/);
    const shapes = await rdf.dataset().import(rdf.fromFile(path.join(shared, 'testdata/cpsv-ap/semic-cpsv-ap-SHACL.ttl')));
    const data = await rdf.dataset().import(rdf.fromFile(out));
    const report = await new SHACLValidator(shapes, { factory: rdf }).validate(data);
    assert.ok(report.conforms, report.results.slice(0, 5).map((r) => `${r.focusNode?.value} ${r.path?.value}: ${r.message.map((m) => m.value).join(' ')}`).join('\n'));
  });
});
