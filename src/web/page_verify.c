/* page_verify.c — "Pārbaudīt parakstītu dokumentu": upload an .edoc/.asice,
 * read in plain words whether its signatures are valid, who signed what and
 * when, and download the signed files. Nothing is kept: the container lives
 * in the request's memory (or its temp file) and is gone with the answer;
 * the files are offered back inside the answer itself (data: links). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/base64.h"
#include "core/log.h"
#include "http/multipart.h"
#include "sign/edoc.h"
#include "sign/verify.h"
#include "web/app.h"
#include "web/verify_job.h"
#include "web/web.h"

/* Files up to this size are offered for download inside the report page. */
#define VERIFY_INLINE_MAX (2 * 1024 * 1024)

/* What each sub-indication means, for a person. */
static const char *sub_text(enum edoc_subindication sub)
{
	switch (sub) {
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
	case EDOC_SUB_REVOKED_NO_POE:
	case EDOC_SUB_REVOCATION_OUT_OF_BOUNDS_NO_POE:
	case EDOC_SUB_OUT_OF_BOUNDS_NO_POE:
		return N_("There is no trustworthy proof that the certificate was valid when the document was signed.");
	case EDOC_SUB_TIMESTAMP_ORDER_FAILURE: return N_("The times recorded in the signature contradict each other.");
	case EDOC_SUB_SIGNED_DATA_NOT_FOUND: return N_("A file the signature refers to is missing from the container.");
	case EDOC_SUB_TRY_LATER:
		return N_("The certificate's status could not be checked now. Please try again later.");
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
	return NULL;
}

static json_t *time_json(struct req *r, time_t t)
{
	char s[64];
	struct tm tm;

	if (!t)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), r->lang == LANG_LV ? "%d.%m.%Y. %H:%M:%S UTC" : "%d %b %Y %H:%M:%S UTC", &tm);
	return json_string(s);
}

static char *data_url(struct req *r, const struct edoc_entry *f)
{
	const char *mime = f->mime && *f->mime ? f->mime : "application/octet-stream";
	char *b64, *out;

	/* Offer the bytes as a download only, never as something the browser
	 * would render in our origin. */
	(void)mime;
	b64 = b64_encode_arena(r->arena, f->data, f->len);
	if (!b64)
		return NULL;
	out = arena_printf(r->arena, "data:application/octet-stream;base64,%s", b64);
	return out;
}

static void show_form(struct req *r, int status, const char *error)
{
	json_t *ctx = page_ctx(r, N_("Check a signed document"), "verify");

	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	if (error)
		json_object_set_new(ctx, "error", json_string(error));
	render(r, status, "verify", ctx);
}

int page_verify(struct req *r)
{
	show_form(r, 200, NULL);
	return 0;
}

