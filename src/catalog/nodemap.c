/* nodemap.c — node maps of expanded JSON-LD (all graphs merged, blank nodes
 * relabelled) and the records made from them (see jsonld.h). */
#include "catalog/jsonld.h"
#include "catalog/jsonld_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>

#include "core/digest.h"

/* ---- node maps ---- */

void nodemap_init(struct nodemap *m)
{
	m->nodes = json_object();
	m->labels = json_object();
	m->next = 0;
	m->count = 0;
}

void nodemap_clear(struct nodemap *m)
{
	json_decref(m->nodes);
	json_decref(m->labels);
	m->nodes = m->labels = NULL;
}

static char *new_label(struct nodemap *m)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "_:b%lu", m->next++);
	return strdup(buf);
}

char *nodemap_relabel(struct nodemap *m, const char *label)
{
	json_t *l = json_object_get(m->labels, label);
	char *nl;

	if (l)
		return strdup(json_string_value(l));
	nl = new_label(m);
	if (nl)
		json_object_set_new(m->labels, label, json_string(nl));
	return nl;
}

json_t *nodemap_node(struct nodemap *m, const char *id)
{
	json_t *n = json_object_get(m->nodes, id);

	if (!n) {
		n = json_object();
		json_object_set_new(n, "@id", json_string(id));
		json_object_set_new(m->nodes, id, n);
		m->count++;
	}
	return n;
}

void nodemap_push(struct nodemap *m, const char *subj, const char *prop, json_t *v) /* steals v */
{
	json_t *n = nodemap_node(m, subj), *a = json_object_get(n, prop);

	if (!a) {
		a = json_array();
		json_object_set_new(n, prop, a);
	}
	json_array_append_new(a, v);
}

static int gen(struct nodemap *m, struct err *err, json_t *el, const char *subj, const char *prop, json_t *list,
	       char **idout, int depth);

static int gen_node(struct nodemap *m, struct err *err, json_t *el, const char *subj, const char *prop, json_t *list,
		    char **idout, int depth)
{
	json_t *v, *node, *types, *t;
	const char *k;
	const char **keys = NULL;
	char *id;
	size_t i, n;
	int rc = -1;

	v = json_object_get(el, "@id");
	if (json_is_string(v))
		id = iri_is_blank(json_string_value(v)) ? nodemap_relabel(m, json_string_value(v))
							: strdup(json_string_value(v));
	else
		id = new_label(m);
	if (!id)
		goto oom;
	if (m->count >= CAT_MAX_NODES) {
		err_set(err, ERR_VALIDATION, "more than %zu nodes", (size_t)CAT_MAX_NODES);
		goto out;
	}
	node = nodemap_node(m, id);
	if (!node)
		goto oom;
	types = json_object_get(el, "@type");
	if (types) {
		json_t *nt = json_object_get(node, "@type");

		if (!nt) {
			nt = json_array();
			json_object_set_new(node, "@type", nt);
		}
		json_array_foreach(types, i, t)
		{
			if (json_is_string(t) && !iri_is_blank(json_string_value(t)))
				json_array_append(nt, t);
		}
	}
	if (subj) {
		json_t *ref = json_object();

		json_object_set_new(ref, "@id", json_string(id));
		if (list)
			json_array_append_new(list, ref);
		else
			nodemap_push(m, subj, prop, ref);
	}
	v = json_object_get(el, "@reverse");
	if (v) {
		json_object_foreach(v, k, t)
		{
			json_t *it;

			json_array_foreach(t, i, it)
			{
				char *vid = NULL;
				json_t *ref;

				if (gen(m, err, it, NULL, NULL, NULL, &vid, depth + 1) != 0)
					goto out;
				if (!vid)
					continue;
				ref = json_object();
				json_object_set_new(ref, "@id", json_string(id));
				nodemap_push(m, vid, k, ref);
				free(vid);
			}
		}
	}
	v = json_object_get(el, "@graph");
	if (v && gen(m, err, v, NULL, NULL, NULL, NULL, depth + 1) != 0)
		goto out;
	v = json_object_get(el, "@included");
	if (v && gen(m, err, v, NULL, NULL, NULL, NULL, depth + 1) != 0)
		goto out;
	keys = cat_keys_sorted(el, &n);
	if (!keys)
		goto oom;
	for (i = 0; i < n; i++) {
		if (keys[i][0] == '@' || iri_is_blank(keys[i]))
			continue;
		if (gen(m, err, json_object_get(el, keys[i]), id, keys[i], NULL, NULL, depth + 1) != 0)
			goto out;
	}
	if (idout) {
		*idout = id;
		id = NULL;
	}
	rc = 0;
	goto out;
oom:
	err_set(err, ERR_INTERNAL, "out of memory");
out:
	free(keys);
	free(id);
	return rc;
}

