/* test_sign_tsl.c — ETSI TS 119 612 trusted lists as the only trust: lists
 * built from the test PKI (tests/sign/pki.sh) by tests/sign/tsl.py and signed
 * with xmlsec1 by a test supervisory body (tests/sign/pki-tsl.sh); valid,
 * tampered, signed by another key, withdrawn services, expired, the TSA
 * service, and the EU list of lists with a member state's list beside it. */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../sign/vhelp.h"
#include "sign/cli.h"
#include "sign/edoc.h"
#include "sign/internal.h"
#include "sign/sign.h"
#include "sign/verify.h"

static char dir[256];
static char tsa[128];
static struct edoc *lt; /* an LT container signed by signer-ec, time-stamped at lt_time */
static time_t lt_time;

static const char *pki(const char *name)
{
	return pki_path(dir, name);
}

static void iso(time_t t, char out[32])
{
	sx_format_time(t, out);
}

/* Writes the list `out` from the JSON spec, signed by key (a pki-tsl.sh name). */
static void make_list(const char *out, const char *key, const char *spec)
{
	char cmd[2048], path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/spec.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(spec, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && python3 %s/tests/sign/tsl.py --key %s.key --cert %s.crt --out %s <spec.json", dir,
		 getenv("PWD"), key, key, out);
	if (pki_run(cmd) != 0)
		fail_msg("tsl.py failed for %s", out);
}

/* A national list: the qualified CA (inter.crt) and, if tsa_status is set,
 * the TSA, each with the status and history given (JSON fragments). */
static void national(const char *out, const char *key, const char *ca_status, const char *ca_history,
		     const char *tsa_status, const char *next_update)
{
	char spec[4096], tsa_svc[512] = "";

	if (tsa_status)
		snprintf(tsa_svc, sizeof(tsa_svc),
			 ",{\"tsp\":\"epak Test TSP\",\"name\":\"epak Test TSA service\",\"type\":\"TSA/QTST\","
			 "%s,\"cert\":\"tsa.crt\"}",
			 tsa_status);
	snprintf(spec, sizeof(spec),
		 "{\"territory\":\"LV\",\"next_update\":%s,\"services\":[{\"tsp\":\"epak Test TSP\","
		 "\"name\":\"epak Test Qualified CA service\",\"type\":\"CA/QC\",%s,\"cert\":\"inter.crt\","
		 "\"history\":[%s]}%s]}",
		 next_update, ca_status, ca_history ? ca_history : "", tsa_svc);
	make_list(out, key, spec);
}

#define GRANTED_2020 "\"status\":\"granted\",\"start\":\"2020-01-01T00:00:00Z\""
#define FRESH "\"2099-01-01T00:00:00Z\""

/* A trust from files (NULL-terminated) and a signer; NULL with e set when
 * it is refused. */
static struct edoc_trust *load(const char *signer, struct err *e, ...)
{
	struct edoc_trust *t = edoc_trust_new();
	const char *f;
	va_list ap;
	int rc = 0;

	va_start(ap, e);
	for (f = va_arg(ap, const char *); rc == 0 && f; f = va_arg(ap, const char *))
		rc = edoc_trust_add_file(t, pki(f), e);
	va_end(ap);
	if (rc == 0 && signer)
		rc = edoc_trust_add_list_signer(t, pki(signer), e);
	if (rc == 0)
		rc = edoc_trust_finish(t, e);
	if (rc != 0) {
		edoc_trust_free(t);
		return NULL;
	}
	return t;
}

static struct edoc_trust *load_ok(const char *signer, const char *file)
{
	struct err e = {0};
	struct edoc_trust *t = load(signer, &e, file, NULL);

	if (!t)
		fail_msg("%s: %s", file, e.msg);
	return t;
}

static void refused(const char *signer, const char *file, const char *why)
{
	struct err e = {0};
	struct edoc_trust *t = load(signer, &e, file, NULL);

	if (t)
		fail_msg("%s was accepted", file);
	if (!strstr(e.msg, why))
		fail_msg("%s: \"%s\" lacks \"%s\"", file, e.msg, why);
}

