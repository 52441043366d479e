/* fuzz_multipart.c — multipart/form-data bodies (src/http/multipart.c) with
 * a fixed boundary "XyZ". Each input is parsed twice: with the default
 * limits and with tiny ones that make every file spill to a temp folder
 * under /tmp. After each input every temp file must be gone: on error the
 * parser removes them itself, on success multipart_cleanup() does. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "http/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ctype[] = "multipart/form-data; boundary=XyZ";
static char tmp_dir[] = "/tmp/epak-fuzz-mp-XXXXXX";

static void remove_tmp_dir(void)
{
	rmdir(tmp_dir);
}

static void tmp_dir_must_be_empty(void)
{
	DIR *d = opendir(tmp_dir);
	struct dirent *e;

	if (!d)
		abort();
	for (e = readdir(d); e; e = readdir(d))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			abort(); /* a temp file leaked */
	closedir(d);
}

static void check(const struct multipart *m, const struct multipart_limits *lim)
{
	size_t i, k, max_fn = lim->max_filename < 32 ? 32 : lim->max_filename;
	struct stat st;

	if (m->nfiles > lim->max_files || m->fields.n > lim->fields.max_fields)
		abort();
	for (i = 0; i < m->fields.n; i++) {
		const struct kv *kv = &m->fields.items[i];

		if (strlen(kv->value) != kv->value_len || kv->value_len > lim->fields.max_value ||
		    !utf8_valid(kv->value, kv->value_len) || strlen(kv->name) > lim->fields.max_name ||
		    !utf8_valid(kv->name, strlen(kv->name)))
			abort();
	}
	for (i = 0; i < m->nfiles; i++) {
		const struct upload *u = &m->files[i];
		size_t fl = strlen(u->filename);

		if (u->size > lim->max_file_size || !u->field || !u->content_type)
			abort();
		if (fl == 0 || fl > max_fn || !utf8_valid(u->filename, fl))
			abort();
		for (k = 0; k < fl; k++) {
			unsigned char c = (unsigned char)u->filename[k];

			if (c < 0x20 || c == 0x7F || c == '/' || c == '\\' || c == ':')
				abort();
		}
		if (u->filename[0] == '.' || u->filename[fl - 1] == '.')
			abort();
		if (u->size > lim->spill_threshold) {
			if (u->data || !u->path || stat(u->path, &st) != 0 || (size_t)st.st_size != u->size ||
			    (st.st_mode & 0777) != 0600)
				abort();
		} else if (!u->data || u->path) {
			abort();
		}
	}
}

static void run(const uint8_t *data, size_t size, const struct multipart_limits *lim)
{
	struct arena *a = arena_new(0);
	struct multipart m;
	const char *why = NULL;

	if (!a)
		return;
	if (multipart_parse(a, ctype, sizeof(ctype) - 1, (const char *)data, size, lim, &m, &why) == 0) {
		check(&m, lim);
		multipart_cleanup(&m);
	} else if (!why || m.nfiles || m.fields.n) {
		abort();
	}
	tmp_dir_must_be_empty();
	arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct multipart_limits dflt, tiny;
	static int ready;

	if (!ready) {
		if (!mkdtemp(tmp_dir))
			abort();
		atexit(remove_tmp_dir);
		dflt = multipart_limits_default;
		dflt.tmp_dir = tmp_dir;
		tiny = dflt;
		tiny.fields = (struct parse_limits){6, 16, 64, 256};
		tiny.max_files = 4;
		tiny.max_file_size = 4096;
		tiny.spill_threshold = 4;
		tiny.max_part_headers = 4;
		tiny.max_header_line = 200;
		tiny.max_filename = 8; /* raised to the floor of 32 */
		ready = 1;
	}
	run(data, size, &dflt);
	run(data, size, &tiny);
	return 0;
}
