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

static cmark_node *md_parse(const char *s, size_t n)
{
	if (n > MD_MAX_BYTES)
		return NULL;
	return cmark_parse_document(s ? s : "", s ? n : 0, MD_OPTIONS);
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
