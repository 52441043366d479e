/* pg.c — the PostgreSQL backend of db.h, through libpq.
 *
 * Each SQL text is prepared once per connection (PQprepare under a generated
 * name, PQdescribePrepared for its parameter count) and then run with
 * PQexecPrepared. Parameter types are left to the server to infer from the
 * statement, so the prepared statement does not depend on the types of the
 * first call's values. Text and integers travel in text format, blobs in
 * binary format; results come back in text format (so row_text() of an
 * integer column reads the same as on SQLite) and BYTEA is decoded on demand.
 *
 * Outside db_tx() statements run in autocommit at READ COMMITTED. db_tx()
 * runs SERIALIZABLE: SQLite has no SELECT ... FOR UPDATE, so the one SQL text
 * cannot take row locks, and only SERIALIZABLE makes PostgreSQL as safe for
 * read-check-write bodies as SQLite's single writer is. The price is
 * serialization failures (SQLSTATE 40001), which db_tx() retries.
 *
 * Named prepared statements live in the server session: behind PgBouncer use
 * session pooling (or PgBouncer >= 1.21 with max_prepared_statements).
 */
#define EPAK_DB_INTERNAL
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <poll.h>

#include <libpq-fe.h>

#define OID_BOOL 16
#define OID_BYTEA 17

struct pg_stmt {
	int nparams;
	char name[24];
};

struct pg_db {
	struct db base;
	PGconn *conn;
	unsigned seq;  /* names prepared statements */
	int listening; /* LISTEN epak_revision, again after a reconnect */
};

/* Decoded BYTEA values of the current row. */
struct pg_blob {
	unsigned char *p;
	size_t len;
};

static const struct db_ops pg_ops;

static int pg_code(const char *state)
{
	if (!state)
		return DB_ERROR;
	if (strcmp(state, "23505") == 0)
		return DB_ECONSTRAINT;
	if (strncmp(state, "23", 2) == 0)
		return DB_EINTEGRITY;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
		return DB_ECONFLICT;
	return DB_ERROR;
}

/* The first line of a libpq message, for errors without a result. */
static void first_line(char *out, size_t cap, const char *msg)
{
	size_t n = strcspn(msg ? msg : "", "\n");

	if (n >= cap)
		n = cap - 1;
	memcpy(out, msg ? msg : "", n);
	out[n] = '\0';
}

/* Only the primary message and the SQLSTATE: DETAIL and CONTEXT quote row
 * and parameter values ("Key (id)=(...) already exists"). */
static int pg_fail_as(struct pg_db *pg, int code, const PGresult *res, const struct db_param *p, size_t n)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char line[256], msg[512];

	if (!primary) {
		first_line(line, sizeof(line), PQerrorMessage(pg->conn));
		primary = line[0] ? line : "unknown error";
	}
	if (state)
		snprintf(msg, sizeof(msg), "%s (SQLSTATE %s)", primary, state);
	else
		snprintf(msg, sizeof(msg), "%s", primary);
	return db_fail(&pg->base, code ? code : pg_code(state), p, n, msg);
}

