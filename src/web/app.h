/* app.h — everything a running epak shares between its threads. Built once
 * at start (app_open), read-only afterwards except where noted. The part the
 * HTTP layer reads is app->site (http/site.h); handlers reach the rest with
 * app_of(r).
 *
 * Settings reach the code through struct config (core/config.h: one table of
 * keys, from flags, EPAK_* environment and --config file) and the structs
 * made from it (struct mail_config); no module reads the environment for a
 * setting. The process-wide state that is not in struct app, and why:
 *
 *   core/log.c       log_level, log_access_on   set once by main() before any
 *                                               thread; every log call reads them
 *   core/i18n.c      tr_cache, tr_lock, gettext_lock, i18n_ready
 *                                               gettext's own state is process-wide
 *                                               (setlocale, bindtextdomain); the
 *                                               cache of its answers follows it
 *   core/errors.c    err_codes                  the public codes of the error
 *                                               registry, filled on first use
 *   http/server.c    server_stop, kept_workers  signal handlers can reach only
 *                                               globals; workers kept for shutdown
 *   http/resp.c      static_generator           h2o's constant generator for
 *                                               finished bodies
 *   http/async.c     pool                       the worker pool (threads, job
 *                                               queue, its byte budget): one
 *                                               per process, shared by the loops
 *   web/snapshot.c   the published read model and the refresher thread, one
 *                    per process (snapshot.h); failed_rev, failed_mtime: the
 *                    last build that failed, so it is not retried every tick
 *   mail/worker.c    the delivery thread (one per process): its copy of the
 *                    struct mail_config, its database connection, start/stop
 *                    locks and the kick condition variable
 *   mail/smtp.c, sign/net.c, sign/xml.c   pthread_once for libcurl's and
 *                    libxml2's global initialisation (their requirement)
 *   search/query.c   per-thread scratch memory (thread-local, not shared)
 *   web/sign_session.c  the purger thread (one per process)
 *   web/content.c    the content index (news and FAQ for /meklet and the
 *                    home page) and the thread that rebuilds it (content.h)
 *   search/bench.c   the benchmark's random-number state (epak search-bench only)
 *   http/metrics.c   the request counters, one block per event-loop thread
 *                    (sized by server_run) and the process's start time
 *   store/db.c       error_counts: database errors by kind, all connections
 *   web/page_metrics.c  the last /metrics text and the last readiness probe,
 *                    each with its own database connection, under a mutex
 */
#ifndef EPAK_APP_H
#define EPAK_APP_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/config.h"
#include "core/i18n.h"
#include "http/http.h"
#include "http/router.h"
#include "http/site.h"
#include "core/buf.h"

#include <jansson.h>
#include <pthread.h>
#include "core/err.h"
#include "core/netaddr.h"
#include "oidc/oidc.h"

struct tmpl_set;
struct static_files;
struct db;
struct req;
struct edoc_trust;
struct mail_config;
struct auth_cert_ctx;

struct app {
	struct site site; /* what http reads: cfg, routes, language, CSRF key, revision, callbacks */
	const struct config *cfg;
	struct tmpl_set *tmpl[LANG__COUNT]; /* swapped in dev mode under tmpl_lock */
	pthread_rwlock_t tmpl_lock;
	long long tmpl_mtime; /* newest template file, for dev reloads */
	struct static_files *statics;
	unsigned char secret[32];       /* HMAC key for CSRF tokens (site.csrf_key), kept in data/secret */
	char db_url[1024];              /* the PostgreSQL URL or the SQLite file */
	char tmp_dir[1024];             /* data/tmp: spilled uploads (site.tmp_dir) */
	struct edoc_trust *trust;       /* anchors for checking signatures, or NULL */
	struct edoc_trust *sign_ca;     /* intermediates of signers' certificates, or NULL */
	const struct mail_config *mail; /* the outbox's settings (From, size cap, daily budget); set by main */
	/* the eID login certificate check (sign/auth_cert.h), or NULL: no eID login */
	struct auth_cert_ctx *auth_cert;
	struct oidc_set oidc;         /* identity providers; each caches its discovery and keys under its lock */
	const char *version;          /* the build's version (epak_build_info of /metrics); set by main */
	struct netlist metrics_allow; /* metrics-allow, parsed once (empty list: /metrics is off) */
};

/* The application a request belongs to. */
static inline const struct app *app_of(const struct req *r)
{
	return (const struct app *)r->site->app;
}

/* Loads templates, static files, translations and the server secret.
 * Opens no database: threads open their own (app_db). */
int app_open(struct app *app, const struct config *cfg, struct err *err);
void app_close(struct app *app);
/* Renders template name for lang into out; 0 on success. */
int app_render(const struct app *app, enum lang lang, const char *name, const json_t *ctx, struct buf *out);
/* The database connection of the calling thread (opened on first use,
 * closed when the thread ends: site.thread_exit). */
struct db *app_db(struct req *r);

extern const struct route web_routes[];
extern const size_t web_nroutes;

#endif
