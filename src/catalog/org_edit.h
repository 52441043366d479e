/* org_edit.h — an institution as the back office edits it (issue 11,
 * /birojs/iestades): the form of a cv:PublicOrganisation and its contact
 * points (cv:ContactPoint), and the stored records it becomes.
 *
 * The records are built the way an import builds them: the node in
 * expanded JSON-LD, run through cat_doc_parse(), so the body is canonical
 * and its hash the import's. The properties of the stored node that the
 * form does not show (other languages, other vocabularies, a third phone
 * number) are kept as they were. The web layer validates every field
 * (web/form.h); catalog_put_in_tx() then checks each record as an import
 * would (a name, dct:spatial, the level, the date's form).
 */
#ifndef EPAK_CATALOG_ORG_EDIT_H
#define EPAK_CATALOG_ORG_EDIT_H

#include <stddef.h>

#include "catalog/jsonld.h"
#include "catalog/model.h"
#include "core/arena.h"
#include "core/err.h"

/* The helpdesk roles the model knows (epak:helpdeskFor), NULL-terminated:
 * "eID", "e-signature", "portal". */
extern const char *const org_helpdesk_roles[];
#define ORG_NROLES 3

/* How many contact points one form holds (the institution's own, then an
 * empty one to add). */
#define ORG_FORM_CONTACTS 4

/* One contact point. Strings "" when empty; phones and e-mails: the first
 * two (the first e-mail is the official address, also for documents
 * signed with a secure e-signature). */
struct org_contact_form {
	const char *iri; /* the stored contact point, or NULL for a new one */
	const char *title_lv, *title_en;
	const char *phone[2];
	const char *email[2];
	const char *page;
	const char *hours_lv, *hours_en;
	unsigned helpdesk; /* bit i: org_helpdesk_roles[i] */
};

struct org_form {
	const char *identifier; /* dct:identifier; fixed once the institution exists */
	const char *name_lv, *name_en;
	const char *alt_lv, *alt_en; /* skos:altLabel, comma separated */
	const char *level;           /* "state", "municipal" or "" */
	const char *homepage;
	const char *address_lv, *address_en;
	const char *spatial;        /* the IRI of a dct:Location (dct:spatial) */
	int e_mark;                 /* epak:eMark: 1 granted, 0 not */
	const char *e_mark_granted; /* xsd:date or "" */
	unsigned helpdesk;
	struct org_contact_form contact[ORG_FORM_CONTACTS];
	size_t ncontacts;
};

/* 1 when a contact point of the form says nothing (to be left out). */
int org_contact_empty(const struct org_contact_form *c);

/* The form of organisation o (strings in o's catalog or arena a). */
void org_form_from_org(const struct organisation *o, struct arena *a, struct org_form *f);

/* The records of a form: out[0] the organisation (IRI iri), then one per
 * contact point that is not empty (a new one gets the IRI
 * "<iri>/kontakts-<stamp>-<i>"). old_body: the organisation's stored body
 * (NULL for a new one); contact_bodies[i]: the stored body of
 * f->contact[i].iri, or NULL. *n records; free with org_records_free().
 * 0, or -1 with err (ERR_VALIDATION). */
int org_form_records(const struct org_form *f, const char *iri, const char *old_body, const char *const *contact_bodies,
		     long long stamp, struct cat_record **out, size_t *n, struct err *err);
void org_records_free(struct cat_record *r, size_t n);

#endif
