/* auth.c — sessions, logging in and out, the audit log, single-use login
 * secrets and route guards (auth.h). */
#include "web/auth.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/base64.h"
#include "core/digest.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/url.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "web/app.h"
#include "web/catalog_ctx.h"
#include "web/send.h"
#include "web/web.h"

#define COOKIE_TLS "__Host-epak_session"
#define COOKIE_DEV "epak_session"
#define TOKEN_B64 43 /* 32 bytes, base64url without padding */
#define TOUCH_EVERY 60
#define AUDIT_REFUSALS 200 /* refusals written to the audit log per network per 10 minutes */

static const char *cookie_name(struct req *r)
{
	return req_secure(r) ? COOKIE_TLS : COOKIE_DEV;
}

static void set_cookie(struct req *r, const char *value, int clear)
{
	const char *c = arena_printf(r->arena, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", cookie_name(r),
				     clear ? "" : value, req_secure(r) ? "; Secure" : "", clear ? "; Max-Age=0" : "");

	if (c)
		resp_add_header(r, "set-cookie", c);
}

/* ---- the person of a request ---- */

static const char SQL_SESSION_GET[] =
    "SELECT s.account_id, s.stage, s.method, s.created_at, s.seen_at, s.expires_at, s.pno, "
    "a.display_name, a.kind, a.country, a.disabled, s.notice, s.prev_login_at, s.prev_method "
    "FROM login_session s JOIN account a ON a.id = s.account_id WHERE s.id = $1";
static const char SQL_SESSION_TOUCH[] = "UPDATE login_session SET seen_at = $2 WHERE id = $1";
static const char SQL_SESSION_DELETE[] = "DELETE FROM login_session WHERE id = $1";
static const char SQL_ROLES[] = "SELECT role, institution FROM account_role WHERE account_id = $1";

struct session_row {
	struct req *r;
	struct person *p;
	long long seen_at, expires_at;
	int disabled;
};

static int session_row(void *cls, const struct db_row *row)
{
	struct session_row *s = cls;
	struct person *p = s->p;
	struct arena *a = s->r->arena;

	p->account = row_int(row, 0);
	p->otp_pending = !strcmp(row_text(row, 1), "otp");
	p->method = arena_strdup(a, row_text(row, 2));
	p->session_created = row_int(row, 3);
	s->seen_at = row_int(row, 4);
	s->expires_at = row_int(row, 5);
	p->pno = arena_strdup(a, row_text(row, 6));
	p->name = arena_strdup(a, row_text(row, 7));
	p->staff = !strcmp(row_text(row, 8), "staff");
	p->country = arena_strdup(a, row_text(row, 9));
	s->disabled = (int)row_int(row, 10);
	p->notice = (int)row_int(row, 11);
	p->prev_login_at = row_int(row, 12);
	p->prev_method = arena_strdup(a, row_text(row, 13));
	return 1;
}

static int role_row(void *cls, const struct db_row *row)
{
	struct session_row *s = cls;
	struct person *p = s->p;
	unsigned role = role_parse(row_text(row, 0));

	p->roles |= role;
	if (role == ROLE_INSTITUTION && p->ninst < ACCOUNT_MAX_INSTITUTIONS)
		p->institutions[p->ninst++] = arena_strdup(s->r->arena, row_text(row, 1));
	return 0;
}

