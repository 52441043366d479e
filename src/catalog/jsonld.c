/* jsonld.c — JSON-LD expansion, node maps, records, Turtle (see jsonld.h).
 *
 * The expansion follows the JSON-LD 1.1 expansion algorithm closely enough
 * for what catalogs contain; what it leaves out (remote contexts other than
 * the official CPSV-AP one, @import, @json literals' canonical form, graph
 * containers) is refused or treated plainly, never guessed. Every error
 * names the node (@id as written) and the key.
 */
#include "catalog/jsonld.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#if defined(__has_include)
#if __has_include(<serd/serd.h>)
#include <serd/serd.h>
#define HAVE_SERD 1
#endif
#endif

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

static char *xstrdup(const char *s)
{
	char *p = s ? strdup(s) : NULL;

	if (s && !p)
		abort(); /* out of memory: nothing sensible to do in a parser */
	return p;
}

static char *xstrcat2(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *p = malloc(na + nb + 1);

	if (!p)
		abort();
	memcpy(p, a, na);
	memcpy(p + na, b, nb + 1);
	return p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj, sorted (the array is malloc'd; the strings are borrowed). */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(obj);
	keys = calloc(*n ? *n : 1, sizeof(*keys));
	if (!keys)
		abort();
	json_object_foreach((json_t *)obj, k, v)
	{
		(void)v;
		keys[i++] = k;
	}
	qsort(keys, *n, sizeof(*keys), cmp_str);
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

static int is_keyword(const char *s)
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
static int looks_like_keyword(const char *s)
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

void cat_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	static const char hex[] = "0123456789abcdef";
	unsigned i;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		abort();
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
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
static json_t *canonical_value(const json_t *v)
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
	if (lang) {
		char *l = xstrdup(lang), *p;

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
static int is_part(const json_t *node)
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
			abort();
		memcpy(out, seg, len);
		out[len] = '\0';
		return out;
	}
	snprintf(buf, sizeof(buf), "/%s-%zu", role ? role : "part", n);
	return xstrcat2(parent_identifier ? parent_identifier : "", buf);
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

	ids = sorted_keys(nodes, &n);
	for (i = 0; i < n; i++) {
		node = json_object_get(nodes, ids[i]);
		props = sorted_keys(node, &np);
		for (j = 0; j < np; j++)
			if (props[j][0] != '@')
				note_parents(parents, ids[i], props[j], json_object_get(node, props[j]));
		free(props);
	}
	free(ids);
	return parents;
}

static char *identifier_rec(const json_t *nodes, const json_t *parents, const char *id, int depth)
{
	const json_t *node = json_object_get(nodes, id), *e, *v;
	char *pident, *out;
	size_t i;

	json_array_foreach(node_vals(node, NS_DCT "identifier"), i, v)
	{
		if (val_str(v))
			return xstrdup(val_str(v));
	}
	if (!iri_is_blank(id))
		return cat_derived_identifier(id, NULL, NULL, 0);
	e = json_object_get(parents, id);
	if (!e || depth > 32)
		return cat_derived_identifier(NULL, "", "part", 0);
	pident = identifier_rec(nodes, parents, json_string_value(json_object_get(e, "p")), depth + 1);
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
	return xstrcat2(c->scheme, c->notation);
}

/* ---- the official CPSV-AP 3.2.0 context, embedded ----
 * Every term of releases/3.2.0/context/cpsv-ap.jsonld: the class names and
 * the "Class.property" keys with their type coercion. The @container @set
 * of the original changes nothing in expansion and is left out. The unit
 * test compares this table with the file itself. */
static const struct ctx_term {
	const char *term;
	const char *iri;
	const char *type; /* "@id", a datatype IRI, or NULL */
} cpsv_ap_context[] = {
    {"Address", NS_LOCN "Address", NULL},
    {"Address.addressArea", NS_LOCN "addressArea", NS_RDF "langString"},
    {"Address.addressId", NS_LOCN "addressId", NULL},
    {"Address.administrativeUnitLevel1", NS_LOCN "adminUnitL1", NS_RDF "langString"},
    {"Address.administrativeUnitLevel2", NS_LOCN "adminUnitL2", NS_RDF "langString"},
    {"Address.fullAddress", NS_LOCN "fullAddress", NS_RDF "langString"},
    {"Address.locatorDesignator", NS_LOCN "locatorDesignator", NULL},
    {"Address.locatorName", NS_LOCN "locatorName", NS_RDF "langString"},
    {"Address.postCode", NS_LOCN "postCode", NULL},
    {"Address.postName", NS_LOCN "postName", NS_RDF "langString"},
    {"Address.postOfficeBox", NS_LOCN "poBox", NULL},
    {"Address.thoroughfare", NS_LOCN "thoroughfare", NS_RDF "langString"},
    {"Agent", NS_FOAF "Agent", NULL},
    {"Agent.address", NS_LOCN "address", "@id"},
    {"Agent.identifier", NS_DCT "identifier", NULL},
    {"Agent.name", NS_DCT "title", NS_RDF "langString"},
    {"Agent.participates", NS_CV "participates", "@id"},
    {"BusinessEvent", NS_CV "BusinessEvent", NULL},
    {"BusinessEvent.type", NS_DCT "type", "@id"},
    {"Channel", NS_CV "Channel", NULL},
    {"Channel.availabilityRestriction", NS_CV "specialOpeningHoursSpecification", "@id"},
    {"Channel.description", NS_DCT "description", NS_RDF "langString"},
    {"Channel.hasInput", NS_CPSV "hasInput", "@id"},
    {"Channel.identifier", NS_DCT "identifier", NULL},
    {"Channel.openingHours", NS_CV "openingHours", "@id"},
    {"Channel.ownedBy", NS_CV "ownedBy", "@id"},
    {"Channel.processingTime", NS_CV "processingTime", NS_XSD "duration"},
    {"Channel.type", NS_DCT "type", "@id"},
    {"Code", NS_SKOS "Concept", NULL},
    {"Collection", NS_SKOS "Collection", NULL},
    {"Collection.member", NS_SKOS "member", "@id"},
    {"Concept", NS_SKOS "Concept", NULL},
    {"ConcessionContract",
     "http://data.europa.eu/a4g/ontology#"
     "ConcessionContract",
     NULL},
    {"ContactPoint", NS_CV "ContactPoint", NULL},
    {"ContactPoint.availabilityRestriction", NS_CV "specialOpeningHoursSpecification", "@id"},
    {"ContactPoint.contactPage", NS_CV "contactPage", "@id"},
    {"ContactPoint.hasEmail", NS_CV "email", NULL},
    {"ContactPoint.hasTelephone", NS_CV "telephone", NULL},
    {"ContactPoint.openingHours", NS_CV "openingHours", "@id"},
    {"Cost", NS_CV "Cost", NULL},
    {"Cost.currency", NS_CV "currency", "@id"},
    {"Cost.description", NS_DCT "description", NS_RDF "langString"},
    {"Cost.hasValue", NS_CV "hasValue", NS_XSD "double"},
    {"Cost.identifier", NS_DCT "identifier", NULL},
    {"Cost.ifAccessedThrough", NS_CV "ifAccessedThrough", "@id"},
    {"Cost.isDefinedBy", NS_CV "isDefinedBy", "@id"},
    {"Dataset", NS_DCAT "Dataset", NULL},
    {"Dataset.description", NS_DCT "description", NS_RDF "langString"},
    {"Dataset.hasPart", NS_DCT "hasPart", "@id"},
    {"Dataset.identifier", NS_DCT "identifier", NULL},
    {"Dataset.landingPage", NS_DCAT "landingPage", "@id"},
    {"Dataset.publisher", NS_DCT "publisher", "@id"},
    {"Dataset.title", NS_DCT "title", NS_RDF "langString"},
    {"Document", NS_FOAF "Document", NULL},
    {"Double", NS_XSD "double", NULL},
    {"Duration", NS_XSD "duration", NULL},
    {"Event", NS_CV "Event", NULL},
    {"Event.description", NS_DCT "description", NS_RDF "langString"},
    {"Event.hasRelatedService", NS_CV "hasRelatedService", "@id"},
    {"Event.identifier", NS_DCT "identifier", NULL},
    {"Event.name", NS_DCT "title", NS_RDF "langString"},
    {"Evidence", NS_CV "Evidence", NULL},
    {"Evidence.description", NS_DCT "description", NS_RDF "langString"},
    {"Evidence.identifier", NS_DCT "identifier", NULL},
    {"Evidence.isConformantTo", NS_DCT "conformsTo", "@id"},
    {"Evidence.isPartOf", NS_DCT "isPartOf", "@id"},
    {"Evidence.language", NS_DCT "language", "@id"},
    {"Evidence.name", NS_DCT "title", NS_RDF "langString"},
    {"Evidence.relatedDocumentation", NS_FOAF "page", "@id"},
    {"Evidence.supportsRequirement", NS_CV "supportsRequirement", "@id"},
    {"Evidence.type", NS_DCT "type", "@id"},
    {"EvidenceType", NS_CV "EvidenceType", NULL},
    {"EvidenceType.evidenceTypeClassification", NS_CV "evidenceTypeClassification", "@id"},
    {"EvidenceType.identifier", NS_DCT "identifier", NULL},
    {"LegalResource", NS_ELI "LegalResource", NULL},
    {"LegalResource.related", NS_DCT "relation", "@id"},
    {"LifeEvent", NS_CV "LifeEvent", NULL},
    {"LifeEvent.type", NS_DCT "type", "@id"},
    {"LinguisticSystem", NS_DCT "LinguisticSystem", NULL},
    {"Literal", NS_RDFS "Literal", NULL},
    {"Location", NS_DCT "Location", NULL},
    {"Organization", NS_ORG "Organization", NULL},
    {"Output", NS_CV "Output", NULL},
    {"Output.description", NS_DCT "description", NS_RDF "langString"},
    {"Output.identifier", NS_DCT "identifier", NULL},
    {"Output.isPartOf", NS_DCT "isPartOf", "@id"},
    {"Output.language", NS_DCT "language", "@id"},
    {"Output.name", NS_DCT "title", NS_RDF "langString"},
    {"Output.type", NS_DCT "type", "@id"},
    {"Participation", NS_CV "Participation", NULL},
    {"Participation.description", NS_DCT "description", NS_RDF "langString"},
    {"Participation.hasParticipant", NS_CV "hasParticipant", "@id"},
    {"Participation.identifier", NS_DCT "identifier", NULL},
    {"Participation.role", NS_CV "role", "@id"},
    {"PublicOrganization", NS_CV "PublicOrganisation", NULL},
    {"PublicOrganization.preferredLabel", NS_SKOS "prefLabel", NS_RDF "langString"},
    {"PublicOrganization.spatial", NS_DCT "spatial", "@id"},
    {"PublicService", NS_CPSV "PublicService", NULL},
    {"PublicService.addressee", NS_DCT "audience", "@id"},
    {"PublicService.contactPoint", NS_CV "contactPoint", "@id"},
    {"PublicService.description", NS_DCT "description", NS_RDF "langString"},
    {"PublicService.follows", NS_CPSV "follows", "@id"},
    {"PublicService.functionsOfGovernment", NS_DCT "type", "@id"},
    {"PublicService.hasChannel", NS_CV "hasChannel", "@id"},
    {"PublicService.hasCompetentAuthority", NS_CV "hasCompetentAuthority", "@id"},
    {"PublicService.hasCost", NS_CV "hasCost", "@id"},
    {"PublicService.hasInput", NS_CPSV "hasInput", "@id"},
    {"PublicService.hasInputType", NS_CV "hasInputType", "@id"},
    {"PublicService.hasLegalResource", NS_CV "hasLegalResource", "@id"},
    {"PublicService.hasParticipation", NS_CV "hasParticipation", "@id"},
    {"PublicService.holdsRequirement", NS_CV "holdsRequirement", "@id"},
    {"PublicService.identifier", NS_DCT "identifier", NULL},
    {"PublicService.isClassifiedBy", NS_CV "isClassifiedBy", "@id"},
    {"PublicService.isGroupedBy", NS_CV "isGroupedBy", "@id"},
    {"PublicService.isPartOf", NS_DCT "isPartOf", "@id"},
    {"PublicService.keyword", NS_DCAT "keyword", NS_RDF "langString"},
    {"PublicService.language", NS_DCT "language", "@id"},
    {"PublicService.name", NS_DCT "title", NS_RDF "langString"},
    {"PublicService.processingTime", NS_CV "processingTime", NS_XSD "duration"},
    {"PublicService.produces", NS_CPSV "produces", "@id"},
    {"PublicService.relatedService", NS_CV "relatedService", "@id"},
    {"PublicService.requires", NS_DCT "requires", "@id"},
    {"PublicService.sector", NS_CV "sector", "@id"},
    {"PublicService.spatial", NS_DCT "spatial", "@id"},
    {"PublicService.status", NS_ADMS "status", "@id"},
    {"PublicService.thematicArea", NS_CV "thematicArea", "@id"},
    {"Requirement", NS_CV "Requirement", NULL},
    {"Requirement.fulfils", NS_CV "fulfils", "@id"},
    {"Requirement.hasSupportingEvidence", NS_CV "hasSupportingEvidence", "@id"},
    {"Requirement.identifier", NS_DCT "identifier", NULL},
    {"Requirement.name", NS_DCT "title", NS_RDF "langString"},
    {"Requirement.type", NS_DCT "type", "@id"},
    {"Rule", NS_CPSV "Rule", NULL},
    {"Rule.description", NS_DCT "description", NS_RDF "langString"},
    {"Rule.identifier", NS_DCT "identifier", NULL},
    {"Rule.implements", NS_CPSV "implements", "@id"},
    {"Rule.language", NS_DCT "language", "@id"},
    {"Rule.name", NS_DCT "title", NS_RDF "langString"},
    {"Rule.type", NS_DCT "type", "@id"},
    {"ServiceConcessionContract", NS_CV "ServiceConcessionContract", NULL},
    {"ServiceConcessionContract.description", NS_DCT "description", NS_RDF "langString"},
    {"ServiceConcessionContract.establishedUnder", NS_CV "establishedUnder", "@id"},
    {"ServiceConcessionContract.hasContractingAuthority", NS_CV "hasContractingAuthority", "@id"},
    {"ServiceConcessionContract.hasEconomicOperator", NS_CV "hasEconomicOperator", "@id"},
    {"ServiceConcessionContract.identifier", NS_DCT "identifier", NULL},
    {"ServiceConcessionContract.name", NS_DCT "title", NS_RDF "langString"},
    {"TemporalEntity", NS_TIME "TemporalEntity", NULL},
    {"TemporalEntity.description", NS_DCT "description", NS_RDF "langString"},
    {"TemporalEntity.frequency", NS_CV "frequency", "@id"},
    {"Text", NS_RDF "langString", NULL},
};

size_t cat_official_context_size(void)
{
	return sizeof(cpsv_ap_context) / sizeof(cpsv_ap_context[0]);
}

int cat_official_context_term(size_t i, const char **term, const char **iri, const char **type)
{
	if (i >= cat_official_context_size())
		return -1;
	*term = cpsv_ap_context[i].term;
	*iri = cpsv_ap_context[i].iri;
	*type = cpsv_ap_context[i].type;
	return 0;
}

/* The official context under any of the addresses it is published at. */
static int is_official_context(const char *url)
{
	static const char *const hosts[] = {"semiceu.github.io/uri.semic.eu-generated", "semiceu.github.io", NULL};
	static const char tail[] = "/CPSV-AP/releases/3.2.0/context/cpsv-ap.jsonld";
	const char *p = url;
	size_t i, l;

	if (!strncmp(p, "https://", 8))
		p += 8;
	else if (!strncmp(p, "http://", 7))
		p += 7;
	else
		return 0;
	for (i = 0; hosts[i]; i++) {
		l = strlen(hosts[i]);
		if (!strncmp(p, hosts[i], l) && !strcmp(p + l, tail))
			return 1;
	}
	return 0;
}

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
	struct cat_error *err;
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
		snprintf(x->err->msg, sizeof(x->err->msg), "node <%s>: \"%s\": %s", x->node, x->key, what);
	else if (x->node)
		snprintf(x->err->msg, sizeof(x->err->msg), "node <%s>: %s", x->node, what);
	else if (x->key)
		snprintf(x->err->msg, sizeof(x->err->msg), "a node without @id: \"%s\": %s", x->key, what);
	else
		snprintf(x->err->msg, sizeof(x->err->msg), "%s", what);
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
		return xstrdup(ref);
	if (!*ref) {
		p = strchr(base, '#');
		n = p ? (size_t)(p - base) : strlen(base);
		out = malloc(n + 1);
		if (!out)
			abort();
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
				abort();
			snprintf(out, strlen(base) + strlen(ref) + 2, "%s/%s", base, ref);
			return out;
		}
	}
	out = malloc(n + strlen(ref) + 1);
	if (!out)
		abort();
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

	if (is_keyword(value))
		return xstrdup(value);
	if (looks_like_keyword(value))
		return NULL;
	if (local && json_object_get(local, value) && !json_is_true(json_object_get(defined, value))) {
		if (create_term(x, active, local, value, defined) != 0)
			return NULL;
	}
	def = ctx_term(active, value);
	if (vocab && def) {
		d = json_object_get(def, "id");
		return json_is_string(d) ? xstrdup(json_string_value(d)) : NULL;
	}
	colon = strchr(value, ':');
	if (colon && colon > value) {
		char *prefix = strndup(value, (size_t)(colon - value));
		const char *suffix = colon + 1;
		char *out = NULL;

		if (!prefix)
			abort();
		if (!strcmp(prefix, "_") || !strncmp(suffix, "//", 2)) {
			free(prefix);
			return xstrdup(value);
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
			out = xstrcat2(json_string_value(d), suffix);
			return out;
		}
		if (iri_is_absolute(value))
			return xstrdup(value);
	}
	v = json_string_value(json_object_get(active, "vocab"));
	if (vocab && v)
		return xstrcat2(v, value);
	if (doc_relative)
		return resolve_iri(json_string_value(json_object_get(active, "base")), value);
	return xstrdup(value);
}

