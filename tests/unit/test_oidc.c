/* test_oidc.c — OpenID Connect: the `oidc` setting, JWS and JWK with the
 * RFC 7515 examples (A.2 RS256, A.3 ES256), what is refused (alg none, HS256,
 * headers naming their own key), discovery documents, and every claim check
 * of an ID token on tokens signed here with a fresh P-256 key. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "core/base64.h"
#include "core/config.h"
#include "oidc/jose.h"
#include "oidc/oidc.h"

/* RFC 7515 A.2: RS256 over {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true} */
static const char rfc_rsa_jwks[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-"
    "4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5"
    "rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-"
    "DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\",\"e\":\"AQAB\"}]}";
static const char rfc_rs256[] =
    "eyJhbGciOiJSUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t"
    "1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--"
    "xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_"
    "IoypGlUPQGe77Rw";
/* RFC 7515 A.3: ES256 over the same payload */
static const char rfc_ec_jwks[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";
static const char rfc_es256[] =
    "eyJhbGciOiJFUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

static int verify_with_set(const char *jwks_text, const char *token)
{
	struct jwks set;
	struct jws j;
	struct err e = {0};
	const struct jwk *k;
	int ok;

	assert_int_equal(jwks_parse(jwks_text, strlen(jwks_text), &set, &e), 0);
	if (jws_parse(token, strlen(token), &j, &e) != 0) {
		jwks_free(&set);
		return -2;
	}
	k = jwks_find(&set, j.kid, j.alg);
	ok = k ? jws_verify(&j, k->key, &e) : -3;
	jws_free(&j);
	jwks_free(&set);
	return ok;
}

static void rfc7515_examples_verify(void **state)
{
	char t[sizeof(rfc_rs256)];
	char *dot;

	(void)state;
	assert_int_equal(verify_with_set(rfc_rsa_jwks, rfc_rs256), 1);
	assert_int_equal(verify_with_set(rfc_ec_jwks, rfc_es256), 1);
	/* the other key type does not fit the alg */
	assert_int_equal(verify_with_set(rfc_ec_jwks, rfc_rs256), -3);
	/* one changed payload byte ('joe' -> 'jof' would not be base64; flip a letter) */
	memcpy(t, rfc_rs256, sizeof(t));
	dot = strchr(t, '.');
	dot[5] = dot[5] == 'A' ? 'B' : 'A';
	assert_true(verify_with_set(rfc_rsa_jwks, t) <= 0);
	/* a changed signature byte */
	memcpy(t, rfc_rs256, sizeof(t));
	t[sizeof(t) - 5] = t[sizeof(t) - 5] == 'A' ? 'B' : 'A';
	assert_int_equal(verify_with_set(rfc_rsa_jwks, t), 0);
}

static void refused_forms(void **state)
{
	struct jws j;
	struct err e = {0};
	const char *payload =
	    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
	char t[512];

	(void)state;
	/* alg none: no signature part at all */
	snprintf(t, sizeof(t), "eyJhbGciOiJub25lIn0.%s.", payload);
	assert_int_equal(jws_parse(t, strlen(t), &j, &e), -1);
	/* HS256 (RFC 7515 A.1): parses, but its alg is not one we accept */
	snprintf(t, sizeof(t),
		 "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.%s.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", payload);
	err_clear(&e);
	assert_int_equal(jws_parse(t, strlen(t), &j, &e), 0);
	assert_int_equal(j.alg, JOSE_ALG_UNKNOWN);
	jws_free(&j);
	/* a header naming its own key: {"alg":"RS256","jwk":{}} */
	snprintf(t, sizeof(t), "eyJhbGciOiJSUzI1NiIsImp3ayI6e319.%s.AAAA", payload);
	err_clear(&e);
	assert_int_equal(jws_parse(t, strlen(t), &j, &e), -1);
	assert_non_null(strstr(e.msg, "jwk"));
	/* padding, four parts, two "alg" */
	snprintf(t, sizeof(t), "eyJhbGciOiJSUzI1NiJ9=.%s.AAAA", payload);
	assert_int_equal(jws_parse(t, strlen(t), &j, &e), -1);
	snprintf(t, sizeof(t), "eyJhbGciOiJSUzI1NiJ9.%s.AAAA.AAAA", payload);
	assert_int_equal(jws_parse(t, strlen(t), &j, &e), -1);
	/* {"alg":"RS256","alg":"none"} */
	snprintf(t, sizeof(t), "eyJhbGciOiJSUzI1NiIsImFsZyI6Im5vbmUifQ.%s.AAAA", payload);
	assert_int_equal(jws_parse(t, strlen(t), &j, &e), -1);
	assert_int_equal(jose_alg_parse("none"), JOSE_ALG_UNKNOWN);
	assert_int_equal(jose_alg_parse("HS256"), JOSE_ALG_UNKNOWN);
	assert_int_equal(jose_alg_parse("ES384"), JOSE_ALG_UNKNOWN);
}

static void jwks_skips_unusable_keys(void **state)
{
	struct jwks set;
	struct err e = {0};
	/* an oct key, an encryption key, a P-384 key, a point off the curve, then the RFC's P-256 key with a kid */
	const char *text =
	    "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"},"
	    "{\"kty\":\"EC\",\"use\":\"enc\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AAAA\",\"y\":\"AAAA\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1\"},"
	    "{\"kty\":\"EC\",\"kid\":\"a3\",\"alg\":\"ES256\",\"crv\":\"P-256\",\"x\":"
	    "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

	(void)state;
	assert_int_equal(jwks_parse(text, strlen(text), &set, &e), 0);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.keys[0].kid, "a3");
	assert_non_null(jwks_find(&set, "a3", JOSE_ES256));
	assert_non_null(jwks_find(&set, NULL, JOSE_ES256));
	assert_null(jwks_find(&set, "other", JOSE_ES256));
	assert_null(jwks_find(&set, "a3", JOSE_RS256));
	jwks_free(&set);
	assert_int_equal(jwks_parse("{\"keys\":[]}", 11, &set, &e), -1);
	assert_int_equal(jwks_parse("[]", 2, &set, &e), -1);
}

