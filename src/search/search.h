/* search.h — the catalog search engine that understands Latvian.
 *
 * Input is documents, not the database: the read model turns each published
 * service into a struct search_doc and builds an index from the whole set.
 * The index is immutable once built, so any number of threads may query it
 * at once; it is freed as a whole. Everything a query returns lives in the
 * caller's arena (the request's), so handlers free nothing.
 *
 * What a query understands (docs/search.md tells how and why):
 *  - case, diacritics and Unicode forms ("dzivesvietas deklaresana");
 *  - other inflected or derived forms, by a lexicon generated from
 *    hunspell-lv ("deklarēt dzīvesvietu") and a light suffix stemmer for
 *    words the lexicon lacks;
 *  - typos over the index vocabulary: 1 edit from 5 letters, 2 from 9, a
 *    transposition counts as one;
 *  - the last word half-typed (prefix), unless the query ends in a space;
 *  - curated synonyms and abbreviations, and editors' best bets
 *    (data/search/synonyms.tsv, data/search/best-bets.tsv, read at build);
 *  - life situations described in people's words ("pārcēlos", "my wallet
 *    was stolen"): data/search/situations.tsv maps their phrases to
 *    services in the order a person needs them and to a life event;
 *  - English, for English titles.
 */
#ifndef EPAK_SEARCH_H
#define EPAK_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct arena;

/* Limits of one query; past them search_run fails with SEARCH_ETOOLONG. */
#define SEARCH_MAX_QUERY 512 /* bytes */
#define SEARCH_MAX_WORDS 16  /* words, stopwords included */
#define SEARCH_MAX_LIMIT 100 /* hits per page */

/* A labelled facet value: an institution or a life/business event. */
struct search_label {
	const char *id; /* stable key used in facet filters, e.g. "vid" */
	const char *lv; /* name in Latvian */
	const char *en; /* name in English; may be NULL */
};

/* One service as the search sees it. The index borrows the strings id, url,
 * title_lv, title_en, description_lv and keywords[i] (not the keywords
 * array): they must stay valid and unchanged until search_index_free (the
 * read model's snapshot frees its catalog after its index). Everything else
 * is read during search_index_build only; labels are copied. Any of the
 * strings may be NULL. Text is UTF-8. */
struct search_doc {
	const char *id;  /* the service's dct:identifier: the result id */
	const char *url; /* the service page's path, e.g. "/pakalpojumi/pase" */
	const char *title_lv;
	const char *title_en;
	const char *description_lv;
	const char *description_en;
	const char *const *keywords; /* Latvian keywords and colloquial names */
	size_t nkeywords;
	struct search_label institution;   /* the competent authority */
	const char *institution_abbr;      /* "VID", "CSDD"; NULL when none */
	const struct search_label *events; /* life and business events */
	size_t nevents;
	int eservice; /* nonzero: can be done online */
};

/* What the build reads besides the documents. */
struct search_config {
	/* Folder with lexicon.tsv, synonyms.tsv and best-bets.tsv (formats in
	 * docs/search.md); a missing file is an empty table. NULL: none. */
	const char *data_dir;
	unsigned flags; /* SEARCH_NO_*, to measure what each part is worth */
	/* Editors' versions from the database (the back office), or NULL:
	 * synonyms and best_bets replace the files' text; lexicon_extra holds
	 * lines read before lexicon.tsv's (a repeated form keeps its first
	 * line, so they win). Same formats as the files. */
	const char *synonyms;
	const char *best_bets;
	const char *lexicon_extra;
	const char *situations; /* situations.tsv's text, or NULL: the file */
};

/* The data sets an editor may change, and the first problem of one. */
enum search_data_kind { SEARCH_DATA_SYNONYMS, SEARCH_DATA_BEST_BETS, SEARCH_DATA_LEXICON, SEARCH_DATA_SITUATIONS };
struct search_data_problem {
	size_t line;     /* 1-based; 0: not about one line */
	size_t field;    /* 1-based TAB-separated field; 0: the whole line */
	const char *why; /* an English msgid (N_), for i18n_tr */
};
/* Reads text as the build would read that file (the same parser): 0 when
 * it would load, -1 with the first problem. The lexicon's editor lines
 * are held stricter than the generated file (an unreadable form is an
 * error, not skipped). */
int search_data_check(enum search_data_kind kind, const char *text, struct search_data_problem *p);

#define SEARCH_NO_LEXICON 0x01u
#define SEARCH_NO_SYNONYMS 0x02u
#define SEARCH_NO_TYPOS 0x04u
#define SEARCH_NO_PREFIX 0x08u
#define SEARCH_NO_STEMMER 0x10u
#define SEARCH_NO_BEST_BETS 0x20u
#define SEARCH_NO_SITUATIONS 0x40u

struct search_index;

/* Builds an index of n documents. Returns NULL on failure with the reason
 * (a data file's "path:line: why", or out of memory) in err. */
