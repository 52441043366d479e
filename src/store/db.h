/* db.h — what the rest of epak may ask of a database.
 *
 * One small interface, two engines: SQLite (the embedded default, opened by
 * file path) and PostgreSQL through libpq (the scale-out engine, opened by a
 * postgres:// or postgresql:// URL). Callers write ONE SQL text for both:
 *
 *   - parameters are $1..$N, each used at least once; SQL is never built
 *     with printf or concatenation from data;
 *   - INSERT ... ON CONFLICT (...) DO UPDATE / DO NOTHING, and RETURNING;
 *   - column types TEXT, BIGINT (INTEGER where 32 bits do), BYTEA for bytes;
 *     booleans are INTEGER 0/1; times are BIGINT unix seconds;
 *   - an auto-numbered id is "id INTEGER PRIMARY KEY" plus a PostgreSQL-only
 *     migration step (see migrations.c); never insert explicit values there;
 *   - where PostgreSQL cannot infer a parameter's type from its context
 *     ("SELECT $1 IS NULL"), write CAST($1 AS BIGINT) / CAST($1 AS TEXT);
 *   - no SELECT ... FOR UPDATE (SQLite has none): db_tx() is serializable on
 *     both engines, so read-check-write inside db_tx() is safe as it stands;
 *   - 'single quotes' for strings; "double quotes" are identifiers on both
 *     (SQLite's double-quoted-string misfeature is switched off);
 *   - LIKE ignores ASCII case on SQLite and not on PostgreSQL: compare
 *     lower(x), or better a folded column;
 *   - one statement per call.
 *
 * Every statement is prepared once per connection and cached by its text, so
 * SQL texts should be static strings. A struct db is one connection: use it
 * from one thread at a time; open one per thread that needs one. Calls block
 * (SQLite may wait up to the lock timeout, PostgreSQL waits on the network).
 *
 * Error messages (db_errmsg) never contain parameter values: they are built
 * from the engine's primary message only, with any parameter value that
 * shows up in it replaced by "?".
 */
#ifndef EPAK_DB_H
#define EPAK_DB_H

#include <stddef.h>

#include "core/err.h"

struct db;
struct db_row;

/* Return codes. Zero is success, negatives are errors, DB_ENOROW is a
 * result rather than an error. Inside db_tx() any error dooms the whole
 * transaction (as PostgreSQL does): later statements fail and nothing of it
 * is committed. Use ON CONFLICT rather than "try, and on error do else". */
enum {
	DB_OK = 0,
	DB_ENOROW = 1,       /* db_query_int(): no row, or the value is NULL */
	DB_ERROR = -1,       /* anything else; see db_errmsg() */
	DB_ECONSTRAINT = -2, /* a UNIQUE or PRIMARY KEY constraint: "already exists" */
	DB_EINTEGRITY = -3,  /* a FOREIGN KEY, CHECK or NOT NULL constraint */
	DB_ECONFLICT = -4,   /* serialization failure, deadlock, lock timeout: db_tx() retries */
};

enum db_param_type { DB_NULL, DB_TEXT, DB_INT, DB_BLOB };

/* One parameter value, borrowed for the duration of the call. Text must be
 * valid UTF-8 without NUL bytes; a NULL text or blob pointer binds SQL NULL. */
struct db_param {
	enum db_param_type type;
	const char *s; /* DB_TEXT, DB_BLOB */
	size_t len;    /* DB_TEXT: DB_STRLEN means strlen(s) */
	long long i;   /* DB_INT */
};

#define DB_STRLEN ((size_t)-1)
#define PNULL ((struct db_param){.type = DB_NULL})
#define PTEXT(x) ((struct db_param){.type = DB_TEXT, .s = (x), .len = DB_STRLEN})
#define PTEXTN(x, n) ((struct db_param){.type = DB_TEXT, .s = (x), .len = (n)})
#define PINT(x) ((struct db_param){.type = DB_INT, .i = (x)})
#define PBLOB(p, n) ((struct db_param){.type = DB_BLOB, .s = (const char *)(p), .len = (n)})

/* DB_P(...) expands to the "params, nparams" pair of arguments:
 *	db_exec(db, SQL_SESSION_TOUCH, DB_P(PINT(now), PTEXT(id)), NULL);
 * DB_NOP stands for "no parameters". */
