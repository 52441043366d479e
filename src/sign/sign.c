/* sign.c — XAdES baseline B/T/LT signatures and the PKCS#12 signer. See
 * sign.h.
 *
 * The signature file is written as text from one template (render()), and
 * every digest is taken over that same text parsed back: the SignedProperties
 * and SignedInfo are canonicalized (C14N 1.1) inside the document they will
 * live in, so their inherited namespaces are exactly what a verifier sees.
 */
#include "sign/sign.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "core/base64.h"
#include "core/buf.h"
#include "sign/archive.h"
#include "sign/crl.h"
#include "sign/internal.h"
#include "sign/net.h"
#include "sign/pki.h"

struct pfile {
	char *uri;    /* percent-encoded name */
	char *digest; /* base64 SHA-256 of the bytes */
	char *mime;
};

struct edoc_pending {
	char id[32];
	X509 *cert;
	STACK_OF(X509) * chain;
	int keytype;
	const EVP_MD *md;
	struct pfile *files;
	size_t nfiles;
	char *cert_b64;
	char *cert_digest;
	char signing_time[32];
	char *sp_digest;
	struct buf signed_info; /* canonical SignedInfo */
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned dlen;
};

static void xml_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			buf_puts(b, "&amp;");
		else if (*s == '<')
			buf_puts(b, "&lt;");
		else if (*s == '>')
			buf_puts(b, "&gt;");
		else if (*s == '"')
			buf_puts(b, "&quot;");
		else
			buf_putc(b, *s);
	}
}

/* The whole signature file. sigval and unsig may be NULL. */
static int render(const struct edoc_pending *p, const char *sigval, const char *unsig, struct buf *b)
{
	const char *id = p->id;
	size_t i;

	buf_reset(b);
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
	buf_puts(b, "<asic:XAdESSignatures xmlns:asic=\"" NS_ASIC "\" xmlns:ds=\"" NS_DS "\" xmlns:xades=\"" NS_XADES
		    "\">");
	buf_printf(b, "<ds:Signature Id=\"%s\"><ds:SignedInfo>", id);
	buf_puts(b, "<ds:CanonicalizationMethod Algorithm=\"" URI_C14N11 "\"/>");
	buf_printf(b, "<ds:SignatureMethod Algorithm=\"%s\"/>", cr_sigmethod_uri(p->keytype, p->md));
	for (i = 0; i < p->nfiles; i++) {
		buf_printf(b, "<ds:Reference Id=\"%s-RefId%zu\" URI=\"", id, i);
		xml_escape(b, p->files[i].uri);
		buf_printf(b,
			   "\"><ds:DigestMethod Algorithm=\"" URI_SHA256
			   "\"/><ds:DigestValue>%s</ds:DigestValue></ds:Reference>",
			   p->files[i].digest);
	}
	buf_printf(b,
		   "<ds:Reference Id=\"%s-RefId%zu\" Type=\"" URI_SP_TYPE
		   "\" URI=\"#%s-SignedProperties\"><ds:Transforms><ds:Transform Algorithm=\"" URI_C14N11
		   "\"/></ds:Transforms><ds:DigestMethod Algorithm=\"" URI_SHA256
		   "\"/><ds:DigestValue>%s</ds:DigestValue></ds:Reference>",
		   id, p->nfiles, id, p->sp_digest ? p->sp_digest : "");
	buf_printf(b, "</ds:SignedInfo><ds:SignatureValue Id=\"%s-SIG\">%s</ds:SignatureValue>", id,
		   sigval ? sigval : "");
	buf_printf(b,
		   "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate>"
		   "</ds:X509Data></ds:KeyInfo>",
		   p->cert_b64);
	buf_printf(b, "<ds:Object><xades:QualifyingProperties Target=\"#%s\">", id);
	buf_printf(b, "<xades:SignedProperties Id=\"%s-SignedProperties\">", id);
	buf_printf(b, "<xades:SignedSignatureProperties><xades:SigningTime>%s</xades:SigningTime>", p->signing_time);
	buf_printf(b,
		   "<xades:SigningCertificateV2><xades:Cert><xades:CertDigest>"
		   "<ds:DigestMethod Algorithm=\"" URI_SHA256 "\"/><ds:DigestValue>%s"
		   "</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificateV2>",
		   p->cert_digest);
	buf_puts(b, "</xades:SignedSignatureProperties><xades:SignedDataObjectProperties>");
	for (i = 0; i < p->nfiles; i++) {
		buf_printf(b, "<xades:DataObjectFormat ObjectReference=\"#%s-RefId%zu\"><xades:MimeType>", id, i);
		xml_escape(b, p->files[i].mime);
		buf_puts(b, "</xades:MimeType></xades:DataObjectFormat>");
	}
	buf_puts(b, "</xades:SignedDataObjectProperties></xades:SignedProperties>");
	if (unsig)
		buf_printf(b,
			   "<xades:UnsignedProperties><xades:UnsignedSignatureProperties>%s"
			   "</xades:UnsignedSignatureProperties></xades:UnsignedProperties>",
			   unsig);
	buf_puts(b, "</xades:QualifyingProperties></ds:Object></ds:Signature>"
		    "</asic:XAdESSignatures>\n");
	return buf_ok(b) ? 0 : -1;
}

