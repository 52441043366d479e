/* collate.c — Latvian alphabetical order (see collate.h). */
#include <string.h>

#include "core/collate.h"
#include "core/utf8.h"

/* Spaces and punctuation in the order of the UCA root collation (spaces,
 * punctuation, symbols, currency), all before digits; other spaces and
 * signs of Latin-1 and General Punctuation follow them. */
static const unsigned short punct_order[] = {
    '\t',   '\n',   '\v',   '\f', '\r', ' ', '_',    '-',  0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015,
    ',',    ';',    ':',    '!',  '?',  '.', 0x2026, '\'', 0x2018, 0x2019, 0x201A, 0x201B, '"',    0x201C,
    0x201D, 0x201E, 0x201F, 0xAB, 0xBB, '(', ')',    '[',  ']',    '{',    '}',    '@',    '*',    '/',
    '\\',   '&',    '#',    '%',  '`',  '^', '+',    '<',  '=',    '>',    '|',    '~',    '$',
};

/* Latin-1 Supplement and Latin Extended-A: the base letter and the accent
 * (the combining mark of its canonical decomposition; small numbers for
 * letters without one, such as ß or ø), from Unicode's data. */
static const struct {
	char base;
	unsigned short mark;
} latin[0x180 - 0xC0] = {
    {'A', 0x300}, {'A', 0x301}, {'A', 0x302}, {'A', 0x303}, {'A', 0x308}, {'A', 0x30a}, {'A', 0x002}, {'C', 0x327},
    {'E', 0x300}, {'E', 0x301}, {'E', 0x302}, {'E', 0x308}, {'I', 0x300}, {'I', 0x301}, {'I', 0x302}, {'I', 0x308},
    {'D', 0x005}, {'N', 0x303}, {'O', 0x300}, {'O', 0x301}, {'O', 0x302}, {'O', 0x303}, {'O', 0x308}, {0, 0},
    {'O', 0x338}, {'U', 0x300}, {'U', 0x301}, {'U', 0x302}, {'U', 0x308}, {'Y', 0x301}, {'T', 0x004}, {'s', 0x001},
    {'a', 0x300}, {'a', 0x301}, {'a', 0x302}, {'a', 0x303}, {'a', 0x308}, {'a', 0x30a}, {'a', 0x002}, {'c', 0x327},
    {'e', 0x300}, {'e', 0x301}, {'e', 0x302}, {'e', 0x308}, {'i', 0x300}, {'i', 0x301}, {'i', 0x302}, {'i', 0x308},
    {'d', 0x005}, {'n', 0x303}, {'o', 0x300}, {'o', 0x301}, {'o', 0x302}, {'o', 0x303}, {'o', 0x308}, {0, 0},
    {'o', 0x338}, {'u', 0x300}, {'u', 0x301}, {'u', 0x302}, {'u', 0x308}, {'y', 0x301}, {'t', 0x004}, {'y', 0x308},
    {'A', 0x304}, {'a', 0x304}, {'A', 0x306}, {'a', 0x306}, {'A', 0x328}, {'a', 0x328}, {'C', 0x301}, {'c', 0x301},
    {'C', 0x302}, {'c', 0x302}, {'C', 0x307}, {'c', 0x307}, {'C', 0x30c}, {'c', 0x30c}, {'D', 0x30c}, {'d', 0x30c},
    {'D', 0x335}, {'d', 0x335}, {'E', 0x304}, {'e', 0x304}, {'E', 0x306}, {'e', 0x306}, {'E', 0x307}, {'e', 0x307},
    {'E', 0x328}, {'e', 0x328}, {'E', 0x30c}, {'e', 0x30c}, {'G', 0x302}, {'g', 0x302}, {'G', 0x306}, {'g', 0x306},
    {'G', 0x307}, {'g', 0x307}, {'G', 0x327}, {'g', 0x327}, {'H', 0x302}, {'h', 0x302}, {'H', 0x335}, {'h', 0x335},
    {'I', 0x303}, {'i', 0x303}, {'I', 0x304}, {'i', 0x304}, {'I', 0x306}, {'i', 0x306}, {'I', 0x328}, {'i', 0x328},
    {'I', 0x307}, {'i', 0x003}, {'I', 0x002}, {'i', 0x002}, {'J', 0x302}, {'j', 0x302}, {'K', 0x327}, {'k', 0x327},
    {'k', 0x007}, {'L', 0x301}, {'l', 0x301}, {'L', 0x327}, {'l', 0x327}, {'L', 0x30c}, {'l', 0x30c}, {'L', 0x0b7},
    {'l', 0x0b7}, {'L', 0x335}, {'l', 0x335}, {'N', 0x301}, {'n', 0x301}, {'N', 0x327}, {'n', 0x327}, {'N', 0x30c},
    {'n', 0x30c}, {'n', 0x008}, {'N', 0x006}, {'n', 0x006}, {'O', 0x304}, {'o', 0x304}, {'O', 0x306}, {'o', 0x306},
    {'O', 0x30b}, {'o', 0x30b}, {'O', 0x002}, {'o', 0x002}, {'R', 0x301}, {'r', 0x301}, {'R', 0x327}, {'r', 0x327},
    {'R', 0x30c}, {'r', 0x30c}, {'S', 0x301}, {'s', 0x301}, {'S', 0x302}, {'s', 0x302}, {'S', 0x327}, {'s', 0x327},
    {'S', 0x30c}, {'s', 0x30c}, {'T', 0x327}, {'t', 0x327}, {'T', 0x30c}, {'t', 0x30c}, {0, 0},       {0, 0},
    {'U', 0x303}, {'u', 0x303}, {'U', 0x304}, {'u', 0x304}, {'U', 0x306}, {'u', 0x306}, {'U', 0x30a}, {'u', 0x30a},
    {'U', 0x30b}, {'u', 0x30b}, {'U', 0x328}, {'u', 0x328}, {'W', 0x302}, {'w', 0x302}, {'Y', 0x302}, {'y', 0x302},
    {'Y', 0x308}, {'Z', 0x301}, {'z', 0x301}, {'Z', 0x307}, {'z', 0x307}, {'Z', 0x30c}, {'z', 0x30c}, {'s', 0x009},
};

