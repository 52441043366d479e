/* worker.c — the delivery worker and one delivery pass. See worker.h and,
 * for why the steps are in this order, docs/mail.md ("Crashes").
 *
 * One message at a time:
 *   1. claim it (one short transaction: status 'sending', a lease until
 *      now + EPAK_SMTP_TIMEOUT + 60 s, attempts + 1);
 *   2. send it (no transaction open, nothing locked, for up to
 *      EPAK_SMTP_TIMEOUT);
 *   3. record the outcome at once, guarded by the lease token: 'sent',
 *      back to 'queued' with a later next_at, or 'failed' with the reason.
 *
 * Between 1 and 3 the row is ours only by its lease: if this process dies,
 * the lease runs out and any worker claims the row again. If the relay had
 * already answered 250, that second attempt is the one duplicate SMTP
 * cannot rule out; 'sent' is therefore recorded the moment the 250 arrives
 * (from smtp_send()'s accepted hook, before QUIT) and retried for a few
 * seconds if the database hiccups, to keep that window as short as possible.
 */
#include "mail/worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "mail/smtp.h"
#include "store/ratelimit.h"

#define PASS_BATCH 20 /* messages per pass before the worker looks at stop, purge... */

long long mail_retry_delay(const struct mail_config *c, int attempts, unsigned rnd)
{
	long long d = c->retry_base;
	int i;

	for (i = 1; i < attempts && d < c->retry_max; i++)
		d *= 2;
	if (d > c->retry_max)
		d = c->retry_max;
	return d - d / 2 + (long long)(rnd % (unsigned long long)(d / 2 + 1));
}

static unsigned random_uint(void)
{
	unsigned r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (unsigned)time(NULL) ^ (unsigned)getpid();
	return r;
}

static int lease_seconds(const struct mail_config *c)
{
	/* The whole exchange is bounded by c->timeout; the margin covers
	 * recording the outcome (see mark_sent). */
	return c->timeout + 60;
}

/* Records 'sent'. This is the one write that must not be lost to a passing
 * database error: until it commits, the lease is the only thing between the
 * message and a second delivery. Tried for about 15 s, well inside the
 * lease's margin. */
static int mark_sent(struct db *db, const struct outbox_item *it)
{
	int rc = DB_ERROR, i;

	for (i = 0; i < 5; i++) {
		rc = outbox_mark_sent(db, it, (long long)time(NULL));
		if (rc == DB_OK || rc == DB_ENOROW)
			break;
		sleep(1u << i < 8 ? 1u << i : 8);
	}
	return rc;
}

struct attempt {
	struct db *db;
	const struct outbox_item *it;
	int (*cancel)(void *cls);
	int sent_rc; /* mark_sent()'s result once the relay accepted */
	int accepted;
};

static int attempt_cancel(void *cls)
{
	const struct attempt *a = cls;

	return a->cancel && a->cancel(NULL);
}

/* The relay said 250: record it before anything else happens. */
static void attempt_accepted(void *cls)
{
	struct attempt *a = cls;

	a->accepted = 1;
	a->sent_rc = mark_sent(a->db, a->it);
}

/* Delivers one claimed message and records the outcome. DB_OK or a
 * database error (the lease will then run out and the row be retried). */
