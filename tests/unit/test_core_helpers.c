/* test_core_helpers.c — the one copy of each small helper in src/core/
 * (UTF-8, base64, whole files, FNV-1a, hex digits), the certificate reader
 * in src/sign, and err_public_code() called from several threads. Each is a
 * table checked against an outside reference: Markus Kuhn's UTF-8 decoder
 * stress test and utf8proc, RFC 4648 and OpenSSL, the FNV reference
 * vectors. */
#include "testutil.h"
#include "core/personal.h"
#include "web/search_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <utf8proc.h>

#include "core/arena.h"
#include "core/base64.h"
#include "core/errors.h"
#include "core/file.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/phone.h"
#include "core/url.h"
#include "core/when.h"
#include "core/utf8.h"
#include "sign/sign.h"

/* ---- UTF-8 ---- */

/* The reference: utf8proc_iterate() over the whole range. */
static int utf8proc_valid(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);

		if (k <= 0)
			return 0;
		i += (size_t)k;
	}
	return 1;
}

/* Markus Kuhn, "UTF-8 decoder capability and stress test" (UTF-8-test.txt),
 * by section. A decoder that follows Unicode §3.9 accepts the well-formed
 * sequences of sections 1, 2 and 5.3 (noncharacters are well-formed) and
 * refuses every malformed one of sections 2 (beyond U+10FFFF), 3, 4 and 5. */
