/* smtp.c — one SMTP exchange with libcurl. See smtp.h. */
#include "mail/smtp.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/buf.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* What one exchange knows about itself. */
struct exch {
	const unsigned char *msg;
	size_t len, off;
	int body_done;   /* the read callback has handed over the last byte */
	char stage[12];  /* the last command sent */
	char reply[256]; /* the last line the relay sent before QUIT */
	int quitting;    /* QUIT sent: what follows is no verdict on the message */
	const struct smtp_hooks *hooks;
	long long deadline; /* monotonic ms: the whole exchange ends by then */
	int timed_out;      /* on_progress cut it off at the deadline */
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t on_read(char *dst, size_t size, size_t nmemb, void *cls)
{
	struct exch *x = cls;
	size_t n = size * nmemb, left = x->len - x->off;

	if (n > left)
		n = left;
	memcpy(dst, x->msg + x->off, n);
	x->off += n;
	if (x->off == x->len)
		x->body_done = 1;
	return n;
}

static int on_progress(void *cls, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct exch *x = cls;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	/* Our own watchdog besides CURLOPT_TIMEOUT: libcurl 7.88 does not apply
	 * that to the wait for the reply to the end of DATA (it then waits up
	 * to the server response timeout); it does call this about once a
	 * second while it waits. */
	if (mono_ms() >= x->deadline) {
		x->timed_out = 1;
		return 1;
	}
	return x->hooks && x->hooks->cancel && x->hooks->cancel(x->hooks->cls) ? 1 : 0;
}

/* Watches the dialogue to know which command a reply answers and what the
 * relay said. Only command verbs are kept from what we send (AUTH carries
 * the credentials, MAIL and RCPT the addresses); never the message. */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *cls)
{
	static const char *const verbs[] = {"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA"};
	struct exch *x = cls;
	size_t i, n;

	(void)h;
	if (type == CURLINFO_HEADER_OUT) {
		if (size >= 4 && !strncmp(data, "QUIT", 4))
			x->quitting = 1;
		for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
			n = strlen(verbs[i]);
			if (size >= n && !strncmp(data, verbs[i], n)) {
				snprintf(x->stage, sizeof(x->stage), "%s", i == 1 ? "EHLO" : verbs[i]);
				break;
			}
		}
	} else if (type == CURLINFO_HEADER_IN && !x->quitting) {
		n = size;
		while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
			n--;
		if (n >= sizeof(x->reply))
			n = sizeof(x->reply) - 1;
		memcpy(x->reply, data, n);
		x->reply[n] = '\0';
	}
	return 0;
}

/* Copies s into dst as printable ASCII, each word holding an '@' (an
 * address, in any of the forms relays echo them) replaced by "<address>". */
static void scrub(char *dst, size_t n, const char *s)
{
	struct buf b = BUF_INIT;
	const char *w, *e;
	size_t i;

	buf_init(&b, n > 0 ? n - 1 : 0);
	w = s;
	while (*w) {
		e = w;
		while (*e && *e != ' ')
			e++;
		if (memchr(w, '@', (size_t)(e - w))) {
			buf_puts(&b, "<address>");
		} else {
			for (i = 0; w + i < e; i++) {
				unsigned char c = (unsigned char)w[i];

				buf_putc(&b, c >= 0x20 && c < 0x7F ? (char)c : '?');
			}
		}
		if (*e)
			buf_putc(&b, ' ');
		w = *e ? e + 1 : e;
	}
	snprintf(dst, n, "%s", b.data ? b.data : "");
	buf_free(&b);
}

