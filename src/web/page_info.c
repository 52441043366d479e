/* page_info.c — the informational pages: home, help desks, safety advice
 * and the "ē!" mark. Their text lives in the templates (translated through
 * po/); these handlers only pick the template and mark the navigation. */
#include "catalog/model.h"
#include "web/catalog_ctx.h"
#include "web/content.h"
#include "web/snapshot.h"
#include "web/web.h"

int page_home(struct req *r)
{
	json_t *ctx = page_ctx(r, N_("E-services of the state and municipalities"), "home");

	content_home_ctx(r, ctx); /* the newest news */
	json_object_set_new(ctx, "situations", situations_brief(r, web_snapshot(r)));
	render(r, 200, "home", ctx);
	return 0;
}

int page_help(struct req *r)
{
	render(r, 200, "help", page_ctx(r, N_("Where to get help"), "help"));
	return 0;
}

int page_safety(struct req *r)
{
	json_t *ctx = page_ctx(r, N_("Is it safe? Yes!"), "safety");
	const char *base = public_base(r);

	/* "how to recognise the real portal": this portal's own address */
	if (base)
		json_object_set_new(ctx, "site_host", json_string(url_host(r, base)));
	render(r, 200, "safety", ctx);
	return 0;
}

/* The mark's page lists the institutions that hold it, with the date it
 * was granted where the catalog has one. */
int page_emark(struct req *r)
{
	const struct catalog *c = web_snapshot(r)->cat;
	json_t *ctx = page_ctx(r, N_("The \"ē!\" mark"), "emark"), *orgs = json_array();
	size_t i;

	for (i = 0; i < c->norgs; i++)
		if (c->orgs[i]->e_mark == FLAG_YES)
			json_array_append_new(orgs, org_brief(r, c->orgs[i]));
	json_array_sort(orgs, json_cmp_name);
	json_object_set_new(ctx, "emark_orgs", orgs);
	render(r, 200, "emark", ctx);
	return 0;
}
