/* The board layout applies a refresh incrementally (only the changed
 * cases' cards; kb_tui_layout_apply): after every step of random changes
 * the layout and the drawn screen must be exactly those of a rebuild from
 * scratch.  The changes go through the change feed as someone else's do
 * (the app's own board handle writes them; kb_board_cache_refresh does
 * not know who wrote what). */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernboard/buf.h"
#include "kernboard/core.h"
#include "kernboard/mem.h"
#include "tui/tui_internal.h"
#include "kb_test.h"

static char kb_dir[300], kb_path[400];

static void kb_setup(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    kb_test_dir(kb_dir, sizeof kb_dir, "tuiinc");
    snprintf(kb_path, sizeof kb_path, "%s/board.kb", kb_dir);
    setenv("XDG_STATE_HOME", kb_dir, 1);
    setenv("XDG_CONFIG_HOME", kb_dir, 1);
}

static void kb_teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", kb_dir);
    if (system(cmd) != 0) {
        /* leave it */
    }
}

TestSuite(tui_incremental, .init = kb_setup, .fini = kb_teardown, .timeout = 240);

/* a small deterministic generator (the same steps on every run) */
static uint64_t kb_rng = 0x9e3779b97f4a7c15u;
static unsigned kb_rand(unsigned n)
{
    kb_rng ^= kb_rng << 13;
    kb_rng ^= kb_rng >> 7;
    kb_rng ^= kb_rng << 17;
    return (unsigned)(kb_rng % n);
}

static const char *const kb_words[] = {"Noord",  "Café",  "markt", "werkplek", "haven",
                                       "school", "loket", "zorg",  "terras",   "wijk"};
#define KB_NWORDS (sizeof kb_words / sizeof *kb_words)

static char *kb_title(void)
{
    return kb_asprintf("%s %s %u", kb_words[kb_rand(KB_NWORDS)], kb_words[kb_rand(KB_NWORDS)],
                       kb_rand(1000));
}

typedef struct kb_refs_copy {
    char **stages, **depts;
    size_t nstages, ndepts;
} kb_refs_copy;

static const char *kb_pick_dept(const kb_refs_copy *r)
{
    /* one in eight: no lead department (the orphan lane comes and goes) */
    return kb_rand(8) == 0 ? NULL : r->depts[kb_rand((unsigned)r->ndepts)];
}

static void kb_fill(kb_case *c, const kb_refs_copy *r)
{
    c->title = kb_title();
    c->stage = kb_strdup(r->stages[kb_rand((unsigned)r->nstages)]);
    const char *d = kb_pick_dept(r);
    c->lead_dept = d ? kb_strdup(d) : NULL;
    c->priority = (int)kb_rand(4);
    if (kb_rand(3) == 0)
        c->due = kb_date_today() + (kb_date)kb_rand(60) - 30;
    if (kb_rand(4) == 0)
        c->conf = KB_CONF_CONFIDENTIAL;
    if (kb_rand(3) == 0) {
        const char *x = r->depts[kb_rand((unsigned)r->ndepts)];
        if (!c->lead_dept || strcmp(x, c->lead_dept) != 0)
            kb_strv_push(&c->depts, x);
    }
}

