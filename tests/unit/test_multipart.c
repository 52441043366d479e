/* test_multipart.c — multipart/form-data bodies, uploads, spilling to temp
 * files and their cleanup (src/http/multipart.c). */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "http/multipart.h"

#define CT "multipart/form-data; boundary=XyZ"

struct fixture {
	struct arena *a;
	char dir[64];
	struct multipart_limits lim;
	struct multipart mp;
	const char *why;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->a = arena_new(0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/epak-test-mp-XXXXXX");
	if (!f->a || !mkdtemp(f->dir))
		return -1;
	f->lim = multipart_limits_default;
	f->lim.tmp_dir = f->dir;
	*state = f;
	return 0;
}

static size_t files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	for (e = readdir(d); e; e = readdir(d))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	multipart_cleanup(&f->mp);
	/* Every test must leave its temp folder empty. */
	assert_int_equal(files_in(f->dir), 0);
	rmdir(f->dir);
	arena_free(f->a);
	free(f);
	return 0;
}

/* Parses body (length n, or strlen when n is 0) with Content-Type ct. */
static int parse_n(struct fixture *f, const char *ct, const char *body, size_t n)
{
	f->why = NULL;
	return multipart_parse(f->a, ct, strlen(ct), body, n, &f->lim, &f->mp, &f->why);
}

static int parse(struct fixture *f, const char *ct, const char *body)
{
	return parse_n(f, ct, body, strlen(body));
}

static void assert_fails(struct fixture *f, const char *ct, const char *body, const char *why)
{
	assert_int_equal(parse(f, ct, body), -1);
	assert_non_null(f->why);
	assert_string_equal(f->why, why);
	assert_int_equal(f->mp.fields.n, 0);
	assert_int_equal(f->mp.nfiles, 0);
}

#define PART(name, value) "--XyZ\r\nContent-Disposition: form-data; name=\"" name "\"\r\n\r\n" value "\r\n"
#define END "--XyZ--\r\n"

/* ---- structure ---- */

static void fields_and_a_file(void **state)
{
	struct fixture *f = *state;
	static const char body[] = "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"vards\"\r\n"
				   "\r\n"
				   "J\xC4\x81nis\r\n"
				   "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"doc\"; filename=\"iesniegums.pdf\"\r\n"
				   "Content-Type: application/pdf\r\n"
				   "\r\n"
				   "%PDF-1.4 body\r\n"
				   "--XyZ\r\n"
				   "content-disposition: form-data; name=\"piezimes\"\r\n"
				   "\r\n"
				   "\r\n"
				   "--XyZ--\r\n";

	assert_int_equal(parse(f, CT, body), 0);
	assert_int_equal(f->mp.fields.n, 2);
	assert_string_equal(kv_get(&f->mp.fields, "vards"), "Jānis");
	assert_string_equal(kv_get(&f->mp.fields, "piezimes"), "");
	assert_int_equal(f->mp.nfiles, 1);
	assert_string_equal(f->mp.files[0].field, "doc");
	assert_string_equal(f->mp.files[0].filename, "iesniegums.pdf");
	assert_string_equal(f->mp.files[0].content_type, "application/pdf");
	assert_int_equal(f->mp.files[0].size, 13);
	assert_memory_equal(f->mp.files[0].data, "%PDF-1.4 body", 13);
	assert_null(f->mp.files[0].path);
}

/* RFC 7578 section 4.1's example, with its quoted boundary. */
static void rfc7578_example(void **state)
{
	struct fixture *f = *state;
	static const char body[] = "--AaB03x\r\n"
				   "content-disposition: form-data; name=\"field1\"\r\n"
				   "content-type: text/plain;charset=UTF-8\r\n"
				   "content-transfer-encoding: quoted-printable\r\n"
				   "\r\n"
				   "Joe owes =E2=82=AC100.\r\n"
				   "--AaB03x--\r\n";

	assert_int_equal(parse(f, "multipart/form-data; boundary=\"AaB03x\"", body), 0);
	assert_int_equal(f->mp.fields.n, 1);
	/* Content-Transfer-Encoding is deprecated (RFC 7578 4.7): bytes are kept. */
	assert_string_equal(kv_get(&f->mp.fields, "field1"), "Joe owes =E2=82=AC100.");
}

