/* page_office.c — the staff back office (/birojs): what each role may do,
 * and the audit log for administrators (/birojs/zurnals, also as CSV).
 * Anonymous visitors are sent to the login page, citizens get 403. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/when.h"
#include "store/db.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/web.h"

#define STAFF_ROLES (ROLE_ADMIN | ROLE_CONTENT | ROLE_INSTITUTION | ROLE_CONSULTANT)
#define AUDIT_PAGE 100

int page_office(struct req *r)
{
	const struct person *p;
	json_t *ctx, *inst;
	int i;

	if (auth_require_role(r, STAFF_ROLES) != 0)
		return 0;
	p = auth_person(r);
	ctx = page_ctx(r, N_("Back office"), "office");
	json_object_set_new(ctx, "name", json_string(p->name));
	if (p->roles & ROLE_ADMIN)
		json_object_set_new(ctx, "admin", json_true());
	if (p->roles & (ROLE_ADMIN | ROLE_INSTITUTION))
		json_object_set_new(ctx, "health", json_true());
	if (p->roles & (ROLE_ADMIN | ROLE_INSTITUTION))
		json_object_set_new(ctx, "questions", json_true());
	if (p->roles & ROLE_CONTENT)
		json_object_set_new(ctx, "content", json_true());
	if (p->roles & ROLE_CONSULTANT)
		json_object_set_new(ctx, "consultant", json_true());
	if (p->roles & ROLE_INSTITUTION) {
		inst = json_array();
		for (i = 0; i < p->ninst; i++)
			json_array_append_new(inst, json_string(p->institutions[i]));
		json_object_set_new(ctx, "institutions", inst);
	}
	links_office_ctx(r, ctx);
	render_flags(r, 200, "office", ctx, RESP_NO_STORE);
	return 0;
}

static const struct field audit_params[] = {FIELD_TEXT("darbiba", OPTIONAL, 0, 40, N_("Event")),
					    FIELD_NUMBER("konts", NULL, 0, 999999999, N_("Account")),
					    FIELD_NUMBER("lapa", NULL, 1, 100000, N_("Page")), FIELD_END};

enum { AP_ACTION, AP_ACCOUNT, AP_PAGE };

static const char SQL_AUDIT[] =
    "SELECT a.id, a.at, a.actor, a.action, a.method, a.ok, a.account_id, COALESCE(c.login, ''), a.net, a.detail "
    "FROM audit_log a LEFT JOIN account c ON c.id = a.account_id "
    "WHERE ($1 = '' OR a.action = $1) AND ($2 = 0 OR a.account_id = $2) "
    "ORDER BY a.at DESC, a.id DESC LIMIT $3 OFFSET $4";

struct audit_rows {
	struct req *r;
	json_t *list;
	struct buf *csv;
};

static void csv_put(struct buf *b, const char *s, int guard, int last)
{
	buf_putc(b, '"');
	if (guard && s[0] && strchr("=+-@\t\r", s[0]))
		buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_puts(b, last ? "\"\r\n" : "\",");
}

void csv_field(struct buf *b, const char *s, int last)
{
	csv_put(b, s, 0, last);
}

void csv_text(struct buf *b, const char *s, int last)
{
	csv_put(b, s, 1, last);
}

/* A text cell a spreadsheet would read as a formula gets a leading quote. */
const char *csv_cell(struct req *r, const char *s)
{
	return strchr("=+-@\t\r", s[0]) && s[0] ? arena_printf(r->arena, "'%s", s) : s;
}

