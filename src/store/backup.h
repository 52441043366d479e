/* backup.h — one-file backups of an SQLite data folder, taken while the
 * portal serves and writes, and their checked, all-or-nothing restore.
 *
 * A backup is a zip archive holding:
 *   manifest          "epak-backup 1", the schema version, the time, and one
 *                     line "file SHA256 SIZE NAME" for every other entry
 *   epak.db           a consistent copy of the database (SQLite's online
 *                     backup API, a few pages per step, from one read
 *                     snapshot: writers go on meanwhile, WAL mode)
 *   secret            the server secret (CSRF tokens, keyed hashes of
 *                     personal codes, sealed second-factor keys need it)
 *   materials/SHA256  the files of /materiali
 * written with mode 0600 in a mkdtemp folder beside FILE, flushed, then
 * renamed to FILE.
 *
 * A restore checks the archive (entries exactly as the manifest says, each
 * one's SHA-256 and size, PRAGMA integrity_check, a schema this binary
 * knows), refuses a data folder that is not empty, writes everything into a
 * staging folder on the same file system and renames it into place: on any
 * error nothing is left behind.
 */
#ifndef EPAK_STORE_BACKUP_H
#define EPAK_STORE_BACKUP_H

#include "core/err.h"

#define BACKUP_FORMAT "epak-backup 1"
#define BACKUP_MANIFEST_MAX (4u << 20) /* bytes of a manifest we read */
#define BACKUP_FILES_MAX 100000        /* entries of one archive */

struct backup_where {
	const char *data;      /* the data folder */
	const char *db;        /* the SQLite file (DATA/epak.db) */
	const char *materials; /* the folder of /materiali's files */
	int materials_in_data; /* materials is DATA/materials */
	int pages_per_step;    /* backup: pages copied per step (> 0) */
	int step_pause_ms;     /* backup: pause between steps */
};

struct backup_stats {
	long long db_bytes;    /* of the database copy */
	long long file_bytes;  /* of the archive */
	long long total_bytes; /* of every entry, uncompressed */
	int files;             /* entries besides the manifest */
	int steps;             /* backup steps taken */
	int schema;            /* schema version in the archive */
	int schema_latest;     /* the newest this binary knows */
	double seconds;
};

/* Writes a backup of w to out (an existing folder: a new file
 * epak-YYYYMMDDTHHMMSSZ.zip in it, whose path is put in written, which may
 * be NULL). 0, or -1 with err set; nothing is left at out on failure. */
int backup_make(const struct backup_where *w, const char *out, char *written, size_t written_cap,
		struct backup_stats *st, struct err *err);

/* Removes the oldest epak-*.zip backups in dir beyond keep. The number
 * removed, or -1 with err set. */
int backup_prune(const char *dir, int keep, struct err *err);

/* Checks file and restores it into w->data (and w->materials when that is
 * elsewhere), which must be missing or empty. 0, or -1 with err set and
 * nothing written. */
int backup_restore(const struct backup_where *w, const char *file, struct backup_stats *st, struct err *err);

#endif
