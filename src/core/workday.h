/* workday.h — Latvian working days: Monday to Friday except the public
 * holidays of the law "Par svētku, atceres un atzīmējamām dienām" (1 Jan,
 * Good Friday, Easter Monday, 1 May, 4 May, 23 and 24 Jun, 18 Nov, 24 to
 * 26 Dec, 31 Dec; 4 May and 18 Nov moved to the Monday after when they fall
 * on a weekend). The Song and Dance Festival's closing day, a holiday only
 * in its years, and holidays declared once by the Saeima are not known. */
#ifndef EPAK_CORE_WORKDAY_H
#define EPAK_CORE_WORKDAY_H

#include <time.h>

/* 1 when the date (y, month 1-12, day 1-31) is a public holiday. */
int workday_holiday(int y, int m, int d);
/* 1 when the date is a working day: not Saturday, Sunday or a holiday. */
int workday_is(int y, int m, int d);
/* The end (23:59:59 Riga time) of the days-th working day after the day
 * (in Riga) of t; days <= 0: the end of t's own day. */
time_t workday_add(time_t t, int days);

#endif
