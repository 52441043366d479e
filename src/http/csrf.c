/* csrf.c — CSRF tokens: a random cookie ("__Host-epak_csrf", HttpOnly,
 * Secure, SameSite=Lax, when people reach the portal over TLS — so neither a
 * sibling domain nor a plain-HTTP answer can plant one; "epak_csrf" on plain
 * HTTP in development)
 * and, in every form, its HMAC-SHA256 under the server secret. A state change
 * is accepted only when the form's token matches the cookie's HMAC, so a page
 * on another site can neither read nor forge it; and when the browser says
 * where the request came from, it must be here: Sec-Fetch-Site same-origin
 * (or none), and Origin this site's (public-url's scheme, host and port, or
 * the request's own scheme and Host). */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/base64.h"
#include <h2o.h>

#include "http/http.h"
#include "http/site.h"

#define CSRF_COOKIE_TLS "__Host-epak_csrf"
#define CSRF_COOKIE_DEV "epak_csrf"

static const char *cookie_name(struct req *r)
{
	return req_secure(r) ? CSRF_COOKIE_TLS : CSRF_COOKIE_DEV;
}

static void token_for(const struct site *site, const char *cookie, char out[44])
{
	unsigned char mac[32];
	unsigned int maclen = sizeof(mac);

	HMAC(EVP_sha256(), site->csrf_key, (int)site->csrf_key_len, (const unsigned char *)cookie, strlen(cookie), mac,
	     &maclen);
	b64_encode(out, 44, mac, sizeof(mac), B64_URL);
}

static int new_cookie(struct req *r)
{
	unsigned char rnd[32];
	char *cookie, *set;

	cookie = arena_alloc(r->arena, 44);
	if (!cookie || RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	b64_encode(cookie, 44, rnd, sizeof(rnd), B64_URL);
	r->csrf_cookie = cookie;
	r->csrf_cookie_new = 1;
	set = arena_printf(r->arena, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s", cookie_name(r), cookie,
			   req_secure(r) ? "; Secure" : "");
	if (set)
		resp_add_header(r, "set-cookie", set);
	return 0;
}

void csrf_renew(struct req *r)
{
	if (!r->csrf_cookie_new)
		new_cookie(r);
}

const char *csrf_token(struct req *r)
{
	char *tok;

	if (!r->csrf_cookie) {
		const char *c = req_cookie(r, cookie_name(r));

		if (b64_token_ok(c))
			r->csrf_cookie = c;
		else if (new_cookie(r) != 0)
			return "";
	}
	tok = arena_alloc(r->arena, 44);
	if (!tok)
		return "";
	token_for(r->site, r->csrf_cookie, tok);
	return tok;
}

/* "scheme://host[:port]" with the scheme and host in lower case and the
 * scheme's default port dropped, into out; -1 when s is not of that form
 * (a path, query or user part, "null", an empty host). */
static int origin_norm(const char *s, size_t n, char *out, size_t cap)
{
	const char *sep = memmem(s, n, "://", 3);
	size_t slen, hlen, i;
	const char *host;

	if (!sep || sep == s)
		return -1;
	slen = (size_t)(sep - s);
	host = sep + 3;
	hlen = n - slen - 3;
	if (!hlen || memchr(host, '/', hlen) || memchr(host, '@', hlen) || memchr(host, '?', hlen) ||
	    memchr(host, '#', hlen) || slen + 3 + hlen >= cap)
		return -1;
	if (slen == 5 && !strncasecmp(s, "https", 5) && hlen > 4 && !memcmp(host + hlen - 4, ":443", 4))
		hlen -= 4;
	else if (slen == 4 && !strncasecmp(s, "http", 4) && hlen > 3 && !memcmp(host + hlen - 3, ":80", 3))
		hlen -= 3;
	for (i = 0; i < slen; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	memcpy(out + slen, "://", 3);
	for (i = 0; i < hlen; i++)
		out[slen + 3 + i] = (char)tolower((unsigned char)host[i]);
	out[slen + 3 + hlen] = '\0';
	return 0;
}

/* public-url's origin (which === 1) or the request's own scheme and Host
 * (which === 0) into out. */
static int own_origin(struct req *r, int which, char *out, size_t cap)
{
	const char *pub = r->site->cfg->public_url;
	const char *sep;
	char tmp[512];
	int n;

	if (which) {
		sep = pub ? strstr(pub, "://") : NULL;
		if (!sep)
			return -1;
		return origin_norm(pub, (size_t)(sep + 3 - pub) + strcspn(sep + 3, "/?#"), out, cap);
	}
	if (!r->h->input.authority.len)
		return -1;
	n = snprintf(tmp, sizeof(tmp), "%s://%.*s", r->is_tls ? "https" : "http", (int)r->h->input.authority.len,
		     r->h->input.authority.base);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	return origin_norm(tmp, (size_t)n, out, cap);
}

/* A browser sets Host to the site it sends to and Origin to the page that
 * sends: they agree only for this site's own pages. public-url's origin is
 * accepted too (behind a proxy that terminates TLS the request's own scheme
 * is http). docs/decisions.md: "CSRF: Origin". */
int csrf_origin_ok(struct req *r)
{
	const char *origin = req_header(r, "origin");
	char want[512], got[512];

	if (!origin)
		return 1; /* not every browser sends it on every POST */
	if (origin_norm(origin, strlen(origin), got, sizeof(got)) != 0)
		return 0; /* "null" (sandboxed frames, some redirects) and anything malformed */
	return (own_origin(r, 1, want, sizeof(want)) == 0 && !strcmp(got, want)) ||
	       (own_origin(r, 0, want, sizeof(want)) == 0 && !strcmp(got, want));
}

int csrf_precheck(struct req *r)
{
	const char *site = req_header(r, "sec-fetch-site");

	if (site && strcmp(site, "same-origin") && strcmp(site, "none"))
		return -1;
	if (!csrf_origin_ok(r))
		return -1;
	return b64_token_ok(req_cookie(r, cookie_name(r))) ? 0 : -1;
}

int csrf_check(struct req *r)
{
	const char *cookie = req_cookie(r, cookie_name(r));
	const char *sent = req_form(r, "_csrf");
	char want[44];

	if (csrf_precheck(r) != 0 || !sent || strlen(sent) != 43)
		return -1;
	token_for(r->site, cookie, want);
	return CRYPTO_memcmp(want, sent, 43) == 0 ? 0 : -1;
}

const char *csrf_cookie_value(struct req *r)
{
	const char *c = r->csrf_cookie ? r->csrf_cookie : req_cookie(r, cookie_name(r));

	return b64_token_ok(c) ? c : NULL;
}
