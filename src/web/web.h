/* web.h — what page handlers share: the page context every template gets,
 * rendering, and error pages. Each page family lives in its own page_*.c and
 * exposes only its handlers (declared here for the route table). */
#ifndef EPAK_WEB_H
#define EPAK_WEB_H

#include <jansson.h>

#include "core/buf.h"
#include "core/errors.h"
#include "http/http.h"
#include "web/form.h"
#include "core/err.h"

/* The context every page starts from: language, links, assets, navigation.
 * title is a msgid (translated here) or NULL. current names the nav item to
 * mark (e.g. "home"). Caller owns the result. */
json_t *page_ctx(struct req *r, const char *title_msgid, const char *current);
/* A time (unix seconds) as people in Riga read it, in r's language and
 * arena; "" for 0. */
const char *page_when(struct req *r, long long t);
/* Renders template name with ctx (consumed) and answers with status. */
void render(struct req *r, int status, const char *name, json_t *ctx);
void render_flags(struct req *r, int status, const char *name, json_t *ctx, unsigned resp_flags);
/* Renders into out; 0 on success. ctx is consumed. */
int render_to(struct req *r, const char *name, json_t *ctx, struct buf *out);

/* The HTML error page (the site's render_error callback). */
int web_render_error(struct req *r, enum err_code code, const char *detail, struct buf *out);
/* The portal's public address (public-url) without a trailing slash, for
 * links in mail; NULL when it is not set. */
const char *public_base(struct req *r);
/* Sends a JSON value (consumed). */
void resp_json(struct req *r, int status, json_t *v);
/* The same with resp_send flags (RESP_NO_STORE for one-time answers). */
void resp_json_flags(struct req *r, int status, json_t *v, unsigned resp_flags);

/* Declared query parameters (form.h) of the routes that take any: routes.c
 * checks them against each route's cache key at start. */
extern const struct field search_params[]; /* /meklet and /api/v1/search */
extern const struct field suggest_params[];
extern const struct field list_params[];  /* ?lapa=N of long lists */
extern const struct field event_params[]; /* a life situation: ?tiessaiste=1, its online services alone */
/* 0 when every route's cache key names exactly its declared parameters. */
int web_routes_check(struct err *err);

/* Handlers (route table in routes.c). */
int page_home(struct req *r);
int page_health(struct req *r);
int page_health_csv(struct req *r);
int page_health_list(struct req *r);
int page_help(struct req *r);
int page_safety(struct req *r);
int page_emark(struct req *r);
int page_feedback(struct req *r);
int form_feedback(struct req *r);
int page_feedback_thanks(struct req *r);
int page_static(struct req *r);
int page_robots(struct req *r);       /* sitemap.c */
int page_sitemap(struct req *r);      /* sitemap.c */
int page_sitemap_part(struct req *r); /* sitemap.c */
/* Sets alt_lv and alt_en: this page's address in each language, absolute
 * when public-url is set (the layout's hreflang links; sitemap.c). */
