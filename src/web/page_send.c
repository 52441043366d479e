/* page_send.c — "Nosūtīt parakstītu dokumentu": a document signed with a
 * secure e-signature goes to an institution's official e-mail address, as the
 * campaign guideline promises. The person uploads the signed .edoc (made with
 * eParaksts, an eID card, or the two-phase signing API), chooses the
 * institution, and gets a receipt. The portal checks the signatures first,
 * then writes the submission and its mail to the institution in one
 * transaction (within the rate limits of receipt_mail.c); the mail worker
 * delivers it. A receipt goes by e-mail only to an address that has
 * confirmed itself (receipt_mail.c); otherwise it is on screen only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "catalog/model.h"
#include "core/digest.h"
#include "core/log.h"
#include "core/when.h"
#include "http/multipart.h"
#include "mail/outbox.h"
#include "mail/worker.h"
#include "sign/edoc.h"
#include "sign/verify.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "web/app.h"
#include "web/catalog_ctx.h"
#include "web/contact_ctx.h"
#include "web/form.h"
#include "web/send.h"
#include "web/snapshot.h"
#include "web/verify_job.h"
#include "web/web.h"

const struct field send_fields[] = {
    FIELD_TEXT("iestade", REQUIRED, 1, 80, N_("Institution")),
    FIELD_EMAIL("epasts", OPTIONAL, N_("Your e-mail address for the answer and the receipt")),
    FIELD_TEXTAREA("zina", OPTIONAL, 0, 2000, N_("Message to the institution")), FIELD_HONEYPOT("vietne"), FIELD_END};

const char *org_official_email(const struct organisation *o)
{
	return o->official_email;
}

json_t *send_org_options(struct req *r, const struct catalog *c, const char *selected)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < c->norgs; i++) {
		const char *email = org_official_email(c->orgs[i]);

		if (!email)
			continue;
		json_array_append_new(
		    arr, json_pack("{s:s, s:s, s:s, s:b}", "slug", c->orgs[i]->slug, "name",
				   ml(r, &c->orgs[i]->name) ? ml(r, &c->orgs[i]->name) : c->orgs[i]->slug, "email",
				   email, "selected", selected && !strcmp(selected, c->orgs[i]->slug)));
	}
	json_array_sort(arr, json_cmp_name);
	return arr;
}

/* An institution the form cannot send to (no official e-mail address in
 * the catalog), with what the catalog says about reaching it: its page,
 * its own web site, phones (with the form that works from abroad), e-mail
 * of a contact point, address. */
static json_t *unreachable_org(struct req *r, const struct organisation *o)
{
	json_t *j = org_brief(r, o), *contacts = json_array(), *one;
	size_t i;

	/* every key set: a missing one would be looked up in the page's context */
	if (o->homepage && (!strncmp(o->homepage, "https://", 8) || !strncmp(o->homepage, "http://", 7))) {
		json_object_set_new(j, "homepage", json_string(o->homepage));
		json_object_set_new(j, "homepage_host", json_string(url_host(r, o->homepage)));
	} else
		json_object_set_new(j, "homepage", json_false());
	json_object_set_new(j, "address", ml(r, &o->address) ? json_string(ml(r, &o->address)) : json_false());
	for (i = 0; i < o->ncontacts; i++) {
		one = contact_json(r, o->contacts[i]);
		if (one)
			json_array_append_new(contacts, one);
	}
	json_object_set_new(j, "contacts", contacts);
	return j;
}

/* The institutions without an official address, sorted by name. */
static json_t *send_org_others(struct req *r, const struct catalog *c)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < c->norgs; i++)
		if (!org_official_email(c->orgs[i]))
			json_array_append_new(arr, unreachable_org(r, c->orgs[i]));
	json_array_sort(arr, json_cmp_name);
	return arr;
}

/* The file field's message goes first in the summary, as the field is
 * first in the form (form_ctx_add_error appends). */
