/* jose.h — JSON Web Signatures as OpenID Connect uses them: the compact
 * serialization (RFC 7515), public keys as JWK and JWK sets (RFC 7517), and
 * exactly two algorithms (RFC 7518): RS256 and ES256. Everything else — "none",
 * HS*, PS*, ES384, a header that names its own key (jwk, jku, x5u) or a
 * "crit" extension — is refused, never tried.
 *
 * The parsers read bytes a stranger can shape (an ID token passes through a
 * browser; a provider's documents cross the network): each has a cap, and a
 * fuzz target (fuzz/fuzz_jose.c).
 */
#ifndef EPAK_OIDC_JOSE_H
#define EPAK_OIDC_JOSE_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/err.h"

#define JWS_MAX_TOKEN (16 * 1024) /* bytes of a compact JWS */
#define JWKS_MAX (64 * 1024)      /* bytes of a JWK set */
#define JWKS_MAX_KEYS 32          /* keys kept from one set */

enum jose_alg {
	JOSE_ALG_UNKNOWN = 0, /* anything we refuse, "none" and HS256 included */
	JOSE_RS256 = 1,       /* RSASSA-PKCS1-v1_5 with SHA-256, keys of 2048 to 8192 bits */
	JOSE_ES256 = 2        /* ECDSA on P-256 with SHA-256, signature r||s */
};
enum jose_alg jose_alg_parse(const char *name);
const char *jose_alg_name(enum jose_alg alg);

/* A parsed (not yet verified) compact JWS. */
struct jws {
	json_t *header;  /* the protected header, an object */
	json_t *payload; /* the payload, an object (an ID token's claims) */
	enum jose_alg alg;
	const char *alg_name; /* as the header says it (inside header) */
	const char *kid;      /* inside header, or NULL */
	const char *input;    /* the signing input: header '.' payload (inside the token) */
	size_t input_len;
	unsigned char *sig; /* malloc'd */
	size_t sig_len;
};
/* Splits and decodes token[0..n): three base64url parts without padding,
 * a header object with a string "alg" and no "crit", "jwk", "jku", "x5u" or
 * "x5c", a payload object; no repeated names. The token must outlive j.
 * 0, or -1 with the reason in e (j is then empty). An alg we do not accept
 * is not a parse error: j->alg is JOSE_ALG_UNKNOWN and the caller refuses. */
int jws_parse(const char *token, size_t n, struct jws *j, struct err *e);
void jws_free(struct jws *j);
/* 1 when j's signature verifies under key for j->alg (the key's type must
 * fit the alg); 0 when it does not; -1 on error (e). */
int jws_verify(const struct jws *j, EVP_PKEY *key, struct err *e);

/* One public signing key of a set. */
struct jwk {
	char *kid;          /* or NULL */
	enum jose_alg kind; /* JOSE_RS256 for an RSA key, JOSE_ES256 for a P-256 key */
	int alg_given;      /* the JWK named its "alg" (then it is kind's) */
	EVP_PKEY *key;
};
struct jwks {
	struct jwk keys[JWKS_MAX_KEYS];
	size_t n;
};
/* The public key a JWK object describes (kty RSA with n, e; kty EC with
 * crv P-256, x, y on the curve). NULL with the reason in e. */
EVP_PKEY *jwk_public_key(const json_t *jwk, enum jose_alg *kind, struct err *e);
/* Parses a JWK set text[0..n): {"keys": [...]}. Keys we cannot use (other
 * types and curves, "use" other than "sig", an "alg" other than RS256 or
 * ES256, broken ones) are skipped, not errors; a set with no usable key is.
 * 0 or -1 (e). */
int jwks_parse(const char *text, size_t n, struct jwks *set, struct err *e);
void jwks_free(struct jwks *set);
/* The key for a token signed with alg and (when not NULL) kid: the key with
 * that kid and a kind that fits; without a kid, the only key of that kind.
 * NULL when none (or, without a kid, several) fit. */
const struct jwk *jwks_find(const struct jwks *set, const char *kid, enum jose_alg alg);

/* base64url without padding of p[0..n) → malloc'd NUL-terminated text. */
char *b64url_new(const void *p, size_t n);

#endif
