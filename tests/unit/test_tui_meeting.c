/* Meeting mode screens without a terminal: golden screens of the item view
 * at 80x24, 120x36 and 200x50 (fixed clock: the timers show 2:15), and
 * confidential cases showing number and title only on the meeting screen
 * and in the case view while presenting.
 *
 * Regenerate the goldens after an intended change:
 *     KB_UPDATE_GOLDEN=1 build/test/tests/test_tui_meeting   (or the
 *     test binary wherever your build puts it) */
#include <criterion/criterion.h>

#include "test_tui_fixture.h"

static char *kb_golden_dir(void)
{
    char *d = kb_strdup(__FILE__); /* .../tests/unit/test_tui_meeting.c */
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
    kb_buf b = KB_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        kb_buf_append(&b, chunk, n);
    fclose(f);
    kb_buf_append(&b, "", 1);
    char *s = kb_strdup(b.data);
    kb_buf_free(&b);
    return s;
}

static char *kb_screen(kb_tui_app *a)
{
    kb_grid *g = kb_grid_new(a->w, a->h, a->utf8);
    kb_tui_app_draw(a, g);
    char *dump = kb_grid_dump(g);
    kb_grid_free(&g);
    return dump;
}

static void kb_golden(kb_tui_app *a, const char *name)
{
    char *dump = kb_screen(a);
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
        cr_assert_not_null(want, "missing golden %s (KB_UPDATE_GOLDEN=1)\n--- screen:\n%s", path,
                           dump);
        cr_assert_str_eq(dump, want, "screen differs from %s\n--- got:\n%s--- want:\n%s", path,
                         dump, want);
        kb_free(&want);
    }
    kb_free(&path);
    kb_free(&dir);
    kb_free(&dump);
}

static int64_t kb_clock_us(void *ctx)
{
    (void)ctx;
    return ((int64_t)kb_fx_time(2024, 5, 15, 10, 4) + 15) * 1000000;
}

static const kb_clock kb_test_clock = {kb_clock_us, NULL};

static int kb_fx_state = KB_MEETING_RUNNING; /* a draft agenda: KB_MEETING_DRAFT */

/* A running meeting M7 over cases 1, 3 and 4 (3 confidential), on item
 * `current`, with two users and a guest present. */
