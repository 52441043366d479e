/* catalog_ctx.h — helpers shared by the catalog and search pages. */
#ifndef EPAK_CATALOG_CTX_H
#define EPAK_CATALOG_CTX_H

#include <jansson.h>

#include "http/http.h"

struct snapshot;
struct service;
struct organisation;
struct mltext;

/* The current read model, held until the request ends. Never NULL. */
const struct snapshot *web_snapshot(struct req *r);
/* A multilingual text in the page's language (falling back to Latvian). */
const char *ml(struct req *r, const struct mltext *t);
/* The language a text actually came in, when it is not the page's own
 * (WCAG 3.1.2: parts in another language are marked). NULL when the same. */
const char *ml_lang(struct req *r, const struct mltext *t);
/* Sets ctx's key to t in the page's language and, when the text came in
 * another language, key "_lang" to that language's code. */
void put_ml(struct req *r, json_t *ctx, const char *key, const struct mltext *t);
/* A path with the page's language prefix ("/en" in English). */
const char *prefixed(struct req *r, const char *path);
/* "www.vid.gov.lv" → "vid.gov.lv"; arena copy. */
const char *url_host(struct req *r, const char *url);
/* 1 when u is an http(s) address. */
int http_url(const char *u);
struct contact_point;
/* The contact points as the pages show them: name, phone, e-mail, page, hours. */
json_t *contacts_json(struct req *r, const struct contact_point *const *v, size_t n);
json_t *service_brief(struct req *r, const struct service *s);
json_t *org_brief(struct req *r, const struct organisation *o);
/* qsort comparator for arrays of json_t * objects by their "name". */
int json_cmp_name(const void *a, const void *b);
/* Sorts a JSON array in place with a qsort comparator over json_t *s. */
void json_array_sort(json_t *list, int (*cmp)(const void *, const void *));
/* The page of n items of per_page each that ?lapa=N asks for, as
 * [*from, *to), and ctx's "pager" (partials/pager); -1 when there is no
 * such page (a 404). page_catalog.c. */
int list_page(struct req *r, json_t *ctx, size_t n, size_t per_page, size_t *from, size_t *to);
/* The same, for a list filtered by keep ("tiessaiste=1"), which every
 * page's address keeps. */
int list_page_keep(struct req *r, json_t *ctx, size_t n, size_t per_page, const char *keep, size_t *from, size_t *to);
/* The life situations with their counts, for the home page (page_situation.c). */
json_t *situations_brief(struct req *r, const struct snapshot *sn);

#endif
