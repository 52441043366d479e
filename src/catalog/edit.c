/* edit.c — the service form of the back office (see edit.h).
 *
 * From a service: every member is read from the model (the legal basis is
 * in the model too), so the form shows exactly what the public page shows.
 *
 * Back to a record: the old body is the starting point. A member whose
 * value is what the old service's form says (prev) keeps the old body's
 * values as they were, byte for byte (an edit of the title does not turn
 * "citizen" into an IRI, nor a shared contact point into a copy); a changed
 * member is written in epak's own terms; a changed row of a list reuses
 * the old row's node (its IRI, identifier, owner...) and rewrites only the
 * changed sub-fields. The node is then run through cat_doc_parse() like a
 * file: the stored body is what an import of the same content makes.
 */
#include "catalog/edit.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/email.h"
#include "core/i18n.h"
#include "core/utf8.h"

/* ---- limits (characters; rows) ---- */

#define MAX_IDENTIFIER 120
#define MAX_TITLE 300
#define MAX_DESCRIPTION 8000
#define MAX_KEYWORDS 1000
#define MAX_ITEM_TITLE 500
#define MAX_ITEM_DESCRIPTION 4000
#define MAX_URL 2000
#define MAX_PHONE 40
#define MAX_HOURS 1000
#define MAX_VALUE 20
#define MAX_ROWS 30 /* requirements, inputs, outputs */
#define MAX_CHANNELS 20
#define MAX_COSTS 20
#define MAX_LEGAL 20
#define MAX_EVENTS 20
#define MAX_CONTACTS 10

/* ---- the form from the model ---- */

static const char *nz(const char *s)
{
	return s ? s : "";
}

static json_t *lv_en(const struct mltext *t)
{
	return json_pack("{s:s,s:s}", "lv", nz(mltext_exact(t, "lv")), "en", nz(mltext_exact(t, "en")));
}

static json_t *item_form(const struct item *it)
{
	return json_pack("{s:o,s:o}", "title", lv_en(&it->title), "description", lv_en(&it->description));
}

static json_t *items_form(const struct item *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, item_form(&v[i]));
	return a;
}

static const char *audience_name(unsigned a)
{
	return a == (AUDIENCE_CITIZEN | AUDIENCE_BUSINESS) ? "both"
	       : a == AUDIENCE_CITIZEN                     ? "citizen"
	       : a == AUDIENCE_BUSINESS                    ? "business"
							   : "";
}

static const char *status_name(enum service_status s)
{
	return s == SERVICE_STATUS_ACTIVE     ? "active"
	       : s == SERVICE_STATUS_INACTIVE ? "inactive"
	       : s == SERVICE_STATUS_PLANNED  ? "planned"
					      : "";
}

static json_t *channel_form(const struct channel *ch)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "type",
			 ch->type == CHANNEL_OTHER ? "" : channel_type_name(ch->type), "url", nz(ch->url), "email",
			 nz(ch->email), "phone", nz(ch->phone), "description", lv_en(&ch->description), "hours",
			 lv_en(&ch->hours));
}

static json_t *cost_form(const struct cost *k)
{
	return json_pack("{s:s,s:s,s:o,s:s}", "value", k->has_value ? nz(k->value_text) : "", "currency",
			 nz(k->currency), "description", lv_en(&k->description), "url", nz(k->price_list));
}

static json_t *legal_form(const struct legal *l)
{
	return json_pack("{s:o,s:s}", "title", lv_en(&l->title), "url", nz(l->url));
}

/* The keywords in lang, comma separated. */
static json_t *keywords(const struct mltext *t, const char *lang)
{
	struct buf b = BUF_INIT;
	json_t *j;
	size_t i;

	buf_puts(&b, "");
	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].lang, lang))
			buf_printf(&b, "%s%s", b.len ? ", " : "", t->v[i].value);
	j = json_string(buf_ok(&b) && b.data ? b.data : "");
	buf_free(&b);
	return j;
}

