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
    {"GET", "/dzives-situacijas/{slug}", page_event, ROUTE_CACHE, "lapa#"},
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
    {"GET", "/birojs/vestkopa", page_office_newsletter, 0, NULL},
    {"POST", "/birojs/vestkopa", form_office_newsletter, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/birojs/vestkopa/{id}", page_office_newsletter_issue, 0, NULL},
    {"POST", "/birojs/vestkopa/{id}", form_office_newsletter_issue, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/vestkopa/{id}/izmeginat", form_office_newsletter_test, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/birojs/vestkopa/{id}/sutit", form_office_newsletter_send, ROUTE_FORM | ROUTE_CSRF, NULL},
    {"GET", "/static/{file}", page_static, 0, NULL},
    {"GET", "/robots.txt", page_robots, 0, NULL},
    {"GET", "/favicon.ico", page_favicon, 0, NULL},
    {"GET", "/api/v1/health", api_health, ROUTE_JSON, NULL},
    {"POST", "/api/v1/sign/start", api_sign_start, ROUTE_JSON | ROUTE_FORM | ROUTE_CSRF, NULL},
    {"POST", "/api/v1/sign/finish", api_sign_finish, ROUTE_JSON | ROUTE_FORM | ROUTE_CSRF, NULL},
};

const size_t web_nroutes = sizeof(web_routes) / sizeof(web_routes[0]);

/* The declared parameters of each handler that reads the query string. */
static const struct {
	route_fn fn;
	const struct field *params;
} route_params[] = {
    {page_event, list_params},   {page_citizens, list_params},  {page_businesses, list_params},
    {page_org, list_params},     {page_eservices, list_params}, {page_search, search_params},
    {api_search, search_params}, {api_suggest, suggest_params},
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