/* Parses rendered text and canonicalizes the element with the given Id
 * (C14N 1.1) into out. */
static int c14n_by_id(const struct buf *text, const char *ns, const char *name, struct buf *out, struct err *e)
{
	struct c14n_method m = {XML_C14N_1_1, 0};
	xmlDocPtr x;
	xmlNodePtr cur;
	int rc = -1;

	x = sx_parse(text->data, text->len, e);
	if (!x)
		return -1;
	/* walk the document for the first element of that name */
	cur = xmlDocGetRootElement(x);
	while (cur) {
		if (sx_is(cur, ns, name))
			break;
		if (cur->children && cur->type == XML_ELEMENT_NODE) {
			cur = cur->children;
			continue;
		}
		while (cur && !cur->next)
			cur = cur->parent;
		if (cur)
			cur = cur->next;
	}
	buf_reset(out);
	if (!cur || sx_c14n(cur, &m, NULL, out) != 0)
		err_set(e, ERR_INTERNAL, "cannot canonicalize %s", name);
	else
		rc = 0;
	xmlFreeDoc(x);
	return rc;
}

static char *b64_digest(const EVP_MD *md, const void *p, size_t n)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (cr_digest(md, p, n, d, &len) != 0)
		return NULL;
	return b64_encode_new(d, len);
}

static char *cert_b64(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	char *s;

	if (n <= 0)
		return NULL;
	s = b64_encode_new(der, (size_t)n);
	OPENSSL_free(der);
	return s;
}

void edoc_pending_free(struct edoc_pending *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nfiles; i++) {
		free(p->files[i].uri);
		free(p->files[i].digest);
		free(p->files[i].mime);
	}
	free(p->files);
	free(p->cert_b64);
	free(p->cert_digest);
	free(p->sp_digest);
	buf_free(&p->signed_info);
	X509_free(p->cert);
	sk_X509_pop_free(p->chain, X509_free);
	free(p);
}

