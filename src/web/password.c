/* password.c — staff log in with a login name, a password (argon2id, checked
 * in the worker pool) and a second factor (TOTP, or a one-time recovery
 * code); forgotten passwords are reset by an e-mailed single-use link.
 *
 * Every answer to a failed password is the same, whether the login name
 * exists, the password is wrong or the account is locked, and takes the
 * same time (an unknown name is checked against a dummy hash). Attempts are
 * budgeted per network and per account (store/ratelimit.h), and an account
 * locks for a growing while after five failures in a row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <sodium.h>

#include "core/base64.h"
#include "core/digest.h"
#include "core/log.h"
#include "core/password.h"
#include "core/secret.h"
#include "core/totp.h"
#include "http/async.h"
#include "mail/outbox.h"
#include "store/ratelimit.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/web.h"

#define RECOVERY_CODES 10
#define RESET_TTL 3600
#define BAD_LOGIN                                                                                                      \
	N_("The login name or password is wrong, or the account is locked for a while after too many attempts.")

void login_password_ctx(struct req *r, json_t *ctx)
{
	json_object_set_new(ctx, "password", json_true());
}

/* Login names are kept in lower case (`epak user`); people type them as
 * they like. */
static const char *login_lower(struct req *r, const char *s)
{
	char *out = arena_strdup(r->arena, s);
	size_t i;

	for (i = 0; out && out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return out ? out : s;
}

/* One attempt: per network (every way of logging in), then per subject
 * (a login name as typed, or an account number). DB_OK, or RATE_LIMITED
 * with *which set to "network" or "name". Keyed on the name as typed, not
 * on the account, so an unknown name runs out exactly as a real one does. */
static int take_attempt(struct req *r, const char *kind, const char *subject, const char **which)
{
	const struct config *cfg = r->site->cfg;
	int rc = auth_take(r, "login-net", req_client_net(r), 600, cfg->limit_login_network);

	*which = "network";
	if (rc == DB_OK && subject) {
		*which = "name";
		rc = auth_take(r, kind, subject, 3600, cfg->limit_login_account);
	}
	return rc;
}

/* ---- POST /pieteikties: login name and password ---- */

struct pw_job {
	char hash[PASSWORD_HASH_MAX];
	char pw[PASSWORD_MAX + 1];
	long long account;
	int usable;  /* account exists, is staff, not disabled, not locked */
	int limited; /* the name's budget is spent: the same answer, after the same work */
	int ok;
	const char *next;
};

static void pw_work(void *cls)
{
	struct pw_job *j = cls;

	j->ok = password_verify(j->usable && !j->limited ? j->hash : "", j->pw) && j->usable && !j->limited;
	sodium_memzero(j->pw, sizeof(j->pw));
}

static void pw_done(struct req *r, void *cls)
{
	struct pw_job *j = cls;
	struct account a;
	struct identity id;
	struct db *db;

	if (!r) {
		free(j);
		return;
	}
	db = app_db(r);
	if (!j->ok) {
		if (j->account && db && !j->limited)
			account_login_failed(db, j->account, time(NULL));
		auth_refuse(r, "password", j->account,
			    j->limited   ? "rate-limited"
			    : j->account ? "bad-password"
					 : "unknown-login",
			    BAD_LOGIN, AUTH_REDIRECT);
		free(j);
		return;
	}
	memset(&id, 0, sizeof(id));
	id.method = "password";
	id.account = j->account;
	if (!db || account_by_id(db, j->account, &a) != DB_OK) {
		free(j);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	if (!*a.totp_secret && (a.roles & ROLE_ADMIN)) {
		/* an administrator without a second factor is refused: the
		 * operator sets one up with `epak user totp` */
		auth_refuse(
		    r, "password", a.id, "no-second-factor",
		    N_("Administrators need a second factor, and this account has none. Ask the operator to set "
		       "one up."),
		    AUTH_REDIRECT);
		free(j);
		return;
	}
	id.otp_pending = *a.totp_secret != '\0';
	auth_login(r, &id, j->next, AUTH_REDIRECT);
	free(j);
}

static const struct field login_fields[] = {FIELD_TEXT("login", REQUIRED, 1, 64, N_("Login name")),
					    FIELD_TEXT("password", REQUIRED, 1, PASSWORD_MAX, N_("Password")),
					    FIELD_TEXT("next", OPTIONAL, 0, 1000, N_("Return to")), FIELD_END};

enum { LF_LOGIN, LF_PASSWORD, LF_NEXT };

int form_login_password(struct req *r)
{
	struct form f;
	struct account a;
	struct db *db = app_db(r);
	struct pw_job *j;
	const char *pw = req_form(r, "password"), *login, *which;
	long long now = time(NULL);
	int rc;

	if (form_validate(r, login_fields, &f) != 0) {
		login_page(r, 422, N_("Enter your login name and password."), f.value[LF_NEXT]);
		return 0;
	}
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	login = login_lower(r, f.value[LF_LOGIN]);
	rc = account_by_login(db, login, &a);
	if (rc == DB_OK) {
		j->account = a.id;
		j->usable = a.staff && !a.disabled && a.locked_until <= now && *a.password_hash;
		snprintf(j->hash, sizeof(j->hash), "%s", a.password_hash);
	} else if (rc != DB_ENOROW) {
		free(j);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	rc = take_attempt(r, "login-name", login, &which);
	if (rc == RATE_LIMITED && !strcmp(which, "name")) {
		j->limited = 1; /* answered as a wrong password, after as long */
	} else if (rc != DB_OK) {
		free(j);
		if (rc == RATE_LIMITED)
			auth_refuse(r, "password", 0, "rate-limited",
				    N_("Too many login attempts from your network. Wait a few minutes and try again."),
				    AUTH_REDIRECT);
		else
			resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	/* the raw field: a password is not trimmed */
	snprintf(j->pw, sizeof(j->pw), "%s", pw ? pw : "");
	j->next = auth_next_ok(f.value[LF_NEXT]) ? f.value[LF_NEXT] : NULL;
	if (async_run(r, pw_work, pw_done, j) != 0)
		free(j);
	return 0;
}

/* ---- /pieteikties/otp: the second factor ---- */

static void otp_page(struct req *r, int status, const char *msg)
{
	render_flags(r, status, "login-otp", login_ctx(r, N_("Second factor"), msg, NULL), RESP_NO_STORE);
}

static const struct person *otp_session(struct req *r)
{
	const struct person *p = auth_session(r);

	if (!p || !p->otp_pending) {
		resp_redirect(r, 303, prefixed(r, "/pieteikties"));
		return NULL;
	}
	return p;
}

static const struct field otp_params[] = {FIELD_TEXT("next", OPTIONAL, 0, 1000, N_("Return to")), FIELD_END};

int page_login_otp(struct req *r)
{
	struct form q;

	query_validate(r, otp_params, &q, r->lang); /* a bad next is dropped */
	if (!otp_session(r))
		return 0;
	otp_page(r, 200, NULL);
	return 0;
}

/* The account's TOTP key, unsealed: its length, or -1. */
static int totp_key(struct req *r, const struct account *a, unsigned char key[TOTP_KEY_LEN])
{
	unsigned char k[SECRET_LEN];
	size_t n = 0;

	secret_derive(app_of(r)->secret, "totp", k);
	if (!*a->totp_secret || secret_open(k, a->totp_secret, key, TOTP_KEY_LEN, &n) != 0)
		return -1;
	return (int)n;
}

/* 1 when code is the account's current TOTP (not used before) or one of
 * its recovery codes (used up now). */
static int second_factor_ok(struct req *r, struct db *db, const struct account *a, const char *code, const char **how)
{
	unsigned char key[TOTP_KEY_LEN];
	char norm[RECOVERY_CODE_LEN];
	long long step;
	int n = totp_key(r, a, key);

	*how = "totp";
	if (n > 0 && strlen(code) == 6) {
		step = totp_check(key, (size_t)n, code, time(NULL));
		sodium_memzero(key, sizeof(key));
		return step > 0 && account_use_totp_step(db, a->id, step) == DB_OK;
	}
	sodium_memzero(key, sizeof(key));
	*how = "recovery-code";
	return recovery_code_norm(code, norm) == 0 &&
	       auth_token_take(r, "recovery", norm, arena_printf(r->arena, "%lld", a->id)) != NULL;
}

int form_login_otp(struct req *r)
{
	const struct person *p = otp_session(r);
	const char *code = req_form(r, "code"), *next = req_form(r, "next"), *how = "totp", *which;
	struct db *db = app_db(r);
	struct account a;
	struct identity id;
	char clean[40];
	size_t i, k = 0;
	int rc;

	if (!p)
		return 0;
	for (i = 0; code && code[i] && k + 1 < sizeof(clean); i++)
		if (code[i] != ' ')
			clean[k++] = code[i];
	clean[k] = '\0';
	if (!db || account_by_id(db, p->account, &a) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	rc = take_attempt(r, "login-acct", arena_printf(r->arena, "%lld", a.id), &which);
	if (rc == RATE_LIMITED) {
		auth_audit(r, a.id, "login", "password", 0, "rate-limited");
		otp_page(r, 429, N_("Too many login attempts. Wait a few minutes and try again."));
		return 0;
	}
	if (rc != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (!k || a.locked_until > time(NULL) || a.disabled || !second_factor_ok(r, db, &a, clean, &how)) {
		account_login_failed(db, a.id, time(NULL));
		auth_audit(r, a.id, "login", "password", 0, k ? "bad-second-factor" : "no-second-factor");
		otp_page(r, 403,
			 N_("The code is wrong or has been used already. Enter the current code from your "
			    "authenticator app, or one of your recovery codes."));
		return 0;
	}
	if (!strcmp(how, "recovery-code"))
		auth_audit(r, a.id, "recovery-code-used", "password", 1, NULL);
	memset(&id, 0, sizeof(id));
	id.method = "password";
	id.account = a.id;
	auth_login(r, &id, next, AUTH_REDIRECT);
	return 0;
}

/* ---- the second factor on /profils ---- */

static const char SQL_RECOVERY_LEFT[] = "SELECT COUNT(*) FROM auth_token WHERE kind = 'recovery' AND owner = $1 "
					"AND expires_at > $2";

/* "administrator, consultant" in the page's language. */
static const char *roles_text(struct req *r, unsigned roles)
{
	static const struct {
		unsigned role;
		const char *name;
	} names[] = {{ROLE_ADMIN, N_("administrator")},
		     {ROLE_CONTENT, N_("content editor")},
		     {ROLE_INSTITUTION, N_("institution editor")},
		     {ROLE_CONSULTANT, N_("consultant")}};
	const char *out = "";
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (roles & names[i].role)
			out = arena_printf(r->arena, "%s%s%s", out, *out ? ", " : "", i18n_tr(r->lang, names[i].name));
	return out;
}

void profile_staff_ctx(struct req *r, const struct person *p, json_t *ctx)
{
	struct db *db = app_db(r);
	struct account a;
	long long left = 0;

	if (!db || account_by_id(db, p->account, &a) != DB_OK)
		return;
	json_object_set_new(ctx, "login", json_string(a.login));
	if (*a.totp_secret) {
		json_object_set_new(ctx, "totp_on", json_true());
		db_query_int(db, SQL_RECOVERY_LEFT,
			     DB_P(PTEXT(arena_printf(r->arena, "%lld", a.id)), PINT((long long)time(NULL))), &left);
		json_object_set_new(ctx, "recovery_left", json_integer(left));
	}
	json_object_set_new(ctx, "roles", json_string(roles_text(r, a.roles)));
}

/* The pending key of an enrolment travels in the form, sealed under a key
 * of its own together with the account it is for. */
struct enrol {
	long long account;
	unsigned char key[TOTP_KEY_LEN];
};

static void enrol_page(struct req *r, int status, const char *msg)
{
	const struct person *p = auth_person(r);
	struct account a;
	struct enrol e;
	unsigned char k[SECRET_LEN];
	char b32[TOTP_BASE32_LEN], sealed[160];
	json_t *ctx;
	struct db *db = app_db(r);

	if (!db || account_by_id(db, p->account, &a) != DB_OK || totp_new_key(e.key, b32) != 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	e.account = p->account;
	secret_derive(app_of(r)->secret, "totp-enrol", k);
	if (secret_seal(k, &e, sizeof(e), sealed, sizeof(sealed)) != 0) {
		resp_error(r, ERR_INTERNAL, NULL);
		return;
	}
	sodium_memzero(&e, sizeof(e));
	ctx = page_ctx(r, N_("Set up the second factor"), "profile");
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	json_object_set_new(ctx, "sealed", json_string(sealed));
	if (*a.totp_secret)
		json_object_set_new(ctx, "replace", json_true());
	json_object_set_new(ctx, "secret", json_string(b32));
	json_object_set_new(
	    ctx, "uri",
	    json_string(arena_printf(r->arena, "otpauth://totp/epak:%s?secret=%s&issuer=epak", a.login, b32)));
	if (msg)
		json_object_set_new(ctx, "error", json_string(i18n_tr(r->lang, msg)));
	render_flags(r, status, "otp-setup", ctx, RESP_NO_STORE);
}

int page_otp_setup(struct req *r)
{
	if (auth_require_role(r, ROLE_ADMIN | ROLE_CONTENT | ROLE_INSTITUTION | ROLE_CONSULTANT) != 0)
		return 0;
	enrol_page(r, 200, NULL);
	return 0;
}

/* Ten new recovery codes for account (the old ones end); into codes. */
static int new_recovery_codes(struct req *r, long long account, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN])
{
	struct db *db = app_db(r);
	const char *owner = arena_printf(r->arena, "%lld", account);
	char norm[RECOVERY_CODE_LEN];
	int i;

	if (db_exec(db, "DELETE FROM auth_token WHERE kind = 'recovery' AND owner = $1", DB_P(PTEXT(owner)), NULL) !=
	    DB_OK)
		return -1;
	for (i = 0; i < RECOVERY_CODES; i++) {
		recovery_code_new(codes[i]);
		recovery_code_norm(codes[i], norm);
		if (auth_token_put(r, "recovery", norm, owner, "{}", 10 * 365 * 86400) != 0)
			return -1;
	}
	return 0;
}

int form_otp_setup(struct req *r)
{
	const struct person *p;
	const char *sealed = req_form(r, "sealed"), *code = req_form(r, "code"), *current = req_form(r, "current");
	const char *how = "totp";
	struct account acc;
	unsigned char k[SECRET_LEN];
	char box[160], codes[RECOVERY_CODES][RECOVERY_CODE_LEN];
	struct enrol e;
	size_t n = 0;
	struct identity id;
	json_t *ctx, *list;
	int i;

	if (auth_require_role(r, ROLE_ADMIN | ROLE_CONTENT | ROLE_INSTITUTION | ROLE_CONSULTANT) != 0)
		return 0;
	p = auth_person(r);
	if (account_by_id(app_db(r), p->account, &acc) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	/* replacing a second factor takes the one there is: a session alone
	 * (a computer left logged in) must not be enough */
	if (*acc.totp_secret && (!current || !second_factor_ok(r, app_db(r), &acc, current, &how))) {
		auth_audit(r, p->account, "second-factor-set", "totp", 0, "current code wrong");
		enrol_page(
		    r, 403,
		    N_("Enter the current code from your authenticator app (or a recovery code) to replace it."));
		return 0;
	}
	secret_derive(app_of(r)->secret, "totp-enrol", k);
	if (!sealed || secret_open(k, sealed, &e, sizeof(e), &n) != 0 || n != sizeof(e) || e.account != p->account) {
		resp_error(r, ERR_BAD_REQUEST, "the enrolment form was altered");
		return 0;
	}
	if (!code || totp_check(e.key, sizeof(e.key), code, time(NULL)) < 0) {
		sodium_memzero(&e, sizeof(e));
		auth_audit(r, p->account, "second-factor-set", "totp", 0, "wrong code");
		enrol_page(r, 422, N_("The code does not match. Scan the new key again and enter the code it shows."));
		return 0;
	}
	secret_derive(app_of(r)->secret, "totp", k);
	if (secret_seal(k, e.key, sizeof(e.key), box, sizeof(box)) != 0 ||
	    account_set_totp(app_db(r), p->account, box) != DB_OK || new_recovery_codes(r, p->account, codes) != 0) {
		sodium_memzero(&e, sizeof(e));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	sodium_memzero(&e, sizeof(e));
	auth_audit(r, p->account, "second-factor-set", "totp", 1, "other sessions ended");
	/* every other session of the account ends; this one gets a new id */
	db_exec(app_db(r), "DELETE FROM login_session WHERE account_id = $1 AND id <> $2",
		DB_P(PINT(p->account), PTEXT(p->session_id)), NULL);
	/* a change of privilege: a new session id, in place of this one */
	memset(&id, 0, sizeof(id));
	id.method = p->method;
	id.account = p->account;
	ctx = page_ctx(r, N_("Your recovery codes"), "profile");
	list = json_array();
	for (i = 0; i < RECOVERY_CODES; i++)
		json_array_append_new(list, json_string(codes[i]));
	json_object_set_new(ctx, "codes", list);
	auth_renew(r, &id);
	render_flags(r, 200, "otp-codes", ctx, RESP_NO_STORE);
	return 0;
}

/* ---- /pieteikties/atjaunot: a forgotten password ---- */

static const struct field reset_fields[] = {FIELD_TEXT("login", REQUIRED, 1, 64, N_("Login name")), FIELD_END};

static void reset_request_page(struct req *r, int status, const struct form *f, int sent)
{
	json_t *ctx = page_ctx(r, N_("Forgotten password"), "login");
	struct form empty;

	if (!f) {
		memset(&empty, 0, sizeof(empty));
		f = &empty;
	}
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	if (sent)
		json_object_set_new(ctx, "sent", json_true());
	form_to_ctx(r, reset_fields, f, ctx);
	render_flags(r, status, "reset-request", ctx, RESP_NO_STORE);
}

int page_reset_request(struct req *r)
{
	reset_request_page(r, 200, NULL, 0);
	return 0;
}

struct reset_tx {
	struct req *r;
	const struct account *a;
	const char *token;
	const char *link;
};

static int reset_body(struct db *db, void *cls)
{
	struct reset_tx *t = cls;
	struct req *r = t->r;
	struct mail m;
	const char *to[1] = {t->a->email};
	char id[DIGEST_HEX];
	long long now = time(NULL);
	int rc;

	sha256_hex(t->token, strlen(t->token), id);
	rc = db_exec(db,
		     "INSERT INTO auth_token (id, kind, owner, data, created_at, expires_at) "
		     "VALUES ($1, 'reset', 'reset', $2, $3, $4)",
		     DB_P(PTEXT(id), PTEXT(arena_printf(r->arena, "{\"account\": %lld}", t->a->id)), PINT(now),
			  PINT(now + RESET_TTL)),
		     NULL);
	if (rc != DB_OK)
		return rc;
	memset(&m, 0, sizeof(m));
	m.to = to;
	m.nto = 1;
	m.subject = i18n_tr(r->lang, N_("Setting a new password"));
	m.text = arena_printf(r->arena,
			      i18n_tr(r->lang, N_("Hello!\n\nSomeone asked to set a new password for your account at "
						  "the portal \"The State is on the Internet\".\n\nIf it was you, open "
						  "this link within an hour:\n\n%s\n\nThe link works once. If it was "
						  "not you, do nothing: your password stays as it is.\n")),
			      t->link);
	m.kind = "password-reset";
	m.personal = 1;
	return outbox_enqueue_with(db, app_of(r)->mail, &m, NULL);
}

int form_reset_request(struct req *r)
{
	struct form f;
	struct account a;
	struct db *db = app_db(r);
	struct reset_tx t;
	unsigned char rnd[32];
	char token[44];
	const char *base = public_base(r), *which;
	int rc;

	if (form_validate(r, reset_fields, &f) != 0) {
		reset_request_page(r, 422, &f, 0);
		return 0;
	}
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	rc = account_by_login(db, login_lower(r, f.value[0]), &a);
	if (take_attempt(r, "reset-name", login_lower(r, f.value[0]), &which) == RATE_LIMITED) {
		reset_request_page(r, 200, NULL, 1); /* the same answer, nothing sent, nothing written */
		return 0;
	}
	if (rc == DB_OK && a.staff && !a.disabled && *a.email && base && RAND_bytes(rnd, sizeof(rnd)) == 1 &&
	    b64_encode(token, sizeof(token), rnd, sizeof(rnd), B64_URL) > 0) {
		t.r = r;
		t.a = &a;
		t.token = token;
		t.link = arena_printf(r->arena, "%s%s", base,
				      prefixed(r, arena_printf(r->arena, "/pieteikties/atjaunot/%s", token)));
		rc = db_tx(db, reset_body, &t);
		auth_audit(r, a.id, "password-reset-asked", "mail", rc == DB_OK, rc == DB_OK ? NULL : "not queued");
	} else {
		auth_audit(r, rc == DB_OK ? a.id : 0, "password-reset-asked", "mail", 0,
			   "no such account or no address");
	}
	/* the same page whether or not the account exists */
	reset_request_page(r, 200, NULL, 1);
	return 0;
}

static void reset_page(struct req *r, int status, const char *msg, int gone)
{
	json_t *ctx = page_ctx(r, N_("Set a new password"), "login");

	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	json_object_set_new(ctx, "token", json_string(req_param(r, 0)));
	json_object_set_new(ctx, "min", json_integer(PASSWORD_MIN));
	if (gone)
		json_object_set_new(ctx, "gone", json_true());
	if (msg)
		json_object_set_new(ctx, "error", json_string(i18n_tr(r->lang, msg)));
	render_flags(r, status, "reset", ctx, RESP_NO_STORE);
}

static int reset_peek(struct req *r, const char *token)
{
	char id[DIGEST_HEX];
	long long n = 0;
	struct db *db = app_db(r);

	if (!b64_token_ok(token) || !db || sha256_hex(token, strlen(token), id) != 0)
		return 0;
	return db_query_int(db, "SELECT COUNT(*) FROM auth_token WHERE id = $1 AND kind = 'reset' AND expires_at > $2",
			    DB_P(PTEXT(id), PINT((long long)time(NULL))), &n) == DB_OK &&
	       n > 0;
}

int page_reset(struct req *r)
{
	/* only looked at: an unknown link is not an event (the POST is) */
	if (!reset_peek(r, req_param(r, 0))) {
		reset_page(r, 404, NULL, 1);
		return 0;
	}
	reset_page(r, 200, NULL, 0);
	return 0;
}

struct reset_job {
	char pw[PASSWORD_MAX + 1];
	char hash[PASSWORD_HASH_MAX];
	char token[44];
	int ok;
};

static void reset_work(void *cls)
{
	struct reset_job *j = cls;

	j->ok = password_hash(j->pw, j->hash) == 0;
	sodium_memzero(j->pw, sizeof(j->pw));
}

static void reset_done(struct req *r, void *cls)
{
	struct reset_job *j = cls;
	const char *data;
	long long account = 0;
	struct account a;
	struct db *db;

	if (!r) {
		free(j);
		return;
	}
	db = app_db(r);
	/* taken only now: a link is used up by a password that was set */
	data = j->ok ? auth_token_take(r, "reset", j->token, "reset") : NULL;
	if (data) {
		json_t *o = json_loads(data, 0, NULL);

		account = json_integer_value(json_object_get(o, "account"));
		json_decref(o);
	}
	if (account && db && (account_by_id(db, account, &a) != DB_OK || a.disabled))
		account = 0; /* disabled since the link was sent: the link is dead */
	if (!account || !db || account_set_password(db, account, j->hash) != DB_OK) {
		free(j);
		auth_audit(r, 0, "password-reset", "mail", 0, "unknown or used link");
		reset_page(r, 404, NULL, 1);
		return;
	}
	free(j);
	db_exec(db, "DELETE FROM login_session WHERE account_id = $1", DB_P(PINT(account)), NULL);
	auth_audit(r, account, "password-changed", "mail", 1, "reset link; all sessions ended");
	login_page(r, 200, N_("Your password has been changed. Log in with the new one."), NULL);
}

int form_reset(struct req *r)
{
	const char *token = req_param(r, 0), *pw = req_form(r, "password"), *pw2 = req_form(r, "password2");
	struct reset_job *j;

	if (!reset_peek(r, token)) {
		auth_audit(r, 0, "password-reset", "mail", 0, "unknown or used link");
		reset_page(r, 404, NULL, 1);
		return 0;
	}
	if (!pw || strlen(pw) < PASSWORD_MIN || strlen(pw) > PASSWORD_MAX) {
		reset_page(r, 422,
			   N_("The password must be at least 12 characters long (a few words make a good one)."), 0);
		return 0;
	}
	if (!pw2 || strcmp(pw, pw2)) {
		reset_page(r, 422, N_("The two passwords are not the same."), 0);
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	snprintf(j->pw, sizeof(j->pw), "%s", pw);
	snprintf(j->token, sizeof(j->token), "%s", token);
	if (async_run(r, reset_work, reset_done, j) != 0)
		free(j);
	return 0;
}
