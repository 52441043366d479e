/* when.c — Riga time (when.h). */
#include "core/when.h"

#include <stdio.h>
#include <string.h>

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

/* The moments the helpers read: years 1 to 9999, give or take a day. Past
 * them a year no longer fits struct tm's int (gmtime_r fails, t + offset
 * overflows), so they are refused rather than read as garbage. */
#define WHEN_T_SPAN 253402300799LL /* 9999-12-31T23:59:59Z */

static int in_span(time_t t)
{
	return (long long)t >= -62135596800LL && (long long)t <= WHEN_T_SPAN; /* 0001-01-01T00:00:00Z */
}

long when_riga_offset(time_t t)
{
	struct tm tm;

	if (!in_span(t) || !gmtime_r(&t, &tm))
		return 7200;
	return t >= last_sunday_0100(tm.tm_year + 1900, 3) && t < last_sunday_0100(tm.tm_year + 1900, 10) ? 10800
													  : 7200;
}

/* English month abbreviations, as "7 Dec 2026" writes them. */
static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void when_riga(time_t t, enum lang lang, char out[WHEN_LEN])
{
	time_t local;
	struct tm tm;

	out[0] = '\0';
	if (!in_span(t))
		return;
	local = t + when_riga_offset(t);
	if (!gmtime_r(&local, &tm))
		return;
	if (lang == LANG_EN)
		snprintf(out, WHEN_LEN, "%d %s %d, %02d:%02d", tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
			 tm.tm_hour, tm.tm_min);
	else
		snprintf(out, WHEN_LEN, "%02d.%02d.%d. %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900,
			 tm.tm_hour, tm.tm_min);
}

int when_date_parse(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int yy, mm, dd, i, max;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	yy = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	mm = (s[5] - '0') * 10 + (s[6] - '0');
	dd = (s[8] - '0') * 10 + (s[9] - '0');
	if (yy < 1900 || yy > 2999 || mm < 1 || mm > 12)
		return -1;
	max = mdays[mm - 1] + (mm == 2 && ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0));
	if (dd < 1 || dd > max)
		return -1;
	if (y)
		*y = yy;
	if (m)
		*m = mm;
	if (d)
		*d = dd;
	return 0;
}

void when_date_text(const char *s, enum lang lang, char out[WHEN_LEN])
{
	int y, m, d;

	out[0] = '\0';
	if (when_date_parse(s, &y, &m, &d) != 0)
		return;
	if (lang == LANG_EN)
		snprintf(out, WHEN_LEN, "%d %s %d", d, mon[m - 1], y);
	else
		snprintf(out, WHEN_LEN, "%02d.%02d.%d.", d, m, y);
}

void when_month_text(int year, int month, enum lang lang, char out[WHEN_LEN])
{
	out[0] = '\0';
	if (year < 1900 || year > 2999 || month < 1 || month > 12)
		return;
	if (lang == LANG_EN)
		snprintf(out, WHEN_LEN, "%s %d", mon[month - 1], year);
	else
		snprintf(out, WHEN_LEN, "%02d.%d.", month, year);
}

void when_iso(time_t t, char out[WHEN_ISO_LEN])
{
	struct tm tm;

	out[0] = 0;
	if (t && gmtime_r(&t, &tm))
		strftime(out, WHEN_ISO_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int when_time_parse(const char *s, int *h, int *min)
{
	int hh, mm;

	if (strlen(s) != 5 || s[2] != ':' || strspn(s, "0123456789") != 2 || strspn(s + 3, "0123456789") != 2)
		return -1;
	hh = (s[0] - '0') * 10 + (s[1] - '0');
	mm = (s[3] - '0') * 10 + (s[4] - '0');
	if (hh > 23 || mm > 59)
		return -1;
	if (h)
		*h = hh;
	if (min)
		*min = mm;
	return 0;
}

long long when_riga_parse(const char *date, const char *time_of_day)
{
	struct tm tm = {0};
	int y, mo, d, h, mi;
	time_t local, t;

	if (when_date_parse(date, &y, &mo, &d) != 0 || when_time_parse(time_of_day, &h, &mi) != 0)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	local = timegm(&tm);
	/* summer time first: of the two readings of an autumn hour, the earlier */
	t = local - 10800;
	if (when_riga_offset(t) == 10800)
		return (long long)t;
	return (long long)(local - 7200);
}

long long now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}
