/* verify.c — validation of the XAdES signatures of an ASiC-E container, with
 * results in the terms of ETSI EN 319 102-1. See verify.h and the table of
 * checks in docs/signatures.md.
 *
 * The signature XML is parsed once (sx_parse: no DTD, no network) and every
 * digest is computed over the parsed document itself, never over a
 * re-serialization. References resolve by Id among unique Ids, and must land
 * on exactly the data files and on the SignedProperties of the same
 * signature; anything else is a format failure (no signature wrapping).
 * The checks run in an order where a cryptographic failure (TOTAL-FAILED)
 * is always found before a trust problem (INDETERMINATE). The report is
 * rendered in report.c.
 */
#include "sign/verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "core/arena.h"
#include "core/base64.h"
#include "sign/archive.h"
#include "sign/crl.h"
#include "sign/evidence.h"
#include "sign/internal.h"
#include "sign/net.h"
#include "sign/pki.h"

#define SKEW (15 * 60) /* tolerated clock difference, seconds */
#define MAX_SIGS_DEFAULT 1000
#define MAX_HASHED_DEFAULT ((size_t)1 << 30)
#define HASH_CHUNK ((size_t)1 << 20) /* the deadline is looked at between chunks */
#define LATE (24 * 60 * 60)          /* evidence gathered later than this: a warning */

/* A data file's digest, computed once per container and algorithm. */
struct fdigest {
	const struct edoc_entry *file;
	int nid;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len;
};

/* What the signatures of one container share: the budgets and the digests
 * of the data files. */
struct vctx {
	struct edoc_report *rep;
	const struct edoc_verify_opts *o;
	size_t max_sigs, max_hashed;
	size_t nsigs; /* ds:Signature elements met so far */
	int stopped;  /* a budget ran out and the rest was reported as not checked */
	struct fdigest *digests;
	size_t ndigests;
};

/* Everything one signature's validation works with. */
struct vsig {
	struct vctx *cx;
	const struct edoc *doc;
	const struct edoc_verify_opts *o;
	struct edoc_report *rep;
	struct edoc_sig_result *r;
	int decided;
	time_t now;
	xmlNodePtr *ids; /* elements carrying an Id in this file */
	size_t nids;

	xmlNodePtr sig, si, sv, ki, qp, sp, ssp, usp;
	unsigned char *sigval;
	size_t sigval_len;
	const EVP_MD *sig_md;
	int keytype;
	int weak;
	STACK_OF(X509) * kicerts; /* from ds:KeyInfo, in order */
	STACK_OF(X509) * pool;    /* every certificate found: KeyInfo, CertificateValues, then those
				   * inside the OCSP responses and time-stamp tokens (evidence.c) */
	X509 *signer;             /* borrowed from pool */
	char **covered;
	size_t ncovered;
};

static void warn(struct vsig *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* At most this many warnings per signature, then one saying so: a
 * stranger's unsigned values (thousands of junk CRLs) each make one, and
 * the report's arena is shared by every signature of the container. */
#define MAX_WARNINGS 64

static void warn(struct vsig *v, const char *fmt, ...)
{
	struct edoc_sig_result *r = v->r;
	size_t n = r->nwarnings;
	char msg[400];
	char **w;
	va_list ap;

	if (n > MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n == MAX_WARNINGS)
		snprintf(msg, sizeof(msg), "more warnings; not listed");
	/* capacity doubles (4, 8, 16...): copying the list for each warning
	 * was quadratic */
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		w = arena_alloc(v->rep->mem, (n ? 2 * n : 4) * sizeof(*w));
		if (!w)
			return;
		if (n)
			memcpy(w, r->warnings, n * sizeof(*w));
		r->warnings = w;
	}
	r->warnings[n] = arena_strdup(v->rep->mem, msg);
	if (r->warnings[n])
		r->nwarnings++;
}

/* Drops one piece of unsigned evidence: a warning and a record, never a
 * verdict (EN 319 102-1 removes what does not verify from the set; the
 * verdict is what the rest supports). */
static void drop(struct vsig *v, enum edoc_ev_kind kind, enum edoc_ev_drop d, time_t t, const char *by, const char *why)
{
	warn(v, "%s dropped: %s", ev_kind_name(kind), why);
	ev_record(v->rep->mem, v->r, kind, d, t, by, why);
}

/* Records the verdict (the first one stands) and returns -1 so callers can
 * write `return verdict(...)`. */
static int verdict(struct vsig *v, enum edoc_indication ind, enum edoc_subindication sub, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int verdict(struct vsig *v, enum edoc_indication ind, enum edoc_subindication sub, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (v->decided)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->r->ind = ind;
	v->r->sub = sub;
	v->r->reason = arena_strdup(v->rep->mem, msg);
	v->decided = 1;
	return -1;
}

#define FORMAT(v, ...) verdict(v, EDOC_TOTAL_FAILED, EDOC_SUB_FORMAT_FAILURE, __VA_ARGS__)
/* a construct epak does not support: not a reason to call it invalid */
#define UNSUPPORTED(v, ...) verdict(v, EDOC_INDETERMINATE, EDOC_SUB_FORMAT_FAILURE, __VA_ARGS__)

/* ---- budgets ---- */

static int past_deadline(const struct edoc_verify_opts *o)
{
	struct timespec now;

	if (!o->deadline.tv_sec && !o->deadline.tv_nsec)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > o->deadline.tv_sec ||
	       (now.tv_sec == o->deadline.tv_sec && now.tv_nsec >= o->deadline.tv_nsec);
}

static const char *limit_text(const struct vctx *cx, char *buf, size_t n)
{
	switch (cx->rep->limit) {
	case EDOC_LIMIT_SIGNATURES:
		snprintf(buf, n, "not checked: the container holds more than %zu signatures", cx->max_sigs);
		break;
	case EDOC_LIMIT_HASHED:
		snprintf(buf, n, "not checked: the container needs more than %zu bytes digested", cx->max_hashed);
		break;
	default: snprintf(buf, n, "not checked: the time allowed for checking the container ran out"); break;
	}
	return buf;
}

/* Records that budget l ran out (the first one stands) and gives the
 * signature being checked its verdict; returns -1. */
static int out_of_budget(struct vsig *v, enum edoc_limit l)
{
	char why[160];

	if (!v->cx->rep->limit)
		v->cx->rep->limit = l;
	if (!v->decided)
		v->r->unchecked = 1;
	return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_GENERIC, "%s", limit_text(v->cx, why, sizeof(why)));
}

/* Counts n bytes about to be digested against the budget and looks at the
 * deadline; -1 (with the verdict) when either is spent. */
static int charge(struct vsig *v, size_t n)
{
	struct edoc_report *rep = v->cx->rep;

	if (rep->limit)
		return out_of_budget(v, rep->limit);
	if (n > v->cx->max_hashed - rep->bytes_hashed)
		return out_of_budget(v, EDOC_LIMIT_HASHED);
	if (past_deadline(v->o))
		return out_of_budget(v, EDOC_LIMIT_TIME);
	rep->bytes_hashed += n;
	return 0;
}

/* The digest of data file f with md: computed once per container (later
 * signatures get the same bytes from the cache), in chunks so that the
 * deadline holds. 0; -1 when a budget ran out (the verdict is given); 1
 * when the digest cannot be computed. */
static int file_digest(struct vsig *v, const struct edoc_entry *f, const EVP_MD *md, unsigned char *out,
		       unsigned *outlen)
{
	struct vctx *cx = v->cx;
	int nid = EVP_MD_get_type(md), rc = 1;
	EVP_MD_CTX *ctx = NULL;
	struct fdigest *d;
	size_t i, off, n;

	for (i = 0; i < cx->ndigests; i++) {
		if (cx->digests[i].file == f && cx->digests[i].nid == nid) {
			memcpy(out, cx->digests[i].md, cx->digests[i].len);
			*outlen = cx->digests[i].len;
			return 0;
		}
	}
	if (charge(v, f->len) != 0)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, md, NULL) != 1)
		goto out;
	for (off = 0; off < f->len; off += n) {
		n = f->len - off < HASH_CHUNK ? f->len - off : HASH_CHUNK;
		if (off && past_deadline(v->o)) {
			rc = out_of_budget(v, EDOC_LIMIT_TIME);
			goto out;
		}
		if (EVP_DigestUpdate(ctx, f->data + off, n) != 1)
			goto out;
	}
	if (EVP_DigestFinal_ex(ctx, out, outlen) != 1)
		goto out;
	cx->rep->file_digests++;
	rc = 0;
	d = realloc(cx->digests, (cx->ndigests + 1) * sizeof(*d));
	if (d) { /* without room it is only computed again */
		cx->digests = d;
		d += cx->ndigests++;
		d->file = f;
		d->nid = nid;
		memcpy(d->md, out, *outlen);
		d->len = *outlen;
	}
