/* db.c — see db.h: dispatch to the backends, the prepared-statement cache,
 * parameter checks, error scrubbing and the transaction runner. */
#define EPAK_DB_INTERNAL
#include "store/db.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "core/utf8.h"

struct db_cached {
	struct db_cached *next;
	uint64_t hash;
	void *stmt;
	char sql[];
};

static int is_pg_url(const char *s)
{
	return strncmp(s, "postgres://", 11) == 0 || strncmp(s, "postgresql://", 13) == 0;
}

/* ---- errors by kind, for metrics (issue 15): process-wide relaxed counters ---- */

static atomic_ullong error_counts[DB_ERRK__COUNT];

static void count_error(int rc)
{
	int k;

	if (rc >= 0)
		return;
	k = rc == DB_ECONSTRAINT  ? DB_ERRK_CONSTRAINT
	    : rc == DB_EINTEGRITY ? DB_ERRK_INTEGRITY
	    : rc == DB_ECONFLICT  ? DB_ERRK_CONFLICT
				  : DB_ERRK_ERROR;

	atomic_fetch_add_explicit(&error_counts[k], 1, memory_order_relaxed);
}

const char *db_error_kind_name(int kind)
{
	static const char *const names[DB_ERRK__COUNT] = {"error", "constraint", "integrity", "conflict", "connect"};

	return kind >= 0 && kind < DB_ERRK__COUNT ? names[kind] : "?";
}

unsigned long long db_error_count(int kind)
{
	return kind >= 0 && kind < DB_ERRK__COUNT ? atomic_load_explicit(&error_counts[kind], memory_order_relaxed) : 0;
}

struct db *db_open(const char *url_or_path, struct err *err)
{
	struct db *db;

	if (!url_or_path || !*url_or_path) {
		err_set(err, ERR_INTERNAL, "no database given");
		return NULL;
	}
	db = is_pg_url(url_or_path) ? db_pg_open(url_or_path, err) : db_sqlite_open(url_or_path, err);
	if (!db)
		atomic_fetch_add_explicit(&error_counts[DB_ERRK_CONNECT], 1, memory_order_relaxed);
	return db;
}

void db_base_init(struct db *db, const struct db_ops *ops)
{
	struct timespec ts;

	db->ops = ops;
	db->timeout_ms = 5000;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	db->rng = (unsigned)((uintptr_t)db ^ (uintptr_t)ts.tv_nsec ^ (uintptr_t)ts.tv_sec) | 1u;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->in_tx)
		db->ops->rollback(db);
	db_cache_clear(db);
	db->ops->close(db);
}

const char *db_backend(const struct db *db)
{
	return db ? db->ops->name : "";
}

const char *db_errmsg(const struct db *db)
{
	return db ? db->err : "";
}

void db_get_stats(const struct db *db, struct db_stats *out)
{
	*out = db->stats;
}

/* ---- prepared-statement cache ---- */

static uint64_t sql_hash(const char *s)
{
	return fnv1a64(FNV1A64_INIT, s, strlen(s));
}
void *db_cache_find(struct db *db, const char *sql)
{
	uint64_t h = sql_hash(sql);
	const struct db_cached *c;

	for (c = db->cache[h % DB_CACHE_BUCKETS]; c; c = c->next) {
		if (c->hash == h && strcmp(c->sql, sql) == 0) {
			db->stats.cache_hits++;
			return c->stmt;
		}
	}
	return NULL;
}

int db_cache_add(struct db *db, const char *sql, void *stmt)
{
	uint64_t h = sql_hash(sql);
	size_t len = strlen(sql);
	struct db_cached *c;

	if (db->ncached >= DB_CACHE_MAX)
		return -1;
	c = malloc(sizeof(*c) + len + 1);
	if (!c)
		return -1;
	c->hash = h;
	c->stmt = stmt;
	memcpy(c->sql, sql, len + 1);
	c->next = db->cache[h % DB_CACHE_BUCKETS];
	db->cache[h % DB_CACHE_BUCKETS] = c;
	db->ncached++;
	return 0;
}

