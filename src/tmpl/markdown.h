/* markdown.h — the one Markdown renderer (CommonMark, libcmark) for what
 * content editors write: news, FAQ answers, newsletter issues, question
 * answers.
 *
 * Raw HTML is never passed through (libcmark's safe mode: an HTML block or
 * inline tag becomes a comment "raw HTML omitted") and links or images whose
 * URL is javascript:, vbscript:, file: or data: (except data:image/png, gif,
 * jpeg, webp) lose their URL, so an editor's text cannot carry script or
 * event attributes into a page or a mail (tests/unit/test_markdown.c plays a
 * list of payloads; fuzz/fuzz_markdown.c checks every output). Invalid UTF-8
 * is replaced with U+FFFD. Input past MD_MAX_BYTES is an error.
 */
#ifndef EPAK_TMPL_MARKDOWN_H
#define EPAK_TMPL_MARKDOWN_H

#include <stddef.h>

struct buf;

#define MD_MAX_BYTES ((size_t)256 * 1024)

/* Appends the HTML of n bytes of Markdown at s to out. Headings are moved
 * down by heading_shift levels (1: "# x" becomes <h2>, for a page whose
 * <h1> is the title; capped at <h6>). 0, or -1 when n > MD_MAX_BYTES, out
 * of memory or out's cap. */
int md_to_html(struct buf *out, const char *s, size_t n, int heading_shift);

/* Appends the plain text of the Markdown (the words a reader sees, for a
 * search entry, a feed summary or a mail's text part): paragraphs and list
 * items end with "\n", links keep their text and, for a mail, their URL in
 * angle brackets when with_urls is set. 0 or -1 as md_to_html. */
int md_to_text(struct buf *out, const char *s, size_t n, int with_urls);

#endif
