/* test_metrics.c — the Prometheus text writer escapes what the format
 * says (label values: backslash, double quote, newline; HELP: backslash and
 * newline), and the request counters add up by route pattern, status and
 * latency bucket, from the bound thread and from any other. */
#include "testutil.h"

#include <pthread.h>
#include <string.h>

#include "core/buf.h"
#include "http/metrics.h"

static char *text_of(struct buf *b)
{
	buf_putc(b, '\0');
	assert_true(buf_ok(b));
	return b->data;
}

static void label_values_are_escaped(void **state)
{
	struct buf b = BUF_INIT;
	const char *labels[] = {"route", "a\\b\"c\nd", "x", "", NULL};

	(void)state;
	metrics_sample_u64(&b, "m_total", labels, 7);
	assert_string_equal(text_of(&b), "m_total{route=\"a\\\\b\\\"c\\nd\",x=\"\"} 7\n");
	buf_free(&b);
}

static void help_is_escaped_and_typed(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	metrics_family(&b, "m", "gauge", "a \"quoted\" back\\slash\nnewline");
	assert_string_equal(text_of(&b), "# HELP m a \"quoted\" back\\\\slash\\nnewline\n# TYPE m gauge\n");
	buf_free(&b);
}

static void samples_without_labels(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	metrics_sample(&b, "g", NULL, 0.25);
	metrics_sample(&b, "g2", (const char *[]){NULL}, -2);
	assert_string_equal(text_of(&b), "g 0.25\ng2 -2\n");
	buf_free(&b);
}

static const struct route routes[] = {
    {"GET", "/", NULL, 0, NULL},
    {"GET", "/pakalpojumi/{slug}", NULL, 0, NULL},
    {"POST", "/atsauksmes", NULL, 0, NULL},
};

static void *other_thread(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 1000; i++)
		metrics_request(&routes[1], 404, 100);
	return NULL;
}

static void requests_add_up(void **state)
{
	struct buf b = BUF_INIT;
	pthread_t t;
	const char *s;

	(void)state;
	assert_int_equal(metrics_init(routes, 3, 2), 0);
	metrics_thread_bind(0);
	metrics_request(&routes[0], 200, 500);      /* le 0.0005 exactly */
	metrics_request(&routes[0], 200, 501);      /* le 0.001 */
	metrics_request(&routes[0], 200, 20000000); /* above 10 s: +Inf only */
	metrics_request(&routes[0], 418, 10);       /* a code not listed: its class */
	metrics_request(NULL, 404, 10);             /* no route */
	metrics_request(&routes[1], 404, 100);      /* counted by this thread ... */
	pthread_create(&t, NULL, other_thread, NULL);
	pthread_join(t, NULL); /* ... and 1000 times by another, unbound */
	metrics_cache(1);
	metrics_cache(0);
	metrics_cache(0);
	metrics_write_http(&b);
	s = text_of(&b);
	assert_non_null(strstr(s, "epak_http_requests_total{route=\"/\",method=\"GET\",code=\"200\"} 3\n"));
	assert_non_null(strstr(s, "epak_http_requests_total{route=\"/\",method=\"GET\",code=\"4xx\"} 1\n"));
	assert_non_null(strstr(s, "epak_http_requests_total{route=\"unmatched\",method=\"\",code=\"404\"} 1\n"));
	assert_non_null(
	    strstr(s, "epak_http_requests_total{route=\"/pakalpojumi/{slug}\",method=\"GET\",code=\"404\"} 1001\n"));
	/* a route that counted nothing writes no series */
	assert_null(strstr(s, "/atsauksmes"));
	assert_non_null(
	    strstr(s, "epak_http_request_duration_seconds_bucket{route=\"/\",method=\"GET\",le=\"0.0005\"} 2\n"));
	assert_non_null(
	    strstr(s, "epak_http_request_duration_seconds_bucket{route=\"/\",method=\"GET\",le=\"0.001\"} 3\n"));
	assert_non_null(
	    strstr(s, "epak_http_request_duration_seconds_bucket{route=\"/\",method=\"GET\",le=\"10\"} 3\n"));
	assert_non_null(
	    strstr(s, "epak_http_request_duration_seconds_bucket{route=\"/\",method=\"GET\",le=\"+Inf\"} 4\n"));
	assert_non_null(strstr(s, "epak_http_request_duration_seconds_count{route=\"/\",method=\"GET\"} 4\n"));
	assert_non_null(strstr(s, "epak_http_request_duration_seconds_sum{route=\"/\",method=\"GET\"} 20.001011\n"));
	assert_non_null(strstr(s, "epak_page_cache_lookups_total{result=\"hit\"} 1\n"));
	assert_non_null(strstr(s, "epak_page_cache_lookups_total{result=\"miss\"} 2\n"));
	assert_non_null(strstr(s, "# TYPE epak_http_request_duration_seconds histogram\n"));
	metrics_thread_bind(-1);
	buf_free(&b);
	/* a new table starts from nothing */
	assert_int_equal(metrics_init(routes, 3, 1), 0);
	metrics_write_http(&b);
	assert_null(strstr(text_of(&b), "epak_http_requests_total{"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(label_values_are_escaped),
	    cmocka_unit_test(help_is_escaped_and_typed),
	    cmocka_unit_test(samples_without_labels),
	    cmocka_unit_test(requests_add_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
