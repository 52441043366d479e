/* test_http.c — the HTTP layer on its own: this binary links only src/core
 * and src/http (see the Makefile), serves a route table of its own on a
 * loopback port and checks the answers over a real socket: a page in both
 * languages, a cached page, a form behind CSRF, 404/405, and errors answered
 * through the site's render_error callback and as the JSON body. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "http/async.h"
#include "http/http.h"
#include "http/server.h"
#include "http/site.h"
#include "http/worker.h"

#define THREADS 2

static struct config cfg;
static struct site site;
static pthread_t server_thread;
static int server_rc = -1;
static int port;
static int port_holder = -1; /* keeps the ephemeral port ours until the end */
static unsigned char key[32] = "test key: thirty-two bytes long";

static atomic_int page_calls, cached_calls, render_error_calls, ticks, thread_starts, thread_exits;
static atomic_int last_error_code = -1;

/* ---- the site: handlers and callbacks ---- */

static int page_hello(struct req *r)
{
	int *per_thread = r->worker->data;

	atomic_fetch_add(&page_calls, 1);
	/* the thread's own state, set by thread_start */
	if (!per_thread || *per_thread != 42) {
		resp_error(r, ERR_INTERNAL, "no thread state");
		return 0;
	}
	resp_send(r, 200, "text/html; charset=utf-8", r->lang == LANG_EN ? "hello" : "sveiki",
		  r->lang == LANG_EN ? 5 : 6, 0);
	return 0;
}

static int page_cached(struct req *r)
{
	const char *n = req_query(r, "n");
	int calls = atomic_fetch_add(&cached_calls, 1) + 1;
	char *body = arena_printf(r->arena, "n=%s call=%d", n ? n : "-", calls);

	resp_send(r, 200, "text/plain; charset=utf-8", body, strlen(body), 0);
	return 0;
}

static int page_form(struct req *r)
{
	const char *tok = csrf_token(r);

	resp_send(r, 200, "text/plain; charset=utf-8", tok, strlen(tok), RESP_NO_STORE);
	return 0;
}

static int form_post(struct req *r)
{
	const char *name = req_form(r, "name");
	char *body = arena_printf(r->arena, "thanks, %s", name ? name : "?");

	resp_send(r, 200, "text/plain; charset=utf-8", body, strlen(body), RESP_NO_STORE);
	return 0;
}

static int page_fail(struct req *r)
{
	resp_error(r, ERR_FORBIDDEN, "not for you");
	return 0;
}

static int page_unavailable(struct req *r)
{
	resp_error(r, ERR_UNAVAILABLE, "render fails");
	return 0;
}

/* An upload route: a body larger than max-body is its to take. */
static int big_post(struct req *r)
{
	resp_send(r, 200, "text/plain; charset=utf-8", "taken", 5, RESP_NO_STORE);
	return 0;
}

/* Who may send an upload route a body over max-body: here, requests
 * that say so. */
static int may_upload(struct req *r)
{
	const char *v = req_header(r, "x-may-upload");

	return v && !strcmp(v, "1");
}

/* A request whose handler waits in the worker pool (1.2 s of work). */
static void slow_work(void *cls)
{
	(void)cls;
	usleep(1200 * 1000);
}

static void slow_done(struct req *r, void *cls)
{
	(void)cls;
	if (r)
		resp_send(r, 200, "text/plain; charset=utf-8", "gatavs", 6, RESP_NO_STORE);
}

static int page_slow(struct req *r)
{
	async_run(r, slow_work, slow_done, NULL);
	return 0;
}

