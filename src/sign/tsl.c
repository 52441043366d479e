/* tsl.c — ETSI TS 119 612 trusted lists as trust anchors: reading the list
 * (hostile XML, sx_parse), checking its enveloped XML signature against the
 * configured signers (or, for a member state's list, the certificates the
 * EU list of lists points to), and turning the CA/QC and TSA services'
 * granted periods into anchors usable only within them. See tsl.h. */
#include "sign/tsl.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "core/base64.h"
#include "core/buf.h"
#include "sign/internal.h"
#include "sign/pki.h"
#include "sign/verify.h"

#define URI_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define TSL_LOTL_TYPE "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
#define SVC_STATUS "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
#define SVC_TYPE "http://uri.etsi.org/TrstSvc/Svctype/"

struct tsl_pending {
	char *name;
	xmlDocPtr doc;
};

/* The certificates the list of lists names for one territory's list. */
struct tsl_pointer {
	char territory[16];
	STACK_OF(X509) * certs;
};

/* Whether uri is prefix followed by one of names. */
static int uri_in(const char *uri, const char *prefix, const char *const *names, size_t n)
{
	size_t i, k = strlen(prefix);

	if (!uri || strncmp(uri, prefix, k) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(uri + k, names[i]) == 0)
			return 1;
	return 0;
}

int tsl_status_granted(const char *uri)
{
	/* clause 5.5.4: granted; Annex J maps the pre-eIDAS (TS 119 612
	 * v1) statuses of a supervised or accredited service to granted */
	static const char *const ok[] = {"granted", "undersupervision", "supervisionincessation", "accredited",
					 "setbynationallaw"};

	return uri_in(uri, SVC_STATUS, ok, sizeof(ok) / sizeof(ok[0]));
}

int tsl_type_wanted(const char *uri)
{
	static const char *const ok[] = {"CA/QC", "TSA", "TSA/QTST"};

	return uri_in(uri, SVC_TYPE, ok, sizeof(ok) / sizeof(ok[0]));
}

int tsl_sniff(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < n && p[i] == '<';
}

