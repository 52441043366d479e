/* report.c — a verification report rendered for people (the text of
 * `epak verify`) or as JSON (`epak verify --json`), and the ETSI EN 319
 * 102-1 names of its indications. The checks themselves are in verify.c.
 */
#include "sign/verify.h"

#include <stddef.h>

#include <jansson.h>

#include "core/buf.h"
#include "sign/evidence.h"
#include "sign/internal.h"

const char *edoc_indication_name(enum edoc_indication ind)
{
	switch (ind) {
	case EDOC_TOTAL_PASSED: return "TOTAL-PASSED";
	case EDOC_TOTAL_FAILED: return "TOTAL-FAILED";
	default: return "INDETERMINATE";
	}
}

const char *edoc_subindication_name(enum edoc_subindication sub)
{
#define EDOC_SUB_NAME(name) #name,
	static const char *const names[] = {EDOC_SUBINDICATIONS(EDOC_SUB_NAME)};
#undef EDOC_SUB_NAME

	if ((size_t)sub >= sizeof(names) / sizeof(names[0]))
		return "GENERIC";
	return names[sub];
}

/* ---- container warnings (what was read leniently) ---- */

static void container_warnings_text(struct buf *b, const struct edoc_report *r)
{
	size_t i;

	if (r->ncontainer_warnings)
		buf_printf(b, "Container warnings (%zu):\n", r->ncontainer_warnings);
	for (i = 0; i < r->ncontainer_warnings; i++)
		buf_printf(b, "  warning: %s\n", r->container_warnings[i]);
}

static json_t *container_warnings_json(const struct edoc_report *r)
{
	json_t *w = json_array();
	size_t i;

	for (i = 0; i < r->ncontainer_warnings; i++)
		json_array_append_new(w, json_string(r->container_warnings[i]));
	return w;
}

/* ---- the report ---- */

static const char *yes_no(int b)
{
	return b ? "yes" : "no";
}

/* What an INDETERMINATE result still confirms, in plain words. */
static void confirmed_words(struct buf *b, const struct edoc_sig_result *s)
{
	if (s->ind != EDOC_INDETERMINATE || s->unchecked || !s->intact)
		return;
	buf_printf(b, "  checked: the signed files are intact (unchanged since signing)%s\n",
		   s->value_ok ? ", and the signature value is mathematically correct for the signing certificate"
			       : "");
}

/* Each time-stamp and OCSP response met: its time, who issued it, and
 * whether it was used or why it was dropped. */
static void evidence_text(struct buf *b, const struct edoc_sig_result *s)
{
	size_t j;
	char t[32];

	for (j = 0; j < s->nevidence; j++) {
		const struct edoc_evidence *e = &s->evidence[j];

		if (e->time)
			sx_format_time(e->time, t);
		buf_printf(b, "  evidence: %s%s%s%s%s: %s%s\n", ev_kind_name(e->kind), e->time ? " " : "",
			   e->time ? t : "", e->by ? " by " : "", e->by ? e->by : "",
			   e->drop == EDOC_DROP_NONE ? "usable" : "dropped, ", e->why ? e->why : "");
	}
}

static const char *status_words(int status)
{
	switch (status) {
	case 0: return "all signatures are valid";
	case 1: return "NOT VALID";
	case 2: return "validity could not be established";
	default: return "not a readable .edoc/ASiC-E container";
	}
}

