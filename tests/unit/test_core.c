/* test_core.c — buffers, arenas, the log line and the e-mail address rule. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/url.h"
#include "core/email.h"

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

/* The one e-mail rule (core/email.h), as a table: every address the forms
 * accept must be one the outbox sends to, and the two addresses of issue 8
 * (accepted by the old form check, refused by the outbox) are refused. */
static void email_rule_table(void **state)
{
	static const struct {
		const char *addr;
		enum email_problem want;
	} cases[] = {
	    {"anna@example.lv", EMAIL_OK},
	    {"a.b-c+tag@mail.example.lv", EMAIL_OK},
	    {"x@a.lv", EMAIL_OK},
	    {"!#$%&'*+-/=?^_`{|}~@example.lv", EMAIL_OK},
	    {"anna@xn--jnis-dra.lv", EMAIL_OK},
	    {"j\xc4\x81nis@example.lv", EMAIL_NON_ASCII},
	    {"anna@\xc4\x81.lv", EMAIL_NON_ASCII},
	    {"a..b@example.lv", EMAIL_BAD_LOCAL},
	    {".a@example.lv", EMAIL_BAD_LOCAL},
	    {"a.@example.lv", EMAIL_BAD_LOCAL},
	    {"@example.lv", EMAIL_BAD_LOCAL},
	    {"\"a b\"@example.lv", EMAIL_BAD_LOCAL},
	    {"a(b)@example.lv", EMAIL_BAD_LOCAL},
	    {"a b@example.lv", EMAIL_BAD_LOCAL},
	    {"a\r\nBcc: x@example.lv", EMAIL_BAD_LOCAL},
	    {"a@example.lv\r\nBcc: y.lv", EMAIL_BAD_DOMAIN},
	    {"a@example", EMAIL_BAD_DOMAIN},
	    {"a@", EMAIL_BAD_DOMAIN},
	    {"a@.example.lv", EMAIL_BAD_DOMAIN},
	    {"a@example..lv", EMAIL_BAD_DOMAIN},
	    {"a@-example.lv", EMAIL_BAD_DOMAIN},
	    {"a@example-.lv", EMAIL_BAD_DOMAIN},
	    {"a@[127.0.0.1]", EMAIL_BAD_DOMAIN},
	    {"a@exa_mple.lv", EMAIL_BAD_DOMAIN},
	    {"a@example.lv.", EMAIL_BAD_DOMAIN},
	    {"a@b@example.lv", EMAIL_NO_AT},
	    {"example.lv", EMAIL_NO_AT},
	    {"Anna <anna@example.lv>", EMAIL_BAD_LOCAL},
	    {"", EMAIL_EMPTY},
	};
	char longest[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (email_check(cases[i].addr) != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, (int)email_check(cases[i].addr), (int)cases[i].want);
	}
	assert_int_equal(email_check(NULL), EMAIL_EMPTY);
	/* lengths: local part 64 ok, 65 not; whole address 254 ok, 255 not */
	memset(longest, 'a', 64);
	snprintf(longest + 64, sizeof(longest) - 64, "@example.lv");
	assert_int_equal(email_check(longest), EMAIL_OK);
	memset(longest, 'a', 65);
	snprintf(longest + 65, sizeof(longest) - 65, "@example.lv");
	assert_int_equal(email_check(longest), EMAIL_TOO_LONG);
	/* a@ + 63.63.63.59 labels = 2 + 251 = 253 bytes: ok; one more label char: 254 ok, 255 too long */
	snprintf(longest, sizeof(longest), "ab@%.*s.%.*s.%.*s.%.*s", 63,
		 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 63,
		 "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 63,
		 "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", 59,
		 "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
	assert_int_equal(strlen(longest), 254);
	assert_int_equal(email_check(longest), EMAIL_OK);
	snprintf(longest, sizeof(longest), "abc@%.*s.%.*s.%.*s.%.*s", 63,
		 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 63,
		 "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 63,
		 "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", 59,
		 "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
	assert_int_equal(email_check(longest), EMAIL_TOO_LONG);
	/* a NUL inside the counted bytes is refused, never cut short */
	assert_int_not_equal(email_check_n("a@example.lv\0x", 14), EMAIL_OK);
	assert_int_equal(email_check_n("a@example.lv\0x", 12), EMAIL_OK);
	assert_int_equal(hostname_check("example.lv", 10), 0);
	assert_int_equal(hostname_check("localhost", 9), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(buf_appends_and_caps),     cmocka_unit_test(buf_steal_leaves_empty),
	    cmocka_unit_test(arena_allocates_and_caps), cmocka_unit_test(log_escape_hides_control_bytes),
	    cmocka_unit_test(log_msg_writes_one_line),  cmocka_unit_test(url_local_path_stays_on_site),
	    cmocka_unit_test(email_rule_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
