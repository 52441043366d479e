/* resp.c — request accessors and every way a response leaves epak. The
 * security headers, caching headers, ETag, gzip and the access-log line are
 * all added here, once. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <h2o.h>
#include <jansson.h>

#include "core/log.h"
#include "core/url.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/parse.h"
#include "http/site.h"
#include "http/worker.h"

static h2o_generator_t static_generator = {NULL, NULL};

static char *pool_copy(h2o_req_t *h, const char *p, size_t n)
{
	char *s = h2o_mem_alloc_pool(&h->pool, n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

const char *req_param(struct req *r, int i)
{
	const char *why, *out;

	if (i < 0 || i >= r->match.nparams)
		return NULL;
	if (pct_decode(r->arena, r->match.params[i].s, r->match.params[i].len, 0, &out, NULL, &why) != 0)
		return NULL;
	return out;
}

static void query_parse(struct req *r)
{
	const char *why = NULL;

	if (r->query_kv || !r->query)
		return;
	r->query_kv = arena_alloc(r->arena, sizeof(*r->query_kv));
	if (!r->query_kv)
		return;
	if (parse_urlencoded(r->arena, r->query, r->query_len, NULL, r->query_kv, &why) != 0) {
		memset(r->query_kv, 0, sizeof(*r->query_kv));
		r->query_bad = why ? why : "malformed query";
	}
}

const char *req_query(struct req *r, const char *name)
{
	query_parse(r);
	return r->query_kv ? kv_get(r->query_kv, name) : NULL;
}

const char *req_query_error(struct req *r)
{
	query_parse(r);
	return r->query_bad;
}

const char *req_form(const struct req *r, const char *name)
{
	return r->form ? kv_get(r->form, name) : NULL;
}

const char *req_host(struct req *r)
{
	const h2o_iovec_t *a = &r->h->input.authority;

	return a->len ? arena_strndup(r->arena, a->base, a->len) : NULL;
}

const char *req_header(struct req *r, const char *name)
{
	ssize_t i = h2o_find_header_by_str(&r->h->headers, name, strlen(name), -1);

	if (i < 0)
		return NULL;
	return arena_strndup(r->arena, r->h->headers.entries[i].value.base, r->h->headers.entries[i].value.len);
}

const char *req_cookie(struct req *r, const char *name)
{
	const char *why;
	ssize_t i = -1;
	size_t k;

	if (!r->cookies) {
		r->cookies = arena_alloc(r->arena, sizeof(*r->cookies));
		if (!r->cookies)
			return NULL;
		/* Browsers may send several Cookie headers over HTTP/2. */
		for (i = h2o_find_header(&r->h->headers, H2O_TOKEN_COOKIE, i); i != -1;
		     i = h2o_find_header(&r->h->headers, H2O_TOKEN_COOKIE, i)) {
			struct kvlist one = KVLIST_INIT;

			if (parse_cookies(r->arena, r->h->headers.entries[i].value.base,
					  r->h->headers.entries[i].value.len, NULL, &one, &why) != 0)
				continue;
			for (k = 0; k < one.n; k++)
				kvlist_add(r->arena, r->cookies, one.items[k].name, one.items[k].value,
					   one.items[k].value_len);
		}
	}
	return kv_get(r->cookies, name);
}

struct on_done {
	void (*fn)(void *arg);
	void *arg;
};

static void on_done_dispose(void *p)
{
	struct on_done *d = p;

	d->fn(d->arg);
}

int req_on_done(struct req *r, void (*fn)(void *arg), void *arg)
{
	struct on_done *d = h2o_mem_alloc_shared(&r->h->pool, sizeof(*d), on_done_dispose);

	d->fn = fn;
	d->arg = arg;
	return 0;
}

/* The path comes from the request: "/en//evil.example/x" leaves "//evil…"
 * here, so it is rebuilt as a same-site path before it becomes a link. */
