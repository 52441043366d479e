/* org_edit.c — an institution's form and its records (see org_edit.h). */
#include "catalog/org_edit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

const char *const org_helpdesk_roles[] = {"eID", "e-signature", "portal", NULL};

/* ---- the model → the form ---- */

static const char *exact(const struct mltext *t, const char *lang)
{
	const char *s = mltext_exact(t, lang);

	if (!s && !strcmp(lang, "lv"))
		s = mltext_exact(t, ""); /* untagged text is shown (and saved) as Latvian */
	return s ? s : "";
}

/* Every value of t in lang, joined with ", ". */
static const char *joined(const struct mltext *t, const char *lang, struct arena *a)
{
	const char *out = "";
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].lang, lang) || (!strcmp(lang, "lv") && !t->v[i].lang[0]))
			out = *out ? arena_printf(a, "%s, %s", out, t->v[i].value) : t->v[i].value;
	return out;
}

static unsigned roles_of(const struct strlist *l)
{
	unsigned bits = 0;
	size_t i, k;

	for (i = 0; i < l->n; i++)
		for (k = 0; org_helpdesk_roles[k]; k++)
			if (!strcmp(l->v[i], org_helpdesk_roles[k]))
				bits |= 1u << k;
	return bits;
}

int org_contact_empty(const struct org_contact_form *c)
{
	const char *const v[] = {c->title_lv, c->title_en, c->phone[0], c->phone[1], c->email[0],
				 c->email[1], c->page,     c->hours_lv, c->hours_en};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] && *v[i])
			return 0;
	return c->helpdesk == 0;
}

void org_form_from_org(const struct organisation *o, struct arena *a, struct org_form *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->identifier = o->identifier ? o->identifier : o->slug;
	f->name_lv = exact(&o->name, "lv");
	f->name_en = exact(&o->name, "en");
	f->alt_lv = joined(&o->alt_names, "lv", a);
	f->alt_en = joined(&o->alt_names, "en", a);
	f->level = o->level == ORG_LEVEL_STATE ? "state" : o->level == ORG_LEVEL_MUNICIPAL ? "municipal" : "";
	f->homepage = o->homepage ? o->homepage : "";
	f->address_lv = exact(&o->address, "lv");
	f->address_en = exact(&o->address, "en");
	f->spatial = o->spatial.n && o->spatial.v[0].iri ? o->spatial.v[0].iri : "";
	f->e_mark = o->e_mark == FLAG_YES;
	f->e_mark_granted = o->e_mark_granted ? o->e_mark_granted : "";
	f->helpdesk = roles_of(&o->helpdesk_for);
	for (i = 0; i < o->ncontacts && f->ncontacts < ORG_FORM_CONTACTS; i++) {
		const struct contact_point *cp = o->contacts[i];
		struct org_contact_form *c = &f->contact[f->ncontacts];

		if (!cp->iri)
			continue; /* a blank contact point is part of the organisation's own node: not edited here */
		f->ncontacts++;
		c->iri = cp->iri;
		c->title_lv = exact(&cp->title, "lv");
		c->title_en = exact(&cp->title, "en");
		c->phone[0] = cp->phones.n > 0 ? cp->phones.v[0] : "";
		c->phone[1] = cp->phones.n > 1 ? cp->phones.v[1] : "";
		c->email[0] = cp->emails.n > 0 ? cp->emails.v[0] : "";
		c->email[1] = cp->emails.n > 1 ? cp->emails.v[1] : "";
		c->page = cp->pages.n ? cp->pages.v[0] : "";
		c->hours_lv = exact(&cp->hours, "lv");
		c->hours_en = exact(&cp->hours, "en");
		c->helpdesk = roles_of(&cp->helpdesk_for);
	}
}

/* ---- the form → expanded JSON-LD ---- */

static json_t *lang_lit(const char *s, const char *lang)
{
	return json_pack("{s:s, s:s}", "@value", s, "@language", lang);
}

