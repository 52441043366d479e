/* worker.h — the mail delivery worker: takes due messages from the outbox
 * (outbox.h) and hands them to the SMTP relay (smtp.h), with retries.
 *
 * In the server:
 *
 *	struct mail_config mc;
 *	struct err e = {0};
 *
 *	if (mail_config_from(&mc, cfg, &e) != 0) { log_error("mail: %s", e.msg); fail; }
 *	if (mail_worker_start(&mc, db_url) != 0) fail;    // after check_schema(), before serving
 *	rc = server_run(&site);
 *	mail_worker_stop();                               // after the loops have stopped
 *
 * and, optionally, in a handler after the db_tx() that queued a mail has
 * committed: mail_worker_kick() (delivery within a moment instead of at the
 * next poll).
 *
 * The worker is one thread with its own database connection. It never runs
 * on an event loop and no loop ever waits for it. Any number of epak nodes
 * may run one against the same PostgreSQL: leases keep them off each
 * other's messages.
 *
 * "A crash never loses or doubles a mail", exactly: a mail exists once the
 * transaction that queued it commits, and it stays in the outbox until a
 * relay has answered 250 to it (then 'sent') or it has failed for good
 * ('failed', with the reason): a crash anywhere loses nothing. A message is
 * sent twice only if the process dies (or loses the database) in the window
 * between the relay's 250 and the commit of 'sent' — milliseconds, one
 * UPDATE — or if a delivery outlives its lease (EPAK_SMTP_TIMEOUT + 60 s).
 * SMTP has no way to ask a relay "did you get this one?", so no client can
 * close that window; it is kept small (mark right after the 250, retry the
 * mark), rare (a crash must hit it), and the duplicate is recognisable: it
 * carries the same Message-ID, which receiving systems and people can use
 * to drop it. docs/mail.md has the full analysis.
 */
#ifndef EPAK_MAIL_WORKER_H
#define EPAK_MAIL_WORKER_H

#include "mail/outbox.h"
#include "store/db.h"

/* Starts the worker thread: copies c, opens its own connection to db_url (a PostgreSQL
 * URL or an SQLite path, as db_open() takes) and checks that the outbox
 * table exists. 0 on success; -1 (logged, no thread left behind) if the
 * settings are wrong, the database cannot be opened or lacks the outbox
 * migration, or a worker is already running. */
int mail_worker_start(const struct mail_config *c, const char *db_url);

/* Stops the worker and waits for it. A delivery in progress may finish for
 * up to MAIL_STOP_GRACE seconds; then it is cut off and its message goes
 * back to the queue (retried at once by the next worker). Safe to call when
 * no worker runs, and more than once. */
#define MAIL_STOP_GRACE 10
void mail_worker_stop(void);

/* Wakes the worker to look at the outbox now. Cheap, never blocks; call it
 * after the transaction that queued a mail has committed. */
void mail_worker_kick(void);

struct mail_pass {
	int sent;    /* accepted by the relay */
	int retried; /* temporary failure: queued again for later */
	int failed;  /* permanent failure, or out of attempts or time */
	int lost;    /* our lease had been taken over: the outcome was not recorded */
};

/* One delivery pass on db: up to max due messages, one at a time (claim,
 * send, record). Returns how many were attempted (0 when none was due), or a
 * DB_E* error if the database failed. For tests and `epak mail deliver`;
 * the worker uses the same code. *out may be NULL. */
int mail_deliver_due(struct db *db, const struct mail_config *c, int max);
int mail_deliver_pass(struct db *db, const struct mail_config *c, int max, struct mail_pass *out);

/* What mail_retention_pass() removed. */
struct mail_purged {
	long long outbox;        /* sent/failed outbox rows older than keep_days */
	long long confirmations; /* expired receipt confirmations (their addresses with them) */
	long long submissions;   /* submissions older than submission_keep_days */
	long long counters;      /* rate-limit counters of windows over two days old */
};

/* The retention rules, once, at time now: the worker runs it every hour
 * (and once at start). DB_OK or a DB_E* error. *out may be NULL. */
int mail_retention_pass(struct db *db, const struct mail_config *c, long long now, struct mail_purged *out);

/* The wait before attempt `attempts` + 1, in seconds, after `attempts`
 * failed ones: base * 2^(attempts-1), at most retry_max, then "equal
 * jitter": a random point in its upper half, so that messages that failed
 * together (a relay outage) do not come back together. rnd is any random
 * number. */
long long mail_retry_delay(const struct mail_config *c, int attempts, unsigned rnd);

#endif
