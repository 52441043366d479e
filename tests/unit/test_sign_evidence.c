/* test_sign_evidence.c — a signature's unsigned evidence (issue 14, points
 * 1, 2 and 4): the issuing CA found inside an OCSP response or a time-stamp
 * token, broken evidence dropped with a warning instead of failing a valid
 * signature, and the report naming every time-stamp and OCSP response met.
 * Containers are our own LT signatures made with the test PKI of
 * tests/sign/pki.sh; their unsigned properties (not covered by the
 * signature) are rewritten with OCSP responses and time-stamp tokens made
 * by the openssl CLI against the same PKI. Only root.crt is trusted, offline. */
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
	return pki_path(dir, name);
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
	snprintf(line, sizeof(line), "cd %s && (%s) >>%s/evidence.log 2>&1", dir, cmd, dir);
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

/* xml with the part from the first `from` to the end of the first `to`
 * after it replaced by `with` (malloc'd). */
static char *replace_span(const char *xml, const char *from, const char *to, const char *with)
{
	const char *a = strstr(xml, from), *b;
	char *out;
	size_t na, nw;

	if (!a)
		fail_msg("\"%.60s\" not found", from);
	b = strstr(a, to);
	if (!b)
		fail_msg("\"%.60s\" not found", to);
	b += strlen(to);
	na = (size_t)(a - xml);
	nw = strlen(with);
	out = malloc(na + nw + strlen(b) + 1);
	memcpy(out, xml, na);
	memcpy(out + na, with, nw);
	memcpy(out + na + nw, b, strlen(b) + 1);
	return out;
}

/* The element from the first `from` to the end of `to` (malloc'd). */
static char *span(const char *xml, const char *from, const char *to)
{
	const char *a = strstr(xml, from), *b = a ? strstr(a, to) : NULL;

	if (!b)
		fail_msg("\"%.60s\" not found", from);
	return strndup(a, (size_t)(b + strlen(to) - a));
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
	return replace_span(xml, "<xades:CertificateValues>", "</xades:CertificateValues>",
			    "<xades:CertificateValues></xades:CertificateValues>");
}

/* A copy of the signature's own SignatureTimeStamp element without its Id
 * (Ids are unique in a file), with one bit of the signed TSTInfo changed
 * when `tamper` is set. */
