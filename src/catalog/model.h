/* model.h — the in-memory service catalog.
 *
 * A struct catalog is what the read model, the pages and the search index
 * use: public services, the organisations that provide them, their contact
 * points, life and business events, and the portals that host e-services,
 * all in CPSV-AP 3.2.0 terms (docs/catalog.md maps every field to its
 * property). It is built once (catalog_load() in store.h, or
 * catalog_from_doc() here), lives in one arena, and never changes after:
 * any number of threads may read it at once without locks. catalog_free()
 * releases all of it; no pointer into it survives that.
 *
 * Every service, organisation, event, contact point and portal has a slug:
 * ASCII, lower case, unique within its kind, derived from its
 * dct:identifier (catalog_slugify(); the rule is in docs/catalog.md).
 * Channels, costs, outputs, evidence and requirements have slugs unique
 * within their service.
 */
#ifndef EPAK_CATALOG_MODEL_H
#define EPAK_CATALOG_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct cat_doc;
struct err;

/* One text and its language: "lv", "en", "it", ... or "" when the source did
 * not say (a plain string, or the language tag "und"). */
struct text {
	const char *lang;
	const char *value;
};

/* Text in several languages: Latvian first, then English, then the others
 * in the order of the source. Titles have one entry per language; keyword
 * lists may have several. */
struct mltext {
	const struct text *v;
	size_t n;
};

/* The text in lang, else Latvian, English, untagged, the first; NULL if none. */
const char *mltext_get(const struct mltext *t, const char *lang);
/* The text in exactly lang ("" for untagged); NULL if none. */
const char *mltext_exact(const struct mltext *t, const char *lang);

struct strlist {
	const char *const *v;
	size_t n;
};

/* A concept of a code list (an audience, a channel type, a currency, a place). */
struct concept {
	const char *iri;      /* NULL for a bare string or a node without IRI */
	const char *notation; /* skos:notation, else the IRI's last segment, else the string */
	struct mltext label;  /* skos:prefLabel (or dct:title) where the catalog has one */
	int node;             /* 1: the source gave a node (iri NULL: a blank one); 0: a bare string */
};

struct concepts {
	const struct concept *v;
	size_t n;
};

enum org_level { ORG_LEVEL_UNKNOWN, ORG_LEVEL_STATE, ORG_LEVEL_MUNICIPAL };

enum channel_type {
	CHANNEL_OTHER,       /* a type epak does not know (see type.iri) or none */
	CHANNEL_ONLINE,      /* on a web site or portal */
	CHANNEL_IN_PERSON,   /* at a desk */
	CHANNEL_PHONE,       /* by phone */
	CHANNEL_POST,        /* by post */
	CHANNEL_EMAIL_ESIGN, /* a document signed with a secure e-signature, sent to the official e-mail */
	CHANNEL_EMAIL,       /* plain e-mail */
};

enum event_kind { EVENT_LIFE, EVENT_BUSINESS, EVENT_OTHER };

enum service_status {
	SERVICE_STATUS_UNSPECIFIED, /* no adms:status */
	SERVICE_STATUS_ACTIVE,      /* .../active, adms Completed */
	SERVICE_STATUS_INACTIVE,    /* withdrawn, deprecated, inactive */
	SERVICE_STATUS_PLANNED,     /* under development, planned */
	SERVICE_STATUS_OTHER,       /* a status IRI epak does not know */
};

/* Audience bits (dct:audience). */
#define AUDIENCE_CITIZEN 1u
#define AUDIENCE_BUSINESS 2u

/* Optional yes/no properties: not stated, no, yes. */
enum flag { FLAG_UNSET = -1, FLAG_NO = 0, FLAG_YES = 1 };

struct service;
struct organisation;

/* cv:ContactPoint (or schema:ContactPoint). */
struct contact_point {
	const char *iri; /* NULL for a blank node */
	const char *identifier;
	const char *slug;
	struct mltext title;         /* dct:title */
	struct strlist phones;       /* cv:telephone, as written */
	struct strlist emails;       /* cv:email: the official address, also for signed documents */
	struct strlist pages;        /* cv:contactPage */
	struct mltext hours;         /* cv:openingHours → dct:description */
	struct strlist helpdesk_for; /* epak:helpdeskFor: "eID", "e-signature", "portal", ... */
};

