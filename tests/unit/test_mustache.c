/* test_mustache.c — the Mustache engine: every case of the official spec
 * suite (read at run time from the shared test data, one cmocka test per
 * case, named "file: case"), then epak's own rules: errors, limits,
 * translation, template sets on disk and msgid extraction. */
#include "testutil.h"

#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/buf.h"
#include "tmpl/mustache.h"

/* ---- the spec suite --------------------------------------------------- */

/* The main template's name: tag names hold no whitespace, so no partial
 * can be called this. */
#define MAIN " main"

struct spec_case {
	char *name;   /* "file: case" */
	json_t *test; /* borrowed from the file's document */
};

static void spec_case_run(void **state)
{
	const struct spec_case *sc = *state;
	const json_t *partials = json_object_get(sc->test, "partials");
	const char *expected = json_string_value(json_object_get(sc->test, "expected"));
	struct tmpl_opts opts = {NULL, NULL, TMPL_MISSING_PARTIAL_EMPTY, 0};
	struct tmpl_error err;
	struct tmpl_set *set;
	struct buf out = BUF_INIT;
	json_t *sources;

	sources = partials ? json_deep_copy(partials) : json_object();
	assert_non_null(sources);
	assert_int_equal(json_object_set(sources, MAIN, json_object_get(sc->test, "template")), 0);
	set = tmpl_set_load_json(sources, &opts, &err);
	if (!set)
		fail_msg("%s: compile error in %s:%d: %s", sc->name, err.file, err.line, err.reason);
	assert_int_equal(tmpl_render(set, MAIN, json_object_get(sc->test, "data"), &out), 0);
	assert_non_null(expected);
	assert_string_equal(out.data ? out.data : "", expected);
	buf_free(&out);
	tmpl_set_free(set);
	json_decref(sources);
}

/* ---- helpers for epak's own tests ------------------------------------- */

/* Compiles {"main": src} plus the partials in the JSON text partials
 * (may be NULL), renders main against the JSON text data and returns the
 * output (malloc'd), or NULL if compiling or rendering failed. */
static char *render_opts(const char *src, const char *partials, const char *data, const struct tmpl_opts *opts,
			 struct tmpl_error *err)
{
	json_t *sources = partials ? json_loads(partials, 0, NULL) : json_object();
	json_t *ctx = data ? json_loads(data, JSON_DECODE_ANY, NULL) : NULL;
	struct tmpl_set *set;
	struct buf out = BUF_INIT;
	char *res = NULL;

	assert_non_null(sources);
	json_object_set_new(sources, "main", json_string(src));
	set = tmpl_set_load_json(sources, opts, err);
	if (set && tmpl_render(set, "main", ctx, &out) == 0)
		res = buf_steal(&out, NULL);
	buf_free(&out);
	tmpl_set_free(set);
	json_decref(sources);
	json_decref(ctx);
	return res;
}

static void assert_renders(const char *src, const char *partials, const char *data, const char *expected)
{
	struct tmpl_error err;
	char *got = render_opts(src, partials, data, NULL, &err);

	assert_non_null(got);
	assert_string_equal(got, expected);
	free(got);
}

/* Compiling fails with this line and a reason containing this text. */
static void assert_error(const char *src, const char *partials, int line, const char *reason)
{
	struct tmpl_error err;
	char *got;

	memset(&err, 0, sizeof(err));
	got = render_opts(src, partials, "{}", NULL, &err);
	assert_null(got);
	assert_string_equal(err.file, "main");
	assert_int_equal(err.line, line);
	if (!strstr(err.reason, reason))
		fail_msg("reason '%s' does not mention '%s'", err.reason, reason);
}

/* ---- rendering rules -------------------------------------------------- */

static void escapes_apostrophe_and_keeps_raw(void **state)
{
	(void)state;
	assert_renders("{{x}}|{{{x}}}|{{& x}}", NULL, "{\"x\": \"<a href='x'>&\\\"</a>\"}",
		       "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;|<a href='x'>&\"</a>|"
		       "<a href='x'>&\"</a>");
}