static void file_error_first(json_t *ctx)
{
	json_t *errs = json_object_get(ctx, "errors");
	size_t n = json_array_size(errs);
	json_t *last;

	if (n < 2)
		return;
	last = json_incref(json_array_get(errs, n - 1));
	json_array_remove(errs, n - 1);
	json_array_insert_new(errs, 0, last);
}

void send_form_render(struct req *r, int status, const char *tmpl, const char *title, const struct form *f,
		      const char *file_id, const char *file_label, const char *file_error)
{
	const struct snapshot *sn = web_snapshot(r);
	json_t *ctx = page_ctx(r, title, "send"), *orgs;
	const struct organisation *pre_org;
	struct form empty;
	const char *pre = f ? f->value[SF_ORG] : req_query(r, "iestade");

	if (!f) {
		memset(&empty, 0, sizeof(empty));
		f = &empty;
	}
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	form_to_ctx(r, send_fields, f, ctx);
	orgs = send_org_options(r, sn->cat, pre);
	json_object_set_new(ctx, "norgs", json_integer((json_int_t)json_array_size(orgs)));
	json_object_set_new(ctx, "orgs", orgs);
	json_object_set_new(ctx, "others", send_org_others(r, sn->cat));
	/* ?iestade= (from a service page) naming one the form cannot send to */
	pre_org = pre && *pre ? catalog_org(sn->cat, pre) : NULL;
	if (pre_org && !org_official_email(pre_org))
		json_object_set_new(ctx, "pre_unreachable", org_brief(r, pre_org));
	if (file_error) {
		json_object_set_new(ctx, "file_error", json_string(file_error));
		form_ctx_add_error(r, ctx, file_id, file_label, file_error);
		file_error_first(ctx);
	}
	render_flags(r, status, tmpl, ctx, RESP_NO_STORE);
}

int send_form_validate(struct req *r, struct form *f, const struct organisation **org)
{
	const struct snapshot *sn = web_snapshot(r);
	int bad = form_validate(r, send_fields, f) != 0;

	*org = *f->value[SF_ORG] ? catalog_org(sn->cat, f->value[SF_ORG]) : NULL;
	if (*f->value[SF_ORG] && (!*org || !org_official_email(*org))) {
		f->error[SF_ORG] = i18n_tr(r->lang, N_("Please choose one of the options."));
		*org = NULL;
		bad = 1;
	}
	return bad;
}

static void show_form(struct req *r, int status, const struct form *f, const char *file_error)
{
	send_form_render(r, status, "send", N_("Send a signed document to an institution"), f, "edoc",
			 N_("Signed document"), file_error);
}

int page_send(struct req *r)
{
	show_form(r, 200, NULL, NULL);
	return 0;
}

struct submission {
	struct req *r;
	const char *receipt;
	const char *org_slug, *org_name, *org_email;
	const char *file_name;
	const unsigned char *data;
	size_t len;
	const char *verdict; /* "passed" or "indeterminate" */
	const char *sender;  /* may be NULL */
	const char *message; /* may be "" */
	long long mail_id, receipt_mail_id;
	const char *consume_session, *consume_data;
};

#define SUBMIT_GONE 100    /* submit_body(): the session was already consumed */
#define SUBMIT_LIMITED 102 /* submit_body(): a rate limit of sending refused it */

static const char SQL_SESSION_CONSUME[] =
    "UPDATE session SET data = $2, blob = NULL, bytes = 0 WHERE id = $1 AND data LIKE '%\"signed\":%'";

static const char SQL_SUBMISSION_ADD[] =
    "INSERT INTO submission (receipt, created_at, lang, org_slug, org_email, file_name, file_size, verdict, "
    "mail_id, receipt_mail_id, file_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

