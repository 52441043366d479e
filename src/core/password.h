/* password.h — staff passwords: argon2id through libsodium with OWASP's
 * parameters (19 MiB, 2 passes, 1 lane). Hashing costs tens of
 * milliseconds of a CPU on purpose: call these from the worker pool, never
 * from an event loop. */
#ifndef EPAK_CORE_PASSWORD_H
#define EPAK_CORE_PASSWORD_H

#include <stddef.h>

#define PASSWORD_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
#define PASSWORD_MIN 12       /* shortest password accepted, in bytes */
#define PASSWORD_MAX 256      /* longest */

/* The encoded hash ("$argon2id$v=19$m=19456,t=2,p=1$…") of pw into out:
 * 0, or -1 when out of memory. */
int password_hash(const char *pw, char out[PASSWORD_HASH_MAX]);
/* 1 when pw matches hash, 0 otherwise. An empty or malformed hash (an
 * unknown user) costs the same time as a real one and never matches. */
int password_verify(const char *hash, const char *pw);
/* 1 when hash was made with weaker parameters than today's (rehash at the
 * next successful login). */
int password_needs_rehash(const char *hash);

#endif
