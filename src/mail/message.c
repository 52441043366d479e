/* message.c — mail settings, checks of a mail and building it as an RFC 5322
 * / MIME message (see outbox.h, docs/mail.md); outbox.c stores it. */
#include "mail/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/email.h"
#include "core/utf8.h"
#include "mail/message.h"

/* ---- settings ---- */

/* Copies a string setting into its fixed-size field. */
static int copy_setting(char *dst, size_t n, const char *v, const char *key, struct err *err)
{
	if (strlen(v) >= n) {
		err_set(err, ERR_VALIDATION, "%s: too long (at most %zu bytes)", key, n - 1);
		return -1;
	}
	snprintf(dst, n, "%s", v);
	return 0;
}

int mail_config_from(struct mail_config *c, const struct config *cfg, struct err *err)
{
	memset(c, 0, sizeof(*c));
	if (copy_setting(c->smtp_url, sizeof(c->smtp_url), cfg->smtp_url, "smtp-url", err) ||
	    copy_setting(c->smtp_user, sizeof(c->smtp_user), cfg->smtp_user, "smtp-user", err) ||
	    copy_setting(c->smtp_password, sizeof(c->smtp_password), cfg->smtp_password, "smtp-password", err) ||
	    copy_setting(c->ca_file, sizeof(c->ca_file), cfg->smtp_ca_file, "smtp-ca-file", err) ||
	    copy_setting(c->helo, sizeof(c->helo), cfg->smtp_helo, "smtp-helo", err) ||
	    copy_setting(c->from, sizeof(c->from), cfg->mail_from, "mail-from", err) ||
	    copy_setting(c->from_name, sizeof(c->from_name), cfg->mail_from_name, "mail-from-name", err) ||
	    copy_setting(c->domain, sizeof(c->domain), cfg->mail_domain, "mail-domain", err))
		return -1;
	if (!strcmp(cfg->smtp_tls, "try"))
		c->tls = MAIL_TLS_TRY;
	else if (!strcmp(cfg->smtp_tls, "required"))
		c->tls = MAIL_TLS_REQUIRED;
	else if (!strcmp(cfg->smtp_tls, "none"))
		c->tls = MAIL_TLS_NONE;
	else {
		err_set(err, ERR_VALIDATION, "smtp-tls: '%.20s' is not try, required or none", cfg->smtp_tls);
		return -1;
	}
	c->connect_timeout = cfg->smtp_connect_timeout;
	c->timeout = cfg->smtp_timeout;
	c->max_size = cfg->mail_max_size;
	c->max_attempts = cfg->mail_max_attempts;
	c->max_age = cfg->mail_max_age;
	c->retry_base = cfg->mail_retry_base;
	c->retry_max = cfg->mail_retry_max;
	c->poll = cfg->mail_poll;
	c->keep_days = cfg->mail_keep_days;
	c->daily_bytes = (long long)cfg->mail_daily_bytes;
	c->submission_keep_days = cfg->submission_keep_days;
	return mail_config_check(c, err);
}

void mail_config_defaults(struct mail_config *c)
{
	struct config cfg;

	config_defaults(&cfg);
	if (mail_config_from(c, &cfg, NULL) != 0)
		abort(); /* the table's defaults are valid: a programming error */
	config_free(&cfg);
}

static int check_address(const char *a, struct err *why, const char *field);
static int check_hostname(const char *h);

int mail_config_check(const struct mail_config *c, struct err *err)
{
	int tls_always = !strncmp(c->smtp_url, "smtps://", 8);
	const char *p;

	if (strncmp(c->smtp_url, "smtp://", 7) != 0 && !tls_always) {
		err_set(err, ERR_VALIDATION, "smtp-url: must start with smtp:// or smtps://");
		return -1;
	}
	for (p = c->smtp_url; *p; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 127) {
			err_set(err, ERR_VALIDATION, "smtp-url: spaces and control characters are not allowed");
			return -1;
		}
	}
	if (c->smtp_user[0] && !tls_always && c->tls != MAIL_TLS_REQUIRED) {
		/* With "try", a relay (or anyone in between) that does not offer
		 * STARTTLS would get the password in clear. */
		err_set(err, ERR_VALIDATION,
			"smtp-user needs smtp-tls = required or an smtps:// URL: "
			"the password must not cross the network in clear");
		return -1;
	}
	if (tls_always && c->tls == MAIL_TLS_NONE) {
		err_set(err, ERR_VALIDATION, "smtp-tls = none contradicts an smtps:// URL");
		return -1;
	}
	if (check_address(c->from, err, "mail-from") != 0)
		return -1;
	if (c->domain[0] && check_hostname(c->domain) != 0) {
		err_set(err, ERR_VALIDATION, "mail-domain: not a domain name");
		return -1;
	}
	if (c->helo[0] && check_hostname(c->helo) != 0) {
		err_set(err, ERR_VALIDATION, "smtp-helo: not a host name");
		return -1;
	}
	if (c->retry_max < c->retry_base) {
		err_set(err, ERR_VALIDATION, "mail-retry-max is shorter than mail-retry-base");
		return -1;
	}
	if (c->connect_timeout < 1 || c->timeout < 1 || c->max_attempts < 1 || c->poll < 1 || c->max_size < 4096) {
		err_set(err, ERR_VALIDATION, "mail settings out of range");
		return -1;
	}
	return 0;
}

