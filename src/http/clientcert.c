/* clientcert.c — the client certificate header of a TLS-terminating proxy
 * (parse.h: client_cert_from_header). */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/arena.h"
#include "http/parse.h"

#define CLIENT_CERT_MAX (16 * 1024)

int client_cert_from_header(struct arena *a, const char *value, size_t len, const unsigned char **der, size_t *der_len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	const char *pem, *why, *endp;
	size_t pem_len = 0;
	unsigned char *out = NULL, *p;
	BIO *bio;
	X509 *x = NULL;
	int n = -1;

	*der = NULL;
	*der_len = 0;
	if (!len || len > 3 * CLIENT_CERT_MAX || pct_decode(a, value, len, 0, &pem, &pem_len, &why) != 0)
		return -1;
	if (pem_len > CLIENT_CERT_MAX || pem_len < sizeof(begin) || memcmp(pem, begin, sizeof(begin) - 1))
		return -1;
	/* exactly one certificate: nothing after its END line but line breaks */
	endp = strstr(pem, "-----END CERTIFICATE-----");
	if (!endp || strstr(pem + 1, begin) || endp[25 + strspn(endp + 25, "\r\n")] != '\0')
		return -1;
	bio = BIO_new_mem_buf(pem, (int)pem_len);
	if (bio)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x)
		n = i2d_X509(x, NULL);
	if (n > 0 && n <= CLIENT_CERT_MAX)
		out = arena_alloc(a, (size_t)n);
	if (out) {
		p = out;
		i2d_X509(x, &p);
		*der = out;
		*der_len = (size_t)n;
	}
	X509_free(x);
	return *der ? 0 : -1;
}
