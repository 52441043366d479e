// tests/lib/oidc.js — identity providers for the OpenID Connect login tests.
//
// startOidcProvider(): a real OpenID Provider (npm `oidc-provider`) on
// 127.0.0.1 with one confidential client for epak and accounts whose
// claims include a personal code; its development login and consent forms
// are filled in by loginThrough(). restart() brings it back on the same
// port with a new signing key (key rotation without restarting epak).
//
// startFakeProvider(): a small provider served here (discovery, JWKS,
// authorization, token) for what oidc-provider cannot be made to do: ID
// tokens with a wrong issuer, audience or nonce, expired, tampered, signed
// with alg none or HS256 or by a key it does not publish. Set `mode`.
//
// Jar: a cookie jar per browser (name → value; paths ignored), enough to
// play one browser against epak and a provider.
import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from './server.js';

export class Jar {
  constructor() { this.c = new Map(); }
  take(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (gone || value === '') this.c.delete(name); else this.c.set(name, value);
    }
  }
  header() { return [...this.c].map(([k, v]) => `${k}=${v}`).join('; '); }
  get(name) { return this.c.get(name); }
}

// fetch without following redirects, carrying and keeping jar's cookies
export async function go(jar, url, { method = 'GET', form = null } = {}) {
  const headers = { cookie: jar.header() };
  let body;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const res = await fetch(url, { method, headers, body, redirect: 'manual' });
  jar.take(res);
  return res;
}

function b64u(buf) { return Buffer.from(buf).toString('base64url'); }

export function newKey(alg, kid) {
  const { privateKey } = alg === 'ES256'
    ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  return { privateKey, jwk, pub };
}

