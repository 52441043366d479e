/* eval.c — search quality evaluation and the one-query commands.
 *
 * Every command reads its catalog file with search_catalog_load (docs.c):
 * the file is parsed as `epak import` parses it, built into the catalog
 * model, and mapped to documents by the same code as the server's read
 * model, so what is measured here is what serves people.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/file.h"
#include "search/cli.h"

#define DEFAULT_CATALOG "../shared/testdata/catalog-lv/catalog.jsonld"
#define DEFAULT_QUERIES "../shared/testdata/catalog-lv/queries-dev.tsv"
#define DEFAULT_DATA "data/search"

/* ---- the queries file ---- */

struct equery {
	char *query;
	char *expected; /* comma-separated ids */
	char *cls;
};

#define EQ_MAX_FILES 4 /* query files of one run, comma-separated */

struct equeries {
	char *text[EQ_MAX_FILES];
	size_t ntext;
	struct equery *q;
	size_t n, cap;
};

static void equeries_free(struct equeries *e)
{
	size_t i;

	for (i = 0; i < e->ntext; i++)
		free(e->text[i]);
	free(e->q);
	memset(e, 0, sizeof(*e));
}

/* Appends the queries of one file to e. */
static int equeries_file(const char *path, struct equeries *e, struct err *err)
{
	char *line, *nl, *text = NULL;
	size_t len, lineno = 0;
	int rc;

	if (e->ntext == EQ_MAX_FILES) {
		err_set(err, ERR_INTERNAL, "more than %d query files", EQ_MAX_FILES);
		return -1;
	}
	rc = file_read(path, 16 * 1024 * 1024, &text, &len);
	if (rc == 0)
		e->text[e->ntext++] = text;
	if (rc == -EFBIG || rc == -ENOMEM) {
		err_set(err, ERR_INTERNAL, "%s: too large", path);
		return -1;
	}
	if (rc < 0) {
		err_set(err, ERR_INTERNAL, "%s: cannot open", path);
		return -1;
	}
	rc = -1;
	for (line = text; line && *line; line = nl) {
		char *t1, *t2;

		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		lineno++;
		if (lineno == 1 || !*line || *line == '#')
			continue; /* the header */
		t1 = strchr(line, '\t');
		t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2) {
			err_set(err, ERR_INTERNAL, "%s:%zu: expected query<TAB>expected<TAB>class", path, lineno);
			goto out;
		}
		*t1 = *t2 = '\0';
		if (e->n == e->cap) {
			struct equery *nq;

			e->cap = e->cap ? e->cap * 2 : 128;
			nq = realloc(e->q, e->cap * sizeof(*nq));
			if (!nq)
				goto out;
			e->q = nq;
		}
		t2[strcspn(t2 + 1, "\r") + 1] = '\0';
		e->q[e->n].query = line;
		e->q[e->n].expected = t1 + 1;
		e->q[e->n].cls = t2 + 1;
		e->n++;
	}
	rc = 0;
out:
	return rc;
}

/* Loads the queries of paths, a comma-separated list of files. */
static int equeries_load(const char *paths, struct equeries *e, struct err *err)
{
	char path[4096];
	const char *p = paths;

	memset(e, 0, sizeof(*e));
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n >= sizeof(path)) {
			err_set(err, ERR_INTERNAL, "a query file's path is too long");
			goto fail;
		}
		memcpy(path, p, n);
		path[n] = '\0';
		if (equeries_file(path, e, err) != 0)
			goto fail;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
fail:
	equeries_free(e);
	return -1;
}

static int expected_has(const char *expected, const char *id)
{
	size_t n = strlen(id);
	const char *p = expected;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && strncmp(p, id, n) == 0)
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static struct search_eval_row *row_for(struct search_eval *out, const char *cls)
{
	size_t i;

	for (i = 0; i < out->nrows; i++)
		if (strcmp(out->rows[i].cls, cls) == 0)
			return &out->rows[i];
	if (out->nrows == SEARCH_EVAL_MAX_CLASSES)
		return NULL;
	snprintf(out->rows[out->nrows].cls, sizeof(out->rows[0].cls), "%s", cls);
	return &out->rows[out->nrows++];
}

