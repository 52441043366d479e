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
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <pthread.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/log.h"
#include "core/netaddr.h"
#include "core/notify.h"
#include "core/url.h"
#include "http/async.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/parse.h"
#include "http/multipart.h"
#include "http/site.h"
#include "http/worker.h"

#include <h2o/http1.h> /* after h2o.h (worker.h) */
#include <h2o/http2.h>

/* picohttpparser, inside libh2o (h2o 2.2 installs no header of it) */
struct phr_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
		      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
		      size_t last_len);

static atomic_int server_stop;   /* SIGTERM, SIGINT or server_request_stop: the control thread starts the stop */
static atomic_int server_reload; /* SIGHUP: the control thread reloads */
static atomic_int loops_stop;    /* the event loops stop accepting and drain */
static struct worker *kept_workers;
static struct netlist trusted_proxies, cert_proxies; /* parsed once in server_run */

/* ---- Open connections: a cap on all of them and one per client address ----
 *
 * Counted at accept, in one table shared by the event-loop threads (the
 * kernel spreads one client's connections over all of them, so a count per
 * thread would allow threads × the cap), under a mutex taken twice per
 * connection. A connection over a cap is closed before h2o reads a byte of
 * it. Each accepted socket carries a struct conn_info (sock->on_close.data,
 * released by h2o when it closes the socket): the counted key and, on the
 * tls-client-listen address, the client certificate of the handshake. */
struct conn_info {
	unsigned char key[16]; /* IPv4 as ::ffff:a.b.c.d; IPv6 its /64 */
	int counted;           /* in the per-address table */
	int cert_listener;     /* accepted on tls-client-listen */
	unsigned char *cert;   /* DER of the client's certificate (TLS), or NULL */
	size_t cert_len;
	unsigned char *chain; /* the other certificates it sent, DER one after another, or NULL */
	size_t chain_len;
	int fd;        /* the accepted socket's descriptor (h2o's) */
	int linger_fd; /* a duplicate kept for a lingering close, or -1 */
	h2o_loop_t *loop;
	h2o_socket_t *linger; /* reading and dropping what the client still sends */
	h2o_timeout_entry_t linger_timer;
	h2o_linklist_t linger_link; /* in the thread's lingering list */
	h2o_linklist_t open_link;   /* in the thread's open connections (draining looks at them) */
	long long accepted_at;      /* now_usec() */
	unsigned drain_mark;        /* the drain round that saw a request in flight on it */
};

/* Lingering close (as nginx's lingering_close): a connection refused before
 * its body was read still has the client sending; closing it with unread
 * bytes makes the kernel send a reset, and the client's kernel then drops
 * the answer before the client reads it. So such a connection's descriptor
 * is duplicated; when h2o has sent the answer and closed its own, the
 * duplicate sends FIN and reads and drops what comes for up to 5 s. It is
 * still counted against the caps meanwhile. */
enum { LINGER_MS = 5000 };
static _Thread_local h2o_timeout_t linger_timeout;
static _Thread_local h2o_linklist_t lingering;  /* closed when the thread stops */
static _Thread_local h2o_linklist_t open_conns; /* every accepted connection of the thread */

static void linger_on_read(h2o_socket_t *sock, const char *err)
{
	if (err) {
		h2o_socket_close(sock);
		return;
	}
	h2o_buffer_consume(&sock->input, sock->input->size);
}

struct addr_slot {
	unsigned char key[16];
	int n; /* 0: an empty slot */
};

static struct {
	pthread_mutex_t lock;
	struct addr_slot *slots; /* open addressing, at least twice max-conns: never full */
	size_t mask;
	int total, max_total, max_per;
	atomic_int refused;
} conns = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t key_hash(const unsigned char *k)
{
	size_t h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ k[i]) * 1099511628211ULL;
	return h;
}

static size_t slot_find(const unsigned char *k)
{
	size_t i = key_hash(k) & conns.mask;

	while (conns.slots[i].n && memcmp(conns.slots[i].key, k, 16))
		i = (i + 1) & conns.mask;
	return i;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
static void slot_remove(size_t i)
{
	size_t j = i, k;

	for (;;) {
		j = (j + 1) & conns.mask;
		if (!conns.slots[j].n)
			break;
		k = key_hash(conns.slots[j].key) & conns.mask;
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			conns.slots[i] = conns.slots[j];
			i = j;
		}
	}
	conns.slots[i].n = 0;
}

static int conns_init(const struct config *cfg)
{
	size_t n = 64;

	while (n < (size_t)cfg->max_conns * 2)
		n <<= 1;
	conns.slots = calloc(n, sizeof(*conns.slots));
	if (!conns.slots)
		return -1;
	conns.mask = n - 1;
	conns.max_total = cfg->max_conns;
	conns.max_per = cfg->max_conns_per_address;
	conns.total = 0;
	return 0;
}

static int conn_admit(struct conn_info *ci, int capped)
{
	size_t i;
	int rc = -1;

	pthread_mutex_lock(&conns.lock);
	if (conns.total >= conns.max_total)
		goto out;
	if (capped && conns.max_per > 0) {
		i = slot_find(ci->key);
		if (conns.slots[i].n >= conns.max_per)
			goto out;
		if (!conns.slots[i].n)
			memcpy(conns.slots[i].key, ci->key, 16);
		conns.slots[i].n++;
		ci->counted = 1;
	}
	conns.total++;
	rc = 0;
out:
	pthread_mutex_unlock(&conns.lock);
	return rc;
}

static void conn_release(void *p);

static void linger_on_timeout(h2o_timeout_entry_t *e)
{
	struct conn_info *ci = H2O_STRUCT_FROM_MEMBER(struct conn_info, linger_timer, e);

	h2o_socket_close(ci->linger);
}

static int linger_start(struct conn_info *ci)
{
	int fd = ci->linger_fd;

	ci->linger_fd = -1;
	shutdown(fd, SHUT_WR);
	ci->linger = h2o_evloop_socket_create(ci->loop, fd, 0);
	if (!ci->linger) {
		close(fd);
		return -1;
	}
	ci->linger->on_close.cb = conn_release;
	ci->linger->on_close.data = ci;
	h2o_socket_read_start(ci->linger, linger_on_read);
	ci->linger_timer.cb = linger_on_timeout;
	h2o_timeout_link(ci->loop, &linger_timeout, &ci->linger_timer);
	h2o_linklist_insert(&lingering, &ci->linger_link);
	return 0;
}

