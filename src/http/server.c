/* server.c — h2o glue: listening sockets, event loops, and the dispatcher
 * every request goes through (limits → language → route → body → CSRF →
 * handler). Responses are built in resp.c. */
#include "http/server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/log.h"
#include "http/async.h"
#include "http/http.h"
#include "http/parse.h"
#include "http/multipart.h"
#include "http/site.h"
#include "http/worker.h"

static atomic_int server_stop;
static struct worker *kept_workers;

struct epak_handler {
	h2o_handler_t super;
	struct site *site;
};

long long now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Everything a request owns outside h2o's pool, released in one place when
 * h2o clears the pool: spilled upload files first (their paths live in the
 * arena), then the arena. */
struct req_owned {
	struct arena *arena;
	struct multipart *multipart;
};

static void req_owned_dispose(void *p)
{
	struct req_owned *o = p;

	if (o->multipart)
		multipart_cleanup(o->multipart);
	arena_free(o->arena);
}

static size_t headers_size(const h2o_req_t *h)
{
	size_t i, total = 0;

	for (i = 0; i != h->headers.size; i++)
		total += h->headers.entries[i].name->len + h->headers.entries[i].value.len + 4;
	return total;
}

/* HTTP/1 framing two parsers could read differently (parse.h). h2o 2.2
 * keeps neither Content-Length nor Transfer-Encoding among the request's
 * headers (it takes the first Content-Length, and Transfer-Encoding over
 * it), so the raw header block is read where it still is: at the head of the
 * connection's input buffer, which h2o consumes only after the response. */
static int framing_ambiguous(h2o_req_t *h)
{
	h2o_socket_t *sock;

	if (h->version >= 0x200 || !h->conn->callbacks->get_socket)
		return 0;
	sock = h->conn->callbacks->get_socket(h->conn);
	if (!sock || !sock->input || !sock->input->size)
		return 0;
	return http1_framing_ambiguous(sock->input->bytes, sock->input->size);
}

/* Parses the body of a ROUTE_FORM request: urlencoded or multipart. */
static int read_form(struct req *r)
{
	h2o_req_t *h = r->h;
	const struct config *cfg = r->site->cfg;
	const char *ct = req_header(r, "content-type");
	const char *mime = NULL, *why = NULL;
	struct multipart_limits ml;

	r->form = arena_alloc(r->arena, sizeof(*r->form));
	if (!r->form) {
		resp_error(r, ERR_INTERNAL, NULL);
		return -1;
	}
	if (!h->entity.base) /* no body: an empty form */
		return 0;
	if (!ct || parse_content_type(r->arena, ct, strlen(ct), &mime, NULL, &why) != 0) {
		resp_error(r, ERR_UNSUPPORTED_MEDIA, NULL);
		return -1;
	}
	if (!strcmp(mime, "application/x-www-form-urlencoded")) {
		if (parse_urlencoded(r->arena, h->entity.base, h->entity.len, NULL, r->form, &why) != 0) {
			if (strstr(why, "many"))
				resp_error(r, ERR_TOO_MANY_FIELDS, why);
			else if (strstr(why, "long") || strstr(why, "large"))
				resp_error(r, ERR_BODY_TOO_LARGE, why);
			else
				resp_error(r, ERR_BAD_ENCODING, why);
			return -1;
		}
		return 0;
	}
	if (!strcmp(mime, "multipart/form-data")) {
		ml = multipart_limits_default;
		ml.spill_threshold = cfg->upload_spill;
		ml.max_file_size = cfg->max_body;
		ml.tmp_dir = r->site->tmp_dir;
		r->multipart = arena_alloc(r->arena, sizeof(*r->multipart));
		if (!r->multipart) {
			resp_error(r, ERR_INTERNAL, NULL);
			return -1;
		}
		((struct req_owned *)r->owned)->multipart = r->multipart;
		if (multipart_parse(r->arena, ct, strlen(ct), h->entity.base, h->entity.len, &ml, r->multipart, &why) !=
		    0) {
			if (why && !strcmp(why, "file too large"))
				resp_error(r, ERR_UPLOAD_TOO_BIG, why);
			else if (why && strstr(why, "too many"))
				resp_error(r, ERR_TOO_MANY_FIELDS, why);
			else
				resp_error(r, ERR_BAD_REQUEST, why);
			return -1;
		}
		*r->form = r->multipart->fields;
		return 0;
	}
	resp_error(r, ERR_UNSUPPORTED_MEDIA, NULL);
	return -1;
}

