/* digest.c — see digest.h. */
#include "core/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/hex.h"

int sha256_hex(const void *p, size_t n, char out[DIGEST_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1)
		mdlen = 0;
	hex_encode(out, md, mdlen);
	return mdlen ? 0 : -1;
}

void hmac_hex(const void *key, size_t keylen, const void *p, size_t n, char out[DIGEST_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!HMAC(EVP_sha256(), key, (int)keylen, p, n, md, &mdlen))
		mdlen = 0;
	hex_encode(out, md, mdlen);
}
