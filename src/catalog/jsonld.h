/* jsonld.h — reading CPSV-AP documents into records.
 *
 * A document (JSON-LD, or Turtle when epak is built with serd) is expanded
 * (JSON-LD 1.1 expansion: local contexts, arrays of contexts, the official
 * CPSV-AP 3.2.0 context by its URL without fetching it, compact IRIs,
 * @vocab, @base, type coercion, language and index maps, @graph, @reverse,
 * @nest, @included), flattened into a node map (one node object per node,
 * all graphs merged, blank nodes relabelled, literals in their RDF form),
 * and cut into records: one per top-level node, with the blank nodes that
 * only it refers to, and the parts only it refers to (channels, costs,
 * outputs, evidence, requirements, opening hours, addresses), inlined. A
 * record's body is canonical JSON (sorted keys, no spaces), so equal content
 * gives an equal SHA-256: the store compares records by that hash.
 *
 * The same node-map helpers serve the model (model.c) and the exporter
 * (export.c). See docs/catalog.md for the rules in prose.
 */
#ifndef EPAK_CATALOG_JSONLD_H
#define EPAK_CATALOG_JSONLD_H

#include "core/err.h"
#include <stddef.h>

#include <jansson.h>

/* Namespaces, as in the official CPSV-AP 3.2.0 context. */
#define NS_ADMS "http://www.w3.org/ns/adms#"
#define NS_CPSV "http://purl.org/vocab/cpsv#"
#define NS_CV "http://data.europa.eu/m8g/"
#define NS_DCAT "http://www.w3.org/ns/dcat#"
#define NS_DCT "http://purl.org/dc/terms/"
#define NS_ELI "http://data.europa.eu/eli/ontology#"
#define NS_FOAF "http://xmlns.com/foaf/0.1/"
#define NS_LOCN "http://www.w3.org/ns/locn#"
#define NS_ORG "http://www.w3.org/ns/org#"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_RDFS "http://www.w3.org/2000/01/rdf-schema#"
#define NS_SCHEMA "https://schema.org/"
#define NS_SCHEMA_HTTP "http://schema.org/"
#define NS_SKOS "http://www.w3.org/2004/02/skos/core#"
#define NS_TIME "http://www.w3.org/2006/time#"
#define NS_XSD "http://www.w3.org/2001/XMLSchema#"
/* epak's extension vocabulary (data/README.md) and concept schemes. */
#define NS_EPAK "https://epak.example/ns#"
#define EPAK_CHANNEL_TYPE "https://epak.example/ns/channel-type/"
#define EPAK_AUDIENCE "https://epak.example/ns/audience/"
#define EPAK_STATUS "https://epak.example/ns/service-status/"

/* Blank nodes that cannot be inlined get an IRI under this prefix; the
 * exporter turns them back into blank nodes. */
#define SKOLEM_PREFIX "urn:epak:bnode:"

/* The URL of the official context, recognised (never fetched). */
#define CPSV_AP_CONTEXT_URL                                                                                            \
	"https://semiceu.github.io/uri.semic.eu-generated/CPSV-AP/releases/3.2.0/context/cpsv-ap.jsonld"

/* Limits: larger input is refused, never truncated. */
#define CAT_MAX_FILE ((size_t)1024 * 1024 * 1024)
#define CAT_MAX_DEPTH 64
#define CAT_MAX_NODES ((size_t)4 * 1000 * 1000)

/* What a node is, by its types (the first match in this order wins). */
enum cat_kind {
	CAT_SERVICE,      /* cpsv:PublicService */
	CAT_ORGANISATION, /* cv:PublicOrganisation */
	CAT_EVENT,        /* cv:LifeEvent, cv:BusinessEvent, cv:Event */
	CAT_CONTACT,      /* cv:ContactPoint, schema:ContactPoint */
	CAT_CHANNEL,      /* cv:Channel */
	CAT_COST,         /* cv:Cost */
	CAT_OUTPUT,       /* cv:Output */
	CAT_EVIDENCE,     /* cv:Evidence */
	CAT_REQUIREMENT,  /* cv:Requirement, cv:CriterionRequirement */
	CAT_PORTAL,       /* epak:Portal */
	CAT_DATASET,      /* dcat:Dataset */
	CAT_CONCEPT,      /* skos:Concept */
	CAT_LOCATION,     /* dct:Location */
	CAT_OTHER,
	CAT_NKINDS
};

const char *cat_kind_name(enum cat_kind k); /* "service", "organisation", ... */

/* One top-level node as the store keeps it. */
struct cat_record {
	char *iri; /* the node's IRI, or SKOLEM_PREFIX... for a blank node */
	enum cat_kind kind;
	char *identifier; /* the first dct:identifier, or NULL */
	char *title_lv;   /* dct:title or skos:prefLabel in Latvian, or NULL */
	char *title_en;
	char *body;    /* canonical expanded JSON-LD of the node */
	char hash[65]; /* SHA-256 of body, lower-case hex */
};

/* A parsed document: its records, sorted by IRI, IRIs unique. */
struct cat_doc {
	struct cat_record *rec;
	size_t n;
};

enum cat_syntax { CAT_SYNTAX_GUESS, CAT_SYNTAX_JSONLD, CAT_SYNTAX_TURTLE };

/* Parses text (need not be NUL-terminated). GUESS: Turtle unless the first
 * non-blank byte is '{' or '['. NULL on error, with err->msg naming the node
 * (@id) and the property where it can. Caller frees with cat_doc_free. */
struct cat_doc *cat_doc_parse(const char *text, size_t len, enum cat_syntax syntax, struct err *err);
/* Reads a file: .ttl/.turtle/.nt are Turtle, .jsonld/.json JSON-LD, other
 * names are guessed from the content. Messages start with the path. */
