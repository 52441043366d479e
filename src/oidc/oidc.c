/* oidc.c — OpenID Connect providers: discovery, JWKS, the code flow, ID
 * token validation. See oidc.h. */
#include "oidc/oidc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/utf8.h"
#include "sign/net.h"
#include "tmpl/escape.h"

struct oidc_provider {
	const struct config_oidc *cfg; /* the settings' (they outlive the set) */
	char *secret;                  /* the client secret */
	pthread_mutex_t lock;          /* guards what follows */
	struct oidc_discovery disc;
	time_t disc_at; /* 0: none yet */
	struct jwks keys;
	time_t refetch_at; /* the last fetch for a kid the set lacked, 0: none yet */
};

static const char *const fail_words[] = {"ok",      "unavailable", "code-refused",    "token",
					 "key",     "signature",   "issuer",          "audience",
					 "expired", "nonce",       "no-personal-code"};

const char *oidc_fail_word(enum oidc_fail f)
{
	return (unsigned)f < sizeof(fail_words) / sizeof(fail_words[0]) ? fail_words[f] : "unknown";
}

/* ---- the providers ---- */

static void provider_free(struct oidc_provider *p)
{
	if (!p)
		return;
	if (p->secret) {
		OPENSSL_cleanse(p->secret, strlen(p->secret));
		free(p->secret);
	}
	oidc_discovery_free(&p->disc);
	jwks_free(&p->keys);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void oidc_set_free(struct oidc_set *set)
{
	int i;

	for (i = 0; i < set->n; i++)
		provider_free(set->p[i]);
	memset(set, 0, sizeof(*set));
}

int oidc_set_load(struct oidc_set *set, const struct config *cfg, struct err *e)
{
	int i, rc;
	size_t len;

	memset(set, 0, sizeof(*set));
	for (i = 0; i < cfg->noidc; i++) {
		const struct config_oidc *c = &cfg->oidc[i];
		struct oidc_provider *p = calloc(1, sizeof(*p));

		if (!p) {
			err_set(e, ERR_INTERNAL, "oidc: out of memory");
			goto fail;
		}
		pthread_mutex_init(&p->lock, NULL);
		p->cfg = c;
		set->p[set->n++] = p;
		rc = file_read(c->client_secret_file, 1024, &p->secret, &len);
		if (rc != 0) {
			err_set(e, ERR_VALIDATION, "oidc %s: client-secret-file %s: %s", c->name, c->client_secret_file,
				rc == -EFBIG ? "larger than 1 KiB" : strerror(-rc));
			goto fail;
		}
		p->secret[strcspn(p->secret, "\r\n")] = '\0';
		if (!*p->secret) {
			err_set(e, ERR_VALIDATION, "oidc %s: client-secret-file %s is empty", c->name,
				c->client_secret_file);
			goto fail;
		}
	}
	return 0;
fail:
	oidc_set_free(set);
	return -1;
}

struct oidc_provider *oidc_find(const struct oidc_set *set, const char *name)
{
	int i;

	for (i = 0; name && i < set->n; i++)
		if (!strcmp(set->p[i]->cfg->name, name))
			return set->p[i];
	return NULL;
}

const struct config_oidc *oidc_config(const struct oidc_provider *p)
{
	return p->cfg;
}

/* ---- discovery ---- */

void oidc_discovery_free(struct oidc_discovery *d)
{
	free(d->authorization_endpoint);
	free(d->token_endpoint);
	free(d->jwks_uri);
	memset(d, 0, sizeof(*d));
}

/* The origin of an http(s) URL: scheme://authority/ (its length). */
static size_t origin_len(const char *url)
{
	const char *h = strstr(url, "://");

	return h ? (size_t)(h + 3 - url) + strcspn(h + 3, "/?#") : 0;
}

static int endpoint_ok(const char *url, const char *issuer)
{
	size_t o = origin_len(issuer);
	const char *c;

	if (!url || strchr(url, '#') || strlen(url) > 2048)
		return 0;
	for (c = url; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '\\')
			return 0; /* nothing a browser would strip or read another way in a Location */
	if (!strncmp(url, "https://", 8) && strlen(url) > 8)
		return 1;
	/* http:// only for a loopback issuer (config.c checked it), on its origin */
	return !strncmp(issuer, "http://", 7) && !strncmp(url, issuer, o) && strchr("/?", url[o]) && url[o];
}

static int list_has(const json_t *list, const char *want)
{
	size_t i;
	const json_t *v;

	json_array_foreach(list, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), want)) return 1;
	return 0;
}

