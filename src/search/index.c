/* index.c — building the immutable search index.
 *
 * Every field of every document is cut into words; each word stands for a
 * few index terms (word_terms: its folded surface form, its lemmas and stem,
 * its English stem), and each (term, document) pair becomes one posting that
 * remembers in which fields the term occurs. Terms end up sorted by their
 * bytes, so a prefix is a contiguous range; surface terms are also kept as
 * code points for the typo search. No positions are stored: highlighting
 * re-reads the few documents shown. The documents' text (titles,
 * descriptions, keywords) is not copied: the index borrows it from the caller,
 * whose catalog outlives it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/hash.h"
#include "search/internal.h"

#define POOL_CAP ((size_t)2 * 1024 * 1024 * 1024 - 1)

struct tterm {
	uint32_t off;      /* term string in the pool */
	uint32_t display;  /* display form in the pool, 0 = none */
	uint32_t n;        /* postings (documents) */
	uint32_t last;     /* last document */
	uint32_t len, cap; /* bytes of the encoded postings */
	uint8_t *bytes;
};

struct builder {
	struct search_index *idx;
	struct buf pool;
	struct tterm *terms;
	size_t nterms, capterms;
	uint32_t *slots; /* term index + 1 */
	size_t nslots;
	/* distinct labels while building: id -> index */
	uint32_t *inst_off, *event_off; /* doc -> offsets into idx arrays (temporary) */
	size_t capinst, capevents, capdocevents, ndocevents;
	int nomem;
};

/* Appends a NUL-terminated copy of s to the pool; returns its offset, 0 for
 * NULL or empty (offset 0 holds an empty string). */
static uint32_t pool_add(struct builder *b, const char *s, size_t n)
{
	uint32_t off = (uint32_t)b->pool.len;

	if (!s || n == 0)
		return 0;
	buf_append(&b->pool, s, n);
	buf_putc(&b->pool, '\0');
	if (!buf_ok(&b->pool)) {
		b->nomem = 1;
		return 0;
	}
	return off;
}

static int rehash(struct builder *b)
{
	size_t nslots = b->nslots ? b->nslots * 2 : 1 << 14, i;
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; i < b->nterms; i++) {
		const char *s = b->pool.data + b->terms[i].off;
		size_t h = fnv1a32(FNV1A32_INIT, s, strlen(s)) & (nslots - 1);

		while (slots[h])
			h = (h + 1) & (nslots - 1);
		slots[h] = (uint32_t)(i + 1);
	}
	free(b->slots);
	b->slots = slots;
	b->nslots = nslots;
	return 0;
}

/* The builder's term for s[0..n), added when new; NULL when out of memory. */
static struct tterm *term_get(struct builder *b, const char *s, size_t n)
{
	size_t h;
	uint32_t i;

	if (b->nterms * 2 >= b->nslots && rehash(b) != 0)
		return NULL;
	h = fnv1a32(FNV1A32_INIT, s, n) & (b->nslots - 1);
	for (i = b->slots[h]; i != 0; i = b->slots[h]) {
		const char *t = b->pool.data + b->terms[i - 1].off;

		if (strncmp(t, s, n) == 0 && t[n] == '\0')
			return &b->terms[i - 1];
		h = (h + 1) & (b->nslots - 1);
	}
	if (b->nterms == b->capterms) {
		size_t ncap = b->capterms ? b->capterms * 2 : 4096;
		struct tterm *nt = realloc(b->terms, ncap * sizeof(*nt));

		if (!nt)
			return NULL;
		b->terms = nt;
		b->capterms = ncap;
	}
	memset(&b->terms[b->nterms], 0, sizeof(b->terms[0]));
	b->terms[b->nterms].off = pool_add(b, s, n);
	if (b->nomem)
		return NULL;
	b->slots[h] = (uint32_t)(b->nterms + 1);
	return &b->terms[b->nterms++];
}

