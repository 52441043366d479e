/* log.h — one line per event: on stderr as text or JSON, or into the
 * systemd journal with structured fields.
 *
 * Never log personal data: no personal codes, e-mail addresses, names, query
 * strings or form values. Access lines carry method, path (without query),
 * route, status, bytes and microseconds only.
 *
 * Where lines go: log-format = text (the default) writes "TIME LEVEL msg";
 * under systemd (JOURNAL_STREAM names stderr, systemd.exec(5)) a text log is
 * sent to the journal instead, each field its own (PRIORITY, MESSAGE,
 * CODE_FILE/LINE/FUNC, EPAK_*); log-format = json writes one JSON object per
 * line wherever stderr goes (the operator's explicit choice wins).
 */
#ifndef EPAK_LOG_H
#define EPAK_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

void log_set_level(enum log_level level);
void log_set_access(int on);
/* Sets the format and, for text, sends lines to the journal when stderr is
 * the journal's stream. Returns 1 when lines go to the journal. */
int log_set_format(enum log_format format);
/* "text" or "json": 0, else -1. */
int log_format_parse(const char *s, enum log_format *out);

void log_msg_at(enum log_level level, const char *file, int line, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* route: the matched route's pattern, or NULL. */
void log_access(const char *method, size_t method_len, const char *path, size_t path_len, const char *route, int status,
		size_t bytes, long long usec);

/* msg with control bytes and backslashes written as \xNN, into at most cap bytes;
 * returns the bytes written (the text log applies it to every message). */
size_t log_escape(char *out, size_t cap, const char *msg, size_t len);

/* One field of a JSON log line: a string (str set) or a number. */
struct log_field {
	const char *key;
	const char *str;
	long long num;
};

/* s as the inside of a JSON string, into at most cap bytes: '"', '\\', every
 * control byte and U+007F, U+2028 and U+2029 escaped; bytes that are not
 * well-formed UTF-8 written as \ufffd. Never splits an escape or a character;
 * returns the bytes written. */
size_t log_json_escape(char *out, size_t cap, const char *s, size_t len);
/* One JSON object {"time","level",fields...,"msg"} into out (no newline),
 * always well-formed: a value that does not fit is cut, a field whose key
 * does not fit left out, the message cut. Returns its length; cap must be
 * at least 128. */
size_t log_json_format(char *out, size_t cap, const char *time, const char *level, const struct log_field *f, size_t nf,
		       const char *msg, size_t msg_len);

#define log_msg(level, ...) log_msg_at(level, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
