/* page_materials.c — "Materiāli informētājiem" (issue 12, point 6): the
 * campaign's separate section of files for the staff of institutions who
 * inform the public ("ē!" logo files, posters, leaflets, guidelines,
 * slides). The public list /materiali (each item's title, language, type
 * and size) and its downloads /materiali/{id}/lejupielade; the back office
 * /birojs/materiali where content editors and administrators upload, edit,
 * replace and delete them.
 *
 * Files are checked by their bytes (web/material_type.h: libmagic and an
 * allowlist), never by name, and kept outside the web root in the
 * materials folder (setting materials-dir) under their SHA-256 alone: no
 * name the uploader chose ever reaches the file system, and the download
 * route takes a number, looks the row up and opens the row's hash — no
 * path is ever joined with anything a request said. Type checking, hashing
 * and writing an upload, and reading a file to download, run in the worker
 * pool (a 20 MiB file is never read on an event loop).
 *
 * Staff-only items are listed and served only to logged-in staff; anyone
 * else gets the same 404 as for a number that does not exist. A download
 * is an attachment (RFC 6266: an ASCII file name and the UTF-8 one,
 * RFC 8187), with nosniff and a sandboxing Content-Security-Policy, so
 * not even an SVG with script in it runs on this site's origin. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <utf8proc.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/log.h"
#include "core/url.h"
#include "http/async.h"
#include "http/multipart.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/content.h"
#include "web/form.h"
#include "web/material_type.h"
#include "web/materials.h"
#include "web/web.h"

#define EDITORS (ROLE_CONTENT | ROLE_ADMIN)
#define FILE_FIELD "datne"
#define DIR_MAX 1024

static const char *const langs[] = {"lv", "en", "both", NULL};
static const char *const kinds[] = {"logo", "poster", "leaflet", "guideline", "slides", "other", NULL};
static const char *const visibilities[] = {"public", "staff", NULL};

/* The groups of the public page, in kinds[]' order. */
static const char *const kind_names[] = {N_("Logo files"), N_("Posters"), N_("Leaflets"),
					 N_("Guidelines"), N_("Slides"),  N_("Other materials")};
static const char *const kind_one[] = {N_("Logo"),      N_("Poster"), N_("Leaflet"),
				       N_("Guideline"), N_("Slides"), N_("Other")};

static const struct field material_fields[] = {
    FIELD_TEXT("title_lv", REQUIRED, 2, 200, N_("Title in Latvian")),
    FIELD_TEXT("title_en", OPTIONAL, 0, 200, N_("Title in English")),
    FIELD_TEXTAREA("description_lv", OPTIONAL, 0, 1000, N_("Description in Latvian")),
    FIELD_TEXTAREA("description_en", OPTIONAL, 0, 1000, N_("Description in English")),
    FIELD_CHOICE("lang", REQUIRED, langs, N_("Language of the file")),
    FIELD_CHOICE("kind", REQUIRED, kinds, N_("Kind of material")),
    FIELD_CHOICE("visibility", REQUIRED, visibilities, N_("Who may download it")),
    FIELD_NUMBER("position", NULL, 0, 9999, N_("Order in its group")),
    FIELD_END};

enum { M_TITLE_LV, M_TITLE_EN, M_DESC_LV, M_DESC_EN, M_LANG, M_KIND, M_VIS, M_POS };

/* ---- where the files are ---- */

