/* pki.c — trust anchors, path validation, OCSP responses, time-stamp tokens.
 * See pki.h. */
#include "sign/pki.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "sign/internal.h"
#include "sign/tsl.h"

struct edoc_trust *edoc_trust_new(void)
{
	struct edoc_trust *t = calloc(1, sizeof(*t));

	if (t)
		t->anchors = sk_X509_new_null();
	if (t && !t->anchors) {
		free(t);
		t = NULL;
	}
	return t;
}

void edoc_trust_free(struct edoc_trust *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nwhen; i++)
		free(t->when[i].v);
	free(t->when);
	sk_X509_pop_free(t->anchors, X509_free);
	sk_X509_pop_free(t->list_signers, X509_free);
	tsl_free_lists(t);
	free(t);
}

/* At most this many periods per anchor (a service's status history). */
#define MAX_PERIODS 256

static int add_period(struct anchor_when *w, const struct tsl_period *p)
{
	struct tsl_period *v;

	if (w->always)
		return 0;
	if (w->n >= MAX_PERIODS)
		return -1;
	v = realloc(w->v, (w->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	v[w->n++] = *p;
	w->v = v;
	return 0;
}

int pki_add_anchor(struct edoc_trust *t, X509 *x, const struct tsl_period *p)
{
	int i, n = sk_X509_num(t->anchors);
	struct anchor_when *w;
	unsigned char fp[32];
	unsigned fplen = 0;

	if (X509_digest(x, EVP_sha256(), fp, &fplen) != 1 || fplen != sizeof(fp))
		return -1;
	for (i = 0; (size_t)i < t->nwhen; i++)
		if (memcmp(t->when[i].fp, fp, sizeof(fp)) == 0)
			break;
	if ((size_t)i == t->nwhen) {
		i = n;
		if ((size_t)n >= t->when_cap) {
			size_t cap = (size_t)n + 16 > 2 * t->when_cap ? (size_t)n + 16 : 2 * t->when_cap;

			w = realloc(t->when, cap * sizeof(*w));
			if (!w)
				return -1;
			memset(w + t->when_cap, 0, (cap - t->when_cap) * sizeof(*w));
			t->when = w;
			t->when_cap = cap;
		}
		if (!X509_up_ref(x))
			return -1;
		if (!sk_X509_push(t->anchors, x)) {
			X509_free(x);
			return -1;
		}
		for (; t->nwhen < (size_t)i; t->nwhen++) { /* pushed to anchors directly */
			memset(&t->when[t->nwhen], 0, sizeof(t->when[0]));
			t->when[t->nwhen].always = 1;
		}
		memset(&t->when[i], 0, sizeof(t->when[i]));
		memcpy(t->when[i].fp, fp, sizeof(fp));
		t->nwhen = (size_t)i + 1;
	}
	w = &t->when[i];
	if (!p) {
		free(w->v);
		w->v = NULL;
		w->n = 0;
		w->always = 1;
		return 0;
	}
	return add_period(w, p);
}

X509 *pki_anchor_by_der(const struct edoc_trust *t, const unsigned char *der, size_t n)
{
	unsigned char fp[EVP_MAX_MD_SIZE];
	unsigned fplen = 0;
	int i;

	if (cr_digest(EVP_sha256(), der, n, fp, &fplen) != 0 || fplen != sizeof(t->when[0].fp))
		return NULL;
	for (i = 0; i < sk_X509_num(t->anchors) && (size_t)i < t->nwhen; i++)
		if (memcmp(t->when[i].fp, fp, fplen) == 0)
			return sk_X509_value(t->anchors, i);
	return NULL;
}

int pki_anchor_usable(const struct edoc_trust *t, int i, time_t at)
{
	const struct anchor_when *w;
	size_t k;

	if (!t || i < 0 || i >= sk_X509_num(t->anchors))
		return 0;
	if ((size_t)i >= t->nwhen)
		return 1;
	w = &t->when[i];
	if (w->always)
		return 1;
	for (k = 0; k < w->n; k++)
		if (w->v[k].from <= at && (w->v[k].to == 0 || at < w->v[k].to))
			return 1;
	return 0;
}

size_t edoc_trust_count(const struct edoc_trust *t)
{
	return t ? (size_t)sk_X509_num(t->anchors) : 0;
}

int edoc_trust_add_pem(struct edoc_trust *t, const void *p, size_t n, struct err *e)
{
	BIO *b = BIO_new_mem_buf(p, (int)n);
	X509 *x;
	int added = 0;

	if (!b) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return -1;
	}
	for (x = PEM_read_bio_X509(b, NULL, NULL, NULL); x; x = PEM_read_bio_X509(b, NULL, NULL, NULL)) {
		int rc = pki_add_anchor(t, x, NULL);

		X509_free(x);
		if (rc != 0)
			break;
		added++;
	}
	BIO_free(b);
	ERR_clear_error();
	if (!added) {
		x = cr_x509_from_der(p, n);
		if (x && pki_add_anchor(t, x, NULL) == 0)
			added++;
		X509_free(x);
	}
	if (!added) {
		err_set(e, ERR_BAD_REQUEST, "no certificate found");
		return -1;
	}
	return 0;
}

int edoc_trust_add_file(struct edoc_trust *t, const char *path, struct err *e)
{
	struct err fe = {0};
	unsigned char *p;
	size_t n;
	int rc;

	if (tsl_is_dir(path))
		return tsl_add_dir(t, path, e);
	p = edoc_read_file(path, TSL_MAX_FILE, &n, e);
	if (!p)
		return -1;
	if (tsl_sniff(p, n)) {
		rc = tsl_add(t, path, p, n, e);
		free(p);
		return rc;
	}
	rc = edoc_trust_add_pem(t, p, n, &fe);
	if (rc != 0)
		err_set(e, ERR_BAD_REQUEST, "%s: %s", path, fe.msg);
	free(p);
	return rc;
}

int pki_is_anchor(const struct edoc_trust *t, X509 *x)
{
	int i;

	for (i = 0; t && i < sk_X509_num(t->anchors); i++)
		if (X509_cmp(sk_X509_value(t->anchors, i), x) == 0)
			return 1;
	return 0;
}

/* Path-validation errors in the order they matter: no path at all first,
 * then a broken signature, constraints, and last the validity periods. */
static int err_rank(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED: return 5;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE: return 4;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID: return 1;
	default: return 3;
	}
}

