/* page_versions.c — a service's versions in the back office (issue 11
 * point 2): the list, one version's field-by-field difference with a
 * restore button, the preview of a version exactly as the public page
 * renders it, the administrators' review queue (approve, return with a
 * comment), and the pieces the edit page (page_services.c) shows: the
 * conflict block and the state of the newest version.
 *
 * Every page checks that the person may edit the service's institution
 * (an administrator, or an institution editor of it): anonymous → login,
 * anyone else → 403, also for numbers guessed and forms posted directly.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog/edit.h"
#include "catalog/model.h"
#include "catalog/store.h"
#include "catalog/versions.h"
#include "core/collate.h"
#include "core/log.h"
#include "core/when.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/catalog_ctx.h"
#include "web/snapshot.h"
#include "web/web.h"

#define EDIT_ROLES (ROLE_ADMIN | ROLE_INSTITUTION)
/* changes the review page shows at once, the oldest first: each is a
 * difference of two whole forms, and one editor pressing "publish" makes
 * one per press */
#define REVIEW_SHOWN 50
/* versions listed on a service's page, the newest first (the history has
 * no end: older ones are still reached by their number) */
#define VERSIONS_SHOWN 200

/* ---- the form's members, by their labels ---- */

static const struct {
	const char *name, *label;
} members[] = {{"identifier", N_("Identifier")},
	       {"authority", N_("Institution")},
	       {"title", N_("Title")},
	       {"description", N_("Description")},
	       {"keywords", N_("Keywords")},
	       {"audience", N_("Who it is for")},
	       {"events", N_("Life situations")},
	       {"status", N_("Status")},
	       {"e_service", N_("E-service")},
	       {"processing_time", N_("Processing time")},
	       {"requirements", N_("Requirement")},
	       {"inputs", N_("Document to bring")},
	       {"outputs", N_("What you get")},
	       {"channels", N_("Channel")},
	       {"costs", N_("Cost")},
	       {"legal", N_("Legal basis")},
	       {"contacts", N_("Contact points")},
	       {"auth_methods", N_("Ways to log in")}};

static const struct {
	const char *name, *label;
} parts[] = {
    {"lv", N_("in Latvian")},           {"en", N_("in English")}, {"type", N_("kind")},          {"title", N_("title")},
    {"description", N_("description")}, {"value", N_("amount")},  {"currency", N_("currency")},  {"url", N_("address")},
    {"email", N_("e-mail address")},    {"phone", N_("phone")},   {"hours", N_("opening hours")}};

static const char *part_label(struct req *r, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!strcmp(parts[i].name, key))
			return i18n_tr(r->lang, parts[i].label);
	return key;
}

/* Coded values, by what they mean (the diff shows these, not the codes). */
static const struct {
	const char *code, *label;
} codes[] = {{"online", N_("E-service (online)")},
	     {"in-person", N_("In person")},
	     {"email-esign", N_("E-mail with a secure e-signature")},
	     {"phone", N_("By phone")},
	     {"post", N_("By post")},
	     {"email", N_("By e-mail")},
	     {"citizen", N_("Residents")},
	     {"business", N_("Businesses")},
	     {"both", N_("Residents and businesses")},
	     {"active", N_("Available")},
	     {"inactive", N_("Not available")},
	     {"planned", N_("Planned")},
	     {"yes", N_("Yes")},
	     {"no", N_("No")},
	     {"eid", N_("eID card")},
	     {"eparaksts-mobile", N_("eParaksts mobile")},
	     {"bank", N_("Internet bank")}};

/* 1 when the member or part key holds codes. */
static int coded(const char *key)
{
	static const char *const keys[] = {"type", "audience", "status", "e_service", "auth_methods", NULL};
	int i;

	for (i = 0; keys[i]; i++)
		if (!strcmp(keys[i], key))
			return 1;
	return 0;
}

static const char *code_label(struct req *r, const char *v)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(codes[i].code, v))
			return i18n_tr(r->lang, codes[i].label);
	return v;
}

/* What a slug of member key names, in the page's language: an
 * institution, a life situation, a contact point of the published
 * catalog (the slug itself when it is not there any more). */
