/* test_workday.c — Latvian working days (core/workday.h): the public
 * holidays of several years as the law lists them (Easter from published
 * tables), the moves of 4 May and 18 November from a weekend to Monday, and
 * due dates counted over weekends, Christmas and Easter in Riga time. */
#include "testutil.h"
#include "core/workday.h"

#include <time.h>

static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {0};

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static void holidays_table(void **state)
{
	static const struct {
		int y, m, d, holiday;
	} t[] = {
	    {2026, 1, 1, 1},   {2026, 1, 2, 0},   {2026, 4, 3, 1},   {2026, 4, 5, 1},   {2026, 4, 6, 1},
	    {2026, 4, 7, 0},   {2025, 4, 18, 1},  {2025, 4, 21, 1},  {2025, 4, 22, 0},  {2027, 3, 26, 1},
	    {2027, 3, 29, 1},  {2024, 3, 29, 1},  {2024, 4, 1, 1},   {2026, 5, 1, 1},   {2026, 5, 4, 1},
	    {2026, 5, 5, 0},   {2025, 5, 4, 1},   {2025, 5, 5, 1},   {2025, 5, 6, 0},   {2024, 5, 4, 1},
	    {2024, 5, 6, 1},   {2024, 5, 5, 0},   {2026, 6, 23, 1},  {2026, 6, 24, 1},  {2026, 6, 25, 0},
	    {2026, 11, 18, 1}, {2026, 11, 19, 0}, {2023, 11, 18, 1}, {2023, 11, 20, 1}, {2023, 11, 21, 0},
	    {2029, 11, 18, 1}, {2029, 11, 19, 1}, {2029, 11, 20, 0}, {2026, 12, 24, 1}, {2026, 12, 25, 1},
	    {2026, 12, 26, 1}, {2026, 12, 27, 0}, {2026, 12, 31, 1}, {2026, 12, 30, 0}, {2026, 11, 23, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (workday_holiday(t[i].y, t[i].m, t[i].d) != t[i].holiday)
			fail_msg("%04d-%02d-%02d: holiday %d expected", t[i].y, t[i].m, t[i].d, t[i].holiday);
	}
	assert_false(workday_is(2026, 12, 5)); /* Saturday */
	assert_false(workday_is(2026, 12, 6)); /* Sunday */
	assert_true(workday_is(2026, 12, 7));  /* Monday */
	assert_false(workday_is(2025, 5, 5));  /* 4 May on a Sunday moved */
}

static void due_dates(void **state)
{
	(void)state;
	/* Friday before Christmas: 21, 22, 23, (24-27 off), 28, 29 December;
	 * the end of the 29th in Riga (EET, +2) */
	assert_int_equal(workday_add(utc(2026, 12, 18, 12, 0, 0), 5), utc(2026, 12, 29, 21, 59, 59));
	/* Thursday before Easter: Good Friday, the weekend, Easter Monday off;
	 * summer time (+3) */
	assert_int_equal(workday_add(utc(2026, 4, 2, 10, 0, 0), 1), utc(2026, 4, 7, 20, 59, 59));
	/* late on Sunday evening UTC is already Monday in Riga */
	assert_int_equal(workday_add(utc(2026, 12, 6, 23, 0, 0), 1), utc(2026, 12, 8, 21, 59, 59));
	/* a plain week */
	assert_int_equal(workday_add(utc(2026, 12, 7, 9, 0, 0), 5), utc(2026, 12, 14, 21, 59, 59));
	assert_int_equal(workday_add(utc(2026, 12, 7, 9, 0, 0), 0), utc(2026, 12, 7, 21, 59, 59));
	/* across the New Year: 31 Dec and 1 Jan off */
	assert_int_equal(workday_add(utc(2026, 12, 30, 9, 0, 0), 1), utc(2027, 1, 4, 21, 59, 59));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(holidays_table),
	    cmocka_unit_test(due_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
