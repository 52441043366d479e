/* email.h — the one e-mail address rule of epak, used by every form that
 * asks for an address (src/web/form.c) and by the outbox that sends to it
 * (src/mail/message.c), so a form never accepts an address the mail code
 * would refuse after the person has done the work (signed with the card).
 *
 * An address is a plain ASCII addr-spec: a dot-atom local part (RFC 5322
 * atext, single inner dots, at most 64 bytes) "@" a DNS host name (letters,
 * digits, inner hyphens, at least two labels of at most 63, at most 253
 * bytes); at most 254 bytes in all. No quoted local parts, comments, domain
 * literals, display names or non-ASCII (no SMTPUTF8: "jānis@…" is refused;
 * an IDN domain must be given in punycode). Nothing that could carry a
 * second address or a line end into a header or the SMTP envelope. */
#ifndef EPAK_CORE_EMAIL_H
#define EPAK_CORE_EMAIL_H

#include <stddef.h>

#define EMAIL_MAX 254
#define EMAIL_MAX_LOCAL 64

enum email_problem {
	EMAIL_OK = 0,
	EMAIL_EMPTY,      /* "" */
	EMAIL_TOO_LONG,   /* over 254 bytes, or a local part over 64 */
	EMAIL_NO_AT,      /* no "@", or more than one */
	EMAIL_NON_ASCII,  /* a byte >= 0x80 (e.g. "jānis@…"): SMTPUTF8 is not supported */
	EMAIL_BAD_LOCAL,  /* the part before "@": empty, a character outside atext, "..", a dot at an end */
	EMAIL_BAD_DOMAIN, /* the part after "@" is not a host name with at least two labels */
};

/* EMAIL_OK when s (NUL-terminated) is an address epak accepts; otherwise
 * what is wrong (for a message; never echo the address into logs). */
enum email_problem email_check(const char *s);
/* The same for n bytes (which must not contain NUL to be valid). */
enum email_problem email_check_n(const char *s, size_t n);
/* 0 when h is a DNS host name as above (letters, digits, inner hyphens,
 * labels of 1..63, at least two, at most 253 bytes); -1 otherwise. */
int hostname_check(const char *h, size_t n);

#endif
