/* page_static.c — static files and the favicon (robots.txt: sitemap.c,
 * which it names; the health checks: page_metrics.c). */
#include <string.h>

#include "http/static.h"
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
