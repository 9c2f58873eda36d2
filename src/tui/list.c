/* list.c - the list/scroll widget every list-like screen uses (the case
 * view and the help screen as pagers, the conflict dialog with a
 * selection): one place for keep-the-selection-visible, page keys and
 * clamping after new data or a resize.  See kb_tui_list in
 * tui_internal.h. */
#include "tui_internal.h"

/* Rows a page key moves: a screenful less one row of context. */
static int kb_list_page(const kb_tui_list *l)
{
    return l->height - 1 > 1 ? l->height - 1 : 1;
}

/* Clamp top (and sel) to the rows; a selection stays visible. */
static void kb_list_fix(kb_tui_list *l)
{
    if (l->n == 0)
        l->sel = 0;
    else if (l->sel >= l->n)
        l->sel = l->n - 1;
    if (l->height <= 0)
        return; /* not drawn yet: clamp at the first draw */
    int maxtop = (int)l->n - l->height;
    if (maxtop < 0)
        maxtop = 0;
    if (!l->pager) {
        int sel = (int)l->sel;
        if (sel < l->top)
            l->top = sel;
        if (sel >= l->top + l->height)
            l->top = sel - l->height + 1;
    }
    if (l->top > maxtop)
        l->top = maxtop;
    if (l->top < 0)
        l->top = 0;
}

void kb_tui_list_resize(kb_tui_list *l, size_t n, int height)
{
    l->n = n;
    l->height = height > 0 ? height : 0;
    kb_list_fix(l);
}

void kb_tui_list_select(kb_tui_list *l, size_t i)
{
    l->sel = i;
    kb_list_fix(l);
}

void kb_tui_list_end(kb_tui_list *l)
{
    if (l->pager) {
        l->top = 1 << 20; /* clamped now, and again at the next draw */
        l->to_end = true;
    } else
        l->sel = l->n ? l->n - 1 : 0;
    kb_list_fix(l);
}

bool kb_tui_list_action(kb_tui_list *l, kb_action act)
{
    int page = kb_list_page(l), step;
    l->to_end = false;
    switch (act) {
    case KB_ACTION_CURSOR_DOWN:
        step = 1;
        break;
    case KB_ACTION_CURSOR_UP:
        step = -1;
        break;
    case KB_ACTION_PAGE_DOWN:
        step = page;
        break;
    case KB_ACTION_PAGE_UP:
        step = -page;
        break;
    case KB_ACTION_FIRST:
        l->top = 0;
        l->sel = 0;
        kb_list_fix(l);
        return true;
    case KB_ACTION_LAST:
        kb_tui_list_end(l);
        return true;
    default:
        return false;
    }
    if (l->pager) {
        l->top += step;
    } else {
        long s = (long)l->sel + step;
        if (s < 0)
            s = 0;
        if (l->n && s >= (long)l->n)
            s = (long)l->n - 1;
        l->sel = (size_t)s;
    }
    kb_list_fix(l);
    return true;
}

void kb_tui_list_draw(kb_tui_list *l, kb_grid *g, int x, int y, int w, int h,
                      kb_tui_list_row_fn row, void *ctx)
{
    kb_tui_list_resize(l, l->n, h);
    if (l->to_end && h > 0) { /* the rows as drawn now: the new ones too */
        l->top = (int)l->n - h > 0 ? (int)l->n - h : 0;
        l->to_end = false;
    }
    for (int r = 0; r < h && (size_t)(l->top + r) < l->n; r++) {
        size_t i = (size_t)(l->top + r);
        row(ctx, g, i, x, y + r, w, !l->pager && i == l->sel);
    }
    if (l->pager && h > 0 && l->top + h < (int)l->n)
        kb_grid_put(g, x + w - 3, y + h - 1, 3, "...", KB_STYLE(0, KB_GC_MUTED));
}