static void conn_release(void *p)
{
	struct conn_info *ci = p;
	size_t i;

	if (h2o_linklist_is_linked(&ci->open_link))
		h2o_linklist_unlink(&ci->open_link);
	if (ci->linger_fd >= 0 && linger_start(ci) == 0)
		return; /* h2o closed its descriptor; the duplicate lingers */
	if (h2o_timeout_is_linked(&ci->linger_timer))
		h2o_timeout_unlink(&ci->linger_timer);
	if (h2o_linklist_is_linked(&ci->linger_link))
		h2o_linklist_unlink(&ci->linger_link);
	pthread_mutex_lock(&conns.lock);
	conns.total--;
	if (ci->counted) {
		i = slot_find(ci->key);
		if (conns.slots[i].n && --conns.slots[i].n == 0)
			slot_remove(i);
	}
	pthread_mutex_unlock(&conns.lock);
	free(ci->cert);
	free(ci->chain);
	free(ci);
}

static struct conn_info *conn_of(h2o_conn_t *conn)
{
	h2o_socket_t *sock = conn && conn->callbacks->get_socket ? conn->callbacks->get_socket(conn) : NULL;

	return sock && sock->on_close.cb == conn_release ? sock->on_close.data : NULL;
}

static void addr_key(const struct sockaddr_storage *ss, unsigned char key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;

		memcpy(key, a6->sin6_addr.s6_addr, IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) ? 16 : 8);
	}
}

struct epak_handler {
	h2o_handler_t super;
	struct site *site;
};

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

/* ---- Refusing on the headers, before the body is read ----
 *
 * h2o 2.2 reads a whole request body into memory before it calls on_req
 * (http1.c buffers up to max_request_entity_size). After every turn of the
 * event loop each HTTP/1 request of the thread whose headers have arrived
 * but whose body is still coming is looked at (H2O_HTTP1_CALLBACKS'
 * foreach_request is h2o's public walk over them): when its headers alone
 * decide the answer — a Content-Length over max-body, no such route, a
 * method the route does not take, a form route without the CSRF cookie or
 * from another site, a route the listener does not serve — or when more
 * than max-body has arrived (chunked), reading stops and the request is
 * handed to on_req with an empty body and that answer; the connection
 * closes after it. So a refused upload costs what arrived within one turn
 * of the loop, not max_request_entity_size. A request that passed is
 * remembered (per thread) so its headers are parsed once. */
enum { EARLY_MEMO = 256, EARLY_MAX = 32 };

/* The largest body any route takes, and the one route m takes (m NULL or
 * not found: max-body). */
static size_t body_limit_any(const struct site *site)
{
	return site->max_upload_body > site->cfg->max_body ? site->max_upload_body : site->cfg->max_body;
}

static size_t body_limit(const struct site *site, const struct route *route)
{
	return route && (route->flags & ROUTE_LARGE_BODY) ? body_limit_any(site) : site->cfg->max_body;
}

struct early_memo {
	const h2o_req_t *req;
	struct timeval begin; /* tells this request from the next one on the connection */
	size_t head_len;
	size_t limit; /* its route's body limit */
};

static _Thread_local struct early_memo early_memo[EARLY_MEMO];
static _Thread_local h2o_req_t *early_req; /* being refused right now, by early_code */
static _Thread_local enum err_code early_code;

struct early_found {
	h2o_req_t *req;
	enum err_code code;
};

struct early_walk {
	struct worker *w;
	struct early_found found[EARLY_MAX];
	int n;
};

/* The route of a method and path (as sent: the path is normalized here the
 * way h2o will), language prefix removed. */
static enum route_result early_route(const struct site *site, h2o_mem_pool_t *pool, h2o_iovec_t method,
				     h2o_iovec_t path, struct route_match *m)
{
	size_t query_at = SIZE_MAX, *norm = NULL;
	h2o_iovec_t p = h2o_url_normalize_path(pool, path.base, path.len, &query_at, &norm);

	if (p.len >= 3 && !memcmp(p.base, "/en", 3) && (p.len == 3 || p.base[3] == '/')) {
		p.base += 3;
		p.len -= 3;
	}
	if (!p.len || p.base[0] != '/' || memchr(p.base, '\0', p.len))
		return ROUTE_NOT_FOUND;
	return router_match(site->routes, site->nroutes, method.base, method.len, p.base, p.len, m);
}

static enum err_code early_headers(struct worker *w, h2o_req_t *req, const char *head, size_t head_avail,
				   size_t *head_len, size_t *limit)
{
	const struct site *site = w->site;
	struct phr_header hdr[100];
	size_t nh = sizeof(hdr) / sizeof(hdr[0]), i, cl;
	const char *method, *path;
	size_t mlen, plen;
	int minor, len;
	h2o_mem_pool_t pool;
	struct route_match m;
	enum route_result rr;
	enum err_code code = ERR_OK;
	struct conn_info *ci = conn_of(req->conn);

	len = phr_parse_request(head, head_avail, &method, &mlen, &path, &plen, &minor, hdr, &nh, 0);
	if (len <= 0)
		return ERR_OK; /* not ours to judge: h2o has parsed it differently */
	*head_len = (size_t)len;
	h2o_mem_init_pool(&pool);
	memset(&m, 0, sizeof(m));
	rr = early_route(site, &pool, req->input.method, req->input.path, &m);
	*limit = body_limit(site, rr == ROUTE_FOUND ? m.route : NULL);
	/* an upload route's larger limit is only for those who may upload
	 * (site.h large_body_ok): anyone else's body is judged by max-body here,
	 * on the headers and what has arrived, not once h2o has taken it all */
	if (rr == ROUTE_FOUND && (m.route->flags & ROUTE_LARGE_BODY) && site->large_body_ok &&
	    *limit > site->cfg->max_body) {
		struct req r;

		memset(&r, 0, sizeof(r));
		r.h = req;
		r.site = site;
		r.worker = w;
		r.flags = m.route->flags;
		r.answered = 1; /* a stale session's cookie is cleared by on_req, not here */
		r.is_tls = req->input.scheme == &H2O_URL_SCHEME_HTTPS;
		r.arena = arena_new(256 * 1024);
		if (!r.arena || !site->large_body_ok(&r))
			*limit = site->cfg->max_body;
		arena_free(r.arena);
	}
	for (i = 0; i < nh; i++)
		if (hdr[i].name_len == 14 && !strncasecmp(hdr[i].name, "content-length", 14)) {
			cl = h2o_strtosize(hdr[i].value, hdr[i].value_len);
			if (cl != SIZE_MAX && cl > *limit) {
				h2o_mem_clear_pool(&pool);
				return ERR_BODY_TOO_LARGE;
			}
		}
	if (rr == ROUTE_NOT_FOUND)
		code = ERR_NOT_FOUND;
	else if (rr == ROUTE_METHOD_NOT_ALLOWED)
		code = ERR_METHOD;
	else if (rr == ROUTE_FOUND && ci && ci->cert_listener && !(m.route->flags & ROUTE_CLIENT_CERT))
		code = ERR_NOT_FOUND;
	else if (rr == ROUTE_FOUND && (m.route->flags & ROUTE_CSRF)) {
		struct req r;

		memset(&r, 0, sizeof(r));
		r.h = req;
		r.site = site;
		r.is_tls = req->input.scheme == &H2O_URL_SCHEME_HTTPS;
		r.arena = arena_new(256 * 1024);
		if (r.arena && csrf_precheck(&r) != 0)
			code = ERR_CSRF;
		arena_free(r.arena);
	}
	h2o_mem_clear_pool(&pool);
	return code;
}

