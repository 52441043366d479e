/* export.c — CPSV-AP JSON-LD out of the catalog (see export.h). */
#include "catalog/export.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "catalog/store.h"
#include "core/buf.h"

/* ---- what the official shapes ask (semic-cpsv-ap-SHACL.ttl) ---- */

enum rule_kind { R_CLASS, R_LANG, R_DOUBLE, R_DURATION };

static const struct rule {
	const char *cls;
	const char *prop;
	enum rule_kind kind;
	const char *target; /* R_CLASS: the class the value must have */
} rules[] = {
    /* cpsv:PublicService */
    {NS_CPSV "PublicService", NS_ADMS "status", R_CLASS, NS_SKOS "Concept"},
    {NS_CPSV "PublicService", NS_CPSV "follows", R_CLASS, NS_CPSV "Rule"},
    {NS_CPSV "PublicService", NS_CPSV "hasInput", R_CLASS, NS_CV "Evidence"},
    {NS_CPSV "PublicService", NS_CPSV "produces", R_CLASS, NS_CV "Output"},
    {NS_CPSV "PublicService", NS_CV "contactPoint", R_CLASS, NS_CV "ContactPoint"},
    {NS_CPSV "PublicService", NS_CV "hasChannel", R_CLASS, NS_CV "Channel"},
    {NS_CPSV "PublicService", NS_CV "hasCompetentAuthority", R_CLASS, NS_CV "PublicOrganisation"},
    {NS_CPSV "PublicService", NS_CV "hasCost", R_CLASS, NS_CV "Cost"},
    {NS_CPSV "PublicService", NS_CV "hasInputType", R_CLASS, NS_CV "EvidenceType"},
    {NS_CPSV "PublicService", NS_CV "hasLegalResource", R_CLASS, NS_ELI "LegalResource"},
    {NS_CPSV "PublicService", NS_CV "hasParticipation", R_CLASS, NS_CV "Participation"},
    {NS_CPSV "PublicService", NS_CV "holdsRequirement", R_CLASS, NS_CV "Requirement"},
    {NS_CPSV "PublicService", NS_CV "isClassifiedBy", R_CLASS, NS_SKOS "Concept"},
    {NS_CPSV "PublicService", NS_CV "isGroupedBy", R_CLASS, NS_CV "Event"},
    {NS_CPSV "PublicService", NS_CV "processingTime", R_DURATION, NULL},
    {NS_CPSV "PublicService", NS_CV "relatedService", R_CLASS, NS_CPSV "PublicService"},
    {NS_CPSV "PublicService", NS_CV "sector", R_CLASS, NS_SKOS "Concept"},
    {NS_CPSV "PublicService", NS_CV "thematicArea", R_CLASS, NS_SKOS "Concept"},
    {NS_CPSV "PublicService", NS_DCAT "keyword", R_LANG, NULL},
    {NS_CPSV "PublicService", NS_DCT "audience", R_CLASS, NS_SKOS "Concept"},
    {NS_CPSV "PublicService", NS_DCT "description", R_LANG, NULL},
    {NS_CPSV "PublicService", NS_DCT "isPartOf", R_CLASS, NS_DCAT "Dataset"},
    {NS_CPSV "PublicService", NS_DCT "language", R_CLASS, NS_DCT "LinguisticSystem"},
    {NS_CPSV "PublicService", NS_DCT "requires", R_CLASS, NS_CPSV "PublicService"},
    {NS_CPSV "PublicService", NS_DCT "spatial", R_CLASS, NS_DCT "Location"},
    {NS_CPSV "PublicService", NS_DCT "title", R_LANG, NULL},
    {NS_CPSV "PublicService", NS_DCT "type", R_CLASS, NS_SKOS "Concept"},
    /* cv:Channel */
    {NS_CV "Channel", NS_CPSV "hasInput", R_CLASS, NS_CV "Evidence"},
    {NS_CV "Channel", NS_CV "openingHours", R_CLASS, NS_TIME "TemporalEntity"},
    {NS_CV "Channel", NS_CV "ownedBy", R_CLASS, NS_ORG "Organization"},
    {NS_CV "Channel", NS_CV "processingTime", R_DURATION, NULL},
    {NS_CV "Channel", NS_CV "specialOpeningHoursSpecification", R_CLASS, NS_TIME "TemporalEntity"},
    {NS_CV "Channel", NS_DCT "description", R_LANG, NULL},
    {NS_CV "Channel", NS_DCT "type", R_CLASS, NS_SKOS "Concept"},
    /* cv:Cost */
    {NS_CV "Cost", NS_CV "currency", R_CLASS, NS_SKOS "Concept"},
    {NS_CV "Cost", NS_CV "hasValue", R_DOUBLE, NULL},
    {NS_CV "Cost", NS_CV "ifAccessedThrough", R_CLASS, NS_CV "Channel"},
    {NS_CV "Cost", NS_CV "isDefinedBy", R_CLASS, NS_ORG "Organization"},
    {NS_CV "Cost", NS_DCT "description", R_LANG, NULL},
    /* cv:Output */
    {NS_CV "Output", NS_DCT "description", R_LANG, NULL},
    {NS_CV "Output", NS_DCT "isPartOf", R_CLASS, NS_DCAT "Dataset"},
    {NS_CV "Output", NS_DCT "language", R_CLASS, NS_DCT "LinguisticSystem"},
    {NS_CV "Output", NS_DCT "title", R_LANG, NULL},
    {NS_CV "Output", NS_DCT "type", R_CLASS, NS_SKOS "Concept"},
    /* cv:Evidence */
    {NS_CV "Evidence", NS_CV "supportsRequirement", R_CLASS, NS_CV "Requirement"},
    {NS_CV "Evidence", NS_DCT "conformsTo", R_CLASS, NS_CV "EvidenceType"},
    {NS_CV "Evidence", NS_DCT "description", R_LANG, NULL},
    {NS_CV "Evidence", NS_DCT "isPartOf", R_CLASS, NS_DCAT "Dataset"},
    {NS_CV "Evidence", NS_DCT "language", R_CLASS, NS_DCT "LinguisticSystem"},
    {NS_CV "Evidence", NS_DCT "title", R_LANG, NULL},
    {NS_CV "Evidence", NS_DCT "type", R_CLASS, NS_SKOS "Concept"},
    {NS_CV "Evidence", NS_FOAF "page", R_CLASS, NS_FOAF "Document"},
    /* cv:Event, cv:LifeEvent, cv:BusinessEvent */
    {NS_CV "Event", NS_CV "hasRelatedService", R_CLASS, NS_CPSV "PublicService"},
    {NS_CV "Event", NS_DCT "description", R_LANG, NULL},
    {NS_CV "Event", NS_DCT "title", R_LANG, NULL},
    {NS_CV "LifeEvent", NS_DCT "type", R_CLASS, NS_SKOS "Concept"},
    {NS_CV "BusinessEvent", NS_DCT "type", R_CLASS, NS_SKOS "Concept"},
    /* cv:EvidenceType, cv:Requirement */
    {NS_CV "EvidenceType", NS_CV "evidenceTypeClassification", R_CLASS, NS_SKOS "Concept"},
    {NS_CV "Requirement", NS_CV "fulfils", R_CLASS, NS_CPSV "Rule"},
    {NS_CV "Requirement", NS_CV "hasSupportingEvidence", R_CLASS, NS_CV "Evidence"},
    {NS_CV "Requirement", NS_DCT "title", R_LANG, NULL},
    {NS_CV "Requirement", NS_DCT "type", R_CLASS, NS_SKOS "Concept"},
    /* cv:ContactPoint, time:TemporalEntity */
    {NS_CV "ContactPoint", NS_CV "contactPage", R_CLASS, NS_FOAF "Document"},
    {NS_CV "ContactPoint", NS_CV "openingHours", R_CLASS, NS_TIME "TemporalEntity"},
    {NS_CV "ContactPoint", NS_CV "specialOpeningHoursSpecification", R_CLASS, NS_TIME "TemporalEntity"},
    {NS_TIME "TemporalEntity", NS_CV "frequency", R_CLASS, NS_SKOS "Concept"},
    {NS_TIME "TemporalEntity", NS_DCT "description", R_LANG, NULL},
    /* cv:PublicOrganisation */
    {NS_CV "PublicOrganisation", NS_DCT "spatial", R_CLASS, NS_DCT "Location"},
    {NS_CV "PublicOrganisation", NS_SKOS "prefLabel", R_LANG, NULL},
    /* dcat:Dataset, foaf:Agent, cv:Participation */
    {NS_DCAT "Dataset", NS_DCAT "landingPage", R_CLASS, NS_FOAF "Document"},
    {NS_DCAT "Dataset", NS_DCT "description", R_LANG, NULL},
    {NS_DCAT "Dataset", NS_DCT "hasPart", R_CLASS, NS_CPSV "PublicService"},
    {NS_DCAT "Dataset", NS_DCT "publisher", R_CLASS, NS_FOAF "Agent"},
    {NS_DCAT "Dataset", NS_DCT "title", R_LANG, NULL},
    {NS_FOAF "Agent", NS_CV "participates", R_CLASS, NS_CV "Participation"},
    {NS_FOAF "Agent", NS_LOCN "address", R_CLASS, NS_LOCN "Address"},
    {NS_FOAF "Agent", NS_DCT "title", R_LANG, NULL},
    {NS_CV "Participation", NS_CV "hasParticipant", R_CLASS, NS_FOAF "Agent"},
    {NS_CV "Participation", NS_CV "role", R_CLASS, NS_SKOS "Concept"},
    {NS_CV "Participation", NS_DCT "description", R_LANG, NULL},
    /* cpsv:Rule, eli:LegalResource, skos:Collection */
    {NS_CPSV "Rule", NS_CPSV "implements", R_CLASS, NS_ELI "LegalResource"},
    {NS_CPSV "Rule", NS_DCT "description", R_LANG, NULL},
    {NS_CPSV "Rule", NS_DCT "language", R_CLASS, NS_DCT "LinguisticSystem"},
    {NS_CPSV "Rule", NS_DCT "title", R_LANG, NULL},
    {NS_CPSV "Rule", NS_DCT "type", R_CLASS, NS_SKOS "Concept"},
    {NS_ELI "LegalResource", NS_DCT "relation", R_CLASS, NS_ELI "LegalResource"},
    {NS_SKOS "Collection", NS_SKOS "member", R_CLASS, NS_SKOS "Concept"},
    /* locn:Address */
    {NS_LOCN "Address", NS_LOCN "addressArea", R_LANG, NULL},
    {NS_LOCN "Address", NS_LOCN "adminUnitL1", R_LANG, NULL},
    {NS_LOCN "Address", NS_LOCN "adminUnitL2", R_LANG, NULL},
    {NS_LOCN "Address", NS_LOCN "fullAddress", R_LANG, NULL},
    {NS_LOCN "Address", NS_LOCN "locatorName", R_LANG, NULL},
    {NS_LOCN "Address", NS_LOCN "postName", R_LANG, NULL},
    {NS_LOCN "Address", NS_LOCN "thoroughfare", R_LANG, NULL},
    /* cv:ServiceConcessionContract */
    {NS_CV "ServiceConcessionContract", NS_CV "establishedUnder", R_CLASS, NS_ELI "LegalResource"},
    {NS_CV "ServiceConcessionContract", NS_CV "hasContractingAuthority", R_CLASS, NS_CV "PublicOrganisation"},
    {NS_CV "ServiceConcessionContract", NS_CV "hasEconomicOperator", R_CLASS, NS_ORG "Organization"},
    {NS_CV "ServiceConcessionContract", NS_DCT "description", R_LANG, NULL},
    {NS_CV "ServiceConcessionContract", NS_DCT "title", R_LANG, NULL},
};

