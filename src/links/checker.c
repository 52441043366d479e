/* checker.c — the link checker's thread: a scheduler over libcurl's multi
 * interface. See checker.h.
 *
 * A check is a job: one URL, followed through its redirects. Every request
 * of a job (the HEAD, the GET after a refused HEAD, each hop) waits until
 * its host is free: no request to that host in flight and the last one
 * started and the last one ended link-check-host-delay ago or more. At
 * most link-check-parallel requests are in flight; at most eight times as
 * many jobs wait in memory, and at most HOST_QUEUE of one host, so one slow
 * host cannot hold back the others (the rest stay due in the database). A
 * job's outcome is recorded in one transaction (links_record); jobs cut off
 * by a stop are simply checked again later.
 */
#include "links/checker.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/config.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/netaddr.h"

void links_config_from(struct links_config *lc, const struct config *cfg)
{
	memset(lc, 0, sizeof(*lc));
	lc->enabled = cfg->link_check;
	lc->interval = cfg->link_check_interval;
	lc->retry = cfg->link_check_retry;
	lc->dead_after = cfg->link_check_dead_after;
	lc->keep_days = cfg->link_check_keep_days;
	lc->host_delay_ms = cfg->link_check_host_delay * 1000;
	lc->parallel = cfg->link_check_parallel;
	lc->timeout = cfg->link_check_timeout;
	lc->allow_private = cfg->link_check_allow_private;
	if (cfg->public_url && *cfg->public_url)
		snprintf(lc->user_agent, sizeof(lc->user_agent), "epak-linkcheck/1 (+%.250s)", cfg->public_url);
	else
		snprintf(lc->user_agent, sizeof(lc->user_agent), "epak-linkcheck/1");
}

int links_url_host(const char *url, char *out, size_t cap)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	size_t i, n;
	int rc = -1;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0))
		goto out;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		goto out;
	n = strlen(host);
	if (n >= cap)
		goto out;
	for (i = 0; i <= n; i++)
		out[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] + 32 : host[i]);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

int links_is_redirect(long code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

const char *links_classify(long code, int hops)
{
	if (code >= 200 && code < 300)
		return hops ? "redirect" : "ok";
	return "broken";
}

/* ---- jobs and hosts ---- */

struct job {
	long long id;
	char *url; /* as stored */
	char *cur; /* the request now: url or a redirect's target */
	char host[256];
	int get; /* HEAD was refused: GET */
	int hops;
	int failures;
	int in_flight;
	int refused; /* the address was not public */
	int cut;     /* the body was cut off after LINKS_MAX_BODY */
	size_t got;
	long long t0;
	json_t *chain;
	CURL *easy;
	char errbuf[CURL_ERROR_SIZE];
	struct job *next;
};

struct host {
	char name[256];
	long long next_ms; /* the next request may start then */
	int busy;
	struct host *next;
};

#define HOST_BUCKETS 1024
#define HOST_QUEUE 2  /* jobs of one host waiting in memory at most */
#define DUE_LOOK 1000 /* due links looked at per pass, earliest first */

static struct {
	pthread_mutex_t life;
	pthread_t thread;
	int running;
	atomic_int stop;
	struct links_config c;
	char db_url[1100];
	links_collect_fn collect;
	void *cls;
	struct db *db;
	CURLM *multi;
	struct job *jobs;
	int njobs, inflight;
	struct host *hosts[HOST_BUCKETS];
	char owner[33];
	long long revision;
} lk = {.life = PTHREAD_MUTEX_INITIALIZER, .revision = -1};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static struct host *host_get(const char *name)
{
	unsigned b = (unsigned)(fnv1a32(FNV1A32_INIT, name, strlen(name)) % HOST_BUCKETS);
	struct host *h;

	for (h = lk.hosts[b]; h; h = h->next)
		if (!strcmp(h->name, name))
			return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->next = lk.hosts[b];
	lk.hosts[b] = h;
	return h;
}

/* Forgets hosts idle for a minute (the table would otherwise grow with
 * every host ever checked). */
static void hosts_sweep(long long now)
{
	struct host **pp, *h;
	size_t b;

	for (b = 0; b < HOST_BUCKETS; b++) {
		for (pp = &lk.hosts[b]; (h = *pp);) {
			if (!h->busy && h->next_ms + 60000 < now) {
				*pp = h->next;
				free(h);
			} else {
				pp = &h->next;
			}
		}
	}
}

static void hosts_free(void)
{
	struct host *h, *n;
	size_t b;

	for (b = 0; b < HOST_BUCKETS; b++) {
		for (h = lk.hosts[b]; h; h = n) {
			n = h->next;
			free(h);
		}
		lk.hosts[b] = NULL;
	}
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	if (j->easy) {
		curl_multi_remove_handle(lk.multi, j->easy);
		curl_easy_cleanup(j->easy);
	}
	json_decref(j->chain);
	free(j->url);
	free(j->cur);
	free(j);
}

static void job_unlink(struct job *j)
{
	struct job **pp;

	for (pp = &lk.jobs; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			lk.njobs--;
			return;
		}
	}
}