void page_alternates(struct req *r, json_t *ctx);
int page_favicon(struct req *r);
int api_health(struct req *r);
/* page_metrics.c: liveness, readiness (api_health is readiness) and /metrics */
int api_health_live(struct req *r);
int api_health_ready(struct req *r);
int page_metrics(struct req *r);
int api_openapi(struct req *r); /* api_doc.c */
int page_verify(struct req *r);
int form_verify(struct req *r);
int page_catalog(struct req *r);
int page_service(struct req *r);
int page_service_jsonld(struct req *r);
int page_event(struct req *r);
int page_citizens(struct req *r);
int page_businesses(struct req *r);
int page_orgs(struct req *r);
int page_org(struct req *r);
int page_eservices(struct req *r);
int page_search(struct req *r);
int api_search(struct req *r);
int api_suggest(struct req *r);
int page_send(struct req *r);
int form_send(struct req *r);
int page_receipt(struct req *r);
int form_receipt_mail(struct req *r);
int page_receipt_confirm(struct req *r);
int form_receipt_confirm(struct req *r);
int page_sign(struct req *r);
int form_sign(struct req *r);
int form_sign_send(struct req *r);
int api_sign_start(struct req *r);
int api_sign_finish(struct req *r);
int page_login(struct req *r);
int page_login_cert(struct req *r); /* login_cert.c: GET /pieteikties/karte */
int form_login_password(struct req *r);
int api_auth_challenge(struct req *r);
int api_auth_webeid(struct req *r);
int page_login_oidc_start(struct req *r);  /* login_oidc.c: GET /pieteikties/oidc/{provider}/sakt */
int page_login_oidc_return(struct req *r); /* GET /pieteikties/oidc/{provider}: the provider's return */
int page_login_otp(struct req *r);
int form_login_otp(struct req *r);
int page_reset_request(struct req *r);
int form_reset_request(struct req *r);
int page_reset(struct req *r);
int form_reset(struct req *r);
int form_logout(struct req *r);
int form_logout_all(struct req *r);
int page_profile(struct req *r);
int page_otp_setup(struct req *r);
int form_otp_setup(struct req *r);
int page_office(struct req *r);
int page_audit(struct req *r);
/* page_institutions.c: /birojs/iestades (administrators) */
int page_office_institutions(struct req *r);
int page_office_institution_new(struct req *r);
int form_office_institution_new(struct req *r);
int page_office_institution(struct req *r);
int form_office_institution(struct req *r);
int form_office_institution_staff(struct req *r);
int form_office_institution_staff_remove(struct req *r);
int form_office_institution_review(struct req *r);
int page_audit_csv(struct req *r);
int page_searchtune(struct req *r); /* page_searchtune.c: /birojs/meklesana */
int form_searchtune(struct req *r);
int form_searchtune_restore(struct req *r);
int form_searchtune_eval(struct req *r);
int page_links(struct req *r);     /* page_links.c: GET /birojs/saites */
int page_links_csv(struct req *r); /* GET /birojs/saites.csv */
int page_link(struct req *r);      /* GET /birojs/saites/{id}: one link's history */
/* /birojs: the link report's entry, and an institution editor's broken and
 * redirected links (page_links.c). */
void links_office_ctx(struct req *r, json_t *ctx);
/* CSV (page_office.c): one quoted field and its separator (last: the line
 * end); csv_text the same for text someone typed: a cell a spreadsheet
 * would read as a formula gets a leading quote (csv_cell: such a text for
 * csv_field, in r's arena). */
void csv_field(struct buf *b, const char *s, int last);
void csv_text(struct buf *b, const char *s, int last);
const char *csv_cell(struct req *r, const char *s);
/* page_svcfeedback.c: feedback on services and the campaign, the dashboard */
int page_service_feedback(struct req *r);        /* GET /pakalpojumi/{slug}/atsauksme */
int form_service_feedback(struct req *r);        /* POST /pakalpojumi/{slug}/atsauksme */
int page_service_feedback_thanks(struct req *r); /* GET /pakalpojumi/{slug}/atsauksme/paldies */
int page_feedback_campaign(struct req *r);       /* GET /atsauksmes/iestadem */
int form_feedback_campaign(struct req *r);       /* POST /atsauksmes/iestadem */
int page_office_feedback(struct req *r);         /* GET /birojs/atsauksmes */
int page_office_feedback_csv(struct req *r);     /* GET /birojs/atsauksmes.csv */
int form_office_feedback_handled(struct req *r); /* POST /birojs/atsauksmes/{id}/apstradats */
/* page_services.c: the services an editor may edit, one service's form, a new service */
int page_services(struct req *r);
int page_service_edit(struct req *r);
int form_service_save(struct req *r);
int page_service_new(struct req *r);
int form_service_new(struct req *r);
/* page_versions.c: a service's versions, the preview, the review queue */
int page_versions(struct req *r);
int page_version(struct req *r);
int form_version_restore(struct req *r);
int page_version_preview(struct req *r);
int page_review(struct req *r);
int form_review_approve(struct req *r);
int form_review_return(struct req *r);

/* page_materials.c: the materials for informers, public and back office */
int page_materials(struct req *r);
int page_material_download(struct req *r);
int page_office_materials(struct req *r);
int form_office_material_new(struct req *r);
int page_office_material(struct req *r);
int form_office_material_save(struct req *r);
int form_office_material_delete(struct req *r);

/* The back-office service of the path's {slug} (page_versions.c): found
 * among the versioned ones (a draft too), else in the published catalog
 * (with the overlay of recent edits). Answers r and returns -1 unless the
 * person may edit it: anonymous → login, no editing role → 403, unknown
 * slug → 404, an institution editor of neither the newest version's nor
 * the published authority → 403. 0 with ref filled. */
struct service;
struct office_svc {
	const char *slug, *iri, *institution; /* institution: the newest version's (else the published one) */
	const struct service *pub;            /* as the public pages show it now, or NULL */
};
int office_service_find(struct req *r, struct office_svc *ref);