static int gen(struct nodemap *m, struct err *err, json_t *el, const char *subj, const char *prop, json_t *list,
	       char **idout, int depth)
{
	json_t *v;
	size_t i;

	if (depth > 4 * CAT_MAX_DEPTH) {
		err_set(err, ERR_VALIDATION, "nested deeper than %d levels", CAT_MAX_DEPTH);
		return -1;
	}
	if (json_is_array(el)) {
		json_array_foreach(el, i, v)
		{
			if (gen(m, err, v, subj, prop, list, NULL, depth + 1) != 0)
				return -1;
		}
		return 0;
	}
	if (!json_is_object(el))
		return 0;
	if (json_object_get(el, "@value")) {
		json_t *cv;

		if (!subj)
			return 0;
		cv = cat_canonical_value(el);
		if (!cv) {
			err_set(err, ERR_INTERNAL, "out of memory");
			return -1;
		}
		if (list)
			json_array_append_new(list, cv);
		else
			nodemap_push(m, subj, prop, cv);
		return 0;
	}
	v = json_object_get(el, "@list");
	if (v) {
		json_t *nl = json_array(), *lo;

		if (!subj) {
			json_decref(nl);
			return 0;
		}
		if (gen(m, err, v, subj, prop, nl, NULL, depth + 1) != 0) {
			json_decref(nl);
			return -1;
		}
		lo = json_object();
		json_object_set_new(lo, "@list", nl);
		if (list)
			json_array_append_new(list, lo);
		else
			nodemap_push(m, subj, prop, lo);
		return 0;
	}
	return gen_node(m, err, el, subj, prop, list, idout, depth);
}

int nodemap_add(struct nodemap *m, json_t *expanded, struct err *err)
{
	json_object_clear(m->labels);
	return gen(m, err, expanded, NULL, NULL, NULL, NULL, 0);
}

/* Removes repeated values of one property, keeping the first. */
static void dedupe(json_t *arr)
{
	size_t i = 0, j;

	if (json_array_size(arr) < 2)
		return;
	if (json_array_size(arr) <= 8) {
		while (i < json_array_size(arr)) {
			for (j = 0; j < i; j++)
				if (json_equal(json_array_get(arr, i), json_array_get(arr, j)))
					break;
			if (j < i)
				json_array_remove(arr, i);
			else
				i++;
		}
		return;
	}
	{
		json_t *seen = json_object(), *out = json_array(), *v;

		json_array_foreach(arr, i, v)
		{
			char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

			if (s && !json_object_get(seen, s)) {
				json_object_set_new(seen, s, json_true());
				json_array_append(out, v);
			}
			free(s);
		}
		json_array_clear(arr);
		json_array_extend(arr, out);
		json_decref(out);
		json_decref(seen);
	}
}

void nodemap_finish(struct nodemap *m)
{
	const char *id, *k;
	json_t *node, *v;
	void *tmp, *tmp2;

	json_object_foreach_safe(m->nodes, tmp, id, node)
	{
		json_object_foreach_safe(node, tmp2, k, v)
		{
			if (!strcmp(k, "@id"))
				continue;
			if (json_is_array(v))
				dedupe(v);
			if (json_is_array(v) && json_array_size(v) == 0)
				json_object_del(node, k);
		}
		if (json_object_size(node) <= 1)
			json_object_del(m->nodes, id);
	}
}

/* ---- records ---- */

