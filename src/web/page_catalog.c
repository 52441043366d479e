/* page_catalog.c — the service catalog: the catalog home, a service page,
 * life situations, audiences, institutions and their directory, and all
 * e-services. Every page is answered from one read-model snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/export.h"
#include "core/collate.h"
#include "core/url.h"
#include "core/when.h"
#include "catalog/model.h"
#include "web/app.h"
#include "web/catalog_ctx.h"
#include "web/form.h"
#include "web/snapshot.h"
#include "web/web.h"

static void put_snapshot(void *arg)
{
	snapshot_put(arg);
}

const struct snapshot *web_snapshot(struct req *r)
{
	const struct snapshot *s = snapshot_get();

	if (s)
		req_on_done(r, put_snapshot, (void *)s);
	return s;
}

const char *ml(struct req *r, const struct mltext *t)
{
	return mltext_get(t, lang_code(r->lang));
}

const char *ml_lang(struct req *r, const struct mltext *t)
{
	const char *want = lang_code(r->lang);
	size_t i;

	if (mltext_exact(t, want))
		return NULL;
	for (i = 0; i < t->n; i++)
		if (t->v[i].value == mltext_get(t, want))
			return *t->v[i].lang ? t->v[i].lang : NULL;
	return NULL;
}

void put_ml(struct req *r, json_t *ctx, const char *key, const struct mltext *t)
{
	const char *text = ml(r, t), *lang = ml_lang(r, t);

	if (!text)
		return;
	json_object_set_new(ctx, key, json_string(text));
	if (lang)
		json_object_set_new(ctx, arena_printf(r->arena, "%s_lang", key), json_string(lang));
}

const char *prefixed(struct req *r, const char *path)
{
	return r->lang == LANG_EN ? arena_printf(r->arena, "/en%s", path) : path;
}

const char *url_host(struct req *r, const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	const char *end;

	if (!p)
		return url;
	p += 3;
	if (!strncmp(p, "www.", 4))
		p += 4;
	end = p + strcspn(p, "/?#");
	return arena_strndup(r->arena, p, (size_t)(end - p));
}

int http_url(const char *u)
{
	return u && (!strncmp(u, "https://", 8) || !strncmp(u, "http://", 7));
}

json_t *service_brief(struct req *r, const struct service *s)
{
	json_t *j = json_object();

	json_object_set_new(j, "title", json_string(ml(r, &s->title) ? ml(r, &s->title) : s->identifier));
	json_object_set_new(j, "url", json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s", s->slug))));
	if (s->e_service == FLAG_YES)
		json_object_set_new(j, "eservice", json_true());
	if (s->authority && ml(r, &s->authority->name))
		json_object_set_new(j, "institution", json_string(ml(r, &s->authority->name)));
	return j;
}

void json_array_sort(json_t *list, int (*cmp)(const void *, const void *))
{
	size_t i, n = json_array_size(list);
	json_t **tmp;

	if (n < 2)
		return;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return;
	for (i = 0; i < n; i++)
		tmp[i] = json_incref(json_array_get(list, i));
	qsort(tmp, n, sizeof(*tmp), cmp);
	json_array_clear(list);
	for (i = 0; i < n; i++)
		json_array_append_new(list, tmp[i]);
	free(tmp);
}

/* A sorted array of service briefs. */
/* Long lists are shown a page at a time (?lapa=N), so that no page grows
 * with the catalog: its size, the time to build it and what the page cache
 * keeps of it stay bounded. */
#define LIST_PAGE 50
#define PAGER_AROUND 2 /* page links either side of the current one */

/* A service in a list: sorted by group (a portal), then by title. */
struct listed {
	const struct service *s;
	const char *title;
	size_t group;
};

static int cmp_listed(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return lv_collate(x->title, y->title);
}