static int group_setup(void **state)
{
	struct edoc_signer *s;
	struct edoc_sign_opts o = {EDOC_PROFILE_LT, tsa, NULL, 0, 0};
	struct err e = {0};
	char cmd[600];
	int port;

	(void)state;
	port = pki_setup(dir, sizeof(dir), "epak-tsl");
	if (port < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "tests/sign/pki-tsl.sh %s >>%s/setup.log 2>&1", dir, dir);
	if (pki_run(cmd) != 0)
		return -1;
	snprintf(tsa, sizeof(tsa), "http://127.0.0.1:%d/tsa", port);
	lt = edoc_new();
	s = edoc_signer_p12(pki("signer-ec.p12"), "test-pass", &e);
	if (!s || edoc_add_file(lt, "iesniegums.txt", NULL, "Lūdzu...\n", 10, &e) != 0 ||
	    edoc_sign(lt, s, &o, &e) != 0 || edoc_write(lt, pki("lt.edoc"), &e) != 0) {
		fprintf(stderr, "signing: %s\n", e.msg);
		edoc_signer_free(s);
		return -1;
	}
	edoc_signer_free(s);
	lt_time = time(NULL); /* the time-stamp was taken before this */
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	edoc_free(lt);
	pki_teardown(dir);
	return 0;
}

/* The LT container against t: PASSED, or the verdict given. */
static void lt_verdict(const struct edoc_trust *t, enum edoc_indication ind, enum edoc_subindication sub,
		       const char *reason)
{
	check_one(lt, t, ind, sub, reason);
}

static void valid_list_is_the_only_trust(void **state)
{
	struct edoc_trust *t;

	(void)state;
	national("lv.xml", "tsl-sb", GRANTED_2020, NULL, GRANTED_2020, FRESH);
	t = load_ok("tsl-sb.crt", "lv.xml");
	assert_int_equal(edoc_trust_list_count(t), 1);
	assert_int_equal(edoc_trust_count(t), 2); /* the CA and the TSA */
	lt_verdict(t, EDOC_TOTAL_PASSED, 0, NULL);
	edoc_trust_free(t);
	/* without any trust the same container has no path */
	lt_verdict(NULL, EDOC_INDETERMINATE, EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND, NULL);
}

static void tampered_or_foreign_list_refused(void **state)
{
	char *xml, *bad;
	size_t n;
	struct err e = {0};
	FILE *f;

	(void)state;
	national("lv.xml", "tsl-sb", GRANTED_2020, NULL, GRANTED_2020, FRESH);
	xml = (char *)edoc_read_file(pki("lv.xml"), 1 << 20, &n, &e);
	assert_non_null(xml);
	xml = realloc(xml, n + 1);
	xml[n] = '\0';
	/* one byte of a service name, after signing */
	bad = replace(xml, "epak Test Qualified CA service", "epak Test Qualified CA servicE");
	f = fopen(pki("lv-tampered.xml"), "w");
	fputs(bad, f);
	fclose(f);
	refused("tsl-sb.crt", "lv-tampered.xml", "altered after it was signed");
	free(bad);
	/* the signature value itself */
	bad = replace(xml, "<ds:SignatureValue>", "<ds:SignatureValue>AAAA");
	f = fopen(pki("lv-badsig.xml"), "w");
	fputs(bad, f);
	fclose(f);
	refused("tsl-sb.crt", "lv-badsig.xml", "does not verify");
	free(bad);
	free(xml);
	/* a key with the supervisory body's name, but not its certificate */
	national("lv-other.xml", "tsl-other", GRANTED_2020, NULL, GRANTED_2020, FRESH);
	refused("tsl-sb.crt", "lv-other.xml", "does not verify with the trust-list-signer");
	/* no signer configured at all */
	refused(NULL, "lv.xml", "no trust-list-signer is configured");
	/* XML that is not a list */
	f = fopen(pki("not-a-list.xml"), "w");
	fputs("<?xml version=\"1.0\"?><a xmlns=\"urn:x\"/>", f);
	fclose(f);
	refused("tsl-sb.crt", "not-a-list.xml", "not an ETSI TS 119 612 trusted list");
	/* a DTD is refused before anything is read */
	f = fopen(pki("dtd.xml"), "w");
	fputs("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>", f);
	fclose(f);
	refused("tsl-sb.crt", "dtd.xml", "DOCTYPE");
}