struct rec_ctx {
	struct nodemap *m;
	json_t *refs;    /* id → number of references */
	json_t *root;    /* id → true for record roots */
	json_t *visited; /* id → true once inlined or made a root */
	json_t *skolem;  /* blank root id → its IRI */
	struct err *err;
	int placeholder; /* while hashing: blank roots as "_:" */
	int oom;         /* an allocation failed: the records are not made */
};

/* strdup that notes a failure in c->oom (the page that shows one service's
 * JSON-LD makes records too: out of memory is an error, not an abort). */
static char *rec_strdup(struct rec_ctx *c, const char *s)
{
	char *p = strdup(s);

	if (!p)
		c->oom = 1;
	return p;
}

static void count_refs(json_t *refs, json_t *vals, json_t *parent_of, const char *parent)
{
	json_t *v;
	size_t i;

	json_array_foreach(vals, i, v)
	{
		const char *id = val_id(v);

		if (id) {
			json_object_set_new(refs, id, json_integer(json_integer_value(json_object_get(refs, id)) + 1));
			if (parent_of)
				json_object_set_new(parent_of, id, json_string(parent));
		} else if (json_object_get(v, "@list")) {
			count_refs(refs, json_object_get(v, "@list"), parent_of, parent);
		}
	}
}

static int embeddable(struct rec_ctx *c, const char *id)
{
	json_t *node = json_object_get(c->m->nodes, id);

	if (json_integer_value(json_object_get(c->refs, id)) != 1 || json_is_true(json_object_get(c->root, id)))
		return 0;
	return iri_is_blank(id) || (node && cat_is_part(node));
}

static void visit(struct rec_ctx *c, const char *id, int depth);

static void visit_vals(struct rec_ctx *c, json_t *vals, int depth)
{
	json_t *v;
	size_t i;

	json_array_foreach(vals, i, v)
	{
		const char *r = val_id(v);

		if (r && embeddable(c, r))
			visit(c, r, depth + 1);
		else if (json_object_get(v, "@list"))
			visit_vals(c, json_object_get(v, "@list"), depth);
	}
}

static void visit(struct rec_ctx *c, const char *id, int depth)
{
	json_t *node = json_object_get(c->m->nodes, id), *v;
	const char *k;

	if (json_is_true(json_object_get(c->visited, id)) || depth > 1000)
		return;
	json_object_set_new(c->visited, id, json_true());
	json_object_foreach(node, k, v)
	{
		if (k[0] != '@')
			visit_vals(c, v, depth);
	}
}

static json_t *embed(struct rec_ctx *c, const char *id, int is_root, int depth);

static json_t *embed_vals(struct rec_ctx *c, json_t *vals, int depth)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(vals, i, v)
	{
		const char *r = val_id(v);

		if (r && embeddable(c, r) && depth < 1000) {
			json_array_append_new(out, embed(c, r, 0, depth + 1));
		} else if (r && iri_is_blank(r)) {
			json_t *ref = json_object();
			json_t *sk = json_object_get(c->skolem, r);

			if (sk && !c->placeholder) {
				json_object_set(ref, "@id", sk);
			} else if (sk) {
				json_object_set_new(ref, "@id", json_string("_:"));
			} else {
				/* a blank node nothing describes: an empty node */
				json_decref(ref);
				ref = json_object();
			}
			json_array_append_new(out, ref);
		} else if (json_object_get(v, "@list")) {
			json_t *l = json_object();

			json_object_set_new(l, "@list", embed_vals(c, json_object_get(v, "@list"), depth));
			json_array_append_new(out, l);
		} else {
			json_array_append(out, v);
		}
	}
	return out;
}

static json_t *embed(struct rec_ctx *c, const char *id, int is_root, int depth)
{
	json_t *node = json_object_get(c->m->nodes, id), *out = json_object(), *v;
	const char *k;

	if (!iri_is_blank(id)) {
		json_object_set_new(out, "@id", json_string(id));
	} else if (is_root) {
		json_t *sk = json_object_get(c->skolem, id);

		if (sk && !c->placeholder)
			json_object_set(out, "@id", sk);
	}
	json_object_foreach(node, k, v)
	{
		if (!strcmp(k, "@id"))
			continue;
		if (!strcmp(k, "@type"))
			json_object_set(out, k, v);
		else
			json_object_set_new(out, k, embed_vals(c, v, depth));
	}
	return out;
}