const char *req_path_in(struct req *r, enum lang lang)
{
	const char *p = url_local_path(r->arena, lang == LANG_EN ? "/en" : "", r->path);

	return p ? p : (lang == LANG_EN ? "/en/" : "/");
}

int req_secure(const struct req *r)
{
	const char *pub = r->site->cfg->public_url;

	return r->is_tls || (pub && !strncasecmp(pub, "https://", 8));
}

void resp_add_header(struct req *r, const char *name, const char *value)
{
	size_t vlen = strlen(value);
	char *v = h2o_mem_alloc_pool(&r->h->pool, vlen + 1);

	memcpy(v, value, vlen + 1);
	if (!strcasecmp(name, "set-cookie"))
		r->sets_cookie = 1;
	h2o_add_header_by_str(&r->h->pool, &r->h->res.headers, name, strlen(name), 0, NULL, v, vlen);
}

#define ADD_HEADER(h, tok, lit) h2o_add_header(&(h)->pool, &(h)->res.headers, tok, NULL, H2O_STRLIT(lit))
#define ADD_HEADER_STR(h, name, lit)                                                                                   \
	h2o_add_header_by_str(&(h)->pool, &(h)->res.headers, H2O_STRLIT(name), 0, NULL, H2O_STRLIT(lit))

static void add_security_headers(struct req *r)
{
	h2o_req_t *h = r->h;

	ADD_HEADER_STR(h, "content-security-policy",
		       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
		       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
		       "form-action 'self'; frame-ancestors 'none'");
	ADD_HEADER_STR(h, "x-content-type-options", "nosniff");
	ADD_HEADER_STR(h, "x-frame-options", "DENY");
	ADD_HEADER_STR(h, "referrer-policy", "same-origin");
	ADD_HEADER_STR(h, "cross-origin-opener-policy", "same-origin");
	ADD_HEADER_STR(h, "permissions-policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()");
	if (req_secure(r))
		ADD_HEADER(h, H2O_TOKEN_STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
}

static int accepts_gzip(struct req *r)
{
	ssize_t i = h2o_find_header(&r->h->headers, H2O_TOKEN_ACCEPT_ENCODING, -1);

	return i >= 0 && h2o_contains_token(r->h->headers.entries[i].value.base, r->h->headers.entries[i].value.len,
					    H2O_STRLIT("gzip"), ',');
}

static int etag_matches(struct req *r, const char *etag)
{
	ssize_t i = h2o_find_header(&r->h->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
	const h2o_iovec_t *v;
	size_t n = strlen(etag);

	if (i < 0)
		return 0;
	v = &r->h->headers.entries[i].value;
	/* a list of tags, possibly weak: W/"..." */
	return (v->len == 1 && v->base[0] == '*') || (n && memmem(v->base, v->len, etag, n) != NULL);
}

static int compressible(const char *ct)
{
	return ct && (!strncmp(ct, "text/", 5) || strstr(ct, "json") || strstr(ct, "xml") || strstr(ct, "javascript") ||
		      strstr(ct, "svg"));
}

static const char *reason_of(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

/* The access log line: secret paths (receipt numbers, tokens) as their
 * route's pattern. */
static void log_request(struct req *r, size_t len)
{
	h2o_req_t *h = r->h;
	const char *route = r->match.route ? r->match.route->pattern : NULL;
	long long usec = now_usec() - r->t0_usec;

	metrics_request(r->match.route, h->res.status, usec); /* metrics.h: by route pattern, never the path */
	if ((r->flags & ROUTE_SECRET_PATH) && route)
		log_access(h->method.base, h->method.len, route, strlen(route), route, h->res.status, len, usec);
	else
		log_access(h->method.base, h->method.len, h->input.path.base, h->input.path.len, route, h->res.status,
			   len, usec);
}

static void send_raw(struct req *r, int status, const char *content_type, const char *body, size_t len, const char *gz,
		     size_t gz_len, const char *etag, unsigned flags);

/* A page for a logged-in person: the page's anonymous block (site.h)
 * replaced by theirs, sent as three pieces without copying the page. 1 when
 * it answered. */
static int send_personal(struct req *r, int status, const char *content_type, const char *body, size_t len,
			 unsigned flags)
{
	static const char begin[] = SITE_PERSONAL_BEGIN, end[] = SITE_PERSONAL_END;
	struct buf block = BUF_INIT;
	const char *a, *b;
	h2o_iovec_t iov[3];
	h2o_req_t *h = r->h;
	size_t head = len < 16384 ? len : 16384;

	if (!r->site->personal || !r->site->personal(r, &block)) {
		buf_free(&block);
		return 0;
	}
	a = memmem(body, head, begin, sizeof(begin) - 1);
	b = a ? memmem(a, head - (size_t)(a - body), end, sizeof(end) - 1) : NULL;
	if (!buf_ok(&block) || !b) {
		/* a page without the block (or no memory): sent as it is, but
		 * never stored anywhere, for it was asked for by a person */
		buf_free(&block);
		send_raw(r, status, content_type, body, len, NULL, 0, NULL, flags | RESP_NO_STORE | RESP_NO_PERSONAL);
		return 1;
	}
	b += sizeof(end) - 1;
	iov[0] = h2o_iovec_init(body, (size_t)(a - body));
	iov[1] = h2o_iovec_init(pool_copy(h, block.data, block.len), block.len);
	iov[2] = h2o_iovec_init(b, len - (size_t)(b - body));
	buf_free(&block);
	r->answered = 1;
	h->res.status = status;
	h->res.reason = reason_of(status);
	add_security_headers(r);
	ADD_HEADER(h, H2O_TOKEN_CACHE_CONTROL, "private, no-store");
	h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type, strlen(content_type));
	h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_CONTENT_LANGUAGE, NULL, lang_code(r->lang), 2);
	ADD_HEADER(h, H2O_TOKEN_VARY, "accept-encoding, cookie");
	h->res.content_length = iov[0].len + iov[1].len + iov[2].len;
	log_request(r, h->res.content_length);
	h2o_start_response(h, &static_generator);
	h2o_send(h, iov, r->is_head ? 0 : 3, H2O_SEND_STATE_FINAL);
	return 1;
}

/* The one place that writes a response. body stays alive until sent. */
static void send_raw(struct req *r, int status, const char *content_type, const char *body, size_t len, const char *gz,
		     size_t gz_len, const char *etag, unsigned flags)
{
	h2o_req_t *h = r->h;
	h2o_iovec_t iov;
	int use_gz = 0;

	if (r->answered)
		return;
	if (content_type && !strncmp(content_type, "text/html", 9) && !(flags & RESP_NO_PERSONAL) &&
	    send_personal(r, status, content_type, body, len, flags))
		return;
	r->answered = 1;
	h->res.status = status;
	h->res.reason = reason_of(status);
	add_security_headers(r);
	if (flags & RESP_IMMUTABLE)
		ADD_HEADER(h, H2O_TOKEN_CACHE_CONTROL, "public, max-age=31536000, immutable");
	else if ((flags & RESP_NO_STORE) || status >= 400 || r->csrf_cookie || r->sets_cookie)
		ADD_HEADER(h, H2O_TOKEN_CACHE_CONTROL, "no-store");
	else
		ADD_HEADER(h, H2O_TOKEN_CACHE_CONTROL, "no-cache");
	if (content_type) {
		h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
			       strlen(content_type));
		h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_CONTENT_LANGUAGE, NULL, lang_code(r->lang), 2);
	}
	if (content_type && !strncmp(content_type, "text/html", 9))
		ADD_HEADER(h, H2O_TOKEN_VARY, "accept-encoding, cookie");
	else if (compressible(content_type))
		ADD_HEADER(h, H2O_TOKEN_VARY, "accept-encoding");
	if (etag && *etag) {
		h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_ETAG, NULL, etag, strlen(etag));
		if (status == 200 && etag_matches(r, etag)) {
			h->res.status = 304;
			h->res.reason = reason_of(304);
			len = 0;
			body = "";
			gz = NULL;
		}
	}
	if (gz && accepts_gzip(r)) {
		use_gz = 1;
		ADD_HEADER(h, H2O_TOKEN_CONTENT_ENCODING, "gzip");
		body = gz;
		len = gz_len;
	}
	(void)use_gz;
	h->res.content_length = len;
	log_request(r, len);
	h2o_start_response(h, &static_generator);
	iov = h2o_iovec_init(r->is_head ? "" : body, r->is_head ? 0 : len);
	h2o_send(h, &iov, 1, H2O_SEND_STATE_FINAL);
}

