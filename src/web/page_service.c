/* page_service.c — a service's public page. It answers what people ask
 * before they go: what it costs (free, not stated: ask the institution,
 * or by a price list), what they need, how to do it online (a short
 * button to the service's own address, the ways to log in where the
 * catalog names them), other ways without repeating their names, whose
 * residents a municipal service serves, and whom to call or write (always
 * a phone and an e-mail). Text the catalog has only in Latvian is marked
 * lang="lv" on English pages, with a notice saying so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/model.h"
#include "core/buf.h"
#include "web/app.h"
#include "web/catalog_ctx.h"
#include "web/snapshot.h"
#include "web/web.h"

#define META_DESCRIPTION_MAX 160 /* bytes of a page's own meta description */

/* "P1M" → "1 month"; "P10D" → "10 days"; anything else as written. */
static const char *duration_text(struct req *r, const char *d)
{
	static const struct {
		char unit;
		const char *one, *many;
	} units[] = {
	    {'Y', N_("year"), N_("years")}, {'M', N_("month"), N_("months")}, {'W', N_("week"), N_("weeks")},
	    {'D', N_("day"), N_("days")},   {'h', N_("hour"), N_("hours")},
	};
	const char *p = d;
	char *end;
	long n;
	size_t i;
	int in_time = 0;

	if (!d || *p != 'P')
		return d;
	p++;
	if (*p == 'T') {
		in_time = 1;
		p++;
	}
	n = strtol(p, &end, 10);
	if (end == p || n < 0 || !end[0] || end[1])
		return d;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		char u = in_time && *end == 'H' ? 'h' : *end;

		if (u == units[i].unit && !(in_time && u == 'M'))
			return arena_printf(
			    r->arena, "%ld %s", n,
			    i18n_tr(r->lang, (n % 10 == 1 && n % 100 != 11) ? units[i].one : units[i].many));
	}
	return d;
}

static const char *channel_kind(struct req *r, enum channel_type t)
{
	switch (t) {
	case CHANNEL_IN_PERSON: return i18n_tr(r->lang, N_("In person"));
	case CHANNEL_PHONE: return i18n_tr(r->lang, N_("By phone"));
	case CHANNEL_POST: return i18n_tr(r->lang, N_("By post"));
	case CHANNEL_EMAIL: return i18n_tr(r->lang, N_("By e-mail"));
	case CHANNEL_ONLINE: return i18n_tr(r->lang, N_("Online"));
	case CHANNEL_EMAIL_ESIGN: return i18n_tr(r->lang, N_("Signed with a secure e-signature"));
	case CHANNEL_OTHER: break;
	}
	return i18n_tr(r->lang, N_("Other"));
}

/* The text with the channel's kind taken off its start when it begins
 * with it ("Klātienē jebkurā pašvaldībā" under "Klātienē:" → "jebkurā
 * pašvaldībā"), so that no line says its label twice. */
static const char *without_kind(const char *text, const char *kind)
{
	size_t n = strlen(kind);
	const char *p;

	if (!text || strncasecmp(text, kind, 1) || strncmp(text + 1, kind + 1, n - 1))
		return text;
	p = text + n;
	if (*p && !strchr(" ,;:.-", *p)) /* a longer word that starts the same */
		return text;
	p += strspn(p, " ,;:.-");
	return *p ? p : NULL;
}

/* A phone number as a tel: address: digits, and Latvia's +371 before an
 * eight-digit number (short numbers such as 8300 and 112 stay as they are). */
static const char *tel_href(struct req *r, const char *phone)
{
	char *d = arena_alloc(r->arena, strlen(phone) + 5);
	size_t n = 0;
	const char *p;

	if (!d)
		return phone;
	for (p = phone; *p; p++)
		if ((*p >= '0' && *p <= '9') || (*p == '+' && !n))
			d[n++] = *p;
	d[n] = 0;
	if (n == 8 && d[0] != '+')
		return arena_printf(r->arena, "+371%s", d);
	return d;
}

/* The first phone and e-mail of the contact points. */
static void first_contact(const struct contact_point *const *v, size_t n, const char **phone, const char **email,
			  const struct contact_point **with)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!*phone && v[i]->phones.n) {
			*phone = v[i]->phones.v[0];
			*with = *with ? *with : v[i];
		}
		if (!*email && v[i]->emails.n) {
			*email = v[i]->emails.v[0];
			*with = *with ? *with : v[i];
		}
	}
}

