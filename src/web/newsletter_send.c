/* newsletter_send.c — the background sender of newsletter issues and the
 * purge of subscriptions (see newsletter.h). One thread per process, its
 * own database connection; never on an event loop. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/hex.h"
#include "core/log.h"
#include "mail/outbox.h"
#include "mail/worker.h"
#include "tmpl/markdown.h"
#include "web/newsletter.h"

#define LEASE_TTL 20  /* seconds a sender's claim lasts without a renewal */
#define BATCH_MAX 500 /* mails per transaction at most */
#define IDLE_POLL 2   /* seconds between looks when nothing is being sent */
#define PURGE_EVERY 600

void newsletter_unsub_token(const unsigned char *secret, size_t secret_len, const char *salt, char out[DIGEST_HEX])
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "nl-unsub:%s", salt);

	hmac_hex(secret, secret_len, msg, n > 0 ? (size_t)n : 0, out);
}

int newsletter_enqueue(struct db *db, const struct mail_config *mc, enum lang lang, const char *base,
		       const char *subject, const char *markdown, const char *email, const char *token,
		       const char *kind, long long *mail_id)
{
	struct buf text = BUF_INIT;
	char url[512], lu[600];
	const char *to[] = {email};
	struct mail_header h[2];
	struct mail m;
	int rc;

	snprintf(url, sizeof(url), "%s%s/jaunumi/abonet/atteikties/%s", base, lang == LANG_EN ? "/en" : "", token);
	snprintf(lu, sizeof(lu), "<%s>", url);
	buf_init(&text, mc->max_size);
	if (md_to_text(&text, markdown, strlen(markdown), 1) != 0)
		buf_puts(&text, markdown);
	buf_puts(&text, "\n-- \n");
	buf_printf(&text,
		   i18n_tr(lang, N_("You get this newsletter of the portal \"The State is on the Internet\" "
				    "because you subscribed to it. To unsubscribe, open:\n%s\n")),
		   url);
	if (!buf_ok(&text)) {
		buf_free(&text);
		return OUTBOX_ETOOBIG;
	}
	h[0] = (struct mail_header){"List-Unsubscribe", lu};
	h[1] = (struct mail_header){"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"};
	memset(&m, 0, sizeof(m));
	m.to = to; /* one recipient per mail: no address is ever shown to another */
	m.nto = 1;
	m.subject = subject;
	m.text = text.data ? text.data : "";
	m.kind = kind;
	m.personal = 1;
	m.headers = h;
	m.nheaders = 2;
	rc = outbox_enqueue_with(db, mc, &m, mail_id);
	buf_free(&text);
	return rc;
}

/* ---- purge ---- */

static const char SQL_PURGE_DELIVERIES[] =
    "DELETE FROM newsletter_delivery WHERE subscriber_id IN (SELECT id FROM newsletter_subscriber WHERE "
    "(state = 'pending' AND confirm_expires < $1) OR (state = 'unsubscribed' AND unsubscribed_at < $2))";
static const char SQL_PURGE_SUBSCRIBERS[] = "DELETE FROM newsletter_subscriber WHERE "
					    "(state = 'pending' AND confirm_expires < $1) OR "
					    "(state = 'unsubscribed' AND unsubscribed_at < $2)";

struct purge {
	long long now, before, n;
};

static int purge_body(struct db *db, void *cls)
{
	struct purge *p = cls;
	int rc;

	/* Delivery rows go with their subscriber: an id SQLite might hand out
	 * again must not look as if it had got an issue already. */
	rc = db_exec(db, SQL_PURGE_DELIVERIES, DB_P(PINT(p->now), PINT(p->before)), NULL);
	if (rc == DB_OK)
		rc = db_exec(db, SQL_PURGE_SUBSCRIBERS, DB_P(PINT(p->now), PINT(p->before)), &p->n);
	return rc;
}

int newsletter_purge(struct db *db, long long now, int keep_days, long long *n)
{
	struct purge p = {now, now - (long long)keep_days * 86400 + (keep_days ? 0 : 1), 0};
	int rc = db_tx(db, purge_body, &p);

	if (n)
		*n = rc == DB_OK ? p.n : 0;
	return rc;
}

