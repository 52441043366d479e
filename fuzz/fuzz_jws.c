/* fuzz_jws.c — the compact JWS parser (src/oidc/jose.c), which reads ID
 * tokens. Checks what jose.h promises of a parsed token: a header and a
 * payload object, a signing input that is the token up to its second dot,
 * an alg we accept or JOSE_ALG_UNKNOWN; a verify under a fixed key never
 * succeeds for random bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>

#include "oidc/jose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jws j;
	struct err e = {0};
	char *t = malloc(size + 1);

	if (!t)
		return 0;
	memcpy(t, data, size);
	t[size] = '\0';
	if (!key)
		key = EVP_EC_gen("P-256");
	if (jws_parse(t, size, &j, &e) == 0) {
		if (!json_is_object(j.header) || !json_is_object(j.payload) || j.input != t || j.input_len >= size ||
		    t[j.input_len] != '.' || !j.alg_name)
			abort();
		if (j.alg != JOSE_ALG_UNKNOWN && strcmp(jose_alg_name(j.alg), j.alg_name))
			abort();
		if (j.alg == JOSE_ES256 && jws_verify(&j, key, &e) == 1)
			abort();
		jws_free(&j);
	}
	free(t);
	return 0;
}