int oidc_discovery_parse(const char *text, size_t n, const char *issuer, const char *auth, struct oidc_discovery *d,
			 struct err *e)
{
	json_t *root = NULL, *algs, *v;
	const char *what = NULL;
	size_t i;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	if (n > OIDC_MAX_DOC) {
		err_set(e, ERR_VALIDATION, "discovery: larger than %d bytes", OIDC_MAX_DOC);
		goto out;
	}
	root = json_loadb(text, n, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root)) {
		err_set(e, ERR_VALIDATION, "discovery: not a JSON object");
		goto out;
	}
	v = json_object_get(root, "issuer");
	if (!json_is_string(v) || strcmp(json_string_value(v), issuer)) {
		err_set(e, ERR_VALIDATION, "discovery: its issuer is not the configured %.200s", issuer);
		goto out;
	}
	if (!endpoint_ok(json_string_value(json_object_get(root, "authorization_endpoint")), issuer))
		what = "authorization_endpoint";
	else if (!endpoint_ok(json_string_value(json_object_get(root, "token_endpoint")), issuer))
		what = "token_endpoint";
	else if (!endpoint_ok(json_string_value(json_object_get(root, "jwks_uri")), issuer))
		what = "jwks_uri";
	if (what) {
		err_set(e, ERR_VALIDATION, "discovery: %s is missing or not an https URL", what);
		goto out;
	}
	algs = json_object_get(root, "id_token_signing_alg_values_supported");
	json_array_foreach(algs, i, v) if (jose_alg_parse(json_string_value(v)) != JOSE_ALG_UNKNOWN) d->algs |=
	    1u << jose_alg_parse(json_string_value(v));
	if (!d->algs) {
		err_set(e, ERR_VALIDATION, "discovery: ID tokens are signed with neither RS256 nor ES256");
		goto out;
	}
	v = json_object_get(root, "code_challenge_methods_supported");
	if (v && !list_has(v, "S256")) {
		err_set(e, ERR_VALIDATION, "discovery: the provider does not offer PKCE with S256");
		goto out;
	}
	v = json_object_get(root, "token_endpoint_auth_methods_supported");
	if (v ? !list_has(v, auth) : strcmp(auth, "client_secret_basic") != 0) {
		err_set(e, ERR_VALIDATION, "discovery: the token endpoint does not accept %s", auth);
		goto out;
	}
	d->authorization_endpoint = strdup(json_string_value(json_object_get(root, "authorization_endpoint")));
	d->token_endpoint = strdup(json_string_value(json_object_get(root, "token_endpoint")));
	d->jwks_uri = strdup(json_string_value(json_object_get(root, "jwks_uri")));
	if (!d->authorization_endpoint || !d->token_endpoint || !d->jwks_uri) {
		err_set(e, ERR_INTERNAL, "discovery: out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		oidc_discovery_free(d);
	json_decref(root);
	return rc;
}

static int fetch(const char *url, const char *ctype, const char *body, const char *authorization, struct buf *out,
		 long *status, struct err *e)
{
	struct net_request q = {url, ctype, body, body ? strlen(body) : 0, authorization, OIDC_MAX_DOC, OIDC_TIMEOUT};

	return net_fetch(&q, out, status, e);
}

/* The discovery document, fetched when there is none or it is old; a copy
 * of what the caller needs (*d, malloc'd). */
static int discovery(struct oidc_provider *p, struct oidc_discovery *d, struct err *e)
{
	struct buf url = BUF_INIT, doc = BUF_INIT;
	struct oidc_discovery fresh = {0};
	struct err why = {0};
	time_t now = time(NULL);
	long status = 0;
	int rc = -1, have;

	pthread_mutex_lock(&p->lock);
	have = p->disc_at != 0;
	if (have && now - p->disc_at < OIDC_DISCOVERY_TTL)
		goto copy;
	pthread_mutex_unlock(&p->lock);

	buf_init(&url, 4096);
	buf_printf(&url, "%s%s.well-known/openid-configuration", p->cfg->issuer,
		   p->cfg->issuer[strlen(p->cfg->issuer) - 1] == '/' ? "" : "/");
	if (buf_ok(&url) && fetch(url.data, NULL, NULL, NULL, &doc, &status, &why) == 0 && status != 200)
		err_set(&why, ERR_UNAVAILABLE, "%.200s: HTTP status %ld", url.data, status);
	if (!err_failed(&why))
		oidc_discovery_parse(doc.data, doc.len, p->cfg->issuer, p->cfg->auth, &fresh, &why);

	pthread_mutex_lock(&p->lock);
	if (!err_failed(&why)) {
		oidc_discovery_free(&p->disc);
		p->disc = fresh;
		memset(&fresh, 0, sizeof(fresh));
		p->disc_at = now;
	} else if (p->disc_at) {
		p->disc_at = now - OIDC_DISCOVERY_TTL + 60; /* keep the old one; try again in a minute */
	} else {
		err_set(e, why.code, "oidc %s: %s", p->cfg->name, why.msg);
		goto unlock;
	}
copy:
	d->authorization_endpoint = strdup(p->disc.authorization_endpoint);
	d->token_endpoint = strdup(p->disc.token_endpoint);
	d->jwks_uri = strdup(p->disc.jwks_uri);
	d->algs = p->disc.algs;
	if (!d->authorization_endpoint || !d->token_endpoint || !d->jwks_uri) {
		oidc_discovery_free(d);
		err_set(e, ERR_INTERNAL, "oidc: out of memory");
	} else {
		rc = 0;
	}
unlock:
	pthread_mutex_unlock(&p->lock);
	oidc_discovery_free(&fresh);
	buf_free(&url);
	buf_free(&doc);
	return rc;
}

/* ---- the authorization request ---- */

static void random_b64url(char *out, size_t cap)
{
	unsigned char r[32];

	randombytes_buf(r, sizeof(r));
	b64_encode(out, cap, r, sizeof(r), B64_URL);
	sodium_memzero(r, sizeof(r));
}

void oidc_attempt_new(struct oidc_attempt *a)
{
	random_b64url(a->state, sizeof(a->state));
	random_b64url(a->nonce, sizeof(a->nonce));
	random_b64url(a->verifier, sizeof(a->verifier));
}

static void query_param(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "&%s=", name);
	url_escape(b, value, strlen(value));
}