/* A page's address; keep ("tiessaiste=1") is a filter every page keeps. */
static const char *page_url(struct req *r, const char *base, const char *keep, size_t page)
{
	if (page == 1)
		return keep ? arena_printf(r->arena, "%s?%s", base, keep) : base;
	return arena_printf(r->arena, "%s?%s%slapa=%zu", base, keep ? keep : "", keep ? "&" : "", page);
}

/* The page of n items this request asks for (?lapa=N; the first when
 * absent) as [*from, *to); -1 when there is no such page, which is a 404
 * (a page number that is not a plain number, 0, or past the last). With
 * more than one page, ctx gets "pager": "page N of M", previous and next
 * (rel=prev/next) and links to the first, the last and the pages around
 * the current one, so the pager too stays small. */
/* A list's one parameter (routes.c keys the cache by it). A page number
 * that is not one is answered as a page past the last, 404, not 400: either
 * way the address names no page of the list. */
const struct field list_params[] = {FIELD_NUMBER("lapa", NULL, 1, 999999999, N_("Page")), FIELD_END};

int list_page(struct req *r, json_t *ctx, size_t n, size_t per_page, size_t *from, size_t *to)
{
	return list_page_keep(r, ctx, n, per_page, NULL, from, to);
}

int list_page_keep(struct req *r, json_t *ctx, size_t n, size_t per_page, const char *keep, size_t *from, size_t *to)
{
	struct form p;
	unsigned long page = 1;
	size_t pages = n ? (n + per_page - 1) / per_page : 1, k, last = 0;
	const char *base;
	json_t *pager, *links;

	if (query_validate(r, list_params, &p, r->lang) != 0)
		return -1;
	if (p.value[0]) { /* "?lapa=" too names no page, as it always did */
		page = p.number[0];
		if (!*p.value[0] || page > pages)
			return -1;
	}
	*from = (size_t)(page - 1) * per_page;
	*to = *from + per_page < n ? *from + per_page : n;
	if (pages == 1)
		return 0;
	base = req_path_in(r, r->lang);
	pager = json_object();
	links = json_array();
	json_object_set_new(pager, "page", json_integer((json_int_t)page));
	json_object_set_new(pager, "pages", json_integer((json_int_t)pages));
	if (page > 1)
		json_object_set_new(pager, "prev_url", json_string(page_url(r, base, keep, page - 1)));
	if (page < pages)
		json_object_set_new(pager, "next_url", json_string(page_url(r, base, keep, page + 1)));
	for (k = 1; k <= pages; k++) {
		if (k != 1 && k != pages && (k + PAGER_AROUND < page || k > page + PAGER_AROUND))
			continue;
		if (last && k > last + 1)
			json_array_append_new(links, json_pack("{s:b}", "gap", 1));
		json_array_append_new(links, json_pack("{s:I, s:s, s:b}", "n", (json_int_t)k, "url",
						       page_url(r, base, keep, k), "current", k == page));
		last = k;
	}
	json_object_set_new(pager, "links", links);
	json_object_set_new(ctx, "pager", pager);
	if (page > 1) /* the language switch keeps the page number too */
		json_object_set_new(
		    ctx, "other_lang_url",
		    json_string(page_url(r, req_path_in(r, r->lang == LANG_LV ? LANG_EN : LANG_LV), keep, page)));
	return 0;
}

static int paginate(struct req *r, json_t *ctx, size_t n, size_t *from, size_t *to)
{
	return list_page(r, ctx, n, LIST_PAGE, from, to);
}

/* The services of v (those for audience, when given) in title order, one
 * page of them into ctx's "services", their number into "nservices". -1
 * when the page asked for does not exist. */
