/* internal.h — what the files of src/search/ share: the analyzer, the data
 * tables, the index layout and the parts of a query. Not for use outside
 * src/search/.
 */
#ifndef EPAK_SEARCH_INTERNAL_H
#define EPAK_SEARCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "search/search.h"

/* ---- analyzer (analyze.c) ---- */

#define TOK_MAX 64 /* longest folded token in bytes; longer ones are not indexed */

/* A word of the input: [start, end) in the original bytes, and its folded
 * form (lower case, compatibility-decomposed, marks removed; inner hyphens
 * kept, inner apostrophes dropped). */
struct tok {
	size_t start, end;
	char fold[TOK_MAX + 1];
	size_t nfold;
	int hyphen;  /* the folded form holds a hyphen */
	int toolong; /* folded form did not fit: fold is empty */
};

/* Reads the next word of s[0..len) from *pos; 1 when one was read, 0 at the
 * end. Invalid UTF-8 bytes are separators. */
int tok_next(const char *s, size_t len, size_t *pos, struct tok *t);

/* Folds a whole string into out (cap bytes with the NUL); returns the length,
 * or (size_t)-1 when it did not fit. Separators become one space. */
size_t fold_text(const char *s, size_t len, char *out, size_t cap);

/* Latvian light suffix stemmer on a folded word (after Lucene's
 * LatvianStemmer, Kreslins 1996); returns the stem's length. */
size_t stem_lv(const char *w, size_t n);
/* English light stemmer (plural s, -ing, -ed, -al, final e). */
size_t stem_en(const char *w, size_t n);
int is_stopword(const char *fold, size_t n);
/* Damerau-Levenshtein (optimal string alignment) distance on code points,
 * or max+1 when it is larger than max. */
int edit_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, int max);
/* Decodes UTF-8 into code points; returns how many (at most cap). */
size_t utf8_to_cps(const char *s, size_t n, uint32_t *out, size_t cap);
/* Typo budget of a word of n code points: 0, 1 or 2. */
int typo_budget(size_t ncps);

/* ---- data tables (data.c) ---- */

/* folded form -> folded lemmas */
struct lexicon;
/* extra: an editor's lines read before the file's (a repeated form keeps
 * its first line), or NULL. A missing file is empty. */
struct lexicon *lexicon_load(const char *path, const char *extra, struct err *err);
void lexicon_free(struct lexicon *lx);
/* Lemmas of a folded form: returns how many (≤ max) were written to out
 * (pointers into the lexicon). */
size_t lexicon_lookup(const struct lexicon *lx, const char *fold, size_t n, const char **out, size_t max);
size_t lexicon_size(const struct lexicon *lx);
size_t lexicon_bytes(const struct lexicon *lx);

#define PHRASE_MAX_WORDS 8

struct termset;

/* A phrase as a list of folded words, each with the index terms it stands
 * for (to compare query words by lemma, not by form). */
struct phrase {
	char *words[PHRASE_MAX_WORDS];
	struct termset *terms[PHRASE_MAX_WORDS];
	size_t nwords;
};

/* A synonym rule: when the query holds `from` (word by word, each compared
 * by its keys), it may also be read with `to` in its place. */
struct synonym {
	uint32_t from, to; /* indices into search_tables.phrases */
};

struct best_bet {
	char *key;  /* normalised query (query_key) */
	char **ids; /* service ids in order */
	size_t nids;
};

struct sit_key {
	uint64_t h;
	uint32_t phrase, sit;
};

/* A life situation rule (situations.tsv): when the query says one of its
 * phrases, its services come first in its order and its event is shown as
 * a card. Phrases are in search_tables.sphrases. */
struct situation {
	char *event; /* life/business event ids ("a,b": the first the catalog has), or NULL ("-") */
	char **ids;  /* service ids, the order a person needs them */
	size_t nids;
	int32_t *docs; /* each id's document in the index, -1 none (situations_resolve) */
	uint32_t phrase_from, nphrases;
};

struct search_tables {
	struct phrase *phrases;
	size_t nphrases;
	struct synonym *syn;
	size_t nsyn;
	struct best_bet *bets;
	size_t nbets;
	struct phrase *sphrases; /* situation phrases; a word's terms are its alternatives' */
	size_t nsphrases;
	struct situation *sits;
	size_t nsits;
	char **rare; /* services not first unless the query names them */
	size_t nrare;
	int32_t *rare_docs; /* their documents, -1 none */
	/* every term hash of each situation phrase's first word, sorted, with
	 * the phrase and its rule: a query looks up only the phrases it may say */
	struct sit_key *skeys;
	size_t nskeys;
};

