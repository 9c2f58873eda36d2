/* view_report.c - the report screen (board key R): the sections of
 * kernboard/report.h over the cases the board's filter shows, as tables
 * with bar and column charts (kb_report_section_lines, the same text the
 * CLI prints), in a pager.  Block characters in UTF-8, ASCII under LANG=C
 * and on vt100.  Keys of the report context; Esc goes back. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/report.h"

#include <stdlib.h>
#include <string.h>

typedef struct kb_report_view {
    kb_report r;
    size_t ncases;
    kb_strv lines;
    int for_w;
    bool uni;
    kb_tui_list list;
} kb_report_view;

/* The shared screen (presenting, a meeting): is this case masked
 * (kb_tui_case_masked, the TUI's one rule)? */
static bool kb_report_masked(const kb_case *c, void *ctx)
{
    return kb_tui_case_masked(ctx, c);
}

/* ... the same by number (a case not in the cache counts as masked) */
static bool kb_report_masked_number(uint32_t number, void *ctx)
{
    const kb_tui_app *a = ctx;
    const kb_case *c = kb_tui_case(a, number);
    return c ? kb_tui_case_masked(a, c) : a->presenting || a->meeting;
}

/* Without a board (tests): the cached cases, no timeline or action items. */
static void kb_report_from_cache(kb_tui_app *a, kb_report_view *s)
{
    kb_query_ctx qc = kb_tui_query_ctx(a);
    kb_case *cs = kb_calloc(a->cache.cases.n + 1, sizeof *cs);
    size_t n = 0;
    for (size_t i = 0; i < a->cache.cases.n; i++) {
        const kb_case *c = &a->cache.cases.v[i];
        /* the shared screen: a masked case matches on number and title */
        kb_case m = kb_tui_case_masked(a, c) ? kb_case_masked_view(c) : *c;
        if (!a->filter || kb_query_match(a->filter, &m, &qc))
            cs[n++] = *c; /* shallow: borrowed strings */
    }
    kb_report_input in = {.cases = cs,
                          .ncases = n,
                          .stages = a->refs.stages,
                          .nstages = a->refs.nstages,
                          .depts = a->refs.depts,
                          .ndepts = a->refs.ndepts,
                          .lines = a->refs.lines,
                          .nlines = a->refs.nlines,
                          .today = a->today,
                          .from = KB_DATE_NONE,
                          .to = KB_DATE_NONE};
    kb_report_compute(&in, NULL, &s->r);
    s->ncases = n;
    kb_free(&cs);
}

static unsigned kb_report_open(kb_tui_app *a, void *st, const void *arg)
{
    (void)arg;
    kb_report_view *s = st;
    s->list.pager = true;
    s->uni = a->utf8 && kb_chart_unicode_ok(true, getenv("TERM"));
    /* presenting / a meeting: a confidential case that is not revealed
     * matches the filter on its number and title only, and the stuck
     * cases leave it out (as ':report'); the counts keep it */
    if (!a->board) {
        kb_report_from_cache(a, s);
    } else {
        kb_err e;
        kb_err_clear(&e);
        if (kb_board_report_shared(a->board, a->filter, NULL, KB_DATE_NONE, KB_DATE_NONE,
                                   kb_report_masked, a, &s->r, &e)) {
            kb_tui_msg(a, true, "%s", e.msg);
            return KB_TUI_R_STATUS | KB_TUI_R_REFUSED;
        }
        const kb_rsection *cross = kb_report_section(&s->r, "cross");
        s->ncases = cross && cross->nrows ? (size_t)kb_rsection_cell(cross, 0, 0)->i : 0;
    }
    kb_report_drop_hidden(&s->r, kb_report_masked_number, a);
    return KB_TUI_R_VIEW;
}

static void kb_report_close(kb_tui_app *a, void *st)
{
    (void)a;
    kb_report_view *s = st;
    kb_report_free(&s->r);
    kb_strv_free(&s->lines);
}

static void kb_report_row(void *ctx, kb_grid *g, size_t i, int x, int y, int w, bool sel)
{
    const kb_report_view *s = ctx;
    (void)sel;
    const char *l = s->lines.v[i];
    /* section titles in bold: the line after a blank one (or the first) */
    bool title = l[0] && (i == 0 || !s->lines.v[i - 1][0]) && l[0] != ' ' &&
                 (i + 1 < s->lines.n && s->lines.v[i + 1][0]);
    kb_style st = title ? KB_STYLE(KB_GA_BOLD, KB_GC_STAGE) : KB_PLAIN;
    kb_grid_put_cut(g, x + 1, y, w - 2, l, st);
}

static void kb_report_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_report_view *s = st;
    kb_tui_draw_bar(a, g, _("Report"));
    if (s->for_w != g->w) {
        kb_strv_free(&s->lines);
        for (size_t i = 0; i < s->r.n; i++) {
            if (i)
                kb_strv_push(&s->lines, "");
            kb_report_section_lines(&s->r.v[i], g->w - 2, s->uni, &s->lines);
        }
        s->for_w = g->w;
    }
    char today[KB_DATE_STRLEN];
    kb_date_format(s->r.today, today);
    kb_buf t = KB_BUF_INIT;
    kb_buf_printf(&t, _("Report of %s"), today);
    kb_buf_puts(&t, ": ");
    kb_buf_printf(&t, dngettext(KB_TEXTDOMAIN, "%zu case", "%zu cases", s->ncases), s->ncases);
    if (a->filter_text)
        kb_buf_printf(&t, " (%s %s)", _("filter:"), a->filter_text);
    kb_grid_put_cut(g, 1, 1, g->w - 2, t.data, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    kb_buf_free(&t);
    s->list.n = s->lines.n;
    kb_tui_list_draw(&s->list, g, 0, 2, g->w, g->h - 3, kb_report_row, s);
}

static unsigned kb_report_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_report_view *s = st;
    if (kb_tui_list_action(&s->list, act))
        return KB_TUI_R_VIEW;
    if (act == KB_ACTION_BACK || act == KB_ACTION_CANCEL) {
        kb_tui_view_close(a, s);
        return KB_TUI_R_VIEW;
    }
    return KB_TUI_R_NONE;
}

static kb_style kb_report_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    (void)st;
    static const kb_action acts[] = {KB_ACTION_CURSOR_DOWN, KB_ACTION_PAGE_DOWN, KB_ACTION_BACK};
    static const char *const labels[] = {N_("scroll"), N_("page"), N_("back")};
    kb_tui_hints_fit(a, KB_CONTEXT_REPORT, acts, labels, 3, out);
    return KB_STYLE(0, KB_GC_MUTED);
}

unsigned kb_view_report_open(kb_tui_app *a)
{
    return kb_tui_view_push(a, &kb_tui_view_report, NULL);
}

unsigned kb_view_views_open(kb_tui_app *a)
{
    return kb_tui_view_push(a, &kb_tui_view_views, NULL);
}

const kb_tui_view_ops kb_tui_view_report = {
    .name = "report",
    .ctx = KB_CONTEXT_REPORT,
    .state_size = sizeof(kb_report_view),
    .open = kb_report_open,
    .close = kb_report_close,
    .draw = kb_report_draw,
    .action = kb_report_action,
    .hints = kb_report_hints,
};
