/* test_sign_attacks.c — a stranger's additions to the unsigned properties
 * of a valid signature (issue 14 review): certificates stuffed into a
 * time-stamp token or CertificateValues must neither hide the real issuer
 * nor cost a verifier unbounded work. Built like test_sign_evidence.c: our
 * own LT signature with the test PKI of tests/sign/pki.sh, only root.crt
 * trusted, offline. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>

#include "../sign/vhelp.h"
#include "core/file.h"
#include "core/hex.h"
#include "sign/internal.h"
#include "sign/sign.h"

static char dir[256];
static char tsa[128];
static struct edoc_trust *trust_root;
static struct edoc *doc; /* an LT signature of signer-ec */
static char *lt;         /* its signature file as signed */

static const char *pki(const char *name)
{
	static char bufs[8][512];
	static int k;
	char *p = bufs[k++ % 8];

	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

/* Runs a command line in the PKI's folder; fails the test unless it works. */
static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
	char cmd[2048], line[2700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "cd %s && (%s) >>%s/attacks.log 2>&1", dir, cmd, dir);
	if (pki_run(line) != 0)
		fail_msg("failed: %s", cmd);
}

/* A file of the PKI's folder as base64 (malloc'd). */
static char *file_b64(const char *name)
{
	char *p = NULL, *b;
	size_t n = 0;

	if (file_read(pki(name), 1 << 20, &p, &n) != 0)
		fail_msg("cannot read %s", name);
	b = b64_encode_new(p, n);
	free(p);
	return b;
}

/* xml with the content of the first element `tag` replaced by b64. */
static char *set_b64(const char *xml, const char *tag, const char *b64)
{
	size_t s, e;
	char *out;

	element_b64(xml, tag, &s, &e);
	out = malloc(strlen(xml) + strlen(b64) + 1);
	memcpy(out, xml, s);
	memcpy(out + s, b64, strlen(b64));
	memcpy(out + s + strlen(b64), xml + e, strlen(xml + e) + 1);
	return out;
}

/* xml with `what` put just before the first `at` (malloc'd). */
static char *insert_before(const char *xml, const char *at, const char *what)
{
	char *with = malloc(strlen(what) + strlen(at) + 1), *out;

	memcpy(with, what, strlen(what));
	memcpy(with + strlen(what), at, strlen(at) + 1);
	out = replace(xml, at, with);
	free(with);
	return out;
}

/* The signature file without the intermediate CA in CertificateValues. */
static char *without_ca(const char *xml)
{
	const char *a = strstr(xml, "<xades:CertificateValues>"),
		   *b = a ? strstr(a, "</xades:CertificateValues>") : NULL;
	char *out;

	if (!b)
		fail_msg("no CertificateValues");
	out = malloc(strlen(xml) + 1);
	memcpy(out, xml, (size_t)(a - xml));
	snprintf(out + (a - xml), strlen(xml) + 1 - (size_t)(a - xml), "<xades:CertificateValues>%s", b);
	return out;
}

/* A SignatureTimeStamp element holding the token in file `name`. */
static char *timestamp_of(const char *name)
{
	char *b = file_b64(name), *el;
	size_t n = strlen(b) + 300;

	el = malloc(n);
	snprintf(el, n,
		 "<xades:SignatureTimeStamp><ds:CanonicalizationMethod Algorithm=\"" URI_C14N11
		 "\"/><xades:EncapsulatedTimeStamp>%s</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>",
		 b);
	free(b);
	return el;
}

/* Checks the verdict of signature 0 with xml in place; the report's text
 * must hold `says` when it is not NULL. */
static void expect(const char *what, const char *xml, enum edoc_indication ind, enum edoc_subindication sub,
		   const char *says)
{
	struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
	struct edoc_report rep;
	char *txt;

	set_sig(doc, xml);
	edoc_verify(doc, &o, &rep);
	txt = edoc_report_text(&rep);
	if (rep.nsigs != 1 || rep.sigs[0].ind != ind || (ind != EDOC_TOTAL_PASSED && rep.sigs[0].sub != sub) ||
	    (says && !strstr(txt, says))) {
		print_message("%s", txt);
		fail_msg("%s: expected %s/%s%s%s", what, edoc_indication_name(ind), edoc_subindication_name(sub),
			 says ? " saying " : "", says ? says : "");
	}
	free(txt);
	edoc_report_free(&rep);
	set_sig(doc, lt);
}

