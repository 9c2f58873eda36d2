/* view.c - the view framework: the registry of screens and the view stack.
 *
 * Every screen is a kb_tui_view_ops table in its own view_*.c file; the
 * built-in ones are listed once, in views.def, and registered by
 * kb_tui_app_init (tests and later features may register more).  The
 * stack holds the open views with their state, the board at the bottom;
 * app.c sends keys, ticks and drawing through it and never asks which
 * screen is open. */
#include "tui_internal.h"

#include "kernboard/mem.h"

#include <string.h>

int kb_tui_view_register(kb_tui_app *a, const kb_tui_view_ops *ops)
{
    if (!ops || !ops->name || !ops->draw || a->nviews >= KB_TUI_VIEWS_MAX ||
        kb_tui_view_find(a, ops->name))
        return KB_EDATA;
    a->views[a->nviews++] = ops;
    return KB_OK;
}

const kb_tui_view_ops *kb_tui_view_find(const kb_tui_app *a, const char *name)
{
    for (size_t i = 0; name && i < a->nviews; i++)
        if (strcmp(a->views[i]->name, name) == 0)
            return a->views[i];
    return NULL;
}

static bool kb_registered(const kb_tui_app *a, const kb_tui_view_ops *ops)
{
    for (size_t i = 0; i < a->nviews; i++)
        if (a->views[i] == ops)
            return true;
    return false;
}

/* Index of the entry owning st, or depth. */
static size_t kb_index_of(const kb_tui_app *a, const void *st)
{
    for (size_t i = 0; i < a->depth; i++)
        if (a->stack[i].st == st)
            return i;
    return a->depth;
}

/* Take the entry owning st off the stack and free its state (no close). */
static void kb_unlink(kb_tui_app *a, void *st)
{
    size_t i = kb_index_of(a, st);
    if (i == a->depth)
        return;
    memmove(&a->stack[i], &a->stack[i + 1], (a->depth - i - 1) * sizeof *a->stack);
    a->depth--;
    memset(&a->stack[a->depth], 0, sizeof *a->stack);
    kb_free(&st);
}

unsigned kb_tui_view_push(kb_tui_app *a, const kb_tui_view_ops *ops, const void *arg)
{
    if (!ops || !kb_registered(a, ops)) {
        /* a bug, not a user error: the view's line in views.def (or its
         * kb_tui_view_register call) is missing */
        kb_tui_msg(a, true, "internal error: screen '%s' is not registered",
                   ops && ops->name ? ops->name : "?");
        return KB_TUI_R_STATUS | KB_TUI_R_REFUSED;
    }
    if (a->depth == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 8;
        a->stack = kb_reallocarray(a->stack, a->cap, sizeof *a->stack);
    }
    void *st = kb_calloc(1, ops->state_size ? ops->state_size : 1);
    a->stack[a->depth].ops = ops;
    a->stack[a->depth].st = st;
    a->depth++;
    kb_keymap_state_reset(&a->kst);
    unsigned r = ops->open ? ops->open(a, st, arg) : KB_TUI_R_VIEW;
    if (r & KB_TUI_R_REFUSED)
        kb_unlink(a, st);
    return r;
}

void kb_tui_view_close(kb_tui_app *a, const void *st)
{
    size_t i = kb_index_of(a, st);
    if (i == a->depth)
        return;
    kb_tui_view v = a->stack[i];
    if (v.ops->close)
        v.ops->close(a, v.st);
    kb_unlink(a, v.st);
}

unsigned kb_tui_view_pop(kb_tui_app *a)
{
    if (a->depth <= 1)
        return KB_TUI_R_NONE; /* the board stays */
    kb_tui_view_close(a, a->stack[a->depth - 1].st);
    return KB_TUI_R_VIEW;
}

void kb_tui_view_close_all(kb_tui_app *a)
{
    while (a->depth > 0)
        kb_tui_view_close(a, a->stack[a->depth - 1].st);
    kb_free(&a->stack);
    a->cap = 0;
}

kb_tui_view *kb_tui_view_top(kb_tui_app *a)
{
    return a->depth ? &a->stack[a->depth - 1] : NULL;
}

void *kb_tui_view_state(const kb_tui_app *a, const kb_tui_view_ops *ops)
{
    for (size_t i = a->depth; i-- > 0;)
        if (a->stack[i].ops == ops)
            return a->stack[i].st;
    return NULL;
}

bool kb_tui_view_is_top(const kb_tui_app *a, const kb_tui_view_ops *ops)
{
    return a->depth && a->stack[a->depth - 1].ops == ops;
}

void kb_tui_views_event(kb_tui_app *a, kb_tui_event ev, uint32_t number)
{
    for (size_t i = 0; i < a->depth; i++)
        if (a->stack[i].ops->event)
            a->stack[i].ops->event(a, a->stack[i].st, ev, number);
}

bool kb_tui_viewer_refused(kb_tui_app *a, const char *msg)
{
    if (!a->board || kb_role_can_write(kb_board_role(a->board)))
        return false;
    kb_tui_msg(a, true, "%s", msg);
    return true;
}