struct search_index *search_index_build(const struct search_doc *docs, size_t n, const struct search_config *cfg,
					struct err *err);
void search_index_free(struct search_index *idx);

/* An index that shares everything of base (documents, terms, postings,
 * lexicon) but its synonyms and best bets, which it reads from cfg (texts
 * or data_dir's files): what a change of those would answer, without a
 * rebuild (both are applied at query time). base must outlive it; free it
 * with search_index_free first. NULL with err when the data does not read. */
struct search_index *search_index_retable(const struct search_index *base, const struct search_config *cfg,
					  struct err *err);

/* Figures for logs and the benchmark. */
struct search_stats {
	size_t docs;
	size_t terms;    /* distinct index terms (surface forms, lemmas, stems) */
	size_t postings; /* (term, document) pairs */
	size_t bytes;    /* memory the index holds */
	size_t synonyms; /* synonym phrases loaded */
	size_t best_bets;
	size_t situations; /* situation rules loaded */
	size_t lexicon;    /* folded forms in the lexicon */
};
void search_index_stats(const struct search_index *idx, struct search_stats *out);

struct search_request {
	const char *q;           /* what the person typed; NUL-terminated UTF-8 */
	size_t offset;           /* hits to skip */
	size_t limit;            /* hits to return; 0 = 10; at most SEARCH_MAX_LIMIT */
	const char *institution; /* facet filter: institution id; NULL = any */
	const char *event;       /* facet filter: event id; NULL = any */
	int eservice_only;       /* facet filter: only e-services */
	int no_prefix;           /* the last word is complete even without a trailing space */
};

/* A byte range [start, start+len) in a string the hit points to. */
struct search_span {
	uint32_t start;
	uint32_t len;
};

struct search_hit {
	size_t doc;     /* position of the document in the build's array */
	const char *id; /* borrowed from the index, like the strings below */
	const char *url;
	const char *title_lv; /* with the ranges of matched words */
	const struct search_span *title_lv_spans;
	size_t ntitle_lv_spans;
	const char *title_en; /* may be NULL */
	const struct search_span *title_en_spans;
	size_t ntitle_en_spans;
	/* A piece of the Latvian description around the first match (arena),
	 * whole words, with the matched ranges relative to it; cut_before and
	 * cut_after say whether text was left out on that side (an ellipsis is
	 * the template's business). NULL when the document has no description. */
	const char *snippet;
	const struct search_span *snippet_spans;
	size_t nsnippet_spans;
	int cut_before, cut_after;
	const struct search_label *institution; /* borrowed from the index */
	int eservice;
	int best_bet; /* placed first by an editor's best bet */
	double score;
};

/* A facet value and how many results it would leave (counted with every
 * other active filter applied, but not its own). */
struct search_facet {
	const struct search_label *label;
	size_t count;
};

struct search_results {
	size_t total; /* results after filters */
	const struct search_hit *hits;
	size_t nhits;
	const struct search_facet *institutions; /* most results first */
	size_t ninstitutions;
	const struct search_facet *events;
	size_t nevents;
	size_t eservices; /* results that are e-services (the "e-service only" facet) */
	/* "Did you mean": the query with typos corrected and diacritics
	 * restored, or NULL when every word was found as typed. */
	const char *suggestion;
	/* The life situation the query describes (situations.tsv), for a card
	 * above the results: its event, how many services it groups and how
	 * many of those are e-services. NULL when none. */
	const struct search_label *situation;
	size_t situation_services, situation_online;
};

/* Return codes: 0 or a negative error (CODE_STYLE: negative is an error). */
#define SEARCH_OK 0
#define SEARCH_ETOOLONG (-1) /* query past SEARCH_MAX_QUERY bytes or SEARCH_MAX_WORDS words */
#define SEARCH_ENOMEM (-2)   /* the arena is full */
#define SEARCH_EINVAL (-3)   /* a bad request: limit or offset out of range (bad UTF-8 only separates words) */

/* Runs one query. Memory comes from a; on error *out is zeroed. */
int search_run(const struct search_index *idx, const struct search_request *req, struct arena *a,
	       struct search_results *out);

/* The services the situation rules (situations.tsv) list for the life
 * event event_id, in the order a person needs them: each rule's order,
 * rules in the file's order, each service once, only those the index
 * holds. Their ids (borrowed from the index) into ids; returns how many
 * (at most max). A life situation page without an editor's order uses it. */
size_t search_situation_order(const struct search_index *idx, const char *event_id, const char **ids, size_t max);

/* Type-ahead: up to max (≤ 20) names of the services q finds best, its
 * last word half-typed (none when q ends in a space): the English title
 * when en and the service has one, else the Latvian. The strings are the
 * index's (borrowed, like a hit's), the array is in a. */
int search_complete(const struct search_index *idx, const char *q, size_t max, int en, struct arena *a,
		    const char *const **out, size_t *n);

#endif
