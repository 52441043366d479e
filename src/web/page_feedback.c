/* page_feedback.c — "Was this useful?": feedback from the people who use the
 * portal and from institutions (the seed asks for both). No personal data is
 * asked for; the message is stored for the ministry's editors. */
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/form.h"
#include "web/web.h"

static const char *const topics[] = {"portal", "eservice", "campaign", "accessibility", "other", NULL};
static const char *const roles[] = {"resident", "business", "institution", NULL};
static const char *const useful[] = {"yes", "partly", "no", NULL};

static const struct field feedback_fields[] = {
    FIELD_CHOICE("topic", REQUIRED, topics, N_("What is it about?")),
    FIELD_CHOICE("role", OPTIONAL, roles, N_("Who are you?")),
    FIELD_CHOICE("useful", OPTIONAL, useful, N_("Did you find what you needed?")),
    FIELD_TEXTAREA("message", REQUIRED, 10, 2000, N_("Your feedback")),
    FIELD_HONEYPOT("website"),
    FIELD_END};

enum { F_TOPIC, F_ROLE, F_USEFUL, F_MESSAGE };

static void show_form(struct req *r, int status, const struct form *f)
{
	json_t *ctx = page_ctx(r, N_("Feedback"), "feedback");
	struct form empty;

	if (!f) {
		memset(&empty, 0, sizeof(empty));
		f = &empty;
	}
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	form_to_ctx(r, feedback_fields, f, ctx);
	render(r, status, "feedback", ctx);
}

int page_feedback(struct req *r)
{
	show_form(r, 200, NULL);
	return 0;
}

static const char SQL_FEEDBACK_INSERT[] = "INSERT INTO feedback (created_at, lang, topic, role, useful, message) "
					  "VALUES ($1, $2, $3, $4, $5, $6)";

int form_feedback(struct req *r)
{
	struct form f;
	struct db *db;
	struct db_param p[6];
	int rc;

	if (form_validate(r, feedback_fields, &f) != 0) {
		if (f.spam) {
			/* Answer a bot as if it succeeded; store nothing. */
			render(r, 200, "feedback-thanks", page_ctx(r, N_("Thank you for your feedback"), "feedback"));
			return 0;
		}
		show_form(r, 422, &f);
		return 0;
	}
	/* A stranger's stored text: per network, then everyone's typed texts
	 * together (an IPv6 /48 holds 65 536 networks of /64). */
	rc = auth_take(r, "feedback-net", req_client_net(r), 3600, app_of(r)->cfg->limit_feedback_network);
	if (rc == DB_OK)
		rc = auth_take(r, "feedback-comments", "all", 3600, app_of(r)->cfg->limit_feedback_comments);
	if (rc == RATE_LIMITED) {
		resp_error(r, ERR_TOO_MANY,
			   i18n_tr(r->lang, N_("Too many answers are coming in just now. Please try again later.")));
		return 0;
	}
	db = app_db(r);
	p[0] = PINT((long long)time(NULL));
	p[1] = PTEXT(lang_code(r->lang));
	p[2] = PTEXT(f.value[F_TOPIC]);
	p[3] = *f.value[F_ROLE] ? PTEXT(f.value[F_ROLE]) : PNULL;
	p[4] = *f.value[F_USEFUL] ? PTEXT(f.value[F_USEFUL]) : PNULL;
	p[5] = PTEXT(f.value[F_MESSAGE]);
	if (rc != DB_OK || !db || db_exec(db, SQL_FEEDBACK_INSERT, p, 6, NULL) != 0) {
		log_error("feedback not stored: %s", db ? db_errmsg(db) : "no database");
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	/* Post/redirect/get: reloading the thanks page sends nothing twice. */
	resp_redirect(r, 303, r->lang == LANG_EN ? "/en/atsauksmes/paldies" : "/atsauksmes/paldies");
	return 0;
}

int page_feedback_thanks(struct req *r)
{
	render(r, 200, "feedback-thanks", page_ctx(r, N_("Thank you for your feedback"), "feedback"));
	return 0;
}
