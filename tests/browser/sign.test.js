// tests/browser/sign.test.js — "Parakstīt un nosūtīt" in real Chromium: a
// person chooses documents and an institution, signs with the eID card and
// sends. The card's browser extension (Web eID) is played by a content
// script speaking its postMessage protocol; the card itself is a SoftHSM2
// token (pkcs11-tool in this process). The container that reaches the
// institution over real SMTP is checked with `epak verify`. Every step is
// checked with axe-core (WCAG 2.1 AA); without JavaScript the page points
// to the other way of signing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, root } from '../lib/server.js';
import { launch, axe, formatViolations } from '../lib/browser.js';
import { startSigningPortal, tokenSign, waitMails } from '../lib/signing.js';

const shots = path.join(root, 'tests/out/screenshots');
let work;
let pki;
let srv;
let portal;
let mailDir;
let browser;
let certB64;

// The Web eID extension's content script, as far as a page can tell: every
// request is acknowledged at once, then answered by the card (window.__card,
// which runs in the test) with -success, or -failure when the person cancels.
function fakeWebEid() {
  window.addEventListener('message', async (ev) => {
    const d = ev.data;
    if (ev.source !== window || !d || (d.action !== 'web-eid:get-signing-certificate' && d.action !== 'web-eid:sign')) return;
    window.postMessage({ action: `${d.action}-ack` }, '*');
    try {
      const res = JSON.parse(await window.__card(JSON.stringify(d)));
      window.postMessage({ action: `${d.action}-success`, ...res }, '*');
    } catch (e) {
      window.postMessage({ action: `${d.action}-failure`, error: { code: 'ERR_WEBEID_USER_CANCELLED', message: String(e) } }, '*');
    }
  });
}

// A browser context with the extension and a card that signs (or cancels).
async function contextWithCard({ cancel = false } = {}) {
  const ctx = await browser.newContext({ acceptDownloads: true });
  const card = { requests: [] };
  await ctx.exposeFunction('__card', (json) => {
    const d = JSON.parse(json);
    card.requests.push(d);
    if (cancel && d.action === 'web-eid:sign') throw new Error('the person pressed Cancel');
    if (d.action === 'web-eid:get-signing-certificate') {
      return JSON.stringify({ certificate: certB64,
        supportedSignatureAlgorithms: [{ cryptoAlgorithm: 'ECC', hashFunction: 'SHA-256', paddingScheme: 'NONE' }] });
    }
    assert.equal(d.certificate, certB64);
    assert.equal(d.hashFunction, 'SHA-256');
    const hash = Buffer.from(d.hash, 'base64');
    assert.equal(hash.length, 32);
    const sig = tokenSign(pki, hash, 'epak-ec', 'ECDSA');
    return JSON.stringify({ signature: sig.toString('base64'),
      signatureAlgorithm: { cryptoAlgorithm: 'ECC', hashFunction: 'SHA-256', paddingScheme: 'NONE' } });
  });
  await ctx.addInitScript(fakeWebEid);
  return { ctx, card };
}

async function noViolations(page, shot) {
  const v = await axe(page);
  assert.equal(v.length, 0, formatViolations(v));
  if (shot) await page.screenshot({ path: path.join(shots, shot), fullPage: true });
}