static const struct person *lookup(struct req *r)
{
	/* a session started by this very answer counts, not the old cookie */
	const char *tok = r->session_token ? r->session_token : req_cookie(r, cookie_name(r));
	struct db *db;
	struct person *p;
	struct session_row s;
	char id[DIGEST_HEX];
	long long now = time(NULL);
	const struct config *cfg = r->site->cfg;
	int rc;

	if (!tok)
		return NULL;
	db = app_db(r);
	if (!b64_token_ok(tok) || sha256_hex(tok, strlen(tok), id) != 0 || !db)
		goto gone;
	p = arena_alloc(r->arena, sizeof(*p));
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	memset(&s, 0, sizeof(s));
	s.r = r;
	s.p = p;
	rc = db_query(db, SQL_SESSION_GET, DB_P(PTEXT(id)), session_row, &s);
	if (rc < 0) {
		/* the database is unwell: nobody, for this request, but the
		 * cookie stays (the session may be fine a moment later) */
		log_warn("session lookup: %s", db_errmsg(db));
		return NULL;
	}
	if (rc != 1)
		goto gone;
	if (s.disabled || now >= s.expires_at || now - s.seen_at >= cfg->session_idle) {
		db_exec(db, SQL_SESSION_DELETE, DB_P(PTEXT(id)), NULL);
		goto gone;
	}
	if (now - s.seen_at >= TOUCH_EVERY)
		db_exec(db, SQL_SESSION_TOUCH, DB_P(PTEXT(id), PINT(now)), NULL);
	if (p->staff && db_query(db, SQL_ROLES, DB_P(PINT(p->account)), role_row, &s) < 0)
		return NULL;
	p->session_id = arena_strdup(r->arena, id);
	return p;
gone:
	/* A cookie that opens nothing (expired, ended elsewhere, forged) is
	 * cleared, so the browser stops sending it. */
	if (!r->answered)
		set_cookie(r, "", 1);
	return NULL;
}

const struct person *auth_session(struct req *r)
{
	if (!r->user_looked) {
		r->user_looked = 1;
		r->user = lookup(r);
	}
	return r->user;
}

const struct person *auth_person(struct req *r)
{
	const struct person *p;

	/* A cached page is the same for everyone: its handler never learns
	 * who asks (the person's block is spliced in by the http layer). */
	if (r->flags & ROUTE_CACHE) {
		log_error("%s: a cached route asked who is logged in", r->match.route ? r->match.route->pattern : "?");
		return NULL;
	}
	p = auth_session(r);
	return p && !p->otp_pending ? p : NULL;
}

int auth_has_role(struct req *r, unsigned role, const char *institution)
{
	const struct person *p = auth_person(r);
	int i;

	if (!p || !(p->roles & role))
		return 0;
	if (role != ROLE_INSTITUTION || !institution)
		return 1;
	for (i = 0; i < p->ninst; i++)
		if (!strcmp(p->institutions[i], institution))
			return 1;
	return 0;
}

/* ---- the audit log ---- */

static const char SQL_AUDIT[] = "INSERT INTO audit_log (at, actor, action, detail, account_id, method, net, ok) "
				"VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

void auth_audit(struct req *r, long long account, const char *action, const char *method, int ok, const char *detail)
{
	const struct person *p = r->user_looked ? r->user : NULL;
	struct db *db = app_db(r);
	/* Refusals are what a stranger can make: at most AUDIT_REFUSALS per
	 * network per 10 minutes are written (the rest only counted in the
	 * log), so the append-only log cannot be flooded. */
	if (!ok && auth_take(r, "audit-refused", req_client_net(r), 600, AUDIT_REFUSALS) != DB_OK) {
		log_warn("audit log: refusals from one network over budget; %s not recorded", action);
		return;
	}
	/* a login's actor is the person who logged in; a refused one's nobody */
	const char *actor = p               ? arena_printf(r->arena, "%lld", p->account)
			    : ok && account ? arena_printf(r->arena, "%lld", account)
					    : "anonymous";

	if (!db || db_exec(db, SQL_AUDIT,
			   DB_P(PINT((long long)time(NULL)), PTEXT(actor ? actor : "?"), PTEXT(action),
				PTEXT(detail ? detail : ""), PINT(account), PTEXT(method ? method : ""),
				PTEXT(req_client_net(r)), PINT(ok ? 1 : 0)),
			   NULL) != DB_OK)
		log_error("audit log: %s not recorded: %s", action, db ? db_errmsg(db) : "no database");
}

/* ---- logging in ---- */

void auth_pno_hash(const struct app *app, const char *pno, char out[DIGEST_HEX])
{
	unsigned char key[SECRET_LEN];

	secret_derive(app->secret, "pno", key);
	hmac_hex(key, sizeof(key), pno, strlen(pno), out);
}

/* "PNOLV-120389-*****": the code with its last part hidden. */
static const char *pno_mask(struct req *r, const char *pno)
{
	size_t n = strlen(pno), keep = n > 5 ? n - 5 : 0;

	return arena_printf(r->arena, "%.*s*****", (int)keep, pno);
}

