/* edoc.h — Latvian .edoc files: ETSI ASiC-E containers (EN 319 162-1) holding
 * XAdES signatures (EN 319 132-1), read, checked and written.
 *
 * Reading a container (edoc_open*) checks its structure only: the mimetype
 * entry, names, sizes, the manifest. What the references read with a
 * warning (a mimetype entry that is not first, compressed or missing) is
 * read the same way and listed in struct edoc's warnings. It never writes anything to disk and
 * bounds memory and time by struct edoc_limits. Checking the signatures is
 * edoc_verify() (verify.h); making one is edoc_sign() (sign.h).
 *
 * Ownership: struct edoc and everything reachable from it belong to the
 * container and are released by edoc_free(); pointers handed out by the
 * accessors are borrowed and live as long as the container.
 */
#ifndef EPAK_SIGN_EDOC_H
#define EPAK_SIGN_EDOC_H

#include <stddef.h>

#include "core/err.h"

#define EDOC_MIMETYPE "application/vnd.etsi.asic-e+zip"

/* Failures are reported in a struct err (core/err.h; the first error wins).
 * Its code is ERR_UPLOAD_TOO_BIG when what failed was a size limit of
 * struct edoc_limits, another code otherwise. */

/* Hard limits for hostile input. Zero fields take the default. */
struct edoc_limits {
	size_t max_file;    /* the container file itself, bytes (256 MiB) */
	size_t max_entries; /* ZIP entries (1000) */
	size_t max_total;   /* sum of uncompressed sizes (256 MiB) */
	size_t max_ratio;   /* uncompressed : compressed of one entry (100) */
	size_t ratio_floor; /* entries smaller than this skip the ratio check (1 MiB) */
	size_t max_xml;     /* manifest or signature file (4 MiB) */
};

struct edoc_entry {
	char *name; /* UTF-8 path inside the container */
	char *mime; /* media type from the manifest; NULL for META-INF files */
	unsigned char *data;
	size_t len;
};

struct edoc {
	struct edoc_entry *files; /* data files, in container order */
	size_t nfiles;
	struct edoc_entry *sigs; /* META-INF/ *signatures*.xml, in container order */
	size_t nsigs;
	struct edoc_entry *meta; /* any other META-INF entry, kept untouched (not manifest) */
	size_t nmeta;
	/* What was read leniently, as the reference implementations read it
	 * (a mimetype entry misplaced, compressed, padded or missing): one
	 * sentence each. Never written back: edoc_write*() writes strictly. */
	char **warnings;
	size_t nwarnings;
};

/* Opens a container held in memory (the bytes are copied out as needed).
 * Returns NULL with e set when the container is unreadable or breaks a
 * structural rule; the message says which. lim may be NULL. */
struct edoc *edoc_open_mem(const void *p, size_t n, const struct edoc_limits *lim, struct err *e);
struct edoc *edoc_open(const char *path, const struct edoc_limits *lim, struct err *e);
void edoc_free(struct edoc *doc);

const struct edoc_entry *edoc_find_file(const struct edoc *doc, const char *name);

/* Building: an empty container, data files and signature files are copied
 * in. Names are checked as on reading. */
struct edoc *edoc_new(void);
int edoc_add_file(struct edoc *doc, const char *name, const char *mime, const void *data, size_t len, struct err *e);
int edoc_add_sigfile(struct edoc *doc, const char *name, const void *data, size_t len, struct err *e);
/* A free name META-INF/signaturesN.xml for the next signature file; the
 * caller frees it. */
char *edoc_next_sigfile_name(const struct edoc *doc);

/* Serializes: mimetype first and stored, then the manifest, data files and
 * META-INF files. *out is malloc'd; the caller frees it. */
int edoc_write_mem(const struct edoc *doc, unsigned char **out, size_t *outlen, struct err *e);
/* Writes atomically (a temporary file beside path, then rename). */
int edoc_write(const struct edoc *doc, const char *path, struct err *e);

/* A media type for a file name by its extension; never NULL. */
const char *edoc_guess_mime(const char *name);

/* Reads a whole file, at most max bytes (malloc'd, NUL-terminated). */
unsigned char *edoc_read_file(const char *path, size_t max, size_t *len, struct err *e);
/* The same from an open file (from its start; what names it in messages). */
unsigned char *edoc_read_fd(int fd, const char *what, size_t max, size_t *len, struct err *e);

#endif
