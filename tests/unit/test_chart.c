/* test_chart.c — the server-drawn SVG charts (web/chart.h): the output is
 * well-formed XML (parsed with libxml2), carries role="img" with a title and
 * a description, escapes every label, writes each value as text, draws the
 * target line, and refuses a chart it cannot draw. */
#include "testutil.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/buf.h"
#include "web/chart.h"

/* The chart as a NUL-terminated string (caller frees), asserting success. */
static char *draw(const struct chart *c)
{
	struct buf b = BUF_INIT;
	char *s;

	assert_int_equal(chart_bars_svg(&b, c), 0);
	buf_putc(&b, '\0');
	s = buf_steal(&b, NULL);
	assert_non_null(s);
	return s;
}

static xmlDocPtr parse(const char *s)
{
	return xmlReadMemory(s, (int)strlen(s), "chart.svg", "UTF-8",
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static int count_elements(xmlNodePtr n, const char *name)
{
	int k = 0;

	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			k++;
		k += count_elements(n->children, name);
	}
	return k;
}

static void well_formed_and_labelled(void **state)
{
	struct chart_bar bars[] = {{"2026-01", 80, 0, "80 %"}, {"2026-02", 0, 1, NULL}, {"2026-03", 91.5, 0, NULL}};
	struct chart c = {"Share of “yes”", "Per month; the dashed line is the 85 % target.", "c1", bars, 3, 100, 85,
			  "target 85 %"};
	char *s = draw(&c);
	xmlDocPtr doc = parse(s);
	xmlNodePtr root;
	xmlChar *role;

	(void)state;
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "svg");
	role = xmlGetProp(root, (const xmlChar *)"role");
	assert_string_equal((const char *)role, "img");
	xmlFree(role);
	assert_int_equal(count_elements(root, "title"), 1);
	assert_int_equal(count_elements(root, "desc"), 1);
	assert_non_null(strstr(s, "aria-labelledby=\"c1-t c1-d\""));
	assert_non_null(strstr(s, ">80 %</text>"));
	assert_non_null(strstr(s, ">91.5</text>"));
	assert_non_null(strstr(s, ">\xe2\x80\x94</text>")); /* no data: a dash, no bar */
	assert_non_null(strstr(s, "stroke-dasharray"));
	assert_non_null(strstr(s, ">target 85 %</text>"));
	/* two bars (the empty one has none) + the white background */
	assert_int_equal(count_elements(root, "rect"), 3);
	xmlFreeDoc(doc);
	free(s);
}

static void labels_are_escaped(void **state)
{
	struct chart_bar bars[] = {{"<script>alert(1)</script>", 50, 0, "\"&'<>"}, {"a]]><x/>&amp;", 10, 0, NULL}};
	struct chart c = {"</title><script>x</script>", "<desc>&", "id\"><x", bars, 2, 100, 0, NULL};
	char *s = draw(&c);
	xmlDocPtr doc = parse(s);

	(void)state;
	assert_non_null(doc);
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "<x"));
	assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(s, "&quot;&amp;&#39;&lt;&gt;"));
	assert_int_equal(count_elements(xmlDocGetRootElement(doc), "title"), 1);
	assert_int_equal(count_elements(xmlDocGetRootElement(doc), "script"), 0);
	assert_null(strstr(s, "stroke-dasharray")); /* no target */
	xmlFreeDoc(doc);
	free(s);
}

static void refuses_what_it_cannot_draw(void **state)
{
	struct chart_bar bar = {"x", 1, 0, NULL};
	struct chart c = {"t", "d", "c", &bar, 1, 0, 0, NULL};
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(chart_bars_svg(&b, &c), -1); /* max 0 */
	c.max = 10;
	c.title = NULL;
	assert_int_equal(chart_bars_svg(&b, &c), -1);
	c.title = "t";
	c.nbars = CHART_MAX_BARS + 1;
	assert_int_equal(chart_bars_svg(&b, &c), -1);
	c.nbars = 0; /* no bars: an empty, still valid chart */
	assert_int_equal(chart_bars_svg(&b, &c), 0);
	buf_free(&b);
	buf_init(&b, 64); /* past the cap: an error, never a cut chart */
	c.nbars = 1;
	assert_int_equal(chart_bars_svg(&b, &c), -1);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(well_formed_and_labelled),
	    cmocka_unit_test(labels_are_escaped),
	    cmocka_unit_test(refuses_what_it_cannot_draw),
	};
	return cmocka_run_group_tests_name("chart", tests, NULL, NULL);
}