/* ---- the sender ---- */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int running, stopping, kicked;
	struct db *db;
	struct mail_config mc;
	const struct config *cfg;
	unsigned char secret[64];
	size_t secret_len;
	char base[1024];
	char owner[33];
	double credit; /* mails the rate allows now */
	struct timespec last;
} snd = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static const char SQL_LEASE[] =
    "UPDATE newsletter_lease SET owner = $1, until = $2 WHERE id = 1 AND (owner = $1 OR until < $3)";
static const char SQL_LEASE_FREE[] = "UPDATE newsletter_lease SET until = 0 WHERE id = 1 AND owner = $1";
static const char SQL_SENDING[] = "SELECT id, subject_lv, subject_en, body_lv, body_en FROM newsletter_issue "
				  "WHERE state = 'sending' ORDER BY id LIMIT 1";
static const char SQL_NEXT[] =
    "SELECT s.id, s.email, s.lang, s.unsub_salt FROM newsletter_subscriber s WHERE s.state = 'confirmed' AND "
    "NOT EXISTS (SELECT 1 FROM newsletter_delivery d WHERE d.issue_id = $1 AND d.subscriber_id = s.id) "
    "ORDER BY s.id LIMIT $2";
static const char SQL_DELIVERY_ADD[] =
    "INSERT INTO newsletter_delivery (issue_id, subscriber_id, mail_id, at) VALUES ($1, $2, $3, $4)";
static const char SQL_ISSUE_QUEUED[] = "UPDATE newsletter_issue SET queued = queued + $2 WHERE id = $1";
static const char SQL_ISSUE_DONE[] =
    "UPDATE newsletter_issue SET state = 'sent', sent_at = $2 WHERE id = $1 AND state = 'sending'";

#define LEASE_LOST 51

struct recipient {
	long long id;
	char *email;
	enum lang lang;
	char salt[72];
};

struct batch {
	long long issue, now;
	int want, n;
	char *subject[LANG__COUNT], *body[LANG__COUNT];
	struct recipient r[BATCH_MAX];
};

static char *dup_text(const struct db_row *row, int i)
{
	const char *t = row_text(row, i);

	return strdup(t ? t : "");
}

static int issue_row(void *cls, const struct db_row *row)
{
	struct batch *b = cls;

	b->issue = row_int(row, 0);
	b->subject[LANG_LV] = dup_text(row, 1);
	b->subject[LANG_EN] = dup_text(row, 2);
	b->body[LANG_LV] = dup_text(row, 3);
	b->body[LANG_EN] = dup_text(row, 4);
	return 0;
}

static int recipient_row(void *cls, const struct db_row *row)
{
	struct batch *b = cls;
	struct recipient *r = &b->r[b->n];
	const char *salt = row_text(row, 3);

	if (b->n >= BATCH_MAX)
		return 1;
	r->id = row_int(row, 0);
	r->email = dup_text(row, 1);
	r->lang = row_text(row, 2) && !strcmp(row_text(row, 2), "en") ? LANG_EN : LANG_LV;
	snprintf(r->salt, sizeof(r->salt), "%s", salt ? salt : "");
	b->n++;
	return 0;
}

static void batch_clear(struct batch *b)
{
	int i;

	for (i = 0; i < b->n; i++)
		free(b->r[i].email);
	b->n = 0;
}

