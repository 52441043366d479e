/* sign_session.h — what waits between the steps of signing in the browser:
 * the unsigned container, the signer's certificate and signing time, and for
 * the "sign and send" page the institution and message, then the signed
 * container. A row of the session table (one SQL text for SQLite and
 * PostgreSQL, so any node can finish what another started), keyed by the
 * hash of a random token the browser holds, bound to the browser's CSRF
 * cookie, kept for ten minutes at most. */
#ifndef EPAK_WEB_SIGN_SESSION_H
#define EPAK_WEB_SIGN_SESSION_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "core/arena.h"

struct req;

#define SIGN_SESSION_TTL 600
/* How long a finish may hold its session (the time-stamp and OCSP requests
 * time out after 20 s each); after that a finish whose client went away no
 * longer blocks the next one. */
#define SIGN_FINISH_BUSY 90

enum sign_session_status {
	SS_OK = 0,
	SS_NOT_FOUND = -1, /* unknown or expired */
	SS_FOREIGN = -2,   /* started in another browser */
	SS_DB = -3,        /* the database did not answer */
	SS_TOO_MANY = -4,  /* the browser has sign-sessions-per-browser open */
	SS_FULL = -5,      /* all open sessions hold sign-sessions-bytes */
	SS_BUSY = -6,      /* another request is finishing it */
};

/* Stores state (not consumed; "owner" is added) and the container blob
 * (len bytes, kept as binary) under a new token, returned in *token (arena),
 * within the limits sign-sessions-per-browser and sign-sessions-bytes. */
int sign_session_new(struct req *r, json_t *state, const void *blob, size_t len, const char **token);
/* Loads the state of token into *state_out (caller owns); when blob is not
 * NULL also its container (malloc'd, caller frees; NULL if none). */
int sign_session_load(struct req *r, const char *token, json_t **state_out, unsigned char **blob, size_t *len);
/* Replaces the state of token; the session keeps its expiry (saving never
 * extends it). Without blob: SS_BUSY while a finish holds the session.
 * With blob (the finish itself): also replaces the blob and ends the claim. */
int sign_session_save(struct req *r, const char *token, json_t *state, const void *blob, size_t len);
/* Marks the session as finishing: SS_OK, or SS_BUSY when another request
 * is finishing it (for SIGN_FINISH_BUSY seconds at most), or why it cannot
 * (SS_NOT_FOUND, SS_FOREIGN, SS_DB). Claim before loading: what a finished
 * request saved is then seen. save with a blob, release and delete end the
 * claim. */
int sign_session_claim(struct req *r, const char *token);
void sign_session_release(struct req *r, const char *token);
void sign_session_delete(struct req *r, const char *token);
struct db;
/* Removes the expired signing sessions (with the e-mail address and
 * message they hold): how many, or -1. For the periodic purge. */
int sign_session_purge(struct db *db, time_t now);
/* A thread of its own (with its own connection to db_url) that purges every
 * interval_s seconds, without waiting for traffic, and gives the space back
 * (db_reclaim). */
struct config;
int sign_session_purger_start(const char *db_url, int interval_s, const struct config *cfg);
void sign_session_purger_stop(void);
/* The session table's id for token (arena), for deleting it inside another
 * transaction. */
const char *sign_session_id(struct req *r, const char *token);

struct edoc;
struct err;
struct upload;
/* Adds an uploaded file (in memory or spilled to disk) to doc under its
 * name, with the media type its extension suggests: 0; -1 when the spilled
 * file could not be read; -2 when the container refused it (e says why). */
int sign_add_upload(struct edoc *doc, const struct upload *u, struct err *e);

/* A malloc'd copy of the bytes a base64 member of state holds. */
unsigned char *state_bytes(struct req *r, const json_t *state, const char *key, size_t *len);

#endif
