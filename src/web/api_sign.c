/* api_sign.c — two-phase signing for an eID signer in the browser.
 *
 *   POST /api/v1/sign/start   multipart or form: _csrf, certificate (PEM or
 *                             base64 DER, as Web eID gives it), profile (B,
 *                             T or LT; default LT when a time-stamp service
 *                             is configured), and either file (1..16) or
 *                             session (a document the sign-and-send page
 *                             prepared, src/web/page_sign.c)
 *     → {"session", "digest" (base64), "digestAlgorithm", "hashFunction"
 *        (Web eID spelling, e.g. "SHA-256"), "keyType", "profile", "expires"}
 *   POST /api/v1/sign/finish  _csrf, session, signature (base64: raw r||s for
 *                             ECDSA, PKCS#1 v1.5 for RSA)
 *     → the signed container (application/vnd.etsi.asic-e+zip)
 *
 * Between the phases the unsigned container, the certificate and the
 * signing time wait in a signing session (web/sign_session.h); the digest is recomputed from
 * them at finish (preparation is deterministic), so nothing a client sends
 * back is trusted but the signature value, which is checked against the
 * certificate. Finishing T and LT asks the time-stamp and OCSP services, so
 * it runs in the worker pool, never on the event loop.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/base64.h"
#include "core/log.h"
#include "http/async.h"
#include "http/multipart.h"
#include "sign/edoc.h"
#include "sign/sign.h"
#include "store/db.h"
#include "web/app.h"
#include "web/sign_session.h"
#include "web/web.h"

#define SIGN_MAX_FILES 16

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
	o->cert_urls_public = 1;
}

static void bad(struct req *r, const char *detail)
{
	resp_error(r, ERR_VALIDATION, detail);
}

/* The hash function as the Web eID extension names it. */
static const char *webeid_hash(const EVP_MD *md)
{
	switch (EVP_MD_get_type(md)) {
	case NID_sha384: return "SHA-384";
	case NID_sha512: return "SHA-512";
	default: return "SHA-256";
	}
}

/* The unsigned container of the files uploaded to start (API use). */
static int container_of_uploads(struct req *r, struct edoc *doc)
{
	struct err e = {0};
	size_t i, nfiles = 0;

	for (i = 0; r->multipart && i < r->multipart->nfiles; i++) {
		const struct upload *u = &r->multipart->files[i];
		int rc;

		if (strcmp(u->field, "file") != 0)
			continue;
		if (++nfiles > SIGN_MAX_FILES) {
			bad(r, "at most 16 files");
			return -1;
		}
		rc = sign_add_upload(doc, u, &e);
		if (rc == -1) {
			resp_error(r, ERR_INTERNAL, NULL);
			return -1;
		}
		if (rc != 0) {
			bad(r, arena_printf(r->arena, "file: %s", e.msg));
			return -1;
		}
	}
	if (nfiles == 0) {
		bad(r, "file: at least one file to sign is required");
		return -1;
	}
	return 0;
}

static void session_error(struct req *r, int rc)
{
	if (rc == SS_BUSY)
		resp_error(r, ERR_CONFLICT, "session: this document is being signed by another request");
	else if (rc == SS_TOO_MANY)
		resp_error(r, ERR_TOO_MANY,
			   arena_printf(r->arena,
					"this browser has %d signing sessions open: finish one or wait until it "
					"expires (ten minutes)",
					r->site->cfg->sign_sessions_per_browser));
	else if (rc == SS_FULL)
		resp_error(r, ERR_UNAVAILABLE,
			   "the portal holds as many documents for signing as it can: try again "
			   "in a few minutes");
	else if (rc == SS_FOREIGN)
		resp_error(r, ERR_FORBIDDEN, "the signing session belongs to another browser");
	else if (rc == SS_NOT_FOUND)
		resp_error(r, ERR_NOT_FOUND, "no such signing session, or it expired");
	else
		resp_error(r, ERR_UNAVAILABLE, NULL);
}

