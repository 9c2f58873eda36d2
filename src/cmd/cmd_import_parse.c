/*
 * cli_import_parse.c - JSON exports and CSV case lists turned into a
 * kb_import (no board access: the core checks and writes it).  Split from
 * cli_transfer.c so the parsers can be fuzzed on their own
 * (tests/fuzz/fuzz_import.c).
 */
#include "cmd_import.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <csv.h>
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
    kb_free(&ib->imp.cases);
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

static int kb_jarray(kb_err *e, json_t *doc, const char *key, json_t **out)
{
    *out = json_object_get(doc, key);
    if (!*out || json_is_null(*out)) {
        *out = NULL;
        return KB_OK;
    }
    if (!json_is_array(*out))
        return kb_err_set(e, KB_EDATA, _("%s: expected a list"), key);
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

int kb_import_json(const char *src, size_t len, const char *fname, kb_import_buf *ib, kb_err *e)
{
    json_error_t je;
    json_t *doc = json_loadb(src, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return kb_err_set(e, KB_EDATA, _("%s:%d:%d: not valid JSON: %s"), fname, je.line, je.column,
                          je.text);
    int rc = KB_OK;
    json_t *fmt = json_is_object(doc) ? json_object_get(doc, "format") : NULL;
    if (!fmt || !json_is_string(fmt) || strcmp(json_string_value(fmt), KB_EXPORT_FORMAT) != 0) {
        rc = kb_err_set(e, KB_EDATA, _("%s is not a kernboard export (\"format\": \"%s\" missing)"),
                        fname, KB_EXPORT_FORMAT);
        goto out;
    }
    json_t *fv = json_object_get(doc, "format_version");
    if (!json_is_integer(fv) || json_integer_value(fv) != KB_EXPORT_VERSION) {
        rc = kb_err_set(e, KB_EDATA,
                        _("%s has an export format version this kernboard cannot "
                          "read (expected %d)"),
                        fname, KB_EXPORT_VERSION);
        goto out;
    }
    char path[64];
    kb_jctx j = {e, path};
    json_t *arr, *o;
    size_t i;
    kb_import *imp = &ib->imp;
    if ((rc = kb_jarray(e, doc, "departments", &arr)))
        goto out;
    if (arr) {
        imp->depts = kb_calloc(json_array_size(arr) + 1, sizeof *imp->depts);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "departments[%zu]", i);
            const char *code, *name, *colour;
            if ((rc = kb_jstr(&j, o, "code", true, &code)) ||
                (rc = kb_jstr(&j, o, "name", true, &name)) ||
                (rc = kb_jstr(&j, o, "colour", false, &colour)))
                goto out;
            kb_dept *d = &imp->depts[imp->ndepts++];
            d->code = kb_keep(ib, code);
            d->name = kb_keep(ib, name);
            d->colour = colour ? kb_keep(ib, colour) : NULL;
        }
    }
    if ((rc = kb_jarray(e, doc, "stages", &arr)))
        goto out;
    if (arr) {
        imp->stages = kb_calloc(json_array_size(arr) + 1, sizeof *imp->stages);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "stages[%zu]", i);
            const char *code, *name;
            long long pos = 0, wip = 0, norm = 0;
            bool reason = false;
            if ((rc = kb_jstr(&j, o, "code", true, &code)) ||
                (rc = kb_jstr(&j, o, "name", true, &name)) ||
                (rc = kb_jint(&j, o, "position", 1, 1000, true, &pos)) ||
                (rc = kb_jint(&j, o, "wip_limit", 0, 10000, false, &wip)) ||
                (rc = kb_jint(&j, o, "norm_days", 0, 3650, false, &norm)) ||
                (rc = kb_jbool(&j, o, "needs_reason", &reason)))
                goto out;
            kb_stage *s = &imp->stages[imp->nstages++];
            s->code = kb_keep(ib, code);
            s->name = kb_keep(ib, name);
            s->position = (int)pos;
            s->wip_limit = (int)wip;
            if ((rc = kb_jstrv(&j, o, "dept_wip", &s->dept_wip)))
                goto out;
            s->norm_days = (int)norm;
            s->needs_reason = reason;
        }
    }
    if ((rc = kb_jarray(e, doc, "action_lines", &arr)))
        goto out;
    if (arr) {
        imp->lines = kb_calloc(json_array_size(arr) + 1, sizeof *imp->lines);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "action_lines[%zu]", i);
            const char *code, *name;
            if ((rc = kb_jstr(&j, o, "code", true, &code)) ||
                (rc = kb_jstr(&j, o, "name", true, &name)))
                goto out;
            kb_line *l = &imp->lines[imp->nlines++];
            l->code = kb_keep(ib, code);
            l->name = kb_keep(ib, name);
        }
    }
    if ((rc = kb_jarray(e, doc, "goals", &arr))) /* absent in older exports */
        goto out;
    if (arr) {
        imp->goals = kb_calloc(json_array_size(arr) + 1, sizeof *imp->goals);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "goals[%zu]", i);
            const char *code, *text, *dept;
            if ((rc = kb_jstr(&j, o, "code", true, &code)) ||
                (rc = kb_jstr(&j, o, "text", true, &text)) ||
                (rc = kb_jstr(&j, o, "dept", true, &dept)))
                goto out;
            kb_goal *g = &imp->goals[imp->ngoals++];
            g->code = kb_keep(ib, code);
            g->text = kb_keep(ib, text);
            g->dept = kb_keep(ib, dept);
        }
    }
    if ((rc = kb_jarray(e, doc, "cases", &arr)))
        goto out;
    if (arr) {
        size_t ncomments = 0;
        imp->cases = kb_calloc(json_array_size(arr) + 1, sizeof *imp->cases);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "cases[%zu]", i);
            kb_case *c = &imp->cases[imp->ncases];
            kb_case_init(c);
            imp->ncases++;
            if ((rc = kb_import_json_case(ib, &j, o, c)))
                goto out;
            json_t *tl = json_object_get(o, "timeline");
            if (tl && !json_is_array(tl)) {
                rc = kb_jfail(&j, "timeline", _("expected a list"));
                goto out;
            }
            if (tl && !c->number) {
                rc = kb_jfail(&j, "id", _("a case with a timeline needs its id"));
                goto out;
            }
            size_t k;
            json_t *x;
            json_array_foreach(tl, k, x)
            {
                imp->comments =
                    kb_reallocarray(imp->comments, ncomments + 1, sizeof *imp->comments);
                kb_comment *cm = &imp->comments[ncomments++];
                memset(cm, 0, sizeof *cm);
                imp->ncomments = ncomments;
                char tpath[96];
                snprintf(tpath, sizeof tpath, "cases[%zu].timeline[%zu]", i, k);
                kb_jctx tj = {e, tpath};
                const char *kind, *author, *text, *mfrom = NULL, *mto = NULL, *reason = NULL;
                long long us = 0;
                if (!json_is_object(x)) {
                    rc = kb_err_set(e, KB_EDATA, _("%s: expected an object"), tpath);
                    goto out;
                }
                if ((rc = kb_jstr(&tj, x, "kind", true, &kind)) ||
                    (rc = kb_jstr(&tj, x, "author", true, &author)) ||
                    (rc = kb_jstr(&tj, x, "text", true, &text)) ||
                    (rc = kb_jtime(&tj, x, "time", &cm->time)) ||
                    (rc = kb_jint(&tj, x, "time_us", 0, INT64_MAX, false, &us)) ||
                    (rc = kb_jstr(&tj, x, "move_from", false, &mfrom)) ||
                    (rc = kb_jstr(&tj, x, "move_to", false, &mto)) ||
                    (rc = kb_jstr(&tj, x, "reason", false, &reason)))
                    goto out;
                if (strcmp(kind, "comment") && strcmp(kind, "change")) {
                    rc = kb_jfail(&tj, "kind", _("use comment or change"));
                    goto out;
                }
                cm->case_number = c->number;
                cm->kind = strcmp(kind, "comment") == 0 ? KB_ENTRY_COMMENT : KB_ENTRY_CHANGE;
                cm->author = kb_keep(ib, author);
                cm->text = kb_keep(ib, text);
                cm->time_us = us;
                cm->move_from = mfrom ? kb_keep(ib, mfrom) : NULL;
                cm->move_to = mto ? kb_keep(ib, mto) : NULL;
                cm->reason = reason ? kb_keep(ib, reason) : NULL;
            }
        }
    }
    if ((rc = kb_jarray(e, doc, "actions", &arr)))
        goto out;
    if (arr) {
        imp->actions = kb_calloc(json_array_size(arr) + 1, sizeof *imp->actions);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "actions[%zu]", i);
            kb_action_item *a = &imp->actions[imp->nactions++];
            kb_action_item_init(a);
            long long num = 0, cs = 0;
            const char *text, *owner;
            if ((rc = kb_jint(&j, o, "id", 0, UINT32_MAX, false, &num)) ||
                (rc = kb_jint(&j, o, "case", 1, UINT32_MAX, true, &cs)) ||
                (rc = kb_jstr(&j, o, "text", true, &text)) ||
                (rc = kb_jstr(&j, o, "owner", true, &owner)) ||
                (rc = kb_jdate(&j, o, "due", &a->due)) ||
                (rc = kb_jbool(&j, o, "done", &a->done)) ||
                (rc = kb_jtime(&j, o, "created", &a->created)))
                goto out;
            a->number = (uint32_t)num;
            a->case_number = (uint32_t)cs;
            a->text = kb_keep(ib, text);
            a->owner = kb_keep(ib, owner);
        }
    }
    if ((rc = kb_jarray(e, doc, "links", &arr)))
        goto out;
    if (arr) {
        imp->links = kb_calloc(json_array_size(arr) + 1, sizeof *imp->links);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "links[%zu]", i);
            long long from = 0, to = 0;
            const char *kind;
            kb_link *l = &imp->links[imp->nlinks++];
            memset(l, 0, sizeof *l);
            if ((rc = kb_jint(&j, o, "from", 1, UINT32_MAX, true, &from)) ||
                (rc = kb_jint(&j, o, "to", 1, UINT32_MAX, true, &to)) ||
                (rc = kb_jstr(&j, o, "kind", true, &kind)))
                goto out;
            if (kb_link_kind_parse(kind, &l->kind, NULL)) {
                rc = kb_jfail(&j, "kind", _("use related, duplicate or blocks"));
                goto out;
            }
            l->from = (uint32_t)from;
            l->to = (uint32_t)to;
        }
    }
    if ((rc = kb_jarray(e, doc, "organisations", &arr)))
        goto out;
    if (arr) {
        imp->orgs = kb_calloc(json_array_size(arr) + 1, sizeof *imp->orgs);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "organisations[%zu]", i);
            const char *name, *kind, *contact, *notes;
            kb_org *g = &imp->orgs[imp->norgs++];
            if ((rc = kb_jstr(&j, o, "name", true, &name)) ||
                (rc = kb_jstr(&j, o, "kind", false, &kind)) ||
                (rc = kb_jstr(&j, o, "contact", false, &contact)) ||
                (rc = kb_jstr(&j, o, "notes", false, &notes)))
                goto out;
            if (kind && kb_org_kind_parse(kind, &g->kind, NULL)) {
                rc = kb_jfail(&j, "kind",
                              _("use entrepreneur, foundation, partner, government "
                                "or other"));
                goto out;
            }
            g->name = kb_keep(ib, name);
            g->contact = contact ? kb_keep(ib, contact) : NULL;
            g->notes = notes ? kb_keep(ib, notes) : NULL;
        }
    }
    if ((rc = kb_jarray(e, doc, "contacts", &arr)))
        goto out;
    if (arr) {
        imp->contacts = kb_calloc(json_array_size(arr) + 1, sizeof *imp->contacts);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "contacts[%zu]", i);
            const char *org, *dept, *user, *purpose;
            kb_contact *c = &imp->contacts[imp->ncontacts++];
            c->date = KB_DATE_NONE;
            if ((rc = kb_jstr(&j, o, "org", true, &org)) ||
                (rc = kb_jstr(&j, o, "dept", true, &dept)) ||
                (rc = kb_jstr(&j, o, "user", false, &user)) ||
                (rc = kb_jstr(&j, o, "purpose", false, &purpose)) ||
                (rc = kb_jdate(&j, o, "date", &c->date)))
                goto out;
            c->org = kb_keep(ib, org);
            c->dept = kb_keep(ib, dept);
            c->user = user ? kb_keep(ib, user) : NULL;
            c->purpose = purpose ? kb_keep(ib, purpose) : NULL;
        }
    }
    if ((rc = kb_jarray(e, doc, "meetings", &arr)))
        goto out;
    if (arr) {
        imp->meetings = kb_calloc(json_array_size(arr) + 1, sizeof *imp->meetings);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "meetings[%zu]", i);
            kb_meeting *m = &imp->meetings[imp->nmeetings++];
            kb_meeting_init(m);
            long long num = 0;
            const char *minutes;
            if ((rc = kb_jint(&j, o, "id", 1, UINT32_MAX, true, &num)) ||
                (rc = kb_jdate(&j, o, "date", &m->date)) ||
                (rc = kb_jstrv(&j, o, "attendees", &m->attendees)) ||
                (rc = kb_jstr(&j, o, "minutes", false, &minutes)))
                goto out;
            m->number = (uint32_t)num;
            m->minutes = minutes ? kb_strdup(minutes) : NULL;
            json_t *ag = json_object_get(o, "agenda");
            if (ag && !json_is_array(ag)) {
                rc = kb_jfail(&j, "agenda", _("expected a list of case numbers"));
                goto out;
            }
            size_t k;
            json_t *x;
            json_array_foreach(ag, k, x)
            {
                if (!json_is_integer(x) || json_integer_value(x) < 1 ||
                    json_integer_value(x) > UINT32_MAX) {
                    rc = kb_jfail(&j, "agenda", _("expected a list of case numbers"));
                    goto out;
                }
                kb_u32v_push(&m->agenda, (uint32_t)json_integer_value(x));
            }
            if ((rc = kb_import_meeting_mode(&j, o, m)))
                goto out;
        }
    }
    if ((rc = kb_jarray(e, doc, "decisions", &arr)))
        goto out;
    if (arr) {
        imp->decisions = kb_calloc(json_array_size(arr) + 1, sizeof *imp->decisions);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "decisions[%zu]", i);
            kb_decision *d = &imp->decisions[imp->ndecisions++];
            long long num = 0, cs = 0, mt = 0;
            const char *text, *author;
            if ((rc = kb_jint(&j, o, "id", 1, UINT32_MAX, true, &num)) ||
                (rc = kb_jint(&j, o, "case", 1, UINT32_MAX, true, &cs)) ||
                (rc = kb_jint(&j, o, "meeting", 0, UINT32_MAX, false, &mt)) ||
                (rc = kb_jstr(&j, o, "text", true, &text)) ||
                (rc = kb_jstr(&j, o, "author", true, &author)) ||
                (rc = kb_jtime(&j, o, "time", &d->time)))
                goto out;
            d->number = (uint32_t)num;
            d->case_number = (uint32_t)cs;
            d->meeting = (uint32_t)mt;
            d->text = kb_keep(ib, text);
            d->author = kb_keep(ib, author);
        }
    }
