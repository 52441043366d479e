/* fuzz_netlist.c — the IP network lists of trusted-proxies and
 * auth-cert-proxies (core/netaddr.c): a parsed list matches each of its own
 * networks' addresses, never more than NETLIST_MAX items, no host bits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "core/netaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netlist l;
	struct err err = {0};
	char *s = malloc(size + 1);
	int i;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (netlist_parse(s, &l, &err) == 0) {
		if (l.n > NETLIST_MAX)
			abort();
		for (i = 0; i < l.n; i++) {
			struct sockaddr_in s4;
			struct sockaddr_in6 s6;

			if (l.net[i].family == 4) {
				memset(&s4, 0, sizeof(s4));
				s4.sin_family = AF_INET;
				memcpy(&s4.sin_addr, l.net[i].addr, 4);
				if (!netlist_match(&l, (struct sockaddr *)&s4))
					abort();
			} else {
				memset(&s6, 0, sizeof(s6));
				s6.sin6_family = AF_INET6;
				memcpy(&s6.sin6_addr, l.net[i].addr, 16);
				if (!netlist_match(&l, (struct sockaddr *)&s6))
					abort();
			}
		}
	} else if (!err.msg[0]) {
		abort();
	}
	netlist_match_text(&l, s);
	free(s);
	return 0;
}
