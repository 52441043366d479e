/* verify_report.c — see verify_report.h. Every text a person reads is a
 * msgid here or in the template; the reasons verify.c writes (English, for
 * support staff) appear only under the technical details. */
#include "web/verify_report.h"

#include <string.h>
#include <time.h>

#include "core/base64.h"
#include "core/when.h"
#include "web/app.h"
#include "web/verify_job.h"
#include "web/web.h"

/* Files up to this size (together) are offered for download inside the page. */
#define VERIFY_INLINE_MAX (2 * 1024 * 1024)

/* Why the certificate's status is missing: only a responder that did not
 * answer is a reason to try again; a document that holds no confirmation,
 * or a stale one, will not get one by waiting. */
static const char *status_missing_text(const struct edoc_sig_result *s)
{
	size_t k;

	for (k = 0; !s->temporary && !s->ocsp_time && k < s->nevidence; k++)
		if (s->evidence[k].kind == EDOC_EV_OCSP && s->evidence[k].drop != EDOC_DROP_NONE)
			return N_(
			    "The confirmation of the certificate's validity attached to this document could not be "
			    "used (see the list below), and this portal does not request one online, so the "
			    "certificate's validity could not be confirmed.");
	if (s->temporary)
		return N_("The service that confirms whether the signer's certificate was valid did not answer, so the "
			  "certificate's validity could not be confirmed now. This is usually temporary: check the "
			  "document again in a few minutes.");
	if (s->ocsp_time)
		return N_("The confirmation of the certificate's validity in this document was issued before the "
			  "document was signed, so it does not cover the signing.");
	return N_("The document holds no confirmation that the signer's certificate was valid when it was signed, "
		  "and this portal does not request one online, so the certificate's validity could not be confirmed.");
}

/* What each sub-indication means, for a person. */
static const char *why_text(const struct edoc_sig_result *s)
{
	switch (s->sub) {
	case EDOC_SUB_NONE: return NULL;
	case EDOC_SUB_FORMAT_FAILURE: return N_("The signature is not built the way the standard requires.");
	case EDOC_SUB_HASH_FAILURE: return N_("A signed file or the signed details were changed after signing.");
	case EDOC_SUB_SIG_CRYPTO_FAILURE:
		return N_("The signature value, or the proof attached to it, does not match.");
	case EDOC_SUB_REVOKED: return N_("The signer's certificate was revoked.");
	case EDOC_SUB_EXPIRED: return N_("The signer's certificate had expired.");
	case EDOC_SUB_NOT_YET_VALID: return N_("The signer's certificate was not yet valid at the time of signing.");
	case EDOC_SUB_NO_SIGNING_CERTIFICATE_FOUND: return N_("The signer's certificate is missing.");
	case EDOC_SUB_NO_CERTIFICATE_CHAIN_FOUND:
		return N_("The signer's certificate was not issued by a certification authority this portal trusts.");
	case EDOC_SUB_REVOKED_CA_NO_POE:
		return N_("The certificate of an authority that issued the signer's certificate was revoked before the "
			  "document was proven to exist.");
	case EDOC_SUB_REVOKED_NO_POE:
	case EDOC_SUB_REVOCATION_OUT_OF_BOUNDS_NO_POE:
	case EDOC_SUB_OUT_OF_BOUNDS_NO_POE:
		return N_("There is no trustworthy proof that the certificate was valid when the document was signed.");
	case EDOC_SUB_TIMESTAMP_ORDER_FAILURE: return N_("The times recorded in the signature contradict each other.");
	case EDOC_SUB_SIGNED_DATA_NOT_FOUND: return N_("A file the signature refers to is missing from the container.");
	case EDOC_SUB_TRY_LATER: return status_missing_text(s);
	case EDOC_SUB_SIG_CONSTRAINTS_FAILURE:
	case EDOC_SUB_CHAIN_CONSTRAINTS_FAILURE:
	case EDOC_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE:
	case EDOC_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE:
	case EDOC_SUB_GENERIC: break;
	}
	return N_("The signature does not meet the requirements for a secure e-signature.");
}

static const char *profile_text(const char *p)
{
	if (!p)
		return NULL;
	if (!strcmp(p, "B"))
		return N_("basic signature, without a time-stamp");
	if (!strcmp(p, "T"))
		return N_("signature with a time-stamp");
	if (!strcmp(p, "LT") || !strcmp(p, "LT-TM"))
		return N_("signature with a time-stamp and the certificate's validity confirmation");
	if (!strcmp(p, "LTA"))
		return N_("signature with a time-stamp, the certificate's validity confirmation and an archive "
			  "time-stamp");
	return NULL;
}