static void kb_meeting_app(kb_tui_app *a, int w, int h, int current)
{
    kb_fx_app(a, w, h, true);
    kb_tui_meeting_clock(a, &kb_test_clock);
    a->last_meeting = kb_fx_time(2024, 5, 8, 9, 0);
    a->users.v = kb_calloc(2, sizeof *a->users.v);
    a->users.n = 2;
    a->users.v[0].name = kb_strdup("alice");
    kb_strv_push(&a->users.v[0].depts, "INC");
    a->users.v[1].name = kb_strdup("bob");
    kb_strv_push(&a->users.v[1].depts, "ECO");
    kb_case *c3 = &a->cache.cases.v[2];
    c3->conf = KB_CONF_CONFIDENTIAL;
    c3->description =
        kb_strdup("Bank vraagt garantstelling van EUR 250.000; jaarcijfers vertrouwelijk.");
    c3->blocked = kb_strdup("wacht op besluit college");
    c3->owner = kb_strdup("bob");

    kb_meeting *m = kb_calloc(1, sizeof *m);
    kb_meeting_init(m);
    m->number = 7;
    m->date = kb_date_from_ymd(2024, 5, 15);
    m->state = kb_fx_state;
    m->chair = kb_strdup("alice");
    kb_strv_push(&m->attendees, "alice");
    kb_strv_push(&m->attendees, "bob");
    kb_strv_push(&m->guests, "Piet de Gast");
    kb_meeting_item_insert(m, 0, 1, 600, "agenda,stuck");
    kb_meeting_item_insert(m, 1, 3, 300, "agenda,moved");
    kb_meeting_item_insert(m, 2, 4, 300, "new");
    m->spent.v[0] = current > 0 ? 540 : 0;
    m->current = current;
    m->started = kb_fx_time(2024, 5, 15, 9, 50);
    m->item_since = kb_fx_time(2024, 5, 15, 10, 2);
    a->meeting = m;

    cr_assert_eq(kb_view_meeting_open(a) & KB_TUI_R_REFUSED, 0);
    kb_case_detail d;
    memset(&d, 0, sizeof d);
    kb_case_init(&d.c);
    kb_case_copy(&d.c, &a->cache.cases.v[m->agenda.v[current] - 1]);
    if (current == 0) {
        d.timeline.v = kb_calloc(2, sizeof *d.timeline.v);
        d.timeline.n = 2;
        d.timeline.v[0].author = kb_strdup("bob");
        d.timeline.v[0].time = kb_fx_time(2024, 5, 10, 14, 0);
        d.timeline.v[0].text = kb_strdup("stage: signal -> explore");
        d.timeline.v[0].kind = KB_ENTRY_CHANGE;
        d.timeline.v[1].author = kb_strdup("alice");
        d.timeline.v[1].time = kb_fx_time(2024, 5, 13, 16, 45);
        d.timeline.v[1].text = kb_strdup("Vergunningaanvraag is compleet; welstand kijkt mee.");
        d.actions.v = kb_calloc(2, sizeof *d.actions.v);
        d.actions.n = 2;
        for (int i = 0; i < 2; i++)
            kb_action_item_init(&d.actions.v[i]);
        d.actions.v[0].number = 4;
        d.actions.v[0].text = kb_strdup("Vergunning terras versneld behandelen");
        d.actions.v[0].owner = kb_strdup("bob");
        d.actions.v[0].due = kb_date_from_ymd(2024, 5, 10);
        d.actions.v[1].number = 6;
        d.actions.v[1].text = kb_strdup("Loonkostensubsidie toelichten aan de eigenaar");
        d.actions.v[1].owner = kb_strdup("alice");
        d.actions.v[1].due = kb_date_from_ymd(2024, 5, 24);
        d.decisions.v = kb_calloc(1, sizeof *d.decisions.v);
        d.decisions.n = 1;
        d.decisions.v[0].number = 3;
        d.decisions.v[0].meeting = 6;
        d.decisions.v[0].time = kb_fx_time(2024, 5, 8, 9, 40);
        d.decisions.v[0].text = kb_strdup("Economie trekt; Inclusie levert twee kandidaten aan.");
    }
    kb_view_meeting_set_detail(a, &d);
}

static void kb_meeting_free_app(kb_tui_app *a)
{
    kb_tui_meeting_clock(a, NULL);
    kb_fx_free(a);
}

Test(tui_meeting, item_golden_80x24_120x36_200x50)
{
    static const int sizes[][2] = {{80, 24}, {120, 36}, {200, 50}};
    for (size_t i = 0; i < 3; i++) {
        kb_tui_app a;
        kb_meeting_app(&a, sizes[i][0], sizes[i][1], 0);
        kb_golden(&a, "meeting_item");
        char *s = kb_screen(&a);
        cr_assert(strstr(s, "#1 Café De Hoek"), "%s", s);
        cr_assert(strstr(s, "2:15 / 10:00"), "item timer against the plan:\n%s", s);
        cr_assert(strstr(s, "A4 Vergunning terras versneld behandelen"), "%s", s);
        cr_assert(strstr(s, "bob (ECO)"), "owner's department:\n%s", s);
        kb_free(&s);
        kb_meeting_free_app(&a);
    }
}

Test(tui_meeting, confidential_item_shows_number_and_title_only)
{
    kb_tui_app a;
    kb_meeting_app(&a, 120, 36, 1);
    char *s = kb_screen(&a);
    cr_assert(strstr(s, "#3 Social return bij aanbesteding groenonderhoud"), "%s", s);
    cr_assert_null(strstr(s, "250.000"), "%s", s);
    cr_assert_null(strstr(s, "garantstelling"), "%s", s);
    cr_assert_null(strstr(s, "wacht op besluit"), "%s", s);
    cr_assert(strstr(s, "Confidential"), "%s", s);
    kb_free(&s);
    /* revealed by the chair: the details show */
    kb_u32v_push(&a.meeting->reveals, 3);
    cr_assert(!kb_tui_case_masked(&a, &a.cache.cases.v[2]));
    kb_meeting_free_app(&a);
}

