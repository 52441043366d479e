/* cli.c — `epak mail send-test | deliver | status`. See cli.h. */
#include "mail/cli.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mail/outbox.h"
#include "mail/worker.h"
#include "store/db.h"

static const char usage[] = "usage: " MAIL_CLI_USAGE "\n"
			    "\n"
			    "  send-test ADDR  queue a short test message to ADDR (in Latvian and English)\n"
			    "  deliver         deliver every due message now, once, and report\n"
			    "  status          how many messages are queued, being sent, sent, failed;\n"
			    "                  the most recent failures and why\n"
			    "\n"
			    "Mail settings are the smtp-* and mail-* keys of 'epak serve --help'\n"
			    "(--smtp-url, EPAK_SMTP_URL, smtp-url = ... in --config; docs/mail.md).\n";

struct test_mail {
	const struct mail_config *mc;
	const char *to[1];
	struct mail m;
	long long id;
};

static void test_mail_init(struct test_mail *t, const struct mail_config *mc, const char *to)
{
	memset(t, 0, sizeof(*t));
	t->mc = mc;
	t->to[0] = to;
	t->m.to = t->to;
	t->m.nto = 1;
	t->m.subject = "epak: testa vēstule / test message";
	t->m.text = "Šī ir epak testa vēstule: pasta sūtīšana darbojas.\n"
		    "This is a test message from epak: mail delivery works.\n";
	t->m.kind = "test";
}

static int send_test_body(struct db *db, void *cls)
{
	struct test_mail *t = cls;

	return outbox_enqueue_with(db, t->mc, &t->m, &t->id);
}

/* send-test [--to] ADDR | deliver | status: 0, or -1 on bad usage. */
static int parse_args(int argc, char **argv, const char **to)
{
	int i;

	*to = NULL;
	if (!strcmp(argv[1], "send-test")) {
		for (i = 2; i < argc; i++) {
			if (*to)
				return -1;
			if (!strcmp(argv[i], "--to") && i + 1 < argc)
				*to = argv[++i];
			else if (!strncmp(argv[i], "--to=", 5))
				*to = argv[i] + 5;
			else if (argv[i][0] != '-')
				*to = argv[i];
			else
				return -1;
		}
		return *to ? 0 : -1;
	}
	if (!strcmp(argv[1], "deliver") || !strcmp(argv[1], "status"))
		return argc == 2 ? 0 : -1;
	return -1;
}

static const char SQL_RECENT_FAILURES[] = "SELECT id, kind, attempts, updated_at, last_error FROM mail_outbox "
					  "WHERE status = 'failed' ORDER BY updated_at DESC, id DESC LIMIT 10";

static int print_failure(void *cls, const struct db_row *row)
{
	const char *kind = row_text(row, 1), *why = row_text(row, 4);
	time_t t = (time_t)row_int(row, 3);
	struct tm tm;
	char when[32];

	(void)cls;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
	printf("  %lld  %s  %s  %lld attempt(s): %s\n", row_int(row, 0), when, kind ? kind : "", row_int(row, 2),
	       why ? why : "");
	return 0;
}

static int status(struct db *db)
{
	struct outbox_counts c;
	int rc;

	rc = outbox_counts(db, &c);
	if (rc != DB_OK)
		return rc;
	printf("queued   %lld\nsending  %lld\nsent     %lld\nfailed   %lld\n", c.queued, c.sending, c.sent, c.failed);
	if (c.oldest_queued)
		printf("oldest queued message: %lld s old\n", (long long)time(NULL) - c.oldest_queued);
	if (c.failed) {
		printf("most recent failures (id, when, kind, attempts, reason):\n");
		rc = db_query(db, SQL_RECENT_FAILURES, DB_NOP, print_failure, NULL);
	}
	return rc;
}

int cmd_mail(struct config *cfg, int argc, char **argv)
{
	struct mail_config mc;
	struct mail_pass p;
	struct test_mail t;
	struct err e = {0};
	struct db *db = NULL;
	const char *to = NULL;
	char url[1100];
	long long v;
	int n, rc = 2;

	if (argc == 2 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help"))) {
		fputs(usage, stdout);
		rc = 0;
		goto out;
	}
	if (argc < 2 || parse_args(argc, argv, &to) != 0) {
		fprintf(stderr, "epak mail: bad arguments\n%s", usage);
		goto out;
	}
	rc = 1;
	if (mail_config_from(&mc, cfg, &e) != 0) {
		fprintf(stderr, "epak mail: %s\n", e.msg);
		goto out;
	}
	if (to) {
		test_mail_init(&t, &mc, to);
		if (outbox_check(&mc, &t.m, &e) != 0) {
			fprintf(stderr, "epak mail: %s\n", e.msg);
			goto out;
		}
	}
	config_db_url(cfg, url, sizeof(url));
	db = db_open(url, &e);
	if (!db) {
		fprintf(stderr, "epak mail: database: %s\n", e.msg);
		goto out;
	}
	if (db_query_int(db, "SELECT count(*) FROM mail_outbox WHERE id = 0", DB_NOP, &v) != DB_OK) {
		fprintf(stderr, "epak mail: no outbox in the database: run 'epak migrate' first\n");
		goto out;
	}

	if (to) {
		n = db_tx(db, send_test_body, &t);
		if (n != DB_OK) {
			fprintf(stderr, "epak mail: cannot queue the message: %s: %s\n", outbox_strerror(n),
				db_errmsg(db));
			goto out;
		}
		printf("queued message %lld; 'epak mail deliver' (or a running 'epak serve') delivers it\n", t.id);
	} else if (!strcmp(argv[1], "deliver")) {
		n = mail_deliver_pass(db, &mc, INT_MAX, &p);
		if (n < 0) {
			fprintf(stderr, "epak mail: database: %s\n", db_errmsg(db));
			goto out;
		}
		printf("%d attempted: %d sent, %d to retry later, %d failed", n, p.sent, p.retried, p.failed);
		if (p.lost)
			printf(", %d taken over by another worker", p.lost);
		printf("\n");
	} else if (status(db) != DB_OK) {
		fprintf(stderr, "epak mail: database: %s\n", db_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	db_close(db);
	return rc;
}
