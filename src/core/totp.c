/* totp.c — RFC 6238 one-time passwords by liboath; recovery codes (totp.h). */
#include "core/totp.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#define STEP 30

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_ok;

static void oath_start(void)
{
	oath_ok = oath_init() == OATH_OK;
}

int totp_new_key(unsigned char key[TOTP_KEY_LEN], char b32[TOTP_BASE32_LEN])
{
	char *enc = NULL;
	size_t n = 0;

	pthread_once(&oath_once, oath_start);
	if (!oath_ok || sodium_init() < 0)
		return -1;
	randombytes_buf(key, TOTP_KEY_LEN);
	if (oath_base32_encode((const char *)key, TOTP_KEY_LEN, &enc, &n) != OATH_OK || n >= TOTP_BASE32_LEN) {
		free(enc);
		return -1;
	}
	memcpy(b32, enc, n);
	b32[n] = '\0';
	free(enc);
	return 0;
}

long long totp_check(const unsigned char *key, size_t keylen, const char *code, time_t now)
{
	uint64_t counter = 0;
	int pos = 0;
	size_t i;

	pthread_once(&oath_once, oath_start);
	if (!oath_ok || !code || strlen(code) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		if (!isdigit((unsigned char)code[i]))
			return -1;
	if (oath_totp_validate3((const char *)key, keylen, now, STEP, 0, 1, &pos, &counter, code) < 0)
		return -1;
	return (long long)counter;
}

int totp_code(const unsigned char *key, size_t keylen, time_t t, char out[7])
{
	pthread_once(&oath_once, oath_start);
	if (!oath_ok)
		return -1;
	return oath_totp_generate((const char *)key, keylen, t, STEP, 0, 6, out) == OATH_OK ? 0 : -1;
}

static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789"; /* no i, l, o, 0, 1 */

void recovery_code_new(char out[RECOVERY_CODE_LEN])
{
	size_t i, k = 0;

	for (i = 0; i < 16; i++) {
		if (i && i % 4 == 0)
			out[k++] = '-';
		out[k++] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	}
	out[k] = '\0';
}

int recovery_code_norm(const char *s, char out[RECOVERY_CODE_LEN])
{
	size_t k = 0;

	for (; s && *s; s++) {
		int c = tolower((unsigned char)*s);

		if (c == '-' || c == ' ')
			continue;
		if (k >= 16 || !strchr(alphabet, c) || !c)
			return -1;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return k == 16 ? 0 : -1;
}
