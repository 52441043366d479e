/* email.c — see email.h. */
#include "core/email.h"

#include <string.h>

static int is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static int is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

int hostname_check(const char *h, size_t n)
{
	size_t i, label = 0, labels = 1;

	if (n == 0 || n > 253)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return -1;
			label = 0;
			labels++;
			continue;
		}
		if (!is_ldh(c) || (c == '-' && label == 0) || ++label > 63)
			return -1;
	}
	if (label == 0 || h[n - 1] == '-' || labels < 2)
		return -1;
	return 0;
}

enum email_problem email_check_n(const char *s, size_t n)
{
	size_t i, at = n, local;

	if (n == 0)
		return EMAIL_EMPTY;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return EMAIL_NON_ASCII;
		if (s[i] == '@') {
			if (at != n)
				return EMAIL_NO_AT;
			at = i;
		}
	}
	if (n > EMAIL_MAX)
		return EMAIL_TOO_LONG;
	if (at == n)
		return EMAIL_NO_AT;
	local = at;
	if (local > EMAIL_MAX_LOCAL)
		return EMAIL_TOO_LONG;
	if (local == 0 || s[0] == '.' || s[local - 1] == '.')
		return EMAIL_BAD_LOCAL;
	for (i = 0; i < local; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
			return EMAIL_BAD_LOCAL;
	if (hostname_check(s + at + 1, n - at - 1) != 0)
		return EMAIL_BAD_DOMAIN;
	return EMAIL_OK;
}

enum email_problem email_check(const char *s)
{
	return s ? email_check_n(s, strlen(s)) : EMAIL_EMPTY;
}
