/* The view framework and the list widget, without a terminal.
 *
 * The "hello" view below is a whole screen: its state, its functions and
 * its kb_tui_view_ops table are in this file, and one line registers it.
 * That is all a new screen needs (plus a keymap context and actions if it
 * has keys of its own; this one reuses the help screen's context). */
#include <criterion/criterion.h>

#include "test_tui_fixture.h"

/* ------------------------------------------------------------ hello view */

typedef struct kb_hello {
    int n;      /* counts cursor-down */
    int ticks;  /* periodic calls seen */
    int *freed; /* set by close, so the test sees it */
} kb_hello;

typedef struct kb_hello_arg {
    int start;
    int *freed;
} kb_hello_arg;

static unsigned kb_hello_open(kb_tui_app *a, void *st, const void *arg)
{
    kb_hello *h = st;
    const kb_hello_arg *ha = arg;
    (void)a;
    h->n = ha->start;
    h->freed = ha->freed;
    return KB_TUI_R_VIEW;
}

static void kb_hello_close(kb_tui_app *a, void *st)
{
    kb_hello *h = st;
    (void)a;
    (*h->freed)++;
}

static void kb_hello_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    const kb_hello *h = st;
    char line[32];
    kb_tui_draw_bar(a, g, NULL);
    snprintf(line, sizeof line, "hello %d", h->n);
    kb_grid_put(g, 1, 2, g->w - 2, line, KB_PLAIN);
}

static unsigned kb_hello_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_hello *h = st;
    (void)a;
    if (act != KB_ACTION_CURSOR_DOWN)
        return KB_TUI_R_NONE; /* Esc (back) is left to the stack: it pops the view */
    h->n++;
    return KB_TUI_R_VIEW;
}

static unsigned kb_hello_tick(kb_tui_app *a, void *st, int64_t now_ms)
{
    kb_hello *h = st;
    (void)a;
    (void)now_ms;
    h->ticks++;
    return KB_TUI_R_NONE;
}

static kb_style kb_hello_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    (void)a;
    (void)st;
    kb_buf_puts(out, " j count  Esc back");
    return KB_STYLE(0, KB_GC_MUTED);
}

static const kb_tui_view_ops kb_hello_view = {
    .name = "hello",
    .ctx = KB_CONTEXT_HELP,
    .state_size = sizeof(kb_hello),
    .open = kb_hello_open,
    .close = kb_hello_close,
    .draw = kb_hello_draw,
    .action = kb_hello_action,
    .tick = kb_hello_tick,
    .hints = kb_hello_hints,
};

/* ------------------------------------------------------------ helpers */

static char *kb_screen(kb_tui_app *a)
{
    kb_grid *g = kb_grid_new(a->w, a->h, a->utf8);
    kb_tui_app_draw(a, g);
    char *d = kb_grid_dump(g);
    kb_grid_free(&g);
    return d;
}

TestSuite(tui_view, .timeout = 30);

Test(tui_view, a_screen_is_one_file_and_one_registration_line)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    cr_assert_eq(kb_tui_view_register(&a, &kb_hello_view), KB_OK); /* the registration */

    /* move the board's cursor somewhere, to see that it is kept */
    kb_tui_app_key(&a, 'j', 0);
    kb_tui_app_key(&a, 'l', 0);
    uint32_t number = a.cur_number;
    size_t lane = a.cur_lane, stage = a.cur_stage, idx = a.cur_idx;
    cr_assert_neq(number, 1);

    int freed = 0;
    kb_hello_arg arg = {41, &freed};
    unsigned r = kb_tui_view_push(&a, kb_tui_view_find(&a, "hello"), &arg);
    cr_assert_eq(r, KB_TUI_R_VIEW);
    cr_assert(kb_tui_view_is_top(&a, &kb_hello_view));
    cr_assert_eq(a.depth, 2, "on top of the board");

    /* keys go to the top view through the keymap (j is cursor-down) */
    cr_assert_eq(kb_tui_app_key(&a, 'j', 0), KB_TUI_R_VIEW);
    kb_tui_app_key(&a, KB_KEY_DOWN, 0);
    kb_hello *h = kb_tui_view_state(&a, &kb_hello_view);
    cr_assert_eq(h->n, 43);
    kb_tui_app_tick(&a, 10);
    cr_assert_eq(h->ticks, 1);

    char *d = kb_screen(&a);
    cr_assert(strstr(d, "\n hello 43\n") != NULL, "%s", d);
    cr_assert(strstr(d, " j count  Esc back") != NULL, "its hints are on the status line: %s", d);
    cr_assert_null(strstr(d, "Explore"), "the board is not drawn under a full view: %s", d);
    kb_free(&d);

    /* Esc (back in the help context) returns to the board as it was */
    cr_assert_eq(kb_tui_app_key(&a, KB_KEY_ESC, 0), KB_TUI_R_VIEW);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_board));
    cr_assert_eq(a.depth, 1);
    cr_assert_eq(freed, 1, "close was called");
    cr_assert_null(kb_tui_view_state(&a, &kb_hello_view));
    cr_assert_eq(a.cur_number, number, "the board's cursor is unchanged");
    cr_assert_eq(a.cur_lane, lane);
    cr_assert_eq(a.cur_stage, stage);
    cr_assert_eq(a.cur_idx, idx);
    d = kb_screen(&a);
    cr_assert(strstr(d, "Explore") != NULL, "%s", d);
    kb_free(&d);

    /* Esc on the board does not pop it: back quits there */
    cr_assert_eq(kb_tui_app_key(&a, 'q', 0) & KB_TUI_R_QUIT, KB_TUI_R_QUIT);
    cr_assert_eq(a.depth, 1);
    kb_fx_free(&a);
}

