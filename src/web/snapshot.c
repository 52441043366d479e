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
#include "web/search_data.h"

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
	/* the builder: whole rebuilds after an overlay was swapped in */
	pthread_t builder;
	int builder_running;
	pthread_mutex_t want_lock;
	pthread_cond_t want_cond;
	int want_full;
	struct db *bdb; /* the builder's own connection */
	atomic_llong overlays;
	/* for metrics (snapshot_metrics) */
	atomic_llong build_ms; /* the last swap's build time */
	atomic_llong built_at; /* when it was swapped in, unix seconds */
	atomic_llong revision; /* of the current snapshot; -2 before the first */
} sn = {.lock = PTHREAD_MUTEX_INITIALIZER,
	.build_lock = PTHREAD_MUTEX_INITIALIZER,
	.want_lock = PTHREAD_MUTEX_INITIALIZER,
	.want_cond = PTHREAD_COND_INITIALIZER};

void snapshot_put(const struct snapshot *cs);

static void snapshot_free(struct snapshot *s)
{
	size_t i;

	if (!s)
		return;
	if (s->base) {
		catalog_free(s->overlay);
		for (i = 0; i < s->ngone; i++)
			free(s->gone[i]);
		free(s->gone);
		snapshot_put(s->base);
		free(s);
		return;
	}
	search_index_free(s->idx); /* first: it borrows from the catalog and urls */
	catalog_free(s->cat);
	free(s->urls);
	while (s->ndead)
		free(s->dead[--s->ndead]);
	free(s->dead);
	free(s);
}

static int gone_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