static void withdrawn_service(void **state)
{
	char cur[256], hist[256], at[32], start[32];
	struct edoc_trust *t;

	(void)state;
	/* withdrawn in 2021, long before the time-stamp */
	national("lv-w1.xml", "tsl-sb", "\"status\":\"withdrawn\",\"start\":\"2021-01-01T00:00:00Z\"",
		 "{" GRANTED_2020 "}", GRANTED_2020, FRESH);
	t = load_ok("tsl-sb.crt", "lv-w1.xml");
	lt_verdict(t, EDOC_INDETERMINATE, EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND, "signing certificate path");
	edoc_trust_free(t);
	/* withdrawn after the time-stamp (and before now): still PASSED */
	iso(lt_time + 1, at);
	snprintf(cur, sizeof(cur), "\"status\":\"withdrawn\",\"start\":\"%s\"", at);
	national("lv-w2.xml", "tsl-sb", cur, "{" GRANTED_2020 "}", GRANTED_2020, FRESH);
	while (time(NULL) <= lt_time + 1)
		usleep(100 * 1000);
	t = load_ok("tsl-sb.crt", "lv-w2.xml");
	lt_verdict(t, EDOC_TOTAL_PASSED, 0, NULL);
	edoc_trust_free(t);
	/* granted only from after the time-stamp: not before */
	iso(lt_time + 1, start);
	snprintf(cur, sizeof(cur), "\"status\":\"granted\",\"start\":\"%s\"", start);
	snprintf(hist, sizeof(hist), "{\"status\":\"withdrawn\",\"start\":\"2020-01-01T00:00:00Z\"}");
	national("lv-w3.xml", "tsl-sb", cur, hist, GRANTED_2020, FRESH);
	t = load_ok("tsl-sb.crt", "lv-w3.xml");
	lt_verdict(t, EDOC_INDETERMINATE, EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND, NULL);
	edoc_trust_free(t);
	/* the pre-eIDAS status "undersupervision" counts as granted (Annex J) */
	national("lv-pre.xml", "tsl-sb", "\"status\":\"undersupervision\",\"start\":\"2015-01-01T00:00:00Z\"", NULL,
		 "\"status\":\"accredited\",\"start\":\"2015-01-01T00:00:00Z\"", FRESH);
	t = load_ok("tsl-sb.crt", "lv-pre.xml");
	lt_verdict(t, EDOC_TOTAL_PASSED, 0, NULL);
	edoc_trust_free(t);
}

static void expired_list_used_with_warning(void **state)
{
	struct edoc_verify_opts o = {0};
	struct edoc_report rep;
	struct edoc_trust *t;
	char note[400];
	size_t i;
	int found = 0;

	(void)state;
	national("lv-old.xml", "tsl-sb", GRANTED_2020, NULL, GRANTED_2020, "\"2025-01-01T00:00:00Z\"");
	t = load_ok("tsl-sb.crt", "lv-old.xml");
	assert_int_equal(edoc_trust_stale(t, time(NULL), note, sizeof(note)), 1);
	assert_non_null(strstr(note, "2025-01-01T00:00:00Z"));
	o.trust = t;
	o.offline = 1;
	assert_int_equal(edoc_verify(lt, &o, &rep), 0);
	assert_int_equal(rep.sigs[0].ind, EDOC_TOTAL_PASSED);
	for (i = 0; i < rep.sigs[0].nwarnings; i++)
		found |= strstr(rep.sigs[0].warnings[i], "out of date") != NULL;
	assert_true(found);
	edoc_report_free(&rep);
	edoc_trust_free(t);
	/* a fresh list gives no such note; a closed list (no NextUpdate) neither */
	national("lv-closed.xml", "tsl-sb", GRANTED_2020, NULL, GRANTED_2020, "null");
	t = load_ok("tsl-sb.crt", "lv-closed.xml");
	assert_int_equal(edoc_trust_stale(t, time(NULL), note, sizeof(note)), 0);
	edoc_trust_free(t);
}

