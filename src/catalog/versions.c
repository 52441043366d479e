/* versions.c — saving a service's versions, publishing, withdrawing and the
 * administrator's review (versions.h; table service_version, migration 14).
 *
 * Every write is one db_tx() (serializable on both engines). The conflict
 * check reads the newest version number and the insert of the next one is
 * keyed (iri, number): of two saves from one base, on SQLite the second
 * waits for the first's commit (BEGIN IMMEDIATE) and then sees the newer
 * number; on PostgreSQL it either fails serialization (db_tx runs it
 * again, and it then sees the newer number) or collides on the primary
 * key. Either way it writes nothing and answers SVC_CONFLICT.
 */
#include "catalog/versions.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/store.h"
#include "store/db.h"

static const char SQL_LATEST[] = "SELECT MAX(number) FROM service_version WHERE iri = $1";
static const char SQL_LAST_PUBLIC[] = "SELECT MAX(number) FROM service_version "
				      "WHERE iri = $1 AND state IN ('published', 'withdrawn')";
static const char SQL_INSERT[] =
    "INSERT INTO service_version (iri, number, slug, institution, state, form, "
    "account_id, at, base, restored_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
static const char SQL_REVIEWED[] = "UPDATE service_version SET state = $3, reviewer = $4, reviewed_at = $5, "
				   "comment = $6 WHERE iri = $1 AND number = $2 AND state = 'pending'";
static const char SQL_REVIEW_REQUIRED[] = "SELECT review_required FROM institution_setting WHERE slug = $1";
static const char SQL_FIND[] = "SELECT iri, institution FROM service_version WHERE slug = $1 "
			       "ORDER BY at DESC, number DESC LIMIT 1";

#define SQL_COLUMNS                                                                                                    \
	"SELECT v.iri, v.slug, v.institution, v.number, v.state, v.account_id, COALESCE(a.display_name, ''), v.at, "   \
	"v.base, v.restored_from, v.comment, v.reviewer, COALESCE(r.display_name, ''), v.reviewed_at, v.form "         \
	"FROM service_version v LEFT JOIN account a ON a.id = v.account_id "                                           \
	"LEFT JOIN account r ON r.id = v.reviewer "
static const char SQL_LIST[] = SQL_COLUMNS "WHERE v.iri = $1 ORDER BY v.number DESC LIMIT $2";
static const char SQL_GET[] = SQL_COLUMNS "WHERE v.iri = $1 AND v.number = $2";
static const char SQL_PENDING[] = SQL_COLUMNS "WHERE v.state = 'pending' AND ($1 = '' OR v.institution = $1) "
					      "ORDER BY v.at, v.iri, v.number LIMIT 1000";

static const char *const state_names[] = {"draft", "pending", "returned", "published", "withdrawn"};

const char *svc_state_name(enum svc_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "draft";
}

static enum svc_state state_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (name && !strcmp(name, state_names[i]))
			return (enum svc_state)i;
	return SVC_STATE_DRAFT;
}

void svc_version_clear(struct svc_version *v)
{
	if (!v)
		return;
	free(v->iri);
	free(v->slug);
	free(v->institution);
	free(v->who);
	free(v->comment);
	free(v->reviewer_name);
	json_decref(v->form);
	memset(v, 0, sizeof(*v));
}

void svc_versions_free(struct svc_version *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		svc_version_clear(&v[i]);
	free(v);
}

/* ---- small reads ---- */

static int query_latest(struct db *db, const char *sql, const char *iri, long long *n)
{
	int rc = db_query_int(db, sql, DB_P(PTEXT(iri)), n);

	if (rc == DB_ENOROW) {
		*n = 0;
		return DB_OK;
	}
	return rc;
}

static int text_cb(void *cls, const struct db_row *row)
{
	char **out = cls;

	*out = strdup(row_text(row, 0));
	return *out ? 0 : -1;
}

/* The form of version number (new reference), or NULL (none, or a
 * database error: *rc says which). */
