/* situation.c — search by life situation: what people type when they say
 * what happened to them ("pārcēlos uz citu dzīvokli", "my wallet was
 * stolen") rather than name a service.
 *
 * data/search/situations.tsv (or an editor's version from the back office)
 * holds rules, one a line, fields separated by TAB:
 *
 *   EVENT<TAB>SERVICE,SERVICE...<TAB>PHRASE[<TAB>PHRASE...]
 *   !rare<TAB>SERVICE,SERVICE...
 *
 * EVENT is the life or business event shown as a card ("-": none; "a,b":
 * the first of them the catalog has, one id per catalog); the
 * services come first in that order when the query says one of the
 * phrases. A phrase is 1-8 words, each compared by lemma like synonyms; a
 * word may list up to 4 alternatives with '|' ("nozagt|pazaudēt pase").
 * Stopwords in a phrase are left out. "!rare" services (third-party,
 * destructive or seldom wanted actions) are ranked lower unless the query
 * names them.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/i18n.h"
#include "search/internal.h"

#define SIT_MAX_RULES 2000   /* lines of the file */
#define SIT_MAX_FIELDS 40    /* phrases of one rule, + 2 */
#define SIT_MAX_IDS 32       /* services of one rule */
#define SIT_MAX_ALTS 4       /* alternatives of one phrase word */
#define SIT_MAX_RARE 200     /* "!rare" services in all */
#define SIT_PHRASE_BYTES 512 /* one phrase */
#define SIT_MIN_PREFIX 5     /* bytes of a half-typed last word to compare by root */

#define W_SIT 2.0f          /* a situation's first service's bonus over text scores */
#define SIT_DECAY 0.9f      /* each later service of the rule: this much of the one before */
#define SIT_TEXT 0.3f       /* share of the text score a situation's service keeps */
#define SIT_RARE 0.7f       /* a rare service's score when the query does not name it */
#define NAMED 1.57f         /* a base score this high: every word said exactly in a name */
#define RARE_NAMED 1.3f     /* ... and this high: (nearly) every word matched a rare one */
#define SIT_RARE_STEP 0.15f /* what a rare one loses when the query says all its words, not its name */

/* ---- parsing ---- */

/* One word of a phrase with its alternatives ("nozagt|pazaudēt"): the terms
 * of all of them in one set. 0; 1 when every alternative is a stopword (the
 * word is left out); -1 with why. */
static int sit_word(const struct lexicon *lx, unsigned flags, char *w, struct termset *ts, const char **why)
{
	char *alt[SIT_MAX_ALTS + 1];
	size_t nalt = 0, i, j, stop = 0;

	memset(ts, 0, sizeof(*ts));
	for (char *a = w;; a++) {
		char *bar = strchr(a, '|');

		if (nalt == SIT_MAX_ALTS) {
			*why = N_("more than 4 alternatives of a word");
			return -1;
		}
		alt[nalt++] = a;
		if (!bar)
			break;
		*bar = '\0';
		a = bar;
	}
	for (i = 0; i < nalt; i++) {
		struct termset one;
		struct tok t;
		size_t pos = 0, ntok = 0;

		while (tok_next(alt[i], strlen(alt[i]), &pos, &t)) {
			if (++ntok > 1 || t.toolong) {
				*why = N_("an alternative is not one word");
				return -1;
			}
			if (is_stopword(t.fold, t.nfold))
				stop++;
			word_terms(lx, flags, &t, WT_QUERY, &one);
			for (j = 0; j < one.n; j++)
				termset_add(ts, one.s[j][0], one.s[j] + 1, one.len[j] - 1);
		}
		if (ntok == 0) {
			*why = N_("an empty word");
			return -1;
		}
	}
	return stop == nalt ? 1 : 0;
}

