/* test_auth_core.c — the helpers logins stand on, against outside
 * references: TOTP by the RFC 6238 Appendix B vectors (SHA-1), argon2id by
 * libsodium's own verifier and parameters, sealing by a flipped bit, Riga
 * time by the EU summer-time rule's change-over instants, recovery codes,
 * the server secret file, and the local return path after login. */
#include "testutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/password.h"
#include "core/secret.h"
#include "core/totp.h"
#include "core/url.h"
#include "core/when.h"
#include "web/auth.h"

/* RFC 6238 Appendix B: the SHA-1 key "12345678901234567890"; the 8-digit
 * codes there end in our 6 digits. */
static void totp_rfc6238_vectors(void **state)
{
	static const struct {
		long long t;
		const char *code8;
	} v[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
		 {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000LL, "65353130"}};
	const unsigned char *key = (const unsigned char *)"12345678901234567890";
	char code[7];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(totp_code(key, 20, (time_t)v[i].t, code), 0);
		assert_string_equal(code, v[i].code8 + 2);
		/* accepted at its own step and one step either side, not two */
		assert_int_equal(totp_check(key, 20, code, (time_t)v[i].t), v[i].t / 30);
		assert_int_equal(totp_check(key, 20, code, (time_t)v[i].t + 30), v[i].t / 30);
		assert_int_equal(totp_check(key, 20, code, (time_t)v[i].t - 30), v[i].t / 30);
		assert_true(totp_check(key, 20, code, (time_t)v[i].t + 95) < 0);
	}
	assert_true(totp_check(key, 20, "12345", 59) < 0);
	assert_true(totp_check(key, 20, "28708a", 59) < 0);
	assert_true(totp_check(key, 20, "2870820", 59) < 0);
	assert_true(totp_check(key, 20, NULL, 59) < 0);
}

