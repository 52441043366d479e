/* content.h — the campaign's content pages (news, FAQ, facts, materials):
 * how a change to what they publish reaches every page and node.
 *
 * A writer changes its tables and, in the same transaction, runs
 * SQL_CONTENT_BUMP (migration 15: content_revision). After the commit it
 * calls content_changed(): this node's cached pages become stale at once
 * and the content search index is rebuilt; other nodes follow when they see
 * the counter move (content_poll()).
 *
 * The content index: published news and FAQ entries as search documents
 * (search/search.h), shown on /meklet after the services ("News and
 * answers"), and the newest news for the home page. A thread of its own
 * (content_start) rebuilds it from the database — never on an event loop —
 * when content_changed() asks, when it sees content_revision move (it asks
 * every second: that is how other nodes follow), and when the publication
 * time of a scheduled article comes; the new set replaces the old one
 * atomically (readers borrow it like the read model's snapshot) and then
 * the page caches' revision moves, so no cached page shows a scheduled
 * article late by more than about a second. */
#ifndef EPAK_WEB_CONTENT_H
#define EPAK_WEB_CONTENT_H

#include <jansson.h>
#include <stdatomic.h>
#include <stddef.h>

#include "core/err.h"
#include "http/http.h"

struct app;
struct search_index;

#define SQL_CONTENT_BUMP "UPDATE content_revision SET value = value + 1 WHERE id = 1"

/* After a committed change to published content. */
void content_changed(struct app *app);

/* One searchable item. text: the plain text (md_to_text) of the summary
 * and body, or the answer; the English strings are "" when there are none. */
enum content_kind { CONTENT_NEWS, CONTENT_FAQ };
struct content_item {
	enum content_kind kind;
	char *url; /* "/jaunumi/slug" or "/buj#slug", without the language prefix */
	char *title[2];
	char *text[2];
	long long at; /* news: publish_at; FAQ: updated_at */
};

#define CONTENT_LATEST 3 /* news on the home page */

struct content_set {
	atomic_int refs;
	long long revision; /* content_revision.value it reflects */
	long long next_due; /* the earliest publish_at still to come; 0: none */
	struct content_item *items;
	size_t n;
	struct search_index *idx; /* of items, in order; borrows their strings */
	/* the newest news per language (an index into items), newest first */
	size_t latest[2][CONTENT_LATEST];
	size_t nlatest[2];
};

/* Builds the first set (so the first page already has it) and starts the
 * thread. 0, or -1 with err. */
int content_start(struct app *app, struct err *err);
void content_stop(void);
/* Borrow and return; content_get never returns NULL once started. */
const struct content_set *content_get(void);
void content_put(const struct content_set *s);

/* /meklet: "content_results" (and "has_content") for the query q, in r's
 * language, at most 10, found with the same engine as the services. */
void content_search_ctx(struct req *r, const char *q, json_t *ctx);
/* The home page: "latest_news" [{url, title, at_iso, at}], "has_news". */
void content_home_ctx(struct req *r, json_t *ctx);

#endif
