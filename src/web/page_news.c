/* page_news.c — news ("Aktualitātes", issue 12): the public list
 * (/jaunumi), each article (/jaunumi/{slug}), the Atom feed per language
 * (/jaunumi/atom.xml, /en/jaunumi/atom.xml), and the back office where
 * content editors write them (/birojs/jaunumi).
 *
 * The public sees an article whose state is 'scheduled' or 'published'
 * once its publish_at has come; every query says so itself (no job flips
 * the state), and web/content.c moves the page caches' revision when a
 * scheduled time passes. An article without an English title is
 * Latvian-only: the English list and feed leave it out, and its English
 * address shows the Latvian text marked lang="lv". Texts are Markdown,
 * rendered by tmpl/markdown.h only (raw HTML off). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/when.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "tmpl/escape.h"
#include "tmpl/markdown.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/content.h"
#include "web/web.h"

#define NEWS_PAGE 10       /* articles on a page of /jaunumi */
#define NEWS_FEED 20       /* entries in a feed */
#define NEWS_TITLE_MAX 200 /* characters */
#define NEWS_SUMMARY_MAX 1000
/* Characters of a text: at most 64 000 bytes of UTF-8, under both
 * MD_MAX_BYTES and the 64 KiB the HTTP layer takes of one form field
 * (http/parse.c parse_limits_form), so a long text is refused beside its
 * field and not by a bare 413 that would lose what the editor wrote. */
#define NEWS_BODY_MAX 16000
#define NEWS_OFFICE_LIST 200 /* articles the back-office list shows, newest changed first */
#define EDITORS (ROLE_CONTENT | ROLE_ADMIN)

/* ---- reading ---- */

struct article {
	long long id, publish_at, version, created_at, updated_at;
	const char *slug, *state;
	const char *title[2], *summary[2], *body[2];
};

#define ARTICLE_COLS                                                                                                   \
	"id, slug, title_lv, summary_lv, body_lv, title_en, summary_en, body_en, state, publish_at, version, "         \
	"created_at, updated_at"

struct rows {
	struct req *r;
	struct article *a;
	size_t n, cap;
};

static int article_row(void *cls, const struct db_row *row)
{
	struct rows *x = cls;
	struct arena *ar = x->r->arena;
	struct article *a;

	if (x->n == x->cap)
		return 1;
	a = &x->a[x->n++];
	a->id = row_int(row, 0);
	a->slug = arena_strdup(ar, row_text(row, 1));
	a->title[0] = arena_strdup(ar, row_text(row, 2));
	a->summary[0] = arena_strdup(ar, row_text(row, 3));
	a->body[0] = arena_strdup(ar, row_text(row, 4));
	a->title[1] = arena_strdup(ar, row_text(row, 5));
	a->summary[1] = arena_strdup(ar, row_text(row, 6));
	a->body[1] = arena_strdup(ar, row_text(row, 7));
	a->state = arena_strdup(ar, row_text(row, 8));
	a->publish_at = row_int(row, 9);
	a->version = row_int(row, 10);
	a->created_at = row_int(row, 11);
	a->updated_at = row_int(row, 12);
	return 0;
}

/* Up to cap articles of sql into a (arena); their number, or -1. */
static long long load(struct req *r, const char *sql, const struct db_param *p, size_t np, struct article **a,
		      size_t cap)
{
	struct db *db = app_db(r);
	struct rows x = {r, NULL, 0, cap};

	if (!db)
		return -1;
	x.a = arena_alloc(r->arena, (cap ? cap : 1) * sizeof(*x.a));
	if (!x.a)
		return -1;
	if (db_query(db, sql, p, np, article_row, &x) < 0)
		return -1;
	*a = x.a;
	return (long long)x.n;
}

/* Public: the article can be seen; in English only those with an English
 * title are listed. $1 now, $2 1 for the English list. */
static const char SQL_PUBLIC_COUNT[] = "SELECT COUNT(*) FROM news_article WHERE state <> 'draft' AND publish_at <= $1 "
				       "AND ($2 = 0 OR title_en <> '')";