/* rank: 1-based rank of the first hit, 0 for none in the top 10 */
static void tally(struct search_eval *out, const char *cls, size_t rank)
{
	struct search_eval_row *r = row_for(out, cls);

	if (!r)
		return;
	r->n++;
	if (rank) {
		r->mrr10 += 1.0 / (double)rank;
		r->s1 += rank == 1;
	}
}

static void finish_rows(struct search_eval *out)
{
	struct search_eval_row all;
	size_t i;

	memset(&all, 0, sizeof(all));
	snprintf(all.cls, sizeof(all.cls), "overall");
	for (i = 0; i < out->nrows; i++) {
		struct search_eval_row *r = &out->rows[i];

		all.n += r->n;
		all.mrr10 += r->mrr10;
		all.s1 += r->s1;
		if (r->n) {
			r->mrr10 /= (double)r->n;
			r->s1 /= (double)r->n;
		}
	}
	if (all.n) {
		all.mrr10 /= (double)all.n;
		all.s1 /= (double)all.n;
	}
	out->rows[out->nrows++] = all;
}

int search_eval_index(const struct search_index *idx, const char *queries, int verbose, struct search_eval *out,
		      struct err *err)
{
	struct equeries eq;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	if (equeries_load(queries, &eq, err) != 0)
		return -1;
	for (i = 0; i < eq.n; i++) {
		struct arena *a = arena_new(0);
		struct search_request rq = {0};
		struct search_results res;
		size_t rank = 0;

		if (!a)
			break;
		rq.q = eq.q[i].query;
		rq.limit = 10;
		if (search_run(idx, &rq, a, &res) == SEARCH_OK)
			for (j = 0; j < res.nhits && !rank; j++)
				if (expected_has(eq.q[i].expected, res.hits[j].id))
					rank = j + 1;
		tally(out, eq.q[i].cls, rank);
		if (verbose && rank != 1) {
			fprintf(stderr, "%-13s rank %-2zu %-36s want %.40s got", eq.q[i].cls, rank, eq.q[i].query,
				eq.q[i].expected);
			for (j = 0; j < res.nhits && j < 3; j++)
				fprintf(stderr, " %s(%.2f)", res.hits[j].id, res.hits[j].score);
			fprintf(stderr, "\n");
		}
		arena_free(a);
	}
	finish_rows(out);
	equeries_free(&eq);
	return 0;
}

/* ---- the FTS5 baseline ---- */

static void join_keywords(const struct search_doc *d, struct buf *b)
{
	size_t i;

	buf_reset(b);
	for (i = 0; i < d->nkeywords; i++) {
		buf_puts(b, d->keywords[i]);
		buf_puts(b, "; ");
	}
	buf_putc(b, '\0');
}

static int fts5_fill(sqlite3 *db, const struct search_doc *docs, size_t n)
{
	static const char SQL_CREATE[] =
	    "CREATE VIRTUAL TABLE s USING fts5(id UNINDEXED, title_lv, title_en, keywords, institution, "
	    "description, tokenize = 'unicode61 remove_diacritics 2')";
	static const char SQL_INSERT[] = "INSERT INTO s (id, title_lv, title_en, keywords, institution, description) "
					 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *st = NULL;
	struct buf kw = BUF_INIT, inst = BUF_INIT;
	size_t i;
	int rc = -1;

	if (sqlite3_exec(db, SQL_CREATE, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, SQL_INSERT, -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		const struct search_doc *d = &docs[i];

		join_keywords(d, &kw);
		buf_reset(&inst);
		buf_printf(&inst, "%s; %s; %s", d->institution.lv ? d->institution.lv : "",
			   d->institution.en ? d->institution.en : "", d->institution_abbr ? d->institution_abbr : "");
		sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->title_lv, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->title_en, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, kw.data, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, inst.data, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, d->description_lv, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_reset(st);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	buf_free(&kw);
	buf_free(&inst);
	return rc;
}

/* The query's whitespace-separated words, each quoted as an FTS5 string,
 * which FTS5 ANDs: what a plain FTS5 search box does. */
static void fts5_query(const char *q, struct buf *b)
{
	const char *p = q;

	buf_reset(b);
	while (*p) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, " \t");
		if (n) {
			size_t i;

			if (b->len)
				buf_putc(b, ' ');
			buf_putc(b, '"');
			for (i = 0; i < n; i++) {
				if (p[i] == '"')
					buf_putc(b, '"');
				buf_putc(b, p[i]);
			}
			buf_putc(b, '"');
		}
		p += n;
	}
	buf_putc(b, '\0');
}

