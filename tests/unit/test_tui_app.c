/* TUI logic against a real board, without a terminal: keys go into
 * kb_tui_app_key, results are checked through the core API.  Another user's
 * session is a forked process (POSIX record locks belong to processes). */
#include <criterion/criterion.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernboard/core.h"
#include "kernboard/mem.h"
#include "tui/tui_internal.h"
#include "kb_test.h"

#define KB_CTRL_U_FOR_TEST (KB_KEY_CTRL | (kb_key)'u')

static char kb_dir[300], kb_path[400];

static kb_board *kb_open_as(const char *user)
{
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive", .lock_timeout_ms = 20000};
    kb_board *b = NULL;
    kb_err e;
    int rc = kb_board_open(kb_path, user, p, &o, &b, &e);
    kb_secret_free(&p);
    if (rc) {
        fprintf(stderr, "open %s: %s\n", user, e.msg);
        return NULL;
    }
    return b;
}

static void kb_add(kb_board *b, const char *title, const char *dept, const char *stage)
{
    kb_case c;
    kb_case_init(&c);
    c.title = kb_strdup(title);
    c.lead_dept = dept ? kb_strdup(dept) : NULL;
    c.stage = stage ? kb_strdup(stage) : NULL;
    kb_err e;
    cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
    kb_case_free(&c);
}

static void kb_setup(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    kb_test_dir(kb_dir, sizeof kb_dir, "tui");
    snprintf(kb_path, sizeof kb_path, "%s/board.kb", kb_dir);
    setenv("XDG_STATE_HOME", kb_dir, 1);
    setenv("XDG_CONFIG_HOME", kb_dir, 1);
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive"};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(kb_path, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    kb_add(b, "Café De Hoek", "ECO", NULL);
    kb_add(b, "Leegstand Noord", "VAS", "explore");
    /* moving into "done" needs a reason */
    size_t n;
    const kb_stage *st = kb_board_stages(b, &n);
    kb_stage done = st[n - 1];
    done.needs_reason = true;
    cr_assert_eq(kb_board_stage_edit(b, &done, &e), KB_OK, "%s", e.msg);
    kb_board_close(&b);
}

static void kb_teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", kb_dir);
    if (system(cmd) != 0) {
        /* leave it */
    }
}

TestSuite(tui_app, .init = kb_setup, .fini = kb_teardown, .timeout = 60);

static int64_t kb_now = 1000000;

static unsigned kb_key_in(kb_tui_app *a, kb_key k)
{
    kb_now += 10;
    return kb_tui_app_key(a, k, kb_now);
}

static void kb_type(kb_tui_app *a, const char *s)
{
    while (*s) {
        uint32_t cp;
        size_t n = kb_tui_utf8_next(s, strlen(s), &cp);
        kb_key_in(a, cp);
        s += n;
    }
}

static void kb_app(kb_tui_app *a)
{
    kb_tui_app_init(a, kb_path, "anna", 80, 24, true);
    a->now_ms = kb_now;
    kb_board *b = kb_open_as("anna");
    cr_assert_not_null(b);
    kb_err e;
    cr_assert_eq(kb_tui_app_attach(a, b, &e), KB_OK, "%s", e.msg);
    cr_assert(kb_tui_select_case(a, 1, NULL));
}

static char *kb_stage_of(kb_tui_app *a, uint32_t n)
{
    kb_case c;
    kb_case_init(&c);
    kb_err e;
    cr_assert_eq(kb_board_case_get(a->board, n, &c, &e), KB_OK, "%s", e.msg);
    char *s = kb_strdup(c.stage);
    kb_case_free(&c);
    return s;
}

Test(tui_app, move_with_L_and_undo)
{
    kb_tui_app a;
    kb_app(&a);
    cr_assert_eq(a.cur_number, 1);
    kb_key_in(&a, 'L');
    char *s = kb_stage_of(&a, 1);
    cr_assert_str_eq(s, "explore", "%s", a.msg);
    kb_free(&s);
    cr_assert_eq(a.cur_number, 1, "the cursor follows the case");
    cr_assert_eq(a.refs.stages[a.cur_stage].position, 2);
    kb_key_in(&a, 'u');
    s = kb_stage_of(&a, 1);
    cr_assert_str_eq(s, "signal", "%s", a.msg);
    kb_free(&s);
    /* u again redoes (the undo was the last change) */
    kb_key_in(&a, 'u');
    s = kb_stage_of(&a, 1);
    cr_assert_str_eq(s, "explore");
    kb_free(&s);
    kb_tui_app_free(&a);
}

static char *kb_lead_of(kb_tui_app *a, uint32_t n)
{
    kb_case c;
    kb_case_init(&c);
    kb_err e;
    cr_assert_eq(kb_board_case_get(a->board, n, &c, &e), KB_OK, "%s", e.msg);
    char *s = kb_strdup(c.lead_dept ? c.lead_dept : "");
    kb_case_free(&c);
    return s;
}

static void kb_assert_lead(kb_tui_app *a, uint32_t n, const char *want)
{
    char *s = kb_lead_of(a, n);
    cr_assert_str_eq(s, want, "#%u: %s (status: %s)", n, s, a->msg);
    kb_free(&s);
}

static void kb_assert_stage(kb_tui_app *a, uint32_t n, const char *want)
{
    char *s = kb_stage_of(a, n);
    cr_assert_str_eq(s, want, "#%u: %s (status: %s)", n, s, a->msg);
    kb_free(&s);
}

/* A triage decision is the last change: u undoes it (and not an older
 * move), the version check compares with the version it produced (not
 * "someone else"), and u again says it redid it. */
Test(tui_app, undo_triage_decision_and_redo)
{
    kb_tui_app a;
    kb_app(&a);
    kb_key_in(&a, 'L'); /* #1 to explore and back: two changes of ours */
    kb_key_in(&a, 'H');
    kb_assert_stage(&a, 1, "signal");
    (void)kb_view_triage_open(&a);
    cr_assert_eq(kb_view_triage_current(&a), 1);
    kb_key_in(&a, 'd');
    kb_type(&a, "VAS");
    kb_key_in(&a, KB_KEY_ENTER);
    kb_assert_lead(&a, 1, "VAS");
    kb_key_in(&a, 'u');
    cr_assert(strstr(a.msg, "Undone: #1") != NULL, "%s", a.msg);
    kb_assert_lead(&a, 1, "ECO");
    kb_assert_stage(&a, 1, "signal");
    kb_key_in(&a, 'u');
    cr_assert(strstr(a.msg, "Redone: #1") != NULL, "%s", a.msg);
    kb_assert_lead(&a, 1, "VAS");
    kb_key_in(&a, 'u');
    cr_assert(strstr(a.msg, "Undone: #1") != NULL, "%s", a.msg);
    kb_assert_lead(&a, 1, "ECO");
    kb_tui_app_free(&a);
}

/* The cases of the triage inbox in the app's cache (as the screen counts
 * them); sets *first to the oldest. */
static size_t kb_inbox_n(kb_tui_app *a, uint32_t *first)
{
    size_t ns = a->refs.nstages, *idx = kb_calloc(a->cache.cases.n + 1, sizeof *idx);
    size_t n =
        kb_triage_inbox(a->cache.cases.v, a->cache.cases.n, a->refs.stages[0].code,
                        a->refs.stages[ns - 1].code, a->cache.links.v, a->cache.links.n, idx);
    *first = n ? a->cache.cases.v[idx[0]].number : 0;
    kb_free(&idx);
    return n;
}

