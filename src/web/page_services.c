/* page_services.c — editing services in the back office (issue 11 point 1):
 * the list of the services a person may edit (/birojs/pakalpojumi), one
 * service's form (/birojs/pakalpojumi/{slug}: GET shows it, POST saves a
 * draft, publishes or withdraws it through svc_save) and a new service
 * (/birojs/pakalpojumi/jauns).
 *
 * The form is the service form of catalog/edit.h, one HTML field per
 * member, named by its path ("title.lv", "channels.0.url"). Lists are
 * repeatable groups that work without JavaScript: the rows there are plus
 * one empty row, and an "add a row" button that re-renders the form with
 * what was typed kept and one more empty row; a row left empty is dropped.
 * A failed save shows the form again with each message beside its field
 * and a summary at the top linking to the fields; nothing is written.
 *
 * Who: an administrator edits every service; an institution editor only
 * the services of their institutions, and may not give a service to an
 * institution that is not theirs (403, nothing written, also for slugs
 * guessed and forms posted directly). Every save is in the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/edit.h"
#include "catalog/model.h"
#include "catalog/versions.h"
#include "core/config.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/url.h"
#include "http/site.h"
#include "http/parse.h"
#include "store/db.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/snapshot.h"
#include "web/web.h"

#define EDIT_ROLES (ROLE_ADMIN | ROLE_INSTITUTION)
#define PER_PAGE 50
/* rows a group may have on the page (svc_form_check allows no more either) */
#define ROW_CAP 20

/* ---- who may edit what ---- */

static int may_edit(struct req *r, const char *institution)
{
	return auth_has_role(r, ROLE_ADMIN, NULL) ||
	       (institution && *institution && auth_has_role(r, ROLE_INSTITUTION, institution));
}

/* ---- the form on the page ---- */

struct page {
	struct req *r;
	const struct catalog *c;
	const struct form_problems *p; /* NULL before a save */
	json_t *errors;                /* the summary: [{field, label, message}] */
};

static const char *tr(struct req *r, const char *msgid)
{
	return i18n_tr(r->lang, msgid);
}

/* "channels.0.url" → "f-channels-0-url" */
static const char *field_id(struct req *r, const char *path)
{
	char *id = arena_printf(r->arena, "f-%s", path), *c;

	for (c = id; *c; c++)
		if (*c == '.')
			*c = '-';
	return id;
}

/* The message of path (or of a path under it when prefix is set). */
static const char *problem_of(const struct page *pg, const char *path, int prefix)
{
	int i;
	size_t n = strlen(path);

	for (i = 0; pg->p && i < pg->p->n; i++)
		if (!strcmp(pg->p->v[i].path, path) ||
		    (prefix && !strncmp(pg->p->v[i].path, path, n) && pg->p->v[i].path[n] == '.'))
			return pg->p->v[i].msgid;
	return NULL;
}

static void mark(struct page *pg, json_t *f, const char *id, const char *label, const char *msgid)
{
	const char *msg = tr(pg->r, msgid);

	json_object_set_new(f, "error", json_string(msg));
	json_object_set_new(f, "invalid", json_true());
	json_array_append_new(pg->errors, json_pack("{s:s,s:s,s:s}", "field", id, "label", label, "message", msg));
}

enum kind { K_TEXT, K_TEXTAREA, K_URL, K_EMAIL, K_TEL, K_SELECT };

/* One field: its name is its path in the form. */
static json_t *field(struct page *pg, const char *path, const char *label_msgid, const char *value, enum kind k,
		     int required, const char *hint_msgid)
{
	struct req *r = pg->r;
	const char *id = field_id(r, path), *label = tr(r, label_msgid), *msg = problem_of(pg, path, 0);
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:b}", "id", id, "name", path, "label", label, "value",
			      value ? value : "", "required", required);
	const char *describedby = NULL;

	if (k == K_TEXTAREA)
		json_object_set_new(f, "textarea", json_true());
	else if (k == K_SELECT)
		json_object_set_new(f, "select", json_true());
	else
		json_object_set_new(f, "input",
				    json_string(k == K_URL     ? "url"
						: k == K_EMAIL ? "email"
						: k == K_TEL   ? "tel"
							       : "text"));
	if (hint_msgid) {
		json_object_set_new(f, "hint", json_string(tr(r, hint_msgid)));
		describedby = arena_printf(r->arena, "%s-hint", id);
	}
	if (msg) {
		mark(pg, f, id, label, msg);
		describedby =
		    arena_printf(r->arena, "%s%s%s-error", describedby ? describedby : "", describedby ? " " : "", id);
	}
	if (describedby)
		json_object_set_new(f, "describedby", json_string(describedby));
	return f;
}

static const char *mstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static const char *lvs(const json_t *o, const char *k, const char *lang)
{
	return mstr(json_object_get(o, k), lang);
}

/* Two fields for text in Latvian and English. */
static void lv_en(struct page *pg, json_t *fields, const char *base, const json_t *o, const char *k,
		  const char *lv_label, const char *en_label, enum kind kind, int lv_required)
{
	json_array_append_new(fields, field(pg, arena_printf(pg->r->arena, "%s.lv", base), lv_label, lvs(o, k, "lv"),
					    kind, lv_required, NULL));
	json_array_append_new(
	    fields, field(pg, arena_printf(pg->r->arena, "%s.en", base), en_label, lvs(o, k, "en"), kind, 0, NULL));
}

static json_t *option(const char *value, const char *label, const char *current)
{
	return json_pack("{s:s,s:s,s:b}", "value", value, "label", label, "selected", !strcmp(value, current));
}

/* A select of fixed choices (value, msgid pairs; the first is ""). A value
 * the list does not have (an import brought it) is kept as an option. */