out:
	EVP_MD_CTX_free(ctx);
	if (rc > 0)
		ERR_clear_error();
	return rc;
}

/* ---- Ids ---- */

static int cmp_id(const void *a, const void *b)
{
	const xmlNode *x = *(xmlNode *const *)a, *y = *(xmlNode *const *)b;

	return strcmp(sx_attr(x, "Id"), sx_attr(y, "Id"));
}

/* Collects the elements with an Id attribute; -1 if a value repeats. */
static int collect_ids(xmlNodePtr root, xmlNodePtr **out, size_t *n, const char **dup)
{
	xmlNodePtr cur = root, *v = NULL;
	size_t k = 0, cap = 0, i;

	while (cur) {
		if (cur->type == XML_ELEMENT_NODE && sx_attr(cur, "Id")) {
			if (k == cap) {
				xmlNodePtr *nv;

				cap = cap ? cap * 2 : 32;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv)
					goto fail;
				v = nv;
			}
			v[k++] = cur;
		}
		if (cur->type == XML_ELEMENT_NODE && cur->children) {
			cur = cur->children;
			continue;
		}
		while (cur && cur != root && !cur->next)
			cur = cur->parent;
		if (!cur || cur == root)
			break;
		cur = cur->next;
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_id);
	for (i = 1; i < k; i++) {
		if (strcmp(sx_attr(v[i - 1], "Id"), sx_attr(v[i], "Id")) == 0) {
			*dup = sx_attr(v[i], "Id");
			free(v);
			return -1;
		}
	}
	*out = v;
	*n = k;
	return 0;
fail:
	free(v);
	*dup = NULL;
	return -1;
}

static xmlNodePtr find_id(const struct vsig *v, const char *id)
{
	size_t lo = 0, hi = v->nids;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(sx_attr(v->ids[mid], "Id"), id);

		if (c == 0)
			return v->ids[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- structure ---- */

static char **prefix_list(xmlNodePtr method)
{
	xmlNodePtr inc = sx_child(method, NS_EXC, "InclusiveNamespaces");
	const char *pl, *p;
	char **v;
	size_t n = 0;

	pl = inc ? sx_attr(inc, "PrefixList") : NULL;
	if (!pl)
		return NULL;
	v = calloc(strlen(pl) / 2 + 2, sizeof(*v));
	if (!v)
		return NULL;
	for (p = pl; *p;) {
		size_t len = strcspn(p, " \t\r\n");

		if (len) {
			v[n] = len == 8 && strncmp(p, "#default", 8) == 0 ? strdup("") : strndup(p, len);
			if (!v[n])
				break;
			n++;
		}
		p += len;
		p += strspn(p, " \t\r\n");
	}
	return v;
}

static void prefix_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char *text_of(struct vsig *v, xmlNodePtr n)
{
	char *s = sx_text(n);
	char *a;

	if (!s)
		return NULL;
	a = arena_strdup(v->rep->mem, s);
	free(s);
	return a;
}

static unsigned char *b64_of(xmlNodePtr n, size_t *len)
{
	return sx_b64(n, len);
}

static X509 *cert_of(xmlNodePtr n)
{
	char *s = sx_text(n);
	X509 *x;

	if (!s)
		return NULL;
	x = cr_x509_from_b64(s);
	free(s);
	return x;
}

_Static_assert(EV_MAX_CERT_VALUES == 256, "the too_many message names the cap");

static int load_certs(struct vsig *v)
{
	xmlNodePtr x509data, c, cv;
	int k = 0, bad = 0, used = 0;

	for (x509data = sx_child(v->ki, NS_DS, "X509Data"); x509data; x509data = sx_next_elem(x509data)) {
		if (!sx_is(x509data, NS_DS, "X509Data"))
			continue;
		for (c = sx_first_elem(x509data); c && k <= EV_MAX_CERT_VALUES; c = sx_next_elem(c)) {
			X509 *x;

			if (!sx_is(c, NS_DS, "X509Certificate"))
				continue;
			if (k == EV_MAX_CERT_VALUES) {
				drop(v, EDOC_EV_CERT, EDOC_DROP_TOO_MANY, 0, NULL,
				     "more than 256 ds:KeyInfo certificates (the cap); the rest were not used");
				k++;
				break;
			}
			x = cert_of(c);
			/* KeyInfo is seldom signed (the signing certificate is bound by
			 * its digest in the SignedProperties): a stranger can add to it,
			 * so a value that is not a certificate is dropped, not fatal */
			if (!x) {
				if (++bad <= EV_MAX_ITEMS)
					drop(v, EDOC_EV_CERT,
					     bad < EV_MAX_ITEMS ? EDOC_DROP_MALFORMED : EDOC_DROP_TOO_MANY, 0, NULL,
					     bad < EV_MAX_ITEMS
						 ? "ds:KeyInfo holds a value that is not an X.509 certificate"
						 : "more certificate values that are not certificates; not listed");
				continue;
			}
			sk_X509_push(v->kicerts, x);
			X509_up_ref(x);
			sk_X509_push(v->pool, x);
			k++;
		}
	}
	cv = v->usp ? sx_child(v->usp, NS_XADES, "CertificateValues") : NULL;
	/* at most EV_MAX_ITEMS records of dropped values: warnings grow the
	 * report's arena, which the other signatures share */
	for (c = sx_first_elem(cv); c; c = sx_next_elem(c)) {
		X509 *x;

		if (!sx_is(c, NS_XADES, "EncapsulatedX509Certificate"))
			continue;
		if (used == EV_MAX_CERT_VALUES) { /* each one costs the path builder */
			drop(v, EDOC_EV_CERT, EDOC_DROP_TOO_MANY, 0, NULL,
			     "more than 256 certificate values (the cap); the rest were not used");
			break;
		}
		x = cert_of(c);
		if (!x) { /* unsigned: dropped, the chain is built from the rest */
			if (++bad <= EV_MAX_ITEMS)
				drop(v, EDOC_EV_CERT, bad < EV_MAX_ITEMS ? EDOC_DROP_MALFORMED : EDOC_DROP_TOO_MANY, 0,
				     NULL,
				     bad < EV_MAX_ITEMS
					 ? "xades:CertificateValues holds a value that is not an X.509 "
					   "certificate"
					 : "more certificate values that are not certificates; not listed");
			continue;
		}
		if (!sk_X509_push(v->pool, x))
			X509_free(x);
		else
			used++;
	}
	return 0;
}

/* ds:Signature: SignedInfo, SignatureValue, KeyInfo?, Object+ (one of them
 * holding the one QualifyingProperties of this signature; the others are
 * signed only where SignedInfo references them). */
static int check_structure(struct vsig *v)
{
	xmlNodePtr c, obj = NULL, up, q;
	const char *id, *target;
	char *val;

	id = sx_attr(v->sig, "Id");
	if (!id || !*id)
		return FORMAT(v, "ds:Signature has no Id");
	v->r->id = arena_strdup(v->rep->mem, id);
	c = sx_first_elem(v->sig);
	if (!sx_is(c, NS_DS, "SignedInfo"))
		return FORMAT(v, "ds:SignedInfo must come first");
	v->si = c;
	c = sx_next_elem(c);
	if (!sx_is(c, NS_DS, "SignatureValue"))
		return FORMAT(v, "ds:SignatureValue must follow ds:SignedInfo");
	v->sv = c;
	c = sx_next_elem(c);
	if (sx_is(c, NS_DS, "KeyInfo")) {
		v->ki = c;
		c = sx_next_elem(c);
	}
	for (; c; c = sx_next_elem(c)) {
		if (!sx_is(c, NS_DS, "Object"))
			return FORMAT(v, "unexpected element <%.40s> in ds:Signature", c->name);
		for (q = sx_first_elem(c); q; q = sx_next_elem(q)) {
			if (!sx_is(q, NS_XADES, "QualifyingProperties"))
				continue;
			if (obj)
				return UNSUPPORTED(v, "more than one xades:QualifyingProperties in ds:Signature");
			obj = c;
		}
		if (obj != c)
			warn(v,
			     "a ds:Object without qualifying properties: signed only if ds:SignedInfo references it");
	}
	if (!obj)
		return FORMAT(v, "no ds:Object with xades:QualifyingProperties");
	v->qp = sx_first_elem(obj);
	if (!sx_is(v->qp, NS_XADES, "QualifyingProperties") || sx_next_elem(v->qp))
		return UNSUPPORTED(v, "the ds:Object with xades:QualifyingProperties holds other elements too");
	target = sx_attr(v->qp, "Target");
	if (!target || target[0] != '#' || strcmp(target + 1, id) != 0)
		return FORMAT(v, "xades:QualifyingProperties does not target this signature");
	v->sp = sx_first_elem(v->qp);
	if (!sx_is(v->sp, NS_XADES, "SignedProperties") || !sx_attr(v->sp, "Id"))
		return FORMAT(v, "xades:SignedProperties (with an Id) must come first");
	up = sx_next_elem(v->sp);
	if (up && (!sx_is(up, NS_XADES, "UnsignedProperties") || sx_next_elem(up)))
		return FORMAT(v, "unexpected element after xades:SignedProperties");
	if (up) {
		v->usp = sx_child(up, NS_XADES, "UnsignedSignatureProperties");
		if (sx_count_children(up, NS_XADES, "UnsignedSignatureProperties") > 1)
			return FORMAT(v, "more than one xades:UnsignedSignatureProperties");
	}
	v->ssp = sx_child(v->sp, NS_XADES, "SignedSignatureProperties");
	if (!v->ssp || sx_count_children(v->sp, NS_XADES, "SignedSignatureProperties") != 1)
		return FORMAT(v, "xades:SignedSignatureProperties must appear once");
	if (sx_count_children(v->ssp, NS_XADES, "SigningTime") != 1)
		return FORMAT(v, "xades:SigningTime must appear once");
	if (sx_count_children(v->ssp, NS_XADES, "SigningCertificate") +
		sx_count_children(v->ssp, NS_XADES, "SigningCertificateV2") !=
	    1)
		return FORMAT(v, "exactly one xades:SigningCertificate(V2) is required");
	/* the signature value */
	val = sx_text(v->sv);
	v->sigval = val ? b64_decode_new(val, &v->sigval_len) : NULL;
	free(val);
	if (!v->sigval || v->sigval_len == 0)
		return FORMAT(v, "ds:SignatureValue is not valid base64");
	return load_certs(v);
}

/* ---- references ---- */

struct ref {
	xmlNodePtr node;
	const char *uri;
	const EVP_MD *md;
	unsigned char *digest;
	size_t dlen;
	struct c14n_method c14n;
	char **prefixes;
	int has_c14n;
	int is_sp;      /* a same-document reference; after resolve_refs, to the SignedProperties */
	xmlNodePtr obj; /* after resolve_refs: another element of this signature it covers */
	const struct edoc_entry *file;
	char *name;
};

static void refs_free(struct ref *refs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(refs[i].digest);
		free(refs[i].name);
		prefix_free(refs[i].prefixes);
	}
	free(refs);
}

static int parse_ref(struct vsig *v, xmlNodePtr n, struct ref *r)
{
	xmlNodePtr c = sx_first_elem(n);
	const char *type = sx_attr(n, "Type");

	r->node = n;
	r->uri = sx_attr(n, "URI");
	if (!r->uri || !*r->uri)
		return FORMAT(v, "a ds:Reference without URI");
	r->is_sp = r->uri[0] == '#';
	if (type && strcmp(type, URI_SP_TYPE) == 0 && !r->is_sp)
		return FORMAT(v, "the SignedProperties reference must be a same-document URI");
	if (sx_is(c, NS_DS, "Transforms")) {
		xmlNodePtr t = sx_first_elem(c);

		if (!r->is_sp)
			return UNSUPPORTED(v, "reference %.60s: transforms on data files are not supported", r->uri);
		if (!sx_is(t, NS_DS, "Transform") || sx_next_elem(t) ||
		    sx_c14n_method(sx_attr(t, "Algorithm"), &r->c14n) != 0)
			return UNSUPPORTED(v,
					   "reference %.60s: only a single canonicalization transform "
					   "is supported",
					   r->uri);
		r->has_c14n = 1;
		r->prefixes = prefix_list(t);
		c = sx_next_elem(c);
	}
	if (!sx_is(c, NS_DS, "DigestMethod"))
		return FORMAT(v, "reference %.60s: no ds:DigestMethod", r->uri);
	r->md = cr_digest_by_uri(sx_attr(c, "Algorithm"));
	if (!r->md)
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
			       "reference %.60s: unsupported digest algorithm %.80s", r->uri,
			       sx_attr(c, "Algorithm") ? sx_attr(c, "Algorithm") : "(none)");
	if (EVP_MD_is_a(r->md, "SHA1"))
		v->weak = 1;
	c = sx_next_elem(c);
	if (!sx_is(c, NS_DS, "DigestValue") || sx_next_elem(c))
		return FORMAT(v, "reference %.60s: malformed ds:DigestValue", r->uri);
	r->digest = b64_of(c, &r->dlen);
	if (!r->digest || r->dlen != (size_t)EVP_MD_get_size(r->md))
		return FORMAT(v, "reference %.60s: the digest value is malformed", r->uri);
	return 0;
}

