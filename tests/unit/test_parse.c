/* test_parse.c — percent-decoding, query strings and forms, cookies, header
 * parameters (src/http/parse.c). */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "http/parse.h"

static int setup(void **state)
{
	*state = arena_new(0);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	arena_free(*state);
	return 0;
}

/* Decodes s (a C string) and returns the result, or NULL with *why set. */
static const char *dec(struct arena *a, const char *s, unsigned flags, const char **why)
{
	const char *out = NULL;
	size_t n = 0;

	*why = NULL;
	if (pct_decode(a, s, strlen(s), flags, &out, &n, why) != 0)
		return NULL;
	assert_int_equal(n, strlen(out));
	return out;
}

static int form(struct arena *a, const char *s, const struct parse_limits *lim, struct kvlist *out, const char **why)
{
	*why = NULL;
	return parse_urlencoded(a, s, strlen(s), lim, out, why);
}

static int cookies(struct arena *a, const char *s, const struct parse_limits *lim, struct kvlist *out, const char **why)
{
	*why = NULL;
	return parse_cookies(a, s, strlen(s), lim, out, why);
}

static void assert_kv(const struct kvlist *l, size_t i, const char *name, const char *value)
{
	assert_true(i < l->n);
	assert_string_equal(l->items[i].name, name);
	assert_string_equal(l->items[i].value, value);
	assert_int_equal(l->items[i].value_len, strlen(value));
}

/* ---- percent-decoding ---- */

static void pct_decodes_escapes(void **state)
{
	const char *why;

	assert_string_equal(dec(*state, "a%20b%2Fc", 0, &why), "a b/c");
	assert_string_equal(dec(*state, "%e2%82%ac%E2%82%AC", 0, &why), "€€");
	assert_string_equal(dec(*state, "", 0, &why), "");
	assert_string_equal(dec(*state, "R%C4%ABga", 0, &why), "Rīga");
	assert_string_equal(dec(*state, "100%25", 0, &why), "100%");
}

static void pct_plus_is_space_only_in_forms(void **state)
{
	const char *why;

	assert_string_equal(dec(*state, "a+b%2B", PCT_PLUS_SPACE, &why), "a b+");
	assert_string_equal(dec(*state, "a+b%2B", 0, &why), "a+b+");
}

static void pct_rejects_bad_escapes(void **state)
{
	static const char *const bad[] = {"%", "%2", "abc%", "%zz", "%2g", "%g2", "a%%20", "% 20"};
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(dec(*state, bad[i], 0, &why));
		assert_string_equal(why, "bad percent-escape");
	}
}

static void pct_rejects_nul(void **state)
{
	const char *out, *why = NULL;

	assert_null(dec(*state, "a%00b", 0, &why));
	assert_string_equal(why, "NUL byte");
	/* A raw NUL inside the given length is refused too. */
	assert_int_equal(pct_decode(*state, "a\0b", 3, 0, &out, NULL, &why), -1);
	assert_string_equal(why, "NUL byte");
}

static void pct_rejects_invalid_utf8(void **state)
{
	static const char *const bad[] = {
	    "%C3",          /* truncated */
	    "%C3%28",       /* bad continuation */
	    "%C0%AF",       /* overlong '/' */
	    "%E0%80%AF",    /* overlong, 3 bytes */
	    "%ED%A0%80",    /* surrogate U+D800 */
	    "%F4%90%80%80", /* past U+10FFFF */
	    "%FF",          /* never valid */
	    "%80",          /* lone continuation */
	    "\xC4",         /* raw, not escaped */
	};
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(dec(*state, bad[i], 0, &why));
		assert_string_equal(why, "invalid UTF-8");
	}
}

static void utf8_validator_boundaries(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("\x7F", 1));
	assert_true(utf8_valid("\xC2\x80", 2));          /* U+0080 */
	assert_true(utf8_valid("\xEF\xBF\xBF", 3));      /* U+FFFF */
	assert_true(utf8_valid("\xF0\x9F\x98\x80", 4));  /* U+1F600 */
	assert_true(utf8_valid("\xF4\x8F\xBF\xBF", 4));  /* U+10FFFF */
	assert_true(utf8_valid("\xED\x9F\xBF", 3));      /* U+D7FF */
	assert_false(utf8_valid("\xC1\xBF", 2));         /* overlong */
	assert_false(utf8_valid("\xF0\x8F\xBF\xBF", 4)); /* overlong */
	assert_false(utf8_valid("\xF0\x9F\x98", 3));     /* truncated */
	assert_false(utf8_valid("\xF5\x80\x80\x80", 4));
	assert_false(utf8_valid("a\xE2\x82", 3));
}

