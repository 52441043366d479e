/* test_sign_revocation.c — revocation from CRLs and of intermediate CAs, with
 * the test PKI of tests/sign/pki.sh and pki-revocation.sh (CRLs made by
 * `openssl ca -gencrl`, served by the responder at /crl/NAME.crl):
 * CRL-only signers signed LT by edoc_sign (which then embeds the CRL),
 * a revoked CRL-only signer, stale and forged CRLs, the bounds of a CRL
 * fetch (size, time, internal addresses), and a second intermediate CA
 * revoked by the root. Unsigned properties are rewritten only where a
 * container with that evidence cannot be signed (they are not signed). */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../sign/vhelp.h"
#include "sign/crl.h"
#include "sign/edoc.h"
#include "sign/internal.h"
#include "sign/net.h"
#include "sign/sign.h"
#include "sign/verify.h"

static char dir[256];
static char tsa[128], base[128];
static struct edoc_trust *trust_root;

static const char *pki(const char *name)
{
	return pki_path(dir, name);
}

static int group_setup(void **state)
{
	struct err e = {0};
	int port;

	(void)state;
	port = pki_setup(dir, sizeof(dir), "epak-rev");
	if (port < 0)
		return -1;
	snprintf(tsa, sizeof(tsa), "http://127.0.0.1:%d/tsa", port);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	trust_root = edoc_trust_new();
	return edoc_trust_add_file(trust_root, pki("root.crt"), &e);
}

static int group_teardown(void **state)
{
	(void)state;
	edoc_trust_free(trust_root);
	pki_teardown(dir);
	return 0;
}

/* A file of the PKI as base64 (DER files; PEM certificates converted). */
static char *b64_file(const char *name)
{
	FILE *f = fopen(pki(name), "rb");
	unsigned char *p = malloc(CRL_MAX_BYTES);
	size_t n;
	char *out;

	assert_non_null(f);
	n = fread(p, 1, CRL_MAX_BYTES, f);
	fclose(f);
	out = b64_encode_new(p, n);
	free(p);
	return out;
}

/* A container signed by the PKCS#12 signer `name` at profile. */
static struct edoc *signed_by(const char *name, enum edoc_profile profile)
{
	struct edoc_sign_opts o = {profile, tsa, NULL, 0, 0};
	struct err e = {0};
	struct edoc *doc = edoc_new();
	struct edoc_signer *s = edoc_signer_p12(pki(name), "test-pass", &e);

	if (!s)
		fail_msg("%s: %s", name, e.msg);
	assert_int_equal(edoc_add_file(doc, "iesniegums.txt", NULL, "Lūdzu atsaukt...\n", 18, &e), 0);
	if (edoc_sign(doc, s, &o, &e) != 0)
		fail_msg("signing as %s: %s", name, e.msg);
	edoc_signer_free(s);
	return doc;
}

/* Signature 0 with `add` put before the first `at`. */
static void insert_before(struct edoc *doc, const char *at, const char *add)
{
	size_t n = strlen(at) + strlen(add) + 1;
	char *xml = sig_xml(doc), *to = malloc(n), *out;

	snprintf(to, n, "%s%s", add, at);
	out = replace(xml, at, to);
	set_sig(doc, out);
	free(out);
	free(to);
	free(xml);
}

/* Adds an EncapsulatedCRLValue of the PKI's file `crl` to signature 0 (a
 * T-level one gets the CA certificate `ca` and RevocationValues too). */