static int digest_is(const struct ref *r, const unsigned char *md, unsigned len)
{
	return len == r->dlen && CRYPTO_memcmp(md, r->digest, len) == 0;
}

static int digest_matches(const struct ref *r, const void *p, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (cr_digest(r->md, p, n, md, &len) != 0)
		return 0;
	return len == r->dlen && CRYPTO_memcmp(md, r->digest, len) == 0;
}

/* ds:SignedInfo: the canonicalization and signature methods, then the
 * references, parsed into *refs (*nrefs of them, which the caller frees
 * with refs_free, also on failure). */
static int parse_signed_info(struct vsig *v, struct ref **refs, size_t *nrefs)
{
	xmlNodePtr c, m;

	c = sx_first_elem(v->si);
	if (!sx_is(c, NS_DS, "CanonicalizationMethod"))
		return FORMAT(v, "ds:SignedInfo: ds:CanonicalizationMethod must come first");
	m = sx_next_elem(c);
	if (!sx_is(m, NS_DS, "SignatureMethod"))
		return FORMAT(v, "ds:SignedInfo: ds:SignatureMethod must follow");
	if (cr_sigmethod(sx_attr(m, "Algorithm"), &v->sig_md, &v->keytype) != 0)
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
			       "unsupported signature algorithm %.80s",
			       sx_attr(m, "Algorithm") ? sx_attr(m, "Algorithm") : "(none)");
	if (EVP_MD_is_a(v->sig_md, "SHA1"))
		v->weak = 1;
	for (c = sx_next_elem(m); c; c = sx_next_elem(c)) {
		struct ref *nr;

		if (!sx_is(c, NS_DS, "Reference"))
			return FORMAT(v, "unexpected element <%.40s> in ds:SignedInfo", c->name);
		nr = realloc(*refs, (*nrefs + 1) * sizeof(**refs));
		if (!nr)
			return FORMAT(v, "out of memory");
		*refs = nr;
		memset(&nr[*nrefs], 0, sizeof(nr[*nrefs]));
		(*nrefs)++;
		if (parse_ref(v, c, &nr[*nrefs - 1]) != 0)
			return -1;
	}
	return 0;
}

/* A same-document reference r to target: this signature's SignedProperties
 * (with its Type, if any), or another ds:Object (or the ds:KeyInfo) of this
 * very signature, digested like them (r->obj). An element deeper inside
 * those is not supported; anything else (nothing, another signature, a part
 * of the qualifying properties, a SignedProperties type) is wrapping. */
static int sp_or_object_ref(struct vsig *v, struct ref *r, xmlNodePtr target)
{
	const char *type = sx_attr(r->node, "Type");
	int sp_type = type && (strcmp(type, URI_SP_TYPE) == 0 ||
			       strcmp(type, "http://uri.etsi.org/01903/v1.1.1#SignedProperties") == 0);
	xmlNodePtr top = target;

	if (target == v->sp) {
		if (type && !sp_type)
			return FORMAT(v, "reference %.60s: unexpected Type", r->uri);
		return 0;
	}
	while (top && top->parent != v->sig)
		top = top->parent;
	if (sp_type || !top || top == v->qp->parent || !(sx_is(top, NS_DS, "Object") || top == v->ki))
		return FORMAT(v, "reference %.60s does not point to the SignedProperties of this signature", r->uri);
	if (top != target)
		return UNSUPPORTED(v, "reference %.60s: references into a ds:Object are not supported", r->uri);
	r->is_sp = 0;
	r->obj = target;
	return 0;
}

/* Resolves every reference: exactly one to this signature's
 * SignedProperties, the others to data files, each file at most once
 * (seen[j]). *missing: the first URI that names no file of the container. */
static int resolve_refs(struct vsig *v, struct ref *refs, size_t nrefs, unsigned char *seen, const char **missing)
{
	size_t i, j, nsp = 0;

	for (i = 0; i < nrefs; i++) {
		struct ref *r = &refs[i];

		if (r->is_sp) {
			xmlNodePtr target = find_id(v, r->uri + 1);

			if (target == v->sp)
				nsp++;
			if (sp_or_object_ref(v, r, target) != 0)
				return -1;
			continue;
		}
		r->name = edoc_uri_decode(r->uri);
		if (!r->name || edoc_name_ok(r->name, strlen(r->name), NULL) != 0)
			return FORMAT(v, "reference URI %.60s is not a relative path inside the container", r->uri);
		for (j = 0; j < v->doc->nfiles; j++)
			if (strcmp(v->doc->files[j].name, r->name) == 0)
				break;
		if (j == v->doc->nfiles) {
			if (!*missing)
				*missing = r->uri;
			continue;
		}
		if (seen[j])
			return FORMAT(v, "data file \"%.80s\" is referenced twice", r->name);
		seen[j] = 1;
		r->file = &v->doc->files[j];
	}
	if (nsp != 1)
		return FORMAT(v, "exactly one reference to xades:SignedProperties is required (found %zu)", nsp);
	if (nrefs < 2)
		return FORMAT(v, "the signature covers no data file");
	return 0;
}

