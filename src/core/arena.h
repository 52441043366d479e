/* arena.h — request-lifetime memory.
 *
 * An arena hands out memory that lives until arena_free(); nothing in it is
 * freed one by one. The HTTP layer gives every request one arena and frees it
 * when the response has been sent, so handlers never call free().
 * arena_new() returns NULL only when out of memory; arena_alloc() returns NULL
 * when the arena's cap would be exceeded.
 */
#ifndef EPAK_ARENA_H
#define EPAK_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(size_t cap); /* cap: most bytes it may hold, 0 = 64 MiB */
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t n); /* aligned to 16, zeroed */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
