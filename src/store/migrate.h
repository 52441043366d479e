/* migrate.h — numbered schema migrations.
 *
 * Migrations live in migrations.c as static SQL texts, oldest first, and are
 * never edited once released: a change to the schema is a new migration with
 * the next number. db_migrate() applies the pending ones, each in its own
 * transaction (DDL is transactional on both engines, so a failing migration
 * leaves nothing behind), and records each in schema_migrations. It is
 * idempotent and safe to run from several epak nodes at once (PostgreSQL:
 * an advisory lock; SQLite: the single writer).
 */
#ifndef EPAK_MIGRATE_H
#define EPAK_MIGRATE_H

#include <stddef.h>

#include "store/db.h"

/* A step runs on both engines unless it says otherwise. Use the
 * engine-specific kinds only where one SQL text cannot do (see the note at
 * the top of migrations.c). */
enum migration_engine { MIG_BOTH, MIG_SQLITE, MIG_PG };

struct migration_step {
	enum migration_engine only;
	const char *sql; /* one statement */
};

struct migration {
	int version; /* 1, 2, 3, ... */
	const char *name;
	const struct migration_step *steps; /* ends with { 0, NULL } */
};

extern const struct migration db_migrations[];
extern const size_t db_nmigrations;

/* Applies every pending migration of this binary; *applied (may be NULL)
 * gets how many. Refuses, with a clear message, a database that has a
 * migration newer than this binary knows. DB_OK or an error. */
int db_migrate(struct db *db, int *applied);
/* The same with another list (tests). */
int db_migrate_with(struct db *db, const struct migration *list, size_t n, int *applied);
/* The newest version applied to the database (0: none), or an error (< 0). */
int db_migration_version(struct db *db);
/* The newest version this binary knows. */
int db_migration_latest(void);

#endif
