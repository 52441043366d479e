/* account.h — people who log in (table account) and their roles
 * (account_role): what the login code and `epak user` share. A personal
 * code is never stored here in the clear: callers pass its keyed hash
 * (pno_hash, HMAC under the server secret's "pno" key) and a masked form. */
#ifndef EPAK_STORE_ACCOUNT_H
#define EPAK_STORE_ACCOUNT_H

#include "store/db.h"

/* Staff roles; a citizen has none. */
enum role {
	ROLE_ADMIN = 1 << 0,       /* the ministry: everything, users, the audit log */
	ROLE_CONTENT = 1 << 1,     /* news, FAQ, materials */
	ROLE_INSTITUTION = 1 << 2, /* editor of the institutions assigned to them */
	ROLE_CONSULTANT = 1 << 3   /* front desk: read-only back office */
};

#define ACCOUNT_MAX_INSTITUTIONS 32

struct account {
	long long id;
	int staff;
	char login[64];
	char name[160];
	char pno_masked[32];
	char country[4];
	char email[256];
	char password_hash[128];
	char totp_secret[160]; /* sealed (core/secret.h), or "" */
	long long totp_last;   /* last accepted TOTP step */
	int disabled;
	int failed_logins;
	long long locked_until;
	long long last_login_at;
	long long created_at;
	unsigned roles;
	int ninst;
	char institutions[ACCOUNT_MAX_INSTITUTIONS][96]; /* slugs for ROLE_INSTITUTION */
};

/* The role's name in the database and the command line ("admin", …), and
 * back (0 for an unknown name). */
const char *role_name(enum role r);
unsigned role_parse(const char *name);

/* Looks an account up (with its roles): DB_OK, DB_ENOROW or an error. */
int account_by_id(struct db *db, long long id, struct account *a);
int account_by_login(struct db *db, const char *login, struct account *a);
int account_by_pno(struct db *db, const char *pno_hash, struct account *a);

/* A staff account; *id gets its number. DB_ECONSTRAINT when the login is taken. */
int account_add_staff(struct db *db, const char *login, const char *name, const char *email, const char *password_hash,
		      long long now, long long *id);
/* A citizen's account on first login. */
int account_add_citizen(struct db *db, const char *pno_hash, const char *pno_masked, const char *country,
			const char *name, long long now, long long *id);

int account_set_password(struct db *db, long long id, const char *password_hash);
int account_set_totp(struct db *db, long long id, const char *sealed_key);
/* Records an accepted TOTP step; DB_ENOROW when step is not after the last one (a replay). */
int account_use_totp_step(struct db *db, long long id, long long step);
int account_bind_pno(struct db *db, long long id, const char *pno_hash, const char *pno_masked, const char *country);
int account_set_disabled(struct db *db, long long id, int disabled);
int account_set_name(struct db *db, long long id, const char *name);
int account_role_add(struct db *db, long long id, enum role r, const char *institution);
int account_role_remove(struct db *db, long long id, enum role r, const char *institution);

/* After a login attempt: a success clears the failure count and stamps the
 * login; a failure counts and, from the fifth in a row, locks the account
 * for 1, 2, 4 … minutes (at most an hour). */
int account_login_ok(struct db *db, long long id, long long now);
int account_login_failed(struct db *db, long long id, long long now);

/* Login sessions in use at now (metrics): fully logged in, not expired and
 * seen within idle seconds. DB_OK with *n set, or an error. */
int account_sessions_active(struct db *db, long long now, long long idle, long long *n);

/* Calls fn for every account, staff first, by login. */
int account_list(struct db *db, int (*fn)(void *cls, const struct account *a), void *cls);

#endif
