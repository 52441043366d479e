/* api_doc.c — GET /api/v1/openapi.json: the OpenAPI 3.1 description of
 * every /api/v1 route (static/openapi.json, kept beside the handlers and
 * checked against their live answers by tests/e2e/openapi.test.js), its
 * `servers` set to public-url when that is configured. A cached route: the
 * document is parsed and written once per thread and content revision,
 * then served from the page cache with its ETag. */
#include <string.h>

#include "core/url.h"
#include "http/static.h"
#include "web/app.h"
#include "web/web.h"

int api_openapi(struct req *r)
{
	const char *pub = r->site->cfg->public_url;
	size_t n = (size_t)url_base_len(pub);
	int immutable = 0;
	const struct static_file *f = static_find(app_of(r)->statics, "openapi.json", &immutable);
	json_t *doc = f ? json_loadb(f->data, f->len, 0, NULL) : NULL;

	if (!json_is_object(doc)) {
		json_decref(doc);
		resp_error(r, ERR_NOT_FOUND, "the API description is not installed (static/openapi.json)");
		return 0;
	}
	if (n)
		json_object_set_new(doc, "servers",
				    json_pack("[{s:s%, s:s}, {s:s, s:s}]", "url", pub, n, "description",
					      "this portal (Latvian names and hints)", "url",
					      arena_printf(r->arena, "%.*s/en", (int)n, pub), "description",
					      "this portal in English"));
	resp_json(r, 200, doc);
	return 0;
}
