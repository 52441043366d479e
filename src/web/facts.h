/* facts.h — the facts the pages state (migration 17: the price of signing
 * with the eID card, the portal's address and agency, helpdesk numbers),
 * kept in memory for every template.
 *
 * Templates never spell such a fact: page_ctx() gives each page "facts",
 * {slug: {value, html, lv, checked, checked_on, source_url, link_text}} in
 * the page's language (link_text: a link's value without its scheme;
 * value: the text, value_en falling back to value_lv with lv set
 * so the page can mark it lang="lv"; html: its Markdown as inline HTML;
 * checked_on: the day it was last confirmed, as people read it, "" never).
 *
 * The copy is read from the database by the first page after a change:
 * this node's writers call facts_stale(); the content thread (content.h),
 * which watches the content revision move here or on another node, calls it
 * again after each rebuild, before this node's cached pages go stale, so a
 * cached page never keeps an old fact. */
#ifndef EPAK_WEB_FACTS_H
#define EPAK_WEB_FACTS_H

#include <jansson.h>

#include "http/http.h"

/* Adds "facts" to ctx (an empty object when none could be read yet). */
void facts_ctx(struct req *r, json_t *ctx);
/* After a committed change of the facts on this node: the next page reads
 * them again. */
void facts_stale(void);
/* 1 when the fact named slug is a web address (its name ends in "_url"):
 * the templates put its value into href="…", so it is saved and shown only
 * when it is an http(s) address. */
int url_fact(const char *slug);

#endif
