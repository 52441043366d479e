/* evidence.h — a signature's unsigned evidence as verify.c gathers it:
 * the certificates carried inside OCSP responses and time-stamp tokens
 * (so a chain can be built from everything the container holds), and the
 * record of each time-stamp and OCSP response met, usable or dropped.
 * Internal to sign/. */
#ifndef EPAK_SIGN_EVIDENCE_H
#define EPAK_SIGN_EVIDENCE_H

#include <stddef.h>
#include <time.h>

#include <libxml/tree.h>
#include <openssl/x509.h>

#include "sign/verify.h"

/* At most this many time-stamps, and as many OCSP values, are examined
 * per signature; the rest are dropped (EDOC_DROP_TOO_MANY, one record). */
#define EV_MAX_ITEMS 32
/* At most this many certificates are taken into the pool from each OCSP
 * response and each time-stamp token (of the EV_MAX_ITEMS of each kind
 * examined): a room of its own, so that a stranger's token full of junk
 * certificates cannot use up the room the real OCSP response's need. */
#define EV_MAX_CERTS_EACH 8
/* At most this many certificate values (xades:CertificateValues) are taken
 * into the pool; the rest are one EDOC_DROP_TOO_MANY record. Every pool
 * certificate costs a path builder a signature check or more. */
#define EV_MAX_CERT_VALUES 256

/* Adds to pool the certificates found inside the DER OCSP responses
 * (BasicOCSPResponse certs) and time-stamp tokens (CMS SignedData
 * certificates) under xades:UnsignedSignatureProperties usp, skipping
 * those already there. Items that do not parse are skipped here (they are
 * judged, and recorded, where they are checked). Returns the number added. */
int ev_collect_certs(xmlNodePtr usp, STACK_OF(X509) * pool);

/* Appends one record to r->evidence (memory from mem); by and why may be
 * NULL. Returns the record, or NULL when out of memory. */
struct edoc_evidence *ev_record(struct arena *mem, struct edoc_sig_result *r, enum edoc_ev_kind kind,
				enum edoc_ev_drop drop, time_t t, const char *by, const char *why);

/* "time-stamp", "OCSP response", "certificate value". */
const char *ev_kind_name(enum edoc_ev_kind k);
/* "malformed", "bad signature", ... for the JSON report. */
const char *ev_drop_name(enum edoc_ev_drop d);

#endif
