/* docs.h — the one mapping of the catalog's services to search documents.
 *
 * The server's read model (web/snapshot.c), `epak search-eval`, `epak
 * search`, `epak search-complete`, `epak search-bench` and the unit tests
 * all build their index from documents made here, so the published search
 * figures are measured on what serves people (docs/decisions.md, "The
 * search reads the catalog model"). Per service:
 *
 *   id              dct:identifier
 *   url             "/pakalpojumi/" + the service's slug
 *   title, description  Latvian (else the catalog's fallback: English,
 *                   untagged, the first) and exactly English
 *   keywords        every dcat:keyword, whatever its language
 *   institution     the competent authority: slug, Latvian and English name;
 *                   its abbreviation is its first skos:altLabel (none when
 *                   it has none: no abbreviation is guessed from the slug)
 *   events          cv:isGroupedBy: slug, Latvian and English title
 *   eservice        epak:eService true
 *
 * in the catalog's order (by slug). The documents borrow the catalog's
 * strings: the catalog must outlive them and any index built from them.
 */
#ifndef EPAK_SEARCH_DOCS_H
#define EPAK_SEARCH_DOCS_H

#include <stddef.h>

#include "search/search.h"

struct catalog;

/* The documents of a catalog's services, and the memory they point into. */
struct search_docs {
	struct search_doc *v; /* one per service, c->services' order */
	size_t n;
	char *urls;                  /* the page paths (an index borrows them) */
	struct search_label *labels; /* every document's events */
	const char **keywords;       /* every document's keyword pointers */
};

/* Maps every service of c. 0, or -1 with err ("out of memory"); *out is
 * zeroed on failure. Free with search_docs_free. */
int search_docs_build(const struct catalog *c, struct search_docs *out, struct err *err);
void search_docs_free(struct search_docs *d);

/* The index of c's services, for the read model: builds the documents,
 * the index, and frees what the index does not borrow. The index borrows
 * the catalog's strings and the page paths, returned in *urls (free(): after
 * search_index_free, before catalog_free or after). NULL with err on
 * failure (*urls untouched). */
struct search_index *search_index_of_catalog(const struct catalog *c, const struct search_config *cfg, char **urls,
					     struct err *err);

/* A catalog file (JSON-LD or Turtle, read as `epak import` reads it) and its
 * documents, for the commands, the benchmark and the tests. */
struct search_catalog;
struct search_catalog *search_catalog_load(const char *path, struct err *err);
const struct search_doc *search_catalog_docs(const struct search_catalog *c, size_t *n);
void search_catalog_free(struct search_catalog *c);

#endif