static void totp_new_keys_differ(void **state)
{
	unsigned char k1[TOTP_KEY_LEN], k2[TOTP_KEY_LEN];
	char b1[TOTP_BASE32_LEN], b2[TOTP_BASE32_LEN];

	(void)state;
	assert_int_equal(totp_new_key(k1, b1), 0);
	assert_int_equal(totp_new_key(k2, b2), 0);
	assert_int_equal(strlen(b1), 32);
	assert_string_not_equal(b1, b2);
	assert_int_equal(strspn(b1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
}

static void recovery_codes(void **state)
{
	char c[RECOVERY_CODE_LEN], n[RECOVERY_CODE_LEN], n2[RECOVERY_CODE_LEN];

	(void)state;
	recovery_code_new(c);
	assert_int_equal(strlen(c), 19);
	assert_int_equal(recovery_code_norm(c, n), 0);
	assert_int_equal(strlen(n), 16);
	/* upper case, spaces and no dashes are the same code */
	assert_int_equal(recovery_code_norm("ABCD EFGH-JKMN pqrs", n2), 0);
	assert_string_equal(n2, "abcdefghjkmnpqrs");
	assert_int_equal(recovery_code_norm("abcd-efgh-jkmn-pqr", n2), -1);    /* short */
	assert_int_equal(recovery_code_norm("abcd-efgh-jkmn-pqrs-t", n2), -1); /* long */
	assert_int_equal(recovery_code_norm("abcd-efgh-jkmn-pqr0", n2), -1);   /* 0 is not in the alphabet */
	assert_int_equal(recovery_code_norm("abcd-efgh-jkmn-pqr1", n2), -1);
}

static void password_argon2id(void **state)
{
	char h[PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(password_hash("correct horse battery staple", h), 0);
	assert_true(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
	assert_true(password_verify(h, "correct horse battery staple"));
	assert_false(password_verify(h, "correct horse battery stapl"));
	assert_false(password_verify("", "correct horse battery staple"));
	assert_false(password_verify(NULL, "x"));
	assert_false(password_needs_rehash(h));
	/* libsodium's own verifier agrees */
	assert_int_equal(crypto_pwhash_str_verify(h, "correct horse battery staple", 28), 0);
}

static void seal_and_open(void **state)
{
	unsigned char key[SECRET_LEN], other[SECRET_LEN], secret[SECRET_LEN] = {1, 2, 3};
	char sealed[160];
	unsigned char out[64];
	size_t n = 0;

	(void)state;
	secret_derive(secret, "totp", key);
	secret_derive(secret, "pno", other);
	assert_memory_not_equal(key, other, SECRET_LEN);
	assert_int_equal(secret_seal(key, "twenty bytes of key!", 20, sealed, sizeof(sealed)), 0);
	assert_int_equal(secret_open(key, sealed, out, sizeof(out), &n), 0);
	assert_int_equal(n, 20);
	assert_memory_equal(out, "twenty bytes of key!", 20);
	assert_int_equal(secret_open(other, sealed, out, sizeof(out), &n), -1);
	sealed[30] = sealed[30] == 'A' ? 'B' : 'A';
	assert_int_equal(secret_open(key, sealed, out, sizeof(out), &n), -1);
	assert_int_equal(secret_open(key, "not base64!", out, sizeof(out), &n), -1);
	assert_int_equal(secret_seal(key, "x", 1, sealed, 10), -1); /* too small a buffer */
}

static void secret_file(void **state)
{
	char dir[] = "/tmp/epak-secret-XXXXXX", path[64];
	unsigned char a[SECRET_LEN], b[SECRET_LEN];
	struct err e = {0};
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(secret_load(dir, 0, a, &e), -1); /* none, and not asked to make one */
	assert_int_equal(secret_load(dir, 1, a, &e), 0);
	snprintf(path, sizeof(path), "%s/secret", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(secret_load(dir, 0, b, &e), 0);
	assert_memory_equal(a, b, SECRET_LEN);
	f = fopen(path, "w");
	fputs("short", f);
	fclose(f);
	assert_int_equal(secret_load(dir, 1, b, &e), -1); /* damaged: never silently replaced */
	unlink(path);
	rmdir(dir);
}

/* The EU rule: summer time from 01:00 UTC on the last Sunday of March to
 * 01:00 UTC on the last Sunday of October. */
static void riga_time(void **state)
{
	char s[WHEN_LEN];

	(void)state;
	assert_int_equal(when_riga_offset(1774745999), 7200);  /* 2026-03-29 00:59:59 UTC */
	assert_int_equal(when_riga_offset(1774746000), 10800); /* 01:00:00 UTC */
	assert_int_equal(when_riga_offset(1792889999), 10800); /* 2026-10-25 00:59:59 UTC */
	assert_int_equal(when_riga_offset(1792890000), 7200);
	when_riga(1796644800, LANG_LV, s); /* 2026-12-07 12:00 UTC */
	assert_string_equal(s, "07.12.2026. 14:00");
	when_riga(1796644800, LANG_EN, s);
	assert_string_equal(s, "7 Dec 2026, 14:00");
	when_riga(1782907200, LANG_LV, s); /* 2026-07-01 12:00 UTC */
	assert_string_equal(s, "01.07.2026. 15:00");
	when_riga(1782907200, LANG_EN, s); /* the same summer moment in English wording */
	assert_string_equal(s, "1 Jul 2026, 15:00");
	when_riga(1798761599, LANG_LV, s); /* 2026-12-31 23:59:59 UTC: already next year in Riga */
	assert_string_equal(s, "01.01.2027. 01:59");
	when_riga(1798761599, LANG_EN, s);
	assert_string_equal(s, "1 Jan 2027, 01:59");
	/* around the spring change: 02:59 winter, then 04:00 summer */
	when_riga(1774745999, LANG_EN, s);
	assert_string_equal(s, "29 Mar 2026, 02:59");
	when_riga(1774746000, LANG_LV, s);
	assert_string_equal(s, "29.03.2026. 04:00");
	/* around the autumn change: 03:59 summer, then 03:00 winter again */
	when_riga(1792889999, LANG_LV, s);
	assert_string_equal(s, "25.10.2026. 03:59");
	when_riga(1792890000, LANG_EN, s);
	assert_string_equal(s, "25 Oct 2026, 03:00");
	/* the ends of the calendar; past them nothing, and no overflow (UBSan) */
	when_riga(-2208988800, LANG_LV, s); /* 1900-01-01 00:00 UTC */
	assert_string_equal(s, "01.01.1900. 02:00");
	when_riga(253402300799, LANG_EN, s); /* 9999-12-31 23:59:59 UTC */
	assert_string_equal(s, "1 Jan 10000, 01:59");
	when_riga(-1, LANG_EN, s);
	assert_string_equal(s, "1 Jan 1970, 01:59");
	when_riga((time_t)LLONG_MAX, LANG_EN, s);
	assert_string_equal(s, "");
	when_riga((time_t)LLONG_MIN, LANG_LV, s);
	assert_string_equal(s, "");
	when_riga((time_t)67768036191676800LL, LANG_LV, s); /* past the int years of struct tm */
	assert_string_equal(s, "");
	assert_int_equal(when_riga_offset((time_t)LLONG_MAX), 7200);
	assert_int_equal(when_riga_offset((time_t)253402300800LL), 7200);
}

static void return_path_after_login(void **state)
{
	static const char *const good[] = {
	    "/", "/profils", "/en/birojs", "/pakalpojumi?lapa=2", "/meklet?q=pase%20eID", "/a/b/c"};
	static const char *const bad[] = {"",
					  "//evil.example",
					  "/\\evil.example",
					  "/%5Cevil.example",
					  "/%2F/evil.example",
					  "/%2f%2fevil",
					  "https://evil.example/",
					  "evil.example",
					  "%2F%2Fevil.example",
					  "/\t/evil",
					  "/ /evil",
					  "/a//b",
					  "/%0d%0aSet-Cookie:x",
					  "/%zz",
					  "/%",
					  "javascript:alert(1)",
					  "/\xc4\x81"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(auth_next_ok(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (auth_next_ok(bad[i]))
			fail_msg("accepted %s", bad[i]);
	assert_false(auth_next_ok(NULL));
}

static void query_value_encoding(void **state)
{
	struct arena *a = arena_new(0);

	(void)state;
	assert_string_equal(url_query_value(a, "/en/birojs?x=1&y=2"), "/en/birojs%3Fx%3D1%26y%3D2");
	assert_string_equal(url_query_value(a, "ā b"), "%C4%81%20b");
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(totp_rfc6238_vectors),
	    cmocka_unit_test(totp_new_keys_differ),
	    cmocka_unit_test(recovery_codes),
	    cmocka_unit_test(password_argon2id),
	    cmocka_unit_test(seal_and_open),
	    cmocka_unit_test(secret_file),
	    cmocka_unit_test(riga_time),
	    cmocka_unit_test(return_path_after_login),
	    cmocka_unit_test(query_value_encoding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
