/* view_case.c - one case: every field, the description and the timeline
 * (comments and changes).  Read-only while someone else edits the case;
 * comments are always possible. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* A rendered line of the case view. */
typedef struct kb_vline {
    char *text;
    kb_style st;
    int x;
} kb_vline;

typedef struct kb_vlines {
    kb_vline *v;
    size_t n;
} kb_vlines;

static void kb_vl_add(kb_vlines *l, int x, const char *text, kb_style st)
{
    l->v = kb_reallocarray(l->v, l->n + 1, sizeof *l->v);
    l->v[l->n].text = kb_strdup(text);
    l->v[l->n].st = st;
    l->v[l->n].x = x;
    l->n++;
}

static void kb_vl_wrap(kb_vlines *l, int x, int width, const char *text, kb_style st, bool utf8)
{
    kb_strv w = {0};
    kb_tui_wrap(text, width, utf8, &w);
    for (size_t i = 0; i < w.n; i++)
        kb_vl_add(l, x, w.v[i], st);
    kb_strv_free(&w);
}

static void kb_vl_free(kb_vlines *l)
{
    for (size_t i = 0; i < l->n; i++)
        kb_free(&l->v[i].text);
    kb_free(&l->v);
    l->n = 0;
}

static void kb_cv_free(kb_tui_case_view *cv)
{
    kb_case_free(&cv->c);
    kb_case_init(&cv->c);
    kb_comment_vec_free(&cv->tl);
    kb_action_vec_free(&cv->actions);
    kb_link_vec_free(&cv->links);
    kb_decision_vec_free(&cv->decisions);
    kb_goal_vec_free(&cv->goals);
    cv->loaded = false;
}

/* Take the data into cv (the scroll position is kept). */
static void kb_cv_store(kb_tui_case_view *cv, kb_case *c, kb_comment_vec *tl,
                        kb_action_vec *actions, kb_link_vec *links)
{
    kb_cv_free(cv);
    if (actions) {
        cv->actions = *actions;
        memset(actions, 0, sizeof *actions);
    }
    if (links) {
        cv->links = *links;
        memset(links, 0, sizeof *links);
    }
    cv->c = *c;
    kb_case_init(c);
    if (tl) {
        cv->tl = *tl;
        memset(tl, 0, sizeof *tl);
    }
    cv->number = cv->c.number;
    cv->loaded = true;
}

static int kb_case_load(kb_tui_app *a, kb_tui_case_view *cv, uint32_t number, kb_err *e)
{
    kb_case c;
    kb_case_init(&c);
    kb_comment_vec tl = {0};
    kb_action_vec av = {0};
    kb_link_vec lv = {0};
    kb_decision_vec dv = {0};
    kb_goal_vec gv = {0};
    if (a->board) {
        /* one read snapshot of the case and everything around it */
        kb_case_detail d;
        int rc = kb_board_case_detail(a->board, number, &d, e);
        if (rc)
            return rc;
        c = d.c;
        tl = d.timeline;
        av = d.actions;
        lv = d.links;
        dv = d.decisions;
        gv = d.goals;
    } else {
        const kb_case *cc = kb_tui_case(a, number);
        if (!cc)
            return kb_err_set(e, KB_ENOENT, _("No case #%u on this board"), number);
        kb_case_copy(&c, cc);
    }
    kb_cv_store(cv, &c, &tl, &av, &lv);
    cv->decisions = dv; /* kb_cv_store cleared the previous ones */
    cv->goals = gv;
    return KB_OK;
}

static void kb_cv_reload(kb_tui_app *a, kb_tui_case_view *cv, bool force)
{
    if (!cv->number)
        return;
    const kb_case *cc = kb_tui_case(a, cv->number);
    if (!force && cc && cv->loaded && cc->version == cv->c.version)
        return;
    kb_err e;
    kb_err_clear(&e);
    if (kb_case_load(a, cv, cv->number, &e))
        kb_tui_msg(a, true, "%s", e.msg);
}

