/* facts.c — see facts.h. */
#include "web/facts.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/url.h"
#include "core/when.h"
#include "store/db.h"
#include "tmpl/markdown.h"
#include "web/app.h"
#include "web/content.h"

static struct {
	pthread_mutex_t lock;
	json_t *by_lang[LANG__COUNT]; /* owned; NULL before the first load */
	long long revision;           /* content revision they were read at */
	int asking;                   /* a request is reading them now */
	int stale;                    /* facts_stale() since */
} facts = {PTHREAD_MUTEX_INITIALIZER, {NULL, NULL}, -1, 0, 1};

void facts_stale(void)
{
	pthread_mutex_lock(&facts.lock);
	facts.stale = 1;
	pthread_mutex_unlock(&facts.lock);
}

int url_fact(const char *slug)
{
	size_t n = strlen(slug);

	return n > 4 && !strcmp(slug + n - 4, "_url");
}

/* A short Markdown text as inline HTML: one paragraph loses its <p>. */
static json_t *inline_html(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *out;

	if (md_to_html(&b, s, strlen(s), 1) != 0) {
		buf_free(&b);
		return json_string("");
	}
	while (b.len && b.data[b.len - 1] == '\n')
		b.len--;
	if (b.len >= 7 && !memcmp(b.data, "<p>", 3) && !memcmp(b.data + b.len - 4, "</p>", 4) &&
	    !memmem(b.data + 3, b.len - 7, "<p>", 3))
		out = json_stringn(b.data + 3, b.len - 7);
	else
		out = json_stringn(b.data ? b.data : "", b.len);
	buf_free(&b);
	return out ? out : json_string("");
}

static void put(json_t *all, enum lang lang, const struct db_row *row)
{
	const char *lv = row_text(row, 1), *en = row_text(row, 2);
	const char *value = lang == LANG_EN && *en ? en : lv;
	const char *checked = row_isnull(row, 4) ? "" : row_text(row, 4);
	char day[WHEN_LEN];
	json_t *o = json_object();

	when_date_text(checked, lang, day);
	if (url_fact(row_text(row, 0)) && *value && !url_http_ok(value))
		value = ""; /* the templates put it into href="…" */
	json_object_set_new(o, "value", json_string(value));
	json_object_set_new(o, "html", inline_html(value));
	if (lang == LANG_EN && !*en && *lv)
		json_object_set_new(o, "lv", json_true());
	if (!strncmp(value, "https://", 8) || !strncmp(value, "http://", 7)) { /* a link: its text without the scheme */
		const char *t = strstr(value, "://") + 3;
		size_t n = strlen(t);

		json_object_set_new(o, "link_text", json_stringn(t, n && t[n - 1] == '/' ? n - 1 : n));
	}
	json_object_set_new(o, "source_url", json_string(row_text(row, 3)));
	json_object_set_new(o, "checked_on", json_string(day));
	json_object_set_new(o, "checked", json_boolean(*day != '\0'));
	json_object_set_new(all, row_text(row, 0), o);
}

static int fact_row(void *cls, const struct db_row *row)
{
	json_t **by_lang = cls;

	put(by_lang[LANG_LV], LANG_LV, row);
	put(by_lang[LANG_EN], LANG_EN, row);
	return 0;
}

/* Reads the facts and the revision they are at. 0, or -1 on error. */
static int load(struct db *db, long long *rev, json_t *by_lang[LANG__COUNT])
{
	if (db_query_int(db, "SELECT value FROM content_revision WHERE id = 1", DB_NOP, rev) != DB_OK)
		return -1;
	by_lang[LANG_LV] = json_object();
	by_lang[LANG_EN] = json_object();
	if (db_query(db, "SELECT slug, value_lv, value_en, source_url, checked_on FROM fact ORDER BY position, slug",
		     DB_NOP, fact_row, by_lang) != DB_OK) {
		json_decref(by_lang[LANG_LV]);
		json_decref(by_lang[LANG_EN]);
		return -1;
	}
	return 0;
}

void facts_ctx(struct req *r, json_t *ctx)
{
	json_t *fresh[LANG__COUNT] = {NULL, NULL}, *old[LANG__COUNT] = {NULL, NULL}, *mine;
	struct db *db;
	long long rev = -1;
	int ask, l;

	pthread_mutex_lock(&facts.lock);
	ask = !facts.asking && (facts.stale || !facts.by_lang[LANG_LV]);
	if (ask) {
		facts.asking = 1;
		facts.stale = 0;
	}
	pthread_mutex_unlock(&facts.lock);

	if (ask) {
		db = r->worker ? app_db(r) : NULL;
		if (!db || load(db, &rev, fresh) != 0) {
			log_warn("facts: %s", db ? db_errmsg(db) : "no database");
			pthread_mutex_lock(&facts.lock);
			facts.asking = 0;
			facts.stale = 1; /* again on the next page */
			pthread_mutex_unlock(&facts.lock);
		} else {
			pthread_mutex_lock(&facts.lock);
			facts.asking = 0;
			for (l = 0; l < LANG__COUNT; l++) {
				old[l] = facts.by_lang[l];
				facts.by_lang[l] = fresh[l];
			}
			facts.revision = rev;
			pthread_mutex_unlock(&facts.lock);
			for (l = 0; l < LANG__COUNT; l++)
				json_decref(old[l]);
		}
	}
	pthread_mutex_lock(&facts.lock);
	mine = facts.by_lang[r->lang] ? json_deep_copy(facts.by_lang[r->lang]) : json_object();
	pthread_mutex_unlock(&facts.lock);
	json_object_set_new(ctx, "facts", mine ? mine : json_object());
}