void db_cache_drop(struct db *db, const char *sql)
{
	uint64_t h = sql_hash(sql);
	struct db_cached **pp;
	struct db_cached *c;

	for (pp = &db->cache[h % DB_CACHE_BUCKETS]; *pp; pp = &(*pp)->next) {
		c = *pp;
		if (c->hash == h && strcmp(c->sql, sql) == 0) {
			*pp = c->next;
			db->ops->stmt_free(db, c->stmt);
			free(c);
			db->ncached--;
			return;
		}
	}
}

void db_cache_clear(struct db *db)
{
	struct db_cached *c, *next;
	size_t b;

	for (b = 0; b < DB_CACHE_BUCKETS; b++) {
		for (c = db->cache[b]; c; c = next) {
			next = c->next;
			db->ops->stmt_free(db, c->stmt);
			free(c);
		}
		db->cache[b] = NULL;
	}
	db->ncached = 0;
}

/* ---- parameters ---- */

size_t db_param_len(const struct db_param *p)
{
	if (p->type == DB_TEXT && p->s && p->len == DB_STRLEN)
		return strlen(p->s);
	return p->len;
}

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF) and
 * no NUL byte. */
static int text_ok(const char *s, size_t n)
{
	return utf8_valid(s, n) && !memchr(s, 0, n);
}

int db_param_check(struct db *db, const struct db_param *p, size_t n)
{
	size_t i;

	if (n && !p)
		return db_failf(db, DB_ERROR, "%zu parameters announced, none given", n);
	for (i = 0; i < n; i++) {
		switch (p[i].type) {
		case DB_NULL:
		case DB_INT: break;
		case DB_TEXT:
			if (p[i].s && !text_ok(p[i].s, db_param_len(&p[i])))
				return db_failf(db, DB_ERROR,
						"parameter $%zu: text is not valid UTF-8 or holds a NUL byte", i + 1);
			break;
		case DB_BLOB: break;
		default: return db_failf(db, DB_ERROR, "parameter $%zu: unknown type", i + 1);
		}
	}
	return DB_OK;
}

/* ---- errors ---- */

/* Replaces in w (NUL-terminated, room for cap bytes) every occurrence of the
 * bytes v[0..vlen) with "?". With quoted set, only occurrences standing
 * alone between a pair of quotes ("v" or 'v') are replaced. */
static void scrub(char *w, const char *v, size_t vlen, int quoted)
{
	size_t wlen = strlen(w), pos = 0;
	char *hit;

	if (vlen == 0)
		return;
	while (pos + vlen <= wlen) {
		hit = memmem(w + pos, wlen - pos, v, vlen);
		if (!hit)
			break;
		pos = (size_t)(hit - w);
		if (quoted && !(pos > 0 && pos + vlen < wlen && (w[pos - 1] == '"' || w[pos - 1] == '\'') &&
				w[pos + vlen] == w[pos - 1])) {
			pos++;
			continue;
		}
		memmove(w + pos + 1, w + pos + vlen, wlen - pos - vlen + 1);
		w[pos] = '?';
		wlen -= vlen - 1;
		pos++;
	}
}

int db_fail(struct db *db, int rc, const struct db_param *p, size_t n, const char *msg)
{
	char w[512], num[32];
	const char *v;
	size_t i, vlen;

	snprintf(w, sizeof(w), "%s", msg ? msg : "unknown error");
	for (i = 0; w[i]; i++) {
		if (w[i] == '\n' || w[i] == '\r' || w[i] == '\t')
			w[i] = ' ';
	}
	while (i > 0 && w[i - 1] == ' ')
		w[--i] = '\0';
	for (i = 0; p && i < n; i++) {
		v = NULL;
		vlen = 0;
		if (p[i].type == DB_INT) {
			snprintf(num, sizeof(num), "%lld", p[i].i);
			v = num;
			vlen = strlen(num);
		} else if ((p[i].type == DB_TEXT || p[i].type == DB_BLOB) && p[i].s) {
			v = p[i].s;
			vlen = db_param_len(&p[i]);
		}
		if (!v || vlen == 0)
			continue;
		/* Long values go wherever they appear; short ones only when
		 * the message quotes them whole, or every "1" would go. */
		scrub(w, v, vlen, vlen < 4);
	}
	vlen = strlen(w);
	if (vlen >= sizeof(db->err))
		vlen = sizeof(db->err) - 1;
	memcpy(db->err, w, vlen);
	db->err[vlen] = '\0';
	if (db->in_tx && db->tx_rc == 0)
		db->tx_rc = rc;
	count_error(rc);
	return rc;
}

