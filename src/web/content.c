/* content.c — see content.h. */
#include "web/content.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/when.h"
#include "search/search.h"
#include "store/db.h"
#include "tmpl/markdown.h"
#include "web/app.h"
#include "web/facts.h"
#include "web/catalog_ctx.h"
#include "web/web.h"

#define CONTENT_RESULTS 10     /* secondary results on /meklet */
#define CONTENT_TEXT_MAX 16384 /* bytes of an item's text that are indexed */
#define CONTENT_SNIPPET 240    /* bytes of text shown under a result */
#define CONTENT_RETRY 5        /* seconds between attempts while the database fails */

/* The one content index of the process (app.h lists it). */
static struct {
	pthread_mutex_t lock; /* guards current: held for a pointer swap */
	pthread_mutex_t want_lock;
	pthread_cond_t want_cond; /* signalled by content_changed and content_stop */
	int want;                 /* a rebuild was asked for */
	struct content_set *current;
	struct app *app;
	struct db *db;      /* the thread's own connection */
	long long retry_at; /* after a failure: not before this (unix s) */
	pthread_t thread;
	int running;
	atomic_int stop;
} cs = {
    .lock = PTHREAD_MUTEX_INITIALIZER, .want_lock = PTHREAD_MUTEX_INITIALIZER, .want_cond = PTHREAD_COND_INITIALIZER};

static void set_free(struct content_set *s)
{
	size_t i;
	int l;

	if (!s)
		return;
	search_index_free(s->idx);
	for (i = 0; i < s->n; i++) {
		free(s->items[i].url);
		for (l = 0; l < 2; l++) {
			free(s->items[i].title[l]);
			free(s->items[i].text[l]);
		}
	}
	free(s->items);
	free(s);
}

const struct content_set *content_get(void)
{
	struct content_set *s;

	pthread_mutex_lock(&cs.lock);
	s = cs.current;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&cs.lock);
	return s;
}

void content_put(const struct content_set *cset)
{
	struct content_set *s = (struct content_set *)cset;

	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		set_free(s);
}

void content_changed(struct app *app)
{
	atomic_fetch_add(&app->site.revision, 1);
	pthread_mutex_lock(&cs.want_lock);
	cs.want = 1;
	pthread_cond_signal(&cs.want_cond);
	pthread_mutex_unlock(&cs.want_lock);
}

/* ---- building ---- */

struct build {
	struct content_item *items;
	size_t n, cap;
	int nomem;
};

