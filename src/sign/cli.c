/* cli.c — `epak sign` and `epak verify`. See cli.h. */
#include "sign/cli.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "sign/edoc.h"
#include "sign/sign.h"
#include "sign/verify.h"

static const char verify_usage[] = "usage: epak verify [--json] [--trust FILE]... [--trust-list-signer PEMFILE]\n"
				   "                   [--offline | --any-address] FILE\n"
				   "\n"
				   "Validates every signature of an .edoc/.asice (ASiC-E) container: its\n"
				   "structure and manifest, that each signature covers every data file once,\n"
				   "the digests, the signature value, the signing certificate and its path to\n"
				   "a trust anchor, revocation (embedded OCSP, or online unless --offline),\n"
				   "the time-stamp and the signing time. Results use the terms of\n"
				   "ETSI EN 319 102-1 (TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE).\n"
				   "\n"
				   "  --trust FILE     trust the certificates in FILE (PEM: roots, intermediates,\n"
				   "                   OCSP responders or TSAs), or the CA/QC and TSA services of\n"
				   "                   an ETSI TS 119 612 trusted list (XML), each only for the\n"
				   "                   times it was granted; a folder adds each of its files.\n"
				   "                   Repeatable: the EU list of lists and the member states'\n"
				   "                   lists it points to (--trust lotl.xml --trust lv.xml)\n"
				   "  --trust-list-signer PEMFILE\n"
				   "                   the certificate(s) a trusted list must be signed with (the\n"
				   "                   supervisory body's, or the list of lists' signer); a list\n"
				   "                   that does not verify is refused (exit status 3)\n"
				   "  --offline        never contact an OCSP responder, CA or CRL server\n"
				   "  --any-address    online: contact the addresses the certificates name even\n"
				   "                   when they are loopback or private (a closed network);\n"
				   "                   by default only public addresses are contacted\n"
				   "  --json           print the report as JSON\n"
				   "\n"
				   "Exit status: 0 all passed, 1 any failed, 2 indeterminate, 3 not a readable\n"
				   "container.\n";