static int batch_body(struct db *db, void *cls)
{
	struct batch *b = cls;
	long long changed = 0, mail_id;
	char token[DIGEST_HEX];
	int rc, i;

	batch_clear(b); /* db_tx may run the body again */
	/* The lease, renewed in the same transaction as the batch: a sender
	 * whose lease was taken over writes nothing. */
	rc = db_exec(db, SQL_LEASE, DB_P(PTEXT(snd.owner), PINT(b->now + LEASE_TTL), PINT(b->now)), &changed);
	if (rc != DB_OK)
		return rc;
	if (changed != 1)
		return LEASE_LOST;
	rc = db_query(db, SQL_NEXT, DB_P(PINT(b->issue), PINT(b->want)), recipient_row, b);
	if (rc != DB_OK)
		return rc;
	if (b->n == 0)
		return db_exec(db, SQL_ISSUE_DONE, DB_P(PINT(b->issue), PINT(b->now)), NULL);
	for (i = 0; i < b->n; i++) {
		struct recipient *r = &b->r[i];
		enum lang l = r->lang;

		if (l == LANG_EN && (!*b->subject[LANG_EN] || !*b->body[LANG_EN]))
			l = LANG_LV; /* no English version: the Latvian one */
		newsletter_unsub_token(snd.secret, snd.secret_len, r->salt, token);
		mail_id = 0;
		rc = newsletter_enqueue(db, &snd.mc, r->lang, snd.base, b->subject[l], b->body[l], r->email, token,
					"newsletter", &mail_id);
		if (rc == OUTBOX_EINVALID)
			log_warn("newsletter: subscriber %lld skipped: the outbox refuses the mail", r->id);
		else if (rc != DB_OK)
			return rc; /* too big or over the daily budget: the whole batch waits */
		rc =
		    db_exec(db, SQL_DELIVERY_ADD, DB_P(PINT(b->issue), PINT(r->id), PINT(mail_id), PINT(b->now)), NULL);
		if (rc != DB_OK)
			return rc;
	}
	return db_exec(db, SQL_ISSUE_QUEUED, DB_P(PINT(b->issue), PINT(b->n)), NULL);
}

static double elapsed_since(struct timespec *last)
{
	struct timespec now;
	double d;

	clock_gettime(CLOCK_MONOTONIC, &now);
	d = (double)(now.tv_sec - last->tv_sec) + (double)(now.tv_nsec - last->tv_nsec) / 1e9;
	*last = now;
	return d;
}

/* One step of sending: returns milliseconds to wait before the next. */
static long send_step(struct batch *b)
{
	double per_s = snd.cfg->newsletter_rate / 60.0, cap = per_s > 1 ? per_s : 1;
	long long now = (long long)time(NULL), got = 0;
	int rc, l;

	/* A read first: an idle node writes nothing. */
	for (l = 0; l < LANG__COUNT; l++) {
		free(b->subject[l]);
		free(b->body[l]);
		b->subject[l] = b->body[l] = NULL;
	}
	b->issue = 0;
	rc = db_query(snd.db, SQL_SENDING, NULL, 0, issue_row, b);
	if (rc != DB_OK || !b->issue) {
		if (rc != DB_OK)
			log_warn("newsletter: %s", db_errmsg(snd.db));
		if (snd.credit > 0) /* it was sending: give the lease back */
			db_exec(snd.db, SQL_LEASE_FREE, DB_P(PTEXT(snd.owner)), NULL);
		snd.credit = 0;
		return IDLE_POLL * 1000L;
	}
	rc = db_exec(snd.db, SQL_LEASE, DB_P(PTEXT(snd.owner), PINT(now + LEASE_TTL), PINT(now)), &got);
	if (rc != DB_OK) {
		log_warn("newsletter: lease: %s", db_errmsg(snd.db));
		return IDLE_POLL * 1000L;
	}
	if (got != 1)
		return IDLE_POLL * 1000L; /* another node sends */
	if (!snd.base[0]) {
		log_warn("newsletter: public-url is not set: no unsubscribe link can be made, issue %lld waits",
			 b->issue);
		return 60000L;
	}
	snd.credit += elapsed_since(&snd.last) * per_s;
	if (snd.credit > cap)
		snd.credit = cap;
	if (snd.credit < 1)
		return (long)((1 - snd.credit) / per_s * 1000) + 1;
	b->want = snd.credit < BATCH_MAX ? (int)snd.credit : BATCH_MAX;
	b->now = now;
	rc = db_tx(snd.db, batch_body, b);
	if (rc == LEASE_LOST) {
		batch_clear(b);
		return IDLE_POLL * 1000L;
	}
	if (rc == OUTBOX_EBUDGET) {
		batch_clear(b);
		log_warn("newsletter: the outbox's daily budget is spent; issue %lld waits", b->issue);
		return 60000L;
	}
	if (rc != DB_OK) {
		log_warn("newsletter: batch of issue %lld not queued: %s", b->issue,
			 rc < 0 && rc > OUTBOX_EINVALID ? db_errmsg(snd.db) : outbox_strerror(rc));
		batch_clear(b);
		return 5000L;
	}
	if (b->n == 0) {
		log_info("newsletter: issue %lld queued for every subscriber", b->issue);
		return 0;
	}
	snd.credit -= b->n;
	batch_clear(b);
	mail_worker_kick();
	return 0;
}