/* What kb_tui_view_push passes to the case view: a case number to load,
 * or (tests) the data itself. */
typedef struct kb_cv_arg {
    uint32_t number;
    kb_case *c; /* taken over with the rest when not NULL */
    kb_comment_vec *tl;
    kb_action_vec *actions;
    kb_link_vec *links;
} kb_cv_arg;

static unsigned kb_cv_open(kb_tui_app *a, void *st, const void *arg)
{
    kb_tui_case_view *cv = st;
    const kb_cv_arg *ca = arg;
    kb_case_init(&cv->c);
    cv->list.pager = true;
    if (ca->c) {
        kb_cv_store(cv, ca->c, ca->tl, ca->actions, ca->links);
        return KB_TUI_R_VIEW;
    }
    kb_err e;
    kb_err_clear(&e);
    if (kb_case_load(a, cv, ca->number, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS | KB_TUI_R_REFUSED;
    }
    if (a->cur_number != ca->number)
        (void)kb_tui_select_case(a, ca->number, NULL);
    return KB_TUI_R_VIEW;
}

static void kb_cv_close(kb_tui_app *a, void *st)
{
    (void)a;
    kb_cv_free(st);
}

static void kb_cv_event(kb_tui_app *a, void *st, kb_tui_event ev, uint32_t number)
{
    kb_tui_case_view *cv = st;
    (void)number;
    if (ev == KB_TUI_EV_DETACH)
        kb_cv_free(cv); /* no case data in memory while locked */
    else
        kb_cv_reload(a, cv, true);
}

unsigned kb_view_case_open(kb_tui_app *a, uint32_t number)
{
    kb_cv_arg arg = {.number = number};
    return kb_tui_view_push(a, &kb_tui_view_case, &arg) & ~(unsigned)KB_TUI_R_REFUSED;
}

void kb_view_case_set(kb_tui_app *a, kb_case *c, kb_comment_vec *tl, kb_action_vec *actions,
                      kb_link_vec *links)
{
    kb_cv_arg arg = {.number = c->number, .c = c, .tl = tl, .actions = actions, .links = links};
    (void)kb_tui_view_push(a, &kb_tui_view_case, &arg);
}

/* The case view on top, NULL if the top view is another one. */
static kb_tui_case_view *kb_cv_top(const kb_tui_app *a)
{
    return kb_tui_view_is_top(a, &kb_tui_view_case) ? a->stack[a->depth - 1].st : NULL;
}

uint32_t kb_tui_current_case(const kb_tui_app *a)
{
    const kb_tui_case_view *cv = kb_cv_top(a);
    return cv ? cv->number : 0;
}

void kb_view_case_reload(kb_tui_app *a, bool force)
{
    kb_tui_case_view *cv = kb_cv_top(a);
    if (cv)
        kb_cv_reload(a, cv, force);
}

void kb_view_case_show_end(kb_tui_app *a, uint32_t number)
{
    kb_tui_case_view *cv = kb_cv_top(a);
    if (!cv || cv->number != number)
        return;
    kb_cv_reload(a, cv, true);
    kb_tui_list_end(&cv->list);
}

/* ------------------------------------------------------------ drawing */

static void kb_fmt_time(kb_time t, char out[20])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm)) {
        snprintf(out, 20, "?");
        return;
    }
    strftime(out, 20, "%Y-%m-%d %H:%M", &tm);
}

static char *kb_strv_text(const kb_strv *v, const char *sep)
{
    char *s = kb_strv_join(v, sep);
    if (!s[0]) {
        kb_free(&s);
        s = kb_strdup("-");
    }
    return s;
}