static const struct {
	const char *kuhn; /* section */
	const char *s;
	size_t n;
	int valid;
} kuhn[] = {
#define K(sec, lit, v)                                                                                                 \
	{                                                                                                              \
		sec, lit, sizeof(lit) - 1, v                                                                           \
	}
    K("1 kosme", "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5", 1),
    K("2.1.1 U+0000", "\x00", 1),
    K("2.1.2 U+0080", "\xC2\x80", 1),
    K("2.1.3 U+0800", "\xE0\xA0\x80", 1),
    K("2.1.4 U+10000", "\xF0\x90\x80\x80", 1),
    K("2.1.5 U+200000", "\xF8\x88\x80\x80\x80", 0),
    K("2.1.6 U+4000000", "\xFC\x84\x80\x80\x80\x80", 0),
    K("2.2.1 U+007F", "\x7F", 1),
    K("2.2.2 U+07FF", "\xDF\xBF", 1),
    K("2.2.3 U+FFFF", "\xEF\xBF\xBF", 1),
    K("2.2.4 U+1FFFFF", "\xF7\xBF\xBF\xBF", 0),
    K("2.2.5 U+3FFFFFF", "\xFB\xBF\xBF\xBF\xBF", 0),
    K("2.2.6 U+7FFFFFFF", "\xFD\xBF\xBF\xBF\xBF\xBF", 0),
    K("2.3.1 U+D7FF", "\xED\x9F\xBF", 1),
    K("2.3.2 U+E000", "\xEE\x80\x80", 1),
    K("2.3.3 U+FFFD", "\xEF\xBF\xBD", 1),
    K("2.3.4 U+10FFFF", "\xF4\x8F\xBF\xBF", 1),
    K("2.3.5 U+110000", "\xF4\x90\x80\x80", 0),
    K("3.1.1 first continuation byte", "\x80", 0),
    K("3.1.2 last continuation byte", "\xBF", 0),
    K("3.1.3 2 continuation bytes", "\x80\xBF", 0),
    K("3.1.4 3 continuation bytes", "\x80\xBF\x80", 0),
    K("3.1.5 4 continuation bytes", "\x80\xBF\x80\xBF", 0),
    K("3.1.6 5 continuation bytes", "\x80\xBF\x80\xBF\x80", 0),
    K("3.1.7 6 continuation bytes", "\x80\xBF\x80\xBF\x80\xBF", 0),
    K("3.1.8 7 continuation bytes", "\x80\xBF\x80\xBF\x80\xBF\x80", 0),
    K("3.2.1 lonely C0", "\xC0 ", 0),
    K("3.2.1 lonely C1", "\xC1 ", 0),
    K("3.2.1 lonely C2", "\xC2 ", 0),
    K("3.2.1 lonely DF", "\xDF ", 0),
    K("3.2.2 lonely E0", "\xE0 ", 0),
    K("3.2.2 lonely ED", "\xED ", 0),
    K("3.2.2 lonely EF", "\xEF ", 0),
    K("3.2.3 lonely F0", "\xF0 ", 0),
    K("3.2.3 lonely F4", "\xF4 ", 0),
    K("3.2.3 lonely F7", "\xF7 ", 0),
    K("3.2.4 lonely F8", "\xF8 ", 0),
    K("3.2.4 lonely FB", "\xFB ", 0),
    K("3.2.5 lonely FC", "\xFC ", 0),
    K("3.2.5 lonely FD", "\xFD ", 0),
    K("3.3.1 2-byte U+0000 cut", "\xC0", 0),
    K("3.3.2 3-byte U+0000 cut", "\xE0\x80", 0),
    K("3.3.3 4-byte U+0000 cut", "\xF0\x80\x80", 0),
    K("3.3.4 5-byte U+0000 cut", "\xF8\x80\x80\x80", 0),
    K("3.3.5 6-byte U+0000 cut", "\xFC\x80\x80\x80\x80", 0),
    K("3.3.6 2-byte U+07FF cut", "\xDF", 0),
    K("3.3.7 3-byte U+FFFF cut", "\xEF\xBF", 0),
    K("3.3.8 4-byte U+1FFFFF cut", "\xF7\xBF\xBF", 0),
    K("3.3.9 5-byte U+3FFFFFF cut", "\xFB\xBF\xBF\xBF", 0),
    K("3.3.10 6-byte U+7FFFFFFF cut", "\xFD\xBF\xBF\xBF\xBF", 0),
    K("3.4 concatenated 3.3",
      "\xC0\xE0\x80\xF0\x80\x80\xF8\x80\x80\x80\xFC\x80\x80\x80\x80\xDF\xEF\xBF\xF7\xBF\xBF\xFB\xBF\xBF\xBF\xFD\xBF\xBF"
      "\xBF\xBF",
      0),
    K("3.4 valid prefix then cut", "a\xE2\x82", 0),
    K("3.5.1 FE", "\xFE", 0),
    K("3.5.2 FF", "\xFF", 0),
    K("3.5.3 FE FE FF FF", "\xFE\xFE\xFF\xFF", 0),
    K("4.1.1 overlong / 2", "\xC0\xAF", 0),
    K("4.1.2 overlong / 3", "\xE0\x80\xAF", 0),
    K("4.1.3 overlong / 4", "\xF0\x80\x80\xAF", 0),
    K("4.1.4 overlong / 5", "\xF8\x80\x80\x80\xAF", 0),
    K("4.1.5 overlong / 6", "\xFC\x80\x80\x80\x80\xAF", 0),
    K("4.2.1 max overlong 2", "\xC1\xBF", 0),
    K("4.2.2 max overlong 3", "\xE0\x9F\xBF", 0),
    K("4.2.3 max overlong 4", "\xF0\x8F\xBF\xBF", 0),
    K("4.2.4 max overlong 5", "\xF8\x87\xBF\xBF\xBF", 0),
    K("4.2.5 max overlong 6", "\xFC\x83\xBF\xBF\xBF\xBF", 0),
    K("4.3.1 overlong NUL 2", "\xC0\x80", 0),
    K("4.3.2 overlong NUL 3", "\xE0\x80\x80", 0),
    K("4.3.3 overlong NUL 4", "\xF0\x80\x80\x80", 0),
    K("4.3.4 overlong NUL 5", "\xF8\x80\x80\x80\x80", 0),
    K("4.3.5 overlong NUL 6", "\xFC\x80\x80\x80\x80\x80", 0),
    K("5.1.1 U+D800", "\xED\xA0\x80", 0),
    K("5.1.2 U+DB7F", "\xED\xAD\xBF", 0),
    K("5.1.3 U+DB80", "\xED\xAE\x80", 0),
    K("5.1.4 U+DBFF", "\xED\xAF\xBF", 0),
    K("5.1.5 U+DC00", "\xED\xB0\x80", 0),
    K("5.1.6 U+DF80", "\xED\xBE\x80", 0),
    K("5.1.7 U+DFFF", "\xED\xBF\xBF", 0),
    K("5.2.1 U+D800 U+DC00", "\xED\xA0\x80\xED\xB0\x80", 0),
    K("5.2.2 U+D800 U+DFFF", "\xED\xA0\x80\xED\xBF\xBF", 0),
    K("5.2.3 U+DB7F U+DC00", "\xED\xAD\xBF\xED\xB0\x80", 0),
    K("5.2.4 U+DB7F U+DFFF", "\xED\xAD\xBF\xED\xBF\xBF", 0),
    K("5.2.5 U+DB80 U+DC00", "\xED\xAE\x80\xED\xB0\x80", 0),
    K("5.2.6 U+DB80 U+DFFF", "\xED\xAE\x80\xED\xBF\xBF", 0),
    K("5.2.7 U+DBFF U+DC00", "\xED\xAF\xBF\xED\xB0\x80", 0),
    K("5.2.8 U+DBFF U+DFFF", "\xED\xAF\xBF\xED\xBF\xBF", 0),
    K("5.3.1 U+FFFE", "\xEF\xBF\xBE", 1),
    K("5.3.1 U+FFFF", "\xEF\xBF\xBF", 1),
    K("5.3.2 U+FDD0", "\xEF\xB7\x90", 1),
    K("5.3.2 U+FDEF", "\xEF\xB7\xAF", 1),
    K("5.3.3 U+1FFFE", "\xF0\x9F\xBF\xBE", 1),
    K("5.3.3 U+10FFFF", "\xF4\x8F\xBF\xBF", 1),
#undef K
};