/* ---- the setting ---- */

static int parse(const char *value)
{
	struct config_oidc o;
	struct err e = {0};
	int rc = config_oidc_parse(value, &o, &e);

	if (rc == 0)
		config_oidc_free(&o);
	return rc;
}

static void setting_parses(void **state)
{
	struct config c;
	struct config_oidc o;
	struct err e = {0};

	(void)state;
	assert_int_equal(config_oidc_parse("name=bank issuer=https://id.example.lv client-id=epak "
					   "client-secret-file=/etc/epak/bank.secret pno-claim=pno "
					   "label-lv=\"Internetbanka \\\"X\\\"\" label-en=\"Internet bank\"",
					   &o, &e),
			 0);
	assert_string_equal(o.name, "bank");
	assert_string_equal(o.label_lv, "Internetbanka \"X\"");
	assert_string_equal(o.label_en, "Internet bank");
	assert_string_equal(o.auth, "client_secret_basic");
	assert_string_equal(o.scope, "openid");
	assert_string_equal(o.pno_claim, "pno");
	assert_string_equal(o.country, "LV");
	config_oidc_free(&o);

	assert_int_equal(parse("name=t issuer=http://127.0.0.1:9000 client-id=a client-secret-file=f"), 0);
	assert_int_equal(parse("name=t issuer=http://localhost:9000/x client-id=a client-secret-file=f"), 0);
	assert_int_equal(parse("name=t issuer=http://[::1]:9000 client-id=a client-secret-file=f"), 0);
	/* http:// elsewhere, or dressed up as loopback */
	assert_int_equal(parse("name=t issuer=http://id.example.lv client-id=a client-secret-file=f"), -1);
	assert_int_equal(parse("name=t issuer=http://127.0.0.1.evil.example client-id=a client-secret-file=f"), -1);
	assert_int_equal(parse("name=t issuer=http://localhost@evil.example client-id=a client-secret-file=f"), -1);
	assert_int_equal(parse("name=t issuer=http://localhost.evil.example client-id=a client-secret-file=f"), -1);
	assert_int_equal(parse("name=t issuer=ftp://x client-id=a client-secret-file=f"), -1);
	/* required, unknown, repeated, malformed */
	assert_int_equal(parse("name=t issuer=https://x client-id=a"), -1);
	assert_int_equal(parse("name=t issuer=https://x client-id=a client-secret-file=f colour=red"), -1);
	assert_int_equal(parse("name=t name=u issuer=https://x client-id=a client-secret-file=f"), -1);
	assert_int_equal(parse("name=T issuer=https://x client-id=a client-secret-file=f"), -1);
	assert_int_equal(parse("name=t issuer=https://x client-id=a client-secret-file=f label-lv=\"open"), -1);
	assert_int_equal(parse("name=t issuer=https://x client-id=a client-secret-file=f auth=none"), -1);
	assert_int_equal(parse("name=t issuer=https://x client-id=a client-secret-file=f scope=profile"), -1);
	assert_int_equal(parse("name=t issuer=https://x client-id=a client-secret-file=f country=lv"), -1);
	assert_int_equal(parse("name=t issuer=https://x#f client-id=a client-secret-file=f"), -1);

	/* the key is repeatable; names are unique; a later source replaces */
	config_defaults(&c);
	config_layer(&c, 0);
	assert_int_equal(config_set(&c, "oidc", "name=a issuer=https://a client-id=a client-secret-file=f", &e), 0);
	assert_int_equal(config_set(&c, "oidc", "name=b issuer=https://b client-id=b client-secret-file=f", &e), 0);
	assert_int_equal(config_set(&c, "oidc", "name=b issuer=https://c client-id=b client-secret-file=f", &e), -1);
	assert_int_equal(c.noidc, 2);
	config_layer(&c, 2);
	err_clear(&e);
	assert_int_equal(config_set(&c, "oidc", "name=c issuer=https://c client-id=c client-secret-file=f", &e), 0);
	assert_int_equal(c.noidc, 1);
	assert_string_equal(c.oidc[0].name, "c");
	config_free(&c);
}

