/* test_markdown.c — the Markdown renderer: what editors write becomes the
 * HTML people expect, and no payload carries script or event attributes. */
#include "testutil.h"

#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "md_check.h"
#include "tmpl/markdown.h"

static char *html_of(const char *md, int shift)
{
	struct buf b = BUF_INIT;

	assert_int_equal(md_to_html(&b, md, strlen(md), shift), 0);
	return b.data ? b.data : strdup("");
}

static void renders_commonmark(void **state)
{
	char *h = html_of(
	    "# Virsraksts\n\nTeksts ar **treknu** un [saiti](https://latvija.gov.lv/).\n\n- viens\n- divi\n", 1);

	(void)state;
	assert_non_null(strstr(h, "<h2>Virsraksts</h2>"));
	assert_non_null(strstr(h, "<strong>treknu</strong>"));
	assert_non_null(strstr(h, "<a href=\"https://latvija.gov.lv/\">saiti</a>"));
	assert_non_null(strstr(h, "<li>divi</li>"));
	assert_null(md_check_html(h, strlen(h)));
	free(h);
}

static void headings_stop_at_h6(void **state)
{
	char *h = html_of("###### six\n", 3);

	(void)state;
	assert_non_null(strstr(h, "<h6>six</h6>"));
	free(h);
}

/* Payloads from the XSS cheat sheets that people paste into Markdown
 * editors: raw tags, event attributes, script URLs in links, images and
 * reference definitions, entity-encoded and mixed-case schemes, broken
 * nesting, and attribute breakouts through link titles. */
static void payloads_stay_text(void **state)
{
	static const char *const payloads[] = {
	    "<script>alert(1)</script>",
	    "<img src=x onerror=alert(1)>",
	    "<svg onload=alert(1)>",
	    "<a href=\"javascript:alert(1)\">x</a>",
	    "[x](javascript:alert(1))",
	    "[x](JaVaScRiPt:alert(1))",
	    "[x](  javascript:alert(1))",
	    "[x](&#106;avascript:alert(1))",
	    "[x](java\tscript:alert(1))",
	    "[x](vbscript:msgbox(1))",
	    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	    "![x](javascript:alert(1))",
	    "![x\" onerror=\"alert(1)](https://a.lv/x.png)",
	    "[x](https://a.lv/ \"t\\\" onmouseover=\\\"alert(1)\")",
	    "[x][r]\n\n[r]: javascript:alert(1)",
	    "<javascript:alert(1)>",
	    "<iframe src=\"https://evil.example\"></iframe>",
	    "<div\nonclick=alert(1)>x</div>",
	    "<details open ontoggle=alert(1)>",
	    "`<script>`\n\n```\n<script>alert(1)</script>\n```",
	    "<style>*{display:none}</style>",
	    "<!-- --><script>alert(1)</script>",
	    "[<img src=x onerror=alert(1)>](https://a.lv)",
	    "<a href=\"https://a.lv\" onclick=\"alert(1)\">x</a>",
	    "\"><script>alert(1)</script>",
	    "[x](file:///etc/passwd)",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		char *h = html_of(payloads[i], 1);
		const char *why = md_check_html(h, strlen(h));

		if (why)
			fail_msg("payload %zu %s: %s -> %s", i, payloads[i], why, h);
		assert_null(strstr(h, "<script"));
		assert_null(strstr(h, "<svg"));
		assert_null(strstr(h, "<iframe"));
		free(h);
	}
}

static void text_keeps_words_and_urls(void **state)
{
	struct buf b = BUF_INIT;
	const char *md = "## Sveiki\n\nLasiet [portālu](https://latvija.gov.lv/) šodien.\n\n- viens\n- divi\n";

	(void)state;
	assert_int_equal(md_to_text(&b, md, strlen(md), 1), 0);
	assert_string_equal(b.data, "Sveiki\n\nLasiet portālu <https://latvija.gov.lv/> šodien.\n\n- viens\n- divi\n");
	buf_reset(&b);
	assert_int_equal(md_to_text(&b, "<b>x</b> y", 10, 0), 0);
	assert_null(strstr(b.data, "<b>"));
	buf_free(&b);
}