static const char *slug_name(struct req *r, const char *key, const char *slug)
{
	const struct catalog *c = web_snapshot(r)->cat;
	const struct organisation *o = !strcmp(key, "authority") ? catalog_org(c, slug) : NULL;
	const struct event *e = !strcmp(key, "events") ? catalog_event(c, slug) : NULL;
	const struct contact_point *cp = !strcmp(key, "contacts") ? catalog_contact(c, slug) : NULL;
	const struct mltext *t = o ? &o->name : e ? &e->title : cp ? &cp->title : NULL;

	if (!strcmp(key, "auth_methods"))
		return code_label(r, slug);
	return t && ml(r, t) ? arena_printf(r->arena, "%s (%s)", ml(r, t), slug) : slug;
}

static int cmp_text(const void *a, const void *b)
{
	return lv_collate(*(const char *const *)a, *(const char *const *)b);
}

/* A list of slugs as one text: their names, sorted, "; " between (the
 * order of a set of references means nothing). */
static const char *set_text(struct req *r, const char *key, const json_t *v)
{
	size_t n = json_array_size(v), i;
	const char **names;
	struct buf b = BUF_INIT;
	const char *out;

	if (!n)
		return "";
	names = arena_alloc(r->arena, n * sizeof(*names));
	if (!names)
		return "";
	for (i = 0; i < n; i++) {
		const char *slug = json_string_value(json_array_get(v, i));

		names[i] = slug_name(r, key, slug ? slug : "");
	}
	qsort(names, n, sizeof(*names), cmp_text);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? "; " : "", names[i]);
	out = arena_strdup(r->arena, b.data ? b.data : "");
	buf_free(&b);
	return out;
}

