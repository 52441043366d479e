/* asice.c — reading and writing ASiC-E containers with libzip. See edoc.h.
 *
 * Reading is defensive: the whole container is in memory, its size and its
 * entries' sizes (declared and actual) are bounded, every name is checked
 * before it is used, and the manifest must describe exactly the data files.
 */
#include "sign/edoc.h"
#include "sign/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <zip.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/utf8.h"

#define MANIFEST_NAME "META-INF/manifest.xml"

static void limits_fill(struct edoc_limits *l, const struct edoc_limits *in)
{
	memset(l, 0, sizeof(*l));
	if (in)
		*l = *in;
	if (!l->max_file)
		l->max_file = (size_t)256 << 20;
	if (!l->max_entries)
		l->max_entries = 1000;
	if (!l->max_total)
		l->max_total = (size_t)256 << 20;
	if (!l->max_ratio)
		l->max_ratio = 100;
	if (!l->ratio_floor)
		l->ratio_floor = (size_t)1 << 20;
	if (!l->max_xml)
		l->max_xml = (size_t)4 << 20;
}

/* ---- names ---- */

int edoc_name_ok(const char *name, size_t len, struct err *e)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i, comp = 0;
	uint32_t cp;

	if (len == 0) {
		err_set(e, ERR_BAD_REQUEST, "an entry has an empty name");
		return -1;
	}
	if (len > 1024) {
		err_set(e, ERR_BAD_REQUEST, "an entry name is longer than 1024 bytes");
		return -1;
	}
	if (s[0] == '/') {
		err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\": absolute paths are not allowed", name);
		return -1;
	}
	for (i = 0;;) {
		int k;

		if (i == len || s[i] == '/') {
			size_t clen = i - comp;

			if (clen == 0 || (clen == 1 && s[comp] == '.') ||
			    (clen == 2 && s[comp] == '.' && s[comp + 1] == '.')) {
				err_set(e, ERR_BAD_REQUEST,
					"entry \"%.80s\": empty, \".\" or \"..\" path components "
					"are not allowed",
					name);
				return -1;
			}
			if (i == len)
				break;
			comp = ++i;
			continue;
		}
		if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\') {
			err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\": control character or backslash in the name",
				name);
			return -1;
		}
		k = utf8_decode(s + i, len - i, &cp);
		if (k < 0) {
			err_set(e, ERR_BAD_REQUEST, "entry name is not valid UTF-8");
			return -1;
		}
		i += (size_t)k;
	}
	return 0;
}