static int group_setup(void **state)
{
	struct edoc_signer *s;
	struct edoc_sign_opts so = {EDOC_PROFILE_LT, tsa, NULL, 0, 0};
	struct err e = {0};
	int port;

	(void)state;
	port = pki_setup(dir, sizeof(dir), "epak-attacks");
	if (port < 0)
		return -1;
	snprintf(tsa, sizeof(tsa), "http://127.0.0.1:%d/tsa", port);
	trust_root = edoc_trust_new();
	if (edoc_trust_add_file(trust_root, pki("root.crt"), &e) != 0)
		return -1;
	doc = edoc_new();
	if (edoc_add_file(doc, "iesniegums.txt", NULL, "Lūdzu piešķirt...\n", 20, &e) != 0)
		return -1;
	s = edoc_signer_p12(pki("signer-ec.p12"), "test-pass", &e);
	if (!s || edoc_sign(doc, s, &so, &e) != 0) {
		print_error("signing: %s\n", e.msg);
		return -1;
	}
	edoc_signer_free(s);
	lt = sig_xml(doc);
	/* OCSP requests without a nonce, answered from the intermediate's
	 * index: about the signer with the intermediate among the response's
	 * certificates, and about another signer */
	sh("openssl ocsp -issuer inter.crt -cert signer-ec.crt -no_nonce -reqout ev-req-ec.der && "
	   "openssl ocsp -index inter/index.txt -CA inter.crt -rsigner ocsp.crt -rkey ocsp.key -rother inter.crt "
	   "-reqin ev-req-ec.der -respout ev-ocsp-inter.der -ndays 1");
	sh("openssl ocsp -issuer inter.crt -cert signer-rsa.crt -no_nonce -reqout ev-req-rsa.der && "
	   "openssl ocsp -index inter/index.txt -CA inter.crt -rsigner ocsp.crt -rkey ocsp.key "
	   "-reqin ev-req-rsa.der -respout ev-ocsp-rsa.der -ndays 1");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	edoc_trust_free(trust_root);
	edoc_free(doc);
	free(lt);
	pki_teardown(dir);
	return 0;
}

/* The report of signature 0 with xml in place (the caller frees it). */
static void run(const char *xml, struct edoc_report *rep, double *secs)
{
	struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
	struct timespec a, b;

	set_sig(doc, xml);
	clock_gettime(CLOCK_MONOTONIC, &a);
	edoc_verify(doc, &o, rep);
	clock_gettime(CLOCK_MONOTONIC, &b);
	*secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	set_sig(doc, lt);
}

/* n copies of the element `<tag>b64</tag>` (malloc'd). */
static char *repeat_el(const char *tag, const char *b64, int n)
{
	size_t one = 2 * strlen(tag) + strlen(b64) + 8, k = 0;
	char *out = malloc(one * (size_t)n + 1);
	int i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		k += (size_t)snprintf(out + k, one + 1, "<%s>%s</%s>", tag, b64, tag);
	return out;
}

/* ---- certificates stuffed into the unsigned properties ---- */

/* The intermediate only inside the OCSP response (as in real eParaksts
 * containers); a stranger puts a time-stamp token carrying 64 junk
 * certificates before it. The token is dropped, and its certificates must
 * not use up the room the OCSP response's certificates need (they did: the
 * 64 evidence certificates were shared by all tokens and responses, time-
 * stamps first, and the signature became NO_CERTIFICATE_CHAIN_FOUND). */
