/* newsletter.c — the newsletter's pages (see newsletter.h):
 *
 *   GET/POST /jaunumi/abonet          subscribe: e-mail and language; always
 *                      the same "check your mail" answer, whether the address
 *                      is new, pending or subscribed already (no oracle)
 *   GET  /jaunumi/abonet/apstiprinat/{token}   a button (mail scanners
 *                      fetch links; they do not press buttons)
 *   POST /jaunumi/abonet/apstiprinat/{token}   confirms (CSRF as any form)
 *   GET  /jaunumi/abonet/atteikties/{token}    a button
 *   POST /jaunumi/abonet/atteikties/{token}    unsubscribes at once, WITHOUT
 *                      a CSRF token: RFC 8058 one-click — the mail client
 *                      posts "List-Unsubscribe=One-Click" with no cookie.
 *                      Safe because the token in the path is the authority:
 *                      256 bits derived from a per-subscriber random salt
 *                      with the server secret, only ever written into that
 *                      subscriber's own mail; a forged cross-site POST would
 *                      need the token, and all it can do is unsubscribe.
 *   /birojs/vestkopa...               the back office (ROLE_CONTENT,
 *                      ROLE_ADMIN): compose, preview, test send, send.
 *                      Editors see counts, never the list of addresses.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/digest.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/url.h"
#include "mail/outbox.h"
#include "mail/worker.h"
#include "store/account.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "tmpl/markdown.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/form.h"
#include "web/newsletter.h"
#include "web/send.h"
#include "web/web.h"

static const char *const langs[] = {"lv", "en", NULL};

static const struct field subscribe_fields[] = {FIELD_EMAIL("email", REQUIRED, N_("E-mail address")),
						FIELD_CHOICE("lang", REQUIRED, langs, N_("Language of the newsletter")),
						FIELD_HONEYPOT("website"), FIELD_END};

enum { NS_EMAIL, NS_LANG };

static void show_subscribe(struct req *r, int status, const struct form *f, const char *state)
{
	json_t *ctx = page_ctx(r, N_("Newsletter"), "newsletter");
	struct form empty;

	if (!f) {
		memset(&empty, 0, sizeof(empty));
		empty.value[NS_LANG] = lang_code(r->lang);
		f = &empty;
	}
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	form_to_ctx(r, subscribe_fields, f, ctx);
	if (state)
		json_object_set_new(ctx, state, json_true());
	else
		json_object_set_new(ctx, "form", json_true());
	json_object_set_new(ctx, "hours", json_integer(r->site->cfg->newsletter_confirm_hours));
	render_flags(r, status, "newsletter", ctx, RESP_NO_STORE);
}

int page_newsletter(struct req *r)
{
	show_subscribe(r, 200, NULL, NULL);
	return 0;
}

static const char SQL_SUB_ACTIVE[] =
    "SELECT id, state FROM newsletter_subscriber WHERE email = $1 AND state <> 'unsubscribed'";
static const char SQL_SUB_ADD[] = "INSERT INTO newsletter_subscriber (email, lang, state, confirm_hash, "
				  "confirm_expires, unsub_salt, unsub_hash, created_at) "
				  "VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7)";
static const char SQL_SUB_RENEW[] =
    "UPDATE newsletter_subscriber SET confirm_hash = $2, confirm_expires = $3, lang = $4 WHERE id = $1";

struct subscribe {
	struct req *r;
	const char *email;
	enum lang lang;
	long long now;
	long long id;
	char state[16];
	int limited_net;
};

static int active_row(void *cls, const struct db_row *row)
{
	struct subscribe *s = cls;

	s->id = row_int(row, 0);
	snprintf(s->state, sizeof(s->state), "%s", row_text(row, 1) ? row_text(row, 1) : "");
	return 0;
}

static int random_hex(char out[NL_TOKEN_HEX + 1])
{
	unsigned char rnd[NL_TOKEN_HEX / 2];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	hex_encode(out, rnd, sizeof(rnd));
	return 0;
}

static int subscribe_body(struct db *db, void *cls)
{
	struct subscribe *s = cls;
	struct req *r = s->r;
	const struct config *cfg = r->site->cfg;
	const char *base = public_base(r), *link;
	char token[NL_TOKEN_HEX + 1], hash[DIGEST_HEX], salt[NL_TOKEN_HEX + 1], unsub[DIGEST_HEX], uhash[DIGEST_HEX];
	const char *to[] = {s->email};
	long long expires = s->now + (long long)cfg->newsletter_confirm_hours * 3600;
	struct mail m;
	int rc;

	s->limited_net = 0;
	rc = rate_take(db, send_private_key(r, "nl-net", req_client_net(r)), 3600, cfg->newsletter_limit_network, 1,
		       s->now);
	if (rc == RATE_LIMITED) {
		s->limited_net = 1;
		return DB_OK;
	}
	if (rc != DB_OK)
		return rc;
	/* The address's budget: a stranger cannot make the portal mail-bomb an
	 * address of their choosing. Over it, nothing is sent and the answer
	 * is the same as always. */
	rc = rate_take(db, send_private_key(r, "nl-addr", s->email), 86400, cfg->newsletter_limit_address, 1, s->now);
	if (rc == RATE_LIMITED)
		return DB_OK;
	if (rc != DB_OK)
		return rc;
	s->id = 0;
	s->state[0] = '\0';
	rc = db_query(db, SQL_SUB_ACTIVE, DB_P(PTEXT(s->email)), active_row, s);
	if (rc != DB_OK)
		return rc;
	if (!strcmp(s->state, "confirmed"))
		return DB_OK; /* subscribed already: nothing to send, the same answer */
	if (!base)
		return DB_OK; /* no public address: no link can be made */
	if (random_hex(token) != 0)
		return DB_ERROR;
	sha256_hex(token, strlen(token), hash);
	if (s->id) {
		rc = db_exec(db, SQL_SUB_RENEW,
			     DB_P(PINT(s->id), PTEXT(hash), PINT(expires), PTEXT(lang_code(s->lang))), NULL);
	} else {
		if (random_hex(salt) != 0)
			return DB_ERROR;
		newsletter_unsub_token(app_of(r)->secret, sizeof(app_of(r)->secret), salt, unsub);
		sha256_hex(unsub, strlen(unsub), uhash);
		rc = db_exec(db, SQL_SUB_ADD,
			     DB_P(PTEXT(s->email), PTEXT(lang_code(s->lang)), PTEXT(hash), PINT(expires), PTEXT(salt),
				  PTEXT(uhash), PINT(s->now)),
			     NULL);
	}
	if (rc != DB_OK)
		return rc;
	link =
	    arena_printf(r->arena, "%s%s/jaunumi/abonet/apstiprinat/%s", base, s->lang == LANG_EN ? "/en" : "", token);
	memset(&m, 0, sizeof(m));
	m.to = to;
	m.nto = 1;
	m.subject = i18n_tr(s->lang, N_("Confirm your newsletter subscription"));
	m.text = arena_printf(r->arena,
			      i18n_tr(s->lang, N_("Hello!\n\nSomeone asked to send the newsletter of the portal \"The "
						  "State is on the Internet\" to this e-mail address.\n\nIf it was "
						  "you, open this link within %d hours and press the button:\n\n%s\n\n"
						  "If it was not you, do nothing: no newsletter will be sent and the "
						  "address will be deleted.\n")),
			      cfg->newsletter_confirm_hours, link);
	m.kind = "newsletter-confirm";
	m.personal = 1;
	return outbox_enqueue_with(db, app_of(r)->mail, &m, NULL);
}

