/* page_links.c — the link report (/birojs/saites): what the link checker
 * (src/links) found wrong with the links the public pages show, broken
 * first, then redirected; one link's history (/birojs/saites/{id}); the
 * report as CSV; and the short list an institution editor sees on /birojs.
 * Administrators see the whole catalog; an institution editor only the
 * links of their own institutions' services and homepages (403 for any
 * other link's history, whatever id they try). Anonymous visitors are sent
 * to the login page, everyone else gets 403. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/url.h"
#include "http/async.h"
#include "core/when.h"
#include "store/db.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/web.h"

#define REPORT_ROWS 5000 /* rows (link × use) on the page; the CSV has all */
#define CSV_ROWS 1000000 /* rows (link × use) in the CSV file, at most */
#define HISTORY_ROWS 200 /* checks shown on a link's page */
#define OFFICE_LINKS 10  /* on /birojs */
#define USES_SHOWN 20    /* services named beside one link in the report */
#define HISTORY_USES 200 /* ... and on its own page */

static const char SQL_REPORT[] =
    "SELECT u.id, u.url, u.status, u.code, u.failing_since, u.final_url, u.checked_at, u.error, s.kind, s.service, "
    "s.institution FROM link_url u JOIN link_use s ON s.url_id = u.id "
    "WHERE u.status IN ('broken', 'redirect') AND ($1 = '' OR s.institution = $1) "
    "ORDER BY CASE WHEN u.status = 'broken' THEN 0 ELSE 1 END, u.failing_since, u.id, s.institution, s.kind, "
    "s.service LIMIT $2";
static const char SQL_COUNTS[] =
    "SELECT status, count(*) FROM link_url u WHERE $1 = '' OR EXISTS "
    "(SELECT 1 FROM link_use s WHERE s.url_id = u.id AND s.institution = $1) GROUP BY status";

struct report {
	struct req *r;
	json_t *links; /* array of link objects, in report order */
	json_t *byid;  /* id → the same objects, to merge the rows of one link */
	json_t *counts;
	long long rows;
};

static const char *status_text(struct req *r, const char *status)
{
	if (!strcmp(status, "broken"))
		return i18n_tr(r->lang, N_("broken"));
	if (!strcmp(status, "redirect"))
		return i18n_tr(r->lang, N_("redirected"));
	if (!strcmp(status, "ok"))
		return i18n_tr(r->lang, N_("works"));
	return i18n_tr(r->lang, N_("not checked yet"));
}

static const char *kind_text(struct req *r, const char *kind)
{
	if (!strcmp(kind, "homepage"))
		return i18n_tr(r->lang, N_("homepage"));
	if (!strcmp(kind, "eservice"))
		return i18n_tr(r->lang, N_("e-service"));
	return i18n_tr(r->lang, N_("channel"));
}

