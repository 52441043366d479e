/* app.c — building the shared application state, and per-thread databases. */
#include "web/app.h"
#include "web/auth.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/file.h"
#include "core/log.h"
#include "core/secret.h"
#include "http/http.h"
#include "http/static.h"
#include "http/worker.h"
#include "sign/auth_cert.h"
#include "sign/verify.h"
#include "store/db.h"
#include "tmpl/mustache.h"
#include "web/facts.h"
#include "web/snapshot.h"
#include "web/web.h"

static const char *translate_cb(void *cls, const char *msgid)
{
	return i18n_tr(*(const enum lang *)cls, msgid);
}

/* The newest modification time under dir (templates), in nanoseconds. */
static long long newest_mtime(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	char path[2048];
	long long newest = 0, t;

	if (!d)
		return 0;
	for (de = readdir(d); de; de = readdir(d)) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		t = S_ISDIR(st.st_mode) ? newest_mtime(path)
					: (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
		if (t > newest)
			newest = t;
	}
	closedir(d);
	return newest;
}

static const enum lang lang_ids[LANG__COUNT] = {LANG_LV, LANG_EN};

static int load_templates(struct app *app, struct tmpl_set *out[LANG__COUNT], struct err *err)
{
	struct tmpl_opts opts;
	struct tmpl_error e;
	int l;

	for (l = 0; l < LANG__COUNT; l++) {
		memset(&opts, 0, sizeof(opts));
		opts.translate = translate_cb;
		opts.cls = (void *)&lang_ids[l];
		out[l] = tmpl_set_load(app->cfg->templates, &opts, &e);
		if (!out[l]) {
			if (e.line)
				err_set(err, ERR_INTERNAL, "%s:%d: %s", e.file, e.line, e.reason);
			else
				err_set(err, ERR_INTERNAL, "%s: %s", e.file, e.reason);
			while (--l >= 0)
				tmpl_set_free(out[l]);
			return -1;
		}
	}
	return 0;
}

/* Loads the templates again and swaps them in; the old ones stay on error.
 * The caller bumps the site's revision (cached pages are stale). */
static int templates_swap(struct app *app)
{
	struct tmpl_set *fresh[LANG__COUNT], *old[LANG__COUNT];
	struct err err = {0};
	int l;

	if (load_templates(app, fresh, &err) != 0) {
		log_error("templates not reloaded: %s (the old ones stay)", err.msg);
		return -1;
	}
	pthread_rwlock_wrlock(&app->tmpl_lock);
	for (l = 0; l < LANG__COUNT; l++) {
		old[l] = app->tmpl[l];
		app->tmpl[l] = fresh[l];
	}
	pthread_rwlock_unlock(&app->tmpl_lock);
	for (l = 0; l < LANG__COUNT; l++)
		tmpl_set_free(old[l]);
	return 0;
}

/* In development mode, re-reads templates whose files changed (the site's
 * tick, on the first event-loop thread). */
static void dev_reload(struct site *site)
{
	struct app *app = site->app;
	long long t = newest_mtime(app->cfg->templates);

	if (t == app->tmpl_mtime)
		return;
	app->tmpl_mtime = t;
	if (templates_swap(app) != 0)
		return;
	atomic_fetch_add(&site->revision, 1);
	log_info("templates reloaded");
}

/* SIGHUP (site.reload, on the server's control thread): translations first
 * (templates take their text when they are loaded), then templates, then
 * the read model with the search data files. Each part that fails keeps its
 * old version and says why in the log. */
static int app_reload(struct site *site)
{
	struct app *app = site->app;
	struct err err = {0};
	int rc = 0;

	if (i18n_reload(&err) != 0) {
		log_error("translations not reloaded: %s (the old ones stay)", err.msg);
		rc = -1;
	}
	if (templates_swap(app) != 0)
		rc = -1;
	if (snapshot_reload() < 0) {
		log_error("search data not reloaded (the old read model stays): see the read model's error above");
		rc = -1;
	}
	return rc;
}

/* site.ready: the first read model is loaded (snapshot_start built it). */
static int app_ready(struct site *site)
{
	const struct snapshot *s = snapshot_get();
	int ok = s && s->cat;

	(void)site;
	snapshot_put(s);
	return ok;
}

/* The first event-loop thread's tick: development reloads. */
static void app_tick(struct site *site)
{
	struct app *app = site->app;

	if (app->cfg->dev)
		dev_reload(site);
}

/* Releases what an event-loop thread opened: its database connection. */
static void thread_exit(struct site *site, struct worker *w)
{
	(void)site;
	if (w->data) {
		db_close(w->data);
		w->data = NULL;
	}
}

/* Whether the eID login's anchors were given as a trusted list (which
 * auth_cert, taking PEM anchors, would read as no anchors at all). */
static int auth_trust_is_list(const char *path)
{
	struct edoc_trust *t = edoc_trust_new();
	struct err e = {0};
	int is = t && edoc_trust_add_file(t, path, &e) == 0 && edoc_trust_list_count(t) > 0;

	edoc_trust_free(t);
	return is;
}

