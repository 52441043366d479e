/* receipt_mail.c — rate limits of sending, and the receipt by e-mail with a
 * real double opt-in (see send.h).
 *
 *   POST /nosutit, /parakstit/nosutit   (page_send.c) with an address: one
 *                      fixed-text message with a link goes to it, nothing
 *                      else; the receipt page says so
 *   GET  /nosutit/apstiprinat/{token}  a button (mail scanners that open
 *                      links do not press buttons)
 *   POST /nosutit/apstiprinat/{token}  the link is used up, the receipt is
 *                      mailed: receipt number, institution (from the
 *                      catalog), time, size and SHA-256 of the document —
 *                      never its name or the sender's message
 *
 * The address lives in receipt_confirm until the button is pressed or the
 * link expires (the mail worker deletes expired rows), and in the outbox row
 * of each mail until it is delivered or fails (personal = 1: then blanked). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "catalog/model.h"
#include "core/digest.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/when.h"
#include "mail/outbox.h"
#include "mail/worker.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "web/app.h"
#include "web/catalog_ctx.h"
#include "web/form.h"
#include "web/send.h"
#include "web/snapshot.h"
#include "web/web.h"

#define TOKEN_BYTES 32 /* 64 hex digits in the link */

const char *send_private_key(struct req *r, const char *kind, const char *value)
{
	char hex[DIGEST_HEX];

	hmac_hex(app_of(r)->secret, sizeof(app_of(r)->secret), value, strlen(value), hex);
	hex[32] = '\0'; /* 128 bits tell keys apart well enough */
	return arena_printf(r->arena, "%s:%s", kind, hex);
}

int send_take_limits(struct db *db, struct req *r, const char *org_slug, long long now)
{
	const struct config *cfg = r->site->cfg;
	int rc;

	rc = rate_take(db, send_private_key(r, "send-net", req_client_net(r)), 3600, cfg->limit_send_network, 1, now);
	if (rc != DB_OK)
		return rc;
	return rate_take(db, arena_printf(r->arena, "send-org:%s", org_slug), 3600, cfg->limit_send_institution, 1,
			 now);
}

static const char SQL_CONFIRM_ADD[] = "INSERT INTO receipt_confirm (id, receipt, email, lang, created_at, expires_at) "
				      "VALUES ($1, $2, $3, $4, $5, $6)";
static const char SQL_RECEIPT_MAIL_STATE[] = "UPDATE submission SET receipt_mail = $2 WHERE receipt = $1";

const char *public_base(struct req *r)
{
	const char *u = r->site->cfg->public_url;
	size_t n = u ? strlen(u) : 0;

	while (n && u[n - 1] == '/')
		n--;
	return n ? arena_strndup(r->arena, u, n) : NULL;
}

/* The three limits of a confirmation: per address (a day), per network and
 * per browser (an hour). DB_OK, RATE_LIMITED or an error. */