int cmd_verify(int argc, char **argv)
{
	struct edoc_verify_opts o;
	struct edoc_trust *trust = NULL;
	struct edoc_report rep;
	struct err e = {0};
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
		} else if (strcmp(a, "--any-address") == 0) {
			o.any_address = 1;
		} else if (strcmp(a, "--trust-list-signer") == 0 && i + 1 < argc) {
			if (edoc_trust_add_list_signer(trust, argv[++i], &e) != 0) {
				fprintf(stderr, "epak verify: --trust-list-signer %s\n", e.msg);
				goto out;
			}
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
	if (edoc_trust_finish(trust, &e) != 0) {
		fprintf(stderr, "epak verify: --trust %s\n", e.msg);
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

static const char sign_usage[] =
    "usage: epak sign -o OUT.edoc [--add] (--p12 FILE | --pkcs11 MODULE --token LABEL)\n"
    "                 --pin-env VAR [--profile B|T|LT|LTA] [--tsa URL] [--ocsp URL] FILE...\n"
    "       epak sign -o OUT.edoc --extend LTA --tsa URL IN.edoc\n"
    "\n"
    "Signs FILE... into a new .edoc (ASiC-E, XAdES) container OUT. With --add,\n"
    "FILE is one existing container and a parallel signature is added to it\n"
    "(OUT may be the same path; it is replaced atomically). With --extend LTA,\n"
    "every LT signature of IN gets an archive time-stamp after what it holds (a\n"
    "renewal covers the earlier ones); no key is needed.\n"
    "\n"
    "  --p12 FILE         the key and certificate from a PKCS#12 file\n"
    "  --pkcs11 MODULE    a PKCS#11 module (e.g. the eID card's, or SoftHSM2's)\n"
    "  --token LABEL      the token; its key with a nonRepudiation certificate signs\n"
    "  --pin-env VAR      the PIN or PKCS#12 password is in environment variable VAR;\n"
    "                     if VAR is unset it is asked for on the terminal\n"
    "  --profile P        B: signature only; T: plus an RFC 3161 time-stamp;\n"
    "                     LT: plus the OCSP response (default LT with --tsa, else B);\n"
    "                     LTA: plus an archive time-stamp from the same service\n"
    "  --extend LTA       add an archive time-stamp to the signatures of IN\n"
    "  --tsa URL          the time-stamping service\n"
    "  --ocsp URL         the OCSP responder (default: from the certificate)\n";

/* The secret from the environment, else from the terminal. Malloc'd. */
static char *read_secret(const char *var, const char *what)
{
	const char *v = var ? getenv(var) : NULL;
	struct termios old, quiet;
	char line[256];
	size_t n;
	FILE *tty;
	char *out;

	if (v)
		return strdup(v);
	tty = fopen("/dev/tty", "r+");
	if (!tty)
		return NULL;
	fprintf(tty, "%s: ", what);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	out = fgets(line, sizeof(line), tty) ? line : NULL;
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (!out)
		return NULL;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	out = strdup(line);
	OPENSSL_cleanse(line, sizeof(line));
	return out;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The signature just added must hold up cryptographically (its trust is the
 * verifier's business). */
static int self_check(const struct edoc *doc, struct err *e)
{
	struct edoc_verify_opts o = {.trust = NULL, .offline = 1};
	struct edoc_report rep;
	const struct edoc_sig_result *r;
	int rc = -1;

	edoc_verify(doc, &o, &rep);
	r = rep.nsigs ? &rep.sigs[rep.nsigs - 1] : NULL;
	if (!r || r->ind == EDOC_TOTAL_FAILED)
		err_set(e, ERR_INTERNAL, "the new signature does not verify: %s", r && r->reason ? r->reason : "?");
	else
		rc = 0;
	edoc_report_free(&rep);
	return rc;
}

/* `epak sign --extend LTA`: an archive time-stamp for every signature file
 * with unsigned signature properties. */
static int extend_lta(const char *level, const char *out, const char *in, const struct edoc_sign_opts *o)
{
	struct edoc *doc = NULL;
	struct edoc_report rep;
	struct edoc_verify_opts vo = {.trust = NULL, .offline = 1};
	struct err e = {0};
	size_t i, n = 0;
	int rc = 1;

	if (strcmp(level, "LTA") != 0 || !out || !in || !o->tsa_url) {
		fprintf(stderr, "epak sign: --extend LTA needs -o OUT.edoc, --tsa URL and one container\n%s",
			sign_usage);
		return 2;
	}
	doc = edoc_open(in, NULL, &e);
	if (!doc) {
		fprintf(stderr, "epak sign: %s: %s\n", in, e.msg);
		return 1;
	}
	for (i = 0; i < doc->nsigs; i++) {
		if (edoc_extend_lta(doc, i, o, &e) != 0) {
			fprintf(stderr, "epak sign: %s: %s\n", doc->sigs[i].name, e.msg);
			goto out;
		}
		n++;
	}
	edoc_verify(doc, &vo, &rep);
	for (i = 0; i < rep.nsigs; i++)
		if (rep.sigs[i].ind == EDOC_TOTAL_FAILED)
			err_set(&e, ERR_INTERNAL, "a signature does not verify: %s", rep.sigs[i].reason);
	edoc_report_free(&rep);
	if (!n || e.code || edoc_write(doc, out, &e) != 0) {
		fprintf(stderr, "epak sign: %s\n", n ? e.msg : "the container has no signature");
		goto out;
	}
	printf("%s: archive time-stamp added to %zu signature file%s\n", out, n, n == 1 ? "" : "s");
	rc = 0;
out:
	edoc_free(doc);
	return rc;
}

int cmd_sign(int argc, char **argv)
{
	const char *out = NULL, *p12 = NULL, *module = NULL, *token = NULL, *pin_env = NULL;
	const char *profile = NULL;
	struct edoc_sign_opts o;
	struct edoc_signer *signer = NULL;
	struct edoc *doc = NULL;
	struct err e = {0};
	char *secret = NULL;
	char **files = NULL;
	const char *extend = NULL;
	int nfiles = 0, add = 0, i, rc = 2;

	memset(&o, 0, sizeof(o));
	files = calloc((size_t)argc + 1, sizeof(*files));
	if (!files)
		goto out;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(sign_usage, stdout);
			rc = 0;
			goto out;
		} else if (strcmp(a, "-o") == 0 && more) {
			out = argv[++i];
		} else if (strcmp(a, "--add") == 0) {
			add = 1;
		} else if (strcmp(a, "--extend") == 0 && more) {
			extend = argv[++i];
		} else if (strcmp(a, "--p12") == 0 && more) {
			p12 = argv[++i];
		} else if (strcmp(a, "--pkcs11") == 0 && more) {
			module = argv[++i];
		} else if (strcmp(a, "--token") == 0 && more) {
			token = argv[++i];
		} else if (strcmp(a, "--pin-env") == 0 && more) {
			pin_env = argv[++i];
		} else if (strcmp(a, "--profile") == 0 && more) {
			profile = argv[++i];
		} else if (strcmp(a, "--tsa") == 0 && more) {
			o.tsa_url = argv[++i];
		} else if (strcmp(a, "--ocsp") == 0 && more) {
			o.ocsp_url = argv[++i];
		} else if (strcmp(a, "--") == 0) {
			while (++i < argc)
				files[nfiles++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "epak sign: unknown option or missing value: %s\n%s", a, sign_usage);
			goto out;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (extend) {
		rc = extend_lta(extend, out, nfiles == 1 ? files[0] : NULL, &o);
		goto out;
	}
	if (!out || nfiles == 0 || !pin_env || (!p12 == !module) || (module && !token) || (add && nfiles != 1)) {
		fputs(sign_usage, stderr);
		goto out;
	}
	if (!profile)
		o.profile = o.tsa_url ? EDOC_PROFILE_LT : EDOC_PROFILE_B;
	else if (strcmp(profile, "B") == 0)
		o.profile = EDOC_PROFILE_B;
	else if (strcmp(profile, "T") == 0)
		o.profile = EDOC_PROFILE_T;
	else if (strcmp(profile, "LT") == 0)
		o.profile = EDOC_PROFILE_LT;
	else if (strcmp(profile, "LTA") == 0)
		o.profile = EDOC_PROFILE_LTA;
	else {
		fprintf(stderr, "epak sign: --profile is B, T, LT or LTA\n");
		goto out;
	}
	if (o.profile != EDOC_PROFILE_B && !o.tsa_url) {
		fprintf(stderr, "epak sign: profile %s needs --tsa URL\n", profile);
		goto out;
	}
	rc = 1;
	/* the documents first: no PIN is asked for a container that cannot be made */
	if (add) {
		doc = edoc_open(files[0], NULL, &e);
		if (!doc) {
			fprintf(stderr, "epak sign: %s: %s\n", files[0], e.msg);
			goto out;
		}
	} else {
		doc = edoc_new();
		for (i = 0; doc && i < nfiles; i++) {
			size_t n;
			unsigned char *data = edoc_read_file(files[i], (size_t)256 << 20, &n, &e);

			if (!data || edoc_add_file(doc, base_name(files[i]), NULL, data, n, &e) != 0) {
				fprintf(stderr, "epak sign: %s\n", e.msg);
				free(data);
				goto out;
			}
			free(data);
		}
		if (!doc)
			goto out;
	}
	secret = read_secret(pin_env, p12 ? "PKCS#12 password" : "PIN");
	if (!secret) {
		fprintf(stderr, "epak sign: $%s is not set and there is no terminal to ask on\n", pin_env);
		goto out;
	}
	signer = p12 ? edoc_signer_p12(p12, secret, &e) : edoc_signer_pkcs11(module, token, secret, &e);
	if (!signer) {
		fprintf(stderr, "epak sign: %s\n", e.msg);
		goto out;
	}
	if (edoc_sign(doc, signer, &o, &e) != 0 || self_check(doc, &e) != 0 || edoc_write(doc, out, &e) != 0) {
		fprintf(stderr, "epak sign: %s\n", e.msg);
		goto out;
	}
	printf("%s: %s signature %s added (%zu data file%s, %zu signature file%s)\n", out,
	       o.profile == EDOC_PROFILE_B    ? "B"
	       : o.profile == EDOC_PROFILE_T  ? "T"
	       : o.profile == EDOC_PROFILE_LT ? "LT"
					      : "LTA",
	       doc->sigs[doc->nsigs - 1].name, doc->nfiles, doc->nfiles == 1 ? "" : "s", doc->nsigs,
	       doc->nsigs == 1 ? "" : "s");
	rc = 0;
out:
	if (secret) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
	edoc_signer_free(signer);
	edoc_free(doc);
	free(files);
	return rc;
}
