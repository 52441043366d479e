/* test_mail.c — the mail outbox, the SMTP delivery and the worker.
 *
 * Three layers:
 *   - message building, without a database: headers, encodings, limits,
 *     header injection refused; read back by Python's e-mail parser (an
 *     implementation no one here wrote) through tests/mail/smtpd.py --parse;
 *   - the outbox table on SQLite and on PostgreSQL (as test_store.c: a fresh
 *     file, or a fresh schema at EPAK_TEST_PG_URL): the transaction rules,
 *     the state machine, leases under concurrency, backoff and giving up;
 *   - real delivery to a real SMTP server (tests/mail/smtpd.py on Debian's
 *     python3-aiosmtpd) that each test starts on a free loopback port and
 *     stops: what arrives is compared with what was queued, byte for byte
 *     where it matters; 4xx, 5xx, a relay that is down or hangs, STARTTLS
 *     (a throw-away certificate made with openssl at the start), smtps,
 *     AUTH, the worker thread and the CLI.
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/config.h"
#include "mail/cli.h"
#include "mail/outbox.h"
#include "mail/smtp.h"
#include "mail/worker.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "pgtest.h"
#include "store/migrate.h"

/* The carrier keeps its first error: each call gets it cleared. */
static struct err *fresh(struct err *e)
{
	err_clear(e);
	return e;
}

static const char *python(void)
{
	const char *p = getenv("EPAK_TEST_PYTHON");

	/* Debian's Python, where python3-aiosmtpd lives (a private python3
	 * earlier on PATH would not have it). */
	return p && *p ? p : "/usr/bin/python3";
}

static const char *smtpd_script(void)
{
	const char *p = getenv("EPAK_TEST_SMTPD");

	return p && *p ? p : "tests/mail/smtpd.py";
}

/* ---- processes and files ---- */

static char tls_dir[64]; /* the throw-away certificate, made once */
static char tls_cert[128], tls_key[128];

/* Starts argv with its stdout into a pipe whose read end goes to *rfd and
 * its stderr into the file errlog (NULL: /dev/null); the pid, or -1 (and no
 * pipe) when it could not. */
static pid_t spawn(char *const argv[], const char *errlog, int *rfd)
{
	int fds[2], err;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		err = errlog ? open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600) : open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		dup2(err, 2);
		close(fds[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	*rfd = fds[0];
	return pid;
}

/* Runs argv, stdout into *out (malloc'd; out may be NULL), stderr to
 * /dev/null; returns the exit status or -1. */
static int run(char *const argv[], char **out, size_t *outlen)
{
	int fd, st = -1;
	pid_t pid;
	char tmp[4096];
	size_t len = 0, cap = 0;
	char *buf = NULL;
	ssize_t n;

	pid = spawn(argv, NULL, &fd);
	if (pid < 0)
		return -1;
	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + (size_t)n + 1 > cap) {
			cap = (len + (size_t)n + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		memcpy(buf + len, tmp, (size_t)n);
		len += (size_t)n;
		buf[len] = '\0';
	}
	close(fd);
	waitpid(pid, &st, 0);
	if (out) {
		*out = buf;
		if (outlen)
			*outlen = len;
	} else {
		free(buf);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int make_certificate(void)
{
	char *argv[] = {"/usr/bin/openssl",
			"req",
			"-x509",
			"-newkey",
			"ec",
			"-pkeyopt",
			"ec_paramgen_curve:P-256",
			"-nodes",
			"-days",
			"2",
			"-subj",
			"/CN=localhost",
			"-addext",
			"subjectAltName=IP:127.0.0.1,DNS:localhost",
			"-keyout",
			tls_key,
			"-out",
			tls_cert,
			NULL};

	snprintf(tls_dir, sizeof(tls_dir), "/tmp/epak-mail-tls-XXXXXX");
	if (!mkdtemp(tls_dir))
		return -1;
	snprintf(tls_cert, sizeof(tls_cert), "%s/cert.pem", tls_dir);
	snprintf(tls_key, sizeof(tls_key), "%s/key.pem", tls_dir);
	return run(argv, NULL, NULL) == 0 ? 0 : -1;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		if (p) {
			p[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* A port nothing listens on (just now). */
static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

/* ---- the SMTP server ---- */

struct smtpd {
	pid_t pid;
	int port;
	char dir[192];
};

/* Starts tests/mail/smtpd.py storing into base/smtpN; port 0 = any free
 * one. extra: more arguments, NULL-terminated (may be NULL). */
static void smtpd_start(struct smtpd *s, const char *base, int port, const char *const *extra)
{
	static int counter;
	char *argv[32], portstr[16], line[64], log[256];
	int fd, n = 0, i, got = 0;
	struct pollfd pf;
	size_t len = 0;
	ssize_t k;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s/smtp%d", base, ++counter);
	assert_int_equal(mkdir(s->dir, 0700), 0);
	snprintf(portstr, sizeof(portstr), "%d", port);
	argv[n++] = (char *)python();
	argv[n++] = (char *)smtpd_script();
	argv[n++] = "--dir";
	argv[n++] = s->dir;
	argv[n++] = "--port";
	argv[n++] = portstr;
	for (i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/server.log", s->dir);
	s->pid = spawn(argv, log, &fd);
	assert_true(s->pid >= 0);
	/* "READY <port>\n" within 15 s */
	pf.fd = fd;
	pf.events = POLLIN;
	while (len < sizeof(line) - 1 && !memchr(line, '\n', len)) {
		if (poll(&pf, 1, 15000) <= 0)
			break;
		k = read(fd, line + len, sizeof(line) - 1 - len);
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	line[len] = '\0';
	if (sscanf(line, "READY %d", &s->port) == 1)
		got = 1;
	if (!got)
		fail_msg("the SMTP server did not start (%s %s): see %s/server.log", python(), smtpd_script(), s->dir);
}

static void smtpd_stop(struct smtpd *s)
{
	int st, i;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	for (i = 0; i < 50; i++) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			return;
		}
		sleep_ms(100);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &st, 0);
	s->pid = 0;
}

/* Messages the server has stored. */
static int smtpd_count(const struct smtpd *s)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;
	int n = 0;
	size_t l;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		l = strlen(e->d_name);
		n += l > 5 && !strcmp(e->d_name + l - 5, ".json");
	}
	closedir(d);
	return n;
}

/* The summary of message seq (1, 2...), waiting up to ms for it. */
static json_t *smtpd_message(const struct smtpd *s, int seq, int ms)
{
	char path[256];
	json_error_t je;
	json_t *j = NULL;
	int waited = 0;

	snprintf(path, sizeof(path), "%s/%04d.json", s->dir, seq);
	while (!j && waited <= ms) {
		j = json_load_file(path, 0, &je);
		if (!j) {
			sleep_ms(50);
			waited += 50;
		}
	}
	if (!j)
		fail_msg("message %d did not arrive within %d ms", seq, ms);
	return j;
}

static char *smtpd_raw(const struct smtpd *s, int seq, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%04d.eml", s->dir, seq);
	return read_file(path, len);
}

static const char *jstr(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	if (!s)
		fail_msg("no string '%s' in the summary", key);
	return s;
}

/* ---- fixture ---- */

static struct backend be_none = {"none", 0};
static struct backend be_sqlite = {"sqlite", 0};
static struct backend be_pg = {"postgresql", 1};

struct fx {
	const struct backend *be;
	struct testdb tdb; /* its folder also holds the servers' files */
	struct db *db;
	struct mail_config mc;
	struct smtpd srv;
};

static void test_config(struct mail_config *mc, int port)
{
	mail_config_defaults(mc);
	snprintf(mc->smtp_url, sizeof(mc->smtp_url), "smtp://127.0.0.1:%d", port);
	snprintf(mc->from, sizeof(mc->from), "portals@epak.example.lv");
	snprintf(mc->from_name, sizeof(mc->from_name), "Valsts pārvaldes pakalpojumu portāls");
	snprintf(mc->domain, sizeof(mc->domain), "epak.example.lv");
	mc->connect_timeout = 5;
	mc->timeout = 10;
	mc->retry_base = 60;
	mc->retry_max = 3600;
	mc->max_attempts = 5;
	mc->poll = 1;
	/* the plain test relay on loopback; the default (required) is tested by
	 * starttls_required_by_default and tls_modes */
	mc->tls = MAIL_TLS_NONE;
}

static int fx_setup(void **state)
{
	const struct backend *be = *state;
	struct fx *fx;

	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->be = be;
	*state = fx;
	test_config(&fx->mc, 25);
	return testdb_make(&fx->tdb, "mail", be == &be_none ? NULL : be, "sub/epak.db", 1, &fx->db);
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (!fx)
		return 0;
	mail_worker_stop();
	smtpd_stop(&fx->srv);
	db_close(fx->db);
	testdb_remove(&fx->tdb);
	free(fx);
	return 0;
}

static struct fx *fx_of(void **state)
{
	struct fx *fx = *state;

	testdb_need(&fx->tdb);
	return fx;
}

/* Starts the fixture's SMTP server and points the settings at it. */
static void fx_smtpd(struct fx *fx, int port, const char *const *extra)
{
	smtpd_start(&fx->srv, fx->tdb.dir, port, extra);
	snprintf(fx->mc.smtp_url, sizeof(fx->mc.smtp_url), "smtp://127.0.0.1:%d", fx->srv.port);
}

static long long q_int(struct db *db, const char *sql, long long id)
{
	long long v = -1;

	OK(db, db_query_int(db, sql, DB_P(PINT(id)), &v));
	return v;
}

struct text_out {
	char *s;
};

static int text_cb(void *cls, const struct db_row *row)
{
	struct text_out *t = cls;
	const char *s = row_text(row, 0);

	t->s = strdup(s ? s : "");
	return 0;
}

/* The first column of a one-parameter query as a malloc'd string. */
static char *q_text(struct db *db, const char *sql, long long id)
{
	struct text_out t = {NULL};

	OK(db, db_query(db, sql, DB_P(PINT(id)), text_cb, &t));
	assert_non_null(t.s);
	return t.s;
}

static const char SQL_STATUS[] = "SELECT status FROM mail_outbox WHERE id = $1";
static const char SQL_ERROR[] = "SELECT last_error FROM mail_outbox WHERE id = $1";
static const char SQL_ATTEMPTS[] = "SELECT attempts FROM mail_outbox WHERE id = $1";
static const char SQL_NEXT_AT[] = "SELECT next_at FROM mail_outbox WHERE id = $1";
static const char SQL_DUE_NOW[] = "UPDATE mail_outbox SET next_at = 0 WHERE id = $1";
static const char SQL_COUNT[] = "SELECT count(*) FROM mail_outbox WHERE id >= $1";
static const char SQL_REVISION[] = "SELECT value FROM revision WHERE id = $1";

static void assert_status(struct db *db, long long id, const char *want)
{
	char *s = q_text(db, SQL_STATUS, id);

	if (strcmp(s, want) != 0) {
		char *why = q_text(db, SQL_ERROR, id);

		print_error("mail %lld: last_error: %s\n", id, why);
		free(why);
		free(s);
		fail_msg("mail %lld is not %s", id, want);
	}
	free(s);
}

/* last_error must hold each of the needles and no '@' (no address). */
static void assert_error_has(struct db *db, long long id, const char *n1, const char *n2)
{
	char *s = q_text(db, SQL_ERROR, id);

	if ((n1 && !strstr(s, n1)) || (n2 && !strstr(s, n2)) || strchr(s, '@'))
		fail_msg("mail %lld: last_error '%s' (want '%s', '%s', no address)", id, s, n1 ? n1 : "", n2 ? n2 : "");
	free(s);
}

/* ---- a simple mail, queued in its own transaction ---- */

struct enq {
	const struct mail_config *mc;
	const struct mail *m;
	long long id;
	int bump; /* also change something, as a real caller does */
	int fail; /* then roll back */
};

static int enq_body(struct db *db, void *cls)
{
	struct enq *e = cls;
	int rc;

	if (e->bump) {
		rc = db_exec(db, "UPDATE revision SET value = value + 1 WHERE id = 1", DB_NOP, NULL);
		if (rc != DB_OK)
			return rc;
	}
	rc = outbox_enqueue_with(db, e->mc, e->m, &e->id);
	if (rc != DB_OK)
		return rc;
	return e->fail ? 1 : 0;
}

static long long enqueue_to(struct fx *fx, const char *to)
{
	const char *rcpt[1] = {to};
	struct mail m = {.to = rcpt, .nto = 1, .subject = "Sveiki", .text = "Labdien!\n", .kind = "test"};
	struct enq e = {&fx->mc, &m, -1, 0, 0};

	OK(fx->db, db_tx(fx->db, enq_body, &e));
	assert_true(e.id > 0);
	return e.id;
}

/* ---- building messages (no database) ---- */

static unsigned char *test_bytes(size_t n)
{
	unsigned char *p = malloc(n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 7) ^ (i >> 8) ^ (i >> 3)); /* every byte value, CR, LF, NUL */
	return p;
}

static void check_lines(const char *msg, size_t len, size_t max)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c >= 128)
			fail_msg("8-bit byte at %zu", i);
		if (c == '\n')
			fail_msg("bare LF at %zu", i);
		if (c == '\r') {
			if (i + 1 >= len || msg[i + 1] != '\n')
				fail_msg("bare CR at %zu", i);
			i++;
			col = 0;
			continue;
		}
		if (++col > max)
			fail_msg("line longer than %zu at %zu", max, i);
	}
}

