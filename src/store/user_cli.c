/* user_cli.c — `epak user`: operators manage staff accounts from the
 * command line. The first administrator is made here (there is no default
 * password anywhere); passwords are read from standard input, never from
 * the command line (which other users can see in the process list). Every
 * change is written to the audit log with the actor "operator", and a
 * change of password, roles or state ends the account's sessions. */
#include "store/user_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/digest.h"
#include "core/password.h"
#include "core/secret.h"
#include "core/totp.h"
#include "store/account.h"

#define RECOVERY_CODES 10

struct ctx {
	const struct config *cfg;
	struct db *db;
	unsigned char secret[SECRET_LEN];
};

static void audit(struct ctx *c, long long account, const char *action, const char *detail)
{
	if (db_exec(c->db,
		    "INSERT INTO audit_log (at, actor, action, detail, account_id, method, net, ok) "
		    "VALUES ($1, 'operator', $2, $3, $4, 'cli', '', 1)",
		    DB_P(PINT((long long)time(NULL)), PTEXT(action), PTEXT(detail ? detail : ""), PINT(account)),
		    NULL) != DB_OK)
		fprintf(stderr, "epak user: audit log not written: %s\n", db_errmsg(c->db));
}

/* A change of password, roles or state: the account's sessions end, and so
 * do reset links sent before it. */
static int end_sessions(struct ctx *c, long long account)
{
	char data[48];
	int rc = db_exec(c->db, "DELETE FROM login_session WHERE account_id = $1", DB_P(PINT(account)), NULL);

	snprintf(data, sizeof(data), "{\"account\": %lld}", account);
	if (rc == DB_OK)
		rc = db_exec(c->db, "DELETE FROM auth_token WHERE kind = 'reset' AND data = $1", DB_P(PTEXT(data)),
			     NULL);
	return rc;
}

/* An institution's slug as the catalog writes them. */
static int slug_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n < 96 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* "admin,consultant" → a mask of roles; 0 when a name is unknown or the
 * institution role comes without a valid institution=SLUG. */
static unsigned roles_parse(const char *roles, const char *inst)
{
	char buf[256], *save = NULL, *tok;
	unsigned all = 0, r;

	snprintf(buf, sizeof(buf), "%s", roles ? roles : "");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		r = role_parse(tok);
		if (!r) {
			fprintf(stderr, "epak user: unknown role %s (admin, content, institution, consultant)\n", tok);
			return 0;
		}
		if (r == ROLE_INSTITUTION && !slug_ok(inst)) {
			fprintf(stderr, "epak user: the institution role needs institution=SLUG (a-z, 0-9, -)\n");
			return 0;
		}
		all |= r;
	}
	return all;
}

/* One line from standard input, without echo on a terminal. */
static int read_password(const char *prompt, char *out, size_t n)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO);
	size_t len;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (!fgets(out, (int)n, stdin))
		out[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	len = strlen(out);
	while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	if (len < PASSWORD_MIN || len > PASSWORD_MAX) {
		fprintf(stderr, "epak user: a password is %d to %d bytes long\n", PASSWORD_MIN, PASSWORD_MAX);
		return -1;
	}
	return 0;
}

static int new_password_hash(char hash[PASSWORD_HASH_MAX])
{
	char pw[PASSWORD_MAX + 2];
	int rc;

	if (read_password("New password: ", pw, sizeof(pw)) != 0)
		return -1;
	rc = password_hash(pw, hash);
	sodium_memzero(pw, sizeof(pw));
	if (rc != 0)
		fprintf(stderr, "epak user: cannot hash the password (out of memory)\n");
	return rc;
}

