/* routes.c — every URL epak answers, in one place. The dispatcher
 * (http/server.c) reads the flags; handlers never repeat those checks.
 * English pages are the same paths under /en/. The last field keys a cached
 * page: the query parameters its handler declares (form.h), every name and
 * alias, numbers marked '#'; web_routes_check() holds the two together. */
#include <stdio.h>
#include <string.h>

#include "web/app.h"
#include "web/form.h"
#include "web/web.h"

#define SEARCH_QUERY "q institution iestade event situacija eservice# e# offset# no# limit#"

const struct route web_routes[] = {
    {"GET", "/", page_home, ROUTE_CACHE, NULL},
    {"GET", "/pakalpojumi", page_catalog, ROUTE_CACHE, NULL},
    {"GET", "/pakalpojumi/{slug}", page_service, ROUTE_CACHE, NULL},
    {"GET", "/pakalpojumi/{slug}/jsonld", page_service_jsonld, ROUTE_CACHE, NULL},
    {"GET", "/dzives-situacijas/{slug}", page_event, ROUTE_CACHE, "lapa# tiessaiste#"},
    {"GET", "/iedzivotajiem", page_citizens, ROUTE_CACHE, "lapa#"},
    {"GET", "/uznemejiem", page_businesses, ROUTE_CACHE, "lapa#"},
    {"GET", "/iestades", page_orgs, ROUTE_CACHE, NULL},
    {"GET", "/iestades/{slug}", page_org, ROUTE_CACHE, "lapa#"},
    {"GET", "/e-pakalpojumi", page_eservices, ROUTE_CACHE, "lapa#"},
    {"GET", "/meklet", page_search, ROUTE_CACHE, SEARCH_QUERY},
    {"GET", "/api/v1/search", api_search, ROUTE_JSON | ROUTE_CACHE, SEARCH_QUERY},
    {"GET", "/api/v1/suggest", api_suggest, ROUTE_JSON | ROUTE_CACHE, "q"},
    {"GET", "/palidziba", page_help, ROUTE_CACHE, NULL},
    {"GET", "/drosiba", page_safety, ROUTE_CACHE, NULL},
    {"GET", "/e-zime", page_emark, ROUTE_CACHE, NULL},
    {"GET", "/atsauksmes", page_feedback, 0, NULL},
    {"POST", "/atsauksmes", form_feedback, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/atsauksmes/paldies", page_feedback_thanks, ROUTE_CACHE, NULL},
    {"GET", "/atsauksmes/iestadem", page_feedback_campaign, 0, NULL},
    {"POST", "/atsauksmes/iestadem", form_feedback_campaign, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/pakalpojumi/{slug}/atsauksme", page_service_feedback, 0, "noderiga atviegloja"},
    {"POST", "/pakalpojumi/{slug}/atsauksme", form_service_feedback, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/pakalpojumi/{slug}/atsauksme/paldies", page_service_feedback_thanks, ROUTE_CACHE, NULL},
    /* The newsletter: before any "/jaunumi/{slug}" (the first match wins). */
    {"GET", "/jaunumi/abonet", page_newsletter, 0, NULL},
    {"POST", "/jaunumi/abonet", form_newsletter, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/jaunumi/abonet/apstiprinat/{token}", page_newsletter_confirm, ROUTE_SECRET_PATH, NULL},
    {"POST", "/jaunumi/abonet/apstiprinat/{token}", form_newsletter_confirm,
     ROUTE_FORM | ROUTE_CSRF | ROUTE_SECRET_PATH, NULL},
    {"GET", "/jaunumi/abonet/atteikties/{token}", page_newsletter_unsubscribe, ROUTE_SECRET_PATH, NULL},
    /* RFC 8058 one-click unsubscribe: the mail client posts without a cookie
     * or CSRF token; the unguessable token in the path is the authority
     * (newsletter.c). The one POST route without ROUTE_CSRF. */
    {"POST", "/jaunumi/abonet/atteikties/{token}", form_newsletter_unsubscribe, ROUTE_FORM | ROUTE_SECRET_PATH, NULL},
    {"GET", "/nosutit", page_send, 0, "iestade"},
    {"POST", "/nosutit", form_send, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/nosutit/kvits/{receipt}", page_receipt, ROUTE_SECRET_PATH, NULL},
    {"POST", "/nosutit/kvits/{receipt}", form_receipt_mail, ROUTE_FORM | ROUTE_CSRF | ROUTE_SECRET_PATH, NULL},
    {"GET", "/nosutit/apstiprinat/{token}", page_receipt_confirm, ROUTE_SECRET_PATH, NULL},
    {"POST", "/nosutit/apstiprinat/{token}", form_receipt_confirm, ROUTE_FORM | ROUTE_CSRF | ROUTE_SECRET_PATH, NULL},
    {"GET", "/parakstit", page_sign, 0, NULL},
    {"POST", "/parakstit", form_sign, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/parakstit/nosutit", form_sign_send, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/parbaudit", page_verify, 0, NULL},
    {"POST", "/parbaudit", form_verify, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/pieteikties", page_login, 0, NULL},
    {"POST", "/pieteikties", form_login_password, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/pieteikties/karte", page_login_cert, ROUTE_CLIENT_CERT, "next"},
    {"GET", "/pieteikties/oidc/{provider}/sakt", page_login_oidc_start, 0, NULL},
    {"GET", "/pieteikties/oidc/{provider}", page_login_oidc_return, 0, NULL},
    {"GET", "/pieteikties/otp", page_login_otp, 0, NULL},
    {"POST", "/pieteikties/otp", form_login_otp, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/pieteikties/atjaunot", page_reset_request, 0, NULL},
    {"POST", "/pieteikties/atjaunot", form_reset_request, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/pieteikties/atjaunot/{token}", page_reset, ROUTE_SECRET_PATH, NULL},
    {"POST", "/pieteikties/atjaunot/{token}", form_reset, ROUTE_FORM | ROUTE_CSRF | ROUTE_SECRET_PATH, NULL},
    {"GET", "/api/v1/auth/challenge", api_auth_challenge, ROUTE_JSON, NULL},
    {"POST", "/api/v1/auth/webeid", api_auth_webeid, ROUTE_JSON | ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/iziet", form_logout, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/profils", page_profile, 0, NULL},
    {"POST", "/profils/iziet-visur", form_logout_all, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/profils/otp", page_otp_setup, 0, NULL},
    {"POST", "/profils/otp", form_otp_setup, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs", page_office, 0, NULL},
    {"GET", "/birojs/zurnals", page_audit, 0, NULL},
    {"GET", "/birojs/zurnals.csv", page_audit_csv, 0, NULL},
    {"GET", "/birojs/pakalpojumi", page_services, 0, NULL},
    {"GET", "/birojs/pakalpojumi/jauns", page_service_new, 0, NULL},
    {"POST", "/birojs/pakalpojumi/jauns", form_service_new, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/pakalpojumi/{slug}", page_service_edit, 0, NULL},
    {"POST", "/birojs/pakalpojumi/{slug}", form_service_save, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/pakalpojumi/{slug}/versijas", page_versions, 0, NULL},
    {"GET", "/birojs/pakalpojumi/{slug}/versijas/{n}", page_version, 0, NULL},
    {"POST", "/birojs/pakalpojumi/{slug}/versijas/{n}/atjaunot", form_version_restore, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/pakalpojumi/{slug}/versijas/{n}/priekssk", page_version_preview, 0, NULL},
    {"GET", "/birojs/pakalpojumi/{slug}/priekssk", page_version_preview, 0, NULL},
    {"GET", "/birojs/parbaude", page_review, 0, NULL},
    {"POST", "/birojs/parbaude/{slug}/{n}/apstiprinat", form_review_approve, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/parbaude/{slug}/{n}/atgriezt", form_review_return, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/parskats", page_health, 0, NULL},
    {"GET", "/birojs/parskats.csv", page_health_csv, 0, NULL},
    {"GET", "/birojs/parskats/{slug}/{what}", page_health_list, 0, NULL},
    {"GET", "/birojs/iestades", page_office_institutions, 0, NULL},
    {"GET", "/birojs/iestades/jauna", page_office_institution_new, 0, NULL},
    {"POST", "/birojs/iestades/jauna", form_office_institution_new, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/iestades/{slug}", page_office_institution, 0, NULL},
    {"POST", "/birojs/iestades/{slug}", form_office_institution, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/iestades/{slug}/darbinieki", form_office_institution_staff, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/iestades/{slug}/darbinieki/nonemt", form_office_institution_staff_remove, ROUTE_FORM | ROUTE_CSRF,
     NULL},
    {"POST", "/birojs/iestades/{slug}/parskatisana", form_office_institution_review, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/meklesana", page_searchtune, 0, NULL},
    {"POST", "/birojs/meklesana", form_searchtune, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/meklesana/atjaunot", form_searchtune_restore, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/meklesana/novertet", form_searchtune_eval, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/saites", page_links, 0, NULL},
    {"GET", "/birojs/saites.csv", page_links_csv, 0, NULL},
    {"GET", "/birojs/saites/{id}", page_link, 0, NULL},
    {"GET", "/jaunumi", page_news, ROUTE_CACHE, "lapa#"},
    {"GET", "/jaunumi/atom.xml", page_news_feed, ROUTE_CACHE, NULL},
    {"GET", "/jaunumi/{slug}", page_news_article, ROUTE_CACHE, NULL},
    {"GET", "/birojs/jaunumi", page_office_news, 0, NULL},
    {"GET", "/birojs/jaunumi/jauns", page_office_news_new, 0, NULL},
    {"POST", "/birojs/jaunumi/jauns", form_office_news_new, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/jaunumi/{id}", page_office_news_edit, 0, NULL},
    {"POST", "/birojs/jaunumi/{id}", form_office_news_save, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/materiali", page_materials, 0, NULL},
    {"GET", "/materiali/{id}/lejupielade", page_material_download, 0, NULL},
    {"GET", "/birojs/materiali", page_office_materials, 0, NULL},
    {"POST", "/birojs/materiali", form_office_material_new, ROUTE_FORM | ROUTE_CSRF | ROUTE_LARGE_BODY, NULL},
    {"GET", "/birojs/materiali/{id}", page_office_material, 0, NULL},
    {"POST", "/birojs/materiali/{id}", form_office_material_save, ROUTE_FORM | ROUTE_CSRF | ROUTE_LARGE_BODY, NULL},
    {"POST", "/birojs/materiali/{id}/dzest", form_office_material_delete, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/buj", page_faq, ROUTE_CACHE, NULL},
    {"GET", "/kontakti", page_contacts, ROUTE_CACHE, NULL},
    {"GET", "/ka-sakt", page_start, ROUTE_CACHE, NULL},
    {"GET", "/birojs/buj", page_office_faq, 0, NULL},
    {"POST", "/birojs/buj/temas", form_office_faq_topic_new, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/buj/temas/{slug}", form_office_faq_topic, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/buj/jauns", page_office_faq_new, 0, NULL},
    {"POST", "/birojs/buj/jauns", form_office_faq_new, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/buj/{id}", page_office_faq_entry, 0, NULL},
    {"POST", "/birojs/buj/{id}", form_office_faq_entry, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/buj/{id}/dzest", form_office_faq_delete, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/fakti", page_office_facts, 0, NULL},
    {"POST", "/birojs/fakti/{slug}", form_office_fact, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/fakti/{slug}/parbaudits", form_office_fact_checked, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/atsauksmes", page_office_feedback, 0, "iestade periods"},
    {"GET", "/birojs/atsauksmes.csv", page_office_feedback_csv, 0, "iestade periods"},
    {"POST", "/birojs/atsauksmes/{id}/apstradats", form_office_feedback_handled, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/vestkopa", page_office_newsletter, 0, NULL},
    {"POST", "/birojs/vestkopa", form_office_newsletter, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/vestkopa/{id}", page_office_newsletter_issue, 0, NULL},
    {"POST", "/birojs/vestkopa/{id}", form_office_newsletter_issue, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/vestkopa/{id}/izmeginat", form_office_newsletter_test, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/vestkopa/{id}/sutit", form_office_newsletter_send, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/static/{file}", page_static, 0, NULL},
    {"GET", "/robots.txt", page_robots, 0, NULL},
    {"GET", "/sitemap.xml", page_sitemap, 0, NULL},
    {"GET", "/sitemap/{file}", page_sitemap_part, 0, NULL},
    {"GET", "/favicon.ico", page_favicon, 0, NULL},
    {"GET", "/api/v1/health", api_health, ROUTE_JSON, NULL},
    {"GET", "/api/v1/health/live", api_health_live, ROUTE_JSON, NULL},
    {"GET", "/api/v1/health/ready", api_health_ready, ROUTE_JSON, NULL},
    {"GET", "/metrics", page_metrics, 0, NULL},
    {"GET", "/api/v1/openapi.json", api_openapi, ROUTE_JSON | ROUTE_CACHE, NULL},
    {"POST", "/api/v1/sign/start", api_sign_start, ROUTE_JSON | ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/api/v1/sign/finish", api_sign_finish, ROUTE_JSON | ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/jautajums", page_ask, 0, NULL},
    {"POST", "/jautajums", form_ask, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/jautajums/paldies", page_ask_thanks, 0, NULL},
    {"GET", "/birojs/jautajumi", page_questions, 0, NULL},
    {"GET", "/birojs/jautajumi/{id}", page_question, 0, NULL},
    {"POST", "/birojs/jautajumi/{id}", form_question_answer, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/jautajumi/{id}/nodot", form_question_assign, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/jautajumi/{id}/slegt", form_question_close, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/jautajumi/{id}/buj", form_question_faq, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/profils/jautajumi", page_my_questions, 0, NULL},
};

const size_t web_nroutes = sizeof(web_routes) / sizeof(web_routes[0]);

/* The declared parameters of each handler that reads the query string. */
static const struct {
	route_fn fn;
	const struct field *params;
} route_params[] = {
    {page_event, event_params},  {page_citizens, list_params},  {page_businesses, list_params},
    {page_org, list_params},     {page_eservices, list_params}, {page_search, search_params},
    {api_search, search_params}, {api_suggest, suggest_params}, {page_news, list_params},
};

int web_routes_check(struct err *err)
{
	const struct field *params;
	struct err why = {0};
	size_t i, k;

	for (i = 0; i < web_nroutes; i++) {
		params = NULL;
		for (k = 0; k < sizeof(route_params) / sizeof(route_params[0]); k++)
			if (route_params[k].fn == web_routes[i].fn)
				params = route_params[k].params;
		if (!(web_routes[i].flags & ROUTE_CACHE) || (!params && !web_routes[i].query))
			continue; /* the key matters to cached pages only */
		if (!params) {
			err_set(err, ERR_INTERNAL, "route %s: a cache key without declared parameters",
				web_routes[i].pattern);
			return -1;
		}
		if (query_spec_check(web_routes[i].query, params, &why) != 0) {
			err_set(err, ERR_INTERNAL, "route %s: %s", web_routes[i].pattern, why.msg);
			return -1;
		}
	}
	return 0;
}