static int early_look(h2o_req_t *req, void *arg)
{
	struct early_walk *ew = arg;
	struct early_memo *memo;
	h2o_socket_t *sock;
	size_t head_len = 0, limit = ew->w->site->cfg->max_body;
	enum err_code code;

	/* headers parsed (version), a body announced (its start time), not yet
	 * handed to a handler (pathconf) */
	if (!req->version || req->version >= 0x200 || req->pathconf || !req->timestamps.request_body_begin_at.tv_sec ||
	    ew->n == EARLY_MAX)
		return 0;
	sock = req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn) : NULL;
	if (!sock || !sock->input || h2o_socket_is_writing(sock)) /* e.g. "100 Continue" on its way */
		return 0;
	memo = &early_memo[((uintptr_t)req >> 6) % EARLY_MEMO];
	if (memo->req == req && !memcmp(&memo->begin, &req->timestamps.request_body_begin_at, sizeof(memo->begin))) {
		head_len = memo->head_len;
		limit = memo->limit;
		code = ERR_OK;
	} else {
		code = early_headers(ew->w, req, sock->input->bytes, sock->input->size, &head_len, &limit);
		if (code == ERR_OK && head_len) {
			memo->req = req;
			memo->begin = req->timestamps.request_body_begin_at;
			memo->head_len = head_len;
			memo->limit = limit;
		}
	}
	/* chunked bodies announce no length: judged by what has arrived (the
	 * chunk framing's few bytes over max-body are allowed for; a header
	 * block that could not be measured counts as max-header) */
	if (!head_len)
		head_len = ew->w->site->cfg->max_header;
	if (code == ERR_OK && sock->input->size > head_len && sock->input->size - head_len > limit + 64 * 1024)
		code = ERR_BODY_TOO_LARGE;
	if (code != ERR_OK) {
		ew->found[ew->n].req = req;
		ew->found[ew->n].code = code;
		ew->n++;
	}
	return 0;
}

