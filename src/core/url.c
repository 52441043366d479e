/* url.c — see url.h. */
#include "core/url.h"

#include <string.h>

static int path_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-._~!$&'()*+,;=:@/", c) != NULL);
}

char *url_local_path(struct arena *a, const char *prefix, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t plen = strlen(prefix), i, n = 0;
	char *out;
	unsigned char c;

	if (!path)
		path = "";
	while (*path == '/' || *path == '\\')
		path++; /* one leading slash, written below */
	out = arena_alloc(a, plen + 1 + 3 * strlen(path) + 1);
	if (!out)
		return NULL;
	memcpy(out, prefix, plen);
	n = plen;
	out[n++] = '/';
	for (i = 0; path[i]; i++) {
		c = (unsigned char)path[i];
		if (path_char(c)) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return out;
}

int url_uint(const char *s, unsigned long *out)
{
	unsigned long v = 0;
	size_t i, digits = 0;

	if (!s || !*s)
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v == 0 && s[i] == '0')
			continue; /* leading zeros do not count */
		if (++digits > 9)
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

char *url_query_value(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, k = 0, n = strlen(s);
	char *out = arena_alloc(a, 3 * n + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~/", c)) {
			out[k++] = (char)c;
		} else {
			out[k++] = '%';
			out[k++] = hex[c >> 4];
			out[k++] = hex[c & 15];
		}
	}
	out[k] = '\0';
	return out;
}
