// tests/e2e/office-health.test.js — the content-health dashboard
// (/birojs/parskats): its figures agree with the catalog and with the lists
// behind them, a service not changed for a year is counted as not reviewed,
// the CSV says the same as the page, an institution's editor sees only their
// own institution, and nobody else sees anything.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, sqlite, root } from '../lib/server.js';
import { Browser, addUser, staffLogin, citizenSession } from '../lib/auth.js';

const PW = 'correct horse battery staple';
const DEMO = path.join(root, 'data/catalog.jsonld');

// The dashboard's rows: name, slug, the services count and the seven figures.
function rows(html) {
  const body = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => {
    const slug = m[1].match(/\/birojs\/parskats\/([a-z0-9-]+)\/visi/)[1];
    const nums = [...m[1].matchAll(/<a href="[^"]*\/birojs\/parskats\/[a-z0-9-]+\/([a-z-]+)">(\d+)<\/a>/g)]
      .map((x) => [x[1], Number(x[2])]);
    return { slug, name: m[1].match(/<th scope="row">([^<]*)</)[1], figures: Object.fromEntries(nums) };
  });
}

function listed(html) {
  return [...html.matchAll(/<td><a href="\/birojs\/pakalpojumi\/([a-z0-9-]+)">/g)].map((m) => m[1]);
}

