/* page_ask.c — "Uzdod jautājumu": people ask, institutions answer.
 *
 *   GET/POST /jautajums            the form (e-mail, question, optional
 *                                  service and name, consent to the FAQ)
 *   GET  /jautajums/paldies        the confirmation with the target date
 *   GET  /birojs/jautajumi         open questions of the person's
 *                                  institutions, oldest due first; counts and
 *                                  overdue per institution
 *   GET  /birojs/jautajumi/{id}    one question: answer (Markdown, preview),
 *                                  close, reassign (administrators), FAQ draft
 *   POST /birojs/jautajumi/{id}[/nodot|/slegt|/buj]
 *   GET  /profils/jautajumi        a logged-in person's own questions
 *
 * Spam is held off without a third party: a honeypot field (a filled one
 * gets a fake success; nothing is stored), a minimum fill time (the form
 * carries its opening time signed with a key derived from the server secret
 * and bound to the browser's CSRF cookie), a cap on the body, and budgets
 * per network and per e-mail address (keyed hashes, never the address).
 * Nothing is mailed when a question is asked: the only mail is the answer,
 * which staff write, so the form cannot be used to send mail to strangers.
 *
 * Who may handle a question: administrators every question; an institution
 * editor those of their institutions (question-ministry's too, when they
 * edit it); consultants and content editors none (personal data they do not
 * need). Staff never see the person's e-mail address: the answer goes to
 * it through the outbox (personal = 1), in the question's language. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "catalog/model.h"
#include "core/digest.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/when.h"
#include "core/workday.h"
#include "http/parse.h"
#include "mail/outbox.h"
#include "mail/worker.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "tmpl/markdown.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/form.h"
#include "web/send.h"
#include "web/snapshot.h"
#include "web/web.h"

#define ASK_MAX_BODY (24 * 1024) /* bytes of all fields of the public form */
#define ASK_FORM_TTL 86400       /* the form's signed time is good for a day */
#define ASK_LIST_MAX 200         /* open questions listed per institution */
#define ASK_SLUG_MAX 160

static const char *const consent_values[] = {"1", NULL};

static const struct field ask_fields[] = {
    FIELD_EMAIL("email", REQUIRED, N_("Your e-mail address")),
    FIELD_TEXTAREA("question", REQUIRED, 10, 5000, N_("Your question")),
    FIELD_TEXT("pakalpojums", OPTIONAL, 0, ASK_SLUG_MAX, N_("Related service")),
    FIELD_TEXT("name", OPTIONAL, 0, 200, N_("Your name")),
    FIELD_CHOICE("consent", OPTIONAL, consent_values, N_("Publishing in the FAQ")),
    FIELD_TEXT("t", OPTIONAL, 0, 200, N_("Form")),
    FIELD_HONEYPOT("website"),
    FIELD_END};

enum { A_EMAIL, A_QUESTION, A_SERVICE, A_NAME, A_CONSENT, A_T };

static const struct field ask_params[] = {FIELD_ANY("pakalpojums", NULL, N_("Related service")), FIELD_END};

/* ---- the signed opening time ---- */

static void form_mac(struct req *r, long long t, char hex[DIGEST_HEX])
{
	unsigned char key[SECRET_LEN];
	const char *browser = csrf_cookie_value(r);
	const char *msg = arena_printf(r->arena, "%lld:%s", t, browser ? browser : "");

	secret_derive(app_of(r)->secret, "question-form", key);
	hmac_hex(key, sizeof(key), msg, strlen(msg), hex);
	hex[32] = '\0';
}

static const char *form_stamp(struct req *r, long long t)
{
	char hex[DIGEST_HEX];

	form_mac(r, t, hex);
	return arena_printf(r->arena, "%lld.%s", t, hex);
}

/* The opening time of a stamp made for this browser within ASK_FORM_TTL,
 * or -1. */
static long long stamp_time(struct req *r, const char *s, long long now)
{
	char hex[DIGEST_HEX];
	const char *dot = s ? strchr(s, '.') : NULL;
	char *end;
	long long t;

	if (!dot || dot == s)
		return -1;
	t = strtoll(s, &end, 10);
	if (end != dot || t <= 0 || t > now + 60 || now - t > ASK_FORM_TTL)
		return -1;
	form_mac(r, t, hex);
	return strlen(dot + 1) == 32 && CRYPTO_memcmp(hex, dot + 1, 32) == 0 ? t : -1;
}

/* ---- owners and dates ---- */

static const struct service *find_service(struct req *r, const char *slug)
{
	return slug && *slug ? snapshot_service(web_snapshot(r), slug, NULL) : NULL;
}

static const char *org_name(struct req *r, const char *slug, enum lang lang)
{
	const struct organisation *o;
	const char *n;

	if (!*slug)
		return i18n_tr(lang, N_("the Ministry (administrators)"));
	o = catalog_org(web_snapshot(r)->cat, slug);
	n = o ? mltext_get(&o->name, lang_code(lang)) : NULL;
	return n && *n ? n : slug;
}