struct edoc_pending *edoc_sign_prepare(const struct edoc *doc, X509 *cert, STACK_OF(X509) * chain,
				       const struct edoc_sign_opts *o, struct err *e)
{
	struct edoc_pending *p = NULL;
	struct buf text = BUF_INIT, c14n = BUF_INIT;
	unsigned char *der = NULL;
	EVP_PKEY *key;
	size_t i;
	int n, ok = 0;

	sx_init();
	buf_init(&text, 64 << 20);
	buf_init(&c14n, 64 << 20);
	if (doc->nfiles == 0) {
		err_set(e, ERR_INTERNAL, "nothing to sign: the container has no data files");
		goto out;
	}
	key = X509_get0_pubkey(cert);
	if (!key || (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)) {
		err_set(e, ERR_INTERNAL, "the certificate's key is neither RSA nor EC");
		goto out;
	}
	if (!cr_has_nonrepudiation(cert)) {
		err_set(e, ERR_INTERNAL,
			"the certificate is not a signing certificate (no nonRepudiation "
			"key usage)");
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto oom;
	buf_init(&p->signed_info, 64 << 20);
	snprintf(p->id, sizeof(p->id), "S%zu", doc->nsigs);
	p->keytype = EVP_PKEY_get_base_id(key);
	p->md = EVP_sha256();
	X509_up_ref(cert);
	p->cert = cert;
	p->chain = sk_X509_new_null();
	if (!p->chain)
		goto oom;
	for (i = 0; chain && i < (size_t)sk_X509_num(chain); i++) {
		X509 *c = sk_X509_value(chain, (int)i);

		X509_up_ref(c);
		sk_X509_push(p->chain, c);
	}
	p->files = calloc(doc->nfiles, sizeof(*p->files));
	if (!p->files)
		goto oom;
	p->nfiles = doc->nfiles;
	for (i = 0; i < doc->nfiles; i++) {
		const struct edoc_entry *f = &doc->files[i];

		p->files[i].uri = edoc_uri_encode(f->name);
		p->files[i].digest = b64_digest(p->md, f->data, f->len);
		p->files[i].mime = strdup(f->mime ? f->mime : edoc_guess_mime(f->name));
		if (!p->files[i].uri || !p->files[i].digest || !p->files[i].mime)
			goto oom;
	}
	p->cert_b64 = cert_b64(cert);
	n = i2d_X509(cert, &der);
	p->cert_digest = n > 0 ? b64_digest(p->md, der, (size_t)n) : NULL;
	if (!p->cert_b64 || !p->cert_digest)
		goto oom;
	sx_format_time(o && o->signing_time ? o->signing_time : time(NULL), p->signing_time);

	/* the SignedProperties digest, then the canonical SignedInfo */
	if (render(p, NULL, NULL, &text) != 0)
		goto oom;
	if (c14n_by_id(&text, NS_XADES, "SignedProperties", &c14n, e) != 0)
		goto out;
	p->sp_digest = b64_digest(p->md, c14n.data, c14n.len);
	if (!p->sp_digest || render(p, NULL, NULL, &text) != 0)
		goto oom;
	if (c14n_by_id(&text, NS_DS, "SignedInfo", &p->signed_info, e) != 0)
		goto out;
	if (cr_digest(p->md, p->signed_info.data, p->signed_info.len, p->digest, &p->dlen) != 0)
		goto oom;
	ok = 1;
	goto out;
oom:
	err_set(e, ERR_INTERNAL, "out of memory");
out:
	OPENSSL_free(der);
	buf_free(&text);
	buf_free(&c14n);
	if (!ok) {
		edoc_pending_free(p);
		p = NULL;
	}
	return p;
}

const unsigned char *edoc_pending_digest(const struct edoc_pending *p, size_t *len, const EVP_MD **md)
{
	*len = p->dlen;
	if (md)
		*md = p->md;
	return p->digest;
}

STACK_OF(X509) *
    edoc_signer_chain(const struct edoc_trust *t, const struct edoc_trust *cas, X509 *cert, time_t at, struct err *e)
{
	STACK_OF(X509) *chain = NULL;
	X509 *leaf;
	int err = 0;

	if (!t || edoc_trust_count(t) == 0) {
		err_set(e, ERR_INTERNAL, "this portal trusts no certification authority");
		return NULL;
	}
	if (pki_verify_chain(t, cert, cas ? cas->anchors : NULL, at, 0, &chain, &err, NULL) != 0) {
		err_set(e, ERR_INTERNAL, "not issued by a certification authority this portal trusts (%s)",
			X509_verify_cert_error_string(err));
		return NULL;
	}
	leaf = sk_X509_shift(chain);
	X509_free(leaf);
	return chain;
}

/* ---- the time-stamp ---- */

/* An RFC 3161 token over the SHA-256 digest d (of the data `what` names),
 * base64; checked against d before it is used. */
static char *get_timestamp(const struct edoc_sign_opts *o, const unsigned char *d, unsigned dlen, struct err *e)
{
	TS_REQ *req = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_INTEGER *nonce = NULL;
	TS_RESP *resp = NULL;
	struct buf answer = BUF_INIT;
	unsigned char rnd[8], *der = NULL, *tok = NULL;
	const unsigned char *q;
	const struct ts_data data = {NULL, 0, d, dlen, 0};
	struct ts_info info;
	char why[300], *out = NULL;
	int n, tn;
	BIGNUM *bn = NULL;

	if (!o->tsa_url) {
		err_set(e, ERR_INTERNAL, "profile T and LT need a time-stamping service (--tsa URL)");
		goto out;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto fail;
	rnd[0] &= 0x7f;
	req = TS_REQ_new();
	mi = TS_MSG_IMPRINT_new();
	alg = X509_ALGOR_new();
	bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
	nonce = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	if (!req || !mi || !alg || !nonce)
		goto fail;
	X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
	if (!TS_MSG_IMPRINT_set_algo(mi, alg) || !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)d, (int)dlen) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) || !TS_REQ_set_nonce(req, nonce) ||
	    !TS_REQ_set_cert_req(req, 1))
		goto fail;
	n = i2d_TS_REQ(req, &der);
	if (n <= 0)
		goto fail;
	if (net_post(o->tsa_url, "application/timestamp-query", der, (size_t)n, &answer, e) != 0)
		goto out;
	q = (const unsigned char *)answer.data;
	resp = d2i_TS_RESP(NULL, &q, (long)answer.len);
	if (!resp) {
		err_set(e, ERR_INTERNAL, "%.120s did not answer with a time-stamp response", o->tsa_url);
		goto out;
	}
	{
		long st = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
		TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);

		if ((st != TS_STATUS_GRANTED && st != TS_STATUS_GRANTED_WITH_MODS) || !tst ||
		    !TS_RESP_get_token(resp)) {
			err_set(e, ERR_INTERNAL, "the time-stamping service refused (status %ld)", st);
			goto out;
		}
		if (!TS_TST_INFO_get_nonce(tst) || ASN1_INTEGER_cmp(TS_TST_INFO_get_nonce(tst), nonce) != 0) {
			err_set(e, ERR_INTERNAL, "the time-stamp does not carry our nonce");
			goto out;
		}
	}
	tn = i2d_PKCS7(TS_RESP_get_token(resp), &tok);
	if (tn <= 0)
		goto fail;
	/* signed and over our data; its TSA is judged by verifiers' trust */
	switch (pki_ts_imprint_md(tok, (size_t)tn) != EVP_sha256()
		    ? TS_OUT_IMPRINT
		    : pki_check_ts_at(tok, (size_t)tn, &data, NULL, NULL, &info, why, sizeof(why))) {
	case TS_OUT_OK:
	case TS_OUT_UNTRUSTED: break;
	default: err_set(e, ERR_INTERNAL, "time-stamp from %.120s: %s", o->tsa_url, why); goto out;
	}
	out = b64_encode_new(tok, (size_t)tn);
	goto out;
