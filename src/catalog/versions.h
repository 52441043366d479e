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
struct catalog;

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
	const json_t *form;      /* checked with svc_form_check() by the caller (NULL with restore) */
	long long base;          /* the latest version number when the form was opened (0: none yet) */
	long long account;       /* who saves */
	int admin;               /* the person is an administrator (needs no approval) */
	enum svc_action action;
	long long restore;             /* not 0: the form is this version's (form is ignored); recorded as restored */
	const struct catalog *catalog; /* the published catalog (the caller's snapshot): turns the form's
					  slugs into IRIs when publishing a service that has no stored node */
};

struct svc_saved {
	enum svc_result result;
	long long version;  /* the version written (or, on conflict, the latest one) */
	long long revision; /* the catalog revision after a publish */
	json_t *theirs;     /* SVC_CONFLICT: the latest version's form (caller decrefs) */
};

/* Saves in one transaction (the version, and on publish the catalog node
 * via catalog_put_in_tx). 0 with out->result (SVC_INVALID: err says why,
 * ERR_VALIDATION), or -1 with err (database).
 *
 * The first save of a service that is in the catalog but has no version
 * yet first records the stored node's form (svc_form_from_service of the
 * node as stored, read inside the same transaction) as version 1,
 * "published", by account 0 (the import). Two saves from one base: the
 * first wins, the second gets SVC_CONFLICT on both engines (the versions'
 * primary key (iri, number) and the serializable transaction). */
int svc_save(struct db *db, const struct svc_save *in, struct svc_saved *out, struct err *err);

/* The stored record form makes for the service of iri (svc_form_to_record
 * against the node as stored now: what the form leaves unchanged keeps the
 * stored values). c (the published catalog) is used only when nothing is
 * stored yet (a new or withdrawn service). 0, or -1 with err. Free with
 * cat_record_clear(). The preview uses it too. */
int svc_record_of(struct db *db, const struct catalog *c, const char *iri, const json_t *form, struct cat_record *out,
		  struct err *err);

/* ---- reading versions, and the administrator's review ---- */

enum svc_state { SVC_STATE_DRAFT, SVC_STATE_PENDING, SVC_STATE_RETURNED, SVC_STATE_PUBLISHED, SVC_STATE_WITHDRAWN };

const char *svc_state_name(enum svc_state s); /* "draft", "pending", ... (as stored) */

/* One version. Strings are malloc'd (svc_version_clear frees them). */
struct svc_version {
	char *iri;
	char *slug;        /* the service's slug (catalog_slugify of the form's identifier) */
	char *institution; /* the authority's slug when it was saved */
	long long number;
	enum svc_state state;
	long long account; /* who saved it (0: the imported state) */
	char *who;         /* that account's display name ("" for 0 or a deleted account) */
	long long at;      /* unix seconds */
	long long base;    /* the version it was saved on top of */
	long long restored_from;
	char *comment; /* the reviewer's comment when returned ("" otherwise) */
	long long reviewer;
	char *reviewer_name;
	long long reviewed_at;
	int current;  /* the version the public pages show now (the newest published) */
	json_t *form; /* svc_version_get only (NULL in lists) */
};
void svc_version_clear(struct svc_version *v);
void svc_versions_free(struct svc_version *v, size_t n);

/* The service of slug among the versioned ones (also a draft that is not
 * public yet): its IRI and its newest version's institution, malloc'd. 0,
 * 1 when no version has that slug, -1 with err. */
int svc_find(struct db *db, const char *slug, char **iri, char **institution, struct err *err);

/* The versions of the service of iri, newest first, at most max (0: all).
 * 0 with *out (n of them; NULL when none), -1 with err. */
int svc_versions(struct db *db, const char *iri, size_t max, struct svc_version **out, size_t *n, struct err *err);

/* Version number of the service of iri, with its form. 0, 1 when there is
 * none, -1 with err. */
int svc_version_get(struct db *db, const char *iri, long long number, struct svc_version *out, struct err *err);

/* The newest version's number of iri (0 when none); -1 with err. */
int svc_latest(struct db *db, const char *iri, long long *number, struct err *err);

/* The version the public pages show of iri (the newest published or
 * withdrawn one, when it is published), 0 when none; -1 with err. One
 * query, whatever the length of the history. */
int svc_shown(struct db *db, const char *iri, long long *number, struct err *err);

/* The review queue: every pending version, oldest first; of one
 * institution's services, or of all (institution NULL). Same return as
 * svc_versions. */
int svc_pending(struct db *db, const char *institution, struct svc_version **out, size_t *n, struct err *err);

/* Whether the institution's editors need an administrator's approval
 * (institution_setting.review_required). 1, 0, or -1 with err. */
int svc_review_required(struct db *db, const char *institution, struct err *err);

/* An administrator approves pending version number: it is published
 * (catalog_put_in_tx) unless a newer version was published or withdrawn
 * since (SVC_CONFLICT, nothing written). SVC_PUBLISHED, SVC_CONFLICT,
 * SVC_INVALID (not pending, or the record does not build: err). */
int svc_approve(struct db *db, const struct catalog *c, const char *iri, long long number, long long reviewer,
		struct svc_saved *out, struct err *err);

/* An administrator returns pending version number with a comment (state
 * returned). SVC_SAVED, or SVC_INVALID when it is not pending. */
int svc_return(struct db *db, const char *iri, long long number, long long reviewer, const char *comment,
	       struct svc_saved *out, struct err *err);

#endif
