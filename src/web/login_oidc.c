/* login_oidc.c — citizens' login through OpenID Connect identity providers
 * (src/oidc): a button per provider on /pieteikties, a link to
 * GET /pieteikties/oidc/{provider}/sakt, which keeps the attempt's state,
 * nonce and PKCE verifier as a single-use auth_token bound to this browser
 * (10 minutes) and sends the person to the provider; and
 * the provider's return, GET /pieteikties/oidc/{provider}?code&state (or
 * ?error), which takes the token back, exchanges the code and checks the ID
 * token in the worker pool, then logs the person in or refuses with a page
 * in their language and an audit entry.
 *
 * The start is a GET, not a form: the page's CSP (form-action 'self') makes
 * a browser refuse a form post that is redirected to another origin. Nothing
 * is lost: a start only leads the browser that made it to the provider, and
 * its return is bound to that browser, so a start forced by another site
 * logs nobody in as anyone but themselves (login CSRF needs the attacker's
 * code in the victim's browser, which the state prevents). */
#include <string.h>

#include "core/log.h"
#include "core/url.h"
#include "http/async.h"
#include "oidc/oidc.h"
#include "web/app.h"
#include "store/ratelimit.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/form.h"
#include "web/web.h"

#define OIDC_STARTS_PER_BROWSER 20 /* logins one browser may start per 10 minutes */

#define OIDC_STATE_TTL 600 /* seconds from the button to the provider's return */

static const char *str_or(const char *s, const char *otherwise)
{
	return s ? s : otherwise;
}

/* The button's link, carrying the login page's (checked) next. */
static const char *start_url(struct req *r, const struct config_oidc *c, const char *next)
{
	const char *path = arena_printf(r->arena, "/pieteikties/oidc/%s/sakt", c->name);

	if (next && auth_next_ok(next))
		path = arena_printf(r->arena, "%s?next=%s", path, url_query_value(r->arena, next));
	return prefixed(r, path);
}

void login_oidc_ctx(struct req *r, json_t *ctx)
{
	const struct oidc_set *set = &app_of(r)->oidc;
	const char *next = json_string_value(json_object_get(ctx, "next"));
	json_t *list;
	int i;

	if (set->n == 0)
		return;
	list = json_array();
	for (i = 0; i < set->n; i++) {
		const struct config_oidc *c = oidc_config(set->p[i]);
		json_t *o = json_object();

		json_object_set_new(o, "label", json_string(r->lang == LANG_EN ? c->label_en : c->label_lv));
		json_object_set_new(o, "url", json_string(start_url(r, c, next)));
		json_array_append_new(list, o);
	}
	json_object_set_new(ctx, "oidc", json_pack("{s:o}", "providers", list));
}

/* The one address every provider returns to: public-url (checked at start)
 * and the provider's name, in no language (it is registered as it is). */
static const char *redirect_uri(struct req *r, const struct config_oidc *c)
{
	const char *pub = r->site->cfg->public_url;
	size_t n = strlen(pub);

	return arena_printf(r->arena, "%.*s/pieteikties/oidc/%s", (int)(n && pub[n - 1] == '/' ? n - 1 : n), pub,
			    c->name);
}

static const char *method_of(struct req *r, const struct config_oidc *c)
{
	return arena_printf(r->arena, "oidc:%s", c->name);
}

/* ---- the button: GET /pieteikties/oidc/{provider}/sakt ---- */

static const struct field start_params[] = {FIELD_TEXT("next", OPTIONAL, 0, 1000, N_("Return to")), FIELD_END};

struct start_job {
	struct oidc_provider *p;
	struct oidc_attempt a;
	char *redirect_uri;
	char *lang;
	char *next; /* "" or a local path */
	char *url;  /* the result */
	struct err e;
};

static void start_job_free(struct start_job *j)
{
	free(j->redirect_uri);
	free(j->lang);
	free(j->next);
	free(j->url);
	free(j);
}

static void start_work(void *cls)
{
	struct start_job *j = cls;

	j->url = oidc_auth_url(j->p, j->redirect_uri, &j->a, j->lang, &j->e);
}

