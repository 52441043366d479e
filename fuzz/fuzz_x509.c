/* fuzz_x509.c — reading a certificate given as text (edoc_x509_parse in
 * src/sign/crypto.c): the Web eID certificate a browser sends to
 * /api/v1/sign/start, as PEM or base64 DER. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "sign/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	X509 *x;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	x = edoc_x509_parse(s);
	if (x && !X509_get_subject_name(x))
		abort();
	X509_free(x);
	free(s);
	return 0;
}
