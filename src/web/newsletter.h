/* newsletter.h — the newsletter: subscriptions with double opt-in, one-click
 * unsubscribe (RFC 8058) and issues sent through the outbox by one
 * background sender per cluster (newsletter_send.c). Pages in newsletter.c.
 *
 * Sending an issue: an editor's "send" sets the issue to 'sending'. The
 * sender thread of every node tries the lease row (newsletter_lease); the
 * one that holds it queues mails in batches at newsletter-rate per minute.
 * Each batch is one transaction: the lease is renewed (a holder whose lease
 * ran out and was taken over writes nothing), the next confirmed
 * subscribers without a newsletter_delivery row for the issue are read, and
 * for each an outbox mail and its delivery row are inserted. So a crash at
 * any moment leaves each subscriber with exactly zero or one queued mail of
 * the issue, and whoever holds the lease next carries on with the rest. */
#ifndef EPAK_WEB_NEWSLETTER_H
#define EPAK_WEB_NEWSLETTER_H

#include <stddef.h>

#include "core/digest.h"
#include "core/i18n.h"
#include "store/db.h"

struct config;
struct mail_config;
struct mail;

#define NL_TOKEN_HEX 64 /* 256-bit tokens, hex */

/* The unsubscribe token of a subscriber: HMAC(secret, "nl-unsub:" salt). */
void newsletter_unsub_token(const unsigned char *secret, size_t secret_len, const char *salt, char out[DIGEST_HEX]);

/* Queues one issue mail (one recipient, List-Unsubscribe headers, the
 * unsubscribe link in the text) inside the caller's db_tx() body. base is
 * the public address without a trailing slash; token the subscriber's
 * unsubscribe token. Returns as outbox_enqueue_with(). */
int newsletter_enqueue(struct db *db, const struct mail_config *mc, enum lang lang, const char *base,
		       const char *subject, const char *markdown, const char *email, const char *token,
		       const char *kind, long long *mail_id);

/* The background sender and purger. Copies what it needs; cfg must live
 * until stop. 0 or -1 (logged). */
int newsletter_sender_start(const struct mail_config *mc, const char *db_url, const struct config *cfg,
			    const unsigned char *secret, size_t secret_len);
/* Wakes the sender (an editor pressed "send"). */
void newsletter_sender_kick(void);
void newsletter_sender_stop(void);

/* Deletes pending subscriptions whose link expired and unsubscribed ones
 * older than keep_days (0: at once). *n gets how many. */
int newsletter_purge(struct db *db, long long now, int keep_days, long long *n);

#endif