static int posting_add(struct tterm *t, uint32_t doc, uint8_t field)
{
	uint32_t gap;

	if (t->n && t->last == doc) {
		t->bytes[t->len - 1] |= field;
		return 0;
	}
	if (t->len + 6 > t->cap) {
		uint32_t ncap = t->cap ? t->cap + t->cap / 2 + 8 : 8;
		uint8_t *nb = realloc(t->bytes, ncap);

		if (!nb)
			return -1;
		t->bytes = nb;
		t->cap = ncap;
	}
	gap = t->n ? doc - t->last : doc;
	while (gap >= 0x80) {
		t->bytes[t->len++] = (uint8_t)(gap | 0x80);
		gap >>= 7;
	}
	t->bytes[t->len++] = (uint8_t)gap;
	t->bytes[t->len++] = field;
	t->last = doc;
	t->n++;
	return 0;
}

/* Lower case, NFC form of a word as written, for suggestions. */
static uint32_t display_add(struct builder *b, const char *s, size_t n)
{
	utf8proc_uint8_t *d = NULL;
	utf8proc_ssize_t k;
	uint32_t off;

	k = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &d,
			 UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
	if (k <= 0) {
		free(d);
		return 0;
	}
	off = pool_add(b, (const char *)d, (size_t)k);
	free(d);
	return off;
}

/* Indexes one text of a document into field (en: it is English); returns
 * its word count without stopwords. */
static size_t index_text(struct builder *b, uint32_t doc, const char *s, uint8_t field, int en)
{
	struct search_index *idx = b->idx;
	size_t pos = 0, n, words = 0, i;
	struct tok t;
	struct termset ts;

	if (!s)
		return 0;
	n = strlen(s);
	while (tok_next(s, n, &pos, &t)) {
		if (t.toolong || is_stopword(t.fold, t.nfold))
			continue;
		words++;
		word_terms(idx->lex, idx->flags, &t, WT_PARTS | (en ? WT_EN : WT_LV), &ts);
		for (i = 0; i < ts.n; i++) {
			struct tterm *tt = term_get(b, ts.s[i], ts.len[i]);

			if (!tt || posting_add(tt, doc, field) != 0) {
				b->nomem = 1;
				return words;
			}
			if (i == 0 && !tt->display)
				tt->display = display_add(b, s + t.start, t.end - t.start);
		}
	}
	return words;
}

/* Index of the label with this id in *arr (added when new). Linear: the
 * catalog has tens of institutions and events, not thousands. */
static uint32_t label_get(struct builder *b, struct search_label **arr, size_t *n, size_t *cap,
			  const struct search_label *l)
{
	const char *id = l->id ? l->id : "";
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*arr)[i].id, id) == 0)
			return (uint32_t)i;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct search_label *na = realloc(*arr, ncap * sizeof(*na));

		if (!na) {
			b->nomem = 1;
			return 0;
		}
		*arr = na;
		*cap = ncap;
	}
	(*arr)[*n].id = strdup(id);
	(*arr)[*n].lv = strdup(l->lv ? l->lv : id);
	(*arr)[*n].en = l->en ? strdup(l->en) : NULL;
	if (!(*arr)[*n].id || !(*arr)[*n].lv || (l->en && !(*arr)[*n].en)) {
		free((void *)(*arr)[*n].id);
		free((void *)(*arr)[*n].lv);
		free((void *)(*arr)[*n].en);
		b->nomem = 1;
		return 0;
	}
	return (uint32_t)(*n)++;
}

