/* hex.h — hexadecimal digits, both ways. */
#ifndef EPAK_HEX_H
#define EPAK_HEX_H

#include <stddef.h>

/* The value (0 to 15) of the hex digit c, either case; -1 for any other byte. */
int hex_value(int c);

/* Lower-case hex of p[0..n) and a NUL into out, which holds 2 * n + 1 bytes. */
void hex_encode(char *out, const void *p, size_t n);

#endif
