/* test_versions.c — a service's versions (catalog/versions.h) on SQLite and
 * PostgreSQL: the imported state as version 1, drafts, the optimistic
 * conflict check (also two connections saving from one base at once),
 * publishing through the catalog, review (pending, approve, return),
 * restore and withdraw, and an institution's editor kept to its services.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "catalog/edit.h"
#include "catalog/jsonld.h"
#include "catalog/model.h"
#include "catalog/store.h"
#include "catalog/versions.h"
#include "store/db.h"
#include "pgtest.h"
#include "store/migrate.h"

struct fx {
	const struct backend *be;
	struct testdb tdb;
	struct db *db;
	char *iri;           /* a service of the demo catalog */
	char *inst;          /* its authority's slug */
	char *title;         /* its Latvian title */
	struct catalog *cat; /* the published catalog after the import */
};

static struct backend be_sqlite = {"sqlite", 0};
static struct backend be_pg = {"postgresql", 1};

static int fx_setup(void **state)
{
	const struct backend *be = *state;
	struct fx *fx = calloc(1, sizeof(*fx));
	struct err err = {0};
	struct cat_doc *d;
	struct catalog *c;
	const char *src = "data/catalog.jsonld";
	size_t i;

	if (!fx)
		return -1;
	fx->be = be;
	*state = fx;
	if (testdb_make(&fx->tdb, "versions", be, "epak.db", 1, &fx->db) != 0)
		return -1;
	if (!fx->db)
		return 0; /* PostgreSQL unavailable: the test skips */
	d = cat_doc_load(src, &err);
	if (!d || catalog_import(fx->db, &d, &src, 1, NULL, NULL, &err) != 0) {
		print_error("import: %s\n", err.msg);
		cat_doc_free(d);
		return -1;
	}
	cat_doc_free(d);
	c = catalog_load(fx->db, &err);
	if (!c)
		return -1;
	for (i = 0; i < c->nservices && !fx->iri; i++) {
		const struct service *s = c->services[i];

		if (s->iri && s->authority && s->authority->slug && mltext_get(&s->title, "lv")) {
			fx->iri = strdup(s->iri);
			fx->inst = strdup(s->authority->slug);
			fx->title = strdup(mltext_get(&s->title, "lv"));
		}
	}
	fx->cat = c;
	return fx->iri ? 0 : -1;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (fx) {
		db_close(fx->db);
		testdb_remove(&fx->tdb);
		free(fx->iri);
		free(fx->inst);
		free(fx->title);
		catalog_free(fx->cat);
		free(fx);
	}
	return 0;
}

static struct fx *fx_of(void **state)
{
	struct fx *fx = *state;

	testdb_need(&fx->tdb);
	return fx;
}

/* The form of version number (new reference). */
static json_t *form_at(struct fx *fx, long long number)
{
	struct svc_version v;
	struct err err = {0};
	json_t *f;

	if (svc_version_get(fx->db, fx->iri, number, &v, &err) != 0)
		fail_msg("version %lld: %s", number, err.msg);
	f = json_incref(v.form);
	svc_version_clear(&v);
	return f;
}

/* version 1's form with title.lv set to title */
static json_t *retitled(struct fx *fx, long long from, const char *title)
{
	json_t *b = form_at(fx, from), *f = json_deep_copy(b), *t;

	json_decref(b);
	t = json_object_get(f, "title");
	json_object_set_new(t, "lv", json_string(title));
	return f;
}

static enum svc_result save(struct fx *fx, const json_t *form, long long base, enum svc_action action, int admin,
			    long long *version)
{
	struct svc_save in = {fx->iri, fx->inst, form, base, 7, admin, action, 0, fx->cat};
	struct svc_saved out;
	struct err err = {0};

	if (svc_save(fx->db, &in, &out, &err) != 0)
		fail_msg("svc_save: %s", err.msg);
	if (version)
		*version = out.version;
	json_decref(out.theirs);
	return out.result;
}

static long long latest(struct fx *fx)
{
	long long n = -1;
	struct err err = {0};

	assert_int_equal(svc_latest(fx->db, fx->iri, &n, &err), 0);
	return n;
}

