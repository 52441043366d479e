/* page_situation.c — a life or business situation as a guide: a short
 * introduction, its services in the order a person needs them (the
 * catalog's epak:serviceOrder, else the order the search's situation
 * rules give, then those that belong to this situation alone before the
 * general ones), how many can be done online with a
 * filter for those alone (?tiessaiste=1, a plain link). Municipalities'
 * own services that follow each other in that order are one step, "In
 * your municipality", grouped by municipality: the variants a person
 * picks from by where they live.
 * Also the situations' brief for the home page. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/model.h"
#include "core/collate.h"
#include "search/search.h"
#include "web/catalog_ctx.h"
#include "web/form.h"
#include "web/snapshot.h"
#include "web/web.h"

/* At most this many services on one page of a situation (?lapa=N). */
#define SITUATION_PAGE 50
#define SITUATION_ORDER_MAX 64 /* services a situation rule order ranks */

const struct field event_params[] = {FIELD_NUMBER("lapa", NULL, 1, 999999999, N_("Page")),
				     FIELD_NUMBER("tiessaiste", NULL, 1, 1, N_("Online only")), FIELD_END};

struct step {
	const struct service *s;
	const char *title;
	size_t rank;  /* position in the catalog's order; SIZE_MAX when not listed */
	size_t share; /* how many situations the service belongs to */
};

static int online(const struct service *s)
{
	return s->e_service == FLAG_YES;
}

static int municipal(const struct service *s)
{
	return s->authority && s->authority->level == ORG_LEVEL_MUNICIPAL;
}

static int cmp_step(const void *a, const void *b)
{
	const struct step *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (municipal(x->s) != municipal(y->s)) /* unordered: the municipalities' together, last */
		return municipal(x->s) - municipal(y->s);
	if (x->share != y->share) /* what belongs to this situation alone comes first */
		return x->share < y->share ? -1 : 1;
	return lv_collate(x->title, y->title);
}

/* The situation's order: the catalog's (epak:serviceOrder, by IRI), else
 * the one the search's situation rules give (by slug); none: both empty. */
struct order {
	const struct event *e;
	const char *slugs[SITUATION_ORDER_MAX];
	size_t nslugs;
};

static void order_of(struct req *r, const struct event *e, struct order *o)
{
	o->e = e;
	o->nslugs =
	    e->order.n ? 0 : search_situation_order(web_snapshot(r)->idx, e->slug, o->slugs, SITUATION_ORDER_MAX);
}

static size_t order_rank(const struct order *o, const struct service *s)
{
	size_t i;

	for (i = 0; s->iri && i < o->e->order.n; i++)
		if (!strcmp(o->e->order.v[i], s->iri))
			return i;
	for (i = 0; s->slug && i < o->nslugs; i++)
		if (!strcmp(o->slugs[i], s->slug))
			return i;
	return SIZE_MAX;
}

static json_t *step_json(struct req *r, const struct service *s)
{
	json_t *j = service_brief(r, s);
	const char *lang = ml_lang(r, &s->title);

	if (lang)
		json_object_set_new(j, "title_lang", json_string(lang));
	json_object_set_new(j, "municipal", json_false()); /* never the enclosing step's */
	return j;
}

/* The municipal services, one group per municipality in name order. */
static json_t *municipal_groups(struct req *r, const struct step *v, size_t n)
{
	json_t *groups = json_array();
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct organisation *o = v[i].s->authority;
		const char *name = ml(r, &o->name) ? ml(r, &o->name) : o->slug;
		json_t *g = NULL, *x;

		json_array_foreach(groups, k, x)
		{
			if (!strcmp(json_string_value(json_object_get(x, "slug")), o->slug))
				g = x;
		}
		if (!g) {
			g = json_pack("{s:s, s:s, s:[]}", "slug", o->slug, "name", name, "services");
			json_array_append_new(groups, g);
		}
		json_array_append_new(json_object_get(g, "services"), step_json(r, v[i].s));
	}
	json_array_sort(groups, json_cmp_name);
	return groups;
}

/* The number of steps v[0..n) make: a run of municipal services is one. */
static size_t steps_in(const struct step *v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += !(municipal(v[i].s) && i && municipal(v[i - 1].s));
	return k;
}

/* The services of e (the online ones alone when only_online), ordered,
 * one page of them into ctx's "steps": a service, or a run of municipal
 * services as one step of groups; "start" numbers the page's first step.
 * -1 when the page asked for does not exist. */
