/* login_cert.c — logging in with the eID card's TLS client certificate,
 * GET /pieteikties/karte, in either of two deployments:
 *
 *   (a) epak terminates TLS: the route is served on the tls-client-listen
 *       address, whose handshake asks for a certificate (server.c);
 *   (b) nginx terminates TLS, verifies the certificate and passes it in
 *       X-Client-Cert; the header counts only from auth-cert-proxies, and
 *       from anyone else it is refused and audited.
 *
 * Either way the certificate gets the same check as a Web eID login
 * (sign/auth_cert.h: chain to the trust anchors, validity, authentication
 * purpose rather than signing, OCSP) in the worker pool, and auth_login or
 * auth_refuse answers. The personal code never reaches a log line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "core/log.h"
#include "core/url.h"
#include "http/async.h"
#include "sign/auth_cert.h"
#include "store/ratelimit.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/web.h"

struct cert_job {
	struct auth_cert_ctx *check;
	unsigned char *der;
	size_t len;
	unsigned char *chain; /* intermediates the client sent (DER after DER), or NULL */
	size_t chain_len;
	char *next;
	const char *via; /* "handshake" or "proxy" (log only) */
	enum auth_cert_result res;
	struct auth_identity id;
	char why[256];
};

static void cert_work(void *cls)
{
	struct cert_job *j = cls;
	const unsigned char *p, *end;
	STACK_OF(X509) *extra = NULL;
	X509 *x;

	if (!j->chain) {
		j->res = auth_cert_check_bytes(j->check, j->der, j->len, 0, &j->id, j->why, sizeof(j->why));
		return;
	}
	end = j->chain + j->chain_len;
	p = j->der;
	x = d2i_X509(NULL, &p, (long)j->len);
	extra = sk_X509_new_null();
	for (p = j->chain; x && extra && p < end;) {
		X509 *c = d2i_X509(NULL, &p, (long)(end - p));

		if (!c || !sk_X509_push(extra, c)) {
			X509_free(c);
			break;
		}
	}
	if (!x || !extra) {
		j->res = AUTH_CERT_BAD_FORMAT;
		snprintf(j->why, sizeof(j->why), "certificate not readable");
	} else {
		j->res = auth_cert_check(j->check, x, extra, 0, &j->id, j->why, sizeof(j->why));
	}
	sk_X509_pop_free(extra, X509_free);
	X509_free(x);
}

static void cert_job_free(struct cert_job *j)
{
	free(j->der);
	free(j->chain);
	free(j->next);
	free(j);
}

static void cert_done(struct req *r, void *cls)
{
	struct cert_job *j = cls;
	struct identity id;

	if (r && j->res == AUTH_CERT_OK) {
		memset(&id, 0, sizeof(id));
		id.method = "tls";
		id.pno = arena_strdup(r->arena, j->id.pno);
		id.country = arena_strdup(r->arena, j->id.country);
		id.name = arena_strdup(r->arena, j->id.name);
		log_info("certificate login accepted (%s)", j->via);
		auth_login(r, &id, j->next, AUTH_REDIRECT);
	} else if (r) {
		log_info("certificate login refused (%s): %s", j->via, j->why);
		auth_refuse(r, "tls", 0, auth_cert_reason(j->res), auth_cert_message(j->res), AUTH_REDIRECT);
	}
	cert_job_free(j);
}

/* Configured: a certificate check, and a way for a certificate to arrive. */
static int cert_login_on(const struct app *app)
{
	const struct config *cfg = app->cfg;

	return app->auth_cert && (*cfg->tls_client_listen || *cfg->auth_cert_proxies);
}

