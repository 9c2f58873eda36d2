/* view_meeting.c - meeting mode (SPEC §3): three screens over one meeting
 * record.
 *
 *   item        the case under discussion, large: title, lead and involved
 *               departments, stage and days in it against the norm, why it
 *               is on the agenda, what changed since the last meeting, open
 *               action items with their owner's departments, the last
 *               decisions; the item timer against the planned time and the
 *               meeting's total.  Capture without leaving it: decision with
 *               action items (d), move (L/H), review date (v), drop the
 *               on-agenda flag (f), comment (c), reveal (R).
 *   agenda      the draft (or running) agenda: reorder (K/J), add (+),
 *               drop (x), planned minutes (t); start (s).
 *   attendance  the board's users and the guests; Space marks present.
 *
 * Everything is stored in the meeting record by the core at once, so a
 * second terminal with meeting mode open follows along: the app's
 * generation poll reloads the record (KB_TUI_EV_CHANGED) and this screen
 * shows the chair's current item and new decisions.  While a meeting runs,
 * and in presenting mode (P), confidential cases show number and title
 * only (kb_tui_case_masked) until the chair reveals one. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"

#include <stdio.h>
#include <string.h>

enum kb_mscreen { KB_MS_ITEM, KB_MS_AGENDA, KB_MS_ATTEND };

typedef struct kb_meeting_view {
    int screen;
    kb_meeting m;
    bool stored;        /* m is a stored draft or running meeting (else a proposal) */
    kb_tui_list list;   /* agenda / attendance rows */
    kb_tui_list page;   /* the item screen: a pager over its lines */
    uint32_t page_case; /* the case the pager shows (another one starts at the top) */
    kb_case_detail d;   /* the current item's case (d.c.number 0: none) */
    int64_t last_second;
} kb_meeting_view;

/* ---------------------------------------------------------------- app hooks */

void kb_tui_meeting_clock(kb_tui_app *a, const kb_clock *c)
{
    a->clock = c ? *c : (kb_clock){0};
    if (a->board)
        kb_board_set_clock(a->board, &a->clock);
}

kb_time kb_tui_now(const kb_tui_app *a)
{
    return kb_clock_now(&a->clock);
}

void kb_tui_meeting_forget(kb_tui_app *a)
{
    if (a->meeting) {
        kb_meeting_free(a->meeting);
        kb_free(&a->meeting);
    }
}

void kb_tui_meeting_sync(kb_tui_app *a)
{
    if (!a->board)
        return;
    if (a->clock.now_us) /* a board reopened after the idle lock keeps the test clock */
        kb_board_set_clock(a->board, &a->clock);
    kb_meeting m;
    kb_err e;
    /* one read: the running meeting and the last one's start (since:lastmeeting) */
    if (kb_board_meeting_status(a->board, &m, &a->last_meeting, &e) != KB_OK || !m.number) {
        kb_meeting_free(&m);
        kb_tui_meeting_forget(a);
        return;
    }
    /* a banner for those not in meeting mode: where the meeting is now */
    bool moved = !a->meeting || a->meeting->number != m.number || a->meeting->current != m.current;
    if (moved && !kb_tui_view_state(a, &kb_tui_view_meeting) && (size_t)m.current < m.agenda.n) {
        const kb_case *c = kb_tui_case(a, m.agenda.v[m.current]);
        kb_tui_msg(a, false, _("Meeting M%u: item %d/%zu #%u %s (M follows)"), m.number,
                   m.current + 1, m.agenda.n, m.agenda.v[m.current], c && c->title ? c->title : "");
    }
    kb_tui_meeting_forget(a);
    a->meeting = kb_malloc(sizeof *a->meeting);
    *a->meeting = m;
}

bool kb_tui_case_masked(const kb_tui_app *a, const kb_case *c)
{
    return kb_case_hidden_on_screen(c, a->meeting || a->presenting,
                                    a->meeting ? &a->meeting->reveals : NULL);
}

bool kb_tui_case_hidden_refuse(kb_tui_app *a, uint32_t number, const kb_case *c)
{
    if (!kb_tui_case_masked(a, c ? c : kb_tui_case(a, number)))
        return false;
    if (a->meeting)
        kb_tui_msg(a, true,
                   _("#%u is confidential: hidden on the shared screen until the chair reveals it "
                     "(R)"),
                   number);
    else
        kb_tui_msg(a, true, _("#%u is confidential: hidden while presenting (P)"), number);
    return true;
}

/* ---------------------------------------------------------------- data */

static void kb_mv_detail_free(kb_meeting_view *v)
{
    if (v->d.c.number)
        kb_case_detail_free(&v->d);
    memset(&v->d, 0, sizeof v->d);
}

static uint32_t kb_mv_current(const kb_meeting_view *v)
{
    if (!v->m.agenda.n)
        return 0;
    size_t i = v->m.state == KB_MEETING_RUNNING ? (size_t)v->m.current : v->list.sel;
    return i < v->m.agenda.n ? v->m.agenda.v[i] : 0;
}

static void kb_mv_load_detail(kb_tui_app *a, kb_meeting_view *v)
{
    kb_mv_detail_free(v);
    uint32_t n = kb_mv_current(v);
    if (n != v->page_case) { /* another item: its lines from the top */
        v->page.top = 0;
        v->page_case = n;
    }
    if (!n)
        return;
    kb_err e;
    if (a->board) {
        if (kb_board_case_detail(a->board, n, &v->d, &e) != KB_OK) {
            memset(&v->d, 0, sizeof v->d);
            kb_tui_msg(a, true, "%s", e.msg);
        }
        return;
    }
    const kb_case *c = kb_tui_case(a, n); /* tests: the cached case only */
    if (c) {
        kb_case_init(&v->d.c);
        kb_case_copy(&v->d.c, c);
    }
}

/* The running meeting, else the draft, else a proposal from the board
 * (tests without a board: a->meeting). */
static void kb_mv_load(kb_tui_app *a, kb_meeting_view *v)
{
    kb_meeting_free(&v->m);
    kb_meeting_init(&v->m);
    v->stored = false;
    kb_err e;
    if (!a->board) {
        if (a->meeting) {
            kb_meeting copy;
            kb_meeting_init(&copy);
            copy.number = a->meeting->number;
            copy.date = a->meeting->date;
            kb_strv_copy(&copy.attendees, &a->meeting->attendees);
            kb_strv_copy(&copy.guests, &a->meeting->guests);
            kb_strv_copy(&copy.why, &a->meeting->why);
            for (size_t i = 0; i < a->meeting->agenda.n; i++)
                kb_u32v_push(&copy.agenda, a->meeting->agenda.v[i]);
            for (size_t i = 0; i < a->meeting->plan.n; i++)
                kb_u32v_push(&copy.plan, a->meeting->plan.v[i]);
            for (size_t i = 0; i < a->meeting->spent.n; i++)
                kb_u32v_push(&copy.spent, a->meeting->spent.v[i]);
            for (size_t i = 0; i < a->meeting->reveals.n; i++)
                kb_u32v_push(&copy.reveals, a->meeting->reveals.v[i]);
            copy.state = a->meeting->state;
            copy.current = a->meeting->current;
            copy.started = a->meeting->started;
            copy.item_since = a->meeting->item_since;
            copy.chair = a->meeting->chair ? kb_strdup(a->meeting->chair) : NULL;
            v->m = copy;
            v->stored = true;
        }
    } else if (kb_board_meeting_state_get(a->board, KB_MEETING_RUNNING, &v->m, &e) == KB_OK ||
               kb_board_meeting_state_get(a->board, KB_MEETING_DRAFT, &v->m, &e) == KB_OK) {
        v->stored = true;
    } else if (kb_board_agenda_build(a->board, &v->m, &e) != KB_OK) {
        kb_tui_msg(a, true, "%s", e.msg);
    }
    kb_meeting_items_fix(&v->m, KB_MEETING_DEFAULT_PLAN);
    if (v->screen == KB_MS_ITEM && v->m.state != KB_MEETING_RUNNING)
        v->screen = KB_MS_AGENDA;
    kb_mv_load_detail(a, v);
}

