/* smtp.h — hands one stored message to the SMTP relay, with libcurl.
 *
 * The relay is EPAK_SMTP_URL: smtp://host:port (STARTTLS when offered, or
 * required, or never: EPAK_SMTP_TLS) or smtps://host:port (TLS from the
 * first byte). Certificates are always verified (EPAK_SMTP_CA_FILE adds a
 * private CA). AUTH with EPAK_SMTP_USER/EPAK_SMTP_PASSWORD, only ever over
 * TLS. Bounded by EPAK_SMTP_CONNECT_TIMEOUT and EPAK_SMTP_TIMEOUT.
 *
 * smtp_send() blocks for up to the timeout: call it from the mail worker,
 * never from an event loop. All recipients must be accepted, or nothing is
 * sent (one message per recipient when they should fail independently).
 */
#ifndef EPAK_MAIL_SMTP_H
#define EPAK_MAIL_SMTP_H

#include <stddef.h>

#include "mail/outbox.h"

enum smtp_outcome {
	SMTP_SENT = 0,     /* the relay answered 250 to the end of DATA: it has the message */
	SMTP_TEMPFAIL = 1, /* try again later: 4xx, network, TLS, timeout, our own settings */
	SMTP_PERMFAIL = 2, /* the relay refused this message for good: 5xx to RCPT or DATA */
};

struct smtp_result {
	enum smtp_outcome outcome;
	int code;       /* the relay's last reply code; 0 when none came */
	char stage[12]; /* the command that drew it: CONNECT, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA */
	int uncertain;  /* failed after the whole message was sent, before the relay's answer:
			  * the relay may have it (see docs/mail.md) */
	char why[320];  /* for last_error: stage, code, the relay's words or libcurl's; e-mail
			  * addresses replaced by "<address>", never content */
};

/* Optional hooks into one exchange; cls is passed to both. */
struct smtp_hooks {
	/* Non-zero aborts the exchange (shutdown). Called about once a second
	 * and whenever data moves. */
	int (*cancel)(void *cls);
	/* Called the moment the relay has answered 250 to the end of DATA,
	 * before anything else happens (before QUIT, before the connection is
	 * closed): the place to record "sent" (docs/mail.md, "Crashes"). */
	void (*accepted)(void *cls);
	void *cls;
};

/* Sends msg[0..len) (CRLF line ends, as stored by the outbox) from sender
 * to every rcpt. Fills *r; returns r->outcome. hooks may be NULL. */
enum smtp_outcome smtp_send(const struct mail_config *c, const char *sender, const char *const *rcpt, size_t nrcpt,
			    const void *msg, size_t len, const struct smtp_hooks *hooks, struct smtp_result *r);

/* A connection kept for several messages with the same settings (one
 * delivery pass of the worker): the next message goes over the connection
 * the previous one left open (a new MAIL FROM on it) instead of a TCP and
 * TLS handshake and EHLO per message. libcurl reuses it only when it is
 * still alive and closes it after a failed exchange. Zero-initialise;
 * smtp_conn_close() ends it (QUIT). */
struct smtp_conn {
	void *curl; /* CURL *, NULL until the first message */
};
enum smtp_outcome smtp_send_on(struct smtp_conn *conn, const struct mail_config *c, const char *sender,
			       const char *const *rcpt, size_t nrcpt, const void *msg, size_t len,
			       const struct smtp_hooks *hooks, struct smtp_result *r);
void smtp_conn_close(struct smtp_conn *conn);

/* How a failed exchange is classified (exposed for tests): code is the
 * relay's reply code (0: none), stage the command it answered. */
enum smtp_outcome smtp_classify(int code, const char *stage);

#endif
