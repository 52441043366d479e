/* log.h — one line per event on stderr.
 *
 * Never log personal data: no personal codes, e-mail addresses, names, query
 * strings or form values. Access lines carry method, path (without query),
 * status, bytes and microseconds only.
 */
#ifndef EPAK_LOG_H
#define EPAK_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
void log_set_access(int on);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_access(const char *method, size_t method_len, const char *path, size_t path_len, int status, size_t bytes,
		long long usec);

/* msg with control bytes and backslashes written as \xNN, into at most cap bytes;
 * returns the bytes written (log_msg applies it to every message). */
size_t log_escape(char *out, size_t cap, const char *msg, size_t len);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
