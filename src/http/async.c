/* async.c — see async.h.
 *
 * A job lives in plain heap memory shared by three parties: the pool thread
 * (runs work), the loop thread (delivers done) and the request (which may die
 * first). The request holds one reference through a pool-dispose record that
 * clears job->r when h2o frees the request; the loop delivers done only while
 * job->r is still set. Both happen on the loop thread, so no lock is needed
 * between them; the pool thread never reads job->r.
 */
#include "http/async.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <h2o.h>

#include "core/log.h"
#include "http/http.h"
#include "http/worker.h"

struct job {
	h2o_multithread_message_t msg; /* first: the queue hands it back */
	struct job *next;              /* pool queue */
	struct worker *w;              /* the loop to come back to */
	struct req *r;                 /* NULL once the request is gone */
	struct job **req_slot;         /* the request's dispose record */
	void (*work)(void *cls);
	void (*done)(struct req *r, void *cls);
	void *cls;
	size_t bytes; /* memory the job holds, counted until done ran */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail;
	int queued, max_queued;
	size_t bytes, max_bytes; /* held by queued and running jobs */
	int stopping;
	pthread_t *threads;
	int nthreads;
	int running;           /* jobs in work() right now */
	long long progress_at; /* now_usec() of the last job taken or finished (watchdog) */
	int discard;           /* past the shutdown deadline: queued jobs are not run */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0};

/* Pool threads yield the CPU to the event loops: work that burns CPU
 * (argon2id for a burst of logins, checking a large signed container) runs
 * at a lower priority (nice 10), so pages keep being served on a machine
 * with few cores. Linux applies nice to the calling thread alone. */
#define POOL_NICE 10

static void *pool_main(void *arg)
{
	struct job *j;

	(void)arg;
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), POOL_NICE) != 0)
		log_debug("worker pool: nice %d not set", POOL_NICE);
	for (;;) {
		pthread_mutex_lock(&pool.lock);
		while (!pool.head && !pool.stopping)
			pthread_cond_wait(&pool.cond, &pool.lock);
		if (!pool.head || pool.discard) {
			pthread_mutex_unlock(&pool.lock);
			return NULL;
		}
		j = pool.head;
		pool.head = j->next;
		if (!pool.head)
			pool.tail = NULL;
		pool.queued--;
		pool.running++;
		pool.progress_at = now_usec();
		pthread_mutex_unlock(&pool.lock);

		j->work(j->cls);
		pthread_mutex_lock(&pool.lock);
		pool.running--;
		pool.progress_at = now_usec();
		pthread_mutex_unlock(&pool.lock);
		h2o_multithread_send_message(&j->w->async_receiver, &j->msg);
	}
}

int async_pool_start(int threads, int max_queued)
{
	int i;

	pool.threads = calloc((size_t)threads, sizeof(*pool.threads));
	if (!pool.threads)
		return -1;
	pool.max_queued = max_queued;
	pool.stopping = 0;
	for (i = 0; i < threads; i++) {
		if (pthread_create(&pool.threads[i], NULL, pool_main, NULL) != 0)
			break;
		pool.nthreads++;
	}
	return pool.nthreads == threads ? 0 : -1;
}

void async_pool_stop(void)
{
	async_pool_stop_by(0);
}

/* ---- Stopping within the shutdown deadline, and the watchdog's look ---- */

int async_pool_stop_by(long long deadline)
{
	struct timespec ts;
	long long left;
	int i, cut;

	pthread_mutex_lock(&pool.lock);
	pool.stopping = 1;
	pthread_cond_broadcast(&pool.cond);
	pthread_mutex_unlock(&pool.lock);
	for (i = 0; i < pool.nthreads; i++) {
		if (!deadline) {
			pthread_join(pool.threads[i], NULL);
			continue;
		}
		left = deadline - now_usec();
		clock_gettime(CLOCK_REALTIME, &ts);
		if (left > 0) {
			ts.tv_sec += (time_t)(left / 1000000);
			ts.tv_nsec += (long)(left % 1000000) * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
		}
		if (pthread_timedjoin_np(pool.threads[i], NULL, &ts) == ETIMEDOUT)
			break;
	}
	if (i < pool.nthreads) {
		/* cut off: the jobs still running are abandoned with the process */
		pthread_mutex_lock(&pool.lock);
		pool.discard = 1;
		cut = pool.running + pool.queued;
		pthread_mutex_unlock(&pool.lock);
		return cut > 0 ? cut : 1;
	}
	free(pool.threads);
	pool.threads = NULL;
	pool.nthreads = 0;
	return 0;
}

