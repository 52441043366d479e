/* mustache.c — see mustache.h.
 *
 * Compiling one template (or one translation) takes three passes:
 *  1. lex(): split the source into text and tag tokens, following
 *     set-delimiter tags;
 *  2. pair(): match every section, parent and block with its closing tag,
 *     and mark the tags that stand alone on their line (whose line then
 *     disappears from the output);
 *  3. build(): cut standalone lines, dedent blocks, translate msgids and
 *     append nodes to one flat array per template. A container node
 *     (section, inverted section, parent, block) is followed by its children;
 *     its `end` is the index just past them (for other nodes, index + 1).
 * When every template of a set is compiled, set_link() points each partial
 * and parent node at its template. Rendering walks the arrays recursively,
 * keeping the context stack, the parent frames and the indentation on the
 * C stack.
 *
 * Indentation. A standalone partial, parent or block pushes the whitespace
 * that preceded its tag; while any is pushed, the whole stack is written
 * before the first byte of every non-empty line that template text starts.
 * A standalone block's content is dedented when compiled by the indentation
 * common to its lines, and that indentation is what the block adds when it
 * is expanded (spec: "Block indentation is removed at the site of definition
 * and added at the site of expansion").
 *
 * Inheritance. Rendering a parent tag pushes a frame (the parent node, whose
 * direct block children are the overrides) and renders the parent template.
 * A block renders the override found in the outermost frame that has one,
 * else its own content. Override content renders with the frames outside
 * the one it came from, so a block never overrides itself.
 */
#include "tmpl/mustache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/file.h"
#include "tmpl/escape.h"

#define NPOS ((size_t)-1)
#define MAX_FILE_SIZE ((size_t)16 * 1024 * 1024)
#define MAX_DIR_DEPTH 16
#define EXT ".mustache"
#define EXT_LEN (sizeof(EXT) - 1)

/* ---- compiled form ---------------------------------------------------- */

enum node_type {
	N_TEXT,
	N_VAR, /* {{x}}, escaped */
	N_RAW, /* {{{x}}}, {{& x}} */
	N_SECTION,
	N_INVERTED,
	N_PARTIAL,
	N_PARENT,
	N_BLOCK,
};

struct seg {
	const char *s;
	size_t n;
};

struct node {
	unsigned char type;
	unsigned char has_indent; /* standalone partial, parent or block */
	int line;
	size_t end;      /* index just past this node and its children */
	const char *str; /* TEXT: the bytes; otherwise the tag name */
	size_t len;
	const struct seg *path; /* VAR..INVERTED: the name split at dots */
	size_t npath;           /* 0 for "." */
	const char *indent;     /* has_indent: the indentation to add */
	size_t indent_len;
	const struct tmpl *target; /* PARTIAL, PARENT: after linking; NULL if missing */
};

struct tmpl {
	const char *name;
	const char *file;
	struct node *nodes;
	size_t nnodes;
};

struct tmpl_set {
	struct arena *arena;
	struct tmpl *tmpls; /* sorted by name */
	size_t ntmpls, atmpls;
	unsigned long max_steps;
};

/* ---- compiler state and errors ---------------------------------------- */

enum tok_type {
	T_TEXT,
	T_VAR,
	T_RAW,
	T_SECTION,
	T_INVERTED,
	T_CLOSE,
	T_COMMENT,
	T_PARTIAL,
	T_PARENT,
	T_BLOCK,
	T_DELIM,
	T_MSGID,
};

/* tok.cut: what a standalone tag removes around itself. */
#define CUT_BEFORE 1u /* the whitespace from the line start to the tag */
#define CUT_AFTER 2u  /* the whitespace after the tag and the newline */
#define KEEP_NL 4u    /* with CUT_AFTER: but not the newline ({{$b}}{{/b}}) */

struct delims {
	const char *o, *c;
	size_t olen, clen;
};

struct tok {
	unsigned char type;
	unsigned char cut;
	int line;
	size_t start, end;         /* source span: the text, or the whole tag */
	size_t name, name_len;     /* tags: the trimmed content after the sigil */
	size_t match;              /* containers and closing tags: the other one */
	size_t indent, indent_len; /* CUT_BEFORE: the indentation it cut (dedented) */
	size_t node;               /* containers: index of their node */
	struct delims d;           /* T_MSGID: the delimiters in force */
};

struct toks {
	struct tok *v;
	size_t n, alloc;
};

struct compile {
	struct arena *arena;
	const struct tmpl_opts *opts;
	struct tmpl_error *err;
	const char *file;
	struct node *nodes;
	size_t nnodes, anodes;
	int in_msgid;   /* compiling a translation */
	int msgid_line; /* ... of the msgid tag at this line */
};

static const struct delims default_delims = {"{{", "}}", 2, 2};

