/* Meeting mode: due dates as people type them, the agenda item arithmetic
 * of the model, and the core's meeting use cases (agenda from the board,
 * time accounting with an injected clock, decisions attached to the
 * running meeting, a chair killed mid-meeting, minutes without
 * confidential details, "since the last meeting"). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernboard/core.h"
#include "kernboard/mem.h"
#include "kb_test.h"

/* ---------------------------------------------------------------- dates */

static kb_date kb_d(const char *s)
{
    kb_date d;
    kb_err e;
    cr_assert_eq(kb_date_parse(s, &d, &e), KB_OK, "%s", e.msg);
    return d;
}

Test(due, relative_forms)
{
    kb_date tue = kb_d("2026-12-01"); /* a Tuesday */
    kb_date out;
    kb_err e;
    cr_assert_eq(kb_date_weekday(tue), 2);
    cr_assert_eq(kb_date_parse_rel("7d", tue, &out, &e), KB_OK);
    cr_assert_eq(out, kb_d("2026-12-08"));
    cr_assert_eq(kb_date_parse_rel("2w", tue, &out, &e), KB_OK);
    cr_assert_eq(out, kb_d("2026-12-15"));
    cr_assert_eq(kb_date_parse_rel("0d", tue, &out, &e), KB_OK);
    cr_assert_eq(out, tue);
    cr_assert_eq(kb_date_parse_rel("2027-01-31", tue, &out, &e), KB_OK);
    cr_assert_eq(out, kb_d("2027-01-31"));
    cr_assert_eq(kb_date_parse_rel("tomorrow", tue, &out, &e), KB_OK);
    cr_assert_eq(out, tue + 1);
    cr_assert_eq(kb_date_parse_rel("Morgen", tue, &out, &e), KB_OK);
    cr_assert_eq(out, tue + 1);
    cr_assert_eq(kb_date_parse_rel("vandaag", tue, &out, &e), KB_OK);
    cr_assert_eq(out, tue);
}

Test(due, weekdays_english_and_dutch_are_the_next_such_day)
{
    kb_date tue = kb_d("2026-12-01"), fri = kb_d("2026-12-04");
    kb_date out;
    kb_err e;
    const char *friday[] = {"friday", "Friday", "FRI", "vrijdag", "vr"};
    for (size_t i = 0; i < sizeof friday / sizeof *friday; i++) {
        cr_assert_eq(kb_date_parse_rel(friday[i], tue, &out, &e), KB_OK, "%s", friday[i]);
        cr_assert_eq(out, fri, "%s", friday[i]);
    }
    /* on a Friday, "friday" is next week's */
    cr_assert_eq(kb_date_parse_rel("vrijdag", fri, &out, &e), KB_OK);
    cr_assert_eq(out, fri + 7);
    cr_assert_eq(kb_date_parse_rel("maandag", tue, &out, &e), KB_OK);
    cr_assert_eq(out, kb_d("2026-12-07"));
    cr_assert_eq(kb_date_parse_rel("tuesday", tue, &out, &e), KB_OK);
    cr_assert_eq(out, tue + 7);
    cr_assert_eq(kb_date_parse_rel("zo", tue, &out, &e), KB_OK);
    cr_assert_eq(out, kb_d("2026-12-06"));
}

Test(due, bad_forms_say_what_is_accepted)
{
    kb_date out = 0;
    kb_err e;
    const char *bad[] = {"", "7", "d", "7x", "-1d", "fridays", "2026-13-01", "next week", "99999d"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(kb_date_parse_rel(bad[i], 0, &out, &e), KB_EDATA, "%s", bad[i]);
        cr_assert(strstr(e.msg, "YYYY-MM-DD") != NULL, "%s", e.msg);
    }
}

/* ---------------------------------------------------------------- model */

