/* query.c — parsing a query, expanding its words, ranking, facets,
 * highlighting, "did you mean" and type-ahead.
 *
 * A query is cut into words like a document. Each word expands into index
 * terms, each with a quality in (0, 1]:
 *   exact surface form 1.0, English stem 0.9, lemma or stem 0.9,
 *   prefix completion of the last word 0.8, one typo 0.7, two typos 0.5.
 * Synonym rules whose phrase occurs in the query add variants of the query
 * with the phrase replaced; a document's score is its best over variants.
 *
 * A document scores per word the best (quality x field weight) of the
 * word's terms it holds, weighted by the word's rarity (BM25's idf); then
 *   score = coverage + 0.6 * relevance + 0.2 * title coverage
 * where coverage is the share of the query's words it matched (the
 * "words" rule of Meilisearch comes first), relevance the idf-weighted mean
 * of the word scores, and title coverage the share of the title's words the
 * query matched (a short title that says exactly what was asked wins).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/arena.h"
#include "search/internal.h"

#define MAX_EXP 64        /* index terms per query word */
#define MAX_PREFIX 48     /* completions of a half-typed word */
#define MAX_TYPO 16       /* typo candidates per word */
#define MAX_VARIANTS 8    /* the query and its synonym readings */
#define MAX_VWORDS 24     /* words of one variant */
#define SNIPPET_BYTES 180 /* about two lines of description */

#define Q_EXACT 1.0f
#define Q_ROOT 0.9f
#define Q_EN 0.9f
#define Q_PREFIX 0.8f
#define Q_TYPO1 0.7f
#define Q_TYPO2 0.5f
#define Q_SYNONYM 0.95f /* a synonym reading, relative to the query as typed */

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

struct exp {
	uint32_t term;
	float q;
};

/* A word of the query as typed. */
struct qword {
	struct tok tok;
	struct termset ts;
	int prefix;   /* the last word, still being typed */
	int optional; /* a stopword */
	struct exp e[MAX_EXP];
	size_t ne;
	float idf;
	/* for "did you mean": the term that stands for it, and whether that
	 * needed a typo; -1 when nothing matched */
	long shown;
	int typo;
	size_t nprefix; /* completions found for a half-typed word */
};

/* A word of a variant: a query word, or a word from a synonym phrase. */
struct vword {
	const struct exp *e;
	size_t ne;
	float idf;
	int optional;
	int key; /* the word's slot in the per-query cache of matches */
};

struct variant {
	struct vword w[MAX_VWORDS];
	size_t n;
	float factor;
};

/* Per-thread working memory of a query, kept between queries (a query
 * leaves every per-document array zeroed), so a query neither allocates nor
 * clears arrays the size of the catalog. */
#define WCACHE (SEARCH_MAX_WORDS + MAX_VARIANTS * MAX_VWORDS)
struct scratch {
	float *total, *cur, *best, *base;
	uint8_t *matched, *title, *title_en, *curtitle, *seen;
	uint32_t *touched, *vdocs, *docs;
	size_t ndocs;
	/* each word's matches, computed once per query: documents, scores and
	 * title bits, in a pool; wfrom/wn per cache slot, wn = -1 not yet */
	uint32_t *wdoc;
	float *wc;
	uint8_t *wtb;
	size_t wlen, wcap;
	size_t wfrom[WCACHE];
	long wn[WCACHE];
};

static float idf(const struct search_index *idx, size_t df)
{
	double n = (double)idx->ndocs;

	return (float)log(1.0 + (n - (double)df + 0.5) / ((double)df + 0.5));
}

static size_t term_df(const struct search_index *idx, uint32_t t)
{
	return idx->df[t];
}

static void exp_add(struct exp *e, size_t *n, uint32_t term, float q)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (e[i].term == term) {
			if (q > e[i].q)
				e[i].q = q;
			return;
		}
	}
	if (*n < MAX_EXP) {
		e[*n].term = term;
		e[*n].q = q;
		(*n)++;
	}
}