static void start_done(struct req *r, void *cls)
{
	struct start_job *j = cls;
	const struct config_oidc *c = oidc_config(j->p);
	const char *owner;
	json_t *data = NULL;
	char *text = NULL;

	if (!r)
		goto out;
	if (!j->url) {
		log_warn("oidc %s: %s", c->name, j->e.msg);
		auth_refuse(r, method_of(r, c), 0, "unavailable",
			    N_("The identity provider cannot be reached just now. Please try again later or choose "
			       "another way to log in."),
			    AUTH_REDIRECT);
		goto out;
	}
	owner = auth_browser(r);
	data = json_pack("{s:s, s:s, s:s, s:s, s:s}", "provider", c->name, "nonce", j->a.nonce, "verifier",
			 j->a.verifier, "lang", j->lang, "next", j->next);
	text = data ? json_dumps(data, JSON_COMPACT) : NULL;
	if (!owner || !text || auth_token_put(r, "oidc", j->a.state, owner, text, OIDC_STATE_TTL) != 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		goto out;
	}
	/* the provider's own address: not a local path, so not resp_redirect() */
	resp_add_header(r, "location", arena_strdup(r->arena, j->url));
	resp_send(r, 303, "text/plain; charset=utf-8", "", 0, RESP_NO_STORE | RESP_NO_PERSONAL);
out:
	if (text)
		memset(text, 0, strlen(text));
	free(text);
	json_decref(data);
	start_job_free(j);
}

