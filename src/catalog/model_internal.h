/* model_internal.h — the catalog's private lookup tables, shared by the
 * builder (model.c), which fills them, and the readers (lookup.c). */
#ifndef EPAK_CATALOG_MODEL_INTERNAL_H
#define EPAK_CATALOG_MODEL_INTERNAL_H

#include <stddef.h>

#include "catalog/model.h"

struct catalog_index {
	struct arena *a;
	const struct service **by_id;  /* sorted by identifier */
	const struct service **by_iri; /* services with an IRI, sorted by IRI */
	size_t nby_iri;
	const struct organisation **orgs_by_iri;
	size_t norgs_by_iri;
};

#endif