json_t *svc_form_from_service(const struct catalog *c, const struct service *s, const char *body)
{
	json_t *f, *a;
	size_t i;

	(void)c;
	(void)body; /* the model keeps everything the form shows (the legal basis too) */
	f = json_object();
	json_object_set_new(f, "identifier", json_string(nz(s->identifier)));
	json_object_set_new(f, "authority", json_string(s->authority ? s->authority->slug : ""));
	json_object_set_new(f, "title", lv_en(&s->title));
	json_object_set_new(f, "description", lv_en(&s->description));
	json_object_set_new(
	    f, "keywords",
	    json_pack("{s:o,s:o}", "lv", keywords(&s->keywords, "lv"), "en", keywords(&s->keywords, "en")));
	json_object_set_new(f, "audience", json_string(audience_name(s->audience)));
	a = json_array();
	for (i = 0; i < s->nevents; i++)
		json_array_append_new(a, json_string(s->events[i]->slug));
	json_object_set_new(f, "events", a);
	json_object_set_new(f, "status", json_string(status_name(s->status)));
	json_object_set_new(f, "e_service",
			    json_string(s->e_service == FLAG_YES  ? "yes"
					: s->e_service == FLAG_NO ? "no"
								  : ""));
	json_object_set_new(f, "processing_time", json_string(nz(s->processing_time)));
	json_object_set_new(f, "requirements", items_form(s->requirements, s->nrequirements));
	json_object_set_new(f, "inputs", items_form(s->inputs, s->ninputs));
	json_object_set_new(f, "outputs", items_form(s->outputs, s->noutputs));
	a = json_array();
	for (i = 0; i < s->nchannels; i++)
		json_array_append_new(a, channel_form(&s->channels[i]));
	json_object_set_new(f, "channels", a);
	a = json_array();
	for (i = 0; i < s->ncosts; i++)
		json_array_append_new(a, cost_form(&s->costs[i]));
	json_object_set_new(f, "costs", a);
	a = json_array();
	for (i = 0; i < s->nlegal; i++)
		json_array_append_new(a, legal_form(&s->legal[i]));
	json_object_set_new(f, "legal", a);
	a = json_array();
	for (i = 0; i < s->ncontacts; i++)
		json_array_append_new(a, json_string(nz(s->contacts[i]->slug)));
	json_object_set_new(f, "contacts", a);
	a = json_array();
	for (i = 0; i < s->auth_methods.n; i++)
		json_array_append_new(a, json_string(s->auth_methods.v[i]));
	json_object_set_new(f, "auth_methods", a);
	return f;
}

json_t *svc_form_new(const char *authority)
{
	return json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:s},s:s,s:[],s:s,s:s,s:s,s:[],s:[],s:[],s:[],s:[],"
			 "s:[],s:[],s:[]}",
			 "identifier", "", "authority", nz(authority), "title", "lv", "", "en", "", "description", "lv",
			 "", "en", "", "keywords", "lv", "", "en", "", "audience", "", "events", "status", "",
			 "e_service", "", "processing_time", "", "requirements", "inputs", "outputs", "channels",
			 "costs", "legal", "contacts", "auth_methods");
}

/* ---- checks ---- */

static void problem(struct form_problems *p, const char *path, const char *msgid)
{
	char *s;

	if (p->n >= (int)(sizeof(p->v) / sizeof(p->v[0])))
		return;
	/* the path is copied into p (callers build it in a local buffer) */
	s = p->path_buf + p->path_used;
	if (p->path_used + strlen(path) + 1 > sizeof(p->path_buf))
		return;
	memcpy(s, path, strlen(path) + 1);
	p->path_used += strlen(path) + 1;
	p->v[p->n].path = s;
	p->v[p->n].msgid = msgid;
	p->n++;
}

static const char *str_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : NULL;
}