static void prints_numbers_and_booleans(void **state)
{
	(void)state;
	assert_renders("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}} {{h}}", NULL,
		       "{\"a\": -42, \"b\": 0.30000000000000004, \"c\": 2.5e-7, \"d\": 1e21,"
		       " \"e\": 3.0, \"f\": true, \"g\": false, \"h\": 9223372036854775807}",
		       "-42 0.30000000000000004 2.5e-07 1e+21 3 true false 9223372036854775807");
	assert_renders("{{#r}}{{.}} {{/r}}", NULL,
		       "{\"r\": [4.5, -0.25, 1234.5678, 0.0001, 1e-5, 100.0, -0.0, 1e15,"
		       " 123456789012345.6, 80467.15, 0.1, 1.21, -3.14159]}",
		       "4.5 -0.25 1234.5678 0.0001 1e-05 100 -0 1e+15 123456789012345.6 80467.15"
		       " 0.1 1.21 -3.14159 ");
	assert_renders("[{{n}}][{{a}}][{{o}}]", NULL, "{\"n\": null, \"a\": [1], \"o\": {}}", "[][][]");
}

static void decides_truthiness(void **state)
{
	(void)state;
	assert_renders("{{#a}}A{{/a}}{{#b}}B{{/b}}{{#c}}C{{/c}}{{#d}}D{{/d}}{{#e}}E{{/e}}"
		       "{{#f}}F{{/f}}{{#g}}G{{/g}}",
		       NULL,
		       "{\"a\": 0, \"b\": \"\", \"c\": 0.0, \"d\": {}, \"e\": 1, \"f\": \"x\","
		       " \"g\": [null]}",
		       "DEFG");
	assert_renders("{{^a}}A{{/a}}{{^b}}B{{/b}}{{^d}}D{{/d}}", NULL, "{\"a\": 0, \"b\": \"\", \"d\": {}}", "AB");
}

/* "list.0" is the list's first element: {{#list.0}} means "not empty"
 * (templates/office.mustache); an index past the end or not a number is
 * nothing. */
static void indexes_lists(void **state)
{
	(void)state;
	assert_renders("{{#a.0}}[{{#a}}{{.}}{{/a}}]{{/a.0}}{{^b.0}}none{{/b.0}}|{{a.1}}|{{a.9}}|{{a.x}}|{{o.0.k}}",
		       NULL, "{\"a\": [\"p\", \"q\"], \"b\": [], \"o\": [{\"k\": \"v\"}]}", "[pq]none|q|||v");
}

static void indents_nested_partials(void **state)
{
	(void)state;
	assert_renders("<ul>\n  {{>items}}\n</ul>\n",
		       "{\"items\": \"{{#xs}}\\n  {{>item}}\\n{{/xs}}\\n\","
		       " \"item\": \"<li>\\n\\n  {{.}}\\n</li>\\n\"}",
		       "{\"xs\": [\"a\", \"b\\nc\"]}",
		       "<ul>\n    <li>\n\n      a\n    </li>\n    <li>\n\n      b\nc\n    </li>\n</ul>\n");
}

/* A block whose tags share a line keeps that line's newline (spec: "Standalone
 * block"), hence the empty line after the body here. */
static void layouts_with_blocks(void **state)
{
	(void)state;
	assert_renders("{{<layout}}\n"
		       "{{$title}}Home{{/title}}\n"
		       "{{$body}}\n"
		       "    <p>{{greeting}}</p>\n"
		       "{{/body}}\n"
		       "{{/layout}}\n",
		       "{\"layout\": \"<title>{{$title}}epak{{/title}}</title>\\n<main>\\n"
		       "  {{$body}}{{/body}}\\n</main>\\n\"}",
		       "{\"greeting\": \"Sveiki\"}", "<title>Home</title>\n<main>\n  <p>Sveiki</p>\n\n</main>\n");
}

/* The outermost parent's override wins; an override's own blocks are not
 * overridden by itself. */
