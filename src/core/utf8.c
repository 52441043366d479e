/* utf8.c — see utf8.h. */
#include "core/utf8.h"

int utf8_decode(const void *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = s;
	unsigned char c, lo = 0x80, hi = 0xBF;
	uint32_t v;
	int k, i;

	if (n == 0)
		return -1;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	/* The lead byte gives the length and, for E0, ED, F0 and F4, a
	 * narrower range for the second byte: that range is what rules out
	 * overlong forms, surrogates and code points past U+10FFFF. */
	if (c >= 0xC2 && c <= 0xDF) {
		k = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		k = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return -1;
	}
	for (i = 1; i < k; i++) {
		if ((size_t)i >= n || p[i] < lo || p[i] > hi)
			return -1;
		v = (v << 6) | (p[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = v;
	return k;
}

int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;
	int k;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_decode(p + i, len - i, &cp);
		if (k < 0)
			return 0;
		i += (size_t)k;
	}
	return 1;
}
