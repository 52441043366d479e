/* snapshot.h — the read model: the published catalog and its search index,
 * built from the database into one immutable snapshot. A request borrows the
 * current snapshot at its start and answers entirely from it, so a page never
 * mixes two versions; a newer snapshot replaces it atomically and the old one
 * is freed when its last reader is done.
 *
 * A refresher thread (started by snapshot_start) rebuilds when the
 * database's revision counter moves: on PostgreSQL as soon as the database
 * announces a committed revision (LISTEN/NOTIFY, checked anyway every 30 s),
 * so every node sharing it sees an import at once; on SQLite it asks every
 * second. A change of the search data files counts too.
 *
 * Back-office edits come in two steps, so an editor sees the public page
 * change within a fraction of a second even with 100 000 services: first a
 * snapshot that shares the current one's catalog and index and lays the
 * changed services over it (snapshot_service() finds them; a withdrawn one
 * is gone), then, in a builder thread, the whole rebuild, which brings the
 * lists and the search index up to date and replaces it. */
#ifndef EPAK_SNAPSHOT_H
#define EPAK_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include "core/err.h"

struct catalog;
struct search_index;
struct organisation;

struct snapshot {
	atomic_int refs;
	/* A snapshot with changes laid over another one's catalog (base: held
	 * while this one lives; cat, idx, urls and the counts are base's). */
	const struct snapshot *base;
	struct catalog *overlay; /* the changed services and every other node; NULL: none */
	char **gone;             /* IRIs of services withdrawn since base */
	size_t ngone;
	long long revision;         /* the database revision it reflects; -1: empty */
	long long data_mtime;       /* newest search data file it was built with */
	struct catalog *cat;        /* never NULL (may hold nothing) */
	struct search_index *idx;   /* never NULL; borrows the catalog's text and urls */
	char *urls;                 /* each service page's path, NUL after each, in the catalog's order */
	size_t neservices;          /* services that can be done online */
	size_t ncitizen, nbusiness; /* by audience */
	char **dead;                /* links dead for link-check-dead-after or more (links/store.h), sorted */
	size_t ndead;
};

/* 1 when the link checker has found url dead long enough that the public
 * pages must not offer it as a working link. */
int snapshot_link_dead(const struct snapshot *s, const char *url);

struct snapshot_source {
	const char *db_url;
	const char *search_data;  /* folder of lexicon.tsv, synonyms.tsv, best-bets.tsv */
	size_t catalog_max_bytes; /* a larger catalog is not served (the old one stays); 0 = the default */
};

/* Builds the first snapshot synchronously (so the server starts with data)
 * and starts the refresher. on_swap (may be NULL) runs after every swap. */
int snapshot_start(const struct snapshot_source *src, void (*on_swap)(void *cls), void *cls, struct err *err);
void snapshot_stop(void);

/* Borrow and return. snapshot_get never returns NULL once started. */
const struct snapshot *snapshot_get(void);
void snapshot_put(const struct snapshot *s);

/* The service of slug as the public pages must show it: the overlay's
 * version when there is one, else the base catalog's unless withdrawn.
 * *in (may be NULL) gets the catalog it belongs to, for lookups from it. */
const struct service *snapshot_service(const struct snapshot *s, const char *slug, const struct catalog **in);

/* How many times changes were laid over the read model (and not rebuilt
 * whole), since the start: for tests and the log. */
long long snapshot_overlays(void);

/* For metrics and readiness: whether a read model is loaded, its revision,
 * how long the last swap's build took (a whole build or changes laid over),
 * when it was swapped in (unix seconds) and the overlays so far. */
struct snapshot_metrics {
	int loaded;
	long long revision;
	double build_seconds;
	long long built_at;
	long long overlays;
};
void snapshot_metrics(struct snapshot_metrics *out);

/* Rebuild now if the revision moved (tests, and the refresher). 1 when
 * swapped, 0 when current, -1 on error (the old snapshot stays). */
int snapshot_refresh(void);
/* Rebuilds the whole read model now, re-reading the search data files
 * (SIGHUP), even when nothing seems to have changed. 1 when swapped, -1 on
 * error (the old snapshot stays). */
int snapshot_reload(void);

#endif