/* A phrase: words separated by spaces, each with its alternatives. */
static int sit_phrase_parse(const struct lexicon *lx, unsigned flags, const char *s, struct phrase *p, const char **why)
{
	char buf[SIT_PHRASE_BYTES], *save = NULL, *w;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(buf)) {
		*why = N_("a phrase is too long");
		return -1;
	}
	memcpy(buf, s, strlen(s) + 1);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		int rc;

		if (p->nwords == PHRASE_MAX_WORDS) {
			*why = N_("more than 8 words in a phrase");
			goto fail;
		}
		/* the termset points into itself: fill it where it stays */
		p->words[p->nwords] = strdup(w);
		p->terms[p->nwords] = malloc(sizeof(struct termset));
		if (!p->words[p->nwords] || !p->terms[p->nwords]) {
			*why = N_("out of memory");
			goto fail_word;
		}
		rc = sit_word(lx, flags, w, p->terms[p->nwords], why);
		if (rc < 0)
			goto fail_word;
		if (rc == 1) {
			free(p->words[p->nwords]);
			free(p->terms[p->nwords]);
			continue;
		}
		p->nwords++;
	}
	if (p->nwords == 0) {
		*why = N_("an empty phrase");
		goto fail;
	}
	return 0;
fail_word:
	free(p->words[p->nwords]);
	free(p->terms[p->nwords]);
fail:
	data_phrase_free(p);
	return -1;
}

