/* test_store.c — the store, the same suite on SQLite and on PostgreSQL.
 *
 * SQLite runs on a fresh file in a fresh temporary folder per test.
 * PostgreSQL runs at EPAK_TEST_PG_URL (tests/pg.sh starts one), in a fresh
 * schema per test, chosen through the URL's options=-csearch_path=... so
 * every connection a test opens lands in it. Without EPAK_TEST_PG_URL the
 * PostgreSQL half is skipped, or fails when EPAK_TEST_REQUIRE_PG=1.
 */
#include "testutil.h"

#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/db.h"
#include "pgtest.h"
#include "store/migrate.h"
#include "web/search_log.h"

static struct backend be_sqlite = {"sqlite", 0};
static struct backend be_pg = {"postgresql", 1};

struct fx {
	const struct backend *be;
	struct testdb tdb; /* SQLite in a folder that does not exist yet, or a schema */
	struct db *db;
	struct db *db2; /* a second connection, when a test needs one */
};

static const char LV[] = "Ābeļu ķēniņš: āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ";
static const char LV11[] = "āčēģīķļņšūž"; /* 11 letters, 22 bytes */

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* ---- fixture ---- */

static int fx_setup(void **state)
{
	const struct backend *be = *state;
	struct fx *fx;

	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->be = be;
	*state = fx;
	/* in a folder that does not exist yet: db_open makes it */
	return testdb_make(&fx->tdb, "store", be, "sub/epak.db", 0, &fx->db);
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (!fx)
		return 0;
	db_close(fx->db);
	db_close(fx->db2);
	testdb_remove(&fx->tdb);
	free(fx);
	return 0;
}

static struct fx *fx_of(void **state)
{
	struct fx *fx = *state;

	testdb_need(&fx->tdb);
	return fx;
}

static struct fx *fx_migrated(void **state)
{
	struct fx *fx = fx_of(state);

	OK(fx->db, db_migrate(fx->db, NULL));
	return fx;
}

static struct db *second(struct fx *fx)
{
	struct err err = {0};

	if (!fx->db2) {
		fx->db2 = db_open(fx->tdb.target, &err);
		if (!fx->db2)
			fail_msg("second connection: %s", err.msg);
	}
	return fx->db2;
}

static long long int_of(struct db *db, const char *sql)
{
	long long v = -1;

	OK(db, db_query_int(db, sql, DB_NOP, &v));
	return v;
}

static const char SQL_THING[] =
    "CREATE TABLE thing (id BIGINT PRIMARY KEY, name TEXT, n BIGINT, data BYTEA, note TEXT)";
static const char SQL_THING_ADD[] = "INSERT INTO thing (id, name, n, data, note) VALUES ($1, $2, $3, $4, $5)";
static const char SQL_REVISION[] = "SELECT value FROM revision WHERE id = 1";
static const char SQL_SESSION_ADD[] =
    "INSERT INTO session (id, created_at, expires_at, lang, data) VALUES ($1, $2, $3, $4, $5)";
static const char SQL_SESSIONS[] = "SELECT count(*) FROM session";

/* ---- change notification ---- */

static int bump_revision(struct db *db, void *cls)
{
	(void)cls;
	return db_exec(db, "UPDATE revision SET value = value + 1 WHERE id = 1", DB_NOP, NULL);
}

static int bump_and_fail(struct db *db, void *cls)
{
	int rc = bump_revision(db, cls);

	return rc != DB_OK ? rc : DB_EINTEGRITY; /* roll back */
}

static void revision_changes_are_announced(void **state)
{
	struct fx *fx = fx_migrated(state);
	int extra;
	struct db *writer = second(fx);

	if (!fx->be->pg) {
		/* one node: nothing to announce, the refresher polls */
		assert_int_equal(db_listen_revision(fx->db), DB_ENOROW);
		return;
	}
	OK(fx->db, db_listen_revision(fx->db));
	assert_int_equal(db_wait_revision(fx->db, 50), 0);
	/* A rolled-back change is never announced. Absence cannot be polled
	 * for: the window is fixed, and a late announcement would still be
	 * caught below, where after the two commits at most two may arrive
	 * (the check that counts them is what fails if one came from here). */
	assert_int_not_equal(db_tx(writer, bump_and_fail, NULL), DB_OK);
	assert_int_equal(db_wait_revision(fx->db, 200), 0);
	/* a committed one is: two commits, announced once or twice (PostgreSQL
	 * may fold them); waits are generous deadlines, not delays */
	OK(writer, db_tx(writer, bump_revision, NULL));
	OK(writer, db_tx(writer, bump_revision, NULL));
	assert_int_equal(db_wait_revision(fx->db, 60000), 1);
	/* then at most one more (a second is long: it was sent at the second
	 * commit, before the first arrived; a later one would only be taken
	 * for the announcement awaited at the end) */
	for (extra = 0; db_wait_revision(fx->db, 1000) == 1; extra++)
		assert_true(extra < 1);
	/* the listening connection still runs queries in between */
	assert_int_equal(int_of(fx->db, SQL_REVISION), 2);
	OK(writer, db_exec(writer, "UPDATE revision SET value = 10 WHERE id = 1", DB_NOP, NULL));
	assert_int_equal(db_wait_revision(fx->db, 60000), 1);
}

/* ---- open and migrate ---- */

