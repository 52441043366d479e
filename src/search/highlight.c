/* highlight.c — what of a hit the query matched: the matched words of its
 * titles, a snippet of its description around the first match, and how
 * completely the query says one of its names (for the rerank in query.c).
 * Words match when they share an index term with the query's expansions
 * (the highlight set, struct hlset).
 */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "search/internal.h"

#define SNIPPET_BYTES 180 /* about two lines of description */

/* ---- highlighting ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int tok_matches(const struct search_index *idx, const struct hlset *h, const struct tok *t)
{
	struct termset ts;
	size_t i;

	if (t->toolong || is_stopword(t->fold, t->nfold))
		return 0;
	word_terms(idx->lex, idx->flags, t, WT_PARTS | WT_QUERY, &ts);
	for (i = 0; i < ts.n; i++) {
		long id = index_term_find(idx, ts.s[i], ts.len[i]);
		uint32_t u;

		if (id < 0)
			continue;
		u = (uint32_t)id;
		if (bsearch(&u, h->t, h->n, sizeof(uint32_t), cmp_u32))
			return 1;
	}
	return 0;
}

#define MAX_SPANS 32

int spans_of(const struct search_index *idx, const struct hlset *h, const char *s, struct arena *a,
	     const struct search_span **out, size_t *n)
{
	struct search_span sp[MAX_SPANS], *r;
	size_t pos = 0, k = 0, len;
	struct tok t;

	*out = NULL;
	*n = 0;
	if (!s)
		return 0;
	len = strlen(s);
	while (k < MAX_SPANS && tok_next(s, len, &pos, &t)) {
		if (tok_matches(idx, h, &t)) {
			sp[k].start = (uint32_t)t.start;
			sp[k].len = (uint32_t)(t.end - t.start);
			k++;
		}
	}
	if (!k)
		return 0;
	r = arena_alloc(a, k * sizeof(*r));
	if (!r)
		return -1;
	memcpy(r, sp, k * sizeof(*r));
	*out = r;
	*n = k;
	return 0;
}

int snippet_of(const struct search_index *idx, const struct hlset *h, const char *s, struct arena *a,
	       struct search_hit *hit)
{
	struct search_span sp[MAX_SPANS], *r;
	size_t pos = 0, len, first = (size_t)-1, start = 0, end, k = 0, i;
	struct tok t;
	size_t starts[8] = {0}; /* ring of the last token starts before a match */
	size_t nseen = 0;

	if (!s)
		return 0;
	len = strlen(s);
	/* find the first match, remembering a few words before it */
	while (tok_next(s, len, &pos, &t)) {
		if (tok_matches(idx, h, &t)) {
			first = t.start;
			break;
		}
		starts[nseen % 8] = t.start;
		nseen++;
	}
	if (first != (size_t)-1 && nseen > 0) {
		size_t back = nseen < 6 ? nseen : 6;

		start = starts[(nseen - back) % 8];
		if (first - start > SNIPPET_BYTES / 3)
			start = first;
		if (nseen - back == 0)
			start = 0;
	}
	/* extend to whole words up to SNIPPET_BYTES */
	end = start;
	pos = start;
	while (tok_next(s, len, &pos, &t)) {
		if (t.end - start > SNIPPET_BYTES && end > start)
			break;
		end = t.end;
		if (k < MAX_SPANS && tok_matches(idx, h, &t)) {
			sp[k].start = (uint32_t)(t.start - start);
			sp[k].len = (uint32_t)(t.end - t.start);
			k++;
		}
	}
	/* keep a closing full stop or bracket */
	if (end < len && (s[end] == '.' || s[end] == ')'))
		end++;
	hit->cut_before = start > 0;
	for (i = end; i < len && (s[i] == ' ' || s[i] == '\n'); i++)
		;
	hit->cut_after = i < len;
	hit->snippet = arena_strndup(a, s + start, end - start);
	if (!hit->snippet)
		return -1;
	if (k) {
		r = arena_alloc(a, k * sizeof(*r));
		if (!r)
			return -1;
		memcpy(r, sp, k * sizeof(*r));
		hit->snippet_spans = r;
		hit->nsnippet_spans = k;
	}
	return 0;
}

/* ---- name coverage ---- */

/* Share of the words of s[0..n) (no stopwords) that the query matched. */
static float cover(const struct search_index *idx, const struct hlset *h, const char *s, size_t n)
{
	size_t pos = 0, words = 0, hit = 0;
	struct tok t;

	while (tok_next(s, n, &pos, &t)) {
		if (t.toolong || is_stopword(t.fold, t.nfold))
			continue;
		words++;
		hit += tok_matches(idx, h, &t);
	}
	return words ? (float)hit / (float)words : 0;
}

/* How completely the query says one of the service's names: its titles and
 * its keywords (the names people use). The best share over them. */
float name_coverage(const struct search_index *idx, const struct hlset *h, uint32_t d)
{
	const struct idoc *doc = &idx->docs[d];
	float best = cover(idx, h, doc->title_lv, strlen(doc->title_lv)), c;
	const char *const *k = idx->keywords + doc->keywords_off;
	size_t i;

	c = doc->title_en ? cover(idx, h, doc->title_en, strlen(doc->title_en)) : 0;
	if (c > best)
		best = c;
	for (i = 0; i < doc->nkeywords; i++) {
		c = cover(idx, h, k[i], strlen(k[i]));
		if (c > best)
			best = c;
	}
	return best;
}

/* ---- the highlight set ---- */

int highlight_set(const struct parsed *p, struct hlset *h)
{
	size_t i, j, k;

	h->n = 0;
	for (i = 0; i < p->nv; i++)
		for (j = 0; j < p->v[i].n; j++)
			h->n += p->v[i].w[j].ne;
	h->t = malloc((h->n + 1) * sizeof(uint32_t));
	if (!h->t)
		return -1;
	h->n = 0;
	for (i = 0; i < p->nv; i++)
		for (j = 0; j < p->v[i].n; j++)
			for (k = 0; k < p->v[i].w[j].ne; k++)
				h->t[h->n++] = p->v[i].w[j].e[k].term;
	qsort(h->t, h->n, sizeof(uint32_t), cmp_u32);
	return 0;
}
