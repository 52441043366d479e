/* form.c — see form.h. */
#include "web/form.h"

#include <stdio.h>
#include <string.h>

#include "core/email.h"
#include "core/i18n.h"
#include "core/url.h"
#include "core/when.h"

size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int email_plausible(const char *s)
{
	return email_check(s) == EMAIL_OK;
}

/* What to say beside an e-mail field that email_check() refused. */
static const char *email_error(enum lang lang, enum email_problem p)
{
	if (p == EMAIL_NON_ASCII)
		return i18n_tr(lang, N_("Please write the e-mail address in Latin letters without diacritics "
					"(ā, č, ē …), like name@example.lv."));
	return i18n_tr(lang, N_("Please enter an e-mail address like name@example.lv."));
}

/* Trims spaces around; keeps inner text. Arena copy. */
static const char *trim(struct req *r, const char *s)
{
	const char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	return arena_strndup(r->arena, s, (size_t)(e - s));
}

static int has_controls(const char *s, int multiline)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\r' || c == '\t') {
			if (!multiline && c != '\t')
				return 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

/* What is wrong with v, in lang; NULL when nothing. */
static const char *check(struct req *r, enum lang lang, const struct field *fd, const char *v)
{
	size_t n;
	unsigned long u;
	const char *const *c;

	if (!*v)
		return fd->required ? i18n_tr(lang, N_("This field is required.")) : NULL;
	switch (fd->type) {
	case F_TEXT:
	case F_TEXTAREA:
		if (has_controls(v, fd->type == F_TEXTAREA))
			return i18n_tr(lang, N_("This field contains characters that are not allowed."));
		n = utf8_chars(v);
		if (fd->min && n < fd->min)
			return arena_printf(r->arena, i18n_tr(lang, N_("Please write at least %zu characters.")),
					    fd->min);
		if (fd->max && n > fd->max)
			return arena_printf(
			    r->arena, i18n_tr(lang, N_("Please shorten this to at most %zu characters (now %zu).")),
			    fd->max, n);
		return NULL;
	case F_CHOICE:
		for (c = fd->choices; c && *c; c++)
			if (!strcmp(*c, v))
				return NULL;
		return i18n_tr(lang, N_("Please choose one of the options."));
	case F_EMAIL:
		if (strlen(v) > fd->max)
			return email_error(lang, EMAIL_TOO_LONG);
		return email_check(v) == EMAIL_OK ? NULL : email_error(lang, email_check(v));
	case F_NUMBER:
		if (url_uint(v, &u) != 0 || u < fd->min || u > fd->max)
			return arena_printf(r->arena, i18n_tr(lang, N_("This must be a whole number from %zu to %zu.")),
					    fd->min, fd->max);
		return NULL;
	case F_URL:
		if (has_controls(v, 0) || !url_http_ok(v))
			return i18n_tr(lang, N_("Please enter a web address that starts with https:// or http://, "
						"like https://www.example.lv."));
		return NULL;
	case F_PHONE:
		return phone_ok(v) ? NULL
				   : i18n_tr(lang, N_("Please enter a phone number of digits, like +371 67 000 000."));
	case F_DATE:
		return when_date_parse(v, NULL, NULL, NULL) == 0
			   ? NULL
			   : i18n_tr(lang, N_("Please enter a date like 2026-12-07 (year, month, day)."));
	case F_TIME:
		return when_time_parse(v, NULL, NULL) == 0
			   ? NULL
			   : i18n_tr(lang, N_("Please enter a time like 09:30 (hours and minutes)."));
	case F_SLUG:
		n = strlen(v);
		if (n < fd->min || n > fd->max || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != n ||
		    v[0] == '-' || v[n - 1] == '-' || strstr(v, "--"))
			return arena_printf(r->arena,
					    i18n_tr(lang, N_("Use %zu to %zu small Latin letters, digits and single "
							     "hyphens, like new-e-services.")),
					    fd->min, fd->max);
		return NULL;
	case F_ANY:
	case F_HONEYPOT:
	case F_END: return NULL;
	}
	return NULL;
}

int form_validate(struct req *r, const struct field *fields, struct form *f)
{
	int i;
	const char *raw;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < FORM_MAX_FIELDS && fields[i].type != F_END; i++) {
		raw = req_form(r, fields[i].name);
		f->value[i] = trim(r, raw ? raw : "");
		if (!f->value[i])
			f->value[i] = "";
		if (fields[i].type == F_HONEYPOT) {
			if (*f->value[i])
				f->spam = 1;
			continue;
		}
		f->error[i] = check(r, r->lang, &fields[i], f->value[i]);
		if (f->error[i])
			f->nerrors++;
		else if (fields[i].type == F_NUMBER && *f->value[i])
			url_uint(f->value[i], &f->number[i]);
	}
	return f->nerrors || f->spam ? -1 : 0;
}

