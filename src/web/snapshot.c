/* snapshot.c — see snapshot.h. */
#include "web/snapshot.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "catalog/jsonld.h"
#include "catalog/model.h"
#include "catalog/store.h"
#include "core/log.h"
#include "links/store.h"
#include "search/docs.h"
#include "search/search.h"
#include "store/db.h"

static struct {
	pthread_mutex_t lock;       /* guards current only: held for a pointer swap */
	pthread_mutex_t build_lock; /* one rebuild at a time; guards db */
	struct snapshot *current;
	struct snapshot_source src;
	void (*on_swap)(void *cls);
	void *cls;
	struct db *db; /* the refresher's own connection */
	pthread_t thread;
	int running;
	atomic_int stop;
} sn = {.lock = PTHREAD_MUTEX_INITIALIZER, .build_lock = PTHREAD_MUTEX_INITIALIZER};

static void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	search_index_free(s->idx); /* first: it borrows from the catalog and urls */
	catalog_free(s->cat);
	free(s->urls);
	while (s->ndead)
		free(s->dead[--s->ndead]);
	free(s->dead);
	free(s);
}

const struct snapshot *snapshot_get(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&sn.lock);
	s = sn.current;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&sn.lock);
	return s;
}

void snapshot_put(const struct snapshot *cs)
{
	struct snapshot *s = (struct snapshot *)cs;

	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		snapshot_free(s);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int snapshot_link_dead(const struct snapshot *s, const char *url)
{
	return url && s->ndead && bsearch(&url, s->dead, s->ndead, sizeof(*s->dead), str_cmp) != NULL;
}

struct dead_list {
	char **v;
	size_t n, cap;
};

static int add_dead(void *cls, const char *url)
{
	struct dead_list *d = cls;
	char **v;

	if (d->n == d->cap) {
		v = realloc(d->v, (d->cap ? d->cap * 2 : 16) * sizeof(*v));
		if (!v)
			return 2;
		d->v = v;
		d->cap = d->cap ? d->cap * 2 : 16;
	}
	d->v[d->n] = strdup(url);
	if (!d->v[d->n])
		return 2;
	d->n++;
	return 0;
}

static struct snapshot *snapshot_build(struct db *db, long long revision, struct err *err)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	struct err ce = {0};
	struct err se = {0};
	struct search_config cfg;
	struct dead_list d = {NULL, 0, 0};
	size_t i;

	if (!s) {
		err_set(err, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->revision = revision;
	s->cat = sn.src.catalog_max_bytes ? catalog_load_max(db, sn.src.catalog_max_bytes, &ce) : catalog_load(db, &ce);
	if (!s->cat) {
		err_set(err, ERR_INTERNAL, "catalog: %.400s", ce.msg);
		goto fail;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.data_dir = sn.src.search_data;
	s->idx = search_index_of_catalog(s->cat, &cfg, &s->urls, &se);
	if (!s->idx) {
		err_set(err, ERR_INTERNAL, "%s", se.msg);
		goto fail;
	}
	for (i = 0; i < s->cat->nservices; i++) {
		const struct service *sv = s->cat->services[i];

		if (sv->e_service == FLAG_YES)
			s->neservices++;
		if (sv->audience & AUDIENCE_CITIZEN)
			s->ncitizen++;
		if (sv->audience & AUDIENCE_BUSINESS)
			s->nbusiness++;
	}
	/* The links the checker found dead (it moves the revision when that
	 * set changes). Without them the pages still work: say so, go on. */
	if (links_dead_urls(db, add_dead, &d) != DB_OK) {
		log_warn("read model: dead links not read: %s", db_errmsg(db));
		while (d.n)
			free(d.v[--d.n]);
	}
	if (d.n)
		qsort(d.v, d.n, sizeof(*d.v), str_cmp);
	s->dead = d.v;
	s->ndead = d.n;
	atomic_store(&s->refs, 1); /* the reference held as "current" */
	return s;
fail:
	snapshot_free(s);
	return NULL;
}

static const char SQL_REVISION[] = "SELECT value FROM revision WHERE id = 1";

/* Editors change synonyms and best bets without a rebuild: the newest
 * modification time of the search data files counts as part of the
 * revision. */
static long long data_mtime(const char *dir)
{
	static const char *const files[] = {"lexicon.tsv", "synonyms.tsv", "best-bets.tsv"};
	char path[1024];
	struct stat st;
	long long newest = 0, t;
	size_t i;

	for (i = 0; dir && i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (stat(path, &st) != 0)
			continue;
		t = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
		if (t > newest)
			newest = t;
	}
	return newest;
}

static long long failed_rev = -1, failed_mtime = -1;

static int refresh(const char *why)
{
	long long rev = -1, cur, cur_mtime, mtime = data_mtime(sn.src.search_data);
	struct snapshot *fresh, *old;
	struct err err = {0};
	struct err de = {0};
	long long t0;
	struct timespec ts;
	int rc = -1;

	pthread_mutex_lock(&sn.build_lock);
	if (!sn.db) {
		sn.db = db_open(sn.src.db_url, &de);
		if (!sn.db) {
			log_error("read model: database: %s", de.msg);
			goto out;
		}
	}
	if (db_query_int(sn.db, SQL_REVISION, DB_NOP, &rev) != DB_OK) {
		log_error("read model: %s", db_errmsg(sn.db));
		goto out;
	}
	pthread_mutex_lock(&sn.lock);
	cur = sn.current ? sn.current->revision : -2;
	cur_mtime = sn.current ? sn.current->data_mtime : -1;
	pthread_mutex_unlock(&sn.lock);
	log_debug("read model: database revision %lld, current %lld", rev, cur);
	if ((cur == rev && cur_mtime == mtime) || (rev == failed_rev && mtime == failed_mtime)) {
		rc = 0; /* current, or this very state already failed: say it once */
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
	fresh = snapshot_build(sn.db, rev, &err);
	if (fresh)
		fresh->data_mtime = mtime;
	if (!fresh) {
		log_error("read model not rebuilt (the previous one keeps serving): %s", err.msg);
		failed_rev = rev;
		failed_mtime = mtime;
		goto out;
	}
	pthread_mutex_lock(&sn.lock);
	old = sn.current;
	sn.current = fresh;
	pthread_mutex_unlock(&sn.lock);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	log_info("read model: revision %lld (%s), %zu services, built in %lld ms", rev, why, fresh->cat->nservices,
		 ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 - t0);
	rc = 1;
	pthread_mutex_unlock(&sn.build_lock);
	snapshot_put(old);
	/* Building parses every record into short-lived JSON between the
	 * catalog's arena chunks and the index's postings: the freed holes
	 * (~80 MB at 100 000 services) would stay resident until reused.
	 * Return them to the kernel (glibc). */
	malloc_trim(0);
	if (sn.on_swap)
		sn.on_swap(sn.cls);
	return rc;
out:
	pthread_mutex_unlock(&sn.build_lock);
	return rc;
}

int snapshot_refresh(void)
{
	return refresh("checked");
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The refresher. On PostgreSQL it listens on a connection of its own and
 * rebuilds as soon as another node (or `epak import`) commits a new
 * revision; it still asks every 30 s in case a notification was lost with
 * a connection. On SQLite, or while the listening connection is down, it
 * asks the database every second. The search data files are looked at every
 * 200 ms either way (a stat each). */
static void *refresher(void *arg)
{
	struct db *ldb = NULL;
	struct err de = {0};
	long long last_check = now_ms(), last_try = 0, t, mtime = data_mtime(sn.src.search_data), m;
	int can_listen = 1, notified, rc;

	(void)arg;
	while (!atomic_load(&sn.stop)) {
		t = now_ms();
		if (!ldb && can_listen && t - last_try >= 5000) {
			last_try = t;
			err_clear(&de); /* each attempt says why it failed */
			ldb = db_open(sn.src.db_url, &de);
			rc = ldb ? db_listen_revision(ldb) : DB_ERROR;
			if (rc != DB_OK) {
				can_listen = rc != DB_ENOROW;
				if (rc != DB_ENOROW)
					log_warn("read model: not listening for changes (%s); asking every second",
						 ldb ? db_errmsg(ldb) : de.msg);
				if (ldb)
					db_close(ldb);
				ldb = NULL;
			}
		}
		notified = 0;
		if (ldb) {
			rc = db_wait_revision(ldb, 200);
			if (rc < 0) {
				log_warn("read model: listening connection lost (%s); asking every second",
					 db_errmsg(ldb));
				db_close(ldb);
				ldb = NULL;
			}
			notified = rc > 0;
		} else {
			struct timespec d = {0, 200 * 1000000L};

			nanosleep(&d, NULL);
		}
		if (atomic_load(&sn.stop))
			break;
		t = now_ms();
		m = data_mtime(sn.src.search_data);
		if (notified || m != mtime || t - last_check >= (ldb ? 30000 : 1000)) {
			refresh(notified ? "notified" : m != mtime ? "search data changed" : "checked");
			mtime = m;
			last_check = t;
		}
	}
	if (ldb)
		db_close(ldb);
	return NULL;
}

int snapshot_start(const struct snapshot_source *src, void (*on_swap)(void *cls), void *cls, struct err *err)
{
	sn.src = *src;
	sn.on_swap = on_swap;
	sn.cls = cls;
	atomic_store(&sn.stop, 0);
	if (refresh("start") < 0 || !sn.current) {
		err_set(err, ERR_INTERNAL, "the read model could not be built (see the log)");
		return -1;
	}
	if (pthread_create(&sn.thread, NULL, refresher, NULL) != 0) {
		err_set(err, ERR_INTERNAL, "cannot start the read-model refresher");
		return -1;
	}
	sn.running = 1;
	return 0;
}

void snapshot_stop(void)
{
	struct snapshot *s;

	atomic_store(&sn.stop, 1);
	if (sn.running)
		pthread_join(sn.thread, NULL);
	sn.running = 0;
	pthread_mutex_lock(&sn.build_lock);
	pthread_mutex_lock(&sn.lock);
	s = sn.current;
	sn.current = NULL;
	pthread_mutex_unlock(&sn.lock);
	if (sn.db)
		db_close(sn.db);
	sn.db = NULL;
	pthread_mutex_unlock(&sn.build_lock);
	snapshot_put(s);
}