char *edoc_uri_encode(const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = BUF_INIT;
	const unsigned char *p;

	buf_init(&b, 16 * 1024);
	buf_puts(&b, "");
	for (p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.' || *p == '_' || *p == '~' || *p == '/') {
			buf_putc(&b, (char)*p);
		} else {
			buf_putc(&b, '%');
			buf_putc(&b, hex[*p >> 4]);
			buf_putc(&b, hex[*p & 15]);
		}
	}
	if (!buf_ok(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

char *edoc_uri_decode(const char *uri)
{
	size_t n = strlen(uri), i, o = 0;
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (uri[i] == '%') {
			int h, l;

			if (i + 2 >= n)
				goto fail;
			h = hex_value((unsigned char)uri[i + 1]);
			l = hex_value((unsigned char)uri[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				goto fail;
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else if (uri[i] == '#' || uri[i] == '?' || (unsigned char)uri[i] <= ' ') {
			goto fail;
		} else {
			out[o++] = uri[i];
		}
	}
	out[o] = '\0';
	return out;
fail:
	free(out);
	return NULL;
}

/* ---- containers ---- */

static void entry_clear(struct edoc_entry *en)
{
	free(en->name);
	free(en->mime);
	free(en->data);
	memset(en, 0, sizeof(*en));
}

static void entries_free(struct edoc_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		entry_clear(&v[i]);
	free(v);
}

void edoc_free(struct edoc *doc)
{
	size_t i;

	if (!doc)
		return;
	entries_free(doc->files, doc->nfiles);
	entries_free(doc->sigs, doc->nsigs);
	entries_free(doc->meta, doc->nmeta);
	for (i = 0; i < doc->nwarnings; i++)
		free(doc->warnings[i]);
	free(doc->warnings);
	free(doc);
}

struct edoc *edoc_new(void)
{
	return calloc(1, sizeof(struct edoc));
}

/* Notes what was read leniently; -1 with e when out of memory. */
static int doc_warn(struct edoc *doc, const char *msg, struct err *e)
{
	char **w = realloc(doc->warnings, (doc->nwarnings + 1) * sizeof(*w));
	char *copy = w ? strdup(msg) : NULL;

	if (w)
		doc->warnings = w;
	if (!copy) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return -1;
	}
	w[doc->nwarnings++] = copy;
	return 0;
}

static struct edoc_entry *entry_push(struct edoc_entry **v, size_t *n)
{
	struct edoc_entry *p = realloc(*v, (*n + 1) * sizeof(**v));

	if (!p)
		return NULL;
	*v = p;
	memset(&p[*n], 0, sizeof(p[*n]));
	return &p[(*n)++];
}

const struct edoc_entry *edoc_find_file(const struct edoc *doc, const char *name)
{
	size_t i;

	for (i = 0; i < doc->nfiles; i++)
		if (strcmp(doc->files[i].name, name) == 0)
			return &doc->files[i];
	return NULL;
}

static int is_sigfile_name(const char *name)
{
	const char *base;
	size_t n;

	if (strncmp(name, "META-INF/", 9) != 0)
		return 0;
	base = name + 9;
	n = strlen(base);
	return !strchr(base, '/') && strstr(base, "signatures") && n > 4 && strcmp(base + n - 4, ".xml") == 0;
}

/* Whether the file starts as EN 319 162-1 wants it: the first local header
 * is "mimetype", stored, unencrypted, holding exactly EDOC_MIMETYPE (what
 * lets tools recognize the format from its first bytes). 1 when it does, 0
 * when it does not (read on, with a warning, as the references do), -1
 * with e when the bytes are not a ZIP file at all. */
static int mimetype_starts_file(const unsigned char *p, size_t n, struct err *e)
{
	size_t mlen = strlen(EDOC_MIMETYPE), namelen, extralen, off;
	unsigned method, flags;
	uint32_t csize, usize;

	if (n < 30 || memcmp(p, "PK\003\004", 4) != 0) {
		err_set(e, ERR_BAD_REQUEST, "not a ZIP container");
		return -1;
	}
	flags = p[6] | (unsigned)p[7] << 8;
	method = p[8] | (unsigned)p[9] << 8;
	csize = p[18] | (uint32_t)p[19] << 8 | (uint32_t)p[20] << 16 | (uint32_t)p[21] << 24;
	usize = p[22] | (uint32_t)p[23] << 8 | (uint32_t)p[24] << 16 | (uint32_t)p[25] << 24;
	namelen = p[26] | (size_t)p[27] << 8;
	extralen = p[28] | (size_t)p[29] << 8;
	off = 30 + namelen + extralen;
	if (namelen != 8 || n < 38 || memcmp(p + 30, "mimetype", 8) != 0 || method != 0 || (flags & 1))
		return 0;
	if (((flags & 8) == 0 && (csize != mlen || usize != mlen)) || n < off + mlen ||
	    memcmp(p + off, EDOC_MIMETYPE, mlen) != 0 || (n > off + mlen && (flags & 8) == 0 && p[off + mlen] != 'P'))
		return 0;
	return 1;
}

/* names[] without their trailing slash; dir[k]: names[k] was a folder
 * entry ("docs/"). A folder entry may stand beside the files inside it, a
 * file may not share its name with a folder. */
static int check_names_unique(char **names, const unsigned char *dir, size_t n, struct err *e)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		size_t li = strlen(names[i]);

		for (j = i + 1; j < n; j++) {
			size_t lj = strlen(names[j]);

			if (strcasecmp(names[i], names[j]) == 0) {
				err_set(e, ERR_BAD_REQUEST,
					dir[i] == dir[j] ? "entry \"%.80s\" appears more than once"
							 : "entry \"%.80s\" is both a file and a folder",
					names[i]);
				return -1;
			}
			if ((!dir[i] && li < lj && strncmp(names[i], names[j], li) == 0 && names[j][li] == '/') ||
			    (!dir[j] && lj < li && strncmp(names[j], names[i], lj) == 0 && names[i][lj] == '/')) {
				err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\" is both a file and a folder",
					li < lj ? names[i] : names[j]);
				return -1;
			}
		}
	}
	return 0;
}

