// tests/e2e/verify-report.test.js — issue 13: the verification report a
// layperson understands. Against a real server trusting the test PKI
// (tests/lib/signing.js), containers signed here (tests/lib/containers.js):
// one "what to do next" line per outcome, the changed file named and
// marked, no "?" or empty heading, the EN 319 102-1 codes and the signature
// level only under the technical details, and no "try again later" where
// waiting would not help.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getFormSession, bin, root } from '../lib/server.js';
import { stopPki } from '../lib/signing.js';
import { startVerifyPortal, signContainer } from '../lib/containers.js';

const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
let work;
let portal;
let srv;
let c;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-verify-report-'));
  portal = await startVerifyPortal(work);
  ({ srv, containers: c } = portal);
});

after(async () => {
  await portal?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function report(file, lang = '') {
  const s = await getFormSession(srv.base, `${lang}/parbaudit`);
  const fd = new FormData();
  fd.append('_csrf', s.token);
  fd.append('edoc', new Blob([fs.readFileSync(file)]), path.basename(file));
  const r = await fetch(`${srv.base}${lang}/parbaudit`, { method: 'POST', body: fd, headers: { cookie: s.cookie } });
  assert.equal(r.status, 200);
  return r.text();
}

const text = (html) => html.replace(/<[^>]+>/g, '').replace(/&#39;|&#x27;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ').trim();
const main = (html) => html.match(/<main[^>]*>([\s\S]*)<\/main>/)[1];
// The "what to do next" lines: exactly one, of the outcome given.
function nextStep(html, outcome) {
  const lines = [...html.matchAll(/<p class="next-step" data-outcome="([a-z]+)">([\s\S]*?)<\/p>/g)];
  assert.equal(lines.length, 1, 'one "what to do next" line');
  assert.equal(lines[0][1], outcome);
  return text(lines[0][2]);
}
const TECH = /<details class="tech-details">[\s\S]*?<\/details>/;
const CODES = /TOTAL-PASSED|TOTAL-FAILED|INDETERMINATE|HASH_FAILURE|TRY_LATER|NO_SIGNING_CERTIFICATE_FOUND|NO_CERTIFICATE_CHAIN_FOUND|XAdES|BASELINE/;

// Every heading and term has words; no "?" stands in for a missing value.
function noEmptyHeadings(html) {
  const m = main(html);
  for (const [, tag, inner] of m.matchAll(/<(h[1-6]|dt|summary)\b[^>]*>([\s\S]*?)<\/\1>/g)) {
    const t = text(inner);
    assert.ok(t.length > 1 && /\p{L}/u.test(t), `<${tag}> has words: "${t}"`);
    assert.doesNotMatch(t, /\?/, `<${tag}> "${t}"`);
  }
  for (const [, inner] of m.matchAll(/<dd\b[^>]*>([\s\S]*?)<\/dd>/g))
    assert.ok(text(inner).length > 0 && text(inner) !== '?', `an empty or "?" value: ${inner}`);
  assert.doesNotMatch(text(m), /(^|\s)\?(\s|$)|\(\?\)|: \?/, 'no lone "?"');
}

function codesOnlyInTech(html, codes) {
  const tech = html.match(TECH);
  assert.ok(tech, 'the technical details are there');
  assert.doesNotMatch(main(html).replace(TECH, ''), CODES, 'no codes in the main text');
  for (const code of codes) assert.ok(tech[0].includes(code), `${code} is in the technical details`);
}

const LATER = /vēlāk|later|pēc dažām minūtēm|in a few minutes|mēģiniet vēlreiz|try again/i;

test('valid: the next step says it can be relied on and what it does not prove; codes only in the details', async () => {
  const html = await report(c.valid);
  assert.match(html, /Visi paraksti ir derīgi\./);
  const line = nextStep(html, 'valid');
  assert.match(line, /Varat paļauties uz parakstiem/);
  assert.match(line, /nepierāda, vai dokumentā rakstītais ir patiess/);
  codesOnlyInTech(html, ['<code>TOTAL-PASSED</code>', '<code>XAdES-BASELINE-LT</code>']);
  assert.match(html, /<summary>Tehniskā informācija<\/summary>/);
  // what was checked, each with a mark and words; the signer and Riga time
  assert.equal((main(html).match(/<li class="check-ok"><span class="check-mark" aria-hidden="true">✓<\/span>/g) || []).length, 5);
  assert.match(html, /<h3>ANNA BĒRZIŅA<\/h3>/);
  assert.match(html, /<dt>Parakstīts \(pēc parakstītāja norādītā laika\)<\/dt><dd>\d\d\.\d\d\.\d{4}\. \d\d:\d\d<\/dd>/);
  assert.doesNotMatch(html, /UTC/);
  assert.doesNotMatch(main(html), /class="changed"/, 'nothing is marked changed');
  noEmptyHeadings(html);
  assert.doesNotMatch(text(main(html)), LATER);
  const en = await report(c.valid, '/en');
  assert.match(nextStep(en, 'valid'), /^You can rely on the signatures: .* does not show whether what the document says is true/);
  assert.match(en, /<summary>Technical details<\/summary>/);
  noEmptyHeadings(en);
});

test('tampered: ask for a new signed copy, do not rely on the files; the changed file is named and marked', async () => {
  const html = await report(c.tampered);
  assert.match(html, /Paraksts nav derīgs\./);
  assert.match(nextStep(html, 'invalid'), /Nepaļaujieties uz šiem failiem kā parakstītiem: lūdziet sūtītājam jaunu parakstītu dokumenta kopiju\./);
  // named in the verdict, in the signature's checks and files, and in the download list
  assert.match(html, /<p class="verdict-changed">Pēc parakstīšanas mainīts: <strong class="file-name">iesniegums\.txt<\/strong><\/p>/);
  assert.match(html, /<li class="check-no"><span class="check-mark" aria-hidden="true">✗<\/span> Šis fails pēc parakstīšanas ir mainīts: <strong class="file-name">iesniegums\.txt<\/strong><\/li>/);
  assert.equal((html.match(/<ul class="checks">([\s\S]*?)<\/ul>/)[1].match(/<li /g) || []).length, 1, 'checks past the changed file were not reached, so not listed');
  const files = html.match(/<ul class="files">([\s\S]*?)<\/ul>/)[1];
  const items = [...files.matchAll(/<li( class="changed")?>([\s\S]*?)<\/li>/g)];
  assert.equal(items.length, 2);
  const changed = items.filter((i) => i[1]);
  assert.equal(changed.length, 1, 'one file is marked');
  assert.match(changed[0][2], /download="iesniegums\.txt"/);
  assert.match(text(changed[0][2]), /⚠ mainīts pēc parakstīšanas: nepaļaujieties uz šo failu/, 'a mark and words, not colour alone');
  const covered = [...html.match(/<ul class="covered">([\s\S]*?)<\/ul>/)[1].matchAll(/<li( class="changed")?>([\s\S]*?)<\/li>/g)]
    .map((i) => [Boolean(i[1]), text(i[2])]);
  assert.deepEqual(covered, [[true, 'iesniegums.txt ⚠ mainīts pēc parakstīšanas'], [false, 'pielikums.pdf']]);
  codesOnlyInTech(html, ['<code>TOTAL-FAILED/HASH_FAILURE</code>', 'data file &quot;iesniegums.txt&quot; was changed after signing']);
  noEmptyHeadings(html);
  assert.doesNotMatch(text(main(html)), LATER);
  const en = await report(c.tampered, '/en');
  assert.match(nextStep(en, 'invalid'), /Do not rely on these files as signed: ask the sender for a new signed copy of the document\./);
  assert.match(text(en.match(/<ul class="files">([\s\S]*?)<\/ul>/)[1]), /iesniegums\.txt \(\d+ B\) ⚠ changed after signing: do not rely on this file/);
  noEmptyHeadings(en);
});

test('not confirmed (a basic signature): what was and was not confirmed, where to check, never "try again later"', async () => {
  const html = await report(c.basic);
  assert.match(html, /Parakstu neizdevās pilnībā apstiprināt\./);
  const line = nextStep(html, 'indeterminate');
  assert.match(line, /^Apstiprināts: faili kopš parakstīšanas nav mainīti, paraksta vērtība ir matemātiski pareiza, un parakstītāja sertifikātu izdevis uzticams sertifikācijas pakalpojumu sniedzējs\./);
  assert.match(line, /Dokumentā nav apliecinājuma, ka parakstītāja sertifikāts parakstīšanas brīdī bija derīgs/);
  assert.match(line, /Jautājiet sūtītājam vai pārbaudiet dokumentu ar e-paraksta pārbaudes rīku vietnē eparaksts\.lv/);
  const links = html.match(/<ul class="next-links">([\s\S]*?)<\/ul>/)[1];
  assert.match(links, /href="https:\/\/www\.eparaksts\.lv"/);
  assert.match(links, /href="\/kontakti"/);
  // the certificate's status is the one check not confirmed
  assert.equal((main(html).match(/class="check-no"/g) || []).length, 1);
  assert.match(html, /<li class="check-no">[^]*?Nevarēja apstiprināt, ka parakstītāja sertifikāts parakstīšanas brīdī bija derīgs\./);
  assert.doesNotMatch(text(main(html).replace(TECH, '')), LATER, 'the portal never asks online: waiting would not help');
  codesOnlyInTech(html, ['<code>INDETERMINATE/TRY_LATER</code>', '<code>XAdES-BASELINE-B</code>']);
  noEmptyHeadings(html);
  const en = await report(c.basic, '/en');
  const enLine = nextStep(en, 'indeterminate');
  assert.match(enLine, /^Confirmed: the files have not been changed since signing, the signature value is mathematically correct, and the signer's certificate was issued by a trusted certification authority\./);
  assert.match(enLine, /this portal does not request one online, so the certificate's validity could not be confirmed\./);
  assert.doesNotMatch(text(main(en).replace(TECH, '')), LATER);
  noEmptyHeadings(en);
});

test('not confirmed (a certificate this portal does not trust): what was confirmed and where to check', async () => {
  const html = await report(path.join(shared, 'testdata/asice/libdigidocpp/test.asice'));
  const line = nextStep(html, 'indeterminate');
  assert.match(line, /^Apstiprināts: faili kopš parakstīšanas nav mainīti, un paraksta vērtība ir matemātiski pareiza\./);
  assert.match(line, /Parakstītāja sertifikātu nav izdevis sertifikācijas pakalpojumu sniedzējs, kuram šis portāls uzticas\./);
  assert.match(line, /eparaksts\.lv/);
  assert.doesNotMatch(text(main(html).replace(TECH, '')), LATER);
  codesOnlyInTech(html, ['<code>INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND</code>', '<code>XAdES LT-TM (BDOC time-mark)</code>']);
  noEmptyHeadings(html);
});

test('a signer who cannot be identified gets words, not "?"', async () => {
  for (const lang of ['', '/en']) {
    const html = await report(c.unnamed, lang);
    assert.match(html, lang ? /<h3>Signature 1: the signer could not be identified<\/h3>/ : /<h3>Paraksts 1: parakstītāju nevarēja noteikt<\/h3>/);
    assert.match(html, /NO_SIGNING_CERTIFICATE_FOUND/);
    nextStep(html, 'indeterminate');
    noEmptyHeadings(html);
  }
});

test('a document without signatures: ask for a signed copy', async () => {
  const html = await report(path.join(shared, 'testdata/asice/libdigidocpp/asice-path.asice'));
  assert.match(nextStep(html, 'invalid'), /Dokuments nav parakstīts/);
  assert.doesNotMatch(html, /tech-details/, 'no technical details without signatures');
  noEmptyHeadings(html);
});

test('names from the upload and the container are escaped', async () => {
  const odd = path.join(work, 'esc');
  fs.mkdirSync(odd, { recursive: true });
  const f = path.join(odd, 'a<b>&"c".txt');
  fs.writeFileSync(f, 'x\n');
  const edoc = signContainer(portal.pki, path.join(odd, 'odd.edoc'), [f]);
  const s = await getFormSession(srv.base, '/parbaudit');
  const fd = new FormData();
  fd.append('_csrf', s.token);
  fd.append('edoc', new Blob([fs.readFileSync(edoc)]), '<i>x</i>.edoc');
  const html = await (await fetch(`${srv.base}/parbaudit`, { method: 'POST', body: fd, headers: { cookie: s.cookie } })).text();
  assert.match(html, /Dokuments: <strong>[^<>]+\.edoc<\/strong>/, 'the upload\'s name is shown tamed');
  assert.match(html, /a&lt;b&gt;&amp;&quot;c&quot;\.txt/);
  assert.doesNotMatch(html, /<i>x<\/i>|a<b>/);
  nextStep(html, 'valid');
});

test('the report model says what was confirmed and whether a later try could help (epak verify --json)', () => {
  const json = (file, args = []) => {
    const r = spawnSync(bin, ['verify', '--json', '--trust', portal.trust, ...args, file], { encoding: 'utf8', timeout: 120000 });
    assert.ok(r.stdout, r.stderr);
    return JSON.parse(r.stdout).signatures[0];
  };
  const bad = json(c.tampered, ['--offline']);
  assert.equal(bad.changed_file, 'iesniegums.txt');
  assert.deepEqual(bad.confirmed, { files_intact: false, signature_value: false, certificate_trusted: false, certificate_status: false });
  const basic = json(c.basic, ['--offline']);
  assert.deepEqual([basic.indication, basic.subindication, basic.temporary], ['INDETERMINATE', 'TRY_LATER', false]);
  assert.deepEqual(basic.confirmed, { files_intact: true, signature_value: true, certificate_trusted: true, certificate_status: false });
  const ok = json(c.valid, ['--offline']);
  assert.equal(ok.changed_file, null);
  assert.deepEqual(ok.confirmed, { files_intact: true, signature_value: true, certificate_trusted: true, certificate_status: true });
  // online, with the OCSP responder gone: that one is worth another try
  stopPki(portal.pki);
  const down = json(c.basic, ['--any-address']);
  assert.deepEqual([down.indication, down.subindication, down.temporary], ['INDETERMINATE', 'TRY_LATER', true]);
});
