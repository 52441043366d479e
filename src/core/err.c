/* err.c — the error carrier of err.h: first error wins. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	if (!e || e->code != ERR_OK)
		return; /* the first error wins */
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	memcpy(e->msg, msg, strlen(msg) + 1);
	e->code = code == ERR_OK ? ERR_INTERNAL : code;
}

void err_clear(struct err *e)
{
	if (!e)
		return;
	e->code = ERR_OK;
	e->msg[0] = '\0';
}

int err_failed(const struct err *e)
{
	return e && e->code != ERR_OK;
}
