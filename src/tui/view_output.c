/* view_output.c - what a ':' command printed, when it is more than one
 * line (case list, case show, stats, log, help, meeting minutes ...): a
 * pager over the lines, Esc goes back.  Keys of the help context (scroll,
 * page, back).  Lines wider than the screen wrap at blanks (rows after the
 * first indented like the line's text), again after a resize. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <string.h>

typedef struct kb_output_view {
    char *title;
    kb_strv lines; /* as printed */
    kb_strv rows;  /* the lines wrapped to wrap_w columns */
    size_t *src;   /* rows: the line each one belongs to */
    int wrap_w;    /* 0: not wrapped yet */
    kb_tui_list list;
} kb_output_view;

/* Wrap the lines to width w (when it changed), keeping the line at the
 * top of the screen at the top. */
static void kb_output_wrap(kb_output_view *o, int w, bool utf8)
{
    if (w == o->wrap_w)
        return;
    size_t top_line =
        o->wrap_w && o->list.top >= 0 && (size_t)o->list.top < o->rows.n ? o->src[o->list.top] : 0;
    kb_strv_free(&o->rows);
    kb_free(&o->src);
    size_t cap = 0, top_row = 0;
    for (size_t i = 0; i < o->lines.n; i++) {
        size_t before = o->rows.n;
        kb_tui_wrap_hang(o->lines.v[i], w, utf8, &o->rows);
        if (o->rows.n > cap) {
            cap = o->rows.n * 2;
            o->src = kb_reallocarray(o->src, cap, sizeof *o->src);
        }
        for (size_t k = before; k < o->rows.n; k++)
            o->src[k] = i;
        if (i == top_line)
            top_row = before;
    }
    if (o->wrap_w)
        o->list.top = (int)top_row;
    o->wrap_w = w;
}

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
    kb_strv_free(&o->rows);
    kb_free(&o->src);
}

static void kb_output_row(void *ctx, kb_grid *g, size_t i, int x, int y, int w, bool sel)
{
    const kb_output_view *o = ctx;
    (void)sel;
    kb_grid_put_cut(g, x + 1, y, w - 2, o->rows.v[i], KB_PLAIN);
}

static void kb_output_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_output_view *o = st;
    kb_tui_draw_bar(a, g, NULL);
    kb_grid_put_cut(g, 1, 1, g->w - 2, o->title, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    kb_output_wrap(o, g->w - 2, g->utf8);
    o->list.n = o->rows.n;
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
    kb_tui_hints_fit(a, KB_CONTEXT_HELP, acts, labels, 3, out);
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
