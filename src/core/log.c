/* log.c — see log.h. Lines are written with one write(2) so threads never
 * interleave within a line. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static enum log_level log_level = LOG_INFO;
static int log_access_on = 1;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
	log_level = level;
}

void log_set_access(int on)
{
	log_access_on = on;
}

static size_t log_stamp(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	return strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void log_write(char *line, size_t len, size_t cap)
{
	ssize_t w;

	if (len >= cap)
		len = cap - 1;
	line[len++] = '\n';
	w = write(STDERR_FILENO, line, len);
	(void)w;
}

/* Copies msg into out, control bytes (and the backslash that introduces an
 * escape) written as \xNN: whatever a message carries (a URL from a
 * certificate, a file name, a header), it stays on its one line and cannot
 * forge another. Returns the bytes written; stops before an escape that
 * would not fit. */
size_t log_escape(char *out, size_t cap, const char *msg, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)msg[i];
		if (c >= 0x20 && c != 0x7f && c != '\\') {
			if (n + 1 > cap)
				break;
			out[n++] = (char)c;
			continue;
		}
		if (n + 4 > cap)
			break;
		out[n++] = '\\';
		out[n++] = 'x';
		out[n++] = hex[c >> 4];
		out[n++] = hex[c & 15];
	}
	return n;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[2048], msg[1024];
	size_t n, mlen;
	int k;
	va_list ap;

	if (level > log_level)
		return;
	n = log_stamp(line, sizeof(line));
	k = snprintf(line + n, sizeof(line) - n, " %s ", level_names[level]);
	if (k > 0)
		n += (size_t)k;
	va_start(ap, fmt);
	k = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (k > 0) {
		mlen = (size_t)k < sizeof(msg) ? (size_t)k : sizeof(msg) - 1;
		n += log_escape(line + n, sizeof(line) - 1 - n, msg, mlen);
	}
	log_write(line, n, sizeof(line));
}

static int safe_char(char c)
{
	return c > 0x20 && c < 0x7f && c != '"';
}

void log_access(const char *method, size_t method_len, const char *path, size_t path_len, int status, size_t bytes,
		long long usec)
{
	char line[1024];
	size_t n, i;
	int k;

	if (!log_access_on)
		return;
	n = log_stamp(line, sizeof(line));
	k = snprintf(line + n, sizeof(line) - n, " access %.*s ", (int)(method_len > 16 ? 16 : method_len), method);
	if (k > 0)
		n += (size_t)k;
	/* The path without its query string, control bytes replaced, length capped. */
	for (i = 0; i < path_len && path[i] != '?' && i < 512 && n < sizeof(line) - 64; i++)
		line[n++] = safe_char(path[i]) ? path[i] : '_';
	k = snprintf(line + n, sizeof(line) - n, " %d %zu %lld", status, bytes, usec);
	if (k > 0)
		n += (size_t)k;
	log_write(line, n, sizeof(line));
}
