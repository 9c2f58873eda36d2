/* The TUI's cell grid, text helpers, line editor and board navigation,
 * without a terminal or a board file. */
#include <criterion/criterion.h>

#include "test_tui_fixture.h"

static char *kb_row(const kb_grid *g, int y)
{
    char *all = kb_grid_dump(g);
    char *p = all;
    for (int i = 0; i < y && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    char *end = p ? strchr(p, '\n') : NULL;
    char *out = p ? kb_strndup(p, end ? (size_t)(end - p) : strlen(p)) : kb_strdup("");
    kb_free(&all);
    return out;
}

Test(tui_grid, wide_characters_and_cutting)
{
    setlocale(LC_ALL, "C.UTF-8");
    kb_grid *g = kb_grid_new(10, 2, true);
    cr_assert_eq(kb_grid_put(g, 0, 0, 10, "東京abc", KB_PLAIN), 7);
    char *r = kb_row(g, 0);
    cr_assert_str_eq(r, "東京abc");
    kb_free(&r);
    /* a narrow character over the second half of a wide one blanks the first half */
    kb_grid_putc(g, 1, 0, 10, 'x', KB_PLAIN);
    r = kb_row(g, 0);
    cr_assert_str_eq(r, " x京abc");
    kb_free(&r);
    /* a wide character that does not fit is not drawn half */
    kb_grid_clear(g);
    cr_assert_eq(kb_grid_put(g, 0, 1, 3, "ab東", KB_PLAIN), 2);
    /* cutting by display width with an ellipsis */
    kb_grid_put_cut(g, 0, 0, 6, "Café De Hoek", KB_PLAIN);
    r = kb_row(g, 0);
    cr_assert_str_eq(r, "Café …");
    kb_free(&r);
    kb_grid_clear(g);
    kb_grid_put_cut(g, 0, 0, 6, "東京東京東京", KB_PLAIN);
    r = kb_row(g, 0);
    cr_assert_str_eq(r, "東京…");
    kb_free(&r);
    /* combining accent: one column */
    cr_assert_eq(kb_tui_width("e\xcc\x81t\xc3\xa9", true), 3);
    kb_grid_clear(g);
    cr_assert_eq(kb_grid_put(g, 0, 0, 10, "e\xcc\x81!", KB_PLAIN), 2);
    r = kb_row(g, 0);
    cr_assert_str_eq(r, "e\xcc\x81!");
    kb_free(&r);
    kb_grid_free(&g);
}

Test(tui_grid, ascii_fallback)
{
    setlocale(LC_ALL, "C");
    kb_grid *g = kb_grid_new(30, 1, false);
    kb_grid_put(g, 0, 0, 30, "Café Zürich 東京 \xe2\x80\x94 ok", KB_PLAIN);
    char *r = kb_row(g, 0);
    cr_assert_str_eq(r, "Cafe Zurich ?? - ok");
    kb_free(&r);
    kb_grid_clear(g);
    kb_grid_put_cut(g, 0, 0, 5, "Leegstand", KB_PLAIN);
    r = kb_row(g, 0);
    cr_assert_str_eq(r, "Leeg~");
    kb_free(&r);
    /* control characters never reach the terminal */
    kb_grid_clear(g);
    kb_grid_put(g, 0, 0, 30, "a\x1b[31mb\x07", KB_PLAIN);
    r = kb_row(g, 0);
    cr_assert_str_eq(r, "a?[31mb?");
    kb_free(&r);
    kb_grid_free(&g);
}

Test(tui_grid, wrap)
{
    setlocale(LC_ALL, "C.UTF-8");
    kb_strv out = {0};
    kb_tui_wrap("een twee drie vier\nvijf zeszeszeszes", 9, true, &out);
    cr_assert_eq(out.n, 5);
    cr_assert_str_eq(out.v[0], "een twee");
    cr_assert_str_eq(out.v[1], "drie vier");
    cr_assert_str_eq(out.v[2], "vijf");
    cr_assert_str_eq(out.v[3], "zeszeszes");
    cr_assert_str_eq(out.v[4], "zes");
    kb_strv_free(&out);
}

Test(tui_grid, line_editor)
{
    kb_tui_line l;
    kb_tui_line_init(&l, "Café");
    kb_tui_line_action(&l, KB_ACTION_DELETE_CHAR_BACK);
    cr_assert_str_eq(l.text, "Caf");
    kb_tui_line_insert_cp(&l, 0xE9);
    kb_tui_line_insert(&l, " De Hoek");
    cr_assert_str_eq(l.text, "Café De Hoek");
    kb_tui_line_action(&l, KB_ACTION_DELETE_WORD_BACK);
    cr_assert_str_eq(l.text, "Café De ");
    kb_tui_line_action(&l, KB_ACTION_LINE_START);
    kb_tui_line_action(&l, KB_ACTION_CURSOR_RIGHT);
    kb_tui_line_action(&l, KB_ACTION_KILL_TO_END);
    cr_assert_str_eq(l.text, "C");
    kb_tui_line_action(&l, KB_ACTION_KILL_TO_START);
    cr_assert_str_eq(l.text, "");
    kb_tui_line_action(&l, KB_ACTION_DELETE_CHAR_BACK);
    cr_assert_str_eq(l.text, "");
    kb_tui_line_free(&l);
}

Test(tui_grid, navigation_follows_cases)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    cr_assert_eq(a.cur_number, 1);
    /* j/k within the cell and across lanes */
    kb_tui_app_key(&a, 'k', 0);
    cr_assert_eq(a.cur_number, 10); /* priority 3 sorts first */
    kb_tui_app_key(&a, 'j', 0);
    cr_assert_eq(a.cur_number, 1);
    /* another user moves case 1 to "connect": the cursor follows it */
    kb_case *c = (kb_case *)kb_tui_case(&a, 1);
    kb_free(&c->stage);
    c->stage = kb_strdup("connect");
    kb_tui_app_dirty(&a);
    kb_tui_reselect(&a);
    cr_assert_eq(a.cur_number, 1);
    cr_assert_str_eq(a.refs.stages[a.cur_stage].code, "connect");
    /* a new case appears without moving the cursor */
    kb_fx_case(&a.cache.cases, "Nieuw", "connect", "ECO", NULL);
    kb_tui_app_dirty(&a);
    kb_tui_reselect(&a);
    cr_assert_eq(a.cur_number, 1);
    /* collapse: the count stays visible, the cursor sits on the lane */
    kb_tui_app_key(&a, ' ', 0);
    cr_assert_eq(a.cur_number, 0);
    kb_grid *g = kb_grid_new(80, 24, true);
    kb_tui_app_draw(&a, g);
    char *d = kb_grid_dump(g);
    cr_assert(strstr(d, "\xe2\x96\xb8 ECO Economy (5 +2)") != NULL, "%s", d);
    kb_free(&d);
    kb_tui_app_key(&a, ' ', 0);
    cr_assert_neq(a.cur_number, 0);
    kb_grid_free(&g);
    kb_fx_free(&a);
}

