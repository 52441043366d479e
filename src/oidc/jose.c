/* jose.c — compact JWS, JWK and JWK sets, RS256 and ES256. See jose.h. */
#include "oidc/jose.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "core/base64.h"

#define JOSE_MAX_HEADER 4096 /* decoded bytes of a protected header */

static const char *const alg_names[] = {NULL, "RS256", "ES256"};

enum jose_alg jose_alg_parse(const char *name)
{
	if (name && !strcmp(name, "RS256"))
		return JOSE_RS256;
	if (name && !strcmp(name, "ES256"))
		return JOSE_ES256;
	return JOSE_ALG_UNKNOWN;
}

const char *jose_alg_name(enum jose_alg alg)
{
	return alg == JOSE_RS256 || alg == JOSE_ES256 ? alg_names[alg] : "unknown";
}

char *b64url_new(const void *p, size_t n)
{
	size_t cap = b64_encoded_size(n, B64_URL);
	char *out = malloc(cap);

	if (out && b64_encode(out, cap, p, n, B64_URL) < 0) {
		free(out);
		out = NULL;
	}
	return out;
}

/* Decodes base64url s[0..n) (no padding, nothing but the alphabet: the
 * codec would skip white space, a JWS has none) into a malloc'd buffer. */
static unsigned char *b64url_decode(const char *s, size_t n, size_t max, size_t *len)
{
	unsigned char *out;
	size_t cap = n / 4 * 3 + 3;

	if (n == 0 || cap > max + 3 ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < n)
		return NULL;
	out = malloc(cap + 1);
	if (!out)
		return NULL;
	if (b64_decode(out, cap, s, n, len, B64_URL) != 0 || *len > max) {
		free(out);
		return NULL;
	}
	out[*len] = '\0';
	return out;
}

/* A JSON object from bytes: no repeated names (two "alg" or two "aud" read
 * differently by two parsers), no NUL, the whole input. */
static json_t *json_object_from(const void *p, size_t n)
{
	json_t *j = json_loadb(p, n, JSON_REJECT_DUPLICATES, NULL);

	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

void jws_free(struct jws *j)
{
	json_decref(j->header);
	json_decref(j->payload);
	free(j->sig);
	memset(j, 0, sizeof(*j));
}

int jws_parse(const char *token, size_t n, struct jws *j, struct err *e)
{
	const char *d1, *d2, *bad = NULL;
	unsigned char *raw = NULL;
	size_t len;
	static const char *const refused[] = {"crit", "jwk", "jku", "x5u", "x5c"};
	size_t i;

	memset(j, 0, sizeof(*j));
	if (n == 0 || n > JWS_MAX_TOKEN) {
		err_set(e, ERR_VALIDATION, "JWS: empty or longer than %d bytes", JWS_MAX_TOKEN);
		return -1;
	}
	d1 = memchr(token, '.', n);
	d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - token)) : NULL;
	if (!d1 || !d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - token))) {
		err_set(e, ERR_VALIDATION, "JWS: not three dot-separated parts");
		return -1;
	}
	raw = b64url_decode(token, (size_t)(d1 - token), JOSE_MAX_HEADER, &len);
	j->header = raw ? json_object_from(raw, len) : NULL;
	free(raw);
	if (!j->header) {
		bad = "header";
		goto fail;
	}
	raw = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), JWS_MAX_TOKEN, &len);
	j->payload = raw ? json_object_from(raw, len) : NULL;
	free(raw);
	if (!j->payload) {
		bad = "payload";
		goto fail;
	}
	j->sig = b64url_decode(d2 + 1, n - (size_t)(d2 + 1 - token), 1024, &j->sig_len);
	if (!j->sig) {
		bad = "signature";
		goto fail;
	}
	j->alg_name = json_string_value(json_object_get(j->header, "alg"));
	if (!j->alg_name) {
		err_set(e, ERR_VALIDATION, "JWS: the header has no alg");
		goto fail_quiet;
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (json_object_get(j->header, refused[i])) {
			err_set(e, ERR_VALIDATION, "JWS: the header has %s, which is not accepted", refused[i]);
			goto fail_quiet;
		}
	if (json_object_get(j->header, "kid") && !json_is_string(json_object_get(j->header, "kid"))) {
		err_set(e, ERR_VALIDATION, "JWS: kid is not a string");
		goto fail_quiet;
	}
	j->kid = json_string_value(json_object_get(j->header, "kid"));
	j->alg = jose_alg_parse(j->alg_name);
	j->input = token;
	j->input_len = (size_t)(d2 - token);
	return 0;
fail:
	err_set(e, ERR_VALIDATION, "JWS: the %s is not base64url of a JSON object", bad);
fail_quiet:
	jws_free(j);
	return -1;
}

