/* auth_cert.c — the eID authentication certificate check. See auth_cert.h.
 *
 * Paths are pki_verify_chain()'s (partial chains to an anchor accepted),
 * OCSP answers are fetched by net.c and judged by pki_check_ocsp(); what is
 * here is the order of the checks, the purpose rule, the subject's
 * identity and a small cache of good OCSP answers. */
#include "sign/auth_cert.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "core/i18n.h"
#include "sign/internal.h"
#include "sign/net.h"
#include "sign/pki.h"
#include "sign/sign.h"
#include "sign/verify.h"

#define AUTH_OCSP_SKEW 900 /* seconds a responder's clock may differ from ours */

struct cache_entry {
	unsigned char key[SHA256_DIGEST_LENGTH]; /* SHA-256 of the certificate's DER */
	time_t until;
};

struct auth_cert_ctx {
	struct edoc_trust *anchors;
	struct edoc_trust *cas; /* may be empty */
	char *ocsp_url;         /* NULL: AIA */
	int ocsp_timeout;
	int cache_ttl;
	size_t cache_max;
	pthread_mutex_t lock;
	struct cache_entry *cache;
	size_t ncache;
};

const char *auth_cert_reason(enum auth_cert_result r)
{
	switch (r) {
	case AUTH_CERT_OK: return "ok";
	case AUTH_CERT_BAD_FORMAT: return "bad_format";
	case AUTH_CERT_UNTRUSTED: return "untrusted";
	case AUTH_CERT_NOT_YET_VALID: return "not_yet_valid";
	case AUTH_CERT_EXPIRED: return "expired";
	case AUTH_CERT_NOT_FOR_AUTH: return "not_for_auth";
	case AUTH_CERT_NO_IDENTITY: return "no_identity";
	case AUTH_CERT_REVOKED: return "revoked";
	case AUTH_CERT_OCSP_UNKNOWN: return "ocsp_unknown";
	case AUTH_CERT_OCSP_UNAVAILABLE: return "ocsp_unavailable";
	case AUTH_CERT_INTERNAL: break;
	}
	return "internal";
}

/* msgids (N_ marks them for xgettext); the web layer translates them. */
const char *auth_cert_message(enum auth_cert_result r)
{
	switch (r) {
	case AUTH_CERT_OK: return "";
	case AUTH_CERT_BAD_FORMAT:
		return N_("The card's certificate could not be read. Try again, or use another way to log in.");
	case AUTH_CERT_UNTRUSTED:
		return N_("The card's certificate was not issued by a certification authority this portal accepts for "
			  "logging in.");
	case AUTH_CERT_NOT_YET_VALID:
		return N_("The card's certificate is not valid yet. Check the date and time of your computer.");
	case AUTH_CERT_EXPIRED:
		return N_("The card's certificate has expired. Renew your eID card's certificates, or use another way "
			  "to log in.");
	case AUTH_CERT_NOT_FOR_AUTH:
		return N_("This is the card's signing certificate. Logging in needs the authentication certificate "
			  "(PIN1).");
	case AUTH_CERT_NO_IDENTITY:
		return N_("The card's certificate does not name a person with a personal code, so it cannot be used to "
			  "log in.");
	case AUTH_CERT_REVOKED:
		return N_(
		    "The card's certificate has been revoked (suspended or cancelled). It cannot be used to log in.");
	case AUTH_CERT_OCSP_UNKNOWN:
		return N_("The certificate's validity service does not know this certificate. It cannot be used to log "
			  "in.");
	case AUTH_CERT_OCSP_UNAVAILABLE:
		return N_(
		    "The certificate's validity could not be checked just now. Please try again in a few minutes.");
	case AUTH_CERT_INTERNAL: break;
	}
	return N_("Logging in with the eID card is not possible just now. Please try again later.");
}

static void say(char *why, size_t whylen, const char *fmt, const char *arg)
{
	if (why && whylen)
		snprintf(why, whylen, fmt, arg ? arg : "");
}

struct auth_cert_ctx *auth_cert_new(const struct auth_cert_opts *o, struct err *e)
{
	struct auth_cert_ctx *c = calloc(1, sizeof(*c));