static int submit_body(struct db *db, void *cls)
{
	struct submission *s = cls;
	struct req *r = s->r;
	const char *to_org[] = {s->org_email};
	struct mail_attachment att = {s->file_name, "application/vnd.etsi.asic-e+zip", s->data, s->len};
	struct mail m;
	char sha[DIGEST_HEX];
	long long gone = 0, now = (long long)time(NULL);
	int rc;

	if (s->consume_session) {
		rc = db_exec(db, SQL_SESSION_CONSUME, DB_P(PTEXT(s->consume_session), PTEXT(s->consume_data)), &gone);
		if (rc != DB_OK)
			return rc;
		if (gone != 1)
			return SUBMIT_GONE;
	}
	rc = send_take_limits(db, r, s->org_slug, now);
	if (rc != DB_OK)
		return rc == RATE_LIMITED ? SUBMIT_LIMITED : rc;
	memset(&m, 0, sizeof(m));
	m.to = to_org;
	m.nto = 1;
	/* No Reply-To and no address in the text: the address typed into the
	 * form is unconfirmed when this mail is queued, and an institution's
	 * answer must not be steerable to a third party. The signature itself
	 * identifies the signer (docs/mail.md, "Reply-To"). The address goes
	 * to the institution in a mail of its own once it is confirmed
	 * (receipt_mail.c). */
	/* Institutions read Latvian: the cover letter is Latvian whatever the
	 * page language was. */
	m.subject = arena_printf(r->arena, "Iesniegums ar drošu e-parakstu: %s (%s)", s->file_name, s->receipt);
	m.text =
	    arena_printf(r->arena,
			 "Labdien!\n\nPortālā \"Valsts ir internetā\" jums nosūtīts ar drošu e-parakstu "
			 "parakstīts dokuments (pielikumā).\n\nKvīts numurs: %s\nDatne: %s\nParakstu pārbaude "
			 "portālā: %s\n%s%s%s\nJa sūtītājs norādīja e-pasta adresi atbildei, portāls to nosūtīs "
			 "atsevišķā vēstulē, tiklīdz sūtītājs to būs apstiprinājis. Citādi atbildiet parakstītājam, "
			 "izmantojot viņa oficiālo elektronisko adresi vai dokumentā norādīto saziņas veidu.\n",
			 s->receipt, s->file_name,
			 !strcmp(s->verdict, "passed") ? "visi paraksti derīgi"
						       : "parakstus neizdevās pilnībā apstiprināt; lūdzam pārbaudīt",
			 *s->message ? "\nSūtītāja ziņa:\n" : "", s->message, *s->message ? "\n" : "");
	m.att = &att;
	m.natt = 1;
	m.kind = "sign-send";
	rc = outbox_enqueue_with(db, app_of(r)->mail, &m, &s->mail_id);
	if (rc != DB_OK)
		return rc;
	sha256_hex(s->data, s->len, sha);
	rc = db_exec(db, SQL_SUBMISSION_ADD,
		     DB_P(PTEXT(s->receipt), PINT(now), PTEXT(lang_code(r->lang)), PTEXT(s->org_slug),
			  PTEXT(s->org_email), PTEXT(s->file_name), PINT((long long)s->len), PTEXT(s->verdict),
			  PINT(s->mail_id), PNULL, PTEXT(sha)),
		     NULL);
	/* The receipt goes by mail only to an address that confirms itself. */
	if (rc == DB_OK && s->sender)
		rc = receipt_confirm_start(db, r, s->receipt, s->sender, now, 1);
	return rc;
}

const char *send_new_receipt(struct req *r)
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char rnd[10];
	char code[11];
	struct tm tm;
	time_t now = time(NULL), riga = now + when_riga_offset(now); /* the year on a Riga calendar */
	int i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return NULL;
	for (i = 0; i < 10; i++)
		code[i] = alphabet[rnd[i] % 32];
	code[10] = '\0';
	gmtime_r(&riga, &tm);
	return arena_printf(r->arena, "%04d-%s", tm.tm_year + 1900, code);
}

