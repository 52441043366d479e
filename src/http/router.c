/* router.c — see router.h. Linear over the table: epak has tens of routes,
 * and a miss costs a few hundred byte compares. */
#include "http/router.h"

#include <string.h>

/* Matches one pattern; fills captures. 1 on match. */
static int pattern_match(const char *pat, const char *path, size_t path_len, struct route_match *m)
{
	const char *p = path, *end = path + path_len;
	int np = 0;

	while (*pat) {
		if (*pat == '{') {
			const char *close = strchr(pat, '}');
			const char *seg = p;

			if (!close || np >= ROUTE_MAX_PARAMS)
				return 0;
			while (p < end && *p != '/')
				p++;
			if (p == seg)
				return 0; /* empty segment */
			m->params[np].s = seg;
			m->params[np].len = (size_t)(p - seg);
			np++;
			pat = close + 1;
			continue;
		}
		if (p >= end || *p != *pat)
			return 0;
		p++;
		pat++;
	}
	if (p != end)
		return 0;
	m->nparams = np;
	return 1;
}

static int method_is(const char *want, const char *method, size_t len)
{
	return strlen(want) == len && memcmp(want, method, len) == 0;
}

static int allow_has(const char *allow, const char *method)
{
	size_t k = strlen(method);
	const char *p = allow;

	while (*p) {
		if (!strncmp(p, method, k) && (p[k] == ',' || p[k] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (!p)
			break;
		p += 2;
	}
	return 0;
}

static void allow_add(char *allow, size_t cap, const char *method)
{
	size_t n = strlen(allow), k = strlen(method);

	if (allow_has(allow, method) || n + k + 3 > cap)
		return;
	if (n) {
		memcpy(allow + n, ", ", 2);
		n += 2;
	}
	memcpy(allow + n, method, k + 1);
}

enum route_result router_match(const struct route *table, size_t n, const char *method, size_t method_len,
			       const char *path, size_t path_len, struct route_match *m)
{
	size_t i;
	int path_known = 0;
	int is_head = method_is("HEAD", method, method_len);
	struct route_match probe;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < n; i++) {
		memset(&probe, 0, sizeof(probe));
		if (!pattern_match(table[i].pattern, path, path_len, &probe))
			continue;
		path_known = 1;
		allow_add(m->allow, sizeof(m->allow), table[i].method);
		if (!strcmp(table[i].method, "GET"))
			allow_add(m->allow, sizeof(m->allow), "HEAD");
		if (m->route)
			continue;
		if (method_is(table[i].method, method, method_len) || (is_head && !strcmp(table[i].method, "GET"))) {
			memcpy(m->params, probe.params, sizeof(m->params));
			m->nparams = probe.nparams;
			m->route = &table[i];
		}
	}
	if (!path_known)
		return ROUTE_NOT_FOUND;
	allow_add(m->allow, sizeof(m->allow), "OPTIONS");
	if (m->route)
		return ROUTE_FOUND;
	if (method_is("OPTIONS", method, method_len))
		return ROUTE_OPTIONS;
	return ROUTE_METHOD_NOT_ALLOWED;
}
