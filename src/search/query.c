/* query.c — running a query: scoring, filters and facets, the top hits.
 * Parsing and expansion are in expand.c, highlighting in highlight.c,
 * type-ahead in complete.c.
 *
 * A document scores per word the best (quality x field weight) of the
 * word's terms it holds, weighted by the word's rarity (BM25's idf); then
 *   score = coverage + 0.6 * relevance + 0.2 * title coverage
 * where coverage is the share of the query's words it matched (the
 * "words" rule of Meilisearch comes first), relevance the idf-weighted mean
 * of the word scores, and title coverage the share of the title's words the
 * query matched (a short title that says exactly what was asked wins).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "search/internal.h"

#define W_REL 0.6f   /* relevance, after coverage */
#define W_NAME 0.25f /* name coverage */
#define RERANK 40    /* documents reranked by name coverage beyond the page */

static float field_weight(uint8_t f)
{
	if (f & (F_TITLE_LV | F_TITLE_EN))
		return 1.0f;
	if (f & F_KEYWORD)
		return 0.8f;
	if (f & F_INSTITUTION)
		return 0.6f;
	if (f & F_EVENT)
		return 0.45f;
	return 0.3f;
}

/* ---- scoring ---- */

static void scratch_release(struct scratch *s)
{
	free(s->total);
	free(s->cur);
	free(s->best);
	free(s->base);
	free(s->matched);
	free(s->title);
	free(s->title_en);
	free(s->curtitle);
	free(s->seen);
	free(s->touched);
	free(s->vdocs);
	free(s->docs);
	free(s->wdoc);
	free(s->wc);
	free(s->wtb);
	memset(s, 0, sizeof(*s));
}

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static __thread struct scratch *scratch_tls;

static void scratch_destroy(void *p)
{
	scratch_release(p);
	free(p);
}

static void scratch_key_init(void)
{
	pthread_key_create(&scratch_key, scratch_destroy);
}

/* This thread's scratch, sized for n documents; NULL when out of memory. */
struct scratch *scratch_get(size_t n)
{
	struct scratch *s = scratch_tls;

	pthread_once(&scratch_once, scratch_key_init);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		scratch_tls = s;
		pthread_setspecific(scratch_key, s);
	}
	if (n == 0)
		n = 1;
	if (s->ndocs < n) {
		scratch_release(s);
		s->ndocs = n;
		s->total = calloc(n, sizeof(float));
		s->cur = calloc(n, sizeof(float));
		s->best = calloc(n, sizeof(float));
		s->base = calloc(n, sizeof(float));
		s->matched = calloc(n, 1);
		s->title = calloc(n, 1);
		s->title_en = calloc(n, 1);
		s->curtitle = calloc(n, 1);
		s->seen = calloc(n, 1);
		s->touched = calloc(n, sizeof(uint32_t));
		s->vdocs = calloc(n, sizeof(uint32_t));
		s->docs = calloc(n, sizeof(uint32_t));
		if (!(s->total && s->cur && s->best && s->base && s->matched && s->title && s->title_en &&
		      s->curtitle && s->seen && s->touched && s->vdocs && s->docs)) {
			scratch_release(s);
			return NULL;
		}
	}
	s->wlen = 0;
	memset(s->wn, 0xff, sizeof(s->wn));
	return s;
}

/* Clears what a query left in best/base. */
void scratch_done(struct scratch *s, size_t nd)
{
	size_t i;

	for (i = 0; i < nd; i++) {
		s->best[s->docs[i]] = 0;
		s->base[s->docs[i]] = 0;
	}
}

/* The documents a word matches, each with its best (quality x field
 * weight) and title bits, computed once per query into the pool. */