static void early_sweep(struct worker *w)
{
	struct early_walk ew;
	h2o_socket_t *sock;
	int i;

	ew.w = w;
	ew.n = 0;
	H2O_HTTP1_CALLBACKS.foreach_request(&w->ctx, early_look, &ew);
	for (i = 0; i < ew.n; i++) {
		h2o_req_t *req = ew.found[i].req;

		struct conn_info *ci = conn_of(req->conn);

		sock = req->conn->callbacks->get_socket(req->conn);
		h2o_socket_read_stop(sock);
		if (ci && ci->linger_fd < 0)
			ci->linger_fd = fcntl(ci->fd, F_DUPFD_CLOEXEC, 0);
		req->http1_is_persistent = 0;
		early_req = req;
		early_code = ew.found[i].code;
		h2o_process_request(req); /* on_req answers with early_code */
		early_req = NULL;
	}
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
		ml.max_file_size = body_limit(r->site, r->match.route);
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

/* From the tls-client-listen address to the same path and query on the
 * site: public-url's origin, or https on the request's host and the first
 * listen address's port. The target is h2o's, always a path ("/…"). */
static void site_redirect(struct req *r)
{
	const struct config *cfg = r->site->cfg;
	h2o_req_t *h = r->h;
	const char *pub = cfg->public_url, *sep = strstr(pub, "://"), *port, *loc;
	size_t hlen = h->input.authority.len;
	const char *host = h->input.authority.base;
	int olen;

	if (h->input.path.len == 0 || h->input.path.base[0] != '/' ||
	    (h->input.path.len > 1 && h->input.path.base[1] == '/')) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return;
	}
	if (sep) {
		olen = (int)((size_t)(sep + 3 - pub) + strcspn(sep + 3, "/?#"));
		loc = arena_printf(r->arena, "%.*s%.*s", olen, pub, (int)h->input.path.len, h->input.path.base);
	} else {
		/* the host without its port ("[v6]:p", "name:p") */
		if (hlen && host[hlen - 1] != ']') {
			const char *c = memrchr(host, ':', hlen);

			if (c)
				hlen = (size_t)(c - host);
		}
		port = cfg->nlisten ? strrchr(cfg->listen[0], ':') : NULL;
		loc =
		    arena_printf(r->arena, "https://%.*s%s%.*s", (int)hlen, host,
				 port && strcmp(port, ":443") ? port : "", (int)h->input.path.len, h->input.path.base);
	}
	if (!loc || (!sep && !url_host_ok(host, hlen)) || strpbrk(loc, " \t\r\n\\")) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return;
	}
	resp_add_header(r, "location", loc);
	resp_send(r, 302, "text/plain; charset=utf-8", "", 0, RESP_NO_STORE);
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
	r->arena = arena_new(body_limit_any(site) + 4 * 1024 * 1024);
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
	/* API clients get JSON errors, the limits' below too (their path is
	 * read only as far as its prefix). */
	if ((h->input.path.len >= 5 && !memcmp(h->input.path.base, "/api/", 5)) ||
	    (h->input.path.len >= 8 && !memcmp(h->input.path.base, "/en/api/", 8)))
		r->flags |= ROUTE_JSON;
	/* Limits first: nothing else is read from an oversized request. */
	if (h->input.path.len > cfg->max_url) {
		resp_error(r, ERR_URI_TOO_LONG, NULL);
		return 0;
	}
	if (headers_size(h) > cfg->max_header) {
		resp_error(r, ERR_HEADERS_TOO_LARGE, NULL);
		return 0;
	}
	if (h->entity.base && h->entity.len > body_limit_any(site)) {
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
	/* the route's own body limit (max-body, or an upload route's) */
	if (h->entity.base && h->entity.len > body_limit(site, r->match.route)) {
		h->http1_is_persistent = 0;
		resp_error(r, ERR_BODY_TOO_LARGE, NULL);
		return 0;
	}

	/* The certificate-login listener serves certificate login only; any
	 * other page (where a login sends the person next) is on the site. */
	if (conn_of(h->conn) && conn_of(h->conn)->cert_listener && !(r->flags & ROUTE_CLIENT_CERT)) {
		site_redirect(r);
		return 0;
	}
	/* Refused on its headers by early_sweep; its body was never read. */
	if (early_req == h) {
		h->http1_is_persistent = 0;
		resp_error(r, early_code, NULL);
		return 0;
	}
	/* A route that reads the query gets a 400 for one that does not parse,
	 * not a page answered as if there were no query. */
	if (r->match.route->query && r->query && req_query_error(r)) {
		resp_error(r, ERR_BAD_ENCODING, req_query_error(r));
		return 0;
	}

	/* What CSRF can tell without the body (the cookie, where the browser
	 * says the request comes from) is checked before the body is parsed, so
	 * a cross-site or cookie-less upload never writes a byte to disk. */
	if ((r->flags & ROUTE_CSRF) && csrf_precheck(r) != 0) {
		resp_error(r, ERR_CSRF, NULL);
		return 0;
	}
	if ((r->flags & ROUTE_LARGE_BODY) && h->entity.base && h->entity.len > cfg->max_body && site->large_body_ok &&
	    !site->large_body_ok(r)) {
		h->http1_is_persistent = 0;
		resp_error(r, ERR_BODY_TOO_LARGE, NULL);
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

/* ---- What the request knows of its client ---- */

int req_client_cert_chain(struct req *r, const unsigned char **der, size_t *der_len)
{
	struct conn_info *ci = conn_of(r->h->conn);

	*der = ci && ci->cert_listener ? ci->chain : NULL;
	*der_len = *der ? ci->chain_len : 0;
	return *der ? 0 : -1;
}

int req_on_cert_listener(struct req *r)
{
	struct conn_info *ci = conn_of(r->h->conn);

	return ci && ci->cert_listener;
}

unsigned req_peer_sockaddr(struct req *r, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	return r->h && r->h->conn && r->h->conn->callbacks->get_peername
		   ? (unsigned)r->h->conn->callbacks->get_peername(r->h->conn, (struct sockaddr *)ss)
		   : 0;
}

unsigned req_client_sockaddr(struct req *r, struct sockaddr_storage *ss)
{
	unsigned n = req_peer_sockaddr(r, ss);
	const char *xff, *last;
	char addr[INET6_ADDRSTRLEN + 1];
	size_t len;

	if (!n || !netlist_match(&trusted_proxies, (struct sockaddr *)ss))
		return n;
	/* the proxy appends the address it saw: the last one is the only one
	 * a client cannot write */
	xff = req_header(r, "x-forwarded-for");
	if (!xff)
		return n;
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	last += strspn(last, " \t");
	len = strcspn(last, " \t");
	if (!len || len >= sizeof(addr))
		return n;
	memcpy(addr, last, len);
	addr[len] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return sizeof(struct sockaddr_in);
	}
	if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		return sizeof(struct sockaddr_in6);
	}
	return req_peer_sockaddr(r, ss); /* not an address: the proxy's own */
}

enum client_cert req_client_cert(struct req *r, const unsigned char **der, size_t *der_len)
{
	struct conn_info *ci = conn_of(r->h->conn);
	struct sockaddr_storage ss;
	ssize_t i;

	*der = NULL;
	*der_len = 0;
	if (ci && ci->cert_listener) {
		if (!ci->cert)
			return CLIENT_CERT_NONE;
		*der = ci->cert;
		*der_len = ci->cert_len;
		return CLIENT_CERT_TLS;
	}
	i = h2o_find_header_by_str(&r->h->headers, H2O_STRLIT("x-client-cert"), -1);
	if (i < 0)
		return CLIENT_CERT_NONE;
	if (!req_peer_sockaddr(r, &ss) || !netlist_match(&cert_proxies, (struct sockaddr *)&ss))
		return CLIENT_CERT_UNTRUSTED;
	if (!r->h->headers.entries[i].value.len) /* nginx: no certificate */
		return CLIENT_CERT_NONE;
	if (client_cert_from_header(r->arena, r->h->headers.entries[i].value.base, r->h->headers.entries[i].value.len,
				    der, der_len) != 0)
		return CLIENT_CERT_BAD_HEADER;
	return CLIENT_CERT_PROXY;
}