static int is_gen_delim_end(const char *iri)
{
	size_t n = strlen(iri);

	return n && strchr(":/?#[]@", iri[n - 1]) != NULL;
}

static int create_term(struct exp *x, json_t *active, json_t *local, const char *term, json_t *defined)
{
	json_t *value, *def = NULL, *t, *st, *tv, *iv;
	json_t *terms = json_object_get(active, "t");
	const char *colon;
	char *iri = NULL;
	int rc = -1, simple = 0;
	unsigned c = 0;

	iv = json_object_get(defined, term);
	if (json_is_true(iv))
		return 0;
	if (iv)
		return xfail(x, "@context: the definition of \"%s\" refers to itself", term);
	if (is_keyword(term)) {
		if (!strcmp(term, "@type"))
			return 0; /* 1.1 allows {"@container": "@set"} for @type */
		return xfail(x, "@context: keywords cannot be redefined (\"%s\")", term);
	}
	if (looks_like_keyword(term) || !*term)
		return 0;
	json_object_set_new(defined, term, json_false());
	json_object_del(terms, term);
	value = json_object_get(local, term);
	def = json_object();
	if (json_is_null(value)) {
		json_object_set_new(def, "id", json_null());
		goto done;
	}
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
	if ((t = json_object_get(value, "@reverse"))) {
		if (!json_is_string(t)) {
			xfail(x, "@context: \"%s\": @reverse must be a string", term);
			goto out_value;
		}
		iri = expand_iri(x, active, json_string_value(t), 0, 1, local, defined);
		if (x->failed)
			goto out_value;
		if (!iri || !strchr(iri, ':')) {
			xfail(x, "@context: \"%s\": @reverse is not an IRI", term);
			goto out_value;
		}
		json_object_set_new(def, "id", json_string(iri));
		json_object_set_new(def, "rev", json_true());
	} else if ((t = json_object_get(value, "@id")) && !(json_is_string(t) && !strcmp(json_string_value(t), term))) {
		if (json_is_null(t)) {
			json_object_set_new(def, "id", json_null());
		} else if (!json_is_string(t)) {
			xfail(x, "@context: \"%s\": @id must be a string", term);
			goto out_value;
		} else {
			iri = expand_iri(x, active, json_string_value(t), 0, 1, local, defined);
			if (x->failed)
				goto out_value;
			if (!iri) {
				json_object_set_new(def, "id", json_null());
			} else if (!is_keyword(iri) && !strchr(iri, ':')) {
				xfail(x, "@context: \"%s\" maps to \"%s\", which is not an IRI", term, iri);
				goto out_value;
			} else {
				json_object_set_new(def, "id", json_string(iri));
			}
		}
	} else if ((colon = strchr(term, ':')) && colon > term) {
		char *prefix = strndup(term, (size_t)(colon - term));
		json_t *pd;

		if (!prefix)
			abort();
		if (json_object_get(local, prefix) && create_term(x, active, local, prefix, defined) != 0) {
			free(prefix);
			goto out_value;
		}
		pd = ctx_term(active, prefix);
		if (pd && json_is_string(json_object_get(pd, "id")))
			iri = xstrcat2(json_string_value(json_object_get(pd, "id")), colon + 1);
		else
			iri = xstrdup(term);
		free(prefix);
		json_object_set_new(def, "id", json_string(iri));
	} else if (json_string_value(json_object_get(active, "vocab"))) {
		iri = xstrcat2(json_string_value(json_object_get(active, "vocab")), term);
		json_object_set_new(def, "id", json_string(iri));
	} else {
		xfail(x, "@context: \"%s\" has no IRI and the context has no @vocab", term);
		goto out_value;
	}
	if (json_is_string(json_object_get(def, "id"))) {
		const char *d = json_string_value(json_object_get(def, "id"));
		json_t *pf = json_object_get(value, "@prefix");

		/* JSON-LD 1.0 let any term be a prefix; we do too when expanding */
		if ((simple && is_gen_delim_end(d)) || json_is_true(pf))
			json_object_set_new(def, "prefix", json_true());
	}
	if ((tv = json_object_get(value, "@type"))) {
		char *ti;

		if (!json_is_string(tv)) {
			xfail(x, "@context: \"%s\": @type must be a string", term);
			goto out_value;
		}
		ti = expand_iri(x, active, json_string_value(tv), 0, 1, local, defined);
		if (x->failed) {
			free(ti);
			goto out_value;
		}
		if (!ti || (!strchr(ti, ':') && strcmp(ti, "@id") && strcmp(ti, "@vocab") && strcmp(ti, "@json") &&
			    strcmp(ti, "@none"))) {
			xfail(x, "@context: \"%s\": @type \"%s\" is not an IRI, @id or @vocab", term,
			      json_string_value(tv));
			free(ti);
			goto out_value;
		}
		json_object_set_new(def, "type", json_string(ti));
		free(ti);
	}
	if ((tv = json_object_get(value, "@container"))) {
		json_t *one;
		size_t i;

		if (json_is_string(tv)) {
			one = json_array();
			json_array_append(one, tv);
		} else if (json_is_array(tv)) {
			one = json_incref(tv);
		} else {
			xfail(x, "@context: \"%s\": @container must be a string or an array", term);
			goto out_value;
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
				xfail(x, "@context: \"%s\": unknown @container", term);
				goto out_value;
			}
		}
		json_decref(one);
		json_object_set_new(def, "c", json_integer(c));
	}
	if (json_object_get(value, "@language")) {
		tv = json_object_get(value, "@language");
		if (!json_is_string(tv) && !json_is_null(tv)) {
			xfail(x, "@context: \"%s\": @language must be a string or null", term);
			goto out_value;
		}
		json_object_set(def, "lang", tv);
	}
	if ((tv = json_object_get(value, "@context")))
		json_object_set(def, "ctx", tv);
	json_decref(value);
