/* fuzz_crl.c — the CRL reader (crl_check in src/sign/crl.c), and the reading
 * of a certificate's CRL distribution points (crl_dp_url). The first byte
 * chooses: even, the rest is a DER CRL, checked against a certificate and
 * an issuer made at start whose names are set to the CRL's issuer, so that
 * the name, entry and extension checks are reached (the signature then
 * fails: no key can be planted); odd, the rest is a DER certificate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sign/crl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509 *cert, *issuer;

static X509 *made(EVP_PKEY *k)
{
	X509 *x = X509_new();

	if (!x || !X509_set_version(x, 2) || !X509_set_pubkey(x, k) || !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 3600) || !X509_sign(x, k, EVP_sha256()))
		abort();
	return x;
}

static void setup(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	if (!k)
		abort();
	cert = made(k);
	issuer = made(k);
	EVP_PKEY_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crl_info info;
	char why[300];

	if (!cert)
		setup();
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		const unsigned char *p = data + 1;
		X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)(size - 1));

		if (crl) {
			X509_set_issuer_name(cert, X509_CRL_get_issuer(crl));
			X509_set_subject_name(issuer, X509_CRL_get_issuer(crl));
			X509_CRL_free(crl);
		}
		if (crl_check(data + 1, size - 1, cert, issuer, 1700000000, 1700000000, &info, why, sizeof(why)) ==
		    CRL_OUT_OK)
			abort(); /* no CRL verifies with a key made here */
	} else {
		const unsigned char *p = data + 1;
		X509 *x = d2i_X509(NULL, &p, (long)(size - 1));
		char *url = x ? crl_dp_url(x) : NULL;

		if (url && strncmp(url, "http://", 7) != 0)
			abort();
		free(url);
		X509_free(x);
	}
	return 0;
}
