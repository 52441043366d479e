/* webeid.c — Web eID authentication tokens. See webeid.h. */
#include "sign/webeid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "core/base64.h"
#include "sign/internal.h"

const char *webeid_reason(enum webeid_result r)
{
	switch (r) {
	case WEBEID_OK: return "ok";
	case WEBEID_MALFORMED: return "malformed";
	case WEBEID_VERSION: return "version";
	case WEBEID_ALGORITHM: return "algorithm";
	case WEBEID_SIGNATURE: return "signature";
	case WEBEID_CERTIFICATE: break;
	}
	return "certificate";
}

void webeid_token_free(struct webeid_token *t)
{
	if (!t)
		return;
	X509_free(t->cert);
	free(t->sig);
	sk_X509_pop_free(t->signing, X509_free);
	sk_X509_pop_free(t->intermediates, X509_free);
	memset(t, 0, sizeof(*t));
}

static int fail(enum webeid_result *res, enum webeid_result r, char *why, size_t whylen, const char *msg)
{
	*res = r;
	if (why && whylen)
		snprintf(why, whylen, "%s", msg);
	return -1;
}

/* "web-eid:<major>[.<minor>]", both numbers canonical (no leading zeros,
 * at most 9 digits), major 1. The minor version, or -1. */
static int format_minor(const char *s)
{
	const char *p;
	long v[2] = {0, 0};
	int k = 0, digits;

	if (strncmp(s, "web-eid:", 8) != 0)
		return -1;
	p = s + 8;
	for (;;) {
		digits = 0;
		if (*p == '0' && p[1] >= '0' && p[1] <= '9')
			return -1;
		while (*p >= '0' && *p <= '9' && digits < 10) {
			v[k] = v[k] * 10 + (*p++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 9)
			return -1;
		if (*p == '.' && k == 0) {
			p++;
			k = 1;
			continue;
		}
		break;
	}
	if (*p || v[0] != 1)
		return -1;
	return (int)v[1];
}

/* JWA names (RFC 7518 3.3-3.5). */
static int algorithm_of(const char *s, struct webeid_token *t)
{
	const EVP_MD *md;

	if (strlen(s) != 5)
		return -1;
	if (!strcmp(s + 2, "256"))
		md = EVP_sha256();
	else if (!strcmp(s + 2, "384"))
		md = EVP_sha384();
	else if (!strcmp(s + 2, "512"))
		md = EVP_sha512();
	else
		return -1;
	if (!strncmp(s, "ES", 2))
		t->keytype = EVP_PKEY_EC;
	else if (!strncmp(s, "RS", 2))
		t->keytype = EVP_PKEY_RSA;
	else if (!strncmp(s, "PS", 2)) {
		t->keytype = EVP_PKEY_RSA;
		t->pss = 1;
	} else
		return -1;
	t->md = md;
	return 0;
}

static const char *str_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static X509 *cert_b64(const char *s)
{
	return s && *s ? cr_x509_from_b64(s) : NULL;
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* One {"cryptoAlgorithm", "hashFunction", "paddingScheme"}. */
static int algorithm_entry_ok(json_t *a)
{
	static const char *const crypto[] = {"ECC", "RSA", NULL};
	static const char *const hashes[] = {"SHA-224",  "SHA-256",  "SHA-384",  "SHA-512", "SHA3-224",
					     "SHA3-256", "SHA3-384", "SHA3-512", NULL};
	static const char *const padding[] = {"NONE", "PKCS1.5", "PSS", NULL};
	const char *c = str_field(a, "cryptoAlgorithm"), *h = str_field(a, "hashFunction"),
		   *p = str_field(a, "paddingScheme");

	return json_is_object(a) && c && h && p && in_list(c, crypto) && in_list(h, hashes) && in_list(p, padding);
}

/* The 1.1 fields. */
static int parse_v11(json_t *root, struct webeid_token *t, enum webeid_result *res, char *why, size_t whylen)
{
	json_t *arr = json_object_get(root, "unverifiedSigningCertificates"), *e, *algs;
	size_t i, j;

	if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > WEBEID_MAX_CERTS)
		return fail(res, WEBEID_MALFORMED, why, whylen,
			    "unverifiedSigningCertificates: 1 to 4 entries required for web-eid:1.1");
	t->signing = sk_X509_new_null();
	if (!t->signing)
		return fail(res, WEBEID_MALFORMED, why, whylen, "out of memory");
	json_array_foreach(arr, i, e)
	{
		X509 *x = json_is_object(e) ? cert_b64(str_field(e, "certificate")) : NULL;

		if (!x)
			return fail(res, WEBEID_MALFORMED, why, whylen,
				    "unverifiedSigningCertificates: an entry without a certificate");
		if (!sk_X509_push(t->signing, x)) {
			X509_free(x);
			return fail(res, WEBEID_MALFORMED, why, whylen, "out of memory");
		}
		algs = json_object_get(e, "supportedSignatureAlgorithms");
		if (!json_is_array(algs) || json_array_size(algs) == 0 || json_array_size(algs) > 32)
			return fail(res, WEBEID_MALFORMED, why, whylen, "supportedSignatureAlgorithms missing");
		for (j = 0; j < json_array_size(algs); j++)
			if (!algorithm_entry_ok(json_array_get(algs, j)))
				return fail(res, WEBEID_MALFORMED, why, whylen,
					    "supportedSignatureAlgorithms: an unknown algorithm");
	}
	arr = json_object_get(root, "unverifiedIntermediateCertificates");
	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > WEBEID_MAX_CERTS)
		return fail(res, WEBEID_MALFORMED, why, whylen, "unverifiedIntermediateCertificates: 1 to 4 entries");
	t->intermediates = sk_X509_new_null();
	if (!t->intermediates)
		return fail(res, WEBEID_MALFORMED, why, whylen, "out of memory");
	json_array_foreach(arr, i, e)
	{
		X509 *x = json_is_string(e) ? cert_b64(json_string_value(e)) : NULL;

		if (!x || !sk_X509_push(t->intermediates, x)) {
			X509_free(x);
			return fail(res, WEBEID_MALFORMED, why, whylen,
				    "unverifiedIntermediateCertificates: not a certificate");
		}
	}
	return 0;
}

