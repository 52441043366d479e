/* page_facts.c — facts kept current in the back office (/birojs/fakti,
 * content editors and administrators; issue 12 point 3): each fact's text
 * in Latvian and English, where it was checked and when. "Checked today"
 * moves only the date. The content-health view (/birojs/parskats) lists
 * the facts not checked for fact-check-days (facts_health_ctx).
 *
 * The pages read the facts through web/facts.h. A save moves the content
 * revision in its transaction and calls content_changed() after the
 * commit, so every cached page that states the fact is built again; every
 * change goes to the audit log. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/url.h"
#include "core/when.h"
#include "store/db.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/content.h"
#include "web/facts.h"
#include "web/form.h"
#include "web/web.h"

#define FACT_ROLES (ROLE_CONTENT | ROLE_ADMIN)

static const struct field fact_fields[] = {FIELD_TEXTAREA("value_lv", OPTIONAL, 0, 1000, N_("Text in Latvian")),
					   FIELD_TEXTAREA("value_en", OPTIONAL, 0, 1000, N_("Text in English")),
					   FIELD_URL("source_url", OPTIONAL, N_("Where it was checked")),
					   FIELD_DATE("checked_on", OPTIONAL, N_("Checked on")), FIELD_END};

enum { F_VALUE_LV, F_VALUE_EN, F_SOURCE, F_CHECKED };

/* Today in Riga, "YYYY-MM-DD" (days ago back). */
static const char *riga_day(struct req *r, long long days_ago)
{
	time_t t = time(NULL) - (time_t)(days_ago * 86400);
	struct tm tm;

	t += when_riga_offset(t);
	gmtime_r(&t, &tm);
	return arena_printf(r->arena, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

struct fact_rows {
	struct req *r;
	json_t *list;
	const char *cutoff; /* checked before it: stale */
};

static int fact_row(void *cls, const struct db_row *row)
{
	struct fact_rows *x = cls;
	struct req *r = x->r;
	const char *checked = row_isnull(row, 5) ? "" : row_text(row, 5);
	char day[WHEN_LEN];
	json_t *o;

	when_date_text(checked, r->lang, day);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "slug", row_text(row, 0), "about",
		      r->lang == LANG_EN && *row_text(row, 2) ? row_text(row, 2) : row_text(row, 1), "value_lv",
		      row_text(row, 3), "value_en", row_text(row, 4), "checked_on", checked, "checked_text", day,
		      "source_url", row_text(row, 6), "updated", page_when(r, row_int(row, 7)), "f", json_object());
	json_object_set_new(
	    o, "url", json_string(prefixed(r, arena_printf(r->arena, "/birojs/fakti#fakts-%s", row_text(row, 0)))));
	if (!*checked || strcmp(checked, x->cutoff) < 0)
		json_object_set_new(o, "stale", json_true());
	if (!*row_text(row, 3))
		json_object_set_new(o, "unknown", json_true());
	json_array_append_new(x->list, o);
	return 0;
}

static const char SQL_FACTS[] = "SELECT slug, about_lv, about_en, value_lv, value_en, checked_on, source_url, "
				"updated_at FROM fact ORDER BY position, slug";
static const char SQL_STALE[] = "SELECT slug, about_lv, about_en, value_lv, value_en, checked_on, source_url, "
				"updated_at FROM fact WHERE checked_on IS NULL OR checked_on < $1 "
				"ORDER BY position, slug";

void facts_health_ctx(struct req *r, json_t *ctx)
{
	int days = app_of(r)->cfg->fact_check_days;
	struct fact_rows x = {r, json_array(), riga_day(r, days)};

	if (!app_db(r) || db_query(app_db(r), SQL_STALE, DB_P(PTEXT(x.cutoff)), fact_row, &x) != DB_OK) {
		json_decref(x.list);
		return;
	}
	json_object_set_new(ctx, "facts_stale", x.list);
	json_object_set_new(ctx, "fact_check_days", json_integer(days));
	json_object_set_new(ctx, "facts_editor", json_true());
}

static void facts_page(struct req *r, int status, const char *bad_slug, const struct form *bad)
{
	struct fact_rows x = {r, json_array(), riga_day(r, app_of(r)->cfg->fact_check_days)};
	json_t *ctx, *o;
	size_t i;

	if (!app_db(r) || db_query(app_db(r), SQL_FACTS, DB_NOP, fact_row, &x) != DB_OK) {
		json_decref(x.list);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	ctx = page_ctx(r, N_("Facts kept current"), "office");
	json_array_foreach(x.list, i,
			   o) if (bad_slug && !strcmp(json_string_value(json_object_get(o, "slug")), bad_slug))
	{
		form_to_ctx(r, fact_fields, bad, o);
		json_object_set(ctx, "errors", json_object_get(o, "errors"));
		json_object_set_new(ctx, "has_errors", json_true());
	}
	json_object_set_new(ctx, "facts_list", x.list);
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	json_object_set_new(ctx, "today", json_string(riga_day(r, 0)));
	json_object_set_new(ctx, "fact_check_days", json_integer(app_of(r)->cfg->fact_check_days));
	if (req_query(r, "saglabats"))
		json_object_set_new(ctx, "saved", json_true());
	render_flags(r, status, "office-facts", ctx, RESP_NO_STORE);
}

int page_office_facts(struct req *r)
{
	if (auth_require_role(r, FACT_ROLES) != 0)
		return 0;
	facts_page(r, 200, NULL, NULL);
	return 0;
}

struct fact_job {
	const char *slug;
	const struct form *f; /* NULL: only checked_on moves */
	const char *today;
	long long now, by, changes;
};

static int fact_tx(struct db *db, void *cls)
{
	struct fact_job *j = cls;
	const struct form *f = j->f;
	int rc;

	if (f)
		rc = db_exec(db,
			     "UPDATE fact SET value_lv = $2, value_en = $3, source_url = $4, checked_on = $5, "
			     "updated_at = $6, updated_by = $7 WHERE slug = $1",
			     DB_P(PTEXT(j->slug), PTEXT(f->value[F_VALUE_LV]), PTEXT(f->value[F_VALUE_EN]),
				  PTEXT(f->value[F_SOURCE]), *f->value[F_CHECKED] ? PTEXT(f->value[F_CHECKED]) : PNULL,
				  PINT(j->now), PINT(j->by)),
			     &j->changes);
	else
		rc = db_exec(db, "UPDATE fact SET checked_on = $2, updated_at = $3, updated_by = $4 WHERE slug = $1",
			     DB_P(PTEXT(j->slug), PTEXT(j->today), PINT(j->now), PINT(j->by)), &j->changes);
	if (rc != DB_OK)
		return rc;
	if (!j->changes)
		return DB_ENOROW;
	return db_exec(db, SQL_CONTENT_BUMP, DB_NOP, NULL);
}

static int slug_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 2 && n <= 60 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int fact_save(struct req *r, int only_checked)
{
	const char *slug = req_param(r, 0);
	const struct person *p = auth_person(r);
	struct form f;
	struct fact_job j = {0};
	int rc;

	if (auth_require_role(r, FACT_ROLES) != 0)
		return 0;
	if (!slug_ok(slug)) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (!app_db(r)) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (!only_checked) {
		if (form_validate(r, fact_fields, &f) != 0) {
			facts_page(r, 422, slug, &f);
			return 0;
		}
		/* a fact named *_url is put into href="…" by the templates: only a
		 * web address, never javascript: or data: */
		if (url_fact(slug)) {
			static const int vals[] = {F_VALUE_LV, F_VALUE_EN};

			for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++)
				if (*f.value[vals[k]] && !f.error[vals[k]] && !url_http_ok(f.value[vals[k]])) {
					f.error[vals[k]] = i18n_tr(
					    r->lang, N_("Please enter a web address that starts with https:// or "
							"http://, like https://www.example.lv."));
					f.nerrors++;
				}
			if (f.nerrors) {
				facts_page(r, 422, slug, &f);
				return 0;
			}
		}
		if (*f.value[F_CHECKED] && strcmp(f.value[F_CHECKED], riga_day(r, 0)) > 0) {
			f.error[F_CHECKED] = i18n_tr(r->lang, N_("A fact cannot be checked in the future."));
			f.nerrors++;
			facts_page(r, 422, slug, &f);
			return 0;
		}
		j.f = &f;
	}
	if (office_save_budget(r) != 0)
		return 0;
	j.slug = slug;
	j.today = riga_day(r, 0);
	j.now = (long long)time(NULL);
	j.by = p ? p->account : 0;
	rc = db_tx(app_db(r), fact_tx, &j);
	if (rc == DB_ENOROW) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (rc != DB_OK) {
		log_error("facts: not saved: %s", db_errmsg(app_db(r)));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	facts_stale();
	content_changed((struct app *)app_of(r));
	auth_audit(r, 0, only_checked ? "fact-checked" : "fact-updated", "", 1,
		   arena_printf(r->arena, "fact=%s checked=%s", slug,
				only_checked ? j.today : (*f.value[F_CHECKED] ? f.value[F_CHECKED] : "never")));
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/birojs/fakti?saglabats=1#fakts-%s", slug)));
	return 0;
}

int form_office_fact(struct req *r)
{
	return fact_save(r, 0);
}

int form_office_fact_checked(struct req *r)
{
	return fact_save(r, 1);
}
