/* page_searchtune.c — search quality in the editors' hands
 * (/birojs/meklesana, administrators only):
 *
 *  - editing the synonyms, the best bets and the lexicon's additions
 *    (web/search_data.h: kept in the database, validated by the parser the
 *    files use, every node's read model rebuilds; a bounded history to undo);
 *  - a preview: the top results of a query with the current data and with
 *    the edited, unsaved data side by side. Synonyms and best bets are
 *    applied at query time, so their preview re-reads only those tables
 *    over the current index (search_index_retable: no rebuild). A lexicon
 *    change alters the index's terms, so its preview builds a whole index
 *    from the current catalog (34 ms for the reference catalog, about 2.5 s
 *    and 200 MB at 100 000 services): one at a time, `limit-search-preview`
 *    per administrator per hour. Every preview runs in the worker pool;
 *  - the search evaluation (MRR@10 and S@1 per class, as `make
 *    search-eval` prints) on the query sets of `search-eval-queries`, in the
 *    worker pool, one run at a time, the last result kept (in this node's
 *    memory) and shown with its time;
 *  - the queries that found nothing (web/search_log.h), most often first,
 *    each with a link to preview it and to add a synonym for it.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/url.h"
#include "core/log.h"
#include "core/when.h"
#include "http/async.h"
#include "search/cli.h"
#include "search/docs.h"
#include "search/search.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/search_data.h"
#include "web/snapshot.h"
#include "web/web.h"

#define PAGE "/birojs/meklesana"
#define PREVIEW_HITS 10
#define ZERO_SHOWN 50
#define MAX_TEXT 200000 /* characters of an edited set (the lexicon: additions only) */

static const char *const set_choices[] = {"synonyms", "best-bets", "lexicon", "situations", NULL};
static const char *const set_labels[] = {N_("Synonyms"), N_("Best bets"), N_("Lexicon additions"),
					 N_("Life situations")};

static const struct field get_params[] = {FIELD_CHOICE("kopa", OPTIONAL, set_choices, N_("Data set")),
					  FIELD_TEXT("q", OPTIONAL, 0, 200, N_("Query")),
					  FIELD_TEXT("sinonims", OPTIONAL, 0, 200, N_("A synonym for")), FIELD_END};
enum { GP_SET, GP_Q, GP_SYN };

static const char *const action_choices[] = {"preview", "save", "file", NULL};
static const struct field edit_fields[] = {FIELD_CHOICE("kopa", REQUIRED, set_choices, N_("Data set")),
					   FIELD_TEXTAREA("teksts", OPTIONAL, 0, MAX_TEXT, N_("Text")),
					   FIELD_TEXT("q", OPTIONAL, 0, 200, N_("Query to preview")),
					   FIELD_CHOICE("darbiba", REQUIRED, action_choices, N_("Action")),
					   FIELD_TEXT("no", OPTIONAL, 0, 200, N_("Phrase")),
					   FIELD_TEXT("uz", OPTIONAL, 0, 200, N_("Means the same as")),
					   FIELD_END};
enum { EF_SET, EF_TEXT, EF_Q, EF_ACTION, EF_FROM, EF_TO };

static const struct field restore_fields[] = {FIELD_CHOICE("kopa", REQUIRED, set_choices, N_("Data set")),
					      FIELD_TEXT("versija", REQUIRED, 1, 20, N_("Version")), FIELD_END};
enum { RF_SET, RF_VERSION };

static enum search_data_kind kind_of(const char *name)
{
	int k;

	for (k = 0; k < SEARCH_DATA_SETS; k++)
		if (name && strcmp(name, set_choices[k]) == 0)
			return (enum search_data_kind)k;
	return SEARCH_DATA_SYNONYMS;
}

