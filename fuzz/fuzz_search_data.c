/* fuzz_search_data.c — the parser of the search data sets as editors send
 * them from the back office (search_data_check: synonyms, best bets,
 * lexicon additions, life situations) and, for text that reads, the tables over a small
 * index (search_index_retable) and a query through them. The first byte
 * picks the set. Besides the sanitizers it checks what search.h promises:
 * a refused text names a line within the text and a reason; an accepted
 * one loads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "search/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct search_doc docs[] = {
    {.id = "pase", .url = "/p/pase", .title_lv = "Pases saņemšana", .institution = {"pmlp", "PMLP", NULL}},
    {.id = "suns", .url = "/p/suns", .title_lv = "Suņa reģistrācija", .institution = {"pvd", "PVD", NULL}},
};

static struct search_index *base;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct search_config sc = {0};
	struct search_data_problem pr;
	enum search_data_kind kind;
	struct err err = {0};
	char *text;
	size_t lines = 1, i;

	if (size < 1 || size > 64 * 1024)
		return 0;
	if (!base) {
		base = search_index_build(docs, 2, &sc, &err);
		if (!base)
			abort();
	}
	kind = (enum search_data_kind)(data[0] % 4);
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	for (i = 0; text[i]; i++)
		lines += text[i] == '\n';
	if (search_data_check(kind, text, &pr) != 0) {
		if (!pr.why || pr.line > lines)
			abort();
	} else if (kind != SEARCH_DATA_LEXICON) {
		struct search_index *ix;
		struct arena *a = arena_new(0);
		struct search_request rq = {.q = "pase suns", .limit = 5};
		struct search_results r;

		if (kind == SEARCH_DATA_SYNONYMS)
			sc.synonyms = text;
		else if (kind == SEARCH_DATA_SITUATIONS)
			sc.situations = text;
		else
			sc.best_bets = text;
		ix = search_index_retable(base, &sc, &err);
		if (!ix)
			abort(); /* it read, so it loads */
		if (a && search_run(ix, &rq, a, &r) == SEARCH_OK &&
		    (r.nhits > 5 || (r.situation && r.situation_online > r.situation_services)))
			abort();
		search_index_free(ix);
		arena_free(a);
	}
	free(text);
	return 0;
}
