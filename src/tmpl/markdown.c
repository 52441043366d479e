/* markdown.c — see markdown.h. */
#include "tmpl/markdown.h"

#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "core/buf.h"
#include "core/utf8.h"

/* Safe mode is libcmark's default since 0.29 (CMARK_OPT_UNSAFE is what
 * would let raw HTML through); it is spelled out so that no one adds
 * CMARK_OPT_UNSAFE thinking it is off. */
#define MD_OPTIONS (CMARK_OPT_DEFAULT | CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_NORMALIZE)

/* Appends s to out with every character XML 1.0 does not allow (C0 controls
 * but tab and line ends, U+FFFE, U+FFFF) and every ill-formed byte replaced
 * by U+FFFD. Needed because the form refuses such characters but libcmark
 * decodes a character reference into them: "&#1;" gives a raw U+0001 and
 * "&#xFFFE;" a lone byte 0xFE, which break an Atom feed and make jansson
 * refuse the page's text. */
static int put_clean(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, from = 0;

	while (i < n) {
		uint32_t cp = 0;
		int len = utf8_decode(s + i, n - i, &cp);

		if (len > 0 && (cp >= 0x20 || cp == '\t' || cp == '\n' || cp == '\r') && cp != 0xFFFE && cp != 0xFFFF) {
			i += (size_t)len;
			continue;
		}
		buf_append(out, s + from, i - from);
		buf_puts(out, "\xEF\xBF\xBD");
		i += len > 0 ? (size_t)len : 1;
		from = i;
	}
	buf_append(out, s + from, n - from);
	return buf_ok(out) ? 0 : -1;
}

/* Block quotes and lists nested deeper than this are taken apart: their
 * blocks stay, in order, at this depth. Each level costs markup around
 * everything inside it, so 16 000 '>' (one news body) made 432 kB of HTML
 * and a feed of twenty such articles 12 MB, built again for every request
 * (too large for the page cache). Nobody nests a text this deep. */
#define MD_MAX_DEPTH 16

static int is_nesting(cmark_node *node)
{
	cmark_node_type t = cmark_node_get_type(node);

	return t == CMARK_NODE_BLOCK_QUOTE || t == CMARK_NODE_LIST;
}

/* Moves the blocks of a block quote (or of a list's items) before it and
 * frees it. -1 when a block cannot move (it cannot happen: each is a block
 * and node's parent holds blocks); then the caller drops the document. */
static int unwrap(cmark_node *node)
{
	int list = cmark_node_get_type(node) == CMARK_NODE_LIST;
	cmark_node *c, *b;

	for (c = cmark_node_first_child(node); c; c = cmark_node_first_child(node)) {
		if (!list) {
			if (!cmark_node_insert_before(node, c))
				return -1;
			continue;
		}
		for (b = cmark_node_first_child(c); b; b = cmark_node_first_child(c))
			if (!cmark_node_insert_before(node, b))
				return -1;
		cmark_node_free(c);
	}
	cmark_node_free(node);
	return 0;
}

/* One walk finds the too deep block quotes and lists (outermost first);
 * then each is unwrapped. A deeper one is inside an earlier one's blocks,
 * which move but stay alive. 0, or -1 out of memory. */
static int limit_depth(cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_node **deep = NULL, **grown;
	size_t n = 0, cap = 0, i;
	cmark_event_type ev;
	int depth = 0, rc = 0;

	if (!it)
		return -1;
	for (ev = cmark_iter_next(it); ev != CMARK_EVENT_DONE; ev = cmark_iter_next(it)) {
		cmark_node *node = cmark_iter_get_node(it);

		if (!is_nesting(node))
			continue;
		if (ev == CMARK_EVENT_EXIT) {
			depth--;
			continue;
		}
		if (++depth <= MD_MAX_DEPTH)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(deep, cap * sizeof(*deep));
			if (!grown) {
				rc = -1;
				break;
			}
			deep = grown;
		}
		deep[n++] = node;
	}
	cmark_iter_free(it);
	for (i = 0; rc == 0 && i < n; i++)
		rc = unwrap(deep[i]);
	free(deep);
	return rc;
}

static cmark_node *md_parse(const char *s, size_t n)
{
	cmark_node *doc;

	if (n > MD_MAX_BYTES)
		return NULL;
	doc = cmark_parse_document(s ? s : "", s ? n : 0, MD_OPTIONS);
	if (doc && limit_depth(doc) != 0) {
		cmark_node_free(doc);
		return NULL;
	}
	return doc;
}

static void shift_headings(cmark_node *doc, int shift)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;

	if (!it)
		return;
	for (ev = cmark_iter_next(it); ev != CMARK_EVENT_DONE; ev = cmark_iter_next(it)) {
		cmark_node *node = cmark_iter_get_node(it);
		int level;

		if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_HEADING)
			continue;
		level = cmark_node_get_heading_level(node) + shift;
		cmark_node_set_heading_level(node, level > 6 ? 6 : level);
	}
	cmark_iter_free(it);
}

int md_to_html(struct buf *out, const char *s, size_t n, int heading_shift)
{
	cmark_node *doc = md_parse(s, n);
	char *html;
	int rc = -1;

	if (!doc)
		return -1;
	if (heading_shift > 0)
		shift_headings(doc, heading_shift > 5 ? 5 : heading_shift);
	html = cmark_render_html(doc, MD_OPTIONS);
	if (html && put_clean(out, html, strlen(html)) == 0)
		rc = 0;
	free(html);
	cmark_node_free(doc);
	return rc;
}

static int text_enter(struct buf *out, cmark_node *node)
{
	const char *lit;

	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_TEXT:
	case CMARK_NODE_CODE:
	case CMARK_NODE_CODE_BLOCK:
		lit = cmark_node_get_literal(node);
		return lit ? put_clean(out, lit, strlen(lit)) : 0;
	case CMARK_NODE_SOFTBREAK: return buf_putc(out, ' ');
	case CMARK_NODE_LINEBREAK: return buf_putc(out, '\n');
	case CMARK_NODE_ITEM: return buf_puts(out, "- ");
	default: return 0;
	}
}

static int text_exit(struct buf *out, cmark_node *node, int with_urls)
{
	const char *url;

	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_PARAGRAPH:
	case CMARK_NODE_HEADING:
		if (cmark_node_get_type(cmark_node_parent(node)) == CMARK_NODE_ITEM)
			return buf_putc(out, '\n');
		return buf_puts(out, "\n\n");
	case CMARK_NODE_LINK:
		url = cmark_node_get_url(node);
		if (with_urls && url && *url)
			return buf_puts(out, " <") || put_clean(out, url, strlen(url)) || buf_putc(out, '>') ? -1 : 0;
		return 0;
	default: return 0;
	}
}

int md_to_text(struct buf *out, const char *s, size_t n, int with_urls)
{
	cmark_node *doc = md_parse(s, n);
	cmark_iter *it;
	cmark_event_type ev;
	int rc = 0;

	if (!doc)
		return -1;
	it = cmark_iter_new(doc);
	if (!it) {
		cmark_node_free(doc);
		return -1;
	}
	for (ev = cmark_iter_next(it); ev != CMARK_EVENT_DONE && rc == 0; ev = cmark_iter_next(it)) {
		cmark_node *node = cmark_iter_get_node(it);

		if (ev == CMARK_EVENT_ENTER)
			rc = text_enter(out, node);
		else if (ev == CMARK_EVENT_EXIT)
			rc = text_exit(out, node, with_urls);
	}
	cmark_iter_free(it);
	cmark_node_free(doc);
	return rc == 0 && buf_ok(out) ? 0 : -1;
}