static int add_due(void *cls, long long id, const char *url, const char *host, int failures)
{
	struct job *j;
	int same = 0, *room = cls;

	if (*room <= 0)
		return 1; /* enough waiting */
	for (j = lk.jobs; j; j = j->next) {
		if (j->id == id)
			return 0; /* being checked */
		same += !strcmp(j->host, host);
	}
	if (same >= HOST_QUEUE)
		return 0; /* the host has work waiting: let other hosts' links in first */
	j = calloc(1, sizeof(*j));
	if (!j)
		return 0;
	j->id = id;
	j->url = strdup(url);
	j->cur = strdup(url);
	j->chain = json_array();
	j->failures = failures;
	j->t0 = mono_ms();
	snprintf(j->host, sizeof(j->host), "%s", host);
	if (!j->url || !j->cur || !j->chain) {
		job_free(j);
		return 0;
	}
	j->next = lk.jobs;
	lk.jobs = j;
	lk.njobs++;
	(*room)--;
	return 0;
}

/* ---- one request ---- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *cls)
{
	struct job *j = cls;
	size_t n = size * nmemb;

	(void)p;
	j->got += n;
	if (j->got > LINKS_MAX_BODY) {
		j->cut = 1;
		return 0; /* enough: the status is what counts */
	}
	return n;
}

/* Every connection passes here with the address the name resolved to, at
 * the moment of connecting: a name that resolves (or re-resolves) to an
 * internal address is refused before a socket exists. */
static curl_socket_t open_public(void *cls, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct job *j = cls;

	(void)purpose;
	if (netaddr_internal(&a->addr)) {
		j->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static int start_request(struct job *j)
{
	CURL *e = curl_easy_init();

	if (!e)
		return -1;
	j->refused = j->cut = 0;
	j->got = 0;
	j->errbuf[0] = 0;
	curl_easy_setopt(e, CURLOPT_URL, j->cur);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, ""); /* the address checked must be the one connected to */
	curl_easy_setopt(e, CURLOPT_NOBODY, j->get ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, lk.c.user_agent);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)lk.c.timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, lk.c.timeout < 10 ? (long)lk.c.timeout : 10L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
#if LIBCURL_VERSION_NUM >= 0x075700
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L); /* a stop does not wait for a slow DNS lookup */
#endif
	if (!lk.c.allow_private) {
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_public);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
	}
	if (curl_multi_add_handle(lk.multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return -1;
	}
	j->easy = e;
	j->in_flight = 1;
	lk.inflight++;
	return 0;
}

static void finish(struct job *j, const char *status, long code, const char *error)
{
	struct link_result r;
	char *chain = json_dumps(j->chain, JSON_COMPACT);
	int rc;

	r.status = status;
	r.code = (int)code;
	r.final_url = j->cur;
	r.chain_json = chain ? chain : "[]";
	r.error = error ? error : "";
	r.ms = mono_ms() - j->t0;
	rc = links_record(lk.db, j->id, &r, (long long)time(NULL), lk.c.interval, lk.c.retry);
	if (rc < 0)
		log_error("link checker: database: %s", db_errmsg(lk.db));
	log_debug("link checker: %lld %s %ld (%d hops, %lld ms)", j->id, status, code, j->hops, r.ms);
	free(chain);
	job_unlink(j);
	job_free(j);
}

static void hop(struct job *j, long code)
{
	json_array_append_new(j->chain, json_pack("{s:s, s:I}", "url", j->cur, "code", (json_int_t)code));
}