/* The catalog's contact point of the portal's user support (epak:helpdeskFor "portal"). */
static const struct contact_point *portal_helpdesk(const struct catalog *c)
{
	size_t i, k;

	for (i = 0; i < c->ncontacts; i++)
		for (k = 0; k < c->contacts[i]->helpdesk_for.n; k++)
			if (!strcmp(c->contacts[i]->helpdesk_for.v[k], "portal"))
				return c->contacts[i];
	return NULL;
}

/* "Whom to ask": a phone and an e-mail from the service's contact point,
 * else the institution's, else the service's phone and e-mail channels;
 * what is still missing comes from the portal's user support (the
 * catalog's, else the facts the template has). */
static json_t *ask_json(struct req *r, const struct catalog *c, const struct service *s)
{
	const struct organisation *o = s->authority;
	const char *phone = NULL, *email = NULL, *hphone = NULL, *hemail = NULL;
	const struct contact_point *cp = NULL, *hd = NULL;
	json_t *j = json_object();
	size_t i;

	first_contact(s->contacts, s->ncontacts, &phone, &email, &cp);
	if (o)
		first_contact(o->contacts, o->ncontacts, &phone, &email, &cp);
	if (!email && o && o->official_email)
		email = o->official_email;
	for (i = 0; i < s->nchannels; i++) {
		if (!phone && s->channels[i].phone)
			phone = s->channels[i].phone;
		if (!email && s->channels[i].email)
			email = s->channels[i].email;
	}
	if (phone)
		json_object_set_new(j, "phone", json_pack("{s:s, s:s}", "text", phone, "tel", tel_href(r, phone)));
	if (email)
		json_object_set_new(j, "email", json_string(email));
	hd = !phone || !email ? portal_helpdesk(c) : NULL;
	if (hd)
		first_contact(&hd, 1, &hphone, &hemail, &hd);
	if (!phone && hphone)
		json_object_set_new(j, "hd_phone", json_pack("{s:s, s:s}", "text", hphone, "tel", tel_href(r, hphone)));
	if (!email && hemail)
		json_object_set_new(j, "hd_email", json_string(hemail));
	if (!phone || !email)
		json_object_set_new(j, "helpdesk", json_true());
	if (cp && cp->pages.n && http_url(cp->pages.v[0])) {
		json_object_set_new(j, "page", json_string(cp->pages.v[0]));
		json_object_set_new(j, "host", json_string(url_host(r, cp->pages.v[0])));
	} else if (o && http_url(o->homepage)) {
		json_object_set_new(j, "page", json_string(o->homepage));
		json_object_set_new(j, "host", json_string(url_host(r, o->homepage)));
	}
	if (cp)
		put_ml(r, j, "hours", &cp->hours);
	return j;
}

/* Where a cost's text names its price list: from "saskaņā ar" (or
 * "according to") through the word "cenrādi" (or "price list"), else that
 * word alone; *end is where the phrase ends. NULL when the text names none. */
static const char *price_phrase(const char *d, const char **end)
{
	static const char *const words[] = {"cenrād", "price list", NULL};
	static const char *const leads[] = {"saskaņā ar ", "according to ", NULL};
	const char *w = NULL, *from, *p;
	size_t i;

	for (i = 0; words[i] && !w; i++)
		w = strstr(d, words[i]);
	if (!w)
		return NULL;
	*end = w + strcspn(w, " ,;:.()");
	if (!strncmp(w, "price list", 10))
		*end = w + 10;
	from = w;
	for (i = 0; leads[i]; i++)
		for (p = d; (p = strstr(p, leads[i])) != NULL && p < w; p++)
			if (w - p < 60 && p < from)
				from = p;
	return from;
}

/* A cost's text, with the words that name the price list made the link
 * to it when the catalog has one (the cost's foaf:page). */