/* Classes whose shapes require dct:identifier. */
static const char *const need_identifier[] = {
    NS_FOAF "Agent",
    NS_CV "Participation",
    NS_CV "Channel",
    NS_CV "Evidence",
    NS_CV "Cost",
    NS_CPSV "PublicService",
    NS_CV "Event",
    NS_CV "EvidenceType",
    NS_CV "Requirement",
    NS_CV "Output",
    NS_CPSV "Rule",
    NS_CV "ServiceConcessionContract",
    NULL,
};

/* Classes with no mandatory property: a link to a node the catalog does
 * not describe gets a typed stub node; a link to any other class must find
 * its node. */
static const char *const stubbable[] = {
    NS_SKOS "Concept",
    NS_DCT "Location",
    NS_FOAF "Document",
    NS_DCT "LinguisticSystem",
    NS_ORG "Organization",
    NS_CV "ContactPoint",
    NS_TIME "TemporalEntity",
    NS_ELI "LegalResource",
    NS_LOCN "Address",
    NS_SKOS "Collection",
    NULL,
};

/* Classes a link never gives a node: the model checks these (a service
 * needs a title, an organisation a place), and a stray link must not turn a
 * node into one. */
static const char *const never_added[] = {NS_CPSV "PublicService", NS_CV "PublicOrganisation", NULL};

