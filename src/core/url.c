/* url.c — see url.h. */
#include "core/url.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

int url_origin(const char *url, char *out, size_t cap)
{
	size_t i, n = 0, host, port = 0;
	int https;
	unsigned long pv = 0;

	if (!url || cap < 16)
		return -1;
	if (!strncasecmp(url, "https://", 8))
		https = 1;
	else if (!strncasecmp(url, "http://", 7))
		https = 0;
	else
		return -1;
	i = https ? 8 : 7;
	host = i;
	if (url[i] == '[') { /* an IPv6 literal */
		for (i++; url[i] && url[i] != ']'; i++)
			if (!strchr("0123456789abcdefABCDEF:.", url[i]))
				return -1;
		if (url[i++] != ']')
			return -1;
	} else {
		for (; url[i] && (isalnum((unsigned char)url[i]) || url[i] == '-' || url[i] == '.'); i++)
			;
	}
	if (i == host || (url[host] == '[' && i == host + 2))
		return -1;
	n = i - host;
	if (url[i] == ':') {
		port = ++i;
		for (; isdigit((unsigned char)url[i]); i++)
			pv = pv * 10 + (unsigned long)(url[i] - '0');
		if (i == port || i - port > 5 || pv == 0 || pv > 65535)
			return -1;
	}
	if (url[i] && url[i] != '/')
		return -1; /* userinfo, query or fragment: not a plain base URL */
	if ((size_t)snprintf(out, cap, "%s://%.*s", https ? "https" : "http", (int)n, url + host) >= cap)
		return -1;
	for (i = 0; out[i]; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	if (port && pv != (https ? 443UL : 80UL)) {
		size_t len = strlen(out);

		if ((size_t)snprintf(out + len, cap - len, ":%lu", pv) >= cap - len)
			return -1;
	}
	return 0;
}

int url_host_ok(const char *host, size_t len)
{
	size_t i;

	if (!host || !len || len > 255)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '-' || c == ':' || c == '[' || c == ']'))
			return 0;
	}
	return 1;
}

int url_http_ok(const char *s)
{
	size_t i, host;

	if (!s || strlen(s) > URL_MAX)
		return 0;
	if (!strncasecmp(s, "https://", 8))
		i = 8;
	else if (!strncasecmp(s, "http://", 7))
		i = 7;
	else
		return 0;
	host = i;
	if (s[i] == '[') {
		for (i++; s[i] && s[i] != ']'; i++)
			if (!strchr("0123456789abcdefABCDEF:.", s[i]))
				return 0;
		if (s[i++] != ']' || i == host + 2)
			return 0;
	} else {
		for (; isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '.'; i++)
			;
		if (i == host || s[host] == '.' || s[host] == '-' || s[i - 1] == '-')
			return 0;
	}
	if (s[i] == ':') {
		size_t p = ++i;

		for (; isdigit((unsigned char)s[i]); i++)
			;
		if (i == p || i - p > 5)
			return 0;
	}
	if (s[i] && s[i] != '/' && s[i] != '?' && s[i] != '#')
		return 0; /* userinfo ("user@host") or junk after the host */
	for (; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("\"'<>\\`{}|^", c))
			return 0;
	}
	return 1;
}

int url_base_len(const char *base)
{
	size_t n = base ? strlen(base) : 0;

	while (n && base[n - 1] == '/')
		n--;
	return (int)n;
}