int tsl_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int tsl_add(struct edoc_trust *t, const char *name, const unsigned char *p, size_t n, struct err *e)
{
	struct err pe = {0};
	struct tsl_pending *v;
	xmlDocPtr doc;
	xmlNodePtr root;

	if (t->npending + t->nlists >= TSL_MAX_LISTS) {
		err_set(e, ERR_BAD_REQUEST, "%s: more than %d trusted lists", name, TSL_MAX_LISTS);
		return -1;
	}
	doc = sx_parse(p, n, &pe);
	if (!doc) {
		err_set(e, ERR_BAD_REQUEST, "%s: %s", name, pe.msg);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (!sx_is(root, NS_TSL, "TrustServiceStatusList")) {
		err_set(e, ERR_BAD_REQUEST,
			"%s: XML, but not an ETSI TS 119 612 trusted list (root tsl:TrustServiceStatusList)", name);
		xmlFreeDoc(doc);
		return -1;
	}
	v = realloc(t->pending, (t->npending + 1) * sizeof(*v));
	if (!v) {
		xmlFreeDoc(doc);
		err_set(e, ERR_INTERNAL, "out of memory");
		return -1;
	}
	t->pending = v;
	v[t->npending].name = strdup(name);
	v[t->npending].doc = doc;
	if (!v[t->npending].name) {
		xmlFreeDoc(doc);
		err_set(e, ERR_INTERNAL, "out of memory");
		return -1;
	}
	t->npending++;
	return 0;
}

static int visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int tsl_add_dir(struct edoc_trust *t, const char *path, struct err *e)
{
	struct dirent **names = NULL;
	int i, n, rc = 0, files = 0;

	n = scandir(path, &names, visible, alphasort);
	if (n < 0) {
		err_set(e, ERR_BAD_REQUEST, "%s: cannot list the folder", path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char full[4096];
		struct stat st;

		snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
		if (rc == 0 && stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			if (++files > TSL_MAX_DIR_FILES) {
				err_set(e, ERR_BAD_REQUEST, "%s: more than %d files", path, TSL_MAX_DIR_FILES);
				rc = -1;
			} else {
				rc = edoc_trust_add_file(t, full, e);
			}
		}
		free(names[i]);
	}
	free(names);
	if (rc == 0 && files == 0) {
		err_set(e, ERR_BAD_REQUEST, "%s: no files in the folder", path);
		rc = -1;
	}
	return rc;
}

/* The lists read but not yet verified. */
static void free_pending(struct edoc_trust *t)
{
	size_t i;

	for (i = 0; i < t->npending; i++) {
		free(t->pending[i].name);
		xmlFreeDoc(t->pending[i].doc);
	}
	free(t->pending);
	t->pending = NULL;
	t->npending = 0;
}

void tsl_free_lists(struct edoc_trust *t)
{
	free_pending(t);
	free(t->lists);
	t->lists = NULL;
	t->nlists = 0;
}

/* ---- small readers ---- */

/* The text of the element at a path of tsl: children, into out; "" if
 * absent. */
static void text_at(xmlNodePtr n, const char *const *path, char *out, size_t cap)
{
	char *s;

	for (; n && *path; path++)
		n = sx_child(n, NS_TSL, *path);
	s = n ? sx_text(n) : NULL;
	snprintf(out, cap, "%s", s ? s : "");
	free(s);
}

static int time_at(xmlNodePtr n, const char *name, time_t *t)
{
	xmlNodePtr c = sx_child(n, NS_TSL, name);
	char *s = c ? sx_text(c) : NULL;
	int rc = s ? sx_parse_time(s, t) : -1;

	free(s);
	return rc;
}

/* A certificate from base64; an anchor of known with the same DER is
 * reused (OpenSSL 3.0 takes about a millisecond to decode one). */
static X509 *cert_from_b64(const struct edoc_trust *known, const char *b64)
{
	size_t n = 0;
	unsigned char *der = b64_decode_new(b64, &n);
	X509 *x = der && known ? pki_anchor_by_der(known, der, n) : NULL;

	if (x && !X509_up_ref(x))
		x = NULL;
	else if (!x && der)
		x = cr_x509_from_der(der, n);
	free(der);
	return x;
}

/* The X509Certificate elements of a ServiceDigitalIdentity, pushed on out. */
static int identity_certs(const struct edoc_trust *known, xmlNodePtr sdi, STACK_OF(X509) * out, const char *where,
			  struct err *e)
{
	xmlNodePtr d, c;
	int k = 0;

	for (d = sx_first_elem(sdi); d; d = sx_next_elem(d)) {
		if (!sx_is(d, NS_TSL, "DigitalId"))
			continue;
		for (c = sx_first_elem(d); c; c = sx_next_elem(c)) {
			char *b64;
			X509 *x;

			if (!sx_is(c, NS_TSL, "X509Certificate"))
				continue;
			if (++k > TSL_MAX_IDS) {
				err_set(e, ERR_BAD_REQUEST, "%s: more than %d certificates in one identity", where,
					TSL_MAX_IDS);
				return -1;
			}
			b64 = sx_text(c);
			x = b64 ? cert_from_b64(known, b64) : NULL;
			free(b64);
			if (!x || !sk_X509_push(out, x)) {
				X509_free(x);
				err_set(e, ERR_BAD_REQUEST, "%s: an X509Certificate that is not a certificate", where);
				return -1;
			}
		}
	}
	return 0;
}

/* ---- the enveloped signature (TS 119 612 clause 5.7) ---- */

static int algo(xmlNodePtr parent, const char *name, const char **uri)
{
	xmlNodePtr n = sx_child(parent, NS_DS, name);

	*uri = n ? sx_attr(n, "Algorithm") : NULL;
	return *uri && !sx_first_elem(n) ? 0 : -1;
}

static int weak(const EVP_MD *md)
{
	return !md || EVP_MD_get_type(md) == NID_sha1 || EVP_MD_get_size(md) < 32;
}

/* The signature's parts, checked for the shape clause 5.7.1 allows: one
 * reference to the whole list, enveloped-signature then one canonicalization. */
struct dsig {
	xmlNodePtr sig, si;
	struct c14n_method si_c14n, ref_c14n;
	const EVP_MD *sig_md, *dig_md;
	int keytype;
	unsigned char *value, *digest;
	size_t value_len, digest_len;
};

static int dsig_transforms(xmlNodePtr ref, struct dsig *d, struct err *e)
{
	xmlNodePtr tr = sx_child(ref, NS_DS, "Transforms"), x;
	int n = 0, enveloped = 0, c14n = 0;

	d->ref_c14n.mode = XML_C14N_1_0; /* clause 4.3.3 of XMLDSig: the default */
	d->ref_c14n.comments = 0;
	for (x = sx_first_elem(tr); x; x = sx_next_elem(x), n++) {
		const char *uri = sx_is(x, NS_DS, "Transform") ? sx_attr(x, "Algorithm") : NULL;

		if (!uri || sx_first_elem(x) || n > 1) {
			err_set(e, ERR_BAD_REQUEST,
				"a transform other than enveloped-signature and one "
				"canonicalization (without InclusiveNamespaces)");
			return -1;
		}
		if (n == 0 && strcmp(uri, URI_ENVELOPED) == 0) {
			enveloped = 1;
		} else if (n == 1 && sx_c14n_method(uri, &d->ref_c14n) == 0) {
			c14n = 1;
		} else {
			err_set(e, ERR_BAD_REQUEST, "transform %s is not allowed here", uri);
			return -1;
		}
	}
	if (!enveloped || (n == 2 && !c14n)) {
		err_set(e, ERR_BAD_REQUEST, "the reference lacks the enveloped-signature transform");
		return -1;
	}
	return 0;
}

static unsigned char *b64_child(xmlNodePtr parent, const char *name, size_t *len)
{
	xmlNodePtr n = sx_child(parent, NS_DS, name);
	char *s = n ? sx_text(n) : NULL;
	unsigned char *out = s ? b64_decode_new(s, len) : NULL;

	free(s);
	return out;
}

static int dsig_read(xmlNodePtr root, struct dsig *d, struct err *e)
{
	xmlNodePtr ref;
	const char *cm, *sm, *dm, *uri, *id;

	if (sx_count_children(root, NS_DS, "Signature") != 1) {
		err_set(e, ERR_BAD_REQUEST, "the list must hold exactly one ds:Signature (clause 5.7.1)");
		return -1;
	}
	d->sig = sx_child(root, NS_DS, "Signature");
	d->si = sx_child(d->sig, NS_DS, "SignedInfo");
	if (!d->si || algo(d->si, "CanonicalizationMethod", &cm) != 0 || sx_c14n_method(cm, &d->si_c14n) != 0 ||
	    algo(d->si, "SignatureMethod", &sm) != 0 || cr_sigmethod(sm, &d->sig_md, &d->keytype) != 0 ||
	    weak(d->sig_md)) {
		err_set(e, ERR_BAD_REQUEST,
			"SignedInfo: an unsupported canonicalization or signature method "
			"(RSA or ECDSA with SHA-256 or stronger)");
		return -1;
	}
	if (sx_count_children(d->si, NS_DS, "Reference") != 1) {
		err_set(e, ERR_BAD_REQUEST, "SignedInfo must hold exactly one ds:Reference");
		return -1;
	}
	ref = sx_child(d->si, NS_DS, "Reference");
	uri = sx_attr(ref, "URI");
	id = sx_attr(root, "Id");
	if (!uri || (uri[0] && !(uri[0] == '#' && id && strcmp(uri + 1, id) == 0))) {
		err_set(e, ERR_BAD_REQUEST, "the reference does not cover the whole list (URI \"\" or #Id)");
		return -1;
	}
	if (dsig_transforms(ref, d, e) != 0)
		return -1;
	d->dig_md = algo(ref, "DigestMethod", &dm) == 0 ? cr_digest_by_uri(dm) : NULL;
	if (weak(d->dig_md)) {
		err_set(e, ERR_BAD_REQUEST, "an unsupported digest method (SHA-256 or stronger)");
		return -1;
	}
	d->digest = b64_child(ref, "DigestValue", &d->digest_len);
	d->value = b64_child(d->sig, "SignatureValue", &d->value_len);
	if (!d->digest || !d->value) {
		err_set(e, ERR_BAD_REQUEST, "DigestValue or SignatureValue missing or not base64");
		return -1;
	}
	return 0;
}

/* Who signed, when it is not one of the signers: the KeyInfo certificate's
 * subject, if it verifies the signature. */
static void name_other_signer(const struct dsig *d, const struct buf *si, char *out, size_t cap)
{
	xmlNodePtr ki = sx_child(d->sig, NS_DS, "KeyInfo");
	xmlNodePtr xd = sx_child(ki, NS_DS, "X509Data");
	xmlNodePtr xc = sx_child(xd, NS_DS, "X509Certificate");
	char *b64 = xc ? sx_text(xc) : NULL;
	X509 *x = b64 ? cr_x509_from_b64(b64) : NULL;
	char *who = NULL;

	out[0] = '\0';
	if (x && X509_get0_pubkey(x) &&
	    cr_verify(X509_get0_pubkey(x), d->sig_md, d->keytype, si->data, si->len, d->value, d->value_len) == 1)
		who = cr_name_oneline(X509_get_subject_name(x));
	if (who)
		snprintf(out, cap, " (it was signed by %s)", who);
	free(who);
	X509_free(x);
	free(b64);
	ERR_clear_error();
}

/* Checks the list's signature against signers; the ds:Signature is removed
 * from the document afterwards (the enveloped transform). */
static int check_signature(xmlNodePtr root, STACK_OF(X509) * signers, struct err *e)
{
	struct dsig d;
	struct buf si, body;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char other[400];
	int i, ok = 0, rc = -1;

	memset(&d, 0, sizeof(d));
	buf_init(&si, TSL_MAX_FILE);
	buf_init(&body, 4 * TSL_MAX_FILE);
	if (dsig_read(root, &d, e) != 0)
		goto out;
	if (sx_c14n(d.si, &d.si_c14n, NULL, &si) != 0) {
		err_set(e, ERR_BAD_REQUEST, "SignedInfo cannot be canonicalized");
		goto out;
	}
	for (i = 0; !ok && i < sk_X509_num(signers); i++) {
		EVP_PKEY *key = X509_get0_pubkey(sk_X509_value(signers, i));

		ok = key && cr_verify(key, d.sig_md, d.keytype, si.data, si.len, d.value, d.value_len) == 1;
	}
	ERR_clear_error();
	if (!ok) {
		name_other_signer(&d, &si, other, sizeof(other));
		err_set(e, ERR_BAD_REQUEST,
			"its signature does not verify with the trust-list-signer certificate(s)%s: signed by "
			"another key, or SignedInfo altered",
			other);
		goto out;
	}
	xmlUnlinkNode(d.sig);
	xmlFreeNode(d.sig);
	if (sx_c14n(root, &d.ref_c14n, NULL, &body) != 0 || cr_digest(d.dig_md, body.data, body.len, md, &mdlen) != 0) {
		err_set(e, ERR_BAD_REQUEST, "the list cannot be canonicalized");
		goto out;
	}
	if (mdlen != d.digest_len || CRYPTO_memcmp(md, d.digest, mdlen) != 0) {
		err_set(e, ERR_BAD_REQUEST,
			"the list was altered after it was signed (the digest of its content does not match)");
		goto out;
	}
	rc = 0;
out:
	free(d.value);
	free(d.digest);
	buf_free(&si);
	buf_free(&body);
	return rc;
}

/* ---- services and their status history (clause 5.5, 5.6) ---- */

struct entry {
	time_t start;
	int granted, wanted;
	xmlNodePtr sdi;
};

static int read_entry(xmlNodePtr n, struct entry *en)
{
	static const char *const type[] = {"ServiceTypeIdentifier", NULL};
	static const char *const status[] = {"ServiceStatus", NULL};
	char tbuf[256], sbuf[256];

	text_at(n, type, tbuf, sizeof(tbuf));
	text_at(n, status, sbuf, sizeof(sbuf));
	en->wanted = tsl_type_wanted(tbuf);
	en->granted = tsl_status_granted(sbuf);
	en->sdi = sx_child(n, NS_TSL, "ServiceDigitalIdentity");
	return time_at(n, "StatusStartingTime", &en->start);
}

static int by_start_desc(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->start < y->start ? 1 : x->start > y->start ? -1 : 0;
}

/* One service: its current status and its history, newest first; each holds
 * from its StatusStartingTime until the next newer one's (clause 5.6). */
static int read_service(struct edoc_trust *t, xmlNodePtr svc, struct tsl_info *info, struct err *e)
{
	struct entry v[TSL_MAX_HISTORY + 1];
	xmlNodePtr si = sx_child(svc, NS_TSL, "ServiceInformation");
	xmlNodePtr hist = sx_child(svc, NS_TSL, "ServiceHistory"), h;
	size_t n = 0, k;
	int i;

	if (!si || read_entry(si, &v[n++]) != 0) {
		err_set(e, ERR_BAD_REQUEST, "%s: a service without ServiceInformation or StatusStartingTime",
			info->name);
		return -1;
	}
	for (h = sx_first_elem(hist); h; h = sx_next_elem(h)) {
		if (!sx_is(h, NS_TSL, "ServiceHistoryInstance"))
			continue;
		if (n > TSL_MAX_HISTORY) {
			err_set(e, ERR_BAD_REQUEST, "%s: more than %d history entries in one service", info->name,
				TSL_MAX_HISTORY);
			return -1;
		}
		if (read_entry(h, &v[n++]) != 0) {
			err_set(e, ERR_BAD_REQUEST, "%s: a history entry without StatusStartingTime", info->name);
			return -1;
		}
	}
	qsort(v, n, sizeof(v[0]), by_start_desc);
	for (k = 0; k < n; k++) {
		struct tsl_period p = {v[k].start, k ? v[k - 1].start : 0};
		STACK_OF(X509) * certs;
		int rc = 0;

		if (!v[k].granted || !v[k].wanted || (p.to && p.to <= p.from))
			continue;
		if (sk_X509_num(t->anchors) >= TSL_MAX_ANCHORS) {
			err_set(e, ERR_BAD_REQUEST, "%s: more than %d anchors", info->name, TSL_MAX_ANCHORS);
			return -1;
		}
		certs = sk_X509_new_null();
		if (!certs || identity_certs(t, v[k].sdi, certs, info->name, e) != 0) {
			sk_X509_pop_free(certs, X509_free);
			return -1;
		}
		for (i = 0; rc == 0 && i < sk_X509_num(certs); i++, info->anchors++)
			rc = pki_add_anchor(t, sk_X509_value(certs, i), &p);
		sk_X509_pop_free(certs, X509_free);
		if (rc != 0) {
			err_set(e, ERR_BAD_REQUEST, "%s: too many status periods for one certificate", info->name);
			return -1;
		}
	}
	return 0;
}

static int read_services(struct edoc_trust *t, xmlNodePtr root, struct tsl_info *info, struct err *e)
{
	xmlNodePtr tsps = sx_child(root, NS_TSL, "TrustServiceProviderList"), tsp, svc;
	size_t ntsp = 0, nsvc = 0;

	for (tsp = sx_first_elem(tsps); tsp; tsp = sx_next_elem(tsp)) {
		if (!sx_is(tsp, NS_TSL, "TrustServiceProvider"))
			continue;
		if (++ntsp > TSL_MAX_TSPS) {
			err_set(e, ERR_BAD_REQUEST, "%s: more than %d trust service providers", info->name,
				TSL_MAX_TSPS);
			return -1;
		}
		for (svc = sx_first_elem(sx_child(tsp, NS_TSL, "TSPServices")); svc; svc = sx_next_elem(svc)) {
			if (!sx_is(svc, NS_TSL, "TSPService"))
				continue;
			if (++nsvc > TSL_MAX_SERVICES) {
				err_set(e, ERR_BAD_REQUEST, "%s: more than %d services", info->name, TSL_MAX_SERVICES);
				return -1;
			}
			if (read_service(t, svc, info, e) != 0)
				return -1;
		}
	}
	return 0;
}

/* ---- the list of lists' pointers (clause 5.3.13) ---- */

static void pointers_free(struct tsl_pointer *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sk_X509_pop_free(p[i].certs, X509_free);
	free(p);
}

static int read_pointers(xmlNodePtr root, const char *name, struct tsl_pointer **pv, size_t *pn, struct err *e)
{
	static const char *const ptrs[] = {"SchemeInformation", "PointersToOtherTSL", NULL};
	xmlNodePtr list = sx_child(root, NS_TSL, ptrs[0]), ptr, oi;
	size_t count = 0;

	list = sx_child(list, NS_TSL, ptrs[1]);
	for (ptr = sx_first_elem(list); ptr; ptr = sx_next_elem(ptr)) {
		struct tsl_pointer *v, *p;
		xmlNodePtr sdis = sx_child(ptr, NS_TSL, "ServiceDigitalIdentities"), sdi;

		if (!sx_is(ptr, NS_TSL, "OtherTSLPointer"))
			continue;
		if (++count > TSL_MAX_POINTERS) {
			err_set(e, ERR_BAD_REQUEST, "%s: more than %d OtherTSLPointer entries", name, TSL_MAX_POINTERS);
			return -1;
		}
		v = realloc(*pv, (*pn + 1) * sizeof(*v));
		if (!v) {
			err_set(e, ERR_INTERNAL, "out of memory");
			return -1;
		}
		*pv = v;
		p = &v[(*pn)++];
		memset(p, 0, sizeof(*p));
		p->certs = sk_X509_new_null();
		if (!p->certs) {
			err_set(e, ERR_INTERNAL, "out of memory");
			return -1;
		}
		oi = sx_child(sx_child(ptr, NS_TSL, "AdditionalInformation"), NS_TSL, "OtherInformation");
		for (; oi; oi = sx_next_elem(oi)) {
			static const char *const terr[] = {"SchemeTerritory", NULL};
			char tbuf[16];

			text_at(oi, terr, tbuf, sizeof(tbuf));
			if (tbuf[0])
				snprintf(p->territory, sizeof(p->territory), "%s", tbuf);
		}
		for (sdi = sx_first_elem(sdis); sdi; sdi = sx_next_elem(sdi))
			if (sx_is(sdi, NS_TSL, "ServiceDigitalIdentity") &&
			    identity_certs(NULL, sdi, p->certs, name, e) != 0)
				return -1;
	}
	return 0;
}

/* ---- loading ---- */

static int read_scheme(xmlNodePtr root, struct tsl_info *info, struct err *e)
{
	static const char *const type[] = {"SchemeInformation", "TSLType", NULL};
	static const char *const terr[] = {"SchemeInformation", "SchemeTerritory", NULL};
	xmlNodePtr si = sx_child(root, NS_TSL, "SchemeInformation");
	xmlNodePtr nu = sx_child(si, NS_TSL, "NextUpdate");
	char tbuf[256];

	if (!si) {
		err_set(e, ERR_BAD_REQUEST, "%s: no SchemeInformation", info->name);
		return -1;
	}
	text_at(root, type, tbuf, sizeof(tbuf));
	info->lotl = strcmp(tbuf, TSL_LOTL_TYPE) == 0;
	text_at(root, terr, info->territory, sizeof(info->territory));
	/* clause 5.3.15: an empty NextUpdate closes the list */
	if (nu && sx_child(nu, NS_TSL, "dateTime") && time_at(nu, "dateTime", &info->next_update) != 0) {
		err_set(e, ERR_BAD_REQUEST, "%s: NextUpdate is not an xsd:dateTime", info->name);
		return -1;
	}
	return 0;
}

/* The signers a list may have: the configured ones, and for a member
 * state's list those a verified list of lists points to. */
static STACK_OF(X509) *
    signers_for(const struct edoc_trust *t, const struct tsl_info *info, const struct tsl_pointer *pv, size_t pn)
{
	STACK_OF(X509) *s = sk_X509_dup(t->list_signers);
	size_t i;
	int k;

	for (i = 0; s && !info->lotl && i < pn; i++)
		if (info->territory[0] && strcmp(pv[i].territory, info->territory) == 0)
			for (k = 0; k < sk_X509_num(pv[i].certs); k++)
				sk_X509_push(s, sk_X509_value(pv[i].certs, k));
	return s;
}

static int load_one(struct edoc_trust *t, struct tsl_pending *p, struct tsl_pointer **pv, size_t *pn, struct err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(p->doc);
	struct tsl_info info;
	struct err se = {0};
	STACK_OF(X509) * signers;
	struct tsl_info *v;
	int rc;

	memset(&info, 0, sizeof(info));
	snprintf(info.name, sizeof(info.name), "%s", p->name);
	if (read_scheme(root, &info, e) != 0)
		return -1;
	signers = signers_for(t, &info, *pv, *pn);
	rc = signers ? check_signature(root, signers, &se) : -1;
	sk_X509_free(signers);
	if (rc != 0) {
		err_set(e, ERR_BAD_REQUEST, "trusted list %s refused: %s", p->name, se.msg);
		return -1;
	}
	if ((info.lotl && read_pointers(root, p->name, pv, pn, e) != 0) || read_services(t, root, &info, e) != 0)
		return -1;
	v = realloc(t->lists, (t->nlists + 1) * sizeof(*v));
	if (!v) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return -1;
	}
	t->lists = v;
	v[t->nlists++] = info;
	return 0;
}

int edoc_trust_add_list_signer(struct edoc_trust *t, const char *path, struct err *e)
{
	struct edoc_trust *tmp = edoc_trust_new();
	int i, rc = -1;

	if (!tmp) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return -1;
	}
	if (!t->list_signers)
		t->list_signers = sk_X509_new_null();
	if (t->list_signers && !tsl_is_dir(path) && edoc_trust_add_file(tmp, path, e) == 0 && tmp->npending == 0) {
		for (i = 0; i < sk_X509_num(tmp->anchors); i++) {
			X509 *x = sk_X509_value(tmp->anchors, i);

			if (X509_up_ref(x) && !sk_X509_push(t->list_signers, x))
				X509_free(x);
		}
		rc = 0;
	} else {
		err_set(e, ERR_BAD_REQUEST, "%s: not a PEM file of certificates", path);
	}
	edoc_trust_free(tmp);
	return rc;
}