/* Characters of valid UTF-8; (size_t)-1 when it is not. */
static size_t chars(const char *s)
{
	size_t n = 0, len = strlen(s);

	if (!utf8_valid(s, len))
		return (size_t)-1;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* 0 when s is text of at most max characters without control characters
 * (multiline: line ends and tabs allowed); else the msgid. */
static const char *text_problem(const char *s, size_t max, int multiline)
{
	size_t n;
	const unsigned char *u;

	if (!s)
		return N_("This field is missing.");
	n = chars(s);
	if (n == (size_t)-1)
		return N_("This text has invalid characters.");
	for (u = (const unsigned char *)s; *u; u++)
		if ((*u < 0x20 && !(multiline && (*u == '\n' || *u == '\r' || *u == '\t'))) || *u == 0x7f)
			return N_("This text has control characters.");
	if (n > max)
		return N_("This text is too long.");
	return NULL;
}

static void check_text(struct form_problems *p, const json_t *o, const char *k, const char *path, size_t max,
		       int multiline, int required)
{
	const char *s = str_of(o, k), *m = text_problem(s, max, multiline);

	if (!m && required && !*s)
		m = N_("Please fill in this field.");
	if (m)
		problem(p, path, m);
}

static void check_lv_en(struct form_problems *p, const json_t *o, const char *k, const char *base, size_t max,
			int multiline, int lv_required)
{
	const json_t *t = json_object_get(o, k);
	char path[96];

	snprintf(path, sizeof(path), "%s.lv", base);
	if (!json_is_object(t)) {
		problem(p, path, N_("This field is missing."));
		return;
	}
	check_text(p, t, "lv", path, max, multiline, lv_required);
	snprintf(path, sizeof(path), "%s.en", base);
	check_text(p, t, "en", path, max, multiline, 0);
}

/* An absolute http(s) URL of printable ASCII with a host and no user
 * information. */
int svc_url_ok(const char *u)
{
	const char *h;
	size_t i;

	if (!strncasecmp(u, "https://", 8))
		h = u + 8;
	else if (!strncasecmp(u, "http://", 7))
		h = u + 7;
	else
		return 0;
	if (!*h || *h == '/' || *h == '?' || *h == '#' || *h == ':' || *h == '@')
		return 0;
	/* no user name or password before the host: the page shows the host
	 * part, and "https://www.vid.gov.lv@evil.example/" leads to
	 * evil.example while it reads as vid.gov.lv */
	if (memchr(h, '@', strcspn(h, "/?#")))
		return 0;
	for (i = 0; u[i]; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f || u[i] == '"' || u[i] == '<' ||
		    u[i] == '>' || u[i] == '\\' || u[i] == '`')
			return 0;
	return 1;
}

static void check_url(struct form_problems *p, const json_t *o, const char *k, const char *path)
{
	const char *s = str_of(o, k), *m = text_problem(s, MAX_URL, 0);

	if (!m && *s && !svc_url_ok(s))
		m = N_("Enter an address that starts with https:// or http://.");
	if (m)
		problem(p, path, m);
}

/* A decimal: digits, at most one '.' or ',' followed by digits. */
static int decimal_ok(const char *s)
{
	int digits = 0, sep = 0;

	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			digits++;
		else if ((*s == '.' || *s == ',') && !sep && digits)
			sep = 1;
		else
			return 0;
	}
	return digits > 0 && s[-1] != '.' && s[-1] != ',';
}

static int phone_ok(const char *s)
{
	int digits = 0;

	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			digits++;
		else if (!strchr("+ -()", *s))
			return 0;
	}
	return digits >= 3;
}

static int one_of(const char *s, const char *const *v)
{
	for (; *v; v++)
		if (!strcmp(s, *v))
			return 1;
	return 0;
}

static const char *const AUDIENCES[] = {"", "citizen", "business", "both", NULL};
static const char *const STATUSES[] = {"", "active", "inactive", "planned", NULL};
static const char *const YESNO[] = {"", "yes", "no", NULL};
static const char *const CHANNEL_TYPES[] = {"online", "in-person", "email-esign", "phone", "post", "email", NULL};
static const char *const AUTH_METHODS[] = {"eid", "eparaksts-mobile", "bank", NULL};

static void check_choice(struct form_problems *p, const json_t *o, const char *k, const char *path,
			 const char *const *choices)
{
	const char *s = str_of(o, k);

	if (!s || !one_of(s, choices))
		problem(p, path, N_("Choose one of the offered values."));
}

/* An array of at most max members (NULL and a problem when it is not). */
static const json_t *rows(struct form_problems *p, const json_t *form, const char *k, size_t max)
{
	const json_t *a = json_object_get(form, k);

	if (!json_is_array(a)) {
		problem(p, k, N_("This field is missing."));
		return NULL;
	}
	if (json_array_size(a) > max) {
		problem(p, k, N_("There are too many rows."));
		return NULL;
	}
	return a;
}

static void check_items(struct form_problems *p, const json_t *form, const char *k)
{
	const json_t *a = rows(p, form, k, MAX_ROWS), *it;
	size_t i;
	char path[96];

	json_array_foreach(a, i, it)
	{
		snprintf(path, sizeof(path), "%s.%zu.title", k, i);
		check_lv_en(p, it, "title", path, MAX_ITEM_TITLE, 0, 1);
		snprintf(path, sizeof(path), "%s.%zu.description", k, i);
		check_lv_en(p, it, "description", path, MAX_ITEM_DESCRIPTION, 1, 0);
	}
}

static void check_slugs(struct form_problems *p, const json_t *form, const char *k, size_t max,
			const void *(*find)(const struct catalog *, const char *), const struct catalog *c)
{
	const json_t *a = rows(p, form, k, max), *v;
	size_t i;
	char path[96];

	json_array_foreach(a, i, v)
	{
		snprintf(path, sizeof(path), "%s.%zu", k, i);
		if (!json_is_string(v) || (c && !find(c, json_string_value(v))))
			problem(p, path, N_("Choose one of the offered values."));
	}
}

static const void *find_event(const struct catalog *c, const char *slug)
{
	return catalog_event(c, slug);
}

