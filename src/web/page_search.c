/* page_search.c — search: the results page with facets and highlighting,
 * the JSON API, and type-ahead completions. Everything comes from the read
 * model's index; the database is never asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "search/search.h"
#include "tmpl/escape.h"
#include "web/app.h"
#include "web/catalog_ctx.h"
#include "web/content.h"
#include "web/form.h"
#include "web/search_log.h"
#include "web/search_pages.h"
#include "web/snapshot.h"
#include "web/web.h"

#define PAGE_SIZE 20     /* hits on a page of /meklet */
#define API_LIMIT 10     /* hits in an API answer unless limit says */
#define MAX_OFFSET 10000 /* search_run's bound (docs/search.md) */

/* The parameters of a search, read by the page and the API alike: one
 * declaration, one validation, and routes.c's cache keys name the same
 * (checked at start). The API documents the English names; the page's own
 * links use the Latvian ones, which links already out there carry. Both
 * work on both; when both are sent, the English one counts. */
enum { SP_Q, SP_INSTITUTION, SP_EVENT, SP_ESERVICE, SP_OFFSET, SP_LIMIT };
const struct field search_params[] = {FIELD_ANY("q", NULL, N_("Search text")),
				      FIELD_ANY("institution", "iestade", N_("Institution")),
				      FIELD_ANY("event", "situacija", N_("Life situation")),
				      FIELD_NUMBER("eservice", "e", 0, 1, N_("Only e-services")),
				      FIELD_NUMBER("offset", "no", 0, MAX_OFFSET, N_("Start of the results")),
				      FIELD_NUMBER("limit", NULL, 1, SEARCH_MAX_LIMIT, N_("Results per page")),
				      FIELD_END};

const struct field suggest_params[] = {FIELD_ANY("q", NULL, N_("Search text")), FIELD_END};

/* Text cut into runs, marked where the query matched: templates print
 * {{#hit}}<mark>{{text}}</mark>{{/hit}}, so everything stays escaped. */
static json_t *marked(const char *s, size_t len, const struct search_span *sp, size_t n)
{
	json_t *arr = json_array();
	size_t pos = 0, i;

	for (i = 0; i < n; i++) {
		size_t a = sp[i].start, b = sp[i].start + sp[i].len;

		if (a < pos || b > len)
			continue;
		if (a > pos)
			json_array_append_new(arr, json_pack("{s:s%}", "text", s + pos, a - pos));
		json_array_append_new(arr, json_pack("{s:s%, s:b}", "text", s + a, b - a, "hit", 1));
		pos = b;
	}
	if (pos < len)
		json_array_append_new(arr, json_pack("{s:s%}", "text", s + pos, len - pos));
	return arr;
}

/* The search page's own URL with one parameter changed (NULL removes it),
 * at its results heading; limit 0: the page's own size, not written. */