const char *send_result_message(struct req *r, int res)
{
	switch (res) {
	case SEND_NOT_CONTAINER:
		return i18n_tr(r->lang, N_("This is not a valid signed document (.edoc or .asice), or it is damaged. "
					   "Nothing was kept."));
	case SEND_UNSIGNED:
		return i18n_tr(r->lang, N_("The document is not signed. Sign it with a secure "
					   "e-signature first."));
	case SEND_INVALID:
		return i18n_tr(r->lang, N_("A signature on this document is not valid, so it was not "
					   "sent. Check it on the signature check page."));
	case SEND_TOO_BIG: return i18n_tr(r->lang, N_("The document is too large to send by e-mail."));
	case SEND_UNTRUSTED:
		return i18n_tr(r->lang, N_("The signer's certificate was not issued by a certification authority this "
					   "portal trusts, so the document was not sent. Sign it with a Latvian eID "
					   "card or eParaksts, or check it on the signature check page."));
	case SEND_UNCHECKED:
		return i18n_tr(r->lang, N_("This document is too large, or holds too many signatures, to be checked "
					   "here, so it was not sent."));
	case SEND_LIMITED:
		return i18n_tr(r->lang, N_("Too many documents were sent from your network or to this institution "
					   "in the last hour. Nothing was sent. Please try again later."));
	case SEND_BUSY:
		return i18n_tr(r->lang, N_("The portal has sent as much mail today as it may. Nothing was sent. "
					   "Please try again later (tomorrow at the latest)."));
	default: return NULL;
	}
}

int send_result_status(int res)
{
	return res == SEND_LIMITED || res == SEND_BUSY ? 429 : 422;
}

/* Whether the checked document may go to an institution: any signature
 * that failed, was not fully checked, or whose signer does not chain to a
 * trust anchor keeps it back. INDETERMINATE for another reason (no
 * revocation information offline) is sent, marked as such. */
static int send_verdict(const struct verify_job *j)
{
	size_t i;

	if (j->outcome == VJ_TOO_LARGE)
		return SEND_UNCHECKED;
	if (j->outcome != VJ_CHECKED)
		return SEND_NOT_CONTAINER;
	if (j->rep.nsigs == 0)
		return SEND_UNSIGNED;
	if (j->status == 1)
		return SEND_INVALID;
	if (j->rep.limit)
		return SEND_UNCHECKED;
	for (i = 0; i < j->rep.nsigs; i++)
		if (!j->rep.sigs[i].trusted)
			return SEND_UNTRUSTED;
	return SEND_OK;
}

/* What a send waits for while the worker pool checks the signatures. */
struct send_job {
	struct send_request sr; /* its strings are the request's: read only while it lives */
	send_done_fn done;
	void *cls;
};

/* Back on the loop with the verdict: writes the submission and its mails
 * in one transaction (the attachment is the very bytes that were checked). */