out:
    /* action items and comments borrow their strings from ib->strings */
    json_decref(doc);
    return rc;
}

/* ------------------------------------------------------------ import: csv */

typedef struct kb_csv_ctx {
    kb_strv row;
    size_t line;
    int col[KB_NCSV]; /* column index per field, -1 if absent */
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
    if (len && memchr(s, 0, len) && x->rc == KB_OK)
        x->rc = kb_err_set(x->e, KB_EDATA, _("%s: line %zu: contains a NUL character"), x->fname,
                           x->line + 1);
    kb_strv_push(&x->row, v);
    kb_free(&v);
}

static const char *kb_csv_get(kb_csv_ctx *x, size_t field)
{
    int c = x->col[field];
    return c >= 0 && (size_t)c < x->row.n ? x->row.v[c] : "";
}

static void kb_csv_split(kb_strv *out, const char *s)
{
    const char *p = s;
    while (*p) {
        const char *q = strchr(p, ';');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if (n) {
            char *t = kb_strndup(p, n);
            kb_strv_push(out, t);
            kb_free(&t);
        }
        if (!q)
            break;
        p = q + 1;
    }
}

static void kb_csv_cb_row(int term, void *data)
{
    (void)term;
    kb_csv_ctx *x = data;
    x->line++;
    if (x->rc)
        goto done;
    if (!x->header_done) {
        for (size_t f = 0; f < KB_NCSV; f++)
            x->col[f] = -1;
        for (size_t c = 0; c < x->row.n; c++) {
            size_t f;
            for (f = 0; f < KB_NCSV; f++)
                if (kb_str_ieq(x->row.v[c], kb_csv_col(f)))
                    break;
            if (f == KB_NCSV) {
                x->rc = kb_err_set(x->e, KB_EDATA, _("%s: line 1: unknown column '%s'"), x->fname,
                                   x->row.v[c]);
                goto done;
            }
            x->col[f] = (int)c;
        }
        if (x->col[1 + KB_F_TITLE] < 0)
            x->rc =
                kb_err_set(x->e, KB_EDATA, _("%s: line 1: a 'title' column is required"), x->fname);
        x->header_done = true;
        goto done;
    }
    kb_import *imp = &x->ib->imp;
    imp->cases = kb_reallocarray(imp->cases, imp->ncases + 1, sizeof *imp->cases);
    kb_case *c = &imp->cases[imp->ncases++];
    kb_case_init(c);
    kb_err fe;
    const char *v;
#define KB_CSV_FAIL(...)                                                                           \
    do {                                                                                           \
        char m_[KB_ERR_MSG_MAX];                                                                   \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                      \
        x->rc = kb_err_set(x->e, KB_EDATA, _("%s: line %zu: %s"), x->fname, x->line, m_);          \
        goto done;                                                                                 \
    } while (0)
    v = kb_csv_get(x, 0);
    if (v[0] && kb_case_number_parse(v, &c->number, &fe))
        KB_CSV_FAIL("%s", fe.msg);
    for (int f = 0; f < KB_F_COUNT; f++) {
        const kb_field_desc *d = kb_case_field((enum kb_field_id)f);
        v = kb_csv_get(x, 1 + (size_t)f);
        if (d->list) /* CSV lists are joined with ';' */
            kb_csv_split(kb_case_field_list(c, d->id), v);
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

int kb_import_csv(const char *text, size_t len, const char *fname, kb_import_buf *ib, kb_err *e)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return kb_err_set(e, KB_ESOFTWARE, "csv_init failed");
    kb_csv_ctx x = {.ib = ib, .fname = fname, .e = e};
    if (csv_parse(&p, text, len, kb_csv_cb_field, kb_csv_cb_row, &x) != len && x.rc == KB_OK)
        x.rc = kb_err_set(e, KB_EDATA, _("%s: line %zu: not valid CSV: %s"), fname, x.line + 1,
                          csv_strerror(csv_error(&p)));
    if (x.rc == KB_OK && csv_fini(&p, kb_csv_cb_field, kb_csv_cb_row, &x) != 0 && x.rc == KB_OK)
        x.rc = kb_err_set(e, KB_EDATA, _("%s: line %zu: not valid CSV: %s"), fname, x.line + 1,
                          csv_strerror(csv_error(&p)));
    csv_free(&p);
    kb_strv_free(&x.row);
    if (x.rc == KB_OK && !x.header_done)
        x.rc = kb_err_set(e, KB_EDATA, _("%s is empty: expected a header line"), fname);
    return x.rc;
}
