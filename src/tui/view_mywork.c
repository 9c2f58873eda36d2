/* view_mywork.c - my work: the user's open action items by due date (the
 * overdue first, then the rest, those without a due date last), and the
 * open cases they own or whose lead department is theirs (the query flag
 * `mine`, without the cases in the last stage).  Enter opens the case of
 * the selected row. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <string.h>

/* A row: a heading, an action item or a case. */
typedef struct kb_mw_row {
    enum { KB_MW_HEAD, KB_MW_ITEM, KB_MW_CASE, KB_MW_NONE } kind;
    size_t i;        /* index into items, or the case's number */
    const char *txt; /* heading */
} kb_mw_row;

typedef struct kb_mywork_view {
    kb_action_vec items;
    kb_mw_row *rows;
    size_t nrows;
    char *head_items, *head_cases;
    kb_tui_list list;
} kb_mywork_view;

static void kb_mw_push(kb_mywork_view *mw, int kind, size_t i, const char *txt)
{
    mw->rows = kb_reallocarray(mw->rows, mw->nrows + 1, sizeof *mw->rows);
    mw->rows[mw->nrows++] = (kb_mw_row){.kind = kind, .i = i, .txt = txt};
}

static bool kb_mw_open_case(const kb_tui_app *a, const kb_case *c)
{
    size_t n = a->refs.nstages;
    return !(n > 1 && c->stage && kb_str_ieq(c->stage, a->refs.stages[n - 1].code));
}

/* The rows from the items and the cached cases. */
static void kb_mw_build(kb_tui_app *a, kb_mywork_view *mw)
{
    kb_free(&mw->rows);
    mw->nrows = 0;
    kb_free(&mw->head_items);
    kb_free(&mw->head_cases);
    kb_query *q = NULL;
    kb_err e;
    if (kb_query_parse("mine", &q, &e))
        q = NULL;
    kb_query_ctx qc = kb_tui_query_ctx(a);
    size_t ncases = 0;
    for (size_t i = 0; q && i < a->cache.cases.n; i++)
        ncases += kb_query_match(q, &a->cache.cases.v[i], &qc) &&
                  kb_mw_open_case(a, &a->cache.cases.v[i]);
    size_t overdue = 0;
    for (size_t i = 0; i < mw->items.n; i++)
        overdue += kb_action_item_overdue(&mw->items.v[i], a->today);
    mw->head_items =
        kb_asprintf(_("My action items (%zu open, %zu overdue)"), mw->items.n, overdue);
    mw->head_cases = kb_asprintf(_("My cases (%zu: owned by me or led by my department)"), ncases);
    kb_mw_push(mw, KB_MW_HEAD, 0, mw->head_items);
    for (size_t i = 0; i < mw->items.n; i++)
        kb_mw_push(mw, KB_MW_ITEM, i, NULL);
    if (!mw->items.n)
        kb_mw_push(mw, KB_MW_NONE, 0, _("no open action items"));
    kb_mw_push(mw, KB_MW_NONE, 0, "");
    kb_mw_push(mw, KB_MW_HEAD, 0, mw->head_cases);
    for (size_t i = 0; q && i < a->cache.cases.n; i++) {
        const kb_case *c = &a->cache.cases.v[i];
        if (kb_query_match(q, c, &qc) && kb_mw_open_case(a, c))
            kb_mw_push(mw, KB_MW_CASE, c->number, NULL);
    }
    if (!ncases)
        kb_mw_push(mw, KB_MW_NONE, 0, _("no open cases"));
    kb_query_free(&q);
    size_t sel = mw->list.sel;
    kb_tui_list_resize(&mw->list, mw->nrows, mw->list.height);
    /* start on the first item or case, not on a heading */
    if (sel == 0 && mw->nrows > 1)
        kb_tui_list_select(&mw->list, 1);
}

static int kb_mw_load(kb_tui_app *a, kb_mywork_view *mw, kb_err *e)
{
    if (a->board) {
        kb_action_vec v;
        int rc = kb_board_my_actions(a->board, a->user, &v, e);
        if (rc)
            return rc;
        kb_action_vec_free(&mw->items);
        mw->items = v;
    }
    kb_mw_build(a, mw);
    return KB_OK;
}