/* One change by "someone else" to a random case (or a new case). */
static void kb_change(kb_board *b, const kb_refs_copy *r, uint32_t ncases)
{
    kb_err e;
    kb_case c;
    kb_case_init(&c);
    unsigned what = kb_rand(9);
    if (what == 0) { /* a new case */
        kb_fill(&c, r);
        cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
        kb_case_free(&c);
        return;
    }
    uint32_t n = 1 + kb_rand(ncases);
    cr_assert_eq(kb_board_case_get(b, n, &c, &e), KB_OK, "#%u: %s", n, e.msg);
    switch (what) {
    case 1: /* title */
        kb_free(&c.title);
        c.title = kb_title();
        break;
    case 2: /* stage (the last one: archived, done) */
        kb_free(&c.stage);
        c.stage =
            kb_strdup(r->stages[kb_rand(3) == 0 ? r->nstages - 1 : kb_rand((unsigned)r->nstages)]);
        break;
    case 3: { /* lead department */
        const char *d = kb_pick_dept(r);
        kb_free(&c.lead_dept);
        c.lead_dept = d ? kb_strdup(d) : NULL;
        kb_strv_free(&c.depts);
        break;
    }
    case 4: /* involved departments */
        kb_strv_free(&c.depts);
        for (size_t i = 0; i < r->ndepts; i++)
            if (kb_rand(3) == 0 && (!c.lead_dept || strcmp(r->depts[i], c.lead_dept) != 0))
                kb_strv_push(&c.depts, r->depts[i]);
        break;
    case 5: /* priority: the card moves within its column */
        c.priority = (c.priority + 1 + (int)kb_rand(3)) % 4;
        break;
    case 6: /* confidential or not (masked while presenting) */
        c.conf = c.conf == KB_CONF_CONFIDENTIAL ? KB_CONF_PUBLIC : KB_CONF_CONFIDENTIAL;
        break;
    case 7: /* blocked, due date */
        kb_free(&c.blocked);
        if (kb_rand(2))
            c.blocked = kb_strdup("wacht op de gemeente");
        c.due = kb_rand(2) ? KB_DATE_NONE : kb_date_today() + (kb_date)kb_rand(60) - 30;
        break;
    default: /* title and stage at once */
        kb_free(&c.title);
        c.title = kb_title();
        kb_free(&c.stage);
        c.stage = kb_strdup(r->stages[kb_rand((unsigned)r->nstages)]);
        break;
    }
    cr_assert_eq(kb_board_case_save(b, &c, KB_CORE_ANY_VERSION, 0, &e), KB_OK, "#%u: %s", n, e.msg);
    kb_case_free(&c);
}

/* The layout as text, and every card's case pointer checked. */
static char *kb_lay_text(kb_tui_app *a)
{
    const kb_tui_blayout *l = &a->lay;
    kb_buf b = KB_BUF_INIT;
    kb_buf_printf(&b, "lanes %zu stages %zu shown %zu total %zu orphans %zu rows %d card_h %d\n",
                  l->nlanes, l->nstages, l->shown, l->total, l->orphans, l->rows, l->card_h);
    for (size_t s = 0; s < l->nstages; s++)
        kb_buf_printf(&b, "stage %zu: %zu %zu\n", s, l->stage_total[s], l->stage_shown[s]);
    for (size_t i = 0; i < l->nlanes; i++) {
        const kb_tui_lane *ln = &l->lanes[i];
        kb_buf_printf(&b, "lane '%s' %s own %d coll %d lead %zu mirror %zu body %d y %d\n",
                      ln->code, ln->name, ln->own, ln->collapsed, ln->nlead, ln->nmirror, ln->body,
                      ln->y);
        for (size_t s = 0; s < l->nstages; s++) {
            const kb_tui_bcell *cell = &ln->cells[s];
            kb_buf_printf(&b, "  %zu (%zu, %d rows, %zu led):", s, cell->n, cell->rows,
                          ln->lead_total[s]);
            for (size_t k = 0; k < cell->n; k++) {
                const kb_tui_card *card = &cell->v[k];
                cr_assert_eq(card->c, kb_tui_case(a, card->number),
                             "the card of #%u points at its case in the cache", card->number);
                kb_buf_printf(&b, " %s%u/%d", card->mirror ? "~" : "", card->number, card->h);
            }
            kb_buf_puts(&b, "\n");
        }
    }
    kb_buf_printf(&b, "cursor %zu %zu %zu #%u\n", a->cur_lane, a->cur_stage, a->cur_idx,
                  a->cur_number);
    return b.data ? b.data : kb_strdup("");
}

static kb_grid *kb_draw(kb_tui_app *a)
{
    kb_grid *g = kb_grid_new(a->w, a->h, a->utf8);
    kb_tui_app_draw(a, g);
    return g;
}

static bool kb_same_screen(const kb_grid *x, const kb_grid *y)
{
    if (x->w != y->w || x->h != y->h)
        return false;
    for (int r = 0; r < x->h; r++)
        for (int c = 0; c < x->w; c++)
            if (!kb_grid_cell_eq(kb_grid_cell(x, c, r), kb_grid_cell(y, c, r)))
                return false;
    return true;
}

