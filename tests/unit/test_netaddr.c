/* test_netaddr.c — the network lists of trusted-proxies and
 * auth-cert-proxies (core/netaddr.c), and the proxy's client certificate
 * header (http/clientcert.c), and the check of a Host before a link is
 * built from it (core/url.c url_host_ok). */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/arena.h"
#include "core/netaddr.h"
#include "core/url.h"
#include "http/parse.h"

static void lists_parse_and_match(void **state)
{
	struct netlist l;
	struct err err = {0};

	(void)state;
	assert_int_equal(netlist_parse("127.0.0.1, 10.0.0.0/8 ::1\tfd00::/8", &l, &err), 0);
	assert_int_equal(l.n, 4);
	assert_true(netlist_match_text(&l, "127.0.0.1"));
	assert_false(netlist_match_text(&l, "127.0.0.2"));
	assert_true(netlist_match_text(&l, "10.200.3.4"));
	assert_false(netlist_match_text(&l, "11.0.0.1"));
	assert_true(netlist_match_text(&l, "::1"));
	assert_true(netlist_match_text(&l, "fdab::7"));
	assert_false(netlist_match_text(&l, "fe80::1"));
	assert_true(netlist_match_text(&l, "::ffff:10.1.2.3")); /* IPv4-mapped: as IPv4 */
	assert_false(netlist_match_text(&l, "not an address"));
	assert_int_equal(netlist_parse("", &l, &err), 0);
	assert_int_equal(l.n, 0);
	assert_false(netlist_match_text(&l, "127.0.0.1"));
	assert_int_equal(netlist_parse("192.168.0.0/23", &l, &err), 0);
	assert_true(netlist_match_text(&l, "192.168.1.255"));
	assert_false(netlist_match_text(&l, "192.168.2.0"));
}

static void bad_lists_are_refused(void **state)
{
	static const char *bad[] = {"10.0.0.1/8", "10.0.0.0/33", "::/129",     "example.org",
				    "10.0.0.0/",  "10.0.0.0/-1", "1.2.3.4/8x", "1.2.3"};
	struct netlist l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err err = {0};

		assert_int_equal(netlist_parse(bad[i], &l, &err), -1);
		assert_non_null(strstr(err.msg, "not an IP address"));
	}
}

/* A self-signed certificate made once with openssl (no personal data). */
static const char PEM[] = "-----BEGIN CERTIFICATE-----\n"
			  "MIIBfTCCASOgAwIBAgIUbDmBFDAYaUsOy5MUsxVChFNJ/GMwCgYIKoZIzj0EAwIw\n"
			  "FDESMBAGA1UEAwwJZXBhay10ZXN0MB4XDTI2MDEwMTAwMDAwMFoXDTM2MDEwMTAw\n"
			  "MDAwMFowFDESMBAGA1UEAwwJZXBhay10ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
			  "AQcDQgAE";

static void proxy_header_needs_one_certificate(void **state)
{
	struct arena *a = arena_new(0);
	const unsigned char *der;
	size_t len;

	(void)state;
	assert_int_equal(client_cert_from_header(a, "", 0, &der, &len), -1);
	assert_int_equal(client_cert_from_header(a, "%ZZ", 3, &der, &len), -1);
	assert_int_equal(client_cert_from_header(a, PEM, strlen(PEM), &der, &len), -1); /* cut short */
	assert_int_equal(client_cert_from_header(a, "hello", 5, &der, &len), -1);
	assert_null(der);
	arena_free(a);
}

static void hosts_for_links(void **state)
{
	(void)state;
	assert_true(url_host_ok("epak.example.lv", 15));
	assert_true(url_host_ok("127.0.0.1:8443", 14));
	assert_true(url_host_ok("[::1]:8443", 10));
	assert_false(url_host_ok("", 0));
	assert_false(url_host_ok("evil.example/x", 14));
	assert_false(url_host_ok("a@b", 3));
	assert_false(url_host_ok("a b", 3));
	assert_false(url_host_ok("a\"b", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lists_parse_and_match),
	    cmocka_unit_test(bad_lists_are_refused),
	    cmocka_unit_test(proxy_header_needs_one_certificate),
	    cmocka_unit_test(hosts_for_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
