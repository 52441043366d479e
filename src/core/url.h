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

/* The origin of an http(s) base URL (the public-url setting), as a browser
 * serializes it: lower-case scheme and host, the port only when it is not
 * the scheme's default, no path ("https://epak.example.lv",
 * "http://127.0.0.1:8080"). 0, or -1 when url is not such a URL (no host,
 * userinfo, a query) or out (cap bytes) is too small. */
int url_origin(const char *url, char *out, size_t cap);
/* A Host value (or its host part) safe to put into a URL: letters,
 * digits, '.', '-', ':' and the brackets of an IPv6 literal, 1 to 255
 * bytes. 1 when it is. */
int url_host_ok(const char *host, size_t len);

/* An absolute link a page may show (a homepage, a contact page): "http://"
 * or "https://" (any case), a host name or IP literal, an optional port,
 * then an optional path, query and fragment of printable ASCII without
 * space, quotes, '<', '>', '\\' or '`'; no userinfo; at most URL_MAX bytes.
 * Anything else ("javascript:", "data:", a relative path, "//host") is
 * refused. 1 when it is such a link. */
#define URL_MAX 2000
int url_http_ok(const char *s);

/* The length of a base URL (the public-url setting) without its trailing
 * '/'s, so that a path ("/sitemap.xml") can follow it: "%.*s%s". */
int url_base_len(const char *base);

#endif