static void kb_mv_take(kb_tui_app *a, kb_meeting_view *v, kb_meeting *m)
{
    (void)a;
    kb_meeting_free(&v->m);
    v->m = *m;
    kb_meeting_init(m);
    v->stored = true;
    kb_meeting_items_fix(&v->m, KB_MEETING_DEFAULT_PLAN);
}

/* After a change through the core: reload what every screen shows. */
static unsigned kb_mv_changed(kb_tui_app *a, kb_meeting_view *v)
{
    unsigned r = kb_tui_refresh(a, true) | KB_TUI_R_VIEW | KB_TUI_R_STATUS;
    kb_mv_load(a, v);
    return r;
}

/* ---------------------------------------------------------------- drawing */

typedef struct kb_mline {
    int indent;
    char *text;
    kb_style st;
    char *label; /* drawn at indent, the text labw further (NULL: none) */
    int labw;
} kb_mline;

typedef struct kb_mlines {
    kb_mline *v;
    size_t n;
    size_t head; /* the first head lines (the case's number and title) stay when it scrolls */
} kb_mlines;

static void kb_ml_add(kb_mlines *l, int indent, const char *text, kb_style st)
{
    l->v = kb_reallocarray(l->v, l->n + 1, sizeof *l->v);
    l->v[l->n++] = (kb_mline){indent, kb_strdup(text), st, NULL, 0};
}

static void kb_ml_wrap(kb_mlines *l, int indent, int w, const char *text, kb_style st, bool utf8)
{
    kb_strv wl = {0};
    kb_tui_wrap(text, w - indent > 10 ? w - indent : 10, utf8, &wl);
    for (size_t i = 0; i < wl.n; i++)
        kb_ml_add(l, indent, wl.v[i], st);
    kb_strv_free(&wl);
}

/* A labelled row: the value wrapped beside the label. */
static void kb_ml_row(kb_mlines *l, int indent, int labw, int w, const char *label,
                      const char *text, kb_style st, bool utf8)
{
    size_t first = l->n;
    kb_ml_wrap(l, indent + labw, w, text[0] ? text : "-", st, utf8);
    for (size_t i = first; i < l->n; i++) {
        l->v[i].indent = indent;
        l->v[i].labw = labw;
        l->v[i].label = kb_strdup(i == first ? label : "");
    }
}

static void kb_ml_free(kb_mlines *l)
{
    for (size_t i = 0; i < l->n; i++)
        kb_free(&l->v[i].text), kb_free(&l->v[i].label);
    kb_free(&l->v);
    l->n = 0;
}

static void kb_mmss(char *out, size_t n, uint64_t s)
{
    if (s >= 3600)
        snprintf(out, n, "%u:%02u:%02u", (unsigned)(s / 3600), (unsigned)(s / 60 % 60),
                 (unsigned)(s % 60));
    else
        snprintf(out, n, "%u:%02u", (unsigned)(s / 60), (unsigned)(s % 60));
}

static char *kb_user_depts(const kb_tui_app *a, const char *name)
{
    for (size_t i = 0; name && i < a->users.n; i++)
        if (a->users.v[i].name && strcmp(a->users.v[i].name, name) == 0 && a->users.v[i].depts.n)
            return kb_strv_join(&a->users.v[i].depts, ", ");
    return NULL;
}

/* What the screens are about: the running meeting and its item, the
 * draft, or the proposal.  Shown on the screen's first row, not in the
 * title bar, where the users online can take the room at 80 columns. */
static void kb_mv_title(const kb_meeting_view *v, kb_buf *t)
{
    if (v->m.state == KB_MEETING_RUNNING)
        kb_buf_printf(t, _("Meeting M%u, item %d/%zu"), v->m.number, v->m.current + 1,
                      v->m.agenda.n);
    else if (v->stored)
        kb_buf_printf(t, _("Meeting M%u: draft agenda"), v->m.number);
    else
        kb_buf_puts(t, _("Meeting: proposed agenda"));
}

/* Append "  " and s to b if the result still fits in w columns. */
static bool kb_mv_add_fit(kb_buf *b, const char *s, int w, bool utf8)
{
    int have = b->len ? kb_tui_width(b->data, utf8) : 0;
    if (have + 2 + kb_tui_width(s, utf8) > w)
        return false;
    kb_buf_printf(b, "%s%s", b->len ? "  " : "", s);
    return true;
}

/* "Item 2:13 / 5:00   Meeting 14:02 / 1:45:00" */
static void kb_mv_timer(const kb_meeting_view *v, kb_time now, kb_buf *out, bool *over)
{
    size_t cur = (size_t)v->m.current;
    uint64_t spent = kb_meeting_item_seconds(&v->m, cur, now);
    uint64_t plan = cur < v->m.plan.n ? v->m.plan.v[cur] : 0;
    uint64_t total = 0, tplan = 0;
    for (size_t i = 0; i < v->m.agenda.n; i++) {
        total += kb_meeting_item_seconds(&v->m, i, now);
        tplan += i < v->m.plan.n ? v->m.plan.v[i] : 0;
    }
    char a1[16], a2[16], b1[16], b2[16];
    kb_mmss(a1, sizeof a1, spent);
    kb_mmss(a2, sizeof a2, plan);
    kb_mmss(b1, sizeof b1, total);
    kb_mmss(b2, sizeof b2, tplan);
    kb_buf_printf(out, "%s %s / %s   %s %s / %s", _("Item"), a1, a2, _("Meeting"), b1, b2);
    *over = plan && spent > plan;
}

/* roomy (a tall screen, a projector): a blank line between the fields and
 * two between the sections, so the room can read it from the back. */
static void kb_mv_item_lines(kb_tui_app *a, kb_meeting_view *v, int w, bool roomy, kb_mlines *l)
{
    bool utf8 = a->utf8, big = w >= 160;
    int in = big ? 4 : 2;
    kb_style bold = KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT);
    kb_style muted = KB_STYLE(0, KB_GC_MUTED);
    const kb_case *c = &v->d.c;
    if (!c->number) {
        kb_ml_add(l, in, _("No item: the agenda is empty (a shows the agenda, + adds a case)"),
                  muted);
        return;
    }
    char *t = kb_asprintf("#%u  %s", c->number, c->title ? c->title : "");
    kb_ml_wrap(l, in, w, t, KB_STYLE(KB_GA_BOLD | KB_GA_UNDERLINE, KB_GC_ACCENT), utf8);
    kb_free(&t);
    l->head = l->n;
    kb_ml_add(l, 0, "", KB_PLAIN);
    if (kb_tui_case_masked(a, c)) {
        kb_ml_wrap(l, in, w,
                   _("Confidential: number and title only on the shared screen. R reveals the "
                     "case to the meeting (recorded)."),
                   KB_STYLE(KB_GA_BOLD, KB_GC_WARN), utf8);
        return;
    }
    /* the widest label and a blank (Dutch "Trekkende afdeling" is 18),
     * at most a third of the line */
    int labw = big ? 24 : 18;
    const char *labs[] = {_("Lead department"), _("Stage"),  _("Owner"),
                          _("On the agenda"),   _("Reason"), _("Blocked")};
    for (size_t i = 0; i < sizeof labs / sizeof labs[0]; i++) {
        int lw = kb_tui_width(labs[i], utf8) + 1;
        if (lw > labw && lw <= w / 3)
            labw = lw;
    }
    kb_buf b = KB_BUF_INIT;