static json_t *form_of(struct db *db, const char *iri, long long number, int *rc)
{
	char *text = NULL;
	json_t *form = NULL;

	*rc = db_query(db, "SELECT form FROM service_version WHERE iri = $1 AND number = $2",
		       DB_P(PTEXT(iri), PINT(number)), text_cb, &text);
	if (*rc == DB_OK && text)
		form = json_loads(text, 0, NULL);
	free(text);
	return form;
}

static const char *form_text(const json_t *form, const char *member)
{
	const char *s = json_string_value(json_object_get(form, member));

	return s ? s : "";
}

static char *canonical(const json_t *form)
{
	return json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS);
}

int svc_review_required(struct db *db, const char *institution, struct err *err)
{
	long long v = 0;
	int rc = db_query_int(db, SQL_REVIEW_REQUIRED, DB_P(PTEXT(institution ? institution : "")), &v);

	if (rc == DB_ENOROW)
		return 0;
	if (rc != DB_OK) {
		err_set(err, ERR_UNAVAILABLE, "database: %s", db_errmsg(db));
		return -1;
	}
	return v != 0;
}

int svc_latest(struct db *db, const char *iri, long long *number, struct err *err)
{
	if (query_latest(db, SQL_LATEST, iri, number) != DB_OK) {
		err_set(err, ERR_UNAVAILABLE, "database: %s", db_errmsg(db));
		return -1;
	}
	return 0;
}

/* ---- saving ---- */

/* What a transaction's body answers besides DB_OK and DB_E*. */
enum { BODY_CONFLICT = 2, BODY_INVALID = 3 };

struct save_tx {
	const struct svc_save *in;
	struct svc_saved *out;
	struct err *err;
	long long now;
};

/* Version 1: the stored node's form, as the import left it. 0 (also when
 * there is no stored node), BODY_INVALID, or a DB_E* code. */
static int record_imported(struct db *db, struct save_tx *t, long long *latest)
{
	const struct svc_save *in = t->in;
	struct cat_record rec = {0};
	struct catalog *c = NULL;
	const struct service *s;
	char *body = NULL, *text = NULL;
	json_t *form = NULL;
	int rc;

	rc = catalog_record_body(db, in->iri, &body, t->err);
	if (rc != 0)
		return rc < 0 ? DB_ERROR : 0;
	rec.iri = (char *)in->iri;
	rec.kind = CAT_SERVICE;
	rec.body = body;
	c = catalog_with_record(db, &rec, t->err);
	s = c ? catalog_service_by_iri(c, in->iri) : NULL;
	form = s ? svc_form_from_service(c, s, body) : NULL;
	text = form ? canonical(form) : NULL;
	if (!text) {
		err_set(t->err, ERR_VALIDATION, "the stored service does not build");
		rc = db_errmsg(db)[0] ? DB_ERROR : BODY_INVALID;
		goto out;
	}
	if (in->institution && !in->admin && strcmp(form_text(form, "authority"), in->institution) != 0) {
		err_set(t->err, ERR_FORBIDDEN, "the service belongs to another institution");
		rc = BODY_INVALID;
		goto out;
	}
	rc = db_exec(db, SQL_INSERT,
		     DB_P(PTEXT(in->iri), PINT(1), PTEXT(s->slug), PTEXT(form_text(form, "authority")),
			  PTEXT("published"), PTEXT(text), PINT(0), PINT(t->now), PINT(0), PINT(0)),
		     NULL);
	if (rc == DB_ECONSTRAINT)
		rc = BODY_CONFLICT;
	else if (rc == DB_OK)
		*latest = 1;
out:
	free(text);
	json_decref(form);
	catalog_free(c);
	free(body);
	return rc;
}

int svc_record_of(struct db *db, const struct catalog *c, const char *iri, const json_t *form, struct cat_record *out,
		  struct err *err)
{
	struct cat_record stored = {0};
	struct catalog *now = NULL;
	char *old = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = catalog_record_body(db, iri, &old, err);
	if (rc < 0)
		return -1;
	if (old) {
		/* the catalog as stored: its one service is old's, so what the
		 * form leaves unchanged is compared with the stored node, not
		 * with a read model that may be a moment behind */
		stored.iri = (char *)iri;
		stored.kind = CAT_SERVICE;
		stored.body = old;
		now = catalog_with_record(db, &stored, err);
		if (!now) {
			free(old);
			return -1;
		}
		c = now;
	}
	if (!c) {
		err_set(err, ERR_INTERNAL, "no catalog to build the service against");
		free(old);
		return -1;
	}
	rc = svc_form_to_record(c, form, iri, old, out, err);
	catalog_free(now);
	free(old);
	return rc;
}