/* ---- query strings and form bodies ---- */

static void form_parses_pairs_in_order(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "a=1&b=2&c=three", NULL, &l, &why), 0);
	assert_int_equal(l.n, 3);
	assert_kv(&l, 0, "a", "1");
	assert_kv(&l, 1, "b", "2");
	assert_kv(&l, 2, "c", "three");
	assert_string_equal(kv_get(&l, "b"), "2");
	assert_null(kv_get(&l, "d"));
}

static void form_decodes_names_and_values(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "q=R%C4%ABga+centrs&v%C4%81rds=J%C4%81nis%2BAnna", NULL, &l, &why), 0);
	assert_int_equal(l.n, 2);
	assert_kv(&l, 0, "q", "Rīga centrs");
	assert_kv(&l, 1, "vārds", "Jānis+Anna");
	/* Raw UTF-8 (curl, not a browser) is accepted when valid. */
	assert_int_equal(form(*state, "q=Cēsis", NULL, &l, &why), 0);
	assert_kv(&l, 0, "q", "Cēsis");
}

static void form_empty_input_has_no_fields(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "", NULL, &l, &why), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(parse_urlencoded(*state, NULL, 0, NULL, &l, &why), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(form(*state, "&&&", NULL, &l, &why), 0);
	assert_int_equal(l.n, 0);
}

static void form_odd_but_valid(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "a&&b", NULL, &l, &why), 0);
	assert_int_equal(l.n, 2);
	assert_kv(&l, 0, "a", "");
	assert_kv(&l, 1, "b", "");

	assert_int_equal(form(*state, "=x&a=&b==c&&", NULL, &l, &why), 0);
	assert_int_equal(l.n, 3);
	assert_kv(&l, 0, "", "x");
	assert_kv(&l, 1, "a", "");
	assert_kv(&l, 2, "b", "=c");
	assert_string_equal(kv_get(&l, ""), "x");
}

static void form_repeated_names_keep_order(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "x=1&y=2&x=3&x=4", NULL, &l, &why), 0);
	assert_int_equal(l.n, 4);
	assert_kv(&l, 0, "x", "1");
	assert_kv(&l, 2, "x", "3");
	assert_kv(&l, 3, "x", "4");
	assert_string_equal(kv_get(&l, "x"), "1");
}

static void form_semicolon_is_not_a_separator(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "a=1;b=2", NULL, &l, &why), 0);
	assert_int_equal(l.n, 1);
	assert_kv(&l, 0, "a", "1;b=2");
}

static void form_many_fields_grow_the_list(void **state)
{
	char s[2000];
	struct kvlist l;
	const char *why;
	size_t i, k = 0;

	for (i = 0; i < 200; i++)
		k += (size_t)snprintf(s + k, sizeof(s) - k, "%s%zu=%zu", i ? "&" : "", i % 10, i);
	assert_int_equal(form(*state, s, NULL, &l, &why), 0);
	assert_int_equal(l.n, 200);
	assert_kv(&l, 0, "0", "0");
	assert_kv(&l, 199, "9", "199");
	assert_kv(&l, 77, "7", "77");
}

static void form_errors_carry_reasons(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "a=1&b%zz=2", NULL, &l, &why), -1);
	assert_string_equal(why, "bad percent-escape");
	assert_int_equal(form(*state, "a=1&b=%4", NULL, &l, &why), -1);
	assert_string_equal(why, "bad percent-escape");
	assert_int_equal(form(*state, "a=%FF", NULL, &l, &why), -1);
	assert_string_equal(why, "invalid UTF-8");
	assert_int_equal(form(*state, "a%00b=1", NULL, &l, &why), -1);
	assert_string_equal(why, "NUL byte");
	assert_int_equal(form(*state, "a=x%00", NULL, &l, &why), -1);
	assert_string_equal(why, "NUL byte");
}

