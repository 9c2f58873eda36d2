/*
 * cli_import_parse.c - JSON exports and CSV case lists turned into a
 * kb_import (no board access: the core checks and writes it).  Split from
 * cli_transfer.c so the parsers can be fuzzed on their own
 * (tests/fuzz/fuzz_import.c).
 */
#include "cmd_import.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *kb_csv_col(size_t i)
{
    if (i == 0)
        return "id";
    if (i <= KB_F_COUNT)
        return kb_case_field((enum kb_field_id)(i - 1))->json;
    return i == KB_F_COUNT + 1 ? "created" : "updated";
}

/* ------------------------------------------------------------ import: json */

void kb_import_buf_free(kb_import_buf *ib)
{
    for (size_t i = 0; i < ib->imp.ncases; i++) {
        /* case strings are owned by the case (the core normalises them) */
        kb_case_free(&ib->imp.cases[i]);
    }
    kb_free(&ib->imp.depts);
    for (size_t i = 0; i < ib->imp.nstages; i++)
        kb_strv_free(&ib->imp.stages[i].dept_wip);
    kb_free(&ib->imp.stages);
    kb_free(&ib->imp.lines);
    kb_free(&ib->imp.goals);
    kb_free(&ib->imp.views);
    kb_free(&ib->imp.cases);
    kb_free(&ib->case_at);
    kb_free(&ib->imp.reasons);
    kb_free(&ib->imp.comments);
    kb_free(&ib->imp.actions);
    kb_free(&ib->imp.links);
    kb_free(&ib->imp.orgs);
    kb_free(&ib->imp.contacts);
    for (size_t i = 0; i < ib->imp.nmeetings; i++)
        kb_meeting_free(&ib->imp.meetings[i]);
    kb_free(&ib->imp.meetings);
    kb_free(&ib->imp.decisions);
    kb_strv_free(&ib->strings);
}

/* Keep a copy of s alive for the import; returns the copy. */
static char *kb_keep(kb_import_buf *ib, const char *s)
{
    kb_strv_push(&ib->strings, s);
    return ib->strings.v[ib->strings.n - 1];
}

typedef struct kb_jctx {
    kb_err *e;
    const char *path; /* "cases[3]" */
} kb_jctx;

static int kb_jfail(kb_jctx *j, const char *key, const char *what)
{
    return kb_err_set(j->e, KB_EDATA, _("%s.%s: %s"), j->path, key, what);
}

static int kb_jstr(kb_jctx *j, json_t *o, const char *key, bool required, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? kb_jfail(j, key, _("missing")) : KB_OK;
    if (!json_is_string(v))
        return kb_jfail(j, key, _("expected a string"));
    if (strlen(json_string_value(v)) != json_string_length(v))
        return kb_jfail(j, key, _("contains a NUL character"));
    *out = json_string_value(v);
    return KB_OK;
}

static int kb_jint(kb_jctx *j, json_t *o, const char *key, long long lo, long long hi,
                   bool required, long long *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return required ? kb_jfail(j, key, _("missing")) : KB_OK;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return kb_jfail(j, key, _("expected a whole number in range"));
    *out = json_integer_value(v);
    return KB_OK;
}

static int kb_jbool(kb_jctx *j, json_t *o, const char *key, bool *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return KB_OK;
    if (!json_is_boolean(v))
        return kb_jfail(j, key, _("expected true or false"));
    *out = json_is_true(v);
    return KB_OK;
}

static int kb_jstrv(kb_jctx *j, json_t *o, const char *key, kb_strv *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return KB_OK;
    if (!json_is_array(v))
        return kb_jfail(j, key, _("expected a list of strings"));
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x))
            return kb_jfail(j, key, _("expected a list of strings"));
        kb_strv_push(out, json_string_value(x));
    }
    return KB_OK;
}

static int kb_jdate(kb_jctx *j, json_t *o, const char *key, kb_date *out)
{
    const char *s;
    int rc = kb_jstr(j, o, key, false, &s);
    if (rc || !s)
        return rc;
    kb_err de;
    if (kb_date_parse(s, out, &de))
        return kb_jfail(j, key, de.msg);
    return KB_OK;
}

static int kb_jtime(kb_jctx *j, json_t *o, const char *key, kb_time *out)
{
    const char *s;
    int rc = kb_jstr(j, o, key, false, &s);
    if (rc || !s)
        return rc;
    kb_err de;
    if (kb_time_parse(s, out, &de))
        return kb_jfail(j, key, de.msg);
    return KB_OK;
}

/* A list of numbers (case or action item numbers) into out. */
static int kb_ju32v(kb_jctx *j, json_t *o, const char *key, kb_u32v *out)
{
    json_t *v = json_object_get(o, key), *x;
    size_t i;
    if (!v || json_is_null(v))
        return KB_OK;
    if (!json_is_array(v))
        return kb_jfail(j, key, _("expected a list of numbers"));
    json_array_foreach(v, i, x)
    {
        if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > UINT32_MAX)
            return kb_jfail(j, key, _("expected a list of numbers"));
        kb_u32v_push(out, (uint32_t)json_integer_value(x));
    }
    return KB_OK;
}

/* Meeting mode fields of a meeting (all optional; exports written before
 * meeting mode have none): state, chair, guests, times, per item the
 * reasons, planned and spent seconds, the current item, reveals and the
 * action items taken in it. */