struct organisation {
	const char *iri;
	const char *identifier;
	const char *slug;
	struct mltext name;         /* skos:prefLabel, else dct:title, else foaf:name */
	struct mltext alt_names;    /* skos:altLabel: abbreviations such as VID, PMLP */
	enum org_level level;       /* epak:level (or epak:type): state or municipal */
	enum flag e_mark;           /* epak:eMark, the campaign's "ē!" mark */
	const char *e_mark_granted; /* epak:eMarkGranted: the xsd:date it was granted ("2026-12-07"), or NULL */
	const char *homepage;       /* foaf:homepage */
	struct mltext address;      /* locn:address → locn:fullAddress */
	struct concepts spatial;    /* dct:spatial */
	struct strlist helpdesk_for;
	const struct contact_point *const *contacts; /* cv:contactPoint */
	size_t ncontacts;
	const struct service *const *services; /* where it is the competent authority, by slug */
	size_t nservices;
	/* Where documents signed with a secure e-signature go: the e-mail of
	 * such a channel of its own services, else its first contact's; NULL
	 * when it has none. Computed once when the catalog is built. */
	const char *official_email;
};

/* cv:Channel: how a service is requested or received. */
struct channel {
	const char *iri; /* NULL for a blank node */
	const char *identifier;
	const char *slug; /* unique within the service */
	enum channel_type type;
	const struct concept *type_concept;  /* dct:type as given, shared; NULL when none */
	const struct organisation *owner;    /* cv:ownedBy, NULL when not in the catalog */
	const char *owner_iri;               /* cv:ownedBy as given */
	const char *url;                     /* foaf:page (for online: where to go) */
	const struct contact_point *contact; /* cv:contactPoint */
	const char *phone;                   /* the contact point's first phone */
	const char *email;                   /* the official e-mail: the channel's contact point's first */
	struct mltext description;           /* dct:description: what to do */
	struct mltext hours;                 /* cv:openingHours → dct:description */
	const char *processing_time;         /* cv:processingTime (xsd:duration) */
};

/* cv:Cost. A cost without a value is described, not priced: it is not free. */
struct cost {
	const char *iri;
	const char *identifier;
	const char *slug;
	int has_value; /* cv:hasValue present */
	double value;
	const char *value_text; /* its lexical form, e.g. "0.0" */
	const char *currency;   /* "EUR" (the IRI's last segment), or NULL */
	const char *currency_iri;
	struct mltext description;             /* what the money is for */
	const struct organisation *defined_by; /* cv:isDefinedBy */
	const char *defined_by_iri;
	const struct channel *accessed_through; /* cv:ifAccessedThrough: one of the service's channels */
	const char *price_list;                 /* foaf:page: the price list the cost is set by, or NULL */
};

/* cv:Output, cv:Evidence, cv:Requirement: a titled thing. */
struct item {
	const char *iri;
	const char *identifier;
	const char *slug;
	struct mltext title;
	struct mltext description;
	struct concept type;                /* dct:type (iri NULL when none) */
	const struct item *const *evidence; /* requirements: cv:hasSupportingEvidence */
	size_t nevidence;
};

/* eli:LegalResource: the law or regulation a service rests on
 * (cv:hasLegalResource). A described node gives its title (dct:title) and
 * address (foaf:page, else its IRI); a bare link gives only the address. */
struct legal {
	const char *iri; /* NULL for a blank node */
	struct mltext title;
	const char *url; /* NULL when there is none */
};

/* epak:Portal: where e-services are hosted (latvija.lv, EDS, ...). */
struct portal {
	const char *iri; /* the portal's address */
	const char *identifier;
	const char *slug;
	struct mltext name;                      /* skos:prefLabel */
	const char *url;                         /* foaf:homepage, else the IRI */
	const struct organisation *operator_org; /* epak:operatedBy */
};

/* cv:LifeEvent / cv:BusinessEvent. */
struct event {
	const char *iri;
	const char *identifier;
	const char *slug;
	enum event_kind kind;
	struct mltext title;
	struct mltext description;
	struct mltext introduction; /* epak:introduction: a few sentences that guide a person through it */
	/* epak:serviceOrder: the IRIs of its services in the order a person
	 * needs them (a JSON-LD @list); empty when the catalog gives none. */
	struct strlist order;
	const struct service *const *services; /* cv:isGroupedBy / cv:hasRelatedService, by slug */
	size_t nservices;
};

/* cpsv:PublicService. Counts are 32-bit and kept together, after the
 * pointers, so that 100 000 services do not pay for padding. */
