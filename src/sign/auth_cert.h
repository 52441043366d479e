/* auth_cert.h — is this certificate a person's eID authentication
 * certificate that we may log them in with, and who is it?
 *
 * One check for every way of logging in with the eID card (Web eID,
 * src/sign/webeid.h; the TLS client certificate): the path to a configured
 * trust anchor (through the configured intermediates and any the client
 * sent), the validity period, the purpose (authentication, never the
 * signing certificate) and revocation by OCSP, then the name and personal
 * code from the subject. The first check that fails decides, in the order
 * of enum auth_cert_result.
 *
 * Blocking: asks an OCSP responder over the network (bounded by the
 * timeout). Call it from the worker pool (http/async.h), never from an
 * event loop. The context is shared by all threads.
 */
#ifndef EPAK_SIGN_AUTH_CERT_H
#define EPAK_SIGN_AUTH_CERT_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "core/err.h"

/* Why a certificate was accepted or refused. In the order checked. */
enum auth_cert_result {
	AUTH_CERT_OK,
	AUTH_CERT_BAD_FORMAT,       /* not an X.509 certificate (PEM or base64/raw DER) */
	AUTH_CERT_UNTRUSTED,        /* no path to a trust anchor: a foreign or self-made certificate */
	AUTH_CERT_NOT_YET_VALID,    /* before its notBefore (or a CA's on the path) */
	AUTH_CERT_EXPIRED,          /* after its notAfter (or a CA's on the path) */
	AUTH_CERT_NOT_FOR_AUTH,     /* a signing certificate (nonRepudiation), a CA, or no clientAuth */
	AUTH_CERT_NO_IDENTITY,      /* no personal code (subject serialNumber PNOxx-...) or no name */
	AUTH_CERT_REVOKED,          /* the OCSP responder says revoked */
	AUTH_CERT_OCSP_UNKNOWN,     /* the OCSP responder does not know the certificate */
	AUTH_CERT_OCSP_UNAVAILABLE, /* no OCSP URL, no answer in time, or an answer we cannot trust */
	AUTH_CERT_INTERNAL,         /* out of memory, no trust anchors configured */
};

/* A short English word for the audit log and operators ("ok", "bad_format",
 * "untrusted", "not_yet_valid", "expired", "not_for_auth", "no_identity",
 * "revoked", "ocsp_unknown", "ocsp_unavailable", "internal"). */
const char *auth_cert_reason(enum auth_cert_result r);
/* A sentence for the person (an English msgid; po/ has Latvian), saying
 * what to do. */
const char *auth_cert_message(enum auth_cert_result r);

/* Settings (src/core/config.c: auth-trust, trust, sign-ca, auth-ocsp-url,
 * auth-ocsp-timeout). Strings are copied. */
struct auth_cert_opts {
	const char *trust_file; /* PEM (or DER) file of trust anchors; required */
	const char *ca_file;    /* PEM file of intermediate CAs, or NULL/"" */
	const char *ocsp_url;   /* a configured responder (any address), or NULL/"": each
				 * certificate's AIA OCSP URL, fetched only from public addresses */
	int ocsp_timeout;       /* seconds for one OCSP exchange; 0: 5 */
	int cache_ttl;          /* seconds a "good" answer is reused; 0: 300; -1: no cache */
	size_t cache_max;       /* entries in that cache; 0: 4096 */
};

struct auth_cert_ctx;
/* NULL with e set when a file cannot be read or holds no certificate. */
struct auth_cert_ctx *auth_cert_new(const struct auth_cert_opts *o, struct err *e);
void auth_cert_free(struct auth_cert_ctx *c);

/* Who the certificate names. Plain NUL-terminated UTF-8. */
struct auth_identity {
	char pno[64];     /* the subject serialNumber: "PNOLV-010190-12345", "PNOEE-38001085718" */
	char country[3];  /* "LV", "EE", ... from the code's prefix */
	char name[256];   /* "ANNA BĒRZIŅA": given name + surname, else the CN */
	char serial[80];  /* the certificate's serial number, hex (audit: which certificate) */
	time_t not_after; /* the certificate's end of validity */
};

/* Checks leaf at time now (0: the current time). extra: certificates the
 * client sent with it (untrusted, only to build the path), may be NULL.
 * On AUTH_CERT_OK fills *id. why (may be NULL) gets a line for the server
 * log: it never names the person, and may name a responder or the CA. */
enum auth_cert_result auth_cert_check(struct auth_cert_ctx *c, X509 *leaf, STACK_OF(X509) * extra, time_t now,
				      struct auth_identity *id, char *why, size_t whylen);
/* The same for a certificate as bytes: DER, PEM ("-----BEGIN
 * CERTIFICATE-----", e.g. nginx's $ssl_client_escaped_cert once
 * percent-decoded) or base64 DER text. AUTH_CERT_BAD_FORMAT when it is none
 * of them. */
enum auth_cert_result auth_cert_check_bytes(struct auth_cert_ctx *c, const void *p, size_t n, time_t now,
					    struct auth_identity *id, char *why, size_t whylen);

/* The personal code of a subject serialNumber: "PNO" + ISO 3166 country +
 * "-" + the national code (for LV exactly DDMMYY-NNNNN; elsewhere 1 to 40
 * ASCII letters, digits and '-'). 0 and country on success, -1 otherwise. */
int auth_pno_parse(const char *serial, char country[3]);

/* Forgets every cached OCSP answer (tests; an operator's reload). */
void auth_cert_cache_clear(struct auth_cert_ctx *c);

#endif
