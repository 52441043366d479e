/* page_login.c — the login page (/pieteikties) with a button for every
 * configured way of logging in, logging out (POST /iziet), the person's own
 * page (/profils: their sessions, their last logins, "log out everywhere")
 * and the personal block of every page (site.h). */
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/when.h"
#include "store/db.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/web.h"

/* Each way of logging in adds its part of the login page to ctx (nothing
 * when it is not configured). */
static void (*const login_ways[])(struct req *r, json_t *ctx) = {
    login_webeid_ctx,
    login_cert_ctx,
    login_oidc_ctx,
    login_password_ctx,
};

static const struct field login_params[] = {FIELD_TEXT("next", OPTIONAL, 0, 1000, N_("Return to")), FIELD_END};

json_t *login_ctx(struct req *r, const char *title, const char *msg, const char *next)
{
	json_t *ctx = page_ctx(r, title, "login");

	if (!next)
		next = req_query(r, "next");
	if (!next && r->form)
		next = req_form(r, "next");
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	if (next && auth_next_ok(next))
		json_object_set_new(ctx, "next", json_string(next));
	if (msg)
		json_object_set_new(ctx, "login_error", json_string(i18n_tr(r->lang, msg)));
	return ctx;
}

void login_page(struct req *r, int status, const char *msg, const char *next)
{
	json_t *ctx = login_ctx(r, N_("Log in"), msg, next);
	size_t i;

	for (i = 0; i < sizeof(login_ways) / sizeof(login_ways[0]); i++)
		login_ways[i](r, ctx);
	render_flags(r, status, "login", ctx, RESP_NO_STORE);
}

int page_login(struct req *r)
{
	struct form q;

	query_validate(r, login_params, &q, r->lang); /* a bad next is dropped (login_page) */
	login_page(r, 200, NULL, NULL);
	return 0;
}

/* Ends this session (or all of the person's) and says so. */
static int logged_out(struct req *r, int everywhere)
{
	json_t *ctx;

	if (auth_logout(r, everywhere) != 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	ctx = page_ctx(r, N_("You have logged out"), NULL);
	if (everywhere)
		json_object_set_new(ctx, "everywhere", json_true());
	render_flags(r, 200, "logged-out", ctx, RESP_NO_STORE | RESP_NO_PERSONAL);
	return 0;
}

int form_logout(struct req *r)
{
	return logged_out(r, 0);
}

int form_logout_all(struct req *r)
{
	if (auth_require_person(r) != 0)
		return 0;
	return logged_out(r, 1);
}

/* "eID card", "password and one-time code", "identity provider bank". */
const char *login_method_label(struct req *r, const char *method)
{
	if (!method || !*method)
		return "";
	if (!strcmp(method, "webeid"))
		return i18n_tr(r->lang, N_("eID card (Web eID)"));
	if (!strcmp(method, "tls"))
		return i18n_tr(r->lang, N_("eID card (certificate)"));
	if (!strcmp(method, "password"))
		return i18n_tr(r->lang, N_("password and one-time code"));
	if (!strncmp(method, "oidc:", 5))
		return arena_printf(r->arena, "%s %s", i18n_tr(r->lang, N_("identity provider")), method + 5);
	return method;
}

/* ---- /profils ---- */

static const char SQL_SESSIONS[] = "SELECT id, method, created_at, seen_at, agent FROM login_session "
				   "WHERE account_id = $1 AND stage = 'full' AND expires_at > $2 ORDER BY seen_at DESC";
static const char SQL_LOGINS[] = "SELECT at, method, ok FROM audit_log WHERE account_id = $1 AND action = 'login' "
				 "ORDER BY at DESC, id DESC LIMIT 10";

struct rows {
	struct req *r;
	json_t *list;
	const char *current;
};

static int session_row(void *cls, const struct db_row *row)
{
	struct rows *x = cls;
	json_t *o = json_object();

	if (!strcmp(row_text(row, 0), x->current))
		json_object_set_new(o, "current", json_true());
	json_object_set_new(o, "method", json_string(login_method_label(x->r, row_text(row, 1))));
	json_object_set_new(o, "created", json_string(page_when(x->r, row_int(row, 2))));
	json_object_set_new(o, "seen", json_string(page_when(x->r, row_int(row, 3))));
	json_object_set_new(o, "agent", json_string(row_text(row, 4)));
	json_array_append_new(x->list, o);
	return 0;
}

static int login_row(void *cls, const struct db_row *row)
{
	struct rows *x = cls;
	json_t *o = json_object();

	json_object_set_new(o, "at", json_string(page_when(x->r, row_int(row, 0))));
	json_object_set_new(o, "method", json_string(login_method_label(x->r, row_text(row, 1))));
	json_object_set_new(o, row_int(row, 2) ? "ok" : "failed", json_true());
	json_array_append_new(x->list, o);
	return 0;
}

int page_profile(struct req *r)
{
	const struct person *p;
	struct db *db = app_db(r);
	json_t *ctx;
	struct rows sessions, logins;

	if (auth_require_person(r) != 0)
		return 0;
	p = auth_person(r);
	ctx = page_ctx(r, N_("Your profile"), "profile");
	sessions = (struct rows){r, json_array(), p->session_id};
	logins = (struct rows){r, json_array(), p->session_id};
	if (!db ||
	    db_query(db, SQL_SESSIONS, DB_P(PINT(p->account), PINT((long long)time(NULL))), session_row, &sessions) <
		0 ||
	    db_query(db, SQL_LOGINS, DB_P(PINT(p->account)), login_row, &logins) < 0) {
		json_decref(sessions.list);
		json_decref(logins.list);
		json_decref(ctx);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	json_object_set_new(ctx, "name", json_string(p->name));
	if (*p->pno)
		json_object_set_new(ctx, "pno", json_string(p->pno));
	if (p->country && *p->country && strcmp(p->country, "LV"))
		json_object_set_new(ctx, "country", json_string(p->country));
	json_object_set_new(ctx, "method", json_string(login_method_label(r, p->method)));
	json_object_set_new(ctx, "sessions", sessions.list);
	json_object_set_new(ctx, "logins", logins.list);
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	if (p->staff) {
		json_object_set_new(ctx, "staff", json_true());
		profile_staff_ctx(r, p, ctx);
	}
	render_flags(r, 200, "profile", ctx, RESP_NO_STORE);
	return 0;
}

/* ---- the personal block of every page ---- */

int web_personal(struct req *r, struct buf *out)
{
	const struct person *p;
	json_t *ctx;
	int rc;

	p = auth_session(r);
	if (!p || p->otp_pending)
		return 0;
	ctx = json_object();
	json_object_set_new(ctx, "prefix", json_string(r->lang == LANG_EN ? "/en" : ""));
	json_object_set_new(ctx, "name", json_string(p->name));
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	if (p->staff)
		json_object_set_new(ctx, "staff", json_true());
	if (p->notice) {
		json_object_set_new(ctx, "notice", json_true());
		if (p->prev_login_at) {
			json_object_set_new(ctx, "prev_at", json_string(page_when(r, p->prev_login_at)));
			json_object_set_new(ctx, "prev_method", json_string(login_method_label(r, p->prev_method)));
		}
	}
	rc = app_render(app_of(r), r->lang, "personal", ctx, out);
	json_decref(ctx);
	if (rc != 0) {
		log_error("template personal failed to render");
		return 0;
	}
	if (p->notice && app_db(r))
		db_exec(app_db(r), "UPDATE login_session SET notice = 0 WHERE id = $1", DB_P(PTEXT(p->session_id)),
			NULL);
	return 1;
}
