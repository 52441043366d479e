/* test_edit.c — the back office's service form (catalog/edit.h): every
 * service of the demo catalog and the Latvian reference catalog goes to a
 * form and back to a record that builds and shows the same; an edited
 * service's record is what an import of the same content makes; every
 * check of svc_form_check refuses what it should.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "catalog/edit.h"
#include "catalog/jsonld.h"
#include "catalog/model.h"
#include "catalog/export.h"
#include "catalog/store.h"
#include "core/buf.h"
#include "pgtest.h"
#include "store/db.h"

static struct cat_doc *load(const char *path, int shared)
{
	char p[1024];
	struct err err = {0};
	struct cat_doc *d;

	if (shared)
		snprintf(p, sizeof(p), "%s/%s", test_shared_dir(), path);
	else
		snprintf(p, sizeof(p), "%s", path);
	d = cat_doc_load(p, &err);
	if (!d)
		fail_msg("%s", err.msg);
	return d;
}

static struct catalog *model(const struct cat_doc *d)
{
	struct err err = {0};
	struct catalog *c = catalog_from_doc(d, &err);

	if (!c)
		fail_msg("model: %s", err.msg);
	return c;
}

static const struct cat_record *rec_of(const struct cat_doc *d, const char *iri)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->rec[i].iri, iri))
			return &d->rec[i];
	return NULL;
}

/* The catalog of d with rec in place of the record of the same IRI. */
static struct catalog *model_with(const struct cat_doc *d, const struct cat_record *rec, struct err *err)
{
	struct cat_record *v = calloc(d->n, sizeof(*v));
	struct cat_doc copy = {v, d->n};
	struct catalog *c;
	size_t i;

	for (i = 0; i < d->n; i++)
		v[i] = strcmp(d->rec[i].iri, rec->iri) ? d->rec[i] : *rec;
	c = catalog_from_doc(&copy, err);
	free(v);
	return c;
}

static void assert_same_form(const json_t *a, const json_t *b, const char *what)
{
	const char *k;
	json_t *v;

	if (json_equal(a, b))
		return;
	json_object_foreach((json_t *)a, k, v)
	{
		if (!json_equal(v, json_object_get(b, k))) {
			char *x = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
			char *y = json_dumps(json_object_get(b, k), JSON_SORT_KEYS | JSON_COMPACT);

			fail_msg("%s: member %s differs\n%.1500s\n---\n%.1500s", what, k, x, y);
		}
	}
	fail_msg("%s: forms differ", what);
}

/* Every service: form → record (unchanged) is the stored body itself;
 * form with every member rewritten (no previous form) still builds and
 * gives the same form. */