static void junk_token_certs_crowd_out_issuer(void **state)
{
	char *bare = without_ca(lt), *ocsp = file_b64("ev-ocsp-inter.der"), *x, *y, *junk;

	(void)state;
	sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out at-junk.key && : >at-junk.pem && "
	   "for i in $(seq 1 70); do openssl req -x509 -key at-junk.key -days 30 -set_serial $i "
	   "-subj \"/CN=junk $i\" >>at-junk.pem || exit 1; done && "
	   "openssl crl2pkcs7 -nocrl -certfile at-junk.pem -outform der -out at-junk.p7");
	junk = timestamp_of("at-junk.p7");
	x = set_b64(bare, "<xades:EncapsulatedOCSPValue", ocsp);
	expect("intermediate only in the OCSP response", x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
	y = insert_before(x, "<xades:SignatureTimeStamp", junk);
	expect("a junk token with 70 certificates first", y, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
	free(y);
	free(x);
	free(junk);
	free(ocsp);
	free(bare);
}

/* 3000 copies of the real intermediate in CertificateValues: every copy
 * verifies the signer's certificate, so the path pool held all 3000 and
 * building it compared 3000 x 3000 x 3000 pointers (seconds per path, with
 * no deadline looked at). At most 256 certificate values are used; the
 * rest is one too_many record, and the signature still passes. */
static void many_copies_of_the_issuer(void **state)
{
	char *ca = file_b64("inter.der"), *many = repeat_el("xades:EncapsulatedX509Certificate", ca, 3000), *x;
	struct edoc_report rep;
	double secs;
	size_t i, too_many = 0;

	(void)state;
	x = insert_before(lt, "<xades:EncapsulatedX509Certificate", many);
	run(x, &rep, &secs);
	print_message("3000 copies of the issuer in CertificateValues: %.2f s\n", secs);
	assert_int_equal(rep.nsigs, 1);
	assert_int_equal(rep.sigs[0].ind, EDOC_TOTAL_PASSED);
	for (i = 0; i < rep.sigs[0].nevidence; i++)
		if (rep.sigs[0].evidence[i].kind == EDOC_EV_CERT && rep.sigs[0].evidence[i].drop == EDOC_DROP_TOO_MANY)
			too_many++;
	assert_int_equal(too_many, 1);
	edoc_report_free(&rep);
	free(x);
	free(many);
	free(ca);
}

/* KeyInfo is not covered by the signature (it is bound by the signing
 * certificate's digest in the SignedProperties): a stranger appends a value
 * that is not a certificate to its X509Data. It made the valid signature
 * TOTAL-FAILED / FORMAT_FAILURE; it is dropped with a warning now. */
static void junk_in_key_info(void **state)
{
	char *x = insert_before(lt, "</ds:X509Data>", "<ds:X509Certificate>AAAA</ds:X509Certificate>");

	(void)state;
	if (!strstr(lt, "</ds:X509Data>"))
		fail_msg("no ds:X509Data");
	expect("junk appended to KeyInfo", x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE,
	       "ds:KeyInfo holds a value that is not an X.509 certificate");
	free(x);
}

/* 6000 values that are not CRLs in CRLValues beside the good OCSP value:
 * each was a warning about the intermediate's revocation, and each warning
 * copied the list before it into the report's arena (quadratic: the 64 MiB
 * arena was full after about 3250, and what came after was lost). At most
 * 64 warnings are kept now, then one saying so; the signature passes. */
static void many_junk_crls(void **state)
{
	char *many = repeat_el("xades:EncapsulatedCRLValue", "AAAA", 6000), *crls, *x;
	struct edoc_report rep;
	double secs;
	size_t n = strlen(many) + 64;

	(void)state;
	crls = malloc(n);
	snprintf(crls, n, "<xades:CRLValues>%s</xades:CRLValues>", many);
	x = insert_before(lt, "<xades:OCSPValues", crls);
	run(x, &rep, &secs);
	print_message("6000 junk CRL values: %.2f s, %zu warnings\n", secs, rep.nsigs ? rep.sigs[0].nwarnings : 0);
	assert_int_equal(rep.nsigs, 1);
	assert_int_equal(rep.sigs[0].ind, EDOC_TOTAL_PASSED);
	assert_true(rep.sigs[0].nwarnings <= 65);
	edoc_report_free(&rep);
	free(x);
	free(crls);
	free(many);
}

/* A certificate name is printed by `epak verify` (the signer, the issuer of
 * a dropped time-stamp or OCSP response): a stranger's CN with an ESC
 * sequence ("\x1b[1A\x1b[2K" and a fake verdict line) would rewrite the
 * terminal. Control characters, C0, DEL and C1, come out as '?'. */
static void control_characters_in_names(void **state)
{
	X509_NAME *nm = X509_NAME_new();
	const char *cn = "A\x1b[1A\x1b[2KSignature 1: TOTAL-PASSED\r\x7f\xc2\x9b"
			 "31m\xc4\x81";
	char *out;

	(void)state;
	assert_int_equal(
	    X509_NAME_add_entry_by_NID(nm, NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
	out = cr_name_entry(nm, NID_commonName);
	assert_non_null(out);
	assert_string_equal(out, "A?[1A?[2KSignature 1: TOTAL-PASSED????31m\xc4\x81");
	free(out);
	X509_NAME_free(nm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(junk_token_certs_crowd_out_issuer),
	    cmocka_unit_test(many_copies_of_the_issuer),
	    cmocka_unit_test(junk_in_key_info),
	    cmocka_unit_test(many_junk_crls),
	    cmocka_unit_test(control_characters_in_names),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
