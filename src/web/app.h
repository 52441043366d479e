/* app.h — everything a running epak shares between its threads. Built once
 * at start (app_open), read-only afterwards except where noted. */
#ifndef EPAK_APP_H
#define EPAK_APP_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/config.h"
#include "core/i18n.h"
#include "http/router.h"
#include "core/buf.h"

#include <jansson.h>
#include <pthread.h>

struct tmpl_set;
struct static_files;
struct db;
struct req;
struct edoc_trust;

struct app {
	const struct config *cfg;
	enum lang default_lang;
	struct tmpl_set *tmpl[LANG__COUNT]; /* swapped in dev mode under tmpl_lock */
	pthread_rwlock_t tmpl_lock;
	long long tmpl_mtime; /* newest template file, for dev reloads */
	struct static_files *statics;
	unsigned char secret[32]; /* HMAC key for CSRF tokens, kept in data/secret */
	const struct route *routes;
	size_t nroutes;
	atomic_uint_fast64_t revision; /* bumped when published content changes */
	char db_url[1024];             /* the PostgreSQL URL or the SQLite file */
	char tmp_dir[1024];            /* data/tmp: spilled uploads */
	struct edoc_trust *trust;      /* anchors for checking signatures, or NULL */
	struct edoc_trust *sign_ca;    /* intermediates of signers' certificates, or NULL */
};

/* Loads templates, static files, translations and the server secret.
 * Opens no database: threads open their own (app_db). */
int app_open(struct app *app, const struct config *cfg, char *err, size_t errlen);
void app_close(struct app *app);
/* Renders template name for lang into out; 0 on success. */
int app_render(const struct app *app, enum lang lang, const char *name, const json_t *ctx, struct buf *out);
/* The database connection of the calling thread (opened on first use). */
struct db *app_db(struct req *r);
struct worker;
/* Releases what a worker thread opened (its database connection). */
void app_worker_done(struct app *app, struct worker *w);
/* In development mode, re-read templates whose files changed. */
void app_dev_reload(struct app *app);

extern const struct route web_routes[];
extern const size_t web_nroutes;

#endif
