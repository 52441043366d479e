/* archive.h — XAdES archive time-stamps (B-LTA): the data an
 * xadesv141:ArchiveTimeStamp covers (ETSI EN 319 132-1 §5.5.2, ETSI TS 101 903
 * §8.2 "not distributed case", as EU DSS builds it), their check, and the
 * chain of renewals. Internal to sign/; see docs/signatures.md "Archive
 * time-stamps".
 */
#ifndef EPAK_SIGN_ARCHIVE_H
#define EPAK_SIGN_ARCHIVE_H

#include <stddef.h>
#include <time.h>

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sign/edoc.h"
#include "sign/verify.h"

struct c14n_method;

#define ARC_MAX 16 /* archive time-stamps checked per signature; more are dropped */

/* One signature as the archive time-stamp sees it. The nodes are borrowed
 * from the parsed signature file; ki may be NULL. charge() counts bytes
 * about to be digested against the budgets (and looks at the deadline): 0,
 * or -1 when a budget is spent. warn() records a warning. */
struct arc_sig {
	const struct edoc *doc;
	xmlNodePtr sig, si, sv, ki, sp, usp;
	const struct edoc_trust *trust;
	STACK_OF(X509) * pool; /* certificates to find a TSA's CA in */
	time_t now;
	int (*charge)(void *arg, size_t n);
	void (*warn)(void *arg, const char *msg);
	void *arg;
};

/* Finds the nodes of the first ds:Signature of a parsed signature file
 * (doc, trust, pool and the callbacks are left as they are). -1 when the
 * signature has no UnsignedSignatureProperties. */
int arc_sig_find(xmlDocPtr x, struct arc_sig *a);

/* Digests, with md, the data that archive time-stamp `ats` covers; ats
 * NULL: a new one placed after every present unsigned property. cm is the
 * time-stamp's canonicalization. 0; -1 when a budget ran out; 1 when the
 * data cannot be built (why says so). */
int arc_digest(const struct arc_sig *a, xmlNodePtr ats, const struct c14n_method *cm, const EVP_MD *md,
	       unsigned char *out, unsigned *outlen, char *why, size_t whylen);

/* What the archive time-stamps of a signature prove. */
struct arc_result {
	size_t present; /* archive time-stamps found */
	size_t valid;   /* of them, valid and trusted */
	time_t poe;     /* genTime of the earliest valid one: proof that the signature and its
			 * validation data existed then; 0 when none is valid */
	char tsa[200];  /* its authority */
};

/* Checks every archive time-stamp of the signature, newest first: the
 * newest is validated now, each earlier one at the time of the newest valid
 * one covering it (EN 319 102-1 §5.6.3). A broken or untrusted one is
 * dropped with a warning. 0; -1 when a budget ran out. */
int arc_check(const struct arc_sig *a, struct arc_result *out);

#endif