static void utf8_kuhn_stress_test(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kuhn) / sizeof(kuhn[0]); i++) {
		int got = utf8_valid(kuhn[i].s, kuhn[i].n);

		if (got != kuhn[i].valid || utf8proc_valid(kuhn[i].s, kuhn[i].n) != kuhn[i].valid)
			fail_msg("Kuhn %s: utf8_valid %d, utf8proc %d, want %d", kuhn[i].kuhn, got,
				 utf8proc_valid(kuhn[i].s, kuhn[i].n), kuhn[i].valid);
	}
}

/* Kuhn 3.1.9 and 3.2: every continuation byte alone, every lead byte before
 * a space. */
static void utf8_lonely_bytes(void **state)
{
	char s[2] = {0, ' '};
	int c;

	(void)state;
	for (c = 0x80; c <= 0xFF; c++) {
		s[0] = (char)c;
		assert_false(utf8_valid(s, 1));
		assert_false(utf8_valid(s, 2));
	}
}

static void utf8_decode_table(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		int len;
		uint32_t cp;
	} t[] = {
	    {"A", 1, 1, 0x41},
	    {"\xC4\x81", 2, 2, 0x101},            /* ā */
	    {"\xC5\xA1x", 3, 2, 0x161},           /* š, then more */
	    {"\xE2\x82\xAC", 3, 3, 0x20AC},       /* € */
	    {"\xF0\x9F\x98\x80", 4, 4, 0x1F600},  /* 😀 */
	    {"\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF}, /* last */
	    {"\xE2\x82\xAC", 2, -1, 0},           /* cut by n */
	    {"\xF0\x9F\x98\x80", 3, -1, 0},       /* cut by n */
	    {"", 0, -1, 0},                       /* nothing to read */
	    {"\xE2\x00\xAC", 3, -1, 0},           /* NUL inside */
	    {"\xED\xA0\x80", 3, -1, 0},           /* surrogate */
	    {"\xC0\x80", 2, -1, 0},               /* overlong NUL */
	    {"\xF4\x90\x80\x80", 4, -1, 0},       /* past U+10FFFF */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t cp = 0xFFFFFFFF;
		int k = utf8_decode(t[i].s, t[i].n, &cp);

		if (k != t[i].len || (k > 0 && cp != t[i].cp))
			fail_msg("row %zu: %d U+%04X, want %d U+%04X", i, k, cp, t[i].len, t[i].cp);
	}
}

/* Every string of one or two bytes, and every three- and four-byte string
 * whose bytes sit on the edges of the ranges that matter, against utf8proc. */
static void utf8_agrees_with_utf8proc(void **state)
{
	static const unsigned char edge[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
					     0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xF7, 0xF8, 0xFE, 0xFF};
	const size_t ne = sizeof(edge);
	unsigned char s[4];
	size_t a, b, c, d;
	unsigned x;

	(void)state;
	for (x = 0; x < 0x10000; x++) {
		s[0] = (unsigned char)(x >> 8);
		s[1] = (unsigned char)x;
		if (x < 0x100)
			assert_int_equal(utf8_valid((char *)s + 1, 1), utf8proc_valid((char *)s + 1, 1));
		if (utf8_valid((char *)s, 2) != utf8proc_valid((char *)s, 2))
			fail_msg("%02X %02X", s[0], s[1]);
	}
	for (a = 0; a < ne; a++)
		for (b = 0; b < ne; b++)
			for (c = 0; c < ne; c++)
				for (d = 0; d < ne; d++) {
					s[0] = edge[a], s[1] = edge[b], s[2] = edge[c], s[3] = edge[d];
					if (utf8_valid((char *)s, 4) != utf8proc_valid((char *)s, 4) ||
					    utf8_valid((char *)s, 3) != utf8proc_valid((char *)s, 3))
						fail_msg("%02X %02X %02X %02X", s[0], s[1], s[2], s[3]);
				}
}

/* ---- base64 ---- */

