/* turtle.c — Turtle into a node map, through serd (see jsonld.h). */
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

#ifdef HAVE_SERD
#include <serd/serd.h>
#endif

#include "core/utf8.h"

/* ---- Turtle ---- */

#ifdef HAVE_SERD
struct ttl {
	struct nodemap *m;
	SerdEnv *env;
	struct err *err;
	int failed;
};

static char *ttl_iri(struct ttl *t, const SerdNode *n)
{
	SerdNode e;
	char *out;

	if (n->type == SERD_BLANK) {
		char key[600];

		snprintf(key, sizeof(key), "_:%.*s", (int)n->n_bytes, (const char *)n->buf);
		out = nodemap_relabel(t->m, key);
		if (!out)
			cat_oom();
		return out;
	}
	e = serd_env_expand_node(t->env, n);
	if (e.buf) {
		out = strndup((const char *)e.buf, e.n_bytes);
		serd_node_free(&e);
	} else {
		out = strndup((const char *)n->buf, n->n_bytes);
	}
	if (!out)
		cat_oom(); /* command-only code: see jsonld_internal.h */
	return out;
}

/* A node IRI that reads as a JSON-LD keyword ("@" and letters, left by a
 * relative @base) would be ignored when the export is read back: refused
 * here, as JSON-LD refuses it, so an import always exports faithfully. */
static int ttl_keyword_iri(struct ttl *t, const char *iri)
{
	size_t i = 1;

	if (iri[0] != '@' || !iri[1])
		return 0;
	while (isalpha((unsigned char)iri[i]))
		i++;
	if (iri[i])
		return 0;
	err_set(t->err, ERR_VALIDATION, "Turtle: <%.300s> is not an IRI (it has the form of a JSON-LD keyword)", iri);
	t->failed = 1;
	return 1;
}

static SerdStatus ttl_base(void *h, const SerdNode *uri)
{
	struct ttl *t = h;

	return serd_env_set_base_uri(t->env, uri);
}

static SerdStatus ttl_prefix(void *h, const SerdNode *name, const SerdNode *uri)
{
	struct ttl *t = h;

	return serd_env_set_prefix(t->env, name, uri);
}

static int ttl_node_ok(const SerdNode *n)
{
	/* strict UTF-8 (no overlongs, no surrogates) without NUL, as JSON strings need */
	return !n || !n->buf || (utf8_valid((const char *)n->buf, n->n_bytes) && !memchr(n->buf, 0, n->n_bytes));
}

