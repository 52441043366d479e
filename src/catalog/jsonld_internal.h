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

/* jsonld.c: small helpers. The cat_x... ones and cat_sorted_keys() stop the process
 * when out of memory (cat_oom()): only for command-only code (expand.c,
 * records, turtle.c). What the server runs (node maps, value accessors,
 * identifiers) uses the others, which return NULL. */
__attribute__((noreturn)) void cat_oom(void);
char *cat_xstrdup(const char *s);
char *cat_strcat2(const char *a, const char *b); /* NULL when out of memory */
char *cat_xstrcat2(const char *a, const char *b);
const char **cat_keys_sorted(const json_t *obj, size_t *n); /* NULL when out of memory */
const char **cat_sorted_keys(const json_t *obj, size_t *n);
int jsonld_is_keyword(const char *s);
int jsonld_looks_like_keyword(const char *s);
/* jsonld.c: literals */
json_t *cat_canonical_value(const json_t *v); /* NULL when out of memory */
/* jsonld.c: value accessors */
int cat_is_part(const json_t *node);
/* cpsv_context.c */
int cat_is_official_context(const char *url);
json_t *cat_official_context(void);
/* nodemap.c */
char *nodemap_relabel(struct nodemap *m, const char *label); /* NULL when out of memory */
json_t *nodemap_node(struct nodemap *m, const char *id);
void nodemap_push(struct nodemap *m, const char *subj, const char *prop, json_t *v); /* steals v */
/* turtle.c (only with serd) */
int cat_turtle_read(struct nodemap *m, const char *text, size_t len, struct err *err);

#endif
