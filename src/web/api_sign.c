/* api_sign.c — two-phase signing for an eID signer in the browser.
 *
 *   POST /api/v1/sign/start   multipart: _csrf, certificate (PEM or base64
 *                             DER), profile (B, T or LT; default LT when a
 *                             time-stamp service is configured), file (1..16)
 *     → {"session", "digest" (base64), "digestAlgorithm", "keyType",
 *        "expires"}
 *   POST /api/v1/sign/finish  _csrf, session, signature (base64: raw r||s for
 *                             ECDSA, PKCS#1 v1.5 for RSA)
 *     → the signed container (application/vnd.etsi.asic-e+zip)
 *
 * Between the phases the unsigned container, the certificate and the
 * signing time wait in the session table (one SQL text for SQLite and
 * PostgreSQL, so any node can finish what another started) for at most ten
 * minutes, bound to the browser's CSRF cookie; the digest is recomputed from
 * them at finish (preparation is deterministic), so nothing a client sends
 * back is trusted but the signature value, which is checked against the
 * certificate. Finishing T and LT asks the time-stamp and OCSP services, so
 * it runs in the worker pool, never on the event loop.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/log.h"
#include "http/async.h"
#include "http/multipart.h"
#include "sign/edoc.h"
#include "sign/sign.h"
#include "store/db.h"
#include "web/app.h"
#include "web/web.h"

#define SIGN_SESSION_TTL 600
#define SIGN_MAX_FILES 16

static const char SQL_SIGN_SAVE[] =
    "INSERT INTO session (id, created_at, expires_at, lang, data) VALUES ($1, $2, $3, $4, $5)";
static const char SQL_SIGN_LOAD[] = "SELECT data FROM session WHERE id = $1 AND expires_at > $2";
static const char SQL_SIGN_DELETE[] = "DELETE FROM session WHERE id = $1";
static const char SQL_SIGN_EXPIRE[] = "DELETE FROM session WHERE expires_at <= $1 AND id LIKE 'sign:%'";

static char *b64_new(struct arena *a, const unsigned char *p, size_t n)
{
	char *out = arena_alloc(a, 4 * ((n + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

/* Decodes base64 (whitespace and line breaks allowed) into the arena. */
static unsigned char *b64_decode(struct arena *a, const char *s, size_t *len)
{
	size_t n = strlen(s), i, k = 0;
	char *clean = arena_alloc(a, n + 1);
	unsigned char *out;
	int m, pad = 0;

	if (!clean)
		return NULL;
	for (i = 0; i < n; i++)
		if (s[i] != '\n' && s[i] != '\r' && s[i] != ' ' && s[i] != '\t')
			clean[k++] = s[i];
	if (k == 0 || k % 4)
		return NULL;
	out = arena_alloc(a, k / 4 * 3 + 1);
	if (!out)
		return NULL;
	m = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)k);
	if (m < 0)
		return NULL;
	if (clean[k - 1] == '=')
		pad++;
	if (clean[k - 2] == '=')
		pad++;
	*len = (size_t)m - (size_t)pad;
	return out;
}

static X509 *cert_parse(struct arena *a, const char *s)
{
	BIO *bio;
	X509 *x = NULL;
	const unsigned char *p;
	unsigned char *der;
	size_t n;

	if (strstr(s, "-----BEGIN CERTIFICATE-----")) {
		bio = BIO_new_mem_buf(s, -1);
		x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		return x;
	}
	der = b64_decode(a, s, &n);
	if (!der)
		return NULL;
	p = der;
	return d2i_X509(NULL, &p, (long)n);
}

/* The session id kept in the database: a hash of the token the client holds. */
static const char *session_key(struct req *r, const char *token)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65];
	int i;

	EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return arena_printf(r->arena, "sign:%s", hex);
}

