/* facts.c — see facts.h. */
#include "web/facts.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/when.h"
#include "store/db.h"
#include "tmpl/markdown.h"
#include "web/app.h"
#include "web/content.h"

static struct {
	pthread_mutex_t lock;
	json_t *by_lang[LANG__COUNT]; /* owned; NULL before the first load */
	long long revision;           /* content revision they were read at */
	long long asked_ms;           /* when the revision was last asked */
	int asking;                   /* a request is asking now */
	int stale;                    /* facts_stale() since */
} facts = {PTHREAD_MUTEX_INITIALIZER, {NULL, NULL}, -1, 0, 0, 1};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void facts_stale(void)
{
	pthread_mutex_lock(&facts.lock);
	facts.stale = 1;
	pthread_mutex_unlock(&facts.lock);
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
	json_object_set_new(o, "value", json_string(value));
	json_object_set_new(o, "html", inline_html(value));
	if (lang == LANG_EN && !*en && *lv)
		json_object_set_new(o, "lv", json_true());
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

/* Reads the revision and, when it moved (or force), the facts. 1 when new
 * facts are in by_lang, 0 when nothing changed, -1 on error. */
static int load(struct db *db, long long have, int force, long long *rev, json_t *by_lang[LANG__COUNT])
{
	if (db_query_int(db, "SELECT value FROM content_revision WHERE id = 1", DB_NOP, rev) != DB_OK)
		return -1;
	if (!force && *rev == have)
		return 0;
	by_lang[LANG_LV] = json_object();
	by_lang[LANG_EN] = json_object();
	if (db_query(db, "SELECT slug, value_lv, value_en, source_url, checked_on FROM fact ORDER BY position, slug",
		     DB_NOP, fact_row, by_lang) != DB_OK) {
		json_decref(by_lang[LANG_LV]);
		json_decref(by_lang[LANG_EN]);
		return -1;
	}
	return 1;
}

void facts_ctx(struct req *r, json_t *ctx)
{
	long long t = now_ms(), rev = -1, have;
	json_t *fresh[LANG__COUNT] = {NULL, NULL}, *old[LANG__COUNT] = {NULL, NULL}, *mine;
	struct db *db;
	int ask, force, rc = 0, moved = 0, l;

	pthread_mutex_lock(&facts.lock);
	ask = !facts.asking && (facts.stale || !facts.by_lang[LANG_LV] || t - facts.asked_ms >= 1000);
	force = facts.stale || !facts.by_lang[LANG_LV];
	have = facts.revision;
	if (ask) {
		facts.asking = 1;
		facts.asked_ms = t;
		facts.stale = 0;
	}
	pthread_mutex_unlock(&facts.lock);

	if (ask) {
		db = r->worker ? app_db(r) : NULL;
		rc = db ? load(db, have, force, &rev, fresh) : -1;
		if (rc < 0)
			log_warn("facts: %s", db ? db_errmsg(db) : "no database");
		pthread_mutex_lock(&facts.lock);
		facts.asking = 0;
		if (rc < 0 && force)
			facts.stale = 1; /* try again on the next page */
		if (rc > 0) {
			moved = have >= 0 && rev != have;
			for (l = 0; l < LANG__COUNT; l++) {
				old[l] = facts.by_lang[l];
				facts.by_lang[l] = fresh[l];
			}
			facts.revision = rev;
		} else if (rc == 0) {
			facts.revision = rev;
		}
		pthread_mutex_unlock(&facts.lock);
		for (l = 0; l < LANG__COUNT; l++)
			json_decref(old[l]);
		if (moved) /* another node changed content: this node's cached pages are stale */
			content_changed((struct app *)app_of(r));
	}
	pthread_mutex_lock(&facts.lock);
	mine = facts.by_lang[r->lang] ? json_deep_copy(facts.by_lang[r->lang]) : json_object();
	pthread_mutex_unlock(&facts.lock);
	json_object_set_new(ctx, "facts", mine ? mine : json_object());
}