/* Adds the index terms of a termset with quality q; returns how many exist. */
static size_t add_termset(const struct search_index *idx, const struct termset *ts, float q, struct exp *e, size_t *n,
			  long *surface)
{
	size_t i, found = 0;

	for (i = 0; i < ts->n; i++) {
		long t = index_term_find(idx, ts->s[i], ts->len[i]);
		float qq = q;

		if (t < 0)
			continue;
		if (ts->s[i][0] == TERM_ROOT)
			qq = q * Q_ROOT;
		else if (ts->s[i][0] == TERM_EN)
			qq = q * Q_EN;
		else if (surface && *surface < 0)
			*surface = t;
		exp_add(e, n, (uint32_t)t, qq);
		found++;
	}
	return found;
}

struct cand {
	uint32_t term;
	int dist;
	size_t df;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->dist != y->dist)
		return x->dist - y->dist;
	if (x->df != y->df)
		return x->df > y->df ? -1 : 1;
	return x->term < y->term ? -1 : x->term > y->term;
}

/* Terms within the word's typo budget (Meilisearch's: 1 from 5 letters,
 * 2 from 9; a transposition is one), best first; returns how many. */
static size_t typo_candidates(const struct search_index *idx, const char *w, size_t n, struct cand *out, size_t max)
{
	uint32_t cps[TOK_MAX];
	size_t ncp = utf8_to_cps(w, n, cps, TOK_MAX), nsurf = idx->surf_end - idx->surf_begin, i, k = 0, worst = 0;
	int budget = typo_budget(ncp);

	if (budget == 0)
		return 0;
	for (i = 0; i < nsurf; i++) {
		const uint32_t *c = idx->cps + idx->cps_off[i];
		size_t nc = idx->cps_off[i + 1] - idx->cps_off[i];
		int d;

		if ((nc > ncp ? nc - ncp : ncp - nc) > (size_t)budget)
			continue;
		d = edit_distance(cps, ncp, c, nc, budget);
		if (d == 0 || d > budget)
			continue;
		if (k < max) {
			out[k].term = (uint32_t)(idx->surf_begin + i);
			out[k].dist = d;
			out[k].df = term_df(idx, (uint32_t)(idx->surf_begin + i));
			k++;
			if (k == max) {
				qsort(out, k, sizeof(*out), cmp_cand);
				worst = k - 1;
			}
		} else {
			struct cand c2 = {(uint32_t)(idx->surf_begin + i), d,
					  term_df(idx, (uint32_t)(idx->surf_begin + i))};

			if (cmp_cand(&c2, &out[worst]) < 0) {
				out[worst] = c2;
				qsort(out, k, sizeof(*out), cmp_cand);
			}
		}
	}
	if (k > 1 && k < max)
		qsort(out, k, sizeof(*out), cmp_cand);
	return k;
}

/* Surface terms that start with the folded prefix, most frequent first. */
static size_t prefix_candidates(const struct search_index *idx, const char *w, size_t n, struct cand *out, size_t max)
{
	char key[TOK_MAX + 2];
	size_t i, k = 0, scanned = 0;

	key[0] = TERM_SURFACE;
	memcpy(key + 1, w, n);
	for (i = index_term_lower(idx, key, n + 1); i < idx->nterms && scanned < 20000; i++, scanned++) {
		const char *t = index_term(idx, i);
		struct cand c = {(uint32_t)i, 0, term_df(idx, (uint32_t)i)};

		if (strncmp(t, key, n + 1) != 0)
			break;
		if (k < max) {
			out[k++] = c;
			if (k == max)
				qsort(out, k, sizeof(*out), cmp_cand);
		} else if (cmp_cand(&c, &out[k - 1]) < 0) {
			out[k - 1] = c;
			qsort(out, k, sizeof(*out), cmp_cand);
		}
	}
	if (k > 1 && k < max)
		qsort(out, k, sizeof(*out), cmp_cand);
	return k;
}

/* The terms of an index term's word (its surface form's lemmas and stems). */
static void candidate_terms(const struct search_index *idx, uint32_t term, float q, struct exp *e, size_t *n)
{
	struct tok t;
	struct termset ts;
	const char *s = index_term(idx, term) + 1;

	memset(&t, 0, sizeof(t));
	t.nfold = strlen(s);
	if (t.nfold > TOK_MAX)
		return;
	memcpy(t.fold, s, t.nfold);
	t.hyphen = memchr(s, '-', t.nfold) != NULL;
	word_terms(idx->lex, idx->flags, &t, WT_QUERY, &ts);
	add_termset(idx, &ts, q, e, n, NULL);
}

