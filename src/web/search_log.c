/* search_log.c — see search_log.h. */
#include "web/search_log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "core/log.h"
#include "core/personal.h"
#include "core/utf8.h"
#include "store/db.h"

#define QMAX (SEARCH_LOG_MAX_CHARS * 4 + 1)

struct pending {
	char q[QMAX];
	long long n;
};

static struct {
	pthread_mutex_t lock; /* guards pending, npending, dropped */
	pthread_cond_t wake;
	struct pending pending[SEARCH_LOG_PENDING];
	size_t npending;
	unsigned long long dropped;
	struct search_log_config cfg;
	pthread_t thread;
	int running, stop;
} lg = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

size_t search_log_normalize(const char *q, char *out, size_t cap)
{
	utf8proc_uint8_t *m = NULL;
	size_t len, i, o = 0, chars = 0;
	int space = 0;

	if (!q || !*q || cap < 2)
		return 0;
	len = strlen(q);
	if (len > SEARCH_LOG_MAX_CHARS * 4 || !utf8_valid(q, len) || text_looks_personal(q, len))
		return 0;
	if (utf8proc_map((const utf8proc_uint8_t *)q, (utf8proc_ssize_t)len, &m,
			 UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPCC) < 0)
		return 0;
	for (i = 0; m[i]; i++) {
		unsigned char c = m[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = o > 0;
			continue;
		}
		if (space) {
			if (o + 1 >= cap)
				goto toolong;
			out[o++] = ' ';
			chars++;
			space = 0;
		}
		if (o + 1 >= cap)
			goto toolong;
		out[o++] = (char)c;
		if ((c & 0xC0) != 0x80)
			chars++;
	}
	free(m);
	out[o] = '\0';
	/* folding may make digits of other forms: look again */
	if (chars > SEARCH_LOG_MAX_CHARS || text_looks_personal(out, o))
		return 0;
	return o;
toolong:
	free(m);
	return 0;
}

void search_log_zero(const char *q)
{
	char n[QMAX];
	size_t len = search_log_normalize(q, n, sizeof(n)), i;

	if (!len)
		return;
	pthread_mutex_lock(&lg.lock);
	for (i = 0; i < lg.npending; i++)
		if (strcmp(lg.pending[i].q, n) == 0)
			break;
	if (i < lg.npending) {
		lg.pending[i].n++;
	} else if (lg.npending < SEARCH_LOG_PENDING) {
		memcpy(lg.pending[lg.npending].q, n, len + 1);
		lg.pending[lg.npending].n = 1;
		lg.npending++;
	} else {
		lg.dropped++; /* a flood within one second: the rest waits for no one */
	}
	pthread_mutex_unlock(&lg.lock);
}

static const char SQL_ADD[] =
    "INSERT INTO search_zero (query, count, first_day, last_day) "
    "SELECT CAST($1 AS TEXT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), CAST($3 AS BIGINT) "
    "WHERE EXISTS (SELECT 1 FROM search_zero WHERE query = $1) "
    "OR (SELECT count(*) FROM search_zero) < CAST($4 AS BIGINT) "
    "ON CONFLICT (query) DO UPDATE SET count = search_zero.count + excluded.count, last_day = excluded.last_day";
static const char SQL_STALE[] = "SELECT count(*) FROM search_zero WHERE last_day < $1";
static const char SQL_PURGE[] = "DELETE FROM search_zero WHERE last_day < $1";

/* Deletes rows past their retention; writes only when there are some. */
int search_log_purge(struct db *db, int keep_days, long long today)
{
	long long before = today - keep_days, n = 0;
	int rc = db_query_int(db, SQL_STALE, DB_P(PINT(before)), &n);

	if (rc == DB_OK && n > 0)
		rc = db_exec(db, SQL_PURGE, DB_P(PINT(before)), NULL);
	return rc;
}

int search_log_add(struct db *db, const char *q, long long n, long long day, long long max_rows)
{
	return db_exec(db, SQL_ADD, DB_P(PTEXT(q), PINT(n), PINT(day), PINT(max_rows)), NULL);
}

struct batch {
	struct pending *p;
	size_t n;
	long long day, max;
};

static int add_tx(struct db *db, void *cls)
{
	const struct batch *b = cls;
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		rc = search_log_add(db, b->p[i].q, b->p[i].n, b->day, b->max);
		if (rc != DB_OK)
			return rc;
	}
	return DB_OK;
}

static void flush(struct db *db, struct pending *buf)
{
	struct batch b = {buf, 0, (long long)(time(NULL) / 86400), lg.cfg.max_rows};
	unsigned long long dropped;

	pthread_mutex_lock(&lg.lock);
	b.n = lg.npending;
	memcpy(buf, lg.pending, b.n * sizeof(*buf));
	lg.npending = 0;
	dropped = lg.dropped;
	lg.dropped = 0;
	pthread_mutex_unlock(&lg.lock);
	if (dropped)
		log_warn("search log: %llu zero-result queries not counted (over %d distinct in a second)", dropped,
			 SEARCH_LOG_PENDING);
	if (b.n && db_tx(db, add_tx, &b) != DB_OK)
		log_warn("search log: %zu zero-result queries not counted: %s", b.n, db_errmsg(db));
}

static void *flusher(void *arg)
{
	struct pending *buf = malloc(sizeof(lg.pending));
	struct db *db = NULL;
	struct err e = {0};
	long long last_purge = time(NULL) - 3540; /* the first a minute after start */

	(void)arg;
	pthread_mutex_lock(&lg.lock);
	while (buf) {
		struct timespec ts;
		int stop;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (!lg.stop)
			pthread_cond_timedwait(&lg.wake, &lg.lock, &ts);
		stop = lg.stop;
		pthread_mutex_unlock(&lg.lock);
		if (!db) {
			err_clear(&e);
			db = db_open(lg.cfg.db_url, &e);
			if (!db)
				log_warn("search log: database: %s", e.msg);
		}
		if (db) {
			flush(db, buf);
			if (time(NULL) - last_purge >= 3600) {
				last_purge = time(NULL);
				if (search_log_purge(db, lg.cfg.keep_days, (long long)(time(NULL) / 86400)) != DB_OK)
					log_warn("search log: purge: %s", db_errmsg(db));
			}
		}
		pthread_mutex_lock(&lg.lock);
		if (stop)
			break;
	}
	pthread_mutex_unlock(&lg.lock);
	if (db)
		db_close(db);
	free(buf);
	return NULL;
}

int search_log_start(const struct search_log_config *c, struct err *err)
{
	lg.cfg = *c;
	lg.stop = 0;
	if (pthread_create(&lg.thread, NULL, flusher, NULL) != 0) {
		err_set(err, ERR_INTERNAL, "cannot start the search log");
		return -1;
	}
	lg.running = 1;
	return 0;
}

void search_log_stop(void)
{
	if (!lg.running)
		return;
	pthread_mutex_lock(&lg.lock);
	lg.stop = 1;
	pthread_cond_signal(&lg.wake);
	pthread_mutex_unlock(&lg.lock);
	pthread_join(lg.thread, NULL);
	lg.running = 0;
}