struct cat_doc *cat_doc_load(const char *path, struct err *err);
void cat_doc_free(struct cat_doc *doc);

/* 1 when this binary reads Turtle (built with serd). */
int cat_turtle_available(void);

/* ---- node maps (nodemap.c): shared by the reader, model.c and export.c ---- */

/* id → node object (expanded JSON-LD: "@id", "@type": [...], and each
 * property IRI → array of values). Values are {"@id": x}, {"@value": "lexical"
 * [, "@language": "lv" | "@type": datatype]} (always strings: JSON numbers
 * and booleans become xsd:integer, xsd:double, xsd:boolean literals; language
 * tags are lower case; xsd:string is left out) or {"@list": [...]}. */
struct nodemap {
	json_t *nodes;
	json_t *labels; /* blank node labels of the current input → ours */
	unsigned long next;
	size_t count;
};

void nodemap_init(struct nodemap *m);
void nodemap_clear(struct nodemap *m);
/* Adds expanded JSON-LD (an array or a node object); blank nodes of the input
 * are relabelled, so records can be added one after another. */
int nodemap_add(struct nodemap *m, json_t *expanded, struct err *err);
/* Removes duplicate values and types, and nodes that say nothing. */
void nodemap_finish(struct nodemap *m);
/* Cuts a finished node map into records (see the top of this file). */
struct cat_doc *nodemap_records(struct nodemap *m, struct err *err);

/* JSON-LD expansion of a parsed document; a new reference or NULL. */
json_t *jsonld_expand(json_t *doc, struct err *err);

/* Value accessors; NULL when the value is not of that form. */
json_t *node_vals(const json_t *node, const char *prop); /* the array, or NULL */
const char *val_id(const json_t *v);
const char *val_str(const json_t *v);  /* "@value" of a literal */
const char *val_lang(const json_t *v); /* "@language", or NULL */
const char *val_type(const json_t *v); /* a literal's datatype, or NULL */
/* A link: "@id", or a literal without language whose text is an absolute
 * IRI (catalogs write links as plain strings; the exporter turns such
 * strings into nodes where the shapes want a node, and the model reads them
 * as links everywhere, so both agree). */
const char *val_ref(const json_t *v);
int literal_is_iri(const char *s);
int node_has_type(const json_t *node, const char *type);
enum cat_kind node_kind(const json_t *node);
const char *node_id(const json_t *node);

int iri_is_blank(const char *id);  /* "_:..." */
int iri_is_skolem(const char *id); /* SKOLEM_PREFIX... */
int iri_is_absolute(const char *s);
/* The last segment of an IRI (after the last '/', '#' or ':', trailing '/'
 * ignored); the whole string when there is none. */
const char *iri_last_segment(const char *iri, size_t *len);
/* "cv:hasChannel" for messages and the exporter's keys; else the IRI. */
const char *iri_compact(const char *iri, char *out, size_t n);
/* The same, not using cat_prefixes[i] where skip[i] is set (skip may be
 * NULL; it covers every entry of cat_prefixes). */
const char *iri_compact_skipping(const char *iri, const int *skip, char *out, size_t n);

/* The prefixes the exporter declares (NULL-terminated pairs). */
extern const char *const cat_prefixes[][2];

/* Canonical xsd:double lexical form of d ("1.65E1"), as JSON-LD writes it. */
void xsd_double_canonical(double d, char *out, size_t n);
/* 1 when s is an xsd:duration lexical form ("P1M", "PT2H30M"). */
int xsd_duration_valid(const char *s);
/* 1 when s is a number (strtod accepts all of it, finite). */
int lexical_number(const char *s, double *out);

/* The identifier epak uses for a node that has no dct:identifier: the last
 * segment of its IRI, or for a blank part "<parent identifier>/<role>-<n>"
 * (n counts from 1 within the parent's property). Malloc'd. */
char *cat_derived_identifier(const char *iri, const char *parent_identifier, const char *role, size_t n);
/* Who refers to each blank node of a node map: a new object
 * {blank id: {"p": parent id, "prop": property, "i": index}} (the first
 * referrer in id order). */
json_t *nodemap_parents(const json_t *nodes);
/* The identifier epak uses for node id of nodes: its first dct:identifier,
 * else cat_derived_identifier() from its IRI or its parent. Malloc'd; NULL
 * when out of memory (so is cat_derived_identifier's and nodemap_parents'). */
char *nodemap_identifier(const json_t *nodes, const json_t *parents, const char *id);

/* The role word of a property that links a node to a part it owns
 * ("channel" for cv:hasChannel, ...); NULL for other properties. */
const char *cat_role_of_property(const char *prop);

/* epak's own concepts (data/README.md): channel types, audiences, status.
 * A bare string that names one ("online", "citizen") means that concept. */
struct cat_own_concept {
	const char *scheme; /* EPAK_CHANNEL_TYPE, EPAK_AUDIENCE or EPAK_STATUS */
	const char *notation;
	const char *lv, *en;
};
const struct cat_own_concept *cat_own_concept(const char *scheme, const char *notation); /* case-insensitive */
const struct cat_own_concept *cat_own_concept_by_iri(const char *iri);
/* scheme + notation, malloc'd */
char *cat_own_concept_iri(const struct cat_own_concept *c); /* malloc'd; NULL when out of memory */

/* The embedded official context, one term at a time (for the unit test). */
size_t cat_official_context_size(void);
int cat_official_context_term(size_t i, const char **term, const char **iri, const char **type);

/* SHA-256 of data in lower-case hex (65 bytes with the NUL). */

#endif
