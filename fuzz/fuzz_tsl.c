/* fuzz_tsl.c — reading an ETSI TS 119 612 trusted list (src/sign/tsl.c): the
 * hostile-XML parse, the enveloped signature's parts and canonicalization,
 * the list of lists' pointers and the services' status history. */
#include <stddef.h>
#include <stdint.h>

#include "sign/tsl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tsl_fuzz_one(data, size);
	return 0;
}
