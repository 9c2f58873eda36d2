/* view_output.c - what a ':' command printed, when it is more than one
 * line (case list, case show, stats, log, help ...): a pager over the
 * lines, Esc goes back.  Keys of the help context (scroll, page, back). */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <string.h>

typedef struct kb_output_view {
    char *title;
    kb_strv lines;
    kb_tui_list list;
} kb_output_view;

static unsigned kb_output_open(kb_tui_app *a, void *st, const void *arg)
{
    (void)a;
    kb_output_view *o = st;
    const kb_tui_output_arg *oa = arg;
    o->title = kb_strdup(oa->title);
    const char *p = oa->text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = kb_strndup(p, n);
        kb_strv_push(&o->lines, line);
        kb_free(&line);
        p += n + (nl ? 1 : 0);
    }
    o->list.pager = true;
    return KB_TUI_R_VIEW;
}

static void kb_output_close(kb_tui_app *a, void *st)
{
    (void)a;
    kb_output_view *o = st;
    kb_free(&o->title);
    kb_strv_free(&o->lines);
}

static void kb_output_row(void *ctx, kb_grid *g, size_t i, int x, int y, int w, bool sel)
{
    const kb_output_view *o = ctx;
    (void)sel;
    kb_grid_put_cut(g, x + 1, y, w - 2, o->lines.v[i], KB_PLAIN);
}

static void kb_output_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_output_view *o = st;
    kb_tui_draw_bar(a, g, NULL);
    kb_grid_put_cut(g, 1, 1, g->w - 2, o->title, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    o->list.n = o->lines.n;
    kb_tui_list_draw(&o->list, g, 0, 2, g->w, g->h - 3, kb_output_row, o);
}

static unsigned kb_output_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_output_view *o = st;
    if (kb_tui_list_action(&o->list, act))
        return KB_TUI_R_VIEW;
    if (act == KB_ACTION_BACK || act == KB_ACTION_CANCEL) {
        kb_tui_view_close(a, o);
        return KB_TUI_R_VIEW;
    }
    return KB_TUI_R_NONE;
}

static kb_style kb_output_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    (void)st;
    static const kb_action acts[] = {KB_ACTION_CURSOR_DOWN, KB_ACTION_PAGE_DOWN, KB_ACTION_BACK};
    static const char *const labels[] = {N_("scroll"), N_("page"), N_("back")};
    kb_tui_hints(a, KB_CONTEXT_HELP, acts, labels, 3, out);
    return KB_STYLE(0, KB_GC_MUTED);
}

const kb_tui_view_ops kb_tui_view_output = {
    .name = "output",
    .ctx = KB_CONTEXT_HELP,
    .state_size = sizeof(kb_output_view),
    .open = kb_output_open,
    .close = kb_output_close,
    .draw = kb_output_draw,
    .action = kb_output_action,
    .hints = kb_output_hints,
};