static int kb_import_meeting_mode(kb_jctx *j, json_t *o, kb_meeting *m)
{
    const char *state = NULL, *chair = NULL;
    int rc;
    if ((rc = kb_jstr(j, o, "state", false, &state)) ||
        (rc = kb_jstr(j, o, "chair", false, &chair)) ||
        (rc = kb_jstrv(j, o, "guests", &m->guests)) ||
        (rc = kb_jtime(j, o, "started", &m->started)) ||
        (rc = kb_jtime(j, o, "ended", &m->ended)) ||
        (rc = kb_ju32v(j, o, "revealed", &m->reveals)) ||
        (rc = kb_ju32v(j, o, "action_items", &m->actions)))
        return rc;
    m->state = KB_MEETING_RECORDED;
    for (int s = KB_MEETING_RECORDED; state && s <= KB_MEETING_ENDED; s++)
        if (strcmp(state, kb_meeting_state_name(s)) == 0)
            m->state = s;
    if (state && strcmp(state, kb_meeting_state_name(m->state)) != 0)
        return kb_jfail(j, "state", _("expected recorded, draft, running or ended"));
    m->chair = chair ? kb_strdup(chair) : NULL;
    json_t *items = json_object_get(o, "items"), *it;
    size_t i;
    if (items && !json_is_array(items))
        return kb_jfail(j, "items", _("expected a list of agenda items"));
    if (items && json_array_size(items) && json_array_size(items) != m->agenda.n)
        return kb_jfail(j, "items", _("expected one item per agenda entry"));
    json_array_foreach(items, i, it)
    {
        long long cn = 0, plan = 0, spent = 0;
        const char *why = NULL;
        if ((rc = kb_jint(j, it, "case", 1, UINT32_MAX, true, &cn)) ||
            (rc = kb_jint(j, it, "planned", 0, UINT32_MAX, false, &plan)) ||
            (rc = kb_jint(j, it, "spent", 0, UINT32_MAX, false, &spent)) ||
            (rc = kb_jstr(j, it, "why", false, &why)))
            return rc;
        if ((uint32_t)cn != m->agenda.v[i])
            return kb_jfail(j, "items", _("expected the agenda's cases in order"));
        kb_u32v_push(&m->plan, (uint32_t)plan);
        kb_u32v_push(&m->spent, (uint32_t)spent);
        kb_strv_push(&m->why, why ? why : "");
    }
    long long cur = 0;
    if ((rc = kb_jint(j, o, "current", 1, UINT32_MAX, false, &cur)))
        return rc;
    long at = cur ? kb_meeting_item_find(m, (uint32_t)cur) : 0;
    m->current = at > 0 ? (int)at : 0;
    if (m->state == KB_MEETING_RUNNING)
        m->item_since = kb_time_now();
    return KB_OK;
}

static int kb_import_json_case(kb_import_buf *ib, kb_jctx *j, json_t *o, kb_case *c)
{
    const char *s;
    long long ll = 0;
    int rc;
    if (!json_is_object(o))
        return kb_err_set(j->e, KB_EDATA, _("%s: expected an object"), j->path);
    if ((rc = kb_jint(j, o, "id", 0, UINT32_MAX, false, &ll)))
        return rc;
    c->number = (uint32_t)ll;
#define KB_JS(key, field, req)                                                                     \
    do {                                                                                           \
        if ((rc = kb_jstr(j, o, key, req, &s)))                                                    \
            return rc;                                                                             \
        if (s && (s[0] || req))                                                                    \
            c->field = kb_strdup(s);                                                               \
    } while (0)
    KB_JS("title", title, true);
    KB_JS("description", description, false);
    KB_JS("stage", stage, false);
    KB_JS("lead_dept", lead_dept, false);
    KB_JS("action_line", action_line, false);
    KB_JS("owner", owner, false);
    KB_JS("blocked", blocked, false);
#undef KB_JS
    if ((rc = kb_jstrv(j, o, "depts", &c->depts)) || (rc = kb_jstrv(j, o, "hooks", &c->hooks)) ||
        (rc = kb_jstrv(j, o, "orgs", &c->orgs)) || (rc = kb_jstrv(j, o, "tags", &c->tags)))
        return rc;
    ll = 0;
    if ((rc = kb_jint(j, o, "priority", 0, KB_PRIORITY_MAX, false, &ll)))
        return rc;
    c->priority = (int)ll;
    if ((rc = kb_jdate(j, o, "due", &c->due)) || (rc = kb_jdate(j, o, "review", &c->review)) ||
        (rc = kb_jbool(j, o, "on_agenda", &c->on_agenda)) ||
        (rc = kb_jtime(j, o, "created", &c->created)) ||
        (rc = kb_jtime(j, o, "updated", &c->updated)) || (rc = kb_jtime(j, o, "moved", &c->moved)))
        return rc;
    if ((rc = kb_jstr(j, o, "confidentiality", false, &s)))
        return rc;
    if (s && kb_conf_parse(s, &c->conf, NULL))
        return kb_jfail(j, "confidentiality", _("use public, internal or confidential"));
    if (c->created && !c->updated)
        c->updated = c->created;
    (void)ib;
    return KB_OK;
}

/* A new zeroed element at the end of *v (n elements; the capacity is the
 * next power of two, so the arrays grow without knowing their size). */
static void *kb_imp_push(void *vp, size_t *n, size_t size)
{
    void **v = vp;
    if ((*n & (*n - 1)) == 0) /* 0, 1, 2, 4, ...: full */
        *v = kb_reallocarray(*v, *n ? *n * 2 : 1, size);
    char *x = (char *)*v + *n * size;
    memset(x, 0, size);
    (*n)++;
    return x;
}

/* Record where the case just pushed (the last of imp.cases) starts. */
static void kb_imp_case_at(kb_import_buf *ib, size_t line, size_t col)
{
    while (ib->ncase_at < ib->imp.ncases) {
        kb_import_pos *p = kb_imp_push(&ib->case_at, &ib->ncase_at, sizeof *p);
        if (ib->ncase_at == ib->imp.ncases) {
            p->line = line;
            p->col = col;
        }
    }
}

const kb_import_pos *kb_import_case_at(const kb_import_buf *ib, size_t i)
{
    return i < ib->ncase_at && ib->case_at[i].line ? &ib->case_at[i] : NULL;
}

static int kb_imp_dept(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    const char *code, *name, *colour;
    int rc;
    if ((rc = kb_jstr(j, o, "code", true, &code)) || (rc = kb_jstr(j, o, "name", true, &name)) ||
        (rc = kb_jstr(j, o, "colour", false, &colour)))
        return rc;
    kb_dept *d = kb_imp_push(&ib->imp.depts, &ib->imp.ndepts, sizeof *d);
    d->code = kb_keep(ib, code);
    d->name = kb_keep(ib, name);
    d->colour = colour ? kb_keep(ib, colour) : NULL;
    return KB_OK;
}

static int kb_imp_stage(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    const char *code, *name;
    long long pos = 0, wip = 0, norm = 0;
    bool reason = false;
    int rc;
    if ((rc = kb_jstr(j, o, "code", true, &code)) || (rc = kb_jstr(j, o, "name", true, &name)) ||
        (rc = kb_jint(j, o, "position", 1, 1000, true, &pos)) ||
        (rc = kb_jint(j, o, "wip_limit", 0, 10000, false, &wip)) ||
        (rc = kb_jint(j, o, "norm_days", 0, 3650, false, &norm)) ||
        (rc = kb_jbool(j, o, "needs_reason", &reason)))
        return rc;
    kb_stage *s = kb_imp_push(&ib->imp.stages, &ib->imp.nstages, sizeof *s);
    s->code = kb_keep(ib, code);
    s->name = kb_keep(ib, name);
    s->position = (int)pos;
    s->wip_limit = (int)wip;
    s->norm_days = (int)norm;
    s->needs_reason = reason;
    return kb_jstrv(j, o, "dept_wip", &s->dept_wip);
}

