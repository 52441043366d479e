/* testutil.h — shared by the cmocka unit tests. */
#ifndef EPAK_TESTUTIL_H
#define EPAK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

/* The shared test data folder (../shared beside the checkout unless
 * EPAK_SHARED says otherwise). */
static inline const char *test_shared_dir(void)
{
	const char *s = getenv("EPAK_SHARED");

	return s && *s ? s : "../shared";
}

#endif
