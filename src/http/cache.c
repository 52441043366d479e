/* cache.c — see cache.h. Open addressing would be overkill: a page lands in
 * one slot by hash, and a collision simply replaces the older page; the byte
 * budget is kept by dropping pages slot by slot behind a clock hand. */
#include "http/cache.h"

#include <h2o.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/hash.h"
#include "http/metrics.h"

/* Not FNV's offset basis (a digit short of it), kept so that ETags and slots stay
 * the same across this change; any seed hashes as well. */
#define CACHE_SEED 1469598103934665603ull

void etag_of(const char *body, size_t len, char out[24])
{
	snprintf(out, 24, "\"%016llx\"", (unsigned long long)fnv1a64(CACHE_SEED, body, len));
}

char *gzip_new(const char *body, size_t len, size_t *out_len)
{
	z_stream z;
	size_t cap = compressBound((uLong)len) + 32;
	char *out = NULL;

	if (len < 512 || len > 64 * 1024 * 1024)
		return NULL;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	out = malloc(cap);
	if (!out)
		goto fail;
	z.next_in = (Bytef *)body;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len)
		goto fail;
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
fail:
	deflateEnd(&z);
	free(out);
	return NULL;
}

static size_t entry_bytes(const struct cached_page *e)
{
	return e->key ? strlen(e->key) + 1 + e->len + e->gz_len : 0;
}

static void entry_clear(struct page_cache *c, struct cached_page *e)
{
	c->bytes -= entry_bytes(e);
	free(e->key);
	if (e->body)
		h2o_mem_release_shared(e->body);
	if (e->gz)
		h2o_mem_release_shared(e->gz);
	memset(e, 0, sizeof(*e));
}

const struct cached_page *cache_get(struct page_cache *c, const char *key, uint64_t revision)
{
	struct cached_page *e = &c->slots[fnv1a64(CACHE_SEED, key, strlen(key)) % PAGE_CACHE_SLOTS];

	if (!e->key || e->revision != revision || strcmp(e->key, key) != 0) {
		metrics_cache(0);
		return NULL;
	}
	metrics_cache(1);
	return e;
}

void cache_init(struct page_cache *c, size_t budget, size_t max_page)
{
	memset(c, 0, sizeof(*c));
	c->budget = budget;
	c->max_page = max_page;
}

/* Drops pages, oldest slot first by the clock hand, until need more bytes
 * fit; keep is never dropped. 0 when they fit. */
static int make_room(struct page_cache *c, size_t need, const struct cached_page *keep)
{
	size_t tries;

	if (need > c->budget)
		return -1;
	for (tries = 0; c->bytes + need > c->budget && tries < PAGE_CACHE_SLOTS; tries++) {
		struct cached_page *e = &c->slots[c->hand];

		c->hand = (c->hand + 1) % PAGE_CACHE_SLOTS;
		if (e != keep && e->key)
			entry_clear(c, e);
	}
	return c->bytes + need > c->budget ? -1 : 0;
}

static char *shared_copy(const char *p, size_t n)
{
	char *s = h2o_mem_alloc_shared(NULL, n + 1, NULL);

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

const struct cached_page *cache_put(struct page_cache *c, const char *key, uint64_t revision, int status,
				    const char *content_type, const char *body, size_t len)
{
	struct cached_page *e = &c->slots[fnv1a64(CACHE_SEED, key, strlen(key)) % PAGE_CACHE_SLOTS];

	entry_clear(c, e);
	if (len > c->max_page || make_room(c, strlen(key) + 1 + len, NULL) != 0)
		return NULL;
	e->key = strdup(key);
	if (!e->key)
		return NULL;
	e->revision = revision;
	e->status = status;
	e->content_type = content_type;
	e->body = shared_copy(body, len);
	e->len = len;
	etag_of(body, len, e->etag);
	c->bytes += entry_bytes(e);
	return e;
}

/* Compressed on the first request that accepts gzip, not when stored: a
 * page asked for once (a search with a rare query) never pays for it. */
const struct cached_page *cache_gzip(struct page_cache *c, const struct cached_page *ce)
{
	struct cached_page *e = (struct cached_page *)ce;
	char *gz;
	size_t gz_len = 0;

	if (e->gz || e->gz_tried)
		return e;
	e->gz_tried = 1;
	gz = gzip_new(e->body, e->len, &gz_len);
	if (gz && make_room(c, gz_len, e) == 0) {
		e->gz = shared_copy(gz, gz_len);
		e->gz_len = gz_len;
		c->bytes += gz_len;
	}
	free(gz);
	return e;
}

void cache_clear(struct page_cache *c)
{
	size_t i;

	for (i = 0; i < PAGE_CACHE_SLOTS; i++)
		entry_clear(c, &c->slots[i]);
}
