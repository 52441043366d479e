/* secret.h — the server secret: 32 random bytes in DATA/secret (mode 0600),
 * made on first start. Every node serving one database must hold the same
 * file (CSRF tokens, keyed hashes of personal codes, sealed second-factor
 * keys). Keys for each purpose are derived from it, never the secret itself. */
#ifndef EPAK_CORE_SECRET_H
#define EPAK_CORE_SECRET_H

#include <stddef.h>

#include "core/err.h"

#define SECRET_LEN 32

/* Reads DATA/secret, or makes it when missing (create: 1). 0 on success. */
int secret_load(const char *data_dir, int create, unsigned char out[SECRET_LEN], struct err *err);
/* HMAC-SHA256(secret, purpose): a key for one purpose ("pno", "totp"). */
void secret_derive(const unsigned char secret[SECRET_LEN], const char *purpose, unsigned char out[SECRET_LEN]);

/* Seals small data (a second-factor key) under a purpose key: base64 of
 * nonce ‖ XSalsa20-Poly1305 box, NUL-terminated into out (outsz bytes). 0 on
 * success. open is the reverse: 0 and *n bytes written, or -1 when the box
 * was altered or made under another key. */
int secret_seal(const unsigned char key[SECRET_LEN], const void *p, size_t n, char *out, size_t outsz);
int secret_open(const unsigned char key[SECRET_LEN], const char *sealed, void *out, size_t outsz, size_t *n);

#endif