const struct service *snapshot_service(const struct snapshot *s, const char *slug, const struct catalog **in)
{
	const struct service *sv = NULL;
	const char *iri;

	if (in)
		*in = s->cat;
	if (s->overlay) {
		sv = catalog_service(s->overlay, slug);
		if (sv) {
			if (in)
				*in = s->overlay;
			return sv;
		}
	}
	sv = catalog_service(s->cat, slug);
	if (!sv || !s->base)
		return sv;
	/* a service that changed its slug, or was withdrawn, since the base */
	if (sv->iri && s->overlay && catalog_service_by_iri(s->overlay, sv->iri))
		return NULL;
	iri = sv->iri;
	if (iri && s->ngone && bsearch(&iri, s->gone, s->ngone, sizeof(*s->gone), gone_cmp))
		return NULL;
	return sv;
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
	struct search_edits edits;
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
	/* the editors' versions (back office) win over the files */
	if (search_edits_load(db, &edits) != DB_OK) {
		err_set(err, ERR_INTERNAL, "search data: %s", db_errmsg(db));
		goto fail;
	}
	search_edits_apply(&edits, &cfg);
	s->idx = search_index_of_catalog(s->cat, &cfg, &s->urls, &se);
	search_edits_free(&edits);
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

/* A snapshot laying the back office's changes since base over it, or NULL
 * when a whole rebuild is needed (*why says whether that is an error). */
static struct snapshot *overlay_build(struct db *db, struct snapshot *cur, struct err *err)
{
	struct snapshot *base = (struct snapshot *)(cur->base ? cur->base : cur), *s;
	struct catalog_changes ch = {0};

	if (catalog_load_changes(db, base->revision, &ch, err) != 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		catalog_changes_free(&ch);
		err_set(err, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	*s = *base;
	atomic_store(&s->refs, 1);
	atomic_fetch_add(&base->refs, 1);
	s->base = base;
	s->revision = ch.revision;
	s->overlay = ch.cat;
	s->gone = ch.gone;
	s->ngone = ch.ngone;
	if (s->ngone)
		qsort(s->gone, s->ngone, sizeof(*s->gone), gone_cmp);
	return s;
}

/* Editors change synonyms and best bets without a rebuild: the newest
 * modification time of the search data files counts as part of the
 * revision. */
static long long data_mtime(const char *dir)
{
	static const char *const files[] = {"lexicon.tsv", "synonyms.tsv", "best-bets.tsv", "situations.tsv"};
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
static atomic_int force_full; /* snapshot_reload: rebuild whole even when current */

/* Metrics: what was swapped in, how long it took to build, and when. */
static void note_swap(long long revision, long long ms)
{
	atomic_store(&sn.build_ms, ms);
	atomic_store(&sn.built_at, (long long)time(NULL));
	atomic_store(&sn.revision, revision);
}

void snapshot_metrics(struct snapshot_metrics *out)
{
	out->loaded = atomic_load(&sn.built_at) > 0;
	out->revision = atomic_load(&sn.revision);
	out->build_seconds = (double)atomic_load(&sn.build_ms) / 1000.0;
	out->built_at = atomic_load(&sn.built_at);
	out->overlays = atomic_load(&sn.overlays);
}

static void want_full(void)
{
	pthread_mutex_lock(&sn.want_lock);
	sn.want_full = 1;
	pthread_cond_signal(&sn.want_cond);
	pthread_mutex_unlock(&sn.want_lock);
}

static int refresh(const char *why)
{
	long long rev = -1, cur, cur_mtime, mtime = data_mtime(sn.src.search_data);
	struct snapshot *fresh, *old;
	struct err err = {0};
	struct err de = {0};
	long long t0;
	struct timespec ts;
	int rc = -1, overlay = 0;

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
	if (atomic_exchange(&force_full, 0))
		cur_mtime = -1; /* as if the search data had changed: built whole, from the files */
	else if ((cur == rev && cur_mtime == mtime) || (rev == failed_rev && mtime == failed_mtime)) {
		rc = 0; /* current, or this very state already failed: say it once */
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
	fresh = NULL;
	if (sn.current && cur_mtime == mtime && rev > cur) {
		fresh = overlay_build(sn.db, sn.current, &err);
		if (!fresh && err.msg[0])
			log_warn("read model: the changes could not be laid over the catalog: %s", err.msg);
		err_clear(&err);
		if (fresh) {
			overlay = 1;
			rev = fresh->revision;
			atomic_fetch_add(&sn.overlays, 1);
		}
	}
	if (!fresh)
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
	note_swap(fresh->revision, ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 - t0);
	if (overlay)
		log_info("read model: revision %lld (%s), %zu changed services laid over revision %lld in %lld ms", rev,
			 why, fresh->overlay->nservices, fresh->base->revision,
			 ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 - t0);
	else
		log_info("read model: revision %lld (%s), %zu services, built in %lld ms", rev, why,
			 fresh->cat->nservices, ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 - t0);
	rc = 1;
	pthread_mutex_unlock(&sn.build_lock);
	snapshot_put(old);
	/* Building parses every record into short-lived JSON between the
	 * catalog's arena chunks and the index's postings: the freed holes
	 * (~80 MB at 100 000 services) would stay resident until reused.
	 * Return them to the kernel (glibc). */
	if (!overlay)
		malloc_trim(0);
	if (sn.on_swap)
		sn.on_swap(sn.cls);
	if (overlay)
		want_full();
	return rc;
out:
	pthread_mutex_unlock(&sn.build_lock);
	return rc;
}

long long snapshot_overlays(void)
{
	return atomic_load(&sn.overlays);
}

int snapshot_refresh(void)
{
	return refresh("checked");
}

int snapshot_reload(void)
{
	atomic_store(&force_full, 1);
	return refresh("reload");
}

static void swap_in(struct snapshot *fresh)
{
	struct snapshot *old;

	pthread_mutex_lock(&sn.lock);
	old = sn.current;
	sn.current = fresh;
	pthread_mutex_unlock(&sn.lock);
	snapshot_put(old);
}

/* The whole read model at the database's revision, built on the builder's
 * own connection without holding the build lock (the refresher keeps
 * laying new edits over the current one meanwhile), then swapped in with
 * whatever was edited during the build laid over it. */
static void full_rebuild(void)
{
	long long rev = -1, mtime = data_mtime(sn.src.search_data), t0 = 0;
	struct snapshot *fresh, *top = NULL;
	struct err err = {0};
	struct timespec ts;

	if (!sn.bdb) {
		sn.bdb = db_open(sn.src.db_url, &err);
		if (!sn.bdb) {
			log_error("read model: database: %s", err.msg);
			return;
		}
	}
	if (db_query_int(sn.bdb, SQL_REVISION, DB_NOP, &rev) != DB_OK) {
		log_error("read model: %s", db_errmsg(sn.bdb));
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
	fresh = snapshot_build(sn.bdb, rev, &err);
	if (!fresh) {
		log_error("read model not rebuilt (the previous one keeps serving): %s", err.msg);
		return;
	}
	fresh->data_mtime = mtime;
	pthread_mutex_lock(&sn.build_lock);
	if (!sn.current || (!sn.current->base && sn.current->revision >= rev) || sn.current->data_mtime != mtime) {
		/* the refresher rebuilt the whole of it meanwhile */
		pthread_mutex_unlock(&sn.build_lock);
		snapshot_put(fresh);
		return;
	}
	if (sn.current->revision > rev && sn.db) {
		top = overlay_build(sn.db, fresh, &err); /* the edits made during the build */
		if (top)
			snapshot_put(fresh); /* top holds it */
	}
	swap_in(top ? top : fresh);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	note_swap((top ? top : fresh)->revision, ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 - t0);
	log_info("read model: revision %lld (rebuilt after changes), %zu services, built in %lld ms", rev,
		 fresh->cat->nservices, ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 - t0);
	pthread_mutex_unlock(&sn.build_lock);
	malloc_trim(0);
	if (sn.on_swap)
		sn.on_swap(sn.cls);
}

/* The builder: after the refresher laid changes over the read model, it
 * rebuilds the whole of it (lists, search) without holding up the next
 * edit's overlay for that long. */
static void *builder(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&sn.want_lock);
		while (!sn.want_full && !atomic_load(&sn.stop))
			pthread_cond_wait(&sn.want_cond, &sn.want_lock);
		sn.want_full = 0;
		pthread_mutex_unlock(&sn.want_lock);
		if (atomic_load(&sn.stop))
			break;
		full_rebuild();
	}
	return NULL;
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
	if (pthread_create(&sn.builder, NULL, builder, NULL) != 0) {
		err_set(err, ERR_INTERNAL, "cannot start the read-model builder");
		return -1;
	}
	sn.builder_running = 1;
	return 0;
}

void snapshot_stop(void)
{
	struct snapshot *s;

	atomic_store(&sn.stop, 1);
	pthread_mutex_lock(&sn.want_lock);
	pthread_cond_signal(&sn.want_cond);
	pthread_mutex_unlock(&sn.want_lock);
	if (sn.builder_running)
		pthread_join(sn.builder, NULL);
	sn.builder_running = 0;
	if (sn.bdb)
		db_close(sn.bdb);
	sn.bdb = NULL;
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