static void send_checked(struct req *r, struct verify_job *j)
{
	struct send_job *sj = j->cls;
	const struct send_request *sr = &sj->sr;
	struct submission s;
	struct db *db;
	const char *receipt = NULL;
	int rc, res;

	if (!r) {
		sj->done(NULL, SEND_FAILED, NULL, sj->cls);
		goto out;
	}
	res = send_verdict(j);
	if (res != SEND_OK)
		goto answer;
	res = SEND_FAILED;
	memset(&s, 0, sizeof(s));
	s.r = r;
	s.receipt = sr->receipt ? sr->receipt : send_new_receipt(r);
	s.org_slug = sr->org->slug;
	s.org_name = ml(r, &sr->org->name) ? ml(r, &sr->org->name) : sr->org->slug;
	s.org_email = org_official_email(sr->org);
	s.file_name = sr->file_name;
	s.data = j->data;
	s.len = j->len;
	s.verdict = j->status == 0 ? "passed" : "indeterminate";
	s.sender = sr->sender && *sr->sender ? sr->sender : NULL;
	s.message = sr->message ? sr->message : "";
	s.consume_session = sr->consume_session;
	s.consume_data = sr->consume_data;
	db = app_db(r);
	if (!s.receipt || !s.org_email || !db) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		goto answer;
	}
	rc = db_tx(db, submit_body, &s);
	if (rc == SUBMIT_GONE) {
		res = SEND_GONE;
		goto answer;
	}
	if (rc == OUTBOX_ETOOBIG) {
		res = SEND_TOO_BIG;
		goto answer;
	}
	if (rc == SUBMIT_LIMITED || rc == OUTBOX_EBUDGET) {
		res = rc == SUBMIT_LIMITED ? SEND_LIMITED : SEND_BUSY;
		goto answer;
	}
	if (rc == SUBMIT_LIMITED || rc == OUTBOX_EBUDGET) {
		res = rc == SUBMIT_LIMITED ? SEND_LIMITED : SEND_BUSY;
		goto out;
	}
	if (rc != DB_OK) {
		log_error("submission not stored: %s", rc == OUTBOX_EINVALID ? "mail refused" : db_errmsg(db));
		resp_error(r, rc == OUTBOX_EINVALID ? ERR_VALIDATION : ERR_UNAVAILABLE, NULL);
		goto answer;
	}
	mail_worker_kick();
	log_info("document sent to an institution (submission %s)", send_private_key(r, "r", s.receipt));
	receipt = s.receipt;
	res = SEND_OK;
answer:
	sj->done(r, res, receipt, sj->cls);
out:
	free(sj);
	verify_job_free(j);
}

int send_signed(struct req *r, const struct send_request *sr, send_done_fn done, void *cls)
{
	struct send_job *sj = calloc(1, sizeof(*sj));

	if (!sj) {
		resp_error(r, ERR_INTERNAL, NULL);
		return -1;
	}
	sj->sr = *sr;
	sj->done = done;
	sj->cls = cls;
	if (verify_async(r, NULL, sr->data, sr->len, send_checked, sj) != 0) {
		free(sj);
		return -1;
	}
	return 0;
}

/* The upload form's answer, once the document was checked (and sent). */
static void form_sent(struct req *r, int res, const char *receipt, void *cls)
{
	const struct form *f = cls; /* in the request's arena */

	if (!r)
		return;
	if (res == SEND_OK)
		resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/nosutit/kvits/%s", receipt)));
	else if (res != SEND_FAILED)
		show_form(r, send_result_status(res), f, send_result_message(r, res));
}

int form_send(struct req *r)
{
	const struct upload *up = NULL;
	const struct organisation *org;
	struct form f, *kept;
	struct err e = {0};
	struct send_request sr;
	unsigned char *data = NULL;
	size_t i, len = 0;
	int bad = send_form_validate(r, &f, &org);

	if (f.spam) {
		resp_redirect(r, 303, prefixed(r, "/nosutit"));
		goto out;
	}
	for (i = 0; r->multipart && i < r->multipart->nfiles; i++)
		if (!strcmp(r->multipart->files[i].field, "edoc"))
			up = &r->multipart->files[i];
	if (!up || !up->size) {
		show_form(r, 422, &f, i18n_tr(r->lang, N_("Please choose a signed document (.edoc or .asice file).")));
		goto out;
	}
	if (bad) {
		/* Nothing is kept until the whole form is right: the page says
		 * so beside the file field (and a browser never refills it). */
		show_form(r, 422, &f,
			  arena_printf(r->arena,
				       i18n_tr(r->lang, N_("You chose “%s”. Please choose it again: the portal "
							   "keeps no document until every field is right.")),
				       up->filename && *up->filename ? up->filename : "-"));
		goto out;
	}
	if (up->data) {
		data = (unsigned char *)up->data;
	} else {
		data = edoc_read_file(up->path, up->size + 1, &len, &e);
		if (!data) {
			resp_error(r, ERR_INTERNAL, NULL);
			goto out;
		}
	}
	memset(&sr, 0, sizeof(sr));
	sr.org = org;
	sr.file_name = up->filename;
	sr.data = data;
	sr.len = up->size;
	sr.sender = f.value[SF_EMAIL];
	sr.message = f.value[SF_MESSAGE];
	kept = arena_alloc(r->arena, sizeof(*kept));
	if (!kept) {
		resp_error(r, ERR_INTERNAL, NULL);
		goto out;
	}
	*kept = f;
	send_signed(r, &sr, form_sent, kept);
out:
	if (up && !up->data)
		free(data);
	return 0;
}