static int word_matches(const struct search_index *idx, const struct vword *w, struct scratch *s, size_t *from,
			size_t *n)
{
	size_t nt = 0, j;

	if (w->key >= 0 && w->key < WCACHE && s->wn[w->key] >= 0) {
		*from = s->wfrom[w->key];
		*n = (size_t)s->wn[w->key];
		return 0;
	}
	for (j = 0; j < w->ne; j++) {
		uint32_t t = w->e[j].term, d = 0;
		float q = w->e[j].q;
		const uint8_t *p = idx->post + idx->post_off[t], *end = idx->post + idx->post_off[t + 1];

		while (p < end) {
			uint8_t f;
			float c;

			p = posting_next(p, &d, &f);
			c = q * field_weight(f);
			if (s->cur[d] == 0)
				s->touched[nt++] = d;
			if (c > s->cur[d])
				s->cur[d] = c;
			s->curtitle[d] |= f & F_TITLE;
		}
	}
	if (s->wlen + nt > s->wcap) {
		size_t ncap = (s->wlen + nt) * 2;
		uint32_t *nd = realloc(s->wdoc, ncap * sizeof(uint32_t));
		float *nc;
		uint8_t *ntb;

		if (nd)
			s->wdoc = nd;
		nc = nd ? realloc(s->wc, ncap * sizeof(float)) : NULL;
		if (nc)
			s->wc = nc;
		ntb = nc ? realloc(s->wtb, ncap) : NULL;
		if (ntb)
			s->wtb = ntb;
		if (!ntb) {
			for (j = 0; j < nt; j++) {
				s->cur[s->touched[j]] = 0;
				s->curtitle[s->touched[j]] = 0;
			}
			return -1;
		}
		s->wcap = ncap;
	}
	*from = s->wlen;
	*n = nt;
	for (j = 0; j < nt; j++) {
		uint32_t d = s->touched[j];

		s->wdoc[s->wlen] = d;
		s->wc[s->wlen] = s->cur[d];
		s->wtb[s->wlen] = s->curtitle[d];
		s->wlen++;
		s->cur[d] = 0;
		s->curtitle[d] = 0;
	}
	if (w->key >= 0 && w->key < WCACHE) {
		s->wfrom[w->key] = *from;
		s->wn[w->key] = (long)nt;
	}
	return 0;
}

/* Scores one variant into s->best (max over variants); returns how many
 * documents it touched; new documents are appended to s->docs (*nd). */
static void score_variant(const struct search_index *idx, const struct variant *v, struct scratch *s, size_t *nd)
{
	size_t i, j, nv = 0, nreq = 0;
	float idfsum = 0;

	for (i = 0; i < v->n; i++) {
		const struct vword *w = &v->w[i];
		size_t from = 0, nt = 0;

		if (!w->optional)
			nreq++;
		idfsum += w->idf;
		if (word_matches(idx, w, s, &from, &nt) != 0)
			continue; /* out of memory: the word counts as unmatched */
		for (j = from; j < from + nt; j++) {
			uint32_t d = s->wdoc[j];

			if (!s->seen[d]) {
				s->seen[d] = 1;
				s->vdocs[nv++] = d;
			}
			s->total[d] += w->idf * s->wc[j];
			if (!w->optional)
				s->matched[d]++;
			if (s->wtb[j] & F_TITLE_LV)
				s->title[d]++;
			if (s->wtb[j] & F_TITLE_EN)
				s->title_en[d]++;
		}
	}
	if (nreq == 0)
		nreq = 1;
	if (idfsum <= 0)
		idfsum = 1;
	for (i = 0; i < nv; i++) {
		uint32_t d = s->vdocs[i];
		float cov = (float)s->matched[d] / (float)nreq, rel = s->total[d] / idfsum, tcov = 0, sc;
		unsigned tl = idx->docs[d].title_len, te = idx->docs[d].title_len_en;

		if (tl)
			tcov = (float)s->title[d] / (float)tl;
		if (te && (float)s->title_en[d] / (float)te > tcov)
			tcov = (float)s->title_en[d] / (float)te;
		if (tcov > 1)
			tcov = 1;
		if (s->matched[d] > 0) {
			float base = (cov + W_REL * rel) * v->factor;

			sc = base + W_NAME * tcov * v->factor;
			if (s->best[d] == 0)
				s->docs[(*nd)++] = d;
			if (sc > s->best[d]) {
				s->best[d] = sc;
				s->base[d] = base;
			}
		}
		s->total[d] = 0;
		s->matched[d] = 0;
		s->title[d] = 0;
		s->title_en[d] = 0;
		s->seen[d] = 0;
	}
}

