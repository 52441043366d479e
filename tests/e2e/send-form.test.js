// tests/e2e/send-form.test.js — issue 13 points 7 and 8: every institution
// with an official e-mail address in the catalog can be chosen on /nosutit
// and the rest are listed with how to reach them (counted against the demo
// and the reference catalogs); ?iestade= preselects one and a hostile value
// changes nothing; every field is checked in one pass, the summary in the
// form's order; a chosen file is not kept while another field is wrong and
// the page says so (nothing of it stays on the server); the receipt's
// heading and wording follow the delivery state; the "PIN bloķēts vai
// aizmirsts" FAQ entry (migration 22, SQLite and PostgreSQL) and /kontakti
// by problem, with numbers that work from abroad taken from the catalog.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, getFormSession, sqlite, psql, root } from '../lib/server.js';
import { startSigningPortal } from '../lib/signing.js';
import { signContainer } from '../lib/containers.js';

const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const demoCatalog = path.join(root, 'data/catalog.jsonld');
const refCatalog = path.join(shared, 'testdata/catalog-lv/catalog.jsonld');
const pgUrl = process.env.EPAK_TEST_PG_URL;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let work;
let portal;
let srv;
let edoc;
const db = (sql) => sqlite(path.join(srv.data, 'epak.db'), sql);

// What the catalog says about each organisation: its identifier and whether
// it has an official e-mail address — a cv:email on one of its contact
// points, or on the contact point of an email-esign channel of its own
// services (docs/catalog.md). Written here from the JSON-LD itself, not
// from epak's model.
function catalogOrgs(file) {
  const g = JSON.parse(fs.readFileSync(file, 'utf8'))['@graph'];
  const arr = (x) => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
  const byId = new Map(g.map((n) => [n['@id'], n]));
  const val = (x) => (typeof x === 'object' && x !== null ? x['@value'] ?? x['@id'] : x);
  const emailOf = (ref) => arr(byId.get(ref?.['@id'])?.['cv:email'] ?? ref?.['cv:email']).map(val).find(Boolean);
  const orgs = g.filter((n) => arr(n['@type']).includes('cv:PublicOrganisation'));
  const slug = (o) => val(arr(o['dct:identifier'])[0]) || o['@id'].split('/').pop();
  const withMail = new Set();
  for (const o of orgs) if (arr(o['cv:contactPoint']).some((c) => emailOf(c))) withMail.add(o['@id']);
  for (const s of g.filter((n) => arr(n['@type']).includes('cpsv:PublicService'))) {
    for (const ch of arr(s['cv:hasChannel'])) {
      const type = JSON.stringify(ch['dct:type'] ?? '');
      const owner = ch['cv:ownedBy']?.['@id'] ?? s['cv:hasCompetentAuthority']?.['@id'];
      if (type.includes('email-esign') && owner === s['cv:hasCompetentAuthority']?.['@id'] && arr(ch['cv:contactPoint']).some((c) => emailOf(c)))
        withMail.add(owner);
    }
  }
  return orgs.map((o) => ({ slug: slug(o), mail: withMail.has(o['@id']) }));
}

const options = (html) => [...html.matchAll(/<option value="([^"]+)"([^>]*)>/g)].map((m) => ({ slug: m[1], selected: / selected/.test(m[2]) }));
const listed = (html) => [...html.matchAll(/<li id="iestade-([^"]+)">/g)].map((m) => m[1]);

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-send-form-'));
  portal = await startSigningPortal(work);
  srv = portal.srv;
  fs.writeFileSync(path.join(work, 'iesniegums.txt'), 'Lūdzu izsniegt izziņu par deklarēto dzīvesvietu.\n');
  edoc = path.join(work, 'iesniegums.edoc');
  signContainer(portal.pki, edoc, [path.join(work, 'iesniegums.txt')]);
});

