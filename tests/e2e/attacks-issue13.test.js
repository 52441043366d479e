// tests/e2e/attacks-issue13.test.js — a stranger against what issue 13
// added to sending (the institution is given a confirmed address for its
// answer, with Reply-To): a receipt number is a reference people read out
// and the institution's mail carries, so whoever holds it may get a receipt
// but must not be able to steer the institution's answer; names, file names
// and ?iestade= come back escaped; an e-mail field cannot carry a header;
// every new or changed POST wants the CSRF token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getFormSession, sqlite, bin } from '../lib/server.js';
import { startSigningPortal, waitMails } from '../lib/signing.js';

let work;
let portal;
let srv;
let edoc;
const mailFiles = () => fs.readdirSync(portal.mailDir).filter((f) => f.endsWith('.json')).length;
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const db = (sql) => sqlite(path.join(srv.data, 'epak.db'), sql);

async function send(fields, name = 'iesniegums.edoc', prefix = '') {
  const s = await getFormSession(srv.base, prefix + '/nosutit');
  const fd = new FormData();
  fd.append('_csrf', s.token);
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  fd.append('edoc', new Blob([edoc]), name);
  return fetch(srv.base + prefix + '/nosutit', { method: 'POST', body: fd, headers: { cookie: s.cookie }, redirect: 'manual' });
}

// Presses the button behind a confirmation link, as its owner would.
async function confirmLink(link) {
  const s = await getFormSession(srv.base, link);
  return fetch(srv.base + link, { method: 'POST', redirect: 'manual',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.token }).toString() });
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-attack13-'));
  portal = await startSigningPortal(work);
  srv = portal.srv;
  fs.writeFileSync(path.join(work, 'doc.txt'), 'Lūdzu izsniegt izziņu.\n');
  execFileSync(bin, ['sign', '-o', path.join(work, 'doc.edoc'), '--p12', path.join(portal.pki, 'signer-ec.p12'),
    '--pin-env', 'PIN', '--profile', 'LT', '--tsa', `${portal.responder}/tsa`, '--ocsp', `${portal.responder}/ocsp`,
    path.join(work, 'doc.txt')], { env: { ...process.env, PIN: 'test-pass' } });
  edoc = fs.readFileSync(path.join(work, 'doc.edoc'));
});

