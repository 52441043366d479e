/* utf8.h — the one UTF-8 decoder and validator (RFC 3629, Unicode §3.9
 * table 3-7): no overlong forms, no surrogates (U+D800–U+DFFF), nothing past
 * U+10FFFF, no stray continuation bytes, no sequence cut short. Every module
 * that checks or walks untrusted UTF-8 (database parameters, form fields,
 * multipart names, mail headers, container names) calls these. */
#ifndef EPAK_UTF8_H
#define EPAK_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the character at s, of which n bytes may be read: its length (1 to
 * 4) with *cp set, or -1 when the bytes there are not a well-formed sequence
 * (or n is 0). Reads no byte past the first wrong one, so a NUL-terminated
 * string may be walked with n = strnlen(s, 4). */
int utf8_decode(const void *s, size_t n, uint32_t *cp);

/* 1 when s[0..len) is well-formed UTF-8, else 0. NUL bytes are well-formed:
 * a caller that refuses them checks for them itself. */
int utf8_valid(const char *s, size_t len);

#endif
