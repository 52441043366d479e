/* form.h — declared input. A form is a table of fields with their rules;
 * form_validate() reads exactly those fields from the request (anything
 * undeclared is dropped), checks them, and gives each bad field a message in
 * the person's language. Templates get the values back (to refill the form)
 * and the messages (beside each field and in a summary at the top).
 *
 * Query strings and API parameters are declared the same way and read with
 * query_validate(): a page and an API that take the same parameters share
 * one table. A route's cache key (the 5th field of its entry in routes.c)
 * must name the same parameters: query_spec_check() compares the two. */
#ifndef EPAK_FORM_H
#define EPAK_FORM_H

#include <jansson.h>
#include <stddef.h>

#include "http/http.h"
#include "core/err.h"
#include "core/phone.h"
#include "core/url.h"

enum field_type {
	F_TEXT,     /* one line */
	F_TEXTAREA, /* several lines */
	F_CHOICE,   /* one of choices[] */
	F_EMAIL,
	F_HONEYPOT, /* must stay empty: bots fill it */
	F_NUMBER,   /* a whole number from min to max: digits only (leading zeros allowed) */
	F_ANY,      /* any text, as sent (a search query): the handler checks it */
	F_URL,      /* an absolute http(s) link (core/url.h url_http_ok) */
	F_PHONE,    /* a telephone number (core/phone.h phone_ok) */
	F_DATE,     /* a calendar date YYYY-MM-DD (core/when.h when_date_parse) */
	F_TIME,     /* a time of day HH:MM (core/when.h when_time_parse) */
	F_SLUG,     /* an address part: small Latin letters, digits, single inner hyphens (min to max) */
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
	const char *alias;          /* another accepted name (older links), or NULL */
};

#define FIELD_TEXT(n, req, mn, mx, label)                                                                              \
	{                                                                                                              \
		n, F_TEXT, req, mn, mx, NULL, label, NULL                                                              \
	}
#define FIELD_TEXTAREA(n, req, mn, mx, label)                                                                          \
	{                                                                                                              \
		n, F_TEXTAREA, req, mn, mx, NULL, label, NULL                                                          \
	}
#define FIELD_CHOICE(n, req, ch, label)                                                                                \
	{                                                                                                              \
		n, F_CHOICE, req, 0, 0, ch, label, NULL                                                                \
	}
#define FIELD_EMAIL(n, req, label)                                                                                     \
	{                                                                                                              \
		n, F_EMAIL, req, 3, 254, NULL, label, NULL                                                             \
	}
#define FIELD_URL(n, req, label)                                                                                       \
	{                                                                                                              \
		n, F_URL, req, 0, URL_MAX, NULL, label, NULL                                                           \
	}
#define FIELD_PHONE(n, req, label)                                                                                     \
	{                                                                                                              \
		n, F_PHONE, req, 0, PHONE_MAX, NULL, label, NULL                                                       \
	}
#define FIELD_DATE(n, req, label)                                                                                      \
	{                                                                                                              \
		n, F_DATE, req, 10, 10, NULL, label, NULL                                                              \
	}
#define FIELD_TIME(n, req, label)                                                                                      \
	{                                                                                                              \
		n, F_TIME, req, 5, 5, NULL, label, NULL                                                                \
	}
#define FIELD_SLUG(n, req, mn, mx, label)                                                                              \
	{                                                                                                              \
		n, F_SLUG, req, mn, mx, NULL, label, NULL                                                              \
	}
#define FIELD_HONEYPOT(n)                                                                                              \
	{                                                                                                              \
		n, F_HONEYPOT, 0, 0, 0, NULL, NULL, NULL                                                               \
	}
/* A query parameter: a number from mn to max, or any text; alias NULL or a second name. */
#define FIELD_NUMBER(n, alias, mn, mx, label)                                                                          \
	{                                                                                                              \
		n, F_NUMBER, OPTIONAL, mn, mx, NULL, label, alias                                                      \
	}
#define FIELD_ANY(n, alias, label)                                                                                     \
	{                                                                                                              \
		n, F_ANY, OPTIONAL, 0, 0, NULL, label, alias                                                           \
	}
#define FIELD_END                                                                                                      \
	{                                                                                                              \
		NULL, F_END, 0, 0, 0, NULL, NULL, NULL                                                                 \
	}

#define FORM_MAX_FIELDS 32

struct form {
	const char
	    *value[FORM_MAX_FIELDS]; /* trimmed, NFC-safe UTF-8, or "" (query_validate: as sent, NULL when absent) */
	const char *error[FORM_MAX_FIELDS];    /* translated message, or NULL */
	unsigned long number[FORM_MAX_FIELDS]; /* an F_NUMBER's value (0 when absent or empty) */
	const char *name[FORM_MAX_FIELDS];     /* query_validate: the name it came under (name or alias), or NULL */
	int nerrors;
	int spam; /* the honeypot was filled */
};

/* 0 when every field is valid. */
int form_validate(struct req *r, const struct field *fields, struct form *f);
/* The same for the query string: each field is read under its name, else
 * its alias; values are not trimmed; an empty value counts as absent. The
 * messages are in lang: the page's for a page, LANG_EN for an API (whose
 * details are English). 0 when every parameter is valid. */
int query_validate(struct req *r, const struct field *fields, struct form *f, enum lang lang);
/* The first bad parameter as "name: message" (an API's detail) or, with
 * label set, "Label (name): message" (an error page's), with the name it
 * was sent under; lang as given to query_validate. NULL when none. */
const char *query_error(struct req *r, const struct field *fields, const struct form *f, enum lang lang, int label);
/* 0 when spec (a route's cache key: "q limit# ...", numbers marked '#')
 * names exactly the fields' names and aliases, numbers marked; else -1 with
 * the reason in err. */
int query_spec_check(const char *spec, const struct field *fields, struct err *err);
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
