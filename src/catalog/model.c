/* model.c — building the in-memory catalog from records (see model.h);
 * lookup.c reads it.
 *
 * Records are flattened again into node maps: the records that are not
 * services into one base map, each service record into a small map of its
 * own that lives while that service is built. Everything the model keeps is
 * copied into the catalog's arena; the node maps are freed at the end.
 *
 * The builder is also where a catalog is checked: what a page cannot do
 * without (a service's identifier, title, description and competent
 * authority; an organisation's name and place; ...) and what must have one
 * value of one form (booleans, numbers, durations) fail with a message that
 * names the node and the property. Everything else is kept as given.
 */
#include "catalog/model.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <utf8proc.h>

#include "catalog/jsonld.h"
#include "catalog/model_internal.h"
#include "core/when.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/digest.h"

/* ---- texts ---- */

const char *mltext_exact(const struct mltext *t, const char *lang)
{
	size_t i;

	for (i = 0; t && i < t->n; i++)
		if (!strcmp(t->v[i].lang, lang))
			return t->v[i].value;
	return NULL;
}

const char *mltext_get(const struct mltext *t, const char *lang)
{
	const char *s;

	if (!t || !t->n)
		return NULL;
	s = lang ? mltext_exact(t, lang) : NULL;
	if (!s)
		s = mltext_exact(t, "lv");
	if (!s)
		s = mltext_exact(t, "en");
	if (!s)
		s = mltext_exact(t, "");
	return s ? s : t->v[0].value;
}

const char *channel_type_name(enum channel_type t)
{
	switch (t) {
	case CHANNEL_ONLINE: return "online";
	case CHANNEL_IN_PERSON: return "in-person";
	case CHANNEL_PHONE: return "phone";
	case CHANNEL_POST: return "post";
	case CHANNEL_EMAIL_ESIGN: return "email-esign";
	case CHANNEL_EMAIL: return "email";
	default: return "other";
	}
}

/* ---- slugs ---- */

size_t catalog_slugify(const char *identifier, char *out, size_t outsz)
{
	static const struct {
		const char *from, *to;
	} extra[] = {{"ł", "l"}, {"ø", "o"}, {"æ", "ae"}, {"œ", "oe"}, {"đ", "d"}, {"þ", "th"}, {"ð", "d"}, {"ı", "i"}};
	utf8proc_uint8_t *folded = NULL;
	const char *src = identifier, *seg;
	char *tmp = NULL;
	size_t len, o = 0, cap = outsz ? outsz - 1 : 0, i;
	int dash = 0;

	if (cap > CATALOG_SLUG_MAX)
		cap = CATALOG_SLUG_MAX;
	if (outsz)
		out[0] = '\0';
	if (!identifier || !outsz)
		return 0;
	/* an identifier that is a URL: its last path segment, without extension */
	if (strstr(identifier, "://")) {
		const char *q = strpbrk(identifier, "?#");
		size_t n = q ? (size_t)(q - identifier) : strlen(identifier);

		tmp = strndup(identifier, n);
		if (!tmp)
			return 0;
		seg = iri_last_segment(tmp, &len);
		if (seg != tmp && len) {
			const char *dot = memrchr(seg, '.', len);
			int is_host = seg >= tmp + 3 && !strncmp(seg - 3, "://", 3);

			if (dot && dot > seg && !is_host && (size_t)(seg + len - dot) <= 6)
				len = (size_t)(dot - seg);
			memmove(tmp, seg, len);
			tmp[len] = '\0';
		}
		src = tmp;
	}
	if (utf8proc_map((const utf8proc_uint8_t *)src, 0, &folded,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
			     UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD) < 0)
		folded = NULL;
	for (const char *p = folded ? (const char *)folded : src; *p;) {
		unsigned char ch = (unsigned char)*p;
		const char *rep = NULL;
		size_t skip = 1;

		if (ch >= 0x80) {
			for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
				size_t l = strlen(extra[i].from);

				if (!strncmp(p, extra[i].from, l)) {
					rep = extra[i].to;
					skip = l;
					break;
				}
			}
			if (!rep)
				while ((p[skip] & 0xc0) == 0x80)
					skip++;
		}
		if (rep || isalnum(ch)) {
			const char *r = rep ? rep : p;
			size_t rl = rep ? strlen(rep) : 1;

			if (o + (dash && o > 0) + rl > cap) {
				/* full: a word cut in two goes whole, unless it is the only one */
				size_t keep = o;

				while (!dash && keep > 0 && out[keep - 1] != '-')
					keep--;
				if (keep > 0)
					o = keep;
				break;
			}
			if (dash && o > 0)
				out[o++] = '-';
			dash = 0;
			for (i = 0; i < rl; i++)
				out[o++] = (char)tolower((unsigned char)r[i]);
		} else {
			dash = 1;
		}
		p += skip;
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
	free(folded);
	free(tmp);
	return o;
}

/* ---- growing pointer arrays ---- */

struct vec {
	void **v;
	size_t n, cap;
};

/* 0, or -1 when out of memory (v unchanged). */
static int vec_push(struct vec *v, void *p)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void **nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = p;
	return 0;
}

/* ---- the builder ---- */

struct catalog_builder {
	struct arena *a;
	struct nodemap base;
	json_t *base_parents;
	struct nodemap *cur; /* the map being read: base, or a service's */
	json_t *cur_parents;
	int sealed;
	json_t *memo;     /* base node id → index into objs */
	json_t *interned; /* short string → its copy in the arena */
	struct vec objs;
	struct vec services, orgs, events, contacts, portals;
	struct err *err;
	int failed;
	size_t max_bytes; /* the arena's cap */
};