struct vstate {
	const struct edoc_trust *t;
	int err, rank;
	X509 *cert;
};

static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct vstate *st = X509_STORE_CTX_get_app_data(ctx);
	int err = X509_STORE_CTX_get_error(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);

	if (ok)
		return 1;
	if ((err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID) && cur &&
	    pki_is_anchor(st->t, cur))
		return 1; /* RFC 5280 6.1.1 d: an anchor is a name and a key */
	if (err_rank(err) > st->rank) {
		st->rank = err_rank(err);
		st->err = err;
		st->cert = cur;
	}
	return 1; /* go on, to find the most telling error */
}

/* The certificates of pool that can be on a path up from leaf: each one's
 * key verifies the signature of a certificate below it. OpenSSL takes the
 * first certificate whose name and key identifier fit, so a look-alike
 * appended to a signature's unsigned properties would otherwise hide the
 * real issuer and make a valid signature untrusted. At most PATH_MAX_DEPTH
 * levels; NULL when out of memory. */
#define PATH_MAX_DEPTH 8
/* At most this many signature checks per pool: a stranger's look-alikes
 * (the issuer's name and key identifier, any key) each cost one. */
#define PATH_MAX_CHECKS 512

/* Whether c's key is one a CA could have: an RSA key of at most 8192 bits
 * with a public exponent of at most 32 bits (a 3072-bit exponent makes one
 * check cost a full private-key operation), or another kind. */
static int sane_key(X509 *c)
{
	EVP_PKEY *k = X509_get0_pubkey(c);
	BIGNUM *e = NULL;
	int ok;

	if (!k)
		return 0;
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA_PSS)
		return 1;
	ok = EVP_PKEY_get_bits(k) <= 8192 && EVP_PKEY_get_bn_param(k, "e", &e) == 1 && BN_num_bits(e) <= 32;
	BN_free(e);
	return ok;
}

/* Whether c's key signed below, c being named as below's issuer (and may be
 * tried: *checks counts the signature checks left). */
static int signed_by(X509 *c, X509 *below, int *checks)
{
	if (*checks <= 0 || !sane_key(c))
		return 0;
	(*checks)--;
	return X509_verify(below, X509_get0_pubkey(c)) == 1;
}