/* RFC 2046 section 5.1.1's shape: preamble, a boundary with a space, a part
 * with an empty body, explicit type, epilogue. */
static void rfc2046_preamble_epilogue_quoted_boundary(void **state)
{
	struct fixture *f = *state;
	static const char body[] = "This is the preamble.  It is to be ignored, though it\r\n"
				   "is a handy place for composition agents to include an\r\n"
				   "explanatory note to non-MIME conformant readers.\r\n"
				   "\r\n"
				   "--simple boundary\r\n"
				   "Content-Disposition: form-data; name=\"a\"\r\n"
				   "\r\n"
				   "This is implicitly typed plain US-ASCII text.\r\n"
				   "It does NOT end with a linebreak.\r\n"
				   "--simple boundary\r\n"
				   "Content-type: text/plain; charset=us-ascii\r\n"
				   "Content-Disposition: form-data; name=\"b\"\r\n"
				   "\r\n"
				   "This is explicitly typed plain US-ASCII text.\r\n"
				   "It DOES end with a linebreak.\r\n"
				   "\r\n"
				   "--simple boundary--\r\n"
				   "\r\n"
				   "This is the epilogue.  It is also to be ignored.\r\n";

	assert_int_equal(parse(f, "multipart/form-data; boundary=\"simple boundary\"", body), 0);
	assert_int_equal(f->mp.fields.n, 2);
	assert_string_equal(kv_get(&f->mp.fields, "a"), "This is implicitly typed plain US-ASCII text.\r\n"
							"It does NOT end with a linebreak.");
	assert_string_equal(kv_get(&f->mp.fields, "b"), "This is explicitly typed plain US-ASCII text.\r\n"
							"It DOES end with a linebreak.\r\n");
}

static void browser_style_boundary(void **state)
{
	struct fixture *f = *state;
	static const char body[] = "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
				   "Content-Disposition: form-data; name=\"q\"\r\n"
				   "\r\n"
				   "x\r\n"
				   "------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n";

	assert_int_equal(parse(f,
			       "Multipart/Form-Data; charset=utf-8; "
			       "boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
			       body),
			 0);
	assert_string_equal(kv_get(&f->mp.fields, "q"), "x");
}

static void crlf_handling_in_values(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, CT,
			       PART("a", "line1\r\nline2\nline3\r") PART("b", "\r\n")
				   PART("c", "--XyZ inside, not at a line start") END),
			 0);
	assert_int_equal(f->mp.fields.n, 3);
	assert_string_equal(kv_get(&f->mp.fields, "a"), "line1\r\nline2\nline3\r");
	assert_string_equal(kv_get(&f->mp.fields, "b"), "\r\n");
	assert_string_equal(kv_get(&f->mp.fields, "c"), "--XyZ inside, not at a line start");
}

static void longer_boundary_lookalike_is_data(void **state)
{
	struct fixture *f = *state;

	/* "\r\n--XyZW" and "\r\n--XyZ x" are not delimiters of boundary XyZ. */
	assert_int_equal(parse(f, CT, PART("a", "1\r\n--XyZW\r\n--XyZ x\r\n--XyZ-") END), 0);
	assert_string_equal(kv_get(&f->mp.fields, "a"), "1\r\n--XyZW\r\n--XyZ x\r\n--XyZ-");
}

static void transport_padding_and_no_final_crlf(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, CT,
			       "--XyZ \t \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
			       "1\r\n--XyZ--"),
			 0);
	assert_string_equal(kv_get(&f->mp.fields, "a"), "1");
}