Test(tui_meeting, presenting_masks_the_case_view)
{
    kb_tui_app a;
    kb_fx_app(&a, 100, 30, true);
    kb_case c;
    kb_case_init(&c);
    kb_case_copy(&c, &a.cache.cases.v[0]);
    c.conf = KB_CONF_CONFIDENTIAL;
    kb_view_case_set(&a, &c, NULL, NULL, NULL);
    char *s = kb_screen(&a);
    cr_assert(strstr(s, "loonkostensubsidie"), "not presenting: the description shows\n%s", s);
    kb_free(&s);
    a.presenting = true;
    s = kb_screen(&a);
    cr_assert(strstr(s, "Café De Hoek wil uitbreiden"), "%s", s);
    cr_assert_null(strstr(s, "loonkostensubsidie"), "%s", s);
    cr_assert_null(strstr(s, "Economische visie"), "%s", s);
    kb_free(&s);
    kb_fx_free(&a);
}

static void kb_key_at(kb_tui_app *a, kb_key k)
{
    static int64_t now = 1000000;
    now += 10;
    (void)kb_tui_app_key(a, k, now);
}

/* The item of case #1 with n open action items and two decisions. */
static void kb_long_item(kb_tui_app *a, size_t n)
{
    kb_case_detail d;
    memset(&d, 0, sizeof d);
    kb_case_init(&d.c);
    kb_case_copy(&d.c, &a->cache.cases.v[0]);
    d.actions.v = kb_calloc(n, sizeof *d.actions.v);
    d.actions.n = n;
    for (size_t i = 0; i < n; i++) {
        kb_action_item_init(&d.actions.v[i]);
        d.actions.v[i].number = (uint32_t)(20 + i);
        d.actions.v[i].text = kb_asprintf("Actiepunt nummer %zu uitvoeren", i + 1);
        d.actions.v[i].owner = kb_strdup("bob");
        d.actions.v[i].due = kb_date_from_ymd(2024, 5, 24);
    }
    d.decisions.v = kb_calloc(2, sizeof *d.decisions.v);
    d.decisions.n = 2;
    for (uint32_t i = 0; i < 2; i++) {
        d.decisions.v[i].number = 8 + i;
        d.decisions.v[i].meeting = 7;
        d.decisions.v[i].time = kb_fx_time(2024, 5, 15, 10, 0);
        d.decisions.v[i].text = kb_asprintf("Besluit %u van vandaag", i + 1);
    }
    kb_view_meeting_set_detail(a, &d);
}

/* At 80x24 the item's lines scroll (page keys, j/k, Home): the open
 * action items and the decisions are reachable, the case's title stays
 * at the top, "..." says there is more below. */
Test(tui_meeting, item_view_scrolls_at_80x24)
{
    kb_tui_app a;
    kb_meeting_app(&a, 80, 24, 0);
    kb_long_item(&a, 8);
    char *s = kb_screen(&a);
    cr_assert(strstr(s, "Open action items (8)"), "%s", s);
    cr_assert_null(strstr(s, "Besluit 2 van vandaag"), "the decisions are below:\n%s", s);
    cr_assert(strstr(s, "..."), "more below:\n%s", s);
    kb_free(&s);
    kb_key_at(&a, KB_KEY_PAGEDOWN);
    s = kb_screen(&a);
    cr_assert(strstr(s, "Decisions (2)"), "%s", s);
    cr_assert(strstr(s, "D9 2024-05-15 (M7): Besluit 2 van vandaag"), "%s", s);
    cr_assert(strstr(s, "A27 Actiepunt nummer 8 uitvoeren"), "%s", s);
    cr_assert(strstr(s, "#1 Café De Hoek"), "the title stays:\n%s", s);
    cr_assert(strstr(s, "Meeting M7, item 1/3"), "%s", s);
    kb_free(&s);
    kb_key_at(&a, KB_KEY_HOME);
    s = kb_screen(&a);
    cr_assert(strstr(s, "Lead department"), "back at the top:\n%s", s);
    kb_free(&s);
    kb_key_at(&a, 'j'); /* the blank line under the title, then the first field */
    kb_key_at(&a, 'j');
    s = kb_screen(&a);
    cr_assert_null(strstr(s, "Lead department"), "j scrolls a line at a time:\n%s", s);
    cr_assert(strstr(s, "Stage "), "%s", s);
    kb_free(&s);
    kb_meeting_free_app(&a);
}

