/* test_search_situations.c — search by life situation: the situations.tsv
 * parser (good lines, bad lines, limits), the ranking it gives (the
 * editor's order first, a card, rare actions held back, exact names
 * untouched), "did you mean" only for real words, type-ahead titles, and a
 * floor on both situation query sets. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/file.h"
#include "search/cli.h"
#include "search/internal.h"
#include "search/search.h"
#include "searchfix.h" /* after internal.h: its globals would shadow */

/* The dev set reached MRR@10 0.986 and the own set 1.000 when this floor
 * was set; room for small changes, not for regressions. */
#define FLOOR_SITUATION 0.93

static int setup(void **state)
{
	(void)state;
	return searchfix_setup();
}

static int teardown(void **state)
{
	(void)state;
	searchfix_teardown();
	return 0;
}

/* ---- the parser ---- */

static void bad(const char *text, size_t line, size_t field, const char *why)
{
	struct search_data_problem p;

	assert_int_equal(search_data_check(SEARCH_DATA_SITUATIONS, text, &p), -1);
	assert_int_equal(p.line, line);
	assert_int_equal(p.field, field);
	assert_non_null(p.why);
	assert_non_null(strstr(p.why, why));
}

static void test_parser_good(void **state)
{
	struct search_data_problem p;

	(void)state;
	assert_int_equal(search_data_check(SEARCH_DATA_SITUATIONS, "", &p), 0);
	assert_int_equal(
	    search_data_check(SEARCH_DATA_SITUATIONS,
			      "# comment\n\n"
			      "dzivnieki\tmajdzivnieka-registracija,majdzivnieka-pase\tnopirkt suns|kaķis\tgot "
			      "dog\r\n-\tpase\tpazaudēt pase\n!rare\tpase,eid-karte\n",
			      &p),
	    0);
	/* the shipped file reads */
	{
		char *text = NULL;
		size_t len;

		assert_int_equal(file_read("data/search/situations.tsv", 1 << 20, &text, &len), 0);
		assert_int_equal(search_data_check(SEARCH_DATA_SITUATIONS, text, &p), 0);
		free(text);
	}
}

static void test_parser_bad(void **state)
{
	char big[4096];
	size_t n = 0, i;

	(void)state;
	bad("ok\tpase\tx\nonly-two\tpase\n", 2, 0, "expected EVENT");
	bad("-\t\tx\n", 1, 2, "no service ids");
	bad("-\tpa se\tx\n", 1, 2, "holds a space");
	bad("-\tpase,,x\tx\n", 1, 2, "is empty");
	bad("\tpase\tx\n", 1, 1, "event id is empty");
	bad("-\tpase\ta|b|c|d|e\n", 1, 3, "more than 4 alternatives");
	bad("-\tpase\tx\tviens divi trīs četri pieci seši septiņi astoņi deviņi\n", 1, 4, "more than 8 words");
	bad("-\tpase\tx|\n", 1, 3, "an empty word");
	bad("-\tpase\tun\n", 1, 3, "an empty phrase"); /* only stopwords */
	bad("-\tpase\ta.b|x y\n", 1, 3, "not one word");
	bad("!rare\tpase\tx\n", 1, 0, "expected !rare");
	bad("!rare\t\n", 1, 2, "no service ids");
	/* limits: services of a rule, phrases of a rule, a phrase's bytes */
	n = (size_t)snprintf(big, sizeof(big), "-\t");
	for (i = 0; i < 33; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%sa%zu", i ? "," : "", i);
	snprintf(big + n, sizeof(big) - n, "\tx\n");
	bad(big, 1, 2, "more than 32 services");
	n = (size_t)snprintf(big, sizeof(big), "-\tpase");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "\tx%zu", i);
	bad(big, 1, 0, "more than 37 phrases");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "-\tpase\t", 7);
	bad(big, 1, 3, "too long");
}

static void test_parser_rules_limit(void **state)
{
	size_t cap = 2001 * 16 + 1, n = 0, i;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	for (i = 0; i < 2001; i++)
		n += (size_t)snprintf(text + n, cap - n, "-\tp\tw%zu\n", i % 10);
	bad(text, 2001, 0, "more than 2000");
	free(text);
}

