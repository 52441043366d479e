/* backup_cli.c — the `epak backup` and `epak restore` commands (see
 * backup.h for the format and the checks). On PostgreSQL both refuse and
 * say how to use pg_dump and pg_restore instead: the database's own tools
 * make a consistent copy of a live cluster, epak cannot do better. */
#include "store/backup_cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store/backup.h"

#define PG_HOWTO                                                                                                       \
	"  back up:  pg_dump -Fc -f epak-$(date -u +%%Y%%m%%dT%%H%%M%%SZ).dump \"$EPAK_DB\"\n"                         \
	"            and copy the data folder's secret and materials/ (tar -C %s -czf files.tgz secret materials)\n"   \
	"  restore:  createdb NEW && pg_restore --no-owner -d \"postgres://.../NEW\" FILE.dump,\n"                     \
	"            put secret and materials/ into an empty data folder (modes 0600/0700),\n"                         \
	"            then epak migrate --db \"postgres://.../NEW\"\n"                                                  \
	"(docs/operating.md, \"Backups and restore\")\n"

static int is_pg(const struct config *cfg)
{
	return !strncmp(cfg->db, "postgres://", 11) || !strncmp(cfg->db, "postgresql://", 13);
}

/* One FILE argument, and an SQLite database: PostgreSQL gets the recipe
 * with its own tools instead. 0, or -1 after saying why. */
static int usable(const struct config *cfg, int argc, const char *cmd, const char *usage)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s\n", usage);
		return -1;
	}
	if (is_pg(cfg)) {
		fprintf(stderr,
			"epak %s: the database is PostgreSQL; epak backs up and restores SQLite only. Use "
			"pg_dump and pg_restore:\n" PG_HOWTO,
			cmd, cfg->data);
		return -1;
	}
	return 0;
}

static void where_of(const struct config *cfg, struct backup_where *w, char *db, size_t dbcap, char *mat, size_t matcap)
{
	memset(w, 0, sizeof(*w));
	config_db_url(cfg, db, dbcap);
	w->data = cfg->data;
	w->db = db;
	w->materials_in_data = !*cfg->materials_dir;
	if (w->materials_in_data)
		snprintf(mat, matcap, "%s/materials", cfg->data);
	else
		snprintf(mat, matcap, "%s", cfg->materials_dir);
	w->materials = mat;
	w->pages_per_step = cfg->backup_step_pages;
	w->step_pause_ms = 1;
}

int cmd_backup(struct config *cfg, int argc, char **argv)
{
	struct backup_where w;
	struct backup_stats st;
	struct err e = {0};
	struct stat sb;
	char db[1100], mat[1100], written[4200];
	int removed;

	if (usable(cfg, argc, "backup", BACKUP_USAGE) != 0)
		return 2;
	where_of(cfg, &w, db, sizeof(db), mat, sizeof(mat));
	if (backup_make(&w, argv[1], written, sizeof(written), &st, &e) != 0) {
		fprintf(stderr, "epak backup: %s\n", e.msg);
		return 1;
	}
	printf("%s: %lld bytes (database %lld bytes, %d files, schema %d) in %.2f s, %d steps\n", written,
	       st.file_bytes, st.db_bytes, st.files, st.schema, st.seconds, st.steps);
	if (stat(argv[1], &sb) == 0 && S_ISDIR(sb.st_mode)) {
		removed = backup_prune(argv[1], cfg->backup_keep, &e);
		if (removed < 0) {
			fprintf(stderr, "epak backup: old backups not removed: %s\n", e.msg);
			return 1;
		}
		if (removed > 0)
			printf("%d old backup(s) removed, %d kept\n", removed, cfg->backup_keep);
	}
	return 0;
}

int cmd_restore(struct config *cfg, int argc, char **argv)
{
	struct backup_where w;
	struct backup_stats st;
	struct err e = {0};
	char db[1100], mat[1100], want[1100];

	if (usable(cfg, argc, "restore", RESTORE_USAGE) != 0)
		return 2;
	where_of(cfg, &w, db, sizeof(db), mat, sizeof(mat));
	snprintf(want, sizeof(want), "%s/epak.db", cfg->data);
	if (strcmp(db, want) != 0) {
		fprintf(stderr, "epak restore: restores into %s; --db names another file (%s)\n", want, db);
		return 2;
	}
	if (backup_restore(&w, argv[1], &st, &e) != 0) {
		fprintf(stderr, "epak restore: %s\n", e.msg);
		return 1;
	}
	printf("%s restored into %s: %d files, %lld bytes, schema %d, in %.2f s\n", argv[1], cfg->data, st.files,
	       st.total_bytes, st.schema, st.seconds);
	if (st.schema < st.schema_latest)
		printf("the backup has schema %d, this epak %d: run 'epak migrate' before 'epak serve'\n", st.schema,
		       st.schema_latest);
	return 0;
}
