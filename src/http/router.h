/* router.h — the route table is data; one dispatcher tells 404 from 405.
 *
 * A pattern is a path whose segments are literal or "{name}" (one segment,
 * captured). Trailing slashes matter: "/a" and "/a/" are different paths.
 * HEAD is answered by GET routes; OPTIONS is answered by the dispatcher.
 */
#ifndef EPAK_ROUTER_H
#define EPAK_ROUTER_H

#include <stddef.h>

struct req;
typedef int (*route_fn)(struct req *r);

enum route_flags {
	ROUTE_JSON = 1 << 0,        /* an API route: errors as JSON */
	ROUTE_CSRF = 1 << 1,        /* state change: the form must carry a valid CSRF token */
	ROUTE_CACHE = 1 << 2,       /* the response depends only on path, language and route->query */
	ROUTE_FORM = 1 << 3,        /* parse an urlencoded or multipart body before the handler */
	ROUTE_SECRET_PATH = 1 << 4, /* the path carries a secret (receipt number, token): the access
				     * log shows the route's pattern instead */
	ROUTE_CLIENT_CERT = 1 << 5, /* served on the tls-client-listen address (which serves
				     * nothing else): certificate login */
	ROUTE_LARGE_BODY = 1 << 6,  /* an upload route whose body may be as large as the site's
				     * max_upload_body instead of max-body (site.h) */
};

struct route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/pakalpojumi/{slug}" */
	route_fn fn;
	unsigned flags;
	/* The query parameters the handler reads, space-separated; a name
	 * ending in '#' is a number (its canonical form keys the cache). A
	 * ROUTE_CACHE page is cached under its path, language and these values
	 * only: any other query parameter neither makes nor misses an entry.
	 * When set, a query string that does not parse (a bad %-escape, a NUL,
	 * invalid UTF-8) is answered 400 before the handler runs. */
	const char *query;
};

#define ROUTE_MAX_PARAMS 4

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED, ROUTE_OPTIONS };

struct route_match {
	const struct route *route;
	struct {
		const char *s; /* points into the path; not NUL-terminated */
		size_t len;
	} params[ROUTE_MAX_PARAMS];
	int nparams;
	char allow[64]; /* "GET, HEAD, POST, OPTIONS" for 405 and OPTIONS */
};

enum route_result router_match(const struct route *table, size_t n, const char *method, size_t method_len,
			       const char *path, size_t path_len, struct route_match *m);

#endif
