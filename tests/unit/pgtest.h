/* pgtest.h — the PostgreSQL side of the tests that run on both engines:
 * where the test server is (tests/run.sh exports EPAK_TEST_PG_URL), whether
 * it is required, and a schema of their own per test. Include after
 * testutil.h and store/db.h. */
#ifndef EPAK_PGTEST_H
#define EPAK_PGTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

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
	struct db_err err;
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

#endif
