/* fuzz_query.c — query strings, urlencoded bodies and percent-decoding
 * (src/http/parse.c). Besides the sanitizers, it checks what parse.h
 * promises of a successful parse and aborts when a promise is broken. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "http/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const struct kvlist *l, const struct parse_limits *lim, size_t size)
{
	size_t i;

	if (l->n > lim->max_fields || l->n > size)
		abort();
	for (i = 0; i < l->n; i++) {
		const struct kv *kv = &l->items[i];
		size_t nlen = strlen(kv->name);

		if (strlen(kv->value) != kv->value_len)
			abort(); /* a NUL slipped in */
		if (nlen > lim->max_name || kv->value_len > lim->max_value)
			abort();
		if (!utf8_valid(kv->name, nlen) || !utf8_valid(kv->value, kv->value_len))
			abort();
	}
}

static void run(struct arena *a, const char *s, size_t size, const struct parse_limits *lim)
{
	const struct parse_limits *eff = lim ? lim : &parse_limits_form;
	struct kvlist l;
	const char *why = NULL;

	if (parse_urlencoded(a, s, size, lim, &l, &why) == 0)
		check_list(&l, eff, size);
	else if (!why)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct parse_limits small = {4, 8, 16, 128};
	struct arena *a = arena_new(0);
	const char *s = (const char *)data, *out, *why = NULL;
	size_t n;
	unsigned flags;

	if (!a)
		return 0;
	run(a, s, size, NULL);
	run(a, s, size, &small);
	for (flags = 0; flags <= PCT_PLUS_SPACE; flags++) {
		if (pct_decode(a, s, size, flags, &out, &n, &why) == 0) {
			if (n > size || strlen(out) != n || !utf8_valid(out, n))
				abort();
			if (!(flags & PCT_PLUS_SPACE) && !memchr(s, '%', size) && (n != size || memcmp(out, s, n) != 0))
				abort(); /* nothing to decode: identity */
		} else if (!why) {
			abort();
		}
	}
	arena_free(a);
	return 0;
}