static const char TOKEN[] = "0123456789abcdef";

static void builds_rfc5322_message(void **state)
{
	struct fx *fx = *state;
	const char *to[] = {"iestade@example.lv", "kopija@pasts.example.lv"};
	unsigned char *edoc = test_bytes(3000);
	struct mail_attachment att = {"Iesniegums.edoc", "application/vnd.etsi.asic-e+zip", edoc, 3000};
	struct mail m = {.to = to,
			 .nto = 2,
			 .reply_to = "anna@example.lv",
			 .subject = "Iesniegums: dzīvesvietas deklarēšana",
			 .text = "Labdien!\nPielikumā iesniegums.\n",
			 .att = &att,
			 .natt = 1};
	char *msg = NULL;
	struct err why = {0};
	size_t len = 0;

	assert_int_equal(outbox_build(&fx->mc, &m, 42, 1767225600, TOKEN, &msg, &len, fresh(&why)), 0);
	assert_true(len > 4000);
	assert_memory_equal(msg,
			    "Message-ID: <42.0123456789abcdef@epak.example.lv>\r\n"
			    "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
			    "From: =?UTF-8?B?",
			    strlen("Message-ID: <42.0123456789abcdef@epak.example.lv>\r\n"
				   "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
				   "From: =?UTF-8?B?"));
	assert_non_null(strstr(msg, "\r\n <portals@epak.example.lv>\r\nTo: iestade@example.lv,\r\n"
				    " kopija@pasts.example.lv\r\nReply-To: anna@example.lv\r\nSubject: =?UTF-8?B?"));
	assert_non_null(strstr(msg, "MIME-Version: 1.0\r\n"
				    "Content-Type: multipart/mixed; boundary=\"=_epak_0123456789abcdef\"\r\n"));
	assert_non_null(strstr(msg, "--=_epak_0123456789abcdef\r\n"
				    "Content-Type: text/plain; charset=UTF-8\r\n"
				    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
				    "Labdien!\r\nPielikum=C4=81 iesniegums.\r\n"));
	assert_non_null(strstr(msg, "Content-Type: application/vnd.etsi.asic-e+zip;\r\n\tname=\"Iesniegums.edoc\"\r\n"
				    "Content-Disposition: attachment;\r\n\tfilename=\"Iesniegums.edoc\"\r\n"
				    "Content-Transfer-Encoding: base64\r\n\r\n"));
	assert_string_equal(msg + len - strlen("--=_epak_0123456789abcdef--\r\n"), "--=_epak_0123456789abcdef--\r\n");
	check_lines(msg, len, 78);
	free(msg);
	free(edoc);
}

/* Runs Python's parser over msg; the summary as JSON. */
static json_t *python_reads(const struct fx *fx, const char *msg, size_t len)
{
	char path[128], *out = NULL;
	char *argv[5];
	json_error_t je;
	json_t *j;
	FILE *f;

	snprintf(path, sizeof(path), "%s/built.eml", fx->tdb.dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(msg, 1, len, f), len);
	fclose(f);
	argv[0] = (char *)python();
	argv[1] = (char *)smtpd_script();
	argv[2] = "--parse";
	argv[3] = path;
	argv[4] = NULL;
	assert_int_equal(run(argv, &out, NULL), 0);
	j = json_loads(out, 0, &je);
	free(out);
	assert_non_null(j);
	return j;
}

static unsigned char *b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s);
	unsigned char *p = malloc(n / 4 * 3 + 4);
	int k;

	assert_non_null(p);
	k = EVP_DecodeBlock(p, (const unsigned char *)s, (int)n);
	assert_true(k >= 0);
	while (n > 0 && s[n - 1] == '=') {
		k--;
		n--;
	}
	*len = (size_t)k;
	return p;
}

static const char LONG_SUBJECT[] = "Iesniegums: dzīvesvietas deklarēšana bērnam — Ābeļu ķēniņš, "
				   "Rīga, Brīvības iela 1; \"pēdiņas\" un =?iso-8859-1?q?x?= paliek teksts";
static const char LONG_NAME[] = "Iesniegums par dzīvesvietas deklarēšanu — Ābeļu ķēniņš Čaklais "
				"(āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ) 100% \"pēdiņās\" 'x'.edoc";
static const char BODY[] = "Labdien!\n"
			   "\n"
			   "Pielikumā ar drošu elektronisko parakstu parakstīts iesniegums par dzīvesvietas "
			   "deklarēšanu; rindiņa ir garāka par septiņdesmit sešām zīmēm, tāpēc tā tiek dalīta.\n"
			   "a = b, c=d, =?utf-8?q?=\n"
			   ".\n"
			   "From here on\n"
			   "trailing space \n"
			   "trailing tab\t\n"
			   "\ttab in front\r\n"
			   "āāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāāā\n"
			   "Ar cieņu,\nValsts portāls";

static void python_reads_what_we_build(void **state)
{
	struct fx *fx = *state;
	const char *to[] = {"iestade@example.lv"};
	unsigned char *edoc = test_bytes(5000);
	struct mail_attachment att[2] = {{LONG_NAME, "application/vnd.etsi.asic-e+zip", edoc, 5000},
					 {"čeks.txt", NULL, "x", 1}};
	struct mail m = {.to = to, .nto = 1, .subject = LONG_SUBJECT, .text = BODY, .att = att, .natt = 2};
	char *msg = NULL;
	struct err why = {0};
	char want_text[sizeof(BODY) + 8];
	const json_t *a;
	unsigned char *data;
	size_t len = 0, dlen = 0, i, k = 0;
	json_t *j;

	assert_int_equal(outbox_build(&fx->mc, &m, 7, 1767225600, TOKEN, &msg, &len, fresh(&why)), 0);
	check_lines(msg, len, 78);
	j = python_reads(fx, msg, len);
	assert_string_equal(jstr(j, "subject"), LONG_SUBJECT);
	assert_string_equal(jstr(j, "from"), "Valsts pārvaldes pakalpojumu portāls <portals@epak.example.lv>");
	assert_string_equal(jstr(j, "to"), "iestade@example.lv");
	assert_string_equal(jstr(j, "message_id"), "<7.0123456789abcdef@epak.example.lv>");
	assert_string_equal(jstr(j, "content_type"), "multipart/mixed");
	assert_string_equal(jstr(j, "text_charset"), "utf-8");
	/* the text comes back as written (line ends as "\n") */
	for (i = 0; BODY[i]; i++) {
		if (!(BODY[i] == '\r' && BODY[i + 1] == '\n'))
			want_text[k++] = BODY[i];
	}
	want_text[k] = '\0';
	assert_string_equal(jstr(j, "text"), want_text);
	assert_int_equal(json_array_size(json_object_get(j, "defects")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "attachments")), 2);
	a = json_array_get(json_object_get(j, "attachments"), 0);
	assert_string_equal(jstr(a, "filename"), LONG_NAME);
	assert_string_equal(jstr(a, "content_type"), "application/vnd.etsi.asic-e+zip");
	data = b64_decode(jstr(a, "data"), &dlen);
	assert_int_equal(dlen, 5000);
	assert_memory_equal(data, edoc, 5000);
	free(data);
	a = json_array_get(json_object_get(j, "attachments"), 1);
	assert_string_equal(jstr(a, "filename"), "čeks.txt");
	assert_string_equal(jstr(a, "content_type"), "application/octet-stream");
	json_decref(j);
	free(msg);
	free(edoc);
}

/* Decodes quoted-printable (soft breaks gone, CRLF -> LF). */
static char *qp_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	assert_non_null(out);
	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=' && i + 2 < n) {
			unsigned v;

			assert_int_equal(sscanf(s + i + 1, "%2X", &v), 1);
			*o++ = (char)v;
			i += 2;
		} else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			*o++ = '\n';
			i++;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static void quoted_printable_round_trips(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = {
	    "",
	    "a",
	    "line without end",
	    "=",
	    "trailing space \nand tab\t",
	    "lone CR\rinside\r\n",
	    "75 x: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
	    "76 x: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
	    "77 x: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	    "74 then ā: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxā\n",
	    "space at the 76th column:                                                   x \n",
	    BODY,
	};
	const char *to[] = {"a@example.lv"};
	struct mail m = {.to = to, .nto = 1, .subject = "qp"};
	char *msg, *dec, *want;
	struct err why = {0};
	const char *start, *end, *p;
	size_t len, i, k, col;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		m.text = texts[i];
		assert_int_equal(outbox_build(&fx->mc, &m, 1, 0, TOKEN, &msg, &len, fresh(&why)), 0);
		start = strstr(msg, "quoted-printable\r\n\r\n");
		assert_non_null(start);
		start += strlen("quoted-printable\r\n\r\n");
		end = strstr(start, "\r\n--=_epak_"); /* that CRLF is the boundary's */
		assert_non_null(end);
		/* lines of at most 76, no space or tab before a line end */
		col = 0;
		for (p = start; p < end; p++) {
			if (*p == '\r') {
				assert_true(p[1] == '\n');
				assert_true(p == start || (p[-1] != ' ' && p[-1] != '\t'));
				col = 0;
				p++;
				continue;
			}
			assert_true((unsigned char)*p < 128);
			assert_true(++col <= 76);
		}
		dec = qp_decode(start, (size_t)(end - start));
		want = malloc(strlen(texts[i]) + 2);
		assert_non_null(want);
		for (k = 0, p = texts[i]; *p; p++) {
			if (!(p[0] == '\r' && p[1] == '\n'))
				want[k++] = *p;
		}
		want[k] = '\0';
		assert_string_equal(dec, want);
		free(want);
		free(dec);
		free(msg);
	}
}

