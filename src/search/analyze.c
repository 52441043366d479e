/* analyze.c — the text analyzer: words, Unicode folding, the Latvian and
 * English light stemmers, stopwords and the typo distance.
 *
 * Folding is per code point through libutf8proc: compatibility
 * decomposition, case folding and removal of marks, so "Ē", "ē", "e\u0304"
 * and "ｅ" all fold to "e". Matching happens on folded text; the original is
 * kept for display and highlighting.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "search/internal.h"

static int is_word_cp(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME: return 1;
	default: return 0;
	}
}

static int is_hyphen(int32_t cp)
{
	return cp == '-' || cp == 0x2010 || cp == 0x2011;
}

static int is_apostrophe(int32_t cp)
{
	return cp == '\'' || cp == 0x2019;
}

/* Decodes one code point at s[*pos]; invalid bytes give -1 and advance 1. */
static int32_t next_cp(const char *s, size_t len, size_t *pos)
{
	int32_t cp = -1;
	utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + *pos, (utf8proc_ssize_t)(len - *pos), &cp);

	if (k <= 0) {
		*pos += 1;
		return -1;
	}
	*pos += (size_t)k;
	return cp;
}

static int32_t peek_cp(const char *s, size_t len, size_t pos)
{
	size_t p = pos;

	if (pos >= len)
		return -1;
	return next_cp(s, len, &p);
}

/* Appends the folded form of cp to out; returns 0, or -1 when it did not fit. */
static int fold_cp(int32_t cp, char *out, size_t cap, size_t *n)
{
	utf8proc_int32_t dec[8];
	int bc = 0;
	utf8proc_ssize_t k, i;

	k = utf8proc_decompose_char(cp, dec, 8,
				    UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_DECOMPOSE, &bc);
	if (k < 0 || k > 8)
		return 0; /* unassigned or odd: drop it */
	for (i = 0; i < k; i++) {
		utf8proc_uint8_t enc[4];
		utf8proc_ssize_t m = utf8proc_encode_char(dec[i], enc);

		if (*n + (size_t)m + 1 > cap)
			return -1;
		memcpy(out + *n, enc, (size_t)m);
		*n += (size_t)m;
	}
	return 0;
}

int tok_next(const char *s, size_t len, size_t *pos, struct tok *t)
{
	size_t p = *pos, before;
	int32_t cp;

	/* skip separators */
	for (;;) {
		if (p >= len) {
			*pos = p;
			return 0;
		}
		before = p;
		cp = next_cp(s, len, &p);
		if (cp >= 0 && is_word_cp(cp) && utf8proc_category(cp) != UTF8PROC_CATEGORY_MN &&
		    utf8proc_category(cp) != UTF8PROC_CATEGORY_ME && utf8proc_category(cp) != UTF8PROC_CATEGORY_MC)
			break;
	}
	memset(t, 0, sizeof(*t));
	t->start = before;
	for (;;) {
		if (!t->toolong && fold_cp(cp, t->fold, sizeof(t->fold), &t->nfold) != 0)
			t->toolong = 1;
		t->end = p;
		if (p >= len)
			break;
		before = p;
		cp = next_cp(s, len, &p);
		if (cp >= 0 && is_word_cp(cp))
			continue;
		if (cp >= 0 && (is_hyphen(cp) || is_apostrophe(cp))) {
			int32_t nx = peek_cp(s, len, p);

			if (nx >= 0 && is_word_cp(nx) && utf8proc_category(nx) != UTF8PROC_CATEGORY_MN) {
				if (is_hyphen(cp)) {
					if (!t->toolong && t->nfold + 2 <= sizeof(t->fold))
						t->fold[t->nfold++] = '-';
					else
						t->toolong = 1;
					t->hyphen = 1;
				}
				cp = next_cp(s, len, &p);
				continue;
			}
		}
		p = before;
		break;
	}
	if (t->toolong || t->nfold == 0) {
		t->nfold = 0;
		t->toolong = 1;
	}
	t->fold[t->nfold] = '\0';
	*pos = p;
	return 1;
}

size_t fold_text(const char *s, size_t len, char *out, size_t cap)
{
	size_t pos = 0, n = 0;
	struct tok t;

	if (cap == 0)
		return (size_t)-1;
	out[0] = '\0';
	while (tok_next(s, len, &pos, &t)) {
		if (t.toolong)
			continue;
		if (n + t.nfold + 2 > cap)
			return (size_t)-1;
		if (n)
			out[n++] = ' ';
		memcpy(out + n, t.fold, t.nfold);
		n += t.nfold;
	}
	out[n] = '\0';
	return n;
}

/* ---- Latvian stemmer ----
 *
 * Lucene's LatvianStemmer (after Kreslins, "A stemming algorithm for
 * Latvian", 1996) on folded text: long vowels fold to short ones, so the
 * suffixes below are the folded union of the original list, in the same
 * order. A suffix is removed when the word has more vowels than `vc` and at
 * least three letters remain; palatalising ones then undo the j-insertion of
 * labials (lupju -> lup). The other palatalisations (n/ņ, l/ļ, s/š, z/ž,
 * c/č) are already gone in folded text.
 */
struct affix {
	const char *s;
	size_t len;
	int vc;
	int pal;
};

