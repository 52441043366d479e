/* jsonld_internal.h — what the parts of the JSON-LD reader share: jsonld.c
 * (helpers, literals, value accessors, documents), cpsv_context.c (the
 * embedded official context), expand.c (expansion), nodemap.c (node maps and
 * records) and turtle.c (Turtle). Not for use outside src/catalog/jsonld*,
 * expand, nodemap, turtle and cpsv_context. */
#ifndef EPAK_CATALOG_JSONLD_INTERNAL_H
#define EPAK_CATALOG_JSONLD_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "catalog/jsonld.h"

#if defined(__has_include)
#if __has_include(<serd/serd.h>)
#define HAVE_SERD 1
#endif
#endif

/* jsonld.c: small helpers. The x... ones and sorted_keys() stop the process
 * when out of memory (cat_oom()): only for command-only code (expand.c,
 * records, turtle.c). What the server runs (node maps, value accessors,
 * identifiers) uses the others, which return NULL. */
__attribute__((noreturn)) void cat_oom(void);
char *xstrdup(const char *s);
char *strcat2(const char *a, const char *b); /* NULL when out of memory */
char *xstrcat2(const char *a, const char *b);
const char **keys_sorted(const json_t *obj, size_t *n); /* NULL when out of memory */
const char **sorted_keys(const json_t *obj, size_t *n);
int is_keyword(const char *s);
int looks_like_keyword(const char *s);
/* jsonld.c: literals */
json_t *canonical_value(const json_t *v); /* NULL when out of memory */
/* jsonld.c: value accessors */
int is_part(const json_t *node);
/* cpsv_context.c */
int is_official_context(const char *url);
json_t *official_context(void);
/* nodemap.c */
char *relabel(struct nodemap *m, const char *label); /* NULL when out of memory */
json_t *map_node(struct nodemap *m, const char *id);
void push_prop(struct nodemap *m, const char *subj, const char *prop, json_t *v); /* steals v */
/* turtle.c (only with serd) */
int turtle_read(struct nodemap *m, const char *text, size_t len, struct cat_error *err);

#endif