static void refuses_past_the_cap(void **state)
{
	struct buf b = BUF_INIT;
	char *big = malloc(MD_MAX_BYTES + 1);

	(void)state;
	memset(big, 'a', MD_MAX_BYTES + 1);
	assert_int_equal(md_to_html(&b, big, MD_MAX_BYTES + 1, 0), -1);
	assert_int_equal(md_to_text(&b, big, MD_MAX_BYTES + 1, 0), -1);
	assert_int_equal(md_to_html(&b, big, MD_MAX_BYTES, 0), 0);
	free(big);
	buf_free(&b);
}

/* Character references that decode to what XML 1.0 and jansson refuse:
 * libcmark writes U+0001 raw and U+FFFE as a lone byte 0xFE. The output is
 * well-formed UTF-8 with no C0 control but tab and line ends, so an Atom
 * feed stays parseable and a page's text is not dropped. */
static void entities_give_xml_characters(void **state)
{
	static const char md[] = "a&#1;b&#xFFFE;c&#xFFFF;d&#x1b;e&#0;f `&#1;` [l](https://x.lv/&#1;)\n\n"
				 "    code \x01 block\n";
	struct buf b = BUF_INIT;
	int pass;

	(void)state;
	for (pass = 0; pass < 3; pass++) {
		buf_reset(&b);
		if (pass == 0)
			assert_int_equal(md_to_html(&b, md, strlen(md), 0), 0);
		else
			assert_int_equal(md_to_text(&b, md, strlen(md), pass == 2), 0);
		assert_true(utf8_valid(b.data, b.len));
		for (size_t i = 0; i < b.len; i++) {
			unsigned char c = (unsigned char)b.data[i];

			assert_true(c >= 0x20 || c == '\t' || c == '\n' || c == '\r');
		}
		assert_null(strstr(b.data, "\xEF\xBF\xBE"));
		assert_null(strstr(b.data, "\xEF\xBF\xBF"));
		assert_non_null(strstr(b.data, "a\xEF\xBF\xBD"));
	}
	buf_free(&b);
}

/* Nesting is what multiplies markup: 16 000 '>' gave 432 kB of HTML.
 * Past MD_MAX_DEPTH (16) block quotes and lists give up their wrapper,
 * and what they hold is kept. Shallow nesting is untouched. */
static void deep_nesting_is_flattened(void **state)
{
	static const char *const openers[] = {">", "* ", "1. ", "> * ", "- > "};
	struct buf b = BUF_INIT, md = BUF_INIT;
	size_t k, i;

	(void)state;
	for (k = 0; k < sizeof(openers) / sizeof(openers[0]); k++) {
		buf_reset(&md);
		for (i = 0; i < 16000 / strlen(openers[k]); i++)
			buf_puts(&md, openers[k]);
		buf_puts(&md, "teksts\n");
		buf_reset(&b);
		assert_int_equal(md_to_html(&b, md.data, md.len, 0), 0);
		assert_true(b.len < 4096);
		assert_non_null(strstr(b.data, "teksts"));
		assert_null(md_check_html(b.data, b.len));
		buf_reset(&b);
		assert_int_equal(md_to_text(&b, md.data, md.len, 0), 0);
		assert_non_null(strstr(b.data, "teksts"));
	}
	buf_reset(&b);
	assert_int_equal(md_to_html(&b, "> a\n> > b\n> > * c\n", 18, 0), 0);
	assert_string_equal(b.data, "<blockquote>\n<p>a</p>\n<blockquote>\n<p>b</p>\n<ul>\n<li>c</li>\n</ul>\n"
				    "</blockquote>\n</blockquote>\n");
	buf_free(&md);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(renders_commonmark),        cmocka_unit_test(headings_stop_at_h6),
	    cmocka_unit_test(payloads_stay_text),        cmocka_unit_test(text_keeps_words_and_urls),
	    cmocka_unit_test(refuses_past_the_cap),      cmocka_unit_test(entities_give_xml_characters),
	    cmocka_unit_test(deep_nesting_is_flattened),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
