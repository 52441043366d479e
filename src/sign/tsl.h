/* tsl.h — ETSI TS 119 612 trusted lists (a national list, or the EU list of
 * lists with the member states' lists beside it) as trust anchors: the
 * list's enveloped XML signature checked against the configured
 * trust-list-signer, its CA/QC and TSA services taken with their status
 * history. Internal to sign/; the public calls are in verify.h. */
#ifndef EPAK_SIGN_TSL_H
#define EPAK_SIGN_TSL_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"

struct edoc_trust;

/* Caps against a hostile or broken list; past one, loading fails naming it. */
#define TSL_MAX_FILE ((size_t)16 << 20) /* bytes of one file under `trust` */
#define TSL_MAX_DIR_FILES 256           /* files of a `trust` folder */
#define TSL_MAX_LISTS 64                /* trusted lists loaded together */
#define TSL_MAX_TSPS 2000               /* trust service providers per list */
#define TSL_MAX_SERVICES 20000          /* services per list */
#define TSL_MAX_HISTORY 200             /* history entries per service */
#define TSL_MAX_IDS 32                  /* certificates per service identity */
#define TSL_MAX_POINTERS 200            /* OtherTSLPointer entries per list */
#define TSL_MAX_ANCHORS 50000           /* anchors of one trust, all lists together */

#define NS_TSL "http://uri.etsi.org/02231/v2#"

/* A loaded list, as the report's notes need it. */
struct tsl_info {
	char name[256];     /* the file */
	char territory[16]; /* SchemeTerritory */
	time_t next_update; /* 0: a closed list (no NextUpdate) */
	int lotl;           /* the EU list of lists */
	size_t anchors;     /* service certificates taken as anchors */
};

/* 1 when the bytes are XML (not PEM or DER); they must then be a list. */
int tsl_sniff(const unsigned char *p, size_t n);
int tsl_is_dir(const char *path);
/* Parses the list (hostile XML) and keeps it until edoc_trust_finish. */
int tsl_add(struct edoc_trust *t, const char *name, const unsigned char *p, size_t n, struct err *e);
/* Adds every regular file of a folder (sorted by name, dot files skipped). */
int tsl_add_dir(struct edoc_trust *t, const char *path, struct err *e);
void tsl_free_lists(struct edoc_trust *t);

/* Granted-equivalent status (TS 119 612 clause 5.5.4 and its pre-eIDAS
 * mapping)? And a service type whose certificates are anchors? */
int tsl_status_granted(const char *uri);
int tsl_type_wanted(const char *uri);

/* The fuzz target's entry: every reader of a list (the scheme, the
 * signature's parts and canonicalization, pointers, services), the
 * signature failing for want of a signer. The anchors read, or -1. */
int tsl_fuzz_one(const unsigned char *p, size_t n);

#endif