Test(meeting_model, items_insert_remove_keep_parallel_arrays)
{
    kb_meeting m;
    kb_meeting_init(&m);
    kb_meeting_item_insert(&m, 0, 5, 300, "agenda");
    kb_meeting_item_insert(&m, 9, 7, 600, "new");
    kb_meeting_item_insert(&m, 1, 6, 120, NULL);
    cr_assert_eq(m.agenda.n, 3);
    cr_assert_eq(m.agenda.v[0], 5);
    cr_assert_eq(m.agenda.v[1], 6);
    cr_assert_eq(m.agenda.v[2], 7);
    cr_assert_eq(m.plan.v[2], 600);
    cr_assert_str_eq(m.why.v[2], "new");
    cr_assert_str_eq(m.why.v[1], "");
    cr_assert_eq(kb_meeting_item_find(&m, 7), 2);
    cr_assert_eq(kb_meeting_item_find(&m, 8), -1);
    kb_meeting_item_remove(&m, 0);
    cr_assert_eq(m.agenda.n, 2);
    cr_assert_eq(m.plan.n, 2);
    cr_assert_eq(m.spent.n, 2);
    cr_assert_eq(m.why.n, 2);
    cr_assert_eq(m.agenda.v[0], 6);
    cr_assert_str_eq(m.why.v[1], "new");
    kb_meeting_free(&m);
}

Test(meeting_model, time_of_the_running_item_counts_until_stopped)
{
    kb_meeting m;
    kb_meeting_init(&m);
    kb_meeting_item_insert(&m, 0, 1, 300, "");
    kb_meeting_item_insert(&m, 1, 2, 300, "");
    m.state = KB_MEETING_RUNNING;
    m.item_since = 1000;
    cr_assert_eq(kb_meeting_item_seconds(&m, 0, 1090), 90);
    cr_assert_eq(kb_meeting_item_seconds(&m, 1, 1090), 0);
    kb_meeting_clock_stop(&m, 1100);
    cr_assert_eq(m.spent.v[0], 100);
    cr_assert_eq(m.item_since, 1100);
    m.current = 1;
    cr_assert_eq(kb_meeting_item_seconds(&m, 0, 2000), 100);
    cr_assert_eq(kb_meeting_item_seconds(&m, 1, 1130), 30);
    m.state = KB_MEETING_ENDED; /* an ended meeting's times stand still */
    cr_assert_eq(kb_meeting_item_seconds(&m, 1, 5000), 0);
    kb_meeting_free(&m);
}

/* ---------------------------------------------------------------- core */

static char kb_dir[300], kb_path[400];
static kb_time kb_fake_now;

static int64_t kb_clock_us(void *ctx)
{
    (void)ctx;
    return (int64_t)kb_fake_now * 1000000;
}

static const kb_clock kb_test_clock = {kb_clock_us, NULL};

static kb_board *kb_open(void)
{
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive", .lock_timeout_ms = 20000};
    kb_board *b = NULL;
    kb_err e;
    int rc = kb_board_open(kb_path, "anna", p, &o, &b, &e);
    kb_secret_free(&p);
    cr_assert_eq(rc, KB_OK, "%s", e.msg);
    kb_board_set_clock(b, &kb_test_clock); /* meeting times from the test's clock */
    return b;
}

static uint32_t kb_add(kb_board *b, const char *title, const char *desc, bool agenda,
                       enum kb_conf conf)
{
    kb_case c;
    kb_case_init(&c);
    c.title = kb_strdup(title);
    c.description = kb_strdup(desc);
    c.stage = kb_strdup("explore");
    c.on_agenda = agenda;
    c.conf = conf;
    kb_err e;
    cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
    uint32_t n = c.number;
    kb_case_free(&c);
    return n;
}

static void kb_setup(void)
{
    kb_test_dir(kb_dir, sizeof kb_dir, "meet");
    snprintf(kb_path, sizeof kb_path, "%s/board.kb", kb_dir);
    setenv("XDG_STATE_HOME", kb_dir, 1);
    setenv("TZ", "UTC", 1);
    kb_fake_now = kb_time_now();
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive"};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(kb_path, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_board_set_clock(b, &kb_test_clock);
    kb_secret_free(&p);
    p = kb_test_pass("member passphrase");
    kb_strv depts = {0};
    kb_strv_push(&depts, "ECO");
    cr_assert_eq(kb_board_user_add(b, "bob", KB_ROLE_MEMBER, &depts, p, &e), KB_OK, "%s", e.msg);
    kb_strv_free(&depts);
    kb_secret_free(&p);
    kb_add(b, "Flagged bakery", "public text", true, KB_CONF_PUBLIC);
    kb_add(b, "Guarantee for the thrift shop", "bank wants EUR 120.000 guarantee", true,
           KB_CONF_CONFIDENTIAL);
    kb_add(b, "Not on the agenda", "nothing", false, KB_CONF_PUBLIC);
    kb_board_close(&b);
}

static void kb_teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", kb_dir);
    (void)system(cmd);
}

