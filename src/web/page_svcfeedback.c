/* page_svcfeedback.c — feedback on services and on the campaign (issue 12):
 * "Vai šī informācija bija noderīga?" on every service page and, for
 * e-services, "Vai e-pakalpojums atviegloja jūsu ikdienu?", each answer
 * routed to the institution that owns the service; the campaign variant of
 * /atsauksmes for staff of institutions; and the dashboard
 * /birojs/atsauksmes (figures over time, per institution, per service, as
 * server-drawn SVG charts beside accessible tables, and as CSV).
 *
 * The service page is a cached page (the same bytes for everyone), so it
 * cannot carry a CSRF token (docs/decisions.md: pages with forms are never
 * cached; the token is per browser). Its widget is therefore a GET form
 * whose yes/no buttons open /pakalpojumi/{slug}/atsauksme with the answer
 * chosen: a page of its own, not cached, with the token, the answer
 * preselected and the optional comment; sending it is the POST that
 * stores. A GET stores nothing (crawlers and prefetchers follow GETs).
 *
 * Budgets (store/ratelimit.h, keys HMACed): answers per network and per
 * browser per hour, and per service per hour for everyone together;
 * the widget and the thank-you page never show any count. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/model.h"
#include "core/config.h"
#include "core/log.h"
#include "core/when.h"
#include "http/async.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "tmpl/escape.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/chart.h"
#include "web/send.h"
#include "web/snapshot.h"
#include "web/svcfeedback.h"
#include "web/web.h"

#define COMMENT_MAX 1000
#define TARGET_PERCENT 85 /* the campaign's headline survey figure */
#define MONTHS 12
#define WEEKS 26
#define TOP_SERVICES 50
#define LATEST_COMMENTS 30

/* ---- the public side ---- */

static const char *const yes_no[] = {"ja", "ne", NULL};

static const struct field answer_fields[] = {
    FIELD_CHOICE("noderiga", OPTIONAL, yes_no, N_("Was this information useful?")),
    FIELD_CHOICE("atviegloja", OPTIONAL, yes_no, N_("Did the e-service make your everyday life easier?")),
    FIELD_TEXTAREA("komentars", OPTIONAL, 0, COMMENT_MAX, N_("Comment")), FIELD_HONEYPOT("website"), FIELD_END};

enum { A_USEFUL, A_EASIER, A_COMMENT };

static const struct field answer_params[] = {
    FIELD_CHOICE("noderiga", OPTIONAL, yes_no, N_("Was this information useful?")),
    FIELD_CHOICE("atviegloja", OPTIONAL, yes_no, N_("Did the e-service make your everyday life easier?")), FIELD_END};

static const struct service *service_of(struct req *r)
{
	const char *slug = req_param(r, 0);

	return slug ? snapshot_service(web_snapshot(r), slug, NULL) : NULL;
}

