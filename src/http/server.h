/* server.h — h2o event loops, one per thread, each with its own listening
 * sockets (SO_REUSEPORT) so the kernel spreads connections. */
#ifndef EPAK_SERVER_H
#define EPAK_SERVER_H

struct site;

/* Serves site until SIGINT or SIGTERM (or server_request_stop), reloading
 * on SIGHUP (site.reload and the TLS certificate). Listens on the sockets
 * the service manager passed (LISTEN_FDS, socket activation) when there
 * are any, else binds the listen addresses itself. Tells the service
 * manager READY, RELOADING, STOPPING and WATCHDOG (core/notify.h). A stop
 * drains: requests in flight and worker jobs finish within
 * shutdown-timeout. 0 on a clean stop. Once per process. */
int server_run(struct site *site);
/* Asks server_run to stop as those signals do (any thread). */
void server_request_stop(void);
/* Asks server_run to reload as SIGHUP does (any thread). */
void server_request_reload(void);
/* After server_run: 1 when the stop cut off requests or worker jobs at
 * shutdown-timeout. Worker jobs may still be running then: the caller
 * exits without freeing what they could use. */
int server_stop_cut(void);
/* The stop's deadline (now_usec() clock), 0 before a stop: background
 * threads stopped after server_run are bounded by it too. */
long long server_stop_deadline(void);

/* ---- for metrics and health (issue 15) ---- */
/* 1 once the server has been asked to stop (readiness answers 503). */
int server_stopping(void);
/* Client connections open now, and those closed at accept for a cap. */
int server_open_connections(void);
long long server_refused_connections(void);

#endif
