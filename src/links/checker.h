/* checker.h — the link checker: a background thread that checks every URL
 * the public pages show as a way to do a service (channels' pages,
 * e-service addresses, institutions' homepages) on a schedule, and keeps
 * the results (links/store.h).
 *
 * In the server (main.c), after check_schema() and snapshot_start():
 *
 *	struct links_config lc;
 *	links_config_from(&lc, cfg);
 *	if (lc.enabled && links_checker_start(&lc, db_url, collect, cls) != 0) fail;
 *	rc = server_run(&site);
 *	links_checker_stop();
 *
 * collect (called on the checker's thread every few seconds) gives the URLs
 * the pages show now: it returns 0 when *revision is still the read model's
 * revision, else fills out (links_uses_add), sets *revision and returns 1
 * (-1 on failure). The checker then makes the stored list match.
 *
 * How it checks (docs/security.md "Link checker"): HEAD, then GET when HEAD
 * is refused (405, 501); redirects followed by hand, at most LINKS_MAX_HOPS,
 * every hop recorded; bodies never kept (at most LINKS_MAX_BODY bytes read,
 * then the transfer is cut); http and https only; a User-Agent naming the
 * portal; connect and total timeouts; never through a proxy; and, unless
 * link-check-allow-private, never to an address that is not public, checked
 * on the resolved address at the moment of connecting (so DNS rebinding
 * cannot slip past a check made earlier). At most link-check-parallel
 * requests at once and one request per host per link-check-host-delay.
 *
 * One thread with its own database connection, never on an event loop.
 * Nodes sharing a PostgreSQL elect one checker with a lease (link_lease), so
 * the per-host rate holds across nodes too.
 */
#ifndef EPAK_LINKS_CHECKER_H
#define EPAK_LINKS_CHECKER_H

#include <stddef.h>

#include "links/store.h"

struct config;

#define LINKS_MAX_HOPS 10
#define LINKS_MAX_BODY 8192

struct links_config {
	int enabled;
	long long interval;   /* seconds between checks of one URL */
	long long retry;      /* first retry of a failing URL, seconds (doubles up to interval) */
	long long dead_after; /* broken this long: the public pages say the e-service is unavailable */
	int keep_days;        /* history kept */
	int host_delay_ms;    /* between two requests to one host */
	int parallel;         /* requests at once */
	int timeout;          /* seconds for one request */
	int allow_private;    /* tests only: let loopback and private addresses be checked */
	char user_agent[300];
};

void links_config_from(struct links_config *lc, const struct config *cfg);

typedef int (*links_collect_fn)(void *cls, long long *revision, struct link_uses *out);

/* Starts the thread (its own connection to db_url). 0, or -1 (logged). */
int links_checker_start(const struct links_config *c, const char *db_url, links_collect_fn collect, void *cls);
/* Stops it and waits (requests in flight are dropped and checked again
 * later). Safe when none runs. */
void links_checker_stop(void);

/* The lower-case host of an http(s) URL into out: 0, or -1 when url is not
 * an http(s) URL libcurl can parse. */
int links_url_host(const char *url, char *out, size_t cap);
/* The state a check ends in: "ok" (2xx, no redirect), "redirect" (2xx after
 * hops redirects), "broken" (anything else, or code 0: no answer). */
const char *links_classify(long code, int hops);
/* 1 for the statuses that redirect (301, 302, 303, 307, 308). */
int links_is_redirect(long code);

#endif