/* "HOST:PORT", "[v6]:PORT" → a bound, listening, non-blocking socket. */
static int listen_on(const char *spec, struct err *err)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	const char *port;
	size_t hlen;
	struct addrinfo hints, *res = NULL;
	int fd = -1, one = 1, rc;

	if (!colon) {
		err_set(err, ERR_INTERNAL, "%s: not HOST:PORT", spec);
		return -1;
	}
	port = colon + 1;
	hlen = (size_t)(colon - spec);
	if (hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host)) {
		err_set(err, ERR_INTERNAL, "host name too long");
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
		err_set(err, ERR_INTERNAL, "%s: %s", spec, gai_strerror(rc));
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
	err_set(err, ERR_INTERNAL, "%s: %s", spec, strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

static void tls_follow(struct worker *w);

static void on_accept(h2o_socket_t *listener, const char *err)
{
	struct worker *w = listener->data;
	int cert = w->cert_fd >= 0 && listener == w->listeners[w->cert_fd];
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct conn_info *ci;
	h2o_socket_t *sock;
	int capped, i, lfd = -1, fd, one = 1;

	if (err)
		return;
	for (i = 0; i < w->nfds; i++)
		if (listener == w->listeners[i])
			lfd = w->fds[i];
	/* accepted here, not by h2o_evloop_socket_accept, to know the
	 * descriptor (lingering close) */
	memset(&ss, 0, sizeof(ss));
	fd = lfd < 0 ? -1 : accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sock = h2o_evloop_socket_create(w->ctx.loop, fd, H2O_SOCKET_FLAG_IS_ACCEPTED_CONNECTION);
	if (!sock) {
		close(fd);
		return;
	}
	ci = calloc(1, sizeof(*ci));
	if (!ci) {
		h2o_socket_close(sock);
		return;
	}
	addr_key(&ss, ci->key);
	ci->cert_listener = cert;
	ci->fd = fd;
	ci->linger_fd = -1;
	ci->loop = w->ctx.loop;
	/* Proxies carry many clients: only the total cap holds for them. */
	capped = !netlist_match(&trusted_proxies, (struct sockaddr *)&ss) &&
		 !netlist_match(&cert_proxies, (struct sockaddr *)&ss);
	if (conn_admit(ci, capped) != 0) {
		free(ci);
		h2o_socket_close(sock);
		if (atomic_fetch_add(&conns.refused, 1) % 1000 == 0)
			log_warn("connections refused at accept (max-conns %d, max-conns-per-address %d): %d so far",
				 conns.max_total, conns.max_per, atomic_load(&conns.refused));
		return;
	}
	sock->on_close.cb = conn_release;
	sock->on_close.data = ci;
	ci->accepted_at = now_usec();
	h2o_linklist_insert(&open_conns, &ci->open_link);
	tls_follow(w);
	h2o_accept(cert ? &w->cert_accept_ctx : &w->accept_ctx, sock);
}

/* ---- Lifecycle (issue 15): watchdog, drain on stop, reload on SIGHUP ----
 *
 * Signal handlers only set flags. The thread that called server_run is the
 * control thread: it tells the service manager READY=1 once the loops run
 * and the site is ready, reloads on SIGHUP while the loops keep serving,
 * and on SIGTERM sets the shutdown deadline (shutdown-timeout) and stops
 * the loops, which then drain: no more accepting (a socket passed by the
 * service manager stays open there, so new connections wait in its
 * backlog for the next process), requests in flight finish (HTTP/1 closes
 * after its response, idle keep-alive connections are closed at once,
 * HTTP/2 gets GOAWAY), worker-pool jobs finish; whatever is still running
 * at the deadline is cut off. */
static struct worker *all_workers;
static int all_n;
static atomic_llong drain_deadline; /* now_usec() */
static atomic_int stop_cut;         /* something was cut off at the deadline */

/* The TLS contexts new connections get; a reload publishes new ones (a
 * bad certificate or key keeps the old). OpenSSL counts references: tls_now
 * holds one, each loop thread's accept context one, each connection one
 * (its SSL), so a replaced context is freed when the last connection made
 * with it closes and every thread has moved on. */
static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *tls_now, *tls_cert_now;
static atomic_int tls_gen;

static SSL_CTX *tls_ref(SSL_CTX *c)
{
	if (c)
		SSL_CTX_up_ref(c);
	return c;
}

/* On a loop thread, at each accept: take the newest TLS contexts. */
static void tls_follow(struct worker *w)
{
	int g = atomic_load(&tls_gen);

	if (g == w->tls_gen)
		return;
	SSL_CTX *old = w->accept_ctx.ssl_ctx, *old_cert = w->cert_accept_ctx.ssl_ctx;

	pthread_mutex_lock(&tls_lock);
	w->accept_ctx.ssl_ctx = tls_ref(tls_now);
	w->cert_accept_ctx.ssl_ctx = tls_ref(tls_cert_now);
	pthread_mutex_unlock(&tls_lock);
	SSL_CTX_free(old);
	SSL_CTX_free(old_cert);
	w->tls_gen = g;
}

/* The watchdog pings from the first loop's turn while every loop turned
 * recently and the worker pool is not stuck. */
static void watchdog_tick(void)
{
	long long every = notify_watchdog_usec(), now, limit;
	int i;

	if (every <= 0)
		return;
	now = now_usec();
	limit = every / 2 > 1000000 ? every / 2 : 1000000;
	for (i = 0; i < all_n; i++)
		if (now - atomic_load(&all_workers[i].beat) > limit)
			return;
	if (async_pool_stalled(limit))
		return;
	notify_watchdog();
}

/* A connection with a request in flight is busy: an HTTP/1 request of
 * which a byte has arrived, or any HTTP/2 stream. Every other connection is
 * idle and closed when draining (shutdown sends FIN; h2o reads the end and
 * closes its side), except one accepted less than IDLE_GRACE_MS ago, which
 * is left its first request: a proxy connects, then sends, and the accept
 * can come between. Closing HTTP/2 connections here, not by h2o 2.2's own
 * graceful shutdown: that half-closes every connection a second after its
 * GOAWAY and then drops streams whose body is still arriving, so drain_loop
 * stops its timer. */
enum { IDLE_GRACE_MS = 1000 };
static _Thread_local unsigned drain_round;

static int drain_mark(h2o_req_t *req, void *arg)
{
	h2o_socket_t *sock = req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn) : NULL;
	struct conn_info *ci = conn_of(req->conn);

	if (req->version < 0x200 && req->timestamps.request_begin_at.tv_sec == 0 && sock &&
	    !(sock->input && sock->input->size) && !h2o_socket_is_writing(sock))
		return 0; /* an idle HTTP/1 connection */
	if (ci)
		ci->drain_mark = drain_round;
	(*(int *)arg)++;
	return 0;
}

/* The requests in flight on the thread; with close_idle, closes the idle
 * connections. */
static int drain_pending(struct worker *w, int close_idle)
{
	h2o_linklist_t *node;
	long long now = now_usec();
	int busy = 0, pending;

	drain_round++;
	H2O_HTTP1_CALLBACKS.foreach_request(&w->ctx, drain_mark, &busy);
	H2O_HTTP2_CALLBACKS.foreach_request(&w->ctx, drain_mark, &busy);
	if (!close_idle)
		return busy;
	for (node = open_conns.next; node != &open_conns; node = node->next) {
		struct conn_info *ci = H2O_STRUCT_FROM_MEMBER(struct conn_info, open_link, node);

		pending = 0;
		if (ci->drain_mark != drain_round && now - ci->accepted_at >= IDLE_GRACE_MS * 1000LL &&
		    ioctl(ci->fd, FIONREAD, &pending) == 0 && !pending)
			shutdown(ci->fd, SHUT_RDWR);
	}
	return busy;
}

/* On a loop thread once loops_stop is set: stop accepting, then serve what
 * is in flight until it is done or the deadline passes. */
static void drain_loop(struct worker *w)
{
	long long deadline = atomic_load(&drain_deadline);
	int i;

	for (i = 0; i < w->nfds; i++) {
		h2o_socket_read_stop(w->listeners[i]);
		h2o_socket_close(w->listeners[i]);
	}
	h2o_context_request_shutdown(&w->ctx);
	if (h2o_timeout_is_linked(&w->ctx.http2._graceful_shutdown_timeout))
		h2o_timeout_unlink(&w->ctx.http2._graceful_shutdown_timeout);
	w->drain_busy = drain_pending(w, 1);
	while ((!h2o_linklist_is_empty(&w->ctx.http1._conns) || !h2o_linklist_is_empty(&w->ctx.http2._conns)) &&
	       now_usec() < deadline) {
		h2o_evloop_run(w->ctx.loop, 50);
		early_sweep(w);
		drain_pending(w, 1);
	}
	w->drain_cut = drain_pending(w, 0);
	if (w->drain_cut)
		atomic_store(&stop_cut, 1);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int i;

	metrics_thread_bind(w->id); /* metrics: this thread's own counters */
	if (w->site->thread_start)
		w->site->thread_start(w->site, w);
	async_worker_attach(w);
	h2o_timeout_init(w->ctx.loop, &linger_timeout, LINGER_MS);
	h2o_linklist_init_anchor(&lingering);
	h2o_linklist_init_anchor(&open_conns);
	for (i = 0; i < w->nfds; i++) {
		w->listeners[i] = h2o_evloop_socket_create(w->ctx.loop, w->fds[i], H2O_SOCKET_FLAG_DONT_READ);
		w->listeners[i]->data = w;
		h2o_socket_read_start(w->listeners[i], on_accept);
	}
	while (!atomic_load(&loops_stop)) {
		atomic_store(&w->beat, now_usec());
		if (w->id == 0) {
			if (w->site->tick)
				w->site->tick(w->site);
			watchdog_tick();
		}
		h2o_evloop_run(w->ctx.loop, 200);
		early_sweep(w);
	}
	drain_loop(w);
	while (!h2o_linklist_is_empty(&lingering)) {
		struct conn_info *ci = H2O_STRUCT_FROM_MEMBER(struct conn_info, linger_link, lingering.next);

		h2o_linklist_unlink(&ci->linger_link);
		h2o_socket_close(ci->linger);
	}
	h2o_evloop_run(w->ctx.loop, 10);
	async_worker_detach(w);
	if (w->site->thread_exit)
		w->site->thread_exit(w->site, w);
	return NULL;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		atomic_store(&server_reload, 1);
	else
		atomic_store(&server_stop, 1);
}

void server_request_stop(void)
{
	atomic_store(&server_stop, 1);
}

/* ---- metrics and health (issue 15): read-only views of the state above ---- */

int server_stopping(void)
{
	return atomic_load(&server_stop) != 0;
}

int server_open_connections(void)
{
	int n;

	pthread_mutex_lock(&conns.lock);
	n = conns.total;
	pthread_mutex_unlock(&conns.lock);
	return n;
}

long long server_refused_connections(void)
{
	return atomic_load(&conns.refused);
}

void server_request_reload(void)
{
	atomic_store(&server_reload, 1);
}

int server_stop_cut(void)
{
	return atomic_load(&stop_cut);
}

long long server_stop_deadline(void)
{
	return atomic_load(&drain_deadline);
}

static SSL_CTX *tls_new(const struct config *cfg, int client_cert, struct err *err);

/* A new certificate and key for new connections; on any error the old
 * ones stay and the error is logged. */
static int tls_reload(const struct config *cfg)
{
	struct err err = {0};
	SSL_CTX *fresh = NULL, *fresh_cert = NULL;

	if (!*cfg->tls_cert)
		return 0;
	fresh = tls_new(cfg, 0, &err);
	if (fresh && *cfg->tls_client_listen)
		fresh_cert = tls_new(cfg, 1, &err);
	if (!fresh || (*cfg->tls_client_listen && !fresh_cert)) {
		log_error("TLS certificate not reloaded: %s: %s (the old one stays)", cfg->tls_cert, err.msg);
		SSL_CTX_free(fresh);
		return -1;
	}
	pthread_mutex_lock(&tls_lock);
	SSL_CTX_free(tls_now); /* the threads and connections keep their own references */
	SSL_CTX_free(tls_cert_now);
	tls_now = fresh;
	tls_cert_now = fresh_cert;
	pthread_mutex_unlock(&tls_lock);
	atomic_fetch_add(&tls_gen, 1);
	return 0;
}

/* SIGHUP, on the control thread: the site's files, the certificate, and a
 * new revision so no page rendered with the old templates is served. */
static void reload(struct site *site)
{
	long long t0 = now_usec();
	int bad = 0;

	notify_reloading();
	log_info("reloading (SIGHUP)");
	if (site->reload && site->reload(site) != 0)
		bad = 1;
	if (tls_reload(site->cfg) != 0)
		bad = 1;
	atomic_fetch_add(&site->revision, 1);
	log_info("reloaded in %lld ms%s", (now_usec() - t0) / 1000,
		 bad ? "; a part kept its old version (see the errors above)" : "");
	notify_ready(bad ? "serving; the last reload kept some old files (see the log)" : "serving");
}

/* The control thread's wait: READY when the site is, reload on SIGHUP,
 * until a stop is asked. */
static void control(struct site *site, int nthreads)
{
	struct timespec nap = {0, 50 * 1000000L};
	int ready = 0;

	while (!atomic_load(&server_stop)) {
		if (!ready && (!site->ready || site->ready(site))) {
			ready = 1;
			notify_ready("serving");
			log_info("ready (%d thread(s))", nthreads);
		}
		if (ready && atomic_exchange(&server_reload, 0))
			reload(site);
		nanosleep(&nap, NULL);
	}
	atomic_store(&drain_deadline, now_usec() + (long long)site->cfg->shutdown_timeout * 1000000LL);
	notify_stopping("stopping: finishing requests in flight");
	log_info("stopping: finishing requests in flight (at most %d s)", site->cfg->shutdown_timeout);
	atomic_store(&loops_stop, 1);
}

/* Sockets passed by the service manager (socket activation): each loop
 * thread accepts on its own duplicate of each, the originals are closed.
 * 0 when none were passed, 1 when the workers have them, -1 on error. */
static int listen_inherited(struct worker *workers, int nthreads, int have_cert_tls)
{
	int fds[CONFIG_MAX_LISTEN + 1], cert[CONFIG_MAX_LISTEN + 1], n, i, k;
	char why[256];

	n = notify_listen_fds(fds, cert, CONFIG_MAX_LISTEN + 1, why, sizeof(why));
	if (n < 0) {
		log_error("socket activation: %s", why);
		return -1;
	}
	if (n == 0)
		return 0;
	for (k = 0; k < n; k++) {
		if (cert[k] && !have_cert_tls) {
			log_error(
			    "socket activation: a socket named %s needs tls-client-listen (with tls-cert, tls-key)",
			    NOTIFY_FD_TLS_CLIENT);
			return -1;
		}
		fcntl(fds[k], F_SETFL, fcntl(fds[k], F_GETFL) | O_NONBLOCK);
		fcntl(fds[k], F_SETFD, FD_CLOEXEC);
	}
	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		for (k = 0; k < n; k++) {
			w->fds[w->nfds] = fcntl(fds[k], F_DUPFD_CLOEXEC, 3);
			if (w->fds[w->nfds] < 0) {
				log_error("socket activation: %s", strerror(errno));
				return -1;
			}
			if (cert[k])
				w->cert_fd = w->nfds;
			w->nfds++;
		}
	}
	for (k = 0; k < n; k++)
		close(fds[k]);
	log_info("socket activation: %d listening socket(s) from the service manager", n);
	return 1;
}