static const char *search_url(struct req *r, const char *q, const char *inst, const char *event, int eonly,
			      size_t offset, size_t limit)
{
	struct buf b = BUF_INIT;
	const char *out;

	buf_puts(&b, prefixed(r, "/meklet?q="));
	url_escape(&b, q, strlen(q));
	if (inst) {
		buf_puts(&b, "&iestade=");
		url_escape(&b, inst, strlen(inst));
	}
	if (event) {
		buf_puts(&b, "&situacija=");
		url_escape(&b, event, strlen(event));
	}
	if (eonly)
		buf_puts(&b, "&e=1");
	if (offset)
		buf_printf(&b, "&no=%zu", offset);
	if (limit)
		buf_printf(&b, "&limit=%zu", limit);
	buf_puts(&b, "#rezultati"); /* the focus lands on the results heading */
	out = arena_strndup(r->arena, b.data ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

static const char *label_name(struct req *r, const struct search_label *l)
{
	return r->lang == LANG_EN && l->en ? l->en : l->lv ? l->lv : l->id;
}

/* 0, or what went wrong: RUN_TOOLONG and RUN_INVALID are the person's
 * request (422), RUN_NOMEM is ours (503: memory ran out, bad bytes in q
 * only separate words and are never an error). */
enum { RUN_TOOLONG = -1, RUN_INVALID = -2, RUN_NOMEM = -3 };

static int run(struct req *r, const struct snapshot *sn, struct search_request *sr, struct search_results *res)
{
	int rc = search_run(sn->idx, sr, r->arena, res);

	if (rc == SEARCH_OK)
		return 0;
	if (rc == SEARCH_ETOOLONG)
		return RUN_TOOLONG;
	if (rc == SEARCH_EINVAL)
		return RUN_INVALID;
	log_error("search: out of memory");
	return RUN_NOMEM;
}

/* Above the results: the life situation the query describes, as a card,
 * and the portal's own pages it names. */
static void situation_ctx(struct req *r, const struct search_results *res, json_t *ctx)
{
	json_t *pages = search_pages_find(r, json_string_value(json_object_get(ctx, "q")));

	if (res->situation)
		json_object_set_new(
		    ctx, "situation",
		    json_pack("{s:s, s:s, s:I, s:I}", "name", label_name(r, res->situation), "url",
			      prefixed(r, arena_printf(r->arena, "/dzives-situacijas/%s", res->situation->id)),
			      "services", (json_int_t)res->situation_services, "online",
			      (json_int_t)res->situation_online));
	if (pages && json_array_size(pages) > 0)
		json_object_set_new(ctx, "has_pages", json_true());
	if (pages)
		json_object_set_new(ctx, "pages", pages);
}

int page_search(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	struct form p;
	const char *q, *inst, *event;
	int eonly;
	size_t offset, limit, i;
	struct search_request sr;
	struct search_results res;
	json_t *ctx, *results, *facets;
	int rc;

	/* a bad number in the address: 400, saying which, in the page's language */
	if (query_validate(r, search_params, &p, r->lang) != 0) {
		resp_error(r, ERR_BAD_REQUEST, query_error(r, search_params, &p, r->lang, 1));
		return 0;
	}
	q = p.value[SP_Q];
	inst = p.value[SP_INSTITUTION];
	event = p.value[SP_EVENT];
	eonly = p.number[SP_ESERVICE] == 1;
	offset = p.number[SP_OFFSET];
	limit = p.number[SP_LIMIT]; /* 0: not given, PAGE_SIZE */
	ctx = page_ctx(r, N_("Search"), "services");
	if (inst && !*inst)
		inst = NULL;
	if (event && !*event)
		event = NULL;
	json_object_set_new(ctx, "q", json_string(q ? q : ""));
	if (!q || !*q) {
		render(r, 200, "search", ctx);
		return 0;
	}
	memset(&sr, 0, sizeof(sr));
	sr.q = q;
	sr.offset = offset;
	sr.limit = limit ? limit : PAGE_SIZE;
	sr.institution = inst;
	sr.event = event;
	sr.eservice_only = eonly;
	sr.no_prefix = 1; /* a submitted query is complete */
	rc = run(r, sn, &sr, &res);
	if (rc == RUN_NOMEM) {
		json_decref(ctx);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	json_object_set_new(ctx, "has_query", json_true());
	if (inst)
		json_object_set_new(ctx, "institution", json_string(inst));
	if (event)
		json_object_set_new(ctx, "event", json_string(event));
	if (eonly)
		json_object_set_new(ctx, "eonly", json_true());
	if (rc != 0) {
		json_object_set_new(
		    ctx, "error",
		    json_string(i18n_tr(r->lang, rc == RUN_TOOLONG
						     ? N_("The search text is too long. Please use fewer words.")
						     : N_("The search text could not be read."))));
		json_object_set_new(ctx, "total", json_integer(0));
		render(r, 422, "search", ctx);
		return 0;
	}
	if (offset == 0 && !inst && !event && !eonly) {
		content_search_ctx(r, q, ctx); /* news and FAQ answers, after the services */
		situation_ctx(r, &res, ctx);
	}
	if (res.total == 0 && !inst && !event && !eonly && offset == 0)
		search_log_zero(q); /* computed here; repeats come from the page cache (search_log.h) */
	json_object_set_new(ctx, "title",
			    json_string(arena_printf(r->arena, "%s: %s", i18n_tr(r->lang, N_("Search")), q)));
	json_object_set_new(ctx, "total", json_integer((json_int_t)res.total));
	results = json_array();
	for (i = 0; i < res.nhits; i++) {
		const struct search_hit *h = &res.hits[i];
		int en = r->lang == LANG_EN && h->title_en;
		const char *title = en ? h->title_en : h->title_lv;
		json_t *j = json_object();

		json_object_set_new(j, "url", json_string(prefixed(r, h->url)));
		json_object_set_new(j, "title",
				    marked(title, strlen(title), en ? h->title_en_spans : h->title_lv_spans,
					   en ? h->ntitle_en_spans : h->ntitle_lv_spans));
		if (h->institution)
			json_object_set_new(j, "institution", json_string(label_name(r, h->institution)));
		if (h->eservice)
			json_object_set_new(j, "eservice", json_true());
		if (h->snippet && !en) {
			json_object_set_new(j, "has_snippet", json_true());
			json_object_set_new(
			    j, "snippet", marked(h->snippet, strlen(h->snippet), h->snippet_spans, h->nsnippet_spans));
			if (h->cut_before)
				json_object_set_new(j, "cut_before", json_true());
			if (h->cut_after)
				json_object_set_new(j, "cut_after", json_true());
		}
		json_array_append_new(results, j);
	}
	json_object_set_new(ctx, "results", results);
	facets = json_array();
	for (i = 0; i < res.ninstitutions; i++) {
		const struct search_facet *f = &res.institutions[i];
		int active = inst && !strcmp(inst, f->label->id);

		json_array_append_new(facets, json_pack("{s:s, s:s, s:I, s:b}", "name", label_name(r, f->label), "url",
							search_url(r, q, f->label->id, event, eonly, 0, limit), "count",
							(json_int_t)f->count, "active", active));
	}
	json_object_set_new(ctx, "has_institutions", json_boolean(json_array_size(facets) > 0));
	json_object_set_new(ctx, "institutions", facets);
	facets = json_array();
	for (i = 0; i < res.nevents; i++) {
		const struct search_facet *f = &res.events[i];
		int active = event && !strcmp(event, f->label->id);

		json_array_append_new(facets, json_pack("{s:s, s:s, s:I, s:b}", "name", label_name(r, f->label), "url",
							search_url(r, q, inst, f->label->id, eonly, 0, limit), "count",
							(json_int_t)f->count, "active", active));
	}
	json_object_set_new(ctx, "has_events", json_boolean(json_array_size(facets) > 0));
	json_object_set_new(ctx, "events", facets);
	json_object_set_new(ctx, "neservices", json_integer((json_int_t)res.eservices));
	json_object_set_new(ctx, "eonly_url", json_string(search_url(r, q, inst, event, 1, 0, limit)));
	if (inst || event || eonly) {
		json_object_set_new(ctx, "active_filters", json_true());
		json_object_set_new(ctx, "clear_url", json_string(search_url(r, q, NULL, NULL, 0, 0, limit)));
	}
	if (res.suggestion) {
		json_object_set_new(ctx, "suggestion", json_string(res.suggestion));
		json_object_set_new(ctx, "suggestion_url",
				    json_string(search_url(r, res.suggestion, NULL, NULL, 0, 0, limit)));
	}
	if (offset + res.nhits < res.total) {
		json_object_set_new(ctx, "has_more", json_true());
		json_object_set_new(ctx, "more_url",
				    json_string(search_url(r, q, inst, event, eonly, offset + res.nhits, limit)));
	}
	render(r, 200, "search", ctx);
	return 0;
}

int api_search(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	struct form p;
	const char *q;
	struct search_request sr;
	struct search_results res;
	json_t *out, *results, *inst, *ev;
	size_t i;
	int rc;

	rc = query_validate(r, search_params, &p, LANG_EN);
	q = p.value[SP_Q];
	if (!q) {
		resp_error(r, ERR_VALIDATION, "q: the search text is required");
		return 0;
	}
	if (rc != 0) { /* a bad number: 422 naming it, never a silent default */
		resp_error(r, ERR_VALIDATION, query_error(r, search_params, &p, LANG_EN, 0));
		return 0;
	}
	memset(&sr, 0, sizeof(sr));
	sr.q = q;
	sr.limit = p.number[SP_LIMIT] ? p.number[SP_LIMIT] : API_LIMIT;
	sr.offset = p.number[SP_OFFSET];
	sr.institution = p.value[SP_INSTITUTION];
	sr.event = p.value[SP_EVENT];
	sr.eservice_only = p.number[SP_ESERVICE] == 1;
	rc = run(r, sn, &sr, &res);
	if (rc == RUN_NOMEM) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (rc != 0) {
		resp_error(r, ERR_VALIDATION, rc == RUN_TOOLONG ? "q: too long" : "limit or offset: out of range");
		return 0;
	}
	if (res.total == 0 && (!sr.institution || !*sr.institution) && (!sr.event || !*sr.event) && !sr.eservice_only &&
	    sr.offset == 0)
		search_log_zero(q);
	results = json_array();
	for (i = 0; i < res.nhits; i++) {
		const struct search_hit *h = &res.hits[i];
		const char *title = r->lang == LANG_EN && h->title_en ? h->title_en : h->title_lv;

		json_array_append_new(results,
				      json_pack("{s:s, s:s, s:s?, s:s, s:b}", "id", h->id, "title", title,
						"institution", h->institution ? label_name(r, h->institution) : NULL,
						"url", prefixed(r, h->url), "eService", h->eservice));
	}
	inst = json_array();
	for (i = 0; i < res.ninstitutions; i++)
		json_array_append_new(inst, json_pack("{s:s, s:s, s:I}", "id", res.institutions[i].label->id, "name",
						      label_name(r, res.institutions[i].label), "count",
						      (json_int_t)res.institutions[i].count));
	ev = json_array();
	for (i = 0; i < res.nevents; i++)
		json_array_append_new(ev, json_pack("{s:s, s:s, s:I}", "id", res.events[i].label->id, "name",
						    label_name(r, res.events[i].label), "count",
						    (json_int_t)res.events[i].count));
	out = json_pack("{s:s, s:I, s:o, s:s?, s:{s:o, s:o, s:I}}", "query", q, "total", (json_int_t)res.total,
			"results", results, "suggestion", res.suggestion, "facets", "institution", inst, "event", ev,
			"eService", (json_int_t)res.eservices);
	if (out && res.situation)
		json_object_set_new(out, "situation",
				    json_pack("{s:s, s:s, s:I, s:I}", "id", res.situation->id, "name",
					      label_name(r, res.situation), "services",
					      (json_int_t)res.situation_services, "online",
					      (json_int_t)res.situation_online));
	resp_json(r, 200, out);
	return 0;
}

int api_suggest(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	struct form p;
	const char *q;
	const char *const *list = NULL;
	size_t n = 0, i;
	json_t *arr = json_array();

	query_validate(r, suggest_params, &p, LANG_EN); /* any text: nothing to refuse */
	q = p.value[0];
	if (q && *q && search_complete(sn->idx, q, 8, r->lang == LANG_EN, r->arena, &list, &n) == SEARCH_OK)
		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_string(list[i]));
	resp_json(r, 200, json_pack("{s:s, s:o}", "query", q ? q : "", "suggestions", arr));
	return 0;
}