/* CRLF (as browsers send a textarea) to LF; arena copy. */
static char *unix_lines(struct req *r, const char *s)
{
	char *o = arena_strdup(r->arena, s ? s : ""), *w = o;
	const char *p;

	if (!o)
		return NULL;
	for (p = o; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			*w++ = *p;
	*w = '\0';
	return o;
}

/* ---- the evaluation's last result (this node's memory) ---- */

static struct {
	pthread_mutex_t lock; /* guards at, sets, error */
	atomic_int running;
	long long at;
	json_t *sets; /* [{file, rows: [{cls, n, mrr, s1}]}] */
	char error[256];
} ev = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- what the page shows ---- */

struct rows_cb {
	struct req *r;
	json_t *list;
	enum search_data_kind kind;
};

static const char SQL_HISTORY[] = "SELECT h.id, h.changed_at, COALESCE(c.login, ''), h.body IS NULL "
				  "FROM search_data_history h LEFT JOIN account c ON c.id = h.changed_by "
				  "WHERE h.name = $1 ORDER BY h.id DESC LIMIT $2";

static int history_row(void *cls, const struct db_row *row)
{
	struct rows_cb *x = cls;
	char when[WHEN_LEN];
	json_t *o = json_object();

	when_riga((time_t)row_int(row, 1), x->r->lang, when);
	json_object_set_new(o, "id", json_integer(row_int(row, 0)));
	json_object_set_new(o, "at", json_string(when));
	json_object_set_new(o, "who", json_string(row_text(row, 2)));
	json_object_set_new(o, "is_file", json_boolean(row_int(row, 3)));
	json_object_set_new(o, "is_current", json_boolean(json_array_size(x->list) == 0));
	json_object_set_new(o, "set", json_string(set_choices[x->kind]));
	json_array_append_new(x->list, o);
	return 0;
}

static const char SQL_ZERO[] = "SELECT query, count, first_day, last_day FROM search_zero "
			       "ORDER BY count DESC, last_day DESC, query LIMIT $1";
static const char SQL_ZERO_COUNT[] = "SELECT count(*) FROM search_zero";

static const char *day_text(struct req *r, long long day)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;
	char s[16], out[WHEN_LEN];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d", &tm);
	when_date_text(s, r->lang, out); /* in the page's language */
	return arena_strdup(r->arena, out);
}

static int zero_row(void *cls, const struct db_row *row)
{
	struct rows_cb *x = cls;
	const char *q = row_text(row, 0);
	const char *eq = url_query_value(x->r->arena, q);

	json_array_append_new(
	    x->list,
	    json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "query", q, "count", (json_int_t)row_int(row, 1), "first",
		      day_text(x->r, row_int(row, 2)), "last", day_text(x->r, row_int(row, 3)), "preview_url",
		      arena_printf(x->r->arena, "%s?kopa=synonyms&q=%s#pq", prefixed(x->r, PAGE), eq), "synonym_url",
		      arena_printf(x->r->arena, "%s?kopa=synonyms&sinonims=%s#add", prefixed(x->r, PAGE), eq)));
	return 0;
}

static json_t *eval_ctx(struct req *r)
{
	json_t *o = json_object();
	char when[WHEN_LEN];

	pthread_mutex_lock(&ev.lock);
	if (ev.at) {
		when_riga((time_t)ev.at, r->lang, when);
		json_object_set_new(o, "at", json_string(when));
	}
	if (ev.sets)
		json_object_set_new(o, "sets", json_deep_copy(ev.sets));
	if (ev.error[0])
		json_object_set_new(o, "error", json_string(ev.error));
	pthread_mutex_unlock(&ev.lock);
	if (atomic_load(&ev.running))
		json_object_set_new(o, "running", json_true());
	if (!app_of(r)->cfg->search_eval_queries || !*app_of(r)->cfg->search_eval_queries)
		json_object_set_new(o, "none", json_true());
	return o;
}

/* The page: ctx gets everything but the editor's own state, which the
 * caller sets (text, q, preview, errors). NULL when the database failed
 * (r answered). */