/* One line on what the stop drained and what it cut off. */
static void stop_report(int nthreads, int pool_cut, long long t0)
{
	int i, busy = 0, cut = 0;

	for (i = 0; i < nthreads; i++) {
		busy += all_workers[i].drain_busy;
		cut += all_workers[i].drain_cut;
	}
	if (cut || pool_cut)
		log_warn("stopped after %lld ms: %d request(s) in flight finished, %d cut off at shutdown-timeout; "
			 "%d worker job(s) cut off",
			 (now_usec() - t0) / 1000, busy - cut, cut, pool_cut);
	else
		log_info("stopped after %lld ms: %d request(s) in flight finished, none cut off",
			 (now_usec() - t0) / 1000, busy);
}

/* ---- TLS client certificates (tls-client-listen) ----
 *
 * The listener's TLS asks every client for a certificate and takes any
 * (SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT, a verify callback that
 * accepts, no CA names sent so a browser offers all its certificates):
 * the real check is the caller's. No session resumption there, so every
 * connection proves possession of the key in its own handshake. When the
 * handshake is done the leaf is kept in the connection's conn_info. */
static int accept_any_cert(int preverify_ok, X509_STORE_CTX *ctx)
{
	(void)preverify_ok;
	(void)ctx;
	return 1;
}