static void add_crl(struct edoc *doc, const char *crl, const char *ca)
{
	char *c = b64_file(crl), *xml = sig_xml(doc);
	size_t n = strlen(c) + (1 << 16);
	char *add = malloc(n);

	if (strstr(xml, "<xades:CRLValues>")) {
		snprintf(add, n, "<xades:EncapsulatedCRLValue>%s</xades:EncapsulatedCRLValue>", c);
		insert_before(doc, "</xades:CRLValues>", add);
	} else if (strstr(xml, "<xades:RevocationValues>")) {
		snprintf(
		    add, n,
		    "<xades:CRLValues><xades:EncapsulatedCRLValue>%s</xades:EncapsulatedCRLValue></xades:CRLValues>",
		    c);
		insert_before(doc, "<xades:OCSPValues>", add);
	} else {
		char *cert = b64_file(ca);

		snprintf(
		    add, n,
		    "<xades:CertificateValues><xades:EncapsulatedX509Certificate>%s</xades:EncapsulatedX509Certificate>"
		    "</xades:CertificateValues><xades:RevocationValues><xades:CRLValues><xades:EncapsulatedCRLValue>%s"
		    "</xades:EncapsulatedCRLValue></xades:CRLValues></xades:RevocationValues>",
		    cert, c);
		insert_before(doc, "</xades:UnsignedSignatureProperties>", add);
		free(cert);
	}
	free(add);
	free(xml);
	free(c);
}

/* Removes the embedded CRLs of signature 0. */
static void drop_crls(struct edoc *doc)
{
	char *xml = sig_xml(doc), *a = strstr(xml, "<xades:CRLValues>"), *b = strstr(xml, "</xades:CRLValues>");

	assert_non_null(a);
	assert_non_null(b);
	memmove(a, b + strlen("</xades:CRLValues>"), strlen(b + strlen("</xades:CRLValues>")) + 1);
	set_sig(doc, xml);
	free(xml);
}

/* Validates doc with o and checks signature 0's verdict, a part of its
 * reason, and a part of one of its warnings (each NULL: not checked). */
static void expect(const struct edoc *doc, struct edoc_verify_opts o, enum edoc_indication ind,
		   enum edoc_subindication sub, const char *reason, const char *warning)
{
	struct edoc_report rep;
	const struct edoc_sig_result *s;
	int found = warning == NULL;
	size_t i;

	if (!o.trust)
		o.trust = trust_root;
	edoc_verify(doc, &o, &rep);
	assert_int_equal(rep.nsigs, 1);
	s = &rep.sigs[0];
	for (i = 0; i < s->nwarnings && !found; i++)
		found = strstr(s->warnings[i], warning) != NULL;
	if (s->ind != ind || (ind != EDOC_TOTAL_PASSED && s->sub != sub) ||
	    (reason && (!s->reason || !strstr(s->reason, reason))) || !found) {
		char *txt = edoc_report_text(&rep);

		print_message("%s", txt);
		free(txt);
		edoc_report_free(&rep);
		fail_msg("expected %s/%s (%s; warning %s)", edoc_indication_name(ind), edoc_subindication_name(sub),
			 reason ? reason : "-", warning ? warning : "-");
	}
	edoc_report_free(&rep);
}

static const struct edoc_verify_opts offline = {.offline = 1};
static const struct edoc_verify_opts online = {.any_address = 1};

/* ---- a signer with a CRL and no OCSP responder ---- */

static void crl_only_signer(void **state)
{
	struct edoc *doc;
	char *xml;

	(void)state;
	doc = signed_by("crl-signer.p12", EDOC_PROFILE_LT);
	xml = sig_xml(doc);
	assert_non_null(strstr(xml, "<xades:EncapsulatedCRLValue"));
	assert_null(strstr(xml, "<xades:OCSPValues"));
	free(xml);
	/* the embedded CRL, offline */
	expect(doc, offline, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL, NULL);
	/* without it: nothing offline; its distribution point online */
	drop_crls(doc);
	expect(doc, offline, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, "no acceptable revocation information", NULL);
	expect(doc, online, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL, "fetched online from http://127.0.0.1");
	/* a distribution point on an internal address is not fetched by default */
	expect(doc, (struct edoc_verify_opts){.offline = 0}, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, NULL,
	       "an internal address, not fetched");
	edoc_free(doc);
}