static void long_subject_folds_on_characters(void **state)
{
	struct fx *fx = *state;
	const char *to[] = {"a@example.lv"};
	struct mail m = {.to = to, .nto = 1, .subject = LONG_SUBJECT, .text = ""};
	char *msg, word[128];
	struct err why = {0};
	const char *p, *e;
	unsigned char bytes[128];
	size_t len;
	int n, words = 0;

	assert_int_equal(outbox_build(&fx->mc, &m, 1, 0, TOKEN, &msg, &len, fresh(&why)), 0);
	p = strstr(msg, "Subject: ");
	assert_non_null(p);
	p += 9;
	/* =?UTF-8?B?...?= words, one per line, each whole UTF-8 */
	while ((e = strstr(p, "?=")) && !strncmp(p, "=?UTF-8?B?", 10)) {
		assert_true(e + 2 - p <= 75);
		snprintf(word, sizeof(word), "%.*s", (int)(e - p - 10), p + 10);
		n = EVP_DecodeBlock(bytes, (const unsigned char *)word, (int)strlen(word));
		assert_true(n > 0);
		while (n > 0 && word[strlen(word) - 1] == '=' && bytes[n - 1] == 0) {
			n--;
			word[strlen(word) - 1] = '\0';
		}
		/* the word ends on a character boundary: its last byte is ASCII
		 * or completes a sequence */
		assert_true((bytes[0] & 0xC0) != 0x80);
		words++;
		p = e + 2;
		if (strncmp(p, "\r\n ", 3) != 0)
			break;
		p += 3;
	}
	assert_true(words >= 3);
	assert_memory_equal(p, "\r\nMIME-Version", 14);
	free(msg);
}

static void expect_invalid(const struct mail_config *mc, const struct mail *m, const char *secret)
{
	char *msg = NULL;
	struct err why = {0};
	size_t len;
	int rc;

	rc = outbox_build(mc, m, 1, 0, TOKEN, &msg, &len, fresh(&why));
	if (rc != OUTBOX_EINVALID)
		fail_msg("accepted (rc %d): subject '%s'", rc, m->subject ? m->subject : "");
	assert_null(msg);
	assert_true(why.msg[0] != '\0');
	if (secret && strstr(why.msg, secret))
		fail_msg("the reason quotes the value: %s", why.msg);
}

static void refuses_header_injection(void **state)
{
	struct fx *fx = *state;
	static const char *const bad_lines[] = {
	    "a\r\nBcc: victim@example.lv",
	    "a\nBcc: victim@example.lv",
	    "a\rBcc",
	    "a\x01",
	    "a\x7f",
	    "NEL \xc2\x85 Bcc",
	    "LS \xe2\x80\xa8 Bcc",
	    "\xff",
	    "overlong \xc0\xaf",
	    "surrogate \xed\xa0\x80",
	    "cut \xc4",
	};
	const char *to[] = {"a@example.lv"};
	const char *bad_to[] = {"a@example.lv\r\nBcc: victim@example.lv"};
	struct mail_attachment att = {"x.edoc", NULL, "x", 1};
	struct mail m;
	size_t i;

	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		m = (struct mail){.to = to, .nto = 1, .subject = bad_lines[i], .text = "x"};
		expect_invalid(&fx->mc, &m, "Bcc");
		m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "x", .from_name = bad_lines[i]};
		expect_invalid(&fx->mc, &m, "Bcc");
		att.filename = bad_lines[i];
		m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "x", .att = &att, .natt = 1};
		expect_invalid(&fx->mc, &m, "Bcc");
	}
	m = (struct mail){.to = bad_to, .nto = 1, .subject = "s", .text = "x"};
	expect_invalid(&fx->mc, &m, "victim");
	m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "x", .reply_to = "a@example.lv\nBcc: b@c.lv"};
	expect_invalid(&fx->mc, &m, "Bcc");
	m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "x", .from = "a@example.lv\r\nX: y"};
	expect_invalid(&fx->mc, &m, "X: y");
	/* the body may hold line ends, but no other control characters */
	m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "a\x1b[31m"};
	expect_invalid(&fx->mc, &m, NULL);
	m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "bad \xff"};
	expect_invalid(&fx->mc, &m, NULL);
	/* attachment names and types */
	static const char *const bad_names[] = {"", ".", "..", "../x.edoc", "dir/x.edoc", "c:\\x.edoc"};
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		att.filename = bad_names[i];
		m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "x", .att = &att, .natt = 1};
		expect_invalid(&fx->mc, &m, NULL);
	}
	static const char *const bad_types[] = {
	    "text", "text/", "/plain", "text/plain\r\nX: y", "text/plain; charset=x", "a/b/c"};
	att.filename = "x.txt";
	for (i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		att.content_type = bad_types[i];
		m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "x", .att = &att, .natt = 1};
		expect_invalid(&fx->mc, &m, "X: y");
	}
	m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "x", .kind = "Sign Send"};
	expect_invalid(&fx->mc, &m, NULL);
}

static void checks_addresses(void **state)
{
	struct fx *fx = *state;
	static const char *const bad[] = {
	    "",
	    "a",
	    "a@",
	    "@example.lv",
	    "a@example",
	    "a@@example.lv",
	    "a@b@example.lv",
	    ".a@example.lv",
	    "a.@example.lv",
	    "a..b@example.lv",
	    "a b@example.lv",
	    "\"a b\"@example.lv",
	    "<a@example.lv>",
	    "A <a@example.lv>",
	    "a@example.lv,b@example.lv",
	    "a@example.lv>",
	    "a(comment)@example.lv",
	    "ā@example.lv",
	    "a@ēxample.lv",
	    "a@-example.lv",
	    "a@example-.lv",
	    "a@exa_mple.lv",
	    "a@example..lv",
	    "a@.example.lv",
	    "a@example.lv.",
	    "a@[127.0.0.1]",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.lv", /* 65 */
	    "a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.lv",        /* 64 label */
	};
	static const char *const good[] = {
	    "anna.berzina+iesniegums@example.lv",
	    "a@sub.pasts.example.lv",
	    "x_y-z@xn--kntas-7va.lv",
	    "o'brien@example.com",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.lv", /* 64 */
	};
	const char *to[1];
	struct mail m = {.to = to, .nto = 1, .subject = "s", .text = "x"};
	char *msg;
	struct err why = {0};
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		to[0] = bad[i];
		if (outbox_build(&fx->mc, &m, 1, 0, TOKEN, &msg, &len, fresh(&why)) != OUTBOX_EINVALID)
			fail_msg("accepted '%s'", bad[i]);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		to[0] = good[i];
		if (outbox_build(&fx->mc, &m, 1, 0, TOKEN, &msg, &len, fresh(&why)) != 0)
			fail_msg("refused '%s': %s", good[i], why.msg);
		free(msg);
	}
}

static void enforces_limits(void **state)
{
	struct fx *fx = *state;
	const char *to[OUTBOX_MAX_RCPT + 1];
	struct mail_attachment att[OUTBOX_MAX_ATT + 1];
	char subject[OUTBOX_MAX_SUBJECT + 2], *msg = NULL;
	struct err why = {0};
	unsigned char *big = test_bytes(60000);
	struct mail m;
	size_t i, len;

	for (i = 0; i <= OUTBOX_MAX_RCPT; i++)
		to[i] = "a@example.lv";
	for (i = 0; i <= OUTBOX_MAX_ATT; i++)
		att[i] = (struct mail_attachment){"x.txt", "text/plain", "x", 1};
	m = (struct mail){.to = to, .nto = 0, .subject = "s", .text = "x"};
	expect_invalid(&fx->mc, &m, NULL);
	m.nto = OUTBOX_MAX_RCPT + 1;
	expect_invalid(&fx->mc, &m, NULL);
	m.nto = OUTBOX_MAX_RCPT;
	assert_int_equal(outbox_build(&fx->mc, &m, 1, 0, TOKEN, &msg, &len, fresh(&why)), 0);
	free(msg);
	m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "x", .att = att, .natt = OUTBOX_MAX_ATT + 1};
	expect_invalid(&fx->mc, &m, NULL);
	memset(subject, 'x', sizeof(subject) - 1);
	subject[sizeof(subject) - 1] = '\0';
	m = (struct mail){.to = to, .nto = 1, .subject = subject, .text = "x"};
	expect_invalid(&fx->mc, &m, NULL);
	m = (struct mail){.to = to, .nto = 1, .subject = NULL, .text = "x"};
	expect_invalid(&fx->mc, &m, NULL);
	m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = NULL};
	expect_invalid(&fx->mc, &m, NULL);
	/* 60000 bytes fit in 64 KiB, their base64 does not */
	fx->mc.max_size = 65536;
	att[0] = (struct mail_attachment){"big.bin", NULL, big, 60000};
	m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "x", .att = att, .natt = 1};
	assert_int_equal(outbox_build(&fx->mc, &m, 1, 0, TOKEN, &msg, &len, fresh(&why)), OUTBOX_ETOOBIG);
	assert_null(msg);
	fx->mc.max_size = 50000;
	assert_int_equal(outbox_build(&fx->mc, &m, 1, 0, TOKEN, &msg, &len, fresh(&why)), OUTBOX_ETOOBIG);
	fx->mc.max_size = 90000;
	assert_int_equal(outbox_build(&fx->mc, &m, 1, 0, TOKEN, &msg, &len, fresh(&why)), 0);
	assert_true(len <= 90000);
	free(msg);
	free(big);
}

/* The extra headers (List-Unsubscribe, RFC 8058): allowlisted names only,
 * printable ASCII values only, each written once as given. */
