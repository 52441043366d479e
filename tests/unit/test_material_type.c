/* test_material_type.c — what a file of /materiali is, by its bytes: the
 * allowlist takes PDF, PNG, JPEG, SVG, EPS and the office formats whatever
 * they are called, and refuses HTML, scripts, executables and archives;
 * each thread has its own libmagic handle. */
#include "testutil.h"

#include <pthread.h>
#include <string.h>

#include "web/material_type.h"

static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I',  'H',  'D',  'R', 0,
				    0,    0,   1,   0,   0,    0,    1,    8,    6, 0, 0, 0,  0x1f, 0x15, 0xc4, 0x89};
static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};

/* The allowed type of bytes p[0..n), or NULL. */
static const struct material_type *type_of(const void *p, size_t n)
{
	char mime[128];

	assert_int_equal(material_sniff(p, n, mime, sizeof(mime)), 0);
	return material_type_find(mime);
}

static void the_database_loads(void **state)
{
	struct err err = {0};

	(void)state;
	assert_int_equal(material_type_init(&err), 0);
}

static void accepted_kinds_get_their_extension(void **state)
{
	static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
	static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"></svg>\n";
	static const char eps[] = "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n";
	const struct material_type *t;

	(void)state;
	t = type_of(pdf, sizeof(pdf) - 1);
	assert_non_null(t);
	assert_string_equal(t->ext, "pdf");
	t = type_of(png, sizeof(png));
	assert_non_null(t);
	assert_string_equal(t->mime, "image/png");
	assert_string_equal(t->ext, "png");
	t = type_of(jpeg, sizeof(jpeg));
	assert_non_null(t);
	assert_string_equal(t->ext, "jpg");
	t = type_of(svg, sizeof(svg) - 1);
	assert_non_null(t);
	assert_string_equal(t->ext, "svg");
	t = type_of(eps, sizeof(eps) - 1);
	assert_non_null(t);
	assert_string_equal(t->ext, "eps");
}

static void pages_programs_and_archives_are_refused(void **state)
{
	static const char html[] = "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n";
	static const char text[] = "just some words, not a document of any kind\n";
	static const char sh[] = "#!/bin/sh\nrm -rf /\n";
	static const unsigned char elf[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0};
	static const unsigned char zip[] = {'P', 'K', 3, 4, 20, 0, 0, 0, 0, 0, 0, 0, 0,   0,   0,   0,   0,  0,
					    0,   0,   0, 0, 0,  0, 0, 0, 5, 0, 0, 0, 'a', '.', 't', 'x', 't'};

	(void)state;
	assert_null(type_of(html, sizeof(html) - 1));
	assert_null(type_of(text, sizeof(text) - 1));
	assert_null(type_of(sh, sizeof(sh) - 1));
	assert_null(type_of(elf, sizeof(elf)));
	assert_null(type_of(zip, sizeof(zip)));
	assert_null(material_type_find("text/html"));
	assert_null(material_type_find("application/zip"));
	assert_null(material_type_find(NULL));
}

static void *sniff_in_thread(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 200; i++)
		if (!type_of(png, sizeof(png)))
			return (void *)1;
	return NULL;
}

static void each_thread_has_its_own_handle(void **state)
{
	pthread_t t[4];
	void *rc;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, sniff_in_thread, NULL), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &rc), 0);
		assert_null(rc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_database_loads),
	    cmocka_unit_test(accepted_kinds_get_their_extension),
	    cmocka_unit_test(pages_programs_and_archives_are_refused),
	    cmocka_unit_test(each_thread_has_its_own_handle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