static void round_trip(const char *path, int shared)
{
	struct cat_doc *d = load(path, shared);
	struct catalog *c = model(d);
	size_t i, n = 0;

	for (i = 0; i < c->nservices; i++) {
		const struct service *s = c->services[i];
		const struct cat_record *old;
		struct cat_record rec;
		struct err err = {0};
		struct catalog *c2;
		json_t *f, *f2;

		if (!s->iri)
			continue;
		old = rec_of(d, s->iri);
		assert_non_null(old);
		f = svc_form_from_service(c, s, old->body);
		assert_non_null(f);
		{
			/* every imported service can be saved as it is */
			struct form_problems p;

			if (svc_form_check(f, c, &p))
				fail_msg("%s: %s: %s", s->iri, p.v[0].path, p.v[0].msgid);
		}
		if (svc_form_to_record(c, f, s->iri, old->body, &rec, &err) != 0)
			fail_msg("%s: %s", s->iri, err.msg);
		assert_string_equal(rec.body, old->body); /* nothing changed: the same bytes, the same hash */
		assert_string_equal(rec.hash, old->hash);
		cat_record_clear(&rec);
		/* every member written from the form (no old body: nothing to keep) */
		if (svc_form_to_record(c, f, s->iri, NULL, &rec, &err) != 0)
			fail_msg("%s (fresh): %s", s->iri, err.msg);
		c2 = model_with(d, &rec, &err);
		if (!c2)
			fail_msg("%s (fresh) does not build: %s", s->iri, err.msg);
		f2 = svc_form_from_service(c2, catalog_service_by_iri(c2, s->iri), rec.body);
		assert_same_form(f2, f, s->iri);
		json_decref(f2);
		catalog_free(c2);
		cat_record_clear(&rec);
		/* an edit of a member of every kind, over the stored body: builds,
		 * and shows exactly the edited form */
		{
			json_t *row;
			size_t k;

			json_object_set_new(json_object_get(f, "title"), "en",
					    json_string("Edited in the back office"));
			json_object_set_new(f, "keywords", json_pack("{s:s,s:s}", "lv", "viens, divi", "en", ""));
			json_object_set_new(f, "audience", json_string("both"));
			json_object_set_new(f, "status", json_string("active"));
			json_object_set_new(f, "processing_time", json_string("P2D"));
			json_array_foreach(json_object_get(f, "channels"), k, row)
			{
				json_object_set_new(row, "url", json_string("https://example.lv/e-pakalpojums"));
				json_object_set_new(row, "email", json_string("info@example.lv"));
				json_object_set_new(row, "hours",
						    json_pack("{s:s,s:s}", "lv", "P.–Pk. 9–17", "en", "Mon–Fri 9–17"));
			}
			json_array_foreach(json_object_get(f, "costs"), k, row)
			{
				json_object_set_new(row, "value", json_string("2.5"));
			}
			json_array_foreach(json_object_get(f, "outputs"), k, row)
			{
				json_object_set_new(json_object_get(row, "description"), "lv", json_string("Apraksts"));
			}
			json_array_append_new(json_object_get(f, "legal"),
					      json_pack("{s:{s:s,s:s},s:s}", "title", "lv", "Likums", "en", "", "url",
							"https://likumi.lv/ta/id/1"));
			if (svc_form_to_record(c, f, s->iri, old->body, &rec, &err) != 0)
				fail_msg("%s (edited): %s", s->iri, err.msg);
			c2 = model_with(d, &rec, &err);
			if (!c2)
				fail_msg("%s (edited) does not build: %s", s->iri, err.msg);
			f2 = svc_form_from_service(c2, catalog_service_by_iri(c2, s->iri), rec.body);
			assert_same_form(f2, f, s->iri);
			json_decref(f2);
			catalog_free(c2);
			cat_record_clear(&rec);
		}
		json_decref(f);
		n++;
	}
	assert_true(n > 50);
	catalog_free(c);
	cat_doc_free(d);
}

static void demo_round_trip(void **state)
{
	(void)state;
	round_trip("data/catalog.jsonld", 0);
}

static void lv_round_trip(void **state)
{
	(void)state;
	round_trip("testdata/catalog-lv/catalog.jsonld", 1);
}

static const char *SVC = "https://epak.example/demo/service/lv-dzivesvietas-deklaresana";

/* An edit changes what was edited, keeps the rest, and is what an import
 * of the same content makes. */
