/* page_useful.c — the campaign's useful pages (issue 12 point 8): "Noderīgi
 * kontakti" (/kontakti: the portal's helpdesk from the facts, then the
 * institutions' helpdesks and contact points from the catalog, saying who
 * answers what) and "Kā sākt?" (/ka-sakt: what one needs to start with the
 * eID card; its facts and links come from the facts, web/facts.h). The
 * safety page's "how to recognise the real portal" is template text with
 * facts too (templates/safety.mustache). */
#include <string.h>

#include "catalog/model.h"
#include "core/buf.h"
#include "web/app.h"
#include "web/catalog_ctx.h"
#include "web/snapshot.h"
#include "web/web.h"

#define CONTACTS_MAX 500

static int has(const struct strlist *l, const char *what)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], what))
			return 1;
	return 0;
}

/* Who answers what: the helpdesk roles of a contact point (else of its
 * institution), in the page's language, "a; b"; "" for none. */
static json_t *roles_json(struct req *r, const struct strlist *l)
{
	struct buf b = BUF_INIT;
	json_t *out;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *w = l->v[i];

		if (!strcmp(w, "eID"))
			w = i18n_tr(r->lang, N_("Applying for and activating the eID card"));
		else if (!strcmp(w, "e-signature"))
			w = i18n_tr(r->lang, N_("Using the e-signature and preparing your computer"));
		else if (!strcmp(w, "portal"))
			w = i18n_tr(r->lang, N_("Using the portal"));
		buf_printf(&b, "%s%s", i ? "; " : "", w);
	}
	out = json_stringn(b.data ? b.data : "", b.len);
	buf_free(&b);
	return out ? out : json_string("");
}

/* The portal's own helpdesk, shown first from the facts: the catalog's copy
 * of it (a contact point that is the helpdesk for the portal, or whose page
 * is on the portal's host) is not repeated. */
static int portal_desk(struct req *r, const struct organisation *o, const struct contact_point *c,
		       const char *portal_host)
{
	if (has(&c->helpdesk_for, "portal") || (!c->helpdesk_for.n && has(&o->helpdesk_for, "portal")))
		return 1;
	return portal_host && *portal_host && c->pages.n && !strcmp(url_host(r, c->pages.v[0]), portal_host);
}

static int desk_first(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int dx = json_is_true(json_object_get(x, "desk")), dy = json_is_true(json_object_get(y, "desk"));

	if (dx != dy)
		return dy - dx;
	return json_cmp_name(a, b);
}

int page_contacts(struct req *r)
{
	const struct catalog *c = web_snapshot(r)->cat;
	json_t *ctx = page_ctx(r, N_("Useful contacts"), "contacts"), *orgs = json_array();
	const char *portal = json_string_value(
	    json_object_get(json_object_get(json_object_get(ctx, "facts"), "portal_address"), "value"));
	const char *portal_host =
	    portal ? url_host(r, strstr(portal, "://") ? portal : arena_printf(r->arena, "https://%s", portal)) : NULL;
	size_t i, k, shown = 0;

	for (i = 0; i < c->norgs && shown < CONTACTS_MAX; i++) {
		const struct organisation *o = c->orgs[i];
		json_t *cps = json_array(), *org;
		int desk = o->helpdesk_for.n > 0;

		for (k = 0; k < o->ncontacts && shown < CONTACTS_MAX; k++) {
			const struct contact_point *cp = o->contacts[k];
			json_t *j;

			if (portal_desk(r, o, cp, portal_host))
				continue;
			if (!cp->phones.n && !cp->emails.n && !cp->pages.n)
				continue;
			j = json_object();
			if (ml(r, &cp->title))
				json_object_set_new(j, "name", json_string(ml(r, &cp->title)));
			if (cp->phones.n)
				json_object_set_new(j, "phone", json_string(cp->phones.v[0]));
			if (cp->emails.n)
				json_object_set_new(j, "email", json_string(cp->emails.v[0]));
			if (cp->pages.n &&
			    (!strncmp(cp->pages.v[0], "https://", 8) || !strncmp(cp->pages.v[0], "http://", 7))) {
				json_object_set_new(j, "page", json_string(cp->pages.v[0]));
				json_object_set_new(j, "host", json_string(url_host(r, cp->pages.v[0])));
			}
			if (ml(r, &cp->hours))
				json_object_set_new(j, "hours", json_string(ml(r, &cp->hours)));
			/* always set: inside {{#orgs.0}} a missing key is looked
			 * up in the first organisation */
			json_object_set_new(j, "roles", roles_json(r, &cp->helpdesk_for));
			desk |= cp->helpdesk_for.n > 0;
			json_array_append_new(cps, j);
			shown++;
		}
		if (!json_array_size(cps)) {
			json_decref(cps);
			continue;
		}
		org = org_brief(r, o);
		json_object_set_new(org, "contacts", cps);
		json_object_set_new(org, "roles", roles_json(r, &o->helpdesk_for));
		json_object_set_new(org, "desk", json_boolean(desk));
		json_array_append_new(orgs, org);
	}
	json_array_sort(orgs, desk_first);
	json_object_set_new(ctx, "orgs", orgs);
	render(r, 200, "contacts", ctx);
	return 0;
}

int page_start(struct req *r)
{
	render(r, 200, "start", page_ctx(r, N_("How to start"), "start"));
	return 0;
}
