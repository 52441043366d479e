/* jsonld.c — reading CPSV-AP documents (see jsonld.h): the helpers, literals
 * and value accessors the other parts share, and the document entry points.
 * The parts: cpsv_context.c (the official context), expand.c (expansion),
 * nodemap.c (node maps and records), turtle.c (Turtle).
 *
 * The expansion follows the JSON-LD 1.1 expansion algorithm closely enough
 * for what catalogs contain; what it leaves out (remote contexts other than
 * the official CPSV-AP one, @import, @json literals' canonical form, graph
 * containers) is refused or treated plainly, never guessed. Every error
 * names the node (@id as written) and the key.
 */
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

#include "core/file.h"

/* ---- small helpers ---- */

static const char *const kind_names[CAT_NKINDS] = {
    "service",  "organisation", "event",  "contact", "channel", "cost",     "output",
    "evidence", "requirement",  "portal", "dataset", "concept", "location", "other",
};

const char *cat_kind_name(enum cat_kind k)
{
	return (unsigned)k < CAT_NKINDS ? kind_names[k] : "other";
}

const char *const cat_prefixes[][2] = {
    {"adms", NS_ADMS},     {"cpsv", NS_CPSV}, {"cv", NS_CV},     {"dcat", NS_DCAT}, {"dct", NS_DCT}, {"eli", NS_ELI},
    {"epak", NS_EPAK},     {"foaf", NS_FOAF}, {"locn", NS_LOCN}, {"org", NS_ORG},   {"rdf", NS_RDF}, {"rdfs", NS_RDFS},
    {"schema", NS_SCHEMA}, {"skos", NS_SKOS}, {"time", NS_TIME}, {"xsd", NS_XSD},   {NULL, NULL},
};

/* The one place command-only code (expansion, records, Turtle: what
 * `epak import` and `epak export` run, never the server) stops on an
 * allocation failure; see CODE_STYLE.md, "Out of memory". The command's
 * transaction rolls back with the process. */
void cat_oom(void)
{
	fputs("epak: out of memory\n", stderr);
	abort();
}

char *cat_xstrdup(const char *s)
{
	char *p = s ? strdup(s) : NULL;

	if (s && !p)
		cat_oom();
	return p;
}

char *cat_strcat2(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *p = malloc(na + nb + 1);

	if (!p)
		return NULL;
	memcpy(p, a, na);
	memcpy(p + na, b, nb + 1);
	return p;
}

