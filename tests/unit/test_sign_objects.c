/* test_sign_objects.c — what the references read and epak now reads too,
 * with real signatures of the test PKI (tests/sign/pki.sh): extra ds:Object
 * elements in a signature (signed from SignedInfo, unsigned, changed, or
 * referenced in ways epak does not support), and containers whose mimetype
 * entry is misplaced, compressed, padded or missing, or which carry explicit
 * folder entries: read with a warning, judged by their signatures alone. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "../sign/vhelp.h"
#include "../sign/zipw.h"
#include "core/buf.h"
#include "sign/edoc.h"
#include "sign/internal.h"
#include "sign/pki.h"
#include "sign/sign.h"
#include "sign/verify.h"

static char dir[256];
static char tsa[128];
static struct edoc_trust *trust_root;
static EVP_PKEY *rsa_key; /* the key of signer-rsa, for re-signing SignedInfo */

static const char *pki(const char *name)
{
	return pki_path(dir, name);
}

static int group_setup(void **state)
{
	struct err e = {0};
	int port;
	FILE *f;

	(void)state;
	port = pki_setup(dir, sizeof(dir), "epak-objects");
	if (port < 0)
		return -1;
	snprintf(tsa, sizeof(tsa), "http://127.0.0.1:%d/tsa", port);
	trust_root = edoc_trust_new();
	if (edoc_trust_add_file(trust_root, pki("root.crt"), &e) != 0)
		return -1;
	f = fopen(pki("signer-rsa.key"), "r");
	if (!f)
		return -1;
	rsa_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return rsa_key ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	edoc_trust_free(trust_root);
	EVP_PKEY_free(rsa_key);
	pki_teardown(dir);
	return 0;
}

/* A container with docs/a.txt signed by signer-rsa at the given profile. */
static struct edoc *signed_doc(enum edoc_profile profile)
{
	struct edoc *doc = edoc_new();
	struct edoc_sign_opts o = {profile, tsa, NULL, 0, 0};
	struct edoc_signer *s;
	struct err e = {0};

	assert_int_equal(edoc_add_file(doc, "docs/a.txt", NULL, "iesniegums\n", 11, &e), 0);
	s = edoc_signer_p12(pki("signer-rsa.p12"), "test-pass", &e);
	if (!s || edoc_sign(doc, s, &o, &e) != 0)
		fail_msg("signing: %s", e.msg);
	edoc_signer_free(s);
	return doc;
}

/* The Id of the (first) ds:Signature of xml, malloc'd. */
static char *sig_id(const char *xml)
{
	const char *p = strstr(xml, "<ds:Signature ");
	const char *q = p ? strstr(p, "Id=\"") : NULL;

	assert_non_null(q);
	q += 4;
	return strndup(q, strcspn(q, "\""));
}

/* The element of the parsed signature file whose Id is id (depth-first). */
static xmlNodePtr by_id(xmlNodePtr n, const char *id)
{
	for (; n; n = n->next) {
		xmlNodePtr f;

		if (n->type == XML_ELEMENT_NODE && sx_attr(n, "Id") && strcmp(sx_attr(n, "Id"), id) == 0)
			return n;
		f = by_id(n->children, id);
		if (f)
			return f;
	}
	return NULL;
}

/* Canonical form of the element id of xml under the C14N algorithm uri. */
static void c14n_of(const char *xml, const char *id, const char *uri, struct buf *out)
{
	struct err e = {0};
	xmlDocPtr x = sx_parse(xml, strlen(xml), &e);
	struct c14n_method m;
	xmlNodePtr n;

	if (!x)
		fail_msg("%s", e.msg);
	n = by_id(xmlDocGetRootElement(x), id);
	assert_non_null(n);
	assert_int_equal(sx_c14n_method(uri, &m), 0);
	buf_init(out, 1 << 20);
	assert_int_equal(sx_c14n(n, &m, NULL, out), 0);
	xmlFreeDoc(x);
}

/* xml with the first `from` replaced by the base64 SHA-256 of the
 * canonical element id (C14N 1.0), then SignedInfo signed again with the
 * signer's key: what a tool writing that construct would have produced. */
