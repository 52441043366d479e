/* versions.h — every saved state of a service the back office edits, and
 * what saving means (issue 11 point 2).
 *
 * A service's versions are numbered 1, 2, ... per service; each holds the
 * whole service form (edit.h) as canonical JSON, who saved it and when,
 * and its state: draft (saved, not public), pending (waiting for an
 * administrator's approval), returned (sent back with a comment),
 * published (what the public pages show, or showed). The first edit of an
 * imported service first records the imported state as version 1, so
 * every difference has something to compare with.
 *
 * Saving is optimistic: the editor's form carries the number of the latest
 * version it was opened at (base); when another version was saved since,
 * nothing is written and the caller shows both (SVC_CONFLICT).
 */
#ifndef EPAK_CATALOG_VERSIONS_H
#define EPAK_CATALOG_VERSIONS_H

#include <jansson.h>

#include "catalog/edit.h"
#include "core/err.h"

struct db;

enum svc_action {
	SVC_DRAFT,   /* keep as a draft */
	SVC_PUBLISH, /* publish now; when the institution needs approval and the person is
			no administrator: becomes pending instead */
	SVC_WITHDRAW /* take the service off the public pages (a version records it) */
};

enum svc_result {
	SVC_SAVED,     /* a draft version was written */
	SVC_PUBLISHED, /* written and published: the revision moved */
	SVC_PENDING,   /* written, waiting for approval */
	SVC_WITHDRAWN, /* off the public pages */
	SVC_CONFLICT,  /* another version was saved after base: nothing written */
	SVC_INVALID    /* the record does not build (err says why): nothing written */
};

struct svc_save {
	const char *iri;         /* the service's IRI (a new one: made from the form's identifier) */
	const char *institution; /* the authority's slug (checked by the caller against the person) */
	const json_t *form;      /* checked with svc_form_check() by the caller */
	long long base;          /* the latest version number when the form was opened (0: none yet) */
	long long account;       /* who saves */
	int admin;               /* the person is an administrator (needs no approval) */
	enum svc_action action;
	const char *imported_body; /* the stored body before the first edit (for version 1), or NULL */
};

struct svc_saved {
	enum svc_result result;
	long long version;  /* the version written (or, on conflict, the latest one) */
	long long revision; /* the catalog revision after a publish */
	json_t *theirs;     /* SVC_CONFLICT: the latest version's form (caller decrefs) */
};

/* Saves in one transaction (the version, and on publish the catalog node
 * via catalog_put_in_tx). 0 with out->result, or -1 with err (database). */
int svc_save(struct db *db, const struct svc_save *in, struct svc_saved *out, struct err *err);

#endif
