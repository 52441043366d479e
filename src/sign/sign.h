/* sign.h — making XAdES signatures (baseline B, T, LT) in ASiC-E containers.
 *
 * A signature is made in two phases so that the key may live elsewhere (a
 * PKCS#11 token here, an eID card behind a browser later):
 *   edoc_sign_prepare()  builds the signed properties and SignedInfo for a
 *                        certificate, and gives the digest to be signed;
 *   edoc_sign_complete() takes the signature value (XMLDSig form: raw r||s for
 *                        ECDSA — DER is accepted and converted — PKCS#1 v1.5
 *                        for RSA), checks it against the
 *                        certificate, adds the time-stamp (T) and OCSP response
 *                        (LT) and puts a new signature file into the container.
 * edoc_sign() does both with a struct edoc_signer.
 *
 * T and LT ask a TSA and an OCSP responder over HTTP (net.h): call them from a
 * worker thread in the server.
 */
#ifndef EPAK_SIGN_SIGN_H
#define EPAK_SIGN_SIGN_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sign/edoc.h"

enum edoc_profile {
	EDOC_PROFILE_B,
	EDOC_PROFILE_T,
	EDOC_PROFILE_LT,
	EDOC_PROFILE_LTA, /* LT and an archive time-stamp */
};

struct edoc_sign_opts {
	enum edoc_profile profile;
	const char *tsa_url;  /* required for T and LT */
	const char *ocsp_url; /* NULL: the certificate's AIA OCSP URL */
	time_t signing_time;  /* 0: now */
	/* The URLs a certificate names (AIA caIssuers, OCSP) may have been chosen
	 * by a stranger: fetch them only from public addresses, without
	 * redirects (the portal); 0 trusts them (the command line). */
	int cert_urls_public;
};

/* A key and its certificate (and any CA certificates found with it). */
struct edoc_signer;

/* From a PKCS#12 file. */
struct edoc_signer *edoc_signer_p12(const char *path, const char *password, struct err *e);
/* From a PKCS#11 token: the module is dlopen'ed, the token found by label,
 * and the key whose certificate has nonRepudiation key usage is used. */
struct edoc_signer *edoc_signer_pkcs11(const char *module, const char *token, const char *pin, struct err *e);
void edoc_signer_free(struct edoc_signer *s);
X509 *edoc_signer_cert(const struct edoc_signer *s); /* borrowed */

/* The one reader of a certificate given as text: PEM (the first
 * "-----BEGIN CERTIFICATE-----" block) or base64 DER (white space skipped,
 * no bytes after the certificate). NULL when it is neither; the caller frees
 * the result with X509_free(). */
X509 *edoc_x509_parse(const char *text);

/* Adds one signature over every data file of doc as a new
 * META-INF/signaturesN.xml. */
int edoc_sign(struct edoc *doc, struct edoc_signer *s, const struct edoc_sign_opts *o, struct err *e);

/* The two phases. chain may be NULL (CA certificates to look the issuer up
 * in, for LT). */
struct edoc_pending;
struct edoc_pending *edoc_sign_prepare(const struct edoc *doc, X509 *cert, STACK_OF(X509) * chain,
				       const struct edoc_sign_opts *o, struct err *e);
/* The path from cert to one of the anchors of t, through the CA
 * certificates of cas (may be NULL), valid at `at`: the CA certificates
 * (leaf excluded, anchor included; caller frees with
 * sk_X509_pop_free(chain, X509_free)), or NULL with e saying why. Nothing is
 * fetched. */
struct edoc_trust;
STACK_OF(X509) *
    edoc_signer_chain(const struct edoc_trust *t, const struct edoc_trust *cas, X509 *cert, time_t at, struct err *e);
/* The digest to sign and its algorithm (borrowed, lives with p). */
const unsigned char *edoc_pending_digest(const struct edoc_pending *p, size_t *len, const EVP_MD **md);
int edoc_sign_complete(struct edoc *doc, struct edoc_pending *p, const unsigned char *sigval, size_t len,
		       const struct edoc_sign_opts *o, struct err *e);
void edoc_pending_free(struct edoc_pending *p);

/* Adds an xadesv141:ArchiveTimeStamp from o->tsa_url to the signature of
 * signature file sigfile (which must have unsigned signature properties:
 * LT or later), after everything already there; a renewal covers the
 * archive time-stamps before it. The new file is checked before it
 * replaces the old one. */
int edoc_extend_lta(struct edoc *doc, size_t sigfile, const struct edoc_sign_opts *o, struct err *e);

#endif
