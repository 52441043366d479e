/* user_cli.h — the `epak user` command (staff accounts). argv[0] is "user";
 * the return value is the exit status (0 done, 1 failed, 2 bad usage).
 *
 *   epak user add LOGIN name="Full Name" [email=ADDR] [role=admin,content,...]
 *                 [institution=SLUG]     password from standard input; an
 *                                        administrator also gets a TOTP key
 *                                        and recovery codes, printed once
 *   epak user passwd LOGIN               a new password (standard input)
 *   epak user role LOGIN add|remove ROLE [SLUG]
 *   epak user totp LOGIN                 a new TOTP key and recovery codes
 *   epak user bind-eid LOGIN PNOLV-…     log in with the eID card too
 *   epak user disable|enable LOGIN
 *   epak user list
 */
#ifndef EPAK_STORE_USER_CLI_H
#define EPAK_STORE_USER_CLI_H

#include "core/config.h"

#define USER_CLI_USAGE                                                                                                 \
	"epak user (add LOGIN name=NAME [email=ADDR] [role=ROLE,...] [institution=SLUG] | passwd LOGIN | "             \
	"role LOGIN add|remove ROLE [SLUG] | totp LOGIN | bind-eid LOGIN PNOLV-... | disable LOGIN | enable LOGIN | "  \
	"list) [--data DIR] [--db URL]"

int cmd_user(struct config *cfg, int argc, char **argv);

#endif