/* "id,id,..." into a new array; 0, or -1 with why. */
static int sit_ids(char *field, char ***ids, size_t *n, const char **why)
{
	char *save = NULL, *id;

	size_t len = strlen(field);

	*ids = calloc(SIT_MAX_IDS, sizeof(char *));
	*n = 0;
	if (!*ids) {
		*why = N_("out of memory");
		return -1;
	}
	if (len && (field[0] == ',' || field[len - 1] == ',' || strstr(field, ",,"))) {
		*why = N_("a service id is empty or holds a space");
		return -1;
	}
	for (id = strtok_r(field, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		if (*n == SIT_MAX_IDS) {
			*why = N_("more than 32 services in a rule");
			return -1;
		}
		if (!id[0] || strpbrk(id, " \r")) {
			*why = N_("a service id is empty or holds a space");
			return -1;
		}
		(*ids)[*n] = strdup(id);
		if (!(*ids)[*n]) {
			*why = N_("out of memory");
			return -1;
		}
		(*n)++;
	}
	if (*n == 0) {
		*why = N_("no service ids");
		return -1;
	}
	return 0;
}

static int sit_rare(struct search_tables *t, char *field, const char **why)
{
	char **ids = NULL;
	size_t n = 0;
	char **nr = NULL;
	int rc = sit_ids(field, &ids, &n, why);

	if (rc == 0 && t->nrare + n > SIT_MAX_RARE) {
		*why = N_("more than 200 rare services");
		rc = -1;
	}
	if (rc == 0) {
		nr = realloc(t->rare, (t->nrare + n) * sizeof(char *));
		if (!nr) {
			*why = N_("out of memory");
			rc = -1;
		}
	}
	if (rc == 0) {
		t->rare = nr;
		memcpy(t->rare + t->nrare, ids, n * sizeof(char *));
		t->nrare += n;
		free(ids);
		return 0;
	}
	data_free_strings(ids, n);
	return -1;
}

/* One rule line: 0, or -1 with why and the field it is about. */
static int sit_rule(struct search_tables *t, size_t *pcap, char **f, size_t nf, const struct lexicon *lx,
		    unsigned flags, const char **why, size_t *field)
{
	struct situation *s = &t->sits[t->nsits];
	size_t i;

	memset(s, 0, sizeof(*s));
	*field = 0;
	if (nf < 3) {
		*why = N_("expected EVENT<TAB>SERVICE,SERVICE<TAB>PHRASE[<TAB>PHRASE...]");
		return -1;
	}
	if (nf == SIT_MAX_FIELDS) {
		*why = N_("more than 37 phrases in a rule");
		return -1;
	}
	*field = 1;
	if (!f[0][0] || strpbrk(f[0], " \r")) {
		*why = N_("an event id is empty or holds a space");
		return -1;
	}
	if (strcmp(f[0], "-") != 0) {
		s->event = strdup(f[0]);
		if (!s->event) {
			*why = N_("out of memory");
			return -1;
		}
	}
	t->nsits++; /* owned from here on, freed by situations_free */
	*field = 2;
	if (sit_ids(f[1], &s->ids, &s->nids, why) != 0)
		return -1;
	s->phrase_from = (uint32_t)t->nsphrases;
	for (i = 2; i < nf; i++) {
		*field = i + 1;
		if (data_grow((void **)&t->sphrases, pcap, t->nsphrases, sizeof(*t->sphrases)) != 0) {
			*why = N_("out of memory");
			return -1;
		}
		if (sit_phrase_parse(lx, flags, f[i], &t->sphrases[t->nsphrases], why) != 0)
			return -1;
		t->nsphrases++;
		s->nphrases++;
	}
	return 0;
}

int situations_load(struct search_tables *t, const char *path, const char *given, const struct lexicon *lx,
		    unsigned flags, struct search_data_problem *pr, struct err *err)
{
	struct data_lines dl;
	char *line, *f[SIT_MAX_FIELDS];
	size_t scap = 0, pcap = 0, nf, field = 0;
	const char *why = NULL;
	int rc = -1;

	if (data_lines_open(&dl, path, given, err) != 0)
		return -1;
	for (line = data_lines_next(&dl); line; line = data_lines_next(&dl)) {
		nf = data_split_tabs(line, f, SIT_MAX_FIELDS);
		if (strcmp(f[0], "!rare") == 0) {
			field = 2;
			if (nf != 2) {
				field = 0;
				why = N_("expected !rare<TAB>SERVICE,SERVICE");
				goto bad;
			}
			if (sit_rare(t, f[1], &why) != 0)
				goto bad;
			continue;
		}
		if (t->nsits == SIT_MAX_RULES) {
			field = 0;
			why = N_("more than 2000 situation rules");
			goto bad;
		}
		if (data_grow((void **)&t->sits, &scap, t->nsits, sizeof(*t->sits)) != 0) {
			why = N_("out of memory");
			goto bad;
		}
		if (sit_rule(t, &pcap, f, nf, lx, flags, &why, &field) != 0)
			goto bad;
	}
	rc = 0;
	goto out;
bad:
	data_problem(pr, dl.lineno, field, why);
	err_set(err, ERR_INTERNAL, "%s:%zu: field %zu: %s", path, dl.lineno, field, why);
out:
	free(dl.text);
	return rc;
}

void situations_free(struct search_tables *t)
{
	size_t i;

	for (i = 0; i < t->nsphrases; i++)
		data_phrase_free(&t->sphrases[i]);
	free(t->sphrases);
	for (i = 0; i < t->nsits; i++) {
		free(t->sits[i].event);
		data_free_strings(t->sits[i].ids, t->sits[i].nids);
		free(t->sits[i].docs);
	}
	free(t->sits);
	data_free_strings(t->rare, t->nrare);
	free(t->rare_docs);
	t->rare_docs = NULL;
	free(t->skeys);
	t->skeys = NULL;
	t->nskeys = 0;
	t->sphrases = NULL;
	t->sits = NULL;
	t->rare = NULL;
	t->nsphrases = t->nsits = t->nrare = 0;
}

/* ---- documents of the ids, and the phrases' keys ---- */

static uint64_t term_hash(const char *s, size_t n)
{
	return fnv1a64(FNV1A64_INIT, s, n);
}

static int cmp_key(const void *a, const void *b)
{
	const struct sit_key *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->phrase < y->phrase ? -1 : x->phrase > y->phrase;
}

static int build_keys(struct search_tables *t)
{
	size_t i, j, n = 0;
	uint32_t k;

	t->skeys = malloc((t->nsphrases * TERMSET_MAX + 1) * sizeof(*t->skeys));
	if (!t->skeys)
		return -1;
	for (i = 0; i < t->nsits; i++)
		for (k = 0; k < t->sits[i].nphrases; k++) {
			uint32_t ph = t->sits[i].phrase_from + k;
			const struct termset *ts = t->sphrases[ph].terms[0];

			for (j = 0; j < ts->n; j++) {
				t->skeys[n].h = term_hash(ts->s[j], ts->len[j]);
				t->skeys[n].phrase = ph;
				t->skeys[n++].sit = (uint32_t)i;
			}
		}
	qsort(t->skeys, n, sizeof(*t->skeys), cmp_key);
	t->nskeys = n;
	return 0;
}

struct id_doc {
	const char *id;
	int32_t doc;
};

static int cmp_id_doc(const void *a, const void *b)
{
	return strcmp(((const struct id_doc *)a)->id, ((const struct id_doc *)b)->id);
}

static int32_t find_doc(const struct id_doc *sorted, size_t n, const char *id)
{
	struct id_doc key = {id, -1};
	const struct id_doc *hit = bsearch(&key, sorted, n, sizeof(*sorted), cmp_id_doc);

	return hit ? hit->doc : -1;
}

static int32_t *docs_of(const struct id_doc *sorted, size_t n, char *const *ids, size_t nids)
{
	int32_t *out = malloc((nids ? nids : 1) * sizeof(*out));
	size_t i;

	for (i = 0; out && i < nids; i++)
		out[i] = find_doc(sorted, n, ids[i]);
	return out;
}

int situations_resolve(struct search_index *idx)
{
	struct search_tables *t = &idx->tables;
	struct id_doc *sorted;
	size_t i;
	int rc = 0;

	if (t->nsits == 0 && t->nrare == 0)
		return 0;
	sorted = malloc((idx->ndocs ? idx->ndocs : 1) * sizeof(*sorted));
	if (!sorted)
		return -1;
	for (i = 0; i < idx->ndocs; i++) {
		sorted[i].id = idx->docs[i].id;
		sorted[i].doc = (int32_t)i;
	}
	qsort(sorted, idx->ndocs, sizeof(*sorted), cmp_id_doc);
	for (i = 0; i < t->nsits && rc == 0; i++) {
		t->sits[i].docs = docs_of(sorted, idx->ndocs, t->sits[i].ids, t->sits[i].nids);
		if (!t->sits[i].docs)
			rc = -1;
	}
	if (rc == 0) {
		t->rare_docs = docs_of(sorted, idx->ndocs, t->rare, t->nrare);
		if (!t->rare_docs)
			rc = -1;
	}
	if (rc == 0)
		rc = build_keys(t);
	free(sorted);
	return rc;
}

/* ---- matching ---- */

#define QTERMS_MAX (SEARCH_MAX_WORDS * TERMSET_MAX)

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int has_term(const uint64_t *q, size_t nq, const struct termset *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		uint64_t h = term_hash(ts->s[i], ts->len[i]);

		if (bsearch(&h, q, nq, sizeof(*q), cmp_u64))
			return 1;
	}
	return 0;
}