/* Label/value pairs of the case's fields (values are new strings). */
static size_t kb_case_fields(const kb_tui_app *a, const kb_case *c, const kb_goal_vec *goals,
                             const char **labels, char **values)
{
    size_t n = 0;
    char d[KB_DATE_STRLEN], t[20];
    const kb_stage *st = kb_tui_stage(a, c->stage);
    labels[n] = _("Stage");
    char *age = kb_tui_stage_age(a, c); /* age in stage, past the norm (view_views.c) */
    values[n++] = kb_asprintf("%s, %s", st ? st->name : c->stage ? c->stage : "-", age);
    kb_free(&age);
    const kb_dept *ld = kb_tui_dept(a, c->lead_dept);
    labels[n] = _("Lead department");
    values[n++] = c->lead_dept ? kb_asprintf("%s %s", c->lead_dept, ld && ld->name ? ld->name : "")
                               : kb_strdup("-");
    labels[n] = _("Also involved");
    values[n++] = kb_strv_text(&c->depts, ", ");
    const kb_line *ln = NULL;
    for (size_t i = 0; c->action_line && i < a->refs.nlines; i++)
        if (kb_str_ieq(a->refs.lines[i].code, c->action_line))
            ln = &a->refs.lines[i];
    labels[n] = _("Action line");
    values[n++] = c->action_line ? kb_asprintf("%s", ln && ln->name ? ln->name : c->action_line)
                                 : kb_strdup("-");
    labels[n] = _("Owner");
    values[n++] = kb_strdup(c->owner ? c->owner : "-");
    labels[n] = _("Priority");
    values[n++] = kb_asprintf("%d", c->priority);
    kb_date_format(c->due, d);
    labels[n] = _("Due");
    values[n++] = c->due == KB_DATE_NONE         ? kb_strdup("-")
                  : kb_case_overdue(c, a->today) ? kb_asprintf("%s ! %s", d, _("overdue"))
                                                 : kb_strdup(d);
    kb_date_format(c->review, d);
    labels[n] = _("Next review");
    values[n++] = kb_strdup(c->review == KB_DATE_NONE ? "-" : d);
    labels[n] = _("On agenda");
    values[n++] = kb_strdup(c->on_agenda ? _("yes (A)") : _("no"));
    labels[n] = _("Confidentiality");
    values[n++] = kb_strdup(kb_conf_label(c->conf));
    kb_fmt_time(c->created, t);
    labels[n] = _("Created");
    values[n++] = kb_strdup(t);
    kb_fmt_time(c->updated, t);
    labels[n] = _("Updated");
    values[n++] = kb_asprintf("%s (v%llu)", t, (unsigned long long)c->version);
    /* long values: one per line, wrapped */
    labels[n] = _("Blocked");
    values[n++] = c->blocked ? kb_asprintf("B %s", c->blocked) : kb_strdup("-");
    labels[n] = _("Tags");
    values[n++] = kb_strv_text(&c->tags, ", ");
    labels[n] = _("Policy hooks");
    values[n++] = c->hooks.n
                      ? kb_hooks_label(&c->hooks, goals->v, goals->n, "; ") /* goals by name */
                      : kb_strdup("-");
    labels[n] = _("Organisations");
    values[n++] = kb_strv_text(&c->orgs, "; ");
    return n;
}

#define KB_LABEL_W 17
#define KB_SHORT_FIELDS 12 /* fields that share a line on wide screens */

/* A label in a cell of width w: cut to w - 1 if longer, then blanks, so a
 * value after it never touches it. */
static void kb_label_cell(kb_buf *b, const char *label, int w, bool utf8)
{
    size_t fit = kb_tui_fit(label, w - 1, utf8);
    kb_buf_append(b, label, fit);
    char *part = kb_strndup(label, fit);
    int lw = kb_tui_width(part, utf8);
    kb_free(&part);
    kb_buf_printf(b, "%*s", w - lw > 0 ? w - lw : 1, "");
}

