/* pki.h — trust anchors, certificate paths, OCSP responses and RFC 3161
 * time-stamp tokens, as the signature checks need them. Internal to sign/. */
#ifndef EPAK_SIGN_PKI_H
#define EPAK_SIGN_PKI_H

#include <stddef.h>
#include <time.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "sign/verify.h"

/* When an anchor may end a path: always (a configured certificate), or only
 * within the periods a trusted list granted its service (tsl.c). */
struct tsl_period {
	time_t from, to; /* [from, to); to 0: still granted */
};

struct anchor_when {
	unsigned char fp[32]; /* SHA-256 of the certificate: finding duplicates */
	int always;
	size_t n;
	struct tsl_period *v;
};

struct tsl_pending;
struct tsl_info;

struct edoc_trust {
	STACK_OF(X509) * anchors;
	struct anchor_when *when;      /* one per anchor, same index; an anchor */
	size_t nwhen, when_cap;        /* pushed without one (at or past nwhen) is always usable */
	STACK_OF(X509) * list_signers; /* trust-list-signer: who may sign a trusted list */
	struct tsl_pending *pending;   /* lists read, checked by edoc_trust_finish */
	size_t npending;
	struct tsl_info *lists; /* lists loaded */
	size_t nlists;
};

/* Adds x (up-referenced) as an anchor: always when p is NULL, else for the
 * period p as well as any it already had. */
int pki_add_anchor(struct edoc_trust *t, X509 *x, const struct tsl_period *p);
/* The anchor whose DER encoding is der (borrowed), or NULL. */
X509 *pki_anchor_by_der(const struct edoc_trust *t, const unsigned char *der, size_t n);
/* Whether anchor i may end a path at time at. */
int pki_anchor_usable(const struct edoc_trust *t, int i, time_t at);

/* Validates a path from leaf to an anchor at time `at`, using only the
 * anchors usable at `at` (pki_anchor_usable). Anchors may be
 * intermediates or end-entity certificates (partial chains are accepted);
 * their own validity periods are not checked (RFC 5280 §6.1.1 d). purpose is
 * an X509_PURPOSE_* or 0. On success *chain (leaf first, anchor last) is set
 * when chain is not NULL; on failure *err is the X509_V_ERR_* found. */
int pki_verify_chain(const struct edoc_trust *t, X509 *leaf, STACK_OF(X509) * untrusted, time_t at, int purpose,
		     STACK_OF(X509) * *chain, int *err, X509 **err_cert);
int pki_is_anchor(const struct edoc_trust *t, X509 *x);
/* The issuer of x among the certificates given and the anchors (borrowed). */
X509 *pki_find_issuer(const struct edoc_trust *t, STACK_OF(X509) * pool, X509 *x);
/* Maps a path-validation error to an EN 319 102-1 result. */
void pki_chain_verdict(int err, int leaf, enum edoc_indication *ind, enum edoc_subindication *sub);

enum ocsp_outcome {
	OCSP_OUT_OK,
	OCSP_OUT_FORMAT,    /* not a successful basic OCSP response */
	OCSP_OUT_NO_MATCH,  /* says nothing about this certificate */
	OCSP_OUT_BAD_SIG,   /* the response's signature does not verify */
	OCSP_OUT_UNTRUSTED, /* the responder is not authorized or trusted */
};

struct ocsp_info {
	int status; /* V_OCSP_CERTSTATUS_* */
	time_t produced_at;
	time_t this_update;
	time_t revoked_at;
	unsigned char nonce[80];
	size_t nonce_len;    /* 0 when the response has none */
	char responder[200]; /* subject CN of the responder */
};

/* Checks a DER OCSP response about cert (issued by issuer) found at `at`.
 * pool: extra certificates to find the responder in. why gets a reason. */
enum ocsp_outcome pki_check_ocsp(const unsigned char *der, size_t n, X509 *cert, X509 *issuer,
				 const struct edoc_trust *t, STACK_OF(X509) * pool, struct ocsp_info *info, char *why,
				 size_t whylen);

enum ts_outcome {
	TS_OUT_OK,
	TS_OUT_FORMAT,
	TS_OUT_BAD_SIG,
	TS_OUT_IMPRINT,   /* signed, but over other data */
	TS_OUT_UNTRUSTED, /* the TSA does not chain to an anchor */
};

struct ts_info {
	time_t gen_time;
	char tsa[200];
	int chain_err;
};

enum ts_outcome pki_check_ts(const unsigned char *der, size_t n, const void *data, size_t dlen,
			     const struct edoc_trust *t, STACK_OF(X509) * pool, struct ts_info *info, char *why,
			     size_t whylen);

/* What a token is checked against: the data itself (digest NULL), or a
 * digest computed with the token's own algorithm (pki_ts_imprint_md); and
 * the time the TSA's path is validated at (0: the token's genTime). */
struct ts_data {
	const void *data;
	size_t len;
	const unsigned char *digest;
	size_t dlen;
	time_t at;
};
enum ts_outcome pki_check_ts_at(const unsigned char *der, size_t n, const struct ts_data *d, const struct edoc_trust *t,
				STACK_OF(X509) * pool, struct ts_info *info, char *why, size_t whylen);
/* The digest algorithm of a token's message imprint; NULL if unreadable. */
const EVP_MD *pki_ts_imprint_md(const unsigned char *der, size_t n);

#endif
