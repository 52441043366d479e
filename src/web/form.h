/* form.h — declared input. A form is a table of fields with their rules;
 * form_validate() reads exactly those fields from the request (anything
 * undeclared is dropped), checks them, and gives each bad field a message in
 * the person's language. Templates get the values back (to refill the form)
 * and the messages (beside each field and in a summary at the top). */
#ifndef EPAK_FORM_H
#define EPAK_FORM_H

#include <jansson.h>
#include <stddef.h>

#include "http/http.h"

enum field_type {
	F_TEXT,     /* one line */
	F_TEXTAREA, /* several lines */
	F_CHOICE,   /* one of choices[] */
	F_EMAIL,
	F_HONEYPOT, /* must stay empty: bots fill it */
	F_END
};

enum { OPTIONAL = 0, REQUIRED = 1 };

struct field {
	const char *name;
	enum field_type type;
	int required;
	size_t min, max;            /* characters (code points), for text */
	const char *const *choices; /* NULL-terminated, for F_CHOICE */
	const char *label;          /* msgid of the label, for the error summary */
};

#define FIELD_TEXT(n, req, mn, mx, label)                                                                              \
	{                                                                                                              \
		n, F_TEXT, req, mn, mx, NULL, label                                                                    \
	}
#define FIELD_TEXTAREA(n, req, mn, mx, label)                                                                          \
	{                                                                                                              \
		n, F_TEXTAREA, req, mn, mx, NULL, label                                                                \
	}
#define FIELD_CHOICE(n, req, ch, label)                                                                                \
	{                                                                                                              \
		n, F_CHOICE, req, 0, 0, ch, label                                                                      \
	}
#define FIELD_EMAIL(n, req, label)                                                                                     \
	{                                                                                                              \
		n, F_EMAIL, req, 3, 254, NULL, label                                                                   \
	}
#define FIELD_HONEYPOT(n)                                                                                              \
	{                                                                                                              \
		n, F_HONEYPOT, 0, 0, 0, NULL, NULL                                                                     \
	}
#define FIELD_END                                                                                                      \
	{                                                                                                              \
		NULL, F_END, 0, 0, 0, NULL, NULL                                                                       \
	}

#define FORM_MAX_FIELDS 32

struct form {
	const char *value[FORM_MAX_FIELDS]; /* trimmed, NFC-safe UTF-8, or "" */
	const char *error[FORM_MAX_FIELDS]; /* translated message, or NULL */
	int nerrors;
	int spam; /* the honeypot was filled */
};

/* 0 when every field is valid. */
int form_validate(struct req *r, const struct field *fields, struct form *f);
/* Adds "f": {name: {value, error, invalid}} and "errors": [{field, label,
 * message}] to ctx. */
void form_to_ctx(struct req *r, const struct field *fields, const struct form *f, json_t *ctx);
/* Adds an error of a field outside the declared ones (a file, a button) to
 * ctx's summary: field is the id to link to, label a msgid, message the
 * translated text. */
void form_ctx_add_error(struct req *r, json_t *ctx, const char *field, const char *label, const char *message);
/* Length in code points of valid UTF-8. */
size_t utf8_chars(const char *s);
/* 1 if s is an e-mail address epak can send to: email_check() of
 * core/email.h, the same rule the outbox applies. */
int email_plausible(const char *s);

#endif