static int bfail(struct catalog_builder *b, const char *what, const char *prop, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bfail(struct catalog_builder *b, const char *what, const char *prop, const char *fmt, ...)
{
	char msg[600], pc[128];
	va_list ap;

	if (b->failed)
		return -1;
	b->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (prop)
		err_set(b->err, ERR_VALIDATION, "%.300s: %s: %s", what, iri_compact(prop, pc, sizeof(pc)), msg);
	else
		err_set(b->err, ERR_VALIDATION, "%.300s: %s", what, msg);
	return -1;
}

/* An allocation of n bytes failed: the catalog outgrew its cap
 * (catalog-max-bytes) or memory ran out. The build fails with that message
 * (the first failure wins). Like SQLite's mallocFailed: from then on the
 * helpers below return NULL or empty values, each caller checks what it
 * writes through, and b->failed stops the build at the next step. */
static void oom(struct catalog_builder *b, size_t n)
{
	size_t probe = n > 16384 ? n : 16384;
	void *p;

	if (b->failed)
		return;
	b->failed = 1;
	if (!b->err)
		return;
	/* the arena asks the heap for at least 16 KiB: if the heap has that,
	 * it was the cap that refused */
	p = malloc(probe);
	if (p)
		err_set(b->err, ERR_VALIDATION, "the catalog needs more memory than catalog-max-bytes (%zu bytes)",
			b->max_bytes);
	else
		err_set(b->err, ERR_INTERNAL, "out of memory building the catalog");
	free(p);
}

/* vec_push for the builder: a failure is the build's. */
static void bpush(struct catalog_builder *b, struct vec *v, void *p)
{
	if (vec_push(v, p) != 0)
		oom(b, sizeof(void *) * (v->cap ? v->cap * 2 : 16));
}

static json_t *lookup(struct catalog_builder *b, const char *id)
{
	json_t *n = NULL;

	if (!id)
		return NULL;
	if (b->cur && b->cur != &b->base)
		n = json_object_get(b->cur->nodes, id);
	if (!n)
		n = json_object_get(b->base.nodes, id);
	return n;
}

static int in_base(struct catalog_builder *b, const char *id)
{
	return !(b->cur && b->cur != &b->base && json_object_get(b->cur->nodes, id));
}

/* "node <iri>", or for a blank node where it sits. */
static size_t describe_rec(struct catalog_builder *b, json_t *parents, const char *id, char *out, size_t n, int depth)
{
	json_t *e = json_object_get(parents, id);
	char pc[96];
	size_t o;

	if (!iri_is_blank(id))
		return (size_t)snprintf(out, n, "node <%s>", id);
	o = (size_t)snprintf(out, n, "a node without @id");
	if (!e || depth > 3 || o >= n)
		return o;
	o += (size_t)snprintf(out + o, n - o, " (%s #%lld of ",
			      iri_compact(json_string_value(json_object_get(e, "prop")), pc, sizeof(pc)),
			      (long long)json_integer_value(json_object_get(e, "i")) + 1);
	if (o < n)
		o += describe_rec(b, parents, json_string_value(json_object_get(e, "p")), out + o, n - o, depth + 1);
	if (o < n)
		o += (size_t)snprintf(out + o, n - o, ")");
	return o;
}

static const char *describe(struct catalog_builder *b, const char *id, char *out, size_t n)
{
	describe_rec(b, in_base(b, id) ? b->base_parents : b->cur_parents, id, out, n, 0);
	return out;
}

/* Short strings (language tags, IRIs, URLs, notations, phones) repeat all
 * over a catalog: the arena holds each once. */
#define INTERN_MAX 96

static char *astr(struct catalog_builder *b, const char *s)
{
	json_t *known;
	char *p;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	known = n <= INTERN_MAX ? json_object_get(b->interned, s) : NULL;
	if (known)
		return (char *)(uintptr_t)json_integer_value(known);
	p = arena_strndup(b->a, s, n);
	if (!p) {
		oom(b, n + 1);
		return NULL;
	}
	if (n <= INTERN_MAX)
		json_object_set_new(b->interned, s, json_integer((json_int_t)(uintptr_t)p));
	return p;
}

static void *aalloc(struct catalog_builder *b, size_t n)
{
	void *p = arena_alloc(b->a, n ? n : 1);

	if (!p)
		oom(b, n ? n : 1);
	return p;
}

/* An array of n elements, exactly; NULL for none (and when out of memory:
 * check b->failed). At 100 000 services the
 * spare slots and empty arrays cost tens of megabytes. */
static void *aalloc_n(struct catalog_builder *b, size_t n, size_t size)
{
	return n ? aalloc(b, n * size) : NULL;
}

/* The last segment of an IRI (a code such as "EUR"), held once. */
static const char *astr_last_segment(struct catalog_builder *b, const char *iri)
{
	char code[INTERN_MAX + 1];
	size_t len;
	const char *seg = iri_last_segment(iri, &len);

	if (len <= INTERN_MAX) {
		memcpy(code, seg, len);
		code[len] = '\0';
		return astr(b, code);
	}
	{
		char *t = aalloc(b, len + 1);

		if (!t)
			return NULL;
		memcpy(t, seg, len);
		t[len] = '\0';
		return t;
	}
}

static char *identifier_of(struct catalog_builder *b, const char *id)
{
	char *s = nodemap_identifier(in_base(b, id) ? b->base.nodes : b->cur->nodes,
				     in_base(b, id) ? b->base_parents : b->cur_parents, id);
	char *out;

	if (!s) {
		oom(b, 0);
		return NULL;
	}
	out = astr(b, s);
	free(s);
	return out;
}

static const char *public_iri(struct catalog_builder *b, const char *id)
{
	return iri_is_blank(id) || iri_is_skolem(id) ? NULL : astr(b, id);
}

/* Every value of each prop, in order. */
static size_t collect(const json_t *node, const char *const *props, json_t *out)
{
	size_t i, j;
	json_t *v;

	for (i = 0; props[i]; i++)
		json_array_foreach(node_vals(node, props[i]), j, v)
		{
			json_array_append(out, v);
		}
	return json_array_size(out);
}

static int lang_rank(const char *l)
{
	return !strcmp(l, "lv") ? 0 : !strcmp(l, "en") ? 1 : 2;
}

static struct mltext mk_text_vals(struct catalog_builder *b, json_t *vals)
{
	struct mltext t = {NULL, 0};
	struct text *v;
	json_t *x;
	size_t i, n = 0, r;

	if (!json_array_size(vals))
		return t;
	v = aalloc(b, sizeof(*v) * json_array_size(vals));
	if (!v)
		return t;
	for (r = 0; r < 3; r++) {
		json_array_foreach(vals, i, x)
		{
			const char *s = val_str(x), *l = val_lang(x);

			if (!s)
				continue;
			if (!l || !strcmp(l, "und"))
				l = "";
			if ((size_t)lang_rank(l) != r)
				continue;
			v[n].lang = astr(b, l);
			v[n].value = astr(b, s);
			n++;
		}
	}
	t.v = v;
	t.n = n;
	return t;
}

static struct mltext mk_text(struct catalog_builder *b, const json_t *node, const char *const *props)
{
	json_t *vals = json_array();
	struct mltext t;

	collect(node, props, vals);
	t = mk_text_vals(b, vals);
	json_decref(vals);
	return t;
}

#define PROPS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Literal strings and IRIs, as strings. */
static struct strlist mk_strs(struct catalog_builder *b, const json_t *node, const char *const *props)
{
	struct strlist l = {NULL, 0};
	json_t *vals = json_array(), *x;
	const char **v;
	size_t i, n = 0;

	if (!collect(node, props, vals)) {
		json_decref(vals);
		return l;
	}
	v = aalloc(b, sizeof(*v) * json_array_size(vals));
	if (!v) {
		json_decref(vals);
		return l;
	}
	json_array_foreach(vals, i, x)
	{
		const char *s = val_str(x) ? val_str(x) : val_id(x);

		if (s && !iri_is_blank(s))
			v[n++] = astr(b, s);
	}
	json_decref(vals);
	l.v = v;
	l.n = n;
	return l;
}

/* The IRIs of prop's values in their order: a JSON-LD @list keeps it;
 * plain values are taken as they come. */
static struct strlist mk_list(struct catalog_builder *b, const json_t *node, const char *prop)
{
	struct strlist l = {NULL, 0};
	json_t *vals = json_array(), *x, *y;
	const char **v;
	size_t i, j;

	json_array_foreach(node_vals(node, prop), i, x)
	{
		if (json_is_array(json_object_get(x, "@list")))
			json_array_foreach(json_object_get(x, "@list"), j, y)
			{
				json_array_append(vals, y);
			}
		else
			json_array_append(vals, x);
	}
	v = json_array_size(vals) ? aalloc(b, sizeof(*v) * json_array_size(vals)) : NULL;
	json_array_foreach(vals, i, x)
	{
		const char *s = v ? val_id(x) : NULL;

		if (s && !iri_is_blank(s))
			v[l.n++] = astr(b, s);
	}
	json_decref(vals);
	l.v = v;
	return l;
}

static const char *first_str(struct catalog_builder *b, const json_t *node, const char *const *props)
{
	json_t *v;
	size_t i, p;

	for (p = 0; props[p]; p++) {
		json_array_foreach(node_vals(node, props[p]), i, v)
		{
			const char *s = val_str(v) ? val_str(v) : val_id(v);

			if (s && !iri_is_blank(s))
				return astr(b, s);
		}
	}
	return NULL;
}

/* Objects built from base nodes, by kind and node id: one node may be
 * read as two kinds (a contact point that a service also groups by), and
 * each reading gets its own object. Concepts (M_CONCEPT) are built once per
 * IRI: the thousands of channels of one type share it. */
enum memo_kind { M_CONTACT = 'c', M_ORG = 'o', M_EVENT = 'e', M_PORTAL = 'p', M_SERVICE = 's', M_CONCEPT = 'k' };

static json_t *memo_slot(struct catalog_builder *b, enum memo_kind k, const char *id, int create)
{
	char key[2] = {(char)k, '\0'};
	json_t *m = json_object_get(b->memo, key);

	if (!m && create) {
		m = json_object();
		json_object_set_new(b->memo, key, m);
	}
	return m;
}

static void *memo_get(struct catalog_builder *b, enum memo_kind k, const char *id)
{
	json_t *i;

	if (!in_base(b, id))
		return NULL;
	i = json_object_get(memo_slot(b, k, id, 0), id);
	return i ? b->objs.v[json_integer_value(i)] : NULL;
}

static void memo_put(struct catalog_builder *b, enum memo_kind k, const char *id, void *obj)
{
	if (!in_base(b, id))
		return;
	if (vec_push(&b->objs, obj) != 0) {
		oom(b, 0);
		return;
	}
	json_object_set_new(memo_slot(b, k, id, 1), id, json_integer((json_int_t)b->objs.n - 1));
}

static struct concept concept_of_iri(struct catalog_builder *b, const char *id)
{
	struct concept c = {0}, *known = memo_get(b, M_CONCEPT, id);
	json_t *node;
	const char *notation = NULL;

	if (known)
		return *known;
	node = lookup(b, id);
	c.iri = public_iri(b, id);
	c.node = 1;
	if (node) {
		json_t *nv = node_vals(node, NS_SKOS "notation");

		notation = nv ? val_str(json_array_get(nv, 0)) : NULL;
		c.label = mk_text(b, node, PROPS(NS_SKOS "prefLabel", NS_DCT "title", NS_RDFS "label"));
		if (!c.label.n)
			c.label = mk_text(b, node, PROPS(NS_SKOS "altLabel"));
	}
	if (notation) {
		c.notation = astr(b, notation);
	} else if (c.iri) {
		c.notation = astr_last_segment(b, id);
	}
	if (!c.label.n && cat_own_concept_by_iri(id)) {
		const struct cat_own_concept *oc = cat_own_concept_by_iri(id);
		struct text *t = aalloc(b, 2 * sizeof(*t));

		if (t) {
			t[0] = (struct text){"lv", oc->lv};
			t[1] = (struct text){"en", oc->en};
			c.label.v = t;
			c.label.n = 2;
		}
	}
	if (in_base(b, id)) {
		known = aalloc(b, sizeof(*known));
		if (known) {
			*known = c;
			memo_put(b, M_CONCEPT, id, known);
		}
	}
	return c;
}

/* A concept from a value. A bare string in a position where epak has a
 * concept scheme (channel types, audiences, status) that names one of its
 * concepts is that concept; other strings stay strings. */
static struct concept mk_concept(struct catalog_builder *b, const json_t *v, const char *scheme)
{
	struct concept c = {0};
	const char *id = val_ref(v), *s = val_str(v);
	const struct cat_own_concept *oc = scheme && s ? cat_own_concept(scheme, s) : NULL;

	if (oc) {
		char *iri = cat_own_concept_iri(oc);

		if (!iri) {
			oom(b, 0);
			return c;
		}
		c = concept_of_iri(b, iri);
		free(iri);
	} else if (id) {
		c = concept_of_iri(b, id);
	} else if (s) {
		c.notation = astr(b, s);
	}
	return c;
}

/* mk_concept's concept where many nodes can point to it: the one built for
 * its IRI, else a copy of its own. */
static const struct concept *mk_concept_ref(struct catalog_builder *b, const json_t *v, const char *scheme)
{
	struct concept c = mk_concept(b, v, scheme);
	struct concept *p = c.iri ? memo_get(b, M_CONCEPT, c.iri) : NULL;

	if (p && p->iri == c.iri)
		return p;
	p = aalloc(b, sizeof(*p));
	if (p)
		*p = c;
	return p;
}

/* An audience written "both": citizens and businesses. */
static int is_both(const char *scheme, const json_t *x)
{
	return scheme && !strcmp(scheme, EPAK_AUDIENCE) && val_str(x) && !strcasecmp(val_str(x), "both");
}

static struct concepts mk_concepts(struct catalog_builder *b, const json_t *node, const char *const *props,
				   const char *scheme)
{
	struct concepts cs = {NULL, 0};
	json_t *vals = json_array(), *x;
	struct concept *v;
	size_t i, n = 0;

	if (!collect(node, props, vals)) {
		json_decref(vals);
		return cs;
	}
	json_array_foreach(vals, i, x)
	{
		n += is_both(scheme, x) ? 2 : 1;
	}
	v = aalloc(b, sizeof(*v) * n);
	if (!v) {
		json_decref(vals);
		return cs;
	}
	n = 0;
	json_array_foreach(vals, i, x)
	{
		if (is_both(scheme, x)) {
			json_t *t = json_object();

			if (!t) {
				oom(b, 0);
				break;
			}
			json_object_set_new(t, "@value", json_string("citizen"));
			v[n++] = mk_concept(b, t, scheme);
			json_object_set_new(t, "@value", json_string("business"));
			v[n++] = mk_concept(b, t, scheme);
			json_decref(t);
		} else if (val_id(x) || val_str(x)) {
			v[n++] = mk_concept(b, x, scheme);
		}
	}
	json_decref(vals);
	cs.v = v;
	cs.n = n;
	return cs;
}

/* Exactly one value at most; *out the value or NULL. */
static int one_value(struct catalog_builder *b, const char *what, const json_t *node, const char *prop, json_t **out)
{
	json_t *vals = node_vals(node, prop);

	*out = vals ? json_array_get(vals, 0) : NULL;
	if (json_array_size(vals) > 1)
		return bfail(b, what, prop, "has %zu values; it may have one", json_array_size(vals));
	return 0;
}

static int mk_flag(struct catalog_builder *b, const char *what, const json_t *node, const char *prop, enum flag *out)
{
	json_t *v;
	const char *s, *t;

	*out = FLAG_UNSET;
	if (one_value(b, what, node, prop, &v) != 0)
		return -1;
	if (!v)
		return 0;
	s = val_str(v);
	t = val_type(v);
	if (s && (!t || !strcmp(t, NS_XSD "boolean"))) {
		if (!strcmp(s, "true") || !strcmp(s, "1")) {
			*out = FLAG_YES;
			return 0;
		}
		if (!strcmp(s, "false") || !strcmp(s, "0")) {
			*out = FLAG_NO;
			return 0;
		}
	}
	return bfail(b, what, prop, "expected true or false, got %s%s%s", s ? "\"" : "a reference", s ? s : "",
		     s ? "\"" : "");
}

static int check_text(struct catalog_builder *b, const char *what, const json_t *node, const char *prop, int required,
		      const char *who)
{
	json_t *vals = node_vals(node, prop), *v;
	size_t i;

	if (!vals) {
		if (required)
			return bfail(b, what, prop, "missing (%s needs one)", who);
		return 0;
	}
	json_array_foreach(vals, i, v)
	{
		if (!val_str(v))
			return bfail(b, what, prop, "expected text, got a %s", val_id(v) ? "reference" : "list");
	}
	return 0;
}

static int check_duration(struct catalog_builder *b, const char *what, const json_t *node, const char **out)
{
	json_t *v;

	*out = NULL;
	if (one_value(b, what, node, NS_CV "processingTime", &v) != 0)
		return -1;
	if (!v)
		return 0;
	if (!val_str(v) || !xsd_duration_valid(val_str(v)))
		return bfail(b, what, NS_CV "processingTime", "expected an xsd:duration such as \"P1M\", got %s%s%s",
			     val_str(v) ? "\"" : "a reference", val_str(v) ? val_str(v) : "", val_str(v) ? "\"" : "");
	*out = astr(b, val_str(v));
	return 0;
}

/* ---- objects ---- */

static const char *const CONTACT_PROPS[] = {NS_CV "contactPoint", NS_CV "hasContactPoint", NS_SCHEMA "contactPoint",
					    NS_SCHEMA_HTTP "contactPoint", NULL};

static struct mltext hours_of(struct catalog_builder *b, const json_t *node)
{
	json_t *vals = json_array(), *descs = json_array(), *v;
	struct mltext t;
	size_t i;

	collect(node, PROPS(NS_CV "openingHours", NS_SCHEMA "hoursAvailable", NS_SCHEMA_HTTP "hoursAvailable"), vals);
	json_array_foreach(vals, i, v)
	{
		json_t *h = lookup(b, val_ref(v));

		if (val_str(v))
			json_array_append(descs, v);
		else if (h)
			collect(h, PROPS(NS_DCT "description", NS_SCHEMA "description", NS_SCHEMA_HTTP "description"),
				descs);
	}
	t = mk_text_vals(b, descs);
	json_decref(vals);
	json_decref(descs);
	return t;
}

/* Only @id and @type: the node is named, not described. */
static int says_nothing(const json_t *node)
{
	return json_object_size(node) - (json_object_get(node, "@id") != NULL) -
		   (json_object_get(node, "@type") != NULL) ==
	       0;
}

static const struct contact_point *build_contact(struct catalog_builder *b, const char *id)
{
	struct contact_point *cp = memo_get(b, M_CONTACT, id);
	json_t *node = lookup(b, id);

	/* a contact point that says nothing is none (the exporter writes such
	 * typed stubs for links to undescribed contact points) */
	if (cp || !node || says_nothing(node))
		return cp;
	cp = aalloc(b, sizeof(*cp));
	if (!cp)
		return NULL;
	memo_put(b, M_CONTACT, id, cp);
	cp->iri = public_iri(b, id);
	cp->identifier = identifier_of(b, id);
	cp->title = mk_text(b, node, PROPS(NS_DCT "title", NS_SCHEMA "name", NS_SKOS "prefLabel"));
	cp->phones = mk_strs(b, node, PROPS(NS_CV "telephone", NS_SCHEMA "telephone", NS_SCHEMA_HTTP "telephone"));
	cp->emails = mk_strs(b, node, PROPS(NS_CV "email", NS_SCHEMA "email", NS_SCHEMA_HTTP "email"));
	cp->pages = mk_strs(b, node, PROPS(NS_CV "contactPage", NS_SCHEMA "url", NS_SCHEMA_HTTP "url", NS_FOAF "page"));
	cp->hours = hours_of(b, node);
	cp->helpdesk_for = mk_strs(b, node, PROPS(NS_EPAK "helpdeskFor"));
	bpush(b, &b->contacts, cp);
	return cp;
}

static size_t mk_contacts(struct catalog_builder *b, const json_t *node, const struct contact_point *const **out)
{
	json_t *vals = json_array(), *v;
	const struct contact_point **cps;
	size_t i, n = 0;

	*out = NULL;
	if (!collect(node, CONTACT_PROPS, vals)) {
		json_decref(vals);
		return 0;
	}
	cps = aalloc(b, sizeof(*cps) * json_array_size(vals));
	if (!cps) {
		json_decref(vals);
		return 0;
	}
	json_array_foreach(vals, i, v)
	{
		const struct contact_point *cp = val_ref(v) ? build_contact(b, val_ref(v)) : NULL;

		if (cp)
			cps[n++] = cp;
	}
	json_decref(vals);
	*out = cps;
	return n;
}

static const struct organisation *build_org(struct catalog_builder *b, const char *id)
{
	struct organisation *o = memo_get(b, M_ORG, id);
	json_t *node = lookup(b, id), *v;
	char what[400];
	const char *level;
	size_t i;

	if (o || !node || !node_has_type(node, NS_CV "PublicOrganisation"))
		return o;
	describe(b, id, what, sizeof(what));
	o = aalloc(b, sizeof(*o));
	if (!o)
		return NULL;
	memo_put(b, M_ORG, id, o);
	o->iri = public_iri(b, id);
	o->identifier = identifier_of(b, id);
	if (check_text(b, what, node, NS_SKOS "prefLabel", 0, "") != 0)
		return NULL;
	o->name = mk_text(b, node, PROPS(NS_SKOS "prefLabel"));
	if (!o->name.n)
		o->name = mk_text(b, node, PROPS(NS_DCT "title", NS_FOAF "name", NS_SCHEMA "name"));
	if (!o->name.n) {
		bfail(b, what, NS_SKOS "prefLabel", "missing (a cv:PublicOrganisation needs a name)");
		return NULL;
	}
	if (!node_vals(node, NS_DCT "spatial")) {
		bfail(b, what, NS_DCT "spatial", "missing (a cv:PublicOrganisation needs the place it serves)");
		return NULL;
	}
	json_array_foreach(node_vals(node, NS_DCT "spatial"), i, v)
	{
		if (!val_ref(v)) {
			bfail(b, what, NS_DCT "spatial", "expected a reference to a dct:Location, got \"%s\"",
			      val_str(v) ? val_str(v) : "a list");
			return NULL;
		}
	}
	o->alt_names = mk_text(b, node, PROPS(NS_SKOS "altLabel"));
	o->spatial = mk_concepts(b, node, PROPS(NS_DCT "spatial"), NULL);
	o->homepage = first_str(b, node, PROPS(NS_FOAF "homepage", NS_SCHEMA "url"));
	if (mk_flag(b, what, node, NS_EPAK "eMark", &o->e_mark) != 0)
		return NULL;
	if (one_value(b, what, node, NS_EPAK "eMarkGranted", &v) != 0)
		return NULL;
	if (v) {
		if (!val_str(v) || (val_type(v) && strcmp(val_type(v), NS_XSD "date") != 0) ||
		    when_date_parse(val_str(v), NULL, NULL, NULL) != 0) {
			bfail(b, what, NS_EPAK "eMarkGranted",
			      "expected an xsd:date such as \"2026-12-07\", got %s%s%s",
			      val_str(v) ? "\"" : "a reference", val_str(v) ? val_str(v) : "", val_str(v) ? "\"" : "");
			return NULL;
		}
		o->e_mark_granted = astr(b, val_str(v));
	}
	if (one_value(b, what, node, NS_EPAK "level", &v) != 0)
		return NULL;
	if (!v && one_value(b, what, node, NS_EPAK "type", &v) != 0)
		return NULL;
	if (v) {
		level = val_str(v);
		if (level && !strcmp(level, "state"))
			o->level = ORG_LEVEL_STATE;
		else if (level && !strcmp(level, "municipal"))
			o->level = ORG_LEVEL_MUNICIPAL;
		else {
			bfail(b, what, node_vals(node, NS_EPAK "level") ? NS_EPAK "level" : NS_EPAK "type",
			      "expected \"state\" or \"municipal\"");
			return NULL;
		}
	}
	{
		json_t *addrs = json_array(), *full = json_array(), *a;

		collect(node, PROPS(NS_LOCN "address"), addrs);
		json_array_foreach(addrs, i, a)
		{
			json_t *an = lookup(b, val_ref(a));

			if (val_str(a))
				json_array_append(full, a);
			else if (an)
				collect(an, PROPS(NS_LOCN "fullAddress"), full);
		}
		o->address = mk_text_vals(b, full);
		json_decref(addrs);
		json_decref(full);
	}
	o->helpdesk_for = mk_strs(b, node, PROPS(NS_EPAK "helpdeskFor"));
	o->ncontacts = mk_contacts(b, node, &o->contacts);
	bpush(b, &b->orgs, o);
	return o;
}

static const struct event *build_event(struct catalog_builder *b, const char *id)
{
	struct event *e = memo_get(b, M_EVENT, id);
	json_t *node = lookup(b, id);
	char what[400];

	if (e || !node)
		return e;
	describe(b, id, what, sizeof(what));
	e = aalloc(b, sizeof(*e));
	if (!e)
		return NULL;
	memo_put(b, M_EVENT, id, e);
	e->iri = public_iri(b, id);
	e->identifier = identifier_of(b, id);
	e->kind = node_has_type(node, NS_CV "LifeEvent")       ? EVENT_LIFE
		  : node_has_type(node, NS_CV "BusinessEvent") ? EVENT_BUSINESS
							       : EVENT_OTHER;
	if (check_text(b, what, node, NS_DCT "title", 1, "an event") != 0)
		return NULL;
	e->title = mk_text(b, node, PROPS(NS_DCT "title"));
	e->description = mk_text(b, node, PROPS(NS_DCT "description"));
	e->introduction = mk_text(b, node, PROPS(NS_EPAK "introduction"));
	e->order = mk_list(b, node, NS_EPAK "serviceOrder");
	bpush(b, &b->events, e);
	return e;
}

static const struct portal *build_portal(struct catalog_builder *b, const char *id)
{
	struct portal *p = memo_get(b, M_PORTAL, id);
	json_t *node = lookup(b, id);
	size_t i;

	if (p)
		return p;
	for (i = 0; !node && i < b->portals.n; i++) /* an undescribed portal seen before */
		if (((struct portal *)b->portals.v[i])->iri && !strcmp(((struct portal *)b->portals.v[i])->iri, id))
			return b->portals.v[i];
	p = aalloc(b, sizeof(*p));
	if (!p)
		return NULL;
	if (node)
		memo_put(b, M_PORTAL, id, p);
	p->iri = public_iri(b, id);
	if (node) {
		json_t *op;

		p->identifier = identifier_of(b, id);
		p->name = mk_text(b, node, PROPS(NS_SKOS "prefLabel", NS_DCT "title"));
		p->url = first_str(b, node, PROPS(NS_FOAF "homepage"));
		op = node_vals(node, NS_EPAK "operatedBy");
		if (op && val_ref(json_array_get(op, 0)))
			p->operator_org = build_org(b, val_ref(json_array_get(op, 0)));
	} else {
		char *ident = cat_derived_identifier(id, NULL, NULL, 0);
		const char *host = strstr(id, "://");

		/* an undescribed portal is known by its host name */
		if (host) {
			host += 3;
			free(ident);
			ident = strndup(host, strcspn(host, "/?#"));
		}
		if (!ident) {
			oom(b, 0);
			return NULL;
		}
		p->identifier = astr(b, ident);
		free(ident);
	}
	if (!p->url)
		p->url = p->iri;
	bpush(b, &b->portals, p);
	return p;
}

static enum channel_type channel_type_of(const char *notation)
{
	static const struct {
		const char *n;
		enum channel_type t;
	} map[] = {
	    {"online", CHANNEL_ONLINE},       {"in-person", CHANNEL_IN_PERSON}, {"inperson", CHANNEL_IN_PERSON},
	    {"in_person", CHANNEL_IN_PERSON}, {"phone", CHANNEL_PHONE},         {"telephone", CHANNEL_PHONE},
	    {"post", CHANNEL_POST},           {"postal", CHANNEL_POST},         {"email-esign", CHANNEL_EMAIL_ESIGN},
	    {"email", CHANNEL_EMAIL},         {"e-mail", CHANNEL_EMAIL}};
	size_t i;

	for (i = 0; notation && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(notation, map[i].n))
			return map[i].t;
	return CHANNEL_OTHER;
}

static int build_channel(struct catalog_builder *b, const char *id, struct channel *ch)
{
	json_t *node = lookup(b, id), *v;
	char what[400];
	const char *owner;

	describe(b, id, what, sizeof(what));
	ch->iri = public_iri(b, id);
	ch->identifier = identifier_of(b, id);
	if (one_value(b, what, node, NS_DCT "type", &v) != 0)
		return -1;
	if (v) {
		ch->type_concept = mk_concept_ref(b, v, EPAK_CHANNEL_TYPE);
		if (!ch->type_concept)
			return -1;
		ch->type = channel_type_of(ch->type_concept->notation);
	}
	owner = first_str(b, node, PROPS(NS_CV "ownedBy"));
	ch->owner_iri = owner;
	ch->owner = owner ? build_org(b, owner) : NULL;
	ch->url = first_str(b, node, PROPS(NS_FOAF "page", NS_SCHEMA "url"));
	ch->description = mk_text(b, node, PROPS(NS_DCT "description"));
	ch->hours = hours_of(b, node);
	if (check_duration(b, what, node, &ch->processing_time) != 0)
		return -1;
	{
		const struct contact_point *const *cps = NULL;

		if (mk_contacts(b, node, &cps) > 0)
			ch->contact = cps[0];
	}
	if (ch->contact) {
		ch->phone = ch->contact->phones.n ? ch->contact->phones.v[0] : NULL;
		ch->email = ch->contact->emails.n ? ch->contact->emails.v[0] : NULL;
	}
	if (!ch->phone)
		ch->phone = first_str(b, node, PROPS(NS_CV "telephone"));
	if (!ch->email)
		ch->email = first_str(b, node, PROPS(NS_CV "email"));
	return b->failed ? -1 : 0;
}

static int build_item(struct catalog_builder *b, const char *id, struct item *it, const char *who, int depth)
{
	json_t *node = lookup(b, id), *v;
	char what[400];

	describe(b, id, what, sizeof(what));
	if (!node)
		return bfail(b, what, NULL, "is not described in the catalog (%s)", who);
	it->iri = public_iri(b, id);
	it->identifier = identifier_of(b, id);
	if (check_text(b, what, node, NS_DCT "title", 1, who) != 0)
		return -1;
	it->title = mk_text(b, node, PROPS(NS_DCT "title"));
	it->description = mk_text(b, node, PROPS(NS_DCT "description"));
	v = node_vals(node, NS_DCT "type");
	if (v)
		it->type = mk_concept(b, json_array_get(v, 0), NULL);
	v = node_vals(node, NS_CV "hasSupportingEvidence");
	if (v && depth < 2) {
		const struct item **ev = aalloc(b, sizeof(*ev) * json_array_size(v));
		size_t i;
		json_t *x;

		if (!ev)
			return -1;
		json_array_foreach(v, i, x)
		{
			struct item *e;

			if (!val_ref(x) || !lookup(b, val_ref(x)))
				continue;
			e = aalloc(b, sizeof(*e));
			if (!e || build_item(b, val_ref(x), e, "a cv:Evidence", depth + 1) != 0)
				return -1;
			ev[it->nevidence++] = e;
		}
		it->evidence = ev;
	}
	return 0;
}

static size_t build_items(struct catalog_builder *b, const json_t *node, const char *const *props, const char *who,
			  const struct item **out)
{
	json_t *vals = json_array(), *v;
	struct item *items;
	size_t i, n = 0;

	collect(node, props, vals);
	items = aalloc_n(b, json_array_size(vals), sizeof(*items));
	json_array_foreach(vals, i, v)
	{
		if (b->failed)
			break;
		if (!val_ref(v) || !lookup(b, val_ref(v)))
			continue; /* a link to nothing described: nothing to show */
		if (build_item(b, val_ref(v), &items[n], who, 0) != 0)
			break;
		n++;
	}
	json_decref(vals);
	*out = items;
	return n;
}

static int build_cost(struct catalog_builder *b, const char *id, struct cost *c, const struct channel *chans,
		      const char *const *chan_ids, size_t nchans)
{
	json_t *node = lookup(b, id), *v;
	char what[400];
	size_t i;

	describe(b, id, what, sizeof(what));
	c->iri = public_iri(b, id);
	c->identifier = identifier_of(b, id);
	if (one_value(b, what, node, NS_CV "hasValue", &v) != 0)
		return -1;
	if (v) {
		if (!lexical_number(val_str(v), &c->value))
			return bfail(b, what, NS_CV "hasValue", "expected a number, got %s%s%s",
				     val_str(v) ? "\"" : "a reference", val_str(v) ? val_str(v) : "",
				     val_str(v) ? "\"" : "");
		c->has_value = 1;
		c->value_text = astr(b, val_str(v));
	}
	if (one_value(b, what, node, NS_CV "currency", &v) != 0)
		return -1;
	if (v) {
		c->currency = astr_last_segment(b, val_ref(v) ? val_ref(v) : val_str(v));
		c->currency_iri = val_ref(v) ? astr(b, val_ref(v)) : NULL;
	}
	c->description = mk_text(b, node, PROPS(NS_DCT "description"));
	c->defined_by_iri = first_str(b, node, PROPS(NS_CV "isDefinedBy"));
	c->defined_by = c->defined_by_iri ? build_org(b, c->defined_by_iri) : NULL;
	c->price_list = first_str(b, node, PROPS(NS_FOAF "page", NS_SCHEMA "url"));
	if (one_value(b, what, node, NS_CV "ifAccessedThrough", &v) != 0)
		return -1;
	for (i = 0; v && val_ref(v) && i < nchans; i++)
		if (!strcmp(chan_ids[i], val_ref(v)))
			c->accessed_through = &chans[i];
	return b->failed ? -1 : 0;
}

static enum service_status status_of(const char *notation)
{
	if (!notation)
		return SERVICE_STATUS_UNSPECIFIED;
	if (!strcasecmp(notation, "active") || !strcasecmp(notation, "completed"))
		return SERVICE_STATUS_ACTIVE;
	if (!strcasecmp(notation, "withdrawn") || !strcasecmp(notation, "deprecated") ||
	    !strcasecmp(notation, "inactive"))
		return SERVICE_STATUS_INACTIVE;
	if (!strcasecmp(notation, "underdevelopment") || !strcasecmp(notation, "planned"))
		return SERVICE_STATUS_PLANNED;
	return SERVICE_STATUS_OTHER;
}

static void audience_of(struct service *s)
{
	size_t i;

	for (i = 0; i < s->audience_concepts.n; i++) {
		const char *n = s->audience_concepts.v[i].notation;

		if (!n)
			continue;
		if (!strcasecmp(n, "citizen") || !strcasecmp(n, "citizens"))
			s->audience |= AUDIENCE_CITIZEN;
		else if (!strcasecmp(n, "business") || !strcasecmp(n, "businesses"))
			s->audience |= AUDIENCE_BUSINESS;
		else if (!strcasecmp(n, "both"))
			s->audience |= AUDIENCE_CITIZEN | AUDIENCE_BUSINESS;
	}
}

/* A service's identifier (exactly one non-empty literal), title,
 * description and keywords. */
static int service_texts(struct catalog_builder *b, struct service *s, const json_t *node, const char *what)
{
	json_t *vals = node_vals(node, NS_DCT "identifier");

	if (!vals)
		return bfail(b, what, NS_DCT "identifier", "missing (a public service needs exactly one)");
	if (json_array_size(vals) > 1)
		return bfail(b, what, NS_DCT "identifier", "has %zu values; a public service has exactly one",
			     json_array_size(vals));
	if (!val_str(json_array_get(vals, 0)) || !*val_str(json_array_get(vals, 0)))
		return bfail(b, what, NS_DCT "identifier", "expected a non-empty literal");
	s->identifier = astr(b, val_str(json_array_get(vals, 0)));
	if (check_text(b, what, node, NS_DCT "title", 1, "a public service") != 0 ||
	    check_text(b, what, node, NS_DCT "description", 1, "a public service") != 0)
		return -1;
	s->title = mk_text(b, node, PROPS(NS_DCT "title"));
	s->description = mk_text(b, node, PROPS(NS_DCT "description"));
	s->keywords = mk_text(b, node, PROPS(NS_DCAT "keyword"));
	return 0;
}

/* The competent authority: a cv:PublicOrganisation of this catalog. */
static int service_authority(struct catalog_builder *b, struct service *s, const json_t *node, const char *what)
{
	json_t *vals = node_vals(node, NS_CV "hasCompetentAuthority");
	const char *auth;

	if (!vals)
		return bfail(b, what, NS_CV "hasCompetentAuthority", "missing (a public service needs one)");
	auth = val_ref(json_array_get(vals, 0));
	if (!auth)
		return bfail(b, what, NS_CV "hasCompetentAuthority",
			     "expected a reference to a cv:PublicOrganisation, got a literal");
	s->authority = build_org(b, auth);
	if (b->failed)
		return -1;
	if (!s->authority)
		return bfail(b, what, NS_CV "hasCompetentAuthority",
			     "<%s> is not a cv:PublicOrganisation of this catalog", auth);
	return 0;
}

/* The life and business events that group the service. */
static int service_events(struct catalog_builder *b, struct service *s, const json_t *node)
{
	json_t *ev = json_array(), *x;
	const struct event **evs;
	size_t i;

	collect(node, PROPS(NS_CV "isGroupedBy"), ev);
	evs = aalloc_n(b, json_array_size(ev), sizeof(*evs));
	json_array_foreach(ev, i, x)
	{
		const struct event *e = !b->failed && val_ref(x) ? build_event(b, val_ref(x)) : NULL;

		if (b->failed) {
			json_decref(ev);
			return -1;
		}
		if (e)
			evs[s->nevents++] = e;
	}
	s->events = evs;
	json_decref(ev);
	return 0;
}

/* The channels, then the costs (which may name a channel). */
static int service_channels_and_costs(struct catalog_builder *b, struct service *s, const json_t *node)
{
	json_t *cv = json_array(), *x;
	struct channel *chans;
	const char **ids;
	size_t i;

	collect(node, PROPS(NS_CV "hasChannel"), cv);
	chans = aalloc_n(b, json_array_size(cv), sizeof(*chans));
	ids = calloc(json_array_size(cv) + 1, sizeof(*ids));
	if (!ids)
		oom(b, 0);
	json_array_foreach(cv, i, x)
	{
		if (b->failed)
			break;
		if (!val_ref(x) || !lookup(b, val_ref(x)))
			continue;
		ids[s->nchannels] = val_ref(x);
		if (build_channel(b, val_ref(x), &chans[s->nchannels]) != 0)
			break;
		s->nchannels++;
	}
	s->channels = chans;
	if (!b->failed) {
		json_t *kv = json_array();
		struct cost *costs;

		collect(node, PROPS(NS_CV "hasCost"), kv);
		costs = aalloc_n(b, json_array_size(kv), sizeof(*costs));
		json_array_foreach(kv, i, x)
		{
			if (b->failed)
				break;
			if (!val_ref(x) || !lookup(b, val_ref(x)))
				continue;
			if (build_cost(b, val_ref(x), &costs[s->ncosts], chans, ids, s->nchannels) != 0)
				break;
			s->ncosts++;
		}
		s->costs = costs;
		json_decref(kv);
	}
	free(ids);
	json_decref(cv);
	return b->failed ? -1 : 0;
}

/* Status, place, classes: what the service is, where. */
static int service_status_and_classes(struct catalog_builder *b, struct service *s, const json_t *node,
				      const char *what)
{
	json_t *v;

	if (one_value(b, what, node, NS_ADMS "status", &v) != 0)
		return -1;
	if (v) {
		struct concept c = mk_concept(b, v, EPAK_STATUS);

		s->status_iri = c.iri;
		s->status = status_of(c.notation);
	}
	s->spatial = mk_concepts(b, node, PROPS(NS_DCT "spatial"), NULL);
	s->classes = mk_concepts(
	    b, node, PROPS(NS_DCT "type", NS_CV "isClassifiedBy", NS_CV "thematicArea", NS_CV "sector"), NULL);
	return 0;
}

/* Whether it is an e-service, and where: its portal, else its first online
 * channel. */
static int service_hosting(struct catalog_builder *b, struct service *s, const json_t *node, const char *what)
{
	json_t *v;
	size_t i;

	if (mk_flag(b, what, node, NS_EPAK "eService", &s->e_service) != 0)
		return -1;
	if (one_value(b, what, node, NS_EPAK "hostedOn", &v) != 0)
		return -1;
	if (v && (val_ref(v) || val_str(v))) {
		const char *h = val_ref(v) ? val_ref(v) : val_str(v);

		s->hosted_on = build_portal(b, h);
		if (!s->hosted_on)
			return -1;
		s->hosted_url = s->hosted_on->url;
	}
	if (!s->hosted_url && s->e_service == FLAG_YES)
		for (i = 0; i < s->nchannels && !s->hosted_url; i++)
			if (s->channels[i].type == CHANNEL_ONLINE)
				s->hosted_url = s->channels[i].url;
	return 0;
}

/* The legal basis: each cv:hasLegalResource with the title and address its
 * node gives (a link to an undescribed node: the link is the address). */
static void service_legal(struct catalog_builder *b, struct service *s, const json_t *node)
{
	json_t *vals = json_array(), *v;
	struct legal *l;
	size_t i;

	collect(node, PROPS(NS_CV "hasLegalResource"), vals);
	l = aalloc_n(b, json_array_size(vals), sizeof(*l));
	json_array_foreach(vals, i, v)
	{
		const char *ref = val_ref(v);
		json_t *ln = lookup(b, ref);

		if (b->failed || !l || !ref)
			continue;
		l[s->nlegal].iri = public_iri(b, ref);
		if (ln) {
			l[s->nlegal].title = mk_text(b, ln, PROPS(NS_DCT "title", NS_ELI "title"));
			l[s->nlegal].url = first_str(b, ln, PROPS(NS_FOAF "page", NS_SCHEMA "url"));
		}
		if (!l[s->nlegal].url)
			l[s->nlegal].url = l[s->nlegal].iri;
		if (l[s->nlegal].url || l[s->nlegal].title.n)
			s->nlegal++;
	}
	s->legal = l;
	json_decref(vals);
}

/* One cpsv:PublicService, in the order its errors are reported. */
static int build_service(struct catalog_builder *b, const char *id)
{
	json_t *node = lookup(b, id);
	struct service *s;
	char what[400];

	if (memo_get(b, M_SERVICE, id))
		return 0;
	describe(b, id, what, sizeof(what));
	s = aalloc(b, sizeof(*s));
	if (!s)
		return -1;
	memo_put(b, M_SERVICE, id, s);
	s->iri = public_iri(b, id);
	if (service_texts(b, s, node, what) != 0 || service_authority(b, s, node, what) != 0)
		return -1;
	s->audience_concepts = mk_concepts(b, node, PROPS(NS_DCT "audience"), EPAK_AUDIENCE);
	audience_of(s);
	if (service_events(b, s, node) != 0 || service_channels_and_costs(b, s, node) != 0)
		return -1;
	s->noutputs = build_items(b, node, PROPS(NS_CPSV "produces"), "a cv:Output", &s->outputs);
	s->ninputs = build_items(b, node, PROPS(NS_CPSV "hasInput"), "a cv:Evidence", &s->inputs);
	s->nrequirements = build_items(b, node, PROPS(NS_CV "holdsRequirement", NS_CV "hasCriterion"),
				       "a cv:Requirement", &s->requirements);
	if (b->failed)
		return -1;
	s->ncontacts = mk_contacts(b, node, &s->contacts);
	if (check_duration(b, what, node, &s->processing_time) != 0 ||
	    service_status_and_classes(b, s, node, what) != 0 || service_hosting(b, s, node, what) != 0)
		return -1;
	s->auth_methods = mk_strs(b, node, PROPS(NS_EPAK "authMethods"));
	service_legal(b, s, node);
	bpush(b, &b->services, s);
	return b->failed ? -1 : 0;
}

/* Builds what the base map describes: organisations, contact points,
 * events, portals, and services that sit in other records (say, inside a
 * dcat:Dataset). Named nodes first, so that blank ones reached through
 * them are built in their place. */
static int seal(struct catalog_builder *b)
{
	json_t *node;
	const char *id;
	int pass;

	if (b->sealed)
		return b->failed ? -1 : 0;
	b->sealed = 1;
	nodemap_finish(&b->base);
	b->base_parents = nodemap_parents(b->base.nodes);
	if (!b->base_parents)
		oom(b, 0);
	b->cur = &b->base;
	for (pass = 0; pass < 2 && !b->failed; pass++) {
		const char **ids;
		size_t n = json_object_size(b->base.nodes), i = 0, k;

		ids = calloc(n + 1, sizeof(*ids));
		if (!ids) {
			oom(b, 0);
			break;
		}
		json_object_foreach(b->base.nodes, id, node)
		{
			ids[i++] = id;
		}
		qsort(ids, n, sizeof(*ids), (int (*)(const void *, const void *))strcmp);
		for (k = 0; k < n && !b->failed; k++) {
			id = ids[k];
			if (iri_is_blank(id) != pass)
				continue;
			node = json_object_get(b->base.nodes, id);
			/* by type, not by kind: a portal that something also calls
			 * a cost is still a portal */
			if (node_has_type(node, NS_CV "PublicOrganisation"))
				build_org(b, id);
			if (!b->failed && (node_has_type(node, NS_CV "ContactPoint") ||
					   node_has_type(node, NS_SCHEMA "ContactPoint") ||
					   node_has_type(node, NS_SCHEMA_HTTP "ContactPoint")))
				build_contact(b, id);
			if (!b->failed &&
			    (node_has_type(node, NS_CV "LifeEvent") || node_has_type(node, NS_CV "BusinessEvent") ||
			     node_has_type(node, NS_CV "Event")))
				build_event(b, id);
			if (!b->failed && node_has_type(node, NS_EPAK "Portal"))
				build_portal(b, id);
			if (!b->failed && node_has_type(node, NS_CPSV "PublicService"))
				build_service(b, id);
		}
		free(ids);
	}
	return b->failed ? -1 : 0;
}

struct catalog_builder *catalog_builder_new(void)
{
	return catalog_builder_new_max(CATALOG_MAX_BYTES);
}

struct catalog_builder *catalog_builder_new_max(size_t max_bytes)
{
	struct catalog_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->max_bytes = max_bytes;
	b->a = arena_new(max_bytes);
	if (!b->a) {
		free(b);
		return NULL;
	}
	nodemap_init(&b->base);
	b->memo = json_object();
	b->interned = json_object();
	return b;
}

void catalog_builder_free(struct catalog_builder *b)
{
	if (!b)
		return;
	nodemap_clear(&b->base);
	json_decref(b->base_parents);
	json_decref(b->memo);
	json_decref(b->interned);
	free(b->objs.v);
	free(b->services.v);
	free(b->orgs.v);
	free(b->events.v);
	free(b->contacts.v);
	free(b->portals.v);
	arena_free(b->a);
	free(b);
}

int catalog_builder_add(struct catalog_builder *b, const char *kind, const char *body, struct err *err)
{
	json_t *json;
	json_error_t je;
	struct nodemap m;
	int rc = -1;

	b->err = err;
	if (b->failed)
		return -1;
	json = json_loads(body, 0, &je);
	if (!json) {
		err_set(err, ERR_VALIDATION, "a stored record is not JSON: %s", je.text);
		b->failed = 1;
		return -1;
	}
	if (strcmp(kind, "service") != 0) {
		if (b->sealed) {
			err_set(err, ERR_VALIDATION, "catalog_builder_add: records that are not services come first");
			b->failed = 1;
			goto out;
		}
		rc = nodemap_add(&b->base, json, err);
		if (rc != 0)
			b->failed = 1;
		goto out;
	}
	if (seal(b) != 0)
		goto out;
	nodemap_init(&m);
	m.next = b->base.next; /* blank labels apart from the base map's */
	if (nodemap_add(&m, json, err) != 0) {
		b->failed = 1;
		nodemap_clear(&m);
		goto out;
	}
	nodemap_finish(&m);
	b->cur = &m;
	b->cur_parents = nodemap_parents(m.nodes);
	if (!b->cur_parents)
		oom(b, 0);
	{
		const char *id = node_id(json);

		const char *nid;
		json_t *n;

		rc = b->failed ? -1 : 0;
		if (rc == 0 && id && json_object_get(m.nodes, id) &&
		    node_kind(json_object_get(m.nodes, id)) == CAT_SERVICE)
			rc = build_service(b, id);
		/* and services written inside it, without @id */
		json_object_foreach(m.nodes, nid, n)
		{
			if (rc == 0 && iri_is_blank(nid) && node_kind(n) == CAT_SERVICE)
				rc = build_service(b, nid);
		}
	}
	json_decref(b->cur_parents);
	b->cur_parents = NULL;
	b->cur = &b->base;
	nodemap_clear(&m);
out:
	json_decref(json);
	return b->failed ? -1 : rc;
}

/* ---- finishing: links back, slugs, order ---- */

struct slugged {
	const char **slug; /* where to write it */
	const char *identifier;
	const char *key; /* IRI, or the identifier for blank nodes */
	const char *base;
};

static int cmp_slugged(const void *pa, const void *pb)
{
	const struct slugged *a = pa, *b = pb;
	int c = strcmp(a->base, b->base);
	int ea, eb;

	if (c)
		return c;
	ea = strcmp(a->identifier ? a->identifier : "", a->base) != 0;
	eb = strcmp(b->identifier ? b->identifier : "", b->base) != 0;
	if (ea != eb)
		return ea - eb;
	return strcmp(a->key, b->key);
}

/* Gives each object its slug: the identifier's slug; when several share one,
 * the one whose identifier is exactly that slug (else the first by IRI)
 * keeps it and the others get "-" and 8 hex digits of their IRI's SHA-256. */
static void assign_slugs(struct catalog_builder *b, struct slugged *v, size_t n, const char *fallback,
			 const char *strip_prefix)
{
	char buf[CATALOG_SLUG_MAX + 1];
	size_t i;

	for (i = 0; i < n; i++) {
		const char *id = v[i].identifier ? v[i].identifier : "";
		size_t pl = strip_prefix ? strlen(strip_prefix) : 0;

		if (pl && !strncmp(id, strip_prefix, pl) && id[pl] == '/' && id[pl + 1])
			id += pl + 1;
		if (!catalog_slugify(id, buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "%s", fallback);
		v[i].base = astr(b, buf);
	}
	if (b->failed)
		return;
	qsort(v, n, sizeof(*v), cmp_slugged);
	for (i = 0; i < n; i++) {
		char hash[65], out[CATALOG_SLUG_MAX + 16];

		if (i == 0 || strcmp(v[i].base, v[i - 1].base) != 0) {
			*v[i].slug = v[i].base;
			continue;
		}
		if (sha256_hex(v[i].key, strlen(v[i].key), hash) != 0) {
			oom(b, 0);
			return;
		}
		snprintf(out, sizeof(out), "%s-%.8s", v[i].base, hash);
		*v[i].slug = astr(b, out);
	}
}

#define SLUG_ALL(vecp, type, fallback)                                                                                 \
	do {                                                                                                           \
		struct slugged *sv_ = calloc((vecp)->n + 1, sizeof(*sv_));                                             \
		size_t i_;                                                                                             \
		if (!sv_) {                                                                                            \
			oom(b, 0);                                                                                     \
			break;                                                                                         \
		}                                                                                                      \
		for (i_ = 0; i_ < (vecp)->n; i_++) {                                                                   \
			type *o_ = (vecp)->v[i_];                                                                      \
			sv_[i_].slug = &o_->slug;                                                                      \
			sv_[i_].identifier = o_->identifier;                                                           \
			sv_[i_].key = o_->iri ? o_->iri : (o_->identifier ? o_->identifier : "");                      \
		}                                                                                                      \
		assign_slugs(b, sv_, (vecp)->n, fallback, NULL);                                                       \
		free(sv_);                                                                                             \
	} while (0)

static void slug_parts(struct catalog_builder *b, struct service *s)
{
	size_t n = s->nchannels + s->ncosts + s->noutputs + s->ninputs + s->nrequirements, k = 0, i;
	struct slugged *sv = calloc(n + 1, sizeof(*sv));
	const char *keys[5] = {"channel", "cost", "output", "evidence", "requirement"};
	char key[64];

	if (!sv) {
		oom(b, 0);
		return;
	}
	/* one namespace per kind of part, so "online" names a channel only */
	for (int kind = 0; kind < 5 && !b->failed; kind++) {
		size_t start = k;

		for (i = 0; kind == 0 && i < s->nchannels; i++, k++) {
			struct channel *c = (struct channel *)&s->channels[i];

			sv[k] = (struct slugged){&c->slug, c->identifier, NULL, NULL};
		}
		for (i = 0; kind == 1 && i < s->ncosts; i++, k++) {
			struct cost *c = (struct cost *)&s->costs[i];

			sv[k] = (struct slugged){&c->slug, c->identifier, NULL, NULL};
		}
		for (i = 0; kind == 2 && i < s->noutputs; i++, k++)
			sv[k] = (struct slugged){&((struct item *)&s->outputs[i])->slug, s->outputs[i].identifier, NULL,
						 NULL};
		for (i = 0; kind == 3 && i < s->ninputs; i++, k++)
			sv[k] = (struct slugged){&((struct item *)&s->inputs[i])->slug, s->inputs[i].identifier, NULL,
						 NULL};
		for (i = 0; kind == 4 && i < s->nrequirements; i++, k++)
			sv[k] = (struct slugged){&((struct item *)&s->requirements[i])->slug,
						 s->requirements[i].identifier, NULL, NULL};
		for (i = start; i < k; i++) {
			snprintf(key, sizeof(key), "%s-%zu", keys[kind], i - start + 1);
			sv[i].key = astr(b, key);
		}
		if (!b->failed)
			assign_slugs(b, sv + start, k - start, keys[kind], s->identifier);
	}
	free(sv);
}

static int cmp_service_slug(const void *a, const void *b)
{
	return strcmp((*(const struct service *const *)a)->slug, (*(const struct service *const *)b)->slug);
}
static int cmp_org_slug(const void *a, const void *b)
{
	return strcmp((*(const struct organisation *const *)a)->slug, (*(const struct organisation *const *)b)->slug);
}
static int cmp_event_slug(const void *a, const void *b)
{
	return strcmp((*(const struct event *const *)a)->slug, (*(const struct event *const *)b)->slug);
}
static int cmp_contact_slug(const void *a, const void *b)
{
	return strcmp((*(const struct contact_point *const *)a)->slug, (*(const struct contact_point *const *)b)->slug);
}
static int cmp_portal_slug(const void *a, const void *b)
{
	return strcmp((*(const struct portal *const *)a)->slug, (*(const struct portal *const *)b)->slug);
}
static int cmp_service_id(const void *a, const void *b)
{
	int c =
	    strcmp((*(const struct service *const *)a)->identifier, (*(const struct service *const *)b)->identifier);

	return c ? c : cmp_service_slug(a, b);
}
static int cmp_service_iri(const void *a, const void *b)
{
	return strcmp((*(const struct service *const *)a)->iri, (*(const struct service *const *)b)->iri);
}
static int cmp_org_iri(const void *a, const void *b)
{
	return strcmp((*(const struct organisation *const *)a)->iri, (*(const struct organisation *const *)b)->iri);
}

struct ptr_ix {
	const void *p;
	size_t i;
};

static int cmp_ptr_ix(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct ptr_ix *)a)->p, y = (uintptr_t)((const struct ptr_ix *)b)->p;

	return x < y ? -1 : x > y;
}

