/* contact_ctx.c — see contact_ctx.h. */
#include "web/contact_ctx.h"

#include <string.h>

#include "catalog/model.h"
#include "core/phone.h"
#include "web/catalog_ctx.h"
#include "web/web.h"

json_t *phone_json(const char *phone)
{
	char intl[PHONE_INTL_MAX], tel[PHONE_INTL_MAX];
	enum phone_reach reach = phone_abroad(phone, intl);
	json_t *j = json_object();
	const char *p;
	size_t n = 0;

	json_object_set_new(j, "phone", json_string(phone));
	/* the tel: link dials the form that works everywhere it can */
	for (p = reach == PHONE_ABROAD || reach == PHONE_ABROAD_MAYBE ? intl : phone; *p && n + 1 < sizeof(tel); p++)
		if ((*p >= '0' && *p <= '9') || (*p == '+' && !n))
			tel[n++] = *p;
	tel[n] = '\0';
	json_object_set_new(j, "tel", json_string(tel));
	/* every key set: a missing one would be looked up in the enclosing
	 * sections (Mustache's context stack) */
	json_object_set_new(j, "intl",
			    (reach == PHONE_ABROAD || reach == PHONE_ABROAD_MAYBE) && strcmp(intl, phone)
				? json_string(intl)
				: json_false());
	json_object_set_new(j, "maybe", json_boolean(reach == PHONE_ABROAD_MAYBE));
	json_object_set_new(j, "latvia_only", json_boolean(reach == PHONE_LATVIA_ONLY));
	return j;
}

json_t *contact_json(struct req *r, const struct contact_point *cp)
{
	json_t *j, *phones;
	size_t i;

	if (!cp->phones.n && !cp->emails.n && !cp->pages.n)
		return NULL;
	j = json_object();
	phones = json_array();
	json_object_set_new(j, "name", ml(r, &cp->title) ? json_string(ml(r, &cp->title)) : json_false());
	for (i = 0; i < cp->phones.n; i++)
		json_array_append_new(phones, phone_json(cp->phones.v[i]));
	json_object_set_new(j, "phones", phones);
	json_object_set_new(j, "email", cp->emails.n ? json_string(cp->emails.v[0]) : json_false());
	if (cp->pages.n && (!strncmp(cp->pages.v[0], "https://", 8) || !strncmp(cp->pages.v[0], "http://", 7))) {
		json_object_set_new(j, "page", json_string(cp->pages.v[0]));
		json_object_set_new(j, "host", json_string(url_host(r, cp->pages.v[0])));
	} else
		json_object_set_new(j, "page", json_false());
	json_object_set_new(j, "hours", ml(r, &cp->hours) ? json_string(ml(r, &cp->hours)) : json_false());
	return j;
}