static void scopes_block_overrides(void **state)
{
	(void)state;
	assert_renders("{{<page}}{{$title}}Mine{{/title}}{{/page}}",
		       "{\"page\": \"{{<base}}{{$title}}Page{{/title}}{{$nav}}N{{/nav}}{{/base}}\","
		       " \"base\": \"<{{$title}}Base{{/title}}|{{$nav}}-{{/nav}}>\"}",
		       "{}", "<Mine|N>");
	assert_renders("{{<p}}{{$x}}[{{$x}}inner{{/x}}]{{/x}}{{/p}}", "{\"p\": \"{{$x}}px{{/x}}\"}", "{}", "[inner]");
}

/* ---- errors ----------------------------------------------------------- */

static void reports_parse_errors(void **state)
{
	(void)state;
	assert_error("a\nb {{x\n", NULL, 2, "never closed");
	assert_error("a\n{{#s}}\nb\n", NULL, 2, "'s' is never closed");
	assert_error("{{#s}}\n{{/t}}", NULL, 2, "does not match 's' opened on line 1");
	assert_error("\n\n{{/t}}", NULL, 3, "no open section");
	assert_error("x {{ }}", NULL, 1, "empty tag");
	assert_error("x\n{{a b}}", NULL, 2, "whitespace");
	assert_error("{{=<%>=}}", NULL, 1, "two delimiters");
	assert_error("{{{x}}", NULL, 1, "never closed");
	assert_error("\n{{>nope}}", NULL, 2, "partial 'nope' not found");
	assert_error("\n\n{{<nope}}{{/nope}}", NULL, 3, "parent 'nope' not found");
}

static void limits_nesting(void **state)
{
	struct buf src = BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < TMPL_MAX_NEST + 1; i++)
		buf_puts(&src, "{{#a}}");
	for (i = 0; i < TMPL_MAX_NEST + 1; i++)
		buf_puts(&src, "{{/a}}");
	assert_error(src.data, NULL, 1, "nested more than");
	buf_free(&src);
}

static void limits_recursion(void **state)
{
	struct tmpl_error err;
	struct buf data = BUF_INIT;
	char *got;
	int i;

	(void)state;
	/* A partial that includes itself unconditionally. */
	got = render_opts("{{>loop}}", "{\"loop\": \"x{{>loop}}\"}", "{}", NULL, &err);
	assert_null(got);
	/* A parent whose block overrides call the parent again. */
	got = render_opts("{{<p}}{{/p}}", "{\"p\": \"{{<p}}{{$b}}{{<p}}{{/p}}{{/b}}{{/p}}\"}", "{}", NULL, &err);
	assert_null(got);
	/* Recursion driven by data deeper than the limit. */
	for (i = 0; i < 200; i++)
		buf_puts(&data, "{\"n\": ");
	buf_puts(&data, "false");
	for (i = 0; i < 200; i++)
		buf_puts(&data, "}");
	got = render_opts("{{>node}}", "{\"node\": \"({{#n}}{{>node}}{{/n}})\"}", data.data, NULL, &err);
	assert_null(got);
	buf_free(&data);
	/* ... and within it. */
	got = render_opts("{{>node}}", "{\"node\": \"({{#n}}{{>node}}{{/n}})\"}", "{\"n\": {\"n\": {\"n\": false}}}",
			  NULL, &err);
	assert_non_null(got);
	assert_string_equal(got, "((()))");
	free(got);
}

