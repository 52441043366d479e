/* auth.h — who is asking: people's sessions, logging in and out, roles.
 *
 * A session is a row of login_session keyed by the SHA-256 of a 256-bit
 * random token; the browser holds only the token, in the cookie
 * "__Host-epak_session" (HttpOnly, Secure, SameSite=Lax) on TLS and
 * "epak_session" on plain HTTP (development). It ends after `session-idle`
 * seconds without a request or `session-max` seconds after login, at logout,
 * or at "log out everywhere". Every login and every change of privilege
 * makes a new token; a token the server did not issue is never accepted.
 *
 * Each way of logging in (password.c, login_webeid.c, login_oidc.c,
 * login_cert.c) checks who the person is and then calls auth_login(); a
 * refusal calls auth_refuse(). Both write the audit log.
 */
#ifndef EPAK_WEB_AUTH_H
#define EPAK_WEB_AUTH_H

#include <jansson.h>

#include "http/http.h"
#include "store/account.h"

/* Who a way of logging in found. Strings are the caller's (arena). */
struct identity {
	const char *method;  /* "webeid", "tls", "oidc:NAME", "password" (audit and "last login") */
	const char *pno;     /* personal code "PNOLV-120389-12345", or NULL when none */
	const char *country; /* "LV" (from the code's prefix or the provider), or NULL */
	const char *name;    /* the person's name as the certificate or provider gives it */
	const char *subject; /* a stable id when there is no personal code ("oidc:NAME:sub"), or NULL */
	long long account;   /* staff password login: the account already found; 0 otherwise */
	int otp_pending;     /* the password was right; the second factor comes next */
};

/* The person of this request, or NULL for an anonymous visitor. Looked up
 * once per request (and its idle clock moved at most once a minute). */
struct person {
	long long account;
	long long session_created;
	int staff;
	unsigned roles; /* enum role */
	const char *name;
	const char *method;
	const char *pno; /* this session's personal code (owner only), or "" */
	const char *country;
	const char *session_id; /* hash, for "this session" in /profils */
	int otp_pending;        /* password accepted, second factor not yet */
	int notice;             /* the first page after login: say when the last login was */
	long long prev_login_at;
	const char *prev_method;
	int ninst;
	const char *institutions[ACCOUNT_MAX_INSTITUTIONS]; /* of ROLE_INSTITUTION */
};
const struct person *auth_person(struct req *r);
/* The same, also while a password login waits for its second factor. */
const struct person *auth_session(struct req *r);
/* 1 when the person holds the role (for ROLE_INSTITUTION: for that
 * institution's slug; NULL: any). */
int auth_has_role(struct req *r, unsigned role, const char *institution);

/* How auth_login answers. */
enum auth_answer {
	AUTH_REDIRECT, /* 303 to next */
	AUTH_JSON      /* 200 {"redirect": next} (the Web eID page's fetch) */
};

/* Logs the person in and answers r: finds the account by the personal
 * code's keyed hash (a citizen's is made on first login; a disabled one is
 * refused), ends the browser's previous session, starts a new one with a
 * new cookie (and a new CSRF cookie), records the login in the audit log,
 * and sends the person to next when auth_next_ok(next), else to /profils. */
void auth_login(struct req *r, const struct identity *id, const char *next, enum auth_answer how);
/* A change of privilege (a second factor set up): the person's session gets
 * a new id and cookie in place of the old one; nothing is answered. 0 on
 * success; otherwise r has been answered. */
int auth_renew(struct req *r, const struct identity *id);
/* Refuses a login and answers r: an audit entry (method, reason: a short
 * English word for operators, no personal data) and the login page again
 * with msg (an English msgid, translated to r->lang) at status 403, or a
 * JSON error on AUTH_JSON. account: the account concerned, or 0. */
void auth_refuse(struct req *r, const char *method, long long account, const char *reason, const char *msg,
		 enum auth_answer how);
/* A security event for the audit log (actor: the person of r or "system").
 * detail names objects by id, never personal data. */
void auth_audit(struct req *r, long long account, const char *action, const char *method, int ok, const char *detail);

/* Ends this browser's session (everywhere: all of the person's sessions),
 * clears its cookie and renews the CSRF cookie. 0 on success. */
int auth_logout(struct req *r, int everywhere);

/* The keyed hash of a personal code (or another stable subject). */
struct app;
void auth_pno_hash(const struct app *app, const char *pno, char out[65]);

/* Deletes ended sessions, used login secrets, and audit rows and unused
 * citizens' accounts past their retention. */
struct db;
struct config;
int auth_purge(struct db *db, const struct config *cfg, long long now);

/* The login page (page_login.c) with an error message (msgid) or none,
 * and the return path to keep (NULL: the request's ?next= or form field). */
void login_page(struct req *r, int status, const char *msg, const char *next);
/* The context of the login pages: title (msgid), CSRF token, the checked
 * return path, the message. */
json_t *login_ctx(struct req *r, const char *title, const char *msg, const char *next);

/* The ways of logging in and the pages around them. */
void login_password_ctx(struct req *r, json_t *ctx);
void login_webeid_ctx(struct req *r, json_t *ctx);
void login_cert_ctx(struct req *r, json_t *ctx); /* login_cert.c */
void login_oidc_ctx(struct req *r, json_t *ctx); /* login_oidc.c: a button per identity provider */
void profile_staff_ctx(struct req *r, const struct person *p, json_t *ctx);
/* "eID card (Web eID)", "password and one-time code", … for a method. */
const char *login_method_label(struct req *r, const char *method);
/* The site's personal callback (site.h). */
int web_personal(struct req *r, struct buf *out);

/* 1 when next is a local path this site may send a person to after login:
 * starts with one '/', no "//", no '\\', no control bytes, no scheme, also
 * after percent-decoding. */
int auth_next_ok(const char *next);

/* A hash identifying this browser (of its CSRF cookie), for binding a
 * challenge to the browser that asked; NULL when it has no CSRF cookie. */
const char *auth_browser(struct req *r);

/* One attempt against a budget: max per window seconds for subject (a
 * network, a browser, a login name: kept only as a keyed hash) under kind.
 * DB_OK, RATE_LIMITED (store/ratelimit.h) or a DB_E* error. */
int auth_take(struct req *r, const char *kind, const char *subject, long long window, long long max);

/* Single-use secrets of a login in progress (table auth_token; kind
 * "webeid", "oidc", "reset", "recovery"). put keeps SHA-256(secret) for ttl
 * seconds with owner (auth_browser(r), or an account id as text) and data
 * (a JSON object as text); 0 on success. take deletes it and returns its
 * data (arena) when it exists, is of that kind and owner and has not
 * expired; NULL otherwise, and on any second take. */
int auth_token_put(struct req *r, const char *kind, const char *secret, const char *owner, const char *data_json,
		   int ttl);
const char *auth_token_take(struct req *r, const char *kind, const char *secret, const char *owner);

/* Route guards. Each answers r and returns -1 when the request may not go
 * on: anonymous → 303 to the login page with ?next=, otherwise 403. */
int auth_require_person(struct req *r);
int auth_require_role(struct req *r, unsigned roles_any);

#endif
