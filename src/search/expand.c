/* expand.c — a query's words and what they stand for: parsing, expansion
 * into index terms, synonym variants, and "did you mean".
 *
 * A query is cut into words like a document. Each word expands into index
 * terms, each with a quality in (0, 1]:
 *   exact surface form 1.0, English stem 0.9, lemma or stem 0.9,
 *   prefix completion of the last word 0.8, one typo 0.7, two typos 0.5.
 * Synonym rules whose phrase occurs in the query add variants of the query
 * with the phrase replaced; a document's score is its best over variants
 * (query.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/arena.h"
#include "search/internal.h"

#define MAX_TYPO 16 /* typo candidates per word */

#define Q_EXACT 1.0f
#define Q_ROOT 0.9f
#define Q_EN 0.9f
#define Q_PREFIX 0.8f
#define Q_TYPO1 0.7f
#define Q_TYPO2 0.5f
#define Q_SYNONYM 0.95f /* a synonym reading, relative to the query as typed */

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
size_t prefix_candidates(const struct search_index *idx, const char *w, size_t n, struct cand *out, size_t max)
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

int parse_query(const struct search_index *idx, const char *q, int no_prefix, struct parsed *p)
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
void make_variants(const struct search_index *idx, struct parsed *p)
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

/* ---- suggestions ---- */

/* Whether a word the index lacks is still a real word: a form the
 * lexicon knows ("pārcēlos" is no typo of "parcels"). */
static int known_word(const struct search_index *idx, const struct qword *w)
{
	const char *lem[1];

	return !(idx->flags & SEARCH_NO_LEXICON) && lexicon_lookup(idx->lex, w->tok.fold, w->tok.nfold, lem, 1) > 0;
}

static int ascii_only(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

const char *suggest(const struct search_index *idx, const struct parsed *p, const char *q, struct arena *a)
{
	char out[SEARCH_MAX_QUERY * 2 + 64];
	size_t n = 0, i, prev_end = 0, rl;
	int changed = 0;

	for (i = 0; i < p->n; i++) {
		const struct qword *w = &p->w[i];
		const char *rep = NULL;

		if (w->shown >= 0 && idx->display_off[w->shown] && (!w->prefix || (w->typo && !w->nprefix)) &&
		    !(w->typo && known_word(idx, w))) {
			const char *term = index_term(idx, (size_t)w->shown) + 1;

			/* diacritics are restored only where none were typed */
			if (w->typo ||
			    (strcmp(term, w->tok.fold) == 0 && ascii_only(q + w->tok.start, w->tok.end - w->tok.start)))
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
