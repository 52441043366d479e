/* test_escape.c — HTML and URL escaping, including bytes that are not
 * valid UTF-8 and output past the buffer's cap. */
#include "testutil.h"

#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "tmpl/escape.h"

typedef int (*escaper)(struct buf *, const char *, size_t);

/* The escaped form of n bytes at s, as a NUL-terminated string (static). */
static const char *esc(escaper fn, const char *s, size_t n)
{
	static char out[4096];
	struct buf b = BUF_INIT;

	assert_int_equal(fn(&b, s, n), 0);
	assert_true(buf_ok(&b));
	assert_true(b.len < sizeof(out));
	memcpy(out, b.data ? b.data : "", b.len);
	out[b.len] = '\0';
	buf_free(&b);
	return out;
}

#define ESC(fn, lit) esc(fn, lit, sizeof(lit) - 1)

static void html_escapes_the_five(void **state)
{
	(void)state;
	assert_string_equal(ESC(html_escape, "<a href=\"x\" title='y'>&amp;</a>"),
			    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
	assert_string_equal(ESC(html_escape, "&"), "&amp;");
	assert_string_equal(ESC(html_escape, "a<"), "a&lt;");
	assert_string_equal(ESC(html_escape, ">b"), "&gt;b");
	assert_string_equal(ESC(html_escape, ""), "");
	assert_string_equal(ESC(html_escape, "no markup = here `ok`\t\n"), "no markup = here `ok`\t\n");
}

static void html_keeps_utf8(void **state)
{
	(void)state;
	assert_string_equal(ESC(html_escape, "Ārvalstu pasē — ķēde, ļoti, ņem, žūt <3"),
			    "Ārvalstu pasē — ķēde, ļoti, ņem, žūt &lt;3");
}

static void html_replaces_nul(void **state)
{
	(void)state;
	assert_string_equal(ESC(html_escape, "a\0b"), "a\xEF\xBF\xBD"
						      "b");
	assert_string_equal(ESC(html_escape_attr, "\0"), "\xEF\xBF\xBD");
}

/* Invalid UTF-8 passes through byte for byte, and what follows a broken
 * sequence is still escaped. */
static void html_passes_invalid_utf8(void **state)
{
	(void)state;
	assert_string_equal(ESC(html_escape, "\xE2<script>"), "\xE2&lt;script&gt;");
	assert_string_equal(ESC(html_escape, "\xC0\xBC"
					     "x"),
			    "\xC0\xBC"
			    "x"); /* overlong '<' */
	assert_string_equal(ESC(html_escape, "\xFF\xFE\"\x80"), "\xFF\xFE&quot;\x80");
	assert_string_equal(ESC(html_escape, "end\xC3"), "end\xC3");
}

/* Whatever the bytes, the output holds no < > " ' and every & starts one of
 * our references. */
static void html_never_produces_markup(void **state)
{
	static const char *const refs[] = {"&amp;", "&lt;", "&gt;",  "&quot;", "&#39;", "&#96;",
					   "&#61;", "&#9;", "&#10;", "&#12;",  "&#13;", "&#32;"};
	escaper fns[] = {html_escape, html_escape_attr};
	uint32_t seed = 12345;
	char in[64];
	const char *out;
	size_t i, k, r, f;
	int ok;

	(void)state;
	for (f = 0; f < 2; f++) {
		for (i = 0; i < 2000; i++) {
			for (k = 0; k < sizeof(in); k++) {
				seed = seed * 1103515245u + 12345u;
				in[k] = (char)(seed >> 16);
			}
			out = esc(fns[f], in, sizeof(in));
			for (k = 0; out[k]; k++) {
				assert_true(out[k] != '<' && out[k] != '>' && out[k] != '"' && out[k] != '\'');
				if (out[k] != '&')
					continue;
				ok = 0;
				for (r = 0; r < sizeof(refs) / sizeof(refs[0]); r++)
					ok |= !strncmp(out + k, refs[r], strlen(refs[r]));
				assert_true(ok);
			}
		}
	}
}

static void attr_escapes_more(void **state)
{
	(void)state;
	assert_string_equal(ESC(html_escape_attr, "a b=`c`\t\n\r\f'\"<>&"),
			    "a&#32;b&#61;&#96;c&#96;&#9;&#10;&#13;&#12;&#39;&quot;&lt;&gt;&amp;");
	assert_string_equal(ESC(html_escape_attr, "Rīga"), "Rīga");
}

static void url_encodes_components(void **state)
{
	(void)state;
	assert_string_equal(ESC(url_escape, "AZaz09-._~"), "AZaz09-._~");
	assert_string_equal(ESC(url_escape, "a b/c?d=e&f#g+h%"), "a%20b%2Fc%3Fd%3De%26f%23g%2Bh%25");
	assert_string_equal(ESC(url_escape, "dzīvesvieta"), "dz%C4%ABvesvieta");
	assert_string_equal(ESC(url_escape, "<\"'>"), "%3C%22%27%3E");
	assert_string_equal(ESC(url_escape, "\0\xFF"), "%00%FF");
	assert_string_equal(ESC(url_escape, ""), "");
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
}

/* Every byte value encodes to itself or %XX, and decodes back. */
static void url_round_trips_every_byte(void **state)
{
	char in[256], back[256];
	const char *out;
	size_t i, o = 0;

	(void)state;
	for (i = 0; i < 256; i++)
		in[i] = (char)i;
	out = esc(url_escape, in, sizeof(in));
	for (i = 0; out[i]; i++) {
		if (out[i] == '%') {
			assert_true(strchr("0123456789ABCDEF", out[i + 1]) && out[i + 1]);
			assert_true(strchr("0123456789ABCDEF", out[i + 2]) && out[i + 2]);
			back[o++] = (char)(hexval(out[i + 1]) * 16 + hexval(out[i + 2]));
			i += 2;
		} else {
			assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					   "0123456789-._~",
					   out[i]) != NULL);
			back[o++] = out[i];
		}
	}
	assert_int_equal(o, 256);
	assert_memory_equal(back, in, 256);
}