#define KB_ROW(label, ...)                                                                         \
    do {                                                                                           \
        kb_buf_clear(&b);                                                                          \
        kb_buf_printf(&b, __VA_ARGS__);                                                            \
        kb_ml_row(l, in, labw, w, label, b.data, KB_PLAIN, utf8);                                  \
        if (roomy && big)                                                                          \
            kb_ml_add(l, 0, "", KB_PLAIN);                                                         \
    } while (0)
    const kb_dept *ld = c->lead_dept ? kb_tui_dept(a, c->lead_dept) : NULL;
    char *also = kb_strv_join(&c->depts, ", ");
    KB_ROW(_("Lead department"), "%s%s%s%s%s", c->lead_dept ? c->lead_dept : "-",
           ld && ld->name ? " " : "", ld && ld->name ? ld->name : "", also[0] ? "; " : "",
           also[0] ? also : "");
    kb_free(&also);
    const kb_stage *st = kb_tui_stage(a, c->stage);
    int age = kb_case_age_days(c, a->today);
    int norm = st ? st->norm_days : 0;
    bool past = kb_case_past_norm(c, norm, a->today);
    kb_buf_clear(&b);
    kb_buf_printf(&b, "%s, ", st && st->name ? st->name : c->stage);
    kb_buf_printf(
        &b, dngettext(KB_TEXTDOMAIN, "%d day in stage", "%d days in stage", (unsigned long)age),
        age);
    if (norm)
        kb_buf_printf(&b, " (%s %d)%s", _("norm"), norm, past ? "  !" : "");
    kb_ml_row(l, in, labw, w, _("Stage"), b.data,
              past ? KB_STYLE(KB_GA_BOLD, KB_GC_ERROR) : KB_PLAIN, utf8);
    if (roomy && big)
        kb_ml_add(l, 0, "", KB_PLAIN);
    if (c->owner)
        KB_ROW(_("Owner"), "%s", c->owner);
    /* the flag (f drops it), then why the case is on this agenda */
    KB_ROW(_("On the agenda"), "%s", c->on_agenda ? _("yes") : _("no"));
    size_t cur = v->m.state == KB_MEETING_RUNNING ? (size_t)v->m.current : v->list.sel;
    char *why = kb_meeting_why_text(cur < v->m.why.n ? v->m.why.v[cur] : "");
    if (why[0])
        KB_ROW(_("Reason"), "%s", why);
    kb_free(&why);
    if (c->blocked)
        KB_ROW(_("Blocked"), "%s", c->blocked);
#undef KB_ROW
    kb_buf_free(&b);

    /* since the last meeting */
    kb_ml_add(l, 0, "", KB_PLAIN);
    if (roomy)
        kb_ml_add(l, 0, "", KB_PLAIN);
    size_t nsince = 0;
    for (size_t i = 0; i < v->d.timeline.n; i++)
        if (v->d.timeline.v[i].time > a->last_meeting)
            nsince++;
    /* every entry (the item is a pager: what does not fit scrolls), the
     * count in the heading; changes as the case view words them
     * (kb_timeline_localize_refs: stage and line names, Dutch labels) */
    char shead[96];
    snprintf(shead, sizeof shead, "%s (%zu)", _("Since the last meeting"), nsince);
    kb_ml_add(l, in, nsince ? shead : _("Since the last meeting"), bold);
    for (size_t i = 0; i < v->d.timeline.n; i++) {
        const kb_comment *cm = &v->d.timeline.v[i];
        if (cm->time <= a->last_meeting)
            continue;
        char d[KB_DATE_STRLEN];
        kb_date_format(kb_date_of_time(cm->time), d);
        bool change = cm->kind == KB_ENTRY_CHANGE;
        char *loc = change ? kb_timeline_localize_refs(cm->text ? cm->text : "", kb_query_name_refs,
                                                       (void *)&a->refs)
                           : NULL;
        const char *body = loc ? loc : cm->text ? cm->text : "";
        char *s = cm->reason ? kb_asprintf("%s %s: %s (%s %s)", d, cm->author ? cm->author : "",
                                           body, _("reason:"), cm->reason)
                             : kb_asprintf("%s %s: %s", d, cm->author ? cm->author : "", body);
        kb_ml_wrap(l, in + 2, w, s, KB_PLAIN, utf8);
        kb_free(&s);
        kb_free(&loc);
    }
    if (!nsince)
        kb_ml_add(l, in + 2, _("(no changes)"), muted);

    /* open action items with the owner's departments */
    size_t open = 0;
    for (size_t i = 0; i < v->d.actions.n; i++)
        open += !v->d.actions.v[i].done;
    kb_ml_add(l, 0, "", KB_PLAIN);
    if (roomy)
        kb_ml_add(l, 0, "", KB_PLAIN);
    char head[96];
    snprintf(head, sizeof head, "%s (%zu)", _("Open action items"), open);
    kb_ml_add(l, in, head, bold);
    for (size_t i = 0; i < v->d.actions.n; i++) {
        const kb_action_item *ai = &v->d.actions.v[i];
        if (ai->done)
            continue;
        char d[KB_DATE_STRLEN];
        kb_date_format(ai->due, d);
        char *dp = kb_user_depts(a, ai->owner);
        bool late = kb_action_item_overdue(ai, a->today);
        char *s = kb_asprintf("A%u %s: %s%s%s%s%s%s%s", ai->number, ai->text ? ai->text : "",
                              ai->owner ? ai->owner : "-", dp ? " (" : "", dp ? dp : "",
                              dp ? ")" : "", d[0] ? ", " : "", d[0] ? d : "", late ? " !" : "");
        kb_ml_wrap(l, in + 2, w, s, late ? KB_STYLE(0, KB_GC_ERROR) : KB_PLAIN, utf8);
        kb_free(&s);
        kb_free(&dp);
    }
    /* the last decisions */
    kb_ml_add(l, 0, "", KB_PLAIN);
    if (roomy)
        kb_ml_add(l, 0, "", KB_PLAIN);
    snprintf(head, sizeof head, "%s (%zu)", _("Decisions"), v->d.decisions.n);
    kb_ml_add(l, in, head, bold);
    size_t nd = v->d.decisions.n, dmax = big ? 5 : 3;
    for (size_t i = nd > dmax ? nd - dmax : 0; i < nd; i++) {
        const kb_decision *dc = &v->d.decisions.v[i];
        char d[KB_DATE_STRLEN];
        kb_date_format(kb_date_of_time(dc->time), d);
        char *s = dc->meeting ? kb_asprintf("D%u %s (M%u): %s", dc->number, d, dc->meeting,
                                            dc->text ? dc->text : "")
                              : kb_asprintf("D%u %s: %s", dc->number, d, dc->text ? dc->text : "");
        kb_ml_wrap(l, in + 2, w, s,
                   dc->meeting == v->m.number && v->m.number ? KB_STYLE(KB_GA_BOLD, KB_GC_OK)
                                                             : KB_PLAIN,
                   utf8);
        kb_free(&s);
    }
}