/* After a refresh: the layout and the screen equal a rebuild's. */
static void kb_check(kb_tui_app *a, int step)
{
    char *inc = kb_lay_text(a);
    size_t cur_lane = a->cur_lane, cur_stage = a->cur_stage, cur_idx = a->cur_idx;
    int scroll_y = a->scroll_y;
    size_t scroll_x = a->scroll_x;
    kb_grid *g1 = kb_draw(a);
    /* the same state, rebuilt */
    a->cur_lane = cur_lane;
    a->cur_stage = cur_stage;
    a->cur_idx = cur_idx;
    a->scroll_y = scroll_y;
    a->scroll_x = scroll_x;
    kb_tui_app_dirty(a);
    kb_tui_reselect(a);
    char *full = kb_lay_text(a);
    a->scroll_y = scroll_y;
    a->scroll_x = scroll_x;
    kb_grid *g2 = kb_draw(a);
    if (strcmp(inc, full) != 0)
        fprintf(stderr, "step %d: incremental\n%s\nrebuilt\n%s\n", step, inc, full);
    cr_assert_str_eq(inc, full, "step %d: the incremental layout is a rebuild's", step);
    if (!kb_same_screen(g1, g2)) {
        char *d1 = kb_grid_dump(g1), *d2 = kb_grid_dump(g2);
        fprintf(stderr, "step %d: incremental\n%s\nrebuilt\n%s\n", step, d1, d2);
        kb_free(&d1);
        kb_free(&d2);
    }
    cr_assert(kb_same_screen(g1, g2), "step %d: the screen is a rebuild's", step);
    kb_grid_free(&g1);
    kb_grid_free(&g2);
    kb_free(&inc);
    kb_free(&full);
}

static uint32_t kb_count(kb_tui_app *a)
{
    return a->cache.cases.n ? a->cache.cases.v[a->cache.cases.n - 1].number : 0;
}