/* The LT container under t: valid, its time-stamp set aside as coming from
 * an authority the list does not grant (unsigned evidence never fails a
 * signature; without it the signature is judged at the current time). */
static void ts_dropped(const struct edoc_trust *t)
{
	struct edoc_verify_opts o = {.trust = t, .offline = 1};
	struct edoc_report rep;
	size_t i;
	int found = 0;

	edoc_verify(lt, &o, &rep);
	assert_int_equal(rep.nsigs, 1);
	assert_int_equal(rep.sigs[0].ind, EDOC_TOTAL_PASSED);
	assert_int_equal(rep.sigs[0].ts_time, 0);
	for (i = 0; i < rep.sigs[0].nwarnings; i++)
		found |= strstr(rep.sigs[0].warnings[i], "time-stamp dropped") &&
			 strstr(rep.sigs[0].warnings[i], "time-stamp authority");
	edoc_report_free(&rep);
	assert_true(found);
}

static void tsa_service_decides_the_time_stamp(void **state)
{
	struct edoc_trust *t;

	(void)state;
	/* no TSA service: the time-stamp cannot be trusted, and is set aside */
	national("lv-notsa.xml", "tsl-sb", GRANTED_2020, NULL, NULL, FRESH);
	t = load_ok("tsl-sb.crt", "lv-notsa.xml");
	assert_int_equal(edoc_trust_count(t), 1);
	ts_dropped(t);
	edoc_trust_free(t);
	/* a TSA service withdrawn before the time-stamp: neither */
	national("lv-tsaw.xml", "tsl-sb", GRANTED_2020, NULL,
		 "\"status\":\"withdrawn\",\"start\":\"2021-01-01T00:00:00Z\"", FRESH);
	t = load_ok("tsl-sb.crt", "lv-tsaw.xml");
	ts_dropped(t);
	edoc_trust_free(t);
}

static void list_of_lists_and_member_list(void **state)
{
	static const char lotl[] = "{\"territory\":\"EU\",\"lotl\":true,\"next_update\":" FRESH
				   ",\"pointers\":[{\"territory\":\"LV\",\"certs\":[\"tsl-ms.crt\"]}]}";
	struct edoc_trust *t;
	struct err e = {0};

	(void)state;
	make_list("lotl.xml", "tsl-lotl", lotl);
	national("lv-ms.xml", "tsl-ms", GRANTED_2020, NULL, GRANTED_2020, FRESH);
	/* the member list first: the order does not matter */
	t = load("tsl-lotl.crt", &e, "lv-ms.xml", "lotl.xml", NULL);
	if (!t)
		fail_msg("%s", e.msg);
	assert_int_equal(edoc_trust_list_count(t), 2);
	lt_verdict(t, EDOC_TOTAL_PASSED, 0, NULL);
	edoc_trust_free(t);
	/* the member list alone, with only the LOTL's signer: refused */
	refused("tsl-lotl.crt", "lv-ms.xml", "does not verify");
	/* a member list signed by a key the LOTL does not point to */
	national("lv-bad.xml", "tsl-other", GRANTED_2020, NULL, GRANTED_2020, FRESH);
	memset(&e, 0, sizeof(e));
	t = load("tsl-lotl.crt", &e, "lotl.xml", "lv-bad.xml", NULL);
	assert_null(t);
	assert_non_null(strstr(e.msg, "lv-bad.xml refused"));
	/* a LOTL signed by another key: refused, and so its pointers are unused */
	make_list("lotl-other.xml", "tsl-other", lotl);
	memset(&e, 0, sizeof(e));
	assert_null(load("tsl-lotl.crt", &e, "lotl-other.xml", "lv-ms.xml", NULL));
	assert_non_null(strstr(e.msg, "lotl-other.xml refused"));
}