TestSuite(meeting, .init = kb_setup, .fini = kb_teardown);

Test(meeting, agenda_from_the_board_with_reasons)
{
    kb_board *b = kb_open();
    kb_meeting m;
    kb_err e;
    cr_assert_eq(kb_board_agenda_build(b, &m, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(m.state, KB_MEETING_DRAFT);
    cr_assert_eq(m.number, 0); /* a proposal, not stored */
    cr_assert_eq(m.agenda.n, 2);
    cr_assert_eq(m.agenda.v[0], 1);
    cr_assert_eq(m.agenda.v[1], 2);
    cr_assert_str_eq(m.why.v[0], "agenda");
    cr_assert_eq(m.plan.v[0], KB_MEETING_DEFAULT_PLAN);
    kb_meeting_free(&m);

    /* editing stores a draft: add, move to the front, plan, drop */
    kb_agenda_op ops[] = {
        {KB_AGENDA_ADD, 3, 0, 0},
        {KB_AGENDA_MOVE, 3, 1, 0},
        {KB_AGENDA_PLAN, 3, 0, 600},
        {KB_AGENDA_DROP, 1, 0, 0},
    };
    kb_agenda_edit ed = {ops, 4};
    kb_meeting_init(&m);
    cr_assert_eq(kb_board_agenda_edit(b, &ed, &m, &e), KB_OK, "%s", e.msg);
    cr_assert_neq(m.number, 0);
    cr_assert_eq(m.agenda.n, 2);
    cr_assert_eq(m.agenda.v[0], 3);
    cr_assert_eq(m.agenda.v[1], 2);
    cr_assert_eq(m.plan.v[0], 600);
    kb_meeting d;
    cr_assert_eq(kb_board_meeting_state_get(b, KB_MEETING_DRAFT, &d, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(d.number, m.number);
    cr_assert_eq(d.agenda.n, 2);
    kb_meeting_free(&d);
    /* a bad edit changes nothing */
    kb_agenda_op bad = {KB_AGENDA_DROP, 1, 0, 0};
    kb_agenda_edit ed2 = {&bad, 1};
    cr_assert_eq(kb_board_agenda_edit(b, &ed2, &m, &e), KB_ENOENT);
    kb_meeting_free(&m);
    kb_board_close(&b);
}

Test(meeting, run_with_time_accounting_decisions_and_minutes)
{
    kb_board *b = kb_open();
    kb_err e;
    kb_meeting m;
    kb_meeting_init(&m);
    kb_strv att = {0}, guests = {0};
    kb_strv_push(&att, "bo"); /* a prefix */
    kb_strv_push(&guests, "Piet Gast");
    kb_time t0 = kb_fake_now;
    cr_assert_eq(kb_board_meeting_start(b, &att, &guests, &m, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(m.state, KB_MEETING_RUNNING);
    cr_assert_str_eq(m.chair, "anna");
    cr_assert_str_eq(m.attendees.v[0], "bob");
    cr_assert_str_eq(m.guests.v[0], "Piet Gast");
    uint32_t num = m.number;
    /* one meeting at a time */
    kb_meeting m2;
    kb_meeting_init(&m2);
    /* a state conflict that names who started it (exit 75), not "busy" */
    cr_assert_eq(kb_board_meeting_start(b, NULL, NULL, &m2, &e), KB_ECONFLICT);
    cr_assert(strstr(e.msg, "started by anna"), "%s", e.msg);
    cr_assert(strstr(e.msg, "meeting end"), "%s", e.msg);
    kb_meeting_free(&m2);
    /* since:lastmeeting does not count the running one */
    cr_assert_eq(kb_board_last_meeting_time(b), 0);

    kb_fake_now = t0 + 125;
    cr_assert_eq(kb_board_meeting_goto(b, 1, -1, &m, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(m.current, 1);
    cr_assert_eq(m.spent.v[0], 125);
    cr_assert_eq(kb_board_meeting_goto(b, 1, -1, &m, &e), KB_EDATA); /* the last item */
    /* an item number past the agenda: no such item, not "the last item" */
    cr_assert_eq(kb_board_meeting_goto(b, 0, 98, &m, &e), KB_ENOENT);
    cr_assert(strstr(e.msg, "no item 99"), "%s", e.msg);

    /* a decision with two action items attaches to the running meeting */
    kb_decision d = {.case_number = 2, .text = kb_strdup("Ask the college for EUR 120.000")};
    kb_action_item items[2];
    for (int i = 0; i < 2; i++) {
        kb_action_item_init(&items[i]);
        items[i].text = kb_strdup(i ? "Call the bank" : "Collect the papers");
        items[i].owner = kb_strdup(i ? "anna" : "bob");
        items[i].due = kb_date_of_time(t0) + 7;
    }
    kb_fake_now = t0 + 200;
    cr_assert_eq(kb_board_decide(b, &d, items, 2, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(d.meeting, num);
    kb_decision d2 = {.case_number = 3, .text = kb_strdup("Public decision on case three")};
    cr_assert_eq(kb_board_decide(b, &d2, NULL, 0, &e), KB_OK, "%s", e.msg);
    kb_meeting_free(&m); /* kb_board_meeting_get fills a fresh one */
    cr_assert_eq(kb_board_meeting_get(b, num, &m, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(m.actions.n, 2);
    cr_assert_eq(m.spent.v[1], 75);               /* stored with the decision */
    cr_assert_eq(kb_meeting_item_find(&m, 3), 2); /* decided: put on the agenda */

    kb_fake_now = t0 + 300;
    cr_assert_eq(kb_board_meeting_end(b, &m, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(m.state, KB_MEETING_ENDED);
    cr_assert_eq(m.spent.v[1], 175);
    cr_assert_not_null(m.minutes);
    cr_assert(strstr(m.minutes, "bob (ECO)"));
    cr_assert(strstr(m.minutes, "Piet Gast"));
    cr_assert(strstr(m.minutes, "#2 Guarantee for the thrift shop")); /* title only */
    cr_assert_null(strstr(m.minutes, "120.000"), "%s", m.minutes);
    cr_assert_null(strstr(m.minutes, "Collect the papers"));
    cr_assert(strstr(m.minutes, "Public decision on case three"));
    char *full = NULL;
    cr_assert_eq(kb_board_meeting_minutes(b, num, true, &full, &e), KB_OK, "%s", e.msg);
    cr_assert(strstr(full, "Ask the college for EUR 120.000"));
    cr_assert(strstr(full, "Collect the papers"));
    kb_free(&full);
    /* now the last meeting is this one, from its start */
    cr_assert_eq(kb_board_last_meeting_time(b), t0);
    kb_meeting_free(&m);
    kb_decision_free(&d);
    kb_decision_free(&d2);
    for (int i = 0; i < 2; i++)
        kb_action_item_free(&items[i]);
    kb_strv_free(&att);
    kb_strv_free(&guests);
    kb_board_close(&b);
}

Test(meeting, chair_killed_mid_meeting_loses_nothing)
{
    kb_time t0 = kb_fake_now;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        kb_board *b = kb_open();
        kb_err e;
        kb_meeting m;
        kb_meeting_init(&m);
        if (kb_board_meeting_start(b, NULL, NULL, &m, &e))
            _exit(2);
        kb_fake_now = t0 + 60;
        if (kb_board_meeting_goto(b, 1, -1, &m, &e) || kb_board_meeting_reveal(b, 2, &m, &e))
            _exit(3);
        kb_decision d = {.case_number = 2, .text = kb_strdup("Taken before the crash")};
        if (kb_board_decide(b, &d, NULL, 0, &e))
            _exit(4);
        raise(SIGKILL); /* no close, no cleanup */
        _exit(5);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);

    kb_board *b = kb_open();
    kb_err e;
    kb_meeting m;
    cr_assert_eq(kb_board_meeting_state_get(b, KB_MEETING_RUNNING, &m, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(m.current, 1);
    cr_assert_eq(m.spent.v[0], 60);
    cr_assert(kb_meeting_revealed(&m, 2));
    kb_decision_vec dv = {0};
    cr_assert_eq(kb_board_decision_list(b, 0, m.number, &dv, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(dv.n, 1);
    cr_assert_str_eq(dv.v[0].text, "Taken before the crash");
    kb_decision_vec_free(&dv);
    /* resume: go on and end it */
    kb_fake_now = t0 + 90;
    cr_assert_eq(kb_board_meeting_goto(b, -1, -1, &m, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(m.spent.v[1], 30);
    cr_assert_eq(kb_board_meeting_end(b, &m, &e), KB_OK, "%s", e.msg);
    kb_meeting_free(&m);
    kb_board_close(&b);
}
