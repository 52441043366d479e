/* main.c — the epak command: one binary, several subcommands.
 *
 *   epak serve            serve the portal
 *   epak migrate          bring the database schema up to date
 *   epak import, export   the CPSV-AP catalog in and out
 *   epak mail             queue a test mail, deliver, show the outbox
 *   epak backup, restore  one-file backups of an SQLite portal
 *   epak user             staff accounts: add, password, roles, second factor
 *   epak sign, verify     .edoc (ASiC-E, XAdES) containers
 *   epak search, search-eval, search-complete, search-bench
 *                         the search from the command line, measured
 *   epak version          print the version
 *   epak msgids           the translatable texts of the templates
 *   epak doc              the generated man pages and epak.conf
 * (the table commands[] below is the list; `epak --help` prints it)
 *
 * Settings come from defaults, then --config FILE, then EPAK_* environment
 * variables, then flags; see config.c for every key.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/config_doc.h"
#include "core/log.h"
#include "http/server.h"
#include "links/checker.h"
#include "store/db.h"
#include "catalog/cli.h"
#include "mail/cli.h"
#include "mail/outbox.h"
#include "mail/worker.h"
#include "search/cli.h"
#include "sign/cli.h"
#include "store/migrate.h"
#include "store/user_cli.h"
#include "store/backup_cli.h"
#include "tmpl/mustache.h"
#include "web/app.h"
#include "web/content.h"
#include "web/materials.h"
#include "web/newsletter.h"
#include "web/search_log.h"
#include "web/link_sources.h"
#include "web/sign_session.h"
#include "web/snapshot.h"

#ifndef EPAK_VERSION
#define EPAK_VERSION "0.1.0"
#endif

/* A command either takes the common settings (run: argv holds the command
 * name and its positional arguments, settings already applied to cfg) or
 * parses its own arguments (raw). */
struct command {
	const char *name;
	int (*run)(struct config *cfg, int argc, char **argv);
	int (*raw)(int argc, char **argv);
	const char *summary;
	const char *usage;
};

static int cmd_serve(struct config *cfg, int argc, char **argv);
static int cmd_migrate(struct config *cfg, int argc, char **argv);
static int cmd_version(struct config *cfg, int argc, char **argv);
static int cmd_msgids(struct config *cfg, int argc, char **argv);

/* The search commands parse their own arguments. */
static int raw_search(int argc, char **argv)
{
	return cmd_search(NULL, argc, argv);
}

static int raw_search_eval(int argc, char **argv)
{
	return cmd_search_eval(NULL, argc, argv);
}

static int raw_search_complete(int argc, char **argv)
{
	return cmd_search_complete(NULL, argc, argv);
}

static int raw_search_bench(int argc, char **argv)
{
	return cmd_search_bench(NULL, argc, argv);
}

static int raw_doc(int argc, char **argv);