static void set_error(struct tmpl_error *err, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_error(struct tmpl_error *err, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

static int fail(struct compile *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct compile *c, int line, const char *fmt, ...)
{
	char reason[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (c->in_msgid)
		set_error(c->err, c->file, c->msgid_line, "in the translation of this msgid: %s", reason);
	else
		set_error(c->err, c->file, line, "%s", reason);
	return -1;
}

static int oom(struct compile *c, int line)
{
	return fail(c, line, "out of memory");
}

/* How many bytes of a name go into an error message. */
#define SHOWN(n) ((int)((n) > 40 ? 40 : (n)))

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int count_nl(const char *s, size_t n)
{
	int k = 0;
	const char *p = s, *end = s + n;

	while (p < end) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			break;
		k++;
		p++;
	}
	return k;
}

/* ---- pass 1: tokens --------------------------------------------------- */

static struct tok *tok_add(struct compile *c, struct toks *t, int type, int line)
{
	struct tok *k;

	if (t->n == t->alloc) {
		size_t na = t->alloc ? t->alloc * 2 : 64;
		struct tok *v = realloc(t->v, na * sizeof(*v));

		if (!v) {
			oom(c, line);
			return NULL;
		}
		t->v = v;
		t->alloc = na;
	}
	k = &t->v[t->n++];
	memset(k, 0, sizeof(*k));
	k->type = (unsigned char)type;
	k->line = line;
	return k;
}

/* Finds the closing delimiter at or after from; with pre, only one preceded
 * by pre at or after from ("}" + "}}" closes a triple mustache) and returns
 * the position of pre. NPOS if there is none. */
static size_t find_close(const char *s, size_t len, size_t from, char pre, const struct delims *d)
{
	size_t k = from, at;
	const char *p;

	for (;;) {
		if (k > len)
			return NPOS;
		p = memmem(s + k, len - k, d->c, d->clen);
		if (!p)
			return NPOS;
		at = (size_t)(p - s);
		if (!pre)
			return at;
		if (at > from && s[at - 1] == pre)
			return at - 1;
		k = at + 1;
	}
}

/* The tag type from the bytes after the opening delimiter; moves *q past
 * the sigil and sets *pre for tags whose closer has an extra character. */
static int tag_type(const char *s, size_t len, size_t *q, char *pre)
{
	size_t r;

	*pre = 0;
	if (*q >= len)
		return T_VAR;
	switch (s[*q]) {
	case '{':
		*pre = '}';
		(*q)++;
		return T_RAW;
	case '=':
		*pre = '=';
		(*q)++;
		return T_DELIM;
	case '&': (*q)++; return T_RAW;
	case '#': (*q)++; return T_SECTION;
	case '^': (*q)++; return T_INVERTED;
	case '/': (*q)++; return T_CLOSE;
	case '!': (*q)++; return T_COMMENT;
	case '>': (*q)++; return T_PARTIAL;
	case '<': (*q)++; return T_PARENT;
	case '$': (*q)++; return T_BLOCK;
	}
	for (r = *q; r < len && is_ws(s[r]); r++)
		;
	if (r + 1 < len && s[r] == '_' && is_ws(s[r + 1])) {
		*q = r + 1;
		return T_MSGID;
	}
	return T_VAR;
}

/* The end of a msgid tag's content: the first closing delimiter that does
 * not close a tag nested in the msgid. */
static int scan_msgid(struct compile *c, const char *s, size_t len, const struct delims *d, size_t q, int line,
		      size_t *ce, size_t *te)
{
	size_t k = q, b, q2, e;
	const char *a;
	char pre;

	for (;;) {
		b = find_close(s, len, k, 0, d);
		if (b == NPOS)
			return fail(c, line, "msgid tag is never closed");
		a = memmem(s + k, b - k, d->o, d->olen);
		if (!a) {
			*ce = b;
			*te = b + d->clen;
			return 0;
		}
		q2 = (size_t)(a - s) + d->olen;
		pre = 0;
		if (q2 < len && s[q2] == '{') {
			pre = '}';
			q2++;
		}
		e = find_close(s, len, q2, pre, d);
		if (e == NPOS)
			return fail(c, line, "a tag inside this msgid is never closed");
		k = e + (pre ? 1 : 0) + d->clen;
	}
}

static void trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && is_ws(s[*a]))
		(*a)++;
	while (*b > *a && is_ws(s[*b - 1]))
		(*b)--;
}

static int parse_delims(struct compile *c, const char *s, struct tok *k, struct delims *d)
{
	size_t a = k->name, e = k->name + k->name_len, m, b, x;

	for (m = a; m < e && !is_ws(s[m]); m++)
		;
	for (b = m; b < e && is_ws(s[b]); b++)
		;
	for (x = b; x < e && !is_ws(s[x]); x++)
		;
	if (m == a || b == m || b == e || x != e)
		return fail(c, k->line, "a set-delimiter tag needs two delimiters: {{=<%% %%>=}}");
	d->o = s + a;
	d->olen = m - a;
	d->c = s + b;
	d->clen = e - b;
	return 0;
}

static int check_name(struct compile *c, const char *s, const struct tok *k)
{
	size_t i;

	if (k->type == T_COMMENT || k->type == T_DELIM)
		return 0;
	if (!k->name_len)
		return fail(c, k->line, k->type == T_MSGID ? "empty msgid" : "empty tag");
	if (k->type == T_MSGID)
		return 0;
	for (i = 0; i < k->name_len; i++)
		if (is_ws(s[k->name + i]))
			return fail(c, k->line, "tag name '%.*s' contains whitespace", SHOWN(k->name_len), s + k->name);
	return 0;
}

static int lex(struct compile *c, const char *s, size_t len, struct delims d, struct toks *t)
{
	size_t pos = 0, ts, q, ce = 0, te = 0;
	int line = 1, type;
	const char *p;
	struct tok *k;
	char pre;

	while (pos < len) {
		p = memmem(s + pos, len - pos, d.o, d.olen);
		ts = p ? (size_t)(p - s) : len;
		if (ts > pos) {
			k = tok_add(c, t, T_TEXT, line);
			if (!k)
				return -1;
			k->start = pos;
			k->end = ts;
			line += count_nl(s + pos, ts - pos);
		}
		if (!p)
			break;
		q = ts + d.olen;
		type = tag_type(s, len, &q, &pre);
		if (type == T_MSGID) {
			if (scan_msgid(c, s, len, &d, q, line, &ce, &te) != 0)
				return -1;
		} else {
			ce = find_close(s, len, q, pre, &d);
			if (ce == NPOS)
				return fail(c, line, "tag is never closed");
			te = ce + (pre ? 1 : 0) + d.clen;
		}
		k = tok_add(c, t, type, line);
		if (!k)
			return -1;
		k->start = ts;
		k->end = te;
		trim(s, &q, &ce);
		k->name = q;
		k->name_len = ce - q;
		k->d = d;
		if (check_name(c, s, k) != 0)
			return -1;
		if (type == T_DELIM && parse_delims(c, s, k, &d) != 0)
			return -1;
		line += count_nl(s + ts, te - ts);
		pos = te;
	}
	return 0;
}

/* ---- pass 2: structure and standalone lines --------------------------- */

static int is_container(int type)
{
	return type == T_SECTION || type == T_INVERTED || type == T_PARENT || type == T_BLOCK;
}

static int can_stand_alone(int type)
{
	return type != T_TEXT && type != T_VAR && type != T_RAW && type != T_MSGID;
}

