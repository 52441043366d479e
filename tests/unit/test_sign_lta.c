/* test_sign_lta.c — B-LTA archive time-stamps (src/sign/archive.c): made by
 * `epak sign --profile LTA` and `--extend LTA` with the test PKI of
 * tests/sign/pki.sh (and its archive TSA, tests/sign/pki-lta.sh), checked,
 * tampered with, renewed, and judged long after every certificate but the
 * archive TSA's expired. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../sign/vhelp.h"
#include "sign/cli.h"
#include "sign/edoc.h"
#include "sign/sign.h"
#include "sign/verify.h"

#define DAY (24 * 60 * 60)
#define ATS_TOKEN "<xades:EncapsulatedTimeStamp xmlns:xades" /* the one epak writes in an ATS */

static char dir[256];
static char tsa[128], ocsp[128], atsa[128], atsa2[128];
static struct edoc_trust *trust_root;

static const char *pki(const char *name)
{
	return pki_path(dir, name);
}

static int read_port(const char *path)
{
	FILE *f = fopen(path, "r");
	int port = -1;

	if (f && fscanf(f, "%d", &port) != 1)
		port = -1;
	if (f)
		fclose(f);
	return port;
}

static int group_setup(void **state)
{
	struct err e = {0};
	int port;

	(void)state;
	port = pki_setup(dir, sizeof(dir), "epak-lta");
	if (port < 0)
		return -1;
	snprintf(tsa, sizeof(tsa), "http://127.0.0.1:%d/tsa", port);
	snprintf(ocsp, sizeof(ocsp), "http://127.0.0.1:%d/ocsp", port);
	snprintf(atsa, sizeof(atsa), "http://127.0.0.1:%d/tsa", read_port(pki("lta/port")));
	snprintf(atsa2, sizeof(atsa2), "http://127.0.0.1:%d/tsa", read_port(pki("lta2/port")));
	trust_root = edoc_trust_new();
	return edoc_trust_add_file(trust_root, pki("root.crt"), &e);
}

static int group_teardown(void **state)
{
	char cmd[600];

	(void)state;
	edoc_trust_free(trust_root);
	snprintf(cmd, sizeof(cmd), "kill $(cat %s/lta/responder.pid) $(cat %s/lta2/responder.pid) 2>/dev/null", dir,
		 dir);
	pki_run(cmd);
	pki_teardown(dir);
	return 0;
}

static struct edoc *new_lt(enum edoc_profile profile)
{
	struct edoc *doc = edoc_new();
	struct edoc_signer *s;
	struct edoc_sign_opts o = {profile, tsa, ocsp, 0, 0};
	struct err e = {0};

	assert_int_equal(edoc_add_file(doc, "iesniegums.txt", NULL, "Lūdzu piešķirt...\n", 20, &e), 0);
	assert_int_equal(edoc_add_file(doc, "pielikums.pdf", NULL, "%PDF-1.4 test\n", 14, &e), 0);
	s = edoc_signer_p12(pki("signer-ec.p12"), "test-pass", &e);
	if (!s || edoc_sign(doc, s, &o, &e) != 0)
		fail_msg("signing: %s", e.msg);
	edoc_signer_free(s);
	return doc;
}

static void extend(struct edoc *doc, const char *url)
{
	struct edoc_sign_opts o = {EDOC_PROFILE_LTA, url, NULL, 0, 0};
	struct err e = {0};

	if (edoc_extend_lta(doc, 0, &o, &e) != 0)
		fail_msg("extending: %s", e.msg);
}

static struct edoc *copy_doc(const struct edoc *doc)
{
	struct edoc *c = edoc_new();
	struct err e = {0};
	size_t i;

	for (i = 0; i < doc->nfiles; i++)
		assert_int_equal(edoc_add_file(c, doc->files[i].name, NULL, doc->files[i].data, doc->files[i].len, &e),
				 0);
	assert_int_equal(edoc_add_sigfile(c, doc->sigs[0].name, doc->sigs[0].data, doc->sigs[0].len, &e), 0);
	return c;
}

static int has_warning(const struct edoc_sig_result *r, const char *what)
{
	size_t i;

	for (i = 0; i < r->nwarnings; i++)
		if (strstr(r->warnings[i], what))
			return 1;
	return 0;
}

/* Validates offline at `now` (0: the clock) and checks the verdict, the
 * profile and whether some ATS was dropped. */
static void expect(const char *what, const struct edoc *doc, time_t now, enum edoc_indication ind,
		   enum edoc_subindication sub, const char *profile, int dropped)
{
	struct edoc_verify_opts o = {.trust = trust_root, .offline = 1, .now = now};
	struct edoc_report rep;
	const struct edoc_sig_result *r;