char *cat_xstrcat2(const char *a, const char *b)
{
	char *p = cat_strcat2(a, b);

	if (!p)
		cat_oom();
	return p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj, sorted (the array is malloc'd; the strings are borrowed);
 * NULL when out of memory. */
const char **cat_keys_sorted(const json_t *obj, size_t *n)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(obj);
	keys = calloc(*n ? *n : 1, sizeof(*keys));
	if (!keys)
		return NULL;
	json_object_foreach((json_t *)obj, k, v)
	{
		(void)v;
		keys[i++] = k;
	}
	qsort(keys, *n, sizeof(*keys), cmp_str);
	return keys;
}

const char **cat_sorted_keys(const json_t *obj, size_t *n)
{
	const char **keys = cat_keys_sorted(obj, n);

	if (!keys)
		cat_oom();
	return keys;
}

int iri_is_blank(const char *id)
{
	return id && id[0] == '_' && id[1] == ':';
}

int iri_is_skolem(const char *id)
{
	return id && strncmp(id, SKOLEM_PREFIX, sizeof(SKOLEM_PREFIX) - 1) == 0;
}

int iri_is_absolute(const char *s)
{
	const char *p = s;

	if (!s || !isalpha((unsigned char)*p))
		return 0;
	while (*p && (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.'))
		p++;
	return *p == ':';
}

int jsonld_is_keyword(const char *s)
{
	static const char *const kw[] = {
	    "@base", "@container",   "@context",  "@default",  "@direction", "@embed",     "@explicit",   "@graph",
	    "@id",   "@import",      "@included", "@index",    "@json",      "@language",  "@list",       "@nest",
	    "@none", "@omitDefault", "@prefix",   "@preserve", "@propagate", "@protected", "@requireAll", "@reverse",
	    "@set",  "@type",        "@value",    "@version",  "@vocab",     NULL};
	size_t i;

	for (i = 0; kw[i]; i++)
		if (!strcmp(s, kw[i]))
			return 1;
	return 0;
}

/* "@" followed by letters only: reserved for future keywords, ignored. */
int jsonld_looks_like_keyword(const char *s)
{
	const char *p = s;

	if (*p++ != '@' || !*p)
		return 0;
	for (; *p; p++)
		if (!isalpha((unsigned char)*p))
			return 0;
	return 1;
}

const char *iri_last_segment(const char *iri, size_t *len)
{
	size_t n = strlen(iri), end = n, i;

	while (end > 0 && (iri[end - 1] == '/' || iri[end - 1] == '#'))
		end--;
	for (i = end; i > 0; i--)
		if (iri[i - 1] == '/' || iri[i - 1] == '#' || iri[i - 1] == ':')
			break;
	if (i == end) { /* nothing usable: the whole string */
		*len = n;
		return iri;
	}
	*len = end - i;
	return iri + i;
}

const char *iri_compact(const char *iri, char *out, size_t n)
{
	return iri_compact_skipping(iri, NULL, out, n);
}

const char *iri_compact_skipping(const char *iri, const int *skip, char *out, size_t n)
{
	size_t i, best = (size_t)-1, blen = 0;

	for (i = 0; cat_prefixes[i][0]; i++) {
		size_t l = strlen(cat_prefixes[i][1]);

		if ((!skip || !skip[i]) && strncmp(iri, cat_prefixes[i][1], l) == 0 && iri[l] && l > blen) {
			best = i;
			blen = l;
		}
	}
	if (best == (size_t)-1)
		return iri;
	snprintf(out, n, "%s:%s", cat_prefixes[best][0], iri + blen);
	return out;
}

/* ---- literals ---- */

void xsd_double_canonical(double d, char *out, size_t n)
{
	char tmp[64], *e, *m;
	long ex;
	size_t len;

	if (isnan(d)) {
		snprintf(out, n, "NaN");
		return;
	}
	if (isinf(d)) {
		snprintf(out, n, d < 0 ? "-INF" : "INF");
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.15E", d); /* "1.650000000000000E+01" */
	e = strchr(tmp, 'E');
	if (!e) {
		snprintf(out, n, "%s", tmp);
		return;
	}
	*e = '\0';
	ex = strtol(e + 1, NULL, 10);
	m = tmp;
	len = strlen(m);
	while (len > 2 && m[len - 1] == '0' && m[len - 2] != '.')
		m[--len] = '\0';
	snprintf(out, n, "%sE%ld", m, ex);
}

int lexical_number(const char *s, double *out)
{
	char *end = NULL;
	double d;

	if (!s || !*s || isspace((unsigned char)*s))
		return 0;
	errno = 0;
	d = strtod(s, &end);
	if (errno || !end || *end || !isfinite(d))
		return 0;
	/* strtod also reads hex floats and "inf"; xsd numbers are decimal */
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !strchr("+-.eE", *s))
			return 0;
	if (out)
		*out = d;
	return 1;
}

int xsd_duration_valid(const char *s)
{
	static const char date_units[] = "YMD", time_units[] = "HMS";
	const char *p = s;
	int any = 0, in_time = 0, ui = 0;

	if (!s)
		return 0;
	if (*p == '-')
		p++;
	if (*p++ != 'P')
		return 0;
	while (*p) {
		const char *units = in_time ? time_units : date_units;
		int digits = 0, dot = 0;
		const char *u;

		if (*p == 'T') {
			if (in_time)
				return 0;
			in_time = 1;
			ui = 0;
			p++;
			if (!*p)
				return 0; /* "T" needs a time part */
			continue;
		}
		while (isdigit((unsigned char)*p) || (*p == '.' && in_time && !dot)) {
			if (*p == '.')
				dot = 1;
			else
				digits++;
			p++;
		}
		if (!digits || !*p)
			return 0;
		u = strchr(units + ui, *p);
		if (!u || (dot && *p != 'S'))
			return 0;
		ui = (int)(u - units) + 1;
		any = 1;
		p++;
	}
	return any;
}

/* A value object in the form the node map keeps (see jsonld.h). */
json_t *cat_canonical_value(const json_t *v)
{
	json_t *out = json_object(), *val = json_object_get(v, "@value");
	const char *type = json_string_value(json_object_get(v, "@type"));
	const char *lang = json_string_value(json_object_get(v, "@language"));
	char buf[64];

	if (json_is_string(val)) {
		json_object_set(out, "@value", val);
	} else if (json_is_boolean(val)) {
		json_object_set_new(out, "@value", json_string(json_is_true(val) ? "true" : "false"));
		if (!type)
			type = NS_XSD "boolean";
	} else if (json_is_integer(val) && (!type || strcmp(type, NS_XSD "double") != 0)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(val));
		json_object_set_new(out, "@value", json_string(buf));
		if (!type)
			type = NS_XSD "integer";
	} else if (json_is_number(val)) {
		double d = json_number_value(val);

		if (!type && d == floor(d) && fabs(d) < 1e18) {
			snprintf(buf, sizeof(buf), "%lld", (long long)d);
			type = NS_XSD "integer";
		} else {
			xsd_double_canonical(d, buf, sizeof(buf));
			if (!type)
				type = NS_XSD "double";
		}
		json_object_set_new(out, "@value", json_string(buf));
	} else {
		/* @json literals and anything else: their JSON text */
		char *s = json_dumps(val, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

		json_object_set_new(out, "@value", json_string(s ? s : ""));
		free(s);
		if (!type)
			type = NS_RDF "JSON";
	}
	if (!out)
		return NULL;
	if (lang) {
		char *l = strdup(lang), *p;

		if (!l) {
			json_decref(out);
			return NULL;
		}
		for (p = l; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		json_object_set_new(out, "@language", json_string(l));
		free(l);
	} else if (type && strcmp(type, NS_XSD "string") != 0) {
		json_object_set_new(out, "@type", json_string(type));
	}
	return out;
}

/* ---- value accessors ---- */

json_t *node_vals(const json_t *node, const char *prop)
{
	json_t *a = json_object_get(node, prop);

	return json_is_array(a) && json_array_size(a) ? a : NULL;
}

const char *val_id(const json_t *v)
{
	return json_string_value(json_object_get(v, "@id"));
}

const char *val_str(const json_t *v)
{
	return json_string_value(json_object_get(v, "@value"));
}

const char *val_lang(const json_t *v)
{
	return json_string_value(json_object_get(v, "@language"));
}

const char *val_type(const json_t *v)
{
	return json_object_get(v, "@value") ? json_string_value(json_object_get(v, "@type")) : NULL;
}

int literal_is_iri(const char *s)
{
	return s && iri_is_absolute(s) && !strpbrk(s, " \t\r\n<>\"{}|\\^`");
}

const char *val_ref(const json_t *v)
{
	const char *s = val_id(v);

	if (s)
		return s;
	s = val_str(v);
	return s && !val_lang(v) && literal_is_iri(s) ? s : NULL;
}

const char *node_id(const json_t *node)
{
	return json_string_value(json_object_get(node, "@id"));
}

int node_has_type(const json_t *node, const char *type)
{
	json_t *t = json_object_get(node, "@type"), *v;
	size_t i;

	json_array_foreach(t, i, v)
	{
		if (json_is_string(v) && !strcmp(json_string_value(v), type))
			return 1;
	}
	return 0;
}

static const struct {
	const char *type;
	enum cat_kind kind;
} kind_types[] = {
    {NS_CPSV "PublicService", CAT_SERVICE},
    {NS_CV "PublicOrganisation", CAT_ORGANISATION},
    {NS_CV "LifeEvent", CAT_EVENT},
    {NS_CV "BusinessEvent", CAT_EVENT},
    {NS_CV "Event", CAT_EVENT},
    {NS_CV "ContactPoint", CAT_CONTACT},
    {NS_SCHEMA "ContactPoint", CAT_CONTACT},
    {NS_SCHEMA_HTTP "ContactPoint", CAT_CONTACT},
    {NS_CV "Channel", CAT_CHANNEL},
    {NS_CV "Cost", CAT_COST},
    {NS_CV "Output", CAT_OUTPUT},
    {NS_CV "Evidence", CAT_EVIDENCE},
    {NS_CV "Requirement", CAT_REQUIREMENT},
    {NS_CV "CriterionRequirement", CAT_REQUIREMENT},
    {NS_EPAK "Portal", CAT_PORTAL},
    {NS_DCAT "Dataset", CAT_DATASET},
    {NS_SKOS "Concept", CAT_CONCEPT},
    {NS_DCT "Location", CAT_LOCATION},
};

enum cat_kind node_kind(const json_t *node)
{
	enum cat_kind best = CAT_OTHER;
	size_t i;

	for (i = 0; i < sizeof(kind_types) / sizeof(kind_types[0]); i++)
		if (kind_types[i].kind < best && node_has_type(node, kind_types[i].type))
			best = kind_types[i].kind;
	return best;
}

/* Named nodes of these kinds (or types) are inlined into the one node that
 * refers to them: they are parts of it. */
int cat_is_part(const json_t *node)
{
	static const char *const whole[] = {NS_CPSV "PublicService",
					    NS_CV "PublicOrganisation",
					    NS_CV "LifeEvent",
					    NS_CV "BusinessEvent",
					    NS_CV "Event",
					    NS_CV "ContactPoint",
					    NS_SCHEMA "ContactPoint",
					    NS_SCHEMA_HTTP "ContactPoint",
					    NS_EPAK "Portal",
					    NULL};
	size_t i;

	/* a node that is also something whole is not anyone's part */
	for (i = 0; whole[i]; i++)
		if (node_has_type(node, whole[i]))
			return 0;
	switch (node_kind(node)) {
	case CAT_CHANNEL:
	case CAT_COST:
	case CAT_OUTPUT:
	case CAT_EVIDENCE:
	case CAT_REQUIREMENT: return 1;
	case CAT_OTHER:
		return node_has_type(node, NS_TIME "TemporalEntity") || node_has_type(node, NS_LOCN "Address") ||
		       node_has_type(node, NS_SCHEMA "OpeningHoursSpecification");
	default: return 0;
	}
}

static const struct {
	const char *prop;
	const char *role;
} roles[] = {
    {NS_CV "hasChannel", "channel"},
    {NS_CV "hasCost", "cost"},
    {NS_CPSV "produces", "output"},
    {NS_CPSV "hasInput", "evidence"},
    {NS_CV "holdsRequirement", "requirement"},
    {NS_CV "hasCriterion", "requirement"},
    {NS_CV "contactPoint", "contact"},
    {NS_CV "hasContactPoint", "contact"},
    {NS_SCHEMA "contactPoint", "contact"},
    {NS_CV "isGroupedBy", "event"},
    {NS_CV "hasCompetentAuthority", "organisation"},
    {NS_CV "ownedBy", "organisation"},
    {NS_CV "isDefinedBy", "organisation"},
    {NS_CV "hasSupportingEvidence", "evidence"},
};

const char *cat_role_of_property(const char *prop)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(prop, roles[i].prop))
			return roles[i].role;
	return NULL;
}

char *cat_derived_identifier(const char *iri, const char *parent_identifier, const char *role, size_t n)
{
	char buf[64];
	size_t len;
	const char *seg;
	char *out;

	if (iri && !iri_is_blank(iri)) {
		seg = iri_last_segment(iri, &len);
		out = malloc(len + 1);
		if (!out)
			return NULL;
		memcpy(out, seg, len);
		out[len] = '\0';
		return out;
	}
	snprintf(buf, sizeof(buf), "/%s-%zu", role ? role : "part", n);
	return cat_strcat2(parent_identifier ? parent_identifier : "", buf);
}

static void note_parents(json_t *parents, const char *pid, const char *prop, json_t *vals)
{
	json_t *v;
	size_t i;

	json_array_foreach(vals, i, v)
	{
		const char *r = val_id(v);

		if (r && iri_is_blank(r) && !json_object_get(parents, r)) {
			json_t *e = json_object();

			json_object_set_new(e, "p", json_string(pid));
			json_object_set_new(e, "prop", json_string(prop));
			json_object_set_new(e, "i", json_integer((json_int_t)i));
			json_object_set_new(parents, r, e);
		} else if (json_object_get(v, "@list")) {
			note_parents(parents, pid, prop, json_object_get(v, "@list"));
		}
	}
}

json_t *nodemap_parents(const json_t *nodes)
{
	json_t *parents = json_object(), *node;
	const char **ids, **props;
	size_t n, i, np, j;

	ids = cat_keys_sorted(nodes, &n);
	if (!parents || !ids)
		goto fail;
	for (i = 0; i < n; i++) {
		node = json_object_get(nodes, ids[i]);
		props = cat_keys_sorted(node, &np);
		if (!props)
			goto fail;
		for (j = 0; j < np; j++)
			if (props[j][0] != '@')
				note_parents(parents, ids[i], props[j], json_object_get(node, props[j]));
		free(props);
	}
	free(ids);
	return parents;
fail:
	free(ids);
	json_decref(parents);
	return NULL;
}

static char *identifier_rec(const json_t *nodes, const json_t *parents, const char *id, int depth)
{
	const json_t *node = json_object_get(nodes, id), *e, *v;
	char *pident, *out;
	size_t i;

	json_array_foreach(node_vals(node, NS_DCT "identifier"), i, v)
	{
		if (val_str(v))
			return strdup(val_str(v));
	}
	if (!iri_is_blank(id))
		return cat_derived_identifier(id, NULL, NULL, 0);
	e = json_object_get(parents, id);
	if (!e || depth > 32)
		return cat_derived_identifier(NULL, "", "part", 0);
	pident = identifier_rec(nodes, parents, json_string_value(json_object_get(e, "p")), depth + 1);
	if (!pident)
		return NULL;
	out = cat_derived_identifier(NULL, pident, cat_role_of_property(json_string_value(json_object_get(e, "prop"))),
				     (size_t)json_integer_value(json_object_get(e, "i")) + 1);
	free(pident);
	return out;
}

char *nodemap_identifier(const json_t *nodes, const json_t *parents, const char *id)
{
	return identifier_rec(nodes, parents, id, 0);
}

static const struct cat_own_concept own_concepts[] = {
    {EPAK_CHANNEL_TYPE, "online", "Tiešsaistē (e-pakalpojums)", "Online (e-service)"},
    {EPAK_CHANNEL_TYPE, "in-person", "Klātienē", "In person"},
    {EPAK_CHANNEL_TYPE, "phone", "Pa tālruni", "By phone"},
    {EPAK_CHANNEL_TYPE, "post", "Pa pastu", "By post"},
    {EPAK_CHANNEL_TYPE, "email-esign", "E-pastā ar drošu e-parakstu", "By e-mail signed with a qualified e-signature"},
    {EPAK_CHANNEL_TYPE, "email", "E-pastā", "By e-mail"},
    {EPAK_AUDIENCE, "citizen", "Iedzīvotāji", "Citizens and residents"},
    {EPAK_AUDIENCE, "business", "Uzņēmēji", "Businesses"},
    {EPAK_STATUS, "active", "Darbojas", "Active"},
};

const struct cat_own_concept *cat_own_concept(const char *scheme, const char *notation)
{
	size_t i;

	for (i = 0; notation && i < sizeof(own_concepts) / sizeof(own_concepts[0]); i++)
		if (!strcmp(own_concepts[i].scheme, scheme) && !strcasecmp(own_concepts[i].notation, notation))
			return &own_concepts[i];
	return NULL;
}

const struct cat_own_concept *cat_own_concept_by_iri(const char *iri)
{
	size_t i, l;

	for (i = 0; iri && i < sizeof(own_concepts) / sizeof(own_concepts[0]); i++) {
		l = strlen(own_concepts[i].scheme);
		if (!strncmp(iri, own_concepts[i].scheme, l) && !strcmp(iri + l, own_concepts[i].notation))
			return &own_concepts[i];
	}
	return NULL;
}

char *cat_own_concept_iri(const struct cat_own_concept *c)
{
	return cat_strcat2(c->scheme, c->notation);
}

/* ---- documents ---- */

/* JSON-LD from parsed JSON (consumed): each stage's input is freed as soon
 * as the next stage has it, so a large file is held about twice, not four
 * times. */
static struct cat_doc *doc_from_json(json_t *json, struct err *err)
{
	struct nodemap m;
	struct cat_doc *doc = NULL;
	json_t *expanded;

	if (!json_is_object(json) && !json_is_array(json)) {
		err_set(err, ERR_VALIDATION, "a JSON-LD document is an object or an array");
		json_decref(json);
		return NULL;
	}
	expanded = jsonld_expand(json, err);
	json_decref(json);
	if (!expanded)
		return NULL;
	nodemap_init(&m);
	if (nodemap_add(&m, expanded, err) == 0) {
		json_decref(expanded);
		expanded = NULL;
		nodemap_finish(&m);
		doc = nodemap_records(&m, err);
	}
	json_decref(expanded);
	nodemap_clear(&m);
	return doc;
}

static enum cat_syntax guess_syntax(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len && isspace((unsigned char)text[i]); i++)
		;
	return i < len && (text[i] == '{' || text[i] == '[') ? CAT_SYNTAX_JSONLD : CAT_SYNTAX_TURTLE;
}

static struct cat_doc *doc_from_turtle(const char *text, size_t len, struct err *err)
{
#ifdef HAVE_SERD
	struct nodemap m;
	struct cat_doc *doc = NULL;

	nodemap_init(&m);
	if (cat_turtle_read(&m, text, len, err) == 0) {
		nodemap_finish(&m);
		doc = nodemap_records(&m, err);
	}
	nodemap_clear(&m);
	return doc;
#else
	(void)text;
	(void)len;
	err_set(err, ERR_VALIDATION,
		"Turtle is not supported by this build (it needs serd: libserd-dev and serd-0 in PKGS)");
	return NULL;
#endif
}

static json_t *load_json(const char *text, size_t len, struct err *err)
{
	json_error_t jerr;
	json_t *json = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);

	if (!json)
		err_set(err, ERR_VALIDATION, "JSON syntax error at line %d, column %d: %s", jerr.line, jerr.column,
			jerr.text);
	return json;
}

