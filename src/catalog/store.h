/* store.h — the catalog in the database (tables of migration 3).
 *
 * catalog_import() stores parsed documents in one transaction: a node
 * (keyed by IRI) whose content hash is unchanged is not written at all; a
 * changed one is updated in place; a node that none of the imported files
 * holds any more is deleted. When anything changed, revision goes up by one
 * and the whole catalog is built from the database before the commit, so an
 * import never leaves a catalog the read model cannot load. Re-importing
 * the same file therefore changes nothing, not even the revision.
 *
 * The back office (issue 11) writes single nodes with catalog_put_in_tx():
 * from then on the back office owns that node (table catalog_office) and
 * an import neither overwrites nor removes it; it counts it as kept.
 */
#ifndef EPAK_CATALOG_STORE_H
#define EPAK_CATALOG_STORE_H

#include <stddef.h>

#include "catalog/jsonld.h"
#include "catalog/model.h"

struct db;

/* kept: in the file, but edited in the back office (catalog_put_in_tx),
 * whose version stays. */
struct import_counts {
	unsigned long added, updated, unchanged, removed, kept;
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

/* ---- the back office: one node at a time, inside the caller's transaction ---- */

/* The catalog as it would be with rec in place of the node of the same IRI
 * (or added): every stored node that is not a service, then rec when it is
 * a service. This is the import's validation for one node (a service's
 * authority, events and contact points must exist) at a cost independent
 * of the number of services, and a preview's catalog (the one service in
 * it is rec). db may be inside a transaction. NULL with err on error. */
struct catalog *catalog_with_record(struct db *db, const struct cat_record *rec, struct err *err);

/* Writes rec (a service or another top-level node) as the back office's
 * version: checks it with catalog_with_record(), inserts or updates the
 * node, marks it owned by the back office, and moves the revision (so
 * every node's read model rebuilds). Must run inside db_tx(); *revision
 * (may be NULL) gets the new revision. 0, or -1 with err (ERR_VALIDATION
 * naming the property when the record does not build). */
int catalog_put_in_tx(struct db *db, const struct cat_record *rec, long long *revision, struct err *err);

/* Removes the node of iri from the published catalog (a withdrawn
 * service): the node goes, the back office keeps owning the IRI so an
 * import does not bring it back, the revision moves. Inside db_tx(). 0
 * (also when there was no such node), -1 with err. */
int catalog_drop_in_tx(struct db *db, const char *iri, long long *revision, struct err *err);

/* The stored body (canonical expanded JSON-LD) of the node of iri, malloc'd
 * into *body; 0, 1 when there is none (*body NULL), -1 with err. */
int catalog_record_body(struct db *db, const char *iri, char **body, struct err *err);

/* ---- a few edits on top of a catalog a reader already has ---- */

/* At most this many back-office revisions are applied as changes; more
 * mean a whole rebuild. */
#define CATALOG_CHANGES_MAX 1000

struct catalog_changes {
	long long revision;  /* the revision they bring the catalog to */
	struct catalog *cat; /* every node that is not a service, and the changed services */
	char **gone;         /* IRIs of services withdrawn since */
	size_t ngone;
};

/* What the back office changed after revision since, when every revision
 * since then was a back-office edit (catalog_put_in_tx or
 * catalog_drop_in_tx) and there are at most CATALOG_CHANGES_MAX of them: 0
 * with out filled (free with catalog_changes_free). 1 when a whole rebuild
 * is needed (an import, another kind of change, too many), -1 with err. */
int catalog_load_changes(struct db *db, long long since, struct catalog_changes *out, struct err *err);
void catalog_changes_free(struct catalog_changes *c);
/* Forgets the record of back-office changes made before the time before. */
int catalog_changes_purge(struct db *db, long long before);

/* The current revision (the counter every published change moves). */
int catalog_revision(struct db *db, long long *out);

/* Calls cb for every stored node, the nodes that are not services first,
 * each group ordered by IRI, inside one read transaction. A non-zero return
 * from cb stops and is returned. */
int catalog_each_record(struct db *db, int (*cb)(void *cls, const char *iri, const char *kind, const char *body),
			void *cls, struct err *err);

#endif
