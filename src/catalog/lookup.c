/* lookup.c — reading the in-memory catalog: lookups by slug, identifier and
 * IRI, and the text dump tests compare (see model.h). model.c builds it. */
#include "catalog/model.h"

#include <stdio.h>
#include <string.h>

#include "catalog/model_internal.h"
#include "core/buf.h"

/* ---- lookups ---- */

#define BSEARCH_BY(arr, n, field, key)                                                                                 \
	do {                                                                                                           \
		size_t lo_ = 0, hi_ = (n);                                                                             \
		if (!(key))                                                                                            \
			return NULL;                                                                                   \
		while (lo_ < hi_) {                                                                                    \
			size_t mid_ = lo_ + (hi_ - lo_) / 2;                                                           \
			int c_ = strcmp((arr)[mid_]->field, (key));                                                    \
			if (c_ == 0)                                                                                   \
				return (arr)[mid_];                                                                    \
			if (c_ < 0)                                                                                    \
				lo_ = mid_ + 1;                                                                        \
			else                                                                                           \
				hi_ = mid_;                                                                            \
		}                                                                                                      \
		return NULL;                                                                                           \
	} while (0)

const struct service *catalog_service(const struct catalog *c, const char *slug)
{
	BSEARCH_BY(c->services, c->nservices, slug, slug);
}

