/* outbox.c — the outbox table: queueing, claiming, finishing, counts and
 * purges. message.c has the settings and builds the messages. See outbox.h
 * and docs/mail.md. */
#include "mail/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/buf.h"
#include "mail/message.h"
#include "core/config.h"
#include "core/email.h"
#include "core/hex.h"
#include "store/ratelimit.h"

/* ---- the table ---- */

static const char SQL_ENQUEUE[] =
    "INSERT INTO mail_outbox (kind, status, created_at, updated_at, next_at, attempts, sender, recipients, "
    "message_id, size, message, personal) VALUES ($1, 'queued', $2, $2, $2, 0, $3, $4, '', 0, $5, $6) RETURNING id";
static const char SQL_SET_MESSAGE[] = "UPDATE mail_outbox SET message = $1, size = $2, message_id = $3 WHERE id = $4";

static int random_token(char *out, size_t n)
{
	unsigned char r[8];

	if (n < 17 || getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	hex_encode(out, r, sizeof(r));
	return 0;
}

static int id_cb(void *cls, const struct db_row *row)
{
	*(long long *)cls = row_int(row, 0);
	return 0;
}

int outbox_enqueue_with(struct db *db, const struct mail_config *c, const struct mail *m, long long *id)
{
	struct buf rest = BUF_INIT, full = BUF_INIT, rcpt = BUF_INIT;
	char token[17], mid[400];
	long long now = (long long)time(NULL), newid = -1;
	size_t i;
	int rc;

	rc = message_check(c, m, NULL); /* the caller asks outbox_check() for why */
	if (rc != 0)
		goto out;
	rc = OUTBOX_EINVALID;
	if (random_token(token, sizeof(token)) != 0)
		goto out;
	/* Everything that can be refused is refused before the first statement,
	 * so a refusal leaves the caller's transaction usable. */
	rc = OUTBOX_ETOOBIG;
	buf_init(&rest, c->max_size);
	message_build_rest(c, m, now, token, &rest);
	if (!buf_ok(&rest) || rest.len + sizeof(mid) + 16 > c->max_size)
		goto out;
	for (i = 0; i < m->nto; i++)
		buf_printf(&rcpt, "%s%s", i ? "\n" : "", m->to[i]);
	/* The daily budget, before the first write: over it, nothing is written
	 * and the caller can roll its change back whole. */
	rc = rate_take(db, "outbox-bytes", 86400, c->daily_bytes, (long long)(rest.len + sizeof(mid) + 16), now);
	if (rc == RATE_LIMITED)
		rc = OUTBOX_EBUDGET;
	if (rc != DB_OK)
		goto out;
	rc = db_query(db, SQL_ENQUEUE,
		      DB_P(PTEXT(m->kind ? m->kind : "mail"), PINT(now), PTEXT(m->from ? m->from : c->from),
			   PTEXT(rcpt.data), PBLOB("", 0), PINT(m->personal ? 1 : 0)),
		      id_cb, &newid);
	if (rc != DB_OK)
		goto out;
	message_id(mid, sizeof(mid), c, newid, token);
	buf_init(&full, c->max_size);
	buf_printf(&full, "Message-ID: %s\r\n", mid);
	buf_append(&full, rest.data, rest.len);
	buf_free(&rest);
	rc = db_exec(db, SQL_SET_MESSAGE,
		     DB_P(PBLOB(full.data, full.len), PINT((long long)full.len), PTEXT(mid), PINT(newid)), NULL);
	if (rc != DB_OK)
		goto out;
	if (id)
		*id = newid;
out:
	buf_free(&rest);
	buf_free(&full);
	buf_free(&rcpt);
	return rc;
}

/* ---- claiming and finishing ---- */

/* The oldest due row: queued and due, or sending with an expired lease.
 * Serializable on both engines: two claimers of the same row cannot both
 * commit (SQLite: one writer at a time; PostgreSQL: the second one's UPDATE
 * fails with a serialization error and db_tx runs it again, when it finds
 * the next row). The outer WHERE repeats the condition as a second guard. */
static const char SQL_CLAIM[] =
    "UPDATE mail_outbox SET status = 'sending', lease_until = $2, lease_owner = $3, attempts = attempts + 1, "
    "updated_at = $1, last_error = CASE WHEN status = 'sending' THEN "
    "'lease expired: a worker stopped during delivery, which may or may not have completed' "
    "ELSE last_error END "
    "WHERE id = (SELECT id FROM mail_outbox WHERE (status = 'queued' AND next_at <= $1) "
    "OR (status = 'sending' AND lease_until <= $1) ORDER BY next_at, id LIMIT 1) "
    "AND ((status = 'queued' AND next_at <= $1) OR (status = 'sending' AND lease_until <= $1)) "
    "RETURNING id, created_at, attempts, sender, recipients, message";

struct claim {
	long long now;
	int lease_seconds;
	struct outbox_item *it;
};

void outbox_item_free(struct outbox_item *it)
{
	size_t i;

	if (!it)
		return;
	for (i = 0; i < it->nrcpt; i++)
		free(it->rcpt[i]);
	free(it->rcpt);
	free(it->sender);
	free(it->message);
	free(it);
}

static int split_rcpt(struct outbox_item *it, const char *s)
{
	const char *p = s, *e;
	size_t n = 1, i = 0;

	for (e = s; *e; e++)
		n += *e == '\n';
	it->rcpt = calloc(n, sizeof(*it->rcpt));
	if (!it->rcpt)
		return -1;
	while (i < n) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		it->rcpt[i] = strndup(p, (size_t)(e - p));
		if (!it->rcpt[i])
			return -1;
		it->nrcpt = ++i;
		p = *e ? e + 1 : e;
	}
	return 0;
}