/* An ES256 signature is r||s, 32 bytes each; OpenSSL verifies DER. */
static unsigned char *es256_der(const unsigned char *sig, size_t n, size_t *der_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r, *s;
	unsigned char *der = NULL;
	int len;

	if (n != 64)
		return NULL;
	r = BN_bin2bn(sig, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	es = ECDSA_SIG_new();
	if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
	} else {
		len = i2d_ECDSA_SIG(es, &der);
		*der_len = len > 0 ? (size_t)len : 0;
		if (len <= 0)
			der = NULL;
	}
	ECDSA_SIG_free(es);
	return der;
}

/* The kind of key (RSA, or EC on P-256) pkey is, or JOSE_ALG_UNKNOWN. */
static enum jose_alg key_kind(EVP_PKEY *pkey)
{
	char group[32];

	if (EVP_PKEY_is_a(pkey, "RSA"))
		return JOSE_RS256;
	if (EVP_PKEY_is_a(pkey, "EC") &&
	    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) == 1 &&
	    !strcmp(group, "prime256v1"))
		return JOSE_ES256;
	return JOSE_ALG_UNKNOWN;
}

int jws_verify(const struct jws *j, EVP_PKEY *key, struct err *e)
{
	EVP_MD_CTX *md = NULL;
	unsigned char *der = NULL;
	const unsigned char *sig = j->sig;
	size_t sig_len = j->sig_len;
	int rc = -1;

	if (j->alg == JOSE_ALG_UNKNOWN || key_kind(key) != j->alg) {
		err_set(e, ERR_VALIDATION, "JWS: the key does not fit the algorithm %s", jose_alg_name(j->alg));
		goto out;
	}
	if (j->alg == JOSE_ES256) {
		der = es256_der(j->sig, j->sig_len, &sig_len);
		if (!der) {
			rc = 0; /* not 64 bytes: not a valid signature */
			goto out;
		}
		sig = der;
	}
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1) {
		err_set(e, ERR_INTERNAL, "JWS: OpenSSL cannot verify");
		goto out;
	}
	rc = EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)j->input, j->input_len) == 1;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	ERR_clear_error();
	return rc;
}

/* A JWK member that is base64url of at most max bytes (malloc'd). */
static unsigned char *jwk_bytes(const json_t *jwk, const char *name, size_t max, size_t *len)
{
	const char *s = json_string_value(json_object_get(jwk, name));

	return s ? b64url_decode(s, strlen(s), max, len) : NULL;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY *pkey = NULL;

	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!check || EVP_PKEY_public_check(check) != 1) { /* EC: the point is on the curve */
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *rsa_key(const json_t *jwk, struct err *e)
{
	unsigned char *n = NULL, *x = NULL;
	size_t nlen = 0, xlen = 0;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	n = jwk_bytes(jwk, "n", 1024, &nlen);
	x = jwk_bytes(jwk, "e", 8, &xlen);
	if (!n || !x) {
		err_set(e, ERR_VALIDATION, "JWK: RSA key without a usable n or e");
		goto out;
	}
	bn = BN_bin2bn(n, (int)nlen, NULL);
	be = BN_bin2bn(x, (int)xlen, NULL);
	if (!bn || !be) {
		err_set(e, ERR_INTERNAL, "JWK: out of memory");
		goto out;
	}
	if (BN_num_bits(bn) < 2048 || BN_num_bits(bn) > 8192 || !BN_is_odd(be) || BN_is_one(be)) {
		err_set(e, ERR_VALIDATION, "JWK: RSA key of %d bits or a bad exponent (2048 to 8192 bits)",
			BN_num_bits(bn));
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	if (!bld || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1) {
		err_set(e, ERR_INTERNAL, "JWK: out of memory");
		goto out;
	}
	pkey = from_params("RSA", bld);
	if (!pkey)
		err_set(e, ERR_VALIDATION, "JWK: OpenSSL refused the RSA key");
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	free(n);
	free(x);
	return pkey;
}

static EVP_PKEY *ec_key(const json_t *jwk, struct err *e)
{
	unsigned char *x = NULL, *y = NULL, point[65];
	size_t xlen = 0, ylen = 0;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	const char *crv = json_string_value(json_object_get(jwk, "crv"));

	if (!crv || strcmp(crv, "P-256")) {
		err_set(e, ERR_VALIDATION, "JWK: EC key not on P-256");
		goto out;
	}
	x = jwk_bytes(jwk, "x", 32, &xlen);
	y = jwk_bytes(jwk, "y", 32, &ylen);
	if (!x || !y || xlen != 32 || ylen != 32) {
		err_set(e, ERR_VALIDATION, "JWK: EC key's x and y are not 32 bytes each");
		goto out;
	}
	point[0] = 0x04; /* uncompressed */
	memcpy(point + 1, x, 32);
	memcpy(point + 33, y, 32);
	bld = OSSL_PARAM_BLD_new();
	if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) != 1) {
		err_set(e, ERR_INTERNAL, "JWK: out of memory");
		goto out;
	}
	pkey = from_params("EC", bld);
	if (!pkey)
		err_set(e, ERR_VALIDATION, "JWK: the EC point is not on P-256");
out:
	OSSL_PARAM_BLD_free(bld);
	free(x);
	free(y);
	return pkey;
}

