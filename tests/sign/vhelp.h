/* vhelp.h — helpers shared by the signature tests: editing signature XML,
 * checking verdicts, and running tables of tampering cases. Header-only,
 * included by tests/unit/test_sign*.c as "../sign/vhelp.h" after testutil.h
 * (the Makefile rebuilds the unit tests when it changes). */
#ifndef EPAK_TESTS_SIGN_VHELP_H
#define EPAK_TESTS_SIGN_VHELP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base64.h"
#include "sign/edoc.h"
#include "sign/internal.h"
#include "sign/verify.h"

/* Signature 0 of doc as a string. */
static inline char *sig_xml(const struct edoc *doc)
{
	return strndup((const char *)doc->sigs[0].data, doc->sigs[0].len);
}

/* Puts a copy of xml in place of signature 0 of doc. */
static inline void set_sig(struct edoc *doc, const char *xml)
{
	free(doc->sigs[0].data);
	doc->sigs[0].data = (unsigned char *)strdup(xml);
	doc->sigs[0].len = strlen(xml);
}

/* A new string with the first `from` replaced by `to`. */
static inline char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	size_t a, b, c;
	char *out;

	if (!p)
		fail_msg("\"%.60s\" not found", from);
	a = (size_t)(p - s);
	b = strlen(to);
	c = strlen(p + strlen(from));
	out = malloc(a + b + c + 1);
	memcpy(out, s, a);
	memcpy(out + a, to, b);
	memcpy(out + a + b, p + strlen(from), c + 1);
	return out;
}

/* The base64 content of the first element whose start tag begins with
 * `tag` (e.g. "<xades:EncapsulatedOCSPValue"): start and end offsets. */
static inline void element_b64(const char *xml, const char *tag, size_t *start, size_t *end)
{
	const char *p = strstr(xml, tag), *q;

	if (!p)
		fail_msg("%s not found", tag);
	p = strchr(p, '>') + 1;
	q = strchr(p, '<');
	*start = (size_t)(p - xml);
	*end = (size_t)(q - xml);
}

/* Decodes that element, changes one bit of the last byte of the first
 * occurrence of `needle` (or of the middle byte when needle is ""), and
 * encodes it again. */
static inline char *tamper_der(const char *xml, const char *tag, const char *needle)
{
	size_t s, e, n, i;
	char *b64, *enc, *out;
	unsigned char *der;
	size_t nl = strlen(needle);

	element_b64(xml, tag, &s, &e);
	b64 = strndup(xml + s, e - s);
	der = b64_decode_new(b64, &n);
	assert_non_null(der);
	if (nl == 0) {
		der[n / 2] ^= 0x01; /* no needle: the middle byte */
	} else {
		for (i = 0; i + nl <= n; i++)
			if (memcmp(der + i, needle, nl) == 0)
				break;
		if (i + nl > n)
			fail_msg("\"%s\" not in the DER of %s", needle, tag);
		der[i + nl - 1] ^= 0x01;
	}
	enc = b64_encode_new(der, n);
	out = malloc(strlen(xml) + strlen(enc) + 1);
	memcpy(out, xml, s);
	memcpy(out + s, enc, strlen(enc));
	memcpy(out + s + strlen(enc), xml + e, strlen(xml + e) + 1);
	free(enc);
	free(der);
	free(b64);
	return out;
}

/* ---- verdicts ---- */

/* Validates doc (offline unless online is set) and checks signature idx;
 * what, if not NULL, names the case in the failure message. */
static inline void check_sig_named(const char *what, const struct edoc *doc, const struct edoc_trust *t, int online,
				   size_t idx, enum edoc_indication ind, enum edoc_subindication sub,
				   const char *reason)
{
	struct edoc_verify_opts o = {.trust = t, .offline = !online, .any_address = online};
	struct edoc_report rep;
	int status = edoc_verify(doc, &o, &rep);
	const struct edoc_sig_result *s;

	if (rep.nsigs <= idx)
		fail_msg("%s%s%zu results", what ? what : "", what ? ": " : "", rep.nsigs);
	s = &rep.sigs[idx];
	if (s->ind != ind || (ind != EDOC_TOTAL_PASSED && s->sub != sub) ||
	    (reason && (!s->reason || !strstr(s->reason, reason)))) {
		char *txt = edoc_report_text(&rep);

		print_message("%s", txt);
		free(txt);
		edoc_report_free(&rep);
		fail_msg("%s%sexpected %s/%s", what ? what : "", what ? ": " : "", edoc_indication_name(ind),
			 edoc_subindication_name(sub));
	}
	if (rep.nsigs == 1)
		assert_int_equal(status, ind == EDOC_TOTAL_PASSED ? 0 : ind == EDOC_TOTAL_FAILED ? 1 : 2);
	edoc_report_free(&rep);
}

