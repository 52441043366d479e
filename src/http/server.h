/* server.h — h2o event loops, one per thread, each with its own listening
 * sockets (SO_REUSEPORT) so the kernel spreads connections. */
#ifndef EPAK_SERVER_H
#define EPAK_SERVER_H

struct app;

/* Serves until SIGINT or SIGTERM. 0 on a clean stop. */
int server_run(struct app *app);

#endif