/* Every reference's digest: of the canonical SignedProperties (or other
 * ds:Object), of the data files. */
static int check_digests(struct vsig *v, const struct ref *refs, size_t nrefs)
{
	size_t i;

	for (i = 0; i < nrefs; i++) {
		const struct ref *r = &refs[i];

		if (r->is_sp || r->obj) {
			struct buf b = BUF_INIT;
			struct c14n_method def = {XML_C14N_1_0, 0};
			struct c14n_method cm = r->has_c14n ? r->c14n : def;
			int ok;

			cm.comments = 0; /* a same-document URI drops comments */
			buf_init(&b, 16 << 20);
			if (sx_c14n(r->obj ? r->obj : v->sp, &cm, r->prefixes, &b) != 0) {
				buf_free(&b);
				return FORMAT(v, "cannot canonicalize the element %.60s", r->uri);
			}
			if (charge(v, b.len) != 0) {
				buf_free(&b);
				return -1;
			}
			ok = digest_matches(r, b.data, b.len);
			buf_free(&b);
			if (!ok)
				return verdict(v, EDOC_TOTAL_FAILED, EDOC_SUB_HASH_FAILURE,
					       "the signed %s changed after signing "
					       "(digest of %.60s does not match)",
					       r->obj ? "object was" : "properties were", r->uri);
		} else if (r->file) {
			unsigned char md[EVP_MAX_MD_SIZE];
			unsigned len = 0;
			int got = file_digest(v, r->file, r->md, md, &len);

			if (got < 0)
				return -1;
			if (got > 0 || !digest_is(r, md, len)) {
				if (!v->decided)
					v->r->changed = arena_strdup(v->rep->mem, r->file->name);
				return verdict(v, EDOC_TOTAL_FAILED, EDOC_SUB_HASH_FAILURE,
					       "data file \"%.80s\" was changed after signing", r->file->name);
			}
		}
	}
	return 0;
}

/* ds:SignedInfo and what it references: parsed, resolved, digests checked,
 * every data file covered; the covered files go to the report. */
static int check_references(struct vsig *v)
{
	struct ref *refs = NULL;
	size_t nrefs = 0, i, j;
	unsigned char *seen = NULL;
	int rc = -1;
	const char *missing = NULL;

	if (parse_signed_info(v, &refs, &nrefs) != 0)
		goto out;
	seen = calloc(v->doc->nfiles + 1, 1);
	if (!seen) {
		FORMAT(v, "out of memory");
		goto out;
	}
	if (resolve_refs(v, refs, nrefs, seen, &missing) != 0)
		goto out;
	/* the files it refers to are reported even when a digest fails */
	v->covered = arena_alloc(v->rep->mem, (v->doc->nfiles + 1) * sizeof(char *));
	for (i = 0; v->covered && i < nrefs; i++)
		if (refs[i].file)
			v->covered[v->ncovered++] = arena_strdup(v->rep->mem, refs[i].file->name);
	v->r->covered = v->covered;
	v->r->ncovered = v->ncovered;
	if (check_digests(v, refs, nrefs) != 0)
		goto out;
	for (j = 0; j < v->doc->nfiles; j++) {
		if (!seen[j]) {
			FORMAT(v, "data file \"%.80s\" is not covered by this signature", v->doc->files[j].name);
			goto out;
		}
	}
	if (missing) {
		verdict(v, EDOC_INDETERMINATE, EDOC_SUB_SIGNED_DATA_NOT_FOUND,
			"signed data %.80s is not in the container", missing);
		goto out;
	}
	v->r->intact = 1;
	rc = 0;
out:
	free(seen);
	refs_free(refs, nrefs);
	return rc;
}

/* ---- signing certificate ---- */

static int cert_digest_is(X509 *x, const EVP_MD *md, const unsigned char *want, size_t wlen)
{
	unsigned char *der = NULL, out[EVP_MAX_MD_SIZE];
	unsigned olen = 0;
	int len = i2d_X509(x, &der), ok = 0;

	if (len > 0 && cr_digest(md, der, (size_t)len, out, &olen) == 0)
		ok = olen == wlen && CRYPTO_memcmp(out, want, olen) == 0;
	OPENSSL_free(der);
	return ok;
}

/* IssuerSerialV2: DER IssuerSerial { GeneralNames issuer, INTEGER serial }.
 * Only the serial number is compared (the digest is the binding). */
static int issuer_serial_v2_ok(X509 *x, xmlNodePtr n)
{
	size_t len;
	unsigned char *der = b64_of(n, &len);
	const unsigned char *p = der, *end;
	long l;
	int tag, cls, ok = 0, inf;
	ASN1_INTEGER *serial = NULL;

	if (!der)
		return 0;
	end = der + len;
	inf = ASN1_get_object(&p, &l, &tag, &cls, (long)len);
	if (inf & 0x80 || tag != V_ASN1_SEQUENCE || p + l > end)
		goto out;
	/* skip GeneralNames */
	{
		const unsigned char *q = p;
		long l2;

		inf = ASN1_get_object(&q, &l2, &tag, &cls, end - q);
		if (inf & 0x80 || tag != V_ASN1_SEQUENCE || q + l2 > end)
			goto out;
		p = q + l2;
	}
	serial = d2i_ASN1_INTEGER(NULL, &p, end - p);
	ok = serial && ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(x)) == 0;
out:
	ASN1_INTEGER_free(serial);
	free(der);
	ERR_clear_error();
	return ok;
}

static int find_signer(struct vsig *v)
{
	xmlNodePtr sc, cert;
	int v2, i, pass;

	sc = sx_child(v->ssp, NS_XADES, "SigningCertificateV2");
	v2 = sc != NULL;
	if (!sc)
		sc = sx_child(v->ssp, NS_XADES, "SigningCertificate");
	/* KeyInfo first, then CertificateValues: the first certificate whose
	 * digest a xades:Cert names is the signer's */
	for (pass = 0; pass < 2 && !v->signer; pass++) {
		STACK_OF(X509) *from = pass == 0 ? v->kicerts : v->pool;

		for (i = 0; i < sk_X509_num(from) && !v->signer; i++) {
			X509 *x = sk_X509_value(from, i);

			for (cert = sx_first_elem(sc); cert; cert = sx_next_elem(cert)) {
				xmlNodePtr cd = sx_child(cert, NS_XADES, "CertDigest");
				xmlNodePtr dm = sx_child(cd, NS_DS, "DigestMethod");
				xmlNodePtr dv = sx_child(cd, NS_DS, "DigestValue");
				const EVP_MD *md;
				unsigned char *want;
				size_t wlen;
				int match;

				if (!sx_is(cert, NS_XADES, "Cert") || !dm || !dv)
					return FORMAT(v, "malformed xades:SigningCertificate");
				md = cr_digest_by_uri(sx_attr(dm, "Algorithm"));
				want = b64_of(dv, &wlen);
				if (!md || !want) {
					free(want);
					return FORMAT(v, "xades:CertDigest: unsupported algorithm or "
							 "bad base64");
				}
				match = cert_digest_is(x, md, want, wlen);
				free(want);
				if (!match)
					continue;
				v->signer = x;
				if (v2) {
					xmlNodePtr is = sx_child(cert, NS_XADES, "IssuerSerialV2");

					if (is && !issuer_serial_v2_ok(x, is))
						return verdict(v, EDOC_INDETERMINATE,
							       EDOC_SUB_NO_SIGNING_CERTIFICATE_FOUND,
							       "xades:IssuerSerialV2 does not match the signing "
							       "certificate");
				} else {
					xmlNodePtr is = sx_child(cert, NS_XADES, "IssuerSerial");
					xmlNodePtr in = sx_child(is, NS_DS, "X509IssuerName");
					xmlNodePtr sn = sx_child(is, NS_DS, "X509SerialNumber");
					char *s;

					s = sn ? sx_text(sn) : NULL;
					if (s) {
						int bad = cr_serial_cmp_dec(x, s) != 0;

						free(s);
						if (bad)
							return verdict(v, EDOC_INDETERMINATE,
								       EDOC_SUB_NO_SIGNING_CERTIFICATE_FOUND,
								       "ds:X509SerialNumber does not match "
								       "the signing certificate");
					}
					s = in ? sx_text(in) : NULL;
					if (s) {
						if (cr_name_cmp_str(X509_get_issuer_name(x), s) != 0)
							warn(v,
							     "ds:X509IssuerName \"%.120s\" does not "
							     "read as the certificate's issuer",
							     s);
						free(s);
					}
				}
				break;
			}
		}
	}
	if (!v->signer)
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_NO_SIGNING_CERTIFICATE_FOUND,
			       "no certificate in the signature matches "
			       "xades:SigningCertificate%s",
			       v2 ? "V2" : "");
	{
		const X509_NAME *sub = X509_get_subject_name(v->signer);
		char *cn = cr_name_entry(sub, NID_commonName);
		char *sn = cr_name_entry(sub, NID_serialNumber);
		char *one = cr_name_oneline(sub);

		v->r->signer_cn = cn ? arena_strdup(v->rep->mem, cn) : NULL;
		v->r->signer_serial = sn ? arena_strdup(v->rep->mem, sn) : NULL;
		v->r->signer_subject = one ? arena_strdup(v->rep->mem, one) : NULL;
		free(cn);
		free(sn);
		free(one);
	}
	return 0;
}