static const char *owner_of(struct req *r)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	const char *c = r->csrf_cookie ? r->csrf_cookie : req_cookie(r, "epak_csrf");

	if (!c)
		return "";
	EVP_Digest(c, strlen(c), md, &mdlen, EVP_sha256(), NULL);
	return b64_new(r->arena, md, 16);
}

static int parse_profile(const char *s, enum edoc_profile *out)
{
	if (!s || !*s)
		return 1; /* not given */
	if (!strcmp(s, "B"))
		*out = EDOC_PROFILE_B;
	else if (!strcmp(s, "T"))
		*out = EDOC_PROFILE_T;
	else if (!strcmp(s, "LT"))
		*out = EDOC_PROFILE_LT;
	else
		return -1;
	return 0;
}

static const char *profile_name(enum edoc_profile p)
{
	return p == EDOC_PROFILE_B ? "B" : p == EDOC_PROFILE_T ? "T" : "LT";
}

static void opts_of(const struct app *app, enum edoc_profile prof, time_t t, struct edoc_sign_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->profile = prof;
	o->tsa_url = *app->cfg->tsa_url ? app->cfg->tsa_url : NULL;
	o->ocsp_url = *app->cfg->ocsp_url ? app->cfg->ocsp_url : NULL;
	o->signing_time = t;
}

static void bad(struct req *r, const char *detail)
{
	resp_error(r, ERR_VALIDATION, detail);
}

int api_sign_start(struct req *r)
{
	const char *certs = req_form(r, "certificate");
	enum edoc_profile prof = *r->app->cfg->tsa_url ? EDOC_PROFILE_LT : EDOC_PROFILE_B;
	struct edoc *doc = NULL;
	struct edoc_pending *p = NULL;
	struct edoc_sign_opts o;
	struct edoc_err e;
	X509 *cert = NULL;
	unsigned char tok[32], *der = NULL, *zip = NULL;
	const unsigned char *digest;
	const EVP_MD *md;
	size_t i, nfiles = 0, dlen, ziplen = 0;
	const char *token, *key;
	time_t now = time(NULL);
	int derlen, rc;
	json_t *state = NULL;
	char *state_s = NULL;
	struct db *db;

	rc = parse_profile(req_form(r, "profile"), &prof);
	if (rc < 0) {
		bad(r, "profile must be B, T or LT");
		goto out;
	}
	if (prof != EDOC_PROFILE_B && !*r->app->cfg->tsa_url) {
		bad(r, "this portal has no time-stamp service: only profile B");
		goto out;
	}
	if (!certs || !(cert = cert_parse(r->arena, certs))) {
		bad(r, "certificate: a PEM or base64 DER X.509 certificate is required");
		goto out;
	}
	doc = edoc_new();
	for (i = 0; doc && r->multipart && i < r->multipart->nfiles; i++) {
		const struct upload *u = &r->multipart->files[i];
		unsigned char *data = NULL;

		if (strcmp(u->field, "file") != 0)
			continue;
		if (++nfiles > SIGN_MAX_FILES) {
			bad(r, "at most 16 files");
			goto out;
		}
		if (!u->data) {
			FILE *f = fopen(u->path, "rb");

			data = arena_alloc(r->arena, u->size + 1);
			if (!f || !data || fread(data, 1, u->size, f) != u->size) {
				if (f)
					fclose(f);
				resp_error(r, ERR_INTERNAL, NULL);
				goto out;
			}
			fclose(f);
		}
		if (edoc_add_file(doc, u->filename, edoc_guess_mime(u->filename),
				  u->data ? (const void *)u->data : data, u->size, &e) != 0) {
			bad(r, arena_printf(r->arena, "file: %s", e.msg));
			goto out;
		}
	}
	if (!doc || nfiles == 0) {
		bad(r, "file: at least one file to sign is required");
		goto out;
	}
	opts_of(r->app, prof, now, &o);
	p = edoc_sign_prepare(doc, cert, NULL, &o, &e);
	if (!p) {
		bad(r, arena_printf(r->arena, "certificate: %s", e.msg));
		goto out;
	}
	digest = edoc_pending_digest(p, &dlen, &md);
	if (edoc_write_mem(doc, &zip, &ziplen, &e) != 0 || RAND_bytes(tok, sizeof(tok)) != 1) {
		resp_error(r, ERR_INTERNAL, NULL);
		goto out;
	}
	derlen = i2d_X509(cert, &der);
	token = b64_new(r->arena, tok, sizeof(tok));
	key = session_key(r, token);
	state = json_pack("{s:s, s:s, s:I, s:s, s:s}", "owner", owner_of(r), "profile", profile_name(prof), "time",
			  (json_int_t)now, "cert", b64_new(r->arena, der, (size_t)derlen), "container",
			  b64_new(r->arena, zip, ziplen));
	state_s = state ? json_dumps(state, JSON_COMPACT) : NULL;
	db = app_db(r);
	if (!state_s || !db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		goto out;
	}
	db_exec(db, SQL_SIGN_EXPIRE, DB_P(PINT(now)), NULL);
	if (db_exec(
		db, SQL_SIGN_SAVE,
		DB_P(PTEXT(key), PINT(now), PINT(now + SIGN_SESSION_TTL), PTEXT(lang_code(r->lang)), PTEXT(state_s)),
		NULL) != 0) {
		log_error("sign session not stored: %s", db_errmsg(db));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		goto out;
	}
	resp_json(r, 200,
		  json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "session", token, "digest",
			    b64_new(r->arena, digest, dlen), "digestAlgorithm", EVP_MD_get0_name(md), "keyType",
			    EVP_PKEY_get_base_id(X509_get0_pubkey(cert)) == EVP_PKEY_EC ? "EC" : "RSA", "profile",
			    profile_name(prof), "expires", (json_int_t)(now + SIGN_SESSION_TTL)));
