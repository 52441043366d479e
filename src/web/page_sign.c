/* page_sign.c — "Parakstīt un nosūtīt": sign a document with the eID card
 * right here and send it to an institution, as the campaign guideline
 * promises (a document with a secure e-signature has the legal force of one
 * signed by hand and may go to the institution's official e-mail address).
 *
 *   GET  /parakstit           the form: documents, institution, e-mail, message
 *   POST /parakstit           checks the form, builds the unsigned container,
 *                             keeps it in a signing session and shows step 2
 *   (browser)                 static/sign.js asks the card through the Web eID
 *                             extension and calls /api/v1/sign/start and
 *                             /api/v1/sign/finish with the session
 *   POST /parakstit/nosutit   sends the signed container (checked again) and
 *                             redirects to the receipt of "Nosūtīt"
 *
 * Signing needs the card's browser extension and JavaScript; without them
 * step 2 says so and points to signing with the eParaksts software and
 * sending the result on /nosutit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/model.h"
#include "http/multipart.h"
#include "sign/edoc.h"
#include "web/app.h"
#include "web/catalog_ctx.h"
#include "web/form.h"
#include "web/send.h"
#include "web/sign_session.h"
#include "web/snapshot.h"
#include "web/web.h"

#define SIGN_PAGE_MAX_FILES 16

static void show_form(struct req *r, int status, const struct form *f, const char *file_error)
{
	send_form_render(r, status, "sign", N_("Sign and send a document"), f, "dokuments", N_("Documents to sign"),
			 file_error);
}

int page_sign(struct req *r)
{
	show_form(r, 200, NULL, NULL);
	return 0;
}

/* "12 B", "340 KB", "1,5 MB" (a decimal comma in Latvian). */
static const char *human_size(struct req *r, long long n)
{
	char *out, *dot;

	if (n < 1024)
		return arena_printf(r->arena, "%lld B", n);
	if (n < 1024 * 1024)
		return arena_printf(r->arena, "%.0f KB", (double)n / 1024);
	out = arena_printf(r->arena, "%.1f MB", (double)n / (1024 * 1024));
	dot = out && r->lang == LANG_LV ? strchr(out, '.') : NULL;
	if (dot)
		*dot = ',';
	return out;
}

/* The name the signed container gets: the first document's, as .edoc. */
static const char *container_name(struct req *r, json_t *state)
{
	const char *first =
	    json_string_value(json_object_get(json_array_get(json_object_get(state, "files"), 0), "name"));
	const char *base, *dot;

	if (!first)
		return "dokuments.edoc";
	base = strrchr(first, '/') ? strrchr(first, '/') + 1 : first;
	dot = strrchr(base, '.');
	if (dot == base || !*base)
		return "dokuments.edoc";
	return arena_printf(r->arena, "%.*s.edoc", (int)(dot ? (size_t)(dot - base) : strlen(base)), base);
}

/* Step 2: what will be signed and where it goes, and the signing button. */
static void show_step(struct req *r, int status, const char *token, json_t *state, const char *error)
{
	const struct snapshot *sn = web_snapshot(r);
	json_t *ctx = page_ctx(r, N_("Sign and send a document"), "send");
	json_t *send = json_object_get(state, "send"), *files = json_array(), *v;
	const struct organisation *org = catalog_org(sn->cat, json_string_value(json_object_get(send, "org")));
	size_t i;

	json_array_foreach(json_object_get(state, "files"), i, v)
	    json_array_append_new(files, json_pack("{s:O, s:s}", "name", json_object_get(v, "name"), "size",
						   human_size(r, json_integer_value(json_object_get(v, "size")))));
	json_object_set_new(ctx, "step2", json_true());
	json_object_set_new(ctx, "files", files);
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	json_object_set_new(ctx, "session", json_string(token));
	json_object_set_new(ctx, "container_name", json_string(container_name(r, state)));
	if (org) {
		json_object_set_new(ctx, "org", org_brief(r, org));
		json_object_set_new(ctx, "org_email", json_string(org_official_email(org)));
	}
	json_object_set(ctx, "sender", json_object_get(send, "email"));
	json_object_set(ctx, "message", json_object_get(send, "message"));
	json_object_set_new(ctx, "signed", json_boolean(json_object_get(state, "signed") != NULL));
	if (error)
		form_ctx_add_error(r, ctx, "sign-button", N_("Signature"), error);
	render_flags(r, status, "sign", ctx, RESP_NO_STORE);
}

