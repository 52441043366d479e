/* test_sign_container.c — reading and writing ASiC-E containers: structure
 * rules, hostile ZIPs (bombs, traversal, duplicates, truncation) and the
 * libdigidocpp containers in the shared test data. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../sign/zipw.h"
#include "sign/edoc.h"
#include "sign/internal.h"

static char *shared_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/testdata/asice/libdigidocpp/%s", test_shared_dir(), name);
	return path;
}

/* Opens bytes and expects a refusal whose message contains want. */
static void expect_refused(const unsigned char *p, size_t n, const struct edoc_limits *lim, const char *want)
{
	struct err e = {0};
	struct edoc *doc = edoc_open_mem(p, n, lim, &e);

	if (doc)
		fail_msg("container accepted, expected refusal containing \"%s\"", want);
	if (!strstr(e.msg, want))
		fail_msg("refused with \"%s\", expected \"%s\"", e.msg, want);
}

static struct edoc *open_built(const struct tz_entry *v, size_t n, struct err *e)
{
	size_t len;
	unsigned char *p = tz_build(v, n, &len);
	struct edoc *doc = edoc_open_mem(p, len, NULL, e);

	free(p);
	return doc;
}

static void built_refused(const struct tz_entry *v, size_t n, const struct edoc_limits *lim, const char *want)
{
	size_t len;
	unsigned char *p = tz_build(v, n, &len);

	expect_refused(p, len, lim, want);
	free(p);
}

static const char *const one_file[] = {"a.txt", NULL};

/* Opens the built container and expects one warning containing want (NULL:
 * no warning at all). */
static void opens_warned(const struct tz_entry *v, size_t n, const char *want)
{
	struct err e = {0};
	struct edoc *doc = open_built(v, n, &e);

	if (!doc)
		fail_msg("refused: %s", e.msg);
	if (!want)
		assert_int_equal(doc->nwarnings, 0);
	else if (doc->nwarnings != 1 || !strstr(doc->warnings[0], want))
		fail_msg("%zu warnings, expected one with \"%s\"", doc->nwarnings, want);
	assert_int_equal(doc->nfiles, 1);
	edoc_free(doc);
}

static void minimal_container_opens(void **state)
{
	char *man = tz_manifest(one_file);
	struct tz_entry v[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "hello", 5, 1, 0},
	    {"META-INF/signatures0.xml", "<x/>", 4, 0, 0},
	    {"META-INF/other.txt", "x", 1, 0, 0},
	};
	struct err e = {0};
	struct edoc *doc;

	(void)state;
	doc = open_built(v, 5, &e);
	if (!doc)
		fail_msg("%s", e.msg);
	assert_int_equal(doc->nfiles, 1);
	assert_string_equal(doc->files[0].name, "a.txt");
	assert_string_equal(doc->files[0].mime, "text/plain");
	assert_int_equal(doc->files[0].len, 5);
	assert_memory_equal(doc->files[0].data, "hello", 5);
	assert_int_equal(doc->nsigs, 1);
	assert_string_equal(doc->sigs[0].name, "META-INF/signatures0.xml");
	assert_int_equal(doc->nmeta, 1);
	assert_non_null(edoc_find_file(doc, "a.txt"));
	assert_null(edoc_find_file(doc, "b.txt"));
	edoc_free(doc);
	free(man);
}

static void mimetype_rules(void **state)
{
	char *man = tz_manifest(one_file);
	struct tz_entry late[] = {
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    TZ_MIMETYPE,
	    {"a.txt", "hello", 5, 1, 0},
	};
	struct tz_entry deflated[] = {
	    {"mimetype", "application/vnd.etsi.asic-e+zip", 31, 1, 0},
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "hello", 5, 1, 0},
	};
	struct tz_entry wrong[] = {
	    {"mimetype", "application/vnd.etsi.asic-s+zip", 31, 0, 0},
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "hello", 5, 1, 0},
	};
	struct tz_entry twice[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "hello", 5, 1, 0},
	    TZ_MIMETYPE,
	};
	struct tz_entry missing[] = {
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "hello", 5, 1, 0},
	};
	struct tz_entry padded[] = {
	    {"mimetype",
	     "\xef\xbb\xbf"
	     "application/vnd.etsi.asic-e+zip\n",
	     35, 0, 0},
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "hello", 5, 1, 0},
	};
	struct tz_entry longer[] = {
	    {"mimetype", "application/vnd.etsi.asic-e+zipX", 32, 0, 0},
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "hello", 5, 1, 0},
	};
	struct tz_entry upper[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "hello", 5, 1, 0},
	    {"MIMETYPE", "application/vnd.etsi.asic-e+zip", 31, 0, 0},
	};
	struct tz_entry strict[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "hello", 5, 1, 0},
	};

	(void)state;
	/* read as libdigidocpp and DSS read them, with a warning */
	opens_warned(strict, 3, NULL);
	opens_warned(late, 3, "not the first entry");
	opens_warned(deflated, 3, "compressed");
	opens_warned(missing, 2, "no \"mimetype\" entry");
	opens_warned(padded, 3, "white space");
	/* another type, or more than one mimetype, is refused */
	built_refused(wrong, 3, NULL, "must hold exactly");
	built_refused(longer, 3, NULL, "must hold exactly");
	built_refused(twice, 4, NULL, "more than once");
	built_refused(upper, 4, NULL, "more than once");
	free(man);
}

