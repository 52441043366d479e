/* outbox.h — the mail outbox: mail is written to the database in the same
 * transaction as the change that causes it, and delivered later by the
 * worker (worker.h) over SMTP (smtp.h). See docs/mail.md.
 *
 * A caller queues a mail from inside its own db_tx() body:
 *
 *	static int body(struct db *db, void *cls)
 *	{
 *		struct submission *s = cls;
 *		const char *to[] = {s->institution_email};
 *		struct mail_attachment att = {s->name, "application/vnd.etsi.asic-e+zip", s->edoc, s->edoc_len};
 *		struct mail m = {.to = to, .nto = 1, .subject = "Iesniegums", .text = s->cover,
 *				 .att = &att, .natt = 1, .kind = "sign-send"};
 *		int rc;
 *
 *		rc = db_exec(db, SQL_SUBMISSION_ADD, ...);   // the change itself
 *		if (rc == DB_OK)
 *			rc = outbox_enqueue_with(db, s->mail_config, &m, &s->mail_id); // the mail it causes
 *		return rc;                                 // non-zero: neither happens
 *	}
 *	...
 *	if (db_tx(db, body, &s) == DB_OK)
 *		mail_worker_kick();                         // optional: deliver now
 *
 * Either both the change and the queued mail commit, or neither does. The
 * message is checked before any statement runs: a refused mail (bad address,
 * CR/LF in a header, too big) returns OUTBOX_EINVALID / OUTBOX_ETOOBIG and
 * leaves the caller's transaction usable; the caller decides whether to
 * return the error (roll back) or carry on.
 *
 * The stored message is a complete RFC 5322 message: Date, From, To,
 * Reply-To, Subject (RFC 2047, UTF-8), Message-ID derived from the outbox id,
 * MIME multipart/mixed with a UTF-8 text/plain part (quoted-printable) and
 * attachments (base64, RFC 2231 file names). Addresses are plain ASCII
 * addr-specs (local@domain; no SMTPUTF8: give IDN domains in punycode).
 *
 * Outbox rows move through these states (docs/mail.md has the details):
 *
 *	queued --claim--> sending --250--> sent
 *	   ^                 |  \--5xx, or out of attempts/age--> failed
 *	   +---4xx, network--+
 *	   +---lease expired (the worker stopped mid-delivery)
 */
#ifndef EPAK_MAIL_OUTBOX_H
#define EPAK_MAIL_OUTBOX_H

#include <stddef.h>

#include "store/db.h"

/* ---- settings ---- */

enum mail_tls {
	MAIL_TLS_TRY,      /* STARTTLS when the relay offers it: anyone in between can strip the offer */
	MAIL_TLS_REQUIRED, /* STARTTLS or fail (smtps:// is always TLS) (default) */
	MAIL_TLS_NONE,     /* never (a relay on loopback) */
};

/* Every mail setting; values are copied in (no pointers), so the struct can
 * be copied freely. The settings are keys of the one configuration table
 * (core/config.c: flags, EPAK_* environment, config file); main.c fills this
 * struct with mail_config_from() and passes it to whatever sends mail. The
 * comments name each field's key (environment: EPAK_ + the key in upper case
 * with '_' for '-'). */
struct mail_config {
	char smtp_url[1024];      /* smtp-url: smtp://host:port or smtps://host:port */
	char smtp_user[256];      /* smtp-user: empty = no AUTH */
	char smtp_password[256];  /* smtp-password */
	enum mail_tls tls;        /* smtp-tls: try | required | none */
	char ca_file[1024];       /* smtp-ca-file: PEM CA bundle; empty = the system's */
	char helo[256];           /* smtp-helo: name for EHLO; empty = the mail domain */
	int connect_timeout;      /* smtp-connect-timeout: seconds */
	int timeout;              /* smtp-timeout: seconds for one whole delivery */
	char from[256];           /* mail-from: default From and envelope sender */
	char from_name[256];      /* mail-from-name: display name of From (UTF-8) */
	char domain[256];         /* mail-domain: right side of Message-IDs; empty = From's domain */
	size_t max_size;          /* mail-max-size: largest encoded message, bytes */
	int max_attempts;         /* mail-max-attempts: delivery attempts before giving up */
	int max_age;              /* mail-max-age: seconds after queueing to stop retrying */
	int retry_base;           /* mail-retry-base: first retry delay, seconds (doubles) */
	int retry_max;            /* mail-retry-max: longest retry delay, seconds */
	int poll;                 /* mail-poll: seconds between looks at the outbox when idle */
	int keep_days;            /* mail-keep-days: delete sent/failed rows after; 0 = keep */
	long long daily_bytes;    /* mail-daily-bytes: bytes the outbox takes per UTC day; 0 = no limit */
	int submission_keep_days; /* submission-keep-days: the worker deletes older submissions; 0 = keep */
};

struct config;
/* Copies the mail keys of cfg into *c and checks them. 0 when usable;
 * otherwise -1 with the reason in err (names the key, never the password). */
int mail_config_from(struct mail_config *c, const struct config *cfg, struct err *err);
/* The table's defaults (smtp://127.0.0.1:25, TLS required, 20 attempts over
 * at most two days, 20 MiB...). */
void mail_config_defaults(struct mail_config *c);
/* Checks a filled config; mail_config_from() calls it. */
int mail_config_check(const struct mail_config *c, struct err *err);

/* ---- queueing ---- */