static void limits_steps_and_output(void **state)
{
	struct tmpl_opts opts = {NULL, NULL, 0, 1000};
	struct tmpl_error err;
	json_t *sources, *ctx;
	struct tmpl_set *set;
	struct buf out;
	char *got;

	(void)state;
	/* 10^6 iterations with a budget of 1000 nodes. */
	got = render_opts("{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}.{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}", NULL,
			  "{\"a\": [1,2,3,4,5,6,7,8,9,10]}", &opts, &err);
	assert_null(got);
	/* Output beyond the buffer's cap. */
	sources = json_pack("{s:s}", "main", "{{#a}}0123456789{{/a}}");
	ctx = json_pack("{s:[iiiii]}", "a", 1, 2, 3, 4, 5);
	set = tmpl_set_load_json(sources, NULL, &err);
	assert_non_null(set);
	buf_init(&out, 30);
	assert_int_equal(tmpl_render(set, "main", ctx, &out), -1);
	buf_free(&out);
	buf_init(&out, 50);
	assert_int_equal(tmpl_render(set, "main", ctx, &out), 0);
	assert_int_equal(out.len, 50);
	buf_free(&out);
	assert_int_equal(tmpl_render(set, "nope", ctx, &out), -1);
	assert_int_equal(tmpl_exists(set, "main"), 1);
	assert_int_equal(tmpl_exists(set, "nope"), 0);
	assert_int_equal(tmpl_render(set, "main", NULL, &out), 0);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	tmpl_set_free(set);
	json_decref(sources);
	json_decref(ctx);
}

/* ---- translation ------------------------------------------------------ */

struct msg {
	const char *id, *str;
};

static const struct msg lv[] = {
    {"Hello, {{name}}!", "Sveiki, {{name}}!"},
    {"Your applications", "Jūsu iesniegumi"},
    {"You have {{n}} new messages.", "{{#n}}Jums ir {{n}} jaunas ziņas.{{/n}}{{^n}}Nav ziņu.{{/n}}"},
    {"Broken", "{{#oops}}"},
    {"Nested", "{{_ again}}"},
    {"Quote", "<b>{{{html}}}</b>"},
};

static int seen_calls;

static const char *translate_lv(void *cls, const char *msgid)
{
	size_t i;

	seen_calls++;
	assert_ptr_equal(cls, &seen_calls);
	for (i = 0; i < sizeof(lv) / sizeof(lv[0]); i++)
		if (!strcmp(lv[i].id, msgid))
			return lv[i].str;
	return NULL;
}

static void translates_at_compile_time(void **state)
{
	struct tmpl_opts opts = {translate_lv, &seen_calls, 0, 0};
	struct tmpl_error err;
	char *got;

	(void)state;
	seen_calls = 0;
	got = render_opts("<h1>{{_ Hello, {{name}}!}}</h1>\n<h2>{{_   Your\n\t  applications  }}</h2>\n"
			  "<p>{{_ You have {{n}} new messages.}}</p>\n{{_ Untranslated & kept}}\n"
			  "{{_ Quote}}",
			  NULL, "{\"name\": \"<Anna>\", \"n\": 3, \"html\": \"<i>x</i>\"}", &opts, &err);
	assert_non_null(got);
	assert_string_equal(got, "<h1>Sveiki, &lt;Anna&gt;!</h1>\n<h2>Jūsu iesniegumi</h2>\n"
				 "<p>Jums ir 3 jaunas ziņas.</p>\nUntranslated & kept\n<b><i>x</i></b>");
	assert_int_equal(seen_calls, 5);
	free(got);
	/* Without a callback the msgid itself is compiled. */
	assert_renders("{{_ Hello,\n   {{name}}! }}", NULL, "{\"name\": \"Jānis\"}", "Hello, Jānis!");
	/* A msgid may use the delimiters in force. */
	assert_renders("{{=<% %>=}}<%_ Hi <%name%> %>", NULL, "{\"name\": \"A\"}", "Hi A");
	/* {{_x}} and {{_}} are ordinary variables. */
	assert_renders("{{_x}}{{_}}", NULL, "{\"_x\": 1, \"_\": 2}", "12");
}