static char *first_string(struct rec_ctx *c, const json_t *node, const char *prop)
{
	json_t *v;
	size_t i;

	json_array_foreach(node_vals(node, prop), i, v)
	{
		if (val_str(v))
			return rec_strdup(c, val_str(v));
	}
	return NULL;
}

static char *title_in(struct rec_ctx *c, const json_t *node, const char *lang)
{
	static const char *const props[] = {NS_DCT "title", NS_SKOS "prefLabel", NULL};
	json_t *v;
	size_t i, p;

	for (p = 0; props[p]; p++)
		json_array_foreach(node_vals(node, props[p]), i, v)
		{
			if (val_lang(v) && !strcmp(val_lang(v), lang) && val_str(v))
				return rec_strdup(c, val_str(v));
		}
	return NULL;
}

static char *pct_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(3 * n + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (isalnum(ch) || strchr("-._~", ch)) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return out;
}

static int cmp_rec(const void *a, const void *b)
{
	return strcmp(((const struct cat_record *)a)->iri, ((const struct cat_record *)b)->iri);
}

static void record_free(struct cat_record *r)
{
	free(r->iri);
	free(r->identifier);
	free(r->title_lv);
	free(r->title_en);
	free(r->body);
}

void cat_doc_free(struct cat_doc *doc)
{
	size_t i;

	if (!doc)
		return;
	for (i = 0; i < doc->n; i++)
		record_free(&doc->rec[i]);
	free(doc->rec);
	free(doc);
}

/* The records: whatever cannot be inlined into another node is a root;
 * then one node of every cycle that is not reached yet. */
static void choose_roots(struct rec_ctx *c, const char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!embeddable(c, ids[i]))
			json_object_set_new(c->root, ids[i], json_true());
	for (i = 0; i < n; i++)
		if (json_is_true(json_object_get(c->root, ids[i])))
			visit(c, ids[i], 0);
	for (i = 0; i < n; i++) {
		if (json_is_true(json_object_get(c->visited, ids[i])))
			continue;
		json_object_set_new(c->root, ids[i], json_true());
		visit(c, ids[i], 0);
	}
}

/* The IRI of a blank root: by its identifier, else by its content. The
 * IRI (malloc'd), or NULL when out of memory. */
static char *skolem_iri(struct rec_ctx *c, const char *id)
{
	const json_t *node = json_object_get(c->m->nodes, id);
	char *ident, *iri = NULL;

	ident = first_string(c, node, NS_DCT "identifier");
	if (c->oom)
		return NULL;
	if (ident) {
		char *enc = pct_encode(ident);
		size_t len = enc ? strlen(SKOLEM_PREFIX) + strlen(enc) + 32 : 0;

		iri = enc ? malloc(len) : NULL;
		if (iri)
			snprintf(iri, len, "%s%s:%s", SKOLEM_PREFIX, cat_kind_name(node_kind(node)), enc);
		free(enc);
		free(ident);
	} else {
		json_t *body;
		char *s, hash[65];
		size_t len = strlen(SKOLEM_PREFIX) + 48;

		c->placeholder = 1;
		body = embed(c, id, 1, 0);
		c->placeholder = 0;
		s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
		iri = s && sha256_hex(s, strlen(s), hash) == 0 ? malloc(len) : NULL;
		free(s);
		json_decref(body);
		if (iri)
			snprintf(iri, len, "%sh:%.32s", SKOLEM_PREFIX, hash);
	}
	return iri;
}

/* Names every blank root (c->skolem). 0; -1 when out of memory; -2 when two
 * nodes share an identifier (the message is in c->err). */
