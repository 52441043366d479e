/* login_webeid.c — citizens log in with the eID card through the Web eID
 * browser extension (the same one the signing page speaks to):
 *
 *   GET  /api/v1/auth/challenge  → {"nonce": base64 of 32 random bytes}: kept
 *        (its SHA-256) in auth_token for 5 minutes, single use, owned by the
 *        browser that asked (auth_browser: its CSRF cookie); budgeted per
 *        browser and per network (limit-webeid-browser, -network)
 *   POST /api/v1/auth/webeid     _csrf, nonce, token (the extension's JSON),
 *        next → the nonce is taken (gone after this, whatever follows), the
 *        token validated in the worker pool (sign/webeid.h: the signature
 *        over hash(origin) ‖ hash(nonce) with origin from public-url, then
 *        the certificate: sign/auth_cert.h, OCSP), then auth_login() or
 *        auth_refuse() with a JSON answer for static/login-webeid.js.
 *
 * The nonce is never read from the token: the signature is checked against
 * the one this browser was given, so a token made for another browser, for
 * another site or earlier cannot log anyone in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/base64.h"
#include "core/digest.h"
#include "core/log.h"
#include "core/url.h"
#include "http/async.h"
#include "sign/auth_cert.h"
#include "sign/webeid.h"
#include "store/ratelimit.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/send.h"
#include "web/web.h"

#define WEBEID_TTL 300

#define MSG_NONCE N_("The login took too long or was already used. Press the button to log in again.")
#define MSG_TOKEN N_("The eID card's answer could not be accepted. Press the button to log in again.")
#define MSG_OFF N_("Logging in with the eID card is not available on this portal.")

/* The origin the extension signs: the public-url setting's. NULL when it
 * is not set (then this way of logging in is off). */
static const char *webeid_origin(struct req *r)
{
	char o[300];

	if (!app_of(r)->auth_cert || url_origin(r->site->cfg->public_url, o, sizeof(o)) != 0)
		return NULL;
	return arena_strdup(r->arena, o);
}

void login_webeid_ctx(struct req *r, json_t *ctx)
{
	const char *prefix = r->lang == LANG_EN ? "/en" : "";

	if (!webeid_origin(r))
		return;
	/* under /en the API answers in English too */
	json_object_set_new(ctx, "webeid",
			    json_pack("{s:s, s:s, s:s}", "challenge",
				      arena_printf(r->arena, "%s/api/v1/auth/challenge", prefix), "action",
				      arena_printf(r->arena, "%s/api/v1/auth/webeid", prefix), "lang",
				      r->lang == LANG_EN ? "en" : "lv"));
}

/* ---- the budget ---- */

struct budget_tx {
	struct req *r;
	const char *browser;
};

static int budget_body(struct db *db, void *cls)
{
	struct budget_tx *t = cls;
	const struct config *cfg = t->r->site->cfg;
	long long now = time(NULL);
	int rc = rate_take(db, send_private_key(t->r, "webeid-net", req_client_net(t->r)), 600,
			   cfg->limit_webeid_network, 1, now);

	if (rc == DB_OK)
		rc = rate_take(db, send_private_key(t->r, "webeid-browser", t->browser), 600, cfg->limit_webeid_browser,
			       1, now);
	return rc;
}

/* ---- GET /api/v1/auth/challenge ---- */

int api_auth_challenge(struct req *r)
{
	unsigned char rnd[32];
	char nonce[64];
	const char *browser = auth_browser(r), *site;
	struct budget_tx t = {r, browser};
	struct db *db = app_db(r);
	int rc;

	if (!webeid_origin(r)) {
		resp_error(r, ERR_NOT_FOUND, "logging in with Web eID is not configured (auth-trust and public-url)");
		return 0;
	}
	/* a GET, so no CSRF token: but a page elsewhere must not spend this
	 * browser's budget (browsers that say where a request came from) */
	site = req_header(r, "sec-fetch-site");
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
		resp_error(r, ERR_FORBIDDEN, "a login challenge is given only to this site's own pages");
		return 0;
	}
	if (!browser) {
		/* the login page gives the browser its CSRF cookie; a challenge
		 * must belong to a browser */
		resp_error(r, ERR_FORBIDDEN,
			   "open the login page first: the challenge is bound to this browser's cookie");
		return 0;
	}
	rc = db ? db_tx(db, budget_body, &t) : DB_ERROR;
	if (rc == RATE_LIMITED) {
		resp_error(r, ERR_TOO_MANY, "too many login attempts from this browser or network: wait ten minutes");
		return 0;
	}
	if (rc != DB_OK || RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    b64_encode(nonce, sizeof(nonce), rnd, sizeof(rnd), B64_STD) < 0 ||
	    auth_token_put(r, "webeid", nonce, browser, NULL, WEBEID_TTL) != 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	resp_json_flags(r, 200, json_pack("{s:s, s:i}", "nonce", nonce, "expires", WEBEID_TTL), RESP_NO_STORE);
	return 0;
}