/* Only whitespace between the start of its line and tag i? */
static int prev_ok(const char *s, const struct toks *t, size_t i)
{
	const struct tok *p;
	size_t k;

	if (i == 0)
		return 1;
	p = &t->v[i - 1];
	if (p->type != T_TEXT)
		return 0;
	for (k = p->end; k > p->start; k--) {
		if (s[k - 1] == '\n')
			return 1;
		if (!is_blank(s[k - 1]))
			return 0;
	}
	return i == 1;
}

/* Only whitespace between tag i and the end of its line? */
static int next_ok(const char *s, const struct toks *t, size_t i)
{
	const struct tok *x;
	size_t k;

	if (i + 1 == t->n)
		return 1;
	x = &t->v[i + 1];
	if (x->type != T_TEXT)
		return 0;
	for (k = x->start; k < x->end; k++) {
		if (s[k] == '\n')
			return 1;
		if (!is_blank(s[k]) && s[k] != '\r')
			return 0;
	}
	return i + 2 == t->n;
}

static int same_name(const char *s, const struct tok *a, const struct tok *b)
{
	return a->name_len == b->name_len && !memcmp(s + a->name, s + b->name, a->name_len);
}

static int match_sections(struct compile *c, const char *s, struct toks *t)
{
	size_t stack[TMPL_MAX_NEST];
	size_t depth = 0, i, o;
	struct tok *k;

	for (i = 0; i < t->n; i++) {
		k = &t->v[i];
		if (is_container(k->type)) {
			if (depth == TMPL_MAX_NEST)
				return fail(c, k->line, "sections nested more than %d deep", TMPL_MAX_NEST);
			stack[depth++] = i;
		} else if (k->type == T_CLOSE) {
			if (!depth)
				return fail(c, k->line, "closing tag '%.*s' has no open section", SHOWN(k->name_len),
					    s + k->name);
			o = stack[--depth];
			if (!same_name(s, &t->v[o], k))
				return fail(c, k->line, "closing tag '%.*s' does not match '%.*s' opened on line %d",
					    SHOWN(k->name_len), s + k->name, SHOWN(t->v[o].name_len), s + t->v[o].name,
					    t->v[o].line);
			t->v[o].match = i;
			k->match = o;
		}
	}
	if (depth) {
		k = &t->v[stack[depth - 1]];
		return fail(c, k->line, "section '%.*s' is never closed", SHOWN(k->name_len), s + k->name);
	}
	return 0;
}

/* Two adjacent tags that stand alone together on their line: a parent with
 * nothing in it, an empty block (its newline stays), a parent and its first
 * block, the last block's and the parent's closing tags. */
static unsigned pair_cut(const struct toks *t, size_t i)
{
	const struct tok *a = &t->v[i], *b = &t->v[i + 1];

	if (a->type == T_PARENT && b->type == T_CLOSE && a->match == i + 1)
		return CUT_AFTER;
	if (a->type == T_BLOCK && b->type == T_CLOSE && a->match == i + 1)
		return CUT_AFTER | KEEP_NL;
	if (a->type == T_PARENT && b->type == T_BLOCK)
		return CUT_AFTER;
	if (a->type == T_CLOSE && b->type == T_CLOSE && t->v[a->match].type == T_BLOCK &&
	    t->v[b->match].type == T_PARENT)
		return CUT_AFTER;
	return 0;
}

static int pair(struct compile *c, const char *s, struct toks *t)
{
	size_t i;
	unsigned cut;

	if (match_sections(c, s, t) != 0)
		return -1;
	for (i = 0; i < t->n; i++) {
		if (can_stand_alone(t->v[i].type) && prev_ok(s, t, i) && next_ok(s, t, i))
			t->v[i].cut = CUT_BEFORE | CUT_AFTER;
	}
	for (i = 0; i + 1 < t->n; i++) {
		if (t->v[i].type == T_TEXT || t->v[i + 1].type == T_TEXT)
			continue;
		cut = pair_cut(t, i);
		if (cut && prev_ok(s, t, i) && next_ok(s, t, i + 1)) {
			t->v[i].cut |= CUT_BEFORE;
			t->v[i + 1].cut |= (unsigned char)cut;
		}
	}
	return 0;
}

/* ---- pass 3: nodes ---------------------------------------------------- */

static int compile_unit(struct compile *c, const char *s, size_t len, struct delims d);

static struct node *node_add(struct compile *c, int type, int line)
{
	struct node *n;

	if (c->nnodes == c->anodes) {
		size_t na = c->anodes ? c->anodes * 2 : 64;
		struct node *v = realloc(c->nodes, na * sizeof(*v));

		if (!v) {
			oom(c, line);
			return NULL;
		}
		c->nodes = v;
		c->anodes = na;
	}
	n = &c->nodes[c->nnodes++];
	memset(n, 0, sizeof(*n));
	n->type = (unsigned char)type;
	n->line = c->in_msgid ? c->msgid_line : line;
	n->end = c->nnodes;
	return n;
}

/* Copies [a, e) of s, removing up to strip blanks at every line start. */
static int add_text(struct compile *c, const char *s, size_t a, size_t e, size_t strip, int line)
{
	struct node *n;
	char *p;
	size_t i, o = 0, k;
	int bol = a == 0 || s[a - 1] == '\n';

	p = arena_alloc(c->arena, e - a + 1);
	if (!p)
		return oom(c, line);
	for (i = a; i < e;) {
		if (bol && strip) {
			for (k = 0; k < strip && i < e && is_blank(s[i]); k++)
				i++;
			if (i == e)
				break;
		}
		bol = s[i] == '\n';
		p[o++] = s[i++];
	}
	if (!o)
		return 0;
	n = node_add(c, N_TEXT, line);
	if (!n)
		return -1;
	n->str = p;
	n->len = o;
	return 0;
}

/* A text token, less what standalone tags on either side cut from it; the
 * whitespace cut before the next tag becomes that tag's indentation. */
