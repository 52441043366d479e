/* content.c — see content.h. */
#include "web/content.h"

#include <stdatomic.h>

#include "web/app.h"

void content_changed(struct app *app)
{
	atomic_fetch_add(&app->site.revision, 1);
}
