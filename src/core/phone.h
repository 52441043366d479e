/* phone.h — the one telephone number rule of epak (the back office's
 * contact points): what a person can dial from Latvia as written. */
#ifndef EPAK_CORE_PHONE_H
#define EPAK_CORE_PHONE_H

/* 1 when s is a phone number as people write one: an optional leading '+',
 * then digits with single spaces, hyphens, dots or a parenthesised group
 * between them; 3 to 15 digits (E.164's most; 3 for short numbers such as
 * 112), at most PHONE_MAX bytes. Letters, markup and anything else: 0. */
#define PHONE_MAX 32
int phone_ok(const char *s);

/* How a number written as in Latvia is dialled from abroad. */
enum phone_reach {
	PHONE_ABROAD,       /* a full number: out holds its +371 form (or s itself when it has a '+') */
	PHONE_ABROAD_MAYBE, /* a free (800...) or paid (90...) line: out holds +371..., foreign networks may refuse it */
	PHONE_LATVIA_ONLY,  /* a short number (8300, 112...): no form works from abroad; out is "" */
	PHONE_UNKNOWN,      /* not phone_ok(), or not 8 Latvian digits: out is "" */
};
#define PHONE_INTL_MAX (PHONE_MAX + 8)
/* What phone_ok() accepts, told apart: "67018989" gives "+371 67018989". */
enum phone_reach phone_abroad(const char *s, char out[PHONE_INTL_MAX]);

#endif
