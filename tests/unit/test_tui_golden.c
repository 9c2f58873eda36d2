/* Golden-screen tests of the TUI: every view is drawn into the cell grid
 * from in-memory data (test_tui_fixture.h) at 80x24 and 120x40 (the board
 * also at 200x50, a projector) and compared, as text, with
 * tests/golden/NAME_WxH.txt.  Besides the goldens, the board's cards are
 * measured: every title shows at least 20 cells, and no case is on the
 * screen twice while the copies of involved departments are hidden.
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

Test(tui_golden, board_projector)
{
    kb_tui_app a;
    kb_fx_app(&a, 200, 50, true);
    kb_golden(&a, "board");
    kb_fx_free(&a);
}

/* One card as found on the screen: its number and how many cells of its
 * title show. */
typedef struct kb_seen {
    uint32_t number;
    int title_w;
    bool mirror;
} kb_seen;

/* The cards on row y of the board: the text between the column lines that
 * starts with "#N " (or "~#N "). */
static size_t kb_cards_on_row(kb_tui_app *a, const kb_grid *g, int y, kb_seen *out, size_t max)
{
    uint32_t vline = kb_tui_glyph(KB_GL_VLINE, g->utf8);
    size_t n = 0;
    int x = 0;
    while (x < g->w && n < max) {
        kb_buf seg = KB_BUF_INIT;
        for (; x < g->w; x++) {
            const kb_gcell *c = kb_grid_cell(g, x, y);
            if (c->width == 0)
                continue;
            if (c->cp[0] == vline)
                break;
            for (int i = 0; i < KB_GRID_CP_MAX && c->cp[i]; i++) {
                char u[4];
                kb_buf_append(&seg, u, kb_tui_utf8_put(c->cp[i], u));
            }
        }
        x++; /* past the line */
        const char *p = seg.data ? seg.data : "";
        bool mirror = *p == '~';
        if (mirror)
            p++;
        char *end = NULL;
        unsigned long num = *p == '#' ? strtoul(p + 1, &end, 10) : 0;
        const kb_case *c = num ? kb_tui_case(a, (uint32_t)num) : NULL;
        if (c && end && *end == ' ') {
            /* the title: after "#N ", without the markers and the blanks */
            char *t = kb_strdup(end + 1);
            size_t len = strlen(t);
            while (len && t[len - 1] == ' ')
                t[--len] = '\0';
            char marks[24];
            kb_tui_card_markers(a, c, marks, sizeof marks);
            size_t ml = strlen(marks);
            if (ml && len >= ml && strcmp(t + len - ml, marks) == 0) {
                len -= ml;
                t[len] = '\0';
                while (len && t[len - 1] == ' ')
                    t[--len] = '\0';
            }
            int tw = kb_tui_width(t, g->utf8);
            /* cut titles end in an ellipsis: it is not title text */
            const char *ell = g->utf8 ? "\xe2\x80\xa6" : "~";
            if (len >= strlen(ell) && strcmp(t + len - strlen(ell), ell) == 0)
                tw -= 1;
            else if (a->lay.card_h == 1) /* two-row cards wrap the title at a blank */
                cr_assert_eq(tw, kb_tui_width(c->title, g->utf8),
                             "#%lu: the title is cut without an ellipsis: '%s'", num, t);
            out[n].number = (uint32_t)num;
            out[n].title_w = tw;
            out[n].mirror = mirror;
            n++;
            kb_free(&t);
        }
        kb_buf_free(&seg);
    }
    return n;
}

/* Sweep the board sideways (the cursor to every stage) at w x h and check
 * every card: a title of at least 20 cells (or all of it), each case at
 * most once per screen, and every case seen. */
