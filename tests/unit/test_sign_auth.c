/* test_sign_auth.c — the eID authentication certificate check
 * (sign/auth_cert.h) and Web eID authentication tokens (sign/webeid.h)
 * against the test PKI of tests/sign/pki.sh: its OCSP responder on
 * 127.0.0.1 answers from the intermediate's database, so revoked and
 * unknown are real answers. Tokens are signed here with the PKI's keys. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/base64.h"
#include "core/url.h"
#include "../sign/vhelp.h"
#include "sign/auth_cert.h"
#include "sign/internal.h"
#include "sign/webeid.h"

static char dir[256];
static char ocsp[128];
static struct auth_cert_ctx *ctx; /* root + inter, the configured responder */

#define ORIGIN "https://epak.example.lv"
#define NONCE "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="

static const char *pki(const char *name)
{
	return pki_path(dir, name);
}

static struct auth_cert_ctx *new_ctx(const char *trust, const char *ca, const char *url)
{
	struct auth_cert_opts o = {0};
	struct err e = {0};
	struct auth_cert_ctx *c;

	o.trust_file = pki(trust);
	o.ca_file = ca ? pki(ca) : NULL;
	o.ocsp_url = url;
	o.ocsp_timeout = 3;
	c = auth_cert_new(&o, &e);
	if (!c)
		fail_msg("%s", e.msg);
	return c;
}

static int group_setup(void **state)
{
	int port;

	(void)state;
	port = pki_setup(dir, sizeof(dir), "epak-auth");
	if (port < 0)
		return -1;
	snprintf(ocsp, sizeof(ocsp), "http://127.0.0.1:%d/ocsp", port);
	ctx = new_ctx("root.crt", "inter.crt", ocsp);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	auth_cert_free(ctx);
	pki_teardown(dir);
	return 0;
}

