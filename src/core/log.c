/* log.c — see log.h. Lines are written with one write(2) (or one journal
 * datagram) so threads never interleave within a line. */
#include "core/log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION /* we send the caller's own CODE_* fields */
#include <systemd/sd-journal.h>

#include "core/utf8.h"

static enum log_level log_level = LOG_INFO;
static int log_access_on = 1;
static enum log_format log_format = LOG_FORMAT_TEXT;
static int log_journal;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* syslog(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
static const int level_prio[] = {3, 4, 6, 7};

void log_set_level(enum log_level level)
{
	log_level = level;
}

void log_set_access(int on)
{
	log_access_on = on;
}

int log_format_parse(const char *s, enum log_format *out)
{
	if (!strcmp(s, "text"))
		*out = LOG_FORMAT_TEXT;
	else if (!strcmp(s, "json"))
		*out = LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

/* systemd.exec(5): JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd
 * connected stdout/stderr to; a program whose stderr is that stream may use
 * the native protocol instead. A child with stderr redirected elsewhere
 * inherits the variable but not the match, and keeps writing to stderr. */
static int stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int log_set_format(enum log_format format)
{
	log_format = format;
	log_journal = format == LOG_FORMAT_TEXT && stderr_is_journal();
	return log_journal;
}

static size_t log_stamp(char *out, size_t n, int micro)
{
	struct timespec ts;
	struct tm tm;
	size_t k;
	int m;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (!micro)
		return strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	m = snprintf(out + k, n - k, ".%06ldZ", ts.tv_nsec / 1000);
	return m > 0 && (size_t)m < n - k ? k + (size_t)m : k;
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

size_t log_json_escape(char *out, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, n = 0;
	uint32_t cp;
	char esc[8];
	size_t elen;
	int k;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		k = 1;
		elen = 0;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			elen = 2;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			elen = 2;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		} else if (c >= 0x80) {
			k = utf8_decode(s + i, len - i, &cp);
			if (k < 0) {
				memcpy(esc, "\\ufffd", 6); /* one byte that is not UTF-8 */
				elen = 6;
				k = 1;
			} else if (cp == 0x2028 || cp == 0x2029) {
				memcpy(esc, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
				elen = 6;
			}
		}
		if (elen) {
			if (n + elen > cap)
				break;
			memcpy(out + n, esc, elen);
		} else {
			if (n + (size_t)k > cap)
				break;
			memcpy(out + n, s + i, (size_t)k);
			elen = (size_t)k;
		}
		n += elen;
		i += (size_t)k;
	}
	return n;
}

/* Appends raw bytes when they fit in cap - reserve: 0, else -1 (nothing written). */
static int put(char *out, size_t cap, size_t reserve, size_t *n, const char *s, size_t len)
{
	if (*n + len + reserve > cap)
		return -1;
	memcpy(out + *n, s, len);
	*n += len;
	return 0;
}

/* ,"key":"value" (the value cut to fit) or ,"key":number; nothing when
 * even the key does not fit. */
static int put_field(char *out, size_t cap, size_t reserve, size_t *n, const struct log_field *f)
{
	char num[32];
	size_t start = *n, k;
	int m;

	if (put(out, cap, reserve, n, ",\"", 2) != 0)
		goto undo;
	k = strlen(f->key);
	if (log_json_escape(out + *n, cap - reserve - *n, f->key, k) != k) /* keys are ours: ASCII */
		goto undo;
	*n += k;
	if (!f->str) {
		m = snprintf(num, sizeof(num), "\":%lld", f->num);
		if (put(out, cap, reserve, n, num, (size_t)m) != 0)
			goto undo;
		return 0;
	}
	if (put(out, cap, reserve, n, "\":\"", 3) != 0)
		goto undo;
	*n += log_json_escape(out + *n, cap - reserve - 1 - *n, f->str, strlen(f->str));
	if (put(out, cap, reserve, n, "\"", 1) != 0)
		goto undo;
	return 0;
undo:
	*n = start;
	return -1;
}

size_t log_json_format(char *out, size_t cap, const char *time, const char *level, const struct log_field *f, size_t nf,
		       const char *msg, size_t msg_len)
{
	const size_t reserve = 12; /* ,"msg":"" and } */
	size_t n = 0, i;
	int k;

	/* time and level are ours (a stamp, a level name): they always fit */
	k = snprintf(out, cap, "{\"time\":\"%.40s\",\"level\":\"%.8s\"", time, level);
	n = (size_t)k;
	for (i = 0; i < nf; i++)
		put_field(out, cap, reserve, &n, &f[i]);
	memcpy(out + n, ",\"msg\":\"", 8);
	n += 8;
	n += log_json_escape(out + n, cap - n - 2, msg, msg_len);
	memcpy(out + n, "\"}", 2);
	return n + 2;
}

/* One journal entry: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and the given
 * KEY=value strings. 0, or -1 when the journal did not take it. */
static int journal_send(int prio, const char *msg, size_t msg_len, const char *const *fields, size_t nf)
{
	struct iovec iov[16];
	char pbuf[16], mbuf[1100];
	size_t n = 0, i;
	int k;

	k = snprintf(mbuf, sizeof(mbuf), "MESSAGE=%.*s", (int)(msg_len > 1024 ? 1024 : msg_len), msg);
	iov[n++] = (struct iovec){mbuf, (size_t)k < sizeof(mbuf) ? (size_t)k : sizeof(mbuf) - 1};
	k = snprintf(pbuf, sizeof(pbuf), "PRIORITY=%d", prio);
	iov[n++] = (struct iovec){pbuf, (size_t)k};
	iov[n++] = (struct iovec){(void *)"SYSLOG_IDENTIFIER=epak", 22};
	for (i = 0; i < nf && n < sizeof(iov) / sizeof(iov[0]); i++)
		iov[n++] = (struct iovec){(void *)fields[i], strlen(fields[i])};
	return sd_journal_sendv(iov, (int)n) < 0 ? -1 : 0;
}

void log_msg_at(enum log_level level, const char *file, int line, const char *func, const char *fmt, ...)
{
	char out[4096], msg[1024], stamp[40], esc[1024], cf[300], cl[32], cfn[160];
	size_t n, mlen = 0;
	int k;
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	k = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (k > 0)
		mlen = (size_t)k < sizeof(msg) ? (size_t)k : sizeof(msg) - 1;
	if (log_format == LOG_FORMAT_JSON) {
		struct log_field f[3] = {{"file", file, 0}, {"line", NULL, line}, {"func", func, 0}};

		log_stamp(stamp, sizeof(stamp), 1);
		n = log_json_format(out, sizeof(out) - 1, stamp, level_names[level], f, 3, msg, mlen);
		log_write(out, n, sizeof(out));
		return;
	}
	n = log_escape(esc, sizeof(esc), msg, mlen);
	if (log_journal) {
		const char *fields[3] = {cf, cl, cfn};

		snprintf(cf, sizeof(cf), "CODE_FILE=%s", file);
		snprintf(cl, sizeof(cl), "CODE_LINE=%d", line);
		snprintf(cfn, sizeof(cfn), "CODE_FUNC=%s", func);
		if (journal_send(level_prio[level], esc, n, fields, 3) == 0)
			return;
	}
	k = (int)log_stamp(out, sizeof(out), 0);
	k += snprintf(out + k, sizeof(out) - (size_t)k, " %s ", level_names[level]);
	if (n > sizeof(out) - 1 - (size_t)k)
		n = sizeof(out) - 1 - (size_t)k;
	memcpy(out + k, esc, n);
	log_write(out, (size_t)k + n, sizeof(out));
}

static int safe_char(char c)
{
	return c > 0x20 && c < 0x7f && c != '"';
}

void log_access(const char *method, size_t method_len, const char *path, size_t path_len, const char *route, int status,
		size_t bytes, long long usec)
{
	char line[2048], p[520], m[20], stamp[40];
	size_t n, i, plen = 0, mlen;
	int k;

	if (!log_access_on)
		return;
	/* The method and the path without its query string, control bytes
	 * replaced, lengths capped: the same in every format. */
	mlen = method_len > 16 ? 16 : method_len;
	for (i = 0; i < mlen; i++)
		m[i] = safe_char(method[i]) ? method[i] : '_';
	m[mlen] = '\0';
	for (i = 0; i < path_len && path[i] != '?' && i < 512; i++)
		p[plen++] = safe_char(path[i]) ? path[i] : '_';
	p[plen] = '\0';
	if (log_format == LOG_FORMAT_JSON) {
		struct log_field f[6] = {{"method", m, 0},         {"path", p, 0},
					 {"status", NULL, status}, {"bytes", NULL, (long long)bytes},
					 {"usec", NULL, usec},     {"route", route, 0}};
		char msg[600];

		log_stamp(stamp, sizeof(stamp), 1);
		k = snprintf(msg, sizeof(msg), "%s %s %d", m, p, status);
		n = log_json_format(line, sizeof(line) - 1, stamp, "info", f, route ? 6 : 5, msg,
				    k > 0 ? (size_t)k : 0);
		log_write(line, n, sizeof(line));
		return;
	}
	if (log_journal) {
		char fm[40], fp[540], fr[300], fs[32], fb[40], fu[40];
		const char *fields[6] = {fm, fp, fr, fs, fb, fu};

		snprintf(fm, sizeof(fm), "EPAK_METHOD=%s", m);
		snprintf(fp, sizeof(fp), "EPAK_PATH=%s", p);
		snprintf(fr, sizeof(fr), "EPAK_ROUTE=%.280s", route ? route : "");
		snprintf(fs, sizeof(fs), "EPAK_STATUS=%d", status);
		snprintf(fb, sizeof(fb), "EPAK_BYTES=%zu", bytes);
		snprintf(fu, sizeof(fu), "EPAK_USEC=%lld", usec);
		k = snprintf(line, sizeof(line), "access %s %s %d %zu %lld", m, p, status, bytes, usec);
		if (journal_send(6, line, (size_t)k, fields, 6) == 0)
			return;
	}
	n = log_stamp(line, sizeof(line), 0);
	k = snprintf(line + n, sizeof(line) - n, " access %s %s %d %zu %lld", m, p, status, bytes, usec);
	if (k > 0)
		n += (size_t)k;
	log_write(line, n, sizeof(line));
}
