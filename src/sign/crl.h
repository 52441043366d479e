/* crl.h — certificate revocation lists (RFC 5280 §5) and the revocation of
 * the CA certificates in a signer's path, as signature validation and LT
 * signing need them. Internal to sign/.
 *
 * A CRL is used only when it is a complete, direct CRL of the certificate's
 * issuer (no delta, no indirect CRL, no reason partitions), its signature
 * verifies with that issuer's key, and it was current at the time asked
 * about (EN 319 102-1 §5.2.5: the time is not after nextUpdate, or the CRL
 * was issued after it). Everything read is bounded: CRL_MAX_BYTES of DER,
 * CRL_MAX_ENTRIES entries, and a fetch takes at most CRL_FETCH_TIMEOUT
 * seconds unless the caller sets its own bounds. */
#ifndef EPAK_SIGN_CRL_H
#define EPAK_SIGN_CRL_H

#include <stddef.h>
#include <time.h>

#include <libxml/tree.h>
#include <openssl/x509.h>

#include "sign/verify.h"

#define CRL_MAX_BYTES ((size_t)8 << 20)
#define CRL_MAX_ENTRIES 500000
#define CRL_FETCH_TIMEOUT 10L

enum crl_outcome {
	CRL_OUT_OK,       /* usable: the certificate's status is in info */
	CRL_OUT_NO_MATCH, /* a CRL of another issuer */
	CRL_OUT_FORMAT,   /* not a CRL, beyond the limits, or of a kind not supported */
	CRL_OUT_BAD_SIG,  /* the issuer's key does not verify it */
	CRL_OUT_STALE,    /* it does not cover the time asked about */
};

struct crl_info {
	int revoked; /* the certificate is listed */
	int hold;    /* listed as certificateHold (suspended) */
	time_t revoked_at;
	time_t this_update, next_update; /* next_update 0 when absent */
};

/* Checks a DER CRL about cert, issued by issuer, for the time `at`; now is
 * the current time (a CRL issued later than now is refused). why gets the
 * reason when it is not OK. */
enum crl_outcome crl_check(const unsigned char *der, size_t n, X509 *cert, X509 *issuer, time_t at, time_t now,
			   struct crl_info *info, char *why, size_t whylen);

/* The first http:// URL among cert's CRL distribution points (malloc'd), or NULL. */
char *crl_dp_url(X509 *cert);

/* What is known of one certificate's revocation. */
enum rev_state {
	REV_UNKNOWN, /* no usable evidence */
	REV_GOOD,
	REV_REVOKED,
	REV_HOLD,
};

struct rev_result {
	enum rev_state state;
	time_t revoked_at;
	char source[200]; /* where the answer came from */
	char why[300];    /* REV_UNKNOWN: why nothing could be used */
};

/* Where revocation evidence is looked for. */
struct rev_ctx {
	xmlNodePtr usp; /* xades:UnsignedSignatureProperties, or NULL */
	const struct edoc_trust *trust;
	STACK_OF(X509) * pool; /* certificates to find OCSP responders in */
	int online;            /* fetch from the certificates' URLs */
	int any_address;       /* those URLs may name internal addresses */
	size_t max;            /* largest CRL fetched, bytes */
	long timeout;          /* seconds per fetch */
	time_t at;             /* the best signature time */
	time_t now;
	void (*warn)(void *arg, const char *msg);
	void *arg;
};

/* The status of cert (issued by issuer) at c->at from CRLs alone: the
 * embedded xades:CRLValues, else (online) its distribution point. */
void crl_status(const struct rev_ctx *c, X509 *cert, X509 *issuer, struct rev_result *r);

/* The CA certificates of chain (leaf first, anchor last), except the leaf
 * and trust anchors: the first one found revoked (its index in *which), or
 * REV_GOOD. A CA whose status is unknown is named in a warning. */
void crl_chain_status(const struct rev_ctx *c, STACK_OF(X509) * chain, struct rev_result *r, int *which);

/* For LT signing: the CRL at cert's distribution point, checked against
 * issuer now and not listing cert; base64 DER (malloc'd), or NULL with e. */
char *crl_for_signing(X509 *cert, X509 *issuer, int public, struct err *e);

#endif
