/* search_pages.h — the portal's own pages in the search: "pārbaudīt
 * parakstu" finds /parbaudit beside the services. The pages and the words
 * people use for them are data/search/pages.tsv (format at its top), read
 * once, on the first search, into a small index of their own built by the
 * same engine (lexicon, stemmer, synonyms), so they never displace or count
 * among the catalog's services.
 */
#ifndef EPAK_WEB_SEARCH_PAGES_H
#define EPAK_WEB_SEARCH_PAGES_H

#include <jansson.h>

struct req;

#define SEARCH_PAGES_SHOWN 2 /* pages shown above the services at most */
#define SEARCH_PAGES_MAX 200 /* lines of pages.tsv */

/* The pages q says well enough to offer: [{url, title}] in the page's
 * language (JSON array, maybe empty), or NULL when the file is missing
 * or unreadable. */
json_t *search_pages_find(struct req *r, const char *q);

#endif