/* The triage pickers move their highlight with Up/Down; an involved
 * department picked as the lead leaves the involved ones; "duplicate of"
 * takes the case out of the inbox (the TUI's and `triage list` agree) and
 * `:unlink` puts it back. */
Test(tui_app, triage_arrows_lead_from_involved_and_duplicates)
{
    kb_tui_app a;
    kb_app(&a);
    kb_tui_command(&a, "edit 1 --also INC,SOC");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", a.msg);
    kb_tui_command(&a, "add --title \"Café De Hoek wil een terras\"");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", a.msg); /* #3, a signal without a lead */
    (void)kb_view_triage_open(&a);
    cr_assert_eq(kb_view_triage_current(&a), 1);
    /* the lead picker lists the departments in board order: Down to INC */
    size_t inc = a.refs.ndepts;
    for (size_t i = 0; i < a.refs.ndepts; i++)
        if (strcmp(a.refs.depts[i].code, "INC") == 0)
            inc = i;
    cr_assert_lt(inc, a.refs.ndepts);
    kb_key_in(&a, 'd');
    for (size_t i = 0; i < inc + 1; i++)
        kb_key_in(&a, KB_KEY_DOWN);
    kb_key_in(&a, KB_KEY_UP);
    kb_key_in(&a, KB_KEY_ENTER);
    kb_assert_lead(&a, 1, "INC");
    cr_assert(strstr(a.msg, "lead department set; INC is no longer involved") != NULL, "%s", a.msg);
    kb_case c;
    kb_case_init(&c);
    kb_err e;
    cr_assert_eq(kb_board_case_get(a.board, 1, &c, &e), KB_OK, "%s", e.msg);
    cr_assert(c.depts.n == 1 && strcmp(c.depts.v[0], "SOC") == 0);
    kb_case_free(&c);
    /* #1 is a duplicate of #3: out of the inbox */
    uint32_t first = 0;
    cr_assert_eq(kb_inbox_n(&a, &first), 2);
    cr_assert_eq(kb_view_triage_current(&a), 1);
    kb_key_in(&a, 'D');
    kb_type(&a, "#3");
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(strstr(a.msg, "#1: marked as duplicate of #3") != NULL, "%s", a.msg);
    cr_assert_eq(kb_view_triage_current(&a), 3);
    cr_assert_eq(kb_inbox_n(&a, &first), 1);
    cr_assert_eq(first, 3);
    /* the other way round is a contradiction, refused with what exists */
    kb_key_in(&a, 'D');
    kb_type(&a, "1");
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(strstr(a.msg, "#1 is already a duplicate of #3") != NULL, "%s", a.msg);
    /* a wrong link is removed from the ':' line: #1 is back */
    kb_tui_command(&a, "unlink 3 1");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", a.msg);
    cr_assert(strstr(a.msg, "Link removed: #1 duplicate #3") != NULL, "%s", a.msg);
    cr_assert_eq(kb_inbox_n(&a, &first), 2);
    cr_assert_eq(first, 1);
    kb_tui_app_free(&a);
}

/* Redo says so on the board too. */
Test(tui_app, undo_move_then_redo_message)
{
    kb_tui_app a;
    kb_app(&a);
    kb_key_in(&a, 'L');
    kb_key_in(&a, 'u');
    cr_assert(strstr(a.msg, "Undone: #1") != NULL, "%s", a.msg);
    kb_key_in(&a, 'u');
    cr_assert(strstr(a.msg, "Redone: #1") != NULL, "%s", a.msg);
    kb_assert_stage(&a, 1, "explore");
    kb_tui_app_free(&a);
}

/* A change that cannot be undone (a triage next step, a ':' command that
 * changes the board) is the last change too: u says so and leaves the
 * older move alone. */
Test(tui_app, undo_refuses_after_change_it_cannot_undo)
{
    kb_tui_app a;
    kb_app(&a);
    kb_key_in(&a, 'L');
    kb_assert_stage(&a, 1, "explore");
    kb_key_in(&a, 'u');
    kb_key_in(&a, 'u'); /* #1 in explore again (redone) */
    kb_assert_stage(&a, 1, "explore");
    (void)kb_tui_command(&a, "case link 2 1 --as related");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", a.msg);
    kb_key_in(&a, 'u');
    cr_assert(strstr(a.msg, "cannot be undone") != NULL, "%s", a.msg);
    cr_assert(strstr(a.msg, "case link 2 1") != NULL, "%s", a.msg);
    kb_assert_stage(&a, 1, "explore");
    /* a read-only command is no change, and a comment stays (the timeline
     * is append-only): u undoes the move before them */
    kb_key_in(&a, 'H');
    kb_assert_stage(&a, 1, "signal");
    (void)kb_tui_command(&a, "case show 1");
    (void)kb_tui_command(&a, "case comment 1 hello");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", a.msg);
    kb_key_in(&a, 'u');
    kb_assert_stage(&a, 1, "explore");
    /* a triage next step (an action item) */
    kb_key_in(&a, 'u'); /* redo: #1 back in signal, in the inbox */
    kb_assert_stage(&a, 1, "signal");
    (void)kb_view_triage_open(&a);
    cr_assert_eq(kb_view_triage_current(&a), 1);
    kb_key_in(&a, 'x');
    kb_type(&a, "call the owner");
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(strstr(a.msg, "next step added") != NULL, "%s", a.msg);
    kb_key_in(&a, 'u');
    cr_assert(strstr(a.msg, "cannot be undone") != NULL, "%s", a.msg);
    kb_assert_stage(&a, 1, "signal");
    kb_tui_app_free(&a);
}

/* A filter on updated or since: sees comments, decisions and action
 * items: it fills in the cached cases' timeline activity once (an
 * ordinary filter does not pay for it), and the live refresh keeps it
 * current when someone comments. */
Test(tui_app, filter_on_updated_reads_the_timeline_activity)
{
    kb_tui_app a;
    kb_app(&a);
    kb_err e;
    cr_assert_eq(kb_tui_set_filter(&a, "dept:ECO", &e), KB_OK, "%s", e.msg);
    cr_assert_not(a.cache.activity, "an ordinary filter reads no timeline");
    cr_assert_eq(kb_tui_set_filter(&a, "since:lastmeeting", &e), KB_OK, "%s", e.msg);
    cr_assert(a.cache.activity);
    a.cache.cases.v[1].active = 1; /* as if #2's timeline were long ago */
    uint64_t v2 = a.cache.cases.v[1].version;
    cr_assert_eq(kb_board_comment_add(a.board, 2, "Nagebeld", &e), KB_OK, "%s", e.msg);
    kb_tui_refresh(&a, true);
    cr_assert_gt(a.cache.cases.v[1].active, 1, "the comment is #2's newest activity");
    cr_assert_eq(a.cache.cases.v[1].version, v2);
    cr_assert_geq(kb_case_last_activity(&a.cache.cases.v[1]), a.cache.cases.v[1].updated);
    cr_assert_eq(kb_tui_count_matches(&a, "updated>=today", &e), 2, "%s", e.msg);
    kb_tui_app_free(&a);
}

/* ---- meeting mode */

