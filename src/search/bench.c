/* bench.c — `epak search-bench`: search latency, build time and memory.
 *
 * 1. The reference catalog: build, then every query of the queries file
 *    (and each with its last word cut in half, as typed) ROUNDS times;
 *    latency p50/p99 of search_run, in-process.
 * 2. A generated catalog of --docs services (100000): plausible Latvian
 *    documents recombined from the reference catalog's own titles, keywords
 *    and description sentences, with its institutions and events; build
 *    time, resident memory (VmRSS from /proc/self/status) and the same
 *    latencies. With --fts5, also the plain FTS5 baseline's build time and
 *    latency on the same documents (docs/search.md, "Engine").
 * A benchmark, not a test: nothing here fails on a slow machine.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "search/cli.h"

#define ROUNDS 20

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static size_t pick(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* The queries of a queries file, and each with its last word half-typed. */
struct qlist {
	char **q;
	size_t n;
};

static void qlist_free(struct qlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->q[i]);
	free(l->q);
}

static int qlist_load(const char *path, struct qlist *l)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	size_t cap = 0, lineno = 0;

	memset(l, 0, sizeof(*l));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *sp;
		int k;

		if (lineno++ == 0 || !tab)
			continue;
		*tab = '\0';
		for (k = 0; k < 2; k++) {
			if (l->n + 1 > cap) {
				char **nq;

				cap = cap ? cap * 2 : 256;
				nq = realloc(l->q, cap * sizeof(*nq));
				if (!nq)
					goto fail;
				l->q = nq;
			}
			l->q[l->n] = strdup(line);
			if (!l->q[l->n])
				goto fail;
			l->n++;
			/* the same query with its last word half-typed */
			sp = strrchr(line, ' ');
			sp = sp ? sp + 1 : line;
			if (strlen(sp) < 4)
				break;
			sp[strlen(sp) / 2] = '\0';
		}
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	qlist_free(l);
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void latency(const char *what, const struct search_index *idx, const struct qlist *ql, int rounds)
{
	size_t n = ql->n * (size_t)rounds, k = 0, i, slow[3] = {0, 0, 0};
	double *t = malloc((n + 1) * sizeof(double)), sum = 0, *worst = calloc(ql->n + 1, sizeof(double));
	int r;

	if (!t || !worst) {
		free(t);
		free(worst);
		return;
	}
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ql->n; i++) {
			struct arena *a = arena_new(0);
			struct search_request rq = {0};
			struct search_results res;
			double t0;

			if (!a)
				continue;
			rq.q = ql->q[i];
			rq.limit = 10;
			t0 = now_ms();
			search_run(idx, &rq, a, &res);
			t[k] = now_ms() - t0;
			if (t[k] > worst[i])
				worst[i] = t[k];
			k++;
			arena_free(a);
		}
	}
	qsort(t, k, sizeof(double), cmp_double);
	for (i = 0; i < k; i++)
		sum += t[i];
	if (k)
		printf("%-34s %7zu queries  p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  mean %7.3f ms\n", what, k,
		       t[k / 2], t[(k * 99) / 100], t[k - 1], sum / (double)k);
	for (i = 0; i < ql->n; i++) { /* the three slowest queries, for whoever tunes */
		size_t j = 3;

		while (j > 0 && worst[i] > worst[slow[j - 1]])
			j--;
		if (j < 3) {
			memmove(slow + j + 1, slow + j, (2 - j) * sizeof(slow[0]));
			slow[j] = i;
		}
	}
	printf("    slowest:");
	for (i = 0; i < 3 && i < ql->n; i++)
		printf(" \"%s\" %.2f ms;", ql->q[slow[i]], worst[slow[i]]);
	printf("\n");
	free(worst);
	free(t);
}

/* Sentences of a text: pointers into it and lengths. */
static size_t sentences(const char *s, const char **out, size_t *len, size_t max)
{
	size_t n = 0;

	while (s && *s && n < max) {
		const char *e = strstr(s, ". ");
		size_t l = e ? (size_t)(e - s) + 1 : strlen(s);

		out[n] = s;
		len[n++] = l;
		s = e ? e + 2 : NULL;
	}
	return n;
}

/* Generated documents and the memory that holds their text. */
struct gen {
	struct search_doc *docs;
	char **text;
	const char **kw;
	size_t n;
};

static void gen_free(struct gen *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->text[i]);
	free(g->text);
	free(g->kw);
	free(g->docs);
}

#define GEN_KW 6

