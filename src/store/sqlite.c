/* sqlite.c — the SQLite backend of db.h.
 *
 * WAL journal, foreign keys on, synchronous=FULL (a commit is on disk before
 * db_exec/db_tx return, so an acknowledged write survives a power cut too),
 * a busy timeout, double-quoted string literals off, defensive mode on.
 * Statements are prepared once with SQLITE_PREPARE_PERSISTENT and kept in the
 * connection's cache. SQLite reads "$1" as a *named* parameter whose index is
 * the order of first appearance ("VALUES ($2, $1)" gives $2 the index 1), so
 * each statement keeps a map from $k to its bind index.
 */
#define EPAK_DB_INTERNAL
#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

struct sq_stmt {
	sqlite3_stmt *st;
	int busy; /* being stepped: a nested use of the same SQL gets its own */
	int nparams;
	int map[]; /* map[k - 1] = bind index of $k */
};

enum { CTL_BEGIN_RW, CTL_BEGIN_RO, CTL_COMMIT, CTL_ROLLBACK, CTL_QUERY_ONLY, CTL_READ_WRITE, CTL_N };

static const char *const ctl_sql[CTL_N] = {
    "BEGIN IMMEDIATE", "BEGIN DEFERRED", "COMMIT", "ROLLBACK", "PRAGMA query_only = 1", "PRAGMA query_only = 0",
};

struct sq_db {
	struct db base;
	sqlite3 *h;
	sqlite3_stmt *ctl[CTL_N];
};

static const struct db_ops sq_ops;

static int sq_code(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_ROWID: return DB_ECONSTRAINT;
	default: break;
	}
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT: return DB_EINTEGRITY;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return DB_ECONFLICT;
	default: return DB_ERROR;
	}
}

static int sq_fail(struct sq_db *s, int rc, const struct db_param *p, size_t n)
{
	return db_fail(&s->base, sq_code(rc), p, n, sqlite3_errmsg(s->h));
}

/* "$k" with k in 1..max and no leading zero → k, else 0. */
static int dollar_number(const char *name, int max)
{
	long v = 0;
	const char *c;

	if (!name || name[0] != '$' || name[1] < '1' || name[1] > '9')
		return 0;
	for (c = name + 1; *c; c++) {
		if (*c < '0' || *c > '9')
			return 0;
		v = v * 10 + (*c - '0');
		if (v > max)
			return 0;
	}
	return (int)v;
}

static void sq_stmt_free(struct db *d, void *stmt)
{
	struct sq_stmt *ss = stmt;

	(void)d;
	if (!ss)
		return;
	sqlite3_finalize(ss->st);
	free(ss);
}

static int sq_prepare(struct sq_db *s, const char *sql, int persistent, struct sq_stmt **out)
{
	sqlite3_stmt *st = NULL;
	struct sq_stmt *ss = NULL;
	const char *tail = NULL;
	int rc, count, k, v;

	*out = NULL;
	rc = sqlite3_prepare_v3(s->h, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st, &tail);
	if (rc != SQLITE_OK) {
		rc = sq_fail(s, rc, NULL, 0);
		goto out;
	}
	s->base.stats.prepares++;
	if (!st) {
		rc = db_failf(&s->base, DB_ERROR, "empty statement");
		goto out;
	}
	while (tail && (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';'))
		tail++;
	if (tail && *tail) {
		rc = db_failf(&s->base, DB_ERROR, "one statement per call");
		goto out;
	}
	count = sqlite3_bind_parameter_count(st);
	ss = calloc(1, sizeof(*ss) + (size_t)count * sizeof(int));
	if (!ss) {
		rc = db_failf(&s->base, DB_ERROR, "out of memory");
		goto out;
	}
	for (k = 1; k <= count; k++) {
		v = dollar_number(sqlite3_bind_parameter_name(st, k), count);
		if (v == 0 || ss->map[v - 1] != 0) {
			rc = db_failf(&s->base, DB_ERROR, "parameters must be numbered $1..$N, each number used");
			goto out;
		}
		ss->map[v - 1] = k;
	}
	ss->st = st;
	ss->nparams = count;
	st = NULL;
	*out = ss;
	ss = NULL;
	rc = DB_OK;
out:
	sqlite3_finalize(st);
	free(ss);
	return rc;
}

