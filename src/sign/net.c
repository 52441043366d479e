/* net.c — bounded HTTP exchanges with libcurl. See net.h. */
#include "sign/net.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

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

static int exchange(const char *url, const char *ctype, const void *body, size_t n, struct buf *out, struct edoc_err *e)
{
	struct curl_slist *hdr = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = NULL;
	CURLcode cc;
	long status = 0;
	int rc = -1;

	pthread_once(&net_once, net_init);
	buf_free(out);
	buf_init(out, NET_MAX_ANSWER);
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		edoc_err_set(e, "%.120s: only http and https URLs are allowed", url);
		goto out;
	}
	c = curl_easy_init();
	if (!c) {
		edoc_err_set(e, "libcurl: out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)NET_MAX_ANSWER);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "epak");
	if (body) {
		char h[160];

		snprintf(h, sizeof(h), "Content-Type: %s", ctype);
		hdr = curl_slist_append(hdr, h);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	}
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		edoc_err_set(e, "%.120s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		edoc_err_set(e, "%.120s: HTTP status %ld", url, status);
		goto out;
	}
	if (!buf_ok(out) || out->len == 0) {
		edoc_err_set(e, "%.120s: empty or oversized answer", url);
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(hdr);
	if (c)
		curl_easy_cleanup(c);
	return rc;
}

int net_post(const char *url, const char *ctype, const void *body, size_t n, struct buf *out, struct edoc_err *e)
{
	return exchange(url, ctype, body, n, out, e);
}

int net_get(const char *url, struct buf *out, struct edoc_err *e)
{
	return exchange(url, NULL, NULL, 0, out, e);
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

unsigned char *net_ocsp_fetch(X509 *cert, X509 *issuer, const char *url, int nonce, size_t *n, struct edoc_err *e)
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
		edoc_err_set(e, "OCSP: cannot build the request");
		goto out;
	}
	id = NULL;
	if (nonce && OCSP_request_add1_nonce(req, NULL, 32) != 1) {
		edoc_err_set(e, "OCSP: cannot add a nonce");
		goto out;
	}
	len = i2d_OCSP_REQUEST(req, &der);
	if (len <= 0) {
		edoc_err_set(e, "OCSP: cannot encode the request");
		goto out;
	}
	if (net_post(url, "application/ocsp-request", der, (size_t)len, &out, e) != 0)
		goto out;
	p = (const unsigned char *)out.data;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)out.len);
	if (!resp) {
		edoc_err_set(e, "OCSP: %.120s did not answer with an OCSP response", url);
		goto out;
	}
	if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		edoc_err_set(e, "OCSP: %.120s answered %s", url, OCSP_response_status_str(OCSP_response_status(resp)));
		goto out;
	}
	bs = OCSP_response_get1_basic(resp);
	if (nonce && (!bs || OCSP_check_nonce(req, bs) != 1)) {
		edoc_err_set(e, "OCSP: the response does not carry our nonce");
		goto out;
	}
	result = malloc(out.len);
	if (!result) {
		edoc_err_set(e, "out of memory");
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

X509 *net_fetch_issuer(X509 *cert, struct edoc_err *e)
{
	char *url = net_aia_url(cert, 0);
	struct buf out = BUF_INIT;
	X509 *x = NULL;

	if (!url) {
		edoc_err_set(e, "the certificate names no CA issuer URL");
		goto out;
	}
	if (net_get(url, &out, e) != 0)
		goto out;
	x = cr_x509_from_der((unsigned char *)out.data, out.len);
	if (!x) {
		BIO *b = BIO_new_mem_buf(out.data, (int)out.len);

		x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	}
	if (!x)
		edoc_err_set(e, "%.120s: not a certificate", url);
out:
	free(url);
	buf_free(&out);
	ERR_clear_error();
	return x;
}