static void edit_is_an_import(void **state)
{
	struct cat_doc *d = load("data/catalog.jsonld", 0), *back;
	struct catalog *c = model(d), *c2;
	const struct service *s = catalog_service_by_iri(c, SVC);
	struct cat_record rec;
	struct err err = {0};
	json_t *f, *f2, *row;
	char *doc;

	(void)state;
	assert_non_null(s);
	f = svc_form_from_service(c, s, NULL);
	json_object_set_new(json_object_get(f, "title"), "lv", json_string("Dzīvesvietas deklarēšana (labots)"));
	row = json_array_get(json_object_get(f, "channels"), 0);
	json_object_set_new(row, "url", json_string("https://www.latvija.lv/lv/pakalpojumi/deklaret"));
	json_object_set_new(row, "email", json_string("info@pmlp.gov.lv"));
	json_array_append_new(json_object_get(f, "costs"),
			      json_pack("{s:s,s:s,s:{s:s,s:s},s:s}", "value", "1,50", "currency", "EUR", "description",
					"lv", "Valsts nodeva saskaņā ar cenrādi", "en", "State fee", "url",
					"https://www.pmlp.gov.lv/cenradis"));
	json_array_append_new(json_object_get(f, "legal"),
			      json_pack("{s:{s:s,s:s},s:s}", "title", "lv", "Dzīvesvietas deklarēšanas likums", "en",
					"Declaration of Residence Law", "url", "https://likumi.lv/ta/id/317482"));
	json_object_set_new(f, "processing_time", json_string("P1D"));
	{
		struct form_problems p;

		assert_int_equal(svc_form_check(f, c, &p), 0);
	}
	if (svc_form_to_record(c, f, SVC, rec_of(d, SVC)->body, &rec, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(rec.kind, CAT_SERVICE);
	assert_string_equal(rec.title_lv, "Dzīvesvietas deklarēšana (labots)");
	/* the same content as a file in the official context's terms: the same record */
	doc = NULL;
	{
		json_t *n = json_loads(rec.body, 0, NULL);
		json_t *wrap = json_pack("{s:s,s:[o]}", "@context", CPSV_AP_CONTEXT_URL, "@graph", n);

		doc = json_dumps(wrap, JSON_COMPACT);
		json_decref(wrap);
	}
	back = cat_doc_parse(doc, strlen(doc), CAT_SYNTAX_JSONLD, &err);
	free(doc);
	assert_non_null(back);
	assert_int_equal(back->n, 1);
	assert_string_equal(back->rec[0].body, rec.body);
	assert_string_equal(back->rec[0].hash, rec.hash);
	cat_doc_free(back);
	/* it builds, and shows the edit */
	c2 = model_with(d, &rec, &err);
	if (!c2)
		fail_msg("%s", err.msg);
	s = catalog_service_by_iri(c2, SVC);
	assert_int_equal(s->nlegal, 1);
	assert_string_equal(s->legal[0].url, "https://likumi.lv/ta/id/317482");
	assert_string_equal(mltext_get(&s->legal[0].title, "lv"), "Dzīvesvietas deklarēšanas likums");
	assert_string_equal(s->channels[0].email, "info@pmlp.gov.lv");
	assert_string_equal(s->costs[s->ncosts - 1].value_text, "1.50");
	assert_string_equal(s->costs[s->ncosts - 1].price_list, "https://www.pmlp.gov.lv/cenradis");
	f2 = svc_form_from_service(c2, s, rec.body);
	/* the decimal comma is written as a point */
	json_object_set_new(
	    json_array_get(json_object_get(f, "costs"), json_array_size(json_object_get(f, "costs")) - 1), "value",
	    json_string("1.50"));
	assert_same_form(f2, f, "edited");
	/* the rows not edited kept their nodes (IRI, owner) */
	assert_string_equal(s->channels[1].iri,
			    "https://epak.example/demo/channel/lv-dzivesvietas-deklaresana/in-person");
	assert_non_null(s->channels[0].owner);
	/* the identifier of an existing service is fixed */
	json_object_set_new(f2, "identifier", json_string("cits"));
	cat_record_clear(&rec);
	err = (struct err){0};
	assert_int_not_equal(svc_form_to_record(c2, f2, SVC, rec_of(d, SVC)->body, &rec, &err), 0);
	assert_non_null(strstr(err.msg, "identifier"));
	json_decref(f2);
	catalog_free(c2);
	json_decref(f);
	catalog_free(c);
	cat_doc_free(d);
}

/* ---- checks ---- */

static int has(const struct form_problems *p, const char *path)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].path, path))
			return 1;
	return 0;
}

