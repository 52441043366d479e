/* data.c — the search's data tables, read when an index is built so editors
 * can change them without a rebuild of the program:
 *
 *   lexicon.tsv    folded form -> Latvian lemma(s), generated from hunspell-lv
 *                  by tools/search-lexicon.py
 *   synonyms.tsv   curated synonyms, abbreviations and colloquial names
 *   best-bets.tsv  queries whose answer an editor fixes
 *   situations.tsv life situations in people's words (situation.c parses it)
 *
 * Formats are in docs/search.md and at the top of each file. Also here: the
 * mapping from a word to its index terms, shared by build and query.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/hash.h"
#include "core/i18n.h"
#include "search/internal.h"

#define DATA_MAX_FILE ((size_t)32 * 1024 * 1024)
#define LEX_MAX_LEMMAS 8

struct lex_entry {
	uint32_t key;    /* offset of the folded form in pool */
	uint32_t lemmas; /* offset of the first lemma; they follow NUL-separated */
	uint32_t nlemmas;
};

struct lexicon {
	char *pool;
	size_t npool;
	struct lex_entry *e;
	size_t n;
	uint32_t *slots; /* entry index + 1, 0 = empty */
	size_t nslots;
};

/* Reads a whole file; a missing file is an empty one (*len = 0, NULL). */
static int read_file(const char *path, char **out, size_t *len, struct err *err)
{
	int rc = file_read(path, DATA_MAX_FILE, out, len);

	if (rc == 0 || rc == -ENOENT)
		return 0;
	if (rc == -EFBIG)
		err_set(err, ERR_INTERNAL, "%s: unreadable or larger than %zu bytes", path, DATA_MAX_FILE);
	else
		err_set(err, ERR_INTERNAL, "%s: %s", path, strerror(-rc));
	return -1;
}

/* The text of a data set: a copy of text when given (an editor's version
 * from the database), else the file at path (missing: empty). */
int data_read(const char *path, const char *text, char **out, size_t *len, struct err *err)
{
	if (text) {
		*len = strlen(text);
		*out = strdup(text);
		if (!*out) {
			err_set(err, ERR_INTERNAL, "%s: out of memory", path);
			return -1;
		}
		return 0;
	}
	*out = NULL;
	*len = 0;
	return path ? read_file(path, out, len, err) : 0;
}

/* Records the first problem of a data set, for the editor's message. */
void data_problem(struct search_data_problem *p, size_t line, size_t field, const char *why)
{
	if (p) {
		p->line = line;
		p->field = field;
		p->why = why;
	}
}

