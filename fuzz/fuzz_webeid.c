/* fuzz_webeid.c — the Web eID authentication token parser (webeid_parse in
 * src/sign/webeid.c): the JSON a browser posts to /api/v1/auth/webeid, its
 * base64 fields and certificates, then the signature check over a fixed
 * origin and nonce (no network: the certificate check is not reached). */
#include <stdint.h>
#include <stdlib.h>

#include "sign/webeid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webeid_token t;
	enum webeid_result res;
	char why[200];

	if (webeid_parse(data, size, &t, &res, why, sizeof(why)) == 0) {
		if (!t.cert || !t.sig || !t.md || res != WEBEID_OK)
			abort();
		if (webeid_signature_ok(&t, "https://epak.example.lv",
					"q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=") &&
		    !t.siglen)
			abort();
	} else if (res == WEBEID_OK) {
		abort();
	}
	webeid_token_free(&t);
	return 0;
}
