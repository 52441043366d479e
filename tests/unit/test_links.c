/* test_links.c — the link checker's pure parts (hosts of URLs, how a check
 * ends, the retry delays, which addresses are refused) and its store on
 * both engines: syncing the links the pages show, recording checks with
 * their history and schedule, publishing the long-dead set (the revision
 * moves only when it changes), the purge and the lease. */
#include "testutil.h"
#include "pgtest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/netaddr.h"
#include "core/when.h"
#include "links/checker.h"
#include "links/store.h"

static void test_url_host(void **state)
{
	char h[256];

	(void)state;
	assert_int_equal(links_url_host("HTTPS://WWW.Latvija.LV:8443/x?y#z", h, sizeof(h)), 0);
	assert_string_equal(h, "www.latvija.lv");
	assert_int_equal(links_url_host("http://127.0.0.1:8080/", h, sizeof(h)), 0);
	assert_string_equal(h, "127.0.0.1");
	assert_int_equal(links_url_host("http://[::1]:80/", h, sizeof(h)), 0);
	assert_string_equal(h, "[::1]");
	assert_int_equal(links_url_host("mailto:info@vid.gov.lv", h, sizeof(h)), -1);
	assert_int_equal(links_url_host("ftp://example.lv/", h, sizeof(h)), -1);
	assert_int_equal(links_url_host("file:///etc/passwd", h, sizeof(h)), -1);
	assert_int_equal(links_url_host("gopher://example.lv/", h, sizeof(h)), -1);
	assert_int_equal(links_url_host("not a url", h, sizeof(h)), -1);
	assert_int_equal(links_url_host("http://example.lv/", h, 4), -1); /* does not fit */
}

static void test_classify(void **state)
{
	(void)state;
	assert_string_equal(links_classify(200, 0), "ok");
	assert_string_equal(links_classify(204, 0), "ok");
	assert_string_equal(links_classify(200, 3), "redirect");
	assert_string_equal(links_classify(404, 0), "broken");
	assert_string_equal(links_classify(404, 2), "broken");
	assert_string_equal(links_classify(500, 0), "broken");
	assert_string_equal(links_classify(0, 0), "broken");
	assert_string_equal(links_classify(301, 0), "broken"); /* a redirect left unfollowed */
	assert_true(links_is_redirect(301) && links_is_redirect(302) && links_is_redirect(303) &&
		    links_is_redirect(307) && links_is_redirect(308));
	assert_false(links_is_redirect(300) || links_is_redirect(304) || links_is_redirect(200));
}

static void test_retry_delay(void **state)
{
	(void)state;
	assert_int_equal(links_retry_delay(1, 900, 86400), 900);
	assert_int_equal(links_retry_delay(2, 900, 86400), 1800);
	assert_int_equal(links_retry_delay(3, 900, 86400), 3600);
	assert_int_equal(links_retry_delay(30, 900, 86400), 86400); /* never past the interval */
	assert_int_equal(links_retry_delay(1, 900, 60), 60);
}

/* The CSV's times (core/when.h). */
static void test_when_iso(void **state)
{
	char out[WHEN_ISO_LEN];

	(void)state;
	when_iso(0, out);
	assert_string_equal(out, "");
	when_iso(86400 + 3723, out);
	assert_string_equal(out, "1970-01-02T01:02:03Z");
}

static int internal4(const char *a)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &s.sin_addr), 1);
	return netaddr_internal((struct sockaddr *)&s);
}

static int internal6(const char *a)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &s.sin6_addr), 1);
	return netaddr_internal((struct sockaddr *)&s);
}