static void crl_only_revoked(void **state)
{
	struct edoc *doc;
	struct edoc_sign_opts o = {EDOC_PROFILE_LT, NULL, NULL, 0, 0};
	struct err e = {0};
	struct edoc_signer *s = edoc_signer_p12(pki("crl-revoked.p12"), "test-pass", &e);

	(void)state;
	/* LT signing refuses: the CRL lists the certificate */
	o.tsa_url = tsa;
	doc = edoc_new();
	assert_int_equal(edoc_add_file(doc, "a.txt", NULL, "a\n", 2, &e), 0);
	assert_int_equal(edoc_sign(doc, s, &o, &e), -1);
	assert_non_null(strstr(e.msg, "revoked"));
	edoc_free(doc);
	edoc_signer_free(s);
	/* a T signature with the CRL added: revoked before the time-stamp */
	doc = signed_by("crl-revoked.p12", EDOC_PROFILE_T);
	add_crl(doc, "inter.crl", "inter.der");
	expect(doc, offline, EDOC_TOTAL_FAILED, EDOC_SUB_REVOKED, "revoked at", NULL);
	drop_crls(doc);
	expect(doc, online, EDOC_TOTAL_FAILED, EDOC_SUB_REVOKED, "revoked at", NULL);
	edoc_free(doc);
}

static void stale_and_forged_crls(void **state)
{
	struct edoc *doc;

	(void)state;
	doc = signed_by("crl-signer.p12", EDOC_PROFILE_T);
	add_crl(doc, "inter-stale.crl", "inter.der");
	expect(doc, offline, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, "stale", "was not used");
	edoc_free(doc);

	doc = signed_by("crl-signer.p12", EDOC_PROFILE_T);
	add_crl(doc, "inter-forged.crl", "inter.der");
	expect(doc, offline, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, NULL, "does not verify with its CA's key");
	/* beside a good one, the forged one is only a warning */
	add_crl(doc, "inter.crl", NULL);
	expect(doc, offline, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL, "does not verify with its CA's key");
	edoc_free(doc);

	/* the CRL of another CA says nothing, it does not fail the signature */
	doc = signed_by("crl-signer.p12", EDOC_PROFILE_T);
	add_crl(doc, "inter2.crl", "inter.der");
	expect(doc, offline, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, "no acceptable revocation information", NULL);
	edoc_free(doc);
}

/* Delta and indirect CRLs are not supported: not used, with a warning. */
static void unsupported_crls(void **state)
{
	static const char *const kinds[][2] = {{"inter-delta.crl", "a delta CRL"},
					       {"inter-indirect.crl", "an indirect CRL"}};
	size_t k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct edoc *doc = signed_by("crl-signer.p12", EDOC_PROFILE_T);

		add_crl(doc, kinds[k][0], "inter.der");
		expect(doc, offline, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, kinds[k][1], kinds[k][1]);
		edoc_free(doc);
	}
}

/* Revoked after the time-stamp: a warning, the signature stands; revoked
 * before it: whatever other CRL is embedded beside. */
static void revoked_after_timestamp(void **state)
{
	struct edoc *doc;
	char cmd[1024];

	(void)state;
	doc = signed_by("crl-late.p12", EDOC_PROFILE_T);
	sleep(2); /* revocation dates have whole seconds */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl ca -batch -config rev.cnf -name inter_ca -cert inter.crt -keyfile inter.key "
		 "-revoke crl-late.crt -crl_reason keyCompromise 2>/dev/null && openssl ca -batch -config rev.cnf "
		 "-name inter_ca -cert inter.crt -keyfile inter.key -gencrl -crlexts crl_ext -out late.pem "
		 "2>/dev/null && openssl crl -in late.pem -outform der -out inter-late.crl",
		 dir);
	assert_int_equal(pki_run(cmd), 0);
	add_crl(doc, "inter-late.crl", "inter.der");
	expect(doc, offline, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL, "after the time-stamp");
	edoc_free(doc);
	/* signed after the revocation: an older CRL put first cannot hide it */
	doc = signed_by("crl-late.p12", EDOC_PROFILE_T);
	add_crl(doc, "inter.crl", "inter.der");
	expect(doc, offline, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL, NULL);
	add_crl(doc, "inter-late.crl", NULL);
	expect(doc, offline, EDOC_TOTAL_FAILED, EDOC_SUB_REVOKED, "revoked at", NULL);
	edoc_free(doc);
}

