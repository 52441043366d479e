/* link_sources.h — what the link checker checks: every URL the public pages
 * of the current read model show as a way to do a service. */
#ifndef EPAK_WEB_LINK_SOURCES_H
#define EPAK_WEB_LINK_SOURCES_H

#include "links/store.h"

/* The links_collect_fn of the checker (links/checker.h): when the read
 * model's revision is not *revision, fills out with every channel's URL,
 * every service's hosted_url and every institution's homepage, sets
 * *revision and returns 1; 0 when unchanged; -1 out of memory. */
int web_link_uses(void *cls, long long *revision, struct link_uses *out);

#endif