static int name_blank_roots(struct rec_ctx *c, const char **ids, size_t n, json_t *seen_iri)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *iri;

		if (!iri_is_blank(ids[i]) || !json_is_true(json_object_get(c->root, ids[i])))
			continue;
		iri = skolem_iri(c, ids[i]);
		if (!iri)
			return -1;
		if (json_object_get(seen_iri, iri)) {
			if (!strncmp(iri + strlen(SKOLEM_PREFIX), "h:", 2)) {
				/* two blank nodes that say the same: number them */
				char *n2;
				size_t len = strlen(iri) + 24;
				unsigned long k2 = 2;

				n2 = malloc(len);
				if (!n2) {
					free(iri);
					return -1;
				}
				do
					snprintf(n2, len, "%s-%lu", iri, k2++);
				while (json_object_get(seen_iri, n2));
				free(iri);
				iri = n2;
			} else {
				char *dup = first_string(c, json_object_get(c->m->nodes, ids[i]), NS_DCT "identifier");

				err_set(c->err, ERR_VALIDATION,
					"two nodes without @id have the same dct:identifier \"%s\": give them @id or "
					"distinct identifiers",
					dup ? dup : "");
				free(dup);
				free(iri);
				return -2;
			}
		}
		json_object_set_new(seen_iri, iri, json_true());
		json_object_set_new(c->skolem, ids[i], json_string(iri));
		free(iri);
	}
	return 0;
}

/* One record per root, sorted. NULL when out of memory. */
static struct cat_doc *make_records(struct rec_ctx *c, const char **ids, size_t n)
{
	struct cat_doc *doc = calloc(1, sizeof(*doc));
	size_t i;

	if (!doc)
		return NULL;
	doc->rec = calloc(n ? n : 1, sizeof(*doc->rec));
	if (!doc->rec)
		goto oom;
	for (i = 0; i < n; i++) {
		struct cat_record *r;
		const json_t *node;
		json_t *body;
		const char *iri;

		if (!json_is_true(json_object_get(c->root, ids[i])))
			continue;
		node = json_object_get(c->m->nodes, ids[i]);
		iri = iri_is_blank(ids[i]) ? json_string_value(json_object_get(c->skolem, ids[i])) : ids[i];
		r = &doc->rec[doc->n++];
		r->iri = rec_strdup(c, iri);
		r->kind = node_kind(node);
		r->identifier = first_string(c, node, NS_DCT "identifier");
		r->title_lv = title_in(c, node, "lv");
		r->title_en = title_in(c, node, "en");
		body = embed(c, ids[i], 1, 0);
		r->body = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(body);
		if (c->oom || !r->body || sha256_hex(r->body, strlen(r->body), r->hash) != 0)
			goto oom;
	}
	qsort(doc->rec, doc->n, sizeof(*doc->rec), cmp_rec);
	return doc;
oom:
	cat_doc_free(doc);
	return NULL;
}

struct cat_doc *nodemap_records(struct nodemap *m, struct err *err)
{
	struct rec_ctx c = {.m = m, .err = err};
	struct cat_doc *doc = NULL;
	const char **ids = NULL;
	size_t n;
	json_t *node, *v, *seen_iri = json_object();
	const char *k;
	int rc;

	c.refs = json_object();
	c.root = json_object();
	c.visited = json_object();
	c.skolem = json_object();
	json_object_foreach(m->nodes, k, node)
	{
		const char *p;

		json_object_foreach(node, p, v)
		{
			if (p[0] != '@')
				count_refs(c.refs, v, NULL, k);
		}
	}
	ids = cat_keys_sorted(m->nodes, &n);
	if (!ids || !seen_iri || !c.refs || !c.root || !c.visited || !c.skolem)
		goto oom;
	choose_roots(&c, ids, n);
	rc = name_blank_roots(&c, ids, n, seen_iri);
	if (rc == -2)
		goto out;
	if (rc != 0)
		goto oom;
	doc = make_records(&c, ids, n);
	if (doc)
		goto out;
oom:
	err_set(err, ERR_INTERNAL, "out of memory");
out:
	free(ids);
	json_decref(c.refs);
	json_decref(c.root);
	json_decref(c.visited);
	json_decref(c.skolem);
	json_decref(seen_iri);
	return doc;
}
