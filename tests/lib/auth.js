// tests/lib/auth.js — a browser as far as logins care: a cookie jar, forms
// with their CSRF token, staff accounts made with `epak user`, TOTP codes.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { bin, sqlite } from './server.js';

export class Browser {
  constructor(base) {
    this.base = base;
    this.jar = new Map();
  }

  cookie() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  take(res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a)) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  async get(p, headers = {}) {
    const res = await fetch(this.base + p, { redirect: 'manual', headers: { cookie: this.cookie(), ...headers } });
    this.take(res);
    res.html = await res.text();
    return res;
  }

  // The CSRF token of the last form fetched from formPath, then the POST.
  async post(p, fields, { formPath = null, token = undefined, headers = {} } = {}) {
    let csrf = token;
    if (csrf === undefined) {
      const form = await this.get(formPath || p);
      const m = form.html.match(/name="_csrf" value="([^"]+)"/);
      csrf = m ? m[1] : '';
    }
    const body = new URLSearchParams({ _csrf: csrf, ...fields }).toString();
    const res = await fetch(this.base + p, {
      method: 'POST', redirect: 'manual', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookie(), ...headers },
    });
    this.take(res);
    res.html = await res.text();
    return res;
  }

  session() {
    return this.jar.get('epak_session') || this.jar.get('__Host-epak_session');
  }
}

// RFC 6238 code of a base32 key at time t (seconds).
export function totp(b32, t = Date.now() / 1000) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of b32.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = crypto.createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// `epak user add`: the password on standard input; returns what it printed
// (an administrator's TOTP key and recovery codes).
export function addUser(srv, login, password, opts = []) {
  const out = execFileSync(bin, ['user', 'add', login, ...opts, ...srv.common],
    { input: `${password}\n`, stdio: ['pipe', 'pipe', 'inherit'] }).toString();
  const key = (out.match(/^ {2}([A-Z2-7]{32})$/m) || [])[1];
  const codes = [...out.matchAll(/^ {2}([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})$/mg)].map((m) => m[1]);
  return { out, key, codes };
}

export function userCmd(srv, args, input = '') {
  return execFileSync(bin, ['user', ...args, ...srv.common], { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

// Staff login through the form and, when a key is given, the second factor.
export async function staffLogin(b, login, password, key = null, next = null) {
  const fields = { login, password };
  if (next) fields.next = next;
  let res = await b.post('/pieteikties', fields);
  if (key && res.status === 303 && /\/pieteikties\/otp/.test(res.headers.get('location'))) {
    const loc = res.headers.get('location');
    res = await b.post('/pieteikties/otp', { code: totp(key), ...(next ? { next } : {}) }, { formPath: loc });
  }
  return res;
}

// A citizen's session made directly in SQLite (the ways citizens log in
// have tests of their own): the account and a session whose cookie is
// returned.
export function citizenSession(srv, name = 'ANNA BĒRZIŅA', subject = 'test:anna') {
  const token = crypto.randomBytes(32).toString('base64url');
  const id = crypto.createHash('sha256').update(token).digest('hex');
  const db = path.join(srv.data, 'epak.db');
  const now = Math.floor(Date.now() / 1000);
  sqlite(db, `INSERT INTO account (kind, display_name, pno_hash, created_at) VALUES ('citizen', '${name}', '${subject}', ${now})`);
  const acc = sqlite(db, `SELECT id FROM account WHERE pno_hash = '${subject}'`);
  sqlite(db, `INSERT INTO login_session (id, account_id, method, created_at, seen_at, expires_at) VALUES ('${id}', ${acc}, 'webeid', ${now}, ${now}, ${now + 3600})`);
  return token;
}
