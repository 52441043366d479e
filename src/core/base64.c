/* base64.c — see base64.h. */
#include "core/base64.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"

#define B64_SPACE " \t\r\n"

static int sodium_variant(enum b64_variant v)
{
	return v == B64_URL ? sodium_base64_VARIANT_URLSAFE_NO_PADDING : sodium_base64_VARIANT_ORIGINAL;
}

size_t b64_encoded_size(size_t n, enum b64_variant v)
{
	return sodium_base64_encoded_len(n, sodium_variant(v));
}

long b64_encode(char *out, size_t cap, const void *p, size_t n, enum b64_variant v)
{
	/* sodium_bin2base64() aborts on a short buffer: check first. */
	if (n > ((size_t)-1 - 4) / 4 * 3 || cap < b64_encoded_size(n, v))
		return -1;
	sodium_bin2base64(out, cap, p, n, sodium_variant(v));
	return (long)strlen(out);
}

int b64_decode(unsigned char *out, size_t cap, const char *s, size_t n, size_t *len, enum b64_variant v)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, got = 0;

	/* Two holes in libsodium 1.0.18 closed here: it decodes every byte
	 * from 0x80 to 0xFF as '/' (its constant-time lookup misreads a
	 * negative char), and it finds its ignore characters with strchr(),
	 * which also "finds" a NUL byte. Only ASCII text goes to it. */
	for (i = 0; i < n; i++)
		if (u[i] == 0 || u[i] >= 0x80)
			return -1;
	if (sodium_base642bin(out, cap, s, n, B64_SPACE, &got, NULL, sodium_variant(v)) != 0)
		return -1;
	*len = got;
	return 0;
}

char *b64_encode_arena(struct arena *a, const void *p, size_t n)
{
	size_t cap = b64_encoded_size(n, B64_STD);
	char *out = arena_alloc(a, cap);

	if (out && b64_encode(out, cap, p, n, B64_STD) < 0)
		return NULL;
	return out;
}

char *b64_encode_new(const void *p, size_t n)
{
	size_t cap = b64_encoded_size(n, B64_STD);
	char *out = malloc(cap);

	if (out && b64_encode(out, cap, p, n, B64_STD) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

unsigned char *b64_decode_arena(struct arena *a, const char *s, size_t *len)
{
	size_t n = strlen(s), cap = n / 4 * 3 + 3;
	unsigned char *out = arena_alloc(a, cap + 1);

	if (!out || b64_decode(out, cap, s, n, len, B64_STD) < 0)
		return NULL;
	out[*len] = '\0';
	return out;
}

unsigned char *b64_decode_new(const char *s, size_t *len)
{
	size_t n = strlen(s), cap = n / 4 * 3 + 3;
	unsigned char *out = malloc(cap + 1);

	if (!out)
		return NULL;
	if (b64_decode(out, cap, s, n, len, B64_STD) < 0) {
		free(out);
		return NULL;
	}
	out[*len] = '\0';
	return out;
}

int b64_token_ok(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n != 43)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", s[i]))
			return 0;
	/* 43 characters carry 258 bits: the last one holds 2 padding bits, 0 */
	return strchr("AEIMQUYcgkosw048", s[42]) != NULL;
}