static void kb_flag(kb_tui_app *a, uint32_t n)
{
    kb_case_patch p;
    kb_case_patch_init(&p);
    p.set = 1u << KB_F_AGENDA;
    p.v.on_agenda = true;
    kb_err e;
    cr_assert_eq(kb_board_case_update(a->board, n, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e),
                 KB_OK, "%s", e.msg);
    kb_case_patch_free(&p);
}

static void kb_get(kb_tui_app *a, uint32_t n, kb_case *c)
{
    kb_case_init(c);
    kb_err e;
    cr_assert_eq(kb_board_case_get(a->board, n, c, &e), KB_OK, "%s", e.msg);
}

/* The running meeting (false: none runs). */
static bool kb_running(kb_tui_app *a, kb_meeting *m)
{
    kb_meeting_init(m);
    kb_err e;
    if (kb_board_meeting_state_get(a->board, KB_MEETING_RUNNING, m, &e) == KB_OK)
        return true;
    kb_meeting_free(m);
    kb_meeting_init(m);
    return false;
}

static uint32_t kb_item_now(kb_tui_app *a)
{
    kb_meeting m;
    cr_assert(kb_running(a, &m));
    uint32_t n = m.agenda.v[m.current];
    kb_meeting_free(&m);
    return n;
}

/* Start a meeting over #1 and #2 from the TUI (M, s). */
static void kb_meeting_started(kb_tui_app *a)
{
    kb_flag(a, 1);
    kb_flag(a, 2);
    kb_key_in(a, 'M');
    cr_assert(kb_tui_view_is_top(a, &kb_tui_view_meeting));
    kb_key_in(a, 's');
    kb_meeting m;
    cr_assert(kb_running(a, &m), "%s", a->msg);
    cr_assert_eq(m.agenda.n, 2);
    kb_meeting_free(&m);
}

/* Every change a meeting key makes sets the undo target: u after f (take
 * the on-agenda flag off) undoes exactly that, not an older review date
 * on another case, and not "changed by someone else" after v and f on the
 * same case; a change of the meeting record cannot be undone and u says
 * so. */
Test(tui_app, meeting_keys_set_the_undo_target)
{
    kb_tui_app a;
    kb_app(&a);
    kb_meeting_started(&a);
    uint32_t first = kb_item_now(&a);
    kb_case c0, c1;
    kb_get(&a, first, &c0);
    kb_key_in(&a, 'v'); /* review date of the first item */
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    kb_type(&a, "2w");
    kb_key_in(&a, KB_KEY_ENTER);
    kb_get(&a, first, &c1);
    cr_assert_neq(c1.review, c0.review, "%s", a.msg);
    kb_key_in(&a, 'n');
    uint32_t second = kb_item_now(&a);
    cr_assert_neq(second, first);
    kb_key_in(&a, 'f');
    kb_case c2;
    kb_get(&a, second, &c2);
    cr_assert(!c2.on_agenda, "%s", a.msg);
    kb_case_free(&c2);
    kb_key_in(&a, 'u');
    char want[64];
    snprintf(want, sizeof want, "Undone: #%u", second);
    cr_assert(strstr(a.msg, want), "%s", a.msg);
    kb_get(&a, second, &c2);
    cr_assert(c2.on_agenda, "the flag is back: %s", a.msg);
    kb_case_free(&c2);
    kb_case cf;
    kb_get(&a, first, &cf);
    cr_assert_eq(cf.review, c1.review, "the first item's review date stays");
    kb_case_free(&cf);
    /* v and f on the same item: u takes back f */
    kb_key_in(&a, 'v');
    kb_type(&a, "3w");
    kb_key_in(&a, KB_KEY_ENTER);
    kb_key_in(&a, 'f');
    kb_key_in(&a, 'u');
    cr_assert(strstr(a.msg, want), "%s", a.msg);
    cr_assert_null(strstr(a.msg, "someone else"), "%s", a.msg);
    kb_get(&a, second, &c2);
    cr_assert(c2.on_agenda, "%s", a.msg);
    cr_assert_neq(c2.review, c1.review, "the 3w review date stays: only f was undone");
    kb_case_free(&c2);
    /* the attendance (a change of the meeting record) cannot be undone */
    kb_key_in(&a, 'w');
    kb_key_in(&a, ' ');
    kb_key_in(&a, 'u');
    cr_assert(strstr(a.msg, "cannot be undone"), "%s", a.msg);
    kb_get(&a, second, &c2);
    cr_assert(c2.on_agenda, "nothing older was reverted: %s", a.msg);
    kb_case_free(&c2);
    kb_case_free(&c0);
    kb_case_free(&c1);
    kb_tui_app_free(&a);
}

/* Undo in meeting mode acts on the current item only: f on the first
 * item, n, u must not put the first item's flag back while the second
 * item is on the shared screen; it says why and changes nothing.  Back on
 * the first item (p), u undoes the f. */
Test(tui_app, meeting_undo_stays_on_the_current_item)
{
    kb_tui_app a;
    kb_app(&a);
    kb_meeting_started(&a);
    uint32_t first = kb_item_now(&a);
    kb_key_in(&a, 'f');
    kb_case c;
    kb_get(&a, first, &c);
    cr_assert(!c.on_agenda, "%s", a.msg);
    kb_case_free(&c);
    kb_key_in(&a, 'n');
    uint32_t second = kb_item_now(&a);
    cr_assert_neq(second, first);
    uint64_t commits = kb_board_commits(a.board);
    kb_key_in(&a, 'u');
    char other[32];
    snprintf(other, sizeof other, "#%u", first);
    cr_assert_null(strstr(a.msg, "Undone"), "undo reached back to the previous item: %s", a.msg);
    cr_assert(strstr(a.msg, "current item") && strstr(a.msg, other), "%s", a.msg);
    cr_assert_eq(kb_board_commits(a.board), commits, "nothing was written");
    kb_get(&a, first, &c);
    cr_assert(!c.on_agenda, "the previous item's flag stays off: %s", a.msg);
    kb_case_free(&c);
    kb_get(&a, second, &c);
    cr_assert(c.on_agenda, "the current item is untouched: %s", a.msg);
    kb_case_free(&c);
    /* back on the first item, u undoes its f */
    kb_key_in(&a, 'p');
    cr_assert_eq(kb_item_now(&a), first);
    kb_key_in(&a, 'u');
    char want[64];
    snprintf(want, sizeof want, "Undone: #%u", first);
    cr_assert(strstr(a.msg, want), "%s", a.msg);
    kb_get(&a, first, &c);
    cr_assert(c.on_agenda, "%s", a.msg);
    kb_case_free(&c);
    kb_tui_app_free(&a);
}

/* g adds a guest by the name as typed, blanks and all; E asks before it
 * ends the meeting (n, Esc: it goes on; y, or the Dutch j: it ends). */
