// tests/e2e/send.test.js — sign and send: a document signed with a secure
// e-signature goes from the portal to the institution's official e-mail
// address through the outbox, over real SMTP (tests/mail/smtpd.py), with a
// receipt for the sender; unsigned or broken documents are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, getFormSession, bin, root } from '../lib/server.js';
import { setupPki, stopPki, startSmtpd, smtpEnv, waitMails } from '../lib/signing.js';

let work;
let pki;
let srv;
let smtpd;
let mailDir;
const mails = (n) => waitMails(mailDir, n);

async function send(fields, file) {
  const s = await getFormSession(srv.base, '/nosutit');
  const fd = new FormData();
  fd.append('_csrf', s.token);
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  if (file) fd.append('edoc', new Blob([file.bytes]), file.name);
  return fetch(srv.base + '/nosutit', { method: 'POST', body: fd, headers: { cookie: s.cookie }, redirect: 'manual' });
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-send-'));
  pki = path.join(work, 'pki');
  const responder = setupPki(pki);
  mailDir = path.join(work, 'mail');
  smtpd = await startSmtpd(mailDir);
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')], extra: ['--trust', path.join(pki, 'root.crt')],
    env: smtpEnv(smtpd.port) });
  fs.writeFileSync(path.join(work, 'iesniegums.txt'), 'Lūdzu izsniegt izziņu par deklarēto dzīvesvietu.\n');
  execFileSync(bin, ['sign', '-o', path.join(work, 'iesniegums.edoc'), '--p12', path.join(pki, 'signer-ec.p12'),
    '--pin-env', 'PIN', '--profile', 'LT', '--tsa', `${responder}/tsa`, '--ocsp', `${responder}/ocsp`,
    path.join(work, 'iesniegums.txt')], { env: { ...process.env, PIN: 'test-pass' } });
});

after(async () => {
  await srv?.stop();
  smtpd?.proc.kill();
  stopPki(pki);
  fs.rmSync(work, { recursive: true, force: true });
});

test('the form lists institutions with their official e-mail addresses', async () => {
  const s = await getFormSession(srv.base, '/nosutit');
  assert.match(s.html, /<h1>Nosūtīt parakstītu dokumentu iestādei<\/h1>/);
  assert.match(s.html, /<option value="vid"[^>]*>Valsts ieņēmumu dienests \(pasts@vid\.gov\.lv\)<\/option>/);
});

test('a signed document reaches the institution with a receipt for the sender', async () => {
  const edoc = fs.readFileSync(path.join(work, 'iesniegums.edoc'));
  const r = await send({ iestade: 'vid', epasts: 'anna@example.lv', zina: 'Paldies!' }, { name: 'iesniegums.edoc', bytes: edoc });
  assert.equal(r.status, 303, await r.text());
  const loc = r.headers.get('location');
  assert.match(loc, /^\/nosutit\/kvits\/\d{4}-[A-Z2-9]{10}$/);
  const receipt = loc.split('/').pop();
  const got = await mails(2);
  const toOrg = got.find((m) => m.subject.includes('Iesniegums ar drošu e-parakstu'));
  const toMe = got.find((m) => m.rcpt_tos.includes('anna@example.lv'));
  assert.ok(toOrg && toMe, JSON.stringify(got.map((m) => m.subject)));
  assert.ok(!toOrg.rcpt_tos.includes('anna@example.lv'));
  assert.match(toOrg.subject, new RegExp(receipt));
  assert.match(toOrg.text, /Paldies!/);
  assert.equal(toOrg.reply_to, 'anna@example.lv');
  const att = toOrg.attachments[0];
  assert.equal(att.filename, 'iesniegums.edoc');
  assert.ok(Buffer.from(att.data, 'base64').equals(edoc), 'the attachment is the signed container, byte for byte');
  assert.match(toMe.subject, /kvīts/);
  assert.match(toMe.text, new RegExp(receipt));
  const page = await (await fetch(srv.base + loc)).text();
  assert.match(page, new RegExp(`Kvīts numurs: ${receipt}`));
  assert.match(page, /Visi paraksti ir derīgi\./);
  assert.match(page, /nogādāts iestādes pasta serverī|ceļā/);
  assert.doesNotMatch(srv.log(), /anna@example\.lv|iesniegums/, 'no personal data in the log');
});

test('unsigned, broken and invalid input is refused and nothing is sent', async () => {
  const before_ = fs.readdirSync(mailDir).length;
  let r = await send({ iestade: 'vid' }, { name: 'x.edoc', bytes: Buffer.from('not a container') });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /Tas nav derīgs parakstīts dokuments/);
  r = await send({ iestade: 'vid' }, null);
  assert.equal(r.status, 422);
  r = await send({ iestade: 'nav-tadas-iestades' }, { name: 'a.edoc', bytes: fs.readFileSync(path.join(work, 'iesniegums.edoc')) });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /Lūdzu, izvēlieties vienu no iespējām/);
  r = await send({ iestade: 'vid', epasts: 'nav e-pasts' }, { name: 'a.edoc', bytes: fs.readFileSync(path.join(work, 'iesniegums.edoc')) });
  assert.equal(r.status, 422);
  const shared = process.env.EPAK_SHARED || path.resolve(root, '../shared');
  r = await send({ iestade: 'vid' }, { name: 'p.asice', bytes: fs.readFileSync(path.join(shared, 'testdata/asice/libdigidocpp/asice-path.asice')) });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /Dokuments nav parakstīts/);
  await new Promise((res) => setTimeout(res, 500));
  assert.equal(fs.readdirSync(mailDir).length, before_);
});

test('an unknown receipt is 404', async () => {
  assert.equal((await fetch(srv.base + '/nosutit/kvits/2026-AAAAAAAAAA')).status, 404);
});