/* Types a class implies, written out because validators only apply the
 * rdfs:subClassOf they find in the data. */
static const char *const implied[][2] = {
    {NS_CV "PublicOrganisation", NS_ORG "Organization"},
    {NS_CV "LifeEvent", NS_CV "Event"},
    {NS_CV "BusinessEvent", NS_CV "Event"},
    {NULL, NULL},
};

static int in_list(const char *const *list, const char *s)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

/* ---- repairs on a node map ---- */

struct xp {
	struct nodemap *m;
	export_warn_fn warn;
	void *cls;
};

static void warnf(struct xp *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(struct xp *x, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!x->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->warn(x->cls, msg);
}

static const char *pc(const char *iri, char *buf, size_t n)
{
	return iri_compact(iri, buf, n);
}

static int add_type(json_t *node, const char *type)
{
	json_t *t = json_object_get(node, "@type");

	if (node_has_type(node, type))
		return 0;
	if (!t) {
		t = json_array();
		json_object_set_new(node, "@type", t);
	}
	json_array_append_new(t, json_string(type));
	return 1;
}

static json_t *lang_value(const char *lang, const char *s)
{
	json_t *v = json_object();

	json_object_set_new(v, "@value", json_string(s));
	json_object_set_new(v, "@language", json_string(lang));
	return v;
}

static int ref_ok(const char *id)
{
	return id && (iri_is_absolute(id) || iri_is_blank(id));
}

static json_t *ref(const char *id)
{
	json_t *v = json_object();

	json_object_set_new(v, "@id", json_string(id));
	return v;
}

static void stub(struct xp *x, const char *id, const char *type)
{
	json_t *n = json_object();
	const struct cat_own_concept *oc = cat_own_concept_by_iri(id);

	json_object_set_new(n, "@id", json_string(id));
	json_object_set_new(n, "@type", json_array());
	json_array_append_new(json_object_get(n, "@type"), json_string(type));
	if (oc && !strcmp(type, NS_SKOS "Concept")) {
		json_t *labels = json_array(), *notation = json_array(), *nv = json_object();

		json_array_append_new(labels, lang_value("lv", oc->lv));
		json_array_append_new(labels, lang_value("en", oc->en));
		json_object_set_new(n, NS_SKOS "prefLabel", labels);
		json_object_set_new(nv, "@value", json_string(oc->notation));
		json_array_append_new(notation, nv);
		json_object_set_new(n, NS_SKOS "notation", notation);
	}
	json_object_set_new(x->m->nodes, id, n);
}

/* Literal values where a node is wanted: epak's concepts for channel types
 * and audiences, a node for a URL; anything else is left out. */
static void literals_to_nodes(struct xp *x, const char *id, json_t *node, const struct rule *r)
{
	json_t *vals = node_vals(node, r->prop), *out, *v;
	size_t i;
	char b1[128];
	int changed = 0;

	if (!vals)
		return;
	out = json_array();
	json_array_foreach(vals, i, v)
	{
		const char *s = val_str(v);
		const struct cat_own_concept *oc = NULL;

		if (!s) {
			json_array_append(out, v);
			continue;
		}
		changed = 1;
		if (!strcmp(r->prop, NS_DCT "type") && !strcmp(r->cls, NS_CV "Channel"))
			oc = cat_own_concept(EPAK_CHANNEL_TYPE, s);
		if (!strcmp(r->prop, NS_DCT "audience")) {
			oc = cat_own_concept(EPAK_AUDIENCE, s);
			if (!strcasecmp(s, "both")) {
				char *a = cat_own_concept_iri(cat_own_concept(EPAK_AUDIENCE, "citizen"));
				char *b = cat_own_concept_iri(cat_own_concept(EPAK_AUDIENCE, "business"));

				json_array_append_new(out, ref(a));
				json_array_append_new(out, ref(b));
				free(a);
				free(b);
				continue;
			}
		}
		if (!strcmp(r->prop, NS_ADMS "status"))
			oc = cat_own_concept(EPAK_STATUS, s);
		if (oc) {
			char *iri = cat_own_concept_iri(oc);

			json_array_append_new(out, ref(iri));
			free(iri);
		} else if (!val_lang(v) && literal_is_iri(s)) {
			json_array_append_new(out, ref(s));
		} else {
			warnf(x, "<%s> %s: \"%s\" is text where a node is needed; left out", id,
			      pc(r->prop, b1, sizeof(b1)), s);
		}
	}
	if (changed)
		json_object_set(node, r->prop, out);
	json_decref(out);
}

static const char **node_ids(struct xp *x, size_t *n)
{
	const char **ids, *id;
	json_t *node;
	size_t i = 0;

	*n = json_object_size(x->m->nodes);
	ids = calloc(*n + 1, sizeof(*ids));
	if (!ids)
		return NULL; /* out of memory */
	json_object_foreach(x->m->nodes, id, node)
	{
		ids[i++] = id;
	}
	qsort(ids, *n, sizeof(*ids), (int (*)(const void *, const void *))strcmp);
	return ids;
}

/* Makes every link of a constrained property point to a node of the class
 * the shape wants; returns 1 when anything changed. */
static int link_classes(struct xp *x, const char *id, json_t *node)
{
	size_t r, i;
	int changed = 0;
	char b1[128], b2[128];

	for (r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		json_t *vals;

		if (rules[r].kind != R_CLASS || !node_has_type(node, rules[r].cls))
			continue;
		vals = node_vals(node, rules[r].prop);
		for (i = 0; vals && i < json_array_size(vals);) {
			const char *t = val_id(json_array_get(vals, i)), *where = NULL;
			json_t *target = t ? json_object_get(x->m->nodes, t) : NULL;

			if (!t) {
				i++;
				continue;
			}
			if (target && !node_has_type(target, rules[r].target) &&
			    in_list(never_added, rules[r].target)) {
				/* a node is not made a service or an organisation by a link */
				where = "";
			} else if (target) {
				changed |= add_type(target, rules[r].target);
			} else if (in_list(stubbable, rules[r].target)) {
				stub(x, t, rules[r].target);
				changed = 1;
			} else {
				where = " of the catalog";
			}
			if (where) { /* the link is left out */
				warnf(x, "<%s> %s: <%s> is not a %s%s; left out", id, pc(rules[r].prop, b1, sizeof(b1)),
				      t, pc(rules[r].target, b2, sizeof(b2)), where);
				json_array_remove(vals, i);
				if (!json_array_size(vals))
					json_object_del(node, rules[r].prop);
				vals = node_vals(node, rules[r].prop);
				changed = 1;
				continue;
			}
			i++;
		}
	}
	return changed;
}

static void fix_datatypes(struct xp *x, const char *id, json_t *node)
{
	size_t r, i;
	char b1[128];

	for (r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		json_t *vals, *v;

		if (rules[r].kind == R_CLASS || !node_has_type(node, rules[r].cls))
			continue;
		vals = node_vals(node, rules[r].prop);
		for (i = 0; vals && i < json_array_size(vals);) {
			const char *s;
			int ok = 1;

			v = json_array_get(vals, i);
			s = val_str(v);
			if (!s) {
				ok = 0;
			} else if (rules[r].kind == R_LANG) {
				if (!val_lang(v)) {
					json_object_del(v, "@type");
					json_object_set_new(v, "@language", json_string("und"));
				}
			} else if (rules[r].kind == R_DOUBLE) {
				if (lexical_number(s, NULL))
					json_object_set_new(v, "@type", json_string(NS_XSD "double"));
				else
					ok = 0;
				json_object_del(v, "@language");
			} else if (rules[r].kind == R_DURATION) {
				if (xsd_duration_valid(s))
					json_object_set_new(v, "@type", json_string(NS_XSD "duration"));
				else
					ok = 0;
				json_object_del(v, "@language");
			}
			if (ok) {
				i++;
				continue;
			}
			warnf(x, "<%s> %s: a value of the wrong kind; left out", id, pc(rules[r].prop, b1, sizeof(b1)));
			json_array_remove(vals, i);
			if (!json_array_size(vals)) {
				json_object_del(node, rules[r].prop);
				break;
			}
		}
	}
}

/* 0, or -1 when out of memory. */
static int repair(struct xp *x)
{
	const char **ids;
	size_t n, i, r;
	int round, changed = 1;
	json_t *parents;

	ids = node_ids(x, &n);
	if (!ids)
		return -1;
	for (i = 0; i < n; i++) {
		json_t *node = json_object_get(x->m->nodes, ids[i]);

		/* an organisation named by dct:title or foaf:name only: the shape wants skos:prefLabel */
		if (node_has_type(node, NS_CV "PublicOrganisation") && !node_vals(node, NS_SKOS "prefLabel")) {
			static const char *const names[] = {NS_DCT "title", NS_FOAF "name", NS_SCHEMA "name", NULL};

			for (r = 0; names[r]; r++) {
				json_t *vals = node_vals(node, names[r]);

				if (vals) {
					json_object_set_new(node, NS_SKOS "prefLabel", json_deep_copy(vals));
					break;
				}
			}
		}
		for (r = 0; implied[r][0]; r++)
			if (node_has_type(node, implied[r][0]))
				add_type(node, implied[r][1]);
		for (r = 0; r < sizeof(rules) / sizeof(rules[0]); r++)
			if (rules[r].kind == R_CLASS && node_has_type(node, rules[r].cls))
				literals_to_nodes(x, ids[i], node, &rules[r]);
	}
	free(ids);
	for (round = 0; changed && round < 16; round++) {
		changed = 0;
		ids = node_ids(x, &n);
		if (!ids)
			return -1;
		for (i = 0; i < n; i++)
			changed |= link_classes(x, ids[i], json_object_get(x->m->nodes, ids[i]));
		free(ids);
		/* a type added above may imply another */
		ids = node_ids(x, &n);
		if (!ids)
			return -1;
		for (i = 0; i < n; i++)
			for (r = 0; implied[r][0]; r++)
				if (node_has_type(json_object_get(x->m->nodes, ids[i]), implied[r][0]))
					changed |= add_type(json_object_get(x->m->nodes, ids[i]), implied[r][1]);
		free(ids);
	}
	parents = nodemap_parents(x->m->nodes);
	ids = node_ids(x, &n);
	if (!parents || !ids) {
		json_decref(parents);
		free(ids);
		return -1;
	}
	for (i = 0; i < n; i++) {
		json_t *node = json_object_get(x->m->nodes, ids[i]), *t;
		size_t k;
		int need = 0;

		json_array_foreach(json_object_get(node, "@type"), k, t)
		{
			need |= in_list(need_identifier, json_string_value(t));
		}
		/* a node without IRI that epak models keeps the identifier it had
		 * (derived from its content or place, which the export changes) */
		if ((iri_is_blank(ids[i]) || iri_is_skolem(ids[i])) && node_kind(node) < CAT_DATASET &&
		    json_object_size(node) > (size_t)1 + (json_object_get(node, "@type") != NULL))
			need = 1;
		if (need && !node_vals(node, NS_DCT "identifier")) {
			char *ident = nodemap_identifier(x->m->nodes, parents, ids[i]);
			json_t *a, *v;

			if (!ident) {
				free(ids);
				json_decref(parents);
				return -1;
			}
			a = json_array();
			v = json_object();
			json_object_set_new(v, "@value", json_string(ident));
			json_array_append_new(a, v);
			json_object_set_new(node, NS_DCT "identifier", a);
			free(ident);
		}
		fix_datatypes(x, ids[i], node);
	}
	free(ids);
	json_decref(parents);
	return 0;
}

/* ---- compaction ---- */

#define NPREFIXES 32

struct cx {
	json_t *bnodes; /* skolem IRI → "_:bN" */
	unsigned long next;
	int off[NPREFIXES]; /* prefixes not declared: an IRI of the data has that scheme */
};

/* An IRI whose scheme is a prefix name ("cv:x" where cv is no prefix of
 * the source) would read back expanded: such prefixes are not declared. */
static void scan_schemes(struct cx *c, const json_t *v)
{
	const char *k, *s;
	json_t *x;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			scan_schemes(c, x);
		}
		return;
	}
	if (json_is_string(v)) {
		s = json_string_value(v);
		for (i = 0; i < NPREFIXES && cat_prefixes[i][0]; i++) {
			size_t l = strlen(cat_prefixes[i][0]);

			if (!strncmp(s, cat_prefixes[i][0], l) && s[l] == ':' &&
			    strncmp(s, cat_prefixes[i][1], strlen(cat_prefixes[i][1])))
				c->off[i] = 1;
		}
		return;
	}
	json_object_foreach((json_t *)v, k, x)
	{
		if (k[0] != '@') {
			json_t *key = json_string(k);

			scan_schemes(c, key);
			json_decref(key);
			scan_schemes(c, x);
		} else if (!strcmp(k, "@id") || !strcmp(k, "@type")) {
			scan_schemes(c, x);
		}
	}
}

