/* parse.c — see parse.h. Every loop walks its input once, left to right. */
#include "http/parse.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/hex.h"

const struct parse_limits parse_limits_form = {1024, 256, (size_t)64 * 1024, (size_t)1024 * 1024};
const struct parse_limits parse_limits_cookie = {180, 256, 4096, (size_t)16 * 1024};

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

const char *kv_get(const struct kvlist *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return l->items[i].value;
	return NULL;
}

int kvlist_add(struct arena *a, struct kvlist *l, const char *name, const char *value, size_t value_len)
{
	struct kv *items;
	size_t alloc;

	if (l->n == l->alloc) {
		alloc = l->alloc ? l->alloc * 2 : 8;
		if (alloc > SIZE_MAX / sizeof(*items))
			return -1;
		items = arena_alloc(a, alloc * sizeof(*items));
		if (!items)
			return -1;
		if (l->n)
			memcpy(items, l->items, l->n * sizeof(*items));
		l->items = items;
		l->alloc = alloc;
	}
	l->items[l->n].name = name;
	l->items[l->n].value = value;
	l->items[l->n].value_len = value_len;
	l->n++;
	return 0;
}

/* Decodes escapes only: no check of what they decode to. */
static char *pct_decode_raw(struct arena *a, const char *s, size_t len, unsigned flags, size_t *out_len,
			    const char **why)
{
	char *d;
	size_t i, n = 0;
	int hi, lo;

	if (len == SIZE_MAX) {
		fail(why, "too large");
		return NULL;
	}
	d = arena_alloc(a, len + 1);
	if (!d) {
		fail(why, "out of memory");
		return NULL;
	}
	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (len - i < 3) {
				fail(why, "bad percent-escape");
				return NULL;
			}
			hi = hex_value((unsigned char)s[i + 1]);
			lo = hex_value((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0) {
				fail(why, "bad percent-escape");
				return NULL;
			}
			d[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (s[i] == '+' && (flags & PCT_PLUS_SPACE)) {
			d[n++] = ' ';
		} else {
			d[n++] = s[i];
		}
	}
	d[n] = '\0';
	*out_len = n;
	return d;
}

int pct_decode(struct arena *a, const char *s, size_t len, unsigned flags, const char **out, size_t *out_len,
	       const char **why)
{
	const char *d;
	size_t n;

	d = pct_decode_raw(a, s, len, flags, &n, why);
	if (!d)
		return -1;
	if (memchr(d, '\0', n))
		return fail(why, "NUL byte");
	if (!utf8_valid(d, n))
		return fail(why, "invalid UTF-8");
	*out = d;
	if (out_len)
		*out_len = n;
	return 0;
}

int parse_urlencoded(struct arena *a, const char *s, size_t len, const struct parse_limits *lim, struct kvlist *out,
		     const char **why)
{
	size_t i = 0, j, eq, nlen, vlen;
	const char *name, *value;

	if (!lim)
		lim = &parse_limits_form;
	*out = (struct kvlist)KVLIST_INIT;
	if (len > lim->max_total)
		return fail(why, "too large");
	while (i < len) {
		/* One pair is s[i..j); eq is where its '=' is, or j. */
		for (j = i; j < len && s[j] != '&'; j++)
			;
		if (j == i) {
			i++;
			continue;
		}
		if (out->n >= lim->max_fields)
			return fail(why, "too many fields");
		for (eq = i; eq < j && s[eq] != '='; eq++)
			;
		if (pct_decode(a, s + i, eq - i, PCT_PLUS_SPACE, &name, &nlen, why) != 0)
			return -1;
		if (nlen > lim->max_name)
			return fail(why, "name too long");
		if (eq < j) {
			if (pct_decode(a, s + eq + 1, j - eq - 1, PCT_PLUS_SPACE, &value, &vlen, why) != 0)
				return -1;
		} else {
			value = "";
			vlen = 0;
		}
		if (vlen > lim->max_value)
			return fail(why, "field too long");
		if (kvlist_add(a, out, name, value, vlen) != 0)
			return fail(why, "out of memory");
		i = j + 1;
	}
	return 0;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 tchar. */
static int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 6265 cookie-octet. */
static int is_cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
	       (c >= 0x5D && c <= 0x7E);
}

static void trim(const char **b, const char **e)
{
	while (*b < *e && is_ows(**b))
		(*b)++;
	while (*e > *b && is_ows((*e)[-1]))
		(*e)--;
}

static int all_of(const char *b, const char *e, int (*pred)(unsigned char))
{
	for (; b < e; b++)
		if (!pred((unsigned char)*b))
			return 0;
	return 1;
}

int parse_cookies(struct arena *a, const char *s, size_t len, const struct parse_limits *lim, struct kvlist *out,
		  const char **why)
{
	const char *p = s, *end = s + len, *semi, *eq, *nb, *ne, *vb, *ve;
	const char *name, *value;

	if (!lim)
		lim = &parse_limits_cookie;
	*out = (struct kvlist)KVLIST_INIT;
	if (len > lim->max_total)
		return fail(why, "too large");
	if (!len)
		return 0;
	while (p < end) {
		semi = memchr(p, ';', (size_t)(end - p));
		if (!semi)
			semi = end;
		eq = memchr(p, '=', (size_t)(semi - p));
		if (!eq)
			goto next;
		nb = p;
		ne = eq;
		vb = eq + 1;
		ve = semi;
		trim(&nb, &ne);
		trim(&vb, &ve);
		if (nb == ne || !all_of(nb, ne, is_tchar))
			goto next;
		if (ve - vb >= 2 && *vb == '"' && ve[-1] == '"') {
			vb++;
			ve--;
		}
		if (!all_of(vb, ve, is_cookie_octet))
			goto next;
		if (out->n >= lim->max_fields)
			return fail(why, "too many fields");
		if ((size_t)(ne - nb) > lim->max_name)
			return fail(why, "name too long");
		if ((size_t)(ve - vb) > lim->max_value)
			return fail(why, "field too long");
		name = arena_strndup(a, nb, (size_t)(ne - nb));
		value = arena_strndup(a, vb, (size_t)(ve - vb));
		if (!name || !value || kvlist_add(a, out, name, value, (size_t)(ve - vb)) != 0)
			return fail(why, "out of memory");
	next:
		if (semi == end)
			break;
		p = semi + 1;
	}
	return 0;
}

static char *lower_dup(struct arena *a, const char *s, size_t n)
{
	char *d = arena_strndup(a, s, n);
	size_t i;

	if (!d)
		return NULL;
	for (i = 0; i < n; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] - 'A' + 'a');
	return d;
}

