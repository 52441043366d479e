/* zipw.h — a tiny raw ZIP writer for the signature tests, so that
 * they can build exactly the hostile containers they need (duplicate names,
 * lying sizes, misplaced mimetype) which a well-behaved ZIP library refuses
 * to write. Header-only, included by tests/unit/test_sign*.c as "../sign/zipw.h". */
#ifndef EPAK_TESTS_SIGN_ZIPW_H
#define EPAK_TESTS_SIGN_ZIPW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

struct tz_entry {
	const char *name;
	const void *data;
	size_t len;
	int deflate;       /* 1: deflate, 0: store */
	uint32_t lie_size; /* nonzero: declare this uncompressed size instead */
};

struct tz_buf {
	unsigned char *p;
	size_t len, cap;
};

static inline void tz_put(struct tz_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void tz_u16(struct tz_buf *b, unsigned v)
{
	unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};

	tz_put(b, x, 2);
}

static inline void tz_u32(struct tz_buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};

	tz_put(b, x, 4);
}

static inline unsigned char *tz_deflate(const void *p, size_t n, size_t *out)
{
	z_stream s;
	unsigned char *o;
	size_t cap = compressBound((uLong)n) + 64;

	memset(&s, 0, sizeof(s));
	o = malloc(cap);
	deflateInit2(&s, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
	s.next_in = (unsigned char *)p;
	s.avail_in = (uInt)n;
	s.next_out = o;
	s.avail_out = (uInt)cap;
	deflate(&s, Z_FINISH);
	*out = cap - s.avail_out;
	deflateEnd(&s);
	return o;
}

/* Builds a ZIP of the entries in order; the caller frees the result. */
static inline unsigned char *tz_build(const struct tz_entry *v, size_t n, size_t *outlen)
{
	struct tz_buf b = {0}, cd = {0};
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t crc = (uint32_t)crc32(0, v[i].data, (uInt)v[i].len);
		size_t clen = v[i].len, nlen = strlen(v[i].name);
		unsigned char *comp = NULL;
		const void *body = v[i].data;
		uint32_t off = (uint32_t)b.len;
		uint32_t usize = v[i].lie_size ? v[i].lie_size : (uint32_t)v[i].len;

		if (v[i].deflate) {
			comp = tz_deflate(v[i].data, v[i].len, &clen);
			body = comp;
		}
		tz_u32(&b, 0x04034b50);
		tz_u16(&b, 20);
		tz_u16(&b, 0x0800);
		tz_u16(&b, v[i].deflate ? 8 : 0);
		tz_u16(&b, 0);
		tz_u16(&b, 0x21);
		tz_u32(&b, crc);
		tz_u32(&b, (uint32_t)clen);
		tz_u32(&b, usize);
		tz_u16(&b, (unsigned)nlen);
		tz_u16(&b, 0);
		tz_put(&b, v[i].name, nlen);
		tz_put(&b, body, clen);

		tz_u32(&cd, 0x02014b50);
		tz_u16(&cd, 0x031e);
		tz_u16(&cd, 20);
		tz_u16(&cd, 0x0800);
		tz_u16(&cd, v[i].deflate ? 8 : 0);
		tz_u16(&cd, 0);
		tz_u16(&cd, 0x21);
		tz_u32(&cd, crc);
		tz_u32(&cd, (uint32_t)clen);
		tz_u32(&cd, usize);
		tz_u16(&cd, (unsigned)nlen);
		tz_u16(&cd, 0);
		tz_u16(&cd, 0);
		tz_u16(&cd, 0);
		tz_u16(&cd, 0);
		tz_u32(&cd, 0100644u << 16);
		tz_u32(&cd, off);
		tz_put(&cd, v[i].name, nlen);
		free(comp);
	}
	{
		uint32_t cdoff = (uint32_t)b.len;

		tz_put(&b, cd.p, cd.len);
		tz_u32(&b, 0x06054b50);
		tz_u16(&b, 0);
		tz_u16(&b, 0);
		tz_u16(&b, (unsigned)n);
		tz_u16(&b, (unsigned)n);
		tz_u32(&b, (uint32_t)cd.len);
		tz_u32(&b, cdoff);
		tz_u16(&b, 0);
	}
	free(cd.p);
	*outlen = b.len;
	return b.p;
}

#define TZ_MIMETYPE                                                                                                    \
	{                                                                                                              \
		"mimetype", "application/vnd.etsi.asic-e+zip", 31, 0, 0                                                \
	}

/* A manifest for the given data file names (NULL-terminated), malloc'd. */
static inline char *tz_manifest(const char *const *names)
{
	struct tz_buf b = {0};
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				   "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:"
				   "manifest:1.0\">\n"
				   " <manifest:file-entry manifest:full-path=\"/\" "
				   "manifest:media-type=\"application/vnd.etsi.asic-e+zip\"/>\n";
	size_t i;

	tz_put(&b, head, strlen(head));
	for (i = 0; names[i]; i++) {
		static const char a[] = " <manifest:file-entry manifest:full-path=\"";
		static const char c[] = "\" manifest:media-type=\"text/plain\"/>\n";

		tz_put(&b, a, strlen(a));
		tz_put(&b, names[i], strlen(names[i]));
		tz_put(&b, c, strlen(c));
	}
	tz_put(&b, "</manifest:manifest>\n", 22);
	return (char *)b.p;
}

#endif
