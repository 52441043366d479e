/* material_type.h — what a file of /materiali is, judged by its bytes
 * (libmagic, MAGIC_MIME_TYPE), never by its name or the browser's claim:
 * the allowlist of types content editors may upload, the extension a
 * download gets, and the type's name in the person's language.
 *
 * libmagic handles are not thread-safe: each thread that asks gets its own,
 * loaded on its first question and closed when the thread ends.
 * material_type_init() loads one at start so that a missing magic database
 * stops the server then, not at the first upload. Only the first
 * MATERIAL_SNIFF_BYTES of a file are looked at. */
#ifndef EPAK_WEB_MATERIAL_TYPE_H
#define EPAK_WEB_MATERIAL_TYPE_H

#include <stddef.h>

#include "core/err.h"

#define MATERIAL_SNIFF_BYTES ((size_t)1024 * 1024)

struct material_type {
	const char *mime; /* as libmagic says it: "application/pdf" */
	const char *ext;  /* the download's extension: "pdf" */
	const char *name; /* msgid of its name for people: "PDF", "PNG image" */
};

/* 0 when libmagic's database loads; -1 with the reason in err. */
int material_type_init(struct err *err);

/* The media type libmagic finds in p[0..n) (n is cut to
 * MATERIAL_SNIFF_BYTES) into out (cap bytes): 0, or -1 when libmagic
 * failed (no memory, no database). */
int material_sniff(const void *p, size_t n, char *out, size_t cap);

/* The allowed type of a media type, or NULL when such files are refused. */
const struct material_type *material_type_find(const char *mime);

/* The allowed types' names and extensions for the upload form's hint
 * ("PDF, PNG, JPEG, SVG, …"): a static string. */
const char *material_type_list(void);

#endif