enum { PRI_PUNCT = 1, PRI_DIGIT = 0x200, PRI_LETTER = 0x300, PRI_OTHER = 0x1000 };

/* The Latvian alphabet: a ā b c č d e ē f g ģ h i y ī j k ķ l ļ m n ņ o ō
 * p q r ŗ s š t u ū v w x z ž. Each ASCII letter gets four steps: the
 * letter, y after i, and the letter of its own with a macron, caron or
 * cedilla. */
static unsigned letter_primary(char lower)
{
	if (lower == 'y')
		return PRI_LETTER + 4u * (unsigned)('i' - 'a') + 1;
	return PRI_LETTER + 4u * (unsigned)(lower - 'a' - (lower > 'y'));
}

struct ce {
	unsigned primary;
	unsigned secondary;
	unsigned tertiary;
};

/* Decodes one UTF-8 character at *p (advancing it); -1 for a byte that does
 * not start a well-formed sequence (taken alone). */
static long next_cp(const unsigned char **p)
{
	uint32_t cp;
	int k = utf8_decode(*p, strnlen((const char *)*p, 4), &cp);

	if (k < 0) {
		*p += 1;
		return -1;
	}
	*p += k;
	return (long)cp;
}

/* The letters with a macron, caron or cedilla that are letters of their
 * own: ā ē ī ō ū, č š ž, ģ ķ ļ ņ ŗ. */
static int own_letter(char lower, unsigned mark)
{
	if (mark == 0x304)
		return strchr("aeiou", lower) != NULL;
	if (mark == 0x30C)
		return lower == 'c' || lower == 's' || lower == 'z';
	if (mark == 0x327)
		return lower == 'g' || lower == 'k' || lower == 'l' || lower == 'n' || lower == 'r';
	return 0;
}

static unsigned punct_primary(long cp)
{
	size_t i;

	if (cp == 0xA0)
		cp = ' ';
	for (i = 0; i < sizeof(punct_order) / sizeof(punct_order[0]); i++)
		if (punct_order[i] == cp)
			return PRI_PUNCT + (unsigned)i;
	return PRI_PUNCT + 0x40 + (unsigned)(cp < 0x80 ? cp : cp < 0x100 ? cp - 0x20 : cp - 0x2000 + 0xE0);
}

static void weigh(long cp, struct ce *ce)
{
	ce->secondary = 0;
	ce->tertiary = 0;
	if (cp < 0) {
		ce->primary = PRI_OTHER + 0x110000u;
	} else if (cp >= '0' && cp <= '9') {
		ce->primary = PRI_DIGIT + (unsigned)(cp - '0');
	} else if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
		char lower = (char)(cp | 0x20);

		ce->tertiary = cp < 'a';
		ce->primary = letter_primary(lower);
	} else if (cp < 0x80 || (cp >= 0xA0 && cp < 0xC0) || cp == 0xD7 || cp == 0xF7 ||
		   (cp >= 0x2000 && cp < 0x2070)) {
		ce->primary = punct_primary(cp);
	} else if (cp >= 0xC0 && cp < 0x180 && latin[cp - 0xC0].base) {
		char base = latin[cp - 0xC0].base, lower = (char)(base | 0x20);
		unsigned mark = latin[cp - 0xC0].mark;

		ce->tertiary = base < 'a';
		ce->primary = letter_primary(lower);
		ce->secondary = mark;
		if (own_letter(lower, mark)) {
			ce->primary += 2;
			ce->secondary = 0;
		}
	} else {
		ce->primary = PRI_OTHER + (unsigned)cp;
	}
}

/* Compares at one level: 0 letters, 1 accents, 2 case. */
static int compare_level(const char *a, const char *b, int level)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	struct ce x, y;
	unsigned wx, wy;

	for (;;) {
		if (!*p || !*q)
			return (*p != 0) - (*q != 0);
		weigh(next_cp(&p), &x);
		weigh(next_cp(&q), &y);
		wx = level == 0 ? x.primary : level == 1 ? x.secondary : x.tertiary;
		wy = level == 0 ? y.primary : level == 1 ? y.secondary : y.tertiary;
		if (wx != wy)
			return wx < wy ? -1 : 1;
	}
}

int lv_collate(const char *a, const char *b)
{
	int level, c;

	for (level = 0; level < 3; level++) {
		c = compare_level(a, b, level);
		if (c)
			return c;
	}
	return strcmp(a, b);
}
