/* store.c — the catalog in the database (see store.h, docs/catalog.md). */
#include "catalog/store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "store/db.h"

static const char SQL_REVISION[] = "SELECT value FROM revision WHERE id = 1";
static const char SQL_REVISION_BUMP[] = "UPDATE revision SET value = value + 1 WHERE id = 1";
static const char SQL_NODES_HASH[] = "SELECT iri, hash, kind FROM catalog_node";
static const char SQL_NODE_INSERT[] =
    "INSERT INTO catalog_node (iri, kind, identifier, title_lv, title_en, hash, body, revision, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
static const char SQL_NODE_UPDATE[] = "UPDATE catalog_node SET kind = $2, identifier = $3, title_lv = $4, "
				      "title_en = $5, hash = $6, body = $7, revision = $8, updated_at = $9 "
				      "WHERE iri = $1";
static const char SQL_SOURCE_NODES[] = "SELECT iri FROM catalog_source WHERE source = $1";
static const char SQL_SOURCE_ADD[] = "INSERT INTO catalog_source (source, iri) VALUES ($1, $2) "
				     "ON CONFLICT (source, iri) DO NOTHING";
static const char SQL_SOURCE_DROP[] = "DELETE FROM catalog_source WHERE source = $1 AND iri = $2";
static const char SQL_NODE_DROP_ORPHAN[] =
    "DELETE FROM catalog_node WHERE iri = $1 AND NOT EXISTS (SELECT 1 FROM catalog_source WHERE iri = $1)";
static const char SQL_OFFICE_OWNED[] = "SELECT iri FROM catalog_office";
static const char SQL_OFFICE_MARK[] = "INSERT INTO catalog_office (iri, state, at) VALUES ($1, $2, $3) "
				      "ON CONFLICT (iri) DO UPDATE SET state = $2, at = $3";
static const char SQL_CHANGE_ADD[] = "INSERT INTO catalog_change (revision, iri, at) VALUES ($1, $2, $3)";
static const char SQL_CHANGES_SINCE[] = "SELECT count(*) FROM catalog_change WHERE revision > $1 AND revision <= $2";
static const char SQL_CHANGED_SERVICES[] =
    "SELECT n.iri, n.kind, n.body FROM (SELECT DISTINCT iri FROM catalog_change WHERE revision > $1) c "
    "JOIN catalog_node n ON n.iri = c.iri WHERE n.kind = 'service' ORDER BY n.iri";
/* the nodes that are not services, through the kind index (a few hundred
 * rows beside 100 000 services) */
static const char SQL_RECORDS_FEW[] = "SELECT iri, kind, body FROM catalog_node "
				      "WHERE kind < 'service' OR kind > 'service' ORDER BY iri || ''";
static const char SQL_CHANGED_GONE[] =
    "SELECT DISTINCT c.iri FROM catalog_change c WHERE c.revision > $1 AND NOT EXISTS "
    "(SELECT 1 FROM catalog_node n WHERE n.iri = c.iri) ORDER BY c.iri";
static const char SQL_CHANGES_PURGE[] = "DELETE FROM catalog_change WHERE at < $1";
static const char SQL_NODE_BODY[] = "SELECT body FROM catalog_node WHERE iri = $1";
static const char SQL_NODE_DELETE[] = "DELETE FROM catalog_node WHERE iri = $1";
static const char SQL_RECORDS_OTHER[] = "SELECT iri, kind, body FROM catalog_node WHERE kind <> 'service' ORDER BY iri";
static const char SQL_RECORDS_SERVICES[] =
    "SELECT iri, kind, body FROM catalog_node WHERE kind = 'service' ORDER BY iri";

static enum cat_kind kind_of(const char *name)
{
	int k;

	for (k = 0; k < CAT_NKINDS; k++)
		if (name && !strcmp(cat_kind_name((enum cat_kind)k), name))
			return (enum cat_kind)k;
	return CAT_OTHER;
}

