/* test_sign_sign.c — making signatures (B, T, LT; PKCS#12 and PKCS#11) with a
 * test PKI built at test time by tests/sign/pki.sh (openssl CLI, an OCSP
 * responder and a TSA on 127.0.0.1, SoftHSM2 tokens), checking them with our
 * verifier and with Debian's xmlsec1, tampering with them, and driving the
 * `epak sign` / `epak verify` entry points through argv arrays. */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../sign/vhelp.h"
#include "sign/cli.h"
#include "sign/edoc.h"
#include "sign/internal.h"
#include "sign/net.h"
#include "sign/sign.h"
#include "sign/verify.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"

static char dir[256];
static char tsa[128], ocsp[128];
static struct edoc_trust *trust_root;  /* the test root only */
static struct edoc_trust *trust_both;  /* root and intermediate */
static struct edoc_trust *trust_other; /* an unrelated root */

static const char *pki(const char *name)
{
	static char bufs[8][512];
	static int k;
	char *p = bufs[k++ % 8];

	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

static int run(const char *cmd)
{
	return pki_run(cmd);
}

static struct edoc_trust *trust_files(const char *a, const char *b)
{
	struct edoc_trust *t = edoc_trust_new();
	struct err e = {0};

	if (edoc_trust_add_file(t, pki(a), &e) != 0 || (b && edoc_trust_add_file(t, pki(b), &e) != 0))
		fail_msg("%s", e.msg);
	return t;
}

static int group_setup(void **state)
{
	int port;

	(void)state;
	port = pki_setup(dir, sizeof(dir), "epak-sign");
	if (port < 0)
		return -1;
	snprintf(tsa, sizeof(tsa), "http://127.0.0.1:%d/tsa", port);
	snprintf(ocsp, sizeof(ocsp), "http://127.0.0.1:%d/ocsp", port);
	setenv("SOFTHSM2_CONF", pki("softhsm2.conf"), 1);
	trust_root = trust_files("root.crt", NULL);
	trust_both = trust_files("root.crt", "inter.crt");
	trust_other = trust_files("other-root.crt", NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	edoc_trust_free(trust_root);
	edoc_trust_free(trust_both);
	edoc_trust_free(trust_other);
	pki_teardown(dir);
	return 0;
}

static struct edoc *new_doc(void)
{
	struct edoc *doc = edoc_new();
	struct err e = {0};

	assert_int_equal(edoc_add_file(doc, "iesniegums.txt", NULL, "Lūdzu piešķirt...\n", 20, &e), 0);
	assert_int_equal(edoc_add_file(doc, "pielikumi/izziņa ā.pdf", NULL, "%PDF-1.4 test\n", 14, &e), 0);
	return doc;
}

static struct edoc_signer *p12(const char *name)
{
	struct err e = {0};
	struct edoc_signer *s = edoc_signer_p12(pki(name), "test-pass", &e);

	if (!s)
		fail_msg("%s", e.msg);
	return s;
}

/* The PKCS#12 signers: EC (PNOLV-010190-12345), RSA (PNOLV-020280-54321). */
static const char *const signer_p12[2] = {"signer-ec.p12", "signer-rsa.p12"};

static void sign_ok(struct edoc *doc, struct edoc_signer *s, enum edoc_profile profile)
{
	struct edoc_sign_opts o = {profile, tsa, NULL, 0, 0};
	struct err e = {0};

	if (edoc_sign(doc, s, &o, &e) != 0)
		fail_msg("signing: %s", e.msg);
}

/* ---- profiles ---- */

static void profiles_with_pkcs12(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct edoc_signer *s = p12(signer_p12[k]);
		struct edoc *b = new_doc(), *t = new_doc(), *lt = new_doc();
		struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
		struct edoc_report rep;

		sign_ok(b, s, EDOC_PROFILE_B);
		sign_ok(t, s, EDOC_PROFILE_T);
		sign_ok(lt, s, EDOC_PROFILE_LT);

		/* B carries no evidence: the intermediate and the revocation status
		 * come from configuration or from the network */
		check_one(b, trust_root, EDOC_INDETERMINATE, EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND, NULL);
		check_one(b, trust_both, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, NULL);
		check_sig(b, trust_both, 1, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
		check_sig(b, trust_root, 1, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
		check_one(t, trust_both, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, NULL);
		check_sig(t, trust_both, 1, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
		/* LT is complete offline with the root alone */
		check_one(lt, trust_root, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
		check_one(lt, NULL, EDOC_INDETERMINATE, EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND, NULL);
		check_one(lt, trust_other, EDOC_INDETERMINATE, EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND, NULL);

		assert_int_equal(edoc_verify(lt, &o, &rep), 0);
		assert_string_equal(rep.sigs[0].profile, "LT");
		assert_string_equal(rep.sigs[0].signer_serial, k == 0 ? "PNOLV-010190-12345" : "PNOLV-020280-54321");
		assert_string_equal(rep.sigs[0].signer_cn, k == 0 ? "ANNA B\xc4\x92RZI\xc5\x85"
								    "A"
								  : "J\xc4\x80NIS OZOLS");
		assert_string_equal(rep.sigs[0].tsa, "epak Test TSA");
		assert_int_equal(rep.sigs[0].ncovered, 2);
		assert_string_equal(rep.sigs[0].covered[1], "pielikumi/izzi\xc5\x86"
							    "a \xc4\x81.pdf");
		assert_true(rep.sigs[0].ts_time >= rep.sigs[0].claimed_time);
		assert_true(rep.sigs[0].ocsp_time >= rep.sigs[0].ts_time);
		assert_true(labs((long)(time(NULL) - rep.sigs[0].claimed_time)) < 120);
		edoc_report_free(&rep);

		/* the written container reads back and still validates */
		{
			unsigned char *p;
			size_t n;
			struct err e = {0};
			struct edoc_report r2;

			assert_int_equal(edoc_write_mem(lt, &p, &n, &e), 0);
			assert_int_equal(edoc_verify_mem(p, n, &o, &r2), 0);
			edoc_report_free(&r2);
			free(p);
		}
		edoc_free(b);
		edoc_free(t);
		edoc_free(lt);
		edoc_signer_free(s);
	}
}

static void pkcs11_tokens(void **state)
{
	static const char *const tokens[] = {"epak-ec", "epak-rsa"};
	size_t k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct err e = {0};
		struct edoc_signer *s = edoc_signer_pkcs11(SOFTHSM, tokens[k], "1234", &e);
		struct edoc *doc = new_doc();
		char *cn;

		if (!s)
			fail_msg("%s", e.msg);
		/* on epak-ec the signing key, not the authentication key */
		cn = cr_name_entry(X509_get_subject_name(edoc_signer_cert(s)), NID_serialNumber);
		assert_string_equal(cn, k == 0 ? "PNOLV-010190-12345" : "PNOLV-020280-54321");
		free(cn);
		assert_true(cr_has_nonrepudiation(edoc_signer_cert(s)));
		sign_ok(doc, s, EDOC_PROFILE_LT);
		check_one(doc, trust_root, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
		edoc_signer_free(s);
		edoc_free(doc);
	}
	{
		struct err e = {0};

		err_clear(&e);
		assert_null(edoc_signer_pkcs11(SOFTHSM, "epak-ec", "0000", &e));
		assert_non_null(strstr(e.msg, "PIN"));
		err_clear(&e);
		assert_null(edoc_signer_pkcs11(SOFTHSM, "no-such-token", "1234", &e));
		assert_non_null(strstr(e.msg, "no token"));
		err_clear(&e);
		assert_null(edoc_signer_pkcs11("/nonexistent/module.so", "epak-ec", "1234", &e));
		assert_non_null(strstr(e.msg, "cannot load"));
	}
}

static void refusals_when_signing(void **state)
{
	struct err e = {0};
	struct edoc_sign_opts lt = {EDOC_PROFILE_LT, NULL, NULL, 0, 0};
	struct edoc *doc = new_doc();
	struct edoc_signer *s;

	(void)state;
	err_clear(&e);
	assert_null(edoc_signer_p12(pki("signer-ec.p12"), "wrong", &e));
	assert_non_null(strstr(e.msg, "password"));

	/* an authentication certificate is not for signatures */
	s = p12("auth-ec.p12");
	err_clear(&e);
	assert_int_equal(edoc_sign(doc, s, &lt, &e), -1);
	assert_non_null(strstr(e.msg, "nonRepudiation"));
	edoc_signer_free(s);

	/* T and LT need a TSA */
	s = p12("signer-ec.p12");
	err_clear(&e);
	assert_int_equal(edoc_sign(doc, s, &lt, &e), -1);
	assert_non_null(strstr(e.msg, "time-stamping"));
	edoc_signer_free(s);

	/* a revoked certificate gets no LT signature */
	s = p12("revoked.p12");
	lt.tsa_url = tsa;
	err_clear(&e);
	assert_int_equal(edoc_sign(doc, s, &lt, &e), -1);
	assert_non_null(strstr(e.msg, "revoked"));
	assert_int_equal(doc->nsigs, 0);
	/* ...and its B signature is found revoked online */
	sign_ok(doc, s, EDOC_PROFILE_B);
	check_sig(doc, trust_root, 1, 0, EDOC_TOTAL_FAILED, EDOC_SUB_REVOKED, NULL);
	edoc_signer_free(s);

	/* the value handed to the second phase must be a signature by the key */
	{
		struct edoc_pending *p;
		struct edoc_signer *ec = p12("signer-ec.p12");
		unsigned char junk[96] = {1, 2, 3};

		p = edoc_sign_prepare(doc, edoc_signer_cert(ec), NULL, NULL, &e);
		assert_non_null(p);
		err_clear(&e);
		assert_int_equal(edoc_sign_complete(doc, p, junk, sizeof(junk), NULL, &e), -1);
		assert_non_null(strstr(e.msg, "does not match"));
		edoc_pending_free(p);
		edoc_signer_free(ec);
	}
	edoc_free(doc);
}

/* ---- parallel signatures ---- */

static void parallel_signatures(void **state)
{
	struct edoc *doc = new_doc();
	struct edoc_signer *a = p12("signer-ec.p12"), *b = p12("signer-rsa.p12");
	unsigned char *first;
	size_t flen;
	struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
	struct edoc_report rep;

	(void)state;
	sign_ok(doc, a, EDOC_PROFILE_LT);
	flen = doc->sigs[0].len;
	first = malloc(flen);
	memcpy(first, doc->sigs[0].data, flen);
	sign_ok(doc, b, EDOC_PROFILE_LT);
	assert_int_equal(doc->nsigs, 2);
	assert_string_equal(doc->sigs[1].name, "META-INF/signatures1.xml");
	assert_memory_equal(doc->sigs[0].data, first, flen);
	assert_int_equal(edoc_verify(doc, &o, &rep), 0);
	assert_int_equal(rep.nsigs, 2);
	assert_string_equal(rep.sigs[0].id, "S0");
	assert_string_equal(rep.sigs[1].id, "S1");
	edoc_report_free(&rep);

	/* one bad signature spoils the container; the other still passes */
	{
		char *xml = strndup((char *)doc->sigs[1].data, doc->sigs[1].len);
		char *bad = tamper_der(xml, "<ds:SignatureValue", "");

		free(doc->sigs[1].data);
		doc->sigs[1].data = (unsigned char *)bad;
		doc->sigs[1].len = strlen(bad);
		free(xml);
	}
	assert_int_equal(edoc_verify(doc, &o, &rep), 1);
	assert_int_equal(rep.sigs[0].ind, EDOC_TOTAL_PASSED);
	assert_int_equal(rep.sigs[1].ind, EDOC_TOTAL_FAILED);
	assert_int_equal(rep.sigs[1].sub, EDOC_SUB_SIG_CRYPTO_FAILURE);
	edoc_report_free(&rep);
	free(first);
	edoc_signer_free(a);
	edoc_signer_free(b);
	edoc_free(doc);
}

/* ---- budgets: one digest per (file, algorithm), caps that hold ---- */

/* Twenty identical valid signatures (twenty signature files) over one
 * 3 MiB data file: the file is hashed once, not twenty times; each budget
 * that runs out gives INDETERMINATE/GENERIC with a reason naming it, never
 * TOTAL-FAILED of this valid document, and nothing is hashed beyond it. */
static void digests_and_budgets(void **state)
{
	struct edoc *doc = edoc_new();
	struct edoc_signer *a = p12("signer-ec.p12");
	const size_t big = (size_t)3 << 20;
	unsigned char *data = malloc(big);
	struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
	struct edoc_report rep;
	struct err e = {0};
	size_t i;

	(void)state;
	memset(data, 'a', big);
	assert_int_equal(edoc_add_file(doc, "liels.bin", NULL, data, big, &e), 0);
	sign_ok(doc, a, EDOC_PROFILE_LT);
	for (i = 1; i < 20; i++) {
		char *name = edoc_next_sigfile_name(doc);

		assert_int_equal(edoc_add_sigfile(doc, name, doc->sigs[0].data, doc->sigs[0].len, &e), 0);
		free(name);
	}
	assert_int_equal(edoc_verify(doc, &o, &rep), 0);
	assert_int_equal(rep.nsigs, 20);
	assert_int_equal(rep.limit, EDOC_LIMIT_NONE);
	assert_int_equal(rep.file_digests, 1);
	assert_true(rep.bytes_hashed >= big && rep.bytes_hashed < big + 20 * 8192); /* + signed properties */
	assert_true(rep.sigs[19].trusted);
	edoc_report_free(&rep);

	/* at most 5 signatures: those pass, one result stands for the rest */
	o.max_sigs = 5;
	assert_int_equal(edoc_verify(doc, &o, &rep), 2);
	assert_int_equal(rep.limit, EDOC_LIMIT_SIGNATURES);
	assert_int_equal(rep.nsigs, 6);
	for (i = 0; i < 5; i++)
		assert_int_equal(rep.sigs[i].ind, EDOC_TOTAL_PASSED);
	assert_int_equal(rep.sigs[5].ind, EDOC_INDETERMINATE);
	assert_int_equal(rep.sigs[5].sub, EDOC_SUB_GENERIC);
	assert_non_null(strstr(rep.sigs[5].reason, "more than 5 signatures"));
	edoc_report_free(&rep);

	/* fewer bytes may be digested than the data file holds */
	o.max_sigs = 0;
	o.max_hashed = big - 1;
	assert_int_equal(edoc_verify(doc, &o, &rep), 2);
	assert_int_equal(rep.limit, EDOC_LIMIT_HASHED);
	assert_int_equal(rep.nsigs, 2);
	assert_int_equal(rep.file_digests, 0);
	assert_true(rep.bytes_hashed <= big - 1);
	for (i = 0; i < 2; i++) {
		assert_int_equal(rep.sigs[i].ind, EDOC_INDETERMINATE);
		assert_int_equal(rep.sigs[i].sub, EDOC_SUB_GENERIC);
		assert_non_null(strstr(rep.sigs[i].reason, "bytes digested"));
	}
	edoc_report_free(&rep);

	/* the deadline has passed: nothing is hashed */
	o.max_hashed = 0;
	o.deadline.tv_nsec = 1;
	assert_int_equal(edoc_verify(doc, &o, &rep), 2);
	assert_int_equal(rep.limit, EDOC_LIMIT_TIME);
	assert_int_equal(rep.nsigs, 1);
	assert_int_equal(rep.bytes_hashed, 0);
	assert_int_equal(rep.sigs[0].ind, EDOC_INDETERMINATE);
	assert_non_null(strstr(rep.sigs[0].reason, "time allowed"));
	edoc_report_free(&rep);

	/* two valid signatures in one signature file: canonicalizing one (the
	 * document cut down to its path for the time, xml.c) leaves the other
	 * intact, and each still passes */
	{
		struct edoc_signer *b = p12("signer-rsa.p12");
		char *x0, *x1, *sig1, *end, *both;
		struct edoc *one = edoc_new();
		size_t n;

		sign_ok(doc, b, EDOC_PROFILE_LT);
		x0 = strndup((char *)doc->sigs[0].data, doc->sigs[0].len);
		x1 = strndup((char *)doc->sigs[20].data, doc->sigs[20].len);
		sig1 = strstr(x1, "<ds:Signature ");
		end = strstr(x1, "</asic:XAdESSignatures>");
		assert_non_null(sig1);
		assert_non_null(end);
		n = strlen(x0) + strlen(x1) + 1;
		both = malloc(n);
		snprintf(both, n, "%.*s%.*s</asic:XAdESSignatures>", (int)(strstr(x0, "</asic:XAdESSignatures>") - x0),
			 x0, (int)(end - sig1), sig1);
		o.deadline.tv_nsec = 0;
		assert_int_equal(edoc_add_file(one, "liels.bin", NULL, data, big, &e), 0);
		assert_int_equal(edoc_add_sigfile(one, "META-INF/signatures0.xml", both, strlen(both), &e), 0);
		assert_int_equal(edoc_verify(one, &o, &rep), 0);
		assert_int_equal(rep.nsigs, 2);
		assert_string_equal(rep.sigs[0].id, "S0");
		assert_string_equal(rep.sigs[1].id, "S20");
		assert_int_equal(rep.file_digests, 1);
		edoc_report_free(&rep);
		free(both);
		free(x0);
		free(x1);
		edoc_signer_free(b);
		edoc_free(one);
	}

	/* a signer that does not chain to the anchors: INDETERMINATE, not trusted */
	o.deadline.tv_nsec = 0;
	o.trust = trust_other;
	assert_int_equal(edoc_verify(doc, &o, &rep), 2);
	assert_int_equal(rep.sigs[0].sub, EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND);
	assert_false(rep.sigs[0].trusted);
	edoc_report_free(&rep);
	free(data);
	edoc_signer_free(a);
	edoc_free(doc);
}

/* ---- one byte changed in our own LT signature ---- */

static void flip_one_byte(void **state)
{
	struct edoc *doc = new_doc();
	struct edoc_signer *s = p12("signer-ec.p12");
	char *xml, orig[32], later[32], *p;
	const struct tamper_case cases[] = {
	    {"SigningTime, one second later", TAMPER_TEXT, orig, later, EDOC_TOTAL_FAILED, EDOC_SUB_HASH_FAILURE,
	     "signed properties"},
	    {"the signing certificate", TAMPER_DER, "<ds:X509Certificate", "PNOLV-010190-1234", EDOC_INDETERMINATE,
	     EDOC_SUB_NO_SIGNING_CERTIFICATE_FOUND, NULL},
	    {"a certificate in CertificateValues", TAMPER_DER, "<xades:EncapsulatedX509Certificate",
	     "epak Test Qualified C", EDOC_INDETERMINATE, EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND, NULL},
	    /* the nonce extension's OID, inside the signed response data: the
	     * response is unsigned evidence, dropped (EN 319 102-1); offline
	     * nothing else tells the certificate's status */
	    {"the OCSP response", TAMPER_DER, "<xades:EncapsulatedOCSPValue", "\x2b\x06\x01\x05\x05\x07\x30\x01\x02",
	     EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, "OCSP response signature does not verify"},
	    /* the TSA policy 1.3.6.1.4.1.99999.2.1 in the signed TSTInfo: the
	     * time-stamp is dropped, and the signature is judged at the current
	     * time, where its certificate is valid and the OCSP response good */
	    {"the time-stamp", TAMPER_DER, "<xades:EncapsulatedTimeStamp", "\x06\x0a\x2b\x06\x01\x04\x01\x86\x8d\x1f",
	     EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL},
	    {"the signature value", TAMPER_DER, "<ds:SignatureValue", "", EDOC_TOTAL_FAILED,
	     EDOC_SUB_SIG_CRYPTO_FAILURE, "signature value"},
	};

	(void)state;
	sign_ok(doc, s, EDOC_PROFILE_LT);
	xml = sig_xml(doc);
	check_one(doc, trust_root, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);

	doc->files[1].data[3] ^= 1;
	check_one(doc, trust_root, EDOC_TOTAL_FAILED, EDOC_SUB_HASH_FAILURE, "izzi");
	doc->files[1].data[3] ^= 1;

	/* SigningTime as signed, and one second later */
	p = strstr(xml, "<xades:SigningTime>") + strlen("<xades:SigningTime>");
	memcpy(orig, p, 20);
	orig[20] = '\0';
	memcpy(later, orig, 21);
	later[18] = later[18] == '9' ? '8' : (char)(later[18] + 1);

	check_tampered(doc, xml, trust_root, cases, sizeof(cases) / sizeof(cases[0]));
	check_one(doc, trust_root, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
	free(xml);
	edoc_signer_free(s);
	edoc_free(doc);
}

static void signing_time_consistency(void **state)
{
	struct edoc_signer *s = p12("signer-ec.p12");
	struct edoc *t = new_doc(), *b = new_doc();
	struct edoc_sign_opts late = {EDOC_PROFILE_T, tsa, NULL, time(NULL) + 2 * 3600, 0};
	struct edoc_sign_opts future = {EDOC_PROFILE_B, NULL, NULL, time(NULL) + 2 * 3600, 0};
	struct err e = {0};

	(void)state;
	/* claims to be signed two hours after its own time-stamp */
	assert_int_equal(edoc_sign(t, s, &late, &e), 0);
	check_sig(t, trust_both, 1, 0, EDOC_INDETERMINATE, EDOC_SUB_TIMESTAMP_ORDER_FAILURE, NULL);
	/* claims a time in the future */
	assert_int_equal(edoc_sign(b, s, &future, &e), 0);
	check_sig(b, trust_both, 1, 0, EDOC_INDETERMINATE, EDOC_SUB_SIG_CONSTRAINTS_FAILURE, "future");
	edoc_free(t);
	edoc_free(b);
	edoc_signer_free(s);
}

/* ---- Debian's xmlsec1 as an outside judge ---- */

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Lays the container out as files (data files by their paths, the signature
 * beside them so that relative URIs resolve) and runs xmlsec1 on it. */
static int xmlsec_verify(const struct edoc *doc, size_t sig)
{
	char out[512], cmd[2048], path[1024];
	size_t i;

	snprintf(out, sizeof(out), "%s/xmlsec-XXXXXX", dir);
	if (!mkdtemp(out))
		return -1;
	for (i = 0; i < doc->nfiles; i++) {
		char *slash;

		snprintf(path, sizeof(path), "%s/%s", out, doc->files[i].name);
		slash = strrchr(path, '/');
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
		if (write_file(path, doc->files[i].data, doc->files[i].len) != 0)
			return -1;
	}
	snprintf(path, sizeof(path), "%s/signature.xml", out);
	if (write_file(path, doc->sigs[sig].data, doc->sigs[sig].len) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "cd %s && xmlsec1 --verify --id-attr:Id SignedProperties --trusted-pem %s "
		 "--untrusted-pem %s signature.xml >xmlsec.log 2>&1",
		 out, pki("root.crt"), pki("inter.crt"));
	if (run(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "tail -5 %s/xmlsec.log >&2", out);
		run(cmd);
		return 1;
	}
	return 0;
}

static void xmlsec1_agrees(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct edoc_signer *s = p12(signer_p12[k]);
		struct edoc *b = new_doc(), *lt = new_doc();

		sign_ok(b, s, EDOC_PROFILE_B);
		sign_ok(lt, s, EDOC_PROFILE_LT);
		assert_int_equal(xmlsec_verify(b, 0), 0);
		assert_int_equal(xmlsec_verify(lt, 0), 0);
		/* and it can say no */
		lt->files[0].data[0] ^= 1;
		assert_int_not_equal(xmlsec_verify(lt, 0), 0);
		edoc_free(b);
		edoc_free(lt);
		edoc_signer_free(s);
	}
	{
		struct err e = {0};
		struct edoc_signer *s = edoc_signer_pkcs11(SOFTHSM, "epak-ec", "1234", &e);
		struct edoc *doc = new_doc();

		assert_non_null(s);
		sign_ok(doc, s, EDOC_PROFILE_T);
		assert_int_equal(xmlsec_verify(doc, 0), 0);
		edoc_free(doc);
		edoc_signer_free(s);
	}
}

/* ---- the command line ---- */

static int call(int (*fn)(int, char **), const char *const *args)
{
	char *argv[32];
	int argc = 0;

	while (args[argc] && argc < 31) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	return fn(argc, argv);
}

static void command_line(void **state)
{
	char out[512], doc1[512], doc2[512], garbage[512], js[512];
	int saved;

	(void)state;
	snprintf(out, sizeof(out), "%s/cli.edoc", dir);
	snprintf(doc1, sizeof(doc1), "%s/a.txt", dir);
	snprintf(doc2, sizeof(doc2), "%s/b \xc4\x81.txt", dir);
	snprintf(garbage, sizeof(garbage), "%s/garbage.edoc", dir);
	snprintf(js, sizeof(js), "%s/report.json", dir);
	assert_int_equal(write_file(doc1, "alpha\n", 6), 0);
	assert_int_equal(write_file(doc2, "beta\n", 5), 0);
	assert_int_equal(write_file(garbage, "PK\003\004garbage", 11), 0);
	setenv("EPAK_TEST_PW", "test-pass", 1);
	setenv("EPAK_TEST_PIN", "1234", 1);

	{
		const char *const help[] = {"sign", "--help", NULL};
		const char *const vhelp[] = {"verify", "--help", NULL};
		const char *const bad1[] = {"sign", "-o", out, "a.txt", NULL};
		const char *const bad2[] = {"sign", "-o",        out, "--p12", "x", "--pkcs11",
					    "y",    "--pin-env", "X", "a",     NULL};
		const char *const bad3[] = {"sign", "-o",        out,   "--p12", "x", "--pin-env",
					    "X",    "--profile", "LTA", "a",     NULL};
		const char *const bad4[] = {"verify", "--bogus", "x", NULL};

		assert_int_equal(call(cmd_sign, help), 0);
		assert_int_equal(call(cmd_verify, vhelp), 0);
		assert_int_equal(call(cmd_sign, bad1), 2);
		assert_int_equal(call(cmd_sign, bad2), 2);
		assert_int_equal(call(cmd_sign, bad3), 2);
		assert_int_equal(call(cmd_verify, bad4), 3);
	}
	{
		const char *const sign1[] = {"sign",      "-o",           out,         "--p12", pki("signer-ec.p12"),
					     "--pin-env", "EPAK_TEST_PW", "--profile", "LT",    "--tsa",
					     tsa,         "--ocsp",       ocsp,        doc1,    doc2,
					     NULL};
		const char *const sign2[] = {"sign",  "-o",      out,        "--add",     "--pkcs11",
					     SOFTHSM, "--token", "epak-rsa", "--pin-env", "EPAK_TEST_PIN",
					     "--tsa", tsa,       out,        NULL};
		const char *const wrongpin[] = {"sign",    "-o",       out,         "--add",        "--pkcs11", SOFTHSM,
						"--token", "epak-rsa", "--pin-env", "EPAK_TEST_PW", out,        NULL};
		const char *const ok[] = {"verify", "--trust", pki("root.crt"), "--offline", out, NULL};
		const char *const untrusted[] = {"verify", "--offline", out, NULL};
		const char *const notzip[] = {"verify", garbage, NULL};
		const char *const missing[] = {"verify", "/nonexistent.edoc", NULL};

		assert_int_equal(call(cmd_sign, sign1), 0);
		assert_int_equal(call(cmd_sign, sign2), 0);
		assert_int_equal(call(cmd_sign, wrongpin), 1);
		assert_int_equal(call(cmd_verify, ok), 0);
		assert_int_equal(call(cmd_verify, untrusted), 2);
		assert_int_equal(call(cmd_verify, notzip), 3);
		assert_int_equal(call(cmd_verify, missing), 3);
	}
	/* a tampered container exits 1; --json is JSON with the verdicts */
	{
		struct err e = {0};
		struct edoc *doc = edoc_open(out, NULL, &e);
		const char *const vj[] = {"verify", "--json", "--trust", pki("root.crt"), "--offline", out, NULL};
		json_t *j;
		json_error_t je;
		FILE *f;

		assert_non_null(doc);
		assert_int_equal(doc->nsigs, 2);
		doc->files[0].data[0] ^= 1;
		assert_int_equal(edoc_write(doc, out, &e), 0);
		edoc_free(doc);
		fflush(stdout);
		saved = dup(1);
		f = fopen(js, "w");
		dup2(fileno(f), 1);
		assert_int_equal(call(cmd_verify, vj), 1);
		fflush(stdout);
		dup2(saved, 1);
		close(saved);
		fclose(f);
		j = json_load_file(js, 0, &je);
		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(j, "status")), 1);
		assert_int_equal(json_array_size(json_object_get(j, "signatures")), 2);
		assert_string_equal(json_string_value(json_object_get(
					json_array_get(json_object_get(j, "signatures"), 1), "subindication")),
				    "HASH_FAILURE");
		assert_string_equal(json_string_value(json_object_get(
					json_array_get(json_object_get(j, "signatures"), 0), "signer_serial_number")),
				    "PNOLV-010190-12345");
		json_decref(j);
	}
}

/* The addresses a URL from a certificate may not reach (issue 8, SSRF). */
static int internal(const char *ip)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;

	memset(&v4, 0, sizeof(v4));
	memset(&v6, 0, sizeof(v6));
	if (inet_pton(AF_INET, ip, &v4.sin_addr) == 1) {
		v4.sin_family = AF_INET;
		return net_addr_internal((const struct sockaddr *)&v4);
	}
	assert_int_equal(inet_pton(AF_INET6, ip, &v6.sin6_addr), 1);
	v6.sin6_family = AF_INET6;
	return net_addr_internal((const struct sockaddr *)&v6);
}

static void internal_addresses(void **state)
{
	static const char *const inside[] = {"127.0.0.1",
					     "127.8.9.10",
					     "10.1.2.3",
					     "172.16.0.1",
					     "172.31.255.255",
					     "192.168.1.1",
					     "169.254.169.254",
					     "100.64.0.1",
					     "0.0.0.0",
					     "224.0.0.1",
					     "255.255.255.255",
					     "::1",
					     "::",
					     "fe80::1",
					     "fc00::1",
					     "fd12:3456::1",
					     "::ffff:127.0.0.1",
					     "::ffff:10.0.0.1",
					     "ff02::1"};
	static const char *const outside[] = {"8.8.8.8",     "195.244.155.1",        "172.32.0.1",
					      "100.128.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8",
					      "2a00:1450::1"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
		if (!internal(inside[i]))
			fail_msg("%s should be internal", inside[i]);
	}
	for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		if (internal(outside[i]))
			fail_msg("%s should be public", outside[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(profiles_with_pkcs12),
	    cmocka_unit_test(pkcs11_tokens),
	    cmocka_unit_test(refusals_when_signing),
	    cmocka_unit_test(parallel_signatures),
	    cmocka_unit_test(digests_and_budgets),
	    cmocka_unit_test(flip_one_byte),
	    cmocka_unit_test(signing_time_consistency),
	    cmocka_unit_test(xmlsec1_agrees),
	    cmocka_unit_test(command_line),
	    cmocka_unit_test(internal_addresses),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
