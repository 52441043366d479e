/* crypto.c — XMLDSig algorithm identifiers, signature checks (raw ECDSA),
 * and small certificate helpers on OpenSSL. See internal.h. */
#include "sign/internal.h"
#include "sign/sign.h"

#include "core/base64.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static const struct {
	const char *uri;
	const char *md;
} digests[] = {
    {"http://www.w3.org/2000/09/xmldsig#sha1", "SHA1"},    {"http://www.w3.org/2001/04/xmldsig-more#sha224", "SHA224"},
    {"http://www.w3.org/2001/04/xmlenc#sha256", "SHA256"}, {"http://www.w3.org/2001/04/xmldsig-more#sha384", "SHA384"},
    {"http://www.w3.org/2001/04/xmlenc#sha512", "SHA512"},
};

const EVP_MD *cr_digest_by_uri(const char *uri)
{
	size_t i;

	for (i = 0; uri && i < sizeof(digests) / sizeof(digests[0]); i++)
		if (strcmp(uri, digests[i].uri) == 0)
			return EVP_get_digestbyname(digests[i].md);
	return NULL;
}

const char *cr_digest_uri(const EVP_MD *md)
{
	size_t i;

	for (i = 0; md && i < sizeof(digests) / sizeof(digests[0]); i++)
		if (EVP_MD_is_a(md, digests[i].md))
			return digests[i].uri;
	return NULL;
}

static const struct {
	const char *uri;
	const char *md;
	int keytype;
} sigmethods[] = {
    {"http://www.w3.org/2000/09/xmldsig#rsa-sha1", "SHA1", EVP_PKEY_RSA},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha224", "SHA224", EVP_PKEY_RSA},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "SHA256", EVP_PKEY_RSA},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", "SHA384", EVP_PKEY_RSA},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", "SHA512", EVP_PKEY_RSA},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", "SHA1", EVP_PKEY_EC},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224", "SHA224", EVP_PKEY_EC},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", "SHA256", EVP_PKEY_EC},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", "SHA384", EVP_PKEY_EC},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", "SHA512", EVP_PKEY_EC},
};

int cr_sigmethod(const char *uri, const EVP_MD **md, int *keytype)
{
	size_t i;

	for (i = 0; uri && i < sizeof(sigmethods) / sizeof(sigmethods[0]); i++) {
		if (strcmp(uri, sigmethods[i].uri) == 0) {
			*md = EVP_get_digestbyname(sigmethods[i].md);
			*keytype = sigmethods[i].keytype;
			return *md ? 0 : -1;
		}
	}
	return -1;
}

const char *cr_sigmethod_uri(int keytype, const EVP_MD *md)
{
	size_t i;

	for (i = 0; i < sizeof(sigmethods) / sizeof(sigmethods[0]); i++)
		if (sigmethods[i].keytype == keytype && EVP_MD_is_a(md, sigmethods[i].md))
			return sigmethods[i].uri;
	return NULL;
}

int cr_digest(const EVP_MD *md, const void *p, size_t n, unsigned char *out, unsigned *outlen)
{
	return EVP_Digest(p, n, out, outlen, md, NULL) == 1 ? 0 : -1;
}

static size_t ec_field_bytes(EVP_PKEY *key)
{
	return ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
}

static unsigned char *ecdsa_raw_to_der(const unsigned char *sig, size_t n, size_t *outlen)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(n / 2), NULL);
	BIGNUM *s = BN_bin2bn(sig + n / 2, (int)(n / 2), NULL);
	unsigned char *der = NULL;
	int len;

	if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	len = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (len <= 0)
		return NULL;
	*outlen = (size_t)len;
	return der;
}

int cr_verify(EVP_PKEY *key, const EVP_MD *md, int keytype, const void *data, size_t n, const unsigned char *sig,
	      size_t siglen)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *der = NULL;
	size_t derlen = 0;
	int rc = -1;

	if (EVP_PKEY_get_base_id(key) != keytype) {
		rc = 0;
		goto out;
	}
	if (keytype == EVP_PKEY_EC) {
		if (siglen == 0 || siglen != 2 * ec_field_bytes(key)) {
			rc = 0;
			goto out;
		}
		der = ecdsa_raw_to_der(sig, siglen, &derlen);
		if (!der)
			goto out;
		sig = der;
		siglen = derlen;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) != 1)
		goto out;
	rc = EVP_DigestVerify(ctx, sig, siglen, data, n) == 1 ? 1 : 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return rc;
}

unsigned char *cr_ecdsa_der_to_raw(EVP_PKEY *key, const unsigned char *der, size_t n, size_t *outlen)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
	const BIGNUM *r, *s;
	size_t fb = ec_field_bytes(key);
	unsigned char *out = NULL;

	if (!es)
		return NULL;
	ECDSA_SIG_get0(es, &r, &s);
	out = malloc(2 * fb);
	if (out && (BN_bn2binpad(r, out, (int)fb) < 0 || BN_bn2binpad(s, out + fb, (int)fb) < 0)) {
		free(out);
		out = NULL;
	}
	ECDSA_SIG_free(es);
	*outlen = 2 * fb;
	return out;
}

