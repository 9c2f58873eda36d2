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

/* The pager's wrap: a line that fits is kept as printed; a longer one
 * breaks at blanks, rows after the first indented like its text (a
 * bullet, a table's last column), widths of accents and CJK counted. */
Test(tui_grid, wrap_hang)
{
    setlocale(LC_ALL, "C.UTF-8");
    kb_strv out = {0};
    kb_tui_wrap_hang("  a   b", 20, true, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_str_eq(out.v[0], "  a   b");
    kb_strv_free(&out);
    kb_tui_wrap_hang("- #4 Festival één vergunning: on the agenda", 20, true, &out);
    cr_assert_eq(out.n, 3);
    cr_assert_str_eq(out.v[0], "- #4 Festival één");
    cr_assert_str_eq(out.v[1], "  vergunning: on the");
    cr_assert_str_eq(out.v[2], "  agenda");
    kb_strv_free(&out);
    /* a table row: the description column continues under itself */
    kb_tui_wrap_hang("  case move N   move a case to another stage", 40, true, &out);
    cr_assert_eq(out.n, 2);
    cr_assert_str_eq(out.v[0], "  case move N   move a case to another");
    cr_assert_str_eq(out.v[1], "                stage");
    kb_strv_free(&out);
    /* wide characters take two columns; a word longer than a row is cut */
    kb_tui_wrap_hang("東京東京東京 xyz", 8, true, &out);
    cr_assert_eq(out.n, 2);
    cr_assert_str_eq(out.v[0], "東京東京");
    cr_assert_str_eq(out.v[1], "東京 xyz");
    for (size_t i = 0; i < out.n; i++)
        cr_assert_leq(kb_tui_width(out.v[i], true), 8);
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

/* A suggestion acts like selected text: the first text typed replaces it;
 * an editing action keeps it (and ends the selection); a key that is no
 * line edit leaves it selected. */
Test(tui_grid, line_editor_suggestion)
{
    kb_tui_line l;
    kb_tui_line_init_suggested(&l, "First contact @ann 7d");
    cr_assert(l.suggested);
    cr_assert_eq(l.cur, l.len);
    cr_assert(!kb_tui_line_action(&l, KB_ACTION_SUBMIT));
    cr_assert(l.suggested, "a key that is no line edit keeps the selection");
    kb_tui_line_insert_cp(&l, 'B');
    kb_tui_line_insert(&l, "el");
    cr_assert_str_eq(l.text, "Bel");
    cr_assert(!l.suggested);
    kb_tui_line_free(&l);

    kb_tui_line_init_suggested(&l, "First contact @ann 7d");
    kb_tui_line_action(&l, KB_ACTION_DELETE_CHAR_BACK);
    cr_assert_str_eq(l.text, "First contact @ann 7", "Backspace edits the suggestion");
    kb_tui_line_action(&l, KB_ACTION_DELETE_CHAR_BACK);
    kb_tui_line_insert(&l, "2w");
    cr_assert_str_eq(l.text, "First contact @ann 2w");
    kb_tui_line_free(&l);

    kb_tui_line_init_suggested(&l, "Café");
    kb_tui_line_action(&l, KB_ACTION_LINE_START);
    kb_tui_line_insert(&l, "Het ");
    cr_assert_str_eq(l.text, "Het Café");
    kb_tui_line_free(&l);

    kb_tui_line_init_suggested(&l, "");
    cr_assert(!l.suggested, "an empty suggestion is no selection");
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
    /* row 1 lists the stages, the one on screen in brackets (names cut
     * before any count, stage line); row 2 has the column headers, with
     * "<" when there are stages to the left */
    char *r = kb_row(g, 1);
    cr_assert(strstr(r, "[Embedd") != NULL && strstr(r, " 1]") != NULL, "%s", r);
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

/* The cursor's case and lane code. */
static const char *kb_cur_lane_code(const kb_tui_app *a)
{
    return a->cur_lane < a->lay.nlanes ? a->lay.lanes[a->cur_lane].code : "?";
}

Test(tui_grid, cursor_starts_on_the_first_card)
{
    /* a board whose first lanes are empty: the cursor is on a card */
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    kb_case_vec_free(&a.cache.cases);
    kb_fx_case(&a.cache.cases, "Werkervaringsplekken bij de bibliotheek", "explore", "INC", NULL);
    kb_tui_app_dirty(&a);
    a.cur_placed = false;
    a.cur_number = 0;
    kb_tui_reselect(&a);
    cr_assert_eq(a.cur_number, 1);
    cr_assert_str_eq(kb_cur_lane_code(&a), "INC");
    cr_assert_eq(a.cur_lane, 2, "INC is the third lane (DUU, ECO, INC)");
    cr_assert_eq(kb_tui_app_key(&a, KB_KEY_ENTER, 0) & KB_TUI_R_REFUSED, 0);
    kb_fx_free(&a);

    /* the full board, no lanes of one's own: the top card of the leftmost
     * stage (the board opens at its left edge) */
    kb_fx_app(&a, 80, 24, true);
    a.cur_placed = false;
    a.cur_number = 0;
    kb_tui_reselect(&a);
    cr_assert_eq(a.cur_number, 4, "#4 (no lead department, Signal) is the first card");
    /* a filter that hides the selected case: the cursor goes to a card */
    kb_err e;
    cr_assert_eq(kb_tui_set_filter(&a, "dept:INK", &e), KB_OK, "%s", e.msg);
    cr_assert_neq(a.cur_number, 0, "after the filter the cursor is on a card");
    cr_assert(a.cur_number == 11 || a.cur_number == 3, "#%u", a.cur_number);
    /* a filter that keeps it: the cursor stays */
    (void)kb_tui_select_case(&a, 3, NULL);
    cr_assert_eq(kb_tui_set_filter(&a, "dept:INK stage:connect", &e), KB_OK, "%s", e.msg);
    cr_assert_eq(a.cur_number, 3);
    kb_fx_free(&a);
}

Test(tui_grid, own_lanes_first_and_department_colours)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    kb_user u = {.name = "alice"};
    kb_strv_split(&u.depts, "SOC,INC");
    a.refs.users = &u;
    a.refs.nusers = 1;
    kb_fx_depts[2].colour = "green";          /* INC */
    kb_fx_depts[4].colour = "Bright Cyan";    /* SOC */
    kb_fx_depts[1].colour = "no-such-colour"; /* ECO */
    kb_tui_app_dirty(&a);
    a.cur_placed = false;
    a.cur_number = 0;
    kb_tui_reselect(&a);
    /* alice's departments first (in the board's order), then the cases
     * without a lead department, then the others */
    cr_assert_str_eq(a.lay.lanes[0].code, "INC");
    cr_assert_str_eq(a.lay.lanes[1].code, "SOC");
    cr_assert_str_eq(a.lay.lanes[2].code, "");
    cr_assert_str_eq(a.lay.lanes[3].code, "DUU");
    cr_assert(a.lay.lanes[0].own && a.lay.lanes[1].own && !a.lay.lanes[3].own);
    /* she starts on her own lane's first card */
    cr_assert_eq(a.cur_number, 7);
    cr_assert_str_eq(kb_cur_lane_code(&a), "INC");
    /* the departments' colours, a readable fallback for unknown names */
    cr_assert_eq(a.lay.lanes[0].color, KB_GC_DEPT_GREEN);
    cr_assert_eq(a.lay.lanes[1].color, KB_GC_DEPT_CYAN);
    for (size_t i = 0; i < a.lay.nlanes; i++)
        if (strcmp(a.lay.lanes[i].code, "ECO") == 0 || strcmp(a.lay.lanes[i].code, "DUU") == 0)
            cr_assert_eq(a.lay.lanes[i].color, KB_GC_LANE);
    cr_assert_eq(kb_tui_dept_color(NULL), KB_GC_LANE);
    cr_assert_eq(kb_tui_dept_color("RED"), KB_GC_DEPT_RED);
    cr_assert_eq(kb_tui_dept_color("light-blue"), KB_GC_DEPT_BLUE);
    /* the header cells carry the colour role (the terminal maps it to a
     * colour pair, or to nothing under NO_COLOR) */
    kb_grid *g = kb_grid_new(80, 24, true);
    kb_tui_app_draw(&a, g);
    int y = -1;
    for (int r = 0; r < 24 && y < 0; r++) {
        char *row = kb_row(g, r);
        if (strstr(row, "INC Inclusion"))
            y = r;
        kb_free(&row);
    }
    cr_assert_geq(y, 0);
    cr_assert_eq(kb_grid_cell(g, 2, y)->st.color, KB_GC_DEPT_GREEN);
    kb_grid_free(&g);
    kb_fx_depts[2].colour = kb_fx_depts[4].colour = kb_fx_depts[1].colour = NULL;
    a.refs.users = NULL;
    a.refs.nusers = 0;
    kb_strv_free(&u.depts);
    kb_fx_free(&a);
}

Test(tui_grid, involved_departments_copies_toggle)
{
    kb_tui_app a;
    kb_fx_app(&a, 120, 40, true);
    kb_grid *g = kb_grid_new(120, 40, true);
    kb_tui_app_draw(&a, g);
    char *d = kb_grid_dump(g);
    cr_assert_null(strstr(d, "~#"), "copies are hidden by default: %s", d);
    cr_assert(strstr(d, "!A+2") != NULL, "the card says how many departments: %s", d);
    kb_free(&d);
    /* m shows them, one row each (compact), muted */
    unsigned r = kb_tui_app_key(&a, 'm', 0);
    cr_assert(r & KB_TUI_R_VIEW);
    cr_assert(a.show_mirrors);
    cr_assert_eq(a.cur_number, 1, "the cursor stays on its case");
    kb_tui_app_draw(&a, g);
    d = kb_grid_dump(g);
    cr_assert(strstr(d, "~#1 Café De Hoek") != NULL, "%s", d);
    kb_free(&d);
    size_t copies = 0;
    for (size_t i = 0; i < a.lay.nlanes; i++)
        for (size_t s = 0; s < a.lay.nstages; s++)
            for (size_t k = 0; k < a.lay.lanes[i].cells[s].n; k++)
                if (a.lay.lanes[i].cells[s].v[k].mirror) {
                    copies++;
                    cr_assert_eq(a.lay.lanes[i].cells[s].v[k].h, 1);
                }
    cr_assert_eq(copies, 7);
    /* on a copy, m again: back to the case in its lead lane */
    cr_assert(kb_tui_select_case(&a, 1, "INC"));
    cr_assert_str_eq(kb_cur_lane_code(&a), "INC");
    kb_tui_app_key(&a, 'm', 0);
    cr_assert_not(a.show_mirrors);
    cr_assert_eq(a.cur_number, 1);
    cr_assert_str_eq(kb_cur_lane_code(&a), "ECO");
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
    /* the lead listed again (the involved field edited: as shown, INC would
     * simply leave the involved ones): the message lands on the lead field */
    kb_tui_line_set(&f->f[KB_FF_DEPTS], "DUU, INC");
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
