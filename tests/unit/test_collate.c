/* test_collate.c — Latvian alphabetical order. Every list here is in the
 * order ICU 78's "lv" collation gives (checked with Node's Intl.Collator);
 * tests/e2e/collate.test.js compares the portal's lists with ICU itself. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/collate.h"

static int cmp(const void *a, const void *b)
{
	return lv_collate(*(const char *const *)a, *(const char *const *)b);
}

static void in_order(const char *const *want, size_t n)
{
	const char **v = malloc(n * sizeof(*v));
	size_t i;

	assert_non_null(v);
	/* reversed, then sorted, must come back as given */
	for (i = 0; i < n; i++)
		v[i] = want[n - 1 - i];
	qsort(v, n, sizeof(*v), cmp);
	for (i = 0; i < n; i++)
		assert_string_equal(v[i], want[i]);
	for (i = 0; i + 1 < n; i++) {
		assert_true(lv_collate(want[i], want[i + 1]) < 0);
		assert_true(lv_collate(want[i + 1], want[i]) > 0);
	}
	free(v);
}

#define IN_ORDER(...)                                                                                                  \
	do {                                                                                                           \
		static const char *const w_[] = {__VA_ARGS__};                                                         \
		in_order(w_, sizeof(w_) / sizeof(w_[0]));                                                              \
	} while (0)

static void letters_with_caron_and_cedilla_are_letters_of_their_own(void **state)
{
	(void)state;
	IN_ORDER("cilvēks", "czar", "čaula", "dārzs");
	IN_ORDER("gulbis", "ģimene", "hercogs");
	IN_ORDER("kuģis", "ķirbis", "lapa", "ļaudis", "mežs");
	IN_ORDER("nams", "nz", "ņaudēt", "ola");
	IN_ORDER("rz", "ŗ", "sala", "sz", "šalle", "tauta");
	IN_ORDER("zvaigzne", "žagata");
	IN_ORDER("Cēsu novads", "Čaka iela", "Daugavpils");
}

static void long_vowels_are_letters_of_their_own(void **state)
{
	(void)state;
	IN_ORDER("Aizkraukles novads", "Alūksnes novads", "Ādažu novads", "Balvu novads");
	IN_ORDER("mala", "malas", "māla");
	IN_ORDER("ezers", "ēka", "fakts");
	IN_ORDER("ia", "iz", "ya", "yz", "īa", "ja");
	IN_ORDER("oz", "ōa", "pa");
	IN_ORDER("uz", "ūdens", "vai");
}

static void other_accents_decide_only_between_equal_words(void **state)
{
	(void)state;
	IN_ORDER("az", "äz", "āa");
	IN_ORDER("ez", "éz", "ēa");
	IN_ORDER("oz", "öz", "ōa");
	IN_ORDER("uz", "üz", "ūa");
}

static void case_comes_after_accents(void **state)
{
	(void)state;
	IN_ORDER("riga", "Riga", "rīga", "Rīga");
	IN_ORDER("mala", "Mala", "malas");
	IN_ORDER("vid", "VID");
}

static void spaces_and_punctuation_before_digits_before_letters(void **state)
{
	(void)state;
	IN_ORDER("Valsts kase", "Valsts-kase", "Valsts2", "Valstsa");
	IN_ORDER(" a", "_a", "-a",
		 "\xe2\x80\x93"
		 "a",
		 ",a", ";a", ":a", "!a", "?a", ".a", "'a", "\"a",
		 "\xe2\x80\x9c"
		 "a",
		 "\xe2\x80\x9e"
		 "a",
		 "\xc2\xab"
		 "a",
		 "(a", ")a", "[a", "]a", "{a", "}a", "@a", "*a", "/a", "\\a", "&a", "#a", "%a", "`a", "^a", "+a", "<a",
		 "=a", ">a", "|a", "~a", "$a", "1a", "a");
	IN_ORDER("10", "9"); /* digit by digit, as the UCA does */
	IN_ORDER("a", "ab", "abc");
}

static void other_scripts_and_bad_bytes_after_latin(void **state)
{
	(void)state;
	IN_ORDER("žurnāls", "Ωmega", "Рига", "\xff");
	assert_int_equal(lv_collate("", ""), 0);
	assert_int_equal(lv_collate("Rīga", "Rīga"), 0);
	assert_true(lv_collate("", "a") < 0);
	/* truncated sequences are read byte by byte, never past the end */
	assert_true(lv_collate("a\xc4", "a") > 0);
	assert_true(lv_collate("\xf0\x9f", "\xf0\x9f\x98") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(letters_with_caron_and_cedilla_are_letters_of_their_own),
	    cmocka_unit_test(long_vowels_are_letters_of_their_own),
	    cmocka_unit_test(other_accents_decide_only_between_equal_words),
	    cmocka_unit_test(case_comes_after_accents),
	    cmocka_unit_test(spaces_and_punctuation_before_digits_before_letters),
	    cmocka_unit_test(other_scripts_and_bad_bytes_after_latin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