static int deliver_one(struct db *db, const struct mail_config *c, struct smtp_conn *conn, const struct outbox_item *it,
		       int (*cancel)(void *cls), struct mail_pass *p)
{
	struct attempt a = {db, it, cancel, DB_ERROR, 0};
	struct smtp_hooks hooks = {attempt_cancel, attempt_accepted, &a};
	struct smtp_result r;
	char why[512];
	long long now, next, deadline = it->created_at + c->max_age;
	int rc;

	if (it->attempts > c->max_attempts) {
		/* Its last attempt was cut off (the lease ran out): we cannot
		 * tell whether the relay got it, and we are out of attempts. */
		rc = outbox_mark_failed(db, it, (long long)time(NULL),
					"gave up: the last attempt was cut off (its worker stopped); "
					"the relay may or may not have received the message");
		p->failed += rc == DB_OK;
		goto out;
	}
	smtp_send_on(conn, c, it->sender, (const char *const *)it->rcpt, it->nrcpt, it->message, it->len, &hooks, &r);
	now = (long long)time(NULL);
	if (a.accepted) {
		rc = a.sent_rc;
		if (rc == DB_OK) {
			p->sent++;
			log_debug("mail %lld: sent (attempt %d)", it->id, it->attempts);
		} else if (rc == DB_ENOROW) {
			p->lost++;
			log_warn("mail %lld: sent, but its lease had passed to another worker, which may send it again",
				 it->id);
			rc = DB_OK;
		} else {
			log_error("mail %lld: sent, but 'sent' could not be recorded (%s); it will be sent again "
				  "when its lease runs out",
				  it->id, db_errmsg(db));
		}
		goto out;
	}
	switch (r.outcome) {
	case SMTP_SENT: /* accepted was called; not reached */
	case SMTP_TEMPFAIL: break;
	case SMTP_PERMFAIL:
		snprintf(why, sizeof(why), "refused: %s", r.why);
		rc = outbox_mark_failed(db, it, now, why);
		p->failed += rc == DB_OK;
		log_warn("mail %lld: refused by the relay at %s (%d)", it->id, r.stage, r.code);
		goto out;
	}
	if (cancel && cancel(NULL)) {
		/* Shutdown: back to the queue, due at once for whichever worker
		 * comes next. */
		rc = outbox_mark_retry(db, it, now, now, r.why);
		p->retried += rc == DB_OK;
		goto out;
	}
	if (it->attempts >= c->max_attempts || now >= deadline) {
		snprintf(why, sizeof(why), "gave up after %d attempts in %lld s: %s", it->attempts,
			 now - it->created_at, r.why);
		rc = outbox_mark_failed(db, it, now, why);
		p->failed += rc == DB_OK;
		log_warn("mail %lld: gave up after %d attempts (%s %d)", it->id, it->attempts, r.stage, r.code);
		goto out;
	}
	next = now + mail_retry_delay(c, it->attempts, random_uint());
	if (next > deadline)
		next = deadline; /* one last attempt right at the age limit */
	rc = outbox_mark_retry(db, it, now, next, r.why);
	p->retried += rc == DB_OK;
	log_info("mail %lld: attempt %d failed at %s (%d), next in %lld s", it->id, it->attempts, r.stage, r.code,
		 next - now);
out:
	if (rc == DB_ENOROW) {
		p->lost++;
		rc = DB_OK;
	}
	return rc;
}

static int pass(struct db *db, const struct mail_config *c, int max, struct mail_pass *out, int (*cancel)(void *cls),
		atomic_int *stop)
{
	struct mail_pass p = {0, 0, 0, 0};
	struct outbox_item *it = NULL;
	struct smtp_conn conn = {NULL}; /* one connection for the whole pass (smtp.h) */
	int n = 0, conflicts = 0, rc = DB_OK;

	while (n < max && !(stop && atomic_load(stop))) {
		rc = outbox_claim(db, (long long)time(NULL), lease_seconds(c), &it);
		if (rc == DB_ENOROW) {
			rc = DB_OK;
			break;
		}
		if (rc == DB_ECONFLICT && ++conflicts <= 3) {
			/* Other workers kept taking the rows this one wanted (db_tx
			 * already retried); nothing is lost by asking again. */
			continue;
		}
		if (rc != DB_OK)
			break;
		rc = deliver_one(db, c, &conn, it, cancel, &p);
		outbox_item_free(it);
		it = NULL;
		n++;
		if (rc != DB_OK)
			break;
	}
	smtp_conn_close(&conn);
	if (out)
		*out = p;
	return rc == DB_OK ? n : rc;
}

int mail_deliver_pass(struct db *db, const struct mail_config *c, int max, struct mail_pass *out)
{
	return pass(db, c, max, out, NULL, NULL);
}

int mail_deliver_due(struct db *db, const struct mail_config *c, int max)
{
	return pass(db, c, max, NULL, NULL, NULL);
}

/* ---- the thread ---- */

static pthread_mutex_t life_mu = PTHREAD_MUTEX_INITIALIZER; /* start/stop */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;      /* kicked, cv, running */
static pthread_cond_t cv;
static pthread_t thread;
static int running, kicked;
static atomic_int stopping;
static atomic_llong stop_deadline;
static struct mail_config wcfg;
static struct db *wdb;

static long long mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

static int cut_off(void *cls)
{
	(void)cls;
	return atomic_load(&stopping) && mono_now() >= atomic_load(&stop_deadline);
}

static void wait_for_work(int seconds)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += seconds;
	pthread_mutex_lock(&mu);
	while (!kicked && !atomic_load(&stopping)) {
		if (pthread_cond_timedwait(&cv, &mu, &ts) == ETIMEDOUT)
			break;
	}
	kicked = 0;
	pthread_mutex_unlock(&mu);
}

static const char SQL_CONFIRM_EXPIRED[] = "DELETE FROM receipt_confirm WHERE expires_at < $1";
static const char SQL_SUBMISSION_OLD[] = "DELETE FROM submission WHERE created_at < $1";