int search_eval_fts5(const struct search_doc *docs, size_t n, const char *queries, struct search_eval *out,
		     struct err *err)
{
	static const char SQL_MATCH[] =
	    "SELECT id FROM s WHERE s MATCH ?1 ORDER BY bm25(s, 0, 10, 10, 8, 6, 3) LIMIT 10";
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct equeries eq = {0};
	struct buf mq = BUF_INIT;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (equeries_load(queries, &eq, err) != 0)
		return -1;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || fts5_fill(db, docs, n) != 0 ||
	    sqlite3_prepare_v2(db, SQL_MATCH, -1, &st, NULL) != SQLITE_OK) {
		err_set(err, ERR_INTERNAL, "fts5: %s", db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	for (i = 0; i < eq.n; i++) {
		size_t rank = 0, r = 0;

		fts5_query(eq.q[i].query, &mq);
		sqlite3_bind_text(st, 1, mq.data, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);

			r++;
			if (!rank && id && expected_has(eq.q[i].expected, id))
				rank = r;
		}
		sqlite3_reset(st);
		tally(out, eq.q[i].cls, rank);
	}
	finish_rows(out);
	rc = 0;
out:
	buf_free(&mq);
	sqlite3_finalize(st);
	sqlite3_close(db);
	equeries_free(&eq);
	return rc;
}

/* ---- commands ---- */

struct opts {
	const char *catalog, *queries, *data, *institution, *event;
	unsigned flags;
	int verbose, eservice;
	long limit;
	char *words[SEARCH_MAX_WORDS * 2];
	int nwords;
};

static const struct {
	const char *name;
	unsigned flag;
} flag_opts[] = {
    {"--no-lexicon", SEARCH_NO_LEXICON},       {"--no-synonyms", SEARCH_NO_SYNONYMS},
    {"--no-typos", SEARCH_NO_TYPOS},           {"--no-prefix", SEARCH_NO_PREFIX},
    {"--no-stemmer", SEARCH_NO_STEMMER},       {"--no-best-bets", SEARCH_NO_BEST_BETS},
    {"--no-situations", SEARCH_NO_SITUATIONS},
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int i;
	size_t k;

	memset(o, 0, sizeof(*o));
	o->catalog = DEFAULT_CATALOG;
	o->queries = DEFAULT_QUERIES;
	o->data = DEFAULT_DATA;
	o->limit = 10;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int found = 0;

		for (k = 0; k < sizeof(flag_opts) / sizeof(flag_opts[0]); k++)
			if (strcmp(a, flag_opts[k].name) == 0) {
				o->flags |= flag_opts[k].flag;
				found = 1;
			}
		if (found)
			continue;
		if (strcmp(a, "--verbose") == 0) {
			o->verbose = 1;
		} else if (strcmp(a, "--eservice") == 0) {
			o->eservice = 1;
		} else if (i + 1 < argc && strcmp(a, "--catalog") == 0) {
			o->catalog = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--queries") == 0) {
			o->queries = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--data") == 0) {
			o->data = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--institution") == 0) {
			o->institution = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--event") == 0) {
			o->event = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--limit") == 0) {
			if (parse_int(argv[++i], 1, SEARCH_MAX_LIMIT, &o->limit) != 0)
				return -1;
		} else if (strncmp(a, "--", 2) == 0) {
			fprintf(stderr, "epak %s: unknown option %s\n", argv[0], a);
			return -1;
		} else if (o->nwords < (int)(sizeof(o->words) / sizeof(o->words[0]))) {
			o->words[o->nwords++] = argv[i];
		}
	}
	return 0;
}