int api_sign_start(struct req *r)
{
	const char *certs = req_form(r, "certificate"), *token = req_form(r, "session");
	enum edoc_profile prof = *r->site->cfg->tsa_url ? EDOC_PROFILE_LT : EDOC_PROFILE_B;
	struct edoc *doc = NULL;
	struct edoc_pending *p = NULL;
	struct edoc_sign_opts o;
	struct err e = {0};
	X509 *cert = NULL;
	STACK_OF(X509) *chain = NULL;
	unsigned char *der = NULL, *zip = NULL;
	const unsigned char *digest;
	const EVP_MD *md;
	size_t dlen, ziplen = 0;
	time_t now = time(NULL);
	int derlen, rc;
	json_t *state = NULL;

	rc = parse_profile(req_form(r, "profile"), &prof);
	if (rc < 0) {
		bad(r, "profile must be B, T or LT");
		goto out;
	}
	if (prof != EDOC_PROFILE_B && !*r->site->cfg->tsa_url) {
		bad(r, "this portal has no time-stamp service: only profile B");
		goto out;
	}
	cert = certs ? edoc_x509_parse(certs) : NULL;
	if (!cert) {
		bad(r, "certificate: a PEM or base64 DER X.509 certificate is required");
		goto out;
	}
	/* Only a certificate of a trusted CA goes further: its issuer is then
	 * known here, and nothing a stranger wrote into a certificate is ever
	 * asked for. */
	chain = edoc_signer_chain(app_of(r)->trust, app_of(r)->sign_ca, cert, now, &e);
	if (!chain) {
		bad(r, arena_printf(r->arena, "certificate: %s", e.msg));
		goto out;
	}
	if (token && *token) {
		/* A document prepared by the sign-and-send page. */
		rc = sign_session_load(r, token, &state, &zip, &ziplen);
		if (rc != SS_OK) {
			session_error(r, rc);
			goto out;
		}
		if (json_object_get(state, "signed") || json_object_get(state, "sent")) {
			bad(r, "session: this document is already signed");
			goto out;
		}
		doc = zip ? edoc_open_mem(zip, ziplen, NULL, &e) : NULL;
		if (!doc) {
			resp_error(r, ERR_INTERNAL, NULL);
			goto out;
		}
	} else {
		doc = edoc_new();
		if (!doc || container_of_uploads(r, doc) != 0)
			goto out;
		if (edoc_write_mem(doc, &zip, &ziplen, &e) != 0) {
			resp_error(r, ERR_INTERNAL, NULL);
			goto out;
		}
		state = json_object();
	}
	opts_of(app_of(r), prof, now, &o);
	p = edoc_sign_prepare(doc, cert, chain, &o, &e);
	if (!p) {
		bad(r, arena_printf(r->arena, "certificate: %s", e.msg));
		goto out;
	}
	digest = edoc_pending_digest(p, &dlen, &md);
	derlen = i2d_X509(cert, &der);
	json_object_set_new(state, "profile", json_string(profile_name(prof)));
	json_object_set_new(state, "time", json_integer((json_int_t)now));
	json_object_set_new(state, "cert", json_string(b64_encode_arena(r->arena, der, (size_t)derlen)));
	rc = token && *token ? sign_session_save(r, token, state, NULL, 0)
			     : sign_session_new(r, state, zip, ziplen, &token);
	if (rc != SS_OK) {
		session_error(r, rc);
		goto out;
	}
	resp_json(r, 200,
		  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "session", token, "digest",
			    b64_encode_arena(r->arena, digest, dlen), "digestAlgorithm", EVP_MD_get0_name(md),
			    "hashFunction", webeid_hash(md), "keyType",
			    EVP_PKEY_get_base_id(X509_get0_pubkey(cert)) == EVP_PKEY_EC ? "EC" : "RSA", "profile",
			    profile_name(prof), "expires", (json_int_t)(now + SIGN_SESSION_TTL)));
out:
	json_decref(state);
	OPENSSL_free(der);
	free(zip);
	edoc_pending_free(p);
	edoc_free(doc);
	sk_X509_pop_free(chain, X509_free);
	X509_free(cert);
	return 0;
}

/* What the pool thread needs: no pointers into the request. The container
 * is the one copy read from the database, owned by the job; a session has
 * one finish at a time (sign_session_claim), so at most one such copy. */
struct finish_job {
	const struct app *app;
	enum edoc_profile profile;
	time_t time;
	unsigned char *cert_der, *container, *sig;
	size_t cert_len, container_len, sig_len;
	char *token;
	json_t *state; /* touched on the event loop only */
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
	free(j->token);
	free(j->out);
	json_decref(j->state);
	free(j);
}

static void finish_work(void *cls)
{
	struct finish_job *j = cls;
	const unsigned char *p = j->cert_der;
	X509 *cert = d2i_X509(NULL, &p, (long)j->cert_len);
	STACK_OF(X509) *chain = NULL;
	struct edoc *doc = NULL;
	struct edoc_pending *pend = NULL;
	struct edoc_sign_opts o;
	struct err e = {0};

	opts_of(j->app, j->profile, j->time, &o);
	/* checked at start; again, as the anchors may have changed, and for
	 * the issuer the revocation data needs */
	chain = cert ? edoc_signer_chain(j->app->trust, j->app->sign_ca, cert, j->time, &e) : NULL;
	doc = chain ? edoc_open_mem(j->container, j->container_len, NULL, &e) : NULL;
	pend = doc ? edoc_sign_prepare(doc, cert, chain, &o, &e) : NULL;
	if (!pend) {
		snprintf(j->err, sizeof(j->err), "%.*s", (int)sizeof(j->err) - 1, cert ? e.msg : "certificate");
		goto out;
	}
	if (edoc_sign_complete(doc, pend, j->sig, j->sig_len, &o, &e) != 0) {
		snprintf(j->err, sizeof(j->err), "%.*s", (int)sizeof(j->err) - 1, e.msg);
		j->bad_signature = strstr(e.msg, "signature") != NULL;
		goto out;
	}
	if (edoc_write_mem(doc, &j->out, &j->out_len, &e) != 0)
		snprintf(j->err, sizeof(j->err), "%.*s", (int)sizeof(j->err) - 1, e.msg);
out:
	edoc_pending_free(pend);
	edoc_free(doc);
	sk_X509_pop_free(chain, X509_free);
	X509_free(cert);
}