/* Splits a line at TABs in place; returns the number of fields (≤ max). */
size_t data_split_tabs(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		char *tab = strchr(p, '\t');

		fields[n++] = p;
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

/* Iterates over the lines of text (modifying it): returns the next line
 * with its number, skipping blank lines and '#' comments; NULL at the end. */
char *data_next_line(char **cursor, char *end, size_t *lineno)
{
	char *line, *nl;

	/* memchr within the known end, not strchr: each strchr is checked
	 * against the whole rest of the file under ASan's strict string
	 * checks, which made reading the 78 000-line lexicon quadratic (53 s
	 * to start a test server on a loaded machine). */
	while (*cursor && *cursor < end) {
		line = *cursor;
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl) {
			*nl = '\0';
			*cursor = nl + 1;
		} else {
			*cursor = end;
		}
		(*lineno)++;
		if (nl && nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		return line;
	}
	return NULL;
}

int data_lines_open(struct data_lines *dl, const char *path, const char *given, struct err *err)
{
	size_t len;

	memset(dl, 0, sizeof(*dl));
	if (data_read(path, given, &dl->text, &len, err) != 0)
		return -1;
	dl->cursor = dl->text;
	dl->end = dl->text ? dl->text + strnlen(dl->text, len) : NULL;
	return 0;
}

char *data_lines_next(struct data_lines *dl)
{
	return dl->text ? data_next_line(&dl->cursor, dl->end, &dl->lineno) : NULL;
}

void lexicon_free(struct lexicon *lx)
{
	if (!lx)
		return;
	free(lx->pool);
	free(lx->e);
	free(lx->slots);
	free(lx);
}

/* Adds the entries of one text (modified in place) to lx and pool. */
static int lexicon_parse(struct lexicon *lx, size_t *cap, struct buf *pool, char *text, size_t len, const char *name,
			 struct search_data_problem *pr, struct err *err)
{
	char *cursor = text, *end = text ? text + strnlen(text, len) : NULL, *line, *fields[LEX_MAX_LEMMAS + 1];
	size_t lineno = 0, i;

	for (line = text ? data_next_line(&cursor, end, &lineno) : NULL; line;
	     line = data_next_line(&cursor, end, &lineno)) {
		size_t nf = data_split_tabs(line, fields, LEX_MAX_LEMMAS + 1);
		struct lex_entry *e;
		char f[TOK_MAX + 1];
		size_t fl;

		if (nf < 2) {
			data_problem(pr, lineno, 0, N_("expected FORM<TAB>LEMMA"));
			err_set(err, ERR_INTERNAL, "%s:%zu: expected FORM<TAB>LEMMA", name, lineno);
			return -1;
		}
		if (lx->n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 4096;
			struct lex_entry *ne = realloc(lx->e, ncap * sizeof(*ne));

			if (!ne)
				return -2;
			lx->e = ne;
			*cap = ncap;
		}
		fl = fold_text(fields[0], strlen(fields[0]), f, sizeof(f));
		if (fl == (size_t)-1 || fl == 0) {
			if (pr) { /* an editor's line: say it, the generated file is lenient */
				data_problem(pr, lineno, 1, N_("the form is empty or longer than 64 letters"));
				err_set(err, ERR_INTERNAL, "%s:%zu: the form is empty or too long", name, lineno);
				return -1;
			}
			continue;
		}
		e = &lx->e[lx->n];
		e->key = (uint32_t)pool->len;
		buf_append(pool, f, fl + 1);
		e->lemmas = (uint32_t)pool->len;
		e->nlemmas = 0;
		for (i = 1; i < nf; i++) {
			fl = fold_text(fields[i], strlen(fields[i]), f, sizeof(f));
			if (fl == (size_t)-1 || fl == 0) {
				if (pr) {
					data_problem(pr, lineno, i + 1,
						     N_("a lemma is empty or longer than 64 letters"));
					err_set(err, ERR_INTERNAL, "%s:%zu: a lemma is empty or too long", name,
						lineno);
					return -1;
				}
				continue;
			}
			buf_append(pool, f, fl + 1);
			e->nlemmas++;
		}
		if (!buf_ok(pool))
			return -2;
		if (e->nlemmas)
			lx->n++;
	}
	return 0;
}

static struct lexicon *lexicon_load_pr(const char *path, const char *extra, struct search_data_problem *pr,
				       struct err *err)
{
	struct lexicon *lx = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0, i;
	struct buf pool = BUF_INIT;
	int ok = 0, rc;

	lx = calloc(1, sizeof(*lx));
	if (!lx)
		goto nomem;
	buf_init(&pool, DATA_MAX_FILE);
	buf_putc(&pool, '\0'); /* offset 0 is never an entry */
	/* the editors' lines first: a repeated form keeps its first line */
	if (extra) {
		if (data_read("lexicon (edited)", extra, &text, &len, err) != 0)
			goto out;
		rc = lexicon_parse(lx, &cap, &pool, text, len, "lexicon (edited)", pr, err);
		free(text);
		text = NULL;
		if (rc == -2)
			goto nomem;
		if (rc != 0)
			goto out;
	}
	if (path && read_file(path, &text, &len, err) != 0)
		goto out;
	rc = lexicon_parse(lx, &cap, &pool, text, len, path, NULL, err);
	if (rc == -2)
		goto nomem;
	if (rc != 0)
		goto out;
	lx->npool = pool.len;
	lx->pool = buf_steal(&pool, NULL);
	lx->nslots = 16;
	while (lx->nslots < lx->n * 2)
		lx->nslots *= 2;
	lx->slots = calloc(lx->nslots, sizeof(*lx->slots));
	if (!lx->slots || !lx->pool)
		goto nomem;
	for (i = 0; i < lx->n; i++) {
		const char *k = lx->pool + lx->e[i].key;
		size_t s = fnv1a32(FNV1A32_INIT, k, strlen(k)) & (lx->nslots - 1);

		while (lx->slots[s]) {
			if (strcmp(lx->pool + lx->e[lx->slots[s] - 1].key, k) == 0)
				break; /* a repeated form: the first line wins */
			s = (s + 1) & (lx->nslots - 1);
		}
		if (!lx->slots[s])
			lx->slots[s] = (uint32_t)(i + 1);
	}
	ok = 1;
	goto out;
nomem:
	data_problem(pr, 0, 0, N_("out of memory"));
	err_set(err, ERR_INTERNAL, "%s: out of memory", path ? path : "lexicon");
out:
	buf_free(&pool);
	free(text);
	if (!ok) {
		lexicon_free(lx);
		lx = NULL;
	}
	return lx;
}

struct lexicon *lexicon_load(const char *path, const char *extra, struct err *err)
{
	return lexicon_load_pr(path, extra, NULL, err);
}

size_t lexicon_lookup(const struct lexicon *lx, const char *fold, size_t n, const char **out, size_t max)
{
	size_t s, k = 0;
	uint32_t i;

	if (!lx || lx->n == 0)
		return 0;
	s = fnv1a32(FNV1A32_INIT, fold, n) & (lx->nslots - 1);
	for (i = lx->slots[s]; i != 0; i = lx->slots[s]) {
		const struct lex_entry *e = &lx->e[i - 1];
		const char *key = lx->pool + e->key;

		if (strlen(key) == n && memcmp(key, fold, n) == 0) {
			const char *l = lx->pool + e->lemmas;
			uint32_t j;

			for (j = 0; j < e->nlemmas && k < max; j++) {
				out[k++] = l;
				l += strlen(l) + 1;
			}
			return k;
		}
		s = (s + 1) & (lx->nslots - 1);
	}
	return 0;
}

size_t lexicon_size(const struct lexicon *lx)
{
	return lx ? lx->n : 0;
}

size_t lexicon_bytes(const struct lexicon *lx)
{
	return lx ? lx->npool + lx->n * sizeof(struct lex_entry) + lx->nslots * sizeof(uint32_t) : 0;
}

/* ---- word -> index terms ---- */

void termset_add(struct termset *ts, char kind, const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > TOK_MAX || ts->n >= TERMSET_MAX || ts->used + n + 2 > sizeof(ts->buf))
		return;
	for (i = 0; i < ts->n; i++)
		if (ts->len[i] == n + 1 && ts->s[i][0] == kind && memcmp(ts->s[i] + 1, s, n) == 0)
			return;
	ts->buf[ts->used] = kind;
	memcpy(ts->buf + ts->used + 1, s, n);
	ts->buf[ts->used + 1 + n] = '\0';
	ts->s[ts->n] = ts->buf + ts->used;
	ts->len[ts->n] = n + 1;
	ts->n++;
	ts->used += n + 2;
}