static void preamble_starting_with_crlf(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, CT, "\r\n" PART("a", "1") END "epilogue --XyZ junk"), 0);
	assert_int_equal(f->mp.fields.n, 1);
	assert_string_equal(kv_get(&f->mp.fields, "a"), "1");
}

static void empty_form(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, CT, "--XyZ--\r\n"), 0);
	assert_int_equal(f->mp.fields.n, 0);
	assert_int_equal(f->mp.nfiles, 0);
}

static void repeated_names_keep_order(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, CT, PART("x", "1") PART("y", "2") PART("x", "3") END), 0);
	assert_int_equal(f->mp.fields.n, 3);
	assert_string_equal(f->mp.fields.items[0].value, "1");
	assert_string_equal(f->mp.fields.items[1].name, "y");
	assert_string_equal(f->mp.fields.items[2].name, "x");
	assert_string_equal(f->mp.fields.items[2].value, "3");
}

/* ---- errors ---- */

static void missing_final_boundary(void **state)
{
	struct fixture *f = *state;

	assert_fails(f, CT, PART("a", "1"), "missing final boundary");
	assert_fails(f, CT, PART("a", "1") "--XyZ", "missing final boundary");
	assert_fails(f, CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1", "missing final boundary");
	assert_fails(f, CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"", "missing final boundary");
	assert_fails(f, CT, "no boundary anywhere", "missing final boundary");
	assert_fails(f, CT, "", "missing final boundary");
	assert_fails(f, CT, "--XyZ", "missing final boundary");
}

static void bad_content_type(void **state)
{
	struct fixture *f = *state;
	static const char body[] = PART("a", "1") END;

	assert_fails(f, "application/x-www-form-urlencoded", body, "not multipart/form-data");
	assert_fails(f, "multipart/mixed; boundary=XyZ", body, "not multipart/form-data");
	assert_fails(f, "multipart/form-data", body, "bad boundary");
	assert_fails(f, "multipart/form-data; boundary=\"\"", body, "bad boundary");
	assert_fails(f, "multipart/form-data; boundary=\"ab \"", body, "bad boundary");
	assert_fails(f, "multipart/form-data; boundary=\"a;b\"", body, "bad boundary");
	assert_fails(f,
		     "multipart/form-data; boundary="
		     "12345678901234567890123456789012345678901234567890123456789012345678901",
		     body, "bad boundary");
	assert_fails(f, "multipart/form-data; boundary=", body, "bad content type");
}

static void seventy_char_boundary_is_fine(void **state)
{
	struct fixture *f = *state;
	static const char b70[] = "1234567890123456789012345678901234567890123456789012345678901234567890";
	char ct[128], body[256];

	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b70);
	snprintf(body, sizeof(body), "--%s\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--%s--", b70, b70);
	assert_int_equal(parse(f, ct, body), 0);
	assert_string_equal(kv_get(&f->mp.fields, "a"), "v");
}

static void bad_part_headers(void **state)
{
	struct fixture *f = *state;

	assert_fails(f, CT, "--XyZ\r\nContent-Disposition form-data\r\n\r\nx\r\n" END, "bad part header");
	assert_fails(f, CT, "--XyZ\r\n: x\r\n\r\nx\r\n" END, "bad part header");
	assert_fails(f, CT, "--XyZ\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nx\r\n" END,
		     "bad part header");
	assert_fails(f, CT, "--XyZ\r\nContent-Disposition : form-data; name=a\r\n\r\nx\r\n" END, "bad part header");
	assert_fails(f, CT, "--XyZ\r\nContent-Disposition: form-data; name=a\nX: y\r\n\r\nx\r\n" END,
		     "bad part header");
	assert_fails(f, CT,
		     "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
		     "Content-Disposition: form-data; name=b\r\n\r\nx\r\n" END,
		     "bad part header");
	assert_fails(f, CT,
		     "--XyZ\r\nContent-Disposition: form-data; name=a; filename=x\r\n"
		     "Content-Type: nonsense\r\n\r\nx\r\n" END,
		     "bad part header");
}

