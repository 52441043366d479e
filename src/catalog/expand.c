/* expand.c — JSON-LD 1.1 expansion (jsonld_expand, see jsonld.h): contexts,
 * term definitions, IRI and value expansion. What it leaves out is listed in
 * jsonld.c. */
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

/* ---- expansion ---- */

/* Container flags of a term definition. */
#define C_LIST 1
#define C_SET 2
#define C_LANGUAGE 4
#define C_INDEX 8
#define C_ID 16
#define C_TYPE 32
#define C_GRAPH 64

/* One expansion run. Contexts are JSON objects:
 *   {"t": {term: definition}, "vocab": IRI, "base": IRI, "lang": tag}
 * and definitions {"id": IRI|null, "type": ..., "lang": tag|null,
 * "c": container flags, "rev": true, "ctx": scoped context}. Contexts are
 * copied on change, definitions shared. */
struct exp {
	struct err *err;
	int failed;
	int depth;
	const char *node; /* @id of the node being expanded, as written */
	const char *key;  /* the key being expanded, as written */
};

static int xfail(struct exp *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int xfail(struct exp *x, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	if (x->failed)
		return -1;
	x->failed = 1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (x->node && x->key)
		err_set(x->err, ERR_VALIDATION, "node <%s>: \"%s\": %s", x->node, x->key, what);
	else if (x->node)
		err_set(x->err, ERR_VALIDATION, "node <%s>: %s", x->node, what);
	else if (x->key)
		err_set(x->err, ERR_VALIDATION, "a node without @id: \"%s\": %s", x->key, what);
	else
		err_set(x->err, ERR_VALIDATION, "%s", what);
	return -1;
}

static json_t *ctx_new(void)
{
	json_t *c = json_object();

	json_object_set_new(c, "t", json_object());
	return c;
}

static json_t *ctx_copy(const json_t *c)
{
	json_t *n = json_copy((json_t *)c);

	json_object_set_new(n, "t", json_copy(json_object_get(c, "t")));
	return n;
}

static json_t *ctx_term(const json_t *ctx, const char *term)
{
	return term ? json_object_get(json_object_get(ctx, "t"), term) : NULL;
}

static unsigned term_container(const json_t *def)
{
	return (unsigned)json_integer_value(json_object_get(def, "c"));
}

/* Resolves a reference against a base IRI (RFC 3986, the common cases). */
static char *resolve_iri(const char *base, const char *ref)
{
	const char *p, *q;
	char *out;
	size_t n;

	if (!base || !*base || iri_is_absolute(ref))
		return cat_xstrdup(ref);
	if (!*ref) {
		p = strchr(base, '#');
		n = p ? (size_t)(p - base) : strlen(base);
		out = malloc(n + 1);
		if (!out)
			cat_oom();
		memcpy(out, base, n);
		out[n] = '\0';
		return out;
	}
	p = strstr(base, "://");
	p = p ? p + 3 : base;
	q = strchr(p, '/'); /* end of the authority */
	if (ref[0] == '/' && ref[1] == '/') {
		n = (size_t)(strchr(base, ':') - base) + 1;
	} else if (ref[0] == '/') {
		n = q ? (size_t)(q - base) : strlen(base);
	} else if (ref[0] == '#' || ref[0] == '?') {
		const char *h = strpbrk(base, ref[0] == '#' ? "#" : "?#");

		n = h ? (size_t)(h - base) : strlen(base);
	} else {
		const char *end = strpbrk(p, "?#"), *slash = NULL, *s;

		for (s = p; *s && (!end || s < end); s++)
			if (*s == '/')
				slash = s;
		n = slash ? (size_t)(slash - base) + 1 : strlen(base);
		if (!slash) {
			out = malloc(strlen(base) + strlen(ref) + 2);
			if (!out)
				cat_oom();
			snprintf(out, strlen(base) + strlen(ref) + 2, "%s/%s", base, ref);
			return out;
		}
	}
	out = malloc(n + strlen(ref) + 1);
	if (!out)
		cat_oom();
	memcpy(out, base, n);
	memcpy(out + n, ref, strlen(ref) + 1);
	return out;
}

static int create_term(struct exp *x, json_t *active, json_t *local, const char *term, json_t *defined);

/* IRI expansion. Returns a malloc'd IRI or keyword, or NULL for "no
 * mapping" (the key or value is dropped); x->failed tells an error apart. */
static char *expand_iri(struct exp *x, json_t *active, const char *value, int doc_relative, int vocab, json_t *local,
			json_t *defined)
{
	json_t *def, *d;
	const char *colon, *v;

	if (jsonld_is_keyword(value))
		return cat_xstrdup(value);
	if (jsonld_looks_like_keyword(value))
		return NULL;
	if (local && json_object_get(local, value) && !json_is_true(json_object_get(defined, value))) {
		if (create_term(x, active, local, value, defined) != 0)
			return NULL;
	}
	def = ctx_term(active, value);
	if (vocab && def) {
		d = json_object_get(def, "id");
		return json_is_string(d) ? cat_xstrdup(json_string_value(d)) : NULL;
	}
	colon = strchr(value, ':');
	if (colon && colon > value) {
		char *prefix = strndup(value, (size_t)(colon - value));
		const char *suffix = colon + 1;
		char *out = NULL;

		if (!prefix)
			cat_oom();
		if (!strcmp(prefix, "_") || !strncmp(suffix, "//", 2)) {
			free(prefix);
			return cat_xstrdup(value);
		}
		if (local && json_object_get(local, prefix) && !json_is_true(json_object_get(defined, prefix))) {
			if (create_term(x, active, local, prefix, defined) != 0) {
				free(prefix);
				return NULL;
			}
		}
		def = ctx_term(active, prefix);
		free(prefix);
		d = json_object_get(def, "id");
		if (def && json_is_string(d) && !json_is_true(json_object_get(def, "rev"))) {
			out = cat_xstrcat2(json_string_value(d), suffix);
			return out;
		}
		if (iri_is_absolute(value))
			return cat_xstrdup(value);
	}
	v = json_string_value(json_object_get(active, "vocab"));
	if (vocab && v)
		return cat_xstrcat2(v, value);
	if (doc_relative)
		return resolve_iri(json_string_value(json_object_get(active, "base")), value);
	return cat_xstrdup(value);
}

static int is_gen_delim_end(const char *iri)
{
	size_t n = strlen(iri);

	return n && strchr(":/?#[]@", iri[n - 1]) != NULL;
}

/* The term definitions below follow the JSON-LD 1.1 API's "Create Term
 * Definition" algorithm (https://www.w3.org/TR/json-ld11-api/#create-term-definition);
 * the comments give its step numbers. What it leaves out: @protected,
 * @index, @nest, @direction, relative-IRI terms (steps 11, 16, 20, 23, 24,
 * 27). */

/* Steps 13 to 18: the IRI mapping (def "id", and "rev" for @reverse). */
static int def_iri_mapping(struct exp *x, json_t *active, json_t *local, const char *term, json_t *value,
			   json_t *defined, json_t *def)
{
	json_t *t = json_object_get(value, "@reverse"), *id = json_object_get(value, "@id");
	const char *colon = strchr(term, ':');
	char *iri = NULL;
	int rc = -1;

	if (t) {
		/* 13.2: a string; 13.4: that expands to an IRI; 13.6: a reverse property */
		if (!json_is_string(t)) {
			xfail(x, "@context: \"%s\": @reverse must be a string", term);
			goto out;
		}
		iri = expand_iri(x, active, json_string_value(t), 0, 1, local, defined);
		if (x->failed)
			goto out;
		if (!iri || !strchr(iri, ':')) {
			xfail(x, "@context: \"%s\": @reverse is not an IRI", term);
			goto out;
		}
		json_object_set_new(def, "id", json_string(iri));
		json_object_set_new(def, "rev", json_true());
	} else if (id && !(json_is_string(id) && !strcmp(json_string_value(id), term))) {
		/* 14: an @id other than the term itself */
		if (json_is_null(id)) {
			json_object_set_new(def, "id", json_null()); /* 14.1 */
		} else if (!json_is_string(id)) {
			xfail(x, "@context: \"%s\": @id must be a string", term); /* 14.2.1 */
			goto out;
		} else {
			iri = expand_iri(x, active, json_string_value(id), 0, 1, local, defined); /* 14.2.3 */
			if (x->failed)
				goto out;
			if (!iri) {
				json_object_set_new(def, "id", json_null());
			} else if (!jsonld_is_keyword(iri) && !strchr(iri, ':')) {
				xfail(x, "@context: \"%s\" maps to \"%s\", which is not an IRI", term, iri);
				goto out;
			} else {
				json_object_set_new(def, "id", json_string(iri));
			}
		}
	} else if (colon && colon > term) {
		/* 15: a compact IRI or an absolute one */
		char *prefix = strndup(term, (size_t)(colon - term));
		json_t *pd;

		if (!prefix)
			cat_oom();
		/* 15.1: the prefix is defined first when the local context defines it */
		if (json_object_get(local, prefix) && create_term(x, active, local, prefix, defined) != 0) {
			free(prefix);
			goto out;
		}
		/* 15.2: prefix IRI + suffix; 15.3: else the term is the IRI */
		pd = ctx_term(active, prefix);
		if (pd && json_is_string(json_object_get(pd, "id")))
			iri = cat_xstrcat2(json_string_value(json_object_get(pd, "id")), colon + 1);
		else
			iri = cat_xstrdup(term);
		free(prefix);
		json_object_set_new(def, "id", json_string(iri));
	} else if (json_string_value(json_object_get(active, "vocab"))) {
		/* 18: @vocab + term */
		iri = cat_xstrcat2(json_string_value(json_object_get(active, "vocab")), term);
		json_object_set_new(def, "id", json_string(iri));
	} else {
		xfail(x, "@context: \"%s\" has no IRI and the context has no @vocab", term); /* 18 */
		goto out;
	}
	rc = 0;
out:
	free(iri);
	return rc;
}

/* Steps 14.2.5 and 25: may the term be used as a prefix? */
static void def_prefix_flag(json_t *value, int simple, json_t *def)
{
	if (json_is_string(json_object_get(def, "id"))) {
		const char *d = json_string_value(json_object_get(def, "id"));
		json_t *pf = json_object_get(value, "@prefix");

		/* JSON-LD 1.0 let any term be a prefix; we do too when expanding */
		if ((simple && is_gen_delim_end(d)) || json_is_true(pf))
			json_object_set_new(def, "prefix", json_true());
	}
}

/* Step 12: the type mapping (def "type"). */
static int def_type(struct exp *x, json_t *active, json_t *local, const char *term, json_t *value, json_t *defined,
		    json_t *def)
{
	json_t *tv = json_object_get(value, "@type");
	char *ti;

	if (!tv)
		return 0;
	if (!json_is_string(tv)) /* 12.1 */
		return xfail(x, "@context: \"%s\": @type must be a string", term);
	ti = expand_iri(x, active, json_string_value(tv), 0, 1, local, defined); /* 12.2 */
	if (x->failed) {
		free(ti);
		return -1;
	}
	/* 12.3, 12.4: @id, @json, @none, @vocab or an IRI */
	if (!ti || (!strchr(ti, ':') && strcmp(ti, "@id") && strcmp(ti, "@vocab") && strcmp(ti, "@json") &&
		    strcmp(ti, "@none"))) {
		xfail(x, "@context: \"%s\": @type \"%s\" is not an IRI, @id or @vocab", term, json_string_value(tv));
		free(ti);
		return -1;
	}
	json_object_set_new(def, "type", json_string(ti)); /* 12.5 */
	free(ti);
	return 0;
}

/* Step 19: the container mapping (def "c", C_* flags). */
static int def_container(struct exp *x, const char *term, json_t *value, json_t *def)
{
	json_t *tv = json_object_get(value, "@container"), *one, *t;
	unsigned c = 0;
	size_t i;

	if (!tv)
		return 0;
	if (json_is_string(tv)) {
		one = json_array();
		json_array_append(one, tv);
	} else if (json_is_array(tv)) {
		one = json_incref(tv);
	} else {
		return xfail(x, "@context: \"%s\": @container must be a string or an array", term);
	}
	json_array_foreach(one, i, t)
	{
		const char *s = json_string_value(t);

		if (!s)
			c |= 0;
		else if (!strcmp(s, "@list"))
			c |= C_LIST;
		else if (!strcmp(s, "@set"))
			c |= C_SET;
		else if (!strcmp(s, "@language"))
			c |= C_LANGUAGE;
		else if (!strcmp(s, "@index"))
			c |= C_INDEX;
		else if (!strcmp(s, "@id"))
			c |= C_ID;
		else if (!strcmp(s, "@type"))
			c |= C_TYPE;
		else if (!strcmp(s, "@graph"))
			c |= C_GRAPH;
		if (!s || (s[0] != '@')) {
			json_decref(one);
			return xfail(x, "@context: \"%s\": unknown @container", term);
		}
	}
	json_decref(one);
	json_object_set_new(def, "c", json_integer(c));
	return 0;
}

/* Steps 21 and 22: the term's own context (def "ctx", applied when the term
 * is used) and its language mapping (def "lang"). */
static int def_context_and_language(struct exp *x, const char *term, json_t *value, json_t *def)
{
	json_t *tv;

	if (json_object_get(value, "@language")) {
		tv = json_object_get(value, "@language");
		if (!json_is_string(tv) && !json_is_null(tv)) /* 22.1 */
			return xfail(x, "@context: \"%s\": @language must be a string or null", term);
		json_object_set(def, "lang", tv); /* 22.2 */
	}
	tv = json_object_get(value, "@context");
	if (tv)
		json_object_set(def, "ctx", tv); /* 21.4 */
	return 0;
}

/* Defines term of the local context in the active one ("t"), once
 * (defined: term → false while being defined, true when done). */
static int create_term(struct exp *x, json_t *active, json_t *local, const char *term, json_t *defined)
{
	json_t *value, *def = NULL, *st, *iv;
	json_t *terms = json_object_get(active, "t");
	int rc = -1, simple = 0;

	/* 1: defined already, or a cycle */
	iv = json_object_get(defined, term);
	if (json_is_true(iv))
		return 0;
	if (iv)
		return xfail(x, "@context: the definition of \"%s\" refers to itself", term);
	/* 4, 5: keywords are not redefined (but @type may have @container @set) */
	if (jsonld_is_keyword(term)) {
		if (!strcmp(term, "@type"))
			return 0; /* 1.1 allows {"@container": "@set"} for @type */
		return xfail(x, "@context: keywords cannot be redefined (\"%s\")", term);
	}
	/* 2, 5: an empty term, or one that looks like a keyword, is ignored */
	if (jsonld_looks_like_keyword(term) || !*term)
		return 0;
	json_object_set_new(defined, term, json_false());
	/* 6: remove the previous definition */
	json_object_del(terms, term);
	/* 3, 7: the value; null defines the term as mapping to nothing */
	value = json_object_get(local, term);
	def = json_object();
	if (json_is_null(value)) {
		json_object_set_new(def, "id", json_null());
		goto done;
	}
	/* 8: a string is {"@id": value}, a simple term; 9: else a map */
	if (json_is_string(value)) {
		simple = 1;
		st = json_object();
		json_object_set(st, "@id", value);
		value = st;
	} else if (json_is_object(value)) {
		json_incref(value);
	} else {
		xfail(x, "@context: the definition of \"%s\" must be a string, an object or null", term);
		goto out_def;
	}
	/* value is now an owned reference */
	if (def_iri_mapping(x, active, local, term, value, defined, def) != 0)
		goto out_value;
	def_prefix_flag(value, simple, def);
	if (def_type(x, active, local, term, value, defined, def) != 0 || def_container(x, term, value, def) != 0 ||
	    def_context_and_language(x, term, value, def) != 0)
		goto out_value;
	json_decref(value);
done:
	/* 28: the definition goes into the active context */
	json_object_set(terms, term, def);
	json_object_set_new(defined, term, json_true());
	rc = 0;
	goto out_def;
out_value:
	json_decref(value);
out_def:
	json_decref(def);
	return rc;
}

static json_t *process_context(struct exp *x, json_t *active, json_t *local, int depth);

static int apply_context_object(struct exp *x, json_t *result, json_t *c)
{
	json_t *defined = json_object(), *v;
	const char *k;
	int rc = -1;

	if (json_object_get(c, "@import")) {
		xfail(x, "@context: @import is not supported (it would fetch a remote context)");
		goto out;
	}
	v = json_object_get(c, "@version");
	if (v && !(json_is_number(v) && json_number_value(v) == 1.1)) {
		xfail(x, "@context: @version must be 1.1");
		goto out;
	}
	v = json_object_get(c, "@base");
	if (v) {
		if (json_is_null(v)) {
			json_object_del(result, "base");
		} else if (json_is_string(v)) {
			char *b = resolve_iri(json_string_value(json_object_get(result, "base")), json_string_value(v));

			json_object_set_new(result, "base", json_string(b));
			free(b);
		} else {
			xfail(x, "@context: @base must be a string or null");
			goto out;
		}
	}
	v = json_object_get(c, "@vocab");
	if (v) {
		if (json_is_null(v)) {
			json_object_del(result, "vocab");
		} else if (json_is_string(v)) {
			char *iri = expand_iri(x, result, json_string_value(v), 1, 1, NULL, NULL);

			if (x->failed || !iri) {
				free(iri);
				xfail(x, "@context: @vocab is not an IRI");
				goto out;
			}
			json_object_set_new(result, "vocab", json_string(iri));
			free(iri);
		} else {
			xfail(x, "@context: @vocab must be a string or null");
			goto out;
		}
	}
	v = json_object_get(c, "@language");
	if (v) {
		if (json_is_null(v)) {
			json_object_del(result, "lang");
		} else if (json_is_string(v)) {
			json_object_set(result, "lang", v);
		} else {
			xfail(x, "@context: @language must be a string or null");
			goto out;
		}
	}
	json_object_foreach(c, k, v)
	{
		if (!strcmp(k, "@base") || !strcmp(k, "@vocab") || !strcmp(k, "@language") || !strcmp(k, "@version") ||
		    !strcmp(k, "@propagate") || !strcmp(k, "@protected") || !strcmp(k, "@direction"))
			continue;
		if (create_term(x, result, c, k, defined) != 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(defined);
	return rc;
}

/* Returns a new context (new reference) or NULL with x->failed set. */
static json_t *process_context(struct exp *x, json_t *active, json_t *local, int depth)
{
	json_t *result = ctx_copy(active), *list, *c;
	size_t i;

	if (depth > 8) {
		xfail(x, "@context: scoped contexts nested too deeply");
		goto fail;
	}
	if (json_is_array(local)) {
		list = json_incref(local);
	} else {
		list = json_array();
		json_array_append(list, local);
	}
	json_array_foreach(list, i, c)
	{
		if (json_is_null(c)) {
			json_decref(result);
			result = ctx_new();
		} else if (json_is_string(c)) {
			json_t *off;

			if (!cat_is_official_context(json_string_value(c))) {
				xfail(x,
				      "@context: remote context <%s> is not fetched; only the official CPSV-AP 3.2.0 "
				      "context is known by its URL (embed the context in the file instead)",
				      json_string_value(c));
				json_decref(list);
				goto fail;
			}
			off = cat_official_context();
			if (apply_context_object(x, result, off) != 0) {
				json_decref(off);
				json_decref(list);
				goto fail;
			}
			json_decref(off);
		} else if (json_is_object(c)) {
			if (apply_context_object(x, result, c) != 0) {
				json_decref(list);
				goto fail;
			}
		} else {
			xfail(x, "@context: must be an object, a URL, null or an array of these");
			json_decref(list);
			goto fail;
		}
	}
	json_decref(list);
	return result;
fail:
	json_decref(result);
	return NULL;
}

static json_t *expand(struct exp *x, json_t *ctx, const char *aprop, json_t *el);

static void push_all(json_t *arr, json_t *v) /* steals v */
{
	if (json_is_array(v))
		json_array_extend(arr, v);
	else
		json_array_append(arr, v);
	json_decref(v);
}

static json_t *as_array(json_t *v) /* steals v */
{
	json_t *a;

	if (json_is_array(v))
		return v;
	a = json_array();
	if (v)
		json_array_append_new(a, v);
	return a;
}

static json_t *expand_value(struct exp *x, json_t *ctx, const char *aprop, json_t *value)
{
	json_t *def = ctx_term(ctx, aprop), *r;
	const char *type = json_string_value(json_object_get(def, "type"));

	if (type && json_is_string(value) && (!strcmp(type, "@id") || !strcmp(type, "@vocab"))) {
		char *iri = expand_iri(x, ctx, json_string_value(value), 1, !strcmp(type, "@vocab"), NULL, NULL);

		if (!iri)
			return NULL;
		r = json_object();
		json_object_set_new(r, "@id", json_string(iri));
		free(iri);
		return r;
	}
	r = json_object();
	json_object_set(r, "@value", value);
	if (type && strcmp(type, "@id") && strcmp(type, "@vocab") && strcmp(type, "@none")) {
		json_object_set_new(r, "@type", json_string(!strcmp(type, "@json") ? NS_RDF "JSON" : type));
	} else if (json_is_string(value)) {
		json_t *lang =
		    def && json_object_get(def, "lang") ? json_object_get(def, "lang") : json_object_get(ctx, "lang");

		if (json_is_string(lang))
			json_object_set(r, "@language", lang);
	}
	return r;
}

static void add_value(json_t *result, const char *prop, json_t *v) /* steals v */
{
	json_t *a = json_object_get(result, prop);

	if (!a) {
		a = json_array();
		json_object_set_new(result, prop, a);
	}
	push_all(a, v);
}

static json_t *expand_language_map(struct exp *x, json_t *map)
{
	json_t *out = json_array(), *item, *v;
	const char **keys;
	size_t n, i, j;

	keys = cat_sorted_keys(map, &n);
	for (i = 0; i < n; i++) {
		json_t *vals = json_object_get(map, keys[i]);

		item = json_is_array(vals) ? json_incref(vals) : as_array(json_incref(vals));
		json_array_foreach(item, j, v)
		{
			json_t *r;

			if (json_is_null(v))
				continue;
			if (!json_is_string(v)) {
				xfail(x, "a language map holds strings only (language \"%s\")", keys[i]);
				json_decref(item);
				goto fail;
			}
			r = json_object();
			json_object_set(r, "@value", v);
			if (strcmp(keys[i], "@none") != 0)
				json_object_set_new(r, "@language", json_string(keys[i]));
			json_array_append_new(out, r);
		}
		json_decref(item);
	}
	free(keys);
	return out;
fail:
	free(keys);
	json_decref(out);
	return NULL;
}

static json_t *expand_index_map(struct exp *x, json_t *ctx, const char *key, unsigned c, json_t *map)
{
	json_t *out = json_array(), *items, *it;
	const char **keys;
	size_t n, i, j;

	keys = cat_sorted_keys(map, &n);
	for (i = 0; i < n; i++) {
		items = expand(x, ctx, key, json_object_get(map, keys[i]));
		if (x->failed)
			goto fail;
		items = as_array(items);
		json_array_foreach(items, j, it)
		{
			if ((c & C_ID) && strcmp(keys[i], "@none") && !json_object_get(it, "@id") &&
			    !json_object_get(it, "@value")) {
				char *iri = expand_iri(x, ctx, keys[i], 1, 0, NULL, NULL);

				if (iri)
					json_object_set_new(it, "@id", json_string(iri));
				free(iri);
			} else if ((c & C_TYPE) && strcmp(keys[i], "@none") && !json_object_get(it, "@value")) {
				char *iri = expand_iri(x, ctx, keys[i], 1, 1, NULL, NULL);
				json_t *types = json_object_get(it, "@type"), *nt = json_array();

				if (iri)
					json_array_append_new(nt, json_string(iri));
				free(iri);
				if (json_is_array(types))
					json_array_extend(nt, types);
				json_object_set_new(it, "@type", nt);
			}
		}
		json_array_extend(out, items);
		json_decref(items);
	}
	free(keys);
	return out;
fail:
	free(keys);
	json_decref(out);
	return NULL;
}

static int expand_keys(struct exp *x, json_t *ctx, json_t *type_ctx, const char *aprop, json_t *el, json_t *result,
		       int depth);

/* Step 13.4.4: @type, a string or an array of strings, each expanded as a
 * vocabulary IRI with the type-scoped context. */
static int expand_type_keyword(struct exp *x, json_t *type_ctx, json_t *value, json_t *result)
{
	json_t *list = json_is_array(value) ? json_incref(value) : as_array(json_incref(value));
	json_t *out = json_object_get(result, "@type"), *v;
	size_t i;

	if (!out) {
		out = json_array();
		json_object_set_new(result, "@type", out);
	}
	json_array_foreach(list, i, v)
	{
		char *iri;

		if (!json_is_string(v)) {
			json_decref(list);
			return xfail(x, "@type must be a string or an array of strings");
		}
		iri = expand_iri(x, type_ctx, json_string_value(v), 1, 1, NULL, NULL);
		if (x->failed) {
			json_decref(list);
			return -1;
		}
		if (iri)
			json_array_append_new(out, json_string(iri));
		free(iri);
	}
	json_decref(list);
	return 0;
}

/* Step 13.4.13: @reverse, an object whose properties' values (nodes, not
 * values or lists) are added to result's @reverse. */
static int expand_reverse_keyword(struct exp *x, json_t *ctx, json_t *value, json_t *result)
{
	const char *k;
	json_t *rev, *ev, *v, *item;
	size_t i;

	if (!json_is_object(value))
		return xfail(x, "@reverse must be an object");
	ev = expand(x, ctx, "@reverse", value);
	if (x->failed)
		return -1;
	if (!json_is_object(ev)) {
		json_decref(ev);
		return 0;
	}
	rev = json_object_get(result, "@reverse");
	if (!rev) {
		rev = json_object();
		json_object_set_new(result, "@reverse", rev);
	}
	json_object_foreach(ev, k, v)
	{
		if (k[0] == '@')
			continue;
		json_array_foreach(v, i, item)
		{
			if (json_object_get(item, "@value") || json_object_get(item, "@list")) {
				json_decref(ev);
				return xfail(x, "@reverse values must be nodes");
			}
		}
		add_value(rev, k, json_incref(v));
	}
	json_decref(ev);
	return 0;
}

/* Steps 13.4.14 and 14: @nest, objects whose keys are expanded as if they
 * were el's own. */
static int expand_nest_keyword(struct exp *x, json_t *ctx, json_t *type_ctx, const char *aprop, json_t *value,
			       json_t *result, int depth)
{
	json_t *list = json_is_array(value) ? json_incref(value) : as_array(json_incref(value)), *v;
	size_t i;

	json_array_foreach(list, i, v)
	{
		if (!json_is_object(v) || json_object_get(v, "@value")) {
			json_decref(list);
			return xfail(x, "@nest holds objects only");
		}
		if (expand_keys(x, ctx, type_ctx, aprop, v, result, depth) != 0) {
			json_decref(list);
			return -1;
		}
	}
	json_decref(list);
	return 0;
}

/* Step 13.4: one keyword of el into result (13.4.3 to 13.4.14). */
static int expand_keyword(struct exp *x, json_t *ctx, json_t *type_ctx, const char *aprop, const char *kw,
			  json_t *value, json_t *result, int depth)
{
	json_t *ev = NULL;

	if (!strcmp(kw, "@id")) { /* 13.4.3 */
		char *iri;

		if (!json_is_string(value))
			return xfail(x, "@id must be a string");
		iri = expand_iri(x, ctx, json_string_value(value), 1, 0, NULL, NULL);
		if (!iri)
			return x->failed ? -1 : 0;
		json_object_set_new(result, "@id", json_string(iri));
		free(iri);
		return 0;
	}
	if (!strcmp(kw, "@type"))
		return expand_type_keyword(x, type_ctx, value, result);
	if (!strcmp(kw, "@graph") || !strcmp(kw, "@included")) { /* 13.4.5, 13.4.6 */
		ev = expand(x, ctx, !strcmp(kw, "@graph") ? "@graph" : NULL, value);
		if (x->failed)
			return -1;
		add_value(result, kw, as_array(ev));
		return 0;
	}
	if (!strcmp(kw, "@value")) { /* 13.4.7 */
		if (json_is_object(value) || json_is_array(value))
			return xfail(x, "@value must be a string, a number, a boolean or null");
		json_object_set(result, "@value", value);
		return 0;
	}
	if (!strcmp(kw, "@language")) { /* 13.4.8 */
		if (!json_is_string(value))
			return xfail(x, "@language must be a string");
		json_object_set(result, "@language", value);
		return 0;
	}
	if (!strcmp(kw, "@index")) { /* 13.4.10 */
		if (!json_is_string(value))
			return xfail(x, "@index must be a string");
		return 0; /* indexes carry no RDF meaning: dropped */
	}
	if (!strcmp(kw, "@list")) { /* 13.4.11 */
		if (!aprop || !strcmp(aprop, "@graph"))
			return 0;
		ev = expand(x, ctx, aprop, value);
		if (x->failed)
			return -1;
		json_object_set_new(result, "@list", as_array(ev));
		return 0;
	}
	if (!strcmp(kw, "@set")) { /* 13.4.12 */
		ev = expand(x, ctx, aprop, value);
		if (x->failed)
			return -1;
		json_object_set_new(result, "@set", as_array(ev));
		return 0;
	}
	if (!strcmp(kw, "@reverse"))
		return expand_reverse_keyword(x, ctx, value, result);
	if (!strcmp(kw, "@nest"))
		return expand_nest_keyword(x, ctx, type_ctx, aprop, value, result, depth);
	return 0; /* @direction, framing keywords: nothing in RDF */
}

static int expand_keys(struct exp *x, json_t *ctx, json_t *type_ctx, const char *aprop, json_t *el, json_t *result,
		       int depth)
{
	const char **keys;
	size_t n, i;
	int rc = -1;
	const char *saved_key = x->key;

	if (depth > CAT_MAX_DEPTH) {
		xfail(x, "nested deeper than %d levels", CAT_MAX_DEPTH);
		return -1;
	}
	keys = cat_sorted_keys(el, &n);
	for (i = 0; i < n; i++) {
		const char *key = keys[i];
		json_t *value = json_object_get(el, key), *def, *ev = NULL;
		char *prop;
		unsigned c;

		if (!strcmp(key, "@context"))
			continue;
		x->key = key;
		prop = expand_iri(x, ctx, key, 0, 1, NULL, NULL);
		if (x->failed)
			goto out;
		if (!prop || (!strchr(prop, ':') && !jsonld_is_keyword(prop))) {
			free(prop);
			continue;
		}
		if (jsonld_is_keyword(prop)) {
			int r;

			x->key = saved_key; /* messages name the property, not the keyword */
			if (aprop && !strcmp(aprop, "@reverse")) {
				free(prop);
				xfail(x, "keywords cannot be used inside @reverse");
				goto out;
			}
			r = expand_keyword(x, ctx, type_ctx, aprop, prop, value, result, depth + 1);
			free(prop);
			if (r != 0)
				goto out;
			continue;
		}
		def = ctx_term(ctx, key);
		c = term_container(def);
		if (json_is_string(json_object_get(def, "type")) &&
		    !strcmp(json_string_value(json_object_get(def, "type")), "@json")) {
			ev = json_object();
			json_object_set(ev, "@value", value);
			json_object_set_new(ev, "@type", json_string(NS_RDF "JSON"));
		} else if ((c & C_LANGUAGE) && json_is_object(value)) {
			ev = expand_language_map(x, value);
		} else if ((c & (C_INDEX | C_ID | C_TYPE)) && json_is_object(value)) {
			ev = expand_index_map(x, ctx, key, c, value);
		} else {
			ev = expand(x, ctx, key, value);
		}
		if (x->failed) {
			free(prop);
			json_decref(ev);
			goto out;
		}
		if (!ev) {
			free(prop);
			continue;
		}
		if ((c & C_LIST) && !json_object_get(ev, "@list")) {
			json_t *l = json_object();

			json_object_set_new(l, "@list", as_array(ev));
			ev = l;
		}
		if (json_is_true(json_object_get(def, "rev"))) {
			json_t *rev = json_object_get(result, "@reverse"), *it;
			size_t j;

			ev = as_array(ev);
			json_array_foreach(ev, j, it)
			{
				if (json_object_get(it, "@value") || json_object_get(it, "@list")) {
					free(prop);
					json_decref(ev);
					xfail(x, "a reverse property's values must be nodes");
					goto out;
				}
			}
			if (!rev) {
				rev = json_object();
				json_object_set_new(result, "@reverse", rev);
			}
			add_value(rev, prop, ev);
		} else {
			add_value(result, prop, ev);
		}
		free(prop);
	}
	rc = 0;
out:
	if (rc == 0)
		x->key = saved_key;
	free(keys);
	return rc;
}

/* The steps below follow the JSON-LD 1.1 API's Expansion Algorithm for a
 * map (https://www.w3.org/TR/json-ld11-api/#expansion-algorithm); the
 * comments give its step numbers. */

/* Steps 8 and 9: the active context for el's keys: the property-scoped
 * context of aprop's term, then el's own @context. A new reference, or NULL
 * (x->failed). */
static json_t *object_context(struct exp *x, json_t *ctx, const char *aprop, json_t *el)
{
	json_t *c = json_incref(ctx), *def = ctx_term(ctx, aprop), *v, *nc;
	const char *saved_key = x->key;

	if (def && json_object_get(def, "ctx")) {
		nc = process_context(x, c, json_object_get(def, "ctx"), 1);
		json_decref(c);
		c = nc;
		if (!c)
			return NULL;
	}
	v = json_object_get(el, "@context");
	if (v) {
		x->key = "@context";
		nc = process_context(x, c, v, 0);
		json_decref(c);
		c = nc;
		if (!c)
			return NULL; /* x->key stays: the message names it */
		x->key = saved_key;
	}
	return c;
}

/* The node's @id as written, for messages (x->node). */
static void note_node_id(struct exp *x, json_t *c, json_t *el, const char **keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *k = expand_iri(x, c, keys[i], 0, 1, NULL, NULL);

		if (k && !strcmp(k, "@id") && json_is_string(json_object_get(el, keys[i])))
			x->node = json_string_value(json_object_get(el, keys[i]));
		free(k);
	}
}

/* Steps 10 and 11: type-scoped contexts. The contexts of el's types (in the
 * order of the keys) are applied to *c; type_ctx, the context before them,
 * is what the types themselves are expanded with. 0, or -1 (x->failed). */
static int type_scoped_context(struct exp *x, json_t **c, json_t *type_ctx, json_t *el, const char **keys, size_t n)
{
	size_t i, j;
	json_t *v;

	for (i = 0; i < n; i++) {
		char *k = expand_iri(x, type_ctx, keys[i], 0, 1, NULL, NULL);
		json_t *tv, *list;
		int is_type = k && !strcmp(k, "@type");

		free(k);
		if (!is_type)
			continue;
		tv = json_object_get(el, keys[i]);
		list = json_is_array(tv) ? json_incref(tv) : as_array(json_incref(tv)); /* 11.1 */
		json_array_foreach(list, j, v)
		{
			json_t *td = json_is_string(v) ? ctx_term(type_ctx, json_string_value(v)) : NULL;

			if (td && json_object_get(td, "ctx")) { /* 11.2 */
				json_t *nc = process_context(x, *c, json_object_get(td, "ctx"), 1);

				if (!nc) {
					json_decref(list);
					return -1;
				}
				json_decref(*c);
				*c = nc;
			}
		}
		json_decref(list);
	}
	return 0;
}

/* Step 15: a value object. 0 when result is a valid one (its @type made a
 * single IRI), 1 when its @value is null (the value is dropped), -1 when it
 * is not valid (x->failed). */
static int check_value_object(struct exp *x, json_t *result)
{
	json_t *v = json_object_get(result, "@value"), *val;
	const char *k;

	json_object_foreach(result, k, val) /* 15.1 */
	{
		(void)val;
		if (strcmp(k, "@value") && strcmp(k, "@language") && strcmp(k, "@type"))
			return xfail(x, "a value object cannot have \"%s\"", k);
	}
	if (json_object_get(result, "@language") && json_object_get(result, "@type"))
		return xfail(x, "a value cannot have both @language and @type");
	if (json_is_null(v)) /* 15.3 */
		return 1;
	if (json_object_get(result, "@language") && !json_is_string(v)) /* 15.4 */
		return xfail(x, "a value with @language must be a string");
	v = json_object_get(result, "@type");
	if (v) { /* 15.5 */
		if (json_array_size(v) != 1 || !strchr(json_string_value(json_array_get(v, 0)), ':'))
			return xfail(x, "a value's @type must be one IRI");
		json_object_set(result, "@type", json_array_get(v, 0));
	}
	return 0;
}

/* Steps 18 and 19: a map with only @language is nothing; at the top (or
 * in @graph), free-floating values and bare @id references are dropped.
 * Consumes result; returns it or NULL. */
static json_t *drop_empty_and_free_floating(json_t *result, const char *aprop)
{
	if (json_is_object(result) && json_object_size(result) == 1 && json_object_get(result, "@language")) {
		json_decref(result);
		return NULL;
	}
	if (json_is_object(result) && (!aprop || !strcmp(aprop, "@graph"))) {
		if (json_object_size(result) == 0 || json_object_get(result, "@value") ||
		    json_object_get(result, "@list") ||
		    (json_object_size(result) == 1 && json_object_get(result, "@id"))) {
			json_decref(result);
			return NULL;
		}
	}
	return result;
}

/* Expands the map el (steps 6 to 20); NULL for nothing or on error
 * (x->failed tells which). */
static json_t *expand_object(struct exp *x, json_t *ctx, const char *aprop, json_t *el)
{
	json_t *c, *type_ctx = NULL, *result = NULL, *v;
	const char *saved_node = x->node, *saved_key = x->key;
	const char **keys = NULL;
	size_t n;
	int vo;

	c = object_context(x, ctx, aprop, el);
	if (!c)
		goto fail;
	keys = cat_sorted_keys(el, &n);
	note_node_id(x, c, el, keys, n);
	type_ctx = json_incref(c);
	if (type_scoped_context(x, &c, type_ctx, el, keys, n) != 0)
		goto fail;
	/* 12 to 14: every key */
	result = json_object();
	if (expand_keys(x, c, type_ctx, aprop, el, result, x->depth) != 0)
		goto fail;
	x->key = saved_key;
	v = json_object_get(result, "@set");
	if (json_object_get(result, "@value")) {
		vo = check_value_object(x, result);
		if (vo < 0)
			goto fail;
		if (vo > 0) {
			json_decref(result);
			result = NULL;
			goto done;
		}
	} else if (v || json_object_get(result, "@list")) {
		/* 17.1: nothing else; 17.2: a @set is its value */
		if (json_object_size(result) != 1) {
			xfail(x, "@set and @list cannot have other keys");
			goto fail;
		}
		if (v) {
			json_incref(v);
			json_decref(result);
			result = v;
		}
	}
	result = drop_empty_and_free_floating(result, aprop);
done:
	free(keys);
	json_decref(c);
	json_decref(type_ctx);
	x->node = saved_node;
	return result;
fail:
	free(keys);
	json_decref(c);
	json_decref(type_ctx);
	json_decref(result);
	/* x->node stays: the message names it */
	return NULL;
}

static json_t *expand(struct exp *x, json_t *ctx, const char *aprop, json_t *el)
{
	json_t *r = NULL, *v, *e;
	size_t i;

	if (!el || json_is_null(el))
		return NULL;
	if (++x->depth > CAT_MAX_DEPTH) {
		xfail(x, "nested deeper than %d levels", CAT_MAX_DEPTH);
		goto out;
	}
	if (json_is_array(el)) {
		json_t *def = ctx_term(ctx, aprop);

		r = json_array();
		json_array_foreach(el, i, v)
		{
			e = expand(x, ctx, aprop, v);
			if (x->failed) {
				json_decref(r);
				r = NULL;
				goto out;
			}
			if (!e)
				continue;
			if ((term_container(def) & C_LIST) && json_is_array(e)) {
				json_t *l = json_object();

				json_object_set_new(l, "@list", e);
				e = l;
			}
			push_all(r, e);
		}
	} else if (json_is_object(el)) {
		r = expand_object(x, ctx, aprop, el);
	} else if (aprop && strcmp(aprop, "@graph") != 0) {
		r = expand_value(x, ctx, aprop, el);
	}
out:
	x->depth--;
	return r;
}

json_t *jsonld_expand(json_t *doc, struct err *err)
{
	struct exp x = {.err = err};
	json_t *ctx = ctx_new(), *r;

	err_clear(err);
	r = expand(&x, ctx, NULL, doc);
	json_decref(ctx);
	if (x.failed) {
		json_decref(r);
		return NULL;
	}
	if (json_is_object(r) && json_object_size(r) == 1 && json_object_get(r, "@graph")) {
		json_t *g = json_incref(json_object_get(r, "@graph"));

		json_decref(r);
		r = g;
	}
	return as_array(r);
}