/* A request of j has ended with result cc. */
static void request_done(struct job *j, CURLcode cc)
{
	struct host *h = host_get(j->host);
	char why[400], host[256];
	const char *loc = NULL;
	long code = 0;
	size_t i;

	if (h) {
		/* the next request to the host: link-check-host-delay after
		 * this one started and after it ended (a slow host gets fewer) */
		h->busy = 0;
		if (h->next_ms < mono_ms() + lk.c.host_delay_ms)
			h->next_ms = mono_ms() + lk.c.host_delay_ms;
	}
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &code);
	if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && j->cut))
		curl_easy_getinfo(j->easy, CURLINFO_REDIRECT_URL, &loc);
	loc = loc ? strdup(loc) : NULL;
	curl_multi_remove_handle(lk.multi, j->easy);
	curl_easy_cleanup(j->easy);
	j->easy = NULL;
	j->in_flight = 0;
	lk.inflight--;
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && j->cut)) {
		/* a name that does not resolve reads like one that resolves to
		 * an internal address: else the report would tell an editor
		 * which internal host names exist */
		if (j->refused || (!lk.c.allow_private && cc == CURLE_COULDNT_RESOLVE_HOST))
			snprintf(why, sizeof(why),
				 "refused: %.200s is not a public address (link-check-allow-private is off)", j->host);
		else
			snprintf(why, sizeof(why), "%s", j->errbuf[0] ? j->errbuf : curl_easy_strerror(cc));
		hop(j, 0);
		finish(j, "broken", 0, why);
		goto out;
	}
	if (!j->get && (code == 405 || code == 501)) {
		j->get = 1; /* HEAD refused: ask again with GET (its own turn for the host) */
		goto out;
	}
	hop(j, code);
	if (!links_is_redirect(code)) {
		if (code >= 200 && code < 300)
			finish(j, links_classify(code, j->hops), code, "");
		else {
			snprintf(why, sizeof(why), "HTTP status %ld", code);
			finish(j, "broken", code, why);
		}
		goto out;
	}
	if (loc && strlen(loc) > LINKS_URL_MAX) {
		finish(j, "broken", code, "redirect to an address longer than 2000 bytes");
		goto out;
	}
	if (!loc || links_url_host(loc, host, sizeof(host)) != 0) {
		finish(j, "broken", code,
		       loc ? "redirect to an address that is not http or https" : "redirect without a Location");
		goto out;
	}
	for (i = 0; i < json_array_size(j->chain); i++) {
		if (!strcmp(json_string_value(json_object_get(json_array_get(j->chain, i), "url")), loc)) {
			finish(j, "broken", code, "redirect loop");
			goto out;
		}
	}
	if (++j->hops > LINKS_MAX_HOPS) {
		snprintf(why, sizeof(why), "more than %d redirects", LINKS_MAX_HOPS);
		finish(j, "broken", code, why);
		goto out;
	}
	free(j->cur);
	j->cur = (char *)loc;
	loc = NULL;
	snprintf(j->host, sizeof(j->host), "%s", host);
	j->get = 0;
out:
	free((char *)loc);
}

/* Starts what may start now; returns ms until a waiting job's host frees. */
static long long start_ready(long long now)
{
	long long wait = 1000;
	struct job *j, *next;
	struct host *h;

	for (j = lk.jobs; j; j = next) {
		next = j->next;
		if (j->in_flight)
			continue;
		h = host_get(j->host);
		if (!h)
			continue;
		if (h->busy)
			continue;
		if (h->next_ms > now) {
			if (h->next_ms - now < wait)
				wait = h->next_ms - now;
			continue;
		}
		if (lk.inflight >= lk.c.parallel)
			break;
		if (start_request(j) != 0) {
			hop(j, 0);
			finish(j, "broken", 0, "cannot start the request (out of memory)");
			continue;
		}
		h->busy = 1;
		h->next_ms = now + lk.c.host_delay_ms;
	}
	return wait;
}

static void sync_uses(void)
{
	struct link_uses l = {0};
	long long rev = lk.revision, changed = 0, t0 = mono_ms(), n;
	int rc = lk.collect(lk.cls, &rev, &l);

	if (rc == 1) {
		n = (long long)l.n;
		if (links_sync(lk.db, &l, (long long)time(NULL), &changed) == DB_OK) {
			lk.revision = rev;
			log_debug("link checker: %lld link use(s) compared in %lld ms", n, mono_ms() - t0);
			if (changed)
				log_info("link checker: %lld link use(s) added or removed (revision %lld, %lld ms)",
					 changed, rev, mono_ms() - t0);
		} else {
			log_error("link checker: cannot store the catalog's links: %s", db_errmsg(lk.db));
		}
	}
	links_uses_free(&l);
}