/* Publishes form as the catalog node of iri. 0, BODY_INVALID or a DB_E*
 * code. */
static int publish(struct db *db, const struct catalog *c, const char *iri, const json_t *form, struct err *err,
		   long long *revision)
{
	struct cat_record rec = {0};
	int rc;

	if (svc_record_of(db, c, iri, form, &rec, err) != 0)
		return db_errmsg(db)[0] ? DB_ERROR : BODY_INVALID;
	rc = catalog_put_in_tx(db, &rec, revision, err);
	cat_record_clear(&rec);
	if (rc != 0)
		return db_errmsg(db)[0] ? DB_ERROR : BODY_INVALID;
	return 0;
}

static int save_body(struct db *db, void *cls)
{
	struct save_tx *t = cls;
	const struct svc_save *in = t->in;
	struct svc_saved *out = t->out;
	long long latest = 0, owner = 0;
	const char *state;
	char slug[CATALOG_SLUG_MAX + 1];
	json_t *restored = NULL;
	const json_t *form = in->form;
	char *text = NULL;
	int rc;

	/* a retried body starts afresh */
	out->result = SVC_SAVED;
	out->version = out->revision = 0;
	err_clear(t->err);
	rc = query_latest(db, SQL_LATEST, in->iri, &latest);
	if (rc != DB_OK)
		return rc;
	if (latest > 0 && in->institution && !in->admin) {
		/* the newest version's institution owns the service (asked
		 * before the conflict: a conflict answer shows the newest
		 * form, which is none of another institution's business) */
		char *inst = NULL;

		rc = db_query(db, "SELECT institution FROM service_version WHERE iri = $1 AND number = $2",
			      DB_P(PTEXT(in->iri), PINT(latest)), text_cb, &inst);
		owner = inst && strcmp(inst, in->institution) != 0;
		free(inst);
		if (rc != DB_OK)
			return rc;
		if (owner) {
			err_set(t->err, ERR_FORBIDDEN, "the service belongs to another institution");
			return BODY_INVALID;
		}
	}
	if (latest > in->base)
		return BODY_CONFLICT;
	if (latest < in->base) {
		err_set(t->err, ERR_VALIDATION, "version %lld of this service does not exist", in->base);
		return BODY_INVALID;
	}
	if (in->restore) {
		restored = form_of(db, in->iri, in->restore, &rc);
		if (rc != DB_OK)
			return rc;
		if (!restored) {
			err_set(t->err, ERR_VALIDATION, "version %lld of this service does not exist", in->restore);
			return BODY_INVALID;
		}
		form = restored;
	}
	if (!json_is_object(form)) {
		err_set(t->err, ERR_VALIDATION, "no form");
		rc = BODY_INVALID;
		goto out;
	}
	if (in->institution && !in->admin && strcmp(form_text(form, "authority"), in->institution) != 0) {
		err_set(t->err, ERR_FORBIDDEN, "the form names another institution");
		rc = BODY_INVALID;
		goto out;
	}
	if (in->action == SVC_WITHDRAW && !in->admin) {
		/* taking a service off the public pages is a change that goes
		 * live too: where changes need approval, administrators do it */
		rc = svc_review_required(db, in->institution, t->err);
		if (rc != 0) {
			if (rc > 0)
				err_set(t->err, ERR_FORBIDDEN, "withdrawing needs an administrator here");
			rc = rc > 0 ? BODY_INVALID : DB_ERROR;
			goto out;
		}
	}
	catalog_slugify(form_text(form, "identifier"), slug, sizeof(slug));
	if (!slug[0]) {
		err_set(t->err, ERR_VALIDATION, "the service has no identifier");
		rc = BODY_INVALID;
		goto out;
	}
	if (latest == 0) {
		rc = record_imported(db, t, &latest);
		if (rc != 0)
			goto out;
	}
	switch (in->action) {
	case SVC_DRAFT:
		state = "draft";
		out->result = SVC_SAVED;
		break;
	case SVC_WITHDRAW:
		state = "withdrawn";
		out->result = SVC_WITHDRAWN;
		break;
	default:
		rc = in->admin ? 0 : svc_review_required(db, in->institution, t->err);
		if (rc < 0) {
			rc = DB_ERROR;
			goto out;
		}
		state = rc ? "pending" : "published";
		out->result = rc ? SVC_PENDING : SVC_PUBLISHED;
		break;
	}
	text = canonical(form);
	if (!text) {
		err_set(t->err, ERR_INTERNAL, "out of memory");
		rc = DB_ERROR;
		goto out;
	}
	rc = db_exec(db, SQL_INSERT,
		     DB_P(PTEXT(in->iri), PINT(latest + 1), PTEXT(slug),
			  PTEXT(in->institution ? in->institution : form_text(form, "authority")), PTEXT(state),
			  PTEXT(text), PINT(in->account), PINT(t->now), PINT(in->base), PINT(in->restore)),
		     NULL);
	if (rc == DB_ECONSTRAINT) {
		rc = BODY_CONFLICT;
		goto out;
	}
	if (rc != DB_OK)
		goto out;
	out->version = latest + 1;
	if (out->result == SVC_PUBLISHED)
		rc = publish(db, in->catalog, in->iri, form, t->err, &out->revision);
	else if (out->result == SVC_WITHDRAWN)
		rc = catalog_drop_in_tx(db, in->iri, &out->revision, t->err) == 0 ? 0 : DB_ERROR;
out:
	free(text);
	json_decref(restored);
	return rc;
}