/* ---- ranking ---- */

static const struct search_results *run(const char *q, struct arena *a)
{
	static struct search_results r;
	struct search_request rq = {0};

	rq.q = q;
	rq.limit = 10;
	assert_int_equal(search_run(idx, &rq, a, &r), SEARCH_OK);
	return &r;
}

static void first_is(const char *q, const char *id)
{
	struct arena *a = arena_new(0);
	const struct search_results *r = run(q, a);

	assert_true(r->nhits > 0);
	if (strcmp(r->hits[0].id, id) != 0)
		fail_msg("%s: first %s, want %s", q, r->hits[0].id, id);
	arena_free(a);
}

static void test_ranking(void **state)
{
	struct arena *a = arena_new(0);
	const struct search_results *r;

	(void)state;
	/* what happened, in Latvian and English, inflected and colloquial */
	first_is("pārvācos", "dzivesvietas-deklaresana");
	first_is("pārcēlos uz citu dzīvokli", "dzivesvietas-deklaresana");
	first_is("moved house", "dzivesvietas-deklaresana");
	first_is("zaudēju darbu", "bezdarbnieka-statuss");
	first_is("slēdzu savu firmu", "uznemuma-likvidacija");
	/* the card: the event and its counts from the catalog */
	r = run("piedzima bērns", a);
	assert_non_null(r->situation);
	assert_string_equal(r->situation->id, "berna-piedzimsana");
	assert_true(r->situation_services >= r->situation_online && r->situation_online > 0);
	assert_string_equal(r->hits[0].id, "dzimsanas-registracija");
	assert_null(r->suggestion);
	/* an exact service name is not a situation's business */
	first_is("Bērna piedzimšanas pabalsts", "berna-piedzimsanas-pabalsts");
	first_is("Pases saņemšana", "pase");
	/* a half-typed short word does not trigger a situation */
	first_is("izziņa par sod", "izzina-par-sodamibu");
	/* rare and destructive actions: not first for generic words, first when named */
	r = run("deklarētā dzīvesvieta", a);
	assert_string_not_equal(r->hits[0].id, "dzivesvietas-zinu-anulesana");
	first_is("dzīvesvietas ziņu anulēšana", "dzivesvietas-zinu-anulesana");
	/* no situation: no card */
	r = run("pase", a);
	assert_null(r->situation);
	arena_free(a);
}

static void test_situations_off(void **state)
{
	struct search_config sc = {.data_dir = "data/search", .flags = SEARCH_NO_SITUATIONS};
	const struct search_doc *docs;
	struct search_index *plain;
	struct search_request rq = {0};
	struct search_results r;
	struct err err = {0};
	struct arena *a = arena_new(0);
	size_t n;

	(void)state;
	docs = search_catalog_docs(cat, &n);
	plain = search_index_build(docs, n, &sc, &err);
	assert_non_null(plain);
	rq.q = "pārvācos";
	assert_int_equal(search_run(plain, &rq, a, &r), SEARCH_OK);
	assert_null(r.situation);
	assert_true(r.nhits == 0 || strcmp(r.hits[0].id, "dzivesvietas-deklaresana") != 0);
	search_index_free(plain);
	arena_free(a);
}

/* An editor's text in place of the file, through a retabled index. */
static void test_edited_text(void **state)
{
	struct search_config sc = {.data_dir = "data/search",
				   .situations = "dzivnieki\tmajdzivnieka-registracija\tzzvilkacilveks\n"};
	struct search_index *ed;
	struct search_request rq = {0};
	struct search_results r;
	struct search_stats st;
	struct err err = {0};
	struct arena *a = arena_new(0);

	(void)state;
	ed = search_index_retable(idx, &sc, &err);
	assert_non_null(ed);
	search_index_stats(ed, &st);
	assert_int_equal(st.situations, 1);
	rq.q = "zzvilkacilveks";
	assert_int_equal(search_run(ed, &rq, a, &r), SEARCH_OK);
	assert_int_equal(r.nhits, 1);
	assert_string_equal(r.hits[0].id, "majdzivnieka-registracija");
	assert_string_equal(r.situation->id, "dzivnieki");
	search_index_free(ed);
	/* bad text: no index, the line in the message */
	sc.situations = "x\n";
	assert_null(search_index_retable(idx, &sc, &err));
	assert_non_null(strstr(err.msg, ":1:"));
	arena_free(a);
}

