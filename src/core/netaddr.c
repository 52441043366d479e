/* netaddr.c — see netaddr.h. */
#include "core/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int in_net(const unsigned char *net, int bits, const unsigned char *a)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(net, a, (size_t)full) != 0)
		return 0;
	return !rest || ((net[full] ^ a[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static int parse_one(const char *item, size_t len, struct netlist *out)
{
	char buf[64];
	const char *slash;
	unsigned char a[16];
	int family, bits, maxbits, i;
	char *end;
	long b;

	if (len == 0 || len >= sizeof(buf) || out->n >= NETLIST_MAX)
		return -1;
	memcpy(buf, item, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		buf[slash - buf] = '\0';
	memset(a, 0, sizeof(a));
	if (inet_pton(AF_INET, buf, a) == 1)
		family = 4, maxbits = 32;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		family = 6, maxbits = 128;
	else
		return -1;
	bits = maxbits;
	if (slash) {
		if (!slash[1] || slash[1] < '0' || slash[1] > '9')
			return -1;
		b = strtol(slash + 1, &end, 10);
		if (*end || b < 0 || b > maxbits)
			return -1;
		bits = (int)b;
	}
	/* host bits set in the network ("10.0.0.1/8") are a typo: refused */
	for (i = bits; i < maxbits; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return -1;
	memcpy(out->net[out->n].addr, a, 16);
	out->net[out->n].family = family;
	out->net[out->n].bits = bits;
	out->n++;
	return 0;
}

int netlist_parse(const char *spec, struct netlist *out, struct err *err)
{
	const char *p = spec ? spec : "";
	size_t n;

	memset(out, 0, sizeof(*out));
	for (;;) {
		p += strspn(p, ", \t");
		if (!*p)
			return 0;
		n = strcspn(p, ", \t");
		if (parse_one(p, n, out) != 0) {
			err_set(err, ERR_VALIDATION, "'%.*s' is not an IP address or network (at most %d)",
				(int)(n > 64 ? 64 : n), p, NETLIST_MAX);
			return -1;
		}
		p += n;
	}
}

static int match_bytes(const struct netlist *l, int family, const unsigned char *a)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->net[i].family == family && in_net(l->net[i].addr, l->net[i].bits, a))
			return 1;
	return 0;
}

int netlist_match(const struct netlist *l, const struct sockaddr *sa)
{
	const struct sockaddr_in6 *a6;

	if (!l || !l->n || !sa)
		return 0;
	if (sa->sa_family == AF_INET)
		return match_bytes(l, 4, (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
	if (sa->sa_family != AF_INET6)
		return 0;
	a6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
		return match_bytes(l, 4, a6->sin6_addr.s6_addr + 12);
	return match_bytes(l, 6, a6->sin6_addr.s6_addr);
}

int netlist_match_text(const struct netlist *l, const char *addr)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return netlist_match(l, (struct sockaddr *)&s4);
	}
	if (inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		return netlist_match(l, (struct sockaddr *)&s6);
	}
	return 0;
}

static int v4_internal(const unsigned char *a)
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
	       (a[0] == 169 && a[1] == 254) || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
	       (a[0] == 192 && a[1] == 0 && a[2] == 0) || (a[0] == 198 && (a[1] & 0xfe) == 18) || a[0] >= 224 ||
	       (a[0] == 192 && a[1] == 0 && a[2] == 2) || (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
	       (a[0] == 203 && a[1] == 0 && a[2] == 113);
}

int netaddr_internal(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return v4_internal((const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6) {
		const unsigned char *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		static const unsigned char zero[15] = {0};

		static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
		static const unsigned char siit[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};

		if (!memcmp(a, mapped, 12) || !memcmp(a, zero, 12)) /* mapped or compatible IPv4, :: and ::1 */
			return !memcmp(a, zero, 15) || v4_internal(a + 12);
		/* IPv4 carried inside IPv6, which a translator or relay on the
		 * way turns back into that IPv4 address: NAT64's well-known
		 * prefix 64:ff9b::/96 (RFC 6052), SIIT's ::ffff:0:0/96 (RFC
		 * 2765) and 6to4's 2002::/16 (RFC 3056, the address in bits
		 * 16-47) */
		if (!memcmp(a, nat64, 12) || !memcmp(a, siit, 12))
			return v4_internal(a + 12);
		if (a[0] == 0x20 && a[1] == 0x02)
			return v4_internal(a + 2);
		/* NAT64 for local use 64:ff9b:1::/48 (RFC 8215), Teredo
		 * 2001::/32 (RFC 4380), discard-only 100::/64 (RFC 6666) */
		if ((a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0 && a[5] == 1) ||
		    (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) ||
		    (a[0] == 0x01 && !memcmp(a + 1, zero, 7)))
			return 1;
		return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff ||
		       (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8);
	}
	return 1; /* anything else (unix sockets, ...) */
}
