/* internal.h — helpers shared by the files of src/sign/, not used elsewhere. */
#ifndef EPAK_SIGN_INTERNAL_H
#define EPAK_SIGN_INTERNAL_H

#include <stddef.h>
#include <time.h>

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/buf.h"
#include "sign/edoc.h"

/* Namespaces. */
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define NS_XADES "http://uri.etsi.org/01903/v1.3.2#"
#define NS_XADES141 "http://uri.etsi.org/01903/v1.4.1#"
#define NS_ASIC "http://uri.etsi.org/02918/v1.2.1#"
#define NS_ODFSIG "urn:oasis:names:tc:opendocument:xmlns:digitalsignature:1.0"
#define NS_MANIFEST "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
#define NS_EXC "http://www.w3.org/2001/10/xml-exc-c14n#"

/* Algorithm URIs. */
#define URI_C14N10 "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define URI_C14N10_C "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
#define URI_C14N11 "http://www.w3.org/2006/12/xml-c14n11"
#define URI_C14N11_C "http://www.w3.org/2006/12/xml-c14n11#WithComments"
#define URI_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define URI_EXC_C14N_C "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
#define URI_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"
#define URI_SP_TYPE "http://uri.etsi.org/01903#SignedProperties"

/* ---- xml.c: parsing hostile XML, navigation, canonicalization ---- */

void sx_init(void); /* once per process; thread-safe */

/* Parses untrusted bytes: no network, no DTD (a DOCTYPE is refused before
 * its declarations are read), no entity substitution, libxml2's size limits.
 * Returns NULL with e set on any error. */
xmlDocPtr sx_parse(const void *p, size_t n, struct err *e);

int sx_is(const xmlNode *n, const char *ns, const char *name);
xmlNodePtr sx_first_elem(xmlNodePtr parent);
xmlNodePtr sx_next_elem(xmlNodePtr n);
xmlNodePtr sx_child(xmlNodePtr parent, const char *ns, const char *name);
size_t sx_count_children(xmlNodePtr parent, const char *ns, const char *name);
/* An attribute without namespace; borrowed, NULL if absent. */
const char *sx_attr(const xmlNode *n, const char *name);
/* The text content of an element (malloc'd), NULL if it has element children. */
char *sx_text(const xmlNode *n);
/* The base64 text content of an element decoded (malloc'd), NULL if it is
 * not base64 text. */
unsigned char *sx_b64(const xmlNode *n, size_t *len);

struct c14n_method {
	int mode; /* XML_C14N_1_0, XML_C14N_EXCLUSIVE_1_0, XML_C14N_1_1 */
	int comments;
};
/* Maps an algorithm URI; -1 if it is not a canonicalization we accept. */
int sx_c14n_method(const char *uri, struct c14n_method *m);
/* Canonicalizes the subtree rooted at apex inside its own document (so that
 * inherited namespaces are rendered as the standard requires). prefixes is
 * the exclusive c14n InclusiveNamespaces list, NULL-terminated, or NULL. */
int sx_c14n(xmlNodePtr apex, const struct c14n_method *m, char **prefixes, struct buf *out);

/* Base64 is core/base64.h. */

/* xsd:dateTime <-> time_t (UTC). */
int sx_parse_time(const char *s, time_t *t);
void sx_format_time(time_t t, char out[32]);

/* ---- asice.c ---- */
/* Checks a path inside a container: non-empty, relative, UTF-8, no control
 * characters or backslashes, no empty, "." or ".." components. */
int edoc_name_ok(const char *name, size_t len, struct err *e);
/* Percent-encodes a container path for a ds:Reference URI (malloc'd). */
char *edoc_uri_encode(const char *name);
/* Decodes a ds:Reference URI; NULL if malformed (malloc'd). */
char *edoc_uri_decode(const char *uri);

/* ---- crypto.c: algorithms, certificates, times ---- */
const EVP_MD *cr_digest_by_uri(const char *uri);
const char *cr_digest_uri(const EVP_MD *md);
/* Signature method URI -> digest and key type (EVP_PKEY_RSA / EVP_PKEY_EC). */
int cr_sigmethod(const char *uri, const EVP_MD **md, int *keytype);
const char *cr_sigmethod_uri(int keytype, const EVP_MD *md);
int cr_digest(const EVP_MD *md, const void *p, size_t n, unsigned char *out, unsigned *outlen);
/* XMLDSig signature check; ECDSA values are raw r||s. 1 ok, 0 mismatch, -1 error. */
int cr_verify(EVP_PKEY *key, const EVP_MD *md, int keytype, const void *data, size_t n, const unsigned char *sig,
	      size_t siglen);
/* DER ECDSA-Sig-Value -> raw r||s of the key's field size; malloc'd. */
unsigned char *cr_ecdsa_der_to_raw(EVP_PKEY *key, const unsigned char *der, size_t n, size_t *out);
/* Base64 DER only (an XML ds:X509Certificate); edoc_x509_parse() also takes PEM. */
X509 *cr_x509_from_b64(const char *b64);
X509 *cr_x509_from_der(const unsigned char *p, size_t n);
char *cr_name_entry(const X509_NAME *name, int nid); /* UTF-8, malloc'd, NULL if absent */
char *cr_name_oneline(const X509_NAME *name);        /* RFC 2253 form, malloc'd */
int cr_asn1_time(const ASN1_TIME *t, time_t *out);
int cr_asn1_gtime(const ASN1_GENERALIZEDTIME *t, time_t *out);
/* Compares an RFC 4514 string to an X509_NAME; 0 when they name the same. */
int cr_name_cmp_str(const X509_NAME *name, const char *str);
char *cr_serial_dec(const X509 *x);                    /* decimal, malloc'd */
int cr_serial_cmp_dec(const X509 *x, const char *dec); /* 0 when equal */
int cr_has_nonrepudiation(X509 *x);

/* ---- signers (sign.c: PKCS#12, p11.c: PKCS#11) ---- */
struct edoc_signer {
	X509 *cert;
	STACK_OF(X509) * chain; /* other certificates found with the key */
	/* Signs a digest; *out (malloc'd) is the XMLDSig value: raw r||s for
	 * ECDSA, PKCS#1 v1.5 for RSA. */
	int (*sign)(struct edoc_signer *s, const EVP_MD *md, const unsigned char *dg, size_t dlen, unsigned char **out,
		    size_t *outlen, struct err *e);
	void (*release)(struct edoc_signer *s);
	void *impl;
};

#endif