static int pg_fail(struct pg_db *pg, const PGresult *res, const struct db_param *p, size_t n)
{
	return pg_fail_as(pg, 0, res, p, n);
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int pg_lock_timeout(struct pg_db *pg, int ms)
{
	static const char SQL[] = "SELECT set_config('lock_timeout', $1, false)";
	char val[24];
	const char *vals[1] = {val};
	PGresult *res;
	int rc = DB_OK;

	snprintf(val, sizeof(val), "%d", ms);
	res = PQexecParams(pg->conn, SQL, 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail(pg, res, NULL, 0);
	PQclear(res);
	return rc;
}

/* What every session starts with (again after a reconnect). */
static int pg_session_setup(struct pg_db *pg)
{
	PGresult *res;
	int rc = DB_OK;

	PQsetNoticeProcessor(pg->conn, quiet_notices, NULL);
	res = PQexec(pg->conn, "SET default_transaction_isolation TO 'read committed'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(pg, res, NULL, 0);
	PQclear(res);
	if (rc == DB_OK)
		rc = pg_lock_timeout(pg, pg->base.timeout_ms);
	if (rc == DB_OK && pg->listening) {
		res = PQexec(pg->conn, "LISTEN epak_revision");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(pg, res, NULL, 0);
		PQclear(res);
	}
	return rc;
}

/* Outside a transaction a lost connection is opened again; its prepared
 * statements died with it. */
static int pg_ensure(struct pg_db *pg)
{
	/* A session the server ended while it sat idle (a restart, a
	 * failover, pg_terminate_backend) has left its FATAL message and the
	 * end of the stream in the socket; libpq notices only when it next
	 * reads. Read now, without blocking, so that the statement goes to a
	 * new session instead of failing on the dead one: after a PostgreSQL
	 * restart every idle connection of every node would otherwise fail
	 * one request each. (A statement is never sent twice: one whose
	 * session ends while it runs fails as before.) */
	if (!pg->base.in_tx && PQstatus(pg->conn) == CONNECTION_OK && PQtransactionStatus(pg->conn) == PQTRANS_IDLE &&
	    PQconsumeInput(pg->conn))
		PQconsumeInput(pg->conn); /* the first read takes the message, the second sees the end */
	if (PQstatus(pg->conn) == CONNECTION_OK)
		return DB_OK;
	if (pg->base.in_tx)
		return db_failf(&pg->base, DB_ERROR, "connection to PostgreSQL lost");
	db_cache_clear(&pg->base);
	PQreset(pg->conn);
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return pg_fail(pg, NULL, NULL, 0);
	return pg_session_setup(pg);
}

static void pg_stmt_free(struct db *d, void *stmt)
{
	(void)d;
	free(stmt);
}

static int pg_prepare(struct pg_db *pg, const char *sql, struct pg_stmt **out)
{
	struct pg_stmt *st;
	PGresult *res = NULL;
	int rc = DB_OK;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return db_failf(&pg->base, DB_ERROR, "out of memory");
	snprintf(st->name, sizeof(st->name), "epak_%u", ++pg->seq);
	res = PQprepare(pg->conn, st->name, sql, 0, NULL);
	pg->base.stats.prepares++;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(pg, res, NULL, 0);
		goto out;
	}
	PQclear(res);
	res = PQdescribePrepared(pg->conn, st->name);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(pg, res, NULL, 0);
		goto out;
	}
	st->nparams = PQnparams(res);
	*out = st;
	st = NULL;
out:
	PQclear(res);
	free(st);
	return rc;
}

/* Parameter arrays for libpq; integers and explicit-length text need a
 * NUL-terminated copy, kept in one block. */
struct pg_args {
	const char **vals;
	int *lens;
	int *fmts;
	void *block;
};

static int pg_args_make(struct pg_db *pg, const struct db_param *p, size_t n, struct pg_args *a)
{
	size_t i, extra = 0, len;
	char *text;

	memset(a, 0, sizeof(*a));
	if (n == 0)
		return DB_OK;
	if (n > 65535)
		return db_failf(&pg->base, DB_ERROR, "too many parameters");
	for (i = 0; i < n; i++) {
		if (p[i].type == DB_INT)
			extra += 24;
		else if (p[i].type == DB_TEXT && p[i].s && p[i].len != DB_STRLEN)
			extra += p[i].len + 1;
		else if (p[i].type == DB_BLOB && p[i].s && p[i].len > 0x7fffffff)
			return db_failf(&pg->base, DB_ERROR, "parameter $%zu: blob too large", i + 1);
	}
	a->block = malloc(n * (sizeof(char *) + 2 * sizeof(int)) + extra);
	if (!a->block)
		return db_failf(&pg->base, DB_ERROR, "out of memory");
	a->vals = a->block;
	a->lens = (int *)(a->vals + n);
	a->fmts = a->lens + n;
	text = (char *)(a->fmts + n);
	for (i = 0; i < n; i++) {
		a->vals[i] = NULL;
		a->lens[i] = 0;
		a->fmts[i] = 0;
		switch (p[i].type) {
		case DB_INT:
			snprintf(text, 24, "%lld", p[i].i);
			a->vals[i] = text;
			text += 24;
			break;
		case DB_TEXT:
			if (!p[i].s)
				break;
			if (p[i].len == DB_STRLEN) {
				a->vals[i] = p[i].s;
				break;
			}
			len = p[i].len;
			memcpy(text, p[i].s, len);
			text[len] = '\0';
			a->vals[i] = text;
			text += len + 1;
			break;
		case DB_BLOB:
			if (!p[i].s)
				break;
			a->vals[i] = p[i].s;
			a->lens[i] = (int)p[i].len;
			a->fmts[i] = 1; /* binary: the bytes as they are */
			break;
		default: break;
		}
	}
	return DB_OK;
}

static long long pg_changes(const PGresult *res)
{
	const char *tag = PQcmdStatus((PGresult *)res);

	if (strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 || strncmp(tag, "DELETE", 6) == 0 ||
	    strncmp(tag, "MERGE", 5) == 0)
		return strtoll(PQcmdTuples((PGresult *)res), NULL, 10);
	return 0;
}

static int pg_rows(struct db *d, PGresult *res, int (*cb)(void *, const struct db_row *), void *cls)
{
	struct db_row row;
	struct pg_blob *blobs = NULL;
	int i, j, rc = DB_OK, ntuples = PQntuples(res);

	row.ops = &pg_ops;
	row.h = res;
	row.ncols = PQnfields(res);
	row.scratch = NULL;
	for (j = 0; j < row.ncols; j++) {
		if (PQftype(res, j) == OID_BYTEA) {
			blobs = calloc((size_t)row.ncols, sizeof(*blobs));
			if (!blobs)
				return db_failf(d, DB_ERROR, "out of memory");
			row.scratch = blobs;
			break;
		}
	}
	for (i = 0; i < ntuples && rc == DB_OK; i++) {
		row.i = i;
		rc = cb(cls, &row);
		for (j = 0; blobs && j < row.ncols; j++) {
			PQfreemem(blobs[j].p);
			blobs[j].p = NULL;
		}
	}
	free(blobs);
	return rc;
}

static int pg_run(struct db *d, const char *sql, const struct db_param *p, size_t n, unsigned flags,
		  int (*cb)(void *, const struct db_row *), void *cls, long long *changes)
{
	struct pg_db *pg = (struct pg_db *)d;
	struct pg_stmt *st = NULL, *own = NULL;
	struct pg_args a;
	PGresult *res = NULL;
	const char *state;
	int rc, replanned = 0;
	ExecStatusType status;

	memset(&a, 0, sizeof(a));
	rc = pg_ensure(pg);
	if (rc != DB_OK)
		goto out;
	rc = pg_args_make(pg, p, n, &a);
	if (rc != DB_OK)
		goto out;
again:
	st = (flags & DB_RUN_NOCACHE) ? NULL : db_cache_find(d, sql);
	/* With the cache full, run unnamed rather than leave named
	 * statements behind on the server. */
	if (!st && !(flags & DB_RUN_NOCACHE) && d->ncached < DB_CACHE_MAX) {
		rc = pg_prepare(pg, sql, &own);
		if (rc != DB_OK)
			goto out;
		st = own;
		if (db_cache_add(d, sql, own) == 0)
			own = NULL;
	}
	if (st) {
		if (n != (size_t)st->nparams) {
			rc = db_failf(d, DB_ERROR, "statement takes %d parameters, %zu given", st->nparams, n);
			goto out;
		}
		res = PQexecPrepared(pg->conn, st->name, (int)n, a.vals, a.lens, a.fmts, 0);
	} else {
		d->stats.prepares++;
		res = PQexecParams(pg->conn, sql, (int)n, NULL, a.vals, a.lens, a.fmts, 0);
	}
	status = PQresultStatus(res);
	if (status == PGRES_EMPTY_QUERY) {
		rc = db_failf(d, DB_ERROR, "empty statement");
		goto out;
	}
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (st && !own && state && strcmp(state, "0A000") == 0 && !replanned) {
			/* "cached plan must not change result type": the table
			 * changed under a cached statement. Prepare it anew; in
			 * a transaction that has to be the next try. (The old
			 * server-side statement stays, unused, until the
			 * connection closes.) */
			db_cache_drop(d, sql);
			st = NULL;
			if (!d->in_tx) {
				replanned = 1;
				PQclear(res);
				res = NULL;
				goto again;
			}
			rc = pg_fail_as(pg, DB_ECONFLICT, res, p, n);
			goto out;
		}
		rc = pg_fail(pg, res, p, n);
		goto out;
	}
	if (cb)
		rc = pg_rows(d, res, cb, cls);
	if (changes)
		*changes = pg_changes(res);
out:
	PQclear(res);
	free(own);
	free(a.block);
	return rc;
}