static int on_req(h2o_handler_t *self, h2o_req_t *h)
{
	struct epak_handler *eh = (struct epak_handler *)self;
	const struct site *site = eh->site;
	const struct config *cfg = site->cfg;
	struct worker *w = (struct worker *)h->conn->ctx;
	struct req *r;
	struct req_owned *owned;
	const char *path;
	size_t plen;
	enum route_result rr;

	r = h2o_mem_alloc_pool(&h->pool, sizeof(*r));
	memset(r, 0, sizeof(*r));
	r->t0_usec = now_usec();
	r->h = h;
	r->site = site;
	r->worker = w;
	r->lang = site->default_lang;
	r->is_head = h->method.len == 4 && !memcmp(h->method.base, "HEAD", 4);
	r->is_tls = h->scheme == &H2O_URL_SCHEME_HTTPS;
	r->arena = arena_new(cfg->max_body + 4 * 1024 * 1024);
	if (!r->arena) {
		h2o_send_error_503(h, "Service Unavailable", "out of memory", 0);
		return 0;
	}
	owned = h2o_mem_alloc_shared(&h->pool, sizeof(*owned), req_owned_dispose);
	owned->arena = r->arena;
	owned->multipart = NULL;
	r->owned = owned;
	r->path = "/";
	r->path_len = 1;

	/* A request whose length another parser (a proxy in front) could read
	 * otherwise: refused, and the connection closed, so that what follows
	 * on it is never taken for a request of its own. */
	if (framing_ambiguous(h)) {
		h->http1_is_persistent = 0;
		resp_error(r, ERR_BAD_REQUEST, "ambiguous message length");
		return 0;
	}
	/* Limits first: nothing else is read from an oversized request. */
	if (h->input.path.len > cfg->max_url) {
		resp_error(r, ERR_URI_TOO_LONG, NULL);
		return 0;
	}
	if (headers_size(h) > cfg->max_header) {
		resp_error(r, ERR_HEADERS_TOO_LARGE, NULL);
		return 0;
	}
	if (h->entity.base && h->entity.len > cfg->max_body) {
		resp_error(r, ERR_BODY_TOO_LARGE, NULL);
		return 0;
	}

	/* The path: h2o has already removed dot segments. Split the query. */
	path = h->path_normalized.base;
	plen = h->path_normalized.len;
	if (h->query_at != SIZE_MAX) {
		r->query = h->path.base + h->query_at + 1;
		r->query_len = h->path.len - h->query_at - 1;
	}
	if (plen == 0 || path[0] != '/') {
		resp_error(r, ERR_BAD_REQUEST, NULL);
		return 0;
	}
	/* Language prefix: /en/... is English; everything else the default. */
	if (plen >= 3 && !memcmp(path, "/en", 3) && (plen == 3 || path[3] == '/')) {
		r->lang = LANG_EN;
		if (plen == 3) {
			resp_redirect(r, 301, "/en/");
			return 0;
		}
		path += 3;
		plen -= 3;
	}
	if (memchr(path, '\0', plen)) {
		resp_error(r, ERR_BAD_REQUEST, NULL);
		return 0;
	}
	r->path = arena_strndup(r->arena, path, plen);
	r->path_len = plen;
	if (plen >= 5 && !memcmp(path, "/api/", 5))
		r->flags |= ROUTE_JSON; /* API clients get JSON errors, even for 404 */

	rr = router_match(site->routes, site->nroutes, h->method.base, h->method.len, r->path, plen, &r->match);
	switch (rr) {
	case ROUTE_NOT_FOUND: resp_error(r, ERR_NOT_FOUND, NULL); return 0;
	case ROUTE_METHOD_NOT_ALLOWED:
		resp_add_header(r, "allow", r->match.allow);
		resp_error(r, ERR_METHOD, NULL);
		return 0;
	case ROUTE_OPTIONS:
		resp_add_header(r, "allow", r->match.allow);
		resp_send(r, 204, NULL, "", 0, 0);
		return 0;
	case ROUTE_FOUND: break;
	}
	r->flags |= r->match.route->flags;

	/* What CSRF can tell without the body (the cookie, where the browser
	 * says the request comes from) is checked before the body is parsed, so
	 * a cross-site or cookie-less upload never writes a byte to disk. */
	if ((r->flags & ROUTE_CSRF) && csrf_precheck(r) != 0) {
		resp_error(r, ERR_CSRF, NULL);
		return 0;
	}
	if ((r->flags & ROUTE_FORM) && read_form(r) != 0)
		return 0;
	if ((r->flags & ROUTE_CSRF) && csrf_check(r) != 0) {
		resp_error(r, ERR_CSRF, NULL);
		return 0;
	}
	if ((r->flags & ROUTE_CACHE) && resp_from_cache(r))
		return 0;

	r->match.route->fn(r);
	if (!r->answered && !r->answered_async) {
		log_error("handler for %s answered nothing", r->match.route->pattern);
		resp_error(r, ERR_INTERNAL, NULL);
	}
	return 0;
}

