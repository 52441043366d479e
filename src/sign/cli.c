/* cli.c — `epak sign` and `epak verify`. See cli.h. */
#include "sign/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sign/edoc.h"
#include "sign/verify.h"

static const char verify_usage[] =
	"usage: epak verify [--json] [--trust PEMFILE]... [--offline] FILE\n"
	"\n"
	"Validates every signature of an .edoc/.asice (ASiC-E) container: its\n"
	"structure and manifest, that each signature covers every data file once,\n"
	"the digests, the signature value, the signing certificate and its path to\n"
	"a trust anchor, revocation (embedded OCSP, or online unless --offline),\n"
	"the time-stamp and the signing time. Results use the terms of\n"
	"ETSI EN 319 102-1 (TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE).\n"
	"\n"
	"  --trust PEMFILE  trust the certificates in PEMFILE (roots, intermediates,\n"
	"                   OCSP responders or TSAs); repeatable\n"
	"  --offline        never contact an OCSP responder\n"
	"  --json           print the report as JSON\n"
	"\n"
	"Exit status: 0 all passed, 1 any failed, 2 indeterminate, 3 not a readable\n"
	"container.\n";

int cmd_verify(int argc, char **argv)
{
	struct edoc_verify_opts o;
	struct edoc_trust *trust = NULL;
	struct edoc_report rep;
	struct edoc_err e = { "" };
	const char *path = NULL;
	unsigned char *p = NULL;
	size_t n = 0;
	char *out = NULL;
	int json = 0, i, rc = 3;

	memset(&o, 0, sizeof(o));
	memset(&rep, 0, sizeof(rep));
	trust = edoc_trust_new();
	if (!trust) {
		fprintf(stderr, "epak verify: out of memory\n");
		goto out;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(verify_usage, stdout);
			rc = 0;
			goto out;
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (strcmp(a, "--offline") == 0) {
			o.offline = 1;
		} else if (strcmp(a, "--trust") == 0 && i + 1 < argc) {
			if (edoc_trust_add_file(trust, argv[++i], &e) != 0) {
				fprintf(stderr, "epak verify: --trust %s\n", e.msg);
				goto out;
			}
		} else if (strncmp(a, "--trust=", 8) == 0) {
			if (edoc_trust_add_file(trust, a + 8, &e) != 0) {
				fprintf(stderr, "epak verify: --trust %s\n", e.msg);
				goto out;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "epak verify: unknown option %s\n%s", a, verify_usage);
			goto out;
		} else if (path) {
			fprintf(stderr, "epak verify: one FILE only\n%s", verify_usage);
			goto out;
		} else {
			path = a;
		}
	}
	if (!path) {
		fputs(verify_usage, stderr);
		goto out;
	}
	o.trust = trust;
	p = edoc_read_file(path, (size_t)256 << 20, &n, &e);
	if (!p) {
		fprintf(stderr, "epak verify: %s\n", e.msg);
		goto out;
	}
	rc = edoc_verify_mem(p, n, &o, &rep);
	out = json ? edoc_report_json(&rep) : edoc_report_text(&rep);
	if (out) {
		fputs(out, stdout);
		if (json)
			fputc('\n', stdout);
	}
out:
	free(out);
	free(p);
	edoc_report_free(&rep);
	edoc_trust_free(trust);
	return rc;
}

int cmd_sign(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "epak sign: not yet\n");
	return 2;
}