/* The newest version and its form, for a conflict's answer (outside the
 * failed transaction). */
static int fill_theirs(struct db *db, const char *iri, struct svc_saved *out, struct err *err)
{
	int rc;

	if (svc_latest(db, iri, &out->version, err) != 0)
		return -1;
	out->theirs = out->version ? form_of(db, iri, out->version, &rc) : NULL;
	if (out->version && !out->theirs) {
		err_set(err, ERR_UNAVAILABLE, "database: %s", db_errmsg(db));
		return -1;
	}
	return 0;
}

/* Maps what db_tx answered to svc_save's return. */
static int finish(struct db *db, int rc, const char *iri, struct svc_saved *out, struct err *err)
{
	if (rc == DB_OK)
		return 0;
	if (rc == BODY_INVALID) {
		out->result = SVC_INVALID;
		out->version = out->revision = 0;
		if (!err_failed(err))
			err_set(err, ERR_VALIDATION, "the service does not build");
		return 0;
	}
	if (rc == BODY_CONFLICT) {
		err_clear(err);
		out->result = SVC_CONFLICT;
		out->revision = 0;
		return fill_theirs(db, iri, out, err);
	}
	err_set(err, ERR_UNAVAILABLE, "database: %s", db_errmsg(db));
	return -1;
}

int svc_save(struct db *db, const struct svc_save *in, struct svc_saved *out, struct err *err)
{
	struct save_tx t = {in, out, err, (long long)time(NULL)};

	memset(out, 0, sizeof(*out));
	err_clear(err);
	if (!in->iri || !in->iri[0]) {
		err_set(err, ERR_VALIDATION, "no IRI");
		out->result = SVC_INVALID;
		return 0;
	}
	return finish(db, db_tx(db, save_body, &t), in->iri, out, err);
}

/* ---- the review ---- */

struct review_tx {
	const struct catalog *catalog;
	const char *iri;
	long long number, reviewer, now;
	const char *comment; /* NULL: approve */
	struct svc_saved *out;
	struct err *err;
};

