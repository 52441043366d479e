/* url.h — turning a path taken from a request into a link that can only
 * ever lead to this site. */
#ifndef EPAK_URL_H
#define EPAK_URL_H

#include "core/arena.h"

/* prefix (a literal local prefix such as "/en", or "") followed by path as a
 * same-site absolute path: one leading '/', never "//" or "/\" (which a
 * browser reads as another host), every byte outside the path characters of
 * RFC 3986 (controls, space, '\', quotes, '%', non-ASCII) percent-encoded so
 * a browser cannot strip or reinterpret it. NULL only when out of memory. */
char *url_local_path(struct arena *a, const char *prefix, const char *path);

/* A query value that is a number in its one canonical form: 1 to 9 ASCII
 * digits (leading zeros allowed), nothing else. 0 and *out on success. */
int url_uint(const char *s, unsigned long *out);

/* s percent-encoded for a query value: unreserved characters and '/'
 * kept, everything else %XX. NULL only when out of memory. */
char *url_query_value(struct arena *a, const char *s);

#endif