char *oidc_auth_url(struct oidc_provider *p, const char *redirect_uri, const struct oidc_attempt *a, const char *lang,
		    struct err *e)
{
	struct oidc_discovery d = {0};
	struct buf b = BUF_INIT;
	unsigned char hash[SHA256_DIGEST_LENGTH];
	char challenge[48];
	char *url = NULL;

	if (discovery(p, &d, e) != 0)
		return NULL;
	SHA256((const unsigned char *)a->verifier, strlen(a->verifier), hash);
	b64_encode(challenge, sizeof(challenge), hash, sizeof(hash), B64_URL);
	buf_init(&b, 8192);
	buf_puts(&b, d.authorization_endpoint);
	buf_puts(&b, strchr(d.authorization_endpoint, '?') ? "&" : "?");
	buf_puts(&b, "response_type=code");
	query_param(&b, "client_id", p->cfg->client_id);
	query_param(&b, "redirect_uri", redirect_uri);
	query_param(&b, "scope", p->cfg->scope);
	query_param(&b, "state", a->state);
	query_param(&b, "nonce", a->nonce);
	query_param(&b, "code_challenge", challenge);
	buf_puts(&b, "&code_challenge_method=S256");
	query_param(&b, "ui_locales", lang);
	if (buf_ok(&b))
		url = buf_steal(&b, NULL);
	else
		err_set(e, ERR_INTERNAL, "oidc %s: the authorization URL is too long", p->cfg->name);
	buf_free(&b);
	oidc_discovery_free(&d);
	return url;
}

/* ---- the ID token ---- */

void oidc_person_free(struct oidc_person *who)
{
	free(who->pno);
	free(who->country);
	free(who->name);
	memset(who, 0, sizeof(*who));
}

/* A NumericDate claim: present, a number (integer or real). */
static int numeric_date(const json_t *claims, const char *name, double *out)
{
	const json_t *v = json_object_get(claims, name);

	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	return 0;
}

static int audience_ok(const json_t *claims, const char *client_id)
{
	const json_t *aud = json_object_get(claims, "aud"), *v;
	const json_t *azp = json_object_get(claims, "azp");
	size_t i, n = 0;
	int ours = 0;

	if (json_is_string(aud)) {
		ours = !strcmp(json_string_value(aud), client_id);
		n = 1;
	} else if (json_is_array(aud)) {
		json_array_foreach(aud, i, v)
		{
			if (!json_is_string(v))
				return 0;
			ours |= !strcmp(json_string_value(v), client_id);
		}
		n = json_array_size(aud);
	}
	if (!ours)
		return 0;
	if (azp && (!json_is_string(azp) || strcmp(json_string_value(azp), client_id)))
		return 0;
	return n == 1 || azp != NULL; /* several audiences: azp must say it was issued to us */
}

