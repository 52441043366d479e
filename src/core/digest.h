/* digest.h — hex digests, once for everyone: SHA-256 of bytes (token ids,
 * document fingerprints) and HMAC-SHA256 under a key (the server secret),
 * for values that must be recognisable but never readable: rate-limit keys
 * of addresses and networks, receipt numbers in logs. */
#ifndef EPAK_CORE_DIGEST_H
#define EPAK_CORE_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX 65 /* 64 hex digits and NUL */

/* SHA-256 of p[0..n) as lower-case hex into out: 0, or -1 (out = "") when
 * OpenSSL could not allocate. */
int sha256_hex(const void *p, size_t n, char out[DIGEST_HEX]);
/* HMAC-SHA256 of p[0..n) under key[0..keylen) as lower-case hex into out. */
void hmac_hex(const void *key, size_t keylen, const void *p, size_t n, char out[DIGEST_HEX]);

#endif
