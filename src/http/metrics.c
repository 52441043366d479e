/* metrics.c — see metrics.h. */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/async.h"
#include "http/server.h"

typedef atomic_uint_fast64_t counter;

/* The codes counted one by one; others by class (index NCODES + class). */
static const int codes[] = {200, 201, 204, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405,
			    406, 409, 410, 411, 413, 414, 415, 422, 429, 431, 500, 502, 503, 504};
#define NCODES (sizeof(codes) / sizeof(codes[0]))
#define NSTATUS (NCODES + 6) /* + "1xx" … "5xx" and "other" */

/* Upper bounds of the latency buckets, microseconds (0.5 ms … 10 s). */
static const long long bucket_us[METRICS_NBUCKETS] = {500,    1000,   2500,   5000,    10000,   25000,   50000,
						      100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
static const char *const bucket_le[METRICS_NBUCKETS] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
							"0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};

/* One thread's counters. Per route (the table's index; nroutes is
 * "unmatched"): NSTATUS request counts, METRICS_NBUCKETS + 1 bucket counts
 * (not cumulative; the last is above every bound) and the sum of
 * microseconds. */
struct block {
	counter *c;
	counter cache_hit, cache_miss;
};

enum { PER_ROUTE = NSTATUS + METRICS_NBUCKETS + 1 + 1 };

static struct {
	const struct route *routes;
	size_t nroutes;
	int nblocks;          /* event-loop threads + 1 shared */
	struct block *blocks; /* the last one is shared */
} m;

static long long started; /* unix seconds, when the process began */

__attribute__((constructor)) static void note_start(void)
{
	started = (long long)time(NULL);
}

static _Thread_local struct block *own; /* this thread's block, or NULL */

int metrics_init(const struct route *routes, size_t nroutes, int nthreads)
{
	int i;

	if (m.blocks)
		for (i = 0; i < m.nblocks; i++)
			free(m.blocks[i].c);
	free(m.blocks);
	memset(&m, 0, sizeof(m));
	m.blocks = calloc((size_t)nthreads + 1, sizeof(*m.blocks));
	if (!m.blocks)
		return -1;
	for (i = 0; i <= nthreads; i++) {
		m.blocks[i].c = calloc((nroutes + 1) * PER_ROUTE, sizeof(counter));
		if (!m.blocks[i].c) {
			while (i-- > 0)
				free(m.blocks[i].c);
			free(m.blocks);
			m.blocks = NULL;
			return -1;
		}
	}
	m.nblocks = nthreads + 1;
	m.routes = routes;
	m.nroutes = nroutes;
	return 0;
}

void metrics_thread_bind(int id)
{
	own = m.blocks && id >= 0 && id < m.nblocks - 1 ? &m.blocks[id] : NULL;
}

/* The owner alone writes its block: a relaxed load and store, which compile
 * to a plain add; others share the last block and add atomically. */
static inline void bump(struct block *b, counter *c, uint_fast64_t by)
{
	if (b == own)
		atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(c, by, memory_order_relaxed);
}

static struct block *block_here(void)
{
	return own ? own : m.blocks ? &m.blocks[m.nblocks - 1] : NULL;
}

static size_t status_index(int status)
{
	size_t i;

	for (i = 0; i < NCODES; i++)
		if (codes[i] == status)
			return i;
	return status >= 100 && status <= 599 ? NCODES + (size_t)(status / 100 - 1) : NCODES + 5;
}

void metrics_request(const struct route *route, int status, long long usec)
{
	struct block *b = block_here();
	size_t ri, k;
	counter *c;

	if (!b)
		return;
	ri = route && route >= m.routes && route < m.routes + m.nroutes ? (size_t)(route - m.routes) : m.nroutes;
	c = b->c + ri * PER_ROUTE;
	if (usec < 0)
		usec = 0;
	for (k = 0; k < METRICS_NBUCKETS && usec > bucket_us[k]; k++)
		;
	bump(b, &c[status_index(status)], 1);
	bump(b, &c[NSTATUS + k], 1);
	bump(b, &c[PER_ROUTE - 1], (uint_fast64_t)usec);
}

void metrics_cache(int hit)
{
	struct block *b = block_here();

	if (b)
		bump(b, hit ? &b->cache_hit : &b->cache_miss, 1);
}

/* ---- the text writer ---- */

static void escape(struct buf *out, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(out, "\\\\");
		else if (*s == '\n')
			buf_puts(out, "\\n");
		else if (*s == '"' && quote)
			buf_puts(out, "\\\"");
		else
			buf_putc(out, *s);
	}
}

void metrics_escape_label(struct buf *out, const char *value)
{
	escape(out, value ? value : "", 1);
}

void metrics_family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s ", name);
	escape(out, help, 0);
	buf_printf(out, "\n# TYPE %s %s\n", name, type);
}

static void sample_head(struct buf *out, const char *name, const char *const *labels)
{
	size_t i;

	buf_puts(out, name);
	if (!labels || !labels[0])
		return;
	buf_putc(out, '{');
	for (i = 0; labels[i] && labels[i + 1]; i += 2) {
		buf_printf(out, "%s%s=\"", i ? "," : "", labels[i]);
		metrics_escape_label(out, labels[i + 1]);
		buf_putc(out, '"');
	}
	buf_putc(out, '}');
}