static int check_signature_value(struct vsig *v)
{
	xmlNodePtr cm = sx_first_elem(v->si);
	struct c14n_method m;
	struct buf b = BUF_INIT;
	char **prefixes;
	int ok;

	if (sx_c14n_method(sx_attr(cm, "Algorithm"), &m) != 0)
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
			       "unsupported canonicalization %.80s",
			       sx_attr(cm, "Algorithm") ? sx_attr(cm, "Algorithm") : "(none)");
	prefixes = prefix_list(cm);
	buf_init(&b, 16 << 20);
	ok = sx_c14n(v->si, &m, prefixes, &b);
	prefix_free(prefixes);
	if (ok != 0) {
		buf_free(&b);
		return FORMAT(v, "cannot canonicalize ds:SignedInfo");
	}
	ok = cr_verify(X509_get0_pubkey(v->signer), v->sig_md, v->keytype, b.data, b.len, v->sigval, v->sigval_len);
	buf_free(&b);
	if (ok != 1)
		return verdict(v, EDOC_TOTAL_FAILED, EDOC_SUB_SIG_CRYPTO_FAILURE,
			       "the signature value does not verify with the signing certificate's "
			       "key");
	return 0;
}

/* ---- evidence: time-stamps and OCSP ---- */

struct evidence {
	int have_ts, ts_ok, ts_untrusted, have_ats;
	time_t ts_time;
	char ts_why[300];
	int have_ocsp, ocsp_ok, ocsp_untrusted;
	struct ocsp_info ocsp;
	char ocsp_why[300];
	int tm, tm_bound;
	X509 *issuer;
};

static int canonical_sigvalue(struct vsig *v, xmlNodePtr ts, struct buf *out)
{
	xmlNodePtr cm = sx_child(ts, NS_DS, "CanonicalizationMethod");
	struct c14n_method m = {XML_C14N_1_0, 0};
	char **prefixes = NULL;
	int rc;

	if (cm && sx_c14n_method(sx_attr(cm, "Algorithm"), &m) != 0)
		return -1;
	if (cm)
		prefixes = prefix_list(cm);
	rc = sx_c14n(v->sv, &m, prefixes, out);
	prefix_free(prefixes);
	return rc;
}

/* One xades:SignatureTimeStamp: usable (trusted) or dropped. */
static void check_timestamp(struct vsig *v, struct evidence *ev, xmlNodePtr ts, time_t poe)
{
	xmlNodePtr et = sx_child(ts, NS_XADES, "EncapsulatedTimeStamp");
	struct buf b = BUF_INIT;
	struct ts_info info;
	unsigned char *der;
	size_t len;
	enum ts_outcome out;
	char why[300];

	der = et ? b64_of(et, &len) : NULL;
	if (!der) {
		drop(v, EDOC_EV_TIMESTAMP, EDOC_DROP_MALFORMED, 0, NULL,
		     "xades:SignatureTimeStamp has no valid EncapsulatedTimeStamp");
		return;
	}
	buf_init(&b, 16 << 20);
	if (canonical_sigvalue(v, ts, &b) != 0) {
		free(der);
		buf_free(&b);
		drop(v, EDOC_EV_TIMESTAMP, EDOC_DROP_MALFORMED, 0, NULL,
		     "xades:SignatureTimeStamp: unsupported canonicalization");
		return;
	}
	out = pki_check_ts_at(der, len, &(const struct ts_data){b.data, b.len, NULL, 0, poe}, v->o->trust, v->pool,
			      &info, why, sizeof(why));
	free(der);
	buf_free(&b);
	switch (out) {
	case TS_OUT_FORMAT: drop(v, EDOC_EV_TIMESTAMP, EDOC_DROP_MALFORMED, 0, NULL, why); break;
	case TS_OUT_BAD_SIG: drop(v, EDOC_EV_TIMESTAMP, EDOC_DROP_BAD_SIGNATURE, 0, NULL, why); break;
	case TS_OUT_IMPRINT: drop(v, EDOC_EV_TIMESTAMP, EDOC_DROP_OTHER_DATA, info.gen_time, info.tsa, why); break;
	case TS_OUT_UNTRUSTED:
		if (!ev->ts_untrusted)
			snprintf(ev->ts_why, sizeof(ev->ts_why), "%s", why);
		ev->ts_untrusted = 1;
		drop(v, EDOC_EV_TIMESTAMP, EDOC_DROP_UNTRUSTED, info.gen_time, info.tsa, why);
		break;
	case TS_OUT_OK:
		if (!ev->ts_ok || info.gen_time < ev->ts_time) {
			ev->ts_time = info.gen_time;
			v->r->tsa = arena_strdup(v->rep->mem, info.tsa);
		}
		ev->ts_ok = 1;
		ev_record(v->rep->mem, v->r, EDOC_EV_TIMESTAMP, EDOC_DROP_NONE, info.gen_time, info.tsa, NULL);
		break;
	}
}

static int arc_charge(void *arg, size_t n)
{
	return charge(arg, n);
}

static void arc_warn(void *arg, const char *msg)
{
	warn(arg, "%s", msg);
}

/* The archive time-stamps (archive.c): *poe, when one is valid, is the time
 * the signature time-stamp is proven to have existed at. */
static int check_archive(struct vsig *v, struct evidence *ev, time_t *poe)
{
	const struct arc_sig a = {v->doc,      v->sig,  v->si,  v->sv,      v->ki,    v->sp, v->usp,
				  v->o->trust, v->pool, v->now, arc_charge, arc_warn, v};
	struct arc_result r;

	if (arc_check(&a, &r) != 0)
		return -1;
	ev->have_ats = r.present > 0;
	*poe = r.valid ? r.poe : v->now;
	return 0;
}

/* The signature time-stamps: each is checked on its own; one that does
 * not parse, does not verify, covers other data or comes from an untrusted
 * TSA is dropped, and the earliest trusted one is the proof of time. */
static int check_timestamps(struct vsig *v, struct evidence *ev)
{
	xmlNodePtr ts;
	size_t n = 0;
	time_t poe;

	if (check_archive(v, ev, &poe) != 0)
		return -1;
	for (ts = sx_first_elem(v->usp); ts; ts = sx_next_elem(ts)) {
		if (!sx_is(ts, NS_XADES, "SignatureTimeStamp"))
			continue;
		ev->have_ts = 1;
		if (++n > EV_MAX_ITEMS) {
			if (n == EV_MAX_ITEMS + 1)
				drop(v, EDOC_EV_TIMESTAMP, EDOC_DROP_TOO_MANY, 0, NULL,
				     "more signature time-stamps than are looked at; the rest were not read");
			continue;
		}
		check_timestamp(v, ev, ts, poe);
	}
	if (ev->ts_ok)
		v->r->ts_time = ev->ts_time;
	return 0;
}

/* The BDOC time-mark: the OCSP nonce is a digest of the signature value,
 * either bare (OCTET STRING) or as a DigestInfo. */
static int nonce_binds(struct vsig *v, const struct ocsp_info *info)
{
	const unsigned char *p = info->nonce;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int ok = 0;

	if (info->nonce_len < 2)
		return 0;
	if (p[0] == 0x04) {
		ASN1_OCTET_STRING *os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)info->nonce_len);

		if (os && cr_digest(EVP_sha256(), v->sigval, v->sigval_len, md, &mdlen) == 0)
			ok = (unsigned)ASN1_STRING_length(os) == mdlen &&
			     CRYPTO_memcmp(ASN1_STRING_get0_data(os), md, mdlen) == 0;
		ASN1_OCTET_STRING_free(os);
	} else if (p[0] == 0x30) {
		X509_SIG *ds = d2i_X509_SIG(NULL, &p, (long)info->nonce_len);
		const X509_ALGOR *alg;
		const ASN1_OCTET_STRING *dig;
		const EVP_MD *mdt;

		if (ds) {
			X509_SIG_get0(ds, &alg, &dig);
			mdt = EVP_get_digestbyobj(alg->algorithm);
			if (mdt && cr_digest(mdt, v->sigval, v->sigval_len, md, &mdlen) == 0)
				ok = (unsigned)ASN1_STRING_length(dig) == mdlen &&
				     CRYPTO_memcmp(ASN1_STRING_get0_data(dig), md, mdlen) == 0;
		}
		X509_SIG_free(ds);
	}
	ERR_clear_error();
	return ok;
}