/* The signature level as ETSI names it (EN 319 132-1); LT-TM is the BDOC
 * time-mark, which has no baseline name. */
static const char *profile_code(struct req *r, const char *p)
{
	if (!p)
		return NULL;
	if (!strcmp(p, "LT-TM"))
		return "XAdES LT-TM (BDOC time-mark)";
	return arena_printf(r->arena, "XAdES-BASELINE-%s", p);
}

static json_t *time_json(struct req *r, time_t t)
{
	char s[WHEN_LEN];

	if (!t)
		return json_null();
	when_riga(t, r->lang, s);
	return json_string(s);
}

/* Sets key to s, or to null: a key present in each item keeps a section
 * from reading the same name in an outer context. */
static void set_str(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, s ? json_string(s) : json_null());
}

/* Adds a confirmed (yes) or not confirmed (no) item; returns ok. */
static int add_check(struct req *r, json_t *a, int ok, const char *yes, const char *no)
{
	json_array_append_new(a,
			      json_pack("{s:b, s:s, s:n}", "ok", ok, "text", i18n_tr(r->lang, ok ? yes : no), "file"));
	return ok;
}

/* What was confirmed about one signature, in the order the checks run, up
 * to the first that was not (the later ones were not reached). */
static json_t *checks_json(struct req *r, const struct edoc_sig_result *s)
{
	json_t *a = json_array();

	if (s->changed) {
		json_array_append_new(a, json_pack("{s:b, s:s, s:s}", "ok", 0, "text",
						   i18n_tr(r->lang, N_("This file was changed after signing:")), "file",
						   s->changed));
		return a;
	}
	if (add_check(r, a, s->intact, N_("The signed files have not been changed since signing."),
		      N_("It could not be confirmed that the signed files are unchanged.")) &&
	    add_check(r, a, s->value_ok,
		      N_("The signature value is mathematically correct: it was made with the signer's certificate."),
		      N_("It could not be confirmed that the signature was made with the signer's certificate.")) &&
	    add_check(r, a, s->trusted,
		      N_("The signer's certificate was issued by a certification authority this portal trusts."),
		      N_("It could not be confirmed that the signer's certificate was issued by a certification "
			 "authority this portal trusts.")) &&
	    add_check(r, a, s->status_ok,
		      N_("The signer's certificate was valid (not revoked) when the document was signed."),
		      N_("It could not be confirmed that the signer's certificate was valid when the document was "
			 "signed.")) &&
	    s->ts_time)
		add_check(r, a, 1, N_("A trusted time-stamp confirms when the document was signed."), NULL);
	return a;
}

/* What a piece of evidence is, for a person. */
static const char *evidence_kind_text(enum edoc_ev_kind k)
{
	switch (k) {
	case EDOC_EV_TIMESTAMP: return N_("Time-stamp");
	case EDOC_EV_OCSP: return N_("Confirmation of the certificate's validity (OCSP)");
	default: return N_("Certificate attached to the signature");
	}
}

/* Whether it was used, or why it was set aside, for a person. */
static const char *evidence_status_text(enum edoc_ev_drop d)
{
	switch (d) {
	case EDOC_DROP_NONE: return N_("used");
	case EDOC_DROP_MALFORMED: return N_("set aside: it is damaged and cannot be read");
	case EDOC_DROP_BAD_SIGNATURE: return N_("set aside: its own electronic signature does not match");
	case EDOC_DROP_OTHER_DATA: return N_("set aside: it belongs to other data, not to this signature");
	case EDOC_DROP_OTHER_CERT: return N_("set aside: it is about another certificate");
	case EDOC_DROP_UNTRUSTED: return N_("set aside: it was issued by a service this portal does not trust");
	case EDOC_DROP_TOO_MANY: break;
	}
	return N_("set aside: the signature holds more of these than are checked");
}

/* Every time-stamp and validity confirmation found, with its time, and
 * the additions set aside (why); each item sets every key it may name. */
