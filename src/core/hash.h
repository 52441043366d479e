/* hash.h — FNV-1a, the one non-cryptographic hash (hash tables, ETags,
 * statement caches). Not for anything an attacker may choose to collide
 * against a secret: use core/digest.h for that. */
#ifndef EPAK_HASH_H
#define EPAK_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A32_INIT 2166136261u
#define FNV1A64_INIT 14695981039346656037ull

/* Continues the hash h over p[0..n): start with FNV1A32_INIT/FNV1A64_INIT,
 * feed the result back in to hash pieces one after another. */
uint32_t fnv1a32(uint32_t h, const void *p, size_t n);
uint64_t fnv1a64(uint64_t h, const void *p, size_t n);

#endif
