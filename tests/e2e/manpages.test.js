// tests/e2e/manpages.test.js — the generated documentation cannot drift
// (issue 15): epak(1) names every subcommand `epak --help` lists, with its
// usage; epak.conf(5) every key `epak serve --help` knows, with its default
// and environment variable; the commented epak.conf every key; man and
// lexgrog find nothing wrong with the pages. And `epak import --if-empty`,
// the package's first start: it imports into an empty catalog only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, root } from '../lib/server.js';

const run = (...args) => execFileSync(bin, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-man-'));
const page = (which) => {
  const f = path.join(tmp, which === 'man1' ? 'epak.1' : 'epak.conf.5');
  fs.writeFileSync(f, run('doc', which));
  return f;
};
// man's own rendering (groff -man), wide enough that no line is broken
const render = (file) => {
  const r = spawnSync('man', ['--warnings', '-l', file], {
    encoding: 'utf8', env: { ...process.env, MANWIDTH: '250', MAN_KEEP_FORMATTING: '', PAGER: 'cat' },
  });
  return { text: r.stdout.replace(/.\x08/g, ''), warnings: r.stderr, status: r.status };
};

const commands = () => run('--help').split('\n')
  .map((l) => l.match(/^  (\S+)\s+\S/)).filter(Boolean).map((m) => m[1]);
const keys = () => run('serve', '--help').split('\n')
  .map((l) => l.match(/^  --(\S+)/)).filter(Boolean).map((m) => m[1])
  .filter((k) => k !== 'config' && k !== 'help');
const envName = (k) => 'EPAK_' + k.toUpperCase().replace(/-/g, '_');

test('epak(1) has every subcommand of epak --help, with its usage, and renders without warnings', () => {
  const cmds = commands();
  assert.ok(cmds.length >= 15, `epak --help lists ${cmds.length} commands`);
  const { text, warnings, status } = render(page('man1'));
  assert.equal(status, 0);
  assert.equal(warnings, '', 'man --warnings');
  const section = text.slice(text.indexOf('COMMANDS'), text.indexOf('\nOPTIONS'));
  const usageOf = (c) => run(c, '--help').split('\n')[0].replace(/^usage: /, '');
  for (const c of cmds) {
    assert.match(section, new RegExp(`^   ${c}$`, 'm'), `epak(1) has no heading for ${c}`);
    if (['sign', 'verify', 'search', 'search-eval', 'search-complete', 'search-bench', 'doc'].includes(c)) continue;
    assert.ok(section.includes(usageOf(c)), `epak(1) lacks the usage of ${c}: ${usageOf(c)}`);
  }
  for (const s of ['SYNOPSIS', 'OPTIONS', 'ENVIRONMENT', 'FILES', 'SEE ALSO']) assert.match(text, new RegExp(`^${s}`, 'm'));
});

test('epak.conf(5) has every key with its default and environment variable; the conffile every key', () => {
  const ks = keys();
  assert.ok(ks.length >= 100, `serve --help lists ${ks.length} keys`);
  const { text, warnings, status } = render(page('man5'));
  assert.equal(status, 0);
  assert.equal(warnings, '', 'man --warnings');
  const conf = run('doc', 'conf');
  const help = run('serve', '--help');
  for (const k of ks) {
    // a default with a space is quoted in --help ("127.0.0.0/8 ::1/128")
    const m = help.match(new RegExp(`^  --${k}\\s+("[^"]+"|\\S+)`, 'm'))[1];
    const def = m !== '""' && m.startsWith('"') ? m.slice(1, -1) : m;
    const want = def === '""' ? 'default: empty' : `default: ${def}`;
    assert.match(text, new RegExp(`^       ${k} \\([^)]*${want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`, 'm'),
      `epak.conf(5) lacks ${k} (${want})`);
    assert.ok(text.includes(`Environment: ${envName(k)}; option: --${k}`), `epak.conf(5) lacks ${envName(k)}`);
    assert.match(conf, new RegExp(`^#${k} =`, 'm'), `epak.conf lacks ${k}`);
  }
  // every line of the conffile is a comment or blank: the defaults rule
  for (const l of conf.split('\n')) assert.ok(l === '' || l.startsWith('#'), `not commented: ${l}`);
});

test('lexgrog reads the NAME of both pages (apropos and man -k find them)', () => {
  const out = execFileSync('lexgrog', [page('man1'), page('man5')], { encoding: 'utf8' });
  assert.match(out, /epak\.1: "epak - a portal/);
  assert.match(out, /epak\.conf\.5: "epak\.conf - settings/);
});

test('epak doc refuses an unknown document', () => {
  const r = spawnSync(bin, ['doc', 'man9'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: epak doc/);
});

test('import --if-empty imports into an empty catalog only, and never over what is there', () => {
  const data = path.join(tmp, 'data');
  const demo = path.join(root, 'data/catalog.jsonld');
  const changed = path.join(tmp, 'changed.jsonld');
  fs.writeFileSync(changed, fs.readFileSync(demo, 'utf8').replace('Dzīvesvietas deklarēšana', 'Dzīvesvietas deklarēšana MAINĪTA'));
  run('migrate', '--data', data);
  const first = run('import', '--if-empty', '--data', data, demo);
  assert.match(first, /services added/);
  const second = run('import', '--if-empty', '--data', data, changed);
  assert.match(second, /the catalog is not empty: nothing imported/);
  assert.doesNotMatch(run('export', '--data', data), /MAINĪTA/);
  // without the option the same file is imported (the test can fail)
  run('import', '--data', data, changed);
  assert.match(run('export', '--data', data), /MAINĪTA/);
  const usage = spawnSync(bin, ['import', '--if-empty', '--data', data], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
});
