/* p11.c — a signer on a PKCS#11 token (an eID card, an HSM, SoftHSM2 in the
 * tests). The module is configuration: it is dlopen'ed and driven through
 * its C_GetFunctionList table with the OASIS header that p11-kit ships; no
 * PKCS#11 wrapper library is linked. See sign.h.
 *
 * The token is found by its label; of the private keys on it, the one whose
 * certificate (same CKA_ID) has nonRepudiation key usage signs — on an eID
 * card that is the signing key, not the authentication key. Keys marked
 * CKA_ALWAYS_AUTHENTICATE (the card's PIN2) get a context-specific login
 * before each signature.
 */
#include "sign/sign.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509v3.h>
#include <p11-kit-1/p11-kit/pkcs11.h>

#include "sign/internal.h"

struct p11 {
	void *lib;
	CK_FUNCTION_LIST_PTR f;
	int initialized; /* we called C_Initialize, so we finalize */
	CK_SESSION_HANDLE session;
	int session_open;
	CK_OBJECT_HANDLE key;
	CK_KEY_TYPE key_type;
	int always_auth;
	char *pin;
	size_t pinlen;
};

static void p11_release(struct edoc_signer *s)
{
	struct p11 *p = s->impl;

	if (!p)
		return;
	if (p->session_open) {
		p->f->C_Logout(p->session);
		p->f->C_CloseSession(p->session);
	}
	if (p->initialized)
		p->f->C_Finalize(NULL);
	if (p->lib)
		dlclose(p->lib);
	if (p->pin) {
		OPENSSL_cleanse(p->pin, p->pinlen);
		free(p->pin);
	}
	free(p);
	s->impl = NULL;
}

/* DigestInfo prefixes (RFC 8017 9.2) for CKM_RSA_PKCS. */
static const unsigned char di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
					  0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const unsigned char di_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
					  0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
static const unsigned char di_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
					  0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

static int p11_sign(struct edoc_signer *s, const EVP_MD *md, const unsigned char *dg, size_t dlen, unsigned char **out,
		    size_t *outlen, struct err *e)
{
	struct p11 *p = s->impl;
	CK_MECHANISM mech = {0, NULL, 0};
	unsigned char in[128], *sig = NULL;
	CK_ULONG inlen = 0, siglen = 0;
	CK_RV rv;
	int rc = -1;

	if (p->key_type == CKK_EC) {
		mech.mechanism = CKM_ECDSA;
		memcpy(in, dg, dlen);
		inlen = dlen;
	} else {
		const unsigned char *pre = EVP_MD_is_a(md, "SHA256")   ? di_sha256
					   : EVP_MD_is_a(md, "SHA384") ? di_sha384
					   : EVP_MD_is_a(md, "SHA512") ? di_sha512
								       : NULL;

		if (!pre || dlen + sizeof(di_sha256) > sizeof(in)) {
			err_set(e, ERR_INTERNAL, "PKCS#11: unsupported digest");
			goto out;
		}
		mech.mechanism = CKM_RSA_PKCS;
		memcpy(in, pre, sizeof(di_sha256));
		memcpy(in + sizeof(di_sha256), dg, dlen);
		inlen = sizeof(di_sha256) + dlen;
	}
	rv = p->f->C_SignInit(p->session, &mech, p->key);
	if (rv != CKR_OK) {
		err_set(e, ERR_INTERNAL, "PKCS#11: C_SignInit failed (0x%lx)", (unsigned long)rv);
		goto out;
	}
	if (p->always_auth) {
		rv = p->f->C_Login(p->session, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)p->pin, p->pinlen);
		if (rv != CKR_OK) {
			err_set(e, ERR_INTERNAL, "PKCS#11: the signing PIN was refused (0x%lx)", (unsigned long)rv);
			goto out;
		}
	}
	rv = p->f->C_Sign(p->session, in, inlen, NULL, &siglen);
	if (rv == CKR_OK && siglen > 0 && siglen < 4096)
		sig = malloc(siglen);
	if (!sig || p->f->C_Sign(p->session, in, inlen, sig, &siglen) != CKR_OK) {
		err_set(e, ERR_INTERNAL, "PKCS#11: C_Sign failed");
		goto out;
	}
	/* CKM_ECDSA already yields r||s, which is the XMLDSig form */
	*out = sig;
	*outlen = siglen;
	sig = NULL;
	rc = 0;