static const char *compact_iri(const struct cx *c, const char *iri, char *out, size_t n)
{
	return iri_compact_skipping(iri, c->off, out, n);
}

static json_t *compact_key_in(const struct cx *c, const char *iri)
{
	char buf[512];

	return json_string(compact_iri(c, iri, buf, sizeof(buf)));
}

static json_t *compact_id(struct cx *c, const char *id)
{
	json_t *l;
	char buf[32];

	if (!iri_is_skolem(id))
		return json_string(id);
	l = json_object_get(c->bnodes, id);
	if (!l) {
		snprintf(buf, sizeof(buf), "_:b%lu", c->next++);
		l = json_string(buf);
		json_object_set_new(c->bnodes, id, l);
	}
	return json_incref(l);
}

static int integer_lexical(const char *s)
{
	size_t i = 0;

	if (s[0] == '-')
		i++;
	if (s[i] == '0')
		return s[i + 1] == '\0' && i == 0;
	if (s[i] < '1' || s[i] > '9')
		return 0;
	for (; s[i]; i++)
		if (s[i] < '0' || s[i] > '9' || i > 17)
			return 0;
	return 1;
}

static json_t *compact_node(struct cx *c, json_t *node);

static json_t *compact_value(struct cx *c, json_t *v)
{
	const char *s = val_str(v), *t = val_type(v), *l = val_lang(v);
	json_t *out;

	if (s) {
		if (l) {
			out = json_object();
			json_object_set_new(out, "@language", json_string(l));
			json_object_set_new(out, "@value", json_string(s));
			return out;
		}
		if (!t)
			return json_string(s);
		if (!strcmp(t, NS_XSD "boolean") && (!strcmp(s, "true") || !strcmp(s, "false")))
			return json_boolean(!strcmp(s, "true"));
		if (!strcmp(t, NS_XSD "integer") && integer_lexical(s))
			return json_integer(strtoll(s, NULL, 10));
		out = json_object();
		json_object_set_new(out, "@value", json_string(s));
		json_object_set_new(out, "@type", compact_key_in(c, t));
		return out;
	}
	if (json_object_get(v, "@list")) {
		json_t *l2 = json_array(), *it;
		size_t i;

		json_array_foreach(json_object_get(v, "@list"), i, it)
		{
			json_array_append_new(l2, compact_value(c, it));
		}
		out = json_object();
		json_object_set_new(out, "@list", l2);
		return out;
	}
	if (json_object_size(v) == 1 && val_id(v)) {
		out = json_object();
		json_object_set_new(out, "@id", compact_id(c, val_id(v)));
		return out;
	}
	return compact_node(c, v);
}

