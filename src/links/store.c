/* store.c — the link checker's tables. See store.h. */
#include "links/store.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "links/checker.h"

int links_uses_add(struct link_uses *l, const char *url, const char *kind, const char *service, const char *institution)
{
	size_t a, b, c, d;
	char *p;

	if (!url || (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
		return 0;
	a = strlen(url);
	if (a > LINKS_URL_MAX)
		return 0;
	service = service ? service : "";
	institution = institution ? institution : "";
	b = strlen(kind);
	c = strlen(service);
	d = strlen(institution);
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct link_use *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->failed = 1;
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	p = malloc(a + b + c + d + 4);
	if (!p) {
		l->failed = 1;
		return -1;
	}
	memcpy(p, url, a + 1);
	memcpy(p + a + 1, kind, b + 1);
	memcpy(p + a + b + 2, service, c + 1);
	memcpy(p + a + b + c + 3, institution, d + 1);
	l->v[l->n].url = p;
	l->v[l->n].kind = p + a + 1;
	l->v[l->n].service = p + a + b + 2;
	l->v[l->n].institution = p + a + b + c + 3;
	l->n++;
	return 0;
}

void links_uses_free(struct link_uses *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free((char *)l->v[i].url); /* one block holds all four */
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int use_cmp(const struct link_use *x, const struct link_use *y)
{
	int c = strcmp(x->url, y->url);

	if (!c)
		c = strcmp(x->kind, y->kind);
	if (!c)
		c = strcmp(x->service, y->service);
	if (!c)
		c = strcmp(x->institution, y->institution);
	return c;
}

static int use_qcmp(const void *a, const void *b)
{
	return use_cmp(a, b);
}

/* Sorts and drops duplicates. */
static void uses_normalize(struct link_uses *l)
{
	size_t i, o = 0;

	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), use_qcmp);
	for (i = 0; i < l->n; i++) {
		if (o && use_cmp(&l->v[o - 1], &l->v[i]) == 0) {
			free((char *)l->v[i].url);
			continue;
		}
		l->v[o++] = l->v[i];
	}
	l->n = o;
}

static const char SQL_USES[] = "SELECT u.url, s.kind, s.service, s.institution "
			       "FROM link_use s JOIN link_url u ON u.id = s.url_id";
static const char SQL_URL_ADD[] = "INSERT INTO link_url (url, host, created_at, next_due) VALUES ($1, $2, $3, $3) "
				  "ON CONFLICT (url) DO NOTHING";
static const char SQL_USE_ADD[] = "INSERT INTO link_use (url_id, kind, service, institution) "
				  "SELECT id, $2, $3, $4 FROM link_url WHERE url = $1 ON CONFLICT DO NOTHING";
static const char SQL_USE_DEL[] = "DELETE FROM link_use WHERE url_id = (SELECT id FROM link_url WHERE url = $1) "
				  "AND kind = $2 AND service = $3 AND institution = $4";
static const char SQL_URL_ORPHANS[] =
    "DELETE FROM link_url WHERE NOT EXISTS (SELECT 1 FROM link_use WHERE link_use.url_id = link_url.id)";

static int add_row(void *cls, const struct db_row *row)
{
	return links_uses_add(cls, row_text(row, 0), row_text(row, 1), row_text(row, 2), row_text(row, 3)) == 0 ? 0 : 2;
}

struct change {
	const struct link_use *u;
	int add;
};

struct batch {
	const struct change *v;
	size_t n;
	long long now;
};

static int apply_batch(struct db *db, void *cls)
{
	const struct batch *b = cls;
	char host[256];
	size_t i;
	int rc = DB_OK;

	for (i = 0; i < b->n && rc == DB_OK; i++) {
		const struct link_use *u = b->v[i].u;

		if (!b->v[i].add) {
			rc = db_exec(db, SQL_USE_DEL,
				     DB_P(PTEXT(u->url), PTEXT(u->kind), PTEXT(u->service), PTEXT(u->institution)),
				     NULL);
			continue;
		}
		if (links_url_host(u->url, host, sizeof(host)) != 0)
			continue; /* not a URL libcurl can parse: nothing to check */
		rc = db_exec(db, SQL_URL_ADD, DB_P(PTEXT(u->url), PTEXT(host), PINT(b->now)), NULL);
		if (rc == DB_OK)
			rc = db_exec(db, SQL_USE_ADD,
				     DB_P(PTEXT(u->url), PTEXT(u->kind), PTEXT(u->service), PTEXT(u->institution)),
				     NULL);
	}
	return rc;
}

static int drop_orphans(struct db *db, void *cls)
{
	return db_exec(db, SQL_URL_ORPHANS, DB_NOP, cls);
}

#define SYNC_BATCH 500

int links_sync(struct db *db, struct link_uses *l, long long now, long long *changed)
{
	struct link_uses have = {0};
	struct change *ch = NULL;
	struct batch b;
	size_t i = 0, j = 0, n = 0, k;
	long long dropped = 0;
	int rc, c;

	if (changed)
		*changed = 0;
	if (l->failed)
		return DB_ERROR;
	uses_normalize(l);
	rc = db_query(db, SQL_USES, DB_NOP, add_row, &have);
	if (rc != DB_OK || have.failed) {
		rc = rc != DB_OK ? rc : DB_ERROR;
		goto out;
	}
	uses_normalize(&have);
	ch = malloc((l->n + have.n + 1) * sizeof(*ch));
	if (!ch) {
		rc = DB_ERROR;
		goto out;
	}
	while (i < l->n || j < have.n) {
		c = i == l->n ? 1 : j == have.n ? -1 : use_cmp(&l->v[i], &have.v[j]);
		if (c < 0)
			ch[n++] = (struct change){&l->v[i++], 1};
		else if (c > 0)
			ch[n++] = (struct change){&have.v[j++], 0};
		else
			i++, j++;
	}
	for (k = 0; k < n; k += SYNC_BATCH) {
		b = (struct batch){ch + k, n - k < SYNC_BATCH ? n - k : SYNC_BATCH, now};
		rc = db_tx(db, apply_batch, &b);
		if (rc != DB_OK)
			goto out;
	}
	if (n)
		rc = db_tx(db, drop_orphans, &dropped);
	if (changed)
		*changed = (long long)n;
out:
	free(ch);
	links_uses_free(&have);
	return rc;
}

static const char SQL_DUE[] = "SELECT id, url, host, failures FROM link_url WHERE next_due <= $1 "
			      "ORDER BY next_due, id LIMIT $2";

struct due_cb {
	int (*cb)(void *cls, long long id, const char *url, const char *host, int failures);
	void *cls;
};

static int due_row(void *cls, const struct db_row *row)
{
	struct due_cb *d = cls;

	return d->cb(d->cls, row_int(row, 0), row_text(row, 1), row_text(row, 2), (int)row_int(row, 3));
}

int links_due(struct db *db, long long now, int max,
	      int (*cb)(void *cls, long long id, const char *url, const char *host, int failures), void *cls)
{
	struct due_cb d = {cb, cls};

	return db_query(db, SQL_DUE, DB_P(PINT(now), PINT(max)), due_row, &d);
}

long long links_retry_delay(int n, long long retry, long long interval)
{
	long long d = retry > 0 ? retry : 1;
	int i;

	for (i = 1; i < n && d < interval; i++)
		d *= 2;
	return d < interval ? d : interval;
}

static const char SQL_STATE[] = "SELECT failures, failing_since FROM link_url WHERE id = $1";
static const char SQL_UPDATE[] =
    "UPDATE link_url SET status = $2, code = $3, final_url = $4, chain = $5, error = $6, failures = $7, "
    "failing_since = $8, checked_at = $9, next_due = $10 WHERE id = $1";
static const char SQL_HISTORY[] = "INSERT INTO link_check (url_id, at, status, code, final_url, chain, error, ms) "
				  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

struct record {
	long long id, now, interval, retry;
	const struct link_result *res;
};

static int state_row(void *cls, const struct db_row *row)
{
	long long *v = cls;

	v[0] = row_int(row, 0);
	v[1] = row_int(row, 1);
	v[2] = 1;
	return 0;
}

static int record_body(struct db *db, void *cls)
{
	const struct record *x = cls;
	const struct link_result *r = x->res;
	long long st[3] = {0, 0, 0}, failures, since, next;
	int rc, broken = strcmp(r->status, "broken") == 0;

	rc = db_query(db, SQL_STATE, DB_P(PINT(x->id)), state_row, st);
	if (rc != DB_OK)
		return rc;
	if (!st[2])
		return DB_ENOROW;
	failures = broken ? st[0] + 1 : 0;
	since = broken ? (st[1] ? st[1] : x->now) : 0;
	next = x->now + (broken ? links_retry_delay((int)failures, x->retry, x->interval) : x->interval);
	rc = db_exec(db, SQL_UPDATE,
		     DB_P(PINT(x->id), PTEXT(r->status), PINT(r->code), PTEXT(r->final_url), PTEXT(r->chain_json),
			  PTEXT(r->error), PINT(failures), PINT(since), PINT(x->now), PINT(next)),
		     NULL);
	if (rc == DB_OK)
		rc = db_exec(db, SQL_HISTORY,
			     DB_P(PINT(x->id), PINT(x->now), PTEXT(r->status), PINT(r->code), PTEXT(r->final_url),
				  PTEXT(r->chain_json), PTEXT(r->error), PINT(r->ms)),
			     NULL);
	return rc;
}

int links_record(struct db *db, long long id, const struct link_result *res, long long now, long long interval,
		 long long retry)
{
	struct record x = {id, now, interval, retry, res};

	return db_tx(db, record_body, &x);
}

#define DEAD_NOW "CASE WHEN status = 'broken' AND failing_since > 0 AND failing_since <= $1 THEN 1 ELSE 0 END"
static const char SQL_DEAD_DIFF[] = "SELECT count(*) FROM link_url WHERE dead_public <> " DEAD_NOW;
static const char SQL_DEAD_SET[] = "UPDATE link_url SET dead_public = " DEAD_NOW " WHERE dead_public <> " DEAD_NOW;
static const char SQL_BUMP[] = "UPDATE revision SET value = value + 1 WHERE id = 1";

struct publish {
	long long cutoff;
	int changed;
};

static int publish_body(struct db *db, void *cls)
{
	struct publish *p = cls;
	long long n = 0;
	int rc;

	p->changed = 0;
	rc = db_query_int(db, SQL_DEAD_DIFF, DB_P(PINT(p->cutoff)), &n);
	if (rc != DB_OK || n == 0)
		return rc == DB_ENOROW ? DB_OK : rc;
	rc = db_exec(db, SQL_DEAD_SET, DB_P(PINT(p->cutoff)), NULL);
	if (rc == DB_OK)
		rc = db_exec(db, SQL_BUMP, DB_NOP, NULL);
	p->changed = rc == DB_OK;
	return rc;
}

int links_publish_dead(struct db *db, long long now, long long dead_after)
{
	struct publish p = {now - dead_after, 0};
	long long n = 0;
	int rc;

	/* Look first without a write transaction: nearly always nothing moved. */
	rc = db_query_int(db, SQL_DEAD_DIFF, DB_P(PINT(p.cutoff)), &n);
	if (rc != DB_OK || n == 0)
		return rc == DB_OK || rc == DB_ENOROW ? 0 : rc;
	rc = db_tx(db, publish_body, &p);
	return rc == DB_OK ? p.changed : rc;
}

static const char SQL_DEAD[] = "SELECT url FROM link_url WHERE dead_public = 1";

struct dead_cb {
	int (*cb)(void *cls, const char *url);
	void *cls;
};

static int dead_row(void *cls, const struct db_row *row)
{
	struct dead_cb *d = cls;

	return d->cb(d->cls, row_text(row, 0));
}

int links_dead_urls(struct db *db, int (*cb)(void *cls, const char *url), void *cls)
{
	struct dead_cb d = {cb, cls};

	return db_query(db, SQL_DEAD, DB_NOP, dead_row, &d);
}

static const char SQL_PURGE[] = "DELETE FROM link_check WHERE at < $1";

int links_purge(struct db *db, long long before, long long *removed)
{
	return db_exec(db, SQL_PURGE, DB_P(PINT(before)), removed);
}

static const char SQL_LEASE[] =
    "UPDATE link_lease SET owner = $1, until = $2 WHERE id = 1 AND (owner = $1 OR until < $3)";
static const char SQL_LEASE_FREE[] = "UPDATE link_lease SET until = 0 WHERE id = 1 AND owner = $1";

int links_lease(struct db *db, const char *owner, long long now, long long ttl)
{
	long long n = 0;
	int rc = db_exec(db, SQL_LEASE, DB_P(PTEXT(owner), PINT(now + ttl), PINT(now)), &n);

	return rc != DB_OK ? rc : n == 1;
}

void links_lease_release(struct db *db, const char *owner)
{
	db_exec(db, SQL_LEASE_FREE, DB_P(PTEXT(owner)), NULL);
}
