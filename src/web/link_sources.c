/* link_sources.c — the read model's links, for the link checker. The
 * checker reads them from the snapshot rather than from the catalog tables:
 * the snapshot is exactly what the pages show (hosted_url is derived when
 * the catalog is built), it is already in memory, and reading it costs no
 * second copy of a 100 000-service catalog. See link_sources.h. */
#include "web/link_sources.h"

#include "catalog/model.h"
#include "web/snapshot.h"

int web_link_uses(void *cls, long long *revision, struct link_uses *out)
{
	const struct snapshot *s = snapshot_get();
	const struct catalog *c;
	size_t i, k;
	int rc = 0;

	(void)cls;
	if (!s)
		return 0;
	if (s->revision == *revision)
		goto out;
	c = s->cat;
	for (i = 0; i < c->nservices; i++) {
		const struct service *sv = c->services[i];
		const char *inst = sv->authority ? sv->authority->slug : "";

		for (k = 0; k < sv->nchannels; k++)
			if (sv->channels[k].url)
				links_uses_add(out, sv->channels[k].url, "channel", sv->slug, inst);
		if (sv->hosted_url)
			links_uses_add(out, sv->hosted_url, "eservice", sv->slug, inst);
	}
	for (i = 0; i < c->norgs; i++)
		if (c->orgs[i]->homepage)
			links_uses_add(out, c->orgs[i]->homepage, "homepage", "", c->orgs[i]->slug);
	if (out->failed) {
		rc = -1;
		goto out;
	}
	*revision = s->revision;
	rc = 1;
out:
	snapshot_put(s);
	return rc;
}
