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

#endif