Test(tui_app, meeting_guest_with_blanks_and_end_asks_first)
{
    cr_assert_eq(chdir(kb_dir), 0); /* the minutes file goes here */
    kb_tui_app a;
    kb_app(&a);
    kb_meeting_started(&a);
    kb_key_in(&a, 'w');
    kb_key_in(&a, 'g');
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    cr_assert_eq(kb_tui_prompt_state(&a)->kind, KB_PR_GUEST);
    kb_type(&a, "Mevr. Öztürk (KvK)");
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(!kb_tui_view_is_top(&a, &kb_tui_view_prompt), "%s", a.msg);
    kb_meeting m;
    cr_assert(kb_running(&a, &m));
    cr_assert(kb_strv_contains(&m.guests, "Mevr. Öztürk (KvK)"), "%s", a.msg);
    kb_meeting_free(&m);
    /* an empty name: the prompt stays and says why */
    kb_key_in(&a, 'g');
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    cr_assert(strstr(kb_tui_prompt_state(&a)->error, "needs a name"), "%s", a.msg);
    kb_key_in(&a, KB_KEY_ESC);
    kb_key_in(&a, 'i');
    kb_key_in(&a, 'E');
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_meeting_end));
    kb_key_in(&a, 'n');
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_meeting));
    cr_assert(kb_running(&a, &m), "n: the meeting goes on");
    uint32_t mn = m.number;
    kb_meeting_free(&m);
    kb_key_in(&a, 'E');
    kb_key_in(&a, KB_KEY_ESC);
    cr_assert(kb_running(&a, &m), "Esc: the meeting goes on");
    kb_meeting_free(&m);
    kb_key_in(&a, 'E');
    kb_key_in(&a, 'j');
    cr_assert(!kb_running(&a, &m), "j: ended (%s)", a.msg);
    char want[64];
    snprintf(want, sizeof want, "Meeting M%u ended", mn);
    cr_assert(strstr(a.msg, want), "%s", a.msg);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_output), "the minutes are shown");
    kb_tui_app_free(&a);
}

/* The reason of a move into a stage that needs one is stored with the
 * move, in the same write transaction (one audited change). */
static bool kb_has_move(kb_tui_app *a, uint32_t n, const char *to, const char *reason)
{
    kb_comment_vec tl;
    kb_err e;
    cr_assert_eq(kb_board_timeline(a->board, n, &tl, &e), KB_OK);
    bool found = false;
    for (size_t i = 0; i < tl.n; i++)
        found = found || (tl.v[i].move_to && strcmp(tl.v[i].move_to, to) == 0 && tl.v[i].reason &&
                          strcmp(tl.v[i].reason, reason) == 0);
    kb_comment_vec_free(&tl);
    return found;
}

Test(tui_app, move_needs_reason_stores_it_with_the_move)
{
    kb_tui_app a;
    kb_app(&a);
    kb_tui_command(&a, "move 2 progress");
    cr_assert(kb_tui_select_case(&a, 2, NULL));
    kb_key_in(&a, 'L'); /* progress -> done: needs a reason */
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    cr_assert_eq(kb_tui_prompt_state(&a)->kind, KB_PR_REASON);
    kb_key_in(&a, KB_KEY_ENTER); /* empty: refused, the prompt stays */
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    kb_type(&a, "Pand verhuurd");
    uint64_t commits = kb_board_commits(a.board);
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert_eq(kb_board_commits(a.board) - commits, 1, "the move and its reason: one write");
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_board), "back on the board");
    char *s = kb_stage_of(&a, 2);
    cr_assert_str_eq(s, "done", "%s", a.msg);
    kb_free(&s);
    cr_assert(kb_has_move(&a, 2, "done", "Pand verhuurd"), "the reason is stored with the move");
    kb_tui_app_free(&a);
}

Test(tui_app, colon_move_without_reason_is_refused_like_the_cli)
{
    kb_tui_app a;
    kb_app(&a);
    kb_tui_command(&a, "move 2 progress");
    uint64_t commits = kb_board_commits(a.board);
    kb_tui_command(&a, "move 2 done");
    cr_assert_eq(kb_board_commits(a.board), commits, "nothing written");
    cr_assert(a.msg_error);
    cr_assert(strstr(a.msg, "--reason"), "says how to give the reason: %s", a.msg);
    char *s = kb_stage_of(&a, 2);
    cr_assert_str_eq(s, "progress");
    kb_free(&s);
    kb_tui_command(&a, "move 2 done --reason \"Pand verhuurd\"");
    cr_assert_eq(kb_board_commits(a.board) - commits, 1, "%s", a.msg);
    cr_assert(kb_has_move(&a, 2, "done", "Pand verhuurd"));
    kb_tui_app_free(&a);
}

Test(tui_app, form_stage_into_needs_reason_stage_asks_for_the_reason)
{
    kb_tui_app a;
    kb_app(&a);
    kb_tui_command(&a, "move 2 progress");
    kb_tui_command(&a, "edit 2");
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_form));
    kb_tui_form *f = kb_tui_form_state(&a);
    f->focus = KB_FF_STAGE;
    kb_tui_line_set(&f->f[KB_FF_STAGE], "done");
    kb_key_in(&a, KB_KEY_ENTER); /* save: the stage needs a reason */
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt), "%s", a.msg);
    cr_assert_eq(kb_tui_prompt_state(&a)->kind, KB_PR_FORM_REASON);
    kb_key_in(&a, KB_KEY_ENTER); /* empty: refused, the prompt stays */
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    kb_type(&a, "Afgerond");
    uint64_t commits = kb_board_commits(a.board);
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(!kb_tui_form_open(&a), "saved and closed: %s", a.msg);
    char *s = kb_stage_of(&a, 2);
    cr_assert_str_eq(s, "done", "%s", a.msg);
    kb_free(&s);
    cr_assert(kb_has_move(&a, 2, "done", "Afgerond"));
    /* the form's save is one write (the lease was taken when it opened) */
    cr_assert_eq(kb_board_commits(a.board) - commits, 2, "save + lease release");
    kb_tui_app_free(&a);
}

Test(tui_app, a_comment_that_fails_to_save_stays_in_its_prompt)
{
    kb_tui_app a;
    kb_app(&a);
    kb_tui_command(&a, "comment 99"); /* no such case: the save fails */
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    kb_type(&a, "Belangrijke notitie");
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt), "the prompt stays open");
    kb_tui_prompt *p = kb_tui_prompt_state(&a);
    cr_assert_str_eq(p->line.text, "Belangrijke notitie", "the typed text is kept");
    cr_assert(p->error && strstr(p->error, "Not saved"), "%s", p->error ? p->error : "-");
    kb_tui_app_free(&a);
}

Test(tui_app, edit_form_saves_under_lease)
{
    kb_tui_app a;
    kb_app(&a);
    kb_key_in(&a, 'e');
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_form));
    cr_assert_neq(kb_tui_form_state(&a)->token, 0);
    kb_lease_info li;
    kb_err e;
    cr_assert_eq(kb_board_lease_get(a.board, 1, &li, &e), KB_OK, "the form holds the lease");
    cr_assert(li.mine);
    kb_lease_free(&li.lease);
    kb_key_in(&a, KB_CTRL_U_FOR_TEST);
    kb_type(&a, "Café De Hoek: terras");
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_board), "%s", a.msg);
    cr_assert_not(kb_tui_form_open(&a));
    kb_case c;
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(a.board, 1, &c, &e), KB_OK);
    cr_assert_str_eq(c.title, "Café De Hoek: terras");
    kb_case_free(&c);
    cr_assert_eq(kb_board_lease_get(a.board, 1, &li, &e), KB_ENOENT, "released after saving");
    kb_tui_app_free(&a);
}

/* In a child: another session of anna (an admin) breaks the lease on case
 * 1, saves a new title and due date, and with hold keeps its own lease. */