static char *public_title(struct fx *fx)
{
	struct err err = {0};
	struct catalog *c = catalog_load(fx->db, &err);
	const struct service *s;
	char *t;

	assert_non_null(c);
	s = catalog_service_by_iri(c, fx->iri);
	t = s ? strdup(mltext_get(&s->title, "lv")) : NULL;
	catalog_free(c);
	return t;
}

/* The first save of an imported service records the imported state as
 * version 1 (published, by nobody), then the draft as version 2; the
 * public page keeps the imported title. */
static void first_edit_records_the_import(void **state)
{
	struct fx *fx = fx_of(state);
	struct svc_save in = {fx->iri, fx->inst, NULL, 0, 7, 0, SVC_DRAFT, 0, fx->cat};
	struct svc_saved out;
	struct svc_version *v;
	struct err err = {0};
	size_t n;
	json_t *f;
	char *t;

	/* the imported form, as the edit page would open it: build it the
	 * way svc_save does, through a throwaway first save of a copy */
	assert_int_equal(latest(fx), 0);
	f = json_object();
	json_object_set_new(f, "identifier", json_string("x"));
	json_object_set_new(f, "authority", json_string(fx->inst));
	in.form = f;
	in.action = SVC_DRAFT;
	assert_int_equal(svc_save(fx->db, &in, &out, &err), 0);
	assert_int_equal(out.result, SVC_SAVED);
	assert_int_equal(out.version, 2);
	json_decref(f);
	assert_int_equal(svc_versions(fx->db, fx->iri, 0, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].number, 2);
	assert_int_equal(v[0].state, SVC_STATE_DRAFT);
	assert_int_equal(v[0].account, 7);
	assert_int_equal(v[0].base, 0);
	assert_int_equal(v[0].current, 0);
	assert_int_equal(v[1].number, 1);
	assert_int_equal(v[1].state, SVC_STATE_PUBLISHED);
	assert_int_equal(v[1].account, 0);
	assert_int_equal(v[1].current, 1);
	assert_string_equal(v[1].institution, fx->inst);
	svc_versions_free(v, n);
	f = form_at(fx, 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(f, "title"), "lv")), fx->title);
	json_decref(f);
	t = public_title(fx);
	assert_string_equal(t, fx->title);
	free(t);
	{
		char *iri = NULL, *inst = NULL;

		/* found by the newest version's slug ("x" above), not by others */
		assert_int_equal(svc_find(fx->db, "x", &iri, &inst, &err), 0);
		assert_string_equal(iri, fx->iri);
		assert_string_equal(inst, fx->inst);
		free(iri);
		free(inst);
		assert_int_equal(svc_find(fx->db, "nav-tada", &iri, &inst, &err), 1);
		assert_null(iri);
	}
}

/* From one base, the second save conflicts: it gets the first's form and
 * writes nothing; saved again on the newer base, it goes through. */
static void second_save_from_one_base_conflicts(void **state)
{
	struct fx *fx = fx_of(state);
	struct svc_save in = {fx->iri, fx->inst, NULL, 0, 8, 0, SVC_DRAFT, 0, fx->cat};
	struct svc_saved out;
	struct err err = {0};
	json_t *a, *b;
	long long v;

	a = json_object();
	assert_int_equal(save(fx, a, 0, SVC_DRAFT, 0, &v), SVC_INVALID); /* no identifier */
	json_object_set_new(a, "identifier", json_string("x"));
	json_object_set_new(a, "authority", json_string(fx->inst));
	assert_int_equal(save(fx, a, 0, SVC_DRAFT, 0, &v), SVC_SAVED);
	json_decref(a);
	a = retitled(fx, 1, "Pirmais");
	b = retitled(fx, 1, "Otrais");
	assert_int_equal(save(fx, a, 2, SVC_DRAFT, 0, &v), SVC_SAVED);
	assert_int_equal(v, 3);
	in.form = b;
	in.base = 2;
	assert_int_equal(svc_save(fx->db, &in, &out, &err), 0);
	assert_int_equal(out.result, SVC_CONFLICT);
	assert_int_equal(out.version, 3);
	assert_non_null(out.theirs);
	assert_true(json_equal(out.theirs, a));
	json_decref(out.theirs);
	assert_int_equal(latest(fx), 3);
	/* a base that never was */
	in.base = 9;
	assert_int_equal(svc_save(fx->db, &in, &out, &err), 0);
	assert_int_equal(out.result, SVC_INVALID);
	in.base = 3;
	assert_int_equal(svc_save(fx->db, &in, &out, &err), 0);
	assert_int_equal(out.result, SVC_SAVED);
	assert_int_equal(out.version, 4);
	json_decref(a);
	json_decref(b);
}