static int build_text(struct compile *c, const char *s, struct toks *t, size_t j, size_t strip)
{
	struct tok *k = &t->v[j], *next;
	size_t a = k->start, e = k->end, ts, i;

	if (j > 0 && (t->v[j - 1].cut & CUT_AFTER)) {
		if (t->v[j - 1].cut & KEEP_NL) {
			while (a < e && is_blank(s[a]))
				a++;
		} else {
			while (a < e && s[a] != '\n')
				a++;
			if (a < e)
				a++;
		}
	}
	if (j + 1 < t->n && (t->v[j + 1].cut & CUT_BEFORE)) {
		next = &t->v[j + 1];
		for (ts = e; ts > a && is_blank(s[ts - 1]); ts--)
			;
		for (i = ts; i < e && i - ts < strip && is_blank(s[i]); i++)
			;
		next->indent = i;
		next->indent_len = e - i;
		e = ts;
	}
	if (a >= e)
		return 0;
	return add_text(c, s, a, e, strip, k->line);
}

static const char *arena_name(struct compile *c, const char *s, const struct tok *k)
{
	char *p = arena_strndup(c->arena, s + k->name, k->name_len);

	if (!p)
		oom(c, k->line);
	return p;
}

static int add_path(struct compile *c, struct node *n, const struct tok *k)
{
	struct seg *path;
	const char *p = n->str, *dot;
	size_t i, cnt = 1;

	if (n->len == 1 && p[0] == '.') {
		n->npath = 0;
		return 0;
	}
	for (i = 0; i < n->len; i++)
		cnt += p[i] == '.';
	path = arena_alloc(c->arena, cnt * sizeof(*path));
	if (!path)
		return oom(c, k->line);
	for (i = 0; i < cnt; i++) {
		dot = memchr(p, '.', n->len - (size_t)(p - n->str));
		path[i].s = p;
		path[i].n = dot ? (size_t)(dot - p) : n->len - (size_t)(p - n->str);
		p += path[i].n + 1;
	}
	n->path = path;
	n->npath = cnt;
	return 0;
}

/* The indentation shared by the non-blank lines in [a, e): sets *plen and
 * returns its start, or NPOS when every line is blank. */
static size_t common_indent(const char *s, size_t a, size_t e, size_t *plen)
{
	size_t ls = a, b, le, p = NPOS, n = 0, k;

	while (ls < e) {
		for (b = ls; b < e && is_blank(s[b]); b++)
			;
		for (le = b; le < e && s[le] != '\n'; le++)
			;
		for (k = b; k < le && (is_blank(s[k]) || s[k] == '\r'); k++)
			;
		if (k < le) {
			if (p == NPOS) {
				p = ls;
				n = b - ls;
			} else {
				for (k = 0; k < n && k < b - ls && s[p + k] == s[ls + k]; k++)
					;
				n = k;
			}
		}
		ls = le + 1;
	}
	*plen = n;
	return p;
}

/* A block's indentation, and the strip for the lines of its content. */
static void block_indent(const char *s, const struct toks *t, size_t i, size_t strip, struct node *n,
			 size_t *inner_strip)
{
	const struct tok *k = &t->v[i], *close = &t->v[k->match];
	size_t from, to, p, plen;

	*inner_strip = strip;
	if (k->cut & CUT_AFTER) {
		from = k->end;
		if (i + 1 < t->n && t->v[i + 1].type == T_TEXT) {
			from = t->v[i + 1].start;
			while (from < t->v[i + 1].end && s[from] != '\n')
				from++;
			if (from < t->v[i + 1].end)
				from++;
		}
		to = close->start;
		if (close->cut & CUT_BEFORE)
			while (to > from && is_blank(s[to - 1]))
				to--;
		if (to < from)
			to = from;
		p = common_indent(s, from, to, &plen);
		n->has_indent = 1;
		if (p != NPOS) {
			*inner_strip = plen;
			n->indent = s + p + (plen > strip ? strip : plen);
			n->indent_len = plen > strip ? plen - strip : 0;
			return;
		}
	}
	if (k->cut & CUT_BEFORE) {
		n->has_indent = 1;
		n->indent = s + k->indent;
		n->indent_len = k->indent_len;
	}
}

static char *normalise_msgid(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	size_t i, o = 0;
	int space = 0;

	if (!p)
		return NULL;
	for (i = 0; i < n; i++) {
		if (is_ws(s[i])) {
			space = o > 0;
			continue;
		}
		if (space)
			p[o++] = ' ';
		space = 0;
		p[o++] = s[i];
	}
	p[o] = '\0';
	return p;
}

static int build_msgid(struct compile *c, const char *s, const struct tok *k)
{
	const char *tr = NULL;
	char *msgid = NULL;
	int rc = -1;

	if (c->in_msgid)
		return fail(c, k->line, "a translation may not contain {{_ }} tags");
	msgid = normalise_msgid(s + k->name, k->name_len);
	if (!msgid) {
		oom(c, k->line);
		goto out;
	}
	if (c->opts && c->opts->translate)
		tr = c->opts->translate(c->opts->cls, msgid);
	if (!tr)
		tr = msgid;
	c->in_msgid = 1;
	c->msgid_line = k->line;
	rc = compile_unit(c, tr, strlen(tr), k->d);
	c->in_msgid = 0;
out:
	free(msgid);
	return rc;
}