/* ---- discovery ---- */

static void discovery_rules(void **state)
{
	struct oidc_discovery d;
	struct err e = {0};
	char doc[1024];
	const char *fmt = "{\"issuer\":\"%s\",\"authorization_endpoint\":\"%s/auth\",\"token_endpoint\":\"%s/token\","
			  "\"jwks_uri\":\"%s/jwks\",\"id_token_signing_alg_values_supported\":[%s],"
			  "\"code_challenge_methods_supported\":[\"S256\"],"
			  "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\"]}";
	const char *iss = "https://id.example.lv";

	(void)state;
	snprintf(doc, sizeof(doc), fmt, iss, iss, iss, iss, "\"RS256\",\"ES256\",\"HS256\",\"none\"");
	assert_int_equal(oidc_discovery_parse(doc, strlen(doc), iss, "client_secret_basic", &d, &e), 0);
	assert_int_equal(d.algs, (1u << JOSE_RS256) | (1u << JOSE_ES256));
	assert_string_equal(d.token_endpoint, "https://id.example.lv/token");
	oidc_discovery_free(&d);
	/* issuer must be the configured one exactly */
	assert_int_equal(
	    oidc_discovery_parse(doc, strlen(doc), "https://id.example.lv/", "client_secret_basic", &d, &e), -1);
	/* the method must be announced */
	assert_int_equal(oidc_discovery_parse(doc, strlen(doc), iss, "client_secret_post", &d, &e), -1);
	/* only HS256 and none */
	snprintf(doc, sizeof(doc), fmt, iss, iss, iss, iss, "\"HS256\",\"none\"");
	assert_int_equal(oidc_discovery_parse(doc, strlen(doc), iss, "client_secret_basic", &d, &e), -1);
	/* an https issuer pointing at http endpoints */
	snprintf(doc, sizeof(doc), fmt, iss, "http://id.example.lv", iss, iss, "\"RS256\"");
	assert_int_equal(oidc_discovery_parse(doc, strlen(doc), iss, "client_secret_basic", &d, &e), -1);
	/* a loopback http issuer: its own origin only */
	snprintf(doc, sizeof(doc), fmt, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9",
		 "http://127.0.0.1:9", "\"ES256\"");
	assert_int_equal(oidc_discovery_parse(doc, strlen(doc), "http://127.0.0.1:9", "client_secret_basic", &d, &e),
			 0);
	oidc_discovery_free(&d);
	snprintf(doc, sizeof(doc), fmt, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:99",
		 "http://127.0.0.1:9", "\"ES256\"");
	assert_int_equal(oidc_discovery_parse(doc, strlen(doc), "http://127.0.0.1:9", "client_secret_basic", &d, &e),
			 -1);
}