const struct service *catalog_service_by_id(const struct catalog *c, const char *identifier)
{
	size_t lo = 0, hi = c->nservices;

	if (!identifier)
		return NULL;
	while (lo < hi) { /* the first of equal identifiers */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(c->index->by_id[mid]->identifier, identifier) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nservices && !strcmp(c->index->by_id[lo]->identifier, identifier) ? c->index->by_id[lo] : NULL;
}

const struct service *catalog_service_by_iri(const struct catalog *c, const char *iri)
{
	BSEARCH_BY(c->index->by_iri, c->index->nby_iri, iri, iri);
}

const struct organisation *catalog_org(const struct catalog *c, const char *slug)
{
	BSEARCH_BY(c->orgs, c->norgs, slug, slug);
}

const struct organisation *catalog_org_by_iri(const struct catalog *c, const char *iri)
{
	BSEARCH_BY(c->index->orgs_by_iri, c->index->norgs_by_iri, iri, iri);
}

const struct event *catalog_event(const struct catalog *c, const char *slug)
{
	BSEARCH_BY(c->events, c->nevents, slug, slug);
}

const struct contact_point *catalog_contact(const struct catalog *c, const char *slug)
{
	BSEARCH_BY(c->contacts, c->ncontacts, slug, slug);
}

const struct portal *catalog_portal(const struct catalog *c, const char *slug)
{
	BSEARCH_BY(c->portals, c->nportals, slug, slug);
}

/* ---- dump ---- */

static void dump_text(struct buf *o, const char *name, const struct mltext *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		buf_printf(o, "  %s@%s: %s\n", name, t->v[i].lang, t->v[i].value);
}

static void dump_strs(struct buf *o, const char *name, const struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		buf_printf(o, "  %s: %s\n", name, l->v[i]);
}

static void dump_concepts(struct buf *o, const char *name, const struct concepts *cs)
{
	size_t i, j;

	for (i = 0; i < cs->n; i++) {
		buf_printf(o, "  %s: %s <%s>%s", name, cs->v[i].notation ? cs->v[i].notation : "-",
			   cs->v[i].iri ? cs->v[i].iri : "-", cs->v[i].node ? "" : " (text)");
		for (j = 0; j < cs->v[i].label.n; j++)
			buf_printf(o, " %s@%s", cs->v[i].label.v[j].value, cs->v[i].label.v[j].lang);
		buf_putc(o, '\n');
	}
}

#define S(x) ((x) ? (x) : "-")

static void dump_item(struct buf *o, const char *what, const struct item *it)
{
	size_t i;

	buf_printf(o, "  %s %s <%s> id=%s type=%s\n", what, S(it->slug), S(it->iri), S(it->identifier),
		   S(it->type.notation));
	dump_text(o, "  title", &it->title);
	dump_text(o, "  description", &it->description);
	for (i = 0; i < it->nevidence; i++)
		buf_printf(o, "    evidence %s\n", S(it->evidence[i]->identifier));
}

int catalog_dump(const struct catalog *c, struct buf *o)
{
	size_t i, j;

	for (i = 0; i < c->norgs; i++) {
		const struct organisation *x = c->orgs[i];

		buf_printf(o, "organisation %s <%s> id=%s level=%d eMark=%d home=%s\n", x->slug, S(x->iri),
			   S(x->identifier), (int)x->level, (int)x->e_mark, S(x->homepage));
		dump_text(o, "name", &x->name);
		dump_text(o, "alt", &x->alt_names);
		dump_text(o, "address", &x->address);
		dump_concepts(o, "spatial", &x->spatial);
		dump_strs(o, "helpdesk", &x->helpdesk_for);
		for (j = 0; j < x->ncontacts; j++)
			buf_printf(o, "  contact %s\n", x->contacts[j]->slug);
		for (j = 0; j < x->nservices; j++)
			buf_printf(o, "  service %s\n", x->services[j]->slug);
	}
	for (i = 0; i < c->ncontacts; i++) {
		const struct contact_point *x = c->contacts[i];

		buf_printf(o, "contact %s <%s> id=%s\n", x->slug, S(x->iri), S(x->identifier));
		dump_text(o, "title", &x->title);
		dump_strs(o, "phone", &x->phones);
		dump_strs(o, "email", &x->emails);
		dump_strs(o, "page", &x->pages);
		dump_text(o, "hours", &x->hours);
		dump_strs(o, "helpdesk", &x->helpdesk_for);
	}
	for (i = 0; i < c->nevents; i++) {
		const struct event *x = c->events[i];

		buf_printf(o, "event %s <%s> id=%s kind=%d\n", x->slug, S(x->iri), S(x->identifier), (int)x->kind);
		dump_text(o, "title", &x->title);
		dump_text(o, "description", &x->description);
		dump_text(o, "introduction", &x->introduction);
		dump_strs(o, "order", &x->order);
		for (j = 0; j < x->nservices; j++)
			buf_printf(o, "  service %s\n", x->services[j]->slug);
	}
	for (i = 0; i < c->nportals; i++) {
		const struct portal *x = c->portals[i];

		buf_printf(o, "portal %s <%s> id=%s url=%s operator=%s\n", x->slug, S(x->iri), S(x->identifier),
			   S(x->url), x->operator_org ? x->operator_org->slug : "-");
		dump_text(o, "name", &x->name);
	}
	for (i = 0; i < c->nservices; i++) {
		const struct service *x = c->services[i];

		buf_printf(o,
			   "service %s <%s> id=%s authority=%s audience=%u status=%d <%s> eService=%d hosted=%s %s "
			   "time=%s\n",
			   x->slug, S(x->iri), x->identifier, x->authority->slug, x->audience, (int)x->status,
			   S(x->status_iri), (int)x->e_service, x->hosted_on ? x->hosted_on->slug : "-",
			   S(x->hosted_url), S(x->processing_time));
		dump_text(o, "title", &x->title);
		dump_text(o, "description", &x->description);
		dump_text(o, "keyword", &x->keywords);
		dump_concepts(o, "audience", &x->audience_concepts);
		dump_concepts(o, "spatial", &x->spatial);
		dump_concepts(o, "class", &x->classes);
		dump_strs(o, "auth", &x->auth_methods);
		for (j = 0; j < x->nevents; j++)
			buf_printf(o, "  event %s\n", x->events[j]->slug);
		for (j = 0; j < x->ncontacts; j++)
			buf_printf(o, "  contact %s\n", x->contacts[j]->slug);
		for (j = 0; j < x->nchannels; j++) {
			const struct channel *ch = &x->channels[j];

			buf_printf(o,
				   "  channel %s <%s> id=%s type=%s (%s <%s>) owner=%s <%s> url=%s contact=%s "
				   "phone=%s email=%s time=%s\n",
				   ch->slug, S(ch->iri), ch->identifier, channel_type_name(ch->type),
				   S(ch->type_concept ? ch->type_concept->notation : NULL),
				   S(ch->type_concept ? ch->type_concept->iri : NULL),
				   ch->owner ? ch->owner->slug : "-", S(ch->owner_iri), S(ch->url),
				   ch->contact ? ch->contact->slug : "-", S(ch->phone), S(ch->email),
				   S(ch->processing_time));
			dump_text(o, "  description", &ch->description);
			dump_text(o, "  hours", &ch->hours);
		}
		for (j = 0; j < x->ncosts; j++) {
			const struct cost *k = &x->costs[j];

			buf_printf(o, "  cost %s <%s> id=%s value=%s currency=%s <%s> by=%s through=%s prices=%s\n",
				   k->slug, S(k->iri), k->identifier, k->has_value ? k->value_text : "-",
				   S(k->currency), S(k->currency_iri),
				   k->defined_by ? k->defined_by->slug : S(k->defined_by_iri),
				   k->accessed_through ? k->accessed_through->slug : "-", S(k->price_list));
			dump_text(o, "  description", &k->description);
		}
		for (j = 0; j < x->noutputs; j++)
			dump_item(o, "output", &x->outputs[j]);
		for (j = 0; j < x->ninputs; j++)
			dump_item(o, "evidence", &x->inputs[j]);
		for (j = 0; j < x->nrequirements; j++)
			dump_item(o, "requirement", &x->requirements[j]);
		for (j = 0; j < x->nlegal; j++) {
			buf_printf(o, "  legal <%s> url=%s\n", S(x->legal[j].iri), S(x->legal[j].url));
			dump_text(o, "  title", &x->legal[j].title);
		}
	}
	return buf_ok(o) ? 0 : -1;
}
