/* static.h — the files under static/, read once at start and served from
 * memory. Each is reachable under a name with its content hash
 * ("epak.3fa4c1d2.css": cached for a year, immutable) and under its plain name
 * (revalidated with its ETag). Templates ask for the hashed URL by plain name. */
#ifndef EPAK_STATIC_H
#define EPAK_STATIC_H

#include <stddef.h>
#include "core/err.h"

struct static_file {
	char *name;   /* "css/epak.css" */
	char *hashed; /* "css/epak.3fa4c1d2.css" */
	char *url;    /* "/static/css/epak.3fa4c1d2.css" */
	const char *content_type;
	char *data;
	size_t len;
	char *gz; /* gzip, when smaller */
	size_t gz_len;
	char etag[24];
};

struct static_files {
	struct static_file *files;
	size_t n;
};

struct static_files *static_load(const char *dir, struct err *err);
void static_free(struct static_files *s);
const struct static_file *static_find(const struct static_files *s, const char *name, int *immutable);
/* The hashed URL of a plain name, or NULL. */
const char *static_url(const struct static_files *s, const char *name);

#endif