/* ---- ID tokens signed here ---- */

static EVP_PKEY *test_key;
static char test_jwks[512];

static char *b64u(const void *p, size_t n)
{
	return b64url_new(p, n);
}

static void make_key(void)
{
	unsigned char pub[65];
	size_t n = 0;
	char *x, *y;

	test_key = EVP_EC_gen("P-256");
	assert_non_null(test_key);
	assert_int_equal(EVP_PKEY_get_octet_string_param(test_key, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &n), 1);
	assert_int_equal(n, 65);
	x = b64u(pub + 1, 32);
	y = b64u(pub + 33, 32);
	snprintf(
	    test_jwks, sizeof(test_jwks),
	    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\",\"use\":\"sig\",\"x\":\"%s\",\"y\":\"%s\"}]}",
	    x, y);
	free(x);
	free(y);
}

/* header.payload.signature for these JSON texts, signed with test_key */
static char *sign_token(const char *header, const char *payload)
{
	char *h = b64u(header, strlen(header)), *p = b64u(payload, strlen(payload)), *s, *out;
	unsigned char der[128], raw[64];
	size_t dlen = sizeof(der);
	char input[4096];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *es;
	const unsigned char *q = der;
	const BIGNUM *r, *ss;

	snprintf(input, sizeof(input), "%s.%s", h, p);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, test_key), 1);
	assert_int_equal(EVP_DigestSign(md, der, &dlen, (unsigned char *)input, strlen(input)), 1);
	es = d2i_ECDSA_SIG(NULL, &q, (long)dlen);
	ECDSA_SIG_get0(es, &r, &ss);
	BN_bn2binpad(r, raw, 32);
	BN_bn2binpad(ss, raw + 32, 32);
	s = b64u(raw, 64);
	out = malloc(strlen(input) + strlen(s) + 2);
	snprintf(out, strlen(input) + strlen(s) + 2, "%s.%s", input, s);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	free(h);
	free(p);
	free(s);
	return out;
}

static enum oidc_fail check(const char *header, const char *claims_fmt, long iat, long exp, const char *nonce,
			    unsigned algs, struct oidc_person *who)
{
	char claims[1024];
	char *token;
	struct jwks set;
	struct err e = {0};
	struct oidc_expect x = {"https://id.example.lv", "epak", "n-123", algs, "pno", "name", "LV", 1800000000};
	enum oidc_fail f;

	snprintf(claims, sizeof(claims), claims_fmt, iat, exp, nonce);
	token = sign_token(header, claims);
	assert_int_equal(jwks_parse(test_jwks, strlen(test_jwks), &set, &e), 0);
	f = oidc_verify_id_token(token, &set, &x, who, &e);
	jwks_free(&set);
	free(token);
	return f;
}

#define ES "{\"alg\":\"ES256\",\"kid\":\"k1\"}"
#define GOOD                                                                                                           \
	"{\"iss\":\"https://id.example.lv\",\"aud\":\"epak\",\"sub\":\"s1\",\"iat\":%ld,\"exp\":%ld,\"nonce\":\"%s\"," \
	"\"pno\":\"120389-12345\",\"name\":\"Jānis Bērziņš\"}"