static json_t *compact_node(struct cx *c, json_t *node)
{
	json_t *out = json_object(), *types = json_object_get(node, "@type"), *v;
	const char **keys;
	const char *k;
	size_t n = 0, i;

	if (node_id(node))
		json_object_set_new(out, "@id", compact_id(c, node_id(node)));
	if (json_array_size(types) == 1) {
		json_object_set_new(out, "@type", compact_key_in(c, json_string_value(json_array_get(types, 0))));
	} else if (json_array_size(types) > 1) {
		json_t *a = json_array();

		json_array_foreach(types, i, v)
		{
			json_array_append_new(a, compact_key_in(c, json_string_value(v)));
		}
		json_object_set_new(out, "@type", a);
	}
	keys = calloc(json_object_size(node) + 1, sizeof(*keys));
	if (!keys) {
		json_decref(out);
		return NULL; /* out of memory */
	}
	json_object_foreach(node, k, v)
	{
		if (k[0] != '@')
			keys[n++] = k;
	}
	/* by the compact key, as a reader sees them */
	for (i = 1; i < n; i++) {
		size_t j = i;
		char a[512], b[512];

		while (j > 0 &&
		       strcmp(compact_iri(c, keys[j - 1], a, sizeof(a)), compact_iri(c, keys[j], b, sizeof(b))) > 0) {
			const char *tmp = keys[j];

			keys[j] = keys[j - 1];
			keys[j - 1] = tmp;
			j--;
		}
	}
	for (i = 0; i < n; i++) {
		json_t *vals = json_object_get(node, keys[i]), *cv, *x;
		char buf[512];
		size_t j;

		if (json_array_size(vals) == 1) {
			cv = compact_value(c, json_array_get(vals, 0));
		} else {
			cv = json_array();
			json_array_foreach(vals, j, x)
			{
				json_array_append_new(cv, compact_value(c, x));
			}
		}
		json_object_set_new(out, compact_iri(c, keys[i], buf, sizeof(buf)), cv);
	}
	free(keys);
	return out;
}

static int kind_rank(enum cat_kind k)
{
	static const enum cat_kind order[] = {CAT_DATASET,      CAT_CONCEPT,  CAT_LOCATION,    CAT_OTHER,   CAT_PORTAL,
					      CAT_ORGANISATION, CAT_CONTACT,  CAT_EVENT,       CAT_CHANNEL, CAT_COST,
					      CAT_OUTPUT,       CAT_EVIDENCE, CAT_REQUIREMENT, CAT_SERVICE};
	int i;

	for (i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++)
		if (order[i] == k)
			return i;
	return 99;
}