static void kb_case_lines(kb_tui_app *a, const kb_tui_case_view *cv, int w, kb_vlines *out)
{
    const kb_case *c = &cv->c;
    bool utf8 = a->utf8;
    kb_style label = KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT);
    if (kb_tui_case_masked(a, c)) { /* presenting: number and title only */
        char *t = kb_asprintf("#%u  %s", c->number, c->title ? c->title : "");
        kb_vl_wrap(out, 1, w - 2, t, label, utf8);
        kb_free(&t);
        kb_vl_add(out, 0, "", KB_PLAIN);
        kb_vl_wrap(out, 1, w - 2,
                   _("Confidential: details hidden while presenting (P switches presenting off; "
                     "in a meeting the chair can reveal the case)"),
                   KB_STYLE(0, KB_GC_WARN), utf8);
        return;
    }
    const char *labels[24];
    char *values[24];
    size_t n = kb_case_fields(a, c, &cv->goals, labels, values);
    size_t nshort = KB_SHORT_FIELDS < n ? KB_SHORT_FIELDS : n;
    bool two = w >= 80;
    int colw = two ? (w - 2) / 2 : w - 2;
    /* labels: the widest one and a blank (Dutch labels are longer), so a
     * label never runs into its value; at most half a column */
    int labw = KB_LABEL_W;
    for (size_t i = 0; i < n; i++) {
        int lw = kb_tui_width(labels[i], utf8) + 1;
        if (lw > labw)
            labw = lw;
    }
    if (labw > colw / 2)
        labw = colw / 2 > KB_LABEL_W ? colw / 2 : KB_LABEL_W;
    for (size_t i = 0; i < nshort; i += two ? 2 : 1) {
        /* a pair whose value would be cut in its half of the line gets a
         * line per field (Dutch labels leave less room) */
        bool pair = two;
        for (size_t k = 0; pair && k < 2 && i + k < nshort; k++)
            pair = kb_tui_width(values[i + k], utf8) <= colw - labw - 1;
        for (size_t k = 0; !pair && k < (two ? 2u : 1u) && i + k < nshort; k++) {
            kb_buf l = KB_BUF_INIT;
            kb_label_cell(&l, labels[i + k], labw, utf8);
            kb_tui_append_fit(&l, values[i + k], w - 2 - labw, utf8);
            kb_vl_add(out, 1, l.data, KB_PLAIN);
            kb_buf_free(&l);
        }
        if (!pair)
            continue;
        kb_buf line = KB_BUF_INIT;
        for (size_t k = 0; k < (two ? 2u : 1u) && i + k < nshort; k++) {
            kb_label_cell(&line, labels[i + k], labw, utf8);
            kb_tui_append_fit(&line, values[i + k], colw - labw - 1, utf8);
            if (two && k == 0) {
                int used = kb_tui_width(line.data, utf8);
                kb_buf_printf(&line, "%*s", colw - used > 0 ? colw - used : 1, "");
            }
        }
        kb_vl_add(out, 1, line.data, KB_PLAIN);
        kb_buf_free(&line);
    }
    for (size_t i = nshort; i < n; i++) {
        kb_strv wl = {0};
        kb_tui_wrap(values[i], w - 2 - labw, utf8, &wl);
        for (size_t k = 0; k < wl.n; k++) {
            kb_buf l = KB_BUF_INIT;
            kb_label_cell(&l, k ? "" : labels[i], labw, utf8);
            kb_buf_puts(&l, wl.v[k]);
            kb_vl_add(out, 1, l.data, KB_PLAIN);
            kb_buf_free(&l);
        }
        kb_strv_free(&wl);
    }
    for (size_t i = 0; i < n; i++)
        kb_free(&values[i]);

    kb_vl_add(out, 0, "", KB_PLAIN);
    kb_vl_add(out, 1, _("Description"), label);
    if (c->description && c->description[0])
        kb_vl_wrap(out, 3, w - 4, c->description, KB_PLAIN, utf8);
    else
        kb_vl_add(out, 3, "-", KB_STYLE(0, KB_GC_MUTED));

    kb_vl_add(out, 0, "", KB_PLAIN);
    char head[64];
    snprintf(head, sizeof head, "%s (%zu)", _("Action items"), cv->actions.n);
    kb_vl_add(out, 1, head, label);
    for (size_t i = 0; i < cv->actions.n; i++) {
        const kb_action_item *ai = &cv->actions.v[i];
        char d[KB_DATE_STRLEN];
        kb_date_format(ai->due, d);
        bool late = kb_action_item_overdue(ai, a->today);
        kb_buf b = KB_BUF_INIT;
        kb_buf_printf(&b, "[%s] A%u %s (%s", ai->done ? "x" : " ", ai->number,
                      ai->text ? ai->text : "", ai->owner ? ai->owner : "-");
        if (d[0])
            kb_buf_printf(&b, ", %s %s%s", _("due"), d, late ? " !" : "");
        kb_buf_puts(&b, ")");
        kb_strv wl = {0};
        kb_tui_wrap(b.data, w - 8, utf8, &wl);
        for (size_t k = 0; k < wl.n; k++)
            kb_vl_add(out, k ? 7 : 3, wl.v[k],
                      late       ? KB_STYLE(KB_GA_BOLD, KB_GC_ERROR)
                      : ai->done ? KB_STYLE(0, KB_GC_MUTED)
                                 : KB_PLAIN);
        kb_strv_free(&wl);
        kb_buf_free(&b);
    }
    if (!cv->actions.n)
        kb_vl_add(out, 3, "-", KB_STYLE(0, KB_GC_MUTED));

    kb_vl_add(out, 0, "", KB_PLAIN);
    snprintf(head, sizeof head, "%s (%zu)", _("Links"), cv->links.n);
    kb_vl_add(out, 1, head, label);
    for (size_t i = 0; i < cv->links.n; i++) {
        const kb_link *lk = &cv->links.v[i];
        bool out_link = lk->from == c->number;
        uint32_t other = out_link ? lk->to : lk->from;
        const char *what;
        switch (lk->kind) {
        case KB_LINK_DUPLICATE:
            what = out_link ? _("duplicate of") : _("duplicated by");
            break;
        case KB_LINK_BLOCKS:
            what = out_link ? _("blocks") : _("blocked by");
            break;
        default:
            what = _("related to");
            break;
        }
        const kb_case *oc = kb_tui_case(a, other);
        char *l = kb_asprintf("%s #%u %s", what, other, oc && oc->title ? oc->title : "");
        kb_vl_add(out, 3, l, KB_PLAIN);
        kb_free(&l);
    }
    if (!cv->links.n)
        kb_vl_add(out, 3, "-", KB_STYLE(0, KB_GC_MUTED));

    if (cv->decisions.n) {
        kb_vl_add(out, 0, "", KB_PLAIN);
        snprintf(head, sizeof head, "%s (%zu)", _("Decisions"), cv->decisions.n);
        kb_vl_add(out, 1, head, label);
        for (size_t i = 0; i < cv->decisions.n; i++) {
            const kb_decision *dc = &cv->decisions.v[i];
            char d[KB_DATE_STRLEN];
            kb_date_format(kb_date_of_time(dc->time), d);
            char *l = dc->meeting
                          ? kb_asprintf("D%u %s (M%u) %s", dc->number, d, dc->meeting,
                                        dc->text ? dc->text : "")
                          : kb_asprintf("D%u %s %s", dc->number, d, dc->text ? dc->text : "");
            kb_strv wl = {0};
            kb_tui_wrap(l, w - 8, utf8, &wl);
            for (size_t k = 0; k < wl.n; k++)
                kb_vl_add(out, k ? 7 : 3, wl.v[k], KB_PLAIN);
            kb_strv_free(&wl);
            kb_free(&l);
        }
    }

    kb_vl_add(out, 0, "", KB_PLAIN);
    snprintf(head, sizeof head, "%s (%zu)", _("Timeline"), cv->tl.n);
    kb_vl_add(out, 1, head, label);
    for (size_t i = 0; i < cv->tl.n; i++) {
        const kb_comment *cm = &cv->tl.v[i];
        char t[20];
        kb_fmt_time(cm->time, t);
        bool change = cm->kind == KB_ENTRY_CHANGE;
        char *prefix = kb_asprintf("%s  %-10s ", t, cm->author ? cm->author : "?");
        int pw = kb_tui_width(prefix, utf8);
        int tw = w - 4 - pw;
        char *loc = change ? kb_timeline_localize_refs(cm->text ? cm->text : "", kb_query_name_refs,
                                                       (void *)&a->refs)
                           : NULL;
        const char *body = loc ? loc : cm->text ? cm->text : "";
        char *text = cm->reason ? kb_asprintf("%s%s (%s %s)", change ? "* " : "", body,
                                              _("reason:"), cm->reason)
                                : kb_asprintf("%s%s", change ? "* " : "", body);
        kb_free(&loc);
        kb_style ts = change ? KB_STYLE(0, KB_GC_MUTED) : KB_PLAIN;
        if (tw < 20) {
            kb_vl_add(out, 3, prefix, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
            kb_vl_wrap(out, 5, w - 6, text, ts, utf8);
        } else {
            kb_strv lines = {0};
            kb_tui_wrap(text, tw, utf8, &lines);
            for (size_t k = 0; k < lines.n; k++) {
                if (k == 0) {
                    kb_buf b = KB_BUF_INIT;
                    kb_buf_printf(&b, "%s%s", prefix, lines.v[0]);
                    kb_vl_add(out, 3, b.data, ts);
                    kb_buf_free(&b);
                } else {
                    kb_vl_add(out, 3 + pw, lines.v[k], ts);
                }
            }
            kb_strv_free(&lines);
        }
        kb_free(&prefix);
        kb_free(&text);
    }
    if (!cv->tl.n)
        kb_vl_add(out, 3, "-", KB_STYLE(0, KB_GC_MUTED));
}