struct mail_attachment {
	const char *filename;     /* UTF-8, no path separators or control characters */
	const char *content_type; /* "type/subtype"; NULL = application/octet-stream */
	const void *data;
	size_t len;
};

/* An extra header line. Only names of the allowlist in message.c are
 * taken (List-Unsubscribe, List-Unsubscribe-Post, List-Id, Auto-Submitted,
 * Precedence; compared without case); the value is printable ASCII without
 * CR or LF, at most OUTBOX_MAX_HEADER bytes. outbox_check() refuses others. */
struct mail_header {
	const char *name;
	const char *value;
};

/* Everything borrowed; nothing is kept after outbox_enqueue_with() returns. */
struct mail {
	const char *from;      /* NULL = the configured mail-from */
	const char *from_name; /* NULL = the configured mail-from-name; "" = none */
	const char *const *to; /* nto addresses, 1..OUTBOX_MAX_RCPT */
	size_t nto;
	const char *reply_to; /* NULL = none */
	const char *subject;  /* UTF-8, one line */
	const char *text;     /* UTF-8 body; "\n" or "\r\n" line ends */
	const struct mail_attachment *att;
	size_t natt;
	const char *kind; /* a label for counts: [a-z0-9-]{1,32}, e.g. "sign-send"; NULL = "mail" */
	int personal;     /* to a person: recipients and message are blanked once sent or failed */

	/* nheaders extra header lines (see struct mail_header); none by default */
	const struct mail_header *headers;
	size_t nheaders;
};

#define OUTBOX_MAX_RCPT 50
#define OUTBOX_MAX_ATT 20
#define OUTBOX_MAX_SUBJECT 998 /* bytes of UTF-8 */
#define OUTBOX_MAX_FILENAME 255
#define OUTBOX_MAX_HEADERS 8
#define OUTBOX_MAX_HEADER 900 /* bytes of one extra header's value */

enum {
	OUTBOX_EINVALID = -20, /* the mail is malformed: see outbox_check() for why */
	OUTBOX_ETOOBIG = -21,  /* the encoded message exceeds max_size */
	OUTBOX_EBUDGET = -22,  /* the outbox's daily byte budget (daily_bytes) is spent: try later */
};

/* Queues m with the settings c (From, Message-ID domain, size limit, daily
 * budget); call it inside the caller's db_tx() body. *id (may be NULL) gets
 * the outbox id. DB_OK, OUTBOX_EINVALID, OUTBOX_ETOOBIG or OUTBOX_EBUDGET
 * (nothing was written), or a DB_E* error (the transaction is doomed). The
 * daily byte budget is counted in the database (store/ratelimit.h), so it
 * holds for all nodes together; the caller rolls back on OUTBOX_EBUDGET so
 * that nothing of its change is half-written. */
int outbox_enqueue_with(struct db *db, const struct mail_config *c, const struct mail *m, long long *id);

/* Checks m without queueing it: 0, or OUTBOX_EINVALID with a reason in why
 * (names the field, never quotes its value). For forms, before db_tx(). */
int outbox_check(const struct mail_config *c, const struct mail *m, struct err *why);
/* A short text for an outbox or DB_E* return code. */
const char *outbox_strerror(int rc);

/* Builds the message outbox_enqueue_with() would store, with the given id, time
 * and random part of the Message-ID (tests, previews). *out is malloc'd. */
int outbox_build(const struct mail_config *c, const struct mail *m, long long id, long long now, const char *token,
		 char **out, size_t *len, struct err *why);

/* ---- delivery state machine (for the worker; tests use it too) ---- */

/* A claimed message; outbox_item_free() releases it. */
struct outbox_item {
	long long id;
	long long created_at;
	int attempts;   /* attempts started, this one included */
	char lease[33]; /* this claim's token; finishing needs it */
	char *sender;   /* envelope MAIL FROM */
	char **rcpt;    /* envelope RCPT TO, nrcpt of them */
	size_t nrcpt;
	unsigned char *message;
	size_t len;
};

/* Claims the oldest due message: status 'queued' with next_at <= now, or
 * 'sending' whose lease ran out (its worker stopped mid-delivery). It becomes
 * 'sending' until now + lease_seconds, attempts + 1. In one transaction, so
 * two workers, on one node or many sharing PostgreSQL, never hold the same
 * row at once. DB_OK with *out set, DB_ENOROW when nothing is due, or an
 * error. Must not be called inside a transaction. */
int outbox_claim(struct db *db, long long now, int lease_seconds, struct outbox_item **out);

/* Ends a claim. Each returns DB_OK, DB_ENOROW when the lease was no longer
 * ours (it expired and another worker claimed the row: nothing is changed),
 * or an error. why is stored in last_error (give no addresses or content). */
int outbox_mark_sent(struct db *db, const struct outbox_item *it, long long now);
int outbox_mark_retry(struct db *db, const struct outbox_item *it, long long now, long long next_at, const char *why);
int outbox_mark_failed(struct db *db, const struct outbox_item *it, long long now, const char *why);
void outbox_item_free(struct outbox_item *it);

struct outbox_counts {
	long long queued, sending, sent, failed;
	long long oldest_queued; /* created_at of the oldest queued row; 0 = none */
};
int outbox_counts(struct db *db, struct outbox_counts *out);

/* Deletes sent and failed rows last changed before `before`; *n (may be
 * NULL) gets how many. (Rows of personal mail have had their recipients and
 * message blanked already, the moment they were sent or failed.) */
int outbox_purge(struct db *db, long long before, long long *n);

#endif