static void base64_rfc4648_table(void **state)
{
	static const struct {
		const char *bin, *std, *url;
	} t[] = {
	    /* RFC 4648 section 10 */
	    {"", "", ""},
	    {"f", "Zg==", "Zg"},
	    {"fo", "Zm8=", "Zm8"},
	    {"foo", "Zm9v", "Zm9v"},
	    {"foob", "Zm9vYg==", "Zm9vYg"},
	    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
	    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
	    /* the two alphabets differ */
	    {"\xfb\xff\xbf", "+/+/", "-_-_"},
	};
	char out[64];
	unsigned char bin[64], evp[64];
	size_t i, n, len;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = strlen(t[i].bin);
		assert_int_equal(b64_encode(out, sizeof(out), t[i].bin, n, B64_STD), (long)strlen(t[i].std));
		assert_string_equal(out, t[i].std);
		assert_int_equal(b64_encoded_size(n, B64_STD), strlen(t[i].std) + 1);
		/* OpenSSL's encoder agrees */
		EVP_EncodeBlock(evp, (const unsigned char *)t[i].bin, (int)n);
		assert_string_equal((char *)evp, t[i].std);
		assert_int_equal(b64_encode(out, sizeof(out), t[i].bin, n, B64_URL), (long)strlen(t[i].url));
		assert_string_equal(out, t[i].url);
		assert_int_equal(b64_decode(bin, sizeof(bin), t[i].std, strlen(t[i].std), &len, B64_STD), 0);
		assert_int_equal(len, n);
		assert_memory_equal(bin, t[i].bin, n);
		assert_int_equal(b64_decode(bin, sizeof(bin), t[i].url, strlen(t[i].url), &len, B64_URL), 0);
		assert_int_equal(len, n);
		assert_memory_equal(bin, t[i].bin, n);
		/* a buffer one byte short is refused, never overrun */
		assert_int_equal(b64_encode(out, strlen(t[i].std), t[i].bin, n, B64_STD), -1);
	}
}

static void base64_decode_rules(void **state)
{
	static const struct {
		const char *s;
		enum b64_variant v;
		const char *want; /* NULL: refused */
	} t[] = {
	    {"Zm9v\r\nYmFy", B64_STD, "foobar"}, /* line breaks (PEM, XML) */
	    {" Zm9v\tYg = = ", B64_STD, "foob"}, /* white space anywhere */
	    {"Zm9vYg", B64_STD, NULL},           /* padding missing */
	    {"Zm9vYg=", B64_STD, NULL},          /* half the padding */
	    {"Zm9vYg===", B64_STD, NULL},        /* too much padding */
	    {"Zh==", B64_STD, NULL},             /* unused bits set */
	    {"Zm8=", B64_STD, "fo"},             /* unused bits clear */
	    {"Zm9=", B64_STD, NULL},             /* unused bits set */
	    {"Zm8=Zm8=", B64_STD, NULL},         /* data after padding */
	    {"Zm9v!", B64_STD, NULL},            /* not the alphabet */
	    {"Zm9v-_", B64_STD, NULL},           /* the URL alphabet */
	    {"Zg==", B64_URL, NULL},             /* URL: no padding */
	    {"+/+/", B64_URL, NULL},             /* URL: not this alphabet */
	    {"Z", B64_STD, NULL},                /* one character */
	    {"====", B64_STD, NULL},
	    {"Zm9\xdd", B64_STD, NULL}, /* libsodium 1.0.18 reads 0x80-0xFF as '/' */
	    {"Zm9\x80", B64_URL, NULL},
	};
	unsigned char bin[64];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = b64_decode(bin, sizeof(bin), t[i].s, strlen(t[i].s), &len, t[i].v);

		if (!t[i].want) {
			if (rc != -1)
				fail_msg("row %zu \"%s\" accepted", i, t[i].s);
			continue;
		}
		if (rc != 0 || len != strlen(t[i].want) || memcmp(bin, t[i].want, len))
			fail_msg("row %zu \"%s\": rc %d", i, t[i].s, rc);
	}
	/* a NUL byte is not white space */
	assert_int_equal(b64_decode(bin, sizeof(bin), "Zm9v\0Yg==", 9, &len, B64_STD), -1);
	/* too small an output buffer is an error */
	assert_int_equal(b64_decode(bin, 5, "Zm9vYmFy", 8, &len, B64_STD), -1);
}