static int parse_manifest(struct edoc *doc, const unsigned char *p, size_t n, struct err *e)
{
	xmlDocPtr x = NULL;
	xmlNodePtr root, c;
	struct err xe = {0};
	int rc = -1, have_root = 0;
	size_t i, listed = 0;
	unsigned char *seen = NULL;

	x = sx_parse(p, n, &xe);
	if (!x) {
		err_set(e, ERR_BAD_REQUEST, "META-INF/manifest.xml: %s", xe.msg);
		goto out;
	}
	root = xmlDocGetRootElement(x);
	if (!sx_is(root, NS_MANIFEST, "manifest")) {
		err_set(e, ERR_BAD_REQUEST, "META-INF/manifest.xml: the root is not an ODF manifest");
		goto out;
	}
	seen = calloc(doc->nfiles + 1, 1);
	if (!seen) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	for (c = sx_first_elem(root); c; c = sx_next_elem(c)) {
		xmlChar *path, *type;
		int bad = 0;

		if (!sx_is(c, NS_MANIFEST, "file-entry")) {
			err_set(e, ERR_BAD_REQUEST, "META-INF/manifest.xml: unexpected element <%.40s>", c->name);
			goto out;
		}
		if (sx_first_elem(c)) {
			err_set(e, ERR_BAD_REQUEST,
				"META-INF/manifest.xml: encrypted or annotated entries are "
				"not supported");
			goto out;
		}
		path = xmlGetNsProp(c, BAD_CAST "full-path", BAD_CAST NS_MANIFEST);
		type = xmlGetNsProp(c, BAD_CAST "media-type", BAD_CAST NS_MANIFEST);
		if (!path || !type) {
			err_set(e, ERR_BAD_REQUEST, "META-INF/manifest.xml: an entry lacks full-path or media-type");
			bad = 1;
		} else if (strcmp((char *)path, "/") == 0) {
			if (have_root++ || strcmp((char *)type, EDOC_MIMETYPE) != 0) {
				err_set(e, ERR_BAD_REQUEST,
					"META-INF/manifest.xml: the \"/\" entry must appear once, "
					"with media type %s",
					EDOC_MIMETYPE);
				bad = 1;
			}
		} else if (path[0] && path[xmlStrlen(path) - 1] == '/') {
			/* a folder: nothing to check against */
		} else if (edoc_name_ok((char *)path, (size_t)xmlStrlen(path), &xe) != 0) {
			err_set(e, ERR_BAD_REQUEST, "META-INF/manifest.xml: %s", xe.msg);
			bad = 1;
		} else {
			for (i = 0; i < doc->nfiles; i++)
				if (strcmp(doc->files[i].name, (char *)path) == 0)
					break;
			if (i == doc->nfiles) {
				err_set(e, ERR_BAD_REQUEST,
					"META-INF/manifest.xml lists \"%.80s\", which is not a "
					"data file of the container",
					(char *)path);
				bad = 1;
			} else if (seen[i]) {
				err_set(e, ERR_BAD_REQUEST, "META-INF/manifest.xml lists \"%.80s\" twice",
					(char *)path);
				bad = 1;
			} else {
				seen[i] = 1;
				listed++;
				doc->files[i].mime = strdup((char *)type);
				if (!doc->files[i].mime) {
					err_set(e, ERR_INTERNAL, "out of memory");
					bad = 1;
				}
			}
		}
		xmlFree(path);
		xmlFree(type);
		if (bad)
			goto out;
	}
	if (!have_root) {
		err_set(e, ERR_BAD_REQUEST, "META-INF/manifest.xml has no \"/\" entry");
		goto out;
	}
	for (i = 0; i < doc->nfiles; i++) {
		if (!seen[i]) {
			err_set(e, ERR_BAD_REQUEST, "data file \"%.80s\" is missing from META-INF/manifest.xml",
				doc->files[i].name);
			goto out;
		}
	}
	(void)listed;
	rc = 0;
out:
	free(seen);
	xmlFreeDoc(x);
	return rc;
}

static int read_entry(zip_t *z, zip_uint64_t i, size_t size, unsigned char **out, const char *name, struct err *e)
{
	zip_file_t *f = NULL;
	unsigned char *p = NULL, extra;
	size_t got = 0;
	zip_int64_t r;
	int rc = -1;

	p = malloc(size + 1);
	if (!p) {
		err_set(e, ERR_INTERNAL, "out of memory reading \"%.80s\"", name);
		goto out;
	}
	f = zip_fopen_index(z, i, 0);
	if (!f) {
		err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\": %s", name, zip_strerror(z));
		goto out;
	}
	while (got < size) {
		r = zip_fread(f, p + got, size - got);
		if (r <= 0) {
			err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\": %s", name,
				r < 0 ? zip_file_strerror(f) : "shorter than declared");
			goto out;
		}
		got += (size_t)r;
	}
	r = zip_fread(f, &extra, 1);
	if (r != 0) {
		err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\": %s", name,
			r < 0 ? zip_file_strerror(f) : "longer than declared");
		goto out;
	}
	p[size] = '\0';
	*out = p;
	p = NULL;
	rc = 0;
