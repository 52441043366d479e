/* test_snapshot.c — the read model takes a back-office edit at once (the
 * changed service laid over the catalog it has), then rebuilds the whole
 * of it in the background; an import still rebuilds everything. On SQLite
 * and PostgreSQL (EPAK_TEST_PG_URL, as in test_catalog.c).
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "catalog/jsonld.h"
#include "catalog/model.h"
#include "catalog/store.h"
#include "core/digest.h"
#include "pgtest.h"
#include "store/db.h"
#include "store/migrate.h"
#include "web/snapshot.h"

static const struct backend be_sqlite = {"sqlite", 0};
static const struct backend be_pg = {"postgresql", 1};

struct job {
	const struct cat_record *rec;
	const char *drop;
	struct err err;
};

static int job_body(struct db *db, void *cls)
{
	struct job *j = cls;

	if (j->drop)
		return catalog_drop_in_tx(db, j->drop, NULL, &j->err);
	return catalog_put_in_tx(db, j->rec, NULL, &j->err);
}

/* rec with its Latvian title replaced (the body is canonical JSON: the
 * title is a "@value" of its own). */
static struct cat_record retitled(const struct cat_record *rec, const char *title)
{
	json_t *n = json_loads(rec->body, 0, NULL), *v;
	struct cat_record r = *rec;
	size_t i;

	assert_non_null(n);
	json_array_foreach(json_object_get(n, NS_DCT "title"), i, v)
	{
		if (!strcmp(json_string_value(json_object_get(v, "@language")) ?: "", "lv"))
			json_object_set_new(v, "@value", json_string(title));
	}
	r.body = json_dumps(n, JSON_SORT_KEYS | JSON_COMPACT);
	assert_non_null(r.body);
	assert_int_equal(sha256_hex(r.body, strlen(r.body), r.hash), 0);
	json_decref(n);
	return r;
}

static const char *lv_title(const struct service *s)
{
	return s ? mltext_get(&s->title, "lv") : NULL;
}

/* The read model at revision (or newer): the test's own refresh, or the
 * refresher's (woken by PostgreSQL's notification first, it may be
 * quicker). */
static const struct snapshot *at_revision(long long revision)
{
	const struct snapshot *s;
	int i;

	for (i = 0; i < 600; i++) {
		snapshot_refresh();
		s = snapshot_get();
		if (s->revision >= revision)
			return s;
		snapshot_put(s);
		usleep(100 * 1000);
	}
	fail_msg("the read model did not reach revision %lld in a minute", revision);
	return NULL;
}

/* Waits (up to a minute) for the builder to replace the overlay. */
static const struct snapshot *wait_whole(long long revision)
{
	const struct snapshot *s;
	int i;

	for (i = 0; i < 600; i++) {
		s = snapshot_get();
		if (!s->base && s->revision >= revision)
			return s;
		snapshot_put(s);
		usleep(100 * 1000);
	}
	fail_msg("the whole read model was not rebuilt in a minute");
	return NULL;
}

static void edits_reach_the_read_model_at_once(void **state)
{
	const struct backend *be = *state;
	struct testdb tdb;
	struct db *db = NULL;
	struct err err = {0};
	struct cat_doc *doc = cat_doc_load("data/catalog.jsonld", &err);
	const char *src = "data/catalog.jsonld";
	const struct cat_record *a = NULL, *b = NULL;
	struct snapshot_source ss = {0};
	struct cat_record mine;
	const struct snapshot *s;
	const struct service *sv;
	const struct catalog *in;
	struct job j = {0};
	char slug_a[CATALOG_SLUG_MAX + 1], slug_b[CATALOG_SLUG_MAX + 1];
	long long overlays;
	size_t i;

	assert_non_null(doc);
	assert_int_equal(testdb_make(&tdb, "snapshot", be, "epak.db", 1, &db), 0);
	testdb_need(&tdb);
	if (catalog_import(db, &doc, &src, 1, NULL, NULL, &err) != 0)
		fail_msg("import: %s", err.msg);
	for (i = 0; i < doc->n; i++)
		if (doc->rec[i].kind == CAT_SERVICE && doc->rec[i].identifier)
			a ? (void)(b = b ? b : &doc->rec[i]) : (void)(a = &doc->rec[i]);
	assert_non_null(b);
	catalog_slugify(a->identifier, slug_a, sizeof(slug_a));
	catalog_slugify(b->identifier, slug_b, sizeof(slug_b));

	ss.db_url = tdb.target;
	ss.search_data = "data/search";
	if (snapshot_start(&ss, NULL, NULL, &err) != 0)
		fail_msg("snapshot_start: %s", err.msg);
	s = snapshot_get();
	assert_int_equal(s->revision, 1);
	assert_null(s->base);
	snapshot_put(s);

	/* an edit: the service page's lookup sees it after one refresh */
	mine = retitled(a, "Pakalpojums, labots birojā");
	j.rec = &mine;
	overlays = snapshot_overlays();
	OK(db, db_tx(db, job_body, &j));
	s = at_revision(2);
	assert_int_equal(snapshot_overlays(), overlays + 1); /* laid over, not rebuilt */
	sv = snapshot_service(s, slug_a, &in);
	assert_string_equal(lv_title(sv), "Pakalpojums, labots birojā");
	if (s->base) /* else the builder already made the whole one */
		assert_ptr_equal(in, s->overlay);
	assert_non_null(snapshot_service(s, slug_b, NULL)); /* the others from the base */
	snapshot_put(s);

	/* a withdrawal: gone from the page lookups at once */
	j.drop = b->iri;
	OK(db, db_tx(db, job_body, &j));
	s = at_revision(3);
	assert_null(snapshot_service(s, slug_b, NULL));
	if (s->base) /* the lists catch up with the rebuild */
		assert_non_null(catalog_service(s->cat, slug_b));
	snapshot_put(s);

	/* the builder then makes the whole read model at the newest revision */
	s = wait_whole(3);
	assert_string_equal(lv_title(snapshot_service(s, slug_a, NULL)), "Pakalpojums, labots birojā");
	assert_null(catalog_service(s->cat, slug_b));
	snapshot_put(s);

	/* any other change (an import) is a whole rebuild */
	overlays = snapshot_overlays();
	OK(db, db_exec(db, "UPDATE revision SET value = value + 1 WHERE id = 1", DB_NOP, NULL));
	s = at_revision(4);
	assert_null(s->base);
	assert_int_equal(snapshot_overlays(), overlays);
	snapshot_put(s);

	snapshot_stop();
	free(mine.body);
	cat_doc_free(doc);
	db_close(db);
	testdb_remove(&tdb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_prestate(edits_reach_the_read_model_at_once, (void *)&be_sqlite),
	    cmocka_unit_test_prestate(edits_reach_the_read_model_at_once, (void *)&be_pg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