static int generate(const struct search_doc *ref, size_t nref, size_t n, struct gen *g)
{
	struct buf b = BUF_INIT;
	size_t i, k;

	memset(g, 0, sizeof(*g));
	g->docs = calloc(n, sizeof(*g->docs));
	g->text = calloc(n, sizeof(*g->text));
	g->kw = calloc(n * GEN_KW, sizeof(*g->kw));
	if (!g->docs || !g->text || !g->kw || nref == 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct search_doc *a = &ref[pick(nref)], *c = &ref[pick(nref)], *e = &ref[pick(nref)];
		struct search_doc *d = &g->docs[i];
		size_t off[8], nk;
		const char *sa[16];
		size_t sl[16], ns;
		char *t;

		buf_init(&b, 1 << 20);
		/* id, url, title (a's title with c's last word), English title,
		 * description (sentences of a, c and e), keywords */
		off[0] = b.len;
		buf_printf(&b, "gen-%zu", i);
		buf_putc(&b, '\0');
		off[1] = b.len;
		buf_printf(&b, "/pakalpojumi/gen-%zu", i);
		buf_putc(&b, '\0');
		off[2] = b.len;
		{
			const char *last = c->title_lv ? strrchr(c->title_lv, ' ') : NULL;

			buf_printf(&b, "%s%s", a->title_lv ? a->title_lv : "", last ? last : "");
		}
		buf_putc(&b, '\0');
		off[3] = b.len;
		buf_puts(&b, c->title_en ? c->title_en : "");
		buf_putc(&b, '\0');
		off[4] = b.len;
		ns = sentences(a->description_lv, sa, sl, 8);
		for (k = 0; k < ns; k++)
			if (k < 2 || pick(2))
				buf_printf(&b, "%.*s ", (int)sl[k], sa[k]);
		ns = sentences(e->description_lv, sa, sl, 8);
		if (ns)
			k = pick(ns), buf_printf(&b, "%.*s", (int)sl[k], sa[k]);
		buf_putc(&b, '\0');
		if (!buf_ok(&b))
			goto fail;
		t = buf_steal(&b, NULL);
		g->text[i] = t;
		g->n = i + 1;
		d->id = t + off[0];
		d->url = t + off[1];
		d->title_lv = t + off[2];
		d->title_en = t + off[3];
		d->description_lv = t + off[4];
		d->keywords = g->kw + i * GEN_KW;
		for (nk = 0, k = 0; k < a->nkeywords && nk < 3; k++)
			g->kw[i * GEN_KW + nk++] = a->keywords[k];
		for (k = 0; k < c->nkeywords && nk < GEN_KW; k++)
			if (pick(2))
				g->kw[i * GEN_KW + nk++] = c->keywords[k];
		d->nkeywords = nk;
		d->institution = a->institution;
		d->institution_abbr = a->institution_abbr;
		d->events = a->events;
		d->nevents = a->nevents;
		d->eservice = (int)pick(2);
	}
	return 0;
fail:
	buf_free(&b);
	return -1;
}