static char *copy_timestamp(const char *xml, int tamper)
{
	char *ts = span(xml, "<xades:SignatureTimeStamp", "</xades:SignatureTimeStamp>");
	char *noid = replace(ts, " Id=\"", " Ref=\"");

	free(ts);
	if (!tamper)
		return noid;
	/* the TSA policy 1.3.6.1.4.1.99999.2.1 */
	ts = tamper_der(noid, "<xades:EncapsulatedTimeStamp", "\x06\x0a\x2b\x06\x01\x04\x01\x86\x8d\x1f");
	free(noid);
	return ts;
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

/* The message imprint of the signature's own time-stamp, in hex. */
static void imprint_hex(const char *xml, char *hex)
{
	size_t s, e, n;
	char *b64;
	unsigned char *der;
	const unsigned char *p;
	PKCS7 *p7;
	TS_TST_INFO *tst;
	const ASN1_OCTET_STRING *mi;

	element_b64(xml, "<xades:EncapsulatedTimeStamp", &s, &e);
	b64 = strndup(xml + s, e - s);
	der = b64_decode_new(b64, &n);
	p = der;
	p7 = d2i_PKCS7(NULL, &p, (long)n);
	tst = p7 ? PKCS7_to_TS_TST_INFO(p7) : NULL;
	assert_non_null(tst);
	mi = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(tst));
	hex_encode(hex, ASN1_STRING_get0_data(mi), (size_t)ASN1_STRING_length(mi));
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	free(der);
	free(b64);
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
	port = pki_setup(dir, sizeof(dir), "epak-evidence");
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

/* ---- point 1: the issuing CA wherever the container carries it ---- */

static void ca_only_in_ocsp_response(void **state)
{
	char *bare = without_ca(lt), *ocsp = file_b64("ev-ocsp-inter.der"), *x;

	(void)state;
	expect("as signed", lt, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
	/* the intermediate nowhere: no path to the root */
	expect("no intermediate anywhere", bare, EDOC_INDETERMINATE, EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND, NULL);
	/* the intermediate only inside the OCSP response */
	x = set_b64(bare, "<xades:EncapsulatedOCSPValue", ocsp);
	expect("intermediate only in the OCSP response", x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
	free(x);
	free(ocsp);
	free(bare);
}

static void ca_only_in_timestamp_token(void **state)
{
	char hex[2 * EVP_MAX_MD_SIZE + 1], *bare = without_ca(lt), *ts, *x;

	(void)state;
	imprint_hex(lt, hex);
	sh("openssl ts -query -digest %s -sha256 -cert -no_nonce -out ev-own.tsq && "
	   "openssl ts -reply -config tsa.cnf -queryfile ev-own.tsq -chain inter.crt -token_out -out ev-ts-inter.der",
	   hex);
	ts = timestamp_of("ev-ts-inter.der");
	x = replace_span(bare, "<xades:SignatureTimeStamp", "</xades:SignatureTimeStamp>", ts);
	expect("intermediate only in the time-stamp token", x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
	free(x);
	free(ts);
	free(bare);
}

/* A look-alike of the intermediate (its name and key identifier, another
 * key) put first in CertificateValues must not hide the real one: the OCSP
 * response is matched against the issuer whose key signed the certificate
 * (with the first look-alike it was "not about the signing certificate"). */
static void look_alike_issuer_first(void **state)
{
	char *fake, *el, *x;
	size_t n;

	(void)state;
	sh("skid=$(openssl x509 -in inter.crt -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ') && "
	   "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 30 "
	   "-subj '/C=LV/O=epak test/CN=epak Test Qualified CA' -addext \"subjectKeyIdentifier=$skid\" "
	   "-addext 'basicConstraints=critical,CA:true' -addext 'keyUsage=critical,keyCertSign,cRLSign' "
	   "-keyout ev-fake.key -out ev-fake.crt && openssl x509 -in ev-fake.crt -outform der -out ev-fake.der");
	fake = file_b64("ev-fake.der");
	n = strlen(fake) + 100;
	el = malloc(n);
	snprintf(el, n, "<xades:EncapsulatedX509Certificate>%s</xades:EncapsulatedX509Certificate>", fake);
	x = insert_before(lt, "<xades:EncapsulatedX509Certificate", el);
	expect("a look-alike intermediate first", x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
	free(fake);
	free(x);
	free(el);
}

/* ---- point 2: broken unsigned evidence is dropped ---- */

static void junk_ocsp_beside_good(void **state)
{
	char *good = span(lt, "<xades:EncapsulatedOCSPValue", "</xades:EncapsulatedOCSPValue>");
	char *tampered = tamper_der(good, "<xades:EncapsulatedOCSPValue", "\x2b\x06\x01\x05\x05\x07\x30\x01\x02");
	char *other = file_b64("ev-ocsp-rsa.der"), *noid, *el;
	const char *junk[] = {"AAAA", "!!not base64!!", NULL, NULL};
	const char *why[] = {"malformed", "not valid base64", "does not verify", "not about the signing"};
	size_t i, k;

	(void)state;
	noid = replace(tampered, " Id=\"", " Ref=\"");
	for (i = 0; i < 4; i++) {
		for (k = 0; k < 2; k++) { /* after the good one, and before it */
			char *x;

			if (i == 2) {
				el = strdup(noid);
			} else {
				size_t n = 200 + strlen(i == 3 ? other : junk[i]);

				el = malloc(n);
				snprintf(el, n, "<xades:EncapsulatedOCSPValue>%s</xades:EncapsulatedOCSPValue>",
					 i == 3 ? other : junk[i]);
			}
			x = k == 0 ? insert_before(lt, "</xades:OCSPValues>", el)
				   : insert_before(lt, "<xades:EncapsulatedOCSPValue", el);
			expect(why[i], x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, why[i]);
			expect(why[i], x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "OCSP response dropped");
			free(x);
			free(el);
		}
	}
	free(noid);
	free(other);
	free(tampered);
	free(good);
}

static void only_junk_ocsp(void **state)
{
	char *other = file_b64("ev-ocsp-rsa.der");
	char *a = set_b64(lt, "<xades:EncapsulatedOCSPValue", "AAAA");
	char *b = tamper_der(lt, "<xades:EncapsulatedOCSPValue", "\x2b\x06\x01\x05\x05\x07\x30\x01\x02");
	char *c = set_b64(lt, "<xades:EncapsulatedOCSPValue", other);

	(void)state;
	/* nothing usable remains: offline, the status cannot be confirmed */
	expect("junk only", a, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, "malformed");
	expect("a bad signature only", b, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, "does not verify");
	expect("another certificate's only", c, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, "not about the signing");
	free(a);
	free(b);
	free(c);
	free(other);
}

static void junk_timestamps_beside_good(void **state)
{
	char *bad_sig = copy_timestamp(lt, 1), *other, *x;
	char *malformed = strdup("<xades:SignatureTimeStamp><xades:EncapsulatedTimeStamp>AAAA"
				 "</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>");
	const char *why[] = {"malformed", "does not verify", "imprint does not match"};
	char *junk[3];
	size_t i;

	(void)state;
	/* a genuine token of our TSA over other data */
	sh("openssl ts -query -digest %s -sha256 -cert -no_nonce -out ev-other.tsq && "
	   "openssl ts -reply -config tsa.cnf -queryfile ev-other.tsq -token_out -out ev-ts-other.der",
	   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	other = timestamp_of("ev-ts-other.der");
	junk[0] = malformed;
	junk[1] = bad_sig;
	junk[2] = other;
	for (i = 0; i < 3; i++) {
		x = insert_before(lt, "<xades:SignatureTimeStamp", junk[i]);
		expect(why[i], x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, why[i]);
		expect(why[i], x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "time-stamp dropped");
		free(x);
	}
	/* the time-stamp over other data alone: no proof of time, so the
	 * signature is judged at the current time (its certificate is valid
	 * and the embedded OCSP response says good) */
	x = replace_span(lt, "<xades:SignatureTimeStamp", "</xades:SignatureTimeStamp>", other);
	expect("only a time-stamp over other data", x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "imprint does not match");
	free(x);
	free(malformed);
	free(bad_sig);
	free(other);
}

static void garbage_certificate_values(void **state)
{
	char *a = insert_before(lt, "</xades:CertificateValues>",
				"<xades:EncapsulatedX509Certificate>!!garbage!!</xades:EncapsulatedX509Certificate>"
				"<xades:EncapsulatedX509Certificate>AAAA</xades:EncapsulatedX509Certificate>");

	(void)state;
	expect("garbage certificate values", a, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "certificate value dropped");
	free(a);
	/* many of them: passed, and the records stop at EV_MAX_ITEMS (32) */
	{
		static const char one[] = "<xades:EncapsulatedX509Certificate>AAAA</xades:EncapsulatedX509Certificate>";
		struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
		struct edoc_report rep;
		char *many = malloc(sizeof(one) * 2000), *x;
		size_t i;

		many[0] = '\0';
		for (i = 0; i < 2000; i++)
			memcpy(many + i * (sizeof(one) - 1), one, sizeof(one));
		x = insert_before(lt, "</xades:CertificateValues>", many);
		set_sig(doc, x);
		assert_int_equal(edoc_verify(doc, &o, &rep), 0);
		assert_int_equal(rep.sigs[0].nevidence, 32 + 2); /* and the time-stamp and OCSP response */
		assert_true(rep.sigs[0].nwarnings <= 32 + 1);    /* and the CA without revocation data */
		edoc_report_free(&rep);
		set_sig(doc, lt);
		free(x);
		free(many);
	}
}

/* A time-mark (OCSP without a time-stamp) whose nonce is not bound to this
 * signature: the OCSP response still tells the status, but proves no time. */
static void time_mark_not_bound(void **state)
{
	char *x = replace_span(lt, "<xades:SignatureTimeStamp", "</xades:SignatureTimeStamp>", "");

	(void)state;
	expect("unbound time-mark", x, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, "nonce is not a digest");
	free(x);
}

/* ---- point 4: the report says what was checked and what was found ---- */

static void report_names_the_evidence(void **state)
{
	struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
	struct edoc_report rep;
	char *x = set_b64(lt, "<xades:EncapsulatedOCSPValue", "AAAA"), *js, *txt;
	json_t *root, *sig, *ev, *confirmed;
	json_error_t je;
	size_t i;
	int usable_ts = 0, dropped_ocsp = 0;

	(void)state;
	set_sig(doc, x);
	assert_int_equal(edoc_verify(doc, &o, &rep), 2);
	txt = edoc_report_text(&rep);
	js = edoc_report_json(&rep);
	assert_non_null(strstr(txt, "checked: the signed files are intact"));
	assert_non_null(strstr(txt, "signature value is mathematically correct"));
	assert_non_null(strstr(txt, "evidence: time-stamp "));
	assert_non_null(strstr(txt, "by epak Test TSA: usable"));
	assert_non_null(strstr(txt, "evidence: OCSP response: dropped, OCSP response: malformed"));
	root = json_loads(js, 0, &je);
	assert_non_null(root);
	sig = json_array_get(json_object_get(root, "signatures"), 0);
	confirmed = json_object_get(sig, "confirmed");
	assert_true(json_is_true(json_object_get(confirmed, "files_intact")));
	assert_true(json_is_true(json_object_get(confirmed, "signature_value")));
	ev = json_object_get(sig, "evidence");
	for (i = 0; i < json_array_size(ev); i++) {
		json_t *e = json_array_get(ev, i);
		const char *type = json_string_value(json_object_get(e, "type"));

		if (!strcmp(type, "time-stamp") && json_is_true(json_object_get(e, "usable")) &&
		    json_is_string(json_object_get(e, "time")))
			usable_ts++;
		if (!strcmp(type, "OCSP response") && json_is_false(json_object_get(e, "usable")) &&
		    !strcmp(json_string_value(json_object_get(e, "dropped")), "malformed"))
			dropped_ocsp++;
	}
	assert_int_equal(usable_ts, 1);
	assert_int_equal(dropped_ocsp, 1);
	assert_int_equal(rep.sigs[0].nevidence, 2);
	assert_int_equal(rep.sigs[0].evidence[0].time, rep.sigs[0].ts_time);
	json_decref(root);
	free(js);
	free(txt);
	edoc_report_free(&rep);
	set_sig(doc, lt);
	free(x);
}

/* ---- a stranger's additions (the issue 14 attacker review): certificates
 * stuffed into a time-stamp token or CertificateValues must neither hide
 * the real issuer nor cost a verifier unbounded work ---- */

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
	    cmocka_unit_test(ca_only_in_ocsp_response),
	    cmocka_unit_test(ca_only_in_timestamp_token),
	    cmocka_unit_test(look_alike_issuer_first),
	    cmocka_unit_test(junk_ocsp_beside_good),
	    cmocka_unit_test(only_junk_ocsp),
	    cmocka_unit_test(junk_timestamps_beside_good),
	    cmocka_unit_test(garbage_certificate_values),
	    cmocka_unit_test(time_mark_not_bound),
	    cmocka_unit_test(report_names_the_evidence),
	    cmocka_unit_test(junk_token_certs_crowd_out_issuer),
	    cmocka_unit_test(many_copies_of_the_issuer),
	    cmocka_unit_test(junk_in_key_info),
	    cmocka_unit_test(many_junk_crls),
	    cmocka_unit_test(control_characters_in_names),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