/* Whether the query says every word of phrase ph. */
static int says(const struct search_tables *t, uint32_t ph, const uint64_t *q, size_t nq)
{
	const struct phrase *p = &t->sphrases[ph];
	size_t w;

	for (w = 1; w < p->nwords; w++)
		if (!has_term(q, nq, p->terms[w]))
			return 0;
	return 1;
}

static void add_match(struct sitmatch *m, uint32_t sit, uint32_t st)
{
	size_t k, j;

	for (k = 0; k < m->n; k++)
		if (m->sit[k] == sit) {
			if (m->strength[k] >= st)
				return;
			/* stronger now: take it out, insert again below */
			memmove(m->sit + k, m->sit + k + 1, (m->n - k - 1) * sizeof(m->sit[0]));
			memmove(m->strength + k, m->strength + k + 1, (m->n - k - 1) * sizeof(m->strength[0]));
			m->n--;
			break;
		}
	/* by strength, then the file's order */
	for (k = 0; k < m->n && (m->strength[k] > st || (m->strength[k] == st && m->sit[k] < sit)); k++)
		;
	if (k == SIT_MATCH_MAX)
		return;
	j = m->n < SIT_MATCH_MAX ? m->n : SIT_MATCH_MAX - 1;
	memmove(m->sit + k + 1, m->sit + k, (j - k) * sizeof(m->sit[0]));
	memmove(m->strength + k + 1, m->strength + k, (j - k) * sizeof(m->strength[0]));
	m->sit[k] = sit;
	m->strength[k] = st;
	if (m->n < SIT_MATCH_MAX)
		m->n++;
}

