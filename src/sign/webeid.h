/* webeid.h — Web eID authentication tokens (formats "web-eid:1.0" and
 * "web-eid:1.1"), as the browser extension returns them for the action
 * "authenticate":
 *
 *   {"unverifiedCertificate": base64 DER, "algorithm": "ES384",
 *    "signature": base64, "format": "web-eid:1.0", "appVersion": URL}
 *
 * 1.1 adds "unverifiedSigningCertificates": [{"certificate": base64 DER,
 * "supportedSignatureAlgorithms": [{"cryptoAlgorithm", "hashFunction",
 * "paddingScheme"}]}] (required) and may add
 * "unverifiedIntermediateCertificates": [base64 DER] (path building only).
 * The signature is over hash(origin) ‖ hash(nonce) with the algorithm's
 * hash, where nonce is the challenge exactly as the server issued it (its
 * base64 text, not decoded); ECDSA values are raw r‖s. Nothing in the token
 * is trusted: the origin and the nonce come from the server's own state.
 *
 * webeid_parse() is the parser of hostile input (fuzz/fuzz_webeid.c);
 * webeid_validate() parses, checks the signature (offline) and then the
 * certificate with auth_cert_check() — blocking, worker pool only.
 */
#ifndef EPAK_SIGN_WEBEID_H
#define EPAK_SIGN_WEBEID_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "sign/auth_cert.h"

#define WEBEID_MAX_TOKEN 32768 /* bytes of JSON accepted */
#define WEBEID_MAX_CERTS 4     /* signing or intermediate certificates in a 1.1 token */

enum webeid_result {
	WEBEID_OK,
	WEBEID_MALFORMED,   /* not a token: JSON, fields, types, base64, certificate encoding */
	WEBEID_VERSION,     /* a format other than web-eid:1.x */
	WEBEID_ALGORITHM,   /* an algorithm outside ES/PS/RS 256/384/512, or not the key's type */
	WEBEID_SIGNATURE,   /* the signature does not verify for this origin and nonce */
	WEBEID_CERTIFICATE, /* the signature holds; auth_cert_check() refused (see cert) */
};

/* "ok", "malformed", "version", "algorithm", "signature", "certificate". */
const char *webeid_reason(enum webeid_result r);

struct webeid_token {
	int minor; /* web-eid:1.<minor> */
	X509 *cert;
	const EVP_MD *md;
	int keytype; /* EVP_PKEY_EC or EVP_PKEY_RSA */
	int pss;
	unsigned char *sig;
	size_t siglen;
	STACK_OF(X509) * signing;       /* 1.1: unverifiedSigningCertificates */
	STACK_OF(X509) * intermediates; /* 1.1: unverifiedIntermediateCertificates */
};

/* Parses a token: every field of the right type and encoding, the
 * certificate decoded. 0, or -1 with *res (WEBEID_MALFORMED, WEBEID_VERSION,
 * WEBEID_ALGORITHM) and why set. Free with webeid_token_free() either way. */
int webeid_parse(const void *json, size_t n, struct webeid_token *t, enum webeid_result *res, char *why, size_t whylen);
void webeid_token_free(struct webeid_token *t);

/* 1 when t's signature verifies with t's certificate over origin and nonce,
 * 0 otherwise. */
int webeid_signature_ok(const struct webeid_token *t, const char *origin, const char *nonce);

/* The whole: parse, signature, then the certificate (auth_cert_check at
 * now, with the token's intermediates). On WEBEID_OK *id is the person.
 * *cert is AUTH_CERT_OK unless the result is WEBEID_CERTIFICATE. */
enum webeid_result webeid_validate(struct auth_cert_ctx *c, const void *json, size_t n, const char *origin,
				   const char *nonce, time_t now, struct auth_identity *id, enum auth_cert_result *cert,
				   char *why, size_t whylen);

#endif