int mail_retention_pass(struct db *db, const struct mail_config *c, long long now, struct mail_purged *out)
{
	struct mail_purged p;
	int rc = DB_OK;

	memset(&p, 0, sizeof(p));
	if (c->keep_days > 0)
		rc = outbox_purge(db, now - (long long)c->keep_days * 86400, &p.outbox);
	if (rc == DB_OK) /* the longest window is a day */
		rc = rate_purge(db, now - 2 * 86400, &p.counters);
	if (rc == DB_OK)
		rc = db_exec(db, SQL_CONFIRM_EXPIRED, DB_P(PINT(now)), &p.confirmations);
	if (rc == DB_OK && c->submission_keep_days > 0)
		rc = db_exec(db, SQL_SUBMISSION_OLD, DB_P(PINT(now - (long long)c->submission_keep_days * 86400)),
			     &p.submissions);
	if (out)
		*out = p;
	return rc;
}

static void *worker_main(void *arg)
{
	long long last_purge = 0, now;
	struct mail_purged p;
	int n;

	(void)arg;
	while (!atomic_load(&stopping)) {
		n = pass(wdb, &wcfg, PASS_BATCH, NULL, cut_off, &stopping);
		if (n < 0)
			log_error("mail worker: database (%d): %s", n, db_errmsg(wdb));
		now = (long long)time(NULL);
		if (now - last_purge >= 3600) {
			last_purge = now;
			if (mail_retention_pass(wdb, &wcfg, now, &p) != DB_OK)
				log_error("retention: database: %s", db_errmsg(wdb));
			else if (p.outbox + p.confirmations + p.submissions + p.counters > 0)
				log_info("retention: removed %lld old message(s), %lld expired confirmation(s), "
					 "%lld submission(s), %lld rate counter(s)",
					 p.outbox, p.confirmations, p.submissions, p.counters);
		}
		if (n == PASS_BATCH)
			continue; /* more may be due */
		wait_for_work(wcfg.poll);
	}
	return NULL;
}

int mail_worker_start(const struct mail_config *c, const char *db_url)
{
	struct err e = {0};
	struct db *db = NULL;
	pthread_condattr_t ca;
	sigset_t all, old;
	long long v;
	int rc = -1, cv_made = 0;

	pthread_mutex_lock(&life_mu);
	if (running) {
		log_error("mail worker: already running");
		goto out;
	}
	if (mail_config_check(c, &e) != 0) {
		log_error("mail worker: %s", e.msg);
		err_clear(&e);
		goto out;
	}
	db = db_open(db_url, &e);
	if (!db) {
		log_error("mail worker: database: %s", e.msg);
		goto out;
	}
	if (db_query_int(db, "SELECT count(*) FROM mail_outbox WHERE id = 0", DB_NOP, &v) != DB_OK) {
		log_error("mail worker: no outbox table (run 'epak migrate'): %s", db_errmsg(db));
		goto out;
	}
	wdb = db;
	wcfg = *c;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &ca);
	pthread_condattr_destroy(&ca);
	cv_made = 1;
	atomic_store(&stopping, 0);
	kicked = 0;
	/* The thread takes no signals: they stay with the server's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&thread, NULL, worker_main, NULL) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		log_error("mail worker: cannot start a thread");
		wdb = NULL;
		goto out;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_lock(&mu);
	running = 1;
	pthread_mutex_unlock(&mu);
	log_info("mail worker: started (%s, poll %d s, %d attempts within %d s)", db_backend(wdb), wcfg.poll,
		 wcfg.max_attempts, wcfg.max_age);
	db = NULL; /* the thread's now */
	rc = 0;
out:
	if (cv_made && rc != 0)
		pthread_cond_destroy(&cv);
	db_close(db);
	pthread_mutex_unlock(&life_mu);
	return rc;
}

void mail_worker_stop(void)
{
	pthread_mutex_lock(&life_mu);
	if (!running)
		goto out;
	atomic_store(&stop_deadline, mono_now() + MAIL_STOP_GRACE);
	pthread_mutex_lock(&mu);
	atomic_store(&stopping, 1);
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	pthread_mutex_lock(&mu);
	running = 0;
	pthread_mutex_unlock(&mu);
	pthread_cond_destroy(&cv);
	db_close(wdb);
	wdb = NULL;
	log_info("mail worker: stopped");
out:
	pthread_mutex_unlock(&life_mu);
}

void mail_worker_kick(void)
{
	pthread_mutex_lock(&mu);
	if (running) {
		kicked = 1;
		pthread_cond_signal(&cv);
	}
	pthread_mutex_unlock(&mu);
}