/* The uploads of field "dokuments" into doc; a message for the person, or
 * NULL when all went in. */
static const char *add_uploads(struct req *r, struct edoc *doc, json_t *files)
{
	struct err e = {0};
	size_t i, n = 0;

	for (i = 0; r->multipart && i < r->multipart->nfiles; i++) {
		const struct upload *u = &r->multipart->files[i];
		int rc;

		if (strcmp(u->field, "dokuments") != 0 || (!u->size && !*u->filename))
			continue;
		if (++n > SIGN_PAGE_MAX_FILES)
			return i18n_tr(r->lang, N_("Please choose at most 16 files."));
		if (!u->size)
			return arena_printf(r->arena, i18n_tr(r->lang, N_("The file %s is empty.")), u->filename);
		rc = sign_add_upload(doc, u, &e);
		if (rc == -1)
			return i18n_tr(r->lang, N_("The file could not be read. Please try again."));
		if (rc != 0)
			return arena_printf(r->arena,
					    i18n_tr(r->lang, N_("The file %s cannot be signed: its name is not "
								"allowed or repeats another file's name.")),
					    u->filename);
		json_array_append_new(files, json_pack("{s:s, s:I}", "name", u->filename, "size", (json_int_t)u->size));
	}
	if (n == 0)
		return i18n_tr(r->lang, N_("Please choose the document you want to sign."));
	return NULL;
}

int form_sign(struct req *r)
{
	const struct organisation *org;
	struct form f;
	struct edoc *doc = edoc_new();
	struct err e = {0};
	json_t *state = json_object(), *files = json_array();
	unsigned char *zip = NULL;
	size_t ziplen = 0;
	const char *file_error, *token = NULL;
	int rc, bad = send_form_validate(r, &f, &org);

	if (f.spam) {
		resp_redirect(r, 303, prefixed(r, "/parakstit"));
		goto out;
	}
	if (!doc || !state || !files) {
		resp_error(r, ERR_INTERNAL, NULL);
		goto out;
	}
	file_error = add_uploads(r, doc, files);
	/* nothing is kept while another field is wrong: said beside the files */
	if (!file_error && bad && json_array_size(files))
		file_error = i18n_tr(r->lang, N_("Please choose the documents again: the portal keeps none until every "
						 "field is right."));
	if (file_error || bad) {
		show_form(r, 422, &f, file_error);
		goto out;
	}
	if (edoc_write_mem(doc, &zip, &ziplen, &e) != 0) {
		resp_error(r, ERR_INTERNAL, NULL);
		goto out;
	}
	json_object_set(state, "files", files);
	json_object_set_new(
	    state, "send",
	    json_pack("{s:s, s:s, s:s}", "org", org->slug, "email", f.value[SF_EMAIL], "message", f.value[SF_MESSAGE]));
	rc = sign_session_new(r, state, zip, ziplen, &token);
	if (rc == SS_TOO_MANY) {
		show_form(r, 429, &f,
			  i18n_tr(r->lang, N_("You have too many documents waiting to be signed in this browser. "
					      "Please sign or send them first, or wait ten minutes.")));
		goto out;
	}
	if (rc == SS_FULL) {
		show_form(r, 503, &f,
			  i18n_tr(r->lang, N_("The portal cannot take more documents for signing right now. Please "
					      "try again in a few minutes.")));
		goto out;
	}
	if (rc != SS_OK) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		goto out;
	}
	show_step(r, 200, token, state, NULL);
out:
	free(zip);
	json_decref(files);
	json_decref(state);
	edoc_free(doc);
	return 0;
}

/* The answer once the signed document was checked (and sent); cls is the
 * session token, in the request's arena. */
