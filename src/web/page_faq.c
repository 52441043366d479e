/* page_faq.c — the FAQ ("Biežāk uzdotie jautājumi", issue 12 point 2): the
 * public page (/buj, /en/buj: the published entries grouped by topic, each
 * with a stable link /buj#SLUG) and its back office (/birojs/buj, content
 * editors and administrators): topics (add, rename in both languages,
 * order), entries (add, edit both languages' Markdown with a preview, move
 * to another topic, order, draft or published, delete). Entries made from
 * asked questions (question_id set, topic 'citi', drafts) are marked "from
 * a question" so editors review and publish them.
 *
 * Migration 15 holds the tables. Every change that touches what the public
 * sees (a published entry, before or after the change; any topic) moves the
 * content revision in its transaction and calls content_changed() after
 * the commit; every change goes to the audit log. The public page reads the
 * database; it is a cached route, so it is built once per content revision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "store/db.h"
#include "tmpl/markdown.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/content.h"
#include "web/form.h"
#include "web/web.h"

#define FAQ_ROLES (ROLE_CONTENT | ROLE_ADMIN)
#define FAQ_ANSWER_MAX 20000

/* ---- shared ---- */

/* Slugs the back office accepts: small Latin letters, digits, single
 * hyphens inside (they become /buj#slug and never change meaning). */
static int faq_slug_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n >= 2 && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n && s[0] != '-' &&
	       s[n - 1] != '-' && !strstr(s, "--");
}

/* An entry's slug is an id on /buj: it may not be one of the page's own
 * (layout's "main" and "q", the topic list's title, a topic's "tema-…") or
 * look like another entry's question ("SLUG-q"), or /buj#SLUG would lead
 * elsewhere and the page would hold an id twice. */
static int entry_slug_taken(const char *s)
{
	size_t n = strlen(s);

	return !strcmp(s, "main") || !strcmp(s, "q") || !strcmp(s, "faq-toc-title") || !strncmp(s, "tema-", 5) ||
	       (n > 2 && !strcmp(s + n - 2, "-q"));
}