/* A new TOTP key and recovery codes, stored and printed once. */
static int new_second_factor(struct ctx *c, const struct account *a)
{
	unsigned char key[TOTP_KEY_LEN], k[SECRET_LEN];
	char b32[TOTP_BASE32_LEN], sealed[160], code[RECOVERY_CODE_LEN], norm[RECOVERY_CODE_LEN], id[DIGEST_HEX];
	char owner[32];
	long long now = time(NULL);
	int i;

	if (totp_new_key(key, b32) != 0)
		return -1;
	secret_derive(c->secret, "totp", k);
	if (secret_seal(k, key, sizeof(key), sealed, sizeof(sealed)) != 0 ||
	    account_set_totp(c->db, a->id, sealed) != DB_OK)
		return -1;
	sodium_memzero(key, sizeof(key));
	snprintf(owner, sizeof(owner), "%lld", a->id);
	if (db_exec(c->db, "DELETE FROM auth_token WHERE kind = 'recovery' AND owner = $1", DB_P(PTEXT(owner)), NULL) !=
	    DB_OK)
		return -1;
	printf("second factor for %s: add this key to an authenticator app\n  %s\n  otpauth://totp/epak:%s?secret=%s"
	       "&issuer=epak\nrecovery codes (each works once; keep them away from the phone):\n",
	       a->login, b32, a->login, b32);
	for (i = 0; i < RECOVERY_CODES; i++) {
		recovery_code_new(code);
		recovery_code_norm(code, norm);
		sha256_hex(norm, strlen(norm), id);
		if (db_exec(c->db,
			    "INSERT INTO auth_token (id, kind, owner, data, created_at, expires_at) "
			    "VALUES ($1, 'recovery', $2, '{}', $3, $4)",
			    DB_P(PTEXT(id), PTEXT(owner), PINT(now), PINT(now + 10LL * 365 * 86400)), NULL) != DB_OK)
			return -1;
		printf("  %s\n", code);
	}
	audit(c, a->id, "second-factor-set", "by the operator");
	return 0;
}

