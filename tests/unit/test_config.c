/* test_config.c — settings: defaults, file, environment, sizes, errors with
 * file and line; the error registry; translations. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/errors.h"
#include "core/i18n.h"

/* The carrier keeps its first error: each call gets it cleared. */
static struct err *fresh(struct err *e)
{
	err_clear(e);
	return e;
}

static void defaults_are_sane(void **state)
{
	struct config c;
	struct err err = {0};

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.data, "./var");
	assert_string_equal(c.lang, "lv");
	assert_int_equal(c.max_body, 10 * 1024 * 1024);
	assert_int_equal(c.max_header, 16 * 1024);
	assert_int_equal(c.access_log, 1);
	assert_int_equal(c.nlisten, 0);
	assert_int_equal(config_check(&c, fresh(&err)), 0);
	config_free(&c);
}

static void sizes_parse(void **state)
{
	size_t s;

	(void)state;
	assert_int_equal(parse_size("4096", &s), 0);
	assert_int_equal(s, 4096);
	assert_int_equal(parse_size("512k", &s), 0);
	assert_int_equal(s, 512 * 1024);
	assert_int_equal(parse_size("10M", &s), 0);
	assert_int_equal(s, 10 * 1024 * 1024);
	assert_int_equal(parse_size("1GB", &s), 0);
	assert_int_equal(s, 1024UL * 1024 * 1024);
	assert_int_equal(parse_size("", &s), -1);
	assert_int_equal(parse_size("-1", &s), -1);
	assert_int_equal(parse_size("10X", &s), -1);
	assert_int_equal(parse_size("99999999999999999999G", &s), -1);
}

static void file_sets_keys_and_reports_lines(void **state)
{
	struct config c;
	char path[] = "/tmp/epak-config-XXXXXX";
	struct err err = {0};
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	(void)state;
	fprintf(f, "# a comment\nlisten = 127.0.0.1:9000\nlisten=[::1]:9001\nmax_body = 2M  # trailing\n"
		   "lang = en\n\nbogus = 1\n");
	fclose(f);
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, fresh(&err)), -1);
	assert_non_null(strstr(err.msg, ":7: unknown setting 'bogus'"));
	assert_int_equal(c.nlisten, 2);
	assert_string_equal(c.listen[1], "[::1]:9001");
	assert_int_equal(c.max_body, 2 * 1024 * 1024);
	assert_string_equal(c.lang, "en");
	/* a stronger source replaces the listen list instead of adding to it */
	config_layer(&c, 2);
	assert_int_equal(config_set(&c, "listen", "127.0.0.1:7000", fresh(&err)), 0);
	assert_int_equal(c.nlisten, 1);
	assert_string_equal(c.listen[0], "127.0.0.1:7000");
	assert_int_equal(config_set(&c, "listen", "127.0.0.1:7001", fresh(&err)), 0);
	assert_int_equal(c.nlisten, 2);
	config_free(&c);
	unlink(path);
}

static void environment_overrides(void **state)
{
	struct config c;
	struct err err = {0};

	(void)state;
	config_defaults(&c);
	setenv("EPAK_MAX_HEADER", "32k", 1);
	setenv("EPAK_DB", "postgres://u@127.0.0.1/x", 1);
	assert_int_equal(config_load_env(&c, fresh(&err)), 0);
	assert_int_equal(c.max_header, 32 * 1024);
	assert_string_equal(c.db, "postgres://u@127.0.0.1/x");
	setenv("EPAK_THREADS", "many", 1);
	assert_int_equal(config_load_env(&c, fresh(&err)), -1);
	assert_non_null(strstr(err.msg, "EPAK_THREADS"));
	unsetenv("EPAK_MAX_HEADER");
	unsetenv("EPAK_DB");
	unsetenv("EPAK_THREADS");
	config_free(&c);
}

/* The mail keys are table keys like the others: file, environment (under
 * the EPAK_SMTP_* / EPAK_MAIL_* names deployments already use) and flags,
 * each with its own range. */
