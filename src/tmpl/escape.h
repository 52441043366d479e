/* escape.h — escaping text for HTML and URLs.
 *
 * Every function appends the escaped form of n bytes at s to the buffer and
 * returns 0, or -1 once the buffer is past its cap (see buf_ok()).
 *
 * Bytes are treated as UTF-8 but never validated: any byte that is not one
 * of the characters listed below is copied unchanged, so invalid UTF-8 passes
 * through (browsers show U+FFFD for it). This cannot produce markup: every
 * character that means something to HTML is ASCII, bytes of a multi-byte
 * sequence (valid or not) are all >= 0x80, and a UTF-8 decoder that meets a
 * broken sequence never swallows the ASCII byte that follows it.
 */
#ifndef EPAK_ESCAPE_H
#define EPAK_ESCAPE_H

#include <stddef.h>

struct buf;

/* Text and quoted attribute values: & < > " ' become &amp; &lt; &gt; &quot;
 * &#39;, and NUL becomes U+FFFD (HTML treats NUL as a parse error). */
int html_escape(struct buf *b, const char *s, size_t n);

/* html_escape() into plain memory: writes the escaped form of a prefix of
 * s[0..n) into dst (room for cap bytes), never splitting a character
 * reference, sets *used to the bytes written and returns the input bytes
 * consumed. Any cap >= 6 makes progress. For writers with their own
 * buffers (the template engine). */
size_t html_escape_to(char *dst, size_t cap, const char *s, size_t n, size_t *used);

/* Like html_escape(), and also ` = and ASCII whitespace (tab, LF, FF, CR,
 * space) as numeric references, so the result is safe even in an unquoted
 * attribute value. Prefer quoted attributes and html_escape(). */
int html_escape_attr(struct buf *b, const char *s, size_t n);

/* Percent-encodes everything except the RFC 3986 unreserved characters
 * A-Z a-z 0-9 - . _ ~, for one URL component (path segment, query key or
 * value). The output holds only unreserved characters and %XX (upper-case
 * hex), so it is also safe in any HTML context. */
int url_escape(struct buf *b, const char *s, size_t n);

#endif