Test(tui_incremental, random_remote_changes_equal_a_rebuild)
{
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive"};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(kb_path, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);

    kb_refs_copy r = {0};
    size_t n;
    const kb_stage *st = kb_board_stages(b, &n);
    r.stages = kb_calloc(n, sizeof *r.stages);
    for (size_t i = 0; i < n; i++)
        r.stages[r.nstages++] = kb_strdup(st[i].code);
    const kb_dept *dp = kb_board_depts(b, &n);
    r.depts = kb_calloc(n, sizeof *r.depts);
    for (size_t i = 0; i < n; i++)
        r.depts[r.ndepts++] = kb_strdup(dp[i].code);
    cr_assert(r.nstages >= 3 && r.ndepts >= 2);
    /* a department's WIP limit in the second stage (shown in its lane header) */
    kb_stage lim = kb_board_stages(b, &n)[1];
    lim.dept_wip = (kb_strv){0};
    char *spec = kb_asprintf("%s=3", r.depts[0]);
    kb_strv_push(&lim.dept_wip, spec);
    kb_free(&spec);
    cr_assert_eq(kb_board_stage_edit(b, &lim, &e), KB_OK, "%s", e.msg);
    kb_strv_free(&lim.dept_wip);
    for (int i = 0; i < 60; i++) {
        kb_case c;
        kb_case_init(&c);
        kb_fill(&c, &r);
        cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
        kb_case_free(&c);
    }

    kb_tui_app a;
    kb_tui_app_init(&a, kb_path, "anna", 120, 40, true);
    a.now_ms = 1000000;
    a.today_fixed = true;
    cr_assert_eq(kb_tui_app_attach(&a, b, &e), KB_OK, "%s", e.msg);
    kb_check(&a, 0);
    kb_grid *g = kb_draw(&a);
    char *dump = kb_grid_dump(g);
    cr_assert_not_null(strstr(dump, "/3"), "the department's WIP limit is shown: %s", dump);
    kb_free(&dump);
    kb_grid_free(&g);

    static const char *const filters[] = {"", "prio>=2", "text:noord", "dept:" /* + a dept */,
                                          "-blocked -conf:confidential"};
    static const char *const sorts[] = {NULL, "due", "age", "priority", "number"};
    int incremental = 0, rebuilt = 0;
    for (int step = 1; step <= 240; step++) {
        /* now and then the view changes (a rebuild, as before) */
        if (step % 20 == 0) {
            const char *f = filters[kb_rand(sizeof filters / sizeof *filters)];
            char *text = strcmp(f, "dept:") == 0
                             ? kb_asprintf("dept:%s", r.depts[kb_rand((unsigned)r.ndepts)])
                             : kb_strdup(f);
            cr_assert_eq(kb_tui_set_filter(&a, text, &e), KB_OK, "%s: %s", text, e.msg);
            kb_free(&text);
            kb_free(&a.card_sort);
            const char *s = sorts[kb_rand(sizeof sorts / sizeof *sorts)];
            a.card_sort = s ? kb_strdup(s) : NULL;
            a.show_mirrors = kb_rand(2);
            a.presenting = kb_rand(2);
            kb_tui_app_resize(&a, 120, kb_rand(2) ? 40 : 24);
            kb_tui_app_dirty(&a);
            kb_tui_reselect(&a);
            kb_check(&a, step);
        }
        if (step % 7 == 0 && a.lay.nlanes) /* the cursor somewhere else */
            (void)kb_tui_select_case(&a, 1 + kb_rand(kb_count(&a)), NULL);
        /* one to three changes, sometimes a burst (more than the
         * incremental limit at this size: a rebuild) */
        unsigned k = step % 37 == 0 ? 30 : 1 + kb_rand(3);
        for (unsigned i = 0; i < k; i++)
            kb_change(b, &r, kb_count(&a));
        uint32_t sel = a.cur_number;
        unsigned long builds = a.lay_builds;
        (void)kb_tui_refresh(&a, true);
        if (!a.cache.nchanged) /* the changes changed nothing (same stage, same title) */
            ;
        else if (a.lay_builds != builds)
            rebuilt++;
        else
            incremental++;
        if (sel && kb_tui_case(&a, sel) && a.cur_number)
            cr_assert_eq(a.cur_number, sel, "step %d: the cursor stays on #%u", step, sel);
        kb_check(&a, step);
    }
    fprintf(stderr, "incremental refreshes: %d, rebuilds: %d\n", incremental, rebuilt);
    cr_assert_gt(incremental, 150, "most refreshes are applied incrementally");
    cr_assert_gt(rebuilt, 3, "the fallback ran too");
    kb_tui_app_free(&a); /* closes the board */
    for (size_t i = 0; i < r.nstages; i++)
        kb_free(&r.stages[i]);
    for (size_t i = 0; i < r.ndepts; i++)
        kb_free(&r.depts[i]);
    kb_free(&r.stages);
    kb_free(&r.depts);
}

/* Nothing changed: the refresh names nothing and the layout stays; a
 * title changed by another process is applied without a rebuild. */
Test(tui_incremental, another_process_changes_one_card_without_a_rebuild)
{
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive", .lock_timeout_ms = 20000};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(kb_path, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    for (int i = 0; i < 5; i++) {
        kb_case c;
        kb_case_init(&c);
        c.title = kb_asprintf("Zaak %d", i + 1);
        c.lead_dept = kb_strdup("ECO");
        cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
        kb_case_free(&c);
    }
    kb_tui_app a;
    kb_tui_app_init(&a, kb_path, "anna", 80, 24, true);
    cr_assert_eq(kb_tui_app_attach(&a, b, &e), KB_OK, "%s", e.msg);
    kb_tui_layout(&a);
    unsigned long builds = a.lay_builds;
    (void)kb_tui_refresh(&a, true);
    cr_assert_eq(a.cache.nchanged, 0);
    cr_assert_eq(a.lay_builds, builds, "no rebuild when nothing changed");
    pid_t pid = fork();
    if (pid == 0) {
        kb_board *ob = NULL;
        kb_err ee;
        kb_case c;
        kb_case_init(&c);
        int rc = kb_board_open(kb_path, "anna", p, &o, &ob, &ee);
        if (rc == KB_OK)
            rc = kb_board_case_get(ob, 3, &c, &ee);
        if (rc == KB_OK) {
            kb_free(&c.title);
            c.title = kb_strdup("Van iemand anders");
            rc = kb_board_case_save(ob, &c, KB_CORE_ANY_VERSION, 0, &ee);
        }
        kb_case_free(&c);
        kb_board_close(&ob);
        _exit(rc ? 1 : 0);
    }
    kb_secret_free(&p);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    unsigned r = kb_tui_app_tick(&a, a.now_ms + 1500);
    cr_assert(r & KB_TUI_R_VIEW);
    cr_assert_eq(a.cache.nchanged, 1);
    cr_assert_eq(a.cache.changed[0], 3);
    cr_assert_eq(a.lay_builds, builds, "one changed card: no rebuild");
    kb_grid *g = kb_draw(&a);
    char *dump = kb_grid_dump(g);
    cr_assert_not_null(strstr(dump, "#3 Van iemand anders"), "%s", dump);
    kb_free(&dump);
    kb_grid_free(&g);
    kb_check(&a, 1);
    kb_tui_app_free(&a);
}