static pid_t kb_other_edits(int hold_seconds)
{
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(pfd[0]);
        kb_board *b = kb_open_as("anna");
        kb_err e;
        int ok = b != NULL;
        uint64_t token = 0;
        kb_case c;
        kb_case_init(&c);
        if (ok) {
            int rb = kb_board_lease_break(b, 1, true, &e);
            ok = rb == KB_OK || rb == KB_ENOENT; /* no lease to break is fine */
        }
        ok = ok && kb_board_lease_acquire(b, 1, 0, false, &token, &e) == KB_OK;
        ok = ok && kb_board_case_get(b, 1, &c, &e) == KB_OK;
        if (ok) {
            kb_free(&c.title);
            c.title = kb_strdup("Café De Hoek (theirs)");
            c.due = kb_date_from_ymd(2030, 1, 2);
            ok = kb_board_case_save(b, &c, c.version, token, &e) == KB_OK;
        }
        if (ok && !hold_seconds)
            ok = kb_board_lease_release(b, 1, token, &e) == KB_OK;
        if (!ok)
            fprintf(stderr, "child: %s\n", e.msg);
        char r = ok ? 'y' : 'n';
        if (write(pfd[1], &r, 1) != 1)
            _exit(2);
        if (hold_seconds)
            sleep((unsigned)hold_seconds);
        kb_case_free(&c);
        kb_board_close(&b);
        _exit(ok ? 0 : 1);
    }
    close(pfd[1]);
    char r = 0;
    cr_assert_eq(read(pfd[0], &r, 1), 1);
    close(pfd[0]);
    cr_assert_eq(r, 'y', "the other session could not edit");
    return pid;
}

Test(tui_app, conflict_dialog_merges)
{
    kb_tui_app a;
    kb_app(&a);
    kb_key_in(&a, 'e');
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_form));
    kb_key_in(&a, KB_CTRL_U_FOR_TEST);
    kb_type(&a, "Café De Hoek (mine)");
    pid_t pid = kb_other_edits(0);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_conflict), "%s",
              kb_tui_form_state(&a)->error ? kb_tui_form_state(&a)->error : a.msg);
    cr_assert_eq(kb_tui_conflict_state(&a)->n, 2, "title and due differ");
    cr_assert_eq(kb_tui_conflict_state(&a)->rows[0], KB_FF_TITLE);
    /* the dialog says who made their change (anna, in her other session) */
    cr_assert_str_eq(kb_tui_conflict_state(&a)->who, "anna");
    kb_grid *g = kb_grid_new(a.w, a.h, a.utf8);
    kb_tui_app_draw(&a, g);
    char *dump = kb_grid_dump(g);
    cr_assert(strstr(dump, "changed by anna (you)"), "%s", dump);
    kb_free(&dump);
    kb_grid_free(&g);
    /* keep my title, take their due date */
    kb_key_in(&a, KB_KEY_DOWN);
    kb_key_in(&a, KB_KEY_RIGHT);
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert_null(kb_tui_conflict_state(&a));
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_board), "%s", a.msg);
    kb_case c;
    kb_case_init(&c);
    kb_err e;
    cr_assert_eq(kb_board_case_get(a.board, 1, &c, &e), KB_OK);
    cr_assert_str_eq(c.title, "Café De Hoek (mine)");
    cr_assert_eq(c.due, kb_date_from_ymd(2030, 1, 2));
    kb_case_free(&c);
    kb_tui_app_free(&a);
}

Test(tui_app, failed_save_keeps_the_form)
{
    kb_tui_app a;
    kb_app(&a);
    kb_key_in(&a, 'e');
    kb_tui_line_set(&kb_tui_form_state(&a)->f[KB_FF_PRIORITY], "2");
    /* the other session breaks our lease and keeps its own */
    pid_t pid = kb_other_edits(30);
    kb_key_in(&a, KB_KEY_ENTER);
    /* version changed: the dialog; Esc goes back to the form with the input */
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_conflict));
    kb_key_in(&a, KB_KEY_ESC);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_form), "Esc goes back to the form");
    cr_assert_str_eq(kb_tui_form_state(&a)->f[KB_FF_PRIORITY].text, "2");
    /* saving again: they hold the lease now, so the save fails and the
     * form stays with the message */
    kb_key_in(&a, KB_KEY_ENTER);
    if (kb_tui_view_is_top(&a, &kb_tui_view_conflict))
        kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_form));
    kb_tui_form *f = kb_tui_form_state(&a);
    cr_assert_not_null(f->error);
    cr_assert(strstr(f->error, "being edited") != NULL, "%s", f->error);
    cr_assert_str_eq(f->f[KB_FF_PRIORITY].text, "2");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    kb_tui_app_free(&a);
}

Test(tui_app, read_only_while_someone_edits)
{
    kb_tui_app a;
    kb_app(&a);
    pid_t pid = kb_other_edits(30);
    a.now_ms = kb_now += 20000;
    kb_tui_refresh(&a, true);
    cr_assert_not_null(kb_tui_edit_of(&a, 1), "the lease is seen");
    kb_key_in(&a, 'e');
    cr_assert_not(kb_tui_form_open(&a));
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_case));
    cr_assert(strstr(a.msg, "being edited") != NULL, "%s", a.msg);
    /* comments are still possible */
    kb_key_in(&a, 'c');
    kb_type(&a, "Ik bel morgen");
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(strstr(a.msg, "Comment added") != NULL, "%s", a.msg);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    kb_tui_app_free(&a);
}

/* The screen as text (80x24). */
static char *kb_screen(kb_tui_app *a)
{
    kb_grid *g = kb_grid_new(80, 24, true);
    kb_tui_app_draw(a, g);
    char *s = kb_grid_dump(g);
    kb_grid_free(&g);
    return s;
}

/* An open case view follows the edit lease through the live refresh: the
 * banner at the top (also when scrolled down) and no "edit" in the footer
 * while someone else edits, and both back when the lease ends. */
Test(tui_app, open_case_view_follows_the_lease)
{
    kb_tui_app a;
    kb_app(&a);
    (void)kb_view_case_open(&a, 1);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_case));
    kb_key_in(&a, KB_KEY_PAGEDOWN);
    char *s = kb_screen(&a);
    cr_assert(strstr(s, "Being edited") == NULL, "%s", s);
    cr_assert(strstr(s, "e edit") != NULL, "%s", s);
    kb_free(&s);
    pid_t pid = kb_other_edits(30);
    kb_now += 2000; /* the next poll: the change feed names the case and the lease */
    (void)kb_tui_app_tick(&a, kb_now);
    cr_assert_not_null(kb_tui_edit_of(&a, 1), "the lease is seen");
    s = kb_screen(&a);
    cr_assert(strstr(s, "Being edited by anna since") != NULL, "%s", s);
    cr_assert(strstr(s, "e edit") == NULL, "no edit offered while read-only:\n%s", s);
    cr_assert(strstr(s, "c comment") != NULL, "%s", s);
    kb_free(&s);
    kill(pid, SIGKILL); /* the lease dies with its process */
    waitpid(pid, NULL, 0);
    kb_now += 11000; /* leases are re-read every 10 s */
    (void)kb_tui_app_tick(&a, kb_now);
    s = kb_screen(&a);
    cr_assert(strstr(s, "Being edited") == NULL, "%s", s);
    cr_assert(strstr(s, "e edit") != NULL, "%s", s);
    kb_free(&s);
    kb_tui_app_free(&a);
}

