/* async.h — the worker pool: work that waits on another host (time-stamps,
 * OCSP, mail relays, identity providers) or burns CPU for long runs on a
 * pool thread, never on an event loop; the answer comes back to the
 * request's own loop through h2o's multithread queue.
 *
 *   async_run(r, work, done, cls)
 *     work(cls)     runs on a pool thread; it must not touch r
 *     done(r, cls)  runs on r's loop thread afterwards and answers r
 *   If the client went away meanwhile, done is called with r == NULL so it
 *   can release cls; it must then answer nothing.
 *
 * A handler that calls async_run returns at once; the request stays open.
 * The pool has a bounded queue: when full, async_run answers 503 itself
 * and returns -1 (cls is still the caller's to release).
 */
#ifndef EPAK_ASYNC_H
#define EPAK_ASYNC_H

#include <stddef.h>

struct req;
struct worker;

int async_pool_start(int threads, int max_queued);
void async_pool_stop(void);

/* Per event-loop thread: attach/detach the receiver that resumes requests. */
void async_worker_attach(struct worker *w);
void async_worker_detach(struct worker *w);

int async_run(struct req *r, void (*work)(void *cls), void (*done)(struct req *r, void *cls), void *cls);

/* The same for a job holding `bytes` of memory (its inputs and expected
 * output): the pool's queued and running jobs together hold at most the
 * limit set by async_pool_limit_bytes (0: none), beyond it 503 as when the
 * queue is full. The bytes count until done has run. */
int async_run_bytes(struct req *r, void (*work)(void *cls), void (*done)(struct req *r, void *cls), void *cls,
		    size_t bytes);
void async_pool_limit_bytes(size_t max_bytes);
/* Jobs waiting for a pool thread now (metrics). */
int async_pool_queued(void);

#endif