out:
	if (f && zip_fclose(f) != 0 && rc == 0) {
		err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\": checksum or format error", name);
		free(*out);
		*out = NULL;
		rc = -1;
	}
	free(p);
	return rc;
}

/* The "mimetype" entry (index i, read as *st): it must name the ASiC-E
 * type, as libdigidocpp reads it (white space and a UTF-8 byte order mark
 * around it skipped); its place and compression are warnings. at_start:
 * what mimetype_starts_file() found. */
static int check_mimetype_entry(zip_t *z, zip_uint64_t i, const zip_stat_t *st, int at_start, struct edoc *doc,
				struct err *e)
{
	const char *ws = " \t\r\n";
	unsigned char *data = NULL;
	size_t b, end, mlen = strlen(EDOC_MIMETYPE);
	int rc = -1;

	if (st->size > 256) {
		err_set(e, ERR_BAD_REQUEST, "the \"mimetype\" entry must hold exactly \"%s\"", EDOC_MIMETYPE);
		return -1;
	}
	if (read_entry(z, i, (size_t)st->size, &data, "mimetype", e) != 0)
		return -1;
	b = st->size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	end = (size_t)st->size;
	while (b < end && data[b] && strchr(ws, data[b]))
		b++;
	while (end > b && data[end - 1] && strchr(ws, data[end - 1]))
		end--;
	if (end - b != mlen || memcmp(data + b, EDOC_MIMETYPE, mlen) != 0) {
		err_set(e, ERR_BAD_REQUEST, "the \"mimetype\" entry must hold exactly \"%s\", not \"%.60s\"",
			EDOC_MIMETYPE, (char *)data);
		goto out;
	}
	if (st->size != mlen &&
	    doc_warn(doc, "the \"mimetype\" entry holds white space or a byte order mark around the type", e) != 0)
		goto out;
	if (i != 0) {
		if (doc_warn(doc, "the \"mimetype\" entry is not the first entry of the container", e) != 0)
			goto out;
	} else if (st->comp_method != ZIP_CM_STORE) {
		if (doc_warn(doc, "the \"mimetype\" entry is compressed (it should be stored)", e) != 0)
			goto out;
	} else if (!at_start && st->size == mlen &&
		   doc_warn(doc, "the container does not begin with the stored \"mimetype\" entry", e) != 0) {
		goto out;
	}
	rc = 0;
out:
	free(data);
	return rc;
}

/* The ZIP archive of the n bytes at p, after the checks that need no
 * unpacking: the size and the first header (*at_start: see
 * mimetype_starts_file). NULL with e. */
static zip_t *open_zip(const void *p, size_t n, const struct edoc_limits *lim, int *at_start, struct err *e)
{
	zip_source_t *src = NULL;
	zip_t *z = NULL;
	zip_error_t zerr;

	zip_error_init(&zerr);
	if (n > lim->max_file) {
		err_set(e, ERR_UPLOAD_TOO_BIG, "the container is larger than %zu bytes", lim->max_file);
		goto out;
	}
	*at_start = mimetype_starts_file(p, n, e);
	if (*at_start < 0)
		goto out;
	src = zip_source_buffer_create(p, n, 0, &zerr);
	if (!src) {
		err_set(e, ERR_BAD_REQUEST, "not a ZIP container: %s", zip_error_strerror(&zerr));
		goto out;
	}
	z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (!z && zip_error_code_zip(&zerr) == ZIP_ER_EXISTS) {
		err_set(e, ERR_BAD_REQUEST, "an entry name appears more than once");
		goto out;
	}
	if (!z) {
		err_set(e, ERR_BAD_REQUEST, "not a readable ZIP container: %s", zip_error_strerror(&zerr));
		goto out;
	}
	src = NULL; /* owned by z now */
out:
	if (src)
		zip_source_free(src);
	zip_error_fini(&zerr);
	return z;
}

/* One directory record, before anything is unpacked: its name, encryption,
 * method, size (*total counts the bytes so far) and compression ratio.
 * Returns its name (borrowed from z), or NULL with e. */
