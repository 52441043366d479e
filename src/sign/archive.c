/* archive.c — XAdES archive time-stamps (B-LTA): the data they cover, their
 * check and the chain of renewals. See archive.h.
 *
 * The data (EN 319 132-1 §5.5.2, TS 101 903 §8.2.1, in the order EU DSS's
 * XAdESTimestampDataBuilder writes it): every ds:Reference of SignedInfo in
 * order (a data file's raw bytes; SignedProperties through its
 * canonicalization transform, or the time-stamp's canonicalization when it
 * has none), then SignedInfo, SignatureValue and KeyInfo, then every child
 * of UnsignedSignatureProperties before this time-stamp (earlier archive
 * time-stamps included), then every ds:Object but the one holding the
 * QualifyingProperties — each XML part canonicalized where it stands with the
 * time-stamp's ds:CanonicalizationMethod (C14N 1.0 when absent). Nothing is
 * gathered in memory: each part goes into the digest as it is made, data
 * files in chunks charged to the container's budgets.
 */
#include "sign/archive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <openssl/err.h>

#include "core/base64.h"
#include "sign/internal.h"
#include "sign/pki.h"

#define CHUNK ((size_t)1 << 20) /* the budgets are looked at between chunks */
#define PART_MAX (16 << 20)     /* one canonicalized XML part */

static int is_ats(const xmlNode *n)
{
	return sx_is(n, NS_XADES141, "ArchiveTimeStamp") || sx_is(n, NS_XADES, "ArchiveTimeStamp");
}

int arc_sig_find(xmlDocPtr x, struct arc_sig *a)
{
	xmlNodePtr root = xmlDocGetRootElement(x), c, qp = NULL, up;

	a->sig = sx_is(root, NS_DS, "Signature") ? root : sx_child(root, NS_DS, "Signature");
	a->si = sx_child(a->sig, NS_DS, "SignedInfo");
	a->sv = sx_child(a->sig, NS_DS, "SignatureValue");
	a->ki = sx_child(a->sig, NS_DS, "KeyInfo");
	for (c = sx_first_elem(a->sig); c && !qp; c = sx_next_elem(c))
		if (sx_is(c, NS_DS, "Object"))
			qp = sx_child(c, NS_XADES, "QualifyingProperties");
	a->sp = sx_child(qp, NS_XADES, "SignedProperties");
	up = sx_child(qp, NS_XADES, "UnsignedProperties");
	a->usp = sx_child(up, NS_XADES, "UnsignedSignatureProperties");
	return a->si && a->sv && a->sp && a->usp ? 0 : -1;
}

/* One canonicalized XML part into the digest. */
static int feed_xml(const struct arc_sig *a, EVP_MD_CTX *ctx, xmlNodePtr n, const struct c14n_method *cm)
{
	struct buf b = BUF_INIT;
	int rc = 1;

	buf_init(&b, PART_MAX);
	if (sx_c14n(n, cm, NULL, &b) != 0)
		goto out;
	if (a->charge(a->arg, b.len) != 0) {
		rc = -1;
		goto out;
	}
	rc = EVP_DigestUpdate(ctx, b.data, b.len) == 1 ? 0 : 1;
out:
	buf_free(&b);
	return rc;
}

static int feed_file(const struct arc_sig *a, EVP_MD_CTX *ctx, const struct edoc_entry *f)
{
	size_t off, n;

	for (off = 0; off < f->len; off += n) {
		n = f->len - off < CHUNK ? f->len - off : CHUNK;
		if (a->charge(a->arg, n) != 0)
			return -1;
		if (EVP_DigestUpdate(ctx, f->data + off, n) != 1)
			return 1;
	}
	return 0;
}

