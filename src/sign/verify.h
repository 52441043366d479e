/* verify.h — validating the XAdES signatures of an ASiC-E container.
 *
 * Each signature gets a result in the terms of ETSI EN 319 102-1: an
 * indication (TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE) and, unless passed,
 * a sub-indication, with a one-line reason in English. docs/signatures.md
 * lists every check and the sub-indication it yields.
 *
 * Trust comes only from the anchors in struct edoc_trust (certificates the
 * operator configured: roots, intermediates, or a responder or TSA
 * certificate trusted as such). Nothing from the container is trusted.
 */
#ifndef EPAK_SIGN_VERIFY_H
#define EPAK_SIGN_VERIFY_H

#include <stddef.h>
#include <time.h>

#include "sign/edoc.h"

enum edoc_indication {
	EDOC_TOTAL_PASSED,
	EDOC_TOTAL_FAILED,
	EDOC_INDETERMINATE,
};

#define EDOC_SUBINDICATIONS(X)                                                                                         \
	X(NONE)                                                                                                        \
	X(FORMAT_FAILURE)                                                                                              \
	X(HASH_FAILURE)                                                                                                \
	X(SIG_CRYPTO_FAILURE)                                                                                          \
	X(REVOKED)                                                                                                     \
	X(EXPIRED)                                                                                                     \
	X(NOT_YET_VALID)                                                                                               \
	X(SIG_CONSTRAINTS_FAILURE)                                                                                     \
	X(CHAIN_CONSTRAINTS_FAILURE)                                                                                   \
	X(CERTIFICATE_CHAIN_GENERAL_FAILURE)                                                                           \
	X(CRYPTO_CONSTRAINTS_FAILURE_NO_POE)                                                                           \
	X(NO_SIGNING_CERTIFICATE_FOUND)                                                                                \
	X(NO_CERTIFICATE_CHAIN_FOUND)                                                                                  \
	X(REVOKED_NO_POE)                                                                                              \
	X(REVOKED_CA_NO_POE)                                                                                           \
	X(OUT_OF_BOUNDS_NO_POE)                                                                                        \
	X(REVOCATION_OUT_OF_BOUNDS_NO_POE)                                                                             \
	X(TIMESTAMP_ORDER_FAILURE)                                                                                     \
	X(SIGNED_DATA_NOT_FOUND)                                                                                       \
	X(TRY_LATER)                                                                                                   \
	X(GENERIC)

#define EDOC_SUB_ENUM(name) EDOC_SUB_##name,
enum edoc_subindication { EDOC_SUBINDICATIONS(EDOC_SUB_ENUM) };
#undef EDOC_SUB_ENUM

const char *edoc_indication_name(enum edoc_indication ind);
const char *edoc_subindication_name(enum edoc_subindication sub);

/* Trust anchors. */
struct edoc_trust;
struct edoc_trust *edoc_trust_new(void);
void edoc_trust_free(struct edoc_trust *t);
/* Adds every certificate of a PEM (or DER) file; -1 if none could be read.
 * An XML file must be an ETSI TS 119 612 trusted list: it is parsed and kept
 * for edoc_trust_finish. A folder adds each of its files. */
int edoc_trust_add_file(struct edoc_trust *t, const char *path, struct err *e);
int edoc_trust_add_pem(struct edoc_trust *t, const void *p, size_t n, struct err *e);
size_t edoc_trust_count(const struct edoc_trust *t);
/* The certificates (PEM file) a trusted list's signature is checked against:
 * the supervisory body's, or the EU list of lists' signer. */
int edoc_trust_add_list_signer(struct edoc_trust *t, const char *path, struct err *e);
/* Checks every trusted list added (lists of lists first, whose pointers name
 * the member states' signers) and takes their CA/QC and TSA services as
 * anchors, each usable only while its service was granted. -1 with e naming
 * the list and why (no signer configured, signature or digest wrong, signed
 * by another key, a cap); the trust must then not be used. */
int edoc_trust_finish(struct edoc_trust *t, struct err *e);
size_t edoc_trust_list_count(const struct edoc_trust *t);
/* The loaded lists whose NextUpdate is before now; out: a note on the first. */
size_t edoc_trust_stale(const struct edoc_trust *t, time_t now, char *out, size_t cap);

/* Budgets against hostile containers; zero fields take the default. When
 * one runs out, the signature being checked and every later one are
 * INDETERMINATE/GENERIC with a reason naming the budget, the report's limit
 * says which, and nothing more is hashed. Each (data file, digest
 * algorithm) is hashed at most once per container, whatever the number of
 * signatures referencing it. */
struct edoc_verify_opts {
	const struct edoc_trust *trust; /* may be NULL: nothing is trusted */
	int offline;                    /* never fetch OCSP responses */
	time_t now;                     /* 0: the current time */
	size_t max_sigs;                /* ds:Signature elements checked per container (1000) */
	size_t max_hashed;              /* bytes digested per container: data files, signed properties (1 GiB) */
	struct timespec deadline;       /* CLOCK_MONOTONIC; {0, 0}: none */
	/* Fetching OCSP responses, issuer certificates (AIA) and CRLs (online
	 * only): the URLs come from certificates, so only public addresses
	 * unless any_address (a closed network, the tests); CRLs max_crl bytes
	 * (8 MiB) within crl_timeout seconds (10). */
	int any_address;
	size_t max_crl;
	long crl_timeout;
};

