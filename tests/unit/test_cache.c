/* test_cache.c — the per-thread page cache keeps to its byte budget and
 * never keeps a page above its size limit, whatever is put into it. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "http/cache.h"

static void cache_keeps_to_its_budget(void **state)
{
	static struct page_cache c; /* large: not on the stack */
	char body[3000], key[64];
	const struct cached_page *e;
	int i;

	(void)state;
	cache_init(&c, 10000, 4000);
	memset(body, 'x', sizeof(body));
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "lv:/e-pakalpojumi?cb=%d", i);
		e = cache_put(&c, key, 1, 200, "text/html", body, sizeof(body));
		assert_non_null(e); /* the newest page is always kept */
		assert_true(c.bytes <= 10000);
		assert_non_null(cache_get(&c, key, 1));
	}
	/* the gzip form is counted too */
	e = cache_gzip(&c, e);
	assert_non_null(e->gz);
	assert_true(c.bytes <= 10000);
	assert_non_null(cache_get(&c, key, 1));
	/* a page above the size limit is not kept (the caller sends it itself) */
	{
		static char big[5000];

		memset(big, 'y', sizeof(big));
		assert_null(cache_put(&c, "lv:/big", 1, 200, "text/html", big, sizeof(big)));
		assert_null(cache_get(&c, "lv:/big", 1));
	}
	cache_clear(&c);
	assert_int_equal(c.bytes, 0);
}

static void cache_of_size_zero_keeps_nothing(void **state)
{
	static struct page_cache c;

	(void)state;
	cache_init(&c, 0, 4000);
	assert_null(cache_put(&c, "lv:/", 1, 200, "text/html", "hello", 5));
	assert_int_equal(c.bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cache_keeps_to_its_budget),
	    cmocka_unit_test(cache_of_size_zero_keeps_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
