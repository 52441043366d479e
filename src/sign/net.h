/* net.h — the few HTTP exchanges signing and validation need (OCSP, RFC 3161
 * time-stamps, CA certificates), over libcurl with tight bounds: http and
 * https only, 20 s, 1 MiB answers. They block: the web layer must call them
 * from a worker thread, never from an event loop. net_fetch() is also what
 * src/oidc speaks to identity providers with; the rest is internal to sign/. */
#ifndef EPAK_SIGN_NET_H
#define EPAK_SIGN_NET_H

#include <stddef.h>

#include <openssl/x509.h>

#include "core/buf.h"
#include "sign/edoc.h"

/* One exchange for a caller that sets its own bounds (src/oidc): a GET, or
 * a POST of body when body is set. URLs are the operator's (configured, or
 * named by a configured provider's discovery document), so any address is
 * allowed, but a redirect is never followed: a 3xx is an error. The answer
 * is kept whatever its status (an OAuth error comes as 400 with JSON). */
struct net_request {
	const char *url;
	const char *ctype;         /* of body */
	const void *body;          /* NULL: GET */
	size_t n;                  /* bytes of body */
	const char *authorization; /* "Basic ..." or NULL; never logged */
	size_t max;                /* largest answer, bytes */
	long timeout;              /* seconds for the whole exchange */
};
/* 0 and *status (any HTTP status but 3xx) with the answer in out (at most
 * q->max bytes); -1 with the reason (the URL and what failed, never the
 * body or the authorization) in e. */
int net_fetch(const struct net_request *q, struct buf *out, long *status, struct err *e);

int net_post(const char *url, const char *ctype, const void *body, size_t n, struct buf *out, struct err *e);
int net_get(const char *url, struct buf *out, struct err *e);

/* The first OCSP or caIssuers URL of a certificate's AIA (malloc'd), or NULL. */
char *net_aia_url(X509 *x, int ocsp);

/* Asks an OCSP responder about cert. With nonce set, a random nonce is sent
 * and must come back. Returns the DER response (malloc'd). */
unsigned char *net_ocsp_fetch(X509 *cert, X509 *issuer, const char *url, int nonce, size_t *n, struct err *e);

/* Fetches the issuer certificate from the AIA caIssuers URL, if any. */
X509 *net_fetch_issuer(X509 *cert, struct err *e);

/* The same for URLs taken from a certificate rather than configured by the
 * operator: only to public addresses (each resolved address is checked
 * before connecting), never following redirects. */
unsigned char *net_ocsp_fetch_public(X509 *cert, X509 *issuer, const char *url, int nonce, size_t *n, struct err *e);
X509 *net_fetch_issuer_public(X509 *cert, struct err *e);

/* The same with a nonce, within timeout seconds (0: 20), only to public
 * addresses when public is set (a URL from a certificate), else anywhere
 * (an operator's responder). */
unsigned char *net_ocsp_fetch_within(X509 *cert, X509 *issuer, const char *url, int public, long timeout, size_t *n,
				     struct err *e);

/* A CRL from a distribution point: http:// only, no redirects, at most max
 * bytes within timeout seconds, only to public addresses when public is set.
 * Returns the DER (malloc'd, *n bytes) or NULL with e. */
unsigned char *net_crl_fetch(const char *url, int public, size_t max, long timeout, size_t *n, struct err *e);

struct sockaddr;
/* 1 when sa is loopback, private, link-local or otherwise not public. */
int net_addr_internal(const struct sockaddr *sa);

#endif