/* The day of t in Riga, as people read it ("14.12.2026." / "14 Dec 2026"). */
static const char *riga_day(struct req *r, long long t, enum lang lang)
{
	time_t l = (time_t)(t + when_riga_offset((time_t)t));
	struct tm tm;
	char iso[16], out[WHEN_LEN];

	gmtime_r(&l, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%d", &tm);
	when_date_text(iso, lang, out);
	return arena_strdup(r->arena, out);
}

static const char *md_html(struct req *r, const char *s)
{
	struct buf b = BUF_INIT;
	const char *out = NULL;

	if (md_to_html(&b, s, strlen(s), 1) == 0)
		out = arena_strndup(r->arena, b.data ? b.data : "", b.len);
	buf_free(&b);
	return out ? out : "";
}

/* 1 when the person may read and handle questions owned by institution. */
static int may_handle(struct req *r, const char *institution)
{
	if (auth_has_role(r, ROLE_ADMIN, NULL))
		return 1;
	return *institution && auth_has_role(r, ROLE_INSTITUTION, institution);
}

/* ---- the public form ---- */

static void privacy_ctx(struct req *r, json_t *ctx)
{
	const struct config *cfg = r->site->cfg;

	json_object_set_new(
	    ctx, "privacy_keep",
	    json_string(arena_printf(r->arena,
				     i18n_tr(r->lang, N_("%d days after your question was answered or closed we erase "
							 "your e-mail address, your name, the question and the answer. "
							 "Questions and answers published in the FAQ stay there, "
							 "without your name or address.")),
				     cfg->question_retention_days)));
	json_object_set_new(ctx, "target",
			    json_string(arena_printf(
				r->arena, i18n_tr(r->lang, N_("We aim to answer within %d working days (by %s).")),
				cfg->question_target_days,
				riga_day(r, (long long)workday_add(time(NULL), cfg->question_target_days), r->lang))));
}

static void show_form(struct req *r, int status, struct form *f, const char *stamp, const char *notice)
{
	json_t *ctx = page_ctx(r, N_("Ask a question"), "ask");
	struct form empty;
	const struct service *s;

	if (!f) {
		memset(&empty, 0, sizeof(empty));
		f = &empty;
	}
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	json_object_set_new(ctx, "stamp", json_string(stamp ? stamp : form_stamp(r, (long long)time(NULL))));
	form_to_ctx(r, ask_fields, f, ctx);
	s = f->value[A_SERVICE] && !f->error[A_SERVICE] ? find_service(r, f->value[A_SERVICE]) : NULL;
	if (s)
		json_object_set_new(ctx, "service_title",
				    json_string(ml(r, &s->title) ? ml(r, &s->title) : s->identifier));
	if (notice)
		json_object_set_new(ctx, "notice", json_string(i18n_tr(r->lang, notice)));
	if (auth_person(r))
		json_object_set_new(ctx, "logged_in", json_true());
	privacy_ctx(r, ctx);
	render_flags(r, status, "ask", ctx, RESP_NO_STORE);
}

int page_ask(struct req *r)
{
	struct form q, f;

	if (query_validate(r, ask_params, &q, r->lang) != 0) {
		resp_error(r, ERR_BAD_REQUEST, query_error(r, ask_params, &q, r->lang, 1));
		return 0;
	}
	memset(&f, 0, sizeof(f));
	if (q.value[0] && strlen(q.value[0]) <= ASK_SLUG_MAX && find_service(r, q.value[0]))
		f.value[A_SERVICE] = q.value[0];
	show_form(r, 200, &f, NULL, NULL);
	return 0;
}

static const char SQL_ASK_INSERT[] =
    "INSERT INTO question (created_at, lang, email, name, text, service_slug, service_iri, institution, state, "
    "due_at, consent_faq, account_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'new', $9, $10, $11) RETURNING id";

struct ask_new {
	struct req *r;
	const struct form *f;
	const struct service *svc;
	const char *institution;
	long long now, due, id, account;
	const char *stamp_key; /* the form's signed time, spent by the insert */
};

#define ASK_STAMP_USED 103 /* this form was sent before */

static int ask_body(struct db *db, void *cls)
{
	struct ask_new *a = cls;
	struct req *r = a->r;
	const struct config *cfg = r->site->cfg;
	char *lower = arena_strdup(r->arena, a->f->value[A_EMAIL]);
	size_t i;
	int rc;

	if (!lower)
		return DB_ERROR;
	for (i = 0; lower[i]; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	/* One question per opened form: a replayed signed time would make the
	 * minimum fill time a wait of once a day. Spent only with the insert. */
	rc = rate_take(db, a->stamp_key, 2 * ASK_FORM_TTL, 1, 1, a->now);
	if (rc == RATE_LIMITED)
		return ASK_STAMP_USED;
	if (rc == DB_OK)
		rc = rate_take(db, send_private_key(r, "question-net", req_client_net(r)), 3600,
			       cfg->limit_question_network, 1, a->now);
	if (rc == DB_OK)
		rc = rate_take(db, send_private_key(r, "question-addr", lower), 86400, cfg->limit_question_address, 1,
			       a->now);
	/* last, so one network's refused flood spends none of it: everyone
	 * together, since an IPv6 /48 holds 65 536 networks of /64 */
	if (rc == DB_OK)
		rc = rate_take(db, "question-all", 3600, cfg->limit_question_all, 1, a->now);
	if (rc != DB_OK)
		return rc;
	return db_query_int(db, SQL_ASK_INSERT,
			    DB_P(PINT(a->now), PTEXT(lang_code(r->lang)), PTEXT(a->f->value[A_EMAIL]),
				 PTEXT(a->f->value[A_NAME]), PTEXT(a->f->value[A_QUESTION]),
				 PTEXT(a->svc ? a->svc->slug : ""), PTEXT(a->svc && a->svc->iri ? a->svc->iri : ""),
				 PTEXT(a->institution), PINT(a->due), PINT(*a->f->value[A_CONSENT] ? 1 : 0),
				 PINT(a->account)),
			    &a->id);
}

static size_t form_bytes(const struct req *r)
{
	size_t i, n = 0;

	for (i = 0; r->form && i < r->form->n; i++)
		n += strlen(r->form->items[i].name) + r->form->items[i].value_len;
	return n;
}

int form_ask(struct req *r)
{
	const struct config *cfg = r->site->cfg;
	struct form f;
	struct ask_new a;
	struct db *db;
	long long now = (long long)time(NULL), opened;
	const char *stamp;
	int rc;

	if (form_bytes(r) > ASK_MAX_BODY) {
		resp_error(r, ERR_BODY_TOO_LARGE, NULL);
		return 0;
	}
	rc = form_validate(r, ask_fields, &f);
	if (f.spam) {
		/* A robot filled the hidden field: it sees a success; nothing is
		 * stored or sent. */
		resp_redirect(r, 303, prefixed(r, "/jautajums/paldies"));
		return 0;
	}
	memset(&a, 0, sizeof(a));
	a.svc = NULL;
	if (*f.value[A_SERVICE] && !f.error[A_SERVICE]) {
		a.svc = find_service(r, f.value[A_SERVICE]);
		if (!a.svc) {
			f.error[A_SERVICE] = i18n_tr(r->lang, N_("There is no service with this identifier. Leave "
								 "the field empty or copy the identifier from the "
								 "service's address."));
			f.nerrors++;
			rc = -1;
		}
	}
	opened = stamp_time(r, f.value[A_T], now);
	stamp = opened > 0 ? form_stamp(r, opened) : NULL;
	if (rc != 0) {
		show_form(r, 422, &f, stamp, NULL);
		return 0;
	}
	if (opened <= 0) {
		show_form(r, 422, &f, NULL,
			  N_("The form was open too long or came from another browser. Please check your question "
			     "and send it again."));
		return 0;
	}
	if (now - opened < cfg->question_min_seconds) {
		show_form(r, 422, &f, stamp,
			  N_("That was very quick. Please check your question and send it again; we ask this to keep "
			     "out automated messages."));
		return 0;
	}
	db = app_db(r);
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	a.r = r;
	a.f = &f;
	a.now = now;
	/* who asks, looked up before the transaction (the lookup may write) */
	a.account = auth_person(r) ? auth_person(r)->account : 0;
	a.due = (long long)workday_add((time_t)now, cfg->question_target_days);
	a.institution = a.svc && a.svc->authority ? a.svc->authority->slug : cfg->question_ministry;
	a.stamp_key = send_private_key(r, "question-form", f.value[A_T]);
	rc = a.stamp_key ? db_tx(db, ask_body, &a) : DB_ERROR;
	if (rc == ASK_STAMP_USED) {
		/* a second click on Send, or a robot replaying one form: the
		 * first was received; nothing more is stored */
		resp_redirect(r, 303, prefixed(r, "/jautajums/paldies"));
		return 0;
	}
	if (rc == RATE_LIMITED) {
		show_form(r, 429, &f, stamp,
			  N_("Too many questions were sent from your network or with this e-mail address. Please try "
			     "again later, or call the institution."));
		return 0;
	}
	if (rc != DB_OK) {
		log_error("question not stored: %s", db_errmsg(db));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	log_info("question %lld asked (institution %s)", a.id, *a.institution ? a.institution : "-");
	resp_redirect(r, 303, prefixed(r, "/jautajums/paldies"));
	return 0;
}

int page_ask_thanks(struct req *r)
{
	json_t *ctx = page_ctx(r, N_("Thank you for your question"), "ask");

	privacy_ctx(r, ctx);
	if (auth_person(r))
		json_object_set_new(ctx, "logged_in", json_true());
	render_flags(r, 200, "ask-thanks", ctx, RESP_NO_STORE);
	return 0;
}

/* ---- the back office ---- */

#define Q_COLS                                                                                                         \
	"q.id, q.created_at, q.lang, q.name, q.text, q.service_slug, q.institution, q.state, q.due_at, q.answer, "     \
	"q.answered_at, q.answered_by, q.consent_faq, q.faq_entry_id, q.purged_at, "                                   \
	"COALESCE((SELECT display_name FROM account WHERE id = q.answered_by), '')"

struct question {
	long long id, created_at, due_at, answered_at, answered_by, faq_entry_id, purged_at;
	int consent;
	const char *lang, *name, *text, *service, *institution, *state, *answer, *answerer;
};

static void question_from_row(struct req *r, const struct db_row *row, struct question *q)
{
	q->id = row_int(row, 0);
	q->created_at = row_int(row, 1);
	q->lang = arena_strdup(r->arena, row_text(row, 2));
	q->name = arena_strdup(r->arena, row_text(row, 3));
	q->text = arena_strdup(r->arena, row_text(row, 4));
	q->service = arena_strdup(r->arena, row_text(row, 5));
	q->institution = arena_strdup(r->arena, row_text(row, 6));
	q->state = arena_strdup(r->arena, row_text(row, 7));
	q->due_at = row_int(row, 8);
	q->answer = arena_strdup(r->arena, row_text(row, 9));
	q->answered_at = row_int(row, 10);
	q->answered_by = row_int(row, 11);
	q->consent = (int)row_int(row, 12);
	q->faq_entry_id = row_int(row, 13);
	q->purged_at = row_int(row, 14);
	q->answerer = arena_strdup(r->arena, row_text(row, 15));
}

struct one {
	struct req *r;
	struct question q;
	int found;
};

static int one_row(void *cls, const struct db_row *row)
{
	struct one *o = cls;

	question_from_row(o->r, row, &o->q);
	o->found = 1;
	return 0;
}

static json_t *question_json(struct req *r, const struct question *q, long long now, int full)
{
	json_t *o = json_object();
	const struct service *s = find_service(r, q->service);
	const char *excerpt = q->text;

	json_object_set_new(o, "id", json_integer(q->id));
	json_object_set_new(o, "url",
			    json_string(prefixed(r, arena_printf(r->arena, "/birojs/jautajumi/%lld", q->id))));
	json_object_set_new(o, "asked", json_string(page_when(r, q->created_at)));
	json_object_set_new(o, "due", json_string(riga_day(r, q->due_at, r->lang)));
	json_object_set_new(o, "lang", json_string(!strcmp(q->lang, "en") ? "English" : "latviešu"));
	json_object_set_new(o, "institution", json_string(org_name(r, q->institution, r->lang)));
	json_object_set_new(o, "institution_slug", json_string(q->institution));
	if (!strcmp(q->state, "new")) {
		json_object_set_new(o, "open", json_true());
		if (q->due_at < now)
			json_object_set_new(o, "overdue", json_true());
	} else if (!strcmp(q->state, "answered")) {
		json_object_set_new(o, "answered", json_true());
	} else {
		json_object_set_new(o, "closed", json_true());
	}
	if (q->purged_at)
		json_object_set_new(o, "purged", json_true());
	if (*q->service) {
		json_object_set_new(o, "service_slug", json_string(q->service));
		if (s) {
			json_object_set_new(o, "service", json_string(ml(r, &s->title) ? ml(r, &s->title) : s->slug));
			json_object_set_new(
			    o, "service_url",
			    json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s", s->slug))));
		}
	}
	if (!full) {
		if (utf8_chars(excerpt) > 140) {
			size_t n = 0, k = 0;

			while (excerpt[n] && k < 140) {
				n++;
				while ((excerpt[n] & 0xC0) == 0x80)
					n++;
				k++;
			}
			excerpt = arena_printf(r->arena, "%.*s…", (int)n, excerpt);
		}
		json_object_set_new(o, "excerpt", json_string(excerpt));
		return o;
	}
	json_object_set_new(o, "text", json_string(q->text));
	if (*q->name)
		json_object_set_new(o, "name", json_string(q->name));
	if (q->consent)
		json_object_set_new(o, "consent", json_true());
	if (*q->answer)
		json_object_set_new(o, "answer_html", json_string(md_html(r, q->answer)));
	if (q->answered_at) {
		json_object_set_new(o, "answered_at", json_string(page_when(r, q->answered_at)));
		json_object_set_new(o, "answerer", json_string(q->answerer));
	}
	if (q->faq_entry_id)
		json_object_set_new(o, "faq_entry", json_integer(q->faq_entry_id));
	return o;
}

static const struct field list_q_params[] = {FIELD_TEXT("iestade", OPTIONAL, 0, 96, N_("Institution")),
					     FIELD_ANY("nokavetie", NULL, N_("Overdue only")), FIELD_END};

static const char SQL_OPEN_ALL[] = "SELECT " Q_COLS " FROM question q WHERE q.state = 'new' "
				   "AND ($1 = 0 OR q.due_at < $2) ORDER BY q.due_at, q.id LIMIT $3";
static const char SQL_OPEN_OF[] = "SELECT " Q_COLS " FROM question q WHERE q.state = 'new' AND q.institution = $4 "
				  "AND ($1 = 0 OR q.due_at < $2) ORDER BY q.due_at, q.id LIMIT $3";
static const char SQL_DONE_ALL[] = "SELECT " Q_COLS " FROM question q WHERE q.state <> 'new' "
				   "ORDER BY q.answered_at DESC, q.id DESC LIMIT $1";
static const char SQL_DONE_OF[] = "SELECT " Q_COLS " FROM question q WHERE q.state <> 'new' AND q.institution = $2 "
				  "ORDER BY q.answered_at DESC, q.id DESC LIMIT $1";
static const char SQL_COUNTS[] = "SELECT institution, COUNT(*), SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END) "
				 "FROM question WHERE state = 'new' GROUP BY institution ORDER BY institution";

struct rows {
	struct req *r;
	struct question *q;
	size_t n, cap;
};

static int rows_add(void *cls, const struct db_row *row)
{
	struct rows *x = cls;
	struct question *nq;

	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 32;

		nq = arena_alloc(x->r->arena, cap * sizeof(*nq));
		if (!nq)
			return -1;
		if (x->n)
			memcpy(nq, x->q, x->n * sizeof(*nq));
		x->q = nq;
		x->cap = cap;
	}
	question_from_row(x->r, row, &x->q[x->n++]);
	return 0;
}

static int cmp_due(const void *a, const void *b)
{
	const struct question *x = a, *y = b;

	if (x->due_at != y->due_at)
		return x->due_at < y->due_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_done(const void *a, const void *b)
{
	const struct question *x = a, *y = b;

	if (x->answered_at != y->answered_at)
		return x->answered_at > y->answered_at ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

struct counts {
	struct req *r;
	json_t *list;
	long long open, overdue;
};

static int count_row(void *cls, const struct db_row *row)
{
	struct counts *c = cls;
	const char *inst = row_text(row, 0);
	json_t *o;

	if (!may_handle(c->r, inst))
		return 0;
	o = json_object();
	json_object_set_new(o, "institution", json_string(org_name(c->r, inst, c->r->lang)));
	json_object_set_new(o, "open", json_integer(row_int(row, 1)));
	json_object_set_new(o, "overdue", json_integer(row_int(row, 2)));
	json_object_set_new(
	    o, "url",
	    json_string(prefixed(
		c->r, arena_printf(c->r->arena, "/birojs/jautajumi?iestade=%s&nokavetie=1", *inst ? inst : "-"))));
	if (row_int(row, 2))
		json_object_set_new(o, "late", json_true());
	json_array_append_new(c->list, o);
	c->open += row_int(row, 1);
	c->overdue += row_int(row, 2);
	return 0;
}

int page_questions(struct req *r)
{
	const struct person *p;
	struct form q;
	struct db *db;
	struct rows open = {r, NULL, 0, 0}, done = {r, NULL, 0, 0};
	struct counts c;
	json_t *ctx, *list;
	long long now = (long long)time(NULL);
	const char *only = NULL;
	int late, admin, i, rc = DB_OK;
	size_t k;

	if (auth_require_role(r, ROLE_ADMIN | ROLE_INSTITUTION) != 0)
		return 0;
	if (query_validate(r, list_q_params, &q, r->lang) != 0) {
		resp_error(r, ERR_BAD_REQUEST, query_error(r, list_q_params, &q, r->lang, 1));
		return 0;
	}
	p = auth_person(r);
	admin = auth_has_role(r, ROLE_ADMIN, NULL);
	late = q.value[1] && *q.value[1];
	if (q.value[0] && *q.value[0]) {
		only = !strcmp(q.value[0], "-") ? "" : q.value[0];
		if (!may_handle(r, only)) {
			resp_error(r, ERR_FORBIDDEN, NULL);
			return 0;
		}
	}
	db = app_db(r);
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (only) {
		rc = db_query(db, SQL_OPEN_OF, DB_P(PINT(late), PINT(now), PINT(ASK_LIST_MAX), PTEXT(only)), rows_add,
			      &open);
		if (rc == DB_OK)
			rc = db_query(db, SQL_DONE_OF, DB_P(PINT(50), PTEXT(only)), rows_add, &done);
	} else if (admin) {
		rc = db_query(db, SQL_OPEN_ALL, DB_P(PINT(late), PINT(now), PINT(ASK_LIST_MAX)), rows_add, &open);
		if (rc == DB_OK)
			rc = db_query(db, SQL_DONE_ALL, DB_P(PINT(50)), rows_add, &done);
	} else {
		for (i = 0; i < p->ninst && rc == DB_OK; i++) {
			rc = db_query(db, SQL_OPEN_OF,
				      DB_P(PINT(late), PINT(now), PINT(ASK_LIST_MAX), PTEXT(p->institutions[i])),
				      rows_add, &open);
			if (rc == DB_OK)
				rc = db_query(db, SQL_DONE_OF, DB_P(PINT(50), PTEXT(p->institutions[i])), rows_add,
					      &done);
		}
	}
	c = (struct counts){r, json_array(), 0, 0};
	if (rc == DB_OK)
		rc = db_query(db, SQL_COUNTS, DB_P(PINT(now)), count_row, &c);
	if (rc != DB_OK) {
		json_decref(c.list);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (open.n)
		qsort(open.q, open.n, sizeof(*open.q), cmp_due);
	if (done.n)
		qsort(done.q, done.n, sizeof(*done.q), cmp_done);
	ctx = page_ctx(r, N_("Questions"), "office");
	list = json_array();
	for (k = 0; k < open.n; k++)
		json_array_append_new(list, question_json(r, &open.q[k], now, 0));
	json_object_set_new(ctx, "open", list);
	json_object_set_new(ctx, "has_open", json_boolean(open.n > 0));
	list = json_array();
	for (k = 0; k < done.n && k < 50; k++)
		json_array_append_new(list, question_json(r, &done.q[k], now, 0));
	json_object_set_new(ctx, "done", list);
	json_object_set_new(ctx, "has_done", json_boolean(done.n > 0));
	json_object_set_new(ctx, "counts", c.list);
	json_object_set_new(ctx, "total_open", json_integer(c.open));
	json_object_set_new(ctx, "total_overdue", json_integer(c.overdue));
	if (only)
		json_object_set_new(ctx, "only", json_string(org_name(r, only, r->lang)));
	if (late)
		json_object_set_new(ctx, "late_only", json_true());
	if (only || late)
		json_object_set_new(ctx, "filtered", json_true());
	render_flags(r, 200, "office-questions", ctx, RESP_NO_STORE);
	return 0;
}

static const char SQL_ONE[] = "SELECT " Q_COLS " FROM question q WHERE q.id = $1";

/* The question of the path's {id} that the person may handle: answers r
 * (login, 403, 404) and returns -1 otherwise. */
static int question_find(struct req *r, struct one *o)
{
	const char *s = req_param(r, 0);
	unsigned long id = 0;
	struct db *db;
	int rc;

	if (auth_require_role(r, ROLE_ADMIN | ROLE_INSTITUTION) != 0)
		return -1;
	if (!s || url_uint(s, &id) != 0 || id == 0 || id > 999999999999UL) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return -1;
	}
	db = app_db(r);
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	memset(o, 0, sizeof(*o));
	o->r = r;
	rc = db_query(db, SQL_ONE, DB_P(PINT((long long)id)), one_row, o);
	if (rc != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	if (!o->found) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return -1;
	}
	if (!may_handle(r, o->q.institution)) {
		auth_audit(r, 0, "question-refused", "", 0, arena_printf(r->arena, "question=%lld", o->q.id));
		resp_error(r, ERR_FORBIDDEN, NULL);
		return -1;
	}
	return 0;
}

static const char *const answer_actions[] = {"preview", "send", NULL};
static const struct field answer_fields[] = {FIELD_TEXTAREA("answer", REQUIRED, 2, 20000, N_("Answer")),
					     FIELD_CHOICE("darbiba", OPTIONAL, answer_actions, N_("Action")),
					     FIELD_END};
static const struct field assign_fields[] = {FIELD_TEXT("iestade", OPTIONAL, 0, 96, N_("Institution")), FIELD_END};
static const struct field faq_fields[] = {FIELD_TEXT("question_lv", REQUIRED, 5, 500, N_("Question (Latvian)")),
					  FIELD_TEXTAREA("answer_lv", REQUIRED, 2, 20000, N_("Answer (Latvian)")),
					  FIELD_TEXT("question_en", OPTIONAL, 0, 500, N_("Question (English)")),
					  FIELD_TEXTAREA("answer_en", OPTIONAL, 0, 20000, N_("Answer (English)")),
					  FIELD_END};

static void show_question(struct req *r, int status, const struct question *q, const struct form *answer,
			  const char *preview, const struct form *faq, const char *message)
{
	json_t *ctx = page_ctx(r, N_("Question"), "office"), *orgs, *o;
	const struct catalog *cat = web_snapshot(r)->cat;
	struct form empty;
	size_t i;

	json_object_set_new(ctx, "q", question_json(r, q, (long long)time(NULL), 1));
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	json_object_set_new(ctx, "action",
			    json_string(prefixed(r, arena_printf(r->arena, "/birojs/jautajumi/%lld", q->id))));
	if (message)
		json_object_set_new(ctx, "message", json_string(i18n_tr(r->lang, message)));
	if (!strcmp(q->state, "new")) {
		memset(&empty, 0, sizeof(empty));
		form_to_ctx(r, answer_fields, answer ? answer : &empty, ctx);
		json_object_set_new(ctx, "may_answer", json_true());
		if (preview)
			json_object_set_new(ctx, "preview", json_string(preview));
		if (auth_has_role(r, ROLE_ADMIN, NULL)) {
			orgs = json_array();
			o = json_pack("{s:s, s:s}", "slug", "", "name", org_name(r, "", r->lang));
			if (!*q->institution)
				json_object_set_new(o, "current", json_true());
			json_array_append_new(orgs, o);
			for (i = 0; cat && i < cat->norgs; i++) {
				o = json_pack("{s:s, s:s}", "slug", cat->orgs[i]->slug, "name",
					      org_name(r, cat->orgs[i]->slug, r->lang));
				if (!strcmp(q->institution, cat->orgs[i]->slug))
					json_object_set_new(o, "current", json_true());
				json_array_append_new(orgs, o);
			}
			json_object_set_new(ctx, "orgs", orgs);
		}
	} else if (!strcmp(q->state, "answered") && q->consent && !q->faq_entry_id && !q->purged_at) {
		struct form pre;

		if (!faq) {
			memset(&pre, 0, sizeof(pre));
			pre.value[0] = !strcmp(q->lang, "lv") ? q->text : "";
			pre.value[1] = !strcmp(q->lang, "lv") ? q->answer : "";
			pre.value[2] = !strcmp(q->lang, "en") ? q->text : "";
			pre.value[3] = !strcmp(q->lang, "en") ? q->answer : "";
			faq = &pre;
		}
		/* the FAQ form's fields, under their own key */
		{
			json_t *sub = json_object();

			form_to_ctx(r, faq_fields, faq, sub);
			json_object_set(ctx, "faq", json_object_get(sub, "f"));
			if (json_object_get(sub, "errors")) {
				json_object_set(ctx, "errors", json_object_get(sub, "errors"));
				json_object_set_new(ctx, "has_errors", json_true());
			}
			json_decref(sub);
		}
		json_object_set_new(ctx, "may_faq", json_true());
	}
	render_flags(r, status, "office-question", ctx, RESP_NO_STORE);
}

int page_question(struct req *r)
{
	struct one o;

	if (question_find(r, &o) != 0)
		return 0;
	show_question(r, 200, &o.q, NULL, NULL, NULL, NULL);
	return 0;
}

static const char SQL_ANSWER_GET[] = "SELECT email, lang, text, created_at, state FROM question WHERE id = $1";
static const char SQL_ANSWER_SET[] = "UPDATE question SET state = 'answered', answer = $2, answered_at = $3, "
				     "answered_by = $4, mail_id = $5 WHERE id = $1 AND state = 'new'";

#define ANSWER_GONE 102 /* answered or closed meanwhile */

struct answer_tx {
	struct req *r;
	const struct question *q;
	const char *answer;
	const char *email, *lang, *text, *state;
	long long created_at, mail_id, now;
};

static int answer_row(void *cls, const struct db_row *row)
{
	struct answer_tx *a = cls;

	a->email = arena_strdup(a->r->arena, row_text(row, 0));
	a->lang = arena_strdup(a->r->arena, row_text(row, 1));
	a->text = arena_strdup(a->r->arena, row_text(row, 2));
	a->created_at = row_int(row, 3);
	a->state = arena_strdup(a->r->arena, row_text(row, 4));
	return 0;
}

static int answer_body(struct db *db, void *cls)
{
	struct answer_tx *a = cls;
	struct req *r = a->r;
	const struct person *p = auth_person(r);
	enum lang ql = LANG_LV;
	struct buf text = BUF_INIT;
	const char *to[1], *base = public_base(r);
	struct mail m;
	long long changed = 0;
	int rc;

	a->state = NULL;
	rc = db_query(db, SQL_ANSWER_GET, DB_P(PINT(a->q->id)), answer_row, a);
	if (rc != DB_OK)
		return rc;
	if (!a->state || strcmp(a->state, "new") || !*a->email)
		return ANSWER_GONE;
	if (lang_parse(a->lang, &ql) != 0)
		ql = LANG_LV;
	if (md_to_text(&text, a->answer, strlen(a->answer), 1) != 0) {
		buf_free(&text);
		return DB_ERROR;
	}
	to[0] = a->email;
	memset(&m, 0, sizeof(m));
	m.to = to;
	m.nto = 1;
	m.subject = i18n_tr(ql, N_("Answer to your question"));
	m.text = arena_printf(
	    r->arena,
	    i18n_tr(ql, N_("Hello!\n\nOn %s you asked on the portal \"The State is on the Internet\":\n\n%s\n\n"
			   "%s answers:\n\n%s\n\nPlease do not reply to this message: it is sent automatically. To "
			   "ask something else, use the form again: %s\n")),
	    riga_day(r, a->created_at, ql), a->text, org_name(r, a->q->institution, ql), text.data ? text.data : "",
	    arena_printf(r->arena, "%s%s", base ? base : "", ql == LANG_EN ? "/en/jautajums" : "/jautajums"));
	buf_free(&text);
	m.kind = "question-answer";
	m.personal = 1;
	rc = outbox_enqueue_with(db, app_of(r)->mail, &m, &a->mail_id);
	if (rc != DB_OK)
		return rc;
	rc = db_exec(db, SQL_ANSWER_SET,
		     DB_P(PINT(a->q->id), PTEXT(a->answer), PINT(a->now), PINT(p ? p->account : 0), PINT(a->mail_id)),
		     &changed);
	if (rc != DB_OK)
		return rc;
	return changed == 1 ? DB_OK : ANSWER_GONE;
}

int form_question_answer(struct req *r)
{
	struct one o;
	struct form f;
	struct answer_tx a;
	struct db *db;
	int rc;

	if (question_find(r, &o) != 0)
		return 0;
	if (strcmp(o.q.state, "new")) {
		show_question(r, 409, &o.q, NULL, NULL, NULL, N_("This question has already been answered or closed."));
		return 0;
	}
	if (form_validate(r, answer_fields, &f) != 0) {
		show_question(r, 422, &o.q, &f, NULL, NULL, NULL);
		return 0;
	}
	if (strcmp(f.value[1], "send")) {
		show_question(r, 200, &o.q, &f, md_html(r, f.value[0]), NULL, NULL);
		return 0;
	}
	if (office_save_budget(r) != 0)
		return 0;
	db = app_db(r);
	memset(&a, 0, sizeof(a));
	a.r = r;
	a.q = &o.q;
	a.answer = f.value[0];
	a.now = (long long)time(NULL);
	rc = db ? db_tx(db, answer_body, &a) : DB_ERROR;
	if (rc == ANSWER_GONE) {
		show_question(r, 409, &o.q, &f, NULL, NULL, N_("This question has already been answered or closed."));
		return 0;
	}
	if (rc == OUTBOX_EBUDGET) {
		show_question(r, 503, &o.q, &f, NULL, NULL,
			      N_("The portal has sent as much mail today as it may. Please send the answer again "
				 "later; nothing was sent."));
		return 0;
	}
	if (rc == OUTBOX_EINVALID || rc == OUTBOX_ETOOBIG) {
		show_question(r, 422, &o.q, &f, NULL, NULL,
			      N_("The answer cannot be mailed to the address the person gave. Close the question "
				 "instead."));
		return 0;
	}
	if (rc != DB_OK) {
		log_error("question %lld: answer not stored: %s", o.q.id, db ? db_errmsg(db) : "no database");
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	mail_worker_kick();
	auth_audit(r, 0, "question-answered", "", 1,
		   arena_printf(r->arena, "question=%lld mail=%lld", o.q.id, a.mail_id));
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/birojs/jautajumi/%lld", o.q.id)));
	return 0;
}

int form_question_close(struct req *r)
{
	struct one o;
	struct db *db;
	long long changed = 0;
	const struct person *p;

	if (question_find(r, &o) != 0)
		return 0;
	p = auth_person(r);
	db = app_db(r);
	if (!db || db_exec(db,
			   "UPDATE question SET state = 'closed', answered_at = $2, answered_by = $3 "
			   "WHERE id = $1 AND state = 'new'",
			   DB_P(PINT(o.q.id), PINT((long long)time(NULL)), PINT(p->account)), &changed) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (changed != 1) {
		show_question(r, 409, &o.q, NULL, NULL, NULL, N_("This question has already been answered or closed."));
		return 0;
	}
	auth_audit(r, 0, "question-closed", "", 1, arena_printf(r->arena, "question=%lld", o.q.id));
	resp_redirect(r, 303, prefixed(r, "/birojs/jautajumi"));
	return 0;
}

int form_question_assign(struct req *r)
{
	struct one o;
	struct form f;
	struct db *db;
	long long changed = 0;

	if (question_find(r, &o) != 0)
		return 0;
	if (!auth_has_role(r, ROLE_ADMIN, NULL)) {
		auth_audit(r, 0, "question-reassigned", "", 0, arena_printf(r->arena, "question=%lld", o.q.id));
		resp_error(r, ERR_FORBIDDEN, NULL);
		return 0;
	}
	if (form_validate(r, assign_fields, &f) != 0 ||
	    (*f.value[0] && !catalog_org(web_snapshot(r)->cat, f.value[0]))) {
		show_question(r, 422, &o.q, NULL, NULL, NULL, N_("Please choose one of the institutions."));
		return 0;
	}
	db = app_db(r);
	if (!db || db_exec(db, "UPDATE question SET institution = $2 WHERE id = $1 AND state = 'new'",
			   DB_P(PINT(o.q.id), PTEXT(f.value[0])), &changed) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (changed != 1) {
		show_question(r, 409, &o.q, NULL, NULL, NULL, N_("This question has already been answered or closed."));
		return 0;
	}
	auth_audit(r, 0, "question-reassigned", "", 1,
		   arena_printf(r->arena, "question=%lld from=%s to=%s", o.q.id,
				*o.q.institution ? o.q.institution : "-", *f.value[0] ? f.value[0] : "-"));
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/birojs/jautajumi/%lld", o.q.id)));
	return 0;
}

static const char SQL_SLUG_USED[] = "SELECT COUNT(*) FROM faq_entry WHERE slug = $1";
static const char SQL_FAQ_ADD[] =
    "INSERT INTO faq_entry (slug, topic, position, question_lv, answer_lv, question_en, answer_en, state, "
    "question_id, created_at, updated_at, updated_by) "
    "VALUES ($1, 'citi', 0, $2, $3, $4, $5, 'draft', $6, $7, $7, $8) RETURNING id";
static const char SQL_FAQ_LINK[] = "UPDATE question SET faq_entry_id = $2 WHERE id = $1 AND faq_entry_id = 0 "
				   "AND consent_faq = 1 AND state = 'answered' AND purged_at = 0";

struct faq_tx {
	struct req *r;
	long long id, entry, now;
	const struct form *f;
	const char *slug;
};

static int faq_body(struct db *db, void *cls)
{
	struct faq_tx *x = cls;
	const struct person *p = auth_person(x->r);
	long long used = 1, changed = 0;
	int rc, n;

	for (n = 1; n <= 50 && used; n++) {
		x->slug = n == 1 ? arena_printf(x->r->arena, "jautajums-%lld", x->id)
				 : arena_printf(x->r->arena, "jautajums-%lld-%d", x->id, n);
		rc = db_query_int(db, SQL_SLUG_USED, DB_P(PTEXT(x->slug)), &used);
		if (rc != DB_OK)
			return rc;
	}
	if (used)
		return DB_ERROR;
	rc = db_query_int(db, SQL_FAQ_ADD,
			  DB_P(PTEXT(x->slug), PTEXT(x->f->value[0]), PTEXT(x->f->value[1]), PTEXT(x->f->value[2]),
			       PTEXT(x->f->value[3]), PINT(x->id), PINT(x->now), PINT(p ? p->account : 0)),
			  &x->entry);
	if (rc != DB_OK)
		return rc;
	rc = db_exec(db, SQL_FAQ_LINK, DB_P(PINT(x->id), PINT(x->entry)), &changed);
	if (rc != DB_OK)
		return rc;
	return changed == 1 ? DB_OK : ANSWER_GONE;
}

int form_question_faq(struct req *r)
{
	struct one o;
	struct form f;
	struct faq_tx x;
	struct db *db;
	int rc;

	if (question_find(r, &o) != 0)
		return 0;
	if (!o.q.consent || strcmp(o.q.state, "answered") || o.q.purged_at) {
		/* no consent (or nothing to publish): the page offers no button,
		 * and a form posted anyway is refused */
		auth_audit(r, 0, "question-faq-draft", "", 0, arena_printf(r->arena, "question=%lld", o.q.id));
		resp_error(r, ERR_FORBIDDEN, NULL);
		return 0;
	}
	if (o.q.faq_entry_id) {
		show_question(r, 409, &o.q, NULL, NULL, NULL,
			      N_("An FAQ draft has already been made of this question."));
		return 0;
	}
	if (form_validate(r, faq_fields, &f) != 0) {
		show_question(r, 422, &o.q, NULL, NULL, &f, NULL);
		return 0;
	}
	db = app_db(r);
	memset(&x, 0, sizeof(x));
	x.r = r;
	x.id = o.q.id;
	x.f = &f;
	x.now = (long long)time(NULL);
	rc = db ? db_tx(db, faq_body, &x) : DB_ERROR;
	if (rc == ANSWER_GONE) {
		show_question(r, 409, &o.q, NULL, NULL, NULL,
			      N_("An FAQ draft has already been made of this question."));
		return 0;
	}
	if (rc != DB_OK) {
		log_error("question %lld: FAQ draft not stored: %s", o.q.id, db ? db_errmsg(db) : "no database");
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	auth_audit(r, 0, "question-faq-draft", "", 1,
		   arena_printf(r->arena, "question=%lld faq_entry=%lld slug=%s", o.q.id, x.entry, x.slug));
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/birojs/jautajumi/%lld", o.q.id)));
	return 0;
}

/* ---- a person's own questions ---- */

static const char SQL_MINE[] = "SELECT " Q_COLS " FROM question q WHERE q.account_id = $1 "
			       "ORDER BY q.created_at DESC, q.id DESC LIMIT 100";

int page_my_questions(struct req *r)
{
	const struct person *p;
	struct rows mine = {r, NULL, 0, 0};
	struct db *db;
	json_t *ctx, *list, *o;
	size_t k;

	if (auth_require_person(r) != 0)
		return 0;
	p = auth_person(r);
	db = app_db(r);
	if (!db || db_query(db, SQL_MINE, DB_P(PINT(p->account)), rows_add, &mine) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	ctx = page_ctx(r, N_("Your questions"), "ask");
	list = json_array();
	for (k = 0; k < mine.n; k++) {
		const struct question *q = &mine.q[k];

		o = json_object();
		json_object_set_new(o, "asked", json_string(page_when(r, q->created_at)));
		json_object_set_new(o, "due", json_string(riga_day(r, q->due_at, r->lang)));
		json_object_set_new(o, "text", json_string(q->text));
		json_object_set_new(o, "n", json_integer((json_int_t)(k + 1)));
		if (q->purged_at)
			json_object_set_new(o, "purged", json_true());
		if (!strcmp(q->state, "answered")) {
			json_object_set_new(o, "answered", json_string(page_when(r, q->answered_at)));
			json_object_set_new(o, "answer_html", json_string(md_html(r, q->answer)));
			json_object_set_new(o, "institution", json_string(org_name(r, q->institution, r->lang)));
		} else if (!strcmp(q->state, "closed")) {
			json_object_set_new(o, "closed", json_true());
		} else {
			json_object_set_new(o, "open", json_true());
		}
		json_array_append_new(list, o);
	}
	json_object_set_new(ctx, "questions", list);
	json_object_set_new(ctx, "has_questions", json_boolean(mine.n > 0));
	render_flags(r, 200, "my-questions", ctx, RESP_NO_STORE);
	return 0;
}

/* ---- the content-health view's line ---- */

struct late_count {
	struct req *r;
	long long n;
};

static int late_row(void *cls, const struct db_row *row)
{
	struct late_count *c = cls;

	if (may_handle(c->r, row_text(row, 0)))
		c->n += row_int(row, 2);
	return 0;
}

void questions_health_ctx(struct req *r, json_t *ctx)
{
	struct late_count c = {r, 0};
	struct db *db = app_db(r);

	if (!db || db_query(db, SQL_COUNTS, DB_P(PINT((long long)time(NULL))), late_row, &c) != DB_OK)
		return;
	json_object_set_new(ctx, "questions_overdue", json_integer(c.n));
	json_object_set_new(ctx, "questions_url", json_string(prefixed(r, "/birojs/jautajumi?nokavetie=1")));
}

/* ---- retention ---- */

int question_purge(struct db *db, const struct config *cfg, long long now)
{
	long long before = now - (long long)cfg->question_retention_days * 86400;
	int rc;

	/* never answered within the whole retention period: closed, then erased */
	rc = db_exec(db,
		     "UPDATE question SET state = 'closed', answered_at = $2 WHERE state = 'new' AND created_at < $1",
		     DB_P(PINT(before), PINT(now)), NULL);
	if (rc == DB_OK)
		rc = db_exec(db,
			     "UPDATE question SET email = '', name = '', text = '', answer = '', purged_at = $2 "
			     "WHERE purged_at = 0 AND state <> 'new' AND answered_at < $1 AND answered_at > 0",
			     DB_P(PINT(before), PINT(now)), NULL);
	if (rc == DB_OK)
		rc = db_exec(db,
			     "UPDATE question SET email = '', name = '', text = '', answer = '', purged_at = $2 "
			     "WHERE purged_at = 0 AND state = 'closed' AND created_at < $1",
			     DB_P(PINT(before), PINT(now)), NULL);
	return rc;
}