static void add_roots(const struct lexicon *lx, unsigned flags, const char *w, size_t n, struct termset *ts)
{
	const char *lem[LEX_MAX_LEMMAS];
	size_t k = 0, i;

	if (!(flags & SEARCH_NO_LEXICON))
		k = lexicon_lookup(lx, w, n, lem, LEX_MAX_LEMMAS);
	for (i = 0; i < k; i++)
		termset_add(ts, TERM_ROOT, lem[i], strlen(lem[i]));
	if (!(flags & SEARCH_NO_STEMMER)) {
		size_t sn = stem_lv(w, n);

		termset_add(ts, TERM_ROOT, w, sn);
		/* -ācija nouns share a root with their -ēt verbs:
		 * reģistrācija ~ reģistrēt, deklarācija ~ deklarēt */
		if (sn > 7 && sn <= TOK_MAX && memcmp(w + sn - 4, "acij", 4) == 0) {
			char v[TOK_MAX + 1];

			memcpy(v, w, sn - 4);
			memcpy(v + sn - 4, "et", 2);
			termset_add(ts, TERM_ROOT, v, sn - 2);
		}
	}
}

void word_terms(const struct lexicon *lx, unsigned flags, const struct tok *t, unsigned mode, struct termset *ts)
{
	char joined[TOK_MAX + 1];
	size_t nj = 0, i, start;

	ts->n = 0;
	ts->used = 0;
	if (t->toolong || t->nfold == 0)
		return;
	termset_add(ts, TERM_SURFACE, t->fold, t->nfold);
	for (i = 0; i < t->nfold; i++)
		if (t->fold[i] != '-')
			joined[nj++] = t->fold[i];
	joined[nj] = '\0';
	if (t->hyphen)
		termset_add(ts, TERM_SURFACE, joined, nj);
	if (mode & WT_LV)
		add_roots(lx, flags, joined, nj, ts);
	if (mode & WT_EN)
		termset_add(ts, TERM_EN, joined, stem_en(joined, nj));
	if (!t->hyphen || !(mode & WT_PARTS))
		return;
	for (start = 0, i = 0; i <= t->nfold; i++) {
		if (i < t->nfold && t->fold[i] != '-')
			continue;
		if (i > start) {
			termset_add(ts, TERM_SURFACE, t->fold + start, i - start);
			memcpy(joined, t->fold + start, i - start);
			joined[i - start] = '\0';
			if (mode & WT_LV)
				add_roots(lx, flags, joined, i - start, ts);
		}
		start = i + 1;
	}
}

