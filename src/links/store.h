/* store.h — the link checker's tables (migration 12): each URL the public
 * pages show as a way to do a service (link_url: its current state and
 * schedule), who shows it (link_use: a service's channel or e-service
 * address, an institution's homepage) and its recent checks (link_check).
 *
 *   link_url.status   'unknown' (not checked yet), 'ok' (2xx at once),
 *                     'redirect' (2xx after one or more redirects), 'broken'
 *                     (an error status, a network failure, a refused address)
 *   failing_since     when the current run of failures began (0: not failing)
 *   dead_public       1 while the read model treats the URL as dead: broken
 *                     for link-dead-after seconds or more. Moved only by
 *                     links_publish_dead(), which also moves the catalog
 *                     revision, so the public pages follow.
 *
 * One SQL text for SQLite and PostgreSQL, like every store. Callers pass the
 * time (unix seconds) so tests can move it. */
#ifndef EPAK_LINKS_STORE_H
#define EPAK_LINKS_STORE_H

#include <stddef.h>

#include "store/db.h"

/* What uses a URL. kind: "channel" (struct channel.url), "eservice" (a
 * service's hosted_url) or "homepage" (an institution's foaf:homepage). */
struct link_use {
	const char *url;
	const char *kind;
	const char *service;     /* the service's slug; "" for a homepage */
	const char *institution; /* the slug of the service's competent authority, or the institution's */
};

/* A list of uses being collected (links_uses_add copies the strings). */
struct link_uses {
	struct link_use *v;
	size_t n, cap;
	int failed; /* an allocation failed: the list is incomplete, do not sync it */
};
/* Adds one use of an http(s) URL; anything else (mailto:, tel:, relative,
 * longer than LINKS_URL_MAX) is skipped. 0, or -1 out of memory. */
#define LINKS_URL_MAX 2000
int links_uses_add(struct link_uses *l, const char *url, const char *kind, const char *service,
		   const char *institution);
void links_uses_free(struct link_uses *l);

/* Makes link_use exactly l (sorted and deduplicated here): adds what is
 * new (a new URL is due at once), removes what is gone, and drops URLs no
 * longer used with their history. Applies only the differences, in
 * transactions of a few hundred rows. *changed (may be NULL): rows added
 * plus removed. DB_OK or an error. */
int links_sync(struct db *db, struct link_uses *l, long long now, long long *changed);

/* Up to max URLs due at now, earliest first: cb for each (the strings
 * live during the call; a non-zero return stops the query). */
int links_due(struct db *db, long long now, int max,
	      int (*cb)(void *cls, long long id, const char *url, const char *host, int failures), void *cls);

/* The outcome of one check. chain_json: a JSON array of the hops
 * [{"url": ..., "code": N}, ...] (the first is the URL itself). */
struct link_result {
	const char *status; /* "ok", "redirect", "broken" */
	int code;           /* the last HTTP status seen; 0 when none */
	const char *final_url;
	const char *chain_json;
	const char *error; /* "" when none */
	long long ms;      /* how long the whole check took */
};
/* Records a check of url id at now: the current state, the history row,
 * and the next due time: now + interval after success; after the n-th
 * failure in a row now + min(interval, retry * 2^(n-1)). DB_OK, DB_ENOROW
 * when the URL is gone (no longer used), or an error. */
int links_record(struct db *db, long long id, const struct link_result *res, long long now, long long interval,
		 long long retry);

/* The wait after the n-th failure in a row (n >= 1). */
long long links_retry_delay(int n, long long retry, long long interval);

/* Sets dead_public to "broken since dead_after seconds or more" for every
 * URL, and when that changed anything moves the catalog revision, in one
 * transaction. 1 when it changed, 0 when not, or an error. */
int links_publish_dead(struct db *db, long long now, long long dead_after);

/* The URLs with dead_public set, for the read model: cb for each. */
int links_dead_urls(struct db *db, int (*cb)(void *cls, const char *url), void *cls);

/* Deletes history rows older than before; *removed may be NULL. */
int links_purge(struct db *db, long long before, long long *removed);

/* The single checker among nodes sharing a database: takes or renews the
 * lease for owner until now + ttl when it is free, expired or already
 * owner's. 1 when owner holds it, 0 when another node does, or an error. */
int links_lease(struct db *db, const char *owner, long long now, long long ttl);
void links_lease_release(struct db *db, const char *owner);

#endif
