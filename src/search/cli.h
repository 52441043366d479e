/* cli.h — the search's command-line entry points. They read their catalog
 * file with search_catalog_load (docs.h): the server's own mapping.
 *
 *   epak search-eval [--catalog FILE] [--queries FILE] [--data DIR] [--verbose]
 *                    [--no-lexicon] [--no-synonyms] [--no-typos] [--no-prefix]
 *                    [--no-stemmer] [--no-best-bets]
 *       runs every query of the queries file against the catalog and prints
 *       MRR@10 and Success@1 per class and overall, ours beside a plain SQLite
 *       FTS5 (unicode61 remove_diacritics 2) baseline;
 *   epak search [--catalog FILE] [--data DIR] [--limit N] [--institution ID]
 *               [--event ID] [--eservice] QUERY...
 *       runs one query and prints the hits, highlights, facets, suggestion;
 *   epak search-complete [--catalog FILE] [--data DIR] TEXT...
 *       prints the type-ahead completions;
 *   epak search-bench [--catalog FILE] [--data DIR] [--docs N] [--queries N]
 *       prints latency p50/p99 on the catalog and on a generated one of N
 *       services (100000), the build time and resident memory. Not a test.
 *
 * Each parses its own argv (argv[0] is the command name; cfg may be NULL) and
 * returns the process exit status: 0 ok, 1 failure, 2 bad usage.
 * Defaults: catalog ../shared/testdata/catalog-lv/catalog.jsonld, queries
 * queries-dev.tsv beside it, data dir data/search.
 */
#ifndef EPAK_SEARCH_CLI_H
#define EPAK_SEARCH_CLI_H

#include <stddef.h>

#include "search/docs.h"
#include "search/search.h"

struct config;

int cmd_search_eval(struct config *cfg, int argc, char **argv);
int cmd_search(struct config *cfg, int argc, char **argv);
int cmd_search_complete(struct config *cfg, int argc, char **argv);
int cmd_search_bench(struct config *cfg, int argc, char **argv);

/* Quality on a queries file (query<TAB>expected,ids<TAB>class): one row per
 * class in file order, then the overall row (cls "overall"). */
#define SEARCH_EVAL_MAX_CLASSES 24
struct search_eval_row {
	char cls[32];
	size_t n;
	double mrr10; /* mean of 1/rank of the first expected id in the top 10 */
	double s1;    /* share of queries whose first hit is expected */
};
struct search_eval {
	struct search_eval_row rows[SEARCH_EVAL_MAX_CLASSES + 1];
	size_t nrows;
};

/* Ours: runs the queries against idx. verbose prints each miss to stderr. */
int search_eval_index(const struct search_index *idx, const char *queries, int verbose, struct search_eval *out,
		      struct err *err);
/* The baseline: the same documents in SQLite FTS5, tokenizer unicode61
 * remove_diacritics 2, the query's words ANDed, ranked by bm25. */
int search_eval_fts5(const struct search_doc *docs, size_t n, const char *queries, struct search_eval *out,
		     struct err *err);

#endif