/* Lists of lists first: their pointers name the member states' signers. */
int edoc_trust_finish(struct edoc_trust *t, struct err *e)
{
	struct tsl_pointer *pv = NULL;
	size_t pn = 0, i;
	int pass, rc = 0;

	if (t->npending && sk_X509_num(t->list_signers) <= 0) {
		err_set(e, ERR_BAD_REQUEST,
			"trusted list %s: no trust-list-signer is configured (the certificate its signature is "
			"checked against)",
			t->pending[0].name);
		rc = -1;
	}
	for (pass = 0; rc == 0 && pass < 2; pass++) {
		for (i = 0; rc == 0 && i < t->npending; i++) {
			static const char *const type[] = {"SchemeInformation", "TSLType", NULL};
			char tbuf[256];

			text_at(xmlDocGetRootElement(t->pending[i].doc), type, tbuf, sizeof(tbuf));
			if ((strcmp(tbuf, TSL_LOTL_TYPE) == 0) == (pass == 0))
				rc = load_one(t, &t->pending[i], &pv, &pn, e);
		}
	}
	pointers_free(pv, pn);
	free_pending(t);
	return rc;
}

size_t edoc_trust_list_count(const struct edoc_trust *t)
{
	return t ? t->nlists + t->npending : 0;
}

size_t edoc_trust_stale(const struct edoc_trust *t, time_t now, char *out, size_t cap)
{
	size_t i, n = 0;
	char when[32];

	if (cap)
		out[0] = '\0';
	for (i = 0; t && i < t->nlists; i++) {
		if (!t->lists[i].next_update || t->lists[i].next_update >= now)
			continue;
		if (n++ == 0 && cap) {
			sx_format_time(t->lists[i].next_update, when);
			snprintf(out, cap,
				 "the trusted list %s%s%s is out of date (its NextUpdate, %s, has passed); it "
				 "was used as last published",
				 t->lists[i].territory, t->lists[i].territory[0] ? " " : "", t->lists[i].name, when);
		}
	}
	return n;
}

