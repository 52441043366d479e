/* i18n.c — see i18n.h. */
#include "core/i18n.h"
#include "core/err.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/hash.h"

#define TR_BUCKETS 1024

struct tr_entry {
	struct tr_entry *next;
	const char *msgid; /* the caller's pointer: msgids are static strings */
	char *text;
};

/* A compiled catalog (GNU .mo), read whole into memory and checked: every
 * string inside the file and NUL-terminated, the msgids sorted (msgfmt
 * writes them so), looked up by binary search. */
struct mo {
	unsigned char *data;
	size_t size;
	uint32_t n, orig, trans; /* count and the two tables' offsets */
	int swap;                /* written on a machine of the other byte order */
};

static struct tr_entry *tr_cache[LANG__COUNT][TR_BUCKETS];
static struct tr_entry *tr_retired;   /* caches before a reload: callers may still hold their texts */
static struct mo *tr_mo[LANG__COUNT]; /* NULL: no catalog, the msgid is the text */
static pthread_rwlock_t tr_lock = PTHREAD_RWLOCK_INITIALIZER;
static char tr_dir[4096];
static int i18n_ready;

static const char *const lang_codes[LANG__COUNT] = {"lv", "en"};

const char *lang_code(enum lang lang)
{
	return lang < LANG__COUNT ? lang_codes[lang] : "lv";
}

int lang_parse(const char *code, enum lang *out)
{
	int i;

	for (i = 0; i < LANG__COUNT; i++) {
		if (strcmp(code, lang_codes[i]) == 0) {
			*out = (enum lang)i;
			return 0;
		}
	}
	return -1;
}

