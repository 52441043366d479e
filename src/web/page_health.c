/* page_health.c — the content-health dashboard (/birojs/parskats): per
 * institution, how many services it has, how many can be done online, state
 * their cost, have English text, and were not reviewed (changed) for a
 * year, with the date of the latest change; each figure links to the list
 * behind it (/birojs/parskats/{institution}/{what}); the table as CSV.
 *
 * Administrators see every institution, an institution's editors their own;
 * administrators and content editors also the facts the pages state that
 * were not checked for fact-check-days (page_facts.c).
 * The figures are counted in the worker pool (a pass over the read model
 * and one query for the services' change times: ~0.2 s at 100 000
 * services) and kept for the read model they were counted on, so reloading
 * costs nothing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/model.h"
#include "core/log.h"
#include "core/when.h"
#include "http/async.h"
#include "store/db.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/snapshot.h"
#include "web/web.h"

#define STALE_DAYS 365
#define HEALTH_LIST_PAGE 100

/* What a figure counts; the URL's word for it. */
enum what {
	W_ALL,
	W_ESERVICE,
	W_NO_ESERVICE,
	W_COST,
	W_NO_COST,
	W_ENGLISH,
	W_NO_ENGLISH,
	W_STALE,
	W_BROKEN,   /* a link of the service the checker found broken */
	W_REDIRECT, /* ... or redirected */
	W_N
};

static const char *const what_slug[W_N] = {"visi",           "ar-e-pakalpojumu",  "bez-e-pakalpojuma", "ar-maksu",
					   "bez-maksas",     "ar-anglu",          "bez-anglu",         "neparskatiti",
					   "bojatas-saites", "parvirzitas-saites"};

static const char *const what_title[W_N] = {N_("All services"),
					    N_("Services that can be done online"),
					    N_("Services that cannot be done online"),
					    N_("Services that state their cost"),
					    N_("Services that do not state their cost"),
					    N_("Services with English text"),
					    N_("Services without English text"),
					    N_("Services not reviewed for a year"),
					    N_("Services with a broken link"),
					    N_("Services with a redirected link")};

/* The change time of each service, by IRI (sorted for bsearch). */
struct changed_at {
	char *iri;
	long long at;
};

struct row {
	const struct organisation *org;
	unsigned n, counts[W_N];
	long long last; /* the newest change of its services */
};

/* A computed dashboard, shared by every request at one revision. */
struct health {
	atomic_int refs;
	const struct snapshot *sn; /* held */
	long long revision;
	long long computed_at;
	struct row *rows; /* one per institution with services, by name order of the catalog */
	size_t nrows;
	struct row total;
	struct changed_at *at;
	size_t nat;
	/* the slugs of services with a broken / redirected link (sorted) */
	struct slugs {
		char **v;
		size_t n;
	} broken, redirect;
	json_t *zero; /* administrators: the queries that found nothing most often */
	long long zero_distinct, zero_total;
};

static struct {
	pthread_mutex_t lock;
	struct health *current;
} cache = {PTHREAD_MUTEX_INITIALIZER, NULL};

/* 1 while a count runs: one at a time for the whole process (each is a pass
 * over the read model and a query, ~0.2 s of the worker pool at 100 000
 * services); what is asked meanwhile is answered from the previous count,
 * so a burst of requests after each publish is not a burst of counts. */
static atomic_int counting;

static void health_put(struct health *h)
{
	size_t i;

	if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
		return;
	for (i = 0; i < h->nat; i++)
		free(h->at[i].iri);
	free(h->at);
	for (i = 0; i < h->broken.n; i++)
		free(h->broken.v[i]);
	free(h->broken.v);
	for (i = 0; i < h->redirect.n; i++)
		free(h->redirect.v[i]);
	free(h->redirect.v);
	json_decref(h->zero);
	free(h->rows);
	snapshot_put(h->sn);
	free(h);
}

static int at_cmp(const void *a, const void *b)
{
	return strcmp(((const struct changed_at *)a)->iri, ((const struct changed_at *)b)->iri);
}

static long long changed_of(const struct health *h, const struct service *s)
{
	struct changed_at key = {(char *)s->iri, 0}, *hit;

	if (!s->iri || !h->nat)
		return 0;
	hit = bsearch(&key, h->at, h->nat, sizeof(*h->at), at_cmp);
	return hit ? hit->at : 0;
}

static int slug_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int in_slugs(const struct slugs *l, const char *slug)
{
	return l->n && bsearch(&slug, l->v, l->n, sizeof(*l->v), slug_cmp) != NULL;
}