struct receipt_row {
	struct req *r;
	json_t *ctx;
	const char *state; /* mail_queued, mail_sent or mail_failed */
	int found;
};

/* The day the answer is due under the Iesniegumu likums (one month from
 * the day it was sent, in Riga; the last day of a shorter month), as
 * people read it. */
static void answer_due(time_t sent, enum lang lang, char out[WHEN_LEN])
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	time_t local = sent + when_riga_offset(sent);
	struct tm tm;
	char date[48];
	int y, m, d, last;

	gmtime_r(&local, &tm);
	y = tm.tm_year + 1900 + (tm.tm_mon == 11);
	m = (tm.tm_mon + 1) % 12; /* 0-based: the next month */
	last = mdays[m] + (m == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	d = tm.tm_mday < last ? tm.tm_mday : last;
	snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m + 1, d);
	when_date_text(date, lang, out);
}

static int receipt_cb(void *cls, const struct db_row *row)
{
	struct receipt_row *rr = cls;
	char when[WHEN_LEN], due[WHEN_LEN];
	time_t t = (time_t)row_int(row, 0);
	const char *st = row_text(row, 5), *rm = row_text(row, 6);

	when_riga(t, rr->r->lang, when);
	answer_due(t, rr->r->lang, due);
	rr->found = 1;
	json_object_set_new(rr->ctx, "when", json_string(when));
	json_object_set_new(rr->ctx, "answer_due", json_string(due));
	json_object_set_new(rr->ctx, "org_slug", json_string(row_text(row, 1)));
	json_object_set_new(rr->ctx, "org_email", json_string(row_text(row, 2)));
	json_object_set_new(rr->ctx, "file_name", json_string(row_text(row, 3)));
	json_object_set_new(rr->ctx, !strcmp(row_text(row, 4), "passed") ? "passed" : "indeterminate", json_true());
	rr->state = st && !strcmp(st, "sent")     ? "mail_sent"
		    : st && !strcmp(st, "failed") ? "mail_failed"
						  : "mail_queued";
	json_object_set_new(rr->ctx, rr->state, json_true());
	/* "asked" (an address added on this page) waits for its link as "pending" does */
	if (rm && *rm)
		json_object_set_new(rr->ctx,
				    arena_printf(rr->r->arena, "receipt_mail_%s", strcmp(rm, "asked") ? rm : "pending"),
				    json_true());
	return 0;
}

static const char SQL_RECEIPT[] = "SELECT s.created_at, s.org_slug, s.org_email, s.file_name, s.verdict, m.status, "
				  "s.receipt_mail "
				  "FROM submission s LEFT JOIN mail_outbox m ON m.id = s.mail_id WHERE s.receipt = $1";

/* "Send the receipt to my e-mail" on the receipt page, for a person who
 * left the field empty (or was over a limit then): the same double opt-in. */
static const struct field receipt_mail_fields[] = {FIELD_EMAIL("epasts", REQUIRED, N_("Your e-mail address")),
						   FIELD_END};

/* The receipt page; f (or NULL) holds the e-mail form's value and error,
 * message (or NULL) a "try later" beside it. */