static json_t *choice(struct page *pg, const char *path, const char *label, const char *current,
		      const char *const (*ch)[2], size_t n)
{
	json_t *f = field(pg, path, label, current, K_SELECT, 0, NULL), *opts = json_array();
	size_t i;
	int found = 0;

	for (i = 0; i < n; i++) {
		json_array_append_new(opts, option(ch[i][0], tr(pg->r, ch[i][1]), current));
		found |= !strcmp(ch[i][0], current);
	}
	if (!found)
		json_array_append_new(opts, option(current, current, current));
	json_object_set_new(f, "options", opts);
	return f;
}

static const char *const AUDIENCE[][2] = {{"", N_("Not stated")},
					  {"citizen", N_("Residents")},
					  {"business", N_("Businesses")},
					  {"both", N_("Residents and businesses")}};
static const char *const STATUS[][2] = {
    {"", N_("Not stated")}, {"active", N_("Active")}, {"inactive", N_("Inactive")}, {"planned", N_("Planned")}};
static const char *const YESNO[][2] = {{"", N_("Not stated")}, {"yes", N_("Yes")}, {"no", N_("No")}};
static const char *const CHANNEL_TYPE[][2] = {{"", N_("Choose")},
					      {"online", N_("Online (e-service)")},
					      {"in-person", N_("In person")},
					      {"email-esign", N_("E-mail signed with a secure e-signature")},
					      {"phone", N_("By phone")},
					      {"post", N_("By post")},
					      {"email", N_("By e-mail")}};
static const char *const CURRENCY[][2] = {{"", N_("None")}, {"EUR", N_("euro (EUR)")}};
static const char *const AUTH[][2] = {
    {"eid", N_("eID card")}, {"eparaksts-mobile", N_("eParaksts mobile")}, {"bank", N_("Internet bank")}};

/* A repeatable group: rows, then empty rows up to extra more. */
struct group {
	const char *key, *legend, *row_label, *add_label;
	void (*row)(struct page *pg, json_t *fields, const char *base, const json_t *row);
};

static void item_row(struct page *pg, json_t *fields, const char *base, const json_t *row)
{
	lv_en(pg, fields, arena_printf(pg->r->arena, "%s.title", base), row, "title", N_("Title in Latvian"),
	      N_("Title in English"), K_TEXT, 1);
	lv_en(pg, fields, arena_printf(pg->r->arena, "%s.description", base), row, "description",
	      N_("Description in Latvian"), N_("Description in English"), K_TEXTAREA, 0);
}

static void channel_row(struct page *pg, json_t *fields, const char *base, const json_t *row)
{
	struct arena *a = pg->r->arena;

	json_array_append_new(fields, choice(pg, arena_printf(a, "%s.type", base), N_("Kind of channel"),
					     mstr(row, "type"), CHANNEL_TYPE, 7));
	json_array_append_new(fields,
			      field(pg, arena_printf(a, "%s.url", base), N_("Address (URL)"), mstr(row, "url"), K_URL,
				    0, N_("For an e-service: where it starts. https:// or http:// only.")));
	json_array_append_new(fields, field(pg, arena_printf(a, "%s.email", base), N_("E-mail address"),
					    mstr(row, "email"), K_EMAIL, 0,
					    N_("For signed documents: the institution's official e-mail address.")));
	json_array_append_new(
	    fields, field(pg, arena_printf(a, "%s.phone", base), N_("Phone"), mstr(row, "phone"), K_TEL, 0, NULL));
	lv_en(pg, fields, arena_printf(a, "%s.description", base), row, "description", N_("What to do, in Latvian"),
	      N_("What to do, in English"), K_TEXTAREA, 0);
	lv_en(pg, fields, arena_printf(a, "%s.hours", base), row, "hours", N_("Opening hours in Latvian"),
	      N_("Opening hours in English"), K_TEXT, 0);
}

static void cost_row(struct page *pg, json_t *fields, const char *base, const json_t *row)
{
	struct arena *a = pg->r->arena;

	json_array_append_new(fields, field(pg, arena_printf(a, "%s.value", base), N_("Amount"), mstr(row, "value"),
					    K_TEXT, 0, N_("A number such as 12.50; empty when the price depends.")));
	json_array_append_new(fields, choice(pg, arena_printf(a, "%s.currency", base), N_("Currency"),
					     mstr(row, "currency"), CURRENCY, 2));
	lv_en(pg, fields, arena_printf(a, "%s.description", base), row, "description", N_("What it is for, in Latvian"),
	      N_("What it is for, in English"), K_TEXTAREA, 0);
	json_array_append_new(
	    fields, field(pg, arena_printf(a, "%s.url", base), N_("Price list (URL)"), mstr(row, "url"), K_URL, 0,
			  N_("The page of the price list; the public page links \"saskaņā ar cenrādi\" to it.")));
}

static void legal_row(struct page *pg, json_t *fields, const char *base, const json_t *row)
{
	struct arena *a = pg->r->arena;

	lv_en(pg, fields, arena_printf(a, "%s.title", base), row, "title", N_("Title of the act in Latvian"),
	      N_("Title of the act in English"), K_TEXT, 0);
	json_array_append_new(fields, field(pg, arena_printf(a, "%s.url", base), N_("Address of the act (URL)"),
					    mstr(row, "url"), K_URL, 0, N_("For example https://likumi.lv/ta/id/…")));
}

