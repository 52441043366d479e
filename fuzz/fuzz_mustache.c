/* fuzz_mustache.c — compile and render arbitrary templates.
 *
 * Input: main NUL data NUL a NUL b. "main" is the template rendered; data is
 * the JSON context (a fixed mixed context when absent or not JSON); "a" and
 * "b" become templates of those names, for partials and parents. Msgids of
 * odd length translate to themselves reversed (often invalid), the others
 * to themselves. Every template of the set is rendered twice; both outputs
 * must agree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "tmpl/mustache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char default_ctx[] = "{\"a\": [1, 2.5, {\"b\": \"<x>&'\\\"\", \"a\": []}, [true, false], null, \"\"],"
				  " \"b\": {\"a\": {\"b\": \"deep\"}}, \"s\": \"line\\nline\", \"n\": 0, \"t\": true,"
				  " \"f\": false, \"r\": -1.5e300, \"e\": \"\", \"o\": {}}";

static const char *translate(void *cls, const char *msgid)
{
	static char out[512];
	size_t n = strlen(msgid), i;

	(void)cls;
	if (n % 2 == 0 || n >= sizeof(out))
		return NULL;
	for (i = 0; i < n; i++)
		out[i] = msgid[n - 1 - i];
	out[n] = '\0';
	return out;
}

/* The next NUL-separated piece of the input. */
static const char *piece(const uint8_t **p, const uint8_t *end, size_t *len)
{
	const uint8_t *start = *p, *nul;

	if (start > end)
		return NULL;
	nul = memchr(start, 0, (size_t)(end - start));
	*len = nul ? (size_t)(nul - start) : (size_t)(end - start);
	*p = nul ? nul + 1 : end + 1;
	return (const char *)start;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"main", "a", "b"};
	struct tmpl_opts opts = {translate, NULL, TMPL_MISSING_PARTIAL_EMPTY, 20000};
	const uint8_t *p = data, *end = data + size;
	const char *src[3] = {NULL, NULL, NULL}, *json;
	size_t len[3] = {0, 0, 0}, jlen = 0, i;
	struct tmpl_set *set = NULL;
	struct tmpl_error err;
	struct buf out1, out2;
	json_t *sources = NULL, *ctx = NULL;
	int rc1, rc2;

	buf_init(&out1, 1 << 20);
	buf_init(&out2, 1 << 20);
	src[0] = piece(&p, end, &len[0]);
	json = piece(&p, end, &jlen);
	src[1] = piece(&p, end, &len[1]);
	src[2] = piece(&p, end, &len[2]);
	if (json && jlen)
		ctx = json_loadb(json, jlen, JSON_DECODE_ANY, NULL);
	if (!ctx)
		ctx = json_loads(default_ctx, 0, NULL);
	sources = json_object();
	for (i = 0; i < 3; i++)
		if (src[i])
			json_object_set_new(sources, names[i], json_stringn_nocheck(src[i], len[i]));
	set = tmpl_set_load_json(sources, &opts, &err);
	if (!set) {
		if (!err.reason[0])
			abort();
		goto out;
	}
	for (i = 0; i < 3; i++) {
		if (!tmpl_exists(set, names[i]))
			continue;
		buf_reset(&out1);
		buf_reset(&out2);
		rc1 = tmpl_render(set, names[i], ctx, &out1);
		rc2 = tmpl_render(set, names[i], ctx, &out2);
		if (rc1 != rc2 ||
		    (rc1 == 0 && (out1.len != out2.len || (out1.len && memcmp(out1.data, out2.data, out1.len)))))
			abort();
	}
out:
	tmpl_set_free(set);
	json_decref(sources);
	json_decref(ctx);
	buf_free(&out1);
	buf_free(&out2);
	return 0;
}