/* The last row of a screen dump. */
static char *kb_last_row(const char *s)
{
    size_t n = strlen(s);
    if (n && s[n - 1] == '\n')
        n--;
    size_t b = n;
    while (b && s[b - 1] != '\n')
        b--;
    return kb_strndup(s + b, n - b);
}

/* The footer at 80 columns: whole hints only, the meeting's own keys
 * (agenda, attendance, end) among them; the first row says which meeting
 * and item, uncut. */
Test(tui_meeting, header_and_footer_fit_80_columns)
{
    kb_tui_app a;
    kb_meeting_app(&a, 80, 24, 0);
    char *s = kb_screen(&a);
    char *foot = kb_last_row(s);
    cr_assert_null(strstr(s, "…"), "nothing cut:\n%s", s);
    cr_assert(strstr(foot, "<Esc> back"), "%s", foot);
    cr_assert(strstr(foot, "E end"), "%s", foot);
    cr_assert(strstr(foot, "a agenda"), "%s", foot);
    cr_assert(strstr(foot, "w attendance"), "%s", foot);
    cr_assert(strstr(foot, "? help"), "%s", foot);
    kb_free(&foot);
    kb_free(&s);
    kb_key_at(&a, 'a'); /* the agenda of the running meeting */
    s = kb_screen(&a);
    foot = kb_last_row(s);
    cr_assert(strstr(s, "Meeting M7, item 1/3  3 items, 20:00 planned"), "%s", s);
    cr_assert_null(strstr(foot, "…"), "%s", foot);
    cr_assert_null(strstr(foot, "s start"), "running: no start key\n%s", foot);
    cr_assert(strstr(foot, "w attendance"), "%s", foot);
    kb_free(&foot);
    kb_free(&s);
    kb_key_at(&a, 'w');
    s = kb_screen(&a);
    cr_assert(strstr(s, "Attendance: 3  Meeting M7, item 1/3"), "%s", s);
    kb_free(&s);
    kb_meeting_free_app(&a);
}

/* The agenda's times start in the same column on every row, whether the
 * title fits or ends in an ellipsis. */
Test(tui_meeting, agenda_time_column_is_aligned)
{
    kb_tui_app a;
    kb_meeting_app(&a, 80, 24, 0);
    kb_case *c4 = &a.cache.cases.v[3];
    kb_free(&c4->title);
    c4->title = kb_strdup("Signaal: ondernemer zoekt werkplek voor statushouders in de wijk");
    kb_case *c1 = &a.cache.cases.v[0];
    kb_free(&c1->title);
    c1->title = kb_strdup("Café De Hoek wil uitbreiden op het terras, met één vergunning!");
    kb_key_at(&a, 'a');
    kb_grid *g = kb_grid_new(a.w, a.h, a.utf8);
    kb_tui_app_draw(&a, g);
    char *dump = kb_grid_dump(g);
    cr_assert(strstr(dump, "…"), "a title is cut:\n%s", dump);
    int col = -1, rows = 0;
    for (int y = 2; y < 5; y++) {
        int x = -1;
        for (int i = 0; i < g->w && x < 0; i++)
            if (kb_grid_cell(g, i, y)->cp[0] == '/')
                x = i;
        cr_assert(x > 0, "row %d has no time:\n%s", y, dump);
        if (col < 0)
            col = x;
        cr_assert_eq(x, col, "row %d: time at column %d, not %d:\n%s", y, x, col, dump);
        rows++;
    }
    cr_assert_eq(rows, 3);
    kb_free(&dump);
    kb_grid_free(&g);
    kb_meeting_free_app(&a);
}

/* The footer (last row) of a screen. */
static char *kb_footer(kb_tui_app *a)
{
    char *s = kb_screen(a);
    char *row = kb_last_row(s);
    kb_free(&s);
    return row;
}

/* A confidential case hidden on the shared screen shows its fields in no
 * other view either: the case view offers no `e`, and `e`, `:edit N` and
 * the form refuse it while presenting or while a meeting runs (until the
 * chair reveals it); `:case show N` too. */
