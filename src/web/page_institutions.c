/* page_institutions.c — institutions in the back office (issue 11, point
 * 3), for administrators only: the list (/birojs/iestades), a new one
 * (/birojs/iestades/jauna), and one institution's page
 * (/birojs/iestades/{slug}): its name, level, place, homepage, address,
 * the "ē!" mark with the date it was granted, helpdesk roles and contact
 * points; the staff accounts that edit it (account_role); and whether its
 * editors' changes need an administrator's approval (institution_setting).
 *
 * Everything shown is read from the database, not the read model, so the
 * page shows a save at once; the public pages follow when the read model
 * refreshes (the revision moved). Every change goes to the audit log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/org_edit.h"
#include "catalog/store.h"
#include "core/buf.h"
#include "core/digest.h"
#include "core/log.h"
#include "core/when.h"
#include "store/db.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/form.h"
#include "web/snapshot.h"
#include "web/web.h"

#define LVA "http://publications.europa.eu/resource/authority/country/LVA"

static const char *const levels[] = {"state", "municipal", NULL};
static const char *const yes[] = {"1", NULL};

static const struct field org_fields[] = {FIELD_TEXT("identifier", OPTIONAL, 2, 60, N_("Identifier")),
					  FIELD_TEXT("name_lv", REQUIRED, 2, 200, N_("Name in Latvian")),
					  FIELD_TEXT("name_en", OPTIONAL, 2, 200, N_("Name in English")),
					  FIELD_TEXT("alt_lv", OPTIONAL, 0, 200, N_("Short names in Latvian")),
					  FIELD_TEXT("alt_en", OPTIONAL, 0, 200, N_("Short names in English")),
					  FIELD_CHOICE("level", REQUIRED, levels, N_("Level")),
					  FIELD_URL("homepage", OPTIONAL, N_("Homepage")),
					  FIELD_TEXT("address_lv", OPTIONAL, 0, 300, N_("Address in Latvian")),
					  FIELD_TEXT("address_en", OPTIONAL, 0, 300, N_("Address in English")),
					  FIELD_TEXT("spatial", REQUIRED, 0, 300, N_("Place it serves")),
					  FIELD_CHOICE("emark", OPTIONAL, yes, N_("The \"ē!\" mark")),
					  FIELD_DATE("emark_date", OPTIONAL, N_("Date the mark was granted")),
					  FIELD_CHOICE("help_eid", OPTIONAL, yes, N_("Helpdesk for the eID card")),
					  FIELD_CHOICE("help_esign", OPTIONAL, yes, N_("Helpdesk for the e-signature")),
					  FIELD_CHOICE("help_portal", OPTIONAL, yes, N_("Helpdesk for the portal")),
					  FIELD_END};

enum {
	O_IDENT,
	O_NAME_LV,
	O_NAME_EN,
	O_ALT_LV,
	O_ALT_EN,
	O_LEVEL,
	O_HOME,
	O_ADDR_LV,
	O_ADDR_EN,
	O_SPATIAL,
	O_EMARK,
	O_EMARK_DATE,
	O_HELP /* three: eID, e-signature, portal */
};