static int sq_bind(struct sq_db *s, const struct sq_stmt *ss, const struct db_param *p, size_t n)
{
	sqlite3_stmt *st = ss->st;
	int rc = SQLITE_OK;
	size_t i;
	int idx;

	if (n != (size_t)ss->nparams)
		return db_failf(&s->base, DB_ERROR, "statement takes %d parameters, %zu given", ss->nparams, n);
	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		idx = ss->map[i];
		switch (p[i].type) {
		case DB_INT: rc = sqlite3_bind_int64(st, idx, p[i].i); break;
		case DB_TEXT:
			if (p[i].s)
				rc = sqlite3_bind_text64(st, idx, p[i].s, db_param_len(&p[i]), SQLITE_STATIC,
							 SQLITE_UTF8);
			else
				rc = sqlite3_bind_null(st, idx);
			break;
		case DB_BLOB:
			if (p[i].s)
				rc = sqlite3_bind_blob64(st, idx, p[i].s, p[i].len, SQLITE_STATIC);
			else
				rc = sqlite3_bind_null(st, idx);
			break;
		default: rc = sqlite3_bind_null(st, idx); break;
		}
	}
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, p, n);
	return DB_OK;
}

static int sq_run(struct db *d, const char *sql, const struct db_param *p, size_t n, unsigned flags,
		  int (*cb)(void *, const struct db_row *), void *cls, long long *changes)
{
	struct sq_db *s = (struct sq_db *)d;
	struct sq_stmt *ss = NULL, *own = NULL;
	struct db_row row;
	sqlite3_int64 before;
	int nocache = (flags & DB_RUN_NOCACHE) != 0;
	int rc, step;

	if (!nocache) {
		ss = db_cache_find(d, sql);
		if (ss && ss->busy) {
			ss = NULL; /* re-entered from a row callback: use a private one */
			nocache = 1;
		}
	}
	if (!ss) {
		rc = sq_prepare(s, sql, !nocache, &own);
		if (rc != DB_OK)
			goto out;
		ss = own;
		if (!nocache && db_cache_add(d, sql, own) == 0)
			own = NULL; /* the cache owns it now */
	}
	rc = sq_bind(s, ss, p, n);
	if (rc != DB_OK)
		goto out;
	ss->busy = 1;
	before = sqlite3_total_changes64(s->h);
	row.ops = &sq_ops;
	row.h = ss->st;
	row.i = 0;
	row.ncols = 0;
	row.scratch = NULL;
	rc = DB_OK;
	for (;;) {
		step = sqlite3_step(ss->st);
		if (step != SQLITE_ROW)
			break;
		if (!cb)
			continue; /* e.g. RETURNING rows nobody reads */
		/* after the step: a schema change re-prepares it there */
		row.ncols = sqlite3_data_count(ss->st);
		rc = cb(cls, &row);
		if (rc != 0)
			break;
	}
	if (rc == DB_OK && step != SQLITE_DONE) {
		rc = sq_fail(s, step, p, n);
		goto out;
	}
	if (changes && sqlite3_total_changes64(s->h) != before)
		*changes = sqlite3_changes64(s->h);
out:
	if (ss) {
		sqlite3_reset(ss->st);
		sqlite3_clear_bindings(ss->st);
		ss->busy = 0;
	}
	sq_stmt_free(d, own);
	return rc;
}

static int sq_ctl(struct sq_db *s, int which)
{
	int rc;

	rc = sqlite3_step(s->ctl[which]);
	sqlite3_reset(s->ctl[which]);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return DB_OK;
	return sq_fail(s, rc, NULL, 0);
}

static int sq_begin(struct db *d, int readonly)
{
	struct sq_db *s = (struct sq_db *)d;
	int rc;

	if (readonly) {
		rc = sq_ctl(s, CTL_QUERY_ONLY);
		if (rc == DB_OK)
			rc = sq_ctl(s, CTL_BEGIN_RO);
		if (rc != DB_OK)
			sq_ctl(s, CTL_READ_WRITE);
		return rc;
	}
	return sq_ctl(s, CTL_BEGIN_RW);
}

static void sq_rollback(struct db *d)
{
	struct sq_db *s = (struct sq_db *)d;

	if (!sqlite3_get_autocommit(s->h)) {
		sqlite3_step(s->ctl[CTL_ROLLBACK]);
		sqlite3_reset(s->ctl[CTL_ROLLBACK]);
	}
	if (d->readonly_tx)
		sq_ctl(s, CTL_READ_WRITE);
}

static int sq_commit(struct db *d)
{
	struct sq_db *s = (struct sq_db *)d;
	int rc;

	rc = sq_ctl(s, CTL_COMMIT);
	if (rc != DB_OK) {
		sq_rollback(d);
		return rc;
	}
	if (d->readonly_tx)
		sq_ctl(s, CTL_READ_WRITE);
	return DB_OK;
}

static int sq_set_timeout(struct db *d, int ms)
{
	struct sq_db *s = (struct sq_db *)d;

	return sqlite3_busy_timeout(s->h, ms) == SQLITE_OK ? DB_OK : sq_fail(s, SQLITE_ERROR, NULL, 0);
}