#define DB_P(...)                                                                                                      \
	(const struct db_param[]){__VA_ARGS__},                                                                        \
	    (sizeof((const struct db_param[]){__VA_ARGS__}) / sizeof(struct db_param))
#define DB_NOP NULL, 0

/* "postgres://..." or "postgresql://..." opens PostgreSQL (the URL may carry
 * any libpq parameter, e.g. ?sslmode=require&options=-csearch_path%3Dx);
 * anything else is an SQLite file path, created (mode 0600, parent folders
 * too) when missing. NULL on failure, with err set (err may be NULL). */
struct db *db_open(const char *url_or_path, struct err *err);
void db_close(struct db *db);

/* Runs one statement, discarding any rows (RETURNING rows included).
 * *changes (may be NULL) gets the number of rows inserted, updated or
 * deleted; 0 for anything else. */
int db_exec(struct db *db, const char *sql, const struct db_param *params, size_t nparams, long long *changes);

/* Runs one statement and calls row_cb for each row. The row and everything
 * read from it is valid only during that call. A non-zero return from row_cb
 * stops the query and becomes db_query's return value (use positive values
 * so as not to be mistaken for DB_E*). row_cb must not call db_tx(). */
int db_query(struct db *db, const char *sql, const struct db_param *params, size_t nparams,
	     int (*row_cb)(void *cls, const struct db_row *row), void *cls);

/* The first column of the first row as an integer: DB_OK, DB_ENOROW when
 * there is no row or the value is NULL, or an error. */
int db_query_int(struct db *db, const char *sql, const struct db_param *params, size_t nparams, long long *out);

/* Column accessors; i counts from 0. row_text() and row_blob() return NULL
 * for SQL NULL. Use row_blob() for BYTEA columns and row_int() for integers
 * (PostgreSQL booleans read as 1/0). */
int row_ncols(const struct db_row *row);
int row_isnull(const struct db_row *row, int i);
const char *row_text(const struct db_row *row, int i);
long long row_int(const struct db_row *row, int i);
const void *row_blob(const struct db_row *row, int i, size_t *len);

/* Runs body inside a serializable read-write transaction (SQLite: BEGIN
 * IMMEDIATE; PostgreSQL: BEGIN ISOLATION LEVEL SERIALIZABLE). body returns 0
 * to commit; anything else rolls back and is returned. On DB_ECONFLICT (from
 * body's statements, or from BEGIN or COMMIT) everything is rolled back and
 * body runs again after a randomized back-off, at most DB_TX_TRIES times;
 * body must therefore have no effects outside the database (or undo them at
 * its start). A write is committed once db_tx() has returned DB_OK (on
 * SQLite, synchronous=FULL: the commit is on disk, so it survives an epak
 * crash and a power cut).
 * Transactions do not nest: db_tx() inside a body fails. */
#define DB_TX_TRIES 10
int db_tx(struct db *db, int (*body)(struct db *db, void *cls), void *cls);

/* The same for a read-only body that needs one consistent snapshot across
 * several queries (SQLite: deferred BEGIN with query_only; PostgreSQL:
 * REPEATABLE READ READ ONLY). Writes inside it fail. */
int db_tx_read(struct db *db, int (*body)(struct db *db, void *cls), void *cls);

/* How long a statement waits for a lock another connection holds before it
 * fails with DB_ECONFLICT (SQLite busy timeout, PostgreSQL lock_timeout).
 * ms > 0; the default is 5000. Call it outside transactions. */
int db_set_timeout(struct db *db, int ms);

/* Change notification for the read model. On PostgreSQL every change of
 * the revision row is announced on commit (a trigger, migration 6);
 * db_listen_revision() subscribes this connection (again after a
 * reconnect): DB_OK, or DB_ENOROW when the backend has no notifications
 * (SQLite: poll instead). db_wait_revision() waits up to timeout_ms for an
 * announcement: 1 when one came (all queued ones are consumed), 0 on
 * timeout, DB_ERROR when the connection is lost. Use a connection of its
 * own: no transaction may be open. */