int query_validate(struct req *r, const struct field *fields, struct form *f, enum lang lang)
{
	const struct field *fd;
	const char *v;
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < FORM_MAX_FIELDS && fields[i].type != F_END; i++) {
		fd = &fields[i];
		f->name[i] = fd->name;
		v = req_query(r, fd->name);
		if (!v && fd->alias) {
			f->name[i] = fd->alias;
			v = req_query(r, fd->alias);
		}
		if (!v) {
			f->name[i] = NULL;
			continue;
		}
		f->value[i] = v;
		f->error[i] = check(r, lang, fd, v);
		if (f->error[i])
			f->nerrors++;
		else if (fd->type == F_NUMBER && *v)
			url_uint(v, &f->number[i]);
	}
	return f->nerrors ? -1 : 0;
}

const char *query_error(struct req *r, const struct field *fields, const struct form *f, enum lang lang, int label)
{
	int i;

	for (i = 0; i < FORM_MAX_FIELDS && fields[i].type != F_END; i++) {
		if (!f->error[i])
			continue;
		if (label && fields[i].label)
			return arena_printf(r->arena, "%s (%s): %s", i18n_tr(lang, fields[i].label), f->name[i],
					    f->error[i]);
		return arena_printf(r->arena, "%s: %s", f->name[i], f->error[i]);
	}
	return NULL;
}

/* The number of words of spec; *found set when one of them is name (with
 * a '#' after it when number). */
static size_t spec_words(const char *spec, const char *name, int number, int *found)
{
	size_t n = name ? strlen(name) : 0, k, words = 0;
	const char *p;

	for (p = spec; *p; p += k) {
		while (*p == ' ')
			p++;
		k = strcspn(p, " ");
		if (!k)
			break;
		words++;
		if (name && k == n + (size_t)(number != 0) && !strncmp(p, name, n) && (!number || p[n] == '#'))
			*found = 1;
	}
	return words;
}

int query_spec_check(const char *spec, const struct field *fields, struct err *err)
{
	const char *names[2];
	size_t declared = 0;
	int i, j, found;

	if (!spec)
		spec = "";
	for (i = 0; i < FORM_MAX_FIELDS && fields[i].type != F_END; i++) {
		names[0] = fields[i].name;
		names[1] = fields[i].alias;
		for (j = 0; j < 2 && names[j]; j++, declared++) {
			found = 0;
			spec_words(spec, names[j], fields[i].type == F_NUMBER, &found);
			if (found)
				continue;
			err_set(err, ERR_INTERNAL, "\"%s\" does not name %s%s", spec, names[j],
				fields[i].type == F_NUMBER ? "# (a number)" : "");
			return -1;
		}
	}
	if (spec_words(spec, NULL, 0, &found) != declared) {
		err_set(err, ERR_INTERNAL, "\"%s\" names parameters that are not declared (or one twice)", spec);
		return -1;
	}
	return 0;
}

void form_to_ctx(struct req *r, const struct field *fields, const struct form *f, json_t *ctx)
{
	json_t *fo = json_object();
	json_t *errors = json_array();
	json_t *one;
	int i;

	for (i = 0; i < FORM_MAX_FIELDS && fields[i].type != F_END; i++) {
		one = json_object();
		json_object_set_new(one, "value", json_string(f->value[i] ? f->value[i] : ""));
		if (f->error[i]) {
			json_object_set_new(one, "error", json_string(f->error[i]));
			json_object_set_new(one, "invalid", json_true());
			json_array_append_new(errors,
					      json_pack("{s:s, s:s, s:s}", "field", fields[i].name, "label",
							fields[i].label ? i18n_tr(r->lang, fields[i].label) : "",
							"message", f->error[i]));
		}
		if (fields[i].type == F_CHOICE && f->value[i] && *f->value[i]) {
			/* lets templates mark the chosen option: f.topic.sel_question */
			json_object_set_new(one, arena_printf(r->arena, "sel_%s", f->value[i]), json_true());
		}
		json_object_set_new(fo, fields[i].name, one);
	}
	json_object_set_new(ctx, "f", fo);
	if (json_array_size(errors)) {
		json_object_set_new(ctx, "errors", errors);
		json_object_set_new(ctx, "has_errors", json_true());
	} else
		json_decref(errors);
}

void form_ctx_add_error(struct req *r, json_t *ctx, const char *field, const char *label, const char *message)
{
	json_t *errs = json_object_get(ctx, "errors");

	if (!errs) {
		errs = json_array();
		json_object_set_new(ctx, "errors", errs);
	}
	json_array_append_new(
	    errs, json_pack("{s:s, s:s, s:s}", "field", field, "label", i18n_tr(r->lang, label), "message", message));
	json_object_set_new(ctx, "has_errors", json_true());
}