/* The text of a leaf ("" for nothing). */
static const char *leaf_text(struct req *r, const json_t *v)
{
	if (!v || json_is_null(v))
		return "";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return arena_printf(r->arena, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return arena_printf(r->arena, "%g", json_real_value(v));
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return "";
}

#define DIFF_MAX 3 /* forms compared at once: base, theirs, mine */

/* 1 for the members that are sets of references or codes. */
static int is_set(const char *key)
{
	return !strcmp(key, "events") || !strcmp(key, "contacts") || !strcmp(key, "auth_methods");
}

/* A row of the difference: {"label", "v": [{"text"}...], "old", "new"}. */
static void add_row(json_t *rows, const char *label, const char *const t[], int k)
{
	json_t *row = json_object(), *texts = json_array();
	int i;

	for (i = 0; i < k; i++)
		json_array_append_new(texts, json_pack("{s:s}", "text", t[i]));
	json_object_set_new(row, "label", json_string(label));
	json_object_set_new(row, "v", texts);
	json_object_set_new(row, "old", json_string(t[0]));
	json_object_set_new(row, "new", json_string(t[k - 1]));
	json_array_append_new(rows, row);
}

/* Adds a row to rows for every leaf whose text differs among the k forms'
 * values v[]: {"label", "v": [text...]}. Objects are walked member by
 * member (lv before en, the known parts first), lists item by item. */
static void diff_walk(struct req *r, json_t *rows, const char *key_of, const char *label, const json_t *const v[],
		      int k)
{
	int i, is_obj = 0, is_arr = 0, same = 1;
	size_t n = 0, j;

	for (i = 0; i < k; i++) {
		is_obj |= json_is_object(v[i]);
		is_arr |= json_is_array(v[i]);
		if (json_is_array(v[i]) && json_array_size(v[i]) > n)
			n = json_array_size(v[i]);
	}
	if (is_arr && is_set(key_of)) {
		const char *t[DIFF_MAX];

		for (i = 0; i < k; i++)
			t[i] = set_text(r, key_of, v[i]);
		for (i = 1; i < k; i++)
			same &= !strcmp(t[0], t[i]);
		if (!same)
			add_row(rows, label, t, k);
		return;
	}
	if (is_arr) {
		for (j = 0; j < n; j++) {
			const json_t *sub[DIFF_MAX];

			for (i = 0; i < k; i++)
				sub[i] = json_is_array(v[i]) ? json_array_get(v[i], j) : NULL;
			diff_walk(r, rows, key_of, arena_printf(r->arena, "%s %zu", label, j + 1), sub, k);
		}
		return;
	}
	if (is_obj) {
		json_t *seen = json_object();
		const char *key;
		json_t *val;

		/* known parts in their order, then the rest as they come */
		for (j = 0; j < sizeof(parts) / sizeof(parts[0]); j++)
			for (i = 0; i < k; i++)
				if (json_object_get(v[i], parts[j].name))
					json_object_set_new(seen, parts[j].name, json_true());
		for (i = 0; i < k; i++)
			if (json_is_object(v[i]))
				json_object_foreach((json_t *)v[i], key, val)
				    json_object_set_new(seen, key, json_true());
		json_object_foreach(seen, key, val)
		{
			const json_t *sub[DIFF_MAX];

			for (i = 0; i < k; i++)
				sub[i] = json_is_object(v[i]) ? json_object_get(v[i], key) : NULL;
			diff_walk(r, rows, key, arena_printf(r->arena, "%s — %s", label, part_label(r, key)), sub, k);
		}
		json_decref(seen);
		return;
	}
	{
		const char *t[DIFF_MAX];

		for (i = 0; i < k; i++) {
			t[i] = leaf_text(r, v[i]);
			if (coded(key_of))
				t[i] = code_label(r, t[i]);
			else if (!strcmp(key_of, "authority") && *t[i])
				t[i] = slug_name(r, key_of, t[i]);
		}
		for (i = 1; i < k; i++)
			same &= !strcmp(t[0], t[i]);
		if (!same)
			add_row(rows, label, t, k);
	}
}

/* The rows in which k forms (any may be NULL: nothing) differ, member by
 * member in the form's order, then members the form list does not know. */
static json_t *form_diff(struct req *r, const json_t *const forms[], int k)
{
	json_t *rows = json_array();
	const json_t *sub[DIFF_MAX];
	const char *key;
	json_t *val;
	size_t m;
	int i, known;

	for (m = 0; m < sizeof(members) / sizeof(members[0]); m++) {
		for (i = 0; i < k; i++)
			sub[i] = json_object_get(forms[i], members[m].name);
		diff_walk(r, rows, members[m].name, i18n_tr(r->lang, members[m].label), sub, k);
	}
	for (i = 0; i < k; i++) {
		if (!json_is_object(forms[i]))
			continue;
		json_object_foreach((json_t *)forms[i], key, val)
		{
			int j, before = 0;

			for (m = 0, known = 0; m < sizeof(members) / sizeof(members[0]); m++)
				known |= !strcmp(members[m].name, key);
			for (j = 0; j < i; j++)
				before |= json_object_get(forms[j], key) != NULL;
			if (known || before)
				continue;
			for (j = 0; j < k; j++)
				sub[j] = json_object_get(forms[j], key);
			diff_walk(r, rows, key, key, sub, k);
		}
	}
	return rows;
}

/* Puts rows (consumed) and "has_rows" (the templates test it) into o. */
static void set_rows(json_t *o, json_t *rows)
{
	json_object_set_new(o, "has_rows", json_boolean(json_array_size(rows) > 0));
	json_object_set_new(o, "rows", rows);
}

/* ---- the service a page is about, and who may see it ---- */

static int may_edit(struct req *r, const char *institution)
{
	return auth_has_role(r, ROLE_ADMIN, NULL) ||
	       (institution && *institution && auth_has_role(r, ROLE_INSTITUTION, institution));
}

int office_service_find(struct req *r, struct office_svc *ref)
{
	const struct snapshot *sn;
	struct db *db;
	struct err err = {0};
	char *iri = NULL, *inst = NULL;
	int rc;

	memset(ref, 0, sizeof(*ref));
	if (auth_require_role(r, EDIT_ROLES) != 0)
		return -1;
	ref->slug = req_param(r, 0);
	db = app_db(r);
	if (!ref->slug || !db) {
		resp_error(r, db ? ERR_NOT_FOUND : ERR_UNAVAILABLE, NULL);
		return -1;
	}
	sn = web_snapshot(r);
	ref->pub = snapshot_service(sn, ref->slug, NULL); /* with the overlay of recent edits */
	rc = svc_find(db, ref->slug, &iri, &inst, &err);
	if (rc < 0) {
		log_error("versions: %s", err.msg);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return -1;
	}
	if (rc == 0) {
		ref->iri = arena_strdup(r->arena, iri);
		ref->institution = arena_strdup(r->arena, inst);
		free(iri);
		free(inst);
	} else if (ref->pub && ref->pub->iri && ref->pub->authority) {
		ref->iri = ref->pub->iri;
		ref->institution = ref->pub->authority->slug;
	} else {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return -1;
	}
	/* the published authority counts too: a draft moved to another
	 * institution does not let that one's editors in before it is
	 * published, nor shut the publishing one's out */
	if (!may_edit(r, ref->institution) ||
	    (ref->pub && ref->pub->authority && !may_edit(r, ref->pub->authority->slug))) {
		/* a service the public pages do not show (a draft, a withdrawn
		 * one) is none of another institution's business: the same 404
		 * as an unknown slug, so guessing tells nothing */
		resp_error(r, ref->pub ? ERR_FORBIDDEN : ERR_NOT_FOUND, NULL);
		return -1;
	}
	return 0;
}

/* The version number in path parameter i, or 0 when it is not one. */
static long long path_number(struct req *r, int i)
{
	const char *s = req_param(r, i);
	long long n = 0;

	if (!s || !*s || strlen(s) > 9)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		n = n * 10 + (*s - '0');
	}
	return n;
}