static void id_token_claims(void **state)
{
	struct oidc_person who;
	const long now = 1800000000;
	const unsigned es = 1u << JOSE_ES256;

	(void)state;
	make_key();
	assert_int_equal(check(ES, GOOD, now, now + 300, "n-123", es, &who), OIDC_OK);
	assert_string_equal(who.pno, "PNOLV-120389-12345");
	assert_string_equal(who.country, "LV");
	assert_string_equal(who.name, "Jānis Bērziņš");
	oidc_person_free(&who);
	/* the alg was not announced by the provider */
	assert_int_equal(check(ES, GOOD, now, now + 300, "n-123", 1u << JOSE_RS256, &who), OIDC_BAD_TOKEN);
	/* a kid the set lacks; no kid (one key: taken) */
	assert_int_equal(check("{\"alg\":\"ES256\",\"kid\":\"k2\"}", GOOD, now, now + 300, "n-123", es, &who),
			 OIDC_NO_KEY);
	assert_int_equal(check("{\"alg\":\"ES256\"}", GOOD, now, now + 300, "n-123", es, &who), OIDC_OK);
	oidc_person_free(&who);
	/* alg none and HS256 with the same claims */
	assert_int_equal(check("{\"alg\":\"none\"}", GOOD, now, now + 300, "n-123", es, &who), OIDC_BAD_TOKEN);
	assert_int_equal(check("{\"alg\":\"HS256\",\"kid\":\"k1\"}", GOOD, now, now + 300, "n-123", es, &who),
			 OIDC_BAD_TOKEN);
	/* time: expired beyond the skew, just within it, issued in the future, issued long ago, nbf ahead */
	assert_int_equal(check(ES, GOOD, now - 900, now - OIDC_SKEW - 1, "n-123", es, &who), OIDC_EXPIRED);
	assert_int_equal(check(ES, GOOD, now - 300, now - OIDC_SKEW + 5, "n-123", es, &who), OIDC_OK);
	oidc_person_free(&who);
	assert_int_equal(check(ES, GOOD, now + OIDC_SKEW + 10, now + 900, "n-123", es, &who), OIDC_EXPIRED);
	assert_int_equal(check(ES, GOOD, now - OIDC_MAX_AGE - OIDC_SKEW - 10, now + 900, "n-123", es, &who),
			 OIDC_EXPIRED);
	assert_int_equal(check(ES,
			       "{\"iss\":\"https://id.example.lv\",\"aud\":\"epak\",\"sub\":\"s1\",\"iat\":%ld,\"exp\":"
			       "%ld,\"nonce\":\"%s\",\"pno\":\"1\",\"nbf\":1900000000}",
			       now, now + 300, "n-123", es, &who),
			 OIDC_EXPIRED);
	/* nonce */
	assert_int_equal(check(ES, GOOD, now, now + 300, "n-124", es, &who), OIDC_BAD_NONCE);
	assert_int_equal(check(ES, GOOD, now, now + 300, "n-12", es, &who), OIDC_BAD_NONCE);
	/* issuer (also one slash more) and audience */
	assert_int_equal(
	    check(ES,
		  "{\"iss\":\"https://id.example.lv/\",\"aud\":\"epak\",\"sub\":\"s\",\"iat\":%ld,\"exp\":%"
		  "ld,\"nonce\":\"%s\",\"pno\":\"1\"}",
		  now, now + 300, "n-123", es, &who),
	    OIDC_BAD_ISSUER);
	assert_int_equal(
	    check(ES,
		  "{\"iss\":\"https://id.example.lv\",\"aud\":\"other\",\"sub\":\"s\",\"iat\":%ld,\"exp\":%"
		  "ld,\"nonce\":\"%s\",\"pno\":\"1\"}",
		  now, now + 300, "n-123", es, &who),
	    OIDC_BAD_AUDIENCE);
	/* several audiences: only with azp = us */
	assert_int_equal(check(ES,
			       "{\"iss\":\"https://id.example.lv\",\"aud\":[\"epak\",\"other\"],\"sub\":\"s\",\"iat\":%"
			       "ld,\"exp\":%ld,\"nonce\":\"%s\",\"pno\":\"1\"}",
			       now, now + 300, "n-123", es, &who),
			 OIDC_BAD_AUDIENCE);
	assert_int_equal(check(ES,
			       "{\"iss\":\"https://id.example.lv\",\"aud\":[\"epak\",\"other\"],\"azp\":\"other\","
			       "\"sub\":\"s\",\"iat\":%ld,\"exp\":%ld,\"nonce\":\"%s\",\"pno\":\"1\"}",
			       now, now + 300, "n-123", es, &who),
			 OIDC_BAD_AUDIENCE);
	assert_int_equal(check(ES,
			       "{\"iss\":\"https://id.example.lv\",\"aud\":[\"epak\",\"other\"],\"azp\":\"epak\","
			       "\"sub\":\"s\",\"iat\":%ld,\"exp\":%ld,\"nonce\":\"%s\",\"pno\":\"PNOEE-38001085718\"}",
			       now, now + 300, "n-123", es, &who),
			 OIDC_OK);
	assert_string_equal(who.pno, "PNOEE-38001085718");
	assert_string_equal(who.country, "EE");
	assert_string_equal(who.name, "");
	oidc_person_free(&who);
	/* the personal code: missing, not a string, odd bytes */
	assert_int_equal(check(ES,
			       "{\"iss\":\"https://id.example.lv\",\"aud\":\"epak\",\"sub\":\"s\",\"iat\":%ld,\"exp\":%"
			       "ld,\"nonce\":\"%s\"}",
			       now, now + 300, "n-123", es, &who),
			 OIDC_NO_PNO);
	assert_int_equal(check(ES,
			       "{\"iss\":\"https://id.example.lv\",\"aud\":\"epak\",\"sub\":\"s\",\"iat\":%ld,\"exp\":%"
			       "ld,\"nonce\":\"%s\",\"pno\":\"12/../x\"}",
			       now, now + 300, "n-123", es, &who),
			 OIDC_NO_PNO);
	/* exp as a string */
	assert_int_equal(
	    check(ES,
		  "{\"iss\":\"https://id.example.lv\",\"aud\":\"epak\",\"sub\":\"s\",\"iat\":%ld,\"exp\":\"%"
		  "ld\",\"nonce\":\"%s\",\"pno\":\"1\"}",
		  now, now + 300, "n-123", es, &who),
	    OIDC_BAD_TOKEN);
	EVP_PKEY_free(test_key);
}