X509 *cr_x509_from_der(const unsigned char *p, size_t n)
{
	const unsigned char *q = p;
	X509 *x = d2i_X509(NULL, &q, (long)n);

	if (x && q != p + n) { /* trailing bytes */
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

X509 *cr_x509_from_b64(const char *b64)
{
	size_t n;
	unsigned char *der = b64_decode_new(b64, &n);
	X509 *x;

	if (!der)
		return NULL;
	x = cr_x509_from_der(der, n);
	free(der);
	return x;
}

X509 *edoc_x509_parse(const char *text)
{
	BIO *bio;
	X509 *x;

	if (!strstr(text, "-----BEGIN CERTIFICATE-----"))
		return cr_x509_from_b64(text);
	bio = BIO_new_mem_buf(text, -1);
	x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	ERR_clear_error();
	return x;
}

char *cr_name_entry(const X509_NAME *name, int nid)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	const ASN1_STRING *s;
	unsigned char *utf8 = NULL;
	char *out;
	int n;

	if (i < 0)
		return NULL;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	n = ASN1_STRING_to_UTF8(&utf8, s);
	if (n < 0)
		return NULL;
	out = strndup((char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
	/* a stranger's certificate names what a report prints: no control
	 * characters (C0, DEL, C1 as UTF-8 \xc2\x80-\x9f), which a terminal
	 * would obey (an ESC sequence could rewrite "TOTAL-FAILED") */
	for (i = 0; out && out[i]; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 || c == 0x7f)
			out[i] = '?';
		else if (c == 0xc2 && (unsigned char)out[i + 1] >= 0x80 && (unsigned char)out[i + 1] <= 0x9f) {
			out[i] = '?';
			out[i + 1] = '?';
			i++;
		}
	}
	return out;
}

char *cr_name_oneline(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *out = NULL;
	long n;

	if (!b)
		return NULL;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(b, &p);
		out = n >= 0 ? malloc((size_t)n + 1) : NULL;
		if (out) {
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
		}
	}
	BIO_free(b);
	return out;
}

int cr_asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

int cr_asn1_gtime(const ASN1_GENERALIZEDTIME *t, time_t *out)
{
	return cr_asn1_time((const ASN1_TIME *)t, out);
}

char *cr_serial_dec(const X509 *x)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *s, *out;

	if (!bn)
		return NULL;
	s = BN_bn2dec(bn);
	BN_free(bn);
	if (!s)
		return NULL;
	out = strdup(s);
	OPENSSL_free(s);
	return out;
}

int cr_serial_cmp_dec(const X509 *x, const char *dec)
{
	BIGNUM *a = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL), *b = NULL;
	int rc = -1;

	while (*dec == ' ' || *dec == '\n' || *dec == '\r' || *dec == '\t')
		dec++;
	if (a && *dec && strspn(dec, "0123456789-") >= strcspn(dec, " \t\r\n") && BN_dec2bn(&b, dec) > 0)
		rc = BN_cmp(a, b) == 0 ? 0 : 1;
	BN_free(a);
	BN_free(b);
	return rc;
}

int cr_has_nonrepudiation(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);

	return ku != UINT32_MAX && (ku & KU_NON_REPUDIATION);
}

/* ---- RFC 4514 distinguished names, as found in ds:X509IssuerName ---- */

struct rdn_part {
	ASN1_OBJECT *obj;
	int type; /* V_ASN1_* of a #hex value, or MBSTRING_UTF8 */
	unsigned char *val;
	size_t len;
	int same_rdn; /* joined to the previous one with '+' */
};

static const struct {
	const char *name;
	int nid;
} dn_names[] = {
    {"CN", NID_commonName},
    {"C", NID_countryName},
    {"O", NID_organizationName},
    {"OU", NID_organizationalUnitName},
    {"L", NID_localityName},
    {"ST", NID_stateOrProvinceName},
    {"S", NID_stateOrProvinceName},
    {"STREET", NID_streetAddress},
    {"DC", NID_domainComponent},
    {"UID", NID_userId},
    {"SN", NID_surname},
    {"SURNAME", NID_surname},
    {"GN", NID_givenName},
    {"GIVENNAME", NID_givenName},
    {"SERIALNUMBER", NID_serialNumber},
    {"E", NID_pkcs9_emailAddress},
    {"EMAIL", NID_pkcs9_emailAddress},
    {"EMAILADDRESS", NID_pkcs9_emailAddress},
    {"T", NID_title},
    {"TITLE", NID_title},
    {"ORGANIZATIONIDENTIFIER", NID_organizationIdentifier},
};