static void extra_headers_are_checked(void **state)
{
	struct fx *fx = *state;
	const char *to[] = {"a@example.lv"};
	struct mail_header h[OUTBOX_MAX_HEADERS + 1];
	struct mail m;
	struct err why = {0};
	char *msg = NULL, big[OUTBOX_MAX_HEADER + 2];
	size_t len, i;

	h[0] = (struct mail_header){"List-Unsubscribe", "<https://epak.example/jaunumi/abonet/atteikties/ab12>"};
	h[1] = (struct mail_header){"list-unsubscribe-post", "List-Unsubscribe=One-Click"};
	m = (struct mail){.to = to, .nto = 1, .subject = "s", .text = "x", .headers = h, .nheaders = 2};
	assert_int_equal(outbox_check(&fx->mc, &m, fresh(&why)), 0);
	assert_int_equal(outbox_build(&fx->mc, &m, 1, 0, TOKEN, &msg, &len, fresh(&why)), 0);
	assert_non_null(strstr(msg, "\r\nList-Unsubscribe: <https://epak.example/jaunumi/abonet/atteikties/ab12>\r\n"));
	/* the allowlist's spelling, not the caller's */
	assert_non_null(strstr(msg, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	assert_true(strstr(msg, "List-Unsubscribe:") < strstr(msg, "\r\n\r\n")); /* in the header */
	free(msg);
	/* header injection through the value */
	for (i = 0; i < 4; i++) {
		static const char *const bad[] = {"<https://x>\r\nBcc: victim@example.lv", "a\nb", "a\rb", "\xc4\x81"};
		h[1] = (struct mail_header){"List-Unsubscribe-Post", bad[i]};
		expect_invalid(&fx->mc, &m, "victim");
	}
	h[1] = (struct mail_header){"List-Unsubscribe-Post", ""};
	expect_invalid(&fx->mc, &m, NULL);
	h[1] = (struct mail_header){"List-Unsubscribe-Post", NULL};
	expect_invalid(&fx->mc, &m, NULL);
	/* names outside the allowlist, or an allowed one twice */
	for (i = 0; i < 6; i++) {
		static const char *const names[] = {"Bcc",     "To",         "From",
						    "Subject", "X-Anything", "List-Unsubscribe\r\nBcc"};
		h[1] = (struct mail_header){names[i], "v"};
		expect_invalid(&fx->mc, &m, NULL);
	}
	h[1] = (struct mail_header){NULL, "v"};
	expect_invalid(&fx->mc, &m, NULL);
	h[1] = (struct mail_header){"LIST-UNSUBSCRIBE", "<https://y>"};
	expect_invalid(&fx->mc, &m, NULL);
	/* too long, too many, a count without a list */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	h[1] = (struct mail_header){"List-Id", big};
	expect_invalid(&fx->mc, &m, NULL);
	big[OUTBOX_MAX_HEADER] = '\0';
	assert_int_equal(outbox_check(&fx->mc, &m, fresh(&why)), 0);
	for (i = 0; i <= OUTBOX_MAX_HEADERS; i++)
		h[i] = (struct mail_header){"Precedence", "bulk"};
	m.nheaders = OUTBOX_MAX_HEADERS + 1;
	expect_invalid(&fx->mc, &m, NULL);
	m.headers = NULL;
	m.nheaders = 1;
	expect_invalid(&fx->mc, &m, NULL);
	m.nheaders = 0;
	assert_int_equal(outbox_check(&fx->mc, &m, fresh(&why)), 0);
}

static void classifies_smtp_replies(void **state)
{
	(void)state;
	assert_int_equal(smtp_classify(550, "RCPT"), SMTP_PERMFAIL);
	assert_int_equal(smtp_classify(554, "DATA"), SMTP_PERMFAIL);
	assert_int_equal(smtp_classify(552, "MAIL"), SMTP_PERMFAIL);
	assert_int_equal(smtp_classify(451, "RCPT"), SMTP_TEMPFAIL);
	assert_int_equal(smtp_classify(452, "DATA"), SMTP_TEMPFAIL);
	assert_int_equal(smtp_classify(421, "CONNECT"), SMTP_TEMPFAIL);
	/* 5xx about us, not the message: our settings, wait for a fix */
	assert_int_equal(smtp_classify(535, "AUTH"), SMTP_TEMPFAIL);
	assert_int_equal(smtp_classify(530, "MAIL"), SMTP_TEMPFAIL);
	assert_int_equal(smtp_classify(550, "MAIL"), SMTP_TEMPFAIL);
	assert_int_equal(smtp_classify(554, "CONNECT"), SMTP_TEMPFAIL);
	assert_int_equal(smtp_classify(501, "EHLO"), SMTP_TEMPFAIL);
	/* no reply at all: network, TLS, timeout */
	assert_int_equal(smtp_classify(0, "DATA"), SMTP_TEMPFAIL);
	assert_int_equal(smtp_classify(0, "CONNECT"), SMTP_TEMPFAIL);
}

static void retry_delay_doubles_with_jitter(void **state)
{
	struct mail_config c;
	unsigned r;
	int a;
	long long d, lo, hi;

	(void)state;
	mail_config_defaults(&c);
	c.retry_base = 30;
	c.retry_max = 3600;
	for (a = 1; a <= 100; a++) {
		hi = 30;
		for (int i = 1; i < a && hi < 3600; i++)
			hi *= 2;
		if (hi > 3600)
			hi = 3600;
		lo = hi - hi / 2;
		for (r = 0; r < 2000; r += 7) {
			d = mail_retry_delay(&c, a, r * 2654435761u);
			if (d < lo || d > hi)
				fail_msg("attempt %d: delay %lld outside [%lld, %lld]", a, d, lo, hi);
		}
	}
	assert_int_equal(mail_retry_delay(&c, 1, 0), 15);
	assert_int_equal(mail_retry_delay(&c, 1, 15), 30);
	assert_int_equal(mail_retry_delay(&c, 2, 0), 30);
	assert_int_equal(mail_retry_delay(&c, 3, 0), 60);
	/* the spread: not everyone comes back at once */
	lo = hi = mail_retry_delay(&c, 5, 0);
	for (r = 1; r < 100; r++) {
		d = mail_retry_delay(&c, 5, r);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(hi - lo >= 90);
}

static const char *const ENV_KEYS[] = {
    "EPAK_SMTP_URL",          "EPAK_SMTP_USER",      "EPAK_SMTP_PASSWORD",        "EPAK_SMTP_TLS",
    "EPAK_SMTP_CA_FILE",      "EPAK_SMTP_HELO",      "EPAK_SMTP_CONNECT_TIMEOUT", "EPAK_SMTP_TIMEOUT",
    "EPAK_MAIL_FROM",         "EPAK_MAIL_FROM_NAME", "EPAK_MAIL_DOMAIN",          "EPAK_MAIL_MAX_SIZE",
    "EPAK_MAIL_MAX_ATTEMPTS", "EPAK_MAIL_MAX_AGE",   "EPAK_MAIL_RETRY_BASE",      "EPAK_MAIL_RETRY_MAX",
    "EPAK_MAIL_POLL",         "EPAK_MAIL_KEEP_DAYS",
};

static void env_clear(void)
{
	size_t i;

	for (i = 0; i < sizeof(ENV_KEYS) / sizeof(ENV_KEYS[0]); i++)
		unsetenv(ENV_KEYS[i]);
}

/* The mail keys through the one configuration table, as `epak serve` reads
 * them: defaults, then the EPAK_* environment. */
static int mail_config_from_env(struct mail_config *c, char *err, size_t errlen)
{
	struct config cfg;
	struct err e = {0};
	int rc;

	config_defaults(&cfg);
	rc = config_load_env(&cfg, &e);
	if (rc == 0)
		rc = mail_config_from(c, &cfg, &e);
	if (rc != 0)
		snprintf(err, errlen, "%s", e.msg);
	config_free(&cfg);
	return rc;
}

static void settings_from_environment(void **state)
{
	struct mail_config c;
	char err[256];

	(void)state;
	env_clear();
	assert_int_equal(mail_config_from_env(&c, err, sizeof(err)), 0);
	assert_string_equal(c.smtp_url, "smtp://127.0.0.1:25");
	assert_int_equal(c.tls, MAIL_TLS_REQUIRED);
	assert_int_equal(c.max_attempts, 20);

	setenv("EPAK_SMTP_URL", "smtp://relay.example.lv:587", 1);
	setenv("EPAK_SMTP_TLS", "required", 1);
	setenv("EPAK_SMTP_USER", "epak", 1);
	setenv("EPAK_SMTP_PASSWORD", "hunter2-secret", 1);
	setenv("EPAK_MAIL_FROM", "portals@example.lv", 1);
	setenv("EPAK_MAIL_FROM_NAME", "Valsts portāls", 1);
	setenv("EPAK_MAIL_MAX_ATTEMPTS", "7", 1);
	setenv("EPAK_MAIL_MAX_SIZE", "10M", 1);
	setenv("EPAK_MAIL_MAX_AGE", "86400", 1);
	assert_int_equal(mail_config_from_env(&c, err, sizeof(err)), 0);
	assert_string_equal(c.smtp_url, "smtp://relay.example.lv:587");
	assert_int_equal(c.tls, MAIL_TLS_REQUIRED);
	assert_string_equal(c.smtp_password, "hunter2-secret");
	assert_string_equal(c.from_name, "Valsts portāls");
	assert_int_equal(c.max_attempts, 7);
	assert_int_equal(c.max_size, 10 << 20);
	assert_int_equal(c.max_age, 86400);

	/* a password must not travel in clear: "try" could fall back to it */
	setenv("EPAK_SMTP_TLS", "try", 1);
	assert_int_equal(mail_config_from_env(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "smtp-user"));
	assert_null(strstr(err, "hunter2"));
	setenv("EPAK_SMTP_URL", "smtps://relay.example.lv:465", 1);
	assert_int_equal(mail_config_from_env(&c, err, sizeof(err)), 0);
	setenv("EPAK_SMTP_TLS", "maybe", 1);
	assert_int_equal(mail_config_from_env(&c, err, sizeof(err)), -1);
	setenv("EPAK_SMTP_TLS", "required", 1);
	setenv("EPAK_SMTP_URL", "http://relay.example.lv", 1);
	assert_int_equal(mail_config_from_env(&c, err, sizeof(err)), -1);
	setenv("EPAK_SMTP_URL", "smtp://relay.example.lv:25", 1);
	setenv("EPAK_MAIL_FROM", "not an address", 1);
	assert_int_equal(mail_config_from_env(&c, err, sizeof(err)), -1);
	setenv("EPAK_MAIL_FROM", "portals@example.lv", 1);
	setenv("EPAK_MAIL_MAX_ATTEMPTS", "0", 1);
	assert_int_equal(mail_config_from_env(&c, err, sizeof(err)), -1);
	env_clear();
}

/* ---- the outbox table (SQLite and PostgreSQL) ---- */

static void enqueue_commits_with_the_change(void **state)
{
	struct fx *fx = fx_of(state);
	const char *to[] = {"iestade@example.lv", "kopija@example.lv"};
	struct mail m = {.to = to, .nto = 2, .subject = "Iesniegums", .text = "Labdien!\n", .kind = "sign-send"};
	struct enq e = {&fx->mc, &m, -1, 1, 0};
	char *s, *mid, want[64];
	long long t0 = (long long)time(NULL);

	OK(fx->db, db_tx(fx->db, enq_body, &e));
	assert_true(e.id > 0);
	assert_int_equal(q_int(fx->db, SQL_REVISION, 1), 1);
	assert_status(fx->db, e.id, "queued");
	assert_int_equal(q_int(fx->db, SQL_ATTEMPTS, e.id), 0);
	assert_true(q_int(fx->db, SQL_NEXT_AT, e.id) >= t0);
	s = q_text(fx->db, "SELECT kind FROM mail_outbox WHERE id = $1", e.id);
	assert_string_equal(s, "sign-send");
	free(s);
	s = q_text(fx->db, "SELECT recipients FROM mail_outbox WHERE id = $1", e.id);
	assert_string_equal(s, "iestade@example.lv\nkopija@example.lv");
	free(s);
	s = q_text(fx->db, "SELECT sender FROM mail_outbox WHERE id = $1", e.id);
	assert_string_equal(s, "portals@epak.example.lv");
	free(s);
	/* the Message-ID is made of the id, a random part and the domain */
	mid = q_text(fx->db, "SELECT message_id FROM mail_outbox WHERE id = $1", e.id);
	snprintf(want, sizeof(want), "<%lld.", e.id);
	assert_memory_equal(mid, want, strlen(want));
	assert_string_equal(mid + strlen(mid) - strlen("@epak.example.lv>"), "@epak.example.lv>");
	assert_int_equal(strlen(mid), strlen(want) + 16 + strlen("@epak.example.lv>"));
	free(mid);
	assert_int_equal(q_int(fx->db, "SELECT size FROM mail_outbox WHERE id = $1", e.id),
			 q_int(fx->db, "SELECT length(message) FROM mail_outbox WHERE id = $1", e.id));
	/* a second one gets another id and another Message-ID */
	e.bump = 0;
	OK(fx->db, db_tx(fx->db, enq_body, &e));
	assert_int_equal(q_int(fx->db, SQL_COUNT, 0), 2);
	assert_int_equal(q_int(fx->db, "SELECT count(DISTINCT message_id) FROM mail_outbox WHERE id > $1", 0), 2);
}

static void rollback_drops_the_mail(void **state)
{
	struct fx *fx = fx_of(state);
	const char *to[] = {"iestade@example.lv"};
	struct mail m = {.to = to, .nto = 1, .subject = "Iesniegums", .text = "Labdien!\n"};
	struct enq e = {&fx->mc, &m, -1, 1, 1};

	assert_int_equal(db_tx(fx->db, enq_body, &e), 1);
	assert_int_equal(q_int(fx->db, SQL_COUNT, 0), 0);
	assert_int_equal(q_int(fx->db, SQL_REVISION, 1), 0);
	/* nothing is due either */
	assert_int_equal(mail_deliver_due(fx->db, &fx->mc, 10), 0);
}

struct refusal {
	const struct mail_config *mc;
	int first_rc;
	long long id;
};

static int refusal_body(struct db *db, void *cls)
{
	struct refusal *r = cls;
	const char *to[] = {"iestade@example.lv"};
	struct mail bad = {.to = to, .nto = 1, .subject = "x\r\nBcc: victim@example.lv", .text = "x"};
	struct mail good = {.to = to, .nto = 1, .subject = "Iesniegums", .text = "Labdien!\n"};
	int rc;

	r->first_rc = outbox_enqueue_with(db, r->mc, &bad, NULL);
	rc = outbox_enqueue_with(db, r->mc, &good, &r->id);
	if (rc == DB_OK)
		rc = db_exec(db, "UPDATE revision SET value = value + 1 WHERE id = 1", DB_NOP, NULL);
	return rc;
}

static void refusal_leaves_the_transaction_usable(void **state)
{
	struct fx *fx = fx_of(state);
	struct refusal r = {&fx->mc, 0, -1};

	OK(fx->db, db_tx(fx->db, refusal_body, &r));
	assert_int_equal(r.first_rc, OUTBOX_EINVALID);
	assert_int_equal(q_int(fx->db, SQL_COUNT, 0), 1);
	assert_int_equal(q_int(fx->db, SQL_REVISION, 1), 1);
	assert_status(fx->db, r.id, "queued");
}

/* ---- issue 8: byte budget, forgetting a person's address, limits, retention ---- */

static int rate_body(struct db *db, void *cls)
{
	int *rcs = cls;
	long long now = 1000000;

	rcs[0] = rate_take(db, "k", 3600, 3, 2, now);                     /* 2 of 3 */
	rcs[1] = rate_take(db, "k", 3600, 3, 2, now + 10);                /* 4 > 3: refused, nothing counted */
	rcs[2] = rate_take(db, "k", 3600, 3, 1, now + 20);                /* 3 of 3 */
	rcs[3] = rate_take(db, "k", 3600, 3, 1, now + 30);                /* full */
	rcs[4] = rate_take(db, "k2", 3600, 3, 1, now + 30);               /* another key */
	rcs[5] = rate_take(db, "k", 3600, 3, 1, now + 3600 - now % 3600); /* the next window */
	rcs[6] = rate_take(db, "k", 3600, 0, 1000, now);                  /* 0: no limit */
	return 0;
}

static void rate_limits_count_in_the_database(void **state)
{
	struct fx *fx = fx_of(state);
	int rcs[7];
	long long n = 0;

	OK(fx->db, db_tx(fx->db, rate_body, rcs));
	assert_int_equal(rcs[0], DB_OK);
	assert_int_equal(rcs[1], RATE_LIMITED);
	assert_int_equal(rcs[2], DB_OK);
	assert_int_equal(rcs[3], RATE_LIMITED);
	assert_int_equal(rcs[4], DB_OK);
	assert_int_equal(rcs[5], DB_OK);
	assert_int_equal(rcs[6], DB_OK);
	assert_int_equal(
	    q_int(fx->db, "SELECT used FROM rate_limit WHERE key = 'k' AND window_start < $1", 1000000 + 3600), 3);
	OK(fx->db, rate_purge(fx->db, 1000000 + 3600 - 1000000 % 3600, &n));
	assert_int_equal(n, 2);
}

static void daily_budget_refuses_before_writing(void **state)
{
	struct fx *fx = fx_of(state);
	const char *rcpt[1] = {"a@example.lv"};
	struct mail m = {.to = rcpt, .nto = 1, .subject = "Sveiki", .text = "Labdien!\n", .kind = "test"};
	struct enq e = {&fx->mc, &m, -1, 1, 0};
	long long first;

	fx->mc.daily_bytes =
	    2500; /* a small message counts about 1 KB (headers and the Message-ID reserve): two fit, three do not */
	first = enqueue_to(fx, "a@example.lv");
	enqueue_to(fx, "a@example.lv");
	assert_int_equal(db_tx(fx->db, enq_body, &e), OUTBOX_EBUDGET);
	/* the whole transaction rolled back: no third row, the revision did not move */
	assert_int_equal(q_int(fx->db, SQL_COUNT, first), 2);
	assert_int_equal(q_int(fx->db, SQL_REVISION, 1), 0);
	fx->mc.daily_bytes = 0;
	enqueue_to(fx, "a@example.lv");
	assert_int_equal(q_int(fx->db, SQL_COUNT, first), 3);
}

static long long enqueue_personal(struct fx *fx, const char *to)
{
	const char *rcpt[1] = {to};
	struct mail m = {
	    .to = rcpt, .nto = 1, .subject = "Kvīts", .text = "Labdien!\n", .kind = "receipt", .personal = 1};
	struct enq e = {&fx->mc, &m, -1, 0, 0};

	OK(fx->db, db_tx(fx->db, enq_body, &e));
	return e.id;
}

static const char SQL_KEPT[] = "SELECT count(*) FROM mail_outbox WHERE id = $1 AND recipients = '' AND size = 0";

static void personal_mail_is_forgotten_once_done(void **state)
{
	struct fx *fx = fx_of(state);
	struct outbox_item *it = NULL;
	long long now = (long long)time(NULL);
	long long p1 = enqueue_personal(fx, "anna@example.lv");
	long long p2 = enqueue_personal(fx, "bob@example.lv");
	long long inst = enqueue_to(fx, "pasts@vid.gov.lv");

	assert_int_equal(q_int(fx->db, SQL_KEPT, p1), 0); /* kept while it waits */
	OK(fx->db, outbox_claim(fx->db, now, 300, &it));
	assert_int_equal(it->id, p1);
	OK(fx->db, outbox_mark_sent(fx->db, it, now));
	outbox_item_free(it);
	OK(fx->db, outbox_claim(fx->db, now, 300, &it));
	assert_int_equal(it->id, p2);
	OK(fx->db, outbox_mark_failed(fx->db, it, now, "550 no such user <address>"));
	outbox_item_free(it);
	OK(fx->db, outbox_claim(fx->db, now, 300, &it));
	assert_int_equal(it->id, inst);
	OK(fx->db, outbox_mark_sent(fx->db, it, now));
	outbox_item_free(it);
	assert_int_equal(q_int(fx->db, SQL_KEPT, p1), 1);
	assert_int_equal(q_int(fx->db, SQL_KEPT, p2), 1);
	assert_int_equal(q_int(fx->db, "SELECT length(message) FROM mail_outbox WHERE id = $1", p1), 0);
	assert_int_equal(q_int(fx->db, SQL_KEPT, inst), 0); /* an institution's mail is kept for keep_days */
	assert_status(fx->db, p1, "sent");
	assert_status(fx->db, p2, "failed");
}

static void retention_purges_submissions_and_confirmations(void **state)
{
	struct fx *fx = fx_of(state);
	struct mail_purged p;
	long long now = (long long)time(NULL);

	OK(fx->db,
	   db_exec(fx->db,
		   "INSERT INTO submission (receipt, created_at, lang, org_slug, org_email, file_name, file_size, "
		   "verdict, mail_id) VALUES ('2025-OLD', $1, 'lv', 'vid', 'pasts@vid.gov.lv', 'a.edoc', 1, "
		   "'passed', 1), ('2026-NEW', $2, 'lv', 'vid', 'pasts@vid.gov.lv', 'b.edoc', 1, 'passed', 2)",
		   DB_P(PINT(now - 400LL * 86400), PINT(now - 86400)), NULL));
	OK(fx->db, db_exec(fx->db,
			   "INSERT INTO receipt_confirm (id, receipt, email, lang, created_at, expires_at) VALUES "
			   "('h1', '2026-NEW', 'anna@example.lv', 'lv', $1, $2), ('h2', '2026-NEW', 'bob@example.lv', "
			   "'lv', $1, $3)",
			   DB_P(PINT(now - 3600), PINT(now - 1), PINT(now + 600)), NULL));
	fx->mc.submission_keep_days = 365;
	OK(fx->db, mail_retention_pass(fx->db, &fx->mc, now, &p));
	assert_int_equal(p.submissions, 1);
	assert_int_equal(p.confirmations, 1);
	assert_int_equal(q_int(fx->db, "SELECT count(*) FROM submission WHERE receipt = '2025-OLD' OR id < $1", 0), 0);
	assert_int_equal(q_int(fx->db, "SELECT count(*) FROM submission WHERE id > $1", 0), 1);
	assert_int_equal(q_int(fx->db, "SELECT count(*) FROM receipt_confirm WHERE created_at > $1", 0), 1);
	/* 0 keeps submissions for ever */
	fx->mc.submission_keep_days = 0;
	OK(fx->db, mail_retention_pass(fx->db, &fx->mc, now + 3650LL * 86400, &p));
	assert_int_equal(p.submissions, 0);
}

static void state_machine(void **state)
{
	struct fx *fx = fx_of(state);
	struct outbox_item *ia = NULL, *ib = NULL, *none = NULL;
	struct outbox_counts c;
	long long a = enqueue_to(fx, "a@example.lv");
	long long b = enqueue_to(fx, "b@example.lv");
	long long now = (long long)time(NULL), n = 0;
	char want[64];

	/* oldest first */
	OK(fx->db, outbox_claim(fx->db, now, 300, &ia));
	assert_int_equal(ia->id, a);
	assert_int_equal(ia->attempts, 1);
	assert_string_equal(ia->sender, "portals@epak.example.lv");
	assert_int_equal(ia->nrcpt, 1);
	assert_string_equal(ia->rcpt[0], "a@example.lv");
	snprintf(want, sizeof(want), "Message-ID: <%lld.", a);
	assert_memory_equal(ia->message, want, strlen(want));
	assert_int_equal(strlen(ia->lease), 32);
	assert_status(fx->db, a, "sending");
	OK(fx->db, outbox_claim(fx->db, now, 300, &ib));
	assert_int_equal(ib->id, b);
	/* nothing else is due */
	assert_int_equal(outbox_claim(fx->db, now, 300, &none), DB_ENOROW);
	assert_null(none);
	OK(fx->db, outbox_counts(fx->db, &c));
	assert_int_equal(c.sending, 2);

	/* a: temporary failure, due again at now + 100 */
	OK(fx->db, outbox_mark_retry(fx->db, ia, now, now + 100, "RCPT: 451 4.2.0 try again later"));
	assert_status(fx->db, a, "queued");
	assert_int_equal(q_int(fx->db, SQL_NEXT_AT, a), now + 100);
	assert_int_equal(outbox_claim(fx->db, now + 99, 300, &none), DB_ENOROW);
	outbox_item_free(ia);
	OK(fx->db, outbox_claim(fx->db, now + 100, 300, &ia));
	assert_int_equal(ia->id, a);
	assert_int_equal(ia->attempts, 2);
	/* then a permanent one */
	OK(fx->db, outbox_mark_failed(fx->db, ia, now + 100, "refused: RCPT: 550"));
	assert_status(fx->db, a, "failed");
	assert_error_has(fx->db, a, "550", NULL);
	/* finishing twice changes nothing */
	assert_int_equal(outbox_mark_sent(fx->db, ia, now + 100), DB_ENOROW);
	assert_status(fx->db, a, "failed");
	outbox_item_free(ia);

	/* b: sent */
	OK(fx->db, outbox_mark_sent(fx->db, ib, now + 200));
	assert_status(fx->db, b, "sent");
	assert_int_equal(q_int(fx->db, "SELECT sent_at FROM mail_outbox WHERE id = $1", b), now + 200);
	outbox_item_free(ib);
	OK(fx->db, outbox_counts(fx->db, &c));
	assert_int_equal(c.queued, 0);
	assert_int_equal(c.sending, 0);
	assert_int_equal(c.sent, 1);
	assert_int_equal(c.failed, 1);
	/* finished rows are never claimed again */
	assert_int_equal(outbox_claim(fx->db, now + 100000, 300, &none), DB_ENOROW);

	/* purge: finished rows last changed before the cut */
	OK(fx->db, outbox_purge(fx->db, now + 100, &n));
	assert_int_equal(n, 0);
	OK(fx->db, outbox_purge(fx->db, now + 101, &n));
	assert_int_equal(n, 1); /* a, failed at now + 100 */
	OK(fx->db, outbox_purge(fx->db, now + 201, &n));
	assert_int_equal(n, 1);
	assert_int_equal(q_int(fx->db, SQL_COUNT, 0), 0);
}

static void lease_expires_and_passes_on(void **state)
{
	struct fx *fx = fx_of(state);
	struct outbox_item *first = NULL, *second = NULL, *none = NULL;
	long long id = enqueue_to(fx, "a@example.lv");
	long long now = (long long)time(NULL);

	OK(fx->db, outbox_claim(fx->db, now, 10, &first));
	assert_int_equal(outbox_claim(fx->db, now + 9, 10, &none), DB_ENOROW);
	/* the first worker "crashed": after its lease the row is taken again */
	OK(fx->db, outbox_claim(fx->db, now + 10, 10, &second));
	assert_int_equal(second->id, id);
	assert_int_equal(second->attempts, 2);
	assert_string_not_equal(first->lease, second->lease);
	assert_error_has(fx->db, id, "lease expired", "may or may not");
	/* the first worker comes back: its word no longer counts */
	assert_int_equal(outbox_mark_sent(fx->db, first, now + 11), DB_ENOROW);
	assert_int_equal(outbox_mark_retry(fx->db, first, now + 11, now + 11, "x"), DB_ENOROW);
	assert_int_equal(outbox_mark_failed(fx->db, first, now + 11, "x"), DB_ENOROW);
	assert_status(fx->db, id, "sending");
	OK(fx->db, outbox_mark_sent(fx->db, second, now + 12));
	assert_status(fx->db, id, "sent");
	outbox_item_free(first);
	outbox_item_free(second);
}

#define RACE_ROWS 60
#define RACE_WORKERS 4

struct race {
	const char *target;
	pthread_mutex_t mu;
	int claimed[RACE_ROWS + 1];
	long long base;
	int errors;
	int conflicts;
	char err[256];
};

static void *racer(void *arg)
{
	struct race *r = arg;
	struct outbox_item *it = NULL;
	struct err e = {0};
	struct db *db = db_open(r->target, &e);
	long long now = (long long)time(NULL);
	int rc;

	if (!db) {
		pthread_mutex_lock(&r->mu);
		r->errors++;
		snprintf(r->err, sizeof(r->err), "%.*s", (int)sizeof(r->err) - 1, e.msg);
		pthread_mutex_unlock(&r->mu);
		return NULL;
	}
	for (;;) {
		rc = outbox_claim(db, now, 600, &it);
		if (rc == DB_ENOROW)
			break;
		if (rc == DB_ECONFLICT) {
			/* SSI gave up after DB_TX_TRIES: the worker asks again */
			pthread_mutex_lock(&r->mu);
			r->conflicts++;
			pthread_mutex_unlock(&r->mu);
			continue;
		}
		if (rc != DB_OK) {
			pthread_mutex_lock(&r->mu);
			r->errors++;
			snprintf(r->err, sizeof(r->err), "claim: %s", db_errmsg(db));
			pthread_mutex_unlock(&r->mu);
			break;
		}
		pthread_mutex_lock(&r->mu);
		if (it->id - r->base >= 0 && it->id - r->base <= RACE_ROWS)
			r->claimed[it->id - r->base]++;
		pthread_mutex_unlock(&r->mu);
		if (outbox_mark_sent(db, it, now) != DB_OK) {
			pthread_mutex_lock(&r->mu);
			r->errors++;
			snprintf(r->err, sizeof(r->err), "mark: %s", db_errmsg(db));
			pthread_mutex_unlock(&r->mu);
		}
		outbox_item_free(it);
		it = NULL;
	}
	db_close(db);
	return NULL;
}

struct many {
	const struct mail_config *mc;
	long long first;
};

static int many_body(struct db *db, void *cls)
{
	struct many *mn = cls;
	const char *to[] = {"a@example.lv"};
	struct mail m = {.to = to, .nto = 1, .subject = "s", .text = "x"};
	long long id;
	int i, rc;

	for (i = 0; i < RACE_ROWS; i++) {
		rc = outbox_enqueue_with(db, mn->mc, &m, &id);
		if (rc != DB_OK)
			return rc;
		if (i == 0)
			mn->first = id;
	}
	return 0;
}

static void two_workers_never_share_a_row(void **state)
{
	struct fx *fx = fx_of(state);
	struct race r;
	struct many mn = {&fx->mc, 0};
	pthread_t th[RACE_WORKERS];
	int i;

	OK(fx->db, db_tx(fx->db, many_body, &mn));
	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.mu, NULL);
	r.target = fx->tdb.target;
	r.base = mn.first;
	for (i = 0; i < RACE_WORKERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, racer, &r), 0);
	for (i = 0; i < RACE_WORKERS; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&r.mu);
	if (r.errors)
		fail_msg("%d error(s): %s", r.errors, r.err);
	for (i = 0; i < RACE_ROWS; i++) {
		if (r.claimed[i] != 1)
			fail_msg("row %lld claimed %d times", r.base + i, r.claimed[i]);
	}
	assert_int_equal(q_int(fx->db, "SELECT count(*) FROM mail_outbox WHERE status = 'sent' AND id >= $1", 0),
			 RACE_ROWS);
	assert_int_equal(q_int(fx->db, "SELECT max(attempts) FROM mail_outbox WHERE id >= $1", 0), 1);
}

static void gives_up_after_attempts_and_age(void **state)
{
	struct fx *fx = fx_of(state);
	struct mail_pass p;
	long long a, b, c, d, now;
	int i;

	/* a relay that is not there */
	snprintf(fx->mc.smtp_url, sizeof(fx->mc.smtp_url), "smtp://127.0.0.1:%d", free_port());
	fx->mc.max_attempts = 3;
	fx->mc.max_age = 3600;
	fx->mc.retry_base = 600;
	a = enqueue_to(fx, "a@example.lv");
	for (i = 1; i <= 3; i++) {
		assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
		assert_int_equal(q_int(fx->db, SQL_ATTEMPTS, a), i);
		if (i < 3) {
			assert_int_equal(p.retried, 1);
			assert_status(fx->db, a, "queued");
			assert_error_has(fx->db, a, "CONNECT", NULL);
			OK(fx->db, db_exec(fx->db, SQL_DUE_NOW, DB_P(PINT(a)), NULL));
		}
	}
	assert_int_equal(p.failed, 1);
	assert_status(fx->db, a, "failed");
	assert_error_has(fx->db, a, "gave up after 3 attempts", "CONNECT");

	/* age: queued two hours ago, one hour allowed -> the first failure ends it */
	b = enqueue_to(fx, "b@example.lv");
	now = (long long)time(NULL);
	OK(fx->db, db_exec(fx->db, "UPDATE mail_outbox SET created_at = $1 WHERE id = $2",
			   DB_P(PINT(now - 7200), PINT(b)), NULL));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.failed, 1);
	assert_status(fx->db, b, "failed");
	assert_error_has(fx->db, b, "gave up after 1 attempts", NULL);

	/* the last retry is moved to the age limit rather than past it */
	c = enqueue_to(fx, "c@example.lv");
	OK(fx->db, db_exec(fx->db, "UPDATE mail_outbox SET created_at = $1 WHERE id = $2",
			   DB_P(PINT(now - 3600 + 100), PINT(c)), NULL));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.retried, 1);
	assert_int_equal(q_int(fx->db, SQL_NEXT_AT, c), now + 100);

	/* a row whose last attempt was cut off (lease ran out) is not tried
	 * again once out of attempts */
	d = enqueue_to(fx, "d@example.lv");
	OK(fx->db, db_exec(fx->db,
			   "UPDATE mail_outbox SET status = 'sending', lease_until = 1, attempts = 3 "
			   "WHERE id = $1",
			   DB_P(PINT(d)), NULL));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.failed, 1);
	assert_status(fx->db, d, "failed");
	assert_error_has(fx->db, d, "cut off", NULL);
	assert_int_equal(q_int(fx->db, SQL_ATTEMPTS, d), 4);
}