static char *resign(const char *xml, const char *from, const char *id)
{
	struct buf b = BUF_INIT;
	unsigned char md[EVP_MAX_MD_SIZE], sig[1024];
	unsigned mdlen = 0;
	size_t siglen = sizeof(sig);
	char *b64, *with, *out, *sid = sig_id(xml), siid[128], *cm;
	const char *p, *q;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (from) {
		c14n_of(xml, id, URI_C14N10, &b);
		EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL);
		buf_free(&b);
		b64 = b64_encode_new(md, mdlen);
		with = replace(xml, from, b64);
		free(b64);
	} else {
		with = strdup(xml);
	}
	/* SignedInfo gets an Id for the look-up, then loses it again */
	snprintf(siid, sizeof(siid), "%s-SI-test", sid);
	{
		char tag[160];

		snprintf(tag, sizeof(tag), "<ds:SignedInfo Id=\"%s\"", siid);
		out = replace(with, "<ds:SignedInfo", tag);
	}
	p = strstr(out, "<ds:CanonicalizationMethod Algorithm=\"") + 38;
	cm = strndup(p, strcspn(p, "\""));
	c14n_of(out, siid, cm, &b);
	free(cm);
	/* the Id was not there when signing: drop it from the canonical form */
	{
		char attr[160];
		char *at;

		snprintf(attr, sizeof(attr), " Id=\"%s\"", siid);
		at = strstr(b.data, attr);
		assert_non_null(at);
		memmove(at, at + strlen(attr), b.len - (size_t)(at - b.data) - strlen(attr) + 1);
		b.len -= strlen(attr);
	}
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, rsa_key), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)b.data, b.len), 1);
	EVP_MD_CTX_free(ctx);
	buf_free(&b);
	free(out);
	b64 = b64_encode_new(sig, siglen);
	p = strstr(with, "<ds:SignatureValue");
	p = strchr(p, '>') + 1;
	q = strstr(p, "</ds:SignatureValue>");
	{
		size_t head = (size_t)(p - with), blen = strlen(b64), tail = strlen(q);

		out = malloc(head + blen + tail + 1);
		memcpy(out, with, head);
		memcpy(out + head, b64, blen);
		memcpy(out + head + blen, q, tail + 1);
	}
	free(b64);
	free(with);
	free(sid);
	return out;
}

/* xml with an extra ds:Object (obj) after the last one and, when ref is not
 * NULL, an extra ds:Reference (ref, its DigestValue "DIGEST") at the end of
 * SignedInfo, digested over element id and signed again. */
static char *with_object(const char *xml, const char *obj, const char *ref, const char *id)
{
	char *a = replace(xml, "</ds:Signature>", obj), *b, *c;

	if (!ref)
		return a;
	b = replace(a, "</ds:SignedInfo>", ref);
	free(a);
	c = resign(b, strstr(ref, "DIGEST") ? "DIGEST" : NULL, id);
	free(b);
	return c;
}

#define OBJ(id, body) "<ds:Object Id=\"" id "\">" body "</ds:Object></ds:Signature>"
#define REF(attrs, transforms)                                                                                         \
	"<ds:Reference " attrs ">" transforms                                                                          \
	"<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"                                     \
	"<ds:DigestValue>DIGEST</ds:DigestValue></ds:Reference></ds:SignedInfo>"
#define C14N10_T                                                                                                       \
	"<ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/></ds:Transforms>"

/* Validates online (the B signature's status comes from the test responder)
 * and checks the warnings of signature 0 for want (NULL: any). */
static void check_warned(const struct edoc *doc, const char *want)
{
	struct edoc_verify_opts o = {.trust = trust_root, .offline = 0, .any_address = 1};
	struct edoc_report rep;
	size_t i;
	int found = 0;

	assert_int_equal(edoc_verify(doc, &o, &rep), 0);
	for (i = 0; i < rep.sigs[0].nwarnings; i++)
		if (strstr(rep.sigs[0].warnings[i], want))
			found = 1;
	edoc_report_free(&rep);
	if (!found)
		fail_msg("no warning with \"%s\"", want);
}