static void kb_cv_row(void *ctx, kb_grid *g, size_t row, int x, int y, int w, bool selected)
{
    const kb_vline *l = &((const kb_vlines *)ctx)->v[row];
    (void)selected;
    if (l->st.attr & KB_GA_REVERSE)
        kb_grid_put_cut(g, x + l->x, y, w - 2 * l->x, l->text, l->st);
    else
        kb_grid_put(g, x + l->x, y, w - l->x, l->text, l->st);
}

/* "Being edited by ...": the banner of a case someone else edits (NULL
 * when nobody does); new string. */
static char *kb_cv_banner(const kb_tui_app *a, uint32_t number)
{
    const kb_tui_edit *ed = kb_tui_edit_of(a, number);
    if (!ed)
        return NULL;
    char hhmm[6];
    kb_time_format_hhmm(ed->since, hhmm);
    return kb_asprintf(_("E  Being edited by %s since %s: read-only (comments are possible)"),
                       ed->user, hhmm);
}

static void kb_cv_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_tui_case_view *cv = st;
    kb_tui_draw_bar(a, g, NULL);
    if (!cv->loaded || g->h < 4)
        return;
    const kb_case *c = &cv->c;
    char num[24];
    snprintf(num, sizeof num, "#%u  ", c->number);
    kb_style ts = KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT);
    int used = kb_grid_put(g, 1, 1, g->w - 1, num, ts);
    char marks[24];
    kb_tui_card_markers(a, c, marks, sizeof marks);
    int mw = (int)strlen(marks);
    kb_grid_put_cut(g, 1 + used, 1, g->w - 2 - used - (mw ? mw + 2 : 0), c->title, ts);
    if (mw)
        kb_grid_put(g, g->w - 1 - mw, 1, mw, marks, KB_STYLE(KB_GA_BOLD, KB_GC_ERROR));

    /* the edit lock of someone else: at the top, whatever is scrolled
     * below it (the live refresh keeps it up to date) */
    int y0 = 2;
    char *banner = kb_cv_banner(a, c->number);
    if (banner) {
        kb_strv bl = {0};
        kb_tui_wrap(banner, g->w - 2, g->utf8, &bl);
        for (size_t k = 0; k < bl.n && y0 < g->h - 2; k++)
            kb_grid_put_cut(g, 1, y0++, g->w - 2, bl.v[k],
                            KB_STYLE(KB_GA_BOLD | KB_GA_REVERSE, KB_GC_WARN));
        kb_strv_free(&bl);
        kb_free(&banner);
    }
    kb_vlines lines = {0};
    kb_case_lines(a, cv, g->w, &lines);
    cv->list.n = lines.n;
    kb_tui_list_draw(&cv->list, g, 0, y0, g->w, g->h - 1 - y0, kb_cv_row, &lines);
    kb_vl_free(&lines);
}