int page_login_oidc_start(struct req *r)
{
	struct oidc_provider *p = oidc_find(&app_of(r)->oidc, req_param(r, 0));
	struct start_job *j;
	struct form q;
	const char *next;

	if (!p) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	query_validate(r, start_params, &q, r->lang);
	next = q.value[0] && auth_next_ok(q.value[0]) ? q.value[0] : "";
	/* the return is bound to this browser by its CSRF cookie: without one
	 * (a bare link), the login page gives it one and a button again */
	if (!auth_browser(r)) {
		resp_redirect(
		    r, 303,
		    prefixed(r, *next ? arena_printf(r->arena, "/pieteikties?next=%s", url_query_value(r->arena, next))
				      : "/pieteikties"));
		return 0;
	}
	/* each start is a worker job and a stored state: budgeted per network
	 * (every way of logging in) and per browser */
	if (auth_take(r, "login-net", req_client_net(r), 600, r->site->cfg->limit_login_network) == RATE_LIMITED ||
	    auth_take(r, "oidc-browser", auth_browser(r), 600, OIDC_STARTS_PER_BROWSER) == RATE_LIMITED) {
		login_page(r, 429, N_("Too many login attempts from your network. Wait a few minutes and try again."),
			   *next ? next : NULL);
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	j->p = p;
	oidc_attempt_new(&j->a);
	j->redirect_uri = strdup(redirect_uri(r, oidc_config(p)));
	j->lang = strdup(r->lang == LANG_EN ? "en" : "lv");
	j->next = strdup(next);
	if (!j->redirect_uri || !j->lang || !j->next) {
		start_job_free(j);
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	if (async_run(r, start_work, start_done, j) != 0)
		start_job_free(j);
	return 0;
}

/* ---- the provider's return: GET /pieteikties/oidc/{provider} ---- */

static const struct field return_params[] = {FIELD_ANY("code", NULL, NULL),
					     FIELD_ANY("state", NULL, NULL),
					     FIELD_ANY("error", NULL, NULL),
					     FIELD_ANY("error_description", NULL, NULL),
					     FIELD_ANY("iss", NULL, NULL),
					     FIELD_ANY("session_state", NULL, NULL),
					     FIELD_END};
enum { P_CODE, P_STATE, P_ERROR };

struct finish_job {
	struct oidc_provider *p;
	char *redirect_uri, *code, *verifier, *nonce, *next;
	enum oidc_fail fail;
	struct oidc_person who;
	struct err e;
};

static void finish_job_free(struct finish_job *j)
{
	free(j->redirect_uri);
	free(j->code);
	free(j->verifier);
	free(j->nonce);
	free(j->next);
	oidc_person_free(&j->who);
	free(j);
}

static void finish_work(void *cls)
{
	struct finish_job *j = cls;

	j->fail = oidc_finish(j->p, j->redirect_uri, j->code, j->verifier, j->nonce, &j->who, &j->e);
}

/* What the person reads for each reason (the audit gets the reason word). */
static const char *fail_msg(enum oidc_fail f)
{
	switch (f) {
	case OIDC_UNAVAILABLE:
		return N_("The identity provider cannot be reached just now. Please try again later or choose another "
			  "way to log in.");
	case OIDC_CODE_REFUSED:
		return N_("The identity provider did not confirm this login: it was already used or has expired. "
			  "Please log in again.");
	case OIDC_EXPIRED: return N_("The identity provider's answer has expired. Please log in again.");
	case OIDC_NO_PNO:
		return N_("The identity provider did not give your personal code, so you cannot log in this way.");
	default:
		return N_("The identity provider's answer could not be verified, so you were not logged in. Please "
			  "log in again.");
	}
}

static void finish_done(struct req *r, void *cls)
{
	struct finish_job *j = cls;
	const struct config_oidc *c = oidc_config(j->p);
	struct identity id;

	if (!r)
		goto out;
	if (j->fail != OIDC_OK) {
		log_warn("oidc %s: login refused (%s): %s", c->name, oidc_fail_word(j->fail), j->e.msg);
		auth_refuse(r, method_of(r, c), 0, oidc_fail_word(j->fail), fail_msg(j->fail), AUTH_REDIRECT);
		goto out;
	}
	memset(&id, 0, sizeof(id));
	id.method = method_of(r, c);
	id.pno = arena_strdup(r->arena, j->who.pno);
	id.country = arena_strdup(r->arena, j->who.country);
	id.name = arena_strdup(r->arena, j->who.name);
	auth_login(r, &id, *j->next ? arena_strdup(r->arena, j->next) : NULL, AUTH_REDIRECT);
out:
	finish_job_free(j);
}

/* An OAuth error code as the provider sent it, if it is one: a short word
 * of a-z and '_' (the audit keeps it; anything else is "other"). */
static const char *error_word(struct req *r, const char *e)
{
	size_t n = strlen(e);

	if (n == 0 || n > 40 || strspn(e, "abcdefghijklmnopqrstuvwxyz_") != n)
		return "provider-error:other";
	return arena_printf(r->arena, "provider-error:%s", e);
}

int page_login_oidc_return(struct req *r)
{
	struct oidc_provider *p = oidc_find(&app_of(r)->oidc, req_param(r, 0));
	const struct config_oidc *c;
	struct form q;
	const char *state, *owner, *data, *iss, *lang, *next;
	json_t *st = NULL;
	struct finish_job *j = NULL;

	if (!p) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	c = oidc_config(p);
	query_validate(r, return_params, &q, r->lang);
	state = q.value[P_STATE];
	owner = auth_browser(r);
	data = state && owner ? auth_token_take(r, "oidc", state, owner) : NULL;
	st = data ? json_loads(data, 0, NULL) : NULL;
	if (!st || strcmp(str_or(json_string_value(json_object_get(st, "provider")), ""), c->name)) {
		auth_refuse(r, method_of(r, c), 0, "state",
			    N_("This login was started in another browser, has expired or was already used. Please log "
			       "in again."),
			    AUTH_REDIRECT);
		goto out;
	}
	/* the person's language, from when they pressed the button */
	lang = json_string_value(json_object_get(st, "lang"));
	if (lang && !strcmp(lang, "en"))
		r->lang = LANG_EN;
	if (q.value[P_ERROR]) {
		auth_refuse(r, method_of(r, c), 0, error_word(r, q.value[P_ERROR]),
			    !strcmp(q.value[P_ERROR], "access_denied")
				? N_("The login was cancelled at the identity provider.")
				: N_("The identity provider did not log you in. Please try again or choose another way "
				     "to log in."),
			    AUTH_REDIRECT);
		goto out;
	}
	/* RFC 9207: a provider that names itself must be the one we asked */
	iss = req_query(r, "iss");
	if (iss && strcmp(iss, c->issuer)) {
		auth_refuse(r, method_of(r, c), 0, "issuer", fail_msg(OIDC_BAD_ISSUER), AUTH_REDIRECT);
		goto out;
	}
	if (!q.value[P_CODE] || !*q.value[P_CODE] || strlen(q.value[P_CODE]) > 2048) {
		auth_refuse(r, method_of(r, c), 0, "no-code", fail_msg(OIDC_BAD_TOKEN), AUTH_REDIRECT);
		goto out;
	}
	next = json_string_value(json_object_get(st, "next"));
	j = calloc(1, sizeof(*j));
	if (!j)
		goto fail;
	j->p = p;
	j->redirect_uri = strdup(redirect_uri(r, c));
	j->code = strdup(q.value[P_CODE]);
	j->verifier = strdup(str_or(json_string_value(json_object_get(st, "verifier")), ""));
	j->nonce = strdup(str_or(json_string_value(json_object_get(st, "nonce")), ""));
	j->next = strdup(next && auth_next_ok(next) ? next : (r->lang == LANG_EN ? "/en/profils" : ""));
	if (!j->redirect_uri || !j->code || !j->verifier || !j->nonce || !j->next)
		goto fail;
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
	return 0;
}