int async_pool_busy(void)
{
	int n;

	pthread_mutex_lock(&pool.lock);
	n = pool.running + pool.queued;
	pthread_mutex_unlock(&pool.lock);
	return n;
}

int async_pool_stalled(long long max_usec)
{
	int stalled;

	pthread_mutex_lock(&pool.lock);
	stalled = pool.queued > 0 && pool.progress_at && now_usec() - pool.progress_at > max_usec;
	pthread_mutex_unlock(&pool.lock);
	return stalled;
}

static void on_messages(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
	(void)receiver;
	while (!h2o_linklist_is_empty(messages)) {
		struct job *j = H2O_STRUCT_FROM_MEMBER(struct job, msg.link, messages->next);

		h2o_linklist_unlink(&j->msg.link);
		if (j->bytes) {
			pthread_mutex_lock(&pool.lock);
			pool.bytes -= j->bytes;
			pthread_mutex_unlock(&pool.lock);
		}
		if (j->r) {
			*j->req_slot = NULL; /* the request no longer points at the job */
			j->done(j->r, j->cls);
		} else {
			j->done(NULL, j->cls);
		}
		free(j);
	}
}

void async_worker_attach(struct worker *w)
{
	h2o_multithread_register_receiver(w->ctx.queue, &w->async_receiver, on_messages);
}

void async_worker_detach(struct worker *w)
{
	h2o_multithread_unregister_receiver(w->ctx.queue, &w->async_receiver);
}

/* h2o frees the request: the job must not deliver to it. Runs on the loop. */
static void req_gone(void *p)
{
	struct job **slot = p;

	if (*slot)
		(*slot)->r = NULL;
}

void async_pool_limit_bytes(size_t max_bytes)
{
	pthread_mutex_lock(&pool.lock);
	pool.max_bytes = max_bytes;
	pthread_mutex_unlock(&pool.lock);
}

int async_run(struct req *r, void (*work)(void *cls), void (*done)(struct req *r, void *cls), void *cls)
{
	return async_run_bytes(r, work, done, cls, 0);
}

int async_run_bytes(struct req *r, void (*work)(void *cls), void (*done)(struct req *r, void *cls), void *cls,
		    size_t bytes)
{
	struct job *j;

	if (!pool.nthreads) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	j->w = r->worker;
	j->r = r;
	j->work = work;
	j->done = done;
	j->cls = cls;
	j->bytes = bytes;
	j->req_slot = h2o_mem_alloc_shared(&r->h->pool, sizeof(*j->req_slot), req_gone);
	*j->req_slot = j;

	pthread_mutex_lock(&pool.lock);
	if (pool.queued >= pool.max_queued || pool.stopping ||
	    (bytes && pool.max_bytes && pool.bytes + bytes > pool.max_bytes)) {
		pthread_mutex_unlock(&pool.lock);
		*j->req_slot = NULL;
		free(j);
		log_warn("worker pool full");
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	if (pool.tail)
		pool.tail->next = j;
	else
		pool.head = j;
	pool.tail = j;
	if (!pool.queued && !pool.running)
		pool.progress_at = now_usec(); /* an idle pool's clock starts with its next job */
	pool.queued++;
	pool.bytes += bytes;
	pthread_cond_signal(&pool.cond);
	pthread_mutex_unlock(&pool.lock);
	r->answered_async = 1;
	return 0;
}

int async_pool_queued(void)
{
	int n;

	pthread_mutex_lock(&pool.lock);
	n = pool.queued;
	pthread_mutex_unlock(&pool.lock);
	return n;
}
