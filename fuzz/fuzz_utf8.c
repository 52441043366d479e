/* fuzz_utf8.c — the one UTF-8 decoder (src/core/utf8.c), which guards every
 * security boundary that takes text. Checks it against utf8proc (a second,
 * independent decoder) and against itself: utf8_valid() must agree with
 * walking the bytes with utf8_decode(), and every decoded code point must be
 * a Unicode scalar value whose shortest encoding is the bytes it came from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0;
	int walk = 1, ref = 1;

	while (i < size) {
		uint32_t cp;
		utf8proc_uint8_t enc[4];
		int k = utf8_decode(data + i, size - i, &cp);

		if (k < 0) {
			walk = 0;
			break;
		}
		if (k > 4 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			abort();
		if (utf8proc_encode_char((utf8proc_int32_t)cp, enc) != k || memcmp(enc, data + i, (size_t)k))
			abort(); /* not the shortest form, or not these bytes */
		i += (size_t)k;
	}
	for (i = 0; i < size;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(data + i, (utf8proc_ssize_t)(size - i), &cp);

		if (k <= 0) {
			ref = 0;
			break;
		}
		i += (size_t)k;
	}
	if (utf8_valid((const char *)data, size) != walk || walk != ref)
		abort();
	return 0;
}