static int kb_imp_line(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    const char *code, *name;
    int rc;
    if ((rc = kb_jstr(j, o, "code", true, &code)) || (rc = kb_jstr(j, o, "name", true, &name)))
        return rc;
    kb_line *l = kb_imp_push(&ib->imp.lines, &ib->imp.nlines, sizeof *l);
    l->code = kb_keep(ib, code);
    l->name = kb_keep(ib, name);
    return KB_OK;
}

static int kb_imp_goal(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    const char *code, *text, *dept;
    int rc;
    if ((rc = kb_jstr(j, o, "code", true, &code)) || (rc = kb_jstr(j, o, "text", true, &text)) ||
        (rc = kb_jstr(j, o, "dept", true, &dept)))
        return rc;
    kb_goal *g = kb_imp_push(&ib->imp.goals, &ib->imp.ngoals, sizeof *g);
    g->code = kb_keep(ib, code);
    g->text = kb_keep(ib, text);
    g->dept = kb_keep(ib, dept);
    return KB_OK;
}

/* A shared view: name, query, sort and lanes (null: none, all). */
static int kb_imp_view(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    const char *name, *query, *sort, *lanes;
    int rc;
    if ((rc = kb_jstr(j, o, "name", true, &name)) || (rc = kb_jstr(j, o, "query", true, &query)) ||
        (rc = kb_jstr(j, o, "sort", false, &sort)) || (rc = kb_jstr(j, o, "lanes", false, &lanes)))
        return rc;
    kb_saved_view *v = kb_imp_push(&ib->imp.views, &ib->imp.nviews, sizeof *v);
    v->name = kb_keep(ib, name);
    v->query = kb_keep(ib, query);
    v->sort = sort ? kb_keep(ib, sort) : NULL;
    v->lanes = lanes ? kb_keep(ib, lanes) : NULL;
    v->shared = true;
    return KB_OK;
}

/* The board settings: an object (null: none); keys this version does not
 * know are left alone, as unknown top-level keys are. */
static int kb_imp_settings(kb_import_buf *ib, json_t *o, kb_err *e)
{
    kb_jctx j = {e, "settings"};
    if (json_is_null(o))
        return KB_OK;
    if (!json_is_object(o))
        return kb_err_set(e, KB_EDATA, _("%s: expected an object"), j.path);
    long long days = -1;
    int rc = kb_jint(&j, o, "contact_window", 0, KB_CONTACT_WINDOW_MAX, false, &days);
    if (rc == KB_OK && days >= 0) {
        ib->imp.has_contact_window = true;
        ib->imp.contact_window = (int)days;
    }
    return rc;
}

static int kb_imp_case(kb_import_buf *ib, kb_jctx *j, json_t *o, size_t i)
{
    kb_import *imp = &ib->imp;
    kb_case *c = kb_imp_push(&imp->cases, &imp->ncases, sizeof *c);
    kb_case_init(c);
    int rc = kb_import_json_case(ib, j, o, c);
    if (rc)
        return rc;
    json_t *tl = json_object_get(o, "timeline");
    if (tl && !json_is_array(tl))
        return kb_jfail(j, "timeline", _("expected a list"));
    if (tl && !c->number)
        return kb_jfail(j, "id", _("a case with a timeline needs its id"));
    size_t k;
    json_t *x;
    json_array_foreach(tl, k, x)
    {
        kb_comment *cm = kb_imp_push(&imp->comments, &imp->ncomments, sizeof *cm);
        char tpath[96];
        snprintf(tpath, sizeof tpath, "cases[%zu].timeline[%zu]", i, k);
        kb_jctx tj = {j->e, tpath};
        const char *kind, *author, *text, *mfrom = NULL, *mto = NULL, *reason = NULL;
        long long us = 0;
        if (!json_is_object(x))
            return kb_err_set(j->e, KB_EDATA, _("%s: expected an object"), tpath);
        if ((rc = kb_jstr(&tj, x, "kind", true, &kind)) ||
            (rc = kb_jstr(&tj, x, "author", true, &author)) ||
            (rc = kb_jstr(&tj, x, "text", true, &text)) ||
            (rc = kb_jtime(&tj, x, "time", &cm->time)) ||
            (rc = kb_jint(&tj, x, "time_us", 0, INT64_MAX, false, &us)) ||
            (rc = kb_jstr(&tj, x, "move_from", false, &mfrom)) ||
            (rc = kb_jstr(&tj, x, "move_to", false, &mto)) ||
            (rc = kb_jstr(&tj, x, "reason", false, &reason)))
            return rc;
        if (strcmp(kind, "comment") && strcmp(kind, "change"))
            return kb_jfail(&tj, "kind", _("use comment or change"));
        cm->case_number = c->number;
        cm->kind = strcmp(kind, "comment") == 0 ? KB_ENTRY_COMMENT : KB_ENTRY_CHANGE;
        cm->author = kb_keep(ib, author);
        cm->text = kb_keep(ib, text);
        cm->time_us = us;
        cm->move_from = mfrom ? kb_keep(ib, mfrom) : NULL;
        cm->move_to = mto ? kb_keep(ib, mto) : NULL;
        cm->reason = reason ? kb_keep(ib, reason) : NULL;
    }
    return KB_OK;
}

static int kb_imp_action(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    kb_action_item *a = kb_imp_push(&ib->imp.actions, &ib->imp.nactions, sizeof *a);
    kb_action_item_init(a);
    long long num = 0, cs = 0;
    const char *text, *owner;
    int rc;
    if ((rc = kb_jint(j, o, "id", 0, UINT32_MAX, false, &num)) ||
        (rc = kb_jint(j, o, "case", 1, UINT32_MAX, true, &cs)) ||
        (rc = kb_jstr(j, o, "text", true, &text)) || (rc = kb_jstr(j, o, "owner", true, &owner)) ||
        (rc = kb_jdate(j, o, "due", &a->due)) || (rc = kb_jbool(j, o, "done", &a->done)) ||
        (rc = kb_jtime(j, o, "created", &a->created)))
        return rc;
    a->number = (uint32_t)num;
    a->case_number = (uint32_t)cs;
    a->text = kb_keep(ib, text);
    a->owner = kb_keep(ib, owner);
    return KB_OK;
}