static int cmp_rank(const void *pa, const void *pb)
{
	const struct cat_record *a = *(const struct cat_record *const *)pa, *b = *(const struct cat_record *const *)pb;
	int d = kind_rank(a->kind) - kind_rank(b->kind);

	return d ? d : strcmp(a->iri, b->iri);
}

/* Repairs m, cuts it into nodes again, writes the document. */
static int write_doc(struct nodemap *m, struct buf *out, export_warn_fn warn, void *cls, struct err *err)
{
	struct xp x = {m, warn, cls};
	struct cx c = {json_object(), 0, {0}};
	struct cat_doc *doc = NULL;
	const struct cat_record **order = NULL;
	json_t *root = NULL, *ctx, *graph, *nodes = NULL;
	char *text = NULL;
	size_t i;
	int rc = -1;

	nodemap_finish(m);
	if (repair(&x) != 0) {
		err_set(err, ERR_INTERNAL, "export: out of memory");
		goto out;
	}
	doc = nodemap_records(m, err);
	if (!doc)
		goto out;
	order = calloc(doc->n + 1, sizeof(*order));
	if (!order) {
		err_set(err, ERR_INTERNAL, "export: out of memory");
		goto out;
	}
	for (i = 0; i < doc->n; i++)
		order[i] = &doc->rec[i];
	qsort(order, doc->n, sizeof(*order), cmp_rank);
	nodes = json_array();
	for (i = 0; i < doc->n; i++) {
		json_error_t je;
		json_t *node = json_loads(order[i]->body, 0, &je);

		if (!node) {
			err_set(err, ERR_VALIDATION, "export: %s", je.text);
			goto out;
		}
		scan_schemes(&c, node);
		json_array_append_new(nodes, node);
	}
	root = json_object();
	ctx = json_object();
	for (i = 0; i < NPREFIXES && cat_prefixes[i][0]; i++)
		if (!c.off[i])
			json_object_set_new(ctx, cat_prefixes[i][0], json_string(cat_prefixes[i][1]));
	json_object_set_new(root, "@context", ctx);
	graph = json_array();
	json_object_set_new(root, "@graph", graph);
	for (i = 0; i < doc->n; i++) {
		json_t *cn = compact_node(&c, json_array_get(nodes, i));

		if (!cn || json_array_append_new(graph, cn) != 0) {
			err_set(err, ERR_INTERNAL, "export: out of memory");
			goto out;
		}
	}
	text = json_dumps(root, JSON_INDENT(1));
	if (!text || buf_puts(out, text) != 0 || buf_putc(out, '\n') != 0 || !buf_ok(out)) {
		err_set(err, ERR_INTERNAL, "export: out of memory or too large");
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(order);
	json_decref(root);
	json_decref(nodes);
	json_decref(c.bnodes);
	cat_doc_free(doc);
	return rc;
}

struct gather {
	struct nodemap m;
	struct err *err;
};

static int gather_record(void *cls, const char *iri, const char *kind, const char *body)
{
	struct gather *g = cls;
	json_error_t je;
	json_t *j = json_loads(body, 0, &je);
	int rc;

	(void)iri;
	(void)kind;
	if (!j) {
		err_set(g->err, ERR_VALIDATION, "a stored record is not JSON: %s", je.text);
		return 1;
	}
	rc = nodemap_add(&g->m, j, g->err);
	json_decref(j);
	return rc ? 1 : 0;
}

int catalog_export(struct db *db, struct buf *out, export_warn_fn warn, void *cls, struct err *err)
{
	struct gather g;
	int rc;

	err_clear(err);
	nodemap_init(&g.m);
	g.err = err;
	rc = catalog_each_record(db, gather_record, &g, err);
	if (rc == 0)
		rc = write_doc(&g.m, out, warn, cls, err);
	else if (!err->msg[0])
		err_set(err, ERR_VALIDATION, "reading the catalog failed");
	nodemap_clear(&g.m);
	return rc == 0 ? 0 : -1;
}

int catalog_export_doc(const struct cat_doc *doc, struct buf *out, export_warn_fn warn, void *cls, struct err *err)
{
	struct gather g;
	size_t i;
	int rc = 0;

	err_clear(err);
	nodemap_init(&g.m);
	g.err = err;
	for (i = 0; i < doc->n && rc == 0; i++)
		rc = gather_record(&g, doc->rec[i].iri, cat_kind_name(doc->rec[i].kind), doc->rec[i].body);
	if (rc == 0)
		rc = write_doc(&g.m, out, warn, cls, err);
	nodemap_clear(&g.m);
	return rc == 0 ? 0 : -1;
}

/* ---- one service, from the model ---- */

struct sx {
	json_t *nodes;
	unsigned long next;
};

static const char *blank(struct sx *s, char *buf, size_t n)
{
	snprintf(buf, n, "_:s%lu", s->next++);
	return buf;
}

static json_t *new_node(struct sx *s, const char *id, const char *type)
{
	json_t *n = json_object_get(s->nodes, id);

	if (n)
		return n;
	n = json_object();
	json_object_set_new(n, "@id", json_string(id));
	json_object_set_new(n, "@type", json_array());
	if (type)
		json_array_append_new(json_object_get(n, "@type"), json_string(type));
	json_object_set_new(s->nodes, id, n);
	return n;
}

static void put(json_t *node, const char *prop, json_t *v) /* steals v */
{
	json_t *a = json_object_get(node, prop);

	if (!a) {
		a = json_array();
		json_object_set_new(node, prop, a);
	}
	json_array_append_new(a, v);
}

static json_t *lit(const char *s)
{
	json_t *v = json_object();

	json_object_set_new(v, "@value", json_string(s));
	return v;
}

static json_t *typed(const char *s, const char *type)
{
	json_t *v = lit(s);

	json_object_set_new(v, "@type", json_string(type));
	return v;
}

static void put_text(json_t *node, const char *prop, const struct mltext *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		put(node, prop, *t->v[i].lang ? lang_value(t->v[i].lang, t->v[i].value) : lit(t->v[i].value));
}

static void put_strs(json_t *node, const char *prop, const struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		put(node, prop, lit(l->v[i]));
}

static void put_link(json_t *node, const char *prop, const char *url)
{
	if (url)
		put(node, prop, iri_is_absolute(url) ? ref(url) : lit(url));
}

static void put_concept(struct sx *s, json_t *node, const char *prop, const struct concept *c, const char *scheme)
{
	const struct cat_own_concept *oc = NULL;

	if (c->iri) {
		put(node, prop, ref(c->iri));
		if (c->label.n) {
			json_t *cn = new_node(s, c->iri, NULL);

			if (!node_vals(cn, NS_SKOS "prefLabel"))
				put_text(cn, NS_SKOS "prefLabel", &c->label);
		}
		return;
	}
	if (c->node) { /* a node without IRI: a blank node again */
		char b[32];
		json_t *cn = new_node(s, blank(s, b, sizeof(b)), NULL);

		put_text(cn, NS_SKOS "prefLabel", &c->label);
		if (c->notation)
			put(cn, NS_SKOS "notation", lit(c->notation));
		put(node, prop, ref(b));
		return;
	}
	if (scheme)
		oc = cat_own_concept(scheme, c->notation);
	if (oc) {
		char *iri = cat_own_concept_iri(oc);

		put(node, prop, ref(iri));
		free(iri);
	} else if (c->notation) {
		put(node, prop, lit(c->notation));
	}
}

static void put_identifier(json_t *node, const char *identifier)
{
	if (identifier)
		put(node, NS_DCT "identifier", lit(identifier));
}

static const char *id_or_blank(struct sx *s, const char *iri, char *buf, size_t n)
{
	return iri ? iri : blank(s, buf, n);
}

static const char *put_contact(struct sx *s, const struct contact_point *cp)
{
	char b[32];
	const char *id = id_or_blank(s, cp->iri, b, sizeof(b));
	json_t *n;
	size_t i;

	if (cp->iri && json_object_get(s->nodes, cp->iri))
		return cp->iri;
	n = new_node(s, id, NS_CV "ContactPoint");
	put_identifier(n, cp->identifier);
	put_text(n, NS_DCT "title", &cp->title);
	put_strs(n, NS_CV "telephone", &cp->phones);
	put_strs(n, NS_CV "email", &cp->emails);
	for (i = 0; i < cp->pages.n; i++)
		put_link(n, NS_CV "contactPage", cp->pages.v[i]);
	if (cp->hours.n) {
		char hb[32];
		json_t *h = new_node(s, blank(s, hb, sizeof(hb)), NS_TIME "TemporalEntity");

		put_text(h, NS_DCT "description", &cp->hours);
		put(n, NS_CV "openingHours", ref(hb));
	}
	put_strs(n, NS_EPAK "helpdeskFor", &cp->helpdesk_for);
	return node_id(n);
}

static const char *put_org(struct sx *s, const struct organisation *o)
{
	char b[32];
	const char *id = id_or_blank(s, o->iri, b, sizeof(b));
	json_t *n;
	size_t i;

	if (o->iri && json_object_get(s->nodes, o->iri))
		return o->iri;
	n = new_node(s, id, NS_CV "PublicOrganisation");
	put_identifier(n, o->identifier);
	put_text(n, NS_SKOS "prefLabel", &o->name);
	put_text(n, NS_SKOS "altLabel", &o->alt_names);
	for (i = 0; i < o->spatial.n; i++)
		put_concept(s, n, NS_DCT "spatial", &o->spatial.v[i], NULL);
	put_link(n, NS_FOAF "homepage", o->homepage);
	if (o->level != ORG_LEVEL_UNKNOWN)
		put(n, NS_EPAK "level", lit(o->level == ORG_LEVEL_STATE ? "state" : "municipal"));
	if (o->e_mark != FLAG_UNSET)
		put(n, NS_EPAK "eMark", typed(o->e_mark == FLAG_YES ? "true" : "false", NS_XSD "boolean"));
	if (o->e_mark_granted)
		put(n, NS_EPAK "eMarkGranted", typed(o->e_mark_granted, NS_XSD "date"));
	put_strs(n, NS_EPAK "helpdeskFor", &o->helpdesk_for);
	for (i = 0; i < o->ncontacts; i++)
		put(n, NS_CV "contactPoint", ref(put_contact(s, o->contacts[i])));
	if (o->address.n) {
		char ab[32];
		json_t *a = new_node(s, blank(s, ab, sizeof(ab)), NS_LOCN "Address");

		put_text(a, NS_LOCN "fullAddress", &o->address);
		put(n, NS_LOCN "address", ref(ab));
	}
	return node_id(n);
}

static const char *put_item(struct sx *s, const struct item *it, const char *type)
{
	char b[32];
	const char *id = id_or_blank(s, it->iri, b, sizeof(b));
	json_t *n = new_node(s, id, type);
	size_t i;

	put_identifier(n, it->identifier);
	put_text(n, NS_DCT "title", &it->title);
	put_text(n, NS_DCT "description", &it->description);
	if (it->type.iri || it->type.notation)
		put_concept(s, n, NS_DCT "type", &it->type, NULL);
	for (i = 0; i < it->nevidence; i++)
		put(n, NS_CV "hasSupportingEvidence", ref(put_item(s, it->evidence[i], NS_CV "Evidence")));
	return node_id(n);
}

int catalog_service_jsonld(const struct catalog *c, const struct service *sv, struct buf *out)
{
	struct sx s = {json_object(), 0};
	struct nodemap m;
	struct err err = {0};
	char b[32];
	const char *sid = id_or_blank(&s, sv->iri, b, sizeof(b));
	const char **chan_ids;
	json_t *n = new_node(&s, sid, NS_CPSV "PublicService");
	size_t i;
	int rc;

	(void)c;
	put_identifier(n, sv->identifier);
	put_text(n, NS_DCT "title", &sv->title);
	put_text(n, NS_DCT "description", &sv->description);
	put_text(n, NS_DCAT "keyword", &sv->keywords);
	put(n, NS_CV "hasCompetentAuthority", ref(put_org(&s, sv->authority)));
	for (i = 0; i < sv->audience_concepts.n; i++)
		put_concept(&s, n, NS_DCT "audience", &sv->audience_concepts.v[i], EPAK_AUDIENCE);
	for (i = 0; i < sv->nevents; i++) {
		const struct event *e = sv->events[i];
		char eb[32];
		const char *eid = id_or_blank(&s, e->iri, eb, sizeof(eb));
		json_t *en = new_node(&s, eid,
				      e->kind == EVENT_LIFE       ? NS_CV "LifeEvent"
				      : e->kind == EVENT_BUSINESS ? NS_CV "BusinessEvent"
								  : NS_CV "Event");

		put_identifier(en, e->identifier);
		put_text(en, NS_DCT "title", &e->title);
		put_text(en, NS_DCT "description", &e->description);
		put(n, NS_CV "isGroupedBy", ref(node_id(en)));
	}
	chan_ids = calloc(sv->nchannels + 1, sizeof(*chan_ids));
	if (!chan_ids) {
		json_decref(s.nodes);
		return -1;
	}
	for (i = 0; i < sv->nchannels; i++) {
		const struct channel *ch = &sv->channels[i];
		char cb[32];
		json_t *cn = new_node(&s, id_or_blank(&s, ch->iri, cb, sizeof(cb)), NS_CV "Channel");

		chan_ids[i] = node_id(cn);
		put_identifier(cn, ch->identifier);
		if (ch->type_concept && (ch->type_concept->iri || ch->type_concept->notation))
			put_concept(&s, cn, NS_DCT "type", ch->type_concept, EPAK_CHANNEL_TYPE);
		if (ch->owner)
			put(cn, NS_CV "ownedBy", ref(put_org(&s, ch->owner)));
		else if (ref_ok(ch->owner_iri))
			put(cn, NS_CV "ownedBy", ref(ch->owner_iri));
		put_link(cn, NS_FOAF "page", ch->url);
		if (ch->contact)
			put(cn, NS_CV "contactPoint", ref(put_contact(&s, ch->contact)));
		put_text(cn, NS_DCT "description", &ch->description);
		if (ch->hours.n) {
			char hb[32];
			json_t *h = new_node(&s, blank(&s, hb, sizeof(hb)), NS_TIME "TemporalEntity");

			put_text(h, NS_DCT "description", &ch->hours);
			put(cn, NS_CV "openingHours", ref(hb));
		}
		if (ch->processing_time)
			put(cn, NS_CV "processingTime", typed(ch->processing_time, NS_XSD "duration"));
		put(n, NS_CV "hasChannel", ref(node_id(cn)));
	}
	for (i = 0; i < sv->ncosts; i++) {
		const struct cost *k = &sv->costs[i];
		char kb[32];
		json_t *kn = new_node(&s, id_or_blank(&s, k->iri, kb, sizeof(kb)), NS_CV "Cost");
		size_t j;

		put_identifier(kn, k->identifier);
		if (k->has_value)
			put(kn, NS_CV "hasValue", typed(k->value_text, NS_XSD "double"));
		if (k->currency_iri)
			put(kn, NS_CV "currency", ref(k->currency_iri));
		else if (k->currency)
			put(kn, NS_CV "currency", lit(k->currency));
		put_text(kn, NS_DCT "description", &k->description);
		if (k->defined_by)
			put(kn, NS_CV "isDefinedBy", ref(put_org(&s, k->defined_by)));
		else if (ref_ok(k->defined_by_iri))
			put(kn, NS_CV "isDefinedBy", ref(k->defined_by_iri));
		for (j = 0; k->accessed_through && j < sv->nchannels; j++)
			if (&sv->channels[j] == k->accessed_through)
				put(kn, NS_CV "ifAccessedThrough", ref(chan_ids[j]));
		put_link(kn, NS_FOAF "page", k->price_list);
		put(n, NS_CV "hasCost", ref(node_id(kn)));
	}
	free(chan_ids);
	for (i = 0; i < sv->noutputs; i++)
		put(n, NS_CPSV "produces", ref(put_item(&s, &sv->outputs[i], NS_CV "Output")));
	for (i = 0; i < sv->ninputs; i++)
		put(n, NS_CPSV "hasInput", ref(put_item(&s, &sv->inputs[i], NS_CV "Evidence")));
	for (i = 0; i < sv->nrequirements; i++)
		put(n, NS_CV "holdsRequirement", ref(put_item(&s, &sv->requirements[i], NS_CV "Requirement")));
	for (i = 0; i < sv->ncontacts; i++)
		put(n, NS_CV "contactPoint", ref(put_contact(&s, sv->contacts[i])));
	if (sv->processing_time)
		put(n, NS_CV "processingTime", typed(sv->processing_time, NS_XSD "duration"));
	if (sv->status_iri)
		put(n, NS_ADMS "status", ref(sv->status_iri));
	for (i = 0; i < sv->spatial.n; i++)
		put_concept(&s, n, NS_DCT "spatial", &sv->spatial.v[i], NULL);
	for (i = 0; i < sv->classes.n; i++)
		put_concept(&s, n, NS_CV "isClassifiedBy", &sv->classes.v[i], NULL);
	if (sv->e_service != FLAG_UNSET)
		put(n, NS_EPAK "eService", typed(sv->e_service == FLAG_YES ? "true" : "false", NS_XSD "boolean"));
	if (sv->hosted_on && sv->hosted_on->iri) {
		json_t *pn = new_node(&s, sv->hosted_on->iri, NS_EPAK "Portal");

		add_type(pn, NS_FOAF "Document");
		put_text(pn, NS_SKOS "prefLabel", &sv->hosted_on->name);
		if (sv->hosted_on->operator_org)
			put(pn, NS_EPAK "operatedBy", ref(put_org(&s, sv->hosted_on->operator_org)));
		put(n, NS_EPAK "hostedOn", ref(sv->hosted_on->iri));
	}
	put_strs(n, NS_EPAK "authMethods", &sv->auth_methods);
	/* the same repairs and writing as the whole catalog */
	nodemap_init(&m);
	json_decref(m.nodes);
	m.nodes = s.nodes;
	{
		const char *k;
		json_t *v;
		void *tmp;

		/* drop empty type arrays of concept nodes made for labels */
		json_object_foreach_safe(m.nodes, tmp, k, v)
		{
			if (!json_array_size(json_object_get(v, "@type")))
				json_object_del(v, "@type");
		}
	}
	rc = write_doc(&m, out, NULL, NULL, &err);
	nodemap_clear(&m);
	return rc;
}
