/* sign_session.c — the signing sessions of the browser flow (see the
 * header). The token is 32 random bytes the browser holds; the database
 * keeps only its SHA-256, so a copy of the table opens no session. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/base64.h"
#include "catalog/store.h"
#include "core/log.h"
#include "http/http.h"
#include "http/multipart.h"
#include "sign/edoc.h"
#include "store/db.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/sign_session.h"
#include "web/svcfeedback.h"
#include "web/web.h"

/* A new session only while the browser has fewer than $7 open signing
 * sessions and all of them together stay within $8 bytes: one statement, so
 * two requests cannot both take the last place (SQLite serializes writers;
 * on PostgreSQL concurrent inserts may overshoot by the few in flight). */
static const char SQL_SAVE_NEW[] =
    "INSERT INTO session (id, created_at, expires_at, lang, data, blob, owner, bytes) "
    "SELECT $1, CAST($2 AS BIGINT), CAST($3 AS BIGINT), $4, $5, $6, $9, CAST($10 AS BIGINT) WHERE "
    "(SELECT COUNT(*) FROM session WHERE owner = $9 AND id LIKE 'sign:%' AND expires_at > CAST($2 AS BIGINT)) < "
    "CAST($7 AS BIGINT) AND "
    "(SELECT COALESCE(SUM(bytes), 0) FROM session WHERE id LIKE 'sign:%' AND expires_at > CAST($2 AS BIGINT)) + "
    "CAST($10 AS BIGINT) <= CAST($8 AS BIGINT)";
static const char SQL_OPEN_OF_OWNER[] =
    "SELECT COUNT(*) FROM session WHERE owner = $1 AND id LIKE 'sign:%' AND expires_at > $2";
static const char SQL_LOAD[] = "SELECT data FROM session WHERE id = $1 AND expires_at > $2";
static const char SQL_LOAD_BLOB[] = "SELECT data, blob FROM session WHERE id = $1 AND expires_at > $2";
/* Saving never extends the session: it ends SIGN_SESSION_TTL after it was
 * made, however often it is started again. */
static const char SQL_UPDATE[] = "UPDATE session SET data = $2, bytes = CAST($3 AS BIGINT) + COALESCE(LENGTH(blob), 0) "
				 "WHERE id = $1 AND expires_at > $4 AND busy_until <= $4";
static const char SQL_UPDATE_BLOB[] =
    "UPDATE session SET data = $2, busy_until = 0, blob = $5, bytes = CAST($3 AS BIGINT) + CAST($6 AS BIGINT) "
    "WHERE id = $1 AND expires_at > $4";
static const char SQL_CLAIM[] =
    "UPDATE session SET busy_until = $3 WHERE id = $1 AND busy_until <= $2 AND expires_at > $2 AND owner = $4";
static const char SQL_RELEASE[] = "UPDATE session SET busy_until = 0 WHERE id = $1";
static const char SQL_DELETE[] = "DELETE FROM session WHERE id = $1";
static const char SQL_EXPIRE[] = "DELETE FROM session WHERE expires_at <= $1 AND id LIKE 'sign:%'";

unsigned char *state_bytes(struct req *r, const json_t *state, const char *key, size_t *len)
{
	const char *s = json_string_value(json_object_get(state, key));
	unsigned char *t = s ? b64_decode_arena(r->arena, s, len) : NULL;
	unsigned char *copy;

	if (!t)
		return NULL;
	copy = malloc(*len ? *len : 1);
	if (copy)
		memcpy(copy, t, *len);
	return copy;
}

/* The id kept in the database: a hash of the token the client holds. */
static const char *session_key(struct req *r, const char *token)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65];
	int i;

	EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return arena_printf(r->arena, "sign:%s", hex);
}

/* The browser a session belongs to: a hash of its CSRF cookie. */
static const char *owner_of(struct req *r)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	const char *c = csrf_cookie_value(r);

	if (!c)
		return "";
	EVP_Digest(c, strlen(c), md, &mdlen, EVP_sha256(), NULL);
	return b64_encode_arena(r->arena, md, 16);
}