static const char *state_label(struct req *r, enum svc_state s)
{
	static const char *const labels[] = {N_("Draft"), N_("Waiting for approval"), N_("Returned"), N_("Published"),
					     N_("Withdrawn")};

	return i18n_tr(r->lang, labels[(unsigned)s < 5 ? s : 0]);
}

static const char *who_text(struct req *r, long long account, const char *name)
{
	if (!account)
		return i18n_tr(r->lang, N_("the imported catalog"));
	return name && *name ? name : arena_printf(r->arena, "#%lld", account);
}

/* The title of a form in the page's language (Latvian when there is no
 * English), or fallback. */
static const char *form_title(struct req *r, const json_t *form, const char *fallback)
{
	const json_t *t = json_object_get(form, "title");
	const char *s = json_string_value(json_object_get(t, r->lang == LANG_EN ? "en" : "lv"));

	if (!s || !*s)
		s = json_string_value(json_object_get(t, "lv"));
	return s && *s ? s : fallback;
}

static const char *base_path(struct req *r, const struct office_svc *ref)
{
	return arena_printf(r->arena, "/birojs/pakalpojumi/%s", ref->slug);
}

/* What every version context has. */
static json_t *version_json(struct req *r, const struct office_svc *ref, const struct svc_version *v)
{
	json_t *o = json_object();

	json_object_set_new(o, "number", json_integer(v->number));
	json_object_set_new(o, "state", json_string(svc_state_name(v->state)));
	json_object_set_new(o, "state_label", json_string(state_label(r, v->state)));
	json_object_set_new(o, "who", json_string(who_text(r, v->account, v->who)));
	json_object_set_new(o, "at", json_string(page_when(r, v->at)));
	if (v->comment && *v->comment)
		json_object_set_new(o, "comment", json_string(v->comment));
	if (v->reviewer)
		json_object_set_new(o, "reviewer", json_string(who_text(r, v->reviewer, v->reviewer_name)));
	if (v->restored_from)
		json_object_set_new(o, "restored_from", json_integer(v->restored_from));
	if (v->current)
		json_object_set_new(o, "is_current", json_true());
	json_object_set_new(
	    o, "url",
	    json_string(prefixed(r, arena_printf(r->arena, "%s/versijas/%lld", base_path(r, ref), v->number))));
	return o;
}

static json_t *office_ctx(struct req *r, const char *title, const struct office_svc *ref, const char *svc_title)
{
	json_t *ctx = page_ctx(r, NULL, "office");

	json_object_set_new(ctx, "title", json_string(title));
	json_object_set_new(ctx, "slug", json_string(ref->slug));
	json_object_set_new(ctx, "svc_title", json_string(svc_title));
	json_object_set_new(ctx, "edit_url", json_string(prefixed(r, base_path(r, ref))));
	json_object_set_new(ctx, "versions_url",
			    json_string(prefixed(r, arena_printf(r->arena, "%s/versijas", base_path(r, ref)))));
	json_object_set_new(ctx, "preview_url",
			    json_string(prefixed(r, arena_printf(r->arena, "%s/priekssk", base_path(r, ref)))));
	if (ref->pub)
		json_object_set_new(
		    ctx, "public_url",
		    json_string(prefixed(r, arena_printf(r->arena, "/pakalpojumi/%s", ref->pub->slug))));
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	return ctx;
}

/* ---- GET /birojs/pakalpojumi/{slug}/versijas ---- */