static void show_answer_form(struct req *r, int status, const struct service *s, const struct form *f)
{
	json_t *ctx = page_ctx(r, N_("Feedback on a service"), "services");
	const char *title = ml(r, &s->title) ? ml(r, &s->title) : s->identifier;

	json_object_set_new(ctx, "service_title", json_string(title));
	json_object_set_new(ctx, "service_url",
			    json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s", s->slug))));
	json_object_set_new(ctx, "action",
			    json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s/atsauksme", s->slug))));
	json_object_set_new(ctx, "eservice", json_boolean(s->e_service == FLAG_YES));
	json_object_set_new(ctx, "comment_max", json_integer(COMMENT_MAX));
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	form_to_ctx(r, answer_fields, f, ctx);
	render_flags(r, status, "service-feedback", ctx, RESP_NO_STORE);
}

/* GET /pakalpojumi/{slug}/atsauksme?noderiga=ja: the form, the answer
 * chosen on the service page preselected. */
int page_service_feedback(struct req *r)
{
	const struct service *s = service_of(r);
	struct form q, f;

	if (!s) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (query_validate(r, answer_params, &q, r->lang) != 0) {
		resp_error(r, ERR_BAD_REQUEST, query_error(r, answer_params, &q, r->lang, 1));
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.value[A_USEFUL] = q.value[0] ? q.value[0] : "";
	f.value[A_EASIER] = q.value[1] && s->e_service == FLAG_YES ? q.value[1] : "";
	f.value[A_COMMENT] = "";
	show_answer_form(r, 200, s, &f);
	return 0;
}

struct answer_tx {
	const char *service, *iri, *institution, *lang, *month, *comment;
	const char *all_key, *comments_key; /* the budgets of everyone together */
	long long all_max, comments_max;
	long long now, day;
	int useful, easier; /* 1 yes, 0 no, -1 not answered */
};

static const char SQL_ANSWER_ADD[] =
    "INSERT INTO service_feedback (created_at, day, month, lang, service, service_iri, institution, question, "
    "answer, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

static int answer_body(struct db *db, void *cls)
{
	const struct answer_tx *t = cls;
	const char *comment = t->comment;
	int rc, q;

	/* Everyone together, in the insert's transaction: one prefix rotating
	 * through its /64 networks (65 536 in an IPv6 /48) passes the budgets
	 * per network and per browser (a new cookie is one GET), and the one
	 * per service only bounds each of ~500 services. */
	rc = rate_take(db, t->all_key, 3600, t->all_max, 1, t->now);
	if (rc == DB_OK && *comment)
		rc = rate_take(db, t->comments_key, 3600, t->comments_max, 1, t->now);
	for (q = 0; q < 2 && rc == DB_OK; q++) {
		int a = q ? t->easier : t->useful;

		if (a < 0)
			continue;
		/* the comment goes with the first answered question only */
		rc = db_exec(db, SQL_ANSWER_ADD,
			     DB_P(PINT(t->now), PINT(t->day), PTEXT(t->month), PTEXT(t->lang), PTEXT(t->service),
				  PTEXT(t->iri), PTEXT(t->institution), PTEXT(q ? "easier" : "useful"), PINT(a),
				  PTEXT(comment)),
			     NULL);
		comment = "";
	}
	return rc;
}

/* One answer against each budget: per network, per browser, per service. */
static int take_budgets(struct req *r, const char *slug)
{
	const struct config *cfg = app_of(r)->cfg;
	const char *browser = auth_browser(r);
	int rc;

	rc = auth_take(r, "svcfb-net", req_client_net(r), 3600, cfg->limit_feedback_network);
	if (rc == DB_OK && browser)
		rc = auth_take(r, "svcfb-browser", browser, 3600, cfg->limit_feedback_browser);
	if (rc == DB_OK)
		rc = auth_take(r, "svcfb-service", slug, 3600, cfg->limit_feedback_service);
	return rc;
}

static void thanks_redirect(struct req *r, const char *slug)
{
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s/atsauksme/paldies", slug)));
}

/* POST /pakalpojumi/{slug}/atsauksme */
int form_service_feedback(struct req *r)
{
	const struct service *s = service_of(r);
	struct answer_tx t;
	struct form f;
	struct tm tm;
	time_t now = time(NULL), local;
	char month[16];
	int rc;

	if (!s) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (form_validate(r, answer_fields, &f) != 0) {
		if (f.spam) { /* a bot: thanked, nothing stored */
			thanks_redirect(r, s->slug);
			return 0;
		}
		show_answer_form(r, 422, s, &f);
		return 0;
	}
	if (s->e_service != FLAG_YES)
		f.value[A_EASIER] = ""; /* asked of e-services only */
	if (!*f.value[A_USEFUL] && !*f.value[A_EASIER]) {
		f.error[A_USEFUL] = i18n_tr(r->lang, N_("Choose an answer."));
		f.nerrors = 1;
		show_answer_form(r, 422, s, &f);
		return 0;
	}
	rc = take_budgets(r, s->slug);
	if (rc == RATE_LIMITED) {
		resp_error(
		    r, ERR_TOO_MANY,
		    i18n_tr(r->lang, N_("Too many answers from this network or browser. Please try again later.")));
		return 0;
	}
	local = now + when_riga_offset(now); /* days and months are Riga's */
	gmtime_r(&local, &tm);
	snprintf(month, sizeof(month), "%04d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100);
	t.service = s->slug;
	t.iri = s->iri ? s->iri : "";
	t.institution = s->authority && s->authority->slug ? s->authority->slug : "";
	t.lang = lang_code(r->lang);
	t.month = month;
	t.comment = f.value[A_COMMENT];
	t.now = (long long)now;
	t.day = (long long)local / 86400;
	t.all_key = send_private_key(r, "svcfb-all", "all");
	t.comments_key = send_private_key(r, "feedback-comments", "all");
	t.all_max = app_of(r)->cfg->limit_feedback_all;
	t.comments_max = app_of(r)->cfg->limit_feedback_comments;
	if (rc == DB_OK && (!t.all_key || !t.comments_key))
		rc = DB_ERROR;
	t.useful = *f.value[A_USEFUL] ? !strcmp(f.value[A_USEFUL], "ja") : -1;
	t.easier = *f.value[A_EASIER] ? !strcmp(f.value[A_EASIER], "ja") : -1;
	if (rc == DB_OK)
		rc = app_db(r) ? db_tx(app_db(r), answer_body, &t) : DB_ERROR;
	if (rc == RATE_LIMITED) {
		resp_error(r, ERR_TOO_MANY,
			   i18n_tr(r->lang, N_("Too many answers are coming in just now. Please try again later.")));
		return 0;
	}
	if (rc != DB_OK) {
		log_error("service feedback not stored: %s", app_db(r) ? db_errmsg(app_db(r)) : "no database");
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	thanks_redirect(r, s->slug);
	return 0;
}

/* GET /pakalpojumi/{slug}/atsauksme/paldies (cached: the same for all) */
int page_service_feedback_thanks(struct req *r)
{
	const struct service *s = service_of(r);
	json_t *ctx;

	if (!s) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	ctx = page_ctx(r, N_("Thank you for your feedback"), "services");
	json_object_set_new(ctx, "service_title", json_string(ml(r, &s->title) ? ml(r, &s->title) : s->identifier));
	json_object_set_new(ctx, "service_url",
			    json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s", s->slug))));
	render(r, 200, "service-feedback-thanks", ctx);
	return 0;
}

/* ---- the campaign variant of /atsauksmes: for staff of institutions ---- */

static const char *const yes_partly_no[] = {"yes", "partly", "no", NULL};
static const char *const emark_answers[] = {"yes", "no", "unsure", NULL};

static const struct field campaign_fields[] = {
    FIELD_CHOICE("emark", REQUIRED, emark_answers, N_("Is the \"ē!\" mark displayed at your institution?")),
    FIELD_CHOICE("staff_ready", REQUIRED, yes_partly_no, N_("Are the staff ready to help people use e-services?")),
    FIELD_TEXTAREA("message", OPTIONAL, 0, 2000, N_("What hinders people from using e-services?")),
    FIELD_HONEYPOT("website"), FIELD_END};

enum { C_EMARK, C_STAFF, C_MESSAGE };

static void show_campaign_form(struct req *r, int status, const struct form *f)
{
	json_t *ctx = page_ctx(r, N_("Feedback from institutions on the campaign"), "feedback");
	struct form empty;

	if (!f) {
		memset(&empty, 0, sizeof(empty));
		f = &empty;
	}
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	form_to_ctx(r, campaign_fields, f, ctx);
	render(r, status, "feedback-campaign", ctx);
}

int page_feedback_campaign(struct req *r)
{
	show_campaign_form(r, 200, NULL);
	return 0;
}

static const char SQL_CAMPAIGN_ADD[] =
    "INSERT INTO feedback (created_at, lang, topic, role, useful, message, emark, staff_ready) "
    "VALUES ($1, $2, 'campaign', 'institution', NULL, $3, $4, $5)";

int form_feedback_campaign(struct req *r)
{
	struct db *db = app_db(r);
	struct form f;
	int rc;

	if (form_validate(r, campaign_fields, &f) != 0) {
		if (f.spam) {
			resp_redirect(r, 303, prefixed(r, "/atsauksmes/paldies"));
			return 0;
		}
		show_campaign_form(r, 422, &f);
		return 0;
	}
	rc = auth_take(r, "feedback-net", req_client_net(r), 3600, app_of(r)->cfg->limit_feedback_network);
	if (rc == DB_OK && *f.value[C_MESSAGE]) /* the typed texts of everyone together */
		rc = auth_take(r, "feedback-comments", "all", 3600, app_of(r)->cfg->limit_feedback_comments);
	if (rc == RATE_LIMITED) {
		resp_error(
		    r, ERR_TOO_MANY,
		    i18n_tr(r->lang, N_("Too many answers from this network or browser. Please try again later.")));
		return 0;
	}
	if (rc != DB_OK || !db ||
	    db_exec(db, SQL_CAMPAIGN_ADD,
		    DB_P(PINT((long long)time(NULL)), PTEXT(lang_code(r->lang)), PTEXT(f.value[C_MESSAGE]),
			 PTEXT(f.value[C_EMARK]), PTEXT(f.value[C_STAFF])),
		    NULL) != DB_OK) {
		log_error("campaign feedback not stored: %s", db ? db_errmsg(db) : "no database");
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	resp_redirect(r, 303, prefixed(r, "/atsauksmes/paldies"));
	return 0;
}

/* ---- retention ---- */

int svcfeedback_purge(struct db *db, const struct config *cfg, long long now)
{
	if (cfg->feedback_comment_days <= 0)
		return DB_OK;
	return db_exec(db, "UPDATE service_feedback SET comment = '' WHERE comment <> '' AND created_at < $1",
		       DB_P(PINT(now - (long long)cfg->feedback_comment_days * 86400)), NULL);
}

/* ---- the dashboard: /birojs/atsauksmes ---- */

static const char *const period_kinds[] = {"menesis", "nedela", NULL};

static const struct field dash_params[] = {FIELD_TEXT("iestade", OPTIONAL, 1, CATALOG_SLUG_MAX, N_("Institution")),
					   FIELD_CHOICE("periods", OPTIONAL, period_kinds, N_("Period")), FIELD_END};

enum { D_INST, D_PERIOD };

/* yes and all answers to each question */
struct figures {
	long long yes[2], n[2];
};

struct keyed {
	char key[CATALOG_SLUG_MAX + 1];
	struct figures f;
};

struct comment {
	long long id, at;
	char service[CATALOG_SLUG_MAX + 1], institution[CATALOG_SLUG_MAX + 1];
	int question, answer, handled;
	char *text;
};

struct dash_job {
	char *db_url;
	char inst[CATALOG_SLUG_MAX + 1]; /* "" for all (administrators only) */
	int weekly;
	int csv;
	long long today, first; /* day numbers: today and the first counted day */
	long long bucket0;      /* the first bucket: a month index (y*12+m) or a week index */
	int nbuckets;
	struct figures buckets[WEEKS > MONTHS ? WEEKS : MONTHS];
	struct keyed *insts;
	size_t ninsts, cinsts;
	struct keyed *svcs;
	size_t nsvcs, csvcs;
	struct comment comments[LATEST_COMMENTS];
	size_t ncomments;
	int failed;
	int cached; /* the figures came from figures_cache */
	double ms;
};

/* Each figure in two forms: over all institutions (the ministry's view)
 * and over one, so that each uses its covering index (migration 21). The
 * periods come per institution too, which gives the per-institution table
 * without another pass. */
static const char SQL_BY_MONTH_ALL[] =
    "SELECT month, institution, question, SUM(answer), COUNT(*) FROM service_feedback "
    "WHERE day >= $1 GROUP BY month, institution, question";
static const char SQL_BY_MONTH_ONE[] =
    "SELECT month, institution, question, SUM(answer), COUNT(*) FROM service_feedback "
    "WHERE institution = $2 AND day >= $1 GROUP BY month, institution, question";
static const char SQL_BY_WEEK_ALL[] =
    "SELECT (day + 3) / 7, institution, question, SUM(answer), COUNT(*) FROM service_feedback "
    "WHERE day >= $1 GROUP BY (day + 3) / 7, institution, question";
static const char SQL_BY_WEEK_ONE[] =
    "SELECT (day + 3) / 7, institution, question, SUM(answer), COUNT(*) FROM service_feedback "
    "WHERE institution = $2 AND day >= $1 GROUP BY (day + 3) / 7, institution, question";
static const char SQL_BY_SERVICE_ALL[] = "SELECT service, question, SUM(answer), COUNT(*) FROM service_feedback "
					 "WHERE day >= $1 GROUP BY service, question ORDER BY 4 DESC, 1 LIMIT $2";
static const char SQL_BY_SERVICE_ONE[] =
    "SELECT service, question, SUM(answer), COUNT(*) FROM service_feedback "
    "WHERE institution = $3 AND day >= $1 GROUP BY service, question ORDER BY 4 DESC, 1 LIMIT $2";
static const char SQL_COMMENTS_ALL[] =
    "SELECT id, created_at, service, institution, question, answer, comment, handled FROM service_feedback "
    "WHERE comment <> '' ORDER BY id DESC LIMIT $1";
static const char SQL_COMMENTS_ONE[] =
    "SELECT id, created_at, service, institution, question, answer, comment, handled FROM service_feedback "
    "WHERE comment <> '' AND institution = $2 ORDER BY id DESC LIMIT $1";

/* Month index of day number d (days of Riga's calendar, as stored). */
static long long month_of_day(long long d)
{
	time_t t = (time_t)(d * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	return (long long)(tm.tm_year + 1900) * 12 + tm.tm_mon;
}

/* The first unix day of month index m. */
static long long day_of_month(long long m)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(m / 12) - 1900;
	tm.tm_mon = (int)(m % 12);
	tm.tm_mday = 1;
	return (long long)timegm(&tm) / 86400;
}

static int question_of(const char *q)
{
	return q && !strcmp(q, "easier");
}

static int keyed_add(struct keyed **v, size_t *n, size_t *cap, const char *key, int q, long long yes, long long all);

/* A period's row, per institution: added to its period and to its
 * institution. */
static int bucket_row(void *cls, const struct db_row *row)
{
	struct dash_job *j = cls;
	long long b;
	int q = question_of(row_text(row, 2));

	if (j->weekly) {
		b = row_int(row, 0);
	} else {
		const char *m = row_text(row, 0);
		int y = 0, mo = 0;

		if (!m || sscanf(m, "%4d-%2d", &y, &mo) != 2)
			return 0;
		b = (long long)y * 12 + (mo - 1);
	}
	b -= j->bucket0;
	if (b < 0 || b >= j->nbuckets)
		return 0;
	j->buckets[b].yes[q] += row_int(row, 3);
	j->buckets[b].n[q] += row_int(row, 4);
	return keyed_add(&j->insts, &j->ninsts, &j->cinsts, row_text(row, 1) ? row_text(row, 1) : "", q,
			 row_int(row, 3), row_int(row, 4));
}

/* Adds yes/all answers to question q of key's entry (made when new). */
static int keyed_add(struct keyed **v, size_t *n, size_t *cap, const char *key, int q, long long yes, long long all)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i].key, key))
			break;
	if (i == *n) {
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 32;
			struct keyed *nv = realloc(*v, c * sizeof(**v));

			if (!nv)
				return 1;
			*v = nv;
			*cap = c;
		}
		memset(&(*v)[i], 0, sizeof((*v)[i]));
		snprintf((*v)[i].key, sizeof((*v)[i].key), "%s", key);
		(*n)++;
	}
	(*v)[i].f.yes[q] += yes;
	(*v)[i].f.n[q] += all;
	return 0;
}

static int svc_row(void *cls, const struct db_row *row)
{
	struct dash_job *j = cls;

	return keyed_add(&j->svcs, &j->nsvcs, &j->csvcs, row_text(row, 0) ? row_text(row, 0) : "",
			 question_of(row_text(row, 1)), row_int(row, 2), row_int(row, 3));
}

static int comment_row(void *cls, const struct db_row *row)
{
	struct dash_job *j = cls;
	struct comment *c;

	if (j->ncomments >= LATEST_COMMENTS)
		return 0;
	c = &j->comments[j->ncomments];
	c->text = strdup(row_text(row, 6) ? row_text(row, 6) : "");
	if (!c->text)
		return 1;
	c->id = row_int(row, 0);
	c->at = row_int(row, 1);
	snprintf(c->service, sizeof(c->service), "%s", row_text(row, 2) ? row_text(row, 2) : "");
	snprintf(c->institution, sizeof(c->institution), "%s", row_text(row, 3) ? row_text(row, 3) : "");
	c->question = question_of(row_text(row, 4));
	c->answer = (int)row_int(row, 5);
	c->handled = (int)row_int(row, 7);
	j->ncomments++;
	return 0;
}

static void dash_job_free(struct dash_job *j)
{
	size_t i;

	for (i = 0; i < j->ncomments; i++)
		free(j->comments[i].text);
	free(j->insts);
	free(j->svcs);
	free(j->db_url);
	free(j);
}

/* The ministry's all-institution figures, kept per period kind with the
 * newest answer id they were counted up to: a view with no answer since
 * (a reload, the CSV after the page, a "handled" toggle) costs one
 * MAX(id) instead of two scans (~4 s at 1M answers). Comments are always
 * read fresh. An id committed out of order (PostgreSQL identity) can hide
 * one answer until the next arrives. */
static struct {
	pthread_mutex_t mu;
	struct {
		int valid, nbuckets;
		long long max_id, bucket0;
		struct figures buckets[WEEKS > MONTHS ? WEEKS : MONTHS];
		struct keyed *insts, *svcs;
		size_t ninsts, nsvcs;
	} kind[2];
} figures_cache = {PTHREAD_MUTEX_INITIALIZER, {{0}, {0}}};

static struct keyed *keyed_dup(const struct keyed *v, size_t n)
{
	struct keyed *d = n ? malloc(n * sizeof(*d)) : NULL;

	if (d)
		memcpy(d, v, n * sizeof(*d));
	return d;
}

/* Copies the cached figures into j when they are for j's period and
 * max_id; 1 when it did. */
static int cache_get(struct dash_job *j, long long max_id)
{
	int w = j->weekly, hit = 0;

	pthread_mutex_lock(&figures_cache.mu);
	if (figures_cache.kind[w].valid && figures_cache.kind[w].max_id == max_id &&
	    figures_cache.kind[w].bucket0 == j->bucket0 && figures_cache.kind[w].nbuckets == j->nbuckets) {
		j->insts = keyed_dup(figures_cache.kind[w].insts, figures_cache.kind[w].ninsts);
		j->svcs = keyed_dup(figures_cache.kind[w].svcs, figures_cache.kind[w].nsvcs);
		hit = (j->insts || !figures_cache.kind[w].ninsts) && (j->svcs || !figures_cache.kind[w].nsvcs);
		if (hit) {
			j->ninsts = j->cinsts = figures_cache.kind[w].ninsts;
			j->nsvcs = j->csvcs = figures_cache.kind[w].nsvcs;
			memcpy(j->buckets, figures_cache.kind[w].buckets, sizeof(j->buckets));
		} else {
			free(j->insts);
			free(j->svcs);
			j->insts = j->svcs = NULL;
		}
	}
	pthread_mutex_unlock(&figures_cache.mu);
	return hit;
}

static void cache_put(const struct dash_job *j, long long max_id)
{
	struct keyed *insts = keyed_dup(j->insts, j->ninsts), *svcs = keyed_dup(j->svcs, j->nsvcs);
	int w = j->weekly;

	if ((!insts && j->ninsts) || (!svcs && j->nsvcs)) {
		free(insts);
		free(svcs);
		return;
	}
	pthread_mutex_lock(&figures_cache.mu);
	free(figures_cache.kind[w].insts);
	free(figures_cache.kind[w].svcs);
	figures_cache.kind[w].insts = insts;
	figures_cache.kind[w].svcs = svcs;
	figures_cache.kind[w].ninsts = j->ninsts;
	figures_cache.kind[w].nsvcs = j->nsvcs;
	memcpy(figures_cache.kind[w].buckets, j->buckets, sizeof(j->buckets));
	figures_cache.kind[w].nbuckets = j->nbuckets;
	figures_cache.kind[w].bucket0 = j->bucket0;
	figures_cache.kind[w].max_id = max_id;
	figures_cache.kind[w].valid = 1;
	pthread_mutex_unlock(&figures_cache.mu);
}

static void dash_work(void *cls)
{
	struct dash_job *j = cls;
	struct err e = {0};
	struct db *db = db_open(j->db_url, &e);
	struct timespec t0, t1;
	long long max_id = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	j->failed = !db;
	if (!j->failed && !*j->inst) {
		if (db_query_int(db, "SELECT COALESCE(MAX(id), 0) FROM service_feedback", DB_NOP, &max_id) != DB_OK)
			max_id = -1;
		j->cached = max_id >= 0 && cache_get(j, max_id);
		if (!j->cached)
			j->failed = db_query(db, j->weekly ? SQL_BY_WEEK_ALL : SQL_BY_MONTH_ALL, DB_P(PINT(j->first)),
					     bucket_row, j) != 0 ||
				    db_query(db, SQL_BY_SERVICE_ALL, DB_P(PINT(j->first), PINT(2 * TOP_SERVICES)),
					     svc_row, j) != 0;
		if (!j->failed && !j->cached && max_id >= 0)
			cache_put(j, max_id);
		if (!j->failed && !j->csv)
			j->failed = db_query(db, SQL_COMMENTS_ALL, DB_P(PINT(LATEST_COMMENTS)), comment_row, j) != 0;
	} else if (!j->failed) {
		j->failed = db_query(db, j->weekly ? SQL_BY_WEEK_ONE : SQL_BY_MONTH_ONE,
				     DB_P(PINT(j->first), PTEXT(j->inst)), bucket_row, j) != 0 ||
			    db_query(db, SQL_BY_SERVICE_ONE,
				     DB_P(PINT(j->first), PINT(2 * TOP_SERVICES), PTEXT(j->inst)), svc_row, j) != 0 ||
			    (!j->csv && db_query(db, SQL_COMMENTS_ONE, DB_P(PINT(LATEST_COMMENTS), PTEXT(j->inst)),
						 comment_row, j) != 0);
	}
	db_close(db);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	j->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

/* The label of bucket i: "2026-11" or the Monday "2026-11-30". */
static const char *bucket_label(struct req *r, const struct dash_job *j, int i)
{
	long long b = j->bucket0 + i;

	if (j->weekly) {
		time_t t = (time_t)((b * 7 - 3) * 86400);
		struct tm tm;
		char s[16];

		gmtime_r(&t, &tm);
		strftime(s, sizeof(s), "%Y-%m-%d", &tm);
		return arena_printf(r->arena, "%s", s);
	}
	return arena_printf(r->arena, "%04lld-%02lld", b / 12, b % 12 + 1);
}

/* Bucket i as people read it, in the page's language: the month "12.2026."
 * or "Dec 2026", the Monday "30.11.2026." or "30 Nov 2026" (the CSV keeps
 * bucket_label's ISO form). */
static const char *bucket_shown(struct req *r, const struct dash_job *j, int i)
{
	long long b = j->bucket0 + i;
	char out[WHEN_LEN];

	if (j->weekly)
		when_date_text(bucket_label(r, j, i), r->lang, out);
	else
		when_month_text((int)(b / 12), (int)(b % 12 + 1), r->lang, out);
	return arena_strdup(r->arena, out);
}

/* Share of yes in whole percent, or -1 when nobody answered. */
static int share(long long yes, long long n)
{
	return n > 0 ? (int)((yes * 100 + n / 2) / n) : -1;
}

static json_t *figures_json(const struct figures *f)
{
	json_t *o = json_object();
	int q;

	for (q = 0; q < 2; q++) {
		json_t *x = json_pack("{s:I, s:I}", "yes", (json_int_t)f->yes[q], "n", (json_int_t)f->n[q]);
		int s = share(f->yes[q], f->n[q]);

		if (s >= 0)
			json_object_set_new(x, "share", json_integer(s));
		json_object_set_new(o, q ? "easier" : "useful", x);
	}
	return o;
}

static const char *chart_svg(struct req *r, const struct dash_job *j, int q, const char *id)
{
	struct chart_bar bars[WEEKS > MONTHS ? WEEKS : MONTHS];
	struct chart c;
	struct buf b = BUF_INIT;
	char *out;
	int i;

	for (i = 0; i < j->nbuckets; i++) {
		int s = share(j->buckets[i].yes[q], j->buckets[i].n[q]);

		bars[i].label = bucket_shown(r, j, i);
		bars[i].empty = s < 0;
		bars[i].value = s < 0 ? 0 : s;
		bars[i].text = s < 0 ? NULL : arena_printf(r->arena, "%d %%", s);
	}
	memset(&c, 0, sizeof(c));
	c.id = id;
	c.title = i18n_tr(r->lang, q ? N_("Share of people whose everyday life the e-service made easier")
				     : N_("Share of people who found the information useful"));
	c.desc = i18n_tr(r->lang, j->weekly ? N_("Per week (the bar's label is the week's Monday), in percent of the "
						 "answers; a dash: no answers. The dashed line is the campaign's "
						 "target of 85 %. The same numbers are in the table below.")
					    : N_("Per month, in percent of the answers; a dash: no answers. The dashed "
						 "line is the campaign's target of 85 %. The same numbers are in the "
						 "table below."));
	c.bars = bars;
	c.nbars = (size_t)j->nbuckets;
	c.max = 100;
	c.target = TARGET_PERCENT;
	c.target_label = i18n_tr(r->lang, N_("target 85 %"));
	if (chart_bars_svg(&b, &c) != 0) {
		buf_free(&b);
		return "";
	}
	buf_putc(&b, '\0');
	out = arena_printf(r->arena, "%s", b.data);
	buf_free(&b);
	return out ? out : "";
}

static const char *org_name(struct req *r, const char *slug)
{
	const struct organisation *o = *slug ? catalog_org(web_snapshot(r)->cat, slug) : NULL;

	if (!*slug)
		return i18n_tr(r->lang, N_("(no institution)"));
	return o && ml(r, &o->name) ? ml(r, &o->name) : slug;
}

static const char *svc_title(struct req *r, const char *slug)
{
	const struct service *s = snapshot_service(web_snapshot(r), slug, NULL);

	return s && ml(r, &s->title) ? ml(r, &s->title) : slug;
}

static int may_see_inst(struct req *r, const char *slug)
{
	return auth_has_role(r, ROLE_ADMIN, NULL) || (*slug && auth_has_role(r, ROLE_INSTITUTION, slug));
}

static int cmp_keyed_n(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	long long nx = x->f.n[0] + x->f.n[1], ny = y->f.n[0] + y->f.n[1];

	return nx < ny ? 1 : nx > ny ? -1 : strcmp(x->key, y->key);
}

static void csv_figures(struct buf *b, const char *section, const char *key, const char *name, const struct figures *f)
{
	int q;

	for (q = 0; q < 2; q++) {
		int s = share(f->yes[q], f->n[q]);

		csv_text(b, section, 0);
		csv_text(b, key, 0);
		csv_text(b, name, 0);
		csv_field(b, q ? "easier" : "useful", 0);
		buf_printf(b, "%lld,%lld,", f->yes[q], f->n[q]);
		if (s >= 0)
			buf_printf(b, "%d\r\n", s);
		else
			buf_puts(b, "\r\n");
	}
}

static void answer_csv(struct req *r, struct dash_job *j)
{
	struct buf b = BUF_INIT;
	size_t i;
	int k;

	buf_puts(&b, "section,key,name,question,yes,answers,yes_percent\r\n");
	for (k = 0; k < j->nbuckets; k++)
		csv_figures(&b, j->weekly ? "week" : "month", bucket_label(r, j, k), "", &j->buckets[k]);
	for (i = 0; i < j->ninsts; i++)
		if (may_see_inst(r, j->insts[i].key))
			csv_figures(&b, "institution", j->insts[i].key, org_name(r, j->insts[i].key), &j->insts[i].f);
	for (i = 0; i < j->nsvcs && i < TOP_SERVICES; i++)
		csv_figures(&b, "service", j->svcs[i].key, svc_title(r, j->svcs[i].key), &j->svcs[i].f);
	if (!buf_ok(&b)) {
		buf_free(&b);
		resp_error(r, ERR_INTERNAL, NULL);
		return;
	}
	resp_add_header(r, "content-disposition", "attachment; filename=\"epak-feedback.csv\"");
	resp_send_buf(r, 200, "text/csv; charset=utf-8", &b, RESP_NO_STORE);
}

static void answer_page(struct req *r, struct dash_job *j)
{
	json_t *ctx = page_ctx(r, N_("Feedback on services"), "office");
	json_t *periods = json_array(), *insts = json_array(), *svcs = json_array(), *comments = json_array();
	json_t *choices = json_array();
	const struct person *p = auth_person(r);
	int admin = auth_has_role(r, ROLE_ADMIN, NULL), i;
	size_t k;

	for (i = 0; i < j->nbuckets; i++) {
		json_t *o = figures_json(&j->buckets[i]);

		json_object_set_new(o, "label", json_string(bucket_shown(r, j, i)));
		json_array_append_new(periods, o);
	}
	if (j->ninsts > 1)
		qsort(j->insts, j->ninsts, sizeof(*j->insts), cmp_keyed_n);
	for (k = 0; k < j->ninsts; k++) {
		json_t *o;

		if (!may_see_inst(r, j->insts[k].key))
			continue;
		o = figures_json(&j->insts[k].f);
		json_object_set_new(o, "name", json_string(org_name(r, j->insts[k].key)));
		json_object_set_new(o, "slug", json_string(j->insts[k].key));
		json_array_append_new(insts, o);
	}
	for (k = 0; k < j->nsvcs && k < TOP_SERVICES; k++) {
		json_t *o = figures_json(&j->svcs[k].f);

		json_object_set_new(o, "name", json_string(svc_title(r, j->svcs[k].key)));
		json_object_set_new(
		    o, "url", json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s", j->svcs[k].key))));
		json_array_append_new(svcs, o);
	}
	for (k = 0; k < j->ncomments; k++) {
		const struct comment *c = &j->comments[k];

		json_array_append_new(comments,
				      json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "id", (json_int_t)c->id,
						"when", page_when(r, c->at), "service", svc_title(r, c->service),
						"institution", org_name(r, c->institution), "question",
						i18n_tr(r->lang, c->question ? N_("Made life easier") : N_("Useful")),
						"answer", i18n_tr(r->lang, c->answer ? N_("Yes") : N_("No")), "handled",
						c->handled, "text", c->text));
	}
	/* the institution filter: every institution for the ministry, one's own for an editor */
	if (admin) {
		const struct catalog *cat = web_snapshot(r)->cat;

		json_array_append_new(choices, json_pack("{s:s, s:s, s:b}", "slug", "", "name",
							 i18n_tr(r->lang, N_("All institutions")), "sel", !*j->inst));
		for (k = 0; k < cat->norgs; k++)
			json_array_append_new(choices, json_pack("{s:s, s:s, s:b}", "slug", cat->orgs[k]->slug, "name",
								 org_name(r, cat->orgs[k]->slug), "sel",
								 !strcmp(cat->orgs[k]->slug, j->inst)));
		json_array_sort(choices, json_cmp_name);
	} else {
		for (i = 0; i < p->ninst; i++)
			json_array_append_new(choices, json_pack("{s:s, s:s, s:b}", "slug", p->institutions[i], "name",
								 org_name(r, p->institutions[i]), "sel",
								 !strcmp(p->institutions[i], j->inst)));
	}
	json_object_set_new(ctx, "choices", choices);
	json_object_set_new(ctx, "weekly", json_boolean(j->weekly));
	json_object_set_new(ctx, "inst", json_string(j->inst));
	{
		struct buf u = BUF_INIT;

		/* the filter as typed by an administrator: escaped as a query value */
		buf_printf(&u, "/birojs/atsauksmes.csv?periods=%s", j->weekly ? "nedela" : "menesis");
		if (*j->inst) {
			buf_puts(&u, "&iestade=");
			url_escape(&u, j->inst, strlen(j->inst));
		}
		buf_putc(&u, '\0');
		json_object_set_new(ctx, "csv_url",
				    json_string(buf_ok(&u) ? prefixed(r, arena_printf(r->arena, "%s", u.data)) : ""));
		buf_free(&u);
	}
	json_object_set_new(ctx, "return_to", json_string(j->inst));
	json_object_set_new(ctx, "periods", periods);
	json_object_set_new(ctx, "chart_useful", json_string(chart_svg(r, j, 0, "chart-useful")));
	json_object_set_new(ctx, "chart_easier", json_string(chart_svg(r, j, 1, "chart-easier")));
	json_object_set_new(ctx, "chart_useful_title",
			    json_string(i18n_tr(r->lang, N_("Share of people who found the information useful"))));
	json_object_set_new(
	    ctx, "chart_easier_title",
	    json_string(i18n_tr(r->lang, N_("Share of people whose everyday life the e-service made easier"))));
	json_object_set_new(ctx, "institutions", insts);
	json_object_set_new(ctx, "has_institutions", json_boolean(json_array_size(insts)));
	json_object_set_new(ctx, "services", svcs);
	json_object_set_new(ctx, "has_services", json_boolean(json_array_size(svcs)));
	json_object_set_new(ctx, "comments", comments);
	json_object_set_new(ctx, "has_comments", json_boolean(json_array_size(comments)));
	json_object_set_new(ctx, "target", json_integer(TARGET_PERCENT));
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	render_flags(r, 200, "office-feedback", ctx, RESP_NO_STORE);
}

static void dash_done(struct req *r, void *cls)
{
	struct dash_job *j = cls;

	if (r && j->failed) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
	} else if (r) {
		if (j->ms > 1000)
			log_info("feedback dashboard: %.0f ms", j->ms);
		if (j->csv)
			answer_csv(r, j);
		else
			answer_page(r, j);
	}
	dash_job_free(j);
}

static int dashboard(struct req *r, int csv)
{
	const struct person *p;
	struct dash_job *j;
	struct form q;
	const char *inst;
	long long now = (long long)time(NULL);

	if (auth_require_role(r, ROLE_ADMIN | ROLE_INSTITUTION) != 0)
		return 0;
	if (query_validate(r, dash_params, &q, r->lang) != 0) {
		resp_error(r, ERR_BAD_REQUEST, query_error(r, dash_params, &q, r->lang, 1));
		return 0;
	}
	p = auth_person(r);
	inst = q.value[D_INST] ? q.value[D_INST] : "";
	if (!auth_has_role(r, ROLE_ADMIN, NULL)) {
		if (!*inst && p->ninst > 0)
			inst = p->institutions[0]; /* an editor's view is always one of theirs */
		if (!*inst || !auth_has_role(r, ROLE_INSTITUTION, inst)) {
			auth_audit(r, 0, "feedback-refused", "", 0, "another institution");
			resp_error(r, ERR_FORBIDDEN, NULL);
			return 0;
		}
	}
	j = calloc(1, sizeof(*j));
	if (j)
		j->db_url = strdup(app_of(r)->db_url);
	if (!j || !j->db_url) {
		free(j);
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	snprintf(j->inst, sizeof(j->inst), "%s", inst);
	j->csv = csv;
	j->weekly = q.value[D_PERIOD] && !strcmp(q.value[D_PERIOD], "nedela");
	j->today = (now + when_riga_offset((time_t)now)) / 86400; /* Riga's day, as stored */
	if (j->weekly) {
		j->nbuckets = WEEKS;
		j->bucket0 = (j->today + 3) / 7 - (WEEKS - 1);
		j->first = j->bucket0 * 7 - 3;
	} else {
		j->nbuckets = MONTHS;
		j->bucket0 = month_of_day(j->today) - (MONTHS - 1);
		j->first = day_of_month(j->bucket0);
	}
	if (async_run(r, dash_work, dash_done, j) != 0)
		dash_job_free(j);
	return 0;
}

int page_office_feedback(struct req *r)
{
	return dashboard(r, 0);
}

int page_office_feedback_csv(struct req *r)
{
	return dashboard(r, 1);
}

/* POST /birojs/atsauksmes/{id}/apstradats: marks a comment handled (or
 * not), for the ministry or the editors of the service's institution. */
static const char *const zero_one[] = {"0", "1", NULL};

static const struct field handled_fields[] = {FIELD_CHOICE("handled", REQUIRED, zero_one, N_("Handled")),
					      FIELD_TEXT("iestade", OPTIONAL, 0, CATALOG_SLUG_MAX, N_("Institution")),
					      FIELD_END};

struct inst_row {
	char slug[CATALOG_SLUG_MAX + 1];
	int found;
};

static int inst_of_row(void *cls, const struct db_row *row)
{
	struct inst_row *x = cls;

	snprintf(x->slug, sizeof(x->slug), "%s", row_text(row, 0) ? row_text(row, 0) : "");
	x->found = 1;
	return 0;
}

int form_office_feedback_handled(struct req *r)
{
	struct db *db = app_db(r);
	struct inst_row x = {{0}, 0};
	struct form f;
	const char *ids = req_param(r, 0);
	char *end = NULL;
	long long id = ids ? strtoll(ids, &end, 10) : 0;
	int handled;

	if (auth_require_role(r, ROLE_ADMIN | ROLE_INSTITUTION) != 0)
		return 0;
	if (!ids || !*ids || *end || id <= 0 || form_validate(r, handled_fields, &f) != 0) {
		resp_error(r, ERR_BAD_REQUEST, NULL);
		return 0;
	}
	if (!db || db_query(db, "SELECT institution FROM service_feedback WHERE id = $1", DB_P(PINT(id)), inst_of_row,
			    &x) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (!x.found) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (!may_see_inst(r, x.slug)) {
		auth_audit(r, 0, "feedback-refused", "", 0, arena_printf(r->arena, "id=%lld", id));
		resp_error(r, ERR_FORBIDDEN, NULL);
		return 0;
	}
	handled = !strcmp(f.value[0], "1");
	if (db_exec(db, "UPDATE service_feedback SET handled = $2 WHERE id = $1", DB_P(PINT(id), PINT(handled)),
		    NULL) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	auth_audit(r, 0, handled ? "feedback-handled" : "feedback-reopened", "", 1,
		   arena_printf(r->arena, "id=%lld institution=%s", id, x.slug));
	resp_redirect(
	    r, 303,
	    prefixed(r, *f.value[1] && may_see_inst(r, f.value[1]) && catalog_org(web_snapshot(r)->cat, f.value[1])
			    ? arena_printf(r->arena, "/birojs/atsauksmes?iestade=%s#comments", f.value[1])
			    : "/birojs/atsauksmes#comments"));
	return 0;
}