static STACK_OF(X509) * issuing_pool(X509 *leaf, STACK_OF(X509) * pool)
{
	STACK_OF(X509) *out = sk_X509_new_null();
	int from = 0, depth, i, j, checks = PATH_MAX_CHECKS;

	if (!out || sk_X509_push(out, leaf) <= 0) {
		sk_X509_free(out);
		return NULL;
	}
	for (depth = 0; depth < PATH_MAX_DEPTH && from < sk_X509_num(out); depth++) {
		int to = sk_X509_num(out);

		for (; from < to; from++) {
			X509 *below = sk_X509_value(out, from);

			for (i = 0; pool && i < sk_X509_num(pool); i++) {
				X509 *c = sk_X509_value(pool, i);

				if (X509_check_issued(c, below) != X509_V_OK)
					continue; /* first: most are not, and it costs no pool walk */
				for (j = 0; j < sk_X509_num(out) && sk_X509_value(out, j) != c; j++)
					;
				if (j == sk_X509_num(out) && signed_by(c, below, &checks) &&
				    sk_X509_push(out, c) <= 0) {
					sk_X509_free(out);
					return NULL;
				}
			}
		}
	}
	ERR_clear_error();
	(void)sk_X509_shift(out); /* the leaf itself */
	return out;
}

/* Whether anchor a is named as the subject or issuer of leaf or of one of
 * the untrusted certificates: the only trusted-list anchors a path from leaf
 * can end at (partial chains), so that a store holds a handful, not the EU's
 * thousands (adding 5000 cost seconds per path). */
static int names_one(X509 *a, X509 *leaf, STACK_OF(X509) * untrusted)
{
	const X509_NAME *s = X509_get_subject_name(a);
	int i;

	if (X509_NAME_cmp(s, X509_get_issuer_name(leaf)) == 0 || X509_NAME_cmp(s, X509_get_subject_name(leaf)) == 0)
		return 1;
	for (i = 0; i < sk_X509_num(untrusted); i++) {
		X509 *c = sk_X509_value(untrusted, i);

		if (X509_NAME_cmp(s, X509_get_issuer_name(c)) == 0 || X509_NAME_cmp(s, X509_get_subject_name(c)) == 0)
			return 1;
	}
	return 0;
}

int pki_verify_chain(const struct edoc_trust *t, X509 *leaf, STACK_OF(X509) * untrusted, time_t at, int purpose,
		     STACK_OF(X509) * *chain, int *err, X509 **err_cert)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	struct vstate st = {t, X509_V_OK, 0, NULL};
	STACK_OF(X509) *path_pool = issuing_pool(leaf, untrusted);
	int i, rc = -1, ok;

	*err = X509_V_ERR_UNSPECIFIED;
	if (err_cert)
		*err_cert = NULL;
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx || !path_pool)
		goto out;
	for (i = 0; t && i < sk_X509_num(t->anchors); i++)
		if (pki_anchor_usable(t, i, at) && ((size_t)i >= t->nwhen || t->when[i].always ||
						    names_one(sk_X509_value(t->anchors, i), leaf, untrusted)))
			X509_STORE_add_cert(store, sk_X509_value(t->anchors, i));
	X509_STORE_set_verify_cb(store, verify_cb);
	if (X509_STORE_CTX_init(ctx, store, leaf, path_pool) != 1)
		goto out;
	X509_STORE_CTX_set_app_data(ctx, &st);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_CTX_set_time(ctx, 0, at);
	if (purpose)
		X509_STORE_CTX_set_purpose(ctx, purpose);
	ok = X509_verify_cert(ctx);
	if (ok == 1 && st.rank == 0) {
		*err = X509_V_OK;
		if (chain)
			*chain = X509_STORE_CTX_get1_chain(ctx);
		rc = 0;
	} else {
		*err = st.rank ? st.err : X509_STORE_CTX_get_error(ctx);
		if (err_cert)
			*err_cert = st.rank ? st.cert : X509_STORE_CTX_get_current_cert(ctx);
		if (*err == X509_V_OK)
			*err = X509_V_ERR_UNSPECIFIED;
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(path_pool);
	ERR_clear_error();
	return rc;
}