Test(tui_app, live_refresh_keeps_the_cursor)
{
    kb_tui_app a;
    kb_app(&a);
    kb_key_in(&a, 'j');
    uint32_t sel = a.cur_number;
    pid_t pid = fork();
    if (pid == 0) {
        kb_board *b = kb_open_as("anna");
        if (!b)
            _exit(1);
        kb_case c;
        kb_case_init(&c);
        c.title = kb_strdup("Nieuw van buiten");
        c.lead_dept = kb_strdup("DUU");
        kb_err e;
        int rc = kb_board_case_add(b, &c, &e);
        kb_case_free(&c);
        kb_board_close(&b);
        _exit(rc ? 1 : 0);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert_null(kb_tui_case(&a, 3));
    unsigned r = kb_tui_app_tick(&a, kb_now + 1500);
    cr_assert(r & KB_TUI_R_VIEW);
    cr_assert_not_null(kb_tui_case(&a, 3), "the new case is in the cache");
    cr_assert_eq(a.cur_number, sel, "the cursor stays on the same case");
    kb_tui_app_free(&a);
}

Test(tui_app, command_line)
{
    kb_tui_app a;
    kb_app(&a);
    kb_tui_command(&a, "case move #1 connect");
    char *s = kb_stage_of(&a, 1);
    cr_assert_str_eq(s, "connect", "%s", a.msg);
    kb_free(&s);
    kb_tui_command(&a, "edit 1 --title \"Nieuwe titel\" --priority 3 --agenda");
    kb_case c;
    kb_case_init(&c);
    kb_err e;
    cr_assert_eq(kb_board_case_get(a.board, 1, &c, &e), KB_OK);
    cr_assert_str_eq(c.title, "Nieuwe titel", "%s", a.msg);
    cr_assert_eq(c.priority, 3);
    cr_assert(c.on_agenda);
    kb_case_free(&c);
    kb_tui_command(&a, "edit 1 --due 2024-13-01");
    cr_assert(a.msg_error);
    cr_assert(strstr(a.msg, "Due") != NULL, "%s", a.msg);
    kb_tui_command(&a, "add Snel een signaal");
    cr_assert_not_null(kb_tui_case(&a, 3), "%s", a.msg);
    kb_tui_command(&a, "filter dept:VAS");
    cr_assert_str_eq(a.filter_text, "dept:VAS");
    cr_assert_eq(a.lay.shown, 1);
    kb_tui_command(&a, "action add 1 --text \"Bel de eigenaar\" --owner anna --due 2030-01-01");
    kb_action_vec av;
    cr_assert_eq(kb_board_action_list(a.board, 1, &av, &e), KB_OK);
    cr_assert_eq(av.n, 1, "%s", a.msg);
    cr_assert_str_eq(av.v[0].text, "Bel de eigenaar");
    char id[16];
    snprintf(id, sizeof id, "action done A%u", av.v[0].number);
    kb_action_vec_free(&av);
    kb_tui_command(&a, id);
    cr_assert_eq(kb_board_action_list(a.board, 1, &av, &e), KB_OK);
    cr_assert(av.n == 1 && av.v[0].done, "%s", a.msg);
    kb_action_vec_free(&av);
    kb_tui_command(&a, "case link 1 2 --as blocks");
    kb_link_vec lv;
    cr_assert_eq(kb_board_link_list(a.board, 1, &lv, &e), KB_OK);
    cr_assert_eq(lv.n, 1, "%s", a.msg);
    cr_assert_eq(lv.v[0].kind, KB_LINK_BLOCKS);
    kb_link_vec_free(&lv);
    kb_tui_command(&a, "bogus");
    cr_assert(a.msg_error);
    cr_assert_eq(kb_tui_command(&a, "quit") & KB_TUI_R_QUIT, KB_TUI_R_QUIT);
    kb_tui_app_free(&a);
}

Test(tui_app, idle_lock_closes_and_reopens)
{
    kb_tui_app a;
    kb_app(&a);
    a.idle_lock_ms = 1000;
    a.last_key_ms = kb_now;
    kb_tui_app_tick(&a, kb_now + 1500);
    cr_assert_eq(a.overlay, KB_OV_LOCK);
    cr_assert_null(a.board, "the board is closed while locked");
    cr_assert_eq(a.cache.cases.n, 0, "no case data in memory while locked");
    kb_type(&a, "wrong");
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert_eq(a.overlay, KB_OV_LOCK);
    cr_assert_not_null(a.lock_error);
    kb_type(&a, "admin passphrase");
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert_eq(a.overlay, KB_OV_NONE, "%s", a.lock_error ? a.lock_error : "");
    cr_assert_not_null(a.board);
    cr_assert_not_null(kb_tui_case(&a, 1));
    kb_tui_app_free(&a);
}

/* Issue 12: Esc on a typed comment asks before it throws the text away. */
Test(tui_app, esc_on_a_typed_comment_asks_first)
{
    kb_tui_app a;
    kb_app(&a);
    kb_key_in(&a, 'c');
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    kb_type(&a, "Bijna klaar");
    kb_key_in(&a, KB_KEY_ESC);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt), "the comment was thrown away");
    char *s = kb_screen(&a);
    cr_assert(strstr(s, "Discard changes? y/n") != NULL, "%s", s);
    kb_free(&s);
    kb_key_in(&a, 'n'); /* kept */
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    cr_assert_str_eq(kb_tui_prompt_state(&a)->line.text, "Bijna klaar");
    kb_key_in(&a, KB_KEY_ESC);
    kb_key_in(&a, 'j'); /* the Dutch yes discards */
    cr_assert_not(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    /* an empty comment closes at once */
    kb_key_in(&a, 'c');
    kb_key_in(&a, KB_KEY_ESC);
    cr_assert_not(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    kb_tui_app_free(&a);
}

/* A viewer is refused at the key that would open an input for a change
 * (as n, e and T), not after typing; nor can a viewer own an action item. */
Test(tui_app, a_viewer_is_refused_before_typing)
{
    kb_board *b = kb_open_as("anna");
    cr_assert_not_null(b);
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_strv depts = {0};
    kb_err e;
    cr_assert_eq(kb_board_user_add(b, "kees", KB_ROLE_VIEWER, &depts, p, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    /* core: an action item for a viewer is bad data (65), nothing written */
    kb_action_item it;
    kb_action_item_init(&it);
    it.case_number = 1;
    it.text = kb_strdup("Bel de starter");
    it.owner = kb_strdup("kees");
    cr_assert_eq(kb_board_action_add(b, &it, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "viewer") != NULL, "%s", e.msg);
    kb_action_item_free(&it);
    kb_board_close(&b);

    kb_tui_app a;
    kb_tui_app_init(&a, kb_path, "kees", 80, 24, true);
    a.now_ms = kb_now;
    b = kb_open_as("kees");
    cr_assert_not_null(b);
    cr_assert_eq(kb_tui_app_attach(&a, b, &e), KB_OK, "%s", e.msg);
    cr_assert(kb_tui_select_case(&a, 1, NULL));
    kb_key_in(&a, 'c');
    cr_assert_not(kb_tui_view_is_top(&a, &kb_tui_view_prompt), "a comment prompt for a viewer");
    cr_assert(strstr(a.msg, "viewer") != NULL, "%s", a.msg);
    kb_tui_command(&a, "comment 1");
    cr_assert_not(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
    kb_view_contact_form_open(&a, "Café De Hoek", 1);
    cr_assert_not(kb_tui_view_is_top(&a, &kb_tui_view_contact_form));
    cr_assert(strstr(a.msg, "viewer") != NULL, "%s", a.msg);
    kb_tui_app_free(&a);
}

/* A comment added in the case view is on screen at once (the last page
 * of the timeline, the new entry included), without End. */
Test(tui_app, a_new_comment_is_shown_in_the_case_view)
{
    kb_board *b = kb_open_as("anna");
    cr_assert_not_null(b);
    kb_err e;
    for (int i = 0; i < 30; i++) {
        char t[40];
        snprintf(t, sizeof t, "Eerdere notitie %d", i);
        cr_assert_eq(kb_board_comment_add(b, 1, t, &e), KB_OK, "%s", e.msg);
    }
    kb_board_close(&b);
    kb_tui_app a;
    kb_app(&a);
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_case));
    char *s = kb_screen(&a); /* drawn, as the terminal is after every key */
    kb_free(&s);
    kb_key_in(&a, 'c');
    kb_type(&a, "Nieuwste notitie");
    s = kb_screen(&a);
    kb_free(&s);
    kb_key_in(&a, KB_KEY_ENTER);
    cr_assert(strstr(a.msg, "Comment added") != NULL, "%s", a.msg);
    s = kb_screen(&a);
    cr_assert(strstr(s, "Nieuwste notitie") != NULL, "the new comment is not on screen:\n%s", s);
    kb_free(&s);
    kb_tui_app_free(&a);
}

static int64_t kb_test_clock_us;

static int64_t kb_test_clock(void *ctx)
{
    (void)ctx;
    return kb_test_clock_us;
}

static kb_time kb_moved_of(kb_tui_app *a, uint32_t n)
{
    kb_case c;
    kb_case_init(&c);
    kb_err e;
    cr_assert_eq(kb_board_case_get(a->board, n, &c, &e), KB_OK, "%s", e.msg);
    kb_time t = c.moved;
    kb_case_free(&c);
    return t;
}

/* L then u: the case is back in its stage with the time it had been there
 * (a stray move in a meeting must not erase how long a case was stuck);
 * u again (redo) gives the time of the move back. */
Test(tui_app, undo_of_a_move_keeps_the_time_in_stage)
{
    kb_tui_app a;
    kb_app(&a);
    kb_time m0 = kb_moved_of(&a, 1);
    cr_assert_gt(m0, 0);
    kb_clock clk = {kb_test_clock, NULL};
    kb_test_clock_us = (m0 + 3 * 86400) * 1000000;
    kb_board_set_clock(a.board, &clk);
    kb_key_in(&a, 'L');
    kb_assert_stage(&a, 1, "explore");
    kb_time m1 = kb_moved_of(&a, 1);
    cr_assert_eq(m1, m0 + 3 * 86400, "the move restarts the time in stage");
    kb_test_clock_us = (m0 + 6 * 86400) * 1000000;
    kb_key_in(&a, 'u');
    kb_assert_stage(&a, 1, "signal");
    cr_assert_eq(kb_moved_of(&a, 1), m0, "undo keeps the old time in stage (got %lld, want %lld)",
                 (long long)kb_moved_of(&a, 1), (long long)m0);
    kb_key_in(&a, 'u');
    kb_assert_stage(&a, 1, "explore");
    cr_assert_eq(kb_moved_of(&a, 1), m1, "redo gives the move's time back");
    kb_board_set_clock(a.board, NULL);
    kb_tui_app_free(&a);
}

/* Run a ':' line; what it printed (stdout and stderr, the status line). */
static char *kb_colon(kb_tui_app *a, const char *line)
{
    kb_tui_command(a, line);
    return kb_asprintf("%s%s\n%s", a->cmd_out ? a->cmd_out : "", a->cmd_err ? a->cmd_err : "",
                       a->msg);
}

static const char *const kb_secrets[] = {"Geheime omschrijving", "geheime ontheffing", "Geheim BV",
                                         "geheime notaris", "Geheim besluit"};

/* No secret of #1 in what the ':' line printed (want: the number of
 * secrets expected in it, for the control runs). */
static size_t kb_secrets_in(const char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof kb_secrets / sizeof *kb_secrets; i++)
        if (strstr(out, kb_secrets[i]))
            n++;
    return n;
}

/* While presenting or in a meeting, the ':' line shows a confidential
 * case by number and title only (SPEC §3), until the chair reveals it:
 * lists mask its other fields (case list, triage list, action list, the
 * decisions of meeting show) or leave it out (report stuck), triage next
 * shows number and title, case edit/move refuse it in one line.
 * Not presenting and no meeting (or revealed), the same commands show it. */
Test(tui_app, colon_line_masks_confidential_cases)
{
    kb_tui_app a;
    kb_app(&a);
    static const char *const cmds[] = {"case list",
                                       "triage list",
                                       "triage next",
                                       "action list",
                                       "meeting show 1",
                                       "report stuck",
                                       "case list text:geheime",
                                       "case list dept:ECO"};
    size_t ncmds = sizeof cmds / sizeof *cmds;
    char *o = kb_colon(&a, "case edit 1 --confidentiality confidential --description 'Geheime "
                           "omschrijving' --blocked 'wacht op geheime ontheffing' --org 'Geheim "
                           "BV'");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", o);
    kb_free(&o);
    o = kb_colon(&a, "action add 1 --text 'Bel de geheime notaris' --owner anna");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", o);
    kb_free(&o);
    kb_flag(&a, 1);
    kb_flag(&a, 2);
    o = kb_colon(&a, "meeting start");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", o);
    kb_free(&o);
    o = kb_colon(&a, "case decide 1 Geheim besluit over het terras");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", o);
    kb_free(&o);
    cr_assert_not_null(a.meeting, "the TUI sees the running meeting");
    /* in the meeting, not revealed: nothing but number and title */
    size_t all = 0;
    for (size_t i = 0; i < ncmds; i++) {
        o = kb_colon(&a, cmds[i]);
        cr_assert_eq(a.cmd_rc, KB_OK, ":%s: %s", cmds[i], o);
        cr_assert_eq(kb_secrets_in(o), 0, ":%s in a meeting shows a secret of #1:\n%s", cmds[i], o);
        kb_free(&o);
    }
    o = kb_colon(&a, "case list");
    cr_assert(strstr(o, "Café De Hoek") && strstr(o, "(confidential)"), "%s", o);
    cr_assert(strstr(o, "Leegstand Noord") && strstr(o, "VAS"), "the others in full: %s", o);
    kb_free(&o);
    o = kb_colon(&a, "case list dept:ECO");
    cr_assert_null(strstr(o, "Café"), "matched on a hidden field: %s", o);
    kb_free(&o);
    o = kb_colon(&a, "triage next");
    cr_assert(strstr(o, "#1 Café De Hoek"), "%s", o);
    kb_free(&o);
    /* (":case show 1" opens the case view, masked: test_tui_meeting) */
    static const char *const refused[] = {"case edit 1 --title Onthuld", "case move 1 explore",
                                          "move 1 explore"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        o = kb_colon(&a, refused[i]);
        cr_assert_neq(a.cmd_rc, KB_OK, ":%s was not refused: %s", refused[i], o);
        cr_assert(strstr(a.msg, "confidential"), ":%s: %s", refused[i], a.msg);
        kb_free(&o);
    }
    kb_case c;
    kb_get(&a, 1, &c);
    cr_assert_str_eq(c.title, "Café De Hoek", "a refused edit changes nothing");
    cr_assert_null(c.stage && strcmp(c.stage, "explore") == 0 ? c.stage : NULL);
    kb_case_free(&c);
    /* revealed by the chair: shown in full */
    o = kb_colon(&a, "meeting reveal 1");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", o);
    kb_free(&o);
    for (size_t i = 0; i < ncmds; i++) {
        o = kb_colon(&a, cmds[i]);
        all += kb_secrets_in(o);
        kb_free(&o);
    }
    cr_assert_geq(all, 5, "revealed: the fields show (%zu)", all);
    o = kb_colon(&a, "meeting end");
    cr_assert_eq(a.cmd_rc, KB_OK, "%s", o);
    kb_free(&o);
    cr_assert_null(a.meeting);
    /* no meeting, not presenting: everything shows (the CLI's output) */
    all = 0;
    for (size_t i = 0; i < ncmds; i++) {
        o = kb_colon(&a, cmds[i]);
        all += kb_secrets_in(o);
        kb_free(&o);
    }
    cr_assert_geq(all, 5, "not presenting: the fields show (%zu)", all);
    /* presenting: hidden again, a reveal of an ended meeting counts no more */
    a.presenting = true;
    for (size_t i = 0; i < ncmds; i++) {
        o = kb_colon(&a, cmds[i]);
        cr_assert_eq(kb_secrets_in(o), 0, ":%s while presenting shows a secret of #1:\n%s", cmds[i],
                     o);
        kb_free(&o);
    }
    o = kb_colon(&a, "case move 1 explore");
    cr_assert_eq(a.cmd_rc, KB_EPERM, "%s", o);
    kb_free(&o);
    kb_tui_app_free(&a);
}

/* The report screen (R), paged through to its end. */
static char *kb_report_screen(kb_tui_app *a)
{
    while (!kb_tui_view_is_top(a, &kb_tui_view_board)) /* a ':' line's output */
        kb_tui_view_pop(a);
    kb_key_in(a, 'R');
    cr_assert(kb_tui_view_is_top(a, &kb_tui_view_report), "%s", a->msg);
    char *all = kb_strdup("");
    for (int k = 0; k < 16; k++) {
        kb_grid *g = kb_grid_new(a->w, a->h, a->utf8);
        kb_tui_app_draw(a, g);
        char *s = kb_grid_dump(g);
        char *j = kb_asprintf("%s%s", all, s);
        kb_free(&all);
        kb_free(&s);
        kb_grid_free(&g);
        all = j;
        kb_key_in(a, KB_KEY_PAGEDOWN);
    }
    kb_key_in(a, KB_KEY_ESC);
    cr_assert_not(kb_tui_view_is_top(a, &kb_tui_view_report));
    return all;
}

/* The number of cases ':report cross QUERY' counted. */
static long kb_report_count(kb_tui_app *a, const char *query)
{
    char *line = kb_asprintf("report cross %s", query);
    char *o = kb_colon(a, line);
    cr_assert_eq(a->cmd_rc, KB_OK, ":%s: %s", line, o);
    const char *p = strstr(o, "percent\n");
    cr_assert_not_null(p, ":%s: %s", line, o);
    long n = strtol(p + strlen("percent\n"), NULL, 10);
    kb_free(&o);
    kb_free(&line);
    return n;
}

/* #1 confidential, blocked, with a described secret. */
static void kb_report_secret(kb_tui_app *a)
{
    kb_app(a);
    char *o = kb_colon(a, "case edit 1 --confidentiality confidential --description 'Geheime "
                          "omschrijving' --blocked 'wacht op geheime ontheffing'");
    cr_assert_eq(a->cmd_rc, KB_OK, "%s", o);
    kb_free(&o);
}

/* The shared screen: presenting (0) or a meeting running (1). */
static void kb_shared_screen(kb_tui_app *a, int meeting)
{
    if (!meeting) {
        a->presenting = true;
        return;
    }
    a->presenting = false;
    kb_flag(a, 1);
    char *o = kb_colon(a, "meeting start");
    cr_assert_eq(a->cmd_rc, KB_OK, "%s", o);
    kb_free(&o);
    cr_assert_not_null(a->meeting);
}

/* Presenting or in a meeting, the report screen (R) leaves a hidden
 * confidential case out of the stuck cases (its blocked reason, stage,
 * lead), as ':report' does; not on the shared screen it shows. */
Test(tui_app, report_screen_hides_confidential_stuck_cases)
{
    kb_tui_app a;
    kb_report_secret(&a);
    char *s = kb_report_screen(&a); /* control */
    cr_assert(strstr(s, "geheime ontheffing"), "%s", s);
    kb_free(&s);
    for (int meeting = 0; meeting <= 1; meeting++) {
        kb_shared_screen(&a, meeting);
        s = kb_report_screen(&a);
        cr_assert_null(strstr(s, "geheime ontheffing"), "the stuck cases show #1's reason:\n%s", s);
        cr_assert(strstr(s, "Stuck cases"), "%s", s);
        kb_free(&s);
    }
    kb_tui_app_free(&a);
}

/* Presenting or in a meeting, neither the report screen with a filter nor
 * ':report QUERY' counts a hidden confidential case for a query that
 * matches only its hidden fields (a count would tell whether it holds the
 * word); on its title it still matches, and without a query it counts.
 * Not on the shared screen both count it. */
Test(tui_app, report_counts_match_hidden_cases_on_title_only)
{
    kb_tui_app a;
    kb_report_secret(&a);
    kb_err e;
    cr_assert_eq(kb_tui_set_filter(&a, "text:ontheffing", &e), KB_OK, "%s", e.msg);
    char *s = kb_report_screen(&a); /* control */
    cr_assert(strstr(s, ": 1 case"), "%s", s);
    kb_free(&s);
    cr_assert_eq(kb_report_count(&a, "text:ontheffing"), 1);
    for (int meeting = 0; meeting <= 1; meeting++) {
        kb_shared_screen(&a, meeting);
        cr_assert_eq(kb_tui_set_filter(&a, "text:ontheffing", &e), KB_OK, "%s", e.msg);
        s = kb_report_screen(&a);
        cr_assert(strstr(s, ": 0 cases"), "a hidden field counts:\n%s", s);
        kb_free(&s);
        cr_assert_eq(kb_tui_set_filter(&a, "text:hoek", &e), KB_OK, "%s", e.msg);
        s = kb_report_screen(&a);
        cr_assert(strstr(s, ": 1 case"), "the title still matches:\n%s", s);
        kb_free(&s);
        cr_assert_eq(kb_tui_set_filter(&a, "", &e), KB_OK, "%s", e.msg);
        cr_assert_eq(kb_report_count(&a, "text:ontheffing"), 0, "':report' counts a hidden field");
        cr_assert_eq(kb_report_count(&a, "text:hoek"), 1, "':report' matches the title");
        cr_assert_eq(kb_report_count(&a, ""), 2, "':report' counts every case");
    }
    kb_tui_app_free(&a);
}
