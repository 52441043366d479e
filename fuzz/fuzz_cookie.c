/* fuzz_cookie.c — Cookie headers, and the other header-value parsers of
 * src/http/parse.c (Content-Type, Content-Disposition). Checks the promises
 * of parse.h on every successful parse and aborts when one is broken. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "http/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
	       (c >= 0x5D && c <= 0x7E);
}

static void check_cookies(const struct kvlist *l, const struct parse_limits *lim)
{
	size_t i, k, nlen;

	if (l->n > lim->max_fields)
		abort();
	for (i = 0; i < l->n; i++) {
		nlen = strlen(l->items[i].name);
		if (nlen == 0 || nlen > lim->max_name || l->items[i].value_len > lim->max_value ||
		    strlen(l->items[i].value) != l->items[i].value_len)
			abort();
		for (k = 0; k < nlen; k++)
			if (!is_tchar((unsigned char)l->items[i].name[k]))
				abort();
		for (k = 0; k < l->items[i].value_len; k++)
			if (!is_cookie_octet((unsigned char)l->items[i].value[k]))
				abort();
	}
}

static void check_params(const struct kvlist *p, const char *first)
{
	size_t i, k;

	for (k = 0; first[k]; k++)
		if (first[k] >= 'A' && first[k] <= 'Z')
			abort(); /* must be lowercased */
	for (i = 0; i < p->n; i++) {
		if (!p->items[i].name[0] || strlen(p->items[i].value) != p->items[i].value_len)
			abort();
		for (k = 0; p->items[i].name[k]; k++)
			if (p->items[i].name[k] >= 'A' && p->items[i].name[k] <= 'Z')
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct parse_limits small = {3, 6, 12, 96};
	struct arena *a = arena_new(0);
	const char *s = (const char *)data, *first, *why = NULL;
	const char *fn;
	struct kvlist l;

	if (!a)
		return 0;
	if (parse_cookies(a, s, size, NULL, &l, &why) == 0)
		check_cookies(&l, &parse_limits_cookie);
	else if (!why)
		abort();
	if (parse_cookies(a, s, size, &small, &l, &why) == 0)
		check_cookies(&l, &small);
	if (parse_content_type(a, s, size, &first, &l, &why) == 0) {
		check_params(&l, first);
		if (!strchr(first, '/'))
			abort();
	}
	if (parse_content_disposition(a, s, size, &first, &l, &why) == 0) {
		check_params(&l, first);
		fn = kv_get(&l, "filename*");
		if (fn && !utf8_valid(fn, strlen(fn)))
			abort();
	}
	arena_free(a);
	return 0;
}