static void show_receipt(struct req *r, int status, const char *ref, const struct form *f, const char *message)
{
	const struct snapshot *sn = web_snapshot(r);
	struct receipt_row rr;
	struct db *db = app_db(r);
	const struct organisation *org;
	struct form empty;
	json_t *rm, *ctx;

	memset(&rr, 0, sizeof(rr));
	rr.r = r;
	rr.ctx = json_object();
	if (!ref || strlen(ref) > 20 || !db || db_query(db, SQL_RECEIPT, DB_P(PTEXT(ref)), receipt_cb, &rr) < 0 ||
	    !rr.found) {
		json_decref(rr.ctx);
		resp_error(r, ERR_NOT_FOUND, NULL);
		return;
	}
	/* the heading says where the document is now */
	ctx = page_ctx(r,
		       !strcmp(rr.state, "mail_sent")     ? N_("Your document was delivered")
		       : !strcmp(rr.state, "mail_failed") ? N_("Your document could not be delivered")
							  : N_("Your document is on its way"),
		       "send");
	json_object_update(ctx, rr.ctx);
	json_decref(rr.ctx);
	rr.ctx = ctx;
	json_object_set_new(rr.ctx, "receipt", json_string(ref));
	org = catalog_org(sn->cat, json_string_value(json_object_get(rr.ctx, "org_slug")));
	if (org)
		json_object_set_new(rr.ctx, "org", org_brief(r, org));
	rm = json_object_get(rr.ctx, "receipt_mail_pending");
	if (!rm && !json_object_get(rr.ctx, "receipt_mail_confirmed") &&
	    !json_object_get(rr.ctx, "receipt_mail_mailed") && r->site->cfg->public_url && *r->site->cfg->public_url) {
		if (!f) {
			memset(&empty, 0, sizeof(empty));
			f = &empty;
		}
		json_object_set_new(rr.ctx, "offer_mail", json_true());
		json_object_set_new(rr.ctx, "csrf", json_string(csrf_token(r)));
		form_to_ctx(r, receipt_mail_fields, f, rr.ctx);
		if (message)
			form_ctx_add_error(r, rr.ctx, "epasts", N_("Your e-mail address"), message);
	}
	render_flags(r, status, "send-receipt", rr.ctx, RESP_NO_STORE);
}

int page_receipt(struct req *r)
{
	show_receipt(r, 200, req_param(r, 0), NULL, NULL);
	return 0;
}

struct receipt_mail_req {
	struct req *r;
	const char *receipt, *email;
};

static const char SQL_RECEIPT_MAIL_OPEN[] = "SELECT count(*) FROM submission WHERE receipt = $1 AND receipt_mail NOT "
					    "IN ('pending', 'asked', 'confirmed', 'mailed')";

static int receipt_mail_body(struct db *db, void *cls)
{
	struct receipt_mail_req *q = cls;
	long long open = 0;
	int rc = db_query_int(db, SQL_RECEIPT_MAIL_OPEN, DB_P(PTEXT(q->receipt)), &open);

	if (rc != DB_OK)
		return rc;
	if (open != 1)
		return DB_OK; /* unknown, or asked already: nothing more is sent */
	return receipt_confirm_start(db, q->r, q->receipt, q->email, (long long)time(NULL), 0);
}

int form_receipt_mail(struct req *r)
{
	const char *ref = req_param(r, 0);
	struct receipt_mail_req q;
	struct db *db = app_db(r);
	struct form f;
	int rc;

	if (form_validate(r, receipt_mail_fields, &f) != 0) {
		show_receipt(r, 422, ref, &f, NULL);
		return 0;
	}
	if (!ref || strlen(ref) > 20 || !db) {
		resp_error(r, !db ? ERR_UNAVAILABLE : ERR_NOT_FOUND, NULL);
		return 0;
	}
	q.r = r;
	q.receipt = ref;
	q.email = f.value[0];
	rc = db_tx(db, receipt_mail_body, &q);
	if (rc == OUTBOX_EBUDGET) {
		show_receipt(r, 429, ref, &f, send_result_message(r, SEND_BUSY));
		return 0;
	}
	if (rc != DB_OK) {
		log_error("receipt confirmation not stored: %s", db_errmsg(db));
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	mail_worker_kick();
	resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "/nosutit/kvits/%s", ref)));
	return 0;
}