static int build_tag(struct compile *c, const char *s, struct toks *t, size_t i, size_t *strip, size_t *nstrip)
{
	static const unsigned char ntype[] = {
	    [T_VAR] = N_VAR,         [T_RAW] = N_RAW,       [T_SECTION] = N_SECTION, [T_INVERTED] = N_INVERTED,
	    [T_PARTIAL] = N_PARTIAL, [T_PARENT] = N_PARENT, [T_BLOCK] = N_BLOCK,
	};
	struct tok *k = &t->v[i];
	size_t cur = *nstrip ? strip[*nstrip - 1] : 0;
	struct node *n;

	switch (k->type) {
	case T_COMMENT:
	case T_DELIM: return 0;
	case T_MSGID: return build_msgid(c, s, k);
	case T_CLOSE:
		c->nodes[t->v[k->match].node].end = c->nnodes;
		if (t->v[k->match].type == T_BLOCK)
			(*nstrip)--;
		return 0;
	}
	n = node_add(c, ntype[k->type], k->line);
	if (!n)
		return -1;
	k->node = c->nnodes - 1;
	n->str = arena_name(c, s, k);
	n->len = k->name_len;
	if (!n->str)
		return -1;
	switch (k->type) {
	case T_VAR:
	case T_RAW:
	case T_SECTION:
	case T_INVERTED: return add_path(c, n, k);
	case T_PARTIAL:
	case T_PARENT:
		if (k->cut & CUT_BEFORE) {
			n->has_indent = 1;
			n->indent = s + k->indent;
			n->indent_len = k->indent_len;
		}
		break;
	case T_BLOCK:
		block_indent(s, t, i, cur, n, &strip[*nstrip]);
		(*nstrip)++;
		break;
	}
	/* The indentation points into the source, which does not outlive
	 * the compilation: copy it. */
	if (n->indent_len) {
		n->indent = arena_strndup(c->arena, n->indent, n->indent_len);
		if (!n->indent)
			return oom(c, k->line);
	}
	return 0;
}

static int build(struct compile *c, const char *s, struct toks *t)
{
	size_t strip[TMPL_MAX_NEST + 1];
	size_t nstrip = 0, i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i].type == T_TEXT) {
			if (build_text(c, s, t, i, nstrip ? strip[nstrip - 1] : 0) != 0)
				return -1;
		} else if (build_tag(c, s, t, i, strip, &nstrip) != 0) {
			return -1;
		}
	}
	return 0;
}

static int compile_unit(struct compile *c, const char *s, size_t len, struct delims d)
{
	struct toks t = {NULL, 0, 0};
	int rc = -1;

	if (lex(c, s, len, d, &t) != 0)
		goto out;
	if (pair(c, s, &t) != 0)
		goto out;
	if (build(c, s, &t) != 0)
		goto out;
	rc = 0;
out:
	free(t.v);
	return rc;
}

/* ---- sets ------------------------------------------------------------- */

static struct tmpl_set *set_new(const struct tmpl_opts *opts, struct tmpl_error *err)
{
	struct tmpl_set *set = calloc(1, sizeof(*set));

	if (set)
		set->arena = arena_new(0);
	if (!set || !set->arena) {
		free(set);
		set_error(err, "", 0, "out of memory");
		return NULL;
	}
	set->max_steps = opts && opts->max_steps ? opts->max_steps : TMPL_DEFAULT_MAX_STEPS;
	return set;
}

void tmpl_set_free(struct tmpl_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->ntmpls; i++)
		free(set->tmpls[i].nodes);
	free(set->tmpls);
	arena_free(set->arena);
	free(set);
}

/* Compiles one template into the set. */
static int set_add(struct tmpl_set *set, const struct tmpl_opts *opts, const char *name, const char *file,
		   const char *src, size_t len, struct tmpl_error *err)
{
	struct compile c;
	struct tmpl *t;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.arena = set->arena;
	c.opts = opts;
	c.err = err;
	c.file = file;
	if (set->ntmpls == set->atmpls) {
		size_t na = set->atmpls ? set->atmpls * 2 : 16;
		struct tmpl *v = realloc(set->tmpls, na * sizeof(*v));

		if (!v) {
			oom(&c, 0);
			goto out;
		}
		set->tmpls = v;
		set->atmpls = na;
	}
	if (compile_unit(&c, src, len, default_delims) != 0)
		goto out;
	t = &set->tmpls[set->ntmpls];
	t->name = arena_strdup(set->arena, name);
	t->file = arena_strdup(set->arena, file);
	if (!t->name || !t->file) {
		oom(&c, 0);
		goto out;
	}
	t->nodes = c.nodes;
	t->nnodes = c.nnodes;
	c.nodes = NULL;
	set->ntmpls++;
	rc = 0;
out:
	free(c.nodes);
	return rc;
}

static int tmpl_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tmpl *)a)->name, ((const struct tmpl *)b)->name);
}

static const struct tmpl *set_find(const struct tmpl_set *set, const char *name)
{
	struct tmpl key;

	if (!set->ntmpls)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.name = name;
	return bsearch(&key, set->tmpls, set->ntmpls, sizeof(key), tmpl_cmp);
}

/* Sorts the set by name and points partial and parent nodes at their
 * templates. */
static int set_link(struct tmpl_set *set, const struct tmpl_opts *opts, struct tmpl_error *err)
{
	unsigned flags = opts ? opts->flags : 0;
	size_t i, j;
	struct node *n;

	if (set->ntmpls)
		qsort(set->tmpls, set->ntmpls, sizeof(*set->tmpls), tmpl_cmp);
	for (i = 0; i + 1 < set->ntmpls; i++) {
		if (!strcmp(set->tmpls[i].name, set->tmpls[i + 1].name)) {
			set_error(err, set->tmpls[i + 1].file, 0, "template '%s' defined twice", set->tmpls[i].name);
			return -1;
		}
	}
	for (i = 0; i < set->ntmpls; i++) {
		for (j = 0; j < set->tmpls[i].nnodes; j++) {
			n = &set->tmpls[i].nodes[j];
			if (n->type != N_PARTIAL && n->type != N_PARENT)
				continue;
			n->target = set_find(set, n->str);
			if (!n->target && !(flags & TMPL_MISSING_PARTIAL_EMPTY)) {
				set_error(err, set->tmpls[i].file, n->line, "%s '%.*s' not found",
					  n->type == N_PARTIAL ? "partial" : "parent", SHOWN(n->len), n->str);
				return -1;
			}
		}
	}
	return 0;
}

struct tmpl_set *tmpl_set_load_json(const json_t *sources, const struct tmpl_opts *opts, struct tmpl_error *err)
{
	struct tmpl_set *set = NULL;
	const char *name;
	json_t *src;

	if (!json_is_object(sources)) {
		set_error(err, "", 0, "template sources must be a JSON object");
		goto fail;
	}
	set = set_new(opts, err);
	if (!set)
		goto fail;
	json_object_foreach((json_t *)sources, name, src)
	{
		if (!json_is_string(src)) {
			set_error(err, name, 0, "template source is not a string");
			goto fail;
		}
		if (set_add(set, opts, name, name, json_string_value(src), json_string_length(src), err) != 0)
			goto fail;
	}
	if (set_link(set, opts, err) != 0)
		goto fail;
	return set;
fail:
	tmpl_set_free(set);
	return NULL;
}

