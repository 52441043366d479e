/* when.c — Riga time (when.h). */
#include "core/when.h"

#include <stdio.h>

/* The last Sunday of a month at 01:00 UTC. */
static time_t last_sunday_0100(int year, int month)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct tm tm = {0};
	time_t t;
	int days = mdays[month - 1];

	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		days = 29;
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = days;
	tm.tm_hour = 1;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return t - (time_t)tm.tm_wday * 86400;
}

long when_riga_offset(time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	return t >= last_sunday_0100(tm.tm_year + 1900, 3) && t < last_sunday_0100(tm.tm_year + 1900, 10) ? 10800
													  : 7200;
}

void when_riga(time_t t, enum lang lang, char out[WHEN_LEN])
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t local = t + when_riga_offset(t);
	struct tm tm;

	gmtime_r(&local, &tm);
	if (lang == LANG_EN)
		snprintf(out, WHEN_LEN, "%d %s %d, %02d:%02d", tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
			 tm.tm_hour, tm.tm_min);
	else
		snprintf(out, WHEN_LEN, "%02d.%02d.%d. %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900,
			 tm.tm_hour, tm.tm_min);
}

void when_iso(time_t t, char out[WHEN_ISO_LEN])
{
	struct tm tm;

	out[0] = 0;
	if (t && gmtime_r(&t, &tm))
		strftime(out, WHEN_ISO_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