static int kb_imp_link(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    long long from = 0, to = 0;
    const char *kind;
    kb_link *l = kb_imp_push(&ib->imp.links, &ib->imp.nlinks, sizeof *l);
    int rc;
    if ((rc = kb_jint(j, o, "from", 1, UINT32_MAX, true, &from)) ||
        (rc = kb_jint(j, o, "to", 1, UINT32_MAX, true, &to)) ||
        (rc = kb_jstr(j, o, "kind", true, &kind)))
        return rc;
    if (kb_link_kind_parse(kind, &l->kind, NULL))
        return kb_jfail(j, "kind", _("use related, duplicate or blocks"));
    l->from = (uint32_t)from;
    l->to = (uint32_t)to;
    return KB_OK;
}

static int kb_imp_org(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    const char *name, *kind, *contact, *notes;
    kb_org *g = kb_imp_push(&ib->imp.orgs, &ib->imp.norgs, sizeof *g);
    int rc;
    if ((rc = kb_jstr(j, o, "name", true, &name)) || (rc = kb_jstr(j, o, "kind", false, &kind)) ||
        (rc = kb_jstr(j, o, "contact", false, &contact)) ||
        (rc = kb_jstr(j, o, "notes", false, &notes)))
        return rc;
    if (kind && kb_org_kind_parse(kind, &g->kind, NULL))
        return kb_jfail(j, "kind",
                        _("use entrepreneur, foundation, partner, government "
                          "or other"));
    g->name = kb_keep(ib, name);
    g->contact = contact ? kb_keep(ib, contact) : NULL;
    g->notes = notes ? kb_keep(ib, notes) : NULL;
    return KB_OK;
}

static int kb_imp_contact(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    const char *org, *dept, *user, *purpose;
    kb_contact *c = kb_imp_push(&ib->imp.contacts, &ib->imp.ncontacts, sizeof *c);
    c->date = KB_DATE_NONE;
    int rc;
    if ((rc = kb_jstr(j, o, "org", true, &org)) || (rc = kb_jstr(j, o, "dept", true, &dept)) ||
        (rc = kb_jstr(j, o, "user", false, &user)) ||
        (rc = kb_jstr(j, o, "purpose", false, &purpose)) || (rc = kb_jdate(j, o, "date", &c->date)))
        return rc;
    c->org = kb_keep(ib, org);
    c->dept = kb_keep(ib, dept);
    c->user = user ? kb_keep(ib, user) : NULL;
    c->purpose = purpose ? kb_keep(ib, purpose) : NULL;
    return KB_OK;
}

static int kb_imp_meeting(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    kb_meeting *m = kb_imp_push(&ib->imp.meetings, &ib->imp.nmeetings, sizeof *m);
    kb_meeting_init(m);
    long long num = 0;
    const char *minutes;
    int rc;
    if ((rc = kb_jint(j, o, "id", 1, UINT32_MAX, true, &num)) ||
        (rc = kb_jdate(j, o, "date", &m->date)) ||
        (rc = kb_jstrv(j, o, "attendees", &m->attendees)) ||
        (rc = kb_jstr(j, o, "minutes", false, &minutes)))
        return rc;
    m->number = (uint32_t)num;
    m->minutes = minutes ? kb_strdup(minutes) : NULL;
    json_t *ag = json_object_get(o, "agenda");
    if (ag && !json_is_array(ag))
        return kb_jfail(j, "agenda", _("expected a list of case numbers"));
    size_t k;
    json_t *x;
    json_array_foreach(ag, k, x)
    {
        if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > UINT32_MAX)
            return kb_jfail(j, "agenda", _("expected a list of case numbers"));
        kb_u32v_push(&m->agenda, (uint32_t)json_integer_value(x));
    }
    return kb_import_meeting_mode(j, o, m);
}

static int kb_imp_decision(kb_import_buf *ib, kb_jctx *j, json_t *o)
{
    kb_decision *d = kb_imp_push(&ib->imp.decisions, &ib->imp.ndecisions, sizeof *d);
    long long num = 0, cs = 0, mt = 0;
    const char *text, *author;
    int rc;
    if ((rc = kb_jint(j, o, "id", 1, UINT32_MAX, true, &num)) ||
        (rc = kb_jint(j, o, "case", 1, UINT32_MAX, true, &cs)) ||
        (rc = kb_jint(j, o, "meeting", 0, UINT32_MAX, false, &mt)) ||
        (rc = kb_jstr(j, o, "text", true, &text)) ||
        (rc = kb_jstr(j, o, "author", true, &author)) || (rc = kb_jtime(j, o, "time", &d->time)))
        return rc;
    d->number = (uint32_t)num;
    d->case_number = (uint32_t)cs;
    d->meeting = (uint32_t)mt;
    d->text = kb_keep(ib, text);
    d->author = kb_keep(ib, author);
    return KB_OK;
}

/* The lists of an export, in the order it writes them. */
enum kb_imp_list {
    KB_IL_DEPTS,
    KB_IL_STAGES,
    KB_IL_LINES,
    KB_IL_GOALS,
    KB_IL_VIEWS,
    KB_IL_CASES,
    KB_IL_ACTIONS,
    KB_IL_LINKS,
    KB_IL_ORGS,
    KB_IL_CONTACTS,
    KB_IL_MEETINGS,
    KB_IL_DECISIONS,
    KB_IL_COUNT_
};
static const char *const kb_imp_list_names[KB_IL_COUNT_] = {
    "departments", "stages", "action_lines",  "goals",    "views",    "cases",
    "actions",     "links",  "organisations", "contacts", "meetings", "decisions",
};