int sign_session_new(struct req *r, json_t *state, const void *blob, size_t len, const char **token)
{
	const struct config *cfg = r->site->cfg;
	unsigned char tok[32];
	time_t now = time(NULL);
	struct db *db = app_db(r);
	const char *owner = owner_of(r), *key;
	long long changes = 0, open = 0;
	char *s = NULL;
	int rc = SS_DB;

	if (!db || RAND_bytes(tok, sizeof(tok)) != 1)
		return SS_DB;
	*token = b64_encode_arena(r->arena, tok, sizeof(tok));
	key = *token ? session_key(r, *token) : NULL;
	json_object_set_new(state, "owner", json_string(owner));
	s = key ? json_dumps(state, JSON_COMPACT) : NULL;
	if (!s)
		return SS_DB;
	if (db_exec(db, SQL_SAVE_NEW,
		    DB_P(PTEXT(key), PINT(now), PINT(now + SIGN_SESSION_TTL), PTEXT(lang_code(r->lang)), PTEXT(s),
			 PBLOB(blob ? blob : "", len), PINT(cfg->sign_sessions_per_browser),
			 PINT((long long)cfg->sign_sessions_bytes), PTEXT(owner), PINT((long long)(len + strlen(s)))),
		    &changes) != 0) {
		log_error("sign session not stored: %s", db_errmsg(db));
		goto out;
	}
	rc = SS_OK;
	if (changes == 1)
		goto out;
	/* refused: which limit? */
	rc = SS_FULL;
	if (db_query_int(db, SQL_OPEN_OF_OWNER, DB_P(PTEXT(owner), PINT(now)), &open) == 0 &&
	    open >= cfg->sign_sessions_per_browser)
		rc = SS_TOO_MANY;
	log_warn("sign session refused: %s", rc == SS_TOO_MANY ? "too many open in one browser" : "byte budget spent");
out:
	free(s);
	return rc;
}

struct loaded {
	char *data;
	unsigned char *blob;
	size_t len;
	int want_blob, oom;
};

static int load_row(void *cls, const struct db_row *row)
{
	struct loaded *l = cls;
	const char *t = row_text(row, 0);
	const void *b;
	size_t n = 0;

	l->data = t ? strdup(t) : NULL;
	b = l->want_blob ? row_blob(row, 1, &n) : NULL;
	if (b) {
		/* malloc, never the request arena: a container may be as large
		 * as the largest body accepted */
		l->blob = malloc(n ? n : 1);
		if (l->blob) {
			memcpy(l->blob, b, n);
			l->len = n;
		}
	}
	l->oom = (t && !l->data) || (l->want_blob && n && !l->blob);
	return 0;
}

int sign_session_load(struct req *r, const char *token, json_t **state_out, unsigned char **blob, size_t *len)
{
	struct db *db = app_db(r);
	struct loaded l = {NULL, NULL, 0, blob != NULL, 0};
	json_error_t je;
	json_t *st;
	const char *owner;

	*state_out = NULL;
	if (blob) {
		*blob = NULL;
		*len = 0;
	}
	if (!token || !*token || strlen(token) > 100)
		return SS_NOT_FOUND;
	if (!db)
		return SS_DB;
	if (db_query(db, blob ? SQL_LOAD_BLOB : SQL_LOAD,
		     DB_P(PTEXT(session_key(r, token)), PINT((long long)time(NULL))), load_row, &l) != 0 ||
	    l.oom) {
		free(l.data);
		free(l.blob);
		return SS_DB;
	}
	st = l.data ? json_loads(l.data, 0, &je) : NULL;
	free(l.data);
	if (!st) {
		free(l.blob);
		return SS_NOT_FOUND;
	}
	owner = json_string_value(json_object_get(st, "owner"));
	if (!owner || strcmp(owner, owner_of(r)) != 0) {
		json_decref(st);
		free(l.blob);
		return SS_FOREIGN;
	}
	*state_out = st;
	if (blob) {
		*blob = l.blob;
		*len = l.len;
	}
	return SS_OK;
}

int sign_session_save(struct req *r, const char *token, json_t *state, const void *blob, size_t len)
{
	struct db *db = app_db(r);
	time_t now = time(NULL);
	long long changes = 0;
	char *s;
	int rc;

	if (!db)
		return SS_DB;
	json_object_set_new(state, "owner", json_string(owner_of(r)));
	s = json_dumps(state, JSON_COMPACT);
	if (!s)
		return SS_DB;
	if (blob)
		rc = db_exec(db, SQL_UPDATE_BLOB,
			     DB_P(PTEXT(session_key(r, token)), PTEXT(s), PINT((long long)strlen(s)), PINT(now),
				  PBLOB(blob, len), PINT((long long)len)),
			     &changes);
	else
		rc = db_exec(db, SQL_UPDATE,
			     DB_P(PTEXT(session_key(r, token)), PTEXT(s), PINT((long long)strlen(s)), PINT(now)),
			     &changes);
	free(s);
	if (rc != 0) {
		log_error("sign session not stored: %s", db_errmsg(db));
		return SS_DB;
	}
	return changes == 1 ? SS_OK : blob ? SS_NOT_FOUND : SS_BUSY;
}