static void kb_mv_item_row(void *ctx, kb_grid *g, size_t i, int x0, int y, int w, bool sel)
{
    (void)sel;
    const kb_mlines *l = ctx;
    int x = x0 + l->v[i].indent;
    if (l->v[i].label) {
        kb_grid_put_cut(g, x, y, l->v[i].labw - 1, l->v[i].label,
                        KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
        x += l->v[i].labw;
    }
    if (x < x0 + w - 1)
        kb_grid_put_cut(g, x, y, x0 + w - x - 1, l->v[i].text, l->v[i].st);
}

/* The first row (the meeting, its item, who is present and the timers),
 * then the item's lines in a pager: at 80x24 the action items and the
 * decisions are a page key (or j) away, "..." says there is more. */
static void kb_mv_draw_item(kb_tui_app *a, kb_meeting_view *v, kb_grid *g)
{
    int y = 1;
    bool big = g->w >= 160;
    int in = big ? 4 : 2;
    if (v->m.state == KB_MEETING_RUNNING) {
        kb_buf tm = KB_BUF_INIT;
        bool over = false;
        kb_mv_timer(v, kb_tui_now(a), &tm, &over);
        int tw = kb_tui_width(tm.data, g->utf8);
        kb_style st = over ? KB_STYLE(KB_GA_BOLD | KB_GA_REVERSE, KB_GC_ERROR)
                           : KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT);
        kb_grid_put_cut(g, g->w - tw - 1 > 0 ? g->w - tw - 1 : 0, y, tw, tm.data, st);
        kb_buf_free(&tm);
        /* left of the timers: the meeting and item, then the attendance
         * count if it fits */
        int room = g->w - tw - 1 - 2 - in;
        kb_buf t = KB_BUF_INIT;
        kb_mv_title(v, &t);
        int used = kb_tui_width(t.data, g->utf8);
        if (used > room)
            used = room;
        kb_grid_put_cut(g, in, y, used, t.data, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
        kb_buf_free(&t);
        kb_buf att = KB_BUF_INIT;
        kb_buf_printf(&att, "%s %zu", _("present:"), v->m.attendees.n + v->m.guests.n);
        if (used + 2 + kb_tui_width(att.data, g->utf8) <= room)
            kb_grid_put(g, in + used + 2, y, room - used - 2, att.data, KB_STYLE(0, KB_GC_MUTED));
        kb_buf_free(&att);
        y += big ? 2 : 1;
    }
    kb_mlines l = {0};
    kb_mv_item_lines(a, v, g->w - 1, g->h >= 34, &l);
    /* the title stays; what is below it scrolls */
    size_t head = l.head < l.n && (int)l.head < (g->h - 1 - y) / 2 ? l.head : 0;
    for (size_t i = 0; i < head; i++, y++)
        kb_mv_item_row(&l, g, i, 0, y, g->w, false);
    kb_mlines body = {l.v + head, l.n - head, 0};
    v->page.pager = true;
    v->page.n = body.n;
    kb_tui_list_draw(&v->page, g, 0, y, g->w, g->h - 1 - y, kb_mv_item_row, &body);
    kb_ml_free(&l);
}

typedef struct kb_mv_rowctx {
    kb_tui_app *a;
    kb_meeting_view *v;
} kb_mv_rowctx;

static void kb_mv_agenda_row(void *ctx, kb_grid *g, size_t i, int x, int y, int w, bool sel)
{
    kb_mv_rowctx *rc = ctx;
    const kb_meeting *m = &rc->v->m;
    const kb_case *c = kb_tui_case(rc->a, m->agenda.v[i]);
    bool cur = m->state == KB_MEETING_RUNNING && (size_t)m->current == i;
    char t1[16], t2[16];
    kb_mmss(t1, sizeof t1, kb_meeting_item_seconds(m, i, kb_tui_now(rc->a)));
    kb_mmss(t2, sizeof t2, i < m->plan.n ? m->plan.v[i] : 0);
    char *why = kb_meeting_why_text(i < m->why.n ? m->why.v[i] : "");
    kb_buf b = KB_BUF_INIT;
    kb_buf_printf(&b, "%s%2zu. #%-4u ", cur ? "> " : "  ", i + 1, m->agenda.v[i]);
    /* the times start in the same column on every row: a title is cut
     * one column before it (a blank between, also after an ellipsis) */
    int tcol = w - 2 - 14 - (w >= 100 ? 36 : 0);
    int tw = tcol - 1 - (int)b.len;
    if (tw < 8)
        tw = 8;
    const char *title = c && c->title ? c->title : "?";
    bool utf8 = rc->a->utf8;
    kb_tui_append_fit(&b, title, tw, utf8);
    int used = kb_tui_width(b.data, rc->a->utf8);
    int pad = tcol - used;
    kb_buf_printf(&b, "%*s", pad > 1 ? pad : 1, "");
    if (m->state == KB_MEETING_RUNNING || m->state == KB_MEETING_ENDED)
        kb_buf_printf(&b, "%6s/%-6s", t1, t2);
    else
        kb_buf_printf(&b, "%6s %s  ", t2, _("min"));
    if (w >= 100)
        kb_buf_printf(&b, " %s", why);
    kb_style st = sel   ? KB_STYLE(KB_GA_REVERSE, KB_GC_DEFAULT)
                  : cur ? KB_STYLE(KB_GA_BOLD, KB_GC_ACCENT)
                        : KB_PLAIN;
    kb_grid_put_cut(g, x + 1, y, w - 2, b.data, st);
    kb_buf_free(&b);
    kb_free(&why);
}

/* Attendance rows: the board's users, then the guests. */
static size_t kb_mv_attend_rows(const kb_tui_app *a, const kb_meeting_view *v)
{
    return a->users.n + v->m.guests.n;
}

static void kb_mv_attend_row(void *ctx, kb_grid *g, size_t i, int x, int y, int w, bool sel)
{
    kb_mv_rowctx *rc = ctx;
    const kb_meeting *m = &rc->v->m;
    kb_buf b = KB_BUF_INIT;
    if (i < rc->a->users.n) {
        const kb_user *u = &rc->a->users.v[i];
        char *d = kb_strv_join(&u->depts, ", ");
        kb_buf_printf(&b, "[%c] %-20s %-24s %s",
                      kb_strv_contains(&m->attendees, u->name) ? 'x' : ' ', u->name,
                      u->display ? u->display : "", d);
        kb_free(&d);
    } else {
        kb_buf_printf(&b, "[x] %-20s %s", m->guests.v[i - rc->a->users.n], _("guest"));
    }
    kb_grid_put_cut(g, x + 1, y, w - 2, b.data,
                    sel ? KB_STYLE(KB_GA_REVERSE, KB_GC_DEFAULT) : KB_PLAIN);
    kb_buf_free(&b);
}

static void kb_mv_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_meeting_view *v = st;
    kb_tui_draw_bar(a, g, NULL);
    kb_mv_rowctx rc = {a, v};
    bool utf8 = g->utf8;
    if (v->screen == KB_MS_ITEM) {
        kb_mv_draw_item(a, v, g);
    } else if (v->screen == KB_MS_AGENDA) {
        /* "Meeting: proposed agenda  25 items, 2:05:00 planned  (from the
         * board; s starts it)": what does not fit whole is left out */
        uint64_t tplan = 0;
        for (size_t i = 0; i < v->m.plan.n; i++)
            tplan += v->m.plan.v[i];
        char tp[16];
        kb_mmss(tp, sizeof tp, tplan);
        kb_buf h = KB_BUF_INIT;
        kb_mv_title(v, &h);
        kb_grid_put_cut(g, 1, 1, g->w - 2, h.data, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
        int tw = kb_tui_width(h.data, utf8);
        kb_buf_clear(&h);
        kb_buf_printf(&h,
                      dngettext(KB_TEXTDOMAIN, "%zu item, %s planned", "%zu items, %s planned",
                                (unsigned long)v->m.agenda.n),
                      v->m.agenda.n, tp);
        if (!v->stored) {
            kb_buf more = KB_BUF_INIT;
            kb_buf_printf(&more, "(%s)", _("from the board; s starts the meeting"));
            (void)kb_mv_add_fit(&h, more.data, g->w - 2 - tw - 2, utf8);
            kb_buf_free(&more);
        }
        if (tw + 2 < g->w - 2)
            kb_grid_put_cut(g, 1 + tw + 2, 1, g->w - 2 - tw - 2, h.data, KB_PLAIN);
        kb_buf_free(&h);
        v->list.n = v->m.agenda.n;
        kb_tui_list_draw(&v->list, g, 0, 2, g->w, g->h - 3, kb_mv_agenda_row, &rc);
    } else {
        kb_buf h = KB_BUF_INIT;
        kb_buf_printf(&h, "%s: %zu", _("Attendance"), v->m.attendees.n + v->m.guests.n);
        kb_grid_put_cut(g, 1, 1, g->w - 2, h.data, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
        int tw = kb_tui_width(h.data, utf8);
        kb_buf_clear(&h);
        kb_mv_title(v, &h);
        if (tw + 2 < g->w - 2)
            kb_grid_put_cut(g, 1 + tw + 2, 1, g->w - 2 - tw - 2, h.data, KB_STYLE(0, KB_GC_MUTED));
        kb_buf_free(&h);
        v->list.n = kb_mv_attend_rows(a, v);
        kb_tui_list_draw(&v->list, g, 0, 2, g->w, g->h - 3, kb_mv_attend_row, &rc);
    }
}

/* ---------------------------------------------------------------- actions */

static unsigned kb_mv_need_running(kb_tui_app *a, const kb_meeting_view *v)
{
    if (v->m.state == KB_MEETING_RUNNING)
        return KB_TUI_R_NONE;
    kb_tui_msg(a, true, "%s", _("No meeting is running: s starts it"));
    return KB_TUI_R_STATUS;
}

static unsigned kb_mv_prompt(kb_tui_app *a, const char *fmt, uint32_t n)
{
    if (kb_tui_viewer_refused(a,
                              _("You are a viewer on this board: you cannot change the meeting")))
        return KB_TUI_R_STATUS;
    char *text = kb_asprintf(fmt, n);
    unsigned r = kb_view_prompt_open(a, KB_PR_COMMAND, ":", text, 0, NULL);
    kb_free(&text);
    return r;
}

/* After a change of the meeting record: undo cannot take it back, so it
 * is the last change undo talks about (what: for "The last change (...)
 * cannot be undone"; NULL: no change of the user's, e.g. going to another
 * item, and undo still takes back the last change of a case). */
static unsigned kb_mv_result(kb_tui_app *a, kb_meeting_view *v, int rc, kb_meeting *m, kb_err *e,
                             const char *what)
{
    if (rc) {
        kb_meeting_free(m);
        kb_tui_msg(a, true, "%s", e->msg);
        return KB_TUI_R_STATUS;
    }
    if (what)
        kb_tui_undo_forget(a, what);
    kb_mv_take(a, v, m);
    unsigned r = kb_tui_refresh(a, true) | KB_TUI_R_VIEW | KB_TUI_R_STATUS;
    kb_mv_load_detail(a, v);
    return r;
}

static unsigned kb_mv_end(kb_tui_app *a, kb_meeting_view *v)
{
    kb_meeting m;
    kb_meeting_init(&m);
    kb_err e;
    if (kb_board_meeting_end(a->board, &m, &e)) {
        kb_meeting_free(&m);
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS;
    }
    char *what = kb_asprintf(_("Meeting M%u ended"), m.number);
    kb_tui_undo_forget(a, what);
    kb_free(&what);
    /* the minutes (without confidential details) to a file in the current
     * directory, and on the screen */
    char *path = kb_asprintf("kernboard-minutes-M%u.md", m.number);
    kb_out o = {.f = NULL};
    bool written = false;
    if (m.minutes && kb_out_open(&o, path, a->db_path, &e) == KB_OK) {
        fputs(m.minutes, o.f);
        written = kb_out_commit(&o, &e) == KB_OK;
    }
    char *title = written ? kb_asprintf(_("Minutes of M%u, written to %s"), m.number, path)
                          : kb_asprintf(_("Minutes of M%u (not written: %s)"), m.number, e.msg);
    unsigned r = kb_mv_changed(a, v);
    v->screen = KB_MS_AGENDA;
    kb_tui_output_arg oa = {title, m.minutes ? m.minutes : ""};
    r |= kb_tui_view_push(a, &kb_tui_view_output, &oa);
    kb_tui_msg(a, false, _("Meeting M%u ended"), m.number);
    kb_free(&title);
    kb_free(&path);
    kb_meeting_free(&m);
    return r | KB_TUI_R_VIEW | KB_TUI_R_STATUS;
}

static unsigned kb_mv_agenda_op(kb_tui_app *a, kb_meeting_view *v, enum kb_agenda_op_kind k,
                                size_t pos)
{
    if (!v->m.agenda.n)
        return KB_TUI_R_NONE;
    kb_agenda_op op = {k, v->m.agenda.v[v->list.sel], pos, 0};
    kb_agenda_edit ed = {&op, 1};
    kb_meeting m;
    kb_meeting_init(&m);
    kb_err e;
    int rc = kb_board_agenda_edit(a->board, &ed, &m, &e);
    char *what =
        v->m.number ? kb_asprintf(_("the agenda of M%u"), v->m.number) : kb_strdup(_("the agenda"));
    unsigned r = kb_mv_result(a, v, rc, &m, &e, what);
    kb_free(&what);
    if (!rc && k == KB_AGENDA_MOVE)
        kb_tui_list_select(&v->list, pos - 1);
    return r;
}

static unsigned kb_mv_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_meeting_view *v = st;
    if (act == KB_ACTION_BACK || act == KB_ACTION_CANCEL) {
        if (v->screen != KB_MS_ITEM && v->m.state == KB_MEETING_RUNNING) {
            v->screen = KB_MS_ITEM;
            return KB_TUI_R_VIEW;
        }
        return KB_TUI_R_NONE; /* back to the board */
    }
    if (act == KB_ACTION_MEETING_AGENDA) {
        v->screen = KB_MS_AGENDA;
        if (v->m.state == KB_MEETING_RUNNING)
            kb_tui_list_select(&v->list, (size_t)v->m.current);
        return KB_TUI_R_VIEW;
    }
    if (act == KB_ACTION_MEETING_ATTENDANCE) {
        v->screen = KB_MS_ATTEND;
        kb_tui_list_select(&v->list, 0);
        return KB_TUI_R_VIEW;
    }
    if (kb_tui_list_action(v->screen == KB_MS_ITEM ? &v->page : &v->list, act))
        return KB_TUI_R_VIEW; /* the item screen scrolls, the others move the selection */
    uint32_t n = kb_mv_current(v);
    if (act == KB_ACTION_UNDO && a->have_undo && a->undo_before.number != n) {
        /* on the shared screen undo acts on the item shown, never on a case
         * left behind on an earlier item (the common handler does the rest) */
        kb_tui_msg(a, true,
                   _("Undo works on the current item only: your last change was to #%u; go back "
                     "to that item (p, or a and Enter) to undo it"),
                   a->undo_before.number);
        return KB_TUI_R_STATUS;
    }
    kb_meeting m;
    kb_meeting_init(&m);
    kb_err e;
    kb_err_clear(&e);
    bool board = a->board != NULL;
    switch (act) {
    case KB_ACTION_MEETING_START: {
        if (v->m.state == KB_MEETING_RUNNING) {
            kb_tui_msg(a, true, _("Meeting M%u is running"), v->m.number);
            return KB_TUI_R_STATUS;
        }
        if (!board)
            return KB_TUI_R_NONE;
        kb_strv me = {0};
        kb_strv_push(&me, a->user);
        int rc = kb_board_meeting_start(a->board, &me, NULL, &m, &e);
        kb_strv_free(&me);
        char *what = rc ? NULL : kb_asprintf(_("Meeting M%u started"), m.number);
        unsigned r = kb_mv_result(a, v, rc, &m, &e, what);
        kb_free(&what);
        if (!rc) {
            v->screen = KB_MS_ITEM;
            kb_tui_msg(a, false, _("Meeting M%u started"), v->m.number);
        }
        return r;
    }
    case KB_ACTION_MEETING_NEXT:
    case KB_ACTION_MEETING_PREV:
    case KB_ACTION_MEETING_ITEM: {
        unsigned r = kb_mv_need_running(a, v);
        if (!r && act == KB_ACTION_MEETING_ITEM && v->screen == KB_MS_ATTEND) {
            v->screen = KB_MS_ITEM;
            return KB_TUI_R_VIEW;
        }
        if (r || !board)
            return r;
        int rc;
        if (act == KB_ACTION_MEETING_ITEM) {
            long to = v->screen == KB_MS_AGENDA ? (long)v->list.sel : v->m.current;
            v->screen = KB_MS_ITEM;
            if (to == v->m.current)
                return KB_TUI_R_VIEW;
            rc = kb_board_meeting_goto(a->board, 0, to, &m, &e);
        } else {
            rc =
                kb_board_meeting_goto(a->board, act == KB_ACTION_MEETING_NEXT ? 1 : -1, -1, &m, &e);
        }
        return kb_mv_result(a, v, rc, &m, &e, NULL); /* going to an item is no change */
    }
    case KB_ACTION_MEETING_END: {
        unsigned r = kb_mv_need_running(a, v);
        if (r || !board)
            return r;
        if (kb_tui_viewer_refused(
                a, _("You are a viewer on this board: you cannot change the meeting")))
            return KB_TUI_R_STATUS;
        /* one stray key on the shared screen must not end it for everyone */
        return kb_tui_view_push(a, &kb_tui_view_meeting_end, NULL);
    }
    case KB_ACTION_MEETING_DECIDE:
        if (!n)
            return KB_TUI_R_NONE;
        kb_tui_msg(a, false, "%s",
                   _("TEXT --action TEXT --owner USER --due 7d|2w|friday (Enter saves)"));
        return kb_mv_prompt(a, "case decide %u ", n) | KB_TUI_R_STATUS;
    case KB_ACTION_MEETING_REVIEW:
        return n ? kb_mv_prompt(a, "case edit %u --review ", n) : KB_TUI_R_NONE;
    case KB_ACTION_CASE_COMMENT:
        return n ? kb_view_prompt_open(a, KB_PR_COMMENT, _("Comment:"), "", n, NULL)
                 : KB_TUI_R_NONE;
    case KB_ACTION_CASE_MOVE_NEXT:
    case KB_ACTION_CASE_MOVE_PREV:
        if (!n)
            return KB_TUI_R_NONE;
        return kb_tui_move_dir(a, n, act == KB_ACTION_CASE_MOVE_NEXT ? 1 : -1) |
               kb_mv_changed(a, v);
    case KB_ACTION_MEETING_UNFLAG: {
        if (!n || !board)
            return KB_TUI_R_NONE;
        /* undo takes back exactly this change: the case as stored before
         * it, and the version it produced */
        kb_case before, after;
        kb_case_init(&before);
        kb_case_init(&after);
        int rc = kb_board_case_get(a->board, n, &before, &e);
        if (!rc && !before.on_agenda) {
            kb_case_free(&before);
            kb_tui_msg(a, false, _("#%u is not flagged for the agenda"), n);
            return KB_TUI_R_STATUS;
        }
        if (!rc) {
            kb_case_patch p;
            kb_case_patch_init(&p);
            p.set = 1u << KB_F_AGENDA;
            p.v.on_agenda = false;
            rc = kb_board_case_update(a->board, n, &p, NULL, before.version, 0, &after, &e);
            kb_case_patch_free(&p);
        }
        if (!rc)
            kb_tui_undo_remember(a, &before, after.version);
        kb_case_free(&before);
        kb_case_free(&after);
        if (rc) {
            kb_tui_msg(a, true, "%s", e.msg);
            return KB_TUI_R_STATUS | kb_mv_changed(a, v);
        }
        kb_tui_msg(a, false, _("#%u is no longer flagged for the agenda"), n);
        return kb_mv_changed(a, v);
    }
    case KB_ACTION_MEETING_REVEAL: {
        unsigned r = kb_mv_need_running(a, v);
        if (r || !n || !board)
            return r;
        int rc = kb_board_meeting_reveal(a->board, n, &m, &e);
        char *what = kb_asprintf(_("#%u revealed to the meeting"), n);
        r = kb_mv_result(a, v, rc, &m, &e, what);
        if (!rc)
            kb_tui_msg(a, false, "%s", what);
        kb_free(&what);
        return r;
    }
    case KB_ACTION_MEETING_ITEM_UP:
    case KB_ACTION_MEETING_ITEM_DOWN: {
        if (v->screen != KB_MS_AGENDA || !board || !v->m.agenda.n)
            return KB_TUI_R_NONE;
        size_t sel = v->list.sel;
        if (act == KB_ACTION_MEETING_ITEM_UP ? sel == 0 : sel + 1 >= v->m.agenda.n)
            return KB_TUI_R_NONE;
        return kb_mv_agenda_op(a, v, KB_AGENDA_MOVE,
                               act == KB_ACTION_MEETING_ITEM_UP ? sel : sel + 2);
    }
    case KB_ACTION_MEETING_ITEM_DROP:
        if (v->screen != KB_MS_AGENDA || !board)
            return KB_TUI_R_NONE;
        return kb_mv_agenda_op(a, v, KB_AGENDA_DROP, 0);
    case KB_ACTION_MEETING_ITEM_ADD:
        if (kb_tui_viewer_refused(
                a, _("You are a viewer on this board: you cannot change the meeting")))
            return KB_TUI_R_STATUS;
        /* a prompt of its own: the agenda updates in place, no ':' output */
        return kb_view_prompt_open(a, KB_PR_AGENDA_ADD, _("Case to add to the agenda: "), "", 0,
                                   NULL);
    case KB_ACTION_MEETING_PLAN: {
        size_t i = v->screen == KB_MS_AGENDA ? v->list.sel : (size_t)v->m.current;
        if (i >= v->m.agenda.n)
            return KB_TUI_R_NONE;
        if (kb_tui_viewer_refused(
                a, _("You are a viewer on this board: you cannot change the meeting")))
            return KB_TUI_R_STATUS;
        uint32_t cn = v->m.agenda.v[i];
        char *label = kb_asprintf(_("Minutes planned for #%u: "), cn);
        char *now = kb_asprintf("%u", v->m.plan.v[i] / 60);
        /* the time planned now, replaced by what is typed */
        unsigned r = kb_view_prompt_open_suggested(a, KB_PR_AGENDA_PLAN, label, now, cn, NULL);
        kb_free(&now);
        kb_free(&label);
        return r;
    }
    case KB_ACTION_MEETING_PRESENT: {
        if (v->screen != KB_MS_ATTEND || !board)
            return KB_TUI_R_NONE;
        unsigned r = kb_mv_need_running(a, v);
        if (r)
            return r;
        size_t i = v->list.sel;
        int rc;
        if (i < a->users.n) {
            const char *who = a->users.v[i].name;
            rc = kb_board_meeting_attend(a->board, who, !kb_strv_contains(&v->m.attendees, who),
                                         false, &m, &e);
        } else if (i - a->users.n < v->m.guests.n) {
            rc = kb_board_meeting_attend(a->board, v->m.guests.v[i - a->users.n], false, true, &m,
                                         &e);
        } else {
            return KB_TUI_R_NONE;
        }
        char *what = kb_asprintf(_("the attendance of M%u"), v->m.number);
        unsigned r2 = kb_mv_result(a, v, rc, &m, &e, what);
        kb_free(&what);
        return r2;
    }
    case KB_ACTION_MEETING_GUEST: {
        unsigned r = kb_mv_need_running(a, v);
        if (!r && kb_tui_viewer_refused(
                      a, _("You are a viewer on this board: you cannot change the meeting")))
            r = KB_TUI_R_STATUS;
        /* the name as typed, spaces and all: no quoting as on the ':' line */
        return r ? r : kb_view_prompt_open(a, KB_PR_GUEST, _("Guest's name: "), "", 0, NULL);
    }
    default:
        return KB_TUI_R_NONE;
    }
}

static unsigned kb_mv_open(kb_tui_app *a, void *st, const void *arg)
{
    (void)arg;
    kb_meeting_view *v = st;
    kb_meeting_init(&v->m);
    v->screen = KB_MS_ITEM;
    kb_mv_load(a, v);
    if (v->screen == KB_MS_AGENDA)
        kb_tui_list_select(&v->list, 0);
    return KB_TUI_R_VIEW;
}

static void kb_mv_close(kb_tui_app *a, void *st)
{
    (void)a;
    kb_meeting_view *v = st;
    kb_mv_detail_free(v);
    kb_meeting_free(&v->m);
}

static unsigned kb_mv_tick(kb_tui_app *a, void *st, int64_t now_ms)
{
    (void)a;
    kb_meeting_view *v = st;
    if (v->m.state != KB_MEETING_RUNNING)
        return KB_TUI_R_NONE;
    int64_t sec = now_ms / 1000;
    if (sec == v->last_second)
        return KB_TUI_R_NONE;
    v->last_second = sec; /* the timers tick */
    return KB_TUI_R_VIEW;
}

static void kb_mv_event(kb_tui_app *a, void *st, kb_tui_event ev, uint32_t number)
{
    (void)number;
    kb_meeting_view *v = st;
    if (ev == KB_TUI_EV_DETACH) {
        kb_mv_detail_free(v);
        return;
    }
    /* someone (the chair, or we) changed the board: follow the meeting */
    size_t sel = v->list.sel;
    bool was_running = v->m.state == KB_MEETING_RUNNING;
    kb_mv_load(a, v);
    if (!was_running && v->m.state == KB_MEETING_RUNNING)
        v->screen = KB_MS_ITEM;
    kb_tui_list_select(&v->list, sel);
}

/* The way back comes first (as mutt's "q:Quit"), so it is readable at 80
 * columns in every language; what does not fit is cut (? lists all). */
static kb_style kb_mv_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    kb_meeting_view *v = st;
    if (v->screen == KB_MS_ITEM) {
        /* the meeting's own keys first: the other screens and the end */
        static const kb_action acts[] = {
            KB_ACTION_BACK,           KB_ACTION_MEETING_NEXT,       KB_ACTION_MEETING_DECIDE,
            KB_ACTION_MEETING_AGENDA, KB_ACTION_MEETING_ATTENDANCE, KB_ACTION_MEETING_END,
            KB_ACTION_CASE_MOVE_NEXT, KB_ACTION_MEETING_REVIEW,     KB_ACTION_MEETING_UNFLAG,
            KB_ACTION_CASE_COMMENT,   KB_ACTION_MEETING_REVEAL,     KB_ACTION_MEETING_PREV,
        };
        static const char *const labels[] = {
            N_("back"), N_("next"),   N_("decide"), N_("agenda"),  N_("attendance"), N_("end"),
            N_("move"), N_("review"), N_("unflag"), N_("comment"), N_("reveal"),     N_("prev"),
        };
        kb_tui_hints_fit(a, KB_CONTEXT_MEETING, acts, labels, sizeof acts / sizeof *acts, out);
    } else if (v->screen == KB_MS_AGENDA) {
        static const kb_action acts[] = {
            KB_ACTION_BACK,
            KB_ACTION_MEETING_START,
            KB_ACTION_MEETING_ITEM,
            KB_ACTION_MEETING_ITEM_UP,
            KB_ACTION_MEETING_ITEM_DOWN,
            KB_ACTION_MEETING_ITEM_ADD,
            KB_ACTION_MEETING_ITEM_DROP,
            KB_ACTION_MEETING_PLAN,
            KB_ACTION_MEETING_ATTENDANCE,
        };
        static const char *const labels[] = {
            N_("back"), N_("start"), N_("item"), N_("up"),         N_("down"),
            N_("add"),  N_("drop"),  N_("plan"), N_("attendance"),
        };
        /* a running meeting has started: no "s start"; before it runs
         * there is no item to go to: no "i item" */
        bool running = v->m.state == KB_MEETING_RUNNING;
        kb_tui_hints_fit(a, KB_CONTEXT_MEETING, acts, labels, 1, out);
        if (!running)
            kb_tui_hints_fit(a, KB_CONTEXT_MEETING, acts + 1, labels + 1, 1, out);
        kb_tui_hints_fit(a, KB_CONTEXT_MEETING, acts + (running ? 2 : 3),
                         labels + (running ? 2 : 3), sizeof acts / sizeof *acts - (running ? 2 : 3),
                         out);
    } else {
        static const kb_action acts[] = {KB_ACTION_BACK, KB_ACTION_MEETING_PRESENT,
                                         KB_ACTION_MEETING_GUEST, KB_ACTION_MEETING_ITEM,
                                         KB_ACTION_MEETING_AGENDA};
        static const char *const labels[] = {N_("back"), N_("present"), N_("guest"), N_("item"),
                                             N_("agenda")};
        kb_tui_hints_fit(a, KB_CONTEXT_MEETING, acts, labels, sizeof acts / sizeof *acts, out);
    }
    return KB_STYLE(0, KB_GC_MUTED);
}