after(async () => {
  await portal?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('whoever knows a receipt number gets a receipt at most: the institution is not given their address', async () => {
  // the sender gives no address; the receipt number then travels (read out
  // on the phone, in the institution's mail subject...)
  const r = await send({ iestade: 'vid' });
  assert.equal(r.status, 303, await r.text());
  const loc = r.headers.get('location');
  const receipt = loc.split('/').pop();
  await waitMails(portal.mailDir, 1);
  // a stranger, in another browser, adds an address of theirs on the receipt page
  const s = await getFormSession(srv.base, loc);
  assert.match(s.html, /Adrese netiek nodota iestādei/, 'the page says an address added here is not passed on');
  const p = await fetch(srv.base + loc, { method: 'POST', redirect: 'manual',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.token, epasts: 'zaglis@example.lv' }).toString() });
  assert.equal(p.status, 303);
  const got = await waitMails(portal.mailDir, 2);
  const confirm = got.find((m) => m.rcpt_tos.includes('zaglis@example.lv'));
  assert.ok(confirm, JSON.stringify(got.map((m) => m.subject)));
  const link = confirm.text.match(/https:\/\/epak\.example\.lv(\/nosutit\/apstiprinat\/[0-9a-f]{64})/)[1];
  const c = await confirmLink(link);
  assert.equal(c.status, 200);
  const all = await waitMails(portal.mailDir, 3); // the receipt to the confirmed address
  assert.ok(all.find((m) => m.subject.includes('Kvīts par nosūtītu dokumentu')));
  await sleep(1000); // the window in which the institution's mail would be queued and sent
  const now = JSON.parse(JSON.stringify(await waitMails(portal.mailDir, 3)));
  assert.equal(now.length, 3, JSON.stringify(now.map((m) => m.subject)));
  assert.ok(!now.some((m) => m.subject.startsWith('Atbildes adrese') || m.reply_to === 'zaglis@example.lv'),
    'no mail gives the institution the stranger\'s address');
  assert.equal(db(`SELECT receipt_mail FROM submission WHERE receipt = '${receipt}'`), 'mailed');
  assert.equal(db("SELECT count(*) FROM mail_outbox WHERE CAST(message AS TEXT) LIKE '%Reply-To%'"), '0');
  // the receipt page says what happened, offers no second address, and
  // claims no address was given to the institution
  const page = await (await fetch(srv.base + loc)).text();
  assert.match(page, /nosūtīta uz jūsu apstiprināto e-pasta adresi/);
  assert.doesNotMatch(page, /adrese nodota iestādei atbildei/);
  assert.doesNotMatch(page, /<form method="post" action="\/nosutit\/kvits/);
});

test('the sender\'s own address, given with the document, still reaches the institution as Reply-To', async () => {
  const before_ = mailFiles();
  const r = await send({ iestade: 'vid', epasts: 'sutitajs@example.lv' });
  assert.equal(r.status, 303);
  const receipt = r.headers.get('location').split('/').pop();
  const got = await waitMails(portal.mailDir, before_ + 2);
  const confirm = got.find((m) => m.rcpt_tos.includes('sutitajs@example.lv'));
  const link = confirm.text.match(/https:\/\/epak\.example\.lv(\/nosutit\/apstiprinat\/[0-9a-f]{64})/)[1];
  assert.equal((await confirmLink(link)).status, 200);
  const all = await waitMails(portal.mailDir, before_ + 4);
  const answer = all.find((m) => m.subject === `Atbildes adrese iesniegumam ${receipt}`);
  assert.ok(answer, JSON.stringify(all.map((m) => m.subject)));
  assert.equal(answer.reply_to, 'sutitajs@example.lv');
  assert.equal(db(`SELECT receipt_mail FROM submission WHERE receipt = '${receipt}'`), 'confirmed');
});

test('an e-mail field cannot carry a header: refused, nothing queued', async () => {
  const before_ = Number(db('SELECT count(*) FROM mail_outbox'));
  for (const epasts of ['a@example.lv\r\nBcc: victim@example.lv', 'a@example.lv, victim@example.lv',
    'a@example.lv>\r\nReply-To: <x@example.lv', '"x"@example.lv']) {
    const r = await send({ iestade: 'vid', epasts });
    assert.equal(r.status, 422, epasts);
  }
  assert.equal(Number(db('SELECT count(*) FROM mail_outbox')), before_);
});

test('file names, ?iestade= and institution choices come back escaped', async () => {
  // a wrong e-mail field: the page names the chosen file to choose again
  // (the upload code turns < > " into _; & and ' reach the page and are escaped)
  const evil = 'a&amp;b\'<img src=x onerror=alert(1)>".edoc';
  let r = await send({ iestade: 'vid', epasts: 'nav-adrese' }, evil);
  assert.equal(r.status, 422);
  let html = await r.text();
  assert.doesNotMatch(html, /<img src=x/);
  assert.match(html, /„a&amp;amp;b&#39;_img src=x onerror=alert\(1\)_/);
  // an institution slug of markup is refused, not echoed raw
  r = await send({ iestade: '"><script>alert(1)</script>' });
  assert.equal(r.status, 422);
  assert.doesNotMatch(await r.text(), /<script>alert/);
  for (const q of ['"><script>alert(1)</script>', "vid' onfocus='alert(1)", '%00', 'x'.repeat(5000)]) {
    const g = await fetch(srv.base + '/nosutit?iestade=' + encodeURIComponent(q));
    assert.ok(g.status === 200 || g.status === 414 || g.status === 400, `${q.slice(0, 20)}: ${g.status}`);
    html = await g.text();
    assert.doesNotMatch(html, /<script>alert|onfocus='alert/);
  }
  // the sent file's name on the receipt page
  r = await send({ iestade: 'vid' }, evil);
  assert.equal(r.status, 303);
  html = await (await fetch(srv.base + r.headers.get('location'))).text();
  assert.doesNotMatch(html, /<img src=x/);
});

test('the new and changed POSTs want the CSRF token', async () => {
  const s = await getFormSession(srv.base, '/nosutit');
  const form = (body) => ({ method: 'POST', redirect: 'manual',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body });
  const link = '/nosutit/apstiprinat/' + 'a'.repeat(64);
  for (const [url, body] of [[link, ''], ['/nosutit/kvits/2026-AAAAAAAAAA', 'epasts=a%40example.lv'],
    ['/nosutit', 'iestade=vid']]) {
    const r = await fetch(srv.base + url, form(body));
    assert.equal(r.status, 403, url);
    const w = await fetch(srv.base + url, form(body + '&_csrf=' + 'b'.repeat(s.token.length)));
    assert.equal(w.status, 403, url + ' with a wrong token');
  }
});