static const char *token_end(const char *p, const char *end)
{
	while (p < end && is_tchar((unsigned char)*p))
		p++;
	return p;
}

/* RFC 9110 qdtext. */
static int is_qdtext(unsigned char c)
{
	return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || c >= 0x80;
}

/* A quoted-string starting at *pp (on the opening quote); on success *pp is
 * just past the closing quote. lenient: a backslash escapes only '"' and '\'
 * and is literal otherwise (what browsers send in filenames). */
static char *quoted_string(struct arena *a, const char **pp, const char *end, int lenient)
{
	const char *p = *pp + 1;
	char *d;
	size_t n = 0;
	unsigned char c;

	d = arena_alloc(a, (size_t)(end - p) + 1);
	if (!d)
		return NULL;
	while (p < end) {
		c = (unsigned char)*p;
		if (c == '"') {
			d[n] = '\0';
			*pp = p + 1;
			return d;
		}
		if (c == '\\') {
			if (p + 1 == end)
				return NULL;
			c = (unsigned char)p[1];
			if (lenient && c != '"' && c != '\\') {
				d[n++] = '\\';
				p++;
				continue;
			}
			if (c != '\t' && (c < 0x20 || c == 0x7F))
				return NULL;
			d[n++] = (char)c;
			p += 2;
			continue;
		}
		if (!is_qdtext(c))
			return NULL;
		d[n++] = (char)c;
		p++;
	}
	return NULL;
}

/* *( OWS ";" OWS [ name "=" ( token / quoted-string ) ] ) up to end. */
static int parse_params(struct arena *a, const char *p, const char *end, int lenient, struct kvlist *params)
{
	const char *nb, *ne, *vb;
	const char *name, *value;

	for (;;) {
		while (p < end && is_ows(*p))
			p++;
		if (p == end)
			return 0;
		if (*p != ';')
			return -1;
		p++;
		while (p < end && is_ows(*p))
			p++;
		if (p == end || *p == ';')
			continue;
		nb = p;
		ne = token_end(p, end);
		if (ne == nb || ne == end || *ne != '=')
			return -1;
		p = ne + 1;
		if (p < end && *p == '"') {
			value = quoted_string(a, &p, end, lenient);
		} else {
			vb = p;
			p = token_end(p, end);
			value = p > vb ? arena_strndup(a, vb, (size_t)(p - vb)) : NULL;
		}
		name = lower_dup(a, nb, (size_t)(ne - nb));
		if (!value || !name)
			return -1;
		if (params && kvlist_add(a, params, name, value, strlen(value)) != 0)
			return -1;
	}
}