/* What the checker refuses with link-check-allow-private off. */
static void test_internal_addresses(void **state)
{
	static const char *const in4[] = {"127.0.0.1",      "127.1.2.3",    "10.0.0.1",        "172.16.0.1",
					  "172.31.255.255", "192.168.1.1",  "169.254.169.254", "100.64.0.1",
					  "0.0.0.0",        "224.0.0.1",    "255.255.255.255", "198.18.0.1",
					  "192.0.2.1",      "198.51.100.7", "203.0.113.9"};
	static const char *const in6[] = {"::1",
					  "::",
					  "fe80::1",
					  "fc00::1",
					  "fd12:3456::1",
					  "ff02::1",
					  "::ffff:127.0.0.1",
					  "::ffff:169.254.169.254",
					  "::ffff:10.1.2.3",
					  "2001:db8::1",
					  "fd00:ec2::254",
					  "64:ff9b::7f00:1",
					  "64:ff9b::a9fe:a9fe",
					  "64:ff9b::10.0.0.1",
					  "64:ff9b:1::8.8.8.8",
					  "::ffff:0:127.0.0.1",
					  "::ffff:0:192.168.0.1",
					  "2002:7f00:1::1",
					  "2002:a9fe:a9fe::",
					  "2002:c0a8:101::1",
					  "2001:0:4136:e378:8000:63bf:3fff:fdd2",
					  "100::1"};
	static const char *const out4[] = {"8.8.8.8", "195.122.0.1", "172.32.0.1", "100.128.0.1", "169.255.0.1"};
	static const char *const out6[] = {"2001:4860:4860::8888", "2a02:598::1",     "::ffff:8.8.8.8",
					   "64:ff9b::808:808",     "2002:808:808::1", "2001:db9::1"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in4) / sizeof(*in4); i++)
		assert_true(internal4(in4[i]));
	for (i = 0; i < sizeof(in6) / sizeof(*in6); i++)
		assert_true(internal6(in6[i]));
	for (i = 0; i < sizeof(out4) / sizeof(*out4); i++)
		assert_false(internal4(out4[i]));
	for (i = 0; i < sizeof(out6) / sizeof(*out6); i++)
		assert_false(internal6(out6[i]));
}

/* ---- the store, on both engines ---- */

static int setup(void **state)
{
	return dbfix_setup(state, "links");
}

static int teardown(void **state)
{
	return dbfix_teardown(state);
}

static long long one(struct db *db, const char *sql, const char *text)
{
	long long v = -1;

	if (text)
		OK(db, db_query_int(db, sql, DB_P(PTEXT(text)), &v));
	else
		OK(db, db_query_int(db, sql, DB_NOP, &v));
	return v;
}

static const char A[] = "https://www.latvija.lv/lv/e-pakalpojumi/1";
static const char B[] = "https://vid.gov.lv/eds";
static const char H[] = "https://www.pmlp.gov.lv";

static void fill(struct link_uses *l, int with_b)
{
	assert_int_equal(links_uses_add(l, A, "channel", "svc-1", "pmlp"), 0);
	assert_int_equal(links_uses_add(l, A, "eservice", "svc-1", "pmlp"), 0);
	assert_int_equal(links_uses_add(l, A, "channel", "svc-1", "pmlp"), 0); /* the same use twice */
	if (with_b)
		assert_int_equal(links_uses_add(l, B, "channel", "svc-2", "vid"), 0);
	assert_int_equal(links_uses_add(l, H, "homepage", "", "pmlp"), 0);
	/* not http(s): never checked */
	assert_int_equal(links_uses_add(l, "mailto:pasts@pmlp.gov.lv", "channel", "svc-1", "pmlp"), 0);
	assert_int_equal(links_uses_add(l, "tel:+37167209400", "channel", "svc-1", "pmlp"), 0);
	assert_int_equal(links_uses_add(l, "javascript:alert(1)", "channel", "svc-1", "pmlp"), 0);
}

static int count_due(void *cls, long long id, const char *url, const char *host, int failures)
{
	(void)id;
	(void)url;
	(void)failures;
	assert_true(*host);
	(*(int *)cls)++;
	return 0;
}