int webeid_parse(const void *json, size_t n, struct webeid_token *t, enum webeid_result *res, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *cert, *alg, *sig, *format;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	*res = WEBEID_MALFORMED;
	if (n == 0 || n > WEBEID_MAX_TOKEN)
		return fail(res, WEBEID_MALFORMED, why, whylen, "token: empty or too large");
	root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		fail(res, WEBEID_MALFORMED, why, whylen, "token: not a JSON object");
		goto out;
	}
	cert = str_field(root, "unverifiedCertificate");
	alg = str_field(root, "algorithm");
	sig = str_field(root, "signature");
	format = str_field(root, "format");
	v = json_object_get(root, "appVersion");
	if (!cert || !alg || !sig || !format || (v && !json_is_string(v))) {
		fail(res, WEBEID_MALFORMED, why, whylen,
		     "token: unverifiedCertificate, algorithm, signature and format are required strings");
		goto out;
	}
	t->minor = format_minor(format);
	if (t->minor < 0) {
		fail(res, WEBEID_VERSION, why, whylen, "token: format is not web-eid:1.x");
		goto out;
	}
	if (t->minor == 0 && (json_object_get(root, "unverifiedSigningCertificates") ||
			      json_object_get(root, "unverifiedIntermediateCertificates"))) {
		fail(res, WEBEID_MALFORMED, why, whylen, "token: web-eid:1.0 carries no further certificates");
		goto out;
	}
	if (algorithm_of(alg, t) != 0) {
		fail(res, WEBEID_ALGORITHM, why, whylen, "token: algorithm is not one of ES, PS, RS 256/384/512");
		goto out;
	}
	t->cert = cert_b64(cert);
	if (!t->cert) {
		fail(res, WEBEID_MALFORMED, why, whylen,
		     "token: unverifiedCertificate is not a base64 DER certificate");
		goto out;
	}
	t->sig = b64_decode_new(sig, &t->siglen);
	if (!t->sig || t->siglen == 0 || t->siglen > 1024) {
		fail(res, WEBEID_MALFORMED, why, whylen, "token: signature is not base64 of at most 1024 bytes");
		goto out;
	}
	if (t->minor >= 1 && parse_v11(root, t, res, why, whylen) != 0)
		goto out;
	*res = WEBEID_OK;
	if (why && whylen)
		why[0] = '\0';
	rc = 0;