async function fillStep1(page, prefix, files) {
  await page.goto(srv.base + prefix + '/parakstit');
  await page.setInputFiles('#dokuments', files);
  await page.selectOption('#iestade', 'vid');
  await page.fill('#epasts', 'janis@example.lv');
  await page.fill('#zina', 'Lūdzu pārrēķināt nodokli.');
  await page.click('form[action$="/parakstit"] button[type=submit]');
}

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-signpage-'));
  portal = await startSigningPortal(work);
  ({ pki, mailDir, srv } = portal);
  const pem = fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8');
  certB64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  fs.writeFileSync(path.join(work, 'iesniegums.txt'), 'Lūdzu pārrēķināt iedzīvotāju ienākuma nodokli.\n');
  fs.writeFileSync(path.join(work, 'pielikums.pdf'), '%PDF-1.4\n% pielikums\n');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('a person signs two documents with the card and sends them; the institution gets a valid LT container', async () => {
  const { ctx, card } = await contextWithCard();
  const page = await ctx.newPage();
  await page.goto(srv.base + '/parakstit');
  assert.equal(await page.textContent('h1'), 'Parakstīt un nosūtīt dokumentu');
  await noViolations(page, 'lv_parakstit.png');
  await fillStep1(page, '', [path.join(work, 'iesniegums.txt'), path.join(work, 'pielikums.pdf')]);
  assert.match(await page.textContent('main'), /iesniegums\.txt.*pielikums\.pdf/s);
  assert.match(await page.textContent('main'), /Valsts ieņēmumu dienests \(pasts@vid\.gov\.lv\)/);
  assert.ok(await page.isVisible('#sign-button'), 'with JavaScript the signing button shows');
  assert.ok(!(await page.isVisible('#send-form')), 'nothing to send before signing');
  await noViolations(page, 'lv_parakstit_2.png');
  await page.click('#sign-button');
  await page.waitForSelector('#send-form:not([hidden])', { timeout: 60000 });
  assert.match(await page.textContent('#sign-status'), /Dokuments ir parakstīts/);
  assert.deepEqual(card.requests.map((r) => r.action), ['web-eid:get-signing-certificate', 'web-eid:sign']);
  assert.equal(await page.getAttribute('#sign-download a', 'download'), 'iesniegums.edoc');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sign-download a')]);
  const kept = path.join(work, 'kept.edoc');
  await download.saveAs(kept);
  await noViolations(page, 'lv_parakstit_3.png');
  await page.click('#send-button');
  await page.waitForURL(/\/nosutit\/kvits\//);
  assert.match(await page.textContent('h1'), /^Jūsu dokuments ir (ceļā|piegādāts)$/);
  const receipt = (await page.textContent('main')).match(/Kvīts numurs: (\d{4}-[A-Z2-9]{10})/)[1];
  assert.match(await page.textContent('main'), /Visi paraksti ir derīgi\./);
  await noViolations(page, 'lv_parakstit_kvits.png');

  const got = await waitMails(mailDir, 2);
  const toOrg = got.find((m) => m.rcpt_tos.includes('pasts@vid.gov.lv'));
  const toMe = got.find((m) => m.rcpt_tos.includes('janis@example.lv'));
  assert.ok(toOrg && toMe, JSON.stringify(got.map((m) => m.rcpt_tos)));
  // the unconfirmed address gets only the fixed confirmation text
  assert.match(toMe.text, /\/nosutit\/apstiprinat\/[0-9a-f]{64}/);
  assert.doesNotMatch(toMe.text + toMe.subject, /iesniegums|pārrēķināt|[A-Z2-9]{10}/);
  assert.match(toOrg.subject, new RegExp(receipt));
  assert.match(toOrg.text, /Lūdzu pārrēķināt nodokli\./);
  const att = toOrg.attachments[0];
  assert.equal(att.filename, 'iesniegums.edoc');
  const sent = path.join(work, 'sent.edoc');
  fs.writeFileSync(sent, Buffer.from(att.data, 'base64'));
  assert.ok(fs.readFileSync(sent).equals(fs.readFileSync(kept)), 'the person keeps the very container that was sent');
  const rep = JSON.parse(execFileSync(bin, ['verify', '--json', '--offline', '--trust', path.join(pki, 'root.crt'), sent]).toString());
  const sigs = rep.signatures || rep.sigs;
  assert.equal(sigs.length, 1);
  assert.match(JSON.stringify(sigs[0]), /TOTAL-PASSED/);
  assert.match(JSON.stringify(sigs[0]), /"LT"/);
  assert.match(JSON.stringify(rep), /iesniegums\.txt/);
  assert.match(JSON.stringify(rep), /pielikums\.pdf/);
  // the person confirms the address: an accessible page with a button, then the receipt mail
  const link = toMe.text.match(/https:\/\/epak\.example\.lv(\/nosutit\/apstiprinat\/[0-9a-f]{64})/)[1];
  await page.goto(srv.base + link);
  assert.equal(await page.textContent('h1'), 'Kvīts pa e-pastu');
  await noViolations(page, 'lv_kvits_apstiprinat.png');
  await page.click('main form button[type=submit]');
  assert.match(await page.textContent('main'), /Kvīts ir ceļā/);
  await noViolations(page, 'lv_kvits_apstiprinats.png');
  const rec = (await waitMails(mailDir, 3)).find((m) => /Kvīts par nosūtītu dokumentu/.test(m.subject));
  assert.ok(rec, 'the receipt mail after the button');
  assert.deepEqual(rec.rcpt_tos, ['janis@example.lv']);
  assert.match(rec.text, new RegExp(receipt));
  assert.doesNotMatch(rec.text, /iesniegums|pārrēķināt/, 'no user-supplied text in the receipt');
  assert.doesNotMatch(srv.log(), new RegExp(`janis@example\\.lv|iesniegums|PNOLV|${receipt}`), 'no personal data or receipt number in the log');
  await ctx.close();
});

test('without the Web eID extension the person is told what to install, in English too', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await fillStep1(page, '/en', [path.join(work, 'iesniegums.txt')]);
  assert.equal(await page.textContent('h1'), 'Sign and send a document');
  await page.click('#sign-button');
  await page.waitForFunction(() => /not found/.test(document.getElementById('sign-status').textContent), null, { timeout: 10000 });
  assert.match(await page.textContent('#sign-status'), /extension was not found/);
  assert.equal(await page.getAttribute('#sign-button', 'aria-disabled'), null, 'the button works again');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'sign-button', 'focus stays on the button');
  assert.ok(!(await page.isVisible('#send-form')));
  await noViolations(page, 'en_parakstit_no_extension.png');
  await ctx.close();
});

test('cancelling at the PIN keeps the page usable and sends nothing', async () => {
  const { ctx } = await contextWithCard({ cancel: true });
  const page = await ctx.newPage();
  const before_ = fs.readdirSync(mailDir).length;
  await fillStep1(page, '', [path.join(work, 'iesniegums.txt')]);
  await page.click('#sign-button');
  await page.waitForFunction(() => /atcelta/.test(document.getElementById('sign-status').textContent), null, { timeout: 10000 });
  assert.equal(await page.getAttribute('#sign-button', 'aria-disabled'), null);
  assert.ok(!(await page.isVisible('#send-form')));
  assert.equal(fs.readdirSync(mailDir).length, before_);
  await ctx.close();
});

test('without JavaScript the form still checks input, and step 2 explains how else to sign', async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/parakstit');
  await page.click('form[action$="/parakstit"] button[type=submit]');
  assert.match(await page.textContent('.error-summary'), /Lūdzu, izvēlieties dokumentu/);
  assert.match(await page.textContent('.error-summary'), /Iestāde/);
  await fillStep1(page, '', [path.join(work, 'iesniegums.txt')]);
  assert.ok(!(await page.isVisible('#sign-button')), 'no button that cannot work');
  assert.match(await page.textContent('#sign-nojs'), /eParaksts/);
  assert.ok(await page.isVisible('#sign-nojs a[href="/nosutit"]'));
  await ctx.close();
});