static const char SQL_PUBLIC_PAGE[] = "SELECT " ARTICLE_COLS " FROM news_article WHERE state <> 'draft' AND "
				      "publish_at <= $1 AND ($2 = 0 OR title_en <> '') "
				      "ORDER BY publish_at DESC, id DESC LIMIT $3 OFFSET $4";
static const char SQL_PUBLIC_ONE[] = "SELECT " ARTICLE_COLS " FROM news_article WHERE slug = $1 AND "
				     "state <> 'draft' AND publish_at <= $2";

/* The text of one language: English when asked and there is an English
 * title, else Latvian (*lv set). */
static int lang_of(const struct article *a, enum lang lang, int *lv)
{
	int l = lang == LANG_EN && *a->title[1];

	*lv = lang == LANG_EN && !l;
	return l;
}

static const char *md_html(struct req *r, const char *md, int shift)
{
	struct buf b = BUF_INIT;
	const char *out;

	if (!md || !*md)
		return "";
	if (md_to_html(&b, md, strlen(md), shift) != 0) {
		buf_free(&b);
		return "";
	}
	out = arena_strndup(r->arena, b.data ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

static const char *iso(struct req *r, long long t)
{
	char s[WHEN_ISO_LEN];

	when_iso((time_t)t, s);
	return arena_strdup(r->arena, s);
}

/* What the list and the article page show of a: title, address, time,
 * summary (and the body when full). */
static json_t *article_json(struct req *r, const struct article *a, int full)
{
	int lv, l = lang_of(a, r->lang, &lv);
	json_t *o = json_object();

	json_object_set_new(o, "title", json_string(a->title[l]));
	json_object_set_new(o, "url", json_string(prefixed(r, arena_printf(r->arena, "/jaunumi/%s", a->slug))));
	json_object_set_new(o, "at_iso", json_string(iso(r, a->publish_at)));
	json_object_set_new(o, "at", json_string(page_when(r, a->publish_at)));
	if (*a->summary[l])
		json_object_set_new(o, "summary_html", json_string(md_html(r, a->summary[l], full ? 1 : 2)));
	if (full)
		json_object_set_new(o, "body_html", json_string(md_html(r, a->body[l], 1)));
	if (lv)
		json_object_set_new(o, "in_lv", json_true());
	return o;
}

static void feed_link(struct req *r, json_t *ctx)
{
	json_object_set_new(ctx, "feed_url", json_string(prefixed(r, "/jaunumi/atom.xml")));
}

/* ---- public pages ---- */

int page_news(struct req *r)
{
	long long now = (long long)time(NULL), total = 0;
	struct db *db = app_db(r);
	struct article *a = NULL;
	size_t from, to, i;
	long long n;
	json_t *ctx, *list;
	int en = r->lang == LANG_EN;

	if (!db || db_query_int(db, SQL_PUBLIC_COUNT, DB_P(PINT(now), PINT(en)), &total) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	ctx = page_ctx(r, N_("News"), "news");
	if (list_page(r, ctx, (size_t)total, NEWS_PAGE, &from, &to) != 0) {
		json_decref(ctx);
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	n = load(r, SQL_PUBLIC_PAGE, DB_P(PINT(now), PINT(en), PINT(NEWS_PAGE), PINT((long long)from)), &a, NEWS_PAGE);
	if (n < 0) {
		json_decref(ctx);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	list = json_array();
	for (i = 0; i < (size_t)n; i++)
		json_array_append_new(list, article_json(r, &a[i], 0));
	json_object_set_new(ctx, "articles", list);
	json_object_set_new(ctx, "total", json_integer(total));
	feed_link(r, ctx);
	render(r, 200, "news", ctx);
	return 0;
}

/* The article page's context (the public page, and the back office's
 * preview of a form that is not saved). */
static json_t *article_ctx(struct req *r, const struct article *a)
{
	int lv, l = lang_of(a, r->lang, &lv);
	json_t *ctx = page_ctx(r, NULL, "news");

	json_object_set_new(ctx, "title", json_string(a->title[l]));
	json_object_set_new(ctx, "article", article_json(r, a, 1));
	feed_link(r, ctx);
	return ctx;
}

int page_news_article(struct req *r)
{
	struct article *a = NULL;
	long long n = load(r, SQL_PUBLIC_ONE, DB_P(PTEXT(req_param(r, 0)), PINT((long long)time(NULL))), &a, 1);

	if (n < 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (n == 0) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	render(r, 200, "news-article", article_ctx(r, &a[0]));
	return 0;
}

/* ---- the Atom feed (RFC 4287) ---- */

/* Text as XML character data or an attribute value. Form input holds no
 * control characters (form.c) and md_to_html writes valid UTF-8. */
static void xml_text(struct buf *b, const char *s)
{
	html_escape(b, s, strlen(s));
}

static void feed_time(struct buf *b, const char *el, long long t)
{
	char s[WHEN_ISO_LEN];

	when_iso((time_t)(t > 0 ? t : 1), s);
	buf_printf(b, "<%s>%s</%s>\n", el, s, el);
}

int page_news_feed(struct req *r)
{
	static const char *const lc[] = {"lv", "en"};
	long long now = (long long)time(NULL), n, updated = 0;
	int l = r->lang == LANG_EN;
	const char *base = public_base(r), *home = base ? base : "";
	struct article *a = NULL;
	struct buf b = BUF_INIT;
	size_t i;

	n = load(r, SQL_PUBLIC_PAGE, DB_P(PINT(now), PINT(l), PINT(NEWS_FEED), PINT(0)), &a, NEWS_FEED);
	if (n < 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	for (i = 0; i < (size_t)n; i++) {
		long long t = a[i].updated_at > a[i].publish_at ? a[i].updated_at : a[i].publish_at;

		if (t > updated)
			updated = t;
	}
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
	buf_printf(&b, "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"%s\">\n", lc[l]);
	/* ids do not depend on the portal's address, which may change */
	buf_printf(&b, "<id>urn:epak:news:%s</id>\n<title>", lc[l]);
	xml_text(&b, i18n_tr(r->lang, N_("News — The State is on the Internet")));
	buf_puts(&b, "</title>\n");
	feed_time(&b, "updated", updated ? updated : now);
	buf_printf(&b, "<link rel=\"self\" type=\"application/atom+xml\" href=\"%s%s/jaunumi/atom.xml\"/>\n", home,
		   l ? "/en" : "");
	buf_printf(&b, "<link rel=\"alternate\" type=\"text/html\" href=\"%s%s/jaunumi\"/>\n", home, l ? "/en" : "");
	buf_puts(&b, "<author><name>");
	xml_text(&b, i18n_tr(r->lang, N_("The State is on the Internet")));
	buf_puts(&b, "</name></author>\n");
	for (i = 0; i < (size_t)n; i++) {
		const struct article *x = &a[i];
		long long t = x->updated_at > x->publish_at ? x->updated_at : x->publish_at;
		const char *html;

		buf_printf(&b, "<entry>\n<id>urn:epak:news:%s:%lld</id>\n<title type=\"text\">", lc[l], x->id);
		xml_text(&b, x->title[l]);
		buf_puts(&b, "</title>\n");
		buf_printf(&b, "<link rel=\"alternate\" type=\"text/html\" href=\"%s%s/jaunumi/", home, l ? "/en" : "");
		xml_text(&b, x->slug);
		buf_puts(&b, "\"/>\n");
		feed_time(&b, "published", x->publish_at);
		feed_time(&b, "updated", t);
		if (*x->summary[l]) {
			struct buf s = BUF_INIT;

			if (md_to_text(&s, x->summary[l], strlen(x->summary[l]), 0) == 0) {
				buf_puts(&b, "<summary type=\"text\">");
				buf_putc(&s, '\0');
				xml_text(&b, s.data);
				buf_puts(&b, "</summary>\n");
			}
			buf_free(&s);
		}
		/* the HTML the page shows, escaped (type="html") */
		html = md_html(r, x->body[l], 1);
		buf_puts(&b, "<content type=\"html\">");
		xml_text(&b, html);
		buf_puts(&b, "</content>\n</entry>\n");
	}
	buf_puts(&b, "</feed>\n");
	resp_send_buf(r, 200, "application/atom+xml; charset=utf-8", &b, 0);
	return 0;
}

/* ---- the back office ---- */

static const char *const news_actions[] = {"save",    "schedule",   "publish", "unpublish",
					   "preview", "preview-en", "edit",    NULL};
enum {
	NF_SLUG,
	NF_TITLE_LV,
	NF_SUMMARY_LV,
	NF_BODY_LV,
	NF_TITLE_EN,
	NF_SUMMARY_EN,
	NF_BODY_EN,
	NF_DATE,
	NF_TIME,
	NF_VERSION,
	NF_ACTION
};
static const struct field news_fields[] = {
    FIELD_SLUG("slug", OPTIONAL, 3, 80, N_("Address")),
    FIELD_TEXT("title_lv", REQUIRED, 1, NEWS_TITLE_MAX, N_("Title in Latvian")),
    FIELD_TEXTAREA("summary_lv", OPTIONAL, 0, NEWS_SUMMARY_MAX, N_("Summary in Latvian")),
    FIELD_TEXTAREA("body_lv", REQUIRED, 1, NEWS_BODY_MAX, N_("Text in Latvian")),
    FIELD_TEXT("title_en", OPTIONAL, 0, NEWS_TITLE_MAX, N_("Title in English")),
    FIELD_TEXTAREA("summary_en", OPTIONAL, 0, NEWS_SUMMARY_MAX, N_("Summary in English")),
    FIELD_TEXTAREA("body_en", OPTIONAL, 0, NEWS_BODY_MAX, N_("Text in English")),
    FIELD_DATE("date", OPTIONAL, N_("Publication date")),
    FIELD_TIME("time", OPTIONAL, N_("Publication time")),
    FIELD_NUMBER("version", NULL, 0, 999999999, N_("Version")),
    FIELD_CHOICE("action", REQUIRED, news_actions, N_("Action")),
    FIELD_END};

/* Addresses other /jaunumi/ pages use or may use (the newsletter's
 * /jaunumi/abonet; atom.xml cannot be a slug: no dots). */
static const char *const reserved_slugs[] = {"abonet", "atom", "rss", "feed", "jauns", "lapa", "meklet", NULL};

static const char *state_label(const char *state, long long publish_at)
{
	if (!strcmp(state, "draft"))
		return N_("Draft");
	if (!strcmp(state, "scheduled") && publish_at > (long long)time(NULL))
		return N_("Scheduled");
	return N_("Published");
}

static const char SQL_OFFICE_LIST[] = "SELECT " ARTICLE_COLS " FROM news_article ORDER BY updated_at DESC, id DESC "
				      "LIMIT $1";

int page_office_news(struct req *r)
{
	struct article *a = NULL;
	long long n;
	json_t *ctx, *list;
	size_t i;

	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	n = load(r, SQL_OFFICE_LIST, DB_P(PINT(NEWS_OFFICE_LIST)), &a, NEWS_OFFICE_LIST);
	if (n < 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	ctx = page_ctx(r, N_("News"), "office");
	list = json_array();
	for (i = 0; i < (size_t)n; i++)
		json_array_append_new(
		    list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)a[i].id, "title", a[i].title[0],
				    "state", i18n_tr(r->lang, state_label(a[i].state, a[i].publish_at)), "when",
				    a[i].publish_at ? page_when(r, a[i].publish_at) : "", "updated",
				    page_when(r, a[i].updated_at), "en", *a[i].title[1] != 0));
	json_object_set_new(ctx, "articles", list);
	if (req_query(r, "saglabats"))
		json_object_set_new(ctx, "saved", json_true());
	render_flags(r, 200, "office-news", ctx, RESP_NO_STORE);
	return 0;
}

/* The editor's page: the form f (values and messages), the stored article
 * (NULL: a new one), a message (msgid) at the top. */
static void edit_page(struct req *r, int status, const struct form *f, const struct article *a, const char *problem,
		      int saved)
{
	json_t *ctx = page_ctx(r, a ? N_("Edit the article") : N_("New article"), "office");

	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	form_to_ctx(r, news_fields, f, ctx);
	json_object_set_new(ctx, "has_errors", json_boolean(f->nerrors > 0));
	json_object_set_new(ctx, "body_max", json_integer(NEWS_BODY_MAX));
	json_object_set_new(ctx, "title_max", json_integer(NEWS_TITLE_MAX));
	json_object_set_new(ctx, "summary_max", json_integer(NEWS_SUMMARY_MAX));
	if (a) {
		int visible = strcmp(a->state, "draft") != 0;

		json_object_set_new(ctx, "edit", json_true());
		json_object_set_new(ctx, "id", json_integer(a->id));
		json_object_set_new(ctx, "slug", json_string(a->slug));
		json_object_set_new(ctx, "version", json_integer(a->version));
		json_object_set_new(ctx, "state", json_string(i18n_tr(r->lang, state_label(a->state, a->publish_at))));
		if (a->publish_at && visible)
			json_object_set_new(ctx, "publish_at", json_string(page_when(r, a->publish_at)));
		if (visible)
			json_object_set_new(ctx, "can_unpublish", json_true());
		if (visible && a->publish_at <= (long long)time(NULL))
			json_object_set_new(ctx, "public_url",
					    json_string(prefixed(r, arena_printf(r->arena, "/jaunumi/%s", a->slug))));
	} else {
		json_object_set_new(ctx, "new", json_true());
	}
	if (problem)
		json_object_set_new(ctx, "problem", json_string(i18n_tr(r->lang, problem)));
	if (saved)
		json_object_set_new(ctx, "saved", json_true());
	render_flags(r, status, "office-news-edit", ctx, RESP_NO_STORE);
}

/* A form holding the stored article (for the first view of the editor). */
static void form_of(struct req *r, const struct article *a, struct form *f)
{
	memset(f, 0, sizeof(*f));
	f->value[NF_SLUG] = a ? a->slug : "";
	f->value[NF_TITLE_LV] = a ? a->title[0] : "";
	f->value[NF_SUMMARY_LV] = a ? a->summary[0] : "";
	f->value[NF_BODY_LV] = a ? a->body[0] : "";
	f->value[NF_TITLE_EN] = a ? a->title[1] : "";
	f->value[NF_SUMMARY_EN] = a ? a->summary[1] : "";
	f->value[NF_BODY_EN] = a ? a->body[1] : "";
	f->value[NF_DATE] = "";
	f->value[NF_TIME] = "";
	f->value[NF_VERSION] = a ? arena_printf(r->arena, "%lld", a->version) : "0";
	f->value[NF_ACTION] = "";
	if (a && !strcmp(a->state, "scheduled") && a->publish_at > (long long)time(NULL)) {
		time_t t = (time_t)(a->publish_at + when_riga_offset((time_t)a->publish_at));
		struct tm tm;

		gmtime_r(&t, &tm);
		f->value[NF_DATE] =
		    arena_printf(r->arena, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		f->value[NF_TIME] = arena_printf(r->arena, "%02d:%02d", tm.tm_hour, tm.tm_min);
	}
}

static const char SQL_OFFICE_ONE[] = "SELECT " ARTICLE_COLS " FROM news_article WHERE id = $1";

/* The article of the path's {id}: 0, 1 when there is none (404 sent), -1
 * on a database error (503 sent). */
static int office_article(struct req *r, struct article **a)
{
	const char *p = req_param(r, 0);
	long long id = 0, n;
	char *end;

	if (p && *p && strspn(p, "0123456789") == strlen(p) && strlen(p) <= 15)
		id = strtoll(p, &end, 10);
	if (!id) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 1;
	}
	n = load(r, SQL_OFFICE_ONE, DB_P(PINT(id)), a, 1);
	if (n < 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	if (n == 0) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 1;
	}
	return 0;
}

int page_office_news_new(struct req *r)
{
	struct form f;

	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	form_of(r, NULL, &f);
	edit_page(r, 200, &f, NULL, NULL, 0);
	return 0;
}

int page_office_news_edit(struct req *r)
{
	struct article *a;
	struct form f;

	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	if (office_article(r, &a) != 0)
		return 0;
	form_of(r, a, &f);
	edit_page(r, 200, &f, a, NULL, req_query(r, "saglabats") != NULL);
	return 0;
}

struct save_job {
	const struct form *f;
	const struct article *old; /* NULL: a new article */
	const char *state;
	long long publish_at, now, account;
	long long id; /* out: the article's id */
	int taken;    /* out: the slug is another article's */
	int conflict; /* out: someone saved a newer version */
	int bumped;   /* out: content_revision moved */
};

static const char SQL_SLUG_TAKEN[] = "SELECT COUNT(*) FROM news_article WHERE slug = $1";
static const char SQL_INSERT[] =
    "INSERT INTO news_article (slug, title_lv, summary_lv, body_lv, title_en, summary_en, body_en, state, "
    "publish_at, version, created_at, created_by, updated_at, updated_by) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $10, $11) RETURNING id";
static const char SQL_UPDATE[] =
    "UPDATE news_article SET title_lv = $1, summary_lv = $2, body_lv = $3, title_en = $4, summary_en = $5, "
    "body_en = $6, state = $7, publish_at = $8, version = version + 1, updated_at = $9, updated_by = $10 "
    "WHERE id = $11 AND version = $12";

static int id_row(void *cls, const struct db_row *row)
{
	*(long long *)cls = row_int(row, 0);
	return 0;
}

static int save_tx(struct db *db, void *cls)
{
	struct save_job *j = cls;
	const struct form *f = j->f;
	long long n = 0;
	int rc;

	j->taken = j->conflict = j->bumped = 0;
	if (!j->old) {
		rc = db_query_int(db, SQL_SLUG_TAKEN, DB_P(PTEXT(f->value[NF_SLUG])), &n);
		if (rc != DB_OK)
			return rc;
		if (n) {
			j->taken = 1;
			return 1;
		}
		rc = db_query(db, SQL_INSERT,
			      DB_P(PTEXT(f->value[NF_SLUG]), PTEXT(f->value[NF_TITLE_LV]),
				   PTEXT(f->value[NF_SUMMARY_LV]), PTEXT(f->value[NF_BODY_LV]),
				   PTEXT(f->value[NF_TITLE_EN]), PTEXT(f->value[NF_SUMMARY_EN]),
				   PTEXT(f->value[NF_BODY_EN]), PTEXT(j->state), PINT(j->publish_at), PINT(j->now),
				   PINT(j->account)),
			      id_row, &j->id);
		if (rc != DB_OK)
			return rc;
	} else {
		rc = db_exec(db, SQL_UPDATE,
			     DB_P(PTEXT(f->value[NF_TITLE_LV]), PTEXT(f->value[NF_SUMMARY_LV]),
				  PTEXT(f->value[NF_BODY_LV]), PTEXT(f->value[NF_TITLE_EN]),
				  PTEXT(f->value[NF_SUMMARY_EN]), PTEXT(f->value[NF_BODY_EN]), PTEXT(j->state),
				  PINT(j->publish_at), PINT(j->now), PINT(j->account), PINT(j->old->id),
				  PINT((long long)f->number[NF_VERSION])),
			     &n);
		if (rc != DB_OK)
			return rc;
		if (n != 1) {
			j->conflict = 1;
			return 1;
		}
		j->id = j->old->id;
	}
	/* published content changes: the public pages and the search follow */
	if (strcmp(j->state, "draft") != 0 || (j->old && strcmp(j->old->state, "draft") != 0)) {
		rc = db_exec(db, SQL_CONTENT_BUMP, DB_NOP, NULL);
		if (rc != DB_OK)
			return rc;
		j->bumped = 1;
	}
	return 0;
}

/* The preview: the form's article rendered as the public page shows it,
 * in the page's language or, for "preview-en", in English; not indexed. */
static void preview(struct req *r, const struct form *f, const struct article *old, int english)
{
	struct article a = {0};
	json_t *ctx, *back;
	const char *back_url;
	int i;

	a.slug = old ? old->slug : (*f->value[NF_SLUG] ? f->value[NF_SLUG] : "esiet");
	a.title[0] = f->value[NF_TITLE_LV];
	a.summary[0] = f->value[NF_SUMMARY_LV];
	a.body[0] = f->value[NF_BODY_LV];
	a.title[1] = f->value[NF_TITLE_EN];
	a.summary[1] = f->value[NF_SUMMARY_EN];
	a.body[1] = f->value[NF_BODY_EN];
	a.state = "published";
	a.publish_at = old && old->publish_at ? old->publish_at : (long long)time(NULL);
	/* "back to the editor" posts the form again, as it was (the browser's
	 * Back button cannot return to a page that answered a POST) */
	back = json_array();
	for (i = 0; news_fields[i].name; i++)
		if (i != NF_ACTION)
			json_array_append_new(back, json_pack("{s:s, s:s}", "name", news_fields[i].name, "value",
							      f->value[i] ? f->value[i] : ""));
	back_url = prefixed(r, old ? arena_printf(r->arena, "/birojs/jaunumi/%lld", old->id) : "/birojs/jaunumi/jauns");
	r->lang = english ? LANG_EN : LANG_LV; /* the page as that language's reader gets it */
	ctx = article_ctx(r, &a);
	json_object_set_new(ctx, "news_preview", json_true());
	json_object_set_new(ctx, "back_fields", back);
	json_object_set_new(ctx, "back_url", json_string(back_url));
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	json_object_set_new(ctx, "noindex", json_true());
	render_flags(r, 200, "news-article", ctx, RESP_NO_STORE);
}

/* Validates, then saves the form as asked (or previews it). */
static void save(struct req *r, const struct article *old)
{
	struct form f;
	struct save_job j = {0};
	const struct person *p = auth_person(r);
	const char *action, *audit, *problem = NULL;
	long long now = (long long)time(NULL), when = 0;
	int i, rc;

	form_validate(r, news_fields, &f); /* the messages are counted again below */
	action = f.error[NF_ACTION] ? "save" : f.value[NF_ACTION];
	if (old) {
		f.value[NF_SLUG] = old->slug; /* fixed once made */
		f.error[NF_SLUG] = NULL;
	} else if (!f.error[NF_SLUG]) {
		if (!*f.value[NF_SLUG])
			f.error[NF_SLUG] = i18n_tr(r->lang, N_("This field is required."));
		for (i = 0; reserved_slugs[i] && !f.error[NF_SLUG]; i++)
			if (!strcmp(f.value[NF_SLUG], reserved_slugs[i]))
				f.error[NF_SLUG] = i18n_tr(
				    r->lang, N_("This address is reserved for another page; please choose another."));
	}
	if (*f.value[NF_TITLE_EN] && !*f.value[NF_BODY_EN] && !f.error[NF_BODY_EN])
		f.error[NF_BODY_EN] =
		    i18n_tr(r->lang, N_("Write the English text too, or leave the English title empty "
					"(then the article is in Latvian only)."));
	if (!*f.value[NF_TITLE_EN] && (*f.value[NF_BODY_EN] || *f.value[NF_SUMMARY_EN]) && !f.error[NF_TITLE_EN])
		f.error[NF_TITLE_EN] = i18n_tr(r->lang, N_("An English text needs an English title."));
	for (i = NF_SUMMARY_LV; i <= NF_BODY_EN; i++)
		if (!f.error[i] && strlen(f.value[i]) > MD_MAX_BYTES)
			f.error[i] = i18n_tr(r->lang, N_("This text is too long."));
	if (!strcmp(action, "schedule")) {
		if (!*f.value[NF_DATE] && !f.error[NF_DATE])
			f.error[NF_DATE] = i18n_tr(r->lang, N_("Give the date and time of publication."));
		if (!*f.value[NF_TIME] && !f.error[NF_TIME])
			f.error[NF_TIME] = i18n_tr(r->lang, N_("Give the date and time of publication."));
		if (!f.error[NF_DATE] && !f.error[NF_TIME]) {
			when = when_riga_parse(f.value[NF_DATE], f.value[NF_TIME]);
			if (when <= now)
				f.error[NF_DATE] = i18n_tr(r->lang, N_("Choose a time in the future, or publish now."));
		}
	}
	f.nerrors = 0;
	for (i = 0; news_fields[i].name; i++)
		f.nerrors += f.error[i] != NULL;
	if (f.nerrors > 0) {
		edit_page(r, 422, &f, old, NULL, 0);
		return;
	}
	if (!strcmp(action, "edit")) { /* back from the preview */
		edit_page(r, 200, &f, old, NULL, 0);
		return;
	}
	if (!strcmp(action, "preview") || !strcmp(action, "preview-en")) {
		preview(r, &f, old, !strcmp(action, "preview-en"));
		return;
	}
	if (office_save_budget(r) != 0)
		return;
	j.f = &f;
	j.old = old;
	j.now = now;
	j.account = p ? p->account : 0;
	if (!strcmp(action, "publish")) {
		j.state = "published";
		/* an article already out keeps its date; a new one is out now */
		j.publish_at =
		    old && strcmp(old->state, "draft") != 0 && old->publish_at <= now ? old->publish_at : now;
		audit = "news-published";
	} else if (!strcmp(action, "schedule")) {
		j.state = "scheduled";
		j.publish_at = when;
		audit = "news-scheduled";
	} else if (!strcmp(action, "unpublish")) {
		j.state = "draft";
		j.publish_at = 0;
		audit = "news-unpublished";
	} else { /* save: keeps the state it has */
		j.state = old ? old->state : "draft";
		j.publish_at = old ? old->publish_at : 0;
		audit = old ? "news-saved" : "news-created";
	}
	rc = db_tx(app_db(r), save_tx, &j);
	if (rc < 0) {
		log_error("news: save: %s", db_errmsg(app_db(r)));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	if (j.taken) {
		f.error[NF_SLUG] = i18n_tr(r->lang, N_("Another article has this address; please choose another."));
		f.nerrors = 1;
		edit_page(r, 422, &f, old, NULL, 0);
		return;
	}
	if (j.conflict) {
		struct article *now_a;
		struct form nf;

		problem = N_("Someone else saved this article after you opened it. Below is what is saved now; "
			     "please make your change again.");
		if (load(r, SQL_OFFICE_ONE, DB_P(PINT(old->id)), &now_a, 1) != 1) {
			resp_error(r, ERR_NOT_FOUND, NULL);
			return;
		}
		form_of(r, now_a, &nf);
		edit_page(r, 409, &nf, now_a, problem, 0);
		return;
	}
	if (j.bumped)
		content_changed((struct app *)app_of(r));
	auth_audit(r, 0, audit, "", 1, arena_printf(r->arena, "news=%lld slug=%s", j.id, f.value[NF_SLUG]));
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/birojs/jaunumi/%lld?saglabats=1", j.id)));
}

int form_office_news_new(struct req *r)
{
	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	if (!app_db(r)) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	save(r, NULL);
	return 0;
}

int form_office_news_save(struct req *r)
{
	struct article *a;

	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	if (office_article(r, &a) != 0)
		return 0;
	save(r, a);
	return 0;
}
