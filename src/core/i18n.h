/* i18n.h — languages and translations (gettext, domain "epak").
 *
 * English is the source language of every msgid; po/lv.po translates to
 * Latvian, the default. The compiled catalogs (GNU .mo, made by msgfmt) are
 * read whole and looked up here (glibc's gettext would keep its first copy
 * of a file for the life of the process, and wants LANGUAGE switched in the
 * environment of a threaded process); results are cached per language, so
 * after the first lookup a translation is a hash hit.
 */
#ifndef EPAK_I18N_H
#define EPAK_I18N_H

#include <stddef.h>

enum lang { LANG_LV, LANG_EN, LANG__COUNT };

/* localedir holds LANG/LC_MESSAGES/epak.mo. Call once, before threads. */
int i18n_init(const char *localedir);
/* 0 when localedir has a compiled catalog (a .mo file) for every language
 * but English, the source language; else -1 and err names the missing or
 * unreadable file. gettext itself falls back to the msgid without a word,
 * which would serve English text inside <html lang="lv">. */
struct err;
int i18n_check(const char *localedir, struct err *err);
void i18n_shutdown(void);
/* Re-reads the catalogs from i18n_init's folder (SIGHUP). A missing or
 * broken file keeps the old ones (-1, err says which). Texts handed out
 * before stay valid until i18n_shutdown. */
int i18n_reload(struct err *err);
const char *i18n_tr(enum lang lang, const char *msgid); /* never NULL */
const char *lang_code(enum lang lang);                  /* "lv", "en" */
int lang_parse(const char *code, enum lang *out);       /* 0 if known */

#define N_(s) (s) /* marks a msgid for extraction; translate later with i18n_tr */

#endif
