/* The report screen and saved views in the TUI, without a terminal: golden
 * screens of the report (board key R) at 80x24 and 120x36 in UTF-8 and
 * LANG=C (tests/golden/report*_WxH.txt; regenerate with
 * KB_UPDATE_GOLDEN=1 build/test/tests/test_tui_report), the past-norm
 * marker, column counts that follow the filter, the cursor on a single
 * match, sorting the cards (s), picking a personal view (v, @name) and the
 * filter history kept in the state directory. */
#include <criterion/criterion.h>
#include <sys/stat.h>

#include "kernboard/paths.h"
#include "kernboard/views.h"
#include "test_tui_fixture.h"

static char *kb_golden_path(const char *name, int w, int h)
{
    char *d = kb_strdup(__FILE__); /* .../tests/unit/test_tui_report.c */
    *strrchr(d, '/') = '\0';
    *strrchr(d, '/') = '\0';
    char *p = kb_asprintf("%s/golden/%s_%dx%d.txt", d, name, w, h);
    kb_free(&d);
    return p;
}

static char *kb_screen(kb_tui_app *a)
{
    kb_grid *g = kb_grid_new(a->w, a->h, a->utf8);
    kb_tui_app_draw(a, g);
    char *d = kb_grid_dump(g);
    kb_grid_free(&g);
    return d;
}

static void kb_golden(kb_tui_app *a, const char *name)
{
    char *dump = kb_screen(a);
    char *path = kb_golden_path(name, a->w, a->h);
    const char *upd = getenv("KB_UPDATE_GOLDEN");
    if (upd && upd[0] && strcmp(upd, "0") != 0) {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f, "cannot write %s", path);
        fputs(dump, f);
        fclose(f);
    } else {
        char *want = NULL;
        size_t n = 0;
        kb_err e;
        cr_assert_eq(kb_file_read(path, 1 << 20, &want, &n, &e), KB_OK,
                     "missing golden %s (KB_UPDATE_GOLDEN=1)\n%s", path, dump);
        cr_assert_str_eq(dump, want, "screen differs from %s\n--- got:\n%s--- want:\n%s", path,
                         dump, want);
        kb_free(&want);
    }
    kb_free(&path);
    kb_free(&dump);
}

/* The fixture with stage norms and known times in stage. */
static void kb_rp_app(kb_tui_app *a, int w, int h, bool utf8)
{
    setenv("TERM", "xterm-256color", 1);
    kb_fx_stages[0].norm_days = 14; /* signal */
    kb_fx_stages[1].norm_days = 30; /* explore */
    kb_fx_app(a, w, h, utf8);
    /* #4, #6 and #11 (signal) entered their stage 61, 10 and 3 days ago */
    a->cache.cases.v[3].moved = kb_time_of_date(a->today - 61) + 3600;
    a->cache.cases.v[5].moved = kb_time_of_date(a->today - 10) + 3600;
    a->cache.cases.v[10].moved = kb_time_of_date(a->today - 3) + 3600; /* #11 */
    kb_tui_app_dirty(a);
}

static void kb_rp_free(kb_tui_app *a)
{
    kb_fx_free(a);
}

TestSuite(tui_report, .timeout = 60);

Test(tui_report, golden_report_screens)
{
    static const int sizes[][2] = {{80, 24}, {120, 36}};
    for (size_t i = 0; i < 2; i++)
        for (int utf8 = 1; utf8 >= 0; utf8--) {
            kb_tui_app a;
            kb_rp_app(&a, sizes[i][0], sizes[i][1], utf8);
            kb_tui_app_key(&a, 'R', 0);
            cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_report));
            kb_golden(&a, utf8 ? "report" : "report_ascii");
            kb_rp_free(&a);
        }
}

Test(tui_report, report_scrolls_to_every_section)
{
    kb_tui_app a;
    kb_rp_app(&a, 80, 24, true);
    kb_tui_app_key(&a, 'R', 0);
    char *all = kb_strdup("");
    for (int k = 0; k < 12; k++) { /* page through the whole report */
        char *s = kb_screen(&a);
        char *j = kb_asprintf("%s%s", all, s);
        kb_free(&all);
        all = j;
        kb_free(&s);
        kb_tui_app_key(&a, KB_KEY_PAGEDOWN, 0);
    }
    cr_assert(strstr(all, "Stuck cases"), "%s", all);
    cr_assert(strstr(all, "Cases per organisation kind"), "%s", all);
    cr_assert(strstr(all, "█"));
    kb_free(&all);
    kb_tui_app_key(&a, KB_KEY_ESC, 0);
    cr_assert_not(kb_tui_view_is_top(&a, &kb_tui_view_report));
    kb_rp_free(&a);
}