static void base64_allocating_forms(void **state)
{
	struct arena *a = arena_new(0);
	unsigned char *p;
	char *s;
	size_t n;

	(void)state;
	s = b64_encode_arena(a, "foob", 4);
	assert_string_equal(s, "Zm9vYg==");
	p = b64_decode_arena(a, "Zm9v\nYg==", &n);
	assert_non_null(p);
	assert_int_equal(n, 4);
	assert_string_equal((char *)p, "foob"); /* NUL after the bytes */
	assert_null(b64_decode_arena(a, "Zm9vYg", &n));
	s = b64_encode_new("fo", 2);
	assert_string_equal(s, "Zm8=");
	free(s);
	p = b64_decode_new("Zm8=", &n);
	assert_int_equal(n, 2);
	assert_memory_equal(p, "fo", 2);
	free(p);
	assert_null(b64_decode_new("Zm8", &n));
	arena_free(a);
}

/* ---- whole files ---- */

static void file_read_table(void **state)
{
	char dir[] = "/tmp/epak-file-XXXXXX", path[128];
	static const struct {
		const char *name; /* NULL: the folder itself; "-": missing */
		size_t size, max;
		int rc;
	} t[] = {
	    {"empty", 0, 10, 0},      {"small", 5, 10, 0},   {"exact", 10, 10, 0},
	    {"over", 11, 10, -EFBIG}, {"-", 0, 10, -ENOENT}, {NULL, 0, 1 << 20, -EINVAL},
	};
	size_t i, j, len;
	char *p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!t[i].name) {
			snprintf(path, sizeof(path), "%s", dir);
		} else {
			snprintf(path, sizeof(path), "%s/%s", dir, t[i].name);
			if (strcmp(t[i].name, "-")) {
				FILE *f = fopen(path, "wb");

				assert_non_null(f);
				for (j = 0; j < t[i].size; j++)
					fputc('a' + (int)j, f);
				fclose(f);
			}
		}
		p = (char *)1;
		len = 99;
		if (file_read(path, t[i].max, &p, &len) != t[i].rc)
			fail_msg("row %zu (%s)", i, path);
		if (t[i].rc == 0) {
			assert_int_equal(len, t[i].size);
			assert_int_equal(strlen(p), t[i].size); /* NUL after the bytes */
			assert_true(t[i].size == 0 || p[t[i].size - 1] == 'a' + (int)t[i].size - 1);
		} else {
			assert_null(p);
			assert_int_equal(len, 0);
		}
		free(p);
		if (t[i].name && strcmp(t[i].name, "-"))
			unlink(path);
	}
	rmdir(dir);
}

/* ---- FNV-1a ---- */

static void fnv1a_reference_vectors(void **state)
{
	/* from the FNV reference code's test suite (test_fnv.c) */
	static const struct {
		const char *s;
		uint32_t h32;
		uint64_t h64;
	} t[] = {
	    {"", 0x811c9dc5u, 0xcbf29ce484222325ull},
	    {"a", 0xe40c292cu, 0xaf63dc4c8601ec8cull},
	    {"foobar", 0xbf9cf968u, 0x85944171f73967e8ull},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(fnv1a32(FNV1A32_INIT, t[i].s, strlen(t[i].s)), t[i].h32);
		assert_true(fnv1a64(FNV1A64_INIT, t[i].s, strlen(t[i].s)) == t[i].h64);
	}
	/* piece by piece is the same as all at once */
	assert_true(fnv1a64(fnv1a64(FNV1A64_INIT, "foo", 3), "bar", 3) == 0x85944171f73967e8ull);
	assert_int_equal(fnv1a32(fnv1a32(FNV1A32_INIT, "foo", 3), "bar", 3), 0xbf9cf968u);
}

/* ---- hex ---- */

static void hex_digits_table(void **state)
{
	static const struct {
		const char *bin;
		size_t n;
		const char *hex;
	} t[] = {
	    {"", 0, ""},
	    {"\x00", 1, "00"},
	    {"\x01\xab\xff", 3, "01abff"},
	    {"\x12\x34\x56\x78\x9a\xbc\xde\xf0", 8, "123456789abcdef0"},
	};
	char out[64];
	size_t i;
	int c;

	(void)state;
	for (c = 0; c < 256; c++) {
		const char *d = c ? strchr("0123456789abcdef", c) : NULL;
		const char *u = c ? strchr("0123456789ABCDEF", c) : NULL;
		int want = d ? (int)(d - "0123456789abcdef") : u ? (int)(u - "0123456789ABCDEF") : -1;

		assert_int_equal(hex_value(c), want);
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		hex_encode(out, t[i].bin, t[i].n);
		assert_string_equal(out, t[i].hex);
	}
}

/* ---- X.509 from text ---- */

static X509 *self_signed(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();

	assert_non_null(k);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"epak test", -1,
				   -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	EVP_PKEY_free(k);
	return x;
}