/* ---- POST /api/v1/auth/webeid ---- */

/* What the pool thread needs: copies, no pointers into the request. */
struct webeid_job {
	struct auth_cert_ctx *ctx;
	char *token;
	size_t token_len;
	char *origin, *nonce, *next;
	/* results */
	enum webeid_result res;
	enum auth_cert_result cert;
	struct auth_identity id;
	char why[320];
};

static void job_free(struct webeid_job *j)
{
	if (!j)
		return;
	free(j->token);
	free(j->origin);
	free(j->nonce);
	free(j->next);
	OPENSSL_cleanse(&j->id, sizeof(j->id));
	free(j);
}

static void webeid_work(void *cls)
{
	struct webeid_job *j = cls;

	j->res = webeid_validate(j->ctx, j->token, j->token_len, j->origin, j->nonce, 0, &j->id, &j->cert, j->why,
				 sizeof(j->why));
}

/* The refusal's message: what the person can do about it. */
static const char *refusal_msg(const struct webeid_job *j)
{
	if (j->res == WEBEID_CERTIFICATE)
		return auth_cert_message(j->cert);
	if (j->res == WEBEID_SIGNATURE)
		return N_("The eID card's signature does not match this login. Press the button to log in again; if it "
			  "happens again, make sure the address in the browser is this portal's.");
	return MSG_TOKEN;
}

static void webeid_done(struct req *r, void *cls)
{
	struct webeid_job *j = cls;
	struct identity id;

	if (!r)
		goto out;
	if (j->res != WEBEID_OK) {
		const char *reason = j->res == WEBEID_CERTIFICATE ? auth_cert_reason(j->cert) : webeid_reason(j->res);

		/* why names no person (a responder or CA at most) */
		log_info("webeid login refused: %s: %s", reason, j->why);
		auth_refuse(r, "webeid", 0, reason, refusal_msg(j), AUTH_JSON);
		goto out;
	}
	memset(&id, 0, sizeof(id));
	id.method = "webeid";
	id.pno = arena_strdup(r->arena, j->id.pno);
	id.country = arena_strdup(r->arena, j->id.country);
	id.name = arena_strdup(r->arena, j->id.name);
	auth_login(r, &id, j->next, AUTH_JSON);
out:
	job_free(j);
}

int api_auth_webeid(struct req *r)
{
	const char *nonce = req_form(r, "nonce"), *token = req_form(r, "token"), *next = req_form(r, "next");
	const char *browser = auth_browser(r), *origin = webeid_origin(r);
	struct webeid_job *j;

	if (!origin) {
		auth_refuse(r, "webeid", 0, "not-configured", MSG_OFF, AUTH_JSON);
		return 0;
	}
	if (!token || !*token || strlen(token) > WEBEID_MAX_TOKEN) {
		auth_refuse(r, "webeid", 0, "malformed", MSG_TOKEN, AUTH_JSON);
		return 0;
	}
	/* single use whatever follows: taken before anything is checked; a
	 * nonce of another browser, a used or an expired one is not there */
	if (!nonce || !browser || strlen(nonce) > 64 || !auth_token_take(r, "webeid", nonce, browser)) {
		auth_refuse(r, "webeid", 0, "nonce", MSG_NONCE, AUTH_JSON);
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		goto fail;
	j->ctx = app_of(r)->auth_cert;
	j->token_len = strlen(token);
	j->token = strdup(token);
	j->origin = strdup(origin);
	j->nonce = strdup(nonce);
	j->next = next && auth_next_ok(next) ? strdup(next) : NULL;
	if (!j->token || !j->origin || !j->nonce || (next && auth_next_ok(next) && !j->next))
		goto fail;
	if (async_run_bytes(r, webeid_work, webeid_done, j, j->token_len + 65536) != 0)
		job_free(j);
	return 0;
fail:
	job_free(j);
	resp_error(r, ERR_INTERNAL, NULL);
	return 0;
}