static int materials_path(const struct config *cfg, char *out, size_t cap)
{
	int n = *cfg->materials_dir ? snprintf(out, cap, "%s", cfg->materials_dir)
				    : snprintf(out, cap, "%s/materials", cfg->data);

	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* A stored name is exactly 64 lower-case hex digits: even a row changed
 * behind the portal's back cannot name another file. */
static int stored_name_ok(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int file_path(const char *dir, const char *sha, char *out, size_t cap)
{
	int n;

	if (!stored_name_ok(sha))
		return -1;
	n = snprintf(out, cap, "%s/%s", dir, sha);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Writes data under dir/sha unless that file is there already (two rows
 * with the same content share it): a temp file in dir, flushed, renamed.
 * 0, or -1 with errno's reason logged. */
static int store_bytes(const char *dir, const char *sha, const char *data, size_t len)
{
	char path[DIR_MAX + 80], tmp[DIR_MAX + 32];
	struct stat st;
	size_t off = 0;
	ssize_t n;
	int fd;

	if (file_path(dir, sha, path, sizeof(path)) != 0)
		return -1;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) {
		/* in use again: drop_unused() leaves a file touched this recently */
		if (utimensat(AT_FDCWD, path, NULL, 0) != 0)
			log_error("materials: cannot touch a stored file: %s", strerror(errno));
		return 0;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.upload-XXXXXX", dir) >= sizeof(tmp))
		return -1;
	fd = mkstemp(tmp);
	if (fd < 0) {
		log_error("materials: %s: cannot create a file: %s", dir, strerror(errno));
		return -1;
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fchmod(fd, 0640) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return 0;
fail:
	log_error("materials: %s: cannot write: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

static const char SQL_SHA_USED[] = "SELECT COUNT(*) FROM material WHERE sha256 = $1";

/* A file stored or reused this few seconds ago may belong to an upload
 * whose row is about to be written (on this node or another): it is not
 * removed now, the sweep at the next start takes it if it stays unused. */
#define FRESH_SECONDS 60

/* Removes dir/sha when no row refers to it any more. */
static void drop_unused(struct db *db, const char *dir, const char *sha)
{
	char path[DIR_MAX + 80];
	struct stat st;
	long long n = 1;

	if (!sha || !*sha || file_path(dir, sha, path, sizeof(path)) != 0)
		return;
	if (lstat(path, &st) != 0 || st.st_mtime > time(NULL) - FRESH_SECONDS)
		return;
	if (db_query_int(db, SQL_SHA_USED, DB_P(PTEXT(sha)), &n) != DB_OK || n != 0)
		return;
	if (unlink(path) != 0 && errno != ENOENT)
		log_error("materials: cannot remove a file no longer used: %s", strerror(errno));
}

/* ---- names, sizes and languages for people ---- */

/* "1,2 MB" (Latvian) or "1.2 MB": units of 1024 as the size settings
 * ("20M") and most file managers count, one decimal below 10. */
static const char *size_text(struct req *r, long long n)
{
	static const char *const units[] = {"kB", "MB", "GB"};
	double v = (double)n;
	const char *s;
	char *comma;
	int u = -1;

	if (n < 1024)
		return arena_printf(r->arena, "%lld B", n);
	while (v >= 1024 && u < 2) {
		v /= 1024;
		u++;
	}
	s = v < 9.95 ? arena_printf(r->arena, "%.1f %s", v, units[u]) : arena_printf(r->arena, "%.0f %s", v, units[u]);
	if (s && r->lang == LANG_LV) {
		comma = strchr(s, '.');
		if (comma)
			*comma = ',';
	}
	return s ? s : "";
}

static const char *lang_text(struct req *r, const char *lang)
{
	if (!strcmp(lang, "lv"))
		return i18n_tr(r->lang, N_("in Latvian"));
	if (!strcmp(lang, "en"))
		return i18n_tr(r->lang, N_("in English"));
	return i18n_tr(r->lang, N_("in Latvian and English"));
}

static int kind_index(const char *kind)
{
	int i;

	for (i = 0; kinds[i]; i++)
		if (!strcmp(kinds[i], kind))
			return i;
	return 5;
}

static const char *type_text(struct req *r, const char *mime)
{
	const struct material_type *t = material_type_find(mime);

	return t ? i18n_tr(r->lang, t->name) : mime;
}

/* ---- the public list ---- */

static const char SQL_LIST[] =
    "SELECT id, title_lv, title_en, description_lv, description_en, lang, kind, media_type, size, visibility, "
    "original_name, updated_at, position FROM material WHERE ($1 = 1 OR visibility = 'public') "
    "ORDER BY position, id";

struct list_x {
	struct req *r;
	json_t *groups[6];
	json_t *all;
	int office;
};

static const char *in_lang(struct req *r, const char *lv, const char *en)
{
	return r->lang == LANG_EN && *en ? en : lv;
}

static int list_row(void *cls, const struct db_row *row)
{
	struct list_x *x = cls;
	struct req *r = x->r;
	long long id = row_int(row, 0);
	int k = kind_index(row_text(row, 6));
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(id));
	json_object_set_new(o, "title", json_string(in_lang(r, row_text(row, 1), row_text(row, 2))));
	json_object_set_new(o, "title_lv", json_string(row_text(row, 1)));
	json_object_set_new(o, "description", json_string(in_lang(r, row_text(row, 3), row_text(row, 4))));
	json_object_set_new(o, "lang", json_string(lang_text(r, row_text(row, 5))));
	json_object_set_new(o, "kind", json_string(i18n_tr(r->lang, kind_one[k])));
	json_object_set_new(o, "type", json_string(type_text(r, row_text(row, 7))));
	json_object_set_new(o, "size", json_string(size_text(r, row_int(row, 8))));
	if (!strcmp(row_text(row, 9), "staff"))
		json_object_set_new(o, "staff_only", json_true());
	json_object_set_new(o, "original_name", json_string(row_text(row, 10)));
	json_object_set_new(o, "updated", json_string(page_when(r, row_int(row, 11))));
	json_object_set_new(o, "href",
			    json_string(prefixed(r, arena_printf(r->arena, "/materiali/%lld/lejupielade", id))));
	json_object_set_new(o, "edit", json_string(prefixed(r, arena_printf(r->arena, "/birojs/materiali/%lld", id))));
	if (x->office)
		json_array_append_new(x->all, o);
	else
		json_array_append_new(x->groups[k], o);
	return 0;
}

static int person_is_staff(struct req *r)
{
	const struct person *p = auth_person(r);

	return p && p->staff;
}

int page_materials(struct req *r)
{
	struct db *db = app_db(r);
	struct list_x x;
	json_t *ctx, *groups;
	int staff = person_is_staff(r), i, any = 0;

	memset(&x, 0, sizeof(x));
	x.r = r;
	for (i = 0; i < 6; i++)
		x.groups[i] = json_array();
	if (!db || db_query(db, SQL_LIST, DB_P(PINT(staff)), list_row, &x) < 0) {
		for (i = 0; i < 6; i++)
			json_decref(x.groups[i]);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	ctx = page_ctx(r, N_("Materials for informers"), "materials");
	groups = json_array();
	for (i = 0; i < 6; i++) {
		if (!json_array_size(x.groups[i])) {
			json_decref(x.groups[i]);
			continue;
		}
		any = 1;
		json_array_append_new(groups, json_pack("{s:s, s:s, s:o}", "id", kinds[i], "name",
							i18n_tr(r->lang, kind_names[i]), "items", x.groups[i]));
	}
	json_object_set_new(ctx, "groups", groups);
	if (!any)
		json_object_set_new(ctx, "empty", json_true());
	if (staff)
		json_object_set_new(ctx, "staff", json_true());
	/* who sees staff-only items differs: never shared by a cache */
	render_flags(r, 200, "materials", ctx, staff ? RESP_NO_STORE : 0);
	return 0;
}

/* ---- downloads ---- */

static const char SQL_ONE[] =
    "SELECT id, title_lv, title_en, description_lv, description_en, lang, kind, media_type, size, visibility, "
    "original_name, sha256, position, updated_at FROM material WHERE id = $1";

struct material_row {
	long long id, size, position, updated_at;
	const char *title_lv, *title_en, *desc_lv, *desc_en, *lang, *kind, *mime, *visibility, *original, *sha;
};

struct one_x {
	struct req *r;
	struct material_row *m;
	int found;
};

static int one_row(void *cls, const struct db_row *row)
{
	struct one_x *x = cls;
	struct arena *a = x->r->arena;
	struct material_row *m = x->m;

	m->id = row_int(row, 0);
	m->title_lv = arena_strdup(a, row_text(row, 1));
	m->title_en = arena_strdup(a, row_text(row, 2));
	m->desc_lv = arena_strdup(a, row_text(row, 3));
	m->desc_en = arena_strdup(a, row_text(row, 4));
	m->lang = arena_strdup(a, row_text(row, 5));
	m->kind = arena_strdup(a, row_text(row, 6));
	m->mime = arena_strdup(a, row_text(row, 7));
	m->size = row_int(row, 8);
	m->visibility = arena_strdup(a, row_text(row, 9));
	m->original = arena_strdup(a, row_text(row, 10));
	m->sha = arena_strdup(a, row_text(row, 11));
	m->position = row_int(row, 12);
	m->updated_at = row_int(row, 13);
	x->found = m->title_lv && m->title_en && m->desc_lv && m->desc_en && m->lang && m->kind && m->mime &&
		   m->visibility && m->original && m->sha;
	return 0;
}

/* The id of the path: 1 to 15 ASCII digits, no leading zero. 0 otherwise
 * (no such material). */
static long long path_id(struct req *r)
{
	const char *s = req_param(r, 0);
	size_t n = s ? strlen(s) : 0;

	if (!n || n > 15 || strspn(s, "0123456789") != n || s[0] == '0')
		return 0;
	return strtoll(s, NULL, 10);
}

/* Loads the material of the path: 1 found, 0 none, -1 on a database error. */
static int material_load(struct req *r, struct db *db, long long id, struct material_row *m)
{
	struct one_x x = {r, m, 0};

	memset(m, 0, sizeof(*m));
	if (!id)
		return 0;
	if (db_query(db, SQL_ONE, DB_P(PINT(id)), one_row, &x) < 0)
		return -1;
	return x.found;
}

/* The name offered to save the file as: the title in the page's language
 * and the extension of the type found in its bytes. Characters a file
 * system or a header would misread are replaced; at most 120 bytes. */
static const char *download_name(struct req *r, const struct material_row *m)
{
	const struct material_type *t = material_type_find(m->mime);
	char *title = arena_strdup(r->arena, in_lang(r, m->title_lv, m->title_en));
	const char *clean;
	size_t i;

	/* first: the sanitizer keeps only what follows a '/', '\\' or ':' */
	for (i = 0; title && title[i]; i++)
		if (strchr("/\\:;%", title[i]))
			title[i] = '_';
	clean = title ? multipart_sanitize_filename(r->arena, title, 120) : NULL;
	return clean ? arena_printf(r->arena, "%s.%s", clean, t ? t->ext : "bin") : NULL;
}

/* Content-Disposition of an attachment named name (UTF-8): an ASCII
 * fallback (Latvian letters without their marks, anything else '_') and
 * the exact name as RFC 8187's UTF-8''%xx. */
static const char *disposition(struct req *r, const char *name)
{
	utf8proc_uint8_t *folded = NULL;
	utf8proc_ssize_t n;
	char *ascii;
	const char *enc;
	size_t i, k;

	n = utf8proc_map((const utf8proc_uint8_t *)name, 0, &folded,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK);
	ascii = n >= 0 ? arena_strdup(r->arena, (const char *)folded) : NULL;
	free(folded);
	if (!ascii)
		return NULL;
	for (i = 0, k = 0; ascii[i]; i++) {
		unsigned char c = (unsigned char)ascii[i];

		if (c >= 0x80 && c < 0xc0)
			continue; /* the rest of a character already replaced */
		ascii[k++] = c >= 0x80 || c < 0x20 || c == '"' || c == '\\' ? '_' : (char)c;
	}
	ascii[k] = '\0';
	enc = url_query_value(r->arena, name); /* unreserved kept: all RFC 8187 attr-chars; no '/' in name */
	return enc ? arena_printf(r->arena, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc) : NULL;
}

struct download_job {
	char path[DIR_MAX + 80];
	long long size;
	char *data; /* out: the file, malloc'd */
	size_t len;
	const char *name, *mime; /* the request's arena: read only in done */
	const char *etag;        /* "\"<first 32 hex of the SHA-256>\"" */
	int staff_only;
};

/* The answer's headers besides the type: an attachment, nothing to run. */
static int download_headers(struct req *r, const char *name)
{
	const char *cd = disposition(r, name);

	if (!cd)
		return -1;
	resp_add_header(r, "content-disposition", cd);
	/* with the site's policy: a browser that shows it anyway runs nothing */
	resp_add_header(r, "content-security-policy", "default-src 'none'; sandbox");
	return 0;
}

/* 1 when the browser holds this version already (If-None-Match). */
static int etag_held(struct req *r, const char *etag)
{
	const char *inm = req_header(r, "if-none-match");

	return inm && (strstr(inm, etag) != NULL || !strcmp(inm, "*"));
}

static void download_work(void *cls)
{
	struct download_job *j = cls;
	int rc = file_read(j->path, (size_t)j->size, &j->data, &j->len);

	if (rc != 0) {
		log_error("materials: a stored file cannot be read: %s", strerror(-rc));
		j->data = NULL;
	}
}

static void download_done(struct req *r, void *cls)
{
	struct download_job *j = cls;

	if (!r)
		goto out;
	if (!j->data || (long long)j->len != j->size) {
		if (j->data)
			log_error("materials: a stored file has another size than its row says");
		resp_error(r, ERR_NOT_FOUND, NULL);
		goto out;
	}
	/* sent as read: no copy, no gzip on the loop; freed with the request */
	if (download_headers(r, j->name) != 0 || req_on_done(r, free, j->data) != 0) {
		resp_error(r, ERR_INTERNAL, NULL);
		goto out;
	}
	resp_send_prepared(r, 200, j->mime, j->data, j->len, NULL, 0, j->etag, j->staff_only ? RESP_NO_STORE : 0);
	j->data = NULL;
out:
	free(j->data);
	free(j);
}

int page_material_download(struct req *r)
{
	struct db *db = app_db(r);
	const struct config *cfg = app_of(r)->cfg;
	struct material_row m = {0};
	struct download_job *j;
	char dir[DIR_MAX];
	int rc;

	if (!db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	rc = material_load(r, db, path_id(r), &m);
	if (rc < 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	/* a staff-only item is, to anyone else, a number that does not exist */
	if (rc == 0 || (strcmp(m.visibility, "public") != 0 && !person_is_staff(r))) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	rc = auth_take(r, "materials-download", req_client_net(r), 3600, cfg->limit_materials_downloads);
	if (rc == RATE_LIMITED) {
		resp_error(r, ERR_TOO_MANY,
			   i18n_tr(r->lang, N_("Very many files were downloaded from your network in the last hour. "
					       "Please try again later.")));
		return 0;
	}
	if (rc != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j || materials_path(cfg, dir, sizeof(dir)) != 0 || file_path(dir, m.sha, j->path, sizeof(j->path)) != 0) {
		free(j);
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	j->size = m.size;
	j->name = download_name(r, &m);
	j->mime = m.mime;
	j->etag = arena_printf(r->arena, "\"%.32s\"", m.sha);
	j->staff_only = strcmp(m.visibility, "public") != 0;
	if (!j->name || !j->etag) {
		free(j);
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	if (etag_held(r, j->etag)) { /* 304: the file is not read at all */
		if (download_headers(r, j->name) != 0)
			resp_error(r, ERR_INTERNAL, NULL);
		else
			resp_send_prepared(r, 200, j->mime, "", 0, NULL, 0, j->etag, j->staff_only ? RESP_NO_STORE : 0);
		free(j);
		return 0;
	}
	if (async_run_bytes(r, download_work, download_done, j, (size_t)m.size) != 0)
		free(j);
	return 0;
}

/* ---- the back office: the list and the upload form ---- */

static json_t *options(struct req *r, const char *const *values, const char *const *labels, const char *sel)
{
	json_t *a = json_array();
	int i;

	for (i = 0; values[i]; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", values[i], "label",
						   i18n_tr(r->lang, labels[i]), "selected",
						   sel && !strcmp(sel, values[i])));
	return a;
}

static const char *const lang_labels[] = {N_("Latvian"), N_("English"), N_("Latvian and English")};
static const char *const vis_labels[] = {N_("Everyone (public)"), N_("Staff only (logged in)")};

/* The form's fields, choices and the file's error into ctx. */
static void form_ctx(struct req *r, json_t *ctx, const struct form *f, const char *file_error)
{
	const struct config *cfg = app_of(r)->cfg;

	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	form_to_ctx(r, material_fields, f, ctx);
	json_object_set_new(ctx, "langs", options(r, langs, lang_labels, f->value[M_LANG]));
	json_object_set_new(ctx, "kinds", options(r, kinds, kind_one, f->value[M_KIND]));
	json_object_set_new(ctx, "visibilities", options(r, visibilities, vis_labels, f->value[M_VIS]));
	json_object_set_new(ctx, "types", json_string(material_type_list()));
	json_object_set_new(ctx, "max_size", json_string(size_text(r, (long long)cfg->materials_max_bytes)));
	if (file_error) {
		json_object_set_new(ctx, "file_error", json_string(file_error));
		form_ctx_add_error(r, ctx, FILE_FIELD, N_("File"), file_error);
	}
}

static void office_list(struct req *r, int status, const struct form *f, const char *file_error)
{
	struct db *db = app_db(r);
	struct list_x x;
	struct form empty;
	json_t *ctx;

	memset(&x, 0, sizeof(x));
	x.r = r;
	x.office = 1;
	x.all = json_array();
	if (!db || db_query(db, SQL_LIST, DB_P(PINT(1)), list_row, &x) < 0) {
		json_decref(x.all);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	if (!f) {
		memset(&empty, 0, sizeof(empty));
		empty.value[M_LANG] = "lv";
		empty.value[M_KIND] = "other";
		empty.value[M_VIS] = "public";
		f = &empty;
	}
	ctx = page_ctx(r, N_("Materials for informers"), "office");
	json_object_set_new(ctx, "materials", x.all);
	if (json_array_size(x.all))
		json_object_set_new(ctx, "any", json_true());
	if (req_query(r, "dzests"))
		json_object_set_new(ctx, "deleted", json_true());
	form_ctx(r, ctx, f, file_error);
	render_flags(r, status, "office-materials", ctx, RESP_NO_STORE);
}

int page_office_materials(struct req *r)
{
	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	office_list(r, 200, NULL, NULL);
	return 0;
}

/* One material's edit page (with its replace and delete forms). */
static void office_edit(struct req *r, int status, const struct material_row *m, const struct form *f,
			const char *file_error)
{
	struct form from_row;
	json_t *ctx;

	if (!f) {
		memset(&from_row, 0, sizeof(from_row));
		from_row.value[M_TITLE_LV] = m->title_lv;
		from_row.value[M_TITLE_EN] = m->title_en;
		from_row.value[M_DESC_LV] = m->desc_lv;
		from_row.value[M_DESC_EN] = m->desc_en;
		from_row.value[M_LANG] = m->lang;
		from_row.value[M_KIND] = m->kind;
		from_row.value[M_VIS] = m->visibility;
		from_row.value[M_POS] = arena_printf(r->arena, "%lld", m->position);
		f = &from_row;
	}
	ctx = page_ctx(r, N_("Edit a material"), "office");
	json_object_set_new(ctx, "id", json_integer(m->id));
	json_object_set_new(ctx, "title", json_string(m->title_lv));
	json_object_set_new(ctx, "type", json_string(type_text(r, m->mime)));
	json_object_set_new(ctx, "size", json_string(size_text(r, m->size)));
	json_object_set_new(ctx, "original_name", json_string(m->original));
	json_object_set_new(ctx, "updated", json_string(page_when(r, m->updated_at)));
	json_object_set_new(ctx, "href",
			    json_string(prefixed(r, arena_printf(r->arena, "/materiali/%lld/lejupielade", m->id))));
	json_object_set_new(ctx, "action",
			    json_string(prefixed(r, arena_printf(r->arena, "/birojs/materiali/%lld", m->id))));
	json_object_set_new(ctx, "delete",
			    json_string(prefixed(r, arena_printf(r->arena, "/birojs/materiali/%lld/dzest", m->id))));
	if (req_query(r, "saglabats"))
		json_object_set_new(ctx, "saved", json_true());
	form_ctx(r, ctx, f, file_error);
	render_flags(r, status, "office-material", ctx, RESP_NO_STORE);
}

/* The material of the path for the back office: 0 with m filled, or -1
 * after answering r (404, 503). */
static int office_material(struct req *r, struct material_row *m)
{
	int rc = material_load(r, app_db(r), path_id(r), m);

	if (rc < 0)
		resp_error(r, ERR_UNAVAILABLE, NULL);
	else if (rc == 0)
		resp_error(r, ERR_NOT_FOUND, NULL);
	return rc == 1 ? 0 : -1;
}

int page_office_material(struct req *r)
{
	struct material_row m = {0};

	if (auth_require_role(r, EDITORS) != 0 || office_material(r, &m) != 0)
		return 0;
	office_edit(r, 200, &m, NULL, NULL);
	return 0;
}

/* ---- saving: new, edited, replaced ---- */

enum { UP_OK, UP_TYPE, UP_IO };

struct save {
	/* the worker's part (heap and the job's own copies) */
	char dir[DIR_MAX];
	int fd;      /* a spilled upload, or -1 */
	char *bytes; /* the upload's bytes (a copy, or read from fd) */
	size_t len;  /* as the form said */
	int outcome; /* UP_* */
	char mime[128];
	char sha[DIGEST_HEX];
	/* the loop's part (the request's arena: valid while it is) */
	struct form f;
	struct material_row old; /* editing: the row as it was (id 0: new) */
	const char *original;    /* the upload's sanitized name, or NULL: no new file */
	long long id;            /* out: the saved row */
	int over_total;
	char old_sha[DIGEST_HEX];
};

static void save_free(struct save *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->bytes);
	free(s);
}

static void save_work(void *cls)
{
	struct save *s = cls;
	char *data = NULL;
	size_t len = 0;
	int rc;

	s->outcome = UP_IO;
	if (s->fd >= 0) {
		rc = file_read_fd(s->fd, s->len, &data, &len);
		if (rc != 0 || len != s->len) {
			log_error("materials: an upload cannot be read back: %s", strerror(rc ? -rc : EIO));
			free(data);
			return;
		}
		s->bytes = data;
	}
	if (material_sniff(s->bytes, s->len, s->mime, sizeof(s->mime)) != 0) {
		log_error("materials: libmagic could not tell a file's type");
		return;
	}
	if (!material_type_find(s->mime)) {
		s->outcome = UP_TYPE;
		return;
	}
	if (sha256_hex(s->bytes, s->len, s->sha) != 0 || store_bytes(s->dir, s->sha, s->bytes, s->len) != 0)
		return;
	s->outcome = UP_OK;
}

static const char SQL_TOTAL[] = "SELECT COALESCE(SUM(size), 0) FROM (SELECT DISTINCT sha256, size FROM material) t";
static const char SQL_INSERT[] =
    "INSERT INTO material (title_lv, title_en, description_lv, description_en, lang, kind, media_type, size, "
    "sha256, original_name, stored_name, visibility, position, created_at, created_by, updated_at, updated_by) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $11, $12, $13, $14, $13, $14) RETURNING id";
static const char SQL_UPDATE[] =
    "UPDATE material SET title_lv = $2, title_en = $3, description_lv = $4, description_en = $5, lang = $6, "
    "kind = $7, visibility = $8, position = $9, updated_at = $10, updated_by = $11 WHERE id = $1";
static const char SQL_UPDATE_FILE[] = "UPDATE material SET media_type = $2, size = $3, sha256 = $4, stored_name = $4, "
				      "original_name = $5 WHERE id = $1";
static const char SQL_OLD_SHA[] = "SELECT sha256 FROM material WHERE id = $1";

struct save_tx {
	struct save *s;
	long long account;
	long long max_total;
};

static int text_cb(void *cls, const struct db_row *row)
{
	snprintf(cls, DIGEST_HEX, "%s", row_text(row, 0));
	return 0;
}

static int save_body(struct db *db, void *cls)
{
	struct save_tx *t = cls;
	struct save *s = t->s;
	const struct form *f = &s->f;
	long long now = (long long)time(NULL), total = 0, used = 0, changes = 0;
	int rc;

	s->over_total = 0;
	s->old_sha[0] = '\0';
	if (s->original) {
		rc = db_query_int(db, SQL_TOTAL, NULL, 0, &total);
		if (rc == DB_OK)
			rc = db_query_int(db, SQL_SHA_USED, DB_P(PTEXT(s->sha)), &used);
		if (rc != DB_OK)
			return rc;
		if (!used && total + (long long)s->len > t->max_total) {
			s->over_total = 1;
			return DB_OK;
		}
	}
	if (!s->old.id) {
		s->id = 0;
		rc = db_query_int(db, SQL_INSERT,
				  DB_P(PTEXT(f->value[M_TITLE_LV]), PTEXT(f->value[M_TITLE_EN]),
				       PTEXT(f->value[M_DESC_LV]), PTEXT(f->value[M_DESC_EN]), PTEXT(f->value[M_LANG]),
				       PTEXT(f->value[M_KIND]), PTEXT(s->mime), PINT((long long)s->len), PTEXT(s->sha),
				       PTEXT(s->original), PTEXT(f->value[M_VIS]), PINT((long long)f->number[M_POS]),
				       PINT(now), PINT(t->account)),
				  &s->id);
	} else {
		s->id = s->old.id;
		rc = db_query(db, SQL_OLD_SHA, DB_P(PINT(s->id)), text_cb, s->old_sha);
		if (rc >= 0)
			rc = db_exec(db, SQL_UPDATE,
				     DB_P(PINT(s->id), PTEXT(f->value[M_TITLE_LV]), PTEXT(f->value[M_TITLE_EN]),
					  PTEXT(f->value[M_DESC_LV]), PTEXT(f->value[M_DESC_EN]),
					  PTEXT(f->value[M_LANG]), PTEXT(f->value[M_KIND]), PTEXT(f->value[M_VIS]),
					  PINT((long long)f->number[M_POS]), PINT(now), PINT(t->account)),
				     &changes);
		else
			return rc;
		if (rc == DB_OK && changes != 1)
			s->id = 0; /* deleted meanwhile */
		if (rc == DB_OK && s->id && s->original)
			rc = db_exec(db, SQL_UPDATE_FILE,
				     DB_P(PINT(s->id), PTEXT(s->mime), PINT((long long)s->len), PTEXT(s->sha),
					  PTEXT(s->original)),
				     NULL);
	}
	if (rc == DB_OK && s->id)
		rc = db_exec(db, SQL_CONTENT_BUMP, NULL, 0, NULL);
	return rc;
}

/* Shows the form again: the list page's (new) or the edit page's. */
static void save_refused(struct req *r, struct save *s, int status, const char *file_error)
{
	if (s->old.id)
		office_edit(r, status, &s->old, &s->f, file_error);
	else
		office_list(r, status, &s->f, file_error);
}

/* Writes the row (the file, when there is one, is stored already). */
static void save_commit(struct req *r, struct save *s)
{
	struct db *db = app_db(r);
	const struct person *p = auth_person(r);
	struct save_tx t = {s, p ? p->account : 0, (long long)app_of(r)->cfg->materials_max_total};
	const char *action;

	if (!db || db_tx(db, save_body, &t) != DB_OK) {
		log_error("materials: not saved: %s", db ? db_errmsg(db) : "no database");
		if (db && s->original)
			drop_unused(db, s->dir, s->sha);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	if (s->over_total) {
		drop_unused(db, s->dir, s->sha);
		auth_audit(r, 0, "material-refused", "", 0, "reason=total");
		save_refused(r, s, 422,
			     i18n_tr(r->lang, N_("The materials already take all the space set aside for them. Delete "
						 "a file that is no longer needed first. Nothing was kept.")));
		return;
	}
	if (!s->id) {
		if (s->original)
			drop_unused(db, s->dir, s->sha);
		resp_error(r, ERR_NOT_FOUND, NULL);
		return;
	}
	content_changed(r->site->app); /* the revision is atomic: app_of() is const */
	action = !s->old.id ? "material-uploaded" : s->original ? "material-replaced" : "material-updated";
	auth_audit(r, 0, action, "", 1,
		   s->original ? arena_printf(r->arena, "material=%lld type=%s size=%zu sha256=%.16s", s->id, s->mime,
					      s->len, s->sha)
			       : arena_printf(r->arena, "material=%lld", s->id));
	if (s->original && *s->old_sha && strcmp(s->old_sha, s->sha) != 0)
		drop_unused(db, s->dir, s->old_sha);
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/birojs/materiali/%lld?saglabats=1", s->id)));
}

static void save_done(struct req *r, void *cls)
{
	struct save *s = cls;

	if (!r) {
		/* gone before its answer: a file it stored is left to the
		 * sweep at the next start (materials_start) */
		save_free(s);
		return;
	}
	if (s->outcome == UP_TYPE) {
		log_info("materials: upload refused for its type (%s, %zu bytes)", s->mime, s->len);
		auth_audit(r, 0, "material-refused", "", 0, arena_printf(r->arena, "reason=type type=%s", s->mime));
		save_refused(r, s, 422,
			     arena_printf(r->arena,
					  i18n_tr(r->lang, N_("This file's content is not one of the kinds accepted "
							      "here (%s), whatever its name says. Nothing was kept.")),
					  material_type_list()));
	} else if (s->outcome != UP_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
	} else {
		save_commit(r, s);
	}
	save_free(s);
}

/* The upload of the form, or NULL when none was chosen. */
static const struct upload *form_upload(struct req *r)
{
	size_t i;

	for (i = 0; r->multipart && i < r->multipart->nfiles; i++)
		if (!strcmp(r->multipart->files[i].field, FILE_FIELD) && r->multipart->files[i].size > 0)
			return &r->multipart->files[i];
	return NULL;
}

/* A new material (old NULL) or a change of old: validates, checks the
 * file's size and the editor's budget, then hands the file to the pool. */
static void material_save(struct req *r, const struct material_row *old)
{
	const struct config *cfg = app_of(r)->cfg;
	const struct person *p = auth_person(r);
	const struct upload *up = form_upload(r);
	struct save *s = calloc(1, sizeof(*s));
	const char *file_error = NULL;
	char subject[32];
	int bad, rc;

	if (!s) {
		resp_error(r, ERR_INTERNAL, NULL);
		return;
	}
	s->fd = -1;
	if (old)
		s->old = *old;
	bad = form_validate(r, material_fields, &s->f) != 0;
	if (!up && !old)
		file_error = i18n_tr(r->lang, N_("Please choose a file to upload."));
	else if (up && up->size > cfg->materials_max_bytes)
		file_error = arena_printf(r->arena,
					  i18n_tr(r->lang, N_("The file is larger than %s, the largest accepted "
							      "here. Nothing was kept.")),
					  size_text(r, (long long)cfg->materials_max_bytes));
	if (bad || file_error) {
		save_refused(r, s, 422, file_error);
		save_free(s);
		return;
	}
	if (!up) { /* the texts only */
		save_commit(r, s);
		save_free(s);
		return;
	}
	snprintf(subject, sizeof(subject), "%lld", p ? p->account : 0LL);
	rc = auth_take(r, "materials-upload", subject, 3600, cfg->limit_materials_uploads);
	if (rc != DB_OK) {
		if (rc == RATE_LIMITED)
			save_refused(r, s, 429,
				     i18n_tr(r->lang, N_("You have uploaded very many files in the last hour. Please "
							 "wait a while; nothing was kept.")));
		else
			resp_error(r, ERR_UNAVAILABLE, NULL);
		save_free(s);
		return;
	}
	s->original = up->filename;
	s->len = up->size;
	if (materials_path(cfg, s->dir, sizeof(s->dir)) != 0)
		goto fail;
	if (up->path) {
		s->fd = open(up->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (s->fd < 0)
			goto fail;
	} else {
		s->bytes = malloc(up->size + 1);
		if (!s->bytes)
			goto fail;
		memcpy(s->bytes, up->data, up->size);
	}
	if (async_run_bytes(r, save_work, save_done, s, up->size) != 0)
		save_free(s);
	return;
fail:
	log_error("materials: an upload could not be handed on: %s", strerror(errno));
	save_free(s);
	resp_error(r, ERR_INTERNAL, NULL);
}

int form_office_material_new(struct req *r)
{
	if (auth_require_role(r, EDITORS) != 0)
		return 0;
	material_save(r, NULL);
	return 0;
}

int form_office_material_save(struct req *r)
{
	struct material_row m = {0};

	if (auth_require_role(r, EDITORS) != 0 || office_material(r, &m) != 0)
		return 0;
	material_save(r, &m);
	return 0;
}

/* ---- deleting ---- */

struct delete_tx {
	long long id;
	char sha[DIGEST_HEX];
	long long changes;
};

static int delete_body(struct db *db, void *cls)
{
	struct delete_tx *t = cls;
	int rc;

	t->sha[0] = '\0';
	t->changes = 0;
	rc = db_query(db, SQL_OLD_SHA, DB_P(PINT(t->id)), text_cb, t->sha);
	if (rc < 0)
		return rc;
	rc = db_exec(db, "DELETE FROM material WHERE id = $1", DB_P(PINT(t->id)), &t->changes);
	if (rc == DB_OK && t->changes)
		rc = db_exec(db, SQL_CONTENT_BUMP, NULL, 0, NULL);
	return rc;
}

int form_office_material_delete(struct req *r)
{
	struct material_row m = {0};
	struct delete_tx t;
	char dir[DIR_MAX];
	struct db *db;

	if (auth_require_role(r, EDITORS) != 0 || office_material(r, &m) != 0)
		return 0;
	db = app_db(r);
	memset(&t, 0, sizeof(t));
	t.id = m.id;
	if (db_tx(db, delete_body, &t) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	if (!t.changes) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	content_changed(r->site->app); /* the revision is atomic: app_of() is const */
	auth_audit(r, 0, "material-deleted", "", 1, arena_printf(r->arena, "material=%lld", m.id));
	if (materials_path(app_of(r)->cfg, dir, sizeof(dir)) == 0)
		drop_unused(db, dir, t.sha);
	resp_redirect(r, 303, prefixed(r, "/birojs/materiali?dzests=1"));
	return 0;
}

/* ---- at start ---- */

static const char SQL_SEEN[] = "SELECT COUNT(*) FROM material_seed WHERE name = $1";

struct seed_tx {
	const char *name, *sha, *mime;
	size_t len;
	int done;
};

static int seed_body(struct db *db, void *cls)
{
	struct seed_tx *t = cls;
	long long now = (long long)time(NULL), seen = 0, id = 0;
	int rc;

	rc = db_query_int(db, SQL_SEEN, DB_P(PTEXT(t->name)), &seen);
	if (rc != DB_OK || seen)
		return rc;
	rc = db_query_int(db, SQL_INSERT,
			  DB_P(PTEXT("Kampaņas zīme „ē!”"), PTEXT("The campaign's mark \"ē!\""),
			       PTEXT("Zīme „ē!” vektorgrafikā (SVG): iestāžu vietnēm, plakātiem un prezentācijām."),
			       PTEXT("The \"ē!\" mark as vector graphics (SVG): for institutions' websites, posters "
				     "and slides."),
			       PTEXT("both"), PTEXT("logo"), PTEXT(t->mime), PINT((long long)t->len), PTEXT(t->sha),
			       PTEXT("e-mark.svg"), PTEXT("public"), PINT(0), PINT(now), PINT(0)),
			  &id);
	if (rc == DB_OK)
		rc = db_exec(db, "INSERT INTO material_seed (name, at) VALUES ($1, $2)",
			     DB_P(PTEXT(t->name), PINT(now)), NULL);
	if (rc == DB_OK)
		rc = db_exec(db, SQL_CONTENT_BUMP, NULL, 0, NULL);
	t->done = rc == DB_OK;
	return rc;
}

/* The "ē!" logo of static/ as the first public material, once. */
static void seed_logo(struct app *app, const char *dir)
{
	const struct config *cfg = app->cfg;
	struct seed_tx t = {"e-mark", NULL, NULL, 0, 0};
	struct err err = {0};
	char path[DIR_MAX + 32], mime[128], sha[DIGEST_HEX];
	char *data = NULL;
	size_t len = 0;
	long long seen = 0;
	struct db *db;

	if ((size_t)snprintf(path, sizeof(path), "%s/e-mark.svg", cfg->static_dir) >= sizeof(path))
		return;
	db = db_open(app->db_url, &err);
	if (!db) {
		log_error("materials: the logo is not offered: %s", err.msg);
		return;
	}
	/* offered before (and perhaps deleted since), or no logo to offer:
	 * the editors upload theirs */
	if (db_query_int(db, SQL_SEEN, DB_P(PTEXT(t.name)), &seen) != DB_OK || seen ||
	    file_read(path, 1024 * 1024, &data, &len) != 0) {
		db_close(db);
		return;
	}
	if (len && material_sniff(data, len, mime, sizeof(mime)) == 0 && material_type_find(mime) &&
	    sha256_hex(data, len, sha) == 0 && store_bytes(dir, sha, data, len) == 0) {
		t.sha = sha;
		t.mime = mime;
		t.len = len;
		if (db_tx(db, seed_body, &t) != DB_OK)
			log_error("materials: the logo is not offered: %s", db_errmsg(db));
		else if (t.done)
			log_info("materials: the \"ē!\" logo is offered as the first material");
		drop_unused(db, dir, sha);
	}
	db_close(db);
	free(data);
}

/* Files no row refers to: an upload whose request ended before its row
 * was written, a temp file of a crash. Only those older than an hour, so
 * an upload another node is finishing right now is left alone. */
static void sweep_unused(struct app *app, const char *dir)
{
	struct err err = {0};
	struct dirent *de;
	struct stat st;
	char path[DIR_MAX + 80];
	time_t old = time(NULL) - 3600;
	long long used;
	int n = 0;
	struct db *db;
	DIR *d = opendir(dir);

	if (!d)
		return;
	db = db_open(app->db_url, &err);
	if (!db)
		log_error("materials: unused files not swept: %s", err.msg);
	for (de = db ? readdir(d) : NULL; de; de = readdir(d)) {
		int temp = !strncmp(de->d_name, ".upload-", 8);

		if ((!temp && !stored_name_ok(de->d_name)) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path) ||
		    lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_mtime > old)
			continue;
		used = 1;
		if (!temp && db_query_int(db, SQL_SHA_USED, DB_P(PTEXT(de->d_name)), &used) != DB_OK) {
			log_error("materials: unused files not swept: %s", db_errmsg(db));
			break;
		}
		if ((temp || used == 0) && unlink(path) == 0)
			n++;
	}
	closedir(d);
	if (db)
		db_close(db);
	if (n)
		log_info("materials: %d file(s) no material refers to removed", n);
}

/* Only those who may upload send bodies over max-body (site.h). */
static int large_body_ok(struct req *r)
{
	return auth_has_role(r, EDITORS, NULL);
}

int materials_start(struct app *app, struct err *err)
{
	const struct config *cfg = app->cfg;
	char dir[DIR_MAX];

	if (material_type_init(err) != 0)
		return -1;
	if (materials_path(cfg, dir, sizeof(dir)) != 0) {
		err_set(err, ERR_VALIDATION, "materials-dir: too long");
		return -1;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		err_set(err, ERR_INTERNAL, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	/* the upload routes take a whole file and the form around it */
	app->site.max_upload_body = cfg->materials_max_bytes + 1024 * 1024;
	app->site.large_body_ok = large_body_ok;
	seed_logo(app, dir);
	sweep_unused(app, dir);
	return 0;
}