async function waitFor(fn, what) {
  const deadline = Date.now() + 120000;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('content health', () => {
  let srv, admin, slug, other;
  const people = {};
  before(async () => {
    srv = await startServer({ imports: [DEMO] });
    const adm = addUser(srv, 'adm', PW, ['name=Admin', 'role=admin']);
    people.admin = new Browser(srv.base);
    assert.equal((await staffLogin(people.admin, 'adm', PW, adm.key)).status, 303);
    admin = people.admin;
    const all = rows((await admin.get('/birojs/parskats')).html);
    slug = all[0].slug;
    other = all[1].slug;
    addUser(srv, 'ed', PW, ['name=Editor', 'role=institution', `institution=${slug}`]);
    addUser(srv, 'cons', PW, ['name=Consultant', 'role=consultant']);
    for (const who of ['ed', 'cons']) {
      people[who] = new Browser(srv.base);
      assert.equal((await staffLogin(people[who], who, PW)).status, 303, who);
    }
    people.citizen = new Browser(srv.base);
    people.citizen.jar.set('epak_session', citizenSession(srv));
  });
  after(async () => { await srv.stop(); });

  test('every service of the catalog is counted once, and each figure is its list', async () => {
    const res = await admin.get('/birojs/parskats');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control'), /no-store/);
    const all = rows(res.html);
    const total = all.reduce((n, r) => n + r.figures.visi, 0);
    assert.equal(total, 76, 'the demo catalog has 76 services');
    for (const r of all) {
      const f = r.figures;
      assert.equal(f['ar-e-pakalpojumu'] + f['bez-e-pakalpojuma'], f.visi, r.slug);
      assert.equal(f['ar-maksu'] + f['bez-maksas'], f.visi, r.slug);
      assert.equal(f['ar-anglu'] + f['bez-anglu'], f.visi, r.slug);
      assert.equal(f.neparskatiti, 0, 'a fresh import is not stale');
    }
    // the lists behind one institution's figures hold exactly what they count
    const mine = all.find((r) => r.slug === slug);
    for (const [what, n] of Object.entries(mine.figures)) {
      const list = await admin.get(`/birojs/parskats/${slug}/${what}`);
      assert.equal(list.status, 200, what);
      assert.equal(listed(list.html).length, n, what);
    }
    const online = listed((await admin.get(`/birojs/parskats/${slug}/ar-e-pakalpojumu`)).html);
    const offline = listed((await admin.get(`/birojs/parskats/${slug}/bez-e-pakalpojuma`)).html);
    assert.equal(online.filter((s) => offline.includes(s)).length, 0);
    // the English page says the same in English
    const en = await admin.get('/en/birojs/parskats');
    assert.match(en.html, /Content health/);
    assert.deepEqual(rows(en.html).map((r) => r.figures), all.map((r) => r.figures));
  });

  test('a service not changed for a year is counted as not reviewed', async () => {
    const db = path.join(srv.data, 'epak.db');
    const first = listed((await admin.get(`/birojs/parskats/${slug}/visi`)).html)[0];
    const iri = sqlite(db, `SELECT iri FROM catalog_node WHERE kind = 'service' ORDER BY iri`).split('\n')
      .find((i) => i.endsWith(`/${first}`) || i.includes(first));
    assert.ok(iri, `an IRI for ${first}`);
    const old = Math.floor(Date.now() / 1000) - 400 * 86400;
    sqlite(db, `UPDATE catalog_node SET updated_at = ${old} WHERE iri = '${iri}'`);
    sqlite(db, 'UPDATE revision SET value = value + 1 WHERE id = 1');
    await waitFor(async () => {
      const mine = rows((await admin.get('/birojs/parskats')).html).find((r) => r.slug === slug);
      return mine.figures.neparskatiti === 1;
    }, 'the stale service counted');
    assert.deepEqual(listed((await admin.get(`/birojs/parskats/${slug}/neparskatiti`)).html), [first]);
  });

  test('the CSV says what the page says', async () => {
    const page = rows((await admin.get('/birojs/parskats')).html);
    const res = await admin.get('/birojs/parskats.csv');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/csv/);
    assert.match(res.headers.get('content-disposition'), /attachment/);
    const lines = res.html.trim().split('\r\n');
    assert.match(lines[0], /^institution,slug,services,online,no_online,cost,no_cost,english,no_english,not_reviewed_for_a_year,last_change$/);
    assert.equal(lines.length - 1, page.length);
    for (const r of page) {
      const line = lines.find((l) => l.includes(`"${r.slug}",`));
      assert.ok(line, r.slug);
      const n = line.split('",')[2].split(',').map(Number);
      assert.equal(n[0], r.figures.visi, r.slug);
      assert.equal(n[1], r.figures['ar-e-pakalpojumu'], r.slug);
      assert.equal(n[7], r.figures.neparskatiti, r.slug);
    }
  });

  test("an institution's editor sees their own institution only", async () => {
    const ed = people.ed;
    const mine = rows((await ed.get('/birojs/parskats')).html);
    assert.deepEqual(mine.map((r) => r.slug), [slug]);
    assert.doesNotMatch((await ed.get('/birojs/parskats')).html, /<tfoot>/, 'no whole-catalog totals');
    assert.equal((await ed.get(`/birojs/parskats/${slug}/visi`)).status, 200);
    const theirs = await ed.get(`/birojs/parskats/${other}/visi`);
    assert.equal(theirs.status, 403);
    assert.doesNotMatch(theirs.html, /\/birojs\/pakalpojumi\//);
    const csv = (await ed.get('/birojs/parskats.csv')).html.trim().split('\r\n');
    assert.equal(csv.length, 2);
    assert.ok(csv[1].includes(`"${slug}",`));
    assert.equal((await ed.get(`/birojs/parskats/nav-tadas-iestades/visi`)).status, 403);
  });

  test('anonymous visitors log in first; citizens and consultants are refused', async () => {
    for (const p of ['/birojs/parskats', '/birojs/parskats.csv', `/birojs/parskats/${slug}/visi`]) {
      const anon = await new Browser(srv.base).get(p);
      assert.equal(anon.status, 303, p);
      assert.match(anon.headers.get('location'), /^\/pieteikties\?next=/, p);
      for (const who of ['citizen', 'cons']) {
        const res = await people[who].get(p);
        assert.equal(res.status, 403, `${who} ${p}`);
        assert.doesNotMatch(res.html, /<tbody>/);
      }
    }
    assert.equal((await admin.get(`/birojs/parskats/${slug}/nezinams`)).status, 404);
    assert.equal((await admin.get(`/birojs/parskats/${slug}/visi?lapa=abc`)).status, 400);
  });
});
