/* searchfix.h — the fixture the search tests share: the reference catalog
 * (../shared/testdata/catalog-lv) indexed with the shipped data/search. */
#ifndef EPAK_TEST_SEARCHFIX_H
#define EPAK_TEST_SEARCHFIX_H

#include <stdio.h>

#include "search/cli.h"
#include "search/search.h"
#include "testutil.h"

static struct search_catalog *cat;
static struct search_index *idx;
static char catalog_path[1024];

static int searchfix_setup(void)
{
	struct search_config sc = {.data_dir = "data/search"};
	const struct search_doc *docs;
	struct err err = {0};
	size_t n;

	snprintf(catalog_path, sizeof(catalog_path), "%s/testdata/catalog-lv/catalog.jsonld", test_shared_dir());
	cat = search_catalog_load(catalog_path, &err);
	if (!cat) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	docs = search_catalog_docs(cat, &n);
	idx = search_index_build(docs, n, &sc, &err);
	if (!idx) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static void searchfix_teardown(void)
{
	search_index_free(idx);
	search_catalog_free(cat);
}

#endif