static int review_body(struct db *db, void *cls)
{
	struct review_tx *t = cls;
	long long pending = 0, last = 0, changes = 0;
	json_t *form = NULL;
	int rc;

	t->out->result = SVC_SAVED;
	t->out->revision = 0;
	err_clear(t->err);
	rc = db_query_int(db,
			  "SELECT count(*) FROM service_version WHERE iri = $1 AND number = $2 AND state = 'pending'",
			  DB_P(PTEXT(t->iri), PINT(t->number)), &pending);
	if (rc != DB_OK)
		return rc;
	if (!pending) {
		err_set(t->err, ERR_VALIDATION, "version %lld is not waiting for approval", t->number);
		return BODY_INVALID;
	}
	if (!t->comment) {
		rc = query_latest(db, SQL_LAST_PUBLIC, t->iri, &last);
		if (rc != DB_OK)
			return rc;
		if (last > t->number)
			return BODY_CONFLICT;
		form = form_of(db, t->iri, t->number, &rc);
		if (!form)
			return rc != DB_OK ? rc : DB_ERROR;
		rc = publish(db, t->catalog, t->iri, form, t->err, &t->out->revision);
		json_decref(form);
		if (rc != 0)
			return rc;
		t->out->result = SVC_PUBLISHED;
	}
	rc = db_exec(db, SQL_REVIEWED,
		     DB_P(PTEXT(t->iri), PINT(t->number), PTEXT(t->comment ? "returned" : "published"),
			  PINT(t->reviewer), PINT(t->now), PTEXT(t->comment ? t->comment : "")),
		     &changes);
	if (rc != DB_OK)
		return rc;
	return changes == 1 ? 0 : DB_ERROR;
}

static int review(struct db *db, struct review_tx *t)
{
	struct svc_saved *out = t->out;
	int rc;

	memset(out, 0, sizeof(*out));
	err_clear(t->err);
	out->version = t->number;
	rc = db_tx(db, review_body, t);
	if (rc == BODY_CONFLICT) {
		/* the newer public version is the one to compare with */
		err_clear(t->err);
		out->result = SVC_CONFLICT;
		if (query_latest(db, SQL_LAST_PUBLIC, t->iri, &out->version) != DB_OK) {
			err_set(t->err, ERR_UNAVAILABLE, "database: %s", db_errmsg(db));
			return -1;
		}
		out->theirs = form_of(db, t->iri, out->version, &rc);
		return 0;
	}
	return finish(db, rc, t->iri, out, t->err);
}

int svc_approve(struct db *db, const struct catalog *c, const char *iri, long long number, long long reviewer,
		struct svc_saved *out, struct err *err)
{
	struct review_tx t = {c, iri, number, reviewer, (long long)time(NULL), NULL, out, err};

	return review(db, &t);
}

int svc_return(struct db *db, const char *iri, long long number, long long reviewer, const char *comment,
	       struct svc_saved *out, struct err *err)
{
	struct review_tx t = {NULL, iri, number, reviewer, (long long)time(NULL), comment ? comment : "", out, err};

	return review(db, &t);
}

/* ---- reading ---- */

struct rows {
	struct svc_version *v;
	size_t n, cap;
	int with_form;
};

static char *dup_text(const struct db_row *row, int i)
{
	const char *s = row_text(row, i);

	return strdup(s ? s : "");
}

static int version_row(void *cls, const struct db_row *row)
{
	struct rows *x = cls;
	struct svc_version *v;

	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct svc_version *nv = realloc(x->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		x->v = nv;
		x->cap = cap;
	}
	v = &x->v[x->n];
	memset(v, 0, sizeof(*v));
	x->n++;
	v->iri = dup_text(row, 0);
	v->slug = dup_text(row, 1);
	v->institution = dup_text(row, 2);
	v->number = row_int(row, 3);
	v->state = state_of(row_text(row, 4));
	v->account = row_int(row, 5);
	v->who = dup_text(row, 6);
	v->at = row_int(row, 7);
	v->base = row_int(row, 8);
	v->restored_from = row_int(row, 9);
	v->comment = dup_text(row, 10);
	v->reviewer = row_int(row, 11);
	v->reviewer_name = dup_text(row, 12);
	v->reviewed_at = row_int(row, 13);
	if (x->with_form)
		v->form = json_loads(row_text(row, 14), 0, NULL);
	if (!v->iri || !v->slug || !v->institution || !v->who || !v->comment || !v->reviewer_name ||
	    (x->with_form && !v->form))
		return -1;
	return 0;
}

/* Marks the version the public pages show (the newest published one,
 * unless a withdrawal came after it). */
