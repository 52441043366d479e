/* phone.c — see phone.h. */
#include "core/phone.h"

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
