/* workday.c — see workday.h. */
#include "core/workday.h"

#include "core/when.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* 0 Monday .. 6 Sunday. */
static int weekday(long days)
{
	long w = (days + 3) % 7; /* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

/* Easter Sunday (the anonymous Gregorian algorithm), in days since 1970. */
static long easter(int y)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451, month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;

	return days_from_civil(y, month, day);
}

/* A holiday that moves to Monday when it falls on a weekend. */
static int moved(int y, int m, int d, int hm, int hd)
{
	long day = days_from_civil(y, m, d), h = days_from_civil(y, hm, hd);
	int w = weekday(h);

	if (day == h)
		return 1;
	return w >= 5 && weekday(day) == 0 && day - h <= 2 && day > h;
}

int workday_holiday(int y, int m, int d)
{
	long day = days_from_civil(y, m, d), e = easter(y);

	if ((m == 1 && d == 1) || (m == 5 && d == 1) || (m == 6 && (d == 23 || d == 24)) ||
	    (m == 12 && (d == 24 || d == 25 || d == 26 || d == 31)))
		return 1;
	if (day == e - 2 || day == e || day == e + 1)
		return 1;
	return moved(y, m, d, 5, 4) || moved(y, m, d, 11, 18);
}

int workday_is(int y, int m, int d)
{
	return weekday(days_from_civil(y, m, d)) < 5 && !workday_holiday(y, m, d);
}

time_t workday_add(time_t t, int days)
{
	time_t local = t + when_riga_offset(t), end;
	long day = (long)(local >= 0 ? local / 86400 : (local - 86399) / 86400);
	int y, m, d, guard = 0;

	while (days > 0 && guard++ < 3660) {
		day++;
		civil_from_days(day, &y, &m, &d);
		if (workday_is(y, m, d))
			days--;
	}
	end = (time_t)day * 86400 + 86399;
	return end - when_riga_offset(end - 10800);
}