int form_newsletter(struct req *r)
{
	struct form f;
	struct subscribe s;
	struct db *db;
	char *email;
	size_t i;
	int rc;

	if (form_validate(r, subscribe_fields, &f) != 0) {
		if (f.spam) {
			show_subscribe(r, 200, NULL, "check");
			return 0;
		}
		show_subscribe(r, 422, &f, NULL);
		return 0;
	}
	db = app_db(r);
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	email = arena_strdup(r->arena, f.value[NS_EMAIL]);
	for (i = 0; email && email[i]; i++)
		email[i] = (char)tolower((unsigned char)email[i]);
	memset(&s, 0, sizeof(s));
	s.r = r;
	s.email = email;
	s.lang = !strcmp(f.value[NS_LANG], "en") ? LANG_EN : LANG_LV;
	s.now = (long long)time(NULL);
	rc = db_tx(db, subscribe_body, &s);
	if (rc == OUTBOX_EBUDGET) {
		show_subscribe(r, 429, &f, "busy");
		return 0;
	}
	if (rc != DB_OK) {
		log_error("newsletter subscription not stored: %s", db_errmsg(db));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (s.limited_net) {
		show_subscribe(r, 429, &f, "limited");
		return 0;
	}
	mail_worker_kick();
	show_subscribe(r, 200, NULL, "check");
	return 0;
}

/* ---- the links in mails ---- */

static int token_ok(const char *t)
{
	size_t i;

	if (!t || strlen(t) != NL_TOKEN_HEX)
		return 0;
	for (i = 0; t[i]; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return 1;
}

static void show_link(struct req *r, int status, const char *what, const char *action, const char *token)
{
	json_t *ctx = page_ctx(r, N_("Newsletter"), "newsletter");

	json_object_set_new(ctx, what, json_true());
	if (token) {
		json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
		json_object_set_new(ctx, "token", json_string(token));
		json_object_set_new(ctx, "action", json_string(action));
	}
	render_flags(r, status, "newsletter-link", ctx, RESP_NO_STORE);
}

static const char SQL_CONFIRM_GET[] =
    "SELECT id, state, confirm_expires FROM newsletter_subscriber WHERE confirm_hash = $1";
static const char SQL_CONFIRM_SET[] = "UPDATE newsletter_subscriber SET state = 'confirmed', confirmed_at = $2 "
				      "WHERE id = $1 AND state = 'pending'";

enum { LINK_OK, LINK_UNKNOWN, LINK_USED, LINK_EXPIRED, LINK_DONE };

struct link {
	int (*look)(struct db *db, struct link *l); /* sets result */
	const char *set_sql;                        /* the change: $1 the row, $2 now */
	const char *hash;
	long long now, id, expires;
	char state[16];
	int result;
};

static int link_row(void *cls, const struct db_row *row)
{
	struct link *l = cls;

	l->id = row_int(row, 0);
	snprintf(l->state, sizeof(l->state), "%s", row_text(row, 1) ? row_text(row, 1) : "");
	l->expires = row_int(row, 2);
	return 0;
}

static int confirm_check(struct db *db, struct link *l)
{
	int rc;

	l->id = 0;
	rc = db_query(db, SQL_CONFIRM_GET, DB_P(PTEXT(l->hash)), link_row, l);
	if (rc != DB_OK)
		return rc;
	if (!l->id)
		l->result = LINK_UNKNOWN;
	else if (strcmp(l->state, "pending") != 0)
		l->result = LINK_USED;
	else if (l->expires < l->now)
		l->result = LINK_EXPIRED;
	else
		l->result = LINK_OK;
	return DB_OK;
}

/* The POST of a link: look again inside the transaction, then change. */
static int link_change(struct db *db, void *cls)
{
	struct link *l = cls;
	int rc = l->look(db, l);

	if (rc != DB_OK || l->result != LINK_OK)
		return rc;
	l->result = LINK_DONE;
	return db_exec(db, l->set_sql, DB_P(PINT(l->id), PINT(l->now)), NULL);
}

static void answer_confirm(struct req *r, const struct link *l, const char *token)
{
	switch (l->result) {
	case LINK_UNKNOWN: show_link(r, 404, "unknown", NULL, NULL); break;
	case LINK_USED: show_link(r, 410, "used", NULL, NULL); break;
	case LINK_EXPIRED: show_link(r, 410, "expired", NULL, NULL); break;
	case LINK_DONE: show_link(r, 200, "confirmed", NULL, NULL); break;
	default: show_link(r, 200, "ask_confirm", "apstiprinat", token); break;
	}
}

static int link_start(struct req *r, struct link *l, char hash[DIGEST_HEX], struct db **db)
{
	const char *token = req_param(r, 0);

	memset(l, 0, sizeof(*l));
	if (!token_ok(token)) {
		show_link(r, 404, "unknown", NULL, NULL);
		return -1;
	}
	*db = app_db(r);
	if (!*db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	sha256_hex(token, strlen(token), hash);
	l->hash = hash;
	l->now = (long long)time(NULL);
	return 0;
}

/* What each link route does: the token's hash, then a look (GET) or the
 * change (POST, one transaction), then the page for the result. */
static int link_route(struct req *r, int (*look)(struct db *, struct link *), const char *set_sql,
		      void (*answer)(struct req *, const struct link *, const char *))
{
	struct link l;
	struct db *db;
	char hash[DIGEST_HEX];
	int rc;

	if (link_start(r, &l, hash, &db) != 0)
		return 0;
	l.look = look;
	l.set_sql = set_sql;
	rc = set_sql ? db_tx(db, link_change, &l) : look(db, &l);
	if (rc != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	answer(r, &l, req_param(r, 0));
	return 0;
}

int page_newsletter_confirm(struct req *r)
{
	return link_route(r, confirm_check, NULL, answer_confirm);
}

int form_newsletter_confirm(struct req *r)
{
	return link_route(r, confirm_check, SQL_CONFIRM_SET, answer_confirm);
}

static const char SQL_UNSUB_GET[] = "SELECT id, state, 0 FROM newsletter_subscriber WHERE unsub_hash = $1";
static const char SQL_UNSUB_SET[] =
    "UPDATE newsletter_subscriber SET state = 'unsubscribed', unsubscribed_at = $2, confirm_hash = NULL "
    "WHERE id = $1 AND state <> 'unsubscribed'";

static int unsub_check(struct db *db, struct link *l)
{
	int rc;

	l->id = 0;
	rc = db_query(db, SQL_UNSUB_GET, DB_P(PTEXT(l->hash)), link_row, l);
	if (rc != DB_OK)
		return rc;
	l->result = !l->id ? LINK_UNKNOWN : !strcmp(l->state, "unsubscribed") ? LINK_USED : LINK_OK;
	return DB_OK;
}

static void answer_unsub(struct req *r, const struct link *l, const char *token)
{
	switch (l->result) {
	case LINK_UNKNOWN: show_link(r, 404, "unknown_unsub", NULL, NULL); break;
	case LINK_USED:
	case LINK_DONE: show_link(r, 200, "unsubscribed", NULL, NULL); break;
	default: show_link(r, 200, "ask_unsub", "atteikties", token); break;
	}
}

int page_newsletter_unsubscribe(struct req *r)
{
	return link_route(r, unsub_check, NULL, answer_unsub);
}

/* RFC 8058: no CSRF token, no cookie; the token is the authority. */
int form_newsletter_unsubscribe(struct req *r)
{
	return link_route(r, unsub_check, SQL_UNSUB_SET, answer_unsub);
}

/* ---- the back office ---- */

#define OFFICE "/birojs/vestkopa"
#define EDITORS (ROLE_CONTENT | ROLE_ADMIN)

/* A text's cap is in characters and stays under the HTTP layer's 64 KiB a
 * form field (http/parse.c), so a too-long text is refused beside the field
 * with the editor's text kept, not by a bare 413. */
static const struct field issue_fields[] = {FIELD_TEXT("subject_lv", REQUIRED, 1, 200, N_("Subject in Latvian")),
					    FIELD_TEXTAREA("body_lv", REQUIRED, 1, 20000, N_("Text in Latvian")),
					    FIELD_TEXT("subject_en", OPTIONAL, 0, 200, N_("Subject in English")),
					    FIELD_TEXTAREA("body_en", OPTIONAL, 0, 20000, N_("Text in English")),
					    FIELD_END};

enum { IF_SUBJECT_LV, IF_BODY_LV, IF_SUBJECT_EN, IF_BODY_EN };

static const struct field test_fields[] = {FIELD_EMAIL("email", REQUIRED, N_("Your e-mail address")),
					   FIELD_CHOICE("lang", REQUIRED, langs, N_("Language")), FIELD_END};

static const char SQL_COUNTS[] =
    "SELECT COALESCE(SUM(CASE WHEN state = 'confirmed' THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0) FROM newsletter_subscriber";
static const char SQL_ISSUES[] = "SELECT id, subject_lv, state, total, queued, updated_at, sent_at "
				 "FROM newsletter_issue ORDER BY id DESC LIMIT 50";
static const char SQL_ISSUE[] = "SELECT id, subject_lv, subject_en, body_lv, body_en, state, total, queued, "
				"updated_at, send_started_at, sent_at FROM newsletter_issue WHERE id = $1";
static const char SQL_DELIVERED[] = "SELECT COUNT(*) FROM newsletter_delivery d JOIN mail_outbox o ON o.id = d.mail_id "
				    "WHERE d.issue_id = $1 AND o.status = 'sent'";
static const char SQL_ISSUE_ADD[] =
    "INSERT INTO newsletter_issue (subject_lv, subject_en, body_lv, body_en, created_by, created_at, updated_by, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id";
static const char SQL_ISSUE_SAVE[] = "UPDATE newsletter_issue SET subject_lv = $2, subject_en = $3, body_lv = $4, "
				     "body_en = $5, updated_by = $6, updated_at = $7 WHERE id = $1 AND state = 'draft'";
static const char SQL_ISSUE_SEND[] =
    "UPDATE newsletter_issue SET state = 'sending', send_started_at = $2, updated_by = $3, updated_at = $2, "
    "total = (SELECT COUNT(*) FROM newsletter_subscriber WHERE state = 'confirmed') WHERE id = $1 AND state = "
    "'draft'";

struct counts {
	long long confirmed, pending;
};

static int counts_row(void *cls, const struct db_row *row)
{
	struct counts *c = cls;

	c->confirmed = row_int(row, 0);
	c->pending = row_int(row, 1);
	return 0;
}

static const char *state_label(struct req *r, const char *state)
{
	if (!strcmp(state, "sending"))
		return i18n_tr(r->lang, N_("being sent"));
	if (!strcmp(state, "sent"))
		return i18n_tr(r->lang, N_("sent"));
	return i18n_tr(r->lang, N_("draft"));
}

struct list {
	struct req *r;
	json_t *arr;
};

static int issue_list_row(void *cls, const struct db_row *row)
{
	struct list *l = cls;
	const char *state = row_text(row, 2) ? row_text(row, 2) : "draft";

	json_array_append_new(l->arr,
			      json_pack("{s:I, s:s, s:s, s:I, s:I, s:s}", "id", (json_int_t)row_int(row, 0), "subject",
					row_text(row, 1) ? row_text(row, 1) : "", "state", state_label(l->r, state),
					"total", (json_int_t)row_int(row, 3), "queued", (json_int_t)row_int(row, 4),
					"when", page_when(l->r, row_int(row, 6) ? row_int(row, 6) : row_int(row, 5))));
	return 0;
}

static int office_counts(struct req *r, struct db *db, json_t *ctx)
{
	struct counts c = {0, 0};

	if (db_query(db, SQL_COUNTS, NULL, 0, counts_row, &c) != DB_OK)
		return -1;
	/* Counts only: least privilege, editors never see the addresses. */
	json_object_set_new(ctx, "confirmed", json_integer(c.confirmed));
	json_object_set_new(ctx, "pending", json_integer(c.pending));
	return 0;
}

static void show_office(struct req *r, int status, const struct form *f)
{
	json_t *ctx = page_ctx(r, N_("Newsletter"), "office");
	struct db *db = app_db(r);
	struct list l = {r, json_array()};
	struct form empty;

	if (!db || office_counts(r, db, ctx) != 0 || db_query(db, SQL_ISSUES, NULL, 0, issue_list_row, &l) != DB_OK) {
		json_decref(ctx);
		json_decref(l.arr);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	json_object_set_new(ctx, "issues", l.arr);
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	if (!f) {
		memset(&empty, 0, sizeof(empty));
		f = &empty;
	}
	form_to_ctx(r, issue_fields, f, ctx);
	render_flags(r, status, "office-newsletter", ctx, RESP_NO_STORE);
}

int page_office_newsletter(struct req *r)
{
	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	show_office(r, 200, NULL);
	return 0;
}

static int id_row(void *cls, const struct db_row *row)
{
	*(long long *)cls = row_int(row, 0);
	return 0;
}

int form_office_newsletter(struct req *r)
{
	const struct person *who;
	struct form f;
	struct db *db;
	long long id = 0;

	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	who = auth_person(r);
	if (form_validate(r, issue_fields, &f) != 0) {
		show_office(r, 422, &f);
		return 0;
	}
	db = app_db(r);
	if (!db ||
	    db_query(db, SQL_ISSUE_ADD,
		     DB_P(PTEXT(f.value[IF_SUBJECT_LV]), PTEXT(f.value[IF_SUBJECT_EN]), PTEXT(f.value[IF_BODY_LV]),
			  PTEXT(f.value[IF_BODY_EN]), PINT(who->account), PINT((long long)time(NULL))),
		     id_row, &id) != DB_OK ||
	    !id) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	auth_audit(r, 0, "newsletter-issue-created", "", 1, arena_printf(r->arena, "issue %lld", id));
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, OFFICE "/%lld", id)));
	return 0;
}

struct issue {
	struct req *r;
	long long id, total, queued, updated_at, started_at, sent_at;
	const char *subject_lv, *subject_en, *body_lv, *body_en, *state;
};

static int issue_row(void *cls, const struct db_row *row)
{
	struct issue *i = cls;
	struct req *r = i->r;

	i->id = row_int(row, 0);
	i->subject_lv = arena_strdup(r->arena, row_text(row, 1) ? row_text(row, 1) : "");
	i->subject_en = arena_strdup(r->arena, row_text(row, 2) ? row_text(row, 2) : "");
	i->body_lv = arena_strdup(r->arena, row_text(row, 3) ? row_text(row, 3) : "");
	i->body_en = arena_strdup(r->arena, row_text(row, 4) ? row_text(row, 4) : "");
	i->state = arena_strdup(r->arena, row_text(row, 5) ? row_text(row, 5) : "draft");
	i->total = row_int(row, 6);
	i->queued = row_int(row, 7);
	i->updated_at = row_int(row, 8);
	i->started_at = row_int(row, 9);
	i->sent_at = row_int(row, 10);
	return 0;
}

/* The issue of the path, or NULL when the answer was sent (404, 503). */
static struct issue *load_issue(struct req *r, struct db **dbp)
{
	struct issue *i = arena_alloc(r->arena, sizeof(*i));
	unsigned long id;
	struct db *db = app_db(r);

	if (!i || !db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return NULL;
	}
	memset(i, 0, sizeof(*i));
	i->r = r;
	if (url_uint(req_param(r, 0), &id) != 0 || id == 0 || id > (1UL << 53)) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return NULL;
	}
	if (db_query(db, SQL_ISSUE, DB_P(PINT((long long)id)), issue_row, i) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return NULL;
	}
	if (!i->id) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return NULL;
	}
	*dbp = db;
	return i;
}

