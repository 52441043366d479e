/* message.h — what outbox.c uses of message.c besides outbox.h: the check of
 * a mail and the parts of the stored message. Internal to src/mail. */
#ifndef EPAK_MAIL_MESSAGE_H
#define EPAK_MAIL_MESSAGE_H

#include <stddef.h>

#include "core/buf.h"
#include "mail/outbox.h"

/* 0, or OUTBOX_EINVALID with the reason (the field, never its value). */
int message_check(const struct mail_config *c, const struct mail *m, struct err *why);
/* Everything of the message after the Message-ID header. */
void message_build_rest(const struct mail_config *c, const struct mail *m, long long now, const char *token,
			struct buf *b);
/* The Message-ID's value for outbox row id. */
void message_id(char *out, size_t n, const struct mail_config *c, long long id, const char *token);

#endif
