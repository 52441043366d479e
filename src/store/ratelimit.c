/* ratelimit.c — see ratelimit.h. */
#include "store/ratelimit.h"

static const char SQL_USED[] = "SELECT used FROM rate_limit WHERE key = $1 AND window_start = $2";
static const char SQL_ADD[] = "INSERT INTO rate_limit (key, window_start, used) VALUES ($1, $2, $3) "
			      "ON CONFLICT (key, window_start) DO UPDATE SET used = rate_limit.used + $3";
static const char SQL_PURGE[] = "DELETE FROM rate_limit WHERE window_start < $1";

int rate_take(struct db *db, const char *key, long long window, long long max, long long amount, long long now)
{
	long long start, used = 0;
	int rc;

	if (max <= 0)
		return DB_OK;
	if (window < 1)
		window = 1;
	start = now - now % window;
	rc = db_query_int(db, SQL_USED, DB_P(PTEXT(key), PINT(start)), &used);
	if (rc != DB_OK && rc != DB_ENOROW)
		return rc;
	if (rc == DB_ENOROW)
		used = 0;
	if (amount > max || used > max - amount)
		return RATE_LIMITED;
	return db_exec(db, SQL_ADD, DB_P(PTEXT(key), PINT(start), PINT(amount)), NULL);
}

int rate_purge(struct db *db, long long before, long long *n)
{
	long long k = 0;
	int rc = db_exec(db, SQL_PURGE, DB_P(PINT(before)), &k);

	if (n)
		*n = k;
	return rc;
}