static void extra_objects(void **state)
{
	struct edoc *doc = signed_doc(EDOC_PROFILE_B);
	char *xml = sig_xml(doc), *bad, *changed;

	(void)state;
	/* the signature as epak wrote it */
	check_sig(doc, trust_root, 1, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);

	/* an extra ds:Object that SignedInfo references, with a C14N transform,
	 * without one (C14N 1.0 by default) and with the XMLDSig Object type */
	bad = with_object(xml, OBJ("S-extra", "<note xmlns=\"urn:epak:test\">signed beside</note>"),
			  REF("URI=\"#S-extra\"", C14N10_T), "S-extra");
	set_sig(doc, bad);
	check_sig(doc, trust_root, 1, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
	/* ...its content changed after signing: a signed part, so it fails */
	changed = replace(bad, "signed beside", "signed BESIDE");
	set_sig(doc, changed);
	check_sig(doc, trust_root, 1, 0, EDOC_TOTAL_FAILED, EDOC_SUB_HASH_FAILURE, "signed object");
	free(changed);
	free(bad);
	bad = with_object(xml, OBJ("S-extra", "signed text"),
			  REF("URI=\"#S-extra\" Type=\"http://www.w3.org/2000/09/xmldsig#Object\"", ""), "S-extra");
	set_sig(doc, bad);
	check_sig(doc, trust_root, 1, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
	free(bad);

	/* an unsigned extra ds:Object changes nothing but a warning */
	bad = with_object(xml, OBJ("S-loose", "anyone may add this"), NULL, NULL);
	set_sig(doc, bad);
	check_sig(doc, trust_root, 1, 0, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
	check_warned(doc, "ds:Object without qualifying properties");
	free(bad);

	/* constructs epak does not support: INDETERMINATE, never FAILED */
	bad = with_object(xml, OBJ("S-extra", "x"),
			  REF("URI=\"#S-extra\"", "<ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2000/09/"
						  "xmldsig#base64\"/></ds:Transforms>"),
			  "S-extra");
	set_sig(doc, bad);
	check_sig(doc, trust_root, 1, 0, EDOC_INDETERMINATE, EDOC_SUB_FORMAT_FAILURE, "transform");
	free(bad);
	bad = with_object(xml,
			  OBJ("S-extra", "<ds:SignatureProperties Id=\"S-props\"><ds:SignatureProperty Target=\"#x\">"
					 "p</ds:SignatureProperty></ds:SignatureProperties>"),
			  REF("URI=\"#S-props\"", C14N10_T), "S-props");
	set_sig(doc, bad);
	check_sig(doc, trust_root, 1, 0, EDOC_INDETERMINATE, EDOC_SUB_FORMAT_FAILURE, "into a ds:Object");
	free(bad);
	bad =
	    with_object(xml,
			OBJ("S-extra", "<xades:QualifyingProperties xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\" "
				       "Target=\"#x\"/>"),
			REF("URI=\"#S-extra\"", C14N10_T), "S-extra");
	set_sig(doc, bad);
	check_sig(doc, trust_root, 1, 0, EDOC_INDETERMINATE, EDOC_SUB_FORMAT_FAILURE,
		  "more than one xades:QualifyingProperties");
	free(bad);

	/* wrapping stays refused: a SignedProperties-typed reference must be
	 * to this signature's own SignedProperties */
	bad = with_object(xml, OBJ("S-extra", "x"),
			  REF("URI=\"#S-extra\" Type=\"http://uri.etsi.org/01903#SignedProperties\"", C14N10_T),
			  "S-extra");
	set_sig(doc, bad);
	check_sig(doc, trust_root, 1, 0, EDOC_TOTAL_FAILED, EDOC_SUB_FORMAT_FAILURE, "does not point");
	free(bad);

	free(xml);
	edoc_free(doc);
}

/* ---- containers read leniently ---- */

/* Verifies the ZIP built from v offline; returns the status, and checks
 * that signature 0 got ind and that a container warning holds want (NULL:
 * none at all). */
static int check_zip(const struct tz_entry *v, size_t n, enum edoc_indication ind, const char *want)
{
	struct edoc_verify_opts o = {.trust = trust_root, .offline = 1};
	struct edoc_report rep;
	size_t len, i;
	unsigned char *p = tz_build(v, n, &len);
	int status = edoc_verify_mem(p, len, &o, &rep), found = 0;
	char *txt = edoc_report_text(&rep), *json = edoc_report_json(&rep);

	if (!rep.container_ok)
		fail_msg("refused: %s", rep.container_error);
	assert_int_equal(rep.nsigs, 1);
	if (rep.sigs[0].ind != ind)
		fail_msg("%s", txt);
	for (i = 0; i < rep.ncontainer_warnings; i++)
		if (want && strstr(rep.container_warnings[i], want))
			found = 1;
	/* the text names it; the JSON has a non-empty list */
	if (want && (!found || !strstr(txt, want) || !strstr(json, "\"container_warnings\": [\n")))
		fail_msg("no container warning \"%s\" in\n%s\n%s", want, txt, json);
	if (!want && (rep.ncontainer_warnings || !strstr(json, "\"container_warnings\": []")))
		fail_msg("unexpected container warnings:\n%s", json);
	free(txt);
	free(json);
	edoc_report_free(&rep);
	free(p);
	return status;
}

static void lenient_containers(void **state)
{
	struct edoc *doc = signed_doc(EDOC_PROFILE_LT);
	static const char *const names[] = {"docs/a.txt", NULL};
	char *man = tz_manifest(names);
	const struct edoc_entry *f = &doc->files[0], *s = &doc->sigs[0];
	struct tz_entry man_e = {"META-INF/manifest.xml", man, strlen(man), 1, 0};
	struct tz_entry file_e = {f->name, f->data, f->len, 1, 0};
	struct tz_entry sig_e = {s->name, s->data, s->len, 1, 0};
	struct tz_entry mt = TZ_MIMETYPE;
	struct tz_entry mt_deflated = {"mimetype", "application/vnd.etsi.asic-e+zip", 31, 1, 0};
	struct tz_entry mt_padded = {"mimetype", "application/vnd.etsi.asic-e+zip\r\n", 33, 0, 0};
	struct tz_entry mt_wrong = {"mimetype", "application/vnd.etsi.asic-s+zip", 31, 0, 0};
	struct tz_entry meta_dir = {"META-INF/", "", 0, 0, 0}, docs_dir = {"docs/", "", 0, 0, 0};
	unsigned char *bad;

	(void)state;
	{
		struct tz_entry strict[] = {mt, man_e, file_e, sig_e};
		struct tz_entry folders[] = {mt, meta_dir, man_e, docs_dir, file_e, sig_e};
		struct tz_entry late[] = {man_e, file_e, mt, sig_e};
		struct tz_entry deflated[] = {mt_deflated, man_e, file_e, sig_e};
		struct tz_entry missing[] = {man_e, file_e, sig_e};
		struct tz_entry padded[] = {mt_padded, man_e, file_e, sig_e};
		struct tz_entry wrong[] = {mt_wrong, man_e, file_e, sig_e};
		struct edoc_report rep;
		size_t len;
		unsigned char *p;

		assert_int_equal(check_zip(strict, 4, EDOC_TOTAL_PASSED, NULL), 0);
		assert_int_equal(check_zip(folders, 6, EDOC_TOTAL_PASSED, NULL), 0);
		assert_int_equal(check_zip(late, 4, EDOC_TOTAL_PASSED, "not the first entry"), 0);
		assert_int_equal(check_zip(deflated, 4, EDOC_TOTAL_PASSED, "compressed"), 0);
		assert_int_equal(check_zip(missing, 3, EDOC_TOTAL_PASSED, "no \"mimetype\" entry"), 0);
		assert_int_equal(check_zip(padded, 4, EDOC_TOTAL_PASSED, "white space"), 0);
		/* another type is still not an ASiC-E container */
		p = tz_build(wrong, 4, &len);
		assert_int_equal(edoc_verify_mem(p, len, NULL, &rep), 3);
		assert_non_null(strstr(rep.container_error, "must hold exactly"));
		edoc_report_free(&rep);
		free(p);
		/* a warned-about container is still judged by its signatures */
		bad = malloc(f->len);
		memcpy(bad, f->data, f->len);
		bad[0] ^= 1;
		late[1].data = bad;
		assert_int_equal(check_zip(late, 4, EDOC_TOTAL_FAILED, "not the first entry"), 1);
		free(bad);
	}
	/* read leniently, written strictly: the copy has no warnings */
	{
		struct tz_entry late[] = {man_e, docs_dir, file_e, mt_deflated, sig_e};
		struct err e = {0};
		size_t len, n;
		unsigned char *p = tz_build(late, 5, &len), *out;
		struct edoc *lax = edoc_open_mem(p, len, NULL, &e), *back;

		if (!lax)
			fail_msg("%s", e.msg);
		assert_int_equal(lax->nwarnings, 1);
		assert_int_equal(edoc_write_mem(lax, &out, &n, &e), 0);
		assert_memory_equal(out + 30, "mimetypeapplication/vnd.etsi.asic-e+zip", 39);
		back = edoc_open_mem(out, n, NULL, &e);
		assert_non_null(back);
		assert_int_equal(back->nwarnings, 0);
		check_one(back, trust_root, EDOC_TOTAL_PASSED, EDOC_SUB_NONE, NULL);
		edoc_free(back);
		edoc_free(lax);
		free(out);
		free(p);
	}
	free(man);
	edoc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(extra_objects),
	    cmocka_unit_test(lenient_containers),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
