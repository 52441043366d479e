/* personal.c — see personal.h. */
#include "core/personal.h"

#include <string.h>

int text_looks_personal(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned char c = p[i];

		if (c == '@')
			return 1;
		/* full-width forms U+FF10..U+FF19 (digits) and U+FF20 ("@"):
		 * EF BC 90..99, EF BC A0 */
		if (c == 0xEF && i + 2 < n && p[i + 1] == 0xBC) {
			if (p[i + 2] == 0xA0)
				return 1;
			if (p[i + 2] >= 0x90 && p[i + 2] <= 0x99) {
				if (++run >= PERSONAL_DIGIT_RUN)
					return 1;
				i += 3;
				continue;
			}
		}
		if (c >= '0' && c <= '9') {
			if (++run >= PERSONAL_DIGIT_RUN)
				return 1;
		} else if (!(c == ' ' || c == '.' || c == '-' || c == '/' || c == '(' || c == ')' || c == '+' ||
			     c == '\t')) {
			run = 0;
		}
		i++;
	}
	return 0;
}