static int is_lang(const json_t *v, const char *lang)
{
	const char *l = val_lang(v);

	if (!strcmp(lang, "lv") && val_str(v) && !l)
		return 1; /* untagged: shown as Latvian */
	return l && !strcmp(l, lang);
}

static void set_or_del(json_t *node, const char *prop, json_t *vals)
{
	if (json_array_size(vals))
		json_object_set_new(node, prop, vals);
	else {
		json_decref(vals);
		json_object_del(node, prop);
	}
}

/* prop's Latvian and English values become lv and en (lists: comma
 * separated when split); its other languages stay. */
static void set_text(json_t *node, const char *prop, const char *lv, const char *en, int split)
{
	json_t *old = node_vals(node, prop), *vals = json_array(), *v;
	const char *const text[2] = {lv, en}, *const langs[2] = {"lv", "en"};
	size_t i, k;

	for (k = 0; k < 2; k++) {
		const char *p = text[k] ? text[k] : "";

		while (*p) {
			size_t n = split ? strcspn(p, ",") : strlen(p), m = n;
			const char *s = p;

			while (*s == ' ')
				s++, m--;
			while (m && s[m - 1] == ' ')
				m--;
			if (m) {
				char *one = strndup(s, m);

				if (one)
					json_array_append_new(vals, lang_lit(one, langs[k]));
				free(one);
			}
			p += n;
			if (*p == ',')
				p++;
		}
	}
	json_array_foreach(old, i, v) if (!is_lang(v, "lv") && !is_lang(v, "en")) json_array_append(vals, v);
	set_or_del(node, prop, vals);
}

/* Plain literals: shown[0..n) from the form, then what the form does not
 * show (the stored values past the n shown); the other properties of the
 * same meaning (schema.org's) are folded in. */
static void set_strs(json_t *node, const char *const *props, const char *const *shown, size_t n)
{
	json_t *vals = json_array(), *old = json_array(), *v;
	size_t i, k;

	for (k = 0; props[k]; k++) {
		json_array_foreach(node_vals(node, props[k]), i, v) if (val_str(v)) json_array_append(old, v);
		if (k)
			json_object_del(node, props[k]);
	}
	for (i = 0; i < n; i++)
		if (shown[i] && *shown[i])
			json_array_append_new(vals, json_pack("{s:s}", "@value", shown[i]));
	for (i = n; i < json_array_size(old); i++)
		json_array_append(vals, json_array_get(old, i));
	json_decref(old);
	set_or_del(node, props[0], vals);
}

static void set_link(json_t *node, const char *prop, const char *url)
{
	set_or_del(node, prop, url && *url ? json_pack("[{s:s}]", "@id", url) : json_array());
}

static void set_roles(json_t *node, unsigned bits)
{
	json_t *vals = json_array(), *v;
	size_t i, k;

	for (k = 0; org_helpdesk_roles[k]; k++)
		if (bits & (1u << k))
			json_array_append_new(vals, json_pack("{s:s}", "@value", org_helpdesk_roles[k]));
	json_array_foreach(node_vals(node, NS_EPAK "helpdeskFor"), i, v)
	{
		int known = 0;

		for (k = 0; org_helpdesk_roles[k]; k++)
			known |= val_str(v) && !strcmp(val_str(v), org_helpdesk_roles[k]);
		if (!known)
			json_array_append(vals, v);
	}
	set_or_del(node, NS_EPAK "helpdeskFor", vals);
}

/* The first inlined node of prop (an object describing more than its
 * @id), made with type when there is none. */
static json_t *part_of(json_t *node, const char *prop, const char *type)
{
	json_t *vals = node_vals(node, prop), *v;
	size_t i;

	json_array_foreach(vals, i, v) if (json_is_object(v) && !val_str(v) &&
					   json_object_size(v) > (json_object_get(v, "@id") ? 1u : 0u)) return v;
	v = json_pack("{s:[s]}", "@type", type);
	json_object_set_new(node, prop, json_pack("[o]", v));
	return v;
}

/* Drops prop when its part says nothing but its type. */
static void drop_empty_part(json_t *node, const char *prop, json_t *part)
{
	if (json_object_size(part) - (json_object_get(part, "@type") != NULL) == 0)
		json_object_del(node, prop);
}

