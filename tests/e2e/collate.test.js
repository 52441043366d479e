// tests/e2e/collate.test.js — the portal's alphabetical lists against ICU:
// institutions, services and the send forms' institution choice, built from
// the reference Latvian catalog and our demo catalog, must be in the order
// of ICU's Latvian collation (Node's Intl.Collator('lv'), which nobody here
// wrote). src/core/collate.c is the implementation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, root } from '../lib/server.js';

const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
const icu = new Intl.Collator('lv');
let srv;

function unescape(s) {
  return s.replace(/&quot;|&#34;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&#x2F;|&#47;/g, '/').replace(/&#x3D;|&#61;/g, '=').replace(/&#x60;|&#96;/g, '`').replace(/&amp;/g, '&');
}

function assertIcuOrder(names, what) {
  assert.ok(names.length >= 5, `${what}: too few names to tell (${names.length})`);
  const want = [...names].sort(icu.compare);
  for (let i = 0; i < names.length; i++) {
    assert.equal(names[i], want[i], `${what}: position ${i} (${names.slice(Math.max(0, i - 2), i + 3).join(' | ')})`);
  }
}

before(async () => {
  srv = await startServer({ imports: [path.join(shared, 'testdata/catalog-lv/catalog.jsonld'), path.join(root, 'data/catalog.jsonld')] });
});

after(async () => {
  await srv?.stop();
});

test('institutions are listed in Latvian alphabetical order, in both languages', async () => {
  for (const p of ['/iestades', '/en/iestades']) {
    const html = await (await fetch(srv.base + p)).text();
    const lists = [...html.matchAll(/<ul class="org-list">([\s\S]*?)<\/ul>/g)];
    assert.ok(lists.length >= 1);
    let total = 0;
    for (const [, list] of lists) {
      const names = [...list.matchAll(/<li><a href="[^"]*">([^<]*)<\/a>/g)].map((m) => unescape(m[1]));
      total += names.length;
      if (names.length > 1) assertIcuOrder(names, p);
    }
    assert.ok(total >= 20, `${p}: ${total} institutions`);
  }
});

test('the institution choice of both send forms follows the same order', async () => {
  for (const p of ['/nosutit', '/parakstit']) {
    const html = await (await fetch(srv.base + p)).text();
    const names = [...html.matchAll(/<option value="[^"]+"[^>]*>([^<]*) \([^()]*\)<\/option>/g)].map((m) => unescape(m[1]));
    assertIcuOrder(names, p);
  }
});

test('service lists are in Latvian alphabetical order', async () => {
  const html = await (await fetch(srv.base + '/e-pakalpojumi')).text();
  const home = await (await fetch(srv.base + '/iedzivotajiem')).text();
  let checked = 0;
  for (const page of [html, home]) {
    for (const [, list] of page.matchAll(/<ul class="service-list">([\s\S]*?)<\/ul>/g)) {
      const titles = [...list.matchAll(/<a href="[^"]*\/pakalpojumi\/[^"]*">([^<]*)<\/a>/g)].map((m) => unescape(m[1]));
      if (titles.length > 4) {
        assertIcuOrder(titles, 'service list');
        checked++;
      }
    }
  }
  assert.ok(checked >= 1, 'at least one service list was long enough to check');
});
