/* phone.c — see phone.h. */
#include "core/phone.h"

#include <stdio.h>
#include <string.h>

int phone_ok(const char *s)
{
	size_t digits = 0, n;
	int paren = 0, sep = 1; /* sep: the previous character was a separator (or the start) */

	if (!s)
		return 0;
	n = strlen(s);
	if (n == 0 || n > PHONE_MAX)
		return 0;
	if (*s == '+')
		s++;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			digits++;
			sep = 0;
		} else if (*s == '(' && !paren && sep) {
			paren = 1;
		} else if (*s == ')' && paren == 1 && !sep) {
			paren = 2;
		} else if ((*s == ' ' || *s == '-' || *s == '.') && !sep) {
			sep = 1;
			continue;
		} else {
			return 0;
		}
		if (*s == '(' || *s == ')')
			sep = *s == '(';
	}
	return digits >= 3 && digits <= 15 && !sep && paren != 1;
}

enum phone_reach phone_abroad(const char *s, char out[PHONE_INTL_MAX])
{
	char d[16];
	size_t n = 0;
	const char *p;

	out[0] = '\0';
	if (!phone_ok(s))
		return PHONE_UNKNOWN;
	if (*s == '+') {
		snprintf(out, PHONE_INTL_MAX, "%s", s);
		return PHONE_ABROAD;
	}
	for (p = s; *p; p++)
		if (*p >= '0' && *p <= '9')
			d[n++] = *p; /* phone_ok(): at most 15 */
	d[n] = '\0';
	if (n < 8 && n >= 3)
		return PHONE_LATVIA_ONLY;
	if (n != 8)
		return PHONE_UNKNOWN;
	snprintf(out, PHONE_INTL_MAX, "+371 %s", d);
	return !strncmp(d, "800", 3) || !strncmp(d, "90", 2) ? PHONE_ABROAD_MAYBE : PHONE_ABROAD;
}