static void part_header_limits(void **state)
{
	struct fixture *f = *state;
	char body[4096];
	size_t k;

	f->lim.max_part_headers = 3;
	assert_int_equal(parse(f, CT,
			       "--XyZ\r\nX-A: 1\r\nX-B: 2\r\n"
			       "Content-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n" END),
			 0);
	assert_fails(f, CT,
		     "--XyZ\r\nX-A: 1\r\nX-B: 2\r\nX-C: 3\r\n"
		     "Content-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n" END,
		     "too many part headers");

	f->lim.max_header_line = 100;
	k = (size_t)snprintf(body, sizeof(body), "--XyZ\r\nX-Long: ");
	memset(body + k, 'v', 100 - 8);
	k += 100 - 8;
	snprintf(body + k, sizeof(body) - k, "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n" END);
	assert_int_equal(parse(f, CT, body), 0); /* exactly 100 bytes */
	k = (size_t)snprintf(body, sizeof(body), "--XyZ\r\nX-Long: ");
	memset(body + k, 'v', 100 - 7);
	k += 100 - 7;
	snprintf(body + k, sizeof(body) - k, "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n" END);
	assert_fails(f, CT, body, "part header too long");
}

static void disposition_errors(void **state)
{
	struct fixture *f = *state;

	assert_fails(f, CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n" END, "missing content-disposition");
	assert_fails(f, CT, "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n" END, "missing part name");
	assert_fails(f, CT, "--XyZ\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n" END,
		     "missing part name");
	assert_fails(f, CT, "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n" END,
		     "bad content disposition");
	assert_fails(f, CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n" END,
		     "bad content disposition");
	assert_fails(f, CT, "--XyZ\r\nContent-Disposition: form-data; name=\"\xC4\"\r\n\r\nx\r\n" END, "invalid UTF-8");
}

static void text_field_content_errors(void **state)
{
	struct fixture *f = *state;
	static const char nul[] = PART("a", "x\0y") END;

	assert_fails(f, CT, PART("a", "\xFF") END, "invalid UTF-8");
	assert_fails(f, CT, PART("a", "ok") PART("b", "\xED\xA0\x80") END, "invalid UTF-8");
	assert_int_equal(parse_n(f, CT, nul, sizeof(nul) - 1), -1);
	assert_string_equal(f->why, "NUL byte");
}

static void text_field_limits(void **state)
{
	struct fixture *f = *state;

	f->lim.fields = (struct parse_limits){2, 3, 4, 100};
	assert_int_equal(parse(f, CT, PART("abc", "1234") PART("b", "") END), 0);
	assert_fails(f, CT, PART("a", "1") PART("b", "2") PART("c", "3") END, "too many fields");
	assert_fails(f, CT, PART("abcd", "1") END, "name too long");
	assert_fails(f, CT, PART("a", "12345") END, "field too long");
	f->lim.fields = (struct parse_limits){10, 3, 4, 10};
	assert_int_equal(parse(f, CT, PART("abc", "12") PART("abc", "12") END), 0);
	assert_fails(f, CT, PART("abc", "12") PART("abc", "123") END, "too large");
}

/* ---- files ---- */

#define FILEPART(name, fname, data)                                                                                    \
	"--XyZ\r\nContent-Disposition: form-data; name=\"" name "\"; filename=\"" fname "\"\r\n\r\n" data "\r\n"

static void file_limits(void **state)
{
	struct fixture *f = *state;

	f->lim.max_files = 2;
	f->lim.max_file_size = 5;
	assert_int_equal(parse(f, CT, FILEPART("a", "1.txt", "12345") FILEPART("b", "2.txt", "") END), 0);
	assert_int_equal(f->mp.nfiles, 2);
	assert_int_equal(f->mp.files[1].size, 0);
	assert_string_equal(f->mp.files[1].data, "");
	assert_fails(f, CT, FILEPART("a", "1", "1") FILEPART("b", "2", "2") FILEPART("c", "3", "3") END,
		     "too many files");
	assert_fails(f, CT, FILEPART("a", "1.txt", "123456") END, "file too large");
}

static void empty_file_input_is_skipped(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, CT,
			       "--XyZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"\"\r\n"
			       "Content-Type: application/octet-stream\r\n\r\n\r\n" END),
			 0);
	assert_int_equal(f->mp.nfiles, 0);
	assert_int_equal(f->mp.fields.n, 0);
	/* A nameless file with bytes is still a file. */
	assert_int_equal(parse(f, CT, FILEPART("doc", "", "data") END), 0);
	assert_int_equal(f->mp.nfiles, 1);
	assert_string_equal(f->mp.files[0].filename, "upload");
}