struct service {
	const char *iri; /* NULL for a blank node */
	const char *identifier;
	const char *slug;
	struct mltext title;
	struct mltext description;
	struct mltext keywords;                      /* dcat:keyword: the words people type */
	const struct organisation *authority;        /* cv:hasCompetentAuthority (always set) */
	struct concepts audience_concepts;           /* dct:audience as given */
	const struct event *const *events;           /* cv:isGroupedBy; nevents */
	const struct channel *channels;              /* cv:hasChannel; nchannels */
	const struct cost *costs;                    /* cv:hasCost; ncosts */
	const struct item *outputs;                  /* cpsv:produces; noutputs */
	const struct item *inputs;                   /* cpsv:hasInput (evidence); ninputs */
	const struct item *requirements;             /* cv:holdsRequirement, cv:hasCriterion; nrequirements */
	const struct contact_point *const *contacts; /* cv:contactPoint, cv:hasContactPoint; ncontacts */
	const char *processing_time;                 /* cv:processingTime (xsd:duration, e.g. "P1M") */
	const char *status_iri;                      /* adms:status */
	struct concepts spatial;                     /* dct:spatial */
	struct concepts classes;                     /* dct:type, cv:isClassifiedBy, cv:thematicArea, cv:sector */
	const struct portal *hosted_on;              /* epak:hostedOn */
	const char *hosted_url;      /* epak:hostedOn, else (e-services) the first online channel's page */
	struct strlist auth_methods; /* epak:authMethods: "eid", "eparaksts-mobile", "bank", ... */
	const struct legal *legal;   /* cv:hasLegalResource; nlegal */
	uint32_t nevents, nchannels, ncosts, noutputs, ninputs, nrequirements, ncontacts, nlegal;
	unsigned audience;          /* AUDIENCE_* bits; 0 = not stated */
	enum service_status status; /* from adms:status */
	enum flag e_service;        /* epak:eService */
};

struct catalog_index;

struct catalog {
	long long revision; /* the database revision it was loaded at (0: not from a database) */
	/* each sorted by slug */
	const struct service *const *services;
	size_t nservices;
	const struct organisation *const *orgs;
	size_t norgs;
	const struct event *const *events;
	size_t nevents;
	const struct contact_point *const *contacts;
	size_t ncontacts;
	const struct portal *const *portals;
	size_t nportals;
	struct catalog_index *index; /* private: arena and lookup tables */
};

/* Lookups; NULL when there is none. */
const struct service *catalog_service(const struct catalog *c, const char *slug);
const struct service *catalog_service_by_id(const struct catalog *c, const char *identifier);
const struct service *catalog_service_by_iri(const struct catalog *c, const char *iri);
const struct organisation *catalog_org(const struct catalog *c, const char *slug);
const struct organisation *catalog_org_by_iri(const struct catalog *c, const char *iri);
const struct event *catalog_event(const struct catalog *c, const char *slug);
const struct contact_point *catalog_contact(const struct catalog *c, const char *slug);
const struct portal *catalog_portal(const struct catalog *c, const char *slug);

void catalog_free(struct catalog *c);

/* Builds a catalog from records (a parsed file, in tests and the fuzzer).
 * NULL on error, with err naming the node and the property. */
struct catalog *catalog_from_doc(const struct cat_doc *doc, struct err *err);

/* Incremental building, for the store: add every record that is not a
 * service first, then the services (so a catalog of any size is built one
 * service at a time). */
struct catalog_builder;
/* The most memory a catalog may take unless told otherwise (the server's
 * catalog-max-bytes setting). */
#define CATALOG_MAX_BYTES ((size_t)4 * 1024 * 1024 * 1024)
struct catalog_builder *catalog_builder_new(void); /* at most CATALOG_MAX_BYTES */
/* A catalog larger than max_bytes, like one that finds memory short, is
 * an error (catalog_builder_add or _finish fail, saying which), never an
 * abort: the builder runs in the server's refresher thread. */
struct catalog_builder *catalog_builder_new_max(size_t max_bytes);
int catalog_builder_add(struct catalog_builder *b, const char *kind, const char *body, struct err *err);
/* Consumes b. */
struct catalog *catalog_builder_finish(struct catalog_builder *b, struct err *err);
void catalog_builder_free(struct catalog_builder *b);

/* The slug of an identifier: ASCII letters and digits, lower case, words
 * joined by '-', at most CATALOG_SLUG_MAX bytes; "" when nothing is left.
 * Returns the length. */
#define CATALOG_SLUG_MAX 80
size_t catalog_slugify(const char *identifier, char *out, size_t outsz);

/* A canonical text of the whole model (every field, in order), so that two
 * catalogs can be compared in tests. */
int catalog_dump(const struct catalog *c, struct buf *out);

const char *channel_type_name(enum channel_type t); /* "online", "in-person", ... */

#endif
