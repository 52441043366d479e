/* page_static.c — static files, favicon, and the health check (robots.txt:
 * sitemap.c, which it names). */
#include <string.h>

#include "http/static.h"
#include "store/db.h"
#include "store/migrate.h"
#include "web/app.h"
#include "web/web.h"

static void send_file(struct req *r, const char *name)
{
	int immutable = 0;
	const struct static_file *f = static_find(app_of(r)->statics, name, &immutable);

	if (!f) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return;
	}
	resp_send_prepared(r, 200, f->content_type, f->data, f->len, f->gz, f->gz_len, f->etag,
			   immutable ? RESP_IMMUTABLE : 0);
}

int page_static(struct req *r)
{
	const char *name = req_param(r, 0);

	if (!name || !*name || strchr(name, '/') || name[0] == '.') {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	send_file(r, name);
	return 0;
}

int page_favicon(struct req *r)
{
	send_file(r, "favicon.svg");
	return 0;
}

/* For load balancers and monitoring: 200 when the database answers. */
int api_health(struct req *r)
{
	struct db *db = app_db(r);
	long long version = -1;

	if (db)
		version = db_migration_version(db);
	if (!db || version < 0) {
		resp_error(r, ERR_UNAVAILABLE, "database");
		return 0;
	}
	resp_json(r, 200, json_pack("{s:s, s:s, s:I}", "status", "ok", "database", db_backend(db), "schema", version));
	return 0;
}
