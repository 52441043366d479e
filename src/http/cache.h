/* cache.h — a per-thread cache of whole responses for routes marked
 * ROUTE_CACHE (pages that depend only on their path, language and the query
 * parameters their route declares). Entries
 * remember the content revision they were built from; a newer revision makes
 * them stale. Bodies are h2o shared memory so a response in flight keeps its
 * bytes alive after the entry is replaced. */
#ifndef EPAK_CACHE_H
#define EPAK_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_CACHE_SLOTS 512

struct cached_page {
	char *key; /* "lv:/path" (malloc) */
	uint64_t revision;
	int status;
	const char *content_type; /* static string */
	char *body;               /* h2o shared memory */
	size_t len;
	char *gz; /* gzip of body, h2o shared memory, or NULL */
	size_t gz_len;
	char etag[24];
	int gz_tried; /* compression attempted (gz may still be NULL) */
};

/* Bounded twice: a page larger than max_page is never kept, and the bytes
 * kept (keys, bodies, their gzip forms) never exceed budget — older pages
 * are dropped first, by a clock hand over the slots. budget 0 keeps nothing. */
struct page_cache {
	struct cached_page slots[PAGE_CACHE_SLOTS];
	size_t budget;   /* most bytes kept (the cache-size setting) */
	size_t max_page; /* largest body kept (cache-max-page) */
	size_t bytes;    /* bytes kept now */
	size_t hand;     /* next slot to drop when over budget */
};

void cache_init(struct page_cache *c, size_t budget, size_t max_page);
const struct cached_page *cache_get(struct page_cache *c, const char *key, uint64_t revision);
/* Copies body in; returns the entry, or NULL when the page is not kept
 * (too large, over a budget it alone exceeds, out of memory). */
const struct cached_page *cache_put(struct page_cache *c, const char *key, uint64_t revision, int status,
				    const char *content_type, const char *body, size_t len);
void cache_clear(struct page_cache *c);
/* Adds the gzip form of an entry if it has none yet. */
const struct cached_page *cache_gzip(struct page_cache *c, const struct cached_page *e);

/* Helpers shared with the response code. */
void etag_of(const char *body, size_t len, char out[24]);
/* gzip into a malloc'd buffer; NULL when it would not be smaller. */
char *gzip_new(const char *body, size_t len, size_t *out_len);

#endif