static void secrets_are_read_at_start(void **state)
{
	struct config c;
	struct oidc_set set;
	struct err e = {0};
	char dir[] = "/tmp/epak-oidc-XXXXXX", file[64], value[160];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/secret", dir);
	config_defaults(&c);
	snprintf(value, sizeof(value), "name=a issuer=https://a client-id=a client-secret-file=%s", file);
	assert_int_equal(config_set(&c, "oidc", value, &e), 0);
	/* missing, then empty: refused, naming the file, never a secret */
	assert_int_equal(oidc_set_load(&set, &c, &e), -1);
	assert_non_null(strstr(e.msg, file));
	f = fopen(file, "w");
	fclose(f);
	err_clear(&e);
	assert_int_equal(oidc_set_load(&set, &c, &e), -1);
	assert_non_null(strstr(e.msg, "empty"));
	f = fopen(file, "w");
	fputs("s3cret\nsecond line\n", f);
	fclose(f);
	err_clear(&e);
	assert_int_equal(oidc_set_load(&set, &c, &e), 0);
	assert_int_equal(set.n, 1);
	assert_non_null(oidc_find(&set, "a"));
	assert_null(oidc_find(&set, "b"));
	assert_string_equal(oidc_config(oidc_find(&set, "a"))->client_id, "a");
	oidc_set_free(&set);
	config_free(&c);
	unlink(file);
	rmdir(dir);
}

static void attempt_secrets(void **state)
{
	struct oidc_attempt a, b;

	(void)state;
	oidc_attempt_new(&a);
	oidc_attempt_new(&b);
	assert_int_equal(strlen(a.state), 43);
	assert_int_equal(strlen(a.verifier), 43); /* RFC 7636: 43 to 128 characters */
	assert_string_not_equal(a.state, b.state);
	assert_string_not_equal(a.nonce, a.state);
	assert_string_equal(oidc_fail_word(OIDC_NO_PNO), "no-personal-code");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc7515_examples_verify),  cmocka_unit_test(refused_forms),
	    cmocka_unit_test(jwks_skips_unusable_keys), cmocka_unit_test(setting_parses),
	    cmocka_unit_test(discovery_rules),          cmocka_unit_test(id_token_claims),
	    cmocka_unit_test(attempt_secrets),          cmocka_unit_test(secrets_are_read_at_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