out:
	free(sig);
	return rc;
}

static int get_attr(struct p11 *p, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, unsigned char **val, CK_ULONG *len)
{
	CK_ATTRIBUTE a = {type, NULL, 0};

	*val = NULL;
	if (p->f->C_GetAttributeValue(p->session, o, &a, 1) != CKR_OK || a.ulValueLen == (CK_ULONG)-1 ||
	    a.ulValueLen > (1 << 20))
		return -1;
	a.pValue = malloc(a.ulValueLen ? a.ulValueLen : 1);
	if (!a.pValue)
		return -1;
	if (p->f->C_GetAttributeValue(p->session, o, &a, 1) != CKR_OK) {
		free(a.pValue);
		return -1;
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return 0;
}

/* Up to max object handles of a class. */
static CK_ULONG find_objects(struct p11 *p, CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE *v, CK_ULONG max)
{
	CK_ATTRIBUTE tmpl = {CKA_CLASS, &cls, sizeof(cls)};
	CK_ULONG n = 0;

	if (p->f->C_FindObjectsInit(p->session, &tmpl, 1) != CKR_OK)
		return 0;
	if (p->f->C_FindObjects(p->session, v, max, &n) != CKR_OK)
		n = 0;
	p->f->C_FindObjectsFinal(p->session);
	return n;
}

static int label_is(const CK_UTF8CHAR *label, const char *want)
{
	size_t n = 32, w = strlen(want);

	while (n && label[n - 1] == ' ')
		n--;
	return n == w && memcmp(label, want, w) == 0;
}

static int open_token(struct p11 *p, const char *module, const char *token, struct err *e)
{
	CK_C_GetFunctionList getfl;
	CK_C_INITIALIZE_ARGS args;
	CK_SLOT_ID slots[64];
	CK_ULONG nslots = 64, i;
	CK_RV rv;

	p->lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (!p->lib) {
		err_set(e, ERR_INTERNAL, "PKCS#11: cannot load %.120s", module);
		return -1;
	}
	getfl = (CK_C_GetFunctionList)dlsym(p->lib, "C_GetFunctionList");
	if (!getfl || getfl(&p->f) != CKR_OK || !p->f) {
		err_set(e, ERR_INTERNAL, "PKCS#11: %.120s is not a PKCS#11 module", module);
		return -1;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = p->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		err_set(e, ERR_INTERNAL, "PKCS#11: C_Initialize failed (0x%lx)", (unsigned long)rv);
		return -1;
	}
	p->initialized = rv == CKR_OK;
	if (p->f->C_GetSlotList(CK_TRUE, slots, &nslots) != CKR_OK) {
		err_set(e, ERR_INTERNAL, "PKCS#11: cannot list the slots");
		return -1;
	}
	for (i = 0; i < nslots; i++) {
		CK_TOKEN_INFO ti;

		if (p->f->C_GetTokenInfo(slots[i], &ti) == CKR_OK && label_is(ti.label, token))
			break;
	}
	if (i == nslots) {
		err_set(e, ERR_INTERNAL, "PKCS#11: no token labelled \"%.64s\"", token);
		return -1;
	}
	rv = p->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &p->session);
	if (rv != CKR_OK) {
		err_set(e, ERR_INTERNAL, "PKCS#11: cannot open a session (0x%lx)", (unsigned long)rv);
		return -1;
	}
	p->session_open = 1;
	return 0;
}

struct edoc_signer *edoc_signer_pkcs11(const char *module, const char *token, const char *pin, struct err *e)
{
	struct edoc_signer *s = NULL;
	struct p11 *p = NULL;
	CK_OBJECT_HANDLE keys[64], certs[64];
	CK_ULONG nkeys, ncerts, i, j;
	X509 *certv[64];
	unsigned char *idv[64];
	CK_ULONG idlen[64];
	CK_RV rv;
	int ok = 0, best = -1;

