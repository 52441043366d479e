/* when.h — times as people in Latvia read them: Riga time (EET, EEST in
 * summer: the EU rule, from the last Sunday of March to the last Sunday of
 * October at 01:00 UTC), whatever the server's own time zone. */
#ifndef EPAK_CORE_WHEN_H
#define EPAK_CORE_WHEN_H

#include <stddef.h>
#include <time.h>

#include "core/i18n.h"

#define WHEN_LEN 40

/* "06.12.2026. 14:03" (lv) or "6 Dec 2026, 14:03" (en), Riga time; ""
 * for a moment outside the years 1 to 9999 (UTC). */
void when_riga(time_t t, enum lang lang, char out[WHEN_LEN]);
/* "2026-12-06T12:03:00Z" (UTC, ISO 8601), for files machines read (CSV);
 * "" for 0 (never). */
#define WHEN_ISO_LEN 32
void when_iso(time_t t, char out[WHEN_ISO_LEN]);
/* The offset of Riga time from UTC at t, in seconds (7200 or 10800). */
long when_riga_offset(time_t t);

/* A calendar date written as xsd:date without a time zone ("2026-12-07",
 * years 1900 to 2999): 0 with *y, *m, *d set (each may be NULL); -1 for
 * anything else ("2026-02-30", "7.12.2026", "2026-12-07Z"). */
int when_date_parse(const char *s, int *y, int *m, int *d);
/* That date as people read it: "07.12.2026." (lv) or "7 Dec 2026" (en);
 * "" when s is not such a date. */
void when_date_text(const char *s, enum lang lang, char out[WHEN_LEN]);
/* A calendar month as people read it: "12.2026." (lv) or "Dec 2026" (en);
 * "" for a month outside 1 to 12 or a year outside 1900 to 2999. */
void when_month_text(int year, int month, enum lang lang, char out[WHEN_LEN]);

/* A time of day "HH:MM" (00:00 to 23:59): 0 with *h, *min set (each may
 * be NULL); -1 for anything else ("7:05", "24:00", "12:00:00"). */
int when_time_parse(const char *s, int *h, int *min);
/* The moment (unix seconds) of a date and time as read on a clock in Riga
 * (when_date_parse and when_time_parse forms); -1 when either does not
 * read. In the hour the clocks go back the earlier moment is taken; a time
 * the clocks skip in spring is read with the winter offset. */
long long when_riga_parse(const char *date, const char *time_of_day);

/* The monotonic clock (CLOCK_MONOTONIC) in microseconds: deadlines and
 * durations, never a time of day. */
long long now_usec(void);

#endif