/* Whether s counts in w (at the time now). */
static int counts_in(const struct health *h, const struct service *s, enum what w, long long now)
{
	int online = s->e_service == FLAG_YES;
	int english = mltext_exact(&s->title, "en") && mltext_exact(&s->description, "en");

	switch (w) {
	case W_ALL: return 1;
	case W_ESERVICE: return online;
	case W_NO_ESERVICE: return !online;
	case W_COST: return s->ncosts > 0;
	case W_NO_COST: return s->ncosts == 0;
	case W_ENGLISH: return english;
	case W_NO_ENGLISH: return !english;
	case W_STALE: return changed_of(h, s) < now - STALE_DAYS * 86400LL;
	case W_BROKEN: return in_slugs(&h->broken, s->slug);
	case W_REDIRECT: return in_slugs(&h->redirect, s->slug);
	case W_N: break;
	}
	return 0;
}

static int at_row(void *cls, const struct db_row *row)
{
	struct health *h = cls;
	struct changed_at *v;

	if (h->nat % 4096 == 0) {
		v = realloc(h->at, (h->nat + 4096) * sizeof(*v));
		if (!v)
			return 1;
		h->at = v;
	}
	h->at[h->nat].iri = strdup(row_text(row, 0));
	if (!h->at[h->nat].iri)
		return 1;
	h->at[h->nat++].at = row_int(row, 1);
	return 0;
}

static void count_service(struct health *h, struct row *row, const struct service *s, long long now)
{
	long long t = changed_of(h, s);
	int w;

	row->n++;
	h->total.n++;
	for (w = 0; w < W_N; w++)
		if (counts_in(h, s, (enum what)w, now)) {
			row->counts[w]++;
			h->total.counts[w]++;
		}
	if (t > row->last)
		row->last = t;
	if (t > h->total.last)
		h->total.last = t;
}

static int slug_row(void *cls, const struct db_row *row)
{
	struct slugs *l = cls;
	char **v;

	if (l->n % 1024 == 0) {
		v = realloc(l->v, (l->n + 1024) * sizeof(*v));
		if (!v)
			return 1;
		l->v = v;
	}
	l->v[l->n] = strdup(row_text(row, 0));
	return l->v[l->n] ? (l->n++, 0) : 1;
}

static int zero_row(void *cls, const struct db_row *row)
{
	json_array_append_new(cls,
			      json_pack("{s:s,s:I}", "query", row_text(row, 0), "count", (json_int_t)row_int(row, 1)));
	return 0;
}

static int zero_totals(void *cls, const struct db_row *row)
{
	struct health *h = cls;

	h->zero_distinct = row_int(row, 0);
	h->zero_total = row_int(row, 1);
	return 0;
}

static const char SQL_LINKED[] = "SELECT DISTINCT u.service FROM link_use u JOIN link_url l ON l.id = u.url_id "
				 "WHERE l.status = $1 AND u.service <> '' ORDER BY u.service";
static const char SQL_ZERO_TOP[] = "SELECT query, count FROM search_zero ORDER BY count DESC, query LIMIT 10";
static const char SQL_ZERO_TOTALS[] = "SELECT count(*), COALESCE(sum(count), 0) FROM search_zero";

/* What the database adds to the read model: when each service last
 * changed, the checker's broken and redirected links, the zero-result
 * queries. DB_OK or an error. */
static int read_db(struct db *db, struct health *h)
{
	int rc;

	rc = db_query(db, "SELECT iri, updated_at FROM catalog_node WHERE kind = 'service'", DB_NOP, at_row, h);
	if (rc == DB_OK)
		rc = db_query(db, SQL_LINKED, DB_P(PTEXT("broken")), slug_row, &h->broken);
	if (rc == DB_OK)
		rc = db_query(db, SQL_LINKED, DB_P(PTEXT("redirect")), slug_row, &h->redirect);
	h->zero = json_array();
	if (rc == DB_OK)
		rc = db_query(db, SQL_ZERO_TOP, DB_NOP, zero_row, h->zero);
	if (rc == DB_OK)
		rc = db_query(db, SQL_ZERO_TOTALS, DB_NOP, zero_totals, h);
	return rc;
}

struct job {
	char db_url[1024];
	struct health *h; /* being computed */
	int failed;
};

struct ask;
static struct job *job_of(void *ask);