static json_t *start_node(const char *old_body, const char *iri, const char *type, struct err *err)
{
	json_t *n;

	if (old_body) {
		json_error_t je;

		n = json_loads(old_body, 0, &je);
		if (!json_is_object(n)) {
			json_decref(n);
			err_set(err, ERR_INTERNAL, "stored node <%s> is not a JSON object", iri);
			return NULL;
		}
	} else {
		n = json_pack("{s:[s]}", "@type", type);
	}
	json_object_set_new(n, "@id", json_string(iri));
	return n;
}

static json_t *contact_node(const struct org_contact_form *c, const char *iri, const char *old_body, struct err *err)
{
	static const char *const phone_props[] = {NS_CV "telephone", NS_SCHEMA "telephone", NS_SCHEMA_HTTP "telephone",
						  NULL};
	static const char *const email_props[] = {NS_CV "email", NS_SCHEMA "email", NS_SCHEMA_HTTP "email", NULL};
	json_t *n = start_node(old_body, iri, NS_CV "ContactPoint", err), *h;

	if (!n)
		return NULL;
	set_text(n, NS_DCT "title", c->title_lv, c->title_en, 0);
	set_strs(n, phone_props, c->phone, 2);
	set_strs(n, email_props, c->email, 2);
	json_object_del(n, NS_SCHEMA "url");
	json_object_del(n, NS_SCHEMA_HTTP "url");
	json_object_del(n, NS_FOAF "page");
	set_link(n, NS_CV "contactPage", c->page);
	json_object_del(n, NS_SCHEMA "hoursAvailable");
	json_object_del(n, NS_SCHEMA_HTTP "hoursAvailable");
	h = part_of(n, NS_CV "openingHours", NS_TIME "TemporalEntity");
	set_text(h, NS_DCT "description", c->hours_lv, c->hours_en, 0);
	drop_empty_part(n, NS_CV "openingHours", h);
	set_roles(n, c->helpdesk);
	return n;
}

static json_t *org_node(const struct org_form *f, const char *iri, const char *old_body, json_t *contact_iris,
			struct err *err)
{
	json_t *n = start_node(old_body, iri, NS_CV "PublicOrganisation", err), *a, *refs, *v;
	size_t i;

	if (!n)
		return NULL;
	if (!old_body || !node_vals(n, NS_DCT "identifier"))
		json_object_set_new(n, NS_DCT "identifier", json_pack("[{s:s}]", "@value", f->identifier));
	set_text(n, NS_SKOS "prefLabel", f->name_lv, f->name_en, 0);
	set_text(n, NS_SKOS "altLabel", f->alt_lv, f->alt_en, 1);
	json_object_del(n, NS_EPAK "type");
	set_or_del(n, NS_EPAK "level", f->level && *f->level ? json_pack("[{s:s}]", "@value", f->level) : json_array());
	json_object_del(n, NS_SCHEMA "url");
	set_link(n, NS_FOAF "homepage", f->homepage);
	a = part_of(n, NS_LOCN "address", NS_LOCN "Address");
	set_text(a, NS_LOCN "fullAddress", f->address_lv, f->address_en, 0);
	drop_empty_part(n, NS_LOCN "address", a);
	set_link(n, NS_DCT "spatial", f->spatial);
	if (f->e_mark || node_vals(n, NS_EPAK "eMark"))
		json_object_set_new(
		    n, NS_EPAK "eMark",
		    json_pack("[{s:s, s:s}]", "@value", f->e_mark ? "true" : "false", "@type", NS_XSD "boolean"));
	set_or_del(n, NS_EPAK "eMarkGranted",
		   f->e_mark && f->e_mark_granted && *f->e_mark_granted
		       ? json_pack("[{s:s, s:s}]", "@value", f->e_mark_granted, "@type", NS_XSD "date")
		       : json_array());
	set_roles(n, f->helpdesk);
	json_object_del(n, NS_CV "hasContactPoint");
	json_object_del(n, NS_SCHEMA "contactPoint");
	json_object_del(n, NS_SCHEMA_HTTP "contactPoint");
	refs = json_array();
	json_array_foreach(contact_iris, i, v) json_array_append_new(refs, json_pack("{s:O}", "@id", v));
	set_or_del(n, NS_CV "contactPoint", refs);
	return n;
}

