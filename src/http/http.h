/* http.h — what a page handler sees of a request, and how it answers.
 *
 * A handler gets a struct req, reads what it needs (route parameters, query,
 * form, cookies), and answers exactly once with one of the resp_* calls.
 * All memory it takes from r->arena lives until the response is sent.
 */
#ifndef EPAK_HTTP_H
#define EPAK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/errors.h"
#include "core/i18n.h"
#include "core/when.h" /* now_usec */
#include "http/router.h"

struct site;
struct worker;
typedef struct st_h2o_req_t h2o_req_t;
struct kvlist;
struct multipart;
struct sockaddr_storage;

struct req {
	h2o_req_t *h;
	struct arena *arena;
	const struct site *site;
	struct worker *worker;
	enum lang lang;
	const char *path; /* without the language prefix and query; NUL-terminated */
	size_t path_len;
	const char *query; /* after '?', or NULL */
	size_t query_len;
	struct route_match match;
	unsigned flags; /* the matched route's flags */
	int is_head;
	int is_tls;
	int answered;
	int answered_async; /* handed to the worker pool; it will answer */
	long long t0_usec;
	struct kvlist *query_kv; /* lazily parsed */
	const char *query_bad;   /* why the query did not parse, or NULL */
	struct kvlist *form;     /* parsed body fields, when the route asks */
	struct multipart *multipart;
	void *owned;             /* the dispose record of server.c */
	struct kvlist *cookies;  /* lazily parsed */
	const char *csrf_cookie; /* the browser's CSRF cookie value, or a new one */
	int csrf_cookie_new;
	const void *user;          /* the layer above's per-request state (web: the person logged in) */
	int user_looked;           /* user has been looked up */
	const char *session_token; /* the layer above's: a session cookie this answer sets (arena) */
	int sets_cookie;           /* a Set-Cookie header was added: the answer is stored nowhere */
};

/* Route parameter i, decoded, NUL-terminated (arena), or NULL. */
const char *req_param(struct req *r, int i);
/* First query parameter of that name, or NULL. */
const char *req_query(struct req *r, const char *name);
/* First form field of that name, or NULL (only on ROUTE_FORM routes). */
const char *req_form(const struct req *r, const char *name);
const char *req_cookie(struct req *r, const char *name);
/* The request's host and port as the client named them (Host, or the
 * HTTP/2 :authority), or NULL; arena copy. */
const char *req_host(struct req *r);
/* A request header (first occurrence), or NULL; arena copy. */
const char *req_header(struct req *r, const char *name);
/* Calls fn(arg) when the request is over (its memory is being released). */
int req_on_done(struct req *r, void (*fn)(void *arg), void *arg);
/* Why the query string does not parse (a bad %-escape, NUL, invalid UTF-8,
 * too many fields), or NULL when it does or there is none. */
const char *req_query_error(struct req *r);
/* The client's address: the TCP peer, or, when the peer is one of
 * trusted-proxies, the last address of its X-Forwarded-For. 0 when unknown. */
unsigned req_client_sockaddr(struct req *r, struct sockaddr_storage *ss);
/* The TCP peer's address itself (a proxy's, behind one); 0 when unknown. */
unsigned req_peer_sockaddr(struct req *r, struct sockaddr_storage *ss);
/* The network the request came from, for rate limits: IPv4 /24
 * ("192.0.2.0/24"), IPv6 /64 ("2001:db8:1:2::/64"), "unknown" (arena). The
 * client of req_client_sockaddr (behind a trusted proxy, the forwarded one). */
const char *req_client_net(struct req *r);
/* The same client's address as text ("192.0.2.7", "2001:db8::1"), for the
 * audit log; "unknown" when there is none (arena). */
const char *req_client_ip(struct req *r);

