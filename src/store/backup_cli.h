/* backup_cli.h — the `epak backup` and `epak restore` commands. argv[0] is
 * the command, argv[1] the file; the return value is the exit status (0
 * done, 1 failed, 2 bad usage or PostgreSQL, whose own tools are named).
 *
 *   epak backup FILE|DIR   a consistent copy of the SQLite database, the
 *                          server secret and the files of /materiali in
 *                          one zip (DIR: a dated file in it, keeping the
 *                          newest backup-keep)
 *   epak restore FILE      check it and restore it into an empty data folder
 */
#ifndef EPAK_STORE_BACKUP_CLI_H
#define EPAK_STORE_BACKUP_CLI_H

#include "core/config.h"

#define BACKUP_USAGE "epak backup [--data DIR] [--db FILE] [--backup-keep N] FILE|FOLDER"
#define RESTORE_USAGE "epak restore [--data DIR] FILE"

int cmd_backup(struct config *cfg, int argc, char **argv);
int cmd_restore(struct config *cfg, int argc, char **argv);

#endif