static void reports_translation_errors(void **state)
{
	struct tmpl_opts opts = {translate_lv, &seen_calls, 0, 0};
	struct tmpl_error err;

	(void)state;
	assert_null(render_opts("a\n\n{{_ Broken}}", NULL, "{}", &opts, &err));
	assert_string_equal(err.file, "main");
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.reason, "translation"));
	assert_non_null(strstr(err.reason, "never closed"));
	assert_null(render_opts("\n{{_ Nested}}", NULL, "{}", &opts, &err));
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.reason, "may not contain"));
	assert_null(render_opts("{{_   }}", NULL, "{}", &opts, &err));
	assert_non_null(strstr(err.reason, "empty msgid"));
	assert_null(render_opts("x {{_ Hello {{name}}", NULL, "{}", &opts, &err));
	assert_int_equal(err.line, 1);
}

/* ---- template sets on disk -------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int make_tree(void **state)
{
	char path[256];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/epak-tmpl-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/pages", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.hidden", tmpdir);
	mkdir(path, 0700);
	write_file("layout.mustache", "<title>{{$title}}epak{{/title}}</title>\n"
				      "{{>nav}}\n"
				      "{{$body}}\n"
				      "{{/body}}\n");
	write_file("nav.mustache", "<nav>{{_ Services}}</nav>\n");
	write_file("pages/home.mustache", "{{<layout}}\n"
					  "{{$title}}{{_ Home}}{{/title}}\n"
					  "{{$body}}\n"
					  "<p>{{_ Welcome,\n   {{name}}}}</p>\n"
					  "{{/body}}\n"
					  "{{/layout}}\n");
	write_file("pages/readme.txt", "{{_ Not a template}}");
	write_file(".hidden/x.mustache", "{{>missing}}");
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int remove_tree(void **state)
{
	(void)state;
	return nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *translate_upper(void *cls, const char *msgid)
{
	static char out[128];
	size_t i;
	int depth = 0;

	(void)cls;
	for (i = 0; msgid[i] && i + 1 < sizeof(out); i++) {
		depth += (msgid[i] == '{') - (msgid[i] == '}');
		out[i] = !depth && msgid[i] >= 'a' && msgid[i] <= 'z' ? (char)(msgid[i] - 32) : msgid[i];
	}
	out[i] = '\0';
	return out;
}

static void loads_a_folder(void **state)
{
	struct tmpl_opts opts = {translate_upper, NULL, 0, 0};
	struct tmpl_error err;
	struct tmpl_set *set;
	struct buf out = BUF_INIT;
	json_t *ctx = json_pack("{s:s}", "name", "Anna");

	(void)state;
	set = tmpl_set_load(tmpdir, &opts, &err);
	if (!set)
		fail_msg("%s:%d: %s", err.file, err.line, err.reason);
	assert_true(tmpl_exists(set, "layout"));
	assert_true(tmpl_exists(set, "nav"));
	assert_true(tmpl_exists(set, "pages/home"));
	assert_false(tmpl_exists(set, "pages/readme"));
	assert_false(tmpl_exists(set, "x"));
	assert_int_equal(tmpl_render(set, "pages/home", ctx, &out), 0);
	assert_string_equal(out.data, "<title>HOME</title>\n<nav>SERVICES</nav>\n<p>WELCOME, Anna</p>\n");
	buf_free(&out);
	tmpl_set_free(set);
	json_decref(ctx);
}

static void reports_missing_partial_with_file_and_line(void **state)
{
	char expect[256];
	struct tmpl_error err;

	(void)state;
	write_file("pages/broken.mustache", "<p>\n\n  {{> pages/nope }}\n");
	assert_null(tmpl_set_load(tmpdir, NULL, &err));
	snprintf(expect, sizeof(expect), "%s/pages/broken.mustache", tmpdir);
	assert_string_equal(err.file, expect);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.reason, "partial 'pages/nope' not found");
	assert_null(tmpl_set_load("/nonexistent/epak", NULL, &err));
	assert_string_equal(err.file, "/nonexistent/epak");
	write_file("pages/broken.mustache", "fixed\n");
}

struct seen {
	struct buf b;
};

static void collect(void *cls, const char *msgid, const char *file, int line)
{
	struct seen *s = cls;

	buf_printf(&s->b, "%s:%d: %s\n", file + strlen(tmpdir) + 1, line, msgid);
}

static void extracts_msgids(void **state)
{
	struct seen s = {BUF_INIT};
	struct tmpl_error err;

	(void)state;
	assert_int_equal(tmpl_extract_msgids(tmpdir, collect, &s, &err), 0);
	assert_string_equal(s.b.data, "nav.mustache:1: Services\n"
				      "pages/home.mustache:2: Home\n"
				      "pages/home.mustache:4: Welcome, {{name}}\n");
	buf_free(&s.b);
	write_file("pages/bad.mustache", "\n{{_ unclosed");
	assert_int_equal(tmpl_extract_msgids(tmpdir, collect, &s, &err), -1);
	assert_int_equal(err.line, 2);
	buf_free(&s.b);
}

/* ---- main ------------------------------------------------------------- */

