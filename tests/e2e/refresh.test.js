// tests/e2e/refresh.test.js — several epak nodes on one PostgreSQL database:
// a change committed anywhere (here `epak import` on the command line) is
// announced by the database (LISTEN/NOTIFY, migration 6) and every node
// rebuilds its read model at once instead of at its next check (every 30 s
// while it listens). The log line of the rebuild says why it happened.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startServer, bin, root, psql } from '../lib/server.js';

const pgUrl = process.env.EPAK_TEST_PG_URL;
const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
let nodes = [];
let dbUrl;

// Polls up to two minutes: a loaded CI machine once took 27 s to build a
// read model that takes 0.2 s here.
async function waitFor(what, fn, ms = 120000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (!pgUrl) {
  test('PostgreSQL is available', { skip: !process.env.EPAK_TEST_REQUIRE_PG && 'EPAK_TEST_PG_URL is not set' },
    () => assert.fail('EPAK_TEST_PG_URL is not set'));
} else {
  before(async () => {
    psql(pgUrl, 'DROP DATABASE IF EXISTS epak_e2e_refresh');
    psql(pgUrl, 'CREATE DATABASE epak_e2e_refresh');
    dbUrl = pgUrl.replace(/\/[^/?]*(\?|$)/, '/epak_e2e_refresh$1');
    nodes.push(await startServer({ db: dbUrl, imports: [path.join(root, 'data/catalog.jsonld')] }));
    nodes.push(await startServer({ db: dbUrl }));
  });

  after(async () => {
    for (const n of nodes) await n.stop();
    nodes = [];
  });

  test('a change committed elsewhere reaches every node through the database\'s notification', async () => {
    const count = async (n) => (await (await fetch(`${n.base}/api/v1/search?q=pase&limit=50`)).json()).total;
    const before_ = await Promise.all(nodes.map(count));
    assert.equal(before_[0], before_[1], 'both nodes serve the same revision');
    // both listen: their start-up rebuild is logged, and nothing else yet
    for (const n of nodes) assert.doesNotMatch(n.log(), /\(notified\)/);
    execFileSync(bin, ['import', '--db', dbUrl, '--data', nodes[0].data, path.join(shared, 'testdata/catalog-lv/catalog.jsonld')],
      { stdio: ['ignore', 'ignore', 'inherit'] });
    for (const [i, n] of nodes.entries()) {
      await waitFor(`node ${i} to rebuild`, async () => (await count(n)) > before_[i]);
      assert.match(n.log(), /read model: revision \d+ \(notified\)/, `node ${i} rebuilt because it was told`);
    }
  });
}