/* A valid form with one row of each list. */
static json_t *good(void)
{
	json_t *f = svc_form_new("pmlp");

	json_object_set_new(f, "identifier", json_string("jauns-pakalpojums"));
	json_object_set_new(json_object_get(f, "title"), "lv", json_string("Jauns pakalpojums"));
	json_object_set_new(json_object_get(f, "description"), "lv", json_string("Apraksts."));
	json_array_append_new(json_object_get(f, "channels"),
			      json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s}}", "type", "online", "url",
					"https://www.latvija.lv", "email", "", "phone", "", "description", "lv", "",
					"en", "", "hours", "lv", "", "en", ""));
	json_array_append_new(json_object_get(f, "costs"), json_pack("{s:s,s:s,s:{s:s,s:s}}", "value", "0", "currency",
								     "EUR", "description", "lv", "", "en", ""));
	json_array_append_new(json_object_get(f, "outputs"),
			      json_pack("{s:{s:s,s:s},s:{s:s,s:s}}", "title", "lv", "Izziņa", "en", "", "description",
					"lv", "", "en", ""));
	json_array_append_new(json_object_get(f, "legal"), json_pack("{s:{s:s,s:s},s:s}", "title", "lv", "Likums", "en",
								     "", "url", "https://likumi.lv/ta/id/1"));
	json_array_append_new(json_object_get(f, "events"), json_string("le-dzivesvietas-maina"));
	json_array_append_new(json_object_get(f, "contacts"), json_string("cp-pmlp"));
	return f;
}

/* Sets member path ("a.b.0.c") of f to v (stolen). */
static void put(json_t *f, const char *path, json_t *v)
{
	char buf[128], *save = NULL, *k, *next;
	json_t *cur = f;

	snprintf(buf, sizeof(buf), "%s", path);
	k = strtok_r(buf, ".", &save);
	while ((next = strtok_r(NULL, ".", &save))) {
		cur = json_is_array(cur) ? json_array_get(cur, (size_t)strtoul(k, NULL, 10)) : json_object_get(cur, k);
		k = next;
	}
	if (json_is_array(cur))
		json_array_set_new(cur, (size_t)strtoul(k, NULL, 10), v);
	else
		json_object_set_new(cur, k, v);
}

static void refused(const struct catalog *c, const char *path, json_t *v, const char *expect_path)
{
	json_t *f = good();
	struct form_problems p;

	put(f, path, v);
	if (!svc_form_check(f, c, &p) || !has(&p, expect_path ? expect_path : path))
		fail_msg("%s: not refused (%d problems, first %s)", path, p.n, p.n ? p.v[0].path : "-");
	json_decref(f);
}

static void accepted(const struct catalog *c, const char *path, json_t *v)
{
	json_t *f = good();
	struct form_problems p;

	put(f, path, v);
	if (svc_form_check(f, c, &p))
		fail_msg("%s: refused: %s %s", path, p.v[0].path, p.v[0].msgid);
	json_decref(f);
}