static int copy_record(struct cat_record *to, const struct cat_record *from)
{
	*to = *from;
	to->iri = strdup(from->iri);
	to->identifier = from->identifier ? strdup(from->identifier) : NULL;
	to->title_lv = from->title_lv ? strdup(from->title_lv) : NULL;
	to->title_en = from->title_en ? strdup(from->title_en) : NULL;
	to->body = strdup(from->body);
	return to->iri && to->body && (!from->identifier || to->identifier) && (!from->title_lv || to->title_lv) &&
		       (!from->title_en || to->title_en)
		   ? 0
		   : -1;
}

void org_records_free(struct cat_record *r, size_t n)
{
	size_t i;

	for (i = 0; r && i < n; i++) {
		free(r[i].iri);
		free(r[i].identifier);
		free(r[i].title_lv);
		free(r[i].title_en);
		free(r[i].body);
	}
	free(r);
}

int org_form_records(const struct org_form *f, const char *iri, const char *old_body, const char *const *contact_bodies,
		     long long stamp, struct cat_record **out, size_t *n, struct err *err)
{
	json_t *doc = json_array(), *iris = json_array(), *node;
	struct cat_doc *d = NULL;
	char *text = NULL;
	size_t i, k = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	err_clear(err);
	for (i = 0; i < f->ncontacts && i < ORG_FORM_CONTACTS; i++) {
		const struct org_contact_form *c = &f->contact[i];
		char *ciri;

		if (org_contact_empty(c))
			continue; /* emptied: the organisation no longer names it */
		ciri = c->iri ? strdup(c->iri) : NULL;
		if (!c->iri && asprintf(&ciri, "%s/kontakts-%lld-%zu", iri, stamp, i + 1) < 0)
			ciri = NULL;
		if (!ciri) {
			err_set(err, ERR_INTERNAL, "out of memory");
			goto done;
		}
		node = contact_node(c, ciri, c->iri && contact_bodies ? contact_bodies[i] : NULL, err);
		json_array_append_new(iris, json_string(ciri));
		free(ciri);
		if (!node)
			goto done;
		json_array_append_new(doc, node);
	}
	node = org_node(f, iri, old_body, iris, err);
	if (!node)
		goto done;
	json_array_insert_new(doc, 0, node);
	text = json_dumps(doc, JSON_COMPACT);
	if (!text) {
		err_set(err, ERR_INTERNAL, "out of memory");
		goto done;
	}
	d = cat_doc_parse(text, strlen(text), CAT_SYNTAX_JSONLD, err);
	if (!d)
		goto done;
	*out = calloc(d->n ? d->n : 1, sizeof(**out));
	if (!*out) {
		err_set(err, ERR_INTERNAL, "out of memory");
		goto done;
	}
	/* the organisation first, then the rest in the document's order */
	for (i = 0; i < d->n; i++)
		if (!strcmp(d->rec[i].iri, iri) && copy_record(&(*out)[k++], &d->rec[i]) != 0)
			goto oom;
	if (k != 1) {
		err_set(err, ERR_VALIDATION, "node <%s>: not a cv:PublicOrganisation record", iri);
		goto fail;
	}
	for (i = 0; i < d->n; i++)
		if (strcmp(d->rec[i].iri, iri) != 0 && copy_record(&(*out)[k++], &d->rec[i]) != 0)
			goto oom;
	*n = k;
	rc = 0;
	goto done;
oom:
	err_set(err, ERR_INTERNAL, "out of memory");
fail:
	org_records_free(*out, k);
	*out = NULL;
done:
	cat_doc_free(d);
	free(text);
	json_decref(doc);
	json_decref(iris);
	return rc;
}