static unsigned kb_cv_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_tui_case_view *cv = st;
    uint32_t n = cv->number;
    if (kb_tui_list_action(&cv->list, act))
        return KB_TUI_R_VIEW;
    switch (act) {
    case KB_ACTION_CASE_EDIT:
        return kb_view_form_open(a, n);
    case KB_ACTION_CASE_COMMENT: {
        char *label = kb_asprintf(_("Comment on #%u: "), n);
        unsigned r = kb_view_prompt_open(a, KB_PR_COMMENT, label, "", n, NULL);
        kb_free(&label);
        return r;
    }
    case KB_ACTION_CASE_MOVE_NEXT:
    case KB_ACTION_CASE_MOVE_PREV: {
        unsigned r = kb_tui_move_dir(a, n, act == KB_ACTION_CASE_MOVE_NEXT ? 1 : -1);
        kb_cv_reload(a, cv, true);
        return r | KB_TUI_R_VIEW;
    }
    case KB_ACTION_BACK:
        kb_tui_view_close(a, cv);
        (void)kb_tui_select_case(a, n, NULL);
        return KB_TUI_R_VIEW;
    case KB_ACTION_CONTACT_ADD: /* with the case's first organisation */
        if (kb_tui_case_hidden_refuse(a, n, &cv->c))
            return KB_TUI_R_STATUS;
        return kb_view_contact_form_open(a, cv->c.orgs.n ? cv->c.orgs.v[0] : NULL, n);
    default:
        return KB_TUI_R_NONE;
    }
}