/* "key=value" arguments after the login name. */
static const char *opt(int argc, char **argv, const char *key)
{
	size_t n = strlen(key);
	int i;

	for (i = 3; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

static int login_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 2 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", s[i]))
			return 0;
	return 1;
}

/* The roles of a mask (roles_parse) given to a new account. */
static int add_roles(struct ctx *c, const struct account *a, unsigned roles, const char *inst)
{
	unsigned r;

	for (r = 1; r <= ROLE_CONSULTANT; r <<= 1) {
		if (!(roles & r))
			continue;
		if (account_role_add(c->db, a->id, r, inst) != DB_OK)
			return -1;
		audit(c, a->id, "role-changed", role_name(r));
	}
	return 0;
}

static int cmd_add(struct ctx *c, int argc, char **argv)
{
	const char *login = argv[2], *name = opt(argc, argv, "name"), *email = opt(argc, argv, "email");
	const char *roles = opt(argc, argv, "role"), *inst = opt(argc, argv, "institution");
	char hash[PASSWORD_HASH_MAX];
	struct account a;
	unsigned mask = 0;
	int rc;

	if (!login_ok(login)) {
		fprintf(stderr, "epak user: a login name is 2 to 63 of a-z 0-9 . _ -\n");
		return 2;
	}
	if (!name || !*name) {
		fprintf(stderr, "epak user add: name=\"Full Name\" is required\n");
		return 2;
	}
	/* everything checked before anything is written */
	if (roles && *roles)
		mask = roles_parse(roles, inst);
	if (roles && *roles && !mask)
		return 2;
	if (new_password_hash(hash) != 0)
		return 1;
	rc = account_add_staff(c->db, login, name, email ? email : "", hash, time(NULL), &a.id);
	if (rc == DB_ECONSTRAINT) {
		fprintf(stderr, "epak user: %s exists already\n", login);
		return 1;
	}
	if (rc != DB_OK || account_by_id(c->db, a.id, &a) != DB_OK)
		return 1;
	audit(c, a.id, "account-added", NULL);
	if (add_roles(c, &a, mask, inst) != 0)
		return 1;
	printf("added %s (account %lld)\n", login, a.id);
	/* administrators cannot log in without a second factor */
	if (account_by_id(c->db, a.id, &a) != DB_OK || ((a.roles & ROLE_ADMIN) && new_second_factor(c, &a) != 0))
		return 1;
	return 0;
}

static int find(struct ctx *c, const char *login, struct account *a)
{
	int rc = account_by_login(c->db, login, a);

	if (rc == DB_ENOROW)
		fprintf(stderr, "epak user: no account %s\n", login);
	else if (rc != DB_OK)
		fprintf(stderr, "epak user: %s\n", db_errmsg(c->db));
	return rc == DB_OK ? 0 : -1;
}

static int cmd_passwd(struct ctx *c, struct account *a)
{
	char hash[PASSWORD_HASH_MAX];

	if (new_password_hash(hash) != 0 || account_set_password(c->db, a->id, hash) != DB_OK ||
	    end_sessions(c, a->id) != DB_OK)
		return 1;
	audit(c, a->id, "password-changed", "by the operator; sessions ended");
	printf("password of %s changed; its sessions ended\n", a->login);
	return 0;
}

static int cmd_role(struct ctx *c, struct account *a, int argc, char **argv)
{
	const char *how = argc > 3 ? argv[3] : "", *role = argc > 4 ? argv[4] : "", *inst = argc > 5 ? argv[5] : "";
	unsigned r = role_parse(role);
	int rc;

	if ((strcmp(how, "add") && strcmp(how, "remove")) || !r || (r == ROLE_INSTITUTION && !slug_ok(inst))) {
		fprintf(stderr, "usage: epak user role LOGIN add|remove admin|content|institution|consultant [SLUG]\n");
		return 2;
	}
	rc = !strcmp(how, "add") ? account_role_add(c->db, a->id, r, inst) : account_role_remove(c->db, a->id, r, inst);
	if (rc != DB_OK && rc != DB_ENOROW)
		return 1;
	end_sessions(c, a->id); /* a change of privilege: log in again */
	audit(c, a->id, "role-changed", argc > 5 ? inst : role);
	printf("%s: role %s %s\n", a->login, role, !strcmp(how, "add") ? "added" : "removed");
	if (r == ROLE_ADMIN && !strcmp(how, "add") && !*a->totp_secret)
		return new_second_factor(c, a) ? 1 : 0;
	return 0;
}

/* PNOLV-DDMMYY-NNNNN (or PNOxx- of another country). */
static int cmd_bind(struct ctx *c, struct account *a, int argc, char **argv)
{
	const char *pno = argc > 3 ? argv[3] : "";
	unsigned char k[SECRET_LEN];
	char hash[DIGEST_HEX], masked[32], country[3];
	size_t n = strlen(pno);
	struct account other;

	/* PNO, a country's two capital letters, '-', then digits, capitals and '-' */
	if (n < 9 || n > 30 || strncmp(pno, "PNO", 3) || pno[3] < 'A' || pno[3] > 'Z' || pno[4] < 'A' || pno[4] > 'Z' ||
	    pno[5] != '-' || strspn(pno + 6, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-") != n - 6) {
		fprintf(stderr, "usage: epak user bind-eid LOGIN PNOLV-DDMMYY-NNNNN\n");
		return 2;
	}
	secret_derive(c->secret, "pno", k);
	hmac_hex(k, sizeof(k), pno, n, hash);
	snprintf(masked, sizeof(masked), "%.*s*****", (int)(n - 5), pno);
	snprintf(country, sizeof(country), "%.2s", pno + 3);
	/* The person may have logged in as a citizen before: that account (it
	 * holds nothing but the login) gives way; another staff account does not. */
	if (account_by_pno(c->db, hash, &other) == DB_OK && other.id != a->id) {
		if (other.staff) {
			fprintf(stderr, "epak user: that card is bound to %s already\n", other.login);
			return 1;
		}
		if (end_sessions(c, other.id) != DB_OK ||
		    db_exec(c->db, "DELETE FROM account WHERE id = $1 AND kind = 'citizen'", DB_P(PINT(other.id)),
			    NULL) != DB_OK)
			return 1;
		audit(c, other.id, "account-merged", "citizen account replaced by a staff account");
		printf("the citizen account of that card (%lld) is replaced by %s\n", other.id, a->login);
	}
	if (account_bind_pno(c->db, a->id, hash, masked, country) != DB_OK) {
		fprintf(stderr, "epak user: not bound: %s\n", db_errmsg(c->db));
		return 1;
	}
	end_sessions(c, a->id); /* a new way in: log in again */
	audit(c, a->id, "account-bound", "eID");
	printf("%s: bound to the eID card of %s\n", a->login, masked);
	return 0;
}

static int print_account(void *cls, const struct account *a)
{
	static const unsigned all[] = {ROLE_ADMIN, ROLE_CONTENT, ROLE_INSTITUTION, ROLE_CONSULTANT};
	size_t i;
	int k;

	(void)cls;
	if (!a->staff)
		return 0;
	printf("%-20s %-30s %s%s", a->login, a->name, a->disabled ? "disabled " : "", *a->totp_secret ? "totp " : "");
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (a->roles & all[i])
			printf("%s ", role_name(all[i]));
	for (k = 0; k < a->ninst; k++)
		printf("[%s] ", a->institutions[k]);
	printf("%s\n", *a->pno_masked ? "eID" : "");
	return 0;
}

int cmd_user(struct config *cfg, int argc, char **argv)
{
	struct ctx c = {cfg, NULL, {0}};
	struct account a;
	struct err e = {0};
	char url[1100];
	const char *sub = argc > 1 ? argv[1] : "";
	int rc = 1;

	if (!*sub || (strcmp(sub, "list") && argc < 3)) {
		fprintf(stderr, "usage: %s\n", USER_CLI_USAGE);
		return 2;
	}
	config_db_url(cfg, url, sizeof(url));
	if (secret_load(cfg->data, 1, c.secret, &e) == 0)
		c.db = db_open(url, &e);
	if (!c.db) {
		fprintf(stderr, "epak user: %s\n", e.msg);
		return 1;
	}
	if (!strcmp(sub, "list")) {
		rc = account_list(c.db, print_account, NULL) < 0;
	} else if (!strcmp(sub, "add")) {
		rc = cmd_add(&c, argc, argv);
	} else if (find(&c, argv[2], &a) != 0) {
		rc = 1;
	} else if (!strcmp(sub, "passwd")) {
		rc = cmd_passwd(&c, &a);
	} else if (!strcmp(sub, "role")) {
		rc = cmd_role(&c, &a, argc, argv);
	} else if (!strcmp(sub, "totp")) {
		rc = new_second_factor(&c, &a) != 0 || end_sessions(&c, a.id) != DB_OK;
	} else if (!strcmp(sub, "bind-eid")) {
		rc = cmd_bind(&c, &a, argc, argv);
	} else if (!strcmp(sub, "disable") || !strcmp(sub, "enable")) {
		rc = account_set_disabled(c.db, a.id, !strcmp(sub, "disable")) != DB_OK ||
		     end_sessions(&c, a.id) != DB_OK;
		if (!rc) {
			audit(&c, a.id, !strcmp(sub, "disable") ? "account-disabled" : "account-enabled", NULL);
			printf("%s: %sd\n", a.login, sub);
		}
	} else {
		fprintf(stderr, "usage: %s\n", USER_CLI_USAGE);
		rc = 2;
	}
	if (rc == 1 && *db_errmsg(c.db))
		fprintf(stderr, "epak user: %s\n", db_errmsg(c.db));
	db_close(c.db);
	sodium_memzero(c.secret, sizeof(c.secret));
	return rc;
}
