/* backup.c — one-file backups of an SQLite data folder and their restore
 * (see backup.h). */
#include "store/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>
#include <zip.h>

#include "core/buf.h"
#include "core/digest.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/secret.h"
#include "store/migrate.h"

#define PATH_CAP 4096
#define CHUNK 65536
#define STAGE_PREFIX ".epak-restore-"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int path_join(char *out, size_t cap, const char *a, const char *b, struct err *err)
{
	int n = snprintf(out, cap, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= cap) {
		err_set(err, ERR_VALIDATION, "%s: path too long", a);
		return -1;
	}
	return 0;
}

/* Flushes a file or folder to disk. */
static int fsync_path(const char *path, struct err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		err_set(err, ERR_INTERNAL, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	rc = fsync(fd);
	if (rc != 0)
		err_set(err, ERR_INTERNAL, "%s: cannot flush: %s", path, strerror(errno));
	close(fd);
	return rc == 0 ? 0 : -1;
}

/* The folder a path lives in ("." for a bare name). */
static void parent_of(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, cap, ".");
	else if (slash == path)
		snprintf(out, cap, "/");
	else
		snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Removes a folder and everything under it (a staging folder). */
static void rm_rf(const char *path)
{
	if (*path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* SHA-256 and size of the file at path, as lower-case hex. */
static int file_sha256(const char *path, char hex[DIGEST_HEX], long long *size, struct err *err)
{
	unsigned char md[32], *chunk = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	ssize_t n;

	*size = 0;
	chunk = malloc(CHUNK);
	if (fd < 0 || !ctx || !chunk || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		err_set(err, ERR_INTERNAL, "%s: cannot read: %s", path, fd < 0 ? strerror(errno) : "out of memory");
		goto out;
	}
	for (n = read(fd, chunk, CHUNK); n > 0; n = read(fd, chunk, CHUNK)) {
		EVP_DigestUpdate(ctx, chunk, (size_t)n);
		*size += n;
	}
	if (n < 0) {
		err_set(err, ERR_INTERNAL, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	hex_encode(hex, md, sizeof(md));
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	free(chunk);
	return rc;
}

/* A stored file of /materiali is named by 64 lower-case hex digits. */
static int material_name_ok(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* ---- taking a backup ---- */

static int sql_fail(sqlite3 *h, const char *what, const char *path, struct err *err)
{
	err_set(err, ERR_INTERNAL, "%s: %s: %s", path, what, h ? sqlite3_errmsg(h) : "out of memory");
	return -1;
}

/* The newest migration recorded in an open database (0: none). */
static int schema_of(sqlite3 *h)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(h, "SELECT MAX(version) FROM schema_migrations", -1, &st, NULL) != SQLITE_OK)
		return 0; /* no bookkeeping table: nothing migrated */
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Copies the live database at src into a new file dst with the online
 * backup API. The source connection holds one read transaction for the
 * whole copy: in WAL mode that snapshot does not stop writers, and the copy
 * does not start over each time another connection commits (it would
 * never finish under a steady write load). */
static int copy_db(const struct backup_where *w, const char *dst, struct backup_stats *st, struct err *err)
{
	sqlite3 *s = NULL, *d = NULL;
	sqlite3_backup *b = NULL;
	struct timespec pause;
	int rc = -1, step;

	pause.tv_sec = w->step_pause_ms / 1000;
	pause.tv_nsec = (long)(w->step_pause_ms % 1000) * 1000000L;
	if (sqlite3_open_v2(w->db, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sql_fail(s, "cannot open", w->db, err);
		goto out;
	}
	sqlite3_busy_timeout(s, 10000);
	if (sqlite3_exec(s, "BEGIN; SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
		sql_fail(s, "cannot read", w->db, err);
		goto out;
	}
	if (sqlite3_open_v2(dst, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		sql_fail(d, "cannot create", dst, err);
		goto out;
	}
	b = sqlite3_backup_init(d, "main", s, "main");
	if (!b) {
		sql_fail(d, "cannot start the backup", dst, err);
		goto out;
	}
	for (;;) {
		step = sqlite3_backup_step(b, w->pages_per_step);
		st->steps++;
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_OK && step != SQLITE_BUSY && step != SQLITE_LOCKED) {
			err_set(err, ERR_INTERNAL, "%s: backup step failed: %s", w->db, sqlite3_errstr(step));
			goto out;
		}
		if (w->step_pause_ms > 0)
			nanosleep(&pause, NULL);
	}
	step = sqlite3_backup_finish(b);
	b = NULL;
	if (step != SQLITE_OK) {
		err_set(err, ERR_INTERNAL, "%s: backup failed: %s", w->db, sqlite3_errstr(step));
		goto out;
	}
	st->schema = schema_of(d);
	if (st->schema < 0) {
		sql_fail(d, "cannot read the schema version of the copy", dst, err);
		goto out;
	}
	rc = 0;
out:
	if (b)
		sqlite3_backup_finish(b);
	if (s) {
		sqlite3_exec(s, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(s);
	}
	if (d && sqlite3_close(d) != SQLITE_OK && rc == 0)
		rc = sql_fail(d, "cannot close", dst, err);
	return rc;
}

/* One entry of the archive: where it is read from, its name in the zip. */
struct entry {
	char name[80];
	char path[PATH_CAP];
	char sha[DIGEST_HEX];
	long long size;
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static struct entry *entry_add(struct entries *es, const char *name, const char *path, struct err *err)
{
	struct entry *e, *nv;

	if (es->n >= BACKUP_FILES_MAX) {
		err_set(err, ERR_VALIDATION, "more than %d files to back up", BACKUP_FILES_MAX);
		return NULL;
	}
	if (es->n == es->cap) {
		nv = realloc(es->v, (es->cap ? es->cap * 2 : 64) * sizeof(*nv));
		if (!nv) {
			err_set(err, ERR_INTERNAL, "out of memory");
			return NULL;
		}
		es->v = nv;
		es->cap = es->cap ? es->cap * 2 : 64;
	}
	e = &es->v[es->n];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	if (snprintf(e->path, sizeof(e->path), "%s", path) >= (int)sizeof(e->path)) {
		err_set(err, ERR_VALIDATION, "%s: path too long", path);
		return NULL;
	}
	if (file_sha256(path, e->sha, &e->size, err) != 0)
		return NULL;
	es->n++;
	return e;
}

/* Every stored file of /materiali (a missing folder holds none). */
static int add_materials(struct entries *es, const char *dir, struct err *err)
{
	DIR *d = opendir(dir);
	const struct dirent *de;
	char name[80], path[PATH_CAP];
	int rc = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		err_set(err, ERR_INTERNAL, "%s: cannot read: %s", dir, strerror(errno));
		return -1;
	}
	for (de = readdir(d); rc == 0 && de; de = readdir(d)) {
		if (!material_name_ok(de->d_name))
			continue; /* "." and "..", temp files of an upload */
		snprintf(name, sizeof(name), "materials/%.64s", de->d_name);
		rc = path_join(path, sizeof(path), dir, de->d_name, err);
		if (rc == 0 && !entry_add(es, name, path, err))
			rc = -1;
	}
	closedir(d);
	return rc;
}

static int write_zip(const char *tmp, const struct entries *es, const struct buf *manifest, struct err *err)
{
	zip_t *z;
	zip_source_t *src;
	zip_int64_t idx;
	int zerr = 0;
	size_t i;

	z = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	if (!z) {
		zip_error_t ze;

		zip_error_init_with_code(&ze, zerr);
		err_set(err, ERR_INTERNAL, "%s: cannot create: %s", tmp, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return -1;
	}
	src = zip_source_buffer(z, manifest->data, manifest->len, 0);
	if (!src || zip_file_add(z, "manifest", src, ZIP_FL_ENC_UTF_8) < 0) {
		zip_source_free(src);
		goto fail;
	}
	for (i = 0; i < es->n; i++) {
		src = zip_source_file(z, es->v[i].path, 0, -1);
		idx = src ? zip_file_add(z, es->v[i].name, src, ZIP_FL_ENC_UTF_8) : -1;
		if (idx < 0) {
			zip_source_free(src);
			goto fail;
		}
		/* the database shrinks a lot at level 1; files of /materiali are
		 * mostly compressed already (PDF, PNG) */
		if (strncmp(es->v[i].name, "materials/", 10) == 0)
			zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
		else
			zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 1);
	}
	if (zip_close(z) != 0)
		goto fail;
	return 0;
fail:
	err_set(err, ERR_INTERNAL, "%s: cannot write: %s", tmp, zip_strerror(z));
	zip_discard(z);
	unlink(tmp);
	return -1;
}

static int resolve_out(const char *out, char *path, size_t cap, struct err *err)
{
	struct stat sb;
	char name[40];
	time_t t = time(NULL);
	struct tm tm;

	if (stat(out, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		if (snprintf(path, cap, "%s", out) < (int)cap)
			return 0;
		err_set(err, ERR_VALIDATION, "%s: path too long", out);
		return -1;
	}
	gmtime_r(&t, &tm);
	strftime(name, sizeof(name), "epak-%Y%m%dT%H%M%SZ.zip", &tm);
	return path_join(path, cap, out, name, err);
}

int backup_make(const struct backup_where *w, const char *out, char *written, size_t written_cap,
		struct backup_stats *st, struct err *err)
{
	char path[PATH_CAP], stage[PATH_CAP + 32], tmp[PATH_CAP + 48], dbtmp[PATH_CAP + 48], secret[PATH_CAP],
	    dir[PATH_CAP];
	struct entries es = {0};
	struct buf manifest = BUF_INIT;
	struct stat sb;
	mode_t old_mask = umask(077);
	double t0 = now_s();
	size_t i;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	st->schema_latest = db_migration_latest();
	stage[0] = tmp[0] = dbtmp[0] = '\0';
	if (resolve_out(out, path, sizeof(path), err) != 0)
		goto out;
	if (stat(w->db, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		err_set(err, ERR_VALIDATION, "%s: no database to back up: %s", w->db,
			errno ? strerror(errno) : "not a file");
		goto out;
	}
	/* The copies are made in a folder of our own (mkdtemp, 0700) beside
	 * the file: in a folder others can write, a name they can guess
	 * (FILE.db.tmp) could be a link they plant while the run waits for
	 * the database, and the runner (often root) would create or write the
	 * file it points to. */
	parent_of(path, dir, sizeof(dir));
	snprintf(stage, sizeof(stage), "%s/.epak-backup-XXXXXX", dir);
	if (!mkdtemp(stage)) {
		err_set(err, ERR_INTERNAL, "%s: cannot create a staging folder: %s", stage, strerror(errno));
		stage[0] = '\0';
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s/epak.zip", stage);
	snprintf(dbtmp, sizeof(dbtmp), "%s/epak.db", stage);
	if (copy_db(w, dbtmp, st, err) != 0)
		goto out;
	if (!entry_add(&es, "epak.db", dbtmp, err))
		goto out;
	st->db_bytes = es.v[0].size;
	if (path_join(secret, sizeof(secret), w->data, "secret", err) != 0)
		goto out;
	if (stat(secret, &sb) != 0) {
		err_set(err, ERR_VALIDATION, "%s: no server secret (start the portal once): %s", secret,
			strerror(errno));
		goto out;
	}
	if (sb.st_size != SECRET_LEN) {
		err_set(err, ERR_VALIDATION, "%s: damaged (expected %d bytes)", secret, SECRET_LEN);
		goto out;
	}
	/* after the database copy: every file its rows name is there */
	if (!entry_add(&es, "secret", secret, err) || add_materials(&es, w->materials, err) != 0)
		goto out;
	buf_init(&manifest, BACKUP_MANIFEST_MAX);
	buf_printf(&manifest, "%s\nschema %d\ncreated %lld\n", BACKUP_FORMAT, st->schema, (long long)time(NULL));
	for (i = 0; i < es.n; i++) {
		buf_printf(&manifest, "file %s %lld %s\n", es.v[i].sha, es.v[i].size, es.v[i].name);
		st->total_bytes += es.v[i].size;
	}
	if (!buf_ok(&manifest)) {
		err_set(err, ERR_VALIDATION, "the manifest is larger than %u bytes", BACKUP_MANIFEST_MAX);
		goto out;
	}
	st->files = (int)es.n;
	if (write_zip(tmp, &es, &manifest, err) != 0)
		goto out;
	if (chmod(tmp, 0600) != 0 || fsync_path(tmp, err) != 0) {
		err_set(err, ERR_INTERNAL, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) != 0) {
		err_set(err, ERR_INTERNAL, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	parent_of(path, dir, sizeof(dir));
	if (fsync_path(dir, err) != 0)
		goto out;
	if (stat(path, &sb) == 0)
		st->file_bytes = sb.st_size;
	if (written)
		snprintf(written, written_cap, "%s", path);
	rc = 0;
out:
	if (*stage)
		rm_rf(stage);
	buf_free(&manifest);
	free(es.v);
	umask(old_mask);
	st->seconds = now_s() - t0;
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "epak-YYYYMMDDTHHMMSSZ.zip", as backup_make names them. */
static int backup_name_ok(const char *s)
{
	return strlen(s) == 25 && strncmp(s, "epak-", 5) == 0 && strspn(s + 5, "0123456789") == 8 && s[13] == 'T' &&
	       strspn(s + 14, "0123456789") == 6 && strcmp(s + 20, "Z.zip") == 0;
}

int backup_prune(const char *dir, int keep, struct err *err)
{
	DIR *d = opendir(dir);
	const struct dirent *de;
	char **names = NULL, **nn, path[PATH_CAP];
	size_t n = 0, cap = 0, i;
	int removed = 0;

	if (!d) {
		err_set(err, ERR_INTERNAL, "%s: cannot read: %s", dir, strerror(errno));
		return -1;
	}
	for (de = readdir(d); de; de = readdir(d)) {
		if (!backup_name_ok(de->d_name))
			continue;
		if (n == cap) {
			nn = realloc(names, (cap ? cap * 2 : 32) * sizeof(*names));
			if (!nn)
				break;
			names = nn;
			cap = cap ? cap * 2 : 32;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i + (size_t)keep < n; i++) {
		if (path_join(path, sizeof(path), dir, names[i], err) == 0 && unlink(path) == 0)
			removed++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return removed;
}

/* ---- restoring ---- */

/* A folder being restored: the target, and the staging folder on the same
 * file system that becomes it (a sibling when the target is missing, inside
 * it when the target is an empty folder). */
struct stage {
	char target[PATH_CAP];
	char tmp[PATH_CAP + 64];
	int existed;
	uid_t uid;
	gid_t gid;
};

/* 1: dir holds nothing (a leftover staging folder of an interrupted
 * restore is removed and does not count), 0: it holds something, -1: it
 * is missing (errno ENOENT) or unreadable. */
static int dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	const struct dirent *de;
	char path[PATH_CAP];
	int empty = 1;

	if (!d)
		return -1;
	for (de = readdir(d); de; de = readdir(d)) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!strncmp(de->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) &&
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path)) {
			rm_rf(path);
			continue;
		}
		empty = 0;
	}
	closedir(d);
	return empty;
}

static int stage_open(struct stage *sg, const char *target, struct err *err)
{
	char parent[PATH_CAP];
	const char *base;
	struct stat sb;
	int empty;

	memset(sg, 0, sizeof(*sg));
	snprintf(sg->target, sizeof(sg->target), "%s", target);
	while (strlen(sg->target) > 1 && sg->target[strlen(sg->target) - 1] == '/')
		sg->target[strlen(sg->target) - 1] = '\0';
	empty = dir_empty(sg->target);
	if (empty == 0) {
		err_set(err, ERR_VALIDATION,
			"%s is not empty: restore only into an empty or new folder (a live portal is never "
			"overwritten)",
			sg->target);
		return -1;
	}
	if (empty < 0 && errno != ENOENT) {
		err_set(err, ERR_INTERNAL, "%s: %s", sg->target, strerror(errno));
		return -1;
	}
	if (empty == 1) {
		sg->existed = 1;
		if (stat(sg->target, &sb) == 0) {
			sg->uid = sb.st_uid;
			sg->gid = sb.st_gid;
		}
		snprintf(sg->tmp, sizeof(sg->tmp), "%s/" STAGE_PREFIX "XXXXXX", sg->target);
	} else {
		parent_of(sg->target, parent, sizeof(parent));
		if (mkdir_p(parent, 0750) != 0) {
			err_set(err, ERR_INTERNAL, "%s: cannot create: %s", parent, strerror(errno));
			return -1;
		}
		base = strrchr(sg->target, '/');
		base = base ? base + 1 : sg->target;
		snprintf(sg->tmp, sizeof(sg->tmp), "%s/" STAGE_PREFIX "%.40s-XXXXXX", parent, base);
	}
	if (!mkdtemp(sg->tmp)) {
		err_set(err, ERR_INTERNAL, "%s: cannot create a staging folder: %s", sg->tmp, strerror(errno));
		sg->tmp[0] = '\0';
		return -1;
	}
	return 0;
}

static uid_t chown_uid;
static gid_t chown_gid;

static int chown_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return lchown(path, chown_uid, chown_gid);
}

/* Moves the staged files into place: one rename of the whole folder, or,
 * into an existing empty folder, one per entry with the database last (a
 * data folder without epak.db is not a portal yet). */
static int stage_commit(struct stage *sg, struct err *err)
{
	char from[PATH_CAP * 2], to[PATH_CAP * 2], parent[PATH_CAP];
	DIR *d;
	const struct dirent *de;

	if (fsync_path(sg->tmp, err) != 0)
		return -1;
	if (sg->existed && geteuid() == 0 && (sg->uid || sg->gid)) {
		/* root restores for the service's user: the files get the owner
		 * of the data folder */
		chown_uid = sg->uid;
		chown_gid = sg->gid;
		if (nftw(sg->tmp, chown_one, 16, FTW_PHYS) != 0) {
			err_set(err, ERR_INTERNAL, "%s: cannot change the owner: %s", sg->tmp, strerror(errno));
			return -1;
		}
	}
	if (!sg->existed) {
		if (rename(sg->tmp, sg->target) != 0) {
			err_set(err, ERR_INTERNAL, "%s: cannot rename to %s: %s", sg->tmp, sg->target, strerror(errno));
			return -1;
		}
		sg->tmp[0] = '\0';
		parent_of(sg->target, parent, sizeof(parent));
		return fsync_path(parent, err);
	}
	d = opendir(sg->tmp);
	for (de = d ? readdir(d) : NULL; de; de = readdir(d)) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "epak.db"))
			continue;
		snprintf(from, sizeof(from), "%s/%s", sg->tmp, de->d_name);
		snprintf(to, sizeof(to), "%s/%s", sg->target, de->d_name);
		if (rename(from, to) != 0) {
			closedir(d);
			goto fail;
		}
	}
	if (d)
		closedir(d);
	snprintf(from, sizeof(from), "%s/epak.db", sg->tmp);
	snprintf(to, sizeof(to), "%s/epak.db", sg->target);
	if (access(from, F_OK) == 0 && rename(from, to) != 0)
		goto fail;
	rmdir(sg->tmp);
	sg->tmp[0] = '\0';
	return fsync_path(sg->target, err);
fail:
	err_set(err, ERR_INTERNAL, "%s: cannot move into %s: %s", from, sg->target, strerror(errno));
	return -1;
}

struct mline {
	char sha[DIGEST_HEX];
	long long size;
	char name[80];
	int seen;
};

struct manifest {
	int schema;
	struct mline *files;
	size_t n;
};

static int read_entry(zip_t *z, const char *name, size_t max, char **out, size_t *len, struct err *err)
{
	zip_stat_t zs;
	zip_file_t *f;
	zip_int64_t got;
	char *p;

	*out = NULL;
	if (zip_stat(z, name, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE)) {
		err_set(err, ERR_VALIDATION, "not an epak backup: no %s entry", name);
		return -1;
	}
	if (zs.size > max) {
		err_set(err, ERR_VALIDATION, "the %s entry is larger than %zu bytes", name, max);
		return -1;
	}
	p = malloc((size_t)zs.size + 1);
	f = zip_fopen(z, name, 0);
	got = f && p ? zip_fread(f, p, zs.size) : -1;
	if (f)
		zip_fclose(f);
	if (got < 0 || (zip_uint64_t)got != zs.size) {
		free(p);
		err_set(err, ERR_VALIDATION, "the %s entry cannot be read: the file is damaged", name);
		return -1;
	}
	p[got] = '\0';
	*out = p;
	*len = (size_t)got;
	return 0;
}

/* The name of an entry other than the manifest: epak.db, secret, or
 * materials/ and 64 hex digits. Nothing else (no "..", no folders). */
static int entry_name_ok(const char *s)
{
	return !strcmp(s, "epak.db") || !strcmp(s, "secret") ||
	       (!strncmp(s, "materials/", 10) && material_name_ok(s + 10));
}

static int parse_manifest(char *text, struct manifest *m, struct err *err)
{
	char *save = NULL, *line, *end;
	struct mline *ml, *nv;
	size_t cap = 0, i;
	int first = 1;
	long long v;

	memset(m, 0, sizeof(*m));
	m->schema = -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (first) {
			if (strcmp(line, BACKUP_FORMAT) != 0) {
				err_set(err, ERR_VALIDATION,
					"not an epak backup (or a newer format): the manifest "
					"does not start with \"" BACKUP_FORMAT "\"");
				return -1;
			}
			first = 0;
			continue;
		}
		if (!strncmp(line, "schema ", 7)) {
			errno = 0;
			v = strtoll(line + 7, &end, 10);
			if (errno || *end || v < 0 || v > INT_MAX)
				goto bad;
			m->schema = (int)v;
			continue;
		}
		if (!strncmp(line, "created ", 8))
			continue;
		if (strncmp(line, "file ", 5) != 0)
			goto bad;
		if (m->n == cap) {
			nv = realloc(m->files, (cap ? cap * 2 : 64) * sizeof(*nv));
			if (!nv) {
				err_set(err, ERR_INTERNAL, "out of memory");
				return -1;
			}
			m->files = nv;
			cap = cap ? cap * 2 : 64;
		}
		if (m->n >= BACKUP_FILES_MAX)
			goto bad;
		ml = &m->files[m->n];
		memset(ml, 0, sizeof(*ml));
		line += 5;
		if (strlen(line) < 66 || line[64] != ' ' || strspn(line, "0123456789abcdef") != 64)
			goto bad;
		memcpy(ml->sha, line, 64);
		ml->sha[64] = '\0';
		errno = 0;
		ml->size = strtoll(line + 65, &end, 10);
		if (errno || ml->size < 0 || *end != ' ' || !entry_name_ok(end + 1) ||
		    strlen(end + 1) >= sizeof(ml->name))
			goto bad;
		snprintf(ml->name, sizeof(ml->name), "%s", end + 1);
		for (i = 0; i < m->n; i++)
			if (!strcmp(m->files[i].name, ml->name))
				goto bad;
		m->n++;
	}
	if (first || m->schema < 0) {
		err_set(err, ERR_VALIDATION, "not an epak backup: the manifest is incomplete");
		return -1;
	}
	return 0;
bad:
	err_set(err, ERR_VALIDATION, "the manifest is damaged (a line it does not expect)");
	return -1;
}

/* Copies one entry to path (mode 0600), checking its size and SHA-256
 * against the manifest on the way. */
static int extract(zip_t *z, zip_int64_t idx, const struct mline *ml, const char *path, struct err *err)
{
	unsigned char md[32], *chunk = malloc(CHUNK);
	char hex[DIGEST_HEX];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), rc = -1;
	zip_int64_t n;
	long long total = 0;

	if (!chunk || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		err_set(err, ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (!f) {
		err_set(err, ERR_VALIDATION, "%s: cannot be read from the backup: %s", ml->name, zip_strerror(z));
		goto out;
	}
	if (fd < 0) {
		err_set(err, ERR_INTERNAL, "%s: cannot create: %s", path, strerror(errno));
		goto out;
	}
	for (n = zip_fread(f, chunk, CHUNK); n > 0; n = zip_fread(f, chunk, CHUNK)) {
		total += n;
		if (total > ml->size) {
			err_set(err, ERR_VALIDATION, "%s: larger than the manifest says: the backup was altered",
				ml->name);
			goto out;
		}
		EVP_DigestUpdate(ctx, chunk, (size_t)n);
		if (write(fd, chunk, (size_t)n) != n) {
			err_set(err, ERR_INTERNAL, "%s: cannot write: %s", path, strerror(errno));
			goto out;
		}
	}
	if (n < 0) {
		err_set(err, ERR_VALIDATION, "%s: the backup is damaged: %s", ml->name, zip_file_strerror(f));
		goto out;
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	hex_encode(hex, md, sizeof(md));
	if (total != ml->size || strcmp(hex, ml->sha) != 0) {
		err_set(err, ERR_VALIDATION, "%s: SHA-256 or size differ from the manifest: the backup was altered",
			ml->name);
		goto out;
	}
	if (fsync(fd) != 0) {
		err_set(err, ERR_INTERNAL, "%s: cannot flush: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (f)
		zip_fclose(f);
	EVP_MD_CTX_free(ctx);
	free(chunk);
	return rc;
}

/* PRAGMA integrity_check and the schema version of the restored copy. */
static int check_db(const char *path, const struct manifest *m, struct backup_stats *st, struct err *err)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	const unsigned char *msg;
	int rc = -1;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		err_set(err, ERR_VALIDATION, "epak.db: not a database: %s", h ? sqlite3_errmsg(h) : "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(h, "PRAGMA integrity_check(5)", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW) {
		err_set(err, ERR_VALIDATION, "epak.db: cannot be checked: %s", sqlite3_errmsg(h));
		goto out;
	}
	msg = sqlite3_column_text(q, 0);
	if (!msg || strcmp((const char *)msg, "ok") != 0) {
		err_set(err, ERR_VALIDATION, "epak.db: PRAGMA integrity_check failed: %s",
			msg ? (const char *)msg : "?");
		goto out;
	}
	st->schema = schema_of(h);
	if (st->schema < 0 || st->schema != m->schema) {
		err_set(err, ERR_VALIDATION, "epak.db: schema version %d, the manifest says %d: the backup was altered",
			st->schema, m->schema);
		goto out;
	}
	if (st->schema > st->schema_latest) {
		err_set(err, ERR_VALIDATION,
			"the backup has schema version %d, newer than this epak knows (%d): restore it with the "
			"epak that made it, or a newer one",
			st->schema, st->schema_latest);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	sqlite3_close(h);
	return rc;
}

/* The file systems of the staging folders hold what the manifest says the
 * archive unpacks to (extract stops at those sizes): a crafted or wrong
 * backup never fills the disk the live portal may share. */
static int space_ok(const struct manifest *m, const char *data_dir, const char *mat_dir, struct err *err)
{
	struct statvfs sd, sm;
	unsigned long long need_data = 0, need_mat = 0, free_data, free_mat;
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (mat_dir && !strncmp(m->files[i].name, "materials/", 10))
			need_mat += (unsigned long long)m->files[i].size;
		else
			need_data += (unsigned long long)m->files[i].size;
	}
	if (statvfs(data_dir, &sd) != 0 || (mat_dir && statvfs(mat_dir, &sm) != 0)) {
		err_set(err, ERR_INTERNAL, "%s: %s", data_dir, strerror(errno));
		return -1;
	}
	free_data = (unsigned long long)sd.f_bavail * sd.f_frsize;
	if (mat_dir && sm.f_fsid == sd.f_fsid) {
		need_data += need_mat;
		mat_dir = NULL;
	}
	if (need_data > free_data) {
		err_set(err, ERR_VALIDATION, "the restore needs %llu bytes, the file system of %s has %llu free",
			need_data, data_dir, free_data);
		return -1;
	}
	free_mat = mat_dir ? (unsigned long long)sm.f_bavail * sm.f_frsize : 0;
	if (mat_dir && need_mat > free_mat) {
		err_set(err, ERR_VALIDATION, "the restore needs %llu bytes, the file system of %s has %llu free",
			need_mat, mat_dir, free_mat);
		return -1;
	}
	return 0;
}

/* Everything but the final move: opens and checks the archive, extracts
 * each entry into the staging folders. */
static int unpack(const char *file, struct stage *data, struct stage *mat, struct backup_stats *st, struct err *err)
{
	struct manifest m = {0};
	zip_t *z = NULL;
	char *text = NULL, path[PATH_CAP * 2], dbpath[PATH_CAP * 2];
	size_t len, i;
	zip_int64_t nent, idx;
	int zerr = 0, rc = -1, have_db = 0, have_secret = 0;
	struct stat sb;
	const char *dir;

	if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		err_set(err, ERR_VALIDATION, "%s: %s", file, errno ? strerror(errno) : "not a file");
		goto out;
	}
	st->file_bytes = sb.st_size;
	z = zip_open(file, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (!z) {
		zip_error_t ze;

		zip_error_init_with_code(&ze, zerr);
		err_set(err, ERR_VALIDATION, "%s: not a readable epak backup (damaged or cut short?): %s", file,
			zip_error_strerror(&ze));
		zip_error_fini(&ze);
		goto out;
	}
	if (read_entry(z, "manifest", BACKUP_MANIFEST_MAX, &text, &len, err) != 0 || parse_manifest(text, &m, err) != 0)
		goto out;
	nent = zip_get_num_entries(z, 0);
	if (nent < 0 || (size_t)nent != m.n + 1) {
		err_set(err, ERR_VALIDATION, "the backup holds %lld entries, its manifest names %zu: it was altered",
			(long long)nent, m.n + 1);
		goto out;
	}
	dir = mat->tmp[0] ? mat->tmp : NULL;
	if (space_ok(&m, data->tmp, dir, err) != 0)
		goto out;
	if (!dir) {
		snprintf(path, sizeof(path), "%s/materials", data->tmp);
		if (mkdir(path, 0700) != 0) {
			err_set(err, ERR_INTERNAL, "%s: cannot create: %s", path, strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < m.n; i++) {
		const struct mline *ml = &m.files[i];

		idx = zip_name_locate(z, ml->name, 0);
		if (idx < 0) {
			err_set(err, ERR_VALIDATION, "%s: named in the manifest, missing from the backup", ml->name);
			goto out;
		}
		if (!strncmp(ml->name, "materials/", 10)) {
			snprintf(path, sizeof(path), "%s/%s%s", dir ? dir : data->tmp, dir ? "" : "materials/",
				 ml->name + 10);
		} else {
			snprintf(path, sizeof(path), "%s/%s", data->tmp, ml->name);
			have_db |= !strcmp(ml->name, "epak.db");
			have_secret |= !strcmp(ml->name, "secret");
		}
		if (!strcmp(ml->name, "secret") && ml->size != SECRET_LEN) {
			err_set(err, ERR_VALIDATION, "secret: %lld bytes, not %d", ml->size, SECRET_LEN);
			goto out;
		}
		if (extract(z, idx, ml, path, err) != 0)
			goto out;
		st->total_bytes += ml->size;
		st->files++;
	}
	if (!have_db || !have_secret) {
		err_set(err, ERR_VALIDATION, "not an epak backup: no %s", have_db ? "secret" : "epak.db");
		goto out;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/epak.db", data->tmp);
	if (check_db(dbpath, &m, st, err) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/materials", data->tmp);
	if (!dir && fsync_path(path, err) != 0)
		goto out;
	rc = 0;
out:
	if (z)
		zip_discard(z);
	free(text);
	free(m.files);
	return rc;
}

int backup_restore(const struct backup_where *w, const char *file, struct backup_stats *st, struct err *err)
{
	struct stage data, mat;
	double t0 = now_s();
	mode_t old_mask = umask(077);
	int rc = -1;

	memset(st, 0, sizeof(*st));
	memset(&mat, 0, sizeof(mat));
	st->schema_latest = db_migration_latest();
	if (stage_open(&data, w->data, err) != 0)
		goto out;
	if (!w->materials_in_data && stage_open(&mat, w->materials, err) != 0)
		goto out;
	if (unpack(file, &data, &mat, st, err) != 0)
		goto out;
	/* the materials first: a portal whose data folder is in place finds
	 * its files */
	if (mat.tmp[0] && stage_commit(&mat, err) != 0)
		goto out;
	if (stage_commit(&data, err) != 0)
		goto out;
	rc = 0;
out:
	rm_rf(data.tmp);
	rm_rf(mat.tmp);
	umask(old_mask);
	st->seconds = now_s() - t0;
	return rc;
}
