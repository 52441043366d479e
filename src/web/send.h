/* send.h — sending a signed document to an institution's official e-mail
 * address (src/web/page_send.c), shared by "Nosūtīt parakstītu dokumentu"
 * (upload a signed file) and "Parakstīt un nosūtīt" (sign here, then send,
 * src/web/page_sign.c). */
#ifndef EPAK_WEB_SEND_H
#define EPAK_WEB_SEND_H

#include <jansson.h>
#include <stddef.h>

#include "web/form.h"

struct req;
struct catalog;
struct organisation;
struct field;
struct form;

/* The fields both send forms ask for: the institution, an e-mail address
 * for the receipt, a message (and a honeypot). */
extern const struct field send_fields[];
enum { SF_ORG, SF_EMAIL, SF_MESSAGE };

/* Validates send_fields into f; *org is the chosen institution (one with
 * an official address) or NULL. Nonzero when a field is bad (its error set). */
int send_form_validate(struct req *r, struct form *f, const struct organisation **org);
/* Renders a send form: template tmpl titled title (msgid) with f's values
 * and errors (NULL: empty, the institution preselected from ?iestade=), the
 * institutions, and file_error (or NULL) for the file field file_id,
 * labelled file_label (msgid). */
void send_form_render(struct req *r, int status, const char *tmpl, const char *title, const struct form *f,
		      const char *file_id, const char *file_label, const char *file_error);

enum send_result {
	SEND_OK = 0,
	SEND_NOT_CONTAINER, /* not a readable .edoc/.asice */
	SEND_UNSIGNED,      /* no signature */
	SEND_INVALID,       /* a signature failed */
	SEND_TOO_BIG,       /* over the mail size limit */
	SEND_GONE,          /* the signing session was used up meanwhile */
	SEND_UNTRUSTED,     /* a signer does not chain to a trust anchor */
	SEND_UNCHECKED,     /* too large or too many signatures to check in full */
	SEND_FAILED,        /* an error page was already sent */
	SEND_LIMITED,       /* too many documents from this network or to this institution: try later */
	SEND_BUSY,          /* the outbox's daily byte budget is spent: try later */
};
/* The HTTP status for a result shown on the form (422, or 429 for the
 * "try later" ones). */
int send_result_status(int res);

struct send_request {
	const struct organisation *org; /* one with an official address */
	const char *file_name;
	const unsigned char *data;
	size_t len;
	const char *sender;  /* e-mail for the receipt, or "" / NULL */
	const char *message; /* to the institution, or "" / NULL */
	const char *receipt; /* the receipt number to use, or NULL for a new one */
	/* A signing session marked as sent in the same transaction (or NULL):
	 * its data becomes consume_data, only if it still holds the signed
	 * container; if another request got there first nothing is sent
	 * (SEND_GONE), so a double click or a second tab cannot send the
	 * document twice. */
	const char *consume_session, *consume_data;
};

/* Checks the signatures in the worker pool (offline, with the configured
 * trust, within the verify-* budgets; src/web/verify_job.h), then, back on
 * r's loop, writes the submission and its mails in one transaction. Only a
 * document whose every signature is checked in full, did not fail, and
 * chains to a trust anchor is sent. done(r, result, receipt, cls) runs on
 * the loop: on SEND_OK receipt is the receipt number (arena); on
 * SEND_FAILED an error page was sent; r is NULL when the client went away
 * (then only release cls). sr's strings must live as long as r; its data
 * is copied. 0: done will be called; -1: an answer was already sent and
 * done will not be called. */
typedef void (*send_done_fn)(struct req *r, int res, const char *receipt, void *cls);
int send_signed(struct req *r, const struct send_request *sr, send_done_fn done, void *cls);
/* A new receipt number (arena), e.g. 2026-K7WQ2M9XHA; NULL on failure. */
const char *send_new_receipt(struct req *r);
/* What to tell the person about a result other than SEND_OK / SEND_FAILED. */
const char *send_result_message(struct req *r, int res);
/* The address for documents signed with a secure e-signature: the e-mail of
 * such a channel of the institution's services, else its first contact's;
 * NULL when it has none. */
const char *org_official_email(const struct organisation *o);
/* The institutions that have one, sorted by name, for a <select>. */
json_t *send_org_options(struct req *r, const struct catalog *c, const char *selected);

/* ---- rate limits and the receipt by e-mail (src/web/receipt_mail.c) ----
 *
 * Nobody is logged in, so an address typed into a form is only a claim:
 * the portal sends it one fixed-text message with a single-use link (its
 * token is stored hashed, expires after confirm-minutes), and mails the
 * receipt only after the link has been opened and its button pressed. No
 * mail to a person carries anything the sender typed or uploaded. Every
 * counter lives in the database (store/ratelimit.h), so limits hold across
 * nodes; keys are HMACs under the server secret. */
struct db;

/* kind ":" HMAC-SHA256(secret, value) as hex (arena): a rate-limit key, or
 * a receipt number fit for a log line (kind "r"). */
const char *send_private_key(struct req *r, const char *kind, const char *value);
/* In the submission's db_tx() body: one more document from this network
 * (limit-send-network per hour) and to this institution
 * (limit-send-institution per hour). DB_OK, RATE_LIMITED, or a DB_E* error. */
int send_take_limits(struct db *db, struct req *r, const char *org_slug, long long now);
/* In the submission's db_tx() body, after its row: asks email to confirm
 * (limit-confirm-address per day, -network and -browser per hour) and
 * records the outcome in submission.receipt_mail ("pending" for an address
 * given with the document, "asked" for one added later on the receipt
 * page, "limited", "unavailable"). Only a "pending" address goes to the
 * institution once confirmed; an "asked" one gets the receipt only (anyone
 * who knows the receipt number can add one). DB_OK, OUTBOX_EBUDGET (roll
 * back: try later), or a DB_E* error. */
int receipt_confirm_start(struct db *db, struct req *r, const char *receipt, const char *email, long long now,
			  int with_document);

#endif
