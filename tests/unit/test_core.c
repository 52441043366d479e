/* test_core.c — buffers and arenas. */
#include "testutil.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(buf_appends_and_caps),
	    cmocka_unit_test(buf_steal_leaves_empty),
	    cmocka_unit_test(arena_allocates_and_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