static json_t *evidence_json(struct req *r, const struct edoc_sig_result *s)
{
	json_t *a = json_array();
	size_t k;

	for (k = 0; k < s->nevidence; k++) {
		const struct edoc_evidence *e = &s->evidence[k];
		json_t *o = json_object();

		json_object_set_new(o, "kind", json_string(i18n_tr(r->lang, evidence_kind_text(e->kind))));
		json_object_set_new(o, "time", time_json(r, e->time));
		set_str(o, "by", e->by);
		json_object_set_new(o, "usable", json_boolean(e->drop == EDOC_DROP_NONE));
		json_object_set_new(o, "status", json_string(i18n_tr(r->lang, evidence_status_text(e->drop))));
		json_array_append_new(a, o);
	}
	return a;
}

/* The EN 319 102-1 result, the level and the checker's own reason. */
static json_t *tech_json(struct req *r, const struct edoc_sig_result *s)
{
	json_t *t = json_object(), *w = json_array();
	size_t k;

	json_object_set_new(t, "code",
			    json_string(s->ind == EDOC_TOTAL_PASSED
					    ? edoc_indication_name(s->ind)
					    : arena_printf(r->arena, "%s/%s", edoc_indication_name(s->ind),
							   edoc_subindication_name(s->sub))));
	set_str(t, "level", profile_code(r, s->profile));
	set_str(t, "reason", s->reason);
	set_str(t, "sigfile", s->file);
	set_str(t, "tsa", s->tsa);
	json_object_set_new(t, "ocsp_time", time_json(r, s->ocsp_time));
	for (k = 0; k < s->nwarnings; k++)
		json_array_append_new(w, json_string(s->warnings[k]));
	json_object_set_new(t, "warnings", w);
	return t;
}

static json_t *sig_json(struct req *r, const struct edoc_report *rep, size_t i)
{
	const struct edoc_sig_result *s = &rep->sigs[i];
	json_t *js = json_object(), *cov = json_array();
	const char *why = s->unchecked ? verify_limit_text(rep->limit) : why_text(s);
	const char *prof = profile_text(s->profile);
	size_t k;

	json_object_set_new(js, "n", json_integer((json_int_t)i + 1));
	json_object_set_new(js, "passed", json_boolean(s->ind == EDOC_TOTAL_PASSED));
	json_object_set_new(js, "failed", json_boolean(s->ind == EDOC_TOTAL_FAILED));
	json_object_set_new(js, "unconfirmed", json_boolean(s->ind == EDOC_INDETERMINATE));
	json_object_set_new(js, "unchecked", json_boolean(s->unchecked));
	set_str(js, "why", why ? i18n_tr(r->lang, why) : NULL);
	set_str(js, "signer", s->signer_cn && *s->signer_cn ? s->signer_cn : NULL);
	json_object_set_new(js, "claimed_time", time_json(r, s->claimed_time));
	json_object_set_new(js, "ts_time", time_json(r, s->ts_time));
	set_str(js, "profile_text", prof ? i18n_tr(r->lang, prof) : NULL);
	json_object_set_new(js, "checks", s->unchecked ? json_null() : checks_json(r, s));
	for (k = 0; k < s->ncovered; k++)
		json_array_append_new(cov, json_pack("{s:s, s:b}", "name", s->covered[k], "changed",
						     s->changed && !strcmp(s->changed, s->covered[k])));
	json_object_set_new(js, "covered", cov); /* [] is falsy: the row is left out */
	json_object_set_new(js, "evidence", evidence_json(r, s));
	json_object_set_new(js, "evidence_dropped", json_false());
	for (k = 0; k < s->nevidence; k++)
		if (s->evidence[k].drop != EDOC_DROP_NONE)
			json_object_set_new(js, "evidence_dropped", json_true());
	json_object_set_new(js, "tech", tech_json(r, s));
	return js;
}

static int is_changed(const struct edoc_report *rep, const char *name)
{
	size_t i;

	for (i = 0; i < rep->nsigs; i++)
		if (rep->sigs[i].changed && !strcmp(rep->sigs[i].changed, name))
			return 1;
	return 0;
}

/* The files, offered back as downloads (data: links, never rendered in
 * our origin) while they fit; a changed one is marked. */