/* A personal code: 1 to 64 of A-Z a-z 0-9 and '-'; as "PNOxx-..." it is
 * kept (its country read from it), otherwise "PNO" + country + "-" goes
 * before it. */
static int read_pno(const char *v, const char *country, struct oidc_person *who)
{
	size_t n = v ? strlen(v) : 0;
	struct buf b = BUF_INIT;

	if (n < 1 || n > 64 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return -1;
	buf_init(&b, 128);
	if (n > 6 && !strncmp(v, "PNO", 3) && v[3] >= 'A' && v[3] <= 'Z' && v[4] >= 'A' && v[4] <= 'Z' && v[5] == '-') {
		buf_puts(&b, v);
		who->country = strndup(v + 3, 2);
	} else {
		buf_printf(&b, "PNO%s-%s", country, v);
		who->country = strdup(country);
	}
	who->pno = buf_ok(&b) ? buf_steal(&b, NULL) : NULL;
	buf_free(&b);
	return who->pno && who->country ? 0 : -1;
}

/* The person's name: the configured claim, else given_name family_name;
 * control characters refused; "" when none. */
static char *read_name(const json_t *claims, const char *claim)
{
	const char *full = *claim ? json_string_value(json_object_get(claims, claim)) : NULL;
	const char *given = json_string_value(json_object_get(claims, "given_name"));
	const char *family = json_string_value(json_object_get(claims, "family_name"));
	struct buf b = BUF_INIT;
	size_t i;
	char *out;

	buf_init(&b, 512);
	if (full)
		buf_puts(&b, full);
	else
		buf_printf(&b, "%s%s%s", given ? given : "", given && family ? " " : "", family ? family : "");
	if (!buf_ok(&b)) {
		buf_free(&b);
		return strdup(""); /* longer than anyone's name: shown as none */
	}
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = ' ';
	out = strdup(b.data ? b.data : "");
	buf_free(&b);
	return out;
}

enum oidc_fail oidc_check_claims(const struct jws *j, const struct oidc_expect *x, struct oidc_person *who,
				 struct err *e)
{
	const json_t *c = j->payload;
	const char *iss = json_string_value(json_object_get(c, "iss"));
	const char *nonce = json_string_value(json_object_get(c, "nonce"));
	const char *sub = json_string_value(json_object_get(c, "sub"));
	double exp, iat, nbf = 0;
	double now = (double)x->now;

	memset(who, 0, sizeof(*who));
	if (!iss || strcmp(iss, x->issuer)) {
		err_set(e, ERR_VALIDATION, "ID token: iss is not the provider's issuer");
		return OIDC_BAD_ISSUER;
	}
	if (!audience_ok(c, x->client_id)) {
		err_set(e, ERR_VALIDATION, "ID token: aud or azp is not our client id");
		return OIDC_BAD_AUDIENCE;
	}
	if (numeric_date(c, "exp", &exp) != 0 || numeric_date(c, "iat", &iat) != 0 ||
	    (json_object_get(c, "nbf") && numeric_date(c, "nbf", &nbf) != 0)) {
		err_set(e, ERR_VALIDATION, "ID token: exp or iat missing, or a date is not a number");
		return OIDC_BAD_TOKEN;
	}
	if (exp <= now - OIDC_SKEW) {
		err_set(e, ERR_VALIDATION, "ID token: expired %.0f s ago", now - exp);
		return OIDC_EXPIRED;
	}
	if (iat > now + OIDC_SKEW || iat < now - OIDC_MAX_AGE - OIDC_SKEW) {
		err_set(e, ERR_VALIDATION, "ID token: issued %.0f s from now", iat - now);
		return OIDC_EXPIRED;
	}
	if (json_object_get(c, "nbf") && nbf > now + OIDC_SKEW) {
		err_set(e, ERR_VALIDATION, "ID token: not valid before %.0f s from now", nbf - now);
		return OIDC_EXPIRED;
	}
	if (!nonce || strlen(nonce) != strlen(x->nonce) || CRYPTO_memcmp(nonce, x->nonce, strlen(nonce)) != 0) {
		err_set(e, ERR_VALIDATION, "ID token: the nonce is not this login's");
		return OIDC_BAD_NONCE;
	}
	if (!sub || !*sub) {
		err_set(e, ERR_VALIDATION, "ID token: no sub");
		return OIDC_BAD_TOKEN;
	}
	if (read_pno(json_string_value(json_object_get(c, x->pno_claim)), x->country, who) != 0) {
		oidc_person_free(who);
		err_set(e, ERR_VALIDATION, "ID token: claim %.64s is missing or not a personal code", x->pno_claim);
		return OIDC_NO_PNO;
	}
	who->name = read_name(c, x->name_claim);
	if (!who->name) {
		oidc_person_free(who);
		err_set(e, ERR_INTERNAL, "oidc: out of memory");
		return OIDC_UNAVAILABLE;
	}
	return OIDC_OK;
}

/* Parses the token and checks what needs no key: an accepted alg that the
 * provider announced. */
static enum oidc_fail parse_token(const char *token, const struct oidc_expect *x, struct jws *j, struct err *e)
{
	if (jws_parse(token, strlen(token), j, e) != 0)
		return OIDC_BAD_TOKEN;
	if (j->alg == JOSE_ALG_UNKNOWN || !(x->algs & (1u << j->alg))) {
		err_set(e, ERR_VALIDATION, "ID token: alg %.16s is not accepted", j->alg_name);
		jws_free(j);
		return OIDC_BAD_TOKEN;
	}
	return OIDC_OK;
}

static enum oidc_fail verify_with(const struct jws *j, EVP_PKEY *key, const struct oidc_expect *x,
				  struct oidc_person *who, struct err *e)
{
	int ok = jws_verify(j, key, e);

	if (ok < 0)
		return OIDC_UNAVAILABLE;
	if (ok == 0) {
		err_set(e, ERR_VALIDATION, "ID token: the signature does not verify");
		return OIDC_BAD_SIGNATURE;
	}
	return oidc_check_claims(j, x, who, e);
}

enum oidc_fail oidc_verify_id_token(const char *token, const struct jwks *set, const struct oidc_expect *x,
				    struct oidc_person *who, struct err *e)
{
	struct jws j;
	const struct jwk *k;
	enum oidc_fail f;

	memset(who, 0, sizeof(*who));
	f = parse_token(token, x, &j, e);
	if (f != OIDC_OK)
		return f;
	k = jwks_find(set, j.kid, j.alg);
	if (!k) {
		err_set(e, ERR_VALIDATION, "ID token: no key of the provider fits it");
		f = OIDC_NO_KEY;
	} else {
		f = verify_with(&j, k->key, x, who, e);
	}
	jws_free(&j);
	return f;
}

/* The key for j from the provider's set (a reference the caller frees),
 * fetching the set when there is none, or when j names a kid it lacks and
 * the last such refetch is a minute old. NULL: none (f says why). */
static EVP_PKEY *provider_key(struct oidc_provider *p, const char *jwks_uri, const struct jws *j, enum oidc_fail *f,
			      struct err *e)
{
	const struct jwk *k;
	EVP_PKEY *key = NULL;
	struct jwks fresh;
	struct buf doc = BUF_INIT;
	struct err why = {0};
	long status = 0;
	time_t now = time(NULL);

	pthread_mutex_lock(&p->lock);
	k = jwks_find(&p->keys, j->kid, j->alg);
	if (!k && p->keys.n) { /* a set, but not this key: rotated, or a stranger's kid */
		if (now - p->refetch_at < OIDC_JWKS_MIN_REFETCH)
			goto found;
		p->refetch_at = now; /* one such fetch a minute, even while this one is under way */
	}
	if (k)
		goto found;
	pthread_mutex_unlock(&p->lock);

	if (fetch(jwks_uri, NULL, NULL, NULL, &doc, &status, &why) == 0 && status != 200)
		err_set(&why, ERR_UNAVAILABLE, "%.200s: HTTP status %ld", jwks_uri, status);
	if (!err_failed(&why) && jwks_parse(doc.data, doc.len, &fresh, &why) != 0)
		err_set(&why, ERR_VALIDATION, "%.200s: not a usable JWK set", jwks_uri);
	buf_free(&doc);

	pthread_mutex_lock(&p->lock);
	if (err_failed(&why)) {
		err_set(e, why.code, "oidc %s: %s", p->cfg->name, why.msg);
		*f = OIDC_UNAVAILABLE;
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	jwks_free(&p->keys);
	p->keys = fresh;
	k = jwks_find(&p->keys, j->kid, j->alg);
found:
	if (k && EVP_PKEY_up_ref(k->key) == 1)
		key = k->key;
	pthread_mutex_unlock(&p->lock);
	if (!key) {
		err_set(e, ERR_VALIDATION, "oidc %s: no key of the provider fits the ID token (kid %.40s)",
			p->cfg->name, j->kid ? j->kid : "none");
		*f = OIDC_NO_KEY;
	}
	return key;
}

/* The token request's body and, for client_secret_basic, its
 * Authorization value (RFC 6749 §2.3.1: id and secret form-encoded). */
static int token_request(const struct oidc_provider *p, const char *redirect_uri, const char *code,
			 const char *verifier, struct buf *body, struct buf *authz)
{
	struct buf pair = BUF_INIT;
	int basic = !strcmp(p->cfg->auth, "client_secret_basic");
	char *b64;
	int rc = -1;

	buf_puts(body, "grant_type=authorization_code");
	query_param(body, "code", code);
	query_param(body, "redirect_uri", redirect_uri);
	query_param(body, "code_verifier", verifier);
	if (!basic) {
		query_param(body, "client_id", p->cfg->client_id);
		query_param(body, "client_secret", p->secret);
		return buf_ok(body) ? 0 : -1;
	}
	buf_init(&pair, 4096);
	url_escape(&pair, p->cfg->client_id, strlen(p->cfg->client_id));
	buf_putc(&pair, ':');
	url_escape(&pair, p->secret, strlen(p->secret));
	b64 = buf_ok(&pair) ? b64_encode_new(pair.data, pair.len) : NULL;
	if (b64) {
		buf_printf(authz, "Basic %s", b64);
		OPENSSL_cleanse(b64, strlen(b64));
		free(b64);
		rc = buf_ok(body) && buf_ok(authz) ? 0 : -1;
	}
	if (pair.data)
		OPENSSL_cleanse(pair.data, pair.len);
	buf_free(&pair);
	return rc;
}

static void buf_wipe(struct buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->len);
	buf_free(b);
}

enum oidc_fail oidc_finish(struct oidc_provider *p, const char *redirect_uri, const char *code, const char *verifier,
			   const char *nonce, struct oidc_person *who, struct err *e)
{
	struct oidc_discovery d = {0};
	struct buf body = BUF_INIT, authz = BUF_INIT, answer = BUF_INIT;
	struct oidc_expect x = {p->cfg->issuer,    p->cfg->client_id,  nonce,           0,
				p->cfg->pno_claim, p->cfg->name_claim, p->cfg->country, time(NULL)};
	json_t *root = NULL;
	const char *token, *error;
	struct jws j = {0};
	EVP_PKEY *key = NULL;
	enum oidc_fail f = OIDC_UNAVAILABLE;
	long status = 0;

	memset(who, 0, sizeof(*who));
	if (discovery(p, &d, e) != 0)
		goto out;
	x.algs = d.algs;
	buf_init(&body, 16 * 1024);
	buf_init(&authz, 4096);
	if (token_request(p, redirect_uri, code, verifier, &body, &authz) != 0) {
		err_set(e, ERR_INTERNAL, "oidc %s: cannot build the token request", p->cfg->name);
		goto out;
	}
	if (fetch(d.token_endpoint, "application/x-www-form-urlencoded", body.data, authz.len ? authz.data : NULL,
		  &answer, &status, e) != 0)
		goto out;
	root = json_loadb(answer.data ? answer.data : "", answer.len, JSON_REJECT_DUPLICATES, NULL);
	if (status != 200) {
		error = json_string_value(json_object_get(root, "error"));
		err_set(e, ERR_VALIDATION, "oidc %s: the token endpoint answered %ld %.40s", p->cfg->name, status,
			error ? error : "");
		f = status == 400 || status == 401 ? OIDC_CODE_REFUSED : OIDC_UNAVAILABLE;
		goto out;
	}
	token = json_string_value(json_object_get(root, "id_token"));
	if (!token) {
		err_set(e, ERR_VALIDATION, "oidc %s: the token endpoint gave no id_token", p->cfg->name);
		f = OIDC_BAD_TOKEN;
		goto out;
	}
	f = parse_token(token, &x, &j, e);
	if (f != OIDC_OK)
		goto out;
	key = provider_key(p, d.jwks_uri, &j, &f, e);
	if (key)
		f = verify_with(&j, key, &x, who, e);
out:
	EVP_PKEY_free(key);
	jws_free(&j);
	json_decref(root);
	buf_wipe(&body);
	buf_wipe(&authz);
	buf_wipe(&answer);
	oidc_discovery_free(&d);
	return f;
}