/* Two connections save from one base at the same moment: exactly one
 * wins, the other gets SVC_CONFLICT, and one version was written. */
struct racer {
	const char *target;
	struct svc_save in;
	struct svc_saved out;
	struct err err;
	pthread_barrier_t *go;
	int rc;
};

static void *race(void *cls)
{
	struct racer *r = cls;
	struct db *db = db_open(r->target, &r->err);

	r->rc = -1;
	if (!db)
		return NULL;
	pthread_barrier_wait(r->go);
	r->rc = svc_save(db, &r->in, &r->out, &r->err);
	db_close(db);
	return NULL;
}

static void concurrent_saves_one_wins(void **state)
{
	struct fx *fx = fx_of(state);
	struct racer r[2];
	pthread_t th[2];
	pthread_barrier_t go;
	json_t *f[2];
	long long base;
	int round, i, won, lost;

	for (round = 0; round < 8; round++) {
		base = latest(fx);
		if (base == 0) {
			/* the first edit: both would record the import as version 1 */
			f[0] = json_pack("{s:s, s:s}", "identifier", "x", "authority", fx->inst);
			f[1] = json_pack("{s:s, s:s}", "identifier", "x", "authority", fx->inst);
		} else {
			f[0] = retitled(fx, 1, "A");
			f[1] = retitled(fx, 1, "B");
		}
		pthread_barrier_init(&go, NULL, 2);
		for (i = 0; i < 2; i++) {
			r[i] = (struct racer){
			    fx->tdb.target,
			    {fx->iri, fx->inst, f[i], base, 10 + i, 0, round & 1 ? SVC_PUBLISH : SVC_DRAFT, 0, fx->cat},
			    {0},
			    {0},
			    &go,
			    0};
			assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
		}
		won = lost = 0;
		for (i = 0; i < 2; i++) {
			pthread_join(th[i], NULL);
			if (r[i].rc != 0)
				fail_msg("racer %d: %s", i, r[i].err.msg);
			won += r[i].out.result == SVC_SAVED || r[i].out.result == SVC_PUBLISHED;
			lost += r[i].out.result == SVC_CONFLICT;
			json_decref(r[i].out.theirs);
		}
		pthread_barrier_destroy(&go);
		assert_int_equal(won, 1);
		assert_int_equal(lost, 1);
		assert_int_equal(latest(fx), base ? base + 1 : 2);
		json_decref(f[0]);
		json_decref(f[1]);
	}
}

/* Publishing writes the catalog node (the revision moves, the public
 * title changes); withdrawing takes it off; restoring version 1 brings
 * the imported text back as a new version. */
