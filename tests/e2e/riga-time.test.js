// tests/e2e/riga-time.test.js — times shown to people are Riga time in the
// page's language (issue 13): a moment stored in UTC reads as the clock in
// Riga shows it, winter (UTC+2) and summer (UTC+3), in Latvian and English
// wording; what machines read (the CSV) stays UTC ISO 8601; the office
// overview's days are written in the page's language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, startServer, sqlite } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';

const PW = 'correct horse battery staple';
// 2026-12-07 12:00 UTC: 14:00 in Riga (EET); 2026-07-01 12:00 UTC: 15:00 (EEST);
// 2026-03-29 00:59:59 UTC, the last winter second: 02:59 (the clocks then jump to 04:00);
// 2026-12-31 23:30 UTC: already the next year in Riga.
const MOMENTS = [
  { at: 1796644800, actor: 'riga-winter', lv: '07.12.2026. 14:00', en: '7 Dec 2026, 14:00', iso: '2026-12-07T12:00:00Z' },
  { at: 1782907200, actor: 'riga-summer', lv: '01.07.2026. 15:00', en: '1 Jul 2026, 15:00', iso: '2026-07-01T12:00:00Z' },
  { at: 1774745999, actor: 'riga-lastwinter', lv: '29.03.2026. 02:59', en: '29 Mar 2026, 02:59', iso: '2026-03-29T00:59:59Z' },
  { at: 1774746000, actor: 'riga-firstsummer', lv: '29.03.2026. 04:00', en: '29 Mar 2026, 04:00', iso: '2026-03-29T01:00:00Z' },
  { at: 1798759800, actor: 'riga-newyear', lv: '01.01.2027. 01:30', en: '1 Jan 2027, 01:30', iso: '2026-12-31T23:30:00Z' },
];

let srv;
let boss;
before(async () => {
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')] });
  const admin = addUser(srv, 'laika', PW, ['name=Laila Laika', 'role=admin']);
  boss = new Browser(srv.base);
  const res = await staffLogin(boss, 'laika', PW, admin.key);
  assert.equal(res.status, 303, 'the administrator logs in');
  const db = path.join(srv.data, 'epak.db');
  for (const m of MOMENTS) {
    sqlite(db, `INSERT INTO audit_log (at, actor, action, detail) VALUES (${m.at}, '${m.actor}', 'logout', '')`);
  }
});
after(async () => { await srv?.stop(); });

// The cell text of the row whose actor is a.
function whenOf(html, actor) {
  const row = html.split('<tr>').find((r) => r.includes(`<td>${actor}</td>`));
  assert.ok(row, `a row for ${actor}`);
  return row.match(/<td>([^<]*)<\/td>/)[1];
}

test('a moment stored in UTC is shown in Riga time, in Latvian wording', async () => {
  const res = await boss.get('/birojs/zurnals?darbiba=logout');
  assert.equal(res.status, 200);
  for (const m of MOMENTS) assert.equal(whenOf(res.html, m.actor), m.lv, m.actor);
  assert.doesNotMatch(res.html, /UTC|\d{4}-\d{2}-\d{2}T/, 'no UTC on the page');
});

test('the same moments in English wording on the English page', async () => {
  const res = await boss.get('/en/birojs/zurnals?darbiba=logout');
  assert.equal(res.status, 200);
  for (const m of MOMENTS) assert.equal(whenOf(res.html, m.actor), m.en, m.actor);
  assert.doesNotMatch(res.html, /UTC|\d{4}-\d{2}-\d{2}T/, 'no UTC on the page');
});

test('the CSV for machines keeps UTC in ISO 8601', async () => {
  const res = await boss.get('/birojs/zurnals.csv?darbiba=logout');
  assert.equal(res.status, 200);
  for (const m of MOMENTS) {
    const line = res.html.split('\n').find((l) => l.includes(m.actor));
    assert.ok(line && line.startsWith(`"${m.iso}",`), `${m.actor}: ${line}`);
  }
});

test('the office overview writes its day in the page\'s language', async () => {
  const lv = await boss.get('/birojs/parskats');
  assert.equal(lv.status, 200);
  assert.match(lv.html, /Saskaitīts <time datetime="\d{4}-\d{2}-\d{2}">\d{2}\.\d{2}\.\d{4}\.<\/time> </, 'Latvian date, one full stop');
  const en = await boss.get('/en/birojs/parskats');
  assert.match(en.html, /Counted on <time datetime="\d{4}-\d{2}-\d{2}">\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}<\/time>\. /, 'English date');
  const shown = (h) => h.replace(/<[^>]*>/g, ' ');
  assert.doesNotMatch(shown(lv.html) + shown(en.html), /\b20\d\d-\d\d-\d\d\b/, 'no ISO dates shown to people');
});