enum edoc_limit {
	EDOC_LIMIT_NONE,
	EDOC_LIMIT_SIGNATURES, /* more ds:Signature elements than max_sigs */
	EDOC_LIMIT_HASHED,     /* more bytes to digest than max_hashed */
	EDOC_LIMIT_TIME,       /* the deadline passed */
};

/* One piece of unsigned evidence met while checking a signature (EN 319
 * 102-1 keeps what verifies and drops the rest: an unsigned part can never
 * make a signature fail). */
enum edoc_ev_kind {
	EDOC_EV_TIMESTAMP, /* a xades:SignatureTimeStamp */
	EDOC_EV_OCSP,      /* a xades:EncapsulatedOCSPValue */
	EDOC_EV_CERT,      /* a xades:EncapsulatedX509Certificate */
};

enum edoc_ev_drop {
	EDOC_DROP_NONE,          /* usable */
	EDOC_DROP_MALFORMED,     /* does not parse (base64, DER, canonicalization) */
	EDOC_DROP_BAD_SIGNATURE, /* its signature does not verify */
	EDOC_DROP_OTHER_DATA,    /* a time-stamp over other data than this signature value */
	EDOC_DROP_OTHER_CERT,    /* an OCSP response about other certificates */
	EDOC_DROP_UNTRUSTED,     /* the TSA or OCSP responder is not trusted or authorized */
	EDOC_DROP_TOO_MANY,      /* past the number of items looked at */
};

struct edoc_evidence {
	enum edoc_ev_kind kind;
	enum edoc_ev_drop drop; /* EDOC_DROP_NONE: usable */
	time_t time;            /* genTime or producedAt; 0 when unknown */
	char *by;               /* the TSA's or responder's subject CN, may be NULL */
	char *why;              /* why it was dropped (English), NULL when usable */
};

struct edoc_sig_result {
	char *file; /* the signature file, e.g. META-INF/signatures0.xml */
	char *id;   /* ds:Signature/@Id, may be NULL */
	enum edoc_indication ind;
	enum edoc_subindication sub;
	char *reason;        /* why it did not pass; NULL when passed */
	char *signer_cn;     /* subject commonName of the signing certificate */
	char *signer_serial; /* subject serialNumber (e.g. PNOLV-...) */
	char *signer_subject;
	int trusted;   /* the signing certificate's path to a trust anchor was built */
	int unchecked; /* a budget ran out before it was fully checked (INDETERMINATE/GENERIC) */
	/* What was confirmed before the verdict, for a report that says what
	 * is known even when the signature is not confirmed as a whole. */
	int intact;          /* every signed file and the signed details match their digests */
	int value_ok;        /* the signature value verifies with the signing certificate's key */
	int status_ok;       /* an acceptable OCSP response says the certificate was good when signed */
	int temporary;       /* TRY_LATER because a responder did not answer: a later try may confirm it */
	char *changed;       /* the data file whose digest no longer matches (HASH_FAILURE), else NULL */
	char *profile;       /* "B", "T", "LT", "LT-TM" */
	time_t claimed_time; /* xades:SigningTime, 0 if unknown */
	time_t ts_time;      /* genTime of the signature time-stamp, 0 if none */
	time_t ocsp_time;    /* producedAt of the OCSP response used, 0 if none */
	char *tsa;           /* time-stamp authority subject CN */
	char **covered;      /* data files this signature covers */
	size_t ncovered;
	char **warnings;
	size_t nwarnings;
	/* every time-stamp and OCSP response looked at (usable or dropped, in
	 * document order) and every certificate value dropped */
	struct edoc_evidence *evidence;
	size_t nevidence;
};

struct edoc_report {
	struct arena *mem;     /* everything below lives here */
	int container_ok;      /* 0: the container itself was refused */
	char *container_error; /* why, when it was */
	char **files;          /* data file names */
	size_t nfiles;
	/* what the container was read leniently for (struct edoc's warnings):
	 * they never change a signature's verdict or the status */
	char **container_warnings;
	size_t ncontainer_warnings;
	struct edoc_sig_result *sigs;
	size_t nsigs;
	enum edoc_limit limit; /* the budget that ran out, if one did */
	size_t bytes_hashed;   /* bytes digested: data files (once per algorithm), signed properties */
	size_t file_digests;   /* digests of data files computed */
};

/* Validates every signature of doc. Always fills out (free it with
 * edoc_report_free); returns the exit status of `epak verify`: 0 all
 * passed, 1 any failed, 2 any indeterminate (and none failed). A container
 * without signatures counts as failed. */
int edoc_verify(const struct edoc *doc, const struct edoc_verify_opts *o, struct edoc_report *out);
/* Opens and validates a container in memory; status 3 when unreadable. */
int edoc_verify_mem(const void *p, size_t n, const struct edoc_verify_opts *o, struct edoc_report *out);
void edoc_report_free(struct edoc_report *r);
int edoc_report_status(const struct edoc_report *r);

/* Renders a report: plain text for people, or JSON. Malloc'd. */
char *edoc_report_text(const struct edoc_report *r);
char *edoc_report_json(const struct edoc_report *r);

#endif