/* The document's strings are borrowed (search.h), not copied. */
static int index_doc(struct builder *b, uint32_t d, const struct search_doc *doc)
{
	struct search_index *idx = b->idx;
	struct idoc *id = &idx->docs[d];
	size_t i, tl;

	id->id = doc->id ? doc->id : "";
	id->url = doc->url ? doc->url : "";
	id->title_lv = doc->title_lv ? doc->title_lv : "";
	id->title_en = doc->title_en && *doc->title_en ? doc->title_en : NULL;
	id->description = doc->description_lv && *doc->description_lv ? doc->description_lv : NULL;
	id->keywords_off = (uint32_t)idx->nkeywords_all;
	for (i = 0; i < doc->nkeywords && id->nkeywords < UINT16_MAX; i++) {
		const char *k = doc->keywords[i];

		if (!k || !*k || strchr(k, '\n'))
			continue;
		idx->keywords[idx->nkeywords_all++] = k;
		id->nkeywords++;
	}
	tl = index_text(b, d, doc->title_lv, F_TITLE_LV, 0);
	id->title_len = (uint8_t)(tl > 255 ? 255 : tl);
	tl = index_text(b, d, doc->title_en, F_TITLE_EN, 1);
	id->title_len_en = (uint8_t)(tl > 255 ? 255 : tl);
	for (i = 0; i < doc->nkeywords; i++)
		index_text(b, d, doc->keywords[i], F_KEYWORD, 0);
	index_text(b, d, doc->institution.lv, F_INSTITUTION, 0);
	index_text(b, d, doc->institution.en, F_INSTITUTION, 1);
	index_text(b, d, doc->institution_abbr, F_INSTITUTION, 0);
	id->institution = label_get(b, &idx->institutions, &idx->ninstitutions, &b->capinst, &doc->institution);
	id->events_off = (uint32_t)b->ndocevents;
	for (i = 0; i < doc->nevents && i < 0xffff; i++) {
		index_text(b, d, doc->events[i].lv, F_EVENT, 0);
		index_text(b, d, doc->events[i].en, F_EVENT, 1);
		if (b->ndocevents == b->capdocevents) {
			size_t ncap = b->capdocevents ? b->capdocevents * 2 : 1024;
			uint32_t *ne = realloc(idx->doc_events, ncap * sizeof(*ne));

			if (!ne)
				return -1;
			idx->doc_events = ne;
			b->capdocevents = ncap;
		}
		idx->doc_events[b->ndocevents++] =
		    label_get(b, &idx->events, &idx->nevents, &b->capevents, &doc->events[i]);
		id->nevents++;
	}
	index_text(b, d, doc->description_lv, F_DESCRIPTION, 0);
	index_text(b, d, doc->description_en, F_DESCRIPTION, 1);
	id->eservice = doc->eservice ? 1 : 0;
	return b->nomem ? -1 : 0;
}

static int cmp_term(const void *a, const void *b, void *pool)
{
	const struct tterm *x = a, *y = b;

	return strcmp((const char *)pool + x->off, (const char *)pool + y->off);
}