static void compute_work(void *cls)
{
	struct job *j = job_of(cls);
	struct health *h = j->h;
	const struct catalog *c = h->sn->cat;
	long long now = (long long)time(NULL);
	struct err err = {0};
	struct db *db = db_open(j->db_url, &err);
	size_t i, k;

	if (!db || read_db(db, h) != DB_OK) {
		log_warn("content health: %s", db ? db_errmsg(db) : err.msg);
		j->failed = 1;
		if (db)
			db_close(db);
		return;
	}
	db_close(db);
	if (h->nat)
		qsort(h->at, h->nat, sizeof(*h->at), at_cmp);
	if (h->broken.n)
		qsort(h->broken.v, h->broken.n, sizeof(*h->broken.v), slug_cmp);
	if (h->redirect.n)
		qsort(h->redirect.v, h->redirect.n, sizeof(*h->redirect.v), slug_cmp);
	h->rows = calloc(c->norgs ? c->norgs : 1, sizeof(*h->rows));
	if (!h->rows) {
		j->failed = 1;
		return;
	}
	for (i = 0; i < c->norgs; i++) {
		struct row *row = &h->rows[h->nrows];

		if (!c->orgs[i]->nservices)
			continue;
		row->org = c->orgs[i];
		for (k = 0; k < c->orgs[i]->nservices; k++)
			count_service(h, row, c->orgs[i]->services[k], now);
		h->nrows++;
	}
	h->computed_at = now;
}

/* ---- answering ---- */

static int may_see(struct req *r, const struct organisation *o)
{
	return auth_has_role(r, ROLE_ADMIN, NULL) || auth_has_role(r, ROLE_INSTITUTION, o->slug);
}

static const char *day(struct req *r, long long t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char *out = arena_alloc(r->arena, 16);

	if (!t)
		return "";
	tt += when_riga_offset(tt);
	gmtime_r(&tt, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
	return out;
}

/* That day as the page's language writes it ("07.12.2026." or "7 Dec 2026"). */
static const char *day_shown(struct req *r, long long t)
{
	char out[WHEN_LEN];

	when_date_text(day(r, t), r->lang, out);
	return arena_strdup(r->arena, out);
}

static json_t *figures(struct req *r, const struct row *row, const char *slug)
{
	json_t *o = json_object(), *f = json_array();
	int w;

	json_object_set_new(o, "n", json_integer(row->n));
	json_object_set_new(o, "last", json_string(day_shown(r, row->last)));
	for (w = W_ESERVICE; w < W_N; w++) {
		json_t *x = json_object();

		json_object_set_new(x, "count", json_integer(row->counts[w]));
		json_object_set_new(x, "pct",
				    json_integer(row->n ? (json_int_t)(row->counts[w] * 100ULL / row->n) : 0));
		if (slug)
			json_object_set_new(
			    x, "href",
			    json_string(arena_printf(r->arena, "%s/birojs/parskats/%s/%s",
						     (r->lang == LANG_EN ? "/en" : ""), slug, what_slug[w])));
		json_array_append_new(f, x);
	}
	json_object_set_new(o, "figures", f);
	if (slug)
		json_object_set_new(o, "href",
				    json_string(arena_printf(r->arena, "%s/birojs/parskats/%s/visi",
							     (r->lang == LANG_EN ? "/en" : ""), slug)));
	return o;
}

static void answer_csv(struct req *r, struct health *h)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_puts(&b, "institution,slug,services,online,no_online,cost,no_cost,english,no_english,"
		     "not_reviewed_for_a_year,broken_link,redirected_link,last_change\r\n");
	for (i = 0; i < h->nrows; i++) {
		const struct row *row = &h->rows[i];
		int w;

		if (!may_see(r, row->org))
			continue;
		csv_text(&b, ml(r, &row->org->name) ? ml(r, &row->org->name) : row->org->slug, 0);
		csv_text(&b, row->org->slug, 0);
		buf_printf(&b, "%u,", row->n);
		for (w = W_ESERVICE; w < W_N; w++)
			buf_printf(&b, "%u,", row->counts[w]);
		csv_text(&b, day(r, row->last), 1);
	}
	resp_add_header(r, "content-disposition", "attachment; filename=\"epak-content-health.csv\"");
	resp_send_buf(r, 200, "text/csv; charset=utf-8", &b, RESP_NO_STORE);
}