int sign_session_claim(struct req *r, const char *token)
{
	struct db *db = app_db(r);
	time_t now = time(NULL);
	long long changes = 0;

	json_t *st = NULL;
	int rc;

	if (!token || !*token || strlen(token) > 100)
		return SS_NOT_FOUND;
	if (!db ||
	    db_exec(db, SQL_CLAIM,
		    DB_P(PTEXT(session_key(r, token)), PINT(now), PINT(now + SIGN_FINISH_BUSY), PTEXT(owner_of(r))),
		    &changes) != 0)
		return SS_DB;
	if (changes == 1)
		return SS_OK;
	/* why not: unknown, expired, another browser's, or busy */
	rc = sign_session_load(r, token, &st, NULL, NULL);
	json_decref(st);
	return rc == SS_OK ? SS_BUSY : rc;
}

void sign_session_release(struct req *r, const char *token)
{
	struct db *db = app_db(r);

	if (db)
		db_exec(db, SQL_RELEASE, DB_P(PTEXT(session_key(r, token))), NULL);
}

const char *sign_session_id(struct req *r, const char *token)
{
	return session_key(r, token);
}

void sign_session_delete(struct req *r, const char *token)
{
	struct db *db = app_db(r);

	if (db)
		db_exec(db, SQL_DELETE, DB_P(PTEXT(session_key(r, token))), NULL);
}

int sign_add_upload(struct edoc *doc, const struct upload *u, struct err *e)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int rc;

	if (!u->data) {
		data = edoc_read_file(u->path, u->size + 1, &len, e);
		if (!data)
			return -1;
	}
	rc = edoc_add_file(doc, u->filename, edoc_guess_mime(u->filename), u->data ? (const void *)u->data : data,
			   u->size, e);
	free(data);
	return rc != 0 ? -2 : 0;
}

int sign_session_purge(struct db *db, time_t now)
{
	long long n = 0;

	if (db_exec(db, SQL_EXPIRE, DB_P(PINT((long long)now)), &n) != 0)
		return -1;
	return (int)n;
}

/* ---- the periodic purge ---- */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int running, stopping, interval;
	struct db *db;
	const struct config *cfg;
} purger = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, NULL, NULL};

static void *purger_main(void *arg)
{
	struct timespec ts;
	int n, first = 1;

	(void)arg;
	pthread_mutex_lock(&purger.mu);
	while (!purger.stopping) {
		pthread_mutex_unlock(&purger.mu);
		n = sign_session_purge(purger.db, time(NULL));
		if (n < 0)
			log_warn("sign session purge: %s", db_errmsg(purger.db));
		else if (n > 0)
			log_info("sign session purge: %d expired", n);
		/* login sessions, used login secrets, old audit rows */
		if (purger.cfg && auth_purge(purger.db, purger.cfg, (long long)time(NULL)) != DB_OK)
			log_warn("login purge: %s", db_errmsg(purger.db));
		/* comments typed in feedback on services (page_svcfeedback.c) */
		if (purger.cfg && svcfeedback_purge(purger.db, purger.cfg, (long long)time(NULL)) != DB_OK)
			log_warn("service feedback purge: %s", db_errmsg(purger.db));
		/* questions' personal fields past their retention */
		if (purger.cfg && question_purge(purger.db, purger.cfg, (long long)time(NULL)) != DB_OK)
			log_warn("question purge: %s", db_errmsg(purger.db));
		/* the record of back-office edits the read models have applied */
		if (catalog_changes_purge(purger.db, (long long)time(NULL) - 86400) != 0)
			log_warn("catalog change purge: %s", db_errmsg(purger.db));
		if ((n > 0 || first) && db_reclaim(purger.db) != 0)
			log_warn("sign session purge: space not reclaimed: %s", db_errmsg(purger.db));
		first = 0;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += purger.interval;
		pthread_mutex_lock(&purger.mu);
		while (!purger.stopping)
			if (pthread_cond_timedwait(&purger.cv, &purger.mu, &ts) == ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&purger.mu);
	return NULL;
}

int sign_session_purger_start(const char *db_url, int interval_s, const struct config *cfg)
{
	struct err e = {0};

	purger.db = db_open(db_url, &e);
	if (!purger.db) {
		log_error("sign session purge: %s", e.msg);
		return -1;
	}
	purger.interval = interval_s;
	purger.cfg = cfg;
	purger.stopping = 0;
	if (pthread_create(&purger.thread, NULL, purger_main, NULL) != 0) {
		db_close(purger.db);
		purger.db = NULL;
		return -1;
	}
	purger.running = 1;
	return 0;
}

void sign_session_purger_stop(void)
{
	if (!purger.running)
		return;
	pthread_mutex_lock(&purger.mu);
	purger.stopping = 1;
	pthread_cond_signal(&purger.cv);
	pthread_mutex_unlock(&purger.mu);
	pthread_join(purger.thread, NULL);
	db_close(purger.db);
	purger.db = NULL;
	purger.running = 0;
}