EVP_PKEY *jwk_public_key(const json_t *jwk, enum jose_alg *kind, struct err *e)
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	EVP_PKEY *pkey = NULL;

	*kind = JOSE_ALG_UNKNOWN;
	if (!json_is_object(jwk) || !kty)
		err_set(e, ERR_VALIDATION, "JWK: not an object with a kty");
	else if (!strcmp(kty, "RSA"))
		pkey = rsa_key(jwk, e), *kind = JOSE_RS256;
	else if (!strcmp(kty, "EC"))
		pkey = ec_key(jwk, e), *kind = JOSE_ES256;
	else
		err_set(e, ERR_VALIDATION, "JWK: key type %.20s is not accepted", kty);
	ERR_clear_error();
	if (!pkey)
		*kind = JOSE_ALG_UNKNOWN;
	return pkey;
}

void jwks_free(struct jwks *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		free(set->keys[i].kid);
		EVP_PKEY_free(set->keys[i].key);
	}
	memset(set, 0, sizeof(*set));
}

int jwks_parse(const char *text, size_t n, struct jwks *set, struct err *e)
{
	json_t *root = NULL, *keys, *k;
	size_t i;
	int rc = -1;

	memset(set, 0, sizeof(*set));
	if (n > JWKS_MAX) {
		err_set(e, ERR_VALIDATION, "JWKS: larger than %d bytes", JWKS_MAX);
		goto out;
	}
	root = json_object_from(text, n);
	keys = json_object_get(root, "keys");
	if (!json_is_array(keys)) {
		err_set(e, ERR_VALIDATION, "JWKS: not a JSON object with a keys array");
		goto out;
	}
	json_array_foreach(keys, i, k)
	{
		struct jwk *w = &set->keys[set->n];
		const char *use = json_string_value(json_object_get(k, "use"));
		const char *alg = json_string_value(json_object_get(k, "alg"));
		const char *kid = json_string_value(json_object_get(k, "kid"));
		struct err skip = {0};

		if (set->n == JWKS_MAX_KEYS)
			break;
		if (!json_is_object(k) || (json_object_get(k, "use") && (!use || strcmp(use, "sig"))) ||
		    (json_object_get(k, "alg") && jose_alg_parse(alg) == JOSE_ALG_UNKNOWN) ||
		    (json_object_get(k, "kid") && !kid))
			continue;
		w->key = jwk_public_key(k, &w->kind, &skip);
		if (!w->key)
			continue;
		if (alg && jose_alg_parse(alg) != w->kind) {
			EVP_PKEY_free(w->key);
			w->key = NULL;
			continue;
		}
		w->alg_given = alg != NULL;
		w->kid = kid ? strdup(kid) : NULL;
		if (kid && !w->kid) {
			EVP_PKEY_free(w->key);
			w->key = NULL;
			err_set(e, ERR_INTERNAL, "JWKS: out of memory");
			goto out;
		}
		set->n++;
	}
	if (set->n == 0) {
		err_set(e, ERR_VALIDATION, "JWKS: no RS256 or ES256 signing key");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		jwks_free(set);
	json_decref(root);
	return rc;
}

const struct jwk *jwks_find(const struct jwks *set, const char *kid, enum jose_alg alg)
{
	const struct jwk *found = NULL;
	size_t i;

	if (alg == JOSE_ALG_UNKNOWN)
		return NULL;
	for (i = 0; i < set->n; i++) {
		const struct jwk *k = &set->keys[i];

		if (k->kind != alg)
			continue;
		if (kid) {
			if (k->kid && !strcmp(k->kid, kid))
				return k;
			continue;
		}
		if (found)
			return NULL; /* several could be meant: refuse rather than guess */
		found = k;
	}
	return found;
}