static void *sender_main(void *arg)
{
	struct batch *b = calloc(1, sizeof(*b));
	long long next_purge = 0, now, n;
	struct timespec ts;
	long wait_ms;
	int l;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &snd.last);
	pthread_mutex_lock(&snd.mu);
	while (!snd.stopping && b) {
		pthread_mutex_unlock(&snd.mu);
		now = (long long)time(NULL);
		if (now >= next_purge) {
			if (newsletter_purge(snd.db, now, snd.cfg->newsletter_keep_days, &n) != DB_OK)
				log_warn("newsletter purge: %s", db_errmsg(snd.db));
			else if (n > 0)
				log_info("newsletter purge: %lld subscriptions deleted", n);
			next_purge = now + PURGE_EVERY;
		}
		wait_ms = send_step(b);
		pthread_mutex_lock(&snd.mu);
		if (wait_ms <= 0 || snd.kicked) {
			snd.kicked = 0;
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (wait_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!snd.stopping && !snd.kicked)
			if (pthread_cond_timedwait(&snd.cv, &snd.mu, &ts) == ETIMEDOUT)
				break;
		snd.kicked = 0;
	}
	pthread_mutex_unlock(&snd.mu);
	if (b) {
		batch_clear(b);
		for (l = 0; l < LANG__COUNT; l++) {
			free(b->subject[l]);
			free(b->body[l]);
		}
		free(b);
	}
	db_exec(snd.db, SQL_LEASE_FREE, DB_P(PTEXT(snd.owner)), NULL);
	return NULL;
}

int newsletter_sender_start(const struct mail_config *mc, const char *db_url, const struct config *cfg,
			    const unsigned char *secret, size_t secret_len)
{
	struct err e = {0};
	unsigned char rnd[16];
	const char *u = cfg->public_url ? cfg->public_url : "";
	size_t n = strlen(u);

	if (secret_len > sizeof(snd.secret) || RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	snd.db = db_open(db_url, &e);
	if (!snd.db) {
		log_error("newsletter sender: %s", e.msg);
		return -1;
	}
	snd.mc = *mc;
	snd.cfg = cfg;
	memcpy(snd.secret, secret, secret_len);
	snd.secret_len = secret_len;
	while (n && u[n - 1] == '/')
		n--;
	snprintf(snd.base, sizeof(snd.base), "%.*s", (int)n, u);
	hex_encode(snd.owner, rnd, sizeof(rnd));
	snd.stopping = snd.kicked = 0;
	snd.credit = 0;
	if (pthread_create(&snd.thread, NULL, sender_main, NULL) != 0) {
		db_close(snd.db);
		snd.db = NULL;
		return -1;
	}
	snd.running = 1;
	return 0;
}

void newsletter_sender_kick(void)
{
	pthread_mutex_lock(&snd.mu);
	snd.kicked = 1;
	pthread_cond_signal(&snd.cv);
	pthread_mutex_unlock(&snd.mu);
}

void newsletter_sender_stop(void)
{
	if (!snd.running)
		return;
	pthread_mutex_lock(&snd.mu);
	snd.stopping = 1;
	pthread_cond_signal(&snd.cv);
	pthread_mutex_unlock(&snd.mu);
	pthread_join(snd.thread, NULL);
	db_close(snd.db);
	snd.db = NULL;
	snd.running = 0;
}