static const void *find_contact(const struct catalog *c, const char *slug)
{
	return catalog_contact(c, slug);
}

int svc_form_check(const json_t *form, const struct catalog *c, struct form_problems *p)
{
	const json_t *a, *v;
	const char *s;
	size_t i;
	char path[96];

	memset(p, 0, sizeof(*p));
	if (!json_is_object(form)) {
		problem(p, "identifier", N_("This field is missing."));
		return p->n;
	}
	s = str_of(form, "identifier");
	if (!text_problem(s, MAX_IDENTIFIER, 0)) {
		char slug[CATALOG_SLUG_MAX + 1];

		if (!*s)
			problem(p, "identifier", N_("Please fill in this field."));
		else if (!catalog_slugify(s, slug, sizeof(slug)) ||
			 strspn(s, "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") != strlen(s))
			problem(p, "identifier", N_("Use Latin letters, digits and the signs - _ . / only."));
	} else {
		problem(p, "identifier", text_problem(s, MAX_IDENTIFIER, 0));
	}
	s = str_of(form, "authority");
	if (!s || !*s || (c && !catalog_org(c, s)))
		problem(p, "authority", N_("Choose one of the offered values."));
	check_lv_en(p, form, "title", "title", MAX_TITLE, 0, 1);
	check_lv_en(p, form, "description", "description", MAX_DESCRIPTION, 1, 1);
	check_lv_en(p, form, "keywords", "keywords", MAX_KEYWORDS, 0, 0);
	check_choice(p, form, "audience", "audience", AUDIENCES);
	check_slugs(p, form, "events", MAX_EVENTS, find_event, c);
	check_choice(p, form, "status", "status", STATUSES);
	check_choice(p, form, "e_service", "e_service", YESNO);
	s = str_of(form, "processing_time");
	if (text_problem(s, 40, 0))
		problem(p, "processing_time", text_problem(s, 40, 0));
	else if (*s && !xsd_duration_valid(s))
		problem(p, "processing_time", N_("Enter a duration such as P1M (a month) or P10D (ten days)."));
	check_items(p, form, "requirements");
	check_items(p, form, "inputs");
	check_items(p, form, "outputs");
	a = rows(p, form, "channels", MAX_CHANNELS);
	json_array_foreach(a, i, v)
	{
		snprintf(path, sizeof(path), "channels.%zu.type", i);
		check_choice(p, v, "type", path, CHANNEL_TYPES);
		snprintf(path, sizeof(path), "channels.%zu.url", i);
		check_url(p, v, "url", path);
		snprintf(path, sizeof(path), "channels.%zu.email", i);
		s = str_of(v, "email");
		if (text_problem(s, EMAIL_MAX, 0))
			problem(p, path, text_problem(s, EMAIL_MAX, 0));
		else if (*s && email_check(s) != EMAIL_OK)
			problem(p, path, N_("Enter an e-mail address such as info@iestade.gov.lv."));
		snprintf(path, sizeof(path), "channels.%zu.phone", i);
		s = str_of(v, "phone");
		if (text_problem(s, MAX_PHONE, 0))
			problem(p, path, text_problem(s, MAX_PHONE, 0));
		else if (*s && !phone_ok(s))
			problem(p, path, N_("Enter a phone number: digits, spaces and + - ( )."));
		snprintf(path, sizeof(path), "channels.%zu.description", i);
		check_lv_en(p, v, "description", path, MAX_ITEM_DESCRIPTION, 1, 0);
		snprintf(path, sizeof(path), "channels.%zu.hours", i);
		check_lv_en(p, v, "hours", path, MAX_HOURS, 1, 0);
	}
	a = rows(p, form, "costs", MAX_COSTS);
	json_array_foreach(a, i, v)
	{
		snprintf(path, sizeof(path), "costs.%zu.value", i);
		s = str_of(v, "value");
		if (text_problem(s, MAX_VALUE, 0))
			problem(p, path, text_problem(s, MAX_VALUE, 0));
		else if (*s && !decimal_ok(s))
			problem(p, path, N_("Enter an amount such as 12.50."));
		snprintf(path, sizeof(path), "costs.%zu.currency", i);
		s = str_of(v, "currency");
		if (!s || (*s && (strlen(s) != 3 || !isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1]) ||
				  !isupper((unsigned char)s[2]))))
			problem(p, path, N_("Choose one of the offered values."));
		snprintf(path, sizeof(path), "costs.%zu.description", i);
		check_lv_en(p, v, "description", path, MAX_ITEM_DESCRIPTION, 1, 0);
		snprintf(path, sizeof(path), "costs.%zu.url", i);
		if (json_object_get(v, "url")) /* forms saved before costs had a price list have none */
			check_url(p, v, "url", path);
	}
	a = rows(p, form, "legal", MAX_LEGAL);
	json_array_foreach(a, i, v)
	{
		snprintf(path, sizeof(path), "legal.%zu.title", i);
		check_lv_en(p, v, "title", path, MAX_ITEM_TITLE, 0, 0);
		snprintf(path, sizeof(path), "legal.%zu.url", i);
		check_url(p, v, "url", path);
		if (str_of(v, "url") && !*str_of(v, "url") && json_is_object(json_object_get(v, "title")) &&
		    str_of(json_object_get(v, "title"), "lv") && !*str_of(json_object_get(v, "title"), "lv"))
			problem(p, path, N_("Give the act's title or its address."));
	}
	check_slugs(p, form, "contacts", MAX_CONTACTS, find_contact, c);
	a = rows(p, form, "auth_methods", 3);
	json_array_foreach(a, i, v)
	{
		snprintf(path, sizeof(path), "auth_methods.%zu", i);
		if (!json_is_string(v) || !one_of(json_string_value(v), AUTH_METHODS))
			problem(p, path, N_("Choose one of the offered values."));
	}
	return p->n;
}

