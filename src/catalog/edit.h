/* edit.h — a service as the back office edits it (issue 11).
 *
 * The service form is a JSON object (jansson) with exactly these members;
 * a version (src/catalog/versions.h) stores it as canonical JSON text, the
 * edit page (src/web/page_services.c) fills it from the submitted fields,
 * and the field-by-field difference of two versions compares it member by
 * member. Text in two languages is {"lv": "...", "en": "..."}; a list is an
 * array; an absent optional value is "" or [].
 *
 *   identifier     text   dct:identifier; fixed once the service exists (its slug comes from it)
 *   authority      text   the competent authority: an organisation's slug
 *   title          lv/en  dct:title (Latvian required)
 *   description    lv/en  dct:description (Latvian required)
 *   keywords       lv/en  dcat:keyword, comma separated
 *   audience       text   "citizen", "business", "both" or ""
 *   events         [slug] life and business events (cv:isGroupedBy)
 *   status         text   "active", "inactive", "planned" or ""
 *   e_service      text   "yes", "no" or "" (epak:eService)
 *   processing_time text  an xsd:duration ("P1M") or ""
 *   requirements   [item] what you need (cv:holdsRequirement)
 *   inputs         [item] documents to bring (cpsv:hasInput)
 *   outputs        [item] what you get (cpsv:produces)
 *   channels       [channel]
 *   costs          [cost]
 *   legal          [legal] legal basis (cv:hasLegalResource)
 *   contacts       [slug] contact points of the catalog (cv:hasContactPoint)
 *   auth_methods   [text] "eid", "eparaksts-mobile", "bank"
 *
 *   item    {"title": lv/en, "description": lv/en}
 *   channel {"type": "online"|"in-person"|"email-esign"|"phone"|"post"|"email",
 *            "url": text, "email": text, "phone": text,
 *            "description": lv/en, "hours": lv/en}
 *   cost    {"value": text (a decimal, "" when not priced; "," or "."), "currency":
 *            "EUR" or another ISO 4217 code an import brought, or "", "description": lv/en,
 *            "url": text (the price list, the cost's foaf:page; "" when none)}
 *   legal   {"title": lv/en, "url": text (an ELI or likuma.lv address)}
 *
 * Properties of the stored record that the form does not show (keywords in
 * other languages, classifications, anything of another vocabulary) are
 * kept as they were when the form is written back (svc_form_to_record).
 */
#ifndef EPAK_CATALOG_EDIT_H
#define EPAK_CATALOG_EDIT_H

#include <jansson.h>

#include "catalog/jsonld.h"
#include "catalog/model.h"
#include "core/err.h"

/* One problem of a form: the member's path ("title.lv", "channels.1.url")
 * and an English msgid saying what to fix (translated by the page). */
struct form_problem {
	const char *path;
	const char *msgid;
};

struct form_problems {
	struct form_problem v[64];
	int n;
	char path_buf[64 * 40]; /* the paths' storage */
	size_t path_used;
};

/* The form of a service of catalog c (its stored body gives what the model
 * does not keep, e.g. the legal basis; may be NULL). New reference. */
json_t *svc_form_from_service(const struct catalog *c, const struct service *s, const char *body);

/* An empty form for a new service of the institution authority. */
json_t *svc_form_new(const char *authority);

/* Checks every member (the import's rules and the form's: lengths, URLs
 * http(s) only, e-mail addresses, known slugs in c); fills p. 0 when
 * there is nothing to fix. */
int svc_form_check(const json_t *form, const struct catalog *c, struct form_problems *p);

/* The stored record of a checked form: canonical expanded JSON-LD (as an
 * import makes: the node is run through cat_doc_parse), the service's IRI
 * iri (kept for an existing service, made from the identifier for a new
 * one), old_body's properties the form does not show kept (old_body may be
 * NULL). c turns the form's slugs into IRIs, and when iri's service is in
 * it, every member (and row) whose value is what that service's form says
 * keeps old_body's values byte for byte, so an edit of one field changes
 * only that field's triples. c's service of iri MUST therefore be old_body
 * as built (catalog_with_record() of the stored node, as svc_record_of in
 * versions.h does): a read model that lags the database would take a
 * change back to its older text for "unchanged". 0, or -1 with err
 * (ERR_VALIDATION: a slug not in c, an identifier changed). Free with
 * cat_record_clear(). */
int svc_form_to_record(const struct catalog *c, const json_t *form, const char *iri, const char *old_body,
		       struct cat_record *out, struct err *err);
void cat_record_clear(struct cat_record *r);

/* 1 when u is an absolute http:// or https:// URL of printable ASCII with a
 * host and no user information before it (no javascript:, data:, spaces,
 * quotes, angle brackets or "user:password@"). */
int svc_url_ok(const char *u);

#endif