Test(tui_grid, scrolls_sideways_and_down_when_narrow)
{
    kb_tui_app a;
    kb_fx_app(&a, 40, 12, true);
    kb_grid *g = kb_grid_new(40, 12, true);
    for (int i = 0; i < 4; i++)
        kb_tui_app_key(&a, 'l', 0);
    kb_tui_app_draw(&a, g);
    cr_assert_gt(a.scroll_x, 0);
    /* row 1 lists the stages, the one on screen in brackets; row 2 has
     * the column headers, with "<" when there are stages to the left */
    char *r = kb_row(g, 1);
    cr_assert(strstr(r, "[Embedded/Done 1]") != NULL, "%s", r);
    kb_free(&r);
    r = kb_row(g, 2);
    cr_assert(strncmp(r, "< ", 2) == 0, "%s", r);
    cr_assert(strstr(r, "Embedded") != NULL, "%s", r);
    kb_free(&r);
    /* J goes lane by lane (j only stops at cards of this stage) */
    for (int i = 0; i < 30; i++)
        kb_tui_app_key(&a, 'J', 0);
    kb_tui_app_draw(&a, g);
    cr_assert_gt(a.scroll_y, 0);
    char *d = kb_grid_dump(g);
    cr_assert(strstr(d, "VAS Real estate") != NULL, "%s", d);
    kb_free(&d);
    kb_grid_free(&g);
    kb_fx_free(&a);
}