static int claim_row(void *cls, const struct db_row *row)
{
	struct claim *cl = cls;
	struct outbox_item *it = cl->it;
	const void *msg;
	size_t len = 0;
	const char *s;

	it->id = row_int(row, 0);
	it->created_at = row_int(row, 1);
	it->attempts = (int)row_int(row, 2);
	s = row_text(row, 3);
	it->sender = strdup(s ? s : "");
	s = row_text(row, 4);
	msg = row_blob(row, 5, &len);
	it->message = malloc(len ? len : 1);
	if (!it->sender || !it->message || split_rcpt(it, s ? s : "") != 0)
		return 2;
	if (len)
		memcpy(it->message, msg, len);
	it->len = len;
	return 0;
}

static int claim_body(struct db *db, void *cls)
{
	struct claim *cl = cls;
	char lease[33];
	int rc;

	/* db_tx may run this again after a conflict: start clean. */
	outbox_item_free(cl->it);
	cl->it = calloc(1, sizeof(*cl->it));
	if (!cl->it)
		return DB_ERROR;
	if (random_token(lease, sizeof(lease)) != 0 || random_token(lease + 16, sizeof(lease) - 16) != 0)
		return DB_ERROR;
	memcpy(cl->it->lease, lease, sizeof(cl->it->lease));
	cl->it->id = -1;
	rc = db_query(db, SQL_CLAIM, DB_P(PINT(cl->now), PINT(cl->now + cl->lease_seconds), PTEXT(lease)), claim_row,
		      cl);
	if (rc == 2)
		return DB_ERROR;
	return rc;
}

int outbox_claim(struct db *db, long long now, int lease_seconds, struct outbox_item **out)
{
	struct claim cl = {now, lease_seconds, NULL};
	int rc;

	*out = NULL;
	rc = db_tx(db, claim_body, &cl);
	if (rc == DB_OK && cl.it && cl.it->id < 0)
		rc = DB_ENOROW;
	if (rc == DB_OK) {
		*out = cl.it;
		cl.it = NULL;
	}
	outbox_item_free(cl.it);
	return rc;
}

/* Sent or failed: a person's address and the message to them go at once
 * (personal = 1); the row stays for counts and the receipt page's status. */