Test(tui_view, registry_refuses_duplicates_and_unknown_views)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    cr_assert_not_null(kb_tui_view_find(&a, "board"));
    cr_assert_not_null(kb_tui_view_find(&a, "case"));
    cr_assert_not_null(kb_tui_view_find(&a, "help"));
    cr_assert_null(kb_tui_view_find(&a, "hello"));
    /* not registered: not opened */
    int freed = 0;
    kb_hello_arg arg = {0, &freed};
    cr_assert(kb_tui_view_push(&a, &kb_hello_view, &arg) & KB_TUI_R_REFUSED);
    cr_assert_eq(a.depth, 1);
    cr_assert(a.msg_error);
    cr_assert_eq(kb_tui_view_register(&a, &kb_hello_view), KB_OK);
    cr_assert_eq(kb_tui_view_register(&a, &kb_hello_view), KB_EDATA, "a name is taken once");
    /* the board stays at the bottom */
    cr_assert_eq(kb_tui_view_pop(&a), KB_TUI_R_NONE);
    cr_assert_eq(a.depth, 1);
    kb_fx_free(&a);
    cr_assert_eq(freed, 0);
}

Test(tui_view, views_close_when_the_app_ends)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    cr_assert_eq(kb_tui_view_register(&a, &kb_hello_view), KB_OK);
    int freed = 0;
    kb_hello_arg arg = {0, &freed};
    for (int i = 0; i < 20; i++) /* the stack grows */
        cr_assert_eq(kb_tui_view_push(&a, &kb_hello_view, &arg), KB_TUI_R_VIEW);
    cr_assert_eq(a.depth, 21);
    cr_assert_eq(kb_tui_view_pop(&a), KB_TUI_R_VIEW);
    cr_assert_eq(freed, 1);
    kb_fx_free(&a);
    cr_assert_eq(freed, 20);
}

Test(tui_view, esc_goes_back_where_you_came_from)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    uint32_t number = a.cur_number;
    /* board -> case view -> help -> back to the case view -> board */
    kb_tui_app_key(&a, KB_KEY_ENTER, 0);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_case));
    cr_assert_eq(kb_tui_current_case(&a), number);
    kb_tui_app_key(&a, '?', 0);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_help));
    cr_assert_eq(((kb_tui_help_view *)kb_tui_view_state(&a, &kb_tui_view_help))->ctx,
                 KB_CONTEXT_CASE, "help shows the keys of the screen it came from");
    cr_assert_eq(kb_tui_current_case(&a), 0, "the top view is not a case view");
    kb_tui_app_key(&a, KB_KEY_ESC, 0);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_case));
    /* a prompt is an overlay: the case view is drawn under it */
    kb_tui_app_key(&a, ':', 0);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    char *d = kb_screen(&a);
    cr_assert(strstr(d, "Lead department") != NULL, "%s", d);
    cr_assert(d[strlen(d) - 2] == ':', "the prompt is on the last line: %s", d);
    kb_free(&d);
    kb_tui_app_key(&a, KB_KEY_ESC, 0);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_case));
    kb_tui_app_key(&a, KB_KEY_ESC, 0);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_board));
    cr_assert_eq(a.cur_number, number);
    kb_fx_free(&a);
}

/* ------------------------------------------------------------ list widget */