Test(tui_meeting, hidden_case_opens_no_edit_form)
{
    kb_tui_app a;
    kb_fx_app(&a, 100, 30, true);
    a.cache.cases.v[0].conf = KB_CONF_CONFIDENTIAL;
    kb_case c;
    kb_case_init(&c);
    kb_case_copy(&c, &a.cache.cases.v[0]);
    kb_view_case_set(&a, &c, NULL, NULL, NULL);
    char *f = kb_footer(&a);
    cr_assert(strstr(f, "edit"), "not presenting: e is offered\n%s", f);
    kb_free(&f);
    a.presenting = true;
    f = kb_footer(&a);
    cr_assert_null(strstr(f, "edit"), "presenting: no e in the footer\n%s", f);
    cr_assert(strstr(f, "comment"), "%s", f);
    kb_free(&f);
    kb_key_at(&a, 'e');
    cr_assert(!kb_tui_view_is_top(&a, &kb_tui_view_form), "e opened the form");
    cr_assert(strstr(a.msg, "confidential"), "%s", a.msg);
    char *s = kb_screen(&a);
    cr_assert_null(strstr(s, "loonkostensubsidie"), "%s", s);
    kb_free(&s);
    a.msg[0] = '\0';
    kb_key_at(&a, ':');
    for (const char *p = "edit 1"; *p; p++)
        kb_key_at(&a, (kb_key)*p);
    kb_key_at(&a, KB_KEY_ENTER);
    cr_assert(!kb_tui_view_is_top(&a, &kb_tui_view_form), ":edit 1 opened the form");
    cr_assert(strstr(a.msg, "confidential"), "%s", a.msg);
    /* not presenting: the form opens */
    a.presenting = false;
    (void)kb_view_form_open(&a, 1);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_form), "%s", a.msg);
    kb_fx_free(&a);

    /* a running meeting: hidden until revealed */
    kb_meeting_app(&a, 80, 24, 1);
    cr_assert_eq(kb_view_form_open(&a, 3) & KB_TUI_R_STATUS, KB_TUI_R_STATUS);
    cr_assert(!kb_tui_view_is_top(&a, &kb_tui_view_form));
    cr_assert(strstr(a.msg, "reveals"), "%s", a.msg);
    kb_u32v_push(&a.meeting->reveals, 3);
    (void)kb_view_form_open(&a, 3);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_form), "revealed: the form opens (%s)", a.msg);
    kb_meeting_free_app(&a);
}

/* "Since the last meeting" words a change as the case view does: stage
 * names, not codes (kb_timeline_localize_refs). */
Test(tui_meeting, since_last_meeting_names_stages)
{
    kb_tui_app a;
    kb_meeting_app(&a, 120, 36, 0);
    char *s = kb_screen(&a);
    cr_assert(strstr(s, "Signal -> Explore"), "%s", s);
    cr_assert_null(strstr(s, "signal -> explore"), "%s", s);
    kb_free(&s);
    kb_meeting_free_app(&a);
}

/* At 80x24 every change since the last meeting is there (the older ones
 * were dropped without a word): the heading counts them, the pager
 * reaches them. */
Test(tui_meeting, since_last_meeting_drops_nothing_at_80x24)
{
    kb_tui_app a;
    kb_meeting_app(&a, 80, 24, 0);
    kb_case_detail d;
    memset(&d, 0, sizeof d);
    kb_case_init(&d.c);
    kb_case_copy(&d.c, &a.cache.cases.v[0]);
    enum { N = 7 };
    d.timeline.v = kb_calloc(N, sizeof *d.timeline.v);
    d.timeline.n = N;
    for (int i = 0; i < N; i++) {
        d.timeline.v[i].author = kb_strdup("bob");
        d.timeline.v[i].time = kb_fx_time(2024, 5, 9 + i, 10, 0);
        d.timeline.v[i].text = kb_asprintf("Opmerking nummer %d", i + 1);
    }
    kb_view_meeting_set_detail(&a, &d);
    kb_buf all = KB_BUF_INIT;
    char *s = kb_screen(&a);
    cr_assert(strstr(s, "Since the last meeting (7)"), "%s", s);
    kb_buf_printf(&all, "%s", s);
    kb_free(&s);
    for (int k = 0; k < 3; k++) {
        kb_key_at(&a, KB_KEY_PAGEDOWN);
        s = kb_screen(&a);
        kb_buf_printf(&all, "%s", s);
        kb_free(&s);
    }
    for (int i = 1; i <= N; i++) {
        char want[40];
        snprintf(want, sizeof want, "Opmerking nummer %d", i);
        cr_assert(strstr(all.data, want), "%s never shown:\n%s", want, all.data);
    }
    kb_buf_free(&all);
    kb_meeting_free_app(&a);
}