static char *plain(const char *summary, const char *body)
{
	struct buf b = BUF_INIT;
	char *out;

	if (summary && *summary && md_to_text(&b, summary, strlen(summary), 0) != 0)
		b.len = 0;
	if (body && *body) {
		buf_putc(&b, '\n');
		if (md_to_text(&b, body, strlen(body), 0) != 0)
			return buf_free(&b), strdup("");
	}
	if (b.len > CONTENT_TEXT_MAX) {
		size_t n = CONTENT_TEXT_MAX;

		while (n > 0 && ((unsigned char)b.data[n] & 0xC0) == 0x80)
			n--; /* whole characters */
		b.len = n;
	}
	out = strndup(b.data ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

static struct content_item *add(struct build *b)
{
	struct content_item *it;

	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct content_item *na = realloc(b->items, ncap * sizeof(*na));

		if (!na) {
			b->nomem = 1;
			return NULL;
		}
		b->items = na;
		b->cap = ncap;
	}
	it = &b->items[b->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

/* a followed by b, malloc'd; NULL when out of memory */
static char *join(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = malloc(na + nb + 1);

	if (s) {
		memcpy(s, a, na);
		memcpy(s + na, b, nb + 1);
	}
	return s;
}

static int check_item(struct build *b, struct content_item *it)
{
	if (!it->url || !it->title[0] || !it->title[1] || !it->text[0] || !it->text[1])
		b->nomem = 1;
	return 0;
}

/* id, slug, title_lv, summary_lv, body_lv, title_en, summary_en, body_en, publish_at */
static const char SQL_NEWS[] = "SELECT id, slug, title_lv, summary_lv, body_lv, title_en, summary_en, body_en, "
			       "publish_at FROM news_article WHERE state <> 'draft' AND publish_at <= $1 "
			       "ORDER BY publish_at DESC, id DESC LIMIT 100000";

static int news_row(void *cls, const struct db_row *row)
{
	struct build *b = cls;
	struct content_item *it = add(b);

	if (!it)
		return 1;
	it->kind = CONTENT_NEWS;
	it->url = join("/jaunumi/", row_text(row, 1));
	it->title[0] = strdup(row_text(row, 2));
	it->text[0] = plain(row_text(row, 3), row_text(row, 4));
	it->title[1] = strdup(row_text(row, 5));
	it->text[1] = *row_text(row, 5) ? plain(row_text(row, 6), row_text(row, 7)) : strdup("");
	it->at = row_int(row, 8);
	return check_item(b, it);
}

static const char SQL_FAQ[] = "SELECT slug, question_lv, answer_lv, question_en, answer_en, updated_at "
			      "FROM faq_entry WHERE state = 'published' ORDER BY id LIMIT 100000";

static int faq_row(void *cls, const struct db_row *row)
{
	struct build *b = cls;
	struct content_item *it = add(b);

	if (!it)
		return 1;
	it->kind = CONTENT_FAQ;
	it->url = join("/buj#", row_text(row, 0));
	it->title[0] = strdup(row_text(row, 1));
	it->text[0] = plain(NULL, row_text(row, 2));
	it->title[1] = strdup(row_text(row, 3));
	it->text[1] = *row_text(row, 3) ? plain(NULL, row_text(row, 4)) : strdup("");
	it->at = row_int(row, 5);
	return check_item(b, it);
}

static const char SQL_REV[] = "SELECT value FROM content_revision WHERE id = 1";
static const char SQL_DUE[] = "SELECT MIN(publish_at) FROM news_article WHERE state <> 'draft' AND publish_at > $1";

static struct content_set *build(struct db *db, const struct config *cfg, struct err *err)
{
	struct build b = {0};
	struct content_set *s = calloc(1, sizeof(*s));
	struct search_doc *docs = NULL;
	struct search_config sc = {0};
	long long now = (long long)time(NULL);
	size_t i;
	int l, rc;

	if (!s) {
		err_set(err, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	atomic_init(&s->refs, 1);
	if (db_query_int(db, SQL_REV, DB_NOP, &s->revision) != DB_OK) {
		err_set(err, ERR_UNAVAILABLE, "content revision: %s", db_errmsg(db));
		free(s);
		return NULL;
	}
	rc = db_query_int(db, SQL_DUE, DB_P(PINT(now)), &s->next_due);
	if (rc == DB_ENOROW)
		s->next_due = 0;
	if ((rc != DB_OK && rc != DB_ENOROW) || db_query(db, SQL_NEWS, DB_P(PINT(now)), news_row, &b) != 0 ||
	    db_query(db, SQL_FAQ, DB_NOP, faq_row, &b) != 0 || b.nomem) {
		err_set(err, b.nomem ? ERR_INTERNAL : ERR_UNAVAILABLE, "content: %s",
			b.nomem ? "out of memory" : db_errmsg(db));
		s->items = b.items;
		s->n = b.n;
		set_free(s);
		return NULL;
	}
	s->items = b.items;
	s->n = b.n;
	docs = calloc(s->n ? s->n : 1, sizeof(*docs));
	if (!docs) {
		err_set(err, ERR_INTERNAL, "out of memory");
		set_free(s);
		return NULL;
	}
	for (i = 0; i < s->n; i++) {
		struct content_item *it = &s->items[i];

		docs[i].id = it->url;
		docs[i].url = it->url;
		docs[i].title_lv = it->title[0];
		docs[i].title_en = *it->title[1] ? it->title[1] : NULL;
		docs[i].description_lv = it->text[0];
		docs[i].description_en = *it->text[1] ? it->text[1] : NULL;
		/* news first: the newest come first in items (SQL_NEWS's order) */
		if (it->kind == CONTENT_NEWS)
			for (l = 0; l < 2; l++)
				if (s->nlatest[l] < CONTENT_LATEST && (l == 0 || *it->title[1]))
					s->latest[l][s->nlatest[l]++] = i;
	}
	sc.data_dir = cfg->search_data;
	sc.flags = SEARCH_NO_BEST_BETS; /* editors' best bets name services */
	s->idx = search_index_build(docs, s->n, &sc, err);
	free(docs);
	if (!s->idx) {
		set_free(s);
		return NULL;
	}
	return s;
}

/* Rebuilds and swaps in; the page caches' revision moves after the swap,
 * so no page is cached from the old set under the new revision. */
static int refresh(const char *why)
{
	struct err e = {0};
	struct content_set *fresh, *old;
	long long t0 = now_usec();

	if (!cs.db) {
		cs.db = db_open(cs.app->db_url, &e);
		if (!cs.db) {
			log_warn("content index: %s", e.msg);
			cs.retry_at = (long long)time(NULL) + CONTENT_RETRY;
			return -1;
		}
	}
	fresh = build(cs.db, cs.app->cfg, &e);
	if (!fresh) {
		log_warn("content index not rebuilt (%s): %s", why, e.msg);
		db_close(cs.db); /* a new connection next time */
		cs.db = NULL;
		cs.retry_at = (long long)time(NULL) + CONTENT_RETRY;
		return -1;
	}
	pthread_mutex_lock(&cs.lock);
	old = cs.current;
	cs.current = fresh;
	pthread_mutex_unlock(&cs.lock);
	content_put(old);
	facts_stale(); /* the facts follow the same revision (facts.h) */
	atomic_fetch_add(&cs.app->site.revision, 1);
	log_info("content index: revision %lld (%s), %zu items, built in %lld ms", fresh->revision, why, fresh->n,
		 (now_usec() - t0) / 1000);
	return 0;
}

static void *content_thread(void *arg)
{
	long long rev, now;
	int want, rc;

	(void)arg;
	while (!atomic_load(&cs.stop)) {
		struct timespec until;
		const struct content_set *cur;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_mutex_lock(&cs.want_lock);
		while (!cs.want && !atomic_load(&cs.stop))
			if (pthread_cond_timedwait(&cs.want_cond, &cs.want_lock, &until) != 0)
				break;
		want = cs.want;
		cs.want = 0;
		pthread_mutex_unlock(&cs.want_lock);
		if (atomic_load(&cs.stop))
			break;
		if (want) {
			refresh("changed here");
			continue;
		}
		/* the poll: another node's change, or a scheduled article's time */
		cur = content_get();
		now = (long long)time(NULL);
		if (cur && cur->next_due && cur->next_due <= now) {
			content_put(cur);
			refresh("a scheduled article's time came");
			continue;
		}
		if (!cs.db) {
			content_put(cur);
			if (now >= cs.retry_at) /* not every second while the database is away */
				refresh("reconnecting");
			continue;
		}
		rc = db_query_int(cs.db, SQL_REV, DB_NOP, &rev);
		if (rc != DB_OK) {
			content_put(cur);
			log_warn("content index: %s", db_errmsg(cs.db));
			db_close(cs.db);
			cs.db = NULL;
			continue;
		}
		if (!cur || rev != cur->revision) {
			content_put(cur);
			refresh("revision moved");
			continue;
		}
		content_put(cur);
	}
	return NULL;
}

int content_start(struct app *app, struct err *err)
{
	cs.app = app;
	atomic_store(&cs.stop, 0);
	if (refresh("start") != 0) {
		err_set(err, ERR_INTERNAL, "the content index could not be built (see the log)");
		return -1;
	}
	if (pthread_create(&cs.thread, NULL, content_thread, NULL) != 0) {
		err_set(err, ERR_INTERNAL, "cannot start the content indexer");
		return -1;
	}
	cs.running = 1;
	return 0;
}

void content_stop(void)
{
	struct content_set *s;

	atomic_store(&cs.stop, 1);
	pthread_mutex_lock(&cs.want_lock);
	pthread_cond_signal(&cs.want_cond);
	pthread_mutex_unlock(&cs.want_lock);
	if (cs.running)
		pthread_join(cs.thread, NULL);
	cs.running = 0;
	if (cs.db)
		db_close(cs.db);
	cs.db = NULL;
	pthread_mutex_lock(&cs.lock);
	s = cs.current;
	cs.current = NULL;
	pthread_mutex_unlock(&cs.lock);
	content_put(s);
}

/* ---- what pages show ---- */

static void put_set(void *arg)
{
	content_put(arg);
}

static const struct content_set *borrow(struct req *r)
{
	const struct content_set *s = content_get();

	if (s)
		req_on_done(r, put_set, (void *)s);
	return s;
}

/* The first words of text, whole characters, with "…" when cut. */
static const char *snippet(struct req *r, const char *text)
{
	size_t n = strlen(text);
	const char *nl;

	while (*text == '\n')
		text++, n--;
	if (n <= CONTENT_SNIPPET)
		return text;
	n = CONTENT_SNIPPET;
	while (n > 0 && text[n] != ' ' && text[n] != '\n')
		n--;
	if (!n)
		n = CONTENT_SNIPPET;
	while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
		n--;
	nl = arena_strndup(r->arena, text, n);
	return arena_printf(r->arena, "%s …", nl);
}

void content_search_ctx(struct req *r, const char *q, json_t *ctx)
{
	const struct content_set *s = borrow(r);
	struct search_request sr = {0};
	struct search_results res;
	json_t *list;
	int l = r->lang == LANG_EN;
	size_t i;

	if (!s || !s->n || !q || !*q)
		return;
	sr.q = q;
	sr.limit = CONTENT_RESULTS;
	sr.no_prefix = 1;
	if (search_run(s->idx, &sr, r->arena, &res) != SEARCH_OK || !res.nhits)
		return;
	list = json_array();
	for (i = 0; i < res.nhits; i++) {
		const struct content_item *it = &s->items[res.hits[i].doc];
		int en = l && *it->title[1];
		json_t *o = json_object();

		json_object_set_new(o, "url", json_string(prefixed(r, it->url)));
		json_object_set_new(o, "title", json_string(it->title[en]));
		if (!en && l)
			json_object_set_new(o, "in_lv", json_true()); /* lang="lv" on the title */
		json_object_set_new(o, it->kind == CONTENT_NEWS ? "news" : "faq", json_true());
		json_object_set_new(o, "text", json_string(snippet(r, it->text[en])));
		if (it->kind == CONTENT_NEWS)
			json_object_set_new(o, "at", json_string(page_when(r, it->at)));
		json_array_append_new(list, o);
	}
	json_object_set_new(ctx, "content_results", list);
	json_object_set_new(ctx, "has_content", json_true());
}

void content_home_ctx(struct req *r, json_t *ctx)
{
	const struct content_set *s = borrow(r);
	int l = r->lang == LANG_EN;
	json_t *list;
	size_t i;

	if (!s || !s->nlatest[l])
		return;
	list = json_array();
	for (i = 0; i < s->nlatest[l]; i++) {
		const struct content_item *it = &s->items[s->latest[l][i]];
		char iso[WHEN_ISO_LEN];

		when_iso((time_t)it->at, iso);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "url", prefixed(r, it->url), "title",
						      it->title[l], "at_iso", iso, "at", page_when(r, it->at)));
	}
	json_object_set_new(ctx, "latest_news", list);
	json_object_set_new(ctx, "has_news", json_true());
}