static void opens_and_names_backend(void **state)
{
	struct fx *fx = fx_of(state);
	struct err err = {0};
	struct db *bad;
	struct stat st;

	assert_string_equal(db_backend(fx->db), fx->be->name);
	assert_string_equal(db_errmsg(fx->db), "");
	assert_int_equal(int_of(fx->db, "SELECT 1"), 1);
	if (!fx->be->pg) {
		assert_int_equal(stat(fx->tdb.target, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		bad = db_open("/proc/self/no/such/x.db", &err);
	} else {
		bad = db_open("postgres://epak@127.0.0.1:1/nothing?connect_timeout=3", &err);
	}
	assert_null(bad);
	assert_true(err.msg[0] != '\0');
}

static void migrates_once(void **state)
{
	struct fx *fx = fx_of(state);
	int applied = -1;

	assert_int_equal(db_migration_version(fx->db), 0);
	OK(fx->db, db_migrate(fx->db, &applied));
	assert_int_equal(applied, (int)db_nmigrations);
	assert_int_equal(db_migration_version(fx->db), db_migration_latest());
	OK(fx->db, db_migrate(fx->db, &applied));
	assert_int_equal(applied, 0);
	assert_int_equal(db_migration_version(fx->db), db_migration_latest());
	/* and from a second connection too */
	OK(fx->db, db_migrate(second(fx), &applied));
	assert_int_equal(applied, 0);
	assert_int_equal(int_of(fx->db, SQL_REVISION), 0);
	assert_int_equal(int_of(fx->db, "SELECT count(*) FROM schema_migrations"), (int)db_nmigrations);
}

/* A database migrated up to (not including) version. */
static struct fx *fx_before(void **state, int version)
{
	struct fx *fx = fx_of(state);
	size_t n = 0;

	while (n < db_nmigrations && db_migrations[n].version < version)
		n++;
	OK(fx->db, db_migrate_with(fx->db, db_migrations, n, NULL));
	return fx;
}

/* Migration 22 seeds an FAQ entry into a table editors have used since
 * migration 17: their own entry under the same slug, or a deleted topic,
 * must not stop the upgrade (the slug is UNIQUE, the topic a foreign key). */
static void faq_seed_spares_editors_entries(void **state)
{
	struct fx *fx = fx_before(state, 22);

	OK(fx->db,
	   db_exec(fx->db,
		   "INSERT INTO faq_entry (slug, topic, position, question_lv, answer_lv, state, created_at, "
		   "updated_at) VALUES ('pin-blokets', 'eid', 1, 'Mans PIN', 'Redaktora teksts', 'draft', 1, 1)",
		   DB_NOP, NULL));
	OK(fx->db, db_migrate(fx->db, NULL));
	assert_int_equal(db_migration_version(fx->db), db_migration_latest());
	assert_int_equal(int_of(fx->db, "SELECT count(*) FROM faq_entry WHERE slug = 'pin-blokets' AND "
					"answer_lv = 'Redaktora teksts' AND state = 'draft'"),
			 1);
}

/* ... and without the topic it would go under, nothing is seeded. */
static void faq_seed_without_its_topic(void **state)
{
	struct fx *fx = fx_before(state, 22);

	OK(fx->db, db_exec(fx->db, "DELETE FROM faq_entry WHERE topic = 'eid'", DB_NOP, NULL));
	OK(fx->db, db_exec(fx->db, "DELETE FROM faq_topic WHERE slug = 'eid'", DB_NOP, NULL));
	OK(fx->db, db_migrate(fx->db, NULL));
	assert_int_equal(db_migration_version(fx->db), db_migration_latest());
	assert_int_equal(int_of(fx->db, "SELECT count(*) FROM faq_entry WHERE slug = 'pin-blokets'"), 0);
}

static void migrate_refuses_newer_database(void **state)
{
	struct fx *fx = fx_migrated(state);
	int rc;

	OK(fx->db, db_exec(fx->db,
			   "INSERT INTO schema_migrations (version, name, applied_at) "
			   "VALUES (999, 'from the future', 0)",
			   DB_NOP, NULL));
	rc = db_migrate(fx->db, NULL);
	assert_int_equal(rc, DB_ERROR);
	assert_non_null(strstr(db_errmsg(fx->db), "999"));
	assert_non_null(strstr(db_errmsg(fx->db), "newer"));
}

static const struct migration_step steps_a[] = {
    {MIG_BOTH, "CREATE TABLE a (x TEXT)"},
    {MIG_BOTH, NULL},
};
static const struct migration_step steps_b_bad[] = {
    {MIG_BOTH, "CREATE TABLE half (x TEXT)"},
    {MIG_BOTH, "INSERT INTO half (x) VALUES ('written')"},
    {MIG_BOTH, "INSERT INTO no_such_table (x) VALUES (1)"},
    {MIG_BOTH, NULL},
};
static const struct migration_step steps_b_good[] = {
    {MIG_BOTH, "CREATE TABLE half (x TEXT)"},
    {MIG_SQLITE, "INSERT INTO half (x) VALUES ('sqlite')"},
    {MIG_PG, "INSERT INTO half (x) VALUES ('postgresql')"},
    {MIG_BOTH, NULL},
};

static int first_text_cb(void *cls, const struct db_row *row)
{
	snprintf(cls, 64, "%s", row_text(row, 0) ? row_text(row, 0) : "(null)");
	return 0;
}

static void failed_migration_leaves_nothing(void **state)
{
	struct fx *fx = fx_of(state);
	const struct migration bad[] = {{1, "a", steps_a}, {2, "b", steps_b_bad}};
	const struct migration good[] = {{1, "a", steps_a}, {2, "b", steps_b_good}};
	char got[64] = "";
	int applied = -1, rc;

	rc = db_migrate_with(fx->db, bad, 2, &applied);
	assert_int_not_equal(rc, DB_OK);
	assert_int_equal(applied, 1);
	assert_non_null(strstr(db_errmsg(fx->db), "migration 2 (b)"));
	assert_int_equal(db_migration_version(fx->db), 1);
	assert_int_not_equal(db_exec(fx->db, "SELECT x FROM half", DB_NOP, NULL), DB_OK);
	OK(fx->db, db_migrate_with(fx->db, good, 2, &applied));
	assert_int_equal(applied, 1);
	assert_int_equal(db_migration_version(fx->db), 2);
	OK(fx->db, db_query(fx->db, "SELECT x FROM half", DB_NOP, first_text_cb, got));
	assert_string_equal(got, fx->be->name); /* the engine-only steps */
}

/* ---- parameters and values ---- */

struct seen {
	int rows;
	long long id[4];
	char name[4][128];
	int name_null[4];
	long long n[4];
	unsigned char data[4][16];
	size_t data_len[4];
	int data_null[4];
	int note_null[4];
	long long chars[4];
	int ncols;
};

static int thing_cb(void *cls, const struct db_row *row)
{
	struct seen *s = cls;
	const void *blob;
	const char *t;
	int i = s->rows++;

	if (i >= 4)
		return 1;
	s->ncols = row_ncols(row);
	s->id[i] = row_int(row, 0);
	t = row_text(row, 1);
	s->name_null[i] = t == NULL;
	snprintf(s->name[i], sizeof(s->name[i]), "%s", t ? t : "");
	s->n[i] = row_int(row, 2);
	blob = row_blob(row, 3, &s->data_len[i]);
	s->data_null[i] = blob == NULL;
	if (blob && s->data_len[i] <= sizeof(s->data[i]))
		memcpy(s->data[i], blob, s->data_len[i]);
	s->note_null[i] = row_isnull(row, 4);
	s->chars[i] = row_int(row, 5);
	return 0;
}

static void binds_every_type(void **state)
{
	struct fx *fx = fx_of(state);
	static const unsigned char bin[] = {0, 1, 2, 0xff, 0, 'z', 0x80};
	static const char lv_tail[] = "āčēģīķļņšūžtail";
	struct seen s;
	long long changes = -1;

	OK(fx->db, db_exec(fx->db, SQL_THING, DB_NOP, NULL));
	OK(fx->db, db_exec(fx->db, SQL_THING_ADD,
			   DB_P(PINT(1), PTEXT(LV), PINT(LLONG_MIN), PBLOB(bin, sizeof(bin)), PNULL), &changes));
	assert_int_equal(changes, 1);
	OK(fx->db,
	   db_exec(fx->db, SQL_THING_ADD, DB_P(PINT(2), PTEXT(""), PINT(LLONG_MAX), PBLOB("", 0), PTEXT(NULL)), NULL));
	OK(fx->db, db_exec(fx->db, SQL_THING_ADD,
			   DB_P(PINT(3), PTEXTN(lv_tail, 22), PINT(0), PBLOB(NULL, 0), PTEXT("x")), NULL));

	memset(&s, 0, sizeof(s));
	OK(fx->db, db_query(fx->db, "SELECT id, name, n, data, note, length(name) FROM thing ORDER BY id", DB_NOP,
			    thing_cb, &s));
	assert_int_equal(s.rows, 3);
	assert_int_equal(s.ncols, 6);

	assert_int_equal(s.id[0], 1);
	assert_string_equal(s.name[0], LV);
	assert_int_equal(s.n[0], LLONG_MIN);
	assert_false(s.data_null[0]);
	assert_int_equal(s.data_len[0], sizeof(bin));
	assert_memory_equal(s.data[0], bin, sizeof(bin));
	assert_true(s.note_null[0]);
	assert_int_equal(s.chars[0], 37);

	assert_false(s.name_null[1]); /* '' is not NULL */
	assert_string_equal(s.name[1], "");
	assert_int_equal(s.n[1], LLONG_MAX);
	assert_false(s.data_null[1]); /* an empty blob is not NULL */
	assert_int_equal(s.data_len[1], 0);
	assert_true(s.note_null[1]);

	assert_string_equal(s.name[2], LV11);
	assert_int_equal(s.chars[2], 11); /* characters, not bytes */
	assert_true(s.data_null[2]);
	assert_false(s.note_null[2]);
}

static void numbers_parameters_by_name(void **state)
{
	struct fx *fx = fx_of(state);
	char got[64] = "";
	long long v = 0;

	/* $2 before $1: SQLite would give $2 the first index */
	OK(fx->db, db_query(fx->db, "SELECT CAST($2 AS TEXT) || CAST($1 AS TEXT)", DB_P(PTEXT("ē"), PTEXT("ā")),
			    first_text_cb, got));
	assert_string_equal(got, "āē");
	OK(fx->db,
	   db_query_int(fx->db, "SELECT CAST($1 AS BIGINT) + CAST($1 AS BIGINT) * $2", DB_P(PINT(5), PINT(3)), &v));
	assert_int_equal(v, 20);
	/* miscounted, misnumbered, or not UTF-8: refused the same way on both */
	assert_int_equal(db_query_int(fx->db, "SELECT CAST($1 AS BIGINT) + CAST($2 AS BIGINT)", DB_P(PINT(1)), &v),
			 DB_ERROR);
	assert_non_null(strstr(db_errmsg(fx->db), "takes 2 parameters"));
	assert_int_equal(
	    db_query_int(fx->db, "SELECT CAST($1 AS BIGINT) + CAST($3 AS BIGINT)", DB_P(PINT(1), PINT(2), PINT(3)), &v),
	    DB_ERROR);
	assert_int_equal(db_exec(fx->db, "SELECT CAST($1 AS TEXT)", DB_P(PTEXT("\xc4")), NULL), DB_ERROR);
	assert_int_equal(db_exec(fx->db, "SELECT CAST($1 AS TEXT)", DB_P(PTEXTN("a\0b", 3)), NULL), DB_ERROR);
	assert_int_equal(db_exec(fx->db, "SELECT 1; SELECT 2", DB_NOP, NULL), DB_ERROR);
	assert_int_equal(db_exec(fx->db, "SELEKT 1", DB_NOP, NULL), DB_ERROR);
	assert_true(db_errmsg(fx->db)[0] != '\0');
}

/* ---- RETURNING, ON CONFLICT, constraints ---- */

static void returning_gives_new_ids(void **state)
{
	struct fx *fx = fx_migrated(state);
	static const char SQL_AUDIT[] =
	    "INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, $3, $4) RETURNING id";
	long long a = 0, b = 0, rev = 0;

	OK(fx->db, db_query_int(fx->db, SQL_AUDIT,
				DB_P(PINT(1700000000), PTEXT("system"), PTEXT("test"), PTEXT("pirmais")), &a));
	OK(fx->db, db_query_int(fx->db, SQL_AUDIT,
				DB_P(PINT(1700000001), PTEXT("system"), PTEXT("test"), PTEXT("otrais")), &b));
	assert_true(a > 0);
	assert_true(b > a);
	OK(fx->db,
	   db_query_int(fx->db, "UPDATE revision SET value = value + 1 WHERE id = 1 RETURNING value", DB_NOP, &rev));
	assert_int_equal(rev, 1);
}

static void upserts_on_conflict(void **state)
{
	struct fx *fx = fx_migrated(state);
	static const char SQL_UPSERT[] =
	    "INSERT INTO session (id, created_at, expires_at, lang) VALUES ($1, $2, $3, $4) "
	    "ON CONFLICT (id) DO UPDATE SET expires_at = $3, lang = $4";
	static const char SQL_KEEP[] = "INSERT INTO session (id, created_at, expires_at) VALUES ($1, $2, $3) "
				       "ON CONFLICT (id) DO NOTHING";
	char got[64] = "";
	long long changes = -1, exp = 0;

	OK(fx->db, db_exec(fx->db, SQL_UPSERT, DB_P(PTEXT("h1"), PINT(10), PINT(20), PTEXT("lv")), &changes));
	assert_int_equal(changes, 1);
	OK(fx->db, db_exec(fx->db, SQL_UPSERT, DB_P(PTEXT("h1"), PINT(11), PINT(30), PTEXT("en")), &changes));
	assert_int_equal(changes, 1);
	OK(fx->db, db_exec(fx->db, SQL_KEEP, DB_P(PTEXT("h1"), PINT(12), PINT(40)), &changes));
	assert_int_equal(changes, 0);
	assert_int_equal(int_of(fx->db, SQL_SESSIONS), 1);
	OK(fx->db, db_query_int(fx->db, "SELECT expires_at FROM session WHERE id = $1", DB_P(PTEXT("h1")), &exp));
	assert_int_equal(exp, 30);
	OK(fx->db, db_query(fx->db, "SELECT lang FROM session WHERE id = $1", DB_P(PTEXT("h1")), first_text_cb, got));
	assert_string_equal(got, "en");
	OK(fx->db,
	   db_exec(fx->db, "UPDATE session SET lang = $1 WHERE id = $2", DB_P(PTEXT("lv"), PTEXT("nav")), &changes));
	assert_int_equal(changes, 0);
	OK(fx->db, db_exec(fx->db, "DELETE FROM session", DB_NOP, &changes));
	assert_int_equal(changes, 1);
}

static void tells_constraint_violations(void **state)
{
	struct fx *fx = fx_migrated(state);

	OK(fx->db,
	   db_exec(fx->db, SQL_SESSION_ADD, DB_P(PTEXT("same"), PINT(1), PINT(2), PTEXT("lv"), PTEXT("{}")), NULL));
	assert_int_equal(
	    db_exec(fx->db, SQL_SESSION_ADD, DB_P(PTEXT("same"), PINT(1), PINT(2), PTEXT("lv"), PTEXT("{}")), NULL),
	    DB_ECONSTRAINT);
	assert_true(db_errmsg(fx->db)[0] != '\0');
	assert_int_equal(
	    db_exec(fx->db, SQL_SESSION_ADD, DB_P(PTEXT("other"), PNULL, PINT(2), PTEXT("lv"), PTEXT("{}")), NULL),
	    DB_EINTEGRITY);
	assert_int_equal(db_exec(fx->db, "INSERT INTO revision (id, value) VALUES (2, 0)", DB_NOP, NULL),
			 DB_EINTEGRITY);
	assert_int_equal(int_of(fx->db, SQL_SESSIONS), 1);
}

/* ---- transactions ---- */

struct adder {
	int fail_how; /* 0 commit, 1 return 7, 2 propagate, 3 ignore the error, 4 nest */
	int nested_rc;
};

static int nothing(struct db *db, void *cls)
{
	(void)db;
	(void)cls;
	return DB_OK;
}

static int add_two(struct db *db, void *cls)
{
	struct adder *a = cls;
	int rc;

	rc = db_exec(db, SQL_SESSION_ADD, DB_P(PTEXT("s1"), PINT(1), PINT(2), PTEXT("lv"), PTEXT("{}")), NULL);
	if (rc != DB_OK)
		return rc;
	if (a->fail_how == 1)
		return 7;
	if (a->fail_how == 4) {
		a->nested_rc = db_tx(db, nothing, NULL);
		return a->nested_rc;
	}
	rc = db_exec(db, SQL_SESSION_ADD,
		     DB_P(PTEXT(a->fail_how >= 2 ? "s1" : "s2"), PINT(1), PINT(2), PTEXT("en"), PTEXT("{}")), NULL);
	if (a->fail_how == 3) {
		/* the body shrugs it off; the transaction does not */
		rc = db_exec(db, SQL_SESSION_ADD, DB_P(PTEXT("s3"), PINT(1), PINT(2), PTEXT("en"), PTEXT("{}")), NULL);
		assert_int_equal(rc, DB_ECONSTRAINT);
		return DB_OK;
	}
	return rc;
}

static void tx_commits(void **state)
{
	struct fx *fx = fx_migrated(state);
	struct adder a = {0, 0};

	OK(fx->db, db_tx(fx->db, add_two, &a));
	assert_int_equal(int_of(second(fx), SQL_SESSIONS), 2);
}

static void tx_rolls_back_on_failure(void **state)
{
	struct fx *fx = fx_migrated(state);
	struct adder a = {1, 0};

	assert_int_equal(db_tx(fx->db, add_two, &a), 7);
	assert_int_equal(int_of(fx->db, SQL_SESSIONS), 0);
	a.fail_how = 2;
	assert_int_equal(db_tx(fx->db, add_two, &a), DB_ECONSTRAINT);
	assert_int_equal(int_of(fx->db, SQL_SESSIONS), 0);
	a.fail_how = 3;
	assert_int_equal(db_tx(fx->db, add_two, &a), DB_ECONSTRAINT);
	assert_int_equal(int_of(fx->db, SQL_SESSIONS), 0);
	a.fail_how = 4;
	assert_int_equal(db_tx(fx->db, add_two, &a), DB_ERROR);
	assert_int_equal(a.nested_rc, DB_ERROR);
	assert_int_equal(int_of(fx->db, SQL_SESSIONS), 0);
	assert_int_equal(int_of(second(fx), SQL_SESSIONS), 0);
	/* and the connection is fine afterwards */
	a.fail_how = 0;
	OK(fx->db, db_tx(fx->db, add_two, &a));
	assert_int_equal(int_of(second(fx), SQL_SESSIONS), 2);
}

static int read_revision(struct db *db, void *cls)
{
	long long *v = cls;
	int rc;

	rc = db_query_int(db, SQL_REVISION, DB_NOP, v);
	if (rc != DB_OK)
		return rc;
	return db_exec(db, "UPDATE revision SET value = 5 WHERE id = 1", DB_NOP, NULL);
}

static int read_only(struct db *db, void *cls)
{
	return db_query_int(db, SQL_REVISION, DB_NOP, cls);
}

static void tx_read_is_read_only(void **state)
{
	struct fx *fx = fx_migrated(state);
	long long v = -1;
	int rc;

	OK(fx->db, db_tx_read(fx->db, read_only, &v));
	assert_int_equal(v, 0);
	rc = db_tx_read(fx->db, read_revision, &v);
	assert_true(rc < 0);
	assert_int_equal(int_of(fx->db, SQL_REVISION), 0);
	OK(fx->db, db_exec(fx->db, "UPDATE revision SET value = 6 WHERE id = 1", DB_NOP, NULL));
	assert_int_equal(int_of(fx->db, SQL_REVISION), 6);
}

/* A read-then-write increment: loses updates unless the transaction is
 * serializable. With other set, the first run lets a second connection
 * commit a change between the read and the write. */
struct bump {
	struct db *other;
	int runs;
	int other_rc;
};

static int bump_body(struct db *db, void *cls)
{
	struct bump *b = cls;
	long long v = 0;
	int rc;

	b->runs++;
	rc = db_query_int(db, SQL_REVISION, DB_NOP, &v);
	if (rc != DB_OK)
		return rc;
	if (b->other && b->runs == 1)
		b->other_rc = db_exec(b->other, "UPDATE revision SET value = value + 100 WHERE id = 1", DB_NOP, NULL);
	return db_exec(db, "UPDATE revision SET value = $1 WHERE id = 1", DB_P(PINT(v + 1)), NULL);
}

struct holder {
	const char *target;
	sem_t locked;
	int hold_ms;
	int posted;
	int rc;
};

static int hold_body(struct db *db, void *cls)
{
	struct holder *h = cls;
	int rc;

	rc = db_exec(db, "UPDATE revision SET value = value + 100 WHERE id = 1", DB_NOP, NULL);
	if (rc != DB_OK)
		return rc;
	h->posted = 1;
	sem_post(&h->locked);
	sleep_ms(h->hold_ms);
	return DB_OK;
}

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	struct db *db;

	db = db_open(h->target, NULL);
	h->rc = db ? db_tx(db, hold_body, h) : -100;
	if (!h->posted)
		sem_post(&h->locked);
	db_close(db);
	return NULL;
}

/* Another connection holds the lock for 300 ms: db_tx meets it, backs off
 * and runs again (a retry is counted), then succeeds. This is about timing:
 * the main thread must reach the lock while it is held, and be done before
 * its budget runs out (DB_TX_TRIES tries of a 40 ms lock wait plus back-off,
 * about a second in all). A loaded machine can put either thread to sleep
 * past those windows; such a round shows nothing either way (no retry, or
 * the budget spent while the holder slept) and is run again, up to 20
 * times, instead of failing on the machine's load. */
static void tx_retries_when_locked(void **state)
{
	struct fx *fx = fx_migrated(state);
	struct holder h;
	struct bump b;
	struct db_stats before, after;
	pthread_t t;
	int rc = DB_ERROR, round;
	long long expected = 0;

	OK(fx->db, db_set_timeout(fx->db, 40));
	for (round = 0; round < 20; round++) {
		memset(&h, 0, sizeof(h));
		memset(&b, 0, sizeof(b));
		h.target = fx->tdb.target;
		h.hold_ms = 300;
		sem_init(&h.locked, 0, 0);
		assert_int_equal(pthread_create(&t, NULL, holder_main, &h), 0);
		sem_wait(&h.locked);
		db_get_stats(fx->db, &before);
		rc = db_tx(fx->db, bump_body, &b);
		pthread_join(t, NULL);
		sem_destroy(&h.locked);
		db_get_stats(fx->db, &after);
		assert_int_equal(h.rc, DB_OK);
		expected += 100;
		if (rc == DB_OK)
			expected++;
		else if (rc != DB_ECONFLICT)
			fail_msg("db_tx: %d: %s", rc, db_errmsg(fx->db));
		if (rc == DB_OK && after.tx_retries > before.tx_retries)
			break;
		print_message("round %d showed nothing (rc %d, %llu retries): again\n", round, rc,
			      after.tx_retries - before.tx_retries);
	}
	if (round == 20)
		fail_msg("in 20 rounds db_tx never met the lock and then succeeded");
	assert_int_equal(int_of(fx->db, SQL_REVISION), expected);
}

static void tx_retries_serialization_failure(void **state)
{
	struct fx *fx = fx_migrated(state);
	struct bump b = {NULL, 0, 0};
	struct db_stats before, after;

	b.other = second(fx);
	db_get_stats(fx->db, &before);
	OK(fx->db, db_tx(fx->db, bump_body, &b));
	db_get_stats(fx->db, &after);
	assert_int_equal(b.other_rc, DB_OK);
	assert_int_equal(b.runs, 2); /* 40001 on the first run */
	assert_int_equal(after.tx_retries - before.tx_retries, 1);
	assert_int_equal(int_of(fx->db, SQL_REVISION), 101);
}

struct crosser {
	const char *target;
	pthread_barrier_t *bar;
	long long first, second;
	int runs;
	int rc;
	char err[256]; /* the last failure inside the body */
	unsigned long long retries;
};

static int cross_body(struct db *db, void *cls)
{
	struct crosser *c = cls;
	static const char SQL[] = "UPDATE pair SET v = v + 1 WHERE id = $1";
	int rc;

	c->runs++;
	rc = db_exec(db, SQL, DB_P(PINT(c->first)), NULL);
	if (rc == DB_OK && c->runs == 1)
		pthread_barrier_wait(c->bar);
	if (rc == DB_OK)
		rc = db_exec(db, SQL, DB_P(PINT(c->second)), NULL);
	if (rc != DB_OK)
		snprintf(c->err, sizeof(c->err), "%s", db_errmsg(db));
	return rc;
}

static void *crosser_main(void *arg)
{
	struct crosser *c = arg;
	struct db_stats st;
	struct db *db;

	db = db_open(c->target, NULL);
	if (!db) {
		c->rc = -100;
		return NULL;
	}
	c->rc = db_tx(db, cross_body, c);
	db_get_stats(db, &st);
	c->retries = st.tx_retries;
	db_close(db);
	return NULL;
}

static void tx_retries_deadlock(void **state)
{
	struct fx *fx = fx_of(state);
	pthread_barrier_t bar;
	struct crosser c[2];
	pthread_t t[2];
	int i;

	OK(fx->db, db_exec(fx->db, "CREATE TABLE pair (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)", DB_NOP, NULL));
	OK(fx->db, db_exec(fx->db, "INSERT INTO pair (id, v) VALUES (1, 0), (2, 0)", DB_NOP, NULL));
	pthread_barrier_init(&bar, NULL, 2);
	for (i = 0; i < 2; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].target = fx->tdb.target;
		c[i].bar = &bar;
		c[i].first = i + 1;
		c[i].second = 2 - i;
		assert_int_equal(pthread_create(&t[i], NULL, crosser_main, &c[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&bar);
	assert_int_equal(c[0].rc, DB_OK);
	assert_int_equal(c[1].rc, DB_OK);
	assert_true(c[0].retries + c[1].retries >= 1);
	/* one of them was the deadlock victim */
	assert_true(strstr(c[0].err, "40P01") || strstr(c[1].err, "40P01"));
	assert_int_equal(int_of(fx->db, "SELECT sum(v) FROM pair"), 4);
}

struct worker {
	const char *target;
	pthread_barrier_t *bar;
	int n;
	int failed;
	char err[256];
	unsigned long long retries;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct bump b = {NULL, 0, 0};
	struct db_stats st;
	struct db *db;
	int i, rc;

	db = db_open(w->target, NULL);
	pthread_barrier_wait(w->bar); /* both connected: now race */
	if (!db) {
		w->failed = w->n;
		return NULL;
	}
	for (i = 0; i < w->n; i++) {
		rc = db_tx(db, bump_body, &b);
		if (rc != DB_OK) {
			w->failed++;
			snprintf(w->err, sizeof(w->err), "%s", db_errmsg(db));
		}
	}
	db_get_stats(db, &st);
	w->retries = st.tx_retries;
	db_close(db);
	return NULL;
}

static void concurrent_increments_lose_nothing(void **state)
{
	struct fx *fx = fx_migrated(state);
	pthread_barrier_t bar;
	struct worker w[2];
	pthread_t t[2];
	int i;

	pthread_barrier_init(&bar, NULL, 2);
	for (i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].target = fx->tdb.target;
		w[i].bar = &bar;
		w[i].n = 40;
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&bar);
	for (i = 0; i < 2; i++) {
		if (w[i].failed)
			fail_msg("worker %d: %d failed: %s", i, w[i].failed, w[i].err);
	}
	print_message("    %s: %llu + %llu retries\n", fx->be->name, w[0].retries, w[1].retries);
	assert_int_equal(int_of(fx->db, SQL_REVISION), 80);
}

/* ---- the statement cache ---- */

struct nest {
	struct db *db;
	int outer;
	long long inner_total;
	int inner_rc;
};

static const char SQL_IDS[] = "SELECT id FROM thing ORDER BY id";

static int count_cb(void *cls, const struct db_row *row)
{
	(*(long long *)cls)++;
	(void)row;
	return 0;
}

static int nest_cb(void *cls, const struct db_row *row)
{
	struct nest *n = cls;
	long long count = 0;

	(void)row;
	n->outer++;
	/* the same SQL again while it is being stepped */
	n->inner_rc |= db_query(n->db, SQL_IDS, DB_NOP, count_cb, &count);
	n->inner_total += count;
	return 0;
}

static int pg_statements_cb(void *cls, const struct db_row *row)
{
	*(long long *)cls = row_int(row, 0);
	return 0;
}

static void caches_prepared_statements(void **state)
{
	struct fx *fx = fx_of(state);
	static const char SQL[] = "SELECT count(*) FROM thing WHERE n > $1";
	struct db_stats before, after;
	struct nest n = {fx->db, 0, 0, 0};
	char *copy;
	long long v, on_server = -1;
	int i;

	OK(fx->db, db_exec(fx->db, SQL_THING, DB_NOP, NULL));
	for (i = 1; i <= 3; i++)
		OK(fx->db, db_exec(fx->db, SQL_THING_ADD, DB_P(PINT(i), PTEXT("t"), PINT(i), PNULL, PNULL), NULL));
	db_get_stats(fx->db, &before);
	for (i = 0; i < 5; i++) {
		OK(fx->db, db_query_int(fx->db, SQL, DB_P(PINT(i)), &v));
		assert_int_equal(v, i < 3 ? 3 - i : 0);
	}
	copy = strdup(SQL); /* the same text elsewhere in memory */
	OK(fx->db, db_query_int(fx->db, copy, DB_P(PINT(1)), &v));
	free(copy);
	assert_int_equal(v, 2);
	db_get_stats(fx->db, &after);
	assert_int_equal(after.prepares - before.prepares, 1);
	assert_int_equal(after.cache_hits - before.cache_hits, 5);
	if (fx->be->pg) {
		OK(fx->db, db_query(fx->db, "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
				    DB_P(PTEXT(SQL)), pg_statements_cb, &on_server));
		assert_int_equal(on_server, 1);
	}
	OK(fx->db, db_query(fx->db, SQL_IDS, DB_NOP, nest_cb, &n));
	assert_int_equal(n.inner_rc, 0);
	assert_int_equal(n.outer, 3);
	assert_int_equal(n.inner_total, 9);
}

static int ncols_cb(void *cls, const struct db_row *row)
{
	*(int *)cls = row_ncols(row);
	return 0;
}

struct star {
	int runs;
	int ncols;
};

static int star_body(struct db *db, void *cls)
{
	struct star *st = cls;

	st->runs++;
	return db_query(db, "SELECT * FROM thing", DB_NOP, ncols_cb, &st->ncols);
}

/* Another connection (or node) changes a table under a cached statement. */
static void survives_schema_change(void **state)
{
	struct fx *fx = fx_of(state);
	struct star st = {0, 0};
	int ncols = 0;

	OK(fx->db, db_exec(fx->db, SQL_THING, DB_NOP, NULL));
	OK(fx->db, db_exec(fx->db, "INSERT INTO thing (id) VALUES (1)", DB_NOP, NULL));
	OK(fx->db, db_query(fx->db, "SELECT * FROM thing", DB_NOP, ncols_cb, &ncols));
	assert_int_equal(ncols, 5);
	OK(fx->db, db_exec(second(fx), "ALTER TABLE thing ADD COLUMN extra TEXT", DB_NOP, NULL));
	OK(fx->db, db_query(fx->db, "SELECT * FROM thing", DB_NOP, ncols_cb, &ncols));
	assert_int_equal(ncols, 6);
	OK(fx->db, db_exec(second(fx), "ALTER TABLE thing ADD COLUMN more TEXT", DB_NOP, NULL));
	OK(fx->db, db_tx(fx->db, star_body, &st));
	assert_int_equal(st.ncols, 7);
	/* PostgreSQL refuses the old plan (0A000): the body runs again */
	assert_int_equal(st.runs, fx->be->pg ? 2 : 1);
}

/* Ends the backend pid from the second connection, as a PostgreSQL restart
 * ends every session, and waits until it is gone. */
static void terminate_backend(struct fx *fx, long long pid)
{
	long long killed = 0, alive = 1;
	int i;

	OK(fx->db,
	   db_query_int(second(fx), "SELECT CAST(pg_terminate_backend($1) AS INTEGER)", DB_P(PINT(pid)), &killed));
	assert_int_equal(killed, 1);
	/* pg_terminate_backend() only signals: wait until the backend is gone
	 * (polled, up to a minute on a loaded machine) */
	for (i = 0; alive && i < 6000; i++) {
		OK(second(fx),
		   db_query_int(second(fx), "SELECT CAST(count(*) AS INTEGER) FROM pg_stat_activity WHERE pid = $1",
				DB_P(PINT(pid)), &alive));
		if (alive)
			sleep_ms(10);
	}
	assert_int_equal(alive, 0);
	sleep_ms(200); /* the backend leaves pg_stat_activity before its socket closes */
}

/* A connection the server dropped is opened again on the next call outside
 * a transaction, before that call's statement is sent; its statement cache
 * starts afresh. */
static void reconnects_after_connection_loss(void **state)
{
	struct fx *fx = fx_migrated(state);
	long long pid = 0, alive = 0;
	int rc;

	OK(fx->db, db_query_int(fx->db, "SELECT pg_backend_pid()", DB_NOP, &pid));
	assert_int_equal(int_of(fx->db, SQL_REVISION), 0);
	terminate_backend(fx, pid);
	/* issue 15: the session ended while idle (as every session does when
	 * PostgreSQL restarts); the next call notices before it sends anything
	 * and goes to a new session instead of failing */
	rc = db_query_int(fx->db, "SELECT pg_backend_pid()", DB_NOP, &alive);
	assert_int_equal(rc, DB_OK);
	assert_true(alive != pid);
	assert_int_equal(int_of(fx->db, SQL_REVISION), 0);
	OK(fx->db, db_tx(fx->db, nothing, NULL));
	/* the same for a transaction's BEGIN */
	pid = alive;
	terminate_backend(fx, pid);
	OK(fx->db, db_tx(fx->db, nothing, NULL));
	rc = db_query_int(fx->db, SQL_REVISION, DB_NOP, NULL);
	assert_int_equal(rc, DB_OK);
}

/* ---- results and messages ---- */

static int stop_after_two(void *cls, const struct db_row *row)
{
	int *seen = cls;

	(void)row;
	return ++*seen == 2 ? 5 : 0;
}

static void query_int_and_early_stop(void **state)
{
	struct fx *fx = fx_of(state);
	long long v = 42;
	int seen = 0;

	OK(fx->db, db_exec(fx->db, SQL_THING, DB_NOP, NULL));
	assert_int_equal(db_query_int(fx->db, "SELECT n FROM thing", DB_NOP, &v), DB_ENOROW);
	assert_int_equal(db_query_int(fx->db, "SELECT MAX(n) FROM thing", DB_NOP, &v), DB_ENOROW);
	assert_int_equal(v, 42);
	OK(fx->db, db_exec(fx->db, "INSERT INTO thing (id, n) VALUES (1, 1), (2, 2), (3, 3)", DB_NOP, NULL));
	assert_int_equal(db_query(fx->db, SQL_IDS, DB_NOP, stop_after_two, &seen), 5);
	assert_int_equal(seen, 2);
	assert_int_equal(int_of(fx->db, "SELECT MAX(n) FROM thing"), 3);
	/* a boolean reads as 1/0 on both */
	assert_int_equal(int_of(fx->db, "SELECT EXISTS (SELECT 1 FROM thing WHERE n = 2)"), 1);
}

static void errors_never_show_values(void **state)
{
	struct fx *fx = fx_migrated(state);
	static const char secret[] = "Slepenā-vērtība-4242";
	const char *msg;
	int rc;

	OK(fx->db,
	   db_exec(fx->db, SQL_SESSION_ADD, DB_P(PTEXT(secret), PINT(1), PINT(2), PTEXT("lv"), PTEXT("{}")), NULL));
	rc = db_exec(fx->db, SQL_SESSION_ADD, DB_P(PTEXT(secret), PINT(1), PINT(2), PTEXT("lv"), PTEXT("{}")), NULL);
	assert_int_equal(rc, DB_ECONSTRAINT);
	msg = db_errmsg(fx->db);
	assert_true(msg[0] != '\0');
	assert_null(strstr(msg, "4242"));

	OK(fx->db, db_exec(fx->db, "CREATE TABLE short (name TEXT CHECK (length(name) < 5))", DB_NOP, NULL));
	rc = db_exec(fx->db, "INSERT INTO short (name) VALUES ($1)", DB_P(PTEXT(secret)), NULL);
	assert_int_equal(rc, DB_EINTEGRITY);
	assert_true(db_errmsg(fx->db)[0] != '\0');
	assert_null(strstr(db_errmsg(fx->db), "4242"));

	/* PostgreSQL quotes a value it cannot read as a number in the
	 * message itself; SQLite just stores it. */
	rc = db_exec(fx->db, "UPDATE session SET created_at = $1 WHERE id = $2", DB_P(PTEXT(secret), PTEXT(secret)),
		     NULL);
	if (fx->be->pg)
		assert_int_equal(rc, DB_ERROR);
	assert_null(strstr(db_errmsg(fx->db), "4242"));
	rc = db_query_int(fx->db, "SELECT CAST($1 AS BIGINT)", DB_P(PTEXT("x1")), NULL);
	if (fx->be->pg) {
		assert_int_equal(rc, DB_ERROR);
		assert_null(strstr(db_errmsg(fx->db), "x1"));
		assert_non_null(strstr(db_errmsg(fx->db), "\"?\""));
	}
}

/* clang-format off */
/* web/search_log.c's statements: the row budget of zero-result queries
 * (known ones still count when full) and their retention. */
static void search_zero_budget_and_retention(void **state)
{
	struct fx *fx = fx_migrated(state);
	long long n = 0;

	OK(fx->db, search_log_add(fx->db, "a", 2, 100, 2));
	OK(fx->db, search_log_add(fx->db, "b", 1, 100, 2));
	OK(fx->db, search_log_add(fx->db, "c", 5, 101, 2)); /* full: not added */
	OK(fx->db, db_query_int(fx->db, "SELECT count(*) FROM search_zero", DB_NOP, &n));
	assert_int_equal(n, 2);
	OK(fx->db, search_log_add(fx->db, "a", 1, 105, 2)); /* known: counted */
	OK(fx->db, db_query_int(fx->db, "SELECT count FROM search_zero WHERE query = $1", DB_P(PTEXT("a")), &n));
	assert_int_equal(n, 3);
	OK(fx->db, db_query_int(fx->db, "SELECT first_day * 1000 + last_day FROM search_zero WHERE query = $1",
				DB_P(PTEXT("a")), &n));
	assert_int_equal(n, 100105);
	OK(fx->db, search_log_purge(fx->db, 3, 107)); /* b last seen on 100 < 104 */
	OK(fx->db, db_query_int(fx->db, "SELECT count(*) FROM search_zero", DB_NOP, &n));
	assert_int_equal(n, 1);
	OK(fx->db, search_log_purge(fx->db, 3, 107)); /* nothing stale: no write */
	OK(fx->db, search_log_add(fx->db, "c", 1, 107, 2)); /* room again */
	OK(fx->db, db_query_int(fx->db, "SELECT count(*) FROM search_zero", DB_NOP, &n));
	assert_int_equal(n, 2);
}

#define T(be, f) { #be "/" #f, f, fx_setup, fx_teardown, &be_##be }
/* clang-format on */
#define BOTH(f) T(sqlite, f), T(pg, f)

/* A connection that stays open sees what other processes commit while more
 * connections come and go (the read model's refresher lives like this; on
 * SQLite a stray close() of the database file once dropped the process's
 * locks and left it reading an old snapshot — the end-to-end catalog test
 * "a re-import ... reaches the pages" is the one that caught it). */
static void another_process_commit_is_seen_after_more_opens(void **state)
{
	struct fx *fx = fx_of(state);
	struct err err = {0};
	struct db *extra;
	long long v = -1;
	pid_t pid;
	int status = 0;

	OK(fx->db, db_exec(fx->db, "CREATE TABLE seen (v BIGINT)", DB_NOP, NULL));
	OK(fx->db, db_exec(fx->db, "INSERT INTO seen (v) VALUES (1)", DB_NOP, NULL));
	OK(fx->db, db_query_int(fx->db, "SELECT v FROM seen", DB_NOP, &v));
	assert_int_equal(v, 1);
	extra = db_open(fx->tdb.target, &err); /* one more connection, kept open */
	assert_non_null(extra);
	assert_int_equal(db_migration_version(extra), 0);
	OK(fx->db, db_query_int(fx->db, "SELECT v FROM seen", DB_NOP, &v));
	/* another process comes and goes (reading only), then one writes */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct db *rd = db_open(fx->tdb.target, &err);
		long long x = 0;

		_exit(rd && db_query_int(rd, "SELECT v FROM seen", DB_NOP, &x) == DB_OK && x == 1 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct db *w = db_open(fx->tdb.target, &err);

		_exit(w && db_exec(w, "UPDATE seen SET v = 2", DB_NOP, NULL) == DB_OK ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	OK(fx->db, db_query_int(fx->db, "SELECT v FROM seen", DB_NOP, &v));
	assert_int_equal(v, 2);
	db_close(extra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(opens_and_names_backend),
	    BOTH(revision_changes_are_announced),
	    BOTH(migrates_once),
	    BOTH(faq_seed_spares_editors_entries),
	    BOTH(faq_seed_without_its_topic),
	    BOTH(migrate_refuses_newer_database),
	    BOTH(failed_migration_leaves_nothing),
	    BOTH(binds_every_type),
	    BOTH(numbers_parameters_by_name),
	    BOTH(returning_gives_new_ids),
	    BOTH(upserts_on_conflict),
	    BOTH(search_zero_budget_and_retention),
	    BOTH(tells_constraint_violations),
	    BOTH(tx_commits),
	    BOTH(tx_rolls_back_on_failure),
	    BOTH(tx_read_is_read_only),
	    BOTH(tx_retries_when_locked),
	    T(pg, tx_retries_serialization_failure),
	    T(pg, tx_retries_deadlock),
	    BOTH(concurrent_increments_lose_nothing),
	    BOTH(caches_prepared_statements),
	    BOTH(survives_schema_change),
	    T(pg, reconnects_after_connection_loss),
	    BOTH(query_int_and_early_stop),
	    BOTH(errors_never_show_values),
	    BOTH(another_process_commit_is_seen_after_more_opens),
	};

	pg_note_missing("test_store");
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
