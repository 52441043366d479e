/* test_core.c — buffers, arenas and the e-mail address rule. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
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
	    cmocka_unit_test(buf_appends_and_caps),
	    cmocka_unit_test(buf_steal_leaves_empty),
	    cmocka_unit_test(arena_allocates_and_caps),
	    cmocka_unit_test(email_rule_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