static int finish(struct builder *b)
{
	struct search_index *idx = b->idx;
	size_t i, np = 0, nb = 0, nsurf, ncps = 0;

	if (b->nterms)
		qsort_r(b->terms, b->nterms, sizeof(*b->terms), cmp_term, b->pool.data);
	idx->nterms = b->nterms;
	for (i = 0; i < b->nterms; i++)
		nb += b->terms[i].len;
	idx->term_off = malloc((b->nterms + 1) * sizeof(uint32_t));
	idx->display_off = malloc((b->nterms + 1) * sizeof(uint32_t));
	idx->post_off = malloc((b->nterms + 1) * sizeof(size_t));
	idx->df = malloc((b->nterms + 1) * sizeof(uint32_t));
	idx->post = malloc(nb + 1);
	if (!idx->term_off || !idx->display_off || !idx->post_off || !idx->df || !idx->post)
		return -1;
	nb = 0;
	idx->surf_begin = idx->surf_end = 0;
	for (i = 0; i < b->nterms; i++) {
		struct tterm *t = &b->terms[i];
		char kind = b->pool.data[t->off];

		idx->term_off[i] = t->off;
		idx->display_off[i] = t->display;
		idx->post_off[i] = nb;
		idx->df[i] = t->n;
		memcpy(idx->post + nb, t->bytes, t->len);
		nb += t->len;
		np += t->n;
		if (kind == TERM_SURFACE) {
			if (idx->surf_end == 0)
				idx->surf_begin = i;
			idx->surf_end = i + 1;
			ncps += strlen(b->pool.data + t->off) - 1;
		}
		free(t->bytes);
		t->bytes = NULL;
	}
	idx->post_off[b->nterms] = nb;
	idx->npostings = np;
	idx->post_bytes = nb;
	nsurf = idx->surf_end - idx->surf_begin;
	idx->cps = malloc((ncps + 1) * sizeof(uint32_t));
	idx->cps_off = malloc((nsurf + 1) * sizeof(uint32_t));
	if (!idx->cps || !idx->cps_off)
		return -1;
	ncps = 0;
	for (i = 0; i < nsurf; i++) {
		const char *s = b->pool.data + b->terms[idx->surf_begin + i].off + 1;
		size_t n = strlen(s);

		idx->cps_off[i] = (uint32_t)ncps;
		ncps += utf8_to_cps(s, n, idx->cps + ncps, n);
	}
	idx->cps_off[nsurf] = (uint32_t)ncps;
	/* Exact lookups (every word of every query, several forms each) by
	 * hash instead of a binary search: at most two thirds full. */
	for (idx->nterm_slots = 16; idx->nterm_slots * 2 < b->nterms * 3; idx->nterm_slots *= 2)
		;
	idx->term_slots = calloc(idx->nterm_slots, sizeof(uint32_t));
	if (!idx->term_slots)
		return -1;
	for (i = 0; i < b->nterms; i++) {
		const char *t = b->pool.data + b->terms[i].off;
		size_t h = fnv1a32(FNV1A32_INIT, t, strlen(t)) & (idx->nterm_slots - 1);

		while (idx->term_slots[h])
			h = (h + 1) & (idx->nterm_slots - 1);
		idx->term_slots[h] = (uint32_t)i + 1;
	}
	return 0;
}

void search_index_free(struct search_index *idx)
{
	size_t i;

	if (!idx)
		return;
	if (idx->base) { /* search_index_retable: only the tables are its own */
		tables_free(&idx->tables);
		free(idx);
		return;
	}
	for (i = 0; i < idx->ninstitutions; i++) {
		free((void *)idx->institutions[i].id);
		free((void *)idx->institutions[i].lv);
		free((void *)idx->institutions[i].en);
	}
	free(idx->institutions);
	for (i = 0; i < idx->nevents; i++) {
		free((void *)idx->events[i].id);
		free((void *)idx->events[i].lv);
		free((void *)idx->events[i].en);
	}
	free(idx->events);
	free(idx->doc_events);
	free(idx->keywords);
	free(idx->docs);
	free(idx->term_off);
	free(idx->term_slots);
	free(idx->display_off);
	free(idx->post_off);
	free(idx->post);
	free(idx->df);
	free(idx->cps);
	free(idx->cps_off);
	free(idx->strpool);
	lexicon_free(idx->lex);
	tables_free(&idx->tables);
	free(idx);
}

struct search_index *search_index_build(const struct search_doc *docs, size_t n, const struct search_config *cfg,
					struct err *err)
{
	struct builder b;
	struct search_index *idx = NULL;
	char path[4096];
	size_t i, nkw = 0;
	int ok = 0;