fail:
	err_set(e, ERR_INTERNAL, "cannot build or read the time-stamp request");
out:
	BN_free(bn);
	OPENSSL_free(tok);
	OPENSSL_free(der);
	TS_RESP_free(resp);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	buf_free(&answer);
	ERR_clear_error();
	return out;
}

/* ---- revocation data for LT ---- */

static X509 *find_issuer(struct edoc_pending *p, const struct edoc_sign_opts *o, struct err *e)
{
	X509 *iss = pki_find_issuer(NULL, p->chain, p->cert);

	if (iss) {
		X509_up_ref(iss);
		return iss;
	}
	iss = o->cert_urls_public ? net_fetch_issuer_public(p->cert, e) : net_fetch_issuer(p->cert, e);
	if (iss && X509_check_issued(iss, p->cert) != X509_V_OK) {
		err_set(e, ERR_INTERNAL, "the CA certificate fetched does not issue the signing certificate");
		X509_free(iss);
		iss = NULL;
	}
	if (iss) {
		X509_up_ref(iss);
		sk_X509_push(p->chain, iss);
	}
	return iss;
}

/* The OCSP response about the signing certificate (base64), or, when it
 * names no responder, *crl: its CA's CRL (base64); NULL and *crl NULL on error. */
static char *get_ocsp(struct edoc_pending *p, const struct edoc_sign_opts *o, X509 *issuer, char **crl, struct err *e)
{
	struct ocsp_info info;
	unsigned char *der = NULL;
	char why[300], *url = NULL, *out = NULL;
	size_t n = 0;

	*crl = NULL;
	url = o->ocsp_url ? strdup(o->ocsp_url) : net_aia_url(p->cert, 1);
	if (!url) {
		/* no responder: its CA's CRL, as DigiDoc4j embeds it */
		*crl = crl_for_signing(p->cert, issuer, o->cert_urls_public, e);
		goto out;
	}
	if (!o->ocsp_url && o->cert_urls_public)
		der = net_ocsp_fetch_public(p->cert, issuer, url, 1, &n, e);
	else
		der = net_ocsp_fetch(p->cert, issuer, url, 1, &n, e);
	if (!der)
		goto out;
	if (pki_check_ocsp(der, n, p->cert, issuer, NULL, p->chain, &info, why, sizeof(why)) != OCSP_OUT_OK) {
		err_set(e, ERR_INTERNAL, "%s", why);
		goto out;
	}
	if (info.status == V_OCSP_CERTSTATUS_REVOKED) {
		err_set(e, ERR_INTERNAL, "the signing certificate is revoked");
		goto out;
	}
	if (info.status != V_OCSP_CERTSTATUS_GOOD) {
		err_set(e, ERR_INTERNAL, "the OCSP responder does not know the signing certificate");
		goto out;
	}
	out = b64_encode_new(der, n);
out:
	free(der);
	free(url);
	return out;
}