static const char *check_record(zip_t *z, zip_uint64_t i, const struct edoc_limits *lim, size_t *total, struct err *e)
{
	zip_stat_t st;
	const char *name;
	size_t len;
	int dir;

	zip_stat_init(&st);
	if (zip_stat_index(z, i, ZIP_FL_ENC_RAW, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
	    !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD)) {
		err_set(e, ERR_BAD_REQUEST, "entry %llu: unreadable ZIP directory record", (unsigned long long)i);
		return NULL;
	}
	name = st.name;
	len = strlen(name);
	dir = len > 0 && name[len - 1] == '/';
	if (edoc_name_ok(name, dir ? len - 1 : len, e) != 0)
		return NULL;
	if (dir && st.size > 0) {
		err_set(e, ERR_BAD_REQUEST, "folder entry \"%.80s\" holds data", name);
		return NULL;
	}
	if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
		err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\" is encrypted", name);
		return NULL;
	}
	if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE) {
		err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\": compression method %d is not supported", name,
			(int)st.comp_method);
		return NULL;
	}
	if (st.size > lim->max_total || *total + st.size > lim->max_total) {
		err_set(e, ERR_UPLOAD_TOO_BIG, "the container unpacks to more than %zu bytes", lim->max_total);
		return NULL;
	}
	*total += st.size;
	if (st.size >= lim->ratio_floor && (st.comp_size == 0 || st.size / st.comp_size > lim->max_ratio)) {
		err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\" expands more than %zu times (a ZIP bomb?)", name,
			lim->max_ratio);
		return NULL;
	}
	if (st.size > 0 && st.comp_size == 0) {
		err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\": inconsistent sizes", name);
		return NULL;
	}
	if (strncasecmp(name, "META-INF/", 9) == 0 && strncmp(name, "META-INF/", 9) != 0) {
		err_set(e, ERR_BAD_REQUEST, "entry \"%.80s\": META-INF must be spelled in capitals", name);
		return NULL;
	}
	return name;
}

/* First pass: every directory record (check_record), then the names'
 * uniqueness, folders without their slash. Nothing is decompressed. */
static int check_directory(zip_t *z, zip_uint64_t count, const struct edoc_limits *lim, struct err *e)
{
	char **names = calloc((size_t)count, sizeof(*names));
	unsigned char *dir = calloc((size_t)count, 1);
	size_t nnames = 0, total = 0, k;
	zip_uint64_t i;
	int rc = -1;

	if (!names || !dir) {
		free(names);
		free(dir);
		err_set(e, ERR_INTERNAL, "out of memory");
		return -1;
	}
	for (i = 0; i < count; i++) {
		const char *name = check_record(z, i, lim, &total, e);
		size_t len;

		if (!name)
			goto out;
		len = strlen(name);
		names[nnames] = strdup(name);
		if (!names[nnames]) {
			err_set(e, ERR_INTERNAL, "out of memory");
			goto out;
		}
		if (len > 0 && name[len - 1] == '/') {
			names[nnames][len - 1] = '\0';
			dir[nnames] = 1;
		}
		nnames++;
	}
	rc = check_names_unique(names, dir, nnames, e);
out:
	for (k = 0; k < nnames; k++)
		free(names[k]);
	free(names);
	free(dir);
	return rc;
}

/* Second pass: the contents, sorted into data files, signature files and
 * other META-INF files of doc; the manifest's bytes go to *manifest (its
 * length *manifest_len); the mimetype entry is checked (at_start: see
 * check_mimetype_entry) and a missing one is a warning. */
static int read_contents(zip_t *z, zip_uint64_t count, const struct edoc_limits *lim, int at_start, struct edoc *doc,
			 unsigned char **manifest, size_t *manifest_len, struct err *e)
{
	zip_uint64_t i;
	int have_mimetype = 0;

	for (i = 0; i < count; i++) {
		zip_stat_t st;
		struct edoc_entry *en;
		const char *name;
		size_t len;
		unsigned char *data = NULL;

		zip_stat_init(&st);
		if (zip_stat_index(z, i, ZIP_FL_ENC_RAW, &st) != 0) {
			err_set(e, ERR_BAD_REQUEST, "entry %llu: unreadable", (unsigned long long)i);
			return -1;
		}
		name = st.name;
		len = strlen(name);
		if (len && name[len - 1] == '/')
			continue; /* folders carry nothing */
		if (strcmp(name, "mimetype") == 0) {
			/* a second one was refused as a duplicate name */
			if (check_mimetype_entry(z, i, &st, at_start, doc, e) != 0)
				return -1;
			have_mimetype = 1;
			continue;
		}
		if (strncmp(name, "META-INF/", 9) == 0 && st.size > lim->max_xml &&
		    (strcmp(name, MANIFEST_NAME) == 0 || is_sigfile_name(name))) {
			err_set(e, ERR_UPLOAD_TOO_BIG, "entry \"%.80s\" is larger than %zu bytes", name, lim->max_xml);
			return -1;
		}
		if (read_entry(z, i, (size_t)st.size, &data, name, e) != 0)
			return -1;
		if (strcmp(name, MANIFEST_NAME) == 0) {
			*manifest = data;
			*manifest_len = (size_t)st.size;
			continue;
		}
		if (is_sigfile_name(name))
			en = entry_push(&doc->sigs, &doc->nsigs);
		else if (strncmp(name, "META-INF/", 9) == 0)
			en = entry_push(&doc->meta, &doc->nmeta);
		else
			en = entry_push(&doc->files, &doc->nfiles);
		if (en)
			en->name = strdup(name);
		if (!en || !en->name) {
			free(data);
			err_set(e, ERR_INTERNAL, "out of memory");
			return -1;
		}
		en->data = data;
		en->len = (size_t)st.size;
	}
	if (!have_mimetype)
		return doc_warn(doc, "the container has no \"mimetype\" entry", e);
	return 0;
}

