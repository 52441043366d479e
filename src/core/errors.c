/* errors.c — the table behind errors.h. */
#include "core/errors.h"

#include <stdio.h>

static const struct err_info err_table[ERR__COUNT] = {
#define E(name, status, lv, en) [ERR_##name] = {#name, status, {lv, en}},
#include "core/errors.def"
#undef E
};

static char err_codes[ERR__COUNT][24];

const struct err_info *err_info(enum err_code code)
{
	if ((int)code < 0 || code >= ERR__COUNT)
		code = ERR_INTERNAL;
	return &err_table[code];
}

const char *err_public_code(enum err_code code)
{
	const struct err_info *e = err_info(code);
	char *s = err_codes[code < ERR__COUNT ? code : ERR_INTERNAL];

	/* Written once per code; the same bytes each time, so racing writers agree. */
	if (!s[0])
		snprintf(s, sizeof(err_codes[0]), "EPAK-%d-%02d", e->status, (int)code);
	return s;
}