void situations_match(const struct search_index *idx, const struct parsed *p, struct sitmatch *m)
{
	const struct search_tables *t = &idx->tables;
	uint64_t q[QTERMS_MAX];
	size_t nq = 0, i, j, k;

	m->n = 0;
	if (t->nsits == 0)
		return;
	for (i = 0; i < p->n; i++) {
		if (p->w[i].optional)
			continue;
		/* a short half-typed last word ("sod") says only what it says
		 * so far, not the roots it might be a form of */
		int partial = p->w[i].prefix && p->w[i].tok.nfold < SIT_MIN_PREFIX;

		for (j = 0; j < p->w[i].ts.n && nq < QTERMS_MAX; j++)
			if (!partial || p->w[i].ts.s[j][0] == TERM_SURFACE)
				q[nq++] = term_hash(p->w[i].ts.s[j], p->w[i].ts.len[j]);
	}
	if (nq == 0)
		return;
	qsort(q, nq, sizeof(*q), cmp_u64);
	/* the phrases whose first word the query holds, then their other words */
	for (i = 0; i < nq; i++) {
		size_t lo = 0, hi = t->nskeys;

		if (i > 0 && q[i] == q[i - 1])
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (t->skeys[mid].h < q[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		for (k = lo; k < t->nskeys && t->skeys[k].h == q[i]; k++)
			if (says(t, t->skeys[k].phrase, q, nq))
				add_match(m, t->skeys[k].sit, (uint32_t)t->sphrases[t->skeys[k].phrase].nwords);
	}
}

/* ---- ranking ---- */

/* Rare services lose a share of their score unless the query names them. */
static void demote_rare(const struct search_index *idx, struct scratch *s)
{
	size_t i;

	for (i = 0; i < idx->tables.nrare; i++) {
		long d = idx->tables.rare_docs ? idx->tables.rare_docs[i] : -1;

		if (d < 0 || s->best[d] <= 0 || s->base[d] >= NAMED)
			continue;
		if (s->base[d] >= RARE_NAMED) { /* every word, but not its name: a step back */
			s->best[d] -= SIT_RARE_STEP;
			s->base[d] -= SIT_RARE_STEP;
		} else {
			s->best[d] *= SIT_RARE;
			s->base[d] *= SIT_RARE;
		}
	}
}

void situations_rank(const struct search_index *idx, const struct sitmatch *m, struct scratch *s, size_t *nd)
{
	struct {
		long doc;
		float bonus;
	} b[SIT_MATCH_MAX * SIT_MAX_IDS];
	size_t nb = 0, i, j, k;

	demote_rare(idx, s);
	/* a query that says a service's name exactly is not a situation */
	for (i = 0; i < *nd; i++)
		if (s->base[s->docs[i]] >= NAMED)
			return;
	for (i = 0; i < m->n; i++) {
		const struct situation *sit = &idx->tables.sits[m->sit[i]];
		float bonus = W_SIT * (1.0f + 0.25f * (float)(m->strength[i] - 1));

		for (j = 0; j < sit->nids; j++, bonus *= SIT_DECAY) {
			long d = sit->docs ? sit->docs[j] : -1;

			if (d < 0)
				continue;
			for (k = 0; k < nb && b[k].doc != d; k++)
				;
			if (k == nb) {
				b[nb].doc = d;
				b[nb++].bonus = bonus;
			} else if (bonus > b[k].bonus) {
				b[k].bonus = bonus;
			}
		}
	}
	for (k = 0; k < nb; k++) {
		uint32_t d = (uint32_t)b[k].doc;

		if (s->best[d] == 0)
			s->docs[(*nd)++] = d;
		/* the editor's order leads; the words only break near ties */
		s->best[d] = b[k].bonus + SIT_TEXT * s->best[d];
		s->base[d] = b[k].bonus + SIT_TEXT * s->base[d];
	}
}

/* ---- a life situation's order ---- */

/* Whether the comma-separated list of event ids names id. */
static int names_event(const char *list, const char *id)
{
	size_t n = strlen(id);

	while (*list) {
		size_t k = strcspn(list, ",");

		if (k == n && memcmp(list, id, n) == 0)
			return 1;
		list += k + (list[k] == ',');
	}
	return 0;
}

size_t search_situation_order(const struct search_index *idx, const char *event_id, const char **ids, size_t max)
{
	const struct search_tables *t = &idx->tables;
	size_t i, j, k, n = 0;

	for (i = 0; i < t->nsits && n < max; i++) {
		const struct situation *sit = &t->sits[i];

		if (!sit->event || !sit->docs || !names_event(sit->event, event_id))
			continue;
		for (j = 0; j < sit->nids && n < max; j++) {
			const char *id;

			if (sit->docs[j] < 0)
				continue;
			id = idx->docs[sit->docs[j]].id;
			for (k = 0; k < n && strcmp(ids[k], id) != 0; k++)
				;
			if (k == n)
				ids[n++] = id;
		}
	}
	return n;
}