static json_t *preview(struct req *r, const char *subject, const char *body)
{
	struct buf b = BUF_INIT;
	json_t *p;

	buf_init(&b, 1 << 20);
	if (md_to_html(&b, body, strlen(body), 3) != 0 || !buf_ok(&b))
		buf_reset(&b);
	p = json_pack("{s:s, s:s}", "subject", subject, "html", b.data ? b.data : "");
	buf_free(&b);
	return p;
}

/* test: the refused test form's context (form_to_ctx), consumed; or NULL */
static void show_issue(struct req *r, int status, struct db *db, const struct issue *i, const struct form *f,
		       const char *note, json_t *test)
{
	json_t *ctx = page_ctx(r, N_("Newsletter issue"), "office");
	struct form cur;
	long long delivered = 0;

	if (office_counts(r, db, ctx) != 0 || db_query_int(db, SQL_DELIVERED, DB_P(PINT(i->id)), &delivered) != DB_OK) {
		json_decref(ctx);
		json_decref(test);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	json_object_set_new(ctx, "id", json_integer(i->id));
	json_object_set_new(ctx, "state", json_string(state_label(r, i->state)));
	json_object_set_new(ctx, "draft", json_boolean(!strcmp(i->state, "draft")));
	json_object_set_new(ctx, "sending", json_boolean(!strcmp(i->state, "sending")));
	json_object_set_new(ctx, "total", json_integer(i->total));
	json_object_set_new(ctx, "queued", json_integer(i->queued));
	json_object_set_new(ctx, "delivered", json_integer(delivered));
	json_object_set_new(ctx, "started", json_string(page_when(r, i->started_at)));
	json_object_set_new(ctx, "sent_at", json_string(page_when(r, i->sent_at)));
	json_object_set_new(ctx, "preview_lv", preview(r, i->subject_lv, i->body_lv));
	if (*i->subject_en && *i->body_en)
		json_object_set_new(ctx, "preview_en", preview(r, i->subject_en, i->body_en));
	if (note)
		json_object_set_new(ctx, note, json_true());
	if (test)
		json_object_set_new(ctx, "test", test);
	if (!f) {
		memset(&cur, 0, sizeof(cur));
		cur.value[IF_SUBJECT_LV] = i->subject_lv;
		cur.value[IF_BODY_LV] = i->body_lv;
		cur.value[IF_SUBJECT_EN] = i->subject_en;
		cur.value[IF_BODY_EN] = i->body_en;
		f = &cur;
	}
	form_to_ctx(r, issue_fields, f, ctx);
	render_flags(r, status, "office-newsletter-issue", ctx, RESP_NO_STORE);
}

/* The issue page again with the refused test form, its messages beside
 * its fields (under "test", apart from the issue form's). */
static void show_issue_test(struct req *r, struct db *db, const struct issue *i, const struct form *tf)
{
	json_t *t = json_object();

	form_to_ctx(r, test_fields, tf, t);
	show_issue(r, 422, db, i, NULL, "test_invalid", t);
}

int page_office_newsletter_issue(struct req *r)
{
	struct issue *i;
	struct db *db;

	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	i = load_issue(r, &db);
	if (i)
		show_issue(r, 200, db, i, NULL, NULL, NULL);
	return 0;
}

int form_office_newsletter_issue(struct req *r)
{
	const struct person *who;
	struct issue *i;
	struct form f;
	struct db *db;
	long long changed = 0;

	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	who = auth_person(r);
	i = load_issue(r, &db);
	if (!i)
		return 0;
	if (form_validate(r, issue_fields, &f) != 0) {
		show_issue(r, 422, db, i, &f, NULL, NULL);
		return 0;
	}
	if (db_exec(db, SQL_ISSUE_SAVE,
		    DB_P(PINT(i->id), PTEXT(f.value[IF_SUBJECT_LV]), PTEXT(f.value[IF_SUBJECT_EN]),
			 PTEXT(f.value[IF_BODY_LV]), PTEXT(f.value[IF_BODY_EN]), PINT(who->account),
			 PINT((long long)time(NULL))),
		    &changed) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (changed != 1) {
		show_issue(r, 409, db, i, NULL, "not_draft", NULL);
		return 0;
	}
	auth_audit(r, 0, "newsletter-issue-saved", "", 1, arena_printf(r->arena, "issue %lld", i->id));
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, OFFICE "/%lld", i->id)));
	return 0;
}

