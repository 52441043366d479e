/* metrics.h — the Prometheus text exposition format (version 0.0.4) and
 * the HTTP layer's own counters: requests by route pattern and status,
 * latency histograms per route, page-cache hits and misses, open
 * connections and the worker pool's queue.
 *
 * Counting is cheap on the hot path: each event-loop thread has its own
 * block of counters (bound by metrics_thread_bind) that only it writes,
 * with relaxed atomic loads and stores (no read-modify-write, no lock); a
 * scrape sums the blocks. Any other thread counts into one shared block
 * with relaxed atomic adds. The route label is the route's PATTERN
 * ("/pakalpojumi/{slug}"), never the path: the series are bounded by the
 * route table (requests no route answered count as route "unmatched"),
 * and no path a person asked for shows up.
 *
 * The layer above writes its own families with the same writer
 * (metrics_family, metrics_sample) after metrics_write_http. */
#ifndef EPAK_METRICS_H
#define EPAK_METRICS_H

#include <stddef.h>

#include "core/buf.h"
#include "http/router.h"

/* The status codes counted each as its own; any other counts as its class
 * ("2xx", "4xx", ...). */
#define METRICS_NBUCKETS 14 /* latency buckets, without +Inf */

/* Allocates the counters for a route table and nthreads event-loop threads
 * (server_run calls it, before any thread starts). 0, or -1 without memory
 * (then nothing is counted). Calling it again drops the old counts. */
int metrics_init(const struct route *routes, size_t nroutes, int nthreads);
/* Binds the calling event-loop thread to its own block (0 <= id < nthreads). */
void metrics_thread_bind(int id);
/* One answered request: its route (NULL: none), status and time taken. */
void metrics_request(const struct route *route, int status, long long usec);
/* One look into the page cache. */
void metrics_cache(int hit);

/* Appends the HTTP layer's families (requests, latency, cache, open
 * connections, worker pool, process start). A scrape costs O(threads ×
 * routes × (codes + buckets)); only series that have counted something
 * are written. */
void metrics_write_http(struct buf *out);

/* ---- the text writer ---- */

/* "# HELP name help" (help escaped: \\ and \n) and "# TYPE name type". */
void metrics_family(struct buf *out, const char *name, const char *type, const char *help);
/* "name{l1="v1",l2="v2"} value": labels is NULL or a NULL-terminated list
 * of name, value pairs; values are escaped (\\, \", \n). */
void metrics_sample(struct buf *out, const char *name, const char *const *labels, double value);
/* The same with an exact integer value. */
void metrics_sample_u64(struct buf *out, const char *name, const char *const *labels, unsigned long long value);
/* A label value as the format wants it inside its double quotes. */
void metrics_escape_label(struct buf *out, const char *value);

#endif
