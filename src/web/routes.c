/* routes.c — every URL epak answers, in one place. The dispatcher
 * (http/server.c) reads the flags; handlers never repeat those checks.
 * English pages are the same paths under /en/. */
#include "web/app.h"
#include "web/web.h"

const struct route web_routes[] = {
    {"GET", "/", page_home, ROUTE_CACHE},
    {"GET", "/pakalpojumi", page_catalog, ROUTE_CACHE},
    {"GET", "/pakalpojumi/{slug}", page_service, ROUTE_CACHE},
    {"GET", "/pakalpojumi/{slug}/jsonld", page_service_jsonld, ROUTE_CACHE},
    {"GET", "/dzives-situacijas/{slug}", page_event, ROUTE_CACHE},
    {"GET", "/iedzivotajiem", page_citizens, ROUTE_CACHE},
    {"GET", "/uznemejiem", page_businesses, ROUTE_CACHE},
    {"GET", "/iestades", page_orgs, ROUTE_CACHE},
    {"GET", "/iestades/{slug}", page_org, ROUTE_CACHE},
    {"GET", "/e-pakalpojumi", page_eservices, ROUTE_CACHE},
    {"GET", "/meklet", page_search, ROUTE_CACHE},
    {"GET", "/api/v1/search", api_search, ROUTE_JSON | ROUTE_CACHE},
    {"GET", "/api/v1/suggest", api_suggest, ROUTE_JSON | ROUTE_CACHE},
    {"GET", "/palidziba", page_help, ROUTE_CACHE},
    {"GET", "/drosiba", page_safety, ROUTE_CACHE},
    {"GET", "/e-zime", page_emark, ROUTE_CACHE},
    {"GET", "/atsauksmes", page_feedback, 0},
    {"POST", "/atsauksmes", form_feedback, ROUTE_FORM | ROUTE_CSRF},
    {"GET", "/atsauksmes/paldies", page_feedback_thanks, ROUTE_CACHE},
    {"GET", "/nosutit", page_send, 0},
    {"POST", "/nosutit", form_send, ROUTE_FORM | ROUTE_CSRF},
    {"GET", "/nosutit/kvits/{receipt}", page_receipt, ROUTE_SECRET_PATH},
    {"POST", "/nosutit/kvits/{receipt}", form_receipt_mail, ROUTE_FORM | ROUTE_CSRF | ROUTE_SECRET_PATH},
    {"GET", "/nosutit/apstiprinat/{token}", page_receipt_confirm, ROUTE_SECRET_PATH},
    {"POST", "/nosutit/apstiprinat/{token}", form_receipt_confirm, ROUTE_FORM | ROUTE_CSRF | ROUTE_SECRET_PATH},
    {"GET", "/parakstit", page_sign, 0},
    {"POST", "/parakstit", form_sign, ROUTE_FORM | ROUTE_CSRF},
    {"POST", "/parakstit/nosutit", form_sign_send, ROUTE_FORM | ROUTE_CSRF},
    {"GET", "/parbaudit", page_verify, 0},
    {"POST", "/parbaudit", form_verify, ROUTE_FORM | ROUTE_CSRF},
    {"GET", "/static/{file}", page_static, 0},
    {"GET", "/robots.txt", page_robots, 0},
    {"GET", "/favicon.ico", page_favicon, 0},
    {"GET", "/api/v1/health", api_health, ROUTE_JSON},
    {"POST", "/api/v1/sign/start", api_sign_start, ROUTE_JSON | ROUTE_FORM | ROUTE_CSRF},
    {"POST", "/api/v1/sign/finish", api_sign_finish, ROUTE_JSON | ROUTE_FORM | ROUTE_CSRF},
};

const size_t web_nroutes = sizeof(web_routes) / sizeof(web_routes[0]);