static const struct route routes[] = {
    {"GET", "/leni", page_slow, 0, NULL},
    {"POST", "/liela", big_post, ROUTE_LARGE_BODY, NULL},
    {"POST", "/maza", big_post, 0, NULL},
    {"GET", "/sveiki", page_hello, 0, NULL},
    {"GET", "/kesh", page_cached, ROUTE_CACHE, "n#"},
    {"GET", "/forma", page_form, 0, NULL},
    {"POST", "/forma", form_post, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/kluda", page_fail, 0, NULL},
    {"GET", "/api/kluda", page_fail, ROUTE_JSON, NULL},
    {"GET", "/nepieejams", page_unavailable, 0, NULL},
};

/* The HTML error page of this site: plain, but its own, and it fails on
 * purpose for one detail so that the JSON fallback is seen too. */
static int render_error(struct req *r, enum err_code code, const char *detail, struct buf *out)
{
	atomic_fetch_add(&render_error_calls, 1);
	atomic_store(&last_error_code, (int)code);
	if (detail && !strcmp(detail, "render fails"))
		return -1;
	buf_printf(out, "<p lang=\"%s\">%d %s: %s</p>", lang_code(r->lang), err_info(code)->status,
		   err_public_code(code), detail ? detail : "");
	return buf_ok(out) ? 0 : -1;
}

static void tick(struct site *s)
{
	(void)s;
	atomic_fetch_add(&ticks, 1);
}

static void thread_start(struct site *s, struct worker *w)
{
	int *state = malloc(sizeof(*state));

	(void)s;
	*state = 42;
	w->data = state;
	atomic_fetch_add(&thread_starts, 1);
}

static void thread_exit(struct site *s, struct worker *w)
{
	(void)s;
	free(w->data);
	w->data = NULL;
	atomic_fetch_add(&thread_exits, 1);
}

/* ---- a small HTTP/1.1 client ---- */

struct answer {
	int status;
	char raw[16384];
	const char *body; /* into raw */
	size_t body_len;
};

static int exchange(const char *request, struct answer *a)
{
	struct sockaddr_in sa;
	size_t n = 0, len = strlen(request);
	ssize_t k;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *end;

	memset(a, 0, sizeof(*a));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (n < len && (k = write(fd, request + n, len - n)) > 0)
		n += (size_t)k;
	n = 0;
	while (n < sizeof(a->raw) - 1 && (k = read(fd, a->raw + n, sizeof(a->raw) - 1 - n)) > 0)
		n += (size_t)k;
	close(fd);
	a->raw[n] = '\0';
	if (sscanf(a->raw, "HTTP/1.1 %d", &a->status) != 1)
		return -1;
	end = strstr(a->raw, "\r\n\r\n");
	if (!end)
		return -1;
	a->body = end + 4;
	a->body_len = n - (size_t)(a->body - a->raw);
	return 0;
}

static struct answer *get(const char *path, const char *extra_headers)
{
	static struct answer a;
	char req[2048];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n", path,
		 extra_headers ? extra_headers : "");
	assert_int_equal(exchange(req, &a), 0);
	return &a;
}

/* The value of header name (lower case) in a's head, or "" (static). */
static const char *header(const struct answer *a, const char *name)
{
	static char v[512];
	const char *p = a->raw, *head_end = a->body ? a->body : a->raw + strlen(a->raw);
	size_t n = strlen(name), k;

	v[0] = '\0';
	while ((p = strstr(p, "\r\n")) && p < head_end) {
		p += 2;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			k = strcspn(p, "\r\n");
			if (k >= sizeof(v))
				k = sizeof(v) - 1;
			memcpy(v, p, k);
			v[k] = '\0';
			return v;
		}
	}
	return v;
}

static int body_is(const struct answer *a, const char *want)
{
	if (a->body_len == strlen(want) && !memcmp(a->body, want, a->body_len))
		return 1;
	fprintf(stderr, "body: %.*s\nwant: %s\n", (int)a->body_len, a->body, want);
	return 0;
}

/* ---- the server around the tests ---- */

static void *serve(void *arg)
{
	(void)arg;
	server_rc = server_run(&site);
	return NULL;
}