const kb_tui_view_ops kb_tui_view_meeting = {
    .name = "meeting",
    .ctx = KB_CONTEXT_MEETING,
    .state_size = sizeof(kb_meeting_view),
    .open = kb_mv_open,
    .close = kb_mv_close,
    .draw = kb_mv_draw,
    .action = kb_mv_action,
    .tick = kb_mv_tick,
    .hints = kb_mv_hints,
    .event = kb_mv_event,
};

unsigned kb_view_meeting_open(kb_tui_app *a)
{
    if (kb_tui_view_is_top(a, &kb_tui_view_meeting))
        return KB_TUI_R_NONE;
    return kb_tui_view_push(a, &kb_tui_view_meeting, NULL);
}

unsigned kb_view_meeting_guest(kb_tui_app *a, const char *name)
{
    /* without the blanks around it */
    const char *s0 = name ? name : "";
    while (*s0 == ' ' || *s0 == '\t')
        s0++;
    size_t len = strlen(s0);
    while (len && (s0[len - 1] == ' ' || s0[len - 1] == '\t'))
        len--;
    char *n = kb_strndup(s0, len);
    unsigned r = KB_TUI_R_STATUS;
    if (!n[0]) {
        kb_tui_msg(a, true, "%s", _("A guest needs a name (Esc to cancel)"));
    } else if (!a->board) {
        kb_tui_msg(a, true, "%s", _("No board is open"));
    } else {
        kb_meeting m;
        kb_meeting_init(&m);
        kb_err e;
        kb_err_clear(&e);
        int rc = kb_board_meeting_attend(a->board, n, true, true, &m, &e);
        kb_meeting_view *v = kb_tui_view_state(a, &kb_tui_view_meeting);
        if (rc) {
            kb_meeting_free(&m);
            kb_tui_msg(a, true, "%s", e.msg);
        } else {
            char *what = kb_asprintf(_("the attendance of M%u"), m.number);
            kb_tui_undo_forget(a, what);
            kb_free(&what);
            kb_tui_msg(a, false, _("%s added to M%u as a guest"), n, m.number);
            if (v)
                kb_mv_take(a, v, &m);
            kb_meeting_free(&m);
            r |= kb_tui_refresh(a, true) | KB_TUI_R_VIEW;
        }
    }
    kb_free(&n);
    return r;
}

