/* Golden-screen tests of the TUI: every view is drawn into the cell grid
 * from in-memory data (test_tui_fixture.h) at 80x24 and 120x40 and compared,
 * as text, with tests/golden/NAME_WxH.txt.
 *
 * Regenerate the goldens after an intended change of the screens:
 *
 *     KB_UPDATE_GOLDEN=1 build/test/tests/test_tui_golden
 *
 * (then review them with git diff).  */
#include <criterion/criterion.h>

#include "test_tui_fixture.h"

static char *kb_golden_dir(void)
{
    const char *env = getenv("KB_GOLDEN_DIR");
    if (env && env[0])
        return kb_strdup(env);
    /* __FILE__ is .../tests/unit/test_tui_golden.c */
    char *d = kb_strdup(__FILE__);
    char *s = strrchr(d, '/');
    if (s)
        *s = '\0';
    s = strrchr(d, '/');
    if (s)
        *s = '\0';
    char *out = kb_asprintf("%s/golden", s ? d : ".");
    kb_free(&d);
    return out;
}

static char *kb_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = (len + 4096 + 1) * 2;
            buf = kb_realloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, 4096, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static void kb_golden(kb_tui_app *a, const char *name)
{
    kb_grid *g = kb_grid_new(a->w, a->h, a->utf8);
    kb_tui_app_draw(a, g);
    char *dump = kb_grid_dump(g);
    char *dir = kb_golden_dir();
    char *path = kb_asprintf("%s/%s_%dx%d.txt", dir, name, a->w, a->h);
    const char *upd = getenv("KB_UPDATE_GOLDEN");
    if (upd && upd[0] && strcmp(upd, "0") != 0) {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f, "cannot write %s", path);
        fputs(dump, f);
        fclose(f);
    } else {
        char *want = kb_slurp(path);
        cr_assert_not_null(want,
                           "missing golden %s; create it with KB_UPDATE_GOLDEN=1 "
                           "build/test/tests/test_tui_golden\n--- screen:\n%s",
                           path, dump);
        cr_assert_str_eq(dump, want,
                         "screen differs from %s (regenerate with KB_UPDATE_GOLDEN=1 if the "
                         "change is intended)\n--- got:\n%s--- want:\n%s",
                         path, dump, want);
        kb_free(&want);
    }
    kb_free(&path);
    kb_free(&dir);
    kb_free(&dump);
    kb_grid_free(&g);
}

static const int kb_sizes[][2] = {{80, 24}, {120, 40}};

Test(tui_golden, board)
{
    for (size_t i = 0; i < 2; i++) {
        kb_tui_app a;
        kb_fx_app(&a, kb_sizes[i][0], kb_sizes[i][1], true);
        kb_golden(&a, "board");
        kb_fx_free(&a);
    }
}

Test(tui_golden, board_ascii)
{
    /* LANG=C: no UTF-8 at all, accents become ASCII look-alikes */
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, false);
    kb_golden(&a, "board_ascii");
    kb_grid *g = kb_grid_new(80, 24, false);
    kb_tui_app_draw(&a, g);
    char *dump = kb_grid_dump(g);
    for (const unsigned char *p = (const unsigned char *)dump; *p; p++)
        cr_assert_lt(*p, 0x80, "non-ASCII byte in the C-locale screen");
    kb_free(&dump);
    kb_grid_free(&g);
    kb_fx_free(&a);
}

Test(tui_golden, board_filtered)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    kb_err e;
    cr_assert_eq(kb_tui_set_filter(&a, "dept:ECO -blocked", &e), KB_OK, "%s", e.msg);
    kb_golden(&a, "board_filtered");
    kb_fx_free(&a);
}

Test(tui_golden, collapsed_lane)
{
    for (size_t i = 0; i < 2; i++) {
        kb_tui_app a;
        kb_fx_app(&a, kb_sizes[i][0], kb_sizes[i][1], true);
        kb_view_board_action(&a, KB_ACTION_LANE_TOGGLE); /* ECO, where the cursor is */
        (void)kb_tui_select_case(&a, 5, "DUU");
        kb_view_board_action(&a, KB_ACTION_LANE_TOGGLE); /* and DUU */
        kb_golden(&a, "lane_collapsed");
        kb_fx_free(&a);
    }
}

static void kb_fx_timeline(kb_comment_vec *tl)
{
    static const struct {
        int kind, d, hh, mm;
        const char *who, *text;
    } e[] = {
        {KB_ENTRY_CHANGE, 2, 9, 12, "alice", "case created"},
        {KB_ENTRY_CHANGE, 3, 14, 30, "alice",
         "stage: signal -> explore; lead department: - -> ECO"},
        {KB_ENTRY_COMMENT, 6, 10, 3, "bob",
         "Ondernemer gebeld; wil graag in gesprek met vergunningen en met inclusie over "
         "personeel met een afstand tot de arbeidsmarkt."},
        {KB_ENTRY_CHANGE, 13, 16, 45, "carol", "due: - -> 2024-05-01; put on the agenda"},
    };
    memset(tl, 0, sizeof *tl);
    tl->v = kb_calloc(4, sizeof *tl->v);
    for (size_t i = 0; i < 4; i++) {
        kb_comment *c = &tl->v[i];
        c->case_number = 1;
        c->kind = (enum kb_entry_kind)e[i].kind;
        c->author = kb_strdup(e[i].who);
        c->time = kb_fx_time(2024, 5, e[i].d, e[i].hh, e[i].mm);
        c->text = kb_strdup(e[i].text);
    }
    tl->n = 4;
}

