/* ratelimit.h — counters in the database, so a limit holds across every
 * epak node sharing it (PostgreSQL) as well as on one (SQLite).
 *
 * A counter is (key, window): the amount used by key in the fixed window of
 * `window` seconds that contains now. rate_take() adds to it inside the
 * caller's db_tx() body, so the counting commits or rolls back with the
 * action it counts; serializable transactions (db.h) make two nodes that
 * take the last unit at once conflict, and db_tx() runs the loser again,
 * which then sees the limit reached.
 *
 * Keys carry no personal data in clear: callers hash addresses and networks
 * with the server secret first (e.g. "confirm-addr:" + HMAC hex). */
#ifndef EPAK_STORE_RATELIMIT_H
#define EPAK_STORE_RATELIMIT_H

#include "store/db.h"

/* rate_take()'s refusal: positive, so never mistaken for a DB_E* error. */
#define RATE_LIMITED 42

/* Adds amount to key's counter in the current window, unless that would
 * take it over max: then RATE_LIMITED and nothing is written (the caller's
 * transaction stays usable). max <= 0 means no limit (nothing is counted).
 * DB_OK, RATE_LIMITED or a DB_E* error. Call inside a db_tx() body. */
int rate_take(struct db *db, const char *key, long long window, long long max, long long amount, long long now);

/* Deletes counters of windows that started before `before`; *n (may be
 * NULL) gets how many. */
int rate_purge(struct db *db, long long before, long long *n);

#endif