/* ---- back to a record ---- */

static json_t *lit(const char *s, const char *lang)
{
	return lang ? json_pack("{s:s,s:s}", "@value", s, "@language", lang) : json_pack("{s:s}", "@value", s);
}

static json_t *typed(const char *s, const char *type)
{
	return json_pack("{s:s,s:s}", "@value", s, "@type", type);
}

static json_t *ref(const char *iri)
{
	return json_pack("{s:s}", "@id", iri);
}

static void set_vals(json_t *node, const char *prop, json_t *vals)
{
	if (json_array_size(vals))
		json_object_set_new(node, prop, vals);
	else {
		json_object_del(node, prop);
		json_decref(vals);
	}
}

/* prop's values with the Latvian and English ones replaced by t's (the
 * other languages kept, after them). */
static void set_lv_en(json_t *node, const char *prop, const json_t *t)
{
	json_t *old = json_object_get(node, prop), *vals = json_array(), *v;
	const char *lv = str_of(t, "lv"), *en = str_of(t, "en");
	size_t i;

	if (lv && *lv)
		json_array_append_new(vals, lit(lv, "lv"));
	if (en && *en)
		json_array_append_new(vals, lit(en, "en"));
	json_array_foreach(old, i, v)
	{
		const char *l = val_lang(v);

		if (!l || (strcmp(l, "lv") && strcmp(l, "en")))
			json_array_append(vals, v);
	}
	set_vals(node, prop, vals);
}

/* Keywords: the comma separated words of each language. */
static void set_keywords(json_t *node, const json_t *t)
{
	json_t *old = json_object_get(node, NS_DCAT "keyword"), *vals = json_array(), *v;
	static const char *const langs[] = {"lv", "en"};
	size_t i, l;

	for (l = 0; l < 2; l++) {
		const char *s = str_of(t, langs[l]);
		char *copy = strdup(s ? s : ""), *save = NULL, *w;

		for (w = copy ? strtok_r(copy, ",", &save) : NULL; w; w = strtok_r(NULL, ",", &save)) {
			char *e;

			while (*w == ' ')
				w++;
			e = w + strlen(w);
			while (e > w && e[-1] == ' ')
				*--e = '\0';
			if (*w)
				json_array_append_new(vals, lit(w, langs[l]));
		}
		free(copy);
	}
	json_array_foreach(old, i, v)
	{
		const char *lg = val_lang(v);

		if (!lg || (strcmp(lg, "lv") && strcmp(lg, "en")))
			json_array_append(vals, v);
	}
	set_vals(node, NS_DCAT "keyword", vals);
}

static void set_one(json_t *node, const char *prop, json_t *v)
{
	if (v)
		json_object_set_new(node, prop, json_pack("[o]", v));
	else
		json_object_del(node, prop);
}

static const char *const CONTACT_PROPS[] = {NS_CV "contactPoint", NS_CV "hasContactPoint", NS_SCHEMA "contactPoint",
					    NS_SCHEMA_HTTP "contactPoint", NULL};

static void del_props(json_t *node, const char *const *props)
{
	for (; *props; props++)
		json_object_del(node, *props);
}

/* The old values of props in order (the model's rows come from these). */
static json_t *old_vals(const json_t *node, const char *const *props)
{
	json_t *out = json_array(), *v;
	size_t i;

	for (; node && *props; props++)
		json_array_foreach(node_vals(node, *props), i, v)
		{
			if (val_ref(v) || (json_is_object(v) && !json_object_get(v, "@value")))
				json_array_append(out, v);
		}
	return out;
}

