/* sign_session.c — the signing sessions of the browser flow (see the
 * header). The token is 32 random bytes the browser holds; the database
 * keeps only its SHA-256, so a copy of the table opens no session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/log.h"
#include "http/http.h"
#include "http/multipart.h"
#include "sign/edoc.h"
#include "store/db.h"
#include "web/app.h"
#include "web/sign_session.h"

static const char SQL_SAVE_NEW[] =
    "INSERT INTO session (id, created_at, expires_at, lang, data) VALUES ($1, $2, $3, $4, $5)";
static const char SQL_LOAD[] = "SELECT data FROM session WHERE id = $1 AND expires_at > $2";
static const char SQL_UPDATE[] = "UPDATE session SET data = $2, expires_at = $3 WHERE id = $1";
static const char SQL_DELETE[] = "DELETE FROM session WHERE id = $1";
static const char SQL_EXPIRE[] = "DELETE FROM session WHERE expires_at <= $1 AND id LIKE 'sign:%'";

char *b64_encode_arena(struct arena *a, const void *p, size_t n)
{
	char *out = arena_alloc(a, 4 * ((n + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

unsigned char *b64_decode_arena(struct arena *a, const char *s, size_t *len)
{
	size_t n = strlen(s), i, k = 0;
	char *clean = arena_alloc(a, n + 1);
	unsigned char *out;
	int m, pad = 0;

	if (!clean)
		return NULL;
	for (i = 0; i < n; i++)
		if (s[i] != '\n' && s[i] != '\r' && s[i] != ' ' && s[i] != '\t')
			clean[k++] = s[i];
	if (k == 0 || k % 4)
		return NULL;
	out = arena_alloc(a, k / 4 * 3 + 1);
	if (!out)
		return NULL;
	m = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)k);
	if (m < 0)
		return NULL;
	if (clean[k - 1] == '=')
		pad++;
	if (clean[k - 2] == '=')
		pad++;
	*len = (size_t)m - (size_t)pad;
	return out;
}

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
	const char *c = r->csrf_cookie ? r->csrf_cookie : req_cookie(r, "epak_csrf");

	if (!c)
		return "";
	EVP_Digest(c, strlen(c), md, &mdlen, EVP_sha256(), NULL);
	return b64_encode_arena(r->arena, md, 16);
}

static int store(struct req *r, const char *sql, const char *key, json_t *state, time_t now)
{
	struct db *db = app_db(r);
	char *s;
	int rc;

	if (!db)
		return SS_DB;
	json_object_set_new(state, "owner", json_string(owner_of(r)));
	s = json_dumps(state, JSON_COMPACT);
	if (!s)
		return SS_DB;
	if (sql == SQL_SAVE_NEW)
		rc = db_exec(
		    db, sql,
		    DB_P(PTEXT(key), PINT(now), PINT(now + SIGN_SESSION_TTL), PTEXT(lang_code(r->lang)), PTEXT(s)),
		    NULL);
	else
		rc = db_exec(db, sql, DB_P(PTEXT(key), PTEXT(s), PINT(now + SIGN_SESSION_TTL)), NULL);
	free(s);
	if (rc != 0) {
		log_error("sign session not stored: %s", db_errmsg(db));
		return SS_DB;
	}
	return SS_OK;
}

int sign_session_new(struct req *r, json_t *state, const char **token)
{
	unsigned char tok[32];
	time_t now = time(NULL);
	struct db *db = app_db(r);

	if (!db || RAND_bytes(tok, sizeof(tok)) != 1)
		return SS_DB;
	db_exec(db, SQL_EXPIRE, DB_P(PINT(now)), NULL);
	*token = b64_encode_arena(r->arena, tok, sizeof(tok));
	if (!*token)
		return SS_DB;
	return store(r, SQL_SAVE_NEW, session_key(r, *token), state, now);
}

struct loaded {
	char *data;
};

static int load_row(void *cls, const struct db_row *row)
{
	const char *t = row_text(row, 0);

	((struct loaded *)cls)->data = t ? strdup(t) : NULL;
	return 0;
}

int sign_session_load(struct req *r, const char *token, json_t **state_out)
{
	struct db *db = app_db(r);
	struct loaded l = {NULL};
	json_error_t je;
	json_t *st;
	const char *owner;

	*state_out = NULL;
	if (!token || !*token || strlen(token) > 100)
		return SS_NOT_FOUND;
	if (!db)
		return SS_DB;
	if (db_query(db, SQL_LOAD, DB_P(PTEXT(session_key(r, token)), PINT((long long)time(NULL))), load_row, &l) != 0)
		return SS_DB;
	st = l.data ? json_loads(l.data, 0, &je) : NULL;
	free(l.data);
	if (!st)
		return SS_NOT_FOUND;
	owner = json_string_value(json_object_get(st, "owner"));
	if (!owner || strcmp(owner, owner_of(r)) != 0) {
		json_decref(st);
		return SS_FOREIGN;
	}
	*state_out = st;
	return SS_OK;
}

int sign_session_save(struct req *r, const char *token, json_t *state)
{
	return store(r, SQL_UPDATE, session_key(r, token), state, time(NULL));
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

int sign_add_upload(struct edoc *doc, const struct upload *u, struct edoc_err *e)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int rc;

	if (!u->data && !(data = edoc_read_file(u->path, u->size + 1, &len, e)))
		return -1;
	rc = edoc_add_file(doc, u->filename, edoc_guess_mime(u->filename), u->data ? (const void *)u->data : data,
			   u->size, e);
	free(data);
	return rc != 0 ? -2 : 0;
}