static void expand_word(const struct search_index *idx, struct qword *w)
{
	struct cand c[MAX_PREFIX > MAX_TYPO ? MAX_PREFIX : MAX_TYPO];
	size_t found, k, i, maxdf = 0;
	float maxq = 0;

	w->ne = 0;
	w->shown = -1;
	w->typo = 0;
	found = add_termset(idx, &w->ts, Q_EXACT, w->e, &w->ne, &w->shown);
	if (w->prefix && !(idx->flags & SEARCH_NO_PREFIX)) {
		k = prefix_candidates(idx, w->tok.fold, w->tok.nfold, c, MAX_PREFIX);
		w->nprefix = k;
		for (i = 0; i < k; i++)
			exp_add(w->e, &w->ne, c[i].term, Q_PREFIX);
	}
	if (found == 0 && !(idx->flags & SEARCH_NO_TYPOS) && !w->tok.toolong) {
		k = typo_candidates(idx, w->tok.fold, w->tok.nfold, c, MAX_TYPO);
		for (i = 0; i < k; i++) {
			float q = c[i].dist == 1 ? Q_TYPO1 : Q_TYPO2;

			exp_add(w->e, &w->ne, c[i].term, q);
			candidate_terms(idx, c[i].term, q, w->e, &w->ne);
		}
		if (k && w->shown < 0) {
			w->shown = c[0].term;
			w->typo = 1;
		}
	}
	/* the word's rarity: that of its best-quality term */
	for (i = 0; i < w->ne; i++) {
		size_t df = term_df(idx, w->e[i].term);

		if (w->e[i].q > maxq || (w->e[i].q == maxq && df > maxdf)) {
			maxq = w->e[i].q;
			maxdf = df;
		}
	}
	w->idf = w->ne ? idf(idx, maxdf) : idf(idx, 0);
}

/* ---- parsing ---- */

struct parsed {
	struct qword w[SEARCH_MAX_WORDS];
	size_t n;
	/* synonym phrase words' expansions */
	struct exp syn_e[MAX_VARIANTS][MAX_VWORDS][MAX_EXP / 4];
	struct variant v[MAX_VARIANTS];
	size_t nv;
};

static int parse_query(const struct search_index *idx, const char *q, int no_prefix, struct parsed *p)
{
	size_t len = strlen(q), pos = 0, i, nstop = 0;
	struct tok t;

	p->n = 0;
	if (len > SEARCH_MAX_QUERY)
		return SEARCH_ETOOLONG;
	while (tok_next(q, len, &pos, &t)) {
		struct qword *w;

		if (p->n == SEARCH_MAX_WORDS)
			return SEARCH_ETOOLONG;
		w = &p->w[p->n++];
		memset(w, 0, offsetof(struct qword, e));
		w->tok = t;
		w->optional = is_stopword(t.fold, t.nfold);
		nstop += w->optional;
		word_terms(idx->lex, idx->flags, &t, WT_QUERY, &w->ts);
	}
	if (p->n && !no_prefix && p->w[p->n - 1].tok.end == len)
		p->w[p->n - 1].prefix = 1;
	for (i = 0; i < p->n; i++)
		if (nstop == p->n)
			p->w[i].optional = 0; /* only stopwords: they are the query */
	for (i = 0; i < p->n; i++)
		expand_word(idx, &p->w[i]);
	return SEARCH_OK;
}

static void variant_push_word(struct variant *v, const struct parsed *p, size_t i)
{
	const struct qword *w = &p->w[i];

	if (v->n == MAX_VWORDS)
		return;
	v->w[v->n].e = w->e;
	v->w[v->n].ne = w->ne;
	v->w[v->n].idf = w->idf;
	v->w[v->n].optional = w->optional;
	v->w[v->n].key = (int)i;
	v->n++;
}