static void finish_done(struct req *r, void *cls)
{
	struct finish_job *j = cls;

	if (!r)
		goto out; /* the claim ends by itself after SIGN_FINISH_BUSY */
	if (!j->out) {
		sign_session_release(r, j->token);
		/* The cause stays in the log: it may name hosts and answers the
		 * client must not learn (the client chose the certificate). */
		log_info("sign finish failed: %s", j->err);
		if (j->bad_signature)
			resp_error(r, ERR_VALIDATION, "signature: the signature value does not match the certificate");
		else
			resp_error(r, ERR_UNAVAILABLE,
				   "the time-stamp or revocation service could not complete the "
				   "signature; please try again later");
		goto out;
	}
	if (json_object_get(j->state, "send")) {
		/* The sign-and-send page sends it next: keep it until then, in
		 * place of the unsigned one (it holds it all). */
		json_object_set_new(j->state, "signed", json_true());
		if (sign_session_save(r, j->token, j->state, j->out, j->out_len) != SS_OK) {
			resp_error(r, ERR_UNAVAILABLE, NULL);
			goto out;
		}
	} else {
		sign_session_delete(r, j->token);
	}
	resp_add_header(r, "content-disposition", "attachment; filename=\"dokuments.edoc\"");
	resp_send(r, 200, "application/vnd.etsi.asic-e+zip", arena_strndup(r->arena, (const char *)j->out, j->out_len),
		  j->out_len, RESP_NO_STORE);
out:
	finish_job_free(j);
}

int api_sign_finish(struct req *r)
{
	const char *token = req_form(r, "session"), *sig = req_form(r, "signature");
	struct finish_job *j = NULL;
	json_t *st = NULL;
	enum edoc_profile prof = EDOC_PROFILE_B;
	size_t siglen = 0, container_len = 0;
	unsigned char *sigbin, *container = NULL;
	int rc, claimed = 0;

	sigbin = token && sig ? b64_decode_arena(r->arena, sig, &siglen) : NULL;
	if (!sigbin || siglen == 0 || siglen > 1024) {
		bad(r, "session and signature (base64) are required");
		goto out;
	}
	/* one finish per session at a time; claimed before loading, so a
	 * finish that ran meanwhile is seen ("signed", or the row gone) */
	rc = sign_session_claim(r, token);
	if (rc != SS_OK) {
		session_error(r, rc);
		goto out;
	}
	claimed = 1;
	rc = sign_session_load(r, token, &st, &container, &container_len);
	if (rc != SS_OK) {
		session_error(r, rc);
		goto out;
	}
	if (json_object_get(st, "signed") || json_object_get(st, "sent")) {
		bad(r, "session: this document is already signed");
		goto out;
	}
	if (!json_object_get(st, "cert") || !container) {
		bad(r, "session: start signing first");
		goto out;
	}
	parse_profile(json_string_value(json_object_get(st, "profile")), &prof);
	j = calloc(1, sizeof(*j));
	if (!j)
		goto fail;
	j->app = app_of(r);
	j->profile = prof;
	j->time = (time_t)json_integer_value(json_object_get(st, "time"));
	j->cert_der = state_bytes(r, st, "cert", &j->cert_len);
	j->container = container;
	j->container_len = container_len;
	container = NULL;
	j->sig = malloc(siglen);
	j->token = strdup(token);
	j->state = json_incref(st);
	if (!j->cert_der || !j->container || !j->sig || !j->token)
		goto fail;
	memcpy(j->sig, sigbin, siglen);
	j->sig_len = siglen;
	/* the container, the document opened from it and the signed result */
	claimed = 0; /* the job's now: finish_done releases it */
	if (async_run_bytes(r, finish_work, finish_done, j, 3 * j->container_len + 65536) != 0) {
		finish_job_free(j);
		sign_session_release(r, token);
	}
	j = NULL;
	goto out;
fail:
	resp_error(r, ERR_INTERNAL, NULL);
out:
	if (claimed)
		sign_session_release(r, token);
	if (j)
		finish_job_free(j);
	free(container);
	json_decref(st);
	return 0;
}