/* "lang:path", then each query parameter the route declares that the
 * request carries, in the route's order, numbers in canonical form. Query
 * parameters the page does not read are not part of it: "?cb=1", "?cb=2" …
 * are one page, not a new cache entry each. */
static const char *cache_key(struct req *r)
{
	const char *spec = r->match.route ? r->match.route->query : NULL;
	const char *key = arena_printf(r->arena, "%s:%s", lang_code(r->lang), r->path);
	const char *p, *name, *v;
	size_t n;
	unsigned long u;
	int num;

	for (p = spec; key && p && *p; p += n) {
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (!n)
			break;
		num = p[n - 1] == '#';
		name = arena_strndup(r->arena, p, num ? n - 1 : n);
		v = name ? req_query(r, name) : NULL;
		if (!v)
			continue;
		if (num && url_uint(v, &u) == 0)
			key = arena_printf(r->arena, "%s\x1f%s#%lu", key, name, u);
		else
			key = arena_printf(r->arena, "%s\x1f%s=%zu:%s", key, name, strlen(v), v);
	}
	return key;
}

int resp_from_cache(struct req *r)
{
	const struct cached_page *e;
	const char *key;

	if (r->h->method.len != 3 && !r->is_head)
		return 0;
	key = cache_key(r);
	e = key ? cache_get(&r->worker->cache, key, atomic_load(&r->site->revision)) : NULL;
	if (!e)
		return 0;
	if (accepts_gzip(r))
		e = cache_gzip(&r->worker->cache, e);
	h2o_mem_link_shared(&r->h->pool, e->body);
	if (e->gz)
		h2o_mem_link_shared(&r->h->pool, e->gz);
	send_raw(r, e->status, e->content_type, e->body, e->len, e->gz, e->gz_len, e->etag, 0);
	return 1;
}

