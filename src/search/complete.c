/* complete.c — type-ahead: the last word of what is typed completed with
 * words that occur together with the earlier ones, one form per lemma, most
 * useful first.
 */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "search/internal.h"

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