static void count(struct import_stats *st, enum cat_kind k, size_t field)
{
	unsigned long *a = (unsigned long *)((char *)&st->kind[k] + field);
	unsigned long *b = (unsigned long *)((char *)&st->all + field);

	(*a)++;
	(*b)++;
}

#define COUNT(st, k, f) count((st), (k), offsetof(struct import_counts, f))

static struct catalog *load(struct db *db, int in_tx, size_t max_bytes, struct err *err);

/* ---- import ---- */

struct import_job {
	struct cat_doc *const *docs;
	const char *const *sources;
	size_t n;
	struct import_stats *stats; /* n of them, owned by the job */
	long long revision;
	struct err *err;
	json_t *nodes;  /* iri → [hash, kind] of the stored nodes */
	json_t *office; /* iri → true: nodes the back office owns */
};

static int nodes_cb(void *cls, const struct db_row *row)
{
	json_t *nodes = cls, *e = json_array();

	json_array_append_new(e, json_string(row_text(row, 1)));
	json_array_append_new(e, json_string(row_text(row, 2)));
	json_object_set_new(nodes, row_text(row, 0), e);
	return 0;
}

static int members_cb(void *cls, const struct db_row *row)
{
	json_object_set_new(cls, row_text(row, 0), json_true());
	return 0;
}

static int dbfail(struct import_job *j, struct db *db, const char *what)
{
	err_set(j->err, ERR_VALIDATION, "database: %s: %s", what, db_errmsg(db));
	return -1;
}

static int import_body(struct db *db, void *cls)
{
	struct import_job *j = cls;
	long long rev = 0, now = (long long)time(NULL), changes;
	size_t d, i;
	int changed = 0, rc = -1;
	json_t *members = NULL;

	memset(j->stats, 0, sizeof(*j->stats) * j->n);
	json_decref(j->nodes);
	j->nodes = json_object();
	if (db_query_int(db, SQL_REVISION, DB_NOP, &rev) != DB_OK)
		return dbfail(j, db, "reading the revision");
	if (db_query(db, SQL_NODES_HASH, DB_NOP, nodes_cb, j->nodes) != DB_OK)
		return dbfail(j, db, "reading the catalog");
	json_decref(j->office);
	j->office = json_object();
	if (db_query(db, SQL_OFFICE_OWNED, DB_NOP, members_cb, j->office) != DB_OK)
		return dbfail(j, db, "reading the back office's nodes");
	for (d = 0; d < j->n; d++) {
		const struct cat_doc *doc = j->docs[d];
		const char *src = j->sources[d];
		struct import_stats *st = &j->stats[d];
		json_t *seen = json_object(), *v;
		const char *iri;

		json_decref(members);
		members = json_object();
		if (db_query(db, SQL_SOURCE_NODES, DB_P(PTEXT(src)), members_cb, members) != DB_OK) {
			json_decref(seen);
			rc = dbfail(j, db, "reading the file's nodes");
			goto out;
		}
		for (i = 0; i < doc->n; i++) {
			const struct cat_record *r = &doc->rec[i];
			json_t *had = json_object_get(j->nodes, r->iri), *e;
			const char *sql = NULL;

			json_object_set_new(seen, r->iri, json_true());
			if (json_object_get(j->office, r->iri)) {
				COUNT(st, r->kind, kept); /* the back office's version stays */
				continue;
			}
			if (!had) {
				sql = SQL_NODE_INSERT;
				COUNT(st, r->kind, added);
			} else if (strcmp(json_string_value(json_array_get(had, 0)), r->hash) != 0) {
				sql = SQL_NODE_UPDATE;
				COUNT(st, r->kind, updated);
			} else {
				COUNT(st, r->kind, unchanged);
			}
			if (sql) {
				if (db_exec(db, sql,
					    DB_P(PTEXT(r->iri), PTEXT(cat_kind_name(r->kind)), PTEXT(r->identifier),
						 PTEXT(r->title_lv), PTEXT(r->title_en), PTEXT(r->hash), PTEXT(r->body),
						 PINT(rev + 1), PINT(now)),
					    NULL) != DB_OK) {
					json_decref(seen);
					rc = dbfail(j, db, "writing a node");
					goto out;
				}
				e = json_array();
				json_array_append_new(e, json_string(r->hash));
				json_array_append_new(e, json_string(cat_kind_name(r->kind)));
				json_object_set_new(j->nodes, r->iri, e);
				changed = 1;
			}
			if (!json_object_get(members, r->iri) &&
			    db_exec(db, SQL_SOURCE_ADD, DB_P(PTEXT(src), PTEXT(r->iri)), NULL) != DB_OK) {
				json_decref(seen);
				rc = dbfail(j, db, "recording the file's nodes");
				goto out;
			}
		}
		/* what this file held before and holds no more */
		json_object_foreach(members, iri, v)
		{
			json_t *had;

			if (json_object_get(seen, iri))
				continue;
			if (db_exec(db, SQL_SOURCE_DROP, DB_P(PTEXT(src), PTEXT(iri)), NULL) != DB_OK ||
			    db_exec(db, SQL_NODE_DROP_ORPHAN, DB_P(PTEXT(iri)), &changes) != DB_OK) {
				json_decref(seen);
				rc = dbfail(j, db, "removing a node");
				goto out;
			}
			had = json_object_get(j->nodes, iri);
			if (changes > 0) {
				COUNT(st, kind_of(json_string_value(json_array_get(had, 1))), removed);
				json_object_del(j->nodes, iri);
				changed = 1;
			}
		}
		json_decref(seen);
	}
	j->revision = rev;
	if (changed) {
		struct catalog *c;

		if (db_exec(db, SQL_REVISION_BUMP, DB_NOP, NULL) != DB_OK) {
			rc = dbfail(j, db, "moving the revision");
			goto out;
		}
		j->revision = rev + 1;
		/* the catalog as it will be committed must build */
		c = load(db, 1, CATALOG_MAX_BYTES, j->err);
		if (!c)
			goto out;
		catalog_free(c);
	}
	rc = 0;
out:
	json_decref(members);
	return rc;
}

