/* personal.h — the one rule for "this text may hold personal data", for
 * text epak would otherwise keep about what people typed (the counted
 * queries that found nothing: web/search_log.c). It errs on the side of
 * dropping: a text is personal-looking when it holds
 *
 *   - an "@" (ASCII or full-width): an e-mail address, or part of one;
 *   - a run of 6 or more digits, where spaces, dots, hyphens, slashes,
 *     parentheses and "+" inside the run do not break it: a Latvian
 *     personal code (DDMMYY-NNNNN, 32NNNN-NNNNN), a phone number
 *     (+371 2xxx xxxx), an account or card number, a date of birth
 *     written as digits. ASCII and full-width digits count.
 *
 * Four-digit years, house numbers and "2. līmenis" are not personal. */
#ifndef EPAK_CORE_PERSONAL_H
#define EPAK_CORE_PERSONAL_H

#include <stddef.h>

#define PERSONAL_DIGIT_RUN 6

/* 1 when s[0..n) looks as if it holds personal data (above), else 0. */
int text_looks_personal(const char *s, size_t n);

#endif
