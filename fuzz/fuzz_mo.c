/* fuzz_mo.c — the GNU .mo reader of core/i18n.c (a catalog replaced on disk
 * and re-read on SIGHUP): the input is written as lv/LC_MESSAGES/epak.mo in
 * a folder of its own, loaded by i18n_init and asked for a few msgids, one
 * of them taken from the input. A broken file must be refused (the msgids
 * served), never read outside the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[128];

static int setup(void)
{
	char sub[128];

	if (dir[0])
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/fuzz-mo-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sub, sizeof(sub), "%s/lv", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/lv/LC_MESSAGES", dir);
	mkdir(sub, 0700);
	snprintf(path, sizeof(path), "%s/epak.mo", sub);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msgid[65];
	size_t n = size > 28 ? size - 28 : 0;
	FILE *f;
	const char *t;

	if (setup() != 0)
		return 0;
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (i18n_init(dir) != 0)
		return 0;
	/* a msgid from the input's tail, so that present ones are asked too */
	if (n > sizeof(msgid) - 1)
		n = sizeof(msgid) - 1;
	memcpy(msgid, data + (size - n), n);
	msgid[n] = '\0';
	t = i18n_tr(LANG_LV, msgid);
	if (!t || strlen(t) > size)
		abort(); /* a text is the msgid or a string inside the file */
	(void)i18n_tr(LANG_LV, "Home");
	(void)i18n_tr(LANG_LV, "a");
	i18n_shutdown();
	return 0;
}