int db_failf(struct db *db, int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return db_fail(db, rc, NULL, 0, msg);
}

/* ---- statements ---- */

static int run(struct db *db, const char *sql, const struct db_param *p, size_t n, unsigned flags,
	       int (*cb)(void *, const struct db_row *), void *cls, long long *changes)
{
	int rc;

	if (changes)
		*changes = 0;
	if (!db)
		return DB_ERROR;
	if (db->in_tx && db->tx_rc)
		return db->tx_rc; /* the message of the first failure stays */
	db->err[0] = '\0';
	if (!sql)
		return db_failf(db, DB_ERROR, "no SQL given");
	rc = db_param_check(db, p, n);
	if (rc != DB_OK)
		return rc;
	return db->ops->run(db, sql, p, n, flags, cb, cls, changes);
}

int db_exec(struct db *db, const char *sql, const struct db_param *params, size_t nparams, long long *changes)
{
	return run(db, sql, params, nparams, 0, NULL, NULL, changes);
}

int db_exec_once(struct db *db, const char *sql, const struct db_param *p, size_t n)
{
	return run(db, sql, p, n, DB_RUN_NOCACHE, NULL, NULL, NULL);
}

int db_query(struct db *db, const char *sql, const struct db_param *params, size_t nparams,
	     int (*row_cb)(void *cls, const struct db_row *row), void *cls)
{
	return run(db, sql, params, nparams, 0, row_cb, cls, NULL);
}

struct first_int {
	int found;
	long long v;
};

static int first_int_cb(void *cls, const struct db_row *row)
{
	struct first_int *f = cls;

	if (row_ncols(row) > 0 && !row_isnull(row, 0)) {
		f->found = 1;
		f->v = row_int(row, 0);
	}
	return 1; /* the first row is enough */
}

int db_query_int(struct db *db, const char *sql, const struct db_param *params, size_t nparams, long long *out)
{
	struct first_int f = {0, 0};
	int rc;

	rc = db_query(db, sql, params, nparams, first_int_cb, &f);
	if (rc < 0)
		return rc;
	if (!f.found)
		return DB_ENOROW;
	if (out)
		*out = f.v;
	return DB_OK;
}

/* ---- rows ---- */

static int col_ok(const struct db_row *row, int i)
{
	return row && i >= 0 && i < row->ncols;
}

int row_ncols(const struct db_row *row)
{
	return row ? row->ncols : 0;
}

int row_isnull(const struct db_row *row, int i)
{
	return col_ok(row, i) ? row->ops->isnull(row, i) : 1;
}

const char *row_text(const struct db_row *row, int i)
{
	if (!col_ok(row, i) || row->ops->isnull(row, i))
		return NULL;
	return row->ops->text(row, i);
}

long long row_int(const struct db_row *row, int i)
{
	if (!col_ok(row, i) || row->ops->isnull(row, i))
		return 0;
	return row->ops->integer(row, i);
}

const void *row_blob(const struct db_row *row, int i, size_t *len)
{
	size_t dummy;

	if (!len)
		len = &dummy;
	*len = 0;
	if (!col_ok(row, i) || row->ops->isnull(row, i))
		return NULL;
	return row->ops->blob(row, i, len);
}

/* ---- transactions ---- */

