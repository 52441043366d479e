/* pgtest.h — the tests that run on both engines: where the PostgreSQL test
 * server is (tests/run.sh exports EPAK_TEST_PG_URL), whether it is required,
 * and one database per test: a fresh temporary folder for SQLite's file, or
 * a fresh schema on the server. Include after testutil.h. */
#ifndef EPAK_PGTEST_H
#define EPAK_PGTEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/db.h"
#include "store/migrate.h"

/* Fails the test unless expr, a call on db, returns DB_OK. */
#define OK(db, expr)                                                                                                   \
	do {                                                                                                           \
		int rc_ = (expr);                                                                                      \
		if (rc_ != DB_OK)                                                                                      \
			fail_msg("%s: rc %d: %s", #expr, rc_, db_errmsg(db));                                          \
	} while (0)

/* EPAK_TEST_REQUIRE_PG=1: a missing server fails the PostgreSQL half. */
static inline int require_pg(void)
{
	const char *r = getenv("EPAK_TEST_REQUIRE_PG");

	return r && strcmp(r, "1") == 0;
}

static inline const char *pg_url(void)
{
	const char *u = getenv("EPAK_TEST_PG_URL");

	return u && *u ? u : NULL;
}

/* "CREATE" or "DROP" (with CASCADE) one schema on the test server. */
static inline int pg_admin(const char *verb, const char *schema)
{
	char sql[160];
	struct err err = {0};
	struct db *admin;
	int rc;

	admin = db_open(pg_url(), &err);
	if (!admin) {
		print_error("cannot reach PostgreSQL: %s\n", err.msg);
		return -1;
	}
	/* A schema name cannot be a parameter; this one is made up by the
	 * test itself from its pid and a counter. */
	snprintf(sql, sizeof(sql), "%s SCHEMA %s%s", verb, schema, strcmp(verb, "DROP") == 0 ? " CASCADE" : "");
	rc = db_exec(admin, sql, DB_NOP, NULL);
	if (rc != DB_OK)
		print_error("%s: %s\n", sql, db_errmsg(admin));
	db_close(admin);
	return rc;
}

/* For main(): says on stderr what becomes of the PostgreSQL half. */
static inline void pg_note_missing(const char *test)
{
	if (!pg_url())
		fprintf(stderr, "%s: EPAK_TEST_PG_URL is unset: the PostgreSQL half %s\n", test,
			require_pg() ? "FAILS (EPAK_TEST_REQUIRE_PG=1)" : "is skipped");
}

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything in it (no links followed). */
static inline void rm_rf(const char *dir)
{
	if (dir && *dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- one database per test ---- */

/* The engine a test runs on (its cmocka initial state). */
struct backend {
	const char *name;
	int pg;
};

/* Where one test's database lives. */
struct testdb {
	char dir[64];      /* a fresh temporary folder (on both engines) */
	char target[1024]; /* what db_open gets: a path or a URL */
	char schema[64];   /* PostgreSQL: the schema of this test */
	int unavailable;   /* PostgreSQL asked for, but EPAK_TEST_PG_URL is unset */
};

/* Makes the folder /tmp/epak-TAG-XXXXXX (TAG in lower case letters: it
 * names the schema too) and, for be, a database of the test's own, and opens *db on it (migrated when migrate is set). On SQLite
 * the database is DIR/FILE (db_open makes FILE's folders); on PostgreSQL a
 * fresh schema, and a URL whose options=-csearch_path=... puts every
 * connection in it. *db stays NULL when be is NULL (the folder only) or when
 * there is no PostgreSQL server (t is then marked unavailable). 0, or -1
 * after saying why. */
static inline int testdb_make(struct testdb *t, const char *tag, const struct backend *be, const char *file,
			      int migrate, struct db **db)
{
	static int counter;
	struct err err = {0};
	const char *url;

	memset(t, 0, sizeof(*t));
	*db = NULL;
	snprintf(t->dir, sizeof(t->dir), "/tmp/epak-%s-XXXXXX", tag);
	if (!mkdtemp(t->dir)) {
		t->dir[0] = '\0';
		return -1;
	}
	if (!be)
		return 0;
	if (!be->pg) {
		snprintf(t->target, sizeof(t->target), "%s/%s", t->dir, file);
	} else {
		url = pg_url();
		if (!url) {
			t->unavailable = 1;
			return 0;
		}
		/* A name the test makes up itself from its pid and a counter. */
		snprintf(t->schema, sizeof(t->schema), "%s_%ld_%d", tag, (long)getpid(), ++counter);
		if (pg_admin("CREATE", t->schema) != 0) {
			t->schema[0] = '\0';
			return -1;
		}
		snprintf(t->target, sizeof(t->target), "%s%coptions=-csearch_path%%3D%s", url,
			 strchr(url, '?') ? '&' : '?', t->schema);
	}
	*db = db_open(t->target, &err);
	if (!*db) {
		print_error("db_open(%s): %s\n", be->name, err.msg);
		return -1;
	}
	if (migrate && db_migrate(*db, NULL) != DB_OK) {
		print_error("migrate(%s): %s\n", be->name, db_errmsg(*db));
		return -1;
	}
	return 0;
}

/* Drops t's schema and removes its folder with all in it (close its
 * connections first). */
static inline void testdb_remove(struct testdb *t)
{
	if (t->schema[0])
		pg_admin("DROP", t->schema);
	rm_rf(t->dir);
	memset(t, 0, sizeof(*t));
}

/* In a test: skips it when its PostgreSQL is unavailable, or fails it when
 * EPAK_TEST_REQUIRE_PG=1. */
static inline void testdb_need(const struct testdb *t)
{
	if (t->unavailable) {
		if (require_pg())
			fail_msg("EPAK_TEST_PG_URL is unset and EPAK_TEST_REQUIRE_PG=1");
		skip();
	}
}

/* The common fixture: one migrated database per test on the engine of the
 * cmocka initial state. setup: *state is the backend and becomes the
 * fixture; a test calls testdb_need(&fx->t) before using fx->db. */
struct dbfix {
	const struct backend *be;
	struct testdb t;
	struct db *db;
};

static inline int dbfix_setup(void **state, const char *tag)
{
	struct dbfix *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->be = *state;
	*state = fx;
	return testdb_make(&fx->t, tag, fx->be, "epak.db", 1, &fx->db);
}

static inline int dbfix_teardown(void **state)
{
	struct dbfix *fx = *state;

	if (fx) {
		db_close(fx->db);
		testdb_remove(&fx->t);
		free(fx);
	}
	return 0;
}

#endif
