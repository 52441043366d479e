/* err.h — the one error carrier: a code from the error registry and a message.
 *
 * A function that can fail takes a struct err * (which may be NULL: the
 * caller does not want the reason) and fills it through err_set(). The FIRST
 * error wins: once a carrier holds an error, later err_set() calls on it are
 * ignored, so the innermost function that saw the failure is the one that
 * speaks and its callers need not check before adding their own. A caller
 * that wants to replace an inner reason says so with err_clear() first.
 *
 * The carrier says why; the return value says whether (CODE_STYLE: negative
 * or NULL is an error, 0 success, positive a count or a value where
 * documented). A carrier starts cleared: `struct err e = {0};` or err_clear().
 */
#ifndef EPAK_ERR_H
#define EPAK_ERR_H

#include "core/errors.h"

#define ERR_MSG_MAX 1024 /* bytes of a message with its NUL */

struct err {
	enum err_code code;    /* ERR_OK while nothing failed */
	char msg[ERR_MSG_MAX]; /* one line, for logs and people; "" while ERR_OK */
};

/* Records the error unless e is NULL or already holds one. code ERR_OK is
 * taken as ERR_INTERNAL (an error needs a code). The message is cut, never
 * overrun, at sizeof(e->msg) - 1 bytes; fmt's arguments may point into
 * e->msg. */
void err_set(struct err *e, enum err_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Forgets any error: code ERR_OK, empty message. NULL is allowed. */
void err_clear(struct err *e);

/* 1 when e holds an error, 0 when not (or e is NULL). */
int err_failed(const struct err *e);

#endif