/* ---- real delivery ---- */

static const unsigned char *edoc_bytes(size_t *n)
{
	static unsigned char *p;

	*n = 70001;
	if (!p)
		p = test_bytes(*n);
	return p;
}

struct blob_out {
	char *p;
	size_t n;
};

static int blob_cb(void *cls, const struct db_row *row)
{
	struct blob_out *b = cls;
	const void *p = row_blob(row, 0, &b->n);

	b->p = malloc(b->n + 1);
	if (b->p)
		memcpy(b->p, p, b->n);
	return 0;
}

static void delivers_byte_for_byte(void **state)
{
	struct fx *fx = fx_of(state);
	const char *to[] = {"iestade@example.lv", "kopija@example.lv"};
	size_t elen, dlen, rawlen;
	const unsigned char *edoc = edoc_bytes(&elen);
	struct mail_attachment att[2] = {{LONG_NAME, "application/vnd.etsi.asic-e+zip", edoc, elen},
					 {"Ābeļu ķēniņš.txt", "text/plain", "a\r\nb\n.\n", 7}};
	struct mail m = {.to = to,
			 .nto = 2,
			 .reply_to = "anna.berzina@example.lv",
			 .subject = LONG_SUBJECT,
			 .text = BODY,
			 .att = att,
			 .natt = 2,
			 .kind = "sign-send"};
	struct enq e = {&fx->mc, &m, -1, 1, 0};
	struct mail_pass p;
	struct blob_out stored = {NULL, 0};
	const json_t *a;
	unsigned char *data;
	char *raw, *mid;
	long long t0 = (long long)time(NULL);
	json_t *j;

	fx_smtpd(fx, 0, NULL);
	OK(fx->db, db_tx(fx->db, enq_body, &e));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.sent, 1);
	assert_status(fx->db, e.id, "sent");
	assert_true(q_int(fx->db, "SELECT sent_at FROM mail_outbox WHERE id = $1", e.id) >= t0);
	assert_int_equal(q_int(fx->db, SQL_ATTEMPTS, e.id), 1);

	j = smtpd_message(&fx->srv, 1, 60000);
	/* the envelope */
	assert_string_equal(jstr(j, "mail_from"), "portals@epak.example.lv");
	assert_int_equal(json_array_size(json_object_get(j, "rcpt_tos")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "rcpt_tos"), 0)), "iestade@example.lv");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "rcpt_tos"), 1)), "kopija@example.lv");
	assert_false(json_is_true(json_object_get(j, "tls"))); /* the server offers no STARTTLS */
	/* the headers, decoded by Python */
	assert_string_equal(jstr(j, "subject"), LONG_SUBJECT);
	assert_string_equal(jstr(j, "from"), "Valsts pārvaldes pakalpojumu portāls <portals@epak.example.lv>");
	assert_string_equal(jstr(j, "to"), "iestade@example.lv, kopija@example.lv");
	assert_string_equal(jstr(j, "reply_to"), "anna.berzina@example.lv");
	mid = q_text(fx->db, "SELECT message_id FROM mail_outbox WHERE id = $1", e.id);
	assert_string_equal(jstr(j, "message_id"), mid);
	free(mid);
	assert_int_equal(json_array_size(json_object_get(j, "defects")), 0);
	assert_false(json_is_true(json_object_get(j, "bare_lf")));
	assert_false(json_is_true(json_object_get(j, "eight_bit")));
	assert_true(json_integer_value(json_object_get(j, "max_line")) <= 78);
	assert_non_null(strstr(jstr(j, "text"), "Pielikumā ar drošu elektronisko parakstu"));
	assert_non_null(strstr(jstr(j, "text"), "\n.\nFrom here on\ntrailing space \ntrailing tab\t\n"));
	assert_int_equal(strlen(jstr(j, "text")), strlen(BODY) - 1); /* one CRLF became LF */
	/* the attachments: names and bytes */
	a = json_array_get(json_object_get(j, "attachments"), 0);
	assert_string_equal(jstr(a, "filename"), LONG_NAME);
	assert_string_equal(jstr(a, "content_type"), "application/vnd.etsi.asic-e+zip");
	data = b64_decode(jstr(a, "data"), &dlen);
	assert_int_equal(dlen, elen);
	assert_memory_equal(data, edoc, elen);
	free(data);
	a = json_array_get(json_object_get(j, "attachments"), 1);
	assert_string_equal(jstr(a, "filename"), "Ābeļu ķēniņš.txt");
	data = b64_decode(jstr(a, "data"), &dlen);
	assert_int_equal(dlen, 7);
	assert_memory_equal(data, "a\r\nb\n.\n", 7);
	free(data);
	json_decref(j);
	/* what arrived is exactly what was stored (dot-stuffing undone) */
	raw = smtpd_raw(&fx->srv, 1, &rawlen);
	assert_non_null(raw);
	OK(fx->db,
	   db_query(fx->db, "SELECT message FROM mail_outbox WHERE id = $1", DB_P(PINT(e.id)), blob_cb, &stored));
	assert_int_equal(rawlen, stored.n);
	assert_memory_equal(raw, stored.p, rawlen);
	free(raw);
	free(stored.p);
	assert_int_equal(smtpd_count(&fx->srv), 1);
}