/* ---- files ------------------------------------------------------------ */

struct files {
	char **v;
	size_t n, alloc;
};

static void files_free(struct files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* "a" + "/" + "b", or b alone when a is empty; malloc'd. */
static char *path_join(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *p;

	while (na > 1 && a[na - 1] == '/')
		na--;
	p = malloc(na + nb + 2);
	if (!p)
		return NULL;
	if (na) {
		memcpy(p, a, na);
		p[na] = '/';
		memcpy(p + na + 1, b, nb + 1);
	} else {
		memcpy(p, b, nb + 1);
	}
	if (na == 1 && a[0] == '/')
		memmove(p + 1, p + 2, nb + 1);
	return p;
}

static int has_ext(const char *name)
{
	size_t n = strlen(name);

	return n > EXT_LEN && !strcmp(name + n - EXT_LEN, EXT);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds f's next path, taking ownership of it. */
static int files_add(struct files *f, char *path)
{
	if (f->n == f->alloc) {
		size_t na = f->alloc ? f->alloc * 2 : 32;
		char **v = realloc(f->v, na * sizeof(*v));

		if (!v)
			return -1;
		f->v = v;
		f->alloc = na;
	}
	f->v[f->n++] = path;
	return 0;
}

/* Adds the relative paths of the templates under root/rel to f. */
static int walk(const char *root, const char *rel, int depth, struct files *f, struct tmpl_error *err)
{
	DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	char *dir = NULL, *child = NULL, *full = NULL;
	int rc = -1;

	dir = *rel ? path_join(root, rel) : strdup(root);
	if (!dir) {
		set_error(err, root, 0, "out of memory");
		goto out;
	}
	if (depth > MAX_DIR_DEPTH) {
		set_error(err, dir, 0, "folders nested more than %d deep", MAX_DIR_DEPTH);
		goto out;
	}
	d = opendir(dir);
	if (!d) {
		set_error(err, dir, 0, "%s", strerror(errno));
		goto out;
	}
	for (de = readdir(d); de; de = readdir(d)) {
		if (de->d_name[0] == '.')
			continue;
		child = path_join(rel, de->d_name);
		full = child ? path_join(root, child) : NULL;
		if (!full) {
			set_error(err, dir, 0, "out of memory");
			goto out;
		}
		if (stat(full, &st) != 0) {
			set_error(err, full, 0, "%s", strerror(errno));
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			if (walk(root, child, depth + 1, f, err) != 0)
				goto out;
		} else if (S_ISREG(st.st_mode) && has_ext(de->d_name)) {
			if (files_add(f, child) != 0) {
				set_error(err, dir, 0, "out of memory");
				goto out;
			}
			child = NULL;
		}
		free(child);
		free(full);
		child = full = NULL;
	}
	rc = 0;
out:
	if (d)
		closedir(d);
	free(child);
	free(full);
	free(dir);
	return rc;
}

static int list_templates(const char *dir, struct files *f, struct tmpl_error *err)
{
	if (walk(dir, "", 0, f, err) != 0) {
		files_free(f);
		return -1;
	}
	if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), str_cmp);
	return 0;
}

/* The whole file, NUL-terminated (malloc'd), or NULL and err filled. */
static char *read_file(const char *path, size_t *len, struct tmpl_error *err)
{
	char *p;
	int rc = file_read(path, MAX_FILE_SIZE, &p, len);

	if (rc == -EFBIG)
		set_error(err, path, 0, "file larger than %zu bytes", MAX_FILE_SIZE);
	else if (rc == -ENOMEM)
		set_error(err, path, 0, "out of memory");
	else if (rc < 0)
		set_error(err, path, 0, "%s", strerror(-rc));
	return p;
}

struct tmpl_set *tmpl_set_load(const char *dir, const struct tmpl_opts *opts, struct tmpl_error *err)
{
	struct tmpl_set *set = NULL;
	struct files f = {NULL, 0, 0};
	char *path = NULL, *src = NULL;
	size_t i, len;

	if (list_templates(dir, &f, err) != 0)
		goto fail;
	set = set_new(opts, err);
	if (!set)
		goto fail;
	for (i = 0; i < f.n; i++) {
		path = path_join(dir, f.v[i]);
		if (!path) {
			set_error(err, dir, 0, "out of memory");
			goto fail;
		}
		src = read_file(path, &len, err);
		if (!src)
			goto fail;
		f.v[i][strlen(f.v[i]) - EXT_LEN] = '\0';
		if (set_add(set, opts, f.v[i], path, src, len, err) != 0)
			goto fail;
		free(src);
		free(path);
		src = path = NULL;
	}
	if (set_link(set, opts, err) != 0)
		goto fail;
	files_free(&f);
	return set;
fail:
	free(src);
	free(path);
	files_free(&f);
	tmpl_set_free(set);
	return NULL;
}

int tmpl_extract_msgids(const char *dir, void (*cb)(void *cls, const char *msgid, const char *file, int line),
			void *cls, struct tmpl_error *err)
{
	struct files f = {NULL, 0, 0};
	struct toks t = {NULL, 0, 0};
	struct compile c;
	char *path = NULL, *src = NULL, *msgid;
	size_t i, j, len;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.err = err;
	if (list_templates(dir, &f, err) != 0)
		goto out;
	for (i = 0; i < f.n; i++) {
		path = path_join(dir, f.v[i]);
		if (!path) {
			set_error(err, dir, 0, "out of memory");
			goto out;
		}
		src = read_file(path, &len, err);
		if (!src)
			goto out;
		c.file = path;
		t.n = 0;
		if (lex(&c, src, len, default_delims, &t) != 0)
			goto out;
		for (j = 0; j < t.n; j++) {
			if (t.v[j].type != T_MSGID)
				continue;
			msgid = normalise_msgid(src + t.v[j].name, t.v[j].name_len);
			if (!msgid) {
				set_error(err, path, t.v[j].line, "out of memory");
				goto out;
			}
			cb(cls, msgid, path, t.v[j].line);
			free(msgid);
		}
		free(src);
		free(path);
		src = path = NULL;
	}
	rc = 0;
out:
	free(t.v);
	free(src);
	free(path);
	files_free(&f);
	return rc;
}

