/* page_useful.c — the campaign's useful pages (issue 12 point 8): "Noderīgi
 * kontakti" (/kontakti: help by problem — a blocked PIN, an e-signature that
 * does not work, logging in, sending a document — each with the helpdesks
 * the catalog names for it (epak:helpdeskFor) and the portal's own from the
 * facts, every number with its form from abroad (issue 13 point 8); then
 * the institutions' contact points from the catalog) and "Kā sākt?" (/ka-sakt: what one needs to start with the
 * eID card; its facts and links come from the facts, web/facts.h). The
 * safety page's "how to recognise the real portal" is template text with
 * facts too (templates/safety.mustache). */
#include <string.h>

#include "catalog/model.h"
#include "core/buf.h"
#include "web/app.h"
#include "web/catalog_ctx.h"
#include "web/contact_ctx.h"
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

/* The portal's own helpdesk, shown from the facts: the catalog's copy
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

/* The commonest problems, in the order people have them, and which
 * helpdesk roles of the catalog (epak:helpdeskFor) answer each: the numbers
 * come from the catalog's contact points, never from here. "portal" is the
 * portal's own helpdesk, from the facts. */
static const struct problem {
	const char *id;       /* the section's anchor */
	const char *title;    /* msgid */
	const char *advice;   /* msgid: what to do first */
	const char *roles[3]; /* who answers, NULL-terminated */
	const char *link, *link_text;
} problems[] = {
    {"eid-pin",
     N_("eID PIN blocked or forgotten"),
     N_("Three wrong PINs in a row block it. With the PUK code from your PIN envelope you can unblock it yourself "
	"in the eParaksts card software; if the PUK is lost or blocked too, the Office of Citizenship and Migration "
	"Affairs issues a new PIN envelope."),
     {"e-signature", "eID", NULL},
     "/buj#pin-blokets",
     N_("PIN blocked or forgotten: step by step")},
    {"e-paraksts",
     N_("The e-signature does not work"),
     N_("Check that the card reader is connected and the eParaksts software is installed and up to date; the "
	"e-signature helpdesk helps with the software and with preparing your computer."),
     {"e-signature", NULL, NULL},
     "/ka-sakt",
     N_("What you need to start")},
    {"pieslegties",
     N_("I cannot log in to the portal"),
     N_("Logging in with the eID card needs PIN1 and a working card reader; with an internet bank or eParaksts "
	"mobile, that service's own login. The portal's helpdesk helps with logging in."),
     {"portal", "eID", NULL},
     "/pieteikties",
     N_("Ways to log in")},
    {"dokumenta-nosutisana",
     N_("Sending a document"),
     N_("A document signed with a secure e-signature can be sent here to an institution's official e-mail "
	"address, with a receipt. If delivery failed, use the institution's official e-address on latvija.gov.lv "
	"or its contacts. The portal's helpdesk helps with sending."),
     {"portal", "e-signature", NULL},
     "/nosutit",
     N_("Send a signed document")},
    {"eid-karte",
     N_("Getting or activating the eID card"),
     N_("The eID card is applied for and its e-signature activated at the Office of Citizenship and Migration "
	"Affairs."),
     {"eID", NULL, NULL},
     "/ka-sakt",
     N_("What you need to start")},
};

/* The catalog's helpdesks with role (a contact point's own roles, else its
 * institution's): {org, contact} each. */
static json_t *desks_for(struct req *r, const struct catalog *c, const char *role)
{
	json_t *out = json_array(), *one;
	size_t i, k;

	for (i = 0; i < c->norgs; i++) {
		const struct organisation *o = c->orgs[i];

		for (k = 0; k < o->ncontacts; k++) {
			const struct contact_point *cp = o->contacts[k];

			if (!(cp->helpdesk_for.n ? has(&cp->helpdesk_for, role) : has(&o->helpdesk_for, role)))
				continue;
			one = contact_json(r, cp);
			if (!one)
				continue;
			json_object_set_new(one, "org", org_brief(r, o));
			json_array_append_new(out, one);
		}
	}
	return out;
}

static json_t *problems_json(struct req *r, const struct catalog *c)
{
	json_t *arr = json_array(), *p, *desks, *found;
	size_t i, k;
	int portal;

	for (i = 0; i < sizeof(problems) / sizeof(problems[0]); i++) {
		desks = json_array();
		portal = 0;
		for (k = 0; k < 3 && problems[i].roles[k]; k++) {
			if (!strcmp(problems[i].roles[k], "portal"))
				portal = 1;
			else {
				found = desks_for(r, c, problems[i].roles[k]);
				json_array_extend(desks, found);
				json_decref(found);
			}
		}
		p = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s}", "id", problems[i].id, "title",
			      i18n_tr(r->lang, problems[i].title), "advice", i18n_tr(r->lang, problems[i].advice),
			      "portal", portal, "link", prefixed(r, problems[i].link), "link_text",
			      i18n_tr(r->lang, problems[i].link_text));
		json_object_set_new(p, "desks", desks);
		json_array_append_new(arr, p);
	}
	return arr;
}

int page_contacts(struct req *r)
{
	const struct catalog *c = web_snapshot(r)->cat;
	json_t *ctx = page_ctx(r, N_("Useful contacts"), "contacts"), *orgs = json_array();
	json_t *facts = json_object_get(ctx, "facts");
	const char *portal = json_string_value(json_object_get(json_object_get(facts, "portal_address"), "value"));
	const char *portal_host =
	    portal ? url_host(r, strstr(portal, "://") ? portal : arena_printf(r->arena, "https://%s", portal)) : NULL;
	const char *portal_phone =
	    json_string_value(json_object_get(json_object_get(facts, "portal_helpdesk_phone"), "value"));
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
			j = contact_json(r, cp);
			if (!j)
				continue;
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
	json_object_set_new(ctx, "problems", problems_json(r, c));
	if (portal_phone && *portal_phone)
		json_object_set_new(ctx, "portal_phone", phone_json(portal_phone));
	render(r, 200, "contacts", ctx);
	return 0;
}

int page_start(struct req *r)
{
	render(r, 200, "start", page_ctx(r, N_("How to start"), "start"));
	return 0;
}