int app_open(struct app *app, const struct config *cfg, struct err *err)
{
	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
	pthread_rwlock_init(&app->tmpl_lock, NULL);
	app->site.cfg = cfg;
	app->site.app = app;
	if (lang_parse(cfg->lang, &app->site.default_lang) != 0) {
		err_set(err, ERR_INTERNAL, "unknown language %s", cfg->lang);
		return -1;
	}
	app->site.routes = web_routes;
	app->site.nroutes = web_nroutes;
	if (web_routes_check(err) != 0)
		return -1;
	app->site.tmp_dir = app->tmp_dir;
	app->site.csrf_key = app->secret;
	app->site.csrf_key_len = sizeof(app->secret);
	app->site.render_error = web_render_error;
	app->site.personal = web_personal;
	app->site.tick = app_tick;
	app->site.reload = app_reload;
	app->site.ready = app_ready;
	app->site.thread_exit = thread_exit;
	if (mkdir_p(cfg->data, 0750) != 0) {
		err_set(err, ERR_INTERNAL, "%s: cannot create: %s", cfg->data, strerror(errno));
		return -1;
	}
	snprintf(app->tmp_dir, sizeof(app->tmp_dir), "%s/tmp", cfg->data);
	if (mkdir_p(app->tmp_dir, 0700) != 0) {
		err_set(err, ERR_INTERNAL, "%s: cannot create: %s", app->tmp_dir, strerror(errno));
		return -1;
	}
	config_db_url(cfg, app->db_url, sizeof(app->db_url));
	/* checked by config_check already; an empty setting leaves no entry */
	if (netlist_parse(cfg->metrics_allow, &app->metrics_allow, err) != 0)
		return -1;
	if (secret_load(cfg->data, 1, app->secret, err) != 0)
		return -1;
	if (i18n_check(cfg->locale_dir, err) != 0)
		return -1;
	if (i18n_init(cfg->locale_dir) != 0) {
		err_set(err, ERR_INTERNAL, "translations: cannot use %s", cfg->locale_dir);
		return -1;
	}
	app->tmpl_mtime = newest_mtime(cfg->templates);
	if (load_templates(app, app->tmpl, err) != 0)
		return -1;
	app->statics = static_load(cfg->static_dir, err);
	if (!app->statics)
		return -1;
	if (*cfg->trust) {
		struct err e = {0};
		char stale[400];

		app->trust = edoc_trust_new();
		if (!app->trust || edoc_trust_add_file(app->trust, cfg->trust, &e) != 0 ||
		    (*cfg->trust_list_signer &&
		     edoc_trust_add_list_signer(app->trust, cfg->trust_list_signer, &e) != 0) ||
		    edoc_trust_finish(app->trust, &e) != 0) {
			err_set(err, ERR_INTERNAL, "trust: %s", app->trust ? e.msg : "out of memory");
			return -1;
		}
		if (edoc_trust_list_count(app->trust) && !*cfg->auth_trust) {
			err_set(err, ERR_VALIDATION,
				"auth-trust: required when trust is a trusted list (eID login takes PEM anchors)");
			return -1;
		}
		if (edoc_trust_stale(app->trust, time(NULL), stale, sizeof(stale)))
			log_warn("trust: %s", stale);
	}
	if (cfg->noidc && !*cfg->public_url) {
		err_set(err, ERR_VALIDATION, "oidc: public-url is required (identity providers return to it)");
		return -1;
	}
	if (oidc_set_load(&app->oidc, cfg, err) != 0)
		return -1;
	if (*cfg->sign_ca) {
		struct err e = {0};

		app->sign_ca = edoc_trust_new();
		if (!app->sign_ca || edoc_trust_add_file(app->sign_ca, cfg->sign_ca, &e) != 0) {
			err_set(err, ERR_INTERNAL, "sign-ca: %s", app->sign_ca ? e.msg : "out of memory");
			return -1;
		}
		if (edoc_trust_list_count(app->sign_ca)) {
			err_set(err, ERR_VALIDATION, "sign-ca: a PEM file of CA certificates, not a trusted list");
			return -1;
		}
	}
	if (*cfg->auth_trust || *cfg->trust) {
		struct auth_cert_opts o = {0};
		struct err e = {0};

		o.trust_file = *cfg->auth_trust ? cfg->auth_trust : cfg->trust;
		if (*cfg->auth_trust && auth_trust_is_list(cfg->auth_trust)) {
			err_set(err, ERR_VALIDATION,
				"auth-trust: a PEM file of certification authorities, not a "
				"trusted list");
			return -1;
		}
		o.ca_file = cfg->sign_ca;
		o.ocsp_url = cfg->auth_ocsp_url;
		o.ocsp_timeout = cfg->auth_ocsp_timeout;
		app->auth_cert = auth_cert_new(&o, &e);
		if (!app->auth_cert) {
			err_set(err, ERR_INTERNAL, "%s: %s", *cfg->auth_trust ? "auth-trust" : "trust", e.msg);
			return -1;
		}
	}
	return 0;
}

void app_close(struct app *app)
{
	int l;

	for (l = 0; l < LANG__COUNT; l++)
		tmpl_set_free(app->tmpl[l]);
	static_free(app->statics);
	edoc_trust_free(app->trust);
	edoc_trust_free(app->sign_ca);
	auth_cert_free(app->auth_cert);
	oidc_set_free(&app->oidc);
	pthread_rwlock_destroy(&app->tmpl_lock);
	i18n_shutdown();
}

int app_render(const struct app *app, enum lang lang, const char *name, const json_t *ctx, struct buf *out)
{
	int rc;
	/* the lock is the one mutable part of a shared app */
	pthread_rwlock_t *lock = (pthread_rwlock_t *)&app->tmpl_lock;

	pthread_rwlock_rdlock(lock);
	rc = tmpl_render(app->tmpl[lang], name, ctx, out);
	pthread_rwlock_unlock(lock);
	return rc;
}

struct db *app_db(struct req *r)
{
	struct worker *w = r->worker;
	struct err e = {0};

	if (!w->data) {
		w->data = db_open(app_of(r)->db_url, &e);
		if (!w->data)
			log_error("database: %s", e.msg);
	}
	return w->data;
}
