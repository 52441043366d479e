/* evidence.c — the certificates inside a signature's OCSP responses and
 * time-stamp tokens, and the record of its unsigned evidence. See
 * evidence.h; the checks that use them are in verify.c. */
#include "sign/evidence.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "core/arena.h"
#include "sign/internal.h"

static int in_pool(STACK_OF(X509) * pool, X509 *x)
{
	int i;

	for (i = 0; i < sk_X509_num(pool); i++)
		if (X509_cmp(sk_X509_value(pool, i), x) == 0)
			return 1;
	return 0;
}

/* Adds the certificates of from not yet in pool, at most EV_MAX_CERTS_EACH
 * of them. */
static int add_new(STACK_OF(X509) * pool, const STACK_OF(X509) * from)
{
	int i, added = 0;

	for (i = 0; from && i < sk_X509_num(from) && added < EV_MAX_CERTS_EACH; i++) {
		X509 *x = sk_X509_value(from, i);

		if (in_pool(pool, x) || !X509_up_ref(x))
			continue;
		if (!sk_X509_push(pool, x)) {
			X509_free(x);
			break;
		}
		added++;
	}
	return added;
}

/* The certificates of a DER OCSP response (its BasicOCSPResponse). */
static int from_ocsp(STACK_OF(X509) * pool, const unsigned char *der, size_t n)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)n);
	OCSP_BASICRESP *bs = resp ? OCSP_response_get1_basic(resp) : NULL;
	int added = bs ? add_new(pool, OCSP_resp_get0_certs(bs)) : 0;

	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	return added;
}

/* The certificates of a DER time-stamp token (CMS SignedData). */
static int from_token(STACK_OF(X509) * pool, const unsigned char *der, size_t n)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
	STACK_OF(X509) *certs = cms ? CMS_get1_certs(cms) : NULL;
	int added = add_new(pool, certs);

	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	return added;
}

static int is_timestamp(const xmlNode *n)
{
	return sx_is(n, NS_XADES, "SignatureTimeStamp") || sx_is(n, NS_XADES, "ArchiveTimeStamp") ||
	       sx_is(n, NS_XADES141, "ArchiveTimeStamp");
}

int ev_collect_certs(xmlNodePtr usp, STACK_OF(X509) * pool)
{
	xmlNodePtr c, rv, ov, et;
	int added = 0, nts = 0, nocsp = 0;
	unsigned char *der;
	size_t len;

	for (c = sx_first_elem(usp); c && nts < EV_MAX_ITEMS; c = sx_next_elem(c)) {
		if (!is_timestamp(c))
			continue;
		nts++;
		et = sx_child(c, NS_XADES, "EncapsulatedTimeStamp");
		der = et ? sx_b64(et, &len) : NULL;
		if (der)
			added += from_token(pool, der, len);
		free(der);
	}
	rv = usp ? sx_child(usp, NS_XADES, "RevocationValues") : NULL;
	ov = rv ? sx_child(rv, NS_XADES, "OCSPValues") : NULL;
	for (c = sx_first_elem(ov); c && nocsp < EV_MAX_ITEMS; c = sx_next_elem(c)) {
		if (!sx_is(c, NS_XADES, "EncapsulatedOCSPValue"))
			continue;
		nocsp++;
		der = sx_b64(c, &len);
		if (der)
			added += from_ocsp(pool, der, len);
		free(der);
	}
	ERR_clear_error();
	return added;
}

struct edoc_evidence *ev_record(struct arena *mem, struct edoc_sig_result *r, enum edoc_ev_kind kind,
				enum edoc_ev_drop drop, time_t t, const char *by, const char *why)
{
	struct edoc_evidence *v, *e;
	size_t n = r->nevidence;

	/* capacity doubles (4, 8, 16...); the items are capped by EV_MAX_ITEMS */
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		v = arena_alloc(mem, (n ? 2 * n : 4) * sizeof(*v));
		if (!v)
			return NULL;
		if (n)
			memcpy(v, r->evidence, n * sizeof(*v));
		r->evidence = v;
	}
	e = &r->evidence[r->nevidence++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->drop = drop;
	e->time = t;
	e->by = by && *by ? arena_strdup(mem, by) : NULL;
	e->why = why ? arena_strdup(mem, why) : NULL;
	return e;
}

const char *ev_kind_name(enum edoc_ev_kind k)
{
	switch (k) {
	case EDOC_EV_TIMESTAMP: return "time-stamp";
	case EDOC_EV_OCSP: return "OCSP response";
	default: return "certificate value";
	}
}

const char *ev_drop_name(enum edoc_ev_drop d)
{
	switch (d) {
	case EDOC_DROP_NONE: return NULL;
	case EDOC_DROP_MALFORMED: return "malformed";
	case EDOC_DROP_BAD_SIGNATURE: return "bad_signature";
	case EDOC_DROP_OTHER_DATA: return "other_data";
	case EDOC_DROP_OTHER_CERT: return "other_certificate";
	case EDOC_DROP_UNTRUSTED: return "untrusted";
	default: return "too_many";
	}
}