static json_t *use_json(struct req *r, const char *kind, const char *service, const char *inst)
{
	json_t *u = json_pack("{s:s, s:s, s:s}", "kind", kind_text(r, kind), "kind_id", kind, "institution", inst);

	if (*service) {
		json_object_set_new(u, "service", json_string(service));
		json_object_set_new(u, "service_url",
				    json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s", service))));
	}
	return u;
}

static int report_row(void *cls, const struct db_row *row)
{
	struct report *x = cls;
	struct req *r = x->r;
	const char *id = arena_printf(r->arena, "%lld", row_int(row, 0));
	const char *status = row_text(row, 2);
	json_t *l = json_object_get(x->byid, id);

	x->rows++;
	if (!l) {
		l = json_object();
		json_object_set_new(l, "id", json_integer(row_int(row, 0)));
		json_object_set_new(l, "url", json_string(row_text(row, 1)));
		json_object_set_new(l, "status_id", json_string(status));
		json_object_set_new(l, "status", json_string(status_text(r, status)));
		json_object_set_new(l, !strcmp(status, "broken") ? "broken" : "redirect", json_true());
		json_object_set_new(l, "rank", json_integer(!strcmp(status, "broken") ? 0 : 1));
		if (row_int(row, 3))
			json_object_set_new(l, "code", json_integer(row_int(row, 3)));
		json_object_set_new(l, "since_t", json_integer(row_int(row, 4)));
		json_object_set_new(l, "since", json_string(page_when(r, row_int(row, 4))));
		if (strcmp(row_text(row, 5), row_text(row, 1)) != 0)
			json_object_set_new(l, "final_url", json_string(row_text(row, 5)));
		json_object_set_new(l, "checked", json_string(page_when(r, row_int(row, 6))));
		json_object_set_new(l, "error", json_string(row_text(row, 7)));
		json_object_set_new(
		    l, "history_url",
		    json_string(prefixed(r, arena_printf(r->arena, "/birojs/saites/%lld", row_int(row, 0)))));
		json_object_set_new(l, "uses", json_array());
		json_object_set(x->byid, id, l);
		json_array_append_new(x->links, l);
	}
	if (json_array_size(json_object_get(l, "uses")) < USES_SHOWN)
		json_array_append_new(json_object_get(l, "uses"),
				      use_json(r, row_text(row, 8), row_text(row, 9), row_text(row, 10)));
	else /* a portal's address used by thousands of services: count them */
		json_object_set_new(l, "more_uses",
				    json_integer(json_integer_value(json_object_get(l, "more_uses")) + 1));
	return 0;
}

static int count_row(void *cls, const struct db_row *row)
{
	struct report *x = cls;
	json_t *c = json_object_get(x->counts, row_text(row, 0));

	json_object_set_new(x->counts, row_text(row, 0),
			    json_integer(row_int(row, 1) + (c ? json_integer_value(c) : 0)));
	return 0;
}

static int cmp_link(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t d = json_integer_value(json_object_get(x, "rank")) - json_integer_value(json_object_get(y, "rank"));

	if (!d)
		d = json_integer_value(json_object_get(x, "since_t")) -
		    json_integer_value(json_object_get(y, "since_t"));
	if (!d)
		d = json_integer_value(json_object_get(x, "id")) - json_integer_value(json_object_get(y, "id"));
	return d < 0 ? -1 : d > 0;
}

/* The report for the person of r: every institution for an administrator,
 * else each of their institutions in turn (merged). 0, or -1 when the
 * database failed. */
static int report_load(struct req *r, struct report *x, long long limit)
{
	const struct person *p = auth_person(r);
	struct db *db = app_db(r);
	int i, all = (p->roles & ROLE_ADMIN) != 0, n = all ? 1 : p->ninst;

	x->r = r;
	x->links = json_array();
	x->byid = json_object();
	x->counts = json_object();
	x->rows = 0;
	if (!db)
		return -1;
	for (i = 0; i < n; i++) {
		const char *inst = all ? "" : p->institutions[i];

		if (db_query(db, SQL_REPORT, DB_P(PTEXT(inst), PINT(limit)), report_row, x) < 0 ||
		    db_query(db, SQL_COUNTS, DB_P(PTEXT(inst)), count_row, x) < 0)
			return -1;
	}
	if (!all && n > 1)
		json_array_sort(x->links, cmp_link);
	return 0;
}

static void report_free(struct report *x)
{
	json_decref(x->links);
	json_decref(x->byid);
	json_decref(x->counts);
}

static long long count_of(const struct report *x, const char *status)
{
	return json_integer_value(json_object_get(x->counts, status));
}

int page_links(struct req *r)
{
	struct report x;
	json_t *ctx;

	if (auth_require_role(r, ROLE_ADMIN | ROLE_INSTITUTION) != 0)
		return 0;
	if (report_load(r, &x, REPORT_ROWS + 1) != 0) {
		report_free(&x);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	ctx = page_ctx(r, N_("Link report"), "office");
	json_object_set_new(ctx, "links", json_incref(x.links));
	json_object_set_new(ctx, "has_links", json_boolean(json_array_size(x.links) > 0));
	json_object_set_new(ctx, "more", json_boolean(x.rows > REPORT_ROWS));
	json_object_set_new(ctx, "n_broken", json_integer(count_of(&x, "broken")));
	json_object_set_new(ctx, "n_redirect", json_integer(count_of(&x, "redirect")));
	json_object_set_new(ctx, "n_ok", json_integer(count_of(&x, "ok")));
	json_object_set_new(ctx, "n_unknown", json_integer(count_of(&x, "unknown")));
	if (auth_person(r)->roles & ROLE_ADMIN)
		json_object_set_new(ctx, "whole_catalog", json_true());
	report_free(&x);
	render_flags(r, 200, "links", ctx, RESP_NO_STORE);
	return 0;
}

/* The CSV file is made by a worker (a whole catalog's report is hundreds
 * of thousands of rows: seconds of database reads and formatting that must
 * not hold an event loop), on a connection of its own. */
struct csv_job {
	char *db_url;
	int n;
	char *inst[ACCOUNT_MAX_INSTITUTIONS]; /* "" for an administrator: all */
	struct buf b;
	int failed;
};

/* One row per use of a link, straight from the database into the file. */
static int csv_row(void *cls, const struct db_row *row)
{
	struct buf *b = cls;
	char t[WHEN_ISO_LEN], code[24];

	csv_field(b, row_text(row, 2), 0);
	snprintf(code, sizeof(code), "%lld", row_int(row, 3));
	csv_field(b, code, 0);
	csv_text(b, row_text(row, 1), 0);
	csv_text(b, row_text(row, 5), 0);
	when_iso((time_t)row_int(row, 4), t);
	csv_field(b, t, 0);
	when_iso((time_t)row_int(row, 6), t);
	csv_field(b, t, 0);
	csv_text(b, row_text(row, 7), 0);
	csv_field(b, row_text(row, 8), 0);
	csv_text(b, row_text(row, 9), 0);
	csv_text(b, row_text(row, 10), 1);
	return buf_ok(b) ? 0 : 2; /* past the buffer's cap: stop */
}

static void csv_job_free(struct csv_job *j)
{
	int i;

	for (i = 0; i < j->n; i++)
		free(j->inst[i]);
	free(j->db_url);
	buf_free(&j->b);
	free(j);
}

static void csv_work(void *cls)
{
	struct csv_job *j = cls;
	struct err e = {0};
	struct db *db = db_open(j->db_url, &e);
	int i;

	j->failed = !db;
	buf_puts(&j->b, "status,code,url,final_url,failing_since,checked_at,error,use,service,institution\r\n");
	for (i = 0; db && i < j->n && !j->failed; i++)
		j->failed = db_query(db, SQL_REPORT, DB_P(PTEXT(j->inst[i]), PINT(CSV_ROWS)), csv_row, &j->b) < 0 ||
			    !buf_ok(&j->b);
	db_close(db);
}

static void csv_done(struct req *r, void *cls)
{
	struct csv_job *j = cls;

	if (r && j->failed) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
	} else if (r) {
		resp_add_header(r, "content-disposition", "attachment; filename=\"epak-links.csv\"");
		resp_send_buf(r, 200, "text/csv; charset=utf-8", &j->b, RESP_NO_STORE);
	}
	csv_job_free(j);
}

int page_links_csv(struct req *r)
{
	const struct person *p;
	struct csv_job *j;
	int i, all, ok = 1;

	if (auth_require_role(r, ROLE_ADMIN | ROLE_INSTITUTION) != 0)
		return 0;
	p = auth_person(r);
	all = (p->roles & ROLE_ADMIN) != 0;
	j = calloc(1, sizeof(*j));
	if (!j) {
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	buf_init(&j->b, 0);
	j->db_url = strdup(app_of(r)->db_url);
	j->n = all ? 1 : p->ninst;
	for (i = 0; i < j->n; i++) {
		j->inst[i] = strdup(all ? "" : p->institutions[i]);
		ok = ok && j->inst[i];
	}
	if (!ok || !j->db_url) {
		csv_job_free(j);
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	if (async_run(r, csv_work, csv_done, j) != 0)
		csv_job_free(j);
	return 0;
}

static const char SQL_LINK[] = "SELECT url, status, code, final_url, chain, error, failing_since, checked_at, next_due "
			       "FROM link_url WHERE id = $1";
static const char SQL_LINK_USES[] =
    "SELECT kind, service, institution FROM link_use WHERE url_id = $1 ORDER BY institution, kind, service";
static const char SQL_HISTORY[] = "SELECT at, status, code, final_url, chain, error, ms FROM link_check "
				  "WHERE url_id = $1 ORDER BY at DESC, id DESC LIMIT $2";

struct one {
	struct req *r;
	json_t *link, *uses, *history;
	int mine; /* a use belongs to one of the person's institutions */
	long long more_uses;
};

/* [{url, code}] of a stored chain, for the page. */
static json_t *chain_json(const char *text)
{
	json_t *c = json_loads(text, 0, NULL);

	if (!json_is_array(c)) {
		json_decref(c);
		return json_array();
	}
	return c;
}

static int link_row(void *cls, const struct db_row *row)
{
	struct one *x = cls;
	struct req *r = x->r;

	x->link = json_object();
	json_object_set_new(x->link, "url", json_string(row_text(row, 0)));
	json_object_set_new(x->link, "status", json_string(status_text(r, row_text(row, 1))));
	json_object_set_new(x->link, row_text(row, 1), json_true());
	if (row_int(row, 2))
		json_object_set_new(x->link, "code", json_integer(row_int(row, 2)));
	json_object_set_new(x->link, "final_url", json_string(row_text(row, 3)));
	json_object_set_new(x->link, "chain", chain_json(row_text(row, 4)));
	json_object_set_new(x->link, "error", json_string(row_text(row, 5)));
	json_object_set_new(x->link, "since", json_string(page_when(r, row_int(row, 6))));
	json_object_set_new(x->link, "checked", json_string(page_when(r, row_int(row, 7))));
	json_object_set_new(x->link, "next", json_string(page_when(r, row_int(row, 8))));
	return 0;
}

static int link_use_row(void *cls, const struct db_row *row)
{
	struct one *x = cls;

	if (auth_has_role(x->r, ROLE_INSTITUTION, row_text(row, 2)))
		x->mine = 1;
	if (json_array_size(x->uses) < HISTORY_USES)
		json_array_append_new(x->uses, use_json(x->r, row_text(row, 0), row_text(row, 1), row_text(row, 2)));
	else
		x->more_uses++;
	return 0;
}

static int history_row(void *cls, const struct db_row *row)
{
	struct one *x = cls;
	json_t *h = json_object();

	json_object_set_new(h, "at", json_string(page_when(x->r, row_int(row, 0))));
	json_object_set_new(h, "status", json_string(status_text(x->r, row_text(row, 1))));
	json_object_set_new(h, row_text(row, 1), json_true());
	if (row_int(row, 2))
		json_object_set_new(h, "code", json_integer(row_int(row, 2)));
	json_object_set_new(h, "final_url", json_string(row_text(row, 3)));
	json_object_set_new(h, "chain", chain_json(row_text(row, 4)));
	json_object_set_new(h, "error", json_string(row_text(row, 5)));
	json_object_set_new(h, "ms", json_integer(row_int(row, 6)));
	json_array_append_new(x->history, h);
	return 0;
}

int page_link(struct req *r)
{
	struct db *db = app_db(r);
	unsigned long id = 0;
	struct one x = {r, NULL, NULL, NULL, 0, 0};
	json_t *ctx;

	if (auth_require_role(r, ROLE_ADMIN | ROLE_INSTITUTION) != 0)
		return 0;
	if (!req_param(r, 0) || url_uint(req_param(r, 0), &id) != 0) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	x.uses = json_array();
	x.history = json_array();
	if (db_query(db, SQL_LINK, DB_P(PINT((long long)id)), link_row, &x) < 0 ||
	    db_query(db, SQL_LINK_USES, DB_P(PINT((long long)id)), link_use_row, &x) < 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		goto out;
	}
	/* An editor may not learn even whether another institution's link
	 * exists: 403 for every id that is not theirs. */
	if (!(auth_person(r)->roles & ROLE_ADMIN) && !x.mine) {
		resp_error(r, ERR_FORBIDDEN, NULL);
		goto out;
	}
	if (!x.link) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		goto out;
	}
	if (db_query(db, SQL_HISTORY, DB_P(PINT((long long)id), PINT(HISTORY_ROWS)), history_row, &x) < 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		goto out;
	}
	ctx = page_ctx(r, N_("Link history"), "office");
	json_object_set(x.link, "uses", x.uses);
	if (x.more_uses)
		json_object_set_new(x.link, "more_uses", json_integer(x.more_uses));
	json_object_set(x.link, "history", x.history);
	json_object_set(ctx, "link", x.link);
	render_flags(r, 200, "link", ctx, RESP_NO_STORE);
out:
	json_decref(x.link);
	json_decref(x.uses);
	json_decref(x.history);
	return 0;
}

void links_office_ctx(struct req *r, json_t *ctx)
{
	const struct person *p = auth_person(r);
	struct report x;
	json_t *brief;
	size_t i;

	if (!p || !(p->roles & (ROLE_ADMIN | ROLE_INSTITUTION)))
		return;
	json_object_set_new(ctx, "links_report", json_true());
	if ((p->roles & ROLE_ADMIN) || !p->ninst)
		return; /* administrators have the whole report one click away */
	if (report_load(r, &x, 200) != 0 || !json_array_size(x.links)) {
		report_free(&x);
		return;
	}
	brief = json_array();
	for (i = 0; i < json_array_size(x.links) && i < OFFICE_LINKS; i++)
		json_array_append(brief, json_array_get(x.links, i));
	json_object_set_new(ctx, "bad_links", brief);
	json_object_set_new(ctx, "has_bad_links", json_true());
	json_object_set_new(ctx, "n_broken", json_integer(count_of(&x, "broken")));
	json_object_set_new(ctx, "n_redirect", json_integer(count_of(&x, "redirect")));
	report_free(&x);
}