/* A reference's data: the SignedProperties it names, or a data file. */
static int feed_ref(const struct arc_sig *a, EVP_MD_CTX *ctx, xmlNodePtr ref, const struct c14n_method *cm, char *why,
		    size_t whylen)
{
	const char *uri = sx_attr(ref, "URI");
	xmlNodePtr tr = sx_child(ref, NS_DS, "Transforms"), t;
	struct c14n_method m = *cm;
	char *name;
	size_t j;

	if (!uri || !*uri)
		return snprintf(why, whylen, "a reference without URI"), 1;
	if (uri[0] == '#') {
		if (!a->sp || strcmp(uri + 1, sx_attr(a->sp, "Id") ? sx_attr(a->sp, "Id") : "") != 0)
			return snprintf(why, whylen, "reference %.60s is not the signed properties", uri), 1;
		t = sx_first_elem(tr);
		if (t && (sx_next_elem(t) || sx_c14n_method(sx_attr(t, "Algorithm"), &m) != 0 ||
			  sx_child(t, NS_EXC, "InclusiveNamespaces")))
			return snprintf(why, whylen, "reference %.60s: unsupported transform", uri), 1;
		if (t)
			m.comments = 0; /* a same-document URI drops comments */
		return feed_xml(a, ctx, a->sp, &m) == 1 ? (snprintf(why, whylen, "cannot canonicalize %.60s", uri), 1)
							: 0;
	}
	name = edoc_uri_decode(uri);
	for (j = 0; name && j < a->doc->nfiles; j++)
		if (strcmp(a->doc->files[j].name, name) == 0)
			break;
	free(name);
	if (!name || j == a->doc->nfiles)
		return snprintf(why, whylen, "reference %.60s names no file of the container", uri), 1;
	return feed_file(a, ctx, &a->doc->files[j]);
}

/* Every part, in order, into ctx. */
static int feed_all(const struct arc_sig *a, EVP_MD_CTX *ctx, xmlNodePtr ats, const struct c14n_method *cm, char *why,
		    size_t whylen)
{
	xmlNodePtr c, parts[3];
	size_t i;
	int rc;

	for (c = sx_first_elem(a->si); c; c = sx_next_elem(c)) {
		if (!sx_is(c, NS_DS, "Reference"))
			continue;
		rc = feed_ref(a, ctx, c, cm, why, whylen);
		if (rc != 0)
			return rc;
	}
	parts[0] = a->si;
	parts[1] = a->sv;
	parts[2] = a->ki; /* KeyInfo, if present */
	for (i = 0; i < 3; i++) {
		rc = parts[i] ? feed_xml(a, ctx, parts[i], cm) : 0;
		if (rc != 0)
			goto xml;
	}
	for (c = sx_first_elem(a->usp); c && c != ats; c = sx_next_elem(c)) {
		rc = feed_xml(a, ctx, c, cm);
		if (rc != 0)
			goto xml;
	}
	for (c = sx_first_elem(a->sig); c; c = sx_next_elem(c)) {
		if (!sx_is(c, NS_DS, "Object") || sx_child(c, NS_XADES, "QualifyingProperties"))
			continue;
		rc = feed_xml(a, ctx, c, cm);
		if (rc != 0)
			goto xml;
	}
	return 0;
xml:
	if (rc > 0)
		snprintf(why, whylen, "cannot canonicalize the data it covers");
	return rc;
}

int arc_digest(const struct arc_sig *a, xmlNodePtr ats, const struct c14n_method *cm, const EVP_MD *md,
	       unsigned char *out, unsigned *outlen, char *why, size_t whylen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = 1;

	snprintf(why, whylen, "cannot digest the data it covers");
	if (!ctx || EVP_DigestInit_ex(ctx, md, NULL) != 1)
		goto out;
	rc = feed_all(a, ctx, ats, cm, why, whylen);
	if (rc == 0 && EVP_DigestFinal_ex(ctx, out, outlen) != 1)
		rc = 1;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* The certificates an archive time-stamp's TSA may chain through: the
 * signature's, and those of xadesv141:TimeStampValidationData (as DSS and
 * DigiDoc4j write them). The certificates are owned by the new stack. */