static void too_many_parts(void **state)
{
	struct fixture *f = *state;

	f->lim.fields.max_fields = 1;
	f->lim.max_files = 1;
	/* Skipped empty file inputs still count as parts. */
	assert_fails(f, CT, FILEPART("a", "", "") FILEPART("b", "", "") FILEPART("c", "", "") END, "too many parts");
	assert_int_equal(parse(f, CT, FILEPART("a", "", "") PART("b", "1") END), 0);
}

static void file_content_type(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    parse(f, CT,
		  FILEPART("a", "a.bin",
			   "x") "--XyZ\r\nContent-Disposition: form-data; name=\"b\"; filename=\"b.png\"\r\n"
				"CONTENT-TYPE: Image/PNG; x=y\r\n\r\npng\r\n" END),
	    0);
	assert_int_equal(f->mp.nfiles, 2);
	assert_string_equal(f->mp.files[0].content_type, "application/octet-stream");
	assert_string_equal(f->mp.files[1].content_type, "image/png");
}

static void binary_file_in_memory(void **state)
{
	struct fixture *f = *state;
	static const char body[] = FILEPART("f", "b.bin", "\0\x01\xFF\r\n\0") END;

	assert_int_equal(parse_n(f, CT, body, sizeof(body) - 1), 0);
	assert_int_equal(f->mp.nfiles, 1);
	assert_int_equal(f->mp.files[0].size, 6);
	assert_memory_equal(f->mp.files[0].data, "\0\x01\xFF\r\n\0", 6);
}

static void filename_paths_are_stripped(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, CT,
			       FILEPART("a", "../../etc/passwd", "1") FILEPART("b", "C:\\path\\x.pdf", "2")
				   FILEPART("c", "..", "3") END),
			 0);
	assert_int_equal(f->mp.nfiles, 3);
	assert_string_equal(f->mp.files[0].filename, "passwd");
	assert_string_equal(f->mp.files[1].filename, "x.pdf");
	assert_string_equal(f->mp.files[2].filename, "upload");
}

static void filename_star_wins(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, CT,
			       "--XyZ\r\nContent-Disposition: form-data; name=\"a\"; "
			       "filename=\"rates.txt\"; filename*=UTF-8''%E2%82%AC%20..%2Frates.txt"
			       "\r\n\r\nx\r\n" END),
			 0);
	assert_string_equal(f->mp.files[0].filename, "rates.txt");
	assert_int_equal(parse(f, CT,
			       "--XyZ\r\nContent-Disposition: form-data; name=\"a\"; "
			       "filename*=utf-8''R%C4%ABga%20%E2%82%AC.pdf\r\n\r\nx\r\n" END),
			 0);
	assert_string_equal(f->mp.files[0].filename, "Rīga €.pdf");
}