	memset(certv, 0, sizeof(certv));
	memset(idv, 0, sizeof(idv));
	s = calloc(1, sizeof(*s));
	p = calloc(1, sizeof(*p));
	if (!s || !p) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	s->impl = p;
	s->release = p11_release;
	s->sign = p11_sign;
	s->chain = sk_X509_new_null();
	p->pinlen = pin ? strlen(pin) : 0;
	p->pin = malloc(p->pinlen + 1);
	if (!s->chain || !p->pin) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(p->pin, pin ? pin : "", p->pinlen + 1);
	if (open_token(p, module, token, e) != 0)
		goto out;
	rv = p->f->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)p->pin, p->pinlen);
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		err_set(e, ERR_INTERNAL,
			rv == CKR_PIN_INCORRECT ? "PKCS#11: wrong PIN" : "PKCS#11: login failed (0x%lx)",
			(unsigned long)rv);
		goto out;
	}
	/* certificates and their ids */
	ncerts = find_objects(p, CKO_CERTIFICATE, certs, 64);
	for (i = 0; i < ncerts; i++) {
		unsigned char *der = NULL;
		CK_ULONG len = 0;

		if (get_attr(p, certs[i], CKA_VALUE, &der, &len) == 0)
			certv[i] = cr_x509_from_der(der, len);
		free(der);
		if (get_attr(p, certs[i], CKA_ID, &idv[i], &idlen[i]) != 0)
			idv[i] = NULL;
	}
	/* the private key whose certificate is for signatures */
	nkeys = find_objects(p, CKO_PRIVATE_KEY, keys, 64);
	for (i = 0; i < nkeys && best < 0; i++) {
		unsigned char *id = NULL;
		CK_ULONG ilen = 0;

		if (get_attr(p, keys[i], CKA_ID, &id, &ilen) != 0)
			continue;
		for (j = 0; j < ncerts; j++) {
			if (certv[j] && idv[j] && idlen[j] == ilen && memcmp(idv[j], id, ilen) == 0 &&
			    cr_has_nonrepudiation(certv[j])) {
				best = (int)j;
				p->key = keys[i];
				break;
			}
		}
		free(id);
	}
	if (best < 0) {
		err_set(e, ERR_INTERNAL,
			"PKCS#11: no key with a signing (nonRepudiation) certificate on "
			"token \"%.64s\"",
			token);
		goto out;
	}
	{
		unsigned char *v = NULL;
		CK_ULONG len = 0;

		if (get_attr(p, p->key, CKA_KEY_TYPE, &v, &len) != 0 || len != sizeof(CK_KEY_TYPE)) {
			free(v);
			err_set(e, ERR_INTERNAL, "PKCS#11: cannot read the key type");
			goto out;
		}
		memcpy(&p->key_type, v, sizeof(CK_KEY_TYPE));
		free(v);
		if (p->key_type != CKK_EC && p->key_type != CKK_RSA) {
			err_set(e, ERR_INTERNAL, "PKCS#11: the signing key is neither EC nor RSA");
			goto out;
		}
		if (get_attr(p, p->key, CKA_ALWAYS_AUTHENTICATE, &v, &len) == 0 && len == sizeof(CK_BBOOL))
			p->always_auth = *(CK_BBOOL *)v == CK_TRUE;
		free(v);
	}
	s->cert = certv[best];
	certv[best] = NULL;
	for (j = 0; j < ncerts; j++) {
		if (certv[j] && X509_check_ca(certv[j])) {
			sk_X509_push(s->chain, certv[j]);
			certv[j] = NULL;
		}
	}
	ok = 1;
out:
	for (j = 0; j < 64; j++) {
		X509_free(certv[j]);
		free(idv[j]);
	}
	if (!ok) {
		edoc_signer_free(s);
		s = NULL;
	}
	return s;
}