static STACK_OF(X509) * tsa_pool(const struct arc_sig *a)
{
	STACK_OF(X509) *p = sk_X509_new_null();
	xmlNodePtr c, cv, x;
	int i;

	for (i = 0; p && a->pool && i < sk_X509_num(a->pool); i++)
		if (X509_up_ref(sk_X509_value(a->pool, i)) == 1 && !sk_X509_push(p, sk_X509_value(a->pool, i)))
			X509_free(sk_X509_value(a->pool, i));
	for (c = sx_first_elem(a->usp); p && c; c = sx_next_elem(c)) {
		if (!sx_is(c, NS_XADES141, "TimeStampValidationData"))
			continue;
		cv = sx_child(c, NS_XADES, "CertificateValues");
		for (x = sx_first_elem(cv); x && sk_X509_num(p) < 256; x = sx_next_elem(x)) {
			char *s = sx_is(x, NS_XADES, "EncapsulatedX509Certificate") ? sx_text(x) : NULL;
			X509 *cert = s ? cr_x509_from_b64(s) : NULL;

			free(s);
			if (cert && !sk_X509_push(p, cert))
				X509_free(cert);
		}
	}
	return p;
}

/* One archive time-stamp, its TSA validated at `at`: 0 valid (info
 * filled); -1 a budget ran out; 1 dropped (why says so). */
static int check_one(const struct arc_sig *a, xmlNodePtr ats, STACK_OF(X509) * pool, time_t at, struct ts_info *info,
		     char *why, size_t whylen)
{
	xmlNodePtr cm = sx_child(ats, NS_DS, "CanonicalizationMethod");
	xmlNodePtr et = sx_child(ats, NS_XADES, "EncapsulatedTimeStamp");
	struct c14n_method m = {XML_C14N_1_0, 0};
	unsigned char dg[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned dlen = 0;
	size_t len = 0;
	const EVP_MD *md;
	char *s;
	int rc = 1;

	if (cm && (sx_c14n_method(sx_attr(cm, "Algorithm"), &m) != 0 || sx_child(cm, NS_EXC, "InclusiveNamespaces"))) {
		snprintf(why, whylen, "unsupported canonicalization");
		return 1;
	}
	s = et ? sx_text(et) : NULL;
	der = s ? b64_decode_new(s, &len) : NULL;
	free(s);
	md = der ? pki_ts_imprint_md(der, len) : NULL;
	if (!md) {
		snprintf(why, whylen, "no readable EncapsulatedTimeStamp");
		goto out;
	}
	rc = arc_digest(a, ats, &m, md, dg, &dlen, why, whylen);
	if (rc == 0) {
		const struct ts_data d = {NULL, 0, dg, dlen, at};

		rc = pki_check_ts_at(der, len, &d, a->trust, pool, info, why, whylen) == TS_OUT_OK ? 0 : 1;
	}
out:
	free(der);
	return rc;
}

static void dropped(const struct arc_sig *a, xmlNodePtr ats, const char *why)
{
	char msg[400];
	const char *id = sx_attr(ats, "Id");

	snprintf(msg, sizeof(msg), "archive time-stamp %s%s%sdropped: %s", id ? "\"" : "", id ? id : "",
		 id ? "\" " : "", why);
	a->warn(a->arg, msg);
}

int arc_check(const struct arc_sig *a, struct arc_result *out)
{
	xmlNodePtr list[ARC_MAX], c;
	STACK_OF(X509) *pool = NULL;
	time_t at = a->now;
	size_t n = 0, i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (c = sx_first_elem(a->usp); c; c = sx_next_elem(c)) {
		if (!is_ats(c))
			continue;
		if (++out->present > ARC_MAX)
			continue;
		if (sx_is(c, NS_XADES, "ArchiveTimeStamp"))
			dropped(a, c, "the XAdES 1.3.2 form is not supported");
		else
			list[n++] = c;
	}
	if (out->present > ARC_MAX)
		a->warn(a->arg, "more than 16 archive time-stamps: the later ones were not checked");
	if (!n)
		return 0;
	pool = tsa_pool(a);
	/* newest first: each valid one is proof of existence for all before it */
	for (i = n; i-- > 0;) {
		struct ts_info info;
		char why[300];
		int got = check_one(a, list[i], pool, at, &info, why, sizeof(why));

		if (got < 0) {
			rc = -1;
			break;
		}
		if (got > 0) {
			dropped(a, list[i], why);
			continue;
		}
		out->valid++;
		out->poe = at = info.gen_time;
		snprintf(out->tsa, sizeof(out->tsa), "%s", info.tsa);
	}
	sk_X509_pop_free(pool, X509_free);
	return rc;
}