static int changed(const json_t *form, const json_t *prev, const char *k)
{
	return !prev || !json_equal(json_object_get(form, k), json_object_get(prev, k));
}

/* The node a changed row is written over: the old row's embedded node (its
 * IRI, identifier, owner... kept; *reused set), else a new one (a link to
 * a node described elsewhere is not reused: the row becomes a node of its
 * own, written whole). */
static json_t *row_node(json_t *olds, size_t i, size_t nprev, const char *type, int *reused)
{
	json_t *o = json_array_size(olds) == nprev ? json_array_get(olds, i) : NULL;

	*reused = o && json_object_size(o) > 1;
	if (*reused)
		return json_deep_copy(o);
	return json_pack("{s:[s]}", "@type", type);
}

static void write_item(json_t *n, const json_t *row, const json_t *prow)
{
	if (changed(row, prow, "title"))
		set_lv_en(n, NS_DCT "title", json_object_get(row, "title"));
	if (changed(row, prow, "description"))
		set_lv_en(n, NS_DCT "description", json_object_get(row, "description"));
}

static void write_channel(json_t *n, const json_t *row, const json_t *prow)
{
	const char *s;

	if (changed(row, prow, "type")) {
		char iri[160];

		s = str_of(row, "type");
		snprintf(iri, sizeof(iri), "%s%s", EPAK_CHANNEL_TYPE, s ? s : "");
		set_one(n, NS_DCT "type", s && *s ? ref(iri) : NULL);
	}
	if (changed(row, prow, "url")) {
		s = str_of(row, "url");
		json_object_del(n, NS_SCHEMA "url");
		set_one(n, NS_FOAF "page", s && *s ? ref(s) : NULL);
	}
	if (changed(row, prow, "email") || changed(row, prow, "phone")) {
		const char *e = str_of(row, "email"), *p = str_of(row, "phone");

		/* the channel's own contact point: the shared one stays the
		 * institution's, this one says how this channel is reached */
		del_props(n, CONTACT_PROPS);
		json_object_del(n, NS_CV "email");
		json_object_del(n, NS_CV "telephone");
		if ((e && *e) || (p && *p)) {
			json_t *cp = json_pack("{s:[s]}", "@type", NS_CV "ContactPoint");

			if (e && *e)
				set_one(cp, NS_CV "email", lit(e, NULL));
			if (p && *p)
				set_one(cp, NS_CV "telephone", lit(p, NULL));
			set_one(n, NS_CV "contactPoint", cp);
		}
	}
	if (changed(row, prow, "description"))
		set_lv_en(n, NS_DCT "description", json_object_get(row, "description"));
	if (changed(row, prow, "hours")) {
		const json_t *h = json_object_get(row, "hours");

		del_props(n, (const char *const[]){NS_CV "openingHours", NS_SCHEMA "hoursAvailable",
						   NS_SCHEMA_HTTP "hoursAvailable", NULL});
		if (*nz(str_of(h, "lv")) || *nz(str_of(h, "en"))) {
			json_t *hn = json_pack("{s:[s]}", "@type", NS_TIME "TemporalEntity");

			set_lv_en(hn, NS_DCT "description", h);
			set_one(n, NS_CV "openingHours", hn);
		}
	}
}

static void write_cost(json_t *n, const json_t *row, const json_t *prow)
{
	const char *s;

	if (changed(row, prow, "value")) {
		char v[MAX_VALUE * 4 + 1], *c;

		s = str_of(row, "value");
		snprintf(v, sizeof(v), "%s", s ? s : "");
		for (c = v; *c; c++)
			if (*c == ',')
				*c = '.';
		set_one(n, NS_CV "hasValue", *v ? typed(v, NS_XSD "double") : NULL);
	}
	if (changed(row, prow, "currency")) {
		char iri[128];

		s = str_of(row, "currency");
		snprintf(iri, sizeof(iri), "http://publications.europa.eu/resource/authority/currency/%s", s ? s : "");
		set_one(n, NS_CV "currency", s && *s ? ref(iri) : NULL);
	}
	if (changed(row, prow, "description"))
		set_lv_en(n, NS_DCT "description", json_object_get(row, "description"));
	if (changed(row, prow, "url")) { /* the price list */
		s = str_of(row, "url");
		json_object_del(n, NS_SCHEMA "url");
		set_one(n, NS_FOAF "page", s && *s ? ref(s) : NULL);
	}
}