static json_t *page_base(struct req *r, enum search_data_kind kind, struct search_edits *edits)
{
	const struct app *app = app_of(r);
	struct db *db = app_db(r);
	struct rows_cb x = {r, NULL, kind};
	json_t *ctx, *sets;
	long long nzero = 0;
	int k;

	if (!db || search_edits_load(db, edits) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return NULL;
	}
	ctx = page_ctx(r, N_("Search tuning"), "office");
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	sets = json_array();
	for (k = 0; k < SEARCH_DATA_SETS; k++)
		json_array_append_new(sets,
				      json_pack("{s:s, s:s, s:s, s:b}", "name", set_choices[k], "label",
						i18n_tr(r->lang, set_labels[k]), "url",
						arena_printf(r->arena, "%s?kopa=%s", prefixed(r, PAGE), set_choices[k]),
						"current", k == (int)kind));
	json_object_set_new(ctx, "sets", sets);
	json_object_set_new(ctx, "set", json_string(set_choices[kind]));
	json_object_set_new(ctx, "set_label", json_string(i18n_tr(r->lang, set_labels[kind])));
	json_object_set_new(ctx, "is_synonyms", json_boolean(kind == SEARCH_DATA_SYNONYMS));
	json_object_set_new(ctx, "is_lexicon", json_boolean(kind == SEARCH_DATA_LEXICON));
	json_object_set_new(ctx, "is_situations", json_boolean(kind == SEARCH_DATA_SITUATIONS));
	json_object_set_new(
	    ctx, "file", json_string(arena_printf(r->arena, "%s/%s", app->cfg->search_data, search_data_file(kind))));
	if (edits->text[kind]) {
		char when[WHEN_LEN];

		when_riga((time_t)edits->changed_at[kind], r->lang, when);
		json_object_set_new(ctx, "edited_at", json_string(when));
	}
	x.list = json_array();
	if (db_query(db, SQL_HISTORY, DB_P(PTEXT(set_choices[kind]), PINT(SEARCH_DATA_HISTORY)), history_row, &x) !=
	    DB_OK)
		goto fail;
	json_object_set_new(ctx, "has_history", json_boolean(json_array_size(x.list) > 0));
	json_object_set_new(ctx, "history", x.list);
	x.list = json_array();
	if (db_query(db, SQL_ZERO, DB_P(PINT(ZERO_SHOWN)), zero_row, &x) != DB_OK ||
	    db_query_int(db, SQL_ZERO_COUNT, DB_NOP, &nzero) != DB_OK)
		goto fail;
	json_object_set_new(ctx, "has_zero", json_boolean(json_array_size(x.list) > 0));
	json_object_set_new(ctx, "zero", x.list);
	json_object_set_new(ctx, "nzero", json_integer(nzero));
	json_object_set_new(ctx, "zero_max", json_integer(app->cfg->search_zero_rows));
	json_object_set_new(ctx, "zero_days", json_integer(app->cfg->search_zero_days));
	json_object_set_new(ctx, "eval", eval_ctx(r));
	return ctx;
fail:
	json_decref(x.list);
	json_decref(ctx);
	search_edits_free(edits);
	resp_error(r, ERR_UNAVAILABLE, NULL);
	return NULL;
}

/* The text the editor starts from: the database's version, else the file. */
static const char *current_text(struct req *r, enum search_data_kind kind, const struct search_edits *e)
{
	char path[2048];
	char *text = NULL;
	size_t len = 0;

	if (e->text[kind])
		return arena_strdup(r->arena, e->text[kind]);
	if (kind == SEARCH_DATA_LEXICON)
		return ""; /* additions only: the generated file is not edited here */
	snprintf(path, sizeof(path), "%s/%s", app_of(r)->cfg->search_data, search_data_file(kind));
	if (file_read(path, MAX_TEXT * 4, &text, &len) != 0)
		return "";
	{
		const char *s = arena_strdup(r->arena, text);

		free(text);
		return s ? s : "";
	}
}

int page_searchtune(struct req *r)
{
	struct search_edits edits;
	enum search_data_kind kind;
	struct form q;
	json_t *ctx;
	const char *text;

	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	if (query_validate(r, get_params, &q, r->lang) != 0) {
		resp_error(r, ERR_BAD_REQUEST, query_error(r, get_params, &q, r->lang, 1));
		return 0;
	}
	kind = kind_of(q.value[GP_SET]);
	if (q.value[GP_SYN] && *q.value[GP_SYN])
		kind = SEARCH_DATA_SYNONYMS;
	ctx = page_base(r, kind, &edits);
	if (!ctx)
		return 0;
	text = current_text(r, kind, &edits);
	search_edits_free(&edits);
	json_object_set_new(ctx, "text", json_string(text));
	json_object_set_new(ctx, "q", json_string(q.value[GP_Q] ? q.value[GP_Q] : ""));
	if (q.value[GP_SYN] && *q.value[GP_SYN]) {
		json_object_set_new(ctx, "add_from", json_string(q.value[GP_SYN]));
		json_object_set_new(ctx, "q", json_string(q.value[GP_SYN]));
	}
	render_flags(r, 200, "searchtune", ctx, RESP_NO_STORE);
	return 0;
}

/* ---- the preview (worker pool) ---- */

static atomic_int lexicon_building; /* one whole-index preview at a time */