static const struct command commands[] = {
    {"serve", cmd_serve, NULL, "serve the portal over HTTP (and HTTPS with tls-cert)",
     "epak serve [--listen HOST:PORT]... [--data DIR] [--db URL] [--threads N] [--dev] [...]"},
    {"migrate", cmd_migrate, NULL, "create or update the database schema", "epak migrate [--data DIR] [--db URL]"},
    {"import", cmd_import, NULL, "import a CPSV-AP catalog (JSON-LD or Turtle); re-importing changes nothing",
     "epak import [--if-empty] [--data DIR] [--db URL] FILE..."},
    {"export", cmd_export, NULL, "write the whole catalog as CPSV-AP JSON-LD",
     "epak export [--data DIR] [--db URL] [-o FILE]"},
    {"backup", cmd_backup, NULL, "a consistent one-file backup of the SQLite database, secret and files, while serving",
     BACKUP_USAGE},
    {"restore", cmd_restore, NULL, "check a backup and restore it into an empty data folder", RESTORE_USAGE},
    {"user", cmd_user, NULL, "add and change staff accounts (passwords from standard input)", USER_CLI_USAGE},
    {"mail", cmd_mail, NULL, "queue a test mail, deliver due mail now, or show the outbox", MAIL_CLI_USAGE},
    {"sign", NULL, cmd_sign, "sign files into a Latvian .edoc (ASiC-E, XAdES) container",
     "epak sign -o OUT.edoc [--add] (--p12 FILE | --pkcs11 MODULE --token LABEL) --pin-env VAR "
     "[--profile B|T|LT] [--tsa URL] [--ocsp URL] FILE..."},
    {"verify", NULL, cmd_verify, "check the signatures of an .edoc/.asice container",
     "epak verify [--json] [--trust PEMFILE]... [--offline | --any-address] FILE"},
    {"search", NULL, raw_search, "run one search query against a catalog file and print the hits",
     "epak search [--catalog FILE] [--data DIR] [--limit N] QUERY..."},
    {"search-eval", NULL, raw_search_eval, "measure search quality (MRR@10, Success@1) against a query set",
     "epak search-eval [--catalog FILE] [--queries FILE] [--data DIR]"},
    {"search-complete", NULL, raw_search_complete, "print type-ahead completions",
     "epak search-complete [--catalog FILE] [--data DIR] TEXT..."},
    {"search-bench", NULL, raw_search_bench, "measure search latency, build time and memory",
     "epak search-bench [--catalog FILE] [--data DIR] [--docs N]"},
    {"version", cmd_version, NULL, "print the version", "epak version"},
    {"msgids", cmd_msgids, NULL, "list the translatable texts of the templates (for po/)",
     "epak msgids [--templates DIR]"},
    {"doc", NULL, raw_doc, "print the man page epak(1) or epak.conf(5), or the commented epak.conf, from the code",
     "epak doc (man1 | man5 | conf)"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* epak doc: the documents of core/config_doc.h, from commands[] and the key
 * table; the date is SOURCE_DATE_EPOCH's (reproducible builds) or today. */
static int raw_doc(int argc, char **argv)
{
	struct doc_command d[NCOMMANDS];
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	time_t t = epoch ? (time_t)strtoll(epoch, NULL, 10) : time(NULL);
	char date[16];
	struct tm tm;
	size_t i;
	int rc;

	for (i = 0; i < NCOMMANDS; i++) {
		d[i].name = commands[i].name;
		d[i].summary = commands[i].summary;
		d[i].usage = commands[i].usage;
		d[i].own_options = commands[i].raw != NULL;
	}
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	if (argc == 2 && !strcmp(argv[1], "man1"))
		rc = config_doc_man1(stdout, d, NCOMMANDS, EPAK_VERSION, date);
	else if (argc == 2 && !strcmp(argv[1], "man5"))
		rc = config_doc_man5(stdout, EPAK_VERSION, date);
	else if (argc == 2 && !strcmp(argv[1], "conf"))
		rc = config_doc_conf(stdout);
	else {
		fprintf(stderr, "usage: epak doc (man1 | man5 | conf)\n");
		return 2;
	}
	return rc == 0 && fflush(stdout) == 0 ? 0 : 1;
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: epak COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'epak COMMAND --help' for a command's options.\n");
}

static void command_help(const struct command *c)
{
	printf(
	    "usage: %s\n\n%s.\n\noptions (each also EPAK_<KEY> in the environment or KEY = VALUE in --config FILE):\n",
	    c->usage, c->summary);
	printf("  --%-14s %-16s %s\n", "config", "\"\"", "read settings from this file first");
	config_print_keys();
	printf("  --%-14s %-16s %s\n", "help", "", "show this help");
}

/* Reads --config first (anywhere on the line), then the environment, then
 * every other --key value / --key=value / --flag. Arguments that do not start
 * with "--" are kept, in order, in pos[1..] (pos[0] is the command name). */
static int parse_options(struct config *cfg, int argc, char **argv, char **pos, int *npos, struct err *err)
{
	int i;
	char key[64];
	const char *val;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			if (config_load_file(cfg, argv[i + 1], err) != 0)
				return -1;
		} else if (!strncmp(argv[i], "--config=", 9)) {
			if (config_load_file(cfg, argv[i] + 9, err) != 0)
				return -1;
		}
	}
	if (config_load_env(cfg, err) != 0)
		return -1;
	config_layer(cfg, 2);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *eq;

		if (strncmp(a, "--", 2) != 0 || !strcmp(a, "--if-empty")) { /* --if-empty: import's own */
			pos[(*npos)++] = argv[i];
			continue;
		}
		a += 2;
		eq = strchr(a, '=');
		if (eq) {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - a), a);
			val = eq + 1;
		} else {
			snprintf(key, sizeof(key), "%s", a);
			val = NULL;
		}
		if (!strcmp(key, "config")) {
			if (!val)
				i++;
			continue;
		}
		if (!val) {
			/* boolean flags stand alone */
			if (!strcmp(key, "dev") || !strcmp(key, "access-log")) {
				val = "1";
			} else if (!strcmp(key, "no-access-log")) {
				snprintf(key, sizeof(key), "access-log");
				val = "0";
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				err_set(err, ERR_VALIDATION, "--%s needs a value", key);
				return -1;
			}
		}
		if (config_set(cfg, key, val, err) != 0)
			return -1;
	}
	if (cfg->nlisten == 0 && config_set(cfg, "listen", "127.0.0.1:8080", err) != 0)
		return -1;
	return config_check(cfg, err);
}