static void form_limit_fields(void **state)
{
	const struct parse_limits lim = {3, 16, 16, 1024};
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "a=1&b=2&c=3", &lim, &l, &why), 0);
	assert_int_equal(l.n, 3);
	/* Empty pairs do not count. */
	assert_int_equal(form(*state, "a=1&&b=2&&&c=3&", &lim, &l, &why), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(form(*state, "a=1&b=2&c=3&d", &lim, &l, &why), -1);
	assert_string_equal(why, "too many fields");
}

static void form_limit_name_length(void **state)
{
	const struct parse_limits lim = {10, 4, 100, 1024};
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "abcd=1", &lim, &l, &why), 0);
	/* The decoded length counts: %C4%81 is two bytes. */
	assert_int_equal(form(*state, "ab%C4%81=1", &lim, &l, &why), 0);
	assert_int_equal(form(*state, "abcde=1", &lim, &l, &why), -1);
	assert_string_equal(why, "name too long");
	assert_int_equal(form(*state, "abcde", &lim, &l, &why), -1);
	assert_string_equal(why, "name too long");
}

static void form_limit_value_length(void **state)
{
	const struct parse_limits lim = {10, 10, 5, 1024};
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "a=12345", &lim, &l, &why), 0);
	assert_int_equal(form(*state, "a=%41%42%43%44%45", &lim, &l, &why), 0);
	assert_kv(&l, 0, "a", "ABCDE");
	assert_int_equal(form(*state, "a=123456", &lim, &l, &why), -1);
	assert_string_equal(why, "field too long");
	assert_int_equal(l.n, 0);
}

static void form_limit_total(void **state)
{
	const struct parse_limits lim = {10, 10, 10, 7};
	struct kvlist l;
	const char *why;

	assert_int_equal(form(*state, "a=1&b=2", &lim, &l, &why), 0);
	assert_int_equal(form(*state, "a=1&b=22", &lim, &l, &why), -1);
	assert_string_equal(why, "too large");
}

static void form_default_limits(void **state)
{
	static char s[1024 * 4 + 8];
	struct kvlist l;
	const char *why;
	size_t i;

	for (i = 0; i < 1024; i++)
		memcpy(s + i * 4, "a=1&", 4);
	s[1024 * 4] = '\0';
	assert_int_equal(form(*state, s, NULL, &l, &why), 0);
	assert_int_equal(l.n, 1024);
	memcpy(s + 1024 * 4, "b=2", 4);
	assert_int_equal(form(*state, s, NULL, &l, &why), -1);
	assert_string_equal(why, "too many fields");
	assert_int_equal(parse_limits_form.max_fields, 1024);
}

static void form_out_of_memory_is_an_error(void **state)
{
	struct arena *small = arena_new(16 * 1024);
	static char s[40000];
	struct kvlist l;
	const char *why;

	(void)state;
	memset(s, 'x', sizeof(s) - 1);
	s[0] = 'a';
	s[1] = '=';
	assert_int_equal(form(small, s, NULL, &l, &why), -1);
	assert_string_equal(why, "out of memory");
	arena_free(small);
}

/* ---- cookies ---- */

static void cookies_basic_and_quoted(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(cookies(*state, "SID=31d4d96e407aad42; lang=en-US", NULL, &l, &why), 0);
	assert_int_equal(l.n, 2);
	assert_kv(&l, 0, "SID", "31d4d96e407aad42");
	assert_kv(&l, 1, "lang", "en-US");
	assert_int_equal(cookies(*state, "name=value; name2=\"quoted\"", NULL, &l, &why), 0);
	assert_kv(&l, 1, "name2", "quoted");
	assert_int_equal(cookies(*state, "e=\"\"", NULL, &l, &why), 0);
	assert_kv(&l, 0, "e", "");
}

static void cookies_tolerate_whitespace(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(cookies(*state, "  a = 1 ;b=2;\t;  c=3  ;", NULL, &l, &why), 0);
	assert_int_equal(l.n, 3);
	assert_kv(&l, 0, "a", "1");
	assert_kv(&l, 1, "b", "2");
	assert_kv(&l, 2, "c", "3");
}

