/* multipart.c — see multipart.h.
 *
 * The body is scanned once: every boundary search starts where the previous
 * one ended (memmem is linear), header lines are searched only within
 * max_header_line bytes, so the work is linear in the body length.
 */
#include "http/multipart.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/utf8.h"

const struct multipart_limits multipart_limits_default = {
    .fields = {256, 256, (size_t)64 * 1024, (size_t)1024 * 1024},
    .max_files = 16,
    .max_file_size = (size_t)32 * 1024 * 1024,
    .spill_threshold = (size_t)256 * 1024,
    .max_part_headers = 8,
    .max_header_line = 2048,
    .max_filename = 200,
    .tmp_dir = "/tmp",
};

#define BOUNDARY_MAX 70
#define FILENAME_EXT_MAX 16

/* The state of one parse. */
struct mp {
	struct arena *a;
	const struct multipart_limits *lim;
	struct multipart *out;
	const char *end;   /* end of the body */
	const char *delim; /* "\r\n--" boundary */
	size_t dlen;
	size_t nparts;
	size_t total; /* text field bytes so far */
};

/* One part's interesting headers. */
struct part {
	const char *disp; /* Content-Disposition value, or NULL */
	size_t disp_len;
	const char *ctype; /* Content-Type value, or NULL */
	size_t ctype_len;
};

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

void multipart_cleanup(struct multipart *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nfiles; i++) {
		if (m->files[i].path) {
			unlink(m->files[i].path);
			m->files[i].path = NULL;
		}
	}
}

/* RFC 2046 bchars; a space may not be the last one. */
static int boundary_valid(const char *b)
{
	size_t n = strlen(b), i;

	if (n == 0 || n > BOUNDARY_MAX || b[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("'()+_,-./:=? ", c)))
			return 0;
	}
	return 1;
}

/* After "--boundary" at p: 1 if this ends a delimiter line (transport padding
 * then CRLF) or is the close delimiter ("--"), else 0 (the bytes are data). */
static int delim_ends(const char *p, const char *end)
{
	if (end - p >= 2 && p[0] == '-' && p[1] == '-')
		return 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return end - p >= 2 && p[0] == '\r' && p[1] == '\n';
}

/* The next "\r\n--boundary" at or after p that is a real delimiter. */
static const char *find_delim(const struct mp *m, const char *p)
{
	const char *q;

	for (;;) {
		if (p >= m->end)
			return NULL;
		q = memmem(p, (size_t)(m->end - p), m->delim, m->dlen);
		if (!q || delim_ends(q + m->dlen, m->end))
			return q;
		p = q + m->dlen;
	}
}

/* Reads the header lines of a part starting at *pp, up to and including the
 * empty line; *pp is left on the first byte of the content. */