static ASN1_OBJECT *dn_type(const char *s, size_t n)
{
	char tmp[128];
	size_t i;

	if (n == 0 || n >= sizeof(tmp))
		return NULL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	for (i = 0; i < sizeof(dn_names) / sizeof(dn_names[0]); i++)
		if (strcasecmp(tmp, dn_names[i].name) == 0)
			return OBJ_nid2obj(dn_names[i].nid);
	if (strncasecmp(tmp, "OID.", 4) == 0)
		memmove(tmp, tmp + 4, n - 3);
	if (tmp[0] >= '0' && tmp[0] <= '9')
		return OBJ_txt2obj(tmp, 1);
	return NULL;
}

static int parse_dn(const char *s, struct rdn_part *parts, size_t max, size_t *count)
{
	size_t n = 0;
	int joined = 0;

	while (*s) {
		const char *eq;
		struct rdn_part *p;
		unsigned char *val;
		size_t vl = 0;

		while (*s == ' ')
			s++;
		eq = strchr(s, '=');
		if (!eq || n == max)
			return -1;
		p = &parts[n];
		memset(p, 0, sizeof(*p));
		{
			size_t tl = (size_t)(eq - s);

			while (tl && s[tl - 1] == ' ')
				tl--;
			p->obj = dn_type(s, tl);
		}
		if (!p->obj)
			return -1;
		p->same_rdn = joined;
		n++;
		s = eq + 1;
		while (*s == ' ')
			s++;
		val = malloc(strlen(s) + 1);
		if (!val)
			return -1;
		p->val = val;
		if (*s == '#') {
			const unsigned char *q;
			ASN1_TYPE *at;
			unsigned char *der;

			s++;
			while (s[0] && s[1] && strchr("0123456789abcdefABCDEF", s[0]) &&
			       strchr("0123456789abcdefABCDEF", s[1])) {
				char h[3] = {s[0], s[1], 0};

				val[vl++] = (unsigned char)strtoul(h, NULL, 16);
				s += 2;
			}
			der = val;
			q = der;
			at = d2i_ASN1_TYPE(NULL, &q, (long)vl);
			if (!at || at->type == V_ASN1_SEQUENCE || at->type == V_ASN1_SET || !at->value.asn1_string) {
				ASN1_TYPE_free(at);
				return -1;
			}
			p->type = at->type;
			p->len = (size_t)ASN1_STRING_length(at->value.asn1_string);
			memcpy(val, ASN1_STRING_get0_data(at->value.asn1_string), p->len);
			ASN1_TYPE_free(at);
		} else {
			int quoted = *s == '"';

			if (quoted)
				s++;
			while (*s && (quoted ? *s != '"' : (*s != ',' && *s != '+' && *s != ';'))) {
				if (*s == '\\' && s[1]) {
					if (strchr("0123456789abcdefABCDEF", s[1]) && s[2] &&
					    strchr("0123456789abcdefABCDEF", s[2])) {
						char h[3] = {s[1], s[2], 0};

						val[vl++] = (unsigned char)strtoul(h, NULL, 16);
						s += 3;
					} else {
						val[vl++] = (unsigned char)s[1];
						s += 2;
					}
				} else {
					val[vl++] = (unsigned char)*s++;
				}
			}
			if (quoted) {
				if (*s != '"')
					return -1;
				s++;
				while (*s == ' ')
					s++;
			}
			while (!quoted && vl && val[vl - 1] == ' ')
				vl--;
			p->type = MBSTRING_UTF8;
			p->len = vl;
		}
		joined = *s == '+';
		if (*s == ',' || *s == '+' || *s == ';')
			s++;
		else if (*s)
			return -1;
	}
	*count = n;
	return 0;
}

int cr_name_cmp_str(const X509_NAME *name, const char *str)
{
	struct rdn_part parts[32];
	size_t n = 0, i;
	X509_NAME *x = NULL;
	int rc = -1, set = -1;

	memset(parts, 0, sizeof(parts));
	if (parse_dn(str, parts, 32, &n) != 0 || n == 0)
		goto out;
	x = X509_NAME_new();
	if (!x)
		goto out;
	/* RFC 4514 writes the most specific RDN first: add in reverse. */
	for (i = n; i-- > 0;) {
		X509_NAME_ENTRY *ne;

		ne = X509_NAME_ENTRY_create_by_OBJ(NULL, parts[i].obj, parts[i].type, parts[i].val, (int)parts[i].len);
		if (!ne)
			goto out;
		/* entries joined by '+' share one RDN */
		set = (i + 1 < n && parts[i + 1].same_rdn) ? -1 : 0;
		if (X509_NAME_add_entry(x, ne, -1, set) != 1) {
			X509_NAME_ENTRY_free(ne);
			goto out;
		}
		X509_NAME_ENTRY_free(ne);
	}
	rc = X509_NAME_cmp(name, x) == 0 ? 0 : 1;
out:
	for (i = 0; i < 32; i++) {
		free(parts[i].val);
		ASN1_OBJECT_free(parts[i].obj);
	}
	X509_NAME_free(x);
	ERR_clear_error();
	return rc;
}