/* For commands without positional arguments. */
static int no_arguments(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "epak %s: unexpected argument '%s'\n", argv[0], argv[1]);
		return -1;
	}
	return 0;
}

static enum log_level level_of(const char *s)
{
	if (!strcmp(s, "error"))
		return LOG_ERROR;
	if (!strcmp(s, "warn"))
		return LOG_WARN;
	if (!strcmp(s, "debug"))
		return LOG_DEBUG;
	return LOG_INFO;
}

static int check_schema(const struct config *cfg)
{
	char url[1100];
	struct err e = {0};
	struct db *db;
	int pending = 0, rc = -1;

	config_db_url(cfg, url, sizeof(url));
	db = db_open(url, &e);
	if (!db) {
		log_error("database: %s", e.msg);
		return -1;
	}
	pending = db_migration_latest() - db_migration_version(db);
	if (db_migration_version(db) < 0) {
		log_error("database: %s", db_errmsg(db));
		goto out;
	}
	if (pending) {
		log_error("the database needs %d migration(s): run 'epak migrate' first", pending);
		goto out;
	}
	rc = 0;
out:
	db_close(db);
	return rc;
}

/* A new read model: pages cached from the old one are stale. */
static void bump_revision(void *cls)
{
	struct app *app = cls;

	atomic_fetch_add(&app->site.revision, 1);
}

/* The background threads of `epak serve`, in the order they start; they
 * stop in the reverse order (stop_started). */
static void (*const serve_stops[])(void) = {snapshot_stop,         mail_worker_stop,   sign_session_purger_stop,
					    search_log_stop,       links_checker_stop, content_stop,
					    newsletter_sender_stop};

/* Stops the first n threads of serve_stops, the last started first. */
static void stop_started(size_t n)
{
	while (n > 0)
		serve_stops[--n]();
}

/* The background threads' stop, bounded by the shutdown deadline (plus a
 * second for them to say so): a delivery or a rebuild that does not come to
 * a safe point by then ends with the process, exit status 0 all the same
 * (the outbox retries what was not confirmed sent). */
static void *stop_guard(void *arg)
{
	long long deadline = *(long long *)arg;
	struct timespec nap = {0, 100 * 1000000L};

	while (now_usec() <= deadline + 1000000LL)
		nanosleep(&nap, NULL);
	log_warn("background threads did not stop within shutdown-timeout; exiting");
	_exit(0);
	return NULL;
}

static void serve_stop_bounded(size_t started)
{
	static long long deadline;
	pthread_t guard;

	deadline = server_stop_deadline();
	if (deadline && pthread_create(&guard, NULL, stop_guard, &deadline) == 0)
		pthread_detach(guard);
	stop_started(started);
}

