/* totp.h — time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits,
 * 30-second steps) through liboath, and one-time recovery codes. */
#ifndef EPAK_CORE_TOTP_H
#define EPAK_CORE_TOTP_H

#include <stddef.h>
#include <time.h>

#define TOTP_KEY_LEN 20      /* bytes of a new key (160 bits, RFC 4226) */
#define TOTP_BASE32_LEN 33   /* its base32 form and a NUL */
#define RECOVERY_CODE_LEN 20 /* "xxxx-xxxx-xxxx-xxxx" and a NUL */

/* A new random key, raw and in base32 (what authenticator apps are given). */
int totp_new_key(unsigned char key[TOTP_KEY_LEN], char b32[TOTP_BASE32_LEN]);
/* The step (30-second count since 1970) at which code is valid for key,
 * looking one step either side of now for clock drift; -1 when it is not.
 * A caller refuses a step not after the last one accepted (no replay). */
long long totp_check(const unsigned char *key, size_t keylen, const char *code, time_t now);
/* The code of key at time t into out (7 bytes), for tests and enrolment. */
int totp_code(const unsigned char *key, size_t keylen, time_t t, char out[7]);
/* A random recovery code, four groups of four from an alphabet without
 * look-alike characters. */
void recovery_code_new(char out[RECOVERY_CODE_LEN]);
/* Its canonical form (lower case, no separators or spaces) into out;
 * 0 when s looks like a recovery code. */
int recovery_code_norm(const char *s, char out[RECOVERY_CODE_LEN]);

#endif