/* "HOST:PORT", "[v6]:PORT" → a bound, listening, non-blocking socket. */
static int listen_on(const char *spec, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	const char *port;
	size_t hlen;
	struct addrinfo hints, *res = NULL;
	int fd = -1, one = 1, rc;

	if (!colon) {
		snprintf(err, errlen, "%s: not HOST:PORT", spec);
		return -1;
	}
	port = colon + 1;
	hlen = (size_t)(colon - spec);
	if (hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "host name too long");
		return -1;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(hlen ? host : NULL, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (res->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0)
		goto fail;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	freeaddrinfo(res);
	return fd;
fail:
	snprintf(err, errlen, "%s: %s", spec, strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
	struct worker *w = listener->data;
	h2o_socket_t *sock;

	if (err)
		return;
	sock = h2o_evloop_socket_accept(listener);
	if (sock)
		h2o_accept(&w->accept_ctx, sock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	long long deadline;
	int i;

	if (w->site->thread_start)
		w->site->thread_start(w->site, w);
	async_worker_attach(w);
	for (i = 0; i < w->nfds; i++) {
		w->listeners[i] = h2o_evloop_socket_create(w->ctx.loop, w->fds[i], H2O_SOCKET_FLAG_DONT_READ);
		w->listeners[i]->data = w;
		h2o_socket_read_start(w->listeners[i], on_accept);
	}
	while (!atomic_load(&server_stop)) {
		if (w->id == 0 && w->site->tick)
			w->site->tick(w->site);
		h2o_evloop_run(w->ctx.loop, 200);
	}
	/* Graceful stop: no new connections; requests in flight finish (HTTP/1
	 * closes after them, HTTP/2 gets GOAWAY) for at most a second. Idle
	 * keep-alive connections are simply dropped with the process. */
	for (i = 0; i < w->nfds; i++) {
		h2o_socket_read_stop(w->listeners[i]);
		h2o_socket_close(w->listeners[i]);
	}
	h2o_context_request_shutdown(&w->ctx);
	deadline = now_usec() + 1000000LL;
	while ((!h2o_linklist_is_empty(&w->ctx.http1._conns) || !h2o_linklist_is_empty(&w->ctx.http2._conns)) &&
	       now_usec() < deadline)
		h2o_evloop_run(w->ctx.loop, 50);
	h2o_evloop_run(w->ctx.loop, 10);
	async_worker_detach(w);
	if (w->site->thread_exit)
		w->site->thread_exit(w->site, w);
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&server_stop, 1);
}

void server_request_stop(void)
{
	atomic_store(&server_stop, 1);
}

static SSL_CTX *tls_new(const struct config *cfg, char *err, size_t errlen)
{
	static const h2o_iovec_t alpn_h2[] = {{H2O_STRLIT("h2")}, {H2O_STRLIT("http/1.1")}, {NULL, 0}};
	static const h2o_iovec_t alpn_h1[] = {{H2O_STRLIT("http/1.1")}, {NULL, 0}};
	SSL_CTX *ssl = SSL_CTX_new(TLS_server_method());

	if (!ssl)
		goto fail;
	SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION);
	SSL_CTX_set_options(ssl, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_use_certificate_chain_file(ssl, cfg->tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ssl, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ssl) != 1)
		goto fail;
	h2o_ssl_register_alpn_protocols(ssl, cfg->http2 ? alpn_h2 : alpn_h1);
	return ssl;
fail:
	snprintf(err, errlen, "TLS: %s", ERR_reason_error_string(ERR_get_error()));
	SSL_CTX_free(ssl);
	return NULL;
}

int server_run(struct site *site)
{
	const struct config *cfg = site->cfg;
	h2o_globalconf_t gconf;
	h2o_hostconf_t *host;
	h2o_pathconf_t *pathconf;
	struct epak_handler *eh;
	struct worker *workers = NULL;
	SSL_CTX *ssl = NULL;
	char err[512];
	int nthreads = cfg->threads, i, j, rc = 1;
	struct sigaction sa;

	if (nthreads <= 0)
		nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads <= 0)
		nthreads = 1;

	h2o_config_init(&gconf);
	gconf.server_name = h2o_iovec_init(H2O_STRLIT("epak"));
	/* h2o refuses larger bodies itself with a bare 413 and closes; give it
	 * room (twice our limit, at least 1 MiB more) so that a person who
	 * sends a file somewhat too large reads our page in their language. */
	gconf.max_request_entity_size =
	    cfg->max_body * 2 > cfg->max_body + 1024 * 1024 ? cfg->max_body * 2 : cfg->max_body + 1024 * 1024;
	gconf.http1.req_timeout = 30000;
	/* No HTTP/2 in clear text (h2c): neither "Upgrade: h2c" nor the prior
	 * knowledge preface "PRI * HTTP/2.0" (which then is not a request and
	 * closes the connection). h2o 2.2's HTTP/2 has had no upstream fixes
	 * since 2018 (e.g. Rapid Reset); over TLS it is the "http2" setting. */
	gconf.http1.upgrade_to_http2 = 0;
	host = h2o_config_register_host(&gconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	pathconf = h2o_config_register_path(host, "/", 0);
	eh = (struct epak_handler *)h2o_create_handler(pathconf, sizeof(*eh));
	eh->super.on_req = on_req;
	eh->site = site;

	if (*cfg->tls_cert) {
		ssl = tls_new(cfg, err, sizeof(err));
		if (!ssl) {
			log_error("%s", err);
			goto out;
		}
	}

	workers = calloc((size_t)nthreads, sizeof(*workers));
	if (!workers)
		goto out;
	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		w->id = i;
		w->site = site;
		cache_init(&w->cache, cfg->cache_size, cfg->cache_max_page);
		h2o_context_init(&w->ctx, h2o_evloop_create(), &gconf);
		w->accept_ctx.ctx = &w->ctx;
		w->accept_ctx.hosts = gconf.hosts;
		w->accept_ctx.ssl_ctx = ssl;
		for (j = 0; j < cfg->nlisten; j++) {
			w->fds[j] = listen_on(cfg->listen[j], err, sizeof(err));
			if (w->fds[j] < 0) {
				log_error("cannot listen on %s", err);
				goto out;
			}
			w->nfds++;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (j = 0; j < cfg->nlisten; j++)
		log_info("serving %s://%s/ with %d thread(s)", ssl ? "https" : "http", cfg->listen[j], nthreads);
	async_pool_limit_bytes(cfg->pool_max_bytes);
	if (async_pool_start(cfg->pool_threads, 1024) != 0) {
		log_error("cannot start the worker pool");
		goto out;
	}
	for (i = 0; i < nthreads; i++)
		pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
	for (i = 0; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);
	async_pool_stop();
	log_info("stopped");
	rc = 0;
out:
	if (workers) {
		for (i = 0; i < nthreads; i++) {
			for (j = 0; j < workers[i].nfds; j++)
				if (rc != 0)
					close(workers[i].fds[j]);
			cache_clear(&workers[i].cache);
		}
		/* The h2o contexts are not disposed: with a keep-alive connection
		 * still open h2o 2.2 asserts, and the process ends right after.
		 * Keeping them reachable tells LeakSanitizer they are not lost. */
		kept_workers = workers;
	}
	h2o_config_dispose(&gconf);
	SSL_CTX_free(ssl);
	return rc;
}