static struct search_index *open_index(const struct opts *o, struct search_catalog **cat)
{
	struct search_config sc = {.data_dir = o->data, .flags = o->flags};
	const struct search_doc *docs;
	struct search_index *idx;
	struct err err = {0};
	size_t n;

	*cat = search_catalog_load(o->catalog, &err);
	if (!*cat) {
		fprintf(stderr, "epak: %s\n", err.msg);
		return NULL;
	}
	docs = search_catalog_docs(*cat, &n);
	idx = search_index_build(docs, n, &sc, &err);
	if (!idx)
		fprintf(stderr, "epak: %s\n", err.msg);
	return idx;
}

int cmd_search_eval(struct config *cfg, int argc, char **argv)
{
	struct opts o;
	struct search_catalog *cat = NULL;
	struct search_index *idx = NULL;
	struct search_eval ours, base;
	const struct search_doc *docs;
	struct err err = {0};
	size_t n, i, j;
	int rc = 1;

	(void)cfg;
	if (parse_opts(argc, argv, &o) != 0 || o.nwords) {
		fprintf(stderr,
			"usage: epak search-eval [--catalog FILE] [--queries FILE[,FILE...]] [--data DIR] [--verbose] "
			"[--no-lexicon|--no-synonyms|--no-typos|--no-prefix|--no-stemmer|--no-best-bets|--no-"
			"situations]\n");
		return 2;
	}
	idx = open_index(&o, &cat);
	if (!idx)
		goto out;
	docs = search_catalog_docs(cat, &n);
	if (search_eval_index(idx, o.queries, o.verbose, &ours, &err) != 0 ||
	    search_eval_fts5(docs, n, o.queries, &base, &err) != 0) {
		fprintf(stderr, "epak search-eval: %s\n", err.msg);
		goto out;
	}
	printf("%zu services, queries %s\n\n", n, o.queries);
	printf("%-13s %4s  %-15s  %-15s\n", "", "", "   epak", "FTS5 unicode61");
	printf("%-13s %4s  %7s %7s  %7s %7s\n", "class", "n", "MRR@10", "S@1", "MRR@10", "S@1");
	for (i = 0; i < ours.nrows; i++) {
		const struct search_eval_row *b = NULL;

		for (j = 0; j < base.nrows; j++)
			if (strcmp(base.rows[j].cls, ours.rows[i].cls) == 0)
				b = &base.rows[j];
		if (i + 1 == ours.nrows)
			printf("%-13s %4s  %7s %7s  %7s %7s\n", "-------------", "----", "-------", "-------",
			       "-------", "-------");
		printf("%-13s %4zu  %7.3f %7.3f  %7.3f %7.3f\n", ours.rows[i].cls, ours.rows[i].n, ours.rows[i].mrr10,
		       ours.rows[i].s1, b ? b->mrr10 : 0.0, b ? b->s1 : 0.0);
	}
	rc = 0;
out:
	search_index_free(idx);
	search_catalog_free(cat);
	return rc;
}

static void print_marked(const char *s, const struct search_span *sp, size_t n)
{
	size_t pos = 0, i;

	for (i = 0; i < n; i++) {
		printf("%.*s[%.*s]", (int)(sp[i].start - pos), s + pos, (int)sp[i].len, s + sp[i].start);
		pos = sp[i].start + sp[i].len;
	}
	printf("%s", s + pos);
}