static void write_legal(json_t *n, const json_t *row, const json_t *prow)
{
	const char *s;

	if (changed(row, prow, "title"))
		set_lv_en(n, NS_DCT "title", json_object_get(row, "title"));
	if (changed(row, prow, "url")) {
		s = str_of(row, "url");
		json_object_del(n, NS_SCHEMA "url");
		set_one(n, NS_FOAF "page", s && *s ? ref(s) : NULL);
	}
}

/* A list member: unchanged → the old values as they were; else each row,
 * unchanged rows as they were, changed ones written over the old row. */
static void write_rows(json_t *node, const json_t *form, const json_t *prev, const char *k, const char *const *props,
		       const char *type, void (*write)(json_t *, const json_t *, const json_t *))
{
	const json_t *fa = json_object_get(form, k), *pa = prev ? json_object_get(prev, k) : NULL, *row;
	json_t *olds, *vals;
	size_t i, np = json_array_size(pa);

	if (!changed(form, prev, k))
		return;
	olds = old_vals(node, props);
	vals = json_array();
	json_array_foreach(fa, i, row)
	{
		const json_t *prow = i < np && json_array_size(olds) == np ? json_array_get(pa, i) : NULL;
		json_t *n;

		if (prow && json_equal(row, prow)) {
			json_array_append(vals, json_array_get(olds, i));
			continue;
		}
		{
			int reused;

			n = row_node(olds, i, np, type, &reused);
			write(n, row, reused ? prow : NULL);
		}
		json_array_append_new(vals, n);
	}
	del_props(node, props);
	set_vals(node, props[0], vals);
	json_decref(olds);
}

static const struct event *event_by_slug(const struct catalog *c, const char *slug)
{
	return c ? catalog_event(c, slug) : NULL;
}

static int write_refs(json_t *node, const json_t *form, const json_t *prev, const char *k, const char *const *props,
		      const struct catalog *c, struct err *err)
{
	const json_t *a = json_object_get(form, k), *v;
	json_t *vals;
	size_t i;

	if (!changed(form, prev, k))
		return 0;
	vals = json_array();
	json_array_foreach(a, i, v)
	{
		const char *slug = json_string_value(v), *iri = NULL;

		if (!strcmp(k, "events")) {
			const struct event *e = event_by_slug(c, slug);

			iri = e ? e->iri : NULL;
		} else {
			const struct contact_point *cp = c ? catalog_contact(c, slug) : NULL;

			iri = cp ? cp->iri : NULL;
		}
		if (!iri) {
			json_decref(vals);
			err_set(err, ERR_VALIDATION, "%s: \"%s\" is not in the catalog", k, slug ? slug : "");
			return -1;
		}
		json_array_append_new(vals, ref(iri));
	}
	del_props(node, props);
	set_vals(node, props[0], vals);
	return 0;
}

static int write_form(json_t *node, const json_t *form, const json_t *prev, const struct catalog *c, struct err *err)
{
	const char *s;

	if (changed(form, prev, "authority")) {
		const struct organisation *o = c ? catalog_org(c, nz(str_of(form, "authority"))) : NULL;

		if (!o || !o->iri) {
			err_set(err, ERR_VALIDATION, "authority: not an institution of the catalog");
			return -1;
		}
		set_one(node, NS_CV "hasCompetentAuthority", ref(o->iri));
	}
	if (changed(form, prev, "title"))
		set_lv_en(node, NS_DCT "title", json_object_get(form, "title"));
	if (changed(form, prev, "description"))
		set_lv_en(node, NS_DCT "description", json_object_get(form, "description"));
	if (changed(form, prev, "keywords"))
		set_keywords(node, json_object_get(form, "keywords"));
	if (changed(form, prev, "audience")) {
		json_t *vals = json_array();

		s = nz(str_of(form, "audience"));
		if (!strcmp(s, "citizen") || !strcmp(s, "both"))
			json_array_append_new(vals, ref(EPAK_AUDIENCE "citizen"));
		if (!strcmp(s, "business") || !strcmp(s, "both"))
			json_array_append_new(vals, ref(EPAK_AUDIENCE "business"));
		set_vals(node, NS_DCT "audience", vals);
	}
	if (write_refs(node, form, prev, "events", (const char *const[]){NS_CV "isGroupedBy", NULL}, c, err) != 0)
		return -1;
	if (changed(form, prev, "status")) {
		char iri[128];

		s = nz(str_of(form, "status"));
		snprintf(iri, sizeof(iri), "%s%s", EPAK_STATUS, s);
		set_one(node, NS_ADMS "status", *s ? ref(iri) : NULL);
	}
	if (changed(form, prev, "e_service")) {
		s = nz(str_of(form, "e_service"));
		set_one(node, NS_EPAK "eService",
			*s ? typed(!strcmp(s, "yes") ? "true" : "false", NS_XSD "boolean") : NULL);
	}
	if (changed(form, prev, "processing_time")) {
		s = nz(str_of(form, "processing_time"));
		set_one(node, NS_CV "processingTime", *s ? typed(s, NS_XSD "duration") : NULL);
	}
	write_rows(node, form, prev, "requirements",
		   (const char *const[]){NS_CV "holdsRequirement", NS_CV "hasCriterion", NULL}, NS_CV "Requirement",
		   write_item);
	write_rows(node, form, prev, "inputs", (const char *const[]){NS_CPSV "hasInput", NULL}, NS_CV "Evidence",
		   write_item);
	write_rows(node, form, prev, "outputs", (const char *const[]){NS_CPSV "produces", NULL}, NS_CV "Output",
		   write_item);
	write_rows(node, form, prev, "channels", (const char *const[]){NS_CV "hasChannel", NULL}, NS_CV "Channel",
		   write_channel);
	write_rows(node, form, prev, "costs", (const char *const[]){NS_CV "hasCost", NULL}, NS_CV "Cost", write_cost);
	write_rows(node, form, prev, "legal", (const char *const[]){NS_CV "hasLegalResource", NULL},
		   NS_ELI "LegalResource", write_legal);
	if (write_refs(node, form, prev, "contacts", CONTACT_PROPS, c, err) != 0)
		return -1;
	if (changed(form, prev, "auth_methods")) {
		json_t *vals = json_array(), *v;
		size_t i;

		json_array_foreach(json_object_get(form, "auth_methods"), i, v)
		{
			if (json_string_value(v))
				json_array_append_new(vals, lit(json_string_value(v), NULL));
		}
		set_vals(node, NS_EPAK "authMethods", vals);
	}
	return 0;
}