out:
	free(state_s);
	json_decref(state);
	OPENSSL_free(der);
	free(zip);
	edoc_pending_free(p);
	edoc_free(doc);
	X509_free(cert);
	return 0;
}

/* What the pool thread needs: copies, no pointers into the request. */
struct finish_job {
	const struct app *app;
	enum edoc_profile profile;
	time_t time;
	unsigned char *cert_der, *container, *sig;
	size_t cert_len, container_len, sig_len;
	char *session_key;
	/* results */
	unsigned char *out;
	size_t out_len;
	char err[320];
	int bad_signature;
};

static void finish_job_free(struct finish_job *j)
{
	free(j->cert_der);
	free(j->container);
	free(j->sig);
	free(j->session_key);
	free(j->out);
	free(j);
}

static void finish_work(void *cls)
{
	struct finish_job *j = cls;
	const unsigned char *p = j->cert_der;
	X509 *cert = d2i_X509(NULL, &p, (long)j->cert_len);
	struct edoc *doc = NULL;
	struct edoc_pending *pend = NULL;
	struct edoc_sign_opts o;
	struct edoc_err e;

	opts_of(j->app, j->profile, j->time, &o);
	doc = cert ? edoc_open_mem(j->container, j->container_len, NULL, &e) : NULL;
	pend = doc ? edoc_sign_prepare(doc, cert, NULL, &o, &e) : NULL;
	if (!pend) {
		snprintf(j->err, sizeof(j->err), "%s", cert ? e.msg : "certificate");
		goto out;
	}
	if (edoc_sign_complete(doc, pend, j->sig, j->sig_len, &o, &e) != 0) {
		snprintf(j->err, sizeof(j->err), "%s", e.msg);
		j->bad_signature = strstr(e.msg, "signature") != NULL;
		goto out;
	}
	if (edoc_write_mem(doc, &j->out, &j->out_len, &e) != 0)
		snprintf(j->err, sizeof(j->err), "%s", e.msg);
out:
	edoc_pending_free(pend);
	edoc_free(doc);
	X509_free(cert);
}