static void sq_close(struct db *d)
{
	struct sq_db *s = (struct sq_db *)d;
	int i;

	for (i = 0; i < CTL_N; i++)
		sqlite3_finalize(s->ctl[i]);
	sqlite3_close_v2(s->h);
	free(s);
}

static int sq_isnull(const struct db_row *row, int i)
{
	return sqlite3_column_type(row->h, i) == SQLITE_NULL;
}

static const char *sq_text(const struct db_row *row, int i)
{
	return (const char *)sqlite3_column_text(row->h, i);
}

static long long sq_integer(const struct db_row *row, int i)
{
	return sqlite3_column_int64(row->h, i);
}

static const void *sq_blob(const struct db_row *row, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(row->h, i);

	*len = (size_t)sqlite3_column_bytes(row->h, i);
	return p ? p : ""; /* an empty blob is not NULL */
}

static const struct db_ops sq_ops = {
    .name = "sqlite",
    .run = sq_run,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .set_timeout = sq_set_timeout,
    .stmt_free = sq_stmt_free,
    .close = sq_close,
    .isnull = sq_isnull,
    .text = sq_text,
    .integer = sq_integer,
    .blob = sq_blob,
};

/* mkdir -p of the folders above path. */
static int make_parents(const char *path, struct err *err)
{
	char *dir = strdup(path);
	char *c;
	int rc = -1;

	if (!dir) {
		err_set(err, ERR_INTERNAL, "out of memory");
		goto out;
	}
	for (c = dir + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			err_set(err, ERR_UNAVAILABLE, "cannot create folder %s: %s", dir, strerror(errno));
			goto out;
		}
		*c = '/';
	}
	rc = 0;
out:
	free(dir);
	return rc;
}

struct db *db_sqlite_open(const char *path, struct err *err)
{
	struct sq_db *s = NULL;
	sqlite3_stmt *st = NULL;
	const char *mode;
	int memory = strcmp(path, ":memory:") == 0;
	int fd, i, rc;

	if (!memory) {
		if (make_parents(path, err) != 0)
			goto fail;
		/* Create it private: it holds sessions and personal data.
		 * SQLite gives the -wal and -shm files the same mode. Only when
		 * it does not exist yet: close() on a descriptor of a database
		 * file drops every POSIX lock this process holds on it, which
		 * silently breaks the other connections' WAL read locks (they
		 * then keep reading an old snapshot). */
		if (access(path, F_OK) != 0) {
			fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (fd < 0 && errno != EEXIST) {
				err_set(err, ERR_UNAVAILABLE, "cannot open %s: %s", path, strerror(errno));
				goto fail;
			}
			if (fd >= 0)
				close(fd);
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		err_set(err, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	db_base_init(&s->base, &sq_ops);
	rc = sqlite3_open_v2(path, &s->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err_set(err, ERR_UNAVAILABLE, "%s: %s", path, s->h ? sqlite3_errmsg(s->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(s->h, 1);
	sqlite3_db_config(s->h, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
	sqlite3_db_config(s->h, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
	sqlite3_db_config(s->h, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(s->h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	sqlite3_db_config(s->h, SQLITE_DBCONFIG_ENABLE_FKEY, 1, (int *)NULL);
	sqlite3_busy_timeout(s->h, s->base.timeout_ms);

	/* takes effect for a new file only (before its first table): deleted
	 * rows' pages can then be given back with PRAGMA incremental_vacuum */
	sqlite3_exec(s->h, "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL, NULL);
	rc = sqlite3_prepare_v2(s->h, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (!mode || (strcmp(mode, "wal") != 0 && !(memory && strcmp(mode, "memory") == 0))) {
		err_set(err, ERR_UNAVAILABLE, "%s: cannot switch to WAL: %s", path, mode ? mode : sqlite3_errmsg(s->h));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* the WAL shrinks back to 8 MiB after a checkpoint (large signing
	 * sessions would otherwise leave it at its largest size) */
	rc = sqlite3_exec(s->h,
			  "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 8388608",
			  NULL, NULL, NULL);
	for (i = 0; i < CTL_N && rc == SQLITE_OK; i++)
		rc = sqlite3_prepare_v3(s->h, ctl_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->ctl[i], NULL);
	if (rc != SQLITE_OK) {
		err_set(err, ERR_UNAVAILABLE, "%s: %s", path, sqlite3_errmsg(s->h));
		goto fail;
	}
	return &s->base;
fail:
	sqlite3_finalize(st);
	if (s)
		sq_close(&s->base);
	return NULL;
}
