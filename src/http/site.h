/* site.h — what the HTTP layer is told about the site it serves: settings,
 * the route table, the default language, where uploads spill, the CSRF key
 * and the content revision, and callbacks for what only the layer above
 * knows (its HTML error page, a periodic tick, per-thread state). The http
 * code reads nothing else: it includes no header of the web layer and links
 * without it (tests/unit/test_http.c serves a table of its own).
 *
 * The layer above fills one struct site before server_run and keeps it alive
 * until it returns; threads only read it, except revision (atomic). */
#ifndef EPAK_SITE_H
#define EPAK_SITE_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/i18n.h"
#include "http/router.h"

struct req;
struct worker;

struct site {
	const struct config *cfg; /* limits, listen addresses, threads, TLS, cache sizes */
	const struct route *routes;
	size_t nroutes;
	enum lang default_lang;        /* of paths without a language prefix */
	const char *tmp_dir;           /* where multipart uploads spill */
	const unsigned char *csrf_key; /* HMAC key of CSRF tokens */
	size_t csrf_key_len;           /* at least 32 bytes */
	atomic_uint_fast64_t revision; /* bumped when published content changes: cached pages are stale */
	void *app;                     /* the layer above's own state; http never looks inside */
	/* The body limit of ROUTE_LARGE_BODY routes (uploads of big files),
	 * judged like max-body on the headers and on what arrives; 0 or less
	 * than max-body: max-body. Every other route keeps max-body. */
	size_t max_upload_body;
	/* For a ROUTE_LARGE_BODY request whose body is larger than max-body:
	 * 1 when this request may send one (the layer above knows who may
	 * upload), checked before the body is parsed, so nobody else makes the
	 * server parse or spill it; 0 answers 413. NULL: anyone may. */
	int (*large_body_ok)(struct req *r);

	/* Renders the HTML error page into out (0 on success). NULL, or a
	 * failure, answers with the JSON body of resp_error_json instead. */
	int (*render_error)(struct req *r, enum err_code code, const char *detail, struct buf *out);
	/* Called on the first event-loop thread after every turn of its loop
	 * (at least every 200 ms): development reloads and the like. May be NULL. */
	void (*tick)(struct site *site);
	/* SIGHUP: re-read what the layer above loaded at start (templates,
	 * translations, search data), on the server's control thread while the
	 * loops keep serving; 0, or -1 when a part kept its old version (the
	 * callback logged why). The server bumps revision afterwards and reloads
	 * the TLS certificate itself. May be NULL. */
	int (*reload)(struct site *site);
	/* 1 once the site can answer (its first read model is loaded): the
	 * server tells the service manager READY=1 only then. NULL: at once. */
	int (*ready)(struct site *site);
	/* Called on each event-loop thread when it starts and when it ends
	 * (after its last request), on that thread; each may be NULL. The
	 * thread's own state goes in w->data (worker.h). */
	void (*thread_start)(struct site *site, struct worker *w);
	void (*thread_exit)(struct site *site, struct worker *w);
	/* The personal part of an HTML page. Every page's HTML carries one
	 * anonymous block between SITE_PERSONAL_BEGIN and SITE_PERSONAL_END
	 * (the "log in" link). When the request belongs to a logged-in person,
	 * this appends the block that replaces it (their name, the logout form)
	 * to out and returns 1; 0 for an anonymous visitor. A personal answer
	 * is spliced together from the (possibly cached) page and this block,
	 * marked private and no-store, without an ETag; the whole-page cache
	 * holds only anonymous pages. May be NULL. */
	int (*personal)(struct req *r, struct buf *out);
};

#define SITE_PERSONAL_BEGIN "<!--epak:personal-->"
#define SITE_PERSONAL_END "<!--/epak:personal-->"

#endif