/* ---- rendering -------------------------------------------------------- */

struct ctx {
	const json_t *v;
	const struct ctx *up;
};

/* A parent tag being rendered: its node's block children override. */
struct frame {
	const struct tmpl *t;
	size_t parent;
	const struct frame *up;
};

/* Output is staged on the stack and reaches the buffer in large appends. */
#define STAGE_SIZE 8192
/* Indentation past this many bytes is not added (it is only cosmetic). */
#define MAX_INDENT 1024

struct render {
	struct buf *out;
	size_t nstage;
	size_t nind; /* bytes of indentation in force */
	int bol;     /* the next template byte starts a line */
	int depth, pdepth;
	unsigned long steps, max_steps;
	char ind[MAX_INDENT];
	char stage[STAGE_SIZE];
};

static int render(struct render *r, const struct tmpl *t, size_t from, size_t to, const struct ctx *cx,
		  const struct frame *fr);

static const json_t *lookup(const struct ctx *cx, const struct node *n)
{
	const json_t *v = NULL;
	size_t k;

	if (!cx)
		return NULL;
	if (!n->npath)
		return cx->v;
	for (; cx; cx = cx->up) {
		if (json_is_object(cx->v)) {
			v = json_object_getn(cx->v, n->path[0].s, n->path[0].n);
			if (v)
				break;
		}
	}
	for (k = 1; v && k < n->npath; k++) {
		if (json_is_array(v)) { /* "list.0": an element by its index ({{#list.0}}: "not empty") */
			size_t i = 0, j;

			for (j = 0; j < n->path[k].n && n->path[k].s[j] >= '0' && n->path[k].s[j] <= '9' && i < 100000;
			     j++)
				i = i * 10 + (size_t)(n->path[k].s[j] - '0');
			if (!n->path[k].n || j != n->path[k].n)
				return NULL;
			v = json_array_get(v, i);
			continue;
		}
		if (!json_is_object(v))
			return NULL;
		v = json_object_getn(v, n->path[k].s, n->path[k].n);
	}
	return v;
}

static int truthy(const json_t *v)
{
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_TRUE: return 1;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0.0;
	default: return 0;
	}
}

/* The first of %.15g, %.16g, %.17g that reads back as d (so 0.1 stays 0.1
 * and 0.1 + 0.2 prints 0.30000000000000004), with '.' as the decimal
 * separator whatever the locale. */
