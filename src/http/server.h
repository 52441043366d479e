/* server.h — h2o event loops, one per thread, each with its own listening
 * sockets (SO_REUSEPORT) so the kernel spreads connections. */
#ifndef EPAK_SERVER_H
#define EPAK_SERVER_H

struct site;

/* Serves site until SIGINT or SIGTERM (or server_request_stop). 0 on a
 * clean stop. Once per process. */
int server_run(struct site *site);
/* Asks server_run to stop as those signals do (any thread). */
void server_request_stop(void);

/* ---- for metrics and health (issue 15) ---- */
/* 1 once the server has been asked to stop (readiness answers 503). */
int server_stopping(void);
/* Client connections open now, and those closed at accept for a cap. */
int server_open_connections(void);
long long server_refused_connections(void);

#endif