static void mail_keys_from_every_source(void **state)
{
	struct config c;
	char path[] = "/tmp/epak-config-XXXXXX";
	struct err err = {0};
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	(void)state;
	fprintf(f, "mail-from = portals@example.lv\nsmtp_tls = none\nmail-max-age = 86400\n");
	fclose(f);
	config_defaults(&c);
	assert_string_equal(c.smtp_url, "smtp://127.0.0.1:25");
	assert_string_equal(c.smtp_tls, "required");
	assert_int_equal(c.mail_max_size, 20 << 20);
	assert_int_equal(c.mail_max_attempts, 20);
	assert_int_equal(config_load_file(&c, path, fresh(&err)), 0);
	assert_string_equal(c.mail_from, "portals@example.lv");
	assert_string_equal(c.smtp_tls, "none");
	assert_int_equal(c.mail_max_age, 86400);
	setenv("EPAK_SMTP_URL", "smtp://relay.example.lv:587", 1);
	setenv("EPAK_SMTP_CA_FILE", "/etc/relay-ca.pem", 1);
	setenv("EPAK_MAIL_FROM", "epak@example.lv", 1);
	assert_int_equal(config_load_env(&c, fresh(&err)), 0);
	assert_string_equal(c.smtp_url, "smtp://relay.example.lv:587");
	assert_string_equal(c.smtp_ca_file, "/etc/relay-ca.pem");
	assert_string_equal(c.mail_from, "epak@example.lv");
	config_layer(&c, 2);
	assert_int_equal(config_set(&c, "mail-from", "flag@example.lv", fresh(&err)), 0);
	assert_string_equal(c.mail_from, "flag@example.lv");
	/* ranges of their own, wider than the default 0..1024 */
	assert_int_equal(config_set(&c, "smtp-timeout", "3600", fresh(&err)), 0);
	assert_int_equal(config_set(&c, "smtp-timeout", "3601", fresh(&err)), -1);
	assert_non_null(strstr(err.msg, "from 1 to 3600"));
	assert_int_equal(config_set(&c, "mail-max-attempts", "0", fresh(&err)), -1);
	assert_int_equal(config_set(&c, "mail-max-size", "1k", fresh(&err)), -1);
	assert_int_equal(config_set(&c, "mail-max-size", "2G", fresh(&err)), -1);
	assert_int_equal(config_set(&c, "mail-max-size", "1G", fresh(&err)), 0);
	unsetenv("EPAK_SMTP_URL");
	unsetenv("EPAK_SMTP_CA_FILE");
	unsetenv("EPAK_MAIL_FROM");
	config_free(&c);
	unlink(path);
}

static void check_catches_bad_combinations(void **state)
{
	struct config c;
	struct err err = {0};

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "lang", "de", fresh(&err)), 0);
	assert_int_equal(config_check(&c, fresh(&err)), -1);
	assert_non_null(strstr(err.msg, "lang"));
	assert_int_equal(config_set(&c, "lang", "lv", fresh(&err)), 0);
	assert_int_equal(config_set(&c, "tls-cert", "/x.pem", fresh(&err)), 0);
	assert_int_equal(config_check(&c, fresh(&err)), -1);
	assert_non_null(strstr(err.msg, "tls-key"));
	assert_int_equal(config_set(&c, "listen", "nocolon", fresh(&err)), -1);
	assert_int_equal(config_set(&c, "dev", "maybe", fresh(&err)), -1);
	config_free(&c);
}

static void error_registry_is_consistent(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < ERR__COUNT; i++) {
		const struct err_info *e = err_info((enum err_code)i);

		assert_true(e->status >= 200 && e->status < 600);
		assert_true(strlen(e->hint[LANG_LV]) > 0);
		assert_true(strlen(e->hint[LANG_EN]) > 0);
	}
	assert_int_equal(err_info(ERR_NOT_FOUND)->status, 404);
	assert_string_equal(err_info(ERR_NOT_FOUND)->hint[LANG_LV], "Lapa nav atrasta");
	assert_string_equal(err_public_code(ERR_NOT_FOUND), "EPAK-404-02");
	assert_int_equal(err_info((enum err_code)9999)->status, 500);
}

static void translations_come_from_gettext(void **state)
{
	enum lang l;

	(void)state;
	assert_int_equal(i18n_init("build/locale"), 0);
	assert_string_equal(i18n_tr(LANG_LV, "Home"), "Sākums");
	assert_string_equal(i18n_tr(LANG_EN, "Home"), "Home");
	assert_string_equal(i18n_tr(LANG_LV, "Home"), "Sākums"); /* cached */
	assert_string_equal(i18n_tr(LANG_LV, "No such msgid, kept as is"), "No such msgid, kept as is");
	assert_int_equal(lang_parse("en", &l), 0);
	assert_int_equal(l, LANG_EN);
	assert_int_equal(lang_parse("de", &l), -1);
	i18n_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_are_sane),
	    cmocka_unit_test(sizes_parse),
	    cmocka_unit_test(file_sets_keys_and_reports_lines),
	    cmocka_unit_test(environment_overrides),
	    cmocka_unit_test(mail_keys_from_every_source),
	    cmocka_unit_test(check_catches_bad_combinations),
	    cmocka_unit_test(error_registry_is_consistent),
	    cmocka_unit_test(translations_come_from_gettext),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