/* Explicit folder entries (zero-length, names ending in "/") are what
 * many ZIP tools write: read, never data files; a folder may not share its
 * name with a file, nor hold data. */
static void folder_entries(void **state)
{
	static const char *const names[] = {"docs/a.txt", NULL};
	char *man = tz_manifest(names);
	struct tz_entry folders[] = {
	    TZ_MIMETYPE,
	    {"META-INF/", "", 0, 0, 0},
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"docs/", "", 0, 0, 0},
	    {"docs/a.txt", "hello", 5, 1, 0},
	    {"docs/empty/", "", 0, 0, 0},
	};
	struct tz_entry file_and_folder[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"docs/a.txt", "hello", 5, 1, 0},
	    {"docs/a.txt/", "", 0, 0, 0},
	};
	struct tz_entry folder_then_file[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"docs/", "", 0, 0, 0},
	    {"docs/a.txt", "hello", 5, 1, 0},
	    {"DOCS", "x", 1, 0, 0},
	};
	struct tz_entry folder_twice[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"docs/", "", 0, 0, 0},
	    {"docs/a.txt", "hello", 5, 1, 0},
	    {"Docs/", "", 0, 0, 0},
	};
	struct tz_entry folder_with_data[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"docs/", "hidden", 6, 0, 0},
	    {"docs/a.txt", "hello", 5, 1, 0},
	};
	struct tz_entry folder_up[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"../", "", 0, 0, 0},
	    {"docs/a.txt", "hello", 5, 1, 0},
	};
	struct err e = {0};
	struct edoc *doc;

	(void)state;
	doc = open_built(folders, 6, &e);
	if (!doc)
		fail_msg("%s", e.msg);
	assert_int_equal(doc->nfiles, 1);
	assert_string_equal(doc->files[0].name, "docs/a.txt");
	assert_int_equal(doc->nmeta, 0);
	assert_int_equal(doc->nwarnings, 0);
	edoc_free(doc);
	built_refused(file_and_folder, 4, NULL, "both a file and a folder");
	built_refused(folder_then_file, 5, NULL, "both a file and a folder");
	built_refused(folder_twice, 5, NULL, "more than once");
	built_refused(folder_with_data, 4, NULL, "holds data");
	built_refused(folder_up, 4, NULL, "\"..\"");
	free(man);
}

/* Each hostile name is refused wherever it appears, with a reason. */
static void hostile_names_refused(void **state)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
	    {"/etc/passwd", "absolute"},
	    {"../evil.txt", "\"..\""},
	    {"a/../../evil.txt", "\"..\""},
	    {"./a.txt", "\".\""},
	    {".", "\".\""},
	    {"a//b.txt", "empty"},
	    {"a\\..\\b.txt", "backslash"},
	    {"a\001b", ""}, /* libzip may refuse it first */
	    {"a\177b", ""},
	    {"bad\xff\xfe.txt", ""},
	    {"over\xc0\xaflong", ""},
	    {"meta-inf/x.txt", "capitals"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *names[] = {cases[i].name, NULL};
		char *man = tz_manifest(names);
		struct tz_entry v[] = {
		    TZ_MIMETYPE,
		    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
		    {cases[i].name, "x", 1, 0, 0},
		};

		built_refused(v, 3, NULL, cases[i].want);
		free(man);
	}
}

