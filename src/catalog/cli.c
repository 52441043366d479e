/* cli.c — `epak import` and `epak export` (see cli.h). */
#include "catalog/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/export.h"
#include "catalog/jsonld.h"
#include "catalog/model.h"
#include "catalog/store.h"
#include "core/buf.h"
#include "core/config.h"
#include "store/db.h"
#include "store/migrate.h"

static struct db *open_db(const struct config *cfg, const char *cmd)
{
	char url[PATH_MAX + 64];
	struct err e = {0};
	struct db *db;
	int v;

	config_db_url(cfg, url, sizeof(url));
	db = db_open(url, &e);
	if (!db) {
		fprintf(stderr, "epak %s: database: %s\n", cmd, e.msg);
		return NULL;
	}
	v = db_migration_version(db);
	if (v < 0) {
		fprintf(stderr, "epak %s: database: %s\n", cmd, db_errmsg(db));
		db_close(db);
		return NULL;
	}
	if (v != db_migration_latest()) {
		fprintf(stderr, "epak %s: the database needs %d migration(s): run 'epak migrate' first\n", cmd,
			db_migration_latest() - v);
		db_close(db);
		return NULL;
	}
	return db;
}

static const char SQL_NODES_ANY[] = "SELECT count(*) FROM (SELECT 1 FROM catalog_node LIMIT 1) AS n";

static void print_counts(const char *name, const struct import_stats *st)
{
	const struct import_counts *s = &st->kind[CAT_SERVICE], *a = &st->all;

	printf("%s: %lu services added, %lu updated, %lu unchanged, %lu removed "
	       "(all nodes: %lu added, %lu updated, %lu unchanged, %lu removed)\n",
	       name, s->added, s->updated, s->unchanged, s->removed, a->added, a->updated, a->unchanged, a->removed);
	if (a->kept)
		printf("%s: %lu nodes kept as the back office edited them (%lu services)\n", name, a->kept, s->kept);
}

int cmd_import(struct config *cfg, int argc, char **argv)
{
	struct cat_doc **docs = NULL;
	char **sources = NULL;
	struct import_stats *stats = NULL;
	struct err err = {0};
	struct db *db = NULL;
	long long rev = 0, before = 0;
	long long nodes = 0;
	int i, n = 0, rc = 1, first = 1, if_empty = 0;

	if (argc > first && !strcmp(argv[first], "--if-empty")) {
		if_empty = 1;
		first++;
	}
	if (argc > first && !strcmp(argv[first], "--"))
		first++;
	if (argc <= first) {
		fprintf(stderr, "usage: epak import [--if-empty] FILE...\n");
		return 2;
	}
	/* --if-empty (the package's first start): a catalog that has anything,
	 * imported or edited in the back office, is left as it is */
	if (if_empty) {
		db = open_db(cfg, "import");
		if (!db)
			return 1;
		if (db_query_int(db, SQL_NODES_ANY, DB_NOP, &nodes) != DB_OK) {
			fprintf(stderr, "epak import: database: %s\n", db_errmsg(db));
			db_close(db);
			return 1;
		}
		if (nodes > 0) {
			printf("the catalog is not empty: nothing imported (--if-empty)\n");
			db_close(db);
			return 0;
		}
	}
	n = argc - first;
	docs = calloc((size_t)n, sizeof(*docs));
	sources = calloc((size_t)n, sizeof(*sources));
	stats = calloc((size_t)n, sizeof(*stats));
	if (!docs || !sources || !stats) {
		fprintf(stderr, "epak import: out of memory\n");
		goto out;
	}
	/* every file is read and checked before the database is touched */
	for (i = 0; i < n; i++) {
		const char *path = argv[first + i];

		docs[i] = cat_doc_load(path, &err);
		if (!docs[i]) {
			fprintf(stderr, "epak import: %s\nnothing was imported\n", err.msg);
			goto out;
		}
		sources[i] = realpath(path, NULL);
		if (!sources[i])
			sources[i] = strdup(path);
		if (!sources[i])
			goto out;
	}
	if (!db)
		db = open_db(cfg, "import");
	if (!db)
		goto out;
	if (catalog_revision(db, &before) != 0)
		before = -1;
	if (catalog_import(db, docs, (const char *const *)sources, (size_t)n, stats, &rev, &err) != 0) {
		fprintf(stderr, "epak import: %s\nnothing was imported\n", err.msg);
		goto out;
	}
	for (i = 0; i < n; i++)
		print_counts(argv[first + i], &stats[i]);
	if (rev != before)
		printf("catalog revision %lld\n", rev);
	else
		printf("nothing changed (catalog revision %lld)\n", rev);
	rc = 0;
out:
	for (i = 0; docs && i < n; i++)
		cat_doc_free(docs[i]);
	for (i = 0; sources && i < n; i++)
		free(sources[i]);
	free(docs);
	free(sources);
	free(stats);
	db_close(db);
	return rc;
}

static void warn_stderr(void *cls, const char *msg)
{
	(void)cls;
	fprintf(stderr, "epak export: warning: %s\n", msg);
}

/* Writes b to path through a temporary file and a rename, or to stdout. */
static int write_out(const char *path, const struct buf *b)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd;

	if (!path || !strcmp(path, "-"))
		return fwrite(b->data, 1, b->len, stdout) == b->len && fflush(stdout) == 0 ? 0 : -1;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -1;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	/* an export is for others to read, like any file the user writes */
	{
		mode_t mask = umask(0);

		umask(mask);
		if (fchmod(fd, 0666 & ~mask) != 0) {
			close(fd);
			unlink(tmp);
			return -1;
		}
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int cmd_export(struct config *cfg, int argc, char **argv)
{
	const char *out_path = NULL, *service = NULL;
	struct buf b = BUF_INIT;
	struct err err = {0};
	struct catalog *c = NULL;
	struct db *db = NULL;
	int i, rc = 1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
			out_path = argv[++i];
		} else if (!strncmp(a, "-o", 2) && a[2]) {
			out_path = a + 2;
		} else if ((!strcmp(a, "-s") || !strcmp(a, "--service")) && i + 1 < argc) {
			service = argv[++i];
		} else {
			fprintf(stderr, "usage: epak export [-o FILE] [-s SERVICE-SLUG]\n");
			return 2;
		}
	}
	db = open_db(cfg, "export");
	if (!db)
		return 1;
	if (service) {
		const struct service *s;

		c = catalog_load(db, &err);
		if (!c) {
			fprintf(stderr, "epak export: %s\n", err.msg);
			goto out;
		}
		s = catalog_service(c, service);
		if (!s)
			s = catalog_service_by_id(c, service);
		if (!s) {
			fprintf(stderr, "epak export: no service '%s' in the catalog\n", service);
			goto out;
		}
		if (catalog_service_jsonld(c, s, &b) != 0) {
			fprintf(stderr, "epak export: the service could not be written\n");
			goto out;
		}
	} else if (catalog_export(db, &b, warn_stderr, NULL, &err) != 0) {
		fprintf(stderr, "epak export: %s\n", err.msg);
		goto out;
	}
	if (write_out(out_path, &b) != 0) {
		fprintf(stderr, "epak export: %s: %s\n", out_path ? out_path : "stdout", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	catalog_free(c);
	buf_free(&b);
	db_close(db);
	return rc;
}
