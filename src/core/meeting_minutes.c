/* meeting_minutes.c - the Markdown minutes ("notulen") of a meeting, in the
 * reader's language.  Case descriptions never go into the minutes; for a
 * confidential case only its number and title do (decision and action
 * item texts too are left out) unless the caller asks for them. */
#include "core_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void kb_md(kb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kb_md(kb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    char *s = kb_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    kb_buf_append(b, s, (size_t)n);
    kb_free(&s);
}

static const kb_user *kb_user_of(const kb_user_vec *uv, const char *name)
{
    for (size_t i = 0; name && i < uv->n; i++)
        if (strcmp(uv->v[i].name, name) == 0)
            return &uv->v[i];
    return NULL;
}

/* "bob (ECO)" or "bob" */
static char *kb_owner_label(const kb_user_vec *uv, const char *name)
{
    const kb_user *u = kb_user_of(uv, name);
    if (u && u->depts.n) {
        char *d = kb_strv_join(&u->depts, ", ");
        char *s = kb_asprintf("%s (%s)", name, d);
        kb_free(&d);
        return s;
    }
    return kb_strdup(name ? name : "-");
}

static const char *kb_why_label(const char *code)
{
    if (strcmp(code, "agenda") == 0)
        return _("on the agenda");
    if (strcmp(code, "new") == 0)
        return _("new signal");
    if (strcmp(code, "moved") == 0)
        return _("changed stage");
    if (strcmp(code, "stuck") == 0)
        return _("past its stage norm");
    if (strcmp(code, "actions") == 0)
        return _("overdue action items");
    if (strcmp(code, "decided") == 0)
        return _("decided in the meeting");
    if (strcmp(code, "added") == 0)
        return _("added by the chair");
    return code;
}

/* "new signal, changed stage" from "new,moved" (new string). */
char *kb_meeting_why_text(const char *why)
{
    kb_strv parts = {0};
    kb_strv_split(&parts, why ? why : "");
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < parts.n; i++)
        kb_md(&b, "%s%s", i ? ", " : "", kb_why_label(parts.v[i]));
    kb_buf_append(&b, "", 1);
    kb_strv_free(&parts);
    char *s = kb_strdup(b.data);
    kb_buf_free(&b);
    return s;
}

static const kb_case *kb_case_of(const kb_case_vec *cv, uint32_t n)
{
    for (size_t i = 0; i < cv->n; i++)
        if (cv->v[i].number == n)
            return &cv->v[i];
    return NULL;
}

static bool kb_in(const kb_u32v *v, uint32_t x)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i] == x)
            return true;
    return false;
}