/* NULL when out of memory. */
static struct ptr_ix *ptr_index(const struct vec *v)
{
	struct ptr_ix *ix = calloc(v->n + 1, sizeof(*ix));
	size_t i;

	if (!ix)
		return NULL;
	for (i = 0; i < v->n; i++)
		ix[i] = (struct ptr_ix){v->v[i], i};
	qsort(ix, v->n, sizeof(*ix), cmp_ptr_ix);
	return ix;
}

static long ptr_find(const struct ptr_ix *ix, size_t n, const void *p)
{
	struct ptr_ix key = {p, 0};
	const struct ptr_ix *f = p ? bsearch(&key, ix, n, sizeof(*ix), cmp_ptr_ix) : NULL;

	return f ? (long)f->i : -1;
}

/* Links organisations and events back to their services. */
static void link_back(struct catalog_builder *b)
{
	struct ptr_ix *oix = ptr_index(&b->orgs), *eix = ptr_index(&b->events);
	size_t *norg = calloc(b->orgs.n + 1, sizeof(size_t)), *nev = calloc(b->events.n + 1, sizeof(size_t));
	size_t i, k;
	long j;

	if (!oix || !eix || !norg || !nev) {
		oom(b, 0);
		goto out;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (k = 0; pass == 1 && k < b->orgs.n; k++)
			((struct organisation *)b->orgs.v[k])->services =
			    aalloc(b, sizeof(struct service *) * (norg[k] + 1));
		for (k = 0; pass == 1 && k < b->events.n; k++)
			((struct event *)b->events.v[k])->services = aalloc(b, sizeof(struct service *) * (nev[k] + 1));
		if (b->failed)
			break;
		for (i = 0; i < b->services.n; i++) {
			const struct service *s = b->services.v[i];

			j = ptr_find(oix, b->orgs.n, s->authority);
			if (j >= 0 && pass == 0) {
				norg[j]++;
			} else if (j >= 0) {
				struct organisation *o = b->orgs.v[j];

				((const struct service **)o->services)[o->nservices++] = s;
			}
			for (k = 0; k < s->nevents; k++) {
				j = ptr_find(eix, b->events.n, s->events[k]);
				if (j >= 0 && pass == 0) {
					nev[j]++;
				} else if (j >= 0) {
					struct event *e = b->events.v[j];

					((const struct service **)e->services)[e->nservices++] = s;
				}
			}
		}
	}
out:
	free(oix);
	free(eix);
	free(norg);
	free(nev);
}

