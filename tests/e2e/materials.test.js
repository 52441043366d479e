// tests/e2e/materials.test.js — materials for informers (issue 12, point
// 6): a content editor uploads a real PDF and PNG made here, people
// download them with the type found in their bytes and a file name from
// the title (Latvian letters in filename*, RFC 8187); files whose content
// is not an accepted type are refused beside the field whatever their name
// says; too large files are refused and the server goes on serving; the
// upload route takes a body larger than max-body while every other route
// does not; staff-only items do not exist for anyone but staff; ids made
// to reach another file get 404; the back office refuses anonymous people,
// citizens and other roles, also on direct POSTs, and posts without the
// CSRF token; editing, replacing and deleting are audited and leave no
// unused file behind; the budgets of uploads per editor and downloads per
// network hold. On SQLite, and on PostgreSQL when EPAK_TEST_PG_URL is set.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { root, startServer, sqlite, psql } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n'
  + '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const HTML = Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n');
const MAX = 128 * 1024;      // materials-max-bytes for this server
const MAX_BODY = 64 * 1024;  // max-body: smaller than an upload may be
const UPLOADS = 30;          // limit-materials-uploads
const DOWNLOADS = 60;        // limit-materials-downloads
const pgUrl = process.env.EPAK_TEST_PG_URL;
const engines = [['sqlite', null]];
if (pgUrl) engines.push(['postgresql', 'epak_e2e_materials']);

// A PDF of n bytes: the header, then padding a PDF reader skips.
function pdfOf(n) {
  return Buffer.concat([PDF, Buffer.alloc(n - PDF.length, 0x20)]);
}

function csrfOf(html) {
  const m = html.match(/name="_csrf" value="([^"]+)"/);
  return m ? m[1] : '';
}