static void folder_and_caps(void **state)
{
	char cmd[1200], spec[64 * 1024], *p;
	struct edoc_trust *t;
	struct err e = {0};
	int i;

	(void)state;
	/* a folder with the LOTL and the member list */
	make_list("lotl.xml", "tsl-lotl",
		  "{\"territory\":\"EU\",\"lotl\":true,\"next_update\":" FRESH
		  ",\"pointers\":[{\"territory\":\"LV\",\"certs\":[\"tsl-ms.crt\"]}]}");
	national("lv-ms.xml", "tsl-ms", GRANTED_2020, NULL, GRANTED_2020, FRESH);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/tl && cp %s/lotl.xml %s/lv-ms.xml %s/tl/", dir, dir, dir, dir);
	assert_int_equal(pki_run(cmd), 0);
	t = load_ok("tsl-lotl.crt", "tl");
	lt_verdict(t, EDOC_TOTAL_PASSED, 0, NULL);
	edoc_trust_free(t);
	/* a service with more history entries than the cap */
	p = spec + snprintf(spec, sizeof(spec),
			    "{\"territory\":\"LV\",\"next_update\":" FRESH
			    ",\"services\":[{\"tsp\":\"T\",\"name\":\"S\","
			    "\"type\":\"CA/QC\"," GRANTED_2020 ",\"cert\":\"inter.crt\",\"history\":[");
	for (i = 0; i < 201; i++)
		p += snprintf(p, (size_t)(spec + sizeof(spec) - p),
			      "%s{\"status\":\"granted\",\"start\":\"2019-01-01T00:00:%02dZ\"}", i ? "," : "", i % 60);
	snprintf(p, (size_t)(spec + sizeof(spec) - p), "]}]}");
	make_list("lv-big.xml", "tsl-sb", spec);
	t = load("tsl-sb.crt", &e, "lv-big.xml", NULL);
	assert_null(t);
	assert_non_null(strstr(e.msg, "more than 200 history entries"));
}

static void command_line(void **state)
{
	char good[512], bad[512], sb[512], edoc[512];

	(void)state;
	national("lv.xml", "tsl-sb", GRANTED_2020, NULL, GRANTED_2020, FRESH);
	snprintf(good, sizeof(good), "%s", pki("lv.xml"));
	snprintf(bad, sizeof(bad), "%s", pki("lv-tampered.xml"));
	snprintf(sb, sizeof(sb), "%s", pki("tsl-sb.crt"));
	snprintf(edoc, sizeof(edoc), "%s", pki("lt.edoc"));
	{
		char *ok[] = {"verify", "--offline", "--trust", good, "--trust-list-signer", sb, edoc, NULL};
		char *tampered[] = {"verify", "--offline", "--trust", bad, "--trust-list-signer", sb, edoc, NULL};
		char *nosigner[] = {"verify", "--offline", "--trust", good, edoc, NULL};

		fflush(stdout);
		assert_int_equal(cmd_verify(7, ok), 0);
		assert_int_equal(cmd_verify(7, tampered), 3);
		assert_int_equal(cmd_verify(5, nosigner), 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_list_is_the_only_trust),
	    cmocka_unit_test(tampered_or_foreign_list_refused),
	    cmocka_unit_test(withdrawn_service),
	    cmocka_unit_test(expired_list_used_with_warning),
	    cmocka_unit_test(tsa_service_decides_the_time_stamp),
	    cmocka_unit_test(list_of_lists_and_member_list),
	    cmocka_unit_test(folder_and_caps),
	    cmocka_unit_test(command_line),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
