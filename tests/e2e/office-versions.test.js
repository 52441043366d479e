// tests/e2e/office-versions.test.js — a service's versions in the back
// office against a real server: every save keeps a version, the
// difference is shown field by field, an old version is restored, the
// preview shows the draft while the public page still shows the published
// text, two editors from one base get a conflict page instead of an
// overwrite, an institution that needs review gets pending changes an
// administrator approves or returns with a comment, and nobody reaches
// another institution's versions (also by guessing numbers or posting
// forms directly). On SQLite, and on PostgreSQL when EPAK_TEST_PG_URL is set.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, startServer, sqlite, psql } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';
import { editForm, saveService } from '../lib/office.js';

const PW = 'correct horse battery staple';
const SLUG = 'lv-algas-nodokla-gramatina'; // VID's
const PMLP = 'lv-dzivesvietas-deklaresana'; // PMLP's: review required below
const OFFICE = `/birojs/pakalpojumi/${SLUG}`;
const pgUrl = process.env.EPAK_TEST_PG_URL;
const engines = [['sqlite', null]];
if (pgUrl) engines.push(['postgresql', 'epak_e2e_versions']);

for (const [engine, pgName] of engines) describe(engine, () => {
  let srv;
  let dbUrl = null;
  let admin;
  let ed;     // VID editor
  let ed2;    // a second VID editor
  let other;  // an editor of another institution (LAD)
  let pm;     // PMLP editor
  let boss;   // administrator

  function db(sql) {
    return dbUrl ? psql(dbUrl, sql) : sqlite(path.join(srv.data, 'epak.db'), sql);
  }

  async function login(login, key = null) {
    const b = new Browser(srv.base);
    const res = await staffLogin(b, login, PW, key);
    assert.equal(res.status, 303, `${login} logs in`);
    return b;
  }

  // The public page of slug, once its text matches re (the read model
  // refreshes within a second or two).
  async function publicPage(slug, re, want = true) {
    const deadline = Date.now() + 15000;
    for (;;) {
      const res = await fetch(`${srv.base}/pakalpojumi/${slug}`);
      const html = await res.text();
      if (re.test(html) === want) return html;
      if (Date.now() > deadline) assert.fail(`public page of ${slug}: ${re} ${want ? 'never appeared' : 'never went'}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  before(async () => {
    if (pgName) {
      psql(pgUrl, `DROP DATABASE IF EXISTS ${pgName}`);
      psql(pgUrl, `CREATE DATABASE ${pgName}`);
      dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, `/${pgName}$1`);
    }
    srv = await startServer({ db: dbUrl, imports: [path.join(root, 'data/catalog.jsonld')] });
    admin = addUser(srv, 'boss', PW, ['name=Anna Administratore', 'role=admin']);
    addUser(srv, 'ed', PW, ['name=Edgars Redaktors', 'role=institution', 'institution=vid']);
    addUser(srv, 'ed2', PW, ['name=Elza Otrā', 'role=institution', 'institution=vid']);
    addUser(srv, 'other', PW, ['name=Cits Redaktors', 'role=institution', 'institution=lad']);
    addUser(srv, 'pm', PW, ['name=Pauls Migrācija', 'role=institution', 'institution=pmlp']);
    db("INSERT INTO institution_setting (slug, review_required, updated_at) VALUES ('pmlp', 1, 0)");
    ed = await login('ed');
    ed2 = await login('ed2');
    other = await login('other');
    pm = await login('pm');
    boss = await login('boss', admin.key);
  });

  after(async () => {
    await srv?.stop();
  });

  test('anonymous visitors are sent to log in; the preview is never cached', async () => {
    for (const p of [`${OFFICE}/versijas`, `${OFFICE}/versijas/1`, `${OFFICE}/priekssk`, `${OFFICE}/versijas/1/priekssk`,
      '/birojs/parbaude']) {
      const res = await fetch(srv.base + p, { redirect: 'manual' });
      assert.equal(res.status, 303, p);
      assert.match(res.headers.get('location'), /^\/pieteikties\?next=/, p);
    }
    const res = await ed.get(`${OFFICE}/priekssk`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control'), /no-store/);
    assert.match(res.html, /<meta name="robots" content="noindex, nofollow">/);
    assert.match(res.html, /Priekšskatījums, nav publicēts/);
  });

  test('save twice, see the difference, preview the draft, publish, restore', async () => {
    const title0 = (await editForm(ed, SLUG)).title;
    assert.ok(title0, 'the edit form shows the title');
    let res = await saveService(ed, SLUG, { title: 'Algas grāmatiņa — melnraksts' }, 'draft');
    assert.equal(res.status, 303, 'draft saved');
    res = await saveService(ed, SLUG, { title: 'Algas grāmatiņa — otrais melnraksts' }, 'draft');
    assert.equal(res.status, 303, 'second draft saved');
    const list = await ed.get(`${OFFICE}/versijas`);
    assert.equal(list.status, 200);
    // version 1 is the import, 2 and 3 the drafts, by the editor's name
    assert.match(list.html, /versijas\/3">Versija 3/);
    assert.match(list.html, /versijas\/1">Versija 1/);
    assert.match(list.html, /importētais katalogs/);
    assert.match(list.html, /Edgars Redaktors/);
    const diff = await ed.get(`${OFFICE}/versijas/3`);
    assert.equal(diff.status, 200);
    assert.match(diff.html, /<th scope="row">Nosaukums — latviski<\/th><td class="diff-old">Algas grāmatiņa — melnraksts<\/td><td class="diff-new">Algas grāmatiņa — otrais melnraksts<\/td>/);
    // the preview shows the draft; the public page does not
    const prev = await ed.get(`${OFFICE}/priekssk`);
    assert.match(prev.html, /otrais melnraksts/);
    const pub = await (await fetch(`${srv.base}/pakalpojumi/${SLUG}`)).text();
    assert.doesNotMatch(pub, /melnraksts/);
    assert.doesNotMatch(pub, /noindex/);
    // publish, and the public page follows
    res = await saveService(ed, SLUG, { title: 'Algas grāmatiņa — publicēta' }, 'publish');
    assert.equal(res.status, 303, 'published');
    await publicPage(SLUG, /Algas grāmatiņa — publicēta/);
    // restore the imported text
    res = await ed.post(`${OFFICE}/versijas/1/atjaunot`, { versija: '4', darbiba: 'publicet' }, { formPath: `${OFFICE}/versijas/1` });
    assert.equal(res.status, 303);
    await publicPage(SLUG, /Algas grāmatiņa — publicēta/, false);
    const after1 = await ed.get(`${OFFICE}/versijas`);
    assert.match(after1.html, /versijas\/5">Versija 5<\/a><br><small>atjaunota no versijas 1/);
    const v5 = await ed.get(`${OFFICE}/versijas/5`);
    assert.match(v5.html, /<td class="diff-old">Algas grāmatiņa — publicēta<\/td><td class="diff-new">[^<]+<\/td>/);
    // restoring from a stale page is a conflict: nothing written
    res = await ed.post(`${OFFICE}/versijas/2/atjaunot`, { versija: '4', darbiba: 'publicet' }, { formPath: `${OFFICE}/versijas/2` });
    assert.equal(res.status, 409);
    assert.equal(db(`SELECT max(number) FROM service_version WHERE slug = '${SLUG}'`), '5');
    const audit = db("SELECT action || ' ' || detail FROM audit_log WHERE action LIKE 'service-%' ORDER BY id");
    assert.match(audit, /service-restored service=lv-algas-nodokla-gramatina version=5 result=published from=1/);
    assert.doesNotMatch(audit, /Edgars|@/);
  });

  test('two editors from one base: the second gets the conflict page, nothing is overwritten', async () => {
    const a = await editForm(ed, SLUG);
    const b = await editForm(ed2, SLUG);
    let res = await saveService(ed, SLUG, { title: 'Pirmā redaktora teksts' }, 'draft', a);
    assert.equal(res.status, 303);
    res = await saveService(ed2, SLUG, { title: 'Otrās redaktores teksts' }, 'draft', b);
    assert.equal(res.status, 409);
    assert.match(res.html, /Kāds cits saglabāja šo pakalpojumu/);
    assert.match(res.html, /Pirmā redaktora teksts/); // theirs
    assert.match(res.html, /Otrās redaktores teksts/); // hers, kept in the form
    const latest = db(`SELECT max(number) FROM service_version WHERE slug = '${SLUG}'`);
    assert.match(db(`SELECT form FROM service_version WHERE slug = '${SLUG}' AND number = ${latest}`), /Pirmā redaktora teksts/);
    // continuing from the conflict page (its form carries the newer base) saves
    res = await saveService(ed2, SLUG, {}, 'draft', editForm.parse(res.html));
    assert.equal(res.status, 303);
    assert.match(db(`SELECT form FROM service_version WHERE slug = '${SLUG}' AND number = ${Number(latest) + 1}`), /Otrās redaktores teksts/);
  });

  test('review required: the editor\'s publish waits, the administrator approves or returns', async () => {
    const before1 = await publicPage(PMLP, /deklar/i);
    let res = await saveService(pm, PMLP, { title: 'Deklarēšana — gaida apstiprinājumu' }, 'publish');
    assert.equal(res.status, 303);
    assert.doesNotMatch(before1, /gaida apstiprinājumu/);
    const list = await pm.get(`/birojs/pakalpojumi/${PMLP}/versijas`);
    assert.match(list.html, /Gaida apstiprinājumu/);
    let queue = await boss.get('/birojs/parbaude');
    assert.equal(queue.status, 200);
    assert.match(queue.html, /Deklarēšana — gaida apstiprinājumu/);
    const n = db(`SELECT max(number) FROM service_version WHERE slug = '${PMLP}'`);
    res = await boss.post(`/birojs/parbaude/${PMLP}/${n}/apstiprinat`, {}, { formPath: '/birojs/parbaude' });
    assert.equal(res.status, 303);
    await publicPage(PMLP, /Deklarēšana — gaida apstiprinājumu/);
    // approving again: no longer pending
    res = await boss.post(`/birojs/parbaude/${PMLP}/${n}/apstiprinat`, {}, { formPath: '/birojs/parbaude' });
    assert.equal(res.status, 409);
    // a second change is returned with a comment, which the editor sees
    res = await saveService(pm, PMLP, { title: 'Deklarēšana — atgriezīs' }, 'publish');
    assert.equal(res.status, 303);
    const m = db(`SELECT max(number) FROM service_version WHERE slug = '${PMLP}'`);
    res = await boss.post(`/birojs/parbaude/${PMLP}/${m}/atgriezt`, { komentars: '' }, { formPath: '/birojs/parbaude' });
    assert.equal(res.status, 422, 'a return needs a comment');
    res = await boss.post(`/birojs/parbaude/${PMLP}/${m}/atgriezt`, { komentars: 'Lūdzu, norādiet termiņu <b>dienās</b>' }, { formPath: '/birojs/parbaude' });
    assert.equal(res.status, 303);
    const back = await pm.get(`/birojs/pakalpojumi/${PMLP}/versijas`);
    assert.match(back.html, /Administrators atgrieza jūsu izmaiņas/);
    assert.match(back.html, /Lūdzu, norādiet termiņu &lt;b&gt;dienās&lt;\/b&gt;/);
    await publicPage(PMLP, /Deklarēšana — gaida apstiprinājumu/);
    queue = await boss.get('/birojs/parbaude');
    assert.doesNotMatch(queue.html, /Deklarēšana — atgriezīs/);
    // a restore is a save like any other: it waits for approval too
    const last = db(`SELECT max(number) FROM service_version WHERE slug = '${PMLP}'`);
    res = await pm.post(`/birojs/pakalpojumi/${PMLP}/versijas/1/atjaunot`, { versija: last, darbiba: 'publicet' }, { formPath: `/birojs/pakalpojumi/${PMLP}/versijas/1` });
    assert.equal(res.status, 303);
    assert.equal(db(`SELECT state || ' ' || restored_from FROM service_version WHERE slug = '${PMLP}' AND number = ${Number(last) + 1}`), 'pending 1');
    await publicPage(PMLP, /Deklarēšana — gaida apstiprinājumu/);
    const audit = db("SELECT action FROM audit_log WHERE action IN ('service-approved', 'service-returned') AND ok = 1 ORDER BY id");
    assert.deepEqual(audit.split('\n'), ['service-approved', 'service-returned']);
  });

  test('another institution\'s editor cannot read or change the versions, also by guessing', async () => {
    for (const p of ['/versijas', '/versijas/1', '/versijas/2', '/versijas/999', '/versijas/abc', '/priekssk', '/versijas/1/priekssk']) {
      const res = await other.get(OFFICE + p);
      assert.equal(res.status, 403, p);
      assert.doesNotMatch(res.html, /Algas grāmatiņa —/, p);
    }
    const before1 = db(`SELECT count(*) FROM service_version WHERE slug = '${SLUG}'`);
    let res = await other.post(`${OFFICE}/versijas/1/atjaunot`, { versija: '99', darbiba: 'publicet' }, { formPath: '/birojs' });
    assert.equal(res.status, 403);
    // an editor, even of the service's own institution, does not approve
    res = await ed.post(`/birojs/parbaude/${SLUG}/1/apstiprinat`, {}, { formPath: '/birojs' });
    assert.equal(res.status, 403);
    res = await ed.post(`/birojs/parbaude/${SLUG}/1/atgriezt`, { komentars: 'x' }, { formPath: '/birojs' });
    assert.equal(res.status, 403);
    assert.equal((await ed.get('/birojs/parbaude')).status, 403);
    assert.equal(db(`SELECT count(*) FROM service_version WHERE slug = '${SLUG}'`), before1);
    // a form without the CSRF token is refused before anything
    res = await ed.post(`${OFFICE}/versijas/1/atjaunot`, { versija: '1', darbiba: 'publicet' }, { token: 'forged' });
    assert.equal(res.status, 403);
    assert.equal(db(`SELECT count(*) FROM service_version WHERE slug = '${SLUG}'`), before1);
    // unknown services are 404, not someone else's 403
    assert.equal((await ed.get('/birojs/pakalpojumi/nav-tada/versijas')).status, 404);
  });

  test('the pages speak English under /en', async () => {
    const res = await ed.get(`/en${OFFICE}/versijas/2`);
    assert.equal(res.status, 200);
    assert.match(res.html, /Title — in Latvian/);
    assert.match(res.html, /Restore this version/);
  });
});