	edoc_verify(doc, &o, &rep);
	assert_int_equal(rep.nsigs, 1);
	r = &rep.sigs[0];
	if (r->ind != ind || (ind != EDOC_TOTAL_PASSED && r->sub != sub) || !r->profile ||
	    strcmp(r->profile, profile) != 0 || has_warning(r, "\" dropped: ") != dropped) {
		char *txt = edoc_report_text(&rep);

		print_message("%s", txt);
		free(txt);
		edoc_report_free(&rep);
		fail_msg("%s: expected %s/%s, profile %s, dropped %d", what, edoc_indication_name(ind),
			 edoc_subindication_name(sub), profile, dropped);
	}
	edoc_report_free(&rep);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)) != NULL; s++)
		n++;
	return n;
}

/* ---- made by epak ---- */

static void lta_made_and_checked(void **state)
{
	struct edoc *doc = new_lt(EDOC_PROFILE_LTA);
	char *xml = sig_xml(doc);

	(void)state;
	assert_int_equal(count(xml, "<xades141:ArchiveTimeStamp "), 1);
	/* the archive time-stamp comes after the LT evidence it covers */
	assert_true(strstr(xml, "ArchiveTimeStamp") > strstr(xml, "</xades:RevocationValues>"));
	expect("LTA", doc, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 0);
	free(xml);
	edoc_free(doc);
}

static void tampered_token_is_dropped(void **state)
{
	struct edoc *doc = new_lt(EDOC_PROFILE_LTA);
	char *xml = sig_xml(doc), *bad = tamper_der(xml, ATS_TOKEN, "");

	(void)state;
	set_sig(doc, bad);
	/* unsigned evidence: dropped with a warning, the verdict is the LT one */
	expect("tampered ATS", doc, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 1);
	free(bad);
	free(xml);
	edoc_free(doc);
}

static void property_inserted_before_is_not_covered(void **state)
{
	struct edoc *doc = new_lt(EDOC_PROFILE_LTA);
	char *xml = sig_xml(doc), *before, *after;

	(void)state;
	before = replace(xml, "<xades141:ArchiveTimeStamp ",
			 "<xades141:TimeStampValidationData xmlns:xades141=\"" NS_XADES141
			 "\"></xades141:TimeStampValidationData><xades141:ArchiveTimeStamp ");
	after = replace(xml, "</xades141:ArchiveTimeStamp>",
			"</xades141:ArchiveTimeStamp><xades141:TimeStampValidationData xmlns:xades141=\"" NS_XADES141
			"\"></xades141:TimeStampValidationData>");
	set_sig(doc, before);
	expect("inserted before", doc, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 1);
	{
		struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
		struct edoc_report rep;

		edoc_verify(doc, &o, &rep);
		assert_true(has_warning(&rep.sigs[0], "imprint does not match the data it covers"));
		edoc_report_free(&rep);
	}
	/* after it: not covered, and so not a change */
	set_sig(doc, after);
	expect("appended after", doc, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 0);
	/* what canonicalization does not see is no change */
	free(before);
	before = replace(xml, "-SIG\">", "-SIG\" >"); /* same canonical form */
	set_sig(doc, before);
	expect("insignificant", doc, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 0);
	free(before);
	free(after);
	free(xml);
	edoc_free(doc);
}

/* ---- renewals and time ---- */