for (const [engine, pgName] of engines) describe(`materials for informers (${engine})`, () => {
  let srv, ed, cons, inst, citizen, anon, admin;
  let dbUrl = null;
  let data;
  const options = () => ({
    db: dbUrl, data,
    extra: ['--materials-max-bytes', `${MAX}`, '--max-body', `${MAX_BODY}`,
      '--limit-materials-uploads', `${UPLOADS}`, '--limit-materials-downloads', `${DOWNLOADS}`],
  });
  const db = (sql) => (dbUrl ? psql(dbUrl, sql) : sqlite(path.join(srv.data, 'epak.db'), sql));

  // A citizen's session made directly in the database (as tests/lib/auth.js
  // citizenSession does for SQLite): its cookie value.
  function citizenCookie() {
    const token = crypto.randomBytes(32).toString('base64url');
    const id = crypto.createHash('sha256').update(token).digest('hex');
    const now = Math.floor(Date.now() / 1000);
    db(`INSERT INTO account (kind, display_name, pno_hash, created_at) VALUES ('citizen', 'ANNA BĒRZIŅA', 'test:anna', ${now})`);
    const acc = db("SELECT id FROM account WHERE pno_hash = 'test:anna'");
    db(`INSERT INTO login_session (id, account_id, method, created_at, seen_at, expires_at) VALUES ('${id}', ${acc}, 'webeid', ${now}, ${now}, ${now + 3600})`);
    return token;
  }
  const files = () => fs.readdirSync(path.join(srv.data, 'materials')).filter((f) => !f.startsWith('.')).sort();

  // A multipart POST as the upload form sends it; file: {name, type, bytes}.
  async function upload(b, p, fields, file, { token, headers = {} } = {}) {
    const csrf = token ?? csrfOf((await b.get('/birojs/materiali')).html);
    const fd = new FormData();
    fd.set('_csrf', csrf);
    for (const [k, v] of Object.entries(fields)) fd.set(k, v);
    if (file) fd.set('datne', new Blob([file.bytes], { type: file.type || 'application/octet-stream' }), file.name);
    const res = await fetch(srv.base + p, { method: 'POST', body: fd, redirect: 'manual', headers: { cookie: b.cookie(), ...headers } });
    b.take(res);
    res.html = await res.text();
    return res;
  }

  const fields = (over = {}) => ({ title_lv: 'Materiāls', lang: 'lv', kind: 'other', visibility: 'public', ...over });

  // The id of an upload answered 303 → /birojs/materiali/ID?saglabats=1.
  function idOf(res) {
    assert.equal(res.status, 303, res.html.slice(0, 400));
    const m = res.headers.get('location').match(/\/birojs\/materiali\/(\d+)\?saglabats=1$/);
    assert.ok(m, res.headers.get('location'));
    return Number(m[1]);
  }

  async function download(b, id, prefix = '') {
    const res = await fetch(`${srv.base}${prefix}/materiali/${id}/lejupielade`, { headers: { cookie: b.cookie() }, redirect: 'manual' });
    res.bytes = Buffer.from(await res.arrayBuffer());
    return res;
  }

  // filename="…" and the decoded filename*=UTF-8''… of a Content-Disposition.
  function names(cd) {
    assert.match(cd, /^attachment; /);
    const ascii = cd.match(/filename="([^"]*)"/)[1];
    const star = cd.match(/filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]+)$/);
    assert.ok(star, `filename* is RFC 8187 value-chars: ${cd}`);
    return { ascii, utf8: decodeURIComponent(star[1]) };
  }

  before(async () => {
    if (pgName) {
      psql(pgUrl, `DROP DATABASE IF EXISTS ${pgName}`);
      psql(pgUrl, `CREATE DATABASE ${pgName}`);
      dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, `/${pgName}$1`);
    }
    data = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-materials-'));
    srv = await startServer(options());
    addUser(srv, 'ed', PW, ['name=Satura Redaktore', 'role=content']);
    addUser(srv, 'cons', PW, ['name=Konsultante', 'role=consultant']);
    addUser(srv, 'inst', PW, ['name=Iestādes Redaktors', 'role=institution', 'institution=vid']);
    const adm = addUser(srv, 'boss', PW, ['name=Ministrija', 'role=admin']);
    ed = new Browser(srv.base);
    assert.equal((await staffLogin(ed, 'ed', PW)).status, 303);
    cons = new Browser(srv.base);
    assert.equal((await staffLogin(cons, 'cons', PW)).status, 303);
    inst = new Browser(srv.base);
    assert.equal((await staffLogin(inst, 'inst', PW)).status, 303);
    admin = new Browser(srv.base);
    assert.equal((await staffLogin(admin, 'boss', PW, adm.key)).status, 303);
    citizen = new Browser(srv.base);
    citizen.jar.set('epak_session', citizenCookie());
    anon = new Browser(srv.base);
  });
  after(async () => {
    await srv?.stop();
    if (data) fs.rmSync(data, { recursive: true, force: true });
  });

  test('the "ē!" logo of static/ is the first public material, an SVG served only as an attachment', async () => {
    const page = await anon.get('/materiali');
    assert.equal(page.status, 200);
    assert.match(page.html, /<h2 id="kind-logo">Logotipi<\/h2>/);
    const m = page.html.match(/<a href="\/materiali\/(\d+)\/lejupielade" download>Kampaņas zīme „ē!”<\/a>/);
    assert.ok(m, 'the logo is listed');
    assert.match(page.html, /SVG attēls \(vektorgrafika\), \d+ B, latviešu un angļu valodā/);
    const res = await download(anon, m[1]);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/svg+xml');
    assert.deepEqual(res.bytes, fs.readFileSync(path.join(root, 'static/e-mark.svg')));
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy'), /sandbox/);
    assert.equal(names(res.headers.get('content-disposition')).utf8, 'Kampaņas zīme „ē!”.svg');
  });

  test('a PDF and a PNG are uploaded and download with the type of their bytes and the title as name', async () => {
    const title = 'Vadlīnijas iestādēm: ēšana, ķēde un Ģirts';
    const before = files().length;
    const pdfId = idOf(await upload(ed, '/birojs/materiali',
      fields({ title_lv: title, title_en: 'Guidelines for institutions', kind: 'guideline', description_lv: 'Kā stāstīt par e-pakalpojumiem.' }),
      { name: 'vadlinijas.pdf', type: 'application/pdf', bytes: PDF }));
    // the PNG's name and claimed type say text: the bytes decide
    const pngId = idOf(await upload(ed, '/birojs/materiali', fields({ title_lv: 'Plakāts „ē!” A3', kind: 'poster', lang: 'both' }),
      { name: 'plakats.txt', type: 'text/plain', bytes: PNG }));
    assert.equal(files().length, before + 2, 'one file each, named by content');
    for (const f of files()) assert.match(f, /^[0-9a-f]{64}$/, 'stored under its SHA-256 only');

    const pub = await anon.get('/materiali');
    assert.match(pub.html, /<h2 id="kind-guideline">Vadlīnijas<\/h2>/);
    assert.match(pub.html, new RegExp(`${title}</a>\\s*<span class="meta">\\(PDF, ${PDF.length} B, latviski\\)`));
    assert.match(pub.html, /Plakāts „ē!” A3<\/a>\s*<span class="meta">\(PNG attēls, \d+ B, latviešu un angļu valodā\)/);
    const en = await anon.get('/en/materiali');
    assert.match(en.html, /Guidelines for institutions<\/a>\s*<span class="meta">\(PDF, \d+ B, in Latvian\)/);

    let res = await download(anon, pdfId);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.deepEqual(res.bytes, PDF);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const n = names(res.headers.get('content-disposition'));
    assert.equal(n.utf8, 'Vadlīnijas iestādēm_ ēšana, ķēde un Ģirts.pdf');
    assert.equal(n.ascii, 'Vadlinijas iestadem_ esana, kede un Girts.pdf');
    // the English page offers the English title
    res = await download(anon, pdfId, '/en');
    assert.equal(names(res.headers.get('content-disposition')).utf8, 'Guidelines for institutions.pdf');
    // the browser's copy is still good: 304, the file is not sent again
    const etag = res.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{32}"$/);
    res = await fetch(`${srv.base}/materiali/${pdfId}/lejupielade`, { headers: { 'if-none-match': etag } });
    assert.equal(res.status, 304);
    assert.equal((await res.arrayBuffer()).byteLength, 0);
    res = await download(anon, pngId);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.deepEqual(res.bytes, PNG);
    assert.match(names(res.headers.get('content-disposition')).utf8, /^Plakāts .ē!. A3\.png$/);
  });

  test('a file whose bytes are not an accepted type is refused beside the field, whatever its name', async () => {
    const before = { rows: db('SELECT COUNT(*) FROM material'), files: files().length };
    const elf = fs.readFileSync('/bin/true');
    for (const file of [{ name: 'vadlinijas.pdf', type: 'application/pdf', bytes: HTML },
      { name: 'prezentacija.pdf', type: 'application/pdf', bytes: elf.subarray(0, 60000) },
      { name: 'arhivs.pdf', type: 'application/pdf', bytes: Buffer.from('PK\x03\x04 not quite a zip', 'latin1') }]) {
      const res = await upload(ed, '/birojs/materiali', fields({ title_lv: 'Viltīgs fails' }), file);
      assert.equal(res.status, 422, file.name);
      assert.match(res.html, /<p class="field-error" id="datne-error">Šīs datnes saturs nav neviens no šeit pieņemtajiem veidiem \(PDF, PNG/);
      assert.match(res.html, /<a href="#datne">Datne: /, 'in the summary too');
      assert.match(res.html, /aria-invalid="true"/);
      assert.match(res.html, /id="title_lv" name="title_lv" value="Viltīgs fails"/, 'what was typed stays');
    }
    assert.equal(db('SELECT COUNT(*) FROM material'), before.rows);
    assert.equal(files().length, before.files, 'nothing was kept');
    // the English page says it in English
    const csrf = csrfOf((await ed.get('/en/birojs/materiali')).html);
    const res = await upload(ed, '/en/birojs/materiali', fields(), { name: 'x.pdf', bytes: HTML }, { token: csrf });
    assert.match(res.html, /This file&#39;s content is not one of the kinds accepted here/);
  });

  test('too large files are refused, and the upload route alone takes more than max-body', async () => {
    // over materials-max-bytes, within the route's body limit: beside the field
    let res = await upload(ed, '/birojs/materiali', fields({ title_lv: 'Pārāk liels' }), { name: 'liels.pdf', bytes: pdfOf(MAX + 1) });
    assert.equal(res.status, 422);
    assert.match(res.html, /<p class="field-error" id="datne-error">Datne ir lielāka par 128 kB/);
    // far over: refused on its headers by the HTTP layer
    res = await upload(ed, '/birojs/materiali', fields({ title_lv: 'Milzīgs' }), { name: 'milzigs.pdf', bytes: pdfOf(8 * 1024 * 1024) });
    assert.equal(res.status, 413);
    assert.equal((await anon.get('/materiali')).status, 200, 'the server goes on serving');
    // larger than max-body, within materials-max-bytes: this route takes it…
    const mid = pdfOf(MAX_BODY + 20000);
    const id = idOf(await upload(ed, '/birojs/materiali', fields({ title_lv: 'Vidējs' }), { name: 'videjs.pdf', bytes: mid }));
    assert.deepEqual((await download(anon, id)).bytes, mid);
    // …from those who may upload: anyone else's is refused before it is parsed
    for (const b of [anon, cons]) {
      const t = csrfOf((await b.get(b === anon ? '/pieteikties' : '/profils')).html);
      res = await upload(b, '/birojs/materiali', fields({ title_lv: 'Svešs' }), { name: 'videjs.pdf', bytes: mid }, { token: t });
      assert.equal(res.status, 413);
    }
    // …and another form route does not
    const fd = new FormData();
    fd.set('_csrf', csrfOf((await anon.get('/atsauksmes')).html));
    fd.set('x', new Blob([mid]), 'x.pdf');
    res = await fetch(`${srv.base}/atsauksmes`, { method: 'POST', body: fd, headers: { cookie: anon.cookie() } });
    assert.equal(res.status, 413);
  });

  test('a staff-only material does not exist for anyone but staff', async () => {
    const id = idOf(await upload(ed, '/birojs/materiali', fields({ title_lv: 'Iekšējās prezentācijas slaidi', kind: 'slides', visibility: 'staff' }),
      { name: 'slaidi.pdf', bytes: PDF }));
    for (const b of [anon, citizen]) {
      assert.doesNotMatch((await b.get('/materiali')).html, /Iekšējās prezentācijas/);
      const res = await download(b, id);
      const missing = await download(b, 999999);
      assert.equal(res.status, 404, 'not 403: no oracle');
      assert.equal(res.bytes.toString().replaceAll(`/${id}/`, '/N/'), missing.bytes.toString().replaceAll('/999999/', '/N/'),
        'the same page as an id that does not exist');
    }
    for (const b of [cons, ed]) {
      const page = await b.get('/materiali');
      assert.match(page.html, /Iekšējās prezentācijas slaidi<\/a> <strong class="tag">tikai darbiniekiem<\/strong>/);
      assert.equal((page.html.match(/class="tag"/g) || []).length, 1, 'public items are not marked');
      assert.match(page.headers.get('cache-control'), /no-store/);
      const res = await download(b, id);
      assert.equal(res.status, 200);
      assert.deepEqual(res.bytes, PDF);
      assert.match(res.headers.get('cache-control'), /no-store/);
    }
  });

  test('ids made to reach another file get 404', async () => {
    const tricks = ['..', '%2e%2e', '..%2f1', '%2e%2e%2f%2e%2e%2fsecret', '%2F', '-1', '0', '01', '1.0', '+1', '%201', '1%20',
      '0x1', '1e3', 'abc', '99999999999999999999999', '9223372036854775807', '1000000000000000', '%C4%93',
      '1;', '1%3B', '..%5C..%5Csecret', '%252e%252e'];
    for (const t of tricks) {
      const res = await fetch(`${srv.base}/materiali/${t}/lejupielade`);
      assert.equal(res.status, 404, t);
    }
    for (const p of ['/materiali/1/lejupielade/../../../secret', '/materiali/1/../../secret/lejupielade',
      '/materiali/1/lejupielade/x', '/materiali//lejupielade', '/materiali/lejupielade']) {
      assert.equal((await fetch(srv.base + p)).status, 404, p);
    }
  });

  test('the back office refuses anonymous people, citizens and other roles, also on direct POSTs', async () => {
    const id = Number(db("SELECT MIN(id) FROM material WHERE visibility = 'public'"));
    const rows = db('SELECT COUNT(*) || \'/\' || MAX(updated_at) FROM material');
    const filesBefore = files().length;
    let res = await anon.get('/birojs/materiali');
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location'), /\/pieteikties/);
    for (const b of [citizen, cons, inst]) {
      assert.equal((await b.get('/birojs/materiali')).status, 403);
      assert.equal((await b.get(`/birojs/materiali/${id}`)).status, 403);
    }
    const token = csrfOf((await anon.get('/pieteikties')).html);
    for (const b of [anon, citizen, cons, inst]) {
      const t = b === anon ? token : csrfOf((await b.get('/profils')).html);
      const want = b === anon ? 303 : 403;
      res = await upload(b, '/birojs/materiali', fields({ title_lv: 'Ielaušanās' }), { name: 'x.pdf', bytes: PDF }, { token: t });
      assert.equal(res.status, want, 'new');
      res = await upload(b, `/birojs/materiali/${id}`, fields({ title_lv: 'Ielaušanās' }), { name: 'x.png', bytes: PNG }, { token: t });
      assert.equal(res.status, want, 'save');
      res = await b.post(`/birojs/materiali/${id}/dzest`, {}, { token: t });
      assert.equal(res.status, want, 'delete');
    }
    assert.equal(db('SELECT COUNT(*) || \'/\' || MAX(updated_at) FROM material'), rows, 'nothing changed');
    assert.equal(files().length, filesBefore);
    // the administrator may
    assert.equal((await admin.get('/birojs/materiali')).status, 200);
    assert.match((await admin.get('/birojs')).html, /href="\/birojs\/materiali"/);
    assert.match((await ed.get('/birojs')).html, /href="\/birojs\/materiali"/);
    assert.doesNotMatch((await cons.get('/birojs')).html, /href="\/birojs\/materiali"/);
  });

  test('posts without the CSRF token, with another browser\'s, or from another site are refused', async () => {
    const rows = db('SELECT COUNT(*) FROM material');
    const id = Number(db("SELECT MIN(id) FROM material WHERE visibility = 'public'"));
    let res = await upload(ed, '/birojs/materiali', fields(), { name: 'x.pdf', bytes: PDF }, { token: '' });
    assert.equal(res.status, 403);
    res = await upload(ed, '/birojs/materiali', fields(), { name: 'x.pdf', bytes: PDF }, { token: csrfOf((await cons.get('/profils')).html) });
    assert.equal(res.status, 403);
    res = await upload(ed, '/birojs/materiali', fields(), { name: 'x.pdf', bytes: PDF },
      { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    assert.equal(res.status, 403);
    res = await ed.post(`/birojs/materiali/${id}/dzest`, {}, { token: 'x' });
    assert.equal(res.status, 403);
    assert.equal(db('SELECT COUNT(*) FROM material'), rows);
    assert.equal((await download(anon, id)).status, 200, 'not deleted');
  });

  test('editing, replacing and deleting are audited and leave no unused file', async () => {
    const id = idOf(await upload(ed, '/birojs/materiali', fields({ title_lv: 'Buklets 2015', kind: 'leaflet' }),
      { name: 'buklets.pdf', bytes: pdfOf(2000) }));
    const oldSha = db(`SELECT sha256 FROM material WHERE id = ${id}`);
    assert.ok(files().includes(oldSha));
    // the edit page's form, texts only (no file: the file stays)
    let page = await ed.get(`/birojs/materiali/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.html, /uploaded as|augšupielādēta kā/);
    let res = await upload(ed, `/birojs/materiali/${id}`, fields({ title_lv: 'Buklets 2026', kind: 'leaflet', position: '5' }), null,
      { token: csrfOf(page.html) });
    assert.equal(idOf(res), id);
    assert.equal(db(`SELECT title_lv || '/' || position || '/' || sha256 FROM material WHERE id = ${id}`), `Buklets 2026/5/${oldSha}`);
    // a bad title keeps the file and says so beside the field
    res = await upload(ed, `/birojs/materiali/${id}`, fields({ title_lv: '' }), null);
    assert.equal(res.status, 422);
    assert.match(res.html, /id="title_lv-error"/);
    // replaced by a PNG: the type follows the bytes, the old file goes
    // (a file stored less than a minute ago may be an upload's in flight
    // and is left to the sweep at start: this one is made older)
    const past = new Date(Date.now() - 120 * 1000);
    fs.utimesSync(path.join(data, 'materials', oldSha), past, past);
    res = await upload(ed, `/birojs/materiali/${id}`, fields({ title_lv: 'Buklets 2026', kind: 'leaflet' }), { name: 'buklets.pdf', bytes: PNG });
    assert.equal(idOf(res), id);
    assert.equal(db(`SELECT media_type FROM material WHERE id = ${id}`), 'image/png');
    assert.ok(!files().includes(oldSha), 'the replaced file is removed');
    const dl = await download(anon, id);
    assert.equal(dl.headers.get('content-type'), 'image/png');
    assert.match(names(dl.headers.get('content-disposition')).utf8, /^Buklets 2026\.png$/);
    // deleted: gone from the page, the download and the disk (the PNG is
    // still another material's file, so that one stays)
    const pngSha = db(`SELECT sha256 FROM material WHERE id = ${id}`);
    page = await ed.get(`/birojs/materiali/${id}`);
    res = await ed.post(`/birojs/materiali/${id}/dzest`, {}, { token: csrfOf(page.html) });
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location'), /\/birojs\/materiali\?dzests=1$/);
    assert.equal((await download(anon, id)).status, 404);
    assert.doesNotMatch((await anon.get('/materiali')).html, /Buklets 2026/);
    assert.ok(files().includes(pngSha), 'shared with another material');
    assert.equal((await ed.get(`/birojs/materiali/${id}`)).status, 404);
    const audit = db(`SELECT action FROM audit_log WHERE detail LIKE 'material=${id} %' OR detail = 'material=${id}' ORDER BY id`);
    assert.deepEqual(audit.split('\n'), ['material-uploaded', 'material-updated', 'material-replaced', 'material-deleted']);
    assert.ok(Number(db("SELECT COUNT(*) FROM audit_log WHERE action = 'material-refused' AND detail LIKE 'reason=type%'")) >= 3);
  });

  test('uploads per editor and downloads per network have budgets', async () => {
    const id = Number(db("SELECT MIN(id) FROM material WHERE visibility = 'public'"));
    let limited = null;
    for (let i = 0; i <= UPLOADS && !limited; i++) {
      const res = await upload(ed, '/birojs/materiali', fields({ title_lv: `Plūdi ${i}` }), { name: 'x.png', bytes: PNG });
      if (res.status === 429) limited = res;
      else assert.equal(res.status, 303);
    }
    assert.ok(limited, 'the editor was held off');
    assert.match(limited.html, /<p class="field-error" id="datne-error">Pēdējā stundā jūs augšupielādējāt ļoti daudz datņu/);
    // another editor is not
    assert.equal((await upload(admin, '/birojs/materiali', fields({ title_lv: 'Ministrijas' }), { name: 'x.png', bytes: PNG })).status, 303);
    let dlimited = false;
    for (let i = 0; i <= DOWNLOADS && !dlimited; i++) {
      const res = await download(anon, id);
      if (res.status === 429) dlimited = true;
      else assert.equal(res.status, 200);
    }
    assert.ok(dlimited, 'a network downloading without end is held off');
    assert.equal((await anon.get('/materiali')).status, 200, 'the list is still served');
  });

  test('at the next start the deleted logo stays deleted and files nobody refers to are swept', async () => {
    const logo = db("SELECT id FROM material WHERE original_name = 'e-mark.svg'");
    const logoSha = db(`SELECT sha256 FROM material WHERE id = ${logo}`);
    const page = await ed.get(`/birojs/materiali/${logo}`);
    assert.equal((await ed.post(`/birojs/materiali/${logo}/dzest`, {}, { token: csrfOf(page.html) })).status, 303);
    await srv.stop();
    const dir = path.join(data, 'materials');
    const stale = path.join(dir, 'a'.repeat(64));
    const fresh = path.join(dir, 'b'.repeat(64));
    const temp = path.join(dir, '.upload-XXXXXX');
    for (const f of [stale, fresh, temp]) fs.writeFileSync(f, 'left behind');
    const hourAgo = new Date(Date.now() - 2 * 3600 * 1000);
    fs.utimesSync(stale, hourAgo, hourAgo);
    fs.utimesSync(temp, hourAgo, hourAgo);
    // the deleted logo's file was stored less than a minute before its
    // deletion, so it was left for the sweep; made old, the sweep takes it
    const logoFile = path.join(dir, logoSha);
    if (fs.existsSync(logoFile)) fs.utimesSync(logoFile, hourAgo, hourAgo);
    const kept = files().filter((f) => f !== 'a'.repeat(64) && f !== 'b'.repeat(64) && f !== logoSha);
    srv = await startServer(options());
    assert.doesNotMatch(await (await fetch(`${srv.base}/materiali`)).text(), /Kampaņas zīme/, 'not offered again');
    assert.equal(db("SELECT COUNT(*) FROM material WHERE original_name = 'e-mark.svg'"), '0');
    assert.ok(!fs.existsSync(stale) && !fs.existsSync(temp) && !fs.existsSync(logoFile),
      `old unused files are removed: ${srv.log()}`);
    assert.ok(fs.existsSync(fresh), 'a file of an upload still under way is left alone');
    assert.deepEqual(files().filter((f) => f !== 'b'.repeat(64)), kept, 'files in use stay');
  });
});