/* The agenda before the meeting runs offers no "i item" (there is no item
 * to go to yet: i and Enter only say "s starts it"); while it runs it does,
 * and no "s start". */
Test(tui_meeting, agenda_footer_offers_item_only_while_running)
{
    kb_tui_app a;
    kb_meeting_app(&a, 100, 30, 0);
    kb_key_at(&a, 'a');
    char *f = kb_footer(&a);
    cr_assert(strstr(f, "i item"), "running: i item\n%s", f);
    cr_assert_null(strstr(f, "s start"), "%s", f);
    kb_free(&f);
    kb_meeting_free_app(&a);

    kb_fx_state = KB_MEETING_DRAFT;
    kb_meeting_app(&a, 100, 30, 0);
    kb_fx_state = KB_MEETING_RUNNING;
    f = kb_footer(&a);
    cr_assert(strstr(f, "s start"), "draft: s start\n%s", f);
    cr_assert_null(strstr(f, "i item"), "draft: no i item\n%s", f);
    kb_free(&f);
    kb_meeting_free_app(&a);
}

/* ---- the agenda's own prompts, against a real board */

static char kb_bdir[300], kb_bpath[400];

static kb_secret *kb_bpass(void)
{
    static const char pw[] = "admin passphrase";
    kb_secret *p = kb_secret_new(KB_PASSPHRASE_MAX);
    memcpy(kb_secret_data(p), pw, sizeof pw - 1);
    kb_secret_set_len(p, sizeof pw - 1);
    return p;
}

/* A board with cases #1-#3 (explored), #1 and #2 flagged for the agenda, open in a
 * TUI of 80x24 on the draft agenda (M). */