#define AFX(s, vc, pal)                                                                                                \
	{                                                                                                              \
		s, sizeof(s) - 1, vc, pal                                                                              \
	}
static const struct affix lv_affixes[] = {
    AFX("ajiem", 3, 0), AFX("ajai", 3, 0), AFX("ajam", 2, 0), AFX("ajos", 2, 0), AFX("ajas", 2, 0), AFX("iem", 2, 1),
    AFX("aja", 2, 0),   AFX("ais", 2, 0),  AFX("ai", 2, 0),   AFX("ei", 2, 0),   AFX("am", 1, 0),   AFX("em", 1, 0),
    AFX("im", 1, 0),    AFX("um", 1, 0),   AFX("us", 1, 1),   AFX("as", 1, 0),   AFX("es", 1, 0),   AFX("os", 1, 1),
    AFX("ij", 1, 0),    AFX("is", 1, 0),   AFX("ie", 1, 0),   AFX("u", 1, 1),    AFX("a", 1, 1),    AFX("i", 1, 1),
    AFX("e", 1, 0),     AFX("o", 1, 0),    AFX("s", 0, 0),
};

static int is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

size_t stem_lv(const char *w, size_t n)
{
	size_t i, vowels = 0;

	for (i = 0; i < n; i++) {
		if ((unsigned char)w[i] >= 0x80 || w[i] == '-')
			return n; /* not a Latvian word after folding */
		if (is_vowel(w[i]))
			vowels++;
	}
	for (i = 0; i < sizeof(lv_affixes) / sizeof(lv_affixes[0]); i++) {
		const struct affix *a = &lv_affixes[i];

		if (vowels > (size_t)a->vc && n >= a->len + 3 && memcmp(w + n - a->len, a->s, a->len) == 0) {
			n -= a->len;
			if (a->pal && n >= 2 && w[n - 1] == 'j' && strchr("bpmvf", w[n - 2]))
				n--;
			return n;
		}
	}
	return n;
}

static int ends(const char *w, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(w + n - k, suf, k) == 0;
}

size_t stem_en(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return n;
	if (n > 4 && ends(w, n, "ies"))
		return n - 3; /* families -> famil, like family */
	if (n > 4 && ends(w, n, "sses"))
		n -= 2;
	else if (n > 3 && w[n - 1] == 's' && !ends(w, n, "ss") && !ends(w, n, "us") && !ends(w, n, "is"))
		n--;
	if (n > 5 && ends(w, n, "ing"))
		n -= 3;
	else if (n > 4 && ends(w, n, "ed"))
		n -= 2;
	else if (n > 5 && ends(w, n, "al"))
		n -= 2;
	if (n > 3 && w[n - 1] == 'e')
		n--;
	if (n > 3 && w[n - 1] == 'y')
		n--;
	if (n > 3 && w[n - 1] == w[n - 2] && !is_vowel(w[n - 1]) && w[n - 1] != 's' && w[n - 1] != 'l')
		n--;
	return n;
}

/* Latvian and English function words, folded, sorted for bsearch. */
static const char *const stopwords[] = {
    "a",  "an",  "and", "ar",  "ari",  "at", "bet", "bez", "by",   "caur", "for", "from", "gan",
    "ir", "ja",  "jeb", "ka",  "kas",  "ko", "kur", "lai", "lidz", "my",   "no",  "of",   "on",
    "or", "par", "pec", "pie", "pret", "s",  "the", "to",  "un",   "uz",   "vai", "with", "your",
};

static int cmp_stop(const void *k, const void *e)
{
	return strcmp((const char *)k, *(const char *const *)e);
}

int is_stopword(const char *fold, size_t n)
{
	char w[8];

	if (n == 0 || n >= sizeof(w))
		return 0;
	memcpy(w, fold, n);
	w[n] = '\0';
	return bsearch(w, stopwords, sizeof(stopwords) / sizeof(stopwords[0]), sizeof(stopwords[0]), cmp_stop) != NULL;
}

size_t utf8_to_cps(const char *s, size_t n, uint32_t *out, size_t cap)
{
	size_t pos = 0, k = 0;

	while (pos < n && k < cap) {
		int32_t cp = next_cp(s, n, &pos);

		out[k++] = cp < 0 ? 0xFFFD : (uint32_t)cp;
	}
	return k;
}

int typo_budget(size_t ncps)
{
	if (ncps >= 9)
		return 2;
	if (ncps >= 5)
		return 1;
	return 0;
}

int edit_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, int max)
{
	/* Three rows of the optimal-string-alignment matrix; words are short. */
	int rows[3][TOK_MAX + 2];
	int *pp = rows[0], *prev = rows[1], *cur = rows[2], *tmp;
	size_t i, j;

	if (na > TOK_MAX || nb > TOK_MAX)
		return max + 1;
	if ((na > nb ? na - nb : nb - na) > (size_t)max)
		return max + 1;
	for (j = 0; j <= nb; j++)
		prev[j] = (int)j;
	for (i = 1; i <= na; i++) {
		int best = (int)i;

		cur[0] = (int)i;
		for (j = 1; j <= nb; j++) {
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int v = prev[j - 1] + cost;

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
		tmp = pp;
		pp = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[nb] > max ? max + 1 : prev[nb];
}