int parse_content_type(struct arena *a, const char *s, size_t len, const char **mime, struct kvlist *params,
		       const char **why)
{
	const char *p = s, *end = s + len, *tb, *te;
	const char *m;

	if (params)
		*params = (struct kvlist)KVLIST_INIT;
	while (p < end && is_ows(*p))
		p++;
	tb = p;
	p = token_end(p, end);
	if (p == tb || p == end || *p != '/')
		return fail(why, "bad content type");
	te = token_end(p + 1, end);
	if (te == p + 1)
		return fail(why, "bad content type");
	m = lower_dup(a, tb, (size_t)(te - tb));
	if (!m || parse_params(a, te, end, 0, params) != 0)
		return fail(why, "bad content type");
	*mime = m;
	return 0;
}

/* RFC 8187 ext-value: charset "'" [ language ] "'" value-chars, to UTF-8. */
static const char *ext_value(struct arena *a, const char *v)
{
	const char *q1, *q2, *d;
	char *u;
	size_t n, i, k = 0;
	unsigned char c;

	q1 = strchr(v, '\'');
	if (!q1)
		return NULL;
	q2 = strchr(q1 + 1, '\'');
	if (!q2)
		return NULL;
	if (q1 - v == 5 && strncasecmp(v, "UTF-8", 5) == 0) {
		if (pct_decode(a, q2 + 1, strlen(q2 + 1), 0, &d, NULL, NULL) != 0)
			return NULL;
		return d;
	}
	if (q1 - v == 10 && strncasecmp(v, "ISO-8859-1", 10) == 0) {
		d = pct_decode_raw(a, q2 + 1, strlen(q2 + 1), 0, &n, NULL);
		if (!d || memchr(d, '\0', n) || n > SIZE_MAX / 2 - 1)
			return NULL;
		u = arena_alloc(a, n * 2 + 1);
		if (!u)
			return NULL;
		for (i = 0; i < n; i++) {
			c = (unsigned char)d[i];
			if (c < 0x80) {
				u[k++] = (char)c;
			} else {
				u[k++] = (char)(0xC0 | (c >> 6));
				u[k++] = (char)(0x80 | (c & 0x3F));
			}
		}
		u[k] = '\0';
		return u;
	}
	return NULL;
}

int parse_content_disposition(struct arena *a, const char *s, size_t len, const char **type, struct kvlist *params,
			      const char **why)
{
	const char *p = s, *end = s + len, *tb;
	const char *t, *v;
	size_t i, k = 0;

	*params = (struct kvlist)KVLIST_INIT;
	while (p < end && is_ows(*p))
		p++;
	tb = p;
	p = token_end(p, end);
	if (p == tb)
		return fail(why, "bad content disposition");
	t = lower_dup(a, tb, (size_t)(p - tb));
	if (!t || parse_params(a, p, end, 1, params) != 0)
		return fail(why, "bad content disposition");
	/* Decode filename*, dropping any that cannot be decoded. */
	for (i = 0; i < params->n; i++) {
		if (strcmp(params->items[i].name, "filename*") == 0) {
			v = ext_value(a, params->items[i].value);
			if (!v)
				continue;
			params->items[i].value = v;
			params->items[i].value_len = strlen(v);
		}
		params->items[k++] = params->items[i];
	}
	params->n = k;
	*type = t;
	return 0;
}

static int name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp(p, name, n);
}

int http1_framing_ambiguous(const char *head, size_t len)
{
	const char *p = head, *end = head + len, *eol, *le, *colon, *v, *ve, *cl = NULL;
	size_t cl_len = 0;
	int ncl = 0, nte = 0, differ = 0;

	eol = memchr(p, '\n', len); /* the request line */
	if (!eol)
		return 0;
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			break;
		le = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if (le == p)
			break; /* the blank line: the body follows */
		if (*p == ' ' || *p == '\t')
			return 1; /* obs-fold (RFC 9112 5.2): a folded Transfer-Encoding would hide */
		colon = memchr(p, ':', (size_t)(le - p));
		if (!colon)
			continue;
		for (v = colon + 1; v < le && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = le; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		if (name_is(p, (size_t)(colon - p), "content-length")) {
			if (ncl++ && ((size_t)(ve - v) != cl_len || memcmp(v, cl, cl_len) != 0))
				differ = 1;
			cl = v;
			cl_len = (size_t)(ve - v);
		} else if (name_is(p, (size_t)(colon - p), "transfer-encoding")) {
			nte++;
		}
	}
	return differ || nte > 1 || (nte && ncl);
}