int catalog_import(struct db *db, struct cat_doc *const *docs, const char *const *sources, size_t n,
		   struct import_stats *stats, long long *revision, struct err *err)
{
	struct import_job j = {docs, sources, n, NULL, 0, err, NULL, NULL};
	int rc;

	err_clear(err);
	j.stats = calloc(n ? n : 1, sizeof(*j.stats));
	if (!j.stats) {
		err_set(err, ERR_INTERNAL, "out of memory");
		return -1;
	}
	rc = db_tx(db, import_body, &j);
	if (rc != 0 && !err->msg[0])
		err_set(err, ERR_VALIDATION, "database: %s", db_errmsg(db));
	if (rc == 0) {
		if (stats)
			memcpy(stats, j.stats, sizeof(*stats) * n);
		if (revision)
			*revision = j.revision;
	}
	json_decref(j.nodes);
	json_decref(j.office);
	free(j.stats);
	return rc == 0 ? 0 : -1;
}

/* ---- reading ---- */

struct each {
	int (*cb)(void *cls, const char *iri, const char *kind, const char *body);
	void *cls;
	int rc;
};

static int each_row(void *cls, const struct db_row *row)
{
	struct each *e = cls;

	e->rc = e->cb(e->cls, row_text(row, 0), row_text(row, 1), row_text(row, 2));
	return e->rc ? 1 : 0;
}

struct each_tx {
	struct each e;
	struct err *err;
	int (*start)(void *cls); /* called at the start of every attempt */
};

static int each_body(struct db *db, void *cls)
{
	struct each_tx *t = cls;
	int rc;

	t->e.rc = 0;
	if (t->start && t->start(t->e.cls) != 0)
		return -1;
	rc = db_query(db, SQL_RECORDS_OTHER, DB_NOP, each_row, &t->e);
	if (rc == DB_OK)
		rc = db_query(db, SQL_RECORDS_SERVICES, DB_NOP, each_row, &t->e);
	if (rc > 0)
		return t->e.rc;
	if (rc != DB_OK && t->err)
		err_set(t->err, ERR_VALIDATION, "database: %s", db_errmsg(db));
	return rc;
}