static const char *md_html(struct req *r, const char *s)
{
	struct buf b = BUF_INIT;
	const char *out;

	if (md_to_html(&b, s, strlen(s), 3) != 0) { /* under the question's <h3> */
		buf_free(&b);
		return "";
	}
	out = arena_strndup(r->arena, b.data ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

/* ---- the public page ---- */

struct pub {
	struct req *r;
	json_t *topics; /* [{slug, title, lv, entries: [...]}] */
	json_t *index;  /* slug → topic object (borrowed) */
};

static int pub_topic(void *cls, const struct db_row *row)
{
	struct pub *p = cls;
	int en = p->r->lang == LANG_EN && *row_text(row, 2);
	json_t *t = json_pack("{s:s, s:s, s:o}", "slug", row_text(row, 0), "title", row_text(row, en ? 2 : 1),
			      "entries", json_array());

	if (p->r->lang == LANG_EN && !en)
		json_object_set_new(t, "lv", json_true());
	json_array_append_new(p->topics, t);
	json_object_set(p->index, row_text(row, 0), t);
	return 0;
}

static int pub_entry(void *cls, const struct db_row *row)
{
	struct pub *p = cls;
	struct req *r = p->r;
	json_t *t = json_object_get(p->index, row_text(row, 1)), *e;
	const char *q = row_text(row, 2), *a = row_text(row, 3);

	if (!t)
		return 0;
	e = json_pack("{s:s}", "slug", row_text(row, 0));
	if (r->lang == LANG_EN && *row_text(row, 4) && *row_text(row, 5)) {
		q = row_text(row, 4);
		a = row_text(row, 5);
	} else if (r->lang == LANG_EN) {
		json_object_set_new(e, "lv", json_true()); /* no English version: the Latvian, marked */
	}
	json_object_set_new(e, "question", json_string(q));
	json_object_set_new(e, "answer", json_string(md_html(r, a)));
	json_array_append_new(json_object_get(t, "entries"), e);
	return 0;
}

int page_faq(struct req *r)
{
	struct db *db = app_db(r);
	struct pub p = {r, json_array(), json_object()};
	json_t *ctx, *t, *shown;
	size_t i;

	if (!db ||
	    db_query(db, "SELECT slug, title_lv, title_en FROM faq_topic ORDER BY position, slug", DB_NOP, pub_topic,
		     &p) != DB_OK ||
	    db_query(db,
		     "SELECT slug, topic, question_lv, answer_lv, question_en, answer_en FROM faq_entry "
		     "WHERE state = 'published' ORDER BY position, id",
		     DB_NOP, pub_entry, &p) != DB_OK) {
		json_decref(p.topics);
		json_decref(p.index);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	shown = json_array();
	json_array_foreach(p.topics, i, t) if (json_array_size(json_object_get(t, "entries")))
	    json_array_append(shown, t);
	json_decref(p.topics);
	json_decref(p.index);
	ctx = page_ctx(r, N_("Frequently asked questions"), "faq");
	json_object_set_new(ctx, "topics", shown);
	render(r, 200, "faq", ctx);
	return 0;
}

/* ---- the back office: the list ---- */

struct office_list {
	struct req *r;
	json_t *topics, *index, *asked;
};

static int office_topic(void *cls, const struct db_row *row)
{
	struct office_list *x = cls;
	json_t *t = json_pack("{s:s, s:s, s:s, s:I, s:o, s:o}", "slug", row_text(row, 0), "title_lv", row_text(row, 1),
			      "title_en", row_text(row, 2), "position", (json_int_t)row_int(row, 3), "entries",
			      json_array(), "f", json_object());

	json_array_append_new(x->topics, t);
	json_object_set(x->index, row_text(row, 0), t);
	return 0;
}

static int office_entry(void *cls, const struct db_row *row)
{
	struct office_list *x = cls;
	struct req *r = x->r;
	json_t *t = json_object_get(x->index, row_text(row, 2)), *e;
	int published = !strcmp(row_text(row, 4), "published");

	e = json_pack("{s:I, s:s, s:s, s:I, s:b, s:b, s:s, s:s}", "id", (json_int_t)row_int(row, 0), "slug",
		      row_text(row, 1), "question", row_text(row, 3), "position", (json_int_t)row_int(row, 5),
		      "published", published, "english", *row_text(row, 6) != '\0', "updated",
		      page_when(r, row_int(row, 7)), "url",
		      prefixed(r, arena_printf(r->arena, "/birojs/buj/%lld", row_int(row, 0))));
	/* always set: inside {{#entries.0}} a missing key is looked up in the first entry */
	json_object_set_new(e, "from_question", json_boolean(row_int(row, 8) != 0));
	if (row_int(row, 8)) {
		json_object_set_new(e, "question_id", json_integer(row_int(row, 8)));
		if (!published)
			json_array_append(x->asked, e);
	}
	if (t)
		json_array_append(json_object_get(t, "entries"), e);
	json_decref(e);
	return 0;
}

static const struct field topic_fields[] = {FIELD_TEXT("slug", REQUIRED, 2, 60, N_("Identifier")),
					    FIELD_TEXT("title_lv", REQUIRED, 2, 200, N_("Title in Latvian")),
					    FIELD_TEXT("title_en", OPTIONAL, 0, 200, N_("Title in English")),
					    {"position", F_NUMBER, OPTIONAL, 0, 1000000, NULL, N_("Order"), NULL},
					    FIELD_END};

enum { T_SLUG, T_TITLE_LV, T_TITLE_EN, T_POSITION };

/* The list page; tf: the refused topic form (add when slug is NULL, else
 * that topic's), with its status. */
static void office_list_page(struct req *r, int status, const struct form *tf, const char *tf_slug)
{
	struct db *db = app_db(r);
	struct office_list x = {r, json_array(), json_object(), json_array()};
	json_t *ctx, *t;

	if (!db ||
	    db_query(db, "SELECT slug, title_lv, title_en, position FROM faq_topic ORDER BY position, slug", DB_NOP,
		     office_topic, &x) != DB_OK ||
	    db_query(db,
		     "SELECT id, slug, topic, question_lv, state, position, question_en, updated_at, question_id "
		     "FROM faq_entry ORDER BY position, id",
		     DB_NOP, office_entry, &x) != DB_OK) {
		json_decref(x.topics);
		json_decref(x.index);
		json_decref(x.asked);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	ctx = page_ctx(r, N_("Frequently asked questions"), "office");
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	if (tf) {
		t = tf_slug ? json_object_get(x.index, tf_slug) : NULL;
		if (t) {
			json_t *e;
			size_t i;

			form_to_ctx(r, topic_fields, tf, t);
			json_object_set_new(t, "open", json_true());
			/* the summary links to this topic's own fields */
			json_array_foreach(json_object_get(t, "errors"), i, e)
			{
				const char *fd = json_string_value(json_object_get(e, "field"));
				const char *suffix = !strcmp(fd, "title_en")   ? "en"
						     : !strcmp(fd, "position") ? "pos"
									       : "lv";

				json_object_set_new(e, "field",
						    json_string(arena_printf(r->arena, "t-%s-%s", tf_slug, suffix)));
			}
			json_object_set(ctx, "errors", json_object_get(t, "errors"));
			json_object_set_new(ctx, "has_errors", json_true());
		} else {
			form_to_ctx(r, topic_fields, tf, ctx);
		}
	}
	if (req_query(r, "saglabats"))
		json_object_set_new(ctx, "saved", json_true());
	if (req_query(r, "dzests"))
		json_object_set_new(ctx, "deleted", json_true());
	json_object_set_new(ctx, "topics", x.topics);
	json_object_set_new(ctx, "asked", x.asked);
	json_decref(x.index);
	render_flags(r, status, "office-faq", ctx, RESP_NO_STORE);
}

int page_office_faq(struct req *r)
{
	if (auth_require_role(r, FAQ_ROLES) != 0)
		return 0;
	office_list_page(r, 200, NULL, NULL);
	return 0;
}

/* ---- topics ---- */

struct topic_job {
	const char *slug, *title_lv, *title_en;
	long long position;
	int create;
	long long changes;
};

static int topic_tx(struct db *db, void *cls)
{
	struct topic_job *j = cls;
	int rc;

	if (j->create)
		rc = db_exec(db, "INSERT INTO faq_topic (slug, title_lv, title_en, position) VALUES ($1, $2, $3, $4)",
			     DB_P(PTEXT(j->slug), PTEXT(j->title_lv), PTEXT(j->title_en), PINT(j->position)),
			     &j->changes);
	else
		rc = db_exec(db, "UPDATE faq_topic SET title_lv = $2, title_en = $3, position = $4 WHERE slug = $1",
			     DB_P(PTEXT(j->slug), PTEXT(j->title_lv), PTEXT(j->title_en), PINT(j->position)),
			     &j->changes);
	if (rc != DB_OK || !j->changes)
		return rc != DB_OK ? rc : DB_ENOROW;
	return db_exec(db, SQL_CONTENT_BUMP, DB_NOP, NULL);
}

static int topic_save(struct req *r, const char *slug)
{
	struct form f;
	struct topic_job j = {0};
	int rc, bad;

	if (auth_require_role(r, FAQ_ROLES) != 0)
		return 0;
	bad = form_validate(r, topic_fields, &f) != 0;
	if (slug) {
		if (f.error[T_SLUG]) { /* fixed: what was sent does not count */
			f.error[T_SLUG] = NULL;
			bad = --f.nerrors > 0;
		}
		f.value[T_SLUG] = slug;
	} else if (!f.error[T_SLUG] && !faq_slug_ok(f.value[T_SLUG], 60)) {
		f.error[T_SLUG] = i18n_tr(r->lang, N_("Use small Latin letters, digits and single hyphens, like "
						      "e-services."));
		f.nerrors++;
		bad = 1;
	}
	if (bad) {
		office_list_page(r, 422, &f, slug);
		return 0;
	}
	if (office_save_budget(r) != 0)
		return 0;
	j = (struct topic_job){f.value[T_SLUG],     f.value[T_TITLE_LV],
			       f.value[T_TITLE_EN], (long long)f.number[T_POSITION],
			       slug == NULL,        0};
	rc = db_tx(app_db(r), topic_tx, &j);
	if (rc == DB_ENOROW) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (rc == DB_ECONSTRAINT) {
		f.error[T_SLUG] = i18n_tr(r->lang, N_("A topic with this identifier exists."));
		f.nerrors++;
		office_list_page(r, 422, &f, NULL);
		return 0;
	}
	if (rc != DB_OK) {
		log_error("faq: topic not saved: %s", db_errmsg(app_db(r)));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	content_changed((struct app *)app_of(r));
	auth_audit(r, 0, slug ? "faq-topic-updated" : "faq-topic-created", "", 1,
		   arena_printf(r->arena, "topic=%s", j.slug));
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/birojs/buj?saglabats=1#tema-%s", j.slug)));
	return 0;
}

int form_office_faq_topic_new(struct req *r)
{
	return topic_save(r, NULL);
}

int form_office_faq_topic(struct req *r)
{
	const char *slug = req_param(r, 0);

	if (auth_require_role(r, FAQ_ROLES) != 0)
		return 0;
	if (!slug || !faq_slug_ok(slug, 60)) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	return topic_save(r, slug);
}

/* ---- entries ---- */

static const char *const states[] = {"draft", "published", NULL};
static const char *const actions[] = {"save", "preview", NULL};

static const struct field entry_fields[] = {
    FIELD_TEXT("slug", REQUIRED, 2, 80, N_("Link name")),
    FIELD_TEXT("topic", REQUIRED, 2, 60, N_("Topic")),
    {"position", F_NUMBER, OPTIONAL, 0, 1000000, NULL, N_("Order"), NULL},
    FIELD_TEXT("question_lv", REQUIRED, 3, 300, N_("Question in Latvian")),
    FIELD_TEXTAREA("answer_lv", REQUIRED, 1, FAQ_ANSWER_MAX, N_("Answer in Latvian")),
    FIELD_TEXT("question_en", OPTIONAL, 0, 300, N_("Question in English")),
    FIELD_TEXTAREA("answer_en", OPTIONAL, 0, FAQ_ANSWER_MAX, N_("Answer in English")),
    FIELD_CHOICE("state", REQUIRED, states, N_("State")),
    FIELD_CHOICE("do", OPTIONAL, actions, N_("Action")),
    /* the entry's updated_at when the form was made (every save moves it):
     * a save over a newer one is refused */
    FIELD_TEXT("version", OPTIONAL, 0, 20, N_("Version")),
    FIELD_END};

enum { E_SLUG, E_TOPIC, E_POSITION, E_Q_LV, E_A_LV, E_Q_EN, E_A_EN, E_STATE, E_DO, E_VERSION };

/* entry_tx: someone else saved the entry after the form was made */
#define ENTRY_STALE 2

struct entry {
	long long id; /* 0: a new one */
	char state[16];
	long long question_id;
	long long updated_at;
};

static int entry_row(void *cls, const struct db_row *row)
{
	void **x = cls;
	struct req *r = x[0];
	struct form *f = x[1];
	struct entry *e = x[2];

	f->value[E_SLUG] = arena_strdup(r->arena, row_text(row, 0));
	f->value[E_TOPIC] = arena_strdup(r->arena, row_text(row, 1));
	f->number[E_POSITION] = (unsigned long)row_int(row, 2);
	f->value[E_POSITION] = arena_printf(r->arena, "%lld", row_int(row, 2));
	f->value[E_Q_LV] = arena_strdup(r->arena, row_text(row, 3));
	f->value[E_A_LV] = arena_strdup(r->arena, row_text(row, 4));
	f->value[E_Q_EN] = arena_strdup(r->arena, row_text(row, 5));
	f->value[E_A_EN] = arena_strdup(r->arena, row_text(row, 6));
	f->value[E_STATE] = arena_strdup(r->arena, row_text(row, 7));
	snprintf(e->state, sizeof(e->state), "%s", row_text(row, 7));
	e->question_id = row_int(row, 8);
	e->updated_at = row_int(row, 9);
	f->value[E_VERSION] = arena_printf(r->arena, "%lld", e->updated_at);
	return 0;
}

/* The entry of the path's {id}: 0 with e and f filled, else r is answered. */
static int entry_load(struct req *r, struct entry *e, struct form *f)
{
	const char *id = req_param(r, 0);
	char *end = NULL;
	long long n;
	void *x[3] = {r, f, e};
	int rc;

	memset(e, 0, sizeof(*e));
	memset(f, 0, sizeof(*f));
	n = id && *id && strlen(id) <= 18 && strspn(id, "0123456789") == strlen(id) ? strtoll(id, &end, 10) : 0;
	if (n <= 0) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return -1;
	}
	if (!app_db(r)) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	rc = db_query(
	    app_db(r),
	    "SELECT slug, topic, position, question_lv, answer_lv, question_en, answer_en, state, question_id, "
	    "updated_at FROM faq_entry WHERE id = $1",
	    DB_P(PINT(n)), entry_row, x);
	if (rc != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	if (!e->state[0]) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return -1;
	}
	e->id = n;
	return 0;
}

static int topic_opt(void *cls, const struct db_row *row)
{
	void **x = cls;
	struct req *r = x[0];
	const char *chosen = x[2];

	json_array_append_new(x[1],
			      json_pack("{s:s, s:s, s:b}", "slug", row_text(row, 0), "title",
					r->lang == LANG_EN && *row_text(row, 2) ? row_text(row, 2) : row_text(row, 1),
					"selected", chosen && !strcmp(chosen, row_text(row, 0))));
	return 0;
}

static void entry_page(struct req *r, int status, const struct entry *e, const struct form *f, int preview,
		       const char *refused)
{
	json_t *ctx = page_ctx(r, e->id ? N_("Edit a question") : N_("New question"), "office");
	json_t *topics = json_array();
	void *x[3] = {r, topics, (void *)f->value[E_TOPIC]};

	if (app_db(r))
		db_query(app_db(r), "SELECT slug, title_lv, title_en FROM faq_topic ORDER BY position, slug", DB_NOP,
			 topic_opt, x);
	json_object_set_new(ctx, "topics", topics);
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	form_to_ctx(r, entry_fields, f, ctx);
	if (e->id) {
		json_object_set_new(ctx, "id", json_integer(e->id));
		json_object_set_new(ctx, "edit", json_true());
		json_object_set_new(ctx, "action",
				    json_string(prefixed(r, arena_printf(r->arena, "/birojs/buj/%lld", e->id))));
		json_object_set_new(ctx, "updated", json_string(page_when(r, e->updated_at)));
		if (!strcmp(e->state, "published"))
			json_object_set_new(ctx, "is_published", json_true());
	} else {
		json_object_set_new(ctx, "new", json_true());
		json_object_set_new(ctx, "action", json_string(prefixed(r, "/birojs/buj/jauns")));
	}
	if (e->question_id)
		json_object_set_new(ctx, "question_id", json_integer(e->question_id));
	json_object_set_new(
	    ctx, "public_url",
	    json_string(prefixed(r, arena_printf(r->arena, "/buj#%s", f->value[E_SLUG] ? f->value[E_SLUG] : ""))));
	if (preview) {
		json_object_set_new(
		    ctx, "preview_lv",
		    json_pack("{s:s, s:s}", "question", f->value[E_Q_LV], "answer", md_html(r, f->value[E_A_LV])));
		if (*f->value[E_Q_EN] || *f->value[E_A_EN])
			json_object_set_new(ctx, "preview_en",
					    json_pack("{s:s, s:s}", "question", f->value[E_Q_EN], "answer",
						      md_html(r, f->value[E_A_EN])));
	}
	if (req_query(r, "saglabats"))
		json_object_set_new(ctx, "saved", json_true());
	if (refused)
		form_ctx_add_error(r, ctx, "question_lv", N_("Question"), refused);
	render_flags(r, status, "office-faq-entry", ctx, RESP_NO_STORE);
}

int page_office_faq_new(struct req *r)
{
	struct entry e = {0};
	struct form f;

	if (auth_require_role(r, FAQ_ROLES) != 0)
		return 0;
	memset(&f, 0, sizeof(f));
	f.value[E_TOPIC] = "citi";
	f.value[E_STATE] = "draft";
	f.value[E_POSITION] = "100";
	entry_page(r, 200, &e, &f, 0, NULL);
	return 0;
}

int page_office_faq_entry(struct req *r)
{
	struct entry e = {0};
	struct form f = {0};

	if (auth_require_role(r, FAQ_ROLES) != 0)
		return 0;
	if (entry_load(r, &e, &f) != 0)
		return 0;
	entry_page(r, 200, &e, &f, 0, NULL);
	return 0;
}

struct entry_job {
	const struct entry *old; /* id 0: insert */
	const struct form *f;
	long long now, by, id;
	long long version; /* the form's: the updated_at it was made from (-1: none) */
	int bump;
};

static int entry_tx(struct db *db, void *cls)
{
	struct entry_job *j = cls;
	const struct form *f = j->f;
	long long changes = 0;
	int rc;

	if (!j->old->id) {
		rc = db_query_int(db,
				  "INSERT INTO faq_entry (slug, topic, position, question_lv, answer_lv, question_en, "
				  "answer_en, state, created_at, updated_at, updated_by) "
				  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
				  DB_P(PTEXT(f->value[E_SLUG]), PTEXT(f->value[E_TOPIC]),
				       PINT((long long)f->number[E_POSITION]), PTEXT(f->value[E_Q_LV]),
				       PTEXT(f->value[E_A_LV]), PTEXT(f->value[E_Q_EN]), PTEXT(f->value[E_A_EN]),
				       PTEXT(f->value[E_STATE]), PINT(j->now), PINT(j->by)),
				  &j->id);
		if (rc != DB_OK)
			return rc == DB_ENOROW ? DB_ERROR : rc;
	} else {
		rc = db_exec(
		    db,
		    "UPDATE faq_entry SET slug = $2, topic = $3, position = $4, question_lv = $5, answer_lv = $6, "
		    "question_en = $7, answer_en = $8, state = $9, "
		    "updated_at = CASE WHEN $10 > updated_at THEN $10 ELSE updated_at + 1 END, updated_by = $11 "
		    "WHERE id = $1 AND updated_at = $12",
		    DB_P(PINT(j->old->id), PTEXT(f->value[E_SLUG]), PTEXT(f->value[E_TOPIC]),
			 PINT((long long)f->number[E_POSITION]), PTEXT(f->value[E_Q_LV]), PTEXT(f->value[E_A_LV]),
			 PTEXT(f->value[E_Q_EN]), PTEXT(f->value[E_A_EN]), PTEXT(f->value[E_STATE]), PINT(j->now),
			 PINT(j->by), PINT(j->version)),
		    &changes);
		if (rc != DB_OK)
			return rc;
		if (!changes) /* it exists (entry_load): saved by someone else in between */
			return ENTRY_STALE;
		j->id = j->old->id;
	}
	return j->bump ? db_exec(db, SQL_CONTENT_BUMP, DB_NOP, NULL) : DB_OK;
}

static int topic_exists(struct req *r, const char *slug)
{
	long long one = 0;

	return db_query_int(app_db(r), "SELECT 1 FROM faq_topic WHERE slug = $1", DB_P(PTEXT(slug)), &one) == DB_OK;
}

/* Validates and saves (or previews) the posted entry form over e. */
static int entry_save(struct req *r, const struct entry *e)
{
	struct form f;
	struct entry_job j = {0};
	const struct person *p = auth_person(r);
	int bad, rc;

	bad = form_validate(r, entry_fields, &f) != 0;
	if (!f.error[E_SLUG] && !faq_slug_ok(f.value[E_SLUG], 80)) {
		f.error[E_SLUG] = i18n_tr(r->lang, N_("Use small Latin letters, digits and single hyphens, like "
						      "what-is-an-e-service."));
		f.nerrors++;
		bad = 1;
	}
	if (!f.error[E_SLUG] && entry_slug_taken(f.value[E_SLUG])) {
		f.error[E_SLUG] =
		    i18n_tr(r->lang, N_("This address is reserved for another page; please choose another."));
		f.nerrors++;
		bad = 1;
	}
	if (!f.error[E_TOPIC] && !topic_exists(r, f.value[E_TOPIC])) {
		f.error[E_TOPIC] = i18n_tr(r->lang, N_("Please choose one of the options."));
		f.nerrors++;
		bad = 1;
	}
	if (!f.error[E_Q_EN] && !f.error[E_A_EN] && !*f.value[E_Q_EN] != !*f.value[E_A_EN]) {
		f.error[*f.value[E_Q_EN] ? E_A_EN : E_Q_EN] =
		    i18n_tr(r->lang, N_("Give both the English question and its answer, or neither."));
		f.nerrors++;
		bad = 1;
	}
	if (bad) {
		entry_page(r, 422, e, &f, 0, NULL);
		return 0;
	}
	if (!strcmp(f.value[E_DO], "preview")) {
		entry_page(r, 200, e, &f, 1, NULL);
		return 0;
	}
	if (office_save_budget(r) != 0)
		return 0;
	j.old = e;
	j.f = &f;
	j.now = (long long)time(NULL);
	j.by = p ? p->account : 0;
	j.bump = !strcmp(e->state, "published") || !strcmp(f.value[E_STATE], "published");
	j.version = *f.value[E_VERSION] && strspn(f.value[E_VERSION], "0123456789") == strlen(f.value[E_VERSION])
			? strtoll(f.value[E_VERSION], NULL, 10)
			: -1;
	rc = db_tx(app_db(r), entry_tx, &j);
	if (rc == DB_ECONSTRAINT) {
		f.error[E_SLUG] = i18n_tr(r->lang, N_("Another question has this link name."));
		f.nerrors++;
		entry_page(r, 422, e, &f, 0, NULL);
		return 0;
	}
	if (rc == ENTRY_STALE) {
		entry_page(r, 409, e, &f, 0,
			   i18n_tr(r->lang, N_("Someone else saved this question after you opened it. Your text is "
					       "below, not saved; open the question again to see theirs.")));
		return 0;
	}
	if (rc != DB_OK) {
		log_error("faq: entry not saved: %s", db_errmsg(app_db(r)));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (j.bump)
		content_changed((struct app *)app_of(r));
	auth_audit(r, 0, e->id ? "faq-entry-updated" : "faq-entry-created", "", 1,
		   arena_printf(
		       r->arena, "entry=%lld state=%s%s", j.id, f.value[E_STATE],
		       e->id && strcmp(e->state, f.value[E_STATE]) ? arena_printf(r->arena, " was=%s", e->state) : ""));
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/birojs/buj/%lld?saglabats=1", j.id)));
	return 0;
}

int form_office_faq_new(struct req *r)
{
	struct entry e = {0};

	if (auth_require_role(r, FAQ_ROLES) != 0)
		return 0;
	if (!app_db(r)) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	return entry_save(r, &e);
}

int form_office_faq_entry(struct req *r)
{
	struct entry e = {0};
	struct form f = {0};

	if (auth_require_role(r, FAQ_ROLES) != 0)
		return 0;
	if (entry_load(r, &e, &f) != 0)
		return 0;
	return entry_save(r, &e);
}

struct delete_job {
	long long id;
	int published;
	long long changes;
};

static int delete_tx(struct db *db, void *cls)
{
	struct delete_job *j = cls;
	int rc = db_exec(db, "DELETE FROM faq_entry WHERE id = $1", DB_P(PINT(j->id)), &j->changes);

	if (rc != DB_OK)
		return rc;
	return j->published && j->changes ? db_exec(db, SQL_CONTENT_BUMP, DB_NOP, NULL) : DB_OK;
}

int form_office_faq_delete(struct req *r)
{
	struct entry e = {0};
	struct form f = {0};
	struct delete_job j;

	if (auth_require_role(r, FAQ_ROLES) != 0)
		return 0;
	if (entry_load(r, &e, &f) != 0)
		return 0;
	j = (struct delete_job){e.id, !strcmp(e.state, "published"), 0};
	if (db_tx(app_db(r), delete_tx, &j) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (j.published)
		content_changed((struct app *)app_of(r));
	auth_audit(r, 0, "faq-entry-deleted", "", 1,
		   arena_printf(r->arena, "entry=%lld slug=%s state=%s", e.id, f.value[E_SLUG], e.state));
	resp_redirect(r, 303, prefixed(r, "/birojs/buj?dzests=1"));
	return 0;
}
