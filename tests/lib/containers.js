// tests/lib/containers.js — signed containers for the verification report's
// tests, made at test time with `epak sign` and the test PKI
// (tests/lib/signing.js setupPki): valid, tampered (one data file changed
// after signing), a basic signature the portal cannot confirm, and one
// whose signer cannot be identified (its certificate removed).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, startServer } from './server.js';
import { setupPki, stopPki } from './signing.js';

export function signContainer(pki, out, files, { cert = 'signer-ec', profile = 'LT' } = {}) {
  const port = fs.readFileSync(path.join(pki, 'port'), 'utf8').trim();
  execFileSync(bin, ['sign', '-o', out, '--p12', path.join(pki, `${cert}.p12`), '--pin-env', 'EPAK_TEST_PIN',
    '--profile', profile, '--tsa', `http://127.0.0.1:${port}/tsa`, '--ocsp', `http://127.0.0.1:${port}/ocsp`, ...files],
  { env: { ...process.env, EPAK_TEST_PIN: 'test-pass' }, stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

// Copies the container src to dst, every entry byte for byte except those
// edit(name, text) returns a new text for (the signature stays as it was).
export function rewriteContainer(src, dst, edits) {
  execFileSync('python3', ['-c', `
import json, re, sys, zipfile
src, dst, edits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, 'w') as zo:
    for info in zi.infolist():
        data = zi.read(info.filename)
        for e in edits:
            if info.filename == e['name']:
                data = re.sub(e['from'].encode(), e['to'].encode(), data, flags=re.S)
        zo.writestr(info, data)
`, src, dst, JSON.stringify(edits)]);
  return dst;
}

// The four containers in work (the PKI in pki): { valid, tampered, basic, unnamed }.
export function makeContainers(pki, work) {
  const doc = path.join(work, 'iesniegums.txt');
  const att = path.join(work, 'pielikums.pdf');
  fs.writeFileSync(doc, 'Lūdzu deklarēt manu dzīvesvietu.\n');
  fs.writeFileSync(att, '%PDF-1.4\n% demo\n');
  const valid = signContainer(pki, path.join(work, 'derigs.edoc'), [doc, att]);
  const tampered = rewriteContainer(valid, path.join(work, 'mainits.edoc'),
    [{ name: 'iesniegums.txt', from: 'dzīvesvietu', to: 'darbavietu' }]);
  const basic = signContainer(pki, path.join(work, 'pamata.edoc'), [doc], { profile: 'B' });
  const unnamed = rewriteContainer(basic, path.join(work, 'bez-sertifikata.edoc'),
    [{ name: 'META-INF/signatures0.xml', from: '<ds:KeyInfo>.*?</ds:KeyInfo>', to: '' }]);
  return { valid, tampered, basic, unnamed };
}

// The test PKI in work/pki, the four containers, and a portal trusting the
// root and the qualified CA (a basic signature, which carries no chain,
// then chains offline, as a Latvian one would). stop() ends both.
export async function startVerifyPortal(work) {
  const pki = path.join(work, 'pki');
  setupPki(pki);
  const containers = makeContainers(pki, work);
  const trust = path.join(work, 'trust.pem');
  fs.writeFileSync(trust, Buffer.concat([fs.readFileSync(path.join(pki, 'root.crt')), fs.readFileSync(path.join(pki, 'inter.crt'))]));
  const srv = await startServer({ extra: ['--trust', trust] });
  return {
    pki, trust, containers, srv,
    async stop() {
      await srv.stop();
      stopPki(pki);
    },
  };
}
