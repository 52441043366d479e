/* crl.c — CRLs and the revocation of CA certificates. See crl.h. */
#include "sign/crl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "core/base64.h"
#include "sign/internal.h"
#include "sign/net.h"
#include "sign/pki.h"

#define SKEW (15 * 60) /* tolerated clock difference, seconds (as verify.c) */

static enum crl_outcome why_set(char *why, size_t n, enum crl_outcome o, const char *msg)
{
	snprintf(why, n, "%s", msg);
	return o;
}

/* 0 when the CRL is complete and direct, and may list cert; else the reason. */
static const char *unsupported(X509_CRL *crl, X509 *cert)
{
	ISSUING_DIST_POINT *idp;
	int crit = -1, i;
	const char *bad = NULL;

	if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0)
		return "a delta CRL (not supported)";
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit, NULL);
	if (!idp && crit >= 0)
		return "its issuing distribution point cannot be read";
	if (idp && idp->indirectCRL)
		bad = "an indirect CRL (not supported)";
	else if (idp && idp->onlysomereasons)
		bad = "a CRL for some reasons only (not supported)";
	else if (idp && idp->onlyCA && !X509_check_ca(cert))
		bad = "a CRL of CA certificates only";
	else if (idp && idp->onlyuser && X509_check_ca(cert))
		bad = "a CRL of end-entity certificates only";
	else if (idp && idp->onlyattr)
		bad = "a CRL of attribute certificates only";
	ISSUING_DIST_POINT_free(idp);
	for (i = 0; !bad && i < X509_CRL_get_ext_count(crl); i++) {
		X509_EXTENSION *x = X509_CRL_get_ext(crl, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(x));

		if (X509_EXTENSION_get_critical(x) && nid != NID_issuing_distribution_point)
			bad = "it has an unknown critical extension";
	}
	return bad;
}

/* The entry for cert, if listed: its date and whether it is a hold. */
static void find_entry(X509_CRL *crl, X509 *cert, struct crl_info *info)
{
	X509_REVOKED *rev = NULL;
	ASN1_ENUMERATED *reason;

	if (X509_CRL_get0_by_cert(crl, &rev, cert) != 1 || !rev)
		return;
	reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);
	if (reason && ASN1_ENUMERATED_get(reason) == CRL_REASON_REMOVE_FROM_CRL) {
		ASN1_ENUMERATED_free(reason);
		return; /* only meaningful in a delta CRL: not listed */
	}
	info->revoked = 1;
	info->hold = reason && ASN1_ENUMERATED_get(reason) == CRL_REASON_CERTIFICATE_HOLD;
	ASN1_ENUMERATED_free(reason);
	if (cr_asn1_time(X509_REVOKED_get0_revocationDate(rev), &info->revoked_at) != 0)
		info->revoked_at = 0;
}

/* Freshness (EN 319 102-1 §5.2.5, the maximum age being the CRL's own
 * nextUpdate - thisUpdate): the CRL covers `at` when it was issued after
 * it, or was the current CRL then. */
static enum crl_outcome covers(const struct crl_info *info, time_t at, time_t now, char *why, size_t whylen)
{
	if (info->this_update > now + SKEW)
		return why_set(why, whylen, CRL_OUT_FORMAT, "the CRL was issued in the future");
	if (info->this_update + SKEW >= at)
		return CRL_OUT_OK;
	if (info->next_update && at <= info->next_update + SKEW)
		return CRL_OUT_OK;
	return why_set(why, whylen, CRL_OUT_STALE,
		       info->next_update ? "the CRL's nextUpdate is before the signature time (stale)"
					 : "the CRL has no nextUpdate and was issued before the signature time");
}

enum crl_outcome crl_check(const unsigned char *der, size_t n, X509 *cert, X509 *issuer, time_t at, time_t now,
			   struct crl_info *info, char *why, size_t whylen)
{
	const unsigned char *p = der;
	X509_CRL *crl = NULL;
	const ASN1_TIME *nu;
	const char *bad;
	enum crl_outcome out;