static void renewal_and_the_far_future(void **state)
{
	struct edoc *lt = new_lt(EDOC_PROFILE_LT), *one = copy_doc(lt), *arch = copy_doc(lt), *two;
	time_t later = time(NULL) + 3300 * (time_t)DAY; /* signer, OCSP, intermediate, TSA: expired */
	char *xml, *bad;

	(void)state;
	extend(one, tsa);   /* by the signature TSA (3000 days) */
	extend(arch, atsa); /* by the archive TSA (3600 days) */
	two = copy_doc(one);
	extend(two, atsa); /* a renewal: covers the first one */
	xml = sig_xml(two);
	assert_int_equal(count(xml, "<xades141:ArchiveTimeStamp "), 2);

	/* today all of them pass */
	expect("LT now", lt, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LT", 0);
	expect("LTA now", arch, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 0);
	expect("renewed now", two, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 0);

	/* in 3300 days: without proof of existence the expired signature
	 * time-stamp proves nothing */
	expect("LT later", lt, later, EDOC_INDETERMINATE, EDOC_SUB_OUT_OF_BOUNDS_NO_POE, "LT", 0);
	/* an archive time-stamp whose own TSA expired is dropped too */
	expect("LTA by an expired TSA later", one, later, EDOC_INDETERMINATE, EDOC_SUB_OUT_OF_BOUNDS_NO_POE, "LTA", 1);
	/* one by a TSA still valid proves the LT evidence existed back then */
	expect("LTA later", arch, later, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 0);
	/* and the renewal carries the first archive time-stamp over */
	expect("renewed later", two, later, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 0);

	/* the renewal covers the first: changing the first one breaks both */
	bad = tamper_der(xml, ATS_TOKEN, "");
	set_sig(two, bad);
	expect("first changed", two, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 1);
	expect("first changed later", two, later, EDOC_INDETERMINATE, EDOC_SUB_OUT_OF_BOUNDS_NO_POE, "LTA", 1);
	{
		struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
		struct edoc_report rep;

		edoc_verify(two, &o, &rep);
		assert_true(has_warning(&rep.sigs[0], "-ATS0\" dropped"));
		assert_true(has_warning(&rep.sigs[0], "-ATS1\" dropped"));
		edoc_report_free(&rep);
	}
	free(bad);
	free(xml);
	edoc_free(lt);
	edoc_free(one);
	edoc_free(arch);
	edoc_free(two);
}

/* A TSA whose CA is no anchor: its certificate comes from the
 * xadesv141:TimeStampValidationData put after the archive time-stamp (as
 * DSS writes it for the newest one). */
static void tsa_ca_from_validation_data(void **state)
{
	struct edoc *doc = new_lt(EDOC_PROFILE_LT);
	char *xml, *with, *pem, *b64, *p, *q, tvd[4096];
	size_t n;
	struct err e = {0};

	(void)state;
	extend(doc, atsa2);
	expect("no TSA CA", doc, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 1);
	pem = (char *)edoc_read_file(pki("lta2/ca.crt"), 65536, &n, &e);
	assert_non_null(pem);
	p = strstr(pem, "-----\n") + 6;
	q = strstr(p, "-----END");
	b64 = strndup(p, (size_t)(q - p));
	snprintf(tvd, sizeof(tvd),
		 "</xades141:ArchiveTimeStamp><xades141:TimeStampValidationData xmlns:xades141=\"" NS_XADES141
		 "\"><xades:CertificateValues><xades:EncapsulatedX509Certificate>%s</xades:EncapsulatedX509Certificate>"
		 "</xades:CertificateValues></xades141:TimeStampValidationData>",
		 b64);
	xml = sig_xml(doc);
	with = replace(xml, "</xades141:ArchiveTimeStamp>", tvd);
	set_sig(doc, with);
	expect("TSA CA in TimeStampValidationData", doc, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 0);
	free(with);
	free(xml);
	free(b64);
	free(pem);
	edoc_free(doc);
}

/* The archive time-stamp digests the data files again: charged to the
 * container's budget. */
static void budgets(void **state)
{
	struct edoc *lt = new_lt(EDOC_PROFILE_LT), *lta = new_lt(EDOC_PROFILE_LTA);
	struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
	struct edoc_report a, b;

	(void)state;
	edoc_verify(lt, &o, &a);
	edoc_verify(lta, &o, &b);
	assert_true(b.bytes_hashed >= a.bytes_hashed + 20 + 14);
	o.max_hashed = a.bytes_hashed + 10;
	edoc_report_free(&b);
	edoc_verify(lta, &o, &b);
	assert_int_equal(b.limit, EDOC_LIMIT_HASHED);
	assert_int_equal(b.sigs[0].ind, EDOC_INDETERMINATE);
	assert_int_equal(b.sigs[0].sub, EDOC_SUB_GENERIC);
	edoc_report_free(&a);
	edoc_report_free(&b);
	edoc_free(lt);
	edoc_free(lta);
}

/* ---- the command line ---- */

static int call(int (*fn)(int, char **), const char *const *args)
{
	return call_cmd(fn, args);
}

static void command_line(void **state)
{
	char doc1[512], lt[512], lta[512], ext[512];
	FILE *f;

	(void)state;
	snprintf(doc1, sizeof(doc1), "%s/a.txt", dir);
	snprintf(lt, sizeof(lt), "%s/lt.edoc", dir);
	snprintf(lta, sizeof(lta), "%s/lta.edoc", dir);
	snprintf(ext, sizeof(ext), "%s/ext.edoc", dir);
	f = fopen(doc1, "w");
	assert_non_null(f);
	fputs("alpha\n", f);
	fclose(f);
	setenv("EPAK_TEST_PW", "test-pass", 1);
	{
		const char *const s_lta[] = {"sign",      "-o",           lta,         "--p12", pki("signer-ec.p12"),
					     "--pin-env", "EPAK_TEST_PW", "--profile", "LTA",   "--tsa",
					     tsa,         "--ocsp",       ocsp,        doc1,    NULL};
		const char *const s_lt[] = {"sign",      "-o",           lt,          "--p12", pki("signer-ec.p12"),
					    "--pin-env", "EPAK_TEST_PW", "--profile", "LT",    "--tsa",
					    tsa,         "--ocsp",       ocsp,        doc1,    NULL};
		const char *const x_lta[] = {"sign", "-o", ext, "--extend", "LTA", "--tsa", atsa, lt, NULL};
		const char *const x_bad[] = {"sign", "-o", ext, "--extend", "LT", "--tsa", atsa, lt, NULL};
		const char *const x_none[] = {"sign", "-o", ext, "--extend", "LTA", lt, NULL};
		const char *const v_lta[] = {"verify", "--offline", "--trust", pki("root.crt"), lta, NULL};
		const char *const v_ext[] = {"verify", "--offline", "--trust", pki("root.crt"), ext, NULL};

		assert_int_equal(call(cmd_sign, s_lta), 0);
		assert_int_equal(call(cmd_verify, v_lta), 0);
		assert_int_equal(call(cmd_sign, s_lt), 0);
		assert_int_equal(call(cmd_sign, x_bad), 2);
		assert_int_equal(call(cmd_sign, x_none), 2);
		assert_int_equal(call(cmd_sign, x_lta), 0);
		assert_int_equal(call(cmd_verify, v_ext), 0);
	}
	{
		struct err e = {0};
		struct edoc *d = edoc_open(ext, NULL, &e);

		assert_non_null(d);
		expect("extended", d, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "LTA", 0);
		edoc_free(d);
	}
}

/* With EPAK_LTA_SEEDS=DIR: the fuzz seeds of fuzz/corpus/asice_xades/
 * (test.txt = "123\n"; public certificates only): one archive time-stamp,
 * and a renewal. */
static void fuzz_seeds(void **state)
{
	const char *out = getenv("EPAK_LTA_SEEDS");
	struct edoc *doc;
	struct edoc_signer *s;
	struct edoc_sign_opts o = {EDOC_PROFILE_LTA, tsa, ocsp, 0, 0};
	struct err e = {0};
	char path[600];
	int k;

	(void)state;
	doc = edoc_new();
	assert_int_equal(edoc_add_file(doc, "test.txt", "text/plain", "123\n", 4, &e), 0);
	s = edoc_signer_p12(pki("signer-ec.p12"), "test-pass", &e);
	assert_non_null(s);
	assert_int_equal(edoc_sign(doc, s, &o, &e), 0);
	for (k = 0; k < 2; k++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/lta%s-ec.xml", out, k ? "-renewed" : "");
		f = fopen(path, "w");
		assert_non_null(f);
		fwrite(doc->sigs[0].data, 1, doc->sigs[0].len, f);
		fclose(f);
		extend(doc, atsa);
	}
	edoc_signer_free(s);
	edoc_free(doc);
}

/* A B signature has nothing to add an archive time-stamp to. */
static void refusals(void **state)
{
	struct edoc *b = new_lt(EDOC_PROFILE_B);
	struct edoc_sign_opts o = {EDOC_PROFILE_LTA, tsa, NULL, 0, 0};
	struct err e = {0};

	(void)state;
	assert_int_equal(edoc_extend_lta(b, 0, &o, &e), -1);
	assert_non_null(strstr(e.msg, "LT signature"));
	assert_int_equal(edoc_extend_lta(b, 5, &o, &e), -1);
	edoc_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lta_made_and_checked),
	    cmocka_unit_test(tampered_token_is_dropped),
	    cmocka_unit_test(property_inserted_before_is_not_covered),
	    cmocka_unit_test(renewal_and_the_far_future),
	    cmocka_unit_test(tsa_ca_from_validation_data),
	    cmocka_unit_test(budgets),
	    cmocka_unit_test(command_line),
	    cmocka_unit_test(refusals),
	};
	const struct CMUnitTest seeds[] = {cmocka_unit_test(fuzz_seeds)};

	if (getenv("EPAK_LTA_SEEDS")) /* making the seeds, not testing */
		return cmocka_run_group_tests(seeds, group_setup, group_teardown);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
