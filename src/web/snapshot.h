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
 * second. A change of the search data files counts too. */
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

/* Rebuild now if the revision moved (tests, and the refresher). 1 when
 * swapped, 0 when current, -1 on error (the old snapshot stays). */
int snapshot_refresh(void);

#endif