static const struct group GROUPS[] = {
    {"requirements", N_("Requirements"), N_("Requirement"), N_("Add a requirement"), item_row},
    {"inputs", N_("Documents to bring"), N_("Document"), N_("Add a document"), item_row},
    {"outputs", N_("What you receive"), N_("Result"), N_("Add a result"), item_row},
    {"channels", N_("Channels: where and how to apply"), N_("Channel"), N_("Add a channel"), channel_row},
    {"costs", N_("Costs"), N_("Cost"), N_("Add a cost"), cost_row},
    {"legal", N_("Legal basis"), N_("Legal act"), N_("Add a legal act"), legal_row},
};
#define NGROUPS (sizeof(GROUPS) / sizeof(GROUPS[0]))

static json_t *group_ctx(struct page *pg, const struct group *g, const json_t *rows, int extra)
{
	struct req *r = pg->r;
	json_t *out = json_object(), *list = json_array();
	size_t n = json_array_size(rows), total = n + (size_t)(extra > 0 ? extra : 0), i;
	const char *msg = problem_of(pg, g->key, 0), *id = field_id(r, g->key);

	if (total > ROW_CAP)
		total = n > ROW_CAP ? n : ROW_CAP;
	for (i = 0; i < total; i++) {
		json_t *fields = json_array(), *row = i < n ? json_array_get(rows, i) : NULL;
		const char *base = arena_printf(r->arena, "%s.%zu", g->key, i);

		g->row(pg, fields, base, row ? row : json_object());
		json_array_append_new(list, json_pack("{s:s,s:o}", "legend",
						      arena_printf(r->arena, "%s %zu", tr(r, g->row_label), i + 1),
						      "fields", fields));
	}
	json_object_set_new(out, "key", json_string(g->key));
	json_object_set_new(out, "id", json_string(id));
	json_object_set_new(out, "legend", json_string(tr(r, g->legend)));
	json_object_set_new(out, "add_label", json_string(tr(r, g->add_label)));
	json_object_set_new(out, "rows", list);
	json_object_set_new(out, "count", json_integer((json_int_t)total));
	json_object_set_new(out, "can_add", json_boolean(total < ROW_CAP));
	if (msg) {
		json_object_set_new(out, "error", json_string(tr(r, msg)));
		json_array_append_new(pg->errors, json_pack("{s:s,s:s,s:s}", "field", id, "label", tr(r, g->legend),
							    "message", tr(r, msg)));
	}
	return out;
}

/* Checkboxes: the slugs of opts (value, label) that form member k holds. */
static json_t *checks(struct page *pg, const char *k, const char *legend, json_t *opts, const json_t *form)
{
	struct req *r = pg->r;
	const json_t *have = json_object_get(form, k), *v;
	json_t *out = json_object(), *o;
	const char *msg = problem_of(pg, k, 1), *id = field_id(r, k);
	size_t i, j;

	json_array_foreach(opts, i, o)
	{
		int on = 0;

		json_array_foreach(have, j, v)
		{
			on |= json_is_string(v) && !strcmp(json_string_value(v), mstr(o, "value"));
		}
		json_object_set_new(o, "checked", json_boolean(on));
		json_object_set_new(o, "id", json_string(arena_printf(r->arena, "%s-%zu", id, i)));
	}
	json_object_set_new(out, "id", json_string(id));
	json_object_set_new(out, "name", json_string(k));
	json_object_set_new(out, "legend", json_string(legend));
	json_object_set_new(out, "options", opts);
	json_object_set_new(out, "has_options", json_boolean(json_array_size(opts)));
	if (msg) {
		json_object_set_new(out, "error", json_string(tr(r, msg)));
		json_array_append_new(pg->errors,
				      json_pack("{s:s,s:s,s:s}", "field", id, "label", legend, "message", tr(r, msg)));
	}
	return out;
}

/* The institutions the person may choose as a service's authority. */
static json_t *authority_field(struct page *pg, const char *current)
{
	struct req *r = pg->r;
	const struct person *p = auth_person(r);
	json_t *f = field(pg, "authority", N_("Institution"), current, K_SELECT, 1, NULL), *opts = json_array();
	int admin = auth_has_role(r, ROLE_ADMIN, NULL), found = 0;
	size_t i;

	for (i = 0; i < pg->c->norgs; i++) {
		const struct organisation *o = pg->c->orgs[i];
		const char *name = ml(r, &o->name);

		if (!admin && !auth_has_role(r, ROLE_INSTITUTION, o->slug))
			continue;
		json_array_append_new(opts, option(o->slug, name ? name : o->slug, current));
		found |= !strcmp(o->slug, current);
	}
	(void)p;
	if (!found && *current)
		json_array_append_new(opts, option(current, current, current));
	json_object_set_new(f, "options", opts);
	return f;
}

static void contact_option(struct page *pg, json_t *opts, const struct contact_point *cp)
{
	const json_t *v;
	const char *t;
	size_t j;

	if (!cp || !cp->slug || !cp->iri)
		return;
	json_array_foreach(opts, j, v)
	{
		if (!strcmp(mstr(v, "value"), cp->slug))
			return;
	}
	t = ml(pg->r, &cp->title);
	json_array_append_new(opts, json_pack("{s:s,s:s}", "value", cp->slug, "label",
					      t ? arena_printf(pg->r->arena, "%s (%s)", t, cp->slug) : cp->slug));
}

static void contact_options(struct page *pg, json_t *opts, const struct organisation *o, const json_t *have)
{
	const json_t *v;
	size_t i;

	for (i = 0; o && i < o->ncontacts; i++)
		contact_option(pg, opts, o->contacts[i]);
	json_array_foreach(have, i, v)
	{
		if (json_is_string(v))
			contact_option(pg, opts, catalog_contact(pg->c, json_string_value(v)));
	}
}

