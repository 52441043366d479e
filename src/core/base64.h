/* base64.h — the one base64 codec (RFC 4648), a thin wrapper around
 * libsodium's constant-time sodium_bin2base64() / sodium_base642bin().
 *
 * Decoding is strict: the alphabet of the variant, padding exactly as the
 * variant has it, unused bits zero, nothing after the end. Spaces, tabs, CR
 * and LF are skipped anywhere (XML text and PEM bodies hold line breaks). */
#ifndef EPAK_BASE64_H
#define EPAK_BASE64_H

#include <stddef.h>

struct arena;

enum b64_variant {
	B64_STD, /* "+/" with '=' padding: XML signatures, mail, data: URLs */
	B64_URL, /* "-_" without padding: cookies and tokens */
};

/* 1 when s is a 256-bit random token as epak writes them: 43 characters
 * of base64url without padding (session cookies, CSRF cookies, reset
 * links). The one check for such values. */
int b64_token_ok(const char *s);

/* Bytes b64_encode() writes for n input bytes, the NUL included. */
size_t b64_encoded_size(size_t n, enum b64_variant v);

/* Writes the base64 of p[0..n) and a NUL into out (cap bytes). Returns the
 * length without the NUL, or -1 when cap < b64_encoded_size(n, v). */
long b64_encode(char *out, size_t cap, const void *p, size_t n, enum b64_variant v);

/* Decodes s[0..n) into out (cap bytes; n / 4 * 3 + 3 always suffice).
 * 0 and *len on success; -1 when s is not base64 of the variant or out is
 * too small. */
int b64_decode(unsigned char *out, size_t cap, const char *s, size_t n, size_t *len, enum b64_variant v);

/* B64_STD of p[0..n), NUL-terminated, in the arena / malloc'd. NULL only when
 * out of memory. */
char *b64_encode_arena(struct arena *a, const void *p, size_t n);
char *b64_encode_new(const void *p, size_t n);

/* The bytes that the NUL-terminated B64_STD text s stands for, followed by a
 * NUL that *len does not count, in the arena / malloc'd. NULL when s is not
 * base64 or out of memory. */
unsigned char *b64_decode_arena(struct arena *a, const char *s, size_t *len);
unsigned char *b64_decode_new(const char *s, size_t *len);

#endif