static kb_style kb_cv_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    const kb_tui_case_view *cv = st;
    static const kb_action acts[] = {KB_ACTION_CASE_EDIT, KB_ACTION_CASE_COMMENT,
                                     KB_ACTION_CASE_MOVE_NEXT, KB_ACTION_CASE_MOVE_PREV,
                                     KB_ACTION_BACK};
    static const char *const labels[] = {N_("edit"), N_("comment"), N_("next stage"),
                                         N_("previous stage"), N_("back")};
    /* read-only while someone else edits it: no edit (nor move) offered */
    if (kb_tui_edit_of(a, cv->number)) {
        static const kb_action ro[] = {KB_ACTION_CASE_COMMENT, KB_ACTION_BACK};
        static const char *const rol[] = {N_("comment"), N_("back")};
        kb_tui_hints_fit(a, KB_CONTEXT_CASE, ro, rol, 2, out);
        return KB_STYLE(0, KB_GC_MUTED);
    }
    /* hidden on the shared screen (kb_tui_case_masked): no edit offered
     * (the form would show every field; it is refused) */
    if (kb_tui_case_masked(a, &cv->c)) {
        kb_tui_hints_fit(a, KB_CONTEXT_CASE, acts + 1, labels + 1, 4, out);
        return KB_STYLE(0, KB_GC_MUTED);
    }
    kb_tui_hints_fit(a, KB_CONTEXT_CASE, acts, labels, 5, out);
    return KB_STYLE(0, KB_GC_MUTED);
}

const kb_tui_view_ops kb_tui_view_case = {
    .name = "case",
    .ctx = KB_CONTEXT_CASE,
    .state_size = sizeof(kb_tui_case_view),
    .open = kb_cv_open,
    .close = kb_cv_close,
    .draw = kb_cv_draw,
    .action = kb_cv_action,
    .hints = kb_cv_hints,
    .event = kb_cv_event,
};
