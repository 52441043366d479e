/* fuzz_jsonld.c — the catalog importer (src/catalog/jsonld.c, model.c) and
 * exporter (export.c), in memory, without a database.
 *
 * Besides the sanitizers it checks what the catalog promises and aborts
 * when a promise is broken: a document that imports exports to JSON-LD that
 * imports again, into the same catalog when the exporter warned of nothing it
 * left out; every service's own JSON-LD imports;
 * slugs are ASCII, lower case, unique within their kind. The first byte
 * picks the syntax (even: guess, odd: Turtle), so Turtle is fuzzed too when
 * the build has serd.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/export.h"
#include "catalog/jsonld.h"
#include "catalog/model.h"
#include "core/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int warnings;

static void count_warning(void *cls, const char *msg)
{
	(void)cls;
	(void)msg;
	warnings++;
}

static void check_slug(const char *s)
{
	size_t i;

	if (!s || !*s || strlen(s) > CATALOG_SLUG_MAX + 9)
		abort();
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			abort();
}

static void check_catalog(const struct catalog *c)
{
	size_t i, k;

	for (i = 0; i < c->nservices; i++) {
		const struct service *s = c->services[i];

		check_slug(s->slug);
		if (i && strcmp(c->services[i - 1]->slug, s->slug) >= 0)
			abort(); /* sorted and unique */
		if (catalog_service(c, s->slug) != s || !s->authority || !s->identifier || !s->title.n)
			abort();
		for (k = 0; k < s->nchannels; k++)
			check_slug(s->channels[k].slug);
	}
	for (i = 0; i < c->norgs; i++) {
		check_slug(c->orgs[i]->slug);
		if (catalog_org(c, c->orgs[i]->slug) != c->orgs[i])
			abort();
	}
	for (i = 0; i < c->nevents; i++)
		if (catalog_event(c, c->events[i]->slug) != c->events[i])
			abort();
}

static struct catalog *reimport(const struct buf *b, struct cat_doc **doc)
{
	struct err err = {0};
	struct catalog *c;

	*doc = cat_doc_parse(b->data, b->len, CAT_SYNTAX_JSONLD, &err);
	if (!*doc)
		abort(); /* our own output must read back */
	c = catalog_from_doc(*doc, &err);
	if (!c)
		abort();
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = {0};
	struct cat_doc *doc, *doc2 = NULL;
	struct catalog *c, *c2 = NULL;
	struct buf out = BUF_INIT, d1 = BUF_INIT, d2 = BUF_INIT;
	enum cat_syntax syntax;
	size_t i;

	if (size < 1)
		return 0;
	syntax = (data[0] & 1) ? CAT_SYNTAX_TURTLE : CAT_SYNTAX_GUESS;
	doc = cat_doc_parse((const char *)data + 1, size - 1, syntax, &err);
	if (!doc) {
		if (!err.msg[0])
			abort(); /* a refusal always says why */
		return 0;
	}
	c = catalog_from_doc(doc, &err);
	if (!c) {
		if (!err.msg[0])
			abort();
		cat_doc_free(doc);
		return 0;
	}
	check_catalog(c);
	warnings = 0;
	if (catalog_export_doc(doc, &out, count_warning, NULL, &err) != 0)
		abort();
	c2 = reimport(&out, &doc2);
	check_catalog(c2);
	if (catalog_dump(c, &d1) != 0 || catalog_dump(c2, &d2) != 0)
		abort();
	/* import → export → import is the same catalog, unless the export said
	 * what it had to leave out */
	if (!warnings && (d1.len != d2.len || (d1.len && memcmp(d1.data, d2.data, d1.len) != 0)))
		abort();
	for (i = 0; i < c->nservices; i++) {
		struct buf one = BUF_INIT;
		struct cat_doc *d3;
		struct catalog *c3;

		if (catalog_service_jsonld(c, c->services[i], &one) != 0)
			abort();
		c3 = reimport(&one, &d3);
		if (c3->nservices != 1 || strcmp(c3->services[0]->identifier, c->services[i]->identifier) != 0)
			abort();
		catalog_free(c3);
		cat_doc_free(d3);
		buf_free(&one);
	}
	buf_free(&out);
	buf_free(&d1);
	buf_free(&d2);
	catalog_free(c);
	catalog_free(c2);
	cat_doc_free(doc);
	cat_doc_free(doc2);
	return 0;
}