/* One element o (index i) of list l. */
static int kb_imp_element(kb_import_buf *ib, enum kb_imp_list l, size_t i, json_t *o, kb_err *e)
{
    char path[64];
    kb_jctx j = {e, path};
    snprintf(path, sizeof path, "%s[%zu]", kb_imp_list_names[l], i);
    if (!json_is_object(o))
        return kb_err_set(e, KB_EDATA, _("%s: expected an object"), path);
    switch (l) {
    case KB_IL_DEPTS:
        return kb_imp_dept(ib, &j, o);
    case KB_IL_STAGES:
        return kb_imp_stage(ib, &j, o);
    case KB_IL_LINES:
        return kb_imp_line(ib, &j, o);
    case KB_IL_GOALS:
        return kb_imp_goal(ib, &j, o);
    case KB_IL_VIEWS:
        return kb_imp_view(ib, &j, o);
    case KB_IL_CASES:
        return kb_imp_case(ib, &j, o, i);
    case KB_IL_ACTIONS:
        return kb_imp_action(ib, &j, o);
    case KB_IL_LINKS:
        return kb_imp_link(ib, &j, o);
    case KB_IL_ORGS:
        return kb_imp_org(ib, &j, o);
    case KB_IL_CONTACTS:
        return kb_imp_contact(ib, &j, o);
    case KB_IL_MEETINGS:
        return kb_imp_meeting(ib, &j, o);
    case KB_IL_DECISIONS:
        return kb_imp_decision(ib, &j, o);
    case KB_IL_COUNT_:
        break;
    }
    return KB_OK;
}

/* ------------------------------------------------------------ streaming */

/* The export is read as a stream: the top-level object and its lists are
 * walked here, byte by byte, and each element (one case with its
 * timeline, one action item, ...) is cut out whole and parsed by jansson
 * on its own.  Memory holds one element's text and tree at a time besides
 * the import itself; time is linear in the file's size. */
typedef struct kb_jin {
    FILE *f;                         /* or: */
    const unsigned char *mem, *mend; /* an in-memory file */
    int peek;                        /* next byte, or KB_JIN_NONE */
    size_t line, col;                /* position of the last byte read (1-based) */
    char *buf;                       /* the element being cut out */
    size_t n, cap;
    const char *fname;
    kb_err *e;
    bool syntax; /* the error is in the JSON itself */
    int err;     /* errno of a failed read */
} kb_jin;
#define KB_JIN_NONE (-2)

static int kb_jin_raw(kb_jin *r)
{
    if (r->f) {
        int c = getc_unlocked(r->f);
        if (c == EOF && ferror(r->f))
            r->err = errno;
        return c;
    }
    return r->mem < r->mend ? *r->mem++ : EOF;
}

static int kb_jin_get(kb_jin *r)
{
    int c = r->peek;
    if (c != KB_JIN_NONE)
        r->peek = KB_JIN_NONE;
    else
        c = kb_jin_raw(r);
    if (c == '\n') {
        r->line++;
        r->col = 0;
    } else if (c != EOF) {
        r->col++;
    }
    return c;
}

/* The next byte that is not white space (not consumed). */
static int kb_jin_peek(kb_jin *r)
{
    for (;;) {
        if (r->peek == KB_JIN_NONE)
            r->peek = kb_jin_raw(r);
        int c = r->peek;
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return c;
        kb_jin_get(r);
    }
}

static int kb_jin_fail(kb_jin *r, size_t line, size_t col, const char *what)
{
    if (r->f && ferror(r->f))
        return kb_err_set(r->e, KB_EIO, _("cannot read %s: %s"), r->fname, strerror(r->err));
    r->syntax = true;
    return kb_err_set(r->e, KB_EDATA, _("%s:%zu:%zu: not valid JSON: %s"), r->fname, line, col,
                      what);
}

static int kb_jin_expect(kb_jin *r, int want, const char *what)
{
    int c = kb_jin_peek(r);
    kb_jin_get(r);
    if (c != want)
        return kb_jin_fail(r, r->line, r->col, c == EOF ? _("unexpected end of file") : what);
    return KB_OK;
}

static void kb_jin_put(kb_jin *r, int c)
{
    if (r->n + 1 >= r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4096;
        r->buf = kb_realloc(r->buf, r->cap);
    }
    r->buf[r->n++] = (char)c;
}

/* Cut out the next value (an object, a list, a string or a bare word)
 * into r->buf and parse it; *line, *col: where it starts. */
static int kb_jin_value(kb_jin *r, json_t **out)
{
    *out = NULL;
    int c = kb_jin_peek(r);
    size_t line = r->line, col = r->col + 1; /* c is not white space */
    r->n = 0;
    if (c == EOF)
        return kb_jin_fail(r, r->line, r->col, _("unexpected end of file"));
    if (c == '{' || c == '[') {
        size_t depth = 0;
        bool str = false, esc = false;
        do {
            c = kb_jin_get(r);
            if (c == EOF)
                return kb_jin_fail(r, r->line, r->col, _("unexpected end of file"));
            kb_jin_put(r, c);
            if (str) {
                if (esc)
                    esc = false;
                else if (c == '\\')
                    esc = true;
                else if (c == '"')
                    str = false;
            } else if (c == '"') {
                str = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            }
        } while (depth > 0);
    } else if (c == '"') {
        bool esc = false;
        kb_jin_put(r, kb_jin_get(r));
        for (;;) {
            c = kb_jin_get(r);
            if (c == EOF)
                return kb_jin_fail(r, r->line, r->col, _("unexpected end of file"));
            kb_jin_put(r, c);
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                break;
        }
    } else { /* a number, true, false or null: up to a delimiter */
        for (;;) {
            if (r->peek == KB_JIN_NONE)
                r->peek = kb_jin_raw(r);
            c = r->peek;
            if (c == EOF || c == 0 || strchr(",]}: \t\r\n", c) || r->n >= 64)
                break;
            kb_jin_put(r, kb_jin_get(r));
        }
    }
    json_error_t je;
    *out = json_loadb(r->buf, r->n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!*out) {
        size_t l = line + (size_t)(je.line > 0 ? je.line - 1 : 0);
        size_t k = je.line <= 1 ? col - 1 + (size_t)(je.column > 0 ? je.column : 1)
                                : (size_t)(je.column > 0 ? je.column : 1);
        if (json_error_code(&je) == json_error_null_character) { /* valid JSON, no text */
            r->syntax = true;
            return kb_err_set(r->e, KB_EDATA,
                              _("%s:%zu:%zu: a text contains \\u0000 (the NUL character), which "
                                "kernboard does not accept; remove it"),
                              r->fname, l, k);
        }
        return kb_jin_fail(r, l, k, je.text);
    }
    return KB_OK;
}