struct edoc *edoc_open_mem(const void *p, size_t n, const struct edoc_limits *lim_in, struct err *e)
{
	struct edoc_limits lim;
	struct edoc *doc = NULL;
	zip_t *z;
	zip_int64_t count;
	unsigned char *manifest = NULL;
	size_t manifest_len = 0;
	int ok = 0, at_start = 0;

	limits_fill(&lim, lim_in);
	z = open_zip(p, n, &lim, &at_start, e);
	if (!z)
		goto out;
	count = zip_get_num_entries(z, 0);
	if (count < 1) {
		err_set(e, ERR_BAD_REQUEST, "the ZIP container is empty");
		goto out;
	}
	if ((zip_uint64_t)count > lim.max_entries) {
		err_set(e, ERR_UPLOAD_TOO_BIG, "the container has %lld entries, more than the %zu allowed",
			(long long)count, lim.max_entries);
		goto out;
	}
	doc = edoc_new();
	if (!doc) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (check_directory(z, (zip_uint64_t)count, &lim, e) != 0 ||
	    read_contents(z, (zip_uint64_t)count, &lim, at_start, doc, &manifest, &manifest_len, e) != 0)
		goto out;
	if (!manifest) {
		err_set(e, ERR_BAD_REQUEST, "META-INF/manifest.xml is missing");
		goto out;
	}
	if (doc->nfiles == 0) {
		err_set(e, ERR_BAD_REQUEST, "the container holds no data files");
		goto out;
	}
	if (parse_manifest(doc, manifest, manifest_len, e) != 0)
		goto out;
	ok = 1;
out:
	if (z)
		zip_discard(z);
	free(manifest);
	if (!ok) {
		edoc_free(doc);
		doc = NULL;
	}
	return doc;
}

unsigned char *edoc_read_fd(int fd, const char *what, size_t max, size_t *len, struct err *e)
{
	char *p;
	int rc = file_read_fd(fd, max, &p, len);

	if (rc == 0)
		return (unsigned char *)p;
	if (rc == -EFBIG)
		err_set(e, ERR_UPLOAD_TOO_BIG, "%s: larger than %zu bytes", what, max);
	else if (rc == -ENOMEM)
		err_set(e, ERR_INTERNAL, "%s: out of memory", what);
	else if (rc == -EINVAL || rc == -EBADF)
		err_set(e, ERR_BAD_REQUEST, "%s: not a regular file", what);
	else
		err_set(e, ERR_BAD_REQUEST, "%s: read error", what);
	return NULL;
}

unsigned char *edoc_read_file(const char *path, size_t max, size_t *len, struct err *e)
{
	unsigned char *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_set(e, ERR_BAD_REQUEST, "%s: %s", path, strerror(errno));
		return NULL;
	}
	p = edoc_read_fd(fd, path, max, len, e);
	close(fd);
	return p;
}

struct edoc *edoc_open(const char *path, const struct edoc_limits *lim, struct err *e)
{
	struct edoc_limits l;
	unsigned char *p;
	struct edoc *doc;
	size_t n;

	limits_fill(&l, lim);
	p = edoc_read_file(path, l.max_file, &n, e);
	if (!p)
		return NULL;
	doc = edoc_open_mem(p, n, &l, e);
	free(p);
	return doc;
}

/* ---- building and writing ---- */

static int add_entry(struct edoc_entry **v, size_t *n, const char *name, const char *mime, const void *data, size_t len,
		     struct err *e)
{
	struct edoc_entry *en;