static void test_sync(void **state)
{
	struct dbfix *fx = *state;
	struct link_uses l = {0};
	long long changed = -1;
	int n = 0;

	testdb_need(&fx->t);
	fill(&l, 1);
	assert_int_equal(l.n, 5); /* mailto:, tel: and javascript: are skipped */
	OK(fx->db, links_sync(fx->db, &l, 1000, &changed));
	links_uses_free(&l);
	assert_int_equal(changed, 4);
	assert_int_equal(one(fx->db, "SELECT count(*) FROM link_url", NULL), 3);
	assert_int_equal(one(fx->db, "SELECT count(*) FROM link_use", NULL), 4);
	assert_int_equal(one(fx->db, "SELECT count(*) FROM link_url WHERE host = $1", "www.latvija.lv"), 1);
	assert_int_equal(one(fx->db, "SELECT count(*) FROM link_url WHERE status = $1", "unknown"), 3);
	OK(fx->db, links_due(fx->db, 1000, 10, count_due, &n));
	assert_int_equal(n, 3);
	/* the same again changes nothing */
	fill(&l, 1);
	OK(fx->db, links_sync(fx->db, &l, 2000, &changed));
	links_uses_free(&l);
	assert_int_equal(changed, 0);
	/* B gone: its use, its URL and its history go */
	{
		struct link_result r = {"ok", 200, B, "[]", "", 5};
		long long id = one(fx->db, "SELECT id FROM link_url WHERE url = $1", B);

		OK(fx->db, links_record(fx->db, id, &r, 1500, 86400, 900));
		assert_int_equal(one(fx->db, "SELECT count(*) FROM link_check", NULL), 1);
	}
	fill(&l, 0);
	OK(fx->db, links_sync(fx->db, &l, 3000, &changed));
	links_uses_free(&l);
	assert_int_equal(changed, 1);
	assert_int_equal(one(fx->db, "SELECT count(*) FROM link_url", NULL), 2);
	assert_int_equal(one(fx->db, "SELECT count(*) FROM link_url WHERE url = $1", B), 0);
	assert_int_equal(one(fx->db, "SELECT count(*) FROM link_check", NULL), 0);
}

static void test_record_and_schedule(void **state)
{
	struct dbfix *fx = *state;
	struct link_uses l = {0};
	struct link_result broken = {"broken", 404, B, "[{\"url\":\"x\",\"code\":404}]", "HTTP status 404", 12};
	struct link_result ok = {"redirect", 200, "https://vid.gov.lv/eds/", "[]", "", 30};
	long long id;
	int n = 0;

	testdb_need(&fx->t);
	fill(&l, 1);
	OK(fx->db, links_sync(fx->db, &l, 1000, NULL));
	links_uses_free(&l);
	id = one(fx->db, "SELECT id FROM link_url WHERE url = $1", B);
	OK(fx->db, links_record(fx->db, id, &broken, 1000, 86400, 900));
	assert_int_equal(one(fx->db, "SELECT failing_since FROM link_url WHERE url = $1", B), 1000);
	assert_int_equal(one(fx->db, "SELECT next_due FROM link_url WHERE url = $1", B), 1900);
	OK(fx->db, links_record(fx->db, id, &broken, 1900, 86400, 900));
	assert_int_equal(one(fx->db, "SELECT failing_since FROM link_url WHERE url = $1", B), 1000); /* kept */
	assert_int_equal(one(fx->db, "SELECT failures FROM link_url WHERE url = $1", B), 2);
	assert_int_equal(one(fx->db, "SELECT next_due FROM link_url WHERE url = $1", B), 1900 + 1800);
	/* not due before its time; the other two are */
	OK(fx->db, links_due(fx->db, 3000, 10, count_due, &n));
	assert_int_equal(n, 2);
	OK(fx->db, links_record(fx->db, id, &ok, 3700, 86400, 900));
	assert_int_equal(one(fx->db, "SELECT failing_since FROM link_url WHERE url = $1", B), 0);
	assert_int_equal(one(fx->db, "SELECT failures FROM link_url WHERE url = $1", B), 0);
	assert_int_equal(one(fx->db, "SELECT next_due FROM link_url WHERE url = $1", B), 3700 + 86400);
	assert_int_equal(one(fx->db, "SELECT code FROM link_url WHERE url = $1", B), 200);
	assert_int_equal(one(fx->db, "SELECT count(*) FROM link_check", NULL), 3);
	/* a URL that is gone */
	assert_int_equal(links_record(fx->db, 999999, &ok, 4000, 86400, 900), DB_ENOROW);
	/* the history is purged by age */
	{
		long long gone = 0;

		OK(fx->db, links_purge(fx->db, 1901, &gone));
		assert_int_equal(gone, 2);
	}
}