void resp_send(struct req *r, int status, const char *content_type, const char *body, size_t len, unsigned flags)
{
	char etag[24];
	char *gz = NULL, *gzp = NULL;
	size_t gz_len = 0;
	const struct cached_page *e;
	const char *key;

	/* Pages that hold a CSRF token (or set its cookie) are the browser's own. */
	key = (r->flags & ROUTE_CACHE) && status == 200 && !r->csrf_cookie ? cache_key(r) : NULL;
	if (key) {
		e = cache_put(&r->worker->cache, key, atomic_load(&r->site->revision), status, content_type, body, len);
		if (e && accepts_gzip(r))
			e = cache_gzip(&r->worker->cache, e);
		if (e) {
			h2o_mem_link_shared(&r->h->pool, e->body);
			if (e->gz)
				h2o_mem_link_shared(&r->h->pool, e->gz);
			send_raw(r, e->status, e->content_type, e->body, e->len, e->gz, e->gz_len, e->etag, flags);
			return;
		}
	}
	etag[0] = '\0';
	if (status == 200 && compressible(content_type) && !(flags & RESP_NO_STORE))
		etag_of(body, len, etag);
	if (compressible(content_type) && accepts_gzip(r) && !r->is_head) {
		gz = gzip_new(body, len, &gz_len);
		if (gz) {
			gzp = pool_copy(r->h, gz, gz_len);
			free(gz);
		}
	}
	send_raw(r, status, content_type, body, len, gzp, gz_len, etag, flags);
}

