/* page_metrics.c — /metrics for Prometheus and the health checks
 * /api/v1/health/live, /api/v1/health/ready (and /api/v1/health, which is
 * readiness).
 *
 * /metrics answers only TCP peers in metrics-allow (X-Forwarded-For is not
 * believed for it: a proxy in trusted-proxies would otherwise let anyone
 * who can write that header through); everyone else, /en/metrics included,
 * gets the site's 404. A scrape is rendered in the worker pool — the
 * database families (outbox, sessions) need queries, which never run on an
 * event loop — at most once a second: within a second of the last render,
 * or while one is running, the last text is served again. So a client
 * hammering /metrics from an allowed address costs one render a second
 * (O(threads × routes × (codes + buckets)), a few hundred KB at most) and
 * a copy per request.
 *
 * Readiness asks the database through the worker pool too, on a
 * connection of its own, at most once a second: within a second the last
 * answer is given again; while a probe runs, its predecessor's answer (or
 * 503 when the probe has taken more than PROBE_TIMEOUT_MS). Liveness
 * touches nothing but the event loop that answers it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/log.h"
#include "core/netaddr.h"
#include "http/async.h"
#include "http/metrics.h"
#include "http/server.h"
#include "mail/outbox.h"
#include "store/account.h"
#include "store/db.h"
#include "store/migrate.h"
#include "web/app.h"
#include "web/snapshot.h"
#include "web/web.h"

enum {
	FRESH_MS = 1000,         /* a scrape or probe result is reused this long */
	PROBE_TIMEOUT_MS = 2000, /* a probe running longer: the database does not answer */
	DB_TIMEOUT_MS = 1000,    /* lock timeout of the probe's and scrape's connections */
	METRICS_MAX = 8 << 20,   /* the text's cap (it is bounded by the route table far below that) */
};

static long long mono_ms(void)
{
	return now_usec() / 1000;
}

/* Opens *db when it is not open; closes it after a failure so that the next
 * use reconnects. Only the one job that holds the running flag uses it. */
static struct db *job_db(struct db **db, const char *url, struct err *err)
{
	if (!*db) {
		*db = db_open(url, err);
		if (*db)
			db_set_timeout(*db, DB_TIMEOUT_MS);
	}
	return *db;
}

static void job_db_failed(struct db **db)
{
	db_close(*db);
	*db = NULL;
}

/* ---- /metrics ---- */

static struct {
	pthread_mutex_t lock;
	char *body; /* the last text (malloc), or NULL */
	size_t len;
	long long at; /* when it was rendered (mono_ms) */
	int running;  /* a render is in the pool */
	struct db *db;
} scrape = {.lock = PTHREAD_MUTEX_INITIALIZER};

struct scrape_job {
	const struct app *app;
	struct buf out;
};

static void db_families(struct buf *out, const struct app *app)
{
	struct err err = {0};
	struct db *db = job_db(&scrape.db, app->db_url, &err);
	struct outbox_counts oc;
	long long sessions = 0, now = (long long)time(NULL);
	int ok = db && outbox_counts(db, &oc) == DB_OK &&
		 account_sessions_active(db, now, app->cfg->session_idle, &sessions) == DB_OK;

	metrics_family(out, "epak_database_up", "gauge", "1 when this scrape's database queries succeeded");
	metrics_sample_u64(out, "epak_database_up", NULL, ok ? 1 : 0);
	if (!ok) {
		if (db)
			job_db_failed(&scrape.db);
		return;
	}
	metrics_family(out, "epak_mail_outbox_queued", "gauge", "mails in the outbox waiting for delivery (queued)");
	metrics_sample_u64(out, "epak_mail_outbox_queued", NULL, (unsigned long long)oc.queued);
	metrics_family(out, "epak_mail_outbox_sending", "gauge", "mails being delivered now (claimed by a worker)");
	metrics_sample_u64(out, "epak_mail_outbox_sending", NULL, (unsigned long long)oc.sending);
	metrics_family(out, "epak_mail_outbox_oldest_queued_age_seconds", "gauge",
		       "age of the oldest queued mail, seconds; 0 when none is queued");
	metrics_sample_u64(out, "epak_mail_outbox_oldest_queued_age_seconds", NULL,
			   oc.oldest_queued > 0 && now > oc.oldest_queued ? (unsigned long long)(now - oc.oldest_queued)
									  : 0);
	metrics_family(out, "epak_login_sessions_active", "gauge",
		       "login sessions in use: logged in fully, not expired, seen within session-idle");
	metrics_sample_u64(out, "epak_login_sessions_active", NULL, (unsigned long long)sessions);
}

