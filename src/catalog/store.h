/* store.h — the catalog in the database (tables of migration 3).
 *
 * catalog_import() stores parsed documents in one transaction: a node
 * (keyed by IRI) whose content hash is unchanged is not written at all; a
 * changed one is updated in place; a node that none of the imported files
 * holds any more is deleted. When anything changed, revision goes up by one
 * and the whole catalog is built from the database before the commit, so an
 * import never leaves a catalog the read model cannot load. Re-importing
 * the same file therefore changes nothing, not even the revision.
 */
#ifndef EPAK_CATALOG_STORE_H
#define EPAK_CATALOG_STORE_H

#include <stddef.h>

#include "catalog/jsonld.h"
#include "catalog/model.h"

struct db;

struct import_counts {
	unsigned long added, updated, unchanged, removed;
};

/* What one imported file changed: per kind of node, and in all. */
struct import_stats {
	struct import_counts kind[CAT_NKINDS];
	struct import_counts all;
};

/* Imports n documents, docs[i] read from sources[i] (a stable name for the
 * file: its absolute path). stats (n of them) and *revision (the revision
 * after the import) may be NULL. 0 on success; else -1 with err->msg, and
 * the database is as it was. */
int catalog_import(struct db *db, struct cat_doc *const *docs, const char *const *sources, size_t n,
		   struct import_stats *stats, long long *revision, struct err *err);

/* Builds the in-memory catalog from the database, at one consistent
 * revision (c->revision). NULL on error (err may be NULL). */
struct catalog *catalog_load(struct db *db, struct err *err);
/* The same, refusing (an error, never an abort) a catalog that needs more
 * than max_bytes of memory (catalog-max-bytes; catalog_load: the default,
 * CATALOG_MAX_BYTES). */
struct catalog *catalog_load_max(struct db *db, size_t max_bytes, struct err *err);

/* The current revision (the counter every published change moves). */
int catalog_revision(struct db *db, long long *out);

/* Calls cb for every stored node, the nodes that are not services first,
 * each group ordered by IRI, inside one read transaction. A non-zero return
 * from cb stops and is returned. */
int catalog_each_record(struct db *db, int (*cb)(void *cls, const char *iri, const char *kind, const char *body),
			void *cls, struct err *err);

#endif