static int cmd_serve(struct config *cfg, int argc, char **argv)
{
	struct snapshot_source src;
	struct search_log_config slc;
	struct links_config lc;
	struct mail_config mc;
	struct app app;
	struct err e = {0};
	size_t started = 0; /* of serve_stops */
	int rc;

	if (no_arguments(argc, argv) != 0)
		return 2;
	if (app_open(&app, cfg, &e) != 0) {
		log_error("cannot start: %s", e.msg);
		return 1;
	}
	app.version = EPAK_VERSION; /* for /metrics (page_metrics.c) */
	if (check_schema(cfg) != 0) {
		app_close(&app);
		return 1;
	}
	if (materials_start(&app, &e) != 0) {
		log_error("cannot start: %s", e.msg);
		app_close(&app);
		return 1;
	}
	memset(&src, 0, sizeof(src));
	src.db_url = app.db_url;
	src.search_data = cfg->search_data;
	src.catalog_max_bytes = cfg->catalog_max_bytes;
	if (snapshot_start(&src, bump_revision, &app, &e) != 0) {
		log_error("cannot start: %s", e.msg);
		goto fail;
	}
	started++;
	rc = mail_config_from(&mc, cfg, &e);
	if (rc == 0) {
		app.mail = &mc;
		rc = mail_worker_start(&mc, app.db_url);
	}
	if (rc != 0) {
		log_error("cannot start mail delivery: %s", e.msg);
		goto fail;
	}
	started++;
	if (sign_session_purger_start(app.db_url, cfg->sign_purge_interval, cfg) != 0)
		goto fail;
	started++;
	slc.db_url = app.db_url;
	slc.max_rows = cfg->search_zero_rows;
	slc.keep_days = cfg->search_zero_days;
	if (search_log_start(&slc, &e) != 0) {
		log_error("cannot start: %s", e.msg);
		goto fail;
	}
	started++;
	links_config_from(&lc, cfg);
	if (lc.enabled && links_checker_start(&lc, app.db_url, web_link_uses, NULL) != 0)
		goto fail;
	started++; /* stopping a checker that never started is a no-op */
	if (content_start(&app, &e) != 0) {
		log_error("cannot start: %s", e.msg);
		goto fail;
	}
	started++;
	if (newsletter_sender_start(&mc, app.db_url, cfg, app.secret, sizeof(app.secret)) != 0)
		goto fail;
	started++;
	rc = server_run(&app.site);
	if (server_stop_cut()) {
		/* worker jobs or requests were cut off at shutdown-timeout: what
		 * they use stays allocated; the background threads are not waited for */
		log_warn("exiting without waiting for background threads (shutdown-timeout)");
		_exit(0);
	}
	serve_stop_bounded(started);
	app_close(&app);
	return rc == 0 ? 0 : 1;
fail:
	stop_started(started);
	app_close(&app);
	return 1;
}

static int cmd_migrate(struct config *cfg, int argc, char **argv)
{
	char url[1100];
	struct err e = {0};
	struct db *db;
	int applied = 0;

	if (no_arguments(argc, argv) != 0)
		return 2;
	if (!*cfg->db && mkdir(cfg->data, 0750) != 0 && errno != EEXIST) {
		log_error("%s: cannot create: %s", cfg->data, strerror(errno));
		return 1;
	}
	config_db_url(cfg, url, sizeof(url));
	db = db_open(url, &e);
	if (!db) {
		log_error("database: %s", e.msg);
		return 1;
	}
	if (db_migrate(db, &applied) != 0) {
		log_error("migration failed: %s", db_errmsg(db));
		db_close(db);
		return 1;
	}
	printf("%s: %d migration(s) applied, schema version %d\n", db_backend(db), applied, db_migration_version(db));
	db_close(db);
	return 0;
}

static int cmd_version(struct config *cfg, int argc, char **argv)
{
	(void)cfg;
	(void)argc;
	(void)argv;
	printf("epak %s\n", EPAK_VERSION);
	return 0;
}

static void print_msgid(void *cls, const char *msgid, const char *file, int line)
{
	const char *p;

	(void)cls;
	printf("#: %s:%d\nmsgid \"", file, line);
	for (p = msgid; *p; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		putchar(*p);
	}
	printf("\"\nmsgstr \"\"\n\n");
}

static int cmd_msgids(struct config *cfg, int argc, char **argv)
{
	struct tmpl_error e;

	(void)argc;
	(void)argv;
	if (tmpl_extract_msgids(cfg->templates, print_msgid, NULL, &e) != 0) {
		fprintf(stderr, "%s:%d: %s\n", e.file, e.line, e.reason);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct err err = {0};
	char **pos;
	size_t i;
	int rc, j, npos = 1;
	enum log_format lf;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version"))
		argv[1] = "version";
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (commands[i].raw)
			return commands[i].raw(argc - 1, argv + 1);
		for (j = 2; j < argc; j++) {
			if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
				command_help(&commands[i]);
				return 0;
			}
		}
		pos = calloc((size_t)argc + 1, sizeof(*pos));
		if (!pos)
			return 1;
		pos[0] = argv[1];
		config_defaults(&cfg);
		if (parse_options(&cfg, argc - 1, argv + 1, pos, &npos, &err) != 0) {
			fprintf(stderr, "epak %s: %s\n", commands[i].name, err.msg);
			config_free(&cfg);
			free(pos);
			return 2;
		}
		log_set_level(level_of(cfg.log_level));
		log_set_access(cfg.access_log);
		if (log_format_parse(cfg.log_format, &lf) == 0)
			log_set_format(lf);
		rc = commands[i].run(&cfg, npos, pos);
		config_free(&cfg);
		free(pos);
		return rc;
	}
	fprintf(stderr, "epak: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