void resp_send_buf(struct req *r, int status, const char *content_type, struct buf *b, unsigned flags)
{
	char *p;

	if (!buf_ok(b)) {
		buf_free(b);
		resp_error(r, ERR_INTERNAL, NULL);
		return;
	}
	p = pool_copy(r->h, b->data ? b->data : "", b->len);
	resp_send(r, status, content_type, p, b->len, flags);
	buf_free(b);
}

void resp_send_prepared(struct req *r, int status, const char *content_type, const char *body, size_t len,
			const char *gz, size_t gz_len, const char *etag, unsigned flags)
{
	send_raw(r, status, content_type, body, len, gz, gz_len, etag, flags);
}

void resp_redirect(struct req *r, int status, const char *location)
{
	const char *p;

	/* Only local paths: never an open redirect (nor a byte a browser strips,
	 * so that "/\t/host" cannot become "//host"). */
	for (p = location; p && *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '\\')
			location = NULL;
	if (!location || location[0] != '/' || location[1] == '/')
		location = "/";
	resp_add_header(r, "location", location);
	resp_send(r, status, "text/plain; charset=utf-8", "", 0, RESP_NO_STORE);
}

void resp_error_json(struct buf *out, enum lang lang, enum err_code code, const char *detail)
{
	const struct err_info *e = err_info(code);
	json_t *j =
	    json_pack("{s:s, s:s, s:s?}", "code", err_public_code(code), "hint", e->hint[lang], "detail", detail);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	buf_puts(out, s ? s : "{\"code\":\"EPAK-500\"}");
	free(s);
	json_decref(j);
}

void resp_error(struct req *r, enum err_code code, const char *detail)
{
	struct buf b = BUF_INIT;
	const struct err_info *e = err_info(code);
	const char *accept = req_header(r, "accept");
	int json = (r->flags & ROUTE_JSON) || (accept && strstr(accept, "application/json") && !strstr(accept, "html"));

	if (r->answered)
		return;
	if (json || !r->site->render_error || r->site->render_error(r, code, detail, &b) != 0) {
		buf_reset(&b);
		resp_error_json(&b, r->lang, code, detail);
		resp_send_buf(r, e->status, "application/json; charset=utf-8", &b, RESP_NO_STORE);
		return;
	}
	resp_send_buf(r, e->status, "text/html; charset=utf-8", &b, RESP_NO_STORE);
}

const char *req_client_net(struct req *r)
{
	struct sockaddr_storage ss;
	char txt[INET6_ADDRSTRLEN];
	unsigned n = req_client_sockaddr(r, &ss);

	if (n && ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		unsigned char *b = a6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) {
			b[15] = 0;
			return arena_printf(r->arena, "%u.%u.%u.0/24", b[12], b[13], b[14]);
		}
		memset(b + 8, 0, 8);
		if (inet_ntop(AF_INET6, b, txt, sizeof(txt)))
			return arena_printf(r->arena, "%s/64", txt);
	} else if (n && ss.ss_family == AF_INET) {
		unsigned char *b = (unsigned char *)&((struct sockaddr_in *)&ss)->sin_addr;

		return arena_printf(r->arena, "%u.%u.%u.0/24", b[0], b[1], b[2]);
	}
	return "unknown";
}

const char *req_client_ip(struct req *r)
{
	struct sockaddr_storage ss;
	char txt[INET6_ADDRSTRLEN];
	unsigned n = req_client_sockaddr(r, &ss);
	const void *a = NULL;

	if (n && ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) &&
		    inet_ntop(AF_INET, a6->sin6_addr.s6_addr + 12, txt, sizeof(txt)))
			return arena_strdup(r->arena, txt);
		a = &a6->sin6_addr;
	} else if (n && ss.ss_family == AF_INET) {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
	}
	if (a && inet_ntop(ss.ss_family, a, txt, sizeof(txt)))
		return arena_strdup(r->arena, txt);
	return "unknown";
}