after(async () => {
  await portal?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function post(fields, file, prefix = '') {
  const s = await getFormSession(srv.base, prefix + '/nosutit');
  const fd = new FormData();
  fd.append('_csrf', s.token);
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  if (file) fd.append('edoc', new Blob([file.bytes]), file.name);
  return fetch(srv.base + prefix + '/nosutit', { method: 'POST', body: fd, headers: { cookie: s.cookie }, redirect: 'manual' });
}
const signed = () => ({ name: 'iesniegums.edoc', bytes: fs.readFileSync(edoc) });

test('every institution with an official address can be chosen, the rest are listed with how to reach them (demo catalog)', async () => {
  const orgs = catalogOrgs(demoCatalog);
  const html = (await getFormSession(srv.base, '/nosutit')).html;
  const chosen = options(html).map((o) => o.slug).sort();
  const expected = orgs.filter((o) => o.mail).map((o) => o.slug).sort();
  assert.ok(expected.length >= 10, `the demo catalog has addresses (${expected.length})`);
  assert.deepEqual(chosen, expected);
  assert.deepEqual(listed(html).sort(), orgs.filter((o) => !o.mail).map((o) => o.slug).sort());
  assert.equal(chosen.length + listed(html).length, orgs.length, 'every institution is either choosable or listed');
  // the others say how to reach them: the e-address, their page, phones as dialled from abroad
  const others = html.slice(html.indexOf('id="citas-iestades"'));
  assert.match(others, /oficiālā elektroniskā adrese \(e-adrese\)/);
  const at = others.indexOf('<li id="iestade-pmlp">');
  const pmlp = others.slice(at, others.indexOf('<li id="iestade-', at + 5));
  assert.match(pmlp, /href="https:\/\/www\.pmlp\.gov\.lv"/);
  assert.match(pmlp, /<a href="tel:8300">8300<\/a> <span class="abroad">\(īsais numurs: darbojas tikai no Latvijas/);
  assert.match(pmlp, /Adrese: Čiekurkalna/);
  assert.match(html, /<a href="#citas-iestades">/, 'the institution field links to the list');
  const en = (await getFormSession(srv.base, '/en/nosutit')).html;
  assert.match(en, /Every Latvian public institution has an official electronic address \(e-adrese\)/);
});

test('the reference catalog: its 2 addresses choosable, its other 40 institutions listed', async () => {
  const ref = await startServer({ imports: [refCatalog] });
  try {
    const orgs = catalogOrgs(refCatalog);
    assert.equal(orgs.length, 42);
    const html = (await getFormSession(ref.base, '/nosutit')).html;
    const chosen = options(html).map((o) => o.slug).sort();
    assert.deepEqual(chosen, orgs.filter((o) => o.mail).map((o) => o.slug).sort());
    assert.equal(listed(html).length, orgs.length - chosen.length);
    assert.equal(chosen.length + listed(html).length, 42);
    // an institution with only a homepage still gets a way to reach it
    const vid = html.slice(html.indexOf('<li id="iestade-vid">'));
    assert.match(vid.slice(0, 600), /href="https:\/\/www\.vid\.gov\.lv"/);
  } finally {
    await ref.stop();
  }
});

test('?iestade= preselects the institution; an unknown or hostile value selects nothing and is not echoed', async () => {
  let html = (await getFormSession(srv.base, '/nosutit?iestade=vid')).html;
  assert.deepEqual(options(html).filter((o) => o.selected).map((o) => o.slug), ['vid']);
  html = (await getFormSession(srv.base, '/en/nosutit?iestade=vsaa')).html;
  assert.deepEqual(options(html).filter((o) => o.selected).map((o) => o.slug), ['vsaa']);
  // one without an address: not selectable, the page says so and links to how to reach it
  html = (await getFormSession(srv.base, '/nosutit?iestade=pmlp')).html;
  assert.equal(options(html).filter((o) => o.selected).length, 0);
  assert.match(html, /<p class="note" id="iestade-note">Katalogā šai iestādei nav oficiālās e-pasta adreses[^<]*<a href="#iestade-pmlp">/);
  assert.match(html, /aria-describedby="iestade-hint iestade-note"/);
  for (const bad of ['nav-tadas', '"><script>alert(1)</script>', 'vid"selected', '../../etc/passwd', 'VID', 'vid ', 'x'.repeat(300)]) {
    const r = await fetch(srv.base + '/nosutit?iestade=' + encodeURIComponent(bad));
    assert.equal(r.status, 200, bad);
    const h = await r.text();
    assert.equal(options(h).filter((o) => o.selected).length, 0, bad);
    assert.doesNotMatch(h, /<script>alert|id="iestade-note"/, bad);
  }
  // service pages link to the form with their institution: /nosutit?iestade=SLUG
  html = (await getFormSession(srv.base, '/nosutit?iestade=vid&x=1')).html;
  assert.deepEqual(options(html).filter((o) => o.selected).map((o) => o.slug), ['vid']);
});

test('every field is checked in one pass; the summary follows the form, each message beside its field', async () => {
  for (const [prefix, words] of [['', /Lūdzu, izvēlieties parakstītu dokumentu/], ['/en', /Please choose a signed document/]]) {
    const r = await post({ iestade: '', epasts: 'nav e-pasts', zina: 'x'.repeat(2001) }, null, prefix);
    assert.equal(r.status, 422);
    const html = await r.text();
    const summary = html.slice(html.indexOf('class="error-summary"'), html.indexOf('</div>', html.indexOf('class="error-summary"')));
    assert.deepEqual([...summary.matchAll(/<a href="#([a-z]+)">/g)].map((m) => m[1]), ['edoc', 'iestade', 'epasts', 'zina'], prefix);
    assert.match(summary, words);
    for (const id of ['edoc', 'iestade', 'epasts', 'zina']) {
      assert.match(html, new RegExp(`<p class="field-error" id="${id}-error">`), `${prefix} ${id}`);
      assert.match(html, new RegExp(`id="${id}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="${id}"`), `${prefix} ${id} marked`);
    }
    // what was typed stays
    assert.match(html, /value="nav e-pasts"/);
  }
});

test('a chosen file is not kept while another field is wrong: the page says so, nothing of it stays on the server', async () => {
  const bytes = fs.readFileSync(edoc);
  const mark = bytes.subarray(Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 48);
  const before_ = db('SELECT count(*) FROM submission');
  const mailsBefore = db('SELECT count(*) FROM mail_outbox');
  let r = await post({ iestade: '', epasts: 'anna@example.lv' }, { name: 'Iesniegums "<i>x</i>".edoc', bytes });
  assert.equal(r.status, 422);
  let html = await r.text();
  const msg = html.match(/<p class="field-error" id="edoc-error">([^<]*)<\/p>/)[1];
  assert.match(msg, /^Jūs izvēlējāties „[^”<]*\.edoc”\. Lūdzu, izvēlieties to vēlreiz: portāls dokumentu nesaglabā/);
  assert.doesNotMatch(html, /<i>x<\/i>/, 'the name is never markup');
  assert.match(html, /<a href="#edoc">Parakstīts dokuments: Jūs izvēlējāties/, 'first in the summary');
  assert.match(html, /value="anna@example\.lv"/);
  r = await post({ iestade: 'vid', epasts: 'jānis@example.lv' }, signed(), '/en');
  html = await r.text();
  assert.match(html, /You chose “iesniegums\.edoc”\. Please choose it again: the portal keeps no document until every field is right\./);
  // the attack: a document sent with a wrong field must not be left
  // anywhere — not in the database, not in the data folder, not in a
  // mail — for anyone to pick up later
  await sleep(300);
  assert.equal(db('SELECT count(*) FROM submission'), before_);
  assert.equal(db('SELECT count(*) FROM mail_outbox'), mailsBefore);
  const leftovers = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const f = path.join(dir, e.name);
      if (e.isDirectory()) walk(f);
      else if (fs.readFileSync(f).includes(mark)) leftovers.push(f);
    }
  };
  walk(srv.data);
  assert.deepEqual(leftovers, [], 'no copy of the document on the server');
  // chosen again with the field put right, it goes
  r = await post({ iestade: 'vid' }, signed());
  assert.equal(r.status, 303);
});

test('the receipt: heading and wording follow the delivery state; where it went, where a copy went, when to answer', async () => {
  const r = await post({ iestade: 'vid' }, signed());
  assert.equal(r.status, 303);
  const loc = r.headers.get('location');
  const receipt = loc.split('/').pop();
  const page = async (prefix = '') => (await fetch(srv.base + prefix + loc)).text();
  // delivered by the real SMTP server
  const deadline = Date.now() + 120000;
  while (db(`SELECT status FROM mail_outbox WHERE id = (SELECT mail_id FROM submission WHERE receipt = '${receipt}')`) !== 'sent') {
    assert.ok(Date.now() < deadline, 'the mail was delivered');
    await sleep(100);
  }
  let html = await page();
  assert.match(html, /<h1>Jūsu dokuments ir piegādāts<\/h1>/);
  assert.match(html, /<title>Jūsu dokuments ir piegādāts/);
  assert.match(html, /class="verdict verdict-ok"/);
  assert.match(html, /<dt>Dokuments nosūtīts uz<\/dt><dd>pasts@vid\.gov\.lv \(iestādes oficiālā e-pasta adrese\)/);
  assert.match(html, /<dt>Kopija jums<\/dt><dd>Pa e-pastu nav: pierakstiet kvīts numuru/);
  // one month from the day it was sent, in Riga
  const sent = Number(db(`SELECT created_at FROM submission WHERE receipt = '${receipt}'`));
  const riga = new Date(new Date(sent * 1000).toLocaleString('en-US', { timeZone: 'Europe/Riga' }));
  const y = riga.getFullYear() + (riga.getMonth() === 11 ? 1 : 0);
  const m = (riga.getMonth() + 1) % 12;
  const d = Math.min(riga.getDate(), new Date(y, m + 1, 0).getDate());
  const due = `${String(d).padStart(2, '0')}.${String(m + 1).padStart(2, '0')}.${y}.`;
  assert.match(html, new RegExp(`<dt>Kad gaidīt atbildi</dt><dd><strong>Līdz ${due.replace(/\./g, '\\.')}</strong><br>Saskaņā ar Iesniegumu likumu iestāde atbild viena mēneša laikā`));
  // the time sent, in Riga time, not UTC
  assert.doesNotMatch(html, /UTC/);
  const en = await page('/en');
  assert.match(en, /<h1>Your document was delivered<\/h1>/);
  assert.match(en, /Under the Law on Submissions \(Iesniegumu likums\) an institution answers within one month/);
  // failed: said in the heading, no answer due, where to get help
  db(`UPDATE mail_outbox SET status = 'failed' WHERE id = (SELECT mail_id FROM submission WHERE receipt = '${receipt}')`);
  html = await page();
  assert.match(html, /<h1>Jūsu dokumentu neizdevās piegādāt<\/h1>/);
  assert.match(html, /class="verdict verdict-bad"/);
  assert.match(html, /Iestāde dokumentu nav saņēmusi, tāpēc atbilde nav gaidāma/);
  assert.match(html, /href="\/kontakti#dokumenta-nosutisana"/);
  assert.doesNotMatch(html, /Līdz \d/);
  // queued (the next attempt far away, so the worker leaves it): on its way
  db(`UPDATE mail_outbox SET status = 'queued', next_at = 4102444800 WHERE id = (SELECT mail_id FROM submission WHERE receipt = '${receipt}')`);
  html = await page();
  assert.match(html, /<h1>Jūsu dokuments ir ceļā<\/h1>/);
  assert.match(html, /class="verdict verdict-warn"/);
  assert.match(await page('/en'), /<h1>Your document is on its way<\/h1>/);
});

test('the e-mail field says it is how the institution will answer', async () => {
  const html = (await getFormSession(srv.base, '/nosutit')).html;
  assert.match(html, /<label for="epasts">Jūsu e-pasta adrese atbildei un kvītij/);
  assert.match(html, /Uz šo adresi iestāde jums atbildēs\./);
  assert.match((await getFormSession(srv.base, '/en/nosutit')).html, /This is how the institution will answer you\./);
});

test('/kontakti by problem: each with its helpdesks from the catalog and numbers that work from abroad', async () => {
  const html = await (await fetch(srv.base + '/kontakti')).text();
  const ids = [...html.matchAll(/<section class="problem" aria-labelledby="([^"]+)">/g)].map((m) => m[1]);
  assert.deepEqual(ids, ['eid-pin', 'e-paraksts', 'pieslegties', 'dokumenta-nosutisana', 'eid-karte']);
  const section = (id) => html.slice(html.indexOf(`<h2 id="${id}">`), html.indexOf('</section>', html.indexOf(`<h2 id="${id}">`)));
  assert.match(section('eid-pin'), /<h2 id="eid-pin">eID PIN bloķēts vai aizmirsts<\/h2>/);
  assert.match(section('eid-pin'), /PUK/);
  assert.match(section('eid-pin'), /href="\/buj#pin-blokets"/);
  // the e-signature helpdesk (epak:helpdeskFor "e-signature"): with its +371 form
  for (const id of ['eid-pin', 'e-paraksts'])
    assert.match(section(id), /<a href="tel:\+37167018989">67018989<\/a> <span class="abroad">\(no ārzemēm: <a href="tel:\+37167018989">\+371 67018989<\/a>\)/, id);
  // PMLP's short number: said not to work from abroad
  assert.match(section('eid-pin'), /<a href="tel:8300">8300<\/a> <span class="abroad">\(īsais numurs: darbojas tikai no Latvijas tālruņu numuriem, ne no ārzemēm\)/);
  assert.match(html, /Īsie numuri, piemēram, 8300, darbojas tikai no Latvijas tālruņu numuriem/);
  // the portal's own helpdesk (the facts) where logging in and sending are the problem
  assert.match(section('pieslegties'), /tel:\+37167502757/);
  assert.match(section('dokumenta-nosutisana'), /href="\/nosutit"/);
  // hours where the data has them
  assert.match(section('eid-karte'), /Darba laiks: Teritoriālo nodaļu adreses un pieņemšanas laiki/);
  assert.doesNotMatch(section('e-paraksts'), /8300/, 'only the desks for that problem');
  const en = await (await fetch(srv.base + '/en/kontakti')).text();
  assert.match(en, /<h2 id="eid-pin">eID PIN blocked or forgotten<\/h2>/);
  assert.match(en, /\(from abroad: <a href="tel:\+37167018989">\+371 67018989<\/a>\)/);
  assert.match(en, /a short number: it works only from Latvian phone numbers, not from abroad/);
});

test('/kontakti takes its numbers from the catalog: another helpdesk number and hours show up', async () => {
  const doc = JSON.parse(fs.readFileSync(demoCatalog, 'utf8'));
  const cp = doc['@graph'].find((n) => n['dct:identifier'] === 'cp-eparaksts');
  cp['cv:telephone'] = '67000123';
  cp['cv:openingHours'] = { '@type': 'time:TemporalEntity', 'dct:description': [{ '@language': 'lv', '@value': 'Darba dienās 8.00–17.00' }, { '@language': 'en', '@value': 'Working days 8:00–17:00' }] };
  const file = path.join(work, 'catalog-changed.jsonld');
  fs.writeFileSync(file, JSON.stringify(doc));
  const other = await startServer({ imports: [file] });
  try {
    const html = await (await fetch(other.base + '/kontakti')).text();
    const sec = html.slice(html.indexOf('<h2 id="e-paraksts">'), html.indexOf('</section>', html.indexOf('<h2 id="e-paraksts">')));
    assert.match(sec, /\+371 67000123/);
    assert.doesNotMatch(sec, /67018989/);
    assert.match(sec, /Darba laiks: Darba dienās 8\.00–17\.00/);
  } finally {
    await other.stop();
  }
});

const backends = [{ name: 'SQLite', pg: false }, { name: 'PostgreSQL', pg: true }];
for (const backend of backends) {
  describe(`the "PIN bloķēts vai aizmirsts" entry (${backend.name})`, { skip: backend.pg && !pgUrl && 'EPAK_TEST_PG_URL is not set' }, () => {
    let s;
    let dbUrl = null;
    before(async () => {
      if (backend.pg) {
        psql(pgUrl, 'DROP DATABASE IF EXISTS epak_e2e_pin');
        psql(pgUrl, 'CREATE DATABASE epak_e2e_pin');
        dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, '/epak_e2e_pin$1');
      }
      s = backend.pg ? await startServer({ db: dbUrl }) : srv;
    });
    after(async () => {
      if (backend.pg) {
        await s?.stop();
        psql(pgUrl, 'DROP DATABASE IF EXISTS epak_e2e_pin');
      }
    });
    test('seeded by migration 22, published in both languages under the eID topic', async () => {
      const q = "SELECT topic || '|' || state FROM faq_entry WHERE slug = 'pin-blokets'";
      assert.equal(backend.pg ? psql(dbUrl, q) : sqlite(path.join(s.data, 'epak.db'), q), 'eid|published');
      const lv = await (await fetch(s.base + '/buj')).text();
      const entry = lv.slice(lv.indexOf('<article class="faq-entry" id="pin-blokets"'), lv.indexOf('</article>', lv.indexOf('id="pin-blokets"')));
      assert.match(entry, /<h3 id="pin-blokets-q">PIN bloķēts vai aizmirsts — ko darīt\?<\/h3>/);
      for (const re of [/PUK/, /trīs reizes pēc kārtas/i, /PMLP/, /jaunu PIN kodu aploksni/i, /eparaksts\.lv/, /PIN2/, /href="\/kontakti#eid-pin"/])
        assert.match(entry, re);
      const en = await (await fetch(s.base + '/en/buj')).text();
      const e = en.slice(en.indexOf('id="pin-blokets"'), en.indexOf('</article>', en.indexOf('id="pin-blokets"')));
      for (const re of [/PIN blocked or forgotten: what to do\?/, /three times in a row/, /new PIN envelope/, /Office of Citizenship and Migration Affairs/, /href="\/en\/kontakti#eid-pin"/])
        assert.match(e, re);
    });
  });
}