static void x509_from_text_table(void **state)
{
	X509 *x = self_signed(), *y;
	unsigned char *der = NULL, *longer;
	int n = i2d_X509(x, &der);
	char *b64, *pem = NULL, *wrapped, *trailing, *bad;
	BIO *bio = BIO_new(BIO_s_mem());
	long pl;
	size_t i, k = 0;

	(void)state;
	assert_true(n > 0);
	b64 = b64_encode_new(der, (size_t)n);
	/* the same base64 broken into 64-character lines */
	wrapped = malloc(strlen(b64) * 2 + 1);
	for (i = 0; b64[i]; i++) {
		wrapped[k++] = b64[i];
		if (i % 64 == 63)
			wrapped[k++] = '\n';
	}
	wrapped[k] = '\0';
	PEM_write_bio_X509(bio, x);
	pl = BIO_get_mem_data(bio, &pem);
	{
		/* not strndup: the BIO's bytes end without a NUL, and ASan's
		 * strict_string_checks (tests/run.sh) reads strndup's source to
		 * its NUL */
		char *copy = malloc((size_t)pl + 1);

		memcpy(copy, pem, (size_t)pl);
		copy[pl] = '\0';
		pem = copy;
	}
	longer = malloc((size_t)n + 1);
	memcpy(longer, der, (size_t)n);
	longer[n] = 0;
	trailing = b64_encode_new(longer, (size_t)n + 1);
	bad = strdup(b64);
	bad[10] = '*';
	{
		const struct {
			const char *text;
			int ok;
		} t[] = {
		    {b64, 1},
		    {wrapped, 1},
		    {pem, 1},
		    {trailing, 0},
		    {bad, 0},
		    {"", 0},
		    {"-----BEGIN CERTIFICATE-----", 0},
		};

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			y = edoc_x509_parse(t[i].text);
			if (!!y != t[i].ok)
				fail_msg("row %zu: %s", i, y ? "accepted" : "refused");
			if (y)
				assert_int_equal(X509_cmp(x, y), 0);
			X509_free(y);
		}
	}
	free(b64);
	free(wrapped);
	free(pem);
	free(longer);
	free(trailing);
	free(bad);
	OPENSSL_free(der);
	BIO_free(bio);
	X509_free(x);
}

/* ---- err_public_code() from several threads ---- */

#define ERR_THREADS 8

/* The links, phone numbers and dates the back office's forms accept
 * (web/form.h F_URL, F_PHONE, F_DATE): one rule each. */
