/* search_data.c — see search_data.h. */
#include "web/search_data.h"

#include <stdlib.h>
#include <string.h>

#include "store/db.h"

static const char *const names[SEARCH_DATA_SETS] = {"synonyms", "best-bets", "lexicon", "situations"};
static const char *const files[SEARCH_DATA_SETS] = {"synonyms.tsv", "best-bets.tsv", "lexicon.tsv", "situations.tsv"};

const char *search_data_name(enum search_data_kind k)
{
	return names[k];
}

const char *search_data_file(enum search_data_kind k)
{
	return files[k];
}

static const char SQL_LOAD[] = "SELECT name, body, changed_by, changed_at FROM search_data";

static int load_row(void *cls, const struct db_row *row)
{
	struct search_edits *e = cls;
	const char *name = row_text(row, 0);
	int k;

	for (k = 0; k < SEARCH_DATA_SETS; k++) {
		if (strcmp(name, names[k]) != 0)
			continue;
		free(e->text[k]);
		e->text[k] = strdup(row_text(row, 1) ? row_text(row, 1) : "");
		if (!e->text[k])
			return 1;
		e->changed_by[k] = row_int(row, 2);
		e->changed_at[k] = row_int(row, 3);
	}
	return 0;
}

int search_edits_load(struct db *db, struct search_edits *e)
{
	int rc;

	memset(e, 0, sizeof(*e));
	rc = db_query(db, SQL_LOAD, DB_NOP, load_row, e);
	if (rc != DB_OK) {
		search_edits_free(e);
		return rc > 0 ? DB_ERROR : rc;
	}
	return DB_OK;
}

void search_edits_free(struct search_edits *e)
{
	int k;

	for (k = 0; k < SEARCH_DATA_SETS; k++)
		free(e->text[k]);
	memset(e, 0, sizeof(*e));
}

void search_edits_apply(const struct search_edits *e, struct search_config *cfg)
{
	cfg->synonyms = e->text[SEARCH_DATA_SYNONYMS];
	cfg->best_bets = e->text[SEARCH_DATA_BEST_BETS];
	cfg->lexicon_extra = e->text[SEARCH_DATA_LEXICON];
	cfg->situations = e->text[SEARCH_DATA_SITUATIONS];
}

static const char SQL_PUT[] = "INSERT INTO search_data (name, body, changed_by, changed_at) VALUES ($1, $2, $3, $4) "
			      "ON CONFLICT (name) DO UPDATE SET body = excluded.body, "
			      "changed_by = excluded.changed_by, changed_at = excluded.changed_at";
static const char SQL_DROP[] = "DELETE FROM search_data WHERE name = $1";
static const char SQL_HISTORY[] =
    "INSERT INTO search_data_history (name, body, changed_by, changed_at) VALUES ($1, $2, $3, $4)";
static const char SQL_TRIM[] = "DELETE FROM search_data_history WHERE name = $1 AND id NOT IN "
			       "(SELECT id FROM search_data_history WHERE name = $1 ORDER BY id DESC LIMIT $2)";
static const char SQL_BUMP[] = "UPDATE revision SET value = value + 1 WHERE id = 1";

struct save {
	const char *name, *text;
	long long account, now;
};

static int save_tx(struct db *db, void *cls)
{
	const struct save *s = cls;
	int rc;

	if (s->text)
		rc = db_exec(db, SQL_PUT, DB_P(PTEXT(s->name), PTEXT(s->text), PINT(s->account), PINT(s->now)), NULL);
	else
		rc = db_exec(db, SQL_DROP, DB_P(PTEXT(s->name)), NULL);
	if (rc == DB_OK)
		rc = db_exec(db, SQL_HISTORY,
			     DB_P(PTEXT(s->name), s->text ? PTEXT(s->text) : PNULL, PINT(s->account), PINT(s->now)),
			     NULL);
	if (rc == DB_OK)
		rc = db_exec(db, SQL_TRIM, DB_P(PTEXT(s->name), PINT(SEARCH_DATA_HISTORY)), NULL);
	if (rc == DB_OK)
		rc = db_exec(db, SQL_BUMP, DB_NOP, NULL);
	return rc;
}

int search_data_save(struct db *db, enum search_data_kind k, const char *text, long long account, long long now)
{
	struct save s = {names[k], text, account, now};

	return db_tx(db, save_tx, &s);
}
