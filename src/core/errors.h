/* errors.h — the error registry (see errors.def). */
#ifndef EPAK_ERRORS_H
#define EPAK_ERRORS_H

#include "core/i18n.h"

enum err_code {
#define E(name, status, lv, en) ERR_##name,
#include "core/errors.def"
#undef E
	ERR__COUNT
};

struct err_info {
	const char *name; /* "NOT_FOUND" */
	int status;       /* HTTP status */
	const char *hint[LANG__COUNT];
};

const struct err_info *err_info(enum err_code code);
/* "EPAK-404-2"-style public code: status and registry number. Static storage. */
const char *err_public_code(enum err_code code);

#endif
