// bench/sign_limits.mjs — the figures of issue 8 points 3 and 6 for a given
// epak binary (release build): memory under 40 concurrent finishes of one
// 5 MB signing session, and the database's size under repeated uploads.
//   EPAK_BIN=build/epak node bench/sign_limits.mjs [--old]
// --old: a binary from before the limits (no --sign-ca).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, getFormSession } from '../tests/lib/server.js';
import { setupPki, stopPki, tokenSign } from '../tests/lib/signing.js';

const old = process.argv.includes('--old');
const MB = 1024 * 1024;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-bench-limits-'));
const pki = path.join(work, 'pki');
const responder = setupPki(pki);
const srv = await startServer({
  imports: [path.join(path.dirname(new URL(import.meta.url).pathname), '../data/catalog.jsonld')],
  extra: ['--trust', path.join(pki, 'root.crt'), ...(old ? [] : ['--sign-ca', path.join(pki, 'inter.crt')]),
    '--tsa-url', `${responder}/tsa`, '--ocsp-url', `${responder}/ocsp`, '--max-conns-per-address', '0'],
});
const cert = fs.readFileSync(path.join(pki, 'signer-ec.crt'), 'utf8');
const rss = () => Number(fs.readFileSync(`/proc/${srv.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;
const dbSize = () => ['epak.db', 'epak.db-wal'].reduce((n, f) => { try { return n + fs.statSync(path.join(srv.data, f)).size; } catch { return n; } }, 0) / MB;
const unesc = (s) => s.replace(/&#x2F;|&#47;/g, '/').replace(/&#x3D;|&#61;/g, '=').replace(/&#x2B;|&#43;/g, '+');

async function upload(s, bytes) {
  const fd = new FormData();
  fd.append('_csrf', s.token);
  fd.append('iestade', 'vid');
  fd.append('dokuments', new Blob([bytes]), 'd.pdf');
  const r = await fetch(srv.base + '/parakstit', { method: 'POST', body: fd, headers: { cookie: s.cookie } });
  const html = await r.text();
  const m = html.match(/data-session="([^"]+)"/);
  return { status: r.status, session: m ? unesc(m[1]) : null };
}
const form = (s, url, fields) => fetch(srv.base + url, {
  method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ _csrf: s.token, ...fields }).toString(),
});
async function signSmall() {
  const s = await getFormSession(srv.base, '/parakstit');
  const t0 = Date.now();
  const { session } = await upload(s, Buffer.from('small\n'));
  const j = await (await form(s, '/api/v1/sign/start', { session, certificate: cert })).json();
  const sig = tokenSign(pki, Buffer.from(j.digest, 'base64'), 'epak-ec', 'ECDSA').toString('base64');
  const r = await form(s, '/api/v1/sign/finish', { session, signature: sig });
  await r.arrayBuffer();
  return { status: r.status, ms: Date.now() - t0 };
}

process.on('uncaughtException', (e) => { console.error(`${e}\n${e.cause || ''}\nserver exit ${srv.child.exitCode} ${srv.child.signalCode}\n${srv.log().slice(-1500)}`); process.exit(1); });
// point 3
const s = await getFormSession(srv.base, '/parakstit');
const { session } = await upload(s, crypto.randomBytes(5 * MB));
const j = await (await form(s, '/api/v1/sign/start', { session, certificate: cert })).json();
const sig = tokenSign(pki, Buffer.from(j.digest, 'base64'), 'epak-ec', 'ECDSA').toString('base64');
const before = rss();
let peak = before;
const timer = setInterval(() => { peak = Math.max(peak, rss()); }, 10);
const t0 = Date.now();
const storm = Promise.all(Array.from({ length: 40 }, () => form(s, '/api/v1/sign/finish', { session, signature: sig }).then(async (r) => { await r.arrayBuffer(); return r.status; }).catch(() => 'connection closed')));
const other = await signSmall().catch((e) => ({ status: String(e.cause || e), ms: Date.now() - t0 }));
const codes = await storm;
const stormMs = Date.now() - t0;
clearInterval(timer);
const counts = {};
for (const c of codes) counts[c] = (counts[c] || 0) + 1;
console.log(`point 3: VmRSS before ${before.toFixed(0)} MB, peak ${peak.toFixed(0)} MB; 40 finishes took ${stormMs} ms, answers ${JSON.stringify(counts)}; another browser's small signing meanwhile: ${other.status} in ${other.ms} ms`);

// point 6
const d0 = dbSize();
const one = await getFormSession(srv.base, '/parakstit');
const oneCodes = {};
for (let i = 0; i < 20; i++) { const { status } = await upload(one, crypto.randomBytes(2 * MB)); oneCodes[status] = (oneCodes[status] || 0) + 1; }
const d1 = dbSize();
const manyCodes = {};
for (let i = 0; i < 150; i++) { const b = await getFormSession(srv.base, '/parakstit'); const { status } = await upload(b, crypto.randomBytes(2 * MB)); manyCodes[status] = (manyCodes[status] || 0) + 1; }
const d2 = dbSize();
console.log(`point 6: database+WAL ${d0.toFixed(1)} MB; after 20 uploads of 2 MB from one browser ${d1.toFixed(1)} MB ${JSON.stringify(oneCodes)}; after 150 more from 150 browsers ${d2.toFixed(1)} MB ${JSON.stringify(manyCodes)}`);
await srv.stop();
stopPki(pki);
fs.rmSync(work, { recursive: true, force: true });
