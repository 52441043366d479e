/* fuzz_asice_xades.c — the XML signature path: the input is a signature file
 * (META-INF/signatures0.xml) in a container holding one data file,
 * test.txt = "123\n" (as in the seed corpus), validated offline. Aborts if a
 * signature passes without trust anchors or a verdict is out of range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sign/edoc.h"
#include "sign/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct edoc_verify_opts o = {.trust = NULL, .offline = 1};
	struct edoc_report rep;
	struct edoc *doc = edoc_new();
	size_t i;
	int rc;

	if (!doc || edoc_add_file(doc, "test.txt", "text/plain", "123\n", 4, NULL) != 0 ||
	    edoc_add_sigfile(doc, "META-INF/signatures0.xml", data, size, NULL) != 0)
		abort();
	rc = edoc_verify(doc, &o, &rep);
	if (rc != 1 && rc != 2)
		abort();
	if (rep.nsigs == 0)
		abort();
	for (i = 0; i < rep.nsigs; i++) {
		const struct edoc_sig_result *s = &rep.sigs[i];

		if (s->ind == EDOC_TOTAL_PASSED || (s->ind != EDOC_TOTAL_FAILED && s->ind != EDOC_INDETERMINATE))
			abort();
		if (!s->reason || s->sub == EDOC_SUB_NONE)
			abort();
	}
	free(edoc_report_text(&rep));
	free(edoc_report_json(&rep));
	edoc_report_free(&rep);
	edoc_free(doc);
	return 0;
}