static void cookies_skip_invalid_pairs(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(cookies(*state,
				 "noeq; =v; a b=1; c=x y; d=\"open; e=ok; f=\xC4\x81; g=a\\b; "
				 "h(x)=1; i=\"a\"b\"; j=a,b; k=v",
				 NULL, &l, &why),
			 0);
	assert_int_equal(l.n, 2);
	assert_kv(&l, 0, "e", "ok");
	assert_kv(&l, 1, "k", "v");
}

static void cookies_odd_but_valid(void **state)
{
	struct kvlist l;
	const char *why;

	assert_int_equal(cookies(*state, "a=; b=c=d; a=2; p=%41", NULL, &l, &why), 0);
	assert_int_equal(l.n, 4);
	assert_kv(&l, 0, "a", "");
	assert_kv(&l, 1, "b", "c=d");
	assert_kv(&l, 2, "a", "2");
	assert_kv(&l, 3, "p", "%41"); /* cookies are not percent-decoded */
	assert_string_equal(kv_get(&l, "a"), "");
	assert_int_equal(cookies(*state, "", NULL, &l, &why), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(cookies(*state, ";;; ;", NULL, &l, &why), 0);
	assert_int_equal(l.n, 0);
}

static void cookies_limits(void **state)
{
	const struct parse_limits lim = {2, 3, 4, 40};
	struct kvlist l;
	const char *why;

	/* Skipped pairs do not count against max_fields. */
	assert_int_equal(cookies(*state, "a=1; bad pair; b=2", &lim, &l, &why), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(cookies(*state, "a=1; b=2; c=3", &lim, &l, &why), -1);
	assert_string_equal(why, "too many fields");
	assert_int_equal(cookies(*state, "abc=1", &lim, &l, &why), 0);
	assert_int_equal(cookies(*state, "abcd=1", &lim, &l, &why), -1);
	assert_string_equal(why, "name too long");
	assert_int_equal(cookies(*state, "a=\"1234\"", &lim, &l, &why), 0);
	assert_int_equal(cookies(*state, "a=12345", &lim, &l, &why), -1);
	assert_string_equal(why, "field too long");
	assert_int_equal(cookies(*state, "a=1;                                      ", &lim, &l, &why), -1);
	assert_string_equal(why, "too large");
	assert_int_equal(parse_limits_cookie.max_value, 4096);
}

static void cookies_default_limits(void **state)
{
	static char s[5000];
	struct kvlist l;
	const char *why;

	/* NULL limits for cookies: 4 KiB values, 16 KiB header. */
	memset(s, 'v', sizeof(s) - 1);
	memcpy(s, "a=", 2);
	s[4098] = '\0';
	assert_int_equal(cookies(*state, s, NULL, &l, &why), 0);
	assert_int_equal(l.items[0].value_len, 4096);
	s[4098] = 'v';
	assert_int_equal(cookies(*state, s, NULL, &l, &why), -1);
	assert_string_equal(why, "field too long");
}

/* ---- Content-Type and Content-Disposition ---- */

static void content_type_basic(void **state)
{
	static const char ct[] = "Text/HTML; Charset=\"UTF-8\"";
	struct kvlist p;
	const char *mime, *why = NULL;

	assert_int_equal(parse_content_type(*state, ct, strlen(ct), &mime, &p, &why), 0);
	assert_string_equal(mime, "text/html");
	assert_int_equal(p.n, 1);
	assert_kv(&p, 0, "charset", "UTF-8");
	assert_int_equal(parse_content_type(*state, "application/json", 16, &mime, NULL, &why), 0);
	assert_string_equal(mime, "application/json");
}

/* RFC 9110 section 8.3.1: these four are equivalent. */
static void content_type_rfc9110_examples(void **state)
{
	static const char *const ex[] = {
	    "text/html;charset=utf-8",
	    "text/html;charset=UTF-8",
	    "Text/HTML;Charset=\"utf-8\"",
	    "text/html; charset=\"utf-8\"",
	};
	struct kvlist p;
	const char *mime, *why;
	size_t i;

	for (i = 0; i < 4; i++) {
		assert_int_equal(parse_content_type(*state, ex[i], strlen(ex[i]), &mime, &p, &why), 0);
		assert_string_equal(mime, "text/html");
		assert_int_equal(strcasecmp(kv_get(&p, "charset"), "utf-8"), 0);
	}
}

static void content_type_boundary_keeps_case_and_unescapes(void **state)
{
	static const char ct[] = " multipart/form-data ; charset=utf-8;BOUNDARY=\"a b\\\"c\\\\d\\x\" ;; ";
	struct kvlist p;
	const char *mime, *why;

	assert_int_equal(parse_content_type(*state, ct, strlen(ct), &mime, &p, &why), 0);
	assert_string_equal(mime, "multipart/form-data");
	assert_int_equal(p.n, 2);
	assert_string_equal(kv_get(&p, "boundary"), "a b\"c\\dx");
}

static void content_type_errors(void **state)
{
	static const char *const bad[] = {
	    "",
	    "text",
	    "text/",
	    "/html",
	    "text /html",
	    "text/html x",
	    "text/html; charset",
	    "text/html; charset=",
	    "text/html; charset =utf-8",
	    "text/html; charset=\"utf-8",
	    "text/html; a=\"\x01\"",
	    "text/html; a=b c",
	    "text/html; a=\"b\\",
	    "text/ht\x01ml",
	};
	struct kvlist p;
	const char *mime, *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(parse_content_type(*state, bad[i], strlen(bad[i]), &mime, &p, &why), -1);
		assert_string_equal(why, "bad content type");
	}
}

static void disposition_keeps_windows_backslashes(void **state)
{
	static const char cd[] = "form-data; name=\"f\"; filename=\"C:\\path\\x.pdf\"";
	static const char cd2[] = "Form-Data; name=\"a\\\"b\"; filename=\"x\\\\y\"";
	struct kvlist p;
	const char *type, *why;

	assert_int_equal(parse_content_disposition(*state, cd, strlen(cd), &type, &p, &why), 0);
	assert_string_equal(type, "form-data");
	assert_string_equal(kv_get(&p, "name"), "f");
	assert_string_equal(kv_get(&p, "filename"), "C:\\path\\x.pdf");
	assert_int_equal(parse_content_disposition(*state, cd2, strlen(cd2), &type, &p, &why), 0);
	assert_string_equal(type, "form-data");
	assert_string_equal(kv_get(&p, "name"), "a\"b");
	assert_string_equal(kv_get(&p, "filename"), "x\\y");
}

static void disposition_ext_filename(void **state)
{
	static const char utf[] = "form-data; name=\"f\"; filename=\"EURO rates.txt\"; "
				  "filename*=UTF-8''%e2%82%ac%20rates.txt";
	static const char latin[] = "form-data; name=f; filename*=iso-8859-1'en'%A3%20rates";
	static const char badutf[] = "form-data; name=f; filename=\"x\"; filename*=UTF-8''%FF";
	static const char nul[] = "form-data; name=f; filename*=UTF-8''a%00b";
	static const char other[] = "form-data; name=f; filename*=KOI8-R''%C1";
	static const char noquote[] = "form-data; name=f; filename*=UTF-8%C1";
	struct kvlist p;
	const char *type, *why;

	assert_int_equal(parse_content_disposition(*state, utf, strlen(utf), &type, &p, &why), 0);
	assert_string_equal(kv_get(&p, "filename*"), "€ rates.txt");
	assert_string_equal(kv_get(&p, "filename"), "EURO rates.txt");
	assert_int_equal(parse_content_disposition(*state, latin, strlen(latin), &type, &p, &why), 0);
	assert_string_equal(kv_get(&p, "filename*"), "£ rates");
	assert_string_equal(kv_get(&p, "name"), "f");
	/* Undecodable filename* is dropped; filename stays. */
	assert_int_equal(parse_content_disposition(*state, badutf, strlen(badutf), &type, &p, &why), 0);
	assert_null(kv_get(&p, "filename*"));
	assert_string_equal(kv_get(&p, "filename"), "x");
	assert_int_equal(parse_content_disposition(*state, nul, strlen(nul), &type, &p, &why), 0);
	assert_null(kv_get(&p, "filename*"));
	assert_int_equal(parse_content_disposition(*state, other, strlen(other), &type, &p, &why), 0);
	assert_null(kv_get(&p, "filename*"));
	assert_int_equal(parse_content_disposition(*state, noquote, strlen(noquote), &type, &p, &why), 0);
	assert_null(kv_get(&p, "filename*"));
	assert_int_equal(p.n, 1);
}

static void disposition_errors(void **state)
{
	static const char *const bad[] = {
	    "",
	    "; name=x",
	    "form-data name=x",
	    "form-data; name=",
	    "form-data; name=\"x",
	    "form-data; filename=my file.pdf",
	    "form-data; name=\"a\nb\"",
	};
	struct kvlist p;
	const char *type, *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(parse_content_disposition(*state, bad[i], strlen(bad[i]), &type, &p, &why), -1);
		assert_string_equal(why, "bad content disposition");
	}
}

