/* cpsv_context.c — the official CPSV-AP 3.2.0 JSON-LD context, embedded, and
 * the URLs it is known by (see jsonld.h). */
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
int cat_is_official_context(const char *url)
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

/* The official context, as if its terms were written in the document. */
json_t *cat_official_context(void)
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
