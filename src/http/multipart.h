/* multipart.h — multipart/form-data request bodies (RFC 7578, RFC 2046).
 *
 * The whole body is one buffer (h2o has buffered it); multipart_parse() walks
 * it once. Parts without a filename become text fields (struct kvlist, the
 * same rules and limits as a urlencoded form: valid UTF-8, no NUL). Parts
 * with a filename become uploads: small ones are copied into the arena, ones
 * larger than spill_threshold are written to a temp file (mkstemp in tmp_dir,
 * mode 0600). A part with an empty filename and no bytes (a file input left
 * empty) is skipped.
 *
 * Temp files belong to the request: the HTTP layer MUST call
 * multipart_cleanup() when the request ends, whatever happened. A handler
 * that keeps an upload renames or links its path elsewhere first; cleanup
 * ignores files that are already gone. On error multipart_parse() has
 * already removed every temp file it created and *out is empty.
 *
 * Reasons set in *why on error, besides those of parse.h ("too many fields",
 * "name too long", "field too long", "too large", "invalid UTF-8", "NUL byte",
 * "bad content type", "bad content disposition", "out of memory"):
 *
 *   "not multipart/form-data"   the Content-Type is another type
 *   "bad boundary"              missing, empty, longer than 70, or bad chars
 *   "missing final boundary"    no first boundary, or no closing "--b--"
 *   "bad part header"           not "Name: value" CRLF, a control byte, a
 *                               repeated Content-Disposition, bad Content-Type
 *   "part header too long"      a header line over max_header_line bytes
 *   "too many part headers"     more than max_part_headers lines in a part
 *   "missing content-disposition", "missing part name"
 *   "too many parts"            more than fields.max_fields + max_files parts
 *   "too many files", "file too large"
 *   "upload write failed"       creating or writing a temp file failed
 */
#ifndef EPAK_HTTP_MULTIPART_H
#define EPAK_HTTP_MULTIPART_H

#include <stddef.h>

#include "http/parse.h"

struct arena;

struct upload {
	const char *field;        /* the part's name */
	const char *filename;     /* sanitized: see multipart_sanitize_filename */
	const char *content_type; /* lowercased type/subtype, default
				   * application/octet-stream; a client's claim */
	size_t size;
	const char *data; /* in the arena, NUL-terminated; NULL when spilled */
	const char *path; /* the temp file when spilled, else NULL */
};

struct multipart_limits {
	struct parse_limits fields; /* text fields; max_total sums names+values */
	size_t max_files;           /* 16 */
	size_t max_file_size;       /* 32 MiB */
	size_t spill_threshold;     /* 256 KiB: larger files go to tmp_dir */
	size_t max_part_headers;    /* 8 header lines per part */
	size_t max_header_line;     /* 2048 bytes, CRLF not counted */
	size_t max_filename;        /* 200 bytes of UTF-8, at least 32 */
	const char *tmp_dir;        /* "/tmp"; the caller's config should set it */
};

extern const struct multipart_limits multipart_limits_default;

struct multipart {
	struct kvlist fields;
	struct upload *files; /* in body order */
	size_t nfiles;
	size_t alloc;
};

#define MULTIPART_INIT                                                                                                 \
	{                                                                                                              \
		KVLIST_INIT, NULL, 0, 0                                                                                \
	}

/* Parses body[0..len) given the request's Content-Type value (which carries
 * the boundary). lim NULL means multipart_limits_default. The total body size
 * is the HTTP layer's limit (h2o max_request_entity_size). */
int multipart_parse(struct arena *a, const char *ctype, size_t ctype_len, const char *body, size_t len,
		    const struct multipart_limits *lim, struct multipart *out, const char **why);

/* Removes every temp file of m and forgets their paths. Safe to call twice,
 * and on a zero-initialised or failed struct multipart. */
void multipart_cleanup(struct multipart *m);

/* A client's filename made safe to show and to offer back in a download:
 * the part after the last '/', '\' or ':'; control characters (C0, DEL, C1)
 * and bidirectional formatting marks removed; invalid UTF-8 bytes and
 * <>"|?* replaced by '_'; leading and trailing dots and spaces trimmed; cut
 * to max bytes on a character boundary, keeping a short extension; "upload"
 * when nothing is left. Never use it as a path without your own prefix. */
const char *multipart_sanitize_filename(struct arena *a, const char *name, size_t max);

#endif
