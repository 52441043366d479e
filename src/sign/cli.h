/* cli.h — the `epak sign` and `epak verify` commands. argv[0] is the command
 * name ("sign" / "verify"); the return value is the process exit status.
 *
 *   epak sign -o OUT.edoc [--add] (--p12 FILE | --pkcs11 MODULE --token LABEL)
 *             --pin-env VAR [--profile B|T|LT] [--tsa URL] [--ocsp URL] FILE...
 *   epak verify [--json] [--trust PEMFILE]... [--offline] FILE
 *
 * verify exits 0 when every signature passed, 1 when any failed (or there is
 * none), 2 when any is indeterminate, 3 when FILE is not a readable
 * container; sign exits 0 on success, 1 on failure, 2 on bad usage.
 */
#ifndef EPAK_SIGN_CLI_H
#define EPAK_SIGN_CLI_H

int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