void metrics_sample(struct buf *out, const char *name, const char *const *labels, double value)
{
	sample_head(out, name, labels);
	buf_printf(out, " %.10g\n", value);
}

void metrics_sample_u64(struct buf *out, const char *name, const char *const *labels, unsigned long long value)
{
	sample_head(out, name, labels);
	buf_printf(out, " %llu\n", value);
}

/* ---- the HTTP families ---- */

static uint_fast64_t sum(size_t at)
{
	uint_fast64_t s = 0;
	int i;

	for (i = 0; i < m.nblocks; i++)
		s += atomic_load_explicit(&m.blocks[i].c[at], memory_order_relaxed);
	return s;
}

static void route_labels(size_t ri, const char **labels)
{
	labels[0] = "route";
	labels[1] = ri < m.nroutes ? m.routes[ri].pattern : "unmatched";
	labels[2] = "method";
	labels[3] = ri < m.nroutes ? m.routes[ri].method : "";
}

static void code_text(size_t si, char out[8])
{
	static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

	if (si < NCODES)
		snprintf(out, 8, "%d", codes[si]);
	else
		snprintf(out, 8, "%s", classes[si - NCODES]);
}

void metrics_write_http(struct buf *out)
{
	const char *labels[9];
	char code[8];
	size_t ri, k;
	uint_fast64_t v, count, cum;
	uint_fast64_t hit = 0, miss = 0;
	int i;

	metrics_family(out, "epak_http_requests_total", "counter",
		       "HTTP requests answered, by route pattern, method and status code (unlisted codes by class)");
	for (ri = 0; m.blocks && ri <= m.nroutes; ri++)
		for (k = 0; k < NSTATUS; k++) {
			v = sum(ri * PER_ROUTE + k);
			if (!v)
				continue;
			route_labels(ri, labels);
			code_text(k, code);
			labels[4] = "code";
			labels[5] = code;
			labels[6] = NULL;
			metrics_sample_u64(out, "epak_http_requests_total", labels, v);
		}
	metrics_family(out, "epak_http_request_duration_seconds", "histogram",
		       "time from the request's arrival to its answer's start, by route pattern and method");
	for (ri = 0; m.blocks && ri <= m.nroutes; ri++) {
		count = 0;
		for (k = 0; k <= METRICS_NBUCKETS; k++)
			count += sum(ri * PER_ROUTE + NSTATUS + k);
		if (!count)
			continue;
		route_labels(ri, labels);
		labels[4] = "le";
		labels[6] = NULL;
		cum = 0;
		for (k = 0; k < METRICS_NBUCKETS; k++) {
			cum += sum(ri * PER_ROUTE + NSTATUS + k);
			labels[5] = bucket_le[k];
			metrics_sample_u64(out, "epak_http_request_duration_seconds_bucket", labels, cum);
		}
		labels[5] = "+Inf";
		metrics_sample_u64(out, "epak_http_request_duration_seconds_bucket", labels, count);
		labels[4] = NULL;
		metrics_sample(out, "epak_http_request_duration_seconds_sum", labels,
			       (double)sum(ri * PER_ROUTE + PER_ROUTE - 1) / 1e6);
		metrics_sample_u64(out, "epak_http_request_duration_seconds_count", labels, count);
	}
	for (i = 0; i < m.nblocks; i++) {
		hit += atomic_load_explicit(&m.blocks[i].cache_hit, memory_order_relaxed);
		miss += atomic_load_explicit(&m.blocks[i].cache_miss, memory_order_relaxed);
	}
	metrics_family(out, "epak_page_cache_lookups_total", "counter",
		       "lookups in the per-thread page cache of whole responses, by result (hit or miss)");
	labels[0] = "result";
	labels[1] = "hit";
	labels[2] = NULL;
	metrics_sample_u64(out, "epak_page_cache_lookups_total", labels, hit);
	labels[1] = "miss";
	metrics_sample_u64(out, "epak_page_cache_lookups_total", labels, miss);
	metrics_family(out, "epak_http_open_connections", "gauge", "client connections open now");
	metrics_sample_u64(out, "epak_http_open_connections", NULL, (unsigned long long)server_open_connections());
	metrics_family(out, "epak_http_refused_connections_total", "counter",
		       "connections closed at accept for max-conns or max-conns-per-address");
	metrics_sample_u64(out, "epak_http_refused_connections_total", NULL,
			   (unsigned long long)server_refused_connections());
	metrics_family(out, "epak_worker_pool_queued_jobs", "gauge",
		       "jobs waiting for a thread of the worker pool (database and slow work)");
	metrics_sample_u64(out, "epak_worker_pool_queued_jobs", NULL, (unsigned long long)async_pool_queued());
	metrics_family(out, "process_start_time_seconds", "gauge", "when the process started, unix seconds");
	metrics_sample_u64(out, "process_start_time_seconds", NULL, (unsigned long long)started);
}