/* Where a TLS client certificate came from (req_client_cert). */
enum client_cert {
	CLIENT_CERT_NONE = 0,  /* none offered */
	CLIENT_CERT_TLS,       /* this connection's TLS handshake (tls-client-listen) */
	CLIENT_CERT_PROXY,     /* X-Client-Cert from one of auth-cert-proxies */
	CLIENT_CERT_UNTRUSTED, /* X-Client-Cert from an address that is not one of them: refuse, audit */
	CLIENT_CERT_BAD_HEADER /* X-Client-Cert from a proxy, but not one PEM certificate */
};
/* The client certificate of the request (DER, the leaf only; *der in the
 * arena or the connection's memory, alive until the response) and where it
 * came from. Nothing is checked here but its origin: chain, validity,
 * purpose and revocation are the caller's (sign layer). */
enum client_cert req_client_cert(struct req *r, const unsigned char **der, size_t *der_len);
/* The other certificates the client sent in the handshake with it (on the
 * tls-client-listen address): DER certificates one after another, at most
 * 8 and 64 KiB. 0 and *der when there are any, else -1. Untrusted: only
 * to help build a path to a trust anchor. */
int req_client_cert_chain(struct req *r, const unsigned char **der, size_t *der_len);
/* 1 when the request came in on the tls-client-listen address. */
int req_on_cert_listener(struct req *r);
/* The path of this page in the other language (for the language switch). */
const char *req_path_in(struct req *r, enum lang lang);

/* Flags for resp_send. */
enum resp_flags {
	RESP_NO_STORE = 1 << 0,   /* Cache-Control: no-store (forms, personal pages) */
	RESP_IMMUTABLE = 1 << 1,  /* Cache-Control: immutable, one year (hashed static files) */
	RESP_NO_PERSONAL = 1 << 2 /* HTML sent as it is, without the person's block (site.h) */
};

/* Answers with bytes the caller keeps alive (static, cached, or arena). */
void resp_send(struct req *r, int status, const char *content_type, const char *body, size_t len, unsigned flags);
/* Answers with a buffer; takes ownership of b's bytes. */
void resp_send_buf(struct req *r, int status, const char *content_type, struct buf *b, unsigned flags);
/* Answers with prepared bytes: gz (may be NULL) and etag computed beforehand. */
void resp_send_prepared(struct req *r, int status, const char *content_type, const char *body, size_t len,
			const char *gz, size_t gz_len, const char *etag, unsigned flags);
/* Serves a ROUTE_CACHE page from the thread's cache; 1 when it did. */
int resp_from_cache(struct req *r);
void resp_redirect(struct req *r, int status, const char *location);
/* An error page (HTML, through site->render_error) or {code, hint, detail}
 * (JSON routes, clients that ask for JSON). detail may be NULL. */
void resp_error(struct req *r, enum err_code code, const char *detail);
/* Appends the JSON error body {"code","hint","detail"} of the error registry
 * (hint in lang; detail null when NULL) to out. */
void resp_error_json(struct buf *out, enum lang lang, enum err_code code, const char *detail);
void resp_add_header(struct req *r, const char *name, const char *value);

/* CSRF: the token to put into a form's hidden "_csrf" field (sets the
 * cookie when the browser has none). */
const char *csrf_token(struct req *r);
int csrf_check(struct req *r);
/* The browser's CSRF cookie (or the one this answer sets), or NULL: what
 * binds a login in progress to the browser that started it. */
const char *csrf_cookie_value(struct req *r);
/* 1 when people reach this request over TLS: directly, or through a proxy
 * in front when public-url says https. Cookies are then Secure and
 * __Host-, and the answer carries HSTS. */
int req_secure(const struct req *r);
/* Gives the browser a new CSRF cookie (at login and logout, so that a
 * token seen before is worth nothing after). */
void csrf_renew(struct req *r);
/* The part of the check that needs no body: the browser's CSRF cookie and,
 * when it tells, Sec-Fetch-Site. 0 when the request may go on to be parsed. */
int csrf_precheck(struct req *r);
/* 1 when the request has no Origin header or it is this site's origin
 * (public-url's, or the request's own scheme and Host); "null" is not. */
int csrf_origin_ok(struct req *r);

#endif