static void temporary_failure_is_retried(void **state)
{
	struct fx *fx = fx_of(state);
	const char *const extra[] = {"--rule", "later@example.lv=451:1", NULL};
	struct mail_pass p;
	long long id, t0, t1, next;
	json_t *j;

	fx_smtpd(fx, 0, extra);
	id = enqueue_to(fx, "later@example.lv");
	t0 = (long long)time(NULL);
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	t1 = (long long)time(NULL);
	assert_int_equal(p.retried, 1);
	assert_status(fx->db, id, "queued");
	assert_error_has(fx->db, id, "RCPT", "451");
	/* the first retry after 30..60 s (retry_base 60, equal jitter) */
	next = q_int(fx->db, SQL_NEXT_AT, id);
	assert_true(next >= t0 + 30 && next <= t1 + 60);
	assert_int_equal(smtpd_count(&fx->srv), 0);
	/* not due yet: nothing happens */
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 0);
	/* time passes */
	OK(fx->db, db_exec(fx->db, SQL_DUE_NOW, DB_P(PINT(id)), NULL));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.sent, 1);
	assert_status(fx->db, id, "sent");
	assert_int_equal(q_int(fx->db, SQL_ATTEMPTS, id), 2);
	j = smtpd_message(&fx->srv, 1, 60000);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "rcpt_tos"), 0)), "later@example.lv");
	json_decref(j);

	/* 451 to the end of DATA: the relay has seen it all and said no */
	smtpd_stop(&fx->srv);
	{
		const char *const extra2[] = {"--data-reply", "452:1", NULL};

		fx_smtpd(fx, 0, extra2);
	}
	id = enqueue_to(fx, "a@example.lv");
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.retried, 1);
	assert_error_has(fx->db, id, "DATA", "452");
	OK(fx->db, db_exec(fx->db, SQL_DUE_NOW, DB_P(PINT(id)), NULL));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_status(fx->db, id, "sent");
}