static json_t *files_json(struct req *r, const struct edoc *doc, const struct edoc_report *rep)
{
	json_t *files = json_array();
	size_t i, inline_total = 0;

	for (i = 0; doc && i < doc->nfiles; i++) {
		const struct edoc_entry *f = &doc->files[i];
		const char *base = strrchr(f->name, '/');
		json_t *jf = json_pack("{s:s, s:s, s:b}", "name", f->name, "download_name", base ? base + 1 : f->name,
				       "changed", is_changed(rep, f->name));

		json_object_set_new(jf, "size",
				    json_string(f->len < 10240 ? arena_printf(r->arena, "%zu B", f->len)
							       : arena_printf(r->arena, "%zu KB", f->len / 1024)));
		if (inline_total + f->len <= VERIFY_INLINE_MAX) {
			char *b64 = b64_encode_arena(r->arena, f->data, f->len);

			inline_total += f->len;
			if (b64)
				json_object_set_new(jf, "href",
						    json_string(arena_printf(
							r->arena, "data:application/octet-stream;base64,%s", b64)));
		}
		json_array_append_new(files, jf);
	}
	return files;
}

/* For a signature not confirmed: what was confirmed, in one sentence. */
static const char *confirmed_text(const struct edoc_sig_result *s)
{
	if (s->unchecked || !s->intact)
		return NULL;
	if (s->value_ok && s->trusted)
		return N_("Confirmed: the files have not been changed since signing, the signature value is "
			  "mathematically correct, and the signer's certificate was issued by a trusted certification "
			  "authority.");
	if (s->value_ok)
		return N_("Confirmed: the files have not been changed since signing, and the signature value is "
			  "mathematically correct.");
	return N_("Confirmed: the files have not been changed since signing.");
}

/* The "what to do next" line of a document whose signatures could not all
 * be confirmed: of the first such signature, what is known and what is not. */
static json_t *not_confirmed_json(struct req *r, const struct edoc_report *rep)
{
	const struct edoc_sig_result *s = NULL;
	const char *c, *why;
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < rep->nsigs && !s; i++)
		if (rep->sigs[i].ind != EDOC_TOTAL_PASSED)
			s = &rep->sigs[i];
	if (!s) /* a spent budget with every signature read passed */
		return json_pack("{s:s}", "missing", i18n_tr(r->lang, verify_limit_text(rep->limit)));
	c = confirmed_text(s);
	why = s->unchecked ? verify_limit_text(rep->limit) : why_text(s);
	set_str(o, "confirmed", c ? i18n_tr(r->lang, c) : NULL);
	json_object_set_new(o, "missing", json_string(i18n_tr(r->lang, why)));
	json_object_set_new(o, "temporary", json_boolean(s->sub == EDOC_SUB_TRY_LATER && s->temporary));
	json_object_set_new(o, "several", json_boolean(rep->nsigs > 1));
	return o;
}

/* How the container departs from the .edoc format where it was still read
 * (mimetype misplaced, compressed or missing): the checker's English words,
 * shown under a plain note. */
static json_t *container_warnings_json(const struct edoc_report *rep)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < rep->ncontainer_warnings; i++)
		json_array_append_new(a, json_string(rep->container_warnings[i]));
	return a;
}

json_t *verify_report_json(struct req *r, const struct edoc *doc, const struct edoc_report *rep, int status)
{
	json_t *sigs = json_array(), *changed = json_array(), *o;
	size_t i;

	for (i = 0; i < rep->nsigs; i++) {
		const char *c = rep->sigs[i].changed;
		size_t k;

		json_array_append_new(sigs, sig_json(r, rep, i));
		for (k = 0; c && k < json_array_size(changed); k++)
			if (!strcmp(json_string_value(json_array_get(changed, k)), c))
				c = NULL;
		if (c)
			json_array_append_new(changed, json_string(c));
	}
	o = json_pack("{s:o, s:o, s:b, s:o}", "signatures", sigs, "files", files_json(r, doc, rep), "has_files",
		      doc && doc->nfiles > 0, "nsigs", json_integer((json_int_t)rep->nsigs));
	if (json_array_size(changed))
		json_object_set_new(o, "changed", changed);
	else
		json_decref(changed);
	if (status == 0)
		json_object_set_new(o, "all_passed", json_true());
	else if (status == 1)
		json_object_set_new(o, "any_failed", json_true());
	else
		json_object_set_new(o, "not_confirmed", not_confirmed_json(r, rep));
	if (rep->limit)
		json_object_set_new(o, "limit", json_string(i18n_tr(r->lang, verify_limit_text(rep->limit))));
	if (rep->ncontainer_warnings)
		json_object_set_new(o, "container_warnings", container_warnings_json(rep));
	return o;
}
