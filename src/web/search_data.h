/* search_data.h — the editors' versions of the search data sets, kept in
 * the database (table search_data, migration 13) so that a change made in
 * the back office reaches every node that shares the database without a
 * restart. A set without a row is read from its file in the search-data
 * folder, which stays the starting point and the way operators ship data
 * (docs/decisions.md, "Search data edited in the database").
 *
 *   synonyms    the whole text, in place of synonyms.tsv
 *   best-bets   the whole text, in place of best-bets.tsv
 *   lexicon     lines read before lexicon.tsv's (they win): the generated
 *               78 000-line file is not edited by hand
 *   situations  the whole text, in place of situations.tsv (migration 24)
 *
 * Saving moves the catalog revision in the same transaction, so every
 * node's read model rebuilds (PostgreSQL announces it at once, SQLite is
 * asked every second). */
#ifndef EPAK_WEB_SEARCH_DATA_H
#define EPAK_WEB_SEARCH_DATA_H

#include "search/search.h"

struct db;

#define SEARCH_DATA_SETS 4
#define SEARCH_DATA_HISTORY 20 /* versions kept per set */

/* The set's name in the table and the page ("synonyms", "best-bets",
 * "lexicon"), and the file it stands for. */
const char *search_data_name(enum search_data_kind k);
const char *search_data_file(enum search_data_kind k);

/* The editors' versions: malloc'd texts, NULL where the file is used. */
struct search_edits {
	char *text[SEARCH_DATA_SETS];
	long long changed_by[SEARCH_DATA_SETS];
	long long changed_at[SEARCH_DATA_SETS];
};
/* DB_OK or an error (e is then empty). */
int search_edits_load(struct db *db, struct search_edits *e);
void search_edits_free(struct search_edits *e);
/* The search_config texts of e. */
void search_edits_apply(const struct search_edits *e, struct search_config *cfg);

/* Saves text (NULL: back to the file) as the current version of set k by
 * account at now, keeps it in the history (the newest SEARCH_DATA_HISTORY
 * per set) and moves the revision, all in one transaction. The caller has
 * checked text with search_data_check. DB_OK or an error. */
int search_data_save(struct db *db, enum search_data_kind k, const char *text, long long account, long long now);

#endif
