/* fuzz_framing.c — http1_framing_ambiguous() (src/http/parse.c) on any
 * bytes: never reads past the input, answers 0 or 1, and never calls a
 * request ambiguous that names neither Content-Length nor Transfer-Encoding
 * and has no folded (indented) line. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1); /* exactly size bytes: ASan sees any overread */
	char *lower = malloc(size ? size : 1);
	size_t i;
	int r;

	if (!copy || !lower)
		goto out;
	memcpy(copy, data, size);
	r = http1_framing_ambiguous(copy, size);
	if (r != 0 && r != 1)
		abort();
	for (i = 0; i < size; i++)
		lower[i] = (char)tolower((unsigned char)data[i]);
	if (r && !memmem(lower, size, "content-length", 14) && !memmem(lower, size, "transfer-encoding", 17) &&
	    !memmem(lower, size, "\n ", 2) && !memmem(lower, size, "\n\t", 2))
		abort();
out:
	free(copy);
	free(lower);
	return 0;
}