static json_t *cost_json(struct req *r, const struct cost *c)
{
	const char *d = ml(r, &c->description), *at = NULL, *end = NULL;
	int list = c->price_list && http_url(c->price_list);
	json_t *j = json_object();

	if (c->has_value && c->value == 0)
		json_object_set_new(j, "free", json_true());
	else if (c->has_value)
		json_object_set_new(
		    j, "amount",
		    json_string(arena_printf(r->arena, "%.2f %s", c->value, c->currency ? c->currency : "EUR")));
	if (ml_lang(r, &c->description))
		json_object_set_new(j, "desc_lang", json_string(ml_lang(r, &c->description)));
	if (!d)
		d = "";
	at = list ? price_phrase(d, &end) : NULL;
	if (at) {
		json_object_set_new(j, "before", json_string(arena_strndup(r->arena, d, (size_t)(at - d))));
		json_object_set_new(j, "link_text", json_string(arena_strndup(r->arena, at, (size_t)(end - at))));
		json_object_set_new(j, "after", json_string(end));
	} else {
		json_object_set_new(j, "before", json_string(d));
	}
	if (list) {
		json_object_set_new(j, "price_list", json_string(c->price_list));
		json_object_set_new(j, "price_list_host", json_string(url_host(r, c->price_list)));
		if (!at)
			json_object_set_new(j, "price_list_apart", json_true());
	}
	return j;
}

/* "Payment": none stated (ask), free, or the costs as the catalog states them. */
static void costs_json(struct req *r, const struct service *s, json_t *svc)
{
	json_t *costs = json_array();
	size_t i, nfree = 0;

	for (i = 0; i < s->ncosts; i++) {
		nfree += s->costs[i].has_value && s->costs[i].value == 0;
		json_array_append_new(costs, cost_json(r, &s->costs[i]));
	}
	if (!s->ncosts)
		json_object_set_new(svc, "cost_unknown", json_true());
	else if (nfree == s->ncosts)
		json_object_set_new(svc, "free", json_true());
	else
		json_object_set_new(svc, "has_costs", json_true());
	json_object_set_new(svc, "costs", costs);
}

/* The ways of logging in the catalog names, in words; NULL when none. */
static const char *login_note(struct req *r, const struct service *s)
{
	static const struct {
		const char *code, *name;
	} names[] = {{"eid", N_("the eID card")},
		     {"eparaksts-mobile", N_("eParaksts mobile")},
		     {"bank", N_("an internet bank")},
		     {"smart-id", N_("Smart-ID")}};
	struct buf b = BUF_INIT;
	const char *out;
	size_t i, k;

	for (i = 0; i < s->auth_methods.n; i++) {
		const char *name = s->auth_methods.v[i];

		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (!strcasecmp(name, names[k].code))
				name = i18n_tr(r->lang, names[k].name);
		buf_printf(&b, "%s%s", i ? ", " : "", name);
	}
	out = b.len ? arena_strndup(r->arena, b.data, b.len) : NULL;
	buf_free(&b);
	return out;
}

/* 1 when url is the bare address of a site ("https://www.latvija.lv/"):
 * a portal's home page, not the service's own page. */
static int site_root(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? p + 3 : url;
	p += strcspn(p, "/?#");
	return !*p || !strcmp(p, "/");
}

/* An online channel: a short button to its page ("Apply on latvija.lv"),
 * its own words beside it. */
static json_t *online_json(struct req *r, const struct service *s, const struct channel *ch)
{
	json_t *j = json_pack("{s:s, s:s}", "url", ch->url, "host", url_host(r, ch->url));

	if (s->e_service != FLAG_YES)
		json_object_set_new(j, "info", json_true());
	else if (site_root(ch->url))
		json_object_set_new(j, "root", json_true());
	else
		json_object_set_new(j, "apply", json_true());
	put_ml(r, j, "note", &ch->description);
	return j;
}

static json_t *offline_json(struct req *r, const struct channel *ch)
{
	const char *kind = channel_kind(r, ch->type);
	const char *desc = ml(r, &ch->description);
	json_t *j = json_pack("{s:s}", "kind", kind);

	if (!ml_lang(r, &ch->description))
		desc = without_kind(desc, kind);
	if (desc)
		json_object_set_new(j, "label", json_string(desc));
	if (desc && ml_lang(r, &ch->description))
		json_object_set_new(j, "label_lang", json_string(ml_lang(r, &ch->description)));
	if (ch->phone) {
		json_object_set_new(j, "phone", json_string(ch->phone));
		json_object_set_new(j, "tel", json_string(tel_href(r, ch->phone)));
	}
	if (ch->email)
		json_object_set_new(j, "email", json_string(ch->email));
	if (http_url(ch->url)) {
		json_object_set_new(j, "url", json_string(ch->url));
		json_object_set_new(j, "host", json_string(url_host(r, ch->url)));
	}
	put_ml(r, j, "hours", &ch->hours);
	return j;
}

