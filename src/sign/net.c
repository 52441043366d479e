/* net.c — bounded HTTP exchanges with libcurl. See net.h. */
#include "sign/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/netaddr.h"
#include "sign/internal.h"

#define NET_MAX_ANSWER ((size_t)1 << 20)

static pthread_once_t net_once = PTHREAD_ONCE_INIT;

static void net_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *user)
{
	struct buf *b = user;
	size_t n = size * nmemb;

	if (buf_append(b, p, n) != 0)
		return 0; /* too large: abort the transfer */
	return n;
}

/* Addresses a URL taken from a certificate must never reach: the one
 * list of non-public ranges (core/netaddr.h). */
int net_addr_internal(const struct sockaddr *sa)
{
	return netaddr_internal(sa);
}

/* Every connection libcurl opens for a URL from a certificate passes here
 * with the address the name resolved to: an internal one is refused before
 * a socket exists (a name that resolves to 127.0.0.1 is caught as well). */
static curl_socket_t open_public(void *cls, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)purpose;
	if (net_addr_internal(&a->addr)) {
		*(int *)cls = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/* How one exchange may go: public: the URL came from a certificate (a
 * stranger may have chosen it), not from the operator: only public
 * addresses, no redirects, and errors do not name what was found there.
 * redirects: the operator's URLs follow up to 3 (OCSP, TSA); net_fetch's
 * none. any_status: the caller reads the status itself. */
struct net_how {
	int public;
	int redirects;
	int any_status;
	size_t max;
	long timeout;
	const char *authorization;
};

static int perform(const char *url, const char *ctype, const void *body, size_t n, struct buf *out,
		   const struct net_how *how, long *status, struct err *e)
{
	int refused = 0;
	struct curl_slist *hdr = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = NULL;
	CURLcode cc;
	int rc = -1;

	pthread_once(&net_once, net_init);
	buf_free(out);
	buf_init(out, how->max);
	*status = 0;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		err_set(e, ERR_UNAVAILABLE, "%.120s: only http and https URLs are allowed", url);
		goto out;
	}
	c = curl_easy_init();
	if (!c) {
		err_set(e, ERR_INTERNAL, "libcurl: out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (how->public) {
		curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_public);
		curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &refused);
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*"); /* the address checked is the one connected to */
	}
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, how->redirects ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)how->redirects);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, how->timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, how->timeout < 10 ? how->timeout : 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)how->max);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "epak");
	if (how->authorization) {
		struct buf h = BUF_INIT;

		buf_init(&h, 4096);
		buf_printf(&h, "Authorization: %s", how->authorization);
		hdr = buf_ok(&h) ? curl_slist_append(hdr, h.data) : NULL;
		buf_free(&h);
		if (!hdr) {
			err_set(e, ERR_INTERNAL, "%.120s: cannot build the request", url);
			goto out;
		}
	}
	if (body) {
		char h[160];
		struct curl_slist *t;

		snprintf(h, sizeof(h), "Content-Type: %s", ctype);
		t = curl_slist_append(hdr, h);
		if (!t) {
			err_set(e, ERR_INTERNAL, "%.120s: cannot build the request", url);
			goto out;
		}
		hdr = t;
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	}
	if (hdr)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK && refused) {
		err_set(e, ERR_UNAVAILABLE, "%.120s: an internal address, not fetched", url);
		goto out;
	}
	if (cc != CURLE_OK) {
		err_set(e, ERR_UNAVAILABLE, "%.120s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (*status >= 300 && *status < 400) {
		err_set(e, ERR_UNAVAILABLE, "%.120s: HTTP status %ld (redirects are not followed)", url, *status);
		goto out;
	}
	if (!how->any_status && *status != 200) {
		err_set(e, ERR_UNAVAILABLE, "%.120s: HTTP status %ld", url, *status);
		goto out;
	}
	if (!buf_ok(out) || (out->len == 0 && !how->any_status)) {
		err_set(e, ERR_UNAVAILABLE, "%.120s: empty or oversized answer", url);
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(hdr);
	if (c)
		curl_easy_cleanup(c);
	return rc;
}

/* timeout: seconds, 0 = 20 */
static int exchange(const char *url, const char *ctype, const void *body, size_t n, struct buf *out, int public,
		    long timeout, struct err *e)
{
	struct net_how how = {public, public ? 0 : 3, 0, NET_MAX_ANSWER, timeout > 0 ? timeout : 20, NULL};
	long status;

	return perform(url, ctype, body, n, out, &how, &status, e);
}

int net_fetch(const struct net_request *q, struct buf *out, long *status, struct err *e)
{
	struct net_how how = {0, 0, 1, q->max, q->timeout, q->authorization};

	return perform(q->url, q->ctype, q->body, q->n, out, &how, status, e);
}

int net_post(const char *url, const char *ctype, const void *body, size_t n, struct buf *out, struct err *e)
{
	return exchange(url, ctype, body, n, out, 0, 0, e);
}

int net_get(const char *url, struct buf *out, struct err *e)
{
	return exchange(url, NULL, NULL, 0, out, 0, 0, e);
}

char *net_aia_url(X509 *x, int ocsp)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	char *url = NULL;
	int i;

	for (i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia) && !url; i++) {
		ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		int want = ocsp ? NID_ad_OCSP : NID_ad_ca_issuers;

		if (OBJ_obj2nid(ad->method) == want && ad->location->type == GEN_URI) {
			const ASN1_IA5STRING *s = ad->location->d.uniformResourceIdentifier;

			size_t n = (size_t)ASN1_STRING_length(s);

			url = malloc(n + 1);
			if (url) {
				memcpy(url, ASN1_STRING_get0_data(s), n);
				url[n] = '\0';
			}
		}
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	ERR_clear_error();
	return url;
}