/* The intermediates the client sent (a server's peer chain holds no leaf),
 * at most CHAIN_MAX of them and CHAIN_BYTES together: only ever a help to
 * build the path, never trusted for it. */
enum { CHAIN_MAX = 8, CHAIN_BYTES = 64 * 1024 };

static void keep_chain(struct conn_info *ci, STACK_OF(X509) * sk)
{
	int i, n, count = sk ? sk_X509_num(sk) : 0;
	size_t total = 0;
	unsigned char *p;

	if (count > CHAIN_MAX)
		count = CHAIN_MAX;
	for (i = 0; i < count; i++) {
		n = i2d_X509(sk_X509_value(sk, i), NULL);
		if (n <= 0 || total + (size_t)n > CHAIN_BYTES)
			break;
		total += (size_t)n;
	}
	count = i;
	ci->chain = total ? malloc(total) : NULL;
	if (!ci->chain)
		return;
	p = ci->chain;
	for (i = 0; i < count; i++)
		i2d_X509(sk_X509_value(sk, i), &p);
	ci->chain_len = total;
}

static void on_tls_info(const SSL *ssl, int where, int ret)
{
	h2o_socket_t *sock;
	struct conn_info *ci;
	X509 *cert;
	unsigned char *der = NULL;
	int n;

	(void)ret;
	if (!(where & SSL_CB_HANDSHAKE_DONE))
		return;
	sock = BIO_get_data(SSL_get_rbio(ssl)); /* how h2o itself finds its socket */
	ci = sock && sock->on_close.cb == conn_release ? sock->on_close.data : NULL;
	cert = SSL_get0_peer_certificate(ssl);
	if (!ci || !cert || ci->cert)
		return;
	n = i2d_X509(cert, &der);
	if (n > 0) {
		ci->cert = der;
		ci->cert_len = (size_t)n;
	}
	keep_chain(ci, SSL_get_peer_cert_chain(ssl));
}