/* The text of a prompt without the blanks around it (a new string). */
static char *kb_mv_trimmed(const char *text)
{
    const char *s0 = text ? text : "";
    while (*s0 == ' ' || *s0 == '\t')
        s0++;
    size_t len = strlen(s0);
    while (len && (s0[len - 1] == ' ' || s0[len - 1] == '\t'))
        len--;
    return kb_strndup(s0, len);
}

/* Minutes as typed: digits only, at most 600 (as meeting agenda --plan). */
static bool kb_mv_minutes(const char *s, uint32_t *out)
{
    if (!s[0])
        return false;
    uint32_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 600)
            return false;
        v = v * 10 + (uint32_t)(*s - '0');
    }
    if (v > 600)
        return false;
    *out = v;
    return true;
}

unsigned kb_view_meeting_agenda_edit(kb_tui_app *a, bool add, uint32_t n, const char *text)
{
    char *t = kb_mv_trimmed(text);
    kb_err e;
    kb_err_clear(&e);
    kb_agenda_op op = {add ? KB_AGENDA_ADD : KB_AGENDA_PLAN, n, 0, 0};
    uint32_t min = 0;
    kb_meeting_view *v = kb_tui_view_state(a, &kb_tui_view_meeting);
    unsigned r = KB_TUI_R_STATUS;
    if (!a->board || !v) {
        kb_tui_msg(a, true, "%s", _("No board is open"));
    } else if (add && !t[0]) {
        kb_tui_msg(a, true, "%s",
                   _("Write the number of the case to add, e.g. 12 (Esc to cancel)"));
    } else if (add && kb_case_number_parse(t, &op.case_number, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
    } else if (!add && !kb_mv_minutes(t, &min)) {
        kb_tui_msg(a, true,
                   _("Write the minutes planned for #%u as a number from 0 to 600, e.g. 10 "
                     "(Esc to cancel)"),
                   n);
    } else {
        op.plan = min * 60;
        kb_agenda_edit ed = {&op, 1};
        kb_meeting m;
        kb_meeting_init(&m);
        int rc = kb_board_agenda_edit(a->board, &ed, &m, &e);
        uint32_t mn = m.number;
        char *what = mn ? kb_asprintf(_("the agenda of M%u"), mn) : kb_strdup(_("the agenda"));
        r = kb_mv_result(a, v, rc, &m, &e, what);
        kb_free(&what);
        if (!rc && add) {
            for (size_t i = 0; i < v->m.agenda.n; i++)
                if (v->m.agenda.v[i] == op.case_number && v->screen == KB_MS_AGENDA)
                    kb_tui_list_select(&v->list, i);
            if (mn)
                kb_tui_msg(a, false, _("#%u added to the agenda of M%u"), op.case_number, mn);
            else
                kb_tui_msg(a, false, _("#%u added to the agenda"), op.case_number);
        } else if (!rc) {
            kb_tui_msg(
                a, false,
                dngettext(KB_TEXTDOMAIN, "#%u: %u minute planned", "#%u: %u minutes planned", min),
                n, min);
        }
    }
    kb_free(&t);
    return r | KB_TUI_R_STATUS;
}

/* ---------------------------------------------------------------- end? */

/* "End meeting M7 and write the minutes? y/n" over the status line: E on
 * the shared screen ends the meeting for everyone, so it asks first.  y
 * (or the Dutch j) ends it; any other key keeps the meeting going. */
typedef struct kb_mv_end_ask {
    uint32_t number;
} kb_mv_end_ask;

static unsigned kb_mv_end_open(kb_tui_app *a, void *st, const void *arg)
{
    (void)arg;
    kb_mv_end_ask *q = st;
    const kb_meeting_view *v = kb_tui_view_state(a, &kb_tui_view_meeting);
    q->number = v ? v->m.number : 0;
    return KB_TUI_R_VIEW | KB_TUI_R_STATUS;
}

static void kb_mv_end_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    (void)a;
    const kb_mv_end_ask *q = st;
    char *ask = kb_asprintf(_("End meeting M%u and write the minutes? y/n"), q->number);
    kb_tui_draw_wrapped(g, g->h - 1, ask, KB_STYLE(KB_GA_BOLD, KB_GC_WARN));
    kb_free(&ask);
}