static int read_headers(struct mp *m, const char **pp, struct part *h, const char **why)
{
	const char *p = *pp, *eol, *colon, *vb, *ve, *c;
	size_t win, lines = 0;

	memset(h, 0, sizeof(*h));
	for (;;) {
		win = (size_t)(m->end - p);
		if (win > m->lim->max_header_line + 2)
			win = m->lim->max_header_line + 2;
		eol = memmem(p, win, "\r\n", 2);
		if (!eol) {
			if (win == m->lim->max_header_line + 2)
				return fail(why, "part header too long");
			return fail(why, "missing final boundary");
		}
		if (eol == p)
			break;
		if (++lines > m->lim->max_part_headers)
			return fail(why, "too many part headers");
		for (colon = p; colon < eol && *colon != ':'; colon++)
			;
		if (colon == p || colon == eol)
			return fail(why, "bad part header");
		for (c = p; c < colon; c++)
			if (*c <= ' ' || *c >= 0x7F)
				return fail(why, "bad part header");
		vb = colon + 1;
		ve = eol;
		for (c = vb; c < ve; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t')
				return fail(why, "bad part header");
		while (vb < ve && (*vb == ' ' || *vb == '\t'))
			vb++;
		while (ve > vb && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (colon - p == 19 && strncasecmp(p, "Content-Disposition", 19) == 0) {
			if (h->disp)
				return fail(why, "bad part header");
			h->disp = vb;
			h->disp_len = (size_t)(ve - vb);
		} else if (colon - p == 12 && strncasecmp(p, "Content-Type", 12) == 0) {
			if (h->ctype)
				return fail(why, "bad part header");
			h->ctype = vb;
			h->ctype_len = (size_t)(ve - vb);
		}
		p = eol + 2;
	}
	*pp = p + 2;
	return 0;
}

static int add_field(struct mp *m, const char *name, const char *data, size_t n, const char **why)
{
	const struct parse_limits *fl = &m->lim->fields;
	size_t nlen = strlen(name);
	const char *value;

	if (m->out->fields.n >= fl->max_fields)
		return fail(why, "too many fields");
	if (n > fl->max_value)
		return fail(why, "field too long");
	if (memchr(data, '\0', n))
		return fail(why, "NUL byte");
	if (!utf8_valid(data, n))
		return fail(why, "invalid UTF-8");
	m->total += nlen + n;
	if (m->total > fl->max_total)
		return fail(why, "too large");
	value = arena_strndup(m->a, data, n);
	if (!value || kvlist_add(m->a, &m->out->fields, name, value, n) != 0)
		return fail(why, "out of memory");
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes data to a new temp file recorded in u->path before the first byte
 * is written, so that an error leaves it to multipart_cleanup(). */
static int spill(struct mp *m, struct upload *u, const char *data, size_t n, const char **why)
{
	char *path;
	int fd, rc = -1;

	path = arena_printf(m->a, "%s/epak-upload-XXXXXX", m->lim->tmp_dir);
	if (!path)
		return fail(why, "out of memory");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return fail(why, "upload write failed");
	u->path = path;
	if (fchmod(fd, S_IRUSR | S_IWUSR) != 0 || write_all(fd, data, n) != 0) {
		fail(why, "upload write failed");
		goto out;
	}
	rc = 0;
out:
	if (close(fd) != 0 && rc == 0)
		rc = fail(why, "upload write failed");
	return rc;
}

static int add_file(struct mp *m, const char *name, const char *filename, const struct part *h, const char *data,
		    size_t n, const char **why)
{
	struct multipart *out = m->out;
	struct upload *u, *files;
	const char *ctype = "application/octet-stream";
	size_t alloc;

	if (!*filename && n == 0)
		return 0; /* a file input left empty */
	if (out->nfiles >= m->lim->max_files)
		return fail(why, "too many files");
	if (n > m->lim->max_file_size)
		return fail(why, "file too large");
	if (h->ctype && parse_content_type(m->a, h->ctype, h->ctype_len, &ctype, NULL, NULL) != 0)
		return fail(why, "bad part header");
	if (out->nfiles == out->alloc) {
		alloc = out->alloc ? out->alloc * 2 : 4;
		if (alloc > SIZE_MAX / sizeof(*files))
			return fail(why, "out of memory");
		files = arena_alloc(m->a, alloc * sizeof(*files));
		if (!files)
			return fail(why, "out of memory");
		if (out->nfiles)
			memcpy(files, out->files, out->nfiles * sizeof(*files));
		out->files = files;
		out->alloc = alloc;
	}
	u = &out->files[out->nfiles++];
	memset(u, 0, sizeof(*u));
	u->field = name;
	u->content_type = ctype;
	u->size = n;
	u->filename = multipart_sanitize_filename(m->a, filename, m->lim->max_filename);
	if (!u->filename)
		return fail(why, "out of memory");
	if (n > m->lim->spill_threshold)
		return spill(m, u, data, n, why);
	u->data = arena_strndup(m->a, data, n);
	if (!u->data)
		return fail(why, "out of memory");
	return 0;
}

static int handle_part(struct mp *m, const struct part *h, const char *data, size_t n, const char **why)
{
	struct kvlist params;
	const char *type, *name, *filename;

	if (++m->nparts > m->lim->fields.max_fields + m->lim->max_files)
		return fail(why, "too many parts");
	if (!h->disp)
		return fail(why, "missing content-disposition");
	if (parse_content_disposition(m->a, h->disp, h->disp_len, &type, &params, why) != 0)
		return -1;
	if (strcmp(type, "form-data") != 0)
		return fail(why, "bad content disposition");
	name = kv_get(&params, "name");
	if (!name)
		return fail(why, "missing part name");
	if (!utf8_valid(name, strlen(name)))
		return fail(why, "invalid UTF-8");
	if (strlen(name) > m->lim->fields.max_name)
		return fail(why, "name too long");
	filename = kv_get(&params, "filename*");
	if (!filename)
		filename = kv_get(&params, "filename");
	if (filename)
		return add_file(m, name, filename, h, data, n, why);
	return add_field(m, name, data, n, why);
}

static int parse_body(struct mp *m, const char *body, size_t len, const char **why)
{
	const char *p = body, *q;
	struct part h;

	/* The first delimiter may open the body, without the CRLF before it. */
	if (len >= m->dlen - 2 && memcmp(body, m->delim + 2, m->dlen - 2) == 0 &&
	    delim_ends(body + m->dlen - 2, m->end)) {
		p = body + m->dlen - 2;
	} else {
		q = find_delim(m, body);
		if (!q)
			return fail(why, "missing final boundary");
		p = q + m->dlen;
	}
	for (;;) {
		/* p is just past "--boundary", which delim_ends() accepted. */
		if (m->end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0; /* the epilogue is ignored */
		while (*p == ' ' || *p == '\t')
			p++;
		p += 2;
		if (read_headers(m, &p, &h, why) != 0)
			return -1;
		q = find_delim(m, p);
		if (!q)
			return fail(why, "missing final boundary");
		if (handle_part(m, &h, p, (size_t)(q - p), why) != 0)
			return -1;
		p = q + m->dlen;
	}
}

int multipart_parse(struct arena *a, const char *ctype, size_t ctype_len, const char *body, size_t len,
		    const struct multipart_limits *lim, struct multipart *out, const char **why)
{
	struct kvlist params;
	const char *mime, *boundary;
	struct mp m;
	char *delim;
	size_t blen;
	int rc = -1;

	*out = (struct multipart)MULTIPART_INIT;
	if (!lim)
		lim = &multipart_limits_default;
	if (parse_content_type(a, ctype, ctype_len, &mime, &params, why) != 0)
		return -1;
	if (strcmp(mime, "multipart/form-data") != 0)
		return fail(why, "not multipart/form-data");
	boundary = kv_get(&params, "boundary");
	if (!boundary || !boundary_valid(boundary))
		return fail(why, "bad boundary");
	blen = strlen(boundary);
	delim = arena_alloc(a, blen + 5);
	if (!delim)
		return fail(why, "out of memory");
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, boundary, blen);

	memset(&m, 0, sizeof(m));
	m.a = a;
	m.lim = lim;
	m.out = out;
	m.end = body + len;
	m.delim = delim;
	m.dlen = blen + 4;
	if (parse_body(&m, body, len, why) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		multipart_cleanup(out);
		*out = (struct multipart)MULTIPART_INIT;
	}
	return rc;
}

static int cp_dropped(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

/* Start of the last character that ends at or before s + n. */
static size_t utf8_floor(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

const char *multipart_sanitize_filename(struct arena *a, const char *name, size_t max)
{
	const unsigned char *s;
	const char *base = name, *c, *dot;
	char *d;
	size_t n, i = 0, k = 0, len, extlen, head;
	uint32_t cp;
	int step;

	if (max < 32)
		max = 32;
	for (c = name; *c; c++)
		if (*c == '/' || *c == '\\' || *c == ':')
			base = c + 1;
	s = (const unsigned char *)base;
	n = strlen(base);
	d = arena_alloc(a, n + 1);
	if (!d)
		return NULL;
	while (i < n) {
		step = utf8_decode(s + i, n - i, &cp);
		if (step < 0) {
			d[k++] = '_';
			i++;
			continue;
		}
		len = (size_t)step;
		if (!cp_dropped(cp)) {
			if (len == 1 && strchr("<>\"|?*", s[i])) {
				d[k++] = '_';
			} else {
				memcpy(d + k, s + i, len);
				k += len;
			}
		}
		i += len;
	}
	/* Trim dots and spaces at both ends. */
	while (k > 0 && (d[k - 1] == '.' || d[k - 1] == ' '))
		k--;
	for (i = 0; i < k && (d[i] == '.' || d[i] == ' '); i++)
		;
	d += i;
	k -= i;
	d[k] = '\0';
	if (k == 0)
		return "upload";
	if (k <= max)
		return d;
	/* Too long: cut the stem, keep a short extension. */
	dot = strrchr(d, '.');
	extlen = dot ? k - (size_t)(dot - d) : 0;
	if (extlen > FILENAME_EXT_MAX)
		extlen = 0;
	head = utf8_floor(d, max - extlen);
	while (head > 1 && (d[head - 1] == '.' || d[head - 1] == ' '))
		head--;
	memmove(d + head, d + k - extlen, extlen);
	d[head + extlen] = '\0';
	return d;
}
