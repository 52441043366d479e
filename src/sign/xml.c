/* xml.c — parsing hostile XML with libxml2, navigation, canonicalization,
 * base64 and xsd:dateTime. See internal.h. */
#include "sign/internal.h"

#include "core/base64.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

static pthread_once_t sx_once = PTHREAD_ONCE_INIT;

static void sx_init_once(void)
{
	xmlInitParser();
}

void sx_init(void)
{
	pthread_once(&sx_once, sx_init_once);
}

/* libxml2 reports some errors (encodings, c14n) through its per-thread
 * generic handler, which prints to stderr; ours go into verdicts instead. */
static void silent(void *ctx, const char *msg, ...)
{
}

struct quiet {
	xmlGenericErrorFunc func;
	void *ctx;
};

static void quiet_begin(struct quiet *q)
{
	q->func = xmlGenericError;
	q->ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, silent);
}

static void quiet_end(const struct quiet *q)
{
	xmlSetGenericErrorFunc(q->ctx, q->func);
}

struct parse_state {
	int doctype;
	char first[160];
};

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
	xmlParserCtxtPtr c = ctx;
	struct parse_state *st = c->_private;

	st->doctype = 1;
	xmlStopParser(c);
}

static void on_error(void *ctx, xmlErrorPtr err)
{
	xmlParserCtxtPtr c = ctx;
	struct parse_state *st = c->_private;
	size_t n;

	if (!st || st->first[0] || !err || !err->message)
		return;
	snprintf(st->first, sizeof(st->first), "line %d: %s", err->line, err->message);
	n = strlen(st->first);
	while (n && (st->first[n - 1] == '\n' || st->first[n - 1] == ' '))
		st->first[--n] = '\0';
}

xmlDocPtr sx_parse(const void *p, size_t n, struct err *e)
{
	struct parse_state st;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	struct quiet q;

	sx_init();
	quiet_begin(&q);
	memset(&st, 0, sizeof(st));
	if (n == 0 || n > INT_MAX) {
		err_set(e, ERR_BAD_REQUEST, "XML: empty or too large");
		goto out;
	}
	ctxt = xmlCreateMemoryParserCtxt(p, (int)n);
	if (!ctxt) {
		err_set(e, ERR_INTERNAL, "XML: out of memory");
		goto out;
	}
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	ctxt->_private = &st;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->externalSubset = NULL;
	ctxt->sax->serror = on_error;
	ctxt->sax->error = NULL;
	ctxt->sax->warning = NULL;
	ctxt->sax->fatalError = NULL;
	ctxt->loadsubset = 0;
	ctxt->replaceEntities = 0;
	ctxt->validate = 0;
	xmlParseDocument(ctxt);
	if (st.doctype) {
		err_set(e, ERR_BAD_REQUEST, "XML: a DOCTYPE is not allowed (DTDs and entities are refused)");
		goto out;
	}
	if (!ctxt->wellFormed || !ctxt->myDoc) {
		err_set(e, ERR_BAD_REQUEST, "XML: not well-formed (%s)", st.first[0] ? st.first : "parse error");
		goto out;
	}
	if (ctxt->myDoc->intSubset || ctxt->myDoc->extSubset) {
		err_set(e, ERR_BAD_REQUEST, "XML: a DOCTYPE is not allowed");
		goto out;
	}
	if (!xmlDocGetRootElement(ctxt->myDoc)) {
		err_set(e, ERR_BAD_REQUEST, "XML: no root element");
		goto out;
	}
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
out:
	if (ctxt) {
		if (ctxt->myDoc)
			xmlFreeDoc(ctxt->myDoc);
		ctxt->myDoc = NULL;
		ctxt->_private = NULL;
		xmlFreeParserCtxt(ctxt);
	}
	quiet_end(&q);
	return doc;
}