/* extra[i]: how many empty rows group i gets. */
static json_t *form_ctx(struct page *pg, const json_t *form, const int *extra, int is_new)
{
	struct req *r = pg->r;
	json_t *ctx = json_object(), *main = json_array(), *groups = json_array(), *opts;
	size_t i;

	json_array_append_new(main,
			      field(pg, "identifier", N_("Identifier"), mstr(form, "identifier"), K_TEXT, 1,
				    is_new ? N_("Latin letters, digits and - _ . /; the service's address is made "
						"from it and it cannot be changed later.")
					   : N_("Fixed once the service exists.")));
	if (!is_new)
		json_object_set_new(json_array_get(main, 0), "readonly", json_true());
	json_array_append_new(main, authority_field(pg, mstr(form, "authority")));
	lv_en(pg, main, "title", form, "title", N_("Title in Latvian"), N_("Title in English"), K_TEXT, 1);
	lv_en(pg, main, "description", form, "description", N_("Description in Latvian"), N_("Description in English"),
	      K_TEXTAREA, 1);
	lv_en(pg, main, "keywords", form, "keywords", N_("Search words in Latvian"), N_("Search words in English"),
	      K_TEXT, 0);
	json_object_set_new(json_array_get(main, json_array_size(main) - 2), "hint",
			    json_string(tr(r, N_("Separated by commas."))));
	json_array_append_new(main, choice(pg, "audience", N_("Who it is for"), mstr(form, "audience"), AUDIENCE, 4));
	json_array_append_new(main, choice(pg, "status", N_("Status"), mstr(form, "status"), STATUS, 4));
	json_array_append_new(
	    main, choice(pg, "e_service", N_("Can be received online (e-service)"), mstr(form, "e_service"), YESNO, 3));
	json_array_append_new(main, field(pg, "processing_time", N_("How long it takes"), mstr(form, "processing_time"),
					  K_TEXT, 0, N_("As an ISO 8601 duration: P10D is ten days, P1M a month.")));
	json_object_set_new(ctx, "main", main);
	for (i = 0; i < NGROUPS; i++)
		json_array_append_new(
		    groups, group_ctx(pg, &GROUPS[i], json_object_get(form, GROUPS[i].key), extra ? extra[i] : 1));
	json_object_set_new(ctx, "groups", groups);
	opts = json_array();
	for (i = 0; i < pg->c->nevents; i++) {
		const struct event *e = pg->c->events[i];

		json_array_append_new(opts, json_pack("{s:s,s:s}", "value", e->slug, "label",
						      ml(r, &e->title) ? ml(r, &e->title) : e->slug));
	}
	json_object_set_new(ctx, "events", checks(pg, "events", tr(r, N_("Life and business situations")), opts, form));
	/* contact points: the institution's, and those the service names now
	 * (a catalog of 100 000 services has far too many to list them all) */
	opts = json_array();
	contact_options(pg, opts, catalog_org(pg->c, mstr(form, "authority")), json_object_get(form, "contacts"));
	json_object_set_new(ctx, "contacts", checks(pg, "contacts", tr(r, N_("Contact points")), opts, form));
	opts = json_array();
	for (i = 0; i < sizeof(AUTH) / sizeof(AUTH[0]); i++)
		json_array_append_new(opts, json_pack("{s:s,s:s}", "value", AUTH[i][0], "label", tr(r, AUTH[i][1])));
	json_object_set_new(ctx, "auth_methods",
			    checks(pg, "auth_methods", tr(r, N_("Ways of logging in to the e-service")), opts, form));
	return ctx;
}

/* ---- the form from a request ---- */

static const char *posted(struct req *r, const char *name)
{
	const char *v = req_form(r, name);

	return v ? v : "";
}

/* Text as typed, with surrounding spaces (and a textarea's \r) dropped. */
static json_t *clean(const char *s)
{
	size_t n;
	const char *e;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strlen(s);
	e = s + n;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	return json_stringn_nocheck(s, (size_t)(e - s));
}

static json_t *lv_en_posted(struct req *r, const char *base)
{
	return json_pack("{s:o,s:o}", "lv", clean(posted(r, arena_printf(r->arena, "%s.lv", base))), "en",
			 clean(posted(r, arena_printf(r->arena, "%s.en", base))));
}

/* Every value of a repeated field (checkboxes). */
static json_t *all_posted(struct req *r, const char *name)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; r->form && i < r->form->n; i++)
		if (!strcmp(r->form->items[i].name, name) && json_array_size(a) < 64)
			json_array_append_new(
			    a, json_stringn_nocheck(r->form->items[i].value, strnlen(r->form->items[i].value, 256)));
	return a;
}

/* 1 when every string under v is empty. */
static int blank(const json_t *v)
{
	const char *k;
	const json_t *x;
	size_t i;

	if (json_is_string(v))
		return !*json_string_value(v);
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
		{
			if (!blank(x))
				return 0;
		}
	}
	if (json_is_array(v))
		json_array_foreach(v, i, x)
		{
			if (!blank(x))
				return 0;
		}
	return 1;
}