int page_versions(struct req *r)
{
	struct office_svc ref;
	struct svc_version *v = NULL, newest = {0};
	struct err err = {0};
	size_t n = 0, i;
	json_t *ctx, *list;
	const char *title;

	if (office_service_find(r, &ref) != 0)
		return 0;
	if (svc_versions(app_db(r), ref.iri, VERSIONS_SHOWN + 1, &v, &n, &err) != 0 ||
	    (n && svc_version_get(app_db(r), ref.iri, v[0].number, &newest, &err) < 0)) {
		log_error("versions: %s", err.msg);
		svc_versions_free(v, n);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	title = n                                   ? form_title(r, newest.form, ref.slug)
		: ref.pub && ml(r, &ref.pub->title) ? ml(r, &ref.pub->title)
						    : ref.slug;
	ctx = office_ctx(r, arena_printf(r->arena, "%s: %s", i18n_tr(r->lang, N_("Versions")), title), &ref, title);
	list = json_array();
	for (i = 0; i < n && i < VERSIONS_SHOWN; i++)
		json_array_append_new(list, version_json(r, &ref, &v[i]));
	if (n > VERSIONS_SHOWN)
		json_object_set_new(ctx, "more", json_true());
	json_object_set_new(ctx, "has_versions", json_boolean(n > 0));
	json_object_set_new(ctx, "versions", list);
	if (n && v[0].state == SVC_STATE_RETURNED)
		json_object_set_new(ctx, "returned", version_json(r, &ref, &v[0]));
	if (n && v[0].state == SVC_STATE_PENDING)
		json_object_set_new(ctx, "pending", json_true());
	svc_version_clear(&newest);
	svc_versions_free(v, n);
	render_flags(r, 200, "office-versions", ctx, RESP_NO_STORE);
	return 0;
}

/* ---- GET /birojs/pakalpojumi/{slug}/versijas/{n} ---- */

/* The version page; msg (a msgid) said at the top, with status. */
static void version_page(struct req *r, const struct office_svc *ref, long long number, int status, const char *msg)
{
	struct db *db = app_db(r);
	struct svc_version v = {0}, prev = {0};
	struct err err = {0};
	long long latest = 0;
	const json_t *forms[2];
	json_t *ctx, *o;
	int rc;

	rc = number > 0 ? svc_version_get(db, ref->iri, number, &v, &err) : 1;
	if (rc == 0 && number > 1)
		rc = svc_version_get(db, ref->iri, number - 1, &prev, &err) < 0 ? -1 : 0;
	if (rc == 0)
		rc = svc_latest(db, ref->iri, &latest, &err);
	if (rc != 0) {
		if (rc < 0)
			log_error("versions: %s", err.msg);
		svc_version_clear(&v);
		svc_version_clear(&prev);
		resp_error(r, rc > 0 ? ERR_NOT_FOUND : ERR_UNAVAILABLE, NULL);
		return;
	}
	ctx = office_ctx(
	    r,
	    arena_printf(r->arena, i18n_tr(r->lang, N_("Version %lld: %s")), number, form_title(r, v.form, ref->slug)),
	    ref, form_title(r, v.form, ref->slug));
	o = version_json(r, ref, &v);
	json_object_set_new(ctx, "version", o);
	forms[0] = prev.form;
	forms[1] = v.form;
	set_rows(ctx, form_diff(r, forms, 2));
	if (number > 1)
		json_object_set_new(ctx, "prev", json_integer(number - 1));
	json_object_set_new(ctx, "latest", json_integer(latest));
	json_object_set_new(
	    ctx, "restore_url",
	    json_string(prefixed(r, arena_printf(r->arena, "%s/versijas/%lld/atjaunot", base_path(r, ref), number))));
	json_object_set_new(
	    ctx, "version_preview_url",
	    json_string(prefixed(r, arena_printf(r->arena, "%s/versijas/%lld/priekssk", base_path(r, ref), number))));
	if (msg)
		json_object_set_new(ctx, "message", json_string(i18n_tr(r->lang, msg)));
	svc_version_clear(&v);
	svc_version_clear(&prev);
	render_flags(r, status, "office-version", ctx, RESP_NO_STORE);
}

int page_version(struct req *r)
{
	struct office_svc ref;
	long long n;

	if (office_service_find(r, &ref) != 0)
		return 0;
	n = path_number(r, 1);
	version_page(r, &ref, n, 200, NULL);
	return 0;
}

/* ---- the audit log ---- */

int office_save_budget(struct req *r)
{
	const struct person *p = auth_person(r);
	char subject[32];
	int rc;

	snprintf(subject, sizeof(subject), "%lld", p ? p->account : 0LL);
	rc = auth_take(r, "office-save", subject, 3600, app_of(r)->cfg->limit_office_saves);
	if (rc == DB_OK)
		return 0;
	if (rc == RATE_LIMITED)
		resp_error(
		    r, ERR_TOO_MANY,
		    i18n_tr(r->lang, N_("You have saved very many changes in the last hour. Please wait a while; "
					"nothing of this change was saved.")));
	else
		resp_error(r, ERR_UNAVAILABLE, NULL);
	return -1;
}

void version_audit(struct req *r, const char *slug, const char *action, const struct svc_saved *s, long long from)
{
	static const char *const results[] = {"saved", "published", "pending", "withdrawn", "conflict", "invalid"};
	const struct person *p = auth_person(r);
	const char *detail;

	detail = arena_printf(r->arena, "service=%s version=%lld result=%s%s", slug, s->version,
			      (unsigned)s->result < 6 ? results[s->result] : "?",
			      from ? arena_printf(r->arena, " from=%lld", from) : "");
	auth_audit(r, p ? p->account : 0, action, "", s->result != SVC_CONFLICT && s->result != SVC_INVALID, detail);
}

/* ---- POST /birojs/pakalpojumi/{slug}/versijas/{n}/atjaunot ---- */

static const char *const restore_actions[] = {"melnraksts", "publicet", NULL};

static const struct field restore_fields[] = {FIELD_NUMBER("versija", NULL, 0, 999999999, N_("Version")),
					      FIELD_CHOICE("darbiba", REQUIRED, restore_actions, N_("Action")),
					      FIELD_END};

int form_version_restore(struct req *r)
{
	const struct person *p;
	const struct snapshot *sn;
	struct office_svc ref;
	struct form f;
	struct svc_save in = {0};
	struct svc_saved out;
	struct err err = {0};
	long long n;

	if (office_service_find(r, &ref) != 0)
		return 0;
	n = path_number(r, 1);
	if (form_validate(r, restore_fields, &f) != 0 || n <= 0 || !*f.value[0]) {
		resp_error(r, ERR_BAD_REQUEST, NULL);
		return 0;
	}
	p = auth_person(r);
	sn = web_snapshot(r);
	in.iri = ref.iri;
	in.institution = ref.institution;
	in.base = (long long)f.number[0];
	in.account = p->account;
	in.admin = auth_has_role(r, ROLE_ADMIN, NULL);
	in.action = !strcmp(f.value[1], "publicet") ? SVC_PUBLISH : SVC_DRAFT;
	in.restore = n;
	in.catalog = sn->cat;
	if (office_save_budget(r) != 0)
		return 0;
	if (svc_save(app_db(r), &in, &out, &err) != 0) {
		log_error("versions: restore: %s", err.msg);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	json_decref(out.theirs);
	version_audit(r, ref.slug, "service-restored", &out, n);
	switch (out.result) {
	case SVC_CONFLICT:
		version_page(r, &ref, n, 409,
			     N_("Someone saved a newer version while you were looking at this one. Look at it "
				"first, then restore again if you still want to."));
		return 0;
	case SVC_INVALID:
		log_info("versions: restore refused: %s", err.msg);
		version_page(r, &ref, n, err.code == ERR_FORBIDDEN ? 403 : 422,
			     N_("This version can no longer be saved as it is (the catalog has changed since). Open "
				"the service's form and correct it there."));
		return 0;
	default:
		resp_redirect(r, 303, prefixed(r, arena_printf(r->arena, "%s/versijas", base_path(r, &ref))));
		return 0;
	}
}

/* ---- the preview: GET /birojs/pakalpojumi/{slug}/priekssk and .../versijas/{n}/priekssk ---- */

static void preview(struct req *r, const struct office_svc *ref, long long number)
{
	struct db *db = app_db(r);
	const struct snapshot *sn = web_snapshot(r);
	struct svc_version v = {0};
	struct cat_record rec = {0};
	struct catalog *c = NULL;
	const struct service *s;
	struct err err = {0};
	json_t *ctx;
	int rc = 0;

	if (!number && svc_latest(db, ref->iri, &number, &err) != 0) {
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	if (!number) {
		/* never edited: the public page is the preview */
		if (!ref->pub) {
			resp_error(r, ERR_NOT_FOUND, NULL);
			return;
		}
		ctx = service_page_ctx(r, sn, ref->pub);
		goto show;
	}
	rc = svc_version_get(db, ref->iri, number, &v, &err);
	if (rc != 0) {
		resp_error(r, rc > 0 ? ERR_NOT_FOUND : ERR_UNAVAILABLE, NULL);
		return;
	}
	rc = svc_record_of(db, sn->cat, ref->iri, v.form, &rec, &err);
	c = rc == 0 ? catalog_with_record(db, &rec, &err) : NULL;
	s = c ? catalog_service_by_iri(c, ref->iri) : NULL;
	if (!s) {
		cat_record_clear(&rec);
		catalog_free(c);
		svc_version_clear(&v);
		log_info("versions: preview does not build: %s", err.msg);
		resp_error(r, ERR_VALIDATION, i18n_tr(r->lang, N_("This version does not build a service page.")));
		return;
	}
	ctx = service_page_ctx(r, sn, s);
	json_object_set_new(ctx, "preview_number", json_integer(number));
	json_object_set_new(ctx, "preview_state", json_string(state_label(r, v.state)));
	svc_version_clear(&v);
show:
	json_object_set_new(ctx, "preview", json_true());
	json_object_set_new(ctx, "noindex", json_true());
	json_object_set_new(ctx, "preview_back",
			    json_string(prefixed(r, arena_printf(r->arena, "%s/versijas", base_path(r, ref)))));
	render_flags(r, 200, "service", ctx, RESP_NO_STORE);
	cat_record_clear(&rec);
	catalog_free(c);
}

int page_version_preview(struct req *r)
{
	struct office_svc ref;

	if (office_service_find(r, &ref) != 0)
		return 0;
	if (req_param(r, 1) && path_number(r, 1) <= 0) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	preview(r, &ref, path_number(r, 1));
	return 0;
}

/* ---- the review queue: GET /birojs/parbaude ---- */

static void review_page(struct req *r, int status, const char *msg)
{
	struct db *db = app_db(r);
	struct svc_version *q = NULL;
	struct err err = {0};
	size_t n = 0, i;
	json_t *ctx, *items;

	if (svc_pending(db, NULL, &q, &n, &err) != 0) {
		log_error("versions: %s", err.msg);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	ctx = page_ctx(r, N_("Changes waiting for approval"), "office");
	items = json_array();
	for (i = 0; i < n && i < REVIEW_SHOWN; i++) {
		struct office_svc ref = {q[i].slug, q[i].iri, q[i].institution, NULL};
		struct svc_version v = {0}, pub = {0};
		long long shown = 0;
		const json_t *forms[2];
		json_t *o;

		/* compare with what the public pages show now (one query: a
		 * long history must not make each item cost more) */
		if (svc_shown(db, q[i].iri, &shown, &err) != 0)
			shown = 0;
		if (svc_version_get(db, q[i].iri, q[i].number, &v, &err) != 0)
			continue;
		if (shown)
			svc_version_get(db, q[i].iri, shown, &pub, &err);
		o = version_json(r, &ref, &q[i]);
		json_object_set_new(o, "slug", json_string(q[i].slug));
		json_object_set_new(o, "institution", json_string(slug_name(r, "authority", q[i].institution)));
		json_object_set_new(o, "title", json_string(form_title(r, v.form, q[i].slug)));
		if (shown)
			json_object_set_new(o, "shown", json_integer(shown));
		forms[0] = pub.form;
		forms[1] = v.form;
		set_rows(o, form_diff(r, forms, 2));
		json_object_set_new(
		    o, "approve_url",
		    json_string(prefixed(
			r, arena_printf(r->arena, "/birojs/parbaude/%s/%lld/apstiprinat", q[i].slug, q[i].number))));
		json_object_set_new(o, "return_url",
				    json_string(prefixed(r, arena_printf(r->arena, "/birojs/parbaude/%s/%lld/atgriezt",
									 q[i].slug, q[i].number))));
		json_object_set_new(
		    o, "preview_url",
		    json_string(prefixed(r, arena_printf(r->arena, "/birojs/pakalpojumi/%s/versijas/%lld/priekssk",
							 q[i].slug, q[i].number))));
		json_object_set_new(o, "id", json_string(arena_printf(r->arena, "v%zu", i)));
		json_array_append_new(items, o);
		svc_version_clear(&v);
		svc_version_clear(&pub);
	}
	svc_versions_free(q, n);
	if (n > REVIEW_SHOWN)
		json_object_set_new(ctx, "more", json_integer((json_int_t)(n - REVIEW_SHOWN)));
	json_object_set_new(ctx, "has_items", json_boolean(json_array_size(items) > 0));
	json_object_set_new(ctx, "items", items);
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	if (msg)
		json_object_set_new(ctx, "message", json_string(i18n_tr(r->lang, msg)));
	render_flags(r, status, "office-review", ctx, RESP_NO_STORE);
}

int page_review(struct req *r)
{
	if (auth_require_role(r, ROLE_ADMIN) != 0)
		return 0;
	review_page(r, 200, NULL);
	return 0;
}

/* ---- POST /birojs/parbaude/{slug}/{n}/apstiprinat and .../atgriezt ---- */

static const struct field return_fields[] = {FIELD_TEXTAREA("komentars", REQUIRED, 1, 2000, N_("Comment")), FIELD_END};

static int review_action(struct req *r, int approve)
{
	const struct person *p;
	struct office_svc ref;
	struct svc_saved out;
	struct err err = {0};
	struct form f;
	long long n;
	int rc;

	/* administrators only, and the service must exist */
	if (auth_require_role(r, ROLE_ADMIN) != 0 || office_service_find(r, &ref) != 0)
		return 0;
	n = path_number(r, 1);
	if (n <= 0) {
		resp_error(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (!approve && form_validate(r, return_fields, &f) != 0) {
		review_page(r, 422, N_("Say in the comment what the editor should change."));
		return 0;
	}
	p = auth_person(r);
	if (office_save_budget(r) != 0)
		return 0;
	rc = approve ? svc_approve(app_db(r), web_snapshot(r)->cat, ref.iri, n, p->account, &out, &err)
		     : svc_return(app_db(r), ref.iri, n, p->account, f.value[0], &out, &err);
	if (rc != 0) {
		log_error("versions: review: %s", err.msg);
		resp_error(r, ERR_UNAVAILABLE, NULL);
		return 0;
	}
	json_decref(out.theirs);
	out.version = n;
	version_audit(r, ref.slug, approve ? "service-approved" : "service-returned", &out, 0);
	switch (out.result) {
	case SVC_CONFLICT:
		review_page(r, 409,
			    N_("A newer version of this service was published after this change was made: it cannot "
			       "be approved any more. Return it with a comment instead."));
		return 0;
	case SVC_INVALID:
		log_info("versions: review refused: %s", err.msg);
		review_page(r, 409,
			    N_("This change is no longer waiting for approval, or it no longer builds a service."));
		return 0;
	default: resp_redirect(r, 303, prefixed(r, "/birojs/parbaude")); return 0;
	}
}

int form_review_approve(struct req *r)
{
	return review_action(r, 1);
}

int form_review_return(struct req *r)
{
	return review_action(r, 0);
}

/* ---- for the edit page ---- */

json_t *version_conflict_ctx(struct req *r, const char *iri, long long base, const json_t *mine,
			     const struct svc_saved *saved)
{
	struct db *db = app_db(r);
	struct svc_version b = {0}, t = {0};
	struct err err = {0};
	const json_t *forms[3];
	json_t *o = json_object();

	if (base > 0)
		svc_version_get(db, iri, base, &b, &err);
	svc_version_get(db, iri, saved->version, &t, &err);
	forms[0] = b.form;
	forms[1] = saved->theirs ? saved->theirs : t.form;
	forms[2] = mine;
	json_object_set_new(o, "base", json_integer(base));
	json_object_set_new(o, "theirs", json_integer(saved->version));
	json_object_set_new(o, "who", json_string(who_text(r, t.account, t.who)));
	json_object_set_new(o, "at", json_string(page_when(r, t.at)));
	json_object_set_new(o, "state_label", json_string(state_label(r, t.state)));
	set_rows(o, form_diff(r, forms, 3));
	svc_version_clear(&b);
	svc_version_clear(&t);
	return o;
}

void version_state_ctx(struct req *r, const char *iri, json_t *ctx)
{
	struct svc_version *v = NULL;
	struct err err = {0};
	size_t n = 0;

	if (!iri || svc_versions(app_db(r), iri, 1, &v, &n, &err) != 0 || !n) {
		json_object_set_new(ctx, "version_base", json_integer(0));
		return;
	}
	json_object_set_new(ctx, "version_base", json_integer(v[0].number));
	if (v[0].state == SVC_STATE_RETURNED) {
		json_t *o = json_object();

		json_object_set_new(o, "number", json_integer(v[0].number));
		json_object_set_new(o, "comment", json_string(v[0].comment));
		json_object_set_new(o, "reviewer", json_string(who_text(r, v[0].reviewer, v[0].reviewer_name)));
		json_object_set_new(o, "at", json_string(page_when(r, v[0].reviewed_at)));
		json_object_set_new(ctx, "version_returned", o);
	} else if (v[0].state == SVC_STATE_PENDING) {
		json_object_set_new(ctx, "version_pending", json_integer(v[0].number));
	}
	svc_versions_free(v, n);
}
