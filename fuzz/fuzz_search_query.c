/* fuzz_search_query.c — the search's query parser and analyzer
 * (src/search/): arbitrary bytes as a query, a completion prefix and text to
 * fold, against a small index built once. Besides the sanitizers it checks
 * what search.h promises: results within limits, spans inside their strings,
 * and the same answer twice (the index is immutable). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "search/internal.h"
#include "search/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kw[] = {"pase", "ID karte", "e-adrese"};
static const struct search_label ev[] = {{"dok", "Personas dokumenti", "Identity documents"}};
static const struct search_doc docs[] = {
    {"pase",
     "/p/pase",
     "Pases saņemšana",
     "Obtaining a passport",
     "Pasi pieprasa klātienē PMLP nodaļā.",
     NULL,
     kw,
     2,
     {"pmlp", "Pilsonības un migrācijas lietu pārvalde", "OCMA"},
     "PMLP",
     ev,
     1,
     0},
    {"e-adrese",
     "/p/e-adrese",
     "E-adreses aktivizēšana",
     "Activating an e-address",
     "Oficiālā elektroniskā adrese saziņai ar valsti.",
     NULL,
     kw + 2,
     1,
     {"vdaa", "Valsts digitālās attīstības aģentūra", NULL},
     "VDAA",
     NULL,
     0,
     1},
    {"pabalsts",
     "/p/pabalsts",
     "Bezdarbnieka pabalsts",
     "Unemployment benefit",
     "Pabalstu izmaksā VSAA.",
     NULL,
     NULL,
     0,
     {"vsaa", "Valsts sociālās apdrošināšanas aģentūra", NULL},
     "VSAA",
     ev,
     1,
     1},
};

static struct search_index *idx;

static void check(const struct search_results *r)
{
	size_t i, j;

	if (r->nhits > r->total + 3 || r->nhits > 10)
		abort();
	for (i = 0; i < r->nhits; i++) {
		const struct search_hit *h = &r->hits[i];

		for (j = 0; j < h->ntitle_lv_spans; j++)
			if (h->title_lv_spans[j].start + h->title_lv_spans[j].len > strlen(h->title_lv))
				abort();
		for (j = 0; h->snippet && j < h->nsnippet_spans; j++)
			if (h->snippet_spans[j].start + h->snippet_spans[j].len > strlen(h->snippet))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	char *q, folded[2048];
	struct search_request rq = {0};
	struct search_results r1, r2;
	const char *const *c;
	size_t n, i;
	int rc1, rc2;

	if (!idx) {
		struct err err = {0};
		struct search_config sc = {.data_dir = "data/search"};

		idx = search_index_build(docs, sizeof(docs) / sizeof(docs[0]), &sc, &err);
		if (!idx)
			abort();
	}
	a = arena_new(0);
	q = malloc(size + 1);
	if (!a || !q)
		goto out;
	memcpy(q, data, size);
	q[size] = '\0';
	fold_text(q, strlen(q), folded, sizeof(folded));
	rq.q = q;
	rq.institution = size & 1 ? "pmlp" : NULL;
	rq.eservice_only = (size & 2) != 0;
	rc1 = search_run(idx, &rq, a, &r1);
	rc2 = search_run(idx, &rq, a, &r2);
	if (rc1 != rc2 || (rc1 == SEARCH_OK && (r1.total != r2.total || r1.nhits != r2.nhits)))
		abort();
	if (rc1 == SEARCH_OK) {
		check(&r1);
		for (i = 0; i < r1.nhits; i++)
			if (strcmp(r1.hits[i].id, r2.hits[i].id) != 0)
				abort();
	} else if (strlen(q) <= SEARCH_MAX_QUERY && rc1 == SEARCH_ETOOLONG) {
		/* only the word count may be past its limit then */
		struct tok t;
		size_t pos = 0, words = 0;

		while (tok_next(q, strlen(q), &pos, &t))
			words++;
		if (words <= SEARCH_MAX_WORDS)
			abort();
	}
	if (search_complete(idx, q, 5, (int)(size & 1), a, &c, &n) == SEARCH_OK)
		for (i = 0; i < n; i++)
			if (!c[i])
				abort();
out:
	free(q);
	arena_free(a);
	return 0;
}