static void back_office_values_table(void **state)
{
	static const char *const good_urls[] = {"https://www.vid.gov.lv", "http://example.lv/a/b?c=d&e=f#g",
						"HTTPS://EXAMPLE.LV:8443/x", "https://[2001:db8::1]/",
						"https://a.lv/ā"};
	static const char *const bad_urls[] = {"javascript:alert(1)",
					       "JaVaScRiPt:alert(1)",
					       "data:text/html,x",
					       "//evil.example/",
					       "/relative",
					       "https://",
					       "https://user@host.lv/",
					       "https://a.lv/x y",
					       "https://a.lv/\"><script>",
					       "https://a.lv/<b>",
					       "ftp://a.lv/",
					       "https://-a.lv/",
					       "https://a.lv:99999999/",
					       "",
					       "https://a.lv\n/x"};
	static const char *const good_phones[] = {"67000000", "+371 67 000 000",   "8300",
						  "112",      "+371 (67) 123-456", "67.000.000"};
	static const char *const bad_phones[] = {"",    "zvaniet", "<b>67000000</b>",       "+",
						 "12",  "67  000", "1234567890123456",      "67000000-",
						 "(67", "67)000",  "+371 67 000 000; DROP", "++371"};
	static const char *const good_dates[] = {"2026-12-07", "2024-02-29", "1900-01-01", "2999-12-31"};
	static const char *const bad_dates[] = {"2026-02-29", "2026-13-01",  "2026-00-10", "2026-12-32", "07.12.2026",
						"2026-12-7",  "2026-12-07Z", "1899-12-31", "",           "2026/12/07"};
	char out[WHEN_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_urls) / sizeof(good_urls[0]); i++)
		if (!url_http_ok(good_urls[i]) && i != 4)
			fail_msg("refused %s", good_urls[i]);
	assert_false(url_http_ok(good_urls[4])); /* non-ASCII must come percent-encoded */
	/* a base URL without its trailing '/'s (public-url before a path) */
	assert_int_equal(url_base_len("https://epak.example.lv"), 23);
	assert_int_equal(url_base_len("https://epak.example.lv/"), 23);
	assert_int_equal(url_base_len("https://epak.example.lv/portals//"), 31);
	assert_int_equal(url_base_len("/"), 0);
	assert_int_equal(url_base_len(""), 0);
	assert_int_equal(url_base_len(NULL), 0);
	for (i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++)
		if (url_http_ok(bad_urls[i]))
			fail_msg("accepted %s", bad_urls[i]);
	for (i = 0; i < sizeof(good_phones) / sizeof(good_phones[0]); i++)
		if (!phone_ok(good_phones[i]))
			fail_msg("refused %s", good_phones[i]);
	for (i = 0; i < sizeof(bad_phones) / sizeof(bad_phones[0]); i++)
		if (phone_ok(bad_phones[i]))
			fail_msg("accepted %s", bad_phones[i]);
	{
		/* how each is dialled from abroad (phone_abroad) */
		static const struct {
			const char *in, *out;
			enum phone_reach reach;
		} reach[] = {{"67018989", "+371 67018989", PHONE_ABROAD},
			     {"67 018 989", "+371 67018989", PHONE_ABROAD},
			     {"+371 67 000 000", "+371 67 000 000", PHONE_ABROAD},
			     {"29123456", "+371 29123456", PHONE_ABROAD},
			     {"80001234", "+371 80001234", PHONE_ABROAD_MAYBE},
			     {"90001234", "+371 90001234", PHONE_ABROAD_MAYBE},
			     {"8300", "", PHONE_LATVIA_ONLY},
			     {"112", "", PHONE_LATVIA_ONLY},
			     {"1234567890", "", PHONE_UNKNOWN},
			     {"<b>67000000</b>", "", PHONE_UNKNOWN}};
		char intl[PHONE_INTL_MAX];

		for (i = 0; i < sizeof(reach) / sizeof(reach[0]); i++) {
			assert_int_equal(phone_abroad(reach[i].in, intl), reach[i].reach);
			assert_string_equal(intl, reach[i].out);
		}
	}
	for (i = 0; i < sizeof(good_dates) / sizeof(good_dates[0]); i++)
		assert_int_equal(when_date_parse(good_dates[i], NULL, NULL, NULL), 0);
	for (i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++)
		if (when_date_parse(bad_dates[i], NULL, NULL, NULL) == 0)
			fail_msg("accepted %s", bad_dates[i]);
	when_date_text("2026-11-02", LANG_LV, out);
	assert_string_equal(out, "02.11.2026.");
	when_date_text("2026-11-02", LANG_EN, out);
	assert_string_equal(out, "2 Nov 2026");
	when_date_text("nonsense", LANG_EN, out);
	assert_string_equal(out, "");
	when_month_text(2026, 12, LANG_LV, out);
	assert_string_equal(out, "12.2026.");
	when_month_text(2026, 1, LANG_EN, out);
	assert_string_equal(out, "Jan 2026");
	when_month_text(2026, 13, LANG_EN, out);
	assert_string_equal(out, "");
	when_month_text(1899, 5, LANG_LV, out);
	assert_string_equal(out, "");
}

/* The times of day the news editor's schedule takes (web/form.h F_TIME),
 * and a date and time on a Riga clock as the moment it names, across both
 * changes of the clocks. */
