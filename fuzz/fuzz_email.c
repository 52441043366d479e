/* fuzz_email.c — the e-mail address rule (src/core/email.c), which reads
 * untrusted form input. Besides the sanitizers, it checks what email.h
 * promises of an accepted address and aborts when a promise is broken. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/email.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *at;
	size_t i;

	if (email_check_n(s, size) != EMAIL_OK)
		return 0;
	if (size > EMAIL_MAX || memchr(s, '\0', size))
		abort();
	at = memchr(s, '@', size);
	if (!at || at == s || (size_t)(at - s) > EMAIL_MAX_LOCAL || memchr(at + 1, '@', size - (size_t)(at - s) - 1))
		abort();
	for (i = 0; i < size; i++)
		if (data[i] <= ' ' || data[i] >= 0x7f || strchr("<>()[],;:\\\"", data[i]))
			abort(); /* nothing that could end a header or start a second address */
	if (hostname_check(at + 1, size - (size_t)(at - s) - 1) != 0)
		abort();
	return 0;
}
