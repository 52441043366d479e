/* facts.h — the facts the pages state (migration 17: the price of signing
 * with the eID card, the portal's address and agency, helpdesk numbers),
 * kept in memory for every template.
 *
 * Templates never spell such a fact: page_ctx() gives each page "facts",
 * {slug: {value, html, lv, checked, checked_on, source_url}} in the page's
 * language (value: the text, value_en falling back to value_lv with lv set
 * so the page can mark it lang="lv"; html: its Markdown as inline HTML;
 * checked_on: the day it was last confirmed, as people read it, "" never).
 *
 * The copy is reloaded when the content revision (web/content.h) moves:
 * asked of the database at most once a second, on the request that finds
 * the copy older than that; a move made by another node also makes this
 * node's cached pages stale (content_changed). */
#ifndef EPAK_WEB_FACTS_H
#define EPAK_WEB_FACTS_H

#include <jansson.h>

#include "http/http.h"

/* Adds "facts" to ctx (an empty object when none could be read yet). */
void facts_ctx(struct req *r, json_t *ctx);
/* After a committed change of the facts on this node: the next page reads
 * them again. */
void facts_stale(void);

#endif