/* Drops an OCSP response and notes why none could be used, for the
 * verdict (the first reason stands). */
static void drop_ocsp(struct vsig *v, struct evidence *ev, enum edoc_ev_drop d, time_t t, const char *by,
		      const char *why)
{
	if (!ev->ocsp_why[0])
		snprintf(ev->ocsp_why, sizeof(ev->ocsp_why), "%s", why);
	drop(v, EDOC_EV_OCSP, d, t, by, why);
}

/* One OCSP response about the signing certificate: usable, or dropped
 * (never a verdict). Of several usable ones the first is used; without a
 * trusted time-stamp one whose nonce binds it to this signature value (a
 * time-mark) is preferred. */
static int use_ocsp(struct vsig *v, struct evidence *ev, const unsigned char *der, size_t len)
{
	struct ocsp_info info;
	char why[300];
	enum ocsp_outcome out;

	out = pki_check_ocsp(der, len, v->signer, ev->issuer, v->o->trust, v->pool, &info, why, sizeof(why));
	switch (out) {
	case OCSP_OUT_NO_MATCH:
		drop_ocsp(v, ev, EDOC_DROP_OTHER_CERT, info.produced_at, NULL,
			  "the OCSP response is not about the signing certificate");
		return 0;
	case OCSP_OUT_FORMAT: drop_ocsp(v, ev, EDOC_DROP_MALFORMED, info.produced_at, NULL, why); return 0;
	case OCSP_OUT_BAD_SIG:
		drop_ocsp(v, ev, EDOC_DROP_BAD_SIGNATURE, info.produced_at, info.responder, why);
		return 0;
	case OCSP_OUT_UNTRUSTED:
		if (!ev->ocsp_ok && !ev->ocsp_untrusted)
			snprintf(ev->ocsp_why, sizeof(ev->ocsp_why), "%s", why);
		ev->ocsp_untrusted = 1;
		drop(v, EDOC_EV_OCSP, EDOC_DROP_UNTRUSTED, info.produced_at, info.responder, why);
		return 0;
	case OCSP_OUT_OK:
		if (!ev->ocsp_ok || (!ev->ts_ok && !nonce_binds(v, &ev->ocsp) && nonce_binds(v, &info))) {
			ev->ocsp = info;
			ev->ocsp_ok = 1;
		}
		ev_record(v->rep->mem, v->r, EDOC_EV_OCSP, EDOC_DROP_NONE, info.produced_at, info.responder, NULL);
		return 0;
	}
	return 0;
}

/* The embedded OCSP values, each used or dropped on its own. */
static int check_embedded_ocsp(struct vsig *v, struct evidence *ev)
{
	xmlNodePtr rv = v->usp ? sx_child(v->usp, NS_XADES, "RevocationValues") : NULL;
	xmlNodePtr ov = rv ? sx_child(rv, NS_XADES, "OCSPValues") : NULL;
	xmlNodePtr c;
	size_t n = 0;

	for (c = sx_first_elem(ov); c; c = sx_next_elem(c)) {
		unsigned char *der;
		size_t len;

		if (!sx_is(c, NS_XADES, "EncapsulatedOCSPValue"))
			continue;
		ev->have_ocsp = 1;
		if (++n > EV_MAX_ITEMS) {
			if (n == EV_MAX_ITEMS + 1)
				drop(v, EDOC_EV_OCSP, EDOC_DROP_TOO_MANY, 0, NULL,
				     "more OCSP values than are looked at; the rest were not read");
			continue;
		}
		der = b64_of(c, &len);
		if (!der) {
			drop_ocsp(v, ev, EDOC_DROP_MALFORMED, 0, NULL,
				  "xades:EncapsulatedOCSPValue is not valid base64");
			continue;
		}
		if (!ev->issuer)
			drop_ocsp(
			    v, ev, EDOC_DROP_OTHER_CERT, 0, NULL,
			    "the OCSP response cannot be matched: the issuer of the signing certificate is unknown");
		else
			use_ocsp(v, ev, der, len);
		free(der);
	}
	return 0;
}

static void fetch_ocsp(struct vsig *v, struct evidence *ev)
{
	struct err e = {0};
	unsigned char *der;
	size_t len;
	char *url;

	if (v->o->offline || !ev->issuer)
		return;
	url = net_aia_url(v->signer, 1);
	if (!url)
		return;
	/* The URL comes from the certificate, so only a public address unless
	 * the caller allows any (a closed network, the tests). */
	der = v->o->any_address ? net_ocsp_fetch(v->signer, ev->issuer, url, 1, &len, &e)
				: net_ocsp_fetch_public(v->signer, ev->issuer, url, 1, &len, &e);
	if (!der) {
		v->r->temporary = 1; /* the responder did not answer: it may later */
		warn(v, "online OCSP: %s", e.msg);
	} else {
		if (use_ocsp(v, ev, der, len) == 0 && ev->ocsp_ok)
			warn(v, "revocation status fetched online from %.120s", url);
		free(der);
	}
	free(url);
}

/* ---- one signature ---- */

/* Format and cryptography: the structure, the references' digests, the
 * signer and the signature value. The claimed signing time is read first
 * (shown even when a later check fails) and judged only after the digests;
 * the signer is looked up even when a digest failed, to say who it was (the
 * first verdict stands). */
static int check_signed_data(struct vsig *v, time_t *claimed)
{
	char *st;
	int err;

	if (check_structure(v) != 0)
		return -1;
	st = text_of(v, sx_child(v->ssp, NS_XADES, "SigningTime"));
	if (st && sx_parse_time(st, claimed) == 0)
		v->r->claimed_time = *claimed;
	err = check_references(v);
	if (find_signer(v) != 0 || err != 0 || check_signature_value(v) != 0)
		return -1;
	v->r->value_ok = 1;
	if (!v->r->claimed_time)
		return FORMAT(v, "xades:SigningTime is not a valid date and time");
	return 0;
}

/* The evidence: time-stamps first, then the embedded OCSP responses; a
 * time-mark (OCSP without a time-stamp) must be bound to this signature by
 * its nonce. Names the profile. */
static int gather_evidence(struct vsig *v, struct evidence *ev)
{
	if (v->usp)
		ev_collect_certs(v->usp, v->pool);
	if (v->usp && check_timestamps(v, ev) != 0)
		return -1;
	ev->issuer = pki_find_issuer(v->o->trust, v->pool, v->signer);
	if (v->usp && check_embedded_ocsp(v, ev) != 0)
		return -1;
	/* without a usable time-stamp, an OCSP response bound to this
	 * signature value by its nonce is the proof of time (BDOC time-mark);
	 * one that is not bound still tells the certificate's status */
	ev->tm = !ev->ts_ok && ev->have_ocsp;
	if (ev->tm && ev->ocsp_ok) {
		ev->tm_bound = nonce_binds(v, &ev->ocsp);
		if (!ev->tm_bound && !ev->have_ts)
			warn(v, "time-mark: the OCSP nonce is not a digest of this signature value, so the "
				"response proves the certificate's status but not when the signature existed");
	}
	v->r->profile = arena_strdup(v->rep->mem, ev->have_ts ? (ev->have_ocsp ? (ev->have_ats ? "LTA" : "LT") : "T")
							      : (ev->have_ocsp ? "LT-TM" : "B"));
	return 0;
}

/* The best proof of when the signature existed: a trusted time-stamp, else
 * a bound time-mark, else now. */
static time_t existed_at(const struct vsig *v, const struct evidence *ev)
{
	if (ev->ts_ok)
		return ev->ts_time;
	if (ev->tm_bound)
		return ev->ocsp.produced_at;
	return v->now;
}

/* The signing certificate's path at time t; missing CA certificates may be
 * fetched from their AIA caIssuers URLs when online. NULL when there is
 * none, with the verifier's error and the certificate it stopped at. */
static STACK_OF(X509) * signer_chain(struct vsig *v, time_t t, int *err, X509 **errcert)
{
	STACK_OF(X509) *chain = NULL;
	int i;

	for (i = 0;; i++) {
		X509 *fetched;
		struct err fe = {0};

		if (pki_verify_chain(v->o->trust, v->signer, v->pool, t, 0, &chain, err, errcert) == 0)
			break;
		if (v->o->offline || i == 3 || !*errcert ||
		    (*err != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY &&
		     *err != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT))
			break;
		fetched = v->o->any_address ? net_fetch_issuer(*errcert, &fe) : net_fetch_issuer_public(*errcert, &fe);
		if (!fetched || X509_check_issued(fetched, *errcert) != X509_V_OK) {
			if (!fetched && fe.msg[0])
				warn(v, "CA certificate not fetched: %s", fe.msg);
			X509_free(fetched);
			break;
		}
		sk_X509_push(v->pool, fetched);
		{
			char *cn = cr_name_entry(X509_get_subject_name(fetched), NID_commonName);

			warn(v, "CA certificate \"%s\" fetched online", cn ? cn : "?");
			free(cn);
		}
	}
	return chain;
}