static int paged_services(struct req *r, json_t *ctx, const struct service *const *v, size_t n, unsigned audience)
{
	struct listed *l = arena_alloc(r->arena, (n ? n : 1) * sizeof(*l));
	json_t *arr;
	size_t i, m = 0, from, to;

	if (!l)
		return -1;
	for (i = 0; i < n; i++) {
		if (audience && !(v[i]->audience & audience))
			continue;
		l[m].s = v[i];
		l[m].title = ml(r, &v[i]->title) ? ml(r, &v[i]->title) : v[i]->identifier;
		m++;
	}
	if (paginate(r, ctx, m, &from, &to) != 0)
		return -1;
	qsort(l, m, sizeof(*l), cmp_listed);
	arr = json_array();
	for (i = from; i < to; i++)
		json_array_append_new(arr, service_brief(r, l[i].s));
	json_object_set_new(ctx, "services", arr);
	json_object_set_new(ctx, "nservices", json_integer((json_int_t)m));
	return 0;
}

int page_catalog(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	const struct catalog *c = sn->cat;
	json_t *ctx = page_ctx(r, N_("Services"), "services");
	json_t *life = json_array(), *biz = json_array();
	size_t i;

	for (i = 0; i < c->nevents; i++) {
		const struct event *e = c->events[i];
		json_t *j;

		if (!e->nservices)
			continue;
		j = json_pack("{s:s, s:s, s:I}", "name", ml(r, &e->title) ? ml(r, &e->title) : e->slug, "url",
			      prefixed(r, arena_printf(r->arena, "/dzives-situacijas/%s", e->slug)), "count",
			      (json_int_t)e->nservices);
		json_array_append_new(e->kind == EVENT_BUSINESS ? biz : life, j);
	}
	json_object_set_new(ctx, "events", life);
	json_object_set_new(ctx, "business_events", biz);
	if (json_array_size(biz))
		json_object_set_new(ctx, "has_business_events", json_true());
	json_object_set_new(ctx, "neservices", json_integer((json_int_t)sn->neservices));
	json_object_set_new(ctx, "ncitizen", json_integer((json_int_t)sn->ncitizen));
	json_object_set_new(ctx, "nbusiness", json_integer((json_int_t)sn->nbusiness));
	json_object_set_new(ctx, "norgs", json_integer((json_int_t)c->norgs));
	render(r, 200, "catalog", ctx);
	return 0;
}

static void group_page(struct req *r, const char *heading, const char *intro, const struct service *const *v, size_t n,
		       unsigned audience)
{
	json_t *ctx = page_ctx(r, NULL, "services");

	json_object_set_new(ctx, "title", json_string(heading));
	json_object_set_new(ctx, "heading", json_string(heading));
	if (intro)
		json_object_set_new(ctx, "intro", json_string(intro));
	if (paged_services(r, ctx, v, n, audience) != 0) {
		json_decref(ctx);
		resp_error(r, ERR_NOT_FOUND, NULL);
		return;
	}
	render(r, 200, "service-group", ctx);
}

static void audience_page(struct req *r, unsigned audience)
{
	const struct snapshot *sn = web_snapshot(r);

	group_page(r,
		   i18n_tr(r->lang,
			   audience == AUDIENCE_CITIZEN ? N_("Services for residents") : N_("Services for businesses")),
		   NULL, (const struct service *const *)sn->cat->services, sn->cat->nservices, audience);
}

int page_citizens(struct req *r)
{
	audience_page(r, AUDIENCE_CITIZEN);
	return 0;
}

int page_businesses(struct req *r)
{
	audience_page(r, AUDIENCE_BUSINESS);
	return 0;
}

json_t *contacts_json(struct req *r, const struct contact_point *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		const struct contact_point *c = v[i];
		json_t *j = json_object();

		if (ml(r, &c->title))
			json_object_set_new(j, "name", json_string(ml(r, &c->title)));
		if (c->phones.n)
			json_object_set_new(j, "phone", json_string(c->phones.v[0]));
		if (c->emails.n)
			json_object_set_new(j, "email", json_string(c->emails.v[0]));
		if (c->pages.n && http_url(c->pages.v[0])) {
			json_object_set_new(j, "page", json_string(c->pages.v[0]));
			json_object_set_new(j, "host", json_string(url_host(r, c->pages.v[0])));
		}
		if (ml(r, &c->hours))
			json_object_set_new(j, "hours", json_string(ml(r, &c->hours)));
		json_array_append_new(arr, j);
	}
	return arr;
}