Test(tui_report, board_marks_past_norm_and_counts_follow_the_filter)
{
    kb_tui_app a;
    kb_rp_app(&a, 120, 40, true);
    char buf[24];
    kb_tui_card_markers(&a, &a.cache.cases.v[3], buf, sizeof buf);
    cr_assert_str_eq(buf, "S61d"); /* #4: 61 days in signal, norm 14 */
    kb_tui_card_markers(&a, &a.cache.cases.v[5], buf, sizeof buf);
    cr_assert_eq(strchr(buf, 'S'), NULL); /* #6: 10 days */

    kb_err e;
    cr_assert_eq(kb_tui_set_filter(&a, "stage:signal stuck", &e), KB_OK);
    char *s = kb_screen(&a);
    cr_assert(strstr(s, "Signal 1") || strstr(s, "Signal                                 1"), "%s",
              s);
    kb_free(&s);
    /* one match: the cursor is on it */
    cr_assert_eq(a.lay.shown, 1);
    cr_assert_eq(a.cur_number, 4);
    cr_assert_eq(kb_tui_set_filter(&a, "#12", &e), KB_OK);
    cr_assert_eq(a.cur_number, 12);
    kb_rp_free(&a);
}

Test(tui_report, sort_cycles_and_orders_a_column)
{
    kb_tui_app a;
    kb_rp_app(&a, 120, 40, true);
    const char *order[] = {"priority", "due", "age", "number", NULL};
    for (size_t i = 0; i < 5; i++) {
        kb_tui_app_key(&a, 's', 0);
        if (order[i])
            cr_assert_str_eq(a.card_sort, order[i]);
        else
            cr_assert_null(a.card_sort);
    }
    /* by age: the longest in its stage first */
    kb_tui_card v[2] = {{.c = &a.cache.cases.v[5]}, {.c = &a.cache.cases.v[3]}};
    a.card_sort = kb_strdup("age");
    kb_tui_sort_cards(&a, v, 2);
    cr_assert_eq(v[0].c->number, 4);
    kb_free(&a.card_sort);
    a.card_sort = kb_strdup("number");
    kb_tui_sort_cards(&a, v, 2);
    cr_assert_eq(v[0].c->number, 4);
    kb_rp_free(&a);
}

Test(tui_report, personal_view_picked_and_history_kept)
{
    char dir[] = "/tmp/kb-tui-report.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *cfg = kb_asprintf("%s/config", dir), *state = kb_asprintf("%s/state", dir);
    setenv("XDG_CONFIG_HOME", cfg, 1);
    setenv("XDG_STATE_HOME", state, 1);
    /* personal views are kept per user in the board: a real board file
     * lends its views to the in-memory fixture while they are read */
    char *path = kb_asprintf("%s/board.kb", dir);
    kb_secret *p = kb_secret_new(KB_PASSPHRASE_MAX);
    memcpy(kb_secret_data(p), "admin passphrase", 16);
    kb_secret_set_len(p, 16);
    kb_board_opts o = {.kdf = "interactive"};
    kb_board *board = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(path, "anna", p, &o, &board, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    kb_saved_view x = {"sig", "stage:signal", "number", "ECO,-", false};
    cr_assert_eq(kb_view_save_personal(board, &x, &e), KB_OK, "%s", e.msg);

    kb_tui_app a;
    kb_rp_app(&a, 120, 40, true);
    kb_tui_app_key(&a, 'v', 0);
    cr_assert_not(kb_tui_view_is_top(&a, &kb_tui_view_views), "no board: no personal views");
    a.board = board;
    kb_tui_app_key(&a, 'v', 0);
    a.board = NULL;
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_views));
    char *s = kb_screen(&a);
    cr_assert(strstr(s, "@sig"), "%s", s);
    kb_free(&s);
    kb_tui_app_key(&a, KB_KEY_ENTER, 0);
    cr_assert_not(kb_tui_view_is_top(&a, &kb_tui_view_views));
    cr_assert_str_eq(a.filter_text, "stage:signal");
    cr_assert_str_eq(a.card_sort, "number");
    cr_assert_eq(a.lay.shown, 3);
    /* the view's lanes are open, the others collapsed */
    cr_assert(kb_strv_contains(&a.collapsed, "INC"));
    cr_assert_not(kb_strv_contains(&a.collapsed, "ECO"));
    cr_assert_not(kb_strv_contains(&a.collapsed, "-"));
    char *lanes = kb_tui_open_lanes(&a);
    cr_assert_str_eq(lanes, "ECO,-");
    kb_free(&lanes);
    /* @name on the filter line */
    a.board = board;
    cr_assert_eq(kb_tui_set_filter(&a, "@sig -#4", &e), KB_OK, "%s", e.msg);
    cr_assert_neq(kb_tui_set_filter(&a, "@nope", &e), KB_OK);
    a.board = NULL;
    cr_assert_eq(a.lay.shown, 2);

    /* the filter history: saved (0600) and read back */
    kb_strv_push(&a.hist_filter, "dept:ECO");
    kb_tui_history_save(&a);
    char *hp = kb_asprintf("%s/kernboard/filter_history", state);
    struct stat sb;
    cr_assert_eq(stat(hp, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600);
    kb_strv_free(&a.hist_filter);
    kb_tui_history_load(&a);
    cr_assert_eq(a.hist_filter.n, 1);
    cr_assert_str_eq(a.hist_filter.v[0], "dept:ECO");
    kb_rp_free(&a);
    kb_board_close(&board);
    kb_free(&path);
    char *cmd = kb_asprintf("rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    kb_free(&cmd);
    kb_free(&hp);
    kb_free(&cfg);
    kb_free(&state);
}
