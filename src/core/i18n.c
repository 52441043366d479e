/* i18n.c — see i18n.h. */
#include "core/i18n.h"
#include "core/err.h"

#include <errno.h>
#include <libintl.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

extern int _nl_msg_cat_cntr; /* GNU gettext: bump to drop its cache */

#define TR_BUCKETS 1024

struct tr_entry {
	struct tr_entry *next;
	const char *msgid; /* the caller's pointer: msgids are static strings */
	char *text;
};

static struct tr_entry *tr_cache[LANG__COUNT][TR_BUCKETS];
static pthread_rwlock_t tr_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t gettext_lock = PTHREAD_MUTEX_INITIALIZER;
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

int i18n_init(const char *localedir)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return -1;
	if (!bindtextdomain("epak", localedir))
		return -1;
	bind_textdomain_codeset("epak", "UTF-8");
	i18n_ready = 1;
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

void i18n_shutdown(void)
{
	int l, b;
	struct tr_entry *e, *next;

	pthread_rwlock_wrlock(&tr_lock);
	for (l = 0; l < LANG__COUNT; l++) {
		for (b = 0; b < TR_BUCKETS; b++) {
			for (e = tr_cache[l][b]; e; e = next) {
				next = e->next;
				free(e->text);
				free((char *)e->msgid);
				free(e);
			}
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

static char *tr_lookup(enum lang lang, const char *msgid)
{
	const char *t;
	char *copy;

	pthread_mutex_lock(&gettext_lock);
	setenv("LANGUAGE", lang_code(lang), 1);
	++_nl_msg_cat_cntr;
	t = dgettext("epak", msgid);
	copy = strdup(t);
	pthread_mutex_unlock(&gettext_lock);
	return copy;
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
	e->text = tr_lookup(lang, msgid);
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