	en = entry_push(v, n);
	if (!en)
		goto oom;
	en->name = strdup(name);
	en->mime = mime ? strdup(mime) : NULL;
	en->data = malloc(len + 1);
	if (!en->name || (mime && !en->mime) || !en->data) {
		entry_clear(en);
		(*n)--;
		goto oom;
	}
	if (len)
		memcpy(en->data, data, len);
	en->data[len] = '\0';
	en->len = len;
	return 0;
oom:
	err_set(e, ERR_INTERNAL, "out of memory");
	return -1;
}

int edoc_add_file(struct edoc *doc, const char *name, const char *mime, const void *data, size_t len, struct err *e)
{
	size_t i;

	if (edoc_name_ok(name, strlen(name), e) != 0)
		return -1;
	if (strcmp(name, "mimetype") == 0 || strncasecmp(name, "META-INF/", 9) == 0) {
		err_set(e, ERR_BAD_REQUEST, "\"%.80s\" is a reserved name", name);
		return -1;
	}
	for (i = 0; i < doc->nfiles; i++) {
		if (strcasecmp(doc->files[i].name, name) == 0) {
			err_set(e, ERR_BAD_REQUEST, "the container already holds a file named \"%.80s\"", name);
			return -1;
		}
	}
	return add_entry(&doc->files, &doc->nfiles, name, mime ? mime : edoc_guess_mime(name), data, len, e);
}

int edoc_add_sigfile(struct edoc *doc, const char *name, const void *data, size_t len, struct err *e)
{
	size_t i;

	/* the one reason given for any bad name is this one (the outer speaks) */
	if (!is_sigfile_name(name) || edoc_name_ok(name, strlen(name), NULL) != 0) {
		err_set(e, ERR_BAD_REQUEST, "\"%.80s\" is not a signature file name", name);
		return -1;
	}
	for (i = 0; i < doc->nsigs; i++) {
		if (strcasecmp(doc->sigs[i].name, name) == 0) {
			err_set(e, ERR_BAD_REQUEST, "the container already holds \"%.80s\"", name);
			return -1;
		}
	}
	return add_entry(&doc->sigs, &doc->nsigs, name, NULL, data, len, e);
}

static int name_taken(const struct edoc_entry *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i].name, name) == 0)
			return 1;
	return 0;
}

char *edoc_next_sigfile_name(const struct edoc *doc)
{
	char name[64];
	size_t k;

	for (k = 0;; k++) {
		snprintf(name, sizeof(name), "META-INF/signatures%zu.xml", k);
		if (!name_taken(doc->sigs, doc->nsigs, name) && !name_taken(doc->meta, doc->nmeta, name))
			return strdup(name);
	}
}

static void xml_attr_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		default: buf_putc(b, *s);
		}
	}
}

static int build_manifest(const struct edoc *doc, struct buf *b)
{
	size_t i;

	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		    "<manifest:manifest xmlns:manifest=\"" NS_MANIFEST "\" manifest:version=\"1.2\">\n"
		    " <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"" EDOC_MIMETYPE "\"/>\n");
	for (i = 0; i < doc->nfiles; i++) {
		buf_puts(b, " <manifest:file-entry manifest:full-path=\"");
		xml_attr_escape(b, doc->files[i].name);
		buf_puts(b, "\" manifest:media-type=\"");
		xml_attr_escape(b, doc->files[i].mime ? doc->files[i].mime : "application/octet-stream");
		buf_puts(b, "\"/>\n");
	}
	buf_puts(b, "</manifest:manifest>\n");
	return buf_ok(b) ? 0 : -1;
}

static int zip_put(zip_t *z, const char *name, const void *data, size_t len, int store, time_t now, struct err *e)
{
	zip_source_t *s;
	zip_int64_t idx;

	s = zip_source_buffer(z, data, len, 0);
	if (!s) {
		err_set(e, ERR_BAD_REQUEST, "ZIP: %s", zip_strerror(z));
		return -1;
	}
	idx = zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8);
	if (idx < 0) {
		zip_source_free(s);
		err_set(e, ERR_BAD_REQUEST, "ZIP: %s: %s", name, zip_strerror(z));
		return -1;
	}
	if (zip_set_file_compression(z, (zip_uint64_t)idx, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE, store ? 0 : 6) != 0 ||
	    zip_file_set_mtime(z, (zip_uint64_t)idx, now, 0) != 0) {
		err_set(e, ERR_BAD_REQUEST, "ZIP: %s: %s", name, zip_strerror(z));
		return -1;
	}
	return 0;
}

