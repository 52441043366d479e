// tests/e2e/cluster.test.js — the short run of tests/cluster (make cluster
// runs the long one): three nodes on one PostgreSQL behind nginx, one node
// killed with SIGKILL and started again, PostgreSQL restarted, all under a
// mixed load. Only requests in flight on the killed node or during the
// restart may fail; every acknowledged form post is stored exactly once;
// every node stores posts again after the restart (a node whose database
// connections stayed broken fails here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCluster, report } from '../cluster/cluster.js';

test('three nodes behind nginx survive a killed node and a PostgreSQL restart', { timeout: 240000 }, async () => {
  const res = await runCluster({ seconds: 24, clients: 6, log: (s) => console.log(s) });
  report(res, (s) => console.log(s));
  assert.deepEqual(res.unexplained, [], 'every failure is explained by an event');
  assert.deepEqual(res.ackedMissing, [], 'every acknowledged post is stored');
  assert.deepEqual(res.duplicates, [], 'no post is stored twice');
  assert.equal(res.strangers, 0);
  assert.ok(res.acked > 50, `posts were acknowledged: ${res.acked}`);
  assert.equal(res.ackedExactlyOnce, res.acked);
  assert.deepEqual(res.direct.map((d) => d.status), [303, 303, 303], 'every node stores posts after the restart');
  for (const k of ['page', 'search', 'api', 'post']) assert.ok(res.byKind[k]?.ok > 10, `${k} requests were served`);
  assert.ok(res.events[0].recover_ms !== null && res.events[0].recover_ms < 5000, 'posts go on after a node is killed');
  assert.ok(res.events[2].recover_ms !== null && res.events[2].recover_ms < 10000, 'posts go on after PostgreSQL restarts');
});