int sx_is(const xmlNode *n, const char *ns, const char *name)
{
	if (!n || n->type != XML_ELEMENT_NODE)
		return 0;
	if (strcmp((const char *)n->name, name) != 0)
		return 0;
	if (!ns)
		return n->ns == NULL;
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

xmlNodePtr sx_first_elem(xmlNodePtr parent)
{
	xmlNodePtr c;

	for (c = parent ? parent->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

xmlNodePtr sx_next_elem(xmlNodePtr n)
{
	for (n = n ? n->next : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

xmlNodePtr sx_child(xmlNodePtr parent, const char *ns, const char *name)
{
	xmlNodePtr c;

	for (c = sx_first_elem(parent); c; c = sx_next_elem(c))
		if (sx_is(c, ns, name))
			return c;
	return NULL;
}

size_t sx_count_children(xmlNodePtr parent, const char *ns, const char *name)
{
	xmlNodePtr c;
	size_t k = 0;

	for (c = sx_first_elem(parent); c; c = sx_next_elem(c))
		if (sx_is(c, ns, name))
			k++;
	return k;
}

const char *sx_attr(const xmlNode *n, const char *name)
{
	const xmlAttr *a;

	if (!n || n->type != XML_ELEMENT_NODE)
		return NULL;
	for (a = n->properties; a; a = a->next) {
		if (a->ns || strcmp((const char *)a->name, name) != 0)
			continue;
		if (a->children && a->children->type == XML_TEXT_NODE && !a->children->next)
			return (const char *)a->children->content;
		if (!a->children)
			return "";
		return NULL; /* entity references: never expanded */
	}
	return NULL;
}

char *sx_text(const xmlNode *n)
{
	const xmlNode *c;
	struct buf b = BUF_INIT;
	char *s;

	buf_init(&b, 16 * 1024 * 1024);
	buf_puts(&b, "");
	for (c = n ? n->children : NULL; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
			buf_puts(&b, (const char *)c->content);
		else if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		else
			goto fail;
	}
	if (!buf_ok(&b))
		goto fail;
	s = buf_steal(&b, NULL);
	return s;
fail:
	buf_free(&b);
	return NULL;
}

unsigned char *sx_b64(const xmlNode *n, size_t *len)
{
	char *s = sx_text(n);
	unsigned char *p;

	if (!s)
		return NULL;
	p = b64_decode_new(s, len);
	free(s);
	return p;
}

int sx_c14n_method(const char *uri, struct c14n_method *m)
{
	static const struct {
		const char *uri;
		int mode, comments;
	} tab[] = {
	    {URI_C14N10, XML_C14N_1_0, 0},
	    {URI_C14N10_C, XML_C14N_1_0, 1},
	    {URI_C14N11, XML_C14N_1_1, 0},
	    {URI_C14N11_C, XML_C14N_1_1, 1},
	    {URI_EXC_C14N, XML_C14N_EXCLUSIVE_1_0, 0},
	    {URI_EXC_C14N_C, XML_C14N_EXCLUSIVE_1_0, 1},
	};
	size_t i;

	for (i = 0; uri && i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(uri, tab[i].uri) == 0) {
			m->mode = tab[i].mode;
			m->comments = tab[i].comments;
			return 0;
		}
	}
	return -1;
}

static int in_subtree(void *user, xmlNodePtr node, xmlNodePtr parent)
{
	xmlNodePtr apex = user;
	xmlNodePtr n;

	if (!node)
		return 0;
	if (node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE)
		n = node->type == XML_ATTRIBUTE_NODE ? node->parent : parent;
	else
		n = node;
	for (; n; n = n->parent)
		if (n == apex)
			return 1;
	return 0;
}

static int out_write(void *ctx, const char *p, int n)
{
	struct buf *b = ctx;

	if (buf_append(b, p, (size_t)n) != 0)
		return -1;
	return n;
}

static int out_close(void *ctx)
{
	return 0;
}

/* libxml2's canonicalization walks the whole document and asks in_subtree
 * about every node, so over a signature file with thousands of signatures
 * each canonicalization cost the whole file. For its duration the document
 * holds only the path from the root to the apex: the ancestors keep their
 * attributes and namespace declarations (all that c14n takes from them),
 * their other children are invisible anyway. Restored right after. */
struct cut {
	xmlNodePtr *parent_children, *parent_last; /* the parent's (or document's) child list */
	xmlNodePtr node, children, last, prev, next;
};

static struct cut *prune_to(xmlNodePtr apex, size_t *n)
{
	struct cut *v;
	xmlNodePtr p;
	size_t k = 0, depth = 0;

	for (p = apex; p && p->parent; p = p->parent)
		depth++;
	v = calloc(depth + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (p = apex; p && p->parent; p = p->parent, k++) {
		xmlNodePtr up = p->parent;
		struct cut *c = &v[k];

		if (up->type == XML_DOCUMENT_NODE) {
			xmlDocPtr d = (xmlDocPtr)up;

			c->parent_children = &d->children;
			c->parent_last = &d->last;
		} else {
			c->parent_children = &up->children;
			c->parent_last = &up->last;
		}
		c->node = p;
		c->children = *c->parent_children;
		c->last = *c->parent_last;
		c->prev = p->prev;
		c->next = p->next;
		*c->parent_children = *c->parent_last = p;
		p->prev = p->next = NULL;
	}
	*n = k;
	return v;
}

static void unprune(struct cut *v, size_t n)
{
	while (n--) {
		struct cut *c = &v[n];

		*c->parent_children = c->children;
		*c->parent_last = c->last;
		c->node->prev = c->prev;
		c->node->next = c->next;
	}
	free(v);
}

int sx_c14n(xmlNodePtr apex, const struct c14n_method *m, char **prefixes, struct buf *out)
{
	xmlOutputBufferPtr ob;
	struct quiet q;
	struct cut *cuts;
	size_t ncuts = 0;
	int rc;

	if (!apex || !apex->doc)
		return -1;
	ob = xmlOutputBufferCreateIO(out_write, out_close, out, NULL);
	if (!ob)
		return -1;
	cuts = prune_to(apex, &ncuts);
	if (!cuts) {
		xmlOutputBufferClose(ob);
		return -1;
	}
	quiet_begin(&q);
	rc = xmlC14NExecute(apex->doc, in_subtree, apex, m->mode, (xmlChar **)prefixes, m->comments, ob);
	unprune(cuts, ncuts);
	if (xmlOutputBufferClose(ob) < 0)
		rc = -1;
	quiet_end(&q);
	if (rc < 0 || !buf_ok(out))
		return -1;
	return 0;
}

static int digits(const char *s, int n, int *v)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

int sx_parse_time(const char *s, time_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh, om, off = 0;
	const char *p;
	time_t r;

	memset(&tm, 0, sizeof(tm));
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 14 || om > 59)
			return -1;
		off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	r = timegm(&tm);
	if (r == (time_t)-1)
		return -1;
	*t = r - off;
	return 0;
}

void sx_format_time(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