/* Escaping into a small array never splits a reference and resumes where
 * it stopped. */
static void html_escapes_into_memory(void **state)
{
	static const char in[] = "a<b>\"c'&\0d";
	char dst[8], all[128];
	size_t cap, used, k, off, o;

	(void)state;
	for (cap = 6; cap <= sizeof(dst); cap++) {
		off = o = 0;
		while (off < sizeof(in) - 1) {
			k = html_escape_to(dst, cap, in + off, sizeof(in) - 1 - off, &used);
			assert_true(k > 0);
			assert_true(used <= cap);
			memcpy(all + o, dst, used);
			o += used;
			off += k;
		}
		all[o] = '\0';
		assert_string_equal(all, "a&lt;b&gt;&quot;c&#39;&amp;\xEF\xBF\xBD"
					 "d");
	}
	assert_int_equal(html_escape_to(dst, 4, "&", 1, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(html_escape_to(dst, 5, "&", 1, &used), 1);
	assert_int_equal(used, 5);
	assert_int_equal(html_escape_to(dst, 0, "ab", 2, &used), 0);
	assert_int_equal(used, 0);
}

static void stops_at_the_cap(void **state)
{
	escaper fns[] = {html_escape, html_escape_attr, url_escape};
	struct buf b;
	size_t f;

	(void)state;
	for (f = 0; f < 3; f++) {
		buf_init(&b, 8);
		assert_int_equal(fns[f](&b, "<<<", 3), -1);
		assert_false(buf_ok(&b));
		assert_true(b.len <= 8);
		buf_free(&b);
		buf_init(&b, 8);
		assert_int_equal(fns[f](&b, "abcdefgh", 8), 0);
		assert_int_equal(fns[f](&b, "i", 1), -1);
		assert_false(buf_ok(&b));
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(html_escapes_the_five),      cmocka_unit_test(html_keeps_utf8),
	    cmocka_unit_test(html_replaces_nul),          cmocka_unit_test(html_passes_invalid_utf8),
	    cmocka_unit_test(html_never_produces_markup), cmocka_unit_test(attr_escapes_more),
	    cmocka_unit_test(url_encodes_components),     cmocka_unit_test(url_round_trips_every_byte),
	    cmocka_unit_test(html_escapes_into_memory),   cmocka_unit_test(stops_at_the_cap),
	};
	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
