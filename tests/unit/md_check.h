/* md_check.h — what any HTML that md_to_html() writes must look like: only
 * the tags CommonMark makes, only their attributes, no script URL. Shared
 * by tests/unit/test_markdown.c and fuzz/fuzz_markdown.c. Returns NULL when
 * the HTML is clean, else what is wrong. */
#ifndef EPAK_TESTS_MD_CHECK_H
#define EPAK_TESTS_MD_CHECK_H

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static int md_check_in(const char *word, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncasecmp(*list, word, n))
			return 1;
	return 0;
}

static const char *md_check_html(const char *h, size_t len)
{
	static const char *const tags[] = {"p",      "h1",   "h2",  "h3", "h4", "h5", "h6",         "a",  "img", "em",
					   "strong", "code", "pre", "ul", "ol", "li", "blockquote", "hr", "br",  NULL};
	static const char *const attrs[] = {"href", "src", "alt", "title", "start", "class", NULL};
	size_t i = 0;

	while (i < len) {
		size_t t;

		if (h[i] != '<') {
			i++;
			continue;
		}
		if (len - i >= 4 && !memcmp(h + i, "<!--", 4)) {
			const char *end = memmem(h + i, len - i, "-->", 3);

			if (!end)
				return "unterminated comment";
			/* the only comment libcmark writes in safe mode */
			if (strncmp(h + i, "<!-- raw HTML omitted -->", (size_t)(end + 3 - (h + i))))
				return "a comment that is not libcmark's";
			i = (size_t)(end + 3 - h);
			continue;
		}
		i++;
		if (i < len && h[i] == '/')
			i++;
		for (t = i; i < len && isalnum((unsigned char)h[i]); i++)
			;
		if (!md_check_in(h + t, i - t, tags))
			return "a tag libcmark does not write";
		while (i < len && h[i] != '>') {
			size_t a;

			if (h[i] == ' ' || h[i] == '/') {
				i++;
				continue;
			}
			for (a = i; i < len && isalpha((unsigned char)h[i]); i++)
				;
			if (i == a || !md_check_in(h + a, i - a, attrs))
				return "an attribute libcmark does not write";
			if (i >= len || h[i] != '=' || i + 1 >= len || h[i + 1] != '"')
				return "an unquoted attribute";
			i += 2;
			for (a = i; i < len && h[i] != '"'; i++)
				if (h[i] == '<' || h[i] == '>')
					return "markup inside an attribute";
			if (i >= len)
				return "an unterminated attribute";
			{
				size_t k = a;

				while (k < i && (h[k] == ' ' || h[k] == '\t'))
					k++;
				if ((i - k >= 11 && !strncasecmp(h + k, "javascript:", 11)) ||
				    (i - k >= 9 && !strncasecmp(h + k, "vbscript:", 9)))
					return "a script URL";
			}
			i++;
		}
		if (i >= len)
			return "an unterminated tag";
		i++;
	}
	return NULL;
}

#endif
