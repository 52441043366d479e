/* contact_ctx.h — contact points and phone numbers as templates show them
 * (partials/phone, partials/contact): every number with the form that works
 * from abroad, or a plain word that it does not (short numbers such as
 * 8300). Used by /kontakti (page_useful.c) and the send form (page_send.c). */
#ifndef EPAK_WEB_CONTACT_CTX_H
#define EPAK_WEB_CONTACT_CTX_H

#include <jansson.h>

struct req;
struct contact_point;

/* {phone, tel, intl, latvia_only, maybe}: phone as written, tel the tel:
 * link's number, intl the +371 form (when it differs), latvia_only for a
 * short number, maybe for a free or paid line. */
json_t *phone_json(const char *phone);
/* {name, phones: [phone_json], email, page, host, hours} of a contact
 * point; NULL when it has no phone, e-mail or web page. */
json_t *contact_json(struct req *r, const struct contact_point *cp);

#endif