Test(tui_grid, filter_counts_and_help_keys)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    kb_err e;
    cr_assert_eq(kb_tui_count_matches(&a, "dept:ECO", &e), 6);
    cr_assert_eq(kb_tui_count_matches(&a, "stage:Explore overdue", &e), 1);
    cr_assert_eq(kb_tui_count_matches(&a, "dept:", &e), -1);
    cr_assert(strstr(e.msg, "column") != NULL, "%s", e.msg);
    /* / opens the prompt, typing updates the count, Esc keeps the old filter */
    kb_tui_app_key(&a, '/', 0);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    kb_tui_app_key(&a, 'b', 0);
    kb_tui_app_key(&a, 'l', 0);
    kb_tui_app_key(&a, 'o', 0);
    kb_tui_app_key(&a, 'c', 0);
    kb_tui_app_key(&a, 'k', 0);
    kb_tui_app_key(&a, 'e', 0);
    kb_tui_app_key(&a, 'd', 0);
    cr_assert_str_eq(kb_tui_prompt_state(&a)->info, "1 match");
    kb_tui_app_key(&a, KB_KEY_ESC, 0);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_board));
    cr_assert_null(a.filter_text);
    /* Tab completes field names */
    kb_tui_app_key(&a, '/', 0);
    kb_tui_app_key(&a, 's', 0);
    kb_tui_app_key(&a, 't', 0);
    kb_tui_app_key(&a, KB_KEY_TAB, 0);
    cr_assert_str_eq(kb_tui_prompt_state(&a)->line.text, "stage:");
    kb_tui_app_key(&a, 'c', 0);
    kb_tui_app_key(&a, 'o', 0);
    kb_tui_app_key(&a, KB_KEY_TAB, 0);
    cr_assert_str_eq(kb_tui_prompt_state(&a)->line.text, "stage:connect ");
    kb_tui_app_key(&a, KB_KEY_ENTER, 0);
    cr_assert_str_eq(a.filter_text, "stage:connect");
    cr_assert_eq(a.lay.shown, 2);
    /* privacy blank and back */
    kb_tui_app_key(&a, 'b', 0);
    cr_assert_eq(a.overlay, KB_OV_BLANK);
    kb_grid *g = kb_grid_new(80, 24, true);
    kb_tui_app_draw(&a, g);
    kb_tui_msg(&a, false, "#1 Café De Hoek"); /* a message must not show through */
    kb_tui_draw_status(&a, g);
    char *d = kb_grid_dump(g);
    for (char *p = d; *p; p++)
        cr_assert(*p == '\n', "the blank screen shows something");
    kb_free(&d);
    kb_tui_app_key(&a, 'x', 0);
    cr_assert_eq(a.overlay, KB_OV_NONE);
    kb_grid_free(&g);
    kb_fx_free(&a);
}

Test(tui_grid, form_validation_is_field_by_field)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    kb_view_form_fill(&a, kb_tui_case(&a, 1), false);
    kb_tui_form *f = kb_tui_form_state(&a);
    /* swap lead and involved department in one go: valid together */
    kb_tui_line_set(&f->f[KB_FF_LEAD], "Inclusion");
    kb_tui_line_set(&f->f[KB_FF_DEPTS], "eco, DUU");
    kb_tui_line_set(&f->f[KB_FF_STAGE], "Connect");
    kb_case out;
    kb_case_init(&out);
    cr_assert(kb_view_form_build(&a, &out), "%s", f->error ? f->error : "");
    cr_assert_str_eq(out.lead_dept, "INC");
    cr_assert_str_eq(out.depts.v[0], "ECO");
    cr_assert_str_eq(out.stage, "connect");
    kb_case_free(&out);
    /* the lead listed again: the message lands on the lead field */
    kb_tui_line_set(&f->f[KB_FF_DEPTS], "INC, DUU");
    cr_assert_not(kb_view_form_build(&a, &out));
    cr_assert_not_null(f->ferr[KB_FF_LEAD]);
    cr_assert(strstr(f->ferr[KB_FF_LEAD], "lead department") != NULL, "%s", f->ferr[KB_FF_LEAD]);
    cr_assert_eq(f->focus, KB_FF_LEAD);
    /* an empty title and a bad agenda answer: two messages */
    kb_tui_line_set(&f->f[KB_FF_DEPTS], "DUU");
    kb_tui_line_set(&f->f[KB_FF_TITLE], "  ");
    kb_tui_line_set(&f->f[KB_FF_AGENDA], "misschien");
    cr_assert_not(kb_view_form_build(&a, &out));
    cr_assert_not_null(f->ferr[KB_FF_TITLE]);
    cr_assert_not_null(f->ferr[KB_FF_AGENDA]);
    cr_assert_null(f->ferr[KB_FF_LEAD]);
    cr_assert_eq(f->focus, KB_FF_TITLE);
    cr_assert_str_eq(f->f[KB_FF_AGENDA].text, "misschien", "the input is kept");
    kb_fx_free(&a);
}
