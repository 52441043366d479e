/* page_verify.c — "Pārbaudīt parakstītu dokumentu": upload an .edoc/.asice,
 * read in plain words whether its signatures are valid, who signed what and
 * when, and download the signed files. Nothing is kept: the container lives
 * in the request's memory (or its temp file) and is gone with the answer;
 * the files are offered back inside the answer itself (data: links). */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "http/multipart.h"
#include "sign/edoc.h"
#include "sign/verify.h"
#include "web/app.h"
#include "web/verify_job.h"
#include "web/verify_report.h"
#include "web/web.h"

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
	report = verify_report_json(r, j->doc, &j->rep, j->status);
	json_object_update(ctx, report);
	json_decref(report);
	json_object_set_new(ctx, "container_name", json_string(up->filename));
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
