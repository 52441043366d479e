/* export.h — writing the catalog as CPSV-AP 3.2.0 JSON-LD.
 *
 * The whole catalog (epak export) is written from the stored records, so
 * whatever was imported goes out again, properties epak does not model
 * included. On the way out the document is made to conform to the official
 * SHACL shapes (semic-cpsv-ap-SHACL.ttl): nodes get the types the shapes ask
 * for (organisations also org:Organization, events also cv:Event, concepts,
 * places and pages as typed nodes), parts without dct:identifier get the one
 * epak derives, plain text gets a language tag ("und" when unknown), and
 * literals where the shapes want a node become that node (a URL, or epak's
 * channel type and audience concepts). What cannot be repaired (a link to
 * an event that is not in the catalog, say) is left out and reported
 * through the warning callback. docs/catalog.md lists every rule.
 *
 * A single service (the service page's JSON-LD) is written from the
 * in-memory catalog: what epak models of the service and of the nodes it
 * links to, with the same repairs.
 */
#ifndef EPAK_CATALOG_EXPORT_H
#define EPAK_CATALOG_EXPORT_H

#include "catalog/jsonld.h"
#include "catalog/model.h"

struct buf;
struct db;

typedef void (*export_warn_fn)(void *cls, const char *msg);

/* The whole stored catalog into out (appended). 0, or -1 with err. */
int catalog_export(struct db *db, struct buf *out, export_warn_fn warn, void *cls, struct err *err);

/* The same for records in memory (tests, the fuzzer). */
int catalog_export_doc(const struct cat_doc *doc, struct buf *out, export_warn_fn warn, void *cls, struct err *err);

/* One service and the nodes it links to, as a JSON-LD document. */
int catalog_service_jsonld(const struct catalog *c, const struct service *s, struct buf *out);

#endif
