/* oidc.h — citizens' login through OpenID Connect identity providers
 * (banks, eParaksts mobile, Smart-ID behind a state login service): the
 * authorization code flow with PKCE (S256), state and nonce (OpenID Connect
 * Core 1.0 §3.1), for confidential clients (client_secret_basic or
 * client_secret_post).
 *
 * One struct oidc_provider per `oidc` setting. It caches the provider's
 * discovery document (an hour; an old one keeps serving when a refetch
 * fails) and its JWK set (until a token names a key it does not hold, then
 * refetched at most once a minute, so keys rotate without a restart).
 *
 * oidc_auth_url() and oidc_finish() wait on the network: call them from the
 * worker pool, never an event loop. Everything else is quick. The client
 * secret is read once at start and never logged; error messages name URLs
 * and reasons only, never a token, code, claim or secret.
 */
#ifndef EPAK_OIDC_H
#define EPAK_OIDC_H

#include <stddef.h>
#include <time.h>

#include "core/config.h"
#include "core/err.h"
#include "oidc/jose.h"

#define OIDC_SKEW 120            /* seconds of clock difference tolerated (exp, iat, nbf) */
#define OIDC_MAX_AGE 600         /* an ID token issued longer ago than this (+ skew) is refused */
#define OIDC_TIMEOUT 10          /* seconds for one exchange with a provider */
#define OIDC_MAX_DOC (64 * 1024) /* bytes of a discovery document or token answer */
#define OIDC_DISCOVERY_TTL 3600  /* seconds a discovery document is kept */
#define OIDC_JWKS_MIN_REFETCH 60 /* seconds between JWKS fetches for an unknown kid */

struct oidc_provider;

/* All configured providers, in button order. */
struct oidc_set {
	struct oidc_provider *p[CONFIG_MAX_OIDC];
	int n;
};
/* One provider per cfg->oidc[], reading each client secret file (the first
 * line, at most 1 KiB). 0, or -1 (e: which provider and why). */
int oidc_set_load(struct oidc_set *set, const struct config *cfg, struct err *e);
void oidc_set_free(struct oidc_set *set);
/* The provider of that name, or NULL. */
struct oidc_provider *oidc_find(const struct oidc_set *set, const char *name);
const struct config_oidc *oidc_config(const struct oidc_provider *p);

/* The three secrets of one login attempt: 32 random bytes each, base64url. */
struct oidc_attempt {
	char state[48];
	char nonce[48];
	char verifier[48]; /* PKCE code_verifier; the URL carries its S256 challenge */
};
void oidc_attempt_new(struct oidc_attempt *a);

/* The provider's authorization URL for this attempt (malloc'd); lang "lv"
 * or "en" goes as ui_locales. NULL with the reason in e when the provider's
 * discovery document cannot be had. Blocks. */
char *oidc_auth_url(struct oidc_provider *p, const char *redirect_uri, const struct oidc_attempt *a, const char *lang,
		    struct err *e);

/* Why a login was refused: a short English word for the audit log. */
enum oidc_fail {
	OIDC_OK = 0,
	OIDC_UNAVAILABLE,   /* "unavailable": discovery, JWKS or the token endpoint could not be had */
	OIDC_CODE_REFUSED,  /* "code-refused": the token endpoint refused the code (used, expired, not ours) */
	OIDC_BAD_TOKEN,     /* "token": the ID token is not a JWS we accept (alg, header, claims' types) */
	OIDC_NO_KEY,        /* "key": no key of the provider's set signed it */
	OIDC_BAD_SIGNATURE, /* "signature" */
	OIDC_BAD_ISSUER,    /* "issuer" */
	OIDC_BAD_AUDIENCE,  /* "audience": aud lacks our client id, or azp is another's */
	OIDC_EXPIRED,       /* "expired": exp passed, iat too old or in the future, nbf in the future */
	OIDC_BAD_NONCE,     /* "nonce" */
	OIDC_NO_PNO         /* "no-personal-code": the configured claim is missing or malformed */
};
const char *oidc_fail_word(enum oidc_fail f);

/* Who the provider says the person is (malloc'd; oidc_person_free). */
struct oidc_person {
	char *pno;     /* "PNOLV-120389-12345" */
	char *country; /* "LV" */
	char *name;    /* "" when the provider gave none */
};
void oidc_person_free(struct oidc_person *who);

/* What an ID token must say. */
struct oidc_expect {
	const char *issuer;
	const char *client_id;
	const char *nonce;
	unsigned algs; /* 1 << JOSE_RS256 | 1 << JOSE_ES256: those the provider announced */
	const char *pno_claim;
	const char *name_claim; /* "": given_name + family_name */
	const char *country;
	time_t now;
};
/* Checks a parsed ID token whose signature was already verified: iss, aud
 * and azp, exp, iat, nbf, nonce, sub; then reads the person. OIDC_OK and
 * *who, or the reason (e says more, without personal data). */
enum oidc_fail oidc_check_claims(const struct jws *j, const struct oidc_expect *x, struct oidc_person *who,
				 struct err *e);
/* Parses, picks the key from set (by kid, for the token's alg) and verifies,
 * then oidc_check_claims(). OIDC_NO_KEY when set has no key for it. */
enum oidc_fail oidc_verify_id_token(const char *token, const struct jwks *set, const struct oidc_expect *x,
				    struct oidc_person *who, struct err *e);

/* Exchanges the code at the token endpoint and validates the ID token
 * (fetching the JWK set again, at most once a minute, when the token's kid
 * is unknown). Blocks. */
enum oidc_fail oidc_finish(struct oidc_provider *p, const char *redirect_uri, const char *code, const char *verifier,
			   const char *nonce, struct oidc_person *who, struct err *e);

/* The endpoints and algorithms of a discovery document. */
struct oidc_discovery {
	char *authorization_endpoint;
	char *token_endpoint;
	char *jwks_uri;
	unsigned algs; /* of RS256, ES256: those it announces for ID tokens */
};
/* Parses a discovery document text[0..n) for the configured issuer: its
 * issuer must be exactly that, the endpoints https:// (or, for an http://
 * issuer on loopback, on the issuer's own origin), ID tokens signed with
 * RS256 or ES256, S256 among the PKCE methods and auth among the token
 * endpoint's methods when it lists them. 0, or -1 (e). */
int oidc_discovery_parse(const char *text, size_t n, const char *issuer, const char *auth, struct oidc_discovery *d,
			 struct err *e);
void oidc_discovery_free(struct oidc_discovery *d);

#endif