static const struct CMUnitTest own_tests[] = {
    cmocka_unit_test(escapes_apostrophe_and_keeps_raw),
    cmocka_unit_test(prints_numbers_and_booleans),
    cmocka_unit_test(decides_truthiness),
    cmocka_unit_test(indents_nested_partials),
    cmocka_unit_test(layouts_with_blocks),
    cmocka_unit_test(scopes_block_overrides),
    cmocka_unit_test(reports_parse_errors),
    cmocka_unit_test(limits_nesting),
    cmocka_unit_test(limits_recursion),
    cmocka_unit_test(limits_steps_and_output),
    cmocka_unit_test(translates_at_compile_time),
    cmocka_unit_test(reports_translation_errors),
    cmocka_unit_test(loads_a_folder),
    cmocka_unit_test(reports_missing_partial_with_file_and_line),
    cmocka_unit_test(extracts_msgids),
    cmocka_unit_test(indexes_lists),
};

int main(void)
{
	struct CMUnitTest *tests = NULL;
	struct spec_case *cases = NULL;
	json_t *docs = json_array();
	size_t ncases = 0, acases = 0, i, k, nown = sizeof(own_tests) / sizeof(own_tests[0]);
	char pattern[512];
	glob_t g;
	int rc;

	snprintf(pattern, sizeof(pattern), "%s/testdata/mustache-spec/*.json", test_shared_dir());
	if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		fprintf(stderr, "no spec files match %s (set EPAK_SHARED)\n", pattern);
		return 1;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		json_error_t jerr;
		json_t *doc = json_load_file(g.gl_pathv[i], 0, &jerr);
		json_t *list = json_object_get(doc, "tests"), *test;
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;

		if (!json_is_array(list)) {
			fprintf(stderr, "%s: %s\n", g.gl_pathv[i], doc ? "no tests" : jerr.text);
			return 1;
		}
		json_array_append_new(docs, doc);
		json_array_foreach(list, k, test)
		{
			if (ncases == acases) {
				acases = acases ? acases * 2 : 256;
				cases = realloc(cases, acases * sizeof(*cases));
				assert_non_null(cases);
			}
			cases[ncases].test = test;
			cases[ncases].name =
			    malloc(strlen(base) + strlen(json_string_value(json_object_get(test, "name"))) + 3);
			assert_non_null(cases[ncases].name);
			snprintf(cases[ncases].name,
				 strlen(base) + strlen(json_string_value(json_object_get(test, "name"))) + 3,
				 "%.*s: %s", (int)(strlen(base) - 5), base,
				 json_string_value(json_object_get(test, "name")));
			ncases++;
		}
	}
	globfree(&g);
	tests = calloc(ncases + nown, sizeof(*tests));
	assert_non_null(tests);
	for (i = 0; i < ncases; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = spec_case_run;
		tests[i].initial_state = &cases[i];
	}
	for (i = 0; i < nown; i++)
		tests[ncases + i] = own_tests[i];
	printf("spec cases: %zu\n", ncases);
	rc = _cmocka_run_group_tests("mustache", tests, ncases + nown, make_tree, remove_tree);
	for (i = 0; i < ncases; i++)
		free(cases[i].name);
	free(cases);
	free(tests);
	json_decref(docs);
	return rc;
}