static inline void check_sig(const struct edoc *doc, const struct edoc_trust *t, int online, size_t idx,
			     enum edoc_indication ind, enum edoc_subindication sub, const char *reason)
{
	check_sig_named(NULL, doc, t, online, idx, ind, sub, reason);
}

static inline void check_one(const struct edoc *doc, const struct edoc_trust *t, enum edoc_indication ind,
			     enum edoc_subindication sub, const char *reason)
{
	check_sig(doc, t, 0, 0, ind, sub, reason);
}

/* ---- tampering, one table of cases ---- */

enum tamper_how {
	TAMPER_TEXT, /* the first `where` in the XML becomes `change` (replace) */
	TAMPER_DER,  /* one bit of the DER in element `where`, at the last byte
		      * of `change` (the middle byte when it is "": tamper_der) */
};

/* One change to a signature and the verdict it must get. */
struct tamper_case {
	const char *what; /* the case, named when its verdict is wrong */
	enum tamper_how how;
	const char *where;
	const char *change;
	enum edoc_indication ind;
	enum edoc_subindication sub;
	const char *reason; /* a part of the reason, or NULL */
};

/* Makes each change to xml in turn, puts the result in place of signature 0
 * of doc, checks the verdict offline against t, and leaves signature 0 as
 * xml at the end. */
static inline void check_tampered(struct edoc *doc, const char *xml, const struct edoc_trust *t,
				  const struct tamper_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct tamper_case *c = &cases[i];
		char *bad =
		    c->how == TAMPER_DER ? tamper_der(xml, c->where, c->change) : replace(xml, c->where, c->change);

		set_sig(doc, bad);
		check_sig_named(c->what, doc, t, 0, 0, c->ind, c->sub, c->reason);
		free(bad);
	}
	set_sig(doc, xml);
}

/* ---- the test PKI of tests/sign/pki.sh ---- */

/* dir/name, in one of 8 rotating buffers (several may be used in one call). */
static inline const char *pki_path(const char *dir, const char *name)
{
	static char bufs[8][512];
	static int k;
	char *p = bufs[k++ % 8];

	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

/* Runs a command's entry point (cmd_sign, cmd_verify) with a NULL-terminated
 * argument list; its exit status. */
static inline int call_cmd(int (*fn)(int, char **), const char *const *args)
{
	char *argv[32];
	int argc = 0;

	while (args[argc] && argc < 31) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	return fn(argc, argv);
}

/* Runs a shell command line of the test's own; its exit status. */
static inline int pki_run(const char *cmd)
{
	int rc = system(cmd); /* lint: allow (the test runs its own scripts) */

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Makes the PKI in a new folder /tmp/<prefix>-XXXXXX (dir, n bytes) with
 * its responder (OCSP, TSA) on 127.0.0.1; the responder's port, or -1 (the
 * setup log then goes to stderr). */
static inline int pki_setup(char *dir, size_t n, const char *prefix)
{
	char cmd[1024];
	FILE *f;
	int port = 0;

	snprintf(dir, n, "/tmp/%s-XXXXXX", prefix);
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "tests/sign/pki.sh setup %s %d >%s/setup.log 2>&1", dir, (int)getpid(), dir);
	if (pki_run(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "cat %s/setup.log >&2", dir);
		pki_run(cmd);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "%s/port", dir);
	f = fopen(cmd, "r");
	if (!f || fscanf(f, "%d", &port) != 1)
		port = -1;
	if (f)
		fclose(f);
	return port;
}

/* Stops the responder and removes the folder (kept with EPAK_KEEP_PKI). */
static inline void pki_teardown(const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "tests/sign/pki.sh stop %s; %s %s", dir,
		 getenv("EPAK_KEEP_PKI") ? ": keeping" : "rm -rf", dir);
	pki_run(cmd);
}

#endif
