// tests/e2e/office-budget.test.js — the back office's limits: every save
// stores a version, so a staff account (or a stolen one) has a budget of
// saves per hour (limit-office-saves): past it the save is refused with 429,
// nothing is stored, and another account keeps its own budget. And the
// other way round: a service form filled to the rows the page allows is
// within the form parser's field limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, startServer, sqlite } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';
import { editForm, saveService } from '../lib/office.js';

const PW = 'correct horse battery staple';
const SLUG = 'lv-algas-nodokla-gramatina'; // VID's
let srv;

before(async () => {
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')], extra: ['--limit-office-saves', '3'] });
  addUser(srv, 'ed', PW, ['name=Edgars Redaktors', 'role=institution', 'institution=vid']);
  addUser(srv, 'ed2', PW, ['name=Elza Otrā', 'role=institution', 'institution=vid']);
});
after(async () => { await srv.stop(); });

const versions = () => Number(sqlite(path.join(srv.data, 'epak.db'), 'SELECT count(*) FROM service_version'));

test('a staff account saves at most limit-office-saves times an hour', async () => {
  const ed = new Browser(srv.base);
  assert.equal((await staffLogin(ed, 'ed', PW)).status, 303);
  for (let i = 1; i <= 3; i++) {
    const res = await saveService(ed, SLUG, { title: `Melnraksts ${i}` }, 'draft');
    assert.equal(res.status, 303, `save ${i}`);
  }
  const stored = versions();
  const refused = await saveService(ed, SLUG, { title: 'Melnraksts 4' }, 'draft');
  assert.equal(refused.status, 429);
  assert.match(refused.html, /nothing of this change was saved|nekas no šīm izmaiņām netika saglabāts/i);
  assert.equal(versions(), stored, 'nothing stored');
  assert.equal(Number(sqlite(path.join(srv.data, 'epak.db'), "SELECT count(*) FROM service_version WHERE form LIKE '%Melnraksts 4%'")), 0);
  // another editor has a budget of her own
  const ed2 = new Browser(srv.base);
  assert.equal((await staffLogin(ed2, 'ed2', PW)).status, 303);
  assert.equal((await saveService(ed2, SLUG, { title: 'Elzas melnraksts' }, 'draft')).status, 303);
});

test('a service form with every list at its row limit is saved, not refused as too many fields', async () => {
  addUser(srv, 'ed3', PW, ['name=Trešais Redaktors', 'role=institution', 'institution=vid']);
  const ed = new Browser(srv.base);
  assert.equal((await staffLogin(ed, 'ed3', PW)).status, 303);
  const f = await editForm(ed, SLUG);
  const groups = ['requirements', 'inputs', 'outputs'];
  const mine = (n) => groups.some((g) => n === `rows.${g}` || n.startsWith(`${g}.`));
  const body = new URLSearchParams(f.fields.filter(([n]) => !mine(n)));
  for (const g of groups) {
    body.set(`rows.${g}`, '20');
    for (let i = 0; i < 20; i++) {
      for (const [k, v] of [['title.lv', `${g} ${i}`], ['title.en', `${g} ${i}`], ['description.lv', 'Apraksts'], ['description.en', 'Description']]) body.set(`${g}.${i}.${k}`, v);
    }
  }
  body.set('darbiba', 'melnraksts');
  assert.ok([...body.keys()].length > 256, `${[...body.keys()].length} fields`);
  const res = await fetch(`${srv.base}/birojs/pakalpojumi/${SLUG}`, {
    method: 'POST', redirect: 'manual', body: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: ed.cookie() },
  });
  assert.equal(res.status, 303, (await res.text()).slice(0, 300));
  assert.equal(Number(sqlite(path.join(srv.data, 'epak.db'), "SELECT count(*) FROM service_version WHERE form LIKE '%outputs 19%'")), 1);
});