/* Events may name their services too (cv:hasRelatedService): add those
 * links where the service does not already name the event. */
static void link_related(struct catalog_builder *b)
{
	struct service **by_iri = calloc(b->services.n + 1, sizeof(*by_iri));
	size_t nb = 0, i, k;
	const char *id;
	json_t *node, *v;

	if (!by_iri) {
		oom(b, 0);
		return;
	}
	for (i = 0; i < b->services.n; i++)
		if (((struct service *)b->services.v[i])->iri)
			by_iri[nb++] = b->services.v[i];
	qsort(by_iri, nb, sizeof(*by_iri), cmp_service_iri);
	json_object_foreach(b->base.nodes, id, node)
	{
		struct event *e;

		e = node_kind(node) == CAT_EVENT ? memo_get(b, M_EVENT, id) : NULL;
		if (!e)
			continue;
		json_array_foreach(node_vals(node, NS_CV "hasRelatedService"), i, v)
		{
			struct service key = {.iri = val_ref(v)}, *kp = &key, **f;
			struct service *s;
			const struct event **evs;

			if (!key.iri)
				continue;
			f = bsearch(&kp, by_iri, nb, sizeof(*by_iri), cmp_service_iri);
			if (!f)
				continue;
			s = *f;
			for (k = 0; k < s->nevents; k++)
				if (s->events[k] == e)
					break;
			if (k < s->nevents)
				continue;
			evs = aalloc(b, sizeof(*evs) * (s->nevents + 1));
			if (!evs)
				goto out;
			if (s->nevents)
				memcpy(evs, s->events, sizeof(*evs) * s->nevents);
			evs[s->nevents++] = e;
			s->events = evs;
		}
	}
out:
	free(by_iri);
}