static void sanitize_filename_rules(void **state)
{
	struct fixture *f = *state;
	struct arena *a = f->a;
	char longname[400];

	assert_string_equal(multipart_sanitize_filename(a, "report.pdf", 200), "report.pdf");
	assert_string_equal(multipart_sanitize_filename(a, "/abs/dir/", 200), "upload");
	assert_string_equal(multipart_sanitize_filename(a, "", 200), "upload");
	assert_string_equal(multipart_sanitize_filename(a, "C:x.pdf", 200), "x.pdf");
	assert_string_equal(multipart_sanitize_filename(a,
							"a\tb\x01\x7F"
							"c.txt",
							200),
			    "abc.txt");
	/* C1 control U+0085 and the right-to-left override U+202E go. */
	assert_string_equal(multipart_sanitize_filename(a,
							"a\xC2\x85"
							"b\xE2\x80\xAEtxt.exe",
							200),
			    "abtxt.exe");
	assert_string_equal(multipart_sanitize_filename(a, "bad\xFF\xC4.txt", 200), "bad__.txt");
	assert_string_equal(multipart_sanitize_filename(a, "a<b>\"c\"|?*.txt", 200), "a_b__c____.txt");
	assert_string_equal(multipart_sanitize_filename(a, " ..hidden. . ", 200), "hidden");
	assert_string_equal(multipart_sanitize_filename(a, "Līgums €.docx", 200), "Līgums €.docx");

	/* Long names are cut on a character boundary, keeping the extension. */
	memset(longname, 0, sizeof(longname));
	for (size_t i = 0; i < 150; i++)
		memcpy(longname + 2 * i, "\xC4\x81", 2); /* 300 bytes of "ā" */
	memcpy(longname + 300, ".pdf", 4);
	{
		const char *s = multipart_sanitize_filename(a, longname, 41);

		assert_int_equal(strlen(s), 40); /* 36 bytes of "ā" + ".pdf" */
		assert_true(utf8_valid(s, strlen(s)));
		assert_string_equal(s + 36, ".pdf");
		s = multipart_sanitize_filename(a, longname, 200);
		assert_true(strlen(s) <= 200);
		assert_true(utf8_valid(s, strlen(s)));
		assert_string_equal(s + strlen(s) - 4, ".pdf");
		/* A cut that lands after a dot or space does not leave it at the end
		 * (found by fuzz_multipart). */
		s = multipart_sanitize_filename(a, "abcdefghijklmnopqrstuvwxyz01234.Xtoo-long-for-an-extension", 32);
		assert_string_equal(s, "abcdefghijklmnopqrstuvwxyz01234");
		s = multipart_sanitize_filename(a, "abcdefghijklmnopqrstuvwxyz. ...x.pdf", 32);
		assert_string_equal(s, "abcdefghijklmnopqrstuvwxyz.pdf");
	}
}

/* ---- spilling to disk ---- */

