/* fuzz_asice.c — ASiC-E containers: reading (sign/asice.c) and, when a
 * container opens, validating it (sign/verify.c) and writing it back.
 * Aborts when a promise breaks: nothing validates without trust anchors, a
 * written container reads back with the same files and no container
 * warnings (read leniently, written strictly), names stay safe. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sign/edoc.h"
#include "sign/internal.h"
#include "sign/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct edoc_limits lim = {1 << 20, 64, 4 << 20, 100, 64 << 10, 1 << 20};
	struct edoc_verify_opts o = {.trust = NULL, .offline = 1};
	struct err e = {0};
	struct edoc_report rep;
	struct edoc *doc, *back;
	unsigned char *out = NULL;
	size_t n = 0, i;

	doc = edoc_open_mem(data, size, &lim, &e);
	if (!doc)
		return 0;
	for (i = 0; i < doc->nfiles; i++)
		if (edoc_name_ok(doc->files[i].name, strlen(doc->files[i].name), NULL) != 0 || !doc->files[i].mime)
			abort();
	/* without trust anchors nothing can pass */
	if (edoc_verify(doc, &o, &rep) == 0)
		abort();
	free(edoc_report_text(&rep));
	free(edoc_report_json(&rep));
	edoc_report_free(&rep);
	if (edoc_write_mem(doc, &out, &n, &e) != 0)
		abort();
	back = edoc_open_mem(out, n, NULL, &e);
	/* read leniently, written strictly: the copy reads back without warnings */
	if (!back || back->nfiles != doc->nfiles || back->nsigs != doc->nsigs || back->nwarnings != 0)
		abort();
	for (i = 0; i < doc->nfiles; i++)
		if (strcmp(back->files[i].name, doc->files[i].name) != 0 || back->files[i].len != doc->files[i].len ||
		    memcmp(back->files[i].data, doc->files[i].data, doc->files[i].len) != 0 ||
		    strcmp(back->files[i].mime, doc->files[i].mime) != 0)
			abort();
	edoc_free(back);
	free(out);
	edoc_free(doc);
	return 0;
}