static size_t format_real(char *out, size_t size, double d)
{
	char tmp[40];
	size_t i, o = 0;
	int prec, sep = 0;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	for (i = 0; tmp[i] && o + 1 < size; i++) {
		char ch = tmp[i];

		if ((ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == 'e' || ch == 'E') {
			out[o++] = ch;
			sep = 0;
		} else if (!sep) {
			out[o++] = '.';
			sep = 1;
		}
	}
	out[o] = '\0';
	return o;
}

static int flush(struct render *r)
{
	int rc = 0;

	if (r->nstage)
		rc = buf_append(r->out, r->stage, r->nstage);
	r->nstage = 0;
	return rc;
}

static int put(struct render *r, const char *p, size_t n)
{
	if (n > STAGE_SIZE - r->nstage) {
		if (flush(r) != 0)
			return -1;
		if (n >= STAGE_SIZE)
			return buf_append(r->out, p, n);
	}
	memcpy(r->stage + r->nstage, p, n);
	r->nstage += n;
	return 0;
}

static int put_escaped(struct render *r, const char *s, size_t n)
{
	size_t used, k;

	for (;;) {
		k = html_escape_to(r->stage + r->nstage, STAGE_SIZE - r->nstage, s, n, &used);
		r->nstage += used;
		s += k;
		n -= k;
		if (!n)
			return 0;
		if (flush(r) != 0)
			return -1;
	}
}

static int emit_text(struct render *r, const char *p, size_t n)
{
	const char *nl;
	size_t k;

	if (!r->nind) {
		r->bol = p[n - 1] == '\n';
		return put(r, p, n);
	}
	while (n) {
		if (r->bol) {
			r->bol = 0;
			if (p[0] != '\n' && !(p[0] == '\r' && n > 1 && p[1] == '\n') && put(r, r->ind, r->nind) != 0)
				return -1;
		}
		nl = memchr(p, '\n', n);
		k = nl ? (size_t)(nl - p) + 1 : n;
		if (put(r, p, k) != 0)
			return -1;
		if (nl)
			r->bol = 1;
		p += k;
		n -= k;
	}
	return 0;
}

/* Decimals with at most 4 fractional digits and 15 significant digits
 * (prices, ratings), without the round trip through snprintf and strtod:
 * the same text as format_real(), or 0 to leave d to it. */
static size_t format_short_real(char *out, double d)
{
	static const double p10[] = {1, 10, 100, 1000, 10000};
	unsigned long long m, ip, fp;
	double a = d < 0 ? -d : d, x;
	size_t o = 0, k, j;
	char digits[24];

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	for (k = 0; k < 5; k++) {
		x = a * p10[k] + 0.5;
		if (x >= 1e15) /* 15 significant digits, where %.15g decides */
			return 0;
		m = (unsigned long long)x;
		/* m / 10^k is correctly rounded, as strtod would read it. */
		if ((double)m / p10[k] == a)
			break;
	}
	if (k == 5)
		return 0;
	if (d < 0)
		out[o++] = '-';
	ip = m / (unsigned long long)p10[k];
	fp = m % (unsigned long long)p10[k];
	j = 0;
	do {
		digits[j++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	while (j)
		out[o++] = digits[--j];
	if (k) {
		out[o++] = '.';
		for (j = k; j > 0; j--) {
			out[o + j - 1] = (char)('0' + fp % 10);
			fp /= 10;
		}
		o += k;
	}
	out[o] = '\0';
	return o;
}

static int emit_value(struct render *r, const json_t *v, int escape)
{
	char num[48];
	const char *s;
	size_t n;
	int k;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		n = json_string_length(v);
		break;
	case JSON_INTEGER:
		k = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
		n = k > 0 ? (size_t)k : 0;
		break;
	case JSON_REAL:
		n = format_short_real(num, json_real_value(v));
		if (!n)
			n = format_real(num, sizeof(num), json_real_value(v));
		s = num;
		break;
	case JSON_TRUE:
		s = "true";
		n = 4;
		break;
	case JSON_FALSE:
		s = "false";
		n = 5;
		break;
	default: return 0;
	}
	if (!n)
		return 0;
	if (r->bol && r->nind && put(r, r->ind, r->nind) != 0)
		return -1;
	r->bol = 0;
	return escape ? put_escaped(r, s, n) : put(r, s, n);
}

static int render_section(struct render *r, const struct tmpl *t, size_t i, const struct ctx *cx,
			  const struct frame *fr)
{
	const struct node *n = &t->nodes[i];
	const json_t *v = lookup(cx, n);
	struct ctx c2;
	size_t k;

	if (!truthy(v))
		return 0;
	c2.up = cx;
	if (!json_is_array(v)) {
		c2.v = v;
		return render(r, t, i + 1, n->end, &c2, fr);
	}
	for (k = 0; k < json_array_size(v); k++) {
		c2.v = json_array_get(v, k);
		if (render(r, t, i + 1, n->end, &c2, fr) != 0)
			return -1;
	}
	return 0;
}

/* Renders nodes [from, to) of t as the content of site (a partial, parent
 * or block node), indented if the site stands alone. */
static int render_at(struct render *r, const struct node *site, const struct tmpl *t, size_t from, size_t to,
		     const struct ctx *cx, const struct frame *fr)
{
	size_t saved = r->nind, n;
	int rc;

	if (site->has_indent) {
		n = MAX_INDENT - r->nind;
		if (site->indent_len < n)
			n = site->indent_len;
		memcpy(r->ind + r->nind, site->indent, n);
		r->nind += n;
		r->bol = 1;
	}
	rc = render(r, t, from, to, cx, fr);
	r->nind = saved;
	return rc;
}

static int render_partial(struct render *r, const struct node *site, const struct ctx *cx, const struct frame *fr)
{
	int rc;

	if (!site->target)
		return 0;
	if (r->pdepth == TMPL_MAX_PARTIAL_DEPTH)
		return -1;
	r->pdepth++;
	rc = render_at(r, site, site->target, 0, site->target->nnodes, cx, fr);
	r->pdepth--;
	return rc;
}

/* The override of block n in parent frame f, or NPOS. */
static size_t find_override(const struct frame *f, const struct node *n)
{
	const struct node *nodes = f->t->nodes;
	size_t j;

	for (j = f->parent + 1; j < nodes[f->parent].end; j = nodes[j].end) {
		if (nodes[j].type == N_BLOCK && nodes[j].len == n->len && !memcmp(nodes[j].str, n->str, n->len))
			return j;
	}
	return NPOS;
}

static int render_block(struct render *r, const struct tmpl *t, size_t i, const struct ctx *cx, const struct frame *fr)
{
	const struct node *n = &t->nodes[i];
	const struct frame *f, *found = NULL;
	size_t j, at = NPOS;

	for (f = fr; f; f = f->up) {
		j = find_override(f, n);
		if (j != NPOS) {
			found = f;
			at = j;
		}
	}
	if (!found)
		return render_at(r, n, t, i + 1, n->end, cx, fr);
	return render_at(r, n, found->t, at + 1, found->t->nodes[at].end, cx, found->up);
}

static int render(struct render *r, const struct tmpl *t, size_t from, size_t to, const struct ctx *cx,
		  const struct frame *fr)
{
	const struct node *n;
	const json_t *v;
	struct frame f;
	size_t i;
	int rc = -1;

	if (++r->depth > TMPL_MAX_DEPTH)
		goto out;
	for (i = from; i < to; i = n->end) {
		n = &t->nodes[i];
		if (++r->steps > r->max_steps)
			goto out;
		switch (n->type) {
		case N_TEXT:
			if (emit_text(r, n->str, n->len) != 0)
				goto out;
			break;
		case N_VAR:
		case N_RAW:
			v = lookup(cx, n);
			if (v && emit_value(r, v, n->type == N_VAR) != 0)
				goto out;
			break;
		case N_SECTION:
			if (render_section(r, t, i, cx, fr) != 0)
				goto out;
			break;
		case N_INVERTED:
			if (!truthy(lookup(cx, n)) && render(r, t, i + 1, n->end, cx, fr) != 0)
				goto out;
			break;
		case N_PARTIAL:
			if (render_partial(r, n, cx, fr) != 0)
				goto out;
			break;
		case N_PARENT:
			f.t = t;
			f.parent = i;
			f.up = fr;
			if (render_partial(r, n, cx, &f) != 0)
				goto out;
			break;
		case N_BLOCK:
			if (render_block(r, t, i, cx, fr) != 0)
				goto out;
			break;
		}
	}
	rc = 0;
out:
	r->depth--;
	return rc;
}

int tmpl_exists(const struct tmpl_set *set, const char *name)
{
	return set_find(set, name) != NULL;
}

int tmpl_render(const struct tmpl_set *set, const char *name, const json_t *ctx, struct buf *out)
{
	const struct tmpl *t = set_find(set, name);
	struct ctx root;
	struct render r;

	if (!t)
		return -1;
	root.v = ctx;
	root.up = NULL;
	r.out = out;
	r.nstage = 0;
	r.nind = 0;
	r.bol = 1;
	r.depth = 0;
	r.pdepth = 0;
	r.steps = 0;
	r.max_steps = set->max_steps;
	if (render(&r, t, 0, t->nnodes, ctx ? &root : NULL, NULL) != 0)
		return -1;
	if (flush(&r) != 0)
		return -1;
	return buf_ok(out) ? 0 : -1;
}