static void kb_board_app(kb_tui_app *a)
{
    setlocale(LC_ALL, "C.UTF-8");
    snprintf(kb_bdir, sizeof kb_bdir, "/tmp/kbmeetXXXXXX");
    cr_assert_not_null(mkdtemp(kb_bdir));
    snprintf(kb_bpath, sizeof kb_bpath, "%s/board.kb", kb_bdir);
    setenv("XDG_STATE_HOME", kb_bdir, 1);
    setenv("XDG_CONFIG_HOME", kb_bdir, 1);
    kb_secret *p = kb_bpass();
    kb_board_opts o = {.kdf = "interactive", .lock_timeout_ms = 20000};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(kb_bpath, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    static const char *titles[] = {"Café De Hoek", "Leegstand Noord", "Terras Markt"};
    for (size_t i = 0; i < 3; i++) {
        kb_case c;
        kb_case_init(&c);
        c.title = kb_strdup(titles[i]);
        c.lead_dept = kb_strdup("ECO");
        c.stage = kb_strdup("explore"); /* no new signal: on the agenda only when flagged */
        c.on_agenda = i < 2;
        cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
        kb_case_free(&c);
    }
    kb_tui_app_init(a, kb_bpath, "anna", 80, 24, true);
    cr_assert_eq(kb_tui_app_attach(a, b, &e), KB_OK, "%s", e.msg);
    kb_key_at(a, 'M');
    cr_assert(kb_tui_view_is_top(a, &kb_tui_view_meeting), "%s", a->msg);
}

static void kb_board_app_free(kb_tui_app *a)
{
    kb_tui_app_free(a);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", kb_bdir);
    if (system(cmd) != 0) {
        /* leave it */
    }
}

/* The draft agenda as stored (before the first edit: the proposal the
 * board makes): its cases and planned seconds. */
static kb_meeting kb_draft(kb_tui_app *a)
{
    kb_meeting m;
    kb_meeting_init(&m);
    kb_err e;
    int rc = kb_board_meeting_state_get(a->board, KB_MEETING_DRAFT, &m, &e);
    if (rc == KB_ENOENT) {
        kb_meeting_free(&m);
        rc = kb_board_agenda_build(a->board, &m, &e);
    }
    cr_assert_eq(rc, KB_OK, "%s", e.msg);
    return m;
}

static void kb_type_at(kb_tui_app *a, const char *s)
{
    for (; *s; s++)
        kb_key_at(a, (kb_key)(unsigned char)*s);
}

/* t and + ask in a prompt of their own and change the agenda in place:
 * no ':' output pager to close, one status line; a bad value keeps the
 * prompt open with the error and changes nothing. */
Test(tui_meeting, agenda_plan_and_add_prompts_edit_in_place, .timeout = 60)
{
    kb_tui_app a;
    kb_board_app(&a);
    kb_meeting m = kb_draft(&a);
    cr_assert_eq(m.agenda.n, 2);
    cr_assert_eq(m.agenda.v[0], 1);
    kb_meeting_free(&m);

    /* t: the minutes planned for the selected item (#1) */
    kb_key_at(&a, 't');
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt), "%s", a.msg);
    cr_assert_eq(kb_tui_prompt_state(&a)->kind, KB_PR_AGENDA_PLAN);
    char *s = kb_screen(&a);
    cr_assert(strstr(s, "Minutes planned for #1:"), "%s", s);
    kb_free(&s);
    kb_type_at(&a, "ten");
    kb_key_at(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt), "a bad value keeps the prompt");
    cr_assert(strstr(kb_tui_prompt_state(&a)->error, "minutes planned for #1"), "%s",
              kb_tui_prompt_state(&a)->error);
    m = kb_draft(&a);
    cr_assert_eq(m.plan.v[0], KB_MEETING_DEFAULT_PLAN, "nothing changed");
    kb_meeting_free(&m);
    kb_key_at(&a, KB_KEY_ESC);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_meeting));
    kb_key_at(&a, 't');
    kb_type_at(&a, "15"); /* replaces the time shown */
    kb_key_at(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_meeting), "no pager, no prompt: %s", a.msg);
    cr_assert(!a.msg_error, "%s", a.msg);
    cr_assert(strstr(a.msg, "#1: 15 minutes planned"), "%s", a.msg);
    m = kb_draft(&a);
    cr_assert_eq(m.plan.v[0], 15 * 60);
    kb_meeting_free(&m);
    s = kb_screen(&a);
    cr_assert(strstr(s, "15:00"), "the agenda shows the new time:\n%s", s);
    kb_free(&s);

    /* +: a case to add at the end */
    kb_key_at(&a, '+');
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt), "%s", a.msg);
    cr_assert_eq(kb_tui_prompt_state(&a)->kind, KB_PR_AGENDA_ADD);
    kb_type_at(&a, "99");
    kb_key_at(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt), "no such case keeps the prompt");
    cr_assert_not_null(kb_tui_prompt_state(&a)->error);
    cr_assert(strstr(kb_tui_prompt_state(&a)->error, "99"), "%s", kb_tui_prompt_state(&a)->error);
    kb_key_at(&a, KB_KEY_ESC);
    kb_key_at(&a, '+');
    kb_type_at(&a, "#3");
    kb_key_at(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_meeting), "no pager, no prompt: %s", a.msg);
    cr_assert(strstr(a.msg, "#3 added to the agenda"), "%s", a.msg);
    m = kb_draft(&a);
    cr_assert_eq(m.agenda.n, 3);
    cr_assert_eq(m.agenda.v[2], 3);
    kb_meeting_free(&m);
    s = kb_screen(&a);
    cr_assert(strstr(s, "Terras Markt"), "the agenda shows #3:\n%s", s);
    kb_free(&s);
    /* on the agenda already: the prompt stays and says so */
    kb_key_at(&a, '+');
    kb_type_at(&a, "3");
    kb_key_at(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    cr_assert(strstr(kb_tui_prompt_state(&a)->error, "already"), "%s",
              kb_tui_prompt_state(&a)->error);
    kb_key_at(&a, KB_KEY_ESC);
    kb_board_app_free(&a);
}