static unsigned kb_mv_end_no(kb_tui_app *a, kb_mv_end_ask *q)
{
    kb_tui_view_close(a, q);
    kb_tui_msg(a, false, "%s", _("The meeting goes on"));
    return KB_TUI_R_VIEW | KB_TUI_R_STATUS;
}

static unsigned kb_mv_end_action(kb_tui_app *a, void *st, kb_action act)
{
    (void)act; /* Enter, Esc, an arrow ...: not a yes */
    return kb_mv_end_no(a, st);
}

static unsigned kb_mv_end_text(kb_tui_app *a, void *st, uint32_t cp)
{
    if (cp != 'y' && cp != 'Y' && cp != 'j' && cp != 'J')
        return kb_mv_end_no(a, st);
    kb_tui_view_close(a, st);
    kb_meeting_view *v = kb_tui_view_state(a, &kb_tui_view_meeting);
    if (!v || !a->board)
        return KB_TUI_R_VIEW;
    return kb_mv_end(a, v);
}

const kb_tui_view_ops kb_tui_view_meeting_end = {
    .name = "meeting_end",
    .ctx = KB_CONTEXT_PROMPT, /* a typed y or n reaches text, not the keymap */
    .state_size = sizeof(kb_mv_end_ask),
    .overlay = true,
    .open = kb_mv_end_open,
    .draw = kb_mv_end_draw,
    .action = kb_mv_end_action,
    .text = kb_mv_end_text,
};

void kb_view_meeting_set_detail(kb_tui_app *a, kb_case_detail *d)
{
    kb_meeting_view *v = kb_tui_view_state(a, &kb_tui_view_meeting);
    if (!v) {
        kb_case_detail_free(d);
        return;
    }
    kb_mv_detail_free(v);
    v->d = *d;
    memset(d, 0, sizeof *d);
}