#define SQL_FORGET_PERSONAL                                                                                            \
	"recipients = CASE WHEN personal = 1 THEN '' ELSE recipients END, "                                            \
	"message = CASE WHEN personal = 1 THEN '' ELSE message END, "                                                  \
	"size = CASE WHEN personal = 1 THEN 0 ELSE size END, "
static const char SQL_SENT[] =
    "UPDATE mail_outbox SET status = 'sent', sent_at = $1, updated_at = $1, lease_until = NULL, " SQL_FORGET_PERSONAL
    "lease_owner = NULL WHERE id = $2 AND status = 'sending' AND lease_owner = $3";
static const char SQL_RETRY[] =
    "UPDATE mail_outbox SET status = 'queued', next_at = $2, updated_at = $1, lease_until = NULL, "
    "lease_owner = NULL, last_error = $3 WHERE id = $4 AND status = 'sending' AND lease_owner = $5";
static const char SQL_FAILED[] =
    "UPDATE mail_outbox SET status = 'failed', updated_at = $1, lease_until = NULL, lease_owner = "
    "NULL, " SQL_FORGET_PERSONAL "last_error = $2 WHERE id = $3 AND status = 'sending' AND lease_owner = $4";

static int changed(int rc, long long n)
{
	return rc == DB_OK && n == 0 ? DB_ENOROW : rc;
}

/* A reason as stored: valid UTF-8 is ensured by its makers (ASCII). */
static void clip(char *dst, size_t n, const char *why)
{
	snprintf(dst, n, "%s", why ? why : "");
}

int outbox_mark_sent(struct db *db, const struct outbox_item *it, long long now)
{
	long long n = 0;
	int rc;

	rc = db_exec(db, SQL_SENT, DB_P(PINT(now), PINT(it->id), PTEXT(it->lease)), &n);
	return changed(rc, n);
}

int outbox_mark_retry(struct db *db, const struct outbox_item *it, long long now, long long next_at, const char *why)
{
	char w[512];
	long long n = 0;
	int rc;

	clip(w, sizeof(w), why);
	rc = db_exec(db, SQL_RETRY, DB_P(PINT(now), PINT(next_at), PTEXT(w), PINT(it->id), PTEXT(it->lease)), &n);
	return changed(rc, n);
}

int outbox_mark_failed(struct db *db, const struct outbox_item *it, long long now, const char *why)
{
	char w[512];
	long long n = 0;
	int rc;

	clip(w, sizeof(w), why);
	rc = db_exec(db, SQL_FAILED, DB_P(PINT(now), PTEXT(w), PINT(it->id), PTEXT(it->lease)), &n);
	return changed(rc, n);
}

static const char SQL_COUNTS[] = "SELECT status, count(*), min(created_at) FROM mail_outbox GROUP BY status";

static int count_row(void *cls, const struct db_row *row)
{
	struct outbox_counts *c = cls;
	const char *s = row_text(row, 0);
	long long n = row_int(row, 1);

	if (!s)
		return 0;
	if (!strcmp(s, "queued")) {
		c->queued = n;
		c->oldest_queued = row_int(row, 2);
	} else if (!strcmp(s, "sending")) {
		c->sending = n;
	} else if (!strcmp(s, "sent")) {
		c->sent = n;
	} else if (!strcmp(s, "failed")) {
		c->failed = n;
	}
	return 0;
}

int outbox_counts(struct db *db, struct outbox_counts *out)
{
	memset(out, 0, sizeof(*out));
	return db_query(db, SQL_COUNTS, DB_NOP, count_row, out);
}

static const char SQL_PURGE[] = "DELETE FROM mail_outbox WHERE status IN ('sent', 'failed') AND updated_at < $1";

int outbox_purge(struct db *db, long long before, long long *n)
{
	long long k = 0;
	int rc;

	rc = db_exec(db, SQL_PURGE, DB_P(PINT(before)), &k);
	if (n)
		*n = k;
	return rc;
}