int catalog_each_record(struct db *db, int (*cb)(void *cls, const char *iri, const char *kind, const char *body),
			void *cls, struct err *err)
{
	struct each_tx t = {{cb, cls, 0}, err, NULL};

	return db_tx_read(db, each_body, &t);
}

int catalog_revision(struct db *db, long long *out)
{
	return db_query_int(db, SQL_REVISION, DB_NOP, out) == DB_OK ? 0 : -1;
}

struct loader {
	struct catalog_builder *b;
	struct err *err;
	long long revision;
	struct db *db;
	size_t max_bytes;
};

/* ---- the back office ---- */

struct with_record {
	struct catalog_builder *b;
	const struct cat_record *rec;
	struct err *err;
};

static int with_record_cb(void *cls, const char *iri, const char *kind, const char *body)
{
	struct with_record *w = cls;
	struct err e = {0};

	if (!strcmp(kind, "service"))
		return 1; /* the non-services come first: done */
	if (!strcmp(iri, w->rec->iri))
		return 0; /* replaced by rec */
	if (catalog_builder_add(w->b, kind, body, &e) != 0) {
		err_set(w->err, ERR_VALIDATION, "%s", e.msg);
		return -1;
	}
	return 0;
}

struct catalog *catalog_with_record(struct db *db, const struct cat_record *rec, struct err *err)
{
	struct with_record w = {catalog_builder_new(), rec, err};
	struct each_tx t = {{with_record_cb, &w, 0}, err, NULL};
	struct err e = {0};
	int rc;