static void duplicates_refused(void **state)
{
	static const char *const names[] = {"a.txt", NULL};
	char *man = tz_manifest(names);
	struct tz_entry dup[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "one", 3, 0, 0},
	    {"a.txt", "two", 3, 0, 0},
	};
	struct tz_entry casedup[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "one", 3, 0, 0},
	    {"A.TXT", "two", 3, 0, 0},
	};
	struct tz_entry filedir[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "one", 3, 0, 0},
	    {"a.txt/b", "two", 3, 0, 0},
	};
	struct tz_entry dupman[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "one", 3, 0, 0},
	};

	(void)state;
	built_refused(dup, 4, NULL, "more than once");
	built_refused(casedup, 4, NULL, "more than once");
	built_refused(filedir, 4, NULL, "both a file and a folder");
	built_refused(dupman, 4, NULL, "more than once");
	free(man);
}

static void manifest_cross_checked(void **state)
{
	static const char *const two[] = {"a.txt", "b.txt", NULL};
	static const char *const dup[] = {"a.txt", "a.txt", NULL};
	static const char *const empty[] = {"", NULL};
	char *man2 = tz_manifest(two), *mand = tz_manifest(dup), *mane = tz_manifest(empty);
	char *man1 = tz_manifest(one_file);
	static const char noroot[] = "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:"
				     "manifest:1.0\"><manifest:file-entry manifest:full-path=\"a.txt\" "
				     "manifest:media-type=\"text/plain\"/></manifest:manifest>";
	static const char notxml[] = "<manifest:manifest";
	struct tz_entry missing_file[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man2, strlen(man2), 1, 0},
	    {"a.txt", "one", 3, 0, 0},
	};
	struct tz_entry unlisted[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man1, strlen(man1), 1, 0},
	    {"a.txt", "one", 3, 0, 0},
	    {"b.txt", "two", 3, 0, 0},
	};
	struct tz_entry listed_twice[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", mand, strlen(mand), 1, 0},
	    {"a.txt", "one", 3, 0, 0},
	};
	struct tz_entry empty_path[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", mane, strlen(mane), 1, 0},
	    {"a.txt", "one", 3, 0, 0},
	};
	struct tz_entry no_root_entry[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", noroot, strlen(noroot), 1, 0},
	    {"a.txt", "one", 3, 0, 0},
	};
	struct tz_entry broken[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", notxml, strlen(notxml), 1, 0},
	    {"a.txt", "one", 3, 0, 0},
	};
	struct tz_entry no_manifest[] = {
	    TZ_MIMETYPE,
	    {"a.txt", "one", 3, 0, 0},
	};
	struct tz_entry no_files[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man1, strlen(man1), 1, 0},
	};

	(void)state;
	built_refused(missing_file, 3, NULL, "\"b.txt\", which is not a data file");
	built_refused(unlisted, 4, NULL, "\"b.txt\" is missing from META-INF/manifest.xml");
	built_refused(listed_twice, 3, NULL, "twice");
	built_refused(empty_path, 3, NULL, "empty name");
	built_refused(no_root_entry, 3, NULL, "no \"/\" entry");
	built_refused(broken, 3, NULL, "not well-formed");
	built_refused(no_manifest, 2, NULL, "manifest.xml is missing");
	built_refused(no_files, 2, NULL, "no data files");
	free(man1);
	free(man2);
	free(mand);
	free(mane);
}

static void zip_bombs_refused(void **state)
{
	size_t big = (size_t)4 << 20;
	unsigned char *zeros = calloc(1, big);
	char *man = tz_manifest(one_file);
	struct tz_entry ratio[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", zeros, big, 1, 0},
	};
	/* declares 5 bytes, inflates to 4 MiB */
	struct tz_entry liar[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", zeros, big, 1, 5},
	};
	struct edoc_limits small = {0};
	struct edoc_limits few = {0};
	struct tz_entry many[40];
	const char *names[40];
	char namebuf[40][16];
	char *manmany;
	size_t i;
	clock_t t0 = clock();

	(void)state;
	built_refused(ratio, 3, NULL, "ZIP bomb");
	small.max_total = 1 << 20;
	small.max_ratio = 100000;
	built_refused(ratio, 3, &small, "unpacks to more than");
	built_refused(liar, 3, NULL, "a.txt");

	few.max_entries = 10;
	for (i = 0; i < 39; i++) {
		snprintf(namebuf[i], sizeof(namebuf[i]), "f%zu.txt", i);
		names[i] = namebuf[i];
	}
	names[37] = NULL;
	manmany = tz_manifest(names);
	many[0] = (struct tz_entry)TZ_MIMETYPE;
	many[1] = (struct tz_entry){"META-INF/manifest.xml", manmany, strlen(manmany), 1, 0};
	for (i = 0; i < 37; i++)
		many[i + 2] = (struct tz_entry){namebuf[i], "x", 1, 0, 0};
	built_refused(many, 39, &few, "more than the 10 allowed");
	{
		struct err e = {0};
		struct edoc *doc = open_built(many, 39, &e);

		if (!doc)
			fail_msg("%s", e.msg);
		assert_int_equal(doc->nfiles, 37);
		edoc_free(doc);
	}
	/* all of it well under a second of CPU */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	free(manmany);
	free(man);
	free(zeros);
}