static void publish_withdraw_restore(void **state)
{
	struct fx *fx = fx_of(state);
	struct svc_save in = {fx->iri, fx->inst, NULL, 0, 7, 0, SVC_PUBLISH, 0, fx->cat};
	struct svc_saved out;
	struct err err = {0};
	long long rev0 = 0, rev1 = 0, v;
	json_t *a;
	char *t;

	a = json_object();
	json_object_set_new(a, "identifier", json_string("x"));
	json_object_set_new(a, "authority", json_string(fx->inst));
	assert_int_equal(save(fx, a, 0, SVC_DRAFT, 0, &v), SVC_SAVED);
	json_decref(a);
	a = retitled(fx, 1, "Jaunais nosaukums");
	assert_int_equal(catalog_revision(fx->db, &rev0), 0);
	in.form = a;
	in.base = 2;
	assert_int_equal(svc_save(fx->db, &in, &out, &err), 0);
	if (out.result != SVC_PUBLISHED)
		fail_msg("publish: %d %s", out.result, err.msg);
	assert_int_equal(out.version, 3);
	assert_int_equal(catalog_revision(fx->db, &rev1), 0);
	assert_int_equal(rev1, rev0 + 1);
	assert_int_equal(out.revision, rev1);
	t = public_title(fx);
	assert_string_equal(t, "Jaunais nosaukums");
	free(t);
	json_decref(a);

	in.form = NULL;
	in.restore = 1;
	in.base = 3;
	assert_int_equal(svc_save(fx->db, &in, &out, &err), 0);
	assert_int_equal(out.result, SVC_PUBLISHED);
	assert_int_equal(out.version, 4);
	t = public_title(fx);
	assert_string_equal(t, fx->title);
	free(t);
	{
		struct svc_version v4;

		assert_int_equal(svc_version_get(fx->db, fx->iri, 4, &v4, &err), 0);
		assert_int_equal(v4.restored_from, 1);
		assert_int_equal(v4.current, 1);
		json_t *f1 = form_at(fx, 1);

		assert_true(json_equal(v4.form, f1));
		json_decref(f1);
		svc_version_clear(&v4);
	}
	in.restore = 0;
	in.form = form_at(fx, 4);
	in.base = 4;
	in.action = SVC_WITHDRAW;
	assert_int_equal(svc_save(fx->db, &in, &out, &err), 0);
	assert_int_equal(out.result, SVC_WITHDRAWN);
	json_decref((json_t *)in.form);
	assert_null(public_title(fx));
}

/* An institution that needs approval: its editor's publish waits; the
 * administrator's publish does not; approve publishes; return keeps the
 * comment; a pending version older than a newer publication conflicts. */
