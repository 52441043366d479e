/* migrate.c — see migrate.h. */
#define EPAK_DB_INTERNAL
#include "store/migrate.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The bookkeeping table is created by db_migrate() itself, before migration
 * 1, and never changes shape. */
static const char SQL_BOOKKEEPING[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
				      "version INTEGER PRIMARY KEY, "
				      "name TEXT NOT NULL, "
				      "applied_at BIGINT NOT NULL)";
static const char SQL_VERSION[] = "SELECT MAX(version) FROM schema_migrations";
static const char SQL_APPLIED[] = "SELECT count(*) FROM schema_migrations WHERE version = $1";
static const char SQL_RECORD[] = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
/* Catalog look-ups differ by engine; these are the only engine-specific
 * queries outside migrations. */
static const char SQL_HAS_TABLE_SQLITE[] =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
static const char SQL_HAS_TABLE_PG[] = "SELECT count(*) FROM pg_catalog.pg_tables "
				       "WHERE schemaname = current_schema() AND tablename = 'schema_migrations'";
/* One epak node migrates at a time; the others wait (without the usual lock
 * timeout) and then find nothing left to do. The key is "epakmigr". */
static const char SQL_PG_NO_LOCK_TIMEOUT[] = "SELECT set_config('lock_timeout', '0', false)";
static const char SQL_PG_LOCK[] = "SELECT pg_advisory_lock(7309449309247334258)";
static const char SQL_PG_UNLOCK[] = "SELECT pg_advisory_unlock(7309449309247334258)";

#define ALREADY_APPLIED 2 /* a body result: another node was quicker */

static int is_pg(const struct db *db)
{
	return strcmp(db_backend(db), "postgresql") == 0;
}

int db_migration_latest(void)
{
	return db_nmigrations ? db_migrations[db_nmigrations - 1].version : 0;
}

int db_migration_version(struct db *db)
{
	long long n = 0, v = 0;
	int rc;

	rc = db_query_int(db, is_pg(db) ? SQL_HAS_TABLE_PG : SQL_HAS_TABLE_SQLITE, DB_NOP, &n);
	if (rc < 0)
		return rc;
	if (n == 0)
		return 0;
	rc = db_query_int(db, SQL_VERSION, DB_NOP, &v);
	if (rc < 0)
		return rc;
	if (rc == DB_ENOROW)
		return 0;
	if (v < 0 || v > INT_MAX)
		return db_failf(db, DB_ERROR, "schema_migrations holds an impossible version");
	return (int)v;
}

static int apply_one(struct db *db, void *cls)
{
	const struct migration *m = cls;
	const struct migration_step *s;
	long long n = 0;
	int rc;

	rc = db_query_int(db, SQL_APPLIED, DB_P(PINT(m->version)), &n);
	if (rc != DB_OK)
		return rc;
	if (n > 0)
		return ALREADY_APPLIED;
	for (s = m->steps; s && s->sql; s++) {
		if ((s->only == MIG_SQLITE && is_pg(db)) || (s->only == MIG_PG && !is_pg(db)))
			continue;
		rc = db_exec_once(db, s->sql, DB_NOP);
		if (rc != DB_OK)
			return rc;
	}
	return db_exec(db, SQL_RECORD, DB_P(PINT(m->version), PTEXT(m->name), PINT((long long)time(NULL))), NULL);
}

static int check_list(struct db *db, const struct migration *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (list[i].version <= 0 || (i > 0 && list[i].version <= list[i - 1].version) || !list[i].name)
			return db_failf(db, DB_ERROR,
					"migration list: versions must rise from 1 and have names "
					"(entry %zu)",
					i);
	}
	return DB_OK;
}

int db_migrate_with(struct db *db, const struct migration *list, size_t n, int *applied)
{
	char why[sizeof(db->err)];
	int rc, current, latest, locked = 0, count = 0;
	size_t i;

	if (applied)
		*applied = 0;
	rc = check_list(db, list, n);
	if (rc != DB_OK)
		goto out;
	if (is_pg(db)) {
		rc = db_exec(db, SQL_PG_NO_LOCK_TIMEOUT, DB_NOP, NULL);
		if (rc == DB_OK)
			rc = db_exec(db, SQL_PG_LOCK, DB_NOP, NULL);
		locked = rc == DB_OK;
		if (rc == DB_OK)
			rc = db_set_timeout(db, db->timeout_ms);
		if (rc != DB_OK)
			goto out;
	}
	rc = db_exec_once(db, SQL_BOOKKEEPING, DB_NOP);
	if (rc != DB_OK)
		goto out;
	current = db_migration_version(db);
	if (current < 0) {
		rc = current;
		goto out;
	}
	latest = n ? list[n - 1].version : 0;
	if (current > latest) {
		rc = db_failf(db, DB_ERROR,
			      "the database is at schema version %d, newer than this epak knows (%d): "
			      "run the newer epak, or restore a backup that matches this one",
			      current, latest);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (list[i].version <= current)
			continue;
		rc = db_tx(db, apply_one, (void *)&list[i]);
		if (rc == ALREADY_APPLIED)
			continue;
		if (rc != DB_OK) {
			snprintf(why, sizeof(why), "%s", db_errmsg(db));
			rc = db_failf(db, rc < 0 ? rc : DB_ERROR, "migration %d (%s) failed: %s", list[i].version,
				      list[i].name, why);
			goto out;
		}
		count++;
	}
	rc = DB_OK;
out:
	if (is_pg(db)) {
		/* unlock and restore the lock timeout; keep the first message */
		snprintf(why, sizeof(why), "%s", db_errmsg(db));
		if (locked)
			db_exec(db, SQL_PG_UNLOCK, DB_NOP, NULL);
		db_set_timeout(db, db->timeout_ms);
		snprintf(db->err, sizeof(db->err), "%s", why);
	}
	if (applied)
		*applied = count;
	return rc;
}

int db_migrate(struct db *db, int *applied)
{
	return db_migrate_with(db, db_migrations, db_nmigrations, applied);
}
