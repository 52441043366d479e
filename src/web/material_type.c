/* material_type.c — see material_type.h.
 *
 * The allowlist: documents and pictures an informer hands on (PDF, PNG,
 * JPEG, SVG and EPS logo files, and the office formats of slides, leaflets
 * and guidelines). Refused: HTML and anything else a browser would run or
 * render as a page, executables, archives (a ZIP can hold anything: its
 * content is not what was checked), and the old binary Office formats
 * (their macros). SVG can carry script, so it is served only as an
 * attachment, with a sandboxing Content-Security-Policy and nosniff
 * (page_materials.c), never shown inline on this site's origin. */
#include "web/material_type.h"

#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/i18n.h"

static const struct material_type types[] = {
    {"application/pdf", "pdf", N_("PDF")},
    {"image/png", "png", N_("PNG image")},
    {"image/jpeg", "jpg", N_("JPEG image")},
    {"image/svg+xml", "svg", N_("SVG image (vector)")},
    {"application/postscript", "eps", N_("EPS vector graphics")},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", N_("Word document (DOCX)")},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx",
     N_("PowerPoint presentation (PPTX)")},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", N_("Excel spreadsheet (XLSX)")},
    {"application/vnd.oasis.opendocument.text", "odt", N_("OpenDocument text (ODT)")},
    {"application/vnd.oasis.opendocument.presentation", "odp", N_("OpenDocument presentation (ODP)")},
    {"application/vnd.oasis.opendocument.spreadsheet", "ods", N_("OpenDocument spreadsheet (ODS)")},
};

/* No decompression (a small gzip must not become a big job), nothing but
 * the type. */
#define MAGIC_FLAGS (MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR)

static pthread_key_t magic_key;
static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static int magic_key_ok;

static void magic_release(void *m)
{
	magic_close(m);
}

static void magic_key_make(void)
{
	magic_key_ok = pthread_key_create(&magic_key, magic_release) == 0;
}

static magic_t magic_new(void)
{
	magic_t m = magic_open(MAGIC_FLAGS);

	if (!m)
		return NULL;
	if (magic_load(m, NULL) != 0) {
		magic_close(m);
		return NULL;
	}
	return m;
}

int material_type_init(struct err *err)
{
	magic_t m = magic_new();

	pthread_once(&magic_once, magic_key_make);
	if (!m || !magic_key_ok) {
		err_set(err, ERR_INTERNAL, "libmagic: cannot load its database (Debian package libmagic-mgc)");
		if (m)
			magic_close(m);
		return -1;
	}
	magic_close(m);
	return 0;
}

static magic_t thread_magic(void)
{
	magic_t m;

	pthread_once(&magic_once, magic_key_make);
	if (!magic_key_ok)
		return NULL;
	m = pthread_getspecific(magic_key);
	if (m)
		return m;
	m = magic_new();
	if (m && pthread_setspecific(magic_key, m) != 0) {
		magic_close(m);
		m = NULL;
	}
	return m;
}

int material_sniff(const void *p, size_t n, char *out, size_t cap)
{
	magic_t m = thread_magic();
	const char *t;

	if (!m)
		return -1;
	t = magic_buffer(m, p, n < MATERIAL_SNIFF_BYTES ? n : MATERIAL_SNIFF_BYTES);
	if (!t || (size_t)snprintf(out, cap, "%s", t) >= cap)
		return -1;
	return 0;
}

const struct material_type *material_type_find(const char *mime)
{
	size_t i;

	for (i = 0; mime && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(mime, types[i].mime))
			return &types[i];
	return NULL;
}

const char *material_type_list(void)
{
	return "PDF, PNG, JPEG, SVG, EPS, DOCX, PPTX, XLSX, ODT, ODP, ODS";
}