static void test_suggestion_real_words(void **state)
{
	struct arena *a = arena_new(0);
	const struct search_results *r;

	(void)state;
	r = run("pārcēlos uz citu dzīvokli", a);
	assert_null(r->suggestion); /* was "parcels uz citu dzīvoklī" */
	r = run("dzīvokli dzīvokli", a);
	assert_null(r->suggestion); /* typed diacritics are not "restored" */
	r = run("izziņa par sodāmbu", a);
	assert_non_null(r->suggestion);
	assert_string_equal(r->suggestion, "izziņa par sodāmību");
	r = run(r->suggestion, a);
	assert_true(r->total > 0);
	arena_free(a);
}

static void test_complete_titles(void **state)
{
	struct arena *a = arena_new(0);
	const char *const *c;
	size_t n, i, j;
	const struct search_doc *docs;
	size_t nd;

	(void)state;
	docs = search_catalog_docs(cat, &nd);
	assert_int_equal(search_complete(idx, "pazaudēju pas", 8, 0, a, &c, &n), SEARCH_OK);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		int found = 0;

		for (j = 0; j < nd && !found; j++)
			found = docs[j].title_lv && strcmp(docs[j].title_lv, c[i]) == 0;
		if (!found)
			fail_msg("\"%s\" is not a service title", c[i]);
	}
	assert_int_equal(search_complete(idx, "pase ", 8, 0, a, &c, &n), SEARCH_OK);
	assert_int_equal(n, 0);
	arena_free(a);
}

/* ---- quality floor ---- */

static void floor_in(const struct search_index *in, const char *path)
{
	struct search_eval ev;
	struct err err = {0};
	size_t i;

	assert_int_equal(search_eval_index(in, path, 0, &ev, &err), 0);
	for (i = 0; i < ev.nrows; i++)
		if (strcmp(ev.rows[i].cls, "situation") == 0) {
			if (ev.rows[i].mrr10 < FLOOR_SITUATION)
				fail_msg("%s: situation MRR@10 %.3f below %.2f", path, ev.rows[i].mrr10,
					 FLOOR_SITUATION);
			return;
		}
	fail_msg("%s: no situation class", path);
}

static void test_floor(void **state)
{
	char dev[1024];

	(void)state;
	snprintf(dev, sizeof(dev), "%s/testdata/catalog-lv/queries-situations-dev.tsv", test_shared_dir());
	floor_in(idx, dev);
	floor_in(idx, "tests/data/queries-situations-own.tsv");
}

/* The same rules serve the demo catalog (data/catalog.jsonld, ids lv-...):
 * a rule lists each catalog's services and events. */
static void test_floor_demo(void **state)
{
	struct search_config sc = {.data_dir = "data/search"};
	struct search_catalog *demo;
	struct search_index *di;
	const struct search_doc *docs;
	struct err err = {0};
	size_t n;

	(void)state;
	demo = search_catalog_load("data/catalog.jsonld", &err);
	if (!demo)
		fail_msg("%s", err.msg);
	docs = search_catalog_docs(demo, &n);
	di = search_index_build(docs, n, &sc, &err);
	if (!di)
		fail_msg("%s", err.msg);
	floor_in(di, "tests/data/queries-situations-demo.tsv");
	search_index_free(di);
	search_catalog_free(demo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parser_good),
	    cmocka_unit_test(test_parser_bad),
	    cmocka_unit_test(test_parser_rules_limit),
	    cmocka_unit_test(test_ranking),
	    cmocka_unit_test(test_situations_off),
	    cmocka_unit_test(test_edited_text),
	    cmocka_unit_test(test_suggestion_real_words),
	    cmocka_unit_test(test_complete_titles),
	    cmocka_unit_test(test_floor),
	    cmocka_unit_test(test_floor_demo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
