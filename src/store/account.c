/* account.c — accounts and roles (account.h). */
#include "store/account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[] = {"admin", "content", "institution", "consultant"};

const char *role_name(enum role r)
{
	size_t i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (r == (enum role)(1u << i))
			return role_names[i];
	return "";
}

unsigned role_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (!strcmp(name, role_names[i]))
			return 1u << i;
	return 0;
}

#define ACCOUNT_COLS                                                                                                   \
	"id, kind, COALESCE(login, ''), display_name, pno_masked, country, email, password_hash, totp_secret, "        \
	"totp_last, disabled, failed_logins, locked_until, last_login_at, created_at"

static const char SQL_BY_ID[] = "SELECT " ACCOUNT_COLS " FROM account WHERE id = $1";
static const char SQL_BY_LOGIN[] = "SELECT " ACCOUNT_COLS " FROM account WHERE login = $1";
static const char SQL_BY_PNO[] = "SELECT " ACCOUNT_COLS " FROM account WHERE pno_hash = $1";
static const char SQL_ALL[] = "SELECT " ACCOUNT_COLS " FROM account ORDER BY kind DESC, login, id";
static const char SQL_ROLES[] = "SELECT role, institution FROM account_role WHERE account_id = $1 "
				"ORDER BY role, institution";

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static int account_row(void *cls, const struct db_row *row)
{
	struct account *a = cls;

	memset(a, 0, sizeof(*a));
	a->id = row_int(row, 0);
	a->staff = !strcmp(row_text(row, 1), "staff");
	copy(a->login, sizeof(a->login), row_text(row, 2));
	copy(a->name, sizeof(a->name), row_text(row, 3));
	copy(a->pno_masked, sizeof(a->pno_masked), row_text(row, 4));
	copy(a->country, sizeof(a->country), row_text(row, 5));
	copy(a->email, sizeof(a->email), row_text(row, 6));
	copy(a->password_hash, sizeof(a->password_hash), row_text(row, 7));
	copy(a->totp_secret, sizeof(a->totp_secret), row_text(row, 8));
	a->totp_last = row_int(row, 9);
	a->disabled = (int)row_int(row, 10);
	a->failed_logins = (int)row_int(row, 11);
	a->locked_until = row_int(row, 12);
	a->last_login_at = row_int(row, 13);
	a->created_at = row_int(row, 14);
	return 1; /* the first row is the one */
}

static int role_row(void *cls, const struct db_row *row)
{
	struct account *a = cls;
	unsigned r = role_parse(row_text(row, 0));

	a->roles |= r;
	if (r == ROLE_INSTITUTION && a->ninst < ACCOUNT_MAX_INSTITUTIONS)
		copy(a->institutions[a->ninst++], sizeof(a->institutions[0]), row_text(row, 1));
	return 0;
}

static int load(struct db *db, const char *sql, struct db_param p, struct account *a)
{
	int rc;

	a->id = 0;
	rc = db_query(db, sql, &p, 1, account_row, a);
	if (rc < 0)
		return rc;
	if (rc == 0 || !a->id)
		return DB_ENOROW;
	rc = db_query(db, SQL_ROLES, DB_P(PINT(a->id)), role_row, a);
	return rc < 0 ? rc : DB_OK;
}

int account_by_id(struct db *db, long long id, struct account *a)
{
	return load(db, SQL_BY_ID, PINT(id), a);
}

int account_by_login(struct db *db, const char *login, struct account *a)
{
	return load(db, SQL_BY_LOGIN, PTEXT(login), a);
}

int account_by_pno(struct db *db, const char *pno_hash, struct account *a)
{
	return load(db, SQL_BY_PNO, PTEXT(pno_hash), a);
}

static const char SQL_ADD_STAFF[] = "INSERT INTO account (kind, login, display_name, email, password_hash, created_at) "
				    "VALUES ('staff', $1, $2, $3, $4, $5) RETURNING id";
static const char SQL_ADD_CITIZEN[] =
    "INSERT INTO account (kind, display_name, pno_hash, pno_masked, country, created_at) "
    "VALUES ('citizen', $1, $2, $3, $4, $5) RETURNING id";

int account_add_staff(struct db *db, const char *login, const char *name, const char *email, const char *password_hash,
		      long long now, long long *id)
{
	return db_query_int(db, SQL_ADD_STAFF,
			    DB_P(PTEXT(login), PTEXT(name), PTEXT(email), PTEXT(password_hash), PINT(now)), id);
}

int account_add_citizen(struct db *db, const char *pno_hash, const char *pno_masked, const char *country,
			const char *name, long long now, long long *id)
{
	return db_query_int(db, SQL_ADD_CITIZEN,
			    DB_P(PTEXT(name), PTEXT(pno_hash), PTEXT(pno_masked), PTEXT(country), PINT(now)), id);
}

static int exec_changed(struct db *db, const char *sql, const struct db_param *p, size_t n)
{
	long long changes = 0;
	int rc = db_exec(db, sql, p, n, &changes);

	return rc != DB_OK ? rc : changes ? DB_OK : DB_ENOROW;
}

