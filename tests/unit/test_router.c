/* test_router.c — the route table dispatcher: matches, captures, 404 vs 405,
 * HEAD through GET, OPTIONS, and the Allow list. */
#include "testutil.h"

#include <string.h>

#include "http/router.h"

static int h_a(struct req *r)
{
	(void)r;
	return 1;
}

static int h_b(struct req *r)
{
	(void)r;
	return 2;
}

static const struct route table[] = {
    {"GET", "/", h_a, 0, NULL},
    {"GET", "/pakalpojumi/{slug}", h_a, ROUTE_CACHE, NULL},
    {"POST", "/pakalpojumi/{slug}", h_b, ROUTE_CSRF, NULL},
    {"GET", "/iestades/{org}/pakalpojumi/{slug}", h_b, 0, NULL},
    {"PUT", "/api/v1/x", h_b, ROUTE_JSON, NULL},
    {"DELETE", "/api/v1/x", h_b, ROUTE_JSON, NULL},
};

#define N (sizeof(table) / sizeof(table[0]))

static enum route_result m(const char *method, const char *path, struct route_match *out)
{
	return router_match(table, N, method, strlen(method), path, strlen(path), out);
}

static void root_matches_only_root(void **state)
{
	struct route_match rm;

	(void)state;
	assert_int_equal(m("GET", "/", &rm), ROUTE_FOUND);
	assert_ptr_equal(rm.route, &table[0]);
	assert_int_equal(m("GET", "//", &rm), ROUTE_NOT_FOUND);
	assert_int_equal(m("GET", "", &rm), ROUTE_NOT_FOUND);
	assert_int_equal(m("GET", "/x", &rm), ROUTE_NOT_FOUND);
}

static void captures_one_segment(void **state)
{
	struct route_match rm;

	(void)state;
	assert_int_equal(m("GET", "/pakalpojumi/dzivesvietas-deklaresana", &rm), ROUTE_FOUND);
	assert_ptr_equal(rm.route, &table[1]);
	assert_int_equal(rm.nparams, 1);
	assert_int_equal(rm.params[0].len, strlen("dzivesvietas-deklaresana"));
	assert_memory_equal(rm.params[0].s, "dzivesvietas-deklaresana", rm.params[0].len);
	assert_int_equal(m("GET", "/pakalpojumi/", &rm), ROUTE_NOT_FOUND);
	assert_int_equal(m("GET", "/pakalpojumi/a/b", &rm), ROUTE_NOT_FOUND);
	assert_int_equal(m("GET", "/pakalpojumi", &rm), ROUTE_NOT_FOUND);
}

static void captures_two(void **state)
{
	struct route_match rm;

	(void)state;
	assert_int_equal(m("GET", "/iestades/vid/pakalpojumi/eds", &rm), ROUTE_FOUND);
	assert_int_equal(rm.nparams, 2);
	assert_memory_equal(rm.params[0].s, "vid", 3);
	assert_memory_equal(rm.params[1].s, "eds", 3);
}

static void method_picks_route(void **state)
{
	struct route_match rm;

	(void)state;
	assert_int_equal(m("POST", "/pakalpojumi/x", &rm), ROUTE_FOUND);
	assert_ptr_equal(rm.route, &table[2]);
	assert_int_equal(rm.route->flags, ROUTE_CSRF);
}

static void head_uses_get(void **state)
{
	struct route_match rm;

	(void)state;
	assert_int_equal(m("HEAD", "/pakalpojumi/x", &rm), ROUTE_FOUND);
	assert_ptr_equal(rm.route, &table[1]);
	assert_int_equal(m("HEAD", "/api/v1/x", &rm), ROUTE_METHOD_NOT_ALLOWED);
}

static void wrong_method_is_405_with_allow(void **state)
{
	struct route_match rm;

	(void)state;
	assert_int_equal(m("DELETE", "/", &rm), ROUTE_METHOD_NOT_ALLOWED);
	assert_string_equal(rm.allow, "GET, HEAD, OPTIONS");
	assert_int_equal(m("PATCH", "/pakalpojumi/x", &rm), ROUTE_METHOD_NOT_ALLOWED);
	assert_string_equal(rm.allow, "GET, HEAD, POST, OPTIONS");
	assert_int_equal(m("GET", "/api/v1/x", &rm), ROUTE_METHOD_NOT_ALLOWED);
	assert_string_equal(rm.allow, "PUT, DELETE, OPTIONS");
}

static void options_is_answered_by_dispatcher(void **state)
{
	struct route_match rm;

	(void)state;
	assert_int_equal(m("OPTIONS", "/pakalpojumi/x", &rm), ROUTE_OPTIONS);
	assert_string_equal(rm.allow, "GET, HEAD, POST, OPTIONS");
	assert_int_equal(m("OPTIONS", "/nowhere", &rm), ROUTE_NOT_FOUND);
}

static void method_compare_is_exact(void **state)
{
	struct route_match rm;

	(void)state;
	assert_int_equal(m("get", "/", &rm), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(m("GETX", "/", &rm), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match(table, N, "GET", 2, "/", 1, &rm), ROUTE_METHOD_NOT_ALLOWED);
}

static void path_is_length_bounded(void **state)
{
	struct route_match rm;
	const char p[] = "/pakalpojumi/abc";

	(void)state;
	/* only the first 14 bytes count: "/pakalpojumi/a" */
	assert_int_equal(router_match(table, N, "GET", 3, p, 14, &rm), ROUTE_FOUND);
	assert_int_equal(rm.params[0].len, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(root_matches_only_root),
	    cmocka_unit_test(captures_one_segment),
	    cmocka_unit_test(captures_two),
	    cmocka_unit_test(method_picks_route),
	    cmocka_unit_test(head_uses_get),
	    cmocka_unit_test(wrong_method_is_405_with_allow),
	    cmocka_unit_test(options_is_answered_by_dispatcher),
	    cmocka_unit_test(method_compare_is_exact),
	    cmocka_unit_test(path_is_length_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
