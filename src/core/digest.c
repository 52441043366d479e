/* digest.c — see digest.h. */
#include "core/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

static void to_hex(const unsigned char *md, unsigned n, char out[DIGEST_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
}

void sha256_hex(const void *p, size_t n, char out[DIGEST_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1)
		mdlen = 0;
	to_hex(md, mdlen, out);
}

void hmac_hex(const void *key, size_t keylen, const void *p, size_t n, char out[DIGEST_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!HMAC(EVP_sha256(), key, (int)keylen, p, n, md, &mdlen))
		mdlen = 0;
	to_hex(md, mdlen, out);
}