static void backoff(struct db *db, int attempt)
{
	unsigned cap_ms = attempt >= 7 ? 250u : 2u << attempt;
	unsigned ms;
	struct timespec ts;

	if (cap_ms > 250)
		cap_ms = 250;
	db->rng ^= db->rng << 13; /* xorshift32 */
	db->rng ^= db->rng >> 17;
	db->rng ^= db->rng << 5;
	ms = cap_ms / 2 + db->rng % (cap_ms / 2 + 1);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static int tx_run(struct db *db, int readonly, int (*body)(struct db *, void *), void *cls)
{
	int rc = DB_ECONFLICT, attempt;
	char last[sizeof(db->err)];

	if (!db || !body)
		return DB_ERROR;
	if (db->in_tx)
		return db_failf(db, DB_ERROR, "transactions do not nest");
	for (attempt = 0; attempt < DB_TX_TRIES; attempt++) {
		if (attempt > 0) {
			db->stats.tx_retries++;
			backoff(db, attempt);
		}
		db->err[0] = '\0';
		db->tx_rc = 0;
		rc = db->ops->begin(db, readonly);
		if (rc == DB_ECONFLICT)
			continue;
		if (rc != DB_OK)
			goto out;
		db->in_tx = 1;
		db->readonly_tx = readonly;
		rc = body(db, cls);
		if (rc == DB_OK && db->tx_rc == 0) {
			db->in_tx = 0; /* commit ends it whatever happens */
			rc = db->ops->commit(db);
			if (rc == DB_ECONFLICT)
				continue;
			goto out;
		}
		/* A doomed transaction reports its first failure, whatever the
		 * body made of it; a conflict always means "run it again". */
		if (db->tx_rc == DB_ECONFLICT || (db->tx_rc != 0 && rc <= 0))
			rc = db->tx_rc;
		db->ops->rollback(db);
		db->in_tx = 0;
		if (rc != DB_ECONFLICT)
			goto out;
	}
	snprintf(last, sizeof(last), "%s", db->err);
	db_failf(db, DB_ECONFLICT, "transaction gave up after %d conflicting tries: %s", DB_TX_TRIES, last);
	rc = DB_ECONFLICT;
out:
	db->in_tx = 0;
	db->readonly_tx = 0;
	db->tx_rc = 0;
	return rc;
}

int db_tx(struct db *db, int (*body)(struct db *db, void *cls), void *cls)
{
	return tx_run(db, 0, body, cls);
}

int db_tx_read(struct db *db, int (*body)(struct db *db, void *cls), void *cls)
{
	return tx_run(db, 1, body, cls);
}

int db_set_timeout(struct db *db, int ms)
{
	int rc;

	if (!db)
		return DB_ERROR;
	db->err[0] = '\0';
	if (ms <= 0)
		return db_failf(db, DB_ERROR, "the lock timeout must be positive");
	if (db->in_tx)
		return db_failf(db, DB_ERROR, "set the lock timeout outside transactions");
	rc = db->ops->set_timeout(db, ms);
	if (rc == DB_OK)
		db->timeout_ms = ms;
	return rc;
}

int db_listen_revision(struct db *db)
{
	if (!db->ops->listen)
		return DB_ENOROW;
	if (db->in_tx)
		return db_failf(db, DB_ERROR, "db_listen_revision inside a transaction");
	return db->ops->listen(db);
}

int db_wait_revision(struct db *db, int timeout_ms)
{
	if (!db->ops->wait)
		return db_failf(db, DB_ERROR, "this database has no change notification");
	return db->ops->wait(db, timeout_ms);
}

static int read_int(void *cls, const struct db_row *row)
{
	*(long long *)cls = row_int(row, 0);
	return 0;
}

int db_reclaim(struct db *db)
{
	long long mode = -1;

	if (strcmp(db_backend(db), "sqlite") != 0)
		return DB_OK; /* PostgreSQL's autovacuum reuses the space */
	if (db_query(db, "PRAGMA auto_vacuum", DB_NOP, read_int, &mode) != DB_OK)
		return DB_ERROR;
	if (mode == 0) {
		/* a database made before incremental vacuum: convert it once
		 * (VACUUM rewrites the file) */
		if (db_exec(db, "PRAGMA auto_vacuum = INCREMENTAL", DB_NOP, NULL) != DB_OK ||
		    db_exec(db, "VACUUM", DB_NOP, NULL) != DB_OK)
			return DB_ERROR;
	}
	return db_exec(db, "PRAGMA incremental_vacuum", DB_NOP, NULL) == DB_OK ? DB_OK : DB_ERROR;
}
