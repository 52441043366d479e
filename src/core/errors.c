/* errors.c — the table behind errors.h. */
#include "core/errors.h"

#include <pthread.h>
#include <stdio.h>

static const struct err_info err_table[ERR__COUNT] = {
#define E(name, status, lv, en) [ERR_##name] = {#name, status, {lv, en}},
#include "core/errors.def"
#undef E
};

/* The public codes, written once, before the first reader sees any of them
 * (pthread_once orders the writes before every return from it), then only
 * read: no thread ever writes while another reads. */
static char err_codes[ERR__COUNT][24];
static pthread_once_t err_codes_once = PTHREAD_ONCE_INIT;

static void err_codes_fill(void)
{
	int i;

	for (i = 0; i < ERR__COUNT; i++)
		snprintf(err_codes[i], sizeof(err_codes[i]), "EPAK-%d-%02d", err_table[i].status, i);
}

const struct err_info *err_info(enum err_code code)
{
	if ((int)code < 0 || code >= ERR__COUNT)
		code = ERR_INTERNAL;
	return &err_table[code];
}

const char *err_public_code(enum err_code code)
{
	if ((int)code < 0 || code >= ERR__COUNT)
		code = ERR_INTERNAL;
	pthread_once(&err_codes_once, err_codes_fill);
	return err_codes[code];
}