int edoc_write_mem(const struct edoc *doc, unsigned char **out, size_t *outlen, struct err *e)
{
	struct buf man = BUF_INIT;
	zip_source_t *src = NULL;
	zip_t *z = NULL;
	zip_error_t zerr;
	zip_stat_t st;
	unsigned char *p = NULL;
	time_t now = time(NULL);
	size_t i, got = 0;
	int rc = -1;

	zip_error_init(&zerr);
	*out = NULL;
	*outlen = 0;
	if (doc->nfiles == 0) {
		err_set(e, ERR_BAD_REQUEST, "a container needs at least one data file");
		goto out;
	}
	if (build_manifest(doc, &man) != 0) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	src = zip_source_buffer_create(NULL, 0, 0, &zerr);
	if (!src)
		goto zerror;
	zip_source_keep(src);
	z = zip_open_from_source(src, ZIP_TRUNCATE, &zerr);
	if (!z)
		goto zerror;
	if (zip_put(z, "mimetype", EDOC_MIMETYPE, strlen(EDOC_MIMETYPE), 1, now, e) != 0 ||
	    zip_put(z, MANIFEST_NAME, man.data, man.len, 0, now, e) != 0)
		goto out;
	for (i = 0; i < doc->nfiles; i++)
		if (zip_put(z, doc->files[i].name, doc->files[i].data, doc->files[i].len, 0, now, e) != 0)
			goto out;
	for (i = 0; i < doc->nmeta; i++)
		if (zip_put(z, doc->meta[i].name, doc->meta[i].data, doc->meta[i].len, 0, now, e) != 0)
			goto out;
	for (i = 0; i < doc->nsigs; i++)
		if (zip_put(z, doc->sigs[i].name, doc->sigs[i].data, doc->sigs[i].len, 0, now, e) != 0)
			goto out;
	if (zip_close(z) != 0) {
		err_set(e, ERR_BAD_REQUEST, "ZIP: %s", zip_strerror(z));
		goto out;
	}
	z = NULL;
	zip_stat_init(&st);
	if (zip_source_stat(src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(src) != 0) {
		err_set(e, ERR_BAD_REQUEST, "ZIP: cannot read back the container");
		goto out;
	}
	p = malloc((size_t)st.size + 1);
	while (p && got < st.size) {
		zip_int64_t r = zip_source_read(src, p + got, st.size - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	zip_source_close(src);
	if (!p || got != st.size) {
		err_set(e, ERR_BAD_REQUEST, "ZIP: cannot read back the container");
		goto out;
	}
	*out = p;
	*outlen = got;
	p = NULL;
	rc = 0;
	goto out;
zerror:
	err_set(e, ERR_BAD_REQUEST, "ZIP: %s", zip_error_strerror(&zerr));
out:
	if (z)
		zip_discard(z);
	if (src)
		zip_source_free(src);
	zip_error_fini(&zerr);
	free(p);
	buf_free(&man);
	return rc;
}

int edoc_write(const struct edoc *doc, const char *path, struct err *e)
{
	unsigned char *p = NULL;
	size_t n = 0, off = 0;
	char *tmp = NULL;
	int fd = -1, rc = -1;

	if (edoc_write_mem(doc, &p, &n, e) != 0)
		goto out;
	tmp = malloc(strlen(path) + 16);
	if (!tmp) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	snprintf(tmp, strlen(path) + 16, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err_set(e, ERR_BAD_REQUEST, "%s: %s", path, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err_set(e, ERR_BAD_REQUEST, "%s: %s", path, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		err_set(e, ERR_BAD_REQUEST, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		err_set(e, ERR_BAD_REQUEST, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0 && tmp && tmp[0])
		unlink(tmp);
	free(tmp);
	free(p);
	return rc;
}

const char *edoc_guess_mime(const char *name)
{
	static const struct {
		const char *ext, *mime;
	} tab[] = {
	    {"txt", "text/plain"},
	    {"pdf", "application/pdf"},
	    {"xml", "application/xml"},
	    {"html", "text/html"},
	    {"htm", "text/html"},
	    {"csv", "text/csv"},
	    {"json", "application/json"},
	    {"png", "image/png"},
	    {"jpg", "image/jpeg"},
	    {"jpeg", "image/jpeg"},
	    {"gif", "image/gif"},
	    {"tif", "image/tiff"},
	    {"tiff", "image/tiff"},
	    {"odt", "application/vnd.oasis.opendocument.text"},
	    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
	    {"doc", "application/msword"},
	    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	    {"xls", "application/vnd.ms-excel"},
	    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	    {"rtf", "application/rtf"},
	    {"zip", "application/zip"},
	    {"edoc", EDOC_MIMETYPE},
	    {"asice", EDOC_MIMETYPE},
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
			if (strcasecmp(dot + 1, tab[i].ext) == 0)
				return tab[i].mime;
	return "application/octet-stream";
}
