/* escape.c — see escape.h. A 256-byte class table per escaper; runs of
 * bytes that need no escaping are appended in one piece. */
#include "tmpl/escape.h"

#include <string.h>

#include "core/buf.h"

struct repl {
	const char *s;
	unsigned char n;
};

#define R(str)                                                                                                         \
	{                                                                                                              \
		str, sizeof(str) - 1                                                                                   \
	}

/* Replacement 0 is "none"; a 256-byte class table maps bytes to them. */
static const struct repl repls[] = {
    {"", 0},    R("\xEF\xBF\xBD"), R("&amp;"), R("&lt;"),  R("&gt;"),  R("&quot;"), R("&#39;"),
    R("&#96;"), R("&#61;"),        R("&#9;"),  R("&#10;"), R("&#12;"), R("&#13;"),  R("&#32;"),
};

#undef R

static const unsigned char html_class[256] = {
    ['\0'] = 1, ['&'] = 2, ['<'] = 3, ['>'] = 4, ['"'] = 5, ['\''] = 6,
};

static const unsigned char attr_class[256] = {
    ['\0'] = 1, ['&'] = 2,  ['<'] = 3,   ['>'] = 4,   ['"'] = 5,   ['\''] = 6, ['`'] = 7,
    ['='] = 8,  ['\t'] = 9, ['\n'] = 10, ['\f'] = 11, ['\r'] = 12, [' '] = 13,
};

static int escape_with(struct buf *b, const unsigned char *cls, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		const struct repl *r;

		if (!cls[p[i]])
			continue;
		r = &repls[cls[p[i]]];
		if (i > run && buf_append(b, s + run, i - run) != 0)
			return -1;
		if (buf_append(b, r->s, r->n) != 0)
			return -1;
		run = i + 1;
	}
	if (n > run)
		return buf_append(b, s + run, n - run);
	return 0;
}

int html_escape(struct buf *b, const char *s, size_t n)
{
	return escape_with(b, html_class, s, n);
}

int html_escape_attr(struct buf *b, const char *s, size_t n)
{
	return escape_with(b, attr_class, s, n);
}

size_t html_escape_to(char *dst, size_t cap, const char *s, size_t n, size_t *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		const struct repl *r;

		if (!html_class[p[i]]) {
			if (o == cap)
				break;
			dst[o++] = s[i];
			continue;
		}
		r = &repls[html_class[p[i]]];
		if (r->n > cap - o)
			break;
		memcpy(dst + o, r->s, r->n);
		o += r->n;
	}
	*used = o;
	return i;
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

int url_escape(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, run = 0;
	char pct[3];

	for (i = 0; i < n; i++) {
		if (is_unreserved(p[i]))
			continue;
		if (i > run && buf_append(b, s + run, i - run) != 0)
			return -1;
		pct[0] = '%';
		pct[1] = hex[p[i] >> 4];
		pct[2] = hex[p[i] & 15];
		if (buf_append(b, pct, 3) != 0)
			return -1;
		run = i + 1;
	}
	if (n > run)
		return buf_append(b, s + run, n - run);
	return 0;
}
