/* fuzz_oidc_discovery.c — the discovery document parser (src/oidc/oidc.c).
 * An accepted document has the configured issuer's https (or loopback
 * origin) endpoints and at least one accepted algorithm. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oidc/oidc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int endpoint_fits(const char *url)
{
	return !strncmp(url, "https://", 8) || !strncmp(url, "http://127.0.0.1:9/", 19) ||
	       !strncmp(url, "http://127.0.0.1:9?", 19);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_discovery d;
	struct err e = {0};
	const char *issuer = size && (data[0] & 1) ? "https://id.example.lv" : "http://127.0.0.1:9";

	if (oidc_discovery_parse((const char *)data, size, issuer, "client_secret_basic", &d, &e) != 0)
		return 0;
	if (!d.algs || (d.algs & ~((1u << JOSE_RS256) | (1u << JOSE_ES256))))
		abort();
	if (!endpoint_fits(d.authorization_endpoint) || !endpoint_fits(d.token_endpoint) || !endpoint_fits(d.jwks_uri))
		abort();
	oidc_discovery_free(&d);
	return 0;
}
