/* netaddr.h — lists of IP networks ("127.0.0.1, 10.0.0.0/8, ::1, fd00::/8")
 * for the settings that name trusted hosts (reverse proxies), and the one
 * way an address is matched against them. IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) match as the IPv4 address they carry. */
#ifndef EPAK_NETADDR_H
#define EPAK_NETADDR_H

#include <stddef.h>

#include "core/err.h"

struct sockaddr;

#define NETLIST_MAX 32

struct netlist {
	struct {
		unsigned char addr[16]; /* IPv4 in the first 4 bytes */
		int family;             /* 4 or 6 */
		int bits;               /* prefix length */
	} net[NETLIST_MAX];
	int n;
};

/* Parses a list separated by commas and/or spaces; an address without
 * "/bits" is one host. An empty spec gives an empty list. 0 on success; on
 * failure err names the bad item. */
int netlist_parse(const char *spec, struct netlist *out, struct err *err);
/* 1 when the socket address (AF_INET or AF_INET6) is in the list. */
int netlist_match(const struct netlist *l, const struct sockaddr *sa);
/* 1 when the textual address (no brackets, no port) is in the list. */
int netlist_match_text(const struct netlist *l, const char *addr);
/* 1 when the socket address is not a public one: loopback, private (RFC
 * 1918, ULA), shared (100.64/10), link-local (169.254/16 with the cloud
 * metadata address, fe80::/10), unspecified, multicast, documentation and
 * reserved ranges, also as IPv4-mapped or -compatible IPv6 and inside the
 * IPv6 forms a translator turns back into IPv4 (NAT64, SIIT, 6to4; Teredo
 * and local-use NAT64 altogether); and any family
 * other than AF_INET and AF_INET6. For outgoing fetches of URLs that
 * someone other than the operator chose. */
int netaddr_internal(const struct sockaddr *sa);

#endif