char *edoc_report_text(const struct edoc_report *r)
{
	struct buf b = BUF_INIT;
	size_t i, j;
	char t[32];

	buf_init(&b, 1 << 20);
	if (!r->container_ok) {
		buf_printf(&b, "Container: FORMAT_FAILURE: %s\n", r->container_error);
		goto done;
	}
	buf_printf(&b, "Data files (%zu):\n", r->nfiles);
	for (i = 0; i < r->nfiles; i++)
		buf_printf(&b, "  %s\n", r->files[i]);
	container_warnings_text(&b, r);
	if (r->nsigs == 0)
		buf_puts(&b, "Signatures: none (the container is not signed)\n");
	for (i = 0; i < r->nsigs; i++) {
		const struct edoc_sig_result *s = &r->sigs[i];

		buf_printf(&b, "Signature %zu (%s%s%s): %s", i + 1, s->file, s->id ? " #" : "", s->id ? s->id : "",
			   edoc_indication_name(s->ind));
		if (s->ind != EDOC_TOTAL_PASSED)
			buf_printf(&b, " / %s", edoc_subindication_name(s->sub));
		buf_puts(&b, "\n");
		if (s->reason)
			buf_printf(&b, "  reason:  %s\n", s->reason);
		if (s->changed)
			buf_printf(&b, "  changed: %s\n", s->changed);
		if (s->ind != EDOC_TOTAL_PASSED && !s->unchecked)
			buf_printf(&b,
				   "  confirmed: files intact %s, signature value %s, certificate trusted %s, "
				   "certificate status %s%s\n",
				   yes_no(s->intact), yes_no(s->value_ok), yes_no(s->trusted), yes_no(s->status_ok),
				   s->temporary ? " (a responder did not answer: try again later)" : "");
		confirmed_words(&b, s);
		if (s->signer_cn)
			buf_printf(&b, "  signer:  %s%s%s%s\n", s->signer_cn, s->signer_serial ? " (" : "",
				   s->signer_serial ? s->signer_serial : "", s->signer_serial ? ")" : "");
		if (s->claimed_time) {
			sx_format_time(s->claimed_time, t);
			buf_printf(&b, "  signed:  %s (claimed)\n", t);
		}
		if (s->ts_time) {
			sx_format_time(s->ts_time, t);
			buf_printf(&b, "  time-stamp: %s%s%s\n", t, s->tsa ? " by " : "", s->tsa ? s->tsa : "");
		}
		if (s->ocsp_time) {
			sx_format_time(s->ocsp_time, t);
			buf_printf(&b, "  OCSP:    %s\n", t);
		}
		if (s->profile)
			buf_printf(&b, "  profile: XAdES-BASELINE-%s\n", s->profile);
		evidence_text(&b, s);
		for (j = 0; j < s->ncovered; j++)
			buf_printf(&b, "  covers:  %s\n", s->covered[j]);
		for (j = 0; j < s->nwarnings; j++)
			buf_printf(&b, "  warning: %s\n", s->warnings[j]);
	}
done:
	buf_printf(&b, "Result: %s\n", status_words(edoc_report_status(r)));
	if (!buf_ok(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jtime(time_t t)
{
	char s[32];

	if (!t)
		return json_null();
	sx_format_time(t, s);
	return json_string(s);
}

/* The evidence as JSON: every time-stamp and OCSP response met, usable or
 * dropped (with why), and every certificate value dropped. */
static json_t *evidence_json(const struct edoc_sig_result *s)
{
	json_t *a = json_array();
	size_t j;

	for (j = 0; j < s->nevidence; j++) {
		const struct edoc_evidence *e = &s->evidence[j];

		json_array_append_new(a,
				      json_pack("{s:s, s:o, s:o, s:b, s:o, s:o}", "type", ev_kind_name(e->kind), "time",
						jtime(e->time), "by", jstr(e->by), "usable", e->drop == EDOC_DROP_NONE,
						"dropped", jstr(ev_drop_name(e->drop)), "why", jstr(e->why)));
	}
	return a;
}

char *edoc_report_json(const struct edoc_report *r)
{
	json_t *root = json_object(), *sigs = json_array(), *files = json_array();
	char *out;
	size_t i, j;

	json_object_set_new(root, "status", json_integer(edoc_report_status(r)));
	json_object_set_new(root, "container_ok", json_boolean(r->container_ok));
	json_object_set_new(root, "container_error", jstr(r->container_error));
	for (i = 0; i < r->nfiles; i++)
		json_array_append_new(files, json_string(r->files[i]));
	json_object_set_new(root, "files", files);
	json_object_set_new(root, "container_warnings", container_warnings_json(r));
	for (i = 0; i < r->nsigs; i++) {
		const struct edoc_sig_result *s = &r->sigs[i];
		json_t *o = json_object(), *cov = json_array(), *w = json_array();

		json_object_set_new(o, "file", jstr(s->file));
		json_object_set_new(o, "id", jstr(s->id));
		json_object_set_new(o, "indication", json_string(edoc_indication_name(s->ind)));
		json_object_set_new(o, "subindication",
				    s->ind == EDOC_TOTAL_PASSED ? json_null()
								: json_string(edoc_subindication_name(s->sub)));
		json_object_set_new(o, "reason", jstr(s->reason));
		json_object_set_new(o, "changed_file", jstr(s->changed));
		json_object_set_new(o, "confirmed",
				    json_pack("{s:b, s:b, s:b, s:b}", "files_intact", s->intact, "signature_value",
					      s->value_ok, "certificate_trusted", s->trusted, "certificate_status",
					      s->status_ok));
		json_object_set_new(o, "temporary", json_boolean(s->temporary));
		json_object_set_new(o, "signer", jstr(s->signer_cn));
		json_object_set_new(o, "signer_serial_number", jstr(s->signer_serial));
		json_object_set_new(o, "signer_subject", jstr(s->signer_subject));
		json_object_set_new(o, "claimed_signing_time", jtime(s->claimed_time));
		json_object_set_new(o, "timestamp_time", jtime(s->ts_time));
		json_object_set_new(o, "timestamp_authority", jstr(s->tsa));
		json_object_set_new(o, "ocsp_produced_at", jtime(s->ocsp_time));
		json_object_set_new(o, "profile", jstr(s->profile));
		json_object_set_new(o, "evidence", evidence_json(s));
		for (j = 0; j < s->ncovered; j++)
			json_array_append_new(cov, json_string(s->covered[j]));
		json_object_set_new(o, "files", cov);
		for (j = 0; j < s->nwarnings; j++)
			json_array_append_new(w, json_string(s->warnings[j]));
		json_object_set_new(o, "warnings", w);
		json_array_append_new(sigs, o);
	}
	json_object_set_new(root, "signatures", sigs);
	out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return out;
}