done:
	json_object_set(terms, term, def);
	json_object_set_new(defined, term, json_true());
	rc = 0;
	goto out_def;
out_value:
	json_decref(value);
out_def:
	json_decref(def);
	free(iri);
	return rc;
}

static json_t *process_context(struct exp *x, json_t *active, json_t *local, int depth);

/* The official context, as if its terms were written in the document. */
static json_t *official_context(void)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < sizeof(cpsv_ap_context) / sizeof(cpsv_ap_context[0]); i++) {
		const struct ctx_term *t = &cpsv_ap_context[i];

		if (!t->type) {
			json_object_set_new(o, t->term, json_string(t->iri));
		} else {
			json_t *d = json_object();

			json_object_set_new(d, "@id", json_string(t->iri));
			json_object_set_new(d, "@type", json_string(t->type));
			json_object_set_new(o, t->term, d);
		}
	}
	return o;
}

static int apply_context_object(struct exp *x, json_t *result, json_t *c)
{
	json_t *defined = json_object(), *v;
	const char *k;
	int rc = -1;

	if (json_object_get(c, "@import")) {
		xfail(x, "@context: @import is not supported (it would fetch a remote context)");
		goto out;
	}
	if ((v = json_object_get(c, "@version")) && !(json_is_number(v) && json_number_value(v) == 1.1)) {
		xfail(x, "@context: @version must be 1.1");
		goto out;
	}
	if ((v = json_object_get(c, "@base"))) {
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
	if ((v = json_object_get(c, "@vocab"))) {
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
	if ((v = json_object_get(c, "@language"))) {
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

			if (!is_official_context(json_string_value(c))) {
				xfail(x,
				      "@context: remote context <%s> is not fetched; only the official CPSV-AP 3.2.0 "
				      "context is known by its URL (embed the context in the file instead)",
				      json_string_value(c));
				json_decref(list);
				goto fail;
			}
			off = official_context();
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

	keys = sorted_keys(map, &n);
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

	keys = sorted_keys(map, &n);
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

static int expand_keyword(struct exp *x, json_t *ctx, json_t *type_ctx, const char *aprop, const char *kw,
			  json_t *value, json_t *result, int depth)
{
	json_t *ev = NULL, *v;
	size_t i;

	if (!strcmp(kw, "@id")) {
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
	if (!strcmp(kw, "@type")) {
		json_t *list = json_is_array(value) ? json_incref(value) : as_array(json_incref(value));
		json_t *out = json_object_get(result, "@type");

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
	if (!strcmp(kw, "@graph") || !strcmp(kw, "@included")) {
		ev = expand(x, ctx, !strcmp(kw, "@graph") ? "@graph" : NULL, value);
		if (x->failed)
			return -1;
		add_value(result, kw, as_array(ev));
		return 0;
	}
	if (!strcmp(kw, "@value")) {
		if (json_is_object(value) || json_is_array(value))
			return xfail(x, "@value must be a string, a number, a boolean or null");
		json_object_set(result, "@value", value);
		return 0;
	}
	if (!strcmp(kw, "@language")) {
		if (!json_is_string(value))
			return xfail(x, "@language must be a string");
		json_object_set(result, "@language", value);
		return 0;
	}
	if (!strcmp(kw, "@index")) {
		if (!json_is_string(value))
			return xfail(x, "@index must be a string");
		return 0; /* indexes carry no RDF meaning: dropped */
	}
	if (!strcmp(kw, "@list")) {
		if (!aprop || !strcmp(aprop, "@graph"))
			return 0;
		ev = expand(x, ctx, aprop, value);
		if (x->failed)
			return -1;
		json_object_set_new(result, "@list", as_array(ev));
		return 0;
	}
	if (!strcmp(kw, "@set")) {
		ev = expand(x, ctx, aprop, value);
		if (x->failed)
			return -1;
		json_object_set_new(result, "@set", as_array(ev));
		return 0;
	}
	if (!strcmp(kw, "@reverse")) {
		const char *k;
		json_t *rev;

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
			json_array_foreach(v, i, value)
			{
				if (json_object_get(value, "@value") || json_object_get(value, "@list")) {
					json_decref(ev);
					return xfail(x, "@reverse values must be nodes");
				}
			}
			add_value(rev, k, json_incref(v));
		}
		json_decref(ev);
		return 0;
	}
	if (!strcmp(kw, "@nest")) {
		json_t *list = json_is_array(value) ? json_incref(value) : as_array(json_incref(value));

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
	keys = sorted_keys(el, &n);
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
		if (!prop || (!strchr(prop, ':') && !is_keyword(prop))) {
			free(prop);
			continue;
		}
		if (is_keyword(prop)) {
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

static json_t *expand_object(struct exp *x, json_t *ctx, const char *aprop, json_t *el)
{
	json_t *c = json_incref(ctx), *type_ctx = NULL, *result = NULL, *def, *v;
	const char *saved_node = x->node, *saved_key = x->key;
	const char **keys = NULL;
	size_t n, i;

	def = ctx_term(ctx, aprop);
	if (def && json_object_get(def, "ctx")) {
		json_t *nc = process_context(x, c, json_object_get(def, "ctx"), 1);

		json_decref(c);
		c = nc;
		if (!c)
			goto fail;
	}
	if ((v = json_object_get(el, "@context"))) {
		json_t *nc;

		x->key = "@context";
		nc = process_context(x, c, v, 0);
		json_decref(c);
		c = nc;
		if (!c)
			goto fail;
		x->key = saved_key;
	}
	/* the node's @id as written, for messages */
	keys = sorted_keys(el, &n);
	for (i = 0; i < n; i++) {
		char *k = expand_iri(x, c, keys[i], 0, 1, NULL, NULL);

		if (k && !strcmp(k, "@id") && json_is_string(json_object_get(el, keys[i])))
			x->node = json_string_value(json_object_get(el, keys[i]));
		free(k);
	}
	/* type-scoped contexts */
	type_ctx = json_incref(c);
	for (i = 0; i < n; i++) {
		char *k = expand_iri(x, type_ctx, keys[i], 0, 1, NULL, NULL);
		json_t *tv, *list;
		size_t j;
		int is_type = k && !strcmp(k, "@type");

		free(k);
		if (!is_type)
			continue;
		tv = json_object_get(el, keys[i]);
		list = json_is_array(tv) ? json_incref(tv) : as_array(json_incref(tv));
		json_array_foreach(list, j, v)
		{
			json_t *td = json_is_string(v) ? ctx_term(type_ctx, json_string_value(v)) : NULL;

			if (td && json_object_get(td, "ctx")) {
				json_t *nc = process_context(x, c, json_object_get(td, "ctx"), 1);

				if (!nc) {
					json_decref(list);
					goto fail;
				}
				json_decref(c);
				c = nc;
			}
		}
		json_decref(list);
	}
	result = json_object();
	if (expand_keys(x, c, type_ctx, aprop, el, result, x->depth) != 0)
		goto fail;
	x->key = saved_key;
	if ((v = json_object_get(result, "@value"))) {
		const char *k;
		json_t *val;

		json_object_foreach(result, k, val)
		{
			(void)val;
			if (strcmp(k, "@value") && strcmp(k, "@language") && strcmp(k, "@type")) {
				xfail(x, "a value object cannot have \"%s\"", k);
				goto fail;
			}
		}
		if (json_object_get(result, "@language") && json_object_get(result, "@type")) {
			xfail(x, "a value cannot have both @language and @type");
			goto fail;
		}
		if (json_is_null(v)) {
			json_decref(result);
			result = NULL;
			goto done;
		}
		if (json_object_get(result, "@language") && !json_is_string(v)) {
			xfail(x, "a value with @language must be a string");
			goto fail;
		}
		if ((v = json_object_get(result, "@type"))) {
			if (json_array_size(v) != 1 || !strchr(json_string_value(json_array_get(v, 0)), ':')) {
				xfail(x, "a value's @type must be one IRI");
				goto fail;
			}
			json_object_set(result, "@type", json_array_get(v, 0));
		}
	} else if ((v = json_object_get(result, "@set")) || json_object_get(result, "@list")) {
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
	if (json_is_object(result) && json_object_size(result) == 1 && json_object_get(result, "@language")) {
		json_decref(result);
		result = NULL;
	}
	if (json_is_object(result) && (!aprop || !strcmp(aprop, "@graph"))) {
		if (json_object_size(result) == 0 || json_object_get(result, "@value") ||
		    json_object_get(result, "@list") ||
		    (json_object_size(result) == 1 && json_object_get(result, "@id"))) {
			json_decref(result);
			result = NULL;
		}
	}
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

json_t *jsonld_expand(json_t *doc, struct cat_error *err)
{
	struct exp x = {.err = err};
	json_t *ctx = ctx_new(), *r;

	err->msg[0] = '\0';
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
	return xstrdup(buf);
}

static char *relabel(struct nodemap *m, const char *label)
{
	json_t *l = json_object_get(m->labels, label);
	char *nl;

	if (l)
		return xstrdup(json_string_value(l));
	nl = new_label(m);
	json_object_set_new(m->labels, label, json_string(nl));
	return nl;
}

static json_t *map_node(struct nodemap *m, const char *id)
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

static void push_prop(struct nodemap *m, const char *subj, const char *prop, json_t *v) /* steals v */
{
	json_t *n = map_node(m, subj), *a = json_object_get(n, prop);

	if (!a) {
		a = json_array();
		json_object_set_new(n, prop, a);
	}
	json_array_append_new(a, v);
}

static int gen(struct nodemap *m, struct cat_error *err, json_t *el, const char *subj, const char *prop, json_t *list,
	       char **idout, int depth);

static int gen_node(struct nodemap *m, struct cat_error *err, json_t *el, const char *subj, const char *prop,
		    json_t *list, char **idout, int depth)
{
	json_t *v, *node, *types, *t;
	const char *k;
	const char **keys = NULL;
	char *id;
	size_t i, n;
	int rc = -1;

	v = json_object_get(el, "@id");
	if (json_is_string(v))
		id = iri_is_blank(json_string_value(v)) ? relabel(m, json_string_value(v))
							: xstrdup(json_string_value(v));
	else
		id = new_label(m);
	if (m->count >= CAT_MAX_NODES) {
		snprintf(err->msg, sizeof(err->msg), "more than %zu nodes", (size_t)CAT_MAX_NODES);
		goto out;
	}
	node = map_node(m, id);
	if ((types = json_object_get(el, "@type"))) {
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
			push_prop(m, subj, prop, ref);
	}
	if ((v = json_object_get(el, "@reverse"))) {
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
				push_prop(m, vid, k, ref);
				free(vid);
			}
		}
	}
	if ((v = json_object_get(el, "@graph")) && gen(m, err, v, NULL, NULL, NULL, NULL, depth + 1) != 0)
		goto out;
	if ((v = json_object_get(el, "@included")) && gen(m, err, v, NULL, NULL, NULL, NULL, depth + 1) != 0)
		goto out;
	keys = sorted_keys(el, &n);
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
out:
	free(keys);
	free(id);
	return rc;
}

static int gen(struct nodemap *m, struct cat_error *err, json_t *el, const char *subj, const char *prop, json_t *list,
	       char **idout, int depth)
{
	json_t *v;
	size_t i;

	if (depth > 4 * CAT_MAX_DEPTH) {
		snprintf(err->msg, sizeof(err->msg), "nested deeper than %d levels", CAT_MAX_DEPTH);
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
		if (!subj)
			return 0;
		if (list)
			json_array_append_new(list, canonical_value(el));
		else
			push_prop(m, subj, prop, canonical_value(el));
		return 0;
	}
	if ((v = json_object_get(el, "@list"))) {
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
			push_prop(m, subj, prop, lo);
		return 0;
	}
	return gen_node(m, err, el, subj, prop, list, idout, depth);
}

int nodemap_add(struct nodemap *m, json_t *expanded, struct cat_error *err)
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
	struct cat_error *err;
	int placeholder; /* while hashing: blank roots as "_:" */
};

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
	return iri_is_blank(id) || (node && is_part(node));
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

static char *first_string(const json_t *node, const char *prop)
{
	json_t *v;
	size_t i;

	json_array_foreach(node_vals(node, prop), i, v)
	{
		if (val_str(v))
			return xstrdup(val_str(v));
	}
	return NULL;
}

static char *title_in(const json_t *node, const char *lang)
{
	static const char *const props[] = {NS_DCT "title", NS_SKOS "prefLabel", NULL};
	json_t *v;
	size_t i, p;

	for (p = 0; props[p]; p++)
		json_array_foreach(node_vals(node, props[p]), i, v)
		{
			if (val_lang(v) && !strcmp(val_lang(v), lang) && val_str(v))
				return xstrdup(val_str(v));
		}
	return NULL;
}

static char *pct_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(3 * n + 1);

	if (!out)
		abort();
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

struct cat_doc *nodemap_records(struct nodemap *m, struct cat_error *err)
{
	struct rec_ctx c = {.m = m, .err = err};
	struct cat_doc *doc = NULL;
	const char **ids = NULL;
	size_t n, i;
	json_t *node, *v, *seen_iri = json_object();
	const char *k;

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
	ids = sorted_keys(m->nodes, &n);
	/* roots: whatever cannot be inlined; then the rest of every cycle */
	for (i = 0; i < n; i++)
		if (!embeddable(&c, ids[i]))
			json_object_set_new(c.root, ids[i], json_true());
	for (i = 0; i < n; i++)
		if (json_is_true(json_object_get(c.root, ids[i])))
			visit(&c, ids[i], 0);
	for (i = 0; i < n; i++) {
		if (json_is_true(json_object_get(c.visited, ids[i])))
			continue;
		json_object_set_new(c.root, ids[i], json_true());
		visit(&c, ids[i], 0);
	}
	/* IRIs for blank roots: by identifier, else by content */
	for (i = 0; i < n; i++) {
		char *ident, *iri = NULL;

		if (!iri_is_blank(ids[i]) || !json_is_true(json_object_get(c.root, ids[i])))
			continue;
		node = json_object_get(m->nodes, ids[i]);
		ident = first_string(node, NS_DCT "identifier");
		if (ident) {
			char *enc = pct_encode(ident);
			size_t len = strlen(SKOLEM_PREFIX) + strlen(enc) + 32;

			iri = malloc(len);
			if (!iri)
				abort();
			snprintf(iri, len, "%s%s:%s", SKOLEM_PREFIX, cat_kind_name(node_kind(node)), enc);
			free(enc);
			free(ident);
		} else {
			json_t *body;
			char *s, hash[65];
			size_t len = strlen(SKOLEM_PREFIX) + 48;

			c.placeholder = 1;
			body = embed(&c, ids[i], 1, 0);
			c.placeholder = 0;
			s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
			cat_sha256_hex(s, strlen(s), hash);
			free(s);
			json_decref(body);
			iri = malloc(len);
			if (!iri)
				abort();
			snprintf(iri, len, "%sh:%.32s", SKOLEM_PREFIX, hash);
		}
		if (json_object_get(seen_iri, iri)) {
			if (!strncmp(iri + strlen(SKOLEM_PREFIX), "h:", 2)) {
				/* two blank nodes that say the same: number them */
				char *n2;
				size_t len = strlen(iri) + 24;
				unsigned long k2 = 2;

				n2 = malloc(len);
				if (!n2)
					abort();
				do
					snprintf(n2, len, "%s-%lu", iri, k2++);
				while (json_object_get(seen_iri, n2));
				free(iri);
				iri = n2;
			} else {
				char *dup = first_string(json_object_get(m->nodes, ids[i]), NS_DCT "identifier");

				snprintf(err->msg, sizeof(err->msg),
					 "two nodes without @id have the same dct:identifier \"%s\": give them @id or "
					 "distinct identifiers",
					 dup ? dup : "");
				free(dup);
				free(iri);
				goto fail;
			}
		}
		json_object_set_new(seen_iri, iri, json_true());
		json_object_set_new(c.skolem, ids[i], json_string(iri));
		free(iri);
	}
	doc = calloc(1, sizeof(*doc));
	if (!doc)
		abort();
	doc->rec = calloc(n ? n : 1, sizeof(*doc->rec));
	if (!doc->rec)
		abort();
	for (i = 0; i < n; i++) {
		struct cat_record *r;
		json_t *body;
		const char *iri;

		if (!json_is_true(json_object_get(c.root, ids[i])))
			continue;
		node = json_object_get(m->nodes, ids[i]);
		iri = iri_is_blank(ids[i]) ? json_string_value(json_object_get(c.skolem, ids[i])) : ids[i];
		r = &doc->rec[doc->n++];
		r->iri = xstrdup(iri);
		r->kind = node_kind(node);
		r->identifier = first_string(node, NS_DCT "identifier");
		r->title_lv = title_in(node, "lv");
		r->title_en = title_in(node, "en");
		body = embed(&c, ids[i], 1, 0);
		r->body = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(body);
		if (!r->body)
			abort();
		cat_sha256_hex(r->body, strlen(r->body), r->hash);
	}
	qsort(doc->rec, doc->n, sizeof(*doc->rec), cmp_rec);
	goto out;
fail:
	cat_doc_free(doc);
	doc = NULL;
out:
	free(ids);
	json_decref(c.refs);
	json_decref(c.root);
	json_decref(c.visited);
	json_decref(c.skolem);
	json_decref(seen_iri);
	return doc;
}

/* ---- Turtle ---- */

#ifdef HAVE_SERD
struct ttl {
	struct nodemap *m;
	SerdEnv *env;
	struct cat_error *err;
	int failed;
};

static char *ttl_iri(struct ttl *t, const SerdNode *n)
{
	SerdNode e;
	char *out;

	if (n->type == SERD_BLANK) {
		char key[600];

		snprintf(key, sizeof(key), "_:%.*s", (int)n->n_bytes, (const char *)n->buf);
		return relabel(t->m, key);
	}
	e = serd_env_expand_node(t->env, n);
	if (e.buf) {
		out = strndup((const char *)e.buf, e.n_bytes);
		serd_node_free(&e);
	} else {
		out = strndup((const char *)n->buf, n->n_bytes);
	}
	if (!out)
		abort();
	return out;
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

/* Strict UTF-8 (no overlongs, no surrogates), as JSON strings need. */
static int utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			if (!c)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return 0;
		if (i + k >= n)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

static int ttl_node_ok(const SerdNode *n)
{
	return !n || !n->buf || utf8_ok(n->buf, n->n_bytes);
}

static SerdStatus ttl_statement(void *h, SerdStatementFlags flags, const SerdNode *graph, const SerdNode *s,
				const SerdNode *p, const SerdNode *o, const SerdNode *dt, const SerdNode *lang)
{
	struct ttl *t = h;
	char *subj, *pred;
	json_t *v;

	(void)flags;
	(void)graph;
	if (t->failed)
		return SERD_ERR_BAD_ARG;
	if (!ttl_node_ok(s) || !ttl_node_ok(p) || !ttl_node_ok(o) || !ttl_node_ok(dt) || !ttl_node_ok(lang)) {
		snprintf(t->err->msg, sizeof(t->err->msg), "Turtle: a term is not valid UTF-8");
		t->failed = 1;
		return SERD_ERR_BAD_ARG;
	}
	subj = ttl_iri(t, s);
	pred = ttl_iri(t, p);
	/* as in JSON-LD, properties and datatypes are IRIs, never relative */
	if (!strchr(pred, ':')) {
		snprintf(t->err->msg, sizeof(t->err->msg), "Turtle: the property <%.300s> is not an absolute IRI",
			 pred);
		t->failed = 1;
		free(subj);
		free(pred);
		return SERD_ERR_BAD_ARG;
	}
	v = json_object();
	if (t->m->count >= CAT_MAX_NODES) {
		snprintf(t->err->msg, sizeof(t->err->msg), "more than %zu nodes", (size_t)CAT_MAX_NODES);
		t->failed = 1;
		free(subj);
		free(pred);
		json_decref(v);
		return SERD_ERR_BAD_ARG;
	}
	if (o->type == SERD_LITERAL) {
		json_t *raw = json_object();

		json_object_set_new(raw, "@value", json_stringn((const char *)o->buf, o->n_bytes));
		if (lang && lang->buf)
			json_object_set_new(raw, "@language", json_stringn((const char *)lang->buf, lang->n_bytes));
		else if (dt && dt->buf) {
			char *d = ttl_iri(t, dt);

			if (!strchr(d, ':')) {
				snprintf(t->err->msg, sizeof(t->err->msg),
					 "Turtle: the datatype <%.300s> of <%.300s> is not an absolute IRI", d, subj);
				t->failed = 1;
				free(d);
				json_decref(raw);
				json_decref(v);
				free(subj);
				free(pred);
				return SERD_ERR_BAD_ARG;
			}
			json_object_set_new(raw, "@type", json_string(d));
			free(d);
		}
		json_decref(v);
		v = canonical_value(raw);
		json_decref(raw);
	} else {
		char *obj = ttl_iri(t, o);

		if (!strcmp(pred, NS_RDF "type") && !iri_is_blank(obj)) {
			json_t *node = map_node(t->m, subj), *types = json_object_get(node, "@type");

			if (!types) {
				types = json_array();
				json_object_set_new(node, "@type", types);
			}
			json_array_append_new(types, json_string(obj));
			free(obj);
			free(subj);
			free(pred);
			json_decref(v);
			return SERD_SUCCESS;
		}
		json_object_set_new(v, "@id", json_string(obj));
		free(obj);
	}
	push_prop(t->m, subj, pred, v);
	free(subj);
	free(pred);
	return SERD_SUCCESS;
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
	snprintf(t->err->msg, sizeof(t->err->msg), "Turtle syntax error at line %u, column %u: %s", e->line, e->col,
		 what);
	t->failed = 1;
	return SERD_SUCCESS;
}

static int turtle_read(struct nodemap *m, const char *text, size_t len, struct cat_error *err)
{
	struct ttl t = {.m = m, .err = err};
	SerdReader *r;
	SerdStatus st;
	char *z;
	int rc = -1;

	if (memchr(text, '\0', len)) {
		snprintf(err->msg, sizeof(err->msg), "Turtle syntax error: the text contains a NUL byte");
		return -1;
	}
	z = malloc(len + 1);
	if (!z)
		abort();
	memcpy(z, text, len);
	z[len] = '\0';
	t.env = serd_env_new(NULL);
	r = serd_reader_new(SERD_TURTLE, &t, NULL, ttl_base, ttl_prefix, ttl_statement, NULL);
	if (!t.env || !r)
		abort();
	serd_reader_set_strict(r, true);
	serd_reader_set_error_sink(r, ttl_error, &t);
	json_object_clear(m->labels);
	st = serd_reader_read_string(r, (const uint8_t *)z);
	if (t.failed)
		goto out;
	if (st != SERD_SUCCESS) {
		snprintf(err->msg, sizeof(err->msg), "Turtle: %s", (const char *)serd_strerror(st));
		goto out;
	}
	rc = 0;
out:
	serd_reader_free(r);
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

/* ---- documents ---- */

/* JSON-LD from parsed JSON (consumed): each stage's input is freed as soon
 * as the next stage has it, so a large file is held about twice, not four
 * times. */
static struct cat_doc *doc_from_json(json_t *json, struct cat_error *err)
{
	struct nodemap m;
	struct cat_doc *doc = NULL;
	json_t *expanded;

	if (!json_is_object(json) && !json_is_array(json)) {
		snprintf(err->msg, sizeof(err->msg), "a JSON-LD document is an object or an array");
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

static struct cat_doc *doc_from_turtle(const char *text, size_t len, struct cat_error *err)
{
#ifdef HAVE_SERD
	struct nodemap m;
	struct cat_doc *doc = NULL;

	nodemap_init(&m);
	if (turtle_read(&m, text, len, err) == 0) {
		nodemap_finish(&m);
		doc = nodemap_records(&m, err);
	}
	nodemap_clear(&m);
	return doc;
#else
	(void)text;
	(void)len;
	snprintf(err->msg, sizeof(err->msg),
		 "Turtle is not supported by this build (it needs serd: libserd-dev and serd-0 in PKGS)");
	return NULL;
#endif
}

static json_t *load_json(const char *text, size_t len, struct cat_error *err)
{
	json_error_t jerr;
	json_t *json = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);

	if (!json)
		snprintf(err->msg, sizeof(err->msg), "JSON syntax error at line %d, column %d: %s", jerr.line,
			 jerr.column, jerr.text);
	return json;
}

struct cat_doc *cat_doc_parse(const char *text, size_t len, enum cat_syntax syntax, struct cat_error *err)
{
	json_t *json;

	err->msg[0] = '\0';
	if (len > CAT_MAX_FILE) {
		snprintf(err->msg, sizeof(err->msg), "larger than %zu bytes", (size_t)CAT_MAX_FILE);
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

struct cat_doc *cat_doc_load(const char *path, struct cat_error *err)
{
	enum cat_syntax syntax = CAT_SYNTAX_GUESS;
	struct cat_doc *doc = NULL;
	struct cat_error e;
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0, got;

	err->msg[0] = '\0';
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			char *nt;

			cap = cap ? cap * 2 : 65536;
			if (cap > CAT_MAX_FILE + 1)
				cap = CAT_MAX_FILE + 1;
			if (len == cap) {
				snprintf(err->msg, sizeof(err->msg), "%s: larger than %zu bytes", path,
					 (size_t)CAT_MAX_FILE);
				goto out;
			}
			nt = realloc(text, cap);
			if (!nt)
				abort();
			text = nt;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err->msg, sizeof(err->msg), "%s: read error", path);
		goto out;
	}
	if (has_suffix(path, ".ttl") || has_suffix(path, ".turtle") || has_suffix(path, ".nt"))
		syntax = CAT_SYNTAX_TURTLE;
	else if (has_suffix(path, ".jsonld") || has_suffix(path, ".json"))
		syntax = CAT_SYNTAX_JSONLD;
	else
		syntax = guess_syntax(text ? text : "", len);
	e.msg[0] = '\0';
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
		snprintf(err->msg, sizeof(err->msg), "%.300s: %.700s", path, e.msg);
out:
	fclose(f);
	free(text);
	return doc;
}
