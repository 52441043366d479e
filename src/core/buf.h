/* buf.h — a growable byte buffer with a hard cap.
 *
 * A struct buf owns its bytes (malloc'd); buf_free() releases them.
 * Every append checks the cap: past it the buffer is marked overflowed,
 * stops growing, and buf_ok() turns false, so callers check once at the end.
 */
#ifndef EPAK_BUF_H
#define EPAK_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated while len < cap */
	size_t len;
	size_t alloc;
	size_t cap;   /* 0 means the default cap (BUF_DEFAULT_CAP) */
	int overflow; /* set once an append went past cap */
};

#define BUF_DEFAULT_CAP ((size_t)64 * 1024 * 1024)
#define BUF_INIT                                                                                                       \
	{                                                                                                              \
		NULL, 0, 0, 0, 0                                                                                       \
	}

void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);
void buf_reset(struct buf *b); /* len = 0, keeps memory */
int buf_ok(const struct buf *b);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Hands the bytes to the caller (who frees them with free()), leaves b empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
