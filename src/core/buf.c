/* buf.c — see buf.h. */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap;
}

void buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->overflow = 0;
	if (b->data)
		b->data[0] = '\0';
}

int buf_ok(const struct buf *b)
{
	return !b->overflow;
}

static int buf_grow(struct buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : BUF_DEFAULT_CAP;
	size_t want;
	char *p;

	if (b->overflow)
		return -1;
	if (need > cap - b->len || b->len + need + 1 < need) {
		b->overflow = 1;
		return -1;
	}
	want = b->len + need + 1;
	if (want <= b->alloc)
		return 0;
	if (want < 256)
		want = 256;
	if (want < b->alloc * 2)
		want = b->alloc * 2;
	if (want > cap + 1)
		want = cap + 1;
	p = realloc(b->data, want);
	if (!p) {
		b->overflow = 1;
		return -1;
	}
	b->data = p;
	b->alloc = want;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) != 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || buf_grow(b, (size_t)n) != 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *buf_steal(struct buf *b, size_t *len)
{
	char *p = b->data;

	if (len)
		*len = b->len;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->alloc = 0;
	b->overflow = 0;
	return p;
}