/* ---- filters and facets ---- */

static int has_event(const struct search_index *idx, uint32_t d, long ev)
{
	const struct idoc *doc = &idx->docs[d];
	uint16_t i;

	for (i = 0; i < doc->nevents; i++)
		if ((long)idx->doc_events[doc->events_off + i] == ev)
			return 1;
	return 0;
}

static long label_find(const struct search_label *l, size_t n, const char *id)
{
	size_t i;

	for (i = 0; id && i < n; i++)
		if (strcmp(l[i].id, id) == 0)
			return (long)i;
	return -1;
}

struct filters {
	long inst, event; /* -1 any; -2 an id that does not exist */
	int eonly;
};

/* Which filters a document fails, as bits: 1 institution, 2 event, 4 e-service. */
static unsigned fails(const struct search_index *idx, const struct filters *f, uint32_t d)
{
	unsigned r = 0;

	if (f->inst != -1 && (long)idx->docs[d].institution != f->inst)
		r |= 1;
	if (f->event != -1 && !has_event(idx, d, f->event))
		r |= 2;
	if (f->eonly && !idx->docs[d].eservice)
		r |= 4;
	return r;
}

static int cmp_facet(const void *a, const void *b)
{
	const struct search_facet *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->label->lv, y->label->lv);
}

static int make_facets(const struct search_index *idx, const struct filters *f, const uint32_t *docs, size_t n,
		       struct arena *a, struct search_results *out)
{
	size_t *ic = calloc(idx->ninstitutions + 1, sizeof(size_t));
	size_t *ec = calloc(idx->nevents + 1, sizeof(size_t));
	struct search_facet *fi = NULL, *fe = NULL;
	size_t i, k;
	int rc = -1;

	if (!ic || !ec)
		goto out;
	for (i = 0; i < n; i++) {
		uint32_t d = docs[i];
		unsigned fl = fails(idx, f, d);
		uint16_t j;

		if ((fl & ~1u) == 0)
			ic[idx->docs[d].institution]++;
		if ((fl & ~2u) == 0)
			for (j = 0; j < idx->docs[d].nevents; j++)
				ec[idx->doc_events[idx->docs[d].events_off + j]]++;
		if ((fl & ~4u) == 0 && idx->docs[d].eservice)
			out->eservices++;
	}
	fi = arena_alloc(a, (idx->ninstitutions + 1) * sizeof(*fi));
	fe = arena_alloc(a, (idx->nevents + 1) * sizeof(*fe));
	if (!fi || !fe)
		goto out;
	for (i = 0, k = 0; i < idx->ninstitutions; i++)
		if (ic[i]) {
			fi[k].label = &idx->institutions[i];
			fi[k++].count = ic[i];
		}
	qsort(fi, k, sizeof(*fi), cmp_facet);
	out->institutions = fi;
	out->ninstitutions = k;
	for (i = 0, k = 0; i < idx->nevents; i++)
		if (ec[i]) {
			fe[k].label = &idx->events[i];
			fe[k++].count = ec[i];
		}
	qsort(fe, k, sizeof(*fe), cmp_facet);
	out->events = fe;
	out->nevents = k;
	rc = 0;
out:
	free(ic);
	free(ec);
	return rc;
}

/* ---- top hits ---- */

struct ranked {
	float score;
	uint32_t doc;
};