/* How to get the service: online, by a signed document, other ways. */
static void channels_json(struct req *r, const struct snapshot *sn, const struct service *s, json_t *svc)
{
	json_t *online = json_array(), *esign = json_array(), *offline = json_array();
	size_t i;

	for (i = 0; i < s->nchannels; i++) {
		const struct channel *ch = &s->channels[i];

		if (ch->type == CHANNEL_ONLINE && http_url(ch->url) && snapshot_link_dead(sn, ch->url))
			/* dead for a week or more: not a button; say so, and whom to ask */
			json_object_set_new(svc, "unavailable", json_true());
		else if (ch->type == CHANNEL_ONLINE && http_url(ch->url))
			json_array_append_new(online, online_json(r, s, ch));
		else if (ch->type == CHANNEL_EMAIL_ESIGN && ch->email)
			json_array_append_new(esign, json_pack("{s:s}", "email", ch->email));
		else if (ch->type != CHANNEL_ONLINE)
			json_array_append_new(offline, offline_json(r, ch));
	}
	json_object_set_new(svc, "has_online", json_boolean(json_array_size(online)));
	json_object_set_new(svc, "online", online);
	if (json_array_size(online) && login_note(r, s))
		json_object_set_new(svc, "login", json_string(login_note(r, s)));
	json_object_set_new(svc, "has_esign", json_boolean(json_array_size(esign)));
	json_object_set_new(svc, "esign", esign);
	json_object_set_new(svc, "has_offline", json_boolean(json_array_size(offline)));
	json_object_set_new(svc, "offline", offline);
}

/* A municipality's service: whose residents it serves, by the place the
 * service (else its municipality) covers, else the municipality's name. */
static void residents_json(struct req *r, const struct service *s, json_t *svc)
{
	const struct organisation *o = s->authority;
	const struct concepts *places[2] = {&s->spatial, o ? &o->spatial : NULL};
	size_t p, i;

	if (!o || o->level != ORG_LEVEL_MUNICIPAL)
		return;
	for (p = 0; p < 2; p++)
		for (i = 0; places[p] && i < places[p]->n; i++) {
			const struct concept *c = &places[p]->v[i];

			if (ml(r, &c->label) && !(c->notation && !strcmp(c->notation, "LVA"))) {
				put_ml(r, svc, "residents_of", &c->label);
				return;
			}
		}
	put_ml(r, svc, "residents_of_org", &o->name);
}

/* A list of titled items (what you need, what you receive). */
static json_t *items_json(struct req *r, const struct item *v, size_t n, json_t *into)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *j = json_object();

		put_ml(r, j, "text", &v[i].title);
		if (json_object_get(j, "text"))
			json_array_append_new(into, j);
		else
			json_decref(j);
	}
	return into;
}

static json_t *legal_json(struct req *r, const struct service *s)
{
	json_t *legal = json_array();
	size_t i;

	for (i = 0; i < s->nlegal; i++) {
		const struct legal *l = &s->legal[i];
		json_t *j = json_object();

		if (http_url(l->url)) {
			json_object_set_new(j, "url", json_string(l->url));
			json_object_set_new(j, "host", json_string(url_host(r, l->url)));
		}
		put_ml(r, j, "title", &l->title);
		if (!json_object_get(j, "title") && !http_url(l->url)) {
			json_decref(j);
			continue;
		}
		json_array_append_new(legal, j);
	}
	return legal;
}

static json_t *events_json(struct req *r, const struct service *s)
{
	json_t *events = json_array();
	size_t i;

	for (i = 0; i < s->nevents; i++) {
		json_t *j =
		    json_pack("{s:s, s:s}", "name",
			      ml(r, &s->events[i]->title) ? ml(r, &s->events[i]->title) : s->events[i]->slug, "url",
			      prefixed(r, arena_printf(r->arena, "/dzives-situacijas/%s", s->events[i]->slug)));

		if (ml_lang(r, &s->events[i]->title))
			json_object_set_new(j, "name_lang", json_string(ml_lang(r, &s->events[i]->title)));
		json_array_append_new(events, j);
	}
	return events;
}

static void set_list(json_t *svc, const char *has, const char *key, json_t *list)
{
	json_object_set_new(svc, has, json_boolean(json_array_size(list)));
	json_object_set_new(svc, key, list);
}