static unsigned kb_mw_open(kb_tui_app *a, void *st, const void *arg)
{
    kb_mywork_view *mw = st;
    kb_action_vec *items = (kb_action_vec *)arg;
    if (items) { /* tests: the user's items, as plain data */
        mw->items = *items;
        memset(items, 0, sizeof *items);
        size_t k = 0;
        for (size_t i = 0; i < mw->items.n; i++) {
            kb_action_item *it = &mw->items.v[i];
            if (!it->done && it->owner && a->user && strcmp(it->owner, a->user) == 0)
                mw->items.v[k++] = *it;
            else
                kb_action_item_free(it);
        }
        mw->items.n = k;
        kb_action_items_by_due(mw->items.v, mw->items.n);
    }
    kb_err e;
    kb_err_clear(&e);
    if (kb_mw_load(a, mw, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS | KB_TUI_R_REFUSED;
    }
    return KB_TUI_R_VIEW;
}

static void kb_mw_close(kb_tui_app *a, void *st)
{
    (void)a;
    kb_mywork_view *mw = st;
    kb_action_vec_free(&mw->items);
    kb_free(&mw->rows);
    kb_free(&mw->head_items);
    kb_free(&mw->head_cases);
}

unsigned kb_view_mywork_open(kb_tui_app *a)
{
    return kb_tui_view_push(a, &kb_tui_view_mywork, NULL) & ~(unsigned)KB_TUI_R_REFUSED;
}

void kb_view_mywork_set(kb_tui_app *a, kb_action_vec *items)
{
    (void)kb_tui_view_push(a, &kb_tui_view_mywork, items);
}

typedef struct kb_mw_draw_ctx {
    kb_tui_app *a;
    kb_mywork_view *mw;
} kb_mw_draw_ctx;

/* Width of a stage column: the longest stage name, at most 16. */
static int kb_stage_col(const kb_tui_app *a, bool utf8)
{
    int sw = 0;
    for (size_t k = 0; k < a->refs.nstages; k++) {
        const char *n = a->refs.stages[k].name ? a->refs.stages[k].name : "";
        int nw = kb_tui_width(n, utf8);
        sw = nw > sw ? nw : sw;
    }
    return sw > 16 ? 16 : sw;
}

static void kb_mw_row_draw(void *ctx, kb_grid *g, size_t r, int x, int y, int w, bool sel)
{
    kb_mw_draw_ctx *dc = ctx;
    kb_tui_app *a = dc->a;
    const kb_mw_row *row = &dc->mw->rows[r];
    bool pickable = row->kind == KB_MW_ITEM || row->kind == KB_MW_CASE;
    kb_style st = sel && pickable ? KB_STYLE(KB_GA_REVERSE, KB_GC_ACCENT) : KB_PLAIN;
    if (sel && pickable)
        kb_grid_fill(g, x, y, w, 1, st);
    int cx = x + 1, end = x + w - 1;
    switch (row->kind) {
    case KB_MW_HEAD:
        kb_grid_put_cut(g, cx, y, end - cx, row->txt, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
        return;
    case KB_MW_NONE:
        kb_grid_put_cut(g, cx + 2, y, end - cx - 2, row->txt, KB_STYLE(0, KB_GC_MUTED));
        return;
    case KB_MW_ITEM: {
        const kb_action_item *it = &dc->mw->items.v[row->i];
        bool od = kb_action_item_overdue(it, a->today);
        char due[KB_DATE_STRLEN], id[16], cs[16];
        kb_date_format(it->due, due);
        snprintf(id, sizeof id, "A%u", it->number);
        snprintf(cs, sizeof cs, "#%u", it->case_number);
        kb_style ms = sel ? st : KB_STYLE(KB_GA_BOLD, KB_GC_ERROR);
        kb_grid_put(g, cx, y, 1, od ? "!" : " ", ms);
        cx += 2;
        cx += kb_grid_put_cut(g, cx, y, 10, due[0] ? due : "-",
                              od && !sel ? KB_STYLE(KB_GA_BOLD, KB_GC_ERROR) : st) +
              1;
        cx += kb_grid_put_cut(g, cx, y, 6, id, st) + 1;
        cx += kb_grid_put_cut(g, cx, y, 6, cs, sel ? st : KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT)) + 1;
        if (cx < end)
            kb_grid_put_cut(g, cx, y, end - cx, it->text ? it->text : "", st);
        return;
    }
    case KB_MW_CASE: {
        const kb_case *c = kb_tui_case(a, (uint32_t)row->i);
        if (!c)
            return;
        char num[16], marks[32];
        snprintf(num, sizeof num, "#%u", c->number);
        kb_tui_card_markers(a, c, marks, sizeof marks);
        const kb_stage *s = kb_tui_stage(a, c->stage);
        const char *sn = s && s->name ? s->name : c->stage ? c->stage : "";
        int sw = kb_stage_col(a, g->utf8);
        int mw = (int)strlen(marks);
        int right = sw + 5 + (mw ? mw + 1 : 0);
        cx += 2;
        kb_grid_put(g, cx, y, 5, num, sel ? st : KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
        cx += 6;
        if (end - right - cx > 0)
            kb_grid_put_cut(g, cx, y, end - right - cx, c->title ? c->title : "", st);
        int rx = end - right + 1;
        if (mw)
            rx +=
                kb_grid_put(g, rx, y, mw, marks, sel ? st : KB_STYLE(KB_GA_BOLD, KB_GC_ERROR)) + 1;
        kb_grid_put_cut(g, rx, y, 4, c->lead_dept ? c->lead_dept : "-",
                        sel ? st : KB_STYLE(0, KB_GC_MUTED));
        kb_grid_put_cut(g, end - sw + 1, y, sw, sn, sel ? st : KB_STYLE(0, KB_GC_MUTED));
        return;
    }
    }
}

static void kb_mw_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_mywork_view *mw = st;
    kb_tui_draw_bar(a, g, _("My work"));
    char d[KB_DATE_STRLEN];
    kb_date_format(a->today, d);
    char *h = kb_asprintf(_("Today: %s"), d);
    kb_grid_put_cut(g, 1, 1, g->w - 2, h, KB_STYLE(0, KB_GC_MUTED));
    kb_free(&h);
    mw->list.n = mw->nrows;
    kb_mw_draw_ctx dc = {a, mw};
    kb_tui_list_draw(&mw->list, g, 0, 2, g->w, g->h - 3, kb_mw_row_draw, &dc);
}

static uint32_t kb_mw_case_of(const kb_mywork_view *mw)
{
    if (mw->list.sel >= mw->nrows)
        return 0;
    const kb_mw_row *r = &mw->rows[mw->list.sel];
    if (r->kind == KB_MW_ITEM)
        return mw->items.v[r->i].case_number;
    return r->kind == KB_MW_CASE ? (uint32_t)r->i : 0;
}

static unsigned kb_mw_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_mywork_view *mw = st;
    if (kb_tui_list_action(&mw->list, act))
        return KB_TUI_R_VIEW;
    switch (act) {
    case KB_ACTION_CASE_OPEN: {
        uint32_t n = kb_mw_case_of(mw);
        if (!n) {
            kb_tui_msg(a, false, "%s", _("No case selected"));
            return KB_TUI_R_STATUS;
        }
        return kb_view_case_open(a, n);
    }
    case KB_ACTION_BACK:
        kb_tui_view_close(a, mw);
        return KB_TUI_R_VIEW;
    default:
        return KB_TUI_R_NONE;
    }
}