static unsigned char *ocsp_fetch(X509 *cert, X509 *issuer, const char *url, int nonce, int public, long timeout,
				 size_t *n, struct err *e)
{
	OCSP_REQUEST *req = NULL;
	OCSP_CERTID *id = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	struct buf out = BUF_INIT;
	unsigned char *der = NULL, *result = NULL;
	const unsigned char *p;
	int len;

	req = OCSP_REQUEST_new();
	id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
	if (!req || !id || !OCSP_request_add0_id(req, id)) {
		err_set(e, ERR_UNAVAILABLE, "OCSP: cannot build the request");
		goto out;
	}
	id = NULL;
	if (nonce && OCSP_request_add1_nonce(req, NULL, 32) != 1) {
		err_set(e, ERR_UNAVAILABLE, "OCSP: cannot add a nonce");
		goto out;
	}
	len = i2d_OCSP_REQUEST(req, &der);
	if (len <= 0) {
		err_set(e, ERR_UNAVAILABLE, "OCSP: cannot encode the request");
		goto out;
	}
	if (exchange(url, "application/ocsp-request", der, (size_t)len, &out, public, timeout, e) != 0)
		goto out;
	p = (const unsigned char *)out.data;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)out.len);
	if (!resp) {
		err_set(e, ERR_UNAVAILABLE, "OCSP: %.120s did not answer with an OCSP response", url);
		goto out;
	}
	if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		err_set(e, ERR_UNAVAILABLE, "OCSP: %.120s answered %s", url,
			OCSP_response_status_str(OCSP_response_status(resp)));
		goto out;
	}
	bs = OCSP_response_get1_basic(resp);
	if (nonce && (!bs || OCSP_check_nonce(req, bs) != 1)) {
		err_set(e, ERR_UNAVAILABLE, "OCSP: the response does not carry our nonce");
		goto out;
	}
	result = malloc(out.len);
	if (!result) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(result, out.data, out.len);
	*n = out.len;
out:
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(req);
	OPENSSL_free(der);
	buf_free(&out);
	ERR_clear_error();
	return result;
}

unsigned char *net_ocsp_fetch(X509 *cert, X509 *issuer, const char *url, int nonce, size_t *n, struct err *e)
{
	return ocsp_fetch(cert, issuer, url, nonce, 0, 0, n, e);
}

unsigned char *net_ocsp_fetch_public(X509 *cert, X509 *issuer, const char *url, int nonce, size_t *n, struct err *e)
{
	return ocsp_fetch(cert, issuer, url, nonce, 1, 0, n, e);
}

static X509 *fetch_issuer(X509 *cert, int public, struct err *e)
{
	char *url = net_aia_url(cert, 0);
	struct buf out = BUF_INIT;
	X509 *x = NULL;

	if (!url) {
		err_set(e, ERR_UNAVAILABLE, "the certificate names no CA issuer URL");
		goto out;
	}
	if (exchange(url, NULL, NULL, 0, &out, public, 0, e) != 0)
		goto out;
	x = cr_x509_from_der((unsigned char *)out.data, out.len);
	if (!x) {
		BIO *b = BIO_new_mem_buf(out.data, (int)out.len);

		x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	}
	if (!x)
		err_set(e, ERR_UNAVAILABLE, "%.120s: not a certificate", url);
out:
	free(url);
	buf_free(&out);
	ERR_clear_error();
	return x;
}

unsigned char *net_ocsp_fetch_within(X509 *cert, X509 *issuer, const char *url, int public, long timeout, size_t *n,
				     struct err *e)
{
	return ocsp_fetch(cert, issuer, url, 1, public, timeout, n, e);
}

X509 *net_fetch_issuer(X509 *cert, struct err *e)
{
	return fetch_issuer(cert, 0, e);
}

X509 *net_fetch_issuer_public(X509 *cert, struct err *e)
{
	return fetch_issuer(cert, 1, e);
}

unsigned char *net_crl_fetch(const char *url, int public, size_t max, long timeout, size_t *n, struct err *e)
{
	struct net_how how = {public, 0, 0, max, timeout, NULL};
	struct buf out = BUF_INIT;
	unsigned char *der = NULL;
	long status;

	if (strncmp(url, "http://", 7) != 0) {
		err_set(e, ERR_UNAVAILABLE, "%.120s: a CRL is fetched only over http", url);
		return NULL;
	}
	if (perform(url, NULL, NULL, 0, &out, &how, &status, e) == 0) {
		der = malloc(out.len);
		if (der) {
			memcpy(der, out.data, out.len);
			*n = out.len;
		} else {
			err_set(e, ERR_INTERNAL, "out of memory");
		}
	}
	buf_free(&out);
	return der;
}
