/* mustache.h — epak's Mustache template engine.
 *
 * Templates are compiled once into a tree when a set is loaded and rendered
 * many times against jansson values. The language is Mustache as specified
 * by the official spec suite (interpolation, sections, inverted sections,
 * comments, partials, set delimiters, and the inheritance module: parents
 * {{<name}} and blocks {{$name}}), without lambdas, plus one extension:
 *
 *   {{_ Some English text}}   a translatable message. At compile time the
 *                             msgid (the text, whitespace runs folded into one
 *                             space and trimmed) goes through the translate
 *                             callback and the result is compiled in place of
 *                             the tag, so it may hold {{variables}}, sections
 *                             and partials. The msgid may itself contain
 *                             complete tags ({{_ Hello, {{name}}!}}); it ends
 *                             at the first closing delimiter outside them.
 *                             The result is compiled with the delimiters in
 *                             force at the tag; it may not hold {{_ }} tags.
 *
 * Rules that the spec leaves open, decided here:
 *  - {{x}} escapes & < > " ' exactly as html_escape() does (' as &#39;; the
 *    spec asks for & < > " and none of its cases has a '); {{{x}}} and
 *    {{& x}} are raw.
 *  - Falsey: missing, null, false, 0, 0.0, "" and []. Everything else,
 *    including {}, is truthy.
 *  - Integers print as integers; reals as the first of %.15g, %.16g, %.17g
 *    that reads back as the same double (1.21, 0.30000000000000004,
 *    2.5e-07, 3.0 as 3), with '.' whatever the locale; true and false as
 *    "true" and "false"; null, arrays and objects as nothing.
 *  - Partial and parent names are template names in the set, never paths
 *    relative to the including template.
 *  - A standalone partial, parent or block is indented line by line, empty
 *    lines excepted; text interpolated from data is never re-indented.
 *  - A block takes the override of the outermost parent tag that has one
 *    (so a page overrides what its layout's layout defines); an override's
 *    own blocks see only the parent tags outside it, so none overrides
 *    itself.
 *
 * A loaded set is immutable: any number of threads may render from it at
 * once. Rendering allocates nothing but the output buffer's growth: it
 * stages output in 10 KB of stack, and at the depth limit uses under 100 KB
 * of stack in all (under 512 KB with ASan). Nesting is bounded
 * (TMPL_MAX_NEST sections per template at compile time,
 * TMPL_MAX_PARTIAL_DEPTH partials/parents and TMPL_MAX_DEPTH levels in all
 * at render time), and so is the work per render (tmpl_opts.max_steps).
 * Indentation beyond 1 KB is not added.
 */
#ifndef EPAK_MUSTACHE_H
#define EPAK_MUSTACHE_H

#include <jansson.h>

struct buf;
struct tmpl_set;

#define TMPL_MAX_NEST 64                   /* sections/parents/blocks open at once in one template */
#define TMPL_MAX_PARTIAL_DEPTH 64          /* partials and parents rendering inside each other */
#define TMPL_MAX_DEPTH 256                 /* sections, partials, parents and blocks in all */
#define TMPL_DEFAULT_MAX_STEPS (1UL << 24) /* nodes visited by one render */

/* A missing partial or parent renders as nothing (spec behaviour) instead
 * of failing the load. */
#define TMPL_MISSING_PARTIAL_EMPTY 1u

struct tmpl_opts {
	/* Returns the translation of msgid, or NULL to keep it; the result
	 * need only stay valid until the next call. NULL: msgids are kept. */
	const char *(*translate)(void *cls, const char *msgid);
	void *cls;
	unsigned flags;          /* TMPL_MISSING_PARTIAL_EMPTY */
	unsigned long max_steps; /* 0: TMPL_DEFAULT_MAX_STEPS */
};

/* Why a load failed: the file (path as opened, or the template's name for
 * in-memory sources), the 1-based line (0 when not about a line) and why. */
struct tmpl_error {
	char file[512];
	int line;
	char reason[256];
};

/* Loads every *.mustache file under dir, recursively (dot files and dot
 * folders skipped). A template's name is its path relative to dir without
 * the extension: "layout", "pages/home". Partials and parents are resolved
 * by name within the set; a missing one is a load error unless
 * TMPL_MISSING_PARTIAL_EMPTY. opts may be NULL. Returns NULL and fills err
 * (if not NULL) on failure; free the set with tmpl_set_free(). */
struct tmpl_set *tmpl_set_load(const char *dir, const struct tmpl_opts *opts, struct tmpl_error *err);

/* The same from memory: sources is a JSON object mapping each template's
 * name to its source string. */
struct tmpl_set *tmpl_set_load_json(const json_t *sources, const struct tmpl_opts *opts, struct tmpl_error *err);

void tmpl_set_free(struct tmpl_set *set);

/* 1 if the set holds a template of that name, else 0. */
int tmpl_exists(const struct tmpl_set *set, const char *name);

/* Renders template name against ctx (any JSON value; NULL renders as an
 * empty context), appending to out. Returns 0, or -1 when the template is
 * unknown, out went past its cap, or a depth or step limit was hit; out
 * then holds partial output, to be discarded. */
int tmpl_render(const struct tmpl_set *set, const char *name, const json_t *ctx, struct buf *out);

/* Calls cb for every {{_ msgid}} in the *.mustache files under dir, files
 * in sorted path order, tags in source order: msgid normalised as for
 * translation, file as opened ("dir/pages/home.mustache"), line of the tag.
 * Returns 0, or -1 and fills err (if not NULL) when a file cannot be read or
 * tokenised (only tags are checked, not section structure). */
int tmpl_extract_msgids(const char *dir, void (*cb)(void *cls, const char *msgid, const char *file, int line),
			void *cls, struct tmpl_error *err);

#endif