/* ---- validation ---- */

/* Bytes of the character at p (text checked by check_text before): 1 for
 * a byte that starts no well-formed sequence, so a walk always advances. */
static size_t char_len(const unsigned char *p, size_t n)
{
	uint32_t cp;
	int k = utf8_decode(p, n, &cp);

	return k > 0 ? (size_t)k : 1;
}

enum { TXT_LINE, TXT_BODY };

/* Valid UTF-8 without control characters; a body may hold tabs and line
 * ends. A header value ("line") may hold no control character at all: no CR
 * or LF (header injection), no C1 controls, no Unicode line separators. */
static int check_text(const char *s, int kind)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	uint32_t cp = 0;
	int l;

	while (i < n) {
		l = utf8_decode(p + i, n - i, &cp);
		if (l < 0)
			return -1;
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
			if (!(kind == TXT_BODY && (cp == '\t' || cp == '\n' || cp == '\r')))
				return -1;
		}
		if (kind == TXT_LINE && (cp == 0x2028 || cp == 0x2029))
			return -1;
		i += (size_t)l;
	}
	return 0;
}

/* A DNS name: see hostname_check() in core/email.h. */
static int check_hostname(const char *h)
{
	return hostname_check(h, strlen(h));
}

/* An address as email_check() (core/email.h) accepts it: the same rule the
 * forms use, so a form never takes an address the outbox would refuse. */
static int check_address(const char *a, struct err *why, const char *field)
{
	if (!a || !*a) {
		err_set(why, ERR_VALIDATION, "%s: missing", field);
		return -1;
	}
	if (email_check(a) != EMAIL_OK) {
		err_set(why, ERR_VALIDATION, "%s: not a valid e-mail address", field);
		return -1;
	}
	return 0;
}

/* "type/subtype", each a token. */
static int check_content_type(const char *t)
{
	size_t i, n = strlen(t), slash = 0, nslash = 0;

	if (n == 0 || n > 127)
		return -1;
	for (i = 0; i < n; i++) {
		char c = t[i];

		if (c == '/') {
			slash = i;
			nslash++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("!#$&^_.+-", c)))
			return -1;
	}
	return nslash == 1 && slash > 0 && slash < n - 1 ? 0 : -1;
}

static int check_kind(const char *k)
{
	size_t i, n = strlen(k);

	if (n == 0 || n > 32)
		return -1;
	for (i = 0; i < n; i++) {
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '-'))
			return -1;
	}
	return 0;
}

/* The extra headers a caller may add (struct mail_header): the mailing
 * list headers of RFC 2369 / RFC 2919 / RFC 8058 and the auto-reply
 * markers. Never a header the builder writes itself (From, To, Subject...). */
static const char *const allowed_headers[] = {
    "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Auto-Submitted", "Precedence", NULL};

static const char *header_name(const char *n)
{
	size_t i;

	for (i = 0; n && allowed_headers[i]; i++)
		if (!strcasecmp(n, allowed_headers[i]))
			return allowed_headers[i];
	return NULL;
}

/* Printable ASCII and spaces only: no CR, LF or any other control. */
static int check_header_value(const char *v)
{
	size_t i, n;

	if (!v || !*v)
		return -1;
	n = strlen(v);
	if (n > OUTBOX_MAX_HEADER)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7E)
			return -1;
	return 0;
}

