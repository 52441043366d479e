/* complete.c — type-ahead: the names of the services what is typed finds
 * best (the last word half-typed), so a person picks a service, not a bare
 * word form ("vecuma pens" -> "Vecuma pensijas pieprasīšana").
 */
#include <string.h>

#include "core/arena.h"
#include "search/internal.h"

int search_complete(const struct search_index *idx, const char *q, size_t max, int en, struct arena *a,
		    const char *const **out, size_t *n)
{
	struct search_request rq = {0};
	struct search_results res;
	const char **list;
	size_t i, j, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!idx || !q)
		return SEARCH_EINVAL;
	if (max > 20)
		max = 20;
	if (strlen(q) > SEARCH_MAX_QUERY)
		return SEARCH_ETOOLONG;
	/* a whole last word (trailing space) is no longer being typed */
	if (max == 0 || !*q || q[strlen(q) - 1] == ' ')
		return SEARCH_OK;
	rq.q = q;
	rq.limit = max;
	rc = search_run(idx, &rq, a, &res);
	if (rc != SEARCH_OK)
		return rc;
	list = arena_alloc(a, (max + 1) * sizeof(*list));
	if (!list)
		return SEARCH_ENOMEM;
	for (i = 0; i < res.nhits; i++) {
		const char *t = en && res.hits[i].title_en ? res.hits[i].title_en : res.hits[i].title_lv;
		int dup = !t || !*t;

		for (j = 0; j < k && !dup; j++)
			dup = strcmp(list[j], t) == 0;
		if (!dup)
			list[k++] = t;
	}
	*out = list;
	*n = k;
	return SEARCH_OK;
}