static json_t *row_posted(struct req *r, const char *key, const char *base)
{
	struct arena *a = r->arena;

	if (!strcmp(key, "channels"))
		return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "type",
				 clean(posted(r, arena_printf(a, "%s.type", base))), "url",
				 clean(posted(r, arena_printf(a, "%s.url", base))), "email",
				 clean(posted(r, arena_printf(a, "%s.email", base))), "phone",
				 clean(posted(r, arena_printf(a, "%s.phone", base))), "description",
				 lv_en_posted(r, arena_printf(a, "%s.description", base)), "hours",
				 lv_en_posted(r, arena_printf(a, "%s.hours", base)));
	if (!strcmp(key, "costs")) {
		/* a decimal comma is kept as a point: the form and the record agree */
		char *v = arena_strdup(a, posted(r, arena_printf(a, "%s.value", base))), *c;

		for (c = v; c && *c; c++)
			if (*c == ',')
				*c = '.';
		return json_pack("{s:o,s:o,s:o,s:o}", "value", clean(v ? v : ""), "currency",
				 clean(posted(r, arena_printf(a, "%s.currency", base))), "description",
				 lv_en_posted(r, arena_printf(a, "%s.description", base)), "url",
				 clean(posted(r, arena_printf(a, "%s.url", base))));
	}
	if (!strcmp(key, "legal"))
		return json_pack("{s:o,s:o}", "title", lv_en_posted(r, arena_printf(a, "%s.title", base)), "url",
				 clean(posted(r, arena_printf(a, "%s.url", base))));
	return json_pack("{s:o,s:o}", "title", lv_en_posted(r, arena_printf(a, "%s.title", base)), "description",
			 lv_en_posted(r, arena_printf(a, "%s.description", base)));
}

/* The form the request holds; rendered[i]: rows group i had on the page
 * (empty ones included). Rows left empty are dropped. */
static json_t *form_posted(struct req *r, int *rendered)
{
	json_t *f = json_object();
	size_t g;

	json_object_set_new(f, "identifier", clean(posted(r, "identifier")));
	json_object_set_new(f, "authority", clean(posted(r, "authority")));
	json_object_set_new(f, "title", lv_en_posted(r, "title"));
	json_object_set_new(f, "description", lv_en_posted(r, "description"));
	json_object_set_new(f, "keywords", lv_en_posted(r, "keywords"));
	json_object_set_new(f, "audience", clean(posted(r, "audience")));
	json_object_set_new(f, "events", all_posted(r, "events"));
	json_object_set_new(f, "status", clean(posted(r, "status")));
	json_object_set_new(f, "e_service", clean(posted(r, "e_service")));
	json_object_set_new(f, "processing_time", clean(posted(r, "processing_time")));
	for (g = 0; g < NGROUPS; g++) {
		const char *key = GROUPS[g].key;
		unsigned long n = strtoul(posted(r, arena_printf(r->arena, "rows.%s", key)), NULL, 10), i;
		json_t *rows = json_array();

		if (n > ROW_CAP + 1)
			n = ROW_CAP + 1; /* one more than the page shows: svc_form_check says "too many" */
		for (i = 0; i < n; i++) {
			json_t *row = row_posted(r, key, arena_printf(r->arena, "%s.%lu", key, i));

			if (blank(row))
				json_decref(row);
			else
				json_array_append_new(rows, row);
		}
		rendered[g] = (int)n;
		json_object_set_new(f, key, rows);
	}
	json_object_set_new(f, "contacts", all_posted(r, "contacts"));
	json_object_set_new(f, "auth_methods", all_posted(r, "auth_methods"));
	return f;
}

/* ---- rendering the edit page ---- */

struct edit {
	struct office_svc ref;
	int is_new;
	json_t *form;
	long long base;
	int extra[NGROUPS];
	const struct form_problems *p; /* &probs after a failed check, else NULL */
	struct form_problems probs;
	const char *notice;  /* a msgid said at the top (role=status) */
	const char *problem; /* a msgid said at the top as an error */
	json_t *conflict;    /* stolen */
};