static int count_dead(void *cls, const char *url)
{
	assert_string_equal(url, B);
	(*(int *)cls)++;
	return 0;
}

static void test_publish_dead(void **state)
{
	struct dbfix *fx = *state;
	struct link_uses l = {0};
	struct link_result broken = {"broken", 0, B, "[]", "Connection refused", 1};
	long long id, rev;
	int n = 0;

	testdb_need(&fx->t);
	fill(&l, 1);
	OK(fx->db, links_sync(fx->db, &l, 1000, NULL));
	links_uses_free(&l);
	rev = one(fx->db, "SELECT value FROM revision", NULL);
	id = one(fx->db, "SELECT id FROM link_url WHERE url = $1", B);
	OK(fx->db, links_record(fx->db, id, &broken, 1000, 86400, 900));
	assert_int_equal(links_publish_dead(fx->db, 1000 + 604799, 604800), 0); /* not yet a week */
	assert_int_equal(one(fx->db, "SELECT value FROM revision", NULL), rev);
	OK(fx->db, links_record(fx->db, id, &broken, 1000 + 604800, 86400, 900));
	assert_int_equal(links_publish_dead(fx->db, 1000 + 604800, 604800), 1);
	assert_int_equal(one(fx->db, "SELECT value FROM revision", NULL), rev + 1);
	assert_int_equal(links_publish_dead(fx->db, 1000 + 604900, 604800), 0); /* the same set */
	assert_int_equal(one(fx->db, "SELECT value FROM revision", NULL), rev + 1);
	OK(fx->db, links_dead_urls(fx->db, count_dead, &n));
	assert_int_equal(n, 1);
	/* it works again: out of the set, the revision moves once more */
	{
		struct link_result ok = {"ok", 200, B, "[]", "", 1};

		OK(fx->db, links_record(fx->db, id, &ok, 1000 + 700000, 86400, 900));
	}
	assert_int_equal(links_publish_dead(fx->db, 1000 + 700000, 604800), 1);
	assert_int_equal(one(fx->db, "SELECT value FROM revision", NULL), rev + 2);
	n = 0;
	OK(fx->db, links_dead_urls(fx->db, count_dead, &n));
	assert_int_equal(n, 0);
}

static void test_lease(void **state)
{
	struct dbfix *fx = *state;

	testdb_need(&fx->t);
	assert_int_equal(links_lease(fx->db, "node-a", 1000, 60), 1);
	assert_int_equal(links_lease(fx->db, "node-b", 1030, 60), 0);
	assert_int_equal(links_lease(fx->db, "node-a", 1050, 60), 1); /* renewed */
	assert_int_equal(links_lease(fx->db, "node-b", 1100, 60), 0);
	assert_int_equal(links_lease(fx->db, "node-b", 1111, 60), 1); /* expired: taken over */
	links_lease_release(fx->db, "node-b");
	assert_int_equal(links_lease(fx->db, "node-a", 1112, 60), 1);
}

static const struct backend SQLITE = {"sqlite", 0}, PG = {"postgresql", 1};

#define BOTH(fn)                                                                                                       \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)&SQLITE),                                \
	    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)&PG)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_host),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_retry_delay),
	    cmocka_unit_test(test_when_iso),
	    cmocka_unit_test(test_internal_addresses),
	    BOTH(test_sync),
	    BOTH(test_record_and_schedule),
	    BOTH(test_publish_dead),
	    BOTH(test_lease),
	};

	pg_note_missing("test_links");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
