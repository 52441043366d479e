// tests/e2e/sign-page.test.js — "Parakstīt un nosūtīt" over plain HTTP: the
// form's checks, the signing session shared with /api/v1/sign/*, and what
// happens when the steps come out of order, from another browser, or late.
// The whole flow in Chromium with the card is tests/browser/sign.test.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getFormSession, sqlite } from '../lib/server.js';
import { startSigningPortal, tokenSign, waitMails } from '../lib/signing.js';

let work;
let pki;
let srv;
let portal;
let mailDir;
let certPem;

async function step1(s, fields, files) {
  const fd = new FormData();
  fd.append('_csrf', s.token);
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const [name, bytes] of files) fd.append('dokuments', new Blob([bytes]), name);
  return fetch(srv.base + '/parakstit', { method: 'POST', body: fd, headers: { cookie: s.cookie }, redirect: 'manual' });
}

function form(s, url, fields) {
  return fetch(srv.base + url, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.token, ...fields }).toString(),
  });
}

// Step 1 done; returns the session token the page carries.
async function prepared(s, files = [['iesniegums.txt', 'Lūdzu.\n']]) {
  const r = await step1(s, { iestade: 'vid' }, files);
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.equal(r.headers.get('cache-control'), 'no-store');
  return html.match(/data-session="([^"]+)"/)[1].replace(/&#x2F;|&#47;/g, '/').replace(/&#x3D;|&#61;/g, '=').replace(/&#x2B;|&#43;/g, '+');
}

async function signIt(s, session) {
  const j = await (await form(s, '/api/v1/sign/start', { session, certificate: certPem })).json();
  assert.equal(j.hashFunction, 'SHA-256');
  const sig = tokenSign(pki, Buffer.from(j.digest, 'base64'), 'epak-ec', 'ECDSA');
  return form(s, '/api/v1/sign/finish', { session, signature: sig.toString('base64') });
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-signpage-e2e-'));
  portal = await startSigningPortal(work);
  ({ pki, mailDir, srv } = portal);
  certPem = fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8');
});

