/* verify_job.c — see verify_job.h. */
#include "web/verify_job.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "http/async.h"
#include "http/multipart.h"
#include "web/app.h"
#include "web/web.h"

const char *verify_limit_text(enum edoc_limit l)
{
	switch (l) {
	case EDOC_LIMIT_NONE: return NULL;
	case EDOC_LIMIT_SIGNATURES:
		return N_(
		    "This document holds more signatures than this portal checks, so it was not checked in full.");
	case EDOC_LIMIT_HASHED:
		return N_("This document is too large to be checked in full here: its signatures cover more data "
			  "than this portal checks.");
	case EDOC_LIMIT_TIME: break;
	}
	return N_("Checking this document took longer than this portal allows, so it was not checked in full.");
}

void verify_job_free(struct verify_job *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->data);
	edoc_report_free(&j->rep);
	edoc_free(j->doc);
	free(j);
}

static long long thread_cpu_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void verify_work(void *cls)
{
	struct verify_job *j = cls;
	long long t0 = thread_cpu_us();

	/* the deadline counts from when a pool thread takes the job */
	clock_gettime(CLOCK_MONOTONIC, &j->o.deadline);
	j->o.deadline.tv_sec += j->timeout;
	if (j->fd >= 0) {
		j->data = edoc_read_fd(j->fd, "upload", j->lim.max_file, &j->len, &j->err);
		close(j->fd);
		j->fd = -1;
	}
	j->doc = j->data ? edoc_open_mem(j->data, j->len, &j->lim, &j->err) : NULL;
	if (!j->doc) {
		j->outcome = j->err.code == ERR_UPLOAD_TOO_BIG ? VJ_TOO_LARGE : VJ_REFUSED;
		goto out;
	}
	j->outcome = VJ_CHECKED;
	j->status = edoc_verify(j->doc, &j->o, &j->rep);
out:
	j->thread_us = thread_cpu_us() - t0;
}

static void verify_done(struct req *r, void *cls)
{
	struct verify_job *j = cls;

	if (r)
		log_info("signature check: %s, %zu signatures, %zu bytes hashed, %lld us of a worker%s",
			 j->outcome == VJ_CHECKED ? "checked" : "container refused", j->rep.nsigs, j->rep.bytes_hashed,
			 j->thread_us, j->rep.limit ? ", a budget ran out" : "");
	j->done(r, j);
}

int verify_async(struct req *r, const struct upload *up, const void *data, size_t len,
		 void (*done)(struct req *r, struct verify_job *j), void *cls)
{
	const struct config *cfg = r->site->cfg;
	struct verify_job *j = calloc(1, sizeof(*j));

	if (!j) {
		resp_error(r, ERR_INTERNAL, NULL);
		return -1;
	}
	j->fd = -1;
	j->done = done;
	j->cls = cls;
	j->lim.max_file = cfg->max_body;
	j->lim.max_total = cfg->verify_max_unpacked;
	j->o.trust = app_of(r)->trust;
	j->o.offline = 1; /* a request never waits on another host */
	j->o.max_sigs = (size_t)cfg->verify_max_sigs;
	j->o.max_hashed = cfg->verify_max_hashed;
	j->timeout = cfg->verify_timeout;
	if (up && !up->data) {
		j->fd = open(up->path, O_RDONLY | O_CLOEXEC);
		if (j->fd < 0) {
			log_error("upload temp file: %s", strerror(errno));
			goto fail;
		}
	} else {
		if (up) {
			data = up->data;
			len = up->size;
		}
		j->data = malloc(len ? len : 1);
		if (!j->data)
			goto fail;
		memcpy(j->data, data, len);
		j->len = len;
	}
	/* the copy (or the spilled file's unpacked size) counts against the pool's byte budget */
	if (async_run_bytes(r, verify_work, verify_done, j, j->len ? j->len : (up ? up->size : 0)) != 0) {
		verify_job_free(j);
		return -1;
	}
	return 0;
fail:
	verify_job_free(j);
	resp_error(r, ERR_INTERNAL, NULL);
	return -1;
}
