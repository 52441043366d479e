/* fuzz_base64.c — the one base64 codec (src/core/base64.c), which reads
 * signatures and certificates sent by browsers and found in uploaded
 * containers. Whatever it accepts must encode back to the same text (less
 * white space): one text per byte string, so no two spellings pass. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *s, size_t n, enum b64_variant v)
{
	size_t cap = n / 4 * 3 + 3, len, i, k = 0;
	unsigned char *bin = malloc(cap);
	char *text, *clean;

	if (!bin)
		return;
	if (b64_decode(bin, cap, s, n, &len, v) != 0) {
		free(bin);
		return;
	}
	if (len > n / 4 * 3 + 2)
		abort();
	text = malloc(b64_encoded_size(len, v));
	clean = malloc(n + 1);
	if (!text || !clean)
		abort();
	if (b64_encode(text, b64_encoded_size(len, v), bin, len, v) < 0)
		abort();
	for (i = 0; i < n; i++)
		if (!s[i] || !strchr(" \t\r\n", s[i]))
			clean[k++] = s[i];
	clean[k] = '\0';
	if (strlen(text) != k || memcmp(text, clean, k))
		abort();
	free(text);
	free(clean);
	free(bin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	unsigned char *bin;
	size_t len;

	check(s, size, B64_STD);
	check(s, size, B64_URL);
	/* a buffer too small is refused, never overrun */
	bin = malloc(size / 8 + 1);
	if (bin && b64_decode(bin, size / 8 + 1, s, size, &len, B64_STD) == 0 && len > size / 8 + 1)
		abort();
	free(bin);
	return 0;
}
