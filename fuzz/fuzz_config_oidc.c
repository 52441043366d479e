/* fuzz_config_oidc.c — the value of the `oidc` setting (src/core/config.c):
 * quoted FIELD=VALUE words. An accepted value has every field set, no
 * control characters, and an issuer that is https:// or http:// on
 * loopback. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_oidc o;
	struct err e = {0};
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (config_oidc_parse(s, &o, &e) == 0) {
		if (!o.name || !o.issuer || !o.client_id || !o.client_secret_file || !o.label_lv || !o.label_en ||
		    !*o.name || !*o.label_en)
			abort();
		if (strncmp(o.issuer, "https://", 8) && strncmp(o.issuer, "http://127.", 11) &&
		    strncmp(o.issuer, "http://localhost", 16) && strncmp(o.issuer, "http://[::1]", 12))
			abort();
		if (strpbrk(o.label_lv, "\r\n") || strpbrk(o.issuer, "\r\n"))
			abort();
		config_oidc_free(&o);
	}
	free(s);
	return 0;
}
