/* worker.h — one event-loop thread: its h2o context, its page cache and the
 * state the layer above keeps per thread (data: the web layer's database
 * connection). Nothing here is shared between threads. */
#ifndef EPAK_WORKER_H
#define EPAK_WORKER_H

#include <h2o.h>
#include <h2o/multithread.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/config.h"
#include "http/cache.h"

struct site;

struct worker {
	h2o_context_t ctx; /* first: h2o hands us &ctx, we cast back */
	h2o_accept_ctx_t accept_ctx;
	struct site *site;
	void *data; /* the layer above's, per thread (site.h: thread_start/thread_exit) */
	struct page_cache cache;
	pthread_t thread;
	int id;
	int fds[CONFIG_MAX_LISTEN + 1]; /* the listen addresses, then tls-client-listen */
	int nfds;
	int cert_fd; /* index in fds of the tls-client-listen socket, or -1 */
	h2o_socket_t *listeners[CONFIG_MAX_LISTEN + 1];
	h2o_accept_ctx_t cert_accept_ctx;          /* its TLS asks for a client certificate */
	h2o_multithread_receiver_t async_receiver; /* resumes requests after pool work */
	/* lifecycle (server.c): the loop's last turn (now_usec, for the
	 * watchdog), and what its shutdown drained and cut off */
	atomic_llong beat;
	int drain_busy, drain_cut;
	int tls_gen; /* the TLS contexts' generation accept_ctx holds */
};

#endif