static void *checker_main(void *arg)
{
	long long now, t, lease_at = 0, sync_at = 0, publish_at = 0, purge_at = 0, due_at = 0, sweep_at = 0, wait;
	int held = 0, rc, running, nq, cap = lk.c.parallel * 8;
	CURLMsg *m;

	(void)arg;
	while (!atomic_load(&lk.stop)) {
		t = mono_ms();
		now = (long long)time(NULL);
		if (t >= lease_at) {
			rc = links_lease(lk.db, lk.owner, now, 60);
			if (rc < 0)
				log_error("link checker: lease: %s", db_errmsg(lk.db));
			if (rc >= 0 && rc != held)
				log_info("link checker: %s", rc ? "checking on this node" : "another node checks");
			held = rc == 1;
			lease_at = t + 15000;
		}
		if (held && t >= sync_at) {
			sync_uses();
			sync_at = t + 3000;
		}
		if (held && t >= publish_at) {
			rc = links_publish_dead(lk.db, now, lk.c.dead_after);
			if (rc < 0)
				log_error("link checker: publishing dead links: %s", db_errmsg(lk.db));
			else if (rc > 0)
				log_info("link checker: the set of links dead for %lld s or more changed",
					 lk.c.dead_after);
			publish_at = t + 5000;
		}
		if (held && t >= purge_at) {
			long long gone = 0;

			if (links_purge(lk.db, now - (long long)lk.c.keep_days * 86400, &gone) != DB_OK)
				log_error("link checker: purge: %s", db_errmsg(lk.db));
			else if (gone)
				log_info("link checker: removed %lld check(s) older than %d days", gone,
					 lk.c.keep_days);
			purge_at = t + 3600000;
		}
		if (held && lk.njobs < cap && t >= due_at) {
			int room = cap - lk.njobs;

			if (links_due(lk.db, now, DUE_LOOK, add_due, &room) < 0)
				log_error("link checker: %s", db_errmsg(lk.db));
			due_at = t + 1000;
		}
		if (t >= sweep_at) {
			hosts_sweep(t);
			sweep_at = t + 60000;
		}
		wait = start_ready(t);
		if (wait < 10)
			wait = 10;
		curl_multi_perform(lk.multi, &running); /* send what just started at once */
		curl_multi_poll(lk.multi, NULL, 0, (int)wait, NULL);
		curl_multi_perform(lk.multi, &running);
		for (m = curl_multi_info_read(lk.multi, &nq); m; m = curl_multi_info_read(lk.multi, &nq)) {
			struct job *j = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
			if (j)
				request_done(j, m->data.result);
		}
	}
	while (lk.jobs) {
		struct job *j = lk.jobs;

		lk.jobs = j->next;
		job_free(j);
	}
	lk.njobs = lk.inflight = 0;
	if (held)
		links_lease_release(lk.db, lk.owner);
	return NULL;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int links_checker_start(const struct links_config *c, const char *db_url, links_collect_fn collect, void *cls)
{
	struct err e = {0};
	unsigned char rnd[16];
	sigset_t all, old;
	long long v;
	int rc = -1;

	pthread_mutex_lock(&lk.life);
	if (lk.running) {
		log_error("link checker: already running");
		goto out;
	}
	pthread_once(&curl_once, curl_init);
	lk.c = *c;
	if (lk.c.parallel < 1)
		lk.c.parallel = 1;
	snprintf(lk.db_url, sizeof(lk.db_url), "%s", db_url);
	lk.collect = collect;
	lk.cls = cls;
	lk.revision = -1;
	lk.db = db_open(db_url, &e);
	if (!lk.db) {
		log_error("link checker: database: %s", e.msg);
		goto out;
	}
	if (db_query_int(lk.db, "SELECT count(*) FROM link_lease WHERE id = 0", DB_NOP, &v) != DB_OK) {
		log_error("link checker: no link tables (run 'epak migrate'): %s", db_errmsg(lk.db));
		goto fail;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		log_error("link checker: no random bytes for the lease");
		goto fail;
	}
	hex_encode(lk.owner, rnd, sizeof(rnd));
	lk.multi = curl_multi_init();
	if (!lk.multi) {
		log_error("link checker: libcurl: out of memory");
		goto fail;
	}
	atomic_store(&lk.stop, 0);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay with the server's threads */
	rc = pthread_create(&lk.thread, NULL, checker_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		rc = -1;
		log_error("link checker: cannot start a thread");
		goto fail;
	}
	lk.running = 1;
	log_info("link checker: started (every %lld s, %d at once, %d ms between requests to one host%s)",
		 lk.c.interval, lk.c.parallel, lk.c.host_delay_ms,
		 lk.c.allow_private ? ", private addresses ALLOWED" : "");
	goto out;
fail:
	if (lk.multi)
		curl_multi_cleanup(lk.multi);
	lk.multi = NULL;
	db_close(lk.db);
	lk.db = NULL;
out:
	pthread_mutex_unlock(&lk.life);
	return rc;
}

void links_checker_stop(void)
{
	pthread_mutex_lock(&lk.life);
	if (!lk.running)
		goto out;
	atomic_store(&lk.stop, 1);
	curl_multi_wakeup(lk.multi);
	pthread_join(lk.thread, NULL);
	lk.running = 0;
	curl_multi_cleanup(lk.multi);
	lk.multi = NULL;
	hosts_free();
	db_close(lk.db);
	lk.db = NULL;
	log_info("link checker: stopped");
out:
	pthread_mutex_unlock(&lk.life);
}