X509 *pki_find_issuer(const struct edoc_trust *t, STACK_OF(X509) * pool, X509 *x)
{
	int i, checks = PATH_MAX_CHECKS;

	for (i = 0; pool && i < sk_X509_num(pool); i++) {
		X509 *c = sk_X509_value(pool, i);

		/* the key must have made x's signature: a certificate appended to
		 * the unsigned properties with the issuer's name and key identifier
		 * cannot stand in for it */
		if (c != x && X509_check_issued(c, x) == X509_V_OK && signed_by(c, x, &checks))
			return c;
	}
	ERR_clear_error();
	for (i = 0; t && i < sk_X509_num(t->anchors); i++) {
		X509 *c = sk_X509_value(t->anchors, i);

		if (X509_check_issued(c, x) == X509_V_OK)
			return c;
	}
	return NULL;
}

void pki_chain_verdict(int err, int leaf, enum edoc_indication *ind, enum edoc_subindication *sub)
{
	*ind = EDOC_INDETERMINATE;
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE: /* a same-named CA with another key */
		*sub = EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND;
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED: *sub = EDOC_SUB_OUT_OF_BOUNDS_NO_POE; break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		if (leaf) {
			*ind = EDOC_TOTAL_FAILED;
			*sub = EDOC_SUB_NOT_YET_VALID;
		} else {
			*sub = EDOC_SUB_OUT_OF_BOUNDS_NO_POE;
		}
		break;
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_INVALID_PURPOSE:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_INVALID_EXTENSION:
	case X509_V_ERR_INVALID_POLICY_EXTENSION:
	case X509_V_ERR_NO_EXPLICIT_POLICY:
	case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
	case X509_V_ERR_INVALID_NON_CA:
	case X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_PERMITTED_VIOLATION:
	case X509_V_ERR_EXCLUDED_VIOLATION:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK: *sub = EDOC_SUB_CHAIN_CONSTRAINTS_FAILURE; break;
	default: *sub = EDOC_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE;
	}
}

static void subject_cn(X509 *x, char *out, size_t n)
{
	char *cn = x ? cr_name_entry(X509_get_subject_name(x), NID_commonName) : NULL;

	snprintf(out, n, "%s", cn ? cn : "(unnamed)");
	free(cn);
}

/* ---- OCSP ---- */

static int has_eku_ocsp(X509 *x)
{
	return (X509_get_extension_flags(x) & EXFLAG_XKUSAGE) && (X509_get_extended_key_usage(x) & XKU_OCSP_SIGN);
}

static int valid_at(X509 *x, time_t at)
{
	time_t nb, na;

	if (cr_asn1_time(X509_get0_notBefore(x), &nb) != 0 || cr_asn1_time(X509_get0_notAfter(x), &na) != 0)
		return 0;
	return nb <= at && at <= na;
}

/* The response's signature with exactly this signer's key. */
static int ocsp_signature_ok(OCSP_BASICRESP *bs, X509 *signer)
{
	STACK_OF(X509) *only = sk_X509_new_null();
	X509_STORE *empty = X509_STORE_new();
	int ok = 0;

	if (only && empty && sk_X509_push(only, signer))
		ok = OCSP_basic_verify(bs, only, empty, OCSP_NOINTERN | OCSP_NOVERIFY) == 1;
	sk_X509_free(only);
	X509_STORE_free(empty);
	ERR_clear_error();
	return ok;
}

