/* svcfeedback.h — feedback on services (page_svcfeedback.c): what the
 * purger calls to keep the comments no longer than feedback-comment-days. */
#ifndef EPAK_WEB_SVCFEEDBACK_H
#define EPAK_WEB_SVCFEEDBACK_H

struct db;
struct config;

/* Empties the comments of service feedback older than
 * feedback-comment-days (the yes/no answers stay: they carry nothing
 * personal); nothing when the setting is 0. DB_OK or a DB_E* error. */
int svcfeedback_purge(struct db *db, const struct config *cfg, long long now);

#endif
