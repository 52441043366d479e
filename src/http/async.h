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
/* Lets queued jobs finish (their done callbacks are then never delivered:
 * the loops have stopped), then joins the threads. */
void async_pool_stop(void);
/* The same within deadline (now_usec() clock; 0: none): 0 when every job
 * finished and the threads are joined, else the number of jobs cut off
 * (queued ones are no longer started; running ones end with the process,
 * which must then exit without freeing what they use). */
int async_pool_stop_by(long long deadline);
/* Jobs queued or running. */
int async_pool_busy(void);
/* 1 when jobs wait in the queue and none was taken or finished for
 * max_usec: every pool thread is stuck (the watchdog stops pinging). */
int async_pool_stalled(long long max_usec);

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
