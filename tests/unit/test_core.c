/* test_core.c — buffers, arenas and the log line. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/url.h"

static void buf_appends_and_caps(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "hello"), 0);
	assert_int_equal(buf_printf(&b, "%d", 1234), 0);
	assert_string_equal(b.data, "hello1234");
	assert_true(buf_ok(&b));
	assert_int_equal(buf_puts(&b, "xx"), -1);
	assert_false(buf_ok(&b));
	assert_int_equal(b.len, 9);
	buf_free(&b);
}

static void buf_steal_leaves_empty(void **state)
{
	struct buf b = BUF_INIT;
	size_t n;
	char *p;

	(void)state;
	buf_puts(&b, "abc");
	p = buf_steal(&b, &n);
	assert_int_equal(n, 3);
	assert_string_equal(p, "abc");
	assert_null(b.data);
	free(p);
}

static void arena_allocates_and_caps(void **state)
{
	struct arena *a = arena_new(64 * 1024);
	char *s;
	int i;

	(void)state;
	s = arena_printf(a, "%s-%d", "x", 7);
	assert_string_equal(s, "x-7");
	for (i = 0; i < 3; i++)
		assert_non_null(arena_alloc(a, 16 * 1024));
	assert_null(arena_alloc(a, 64 * 1024));
	arena_free(a);
}

static void log_escape_hides_control_bytes(void **state)
{
	char out[64];
	size_t n;

	(void)state;
	n = log_escape(out, sizeof(out), "a\nb\r\\c\x7f\x1b[2J\xc4\x81", 13);
	out[n] = '\0';
	assert_string_equal(out, "a\\x0ab\\x0d\\x5cc\\x7f\\x1b[2J\xc4\x81");
	/* an escape that does not fit is left out whole, never cut */
	n = log_escape(out, 5, "ab\ncd", 5);
	assert_int_equal(n, 2);
}

/* Every message, whatever its call site passes: a URL with a line break
 * stays on one line and cannot forge a second one. */
static void log_msg_writes_one_line(void **state)
{
	char path[] = "/tmp/epak-test-log-XXXXXX";
	char got[4096];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t k;
	const char *nl;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	log_error("OCSP %s failed", "http://ocsp.example/\n2026-01-01T00:00:00Z info forged\r");
	log_warn("%s", "tab\there");
	dup2(saved, STDERR_FILENO);
	close(saved);
	k = pread(fd, got, sizeof(got) - 1, 0);
	close(fd);
	assert_true(k > 0);
	got[k] = '\0';
	nl = strchr(got, '\n');
	assert_non_null(nl);
	assert_non_null(
	    strstr(got, " error OCSP http://ocsp.example/\\x0a2026-01-01T00:00:00Z info forged\\x0d failed\n"));
	assert_non_null(strstr(nl + 1, " warn tab\\x09here\n"));
	assert_null(strchr(strchr(nl + 1, '\n') + 1, '\n'));
}

/* A path from the request becomes a link to this site only. */
static void url_local_path_stays_on_site(void **state)
{
	struct arena *a = arena_new(0);
	unsigned long u = 0;

	(void)state;
	assert_string_equal(url_local_path(a, "", "//evil.example/x"), "/evil.example/x");
	assert_string_equal(url_local_path(a, "/en", "//evil.example/x"), "/en/evil.example/x");
	assert_string_equal(url_local_path(a, "", "/\\evil.example/x"), "/evil.example/x");
	assert_string_equal(url_local_path(a, "", "/\\/\\//evil.example"), "/evil.example");
	assert_string_equal(url_local_path(a, "", "/\t/evil.example"), "/%09/evil.example");
	assert_string_equal(url_local_path(a, "", "/a\\b c\"<%"), "/a%5Cb%20c%22%3C%25");
	assert_string_equal(url_local_path(a, "", "/pakalpojumi/ā"), "/pakalpojumi/%C4%81");
	assert_string_equal(url_local_path(a, "", "/"), "/");
	assert_string_equal(url_local_path(a, "/en", "/"), "/en/");
	assert_string_equal(url_local_path(a, "", "/palidziba"), "/palidziba");
	assert_int_equal(url_uint("0007", &u), 0);
	assert_int_equal(u, 7);
	assert_int_equal(url_uint("0", &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(url_uint(" 7", &u), -1);
	assert_int_equal(url_uint("+7", &u), -1);
	assert_int_equal(url_uint("1234567890", &u), -1);
	assert_int_equal(url_uint("", &u), -1);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(buf_appends_and_caps),     cmocka_unit_test(buf_steal_leaves_empty),
	    cmocka_unit_test(arena_allocates_and_caps), cmocka_unit_test(log_escape_hides_control_bytes),
	    cmocka_unit_test(log_msg_writes_one_line),  cmocka_unit_test(url_local_path_stays_on_site),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