static kb_style kb_mw_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    (void)st;
    static const kb_action acts[] = {KB_ACTION_CASE_OPEN, KB_ACTION_BACK};
    static const char *const labels[] = {N_("open the case"), N_("back")};
    kb_tui_hints_fit(a, KB_CONTEXT_MYWORK, acts, labels, 2, out);
    return KB_STYLE(0, KB_GC_MUTED);
}

static void kb_mw_event(kb_tui_app *a, void *st, kb_tui_event ev, uint32_t number)
{
    kb_mywork_view *mw = st;
    (void)number;
    if (ev == KB_TUI_EV_DETACH) {
        kb_action_vec_free(&mw->items);
        kb_free(&mw->rows);
        mw->nrows = 0;
        return;
    }
    kb_err e;
    kb_err_clear(&e);
    if (kb_mw_load(a, mw, &e))
        kb_tui_msg(a, true, "%s", e.msg);
}

const kb_tui_view_ops kb_tui_view_mywork = {
    .name = "mywork",
    .ctx = KB_CONTEXT_MYWORK,
    .state_size = sizeof(kb_mywork_view),
    .open = kb_mw_open,
    .close = kb_mw_close,
    .draw = kb_mw_draw,
    .action = kb_mw_action,
    .hints = kb_mw_hints,
    .event = kb_mw_event,
};