static void permanent_failure_is_recorded(void **state)
{
	struct fx *fx = fx_of(state);
	const char *const extra[] = {"--rule", "nobody@example.lv=550", NULL};
	const char *both[] = {"ok@example.lv", "nobody@example.lv"};
	struct mail m = {.to = both, .nto = 2, .subject = "s", .text = "x"};
	struct enq e = {&fx->mc, &m, -1, 0, 0};
	struct mail_pass p;
	long long id;

	fx_smtpd(fx, 0, extra);
	id = enqueue_to(fx, "nobody@example.lv");
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.failed, 1);
	assert_status(fx->db, id, "failed");
	/* the relay's words, its echo of the address blanked out */
	assert_error_has(fx->db, id, "refused: RCPT: 550 5.1.1 no such mailbox <address>", NULL);
	assert_int_equal(q_int(fx->db, SQL_ATTEMPTS, id), 1);
	/* one refused recipient stops the whole message */
	OK(fx->db, db_tx(fx->db, enq_body, &e));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_status(fx->db, e.id, "failed");
	assert_int_equal(smtpd_count(&fx->srv), 0);
	/* 554 to the content */
	smtpd_stop(&fx->srv);
	{
		const char *const extra2[] = {"--data-reply", "554", NULL};

		fx_smtpd(fx, 0, extra2);
	}
	id = enqueue_to(fx, "a@example.lv");
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_status(fx->db, id, "failed");
	assert_error_has(fx->db, id, "DATA: 554", NULL);
}

static void relay_down_then_back(void **state)
{
	struct fx *fx = fx_of(state);
	struct mail_pass p;
	int port = free_port();
	long long id;
	json_t *j;

	snprintf(fx->mc.smtp_url, sizeof(fx->mc.smtp_url), "smtp://127.0.0.1:%d", port);
	id = enqueue_to(fx, "a@example.lv");
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.retried, 1);
	assert_status(fx->db, id, "queued");
	assert_error_has(fx->db, id, "CONNECT", NULL);
	/* the relay comes up on that port */
	smtpd_start(&fx->srv, fx->tdb.dir, port, NULL);
	OK(fx->db, db_exec(fx->db, SQL_DUE_NOW, DB_P(PINT(id)), NULL));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.sent, 1);
	assert_status(fx->db, id, "sent");
	j = smtpd_message(&fx->srv, 1, 60000);
	json_decref(j);
}

static void starttls_with_auth(void **state)
{
	struct fx *fx = fx_of(state);
	const char *const extra[] = {"--tls-cert",         tls_cert, "--tls-key",        tls_key,
				     "--require-starttls", "--auth", "epak:s3cret-Pa55", NULL};
	struct mail_pass p;
	long long id;
	json_t *j;

	fx_smtpd(fx, 0, extra);
	fx->mc.tls = MAIL_TLS_REQUIRED;
	snprintf(fx->mc.ca_file, sizeof(fx->mc.ca_file), "%s", tls_cert);
	snprintf(fx->mc.smtp_user, sizeof(fx->mc.smtp_user), "epak");
	/* a wrong password: our settings, so a temporary failure */
	snprintf(fx->mc.smtp_password, sizeof(fx->mc.smtp_password), "wrong-Pa55");
	id = enqueue_to(fx, "a@example.lv");
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.retried, 1);
	assert_error_has(fx->db, id, "AUTH", "535");
	{
		char *s = q_text(fx->db, SQL_ERROR, id);

		assert_null(strstr(s, "Pa55"));
		free(s);
	}
	/* the right one */
	snprintf(fx->mc.smtp_password, sizeof(fx->mc.smtp_password), "s3cret-Pa55");
	OK(fx->db, db_exec(fx->db, SQL_DUE_NOW, DB_P(PINT(id)), NULL));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.sent, 1);
	j = smtpd_message(&fx->srv, 1, 60000);
	assert_true(json_is_true(json_object_get(j, "tls")));
	assert_string_equal(jstr(j, "login"), "epak");
	json_decref(j);
	/* without our CA the certificate does not verify: nothing is sent */
	fx->mc.ca_file[0] = '\0';
	id = enqueue_to(fx, "a@example.lv");
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.retried, 1);
	assert_error_has(fx->db, id, "STARTTLS", NULL);
	assert_int_equal(smtpd_count(&fx->srv), 1);
}

/* The default mode requires STARTTLS: a relay that does not offer it (or a
 * man in the middle who strips the offer) gets nothing; one that offers it
 * gets the mail over TLS. */
static void starttls_required_by_default(void **state)
{
	struct fx *fx = fx_of(state);
	const char *const offers[] = {"--tls-cert", tls_cert, "--tls-key", tls_key, NULL};
	struct mail_config def;
	struct mail_pass p;
	long long id;
	json_t *j;

	mail_config_defaults(&def);
	fx->mc.tls = def.tls;
	fx_smtpd(fx, 0, NULL);
	id = enqueue_to(fx, "a@example.lv");
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.retried, 1);
	assert_status(fx->db, id, "queued");
	assert_int_equal(smtpd_count(&fx->srv), 0);
	smtpd_stop(&fx->srv);

	fx_smtpd(fx, 0, offers);
	snprintf(fx->mc.ca_file, sizeof(fx->mc.ca_file), "%s", tls_cert);
	OK(fx->db, db_exec(fx->db, SQL_DUE_NOW, DB_P(PINT(id)), NULL));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.sent, 1);
	j = smtpd_message(&fx->srv, 1, 60000);
	assert_true(json_is_true(json_object_get(j, "tls")));
	json_decref(j);
	smtpd_stop(&fx->srv);
}

