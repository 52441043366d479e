/* fuzz_jwks.c — the JWK set parser (src/oidc/jose.c), which reads what an
 * identity provider's jwks_uri serves. Every key kept must be usable: an
 * RSA or P-256 public key of the kind recorded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oidc/jose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwks set;
	struct err e = {0};
	size_t i;

	if (jwks_parse((const char *)data, size, &set, &e) != 0)
		return 0;
	if (set.n == 0 || set.n > JWKS_MAX_KEYS)
		abort();
	for (i = 0; i < set.n; i++) {
		const struct jwk *k = &set.keys[i];

		if (!k->key || (k->kind != JOSE_RS256 && k->kind != JOSE_ES256))
			abort();
		if ((k->kind == JOSE_RS256) != (EVP_PKEY_is_a(k->key, "RSA") == 1))
			abort();
		if (k->kid && jwks_find(&set, k->kid, k->kind) == NULL)
			abort();
	}
	jwks_free(&set);
	return 0;
}