/* A top-level list, element by element. */
static int kb_jin_list(kb_jin *r, kb_import_buf *ib, enum kb_imp_list l)
{
    int c = kb_jin_peek(r);
    if (c != '[') { /* null (absent) or not a list */
        json_t *v = NULL;
        int rc = kb_jin_value(r, &v);
        if (rc == KB_OK && !json_is_null(v))
            rc = kb_err_set(r->e, KB_EDATA, _("%s: %s: expected a list"), r->fname,
                            kb_imp_list_names[l]);
        json_decref(v);
        return rc;
    }
    kb_jin_get(r);
    if (kb_jin_peek(r) == ']') {
        kb_jin_get(r);
        return KB_OK;
    }
    for (size_t i = 0;; i++) {
        json_t *v = NULL;
        (void)kb_jin_peek(r); /* the element's first byte: where it starts */
        size_t line = r->line, col = r->col + 1;
        int rc = kb_jin_value(r, &v);
        if (rc == KB_OK && (rc = kb_imp_element(ib, l, i, v, r->e)))
            kb_err_prefix(r->e, "%s: ", r->fname); /* FILE: cases[0].title: ... */
        if (rc == KB_OK && l == KB_IL_CASES)
            kb_imp_case_at(ib, line, col);
        json_decref(v);
        if (rc)
            return rc;
        c = kb_jin_peek(r);
        kb_jin_get(r);
        if (c == ']')
            return KB_OK;
        if (c != ',')
            return kb_jin_fail(r, r->line, r->col,
                               c == EOF ? _("unexpected end of file") : _("',' or ']' expected"));
    }
}

static int kb_import_json_stream(kb_jin *r, kb_import_buf *ib)
{
    kb_err *e = r->e;
    const char *fname = r->fname;
    int c = kb_jin_peek(r);
    if (c != '{') { /* not an object: invalid JSON, or JSON that is no export */
        json_t *v = NULL;
        int rc = kb_jin_value(r, &v);
        json_decref(v);
        if (rc)
            return rc;
        return kb_err_set(e, KB_EDATA,
                          _("%s is not a kernboard export (\"format\": \"%s\" missing)"), fname,
                          KB_EXPORT_FORMAT);
    }
    kb_jin_get(r);
    bool seen[KB_IL_COUNT_] = {false}, fmt = false, ver = false, fmt_ok = false, ver_ok = false;
    kb_strv others = {0}; /* keys we do not read (for duplicates) */
    int rc = KB_OK;
    bool first = true;
    while (rc == KB_OK) {
        c = kb_jin_peek(r);
        if (first && c == '}') {
            kb_jin_get(r);
            break;
        }
        first = false;
        json_t *k = NULL;
        size_t kline = r->line, kcol = r->col + 1;
        if (c != '"') {
            kb_jin_get(r);
            rc = kb_jin_fail(r, r->line, r->col,
                             c == EOF ? _("unexpected end of file") : _("string or '}' expected"));
            break;
        }
        if ((rc = kb_jin_value(r, &k)))
            break;
        const char *key = json_string_value(k);
        if ((rc = kb_jin_expect(r, ':', _("':' expected")))) {
            json_decref(k);
            break;
        }
        int l = 0;
        while (l < KB_IL_COUNT_ && strcmp(key, kb_imp_list_names[l]) != 0)
            l++;
        bool dup = false;
        if (l < KB_IL_COUNT_) {
            dup = seen[l];
            seen[l] = true;
        } else if (strcmp(key, "format") == 0) {
            dup = fmt;
            fmt = true;
        } else if (strcmp(key, "format_version") == 0) {
            dup = ver;
            ver = true;
        } else {
            for (size_t i = 0; i < others.n && !dup; i++)
                dup = strcmp(others.v[i], key) == 0;
            kb_strv_push(&others, key);
        }
        if (dup) {
            rc = kb_jin_fail(r, kline, kcol, _("duplicate object key"));
        } else if (l < KB_IL_COUNT_) {
            /* an element that does not fit, before the format said this is
             * an export: say it is not one */
            rc = kb_jin_list(r, ib, (enum kb_imp_list)l);
            if (rc == KB_EDATA && !fmt_ok && !r->syntax)
                rc = kb_err_set(e, KB_EDATA,
                                _("%s is not a kernboard export (\"format\": \"%s\" missing)"),
                                fname, KB_EXPORT_FORMAT);
        } else {
            json_t *v = NULL;
            if ((rc = kb_jin_value(r, &v)) == KB_OK) {
                if (strcmp(key, "format") == 0)
                    fmt_ok =
                        json_is_string(v) && strcmp(json_string_value(v), KB_EXPORT_FORMAT) == 0;
                else if (strcmp(key, "format_version") == 0)
                    ver_ok = json_is_integer(v) && json_integer_value(v) == KB_EXPORT_VERSION;
                else if (strcmp(key, "settings") == 0 && (rc = kb_imp_settings(ib, v, e)))
                    kb_err_prefix(e, "%s: ", fname);
            }
            json_decref(v);
            if (rc == KB_OK && fmt && !fmt_ok)
                rc = kb_err_set(e, KB_EDATA,
                                _("%s is not a kernboard export (\"format\": \"%s\" missing)"),
                                fname, KB_EXPORT_FORMAT);
        }
        json_decref(k);
        if (rc)
            break;
        c = kb_jin_peek(r);
        kb_jin_get(r);
        if (c == '}')
            break;
        if (c != ',')
            rc = kb_jin_fail(r, r->line, r->col,
                             c == EOF ? _("unexpected end of file") : _("',' or '}' expected"));
    }
    kb_strv_free(&others);
    if (rc == KB_OK && (c = kb_jin_peek(r)) != EOF) {
        kb_jin_get(r);
        rc = kb_jin_fail(r, r->line, r->col, _("end of file expected"));
    }
    if (rc == KB_OK && r->f && ferror(r->f))
        rc = kb_err_set(e, KB_EIO, _("cannot read %s: %s"), fname, strerror(r->err));
    if (rc == KB_OK && !fmt_ok)
        rc = kb_err_set(e, KB_EDATA, _("%s is not a kernboard export (\"format\": \"%s\" missing)"),
                        fname, KB_EXPORT_FORMAT);
    if (rc == KB_OK && !ver_ok)
        rc = kb_err_set(e, KB_EDATA,
                        _("%s has an export format version this kernboard cannot "
                          "read (expected %d)"),
                        fname, KB_EXPORT_VERSION);
    return rc;
}

int kb_import_json_file(FILE *f, const char *fname, kb_import_buf *ib, kb_err *e)
{
    kb_jin r = {.f = f, .peek = KB_JIN_NONE, .line = 1, .fname = fname, .e = e};
    int rc = kb_import_json_stream(&r, ib);
    kb_free(&r.buf);
    return rc;
}