static int audit_row(void *cls, const struct db_row *row)
{
	struct audit_rows *x = cls;
	char when[WHEN_LEN];
	json_t *o;

	when_riga((time_t)row_int(row, 1), x->r->lang, when);
	if (x->csv) {
		char iso[32];
		time_t t = (time_t)row_int(row, 1);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
		csv_field(x->csv, iso, 0);
		csv_field(x->csv, csv_cell(x->r, row_text(row, 2)), 0);
		csv_field(x->csv, csv_cell(x->r, row_text(row, 3)), 0);
		csv_field(x->csv, csv_cell(x->r, row_text(row, 4)), 0);
		csv_field(x->csv, row_int(row, 5) ? "ok" : "refused", 0);
		csv_field(x->csv, arena_printf(x->r->arena, "%lld", row_int(row, 6)), 0);
		csv_field(x->csv, csv_cell(x->r, row_text(row, 7)), 0);
		csv_field(x->csv, csv_cell(x->r, row_text(row, 8)), 0);
		csv_field(x->csv, csv_cell(x->r, row_text(row, 9)), 1);
		return 0;
	}
	o = json_object();
	json_object_set_new(o, "at", json_string(when));
	json_object_set_new(o, "actor", json_string(row_text(row, 2)));
	json_object_set_new(o, "action", json_string(row_text(row, 3)));
	json_object_set_new(o, "method", json_string(login_method_label(x->r, row_text(row, 4))));
	json_object_set_new(o, row_int(row, 5) ? "ok" : "refused", json_true());
	if (row_int(row, 6))
		json_object_set_new(o, "account", json_integer(row_int(row, 6)));
	json_object_set_new(o, "login", json_string(row_text(row, 7)));
	json_object_set_new(o, "net", json_string(row_text(row, 8)));
	json_object_set_new(o, "detail", json_string(row_text(row, 9)));
	json_array_append_new(x->list, o);
	return 0;
}

static int audit_query(struct req *r, struct form *q, struct audit_rows *x, long long limit)
{
	struct db *db = app_db(r);
	long long page = q->number[AP_PAGE] > 0 ? q->number[AP_PAGE] : 1;
	const char *action = q->value[AP_ACTION] ? q->value[AP_ACTION] : "";

	if (!db)
		return -1;
	return db_query(db, SQL_AUDIT,
			DB_P(PTEXT(action), PINT(q->number[AP_ACCOUNT]), PINT(limit), PINT((page - 1) * limit)),
			audit_row, x) < 0
		   ? -1
		   : 0;
}

int page_audit(struct req *r)
{
	struct form q;
	struct audit_rows x;
	json_t *ctx;
	long long page;

	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	if (query_validate(r, audit_params, &q, r->lang) != 0) {
		resp_error(r, ERR_BAD_REQUEST, query_error(r, audit_params, &q, r->lang, 1));
		return 0;
	}
	x = (struct audit_rows){r, json_array(), NULL};
	if (audit_query(r, &q, &x, AUDIT_PAGE + 1) != 0) {
		json_decref(x.list);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	page = q.number[AP_PAGE] > 0 ? q.number[AP_PAGE] : 1;
	ctx = page_ctx(r, N_("Audit log"), "office");
	if (json_array_size(x.list) > AUDIT_PAGE) {
		json_array_remove(x.list, AUDIT_PAGE);
		json_object_set_new(ctx, "next_page", json_integer(page + 1));
	}
	if (page > 1)
		json_object_set_new(ctx, "prev_page", json_integer(page - 1));
	json_object_set_new(ctx, "rows", x.list);
	json_object_set_new(ctx, "action", json_string(q.value[AP_ACTION] ? q.value[AP_ACTION] : ""));
	if (q.value[AP_ACTION] && *q.value[AP_ACTION])
		json_object_set_new(ctx, "sel", json_pack("{s:b}", q.value[AP_ACTION], 1));
	if (q.number[AP_ACCOUNT])
		json_object_set_new(ctx, "account", json_integer(q.number[AP_ACCOUNT]));
	render_flags(r, 200, "audit", ctx, RESP_NO_STORE);
	return 0;
}

int page_audit_csv(struct req *r)
{
	struct form q;
	struct audit_rows x;
	struct buf b = BUF_INIT;

	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	if (query_validate(r, audit_params, &q, r->lang) != 0) {
		resp_error(r, ERR_BAD_REQUEST, query_error(r, audit_params, &q, r->lang, 1));
		return 0;
	}
	buf_puts(&b, "time,actor,event,method,result,account,login,network,detail\r\n");
	x = (struct audit_rows){r, NULL, &b};
	q.number[AP_PAGE] = 1;
	if (audit_query(r, &q, &x, 100000) != 0) {
		buf_free(&b);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	auth_audit(r, 0, "audit-log-downloaded", "", 1, NULL);
	resp_add_header(r, "content-disposition", "attachment; filename=\"epak-audit.csv\"");
	resp_send_buf(r, 200, "text/csv; charset=utf-8", &b, RESP_NO_STORE);
	return 0;
}