int db_listen_revision(struct db *db);
int db_wait_revision(struct db *db, int timeout_ms);
const char *db_backend(const struct db *db); /* "sqlite" or "postgresql" */
/* Gives the space of deleted rows back to the file system: SQLite runs an
 * incremental vacuum (converting a database made without auto_vacuum once,
 * with a full VACUUM); PostgreSQL leaves it to autovacuum. Outside
 * transactions. */
int db_reclaim(struct db *db);
const char *db_errmsg(const struct db *db); /* the last error; "" if none */

struct db_stats {
	unsigned long long prepares;   /* statements parsed by the engine */
	unsigned long long cache_hits; /* statements found already prepared */
	unsigned long long tx_retries; /* db_tx bodies run again after a conflict */
};
void db_get_stats(const struct db *db, struct db_stats *out);

/* Errors of all connections of the process since it started, by kind (for
 * metrics): DB_ERROR, DB_ECONSTRAINT, DB_EINTEGRITY, DB_ECONFLICT as each
 * statement reported it, and databases that could not be opened. */
enum { DB_ERRK_ERROR, DB_ERRK_CONSTRAINT, DB_ERRK_INTEGRITY, DB_ERRK_CONFLICT, DB_ERRK_CONNECT, DB_ERRK__COUNT };
const char *db_error_kind_name(int kind); /* "error", "constraint", "integrity", "conflict", "connect" */
unsigned long long db_error_count(int kind);

#ifdef EPAK_DB_INTERNAL
/* ---- Below: for db.c, sqlite.c, pg.c and migrate.c only. ---- */

#define DB_RUN_NOCACHE 1u /* one-shot statement (migrations): do not cache */

struct db_ops {
	const char *name;
	int (*run)(struct db *db, const char *sql, const struct db_param *p, size_t n, unsigned flags,
		   int (*cb)(void *cls, const struct db_row *row), void *cls, long long *changes);
	int (*begin)(struct db *db, int readonly);
	int (*commit)(struct db *db);
	void (*rollback)(struct db *db);
	int (*set_timeout)(struct db *db, int ms);
	void (*stmt_free)(struct db *db, void *stmt);
	void (*close)(struct db *db);
	/* row accessors; the column index is already checked */
	int (*isnull)(const struct db_row *row, int i);
	const char *(*text)(const struct db_row *row, int i);
	long long (*integer)(const struct db_row *row, int i);
	const void *(*blob)(const struct db_row *row, int i, size_t *len);
	/* change notification; NULL when the backend has none */
	int (*listen)(struct db *db);
	int (*wait)(struct db *db, int timeout_ms);
};

struct db_row {
	const struct db_ops *ops;
	void *h; /* sqlite3_stmt * or PGresult * */
	int i;   /* PostgreSQL: the row number */
	int ncols;
	void *scratch; /* PostgreSQL: decoded BYTEA values, or NULL */
};

struct db_cached;
#define DB_CACHE_BUCKETS 128
#define DB_CACHE_MAX 1024

/* The part every backend shares; each backend's struct starts with it. */
struct db {
	const struct db_ops *ops;
	char err[256];
	int in_tx;
	int readonly_tx;
	int tx_rc; /* first error inside the current transaction */
	int timeout_ms;
	unsigned rng;
	struct db_stats stats;
	struct db_cached *cache[DB_CACHE_BUCKETS];
	size_t ncached;
};

struct db *db_sqlite_open(const char *path, struct err *err);
struct db *db_pg_open(const char *url, struct err *err);

void db_base_init(struct db *db, const struct db_ops *ops);
/* The prepared-statement cache, keyed by the SQL text (not its address). */
void *db_cache_find(struct db *db, const char *sql);
int db_cache_add(struct db *db, const char *sql, void *stmt); /* -1: full */
void db_cache_drop(struct db *db, const char *sql);
void db_cache_clear(struct db *db);
/* Records an error: msg is scrubbed of the parameter values, the current
 * transaction is doomed. Returns rc. */
int db_fail(struct db *db, int rc, const struct db_param *p, size_t n, const char *msg);
int db_failf(struct db *db, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Checks params (types, UTF-8, no NUL in text); resolves DB_STRLEN. */
int db_param_check(struct db *db, const struct db_param *p, size_t n);
size_t db_param_len(const struct db_param *p);
int db_exec_once(struct db *db, const char *sql, const struct db_param *p, size_t n);
#endif

#endif