/* Whether synonym phrase ph occurs at query word i (by lemma or form). */
static int phrase_at(const struct parsed *p, size_t i, const struct phrase *ph)
{
	size_t k;

	if (i + ph->nwords > p->n)
		return 0;
	for (k = 0; k < ph->nwords; k++) {
		const struct qword *w = &p->w[i + k];

		if (w->prefix && strcmp(w->tok.fold, ph->words[k]) != 0)
			return 0; /* a half-typed word only by its form */
		if (!termset_meet(&w->ts, ph->terms[k]) && strcmp(w->tok.fold, ph->words[k]) != 0)
			return 0;
	}
	return 1;
}

/* The query as typed, and one variant per synonym occurrence (plus one
 * with all non-overlapping occurrences replaced). */
static void make_variants(const struct search_index *idx, struct parsed *p)
{
	const struct search_tables *tb = &idx->tables;
	size_t i, s, k, j;
	struct {
		size_t at;
		const struct phrase *from, *to;
	} occ[MAX_VARIANTS];
	size_t nocc = 0;

	p->nv = 1;
	p->v[0].n = 0;
	p->v[0].factor = 1.0f;
	for (i = 0; i < p->n; i++)
		variant_push_word(&p->v[0], p, i);
	for (s = 0; s < tb->nsyn && nocc < MAX_VARIANTS - 2; s++) {
		const struct phrase *from = &tb->phrases[tb->syn[s].from];

		for (i = 0; i < p->n && nocc < MAX_VARIANTS - 2; i++) {
			if (phrase_at(p, i, from)) {
				occ[nocc].at = i;
				occ[nocc].from = from;
				occ[nocc].to = &tb->phrases[tb->syn[s].to];
				nocc++;
			}
		}
	}
	for (k = 0; k <= nocc && nocc > 0; k++) {
		struct variant *v = &p->v[p->nv];
		size_t used_until = 0, vi = p->nv;
		int any = 0;

		if (k == nocc && nocc == 1)
			break; /* the combined variant would repeat the only one */
		v->n = 0;
		v->factor = Q_SYNONYM;
		for (i = 0; i < p->n;) {
			size_t o, hit = nocc;

			for (o = 0; o < nocc; o++) {
				if (occ[o].at == i && (k == nocc || o == k) && i >= used_until) {
					hit = o;
					break;
				}
			}
			if (hit == nocc) {
				variant_push_word(v, p, i);
				i++;
				continue;
			}
			any = 1;
			for (j = 0; j < occ[hit].to->nwords && v->n < MAX_VWORDS; j++) {
				struct exp *e = p->syn_e[vi][v->n];
				size_t ne = 0, cap = MAX_EXP / 4, m;
				const struct termset *ts = occ[hit].to->terms[j];
				float maxq = 0;
				size_t maxdf = 0;

				for (m = 0; m < ts->n && ne < cap; m++) {
					long t = index_term_find(idx, ts->s[m], ts->len[m]);
					float q = ts->s[m][0] == TERM_SURFACE ? Q_EXACT : Q_ROOT;

					if (t < 0)
						continue;
					e[ne].term = (uint32_t)t;
					e[ne].q = q;
					ne++;
					if (q > maxq || (q == maxq && term_df(idx, (uint32_t)t) > maxdf)) {
						maxq = q;
						maxdf = term_df(idx, (uint32_t)t);
					}
				}
				v->w[v->n].e = e;
				v->w[v->n].ne = ne;
				v->w[v->n].idf = idf(idx, maxdf);
				v->w[v->n].optional = is_stopword(occ[hit].to->words[j], strlen(occ[hit].to->words[j]));
				v->w[v->n].key = (int)(SEARCH_MAX_WORDS + vi * MAX_VWORDS + v->n);
				v->n++;
			}
			i += occ[hit].from->nwords;
			used_until = i;
		}
		if (any)
			p->nv++;
	}
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
static struct scratch *scratch_get(size_t n)
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
static void scratch_done(struct scratch *s, size_t nd)
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

/* ---- highlighting ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct hlset {
	uint32_t *t;
	size_t n;
};

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

static int spans_of(const struct search_index *idx, const struct hlset *h, const char *s, struct arena *a,
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

static int snippet_of(const struct search_index *idx, const struct hlset *h, const char *s, struct arena *a,
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
static float name_coverage(const struct search_index *idx, const struct hlset *h, uint32_t d)
{
	const struct idoc *doc = &idx->docs[d];
	float best = cover(idx, h, doc->title_lv, strlen(doc->title_lv)), c;
	const char *const *k = idx->keywords + doc->keywords_off;
	size_t i;

	if (doc->title_en && (c = cover(idx, h, doc->title_en, strlen(doc->title_en))) > best)
		best = c;
	for (i = 0; i < doc->nkeywords; i++) {
		c = cover(idx, h, k[i], strlen(k[i]));
		if (c > best)
			best = c;
	}
	return best;
}

/* ---- suggestions ---- */

static const char *suggest(const struct search_index *idx, const struct parsed *p, const char *q, struct arena *a)
{
	char out[SEARCH_MAX_QUERY * 2 + 64];
	size_t n = 0, i, prev_end = 0, rl;
	int changed = 0;

	for (i = 0; i < p->n; i++) {
		const struct qword *w = &p->w[i];
		const char *rep = NULL;

		if (w->shown >= 0 && idx->display_off[w->shown] && (!w->prefix || (w->typo && !w->nprefix))) {
			const char *term = index_term(idx, (size_t)w->shown) + 1;

			if (w->typo || strcmp(term, w->tok.fold) == 0)
				rep = idx->strpool + idx->display_off[w->shown];
			if (w->typo)
				changed = 1;
		}
		/* the bytes between words, as typed */
		rl = w->tok.start - prev_end;
		if (n + rl >= sizeof(out))
			return NULL;
		memcpy(out + n, q + prev_end, rl);
		n += rl;
		if (rep) {
			rl = strlen(rep);
			if (n + rl >= sizeof(out))
				return NULL;
			if (!changed && (rl != w->tok.end - w->tok.start || memcmp(rep, q + w->tok.start, rl) != 0)) {
				/* differs from what was typed by more than case? */
				utf8proc_uint8_t *low = NULL;
				utf8proc_ssize_t ll =
				    utf8proc_map((const utf8proc_uint8_t *)q + w->tok.start,
						 (utf8proc_ssize_t)(w->tok.end - w->tok.start), &low,
						 UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);

				if (ll > 0 && ((size_t)ll != rl || memcmp(low, rep, rl) != 0))
					changed = 1;
				free(low);
			}
			memcpy(out + n, rep, rl);
			n += rl;
		} else {
			rl = w->tok.end - w->tok.start;
			if (n + rl >= sizeof(out))
				return NULL;
			memcpy(out + n, q + w->tok.start, rl);
			n += rl;
		}
		prev_end = w->tok.end;
	}
	if (!changed)
		return NULL;
	rl = strlen(q) - prev_end; /* what follows the last word */
	if (n + rl >= sizeof(out))
		return NULL;
	memcpy(out + n, q + prev_end, rl);
	n += rl;
	return arena_strndup(a, out, n);
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
static void score_all(const struct search_index *idx, struct parsed *p, struct scratch *s, size_t *nd)
{
	size_t i;

	make_variants(idx, p);
	*nd = 0;
	for (i = 0; i < p->nv; i++)
		score_variant(idx, &p->v[i], s, nd);
}

int search_run(const struct search_index *idx, const struct search_request *req, struct arena *a,
	       struct search_results *out)
{
	struct parsed *p = NULL;
	struct scratch *sp = NULL;
	struct ranked *heap = NULL;
	struct search_hit *hits = NULL;
	struct hlset hl = {NULL, 0};
	const struct best_bet *bet = NULL;
	long pinned[16];
	size_t npinned = 0, nd = 0, i, j, k, limit, want, nheap = 0, total = 0;
	struct filters f;
	float maxcov = 0;
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
	f.inst = req->institution ? label_find(idx->institutions, idx->ninstitutions, req->institution) : -1;
	f.event = req->event ? label_find(idx->events, idx->nevents, req->event) : -1;
	if (req->institution && f.inst < 0)
		f.inst = -2;
	if (req->event && f.event < 0)
		f.event = -2;
	f.eonly = req->eservice_only;

	score_all(idx, p, sp, &nd);
	/* keep documents that match at least half as much as the best one */
	for (i = 0; i < nd; i++)
		if (sp->best[sp->docs[i]] > maxcov)
			maxcov = sp->best[sp->docs[i]];
	for (i = 0, k = 0; i < nd; i++) {
		if (sp->best[sp->docs[i]] >= maxcov * 0.5f)
			sp->docs[k++] = sp->docs[i];
		else
			sp->best[sp->docs[i]] = sp->base[sp->docs[i]] = 0;
	}
	nd = k;

	bet = best_bet_for(idx, req->q);
	for (i = 0; bet && i < bet->nids && npinned < 16; i++) {
		long d = doc_by_id(idx, bet->ids[i]);

		if (d >= 0 && fails(idx, &f, (uint32_t)d) == 0)
			pinned[npinned++] = d;
	}
	/* best-bet documents count once, whether or not they matched */
	for (i = 0; i < npinned; i++) {
		if (sp->best[pinned[i]] == 0)
			sp->docs[nd++] = (uint32_t)pinned[i];
		sp->best[pinned[i]] = -1; /* kept out of the ranking below */
	}
	if (make_facets(idx, &f, sp->docs, nd, a, out) != 0)
		goto out;

	/* the terms to highlight: every expansion of every variant */
	for (i = 0; i < p->nv; i++)
		for (j = 0; j < p->v[i].n; j++)
			hl.n += p->v[i].w[j].ne;
	hl.t = malloc((hl.n + 1) * sizeof(uint32_t));
	if (!hl.t)
		goto out;
	hl.n = 0;
	for (i = 0; i < p->nv; i++)
		for (j = 0; j < p->v[i].n; j++)
			for (k = 0; k < p->v[i].w[j].ne; k++)
				hl.t[hl.n++] = p->v[i].w[j].e[k].term;
	qsort(hl.t, hl.n, sizeof(uint32_t), cmp_u32);

	want = req->offset + limit + RERANK;
	heap = malloc((want + 1) * sizeof(*heap));
	if (!heap)
		goto out;
	for (i = 0; i < nd; i++) {
		uint32_t d = sp->docs[i];
		struct ranked r;

		if (fails(idx, &f, d))
			continue;
		total++;
		if (sp->best[d] < 0)
			continue;
		r.score = sp->best[d];
		r.doc = d;
		heap_push(heap, &nheap, want > npinned ? want - npinned : 0, r);
	}
	/* rerank the best by how completely the query says one of their names */
	for (i = 0; i < nheap; i++)
		heap[i].score = sp->base[heap[i].doc] + W_NAME * name_coverage(idx, &hl, heap[i].doc);
	qsort(heap, nheap, sizeof(*heap), cmp_ranked);
	out->total = total;

	hits = arena_alloc(a, (limit + 1) * sizeof(*hits));
	if (!hits)
		goto out;
	for (i = req->offset; i < npinned + nheap && out->nhits < limit; i++) {
		struct search_hit *h = &hits[out->nhits];
		uint32_t d = i < npinned ? (uint32_t)pinned[i] : heap[i - npinned].doc;
		const struct idoc *doc = &idx->docs[d];

		h->doc = d;
		h->id = doc->id;
		h->url = doc->url;
		h->title_lv = doc->title_lv;
		h->title_en = doc->title_en;
		h->institution = &idx->institutions[doc->institution];
		h->eservice = doc->eservice;
		h->best_bet = i < npinned;
		h->score = i < npinned ? 0 : heap[i - npinned].score;
		if (spans_of(idx, &hl, doc->title_lv, a, &h->title_lv_spans, &h->ntitle_lv_spans) != 0 ||
		    spans_of(idx, &hl, doc->title_en, a, &h->title_en_spans, &h->ntitle_en_spans) != 0 ||
		    snippet_of(idx, &hl, doc->description, a, h) != 0)
			goto out;
		out->nhits++;
	}
	out->hits = hits;
	out->suggestion = suggest(idx, p, req->q, a);
	rc = SEARCH_OK;
out:
	if (rc != SEARCH_OK)
		memset(out, 0, sizeof(*out));
	free(hl.t);
	free(heap);
	if (sp)
		scratch_done(sp, nd);
	free(p);
	return rc;
}

/* ---- type-ahead ---- */

static int cmp_cand_df(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->df != y->df)
		return x->df > y->df ? -1 : 1;
	return x->term < y->term ? -1 : x->term > y->term;
}

int search_complete(const struct search_index *idx, const char *q, size_t max, struct arena *a, const char *const **out,
		    size_t *n)
{
	struct parsed *p = NULL;
	struct scratch *sp = NULL;
	struct cand c[MAX_PREFIX];
	const char **res = NULL;
	char seen[20][TOK_MAX + 2];
	size_t nc, i, j, nd = 0, k = 0, nseen = 0, qlen;
	const struct qword *last;
	int rc = SEARCH_ENOMEM;

	*out = NULL;
	*n = 0;
	if (!idx || !q)
		return SEARCH_EINVAL;
	if (max > 20)
		max = 20;
	qlen = strlen(q);
	if (qlen > SEARCH_MAX_QUERY)
		return SEARCH_ETOOLONG;
	p = malloc(sizeof(*p));
	sp = scratch_get(idx->ndocs);
	if (!p || !sp)
		goto out;
	rc = parse_query(idx, q, 0, p);
	if (rc != SEARCH_OK || p->n == 0 || !p->w[p->n - 1].prefix || max == 0)
		goto out;
	rc = SEARCH_ENOMEM;
	last = &p->w[p->n - 1];
	nc = prefix_candidates(idx, last->tok.fold, last->tok.nfold, c, MAX_PREFIX);
	if (p->n > 1) {
		/* the earlier words, scored without the last one */
		p->n--;
		score_all(idx, p, sp, &nd);
		p->n++;
		for (i = 0; i < nc; i++) {
			size_t cnt = 0;
			uint32_t t = c[i].term, d = 0;
			const uint8_t *pp = idx->post + idx->post_off[t], *end = idx->post + idx->post_off[t + 1];

			while (pp < end) {
				uint8_t f;

				pp = posting_next(pp, &d, &f);
				if (sp->best[d] > 0)
					cnt++;
			}
			c[i].df = cnt;
		}
		qsort(c, nc, sizeof(*c), cmp_cand_df);
	}
	res = arena_alloc(a, (max + 1) * sizeof(*res));
	if (!res)
		goto out;
	for (i = 0; i < nc && k < max; i++) {
		struct termset ts;
		struct tok t;
		const char *term = index_term(idx, c[i].term) + 1, *root = term;
		const char *disp;
		char *r;
		size_t dl, before = last->tok.start;
		int dup = 0;

		if (c[i].df == 0 || !idx->display_off[c[i].term])
			continue;
		/* one completion per lemma: its most frequent form */
		memset(&t, 0, sizeof(t));
		t.nfold = strlen(term);
		if (t.nfold > TOK_MAX)
			continue;
		memcpy(t.fold, term, t.nfold);
		word_terms(idx->lex, idx->flags, &t, WT_LV, &ts);
		for (j = 0; j < ts.n; j++)
			if (ts.s[j][0] == TERM_ROOT) {
				root = ts.s[j];
				break;
			}
		for (j = 0; j < nseen; j++)
			if (strcmp(seen[j], root) == 0)
				dup = 1;
		if (dup)
			continue;
		if (nseen < 20 && strlen(root) <= TOK_MAX + 1)
			memcpy(seen[nseen++], root, strlen(root) + 1);
		disp = idx->strpool + idx->display_off[c[i].term];
		dl = strlen(disp);
		r = arena_alloc(a, before + dl + 1);
		if (!r)
			goto out;
		memcpy(r, q, before);
		memcpy(r + before, disp, dl);
		r[before + dl] = '\0';
		res[k++] = r;
	}
	*out = res;
	*n = k;
	rc = SEARCH_OK;
out:
	if (sp)
		scratch_done(sp, nd);
	free(p);
	return rc;
}