static void tls_modes(void **state)
{
	struct fx *fx = fx_of(state);
	const char *const offers[] = {"--tls-cert", tls_cert, "--tls-key", tls_key, NULL};
	struct mail_pass p;
	long long id;
	json_t *j;

	/* required, but the relay offers no STARTTLS: nothing goes out in clear */
	fx_smtpd(fx, 0, NULL);
	fx->mc.tls = MAIL_TLS_REQUIRED;
	id = enqueue_to(fx, "a@example.lv");
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.retried, 1);
	assert_status(fx->db, id, "queued");
	assert_int_equal(smtpd_count(&fx->srv), 0);
	smtpd_stop(&fx->srv);

	/* try: STARTTLS when offered */
	fx_smtpd(fx, 0, offers);
	fx->mc.tls = MAIL_TLS_TRY;
	snprintf(fx->mc.ca_file, sizeof(fx->mc.ca_file), "%s", tls_cert);
	OK(fx->db, db_exec(fx->db, SQL_DUE_NOW, DB_P(PINT(id)), NULL));
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.sent, 1);
	j = smtpd_message(&fx->srv, 1, 60000);
	assert_true(json_is_true(json_object_get(j, "tls")));
	json_decref(j);
	/* none: never, even when offered */
	fx->mc.tls = MAIL_TLS_NONE;
	enqueue_to(fx, "a@example.lv");
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	j = smtpd_message(&fx->srv, 2, 60000);
	assert_false(json_is_true(json_object_get(j, "tls")));
	json_decref(j);
	smtpd_stop(&fx->srv);

	/* smtps: TLS from the first byte */
	{
		const char *const implicit[] = {"--tls-cert", tls_cert, "--tls-key", tls_key, "--implicit-tls", NULL};

		smtpd_start(&fx->srv, fx->tdb.dir, 0, implicit);
	}
	snprintf(fx->mc.smtp_url, sizeof(fx->mc.smtp_url), "smtps://127.0.0.1:%d", fx->srv.port);
	fx->mc.tls = MAIL_TLS_TRY;
	enqueue_to(fx, "a@example.lv");
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	assert_int_equal(p.sent, 1);
	j = smtpd_message(&fx->srv, 1, 60000);
	assert_true(json_is_true(json_object_get(j, "tls")));
	json_decref(j);
}

/* Seconds on the monotonic clock. */
static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The relay never answers: the pass gives up after the 2 s timeout. That it
 * waited at least the timeout is exact; the upper bound only has to tell
 * "gave up" from "hangs" (the relay never answers at all), so it is
 * generous: a loaded machine has been seen 100 times slower than this one. */
static void a_hanging_relay_times_out(void **state)
{
	struct fx *fx = fx_of(state);
	const char *const extra[] = {"--rule", "slow@example.lv=hang", "--data-reply", "hang", NULL};
	struct mail_pass p;
	long long id;
	double t0, took;

	fx_smtpd(fx, 0, extra);
	fx->mc.timeout = 2;
	id = enqueue_to(fx, "slow@example.lv");
	t0 = mono_s();
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	took = mono_s() - t0;
	assert_true(took >= 1.9);
	assert_true(took <= 120);
	assert_int_equal(p.retried, 1);
	assert_error_has(fx->db, id, "RCPT: ", NULL);
	/* a relay that takes the whole message and then says nothing: the
	 * window in which we cannot know whether it has the message */
	id = enqueue_to(fx, "a@example.lv");
	t0 = mono_s();
	assert_int_equal(mail_deliver_pass(fx->db, &fx->mc, 10, &p), 1);
	took = mono_s() - t0;
	assert_true(took >= 1.9);
	assert_true(took <= 120);
	assert_int_equal(p.retried, 1);
	assert_error_has(fx->db, id, "uncertain, DATA: no answer within 2 s", NULL);
}

static void worker_thread_delivers(void **state)
{
	struct fx *fx = fx_of(state);
	char other[256];
	long long id;
	json_t *j;
	int i;

	fx_smtpd(fx, 0, NULL);
	assert_int_equal(mail_worker_start(&fx->mc, fx->tdb.target), 0);
	assert_int_equal(mail_worker_start(&fx->mc, fx->tdb.target), -1); /* one at a time */
	id = enqueue_to(fx, "a@example.lv");
	mail_worker_kick();
	j = smtpd_message(&fx->srv, 1, 60000);
	json_decref(j);
	for (i = 0; i < 1200; i++) { /* polled, up to a minute */
		char *s = q_text(fx->db, SQL_STATUS, id);
		int done = !strcmp(s, "sent");

		free(s);
		if (done)
			break;
		sleep_ms(50);
	}
	assert_status(fx->db, id, "sent");
	/* the poll finds mail without a kick */
	id = enqueue_to(fx, "b@example.lv");
	j = smtpd_message(&fx->srv, 2, 60000);
	json_decref(j);
	mail_worker_stop();
	mail_worker_stop();
	assert_status(fx->db, id, "sent");
	/* a database without the outbox is refused */
	snprintf(other, sizeof(other), "%s/empty.db", fx->tdb.dir);
	assert_int_equal(mail_worker_start(&fx->mc, other), -1);
	mail_worker_stop();
}

/* Runs cmd_mail with stdout captured; returns the exit status. */
static int run_cli(struct config *cfg, int argc, char **argv, char *out, size_t n)
{
	char path[128];
	size_t len = 0;
	char *s;
	int fd, saved, rc;

	snprintf(path, sizeof(path), "/tmp/epak-mail-cli-%ld.txt", (long)getpid());
	fflush(stdout);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved = dup(1);
	dup2(fd, 1);
	close(fd);
	rc = cmd_mail(cfg, argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	s = read_file(path, &len);
	unlink(path);
	snprintf(out, n, "%s", s ? s : "");
	free(s);
	return rc;
}

static void cli_queues_delivers_and_counts(void **state)
{
	struct fx *fx = fx_of(state);
	struct config cfg;
	char out[4096], url[64];
	char *send[] = {"mail", "send-test", "--to", "cli@example.lv"};
	char *send2[] = {"mail", "send-test", "cli2@example.lv"};
	char *deliver[] = {"mail", "deliver"};
	char *status[] = {"mail", "status"};
	char *bad1[] = {"mail"};
	char *bad2[] = {"mail", "explode"};
	char *bad3[] = {"mail", "send-test"};
	char *bad4[] = {"mail", "send-test", "not-an-address"};
	json_t *j;

	fx_smtpd(fx, 0, NULL);
	config_defaults(&cfg);
	if (fx->be->pg)
		assert_int_equal(config_set(&cfg, "db", fx->tdb.target, NULL), 0);
	else {
		char data[128];

		snprintf(data, sizeof(data), "%s/sub", fx->tdb.dir);
		assert_int_equal(config_set(&cfg, "data", data, NULL), 0);
	}
	env_clear();
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", fx->srv.port);
	setenv("EPAK_SMTP_URL", url, 1);
	setenv("EPAK_MAIL_FROM", "portals@epak.example.lv", 1);
	setenv("EPAK_SMTP_TLS", "none", 1); /* the plain test relay */
	assert_int_equal(config_load_env(&cfg, NULL), 0);

	assert_int_equal(run_cli(&cfg, 4, send, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "queued message"));
	assert_null(strchr(out, '@'));
	assert_int_equal(run_cli(&cfg, 3, send2, out, sizeof(out)), 0);
	assert_int_equal(run_cli(&cfg, 2, status, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "queued   2\n"));
	assert_int_equal(run_cli(&cfg, 2, deliver, out, sizeof(out)), 0);
	assert_string_equal(out, "2 attempted: 2 sent, 0 to retry later, 0 failed\n");
	j = smtpd_message(&fx->srv, 2, 60000);
	assert_string_equal(jstr(j, "subject"), "epak: testa vēstule / test message");
	json_decref(j);
	assert_int_equal(run_cli(&cfg, 2, status, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "queued   0\nsending  0\nsent     2\nfailed   0\n"));
	assert_null(strchr(out, '@'));
	/* a failure shows in status with its reason, and no address */
	smtpd_stop(&fx->srv);
	{
		const char *const extra[] = {"--rule", "gone@example.lv=550", NULL};
		char *gone[] = {"mail", "send-test", "gone@example.lv"};

		fx_smtpd(fx, 0, extra);
		snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", fx->srv.port);
		setenv("EPAK_SMTP_URL", url, 1);
		assert_int_equal(config_load_env(&cfg, NULL), 0);
		assert_int_equal(run_cli(&cfg, 3, gone, out, sizeof(out)), 0);
	}
	assert_int_equal(run_cli(&cfg, 2, deliver, out, sizeof(out)), 0);
	assert_string_equal(out, "1 attempted: 0 sent, 0 to retry later, 1 failed\n");
	assert_int_equal(run_cli(&cfg, 2, status, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "failed   1\n"));
	assert_non_null(strstr(out, "refused: RCPT: 550"));
	assert_null(strchr(out, '@'));

	assert_int_equal(run_cli(&cfg, 1, bad1, out, sizeof(out)), 2);
	assert_int_equal(run_cli(&cfg, 2, bad2, out, sizeof(out)), 2);
	assert_int_equal(run_cli(&cfg, 2, bad3, out, sizeof(out)), 2);
	assert_int_equal(run_cli(&cfg, 3, bad4, out, sizeof(out)), 1);
	/* bad settings */
	setenv("EPAK_SMTP_TLS", "sometimes", 1);
	assert_int_equal(config_load_env(&cfg, NULL), 0);
	assert_int_equal(run_cli(&cfg, 2, status, out, sizeof(out)), 1);
	env_clear();
	config_free(&cfg);
}

/* clang-format off */
#define T(be, f) { #be "/" #f, f, fx_setup, fx_teardown, &be_##be }
/* clang-format on */
#define BOTH(f) T(sqlite, f), T(pg, f)

static int group_setup(void **state)
{
	(void)state;
	if (make_certificate() != 0) {
		print_error("openssl could not make a test certificate\n");
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	size_t n;

	(void)state;
	rm_rf(tls_dir);
	free((void *)edoc_bytes(&n));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(none, builds_rfc5322_message),
	    T(none, python_reads_what_we_build),
	    T(none, quoted_printable_round_trips),
	    T(none, long_subject_folds_on_characters),
	    T(none, refuses_header_injection),
	    T(none, checks_addresses),
	    T(none, enforces_limits),
	    T(none, extra_headers_are_checked),
	    T(none, classifies_smtp_replies),
	    T(none, retry_delay_doubles_with_jitter),
	    T(none, settings_from_environment),
	    BOTH(enqueue_commits_with_the_change),
	    BOTH(rollback_drops_the_mail),
	    BOTH(refusal_leaves_the_transaction_usable),
	    BOTH(state_machine),
	    BOTH(rate_limits_count_in_the_database),
	    BOTH(daily_budget_refuses_before_writing),
	    BOTH(personal_mail_is_forgotten_once_done),
	    BOTH(retention_purges_submissions_and_confirmations),
	    BOTH(lease_expires_and_passes_on),
	    BOTH(two_workers_never_share_a_row),
	    BOTH(gives_up_after_attempts_and_age),
	    BOTH(delivers_byte_for_byte),
	    BOTH(temporary_failure_is_retried),
	    BOTH(permanent_failure_is_recorded),
	    BOTH(relay_down_then_back),
	    BOTH(starttls_with_auth),
	    T(sqlite, starttls_required_by_default),
	    T(sqlite, tls_modes),
	    T(sqlite, a_hanging_relay_times_out),
	    BOTH(worker_thread_delivers),
	    BOTH(cli_queues_delivers_and_counts),
	};

	signal(SIGPIPE, SIG_IGN);
	pg_note_missing("test_mail");
	return cmocka_run_group_tests_name("mail", tests, group_setup, group_teardown);
}