after(async () => {
  await portal?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('the form says what to fix, in the person\'s language, and keeps what was typed', async () => {
  const s = await getFormSession(srv.base, '/parakstit');
  let r = await step1(s, { iestade: '', epasts: 'nav adrese', zina: 'Sveiki' }, []);
  assert.equal(r.status, 422);
  let html = await r.text();
  assert.match(html, /Lūdzu, izvēlieties dokumentu, kuru vēlaties parakstīt/);
  assert.match(html, /<a href="#iestade">Iestāde:/);
  assert.match(html, /<a href="#epasts">/);
  assert.match(html, />Sveiki<\/textarea>/);
  r = await step1(s, { iestade: 'nav-tadas' }, [['a.txt', 'a']]);
  assert.match(await r.text(), /Lūdzu, izvēlieties vienu no iespējām/);
  r = await step1(s, { iestade: 'vid' }, [['a.txt', 'a'], ['a.txt', 'b']]);
  assert.equal(r.status, 422);
  assert.match(await r.text(), /Datni a\.txt nevar parakstīt/);
  // a path in a file name is cut to its last part, as browsers send it
  r = await step1(s, { iestade: 'vid' }, [['../../etc/a.txt', 'a']]);
  assert.equal(r.status, 200);
  html = await r.text();
  assert.match(html, /<li>a\.txt \(1 B\)<\/li>/);
  assert.doesNotMatch(html, /etc/);
  r = await step1(s, { iestade: 'vid' }, [['tukss.txt', '']]);
  assert.match(await r.text(), /Datne tukss\.txt ir tukša/);
  r = await step1(s, { iestade: 'vid' }, Array.from({ length: 16 }, (_, i) => [`f${i}.txt`, 'x']));
  assert.equal(r.status, 200, 'sixteen files go in one container');
  // the request parser's limit (16 files) answers more with a page of its own
  r = await step1(s, { iestade: 'vid' }, Array.from({ length: 17 }, (_, i) => [`f${i}.txt`, 'x']));
  assert.equal(r.status, 413);
  assert.match(await r.text(), /Veidlapā ir pārāk daudz lauku/);
  const en = await getFormSession(srv.base, '/en/parakstit');
  const fd = new FormData();
  fd.append('_csrf', en.token);
  fd.append('iestade', 'vid');
  r = await fetch(srv.base + '/en/parakstit', { method: 'POST', body: fd, headers: { cookie: en.cookie } });
  assert.match(await r.text(), /Please choose the document you want to sign/);
  // without the CSRF token nothing happens
  r = await fetch(srv.base + '/parakstit', { method: 'POST', body: new FormData(), headers: { cookie: s.cookie } });
  assert.equal(r.status, 403);
});

test('step 2 lists the documents and the institution; sending before signing is refused', async () => {
  const s = await getFormSession(srv.base, '/parakstit');
  const r = await step1(s, { iestade: 'vid', zina: '<script>x</script>' }, [['iesniegums.txt', 'a'], ['pielikums.pdf', 'b']]);
  const html = await r.text();
  assert.match(html, /iesniegums\.txt \(1 B\)/);
  assert.match(html, /pielikums\.pdf/);
  assert.match(html, /pasts@vid\.gov\.lv/);
  assert.match(html, /&lt;script&gt;x&lt;\/script&gt;/);
  assert.doesNotMatch(html, /<script>x/);
  const session = html.match(/name="session" value="([^"]+)"/)[1].replace(/&#x2F;|&#47;/g, '/').replace(/&#x3D;|&#61;/g, '=').replace(/&#x2B;|&#43;/g, '+');
  const early = await form(s, '/parakstit/nosutit', { session });
  assert.equal(early.status, 422);
  assert.match(await early.text(), /Dokuments vēl nav parakstīts/);
});

test('the signed container is sent once, however often the button is pressed', async () => {
  const s = await getFormSession(srv.base, '/parakstit');
  const session = await prepared(s);
  const f = await signIt(s, session);
  assert.equal(f.status, 200, await f.clone().text());
  // finishing twice is refused: the signature is already there
  const again = await form(s, '/api/v1/sign/finish', { session, signature: Buffer.alloc(96, 1).toString('base64') });
  assert.equal(again.status, 422);
  const before_ = fs.readdirSync(mailDir).filter((x) => x.endsWith('.json')).length;
  // two presses at once: one sends, both lead to its receipt
  const [r, r2] = await Promise.all([form(s, '/parakstit/nosutit', { session }), form(s, '/parakstit/nosutit', { session })]);
  assert.equal(r.status, 303);
  assert.equal(r2.status, 303);
  assert.equal(r2.headers.get('location'), r.headers.get('location'));
  assert.match(r.headers.get('location'), /^\/nosutit\/kvits\/\d{4}-[A-Z2-9]{10}$/);
  await waitMails(mailDir, before_ + 1);
  // a second click or a reload leads to the same receipt and sends nothing
  const twice = await form(s, '/parakstit/nosutit', { session });
  assert.equal(twice.status, 303);
  assert.equal(twice.headers.get('location'), r.headers.get('location'));
  const late = await form(s, '/api/v1/sign/start', { session, certificate: certPem });
  assert.equal(late.status, 422);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(fs.readdirSync(mailDir).filter((x) => x.endsWith('.json')).length, before_ + 1, 'exactly one mail to the institution');
  assert.equal(sqlite(path.join(srv.data, 'epak.db'), "SELECT count(*) FROM session WHERE data LIKE '%\"signed\"%' OR data LIKE '%@%'"), '0',
    'once sent, the session keeps neither the document nor the e-mail address');
});

test('another browser can neither sign nor send someone else\'s document', async () => {
  const s = await getFormSession(srv.base, '/parakstit');
  const session = await prepared(s);
  const other = await getFormSession(srv.base, '/parakstit');
  const st = await form(other, '/api/v1/sign/start', { session, certificate: certPem });
  assert.equal(st.status, 403);
  const sent = await form(other, '/parakstit/nosutit', { session });
  assert.equal(sent.status, 422);
  assert.match(await sent.text(), /Parakstīšanas sesija ir beigusies/);
  // the owner still can
  assert.equal((await signIt(s, session)).status, 200);
});

test('an expired signing session cannot be signed or sent', async () => {
  const s = await getFormSession(srv.base, '/parakstit');
  const session = await prepared(s);
  sqlite(path.join(srv.data, 'epak.db'), "UPDATE session SET expires_at = 1 WHERE id LIKE 'sign:%'");
  const st = await form(s, '/api/v1/sign/start', { session, certificate: certPem });
  assert.equal(st.status, 404);
  const r = await form(s, '/parakstit/nosutit', { session });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /Parakstīšanas sesija ir beigusies/);
});

test('the e-mail field takes only addresses the mail code can send to, said beside the field (LV, EN)', async () => {
  for (const [prefix, bad, msg] of [
    ['', 'jānis@example.lv', /latīņu burtiem bez diakritiskajām zīmēm/],
    ['', 'a..b@example.lv', /piemēram, vards@example\.lv/],
    ['/en', 'jānis@example.lv', /Latin letters without diacritics/],
    ['/en', 'a..b@example.lv', /like name@example\.lv/],
  ]) {
    const s = await getFormSession(srv.base, prefix + '/parakstit');
    const fd = new FormData();
    fd.append('_csrf', s.token);
    fd.append('iestade', 'vid');
    fd.append('epasts', bad);
    fd.append('dokuments', new Blob(['Lūdzu.\n']), 'iesniegums.txt');
    const r = await fetch(srv.base + prefix + '/parakstit', { method: 'POST', body: fd, headers: { cookie: s.cookie } });
    assert.equal(r.status, 422, `${prefix} ${bad}: refused before signing`);
    const html = await r.text();
    const field = html.match(/<p class="field-error" id="epasts-error">([^<]*)<\/p>/);
    assert.ok(field, `${prefix} ${bad}: an error beside the e-mail field`);
    assert.match(field[1], msg);
    assert.doesNotMatch(html, /data-session=/, 'no signing session was made');
  }
});
