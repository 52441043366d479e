/* test_log.c — the log's JSON lines (core/log.h): the string escaper
 * against a table and against jansson's parser for every byte, lines that
 * stay well-formed when cut at every size, every level and the access
 * line written through log_msg_at/log_access with log-format = json, and a
 * message that tries to forge a second line. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/log.h"

static const struct {
	const char *in;
	size_t len;
	const char *want;
} escapes[] = {
    {"plain", 5, "plain"},
    {"a\"b", 3, "a\\\"b"},
    {"back\\slash", 10, "back\\\\slash"},
    {"line\nbreak", 10, "line\\nbreak"},
    {"cr\rtab\t", 7, "cr\\rtab\\t"},
    {"\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f"},
    {"nul\0x", 5, "nul\\u0000x"},
    {"\xc4\x81rk\xc4\xabrtes", 10, "\xc4\x81rk\xc4\xabrtes"}, /* ārkīrtes: kept as UTF-8 */
    {"bad\xff", 4, "bad\\ufffd"},
    {"cut\xc4", 4, "cut\\ufffd"},
    {"\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd"}, /* a surrogate: not UTF-8 */
    {"ls\xe2\x80\xa8ps\xe2\x80\xa9", 10, "ls\\u2028ps\\u2029"},
};

static void json_escape_table(void **state)
{
	char out[128];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		n = log_json_escape(out, sizeof(out), escapes[i].in, escapes[i].len);
		out[n] = '\0';
		if (strcmp(out, escapes[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, out, escapes[i].want);
	}
	/* an escape that does not fit is left out whole */
	assert_int_equal(log_json_escape(out, 3, "ab\n", 3), 2);
	assert_int_equal(log_json_escape(out, 2, "\xc4\x81\xc4\x81", 4), 2);
	assert_int_equal(log_json_escape(out, 1, "\xc4\x81", 2), 0);
}

/* Every byte value in a message: the line parses, is one line, and the
 * message reads back as sent (invalid bytes as U+FFFD). */
static void json_every_byte(void **state)
{
	char msg[256], line[4096];
	struct log_field f[2] = {{"path", "/a\"b\n", 0}, {"status", NULL, 404}};
	json_t *j;
	json_error_t je;
	size_t i, n;

	(void)state;
	for (i = 0; i < 256; i++)
		msg[i] = (char)i;
	n = log_json_format(line, sizeof(line), "2026-01-02T03:04:05.000006Z", "warn", f, 2, msg, sizeof(msg));
	assert_null(memchr(line, '\n', n));
	j = json_loadb(line, n, JSON_ALLOW_NUL, &je);
	if (!j)
		fail_msg("not JSON: %s: %.*s", je.text, (int)n, line);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
	assert_string_equal(json_string_value(json_object_get(j, "time")), "2026-01-02T03:04:05.000006Z");
	assert_string_equal(json_string_value(json_object_get(j, "path")), "/a\"b\n");
	assert_int_equal(json_integer_value(json_object_get(j, "status")), 404);
	/* the first 128 bytes (ASCII) read back exactly */
	assert_true(json_string_length(json_object_get(j, "msg")) > 128);
	assert_memory_equal(json_string_value(json_object_get(j, "msg")), msg, 128);
	json_decref(j);
}

/* A line cut at every size from the minimum stays one JSON object. */
static void json_cut_anywhere(void **state)
{
	char big[3000], line[4096];
	struct log_field f[3] = {{"method", "GET", 0},
				 {"path", "/\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"", 0},
				 {"usec", NULL, -123456789012LL}};
	json_t *j;
	json_error_t je;
	size_t cap, n, i;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = "a\"\\\n\xc4\x81"[i % 6];
	for (cap = 128; cap < sizeof(line); cap += 7) {
		n = log_json_format(line, cap, "2026-01-02T03:04:05.000006Z", "error", f, 3, big, sizeof(big));
		assert_true(n <= cap);
		j = json_loadb(line, n, 0, &je);
		if (!j)
			fail_msg("cap %zu: not JSON: %s", cap, je.text);
		assert_non_null(json_object_get(j, "msg"));
		assert_string_equal(json_string_value(json_object_get(j, "level")), "error");
		json_decref(j);
	}
}

/* Runs fn with stderr sent to a file; returns what was written. */
static char *capture(void (*fn)(void))
{
	static char got[16384];
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(f);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fileno(f), STDERR_FILENO), STDERR_FILENO);
	fn();
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	return got;
}

static void write_levels(void)
{
	log_set_format(LOG_FORMAT_JSON);
	log_set_level(LOG_DEBUG);
	log_set_access(1);
	log_error("e %d", 1);
	log_warn("w");
	log_info("i\n2026-01-01T00:00:00Z error forged");
	log_debug("d");
	log_access("GET", 3, "/meklet?q=personal", 18, "/meklet", 200, 1234, 56);
	log_access("GET", 3, "/x", 2, NULL, 404, 10, 7);
	log_set_level(LOG_INFO);
	log_debug("not written");
	log_set_format(LOG_FORMAT_TEXT);
}

static void json_lines_every_level(void **state)
{
	static const char *const want[] = {"error", "warn", "info", "debug", "info", "info"};
	char *all = capture(write_levels), *line, *save = NULL;
	json_t *j;
	json_error_t je;
	size_t k = 0;

	(void)state;
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
		j = json_loads(line, 0, &je);
		if (!j)
			fail_msg("line %zu not JSON: %s: %s", k, je.text, line);
		assert_true(k < 6);
		assert_string_equal(json_string_value(json_object_get(j, "level")), want[k]);
		assert_true(json_is_string(json_object_get(j, "time")));
		assert_int_equal(strlen(json_string_value(json_object_get(j, "time"))), 27);
		assert_true(json_is_string(json_object_get(j, "msg")));
		if (k < 4) {
			assert_string_equal(json_string_value(json_object_get(j, "file")), __FILE__);
			assert_true(json_integer_value(json_object_get(j, "line")) > 0);
			assert_string_equal(json_string_value(json_object_get(j, "func")), "write_levels");
		}
		if (k == 2)
			assert_string_equal(json_string_value(json_object_get(j, "msg")),
					    "i\n2026-01-01T00:00:00Z error forged");
		if (k == 4) {
			assert_string_equal(json_string_value(json_object_get(j, "method")), "GET");
			assert_string_equal(json_string_value(json_object_get(j, "path")), "/meklet");
			assert_string_equal(json_string_value(json_object_get(j, "route")), "/meklet");
			assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
			assert_int_equal(json_integer_value(json_object_get(j, "bytes")), 1234);
			assert_int_equal(json_integer_value(json_object_get(j, "usec")), 56);
			assert_null(strstr(line, "personal"));
		}
		if (k == 5)
			assert_null(json_object_get(j, "route"));
		json_decref(j);
	}
	assert_int_equal(k, 6);
}

static void format_names(void **state)
{
	enum log_format f = LOG_FORMAT_JSON;

	(void)state;
	assert_int_equal(log_format_parse("text", &f), 0);
	assert_int_equal(f, LOG_FORMAT_TEXT);
	assert_int_equal(log_format_parse("json", &f), 0);
	assert_int_equal(f, LOG_FORMAT_JSON);
	assert_int_equal(log_format_parse("JSON", &f), -1);
	assert_int_equal(log_format_parse("", &f), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_escape_table), cmocka_unit_test(json_every_byte),
	    cmocka_unit_test(json_cut_anywhere), cmocka_unit_test(json_lines_every_level),
	    cmocka_unit_test(format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