/* The address for documents signed with a secure e-signature: the e-mail of
 * such a channel of the organisation's own services, else its first
 * contact's. */
static const char *esign_address(const struct organisation *o)
{
	size_t i, k;

	for (i = 0; i < o->nservices; i++)
		for (k = 0; k < o->services[i]->nchannels; k++) {
			const struct channel *ch = &o->services[i]->channels[k];

			if (ch->type == CHANNEL_EMAIL_ESIGN && ch->email && (!ch->owner || ch->owner == o))
				return ch->email;
		}
	for (i = 0; i < o->ncontacts; i++)
		if (o->contacts[i]->emails.n)
			return o->contacts[i]->emails.v[0];
	return NULL;
}

static void sort_ptrs_by_slug(const struct service *const *v, size_t n, int (*cmp)(const void *, const void *))
{
	qsort((void *)v, n, sizeof(*v), cmp);
}

struct catalog *catalog_builder_finish(struct catalog_builder *b, struct err *err)
{
	struct catalog *c = NULL;
	struct catalog_index *ix;
	size_t i, k;

	b->err = err;
	if (b->failed || seal(b) != 0)
		goto out;
	/* each step allocates: a failure (b->failed) ends the build */
	link_related(b);
	if (!b->failed)
		link_back(b);
	if (!b->failed)
		SLUG_ALL(&b->services, struct service, "service");
	if (!b->failed)
		SLUG_ALL(&b->orgs, struct organisation, "organisation");
	if (!b->failed)
		SLUG_ALL(&b->events, struct event, "event");
	if (!b->failed)
		SLUG_ALL(&b->contacts, struct contact_point, "contact");
	if (!b->failed)
		SLUG_ALL(&b->portals, struct portal, "portal");
	for (i = 0; i < b->services.n && !b->failed; i++)
		slug_parts(b, b->services.v[i]);
	if (b->failed)
		goto out;
	c = aalloc(b, sizeof(*c));
	ix = aalloc(b, sizeof(*ix));
	if (!c || !ix)
		goto fail;
	c->index = ix;
	ix->a = b->a;
#define TAKE(field, nfield, vec, cmp)                                                                                  \
	do {                                                                                                           \
		void **p_ = aalloc(b, sizeof(void *) * ((vec).n + 1));                                                 \
		if (!p_)                                                                                               \
			goto fail;                                                                                     \
		if ((vec).n)                                                                                           \
			memcpy(p_, (vec).v, sizeof(void *) * (vec).n);                                                 \
		qsort(p_, (vec).n, sizeof(void *), cmp);                                                               \
		c->field = (const void *)p_;                                                                           \
		c->nfield = (vec).n;                                                                                   \
	} while (0)
	TAKE(services, nservices, b->services, cmp_service_slug);
	TAKE(orgs, norgs, b->orgs, cmp_org_slug);
	TAKE(events, nevents, b->events, cmp_event_slug);
	TAKE(contacts, ncontacts, b->contacts, cmp_contact_slug);
	TAKE(portals, nportals, b->portals, cmp_portal_slug);
#undef TAKE
	for (i = 0; i < c->norgs; i++) {
		sort_ptrs_by_slug(c->orgs[i]->services, c->orgs[i]->nservices, cmp_service_slug);
		((struct organisation *)c->orgs[i])->official_email = esign_address(c->orgs[i]);
	}
	for (i = 0; i < c->nevents; i++)
		sort_ptrs_by_slug(c->events[i]->services, c->events[i]->nservices, cmp_service_slug);
	ix->by_id = aalloc(b, sizeof(*ix->by_id) * (c->nservices + 1));
	ix->by_iri = aalloc(b, sizeof(*ix->by_iri) * (c->nservices + 1));
	ix->orgs_by_iri = aalloc(b, sizeof(*ix->orgs_by_iri) * (c->norgs + 1));
	if (!ix->by_id || !ix->by_iri || !ix->orgs_by_iri)
		goto fail;
	memcpy(ix->by_id, c->services, sizeof(*ix->by_id) * c->nservices);
	qsort(ix->by_id, c->nservices, sizeof(*ix->by_id), cmp_service_id);
	for (i = k = 0; i < c->nservices; i++)
		if (c->services[i]->iri)
			ix->by_iri[k++] = c->services[i];
	ix->nby_iri = k;
	qsort(ix->by_iri, k, sizeof(*ix->by_iri), cmp_service_iri);
	for (i = k = 0; i < c->norgs; i++)
		if (c->orgs[i]->iri)
			ix->orgs_by_iri[k++] = c->orgs[i];
	ix->norgs_by_iri = k;
	qsort(ix->orgs_by_iri, k, sizeof(*ix->orgs_by_iri), cmp_org_iri);
	b->a = NULL; /* the catalog owns the arena now */
	goto out;
fail:
	c = NULL; /* it lived in the arena, which goes with b */
out:
	catalog_builder_free(b);
	return c;
}

struct catalog *catalog_from_doc(const struct cat_doc *doc, struct err *err)
{
	struct catalog_builder *b = catalog_builder_new();
	size_t i;
	int pass;

	if (!b) {
		err_set(err, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < doc->n; i++) {
			int is_service = doc->rec[i].kind == CAT_SERVICE;

			if (is_service != pass)
				continue;
			if (catalog_builder_add(b, cat_kind_name(doc->rec[i].kind), doc->rec[i].body, err) != 0) {
				catalog_builder_free(b);
				return NULL;
			}
		}
	}
	return catalog_builder_finish(b, err);
}

void catalog_free(struct catalog *c)
{
	if (c)
		arena_free(c->index->a); /* c itself lives in the arena */
}
