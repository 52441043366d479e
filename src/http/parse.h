/* parse.h — request parsers: percent-decoding, query strings and
 * application/x-www-form-urlencoded bodies, Cookie headers, and header values
 * with parameters (Content-Type, Content-Disposition).
 *
 * Input is what h2o hands over: a pointer and a length, not NUL-terminated.
 * Output lives in the request arena (core/arena.h) and is never freed one by
 * one. Every function returns 0 on success and -1 on error; on error *why (if
 * why is not NULL) is set to a short static reason that the HTTP layer logs
 * and turns into a 400 page:
 *
 *   "bad percent-escape"   '%' not followed by two hex digits
 *   "invalid UTF-8"        decoded bytes are not well-formed UTF-8
 *   "NUL byte"             a decoded name or value holds a NUL
 *   "too many fields"      more than limits->max_fields fields
 *   "name too long"        a decoded name longer than limits->max_name
 *   "field too long"       a decoded value longer than limits->max_value
 *   "too large"            the input is longer than limits->max_total
 *   "bad content type"     malformed type/subtype or parameters
 *   "bad content disposition"
 *   "out of memory"        the arena is exhausted
 *
 * Limits are never applied by truncating: exceeding one is an error. On error
 * the contents of *out are unspecified (but stay inside the arena).
 */
#ifndef EPAK_HTTP_PARSE_H
#define EPAK_HTTP_PARSE_H

#include <stddef.h>

#include "core/utf8.h"

struct arena;

/* One name/value pair. For urlencoded input both are percent-decoded, valid
 * UTF-8 and hold no NUL byte, so value_len == strlen(value); names may be
 * empty ("=x"). Strings are NUL-terminated and live in the arena. */
struct kv {
	const char *name;
	const char *value;
	size_t value_len;
};

/* Pairs in input order; repeated names are kept, in order. Zero-initialise
 * (KVLIST_INIT) before the first use; parsers reset it themselves. */
struct kvlist {
	struct kv *items;
	size_t n;
	size_t alloc;
};

#define KVLIST_INIT                                                                                                    \
	{                                                                                                              \
		NULL, 0, 0                                                                                             \
	}

/* Bounds on what a parser will accept. Lengths are in bytes after decoding;
 * max_total is the raw input length (for multipart text fields: the sum of
 * the decoded names and values). A NULL limits pointer means the defaults. */
struct parse_limits {
	size_t max_fields; /* 1024 for forms (a full service form has ~720), 180 for cookies */
	size_t max_name;   /* 256 */
	size_t max_value;  /* 64 KiB for forms, 4 KiB for cookies */
	size_t max_total;  /* 1 MiB for forms, 16 KiB for cookies */
};

extern const struct parse_limits parse_limits_form;   /* query, form body */
extern const struct parse_limits parse_limits_cookie; /* Cookie header */

/* The first value whose name equals name, or NULL. */
const char *kv_get(const struct kvlist *l, const char *name);

/* Appends a pair (pointers are stored, not copied). -1 when out of memory. */
int kvlist_add(struct arena *a, struct kvlist *l, const char *name, const char *value, size_t value_len);

/* utf8_valid(), which every parser here applies, is in core/utf8.h. */

#define PCT_PLUS_SPACE 1 /* '+' means a space: query strings and forms only */

/* Percent-decodes s[0..len) into a NUL-terminated arena string. Rejects a
 * malformed escape, a NUL byte and invalid UTF-8 in the result. Without
 * PCT_PLUS_SPACE a '+' stays a '+' (paths). *out_len may be NULL. */
int pct_decode(struct arena *a, const char *s, size_t len, unsigned flags, const char **out, size_t *out_len,
	       const char **why);

/* A query string (without the '?') or an application/x-www-form-urlencoded
 * body, as the WHATWG URL standard parses it: pairs split on '&', empty
 * pairs skipped ("a&&b" is two fields), name and value split at the first
 * '=' (a lone "a" is a field with the empty value), '+' is a space. */
int parse_urlencoded(struct arena *a, const char *s, size_t len, const struct parse_limits *lim, struct kvlist *out,
		     const char **why);

/* A Cookie header value (RFC 6265 section 4.2): "a=1; b=\"two\"". Whitespace
 * around pairs, names and values is tolerated; one pair of double quotes
 * around a value is removed. Values are not percent-decoded. A pair whose
 * name is not a token or whose value holds bytes outside cookie-octet (and so
 * anything non-ASCII) is skipped, not fatal; the limits still apply to the
 * pairs kept and to the header length. NULL limits: parse_limits_cookie. */
int parse_cookies(struct arena *a, const char *s, size_t len, const struct parse_limits *lim, struct kvlist *out,
		  const char **why);

/* A Content-Type value (RFC 9110 section 8.3): "type/subtype *(; name=value)".
 * *mime gets the lowercased "type/subtype"; params (may be NULL) the
 * parameters with lowercased names and values as sent (token or the
 * unescaped quoted-string; the boundary is case-sensitive, charset is not). */
int parse_content_type(struct arena *a, const char *s, size_t len, const char **mime, struct kvlist *params,
		       const char **why);

/* A Content-Disposition value of a multipart part (RFC 6266, RFC 7578):
 * "form-data; name=\"x\"; filename=\"y\"". *type gets the lowercased
 * disposition type. Browsers do not escape backslashes in quoted filenames
 * (C:\dir\x.pdf), so inside quotes a backslash escapes only '"' and '\' and is
 * kept otherwise. A "filename*" parameter (RFC 8187: UTF-8'lang'%xx or
 * ISO-8859-1'lang'%xx) is decoded to UTF-8 and stored as "filename*"; one that
 * cannot be decoded is dropped. No value holds a NUL; quoted values may hold
 * bytes >= 0x80 that are not UTF-8, and filename* may hold control characters
 * (%0A): pass filenames through multipart_sanitize_filename() before use. */
int parse_content_disposition(struct arena *a, const char *s, size_t len, const char **type, struct kvlist *params,
			      const char **why);

/* An HTTP/1 request head (request line, header lines, the blank line; what
 * follows is ignored) whose body length two parsers could read differently:
 * two Content-Length headers with different values, several
 * Transfer-Encoding headers, both kinds (RFC 9112 section 6.3), or a header
 * continued on an indented line (obs-fold, 5.2: a folded Transfer-Encoding
 * would hide from this check and not from a proxy). 1 when
 * so; such a request is refused and its connection closed. */
int http1_framing_ambiguous(const char *head, size_t len);

/* A client certificate as a TLS-terminating proxy passes it (nginx
 * $ssl_client_escaped_cert: one PEM certificate, percent-escaped): the DER
 * of that one certificate into the arena. -1 for anything else (no or
 * several certificates, a malformed escape, trailing bytes, over 16 KiB). */
int client_cert_from_header(struct arena *a, const char *value, size_t len, const unsigned char **der, size_t *der_len);

#endif
