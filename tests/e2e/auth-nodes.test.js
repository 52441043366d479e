// tests/e2e/auth-nodes.test.js — sessions live in the database, so several
// epak nodes on one PostgreSQL serve the same people: log in on one node,
// continue on another, log out on a third, and the first two know it at
// once. The nodes share the server secret (as operators must: README).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, psql } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';

const pgUrl = process.env.EPAK_TEST_PG_URL;
const PW = 'correct horse battery staple';
let nodes = [];
let dbUrl;

if (!pgUrl) {
  test('PostgreSQL is available', { skip: !process.env.EPAK_TEST_REQUIRE_PG && 'EPAK_TEST_PG_URL is not set' },
    () => assert.fail('EPAK_TEST_PG_URL is not set'));
} else {
  before(async () => {
    psql(pgUrl, 'DROP DATABASE IF EXISTS epak_e2e_auth');
    psql(pgUrl, 'CREATE DATABASE epak_e2e_auth');
    dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, '/epak_e2e_auth$1');
    const secret = crypto.randomBytes(32);
    for (let i = 0; i < 3; i++) nodes.push(await startServer({ db: dbUrl, secret }));
    addUser(nodes[0], 'rita', PW, ['name=Rita Trešā', 'role=consultant']);
  });

  after(async () => {
    for (const n of nodes) await n.stop();
    nodes = [];
  });

  test('log in on one node, continue on another, log out on a third', async () => {
    const b = new Browser(nodes[0].base);
    const res = await staffLogin(b, 'rita', PW);
    assert.equal(res.status, 303);
    for (const n of nodes) {
      b.base = n.base;
      const page = await b.get('/profils');
      assert.equal(page.status, 200, `logged in on ${n.base}`);
      assert.match(page.html, /Rita Trešā/);
    }
    b.base = nodes[2].base;
    const out = await b.post('/iziet', {}, { formPath: '/profils' });
    assert.equal(out.status, 200);
    const stolen = new Browser(nodes[0].base);
    stolen.jar = new Map(b.jar);
    // the cookie the browser dropped, replayed on the other nodes
    stolen.jar.set('epak_session', res.headers.getSetCookie().join(';').match(/epak_session=([^;]+)/)[1]);
    for (const n of nodes) {
      stolen.base = n.base;
      assert.equal((await stolen.get('/profils')).status, 303, `logged out on ${n.base}`);
    }
    const events = psql(dbUrl, "SELECT action FROM audit_log WHERE action IN ('login', 'logout') AND ok = 1 ORDER BY id");
    assert.deepEqual(events.split('\n'), ['login', 'logout']);
  });

  test('log out everywhere on one node ends the sessions made on the others', async () => {
    const one = new Browser(nodes[0].base);
    const two = new Browser(nodes[1].base);
    await staffLogin(one, 'rita', PW);
    await staffLogin(two, 'rita', PW);
    one.base = nodes[2].base;
    assert.equal((await one.post('/profils/iziet-visur', {}, { formPath: '/profils' })).status, 200);
    assert.equal((await two.get('/profils')).status, 303);
  });

  test('the audit log refuses an update on PostgreSQL too', () => {
    assert.throws(() => psql(dbUrl, 'UPDATE audit_log SET ok = 0'), /append-only/);
  });
}