/* The first frame lays the board out at the app's default size and then
 * at the terminal's: a new height changes only the cards' heights (two
 * rows from 40 lines), without a rebuild, and the result is a rebuild's.
 * Each column is in the board's order (cases before copies, priority high
 * first, then number). */
Test(tui_incremental, a_new_height_restamps_the_cards_without_a_rebuild)
{
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive"};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(kb_path, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    kb_refs_copy r = {0};
    size_t n;
    const kb_stage *st = kb_board_stages(b, &n);
    r.stages = kb_calloc(n, sizeof *r.stages);
    for (size_t i = 0; i < n; i++)
        r.stages[r.nstages++] = kb_strdup(st[i].code);
    const kb_dept *dp = kb_board_depts(b, &n);
    r.depts = kb_calloc(n, sizeof *r.depts);
    for (size_t i = 0; i < n; i++)
        r.depts[r.ndepts++] = kb_strdup(dp[i].code);
    for (int i = 0; i < 80; i++) {
        kb_case c;
        kb_case_init(&c);
        kb_fill(&c, &r);
        cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
        kb_case_free(&c);
    }
    kb_tui_app a;
    kb_tui_app_init(&a, kb_path, "anna", 80, 24, true);
    a.now_ms = 1000000;
    a.today_fixed = true;
    a.show_mirrors = true;
    cr_assert_eq(kb_tui_app_attach(&a, b, &e), KB_OK, "%s", e.msg);
    kb_tui_layout(&a);
    cr_assert_eq(a.lay.card_h, 1);
    unsigned long builds = a.lay_builds;
    static const int heights[] = {40, 50, 24, 39, 40};
    for (size_t h = 0; h < sizeof heights / sizeof *heights; h++) {
        kb_tui_app_resize(&a, 120, heights[h]);
        kb_tui_layout(&a);
        cr_assert_eq(a.lay_builds, builds, "height %d: no rebuild", heights[h]);
        cr_assert_eq(a.lay.card_h, heights[h] >= 40 ? 2 : 1);
        size_t cards = 0;
        for (size_t i = 0; i < a.lay.nlanes; i++)
            for (size_t s = 0; s < a.lay.nstages; s++) {
                const kb_tui_bcell *cell = &a.lay.lanes[i].cells[s];
                cards += cell->n;
                for (size_t k = 1; k < cell->n; k++)
                    cr_assert_lt(kb_tui_card_order(&a, &cell->v[k - 1], &cell->v[k]), 0,
                                 "#%u before #%u", cell->v[k - 1].number, cell->v[k].number);
            }
        cr_assert_gt(cards, 80, "the cases and their copies in other lanes");
        kb_check(&a, (int)h);
        builds = a.lay_builds; /* kb_check rebuilt it */
    }
    kb_tui_app_free(&a);
    for (size_t i = 0; i < r.nstages; i++)
        kb_free(&r.stages[i]);
    for (size_t i = 0; i < r.ndepts; i++)
        kb_free(&r.depts[i]);
    kb_free(&r.stages);
    kb_free(&r.depts);
}
