/* static.c — see static.h. */
#include "http/static.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "core/file.h"
#include "http/cache.h"

#define STATIC_MAX_FILES 512
#define STATIC_MAX_SIZE (8 * 1024 * 1024)

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".json", "application/json"},
    {".pdf", "application/pdf"},
    {".webmanifest", "application/manifest+json"},
};

static const char *mime_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	for (i = 0; dot && i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
		if (!strcmp(dot, mime_types[i].ext))
			return mime_types[i].type;
	return "application/octet-stream";
}

static char *hashed_name(const char *name, const char *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *dot = strrchr(name, '.');
	const char *slash = strrchr(name, '/');
	size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - name) : strlen(name);
	char *out;
	size_t n;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	n = strlen(name) + 10;
	out = malloc(n);
	if (!out)
		return NULL;
	snprintf(out, n, "%.*s.%02x%02x%02x%02x%s", (int)stem, name, md[0], md[1], md[2], md[3],
		 stem < strlen(name) ? name + stem : "");
	return out;
}

static int walk(struct static_files *s, const char *root, const char *rel, char *err, size_t errlen)
{
	char path[4096], sub[2048];
	DIR *d;
	struct dirent *de;
	struct stat st;
	int rc = 0;

	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (de = readdir(d); rc == 0 && de; de = readdir(d)) {
		struct static_file *f;
		size_t url_len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = walk(s, root, sub, err, errlen);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (s->n >= STATIC_MAX_FILES) {
			snprintf(err, errlen, "%s: more than %d files", root, STATIC_MAX_FILES);
			rc = -1;
			break;
		}
		f = &s->files[s->n];
		memset(f, 0, sizeof(*f));
		if (file_read(path, STATIC_MAX_SIZE, &f->data, &f->len) < 0) {
			snprintf(err, errlen, "%s: cannot read (or larger than 8 MiB)", path);
			rc = -1;
			break;
		}
		s->n++;
		f->name = strdup(sub);
		f->hashed = hashed_name(sub, f->data, f->len);
		url_len = strlen(f->hashed ? f->hashed : "") + 10;
		f->url = malloc(url_len);
		if (!f->name || !f->hashed || !f->url) {
			rc = -1;
			break;
		}
		snprintf(f->url, url_len, "/static/%s", f->hashed);
		f->content_type = mime_of(sub);
		etag_of(f->data, f->len, f->etag);
		if (strncmp(f->content_type, "image/png", 9) && strncmp(f->content_type, "font/", 5))
			f->gz = gzip_new(f->data, f->len, &f->gz_len);
	}
	closedir(d);
	return rc;
}

struct static_files *static_load(const char *dir, char *err, size_t errlen)
{
	struct static_files *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->files = calloc(STATIC_MAX_FILES, sizeof(*s->files));
	if (!s->files || walk(s, dir, "", err, errlen) != 0) {
		static_free(s);
		return NULL;
	}
	return s;
}

void static_free(struct static_files *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->files[i].name);
		free(s->files[i].hashed);
		free(s->files[i].url);
		free(s->files[i].data);
		free(s->files[i].gz);
	}
	free(s->files);
	free(s);
}

const struct static_file *static_find(const struct static_files *s, const char *name, int *immutable)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (!strcmp(s->files[i].hashed, name)) {
			*immutable = 1;
			return &s->files[i];
		}
		if (!strcmp(s->files[i].name, name)) {
			*immutable = 0;
			return &s->files[i];
		}
	}
	return NULL;
}

const char *static_url(const struct static_files *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->files[i].name, name))
			return s->files[i].url;
	return NULL;
}
