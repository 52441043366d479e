/* docs.c — the catalog's services as search documents: see docs.h. */
#include "search/docs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/jsonld.h"
#include "catalog/model.h"

#define SERVICE_PATH "/pakalpojumi/"

void search_docs_free(struct search_docs *d)
{
	free(d->v);
	free(d->urls);
	free(d->labels);
	free((void *)d->keywords);
	memset(d, 0, sizeof(*d));
}

/* One service as a document; its keywords and events go to the next free
 * places of d's arrays (*nkw, *nlabels move on), its path to *url. */
static void service_doc(const struct service *s, struct search_docs *d, struct search_doc *doc, char **url, size_t *nkw,
			size_t *nlabels, const char *urls_end)
{
	const struct organisation *o = s->authority;
	size_t k;

	doc->id = s->identifier;
	doc->url = *url;
	*url += (size_t)snprintf(*url, (size_t)(urls_end - *url), SERVICE_PATH "%s", s->slug) + 1;
	doc->title_lv = mltext_get(&s->title, "lv");
	doc->title_en = mltext_exact(&s->title, "en");
	doc->description_lv = mltext_get(&s->description, "lv");
	doc->description_en = mltext_exact(&s->description, "en");
	doc->keywords = d->keywords + *nkw;
	for (k = 0; k < s->keywords.n; k++)
		d->keywords[(*nkw)++] = s->keywords.v[k].value;
	doc->nkeywords = s->keywords.n;
	if (o) {
		doc->institution.id = o->slug;
		doc->institution.lv = mltext_get(&o->name, "lv");
		doc->institution.en = mltext_exact(&o->name, "en");
		doc->institution_abbr = o->alt_names.n ? o->alt_names.v[0].value : NULL;
	}
	doc->events = d->labels + *nlabels;
	for (k = 0; k < s->nevents; k++) {
		struct search_label *l = &d->labels[(*nlabels)++];

		l->id = s->events[k]->slug;
		l->lv = mltext_get(&s->events[k]->title, "lv");
		l->en = mltext_exact(&s->events[k]->title, "en");
	}
	doc->nevents = s->nevents;
	doc->eservice = s->e_service == FLAG_YES;
}

int search_docs_build(const struct catalog *c, struct search_docs *out, struct err *err)
{
	size_t i, nlabels = 0, nkw = 0, nurls = 0;
	char *url;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < c->nservices; i++) {
		nlabels += c->services[i]->nevents;
		nkw += c->services[i]->keywords.n;
		nurls += sizeof(SERVICE_PATH) + strlen(c->services[i]->slug);
	}
	out->v = calloc(c->nservices ? c->nservices : 1, sizeof(*out->v));
	out->urls = malloc(nurls ? nurls : 1);
	out->labels = calloc(nlabels ? nlabels : 1, sizeof(*out->labels));
	out->keywords = calloc(nkw ? nkw : 1, sizeof(*out->keywords));
	if (!out->v || !out->urls || !out->labels || !out->keywords) {
		search_docs_free(out);
		err_set(err, ERR_INTERNAL, "out of memory");
		return -1;
	}
	url = out->urls;
	nlabels = nkw = 0;
	for (i = 0; i < c->nservices; i++)
		service_doc(c->services[i], out, &out->v[i], &url, &nkw, &nlabels, out->urls + nurls);
	out->n = c->nservices;
	return 0;
}

struct search_index *search_index_of_catalog(const struct catalog *c, const struct search_config *cfg, char **urls,
					     struct err *err)
{
	struct search_docs d;
	struct search_index *idx;

	if (search_docs_build(c, &d, err) != 0)
		return NULL;
	idx = search_index_build(d.v, d.n, cfg, err);
	if (idx) {
		*urls = d.urls; /* the index borrows them; the rest it copied */
		d.urls = NULL;
	}
	search_docs_free(&d);
	return idx;
}

/* ---- a catalog file ---- */

struct search_catalog {
	struct catalog *cat;
	struct search_docs docs;
};

void search_catalog_free(struct search_catalog *sc)
{
	if (!sc)
		return;
	search_docs_free(&sc->docs);
	catalog_free(sc->cat);
	free(sc);
}

struct search_catalog *search_catalog_load(const char *path, struct err *err)
{
	struct search_catalog *sc = calloc(1, sizeof(*sc));
	struct cat_doc *doc = NULL;
	struct err ce = {0};

	if (!sc) {
		err_set(err, ERR_INTERNAL, "out of memory reading %s", path);
		return NULL;
	}
	doc = cat_doc_load(path, &ce);
	if (doc)
		sc->cat = catalog_from_doc(doc, &ce);
	cat_doc_free(doc);
	if (!sc->cat) {
		err_set(err, ERR_INTERNAL, "%.500s", ce.msg);
		goto fail;
	}
	if (search_docs_build(sc->cat, &sc->docs, err) != 0)
		goto fail;
	return sc;
fail:
	search_catalog_free(sc);
	return NULL;
}

const struct search_doc *search_catalog_docs(const struct search_catalog *sc, size_t *n)
{
	*n = sc->docs.n;
	return sc->docs.v;
}