	if (!c) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->anchors = edoc_trust_new();
	c->cas = edoc_trust_new();
	if (!c->anchors || !c->cas) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	if (!o->trust_file || !*o->trust_file) {
		err_set(e, ERR_BAD_REQUEST, "no trust anchors for logging in (auth-trust or trust)");
		goto fail;
	}
	if (edoc_trust_add_file(c->anchors, o->trust_file, e) != 0)
		goto fail;
	if (o->ca_file && *o->ca_file && edoc_trust_add_file(c->cas, o->ca_file, e) != 0)
		goto fail;
	if (o->ocsp_url && *o->ocsp_url) {
		c->ocsp_url = strdup(o->ocsp_url);
		if (!c->ocsp_url) {
			err_set(e, ERR_INTERNAL, "out of memory");
			goto fail;
		}
	}
	c->ocsp_timeout = o->ocsp_timeout > 0 ? o->ocsp_timeout : 5;
	c->cache_ttl = o->cache_ttl == 0 ? 300 : o->cache_ttl;
	c->cache_max = o->cache_max ? o->cache_max : 4096;
	return c;
fail:
	auth_cert_free(c);
	return NULL;
}

void auth_cert_free(struct auth_cert_ctx *c)
{
	if (!c)
		return;
	edoc_trust_free(c->anchors);
	edoc_trust_free(c->cas);
	free(c->ocsp_url);
	free(c->cache);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void auth_cert_cache_clear(struct auth_cert_ctx *c)
{
	pthread_mutex_lock(&c->lock);
	free(c->cache);
	c->cache = NULL;
	c->ncache = 0;
	pthread_mutex_unlock(&c->lock);
}

/* ---- the cache of good OCSP answers ---- */

static int cert_key(X509 *x, unsigned char key[SHA256_DIGEST_LENGTH])
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	int ok = n > 0 && SHA256(der, (size_t)n, key) != NULL;

	OPENSSL_free(der);
	return ok ? 0 : -1;
}

