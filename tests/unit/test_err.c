/* test_err.c — the one error carrier (core/err.h): first error wins, an
 * explicit err_clear() resets, NULL carriers are allowed, messages are cut and
 * never overrun, and a message may quote the carrier's own text. Each case
 * is a list of steps applied to a fresh carrier and the state expected
 * after the last one. */
#include "testutil.h"

#include <string.h>

#include "core/err.h"

enum step_kind { SET, CLEAR, SET_LONG, SET_SELF };

struct step {
	enum step_kind kind;
	enum err_code code;
	const char *msg; /* SET: the message; SET_SELF: the prefix before the carrier's own text */
};

struct err_case {
	const char *name;
	struct step steps[4];
	size_t nsteps;
	enum err_code want_code;
	const char *want_msg; /* NULL: checked by the case itself (SET_LONG) */
};

static const struct err_case cases[] = {
    {"nothing failed", {{0}}, 0, ERR_OK, ""},
    {"one error", {{SET, ERR_NOT_FOUND, "no such file"}}, 1, ERR_NOT_FOUND, "no such file"},
    {"the first of two wins",
     {{SET, ERR_UPLOAD_TOO_BIG, "inner: too large"}, {SET, ERR_BAD_REQUEST, "outer: refused"}},
     2,
     ERR_UPLOAD_TOO_BIG,
     "inner: too large"},
    {"the first of three wins",
     {{SET, ERR_UNAVAILABLE, "a"}, {SET, ERR_INTERNAL, "b"}, {SET, ERR_NOT_FOUND, "c"}},
     3,
     ERR_UNAVAILABLE,
     "a"},
    {"clear forgets", {{SET, ERR_INTERNAL, "gone"}, {CLEAR, ERR_OK, NULL}}, 2, ERR_OK, ""},
    {"clear, then the next error speaks",
     {{SET, ERR_INTERNAL, "inner"}, {CLEAR, ERR_OK, NULL}, {SET, ERR_BAD_REQUEST, "outer"}},
     3,
     ERR_BAD_REQUEST,
     "outer"},
    {"ERR_OK is taken as ERR_INTERNAL", {{SET, ERR_OK, "no code"}}, 1, ERR_INTERNAL, "no code"},
    {"an empty message still fails", {{SET, ERR_FORBIDDEN, ""}}, 1, ERR_FORBIDDEN, ""},
    {"a long message is cut", {{SET_LONG, ERR_INTERNAL, NULL}}, 1, ERR_INTERNAL, NULL},
    {"quoting the carrier after a clear",
     {{SET, ERR_INTERNAL, "inner reason"}, {SET_SELF, ERR_BAD_REQUEST, "outer: "}},
     2,
     ERR_BAD_REQUEST,
     "outer: inner reason"},
};

static void run_case(const struct err_case *c)
{
	struct err e = {0};
	char copy[sizeof(e.msg)];
	char big[3000];
	size_t i;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < c->nsteps; i++) {
		const struct step *s = &c->steps[i];

		switch (s->kind) {
		case SET: err_set(&e, s->code, "%s", s->msg); break;
		case CLEAR: err_clear(&e); break;
		case SET_LONG: err_set(&e, s->code, "%s", big); break;
		case SET_SELF:
			/* the outer replaces the inner reason, quoting it: the
			 * message is read from the carrier being written */
			memcpy(copy, e.msg, sizeof(copy));
			err_clear(&e);
			err_set(&e, s->code, "%s%s", s->msg, copy);
			break;
		}
	}
	if (e.code != c->want_code)
		fail_msg("%s: code %d, want %d", c->name, (int)e.code, (int)c->want_code);
	assert_int_equal(err_failed(&e), c->want_code != ERR_OK);
	if (c->want_msg) {
		if (strcmp(e.msg, c->want_msg) != 0)
			fail_msg("%s: message \"%s\", want \"%s\"", c->name, e.msg, c->want_msg);
	} else {
		assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
		assert_int_equal(strspn(e.msg, "x"), sizeof(e.msg) - 1);
	}
}

static void err_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* A format argument pointing into the carrier itself, as an outer function
 * that adds context to an inner reason would pass it. */
static void err_quotes_itself(void **state)
{
	struct err e = {0};

	(void)state;
	err_set(&e, ERR_INTERNAL, "%s", "abc");
	err_clear(&e);
	err_set(&e, ERR_BAD_REQUEST, "x: %s", "abc");
	err_set(&e, ERR_INTERNAL, "ignored: %s", e.msg);
	assert_string_equal(e.msg, "x: abc");
	e.code = ERR_OK; /* as if cleared, the text still there */
	err_set(&e, ERR_INTERNAL, "y: %s", e.msg);
	assert_string_equal(e.msg, "y: x: abc");
}

/* NULL carriers: a caller that does not want the reason. */
static void err_null_carrier(void **state)
{
	(void)state;
	err_set(NULL, ERR_INTERNAL, "nobody listens");
	err_clear(NULL);
	assert_int_equal(err_failed(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(err_table),
	    cmocka_unit_test(err_quotes_itself),
	    cmocka_unit_test(err_null_carrier),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