struct cat_doc *cat_doc_parse(const char *text, size_t len, enum cat_syntax syntax, struct err *err)
{
	json_t *json;

	err_clear(err);
	if (len > CAT_MAX_FILE) {
		err_set(err, ERR_VALIDATION, "larger than %zu bytes", (size_t)CAT_MAX_FILE);
		return NULL;
	}
	if (syntax == CAT_SYNTAX_GUESS)
		syntax = guess_syntax(text, len);
	if (syntax == CAT_SYNTAX_TURTLE)
		return doc_from_turtle(text, len, err);
	json = load_json(text, len, err);
	return json ? doc_from_json(json, err) : NULL;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

struct cat_doc *cat_doc_load(const char *path, struct err *err)
{
	enum cat_syntax syntax = CAT_SYNTAX_GUESS;
	struct cat_doc *doc = NULL;
	struct err e = {0};
	char *text = NULL;
	size_t len = 0;
	int rc;

	err_clear(err);
	rc = file_read(path, CAT_MAX_FILE, &text, &len);
	if (rc == -EFBIG) {
		err_set(err, ERR_VALIDATION, "%s: larger than %zu bytes", path, (size_t)CAT_MAX_FILE);
		return NULL;
	}
	if (rc < 0) {
		err_set(err, ERR_INTERNAL, "%s: %s", path, rc == -ENOMEM ? "out of memory" : strerror(-rc));
		return NULL;
	}
	if (has_suffix(path, ".ttl") || has_suffix(path, ".turtle") || has_suffix(path, ".nt"))
		syntax = CAT_SYNTAX_TURTLE;
	else if (has_suffix(path, ".jsonld") || has_suffix(path, ".json"))
		syntax = CAT_SYNTAX_JSONLD;
	else
		syntax = guess_syntax(text ? text : "", len);
	err_clear(&e);
	if (syntax == CAT_SYNTAX_JSONLD) {
		/* the text goes as soon as it is parsed */
		json_t *json = load_json(text ? text : "", len, &e);

		free(text);
		text = NULL;
		doc = json ? doc_from_json(json, &e) : NULL;
	} else {
		doc = doc_from_turtle(text ? text : "", len, &e);
	}
	if (!doc)
		err_set(err, ERR_VALIDATION, "%.300s: %.700s", path, e.msg);
	free(text);
	return doc;
}
