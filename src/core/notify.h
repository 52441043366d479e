/* notify.h — the service manager's side channels (systemd): readiness,
 * status, watchdog and reload/stop notifications (sd_notify), and the
 * listening sockets it passes (socket activation, sd_listen_fds).
 *
 * Without NOTIFY_SOCKET in the environment every notify_* call does
 * nothing; without LISTEN_FDS/LISTEN_PID notify_listen_fds finds none. The
 * protocol itself is libsystemd's. */
#ifndef EPAK_NOTIFY_H
#define EPAK_NOTIFY_H

/* READY=1 with a STATUS= line. */
void notify_ready(const char *status);
/* A STATUS= line alone (printf format). */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* RELOADING=1 with MONOTONIC_USEC= (systemd's Type=notify-reload wants it). */
void notify_reloading(void);
/* STOPPING=1 with a STATUS= line. */
void notify_stopping(const char *status);
/* The watchdog interval the manager asked for (WATCHDOG_USEC for this
 * process), in microseconds; 0: no watchdog. Read once. */
long long notify_watchdog_usec(void);
/* WATCHDOG=1, at most once per half interval (call as often as you like
 * while healthy; never when not). */
void notify_watchdog(void);

/* Name of a passed socket that serves tls-client-listen (FileDescriptorName=). */
#define NOTIFY_FD_TLS_CLIENT "tls-client"

/* The listening stream sockets passed by the service manager: up to max
 * descriptors into fds, and for each whether its FileDescriptorName= is
 * NOTIFY_FD_TLS_CLIENT (cert[i] 1). Returns their count (0: none passed), or
 * -1 when something passed is not a listening stream socket (the message in
 * why). Unsets LISTEN_FDS and LISTEN_PID: children inherit nothing. */
int notify_listen_fds(int *fds, int *cert, int max, char *why, int whylen);

#endif
