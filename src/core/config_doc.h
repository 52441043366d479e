/* config_doc.h — the man pages epak(1) and epak.conf(5) and the commented
 * /etc/epak/epak.conf, generated from main.c's command list and config.c's
 * key table so that none of them can drift from the code (`epak doc`).
 */
#ifndef EPAK_CONFIG_DOC_H
#define EPAK_CONFIG_DOC_H

#include <stddef.h>
#include <stdio.h>

/* One subcommand as `epak --help` lists it. */
struct doc_command {
	const char *name;
	const char *summary;
	const char *usage;
	int own_options; /* parses its own options (else: the common settings) */
};

/* epak(1): every subcommand with its summary and usage, the common options,
 * environment and files. date is "YYYY-MM-DD". 0, or -1 on a write error. */
int config_doc_man1(FILE *out, const struct doc_command *cmds, size_t n, const char *version, const char *date);
/* epak.conf(5): every key with its type, default, meaning, environment
 * variable and flag. 0, or -1 on a write error. */
int config_doc_man5(FILE *out, const char *version, const char *date);
/* The configuration file with every key commented out at its default,
 * its meaning above it. 0, or -1 on a write error. */
int config_doc_conf(FILE *out);

#endif