static uint32_t mo_u32(const struct mo *m, size_t at)
{
	const unsigned char *p = m->data + at;

	return m->swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		       : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The i-th string of the table at tab, or NULL when it lies outside. */
static const char *mo_str(const struct mo *m, uint32_t tab, uint32_t i)
{
	size_t at = (size_t)tab + (size_t)i * 8;
	uint32_t len, off;

	if (at + 8 > m->size)
		return NULL;
	len = mo_u32(m, at);
	off = mo_u32(m, at + 4);
	if ((size_t)off + len >= m->size || m->data[off + len] != '\0')
		return NULL;
	return (const char *)m->data + off;
}

static void mo_free(struct mo *m)
{
	if (m) {
		free(m->data);
		free(m);
	}
}

/* Reads and checks path; NULL with err set when it is missing or broken. */
static struct mo *mo_load(const char *path, struct err *err)
{
	struct mo *m = calloc(1, sizeof(*m));
	const char *prev = NULL, *cur;
	char *data = NULL;
	size_t len = 0;
	uint32_t i;
	int rc;

	if (!m) {
		err_set(err, ERR_INTERNAL, "translations: out of memory");
		return NULL;
	}
	rc = file_read(path, 64 * 1024 * 1024, &data, &len);
	if (rc != 0 || len < 28) {
		err_set(err, ERR_INTERNAL, "translations: %s: %s", path, rc ? strerror(-rc) : "too short");
		goto fail;
	}
	m->data = (unsigned char *)data;
	m->size = len;
	if (mo_u32(m, 0) != 0x950412deU) {
		m->swap = 1;
		if (mo_u32(m, 0) != 0x950412deU) {
			err_set(err, ERR_INTERNAL, "translations: %s: not a compiled gettext catalog", path);
			goto fail;
		}
	}
	m->n = mo_u32(m, 8);
	m->orig = mo_u32(m, 12);
	m->trans = mo_u32(m, 16);
	for (i = 0; i < m->n; i++) {
		cur = mo_str(m, m->orig, i);
		if (!cur || !mo_str(m, m->trans, i) || (prev && strcmp(prev, cur) >= 0)) {
			err_set(err, ERR_INTERNAL, "translations: %s: broken catalog (entry %u)", path, i);
			goto fail;
		}
		prev = cur;
	}
	return m;
fail:
	if (!m->data)
		free(data);
	mo_free(m);
	return NULL;
}

static const char *mo_find(const struct mo *m, const char *msgid)
{
	uint32_t lo = 0, hi = m->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(msgid, mo_str(m, m->orig, mid));
		if (!c) {
			const char *t = mo_str(m, m->trans, mid);

			return *t ? t : NULL;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Loads every language's catalog from dir into out (all or none). */
static int mo_load_all(const char *dir, struct mo *out[LANG__COUNT], struct err *err)
{
	char path[4200];
	int i;

	memset(out, 0, sizeof(*out) * LANG__COUNT);
	for (i = 0; i < LANG__COUNT; i++) {
		if (i == LANG_EN)
			continue; /* the msgids are English */
		snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES/epak.mo", dir, lang_codes[i]);
		out[i] = mo_load(path, err);
		if (!out[i]) {
			while (--i >= 0)
				mo_free(out[i]);
			return -1;
		}
	}
	return 0;
}

int i18n_init(const char *localedir)
{
	struct mo *mos[LANG__COUNT];
	struct err e = {0};
	int i;

	if (!setlocale(LC_ALL, "C.UTF-8"))
		return -1;
	snprintf(tr_dir, sizeof(tr_dir), "%s", localedir);
	/* a folder without catalogs serves the msgids (English), as gettext did */
	if (mo_load_all(localedir, mos, &e) == 0)
		for (i = 0; i < LANG__COUNT; i++)
			tr_mo[i] = mos[i];
	i18n_ready = 1;
	return 0;
}

int i18n_reload(struct err *err)
{
	struct mo *mos[LANG__COUNT], *old[LANG__COUNT];
	struct tr_entry *e, *next;
	int l, b;

	if (mo_load_all(tr_dir, mos, err) != 0)
		return -1;
	pthread_rwlock_wrlock(&tr_lock);
	for (l = 0; l < LANG__COUNT; l++) {
		old[l] = tr_mo[l];
		tr_mo[l] = mos[l];
		for (b = 0; b < TR_BUCKETS; b++) {
			for (e = tr_cache[l][b]; e; e = next) {
				next = e->next;
				e->next = tr_retired;
				tr_retired = e;
			}
			tr_cache[l][b] = NULL;
		}
	}
	pthread_rwlock_unlock(&tr_lock);
	for (l = 0; l < LANG__COUNT; l++)
		mo_free(old[l]);
	return 0;
}

int i18n_check(const char *localedir, struct err *err)
{
	static const unsigned char le[4] = {0xde, 0x12, 0x04, 0x95}, be[4] = {0x95, 0x04, 0x12, 0xde};
	unsigned char magic[4];
	char path[4096];
	FILE *f;
	size_t n;
	int i;

	for (i = 0; i < LANG__COUNT; i++) {
		if (i == LANG_EN)
			continue; /* the msgids are English */
		snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES/epak.mo", localedir, lang_codes[i]);
		f = fopen(path, "rb");
		if (!f) {
			err_set(err, ERR_INTERNAL, "translations: %s: %s (make builds it from po/%s.po)", path,
				strerror(errno), lang_codes[i]);
			return -1;
		}
		n = fread(magic, 1, sizeof(magic), f);
		fclose(f);
		if (n != sizeof(magic) || (memcmp(magic, le, 4) != 0 && memcmp(magic, be, 4) != 0)) {
			err_set(err, ERR_INTERNAL, "translations: %s: not a compiled gettext catalog", path);
			return -1;
		}
	}
	return 0;
}

static void tr_free_chain(struct tr_entry *e)
{
	struct tr_entry *next;

	for (; e; e = next) {
		next = e->next;
		free(e->text);
		free((char *)e->msgid);
		free(e);
	}
}

void i18n_shutdown(void)
{
	int l, b;

	pthread_rwlock_wrlock(&tr_lock);
	tr_free_chain(tr_retired);
	tr_retired = NULL;
	for (l = 0; l < LANG__COUNT; l++) {
		mo_free(tr_mo[l]);
		tr_mo[l] = NULL;
	}
	for (l = 0; l < LANG__COUNT; l++) {
		for (b = 0; b < TR_BUCKETS; b++) {
			tr_free_chain(tr_cache[l][b]);
			tr_cache[l][b] = NULL;
		}
	}
	pthread_rwlock_unlock(&tr_lock);
}

static size_t tr_hash(const char *s)
{
	return (size_t)(fnv1a64(FNV1A64_INIT, s, strlen(s)) % TR_BUCKETS);
}

static const char *tr_find(enum lang lang, size_t b, const char *msgid)
{
	const struct tr_entry *e;

	for (e = tr_cache[lang][b]; e; e = e->next)
		if (e->msgid == msgid || strcmp(e->msgid, msgid) == 0)
			return e->text;
	return NULL;
}

/* Under tr_lock (read): the catalog's text of msgid, copied. */
static char *tr_lookup(enum lang lang, const char *msgid)
{
	const char *t = tr_mo[lang] ? mo_find(tr_mo[lang], msgid) : NULL;

	return strdup(t ? t : msgid);
}

const char *i18n_tr(enum lang lang, const char *msgid)
{
	size_t b;
	const char *found;
	struct tr_entry *e;

	if (!msgid || !*msgid || lang == LANG_EN || !i18n_ready || lang >= LANG__COUNT)
		return msgid ? msgid : "";
	b = tr_hash(msgid);
	pthread_rwlock_rdlock(&tr_lock);
	found = tr_find(lang, b, msgid);
	pthread_rwlock_unlock(&tr_lock);
	if (found)
		return found;

	e = calloc(1, sizeof(*e));
	if (!e)
		return msgid;
	pthread_rwlock_rdlock(&tr_lock);
	e->text = tr_lookup(lang, msgid);
	pthread_rwlock_unlock(&tr_lock);
	e->msgid = strdup(msgid);
	if (!e->text || !e->msgid) {
		free(e->text);
		free((char *)e->msgid);
		free(e);
		return msgid;
	}
	pthread_rwlock_wrlock(&tr_lock);
	found = tr_find(lang, b, msgid);
	if (!found) {
		e->next = tr_cache[lang][b];
		tr_cache[lang][b] = e;
		found = e->text;
		e = NULL;
	}
	pthread_rwlock_unlock(&tr_lock);
	if (e) {
		free(e->text);
		free((char *)e->msgid);
		free(e);
	}
	return found;
}