json_t *org_brief(struct req *r, const struct organisation *o)
{
	json_t *j = json_object();

	json_object_set_new(j, "name", json_string(ml(r, &o->name) ? ml(r, &o->name) : o->slug));
	json_object_set_new(j, "url", json_string(prefixed(r, arena_printf(r->arena, "/iestades/%s", o->slug))));
	json_object_set_new(j, "slug", json_string(o->slug));
	if (o->e_mark == FLAG_YES)
		json_object_set_new(j, "emark", json_true());
	if (o->e_mark == FLAG_YES && o->e_mark_granted) {
		char since[WHEN_LEN];

		when_date_text(o->e_mark_granted, r->lang, since);
		json_object_set_new(j, "emark_since", json_string(since));
		json_object_set_new(j, "emark_date", json_string(o->e_mark_granted));
	}
	json_object_set_new(j, "nservices", json_integer((json_int_t)o->nservices));
	return j;
}

int json_cmp_name(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return lv_collate(json_string_value(json_object_get(x, "name")), json_string_value(json_object_get(y, "name")));
}

int page_orgs(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	const struct catalog *c = sn->cat;
	json_t *ctx = page_ctx(r, N_("Institutions"), "services");
	json_t *groups = json_array();
	static const struct {
		enum org_level level;
		const char *heading;
	} lv[] = {{ORG_LEVEL_STATE, N_("State institutions")},
		  {ORG_LEVEL_MUNICIPAL, N_("Municipalities")},
		  {ORG_LEVEL_UNKNOWN, N_("Other institutions")}};
	size_t g, i;

	for (g = 0; g < sizeof(lv) / sizeof(lv[0]); g++) {
		json_t *orgs = json_array();

		for (i = 0; i < c->norgs; i++)
			if (c->orgs[i]->level == lv[g].level)
				json_array_append_new(orgs, org_brief(r, c->orgs[i]));
		json_array_sort(orgs, json_cmp_name);
		if (json_array_size(orgs))
			json_array_append_new(
			    groups, json_pack("{s:s, s:o}", "heading", i18n_tr(r->lang, lv[g].heading), "orgs", orgs));
		else
			json_decref(orgs);
	}
	json_object_set_new(ctx, "groups", groups);
	render(r, 200, "institutions", ctx);
	return 0;
}

static const char *helpdesk_text(struct req *r, const char *role)
{
	if (!strcmp(role, "eID"))
		return i18n_tr(r->lang, N_("applying for and activating the eID card"));
	if (!strcmp(role, "e-signature"))
		return i18n_tr(r->lang, N_("using the e-signature and preparing your computer"));
	if (!strcmp(role, "portal"))
		return i18n_tr(r->lang, N_("using the portal"));
	return role;
}

