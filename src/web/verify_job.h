/* verify_job.h — checking the signatures of an uploaded container in the
 * worker pool (src/http/async.c), never on an event loop, within the web's
 * budgets (verify-max-unpacked, verify-max-signatures, verify-max-hashed,
 * verify-timeout). Used by "Pārbaudīt" (page_verify.c) and both send paths
 * (page_send.c).
 *
 * The job owns everything it reads: a copy of the bytes, or its own
 * descriptor of a spilled upload (read on the pool thread; it stays
 * readable after the request's temp file is gone). done(r, j) runs on r's
 * loop with the results; r is NULL when the client went away. done frees j
 * with verify_job_free.
 */
#ifndef EPAK_WEB_VERIFY_JOB_H
#define EPAK_WEB_VERIFY_JOB_H

#include <stddef.h>

#include "sign/edoc.h"
#include "sign/verify.h"

struct req;
struct upload;

enum verify_outcome {
	VJ_CHECKED,   /* rep holds the results (which may name a spent budget: rep.limit) */
	VJ_REFUSED,   /* not a readable container (err says why) */
	VJ_TOO_LARGE, /* refused for a size limit (err says which) */
};

struct verify_job {
	void (*done)(struct req *r, struct verify_job *j);
	void *cls; /* the caller's */
	/* input */
	unsigned char *data; /* owned; NULL until read from fd */
	size_t len;
	int fd; /* a spilled upload, or -1 */
	struct edoc_limits lim;
	struct edoc_verify_opts o;
	int timeout;
	/* results */
	enum verify_outcome outcome;
	struct edoc *doc; /* the opened container (VJ_CHECKED) */
	struct err err;
	struct edoc_report rep;
	int status;          /* edoc_verify's */
	long long thread_us; /* CPU time of the pool thread spent on it */
};

/* Starts checking upload up (or, when up is NULL, a copy of data[0..len)).
 * 0: done will be called; -1: an answer was already sent (pool full, or out
 * of memory) and done will not be called (cls is still the caller's). */
int verify_async(struct req *r, const struct upload *up, const void *data, size_t len,
		 void (*done)(struct req *r, struct verify_job *j), void *cls);
void verify_job_free(struct verify_job *j);

/* What a spent budget means, for a person (a msgid), or NULL. */
const char *verify_limit_text(enum edoc_limit l);

#endif
