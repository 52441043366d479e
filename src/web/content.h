/* content.h — the campaign's content pages (news, FAQ, facts, materials):
 * how a change to what they publish reaches every page and node.
 *
 * A writer changes its tables and, in the same transaction, runs
 * SQL_CONTENT_BUMP (migration 15: content_revision). After the commit it
 * calls content_changed(): this node's cached pages become stale at once
 * and the content search index is rebuilt; other nodes follow when they see
 * the counter move (content_poll()). */
#ifndef EPAK_WEB_CONTENT_H
#define EPAK_WEB_CONTENT_H

struct app;

#define SQL_CONTENT_BUMP "UPDATE content_revision SET value = value + 1 WHERE id = 1"

/* After a committed change to published content. */
void content_changed(struct app *app);

#endif
