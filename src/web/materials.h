/* materials.h — the materials for informers (/materiali, page_materials.c):
 * what the server does for them at start. */
#ifndef EPAK_WEB_MATERIALS_H
#define EPAK_WEB_MATERIALS_H

#include "core/err.h"

struct app;

/* Loads libmagic's database (a server that cannot tell file types does
 * not start), makes the materials folder (materials-dir, else the data
 * folder's materials/), sets the upload routes' body limit from
 * materials-max-bytes (for content editors and administrators only: anyone
 * else's body over max-body is refused before it is parsed), and offers the "ē!" logo of the static folder as
 * the first public material (once: material_seed remembers it, so an
 * editor's deletion is final). Call after the schema is checked, before
 * serving. 0, or -1 with the reason in err. */
int materials_start(struct app *app, struct err *err);

#endif