int tsl_fuzz_one(const unsigned char *p, size_t n)
{
	struct edoc_trust *t = edoc_trust_new();
	STACK_OF(X509) *none = sk_X509_new_null();
	struct tsl_pointer *pv = NULL;
	struct tsl_info info;
	struct err e = {0};
	xmlDocPtr doc = NULL;
	size_t pn = 0;
	int rc = -1;

	if (!t || !none || tsl_add(t, "fuzz", p, n, &e) != 0)
		goto out;
	memset(&info, 0, sizeof(info));
	if (read_scheme(xmlDocGetRootElement(t->pending[0].doc), &info, &e) != 0)
		goto out;
	/* the signature's readers and canonicalization, on a copy */
	doc = xmlCopyDoc(t->pending[0].doc, 1);
	if (doc)
		check_signature(xmlDocGetRootElement(doc), none, &e);
	/* and every reader after it, as if it had held */
	if (read_pointers(xmlDocGetRootElement(t->pending[0].doc), "fuzz", &pv, &pn, &e) == 0 &&
	    read_services(t, xmlDocGetRootElement(t->pending[0].doc), &info, &e) == 0)
		rc = (int)info.anchors;
out:
	xmlFreeDoc(doc);
	pointers_free(pv, pn);
	sk_X509_free(none);
	edoc_trust_free(t);
	return rc;
}
