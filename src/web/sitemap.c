/* sitemap.c — /sitemap.xml for search engines (sitemaps.org 0.9 with
 * Google's hreflang alternates): every public page in Latvian and English,
 * each <url> naming both languages and x-default, absolute URLs from
 * public-url, lastmod where the data has a change time (news, the FAQ).
 *
 * Built from the read model (the catalog snapshot and the content set),
 * never from a database query, in the worker pool, and kept until either
 * changes: requests meanwhile get the previous build, and only one build
 * runs at a time, so a stranger asking again and again makes it compute
 * nothing more. Past 50 000 URLs or 50 MB (the protocol's limits) it is
 * split: /sitemap.xml becomes the index of /sitemap/1.xml, /sitemap/2.xml...
 * (the router matches whole path segments).
 *
 * Without public-url there are no absolute URLs to give: taking them from
 * the Host header would let any client write its own host into the cached
 * file that crawlers read, so /sitemap.xml answers 404 and robots.txt names
 * no sitemap (docs/decisions.md). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/model.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/url.h"
#include "core/when.h"
#include "http/async.h"
#include "http/cache.h"
#include "http/static.h"
#include "tmpl/escape.h"
#include "web/app.h"
#include "web/content.h"
#include "web/snapshot.h"
#include "web/web.h"

#define SITEMAP_MAX_URLS 50000                /* sitemaps.org: per file */
#define SITEMAP_MAX_BYTES (50u * 1000 * 1000) /* sitemaps.org: 50 MB uncompressed, with margin below 52 428 800 */
#define SITEMAP_MAX_FILES 1000                /* 50 million URLs: far past catalog-max-bytes */
#define SITEMAP_URL_BYTES 700                 /* one <url> with its alternates, for the pool's budget */

/* The pages every portal has, by their Latvian path (English: under /en). */
static const char *const fixed_pages[] = {
    "/",          "/pakalpojumi", "/iedzivotajiem", "/uznemejiem", "/iestades", "/e-pakalpojumi",
    "/palidziba", "/drosiba",     "/e-zime",        "/jaunumi",    "/buj",      "/kontakti",
    "/ka-sakt",   "/materiali",   "/parbaudit",     "/parakstit",  "/nosutit",  "/jautajums",
};

struct sitemap_file {
	char *xml;
	size_t len;
	char *gz;
	size_t gz_len;
	char etag[24];
};

struct sitemap {
	atomic_int refs;
	/* what it was built from */
	const void *snap, *content;
	long long snap_rev, content_rev;
	struct sitemap_file *files; /* [0]: /sitemap.xml; [i]: /sitemap/i.xml */
	size_t nfiles;
	size_t nurls;
};

static pthread_mutex_t sm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sitemap *sm_current; /* under sm_lock; holds one reference */
static int sm_building;            /* under sm_lock */

static void sitemap_put(void *p)
{
	struct sitemap *sm = p;
	size_t i;

	if (!sm || atomic_fetch_sub(&sm->refs, 1) != 1)
		return;
	for (i = 0; i < sm->nfiles; i++) {
		free(sm->files[i].xml);
		free(sm->files[i].gz);
	}
	free(sm->files);
	free(sm);
}

/* ---- building, on a pool thread ---- */

struct build {
	const struct snapshot *sn;
	const struct content_set *cs;
	char *pub; /* public-url without a trailing slash */
	size_t max_urls, max_bytes;
	size_t want;       /* the file the request asked for */
	long long t0;      /* when the build was asked for */
	struct buf cur;    /* the urlset being written */
	size_t cur_urls;   /* <url> elements in cur */
	struct buf *parts; /* finished urlsets */
	size_t nparts, cap;
	size_t nurls;
	int failed;
	struct sitemap *out; /* the result, or NULL */
};