int kb_import_json(const char *src, size_t len, const char *fname, kb_import_buf *ib, kb_err *e)
{
    kb_jin r = {.mem = (const unsigned char *)src,
                .mend = (const unsigned char *)src + len,
                .peek = KB_JIN_NONE,
                .line = 1,
                .fname = fname,
                .e = e};
    int rc = kb_import_json_stream(&r, ib);
    kb_free(&r.buf);
    return rc;
}

/* ------------------------------------------------------------ import: csv */

typedef struct kb_csv_ctx {
    kb_strv row;
    size_t line;      /* records read */
    size_t pline;     /* the physical line being parsed (1-based; input is fed line by line) */
    size_t row_nl;    /* line breaks inside the cells of the row so far */
    int col[KB_NCSV]; /* column index per field, -1 if absent */
    int reason_col;   /* the "reason" column, -1 if absent */
    size_t rec_start; /* the line the record being read starts on */
    bool in_rec;      /* a record has started and not ended */
    bool header_done;
    kb_import_buf *ib;
    const char *fname;
    kb_err *e;
    int rc;
} kb_csv_ctx;

static void kb_csv_cb_field(void *s, size_t len, void *data)
{
    kb_csv_ctx *x = data;
    char *v = kb_strndup(s ? (const char *)s : "", len);
    size_t nl = 0; /* a quoted cell may span lines */
    for (size_t i = 0; i < len; i++)
        nl += ((const char *)s)[i] == '\n';
    x->row_nl += nl;
    if (len && memchr(s, 0, len) && x->rc == KB_OK)
        x->rc = kb_err_set(x->e, KB_EDATA, _("%s: line %zu: contains a NUL character"), x->fname,
                           x->pline - nl);
    else if (len && !kb_utf8_valid(s, len) && x->rc == KB_OK)
        x->rc =
            kb_err_set(x->e, KB_EDATA, _("%s: line %zu: not UTF-8 text"), x->fname, x->pline - nl);
    kb_strv_push(&x->row, v);
    kb_free(&v);
}

static const char *kb_csv_get(kb_csv_ctx *x, size_t field)
{
    int c = x->col[field];
    return c >= 0 && (size_t)c < x->row.n ? x->row.v[c] : "";
}

char *kb_csv_list_join(const kb_strv *v)
{
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < v->n; i++) {
        const char *s = v->v[i];
        size_t n = strlen(s);
        if (i)
            kb_buf_putc(&b, ';');
        for (size_t k = 0; k < n; k++) {
            /* the separator and the escape itself; a space where the
             * import would trim it */
            if (s[k] == ';' || s[k] == '\\' || (s[k] == ' ' && (k == 0 || k + 1 == n)))
                kb_buf_putc(&b, '\\');
            kb_buf_putc(&b, s[k]);
        }
    }
    return kb_buf_take(&b);
}

void kb_csv_list_split(kb_strv *out, const char *cell)
{
    kb_buf v = KB_BUF_INIT;
    const char *p = cell;
    while (*p) {
        kb_buf_clear(&v);
        while (*p == ' ') /* plain spaces around a value are not part of it */
            p++;
        size_t keep = 0; /* the value's length without its plain trailing spaces */
        for (; *p && *p != ';'; p++) {
            if (*p == '\\' && (p[1] == ';' || p[1] == '\\' || p[1] == ' ')) {
                kb_buf_putc(&v, *++p);
                keep = v.len;
            } else {
                kb_buf_putc(&v, *p);
                if (*p != ' ')
                    keep = v.len;
            }
        }
        if (keep) {
            char *t = kb_strndup(v.data, keep);
            kb_strv_push(out, t);
            kb_free(&t);
        }
        if (*p == ';')
            p++;
    }
    kb_buf_free(&v);
}

static void kb_csv_cb_row(int term, void *data)
{
    (void)term;
    kb_csv_ctx *x = data;
    x->line++;
    /* the row ends on the line being parsed; it started as many lines
     * before as its cells have line breaks */
    size_t start = x->pline > x->row_nl ? x->pline - x->row_nl : 1;
    x->row_nl = 0;
    x->in_rec = false;
    if (x->rc)
        goto done;
    if (!x->header_done) {
        for (size_t f = 0; f < KB_NCSV; f++)
            x->col[f] = -1;
        x->reason_col = -1;
        for (size_t c = 0; c < x->row.n; c++) {
            size_t f;
            for (f = 0; f < KB_NCSV; f++)
                if (kb_str_ieq(x->row.v[c], kb_csv_col(f)))
                    break;
            int *at = f < KB_NCSV                              ? &x->col[f]
                      : kb_str_ieq(x->row.v[c], KB_CSV_REASON) ? &x->reason_col
                                                               : NULL;
            if (!at) {
                x->rc = kb_err_set(x->e, KB_EDATA, _("%s: line %zu: unknown column '%s'"), x->fname,
                                   start, x->row.v[c]);
                goto done;
            }
            if (*at >= 0) {
                x->rc = kb_err_set(x->e, KB_EDATA,
                                   _("%s: line %zu: column '%s' appears twice (columns %d and "
                                     "%zu); give each column once"),
                                   x->fname, start, x->row.v[c], *at + 1, c + 1);
                goto done;
            }
            *at = (int)c;
        }
        if (x->col[1 + KB_F_TITLE] < 0)
            x->rc = kb_err_set(x->e, KB_EDATA, _("%s: line %zu: a 'title' column is required"),
                               x->fname, start);
        x->header_done = true;
        goto done;
    }
    kb_import *imp = &x->ib->imp;
    kb_case *c = kb_imp_push(&imp->cases, &imp->ncases, sizeof *c);
    kb_case_init(c);
    kb_imp_case_at(x->ib, start, 0);
    /* a CSV's cases are new ones, each with the reason for its stage */
    imp->new_cases = true;
    char **reason = kb_imp_push(&imp->reasons, &x->ib->nreasons, sizeof *reason);
    if (x->reason_col >= 0 && (size_t)x->reason_col < x->row.n && x->row.v[x->reason_col][0])
        *reason = kb_keep(x->ib, x->row.v[x->reason_col]);
    kb_err fe;
    const char *v;
#define KB_CSV_FAIL(...)                                                                           \
    do {                                                                                           \
        char m_[KB_ERR_MSG_MAX];                                                                   \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                      \
        x->rc = kb_err_set(x->e, KB_EDATA, _("%s: line %zu: %s"), x->fname, start, m_);            \
        goto done;                                                                                 \
    } while (0)
    v = kb_csv_get(x, 0);
    if (v[0] && kb_case_number_parse(v, &c->number, &fe))
        KB_CSV_FAIL("%s", fe.msg);
    for (int f = 0; f < KB_F_COUNT; f++) {
        const kb_field_desc *d = kb_case_field((enum kb_field_id)f);
        v = kb_csv_get(x, 1 + (size_t)f);
        if (d->list) /* CSV lists are joined with ';' */
            kb_csv_list_split(kb_case_field_list(c, d->id), v);
        else if (v[0] && kb_case_field_parse(c, d->id, v, &fe))
            KB_CSV_FAIL("%s", fe.msg);
    }
    if (!c->title)
        c->title = kb_strdup("");
    if ((v = kb_csv_get(x, KB_F_COUNT + 1))[0] && kb_time_parse(v, &c->created, &fe))
        KB_CSV_FAIL("%s", fe.msg);
    if ((v = kb_csv_get(x, KB_F_COUNT + 2))[0] && kb_time_parse(v, &c->updated, &fe))
        KB_CSV_FAIL("%s", fe.msg);
    if (c->created && !c->updated)
        c->updated = c->created;
#undef KB_CSV_FAIL
done:
    kb_strv_free(&x->row);
}