/* a ranks before b */
static int before(const struct ranked *a, const struct ranked *b)
{
	return a->score > b->score || (a->score == b->score && a->doc < b->doc);
}

/* Keeps the k best in a heap whose root is the worst of them. */
static void heap_push(struct ranked *h, size_t *n, size_t k, struct ranked r)
{
	size_t i;

	if (k == 0)
		return;
	if (*n < k) {
		i = (*n)++;
		h[i] = r;
		while (i > 0 && before(&h[(i - 1) / 2], &h[i])) {
			struct ranked t = h[i];

			h[i] = h[(i - 1) / 2];
			h[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
		return;
	}
	if (!before(&r, &h[0]))
		return;
	h[0] = r;
	i = 0;
	for (;;) {
		size_t l = 2 * i + 1, rr = l + 1, w = i;
		struct ranked t;

		if (l < *n && before(&h[w], &h[l]))
			w = l;
		if (rr < *n && before(&h[w], &h[rr]))
			w = rr;
		if (w == i)
			break;
		t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return before(x, y) ? -1 : before(y, x) ? 1 : 0;
}

/* ---- the query ---- */

static long doc_by_id(const struct search_index *idx, const char *id)
{
	size_t i;

	for (i = 0; i < idx->ndocs; i++)
		if (strcmp(idx->docs[i].id, id) == 0)
			return (long)i;
	return -1;
}

static const struct best_bet *best_bet_for(const struct search_index *idx, const char *q)
{
	char key[SEARCH_MAX_QUERY * 2];
	size_t kl, i;

	if (idx->tables.nbets == 0)
		return NULL;
	kl = query_key(idx->lex, idx->flags, q, strlen(q), key, sizeof(key));
	if (kl == (size_t)-1 || kl == 0)
		return NULL;
	for (i = 0; i < idx->tables.nbets; i++)
		if (strcmp(idx->tables.bets[i].key, key) == 0)
			return &idx->tables.bets[i];
	return NULL;
}

/* Runs the scoring of a parsed query: fills s->best and s->docs (*nd). */
void score_all(const struct search_index *idx, struct parsed *p, struct scratch *s, size_t *nd)
{
	size_t i;

	make_variants(idx, p);
	*nd = 0;
	for (i = 0; i < p->nv; i++)
		score_variant(idx, &p->v[i], s, nd);
}

/* The facet filters of a request: -1 any, -2 an id the index lacks. */
static void filters_of(const struct search_index *idx, const struct search_request *req, struct filters *f)
{
	f->inst = req->institution ? label_find(idx->institutions, idx->ninstitutions, req->institution) : -1;
	f->event = req->event ? label_find(idx->events, idx->nevents, req->event) : -1;
	if (req->institution && f->inst < 0)
		f->inst = -2;
	if (req->event && f->event < 0)
		f->event = -2;
	f->eonly = req->eservice_only;
}

/* Keeps in s->docs[0..*nd) the documents that match at least half as much
 * as the best one; clears the others' scores. */
static void keep_close(struct scratch *s, size_t *nd)
{
	float maxcov = 0;
	size_t i, k;

	for (i = 0; i < *nd; i++)
		if (s->best[s->docs[i]] > maxcov)
			maxcov = s->best[s->docs[i]];
	for (i = 0, k = 0; i < *nd; i++) {
		if (s->best[s->docs[i]] >= maxcov * 0.5f)
			s->docs[k++] = s->docs[i];
		else
			s->best[s->docs[i]] = s->base[s->docs[i]] = 0;
	}
	*nd = k;
}

#define MAX_PINNED 16 /* documents of one best bet */

/* The documents an editor's best bet for q puts first (those the filters
 * let through), in its order, into pinned; returns how many. They join
 * s->docs once, whether or not they matched, and are marked -1 in s->best,
 * which keeps them out of the ranking. */
static size_t pin_best_bets(const struct search_index *idx, const char *q, const struct filters *f, struct scratch *s,
			    size_t *nd, long *pinned)
{
	const struct best_bet *bet = best_bet_for(idx, q);
	size_t i, npinned = 0;

	for (i = 0; bet && i < bet->nids && npinned < MAX_PINNED; i++) {
		long d = doc_by_id(idx, bet->ids[i]);

		if (d >= 0 && fails(idx, f, (uint32_t)d) == 0)
			pinned[npinned++] = d;
	}
	/* best-bet documents count once, whether or not they matched */
	for (i = 0; i < npinned; i++) {
		if (s->best[pinned[i]] == 0)
			s->docs[(*nd)++] = (uint32_t)pinned[i];
		s->best[pinned[i]] = -1; /* kept out of the ranking below */
	}
	return npinned;
}

/* The best keep documents of s->docs[0..nd) that pass the filters into
 * heap (keep + 1 places), reranked by how completely the query says one of
 * their names, best first; returns how many. *total: every document that
 * passes the filters, best bets included. */
static size_t rank_top(const struct search_index *idx, const struct filters *f, const struct scratch *s, size_t nd,
		       const struct hlset *hl, size_t keep, struct ranked *heap, size_t *total)
{
	size_t i, nheap = 0;

	*total = 0;
	for (i = 0; i < nd; i++) {
		uint32_t d = s->docs[i];
		struct ranked r;

		if (fails(idx, f, d))
			continue;
		(*total)++;
		if (s->best[d] < 0)
			continue;
		r.score = s->best[d];
		r.doc = d;
		heap_push(heap, &nheap, keep, r);
	}
	/* rerank the best by how completely the query says one of their names */
	for (i = 0; i < nheap; i++)
		heap[i].score = s->base[heap[i].doc] + W_NAME * name_coverage(idx, hl, heap[i].doc);
	qsort(heap, nheap, sizeof(*heap), cmp_ranked);
	return nheap;
}

/* Fills hit h with document d: what it shows, its highlights and snippet
 * (in a). 0, or -1 when the arena is full. */
static int make_hit(const struct search_index *idx, const struct hlset *hl, uint32_t d, struct arena *a,
		    struct search_hit *h)
{
	const struct idoc *doc = &idx->docs[d];

	h->doc = d;
	h->id = doc->id;
	h->url = doc->url;
	h->title_lv = doc->title_lv;
	h->title_en = doc->title_en;
	h->institution = &idx->institutions[doc->institution];
	h->eservice = doc->eservice;
	if (spans_of(idx, hl, doc->title_lv, a, &h->title_lv_spans, &h->ntitle_lv_spans) != 0 ||
	    spans_of(idx, hl, doc->title_en, a, &h->title_en_spans, &h->ntitle_en_spans) != 0 ||
	    snippet_of(idx, hl, doc->description, a, h) != 0)
		return -1;
	return 0;
}

/* Whether q finds anything: "did you mean" offers only what does. p and
 * s are the caller's working memory, s clean (and left clean). */
static int finds_any(const struct search_index *idx, const char *q, struct parsed *p, struct scratch *s)
{
	size_t nd = 0;

	if (parse_query(idx, q, 1, p) != SEARCH_OK)
		return 0;
	score_all(idx, p, s, &nd);
	scratch_done(s, nd);
	return nd > 0;
}

/* The first of a rule's event ids ("a,b": one per catalog it is written
 * for) that the index holds, or -1. */
static long event_find(const struct search_index *idx, const char *ids)
{
	char id[128];
	long ev = -1;

	while (*ids && ev < 0) {
		size_t n = strcspn(ids, ",");

		if (n < sizeof(id)) {
			memcpy(id, ids, n);
			id[n] = '\0';
			ev = label_find(idx->events, idx->nevents, id);
		}
		ids += n + (ids[n] == ',');
	}
	return ev;
}

/* The card of the strongest situation the query says that names an
 * event: the event, its services and how many are e-services. */
static void situation_card(const struct search_index *idx, const struct sitmatch *m, struct search_results *out)
{
	size_t i, d, e;
	long ev = -1;

	for (i = 0; i < m->n && ev < 0; i++)
		if (idx->tables.sits[m->sit[i]].event)
			ev = event_find(idx, idx->tables.sits[m->sit[i]].event);
	if (ev < 0)
		return;
	out->situation = &idx->events[ev];
	for (d = 0; d < idx->ndocs; d++)
		for (e = 0; e < idx->docs[d].nevents; e++)
			if (idx->doc_events[idx->docs[d].events_off + e] == (uint32_t)ev) {
				out->situation_services++;
				out->situation_online += idx->docs[d].eservice ? 1 : 0;
				break;
			}
}

int search_run(const struct search_index *idx, const struct search_request *req, struct arena *a,
	       struct search_results *out)
{
	struct parsed *p = NULL;
	struct scratch *sp = NULL;
	struct ranked *heap = NULL;
	struct search_hit *hits = NULL;
	struct hlset hl = {NULL, 0};
	long pinned[MAX_PINNED];
	struct sitmatch sm;
	size_t npinned, nd = 0, i, limit, want, nheap;
	struct filters f;
	int rc = SEARCH_ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!idx || !req || !req->q)
		return SEARCH_EINVAL;
	limit = req->limit ? req->limit : 10;
	if (limit > SEARCH_MAX_LIMIT || req->offset > 10000)
		return SEARCH_EINVAL;
	if (strlen(req->q) > SEARCH_MAX_QUERY)
		return SEARCH_ETOOLONG;
	p = malloc(sizeof(*p));
	sp = scratch_get(idx->ndocs);
	if (!p || !sp)
		goto out;
	rc = parse_query(idx, req->q, req->no_prefix || (idx->flags & SEARCH_NO_PREFIX), p);
	if (rc != SEARCH_OK)
		goto out;
	rc = SEARCH_ENOMEM;
	filters_of(idx, req, &f);
	score_all(idx, p, sp, &nd);
	keep_close(sp, &nd);
	situations_match(idx, p, &sm);
	situations_rank(idx, &sm, sp, &nd);
	situation_card(idx, &sm, out);
	npinned = pin_best_bets(idx, req->q, &f, sp, &nd, pinned);
	if (make_facets(idx, &f, sp->docs, nd, a, out) != 0 || highlight_set(p, &hl) != 0)
		goto out;
	want = req->offset + limit + RERANK;
	heap = malloc((want + 1) * sizeof(*heap));
	if (!heap)
		goto out;
	nheap = rank_top(idx, &f, sp, nd, &hl, want > npinned ? want - npinned : 0, heap, &out->total);
	hits = arena_alloc(a, (limit + 1) * sizeof(*hits));
	if (!hits)
		goto out;
	for (i = req->offset; i < npinned + nheap && out->nhits < limit; i++) {
		struct search_hit *h = &hits[out->nhits];

		if (make_hit(idx, &hl, i < npinned ? (uint32_t)pinned[i] : heap[i - npinned].doc, a, h) != 0)
			goto out;
		h->best_bet = i < npinned;
		h->score = i < npinned ? 0 : heap[i - npinned].score;
		out->nhits++;
	}
	out->hits = hits;
	/* a query a situation understands needs no correction */
	out->suggestion = sm.n ? NULL : suggest(idx, p, req->q, a);
	rc = SEARCH_OK;
out:
	if (rc != SEARCH_OK)
		memset(out, 0, sizeof(*out));
	free(hl.t);
	free(heap);
	if (sp)
		scratch_done(sp, nd);
	if (rc == SEARCH_OK && out->suggestion && !finds_any(idx, out->suggestion, p, sp))
		out->suggestion = NULL;
	free(p);
	return rc;
}