int account_set_password(struct db *db, long long id, const char *password_hash)
{
	return exec_changed(db,
			    "UPDATE account SET password_hash = $2, failed_logins = 0, locked_until = 0 WHERE id = $1",
			    DB_P(PINT(id), PTEXT(password_hash)));
}

int account_set_totp(struct db *db, long long id, const char *sealed_key)
{
	return exec_changed(db, "UPDATE account SET totp_secret = $2, totp_last = 0 WHERE id = $1",
			    DB_P(PINT(id), PTEXT(sealed_key)));
}

int account_use_totp_step(struct db *db, long long id, long long step)
{
	return exec_changed(db, "UPDATE account SET totp_last = $2 WHERE id = $1 AND totp_last < $2",
			    DB_P(PINT(id), PINT(step)));
}

int account_bind_pno(struct db *db, long long id, const char *pno_hash, const char *pno_masked, const char *country)
{
	return exec_changed(db, "UPDATE account SET pno_hash = $2, pno_masked = $3, country = $4 WHERE id = $1",
			    DB_P(PINT(id), PTEXT(pno_hash), PTEXT(pno_masked), PTEXT(country)));
}

int account_set_disabled(struct db *db, long long id, int disabled)
{
	return exec_changed(db, "UPDATE account SET disabled = $2 WHERE id = $1", DB_P(PINT(id), PINT(!!disabled)));
}

int account_set_name(struct db *db, long long id, const char *name)
{
	return exec_changed(db, "UPDATE account SET display_name = $2 WHERE id = $1", DB_P(PINT(id), PTEXT(name)));
}

int account_role_add(struct db *db, long long id, enum role r, const char *institution)
{
	int rc = db_exec(db, "INSERT INTO account_role (account_id, role, institution) VALUES ($1, $2, $3)",
			 DB_P(PINT(id), PTEXT(role_name(r)), PTEXT(r == ROLE_INSTITUTION ? institution : "")), NULL);

	return rc == DB_ECONSTRAINT ? DB_OK : rc;
}

int account_role_remove(struct db *db, long long id, enum role r, const char *institution)
{
	if (r == ROLE_INSTITUTION && institution && *institution)
		return exec_changed(db,
				    "DELETE FROM account_role WHERE account_id = $1 AND role = $2 AND institution = $3",
				    DB_P(PINT(id), PTEXT(role_name(r)), PTEXT(institution)));
	return exec_changed(db, "DELETE FROM account_role WHERE account_id = $1 AND role = $2",
			    DB_P(PINT(id), PTEXT(role_name(r))));
}

int account_login_ok(struct db *db, long long id, long long now)
{
	return exec_changed(db,
			    "UPDATE account SET failed_logins = 0, locked_until = 0, last_login_at = $2 WHERE id = $1",
			    DB_P(PINT(id), PINT(now)));
}

int account_login_failed(struct db *db, long long id, long long now)
{
	/* 5th failure: 60 s, then doubling, at most an hour. */
	return exec_changed(db,
			    "UPDATE account SET failed_logins = failed_logins + 1, locked_until = CASE "
			    "WHEN failed_logins + 1 < 5 THEN locked_until "
			    "WHEN failed_logins + 1 >= 11 THEN $2 + 3600 "
			    "ELSE $2 + (60 * (CASE failed_logins + 1 WHEN 5 THEN 1 WHEN 6 THEN 2 WHEN 7 THEN 4 "
			    "WHEN 8 THEN 8 WHEN 9 THEN 16 ELSE 32 END)) END WHERE id = $1",
			    DB_P(PINT(id), PINT(now)));
}

int account_sessions_active(struct db *db, long long now, long long idle, long long *n)
{
	int rc = db_query_int(
	    db, "SELECT count(*) FROM login_session WHERE stage = 'full' AND expires_at > $1 AND seen_at > $2",
	    DB_P(PINT(now), PINT(now - idle)), n);

	if (rc == DB_ENOROW) {
		*n = 0;
		rc = DB_OK;
	}
	return rc;
}

struct list_ctx {
	struct db *db;
	int (*fn)(void *cls, const struct account *a);
	void *cls;
	struct account *all;
	size_t n, cap;
};

static int list_row(void *cls, const struct db_row *row)
{
	struct list_ctx *l = cls;
	struct account a;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct account *p = realloc(l->all, cap * sizeof(*p));

		if (!p)
			return DB_ERROR;
		l->all = p;
		l->cap = cap;
	}
	account_row(&a, row);
	l->all[l->n++] = a;
	return 0;
}

int account_list(struct db *db, int (*fn)(void *cls, const struct account *a), void *cls)
{
	struct list_ctx l = {db, fn, cls, NULL, 0, 0};
	size_t i;
	int rc = db_query(db, SQL_ALL, DB_NOP, list_row, &l);

	for (i = 0; rc >= 0 && i < l.n; i++) {
		rc = db_query(db, SQL_ROLES, DB_P(PINT(l.all[i].id)), role_row, &l.all[i]);
		if (rc >= 0)
			rc = fn(cls, &l.all[i]);
	}
	free(l.all);
	return rc;
}
