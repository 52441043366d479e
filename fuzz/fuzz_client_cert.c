/* fuzz_client_cert.c — the X-Client-Cert header of a TLS-terminating proxy
 * (http/clientcert.c): on success one DER certificate that OpenSSL reads
 * back whole, no bigger than the limit. */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include "core/arena.h"
#include "http/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(0);
	const unsigned char *der = NULL, *p;
	size_t len = 0;
	X509 *x;

	if (!a)
		return 0;
	if (client_cert_from_header(a, (const char *)data, size, &der, &len) == 0) {
		if (!der || !len || len > 16 * 1024)
			abort();
		p = der;
		x = d2i_X509(NULL, &p, (long)len);
		if (!x || p != der + len)
			abort();
		X509_free(x);
	}
	arena_free(a);
	return 0;
}