int termset_meet(const struct termset *a, const struct termset *b)
{
	size_t i, j;

	for (i = 0; i < a->n; i++) {
		if (a->s[i][0] == TERM_EN)
			continue;
		for (j = 0; j < b->n; j++)
			if (a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0)
				return 1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t query_key(const struct lexicon *lx, unsigned flags, const char *q, size_t n, char *out, size_t cap)
{
	char words[SEARCH_MAX_WORDS][TOK_MAX + 1];
	char *sorted[SEARCH_MAX_WORDS];
	size_t nw = 0, pos = 0, len = 0, i;
	struct tok t;

	if (cap == 0)
		return (size_t)-1;
	while (tok_next(q, n, &pos, &t)) {
		const char *lem[1];
		const char *k = t.fold;
		size_t kn = t.nfold;

		if (t.toolong || is_stopword(t.fold, t.nfold))
			continue;
		if (nw == SEARCH_MAX_WORDS)
			return (size_t)-1;
		if (!(flags & SEARCH_NO_LEXICON) && lexicon_lookup(lx, t.fold, t.nfold, lem, 1) == 1) {
			k = lem[0];
			kn = strlen(k);
		} else if (!(flags & SEARCH_NO_STEMMER)) {
			kn = stem_lv(t.fold, t.nfold);
		}
		memcpy(words[nw], k, kn);
		words[nw][kn] = '\0';
		sorted[nw] = words[nw];
		nw++;
	}
	qsort(sorted, nw, sizeof(sorted[0]), cmp_str);
	for (i = 0; i < nw; i++) {
		size_t k = strlen(sorted[i]);

		if (len + k + 2 > cap)
			return (size_t)-1;
		if (i)
			out[len++] = ' ';
		memcpy(out + len, sorted[i], k);
		len += k;
	}
	out[len] = '\0';
	return len;
}

/* ---- synonyms and best bets ---- */

void data_phrase_free(struct phrase *p)
{
	size_t i;

	for (i = 0; i < p->nwords; i++) {
		free(p->words[i]);
		free(p->terms[i]);
	}
	p->nwords = 0;
}

/* Parses a phrase: its words folded, with their terms. 0, or -1 with why
 * (and nothing left allocated). */
static int phrase_parse(const struct lexicon *lx, unsigned flags, const char *s, struct phrase *p, const char **why)
{
	size_t pos = 0, n = strlen(s);
	struct tok t;

	memset(p, 0, sizeof(*p));
	while (tok_next(s, n, &pos, &t)) {
		if (t.toolong) {
			*why = N_("a word is too long");
			goto fail;
		}
		if (p->nwords == PHRASE_MAX_WORDS) {
			*why = N_("more than 8 words in a phrase");
			goto fail;
		}
		p->words[p->nwords] = strdup(t.fold);
		p->terms[p->nwords] = malloc(sizeof(struct termset));
		p->nwords++;
		if (!p->words[p->nwords - 1] || !p->terms[p->nwords - 1]) {
			*why = "out of memory";
			goto fail;
		}
		word_terms(lx, flags, &t, WT_QUERY, p->terms[p->nwords - 1]);
	}
	if (p->nwords == 0) {
		*why = N_("an empty phrase");
		goto fail;
	}
	return 0;
fail:
	data_phrase_free(p);
	return -1;
}

int data_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *na;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	na = realloc(*arr, ncap * size);
	if (!na)
		return -1;
	*arr = na;
	*cap = ncap;
	return 0;
}

#define SYN_MAX_FIELDS 16

static int load_synonyms(struct search_tables *t, const char *path, const char *given, const struct lexicon *lx,
			 unsigned flags, struct search_data_problem *pr, struct err *err)
{
	struct data_lines dl;
	char *line, *fields[SYN_MAX_FIELDS];
	size_t pcap = 0, scap = 0, nf, i, j, lineno;
	const char *why = NULL;
	int rc = -1;

	if (data_lines_open(&dl, path, given, err) != 0)
		return -1;
	for (line = data_lines_next(&dl); line; line = data_lines_next(&dl)) {
		int oneway = 0;
		size_t first = t->nphrases, nph = 0;

		lineno = dl.lineno;

		nf = data_split_tabs(line, fields, SYN_MAX_FIELDS);
		if (nf >= 2 && strcmp(fields[1], "=>") == 0)
			oneway = 1;
		if (nf < (size_t)(oneway ? 3 : 2)) {
			data_problem(pr, lineno, 0, N_("expected PHRASE<TAB>PHRASE or PHRASE<TAB>=><TAB>PHRASE"));
			err_set(err, ERR_INTERNAL, "%s:%zu: expected PHRASE<TAB>PHRASE or PHRASE<TAB>=><TAB>PHRASE",
				path, lineno);
			goto out;
		}
		for (i = 0; i < nf; i++) {
			if (oneway && i == 1)
				continue;
			if (data_grow((void **)&t->phrases, &pcap, t->nphrases, sizeof(*t->phrases)) != 0)
				goto nomem;
			if (phrase_parse(lx, flags, fields[i], &t->phrases[t->nphrases], &why) != 0) {
				data_problem(pr, lineno, i + 1, why);
				err_set(err, ERR_INTERNAL, "%s:%zu: field %zu: %s", path, lineno, i + 1, why);
				goto out;
			}
			t->nphrases++;
			nph++;
		}
		for (i = 0; i < nph; i++) {
			for (j = 0; j < nph; j++) {
				if (i == j || (oneway && (i != 0 || j == 0)))
					continue;
				if (data_grow((void **)&t->syn, &scap, t->nsyn, sizeof(*t->syn)) != 0)
					goto nomem;
				t->syn[t->nsyn].from = (uint32_t)(first + i);
				t->syn[t->nsyn].to = (uint32_t)(first + j);
				t->nsyn++;
			}
		}
	}
	rc = 0;
	goto out;
nomem:
	data_problem(pr, 0, 0, N_("out of memory"));
	err_set(err, ERR_INTERNAL, "%s: out of memory", path);
out:
	free(dl.text);
	return rc;
}

static int load_best_bets(struct search_tables *t, const char *path, const char *given, const struct lexicon *lx,
			  unsigned flags, struct search_data_problem *pr, struct err *err)
{
	struct data_lines dl;
	char *line, *fields[SYN_MAX_FIELDS];
	size_t cap = 0, nf, i, lineno;
	char key[1024];
	int rc = -1;

	if (data_lines_open(&dl, path, given, err) != 0)
		return -1;
	for (line = data_lines_next(&dl); line; line = data_lines_next(&dl)) {
		struct best_bet *b;
		size_t kl;

		lineno = dl.lineno;

		nf = data_split_tabs(line, fields, SYN_MAX_FIELDS);
		if (nf < 2) {
			data_problem(pr, lineno, 0, N_("expected QUERY<TAB>SERVICE-ID[<TAB>SERVICE-ID...]"));
			err_set(err, ERR_INTERNAL, "%s:%zu: expected QUERY<TAB>SERVICE-ID[<TAB>SERVICE-ID...]", path,
				lineno);
			goto out;
		}
		kl = query_key(lx, flags, fields[0], strlen(fields[0]), key, sizeof(key));
		if (kl == (size_t)-1 || kl == 0) {
			data_problem(pr, lineno, 1, N_("the query has no words or too many"));
			err_set(err, ERR_INTERNAL, "%s:%zu: the query has no words or too many", path, lineno);
			goto out;
		}
		if (data_grow((void **)&t->bets, &cap, t->nbets, sizeof(*t->bets)) != 0)
			goto nomem;
		b = &t->bets[t->nbets];
		memset(b, 0, sizeof(*b));
		b->key = strdup(key);
		b->ids = calloc(nf - 1, sizeof(char *));
		t->nbets++;
		if (!b->key || !b->ids)
			goto nomem;
		for (i = 1; i < nf; i++) {
			if (!fields[i][0] || strpbrk(fields[i], " \r")) {
				data_problem(pr, lineno, i + 1, N_("a service id is empty or holds a space"));
				err_set(err, ERR_INTERNAL, "%s:%zu: field %zu: a bad service id", path, lineno, i + 1);
				goto out;
			}
			b->ids[b->nids] = strdup(fields[i]);
			if (!b->ids[b->nids])
				goto nomem;
			b->nids++;
		}
	}
	rc = 0;
	goto out;
nomem:
	data_problem(pr, 0, 0, N_("out of memory"));
	err_set(err, ERR_INTERNAL, "%s: out of memory", path);
out:
	free(dl.text);
	return rc;
}

void data_free_strings(char **s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		free(s[i]);
	free(s);
}

void tables_free(struct search_tables *t)
{
	size_t i;

	for (i = 0; i < t->nphrases; i++)
		data_phrase_free(&t->phrases[i]);
	free(t->phrases);
	free(t->syn);
	for (i = 0; i < t->nbets; i++) {
		free(t->bets[i].key);
		data_free_strings(t->bets[i].ids, t->bets[i].nids);
	}
	free(t->bets);
	situations_free(t);
	memset(t, 0, sizeof(*t));
}

int tables_load(struct search_tables *t, const struct search_config *cfg, const struct lexicon *lx, unsigned flags,
		struct err *err)
{
	const char *dir = cfg ? cfg->data_dir : NULL;
	char path[4096];

	memset(t, 0, sizeof(*t));
	if (!(flags & SEARCH_NO_SYNONYMS) && cfg && (dir || cfg->synonyms)) {
		snprintf(path, sizeof(path), "%s/synonyms.tsv", dir ? dir : ".");
		if (load_synonyms(t, cfg->synonyms ? "synonyms (edited)" : path, cfg->synonyms, lx, flags, NULL, err) !=
		    0)
			goto fail;
	}
	if (!(flags & SEARCH_NO_BEST_BETS) && cfg && (dir || cfg->best_bets)) {
		snprintf(path, sizeof(path), "%s/best-bets.tsv", dir ? dir : ".");
		if (load_best_bets(t, cfg->best_bets ? "best bets (edited)" : path, cfg->best_bets, lx, flags, NULL,
				   err) != 0)
			goto fail;
	}
	if (!(flags & SEARCH_NO_SITUATIONS) && cfg && (dir || cfg->situations)) {
		snprintf(path, sizeof(path), "%s/situations.tsv", dir ? dir : ".");
		if (situations_load(t, cfg->situations ? "situations (edited)" : path, cfg->situations, lx, flags, NULL,
				    err) != 0)
			goto fail;
	}
	return 0;
fail:
	tables_free(t);
	return -1;
}

int search_data_check(enum search_data_kind kind, const char *text, struct search_data_problem *pr)
{
	struct search_tables t;
	struct lexicon *lx;
	struct err err = {0};
	int rc;

	data_problem(pr, 0, 0, NULL);
	memset(&t, 0, sizeof(t));
	if (!text)
		return 0;
	if (kind == SEARCH_DATA_LEXICON) {
		lx = lexicon_load_pr(NULL, text, pr, &err);
		rc = lx ? 0 : -1;
		lexicon_free(lx);
		return rc;
	}
	/* the phrases' words are checked without a lexicon: whether a line
	 * reads does not depend on one */
	if (kind == SEARCH_DATA_SITUATIONS)
		rc = situations_load(&t, "situations", text, NULL, 0, pr, &err);
	else if (kind == SEARCH_DATA_SYNONYMS)
		rc = load_synonyms(&t, "synonyms", text, NULL, 0, pr, &err);
	else
		rc = load_best_bets(&t, "best bets", text, NULL, 0, pr, &err);
	tables_free(&t);
	return rc;
}