	err_clear(err);
	if (!w.b) {
		err_set(err, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	rc = db_query(db, SQL_RECORDS_FEW, DB_NOP, each_row, &t.e);
	if (rc < 0 || (rc > 0 && t.e.rc < 0)) {
		if (!err->msg[0])
			err_set(err, ERR_VALIDATION, "database: %s", db_errmsg(db));
		catalog_builder_free(w.b);
		return NULL;
	}
	if (catalog_builder_add(w.b, cat_kind_name(rec->kind), rec->body, &e) != 0) {
		err_set(err, ERR_VALIDATION, "%s", e.msg);
		catalog_builder_free(w.b);
		return NULL;
	}
	return catalog_builder_finish(w.b, err);
}

int catalog_put_in_tx(struct db *db, const struct cat_record *rec, long long *revision, struct err *err)
{
	long long rev = 0, now = (long long)time(NULL), had = 0;
	struct catalog *c = catalog_with_record(db, rec, err);

	if (!c)
		return -1;
	catalog_free(c);
	if (db_query_int(db, "SELECT count(*) FROM catalog_node WHERE iri = $1", DB_P(PTEXT(rec->iri)), &had) !=
		DB_OK ||
	    db_query_int(db, SQL_REVISION, DB_NOP, &rev) != DB_OK)
		goto dberr;
	if (db_exec(db, had ? SQL_NODE_UPDATE : SQL_NODE_INSERT,
		    DB_P(PTEXT(rec->iri), PTEXT(cat_kind_name(rec->kind)), PTEXT(rec->identifier), PTEXT(rec->title_lv),
			 PTEXT(rec->title_en), PTEXT(rec->hash), PTEXT(rec->body), PINT(rev + 1), PINT(now)),
		    NULL) != DB_OK ||
	    db_exec(db, SQL_SOURCE_ADD, DB_P(PTEXT("office"), PTEXT(rec->iri)), NULL) != DB_OK ||
	    db_exec(db, SQL_OFFICE_MARK, DB_P(PTEXT(rec->iri), PTEXT("edited"), PINT(now)), NULL) != DB_OK ||
	    db_exec(db, SQL_CHANGE_ADD, DB_P(PINT(rev + 1), PTEXT(rec->iri), PINT(now)), NULL) != DB_OK ||
	    db_exec(db, SQL_REVISION_BUMP, DB_NOP, NULL) != DB_OK)
		goto dberr;
	if (revision)
		*revision = rev + 1;
	return 0;
dberr:
	err_set(err, ERR_VALIDATION, "database: %s", db_errmsg(db));
	return -1;
}

int catalog_drop_in_tx(struct db *db, const char *iri, long long *revision, struct err *err)
{
	long long rev = 0, now = (long long)time(NULL);

	err_clear(err);
	if (db_query_int(db, SQL_REVISION, DB_NOP, &rev) != DB_OK ||
	    db_exec(db, SQL_NODE_DELETE, DB_P(PTEXT(iri)), NULL) != DB_OK ||
	    db_exec(db, SQL_OFFICE_MARK, DB_P(PTEXT(iri), PTEXT("withdrawn"), PINT(now)), NULL) != DB_OK ||
	    db_exec(db, SQL_CHANGE_ADD, DB_P(PINT(rev + 1), PTEXT(iri), PINT(now)), NULL) != DB_OK ||
	    db_exec(db, SQL_REVISION_BUMP, DB_NOP, NULL) != DB_OK) {
		err_set(err, ERR_VALIDATION, "database: %s", db_errmsg(db));
		return -1;
	}
	if (revision)
		*revision = rev + 1;
	return 0;
}

/* ---- a few changes on top of a catalog a reader has ---- */

struct changed {
	struct catalog_builder *b;
	struct catalog_changes *out;
	long long since;
	struct err *err;
	int rc;
};

static int changed_service_cb(void *cls, const struct db_row *row)
{
	struct changed *x = cls;
	struct err e = {0};

	if (catalog_builder_add(x->b, row_text(row, 1), row_text(row, 2), &e) != 0) {
		err_set(x->err, ERR_VALIDATION, "%s", e.msg);
		x->rc = -1;
		return 1;
	}
	return 0;
}

static int gone_cb(void *cls, const struct db_row *row)
{
	struct changed *x = cls;
	struct catalog_changes *o = x->out;
	char **v;

	if (o->ngone % 16 == 0) {
		v = realloc(o->gone, (o->ngone + 16) * sizeof(*v));
		if (!v)
			return 1;
		o->gone = v;
	}
	o->gone[o->ngone] = strdup(row_text(row, 0));
	if (!o->gone[o->ngone])
		return 1;
	o->ngone++;
	return 0;
}

static int non_service_cb(void *cls, const char *iri, const char *kind, const char *body)
{
	struct changed *x = cls;
	struct err e = {0};

	(void)iri;
	if (catalog_builder_add(x->b, kind, body, &e) != 0) {
		err_set(x->err, ERR_VALIDATION, "%s", e.msg);
		return -1;
	}
	return 0;
}

static void changes_reset(struct catalog_changes *o)
{
	size_t i;

	catalog_free(o->cat);
	for (i = 0; i < o->ngone; i++)
		free(o->gone[i]);
	free(o->gone);
	memset(o, 0, sizeof(*o));
}

static int changes_body(struct db *db, void *cls)
{
	struct changed *x = cls;
	struct each e = {non_service_cb, x, 0};
	long long n = -1;
	int rc;

	changes_reset(x->out);
	catalog_builder_free(x->b);
	x->b = catalog_builder_new();
	x->rc = 0;
	if (!x->b) {
		err_set(x->err, ERR_INTERNAL, "out of memory");
		return -1;
	}
	if (db_query_int(db, SQL_REVISION, DB_NOP, &x->out->revision) != DB_OK ||
	    db_query_int(db, SQL_CHANGES_SINCE, DB_P(PINT(x->since), PINT(x->out->revision)), &n) != DB_OK)
		return -1;
	if (x->out->revision <= x->since || n != x->out->revision - x->since || n > CATALOG_CHANGES_MAX) {
		x->rc = 1; /* not only the back office's edits, or too many */
		return 0;
	}
	rc = db_query(db, SQL_RECORDS_FEW, DB_NOP, each_row, &e);
	if (rc == DB_OK)
		rc = db_query(db, SQL_CHANGED_SERVICES, DB_P(PINT(x->since)), changed_service_cb, x);
	if (rc == DB_OK)
		rc = db_query(db, SQL_CHANGED_GONE, DB_P(PINT(x->since)), gone_cb, x);
	if (rc != DB_OK && !x->err->msg[0])
		err_set(x->err, ERR_VALIDATION, "database: %s", db_errmsg(db));
	return rc == DB_OK ? 0 : -1;
}

int catalog_load_changes(struct db *db, long long since, struct catalog_changes *out, struct err *err)
{
	struct changed x = {NULL, out, since, err, 0};
	int rc;

	err_clear(err);
	memset(out, 0, sizeof(*out));
	rc = db_tx_read(db, changes_body, &x);
	if (rc == 0 && x.rc == 0) {
		out->cat = catalog_builder_finish(x.b, err);
		x.b = NULL;
		if (!out->cat)
			rc = -1;
	}
	catalog_builder_free(x.b);
	if (rc != 0 && !err->msg[0])
		err_set(err, ERR_VALIDATION, "database: %s", db_errmsg(db));
	if (rc != 0 || x.rc != 0) {
		changes_reset(out);
		return rc != 0 ? -1 : 1;
	}
	return 0;
}

void catalog_changes_free(struct catalog_changes *c)
{
	changes_reset(c);
}

int catalog_changes_purge(struct db *db, long long before)
{
	return db_exec(db, SQL_CHANGES_PURGE, DB_P(PINT(before)), NULL) == DB_OK ? 0 : -1;
}

static int body_cb(void *cls, const struct db_row *row)
{
	char **out = cls;

	*out = strdup(row_text(row, 0));
	return *out ? 0 : -1;
}

int catalog_record_body(struct db *db, const char *iri, char **body, struct err *err)
{
	*body = NULL;
	err_clear(err);
	if (db_query(db, SQL_NODE_BODY, DB_P(PTEXT(iri)), body_cb, body) != DB_OK) {
		err_set(err, ERR_VALIDATION, "database: %s", db_errmsg(db));
		return -1;
	}
	return *body ? 0 : 1;
}

static int load_start(void *cls)
{
	struct loader *l = cls;

	catalog_builder_free(l->b);
	l->b = catalog_builder_new_max(l->max_bytes);
	if (!l->b) {
		err_set(l->err, ERR_INTERNAL, "out of memory");
		return -1;
	}
	if (db_query_int(l->db, SQL_REVISION, DB_NOP, &l->revision) != DB_OK) {
		err_set(l->err, ERR_VALIDATION, "database: %s", db_errmsg(l->db));
		return -1;
	}
	return 0;
}

static int load_record(void *cls, const char *iri, const char *kind, const char *body)
{
	struct loader *l = cls;
	struct err e = {0};

	if (catalog_builder_add(l->b, kind, body, &e) != 0) {
		err_set(l->err, ERR_VALIDATION, "%s", e.msg);
		return 1;
	}
	return 0;
}

/* in_tx: read inside the caller's transaction (an import's), else in a
 * read transaction of our own. */
static struct catalog *load(struct db *db, int in_tx, size_t max_bytes, struct err *err)
{
	struct err local = {0};
	struct loader l = {NULL, err ? err : &local, 0, db, max_bytes};
	struct each_tx t = {{load_record, &l, 0}, l.err, load_start};
	struct catalog *c = NULL;
	int rc;

	err_clear(l.err);
	rc = in_tx ? each_body(db, &t) : db_tx_read(db, each_body, &t);
	if (rc != 0) {
		if (!l.err->msg[0])
			err_set(l.err, ERR_VALIDATION, "database: %s", db_errmsg(db));
		catalog_builder_free(l.b);
		return NULL;
	}
	c = catalog_builder_finish(l.b, l.err);
	if (c)
		c->revision = l.revision;
	return c;
}

struct catalog *catalog_load(struct db *db, struct err *err)
{
	return load(db, 0, CATALOG_MAX_BYTES, err);
}

struct catalog *catalog_load_max(struct db *db, size_t max_bytes, struct err *err)
{
	return load(db, 0, max_bytes, err);
}