/* ---- the bounds of a fetch ---- */

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void fetch_bounds(void **state)
{
	char url[256];
	struct err e = {0};
	struct timespec t0;
	size_t n = 0;
	unsigned char *der;

	(void)state;
	snprintf(url, sizeof(url), "%s/crl/inter.crl", base);
	der = net_crl_fetch(url, 0, CRL_MAX_BYTES, CRL_FETCH_TIMEOUT, &n, &e);
	assert_non_null(der);
	free(der);
	/* a certificate's URL: public addresses only */
	assert_null(net_crl_fetch(url, 1, CRL_MAX_BYTES, CRL_FETCH_TIMEOUT, &n, &e));
	assert_non_null(strstr(e.msg, "internal address"));
	/* too large: 9 MiB against the 8 MiB limit */
	snprintf(url, sizeof(url), "%s/crl/big.crl", base);
	assert_null(net_crl_fetch(url, 0, CRL_MAX_BYTES, CRL_FETCH_TIMEOUT, &n, &e));
	/* too slow: given up after the timeout, not the server's 30 s */
	snprintf(url, sizeof(url), "%s/crl/slow.crl", base);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_null(net_crl_fetch(url, 0, CRL_MAX_BYTES, 2, &n, &e));
	assert_true(since(&t0) < 5.0);
	/* http only */
	assert_null(net_crl_fetch("https://127.0.0.1/crl/x.crl", 0, CRL_MAX_BYTES, 2, &n, &e));
	assert_null(net_crl_fetch("ftp://127.0.0.1/crl/x.crl", 0, CRL_MAX_BYTES, 2, &n, &e));
}

static void parse_bounds(void **state)
{
	struct crl_info info;
	char why[300];
	unsigned char junk[64];

	(void)state;
	memset(junk, 0x30, sizeof(junk));
	assert_int_equal(crl_check(junk, CRL_MAX_BYTES + 1, NULL, NULL, 0, 0, &info, why, sizeof(why)), CRL_OUT_FORMAT);
	assert_non_null(strstr(why, "8 MiB"));
	assert_int_equal(crl_check(junk, sizeof(junk), NULL, NULL, 0, 0, &info, why, sizeof(why)), CRL_OUT_FORMAT);
}

/* ---- intermediate CAs ---- */

static void revoked_intermediate(void **state)
{
	struct edoc *doc;

	(void)state;
	doc = signed_by("i2-signer.p12", EDOC_PROFILE_LT);
	/* offline, nothing about the CA: a warning (see docs/signatures.md) */
	expect(doc, offline, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL,
	       "no revocation information for the CA certificate \"epak Test Revoked CA\"");
	/* online, the root's CRL from the CA's distribution point */
	expect(doc, online, EDOC_INDETERMINATE, EDOC_SUB_REVOKED_CA_NO_POE, "\"epak Test Revoked CA\" was revoked",
	       NULL);
	/* embedded, offline */
	add_crl(doc, "root.crl", NULL);
	expect(doc, offline, EDOC_INDETERMINATE, EDOC_SUB_REVOKED_CA_NO_POE, "\"epak Test Revoked CA\" was revoked",
	       NULL);
	edoc_free(doc);
}

static void good_intermediate(void **state)
{
	struct edoc *doc;
	struct edoc_report rep;
	struct edoc_verify_opts o = offline;
	size_t i;

	(void)state;
	doc = signed_by("signer-ec.p12", EDOC_PROFILE_LT);
	expect(doc, offline, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL,
	       "no revocation information for the CA certificate");
	add_crl(doc, "root.crl", NULL);
	o.trust = trust_root;
	edoc_verify(doc, &o, &rep);
	assert_int_equal(rep.sigs[0].ind, EDOC_TOTAL_PASSED);
	for (i = 0; i < rep.sigs[0].nwarnings; i++)
		assert_null(strstr(rep.sigs[0].warnings[i], "no revocation information"));
	edoc_report_free(&rep);
	edoc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crl_only_signer),
	    cmocka_unit_test(crl_only_revoked),
	    cmocka_unit_test(stale_and_forged_crls),
	    cmocka_unit_test(fetch_bounds),
	    cmocka_unit_test(parse_bounds),
	    cmocka_unit_test(revoked_intermediate),
	    cmocka_unit_test(good_intermediate),
	    cmocka_unit_test(unsupported_crls),
	    cmocka_unit_test(revoked_after_timestamp),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