static void large_file_spills_to_disk(void **state)
{
	struct fixture *f = *state;
	static const char body[] =
	    FILEPART("small", "s.txt", "0123456789abcdef") FILEPART("big", "b.bin", "0123456789abcdef\0\r\n--Xy") END;
	char buf[64];
	struct stat st;
	FILE *fp;
	size_t n;

	f->lim.spill_threshold = 16;
	assert_int_equal(parse_n(f, CT, body, sizeof(body) - 1), 0);
	assert_int_equal(f->mp.nfiles, 2);
	/* At the threshold: in memory. */
	assert_non_null(f->mp.files[0].data);
	assert_null(f->mp.files[0].path);
	/* Above it: on disk, mode 0600, with the exact bytes. */
	assert_null(f->mp.files[1].data);
	assert_non_null(f->mp.files[1].path);
	assert_int_equal(f->mp.files[1].size, 23);
	assert_int_equal(strncmp(f->mp.files[1].path, f->dir, strlen(f->dir)), 0);
	assert_int_equal(stat(f->mp.files[1].path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 23);
	fp = fopen(f->mp.files[1].path, "rb");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_int_equal(n, 23);
	assert_memory_equal(buf, "0123456789abcdef\0\r\n--Xy", 23);
	assert_int_equal(files_in(f->dir), 1);

	multipart_cleanup(&f->mp);
	assert_int_equal(files_in(f->dir), 0);
	assert_null(f->mp.files[1].path);
	multipart_cleanup(&f->mp); /* twice is fine */
}

static void large_spill_roundtrip(void **state)
{
	struct fixture *f = *state;
	static const char head[] = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big.bin\"\r\n\r\n";
	size_t size = (size_t)600 * 1024, hl = strlen(head), i;
	char *body = malloc(hl + size + 16), *back = malloc(size);
	FILE *fp;

	assert_non_null(body);
	assert_non_null(back);
	memcpy(body, head, hl);
	for (i = 0; i < size; i++)
		body[hl + i] = (char)(i * 7 + i / 251);
	memcpy(body + hl + size, "\r\n--XyZ--\r\n", 11);
	assert_int_equal(parse_n(f, CT, body, hl + size + 11), 0); /* default 256 KiB threshold */
	assert_int_equal(f->mp.files[0].size, size);
	assert_non_null(f->mp.files[0].path);
	fp = fopen(f->mp.files[0].path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(back, 1, size, fp), size);
	fclose(fp);
	assert_memory_equal(back, body + hl, size);
	free(body);
	free(back);
}

static void error_after_spill_removes_temp_files(void **state)
{
	struct fixture *f = *state;

	f->lim.spill_threshold = 2;
	assert_fails(f, CT,
		     FILEPART("a", "a.bin", "spilled one") FILEPART("b", "b.bin", "spilled two") PART("c", "\xFF") END,
		     "invalid UTF-8");
	assert_int_equal(files_in(f->dir), 0);
	assert_fails(f, CT, FILEPART("a", "a.bin", "spilled") PART("c", "x"), "missing final boundary");
	assert_int_equal(files_in(f->dir), 0);
}

static void spill_failure_is_reported(void **state)
{
	struct fixture *f = *state;

	f->lim.spill_threshold = 2;
	f->lim.tmp_dir = "/nonexistent/epak";
	assert_fails(f, CT, FILEPART("a", "a.bin", "spilled") END, "upload write failed");
}

/* Many near-delimiters must not make the scan quadratic or miss bytes. */
static void many_lookalikes_are_data(void **state)
{
	struct fixture *f = *state;
	static const char head[] = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n";
	size_t reps = 200000, hl = strlen(head), i;
	char *body = malloc(hl + reps * 8 + 16);

	assert_non_null(body);
	memcpy(body, head, hl);
	/* "\r\n--XyZ-" then "\r": neither "--" nor CRLF follows, so data. */
	for (i = 0; i < reps; i++)
		memcpy(body + hl + i * 8, "\r\n--XyZ-", 8);
	memcpy(body + hl + reps * 8, "\r\n--XyZ--", 9);
	f->lim.max_file_size = reps * 8;
	assert_int_equal(parse_n(f, CT, body, hl + reps * 8 + 9), 0);
	assert_int_equal(f->mp.files[0].size, reps * 8);
	assert_non_null(f->mp.files[0].path);
	free(body);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(fields_and_a_file),
	    T(rfc7578_example),
	    T(rfc2046_preamble_epilogue_quoted_boundary),
	    T(browser_style_boundary),
	    T(crlf_handling_in_values),
	    T(longer_boundary_lookalike_is_data),
	    T(transport_padding_and_no_final_crlf),
	    T(preamble_starting_with_crlf),
	    T(empty_form),
	    T(repeated_names_keep_order),
	    T(missing_final_boundary),
	    T(bad_content_type),
	    T(seventy_char_boundary_is_fine),
	    T(bad_part_headers),
	    T(part_header_limits),
	    T(disposition_errors),
	    T(text_field_content_errors),
	    T(text_field_limits),
	    T(file_limits),
	    T(empty_file_input_is_skipped),
	    T(too_many_parts),
	    T(file_content_type),
	    T(binary_file_in_memory),
	    T(filename_paths_are_stripped),
	    T(filename_star_wins),
	    T(sanitize_filename_rules),
	    T(large_file_spills_to_disk),
	    T(large_spill_roundtrip),
	    T(error_after_spill_removes_temp_files),
	    T(spill_failure_is_reported),
	    T(many_lookalikes_are_data),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