static int check_headers(const struct mail *m, struct err *why)
{
	size_t i, k;

	if (m->nheaders > OUTBOX_MAX_HEADERS || (m->nheaders && !m->headers)) {
		err_set(why, ERR_VALIDATION, "headers: at most %d", OUTBOX_MAX_HEADERS);
		return OUTBOX_EINVALID;
	}
	for (i = 0; i < m->nheaders; i++) {
		if (!header_name(m->headers[i].name)) {
			err_set(why, ERR_VALIDATION, "headers[%zu].name: not an allowed header", i);
			return OUTBOX_EINVALID;
		}
		for (k = 0; k < i; k++)
			if (header_name(m->headers[k].name) == header_name(m->headers[i].name)) {
				err_set(why, ERR_VALIDATION, "headers[%zu].name: given twice", i);
				return OUTBOX_EINVALID;
			}
		if (check_header_value(m->headers[i].value) != 0) {
			err_set(why, ERR_VALIDATION,
				"headers[%zu].value: missing, too long, not printable ASCII (CR, LF...)", i);
			return OUTBOX_EINVALID;
		}
	}
	return 0;
}

int message_check(const struct mail_config *c, const struct mail *m, struct err *why)
{
	const char *from = m->from ? m->from : c->from;
	const char *name = m->from_name ? m->from_name : c->from_name;
	char field[32];
	size_t i;

	if (check_address(from, why, "from") != 0)
		return OUTBOX_EINVALID;
	if (check_text(name, TXT_LINE) != 0 || strlen(name) > 200) {
		err_set(why, ERR_VALIDATION, "from_name: control characters, invalid UTF-8 or too long");
		return OUTBOX_EINVALID;
	}
	if (!m->to || m->nto == 0 || m->nto > OUTBOX_MAX_RCPT) {
		err_set(why, ERR_VALIDATION, "to: from 1 to %d addresses", OUTBOX_MAX_RCPT);
		return OUTBOX_EINVALID;
	}
	for (i = 0; i < m->nto; i++) {
		snprintf(field, sizeof(field), "to[%zu]", i);
		if (check_address(m->to[i], why, field) != 0)
			return OUTBOX_EINVALID;
	}
	if (m->reply_to && check_address(m->reply_to, why, "reply_to") != 0)
		return OUTBOX_EINVALID;
	if (!m->subject || check_text(m->subject, TXT_LINE) != 0 || strlen(m->subject) > OUTBOX_MAX_SUBJECT) {
		err_set(why, ERR_VALIDATION,
			"subject: missing, control characters (CR, LF...), invalid UTF-8 or too long");
		return OUTBOX_EINVALID;
	}
	if (!m->text || check_text(m->text, TXT_BODY) != 0) {
		err_set(why, ERR_VALIDATION, "text: missing, invalid UTF-8 or control characters");
		return OUTBOX_EINVALID;
	}
	if (m->natt > OUTBOX_MAX_ATT || (m->natt && !m->att)) {
		err_set(why, ERR_VALIDATION, "att: at most %d attachments", OUTBOX_MAX_ATT);
		return OUTBOX_EINVALID;
	}
	for (i = 0; i < m->natt; i++) {
		const struct mail_attachment *a = &m->att[i];
		const char *f = a->filename;

		if (!f || !*f || strlen(f) > OUTBOX_MAX_FILENAME || check_text(f, TXT_LINE) != 0 || strchr(f, '/') ||
		    strchr(f, '\\') || !strcmp(f, ".") || !strcmp(f, "..")) {
			err_set(why, ERR_VALIDATION,
				"att[%zu].filename: missing, too long, a path or control characters", i);
			return OUTBOX_EINVALID;
		}
		if (a->content_type && check_content_type(a->content_type) != 0) {
			err_set(why, ERR_VALIDATION, "att[%zu].content_type: not type/subtype", i);
			return OUTBOX_EINVALID;
		}
		if (a->len && !a->data) {
			err_set(why, ERR_VALIDATION, "att[%zu].data: missing", i);
			return OUTBOX_EINVALID;
		}
		if (a->len > c->max_size) {
			err_set(why, ERR_VALIDATION, "att[%zu]: larger than the message size limit", i);
			return OUTBOX_ETOOBIG;
		}
	}
	if (m->kind && check_kind(m->kind) != 0) {
		err_set(why, ERR_VALIDATION, "kind: [a-z0-9-]{1,32}");
		return OUTBOX_EINVALID;
	}
	return check_headers(m, why);
}

int outbox_check(const struct mail_config *c, const struct mail *m, struct err *why)
{
	return message_check(c, m, why);
}

const char *outbox_strerror(int rc)
{
	switch (rc) {
	case DB_OK: return "ok";
	case DB_ENOROW: return "no such row";
	case OUTBOX_EINVALID: return "the mail is malformed";
	case OUTBOX_ETOOBIG: return "the mail is too large";
	case OUTBOX_EBUDGET: return "the daily mail budget is spent";
	case DB_ECONSTRAINT: return "database constraint";
	case DB_EINTEGRITY: return "database integrity";
	case DB_ECONFLICT: return "database conflict";
	default: return "database error";
	}
}