static void edit_page(struct req *r, struct edit *e, int status)
{
	const struct snapshot *sn = web_snapshot(r);
	struct page pg = {r, sn->cat, e->p, json_array()};
	const char *title = lvs(e->form, "title", r->lang == LANG_EN ? "en" : "lv");
	json_t *ctx, *fc;

	if (!*title)
		title = lvs(e->form, "title", "lv");
	ctx = page_ctx(r, NULL, "office");
	json_object_set_new(ctx, "title",
			    json_string(e->is_new ? tr(r, N_("New service"))
						  : arena_printf(r->arena, "%s: %s", tr(r, N_("Edit the service")),
								 *title ? title : e->ref.slug)));
	json_object_set_new(ctx, "svc_title", json_string(*title ? title : e->ref.slug ? e->ref.slug : ""));
	json_object_set_new(ctx, "is_new", json_boolean(e->is_new));
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	fc = form_ctx(&pg, e->form, e->extra, e->is_new);
	json_object_update(ctx, fc);
	json_decref(fc);
	json_object_set_new(ctx, "errors", pg.errors);
	json_object_set_new(ctx, "has_errors", json_boolean(json_array_size(pg.errors) > 0));
	if (e->is_new) {
		json_object_set_new(ctx, "action", json_string(prefixed(r, "/birojs/pakalpojumi/jauns")));
	} else {
		const char *base = arena_printf(r->arena, "/birojs/pakalpojumi/%s", e->ref.slug);

		json_object_set_new(ctx, "slug", json_string(e->ref.slug));
		json_object_set_new(ctx, "action", json_string(prefixed(r, base)));
		json_object_set_new(ctx, "versions_url",
				    json_string(prefixed(r, arena_printf(r->arena, "%s/versijas", base))));
		json_object_set_new(ctx, "preview_url",
				    json_string(prefixed(r, arena_printf(r->arena, "%s/priekssk", base))));
		if (e->ref.pub) {
			struct err re = {0};

			json_object_set_new(
			    ctx, "public_url",
			    json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s", e->ref.slug))));
			/* where changes need approval, so does a withdrawal: the
			 * button is an administrator's there */
			if (auth_has_role(r, ROLE_ADMIN, NULL) ||
			    svc_review_required(app_db(r), e->ref.institution, &re) == 0)
				json_object_set_new(ctx, "can_withdraw", json_true());
		}
		version_state_ctx(r, e->ref.iri, ctx);
	}
	json_object_set_new(ctx, "version_base", json_integer(e->base));
	if (e->notice)
		json_object_set_new(ctx, "notice", json_string(tr(r, e->notice)));
	if (e->problem)
		json_object_set_new(ctx, "problem", json_string(tr(r, e->problem)));
	if (e->conflict)
		json_object_set_new(ctx, "conflict", e->conflict);
	e->conflict = NULL;
	render_flags(r, status, "office-service-edit", ctx, RESP_NO_STORE);
}

/* The form to open: the newest version's, else the published service's. */
static json_t *current_form(struct req *r, const struct office_svc *ref, long long *base)
{
	struct db *db = app_db(r);
	struct svc_version v = {0};
	struct err err = {0};
	json_t *f = NULL;

	*base = 0;
	if (svc_latest(db, ref->iri, base, &err) != 0)
		return NULL;
	if (*base > 0 && svc_version_get(db, ref->iri, *base, &v, &err) == 0) {
		f = json_incref(v.form);
		svc_version_clear(&v);
		return f;
	}
	if (ref->pub)
		return svc_form_from_service(web_snapshot(r)->cat, ref->pub, NULL);
	return NULL;
}

static const char *saved_notice(const char *q)
{
	if (!q)
		return NULL;
	if (!strcmp(q, "publicets"))
		return N_("Published. The public pages show the change within seconds.");
	if (!strcmp(q, "gaida"))
		return N_("Saved. The change waits for an administrator's approval.");
	if (!strcmp(q, "atsaukts"))
		return N_("Withdrawn: the service is no longer on the public pages.");
	if (!strcmp(q, "melnraksts"))
		return N_("Saved as a draft. It is not public yet.");
	return NULL;
}

int page_service_edit(struct req *r)
{
	struct edit e = {0};
	int i;

	if (office_service_find(r, &e.ref) != 0)
		return 0;
	e.form = current_form(r, &e.ref, &e.base);
	if (!e.form) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	for (i = 0; i < (int)NGROUPS; i++)
		e.extra[i] = 1;
	e.notice = saved_notice(req_query(r, "saglabats"));
	edit_page(r, &e, 200);
	json_decref(e.form);
	return 0;
}

int page_service_new(struct req *r)
{
	struct edit e = {0};
	const struct person *p;
	int i;

	if (auth_require_role(r, EDIT_ROLES) != 0)
		return 0;
	p = auth_person(r);
	e.is_new = 1;
	e.form = svc_form_new(!auth_has_role(r, ROLE_ADMIN, NULL) && p->ninst == 1 ? p->institutions[0] : "");
	for (i = 0; i < (int)NGROUPS; i++)
		e.extra[i] = 1;
	edit_page(r, &e, 200);
	json_decref(e.form);
	return 0;
}

/* ---- saving ---- */

enum step { STEP_SAVE, STEP_PUBLISH, STEP_WITHDRAW, STEP_ADD };

static enum step step_of(struct req *r, int *add)
{
	const char *a = posted(r, "darbiba");
	size_t g;

	*add = -1;
	if (!strcmp(a, "publicet"))
		return STEP_PUBLISH;
	if (!strcmp(a, "atsaukt"))
		return STEP_WITHDRAW;
	for (g = 0; g < NGROUPS; g++)
		if (!strncmp(a, "pievienot:", 10) && !strcmp(a + 10, GROUPS[g].key)) {
			*add = (int)g;
			return STEP_ADD;
		}
	return STEP_SAVE;
}

/* The IRI of a new service: under the public address (public-url), or
 * epak's own namespace when none is set. */
static const char *new_iri(struct req *r, const char *slug)
{
	const char *base = r->site->cfg->public_url;

	if (!base || !*base)
		base = "https://epak.example";
	return arena_printf(r->arena, "%s%s/pakalpojumi/%s", base, base[strlen(base) - 1] == '/' ? "" : "", slug);
}

static void saved_redirect(struct req *r, const char *slug, enum svc_result res)
{
	const char *q = res == SVC_PUBLISHED   ? "publicets"
			: res == SVC_PENDING   ? "gaida"
			: res == SVC_WITHDRAWN ? "atsaukts"
					       : "melnraksts";

	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/birojs/pakalpojumi/%s?saglabats=%s", slug, q)));
}

/* The form again, its identifier marked as taken (422). */
static void identifier_taken(struct req *r, struct edit *e)
{
	struct form_problems *p = &e->probs;

	memset(p, 0, sizeof(*p));
	p->v[0].path = "identifier";
	p->v[0].msgid = N_("Another service already has this identifier.");
	p->n = 1;
	e->p = p;
	edit_page(r, e, 422);
}

/* POST of the edit page (e->ref set, or is_new). */
static void save(struct req *r, struct edit *e)
{
	const struct snapshot *sn = web_snapshot(r);
	const struct person *person = auth_person(r);
	struct form_problems *p = &e->probs;
	struct svc_save in = {0};
	struct svc_saved out = {0};
	struct err err = {0};
	int rendered[NGROUPS], add, i;
	enum step step = step_of(r, &add);
	char slug[CATALOG_SLUG_MAX + 1] = "";
	const char *authority;
	unsigned long base = strtoul(posted(r, "versija"), NULL, 10);

	e->form = form_posted(r, rendered);
	e->base = (long long)base;
	for (i = 0; i < (int)NGROUPS; i++) {
		int kept = (int)json_array_size(json_object_get(e->form, GROUPS[i].key));

		e->extra[i] = rendered[i] > kept ? rendered[i] - kept : 1;
		if (e->extra[i] < 1)
			e->extra[i] = 1;
	}
	authority = mstr(e->form, "authority");
	/* whose service it becomes: only an institution of the person's */
	if (*authority && !may_edit(r, authority)) {
		auth_audit(r, person->account, "service-refused", NULL, 0,
			   arena_printf(r->arena, "service=%s reason=authority", e->is_new ? "new" : e->ref.slug));
		resp_error(r, ERR_FORBIDDEN, NULL);
		return;
	}
	if (!e->is_new) { /* the identifier is fixed: the stored one, whatever was posted */
		long long latest = 0;
		json_t *cur = e->ref.pub ? NULL : current_form(r, &e->ref, &latest);

		json_object_set_new(e->form, "identifier",
				    json_string(e->ref.pub ? e->ref.pub->identifier : mstr(cur, "identifier")));
		json_decref(cur);
	}
	if (step == STEP_ADD) {
		e->extra[add]++;
		e->notice = N_("A row was added. Nothing is saved until you save or publish.");
		edit_page(r, e, 200);
		return;
	}
	if (step == STEP_WITHDRAW && !e->is_new) {
		/* withdrawing takes the service off as it was last saved: what
		 * was typed now is not saved */
		json_decref(e->form);
		e->form = current_form(r, &e->ref, &e->base);
		e->base = (long long)base;
		if (!e->form) {
			resp_error(r, ERR_UNAVAILABLE, NULL);
			return;
		}
	} else if (svc_form_check(e->form, sn->cat, p) > 0) {
		e->p = p;
		edit_page(r, e, 422);
		return;
	}
	if (e->is_new) {
		catalog_slugify(mstr(e->form, "identifier"), slug, sizeof(slug));
		{
			char *iri = NULL, *inst = NULL;
			int rc = svc_find(app_db(r), slug, &iri, &inst, &err);

			free(iri);
			free(inst);
			if (rc == 0 || catalog_service(sn->cat, slug)) {
				identifier_taken(r, e);
				return;
			}
		}
		e->ref.slug = arena_strdup(r->arena, slug);
		e->ref.iri = new_iri(r, slug);
	}
	in.iri = e->ref.iri;
	in.institution = mstr(e->form, "authority");
	in.form = e->form;
	in.base = e->base;
	in.account = person->account;
	in.admin = auth_has_role(r, ROLE_ADMIN, NULL);
	in.action = step == STEP_PUBLISH ? SVC_PUBLISH : step == STEP_WITHDRAW ? SVC_WITHDRAW : SVC_DRAFT;
	in.catalog = sn->cat;
	if (office_save_budget(r) != 0)
		return;
	if (svc_save(app_db(r), &in, &out, &err) != 0) {
		log_error("services: save: %s", err.msg);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	version_audit(r, e->ref.slug, step == STEP_WITHDRAW ? "service-withdrawn" : "service-saved", &out, 0);
	switch (out.result) {
	case SVC_CONFLICT:
		if (!in.admin && strcmp(mstr(out.theirs, "authority"), in.institution) != 0) {
			/* the newer version is another institution's (two new
			 * services with one identifier at the same moment): its
			 * form is not shown */
			json_decref(out.theirs);
			if (e->is_new)
				identifier_taken(r, e);
			else
				resp_error(r, ERR_FORBIDDEN, NULL);
			return;
		}
		e->conflict = version_conflict_ctx(r, e->ref.iri, e->base, e->form, &out);
		e->base = out.version;
		json_decref(out.theirs);
		edit_page(r, e, 409);
		return;
	case SVC_INVALID:
		json_decref(out.theirs);
		if (err.code == ERR_FORBIDDEN && step == STEP_WITHDRAW) {
			e->problem = N_("In this institution changes need an administrator's approval, and so does "
					"withdrawing a service: ask an administrator to withdraw it.");
			edit_page(r, e, 403);
			return;
		}
		if (err.code == ERR_FORBIDDEN && e->is_new) {
			/* the address is another institution's service (made a
			 * moment ago, or a stored one): taken, nothing shown */
			identifier_taken(r, e);
			return;
		}
		if (err.code == ERR_FORBIDDEN) {
			resp_error(r, ERR_FORBIDDEN, NULL);
			return;
		}
		log_info("services: save refused: %s", err.msg);
		e->problem = N_("The service could not be saved: it does not fit the catalog as it is now (an "
				"institution, situation or contact point may have been removed). Check the choices "
				"and save again.");
		edit_page(r, e, 422);
		return;
	default:
		json_decref(out.theirs);
		saved_redirect(r, e->ref.slug, out.result);
		return;
	}
}

int form_service_save(struct req *r)
{
	struct edit e = {0};

	if (office_service_find(r, &e.ref) != 0)
		return 0;
	save(r, &e);
	json_decref(e.form);
	return 0;
}

int form_service_new(struct req *r)
{
	struct edit e = {0};

	if (auth_require_role(r, EDIT_ROLES) != 0)
		return 0;
	e.is_new = 1;
	save(r, &e);
	json_decref(e.form);
	return 0;
}

/* ---- the list: GET /birojs/pakalpojumi ---- */

struct states {
	json_t *by_iri; /* iri → {"state", "slug", "institution", "title"} of the newest version */
};

static int state_row(void *cls, const struct db_row *row)
{
	struct states *s = cls;

	json_object_set_new(s->by_iri, row_text(row, 0),
			    json_pack("{s:s,s:s,s:s}", "state", row_text(row, 1), "slug", row_text(row, 2),
				      "institution", row_text(row, 3)));
	return 0;
}

static const char *state_label(struct req *r, const char *state)
{
	if (!state || !strcmp(state, "published"))
		return tr(r, N_("Published"));
	if (!strcmp(state, "pending"))
		return tr(r, N_("Waiting for approval"));
	if (!strcmp(state, "returned"))
		return tr(r, N_("Returned"));
	if (!strcmp(state, "withdrawn"))
		return tr(r, N_("Withdrawn"));
	return tr(r, N_("Draft"));
}

static const struct field list_fields[] = {FIELD_ANY("iestade", NULL, N_("Institution")),
					   FIELD_ANY("q", NULL, N_("Title")),
					   FIELD_NUMBER("lapa", NULL, 1, 100000, N_("Page")), FIELD_END};

int page_services(struct req *r)
{
	const struct snapshot *sn;
	const struct catalog *c;
	struct states st = {json_object()};
	struct form f;
	json_t *ctx, *items = json_array(), *insts = json_array(), *v;
	const char *inst, *q, *k;
	unsigned long page;
	size_t i, total = 0, first;
	int admin;

	if (auth_require_role(r, EDIT_ROLES) != 0) {
		json_decref(st.by_iri);
		json_decref(items);
		json_decref(insts);
		return 0;
	}
	sn = web_snapshot(r);
	c = sn->cat;
	admin = auth_has_role(r, ROLE_ADMIN, NULL);
	query_validate(r, list_fields, &f, r->lang);
	inst = f.value[0] && *f.value[0] ? f.value[0] : NULL;
	q = f.value[1] && *f.value[1] ? f.value[1] : NULL;
	page = f.error[2] || !f.number[2] ? 1 : f.number[2];
	if (q && strlen(q) > 200)
		q = NULL;
	if (app_db(r) && db_query(app_db(r),
				  "SELECT v.iri, v.state, v.slug, v.institution FROM service_version v "
				  "WHERE v.number = (SELECT MAX(w.number) FROM service_version w WHERE w.iri = v.iri)",
				  DB_NOP, state_row, &st) != DB_OK)
		log_error("services: the versions' states could not be read");
	first = (page - 1) * PER_PAGE;
	/* the published services, then the versioned ones not published */
	for (i = 0; i < c->nservices; i++) {
		const struct service *s = c->services[i];
		const char *a = s->authority ? s->authority->slug : "";
		const char *t = ml(r, &s->title);
		json_t *sv = s->iri ? json_object_get(st.by_iri, s->iri) : NULL;

		if (!may_edit(r, a) || (inst && strcmp(a, inst)) || (q && (!t || !strcasestr(t, q))))
			continue;
		if (total >= first && total < first + PER_PAGE)
			json_array_append_new(
			    items, json_pack("{s:s,s:s,s:s,s:s,s:s}", "title", t ? t : s->slug, "url",
					     prefixed(r, arena_printf(r->arena, "/birojs/pakalpojumi/%s", s->slug)),
					     "institution", ml(r, &s->authority->name) ? ml(r, &s->authority->name) : a,
					     "state", sv ? mstr(sv, "state") : "published", "state_label",
					     state_label(r, sv ? mstr(sv, "state") : NULL)));
		total++;
	}
	json_object_foreach(st.by_iri, k, v)
	{
		const char *a = mstr(v, "institution"), *slug = mstr(v, "slug");

		if (catalog_service_by_iri(c, k) || !may_edit(r, a) || (inst && strcmp(a, inst)) ||
		    (q && !strcasestr(slug, q)))
			continue;
		if (total >= first && total < first + PER_PAGE)
			json_array_append_new(
			    items, json_pack("{s:s,s:s,s:s,s:s,s:s}", "title", slug, "url",
					     prefixed(r, arena_printf(r->arena, "/birojs/pakalpojumi/%s", slug)),
					     "institution", a, "state", mstr(v, "state"), "state_label",
					     state_label(r, mstr(v, "state"))));
		total++;
	}
	for (i = 0; i < c->norgs; i++) {
		const struct organisation *o = c->orgs[i];

		if (!admin && !auth_has_role(r, ROLE_INSTITUTION, o->slug))
			continue;
		json_array_append_new(insts, json_pack("{s:s,s:s,s:b}", "value", o->slug, "label",
						       ml(r, &o->name) ? ml(r, &o->name) : o->slug, "selected",
						       inst && !strcmp(inst, o->slug)));
	}
	ctx = page_ctx(r, N_("Services"), "office");
	json_object_set_new(ctx, "items", items);
	json_object_set_new(ctx, "has_items", json_boolean(json_array_size(items) > 0));
	json_object_set_new(ctx, "institutions", insts);
	json_object_set_new(ctx, "q", json_string(q ? q : ""));
	json_object_set_new(ctx, "total", json_integer((json_int_t)total));
	json_object_set_new(ctx, "new_url", json_string(prefixed(r, "/birojs/pakalpojumi/jauns")));
	{
		const char *qs = arena_printf(r->arena, "%s%s%s%s", inst ? "&iestade=" : "",
					      inst ? url_query_value(r->arena, inst) : "", q ? "&q=" : "",
					      q ? url_query_value(r->arena, q) : "");

		if (page > 1)
			json_object_set_new(
			    ctx, "prev_url",
			    json_string(
				prefixed(r, arena_printf(r->arena, "/birojs/pakalpojumi?lapa=%lu%s", page - 1, qs))));
		if (first + PER_PAGE < total)
			json_object_set_new(
			    ctx, "next_url",
			    json_string(
				prefixed(r, arena_printf(r->arena, "/birojs/pakalpojumi?lapa=%lu%s", page + 1, qs))));
		json_object_set_new(ctx, "page", json_integer((json_int_t)page));
	}
	json_decref(st.by_iri);
	render_flags(r, 200, "office-services", ctx, RESP_NO_STORE);
	return 0;
}