static void kb_measure_cards(int w, int h, bool utf8)
{
    kb_tui_app a;
    kb_fx_app(&a, w, h, utf8);
    kb_grid *g = kb_grid_new(w, h, utf8);
    bool seen[64] = {false};
    for (size_t s = 0; s < a.refs.nstages; s++) {
        a.cur_stage = s;
        a.cur_idx = 0;
        kb_tui_app_draw(&a, g);
        int count[64] = {0};
        for (int y = 2; y < h - 1; y++) {
            kb_seen cards[16];
            size_t n = kb_cards_on_row(&a, g, y, cards, 16);
            for (size_t i = 0; i < n; i++) {
                const kb_case *c = kb_tui_case(&a, cards[i].number);
                int full = kb_tui_width(c->title, utf8);
                int want = full < 20 ? full : 20;
                cr_assert_geq(cards[i].title_w, want,
                              "%dx%d%s: #%u shows %d cells of its title (at least %d)", w, h,
                              utf8 ? "" : " (C locale)", cards[i].number, cards[i].title_w, want);
                cr_assert_not(cards[i].mirror, "%dx%d: a copy of #%u is shown by default", w, h,
                              cards[i].number);
                count[cards[i].number]++;
                seen[cards[i].number] = true;
            }
        }
        for (size_t k = 0; k < 64; k++)
            cr_assert_leq(count[k], 1, "%dx%d: #%zu is on the screen %d times", w, h, k, count[k]);
    }
    for (size_t i = 0; i < a.cache.cases.n; i++)
        cr_assert(seen[a.cache.cases.v[i].number], "%dx%d: #%u never shown", w, h,
                  a.cache.cases.v[i].number);
    kb_grid_free(&g);
    kb_fx_free(&a);
}

Test(tui_golden, card_titles_are_readable)
{
    kb_measure_cards(80, 24, true);
    kb_measure_cards(80, 24, false);
    kb_measure_cards(120, 40, true);
    kb_measure_cards(200, 50, true);
}

/* The stage line of a board whose stages have long (Dutch) names and WIP
 * limits, at W columns: every stage's count shows whole, in order, after
 * the start of its name; the names are cut first (audit nl80, L2: at 80
 * columns "Geborgd/Afgerond" lost its count). */
static void kb_strip_check(int w, bool utf8)
{
    static kb_stage nl[] = {
        {.code = "signal", .name = "Signaal", .position = 1},
        {.code = "explore", .name = "Verkennen", .position = 2, .wip_limit = 3},
        {.code = "connect", .name = "Verbinden", .position = 3, .wip_limit = 1},
        {.code = "progress", .name = "In uitvoering", .position = 4, .wip_limit = 10},
        {.code = "done", .name = "Geborgd/Afgerond", .position = 5},
    };
    static const char *const want[][2] = {
        {"Sig", " 3"}, {"Ver", " 4/3!"}, {"Ver", " 2/1!"}, {"In ", " 2/10"}, {"Geb", " 1"}};
    kb_tui_app a;
    kb_fx_app(&a, w, 24, utf8);
    a.refs.stages = nl;
    kb_tui_app_dirty(&a);
    kb_grid *g = kb_grid_new(w, 24, utf8);
    kb_tui_app_draw(&a, g);
    char *dump = kb_grid_dump(g);
    char *row = strchr(dump, '\n');
    cr_assert_not_null(row);
    row++;
    char *end = strchr(row, '\n');
    cr_assert_not_null(end);
    *end = '\0';
    const char *p = row;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const char *n = strstr(p, want[i][0]);
        cr_assert_not_null(n, "%dx24%s: stage %zu (%s) missing in [%s]", w, utf8 ? "" : " (C)", i,
                           want[i][0], row);
        const char *c = strstr(n, want[i][1]);
        cr_assert_not_null(c, "%dx24%s: count \"%s\" of stage %zu missing in [%s]", w,
                           utf8 ? "" : " (C)", want[i][1], i, row);
        p = c + strlen(want[i][1]);
    }
    cr_assert_leq(kb_tui_width(row, utf8), w, "[%s]", row);
    cr_assert(strchr(row, '[') != NULL && strchr(row, ']') != NULL, "the stages on screen: [%s]",
              row);
    kb_free(&dump);
    kb_grid_free(&g);
    kb_fx_free(&a);
}