int edoc_sign_complete(struct edoc *doc, struct edoc_pending *p, const unsigned char *sigval, size_t len,
		       const struct edoc_sign_opts *o, struct err *e)
{
	static const struct edoc_sign_opts defaults = {EDOC_PROFILE_B, NULL, NULL, 0, 0};
	struct buf text = BUF_INIT, c14n = BUF_INIT, unsig = BUF_INIT;
	char *sv = NULL, *ts = NULL, *ocsp = NULL, *crl = NULL, *name = NULL;
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	X509 *issuer = NULL;
	int rc = -1, i;

	if (!o)
		o = &defaults;
	buf_init(&text, 64 << 20);
	buf_init(&c14n, 64 << 20);
	buf_init(&unsig, 16 << 20);
	if (doc->nfiles != p->nfiles) {
		err_set(e, ERR_INTERNAL, "the container changed while it was being signed");
		goto out;
	}
	/* Some signers hand ECDSA values over DER-encoded; XMLDSig wants r||s. */
	if (EVP_PKEY_get_base_id(X509_get0_pubkey(p->cert)) == EVP_PKEY_EC && len > 8 && sigval[0] == 0x30 &&
	    (size_t)sigval[1] + 2 == len) {
		raw = cr_ecdsa_der_to_raw(X509_get0_pubkey(p->cert), sigval, len, &rawlen);
		if (raw) {
			sigval = raw;
			len = rawlen;
		}
	}
	if (cr_verify(X509_get0_pubkey(p->cert), p->md, p->keytype, p->signed_info.data, p->signed_info.len, sigval,
		      len) != 1) {
		err_set(e, ERR_INTERNAL, "the signature value does not match the certificate");
		goto out;
	}
	sv = b64_encode_new(sigval, len);
	if (!sv || render(p, sv, NULL, &text) != 0)
		goto oom;
	if (o->profile >= EDOC_PROFILE_LT) {
		/* before the time-stamp: a certificate whose issuer cannot be
		 * found does not spend the time-stamp service's quota */
		issuer = find_issuer(p, o, e);
		if (!issuer)
			goto out;
	}
	if (o->profile >= EDOC_PROFILE_T) {
		unsigned char d[EVP_MAX_MD_SIZE];
		unsigned dlen = 0;

		if (c14n_by_id(&text, NS_DS, "SignatureValue", &c14n, e) != 0)
			goto out;
		if (cr_digest(EVP_sha256(), c14n.data, c14n.len, d, &dlen) != 0)
			goto oom;
		ts = get_timestamp(o, d, dlen, e);
		if (!ts)
			goto out;
		buf_printf(&unsig,
			   "<xades:SignatureTimeStamp Id=\"%s-T0\"><ds:CanonicalizationMethod "
			   "Algorithm=\"" URI_C14N11 "\"/><xades:EncapsulatedTimeStamp>%s"
			   "</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>",
			   p->id, ts);
	}
	if (o->profile >= EDOC_PROFILE_LT) {
		ocsp = get_ocsp(p, o, issuer, &crl, e);
		if (!ocsp && !crl)
			goto out;
		buf_puts(&unsig, "<xades:CertificateValues>");
		for (i = 0; i < sk_X509_num(p->chain); i++) {
			X509 *c = sk_X509_value(p->chain, i);
			char *b;

			if (X509_check_issued(c, c) == X509_V_OK || X509_cmp(c, p->cert) == 0)
				continue; /* roots come from the verifier's trust */
			b = cert_b64(c);
			if (!b)
				goto oom;
			buf_printf(&unsig,
				   "<xades:EncapsulatedX509Certificate Id=\"%s-CA-CERT%d\">%s"
				   "</xades:EncapsulatedX509Certificate>",
				   p->id, i, b);
			free(b);
		}
		if (ocsp)
			buf_printf(&unsig,
				   "</xades:CertificateValues><xades:RevocationValues><xades:OCSPValues>"
				   "<xades:EncapsulatedOCSPValue Id=\"%s-N0\">%s</xades:EncapsulatedOCSPValue>"
				   "</xades:OCSPValues></xades:RevocationValues>",
				   p->id, ocsp);
		else
			buf_printf(&unsig,
				   "</xades:CertificateValues><xades:RevocationValues><xades:CRLValues>"
				   "<xades:EncapsulatedCRLValue Id=\"%s-CRL0\">%s</xades:EncapsulatedCRLValue>"
				   "</xades:CRLValues></xades:RevocationValues>",
				   p->id, crl);
	}
	if (!buf_ok(&unsig) || render(p, sv, o->profile >= EDOC_PROFILE_T ? unsig.data : NULL, &text) != 0)
		goto oom;
	name = edoc_next_sigfile_name(doc);
	if (!name)
		goto oom;
	if (edoc_add_sigfile(doc, name, text.data, text.len, e) != 0)
		goto out;
	if (o->profile >= EDOC_PROFILE_LTA && edoc_extend_lta(doc, doc->nsigs - 1, o, e) != 0)
		goto out;
	rc = 0;
	goto out;
oom:
	err_set(e, ERR_INTERNAL, "out of memory");
out:
	X509_free(issuer);
	free(raw);
	free(name);
	free(sv);
	free(ts);
	free(ocsp);
	free(crl);
	buf_free(&text);
	buf_free(&c14n);
	buf_free(&unsig);
	return rc;
}