int page_login_cert(struct req *r)
{
	const struct app *app = app_of(r);
	const char *next = req_query(r, "next");
	const unsigned char *der;
	size_t len;
	struct cert_job *j;

	if (!cert_login_on(app)) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	switch (req_client_cert(r, &der, &len)) {
	case CLIENT_CERT_UNTRUSTED:
		/* someone else than the configured proxy claims a verified
		 * certificate: a certificate is public, possession is not */
		log_warn("X-Client-Cert from an address not in auth-cert-proxies: refused");
		auth_refuse(r, "tls", 0, "certificate header from a non-proxy address",
			    N_("The certificate cannot be accepted this way."), AUTH_REDIRECT);
		return 0;
	case CLIENT_CERT_BAD_HEADER:
		auth_refuse(r, "tls", 0, "unreadable certificate header", N_("The certificate could not be read."),
			    AUTH_REDIRECT);
		return 0;
	case CLIENT_CERT_NONE:
		auth_refuse(r, "tls", 0, "no certificate",
			    N_("No certificate was offered. Insert the eID card in the reader and choose its "
			       "authentication certificate when the browser asks."),
			    AUTH_REDIRECT);
		return 0;
	case CLIENT_CERT_TLS:
	case CLIENT_CERT_PROXY: break;
	}
	/* each check is a worker job (and, for a good chain, an OCSP request):
	 * budgeted per network with every other way of logging in */
	if (auth_take(r, "login-net", req_client_net(r), 600, r->site->cfg->limit_login_network) == RATE_LIMITED) {
		login_page(r, 429, N_("Too many login attempts from your network. Wait a few minutes and try again."),
			   next && auth_next_ok(next) ? next : NULL);
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (j) {
		j->der = malloc(len);
		j->next = next && auth_next_ok(next) ? strdup(next) : NULL;
	}
	if (!j || !j->der || (next && auth_next_ok(next) && !j->next)) {
		if (j)
			cert_job_free(j);
		resp_error(r, ERR_INTERNAL, NULL);
		return 0;
	}
	memcpy(j->der, der, len);
	j->len = len;
	if (req_client_cert_chain(r, &der, &len) == 0) {
		j->chain = malloc(len);
		if (j->chain) {
			memcpy(j->chain, der, len);
			j->chain_len = len;
		}
	}
	j->check = app->auth_cert;
	j->via = req_on_cert_listener(r) ? "handshake" : "proxy";
	if (async_run_bytes(r, cert_work, cert_done, j, j->len + j->chain_len + sizeof(*j)) != 0)
		cert_job_free(j);
	return 0;
}

/* The login page's button: to the certificate-asking address, keeping the
 * return path. */
void login_cert_ctx(struct req *r, json_t *ctx)
{
	const struct app *app = app_of(r);
	const struct config *cfg = app->cfg;
	const char *next = req_query(r, "next");
	const char *base, *sep, *host, *port, *q = "";
	size_t hlen;

	if (!cert_login_on(app))
		return;
	if (!next && r->form)
		next = req_form(r, "next");
	if (next && auth_next_ok(next))
		q = arena_printf(r->arena, "?next=%s", url_query_value(r->arena, next));
	if (*cfg->auth_cert_url) {
		base = cfg->auth_cert_url;
	} else if (*cfg->tls_client_listen) {
		/* the site's host (public-url's, else this request's), the
		 * listener's port */
		sep = strstr(cfg->public_url, "://");
		host = sep ? sep + 3 : req_host(r);
		if (!host)
			return;
		hlen = strcspn(host, "/?#");
		if (hlen && host[hlen - 1] != ']') {
			const char *c = memrchr(host, ':', hlen);

			if (c)
				hlen = (size_t)(c - host);
		}
		if (!url_host_ok(host, hlen))
			return; /* no button rather than a link built from a strange Host */
		port = strrchr(cfg->tls_client_listen, ':');
		base = arena_printf(r->arena, "https://%.*s%s%s/pieteikties/karte", (int)hlen, host,
				    strcmp(port, ":443") ? port : "", r->lang == LANG_EN ? "/en" : "");
	} else {
		base = r->lang == LANG_EN ? "/en/pieteikties/karte" : "/pieteikties/karte";
	}
	json_object_set_new(ctx, "cert", json_pack("{s:s}", "url", arena_printf(r->arena, "%s%s", base, q)));
}