/* The verdict when the signing certificate has no path at time t: where
 * and why it broke, and why the evidence could not help (an untrusted
 * time-stamp, or an untrusted time-mark). */
static int no_chain(struct vsig *v, const struct evidence *ev, time_t t, int err, X509 *errcert)
{
	enum edoc_indication ind;
	enum edoc_subindication sub;
	char *cn = errcert ? cr_name_entry(X509_get_subject_name(errcert), NID_commonName) : NULL;
	char when[32];
	int rc;

	sx_format_time(t, when);
	pki_chain_verdict(err, !errcert || X509_cmp(errcert, v->signer) == 0, &ind, &sub);
	rc = verdict(v, ind, sub, "signing certificate path%s%s: %s (at %s)%s%s", cn ? " at " : "", cn ? cn : "",
		     X509_verify_cert_error_string(err), when,
		     ev->ts_untrusted ? "; " : (ev->ocsp_untrusted && ev->tm ? "; " : ""),
		     ev->ts_untrusted ? ev->ts_why : (ev->ocsp_untrusted && ev->tm ? ev->ocsp_why : ""));
	free(cn);
	return rc;
}

/* With a path: the certificate must be meant for signatures, and its
 * issuer is the path's. A time-stamp that could not be trusted was dropped
 * (the path was then built at the current time). */
static int check_signer_use(struct vsig *v, struct evidence *ev, STACK_OF(X509) * chain)
{
	char stale[400];

	v->r->trusted = 1;
	if (edoc_trust_stale(v->o->trust, v->now, stale, sizeof(stale)))
		warn(v, "%s", stale);
	if (!cr_has_nonrepudiation(v->signer))
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_CHAIN_CONSTRAINTS_FAILURE,
			       "the signing certificate is not meant for signatures (no nonRepudiation "
			       "key usage)");
	if (sk_X509_num(chain) > 1)
		ev->issuer = sk_X509_value(chain, 1);
	return 0;
}

/* The claimed signing time against the time-stamp and the clock. */
static int check_signing_time(struct vsig *v, const struct evidence *ev, time_t claimed)
{
	if (ev->ts_ok && claimed > ev->ts_time + SKEW)
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_TIMESTAMP_ORDER_FAILURE,
			       "the claimed signing time is later than the signature time-stamp");
	if (claimed > v->now + SKEW)
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_SIG_CONSTRAINTS_FAILURE,
			       "the claimed signing time is in the future");
	if (ev->ts_ok && ev->ts_time > claimed + LATE)
		warn(v, "the time-stamp was taken more than 24 hours after the claimed signing "
			"time");
	return 0;
}

static void rev_warn(void *arg, const char *msg)
{
	warn(arg, "%s", msg);
}

/* Where crl.c looks for revocation evidence about this signature's path. */
static void rev_ctx_of(struct vsig *v, const struct evidence *ev, struct rev_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->usp = v->usp;
	c->trust = v->o->trust;
	c->pool = v->pool;
	c->online = !v->o->offline;
	c->any_address = v->o->any_address;
	c->max = v->o->max_crl;
	c->timeout = v->o->crl_timeout;
	c->at = existed_at(v, ev);
	c->now = v->now;
	c->warn = rev_warn;
	c->arg = v;
}

/* The CA certificates of the path (crl.c): one revoked before the best
 * signature time leaves the signature without proof of existence before
 * the revocation (EN 319 102-1 §5.6.2.4: INDETERMINATE/REVOKED_CA_NO_POE). */
static int check_ca_revocation(struct vsig *v, const struct rev_ctx *c, STACK_OF(X509) * chain)
{
	struct rev_result r;
	char when[32], *cn;
	int i, rc = 0;

	crl_chain_status(c, chain, &r, &i);
	if (i < 0)
		return 0;
	sx_format_time(r.revoked_at, when);
	cn = cr_name_entry(X509_get_subject_name(sk_X509_value(chain, i)), NID_commonName);
	if (r.revoked_at <= c->at)
		rc =
		    verdict(v, EDOC_INDETERMINATE, EDOC_SUB_REVOKED_CA_NO_POE, "the CA certificate \"%s\" was %s at %s",
			    cn ? cn : "?", r.state == REV_HOLD ? "suspended" : "revoked", when);
	else
		warn(v, "the CA certificate \"%s\" was revoked at %s, after the signature existed", cn ? cn : "?",
		     when);
	free(cn);
	return rc;
}

/* No OCSP answer: the signing certificate's status from a CRL, then the CAs'. */
static int check_crl_revocation(struct vsig *v, struct evidence *ev, STACK_OF(X509) * chain)
{
	struct rev_ctx c;
	struct rev_result r;
	char when[32];

	rev_ctx_of(v, ev, &c);
	crl_status(&c, v->signer, ev->issuer, &r);
	if (r.state == REV_UNKNOWN)
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER, "no acceptable revocation information: %s",
			       ev->ocsp_why[0] ? ev->ocsp_why
			       : r.why[0]      ? r.why
					       : (v->o->offline ? "none embedded, and checking online is off"
								: "none embedded, and none could be fetched"));
	if (!strcmp(r.source, "embedded") && v->r->profile && !strcmp(v->r->profile, "T"))
		v->r->profile = arena_strdup(v->rep->mem, "LT"); /* a time-stamp and CRL values */
	sx_format_time(r.revoked_at, when);
	if (r.state == REV_HOLD && r.revoked_at <= c.at)
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER,
			       "the signing certificate was suspended at %s (CRL)", when);
	if (r.state == REV_REVOKED && !(ev->ts_ok && r.revoked_at > ev->ts_time))
		return verdict(v, EDOC_TOTAL_FAILED, EDOC_SUB_REVOKED,
			       "the signing certificate was revoked at %s (CRL)", when);
	if (r.state != REV_GOOD)
		warn(v, "the signing certificate was revoked at %s, after the time-stamp", when);
	v->r->status_ok = 1;
	return check_ca_revocation(v, &c, chain);
}

/* Revocation: embedded OCSP, else online OCSP when allowed, else CRLs; the
 * certificate's status, and when the response was produced against when
 * the signature was; then the path's CA certificates. */
static int check_revocation(struct vsig *v, struct evidence *ev, time_t claimed, STACK_OF(X509) * chain)
{
	struct rev_ctx c;

	if (!ev->ocsp_ok)
		fetch_ocsp(v, ev);
	if (!ev->ocsp_ok)
		return check_crl_revocation(v, ev, chain);
	v->r->ocsp_time = ev->ocsp.produced_at;
	if (ev->ocsp.status == V_OCSP_CERTSTATUS_REVOKED) {
		char when[32];

		sx_format_time(ev->ocsp.revoked_at, when);
		if (!(ev->ts_ok && ev->ocsp.revoked_at > ev->ts_time))
			return verdict(v, EDOC_TOTAL_FAILED, EDOC_SUB_REVOKED,
				       "the signing certificate was revoked at %s", when);
		warn(v, "the signing certificate was revoked at %s, after the time-stamp", when);
	} else if (ev->ocsp.status != V_OCSP_CERTSTATUS_GOOD) {
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE,
			       "the OCSP responder does not know the signing certificate");
	}
	if (ev->ocsp.produced_at + SKEW < claimed)
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER,
			       "the OCSP response was produced before the claimed signing time");
	if (ev->ts_ok && ev->ocsp.produced_at + SKEW < ev->ts_time)
		return verdict(v, EDOC_INDETERMINATE, EDOC_SUB_TRY_LATER,
			       "the OCSP response was produced before the signature time-stamp");
	if (ev->ocsp.produced_at > claimed + LATE)
		warn(v, "the OCSP response was produced more than 24 hours after signing");
	v->r->status_ok = 1;
	rev_ctx_of(v, ev, &c);
	return check_ca_revocation(v, &c, chain);
}

/* One signature, in the order of ETSI EN 319 102-1's building blocks:
 * format and cryptography, evidence, the certificate path, time, then
 * revocation; the first verdict stands. */