int edoc_sign(struct edoc *doc, struct edoc_signer *s, const struct edoc_sign_opts *o, struct err *e)
{
	struct edoc_pending *p;
	const unsigned char *dg;
	const EVP_MD *md;
	unsigned char *sig = NULL;
	size_t dlen, slen = 0;
	int rc = -1;

	p = edoc_sign_prepare(doc, s->cert, s->chain, o, e);
	if (!p)
		return -1;
	dg = edoc_pending_digest(p, &dlen, &md);
	if (s->sign(s, md, dg, dlen, &sig, &slen, e) != 0)
		goto out;
	rc = edoc_sign_complete(doc, p, sig, slen, o, e);
out:
	free(sig);
	edoc_pending_free(p);
	return rc;
}

/* ---- archive time-stamps (LTA) ---- */

static int no_charge(void *arg, size_t n)
{
	(void)arg;
	(void)n;
	return 0;
}

static void no_warn(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* The SHA-256 digest of what the last archive time-stamp of text covers,
 * or (last 0) of what a new one would. */
static int ats_digest(const struct edoc *doc, const char *text, size_t len, int last, unsigned char *d, unsigned *dlen,
		      struct err *e)
{
	static const struct c14n_method m = {XML_C14N_1_1, 0};
	struct arc_sig a = {.doc = doc, .charge = no_charge, .warn = no_warn};
	xmlNodePtr ats = NULL, c;
	xmlDocPtr x;
	char why[300];
	int rc = -1;

	x = sx_parse(text, len, e);
	if (!x)
		return -1;
	if (arc_sig_find(x, &a) != 0) {
		err_set(e, ERR_BAD_REQUEST,
			"the signature has no unsigned properties: an archive time-stamp "
			"needs an LT signature");
		goto out;
	}
	for (c = sx_first_elem(a.usp); last && c; c = sx_next_elem(c))
		if (sx_is(c, NS_XADES141, "ArchiveTimeStamp"))
			ats = c;
	if ((last && !ats) || arc_digest(&a, ats, &m, EVP_sha256(), d, dlen, why, sizeof(why)) != 0) {
		err_set(e, ERR_BAD_REQUEST, "archive time-stamp: %s", last && !ats ? "not found" : why);
		goto out;
	}
	rc = 0;
out:
	xmlFreeDoc(x);
	return rc;
}

/* text with the archive time-stamp element inserted before the closing tag
 * of its UnsignedSignatureProperties (the last one in the file). */
static int insert_ats(const char *text, size_t len, const char *sigid, const char *tok, struct buf *out, struct err *e)
{
	const char *close = NULL, *p, *q;
	char id[96], needle[128];
	int k;

	for (p = text; (p = strstr(p, "UnsignedSignatureProperties>")) != NULL; p++) {
		q = p;
		if (q > text && q[-1] == ':')
			for (q--; q > text && (isalnum((unsigned char)q[-1]) || strchr("_-.", q[-1])); q--)
				;
		if (q - text >= 2 && q[-1] == '/' && q[-2] == '<')
			close = q - 2;
	}
	if (!close) {
		err_set(e, ERR_BAD_REQUEST, "cannot find the end of the unsigned signature properties");
		return -1;
	}
	for (k = 0; k < 1000; k++) {
		snprintf(id, sizeof(id), "%.60s-ATS%d", sigid, k);
		snprintf(needle, sizeof(needle), "Id=\"%s\"", id);
		if (!strstr(text, needle))
			break;
	}
	buf_reset(out);
	buf_append(out, text, (size_t)(close - text));
	buf_printf(out,
		   "<xades141:ArchiveTimeStamp xmlns:xades141=\"" NS_XADES141 "\" Id=\"%s\">"
		   "<ds:CanonicalizationMethod xmlns:ds=\"" NS_DS "\" Algorithm=\"" URI_C14N11 "\"/>"
		   "<xades:EncapsulatedTimeStamp xmlns:xades=\"" NS_XADES "\">%s</xades:EncapsulatedTimeStamp>"
		   "</xades141:ArchiveTimeStamp>",
		   id, tok);
	buf_append(out, close, len - (size_t)(close - text));
	if (!buf_ok(out)) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return -1;
	}
	return 0;
}