/* Data-file helpers shared by data.c and situation.c. */
int data_read(const char *path, const char *text, char **out, size_t *len, struct err *err);
/* The lines of a data set (data_read's text), blank lines and comments
 * skipped: data_lines_open, then data_lines_next until NULL, then free
 * dl->text. */
struct data_lines {
	char *text, *cursor, *end;
	size_t lineno;
};
int data_lines_open(struct data_lines *dl, const char *path, const char *given, struct err *err);
char *data_lines_next(struct data_lines *dl);
void data_problem(struct search_data_problem *p, size_t line, size_t field, const char *why);
size_t data_split_tabs(char *line, char **fields, size_t max);
char *data_next_line(char **cursor, char *end, size_t *lineno);
int data_grow(void **arr, size_t *cap, size_t n, size_t size);
void data_phrase_free(struct phrase *p);
/* Frees n strings and the array (NULL: nothing). */
void data_free_strings(char **s, size_t n);

/* situation.c: situations.tsv (cfg->situations or data_dir's file) into t;
 * 0, or -1 with the first problem in pr/err. */
int situations_load(struct search_tables *t, const char *path, const char *given, const struct lexicon *lx,
		    unsigned flags, struct search_data_problem *pr, struct err *err);
void situations_free(struct search_tables *t);
/* Looks each rule's service ids up among idx's documents once, so a query
 * does not; 0, or -1 out of memory. */
int situations_resolve(struct search_index *idx);

/* Synonyms and best bets: cfg's texts when given, else data_dir's files. */
int tables_load(struct search_tables *t, const struct search_config *cfg, const struct lexicon *lx, unsigned flags,
		struct err *err);
void tables_free(struct search_tables *t);

/* ---- index (index.c) ---- */

/* Term kinds: the first byte of every term string. */
#define TERM_SURFACE 's' /* folded word as written */
#define TERM_ROOT 'r'    /* lemma from the lexicon, or Latvian stem */
#define TERM_EN 'e'      /* English stem */

/* Field bits of a posting, and their weights (query.c). */
enum {
	F_TITLE_LV = 1 << 0,
	F_TITLE_EN = 1 << 1,
	F_KEYWORD = 1 << 2,
	F_INSTITUTION = 1 << 3,
	F_EVENT = 1 << 4,
	F_DESCRIPTION = 1 << 5,
};
#define F_TITLE (F_TITLE_LV | F_TITLE_EN)

/* A document as the index keeps it. Its strings are the caller's
 * (search_doc's, borrowed until search_index_free); only the array of
 * keyword pointers is the index's. */
struct idoc {
	const char *id, *url, *title_lv;    /* "" when the document had none */
	const char *title_en, *description; /* NULL when none or empty */
	uint32_t keywords_off;              /* into idx->keywords: the non-empty keywords */
	uint32_t institution;               /* index into idx->institutions */
	uint32_t events_off;                /* into idx->doc_events */
	uint16_t nkeywords;
	uint16_t nevents;
	uint8_t eservice;
	uint8_t title_len;    /* Latvian title words (no stopwords), capped at 255 */
	uint8_t title_len_en; /* English title words */
};

struct search_index {
	size_t ndocs;
	struct idoc *docs;
	struct search_label *institutions; /* distinct, by id */
	size_t ninstitutions;
	struct search_label *events;
	size_t nevents;
	uint32_t *doc_events;
	const char **keywords; /* borrowed strings, in the documents' order */
	size_t nkeywords_all;

	/* terms, sorted by their bytes; term i is strpool + term_off[i] */
	size_t nterms;
	uint32_t *term_off;
	/* exact lookup: open addressing by the term's hash, term id + 1 */
	uint32_t *term_slots;
	size_t nterm_slots;
	/* postings of term i: bytes [post_off[i], post_off[i+1]) of post, each
	 * a varint gap from the previous document (the first: the document)
	 * and a byte of field bits; df[i] of them */
	size_t *post_off;
	uint8_t *post;
	uint32_t *df;
	size_t npostings;
	size_t post_bytes;
	/* display form (lower case, diacritics) of each surface term, or 0 */
	uint32_t *display_off;

	/* typo search: surface terms as code points */
	size_t surf_begin, surf_end; /* term ids of surface terms */
	uint32_t *cps;               /* code points, all surface terms */
	uint32_t *cps_off;           /* [surf index] -> offset in cps; surf count + 1 entries */

	char *strpool;
	size_t strpool_len;

	struct lexicon *lex;
	struct search_tables tables;
	unsigned flags;
	size_t bytes;
	/* search_index_retable: everything but tables is borrowed from base */
	const struct search_index *base;
};