static void answer_page(struct req *r, struct health *h)
{
	json_t *ctx = page_ctx(r, N_("Content health"), "office"), *rows = json_array(), *o;
	int admin = auth_has_role(r, ROLE_ADMIN, NULL);
	size_t i;

	for (i = 0; i < h->nrows; i++) {
		const struct row *row = &h->rows[i];

		if (!may_see(r, row->org))
			continue;
		o = figures(r, row, row->org->slug);
		json_object_set_new(o, "name",
				    json_string(ml(r, &row->org->name) ? ml(r, &row->org->name) : row->org->slug));
		json_array_append_new(rows, o);
	}
	json_object_set_new(ctx, "rows", rows);
	if (admin) {
		json_object_set_new(ctx, "total", figures(r, &h->total, NULL));
		json_object_set_new(ctx, "zero", json_incref(h->zero));
		json_object_set_new(ctx, "zero_distinct", json_integer(h->zero_distinct));
		json_object_set_new(ctx, "zero_total", json_integer(h->zero_total));
	}
	if (admin || auth_has_role(r, ROLE_CONTENT, NULL))
		facts_health_ctx(r, ctx); /* the facts not checked for fact-check-days (page_facts.c) */
	questions_health_ctx(r, ctx);
	json_object_set_new(ctx, "stale_days", json_integer(STALE_DAYS));
	json_object_set_new(ctx, "computed", json_string(day_shown(r, h->computed_at)));
	json_object_set_new(ctx, "computed_iso", json_string(day(r, h->computed_at)));
	render_flags(r, 200, "office-health", ctx, RESP_NO_STORE);
}

/* The list behind a figure: the institution's services counted in it. */
static void answer_list(struct req *r, struct health *h, const struct organisation *o, enum what w, long long page)
{
	json_t *ctx = page_ctx(r, what_title[w], "office"), *list = json_array(), *e;
	long long now = (long long)time(NULL), skip = (page - 1) * HEALTH_LIST_PAGE, shown = 0;
	size_t k;

	for (k = 0; k < o->nservices && shown <= HEALTH_LIST_PAGE; k++) {
		const struct service *s = o->services[k];

		if (!counts_in(h, s, w, now) || skip-- > 0)
			continue;
		if (++shown > HEALTH_LIST_PAGE)
			break;
		e = json_object();
		json_object_set_new(e, "title", json_string(ml(r, &s->title) ? ml(r, &s->title) : s->identifier));
		json_object_set_new(e, "slug", json_string(s->slug));
		json_object_set_new(e, "changed", json_string(day_shown(r, changed_of(h, s))));
		json_array_append_new(list, e);
	}
	json_object_set_new(ctx, "heading", json_string(i18n_tr(r->lang, what_title[w])));
	json_object_set_new(ctx, "institution", json_string(ml(r, &o->name) ? ml(r, &o->name) : o->slug));
	json_object_set_new(ctx, "services", list);
	if (shown > HEALTH_LIST_PAGE)
		json_object_set_new(ctx, "next_page", json_integer(page + 1));
	if (page > 1)
		json_object_set_new(ctx, "prev_page", json_integer(page - 1));
	render_flags(r, 200, "office-health-list", ctx, RESP_NO_STORE);
}

enum kind { K_PAGE, K_CSV, K_LIST };

struct ask {
	enum kind kind;
	enum what what;
	const struct organisation *org; /* K_LIST, in the computed snapshot */
	char org_slug[CATALOG_SLUG_MAX + 1];
	long long page;
	struct job *job; /* NULL when answered from the cache */
};

static struct job *job_of(void *ask)
{
	return ((struct ask *)ask)->job;
}

static void answer(struct req *r, struct health *h, struct ask *a)
{
	const struct organisation *o;

	switch (a->kind) {
	case K_CSV: answer_csv(r, h); break;
	case K_PAGE: answer_page(r, h); break;
	case K_LIST:
		o = catalog_org(h->sn->cat, a->org_slug);
		if (!o) {
			resp_error(r, ERR_NOT_FOUND, NULL);
			break;
		}
		answer_list(r, h, o, a->what, a->page);
		break;
	}
}

static void compute_done(struct req *r, void *cls)
{
	struct ask *a = cls;
	struct job *j = a->job;
	struct health *old = NULL;

	atomic_store(&counting, 0);
	if (!j->failed) {
		log_info("content health: counted %zu institutions (revision %lld)", j->h->nrows, j->h->revision);
		pthread_mutex_lock(&cache.lock);
		if (!cache.current || cache.current->revision <= j->h->revision) {
			old = cache.current;
			atomic_fetch_add(&j->h->refs, 1);
			cache.current = j->h;
		}
		pthread_mutex_unlock(&cache.lock);
		health_put(old);
	}
	if (r) {
		if (j->failed)
			resp_error(r, ERR_UNAVAILABLE, NULL);
		else
			answer(r, j->h, a);
	}
	health_put(j->h);
	free(j);
	free(a);
}