/* ---- encoders ---- */

static const char HEX[] = "0123456789ABCDEF";

/* Base64 of p[0..n), no line breaks; every caller passes at most 57 bytes. */
static void b64(struct buf *b, const unsigned char *p, size_t n)
{
	char q[80];
	long k = b64_encode(q, sizeof(q), p, n, B64_STD);

	if (k > 0)
		buf_append(b, q, (size_t)k);
}

/* Base64 in lines of 76 characters, each ending CRLF (RFC 2045 6.8). */
static void b64_lines(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && buf_ok(b); i += 57) {
		b64(b, p + i, n - i < 57 ? n - i : 57);
		buf_append(b, "\r\n", 2);
	}
}

/* Quoted-printable (RFC 2045 6.7) of UTF-8 text: "\n" and "\r\n" become hard
 * line breaks (CRLF), lines are at most 76 characters with soft breaks,
 * spaces and tabs before a line end are encoded, a lone CR is =0D. */
static void qp(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t col = 0, i, n = strlen(s);

	for (i = 0; i < n && buf_ok(b); i++) {
		unsigned char c = p[i];
		char tok[3];
		size_t tl;
		int eol_next;

		if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue; /* the CR of a CRLF: the LF makes the break */
		if (c == '\n') {
			buf_append(b, "\r\n", 2);
			col = 0;
			continue;
		}
		eol_next = i + 1 == n || p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n');
		if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !eol_next)) {
			tok[0] = (char)c;
			tl = 1;
		} else {
			tok[0] = '=';
			tok[1] = HEX[c >> 4];
			tok[2] = HEX[c & 15];
			tl = 3;
		}
		/* Room for the token and, unless the line ends right after it, a
		 * soft break "=" after it: at most 76 per line. */
		if (col + tl > (eol_next ? 76u : 75u)) {
			buf_append(b, "=\r\n", 3);
			col = 0;
		}
		buf_append(b, tok, tl);
		col += tl;
	}
	/* The CRLF before the next boundary belongs to the boundary (RFC 2046
	 * 5.1.1): this one, so that the text decodes exactly as given, with or
	 * without a final line end. */
	buf_append(b, "\r\n", 2);
}

static int is_plain_ascii(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
			return 0;
	}
	return 1;
}

/* RFC 2047 "B" encoded words for text (UTF-8), each at most 64 characters,
 * separated by folding ("\r\n "). A word holds whole characters only. */
static void encoded_words(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, start, l;

	while (i < n) {
		start = i;
		/* 39 bytes -> 52 base64 characters -> a 64-character word */
		while (i < n) {
			l = char_len(p + i, n - i);
			if (i + l - start > 39)
				break;
			i += l;
		}
		if (start > 0)
			buf_append(b, "\r\n ", 3);
		buf_puts(b, "=?UTF-8?B?");
		b64(b, p + start, i - start);
		buf_puts(b, "?=");
	}
}

/* An unstructured header (Subject): as is when short plain ASCII that no
 * decoder could mistake for an encoded word, else encoded words. */
static void header_text(struct buf *b, const char *name, const char *s)
{
	buf_printf(b, "%s: ", name);
	if (is_plain_ascii(s) && strlen(s) <= 66 && !strstr(s, "=?"))
		buf_puts(b, s);
	else
		encoded_words(b, s);
	buf_puts(b, "\r\n");
}

/* A mailbox: "Name <addr>" (name quoted, or encoded words) or "addr". */
static void mailbox(struct buf *b, const char *name, const char *addr)
{
	const char *p;

	if (name && *name) {
		if (is_plain_ascii(name) && strlen(name) <= 60 && !strstr(name, "=?")) {
			buf_putc(b, '"');
			for (p = name; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_putc(b, '\\');
				buf_putc(b, *p);
			}
			buf_putc(b, '"');
		} else {
			encoded_words(b, name);
		}
		buf_printf(b, "\r\n <%s>", addr);
	} else {
		buf_puts(b, addr);
	}
}

