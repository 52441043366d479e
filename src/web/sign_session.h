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

#include "core/arena.h"

struct req;

#define SIGN_SESSION_TTL 600

enum sign_session_status {
	SS_OK = 0,
	SS_NOT_FOUND = -1, /* unknown or expired */
	SS_FOREIGN = -2,   /* started in another browser */
	SS_DB = -3,        /* the database did not answer */
};

/* Stores state (not consumed; "owner" is added) under a new token, returned
 * in *token (arena). Also removes expired signing sessions. */
int sign_session_new(struct req *r, json_t *state, const char **token);
/* Loads the state of token into *state_out (caller owns). */
int sign_session_load(struct req *r, const char *token, json_t **state_out);
/* Replaces the state of token and gives it another SIGN_SESSION_TTL. */
int sign_session_save(struct req *r, const char *token, json_t *state);
void sign_session_delete(struct req *r, const char *token);
/* The session table's id for token (arena), for deleting it inside another
 * transaction. */
const char *sign_session_id(struct req *r, const char *token);

struct edoc;
struct edoc_err;
struct upload;
/* Adds an uploaded file (in memory or spilled to disk) to doc under its
 * name, with the media type its extension suggests: 0; -1 when the spilled
 * file could not be read; -2 when the container refused it (e says why). */
int sign_add_upload(struct edoc *doc, const struct upload *u, struct edoc_err *e);

/* Base64 into and out of the request arena; decoding skips white space.
 * NULL on bad input. */
char *b64_encode_arena(struct arena *a, const void *p, size_t n);
unsigned char *b64_decode_arena(struct arena *a, const char *s, size_t *len);
/* A malloc'd copy of the bytes a base64 member of state holds. */
unsigned char *state_bytes(struct req *r, const json_t *state, const char *key, size_t *len);

#endif
