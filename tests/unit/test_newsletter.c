/* test_newsletter.c — the newsletter's store side (web/newsletter.h) on
 * both engines: the retention purge, the unsubscribe token, and an issue
 * mail as the outbox stores it (one recipient, the RFC 8058 headers). */
#include "testutil.h"
#include "pgtest.h"
#include <string.h>
#include "mail/outbox.h"
#include "web/newsletter.h"

static int setup(void **state)
{
	return dbfix_setup(state, "newsletter");
}

static int teardown(void **state)
{
	return dbfix_teardown(state);
}

static const char SQL_ADD[] =
    "INSERT INTO newsletter_subscriber (email, lang, state, confirm_expires, unsub_salt, unsub_hash, created_at, "
    "unsubscribed_at) VALUES ($1, 'lv', $2, $3, 's', $1, 1, $4)";
static const char SQL_DELIVERY[] = "INSERT INTO newsletter_delivery (issue_id, subscriber_id, mail_id, at) "
				   "SELECT 1, id, 0, 1 FROM newsletter_subscriber WHERE email = $1";

static void add(struct db *db, const char *email, const char *state, long long expires, long long unsub_at)
{
	OK(db, db_exec(db, SQL_ADD, DB_P(PTEXT(email), PTEXT(state), PINT(expires), PINT(unsub_at)), NULL));
	OK(db, db_exec(db, SQL_DELIVERY, DB_P(PTEXT(email)), NULL));
}

static long long count(struct db *db, const char *sql)
{
	long long v = -1;

	OK(db, db_query_int(db, sql, NULL, 0, &v));
	return v;
}

static void test_purge(void **state)
{
	struct dbfix *fx = *state;
	long long now = 10 * 86400, n = -1;

	testdb_need(&fx->t);
	add(fx->db, "pending-old@example.lv", "pending", now - 1, 0);
	add(fx->db, "pending-new@example.lv", "pending", now + 3600, 0);
	add(fx->db, "confirmed@example.lv", "confirmed", 0, 0);
	add(fx->db, "gone-old@example.lv", "unsubscribed", 0, now - 3 * 86400);
	add(fx->db, "gone-new@example.lv", "unsubscribed", 0, now - 86400 / 2);
	assert_int_equal(newsletter_purge(fx->db, now, 2, &n), DB_OK);
	assert_int_equal(n, 2);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM newsletter_subscriber WHERE email IN "
				       "('pending-new@example.lv', 'confirmed@example.lv', 'gone-new@example.lv')"),
			 3);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM newsletter_subscriber"), 3);
	/* their delivery rows went with them */
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM newsletter_delivery"), 3);
	/* keep-days 0: unsubscribed addresses go at the next purge */
	assert_int_equal(newsletter_purge(fx->db, now, 0, &n), DB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM newsletter_subscriber WHERE state = 'unsubscribed'"), 0);
}

static void test_token(void **state)
{
	unsigned char k1[32] = {1}, k2[32] = {2};
	char a[DIGEST_HEX], b[DIGEST_HEX], c[DIGEST_HEX];

	(void)state;
	newsletter_unsub_token(k1, sizeof(k1), "00ff", a);
	newsletter_unsub_token(k1, sizeof(k1), "00ff", b);
	assert_string_equal(a, b); /* the sender derives it again for every mail */
	assert_int_equal(strlen(a), NL_TOKEN_HEX);
	newsletter_unsub_token(k2, sizeof(k2), "00ff", c);
	assert_string_not_equal(a, c); /* the database alone does not give it */
	newsletter_unsub_token(k1, sizeof(k1), "00fe", c);
	assert_string_not_equal(a, c);
}

struct enq {
	struct mail_config mc;
	long long id;
	int rc;
};

static int enqueue_body(struct db *db, void *cls)
{
	struct enq *e = cls;

	e->rc = newsletter_enqueue(db, &e->mc, LANG_EN, "https://epak.example.lv", "News", "Hello **you**",
				   "reader@example.lv", "ab12", "newsletter", &e->id);
	return e->rc;
}

static void test_enqueue(void **state)
{
	struct dbfix *fx = *state;
	struct outbox_item *it = NULL;
	struct enq e;
	char *msg;

	testdb_need(&fx->t);
	memset(&e, 0, sizeof(e));
	mail_config_defaults(&e.mc);
	snprintf(e.mc.from, sizeof(e.mc.from), "portals@epak.example.lv");
	assert_int_equal(db_tx(fx->db, enqueue_body, &e), DB_OK);
	assert_true(e.id > 0);
	assert_int_equal(outbox_claim(fx->db, 2000000000, 60, &it), DB_OK);
	assert_int_equal(it->nrcpt, 1);
	assert_string_equal(it->rcpt[0], "reader@example.lv");
	msg = malloc(it->len + 1); /* not strndup: the message has no NUL (strict_string_checks) */
	assert_non_null(msg);
	memcpy(msg, it->message, it->len);
	msg[it->len] = '\0';
	assert_non_null(strstr(msg, "\r\nTo: reader@example.lv\r\n"));
	assert_non_null(
	    strstr(msg, "\r\nList-Unsubscribe: <https://epak.example.lv/en/jaunumi/abonet/atteikties/ab12>\r\n"));
	assert_non_null(strstr(msg, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	assert_null(strstr(msg, "**")); /* the Markdown as plain text */
	free(msg);
	outbox_item_free(it);
}

static const struct backend SQLITE = {"sqlite", 0}, PG = {"postgresql", 1};

#define BOTH(fn)                                                                                                       \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)&SQLITE),                                \
	    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)&PG)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token),
	    BOTH(test_purge),
	    BOTH(test_enqueue),
	};

	pg_note_missing("test_newsletter");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