struct preview {
	const struct snapshot *sn;
	enum search_data_kind kind;
	char *text; /* the edited text (malloc) */
	char *q;
	struct search_edits edits; /* the database's versions */
	const char *data_dir;
	int lexicon_slot;
	const char *saving; /* a save: its audit action; only the check runs in the pool */
	/* out */
	struct search_data_problem pr;
	int bad;
	char failed[300];
	json_t *before, *after;
	long long ms;
	int rebuilt;
};

static json_t *hits_json(const struct search_index *idx, const char *q, int *ok)
{
	struct arena *a = arena_new(0);
	struct search_request rq;
	struct search_results res;
	json_t *list = json_array();
	size_t i;

	*ok = 0;
	if (!a)
		return list;
	memset(&rq, 0, sizeof(rq));
	rq.q = q;
	rq.limit = PREVIEW_HITS;
	rq.no_prefix = 1;
	if (search_run(idx, &rq, a, &res) == SEARCH_OK) {
		*ok = 1;
		for (i = 0; i < res.nhits; i++)
			json_array_append_new(list,
					      json_pack("{s:I, s:s, s:s, s:s, s:b}", "rank", (json_int_t)(i + 1), "id",
							res.hits[i].id, "title", res.hits[i].title_lv, "url",
							res.hits[i].url, "best_bet", res.hits[i].best_bet));
	}
	arena_free(a);
	return list;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void preview_work(void *cls)
{
	struct preview *p = cls;
	struct search_config cfg;
	struct search_index *idx = NULL;
	struct err err = {0};
	char *urls = NULL;
	long long t0 = mono_ms();
	int ok;

	if (search_data_check(p->kind, p->text, &p->pr) != 0) {
		p->bad = 1;
		return;
	}
	if (p->saving || !p->q || !*p->q)
		return;
	memset(&cfg, 0, sizeof(cfg));
	cfg.data_dir = p->data_dir;
	search_edits_apply(&p->edits, &cfg);
	if (p->kind == SEARCH_DATA_SYNONYMS)
		cfg.synonyms = p->text;
	else if (p->kind == SEARCH_DATA_BEST_BETS)
		cfg.best_bets = p->text;
	else if (p->kind == SEARCH_DATA_SITUATIONS)
		cfg.situations = p->text;
	else
		cfg.lexicon_extra = p->text;
	if (p->kind == SEARCH_DATA_LEXICON) {
		idx = search_index_of_catalog(p->sn->cat, &cfg, &urls, &err);
		p->rebuilt = 1;
	} else {
		idx = search_index_retable(p->sn->idx, &cfg, &err);
	}
	if (!idx) {
		snprintf(p->failed, sizeof(p->failed), "%.250s", err.msg);
		return;
	}
	p->before = hits_json(p->sn->idx, p->q, &ok);
	p->after = hits_json(idx, p->q, &ok);
	search_index_free(idx);
	free(urls);
	if (p->rebuilt)
		malloc_trim(0); /* a whole index's transient heap (~190 MB at 100 000 services) */
	p->ms = mono_ms() - t0;
}

static void preview_free(struct preview *p)
{
	if (p->lexicon_slot)
		atomic_store(&lexicon_building, 0);
	snapshot_put(p->sn);
	search_edits_free(&p->edits);
	free(p->text);
	free(p->q);
	json_decref(p->before);
	json_decref(p->after);
	free(p);
}

/* Marks each hit of a that is not in b's list (by id) with key. */
static void mark_missing(json_t *a, json_t *b, const char *key)
{
	size_t i, j;
	json_t *h, *o;

	json_array_foreach(a, i, h)
	{
		const char *id = json_string_value(json_object_get(h, "id"));
		int found = 0;

		json_array_foreach(b, j, o)
		{
			if (strcmp(id, json_string_value(json_object_get(o, "id"))) == 0) {
				found = 1;
				if (i != j)
					json_object_set_new(h, "moved", json_true());
			}
		}
		if (!found)
			json_object_set_new(h, key, json_true());
	}
}

/* Re-renders the editor with its text and a message or the preview. */
static void editor_page(struct req *r, int status, enum search_data_kind kind, const char *text, const char *q,
			json_t *errors, json_t *preview)
{
	struct search_edits edits;
	json_t *ctx = page_base(r, kind, &edits);

	if (!ctx) {
		json_decref(errors);
		json_decref(preview);
		return;
	}
	search_edits_free(&edits);
	json_object_set_new(ctx, "text", json_string(text ? text : ""));
	json_object_set_new(ctx, "q", json_string(q ? q : ""));
	if (errors) {
		json_object_set_new(ctx, "has_errors", json_boolean(json_array_size(errors) > 0));
		json_object_set_new(ctx, "errors", errors);
	}
	if (preview)
		json_object_set_new(ctx, "preview", preview);
	render_flags(r, status, "searchtune", ctx, RESP_NO_STORE);
}

static json_t *error_list(struct req *r, const char *field, const char *label, const char *message)
{
	json_t *a = json_array();

	json_array_append_new(
	    a, json_pack("{s:s, s:s, s:s}", "field", field, "label", i18n_tr(r->lang, label), "message", message));
	return a;
}

/* "Line 12, field 2: more than 8 words in a phrase" in the person's language. */
static const char *problem_text(struct req *r, const struct search_data_problem *pr)
{
	const char *why = i18n_tr(r->lang, pr->why ? pr->why : N_("the text could not be read"));

	if (pr->line && pr->field)
		return arena_printf(r->arena, i18n_tr(r->lang, N_("Line %zu, field %zu: %s.")), pr->line, pr->field,
				    why);
	if (pr->line)
		return arena_printf(r->arena, i18n_tr(r->lang, N_("Line %zu: %s.")), pr->line, why);
	return arena_printf(r->arena, "%s.", why);
}

static void do_save(struct req *r, enum search_data_kind kind, const char *text, const char *q, const char *how);

static void preview_done(struct req *r, void *cls)
{
	struct preview *p = cls;
	json_t *pv;

	if (!r) {
		preview_free(p);
		return;
	}
	if (p->saving && !p->bad) {
		do_save(r, p->kind, p->text, p->q, p->saving);
	} else if (p->bad) {
		if (p->saving)
			auth_audit(r, 0, "search-data-refused", "", 0, set_choices[p->kind]);
		editor_page(r, 422, p->kind, p->text, p->q,
			    error_list(r, "teksts", set_labels[p->kind], problem_text(r, &p->pr)), NULL);
	} else if (p->failed[0]) {
		log_warn("search preview: %s", p->failed);
		editor_page(r, 422, p->kind, p->text, p->q,
			    error_list(r, "teksts", set_labels[p->kind],
				       i18n_tr(r->lang, N_("The preview could not be made with this text."))),
			    NULL);
	} else {
		pv = json_object();
		json_object_set_new(pv, "ok", json_true());
		if (p->before && p->after) {
			mark_missing(p->after, p->before, "new");
			mark_missing(p->before, p->after, "gone");
			json_object_set_new(pv, "q", json_string(p->q));
			json_object_set_new(pv, "before", p->before);
			json_object_set_new(pv, "after", p->after);
			json_object_set_new(pv, "same", json_boolean(json_equal(p->before, p->after)));
			json_object_set_new(pv, "ms", json_integer(p->ms));
			if (p->rebuilt)
				json_object_set_new(pv, "rebuilt", json_true());
			p->before = p->after = NULL;
		}
		editor_page(r, 200, p->kind, p->text, p->q, NULL, pv);
	}
	preview_free(p);
}

/* ---- saving ---- */

/* Writes the (checked) text and answers with the page. */
static void do_save(struct req *r, enum search_data_kind kind, const char *text, const char *q, const char *how)
{
	const struct person *who = auth_person(r);
	struct db *db = app_db(r);

	if (!db || search_data_save(db, kind, text, who->account, (long long)time(NULL)) != DB_OK) {
		if (db)
			log_error("search data: %s", db_errmsg(db));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	auth_audit(r, 0, how, "", 1, set_choices[kind]);
	resp_redirect(r, 303,
		      arena_printf(r->arena, "%s?kopa=%s%s%s", prefixed(r, PAGE), set_choices[kind],
				   q && *q ? "&q=" : "", q && *q ? url_query_value(r->arena, q) : ""));
}

/* Saves text (NULL: back to the file): the check (up to MAX_TEXT
 * characters, ~10 ms) runs in the worker pool, the write on the loop
 * afterwards (done). */
static void save(struct req *r, enum search_data_kind kind, const char *text, const char *q, const char *how)
{
	struct preview *p;

	if (!text) {
		do_save(r, kind, NULL, q, how);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (p) {
		p->text = strdup(text);
		p->q = strdup(q ? q : "");
	}
	if (!p || !p->text || !p->q) {
		if (p)
			preview_free(p);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	p->kind = kind;
	p->saving = how;
	if (async_run(r, preview_work, preview_done, p) != 0)
		preview_free(p);
}

int form_searchtune(struct req *r)
{
	const struct app *app = app_of(r);
	const struct person *who;
	struct form f;
	enum search_data_kind kind;
	struct preview *p;
	const char *text;
	int rc;

	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	who = auth_person(r);
	rc = form_validate(r, edit_fields, &f);
	kind = kind_of(f.value[EF_SET]);
	text = unix_lines(r, f.value[EF_TEXT]);
	if (rc != 0 || !text) {
		json_t *errors = json_array();
		int i;

		for (i = 0; edit_fields[i].name; i++)
			if (f.error[i])
				json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field", edit_fields[i].name,
									"label", i18n_tr(r->lang, edit_fields[i].label),
									"message", f.error[i]));
		editor_page(r, 422, kind, f.value[EF_TEXT], f.value[EF_Q], errors, NULL);
		return 0;
	}
	/* "add a synonym": the new line goes at the end, shown and previewed, not saved */
	if (*f.value[EF_FROM] && *f.value[EF_TO]) {
		if (strchr(f.value[EF_FROM], '\t') || strchr(f.value[EF_TO], '\t')) {
			editor_page(r, 422, kind, text, f.value[EF_Q],
				    error_list(r, "uz", N_("Means the same as"),
					       i18n_tr(r->lang, N_("A phrase cannot hold a TAB."))),
				    NULL);
			return 0;
		}
		kind = SEARCH_DATA_SYNONYMS;
		text = arena_printf(r->arena, "%s%s%s\t%s\n", text, *text && text[strlen(text) - 1] != '\n' ? "\n" : "",
				    f.value[EF_FROM], f.value[EF_TO]);
		if (!*f.value[EF_Q])
			f.value[EF_Q] = f.value[EF_FROM];
	}
	if (strcmp(f.value[EF_ACTION], "save") == 0) {
		save(r, kind, text, f.value[EF_Q], "search-data-saved");
		return 0;
	}
	if (strcmp(f.value[EF_ACTION], "file") == 0) {
		save(r, kind, NULL, f.value[EF_Q], "search-data-reset");
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	p->kind = kind;
	p->text = strdup(text);
	p->q = strdup(f.value[EF_Q]);
	p->data_dir = app->cfg->search_data;
	if (!p->text || !p->q || search_edits_load(app_db(r), &p->edits) != DB_OK) {
		preview_free(p);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (kind == SEARCH_DATA_LEXICON && *p->q) {
		char subject[32];
		int expected = 0;

		snprintf(subject, sizeof(subject), "%lld", who->account);
		rc = auth_take(r, "search-preview", subject, 3600, app->cfg->limit_search_preview);
		if (rc == RATE_LIMITED || !atomic_compare_exchange_strong(&lexicon_building, &expected, 1)) {
			editor_page(
			    r, 429, kind, text, p->q,
			    error_list(r, "pq", N_("Query to preview"),
				       i18n_tr(r->lang, rc == RATE_LIMITED
							    ? N_("You have made many lexicon previews this hour; each "
								 "builds a whole search index. Please try later.")
							    : N_("Another lexicon preview is being built. Please try "
								 "again in a moment."))),
			    NULL);
			preview_free(p);
			return 0;
		}
		p->lexicon_slot = 1;
	}
	p->sn = snapshot_get();
	if (async_run_bytes(r, preview_work, preview_done, p,
			    kind == SEARCH_DATA_LEXICON && *p->q ? 4 * (size_t)1024 * 1024 : 64 * 1024) != 0)
		preview_free(p);
	return 0;
}

/* ---- restoring a version ---- */

static const char SQL_VERSION[] = "SELECT body, body IS NULL FROM search_data_history WHERE id = $1 AND name = $2";

struct version {
	struct req *r;
	const char *body;
	int found, file;
};

static int version_row(void *cls, const struct db_row *row)
{
	struct version *v = cls;

	v->found = 1;
	v->file = (int)row_int(row, 1);
	v->body = v->file ? NULL : arena_strdup(v->r->arena, row_text(row, 0));
	return 0;
}

int form_searchtune_restore(struct req *r)
{
	struct form f;
	struct version v = {r, NULL, 0, 0};
	enum search_data_kind kind;
	unsigned long id = 0;
	struct db *db;

	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	if (form_validate(r, restore_fields, &f) != 0 || url_uint(f.value[RF_VERSION], &id) != 0) {
		resp_error(r, ERR_BAD_REQUEST, NULL);
		return 0;
	}
	kind = kind_of(f.value[RF_SET]);
	db = app_db(r);
	if (!db ||
	    db_query(db, SQL_VERSION, DB_P(PINT((long long)id), PTEXT(set_choices[kind])), version_row, &v) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (!v.found) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	save(r, kind, v.file ? NULL : v.body, NULL, "search-data-restored");
	return 0;
}

/* ---- the evaluation (worker pool, one at a time) ---- */

struct eval_job {
	const struct snapshot *sn;
	char *files;
	json_t *sets;
	char error[256];
};

static void eval_work(void *cls)
{
	struct eval_job *j = cls;
	char *save_ptr = NULL, *file;

	j->sets = json_array();
	for (file = strtok_r(j->files, ",", &save_ptr); file; file = strtok_r(NULL, ",", &save_ptr)) {
		struct search_eval out;
		struct err err = {0};
		json_t *rows;
		const char *base;
		size_t i;

		while (*file == ' ')
			file++;
		if (!*file)
			continue;
		if (search_eval_index(j->sn->idx, file, 0, &out, &err) != 0) {
			snprintf(j->error, sizeof(j->error), "%.200s", err.msg);
			continue;
		}
		rows = json_array();
		for (i = 0; i < out.nrows; i++)
			json_array_append_new(rows, json_pack("{s:s, s:I, s:s, s:s, s:b}", "cls", out.rows[i].cls, "n",
							      (json_int_t)out.rows[i].n, "mrr", "", "s1", "", "overall",
							      strcmp(out.rows[i].cls, "overall") == 0));
		/* as `epak search-eval` prints them: three decimals */
		for (i = 0; i < out.nrows; i++) {
			char m[16], s[16];

			snprintf(m, sizeof(m), "%.3f", out.rows[i].mrr10);
			snprintf(s, sizeof(s), "%.3f", out.rows[i].s1);
			json_object_set_new(json_array_get(rows, i), "mrr", json_string(m));
			json_object_set_new(json_array_get(rows, i), "s1", json_string(s));
		}
		base = strrchr(file, '/');
		json_array_append_new(j->sets, json_pack("{s:s, s:o}", "file", base ? base + 1 : file, "rows", rows));
	}
}

static void eval_done(struct req *r, void *cls)
{
	struct eval_job *j = cls;

	pthread_mutex_lock(&ev.lock);
	json_decref(ev.sets);
	ev.sets = j->sets;
	ev.at = (long long)time(NULL);
	snprintf(ev.error, sizeof(ev.error), "%s", j->error);
	pthread_mutex_unlock(&ev.lock);
	atomic_store(&ev.running, 0);
	if (j->error[0])
		log_warn("search evaluation: %s", j->error);
	snapshot_put(j->sn);
	free(j->files);
	free(j);
	if (r)
		resp_redirect(r, 303, arena_printf(r->arena, "%s#eval", prefixed(r, PAGE)));
}

static const struct field eval_fields[] = {FIELD_END};

int form_searchtune_eval(struct req *r)
{
	const char *files = app_of(r)->cfg->search_eval_queries;
	struct eval_job *j;
	struct form f;
	int expected = 0;

	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	form_validate(r, eval_fields, &f);
	if (!files || !*files || !atomic_compare_exchange_strong(&ev.running, &expected, 1)) {
		/* none configured, or a run is going on: its result will show */
		resp_redirect(r, 303, arena_printf(r->arena, "%s#eval", prefixed(r, PAGE)));
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (j)
		j->files = strdup(files);
	if (!j || !j->files) {
		free(j);
		atomic_store(&ev.running, 0);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	auth_audit(r, 0, "search-evaluated", "", 1, NULL);
	j->sn = snapshot_get();
	if (async_run(r, eval_work, eval_done, j) != 0) {
		snapshot_put(j->sn);
		free(j->files);
		free(j);
		atomic_store(&ev.running, 0);
	}
	return 0;
}
