// tests/e2e/login-oidc.test.js — citizens' login through OpenID Connect
// against a real OpenID Provider (npm oidc-provider) and a small provider
// served by the test for the ID tokens a real one never makes: a good
// login gets a session; a tampered ID token, a wrong nonce, issuer or
// audience, an expired token, alg none or HS256, a key the provider does
// not publish, a replayed code or state, a state from another browser and
// the provider's own error are each refused with a page in the person's
// language and an audit entry; keys rotated at the provider work without
// restarting epak. On SQLite and on PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, freePort, sqlite, psql } from '../lib/server.js';
import { Jar, go, startOidcProvider, startFakeProvider, throughProvider } from '../lib/oidc.js';

const backends = [{ name: 'SQLite', db: () => null }];
if (process.env.EPAK_TEST_PG_URL) {
  backends.push({
    name: 'PostgreSQL',
    db: () => {
      const url = process.env.EPAK_TEST_PG_URL;
      psql(url, 'DROP DATABASE IF EXISTS epak_e2e_oidc');
      psql(url, 'CREATE DATABASE epak_e2e_oidc');
      return url.replace(/\/[^/?]*(\?|$)/, '/epak_e2e_oidc$1');
    },
  });
} else {
  test('PostgreSQL is available', { skip: !process.env.EPAK_TEST_REQUIRE_PG && 'EPAK_TEST_PG_URL is not set' },
    () => assert.fail('EPAK_TEST_PG_URL is not set'));
}