static void kb_fx_items(kb_action_vec *av, kb_link_vec *lv)
{
    static const struct {
        const char *text, *owner;
        int m, d;
        bool done;
    } ai[] = {
        {"Eerste gesprek met de eigenaar", "alice", 5, 6, true},
        {"Vergunningscheck terras aanvragen bij VTH", "bob", 5, 10, false},
        {"UWV bellen over loonkostensubsidie", "carol", 5, 29, false},
    };
    memset(av, 0, sizeof *av);
    av->v = kb_calloc(3, sizeof *av->v);
    for (size_t i = 0; i < 3; i++) {
        kb_action_item *x = &av->v[i];
        kb_action_item_init(x);
        x->number = (uint32_t)i + 1;
        x->case_number = 1;
        x->text = kb_strdup(ai[i].text);
        x->owner = kb_strdup(ai[i].owner);
        x->due = kb_date_from_ymd(2024, ai[i].m, ai[i].d);
        x->done = ai[i].done;
    }
    av->n = 3;
    memset(lv, 0, sizeof *lv);
    lv->v = kb_calloc(2, sizeof *lv->v);
    lv->v[0].from = 1;
    lv->v[0].to = 7;
    lv->v[0].kind = KB_LINK_RELATED;
    lv->v[1].from = 4;
    lv->v[1].to = 1;
    lv->v[1].kind = KB_LINK_DUPLICATE;
    lv->n = 2;
}

Test(tui_golden, case_view)
{
    for (size_t i = 0; i < 2; i++) {
        kb_tui_app a;
        kb_fx_app(&a, kb_sizes[i][0], kb_sizes[i][1], true);
        kb_case c;
        kb_case_copy(&c, kb_tui_case(&a, 1));
        kb_comment_vec tl;
        kb_fx_timeline(&tl);
        kb_action_vec av;
        kb_link_vec lv;
        kb_fx_items(&av, &lv);
        kb_view_case_set(&a, &c, &tl, &av, &lv);
        kb_golden(&a, "case");
        kb_fx_free(&a);
    }
}

Test(tui_golden, case_view_read_only)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    cr_assert_eq(kb_view_case_open(&a, 5), KB_TUI_R_VIEW);
    kb_golden(&a, "case_edited");
    kb_fx_free(&a);
}

Test(tui_golden, form_error)
{
    for (size_t i = 0; i < 2; i++) {
        kb_tui_app a;
        kb_fx_app(&a, kb_sizes[i][0], kb_sizes[i][1], true);
        kb_view_form_fill(&a, kb_tui_case(&a, 1), false);
        kb_tui_form *f = kb_tui_form_state(&a);
        kb_tui_line_set(&f->f[KB_FF_STAGE], "verkennen");
        kb_tui_line_set(&f->f[KB_FF_PRIORITY], "5");
        kb_tui_line_set(&f->f[KB_FF_DUE], "31-05-2024");
        kb_case out;
        kb_case_init(&out);
        cr_assert_not(kb_view_form_build(&a, &out));
        kb_case_free(&out);
        cr_assert_eq(f->focus, KB_FF_STAGE);
        kb_golden(&a, "form_error");
        kb_fx_free(&a);
    }
}

Test(tui_golden, help)
{
    for (size_t i = 0; i < 2; i++) {
        kb_tui_app a;
        kb_fx_app(&a, kb_sizes[i][0], kb_sizes[i][1], true);
        cr_assert_eq(kb_tui_app_key(&a, '?', 0), KB_TUI_R_VIEW);
        cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_help));
        kb_golden(&a, "help");
        kb_fx_free(&a);
    }
}

Test(tui_golden, lock_banner)
{
    for (size_t i = 0; i < 2; i++) {
        kb_tui_app a;
        kb_fx_app(&a, kb_sizes[i][0], kb_sizes[i][1], true);
        a.idle_lock_ms = 15 * 60 * 1000;
        a.last_key_ms = 0;
        unsigned r = kb_tui_app_tick(&a, 15 * 60 * 1000);
        cr_assert(r & KB_TUI_R_FULL);
        cr_assert_eq(a.overlay, KB_OV_LOCK);
        kb_golden(&a, "lock");
        kb_fx_free(&a);
    }
}

static void kb_fx_conflict(kb_tui_app *a)
{
    const kb_case *c = kb_tui_case(a, 1);
    kb_view_form_fill(a, c, false);
    kb_case mine, theirs;
    kb_case_copy(&mine, c);
    kb_case_copy(&theirs, c);
    kb_free(&mine.title);
    mine.title = kb_strdup("Café De Hoek: terras en twee leerwerkplekken");
    mine.due = kb_date_from_ymd(2024, 6, 15);
    kb_free(&theirs.title);
    theirs.title = kb_strdup("Café De Hoek wil uitbreiden (terras, personeel)");
    kb_free(&theirs.stage);
    theirs.stage = kb_strdup("connect");
    theirs.version = c->version + 1;
    kb_view_conflict_open(a, &mine, &theirs);
    kb_case_free(&mine);
    kb_case_free(&theirs);
}

Test(tui_golden, conflict_dialog)
{
    for (size_t i = 0; i < 2; i++) {
        kb_tui_app a;
        kb_fx_app(&a, kb_sizes[i][0], kb_sizes[i][1], true);
        kb_fx_conflict(&a);
        cr_assert_eq(kb_tui_conflict_state(&a)->n, 3); /* title, stage, due */
        /* take theirs for the stage (second row) */
        kb_tui_app_key(&a, KB_KEY_DOWN, 0);
        kb_tui_app_key(&a, KB_KEY_RIGHT, 0);
        cr_assert(kb_tui_conflict_state(&a)->take_theirs[KB_FF_STAGE]);
        kb_golden(&a, "conflict");
        kb_fx_free(&a);
    }
}
