/* csrf.c — CSRF tokens: a random cookie ("epak_csrf", HttpOnly, SameSite=Lax)
 * and, in every form, its HMAC-SHA256 under the server secret. A state change
 * is accepted only when the form's token matches the cookie's HMAC, so a page
 * on another site can neither read nor forge it; and when the browser says
 * where the request came from (Origin or Sec-Fetch-Site), it must be here. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/base64.h"
#include "http/http.h"
#include "http/site.h"

#define CSRF_COOKIE "epak_csrf"

static int cookie_valid(const char *c)
{
	size_t i, n = c ? strlen(c) : 0;

	if (n != 43)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", c[i]))
			return 0;
	return 1;
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
	set = arena_printf(r->arena, CSRF_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax%s", cookie,
			   r->is_tls ? "; Secure" : "");
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
		const char *c = req_cookie(r, CSRF_COOKIE);

		if (cookie_valid(c))
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

int csrf_precheck(struct req *r)
{
	const char *site = req_header(r, "sec-fetch-site");

	if (site && strcmp(site, "same-origin") && strcmp(site, "none"))
		return -1;
	return cookie_valid(req_cookie(r, CSRF_COOKIE)) ? 0 : -1;
}

int csrf_check(struct req *r)
{
	const char *cookie = req_cookie(r, CSRF_COOKIE);
	const char *sent = req_form(r, "_csrf");
	char want[44];

	if (csrf_precheck(r) != 0 || !sent || strlen(sent) != 43)
		return -1;
	token_for(r->site, cookie, want);
	return CRYPTO_memcmp(want, sent, 43) == 0 ? 0 : -1;
}