enum ocsp_outcome pki_check_ocsp(const unsigned char *der, size_t n, X509 *cert, X509 *issuer,
				 const struct edoc_trust *t, STACK_OF(X509) * pool, struct ocsp_info *info, char *why,
				 size_t whylen)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_SINGLERESP *single = NULL;
	OCSP_CERTID *mine = NULL;
	STACK_OF(X509) *candidates = NULL;
	X509 *signer = NULL;
	enum ocsp_outcome rc = OCSP_OUT_FORMAT;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int i, reason, idx;

	memset(info, 0, sizeof(*info));
	snprintf(why, whylen, "OCSP response: malformed");
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)n);
	if (!resp || p != der + n)
		goto out;
	if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(why, whylen, "OCSP response: status %s", OCSP_response_status_str(OCSP_response_status(resp)));
		goto out;
	}
	bs = OCSP_response_get1_basic(resp);
	if (!bs)
		goto out;
	if (cr_asn1_gtime(OCSP_resp_get0_produced_at(bs), &info->produced_at) != 0)
		goto out;
	/* the single response about this certificate */
	rc = OCSP_OUT_NO_MATCH;
	snprintf(why, whylen, "OCSP response is not about the signing certificate");
	for (i = 0; issuer && i < OCSP_resp_count(bs); i++) {
		OCSP_SINGLERESP *sr = OCSP_resp_get0(bs, i);
		const OCSP_CERTID *cid = OCSP_SINGLERESP_get0_id(sr);
		ASN1_OBJECT *mdobj = NULL;
		const EVP_MD *md;

		if (!cid || OCSP_id_get0_info(NULL, &mdobj, NULL, NULL, (OCSP_CERTID *)cid) != 1)
			continue;
		md = EVP_get_digestbyobj(mdobj);
		if (!md)
			continue;
		OCSP_CERTID_free(mine);
		mine = OCSP_cert_to_id(md, cert, issuer);
		if (mine && OCSP_id_cmp(mine, cid) == 0) {
			single = sr;
			break;
		}
	}
	if (!single)
		goto out;
	/* who signed it, and does the signature hold */
	candidates = sk_X509_new_null();
	if (!candidates)
		goto out;
	for (i = 0; pool && i < sk_X509_num(pool); i++)
		sk_X509_push(candidates, sk_X509_value(pool, i));
	sk_X509_push(candidates, issuer);
	for (i = 0; t && i < sk_X509_num(t->anchors); i++)
		sk_X509_push(candidates, sk_X509_value(t->anchors, i));
	rc = OCSP_OUT_BAD_SIG;
	if (OCSP_resp_get0_signer(bs, &signer, candidates) != 1 || !signer) {
		snprintf(why, whylen, "OCSP response: the responder's certificate is not present");
		rc = OCSP_OUT_UNTRUSTED;
		goto out;
	}
	subject_cn(signer, info->responder, sizeof(info->responder));
	if (ocsp_signature_ok(bs, signer) != 1) {
		snprintf(why, whylen, "OCSP response signature does not verify (responder %s)", info->responder);
		goto out;
	}
	/* RFC 6960 4.2.2.2: the CA itself, a responder it authorized, or one
	 * configured locally as trusted */
	rc = OCSP_OUT_UNTRUSTED;
	if (X509_cmp(signer, issuer) == 0) {
		/* the issuing CA signed it */
	} else if (pki_is_anchor(t, signer)) {
		/* a locally trusted responder */
	} else if (X509_check_issued(issuer, signer) == X509_V_OK &&
		   X509_verify(signer, X509_get0_pubkey(issuer)) == 1 && has_eku_ocsp(signer)) {
		if (!valid_at(signer, info->produced_at)) {
			snprintf(why, whylen,
				 "OCSP responder certificate %s was not valid when the response "
				 "was produced",
				 info->responder);
			goto out;
		}
	} else {
		snprintf(why, whylen,
			 "OCSP responder %s is neither the issuing CA, nor authorized by it, nor "
			 "configured as trusted",
			 info->responder);
		goto out;
	}
	info->status = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
	if (info->status < 0 || !thisupd || cr_asn1_gtime(thisupd, &info->this_update) != 0) {
		snprintf(why, whylen, "OCSP response: malformed single response");
		rc = OCSP_OUT_FORMAT;
		goto out;
	}
	if (rev)
		cr_asn1_gtime(rev, &info->revoked_at);
	idx = OCSP_BASICRESP_get_ext_by_NID(bs, NID_id_pkix_OCSP_Nonce, -1);
	if (idx >= 0) {
		X509_EXTENSION *ext = OCSP_BASICRESP_get_ext(bs, idx);
		ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(ext);
		int len = ASN1_STRING_length(os);

		if (len > 0 && (size_t)len <= sizeof(info->nonce)) {
			memcpy(info->nonce, ASN1_STRING_get0_data(os), (size_t)len);
			info->nonce_len = (size_t)len;
		}
	}
	why[0] = '\0';
	rc = OCSP_OUT_OK;
out:
	sk_X509_free(candidates);
	OCSP_CERTID_free(mine);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	return rc;
}

/* ---- RFC 3161 time-stamp tokens ---- */

const EVP_MD *pki_ts_imprint_md(const unsigned char *der, size_t n)
{
	const unsigned char *p = der;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)n);
	TS_TST_INFO *tst = p7 && p == der + n ? PKCS7_to_TS_TST_INFO(p7) : NULL;
	const EVP_MD *md = NULL;

	if (tst)
		md = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst))->algorithm);
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	ERR_clear_error();
	return md;
}

