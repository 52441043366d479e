/* collate.h — sorting names the way Latvian readers expect.
 *
 * The Unicode Collation Algorithm's order with CLDR's Latvian tailoring as
 * ICU applies it: ā č ē ģ ī ķ ļ ņ ō ŗ š ū ž are letters of their own, each
 * right after its base letter, and y comes between i and ī; other accents
 * (ä, é, ö, ü …) only decide between words that are otherwise equal. This
 * holds for the characters names of Latvian institutions and services are
 * written in: Latin letters with their accents, digits, spaces and punctuation. Three levels as in
 * the UCA: letters, then accents, then case; spaces and punctuation count
 * (CLDR's non-ignorable default) and sort before digits in the root
 * collation's order, digits before letters; any other character sorts
 * after the Latin letters by code point. tests/e2e/collate.test.js holds it
 * against ICU's "lv" collation (Node's Intl.Collator).
 * Used for every list a person reads in alphabetical order; the C library's
 * strcoll() cannot be relied on (epak runs in C.UTF-8, and lv_LV locales
 * are rarely installed on servers). */
#ifndef EPAK_COLLATE_H
#define EPAK_COLLATE_H

/* <0, 0 or >0 like strcmp; equal only for equal strings. a and b are UTF-8
 * (invalid bytes sort as themselves, after everything else). */
int lv_collate(const char *a, const char *b);

#endif