	memset(info, 0, sizeof(*info));
	if (n > CRL_MAX_BYTES)
		return why_set(why, whylen, CRL_OUT_FORMAT, "the CRL is larger than 8 MiB");
	crl = d2i_X509_CRL(NULL, &p, (long)n);
	if (!crl || p != der + n) {
		out = why_set(why, whylen, CRL_OUT_FORMAT, "not a DER CRL");
		goto out;
	}
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) != 0 ||
	    X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
		out = why_set(why, whylen, CRL_OUT_NO_MATCH, "a CRL of another issuer");
		goto out;
	}
	if (sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) > CRL_MAX_ENTRIES) {
		out = why_set(why, whylen, CRL_OUT_FORMAT, "the CRL has too many entries");
		goto out;
	}
	bad = unsupported(crl, cert);
	if (bad) {
		snprintf(why, whylen, "the CRL is %s", bad);
		out = CRL_OUT_FORMAT;
		goto out;
	}
	if ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) && !(X509_get_key_usage(issuer) & KU_CRL_SIGN)) {
		out = why_set(why, whylen, CRL_OUT_BAD_SIG, "the CRL's issuer may not sign CRLs");
		goto out;
	}
	if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
		out = why_set(why, whylen, CRL_OUT_BAD_SIG, "the CRL's signature does not verify with its CA's key");
		goto out;
	}
	nu = X509_CRL_get0_nextUpdate(crl);
	if (cr_asn1_time(X509_CRL_get0_lastUpdate(crl), &info->this_update) != 0 ||
	    (nu && cr_asn1_time(nu, &info->next_update) != 0)) {
		out = why_set(why, whylen, CRL_OUT_FORMAT, "the CRL's update times cannot be read");
		goto out;
	}
	out = covers(info, at, now, why, whylen);
	if (out == CRL_OUT_OK)
		find_entry(crl, cert, info);
out:
	X509_CRL_free(crl);
	ERR_clear_error();
	return out;
}