out:
	json_decref(root);
	ERR_clear_error();
	return rc;
}

/* RSASSA-PSS as JWA has it: MGF1 with the same hash, salt as long as the
 * hash. */
static int pss_verify(EVP_PKEY *key, const EVP_MD *md, const unsigned char *data, size_t n, const unsigned char *sig,
		      size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = 0;

	if (ctx && EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1)
		ok = EVP_DigestVerify(ctx, sig, siglen, data, n) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

int webeid_signature_ok(const struct webeid_token *t, const char *origin, const char *nonce)
{
	unsigned char data[2 * EVP_MAX_MD_SIZE];
	unsigned a = 0, b = 0;
	EVP_PKEY *key = t->cert ? X509_get0_pubkey(t->cert) : NULL;

	if (!key || !t->md || !origin || !nonce || !*origin || !*nonce)
		return 0;
	if (cr_digest(t->md, origin, strlen(origin), data, &a) != 0 ||
	    cr_digest(t->md, nonce, strlen(nonce), data + a, &b) != 0)
		return 0;
	if (EVP_PKEY_get_base_id(key) != t->keytype)
		return 0;
	if (t->pss)
		return pss_verify(key, t->md, data, a + b, t->sig, t->siglen);
	return cr_verify(key, t->md, t->keytype, data, a + b, t->sig, t->siglen) == 1;
}

/* 1.1: the signing certificates must be the same person's from the same
 * CA; they are not used for logging in. */
static int signing_certs_ok(const struct webeid_token *t)
{
	int i;

	for (i = 0; t->signing && i < sk_X509_num(t->signing); i++) {
		X509 *s = sk_X509_value(t->signing, i);

		if (X509_NAME_cmp(X509_get_subject_name(s), X509_get_subject_name(t->cert)) != 0 ||
		    X509_NAME_cmp(X509_get_issuer_name(s), X509_get_issuer_name(t->cert)) != 0 ||
		    !cr_has_nonrepudiation(s))
			return 0;
	}
	return 1;
}

enum webeid_result webeid_validate(struct auth_cert_ctx *c, const void *json, size_t n, const char *origin,
				   const char *nonce, time_t now, struct auth_identity *id, enum auth_cert_result *cert,
				   char *why, size_t whylen)
{
	struct webeid_token t;
	enum webeid_result res;

	*cert = AUTH_CERT_OK;
	memset(id, 0, sizeof(*id));
	if (webeid_parse(json, n, &t, &res, why, whylen) != 0)
		goto out;
	if (EVP_PKEY_get_base_id(X509_get0_pubkey(t.cert)) != t.keytype) {
		fail(&res, WEBEID_ALGORITHM, why, whylen, "token: the algorithm does not fit the certificate's key");
		goto out;
	}
	/* offline first: nothing is fetched for a token that does not hold */
	if (!webeid_signature_ok(&t, origin, nonce)) {
		fail(&res, WEBEID_SIGNATURE, why, whylen,
		     "token: the signature does not verify for this origin and nonce");
		goto out;
	}
	if (!signing_certs_ok(&t)) {
		fail(&res, WEBEID_MALFORMED, why, whylen,
		     "token: a signing certificate of another person, another CA, or without nonRepudiation");
		goto out;
	}
	*cert = auth_cert_check(c, t.cert, t.intermediates, now, id, why, whylen);
	res = *cert == AUTH_CERT_OK ? WEBEID_OK : WEBEID_CERTIFICATE;
out:
	webeid_token_free(&t);
	return res;
}