struct test_send {
	const struct issue *i;
	struct req *r;
	const char *email;
	enum lang lang;
};

static int test_body(struct db *db, void *cls)
{
	struct test_send *t = cls;
	struct req *r = t->r;
	const char *base = public_base(r);
	const char *subject = t->lang == LANG_EN && *t->i->subject_en ? t->i->subject_en : t->i->subject_lv;
	const char *body = t->lang == LANG_EN && *t->i->body_en ? t->i->body_en : t->i->body_lv;
	char zeros[NL_TOKEN_HEX + 1];

	/* A test mail carries a link that unsubscribes nobody. */
	memset(zeros, '0', NL_TOKEN_HEX);
	zeros[NL_TOKEN_HEX] = '\0';
	return newsletter_enqueue(db, app_of(r)->mail, t->lang, base ? base : "https://invalid",
				  arena_printf(r->arena, "[TEST] %s", subject), body, t->email, zeros,
				  "newsletter-test", NULL);
}

int form_office_newsletter_test(struct req *r)
{
	const struct person *who;
	struct test_send t;
	struct issue *i;
	struct form f;
	struct db *db;
	int rc;

	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	who = auth_person(r);
	i = load_issue(r, &db);
	if (!i)
		return 0;
	if (form_validate(r, test_fields, &f) != 0) {
		show_issue_test(r, db, i, &f);
		return 0;
	}
	rc = auth_take(r, "nl-test", arena_printf(r->arena, "%lld", who->account), 3600,
		       r->site->cfg->newsletter_test_limit);
	if (rc == RATE_LIMITED) {
		show_issue(r, 429, db, i, NULL, "test_limited", NULL);
		return 0;
	}
	t.i = i;
	t.r = r;
	t.email = f.value[0];
	t.lang = !strcmp(f.value[1], "en") ? LANG_EN : LANG_LV;
	rc = rc == DB_OK ? db_tx(db, test_body, &t) : rc;
	if (rc == OUTBOX_EBUDGET) {
		show_issue(r, 429, db, i, NULL, "test_limited", NULL);
		return 0;
	}
	if (rc != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	mail_worker_kick();
	auth_audit(r, 0, "newsletter-test-sent", "", 1, arena_printf(r->arena, "issue %lld", i->id));
	show_issue(r, 200, db, i, NULL, "test_sent", NULL);
	return 0;
}

int form_office_newsletter_send(struct req *r)
{
	const struct person *who;
	struct issue *i;
	struct db *db;
	long long changed = 0;

	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	who = auth_person(r);
	i = load_issue(r, &db);
	if (!i)
		return 0;
	if (db_exec(db, SQL_ISSUE_SEND, DB_P(PINT(i->id), PINT((long long)time(NULL)), PINT(who->account)), &changed) !=
	    DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (changed != 1) {
		show_issue(r, 409, db, i, NULL, "not_draft", NULL);
		return 0;
	}
	auth_audit(r, 0, "newsletter-issue-sent", "", 1, arena_printf(r->arena, "issue %lld", i->id));
	newsletter_sender_kick();
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, OFFICE "/%lld", i->id)));
	return 0;
}