for (const backend of backends) {
  describe(`OpenID Connect login (${backend.name})`, () => {
    let srv; let base; let real; let fake; let posting; let dbUrl; let dir;

    function sql(q) {
      return dbUrl ? psql(dbUrl, q) : sqlite(path.join(srv.data, 'epak.db'), q);
    }
    // the newest login entry of the audit log: "method|ok|detail"
    function lastLogin() {
      return sql("SELECT method || '|' || ok || '|' || COALESCE(detail, '') FROM audit_log WHERE action = 'login' ORDER BY id DESC LIMIT 1");
    }

    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epak-oidc-'));
      fs.writeFileSync(path.join(dir, 'banka.secret'), 'real-client-secret:with/odd&chars\n', { mode: 0o600 });
      fs.writeFileSync(path.join(dir, 'testa.secret'), 'fake-client-secret\n', { mode: 0o600 });
      real = await startOidcProvider({
        redirectUri: `${base}/pieteikties/oidc/banka`,
        clientSecret: 'real-client-secret:with/odd&chars',
        accounts: {
          janis: { pno: '120389-12345', name: 'Jānis Bērziņš' },
          bez: { name: 'Bez Koda' },
        },
      });
      fake = await startFakeProvider({
        redirectUri: `${base}/pieteikties/oidc/testa`,
        clientSecret: 'fake-client-secret',
        claims: { pno: 'PNOLV-010203-12345', name: 'Anna Ozola' },
      });
      fs.writeFileSync(path.join(dir, 'pasts.secret'), 'posted secret\n', { mode: 0o600 });
      posting = await startFakeProvider({
        redirectUri: `${base}/pieteikties/oidc/pasts`,
        clientSecret: 'posted secret',
        claims: { personas_kods: '311299-10001', given_name: 'Pēteris', family_name: 'Kalns' },
        alg: 'RS256',
        auth: 'client_secret_post',
      });
      const nobody = await freePort(); // a provider that is not there
      dbUrl = backend.db();
      srv = await startServer({
        db: dbUrl,
        extra: [
          '--listen', `127.0.0.1:${port}`, '--public-url', base,
          '--oidc', `name=banka issuer=${real.issuer} client-id=epak client-secret-file=${dir}/banka.secret `
            + 'scope="openid pno profile" pno-claim=pno label-lv="Internetbanka" label-en="Internet bank"',
          '--oidc', `name=testa issuer=${fake.issuer} client-id=epak client-secret-file=${dir}/testa.secret `
            + 'pno-claim=pno label-lv="Testa identitāte" label-en="Test identity"',
          '--oidc', `name=pasts issuer=${posting.issuer} client-id=epak client-secret-file=${dir}/pasts.secret `
            + 'auth=client_secret_post pno-claim=personas_kods name-claim= label-lv=Pasts',
          '--oidc', `name=prom issuer=http://127.0.0.1:${nobody} client-id=epak client-secret-file=${dir}/pasts.secret`,
        ],
      });
    });

    after(async () => {
      if (srv) {
        const rc = await srv.stop();
        assert.equal(rc, 0, `epak stops cleanly (no leak):\n${srv.log().slice(-6000)}`);
      }
      if (real) await real.stop();
      if (fake) await fake.stop();
      if (posting) await posting.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    // A browser opens the login page and presses the provider's button:
    // returns the provider's authorization URL.
    async function press(jar, name, { lang = '', next = null } = {}) {
      const page = await go(jar, `${base}${lang}/pieteikties${next ? `?next=${encodeURIComponent(next)}` : ''}`);
      const html = await page.text();
      assert.equal(page.status, 200);
      const m = html.match(new RegExp(`href="(${lang}/pieteikties/oidc/${name}/sakt[^"]*)"`));
      assert.ok(m, `a button for ${name}`);
      // a next the page refused is tried on the start route all the same
      const href = m[1].replace(/&amp;/g, '&') + (next && !m[1].includes('next=') ? `?next=${encodeURIComponent(next)}` : '');
      const res = await go(jar, base + href);
      assert.equal(res.status, 303, await res.text());
      return res.headers.get('location');
    }

    async function realLogin(jar, opts = {}) {
      const auth = await press(jar, 'banka', opts);
      assert.ok(auth.startsWith(`${real.issuer}/`), auth);
      return throughProvider(new Jar(), auth, { login: opts.login || 'janis', abort: opts.abort, epakPrefix: base });
    }

    // The fake provider answers the authorization request at once.
    async function fakeLogin(jar, opts = {}) {
      const auth = await press(jar, 'testa', opts);
      assert.ok(auth.startsWith(`${fake.issuer}/auth?`), auth);
      const res = await fetch(auth, { redirect: 'manual' });
      assert.equal(res.status, 302);
      return res.headers.get('location');
    }

    async function loggedIn(jar) {
      const res = await go(jar, `${base}/profils`);
      await res.text();
      return res.status === 200;
    }

    async function refused(jar, callback, word, english = null) {
      const res = await go(jar, callback);
      const html = await res.text();
      assert.equal(res.status, 403, html.slice(0, 300));
      assert.match(html, /role="alert"/);
      if (english) assert.match(html, english);
      assert.equal(await loggedIn(jar), false);
      const [method, ok, detail] = lastLogin().split('|');
      assert.equal(ok, '0');
      assert.equal(detail, word);
      return method;
    }

    test('the login page has a button per provider, in both languages', async () => {
      const lv = await (await fetch(`${base}/pieteikties`)).text();
      assert.match(lv, /Internetbanka/);
      assert.match(lv, /Testa identitāte/);
      const en = await (await fetch(`${base}/en/pieteikties`)).text();
      assert.match(en, /Internet bank/);
      assert.match(en, /href="\/en\/pieteikties\/oidc\/banka\/sakt"/);
      const withNext = await (await fetch(`${base}/pieteikties?next=%2Fe-pakalpojumi`)).text();
      assert.match(withNext, /href="\/pieteikties\/oidc\/banka\/sakt\?next=\/e-pakalpojumi"/);
    });

    test('the authorization request: code flow, PKCE S256, state, nonce, our redirect URI', async () => {
      const auth = new URL(await press(new Jar(), 'banka'));
      const q = auth.searchParams;
      assert.equal(q.get('response_type'), 'code');
      assert.equal(q.get('client_id'), 'epak');
      assert.equal(q.get('redirect_uri'), `${base}/pieteikties/oidc/banka`);
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
      assert.match(q.get('state'), /^[A-Za-z0-9_-]{43}$/);
      assert.match(q.get('nonce'), /^[A-Za-z0-9_-]{43}$/);
      assert.equal(q.get('scope'), 'openid pno profile');
    });

    let goodCallback;
    let goodJar;
    test('a good login at the real provider gets a session', async () => {
      const jar = new Jar();
      const callback = await realLogin(jar, { next: '/e-pakalpojumi' });
      assert.ok(callback.startsWith(`${base}/pieteikties/oidc/banka?`), callback);
      assert.match(callback, /[?&]code=/);
      const res = await go(jar, callback);
      assert.equal(res.status, 303, await res.text());
      assert.equal(res.headers.get('location'), '/e-pakalpojumi');
      assert.ok(jar.get('epak_session'), 'a session cookie');
      assert.equal(await loggedIn(jar), true);
      const profile = await (await go(jar, `${base}/profils`)).text();
      assert.match(profile, /Jānis Bērziņš/);
      assert.equal(lastLogin(), 'oidc:banka|1|');
      assert.doesNotMatch(srv.log(), /120389|Bērziņš|real-client-secret/);
      goodCallback = callback;
      goodJar = jar;
    });

    test('a replayed state (the same return again) is refused', async () => {
      await refused(new Jar(), goodCallback, 'state');
      // even by the browser that logged in with it
      const res = await go(goodJar, goodCallback);
      assert.equal(res.status, 403);
      assert.equal(lastLogin(), 'oidc:banka||state'.replace('||', '|0|'));
    });

    test('a replayed code under a fresh state is refused by the provider', async () => {
      const jar = new Jar();
      const auth = new URL(await press(jar, 'banka'));
      const code = new URL(goodCallback).searchParams.get('code');
      const callback = `${base}/pieteikties/oidc/banka?code=${encodeURIComponent(code)}&state=${auth.searchParams.get('state')}&iss=${encodeURIComponent(real.issuer)}`;
      await refused(jar, callback, 'code-refused');
    });

    test('a state started in another browser is refused, and does not spend it', async () => {
      const a = new Jar();
      const callback = await realLogin(a);
      const b = new Jar();
      await go(b, `${base}/pieteikties`); // b has its own CSRF cookie
      await refused(b, callback, 'state');
      const res = await go(a, callback);
      assert.equal(res.status, 303);
      assert.equal(await loggedIn(a), true);
    });

    test('the provider\'s error (the person cancelled) gets a page in their language', async () => {
      const jar = new Jar();
      const callback = await realLogin(jar, { abort: true, lang: '/en' });
      assert.match(callback, /[?&]error=access_denied/);
      await refused(jar, callback, 'provider-error:access_denied', /The login was cancelled at the identity provider/);
    });

    test('an account without the personal-code claim cannot log in', async () => {
      const jar = new Jar();
      const callback = await realLogin(jar, { login: 'bez', lang: '/en' });
      await refused(jar, callback, 'no-personal-code', /did not give your personal code/);
    });

    test('a good login at the test provider (ES256) gets a session', async () => {
      fake.mode = 'good';
      const jar = new Jar();
      const res = await go(jar, await fakeLogin(jar));
      assert.equal(res.status, 303, await res.text());
      assert.equal(res.headers.get('location'), '/profils');
      assert.equal(await loggedIn(jar), true);
      const t = fake.tokenRequests.at(-1);
      assert.match(t.authorization, /^Basic /);
      assert.equal(t.form.client_secret, undefined, 'the secret goes in the header, not the body');
    });

    test('client_secret_post, RS256, a bare personal code and given + family name', async () => {
      const jar = new Jar();
      const auth = await press(jar, 'pasts');
      assert.ok(auth.startsWith(`${posting.issuer}/auth?`), auth);
      const back = await fetch(auth, { redirect: 'manual' });
      const res = await go(jar, back.headers.get('location'));
      assert.equal(res.status, 303, await res.text());
      const t = posting.tokenRequests.at(-1);
      assert.equal(t.authorization, undefined);
      assert.equal(t.form.client_secret, 'posted secret');
      const profile = await (await go(jar, `${base}/profils`)).text();
      assert.match(profile, /Pēteris Kalns/);
      assert.equal(lastLogin(), 'oidc:pasts|1|');
    });

    test('a provider that cannot be reached gets a page, not a hang', async () => {
      const jar = new Jar();
      await go(jar, `${base}/en/pieteikties`);
      const res = await go(jar, `${base}/en/pieteikties/oidc/prom/sakt`);
      const html = await res.text();
      assert.equal(res.status, 403);
      assert.match(html, /cannot be reached just now/);
      assert.equal(lastLogin(), 'oidc:prom|0|unavailable');
    });

    test('a start without the browser\'s CSRF cookie goes to the login page first', async () => {
      const res = await fetch(`${base}/en/pieteikties/oidc/banka/sakt?next=%2Fprofils`, { redirect: 'manual' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/en/pieteikties?next=/profils');
    });

    test('after login: only a local next; an English start returns to the English profile', async () => {
      fake.mode = 'good';
      let jar = new Jar();
      let res = await go(jar, await fakeLogin(jar, { next: '//evil.example/x' }));
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/profils');
      jar = new Jar();
      res = await go(jar, await fakeLogin(jar, { lang: '/en' }));
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/en/profils');
    });

    const bad = [
      ['tamper', 'signature', 'a tampered ID token'],
      ['nonce', 'nonce', 'a wrong nonce'],
      ['iss', 'issuer', 'a wrong issuer'],
      ['aud', 'audience', 'a wrong audience'],
      ['aud-many', 'audience', 'several audiences without azp'],
      ['expired', 'expired', 'an expired token'],
      ['none', 'token', 'alg none'],
      ['hs256', 'token', 'HS256 keyed with the client secret'],
      ['same-kid-other-key', 'signature', 'a published kid over another key'],
    ];
    for (const [mode, word, what] of bad) {
      test(`${what} is refused`, async () => {
        fake.mode = mode;
        const jar = new Jar();
        const method = await refused(jar, await fakeLogin(jar, { lang: '/en' }), word, /Log in/);
        assert.equal(method, 'oidc:testa');
        fake.mode = 'good';
      });
    }

    test('keys rotated at the test provider work without a restart; a stranger\'s kid waits a minute', async () => {
      fake.mode = 'good';
      fake.rotate();
      const fetches = fake.jwksFetches;
      let jar = new Jar();
      const res = await go(jar, await fakeLogin(jar));
      assert.equal(res.status, 303, await res.text());
      assert.equal(await loggedIn(jar), true);
      assert.equal(fake.jwksFetches, fetches + 1, 'the set fetched again once');
      // an unknown kid right after: no second fetch within the minute
      fake.mode = 'unknown-key';
      jar = new Jar();
      await refused(jar, await fakeLogin(jar), 'key');
      assert.equal(fake.jwksFetches, fetches + 1, 'not fetched again within the minute');
      fake.mode = 'good';
    });

    test('keys rotated at the real provider work without restarting epak', async () => {
      const before = real.kid;
      await real.restart();
      assert.notEqual(real.kid, before);
      const jar = new Jar();
      const callback = await realLogin(jar);
      const res = await go(jar, callback);
      assert.equal(res.status, 303, await res.text());
      assert.equal(await loggedIn(jar), true);
    });

    test('an unknown provider is 404, and the return needs a state', async () => {
      let res = await fetch(`${base}/pieteikties/oidc/nav`);
      assert.equal(res.status, 404);
      res = await fetch(`${base}/pieteikties/oidc/nav/sakt`);
      assert.equal(res.status, 404);
      await refused(new Jar(), `${base}/pieteikties/oidc/banka?code=x`, 'state');
    });

    test('a staff account is never entered through an identity provider, even with its personal code', async () => {
      const { addUser, userCmd } = await import('../lib/auth.js');
      addUser(srv, 'annao', 'correct horse battery staple', ['name=Anna Ozola', 'role=admin']);
      userCmd(srv, ['bind-eid', 'annao', 'PNOLV-010203-12345']);
      fake.mode = 'good';
      const jar = new Jar();
      const method = await refused(jar, await fakeLogin(jar), 'staff-method', null);
      assert.equal(method, 'oidc:testa');
    });

    test('the log names reasons, never a personal code, name, code or secret', () => {
      const log = srv.log();
      assert.match(log, /oidc testa: login refused \(signature\)/);
      assert.doesNotMatch(log, /120389|010203|Bērziņš|Ozola|client-secret|code=/);
      assert.doesNotMatch(log, /Sanitizer/);
    });
  });
}