static void truncated_and_garbage_refused(void **state)
{
	char *man = tz_manifest(one_file);
	struct tz_entry v[] = {
	    TZ_MIMETYPE,
	    {"META-INF/manifest.xml", man, strlen(man), 1, 0},
	    {"a.txt", "hello hello hello hello", 23, 1, 0},
	};
	size_t len, cut;
	unsigned char *p = tz_build(v, 3, &len);
	unsigned char garbage[512];
	struct err e = {0};
	struct edoc *doc;

	(void)state;
	for (cut = 0; cut < len; cut++) {
		doc = edoc_open_mem(p, cut, NULL, &e);
		if (doc)
			fail_msg("truncated at %zu of %zu accepted", cut, len);
	}
	/* flip every byte of the compressed data in turn: never accepted with
	 * different content, never a crash */
	for (cut = 0; cut < len; cut++) {
		unsigned char *q = malloc(len);

		memcpy(q, p, len);
		q[cut] ^= 0x5a;
		doc = edoc_open_mem(q, len, NULL, &e);
		if (doc) {
			const struct edoc_entry *a = edoc_find_file(doc, "a.txt");

			if (a && (a->len != 23 || memcmp(a->data, "hello hello hello hello", 23)))
				fail_msg("byte %zu flipped: altered content accepted", cut);
			edoc_free(doc);
		}
		free(q);
	}
	for (cut = 0; cut < sizeof(garbage); cut++)
		garbage[cut] = (unsigned char)(cut * 131 + 7);
	expect_refused(garbage, sizeof(garbage), NULL, "not a ZIP");
	memcpy(garbage, "PK\003\004", 4);
	expect_refused(garbage, sizeof(garbage), NULL, "ZIP");
	free(p);
	free(man);
}

static void manifest_bomb_refused_quickly(void **state)
{
	struct err e = {0};
	unsigned char *bomb;
	size_t blen, len;
	unsigned char *zip;
	struct edoc *doc;
	clock_t t0;

	(void)state;
	bomb = edoc_read_file(shared_path("xml-bomb-attr.xml"), 1 << 20, &blen, &e);
	if (!bomb)
		fail_msg("%s", e.msg);
	{
		struct tz_entry v[] = {
		    TZ_MIMETYPE,
		    {"META-INF/manifest.xml", bomb, blen, 1, 0},
		    {"test.txt", "test", 4, 0, 0},
		};

		zip = tz_build(v, 3, &len);
	}
	t0 = clock();
	doc = edoc_open_mem(zip, len, NULL, &e);
	assert_null(doc);
	assert_non_null(strstr(e.msg, "DOCTYPE"));
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
	free(zip);
	free(bomb);
}

static void round_trip(void **state)
{
	struct err e = {0};
	struct edoc *doc = edoc_new(), *back;
	unsigned char *p;
	size_t n;
	static const char utf8[] = "iesniegums \xc4\x81 \xc5\xa1.txt";

	(void)state;
	assert_int_equal(edoc_add_file(doc, "a.txt", NULL, "alpha", 5, &e), 0);
	assert_int_equal(edoc_add_file(doc, utf8, NULL, "beta", 4, &e), 0);
	assert_int_equal(edoc_add_file(doc, "mape/dati.pdf", NULL, "%PDF", 4, &e), 0);
	assert_int_equal(edoc_add_file(doc, "A.TXT", NULL, "x", 1, &e), -1);
	assert_int_equal(edoc_add_file(doc, "../x", NULL, "x", 1, &e), -1);
	assert_int_equal(edoc_add_file(doc, "META-INF/x", NULL, "x", 1, &e), -1);
	assert_int_equal(edoc_add_sigfile(doc, "META-INF/signatures0.xml", "<s/>", 4, &e), 0);
	assert_int_equal(edoc_add_sigfile(doc, "META-INF/other.xml", "<s/>", 4, &e), -1);
	{
		char *next = edoc_next_sigfile_name(doc);

		assert_string_equal(next, "META-INF/signatures1.xml");
		free(next);
	}
	if (edoc_write_mem(doc, &p, &n, &e) != 0)
		fail_msg("%s", e.msg);
	/* mimetype first, stored, no extra field */
	assert_memory_equal(p, "PK\003\004", 4);
	assert_int_equal(p[8] | p[9] << 8, 0);
	assert_int_equal(p[26], 8);
	assert_int_equal(p[28] | p[29] << 8, 0);
	assert_memory_equal(p + 30, "mimetypeapplication/vnd.etsi.asic-e+zip", 39);
	back = edoc_open_mem(p, n, NULL, &e);
	if (!back)
		fail_msg("%s", e.msg);
	assert_int_equal(back->nfiles, 3);
	assert_string_equal(back->files[1].name, utf8);
	assert_string_equal(back->files[1].mime, "text/plain");
	assert_string_equal(back->files[2].mime, "application/pdf");
	assert_memory_equal(back->files[2].data, "%PDF", 4);
	assert_int_equal(back->nsigs, 1);
	edoc_free(back);
	edoc_free(doc);
	free(p);
}