static void review_pending_approve_return(void **state)
{
	struct fx *fx = fx_of(state);
	struct svc_saved out;
	struct svc_version *q;
	struct err err = {0};
	size_t n;
	json_t *a;
	long long v;
	char *t;

	OK(fx->db,
	   db_exec(fx->db, "INSERT INTO institution_setting (slug, review_required, updated_at) VALUES ($1, 1, 0)",
		   DB_P(PTEXT(fx->inst)), NULL));
	assert_int_equal(svc_review_required(fx->db, fx->inst, &err), 1);
	assert_int_equal(svc_review_required(fx->db, "no-such", &err), 0);
	a = json_object();
	json_object_set_new(a, "identifier", json_string("x"));
	json_object_set_new(a, "authority", json_string(fx->inst));
	assert_int_equal(save(fx, a, 0, SVC_DRAFT, 0, &v), SVC_SAVED);
	json_decref(a);
	a = retitled(fx, 1, "Gaida apstiprinājumu");
	assert_int_equal(save(fx, a, 2, SVC_PUBLISH, 0, &v), SVC_PENDING);
	assert_int_equal(v, 3);
	json_decref(a);
	t = public_title(fx);
	assert_string_equal(t, fx->title);
	free(t);
	assert_int_equal(svc_pending(fx->db, fx->inst, &q, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(q[0].number, 3);
	svc_versions_free(q, n);
	assert_int_equal(svc_pending(fx->db, "other", &q, &n, &err), 0);
	assert_int_equal(n, 0);
	svc_versions_free(q, n);

	/* approve: published */
	assert_int_equal(svc_approve(fx->db, fx->cat, fx->iri, 3, 99, &out, &err), 0);
	assert_int_equal(out.result, SVC_PUBLISHED);
	t = public_title(fx);
	assert_string_equal(t, "Gaida apstiprinājumu");
	free(t);
	assert_int_equal(svc_approve(fx->db, fx->cat, fx->iri, 3, 99, &out, &err), 0);
	assert_int_equal(out.result, SVC_INVALID); /* no longer pending */

	/* return with a comment */
	a = retitled(fx, 1, "Atgriezīs");
	assert_int_equal(save(fx, a, 3, SVC_PUBLISH, 0, &v), SVC_PENDING);
	json_decref(a);
	assert_int_equal(svc_return(fx->db, fx->iri, 4, 99, "Lūdzu, precizējiet", &out, &err), 0);
	assert_int_equal(out.result, SVC_SAVED);
	{
		struct svc_version v4;

		assert_int_equal(svc_version_get(fx->db, fx->iri, 4, &v4, &err), 0);
		assert_int_equal(v4.state, SVC_STATE_RETURNED);
		assert_string_equal(v4.comment, "Lūdzu, precizējiet");
		assert_int_equal(v4.reviewer, 99);
		svc_version_clear(&v4);
	}

	/* a pending version overtaken by an administrator's publication */
	a = retitled(fx, 1, "Vecais gaidošais");
	assert_int_equal(save(fx, a, 4, SVC_PUBLISH, 0, &v), SVC_PENDING);
	assert_int_equal(v, 5);
	json_decref(a);
	a = retitled(fx, 1, "Administratora");
	assert_int_equal(save(fx, a, 5, SVC_PUBLISH, 1, &v), SVC_PUBLISHED);
	assert_int_equal(v, 6);
	json_decref(a);
	assert_int_equal(svc_approve(fx->db, fx->cat, fx->iri, 5, 99, &out, &err), 0);
	assert_int_equal(out.result, SVC_CONFLICT);
	assert_int_equal(out.version, 6);
	json_decref(out.theirs);
	t = public_title(fx);
	assert_string_equal(t, "Administratora");
	free(t);
}

/* An editor of another institution cannot save over the service, nor
 * name another institution in the form. */
static void other_institution_is_refused(void **state)
{
	struct fx *fx = fx_of(state);
	struct svc_save in = {fx->iri, "cita-iestade", NULL, 0, 7, 0, SVC_DRAFT, 0, fx->cat};
	struct svc_saved out;
	struct err err = {0};
	json_t *a;

	a = json_object();
	json_object_set_new(a, "identifier", json_string("x"));
	json_object_set_new(a, "authority", json_string("cita-iestade"));
	in.form = a;
	assert_int_equal(svc_save(fx->db, &in, &out, &err), 0);
	assert_int_equal(out.result, SVC_INVALID);
	assert_int_equal(err.code, ERR_FORBIDDEN);
	assert_int_equal(latest(fx), 0);
	/* after the owner's first save too */
	json_object_set_new(a, "authority", json_string(fx->inst));
	assert_int_equal(save(fx, a, 0, SVC_DRAFT, 0, NULL), SVC_SAVED);
	json_object_set_new(a, "authority", json_string("cita-iestade"));
	in.base = 2;
	err = (struct err){0};
	assert_int_equal(svc_save(fx->db, &in, &out, &err), 0);
	assert_int_equal(out.result, SVC_INVALID);
	assert_int_equal(err.code, ERR_FORBIDDEN);
	/* the form naming another institution than the caller's */
	in.institution = fx->inst;
	err = (struct err){0};
	assert_int_equal(svc_save(fx->db, &in, &out, &err), 0);
	assert_int_equal(out.result, SVC_INVALID);
	assert_int_equal(latest(fx), 2);
	json_decref(a);
}

#define ON_BOTH(fn)                                                                                                    \
	cmocka_unit_test_prestate_setup_teardown(fn, fx_setup, fx_teardown, &be_sqlite),                               \
	    cmocka_unit_test_prestate_setup_teardown(fn, fx_setup, fx_teardown, &be_pg)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ON_BOTH(first_edit_records_the_import), ON_BOTH(second_save_from_one_base_conflicts),
	    ON_BOTH(concurrent_saves_one_wins),     ON_BOTH(publish_withdraw_restore),
	    ON_BOTH(review_pending_approve_return), ON_BOTH(other_institution_is_refused),
	};

	pg_note_missing("test_versions");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