static void fts5_bench(const struct search_doc *docs, size_t n, const struct qlist *ql)
{
	static const char SQL_CREATE[] = "CREATE VIRTUAL TABLE s USING fts5(id UNINDEXED, title_lv, title_en, "
					 "keywords, description, tokenize = 'unicode61 remove_diacritics 2')";
	static const char SQL_INSERT[] = "INSERT INTO s VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char SQL_MATCH[] = "SELECT id FROM s WHERE s MATCH ?1 ORDER BY bm25(s) LIMIT 10";
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL, *q = NULL;
	struct buf kw = BUF_INIT, mq = BUF_INIT;
	double t0, *t = NULL;
	long rss0 = rss_kb();
	size_t i, k = 0;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK || sqlite3_exec(db, SQL_CREATE, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, SQL_INSERT, -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, SQL_MATCH, -1, &q, NULL) != SQLITE_OK)
		goto out;
	t0 = now_ms();
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (i = 0; i < n; i++) {
		size_t j;

		buf_reset(&kw);
		for (j = 0; j < docs[i].nkeywords; j++)
			buf_printf(&kw, "%s; ", docs[i].keywords[j]);
		buf_putc(&kw, '\0');
		sqlite3_bind_text(ins, 1, docs[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, docs[i].title_lv, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, docs[i].title_en, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, kw.data, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 5, docs[i].description_lv, -1, SQLITE_STATIC);
		sqlite3_step(ins);
		sqlite3_reset(ins);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	printf("%-34s %8.0f ms build, +%ld MB resident\n", "  fts5 baseline", now_ms() - t0, (rss_kb() - rss0) / 1024);
	t = malloc((ql->n + 1) * sizeof(double));
	if (!t)
		goto out;
	for (i = 0; i < ql->n; i++) {
		const char *p = ql->q[i];

		buf_reset(&mq);
		while (*p) { /* every word quoted, ANDed: the baseline's query */
			size_t w = strcspn(p, " ");

			if (w) {
				size_t c;

				buf_puts(&mq, mq.len ? " \"" : "\"");
				for (c = 0; c < w; c++) {
					if (p[c] == '"')
						buf_putc(&mq, '"');
					buf_putc(&mq, p[c]);
				}
				buf_putc(&mq, '"');
			}
			p += w;
			while (*p == ' ')
				p++;
		}
		buf_putc(&mq, '\0');
		t0 = now_ms();
		sqlite3_bind_text(q, 1, mq.data, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW)
			;
		sqlite3_reset(q);
		t[k++] = now_ms() - t0;
	}
	qsort(t, k, sizeof(double), cmp_double);
	if (k)
		printf("%-34s %7zu queries  p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms\n", "  fts5 baseline latency", k,
		       t[k / 2], t[(k * 99) / 100], t[k - 1]);
out:
	free(t);
	buf_free(&kw);
	buf_free(&mq);
	sqlite3_finalize(ins);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

int cmd_search_bench(struct config *cfg, int argc, char **argv)
{
	const char *catalog = "../shared/testdata/catalog-lv/catalog.jsonld";
	const char *queries = "../shared/testdata/catalog-lv/queries-dev.tsv";
	const char *data = "data/search";
	long ndocs = 100000;
	int i, fts5 = 0, rc = 1;
	struct search_catalog *cat = NULL;
	struct search_index *idx = NULL, *big = NULL;
	struct search_config sc;
	struct search_stats st;
	struct qlist ql = {0};
	struct gen g = {0};
	const struct search_doc *docs;
	struct err err = {0};
	size_t n;
	double t0;
	long rss0;

	(void)cfg;
	for (i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--catalog") == 0) {
			catalog = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--queries") == 0) {
			queries = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--data") == 0) {
			data = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--docs") == 0) {
			if (parse_int(argv[++i], 0, 10000000, &ndocs) != 0)
				goto usage;
		} else if (strcmp(argv[i], "--fts5") == 0) {
			fts5 = 1;
		} else {
			goto usage;
		}
	}
	sc.data_dir = data;
	sc.flags = 0;
	cat = search_catalog_load(catalog, &err);
	if (!cat || qlist_load(queries, &ql) != 0) {
		fprintf(stderr, "epak search-bench: %s\n", cat ? queries : err.msg);
		goto out;
	}
	docs = search_catalog_docs(cat, &n);
	t0 = now_ms();
	idx = search_index_build(docs, n, &sc, &err);
	if (!idx) {
		fprintf(stderr, "epak search-bench: %s\n", err.msg);
		goto out;
	}
	search_index_stats(idx, &st);
	printf("reference catalog: %zu services, %zu terms, %zu postings, index %.1f MB, built in %.1f ms\n", st.docs,
	       st.terms, st.postings, (double)st.bytes / 1e6, now_ms() - t0);
	latency("  search latency", idx, &ql, ROUNDS);
	if (ndocs > 0) {
		if (generate(docs, n, (size_t)ndocs, &g) != 0) {
			fprintf(stderr, "epak search-bench: out of memory generating documents\n");
			goto out;
		}
		rss0 = rss_kb();
		t0 = now_ms();
		big = search_index_build(g.docs, g.n, &sc, &err);
		if (!big) {
			fprintf(stderr, "epak search-bench: %s\n", err.msg);
			goto out;
		}
		search_index_stats(big, &st);
		printf("generated catalog: %zu services, %zu terms, %zu postings, index %.1f MB, built in %.0f ms\n",
		       st.docs, st.terms, st.postings, (double)st.bytes / 1e6, now_ms() - t0);
		printf("  resident memory: %ld MB in all (documents' text %ld MB before the build, index +%ld MB)\n",
		       rss_kb() / 1024, rss0 / 1024, (rss_kb() - rss0) / 1024);
		latency("  search latency", big, &ql, 3);
		if (fts5)
			fts5_bench(g.docs, g.n, &ql);
	}
	rc = 0;
	goto out;
usage:
	fprintf(stderr,
		"usage: epak search-bench [--catalog FILE] [--queries FILE] [--data DIR] [--docs N] [--fts5]\n");
	rc = 2;
out:
	search_index_free(big);
	search_index_free(idx);
	gen_free(&g);
	qlist_free(&ql);
	search_catalog_free(cat);
	return rc;
}