static int confirm_limits(struct db *db, struct req *r, const char *email, long long now)
{
	const struct config *cfg = r->site->cfg;
	const char *browser = r->csrf_cookie ? r->csrf_cookie : "";
	char *lower = arena_strdup(r->arena, email);
	int rc;
	size_t i;

	if (!lower)
		return DB_ERROR;
	for (i = 0; lower[i]; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	rc = rate_take(db, send_private_key(r, "confirm-addr", lower), 86400, cfg->limit_confirm_address, 1, now);
	if (rc == DB_OK)
		rc = rate_take(db, send_private_key(r, "confirm-net", req_client_net(r)), 3600,
			       cfg->limit_confirm_network, 1, now);
	if (rc == DB_OK)
		rc = rate_take(db, send_private_key(r, "confirm-browser", browser), 3600, cfg->limit_confirm_browser, 1,
			       now);
	return rc;
}

int receipt_confirm_start(struct db *db, struct req *r, const char *receipt, const char *email, long long now,
			  int with_document)
{
	const struct config *cfg = r->site->cfg;
	const char *base = public_base(r), *state = with_document ? "pending" : "asked", *link;
	const char *to[] = {email};
	unsigned char rnd[TOKEN_BYTES];
	char token[2 * TOKEN_BYTES + 1], id[DIGEST_HEX];
	struct mail m;
	int rc;

	if (!base) {
		/* No public address: no link can be made (the Host header is the
		 * client's to choose, so it is never used for one). */
		state = "unavailable";
		goto record;
	}
	rc = confirm_limits(db, r, email, now);
	if (rc == RATE_LIMITED) {
		state = "limited";
		goto record;
	}
	if (rc != DB_OK)
		return rc;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return DB_ERROR;
	hex_encode(token, rnd, sizeof(rnd));
	sha256_hex(token, strlen(token), id);
	rc = db_exec(db, SQL_CONFIRM_ADD,
		     DB_P(PTEXT(id), PTEXT(receipt), PTEXT(email), PTEXT(lang_code(r->lang)), PINT(now),
			  PINT(now + (long long)cfg->confirm_minutes * 60)),
		     NULL);
	if (rc != DB_OK)
		return rc;
	link =
	    arena_printf(r->arena, "%s%s", base, prefixed(r, arena_printf(r->arena, "/nosutit/apstiprinat/%s", token)));
	/* Fixed text: nothing in it comes from the sender, not even the file
	 * name or the receipt number. */
	memset(&m, 0, sizeof(m));
	m.to = to;
	m.nto = 1;
	m.subject = i18n_tr(r->lang, N_("Confirm your e-mail address for a receipt"));
	m.text =
	    arena_printf(r->arena,
			 i18n_tr(r->lang, N_("Hello!\n\nSomeone asked the portal \"The State is on the Internet\" to "
					     "send a receipt for a sent document to this e-mail address.\n\nIf it "
					     "was you, open this link within %d minutes and press the button:\n\n"
					     "%s\n\nIf it was not you, do nothing: this address will not be used "
					     "and will be deleted.\n")),
			 cfg->confirm_minutes, link);
	m.kind = "receipt-confirm";
	m.personal = 1;
	rc = outbox_enqueue_with(db, app_of(r)->mail, &m, NULL);
	if (rc != DB_OK)
		return rc;
record:
	return db_exec(db, SQL_RECEIPT_MAIL_STATE, DB_P(PTEXT(receipt), PTEXT(state)), NULL);
}

/* ---- the link ---- */

static int token_ok(const char *t)
{
	size_t i;

	if (!t || strlen(t) != 2 * TOKEN_BYTES)
		return 0;
	for (i = 0; t[i]; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return 1;
}

static const char SQL_CONFIRM_GET[] = "SELECT receipt, email FROM receipt_confirm WHERE id = $1 AND expires_at >= $2";
static const char SQL_CONFIRM_USE[] = "DELETE FROM receipt_confirm WHERE id = $1";
static const char SQL_SUBMISSION_GET[] =
    "SELECT created_at, org_slug, file_size, file_sha256, org_email, receipt_mail FROM submission WHERE receipt = $1";
/* 'confirmed': the receipt went and the institution was given the address;
 * 'mailed': the receipt only (an address added on the receipt page). */
static const char SQL_SUBMISSION_CONFIRMED[] = "UPDATE submission SET receipt_mail = $2 WHERE receipt = $1";

struct confirm {
	struct req *r;
	const char *id;
	const char *receipt, *email;
	long long created_at, file_size;
	const char *org_slug, *sha256, *org_email;
	int with_document; /* the address was given with the document ("pending") */
};

#define CONFIRM_GONE 101 /* no such link, used or expired */

static int confirm_row(void *cls, const struct db_row *row)
{
	struct confirm *c = cls;

	c->receipt = arena_strdup(c->r->arena, row_text(row, 0));
	c->email = arena_strdup(c->r->arena, row_text(row, 1));
	return 0;
}

static int submission_row(void *cls, const struct db_row *row)
{
	struct confirm *c = cls;

	c->created_at = row_int(row, 0);
	c->org_slug = arena_strdup(c->r->arena, row_text(row, 1) ? row_text(row, 1) : "");
	c->file_size = row_int(row, 2);
	c->sha256 = arena_strdup(c->r->arena, row_text(row, 3) ? row_text(row, 3) : "");
	c->org_email = row_text(row, 4) ? arena_strdup(c->r->arena, row_text(row, 4)) : NULL;
	c->with_document = row_text(row, 5) && !strcmp(row_text(row, 5), "pending");
	return 0;
}

static int confirm_lookup(struct db *db, struct confirm *c)
{
	int rc;

	c->receipt = c->email = NULL;
	rc = db_query(db, SQL_CONFIRM_GET, DB_P(PTEXT(c->id), PINT((long long)time(NULL))), confirm_row, c);
	if (rc != DB_OK)
		return rc;
	return c->receipt && c->email ? DB_OK : CONFIRM_GONE;
}

/* The confirmed address goes to the institution, for its answer: in a
 * mail of its own (Reply-To: the address), only now that whoever typed it
 * has shown it is theirs. It is personal mail: blanked once delivered.
 * Only an address given with the document itself (receipt_mail "pending",
 * not "asked"): the receipt page lets
 * anyone who knows the receipt number add one, and that number is a
 * reference people read out and the institution's mail carries — it must
 * not let its holder steer the institution's answer. *sent says whether
 * the mail was queued. */
static int answer_address_mail(struct db *db, struct confirm *c, int *sent)
{
	struct req *r = c->r;
	const char *to[1];
	char when[WHEN_LEN];
	struct mail m;

	*sent = 0;
	if (!c->org_email || !*c->org_email || !c->with_document)
		return DB_OK;
	*sent = 1;
	when_riga((time_t)c->created_at, LANG_LV, when);
	to[0] = c->org_email;
	memset(&m, 0, sizeof(m));
	m.to = to;
	m.nto = 1;
	m.reply_to = c->email;
	/* Institutions read Latvian, as in the cover letter (page_send.c). */
	m.subject = arena_printf(r->arena, "Atbildes adrese iesniegumam %s", c->receipt);
	m.text = arena_printf(r->arena,
			      "Labdien!\n\nIesniegumam ar kvīts numuru %s (nosūtīts %s portālā \"Valsts ir "
			      "internetā\") sūtītājs ir norādījis un apstiprinājis e-pasta adresi atbildei:\n\n%s\n\n"
			      "Apstiprināšana nozīmē tikai to, ka adrese pieder sūtītājam (uz to nosūtītā saite ir "
			      "atvērta un apstiprināta); tas nenozīmē, ka adrese pieder parakstītājam. Parakstītāju "
			      "apliecina drošais elektroniskais paraksts dokumentā: pirms sūtāt atbildi ar personas "
			      "datiem, salīdziniet adresi ar dokumentā norādīto vai izmantojiet parakstītāja oficiālo "
			      "elektronisko adresi.\n",
			      c->receipt, when, c->email);
	m.kind = "answer-address";
	m.personal = 1;
	return outbox_enqueue_with(db, app_of(r)->mail, &m, NULL);
}

static int confirm_body(struct db *db, void *cls)
{
	struct confirm *c = cls;
	struct req *r = c->r;
	const struct snapshot *sn = web_snapshot(r);
	const struct organisation *org;
	const char *to[1], *org_name, *base = public_base(r);
	char when[WHEN_LEN];
	struct mail m;
	int rc, answered = 0;

	rc = confirm_lookup(db, c);
	if (rc != DB_OK)
		return rc;
	rc = db_exec(db, SQL_CONFIRM_USE, DB_P(PTEXT(c->id)), NULL);
	if (rc != DB_OK)
		return rc;
	c->org_slug = NULL;
	rc = db_query(db, SQL_SUBMISSION_GET, DB_P(PTEXT(c->receipt)), submission_row, c);
	if (rc != DB_OK)
		return rc;
	if (!c->org_slug)
		return CONFIRM_GONE; /* the submission was purged meanwhile */
	org = catalog_org(sn->cat, c->org_slug);
	org_name = org && ml(r, &org->name) ? ml(r, &org->name) : c->org_slug;
	when_riga((time_t)c->created_at, r->lang, when); /* Riga time, in the mail's language */
	to[0] = c->email;
	memset(&m, 0, sizeof(m));
	m.to = to;
	m.nto = 1;
	m.subject = arena_printf(r->arena, "%s %s", i18n_tr(r->lang, N_("Receipt for a sent document")), c->receipt);
	/* Only what the portal itself knows: no file name, no message. */
	m.text = arena_printf(r->arena,
			      i18n_tr(r->lang, N_("Hello!\n\nThis is the receipt for a document signed with a secure "
						  "e-signature and sent through the portal \"The State is on the "
						  "Internet\".\n\nReceipt number: %s\nInstitution: %s\nSent: %s\nSize "
						  "of the signed document: %lld bytes\nSHA-256 of the signed document: "
						  "%s\n\nThe receipt on the portal: %s\n")),
			      c->receipt, org_name, when, c->file_size, *c->sha256 ? c->sha256 : "-",
			      arena_printf(r->arena, "%s%s", base ? base : "",
					   prefixed(r, arena_printf(r->arena, "/nosutit/kvits/%s", c->receipt))));
	m.kind = "receipt";
	m.personal = 1;
	rc = outbox_enqueue_with(db, app_of(r)->mail, &m, NULL);
	if (rc == DB_OK)
		rc = answer_address_mail(db, c, &answered);
	if (rc != DB_OK)
		return rc;
	return db_exec(db, SQL_SUBMISSION_CONFIRMED, DB_P(PTEXT(c->receipt), PTEXT(answered ? "confirmed" : "mailed")),
		       NULL);
}

static void show(struct req *r, int status, const char *token, const char *what)
{
	json_t *ctx = page_ctx(r, N_("Receipt by e-mail"), "send");

	json_object_set_new(ctx, what, json_true());
	if (token) {
		json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
		json_object_set_new(ctx, "token", json_string(token));
	}
	render_flags(r, status, "receipt-confirm", ctx, RESP_NO_STORE);
}

/* What both confirmation routes do first: a well-formed token, the
 * database, and the token's id (its hash: the token itself is never
 * stored). NULL when the answer was already sent. */
static struct db *confirm_start(struct req *r, const char *token, char id[DIGEST_HEX], struct confirm *c)
{
	struct db *db;

	if (!token_ok(token)) {
		show(r, 404, NULL, "gone");
		return NULL;
	}
	db = app_db(r);
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return NULL;
	}
	sha256_hex(token, strlen(token), id);
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->id = id;
	return db;
}

int page_receipt_confirm(struct req *r)
{
	const char *token = req_param(r, 0);
	char id[DIGEST_HEX];
	struct confirm c;
	struct db *db = confirm_start(r, token, id, &c);
	int rc;

	if (!db)
		return 0;
	rc = confirm_lookup(db, &c);
	if (rc == CONFIRM_GONE)
		show(r, 404, NULL, "gone");
	else if (rc != DB_OK)
		resp_error(r, ERR_UNAVAILABLE, NULL);
	else
		show(r, 200, token, "ask");
	return 0;
}

int form_receipt_confirm(struct req *r)
{
	const char *token = req_param(r, 0);
	char id[DIGEST_HEX];
	struct confirm c;
	struct db *db = confirm_start(r, token, id, &c);
	int rc;

	if (!db)
		return 0;
	rc = db_tx(db, confirm_body, &c);
	if (rc == CONFIRM_GONE) {
		show(r, 404, NULL, "gone");
	} else if (rc == OUTBOX_EBUDGET) {
		show(r, 429, token, "busy"); /* nothing was used up: the link still works */
	} else if (rc != DB_OK) {
		log_error("receipt mail not queued: %s", db_errmsg(db));
		resp_error(r, ERR_UNAVAILABLE, NULL);
	} else {
		mail_worker_kick();
		log_info("receipt mailed after confirmation (submission %s)", send_private_key(r, "r", c.receipt));
		show(r, 200, NULL, "done");
	}
	return 0;
}