/* page_faq.c: the FAQ (/buj) and its back office (/birojs/buj) */
int page_faq(struct req *r);
int page_office_faq(struct req *r);
int form_office_faq_topic_new(struct req *r);
int form_office_faq_topic(struct req *r);
int page_office_faq_new(struct req *r);
int form_office_faq_new(struct req *r);
int page_office_faq_entry(struct req *r);
int form_office_faq_entry(struct req *r);
int form_office_faq_delete(struct req *r);
/* page_facts.c: facts kept current (/birojs/fakti); facts_health_ctx adds
 * the facts not checked for fact-check-days to the content-health page's
 * context ("facts_stale", "fact_check_days") */
int page_office_facts(struct req *r);
int form_office_fact(struct req *r);
int form_office_fact_checked(struct req *r);
void facts_health_ctx(struct req *r, json_t *ctx);
/* page_useful.c: /kontakti and /ka-sakt */
int page_contacts(struct req *r);
int page_start(struct req *r);

/* The public service page's context for s (page_catalog.c; the preview
 * renders it too, from a catalog that holds the draft). */
/* One save against the person's back-office budget (limit-office-saves per
 * hour): 0, or -1 after answering r (429, or 503 on a database error). */
int office_save_budget(struct req *r);

struct snapshot;
json_t *service_page_ctx(struct req *r, const struct snapshot *sn, const struct service *s);

/* For the edit page (page_versions.c). An audit entry for a save of the
 * service slug: action "service-saved" (svc_save with any action),
 * "service-restored", ...; its detail says the version and the result
 * (from: the restored version, or 0). */
struct svc_saved;
void version_audit(struct req *r, const char *slug, const char *action, const struct svc_saved *s, long long from);
/* The conflict block (partials/office-version-conflict): who saved the
 * newer version saved->version and when, and the three-way difference of
 * the base the person started from, the newer version and the person's
 * own form mine. New reference. */
json_t *version_conflict_ctx(struct req *r, const char *iri, long long base, const json_t *mine,
			     const struct svc_saved *saved);
/* Sets ctx's "version_base" (the newest version's number, 0: none: the
 * edit form's hidden base), and "version_returned" {number, comment,
 * reviewer, at} or "version_pending" (its number) from the newest version. */
void version_state_ctx(struct req *r, const char *iri, json_t *ctx);

/* page_news.c: news (/jaunumi, its Atom feeds) and their back office (/birojs/jaunumi) */
int page_news(struct req *r);
int page_news_article(struct req *r);
int page_news_feed(struct req *r);
int page_office_news(struct req *r);
int page_office_news_new(struct req *r);
int form_office_news_new(struct req *r);
int page_office_news_edit(struct req *r);
int form_office_news_save(struct req *r);
/* page_ask.c: "Uzdod jautājumu" (/jautajums), the questions in the back
 * office (/birojs/jautajumi) and a person's own (/profils/jautajumi) */
int page_ask(struct req *r);
int form_ask(struct req *r);
int page_ask_thanks(struct req *r);
int page_questions(struct req *r);
int page_question(struct req *r);
int form_question_answer(struct req *r);
int form_question_assign(struct req *r);
int form_question_close(struct req *r);
int form_question_faq(struct req *r);
int page_my_questions(struct req *r);
/* Sets "questions_overdue" (overdue questions the person may handle) and
 * "questions_url" for the content-health view (page_health.c). */
void questions_health_ctx(struct req *r, json_t *ctx);
/* Erases the personal fields of questions past question-retention-days
 * (the purger thread, sign_session.c). DB_OK or an error. */
struct db;
struct config;
int question_purge(struct db *db, const struct config *cfg, long long now);
/* newsletter.c: /jaunumi/abonet and /birojs/vestkopa (see newsletter.h) */
int page_newsletter(struct req *r);
int form_newsletter(struct req *r);
int page_newsletter_confirm(struct req *r);
int form_newsletter_confirm(struct req *r);
int page_newsletter_unsubscribe(struct req *r);
int form_newsletter_unsubscribe(struct req *r); /* RFC 8058 one-click: no CSRF (the token is the authority) */
int page_office_newsletter(struct req *r);
int form_office_newsletter(struct req *r);
int page_office_newsletter_issue(struct req *r);
int form_office_newsletter_issue(struct req *r);
int form_office_newsletter_test(struct req *r);
int form_office_newsletter_send(struct req *r);

#endif