static int cache_good(struct auth_cert_ctx *c, const unsigned char *key, time_t now)
{
	size_t i;
	int hit = 0;

	if (c->cache_ttl < 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->ncache; i++)
		if (!memcmp(c->cache[i].key, key, SHA256_DIGEST_LENGTH)) {
			hit = c->cache[i].until > now;
			break;
		}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Keeps a good answer until now + ttl: in place of an entry for the same
 * certificate, else of an expired one, else of the one that ends first
 * (the table never grows beyond cache_max). */
static void cache_put(struct auth_cert_ctx *c, const unsigned char *key, time_t now)
{
	size_t i, slot = (size_t)-1;

	if (c->cache_ttl < 0)
		return;
	pthread_mutex_lock(&c->lock);
	if (!c->cache) {
		c->cache = calloc(c->cache_max, sizeof(*c->cache));
		if (!c->cache)
			goto out;
	}
	for (i = 0; i < c->ncache; i++)
		if (!memcmp(c->cache[i].key, key, SHA256_DIGEST_LENGTH)) {
			slot = i;
			break;
		}
	if (slot == (size_t)-1) {
		for (i = 0; i < c->ncache; i++)
			if (c->cache[i].until <= now) {
				slot = i;
				break;
			}
	}
	if (slot == (size_t)-1 && c->ncache < c->cache_max)
		slot = c->ncache++;
	if (slot == (size_t)-1) {
		slot = 0;
		for (i = 1; i < c->ncache; i++)
			if (c->cache[i].until < c->cache[slot].until)
				slot = i;
	}
	memcpy(c->cache[slot].key, key, SHA256_DIGEST_LENGTH);
	c->cache[slot].until = now + c->cache_ttl;
out:
	pthread_mutex_unlock(&c->lock);
}

/* ---- the identity ---- */

int auth_pno_parse(const char *s, char country[3])
{
	size_t i, n;

	if (!s || strncmp(s, "PNO", 3) != 0 || !isupper((unsigned char)s[3]) || !isupper((unsigned char)s[4]) ||
	    s[5] != '-')
		return -1;
	n = strlen(s + 6);
	if (!strncmp(s + 3, "LV", 2)) {
		/* DDMMYY-NNNNN (the newer codes begin with 32: same shape) */
		if (n != 12 || s[12] != '-')
			return -1;
		for (i = 6; i < 18; i++)
			if (i != 12 && !isdigit((unsigned char)s[i]))
				return -1;
	} else {
		if (n < 1 || n > 40)
			return -1;
		for (i = 6; s[i]; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '-')
				return -1;
	}
	country[0] = s[3];
	country[1] = s[4];
	country[2] = '\0';
	return 0;
}

/* A name component fit to show: valid UTF-8 (OpenSSL gave UTF-8), no
 * control characters, not empty. */
static int name_ok(const char *s)
{
	const unsigned char *p;

	if (!s || !*s)
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static int identity_of(X509 *x, struct auth_identity *id)
{
	const X509_NAME *subj = X509_get_subject_name(x);
	char *sn = cr_name_entry(subj, NID_serialNumber), *gn = cr_name_entry(subj, NID_givenName),
	     *sur = cr_name_entry(subj, NID_surname), *cn = cr_name_entry(subj, NID_commonName);
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	BIGNUM *bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	int rc = -1;

	memset(id, 0, sizeof(*id));
	if (!sn || strlen(sn) >= sizeof(id->pno) || auth_pno_parse(sn, id->country) != 0)
		goto out;
	snprintf(id->pno, sizeof(id->pno), "%s", sn);
	if (name_ok(gn) && name_ok(sur) && strlen(gn) + strlen(sur) + 2 <= sizeof(id->name)) {
		size_t a = strlen(gn);

		memcpy(id->name, gn, a);
		id->name[a] = ' ';
		memcpy(id->name + a + 1, sur, strlen(sur) + 1);
	} else if (name_ok(cn) && strlen(cn) < sizeof(id->name)) {
		snprintf(id->name, sizeof(id->name), "%s", cn);
	} else {
		goto out;
	}
	snprintf(id->serial, sizeof(id->serial), "%s", hex ? hex : "");
	cr_asn1_time(X509_get0_notAfter(x), &id->not_after);
	rc = 0;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	free(sn);
	free(gn);
	free(sur);
	free(cn);
	return rc;
}

/* ---- the purpose ---- */

/* Authentication, not signing: not a CA; no nonRepudiation
 * (contentCommitment: the qualified signing certificate has it); key usage
 * digitalSignature; an extended key usage, when present, with clientAuth. */
static int for_auth(X509 *x, char *why, size_t whylen)
{
	uint32_t flags = X509_get_extension_flags(x), ku = X509_get_key_usage(x);

	if (X509_check_ca(x) != 0) {
		say(why, whylen, "a CA certificate%s", NULL);
		return 0;
	}
	if (!(flags & EXFLAG_KUSAGE) || ku == UINT32_MAX) {
		say(why, whylen, "no key usage%s", NULL);
		return 0;
	}
	if (ku & KU_NON_REPUDIATION) {
		say(why, whylen, "a signing certificate (nonRepudiation)%s", NULL);
		return 0;
	}
	if (!(ku & KU_DIGITAL_SIGNATURE)) {
		say(why, whylen, "key usage without digitalSignature%s", NULL);
		return 0;
	}
	if ((flags & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT)) {
		say(why, whylen, "extended key usage without clientAuth%s", NULL);
		return 0;
	}
	return 1;
}

/* ---- revocation ---- */

static enum auth_cert_result revocation(struct auth_cert_ctx *c, X509 *leaf, X509 *issuer, STACK_OF(X509) * pool,
					time_t now, char *why, size_t whylen)
{
	unsigned char key[SHA256_DIGEST_LENGTH], *der = NULL;
	char *aia = NULL, reason[300];
	const char *url = c->ocsp_url;
	struct ocsp_info info;
	struct err e = {0};
	enum auth_cert_result rc = AUTH_CERT_OCSP_UNAVAILABLE;
	size_t n = 0;

	if (cert_key(leaf, key) != 0)
		return AUTH_CERT_INTERNAL;
	if (cache_good(c, key, now))
		return AUTH_CERT_OK;
	if (!url) {
		aia = net_aia_url(leaf, 1);
		url = aia;
	}
	if (!url) {
		say(why, whylen, "the certificate names no OCSP responder%s", NULL);
		goto out;
	}
	der = net_ocsp_fetch_within(leaf, issuer, url, aia != NULL, c->ocsp_timeout, &n, &e);
	if (!der) {
		say(why, whylen, "OCSP: %s", e.msg);
		goto out;
	}
	if (pki_check_ocsp(der, n, leaf, issuer, c->anchors, pool, &info, reason, sizeof(reason)) != OCSP_OUT_OK) {
		say(why, whylen, "%s", reason);
		goto out;
	}
	/* the nonce came back (net.c), so the answer is fresh; its clock must
	 * still agree with ours */
	if (info.this_update > now + AUTH_OCSP_SKEW || info.produced_at > now + AUTH_OCSP_SKEW) {
		say(why, whylen, "OCSP response from the future (responder %s)", info.responder);
		goto out;
	}
	if (info.status == V_OCSP_CERTSTATUS_REVOKED) {
		say(why, whylen, "revoked (responder %s)", info.responder);
		rc = AUTH_CERT_REVOKED;
	} else if (info.status == V_OCSP_CERTSTATUS_GOOD) {
		cache_put(c, key, now);
		rc = AUTH_CERT_OK;
	} else {
		say(why, whylen, "OCSP status unknown (responder %s)", info.responder);
		rc = AUTH_CERT_OCSP_UNKNOWN;
	}
out:
	free(der);
	free(aia);
	return rc;
}

/* ---- the check ---- */

static enum auth_cert_result chain_result(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED: return AUTH_CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID: return AUTH_CERT_NOT_YET_VALID;
	default: return AUTH_CERT_UNTRUSTED;
	}
}

enum auth_cert_result auth_cert_check(struct auth_cert_ctx *c, X509 *leaf, STACK_OF(X509) * extra, time_t now,
				      struct auth_identity *id, char *why, size_t whylen)
{
	STACK_OF(X509) *pool = NULL, *chain = NULL;
	enum auth_cert_result rc = AUTH_CERT_INTERNAL;
	X509 *issuer;
	int i, err = 0;

	say(why, whylen, "%s", "");
	memset(id, 0, sizeof(*id));
	if (!leaf)
		return AUTH_CERT_BAD_FORMAT;
	if (!c || edoc_trust_count(c->anchors) == 0) {
		say(why, whylen, "no trust anchors for logging in%s", NULL);
		return AUTH_CERT_INTERNAL;
	}
	if (!now)
		now = time(NULL);
	pool = sk_X509_new_null();
	if (!pool)
		goto out;
	for (i = 0; i < sk_X509_num(c->cas->anchors); i++)
		sk_X509_push(pool, sk_X509_value(c->cas->anchors, i));
	for (i = 0; extra && i < sk_X509_num(extra) && i < 8; i++)
		sk_X509_push(pool, sk_X509_value(extra, i));
	/* 1. a path to an anchor, valid now */
	if (pki_verify_chain(c->anchors, leaf, pool, now, 0, &chain, &err, NULL) != 0) {
		rc = chain_result(err);
		say(why, whylen, "path: %s", X509_verify_cert_error_string(err));
		goto out;
	}
	/* 2. for logging in, not for signing */
	if (!for_auth(leaf, why, whylen)) {
		rc = AUTH_CERT_NOT_FOR_AUTH;
		goto out;
	}
	/* 3. who */
	if (identity_of(leaf, id) != 0) {
		memset(id, 0, sizeof(*id));
		say(why, whylen, "no PNOxx- personal code or no name in the subject%s", NULL);
		rc = AUTH_CERT_NO_IDENTITY;
		goto out;
	}
	/* 4. not revoked: the issuer is the next on the path, or (the leaf
	 * itself configured as an anchor) found among the certificates known */
	issuer = sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : pki_find_issuer(c->anchors, pool, leaf);
	if (!issuer) {
		say(why, whylen, "the issuer is unknown, so OCSP cannot be asked%s", NULL);
		rc = AUTH_CERT_OCSP_UNAVAILABLE;
		goto out;
	}
	rc = revocation(c, leaf, issuer, pool, now, why, whylen);
out:
	if (rc != AUTH_CERT_OK)
		memset(id, 0, sizeof(*id));
	sk_X509_pop_free(chain, X509_free);
	sk_X509_free(pool);
	ERR_clear_error();
	return rc;
}

/* DER, PEM or base64 DER. */
static X509 *parse_any(const void *p, size_t n)
{
	const unsigned char *q = p;
	X509 *x = NULL;
	char *text;

	if (n == 0 || n > 64 * 1024)
		return NULL;
	if (q[0] == 0x30) {
		x = cr_x509_from_der(q, n);
		if (x)
			return x;
	}
	text = malloc(n + 1);
	if (!text)
		return NULL;
	memcpy(text, p, n);
	text[n] = '\0';
	if (strlen(text) == n)
		x = edoc_x509_parse(text);
	free(text);
	ERR_clear_error();
	return x;
}

enum auth_cert_result auth_cert_check_bytes(struct auth_cert_ctx *c, const void *p, size_t n, time_t now,
					    struct auth_identity *id, char *why, size_t whylen)
{
	X509 *x = parse_any(p, n);
	enum auth_cert_result rc;

	if (!x) {
		memset(id, 0, sizeof(*id));
		say(why, whylen, "not a certificate%s", NULL);
		return AUTH_CERT_BAD_FORMAT;
	}
	rc = auth_cert_check(c, x, NULL, now, id, why, whylen);
	X509_free(x);
	return rc;
}