static const char URLSET_HEAD[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				  "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
				  "xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n";
static const char URLSET_TAIL[] = "</urlset>\n";

static int part_finish(struct build *b)
{
	struct buf *p;

	if (!b->cur_urls)
		return 0;
	buf_puts(&b->cur, URLSET_TAIL);
	if (!buf_ok(&b->cur) || b->nparts >= SITEMAP_MAX_FILES)
		return -1;
	if (b->nparts == b->cap) {
		p = realloc(b->parts, (b->cap ? b->cap * 2 : 4) * sizeof(*p));
		if (!p)
			return -1;
		b->parts = p;
		b->cap = b->cap ? b->cap * 2 : 4;
	}
	b->parts[b->nparts++] = b->cur;
	buf_init(&b->cur, b->max_bytes);
	b->cur_urls = 0;
	return 0;
}

/* One address: pub, then /en for English, then path. */
static void put_loc(struct buf *x, const struct build *b, int en, const char *path)
{
	html_escape(x, b->pub, strlen(b->pub));
	if (en)
		buf_puts(x, "/en");
	html_escape(x, path, strlen(path));
}

/* The page at path (Latvian), in both languages; lastmod 0: unknown. */
static void add_page(struct build *b, const char *path, long long lastmod)
{
	struct buf u = BUF_INIT;
	char when[WHEN_ISO_LEN];
	int en;

	if (b->failed)
		return;
	buf_init(&u, 64 * 1024);
	for (en = 0; en < 2; en++) {
		buf_reset(&u);
		buf_puts(&u, "<url><loc>");
		put_loc(&u, b, en, path);
		buf_puts(&u, "</loc>");
		if (lastmod > 0) {
			when_iso((time_t)lastmod, when);
			buf_printf(&u, "<lastmod>%s</lastmod>", when);
		}
		buf_puts(&u, "<xhtml:link rel=\"alternate\" hreflang=\"lv\" href=\"");
		put_loc(&u, b, 0, path);
		buf_puts(&u, "\"/><xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"");
		put_loc(&u, b, 1, path);
		buf_puts(&u, "\"/><xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"");
		put_loc(&u, b, 0, path);
		buf_puts(&u, "\"/></url>\n");
		if (!buf_ok(&u))
			goto fail;
		if (b->cur_urls &&
		    (b->cur_urls >= b->max_urls || b->cur.len + u.len + sizeof(URLSET_TAIL) > b->max_bytes) &&
		    part_finish(b) != 0)
			goto fail;
		if (!b->cur_urls)
			buf_puts(&b->cur, URLSET_HEAD);
		buf_append(&b->cur, u.data, u.len);
		if (!buf_ok(&b->cur))
			goto fail;
		b->cur_urls++;
		b->nurls++;
	}
	buf_free(&u);
	return;
fail:
	buf_free(&u);
	b->failed = 1;
}

/* The services the service page shows: the base catalog's unless withdrawn
 * since (an edited one once), then those new in the overlay. */
static void add_service_pages(struct build *b)
{
	const struct catalog *c = b->sn->cat, *o = b->sn->overlay;
	char path[600];
	size_t i;

	for (i = 0; i < c->nservices && !b->failed; i++) {
		if (!c->services[i]->slug || !snapshot_service(b->sn, c->services[i]->slug, NULL))
			continue;
		snprintf(path, sizeof(path), "/pakalpojumi/%s", c->services[i]->slug);
		add_page(b, path, 0);
	}
	for (i = 0; o && i < o->nservices && !b->failed; i++) {
		const char *slug = o->services[i]->slug;

		if (!slug || catalog_service(c, slug) || !snapshot_service(b->sn, slug, NULL))
			continue;
		snprintf(path, sizeof(path), "/pakalpojumi/%s", slug);
		add_page(b, path, 0);
	}
}

static void sitemap_work(void *cls)
{
	struct build *b = cls;
	const struct catalog *c = b->sn->cat;
	long long news_latest = 0, faq_latest = 0;
	char path[600];
	struct sitemap *sm = NULL;
	struct buf idx = BUF_INIT;
	size_t i;

	buf_init(&b->cur, b->max_bytes);
	for (i = 0; b->cs && i < b->cs->n; i++) {
		const struct content_item *it = &b->cs->items[i];

		if (it->kind == CONTENT_NEWS && it->at > news_latest)
			news_latest = it->at;
		if (it->kind == CONTENT_FAQ && it->at > faq_latest)
			faq_latest = it->at;
	}
	for (i = 0; i < sizeof(fixed_pages) / sizeof(fixed_pages[0]); i++)
		add_page(b, fixed_pages[i],
			 !strcmp(fixed_pages[i], "/jaunumi") ? news_latest
			 : !strcmp(fixed_pages[i], "/buj")   ? faq_latest
							     : 0);
	add_service_pages(b);
	for (i = 0; i < c->nevents && !b->failed; i++) {
		snprintf(path, sizeof(path), "/dzives-situacijas/%s", c->events[i]->slug);
		add_page(b, path, 0);
	}
	for (i = 0; i < c->norgs && !b->failed; i++) {
		snprintf(path, sizeof(path), "/iestades/%s", c->orgs[i]->slug);
		add_page(b, path, 0);
	}
	for (i = 0; b->cs && i < b->cs->n && !b->failed; i++)
		if (b->cs->items[i].kind == CONTENT_NEWS)
			add_page(b, b->cs->items[i].url, b->cs->items[i].at);
	if (b->failed || part_finish(b) != 0)
		goto fail;
	sm = calloc(1, sizeof(*sm));
	if (!sm)
		goto fail;
	atomic_init(&sm->refs, 1);
	sm->nurls = b->nurls;
	sm->nfiles = b->nparts == 1 ? 1 : b->nparts + 1;
	sm->files = calloc(sm->nfiles, sizeof(*sm->files));
	if (!sm->files)
		goto fail;
	if (b->nparts == 1) {
		sm->files[0].xml = buf_steal(&b->parts[0], &sm->files[0].len);
	} else {
		/* the index first, then the parts as /sitemap/1.xml... */
		buf_init(&idx, 1024 * 1024);
		buf_puts(&idx, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			       "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
		for (i = 0; i < b->nparts; i++) {
			buf_puts(&idx, "<sitemap><loc>");
			html_escape(&idx, b->pub, strlen(b->pub));
			buf_printf(&idx, "/sitemap/%zu.xml</loc></sitemap>\n", i + 1);
			sm->files[i + 1].xml = buf_steal(&b->parts[i], &sm->files[i + 1].len);
		}
		buf_puts(&idx, "</sitemapindex>\n");
		if (!buf_ok(&idx))
			goto fail;
		sm->files[0].xml = buf_steal(&idx, &sm->files[0].len);
	}
	for (i = 0; i < sm->nfiles; i++) {
		if (!sm->files[i].xml)
			goto fail;
		etag_of(sm->files[i].xml, sm->files[i].len, sm->files[i].etag);
		sm->files[i].gz = gzip_new(sm->files[i].xml, sm->files[i].len, &sm->files[i].gz_len);
	}
	b->out = sm;
	return;
fail:
	buf_free(&idx);
	sitemap_put(sm);
	log_error("sitemap: out of memory, or past %d files", SITEMAP_MAX_FILES);
}

static void build_free(struct build *b)
{
	size_t i;

	for (i = 0; i < b->nparts; i++)
		buf_free(&b->parts[i]);
	free(b->parts);
	buf_free(&b->cur);
	free(b->pub);
	snapshot_put(b->sn);
	if (b->cs)
		content_put(b->cs);
	free(b);
}

/* ---- serving ---- */

/* Answers r with file n of sm (taking a reference until r is done). */
static void send_file(struct req *r, struct sitemap *sm, size_t n)
{
	const struct sitemap_file *f;

	if (n >= sm->nfiles) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return;
	}
	f = &sm->files[n];
	atomic_fetch_add(&sm->refs, 1);
	if (req_on_done(r, sitemap_put, sm) != 0) {
		sitemap_put(sm);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	resp_send_prepared(r, 200, "application/xml; charset=utf-8", f->xml, f->len, f->gz, f->gz_len, f->etag, 0);
}

static void sitemap_done(struct req *r, void *cls)
{
	struct build *b = cls;
	struct sitemap *old = NULL;

	pthread_mutex_lock(&sm_lock);
	sm_building = 0;
	if (b->out) {
		b->out->snap = b->sn;
		b->out->snap_rev = b->sn->revision;
		b->out->content = b->cs;
		b->out->content_rev = b->cs ? b->cs->revision : -1;
		old = sm_current;
		sm_current = b->out;
		atomic_fetch_add(&b->out->refs, 1); /* this request's */
	}
	pthread_mutex_unlock(&sm_lock);
	sitemap_put(old);
	if (b->out)
		log_info("sitemap: %zu URLs in %zu file(s), built in %lld ms", b->out->nurls, b->out->nfiles,
			 (now_usec() - b->t0) / 1000);
	if (r && !b->out)
		resp_error(r, ERR_UNAVAILABLE, "the sitemap could not be built");
	else if (r)
		send_file(r, b->out, b->want);
	if (b->out)
		sitemap_put(b->out);
	build_free(b);
}

/* n: 0 for /sitemap.xml, i for /sitemap/i.xml. */
static void serve(struct req *r, size_t n)
{
	const struct config *cfg = r->site->cfg;
	const struct snapshot *sn = snapshot_get();
	const struct content_set *cs = content_get();
	struct sitemap *sm;
	struct build *b;
	size_t len = (size_t)url_base_len(cfg->public_url), urls;
	int fresh, start = 0;

	if (!len) {
		resp_error(r, ERR_NOT_FOUND, "a sitemap needs public-url");
		goto out;
	}
	pthread_mutex_lock(&sm_lock);
	sm = sm_current;
	fresh = sm && sm->snap == (const void *)sn && sm->snap_rev == sn->revision && sm->content == (const void *)cs &&
		sm->content_rev == (cs ? cs->revision : -1);
	if (sm)
		atomic_fetch_add(&sm->refs, 1);
	if (!fresh && !sm_building)
		start = sm_building = 1;
	pthread_mutex_unlock(&sm_lock);
	if (!start && sm) { /* current, or being rebuilt: the last one meanwhile */
		send_file(r, sm, n);
		sitemap_put(sm);
		goto out;
	}
	sitemap_put(sm);
	if (!start) {
		resp_add_header(r, "retry-after", "5");
		resp_error(r, ERR_UNAVAILABLE, "the sitemap is being built");
		goto out;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		goto busy;
	b->pub = strndup(cfg->public_url, len);
	b->sn = sn;
	b->cs = cs;
	b->max_urls = cfg->sitemap_max_urls > 0 && cfg->sitemap_max_urls < SITEMAP_MAX_URLS
			  ? (size_t)cfg->sitemap_max_urls
			  : SITEMAP_MAX_URLS;
	b->max_bytes = SITEMAP_MAX_BYTES;
	b->want = n;
	b->t0 = now_usec();
	sn = NULL;
	cs = NULL;
	if (!b->pub) {
		build_free(b);
		goto busy;
	}
	urls = 2 * (sizeof(fixed_pages) / sizeof(fixed_pages[0]) + b->sn->cat->nservices + b->sn->cat->nevents +
		    b->sn->cat->norgs + (b->cs ? b->cs->n : 0));
	if (async_run_bytes(r, sitemap_work, sitemap_done, b, 2 * urls * SITEMAP_URL_BYTES) != 0) {
		build_free(b); /* answered 503 */
		pthread_mutex_lock(&sm_lock);
		sm_building = 0;
		pthread_mutex_unlock(&sm_lock);
	}
	return;
busy:
	pthread_mutex_lock(&sm_lock);
	sm_building = 0;
	pthread_mutex_unlock(&sm_lock);
	resp_error(r, ERR_INTERNAL, NULL);
out:
	if (sn)
		snapshot_put(sn);
	if (cs)
		content_put(cs);
}

int page_sitemap(struct req *r)
{
	serve(r, 0);
	return 0;
}

int page_sitemap_part(struct req *r)
{
	const char *file = req_param(r, 0);
	const char *dot = file ? strchr(file, '.') : NULL;
	unsigned long n = 0;
	char num[16];

	if (!dot || strcmp(dot, ".xml") != 0 || (size_t)(dot - file) >= sizeof(num)) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	memcpy(num, file, (size_t)(dot - file));
	num[dot - file] = '\0';
	if (url_uint(num, &n) != 0 || n == 0 || n > SITEMAP_MAX_FILES) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	serve(r, (size_t)n);
	return 0;
}

void page_alternates(struct req *r, json_t *ctx)
{
	const char *pub = r->site->cfg->public_url;
	int n = url_base_len(pub);

	json_object_set_new(ctx, "alt_lv",
			    json_string(arena_printf(r->arena, "%.*s%s", n, pub, req_path_in(r, LANG_LV))));
	json_object_set_new(ctx, "alt_en",
			    json_string(arena_printf(r->arena, "%.*s%s", n, pub, req_path_in(r, LANG_EN))));
}

/* robots.txt: the static file, and the sitemap when there is one. */
int page_robots(struct req *r)
{
	int immutable = 0;
	const struct static_file *f = static_find(app_of(r)->statics, "robots.txt", &immutable);
	const char *pub = r->site->cfg->public_url;
	size_t n = (size_t)url_base_len(pub);
	struct buf b = BUF_INIT;

	if (!f) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	buf_init(&b, f->len + n + 64);
	buf_append(&b, f->data, f->len);
	if (n)
		buf_printf(&b, "%sSitemap: %.*s/sitemap.xml\n", f->len && f->data[f->len - 1] != '\n' ? "\n" : "",
			   (int)n, pub);
	resp_send_buf(r, 200, "text/plain; charset=utf-8", &b, 0);
	return 0;
}
