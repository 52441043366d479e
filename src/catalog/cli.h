/* cli.h — `epak import` and `epak export`.
 *
 *   epak import [--if-empty] FILE...     CPSV-AP JSON-LD or Turtle, one transaction;
 *                                        --if-empty: only into a catalog without nodes
 *   epak export [-o FILE] [-s SERVICE]   the catalog (or one service) as CPSV-AP JSON-LD
 *
 * argv[0] is the subcommand's name and the rest its positional arguments
 * (the settings --data, --db, ... are read by main.c into cfg). The database
 * is cfg->db when set, else cfg->data/epak.db, and must be migrated.
 */
#ifndef EPAK_CATALOG_CLI_H
#define EPAK_CATALOG_CLI_H

struct config;

int cmd_import(struct config *cfg, int argc, char **argv);
int cmd_export(struct config *cfg, int argc, char **argv);

#endif
