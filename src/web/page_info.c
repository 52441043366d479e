/* page_info.c — the informational pages: home, help desks, safety advice
 * and the "ē!" mark. Their text lives in the templates (translated through
 * po/); these handlers only pick the template and mark the navigation. */
#include "web/web.h"

int page_home(struct req *r)
{
	render(r, 200, "home", page_ctx(r, N_("E-services of the state and municipalities"), "home"));
	return 0;
}

int page_help(struct req *r)
{
	render(r, 200, "help", page_ctx(r, N_("Where to get help"), "help"));
	return 0;
}

int page_safety(struct req *r)
{
	render(r, 200, "safety", page_ctx(r, N_("Is it safe? Yes!"), "safety"));
	return 0;
}

int page_emark(struct req *r)
{
	render(r, 200, "emark", page_ctx(r, N_("The \"ē!\" mark"), "emark"));
	return 0;
}