static int situation_services(struct req *r, json_t *ctx, const struct event *e, int only_online)
{
	struct step *v = arena_alloc(r->arena, (e->nservices ? e->nservices : 1) * sizeof(*v));
	struct order *o = arena_alloc(r->arena, sizeof(*o));
	json_t *steps;
	size_t i, k, n = 0, from, to;

	if (!o)
		return -1;
	order_of(r, e, o);

	for (i = 0; v && i < e->nservices; i++) {
		const struct service *s = e->services[i];

		if (only_online && !online(s))
			continue;
		v[n].s = s;
		v[n].title = ml(r, &s->title) ? ml(r, &s->title) : s->identifier;
		v[n].rank = order_rank(o, s);
		v[n].share = s->nevents;
		n++;
	}
	if (!v || list_page_keep(r, ctx, n, SITUATION_PAGE, only_online ? "tiessaiste=1" : NULL, &from, &to) != 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_step);
	steps = json_array();
	for (i = from; i < to; i = k) {
		for (k = i; k < to && municipal(v[k].s); k++)
			;
		if (k > i) /* a run of the municipalities' services */
			json_array_append_new(steps, json_pack("{s:b, s:o}", "municipal", 1, "groups",
							       municipal_groups(r, v + i, k - i)));
		else
			json_array_append_new(steps, step_json(r, v[k++].s));
	}
	/* a run that goes on from the previous page is that page's last step */
	json_object_set_new(ctx, "start",
			    json_integer((json_int_t)(steps_in(v, from) + 1 -
						      (from && municipal(v[from].s) && municipal(v[from - 1].s)))));
	json_object_set_new(ctx, "has_steps", json_boolean(json_array_size(steps)));
	json_object_set_new(ctx, "steps", steps);
	json_object_set_new(ctx, "nshown", json_integer((json_int_t)n));
	return 0;
}

static void count_online(const struct event *e, size_t *nonline)
{
	size_t i;

	*nonline = 0;
	for (i = 0; i < e->nservices; i++)
		*nonline += online(e->services[i]);
}

int page_event(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	const char *slug = req_param(r, 0);
	const struct event *e = slug ? catalog_event(sn->cat, slug) : NULL;
	const char *base = NULL;
	struct form p;
	json_t *ctx;
	size_t nonline;
	int only_online;

	if (!e || query_validate(r, event_params, &p, r->lang) != 0 || (p.value[1] && !*p.value[1])) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	only_online = p.value[1] != NULL;
	ctx = page_ctx(r, NULL, "services");
	json_object_set_new(ctx, "title", json_string(ml(r, &e->title) ? ml(r, &e->title) : e->slug));
	put_ml(r, ctx, "heading", &e->title);
	if (!json_object_get(ctx, "heading"))
		json_object_set_new(ctx, "heading", json_string(e->slug));
	put_ml(r, ctx, "intro", e->introduction.n ? &e->introduction : &e->description);
	if (json_object_get(ctx, "intro_lang"))
		json_object_set_new(ctx, "latvian_only", json_true());
	count_online(e, &nonline);
	json_object_set_new(ctx, "nservices", json_integer((json_int_t)e->nservices));
	json_object_set_new(ctx, "nonline", json_integer((json_int_t)nonline));
	base = prefixed(r, arena_printf(r->arena, "/dzives-situacijas/%s", e->slug));
	json_object_set_new(ctx, "all_url", json_string(base));
	json_object_set_new(ctx, "online_url", json_string(arena_printf(r->arena, "%s?tiessaiste=1", base)));
	json_object_set_new(ctx, only_online ? "only_online" : "showing_all", json_true());
	if (only_online) /* the language switch keeps the filter (list_page_keep: and the page) */
		json_object_set_new(ctx, "other_lang_url",
				    json_string(arena_printf(r->arena, "%s?tiessaiste=1",
							     req_path_in(r, r->lang == LANG_LV ? LANG_EN : LANG_LV))));
	if (situation_services(r, ctx, e, only_online) != 0) {
		json_decref(ctx);
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	render(r, 200, "situation", ctx);
	return 0;
}

/* The life situations that have services, in name order, each with how
 * many services it has and how many of them can be done online. */
json_t *situations_brief(struct req *r, const struct snapshot *sn)
{
	const struct catalog *c = sn->cat;
	json_t *list = json_array();
	size_t i, nonline;

	for (i = 0; i < c->nevents; i++) {
		const struct event *e = c->events[i];
		json_t *j;

		if (!e->nservices || e->kind != EVENT_LIFE)
			continue;
		count_online(e, &nonline);
		j = json_pack("{s:s, s:s, s:I, s:I}", "name", ml(r, &e->title) ? ml(r, &e->title) : e->slug, "url",
			      prefixed(r, arena_printf(r->arena, "/dzives-situacijas/%s", e->slug)), "count",
			      (json_int_t)e->nservices, "online", (json_int_t)nonline);
		if (ml_lang(r, &e->title))
			json_object_set_new(j, "name_lang", json_string(ml_lang(r, &e->title)));
		json_array_append_new(list, j);
	}
	json_array_sort(list, json_cmp_name);
	return list;
}