static void scrape_work(void *cls)
{
	struct scrape_job *j = cls;
	const char *labels[] = {"version", j->app->version ? j->app->version : "", NULL};
	struct snapshot_metrics sm;
	int k;

	metrics_write_http(&j->out);
	snapshot_metrics(&sm);
	metrics_family(&j->out, "epak_read_model_revision", "gauge",
		       "database revision the served read model reflects (-1: empty, -2: none loaded)");
	metrics_sample(&j->out, "epak_read_model_revision", NULL, sm.loaded ? (double)sm.revision : -2.0);
	metrics_family(&j->out, "epak_read_model_build_seconds", "gauge",
		       "how long the last build of the read model that was swapped in took");
	metrics_sample(&j->out, "epak_read_model_build_seconds", NULL, sm.build_seconds);
	metrics_family(&j->out, "epak_read_model_built_timestamp_seconds", "gauge",
		       "when the served read model was swapped in, unix seconds");
	metrics_sample_u64(&j->out, "epak_read_model_built_timestamp_seconds", NULL, (unsigned long long)sm.built_at);
	metrics_family(&j->out, "epak_read_model_overlays_total", "counter",
		       "back-office changes laid over the read model without a whole rebuild");
	metrics_sample_u64(&j->out, "epak_read_model_overlays_total", NULL, (unsigned long long)sm.overlays);
	metrics_family(&j->out, "epak_database_errors_total", "counter",
		       "database errors of all connections by kind (error, constraint, integrity, conflict, connect)");
	for (k = 0; k < DB_ERRK__COUNT; k++) {
		const char *kl[] = {"kind", db_error_kind_name(k), NULL};

		metrics_sample_u64(&j->out, "epak_database_errors_total", kl, db_error_count(k));
	}
	db_families(&j->out, j->app);
	metrics_family(&j->out, "epak_build_info", "gauge", "the running build: its version; always 1");
	metrics_sample_u64(&j->out, "epak_build_info", labels, 1);
}

static void send_text(struct req *r, const char *body, size_t len)
{
	char *copy = arena_alloc(r->arena, len ? len : 1);

	if (!copy) {
		resp_error(r, ERR_INTERNAL, NULL);
		return;
	}
	memcpy(copy, body, len);
	resp_send(r, 200, "text/plain; version=0.0.4; charset=utf-8", copy, len, RESP_NO_STORE);
}

static void scrape_done(struct req *r, void *cls)
{
	struct scrape_job *j = cls;
	size_t len = 0;
	char *text = buf_ok(&j->out) ? buf_steal(&j->out, &len) : NULL;

	pthread_mutex_lock(&scrape.lock);
	scrape.running = 0;
	if (text) {
		free(scrape.body);
		scrape.body = text;
		scrape.len = len;
		scrape.at = mono_ms();
	}
	if (r && scrape.body)
		send_text(r, scrape.body, scrape.len);
	pthread_mutex_unlock(&scrape.lock);
	if (r && !text && !r->answered)
		resp_error(r, ERR_UNAVAILABLE, "metrics");
	buf_free(&j->out);
	free(j);
}

/* A request a proxy passed on: a reverse proxy on the same machine (the
 * usual deployment) connects from loopback, which metrics-allow lets in,
 * so its headers must shut the door. A scraper sends none of them. */
static int proxied(struct req *r)
{
	return req_header(r, "x-forwarded-for") || req_header(r, "forwarded") || req_header(r, "x-real-ip");
}

/* The TCP peer, never X-Forwarded-For, and never through a proxy;
 * /en/metrics is no address of it. */
static int metrics_allowed(struct req *r)
{
	const struct netlist *allow = &app_of(r)->metrics_allow;
	struct sockaddr_storage ss;

	if (!allow->n || r->lang != r->site->default_lang || proxied(r))
		return 0;
	return req_peer_sockaddr(r, &ss) && netlist_match(allow, (struct sockaddr *)&ss);
}

