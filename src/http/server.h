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

#endif