/* The node as an import makes it: a one-node expanded document parsed. */
static int as_import(json_t *node, const char *iri, struct cat_record *out, struct err *err)
{
	char *text = json_dumps(node, JSON_COMPACT);
	struct cat_doc *doc;
	size_t i;
	int rc = -1;

	if (!text) {
		err_set(err, ERR_INTERNAL, "out of memory");
		return -1;
	}
	doc = cat_doc_parse(text, strlen(text), CAT_SYNTAX_JSONLD, err);
	free(text);
	if (!doc)
		return -1;
	for (i = 0; i < doc->n; i++)
		if (!strcmp(doc->rec[i].iri, iri))
			break;
	if (i == doc->n || doc->n != 1) {
		err_set(err, ERR_VALIDATION, "the service's parts are shared with other nodes");
	} else {
		*out = doc->rec[i];
		memset(&doc->rec[i], 0, sizeof(doc->rec[i]));
		rc = 0;
	}
	cat_doc_free(doc);
	return rc;
}

int svc_form_to_record(const struct catalog *c, const json_t *form, const char *iri, const char *old_body,
		       struct cat_record *out, struct err *err)
{
	const struct service *s = c && old_body ? catalog_service_by_iri(c, iri) : NULL;
	json_t *node = NULL, *prev = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!iri || !iri_is_absolute(iri) || iri_is_skolem(iri)) {
		err_set(err, ERR_VALIDATION, "a service needs an IRI");
		return -1;
	}
	if (old_body) {
		json_error_t je;

		node = json_loads(old_body, 0, &je);
		if (!json_is_object(node)) {
			json_decref(node);
			err_set(err, ERR_INTERNAL, "the stored service is not JSON: %s", je.text);
			return -1;
		}
		if (s)
			prev = svc_form_from_service(c, s, old_body);
	} else {
		node = json_pack("{s:[s]}", "@type", NS_CPSV "PublicService");
	}
	json_object_set_new(node, "@id", json_string(iri));
	if (changed(form, prev, "identifier")) {
		const char *id = nz(str_of(form, "identifier"));
		json_t *old = node_vals(node, NS_DCT "identifier");

		if (old && prev) {
			err_set(err, ERR_VALIDATION, "identifier: fixed once the service exists");
			goto out;
		}
		set_one(node, NS_DCT "identifier", lit(id, NULL));
	}
	if (write_form(node, form, prev, c, err) != 0)
		goto out;
	rc = as_import(node, iri, out, err);
out:
	json_decref(node);
	json_decref(prev);
	return rc;
}

void cat_record_clear(struct cat_record *r)
{
	if (!r)
		return;
	free(r->iri);
	free(r->identifier);
	free(r->title_lv);
	free(r->title_en);
	free(r->body);
	memset(r, 0, sizeof(*r));
}