int page_metrics(struct req *r)
{
	struct scrape_job *j;
	long long now = mono_ms();

	if (!metrics_allowed(r)) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	pthread_mutex_lock(&scrape.lock);
	if (scrape.body && (scrape.running || now - scrape.at < FRESH_MS)) {
		send_text(r, scrape.body, scrape.len);
		pthread_mutex_unlock(&scrape.lock);
		return 0;
	}
	if (scrape.running) { /* the first render of all is still running */
		pthread_mutex_unlock(&scrape.lock);
		resp_error(r, ERR_UNAVAILABLE, "metrics");
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		pthread_mutex_unlock(&scrape.lock);
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	scrape.running = 1;
	pthread_mutex_unlock(&scrape.lock);
	j->app = app_of(r);
	buf_init(&j->out, METRICS_MAX);
	if (async_run(r, scrape_work, scrape_done, j) != 0) { /* it answered 503 */
		pthread_mutex_lock(&scrape.lock);
		scrape.running = 0;
		pthread_mutex_unlock(&scrape.lock);
		buf_free(&j->out);
		free(j);
	}
	return 0;
}

/* ---- health ---- */

/* Liveness: this event loop answers. Nothing else is asked. */
int api_health_live(struct req *r)
{
	resp_json_flags(r, 200, json_pack("{s:s}", "status", "ok"), RESP_NO_STORE);
	return 0;
}

static struct {
	pthread_mutex_t lock;
	int have;            /* a probe has finished */
	int ok;              /* its result */
	long long schema;    /* the schema version it read */
	const char *backend; /* db_backend of its connection (a static string) */
	long long at;        /* when it finished (mono_ms) */
	int running;
	long long started; /* when the running one started */
	struct db *db;
} probe = {.lock = PTHREAD_MUTEX_INITIALIZER};

struct probe_job {
	const struct app *app;
	long long schema;
	const char *backend;
};

static void probe_work(void *cls)
{
	struct probe_job *j = cls;
	struct err err = {0};
	struct db *db = job_db(&probe.db, j->app->db_url, &err);

	j->schema = db ? db_migration_version(db) : -1;
	j->backend = db ? db_backend(db) : "";
	if (db && j->schema < 0)
		job_db_failed(&probe.db);
}

static void answer_ready(struct req *r, int ok, long long schema, const char *backend, const char *reason)
{
	struct snapshot_metrics sm;

	snapshot_metrics(&sm);
	if (!reason && server_stopping())
		reason = "stopping";
	if (!reason && !sm.loaded)
		reason = "read-model";
	if (!reason && !ok)
		reason = "database";
	if (reason) {
		resp_json_flags(r, 503, json_pack("{s:s, s:s}", "status", "unavailable", "reason", reason),
				RESP_NO_STORE);
		return;
	}
	resp_json_flags(r, 200,
			json_pack("{s:s, s:s, s:I, s:I}", "status", "ok", "database", backend, "schema", schema,
				  "read_model", sm.revision),
			RESP_NO_STORE);
}

static void probe_done(struct req *r, void *cls)
{
	struct probe_job *j = cls;
	int ok = j->schema >= 0;

	pthread_mutex_lock(&probe.lock);
	probe.running = 0;
	probe.have = 1;
	probe.ok = ok;
	probe.schema = j->schema;
	probe.backend = j->backend;
	probe.at = mono_ms();
	if (r)
		answer_ready(r, ok, j->schema, j->backend, NULL);
	pthread_mutex_unlock(&probe.lock);
	free(j);
}

/* Readiness: not stopping, the read model loaded, the database answers. */
int api_health_ready(struct req *r)
{
	struct snapshot_metrics sm;
	struct probe_job *j;
	long long now = mono_ms();

	snapshot_metrics(&sm);
	if (server_stopping() || !sm.loaded) {
		answer_ready(r, 0, -1, "", server_stopping() ? "stopping" : "read-model");
		return 0;
	}
	pthread_mutex_lock(&probe.lock);
	if (probe.have && (probe.running || now - probe.at < FRESH_MS)) {
		if (probe.running && now - probe.started > PROBE_TIMEOUT_MS)
			answer_ready(r, 0, -1, "", "database");
		else
			answer_ready(r, probe.ok, probe.schema, probe.backend, NULL);
		pthread_mutex_unlock(&probe.lock);
		return 0;
	}
	if (probe.running) { /* the first probe of all is still running */
		pthread_mutex_unlock(&probe.lock);
		answer_ready(r, 0, -1, "", "database");
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		pthread_mutex_unlock(&probe.lock);
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	probe.running = 1;
	probe.started = now;
	pthread_mutex_unlock(&probe.lock);
	j->app = app_of(r);
	if (async_run(r, probe_work, probe_done, j) != 0) { /* the pool is full: it answered 503 */
		pthread_mutex_lock(&probe.lock);
		probe.running = 0;
		pthread_mutex_unlock(&probe.lock);
		free(j);
	}
	return 0;
}

/* The health check of old, for load balancers and the tests' start probe:
 * readiness. */
int api_health(struct req *r)
{
	return api_health_ready(r);
}