static int is_attr_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$&+-.^_`|~", c) != NULL);
}

/* A file name parameter (RFC 2231): name="x" for short plain names,
 * otherwise name*0*=UTF-8''%C4%80...; name*1*=... in pieces that never cut
 * a character, each on its own folded line. */
static void filename_param(struct buf *b, const char *param, const char *f)
{
	const unsigned char *p = (const unsigned char *)f;
	size_t n = strlen(f), i = 0, l, k, piece = 0, col;
	int simple = strlen(f) <= 60;

	for (k = 0; k < n && simple; k++) {
		if (!(is_attr_char(p[k]) || p[k] == ' '))
			simple = 0;
	}
	if (simple) {
		buf_printf(b, ";\r\n\t%s=\"%s\"", param, f);
		return;
	}
	while (i < n) {
		buf_printf(b, ";\r\n\t%s*%zu*=%s", param, piece, piece == 0 ? "UTF-8''" : "");
		col = 0;
		while (i < n && col < 40) {
			l = char_len(p + i, n - i);
			for (k = 0; k < l; k++) {
				if (l == 1 && is_attr_char(p[i]) && p[i] != '%') {
					buf_putc(b, (char)p[i]);
					col++;
				} else {
					buf_putc(b, '%');
					buf_putc(b, HEX[p[i + k] >> 4]);
					buf_putc(b, HEX[p[i + k] & 15]);
					col += 3;
				}
			}
			i += l;
		}
		piece++;
	}
}

/* RFC 5322 date in UTC, independent of the locale. */
static void date_header(struct buf *b, long long now)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday % 7], tm.tm_mday,
		   months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *domain_of(const struct mail_config *c)
{
	const char *at;

	if (c->domain[0])
		return c->domain;
	at = strchr(c->from, '@');
	return at ? at + 1 : "epak.invalid";
}

/* The message without its Message-ID line. */
void message_build_rest(const struct mail_config *c, const struct mail *m, long long now, const char *token,
			struct buf *b)
{
	const char *from = m->from ? m->from : c->from;
	const char *name = m->from_name ? m->from_name : c->from_name;
	size_t i;

	date_header(b, now);
	buf_puts(b, "From: ");
	mailbox(b, name, from);
	buf_puts(b, "\r\nTo: ");
	for (i = 0; i < m->nto; i++)
		buf_printf(b, "%s%s", i ? ",\r\n " : "", m->to[i]);
	buf_puts(b, "\r\n");
	if (m->reply_to)
		buf_printf(b, "Reply-To: %s\r\n", m->reply_to);
	header_text(b, "Subject", m->subject);
	for (i = 0; i < m->nheaders; i++) /* checked: allowlisted names, printable ASCII */
		buf_printf(b, "%s: %s\r\n", header_name(m->headers[i].name), m->headers[i].value);
	/* "=_" cannot occur in base64 or quoted-printable text, so this
	 * boundary can never appear inside a part. */
	buf_printf(b,
		   "MIME-Version: 1.0\r\n"
		   "Content-Type: multipart/mixed; boundary=\"=_epak_%s\"\r\n"
		   "\r\n"
		   "This is a MIME message.\r\n"
		   "--=_epak_%s\r\n"
		   "Content-Type: text/plain; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n"
		   "\r\n",
		   token, token);
	qp(b, m->text);
	for (i = 0; i < m->natt && buf_ok(b); i++) {
		const struct mail_attachment *a = &m->att[i];

		buf_printf(b, "--=_epak_%s\r\nContent-Type: %s", token,
			   a->content_type ? a->content_type : "application/octet-stream");
		filename_param(b, "name", a->filename);
		buf_puts(b, "\r\nContent-Disposition: attachment");
		filename_param(b, "filename", a->filename);
		buf_puts(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
		b64_lines(b, a->data, a->len);
	}
	buf_printf(b, "--=_epak_%s--\r\n", token);
}

void message_id(char *out, size_t n, const struct mail_config *c, long long id, const char *token)
{
	snprintf(out, n, "<%lld.%s@%s>", id, token, domain_of(c));
}

int outbox_build(const struct mail_config *c, const struct mail *m, long long id, long long now, const char *token,
		 char **out, size_t *len, struct err *why)
{
	struct buf rest = BUF_INIT, b = BUF_INIT;
	char mid[400];
	int rc;

	*out = NULL;
	*len = 0;
	rc = message_check(c, m, why);
	if (rc != 0)
		goto out;
	rc = OUTBOX_ETOOBIG;
	buf_init(&rest, c->max_size);
	message_build_rest(c, m, now, token, &rest);
	message_id(mid, sizeof(mid), c, id, token);
	buf_init(&b, c->max_size);
	buf_printf(&b, "Message-ID: %s\r\n", mid);
	buf_append(&b, rest.data, rest.len);
	if (!buf_ok(&rest) || !buf_ok(&b)) {
		err_set(why, ERR_VALIDATION, "the encoded message is larger than %zu bytes", c->max_size);
		goto out;
	}
	*out = buf_steal(&b, len);
	rc = *out ? 0 : OUTBOX_ETOOBIG;
out:
	buf_free(&rest);
	buf_free(&b);
	return rc;
}