/* The dashboard of exactly this read model (after an edit's overlay the
 * whole rebuild comes at the same revision: a new snapshot, new figures);
 * sn NULL: the newest there is, of whatever read model. */
static struct health *cached(const struct snapshot *sn)
{
	struct health *h = NULL;

	pthread_mutex_lock(&cache.lock);
	if (cache.current && (!sn || cache.current->sn == sn)) {
		h = cache.current;
		atomic_fetch_add(&h->refs, 1);
	}
	pthread_mutex_unlock(&cache.lock);
	return h;
}

static void start(struct req *r, struct ask *a)
{
	const struct snapshot *sn = snapshot_get();
	struct health *h = cached(sn);
	struct job *j;
	int idle = 0;

	if (!h && !atomic_compare_exchange_strong(&counting, &idle, 1)) {
		/* another request's count is running: the previous figures
		 * (the page says when they were counted), or come back */
		h = cached(NULL);
		if (!h) {
			snapshot_put(sn);
			free(a);
			resp_add_header(r, "retry-after", "2");
			resp_error(r, ERR_UNAVAILABLE, NULL);
			return;
		}
	}
	if (h) {
		snapshot_put(sn);
		answer(r, h, a);
		health_put(h);
		free(a);
		return;
	}
	j = calloc(1, sizeof(*j));
	h = calloc(1, sizeof(*h));
	if (!j || !h) {
		free(j);
		free(h);
		free(a);
		snapshot_put(sn);
		atomic_store(&counting, 0);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	atomic_store(&h->refs, 1);
	h->sn = sn;
	h->revision = sn->revision;
	snprintf(j->db_url, sizeof(j->db_url), "%s", app_of(r)->db_url);
	j->h = h;
	a->job = j;
	if (async_run(r, compute_work, compute_done, a) != 0) {
		atomic_store(&counting, 0);
		health_put(h);
		free(j);
		free(a);
	}
}

static struct ask *ask_new(struct req *r, enum kind kind)
{
	struct ask *a = calloc(1, sizeof(*a));

	if (!a)
		resp_error(r, ERR_UNAVAILABLE, NULL);
	else
		a->kind = kind;
	return a;
}

int page_health(struct req *r)
{
	struct ask *a;

	/* content editors: for the facts not checked for a year */
	if (auth_require_role(r, ROLE_ADMIN | ROLE_INSTITUTION | ROLE_CONTENT) != 0)
		return 0;
	a = ask_new(r, K_PAGE);
	if (a)
		start(r, a);
	return 0;
}

int page_health_csv(struct req *r)
{
	struct ask *a;

	if (auth_require_role(r, ROLE_ADMIN | ROLE_INSTITUTION) != 0)
		return 0;
	a = ask_new(r, K_CSV);
	if (a)
		start(r, a);
	return 0;
}

static int what_of(const char *slug)
{
	int w;

	for (w = 0; w < W_N; w++)
		if (!strcmp(what_slug[w], slug))
			break;
	return w;
}

int page_health_list(struct req *r)
{
	const char *slug = req_param(r, 0), *what = req_param(r, 1);
	struct form q;
	struct ask *a;
	int w;

	if (auth_require_role(r, ROLE_ADMIN | ROLE_INSTITUTION) != 0)
		return 0;
	if (!slug || !what || strlen(slug) > CATALOG_SLUG_MAX) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	/* someone else's institution: refused before anything is looked up */
	if (!auth_has_role(r, ROLE_ADMIN, NULL) && !auth_has_role(r, ROLE_INSTITUTION, slug)) {
		resp_error(r, ERR_FORBIDDEN, NULL);
		return 0;
	}
	w = what_of(what);
	if (w == W_N) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (query_validate(r, list_params, &q, r->lang) != 0) {
		resp_error(r, ERR_BAD_REQUEST, query_error(r, list_params, &q, r->lang, 1));
		return 0;
	}
	a = ask_new(r, K_LIST);
	if (!a)
		return 0;
	a->what = (enum what)w;
	snprintf(a->org_slug, sizeof(a->org_slug), "%s", slug);
	a->page = q.number[0] > 0 ? q.number[0] : 1;
	start(r, a);
	return 0;
}