int edoc_extend_lta(struct edoc *doc, size_t sigfile, const struct edoc_sign_opts *o, struct err *e)
{
	unsigned char d[EVP_MAX_MD_SIZE], d2[EVP_MAX_MD_SIZE];
	unsigned dlen = 0, d2len = 0;
	struct buf text = BUF_INIT;
	char *tok = NULL, *src = NULL, sigid[64] = "S";
	struct edoc_entry *f;
	unsigned char *copy;
	int rc = -1;

	if (sigfile >= doc->nsigs) {
		err_set(e, ERR_BAD_REQUEST, "no such signature file");
		return -1;
	}
	f = &doc->sigs[sigfile];
	buf_init(&text, f->len + (1 << 20));
	src = malloc(f->len + 1);
	if (!src) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(src, f->data, f->len);
	src[f->len] = '\0';
	if (ats_digest(doc, src, f->len, 0, d, &dlen, e) != 0)
		goto out;
	tok = get_timestamp(o, d, dlen, e);
	if (!tok)
		goto out;
	{
		const char *sig = strstr(src, "Signature Id=\"");

		if (sig)
			snprintf(sigid, sizeof(sigid), "%.*s", (int)strcspn(sig + 14, "\""), sig + 14);
	}
	if (insert_ats(src, f->len, sigid, tok, &text, e) != 0)
		goto out;
	/* what the new file's last archive time-stamp covers must be what was
	 * time-stamped */
	if (ats_digest(doc, text.data, text.len, 1, d2, &d2len, e) != 0)
		goto out;
	if (d2len != dlen || memcmp(d, d2, dlen) != 0) {
		err_set(e, ERR_INTERNAL, "the archive time-stamp does not cover the signature as written");
		goto out;
	}
	copy = malloc(text.len + 1); /* NUL-terminated, as every entry */
	if (!copy) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(copy, text.data, text.len);
	copy[text.len] = '\0';
	free(f->data);
	f->data = copy;
	f->len = text.len;
	rc = 0;
out:
	free(src);
	free(tok);
	buf_free(&text);
	return rc;
}