static SerdStatus ttl_statement(void *h, SerdStatementFlags flags, const SerdNode *graph, const SerdNode *s,
				const SerdNode *p, const SerdNode *o, const SerdNode *dt, const SerdNode *lang)
{
	struct ttl *t = h;
	char *subj = NULL, *pred = NULL, *obj = NULL, *d = NULL;
	json_t *v = NULL, *raw = NULL;
	SerdStatus rc = SERD_ERR_BAD_ARG;

	(void)flags;
	(void)graph;
	if (t->failed)
		return SERD_ERR_BAD_ARG;
	if (!ttl_node_ok(s) || !ttl_node_ok(p) || !ttl_node_ok(o) || !ttl_node_ok(dt) || !ttl_node_ok(lang)) {
		err_set(t->err, ERR_VALIDATION, "Turtle: a term is not valid UTF-8");
		t->failed = 1;
		return SERD_ERR_BAD_ARG;
	}
	subj = ttl_iri(t, s);
	pred = ttl_iri(t, p);
	/* as in JSON-LD, properties and datatypes are IRIs, never relative */
	if (!strchr(pred, ':')) {
		err_set(t->err, ERR_VALIDATION, "Turtle: the property <%.300s> is not an absolute IRI", pred);
		t->failed = 1;
		goto out;
	}
	if (ttl_keyword_iri(t, subj))
		goto out;
	if (t->m->count >= CAT_MAX_NODES) {
		err_set(t->err, ERR_VALIDATION, "more than %zu nodes", (size_t)CAT_MAX_NODES);
		t->failed = 1;
		goto out;
	}
	if (o->type == SERD_LITERAL) {
		raw = json_object();
		json_object_set_new(raw, "@value", json_stringn((const char *)o->buf, o->n_bytes));
		if (lang && lang->buf) {
			json_object_set_new(raw, "@language", json_stringn((const char *)lang->buf, lang->n_bytes));
		} else if (dt && dt->buf) {
			d = ttl_iri(t, dt);
			if (!strchr(d, ':')) {
				err_set(t->err, ERR_VALIDATION,
					"Turtle: the datatype <%.300s> of <%.300s> is not an absolute IRI", d, subj);
				t->failed = 1;
				goto out;
			}
			json_object_set_new(raw, "@type", json_string(d));
		}
		v = cat_canonical_value(raw);
	} else {
		obj = ttl_iri(t, o);
		if (ttl_keyword_iri(t, obj))
			goto out;
		if (!strcmp(pred, NS_RDF "type") && !iri_is_blank(obj)) {
			json_t *node = nodemap_node(t->m, subj), *types = json_object_get(node, "@type");

			if (!types) {
				types = json_array();
				json_object_set_new(node, "@type", types);
			}
			json_array_append_new(types, json_string(obj));
			rc = SERD_SUCCESS;
			goto out;
		}
		v = json_object();
		json_object_set_new(v, "@id", json_string(obj));
	}
	nodemap_push(t->m, subj, pred, v); /* steals v */
	v = NULL;
	rc = SERD_SUCCESS;
out:
	json_decref(v);
	json_decref(raw);
	free(d);
	free(obj);
	free(subj);
	free(pred);
	return rc;
}

static SerdStatus ttl_error(void *h, const SerdError *e)
{
	struct ttl *t = h;
	char what[384];
	va_list ap;

	if (t->failed)
		return SERD_SUCCESS;
	va_copy(ap, *e->args);
	vsnprintf(what, sizeof(what), e->fmt, ap);
	va_end(ap);
	what[strcspn(what, "\n")] = '\0';
	err_set(t->err, ERR_VALIDATION, "Turtle syntax error at line %u, column %u: %s", e->line, e->col, what);
	t->failed = 1;
	return SERD_SUCCESS;
}

int cat_turtle_read(struct nodemap *m, const char *text, size_t len, struct err *err)
{
	struct ttl t = {.m = m, .err = err};
	SerdReader *r;
	SerdStatus st;
	char *z;
	int rc = -1;

	if (memchr(text, '\0', len)) {
		err_set(err, ERR_VALIDATION, "Turtle syntax error: the text contains a NUL byte");
		return -1;
	}
	z = malloc(len + 1);
	if (!z) {
		err_set(err, ERR_INTERNAL, "out of memory");
		return -1;
	}
	memcpy(z, text, len);
	z[len] = '\0';
	t.env = serd_env_new(NULL);
	r = serd_reader_new(SERD_TURTLE, &t, NULL, ttl_base, ttl_prefix, ttl_statement, NULL);
	if (!t.env || !r) {
		err_set(err, ERR_INTERNAL, "out of memory");
		goto out;
	}
	serd_reader_set_strict(r, true);
	serd_reader_set_error_sink(r, ttl_error, &t);
	json_object_clear(m->labels);
	st = serd_reader_read_string(r, (const uint8_t *)z);
	if (t.failed)
		goto out;
	if (st != SERD_SUCCESS) {
		err_set(err, ERR_VALIDATION, "Turtle: %s", (const char *)serd_strerror(st));
		goto out;
	}
	rc = 0;
out:
	if (r)
		serd_reader_free(r);
	if (t.env)
		serd_env_free(t.env);
	free(z);
	return rc;
}
#endif

int cat_turtle_available(void)
{
#ifdef HAVE_SERD
	return 1;
#else
	return 0;
#endif
}