static json_t *report_json(struct req *r, const struct edoc *doc, const struct edoc_report *rep)
{
	json_t *sigs = json_array(), *files = json_array();
	size_t i, k, inline_total = 0;

	for (i = 0; i < rep->nsigs; i++) {
		const struct edoc_sig_result *s = &rep->sigs[i];
		json_t *js = json_object(), *cov = json_array();
		const char *why = s->unchecked ? verify_limit_text(rep->limit) : sub_text(s->sub);
		const char *prof = profile_text(s->profile);

		json_object_set_new(js, "n", json_integer((json_int_t)i + 1));
		json_object_set_new(js,
				    s->ind == EDOC_TOTAL_PASSED   ? "passed"
				    : s->ind == EDOC_TOTAL_FAILED ? "failed"
								  : "indeterminate",
				    json_true());
		json_object_set_new(js, "indication", json_string(edoc_indication_name(s->ind)));
		if (s->sub != EDOC_SUB_NONE)
			json_object_set_new(js, "subindication", json_string(edoc_subindication_name(s->sub)));
		if (why)
			json_object_set_new(js, "why", json_string(i18n_tr(r->lang, why)));
		json_object_set_new(js, "signer", json_string(s->signer_cn ? s->signer_cn : "?"));
		json_object_set_new(js, "claimed_time", time_json(r, s->claimed_time));
		json_object_set_new(js, "ts_time", time_json(r, s->ts_time));
		json_object_set_new(js, "profile", json_string(s->profile ? s->profile : "?"));
		if (prof)
			json_object_set_new(js, "profile_text", json_string(i18n_tr(r->lang, prof)));
		for (k = 0; k < s->ncovered; k++)
			json_array_append_new(cov, json_string(s->covered[k]));
		json_object_set_new(js, "covered", cov);
		json_array_append_new(sigs, js);
	}
	for (i = 0; doc && i < doc->nfiles; i++) {
		const struct edoc_entry *f = &doc->files[i];
		json_t *jf = json_object();
		const char *base = strrchr(f->name, '/');

		json_object_set_new(jf, "name", json_string(f->name));
		json_object_set_new(jf, "download_name", json_string(base ? base + 1 : f->name));
		json_object_set_new(jf, "size",
				    json_string(f->len < 10240 ? arena_printf(r->arena, "%zu B", f->len)
							       : arena_printf(r->arena, "%zu KB", f->len / 1024)));
		if (inline_total + f->len <= VERIFY_INLINE_MAX) {
			inline_total += f->len;
			json_object_set_new(jf, "href", json_string(data_url(r, f)));
		}
		json_array_append_new(files, jf);
	}
	return json_pack("{s:o, s:o, s:b}", "signatures", sigs, "files", files, "has_files", doc && doc->nfiles > 0);
}

/* The worker pool checked the upload (verify_job.c): the answer. */
static void verify_shown(struct req *r, struct verify_job *j)
{
	const struct upload *up = j->cls; /* the request's: valid while r is */
	json_t *ctx, *report;

	if (!r)
		goto out;
	if (j->outcome == VJ_TOO_LARGE) {
		log_info("verify: container refused for a size limit (%zu bytes)", up->size);
		show_form(r, 422,
			  i18n_tr(r->lang, N_("This document is too large to be checked here: its files, unpacked, "
					      "are larger than this portal accepts. Nothing was kept.")));
		goto out;
	}
	if (j->outcome == VJ_REFUSED) {
		log_info("verify: container refused (%zu bytes)", up->size);
		show_form(r, 422,
			  i18n_tr(r->lang, N_("This is not a valid signed document (.edoc or .asice), or it is "
					      "damaged. Nothing was kept.")));
		goto out;
	}
	ctx = page_ctx(r, N_("Signature check result"), "verify");
	report = report_json(r, j->doc, &j->rep);
	json_object_update(ctx, report);
	json_decref(report);
	json_object_set_new(ctx, "container_name", json_string(up->filename));
	json_object_set_new(ctx,
			    j->status == 0   ? "all_passed"
			    : j->status == 1 ? "any_failed"
					     : "indeterminate",
			    json_true());
	json_object_set_new(ctx, "nsigs", json_integer((json_int_t)j->rep.nsigs));
	if (j->rep.limit)
		json_object_set_new(ctx, "limit", json_string(i18n_tr(r->lang, verify_limit_text(j->rep.limit))));
	/* the page holds the person's document: never stored by any cache */
	render_flags(r, 200, "verify-report", ctx, RESP_NO_STORE);
out:
	verify_job_free(j);
}

int form_verify(struct req *r)
{
	const struct upload *up = NULL;
	size_t i;

	for (i = 0; r->multipart && i < r->multipart->nfiles; i++)
		if (!strcmp(r->multipart->files[i].field, "edoc"))
			up = &r->multipart->files[i];
	if (!up || up->size == 0) {
		show_form(r, 422, i18n_tr(r->lang, N_("Please choose a signed document (.edoc or .asice file).")));
		return 0;
	}
	/* never on the event loop: the worker pool, within the budgets */
	verify_async(r, up, NULL, 0, verify_shown, (void *)up);
	return 0;
}