Test(tui_view, list_selection_stays_visible)
{
    kb_tui_list l = {0};
    kb_tui_list_resize(&l, 100, 10);
    for (int i = 0; i < 15; i++)
        cr_assert(kb_tui_list_action(&l, KB_ACTION_CURSOR_DOWN));
    cr_assert_eq(l.sel, 15);
    cr_assert_eq(l.top, 6, "the selection is on the last row shown");
    cr_assert(kb_tui_list_action(&l, KB_ACTION_PAGE_DOWN));
    cr_assert_eq(l.sel, 24, "a page is the height less one row");
    cr_assert_eq(l.top, 15);
    cr_assert(kb_tui_list_action(&l, KB_ACTION_PAGE_UP));
    cr_assert(kb_tui_list_action(&l, KB_ACTION_PAGE_UP));
    cr_assert_eq(l.sel, 6);
    cr_assert_eq(l.top, 6, "the view follows the selection up");
    cr_assert(kb_tui_list_action(&l, KB_ACTION_LAST));
    cr_assert_eq(l.sel, 99);
    cr_assert_eq(l.top, 90);
    cr_assert(kb_tui_list_action(&l, KB_ACTION_CURSOR_DOWN));
    cr_assert_eq(l.sel, 99, "no further than the last row");
    cr_assert(kb_tui_list_action(&l, KB_ACTION_FIRST));
    cr_assert_eq(l.sel, 0);
    cr_assert_eq(l.top, 0);
    cr_assert(kb_tui_list_action(&l, KB_ACTION_CURSOR_UP));
    cr_assert_eq(l.sel, 0);
    cr_assert_not(kb_tui_list_action(&l, KB_ACTION_SUBMIT), "not a list key");
}

Test(tui_view, list_resize_keeps_the_selection)
{
    kb_tui_list l = {0};
    kb_tui_list_resize(&l, 100, 10);
    kb_tui_list_select(&l, 50);
    cr_assert_eq(l.top, 41);
    kb_tui_list_resize(&l, 100, 20); /* a taller window: nothing to move */
    cr_assert_eq(l.top, 41);
    kb_tui_list_resize(&l, 100, 5); /* shorter: the selection stays on screen */
    cr_assert_eq(l.sel, 50);
    cr_assert(l.top <= 50 && 50 < l.top + 5, "top %d", l.top);
    kb_tui_list_resize(&l, 30, 20); /* fewer rows: clamped, last page full */
    cr_assert_eq(l.sel, 29);
    cr_assert_eq(l.top, 10);
    kb_tui_list_resize(&l, 0, 20);
    cr_assert_eq(l.sel, 0);
    cr_assert_eq(l.top, 0);
    cr_assert(kb_tui_list_action(&l, KB_ACTION_CURSOR_DOWN));
    cr_assert(kb_tui_list_action(&l, KB_ACTION_LAST));
    cr_assert_eq(l.sel, 0, "an empty list has nothing to select");
}

Test(tui_view, list_as_a_pager)
{
    kb_tui_list l = {.pager = true};
    kb_tui_list_resize(&l, 50, 10);
    kb_tui_list_action(&l, KB_ACTION_CURSOR_DOWN);
    kb_tui_list_action(&l, KB_ACTION_CURSOR_DOWN);
    cr_assert_eq(l.top, 2);
    kb_tui_list_action(&l, KB_ACTION_LAST);
    cr_assert_eq(l.top, 40, "the last page is full");
    kb_tui_list_action(&l, KB_ACTION_PAGE_DOWN);
    cr_assert_eq(l.top, 40);
    kb_tui_list_action(&l, KB_ACTION_PAGE_UP);
    cr_assert_eq(l.top, 31);
    kb_tui_list_resize(&l, 50, 60); /* everything fits */
    cr_assert_eq(l.top, 0);
    /* before the first draw the height is unknown: clamped at the draw */
    kb_tui_list p = {.pager = true};
    kb_tui_list_end(&p);
    p.n = 30;
    kb_tui_list_resize(&p, p.n, 10);
    cr_assert_eq(p.top, 20);
}

static void kb_row(void *ctx, kb_grid *g, size_t row, int x, int y, int w, bool selected)
{
    (void)ctx;
    char s[32];
    snprintf(s, sizeof s, "%s row %zu", selected ? ">" : " ", row);
    kb_grid_put(g, x, y, w, s, KB_PLAIN);
}

Test(tui_view, list_draws_the_visible_rows)
{
    kb_grid *g = kb_grid_new(20, 6, false);
    kb_tui_list l = {.n = 10};
    kb_tui_list_select(&l, 7);
    kb_tui_list_draw(&l, g, 0, 1, 20, 4, kb_row, NULL);
    char *d = kb_grid_dump(g);
    cr_assert_str_eq(d, "\n  row 4\n  row 5\n  row 6\n> row 7\n\n");
    kb_free(&d);
    /* a pager marks that more follows */
    kb_grid_clear(g);
    kb_tui_list p = {.n = 10, .pager = true};
    kb_tui_list_draw(&p, g, 0, 0, 20, 3, kb_row, NULL);
    d = kb_grid_dump(g);
    cr_assert_str_eq(d, "  row 0\n  row 1\n  row 2"
                        "          ..."
                        "\n\n\n\n");
    kb_free(&d);
    kb_grid_free(&g);
}