static void kb_md_minutes(kb_buf *b, const kb_meeting *m, const kb_case_vec *cv,
                          const kb_user_vec *uv, const kb_decision_vec *dv, const kb_action_vec *av,
                          const kb_board *bd, bool include_conf)
{
    kb_time now = kb_board_now(bd);
    char date[KB_DATE_STRLEN];
    kb_date_format(m->date, date);
    kb_md(b, _("# Minutes of meeting M%u, %s"), m->number, date);
    kb_md(b, "\n\n");
    if (m->chair)
        kb_md(b, "- %s: %s\n", _("Chair"), m->chair);
    if (m->started) {
        char hm[6];
        kb_time_format_hhmm(m->started, hm);
        kb_md(b, "- %s: %s\n", _("Started"), hm);
    }
    if (m->ended) {
        char hm[6];
        kb_time_format_hhmm(m->ended, hm);
        kb_md(b, "- %s: %s (%lld %s)\n", _("Ended"), hm,
              (long long)((m->ended - m->started + 59) / 60), _("min"));
    }
    kb_md(b, "\n## %s\n\n", _("Attendance"));
    if (!m->attendees.n && !m->guests.n)
        kb_md(b, "- %s\n", _("(nobody recorded)"));
    for (size_t i = 0; i < m->attendees.n; i++) {
        const kb_user *u = kb_user_of(uv, m->attendees.v[i]);
        char *who = kb_owner_label(uv, m->attendees.v[i]);
        if (u && u->display && u->display[0])
            kb_md(b, "- %s, %s\n", u->display, who);
        else
            kb_md(b, "- %s\n", who);
        kb_free(&who);
    }
    for (size_t i = 0; i < m->guests.n; i++)
        kb_md(b, "- %s (%s)\n", m->guests.v[i], _("guest"));

    kb_md(b, "\n## %s\n\n", _("Since the last meeting"));
    size_t nsince = 0;
    for (size_t i = 0; i < m->agenda.n; i++) {
        const char *why = i < m->why.n ? m->why.v[i] : "";
        if (!strstr(why, "new") && !strstr(why, "moved") && !strstr(why, "stuck") &&
            !strstr(why, "actions"))
            continue;
        const kb_case *c = kb_case_of(cv, m->agenda.v[i]);
        const kb_stage *st = c ? kb_board_stage_find(bd, c->stage) : NULL;
        char *wt = kb_meeting_why_text(why);
        kb_md(b, "- #%u %s: %s; %s %s\n", m->agenda.v[i], c && c->title ? c->title : "?", wt,
              _("stage"), st ? st->name : (c && c->stage ? c->stage : "-"));
        kb_free(&wt);
        nsince++;
    }
    if (!nsince)
        kb_md(b, "- %s\n", _("(nothing changed)"));

    kb_md(b, "\n## %s\n", _("Agenda"));
    for (size_t i = 0; i < m->agenda.n; i++) {
        uint32_t cn = m->agenda.v[i];
        const kb_case *c = kb_case_of(cv, cn);
        bool masked = c && c->conf == KB_CONF_CONFIDENTIAL && !include_conf;
        uint32_t spent = kb_meeting_item_seconds(m, i, m->ended ? m->ended : now);
        kb_md(b, "\n### %zu. #%u %s\n\n", i + 1, cn, c && c->title ? c->title : "?");
        if (m->state != KB_MEETING_RECORDED)
            kb_md(b, "%s: %u %s, %s: %u:%02u\n\n", _("Planned"),
                  (i < m->plan.n ? m->plan.v[i] : 0) / 60, _("min"), _("spent"), spent / 60,
                  spent % 60);
        if (masked)
            kb_md(b, "_%s_\n\n", _("Confidential: details left out."));
        size_t nd = 0, na = 0;
        for (size_t k = 0; k < dv->n; k++) {
            if (dv->v[k].case_number != cn)
                continue;
            kb_md(b, "- %s D%u: %s\n", _("Decision"), dv->v[k].number,
                  masked ? _("(confidential)") : dv->v[k].text);
            nd++;
        }
        for (size_t k = 0; k < av->n; k++) {
            const kb_action_item *a = &av->v[k];
            if (a->case_number != cn || !kb_in(&m->actions, a->number))
                continue;
            char due[KB_DATE_STRLEN];
            kb_date_format(a->due, due);
            char *who = kb_owner_label(uv, a->owner);
            kb_md(b, "- %s A%u: %s; %s %s; %s %s\n", _("Action item"), a->number,
                  masked ? _("(confidential)") : a->text, _("owner"), who, _("due"),
                  due[0] ? due : "-");
            kb_free(&who);
            na++;
        }
        if (!nd && !na)
            kb_md(b, "- %s\n", _("No decision."));
    }

    kb_md(b, "\n## %s\n", _("Action items per owner"));
    kb_strv owners = {0};
    for (size_t k = 0; k < av->n; k++)
        if (kb_in(&m->actions, av->v[k].number) && av->v[k].owner &&
            !kb_strv_contains(&owners, av->v[k].owner))
            kb_strv_push(&owners, av->v[k].owner);
    if (!owners.n)
        kb_md(b, "\n- %s\n", _("(none)"));
    for (size_t o = 0; o < owners.n; o++) {
        char *who = kb_owner_label(uv, owners.v[o]);
        kb_md(b, "\n### %s\n\n", who);
        kb_free(&who);
        for (size_t k = 0; k < av->n; k++) {
            const kb_action_item *a = &av->v[k];
            if (!kb_in(&m->actions, a->number) || !a->owner || strcmp(a->owner, owners.v[o]))
                continue;
            const kb_case *c = kb_case_of(cv, a->case_number);
            bool masked = c && c->conf == KB_CONF_CONFIDENTIAL && !include_conf;
            char due[KB_DATE_STRLEN];
            kb_date_format(a->due, due);
            kb_md(b, "- A%u #%u: %s; %s %s\n", a->number, a->case_number,
                  masked ? _("(confidential)") : a->text, _("due"), due[0] ? due : "-");
        }
    }
    kb_strv_free(&owners);
}

int kb_board_meeting_minutes(kb_board *b, uint32_t number, bool include_conf, char **out, kb_err *e)
{
    *out = NULL;
    kb_meeting m;
    kb_case_vec cv = {0};
    kb_user_vec uv = {0};
    kb_decision_vec dv = {0};
    kb_action_vec av = {0};
    int rc = kb_board_meeting_get(b, number, &m, e);
    if (rc == KB_OK)
        rc = kb_board_case_list(b, &cv, e);
    if (rc == KB_OK)
        rc = kb_board_user_list(b, &uv, e);
    if (rc == KB_OK)
        rc = kb_board_decision_list(b, 0, number, &dv, e);
    if (rc == KB_OK)
        rc = kb_board_action_list(b, 0, &av, e);
    if (rc == KB_OK) {
        kb_meeting_items_fix(&m, KB_MEETING_DEFAULT_PLAN);
        kb_buf buf = KB_BUF_INIT;
        kb_md_minutes(&buf, &m, &cv, &uv, &dv, &av, b, include_conf);
        kb_buf_append(&buf, "", 1);
        *out = kb_strdup(buf.data);
        kb_buf_free(&buf);
    }
    kb_meeting_free(&m);
    kb_case_vec_free(&cv);
    kb_user_vec_free(&uv);
    kb_decision_vec_free(&dv);
    kb_action_vec_free(&av);
    return rc;
}
