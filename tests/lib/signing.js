// tests/lib/signing.js — what the signing and sending tests share: the test
// PKI with its OCSP/TSA responder (tests/sign/pki.sh), a SoftHSM2 token
// playing the eID card, and a real SMTP server (tests/mail/smtpd.py) whose
// mails are read back as JSON files.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { root, startServer } from './server.js';

export const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';

// Makes the PKI in dir; the responder dies with this process. Returns the
// responder's base URL.
export function setupPki(dir) {
  execFileSync(path.join(root, 'tests/sign/pki.sh'), ['setup', dir, String(process.pid)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return `http://127.0.0.1:${fs.readFileSync(path.join(dir, 'port'), 'utf8').trim()}`;
}

export function stopPki(dir) {
  if (dir && fs.existsSync(dir)) execFileSync(path.join(root, 'tests/sign/pki.sh'), ['stop', dir]);
}

// Signs input on the SoftHSM2 token with pkcs11-tool, as a card's PKCS#11
// module would: ECDSA gives raw r||s (format 'openssl': DER); RSA-PKCS signs
// the input (a DigestInfo) as given.
export function tokenSign(pki, input, tokenLabel, mechanism, format = null) {
  const inFile = path.join(pki, `tbs-${process.pid}.bin`);
  const outFile = path.join(pki, `sig-${process.pid}.bin`);
  fs.writeFileSync(inFile, input);
  execFileSync('pkcs11-tool', ['--module', SOFTHSM, '--token-label', tokenLabel, '--login', '--pin', '1234',
    '--sign', '--id', '01', '--mechanism', mechanism, '--input-file', inFile, '--output-file', outFile,
    ...(format ? ['--signature-format', format] : [])],
  { env: { ...process.env, SOFTHSM2_CONF: path.join(pki, 'softhsm2.conf') }, stdio: ['ignore', 'ignore', 'pipe'] });
  return fs.readFileSync(outFile);
}

// Starts the SMTP server writing each mail as a JSON file into dir. It
// offers STARTTLS with a throw-away certificate for 127.0.0.1 (made in dir's
// parent, returned as ca) unless tls is false: epak requires STARTTLS by
// default, so the tests exercise that mode for real.
export async function startSmtpd(dir, { tls = true } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const args = [path.join(root, 'tests/mail/smtpd.py'), '--dir', dir];
  let ca = null;
  if (tls) {
    ca = path.join(path.dirname(dir), `${path.basename(dir)}-smtp-cert.pem`);
    const key = path.join(path.dirname(dir), `${path.basename(dir)}-smtp-key.pem`);
    execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', key, '-out', ca], { stdio: 'ignore' });
    args.push('--tls-cert', ca, '--tls-key', key);
  }
  const proc = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = readline.createInterface({ input: proc.stdout });
  for await (const line of rl) {
    const m = line.match(/^READY (\d+)/);
    if (m) return { port: Number(m[1]), proc, ca };
  }
  throw new Error('smtpd did not start');
}

// The environment that points epak's mail worker at that server: the
// default TLS mode (STARTTLS required), trusting the server's certificate.
export function smtpEnv(smtpd) {
  const env = { EPAK_SMTP_URL: `smtp://127.0.0.1:${smtpd.port}`, EPAK_MAIL_FROM: 'portals@epak.example.lv' };
  if (smtpd.ca) env.EPAK_SMTP_CA_FILE = smtpd.ca;
  return env;
}

// The public address the test portals are given: links in mails start with
// it (tests replace it with the server's own address to follow them).
export const PUBLIC_URL = 'https://epak.example.lv';

// Waits until at least n mails arrived in dir; returns them, oldest first.
export async function waitMails(dir, n, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    if (files.length >= n) return files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    if (Date.now() > deadline) throw new Error(`only ${files.length} of ${n} mails arrived`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A portal that signs and sends: the test PKI in work/pki (its root trusted,
// its TSA and OCSP responder configured), a real SMTP server writing to
// work/mail, and the catalogs given. stop() ends all three.
export async function startSigningPortal(work, { imports = [path.join(root, 'data/catalog.jsonld')], extra = [] } = {}) {
  const pki = path.join(work, 'pki');
  const responder = setupPki(pki);
  const mailDir = path.join(work, 'mail');
  const smtpd = await startSmtpd(mailDir);
  const srv = await startServer({
    imports,
    extra: ['--trust', path.join(pki, 'root.crt'), '--sign-ca', path.join(pki, 'inter.crt'), '--tsa-url', `${responder}/tsa`, '--ocsp-url', `${responder}/ocsp`,
      '--public-url', PUBLIC_URL, ...extra],
    env: smtpEnv(smtpd),
  });
  return {
    pki, responder, mailDir, srv,
    async stop() {
      await srv.stop();
      smtpd.proc.kill();
      stopPki(pki);
    },
  };
}
