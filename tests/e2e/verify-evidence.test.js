// tests/e2e/verify-evidence.test.js — issue 14, points 2 and 4: unsigned
// evidence that cannot be used (an OCSP value replaced or joined by junk;
// the unsigned properties are not covered by the signature) is set aside
// and never makes a signature invalid, and the page says in plain words, in
// Latvian and English, what was confirmed (the files intact, the signature
// value mathematically correct), every time-stamp and validity confirmation
// found with its time, and what was set aside and why. `epak verify --json`
// says the same. Containers: our own LT signature (tests/lib/containers.js)
// against a portal trusting the test PKI, which never asks online.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getFormSession, bin } from '../lib/server.js';
import { startVerifyPortal, rewriteContainer } from '../lib/containers.js';

let work;
let portal;
let junkOnly;
let junkBeside;

const SIG = 'META-INF/signatures0.xml';
const OCSP = '(<xades:EncapsulatedOCSPValue[^>]*>)[^<]*(</xades:EncapsulatedOCSPValue>)';

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-verify-evidence-'));
  portal = await startVerifyPortal(work);
  const { valid } = portal.containers;
  // the only OCSP response replaced by bytes that are no OCSP response
  junkOnly = rewriteContainer(valid, path.join(work, 'tikai-bojats.edoc'), [{ name: SIG, from: OCSP, to: '\\1AAAA\\2' }]);
  // the good one kept, a damaged one added after it
  junkBeside = rewriteContainer(valid, path.join(work, 'blakus-bojats.edoc'),
    [{ name: SIG, from: '</xades:OCSPValues>', to: '<xades:EncapsulatedOCSPValue>AAAA</xades:EncapsulatedOCSPValue></xades:OCSPValues>' }]);
});

after(async () => {
  await portal?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function report(file, lang = '') {
  const s = await getFormSession(portal.srv.base, `${lang}/parbaudit`);
  const fd = new FormData();
  fd.append('_csrf', s.token);
  fd.append('edoc', new Blob([fs.readFileSync(file)]), path.basename(file));
  const r = await fetch(`${portal.srv.base}${lang}/parbaudit`, { method: 'POST', body: fd, headers: { cookie: s.cookie } });
  assert.equal(r.status, 200);
  return r.text();
}

const text = (html) => html.replace(/<[^>]+>/g, '').replace(/&#39;|&#x27;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ').trim();
const evidence = (html) => [...(html.match(/<ul class="evidence">([\s\S]*?)<\/ul>/) || [null, ''])[1]
  .matchAll(/<li class="(evidence-used|evidence-dropped)">([\s\S]*?)<\/li>/g)].map((m) => [m[1], text(m[2])]);
const TIME = '\\d\\d\\.\\d\\d\\.\\d{4}\\. \\d\\d:\\d\\d'; // Riga time, LV
const TIME_EN = '\\d{1,2} [A-Z][a-z]+ \\d{4}, \\d\\d:\\d\\d';

test('only a damaged OCSP value: not confirmed, yet the files and the signature value are, with the time-stamp time', async () => {
  const lv = await report(junkOnly);
  assert.match(lv, /Parakstu neizdevās pilnībā apstiprināt\./);
  assert.doesNotMatch(lv, /Paraksts nav derīgs/, 'an unsigned part never makes it invalid');
  assert.match(lv, /<li class="check-ok">[^]*?Parakstītie faili kopš parakstīšanas nav mainīti\./);
  assert.match(lv, /<li class="check-ok">[^]*?Paraksta vērtība ir matemātiski pareiza/);
  const items = evidence(lv);
  assert.equal(items.length, 2, JSON.stringify(items));
  assert.equal(items[0][0], 'evidence-used');
  assert.match(items[0][1], new RegExp(`^Laika zīmogs, ${TIME} \\(epak Test TSA\\): izmantots$`));
  assert.equal(items[1][0], 'evidence-dropped');
  assert.match(items[1][1], /^Sertifikāta derīguma apliecinājums \(OCSP\): nav izmantots: tas ir bojāts un nav nolasāms$/);
  assert.match(text(lv), /nekad nepadara parakstu nederīgu/);
  assert.match(lv, /<code>INDETERMINATE\/TRY_LATER<\/code>/);
  assert.match(lv, /Dokumentam pievienoto sertifikāta derīguma apliecinājumu nevarēja izmantot/);

  const en = await report(junkOnly, '/en');
  assert.match(en, /The signature could not be fully confirmed\./);
  assert.match(en, /<li class="check-ok">[^]*?The signed files have not been changed since signing\./);
  assert.match(en, /<li class="check-ok">[^]*?The signature value is mathematically correct/);
  const enItems = evidence(en);
  assert.match(enItems[0][1], new RegExp(`^Time-stamp, ${TIME_EN} \\(epak Test TSA\\): used$`));
  assert.match(enItems[1][1], /^Confirmation of the certificate's validity \(OCSP\): set aside: it is damaged and cannot be read$/);
  assert.match(text(en), /one that cannot be used is set aside and never makes a signature invalid/);
  assert.match(text(en), /The confirmation of the certificate's validity attached to this document could not be used \(see the list below\)/);
});

test('a damaged OCSP value beside the good one: valid, the good one used and its time given', async () => {
  for (const [lang, valid, used, dropped] of [
    ['', /Visi paraksti ir derīgi\./, new RegExp(`^Sertifikāta derīguma apliecinājums \\(OCSP\\), ${TIME} \\(epak Test OCSP Responder\\): izmantots$`), /nav izmantots: tas ir bojāts/],
    ['/en', /All signatures are valid\./, new RegExp(`^Confirmation of the certificate's validity \\(OCSP\\), ${TIME_EN} \\(epak Test OCSP Responder\\): used$`), /set aside: it is damaged/],
  ]) {
    const html = await report(junkBeside, lang);
    assert.match(html, valid);
    const items = evidence(html);
    assert.deepEqual(items.map((i) => i[0]), ['evidence-used', 'evidence-used', 'evidence-dropped']);
    assert.match(items[1][1], used);
    assert.match(items[2][1], dropped);
  }
});

test('epak verify --json and the text report name the evidence and what was confirmed', () => {
  const run = (args) => spawnSync(bin, ['verify', '--trust', portal.trust, '--offline', ...args, junkOnly], { encoding: 'utf8', timeout: 120000 });
  const j = JSON.parse(run(['--json']).stdout).signatures[0];
  assert.deepEqual([j.indication, j.subindication], ['INDETERMINATE', 'TRY_LATER']);
  assert.deepEqual([j.confirmed.files_intact, j.confirmed.signature_value], [true, true]);
  assert.equal(j.evidence.length, 2);
  assert.deepEqual([j.evidence[0].type, j.evidence[0].usable, j.evidence[0].by], ['time-stamp', true, 'epak Test TSA']);
  assert.equal(j.evidence[0].time, j.timestamp_time);
  assert.deepEqual([j.evidence[1].type, j.evidence[1].usable, j.evidence[1].dropped], ['OCSP response', false, 'malformed']);
  assert.match(j.evidence[1].why, /OCSP response: malformed/);
  const t = run([]);
  assert.equal(t.status, 2);
  assert.match(t.stdout, /checked: the signed files are intact \(unchanged since signing\), and the signature value is mathematically correct/);
  assert.match(t.stdout, /evidence: time-stamp \S+ by epak Test TSA: usable/);
  assert.match(t.stdout, /evidence: OCSP response: dropped, OCSP response: malformed/);
});