static int reply_code(const char *s)
{
	if (s[0] >= '2' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9')
		return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	return 0;
}

enum smtp_outcome smtp_classify(int code, const char *stage)
{
	/* 5xx refuses this message for good only where it is about the message:
	 * its recipients or its content (and its size or parameters on MAIL).
	 * A 5xx to the greeting, EHLO, STARTTLS, AUTH or to our sender says the
	 * relay will not take mail from us at all: our settings are wrong, every
	 * message would fail alike, so they wait (within the bounds) for an
	 * operator to fix them instead of being dropped one by one. */
	if (code >= 500 && code <= 599) {
		if (!strcmp(stage, "RCPT") || !strcmp(stage, "DATA"))
			return SMTP_PERMFAIL;
		if (!strcmp(stage, "MAIL") && (code == 552 || code == 555))
			return SMTP_PERMFAIL;
	}
	return SMTP_TEMPFAIL;
}

/* smtps:// is TLS from the start; CURLUSESSL_ALL also makes libcurl insist
 * on it there. */
static long use_ssl(const struct mail_config *c)
{
	if (!strncmp(c->smtp_url, "smtps://", 8) || c->tls == MAIL_TLS_REQUIRED)
		return (long)CURLUSESSL_ALL;
	return c->tls == MAIL_TLS_TRY ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_NONE;
}

/* smtp://host:port gets "/HELO-NAME" (libcurl sends the URL's path in EHLO;
 * without one it says "localhost", which some relays refuse). */
static void relay_url(const struct mail_config *c, char *out, size_t n)
{
	const char *rest = strstr(c->smtp_url, "://");
	const char *helo = c->helo;
	const char *at;

	if (!helo[0])
		helo = c->domain;
	if (!helo[0]) {
		at = strchr(c->from, '@');
		helo = at ? at + 1 : "localhost";
	}
	if (rest && !strchr(rest + 3, '/'))
		snprintf(out, n, "%s/%s", c->smtp_url, helo);
	else
		snprintf(out, n, "%s", c->smtp_url);
}

enum smtp_outcome smtp_send(const struct mail_config *c, const char *sender, const char *const *rcpt, size_t nrcpt,
			    const void *msg, size_t len, const struct smtp_hooks *hooks, struct smtp_result *r)
{
	struct smtp_conn one = {NULL};
	enum smtp_outcome o = smtp_send_on(&one, c, sender, rcpt, nrcpt, msg, len, hooks, r);

	smtp_conn_close(&one);
	return o;
}

void smtp_conn_close(struct smtp_conn *conn)
{
	if (conn->curl)
		curl_easy_cleanup(conn->curl);
	conn->curl = NULL;
}

enum smtp_outcome smtp_send_on(struct smtp_conn *conn, const struct mail_config *c, const char *sender,
			       const char *const *rcpt, size_t nrcpt, const void *msg, size_t len,
			       const struct smtp_hooks *hooks, struct smtp_result *r)
{
	struct exch x;
	struct curl_slist *to = NULL, *t;
	char url[1400], from[300], one[300], errbuf[CURL_ERROR_SIZE] = "", text[256];
	CURL *h = NULL;
	CURLcode cc = CURLE_FAILED_INIT;
	long code = 0;
	size_t i;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	x.msg = msg;
	x.len = len;
	x.hooks = hooks;
	x.deadline = mono_ms() + (long long)c->timeout * 1000;
	snprintf(x.stage, sizeof(x.stage), "CONNECT");
	pthread_once(&curl_once, curl_init_once);

	for (i = 0; i < nrcpt; i++) {
		snprintf(one, sizeof(one), "<%s>", rcpt[i]);
		t = curl_slist_append(to, one);
		if (!t)
			goto out;
		to = t;
	}
	/* a reset handle keeps its live connection (curl_easy_reset(3)) */
	if (conn->curl)
		curl_easy_reset(conn->curl);
	else
		conn->curl = curl_easy_init();
	h = conn->curl;
	if (!h || !to)
		goto out;
	relay_url(c, url, sizeof(url));
	snprintf(from, sizeof(from), "<%s>", sender);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->connect_timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)c->timeout);
	curl_easy_setopt(h, CURLOPT_USE_SSL, use_ssl(c));
	if (c->ca_file[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->smtp_user[0]) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password);
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
	/* Verbose only to feed on_debug, which prints nothing. */
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	cc = curl_easy_perform(h);
	/* The relay has the message: say so before anything else (before the
	 * next message on this connection, before QUIT, which libcurl sends
	 * when the handle is cleaned up and a slow relay could make us wait
	 * for). */
	if (cc == CURLE_OK && hooks && hooks->accepted)
		hooks->accepted(hooks->cls);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
out:
	snprintf(r->stage, sizeof(r->stage), "%s", x.stage);
	if (cc == CURLE_OK) {
		r->outcome = SMTP_SENT;
		r->code = (int)code;
		scrub(r->why, sizeof(r->why), x.reply);
	} else {
		/* libcurl's code is the relay's last reply; should a QUIT have
		 * followed the failure, its 221 hides the verdict, which the
		 * dialogue still holds. */
		if (code < 400 && reply_code(x.reply) >= 400)
			code = reply_code(x.reply);
		r->code = code >= 400 ? (int)code : 0;
		r->outcome = smtp_classify(r->code, r->stage);
		/* The whole message went out and no verdict on it came back: the
		 * relay may have taken it (the unavoidable window, docs/mail.md). */
		r->uncertain = x.body_done && r->code == 0 && !strcmp(r->stage, "DATA");
		if (r->code)
			scrub(text, sizeof(text), x.reply);
		else if (x.timed_out)
			snprintf(text, sizeof(text), "no answer within %d s (EPAK_SMTP_TIMEOUT)", c->timeout);
		else if (cc == CURLE_ABORTED_BY_CALLBACK)
			snprintf(text, sizeof(text), "interrupted by shutdown");
		else
			scrub(text, sizeof(text), errbuf[0] ? errbuf : curl_easy_strerror(cc));
		snprintf(r->why, sizeof(r->why), "%s%s: %s", r->uncertain ? "uncertain, " : "", r->stage, text);
	}
	curl_slist_free_all(to);
	if (h) /* the list and the buffers on the stack are about to go */
		curl_easy_reset(h);
	return r->outcome;
}
