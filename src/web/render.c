/* render.c — the page context and the one path from template to response. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "http/static.h"
#include "tmpl/mustache.h"
#include "web/app.h"
#include "web/facts.h"
#include "core/when.h"
#include "web/web.h"

static const char *const assets[][2] = {
    {"css", "epak.css"},    {"js", "epak.js"},          {"sign_js", "sign.js"}, {"login_webeid_js", "login-webeid.js"},
    {"logo", "e-mark.svg"}, {"favicon", "favicon.svg"},
};

json_t *page_ctx(struct req *r, const char *title_msgid, const char *current)
{
	json_t *ctx = json_object();
	json_t *asset = json_object();
	json_t *cur = json_object();
	enum lang other = r->lang == LANG_LV ? LANG_EN : LANG_LV;
	const char *prefix = r->lang == LANG_EN ? "/en" : "";
	const char *url;
	size_t i;
	time_t now = time(NULL);
	struct tm tm;

	now += when_riga_offset(now); /* the year as the calendar in Riga reads */
	gmtime_r(&now, &tm);
	json_object_set_new(ctx, "lang", json_string(lang_code(r->lang)));
	json_object_set_new(ctx, r->lang == LANG_LV ? "is_lv" : "is_en", json_true());
	json_object_set_new(ctx, "prefix", json_string(prefix));
	json_object_set_new(ctx, "home_url", json_string(r->lang == LANG_EN ? "/en/" : "/"));
	json_object_set_new(ctx, "other_lang", json_string(lang_code(other)));
	json_object_set_new(ctx, "other_lang_name", json_string(other == LANG_EN ? "English" : "Latviski"));
	json_object_set_new(ctx, "other_lang_url", json_string(req_path_in(r, other)));
	page_alternates(r, ctx); /* sitemap.c: the hreflang links, as the sitemap gives them */
	json_object_set_new(ctx, "year", json_integer(tm.tm_year + 1900));
	if (title_msgid)
		json_object_set_new(ctx, "title", json_string(i18n_tr(r->lang, title_msgid)));
	for (i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
		url = static_url(app_of(r)->statics, assets[i][1]);
		json_object_set_new(asset, assets[i][0], json_string(url ? url : ""));
	}
	json_object_set_new(ctx, "asset", asset);
	if (current)
		json_object_set_new(cur, current, json_true());
	json_object_set_new(ctx, "current", cur);
	facts_ctx(r, ctx);
	return ctx;
}

int render_to(struct req *r, const char *name, json_t *ctx, struct buf *out)
{
	int rc;

	rc = app_render(app_of(r), r->lang, name, ctx, out);
	json_decref(ctx);
	if (rc != 0)
		log_error("template %s failed to render", name);
	return rc;
}

void render(struct req *r, int status, const char *name, json_t *ctx)
{
	render_flags(r, status, name, ctx, 0);
}

void render_flags(struct req *r, int status, const char *name, json_t *ctx, unsigned flags)
{
	struct buf b = BUF_INIT;

	if (render_to(r, name, ctx, &b) != 0) {
		buf_free(&b);
		if (strcmp(name, "error") != 0)
			resp_error(r, ERR_INTERNAL, NULL);
		return;
	}
	resp_send_buf(r, status, "text/html; charset=utf-8", &b, flags);
}

int web_render_error(struct req *r, enum err_code code, const char *detail, struct buf *out)
{
	const struct err_info *e = err_info(code);
	json_t *ctx = page_ctx(r, NULL, NULL);

	json_object_set_new(ctx, "title", json_string(e->hint[r->lang]));
	json_object_set_new(ctx, "status", json_integer(e->status));
	json_object_set_new(ctx, "code", json_string(err_public_code(code)));
	json_object_set_new(ctx, "hint", json_string(e->hint[r->lang]));
	json_object_set_new(ctx, e->status == 404 ? "not_found" : "other_error", json_true());
	if (e->status >= 500)
		json_object_set_new(ctx, "server_error", json_true());
	if (detail)
		json_object_set_new(ctx, "detail", json_string(detail));
	return render_to(r, "error", ctx, out);
}

void resp_json(struct req *r, int status, json_t *v)
{
	resp_json_flags(r, status, v, 0);
}

void resp_json_flags(struct req *r, int status, json_t *v, unsigned resp_flags)
{
	struct buf b = BUF_INIT;
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);

	json_decref(v);
	if (!s) {
		resp_error(r, ERR_INTERNAL, NULL);
		return;
	}
	buf_puts(&b, s);
	free(s);
	resp_send_buf(r, status, "application/json; charset=utf-8", &b, resp_flags);
}

const char *page_when(struct req *r, long long t)
{
	char out[WHEN_LEN];

	if (!t)
		return "";
	when_riga((time_t)t, r->lang, out);
	return arena_strdup(r->arena, out);
}
