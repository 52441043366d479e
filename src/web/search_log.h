/* search_log.h — the queries people searched for that found nothing,
 * counted for the editors (/birojs/meklesana), with no personal data.
 *
 * search_log_zero() is called where a zero-result answer is computed (the
 * search page and the search API, for a query without filters, on its
 * first page). It does no I/O: the query is normalised (NFC, case-folded,
 * spaces collapsed), dropped when it is longer than SEARCH_LOG_MAX_CHARS or
 * looks personal (core/personal.h: an "@", a run of 6 or more digits), and
 * counted in a bounded table in memory. A thread of its own adds the counts
 * to table search_zero every second, in one transaction: a known query's
 * count goes up; a new one is added only while the table holds fewer than
 * `search-zero-rows` rows (a flood of random queries fills it once and
 * then counts nothing new, rather than growing or evicting real ones).
 * Rows not searched for in `search-zero-days` days are deleted (hourly).
 *
 * Search pages are cached (ROUTE_CACHE): a repeated query is answered from
 * the page cache without running the handler, so what is counted is the
 * number of times a node computed the answer — once per node, language,
 * page cache entry and catalog revision — not the number of people who
 * asked. The count says "how often this was missed, at least", and ranks
 * queries in the right order for popular misses only roughly. */
#ifndef EPAK_WEB_SEARCH_LOG_H
#define EPAK_WEB_SEARCH_LOG_H

#include <stddef.h>

#include "core/err.h"

#define SEARCH_LOG_MAX_CHARS 100 /* longer queries are not recorded */
#define SEARCH_LOG_PENDING 512   /* distinct queries waiting for the next flush */

struct search_log_config {
	const char *db_url;
	long long max_rows; /* search-zero-rows */
	int keep_days;      /* search-zero-days */
};

int search_log_start(const struct search_log_config *c, struct err *err);
void search_log_stop(void);

/* The form q is counted under in out (cap bytes): its length, or 0 when q
 * is not recorded (empty, too long, personal-looking, not UTF-8). */
size_t search_log_normalize(const char *q, char *out, size_t cap);
/* Counts one zero-result answer for q (never blocks on I/O). */
void search_log_zero(const char *q);

/* What the flusher writes (and tests call): adds n to the count of the
 * normalised query q, last seen on day (days since 1970) — a new query
 * only while the table holds fewer than max_rows rows; and deletes the
 * rows last seen more than keep_days before today. DB_OK or an error. */
struct db;
int search_log_add(struct db *db, const char *q, long long n, long long day, long long max_rows);
int search_log_purge(struct db *db, int keep_days, long long today);

#endif