enum ts_outcome pki_check_ts(const unsigned char *der, size_t n, const void *data, size_t dlen,
			     const struct edoc_trust *t, STACK_OF(X509) * pool, struct ts_info *info, char *why,
			     size_t whylen)
{
	const struct ts_data d = {data, dlen, NULL, 0, 0};

	return pki_check_ts_at(der, n, &d, t, pool, info, why, whylen);
}

enum ts_outcome pki_check_ts_at(const unsigned char *der, size_t n, const struct ts_data *d, const struct edoc_trust *t,
				STACK_OF(X509) * pool, struct ts_info *info, char *why, size_t whylen)
{
	const unsigned char *p = der;
	PKCS7 *p7 = NULL;
	TS_TST_INFO *tst = NULL;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *signers = NULL, *untrusted = NULL, *inner;
	enum ts_outcome rc = TS_OUT_FORMAT;
	unsigned char md_out[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	const ASN1_OCTET_STRING *imprint;
	TS_MSG_IMPRINT *mi;
	const EVP_MD *md;
	X509 *tsa;
	int i, err;

	memset(info, 0, sizeof(*info));
	snprintf(why, whylen, "time-stamp token: malformed");
	p7 = d2i_PKCS7(NULL, &p, (long)n);
	if (!p7 || p != der + n)
		goto out;
	tst = PKCS7_to_TS_TST_INFO(p7);
	if (!tst || cr_asn1_gtime(TS_TST_INFO_get_time(tst), &info->gen_time) != 0)
		goto out;
	p = der;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
	if (!cms)
		goto out;
	rc = TS_OUT_BAD_SIG;
	if (CMS_verify(cms, pool, NULL, NULL, NULL, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
		snprintf(why, whylen, "time-stamp token signature does not verify");
		goto out;
	}
	signers = CMS_get0_signers(cms);
	if (!signers || sk_X509_num(signers) != 1) {
		snprintf(why, whylen, "time-stamp token: expected exactly one signer");
		goto out;
	}
	tsa = sk_X509_value(signers, 0);
	subject_cn(tsa, info->tsa, sizeof(info->tsa));
	/* the imprint: a digest of exactly the data given */
	rc = TS_OUT_IMPRINT;
	mi = TS_TST_INFO_get_msg_imprint(tst);
	md = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(mi)->algorithm);
	imprint = TS_MSG_IMPRINT_get_msg(mi);
	if (d->digest && md && (size_t)EVP_MD_get_size(md) == d->dlen) {
		memcpy(md_out, d->digest, d->dlen);
		mdlen = (unsigned)d->dlen;
	} else if (d->digest || !md || cr_digest(md, d->data, d->len, md_out, &mdlen) != 0) {
		mdlen = 0;
	}
	if (!mdlen || (size_t)ASN1_STRING_length(imprint) != mdlen ||
	    CRYPTO_memcmp(ASN1_STRING_get0_data(imprint), md_out, mdlen) != 0) {
		snprintf(why, whylen, "time-stamp message imprint does not match %s",
			 d->digest ? "the data it covers" : "the signature value");
		goto out;
	}
	/* the TSA's certificate must chain to an anchor at the time-stamp's time */
	rc = TS_OUT_UNTRUSTED;
	untrusted = sk_X509_new_null();
	inner = CMS_get1_certs(cms);
	for (i = 0; pool && i < sk_X509_num(pool); i++)
		sk_X509_push(untrusted, sk_X509_value(pool, i));
	for (i = 0; inner && i < sk_X509_num(inner); i++)
		sk_X509_push(untrusted, sk_X509_value(inner, i));
	if (pki_verify_chain(t, tsa, untrusted, d->at ? d->at : info->gen_time, X509_PURPOSE_TIMESTAMP_SIGN, NULL, &err,
			     NULL) != 0) {
		info->chain_err = err;
		snprintf(why, whylen, "time-stamp authority %s is not trusted (%s)", info->tsa,
			 X509_verify_cert_error_string(err));
		sk_X509_pop_free(inner, X509_free);
		goto out;
	}
	sk_X509_pop_free(inner, X509_free);
	why[0] = '\0';
	rc = TS_OUT_OK;
out:
	sk_X509_free(untrusted);
	sk_X509_free(signers);
	CMS_ContentInfo_free(cms);
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	ERR_clear_error();
	return rc;
}