/* Reads one posting at *p: the document (after prev) and its fields. */
static inline const uint8_t *posting_next(const uint8_t *p, uint32_t *doc, uint8_t *fields)
{
	uint32_t gap = 0;
	int shift = 0;

	while (*p & 0x80) {
		gap |= (uint32_t)(*p++ & 0x7f) << shift;
		shift += 7;
	}
	gap |= (uint32_t)*p++ << shift;
	*doc += gap;
	*fields = *p++;
	return p;
}

/* Term id of a term string (kind byte first), or -1. */
long index_term_find(const struct search_index *idx, const char *term, size_t n);
/* First term id whose string is >= term (for prefix ranges). */
size_t index_term_lower(const struct search_index *idx, const char *term, size_t n);
static inline const char *index_term(const struct search_index *idx, size_t t)
{
	return idx->strpool + idx->term_off[t];
}

/* The index terms a folded word stands for: surface, roots, English stem.
 * Writes up to max terms (each kind byte + text, NUL-terminated, in buf of
 * Shared by the build and the query so both sides agree: a document's
 * Latvian text gets WT_LV terms, its English text WT_EN ones, a query both. */
#define TERMSET_MAX 16
struct termset {
	size_t n;
	const char *s[TERMSET_MAX]; /* kind byte, then the text; NUL-terminated */
	size_t len[TERMSET_MAX];    /* with the kind byte */
	char buf[TERMSET_MAX * (TOK_MAX + 2)];
	size_t used;
};
void termset_add(struct termset *ts, char kind, const char *s, size_t n);
/* Whether two term sets share a term. */
int termset_meet(const struct termset *a, const struct termset *b);
#define WT_PARTS 1 /* also each part of a hyphenated word */
#define WT_LV 2    /* lemmas and Latvian stem */
#define WT_EN 4    /* English stem */
#define WT_QUERY (WT_LV | WT_EN)
void word_terms(const struct lexicon *lx, unsigned flags, const struct tok *t, unsigned mode, struct termset *ts);

/* Normalised key of a query for best bets: its words' first roots, folded,
 * sorted and joined by spaces. Returns the length, or (size_t)-1. */
size_t query_key(const struct lexicon *lx, unsigned flags, const char *q, size_t n, char *out, size_t cap);

/* ---- queries (query.c, expand.c, highlight.c, complete.c) ---- */

#define MAX_EXP 64     /* index terms per query word */
#define MAX_PREFIX 48  /* completions of a half-typed word */
#define MAX_VARIANTS 8 /* the query and its synonym readings */
#define MAX_VWORDS 24  /* words of one variant */

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

struct cand {
	uint32_t term;
	int dist;
	size_t df;
};

struct parsed {
	struct qword w[SEARCH_MAX_WORDS];
	size_t n;
	/* synonym phrase words' expansions */
	struct exp syn_e[MAX_VARIANTS][MAX_VWORDS][MAX_EXP / 4];
	struct variant v[MAX_VARIANTS];
	size_t nv;
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

/* The terms to highlight: every expansion of every variant, sorted. */
struct hlset {
	uint32_t *t;
	size_t n;
};

/* expand.c: parsing, expansion, synonym variants, "did you mean" */
int parse_query(const struct search_index *idx, const char *q, int no_prefix, struct parsed *p);
void make_variants(const struct search_index *idx, struct parsed *p);
size_t prefix_candidates(const struct search_index *idx, const char *w, size_t n, struct cand *out, size_t max);
const char *suggest(const struct search_index *idx, const struct parsed *p, const char *q, struct arena *a);

/* highlight.c: highlighting, snippets, name coverage */
/* The highlight set of a parsed query (h->t malloc'd); 0, or -1 out of memory. */
int highlight_set(const struct parsed *p, struct hlset *h);
int spans_of(const struct search_index *idx, const struct hlset *h, const char *s, struct arena *a,
	     const struct search_span **out, size_t *n);
int snippet_of(const struct search_index *idx, const struct hlset *h, const char *s, struct arena *a,
	       struct search_hit *hit);
float name_coverage(const struct search_index *idx, const struct hlset *h, uint32_t d);

/* situation.c: the situations a parsed query says, and their effect on
 * the scores in s (after keep_close: their services join s->docs). */
#define SIT_MATCH_MAX 8
struct sitmatch {
	uint32_t sit[SIT_MATCH_MAX]; /* indices into tables.sits, strongest first */
	uint32_t strength[SIT_MATCH_MAX];
	size_t n;
};
void situations_match(const struct search_index *idx, const struct parsed *p, struct sitmatch *m);
void situations_rank(const struct search_index *idx, const struct sitmatch *m, struct scratch *s, size_t *nd);

/* query.c: scoring */
struct scratch *scratch_get(size_t n);
void scratch_done(struct scratch *s, size_t nd);
void score_all(const struct search_index *idx, struct parsed *p, struct scratch *s, size_t *nd);

#endif