static void sign_sent(struct req *r, int rc, const char *receipt, void *cls)
{
	const char *token = cls;
	json_t *state = NULL;

	if (!r)
		return;
	if (rc == SEND_OK) {
		resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/nosutit/kvits/%s", receipt)));
	} else if (rc == SEND_GONE) {
		/* Another request sent it meanwhile: show what it left. */
		if (sign_session_load(r, token, &state, NULL, NULL) == SS_OK && json_object_get(state, "sent"))
			resp_redirect(r, 303,
				      prefixed(r, arena_printf(r->arena, "/nosutit/kvits/%s",
							       json_string_value(json_object_get(state, "sent")))));
		else
			show_form(r, 422, NULL,
				  i18n_tr(r->lang, N_("The signing session has expired (it lasts ten minutes). "
						      "Please choose the documents again.")));
	} else if (rc != SEND_FAILED) {
		if (sign_session_load(r, token, &state, NULL, NULL) == SS_OK)
			show_step(r, send_result_status(rc), token, state, send_result_message(r, rc));
		else
			show_form(r, 422, NULL, send_result_message(r, rc));
	}
	json_decref(state);
}

int form_sign_send(struct req *r)
{
	const struct snapshot *sn = web_snapshot(r);
	const char *token = req_form(r, "session");
	json_t *state = NULL, *send, *sent = NULL;
	char *sent_s = NULL;
	struct send_request sr;
	const struct organisation *org;
	unsigned char *signed_zip = NULL;
	size_t len = 0;
	int rc = sign_session_load(r, token, &state, &signed_zip, &len);

	if (rc == SS_DB) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		goto out;
	}
	if (rc != SS_OK) {
		show_form(r, 422, NULL,
			  i18n_tr(r->lang, N_("The signing session has expired (it lasts ten minutes). Please choose "
					      "the documents again.")));
		goto out;
	}
	if (json_object_get(state, "sent")) {
		/* Sent already (a second click, a reload): the same receipt. */
		resp_redirect(r, 303,
			      prefixed(r, arena_printf(r->arena, "/nosutit/kvits/%s",
						       json_string_value(json_object_get(state, "sent")))));
		goto out;
	}
	send = json_object_get(state, "send");
	org = catalog_org(sn->cat, json_string_value(json_object_get(send, "org")));
	if (!json_object_get(state, "signed") || !signed_zip) {
		show_step(r, 422, token, state,
			  i18n_tr(r->lang, N_("The document is not signed yet. Sign it with your eID card first.")));
		goto out;
	}
	if (!org || !org_official_email(org)) {
		show_form(r, 422, NULL,
			  i18n_tr(r->lang, N_("The institution no longer receives documents here. Please choose "
					      "another one.")));
		goto out;
	}
	memset(&sr, 0, sizeof(sr));
	sr.org = org;
	sr.file_name = container_name(r, state);
	sr.data = signed_zip;
	sr.len = len;
	/* the check runs after this handler: copies that live as long as r */
	sr.sender = json_string_value(json_object_get(send, "email"));
	sr.sender = sr.sender ? arena_strdup(r->arena, sr.sender) : NULL;
	sr.message = json_string_value(json_object_get(send, "message"));
	sr.message = sr.message ? arena_strdup(r->arena, sr.message) : NULL;
	sr.receipt = send_new_receipt(r);
	sent = json_pack("{s:O, s:s}", "owner", json_object_get(state, "owner"), "sent", sr.receipt ? sr.receipt : "");
	sent_s = sent ? json_dumps(sent, JSON_COMPACT) : NULL;
	if (!sr.receipt || !sent_s) {
		resp_error(r, ERR_INTERNAL, NULL);
		goto out;
	}
	sr.consume_session = sign_session_id(r, token);
	sr.consume_data = arena_strdup(r->arena, sent_s);
	if (!sr.consume_data) {
		resp_error(r, ERR_INTERNAL, NULL);
		goto out;
	}
	send_signed(r, &sr, sign_sent, (void *)token);
out:
	free(sent_s);
	json_decref(sent);
	free(signed_zip);
	json_decref(state);
	return 0;
}