	memset(&b, 0, sizeof(b));
	buf_init(&b.pool, POOL_CAP);
	buf_putc(&b.pool, '\0');
	if (n > UINT32_MAX / 2) {
		err_set(err, ERR_INTERNAL, "too many documents");
		goto out;
	}
	idx = calloc(1, sizeof(*idx));
	if (!idx)
		goto nomem;
	b.idx = idx;
	idx->flags = cfg ? cfg->flags : 0;
	if (cfg && cfg->data_dir && !(idx->flags & SEARCH_NO_LEXICON)) {
		snprintf(path, sizeof(path), "%s/lexicon.tsv", cfg->data_dir);
		idx->lex = lexicon_load(path, cfg->lexicon_extra, err);
	} else {
		idx->lex =
		    lexicon_load(NULL, cfg && !(idx->flags & SEARCH_NO_LEXICON) ? cfg->lexicon_extra : NULL, err);
	}
	if (!idx->lex)
		goto out;
	if (tables_load(&idx->tables, cfg, idx->lex, idx->flags, err) != 0)
		goto out;
	idx->ndocs = n;
	idx->docs = calloc(n ? n : 1, sizeof(*idx->docs));
	for (i = 0; i < n; i++)
		nkw += docs[i].nkeywords;
	if (nkw > UINT32_MAX)
		goto nomem;
	idx->keywords = calloc(nkw ? nkw : 1, sizeof(*idx->keywords));
	if (!idx->docs || !idx->keywords)
		goto nomem;
	for (i = 0; i < n; i++)
		if (index_doc(&b, (uint32_t)i, &docs[i]) != 0)
			goto nomem;
	if (finish(&b) != 0)
		goto nomem;
	idx->strpool_len = b.pool.len;
	idx->strpool = buf_steal(&b.pool, NULL);
	idx->bytes = sizeof(*idx) + n * sizeof(struct idoc) + b.ndocevents * sizeof(uint32_t) +
		     idx->nkeywords_all * sizeof(*idx->keywords) +
		     idx->nterms * (3 * sizeof(uint32_t) + sizeof(size_t)) + idx->post_bytes + idx->strpool_len +
		     idx->cps_off[idx->surf_end - idx->surf_begin] * sizeof(uint32_t) + lexicon_bytes(idx->lex);
	if (situations_resolve(idx) != 0)
		goto nomem;
	ok = 1;
	goto out;
nomem:
	err_set(err, ERR_INTERNAL, "out of memory building the search index");
out:
	for (i = 0; i < b.nterms; i++) {
		free(b.terms[i].bytes);
	}
	free(b.terms);
	free(b.slots);
	buf_free(&b.pool);
	if (!ok) {
		search_index_free(idx);
		idx = NULL;
	}
	return idx;
}

struct search_index *search_index_retable(const struct search_index *base, const struct search_config *cfg,
					  struct err *err)
{
	struct search_index *idx = malloc(sizeof(*idx));

	if (!idx) {
		err_set(err, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	*idx = *base;
	idx->base = base;
	if (tables_load(&idx->tables, cfg, base->lex, base->flags, err) != 0) {
		free(idx);
		return NULL;
	}
	if (situations_resolve(idx) != 0) {
		err_set(err, ERR_INTERNAL, "out of memory");
		search_index_free(idx);
		return NULL;
	}
	return idx;
}

void search_index_stats(const struct search_index *idx, struct search_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->docs = idx->ndocs;
	out->terms = idx->nterms;
	out->postings = idx->npostings;
	out->bytes = idx->bytes;
	out->synonyms = idx->tables.nsyn;
	out->best_bets = idx->tables.nbets;
	out->situations = idx->tables.nsits;
	out->lexicon = lexicon_size(idx->lex);
}

long index_term_find(const struct search_index *idx, const char *term, size_t n)
{
	size_t h;
	uint32_t i;

	if (!idx->nterm_slots)
		return -1;
	h = fnv1a32(FNV1A32_INIT, term, n) & (idx->nterm_slots - 1);
	for (i = idx->term_slots[h]; i != 0; i = idx->term_slots[h]) {
		const char *t = index_term(idx, i - 1);

		if (strncmp(t, term, n) == 0 && t[n] == '\0')
			return (long)(i - 1);
		h = (h + 1) & (idx->nterm_slots - 1);
	}
	return -1;
}

size_t index_term_lower(const struct search_index *idx, const char *term, size_t n)
{
	size_t lo = 0, hi = idx->nterms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *t = index_term(idx, mid);
		int c = strncmp(t, term, n);

		if (c == 0 && t[n] != '\0')
			c = 1; /* t is longer: after term */
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