static int start(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1, i;
	char listen_on[64];
	struct err err = {0};
	struct answer a;

	(void)state;
	/* An ephemeral port: bound (not listening) with SO_REUSEPORT, so that
	 * the server's threads can bind it too and nobody else can take it. */
	port_holder = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(port_holder, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(port_holder, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(port_holder, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	port = ntohs(sa.sin_port);

	config_defaults(&cfg);
	snprintf(listen_on, sizeof(listen_on), "127.0.0.1:%d", port);
	if (config_set(&cfg, "listen", listen_on, &err) != 0 || config_set(&cfg, "threads", "2", &err) != 0 ||
	    config_set(&cfg, "max-body", "64k", &err) != 0) {
		fprintf(stderr, "config: %s\n", err.msg);
		return -1;
	}
	log_set_level(LOG_WARN);
	log_set_access(0);

	site.cfg = &cfg;
	site.routes = routes;
	site.nroutes = sizeof(routes) / sizeof(routes[0]);
	site.default_lang = LANG_LV;
	site.tmp_dir = "/tmp";
	site.max_upload_body = 256 * 1024;
	site.large_body_ok = may_upload;
	site.csrf_key = key;
	site.csrf_key_len = sizeof(key);
	atomic_store(&site.revision, 1);
	site.render_error = render_error;
	site.tick = tick;
	site.thread_start = thread_start;
	site.thread_exit = thread_exit;
	if (pthread_create(&server_thread, NULL, serve, NULL) != 0)
		return -1;
	for (i = 0; i < 500; i++) { /* up to 5 s on a loaded machine */
		if (exchange("GET /sveiki HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &a) == 0 &&
		    a.status == 200)
			return 0;
		usleep(10000);
	}
	return -1;
}

static int stopped; /* by the last test */

static int stop(void **state)
{
	(void)state;
	if (!stopped) {
		server_request_stop();
		pthread_join(server_thread, NULL);
	}
	close(port_holder);
	config_free(&cfg);
	return 0;
}

/* ---- the tests ---- */

static void a_page_in_each_language(void **state)
{
	struct answer *a;

	(void)state;
	a = get("/sveiki", NULL);
	assert_int_equal(a->status, 200);
	assert_true(body_is(a, "sveiki"));
	assert_string_equal(header(a, "content-language"), "lv");
	assert_string_equal(header(a, "x-content-type-options"), "nosniff");
	assert_non_null(strstr(header(a, "content-security-policy"), "default-src 'self'"));
	a = get("/en/sveiki", NULL);
	assert_int_equal(a->status, 200);
	assert_true(body_is(a, "hello"));
	assert_string_equal(header(a, "content-language"), "en");
}

static void a_cached_page_is_made_once_per_key_and_revision(void **state)
{
	struct answer *a;
	int before;

	(void)state;
	/* Each thread has its own cache: one connection per request may land
	 * on either, so each page is asked for until both threads hold it. */
	before = atomic_load(&cached_calls);
	for (int i = 0; i < 40; i++) {
		a = get("/kesh?n=7", NULL);
		assert_int_equal(a->status, 200);
		assert_memory_equal(a->body, "n=7 call=", 9);
	}
	assert_in_range(atomic_load(&cached_calls) - before, 1, THREADS);
	/* the canonical number and undeclared parameters are the same entry */
	before = atomic_load(&cached_calls);
	for (int i = 0; i < 20; i++) {
		a = get(i % 2 ? "/kesh?n=007" : "/kesh?cb=1&n=7", NULL);
		assert_int_equal(a->status, 200);
		assert_memory_equal(a->body, "n=7 call=", 9);
	}
	assert_int_equal(atomic_load(&cached_calls), before);
	/* another value is another page */
	a = get("/kesh?n=8", NULL);
	assert_memory_equal(a->body, "n=8 call=", 9);
	assert_true(atomic_load(&cached_calls) > before);
	/* a new revision makes every cached page stale */
	before = atomic_load(&cached_calls);
	atomic_fetch_add(&site.revision, 1);
	for (int i = 0; i < 10; i++)
		get("/kesh?n=7", NULL);
	assert_in_range(atomic_load(&cached_calls) - before, 1, THREADS);
	/* a page has an ETag, and If-None-Match gives 304 (a page whose bytes
	 * are the same on both threads) */
	a = get("/sveiki", NULL);
	{
		char etag[128], hdr[200];

		snprintf(etag, sizeof(etag), "%s", header(a, "etag"));
		assert_true(strlen(etag) > 2);
		snprintf(hdr, sizeof(hdr), "If-None-Match: %s\r\n", etag);
		a = get("/sveiki", hdr);
		assert_int_equal(a->status, 304);
		assert_int_equal(a->body_len, 0);
	}
}

/* POSTs an urlencoded body to /forma with extra headers ("Cookie: ...\r\n"). */
static void post_form(const char *headers, const char *body, struct answer *a)
{
	char req[1024];

	snprintf(req, sizeof(req),
		 "POST /forma HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/x-www-form-urlencoded\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		 headers, strlen(body), body);
	assert_int_equal(exchange(req, a), 0);
}

/* A POST of a body of n bytes to path; only `send` of them are sent
 * (the rest would follow if the server waited for it). */
static void post_body(const char *path, size_t n, size_t send, struct answer *a)
{
	char head[256];
	size_t hl = (size_t)snprintf(head, sizeof(head),
				     "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
				     "X-May-Upload: %d\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
				     path, send == n, n);
	char *req = malloc(hl + send + 1);

	assert_non_null(req);
	memcpy(req, head, hl);
	memset(req + hl, 'a', send);
	req[hl + send] = '\0';
	assert_int_equal(exchange(req, a), 0);
	free(req);
}

static void an_upload_route_has_its_own_body_limit(void **state)
{
	static struct answer a;

	(void)state;
	/* over max-body (64k), within max_upload_body (256k): taken there only */
	post_body("/liela", 100 * 1024, 100 * 1024, &a);
	assert_int_equal(a.status, 200);
	assert_true(body_is(&a, "taken"));
	post_body("/maza", 100 * 1024, 1, &a);
	assert_int_equal(a.status, 413);
	/* from someone the layer above says may not upload: refused unparsed */
	{
		char *req = malloc(100 * 1024 + 256);
		int hl = snprintf(req, 256,
				  "POST /liela HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
				  "Content-Length: %d\r\nConnection: close\r\n\r\n",
				  100 * 1024);

		memset(req + hl, 'a', 100 * 1024);
		req[hl + 100 * 1024] = '\0';
		assert_int_equal(exchange(req, &a), 0);
		free(req);
		assert_int_equal(a.status, 413);
	}
	/* over max_upload_body: refused on its headers there too */
	post_body("/liela", 300 * 1024, 1, &a);
	assert_int_equal(a.status, 413);
	/* the server goes on */
	assert_int_equal(get("/sveiki", NULL)->status, 200);
}

static void a_form_needs_its_csrf_token(void **state)
{
	struct answer a, *g;
	char token[64], cookie[160], cross[200], body[256];
	const char *c;

	(void)state;
	g = get("/forma", NULL);
	assert_int_equal(g->status, 200);
	assert_int_equal(g->body_len, 43);
	memcpy(token, g->body, 43);
	token[43] = '\0';
	c = header(g, "set-cookie");
	assert_memory_equal(c, "epak_csrf=", 10);
	snprintf(cookie, sizeof(cookie), "Cookie: %.*s\r\n", (int)strcspn(c, ";"), c);
	assert_string_equal(header(g, "cache-control"), "no-store");

	/* with the cookie and its token: accepted */
	snprintf(body, sizeof(body), "_csrf=%s&name=Anna", token);
	post_form(cookie, body, &a);
	assert_int_equal(a.status, 200);
	assert_true(body_is(&a, "thanks, Anna"));

	/* no cookie: refused before the body is read */
	post_form("", body, &a);
	assert_int_equal(a.status, 403);

	/* from another site: refused even with cookie and token */
	snprintf(cross, sizeof(cross), "%sSec-Fetch-Site: cross-site\r\n", cookie);
	post_form(cross, body, &a);
	assert_int_equal(a.status, 403);

	/* a wrong token (its last character changed): 403 through the site's error page */
	token[42] = token[42] == 'A' ? 'B' : 'A';
	snprintf(body, sizeof(body), "_csrf=%s&name=Anna", token);
	post_form(cookie, body, &a);
	assert_int_equal(a.status, 403);
	assert_int_equal(atomic_load(&last_error_code), ERR_CSRF);
	snprintf(body, sizeof(body), "403 %s", err_public_code(ERR_CSRF));
	assert_non_null(strstr(a.body, body));
}

static void unknown_paths_and_methods(void **state)
{
	struct answer *a;
	char want[256];

	(void)state;
	a = get("/nav-tada", NULL);
	assert_int_equal(a->status, 404);
	assert_int_equal(atomic_load(&last_error_code), ERR_NOT_FOUND);
	assert_string_equal(header(a, "content-type"), "text/html; charset=utf-8");
	snprintf(want, sizeof(want), "<p lang=\"lv\">404 %s: </p>", err_public_code(ERR_NOT_FOUND));
	assert_true(body_is(a, want));
	a = get("/en/nav-tada", NULL);
	snprintf(want, sizeof(want), "<p lang=\"en\">404 %s: </p>", err_public_code(ERR_NOT_FOUND));
	assert_true(body_is(a, want));
	/* under /api/ even an unknown path answers JSON */
	a = get("/api/nav", NULL);
	assert_int_equal(a->status, 404);
	snprintf(want, sizeof(want), "{\"code\":\"%s\",\"hint\":\"%s\",\"detail\":null}",
		 err_public_code(ERR_NOT_FOUND), err_info(ERR_NOT_FOUND)->hint[LANG_LV]);
	assert_true(body_is(a, want));
	/* a known path, another method: 405 with Allow */
	{
		struct answer b;

		assert_int_equal(exchange("DELETE /sveiki HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &b), 0);
		assert_int_equal(b.status, 405);
		assert_string_equal(header(&b, "allow"), "GET, HEAD, OPTIONS");
	}
}

static void errors_through_the_callback_and_as_json(void **state)
{
	struct answer *a;
	struct buf b = BUF_INIT;
	char want[512];
	int calls;

	(void)state;
	/* an HTML route: the site's own page */
	calls = atomic_load(&render_error_calls);
	a = get("/en/kluda", NULL);
	assert_int_equal(a->status, 403);
	assert_int_equal(atomic_load(&render_error_calls), calls + 1);
	snprintf(want, sizeof(want), "<p lang=\"en\">403 %s: not for you</p>", err_public_code(ERR_FORBIDDEN));
	assert_true(body_is(a, want));
	assert_string_equal(header(a, "cache-control"), "no-store");

	/* a JSON route: {code, hint, detail}, the callback not asked */
	calls = atomic_load(&render_error_calls);
	a = get("/en/api/kluda", NULL);
	assert_int_equal(a->status, 403);
	assert_string_equal(header(a, "content-type"), "application/json; charset=utf-8");
	snprintf(want, sizeof(want), "{\"code\":\"%s\",\"hint\":\"%s\",\"detail\":\"not for you\"}",
		 err_public_code(ERR_FORBIDDEN), err_info(ERR_FORBIDDEN)->hint[LANG_EN]);
	assert_true(body_is(a, want));
	assert_int_equal(atomic_load(&render_error_calls), calls);

	/* an HTML route asked for JSON */
	a = get("/kluda", "Accept: application/json\r\n");
	assert_int_equal(a->status, 403);
	assert_memory_equal(a->body, "{\"code\":", 8);

	/* resp_error_json itself: detail null when NULL, escaped when not */
	resp_error_json(&b, LANG_LV, ERR_BAD_REQUEST, "a \"quoted\"\n");
	snprintf(want, sizeof(want), "{\"code\":\"%s\",\"hint\":\"%s\",\"detail\":\"a \\\"quoted\\\"\\n\"}",
		 err_public_code(ERR_BAD_REQUEST), err_info(ERR_BAD_REQUEST)->hint[LANG_LV]);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	buf_free(&b);

	/* the site's page cannot be made: the JSON body instead */
	calls = atomic_load(&render_error_calls);
	a = get("/nepieejams", NULL);
	assert_int_equal(a->status, 503);
	assert_int_equal(atomic_load(&render_error_calls), calls + 1);
	assert_string_equal(header(a, "content-type"), "application/json; charset=utf-8");
	snprintf(want, sizeof(want), "{\"code\":\"%s\",\"hint\":\"%s\",\"detail\":\"render fails\"}",
		 err_public_code(ERR_UNAVAILABLE), err_info(ERR_UNAVAILABLE)->hint[LANG_LV]);
	assert_true(body_is(a, want));
}

static void the_site_callbacks_run(void **state)
{
	(void)state;
	assert_true(atomic_load(&ticks) > 0);
	assert_int_equal(atomic_load(&thread_starts), THREADS);
	assert_true(atomic_load(&page_calls) > 0);
}

static void *stop_soon(void *arg)
{
	(void)arg;
	usleep(300 * 1000);
	server_request_stop();
	return NULL;
}

/* Last: a stop while a request waits in the worker pool. The request is
 * answered (the loops drain until it is), then the server returns 0. */
static void a_stop_finishes_a_request_in_the_worker_pool(void **state)
{
	struct answer a;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, stop_soon, NULL), 0);
	assert_int_equal(exchange("GET /leni HTTP/1.1\r\nHost: x\r\n\r\n", &a), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.status, 200);
	assert_true(body_is(&a, "gatavs"));
	pthread_join(server_thread, NULL);
	stopped = 1;
	assert_int_equal(server_rc, 0);
	assert_int_equal(server_stop_cut(), 0);
	/* no new connection is taken any more */
	assert_int_not_equal(exchange("GET /sveiki HTTP/1.1\r\nHost: x\r\n\r\n", &a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_page_in_each_language),
	    cmocka_unit_test(a_cached_page_is_made_once_per_key_and_revision),
	    cmocka_unit_test(a_form_needs_its_csrf_token),
	    cmocka_unit_test(an_upload_route_has_its_own_body_limit),
	    cmocka_unit_test(unknown_paths_and_methods),
	    cmocka_unit_test(errors_through_the_callback_and_as_json),
	    cmocka_unit_test(the_site_callbacks_run),
	    cmocka_unit_test(a_stop_finishes_a_request_in_the_worker_pool),
	};
	int rc = cmocka_run_group_tests(tests, start, stop);

	/* after the stop: every thread ended through thread_exit */
	if (atomic_load(&thread_exits) != THREADS || server_rc != 0) {
		fprintf(stderr, "thread_exit ran %d times for %d threads; server_run returned %d\n",
			atomic_load(&thread_exits), THREADS, server_rc);
		return 1;
	}
	return rc;
}
