/* verify_report.h — the result of "Pārbaudīt" as a person reads it: per
 * signature what was and was not confirmed, the changed file named, one
 * "what to do next" line for the outcome, and the EN 319 102-1 codes and
 * signature level kept apart as technical details (page_verify.c renders
 * it with templates/verify-report.mustache). */
#ifndef EPAK_WEB_VERIFY_REPORT_H
#define EPAK_WEB_VERIFY_REPORT_H

#include <jansson.h>

#include "sign/edoc.h"
#include "sign/verify.h"

struct req;

/* The template's data for rep (doc's files are offered for download);
 * status is edoc_verify's (0 valid, 1 not valid, 2 not confirmed). */
json_t *verify_report_json(struct req *r, const struct edoc *doc, const struct edoc_report *rep, int status);

#endif
