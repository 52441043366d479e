// tests/e2e/backup.test.js — `epak backup` taken while a running portal
// stores form posts, restored into an empty folder and served again:
// every post acknowledged before the backup began is there, the copy is one
// consistent snapshot (a prefix of the live table, every other table equal),
// the restored portal accepts the old portal's CSRF tokens and staff
// sessions (the server secret travels with it). Then what restore refuses:
// a cut-short, a damaged and an altered archive, a newer schema, unknown
// entries, a data folder that is not empty, and PostgreSQL (pg_dump is
// named). Prints the figures the README quotes: time and size for the demo
// catalog and a larger database, and the slowest write during a backup.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer, getFormSession, sqlite, bin, root } from '../lib/server.js';
import { Browser, addUser, staffLogin } from '../lib/auth.js';

const run = promisify(execFile);
const DEMO = path.join(root, 'data/catalog.jsonld');
const PW = 'correct horse battery staple';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-backup-'));

function epak(args, opts = {}) {
  return spawnSync(bin, args, { encoding: 'utf8', ...opts });
}

function counts(dbfile) {
  const tables = sqlite(dbfile, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").split('\n');
  const out = {};
  for (const t of tables) out[t] = Number(sqlite(dbfile, `SELECT count(*) FROM "${t}"`));
  return out;
}

// Rewrites a zip with python3's zipfile: edit(name, bytes) returns the new
// bytes of an entry, or null to leave it out; extra entries can be added.
function rezip(src, dst, pyEdit) {
  const script = `
import sys, zipfile, hashlib
src, dst = sys.argv[1], sys.argv[2]
zin = zipfile.ZipFile(src)
entries = {n: zin.read(n) for n in zin.namelist()}
${pyEdit}
with zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as z:
    for n, b in entries.items():
        z.writestr(n, b)
`;
  execFileSync('python3', ['-c', script, src, dst]);
}

// The manifest line of an entry, made anew (for an archive altered
// consistently, so only the deeper checks can catch it).
const PY_REMANIFEST = `
def remanifest():
    lines = entries['manifest'].decode().splitlines()
    out = []
    for l in lines:
        if l.startswith('file '):
            name = l.split(' ', 3)[3]
            b = entries[name]
            l = 'file %s %d %s' % (hashlib.sha256(b).hexdigest(), len(b), name)
        out.append(l)
    entries['manifest'] = ('\\n'.join(out) + '\\n').encode()
`;

describe('backup and restore of an SQLite portal', () => {
  let srv;
  let restored;
  const staff = new Browser('');
  let form;
  const posts = [];
  let backupFile;
  const window_ = {};

  before(async () => {
    srv = await startServer({
      imports: [DEMO],
      extra: ['--limit-feedback-network', '0', '--limit-feedback-comments', '0', '--threads', '2'],
    });
    addUser(srv, 'riga', PW, ['name=Riga Editor', 'role=institution', 'institution=riga']);
    staff.base = srv.base;
    assert.equal((await staffLogin(staff, 'riga', PW)).status, 303);
    form = await getFormSession(srv.base, '/atsauksmes');
  });
  after(async () => {
    if (restored) await restored.stop();
    if (srv) await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function postOne(base, session, marker) {
    const t0 = performance.now();
    const r = await fetch(base + '/atsauksmes', {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
      body: new URLSearchParams({ _csrf: session.token, topic: 'portal', message: `backup marker ${marker}` }).toString(),
    });
    await r.arrayBuffer();
    return { marker, t0, t1: performance.now(), status: r.status };
  }

  test('a backup taken during a write load restores every acknowledged post; the restored portal knows the old tokens and sessions', async () => {
    const db = path.join(srv.data, 'epak.db');
    const before_ = counts(db);
    let stop = false;
    let n = 0;
    const writers = [];
    for (let w = 0; w < 4; w++) {
      writers.push((async () => {
        while (!stop) posts.push(await postOne(srv.base, form, `w${w}-${String(n++).padStart(6, '0')}`));
      })());
    }
    let stdout;
    try {
      while (posts.length < 150) await new Promise((r) => setTimeout(r, 20));
      backupFile = path.join(tmp, 'during-load.zip');
      window_.start = performance.now();
      ({ stdout } = await run(bin, ['backup', ...srv.common, backupFile]));
      window_.end = performance.now();
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    const after_ = counts(db);
    assert.match(stdout, /bytes \(database \d+ bytes, \d+ files, schema \d+\) in [\d.]+ s/);
    const materials = fs.readdirSync(path.join(srv.data, 'materials')).filter((f) => /^[0-9a-f]{64}$/.test(f));
    assert.equal(Number(stdout.match(/(\d+) files/)[1]), 2 + materials.length, 'the database, the secret and every file of /materiali');
    assert.equal(fs.statSync(backupFile).mode & 0o777, 0o600, 'the backup is readable by its owner only');
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('.epak-backup-')), [], 'no staging folder left');

    const ok = posts.filter((p) => p.status === 303);
    assert.equal(ok.length, posts.length, `every post answered 303: ${JSON.stringify(posts.find((p) => p.status !== 303))}`);
    const during = posts.filter((p) => p.t1 > window_.start && p.t0 < window_.end);
    const outside = posts.filter((p) => p.t1 < window_.start);
    const maxDuring = Math.max(...during.map((p) => p.t1 - p.t0));
    const maxBefore = Math.max(...outside.map((p) => p.t1 - p.t0));
    console.log(`# figure: demo catalog backup during load: ${(window_.end - window_.start).toFixed(0)} ms, ` +
      `${fs.statSync(backupFile).size} bytes; ${during.length} posts stored during it, slowest ${maxDuring.toFixed(1)} ms ` +
      `(slowest before it ${maxBefore.toFixed(1)} ms); ${stdout.trim()}`);
    assert.ok(during.length > 0, 'posts were stored while the backup ran');

    // restore into a folder that does not exist yet
    const data = path.join(tmp, 'restored', 'data');
    const r = epak(['restore', '--data', data, backupFile]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /restored into/);
    assert.equal(fs.statSync(data).mode & 0o777, 0o700);
    for (const f of ['epak.db', 'secret']) assert.equal(fs.statSync(path.join(data, f)).mode & 0o777, 0o600, f);
    assert.deepEqual(fs.readFileSync(path.join(data, 'secret')), fs.readFileSync(path.join(srv.data, 'secret')));
    assert.deepEqual(fs.readdirSync(path.dirname(data)), ['data'], 'no staging folder left');
    for (const f of materials) {
      assert.deepEqual(fs.readFileSync(path.join(data, 'materials', f)), fs.readFileSync(path.join(srv.data, 'materials', f)), f);
    }

    const rdb = path.join(data, 'epak.db');
    assert.equal(sqlite(rdb, 'PRAGMA integrity_check'), 'ok');
    assert.equal(sqlite(rdb, 'PRAGMA foreign_key_check'), '');
    const got = sqlite(rdb, 'SELECT id || \' \' || message FROM feedback ORDER BY id').split('\n').filter(Boolean);
    const markers = new Set(got.map((l) => l.replace(/^\d+ backup marker /, '')));
    // every post acknowledged before the backup began is in it ...
    for (const p of outside) assert.ok(markers.has(p.marker), `acknowledged before the backup, missing: ${p.marker}`);
    // ... none sent after it ended ...
    for (const p of posts.filter((q) => q.t0 > window_.end)) assert.ok(!markers.has(p.marker), `sent after the backup: ${p.marker}`);
    // ... and it is one snapshot: exactly the live table's rows up to its last id
    const lastId = Number(got[got.length - 1].split(' ')[0]);
    const live = sqlite(db, `SELECT id || ' ' || message FROM feedback WHERE id <= ${lastId} ORDER BY id`).split('\n').filter(Boolean);
    assert.deepEqual(got, live);
    assert.ok(got.length >= outside.length && got.length <= posts.length);
    // every table the load did not write holds exactly what the live one holds
    const rc = counts(rdb);
    assert.deepEqual(Object.keys(rc), Object.keys(after_), 'the same tables');
    for (const t of Object.keys(rc)) {
      if (before_[t] === after_[t]) assert.equal(rc[t], after_[t], `table ${t}`);
      else assert.ok(rc[t] >= before_[t] && rc[t] <= after_[t], `table ${t}: ${before_[t]} <= ${rc[t]} <= ${after_[t]}`);
    }
    console.log(`# figure: restored ${got.length} of ${posts.length} posts (${outside.length} acknowledged before the backup began); ` +
      `tables: ${Object.keys(rc).length}, written by the load: ${Object.keys(rc).filter((t) => before_[t] !== after_[t]).join(', ')}`);

    // the restored portal: the old CSRF token and staff session work there
    restored = await startServer({ data });
    const again = await postOne(restored.base, form, 'after-restore');
    assert.equal(again.status, 303, 'the old portal\'s CSRF token is recognised');
    assert.equal(sqlite(rdb, "SELECT count(*) FROM feedback WHERE message = 'backup marker after-restore'"), '1');
    const office = await fetch(`${restored.base}/birojs`, { headers: { cookie: staff.cookie() }, redirect: 'manual' });
    assert.equal(office.status, 200, 'the staff session of the old portal is still valid');
    const stranger = await fetch(`${restored.base}/birojs`, { redirect: 'manual' });
    assert.equal(stranger.status, 303, 'without it: the login page');
    const search = await fetch(`${restored.base}/api/v1/search?q=pase`);
    assert.equal(search.status, 200);
    assert.ok((await search.json()).results.length > 0, 'the catalog is served from the restored database');
  });

  test('restore refuses a cut-short, damaged or altered archive and leaves nothing behind', () => {
    const cases = [];
    const size = fs.statSync(backupFile).size;
    const cut = path.join(tmp, 'cut.zip');
    fs.writeFileSync(cut, fs.readFileSync(backupFile).subarray(0, Math.floor(size / 2)));
    cases.push([cut, /not a readable epak backup/]);
    const damaged = path.join(tmp, 'damaged.zip');
    const b = Buffer.from(fs.readFileSync(backupFile));
    for (let i = Math.floor(size / 3); i < Math.floor(size / 3) + 64; i++) b[i] ^= 0x5a;
    fs.writeFileSync(damaged, b);
    cases.push([damaged, /damaged|altered|not a readable/]);
    const otherSecret = path.join(tmp, 'secret-swapped.zip');
    rezip(backupFile, otherSecret, "entries['secret'] = bytes(32)");
    cases.push([otherSecret, /secret: SHA-256 or size differ from the manifest/]);
    const rows = path.join(tmp, 'rows-changed.zip');
    rezip(backupFile, rows, "i = entries['epak.db'].find(b'backup marker w0'); db = bytearray(entries['epak.db']); db[i + 14] ^= 1; entries['epak.db'] = bytes(db)");
    cases.push([rows, /epak\.db: SHA-256 or size differ from the manifest/]);
    const extra = path.join(tmp, 'extra.zip');
    rezip(backupFile, extra, "entries['../../etc/cron.d/x'] = b'* * * * * root id'");
    cases.push([extra, /holds \d+ entries, its manifest names \d+: it was altered/]);
    const evil = path.join(tmp, 'evil-name.zip');
    rezip(backupFile, evil, "entries['../x'] = b'x'\nentries['manifest'] += b'file ' + hashlib.sha256(b'x').hexdigest().encode() + b' 1 ../x\\n'");
    cases.push([evil, /manifest is damaged/]);
    const noManifest = path.join(tmp, 'no-manifest.zip');
    rezip(backupFile, noManifest, "del entries['manifest']");
    cases.push([noManifest, /no manifest entry/]);
    const notZip = path.join(tmp, 'not-a-zip.zip');
    fs.writeFileSync(notZip, 'SQLite format 3\0 and some more');
    cases.push([notZip, /not a readable epak backup/]);
    // an altered database with a matching manifest: only integrity_check can tell
    const broken = path.join(tmp, 'broken-db.zip');
    rezip(backupFile, broken, `${PY_REMANIFEST}
db = bytearray(entries['epak.db'])
for i in range(4096 * 3, 4096 * 6): db[i] = 0x41
entries['epak.db'] = bytes(db)
remanifest()`);
    cases.push([broken, /integrity_check failed|not a database|malformed/]);
    for (const [file, why] of cases) {
      const data = path.join(tmp, 'refused', path.basename(file), 'data');
      const r = epak(['restore', '--data', data, file]);
      assert.equal(r.status, 1, `${path.basename(file)}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, why, path.basename(file));
      assert.ok(!fs.existsSync(data), `${path.basename(file)}: no data folder made`);
      const parent = path.dirname(data);
      assert.deepEqual(fs.existsSync(parent) ? fs.readdirSync(parent) : [], [], `${path.basename(file)}: no staging folder left`);
    }
  });

  test('a backup of a newer schema is refused; an older one is restored and asks for epak migrate', () => {
    const newer = path.join(tmp, 'newer.zip');
    const older = path.join(tmp, 'older.zip');
    const work = path.join(tmp, 'schema-work');
    fs.mkdirSync(work);
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("epak.db", sys.argv[2])', backupFile, work]);
    const latest = Number(sqlite(path.join(work, 'epak.db'), 'SELECT MAX(version) FROM schema_migrations'));
    sqlite(path.join(work, 'epak.db'), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${latest + 1}, 'from the future', 0)`);
    rezip(backupFile, newer, `${PY_REMANIFEST}
entries['epak.db'] = open('${path.join(work, 'epak.db')}', 'rb').read()
entries['manifest'] = entries['manifest'].replace(b'schema ${latest}\\n', b'schema ${latest + 1}\\n')
remanifest()`);
    let data = path.join(tmp, 'newer-data');
    let r = epak(['restore', '--data', data, newer]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`schema version ${latest + 1}, newer than this epak knows \\(${latest}\\)`));
    assert.ok(!fs.existsSync(data));
    // older: the record of the newest migration removed (as an older epak
    // would have left it); restore says to migrate, and serve refuses until then
    sqlite(path.join(work, 'epak.db'), `DELETE FROM schema_migrations WHERE version >= ${latest}`);
    const prev = Number(sqlite(path.join(work, 'epak.db'), 'SELECT MAX(version) FROM schema_migrations'));
    rezip(backupFile, older, `${PY_REMANIFEST}
entries['epak.db'] = open('${path.join(work, 'epak.db')}', 'rb').read()
entries['manifest'] = entries['manifest'].replace(b'schema ${latest}\\n', b'schema ${prev}\\n')
remanifest()`);
    data = path.join(tmp, 'older-data');
    r = epak(['restore', '--data', data, older]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`the backup has schema ${prev}, this epak ${latest}: run 'epak migrate'`));
  });

  test('restore never writes into a data folder that is not empty', () => {
    const before_ = fs.readdirSync(srv.data).sort();
    const dbBefore = fs.statSync(path.join(srv.data, 'epak.db')).mtimeMs;
    const r = epak(['restore', '--data', srv.data, backupFile]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not empty: restore only into an empty or new folder/);
    assert.deepEqual(fs.readdirSync(srv.data).sort(), before_);
    assert.ok(fs.statSync(path.join(srv.data, 'epak.db')).mtimeMs >= dbBefore);
    // an empty folder that exists (systemd's StateDirectory=) is fine
    const empty = path.join(tmp, 'empty-state-dir');
    fs.mkdirSync(empty, { mode: 0o750 });
    const ok = epak(['restore', '--data', empty, backupFile]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(fs.readdirSync(empty).sort(), ['epak.db', 'materials', 'secret']);
  });

  test('with materials-dir elsewhere the files are backed up from there and restored there', () => {
    const own = path.join(tmp, 'own-materials');
    fs.cpSync(path.join(srv.data, 'materials'), own, { recursive: true });
    const names = fs.readdirSync(own).filter((f) => /^[0-9a-f]{64}$/.test(f));
    assert.ok(names.length > 0, 'the demo has files in /materiali');
    const file = path.join(tmp, 'own-materials.zip');
    let r = epak(['backup', ...srv.common, '--materials-dir', own, file]);
    assert.equal(r.status, 0, r.stderr);
    const data = path.join(tmp, 'own-data');
    const target = path.join(tmp, 'restored-materials');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'stray'), 'x');
    r = epak(['restore', '--data', data, '--materials-dir', target, file]);
    assert.equal(r.status, 1, 'a materials folder that is not empty is refused too');
    assert.match(r.stderr, /restored-materials is not empty/);
    assert.ok(!fs.existsSync(data), 'and nothing was written');
    fs.rmSync(path.join(target, 'stray'));
    r = epak(['restore', '--data', data, '--materials-dir', target, file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(target).sort(), names.sort());
    for (const f of names) assert.deepEqual(fs.readFileSync(path.join(target, f)), fs.readFileSync(path.join(own, f)));
    assert.deepEqual(fs.readdirSync(data).sort(), ['epak.db', 'secret'], 'the files are not in the data folder');
    // a backup that cannot be written leaves nothing
    r = epak(['backup', ...srv.common, path.join(tmp, 'no-such-folder', 'b.zip')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no-such-folder/);
    assert.ok(!fs.existsSync(path.join(tmp, 'no-such-folder')));
  });

  test('on PostgreSQL both commands refuse and name pg_dump and pg_restore', () => {
    const url = 'postgres://epak@127.0.0.1:1/epak';
    const out = path.join(tmp, 'pg.zip');
    let r = epak(['backup', '--data', srv.data, '--db', url, out]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /the database is PostgreSQL/);
    assert.match(r.stderr, /pg_dump -Fc -f epak-/);
    assert.match(r.stderr, /secret and materials\//);
    assert.doesNotMatch(r.stderr, /127\.0\.0\.1:1/, 'the URL (which may hold a password) is not printed');
    assert.ok(!fs.existsSync(out));
    r = epak(['restore', '--data', path.join(tmp, 'pgdata'), '--db', url, backupFile]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /pg_restore/);
  });

  test('a backup folder gets dated files and keeps the newest backup-keep', () => {
    const dir = path.join(tmp, 'timer');
    fs.mkdirSync(dir);
    for (const old of ['epak-20200101T000000Z.zip', 'epak-20200102T000000Z.zip', 'epak-20200103T000000Z.zip', 'keep-me.zip']) fs.writeFileSync(path.join(dir, old), 'x');
    const r = epak(['backup', ...srv.common, '--backup-keep', '2', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 old backup\(s\) removed, 2 kept/);
    const left = fs.readdirSync(dir).sort();
    assert.equal(left.length, 3);
    assert.equal(left[0], 'epak-20200103T000000Z.zip');
    assert.match(left[1], /^epak-\d{8}T\d{6}Z\.zip$/);
    assert.equal(left[2], 'keep-me.zip', 'files it did not make are left alone');
  });

  test('figure: a larger database, backed up while writers keep writing', async () => {
    // the live database grown to ~60 MB with rows of the feedback table
    const db = path.join(srv.data, 'epak.db');
    sqlite(db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
      INSERT INTO feedback (created_at, lang, topic, message) SELECT 0, 'lv', 'other', printf('%0250d', i) FROM n`);
    const lat = [];
    let stop = false;
    const writers = [0, 1, 2].map((w) => (async () => {
      let i = 0;
      while (!stop) lat.push(await postOne(srv.base, form, `big-${w}-${i++}`));
    })());
    const file = path.join(tmp, 'large.zip');
    let t0, t1, stdout;
    try {
      await new Promise((r) => setTimeout(r, 300));
      t0 = performance.now();
      ({ stdout } = await run(bin, ['backup', ...srv.common, file]));
      t1 = performance.now();
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    const during = lat.filter((p) => p.t1 > t0 && p.t0 < t1);
    const before_ = lat.filter((p) => p.t1 < t0);
    assert.ok(lat.every((p) => p.status === 303));
    const dbBytes = fs.statSync(db).size;
    console.log(`# figure: larger database (${(dbBytes / 1e6).toFixed(1)} MB): backup ${(t1 - t0).toFixed(0)} ms, ` +
      `archive ${(fs.statSync(file).size / 1e6).toFixed(1)} MB; ${during.length} posts stored during it, slowest ` +
      `${Math.max(...during.map((p) => p.t1 - p.t0)).toFixed(1)} ms (before it: ${Math.max(...before_.map((p) => p.t1 - p.t0)).toFixed(1)} ms); ${stdout.trim()}`);
    assert.ok(during.length > 0, 'writers went on during the backup');
    const rt0 = performance.now();
    const r = epak(['restore', '--data', path.join(tmp, 'large-restored'), file]);
    assert.equal(r.status, 0, r.stderr);
    console.log(`# figure: restore of the larger database: ${(performance.now() - rt0).toFixed(0)} ms`);
  });
});