static void libdigidocpp_containers(void **state)
{
	static const struct {
		const char *file, *want; /* want NULL: opens */
	} cases[] = {
	    {"test.asice", NULL},
	    {"tsl.asice", NULL},
	    {"forged_lt.asice", NULL},
	    {"asice-path.asice", NULL},
	    {"asice-relative.asice", "\"..\""},
	    {"dot.asice", "\".\""},
	    {"pt-empty.asice", "empty name"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		struct edoc *doc = edoc_open(shared_path(cases[i].file), NULL, &e);

		if (!cases[i].want) {
			if (!doc)
				fail_msg("%s: %s", cases[i].file, e.msg);
		} else {
			if (doc)
				fail_msg("%s: accepted", cases[i].file);
			if (!strstr(e.msg, cases[i].want))
				fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].file, e.msg, cases[i].want);
		}
		if (doc && strcmp(cases[i].file, "asice-path.asice") == 0) {
			assert_int_equal(doc->nfiles, 1);
			assert_string_equal(doc->files[0].name, "folder/test1.txt");
			assert_int_equal(doc->nsigs, 0);
		}
		if (doc && strcmp(cases[i].file, "test.asice") == 0) {
			assert_int_equal(doc->nfiles, 1);
			assert_string_equal(doc->files[0].name, "test1.txt");
			assert_string_equal(doc->files[0].mime, "file");
			assert_int_equal(doc->nsigs, 1);
			assert_string_equal(doc->sigs[0].name, "META-INF/signatures0.xml");
		}
		edoc_free(doc);
	}
}

static void uri_coding(void **state)
{
	char *s;

	(void)state;
	s = edoc_uri_encode("mape/a b\xc4\x81.txt");
	assert_string_equal(s, "mape/a%20b%C4%81.txt");
	free(s);
	s = edoc_uri_decode("mape/a%20b%c4%81.txt");
	assert_string_equal(s, "mape/a b\xc4\x81.txt");
	free(s);
	assert_null(edoc_uri_decode("a%2"));
	assert_null(edoc_uri_decode("a%00b"));
	assert_null(edoc_uri_decode("#frag"));
	assert_null(edoc_uri_decode("a%zz"));
}

static void name_rules(void **state)
{
	static const char *const bad[] = {
	    "",       "/a",   "a/",     "a//b", ".",        "..",           "a/./b",
	    "a/../b", "a\\b", "a\001b", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	    "a\x7f",
	};
	static const char *const good[] = {
	    "a", "a.txt", "folder/test1.txt", "..a", "a..", ".hidden", "\xc4\x81\xc5\xa1", "a b/c d.pdf", "10:30.txt",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (edoc_name_ok(bad[i], strlen(bad[i]), NULL) == 0)
			fail_msg("bad name %zu accepted", i);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (edoc_name_ok(good[i], strlen(good[i]), NULL) != 0)
			fail_msg("good name %s refused", good[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(minimal_container_opens),
	    cmocka_unit_test(mimetype_rules),
	    cmocka_unit_test(folder_entries),
	    cmocka_unit_test(hostile_names_refused),
	    cmocka_unit_test(duplicates_refused),
	    cmocka_unit_test(manifest_cross_checked),
	    cmocka_unit_test(zip_bombs_refused),
	    cmocka_unit_test(truncated_and_garbage_refused),
	    cmocka_unit_test(manifest_bomb_refused_quickly),
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(libdigidocpp_containers),
	    cmocka_unit_test(uri_coding),
	    cmocka_unit_test(name_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