static void riga_clock_table(void **state)
{
	static const char *const good[] = {"00:00", "09:30", "23:59", "12:05"};
	static const char *const bad[] = {"", "9:30", "24:00", "12:60", "12:00:00", "12-00", "ab:cd", " 9:30", "12:5"};
	static const struct {
		const char *date, *time;
		long long want;
	} moments[] = {
	    {"2099-06-21", "09:30", 4085706600LL}, /* summer: UTC+3 */
	    {"2026-12-07", "12:00", 1796637600LL}, /* winter: UTC+2 */
	    {"2026-03-29", "02:59", 1774745940LL}, /* the last winter minute (00:59 UTC) */
	    {"2026-03-29", "04:00", 1774746000LL}, /* the first summer minute (01:00 UTC) */
	    {"2026-10-25", "03:30", 1792888200LL}, /* read twice: the earlier (00:30 UTC) */
	    {"2026-10-25", "04:00", 1792893600LL}, /* winter again (02:00 UTC) */
	};
	size_t i;
	int h = -1, m = -1;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(when_time_parse(good[i], NULL, NULL), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (when_time_parse(bad[i], NULL, NULL) == 0)
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(when_time_parse("07:45", &h, &m), 0);
	assert_int_equal(h, 7);
	assert_int_equal(m, 45);
	for (i = 0; i < sizeof(moments) / sizeof(moments[0]); i++)
		if (when_riga_parse(moments[i].date, moments[i].time) != moments[i].want)
			fail_msg("%s %s: %lld, not %lld", moments[i].date, moments[i].time,
				 when_riga_parse(moments[i].date, moments[i].time), moments[i].want);
	assert_int_equal(when_riga_parse("2026-02-30", "10:00"), -1);
	assert_int_equal(when_riga_parse("2026-02-10", "10:0"), -1);
}

static void *public_codes(void *arg)
{
	char want[32];
	int round, c;

	(void)arg;
	for (round = 0; round < 200; round++)
		for (c = 0; c < ERR__COUNT; c++) {
			snprintf(want, sizeof(want), "EPAK-%d-%02d", err_info((enum err_code)c)->status, c);
			if (strcmp(err_public_code((enum err_code)c), want))
				return (void *)1;
		}
	return NULL;
}

static void err_public_code_from_threads(void **state)
{
	pthread_t t[ERR_THREADS];
	void *bad;
	int i, failed = 0;

	(void)state;
	for (i = 0; i < ERR_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, public_codes, NULL), 0);
	for (i = 0; i < ERR_THREADS; i++) {
		pthread_join(t[i], &bad);
		failed += bad != NULL;
	}
	assert_int_equal(failed, 0);
	assert_string_equal(err_public_code(ERR_NOT_FOUND), "EPAK-404-02");
	assert_string_equal(err_public_code(ERR_TOO_MANY), "EPAK-429-18");
	assert_string_equal(err_public_code((enum err_code)ERR__COUNT), "EPAK-500-08"); /* out of range */
	assert_ptr_equal(err_public_code(ERR_CSRF), err_public_code(ERR_CSRF));
}

/* core/personal.h: what is never kept of what people type. */
static void personal_table(void **state)
{
	static const struct {
		const char *s;
		int personal;
	} t[] = {
	    {"dzīvesvietas deklarēšana", 0},
	    {"2024. gada deklarācija", 0},
	    {"pase 2 bērniem", 0},
	    {"anna@example.lv", 1},
	    {"anna＠example.lv", 1},
	    {"120389-12345", 1},
	    {"32038912345", 1},
	    {"+371 29 123 456", 1},
	    {"(+371) 2912-3456", 1},
	    {"LV80BANK0000435195001", 1},
	    {"dzimis 12.03.1989", 1},
	    {"１２０３８９", 1},
	    {"12345", 0},
	    {"12345 a 12345", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (text_looks_personal(t[i].s, strlen(t[i].s)) != t[i].personal)
			fail_msg("\"%s\": expected %d", t[i].s, t[i].personal);
}

/* web/search_log.h: the recorded form of a zero-result query. */
static void search_log_normal_form(void **state)
{
	char out[512];
	char longq[300];

	(void)state;
	assert_int_equal(search_log_normalize("  Dzīves   VIETA\t", out, sizeof(out)), strlen("dzīves vieta"));
	assert_string_equal(out, "dzīves vieta");
	assert_int_equal(search_log_normalize("anna@example.lv", out, sizeof(out)), 0);
	assert_int_equal(search_log_normalize("tālr. 29123456", out, sizeof(out)), 0);
	assert_int_equal(search_log_normalize("", out, sizeof(out)), 0);
	assert_int_equal(search_log_normalize("\xff\xfe", out, sizeof(out)), 0);
	memset(longq, 'a', sizeof(longq) - 1);
	longq[sizeof(longq) - 1] = '\0';
	assert_int_equal(search_log_normalize(longq, out, sizeof(out)), 0);
	longq[SEARCH_LOG_MAX_CHARS] = '\0';
	assert_int_equal(search_log_normalize(longq, out, sizeof(out)), SEARCH_LOG_MAX_CHARS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(personal_table),           cmocka_unit_test(search_log_normal_form),
	    cmocka_unit_test(utf8_kuhn_stress_test),    cmocka_unit_test(utf8_lonely_bytes),
	    cmocka_unit_test(utf8_decode_table),        cmocka_unit_test(utf8_agrees_with_utf8proc),
	    cmocka_unit_test(base64_rfc4648_table),     cmocka_unit_test(base64_decode_rules),
	    cmocka_unit_test(base64_allocating_forms),  cmocka_unit_test(file_read_table),
	    cmocka_unit_test(fnv1a_reference_vectors),  cmocka_unit_test(hex_digits_table),
	    cmocka_unit_test(x509_from_text_table),     cmocka_unit_test(err_public_code_from_threads),
	    cmocka_unit_test(back_office_values_table), cmocka_unit_test(riga_clock_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