/* decoded: s is the percent-decoded form, where a space or a non-ASCII
 * byte is harmless but a control byte or a backslash is not */
static int local_path_ok(const char *s, size_t n, int decoded)
{
	size_t i;
	unsigned char c;

	/* one leading '/' (never "//" or "/\\", which a browser reads as
	 * another host), no control bytes, no backslash anywhere; as sent,
	 * printable ASCII only */
	if (n < 1 || s[0] != '/' || (n > 1 && (s[1] == '/' || s[1] == '\\')))
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '\\' || (!decoded && (c == ' ' || c >= 0x80)))
			return 0;
	}
	return memmem(s, n, "//", 2) == NULL;
}

int auth_next_ok(const char *next)
{
	char dec[1001];
	size_t i, k = 0, n = next ? strlen(next) : 0;

	if (n > 1000 || !local_path_ok(next, n, 0))
		return 0;
	/* the same once percent-decoded: "/%5Cevil", "/%2F/evil" are refused
	 * too, whatever a browser or proxy on the way makes of them */
	for (i = 0; i < n; i++) {
		if (next[i] == '%') {
			int hi = i + 2 < n ? hex_value(next[i + 1]) : -1, lo = hi >= 0 ? hex_value(next[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return 0;
			dec[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			dec[k++] = next[i];
		}
	}
	return local_path_ok(dec, k, 1);
}

static const char SQL_SESSION_ADD[] =
    "INSERT INTO login_session (id, account_id, stage, method, created_at, seen_at, expires_at, net, agent, pno, "
    "prev_login_at, prev_method) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11)";
static const char SQL_LAST_LOGIN[] = "SELECT at, method FROM audit_log WHERE account_id = $1 AND action = 'login' "
				     "AND ok = 1 ORDER BY at DESC, id DESC LIMIT 1";

struct login_tx {
	struct req *r;
	const struct identity *id;
	const char *pno_hash;
	const char *old_id; /* the browser's previous session, ended */
	char new_id[DIGEST_HEX];
	char pno_hash_buf[DIGEST_HEX];
	int renew; /* a change of privilege, not a login: keeps the notice off */
	struct account acc;
	long long prev_at;
	char prev_method[64];
	int refused; /* 1 disabled, 2 unknown staff account, 3 staff by a way staff may not use */
};

static int last_login_row(void *cls, const struct db_row *row)
{
	struct login_tx *t = cls;

	t->prev_at = row_int(row, 0);
	snprintf(t->prev_method, sizeof(t->prev_method), "%s", row_text(row, 1));
	return 1;
}

/* A short description of the browser for "your sessions": its family and
 * system, never the whole header. */
static const char *agent_of(struct req *r)
{
	const char *ua = req_header(r, "user-agent");
	const char *browser = "?", *sys = "";

	if (!ua)
		return "";
	if (strstr(ua, "Firefox/"))
		browser = "Firefox";
	else if (strstr(ua, "Edg/"))
		browser = "Edge";
	else if (strstr(ua, "Chrome/") || strstr(ua, "Chromium/"))
		browser = "Chrome";
	else if (strstr(ua, "Safari/"))
		browser = "Safari";
	else if (strstr(ua, "curl/"))
		browser = "curl";
	if (strstr(ua, "Windows"))
		sys = "Windows";
	else if (strstr(ua, "Android"))
		sys = "Android";
	else if (strstr(ua, "iPhone") || strstr(ua, "iPad"))
		sys = "iOS";
	else if (strstr(ua, "Mac OS"))
		sys = "macOS";
	else if (strstr(ua, "Linux"))
		sys = "Linux";
	return arena_printf(r->arena, "%s%s%s", browser, *sys ? ", " : "", sys);
}

static int login_body(struct db *db, void *cls)
{
	struct login_tx *t = cls;
	const struct identity *id = t->id;
	struct req *r = t->r;
	long long now = time(NULL);
	const struct config *cfg = r->site->cfg;
	int rc;

	t->refused = 0;
	t->prev_at = 0;
	t->prev_method[0] = '\0';
	if (id->account)
		rc = account_by_id(db, id->account, &t->acc);
	else
		rc = account_by_pno(db, t->pno_hash, &t->acc);
	if (rc == DB_ENOROW && !id->account) {
		rc = account_add_citizen(db, t->pno_hash, id->pno ? pno_mask(r, id->pno) : "",
					 id->country ? id->country : "", id->name ? id->name : "", now, &t->acc.id);
		if (rc == DB_OK)
			rc = account_by_id(db, t->acc.id, &t->acc);
	} else if (rc == DB_ENOROW) {
		t->refused = 2;
		return 0;
	}
	if (rc != DB_OK)
		return rc;
	if (t->acc.disabled) {
		t->refused = 1;
		return 0;
	}
	/* staff come in with their password and second factor, or with their
	 * own eID card: an identity provider's word is not enough for roles */
	if (t->acc.staff && !id->account && strcmp(id->method, "webeid") && strcmp(id->method, "tls")) {
		t->refused = 3;
		return 0;
	}
	/* the name follows the certificate or provider (a married name, say) */
	if (!t->acc.staff && id->name && *id->name && strcmp(id->name, t->acc.name))
		rc = account_set_name(db, t->acc.id, id->name);
	if (rc == DB_OK && t->old_id)
		rc = db_exec(db, SQL_SESSION_DELETE, DB_P(PTEXT(t->old_id)), NULL);
	if (rc != DB_OK)
		return rc;
	rc = t->renew ? 0 : db_query(db, SQL_LAST_LOGIN, DB_P(PINT(t->acc.id)), last_login_row, t);
	if (rc < 0)
		return rc;
	rc = db_exec(db, SQL_SESSION_ADD,
		     DB_P(PTEXT(t->new_id), PINT(t->acc.id), PTEXT(id->otp_pending ? "otp" : "full"), PTEXT(id->method),
			  PINT(now), PINT(now + (id->otp_pending ? 600 : cfg->session_max)), PTEXT(req_client_net(r)),
			  PTEXT(agent_of(r)), PTEXT(id->pno && !id->otp_pending ? id->pno : ""), PINT(t->prev_at),
			  PTEXT(t->prev_method)),
		     NULL);
	if (rc == DB_OK && t->renew)
		rc = db_exec(db, "UPDATE login_session SET notice = 0 WHERE id = $1", DB_P(PTEXT(t->new_id)), NULL);
	if (rc != DB_OK || id->otp_pending || t->renew)
		return rc;
	return account_login_ok(db, t->acc.id, now);
}

static void answer_to(struct req *r, const char *to, enum auth_answer how)
{
	json_t *o;

	if (how == AUTH_JSON) {
		o = json_object();
		json_object_set_new(o, "redirect", json_string(to));
		resp_json(r, 200, o);
		return;
	}
	resp_redirect(r, 303, to);
}

/* Starts the session of id (login_body) and sets its cookie: 0, 1 when
 * the account may not log in (refused answered), -1 when nothing could be
 * written (answered). */
static int start_session(struct req *r, const struct identity *id, struct login_tx *t, enum auth_answer how)
{
	struct db *db = app_db(r);
	const char *old = req_cookie(r, cookie_name(r));
	unsigned char rnd[32];
	char tokbuf[TOKEN_B64 + 1], old_id[DIGEST_HEX];
	int rc;

	t->r = r;
	t->id = id;
	if (!id->account) {
		const char *key = id->pno && *id->pno ? id->pno : id->subject;

		if (!key || !*key) {
			auth_refuse(r, id->method, 0, "no-identity", N_("The login did not say who you are."), how);
			return 1;
		}
		auth_pno_hash(app_of(r), key, t->pno_hash_buf);
		t->pno_hash = t->pno_hash_buf;
	}
	if (b64_token_ok(old) && sha256_hex(old, strlen(old), old_id) == 0)
		t->old_id = old_id;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 || b64_encode(tokbuf, sizeof(tokbuf), rnd, sizeof(rnd), B64_URL) < 0 ||
	    sha256_hex(tokbuf, strlen(tokbuf), t->new_id) != 0 || !db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	rc = db_tx(db, login_body, t);
	t->old_id = NULL;
	if (rc != DB_OK) {
		log_error("login not recorded: %s", db_errmsg(db));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	if (t->refused == 3) {
		auth_refuse(r, id->method, t->acc.id, "staff-method",
			    N_("Staff accounts log in with their password and second factor, or with their eID card."),
			    how);
		return 1;
	}
	if (t->refused) {
		auth_refuse(r, id->method, t->acc.id, t->refused == 1 ? "disabled" : "no-account",
			    N_("This account cannot log in. Ask the portal's administrator."), how);
		return 1;
	}
	set_cookie(r, tokbuf, 0);
	csrf_renew(r);
	r->session_token = arena_strdup(r->arena, tokbuf);
	r->user_looked = 0; /* the request's person is the new one from here on */
	return 0;
}

void auth_login(struct req *r, const struct identity *id, const char *next, enum auth_answer how)
{
	struct login_tx t;

	memset(&t, 0, sizeof(t));
	if (start_session(r, id, &t, how) != 0)
		return;
	if (id->otp_pending) {
		auth_audit(r, t.acc.id, "password", id->method, 1, "second factor next");
		answer_to(r,
			  prefixed(r, auth_next_ok(next) ? arena_printf(r->arena, "/pieteikties/otp?next=%s",
									url_query_value(r->arena, next))
							 : "/pieteikties/otp"),
			  how);
		return;
	}
	auth_audit(r, t.acc.id, "login", id->method, 1, NULL);
	answer_to(r, auth_next_ok(next) ? next : prefixed(r, "/profils"), how);
}

int auth_renew(struct req *r, const struct identity *id)
{
	struct login_tx t;

	memset(&t, 0, sizeof(t));
	t.renew = 1;
	if (start_session(r, id, &t, AUTH_REDIRECT) != 0)
		return -1;
	auth_audit(r, t.acc.id, "session-renewed", id->method, 1, NULL);
	return 0;
}

void auth_refuse(struct req *r, const char *method, long long account, const char *reason, const char *msg,
		 enum auth_answer how)
{
	json_t *o;

	auth_audit(r, account, "login", method, 0, reason);
	if (how == AUTH_JSON) {
		o = json_object();
		json_object_set_new(o, "code", json_string("login_refused"));
		json_object_set_new(o, "hint", json_string(i18n_tr(r->lang, msg)));
		json_object_set_new(o, "detail", json_string(reason));
		resp_json(r, 403, o);
		return;
	}
	login_page(r, 403, msg, NULL);
}

int auth_logout(struct req *r, int everywhere)
{
	const struct person *p = auth_session(r);
	struct db *db = app_db(r);
	int rc = DB_OK;

	if (p && db) {
		if (everywhere)
			rc = db_exec(db, "DELETE FROM login_session WHERE account_id = $1", DB_P(PINT(p->account)),
				     NULL);
		else
			rc = db_exec(db, SQL_SESSION_DELETE, DB_P(PTEXT(p->session_id)), NULL);
		if (rc == DB_OK)
			auth_audit(r, p->account, everywhere ? "logout-everywhere" : "logout", p->method, 1, NULL);
	}
	set_cookie(r, "", 1);
	csrf_renew(r);
	r->user = NULL;
	r->user_looked = 1; /* nobody, for the rest of this answer */
	return rc == DB_OK ? 0 : -1;
}

/* ---- budgets ---- */

struct take_tx {
	const char *key;
	long long window, max;
};

static int take_body(struct db *db, void *cls)
{
	struct take_tx *t = cls;

	return rate_take(db, t->key, t->window, t->max, 1, (long long)time(NULL));
}

int auth_take(struct req *r, const char *kind, const char *subject, long long window, long long max)
{
	struct db *db = app_db(r);
	struct take_tx t;

	if (!db)
		return DB_ERROR;
	t.key = send_private_key(r, kind, subject);
	t.window = window;
	t.max = max;
	return t.key ? db_tx(db, take_body, &t) : DB_ERROR;
}

/* ---- single-use secrets ---- */

static const char SQL_TOKEN_PUT[] = "INSERT INTO auth_token (id, kind, owner, data, created_at, expires_at) "
				    "VALUES ($1, $2, $3, $4, $5, $6)";
static const char SQL_TOKEN_TAKE[] = "DELETE FROM auth_token WHERE id = $1 AND kind = $2 AND owner = $3 "
				     "AND expires_at > $4 RETURNING data";

int auth_token_put(struct req *r, const char *kind, const char *secret, const char *owner, const char *data_json,
		   int ttl)
{
	struct db *db = app_db(r);
	char id[DIGEST_HEX];
	long long now = time(NULL);

	if (!db || !owner || sha256_hex(secret, strlen(secret), id) != 0)
		return -1;
	return db_exec(db, SQL_TOKEN_PUT,
		       DB_P(PTEXT(id), PTEXT(kind), PTEXT(owner), PTEXT(data_json ? data_json : "{}"), PINT(now),
			    PINT(now + ttl)),
		       NULL) == DB_OK
		   ? 0
		   : -1;
}

struct take {
	struct arena *a;
	const char *data;
};

static int take_row(void *cls, const struct db_row *row)
{
	struct take *t = cls;

	t->data = arena_strdup(t->a, row_text(row, 0));
	return 1;
}

const char *auth_token_take(struct req *r, const char *kind, const char *secret, const char *owner)
{
	struct db *db = app_db(r);
	struct take t = {r->arena, NULL};
	char id[DIGEST_HEX];

	if (!db || !secret || !owner || sha256_hex(secret, strlen(secret), id) != 0)
		return NULL;
	if (db_query(db, SQL_TOKEN_TAKE, DB_P(PTEXT(id), PTEXT(kind), PTEXT(owner), PINT((long long)time(NULL))),
		     take_row, &t) != 1)
		return NULL;
	return t.data;
}

const char *auth_browser(struct req *r)
{
	const char *c = csrf_cookie_value(r);
	char *out;

	if (!c)
		return NULL;
	out = arena_alloc(r->arena, DIGEST_HEX);
	if (!out)
		return NULL;
	hmac_hex(app_of(r)->secret, sizeof(app_of(r)->secret), c, strlen(c), out);
	return out;
}

/* ---- guards ---- */

int auth_require_person(struct req *r)
{
	const char *here;

	if (auth_person(r))
		return 0;
	here = r->query ? arena_printf(r->arena, "%s%s?%.*s", r->lang == LANG_EN ? "/en" : "", r->path,
				       (int)r->query_len, r->query)
			: arena_printf(r->arena, "%s%s", r->lang == LANG_EN ? "/en" : "", r->path);
	resp_redirect(r, 303,
		      arena_printf(r->arena, "%s?next=%s", prefixed(r, "/pieteikties"),
				   url_query_value(r->arena, here ? here : "/")));
	return -1;
}

int auth_require_role(struct req *r, unsigned roles_any)
{
	const struct person *p;

	if (auth_require_person(r) != 0)
		return -1;
	p = auth_person(r);
	if (!(p->roles & roles_any)) {
		resp_error(r, ERR_FORBIDDEN, NULL);
		return -1;
	}
	return 0;
}

/* ---- retention ---- */

int auth_purge(struct db *db, const struct config *cfg, long long now)
{
	int rc;

	rc = db_exec(db, "DELETE FROM login_session WHERE expires_at <= $1 OR seen_at <= $2",
		     DB_P(PINT(now), PINT(now - cfg->session_idle)), NULL);
	if (rc == DB_OK)
		rc = db_exec(db, "DELETE FROM auth_token WHERE expires_at <= $1", DB_P(PINT(now)), NULL);
	if (rc == DB_OK && cfg->audit_keep_days > 0)
		rc = db_exec(db, "DELETE FROM audit_log WHERE at < $1",
			     DB_P(PINT(now - (long long)cfg->audit_keep_days * 86400)), NULL);
	if (rc == DB_OK && cfg->account_keep_days > 0)
		rc = db_exec(db,
			     "DELETE FROM account WHERE kind = 'citizen' AND last_login_at < $1 AND created_at < $1 "
			     "AND id NOT IN (SELECT account_id FROM login_session)",
			     DB_P(PINT(now - (long long)cfg->account_keep_days * 86400)), NULL);
	return rc;
}