/* ---- signers ---- */

X509 *edoc_signer_cert(const struct edoc_signer *s)
{
	return s->cert;
}

void edoc_signer_free(struct edoc_signer *s)
{
	if (!s)
		return;
	if (s->release)
		s->release(s);
	X509_free(s->cert);
	sk_X509_pop_free(s->chain, X509_free);
	free(s);
}

static int p12_sign(struct edoc_signer *s, const EVP_MD *md, const unsigned char *dg, size_t dlen, unsigned char **out,
		    size_t *outlen, struct err *e)
{
	EVP_PKEY *key = s->impl;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	unsigned char *sig = NULL, *raw;
	size_t n = 0;
	int rc = -1;

	if (!ctx || EVP_PKEY_sign_init(ctx) != 1 || EVP_PKEY_CTX_set_signature_md(ctx, md) != 1 ||
	    (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) ||
	    EVP_PKEY_sign(ctx, NULL, &n, dg, dlen) != 1) {
		err_set(e, ERR_INTERNAL, "signing with the PKCS#12 key failed");
		goto out;
	}
	sig = malloc(n);
	if (!sig || EVP_PKEY_sign(ctx, sig, &n, dg, dlen) != 1) {
		err_set(e, ERR_INTERNAL, "signing with the PKCS#12 key failed");
		goto out;
	}
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
		raw = cr_ecdsa_der_to_raw(key, sig, n, &n);
		free(sig);
		sig = raw;
		if (!sig) {
			err_set(e, ERR_INTERNAL, "bad ECDSA signature");
			goto out;
		}
	}
	*out = sig;
	*outlen = n;
	sig = NULL;
	rc = 0;
out:
	free(sig);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

static void p12_release(struct edoc_signer *s)
{
	EVP_PKEY_free(s->impl);
	s->impl = NULL;
}

struct edoc_signer *edoc_signer_p12(const char *path, const char *password, struct err *e)
{
	struct edoc_signer *s = NULL;
	unsigned char *data = NULL;
	const unsigned char *q;
	PKCS12 *p12 = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *ca = NULL;
	size_t n;

	data = edoc_read_file(path, 1 << 20, &n, e);
	if (!data)
		goto out;
	q = data;
	p12 = d2i_PKCS12(NULL, &q, (long)n);
	if (!p12) {
		err_set(e, ERR_INTERNAL, "%s: not a PKCS#12 file", path);
		goto out;
	}
	if (PKCS12_parse(p12, password ? password : "", &key, &cert, &ca) != 1 || !key || !cert) {
		err_set(e, ERR_INTERNAL, "%s: wrong password, or no key and certificate inside", path);
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1) {
		err_set(e, ERR_INTERNAL, "%s: the key does not belong to the certificate", path);
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	s->cert = cert;
	s->chain = ca ? ca : sk_X509_new_null();
	s->impl = key;
	s->sign = p12_sign;
	s->release = p12_release;
	cert = NULL;
	ca = NULL;
	key = NULL;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	if (data)
		OPENSSL_cleanse(data, n);
	free(data);
	ERR_clear_error();
	return s;
}
