/* search_pages.c — see search_pages.h. */
#include "web/search_pages.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/file.h"
#include "core/log.h"
#include "search/search.h"
#include "web/app.h"
#include "web/catalog_ctx.h"
#include "web/web.h"

#define PAGES_MAX_FILE (256 * 1024)
#define PAGES_MAX_KEYWORDS 32
#define PAGES_MIN_SCORE 1.4 /* every word of the query matched, most in a name */

struct pages {
	char *text;
	struct search_doc docs[SEARCH_PAGES_MAX];
	const char *kw[SEARCH_PAGES_MAX][PAGES_MAX_KEYWORDS];
	size_t n;
	struct search_index *idx;
};

static struct pages pages;
static pthread_once_t pages_once = PTHREAD_ONCE_INIT;
static const char *pages_dir;

/* "a, b, c" into kw (pointers into s, which it cuts); returns how many. */
static size_t split_words(char *s, const char **kw, size_t max)
{
	size_t n = 0;
	char *save = NULL, *w;

	for (w = strtok_r(s, ",", &save); w && n < max; w = strtok_r(NULL, ",", &save)) {
		while (*w == ' ')
			w++;
		if (*w)
			kw[n++] = w;
	}
	return n;
}

/* One line: PATH, TITLE-LV, TITLE-EN, Latvian words, English words. */
static void page_line(char *line)
{
	char *f[5];
	size_t nf = 0;
	struct search_doc *d = &pages.docs[pages.n];

	for (char *p = line; nf < 5; nf++) {
		char *tab = strchr(p, '\t');

		f[nf] = p;
		if (!tab) {
			nf++;
			break;
		}
		*tab = '\0';
		p = tab + 1;
	}
	if (nf < 3 || f[0][0] != '/' || strpbrk(f[0], " \"<>"))
		return; /* not a page of this portal: skipped */
	memset(d, 0, sizeof(*d));
	d->id = d->url = f[0];
	d->title_lv = f[1];
	d->title_en = f[2];
	d->description_en = nf > 4 ? f[4] : NULL;
	d->nkeywords = nf > 3 ? split_words(f[3], pages.kw[pages.n], PAGES_MAX_KEYWORDS) : 0;
	d->keywords = pages.kw[pages.n];
	d->institution.id = "epak";
	d->institution.lv = "";
	pages.n++;
}

static void pages_load(void)
{
	struct search_config sc = {.data_dir = pages_dir, .flags = SEARCH_NO_SITUATIONS | SEARCH_NO_BEST_BETS};
	char path[2048], *line, *nl;
	size_t len;
	struct err err = {0};

	snprintf(path, sizeof(path), "%s/pages.tsv", pages_dir ? pages_dir : ".");
	if (file_read(path, PAGES_MAX_FILE, &pages.text, &len) != 0)
		return;
	for (line = pages.text; line && *line && pages.n < SEARCH_PAGES_MAX; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (*line && *line != '#')
			page_line(line);
	}
	pages.idx = search_index_build(pages.docs, pages.n, &sc, &err);
	if (!pages.idx)
		log_error("search pages: %s", err.msg);
}

json_t *search_pages_find(struct req *r, const char *q)
{
	struct search_request rq = {0};
	struct search_results res;
	json_t *out;
	size_t i;

	pages_dir = app_of(r)->cfg->search_data;
	pthread_once(&pages_once, pages_load);
	if (!pages.idx)
		return NULL;
	rq.q = q;
	rq.limit = SEARCH_PAGES_SHOWN;
	rq.no_prefix = 1;
	out = json_array();
	if (search_run(pages.idx, &rq, r->arena, &res) != SEARCH_OK)
		return out;
	for (i = 0; i < res.nhits; i++) {
		const struct search_hit *h = &res.hits[i];

		if (h->score < PAGES_MIN_SCORE)
			continue;
		json_array_append_new(out, json_pack("{s:s, s:s}", "url", prefixed(r, h->url), "title",
						     r->lang == LANG_EN && h->title_en ? h->title_en : h->title_lv));
	}
	return out;
}