int page_org(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	const char *slug = req_param(r, 0);
	const struct organisation *o = slug ? catalog_org(sn->cat, slug) : NULL;
	json_t *ctx, *org, *help;
	size_t i;

	if (!o) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	ctx = page_ctx(r, NULL, "services");
	org = org_brief(r, o);
	json_object_set_new(ctx, "title", json_string(ml(r, &o->name) ? ml(r, &o->name) : o->slug));
	if (http_url(o->homepage)) {
		json_object_set_new(org, "homepage", json_string(o->homepage));
		json_object_set_new(org, "homepage_host", json_string(url_host(r, o->homepage)));
	}
	json_object_set_new(org, "contacts", contacts_json(r, o->contacts, o->ncontacts));
	json_object_set_new(org, "has_contacts", json_boolean(o->ncontacts > 0));
	help = json_array();
	for (i = 0; i < o->helpdesk_for.n; i++)
		json_array_append_new(help, json_string(helpdesk_text(r, o->helpdesk_for.v[i])));
	json_object_set_new(org, "has_helpdesk", json_boolean(o->helpdesk_for.n > 0));
	json_object_set_new(org, "helpdesk", help);
	json_object_set_new(ctx, "org", org);
	if (paged_services(r, ctx, (const struct service *const *)o->services, o->nservices, 0) != 0) {
		json_decref(ctx);
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	render(r, 200, "institution", ctx);
	return 0;
}

/* Where the e-service itself is: its online channel's page, else the
 * portal that hosts it. */
static const char *own_address(const struct service *s)
{
	size_t i;

	for (i = 0; i < s->nchannels; i++)
		if (s->channels[i].type == CHANNEL_ONLINE && http_url(s->channels[i].url))
			return s->channels[i].url;
	return s->hosted_url;
}

int page_eservices(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	const struct catalog *c = sn->cat;
	json_t *ctx = page_ctx(r, N_("E-services"), "services");
	json_t *portals = json_array(), *list = NULL;
	struct listed *l = arena_alloc(r->arena, (c->nservices ? c->nservices : 1) * sizeof(*l));
	size_t *rank = arena_alloc(r->arena, (c->nportals + 1) * sizeof(*rank));
	size_t p, i, m = 0, from, to, n = 0, group = SIZE_MAX;

	if (!l || !rank) {
		json_decref(portals);
		json_decref(ctx);
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	/* One group per hosting portal, then e-services hosted nowhere named;
	 * a page may hold the end of one group and the start of the next. */
	for (i = 0; i < c->nservices; i++) {
		const struct service *s = c->services[i];

		if (s->e_service != FLAG_YES)
			continue;
		for (p = 0; p < c->nportals && c->portals[p] != s->hosted_on; p++)
			;
		l[m].s = s;
		l[m].title = ml(r, &s->title) ? ml(r, &s->title) : s->identifier;
		l[m].group = p;
		rank[p] = 1;
		m++;
	}
	for (p = 0; p <= c->nportals; p++) /* groups are numbered as on one long page */
		rank[p] = rank[p] ? ++n : 0;
	if (paginate(r, ctx, m, &from, &to) != 0) {
		json_decref(portals);
		json_decref(ctx);
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	qsort(l, m, sizeof(*l), cmp_listed);
	for (i = from; i < to; i++) {
		const struct service *s = l[i].s;
		const struct portal *po = l[i].group < c->nportals ? c->portals[l[i].group] : NULL;
		json_t *b = service_brief(r, s);

		if (l[i].group != group) {
			group = l[i].group;
			list = json_array();
			json_array_append_new(portals,
					      json_pack("{s:I, s:s, s:b, s:o}", "n", (json_int_t)rank[group], "name",
							po ? (ml(r, &po->name) ? ml(r, &po->name) : po->slug)
							   : i18n_tr(r->lang, N_("Institutions' own websites")),
							"external", po != NULL, "services", list));
		}
		if (http_url(own_address(s)) && !snapshot_link_dead(sn, own_address(s))) {
			json_object_set_new(b, "online_url", json_string(own_address(s)));
			json_object_set_new(b, "host", json_string(url_host(r, own_address(s))));
			json_object_set_new(b, "external", json_true());
		}
		json_array_append_new(list, b);
	}
	json_object_set_new(ctx, "portals", portals);
	json_object_set_new(ctx, "neservices", json_integer((json_int_t)m));
	render(r, 200, "eservices", ctx);
	return 0;
}

/* The service as CPSV-AP JSON-LD, for other systems (and the page's link). */
int page_service_jsonld(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	const char *slug = req_param(r, 0);
	const struct catalog *in = NULL;
	const struct service *s = slug ? snapshot_service(sn, slug, &in) : NULL;
	struct buf b = BUF_INIT;

	if (!s) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (catalog_service_jsonld(in, s, &b) != 0) {
		buf_free(&b);
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	resp_send_buf(r, 200, "application/ld+json; charset=utf-8", &b, 0);
	return 0;
}