/* Request heads whose body length two parsers could read differently. */
static void framing_ambiguity(void **state)
{
	static const struct {
		const char *head;
		int ambiguous;
	} cases[] = {
	    {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0},
	    {"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 0},
	    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0},
	    {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 1},
	    {"POST / HTTP/1.1\r\ncontent-length: 5\r\nCONTENT-LENGTH:6\r\n\r\n", 1},
	    {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length:  5 \r\n\r\n", 0}, /* one value twice */
	    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 1},
	    {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 1},
	    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 1},
	    {"POST / HTTP/1.1\nContent-Length: 1\nContent-Length: 2\n\n", 1}, /* bare LF lines */
	    /* obs-fold: a folded Transfer-Encoding is hidden from the name check */
	    {"POST / HTTP/1.1\r\nContent-Length: 3\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n", 1},
	    {"GET / HTTP/1.1\r\nX: y\r\n\tz\r\n\r\n", 1},
	    /* what follows the head is the body, not headers */
	    {"POST / HTTP/1.1\r\nContent-Length: 40\r\n\r\nContent-Length: 1\r\nTransfer-Encoding: x\r\n", 0},
	    {"POST / HTTP/1.1\r\nX-Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 0},
	    {"", 0},
	    {"GET / HTTP/1.1", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (http1_framing_ambiguous(cases[i].head, strlen(cases[i].head)) != cases[i].ambiguous)
			fail_msg("case %zu: %s", i, cases[i].head);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(pct_decodes_escapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(pct_plus_is_space_only_in_forms, setup, teardown),
	    cmocka_unit_test_setup_teardown(pct_rejects_bad_escapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(pct_rejects_nul, setup, teardown),
	    cmocka_unit_test_setup_teardown(pct_rejects_invalid_utf8, setup, teardown),
	    cmocka_unit_test(utf8_validator_boundaries),
	    cmocka_unit_test_setup_teardown(form_parses_pairs_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_decodes_names_and_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_empty_input_has_no_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_odd_but_valid, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_repeated_names_keep_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_semicolon_is_not_a_separator, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_many_fields_grow_the_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_errors_carry_reasons, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_limit_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_limit_name_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_limit_value_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_limit_total, setup, teardown),
	    cmocka_unit_test_setup_teardown(form_default_limits, setup, teardown),
	    cmocka_unit_test(form_out_of_memory_is_an_error),
	    cmocka_unit_test_setup_teardown(cookies_basic_and_quoted, setup, teardown),
	    cmocka_unit_test_setup_teardown(cookies_tolerate_whitespace, setup, teardown),
	    cmocka_unit_test_setup_teardown(cookies_skip_invalid_pairs, setup, teardown),
	    cmocka_unit_test_setup_teardown(cookies_odd_but_valid, setup, teardown),
	    cmocka_unit_test_setup_teardown(cookies_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(cookies_default_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(content_type_basic, setup, teardown),
	    cmocka_unit_test_setup_teardown(content_type_rfc9110_examples, setup, teardown),
	    cmocka_unit_test_setup_teardown(content_type_boundary_keeps_case_and_unescapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(content_type_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(disposition_keeps_windows_backslashes, setup, teardown),
	    cmocka_unit_test_setup_teardown(disposition_ext_filename, setup, teardown),
	    cmocka_unit_test_setup_teardown(disposition_errors, setup, teardown),
	    cmocka_unit_test(framing_ambiguity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