export function signJwt(header, claims, key) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  const sig = header.alg === 'ES256'
    ? crypto.sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
    : crypto.sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${b64u(sig)}`;
}

// ---- the real provider ----

export async function startOidcProvider({ redirectUri, clientId = 'epak', clientSecret, accounts, alg = 'RS256' }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  let server = null;
  let generation = 0;
  const me = { issuer, port, kid: null, provider: null };

  async function listen() {
    generation += 1;
    const key = newKey(alg, `k${generation}-${crypto.randomBytes(4).toString('hex')}`);
    me.kid = key.jwk.kid;
    const provider = new Provider(issuer, {
      clients: [{
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: alg,
      }],
      jwks: { keys: [key.jwk] },
      claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name'], pno: ['pno'] },
      conformIdTokenClaims: false, // the claims in the ID token itself, as epak reads them
      pkce: { required: () => true },
      findAccount: async (ctx, id) => (accounts[id] ? {
        accountId: id,
        async claims() { return { sub: id, ...accounts[id] }; },
      } : undefined),
      cookies: { keys: ['epak-test-cookie-key'] },
      features: { devInteractions: { enabled: true } },
      ttl: { AuthorizationCode: 60, IdToken: 300, Interaction: 300, Session: 600, Grant: 600 },
    });
    provider.on('server_error', (ctx, err) => { me.lastError = err; });
    me.provider = provider;
    server = http.createServer(provider.callback());
    await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  }
  await listen();
  me.stop = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
  me.restart = async () => { await me.stop(); await listen(); };
  return me;
}

// The provider's side of a login, as a person's browser does it: follows
// the provider's redirects, fills its login form with `login` and its
// consent form (or presses "cancel" when abort is set), and stops at the
// first redirect to epak, whose URL it returns (not fetched).
export async function throughProvider(jar, url, { login, abort = false, epakPrefix }) {
  for (let i = 0; i < 20; i++) {
    if (url.startsWith(epakPrefix)) return url;
    const res = await go(jar, url);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location'), url).toString();
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`provider answered ${res.status}: ${html.slice(0, 500)}`);
    const action = html.match(/<form[^>]*action="([^"]+)"/);
    const prompt = html.match(/name="prompt" value="([^"]+)"/);
    if (!action || !prompt) throw new Error(`no form at the provider: ${html.slice(0, 500)}`);
    if (abort) {
      const a = html.match(/href="([^"]*\/abort)"/);
      url = new URL(a[1].replace(/&amp;/g, '&'), url).toString();
      continue;
    }
    const form = prompt[1] === 'login' ? { prompt: 'login', login, password: 'any' } : { prompt: 'consent' };
    const post = await go(jar, new URL(action[1].replace(/&amp;/g, '&'), url).toString(), { method: 'POST', form });
    if (post.status < 300 || post.status >= 400) throw new Error(`provider form answered ${post.status}: ${(await post.text()).slice(0, 500)}`);
    url = new URL(post.headers.get('location'), url).toString();
  }
  throw new Error('too many redirects at the provider');
}

// ---- a provider served here ----

export async function startFakeProvider({ redirectUri, clientId = 'epak', clientSecret, claims = {}, alg = 'ES256', auth = 'client_secret_basic' }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const me = {
    issuer,
    port,
    mode: 'good',
    key: newKey(alg, 'fake-1'),
    published: null,
    codes: new Map(),
    tokenRequests: [],
    jwksFetches: 0,
    claims,
  };
  me.published = [me.key.pub];
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url, issuer);
    const json = (status, o) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(o)); };
    if (u.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [alg],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: [auth],
      });
    }
    if (u.pathname === '/jwks') {
      me.jwksFetches += 1;
      return json(200, { keys: me.published });
    }
    if (u.pathname === '/auth') {
      const q = Object.fromEntries(u.searchParams);
      const code = crypto.randomBytes(16).toString('base64url');
      me.codes.set(code, q);
      me.lastAuth = q;
      const back = new URL(q.redirect_uri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.state);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (u.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const f = Object.fromEntries(new URLSearchParams(body));
      me.tokenRequests.push({ authorization: req.headers.authorization, form: f });
      const basic = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
      const ok = auth === 'client_secret_basic'
        ? req.headers.authorization === basic
        : !req.headers.authorization && f.client_id === clientId && f.client_secret === clientSecret;
      if (!ok) return json(401, { error: 'invalid_client' });
      const q = me.codes.get(f.code);
      me.codes.delete(f.code);
      if (!q || f.redirect_uri !== q.redirect_uri) return json(400, { error: 'invalid_grant' });
      const challenge = crypto.createHash('sha256').update(f.code_verifier || '').digest('base64url');
      if (q.code_challenge_method !== 'S256' || challenge !== q.code_challenge) return json(400, { error: 'invalid_grant' });
      return json(200, { access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: me.idToken(q) });
    }
    res.writeHead(404);
    res.end();
  });
  me.idToken = (q) => {
    const now = Math.floor(Date.now() / 1000);
    const c = { iss: issuer, sub: 'fake-sub', aud: clientId, iat: now, exp: now + 300, nonce: q.nonce, ...me.claims };
    let header = { alg, kid: me.key.jwk.kid };
    let key = me.key;
    switch (me.mode) {
      case 'iss': c.iss = 'http://127.0.0.1:1'; break;
      case 'aud': c.aud = 'someone-else'; break;
      case 'aud-many': c.aud = [clientId, 'someone-else']; break;
      case 'nonce': c.nonce = crypto.randomBytes(32).toString('base64url'); break;
      case 'expired': c.iat = now - 900; c.exp = now - 600; break;
      case 'unknown-key': key = newKey(alg, 'not-published'); header = { alg, kid: 'not-published' }; break;
      case 'same-kid-other-key': key = newKey(alg, me.key.jwk.kid); break;
      default: break;
    }
    if (me.mode === 'none') return `${b64u(JSON.stringify({ alg: 'none' }))}.${b64u(JSON.stringify(c))}.`;
    if (me.mode === 'hs256') {
      const input = `${b64u(JSON.stringify({ alg: 'HS256', kid: me.key.jwk.kid }))}.${b64u(JSON.stringify(c))}`;
      return `${input}.${b64u(crypto.createHmac('sha256', clientSecret).update(input).digest())}`;
    }
    const token = signJwt(header, c, key);
    if (me.mode === 'tamper') {
      // the same signature over claims that say someone else
      const [h, , s] = token.split('.');
      return `${h}.${b64u(JSON.stringify({ ...c, pno: '010101-10006' }))}.${s}`;
    }
    return token;
  };
  me.rotate = () => {
    me.key = newKey(alg, `fake-${crypto.randomBytes(4).toString('hex')}`);
    me.published = [me.key.pub];
  };
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  me.stop = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
  return me;
}
