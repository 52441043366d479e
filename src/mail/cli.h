/* cli.h — the `epak mail` command. argv[0] is "mail"; the return value is
 * the process exit status (0 done, 1 failed, 2 bad usage).
 *
 *   epak mail send-test ADDR          queue a test message to ADDR
 *                                     (--to ADDR too, when main.c passes it on)
 *   epak mail deliver                 one delivery pass now (every due message)
 *   epak mail status                  messages by state, recent failures
 *
 * The database comes from cfg (--db, or the SQLite file in --data), and so
 * do the mail settings (smtp-* and mail-* keys, see mail_config_from()). Nothing printed names
 * an address or shows content.
 */
#ifndef EPAK_MAIL_CLI_H
#define EPAK_MAIL_CLI_H

#include "core/config.h"

#define MAIL_CLI_USAGE "epak mail (send-test ADDR | deliver | status) [--data DIR] [--db URL]"

int cmd_mail(struct config *cfg, int argc, char **argv);

#endif