static json_t *big(size_t n, char ch)
{
	char *s = malloc(n + 1);
	json_t *j;

	memset(s, ch, n);
	s[n] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

static void checks(void **state)
{
	struct cat_doc *d = load("data/catalog.jsonld", 0);
	struct catalog *c = model(d);
	json_t *f = good(), *a;
	struct form_problems p;
	int i;

	(void)state;
	assert_int_equal(svc_form_check(f, c, &p), 0);
	json_decref(f);
	/* required Latvian texts */
	refused(c, "title.lv", json_string(""), NULL);
	refused(c, "description.lv", json_string(""), NULL);
	refused(c, "outputs.0.title.lv", json_string(""), NULL);
	refused(c, "identifier", json_string(""), NULL);
	refused(c, "identifier", json_string("<script>"), NULL);
	accepted(c, "title.en", json_string(""));
	/* a limit on every text */
	refused(c, "title.lv", big(301, 'a'), NULL);
	refused(c, "title.en", big(301, 'a'), NULL);
	refused(c, "description.lv", big(1024 * 1024, 'a'), NULL);
	refused(c, "description.en", big(8001, 'a'), NULL);
	refused(c, "keywords.lv", big(1001, 'a'), NULL);
	refused(c, "identifier", big(121, 'a'), NULL);
	refused(c, "channels.0.description.lv", big(4001, 'a'), NULL);
	refused(c, "channels.0.hours.en", big(1001, 'a'), NULL);
	refused(c, "channels.0.phone", big(41, '1'), NULL);
	refused(c, "channels.0.url", json_string("https://x.lv/a b"), NULL);
	refused(c, "costs.0.description.lv", big(4001, 'a'), NULL);
	refused(c, "outputs.0.description.lv", big(4001, 'a'), NULL);
	refused(c, "legal.0.title.lv", big(501, 'a'), NULL);
	{
		json_t *u = big(2001, 'a');
		char *s = malloc(2100);

		snprintf(s, 2100, "https://%s", json_string_value(u));
		refused(c, "legal.0.url", json_string(s), NULL);
		free(s);
		json_decref(u);
	}
	/* control characters and bad UTF-8 */
	refused(c, "title.lv", json_string("a\x01b"), NULL);
	refused(c, "title.lv", json_string("a\nb"), NULL);
	accepted(c, "description.lv", json_string("a\nb"));
	refused(c, "description.lv", json_string("a\x1b[31m"), NULL);
	refused(c, "title.lv", json_stringn_nocheck("a\xff", 2), NULL);
	/* markup is text: accepted here, escaped on every page */
	accepted(c, "title.lv", json_string("<b>Pakalpojums</b>"));
	/* URLs: http(s) only */
	refused(c, "channels.0.url", json_string("javascript:alert(1)"), NULL);
	refused(c, "channels.0.url", json_string("JavaScript:alert(1)"), NULL);
	refused(c, "channels.0.url", json_string("data:text/html,<script>alert(1)</script>"), NULL);
	refused(c, "channels.0.url", json_string("//evil.example"), NULL);
	refused(c, "channels.0.url", json_string("https://x.lv/\"onmouseover=\"x"), NULL);
	refused(c, "channels.0.url", json_string("https:///nohost"), NULL);
	accepted(c, "channels.0.url", json_string("")); /* the import accepts an e-service without one */
	refused(c, "legal.0.url", json_string("javascript:alert(1)"), NULL);
	refused(c, "legal.0.url", json_string("ftp://likumi.lv/x"), NULL);
	accepted(c, "legal.0.url", json_string("http://likumi.lv/ta/id/1"));
	accepted(c, "channels.0.type", json_string("in-person"));
	/* e-mail addresses (core/email.h) */
	refused(c, "channels.0.email", json_string("not-an-address"), NULL);
	refused(c, "channels.0.email", json_string("jānis@pmlp.gov.lv"), NULL);
	refused(c, "channels.0.email", json_string("a@b.lv\r\nBcc: x@y.lv"), NULL);
	refused(c, "channels.0.email", json_string("a@b.lv, c@d.lv"), NULL);
	accepted(c, "channels.0.email", json_string("info@pmlp.gov.lv"));
	refused(c, "channels.0.phone", json_string("call me"), NULL);
	accepted(c, "channels.0.phone", json_string("+371 67 219 200"));
	/* a decimal cost */
	refused(c, "costs.0.value", json_string("12 EUR"), NULL);
	refused(c, "costs.0.value", json_string("1.2.3"), NULL);
	refused(c, "costs.0.value", json_string("-5"), NULL);
	refused(c, "costs.0.value", json_string("1e9"), NULL);
	refused(c, "costs.0.value", json_string("12."), NULL);
	accepted(c, "costs.0.value", json_string("12,50"));
	accepted(c, "costs.0.value", json_string(""));
	accepted(c, "costs.0.url", json_string("https://www.csdd.lv/cenradis"));
	refused(c, "costs.0.url", json_string("javascript:alert(1)"), NULL);
	refused(c, "costs.0.currency", json_string("eur"), NULL);
	/* an xsd:duration */
	refused(c, "processing_time", json_string("1 month"), NULL);
	refused(c, "processing_time", json_string("P"), NULL);
	accepted(c, "processing_time", json_string("P1M"));
	accepted(c, "processing_time", json_string("PT2H30M"));
	/* choices */
	refused(c, "audience", json_string("everyone"), NULL);
	refused(c, "status", json_string("deleted"), NULL);
	refused(c, "e_service", json_string("maybe"), NULL);
	refused(c, "channels.0.type", json_string("pigeon"), NULL);
	refused(c, "auth_methods", json_pack("[s]", "password"), "auth_methods.0");
	/* known slugs */
	refused(c, "authority", json_string("nav-tadas"), NULL);
	refused(c, "authority", json_string(""), NULL);
	refused(c, "events.0", json_string("nav-tada"), NULL);
	refused(c, "contacts.0", json_string("nav-tada"), NULL);
	refused(c, "events.0", json_integer(1), NULL);
	/* at most N rows */
	f = good();
	a = json_object_get(f, "channels");
	for (i = 0; i < 20; i++)
		json_array_append(a, json_array_get(a, 0));
	assert_true(svc_form_check(f, c, &p) > 0);
	assert_true(has(&p, "channels"));
	json_decref(f);
	f = good();
	a = json_object_get(f, "costs");
	for (i = 0; i < 20; i++)
		json_array_append(a, json_array_get(a, 0));
	assert_true(svc_form_check(f, c, &p) > 0 && has(&p, "costs"));
	json_decref(f);
	f = good();
	a = json_object_get(f, "outputs");
	for (i = 0; i < 30; i++)
		json_array_append(a, json_array_get(a, 0));
	assert_true(svc_form_check(f, c, &p) > 0 && has(&p, "outputs"));
	json_decref(f);
	f = good();
	a = json_object_get(f, "legal");
	for (i = 0; i < 20; i++)
		json_array_append(a, json_array_get(a, 0));
	assert_true(svc_form_check(f, c, &p) > 0 && has(&p, "legal"));
	json_decref(f);
	/* a missing member and a wrong type are problems, not crashes */
	f = good();
	json_object_del(f, "channels");
	json_object_set_new(f, "title", json_string("x"));
	assert_true(svc_form_check(f, c, &p) > 0 && has(&p, "channels") && has(&p, "title.lv"));
	json_decref(f);
	assert_true(svc_form_check(json_null(), c, &p) > 0);
	/* many problems at once: bounded */
	f = good();
	a = json_object_get(f, "outputs");
	json_array_clear(a);
	for (i = 0; i < 30; i++)
		json_array_append_new(a, json_pack("{s:{s:s,s:s},s:{s:s,s:s}}", "title", "lv", "", "en", "",
						   "description", "lv", "", "en", ""));
	assert_int_equal(svc_form_check(f, c, &p), 30);
	json_decref(f);
	catalog_free(c);
	cat_doc_free(d);
}

struct put_job {
	struct cat_record rec[2];
	int n;
	struct err err;
};

static int put_recs(struct db *db, void *cls)
{
	struct put_job *j = cls;
	int i;

	for (i = 0; i < j->n; i++)
		if (catalog_put_in_tx(db, &j->rec[i], NULL, &j->err) != 0)
			return -1;
	return 0;
}

/* A new service: the record builds in the database (catalog_with_record). */
static void new_service_builds(void **state)
{
	static const struct backend be = {"sqlite", 0};
	struct testdb tdb;
	struct db *db;
	struct cat_doc *d = load("data/catalog.jsonld", 0);
	struct catalog *c = model(d), *c2;
	const char *src = "data/catalog.jsonld";
	struct cat_record rec;
	struct err err = {0};
	json_t *f = good();
	size_t i;

	(void)state;
	assert_int_equal(testdb_make(&tdb, "edit", &be, "epak.db", 1, &db), 0);
	assert_int_equal(catalog_import(db, &d, &src, 1, NULL, NULL, &err), 0);
	if (svc_form_to_record(c, f, "https://epak.example/office/service/jauns-pakalpojums", NULL, &rec, &err) != 0)
		fail_msg("%s", err.msg);
	c2 = catalog_with_record(db, &rec, &err);
	if (!c2)
		fail_msg("%s", err.msg);
	assert_int_equal(c2->nservices, 1);
	assert_string_equal(c2->services[0]->slug, "jauns-pakalpojums");
	assert_string_equal(c2->services[0]->authority->slug, "pmlp");
	assert_string_equal(c2->services[0]->events[0]->slug, "le-dzivesvietas-maina");
	catalog_free(c2);
	cat_record_clear(&rec);
	/* and every demo service, unchanged, builds there too */
	for (i = 0; i < c->nservices; i++) {
		json_t *g = svc_form_from_service(c, c->services[i], NULL);

		assert_int_equal(
		    svc_form_to_record(c, g, c->services[i]->iri, rec_of(d, c->services[i]->iri)->body, &rec, &err), 0);
		c2 = catalog_with_record(db, &rec, &err);
		if (!c2)
			fail_msg("%s: %s", c->services[i]->iri, err.msg);
		catalog_free(c2);
		cat_record_clear(&rec);
		json_decref(g);
	}
	/* written (the new service, and an edit of every kind of row), the
	 * catalog still loads and exports; EPAK_EDIT_EXPORT=file keeps the
	 * export for the SHACL check (tests/e2e/catalog-shacl.test.js) */
	{
		struct put_job j = {0};
		const struct service *s = catalog_service_by_iri(c, SVC);
		json_t *g = svc_form_from_service(c, s, NULL), *row;
		struct catalog *after;
		struct buf out = BUF_INIT;
		const char *file = getenv("EPAK_EDIT_EXPORT");

		assert_int_equal(svc_form_to_record(c, f, "https://epak.example/office/service/jauns-pakalpojums", NULL,
						    &j.rec[0], &err),
				 0);
		row = json_array_get(json_object_get(g, "channels"), 0);
		json_object_set_new(row, "email", json_string("info@pmlp.gov.lv"));
		json_object_set_new(row, "phone", json_string("+371 67 209 400"));
		json_object_set_new(row, "hours",
				    json_pack("{s:s,s:s}", "lv", "Darba dienās 8–17", "en", "Working days 8–17"));
		json_array_append_new(json_object_get(g, "costs"),
				      json_pack("{s:s,s:s,s:{s:s,s:s}}", "value", "1,50", "currency", "EUR",
						"description", "lv", "Valsts nodeva", "en", "State fee"));
		json_array_append_new(json_object_get(g, "legal"),
				      json_pack("{s:{s:s,s:s},s:s}", "title", "lv", "Dzīvesvietas deklarēšanas likums",
						"en", "Declaration of Residence Law", "url",
						"https://likumi.lv/ta/id/317482"));
		json_array_append_new(json_object_get(g, "requirements"),
				      json_pack("{s:{s:s,s:s},s:{s:s,s:s}}", "title", "lv",
						"Personu apliecinošs dokuments", "en", "", "description", "lv", "",
						"en", ""));
		json_object_set_new(g, "processing_time", json_string("P1D"));
		json_object_set_new(g, "status", json_string("planned"));
		json_object_set_new(g, "audience", json_string("both"));
		assert_int_equal(svc_form_to_record(c, g, SVC, rec_of(d, SVC)->body, &j.rec[1], &err), 0);
		j.n = 2;
		if (db_tx(db, put_recs, &j) != 0)
			fail_msg("put: %s", j.err.msg);
		after = catalog_load(db, &err);
		assert_non_null(after);
		assert_non_null(catalog_service(after, "jauns-pakalpojums"));
		assert_int_equal(catalog_service_by_iri(after, SVC)->nlegal, 1);
		catalog_free(after);
		assert_int_equal(catalog_export(db, &out, NULL, NULL, &err), 0);
		assert_true(buf_ok(&out));
		if (file && *file) {
			FILE *fp = fopen(file, "w");

			assert_non_null(fp);
			assert_int_equal(fwrite(out.data, 1, out.len, fp), out.len);
			fclose(fp);
		}
		buf_free(&out);
		cat_record_clear(&j.rec[0]);
		cat_record_clear(&j.rec[1]);
		json_decref(g);
	}
	json_decref(f);
	db_close(db);
	testdb_remove(&tdb);
	catalog_free(c);
	cat_doc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(demo_round_trip),    cmocka_unit_test(lv_round_trip),
	    cmocka_unit_test(edit_is_an_import),  cmocka_unit_test(checks),
	    cmocka_unit_test(new_service_builds),
	};
	const struct CMUnitTest export_only[] = {cmocka_unit_test(new_service_builds)};

	/* tests/e2e/catalog-shacl.test.js wants only the export (the round
	 * trips run in the unit tests already) */
	if (getenv("EPAK_EDIT_EXPORT"))
		return cmocka_run_group_tests(export_only, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