#define CONTACT_FIELDS(k)                                                                                              \
	{                                                                                                              \
		FIELD_TEXT("k" #k "_title_lv", OPTIONAL, 0, 200, N_("Contact: name in Latvian")),                      \
		    FIELD_TEXT("k" #k "_title_en", OPTIONAL, 0, 200, N_("Contact: name in English")),                  \
		    FIELD_PHONE("k" #k "_phone1", OPTIONAL, N_("Phone")),                                              \
		    FIELD_PHONE("k" #k "_phone2", OPTIONAL, N_("Another phone")),                                      \
		    FIELD_EMAIL("k" #k "_email1", OPTIONAL, N_("Official e-mail")),                                    \
		    FIELD_EMAIL("k" #k "_email2", OPTIONAL, N_("Another e-mail")),                                     \
		    FIELD_URL("k" #k "_page", OPTIONAL, N_("Contact page")),                                           \
		    FIELD_TEXTAREA("k" #k "_hours_lv", OPTIONAL, 0, 500, N_("Opening hours in Latvian")),              \
		    FIELD_TEXTAREA("k" #k "_hours_en", OPTIONAL, 0, 500, N_("Opening hours in English")),              \
		    FIELD_CHOICE("k" #k "_help_eid", OPTIONAL, yes, N_("Helpdesk for the eID card")),                  \
		    FIELD_CHOICE("k" #k "_help_esign", OPTIONAL, yes, N_("Helpdesk for the e-signature")),             \
		    FIELD_CHOICE("k" #k "_help_portal", OPTIONAL, yes, N_("Helpdesk for the portal")), FIELD_END       \
	}

static const struct field contact_fields[ORG_FORM_CONTACTS][14] = {CONTACT_FIELDS(0), CONTACT_FIELDS(1),
								   CONTACT_FIELDS(2), CONTACT_FIELDS(3)};

enum { C_TITLE_LV, C_TITLE_EN, C_PHONE1, C_PHONE2, C_EMAIL1, C_EMAIL2, C_PAGE, C_HOURS_LV, C_HOURS_EN, C_HELP };

/* The version of the stored institution the form was made from: a save
 * from an older one is refused (someone else saved in between). */
static const struct field version_fields[] = {FIELD_TEXT("version", OPTIONAL, 0, 64, N_("Version")), FIELD_END};

static const struct field staff_fields[] = {FIELD_TEXT("login", REQUIRED, 1, 63, N_("Login name")), FIELD_END};
static const struct field staff_remove_fields[] = {FIELD_NUMBER("account", NULL, 1, 999999999, N_("Account")),
						   FIELD_END};
static const struct field review_fields[] = {FIELD_CHOICE("review", OPTIONAL, yes, N_("Changes need approval")),
					     FIELD_END};

/* ---- finding an institution ---- */

struct inst {
	const char *slug;
	const char *iri;
	char *body;                          /* its stored node */
	struct catalog *cat;                 /* the stored non-service nodes (catalog_with_record) */
	const struct organisation *org;      /* in cat */
	char *cbody[ORG_FORM_CONTACTS];      /* its contact points' stored nodes */
	const char *ciri[ORG_FORM_CONTACTS]; /* and their IRIs, in the form's order */
	size_t nc;
	char version[DIGEST_HEX]; /* SHA-256 of those bodies: what the form was made from */
};

static void inst_clear(struct inst *in)
{
	size_t i;

	free(in->body);
	for (i = 0; i < ORG_FORM_CONTACTS; i++)
		free(in->cbody[i]);
	if (in->cat)
		catalog_free(in->cat);
	memset(in, 0, sizeof(*in));
}

static int iri_cb(void *cls, const struct db_row *row)
{
	struct req *r = ((void **)cls)[0];

	*(const char **)((void **)cls)[1] = arena_strdup(r->arena, row_text(row, 0));
	return 0;
}

static int slug_form_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && n <= 60 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n && s[0] != '-' &&
	       s[n - 1] != '-' && !strstr(s, "--") && strcmp(s, "jauna") != 0;
}

/* The IRI of the institution of slug: the read model's, else (created a
 * moment ago) the stored organisation whose identifier it is. */
static const char *inst_iri(struct req *r, struct db *db, const char *slug)
{
	const struct organisation *o = catalog_org(web_snapshot(r)->cat, slug);
	const char *iri = NULL;
	void *cls[2] = {r, &iri};

	if (o)
		return o->iri;
	if (!slug_form_ok(slug)) /* the back office makes only such identifiers */
		return NULL;
	if (db_query(db, "SELECT iri FROM catalog_node WHERE kind = 'organisation' AND identifier = $1",
		     DB_P(PTEXT(slug)), iri_cb, cls) < 0)
		return NULL;
	return iri;
}

/* Loads the stored institution of slug: 0, 1 when there is none, -1 on error. */
static int inst_load(struct req *r, struct db *db, const char *slug, struct inst *in)
{
	struct cat_record rec = {0};
	struct err err = {0};
	size_t i;

	memset(in, 0, sizeof(*in));
	in->slug = slug;
	in->iri = inst_iri(r, db, slug);
	if (!in->iri)
		return 1;
	if (catalog_record_body(db, in->iri, &in->body, &err) != 0)
		return in->body ? -1 : 1;
	rec.iri = (char *)in->iri;
	rec.kind = CAT_ORGANISATION;
	rec.body = in->body;
	in->cat = catalog_with_record(db, &rec, &err);
	if (!in->cat) {
		log_error("institution %s does not build: %s", slug, err.msg);
		return -1;
	}
	in->org = catalog_org_by_iri(in->cat, in->iri);
	if (!in->org)
		return 1;
	for (i = 0; i < in->org->ncontacts && in->nc < ORG_FORM_CONTACTS; i++) {
		if (!in->org->contacts[i]->iri)
			continue;
		in->ciri[in->nc] = in->org->contacts[i]->iri;
		if (catalog_record_body(db, in->ciri[in->nc], &in->cbody[in->nc], &err) < 0)
			return -1;
		in->nc++;
	}
	{
		struct buf all = BUF_INIT;

		buf_puts(&all, in->body);
		for (i = 0; i < in->nc; i++) {
			buf_putc(&all, '\n');
			buf_puts(&all, in->cbody[i] ? in->cbody[i] : "");
		}
		sha256_hex(all.data ? all.data : "", all.len, in->version);
		buf_free(&all);
	}
	return 0;
}

/* The places institutions of the catalog serve (dct:spatial), for the
 * form's list: [{iri, label}], sorted by label. */
static json_t *places(struct req *r, const char *chosen)
{
	const struct catalog *c = web_snapshot(r)->cat;
	json_t *list = json_array(), *seen = json_object();
	size_t i, k;

	/* Latvia, also when no institution of the catalog names it yet */
	json_object_set_new(seen, LVA, json_true());
	json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "iri", LVA, "name", i18n_tr(r->lang, N_("Latvia")),
					      "selected", chosen && !strcmp(chosen, LVA)));

	for (i = 0; i < c->norgs; i++)
		for (k = 0; k < c->orgs[i]->spatial.n; k++) {
			const struct concept *p = &c->orgs[i]->spatial.v[k];
			const char *label = ml(r, &p->label);

			if (!p->iri || json_object_get(seen, p->iri))
				continue;
			json_object_set_new(seen, p->iri, json_true());
			json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "iri", p->iri, "name",
							      label ? label : (p->notation ? p->notation : p->iri),
							      "selected", chosen && !strcmp(chosen, p->iri)));
		}
	json_decref(seen);
	json_array_sort(list, json_cmp_name);
	return list;
}

static int place_known(struct req *r, const char *iri)
{
	json_t *list = places(r, NULL), *p;
	size_t i;
	int found = 0;

	json_array_foreach(list, i, p) found |= !strcmp(json_string_value(json_object_get(p, "iri")), iri);
	json_decref(list);
	return found;
}

/* ---- the form ↔ struct org_form ---- */

static void form_of_org(const struct org_form *o, struct form *f, struct form cf[ORG_FORM_CONTACTS])
{
	size_t i, k;

	memset(f, 0, sizeof(*f));
	f->value[O_IDENT] = o->identifier;
	f->value[O_NAME_LV] = o->name_lv;
	f->value[O_NAME_EN] = o->name_en;
	f->value[O_ALT_LV] = o->alt_lv;
	f->value[O_ALT_EN] = o->alt_en;
	f->value[O_LEVEL] = o->level;
	f->value[O_HOME] = o->homepage;
	f->value[O_ADDR_LV] = o->address_lv;
	f->value[O_ADDR_EN] = o->address_en;
	f->value[O_SPATIAL] = o->spatial;
	f->value[O_EMARK] = o->e_mark ? "1" : "";
	f->value[O_EMARK_DATE] = o->e_mark_granted;
	for (k = 0; k < ORG_NROLES; k++)
		f->value[O_HELP + k] = o->helpdesk & (1u << k) ? "1" : "";
	for (i = 0; i < ORG_FORM_CONTACTS; i++) {
		const struct org_contact_form *c = &o->contact[i];

		memset(&cf[i], 0, sizeof(cf[i]));
		if (i >= o->ncontacts)
			continue;
		cf[i].value[C_TITLE_LV] = c->title_lv;
		cf[i].value[C_TITLE_EN] = c->title_en;
		cf[i].value[C_PHONE1] = c->phone[0];
		cf[i].value[C_PHONE2] = c->phone[1];
		cf[i].value[C_EMAIL1] = c->email[0];
		cf[i].value[C_EMAIL2] = c->email[1];
		cf[i].value[C_PAGE] = c->page;
		cf[i].value[C_HOURS_LV] = c->hours_lv;
		cf[i].value[C_HOURS_EN] = c->hours_en;
		for (k = 0; k < ORG_NROLES; k++)
			cf[i].value[C_HELP + k] = c->helpdesk & (1u << k) ? "1" : "";
	}
}

static void org_of_form(const struct form *f, const struct form cf[ORG_FORM_CONTACTS], struct org_form *o)
{
	size_t i, k;

	memset(o, 0, sizeof(*o));
	o->identifier = f->value[O_IDENT];
	o->name_lv = f->value[O_NAME_LV];
	o->name_en = f->value[O_NAME_EN];
	o->alt_lv = f->value[O_ALT_LV];
	o->alt_en = f->value[O_ALT_EN];
	o->level = f->value[O_LEVEL];
	o->homepage = f->value[O_HOME];
	o->address_lv = f->value[O_ADDR_LV];
	o->address_en = f->value[O_ADDR_EN];
	o->spatial = f->value[O_SPATIAL];
	o->e_mark = !strcmp(f->value[O_EMARK], "1");
	o->e_mark_granted = f->value[O_EMARK_DATE];
	for (k = 0; k < ORG_NROLES; k++)
		if (*f->value[O_HELP + k])
			o->helpdesk |= 1u << k;
	o->ncontacts = ORG_FORM_CONTACTS;
	for (i = 0; i < ORG_FORM_CONTACTS; i++) {
		struct org_contact_form *c = &o->contact[i];

		c->title_lv = cf[i].value[C_TITLE_LV];
		c->title_en = cf[i].value[C_TITLE_EN];
		c->phone[0] = cf[i].value[C_PHONE1];
		c->phone[1] = cf[i].value[C_PHONE2];
		c->email[0] = cf[i].value[C_EMAIL1];
		c->email[1] = cf[i].value[C_EMAIL2];
		c->page = cf[i].value[C_PAGE];
		c->hours_lv = cf[i].value[C_HOURS_LV];
		c->hours_en = cf[i].value[C_HOURS_EN];
		for (k = 0; k < ORG_NROLES; k++)
			if (*cf[i].value[C_HELP + k])
				c->helpdesk |= 1u << k;
	}
}

/* One field for the template (partials/office-field): its kind, label,
 * value, message and the ids that describe it. */
static json_t *field_json(struct req *r, const struct field *fd, const struct form *f, int i, const char *hint)
{
	const char *v = f->value[i] ? f->value[i] : "", *err = f->error[i];
	size_t cut = fd->max ? 4 * fd->max : 0;
	const char *type = "text";
	struct buf ids = BUF_INIT;
	json_t *j;

	if (cut && strlen(v) > cut) { /* a huge value is not sent back whole: its start shows what to shorten */
		while (cut && ((unsigned char)v[cut] & 0xC0) == 0x80)
			cut--;
		v = arena_strndup(r->arena, v, cut);
	}
	j = json_pack("{s:s, s:s, s:s, s:b}", "name", fd->name, "label", i18n_tr(r->lang, fd->label), "value", v,
		      "required", fd->required);

	switch (fd->type) {
	case F_TEXTAREA: json_object_set_new(j, "textarea", json_true()); break;
	case F_CHOICE:
		json_object_set_new(j, "checkbox", json_true());
		json_object_set_new(j, "checked", json_boolean(!strcmp(v, "1")));
		break;
	case F_URL: type = "url"; break;
	case F_EMAIL: type = "email"; break;
	case F_PHONE: type = "tel"; break;
	case F_DATE: type = "date"; break;
	default: break;
	}
	if (fd->type != F_TEXTAREA && fd->type != F_CHOICE) {
		json_object_set_new(j, "input", json_true());
		json_object_set_new(j, "type", json_string(type));
	}
	if (fd->max && fd->type != F_CHOICE)
		json_object_set_new(j, "maxlength", json_integer((json_int_t)fd->max));
	if (hint) {
		json_object_set_new(j, "hint", json_string(i18n_tr(r->lang, hint)));
		buf_printf(&ids, "%s-hint", fd->name);
	}
	if (err) {
		json_object_set_new(j, "error", json_string(err));
		buf_printf(&ids, "%s%s-error", ids.len ? " " : "", fd->name);
	}
	if (ids.len)
		json_object_set_new(j, "aria", json_stringn(ids.data, ids.len));
	buf_free(&ids);
	return j;
}

static json_t *fields_json(struct req *r, const struct field *fields, const struct form *f, int from, int to,
			   const char *const *hints)
{
	json_t *list = json_array();
	int i;

	for (i = from; i < to && fields[i].type != F_END; i++)
		json_array_append_new(list, field_json(r, &fields[i], f, i, hints ? hints[i] : NULL));
	return list;
}

static const char *const org_hints[] = {
    [O_IDENT] = N_("Small Latin letters, digits and hyphens; it becomes the address of the institution's page "
		   "and cannot be changed later."),
    [O_ALT_LV] = N_("Abbreviations such as VID, separated by commas."),
    [O_ALT_EN] = N_("Abbreviations such as SRS, separated by commas."),
    [O_HOME] = N_("A full address that starts with https://."),
    [O_EMARK_DATE] = N_("Year, month and day. Empty: today."),
    [O_HELP + ORG_NROLES] = NULL};

static const char *const contact_hints[] = {[C_PHONE1] = N_("Digits, like +371 67 000 000."),
					    [C_EMAIL1] = N_("The official address, also for documents signed with "
							    "a secure e-signature."),
					    [C_HELP + ORG_NROLES] = NULL};

/* ---- pages ---- */

static void staff_ctx(struct req *r, struct db *db, const char *slug, json_t *ctx);

/* A second form's fields under holder's key, its errors in ctx's summary. */
static void sub_form_ctx(struct req *r, const struct field *fields, const struct form *f, json_t *holder,
			 const char *key, json_t *ctx)
{
	json_t *tmp = json_object(), *e, *all;
	size_t i;

	form_to_ctx(r, fields, f, tmp);
	json_object_set(holder, key, json_object_get(tmp, "f"));
	json_array_foreach(json_object_get(tmp, "errors"), i, e)
	{
		all = json_object_get(ctx, "errors");
		if (!all) {
			all = json_array();
			json_object_set_new(ctx, "errors", all);
		}
		json_array_append(all, e);
		json_object_set_new(ctx, "has_errors", json_true());
		json_object_set_new(holder, "open", json_true());
	}
	json_decref(tmp);
}

static void show_form(struct req *r, int status, const struct inst *in, const struct form *f,
		      const struct form cf[ORG_FORM_CONTACTS], const struct form *sf, const char *refused)
{
	json_t *ctx = page_ctx(r, in ? N_("Edit institution") : N_("New institution"), "office");
	json_t *contacts = json_array();
	struct db *db = app_db(r);
	size_t i;

	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	form_to_ctx(r, org_fields, f, ctx);
	json_object_set_new(ctx, "ident", fields_json(r, org_fields, f, O_IDENT, O_NAME_LV, org_hints));
	/* required of a new institution (save() checks it), fixed afterwards */
	json_object_set_new(json_array_get(json_object_get(ctx, "ident"), 0), "required", json_true());
	json_object_set_new(ctx, "names", fields_json(r, org_fields, f, O_NAME_LV, O_LEVEL, org_hints));
	json_object_set_new(ctx, "where", fields_json(r, org_fields, f, O_HOME, O_SPATIAL, org_hints));
	json_object_set_new(ctx, "mark", fields_json(r, org_fields, f, O_EMARK, O_HELP, org_hints));
	json_object_set_new(ctx, "roles", fields_json(r, org_fields, f, O_HELP, 99, NULL));
	for (i = 0; i < ORG_FORM_CONTACTS; i++) {
		json_t *c;
		size_t stored = in ? in->nc : 0, k;
		int said = 0;

		for (k = 0; contact_fields[i][k].type != F_END; k++)
			said |= (cf[i].value[k] && *cf[i].value[k]) || cf[i].error[k];
		if (i > stored && !said)
			continue; /* one empty section to add a contact point is enough */
		c = json_object();

		json_object_set_new(c, "k", json_integer((json_int_t)i));
		json_object_set_new(c, "n", json_integer((json_int_t)i + 1));
		json_object_set_new(c, in && i < in->nc ? "stored" : "new", json_true());
		sub_form_ctx(r, contact_fields[i], &cf[i], c, "c", ctx);
		json_object_set_new(c, "main", fields_json(r, contact_fields[i], &cf[i], 0, C_HELP, contact_hints));
		json_object_set_new(c, "roles", fields_json(r, contact_fields[i], &cf[i], C_HELP, 99, NULL));
		json_array_append_new(contacts, c);
	}
	json_object_set_new(ctx, "contacts", contacts);
	json_object_set_new(ctx, "places", places(r, f->value[O_SPATIAL]));
	if (refused)
		form_ctx_add_error(r, ctx, "name_lv", N_("Institution"), refused);
	if (in) {
		json_object_set_new(ctx, "slug", json_string(in->slug));
		json_object_set_new(ctx, "version", json_string(in->version));
		json_object_set_new(ctx, "edit", json_true());
		json_object_set_new(ctx, "public_url",
				    json_string(prefixed(r, arena_printf(r->arena, "/iestades/%s", in->slug))));
		if (in->org)
			json_object_set_new(ctx, "org_name", json_string(ml(r, &in->org->name)));
		if (req_query(r, "saglabats"))
			json_object_set_new(ctx, "saved", json_true());
		if (db)
			staff_ctx(r, db, in->slug, ctx);
		if (sf)
			sub_form_ctx(r, staff_fields, sf, ctx, "sf", ctx);
	} else {
		json_object_set_new(ctx, "new", json_true());
	}
	render_flags(r, status, "office-institution", ctx, RESP_NO_STORE);
}

struct list_rows {
	struct req *r;
	json_t *list;
};

static int list_row(void *cls, const struct db_row *row)
{
	struct list_rows *x = cls;
	const struct catalog *c = web_snapshot(x->r)->cat;
	const struct organisation *o = catalog_org_by_iri(c, row_text(row, 0));
	const char *slug = o ? o->slug : row_text(row, 1);
	const char *name = x->r->lang == LANG_EN && *row_text(row, 3) ? row_text(row, 3) : row_text(row, 2);

	json_array_append_new(x->list,
			      json_pack("{s:s, s:s, s:s, s:b}", "name", *name ? name : slug, "slug", slug, "url",
					prefixed(x->r, arena_printf(x->r->arena, "/birojs/iestades/%s", slug)),
					"published", o != NULL));
	return 0;
}

int page_office_institutions(struct req *r)
{
	struct db *db;
	struct list_rows x;
	json_t *ctx;

	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	db = app_db(r);
	x = (struct list_rows){r, json_array()};
	if (!db || db_query(db,
			    "SELECT iri, COALESCE(identifier, ''), COALESCE(title_lv, ''), COALESCE(title_en, '') "
			    "FROM catalog_node WHERE kind = 'organisation' ORDER BY title_lv, iri",
			    DB_NOP, list_row, &x) < 0) {
		json_decref(x.list);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	ctx = page_ctx(r, N_("Institutions"), "office");
	json_object_set_new(ctx, "institutions", x.list);
	render_flags(r, 200, "office-institutions", ctx, RESP_NO_STORE);
	return 0;
}

int page_office_institution_new(struct req *r)
{
	struct form f, cf[ORG_FORM_CONTACTS];

	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	memset(&f, 0, sizeof(f));
	memset(cf, 0, sizeof(cf));
	f.value[O_SPATIAL] = LVA;
	f.value[O_LEVEL] = "state";
	show_form(r, 200, NULL, &f, cf, NULL, NULL);
	return 0;
}

int page_office_institution(struct req *r)
{
	struct db *db;
	struct inst in;
	struct org_form of;
	struct form f, cf[ORG_FORM_CONTACTS];
	int rc;

	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	db = app_db(r);
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	rc = inst_load(r, db, req_param(r, 0), &in);
	if (rc != 0) {
		inst_clear(&in);
		resp_error(r, rc > 0 ? ERR_NOT_FOUND : ERR_UNAVAILABLE, NULL);
		return 0;
	}
	org_form_from_org(in.org, r->arena, &of);
	form_of_org(&of, &f, cf);
	show_form(r, 200, &in, &f, cf, NULL, NULL);
	inst_clear(&in);
	return 0;
}

/* Validates the submitted form: 0 when it is good. */
static int read_form(struct req *r, const struct inst *in, struct form *f, struct form cf[ORG_FORM_CONTACTS])
{
	int bad = form_validate(r, org_fields, f) != 0;
	size_t i;

	for (i = 0; i < ORG_FORM_CONTACTS; i++)
		bad |= form_validate(r, contact_fields[i], &cf[i]) != 0;
	if (in)
		f->value[O_IDENT] = in->org->identifier ? in->org->identifier : in->slug; /* fixed */
	if (!f->error[O_SPATIAL] && !place_known(r, f->value[O_SPATIAL])) {
		f->error[O_SPATIAL] = i18n_tr(r->lang, N_("Please choose one of the options."));
		bad = 1;
	}
	if (*f->value[O_EMARK_DATE] && !*f->value[O_EMARK] && !f->error[O_EMARK_DATE]) {
		f->error[O_EMARK_DATE] = i18n_tr(r->lang, N_("A date is given only with the mark."));
		bad = 1;
	}
	for (i = 0; i < ORG_FORM_CONTACTS; i++) {
		if (*cf[i].value[C_PHONE2] && !*cf[i].value[C_PHONE1] && !cf[i].error[C_PHONE1]) {
			cf[i].error[C_PHONE1] = i18n_tr(r->lang, N_("Please fill in the first one first."));
			bad = 1;
		}
		if (*cf[i].value[C_EMAIL2] && !*cf[i].value[C_EMAIL1] && !cf[i].error[C_EMAIL1]) {
			cf[i].error[C_EMAIL1] = i18n_tr(r->lang, N_("Please fill in the first one first."));
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

struct put_job {
	struct cat_record *rec;
	size_t n;
	struct err err;
};

static int put_all(struct db *db, void *cls)
{
	struct put_job *j = cls;
	size_t i;

	/* the contact points first: the organisation names them */
	for (i = 1; i < j->n; i++)
		if (catalog_put_in_tx(db, &j->rec[i], NULL, &j->err) != 0)
			return -1;
	return catalog_put_in_tx(db, &j->rec[0], NULL, &j->err);
}

static const char *today(struct req *r)
{
	time_t t = time(NULL) + when_riga_offset(time(NULL));
	struct tm tm;

	gmtime_r(&t, &tm);
	return arena_printf(r->arena, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Saves the form of an existing institution (in) or a new one (in NULL). */
static int save(struct req *r, struct inst *in)
{
	struct db *db = app_db(r);
	struct form f, cf[ORG_FORM_CONTACTS];
	struct org_form of;
	struct put_job j = {0};
	const char *iri, *slug, *cbodies[ORG_FORM_CONTACTS] = {0};
	const struct app *app = app_of(r);
	int had_mark = in && in->org->e_mark == FLAG_YES, bad;
	const char *had_date = in && in->org->e_mark_granted ? in->org->e_mark_granted : "";
	size_t i;

	if (in) {
		struct form vf;

		if (form_validate(r, version_fields, &vf) != 0 || strcmp(vf.value[0], in->version) != 0) {
			struct org_form now;

			org_form_from_org(in->org, r->arena, &now);
			form_of_org(&now, &f, cf);
			show_form(r, 409, in, &f, cf, NULL,
				  i18n_tr(r->lang, N_("Someone else saved this institution after you opened it. "
						      "Below is what is saved now; please make your change again.")));
			return 0;
		}
	}
	bad = read_form(r, in, &f, cf) != 0;
	if (!in && !f.error[O_IDENT]) {
		const char *id = f.value[O_IDENT];

		if (!*id)
			f.error[O_IDENT] = i18n_tr(r->lang, N_("This field is required."));
		else if (!slug_form_ok(id))
			f.error[O_IDENT] = i18n_tr(r->lang, N_("Use small Latin letters, digits and single hyphens, "
							       "like vid or riga-city-council."));
		else if (inst_iri(r, db, id))
			f.error[O_IDENT] = i18n_tr(r->lang, N_("An institution with this identifier exists."));
		bad |= f.error[O_IDENT] != NULL;
	}
	if (bad)
		goto invalid;
	if (office_save_budget(r) != 0)
		return 0;
	org_of_form(&f, cf, &of);
	if (of.e_mark && !*of.e_mark_granted)
		of.e_mark_granted = had_mark && *had_date ? had_date : today(r);
	slug = in ? in->slug : f.value[O_IDENT];
	if (in) {
		iri = in->iri;
		for (i = 0; i < in->nc; i++) {
			of.contact[i].iri = in->ciri[i];
			cbodies[i] = in->cbody[i];
		}
	} else if (app->cfg->public_url && *app->cfg->public_url) {
		iri = arena_printf(r->arena, "%s/iestades/%s", app->cfg->public_url, slug);
	} else {
		iri = arena_printf(r->arena, "urn:epak:org:%s", slug);
	}
	if (org_form_records(&of, iri, in ? in->body : NULL, cbodies, (long long)time(NULL), &j.rec, &j.n, &j.err) !=
		0 ||
	    db_tx(db, put_all, &j) != 0) {
		org_records_free(j.rec, j.n);
		log_error("institution %s not saved: %s", slug, j.err.msg[0] ? j.err.msg : db_errmsg(db));
		if (j.err.code == ERR_VALIDATION) {
			show_form(r, 422, in, &f, cf, NULL,
				  i18n_tr(r->lang, N_("The catalog refused the institution; nothing was saved.")));
			return 0;
		}
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	org_records_free(j.rec, j.n);
	auth_audit(r, 0, in ? "institution-updated" : "institution-created", "", 1,
		   arena_printf(r->arena, "institution=%s", slug));
	if (of.e_mark != had_mark || (of.e_mark && strcmp(of.e_mark_granted, had_date) != 0))
		auth_audit(r, 0, of.e_mark ? "emark-granted" : "emark-removed", "", 1,
			   of.e_mark ? arena_printf(r->arena, "institution=%s date=%s", slug, of.e_mark_granted)
				     : arena_printf(r->arena, "institution=%s", slug));
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/birojs/iestades/%s?saglabats=1", slug)));
	return 0;
invalid:
	show_form(r, 422, in, &f, cf, NULL, NULL);
	return 0;
}

int form_office_institution_new(struct req *r)
{
	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	if (!app_db(r)) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	return save(r, NULL);
}

/* Loads the institution of the path for a POST; 0, else r is answered. */
static int post_inst(struct req *r, struct inst *in)
{
	struct db *db;
	int rc;

	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return -1;
	db = app_db(r);
	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	rc = inst_load(r, db, req_param(r, 0), in);
	if (rc != 0) {
		inst_clear(in);
		resp_error(r, rc > 0 ? ERR_NOT_FOUND : ERR_UNAVAILABLE, NULL);
		return -1;
	}
	return 0;
}

int form_office_institution(struct req *r)
{
	struct inst in;

	if (post_inst(r, &in) != 0)
		return 0;
	save(r, &in);
	inst_clear(&in);
	return 0;
}

/* ---- staff and review ---- */

struct staff_rows {
	struct req *r;
	json_t *list;
};

static int staff_row(void *cls, const struct db_row *row)
{
	struct staff_rows *x = cls;

	json_array_append_new(x->list,
			      json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)row_int(row, 0), "login",
					row_text(row, 1), "name", row_text(row, 2), "disabled", row_int(row, 3) != 0));
	return 0;
}

static void staff_ctx(struct req *r, struct db *db, const char *slug, json_t *ctx)
{
	struct staff_rows x = {r, json_array()};
	long long review = 0;

	db_query(db,
		 "SELECT a.id, a.login, a.display_name, a.disabled FROM account_role ar JOIN account a ON a.id = "
		 "ar.account_id "
		 "WHERE ar.role = 'institution' AND ar.institution = $1 ORDER BY a.login",
		 DB_P(PTEXT(slug)), staff_row, &x);
	json_object_set_new(ctx, "staff", x.list);
	if (db_query_int(db, "SELECT review_required FROM institution_setting WHERE slug = $1", DB_P(PTEXT(slug)),
			 &review) == DB_OK &&
	    review)
		json_object_set_new(ctx, "review", json_true());
}

static void show_again(struct req *r, struct inst *in, int status, const struct form *sf)
{
	struct org_form of;
	struct form f, cf[ORG_FORM_CONTACTS];

	org_form_from_org(in->org, r->arena, &of);
	form_of_org(&of, &f, cf);
	show_form(r, status, in, &f, cf, sf, NULL);
}

/* A change of an account's roles: its sessions end (as `epak user` does). */
static int end_sessions(struct db *db, long long account)
{
	return db_exec(db, "DELETE FROM login_session WHERE account_id = $1", DB_P(PINT(account)), NULL);
}

/* The end of a POST of an institution's page: an error page, or back to
 * the page at anchor (Post/Redirect/Get). Frees in. */
static int fail(struct req *r, struct inst *in, enum err_code code)
{
	inst_clear(in);
	resp_error(r, code, NULL);
	return 0;
}

static int back(struct req *r, struct inst *in, const char *anchor)
{
	resp_redirect(r, 303,
		      prefixed(r, arena_printf(r->arena, "/birojs/iestades/%s?saglabats=1#%s", in->slug, anchor)));
	inst_clear(in);
	return 0;
}

int form_office_institution_staff(struct req *r)
{
	struct inst in;
	struct form sf;
	struct account a;
	struct db *db;
	int rc;

	if (post_inst(r, &in) != 0)
		return 0;
	db = app_db(r);
	if (form_validate(r, staff_fields, &sf) != 0) {
		show_again(r, &in, 422, &sf);
		inst_clear(&in);
		return 0;
	}
	rc = account_by_login(db, sf.value[0], &a);
	if (rc == DB_ENOROW || (rc == DB_OK && !a.staff)) {
		sf.error[0] = i18n_tr(r->lang, N_("There is no staff account with this login name."));
		sf.nerrors = 1;
		show_again(r, &in, 422, &sf);
		inst_clear(&in);
		return 0;
	}
	if (rc != DB_OK || account_role_add(db, a.id, ROLE_INSTITUTION, in.slug) != DB_OK ||
	    end_sessions(db, a.id) != DB_OK)
		return fail(r, &in, ERR_UNAVAILABLE);
	auth_audit(r, a.id, "institution-editor-added", "", 1, arena_printf(r->arena, "institution=%s", in.slug));
	return back(r, &in, "staff");
}

int form_office_institution_staff_remove(struct req *r)
{
	struct inst in;
	struct form sf;
	struct db *db;
	int rc;

	if (post_inst(r, &in) != 0)
		return 0;
	db = app_db(r);
	if (form_validate(r, staff_remove_fields, &sf) != 0 || !sf.number[0])
		return fail(r, &in, ERR_BAD_REQUEST);
	rc = account_role_remove(db, (long long)sf.number[0], ROLE_INSTITUTION, in.slug);
	if (rc < 0 || (rc == DB_OK && end_sessions(db, (long long)sf.number[0]) != DB_OK))
		return fail(r, &in, ERR_UNAVAILABLE);
	if (rc == DB_OK) /* else: not an editor of this institution, nothing changed */
		auth_audit(r, (long long)sf.number[0], "institution-editor-removed", "", 1,
			   arena_printf(r->arena, "institution=%s", in.slug));
	return back(r, &in, "staff");
}

int form_office_institution_review(struct req *r)
{
	struct inst in;
	struct form rf;
	struct db *db;
	int on;

	if (post_inst(r, &in) != 0)
		return 0;
	db = app_db(r);
	if (form_validate(r, review_fields, &rf) != 0)
		return fail(r, &in, ERR_BAD_REQUEST);
	on = !strcmp(rf.value[0], "1");
	if (db_exec(db,
		    "INSERT INTO institution_setting (slug, review_required, updated_at) VALUES ($1, $2, $3) "
		    "ON CONFLICT (slug) DO UPDATE SET review_required = $2, updated_at = $3",
		    DB_P(PTEXT(in.slug), PINT(on), PINT((long long)time(NULL))), NULL) != DB_OK)
		return fail(r, &in, ERR_UNAVAILABLE);
	auth_audit(r, 0, "institution-review-set", "", 1,
		   arena_printf(r->arena, "institution=%s review=%s", in.slug, on ? "on" : "off"));
	return back(r, &in, "review");
}