Test(tui_golden, stage_line_keeps_every_count)
{
    kb_strip_check(80, true);
    kb_strip_check(80, false);
    kb_strip_check(60, true);
    kb_strip_check(100, true);
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
    {
        /* the stage line counts as the headers (the filter's cases); at
         * 80 columns the status line leaves out who is online by name
         * (keeping how many) so that nothing in it is cut */
        kb_grid *g = kb_grid_new(80, 24, true);
        kb_tui_app_draw(&a, g);
        char *dump = kb_grid_dump(g);
        cr_assert(strstr(dump, "[Signal 2 ") != NULL, "%s", dump);
        char *nl = strchr(dump, '\n');
        cr_assert_not_null(nl);
        *nl = '\0';
        cr_assert(strstr(dump, "\xe2\x80\xa6") == NULL, "nothing cut: %s", dump);
        cr_assert(strstr(dump, " 3 online ") != NULL, "%s", dump);
        cr_assert(strstr(dump, "filter: dept:ECO -blocked (6/12)") != NULL, "%s", dump);
        kb_free(&dump);
        kb_grid_free(&g);
    }
    kb_golden(&a, "board_filtered");
    {
        /* a filter too long for the line: the query is cut, the label and
         * the count stay */
        cr_assert_eq(kb_tui_set_filter(&a,
                                       "dept:ECO -blocked text:\"uitbreiden terras\" "
                                       "-hook:\"Regionale Arbeidsmarktagenda\"",
                                       &e),
                     KB_OK, "%s", e.msg);
        kb_grid *g = kb_grid_new(80, 24, true);
        kb_tui_app_draw(&a, g);
        char *dump = kb_grid_dump(g);
        char *nl = strchr(dump, '\n');
        cr_assert_not_null(nl);
        *nl = '\0';
        cr_assert(strstr(dump, " kernteam.kb  alice ") != NULL, "%s", dump);
        cr_assert(strstr(dump, "filter: dept:ECO") != NULL, "%s", dump);
        cr_assert(strstr(dump, "\xe2\x80\xa6 (0/12)") != NULL, "[%s]", dump);
        kb_free(&dump);
        kb_grid_free(&g);
    }
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

/* Every context's help at 80x24, paged to its end: nothing is cut (keys
 * and help texts wrap), and the form's help lists Ctrl-J, which the form
 * handles itself (docs #12). */
Test(tui_golden, help_complete_at_80x24)
{
    for (int ctx = 0; ctx < KB_CONTEXT_COUNT; ctx++) {
        if (ctx == KB_CONTEXT_PROMPT)
            continue; /* shows the board's */
        kb_tui_app a;
        kb_fx_app(&a, 80, 24, true);
        cr_assert_eq(kb_view_help_open(&a, (kb_context)ctx), KB_TUI_R_VIEW);
        kb_buf all = KB_BUF_INIT;
        char *prev = NULL;
        for (int page = 0; page < 40; page++) {
            kb_grid *g = kb_grid_new(80, 24, true);
            kb_tui_app_draw(&a, g);
            char *dump = kb_grid_dump(g);
            kb_grid_free(&g);
            if (prev && strcmp(prev, dump) == 0) {
                kb_free(&dump);
                break;
            }
            /* the rows between the title line and the footer */
            const char *body = strchr(strchr(dump, '\n') + 1, '\n') + 1;
            const char *foot = strrchr(dump, '\n');
            while (foot > body && foot[-1] != '\n')
                foot--;
            char *rows = kb_strndup(body, (size_t)(foot - body));
            cr_assert(strstr(rows, "\xe2\x80\xa6") == NULL, "context %s, something cut:\n%s",
                      kb_keymap_context_name((kb_context)ctx), dump);
            kb_buf_puts(&all, rows);
            kb_free(&rows);
            kb_free(&prev);
            prev = dump;
            kb_tui_app_key(&a, KB_KEY_PAGEDOWN, 0);
        }
        kb_free(&prev);
        if (ctx == KB_CONTEXT_FORM) {
            cr_assert(strstr(all.data, "<C-j>") && strstr(all.data, "Start a new line"), "%s",
                      all.data);
            cr_assert(strstr(all.data, "<Backspace>,") && strstr(all.data, "<C-h>"), "%s",
                      all.data);
        }
        kb_buf_free(&all);
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

static size_t kb_count_str(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static char *kb_screen(kb_tui_app *a)
{
    kb_grid *g = kb_grid_new(a->w, a->h, a->utf8);
    kb_tui_app_draw(a, g);
    char *dump = kb_grid_dump(g);
    kb_grid_free(&g);
    return dump;
}

/* Values that differ only at their end (audit: "Leegstand Lange Kerks…"
 * twice): the row shows where they differ, and the selected field shows
 * both values in full; a long description scrolls with PageDown. */
Test(tui_golden, conflict_dialog_full_values)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    const kb_case *c = kb_tui_case(&a, 1);
    kb_view_form_fill(&a, c, false);
    kb_case mine, theirs;
    kb_case_copy(&mine, c);
    kb_case_copy(&theirs, c);
    kb_free(&mine.title);
    mine.title = kb_strdup("Leegstand Lange Kerkstraat: ondernemers willen pop-up winkels X1");
    kb_free(&theirs.title);
    theirs.title =
        kb_strdup("Leegstand Lange Kerkstraat: ondernemers willen pop-up winkels (door Jan)");
    kb_buf d = KB_BUF_INIT;
    for (int i = 1; i <= 30; i++)
        kb_buf_printf(&d, "Regel %d van de beschrijving.\n", i);
    kb_free(&theirs.description);
    theirs.description = kb_buf_take(&d);
    theirs.version = c->version + 1;
    kb_view_conflict_open(&a, &mine, &theirs);
    kb_case_free(&mine);
    kb_case_free(&theirs);
    cr_assert_eq(kb_tui_conflict_state(&a)->n, 2); /* title, description */
    char *s = kb_screen(&a);
    /* in the row (their common start left out) and in full below */
    cr_assert_eq(kb_count_str(s, "winkels X1"), 2, "%s", s);
    cr_assert(strstr(s, "winkels (door Jan) "), "%s", s);
    cr_assert(strstr(s, "winkels (door"), "%s", s);
    cr_assert(strstr(s, "Title, yours:") && strstr(s, "Title, theirs:"), "%s", s);
    cr_assert(strstr(s, "  Leegstand Lange Kerkstraat: ondernemers willen pop-up winkels X1"), "%s",
              s);
    kb_free(&s);
    /* the description: too long for the box, PageDown shows the rest */
    kb_tui_app_key(&a, KB_KEY_DOWN, 0);
    s = kb_screen(&a);
    cr_assert(strstr(s, "Regel 1 van") && !strstr(s, "Regel 30 van"), "%s", s);
    cr_assert(strstr(s, "(<PageDown>: more)"), "%s", s);
    kb_free(&s);
    for (int i = 0; i < 10; i++)
        kb_tui_app_key(&a, KB_KEY_PAGEDOWN, 0);
    s = kb_screen(&a);
    cr_assert(strstr(s, "Regel 30 van") && !strstr(s, "(<PageDown>: more)"), "%s", s);
    kb_free(&s);
    /* another field starts at the top of its values again */
    kb_tui_app_key(&a, KB_KEY_UP, 0);
    kb_tui_app_key(&a, KB_KEY_DOWN, 0);
    s = kb_screen(&a);
    cr_assert(strstr(s, "Regel 1 van"), "%s", s);
    kb_free(&s);
    kb_fx_free(&a);
}

/* ---- the triage inbox (issue 12) */

static void kb_fx_goals(kb_goal_vec *gv)
{
    static const char *const g[][3] = {
        {"ECO", "binnenstad", "Leegstand in de binnenstad onder 8%"},
        {"INC", "afstand", "Meer mensen met een afstand tot de arbeidsmarkt aan het werk"},
        {"DUU", "energie", "30% energiebesparing op bedrijventerreinen"},
    };
    gv->n = 3;
    gv->v = kb_calloc(3, sizeof *gv->v);
    for (size_t i = 0; i < 3; i++) {
        gv->v[i].dept = kb_strdup(g[i][0]);
        gv->v[i].code = kb_strdup(g[i][1]);
        gv->v[i].text = kb_strdup(g[i][2]);
    }
}

static void kb_fx_triage(kb_tui_app *a)
{
    kb_case *c = (kb_case *)kb_tui_case(a, 4);
    c->description = kb_strdup("Een ondernemer in de binnenstad zoekt een werkplek voor twee "
                               "statushouders en vraagt of de gemeente kan helpen met taalles "
                               "op de werkvloer.");
    kb_strv_push(&c->orgs, "Café De Hoek");
    kb_strv_push(&c->hooks, "binnenstad");
    kb_goal_vec gv = {0};
    kb_fx_goals(&gv);
    (void)kb_view_triage_open_with(a, &gv);
    kb_goal_vec_free(&gv);
}

Test(tui_golden, triage)
{
    static const int sizes[][2] = {{80, 24}, {120, 36}};
    for (size_t i = 0; i < 2; i++) {
        kb_tui_app a;
        kb_fx_app(&a, sizes[i][0], sizes[i][1], true);
        kb_fx_triage(&a);
        cr_assert_eq(kb_view_triage_current(&a), 4, "the oldest signal first");
        kb_golden(&a, "triage");
        kb_fx_free(&a);
    }
}

/* The help hint shows once in the triage footer at every width: at the
 * right end, not also among the triage keys (audit nl80 L4: "? help"
 * twice at 200 columns). */
Test(tui_golden, triage_footer_help_once)
{
    static const int sizes[][2] = {{80, 24}, {120, 36}, {200, 50}, {300, 50}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        kb_tui_app a;
        kb_fx_app(&a, sizes[i][0], sizes[i][1], true);
        kb_fx_triage(&a);
        kb_grid *g = kb_grid_new(a.w, a.h, a.utf8);
        kb_tui_app_draw(&a, g);
        char *dump = kb_grid_dump(g);
        size_t len = strlen(dump);
        while (len && dump[len - 1] == '\n')
            dump[--len] = '\0';
        char *last = strrchr(dump, '\n');
        cr_assert_not_null(last);
        int n = 0;
        for (const char *p = last; (p = strstr(p, "? help")) != NULL; p++)
            n++;
        cr_assert_eq(n, 1, "%dx%d: \"? help\" %d times in [%s]", a.w, a.h, n, last + 1);
        if (a.w >= 200)
            cr_assert(strstr(last, "m ask") != NULL, "the whole footer at %d: [%s]", a.w, last + 1);
        kb_free(&dump);
        kb_grid_free(&g);
        kb_fx_free(&a);
    }
}

/* The triage footer at 80 and 120 columns shows whole hints only, in
 * the order given: the ones that do not fit are left out, none is cut
 * in the middle ("p …" at 80, "m …" at 120 before). */
Test(tui_golden, triage_footer_whole_hints_at_80_columns)
{
    static const int sizes[][2] = {{80, 24}, {120, 36}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        kb_tui_app a;
        kb_fx_app(&a, sizes[i][0], sizes[i][1], true);
        kb_fx_triage(&a);
        kb_grid *g = kb_grid_new(a.w, a.h, a.utf8);
        kb_tui_app_draw(&a, g);
        char *dump = kb_grid_dump(g);
        size_t len = strlen(dump);
        while (len && dump[len - 1] == '\n')
            dump[--len] = '\0';
        char *last = strrchr(dump, '\n');
        cr_assert_not_null(last);
        cr_assert_null(strstr(last, "…"), "%d columns: a hint cut in the middle: [%s]", a.w,
                       last + 1);
        cr_assert(strstr(last, "d lead  i involved"), "the first hints stay: [%s]", last + 1);
        cr_assert(strstr(last, "? help"), "[%s]", last + 1);
        kb_free(&dump);
        kb_grid_free(&g);
        kb_fx_free(&a);
    }
}

Test(tui_golden, triage_hook_picker)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    kb_fx_triage(&a);
    kb_case *c = (kb_case *)kb_tui_case(&a, 4);
    c->lead_dept = kb_strdup("INC");
    (void)kb_tui_app_key(&a, 'g', 0);
    kb_golden(&a, "triage_hook_picker");
    kb_fx_free(&a);
}

Test(tui_golden, new_case_similar)
{
    kb_tui_app a;
    kb_fx_app(&a, 80, 24, true);
    kb_view_form_new(&a);
    const char *typed = "Cafe de hoek terras";
    for (const char *p = typed; *p; p++)
        (void)kb_tui_app_key(&a, (kb_key)(unsigned char)*p, 0);
    kb_tui_form *f = kb_tui_form_state(&a);
    cr_assert_not_null(f);
    cr_assert_gt(f->nsim, 0, "a similar case is listed");
    cr_assert_eq(f->sim[0].number, 1);
    cr_assert_str_eq(f->f[KB_FF_STAGE].text, "Signal", "a new case starts in the first stage");
    kb_golden(&a, "new_case_similar");
    kb_fx_free(&a);
}