static json_t *service_json(struct req *r, const struct snapshot *sn, const struct service *s)
{
	json_t *svc = service_brief(r, s), *aud = json_array(), *req = json_array(), *outputs = json_array();

	if (ml_lang(r, &s->title))
		json_object_set_new(svc, "title_lang", json_string(ml_lang(r, &s->title)));
	put_ml(r, svc, "description", &s->description);
	/* an English page whose text the catalog has in Latvian alone says so */
	if (r->lang == LANG_EN && (json_object_get(svc, "description_lang") || json_object_get(svc, "title_lang")))
		json_object_set_new(svc, "latvian_only", json_true());
	json_object_set_new(svc, "identifier", json_string(s->identifier));
	json_object_set_new(svc, "jsonld_url",
			    json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s/jsonld", s->slug))));
	json_object_set_new(svc, "feedback_url",
			    json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s/atsauksme", s->slug))));
	json_object_set_new(svc, "ask_url",
			    json_string(prefixed(r, arena_printf(r->arena, "/jautajums?pakalpojums=%s", s->slug))));
	if (s->audience & AUDIENCE_CITIZEN)
		json_array_append_new(aud, json_string(i18n_tr(r->lang, N_("Residents"))));
	if (s->audience & AUDIENCE_BUSINESS)
		json_array_append_new(aud, json_string(i18n_tr(r->lang, N_("Businesses"))));
	residents_json(r, s, svc);
	channels_json(r, sn, s, svc);
	costs_json(r, s, svc);
	items_json(r, s->requirements, s->nrequirements, req);
	items_json(r, s->inputs, s->ninputs, req);
	set_list(svc, "has_requirements", "requirements", req);
	items_json(r, s->outputs, s->noutputs, outputs);
	json_object_set_new(svc, "outputs", outputs);
	if (s->processing_time)
		json_object_set_new(svc, "processing_time", json_string(duration_text(r, s->processing_time)));
	json_object_set_new(svc, "has_result", json_boolean(s->noutputs || s->processing_time));
	set_list(svc, "has_legal", "legal", legal_json(r, s));
	set_list(svc, "has_audience", "audience", aud);
	set_list(svc, "has_events", "events", events_json(r, s));
	if (s->authority) {
		json_t *o = org_brief(r, s->authority);

		if (ml_lang(r, &s->authority->name))
			json_object_set_new(o, "name_lang", json_string(ml_lang(r, &s->authority->name)));
		json_object_set_new(o, "contacts",
				    contacts_json(r, s->ncontacts ? s->contacts : s->authority->contacts,
						  s->ncontacts ? s->ncontacts : s->authority->ncontacts));
		json_object_set_new(svc, "institution", o);
	}
	json_object_set_new(svc, "ask", ask_json(r, sn->cat, s));
	return svc;
}

/* The page's own meta description: the start of its description, cut at
 * a word; on an English page without English text, the title, the
 * institution and that the details are in Latvian. */
static const char *meta_description(struct req *r, const struct service *s)
{
	const char *d = ml(r, &s->description), *t = ml(r, &s->title) ? ml(r, &s->title) : s->identifier;
	const char *org = s->authority && ml(r, &s->authority->name) ? ml(r, &s->authority->name) : NULL;
	size_t n;

	if (!d || ml_lang(r, &s->description))
		return arena_printf(r->arena, "%s%s%s. %s", t, org ? " — " : "", org ? org : "",
				    r->lang == LANG_EN
					? i18n_tr(r->lang, N_("Details are available in Latvian only."))
					: i18n_tr(r->lang, N_("How to get it, what it costs, whom to ask.")));
	n = strlen(d);
	if (n <= META_DESCRIPTION_MAX)
		return d;
	for (n = META_DESCRIPTION_MAX; n > 0 && d[n] != ' '; n--)
		; /* spaces are ASCII: a cut there never splits a character */
	return arena_printf(r->arena, "%s…", arena_strndup(r->arena, d, n ? n : META_DESCRIPTION_MAX));
}

int page_service(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	const char *slug = req_param(r, 0);
	const struct service *s = slug ? snapshot_service(sn, slug, NULL) : NULL;

	if (!s) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	render(r, 200, "service", service_page_ctx(r, sn, s));
	return 0;
}

json_t *service_page_ctx(struct req *r, const struct snapshot *sn, const struct service *s)
{
	json_t *ctx = page_ctx(r, NULL, "services");

	json_object_set_new(ctx, "title", json_string(ml(r, &s->title) ? ml(r, &s->title) : s->identifier));
	json_object_set_new(ctx, "meta_description", json_string(meta_description(r, s)));
	json_object_set_new(ctx, "svc", service_json(r, sn, s));
	return ctx;
}