/* The start of a CSV file as spreadsheets write it: a UTF-8 byte order
 * mark (Excel's "CSV UTF-8") is skipped; a header line with semicolons
 * and no comma (Excel where the decimal separator is a comma, as in Dutch
 * settings) makes ';' the separator.  data: the first chunk. */
static void kb_csv_start(struct csv_parser *p, const char **data, size_t *n)
{
    static const char bom[] = "\xEF\xBB\xBF";
    if (!*data)
        return;
    if (*n >= 3 && memcmp(*data, bom, 3) == 0) {
        *data += 3;
        *n -= 3;
    }
    const char *eol = memchr(*data, '\n', *n);
    size_t h = eol ? (size_t)(eol - *data) : *n;
    if (!memchr(*data, ',', h) && memchr(*data, ';', h))
        csv_set_delim(p, ';');
}

/* libcsv refused the input (at_end: at the end of the file): say what is
 * wrong in a spreadsheet user's words, naming the line the case starts
 * on (and the line of the error when that is a later one). */
static int kb_csv_fail(kb_csv_ctx *x, struct csv_parser *p, bool at_end)
{
    int err = csv_error(p);
    size_t start = x->in_rec && x->rec_start ? x->rec_start : x->pline;
    if (err == CSV_ETOOBIG)
        return kb_err_set(x->e, KB_EDATA, _("%s: line %zu: a cell is too big"), x->fname, start);
    if (err != CSV_EPARSE)
        return kb_err_set(x->e, KB_EDATA, _("%s: line %zu: not valid CSV"), x->fname, start);
    if (at_end)
        return kb_err_set(x->e, KB_EDATA,
                          _("%s: line %zu: a quoted cell is never closed: a '\"' is missing "
                            "(a '\"' inside a cell is written twice)"),
                          x->fname, start);
    if (start < x->pline)
        return kb_err_set(x->e, KB_EDATA,
                          _("%s: line %zu: a '\"' in the wrong place, in the case that starts on "
                            "line %zu: quote a whole cell and write a '\"' inside it twice"),
                          x->fname, x->pline, start);
    return kb_err_set(x->e, KB_EDATA,
                      _("%s: line %zu: a '\"' in the wrong place: quote a whole cell and write a "
                        "'\"' inside it twice"),
                      x->fname, x->pline);
}

/* Feed the CSV parser from memory (src) or from f, in chunks. */
static int kb_import_csv_run(FILE *f, const char *src, size_t len, const char *fname,
                             kb_import_buf *ib, kb_err *e)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return kb_err_set(e, KB_ESOFTWARE, "csv_init failed");
    kb_csv_ctx x = {.ib = ib, .fname = fname, .e = e, .pline = 1};
    char chunk[1 << 16];
    bool first = true;
    for (bool more = true; more && x.rc == KB_OK;) {
        const char *data = src;
        size_t n = len;
        if (f) {
            n = fread(chunk, 1, sizeof chunk, f);
            data = chunk;
            more = n == sizeof chunk;
            if (!more && ferror(f)) {
                x.rc = kb_err_set(e, KB_EIO, _("cannot read %s: %s"), fname, strerror(errno));
                break;
            }
        } else {
            more = false;
        }
        if (first) {
            kb_csv_start(&p, &data, &n);
            first = false;
        }
        /* line by line, so the callbacks know the physical line */
        while (n && x.rc == KB_OK) {
            const char *eol = memchr(data, '\n', n);
            size_t k = eol ? (size_t)(eol - data) + 1 : n;
            /* a line with more than a line break starts a record, unless
             * one is open (a quoted cell with line breaks) */
            size_t blank = 0;
            while (blank < k && (data[blank] == '\r' || data[blank] == '\n'))
                blank++;
            if (!x.in_rec && blank < k) {
                x.in_rec = true;
                x.rec_start = x.pline;
            }
            if (csv_parse(&p, data, k, kb_csv_cb_field, kb_csv_cb_row, &x) != k && x.rc == KB_OK)
                x.rc = kb_csv_fail(&x, &p, false);
            if (eol)
                x.pline++;
            data += k;
            n -= k;
        }
    }
    if (x.rc == KB_OK && csv_fini(&p, kb_csv_cb_field, kb_csv_cb_row, &x) != 0 && x.rc == KB_OK)
        x.rc = kb_csv_fail(&x, &p, true);
    csv_free(&p);
    kb_strv_free(&x.row);
    if (x.rc == KB_OK && !x.header_done)
        x.rc = kb_err_set(e, KB_EDATA, _("%s is empty: expected a header line"), fname);
    return x.rc;
}

int kb_import_csv(const char *text, size_t len, const char *fname, kb_import_buf *ib, kb_err *e)
{
    return kb_import_csv_run(NULL, text, len, fname, ib, e);
}

int kb_import_csv_file(FILE *f, const char *fname, kb_import_buf *ib, kb_err *e)
{
    return kb_import_csv_run(f, NULL, 0, fname, ib, e);
}