static void join_words(const struct opts *o, char *q, size_t cap)
{
	size_t n = 0;
	int i;

	q[0] = '\0';
	for (i = 0; i < o->nwords; i++) {
		int k = snprintf(q + n, cap - n, "%s%s", i ? " " : "", o->words[i]);

		if (k < 0 || (size_t)k >= cap - n)
			break;
		n += (size_t)k;
	}
}

int cmd_search(struct config *cfg, int argc, char **argv)
{
	struct opts o;
	struct search_catalog *cat = NULL;
	struct search_index *idx = NULL;
	struct search_request rq = {0};
	struct search_results res;
	struct arena *a = NULL;
	char q[SEARCH_MAX_QUERY + 2];
	size_t i;
	int rc = 1, e;

	(void)cfg;
	if (parse_opts(argc, argv, &o) != 0 || o.nwords == 0) {
		fprintf(stderr, "usage: epak search [--catalog FILE] [--data DIR] [--limit N] [--institution ID] "
				"[--event ID] [--eservice] QUERY...\n");
		return 2;
	}
	join_words(&o, q, sizeof(q));
	idx = open_index(&o, &cat);
	a = arena_new(0);
	if (!idx || !a)
		goto out;
	rq.q = q;
	rq.limit = (size_t)o.limit;
	rq.institution = o.institution;
	rq.event = o.event;
	rq.eservice_only = o.eservice;
	e = search_run(idx, &rq, a, &res);
	if (e != SEARCH_OK) {
		fprintf(stderr, "epak search: %s\n", e == SEARCH_ETOOLONG ? "query too long" : "failed");
		goto out;
	}
	printf("%zu results%s%s\n", res.total, res.suggestion ? "; did you mean: " : "",
	       res.suggestion ? res.suggestion : "");
	for (i = 0; i < res.nhits; i++) {
		const struct search_hit *h = &res.hits[i];

		printf("%2zu. %-34s %6.3f %s%s\n    ", i + 1, h->id, h->score, h->eservice ? "e " : "",
		       h->best_bet ? "best bet" : "");
		print_marked(h->title_lv, h->title_lv_spans, h->ntitle_lv_spans);
		if (h->title_en) {
			printf(" / ");
			print_marked(h->title_en, h->title_en_spans, h->ntitle_en_spans);
		}
		if (h->snippet) {
			printf("\n    %s", h->cut_before ? "…" : "");
			print_marked(h->snippet, h->snippet_spans, h->nsnippet_spans);
			printf("%s", h->cut_after ? "…" : "");
		}
		printf("\n");
	}
	printf("institutions:");
	for (i = 0; i < res.ninstitutions && i < 8; i++)
		printf(" %s (%zu)", res.institutions[i].label->id, res.institutions[i].count);
	printf("\nevents:");
	for (i = 0; i < res.nevents && i < 8; i++)
		printf(" %s (%zu)", res.events[i].label->id, res.events[i].count);
	printf("\ne-services: %zu\n", res.eservices);
	rc = 0;
out:
	arena_free(a);
	search_index_free(idx);
	search_catalog_free(cat);
	return rc;
}

int cmd_search_complete(struct config *cfg, int argc, char **argv)
{
	struct opts o;
	struct search_catalog *cat = NULL;
	struct search_index *idx = NULL;
	struct arena *a = NULL;
	const char *const *c;
	char q[SEARCH_MAX_QUERY + 2];
	size_t n, i;
	int rc = 1;

	(void)cfg;
	if (parse_opts(argc, argv, &o) != 0 || o.nwords == 0) {
		fprintf(stderr, "usage: epak search-complete [--catalog FILE] [--data DIR] TEXT...\n");
		return 2;
	}
	join_words(&o, q, sizeof(q));
	idx = open_index(&o, &cat);
	a = arena_new(0);
	if (!idx || !a)
		goto out;
	if (search_complete(idx, q, 10, 0, a, &c, &n) != SEARCH_OK)
		goto out;
	for (i = 0; i < n; i++)
		printf("%s\n", c[i]);
	rc = 0;
out:
	arena_free(a);
	search_index_free(idx);
	search_catalog_free(cat);
	return rc;
}