static void finish_done(struct req *r, void *cls)
{
	struct finish_job *j = cls;
	struct db *db;

	if (!r)
		goto out;
	if (!j->out) {
		log_info("sign finish failed: %s", j->err);
		resp_error(r, j->bad_signature ? ERR_VALIDATION : ERR_UNAVAILABLE, j->err);
		goto out;
	}
	db = app_db(r);
	if (db)
		db_exec(db, SQL_SIGN_DELETE, DB_P(PTEXT(j->session_key)), NULL);
	resp_add_header(r, "content-disposition", "attachment; filename=\"dokuments.edoc\"");
	resp_send(r, 200, "application/vnd.etsi.asic-e+zip", arena_strndup(r->arena, (const char *)j->out, j->out_len),
		  j->out_len, RESP_NO_STORE);
out:
	finish_job_free(j);
}

struct loaded {
	char *data;
};

static int load_row(void *cls, const struct db_row *row)
{
	const char *t = row_text(row, 0);

	((struct loaded *)cls)->data = t ? strdup(t) : NULL;
	return 0;
}

static unsigned char *dup_b64(struct arena *a, const char *s, size_t *len)
{
	unsigned char *t = s ? b64_decode(a, s, len) : NULL;
	unsigned char *copy;

	if (!t)
		return NULL;
	copy = malloc(*len ? *len : 1);
	if (copy)
		memcpy(copy, t, *len);
	return copy;
}

int api_sign_finish(struct req *r)
{
	const char *token = req_form(r, "session"), *sig = req_form(r, "signature");
	struct loaded l = {NULL};
	struct finish_job *j = NULL;
	json_t *st = NULL;
	json_error_t je;
	enum edoc_profile prof = EDOC_PROFILE_B;
	struct db *db = app_db(r);
	const char *key, *owner;
	size_t siglen = 0;
	unsigned char *sigbin;

	if (!token || !sig || !(sigbin = b64_decode(r->arena, sig, &siglen)) || siglen == 0 || siglen > 1024) {
		bad(r, "session and signature (base64) are required");
		goto out;
	}
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		goto out;
	}
	key = session_key(r, token);
	if (db_query(db, SQL_SIGN_LOAD, DB_P(PTEXT(key), PINT((long long)time(NULL))), load_row, &l) != 0 || !l.data ||
	    !(st = json_loads(l.data, 0, &je))) {
		resp_error(r, ERR_NOT_FOUND, "no such signing session, or it expired");
		goto out;
	}
	owner = json_string_value(json_object_get(st, "owner"));
	if (!owner || strcmp(owner, owner_of(r)) != 0) {
		resp_error(r, ERR_FORBIDDEN, "the signing session belongs to another browser");
		goto out;
	}
	parse_profile(json_string_value(json_object_get(st, "profile")), &prof);
	j = calloc(1, sizeof(*j));
	if (!j)
		goto fail;
	j->app = r->app;
	j->profile = prof;
	j->time = (time_t)json_integer_value(json_object_get(st, "time"));
	j->cert_der = dup_b64(r->arena, json_string_value(json_object_get(st, "cert")), &j->cert_len);
	j->container = dup_b64(r->arena, json_string_value(json_object_get(st, "container")), &j->container_len);
	j->sig = malloc(siglen);
	j->session_key = strdup(key);
	if (!j->cert_der || !j->container || !j->sig || !j->session_key)
		goto fail;
	memcpy(j->sig, sigbin, siglen);
	j->sig_len = siglen;
	if (async_run(r, finish_work, finish_done, j) != 0)
		finish_job_free(j);
	j = NULL;
	goto out;
fail:
	resp_error(r, ERR_INTERNAL, NULL);
out:
	if (j)
		finish_job_free(j);
	json_decref(st);
	free(l.data);
	return 0;
}