static X509 *load_cert(const char *name)
{
	FILE *f = fopen(pki(name), "r");
	X509 *x;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static EVP_PKEY *load_key(const char *name)
{
	FILE *f = fopen(pki(name), "r");
	EVP_PKEY *k;

	assert_non_null(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	return k;
}

static enum auth_cert_result check_file(struct auth_cert_ctx *c, const char *name, time_t now, struct auth_identity *id)
{
	X509 *x = load_cert(name);
	char why[300];
	enum auth_cert_result r = auth_cert_check(c, x, NULL, now, id, why, sizeof(why));

	X509_free(x);
	return r;
}

/* ---- the certificate ---- */

static void good_certificates(void **state)
{
	struct auth_identity id;

	(void)state;
	assert_int_equal(check_file(ctx, "auth-ec.crt", 0, &id), AUTH_CERT_OK);
	assert_string_equal(id.pno, "PNOLV-010190-12345");
	assert_string_equal(id.country, "LV");
	assert_string_equal(id.name, "ANNA BĒRZIŅA");
	assert_true(id.not_after > time(NULL));
	assert_true(strlen(id.serial) > 0);

	assert_int_equal(check_file(ctx, "auth-rsa.crt", 0, &id), AUTH_CERT_OK);
	assert_string_equal(id.pno, "PNOLV-020280-54321");
	assert_string_equal(id.name, "JĀNIS OZOLS");

	/* another EU country; no extended key usage, digitalSignature: the
	 * name from the given name and surname, not the CN holding the code */
	assert_int_equal(check_file(ctx, "auth-ee.crt", 0, &id), AUTH_CERT_OK);
	assert_string_equal(id.pno, "PNOEE-38001085718");
	assert_string_equal(id.country, "EE");
	assert_string_equal(id.name, "JAAK-KRISTJAN JÕEORG");

	/* clientAuth without a key usage extension */
	assert_int_equal(check_file(ctx, "auth-ekuonly.crt", 0, &id), AUTH_CERT_OK);
	assert_string_equal(id.pno, "PNOLV-070770-55555");
}

static void refused_certificates(void **state)
{
	struct auth_identity id;
	X509 *x;

	(void)state;
	/* the qualified signing certificate (nonRepudiation) is not for logging in */
	assert_int_equal(check_file(ctx, "signer-ec.crt", 0, &id), AUTH_CERT_NOT_FOR_AUTH);
	assert_string_equal(id.pno, "");
	assert_int_equal(check_file(ctx, "revoked.crt", 0, &id), AUTH_CERT_NOT_FOR_AUTH);
	/* CA and responder certificates */
	assert_int_equal(check_file(ctx, "inter.crt", 0, &id), AUTH_CERT_NOT_FOR_AUTH);
	assert_int_equal(check_file(ctx, "ocsp.crt", 0, &id), AUTH_CERT_NOT_FOR_AUTH);
	/* an extended key usage for e-mail only */
	assert_int_equal(check_file(ctx, "auth-email.crt", 0, &id), AUTH_CERT_NOT_FOR_AUTH);
	/* revoked and unknown, by the responder */
	assert_int_equal(check_file(ctx, "auth-revoked.crt", 0, &id), AUTH_CERT_REVOKED);
	assert_string_equal(id.name, "");
	assert_int_equal(check_file(ctx, "auth-unknown.crt", 0, &id), AUTH_CERT_OCSP_UNKNOWN);
	/* the validity period */
	assert_int_equal(check_file(ctx, "auth-expired.crt", 0, &id), AUTH_CERT_EXPIRED);
	x = load_cert("auth-ec.crt");
	{
		time_t nb = 0;
		char why[200];

		cr_asn1_time(X509_get0_notBefore(x), &nb);
		assert_int_equal(auth_cert_check(ctx, x, NULL, nb - 86400, &id, why, sizeof(why)),
				 AUTH_CERT_NOT_YET_VALID);
	}
	X509_free(x);
	/* a CA nobody configured */
	assert_int_equal(check_file(ctx, "auth-foreign.crt", 0, &id), AUTH_CERT_UNTRUSTED);
	assert_int_equal(check_file(ctx, "other-root.crt", 0, &id), AUTH_CERT_UNTRUSTED);
}

/* Anchors: the intermediate alone (partial chain), the root without the
 * intermediate (no path), the intermediate sent by the client. */
static void anchors(void **state)
{
	struct auth_cert_ctx *c;
	struct auth_identity id;
	STACK_OF(X509) *extra = sk_X509_new_null();
	X509 *leaf = load_cert("auth-ec.crt"), *inter = load_cert("inter.crt");
	char why[300];

	(void)state;
	c = new_ctx("inter.crt", NULL, ocsp);
	assert_int_equal(check_file(c, "auth-ec.crt", 0, &id), AUTH_CERT_OK);
	auth_cert_free(c);

	c = new_ctx("root.crt", NULL, ocsp);
	assert_int_equal(auth_cert_check(c, leaf, NULL, 0, &id, why, sizeof(why)), AUTH_CERT_UNTRUSTED);
	sk_X509_push(extra, inter);
	assert_int_equal(auth_cert_check(c, leaf, extra, 0, &id, why, sizeof(why)), AUTH_CERT_OK);
	auth_cert_free(c);

	/* the foreign root as the only anchor: ours are foreign there */
	c = new_ctx("other-root.crt", NULL, ocsp);
	assert_int_equal(auth_cert_check(c, leaf, extra, 0, &id, why, sizeof(why)), AUTH_CERT_UNTRUSTED);
	auth_cert_free(c);
	sk_X509_pop_free(extra, X509_free);
	X509_free(leaf);
}

/* Without a configured responder the certificate's AIA is asked, but only
 * at a public address: the test PKI's 127.0.0.1 is refused before a
 * socket exists (a stranger's certificate must not make us call inside). */
static void aia_internal_refused(void **state)
{
	struct auth_cert_ctx *c = new_ctx("root.crt", "inter.crt", NULL);
	struct auth_identity id;
	X509 *x = load_cert("auth-ec.crt");
	char why[300];

	(void)state;
	assert_int_equal(auth_cert_check(c, x, NULL, 0, &id, why, sizeof(why)), AUTH_CERT_OCSP_UNAVAILABLE);
	assert_non_null(strstr(why, "internal address"));
	X509_free(x);
	auth_cert_free(c);
}

/* A responder that does not answer: refused within the timeout. */
static void ocsp_down(void **state)
{
	struct auth_cert_ctx *c = new_ctx("root.crt", "inter.crt", "http://127.0.0.1:9/ocsp");
	struct auth_identity id;
	time_t t0 = time(NULL);

	(void)state;
	assert_int_equal(check_file(c, "auth-ec.crt", 0, &id), AUTH_CERT_OCSP_UNAVAILABLE);
	assert_true(time(NULL) - t0 <= 4);
	auth_cert_free(c);
}

static void bytes_forms(void **state)
{
	struct auth_identity id;
	unsigned char *der = NULL;
	X509 *x = load_cert("auth-ec.crt");
	int n = i2d_X509(x, &der);
	char *b64 = b64_encode_new(der, (size_t)n), why[200];
	FILE *f = fopen(pki("auth-ec.crt"), "r");
	char pem[8192];
	size_t pn = fread(pem, 1, sizeof(pem) - 1, f);

	(void)state;
	fclose(f);
	pem[pn] = '\0';
	assert_int_equal(auth_cert_check_bytes(ctx, der, (size_t)n, 0, &id, why, sizeof(why)), AUTH_CERT_OK);
	assert_int_equal(auth_cert_check_bytes(ctx, b64, strlen(b64), 0, &id, why, sizeof(why)), AUTH_CERT_OK);
	assert_int_equal(auth_cert_check_bytes(ctx, pem, pn, 0, &id, why, sizeof(why)), AUTH_CERT_OK);
	assert_string_equal(id.pno, "PNOLV-010190-12345");
	/* trailing bytes, truncation, garbage, NUL inside */
	assert_int_equal(auth_cert_check_bytes(ctx, der, (size_t)n - 1, 0, &id, why, sizeof(why)),
			 AUTH_CERT_BAD_FORMAT);
	assert_int_equal(auth_cert_check_bytes(ctx, "hello", 5, 0, &id, why, sizeof(why)), AUTH_CERT_BAD_FORMAT);
	assert_int_equal(auth_cert_check_bytes(ctx, "", 0, 0, &id, why, sizeof(why)), AUTH_CERT_BAD_FORMAT);
	assert_int_equal(auth_cert_check_bytes(ctx, "MII\0AAAA", 8, 0, &id, why, sizeof(why)), AUTH_CERT_BAD_FORMAT);
	assert_int_equal(auth_cert_check(ctx, NULL, NULL, 0, &id, why, sizeof(why)), AUTH_CERT_BAD_FORMAT);
	free(b64);
	OPENSSL_free(der);
	X509_free(x);
}

static void personal_codes(void **state)
{
	char c[3];

	(void)state;
	assert_int_equal(auth_pno_parse("PNOLV-010190-12345", c), 0);
	assert_string_equal(c, "LV");
	assert_int_equal(auth_pno_parse("PNOLV-321234-12345", c), 0);
	assert_int_equal(auth_pno_parse("PNOEE-38001085718", c), 0);
	assert_string_equal(c, "EE");
	assert_int_equal(auth_pno_parse("PNOLT-30303039914", c), 0);
	assert_string_equal(c, "LT");
	assert_int_equal(auth_pno_parse("PNOLV-01019012345", c), -1);
	assert_int_equal(auth_pno_parse("PNOLV-010190-1234", c), -1);
	assert_int_equal(auth_pno_parse("PNOLV-010190-123456", c), -1);
	assert_int_equal(auth_pno_parse("PNOLV-0101x0-12345", c), -1);
	assert_int_equal(auth_pno_parse("PNOlv-010190-12345", c), -1);
	assert_int_equal(auth_pno_parse("IDCLV-010190-12345", c), -1);
	assert_int_equal(auth_pno_parse("LV-010190-12345", c), -1);
	assert_int_equal(auth_pno_parse("010190-12345", c), -1);
	assert_int_equal(auth_pno_parse("PNOEE-", c), -1);
	assert_int_equal(auth_pno_parse("PNOEE-3800 108", c), -1);
	assert_int_equal(auth_pno_parse("PNOEE-38001085718\n", c), -1);
	assert_int_equal(auth_pno_parse(NULL, c), -1);
	assert_string_equal(auth_cert_reason(AUTH_CERT_REVOKED), "revoked");
	assert_string_equal(auth_cert_reason(AUTH_CERT_NOT_FOR_AUTH), "not_for_auth");
	assert_true(strlen(auth_cert_message(AUTH_CERT_EXPIRED)) > 10);
}

/* The origin the extension signs is public-url's (core/url.c). */
static void url_origins(void **state)
{
	static const char *const good[][2] = {
	    {"https://epak.example.lv", "https://epak.example.lv"},
	    {"https://epak.example.lv/", "https://epak.example.lv"},
	    {"HTTPS://EPAK.Example.LV/portals/", "https://epak.example.lv"},
	    {"https://epak.example.lv:443", "https://epak.example.lv"},
	    {"https://epak.example.lv:8443/x", "https://epak.example.lv:8443"},
	    {"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
	    {"http://localhost:80/", "http://localhost"},
	    {"http://[::1]:8080/", "http://[::1]:8080"},
	};
	static const char *const bad[] = {"",
					  "epak.example.lv",
					  "ftp://epak.example.lv",
					  "https://",
					  "https://user@epak.example.lv",
					  "https://epak.example.lv?x",
					  "https://epak.example.lv#x",
					  "https://epak.example.lv:0",
					  "https://epak.example.lv:65536",
					  "https://epak.example.lv:",
					  "https://[]/",
					  "https://epak.example.lv\\@evil",
					  "https://ep ak.lv"};
	char out[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(url_origin(good[i][0], out, sizeof(out)), 0);
		assert_string_equal(out, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(url_origin(bad[i], out, sizeof(out)), -1);
	assert_int_equal(url_origin(NULL, out, sizeof(out)), -1);
	assert_int_equal(url_origin("https://epak.example.lv", out, 20), -1);
}

/* ---- Web eID tokens ---- */

/* alg: "ES384", "RS256", "PS256"...; der_ecdsa: leave ECDSA as DER. */
static char *sign_b64(EVP_PKEY *key, const char *alg, const char *origin, const char *nonce, int der_ecdsa)
{
	const EVP_MD *md = !strcmp(alg + 2, "256")   ? EVP_sha256()
			   : !strcmp(alg + 2, "384") ? EVP_sha384()
						     : EVP_sha512();
	unsigned char data[2 * EVP_MAX_MD_SIZE], sig[1024], *raw = NULL;
	unsigned a = 0, b = 0;
	size_t siglen = sizeof(sig), rawlen = 0;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	char *out;

	assert_int_equal(cr_digest(md, origin, strlen(origin), data, &a), 0);
	assert_int_equal(cr_digest(md, nonce, strlen(nonce), data + a, &b), 0);
	assert_int_equal(EVP_DigestSignInit(mctx, &pctx, md, NULL, key), 1);
	if (alg[0] == 'P') {
		EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
	}
	assert_int_equal(EVP_DigestSign(mctx, sig, &siglen, data, a + b), 1);
	EVP_MD_CTX_free(mctx);
	if (alg[0] == 'E' && !der_ecdsa) {
		raw = cr_ecdsa_der_to_raw(key, sig, siglen, &rawlen);
		out = b64_encode_new(raw, rawlen);
		free(raw);
		return out;
	}
	return b64_encode_new(sig, siglen);
}

static char *cert_b64(const char *name)
{
	X509 *x = load_cert(name);
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	char *s = b64_encode_new(der, (size_t)n);

	OPENSSL_free(der);
	X509_free(x);
	return s;
}

static char *token(const char *certname, const char *keyname, const char *alg, const char *sigalg, const char *origin,
		   const char *nonce, const char *format, const char *extra)
{
	EVP_PKEY *key = load_key(keyname);
	char *c = cert_b64(certname), *s = sign_b64(key, sigalg, origin, nonce, 0), *out;
	size_t n = strlen(c) + strlen(s) + 512 + (extra ? strlen(extra) : 0);

	out = malloc(n);
	snprintf(out, n,
		 "{\"unverifiedCertificate\":\"%s\",\"algorithm\":\"%s\",\"signature\":\"%s\",\"format\":\"%s\","
		 "\"appVersion\":\"https://web-eid.eu/web-eid-app/releases/2.5.0\"%s}",
		 c, alg, s, format, extra ? extra : "");
	free(c);
	free(s);
	EVP_PKEY_free(key);
	return out;
}

static enum webeid_result validate(const char *json, enum auth_cert_result *cr, struct auth_identity *id)
{
	char why[300];

	return webeid_validate(ctx, json, strlen(json), ORIGIN, NONCE, 0, id, cr, why, sizeof(why));
}

static void webeid_good(void **state)
{
	struct auth_identity id;
	enum auth_cert_result cr;
	char *t;

	(void)state;
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_OK);
	assert_string_equal(id.pno, "PNOLV-010190-12345");
	assert_string_equal(id.name, "ANNA BĒRZIŅA");
	free(t);
	/* ES256 with the P-384 key: the hash is the algorithm's */
	t = token("auth-ec.crt", "auth-ec.key", "ES256", "ES256", ORIGIN, NONCE, "web-eid:1", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_OK);
	free(t);
	t = token("auth-rsa.crt", "auth-rsa.key", "RS256", "RS256", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_OK);
	assert_string_equal(id.pno, "PNOLV-020280-54321");
	free(t);
	t = token("auth-rsa.crt", "auth-rsa.key", "PS384", "PS384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_OK);
	free(t);
	t = token("auth-rsa.crt", "auth-rsa.key", "RS512", "RS512", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_OK);
	free(t);
}

static void webeid_v11(void **state)
{
	struct auth_identity id;
	enum auth_cert_result cr;
	char *sc = cert_b64("signer-ec.crt"), *other = cert_b64("signer-rsa.crt"), *inter = cert_b64("inter.crt"),
	     extra[8192], *t;
	const char *algs =
	    "\"supportedSignatureAlgorithms\":[{\"cryptoAlgorithm\":\"ECC\",\"hashFunction\":\"SHA-384\","
	    "\"paddingScheme\":\"NONE\"}]";

	(void)state;
	snprintf(extra, sizeof(extra), ",\"unverifiedSigningCertificates\":[{\"certificate\":\"%s\",%s}]", sc, algs);
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.1", extra);
	assert_int_equal(validate(t, &cr, &id), WEBEID_OK);
	assert_string_equal(id.pno, "PNOLV-010190-12345");
	free(t);
	/* a later minor version is read as 1.1 */
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.7", extra);
	assert_int_equal(validate(t, &cr, &id), WEBEID_OK);
	free(t);
	/* 1.0 with 1.1 fields */
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.0", extra);
	assert_int_equal(validate(t, &cr, &id), WEBEID_MALFORMED);
	free(t);
	/* 1.1 without them */
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.1", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_MALFORMED);
	free(t);
	/* another person's signing certificate */
	snprintf(extra, sizeof(extra), ",\"unverifiedSigningCertificates\":[{\"certificate\":\"%s\",%s}]", other, algs);
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.1", extra);
	assert_int_equal(validate(t, &cr, &id), WEBEID_MALFORMED);
	free(t);
	/* an unknown algorithm */
	snprintf(extra, sizeof(extra),
		 ",\"unverifiedSigningCertificates\":[{\"certificate\":\"%s\",\"supportedSignatureAlgorithms\":"
		 "[{\"cryptoAlgorithm\":\"DSA\",\"hashFunction\":\"SHA-1\",\"paddingScheme\":\"NONE\"}]}]",
		 sc);
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.1", extra);
	assert_int_equal(validate(t, &cr, &id), WEBEID_MALFORMED);
	free(t);
	/* intermediates from the token help build the path only */
	{
		struct auth_cert_ctx *saved = ctx;

		ctx = new_ctx("root.crt", NULL, ocsp);
		snprintf(extra, sizeof(extra),
			 ",\"unverifiedSigningCertificates\":[{\"certificate\":\"%s\",%s}],"
			 "\"unverifiedIntermediateCertificates\":[\"%s\"]",
			 sc, algs, inter);
		t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.1", extra);
		assert_int_equal(validate(t, &cr, &id), WEBEID_OK);
		free(t);
		auth_cert_free(ctx);
		ctx = saved;
	}
	free(sc);
	free(other);
	free(inter);
}

static void webeid_refused(void **state)
{
	struct auth_identity id;
	enum auth_cert_result cr;
	char *t, *p;
	EVP_PKEY *key;

	(void)state;
	/* another origin (a phishing site relaying the challenge) */
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", "https://epak.example.lv.evil.example", NONCE,
		  "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_SIGNATURE);
	assert_string_equal(id.pno, "");
	free(t);
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", "http://epak.example.lv", NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_SIGNATURE);
	free(t);
	/* another nonce; the nonce decoded instead of as text */
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, "AAAA", "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_SIGNATURE);
	free(t);
	/* a tampered signature */
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	p = strstr(t, "\"signature\":\"") + 20;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(validate(t, &cr, &id), WEBEID_SIGNATURE);
	free(t);
	/* another key than the certificate's */
	t = token("auth-ec.crt", "signer-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_SIGNATURE);
	free(t);
	/* the algorithm named is not the one used, or not the key's type */
	t = token("auth-ec.crt", "auth-ec.key", "ES256", "ES384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_SIGNATURE);
	free(t);
	t = token("auth-rsa.crt", "auth-rsa.key", "PS256", "RS256", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_SIGNATURE);
	free(t);
	t = token("auth-ec.crt", "auth-ec.key", "RS384", "ES384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_ALGORITHM);
	free(t);
	t = token("auth-ec.crt", "auth-ec.key", "none", "ES384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_ALGORITHM);
	free(t);
	t = token("auth-ec.crt", "auth-ec.key", "HS256", "ES256", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_ALGORITHM);
	free(t);
	/* ECDSA as DER, not raw r||s */
	{
		char *c = cert_b64("auth-ec.crt"), *s, buf[8192];

		key = load_key("auth-ec.key");
		s = sign_b64(key, "ES384", ORIGIN, NONCE, 1);
		snprintf(buf, sizeof(buf),
			 "{\"unverifiedCertificate\":\"%s\",\"algorithm\":\"ES384\",\"signature\":\"%s\","
			 "\"format\":\"web-eid:1.0\",\"appVersion\":\"x\"}",
			 c, s);
		assert_int_equal(validate(buf, &cr, &id), WEBEID_SIGNATURE);
		free(c);
		free(s);
		EVP_PKEY_free(key);
	}
	/* formats */
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:2.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_VERSION);
	free(t);
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:01.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_VERSION);
	free(t);
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.00", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_VERSION);
	free(t);
	t = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.0 ", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_VERSION);
	free(t);
	/* the signing certificate, signed with its own key: the signature
	 * holds, the purpose does not */
	t = token("signer-ec.crt", "signer-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_CERTIFICATE);
	assert_int_equal(cr, AUTH_CERT_NOT_FOR_AUTH);
	free(t);
	t = token("auth-revoked.crt", "auth-revoked.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_CERTIFICATE);
	assert_int_equal(cr, AUTH_CERT_REVOKED);
	free(t);
	t = token("auth-expired.crt", "auth-expired.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_CERTIFICATE);
	assert_int_equal(cr, AUTH_CERT_EXPIRED);
	free(t);
	t = token("auth-foreign.crt", "auth-foreign.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.0", NULL);
	assert_int_equal(validate(t, &cr, &id), WEBEID_CERTIFICATE);
	assert_int_equal(cr, AUTH_CERT_UNTRUSTED);
	free(t);
}

static void webeid_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "null",
	    "[]",
	    "{}",
	    "{\"unverifiedCertificate\":1,\"algorithm\":\"ES384\",\"signature\":\"AA==\",\"format\":\"web-eid:1.0\"}",
	    "{\"unverifiedCertificate\":\"AA==\",\"algorithm\":\"ES384\",\"signature\":\"AA==\",\"format\":\"web-eid:1."
	    "0\"}",
	    "{\"unverifiedCertificate\":\"%%%\",\"algorithm\":\"ES384\",\"signature\":\"AA==\",\"format\":\"web-eid:1."
	    "0\"}",
	    "{\"algorithm\":\"ES384\",\"signature\":\"AA==\",\"format\":\"web-eid:1.0\"}",
	    "{\"unverifiedCertificate\":\"AA==\",\"algorithm\":\"ES384\",\"signature\":\"AA==\",\"format\":\"web-eid:1."
	    "0\",\"appVersion\":5}",
	    "{\"a\":1,\"a\":2}",
	    "{\"unverifiedCertificate\":\"AA==\"",
	};
	struct webeid_token t;
	enum webeid_result res;
	char why[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(webeid_parse(bad[i], strlen(bad[i]), &t, &res, why, sizeof(why)), -1);
		assert_int_not_equal(res, WEBEID_OK);
		webeid_token_free(&t);
	}
	/* duplicate keys: the second field must not win unseen */
	{
		char *good = token("auth-ec.crt", "auth-ec.key", "ES384", "ES384", ORIGIN, NONCE, "web-eid:1.0",
				   ",\"algorithm\":\"ES384\"");

		assert_int_equal(webeid_parse(good, strlen(good), &t, &res, why, sizeof(why)), -1);
		assert_int_equal(res, WEBEID_MALFORMED);
		webeid_token_free(&t);
		free(good);
	}
	/* too large */
	{
		char *big = malloc(WEBEID_MAX_TOKEN + 2);

		memset(big, ' ', WEBEID_MAX_TOKEN + 1);
		big[0] = '{';
		big[WEBEID_MAX_TOKEN] = '}';
		big[WEBEID_MAX_TOKEN + 1] = '\0';
		assert_int_equal(webeid_parse(big, strlen(big), &t, &res, why, sizeof(why)), -1);
		webeid_token_free(&t);
		free(big);
	}
}

/* Last: stops the responder. A good answer is reused for a while; a
 * revoked one never is; the cache keeps at most cache_max answers, the
 * oldest going first. */
static void ocsp_cache(void **state)
{
	struct auth_cert_opts o = {0};
	struct auth_cert_ctx *two;
	struct auth_identity id;
	struct err e = {0};
	char cmd[600];

	(void)state;
	o.trust_file = pki("root.crt");
	o.ca_file = pki("inter.crt");
	o.ocsp_url = ocsp;
	o.cache_max = 2;
	two = auth_cert_new(&o, &e);
	assert_non_null(two);
	assert_int_equal(check_file(two, "auth-ec.crt", 0, &id), AUTH_CERT_OK);
	assert_int_equal(check_file(two, "auth-rsa.crt", 0, &id), AUTH_CERT_OK);
	assert_int_equal(check_file(two, "auth-ee.crt", 0, &id), AUTH_CERT_OK);

	auth_cert_cache_clear(ctx);
	assert_int_equal(check_file(ctx, "auth-ec.crt", 0, &id), AUTH_CERT_OK);
	assert_int_equal(check_file(ctx, "auth-revoked.crt", 0, &id), AUTH_CERT_REVOKED);
	snprintf(cmd, sizeof(cmd), "tests/sign/pki.sh stop %s", dir);
	assert_int_equal(pki_run(cmd), 0);
	assert_int_equal(check_file(ctx, "auth-ec.crt", 0, &id), AUTH_CERT_OK);
	assert_string_equal(id.pno, "PNOLV-010190-12345");
	assert_int_equal(check_file(ctx, "auth-ec.crt", time(NULL) + 301, &id), AUTH_CERT_OCSP_UNAVAILABLE);
	assert_int_equal(check_file(ctx, "auth-revoked.crt", 0, &id), AUTH_CERT_OCSP_UNAVAILABLE);
	assert_int_equal(check_file(ctx, "auth-rsa.crt", 0, &id), AUTH_CERT_OCSP_UNAVAILABLE);
	auth_cert_cache_clear(ctx);
	assert_int_equal(check_file(ctx, "auth-ec.crt", 0, &id), AUTH_CERT_OCSP_UNAVAILABLE);

	assert_int_equal(check_file(two, "auth-rsa.crt", 0, &id), AUTH_CERT_OK);
	assert_int_equal(check_file(two, "auth-ee.crt", 0, &id), AUTH_CERT_OK);
	assert_int_equal(check_file(two, "auth-ec.crt", 0, &id), AUTH_CERT_OCSP_UNAVAILABLE);
	auth_cert_free(two);

	/* no cache at all; settings that cannot work */
	o.cache_ttl = -1;
	two = auth_cert_new(&o, &e);
	assert_non_null(two);
	auth_cert_free(two);
	o.trust_file = pki("no-such-file.crt");
	assert_null(auth_cert_new(&o, &e));
	o.trust_file = "";
	assert_null(auth_cert_new(&o, &e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(personal_codes),    cmocka_unit_test(url_origins),
	    cmocka_unit_test(good_certificates), cmocka_unit_test(refused_certificates),
	    cmocka_unit_test(anchors),           cmocka_unit_test(aia_internal_refused),
	    cmocka_unit_test(ocsp_down),         cmocka_unit_test(bytes_forms),
	    cmocka_unit_test(webeid_good),       cmocka_unit_test(webeid_v11),
	    cmocka_unit_test(webeid_refused),    cmocka_unit_test(webeid_malformed),
	    cmocka_unit_test(ocsp_cache),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