char *crl_dp_url(X509 *cert)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	char *url = NULL;
	int i, j;

	for (i = 0; dps && i < sk_DIST_POINT_num(dps) && !url; i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		GENERAL_NAMES *names = dp->distpoint && dp->distpoint->type == 0 ? dp->distpoint->name.fullname : NULL;

		if (dp->reasons || dp->CRLissuer)
			continue; /* partitioned or indirect: not supported */
		for (j = 0; names && j < sk_GENERAL_NAME_num(names) && !url; j++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(names, j);
			const ASN1_IA5STRING *s = g->type == GEN_URI ? g->d.uniformResourceIdentifier : NULL;
			size_t n = s ? (size_t)ASN1_STRING_length(s) : 0;

			if (n > 7 && n < 2048 && strncmp((const char *)ASN1_STRING_get0_data(s), "http://", 7) == 0 &&
			    !memchr(ASN1_STRING_get0_data(s), '\0', n))
				url = strndup((const char *)ASN1_STRING_get0_data(s), n);
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	ERR_clear_error();
	return url;
}

static void say(const struct rev_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const struct rev_ctx *c, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (!c->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->warn(c->arg, msg);
}
/* Merges one answer into r: anyone may add unsigned values, so a valid
 * answer that the certificate is revoked wins over one that it is good
 * (an older CRL must not hide a later revocation), and the earliest
 * revocation date over a later one. Returns 1. */
static int merge(struct rev_result *r, enum rev_state st, time_t revoked_at, const char *source)
{
	static const int rank[] = {[REV_UNKNOWN] = 0, [REV_GOOD] = 1, [REV_HOLD] = 2, [REV_REVOKED] = 3};

	if (rank[st] > rank[r->state] || (st == r->state && st != REV_GOOD && revoked_at < r->revoked_at)) {
		r->state = st;
		r->revoked_at = revoked_at;
		snprintf(r->source, sizeof(r->source), "%s", source);
	}
	return 1;
}

/* One CRL applied to r; 1 when it said something about the certificate. */
static int apply(const struct rev_ctx *c, const unsigned char *der, size_t n, X509 *cert, X509 *issuer,
		 const char *source, struct rev_result *r)
{
	struct crl_info info;
	char why[300];
	enum crl_outcome o = crl_check(der, n, cert, issuer, c->at, c->now, &info, why, sizeof(why));

	if (o == CRL_OUT_NO_MATCH)
		return 0;
	if (o != CRL_OUT_OK) {
		say(c, "a CRL (%.200s) was not used: %s", source, why);
		snprintf(r->why, sizeof(r->why), "%s", why);
		return 0;
	}
	return merge(r, !info.revoked ? REV_GOOD : info.hold ? REV_HOLD : REV_REVOKED, info.revoked_at, source);
}

typedef int (*rev_apply)(const struct rev_ctx *c, const unsigned char *der, size_t n, X509 *cert, X509 *issuer,
			 const char *source, struct rev_result *r);

/* Each embedded value RevocationValues/list/elem (base64 DER, at most
 * CRL_MAX_BYTES) given to use, every one (see merge); 1 when one said
 * something about the certificate. */
static int embedded(const struct rev_ctx *c, const char *list, const char *elem, rev_apply use, X509 *cert,
		    X509 *issuer, struct rev_result *r)
{
	xmlNodePtr rv = c->usp ? sx_child(c->usp, NS_XADES, "RevocationValues") : NULL;
	xmlNodePtr lv = rv ? sx_child(rv, NS_XADES, list) : NULL;
	xmlNodePtr e;
	int done = 0;

	for (e = sx_first_elem(lv); e; e = sx_next_elem(e)) {
		char *s;
		unsigned char *der;
		size_t n = 0;

		if (!sx_is(e, NS_XADES, elem))
			continue;
		s = sx_text(e);
		der = s && strlen(s) <= CRL_MAX_BYTES / 3 * 4 + 4096 ? b64_decode_new(s, &n) : NULL;
		free(s);
		if (!der) {
			say(c, "an embedded xades:%s was not used: not valid base64 or larger than 8 MiB", elem);
			continue;
		}
		done |= use(c, der, n, cert, issuer, "embedded", r);
		free(der);
	}
	return done;
}

/* The embedded xades:CRLValues. */
static int embedded_crls(const struct rev_ctx *c, X509 *cert, X509 *issuer, struct rev_result *r)
{
	return embedded(c, "CRLValues", "EncapsulatedCRLValue", apply, cert, issuer, r);
}

/* The CRL at cert's distribution point, when online. */
static int fetched_crl(const struct rev_ctx *c, X509 *cert, X509 *issuer, struct rev_result *r)
{
	struct err e = {0};
	char *url;
	unsigned char *der;
	size_t n = 0;
	int done = 0;

	if (!c->online)
		return 0;
	url = crl_dp_url(cert);
	if (!url)
		return 0;
	der = net_crl_fetch(url, !c->any_address, c->max ? c->max : CRL_MAX_BYTES,
			    c->timeout > 0 ? c->timeout : CRL_FETCH_TIMEOUT, &n, &e);
	if (!der) {
		say(c, "CRL: %.300s", e.msg);
		snprintf(r->why, sizeof(r->why), "the CRL could not be fetched");
	} else {
		done = apply(c, der, n, cert, issuer, url, r);
		if (done)
			say(c, "revocation status fetched online from %.120s", url);
	}
	free(der);
	free(url);
	return done;
}

void crl_status(const struct rev_ctx *c, X509 *cert, X509 *issuer, struct rev_result *r)
{
	memset(r, 0, sizeof(*r));
	if (!issuer) {
		snprintf(r->why, sizeof(r->why), "the issuer of the certificate is unknown");
		return;
	}
	if (embedded_crls(c, cert, issuer, r) || fetched_crl(c, cert, issuer, r))
		return;
	r->state = REV_UNKNOWN;
}

/* An OCSP response (DER) about ca applied to r; 1 when it decided r. */
static int apply_ocsp(const struct rev_ctx *c, const unsigned char *der, size_t n, X509 *ca, X509 *issuer,
		      const char *source, struct rev_result *r)
{
	struct ocsp_info info;
	char why[300];

	if (pki_check_ocsp(der, n, ca, issuer, c->trust, c->pool, &info, why, sizeof(why)) != OCSP_OUT_OK)
		return 0;
	if (info.status == V_OCSP_CERTSTATUS_UNKNOWN)
		return 0;
	return merge(r, info.status == V_OCSP_CERTSTATUS_GOOD ? REV_GOOD : REV_REVOKED, info.revoked_at, source);
}

/* ca's OCSP responder (its AIA), when online. */
static int fetched_ocsp(const struct rev_ctx *c, X509 *ca, X509 *issuer, struct rev_result *r)
{
	struct err e = {0};
	char *url = c->online ? net_aia_url(ca, 1) : NULL;
	unsigned char *der;
	size_t n = 0;
	int done = 0;

	if (!url)
		return 0;
	der = net_ocsp_fetch_within(ca, issuer, url, !c->any_address, c->timeout > 0 ? c->timeout : CRL_FETCH_TIMEOUT,
				    &n, &e);
	if (der)
		done = apply_ocsp(c, der, n, ca, issuer, url, r);
	else
		say(c, "online OCSP: %.300s", e.msg);
	free(der);
	free(url);
	return done;
}

void crl_chain_status(const struct rev_ctx *c, STACK_OF(X509) * chain, struct rev_result *r, int *which)
{
	int i, n = sk_X509_num(chain);

	memset(r, 0, sizeof(*r));
	r->state = REV_GOOD;
	*which = -1;
	for (i = 1; i + 1 < n; i++) {
		X509 *ca = sk_X509_value(chain, i), *issuer = sk_X509_value(chain, i + 1);
		struct rev_result one;
		char *cn;

		if (pki_is_anchor(c->trust, ca))
			break; /* an anchor is trusted as such, and so is what is above it */
		memset(&one, 0, sizeof(one));
		if (!embedded(c, "OCSPValues", "EncapsulatedOCSPValue", apply_ocsp, ca, issuer, &one) &&
		    !embedded_crls(c, ca, issuer, &one) && !fetched_ocsp(c, ca, issuer, &one) &&
		    !fetched_crl(c, ca, issuer, &one))
			one.state = REV_UNKNOWN;
		cn = cr_name_entry(X509_get_subject_name(ca), NID_commonName);
		if (one.state == REV_UNKNOWN)
			say(c, "no revocation information for the CA certificate \"%.200s\"%s", cn ? cn : "?",
			    c->online ? "" : " (checking online is off)");
		free(cn);
		if (one.state == REV_REVOKED || one.state == REV_HOLD) {
			*r = one;
			*which = i;
			return;
		}
	}
}

char *crl_for_signing(X509 *cert, X509 *issuer, int public, struct err *e)
{
	char *url = crl_dp_url(cert), *out = NULL;
	unsigned char *der = NULL;
	struct crl_info info;
	char why[300];
	size_t n = 0;
	time_t now = time(NULL);

	if (!url) {
		err_set(e, ERR_INTERNAL,
			"the certificate names no OCSP responder and no http CRL distribution point: "
			"give --ocsp URL");
		return NULL;
	}
	der = net_crl_fetch(url, public, CRL_MAX_BYTES, CRL_FETCH_TIMEOUT, &n, e);
	if (!der)
		goto out;
	if (crl_check(der, n, cert, issuer, now, now, &info, why, sizeof(why)) != CRL_OUT_OK) {
		err_set(e, ERR_INTERNAL, "%.120s: %s", url, why);
		goto out;
	}
	if (info.revoked) {
		err_set(e, ERR_INTERNAL, "the signing certificate is %s", info.hold ? "suspended" : "revoked");
		goto out;
	}
	out = b64_encode_new(der, n);
	if (!out)
		err_set(e, ERR_INTERNAL, "out of memory");
out:
	free(der);
	free(url);
	return out;
}