static void verify_signature(struct vsig *v)
{
	struct evidence ev;
	STACK_OF(X509) *chain = NULL;
	X509 *errcert = NULL;
	time_t best, claimed = 0, nb = 0, na = 0;
	int err = 0;

	memset(&ev, 0, sizeof(ev));
	v->kicerts = sk_X509_new_null();
	v->pool = sk_X509_new_null();
	if (!v->kicerts || !v->pool) {
		FORMAT(v, "out of memory");
		goto out;
	}
	if (check_signed_data(v, &claimed) != 0 || gather_evidence(v, &ev) != 0)
		goto out;
	best = existed_at(v, &ev);
	chain = signer_chain(v, best, &err, &errcert);
	if (!chain) {
		no_chain(v, &ev, best, err, errcert);
		goto out;
	}
	if (check_signer_use(v, &ev, chain) != 0 || check_signing_time(v, &ev, claimed) != 0 ||
	    check_revocation(v, &ev, claimed, chain) != 0)
		goto out;
	if (cr_asn1_time(X509_get0_notBefore(v->signer), &nb) == 0 &&
	    cr_asn1_time(X509_get0_notAfter(v->signer), &na) == 0 && (claimed + SKEW < nb || claimed > na + SKEW))
		warn(v, "the claimed signing time is outside the certificate's validity");
	if (v->weak) {
		verdict(v, EDOC_INDETERMINATE, EDOC_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
			"SHA-1 is no longer accepted for signatures");
		goto out;
	}
	v->r->ind = EDOC_TOTAL_PASSED;
	v->r->sub = EDOC_SUB_NONE;
	v->decided = 1;
out:
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(v->kicerts, X509_free);
	sk_X509_pop_free(v->pool, X509_free);
	free(v->sigval);
	v->kicerts = v->pool = NULL;
	v->sigval = NULL;
}

/* ---- files and the report ---- */

static struct edoc_sig_result *new_result(struct edoc_report *rep, const char *file)
{
	struct edoc_sig_result *v;
	size_t n = rep->nsigs;

	/* capacity doubles (8, 16, 32, ...): a copy per result made the arena
	 * grow with the square of their number, and past its cap (at about 900
	 * signatures) later results were silently missing from the report */
	if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
		v = arena_alloc(rep->mem, (n ? 2 * n : 8) * sizeof(*v));
		if (!v)
			return NULL;
		if (n)
			memcpy(v, rep->sigs, n * sizeof(*v));
		rep->sigs = v;
	}
	v = &rep->sigs[rep->nsigs++];
	memset(v, 0, sizeof(*v));
	v->file = arena_strdup(rep->mem, file);
	v->ind = EDOC_INDETERMINATE;
	v->sub = EDOC_SUB_GENERIC;
	return v;
}

static void file_failure(struct edoc_report *rep, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void file_failure(struct edoc_report *rep, const char *file, const char *fmt, ...)
{
	struct edoc_sig_result *r = new_result(rep, file);
	char msg[400];
	va_list ap;

	if (!r)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->ind = EDOC_TOTAL_FAILED;
	r->sub = EDOC_SUB_FORMAT_FAILURE;
	r->reason = arena_strdup(rep->mem, msg);
}

/* Before a signature file (at_sig 0) or one more ds:Signature in it: when
 * a budget has run out, one INDETERMINATE result saying so stands for all
 * that is left, and nonzero is returned from then on. */
static int stop_if_spent(struct vctx *cx, const char *file, int at_sig)
{
	struct edoc_sig_result *r;
	char why[160];

	if (cx->stopped)
		return 1;
	if (!cx->rep->limit && at_sig && cx->nsigs >= cx->max_sigs)
		cx->rep->limit = EDOC_LIMIT_SIGNATURES;
	if (!cx->rep->limit && past_deadline(cx->o))
		cx->rep->limit = EDOC_LIMIT_TIME;
	if (!cx->rep->limit)
		return 0;
	cx->stopped = 1;
	r = new_result(cx->rep, file);
	if (r)
		r->unchecked = 1;
	if (r)
		r->reason = arena_strdup(cx->rep->mem, limit_text(cx, why, sizeof(why)));
	return 1;
}

static void verify_sigfile(struct vctx *cx, const struct edoc *doc, const struct edoc_entry *f, time_t now)
{
	const struct edoc_verify_opts *o = cx->o;
	struct edoc_report *rep = cx->rep;
	struct err e = {0};
	xmlDocPtr x = NULL;
	xmlNodePtr root, c;
	xmlNodePtr *ids = NULL;
	size_t nids = 0, nsig = 0;
	const char *dup = NULL;

	if (stop_if_spent(cx, f->name, 0))
		return;
	x = sx_parse(f->data, f->len, &e);
	if (!x) {
		file_failure(rep, f->name, "%s", e.msg);
		goto out;
	}
	root = xmlDocGetRootElement(x);
	if (!sx_is(root, NS_ASIC, "XAdESSignatures") && !sx_is(root, NS_ODFSIG, "document-signatures")) {
		file_failure(rep, f->name, "the root element is not asic:XAdESSignatures");
		goto out;
	}
	if (collect_ids(root, &ids, &nids, &dup) != 0) {
		file_failure(rep, f->name, "Id \"%.60s\" is used more than once", dup ? dup : "?");
		goto out;
	}
	for (c = sx_first_elem(root); c; c = sx_next_elem(c)) {
		struct vsig v;

		if (!sx_is(c, NS_DS, "Signature")) {
			file_failure(rep, f->name, "unexpected element <%.40s>", c->name);
			continue;
		}
		if (stop_if_spent(cx, f->name, 1))
			goto out;
		cx->nsigs++;
		memset(&v, 0, sizeof(v));
		v.cx = cx;
		v.doc = doc;
		v.o = o;
		v.rep = rep;
		v.now = now;
		v.ids = ids;
		v.nids = nids;
		v.sig = c;
		v.r = new_result(rep, f->name);
		if (!v.r) { /* the report is full: never a silent gap */
			if (!rep->limit)
				rep->limit = EDOC_LIMIT_SIGNATURES;
			cx->stopped = 1;
			break;
		}
		verify_signature(&v);
		nsig++;
	}
	if (!nsig && !cx->stopped)
		file_failure(rep, f->name, "the file holds no ds:Signature");
out:
	free(ids);
	xmlFreeDoc(x);
}

int edoc_report_status(const struct edoc_report *r)
{
	size_t i;
	int indeterminate = 0;

	if (!r->container_ok)
		return 3;
	if (r->nsigs == 0)
		return 1;
	for (i = 0; i < r->nsigs; i++) {
		if (r->sigs[i].ind == EDOC_TOTAL_FAILED)
			return 1;
		if (r->sigs[i].ind == EDOC_INDETERMINATE)
			indeterminate = 1;
	}
	return indeterminate || r->limit ? 2 : 0;
}

static int report_init(struct edoc_report *out)
{
	memset(out, 0, sizeof(*out));
	out->mem = arena_new(0);
	return out->mem ? 0 : -1;
}

int edoc_verify(const struct edoc *doc, const struct edoc_verify_opts *o, struct edoc_report *out)
{
	static const struct edoc_verify_opts none = {.offline = 1};
	struct vctx cx;
	time_t now;
	size_t i;

	sx_init();
	if (report_init(out) != 0)
		return 3;
	if (!o)
		o = &none;
	memset(&cx, 0, sizeof(cx));
	cx.rep = out;
	cx.o = o;
	cx.max_sigs = o->max_sigs ? o->max_sigs : MAX_SIGS_DEFAULT;
	cx.max_hashed = o->max_hashed ? o->max_hashed : MAX_HASHED_DEFAULT;
	now = o->now ? o->now : time(NULL);
	out->container_ok = 1;
	out->files = arena_alloc(out->mem, (doc->nfiles + 1) * sizeof(char *));
	for (i = 0; out->files && i < doc->nfiles; i++)
		out->files[i] = arena_strdup(out->mem, doc->files[i].name);
	out->nfiles = out->files ? doc->nfiles : 0;
	out->container_warnings = arena_alloc(out->mem, (doc->nwarnings + 1) * sizeof(char *));
	for (i = 0; out->container_warnings && i < doc->nwarnings; i++)
		out->container_warnings[i] = arena_strdup(out->mem, doc->warnings[i]);
	out->ncontainer_warnings = out->container_warnings ? doc->nwarnings : 0;
	for (i = 0; i < doc->nsigs; i++)
		verify_sigfile(&cx, doc, &doc->sigs[i], now);
	free(cx.digests);
	return edoc_report_status(out);
}

int edoc_verify_mem(const void *p, size_t n, const struct edoc_verify_opts *o, struct edoc_report *out)
{
	struct err e = {0};
	struct edoc *doc = edoc_open_mem(p, n, NULL, &e);
	int rc;

	if (!doc) {
		if (report_init(out) != 0)
			return 3;
		out->container_ok = 0;
		out->container_error = arena_strdup(out->mem, e.msg);
		return 3;
	}
	rc = edoc_verify(doc, o, out);
	edoc_free(doc);
	return rc;
}

void edoc_report_free(struct edoc_report *r)
{
	if (!r)
		return;
	arena_free(r->mem);
	memset(r, 0, sizeof(*r));
}