static SSL_CTX *tls_new(const struct config *cfg, int client_cert, struct err *err)
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
	if (client_cert) {
		SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, accept_any_cert);
		SSL_CTX_set_session_cache_mode(ssl, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(ssl, SSL_OP_NO_TICKET);
		SSL_CTX_set_num_tickets(ssl, 0);
		SSL_CTX_set_info_callback(ssl, on_tls_info);
		h2o_ssl_register_alpn_protocols(ssl, alpn_h1);
		return ssl;
	}
	h2o_ssl_register_alpn_protocols(ssl, cfg->http2 ? alpn_h2 : alpn_h1);
	return ssl;
fail:
	err_set(err, ERR_INTERNAL, "TLS: %s", ERR_reason_error_string(ERR_get_error()));
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
	SSL_CTX *ssl = NULL, *cert_ssl = NULL;
	struct err err = {0};
	int nthreads = cfg->threads, i, j, rc = 1, inherited = 0, pool_cut;
	long long t0;
	struct sigaction sa;

	if (nthreads <= 0)
		nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads <= 0)
		nthreads = 1;

	h2o_config_init(&gconf);
	gconf.server_name = h2o_iovec_init(H2O_STRLIT("epak"));
	/* h2o refuses larger bodies itself with a bare 413 and closes. Over
	 * HTTP/1 early_sweep refuses them first, on the headers or at max-body
	 * (with our page in the person's language), so h2o's limit stays out of
	 * the way; HTTP/2 streams (the http2 setting) are not swept and keep
	 * h2o's limit at twice ours (at least 1 MiB more). */
	gconf.max_request_entity_size = !cfg->http2 ? (size_t)1 << 40
					: body_limit_any(site) * 2 > body_limit_any(site) + 1024 * 1024
					    ? body_limit_any(site) * 2
					    : body_limit_any(site) + 1024 * 1024;
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

	if (netlist_parse(cfg->trusted_proxies, &trusted_proxies, &err) != 0 ||
	    netlist_parse(cfg->auth_cert_proxies, &cert_proxies, &err) != 0 || conns_init(cfg) != 0) {
		log_error("%s", err.msg[0] ? err.msg : "out of memory");
		goto out;
	}
	if (*cfg->tls_cert) {
		ssl = tls_new(cfg, 0, &err);
		if (!ssl) {
			log_error("%s", err.msg);
			goto out;
		}
	}
	if (*cfg->tls_client_listen) {
		cert_ssl = tls_new(cfg, 1, &err);
		if (!cert_ssl) {
			log_error("%s", err.msg);
			goto out;
		}
	}

	workers = calloc((size_t)nthreads, sizeof(*workers));
	if (!workers)
		goto out;
	if (metrics_init(site->routes, site->nroutes, nthreads) != 0) /* metrics: counters per loop thread */
		log_warn("metrics: no memory for the request counters; requests are not counted");
	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		w->id = i;
		w->site = site;
		cache_init(&w->cache, cfg->cache_size, cfg->cache_max_page);
		h2o_context_init(&w->ctx, h2o_evloop_create(), &gconf);
		w->accept_ctx.ctx = &w->ctx;
		w->accept_ctx.hosts = gconf.hosts;
		w->accept_ctx.ssl_ctx = tls_ref(ssl);
		w->cert_accept_ctx = w->accept_ctx;
		w->cert_accept_ctx.ssl_ctx = tls_ref(cert_ssl);
		w->cert_fd = -1;
	}
	all_workers = workers;
	all_n = nthreads;
	inherited = listen_inherited(workers, nthreads, cert_ssl != NULL);
	if (inherited < 0)
		goto out;
	for (i = 0; i < nthreads && !inherited; i++) {
		struct worker *w = &workers[i];

		for (j = 0; j <= cfg->nlisten; j++) {
			const char *spec = j < cfg->nlisten ? cfg->listen[j] : cfg->tls_client_listen;

			if (!*spec)
				continue;
			w->fds[w->nfds] = listen_on(spec, &err);
			if (w->fds[w->nfds] < 0) {
				log_error("cannot listen on %s", err.msg);
				goto out;
			}
			if (j == cfg->nlisten)
				w->cert_fd = w->nfds;
			w->nfds++;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	tls_now = ssl;
	tls_cert_now = cert_ssl;

	for (j = 0; j < cfg->nlisten && !inherited; j++)
		log_info("serving %s://%s/ with %d thread(s)", ssl ? "https" : "http", cfg->listen[j], nthreads);
	if (cert_ssl && !inherited)
		log_info("certificate login on https://%s/", cfg->tls_client_listen);
	async_pool_limit_bytes(cfg->pool_max_bytes);
	if (async_pool_start(cfg->pool_threads, 1024) != 0) {
		log_error("cannot start the worker pool");
		goto out;
	}
	for (i = 0; i < nthreads; i++)
		pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
	control(site, nthreads);
	t0 = now_usec();
	for (i = 0; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);
	pool_cut = async_pool_stop_by(server_stop_deadline());
	stop_report(nthreads, pool_cut, t0);
	if (pool_cut) {
		/* jobs still run on pool threads: nothing they may use is freed */
		atomic_store(&stop_cut, 1);
		kept_workers = workers;
		return 0;
	}
	rc = 0;
out:
	if (workers) {
		for (i = 0; i < nthreads; i++) {
			for (j = 0; j < workers[i].nfds; j++)
				if (rc != 0)
					close(workers[i].fds[j]);
			cache_clear(&workers[i].cache);
			SSL_CTX_free(workers[i].accept_ctx.ssl_ctx);
			SSL_CTX_free(workers[i].cert_accept_ctx.ssl_ctx);
			workers[i].accept_ctx.ssl_ctx = workers[i].cert_accept_ctx.ssl_ctx = NULL;
		}
		/* The h2o contexts are not disposed: with a keep-alive connection
		 * still open h2o 2.2 asserts, and the process ends right after.
		 * Keeping them reachable tells LeakSanitizer they are not lost. */
		kept_workers = workers;
	}
	h2o_config_dispose(&gconf);
	pthread_mutex_lock(&tls_lock);
	if (tls_now || tls_cert_now) { /* ssl and cert_ssl were published: tls_now held their reference */
		SSL_CTX_free(tls_now);
		SSL_CTX_free(tls_cert_now);
	} else {
		SSL_CTX_free(ssl);
		SSL_CTX_free(cert_ssl);
	}
	tls_now = tls_cert_now = NULL;
	pthread_mutex_unlock(&tls_lock);
	return rc;
}