test('signing here: documents chosen with a wrong field are not kept either, and the page says so first', async () => {
  const s = await getFormSession(srv.base, '/parakstit');
  const fd = new FormData();
  fd.append('_csrf', s.token);
  fd.append('iestade', '');
  fd.append('epasts', 'nav e-pasts');
  fd.append('dokuments', new Blob(['Lūdzu izsniegt izziņu.\n']), 'iesniegums.txt');
  const r = await fetch(srv.base + '/parakstit', { method: 'POST', body: fd, headers: { cookie: s.cookie }, redirect: 'manual' });
  assert.equal(r.status, 422);
  const html = await r.text();
  assert.match(html, /<p class="field-error" id="dokuments-error">Lūdzu, izvēlieties dokumentus vēlreiz: portāls tos nesaglabā/);
  const summary = html.slice(html.indexOf('class="error-summary"'), html.indexOf('</div>', html.indexOf('class="error-summary"')));
  assert.deepEqual([...summary.matchAll(/<a href="#([a-z]+)">/g)].map((m) => m[1]), ['dokuments', 'iestade', 'epasts']);
  assert.equal(db('SELECT count(*) FROM session WHERE blob IS NOT NULL'), '0', 'no signing session holds the files');
});

test('/palidziba leads to the commonest problems and the PIN entry', async () => {
  for (const [prefix, re] of [['', /<h2 id="h-problems">Biežākās problēmas<\/h2>/], ['/en', /<h2 id="h-problems">Commonest problems<\/h2>/]]) {
    const html = await (await fetch(srv.base + prefix + '/palidziba')).text();
    assert.match(html, re);
    for (const a of ['/kontakti#eid-pin', '/buj#pin-blokets', '/kontakti#e-paraksts', '/kontakti#pieslegties', '/kontakti#dokumenta-nosutisana'])
      assert.match(html, new RegExp(`href="${prefix}${a}"`), `${prefix} ${a}`);
  }
});