static int mark_current(struct db *db, const char *iri, struct svc_version *v, size_t n)
{
	long long last = 0;
	size_t i;

	if (query_latest(db, SQL_LAST_PUBLIC, iri, &last) != DB_OK)
		return -1;
	for (i = 0; i < n; i++)
		v[i].current = v[i].number == last && v[i].state == SVC_STATE_PUBLISHED;
	return 0;
}

static int read_rows(struct db *db, const char *sql, const struct db_param *p, size_t np, struct rows *x,
		     struct svc_version **out, size_t *n, struct err *err)
{
	int rc = db_query(db, sql, p, np, version_row, x);

	if (rc != DB_OK) {
		svc_versions_free(x->v, x->n);
		if (rc > 0)
			err_set(err, ERR_INTERNAL, "out of memory, or a stored form that is not JSON");
		else
			err_set(err, ERR_UNAVAILABLE, "database: %s", db_errmsg(db));
		return -1;
	}
	*out = x->v;
	*n = x->n;
	return 0;
}

int svc_versions(struct db *db, const char *iri, size_t max, struct svc_version **out, size_t *n, struct err *err)
{
	struct rows x = {0};

	*out = NULL;
	*n = 0;
	if (read_rows(db, SQL_LIST, DB_P(PTEXT(iri), PINT(max ? (long long)max : 1000000000LL)), &x, out, n, err) != 0)
		return -1;
	if (mark_current(db, iri, *out, *n) != 0) {
		svc_versions_free(*out, *n);
		*out = NULL;
		*n = 0;
		err_set(err, ERR_UNAVAILABLE, "database: %s", db_errmsg(db));
		return -1;
	}
	return 0;
}

int svc_version_get(struct db *db, const char *iri, long long number, struct svc_version *out, struct err *err)
{
	struct rows x = {.with_form = 1};
	struct svc_version *v = NULL;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (read_rows(db, SQL_GET, DB_P(PTEXT(iri), PINT(number)), &x, &v, &n, err) != 0)
		return -1;
	if (n == 0) {
		free(v);
		return 1;
	}
	if (mark_current(db, iri, v, n) != 0) {
		svc_versions_free(v, n);
		err_set(err, ERR_UNAVAILABLE, "database: %s", db_errmsg(db));
		return -1;
	}
	*out = v[0];
	free(v);
	return 0;
}

int svc_shown(struct db *db, const char *iri, long long *number, struct err *err)
{
	int rc = db_query_int(db,
			      "SELECT number FROM service_version WHERE iri = $1 AND state = 'published' AND number = "
			      "(SELECT MAX(number) FROM service_version WHERE iri = $1 AND state IN ('published', "
			      "'withdrawn'))",
			      DB_P(PTEXT(iri)), number);

	if (rc == DB_ENOROW) {
		*number = 0;
		return 0;
	}
	if (rc != DB_OK) {
		err_set(err, ERR_UNAVAILABLE, "database: %s", db_errmsg(db));
		return -1;
	}
	return 0;
}

int svc_pending(struct db *db, const char *institution, struct svc_version **out, size_t *n, struct err *err)
{
	struct rows x = {0};

	*out = NULL;
	*n = 0;
	return read_rows(db, SQL_PENDING, DB_P(PTEXT(institution ? institution : "")), &x, out, n, err);
}

struct found {
	char *iri, *institution;
};

static int found_row(void *cls, const struct db_row *row)
{
	struct found *f = cls;

	f->iri = dup_text(row, 0);
	f->institution = dup_text(row, 1);
	return f->iri && f->institution ? 0 : -1;
}

int svc_find(struct db *db, const char *slug, char **iri, char **institution, struct err *err)
{
	struct found f = {0};
	int rc = db_query(db, SQL_FIND, DB_P(PTEXT(slug)), found_row, &f);

	*iri = *institution = NULL;
	if (rc != DB_OK) {
		free(f.iri);
		free(f.institution);
		err_set(err, ERR_UNAVAILABLE, "database: %s", db_errmsg(db));
		return -1;
	}
	if (!f.iri)
		return 1;
	*iri = f.iri;
	*institution = f.institution;
	return 0;
}
