/* notify.c — see notify.h. */
#include "core/notify.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "core/when.h"

void notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void notify_status(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", line);
}

void notify_reloading(void)
{
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%lld\nSTATUS=reloading", now_usec());
}

void notify_stopping(const char *status)
{
	sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
}

static atomic_llong watchdog_usec = -1;
static atomic_llong watchdog_last;

long long notify_watchdog_usec(void)
{
	long long v = atomic_load(&watchdog_usec);
	uint64_t usec = 0;

	if (v < 0) {
		/* sd_watchdog_enabled checks WATCHDOG_PID against this process */
		v = sd_watchdog_enabled(0, &usec) > 0 ? (long long)usec : 0;
		atomic_store(&watchdog_usec, v);
	}
	return v;
}

void notify_watchdog(void)
{
	long long every = notify_watchdog_usec(), now;

	if (every <= 0)
		return;
	now = now_usec();
	if (now - atomic_load(&watchdog_last) < every / 2)
		return;
	atomic_store(&watchdog_last, now);
	sd_notify(0, "WATCHDOG=1");
}

int notify_listen_fds(int *fds, int *cert, int max, char *why, int whylen)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names), i, rc = 0;

	if (n <= 0) {
		free(names);
		return 0;
	}
	if (n > max) {
		snprintf(why, (size_t)whylen, "%d sockets passed, at most %d are served", n, max);
		rc = -1;
	}
	for (i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (rc == 0 && sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
			snprintf(why, (size_t)whylen, "passed descriptor %d (%s) is not a listening stream socket", fd,
				 names && names[i] ? names[i] : "?");
			rc = -1;
		}
		if (rc == 0) {
			fds[i] = fd;
			cert[i] = names && names[i] && !strcmp(names[i], NOTIFY_FD_TLS_CLIENT);
		}
		if (names)
			free(names[i]);
	}
	free(names);
	return rc == 0 ? n : -1;
}