static int pg_simple(struct pg_db *pg, const char *sql, const char *want_tag)
{
	PGresult *res;
	int rc = DB_OK;

	res = PQexec(pg->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(pg, res, NULL, 0);
	else if (want_tag && strcmp(PQcmdStatus(res), want_tag) != 0)
		rc = db_failf(&pg->base, DB_ERROR, "the transaction was rolled back");
	PQclear(res);
	return rc;
}

static int pg_begin(struct db *d, int readonly)
{
	struct pg_db *pg = (struct pg_db *)d;
	int rc;

	rc = pg_ensure(pg);
	if (rc != DB_OK)
		return rc;
	return pg_simple(
	    pg, readonly ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY" : "BEGIN ISOLATION LEVEL SERIALIZABLE",
	    NULL);
}

static int pg_commit(struct db *d)
{
	struct pg_db *pg = (struct pg_db *)d;
	int rc;

	rc = pg_simple(pg, "COMMIT", "COMMIT");
	if (rc != DB_OK && PQstatus(pg->conn) != CONNECTION_OK)
		rc = db_failf(d, DB_ERROR, "connection lost during COMMIT: the outcome is unknown");
	return rc;
}

static void pg_rollback(struct db *d)
{
	struct pg_db *pg = (struct pg_db *)d;
	PGresult *res;

	if (PQstatus(pg->conn) != CONNECTION_OK)
		return;
	res = PQexec(pg->conn, "ROLLBACK");
	PQclear(res);
}

static int pg_set_timeout(struct db *d, int ms)
{
	struct pg_db *pg = (struct pg_db *)d;
	int rc;

	rc = pg_ensure(pg);
	if (rc != DB_OK)
		return rc;
	return pg_lock_timeout(pg, ms);
}

static void pg_close(struct db *d)
{
	struct pg_db *pg = (struct pg_db *)d;

	PQfinish(pg->conn);
	free(pg);
}

static int pg_isnull(const struct db_row *row, int i)
{
	return PQgetisnull(row->h, row->i, i);
}

static const char *pg_text(const struct db_row *row, int i)
{
	return PQgetvalue(row->h, row->i, i);
}

static long long pg_integer(const struct db_row *row, int i)
{
	const char *v = PQgetvalue(row->h, row->i, i);

	if (PQftype(row->h, i) == OID_BOOL)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static const void *pg_blob(const struct db_row *row, int i, size_t *len)
{
	struct pg_blob *b = row->scratch;

	if (PQftype(row->h, i) != OID_BYTEA || !b) {
		*len = (size_t)PQgetlength(row->h, row->i, i);
		return PQgetvalue(row->h, row->i, i);
	}
	if (!b[i].p) {
		b[i].p = PQunescapeBytea((const unsigned char *)PQgetvalue(row->h, row->i, i), &b[i].len);
		if (!b[i].p)
			return NULL;
	}
	*len = b[i].len;
	return b[i].p;
}

static int pg_listen(struct db *d)
{
	struct pg_db *pg = (struct pg_db *)d;
	PGresult *res;
	int rc = pg_ensure(pg);

	if (rc != DB_OK)
		return rc;
	res = PQexec(pg->conn, "LISTEN epak_revision");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(pg, res, NULL, 0);
	PQclear(res);
	if (rc == DB_OK)
		pg->listening = 1;
	return rc;
}

/* Consumes every queued notification; 1 if there was one. */
static int pg_drain(struct pg_db *pg)
{
	PGnotify *n;
	int got = 0;

	for (n = PQnotifies(pg->conn); n; n = PQnotifies(pg->conn)) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}

static int pg_wait(struct db *d, int timeout_ms)
{
	struct pg_db *pg = (struct pg_db *)d;
	struct pollfd pfd;
	int rc;

	if (PQstatus(pg->conn) != CONNECTION_OK)
		return db_failf(d, DB_ERROR, "connection to PostgreSQL lost");
	if (pg_drain(pg))
		return 1;
	pfd.fd = PQsocket(pg->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		return db_failf(d, DB_ERROR, "connection to PostgreSQL lost");
	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : db_failf(d, DB_ERROR, "waiting for PostgreSQL: poll failed");
	if (rc == 0)
		return 0;
	if (!PQconsumeInput(pg->conn) || PQstatus(pg->conn) != CONNECTION_OK)
		return pg_fail(pg, NULL, NULL, 0);
	return pg_drain(pg);
}

static const struct db_ops pg_ops = {
    .name = "postgresql",
    .run = pg_run,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .set_timeout = pg_set_timeout,
    .stmt_free = pg_stmt_free,
    .close = pg_close,
    .isnull = pg_isnull,
    .text = pg_text,
    .integer = pg_integer,
    .blob = pg_blob,
    .listen = pg_listen,
    .wait = pg_wait,
};

struct db *db_pg_open(const char *url, struct err *err)
{
	/* Keywords before dbname are defaults the URL may override; those
	 * after it are not negotiable. */
	static const char *const kw[] = {"connect_timeout", "application_name", "dbname", "client_encoding", NULL};
	const char *val[] = {"10", "epak", url, "UTF8", NULL};
	struct pg_db *pg;
	char line[200];

	pg = calloc(1, sizeof(*pg));
	if (!pg) {
		err_set(err, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	db_base_init(&pg->base, &pg_ops);
	pg->conn = PQconnectdbParams(kw, val, 1);
	if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
		first_line(line, sizeof(line), pg->conn ? PQerrorMessage(pg->conn) : "out of memory");
		err_set(err, ERR_UNAVAILABLE, "PostgreSQL: %s", line);
		goto fail;
	}
	if (pg_session_setup(pg) != DB_OK) {
		err_set(err, ERR_UNAVAILABLE, "PostgreSQL: %.200s", pg->base.err);
		goto fail;
	}
	return &pg->base;
fail:
	pg_close(&pg->base);
	return NULL;
}
