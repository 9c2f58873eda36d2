/* Core tests across processes: leases (proof of life, fencing) and the
 * change feed under concurrent writers.  Uses fork(): POSIX record locks
 * belong to processes, so every session here is its own process. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/core.h"
#include "kernboard/mem.h"
#include "kernboard/store.h"
#include "kb_test.h"

static char kb_dir[300], kb_path[400];

/* In a forked child: die with the test process, so a failed assertion in
 * the parent never leaves a child holding Criterion's pipes open. */
static void kb_child_init(void)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static kb_board *kb_open_as(const char *user, const char *pass)
{
    kb_secret *p = kb_test_pass(pass);
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

static void kb_setup(void)
{
    kb_test_dir(kb_dir, sizeof kb_dir, "core");
    snprintf(kb_path, sizeof kb_path, "%s/board.kb", kb_dir);
    setenv("XDG_STATE_HOME", kb_dir, 1);
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive"};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(kb_path, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    p = kb_test_pass("member passphrase");
    cr_assert_eq(kb_board_user_add(b, "bob", KB_ROLE_MEMBER, NULL, p, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    kb_case c;
    kb_case_init(&c);
    c.title = kb_strdup("0");
    cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
    kb_case_free(&c);
    kb_board_close(&b);
}

static void kb_teardown(void)
{
    kb_test_dir_remove(kb_dir);
}

TestSuite(core, .init = kb_setup, .fini = kb_teardown, .timeout = 180);

/* Child: take the lease on #1 as bob, report the token, wait for a byte,
 * then try to save under it; exit 0 if the save was refused with 75. */
static int kb_child_holder(int to_parent, int from_parent, bool hang)
{
    kb_board *b = kb_open_as("bob", "member passphrase");
    if (!b)
        return 10;
    kb_err e;
    uint64_t token = 0;
    if (kb_board_lease_acquire(b, 1, 0, false, &token, &e))
        return 11;
    if (write(to_parent, &token, sizeof token) != (ssize_t)sizeof token)
        return 12;
    if (hang)
        for (;;)
            pause();
    char go;
    if (read(from_parent, &go, 1) != 1)
        return 13;
    kb_case c;
    kb_case_init(&c);
    if (kb_board_case_get(b, 1, &c, &e))
        return 14;
    kb_free(&c.title);
    c.title = kb_strdup("written by a broken holder");
    int rc = kb_board_case_save(b, &c, KB_CORE_ANY_VERSION, token, &e);
    kb_case_free(&c);
    kb_board_close(&b);
    return rc == KB_ECONFLICT ? 0 : 20 + (rc > 100 ? 99 : rc);
}

Test(core, lease_of_killed_holder_is_free_at_once)
{
    int up[2], down[2];
    cr_assert_eq(pipe(up), 0);
    cr_assert_eq(pipe(down), 0);
    pid_t pid = fork();
    if (pid == 0) {
        kb_child_init();
        _exit(kb_child_holder(up[1], down[0], true));
    }
    uint64_t token = 0;
    cr_assert_eq(read(up[0], &token, sizeof token), (ssize_t)sizeof token);
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    uint64_t mine = 0;
    cr_assert_eq(kb_board_lease_acquire(b, 1, 0, false, &mine, &e), KB_ECONFLICT);
    cr_assert(strstr(e.msg, "being edited by bob"), "%s", e.msg);
    kb_case c;
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(b, 1, &c, &e), KB_OK);
    cr_assert_eq(kb_board_case_save(b, &c, KB_CORE_ANY_VERSION, 0, &e), KB_OK,
                 "an unchanged save writes nothing");
    kb_free(&c.title);
    c.title = kb_strdup("mine");
    cr_assert_eq(kb_board_case_save(b, &c, KB_CORE_ANY_VERSION, 0, &e), KB_ECONFLICT,
                 "a live lease of someone else blocks saving");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* no waiting for expiry: the holder's session lock is gone */
    cr_assert_eq(kb_board_lease_acquire(b, 1, 0, false, &mine, &e), KB_OK, "%s", e.msg);
    cr_assert_gt(mine, token);
    cr_assert_eq(kb_board_case_save(b, &c, KB_CORE_ANY_VERSION, mine, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_lease_release(b, 1, mine, &e), KB_OK);
    kb_case_free(&c);
    kb_board_close(&b);
}

Test(core, broken_holder_save_is_refused_by_fencing)
{
    int up[2], down[2];
    cr_assert_eq(pipe(up), 0);
    cr_assert_eq(pipe(down), 0);
    pid_t pid = fork();
    if (pid == 0) {
        kb_child_init();
        _exit(kb_child_holder(up[1], down[0], false));
    }
    uint64_t token = 0;
    cr_assert_eq(read(up[0], &token, sizeof token), (ssize_t)sizeof token);
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    kb_lease_vec v;
    cr_assert_eq(kb_board_lease_list(b, &v, &e), KB_OK);
    cr_assert_eq(v.n, 1);
    cr_assert_eq(v.v[0].state, KB_LEASE_ALIVE);
    cr_assert_str_eq(v.v[0].lease.user, "bob");
    kb_lease_vec_free(&v);
    /* an admin breaks a live lease */
    cr_assert_eq(kb_board_lease_break(b, 1, false, &e), KB_OK, "%s", e.msg);
    char go = 'g';
    cr_assert_eq(write(down[1], &go, 1), 1);
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "holder's save after the break: child exit %d",
                 WEXITSTATUS(status));
    kb_case c;
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(b, 1, &c, &e), KB_OK);
    cr_assert_str_eq(c.title, "0", "nothing the broken holder wrote landed");
    kb_case_free(&c);
    kb_log_vec lv;
    cr_assert_eq(kb_board_log(b, 0, &lv, &e), KB_OK);
    bool saw_break = false;
    for (size_t i = 0; i < lv.n; i++)
        saw_break = saw_break || (strcmp(lv.v[i].action, "lease.break") == 0 &&
                                  strcmp(lv.v[i].user, "anna") == 0 && lv.v[i].deleted);
    cr_assert(saw_break, "the break is in the audit log");
    kb_log_vec_free(&lv);
    kb_board_close(&b);
}

Test(core, expired_lease_needs_confirmation_from_a_member)
{
    /* anna (admin) holds a 1 s lease in a child that stays alive */
    int up[2];
    cr_assert_eq(pipe(up), 0);
    pid_t pid = fork();
    if (pid == 0) {
        kb_child_init();
        kb_board *b = kb_open_as("anna", "admin passphrase");
        kb_err e;
        uint64_t t = 0;
        if (!b || kb_board_lease_acquire(b, 1, 1, false, &t, &e))
            _exit(1);
        char ok = 1;
        if (write(up[1], &ok, 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    char ok;
    cr_assert_eq(read(up[0], &ok, 1), 1);
    kb_board *b = kb_open_as("bob", "member passphrase");
    cr_assert_not_null(b);
    kb_err e;
    uint64_t t = 0;
    /* expiry is what bob has seen: no renewal for the lease's 1 s lifetime
     * (never anna's clock); poll the state, no fixed sleep */
    kb_lease_info li;
    cr_assert_eq(kb_board_lease_get(b, 1, &li, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(li.state, KB_LEASE_ALIVE, "first seen: alive");
    kb_lease_free(&li.lease);
    for (int i = 0; i < 400; i++) {
        cr_assert_eq(kb_board_lease_get(b, 1, &li, &e), KB_OK, "%s", e.msg);
        enum kb_lease_state st = li.state;
        kb_lease_free(&li.lease);
        if (st == KB_LEASE_EXPIRED)
            break;
        struct timespec ts = {0, 25000000L};
        nanosleep(&ts, NULL);
    }
    cr_assert_eq(kb_board_lease_acquire(b, 1, 0, false, &t, &e), KB_ECONFLICT);
    cr_assert(strstr(e.msg, "expired"), "%s", e.msg);
    cr_assert_eq(kb_board_lease_break(b, 1, false, &e), KB_EUSAGE, "needs confirmation");
    cr_assert_eq(kb_board_lease_break(b, 1, true, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_lease_acquire(b, 1, 0, false, &t, &e), KB_OK, "%s", e.msg);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    kb_board_close(&b);
}

static int kb_writer(int id)
{
    kb_board *b =
        kb_open_as(id % 2 ? "anna" : "bob", id % 2 ? "admin passphrase" : "member passphrase");
    if (!b)
        return 1;
    srand((unsigned)id * 7919u);
    kb_err e;
    for (int i = 0; i < 25; i++) {
        kb_case c;
        kb_case_init(&c);
        if (rand() % 3 == 0) {
            c.title = kb_asprintf("w%d-%d", id, i);
            if (kb_board_case_add(b, &c, &e))
                return 2;
        } else {
            uint32_t n = 1 + (uint32_t)(rand() % 4);
            if (kb_board_case_get(b, n, &c, &e) == KB_OK) {
                kb_free(&c.title);
                c.title = kb_asprintf("edit w%d-%d", id, i);
                int rc = kb_board_case_save(b, &c, KB_CORE_ANY_VERSION, 0, &e);
                if (rc && rc != KB_ECONFLICT)
                    return 3;
            }
        }
        kb_case_free(&c);
    }
    kb_board_close(&b);
    return 0;
}

Test(core, change_feed_matches_full_reload_under_four_writers)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    kb_board_cache feed;
    cr_assert_eq(kb_board_cache_load(b, &feed, &e), KB_OK, "%s", e.msg);
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            kb_child_init();
            _exit(kb_writer(i));
        }
    }
    int running = 4, refreshes = 0;
    size_t applied = 0;
    while (running) {
        size_t ch = 0;
        cr_assert_eq(kb_board_cache_refresh(b, &feed, &ch, &e), KB_OK, "%s", e.msg);
        applied += ch;
        refreshes++;
        usleep(3000);
        for (int i = 0; i < 4; i++) {
            int st;
            if (kids[i] > 0 && waitpid(kids[i], &st, WNOHANG) == kids[i]) {
                cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d failed: %d", i,
                          WEXITSTATUS(st));
                kids[i] = -1;
                running--;
            }
        }
    }
    cr_assert_eq(kb_board_cache_refresh(b, &feed, NULL, &e), KB_OK);
    kb_board_cache full;
    cr_assert_eq(kb_board_cache_load(b, &full, &e), KB_OK);
    cr_assert_eq(feed.seq, full.seq);
    cr_assert_eq(feed.cases.n, full.cases.n);
    for (size_t i = 0; i < full.cases.n; i++) {
        cr_assert_eq(feed.cases.v[i].number, full.cases.v[i].number);
        cr_assert_eq(feed.cases.v[i].version, full.cases.v[i].version);
        cr_assert_str_eq(feed.cases.v[i].title, full.cases.v[i].title);
    }
    cr_log_info("%d refreshes applied %zu case changes", refreshes, applied);
    cr_assert_gt(applied, 0);
    kb_board_cache_free(&feed);
    kb_board_cache_free(&full);
    kb_board_close(&b);
}

Test(core, change_feed_reloads_reference_data_changed_by_others)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    kb_board_cache cache;
    cr_assert_eq(kb_board_cache_load(b, &cache, &e), KB_OK);
    pid_t pid = fork();
    if (pid == 0) {
        kb_child_init();
        kb_board *o = kb_open_as("anna", "admin passphrase");
        kb_err ce;
        const kb_stage *st = o ? kb_board_stage_find(o, "explore") : NULL;
        if (!st)
            _exit(1);
        kb_stage s2 = *st;
        s2.name = "Verkennen";
        int rc = kb_board_stage_edit(o, &s2, &ce);
        kb_board_close(&o);
        _exit(rc ? 2 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: %d", WEXITSTATUS(status));
    cr_assert_str_neq(kb_board_stage_find(b, "explore")->name, "Verkennen");
    cr_assert_eq(kb_board_cache_refresh(b, &cache, NULL, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(kb_board_stage_find(b, "explore")->name, "Verkennen",
                     "the refresh brought the renamed stage");
    kb_board_cache_free(&cache);
    kb_board_close(&b);
}

/* ------------------------------------------------------------ use cases */

/* Stage "done" needs a reason (as anna, the admin). */
static void kb_done_needs_reason(kb_board *b)
{
    const kb_stage *st = kb_board_stage_find(b, "done");
    cr_assert_not_null(st);
    kb_stage s2 = *st;
    s2.needs_reason = true;
    kb_err e;
    cr_assert_eq(kb_board_stage_edit(b, &s2, &e), KB_OK, "%s", e.msg);
}

static const kb_comment *kb_last_entry(const kb_comment_vec *tl)
{
    cr_assert_gt(tl->n, 0);
    return &tl->v[tl->n - 1];
}

Test(core, update_is_one_transaction_and_a_noop_writes_nothing)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    kb_case_patch p;
    kb_case_patch_init(&p);
    p.set = 1u << KB_F_TITLE | 1u << KB_F_LEAD | 1u << KB_F_DEPTS | 1u << KB_F_OWNER |
            1u << KB_F_DESC | 1u << KB_F_ORGS;
    cr_assert_eq(kb_case_field_parse(&p.v, KB_F_TITLE, "Nieuw", &e), KB_OK);
    cr_assert_eq(kb_case_field_parse(&p.v, KB_F_LEAD, "economy", &e), KB_OK); /* a name */
    cr_assert_eq(kb_case_field_parse(&p.v, KB_F_DEPTS, "inc, Sustainability", &e), KB_OK);
    cr_assert_eq(kb_case_field_parse(&p.v, KB_F_OWNER, "bo", &e), KB_OK); /* a prefix */
    cr_assert_eq(kb_case_field_parse(&p.v, KB_F_DESC, "lang verhaal", &e), KB_OK);
    cr_assert_eq(kb_case_field_parse(&p.v, KB_F_ORGS, "Stichting A, B; Bakkerij", &e), KB_OK);
    uint64_t n0 = kb_board_commits(b);
    kb_case out;
    kb_case_init(&out);
    cr_assert_eq(kb_board_case_update(b, 1, &p, NULL, KB_CORE_ANY_VERSION, 0, &out, &e), KB_OK,
                 "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1);
    cr_assert_str_eq(out.title, "Nieuw");
    cr_assert_str_eq(out.lead_dept, "ECO");
    cr_assert_eq(out.depts.n, 2);
    cr_assert_str_eq(out.depts.v[0], "INC");
    cr_assert_str_eq(out.depts.v[1], "DUU");
    cr_assert_str_eq(out.owner, "bob");
    cr_assert_eq(out.orgs.n, 2);
    uint64_t v = out.version;
    /* the same patch again: no change, no write */
    n0 = kb_board_commits(b);
    cr_assert_eq(kb_board_case_update(b, 1, &p, NULL, v, 0, &out, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 0);
    cr_assert_eq(out.version, v);
    /* an empty patch too */
    kb_case_patch none;
    kb_case_patch_init(&none);
    cr_assert_eq(kb_board_case_update(b, 1, &none, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e), KB_OK);
    cr_assert_eq(kb_board_commits(b) - n0, 0);
    /* a stale version is refused */
    kb_case_patch_free(&p);
    p.set = 1u << KB_F_PRIORITY;
    p.v.priority = 2;
    cr_assert_eq(kb_board_case_update(b, 1, &p, NULL, v - 1, 0, NULL, &e), KB_ECONFLICT);
    cr_assert_eq(kb_board_commits(b) - n0, 0);
    /* the timeline text is the neutral diff, as before */
    kb_comment_vec tl;
    cr_assert_eq(kb_board_timeline(b, 1, &tl, &e), KB_OK);
    const kb_comment *c = kb_last_entry(&tl);
    cr_assert_str_eq(c->text,
                     "title: 0 -> Nieuw; description changed; lead department: - -> ECO; "
                     "departments:  -> INC,DUU; organisations:  -> Stichting A, B,Bakkerij; "
                     "owner: - -> bob");
    cr_assert_null(c->move_from);
    kb_comment_vec_free(&tl);
    /* unknown values are refused and change nothing */
    kb_case_patch_free(&p);
    p.set = 1u << KB_F_OWNER;
    p.v.owner = kb_strdup("zz");
    cr_assert_eq(kb_board_case_update(b, 1, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "no user zz"), "%s", e.msg);
    kb_case_patch_free(&p);
    p.set = 1u << KB_F_LEAD;
    p.v.lead_dept = kb_strdup("Nergens");
    cr_assert_eq(kb_board_case_update(b, 1, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e), KB_EDATA);
    cr_assert_eq(kb_board_commits(b) - n0, 0);
    kb_case_patch_free(&p);
    kb_case_free(&out);
    kb_board_close(&b);
}

Test(core, move_into_a_needs_reason_stage)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_done_needs_reason(b);
    kb_err e;
    cr_assert(kb_board_move_needs_reason(b, "signal", "done"));
    cr_assert(kb_board_move_needs_reason(b, "signal", "Embedded/Done"));
    cr_assert(!kb_board_move_needs_reason(b, "done", "done"));
    cr_assert(!kb_board_move_needs_reason(b, "signal", "explore"));
    uint64_t n0 = kb_board_commits(b);
    /* without a reason: refused, nothing written */
    cr_assert_eq(kb_board_case_move(b, 1, "done", NULL, KB_CORE_ANY_VERSION, 0, NULL, NULL, &e),
                 KB_EDATA);
    cr_assert_str_eq(e.msg, "moving #1 to \"Embedded/Done\" needs a reason: add --reason TEXT");
    cr_assert_eq(kb_board_case_move(b, 1, "done", "", KB_CORE_ANY_VERSION, 0, NULL, NULL, &e),
                 KB_EDATA);
    kb_case c;
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(b, 1, &c, &e), KB_OK);
    kb_free(&c.stage);
    c.stage = kb_strdup("done");
    cr_assert_eq(kb_board_case_save(b, &c, KB_CORE_ANY_VERSION, 0, &e), KB_EDATA,
                 "a full save is held to the same rule");
    kb_case_patch p;
    kb_case_patch_init(&p);
    p.set = 1u << KB_F_STAGE | 1u << KB_F_TITLE;
    p.v.stage = kb_strdup("Embedded/Done");
    p.v.title = kb_strdup("klaar");
    cr_assert_eq(kb_board_case_update(b, 1, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e), KB_EDATA);
    cr_assert_eq(kb_board_commits(b) - n0, 0);
    kb_case cur;
    kb_case_init(&cur);
    cr_assert_eq(kb_board_case_get(b, 1, &cur, &e), KB_OK);
    cr_assert_str_eq(cur.stage, "signal");
    cr_assert_str_eq(cur.title, "0");
    kb_case_free(&cur);
    /* with a reason: one transaction, the move and the reason in one entry */
    kb_case out;
    kb_case_init(&out);
    cr_assert_eq(
        kb_board_case_move(b, 1, "done", "Pand verhuurd", KB_CORE_ANY_VERSION, 0, &out, NULL, &e),
        KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1);
    cr_assert_str_eq(out.stage, "done");
    kb_comment_vec tl;
    cr_assert_eq(kb_board_timeline(b, 1, &tl, &e), KB_OK);
    size_t entries = tl.n;
    const kb_comment *m = kb_last_entry(&tl);
    cr_assert_eq(m->kind, KB_ENTRY_CHANGE);
    cr_assert_str_eq(m->text, "stage: signal -> done");
    cr_assert_str_eq(m->move_from, "signal");
    cr_assert_str_eq(m->move_to, "done");
    cr_assert_str_eq(m->reason, "Pand verhuurd");
    kb_comment_vec_free(&tl);
    /* a move out of "done" needs none; a full save back in with a reason */
    bool already = true;
    cr_assert_eq(
        kb_board_case_move(b, 1, "explore", NULL, KB_CORE_ANY_VERSION, 0, NULL, &already, &e),
        KB_OK, "%s", e.msg);
    cr_assert(!already, "a real move is not 'already there'");
    /* a move into the stage it is in: reported, nothing written */
    uint64_t commits = kb_board_commits(b);
    cr_assert_eq(
        kb_board_case_move(b, 1, "Explore", NULL, KB_CORE_ANY_VERSION, 0, NULL, &already, &e),
        KB_OK, "%s", e.msg);
    cr_assert(already, "moving #1 into its own stage says it is already there");
    cr_assert_eq(kb_board_commits(b), commits, "no write for a move into the same stage");
    kb_case_free(&c);
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(b, 1, &c, &e), KB_OK);
    kb_free(&c.stage);
    c.stage = kb_strdup("done");
    n0 = kb_board_commits(b);
    cr_assert_eq(kb_board_case_save_reason(b, &c, KB_CORE_ANY_VERSION, 0, "weer klaar", &e), KB_OK,
                 "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1);
    cr_assert_eq(kb_board_timeline(b, 1, &tl, &e), KB_OK);
    cr_assert_eq(tl.n, entries + 2, "one entry per change");
    m = kb_last_entry(&tl);
    cr_assert_str_eq(m->move_from, "explore");
    cr_assert_str_eq(m->move_to, "done");
    cr_assert_str_eq(m->reason, "weer klaar");
    kb_comment_vec_free(&tl);
    kb_case_patch_free(&p);
    kb_case_free(&c);
    kb_case_free(&out);
    kb_board_close(&b);
}

Test(core, use_cases_refuse_a_case_leased_by_someone_else)
{
    int up[2], down[2];
    cr_assert_eq(pipe(up), 0);
    cr_assert_eq(pipe(down), 0);
    pid_t pid = fork();
    if (pid == 0) {
        kb_child_init();
        _exit(kb_child_holder(up[1], down[0], true)); /* bob holds #1 */
    }
    uint64_t token = 0;
    cr_assert_eq(read(up[0], &token, sizeof token), (ssize_t)sizeof token);
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    uint64_t n0 = kb_board_commits(b);
    kb_case_patch p;
    kb_case_patch_init(&p);
    p.set = 1u << KB_F_TITLE;
    p.v.title = kb_strdup("mine");
    cr_assert_eq(kb_board_case_update(b, 1, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e),
                 KB_ECONFLICT);
    cr_assert(strstr(e.msg, "being edited by bob"), "%s", e.msg);
    cr_assert_eq(kb_board_case_move(b, 1, "explore", NULL, KB_CORE_ANY_VERSION, 0, NULL, NULL, &e),
                 KB_ECONFLICT);
    cr_assert(strstr(e.msg, "being edited by bob"), "%s", e.msg);
    kb_case c;
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(b, 1, &c, &e), KB_OK);
    kb_free(&c.title);
    c.title = kb_strdup("mine");
    cr_assert_eq(kb_board_case_save_reason(b, &c, KB_CORE_ANY_VERSION, 0, "x", &e), KB_ECONFLICT);
    kb_decision d = {.case_number = 1, .text = "besluit"};
    kb_action_item items[1];
    kb_action_item_init(&items[0]);
    items[0].text = "doen";
    items[0].owner = "anna";
    cr_assert_eq(kb_board_decide(b, &d, items, 1, &e), KB_ECONFLICT);
    cr_assert(strstr(e.msg, "being edited by bob"), "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 0, "nothing written");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* the holder is gone: the same update goes through */
    cr_assert_eq(kb_board_case_update(b, 1, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e), KB_OK,
                 "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1);
    kb_free(&d.author);
    kb_case_patch_free(&p);
    kb_case_free(&c);
    kb_board_close(&b);
}

Test(core, decide_with_action_items_and_the_detail_snapshot)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    kb_case c2;
    kb_case_init(&c2);
    c2.title = kb_strdup("tweede");
    cr_assert_eq(kb_board_case_add(b, &c2, &e), KB_OK, "%s", e.msg);
    kb_meeting m;
    kb_meeting_init(&m);
    m.date = kb_date_today();
    cr_assert_eq(kb_board_meeting_add(b, &m, &e), KB_OK, "%s", e.msg);
    /* each existing use case is one transaction */
    uint64_t n0 = kb_board_commits(b);
    cr_assert_eq(kb_board_comment_add(b, 1, "een opmerking", &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1);
    cr_assert_eq(kb_board_link_add(b, 1, c2.number, KB_LINK_RELATED, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 2);
    kb_action_item a;
    kb_action_item_init(&a);
    a.case_number = 1;
    a.text = kb_strdup("los punt");
    a.owner = kb_strdup("bob");
    cr_assert_eq(kb_board_action_add(b, &a, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 3);
    cr_assert_eq(kb_board_action_done(b, a.number, true, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 4);
    /* a decision with two action items: one transaction */
    kb_decision d = {.case_number = 1, .meeting = m.number, .text = kb_strdup("Doorgaan")};
    kb_action_item items[2];
    kb_action_item_init(&items[0]);
    kb_action_item_init(&items[1]);
    items[0].text = kb_strdup("Offerte opvragen");
    items[0].owner = kb_strdup("bo"); /* a unique prefix */
    items[1].text = kb_strdup("Terugkoppelen");
    items[1].owner = kb_strdup("anna");
    items[1].due = kb_date_today() + 7;
    n0 = kb_board_commits(b);
    cr_assert_eq(kb_board_decide(b, &d, items, 2, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1);
    cr_assert_gt(d.number, 0);
    cr_assert_str_eq(d.author, "anna");
    cr_assert_eq(items[0].case_number, 1);
    cr_assert_str_eq(items[0].owner, "bob");
    cr_assert_neq(items[0].number, items[1].number);
    cr_assert_gt(items[1].number, a.number);
    /* a bad item makes the whole decision fail: nothing lands */
    kb_decision d2 = {.case_number = 1, .text = kb_strdup("Niet")};
    kb_action_item bad;
    kb_action_item_init(&bad);
    bad.text = kb_strdup("x");
    bad.owner = kb_strdup("niemand");
    cr_assert_eq(kb_board_decide(b, &d2, &bad, 1, &e), KB_EDATA);
    cr_assert_eq(kb_board_commits(b) - n0, 1);
    /* the detail: one read, everything */
    kb_case_detail det;
    cr_assert_eq(kb_board_case_detail(b, 1, &det, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1, "reading writes nothing");
    cr_assert_eq(det.c.number, 1);
    cr_assert_eq(det.actions.n, 3);
    cr_assert_eq(det.links.n, 1);
    cr_assert_eq(det.links.v[0].to, c2.number);
    cr_assert_eq(det.decisions.n, 1);
    cr_assert_str_eq(det.decisions.v[0].text, "Doorgaan");
    /* created, comment, link, action, decision, two actions */
    cr_assert_eq(det.timeline.n, 7);
    cr_assert_str_eq(det.timeline.v[0].text, "case created");
    cr_assert_str_eq(det.timeline.v[1].text, "een opmerking");
    kb_case_detail_free(&det);
    cr_assert_eq(kb_board_case_detail(b, 99, &det, &e), KB_ENOENT);
    kb_case_detail_free(&det);
    for (int i = 0; i < 2; i++)
        kb_action_item_free(&items[i]);
    kb_action_item_free(&bad);
    kb_action_item_free(&a);
    kb_decision_free(&d);
    kb_decision_free(&d2);
    kb_meeting_free(&m);
    kb_case_free(&c2);
    kb_board_close(&b);
}

Test(core, names_resolve_through_the_board)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    cr_assert_str_eq(kb_board_dept_find(b, "economy")->code, "ECO");
    cr_assert_str_eq(kb_board_dept_find(b, "eco")->code, "ECO");
    cr_assert_str_eq(kb_board_stage_find(b, "EMBEDDED/DONE")->code, "done");
    cr_assert_str_eq(kb_board_line_find(b, "impact procurement")->code, "procure");
    char *name = NULL;
    cr_assert_eq(kb_board_user_find(b, "Bo", &name, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(name, "bob");
    kb_free(&name);
    cr_assert_eq(kb_board_user_find(b, "x", &name, &e), KB_ENOENT);
    cr_assert_null(name);
    /* case list dept:Economy = dept:ECO */
    kb_case_patch p;
    kb_case_patch_init(&p);
    p.set = 1u << KB_F_LEAD | 1u << KB_F_OWNER;
    p.v.lead_dept = kb_strdup("Economy");
    p.v.owner = kb_strdup("bob");
    cr_assert_eq(kb_board_case_update(b, 1, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e), KB_OK,
                 "%s", e.msg);
    kb_case c;
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(b, 1, &c, &e), KB_OK);
    kb_query_ctx ctx;
    kb_board_query_ctx(b, NULL, &ctx); /* no since:lastmeeting below */
    static const char *const yes[] = {"dept:Economy", "dept:ECO", "lead:economy", "stage:Signal",
                                      "owner:bo"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        kb_query *q = NULL;
        cr_assert_eq(kb_query_parse(yes[i], &q, &e), KB_OK);
        cr_assert(kb_query_match(q, &c, &ctx), "%s", yes[i]);
        kb_query_free(&q);
    }
    kb_query *q = NULL;
    cr_assert_eq(kb_query_parse("dept:Inclusion", &q, &e), KB_OK);
    cr_assert(!kb_query_match(q, &c, &ctx));
    kb_query_free(&q);
    kb_case_free(&c);
    kb_case_patch_free(&p);
    kb_board_close(&b);
}

/* A board written by the code before structured moves (tests/fixtures). */
Test(core, old_board_fixture_still_reads)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "cp '%s/tests/fixtures/board-v1.kb' '%s/tests/fixtures/board-v1.kb.lock' '%s/'",
             KB_SOURCE_DIR, KB_SOURCE_DIR, kb_dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(kb_path, sizeof kb_path, "%s/board-v1.kb", kb_dir);
    char pass[100] = "";
    char pf[600];
    snprintf(pf, sizeof pf, "%s/tests/fixtures/board-v1.pass", KB_SOURCE_DIR);
    FILE *f = fopen(pf, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(pass, sizeof pass, f));
    fclose(f);
    pass[strcspn(pass, "\n")] = 0;
    kb_board *b = kb_open_as("alice", pass);
    cr_assert_not_null(b);
    kb_err e;
    kb_verify_result vr;
    cr_assert_eq(kb_board_verify(b, &vr, &e), KB_OK, "%s", e.msg);
    kb_case_detail d;
    cr_assert_eq(kb_board_case_detail(b, 1, &d, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(d.c.title, "Café Noord uitbreiding");
    cr_assert_str_eq(d.c.stage, "connect");
    cr_assert_eq(d.actions.n, 1);
    cr_assert_eq(d.links.n, 1);
    cr_assert_eq(d.decisions.n, 1);
    size_t moves = 0;
    for (size_t i = 0; i < d.timeline.n; i++)
        if (strncmp(d.timeline.v[i].text, "stage: ", 7) == 0) {
            moves++;
            /* old moves are text only: not parsed into the new fields */
            cr_assert_null(d.timeline.v[i].move_from);
            cr_assert_null(d.timeline.v[i].move_to);
            cr_assert_null(d.timeline.v[i].reason);
        }
    cr_assert_eq(moves, 2);
    kb_case_detail_free(&d);
    /* the new code writes structured moves on the old board */
    uint64_t n0 = kb_board_commits(b);
    kb_case out;
    kb_case_init(&out);
    cr_assert_eq(kb_board_case_move(b, 3, "done", NULL, KB_CORE_ANY_VERSION, 0, &out, NULL, &e),
                 KB_EDATA, "done needs a reason on this board");
    cr_assert_eq(kb_board_case_move(b, 3, "embedded/done", "afgerond", KB_CORE_ANY_VERSION, 0, &out,
                                    NULL, &e),
                 KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1);
    cr_assert_eq(kb_board_case_detail(b, 3, &d, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(d.timeline.v[d.timeline.n - 1].move_to, "done");
    cr_assert_str_eq(d.timeline.v[d.timeline.n - 1].reason, "afgerond");
    kb_case_detail_free(&d);
    cr_assert_eq(kb_board_verify(b, &vr, &e), KB_OK, "%s", e.msg);
    kb_case_free(&out);
    kb_board_close(&b);
}

/* The cache's account of a refresh (issue 16, the TUI's incremental board):
 * which cases changed, their old versions, reloaded cases replaced in
 * place, new ones appended; nothing named after a comment only. */
Test(core, cache_refresh_names_the_changed_cases)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    for (int i = 0; i < 3; i++) {
        kb_case c;
        kb_case_init(&c);
        c.title = kb_asprintf("Zaak %d", i + 2);
        cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
        kb_case_free(&c);
    }
    kb_board_cache cache;
    cr_assert_eq(kb_board_cache_load(b, &cache, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(cache.cases.n, 4);
    const kb_case *before = &cache.cases.v[1];
    /* a title: case 2 is replaced where it is */
    kb_case c;
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(b, 2, &c, &e), KB_OK, "%s", e.msg);
    kb_free(&c.title);
    c.title = kb_strdup("Nieuwe titel");
    cr_assert_eq(kb_board_case_save(b, &c, KB_CORE_ANY_VERSION, 0, &e), KB_OK, "%s", e.msg);
    kb_case_free(&c);
    size_t ch = 0;
    cr_assert_eq(kb_board_cache_refresh(b, &cache, &ch, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(ch, 1);
    cr_assert_eq(cache.nchanged, 1);
    cr_assert_eq(cache.changed[0], 2);
    cr_assert_not(cache.moved);
    cr_assert_not(cache.refs_changed);
    cr_assert_eq(&cache.cases.v[1], before, "replaced in place");
    cr_assert_str_eq(cache.cases.v[1].title, "Nieuwe titel");
    cr_assert_eq(cache.old.n, 1);
    cr_assert_str_eq(cache.old.v[0].title, "Zaak 2", "the old version is kept");
    /* a comment: no case changed */
    cr_assert_eq(kb_board_comment_add(b, 3, "Alleen een opmerking", &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_cache_refresh(b, &cache, &ch, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(cache.nchanged, 0);
    cr_assert_eq(cache.old.n, 0);
    /* a new case and an edit at once: both named, in order; the new one
     * has no old version */
    kb_case_init(&c);
    c.title = kb_strdup("Nog een");
    cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
    kb_case_free(&c);
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(b, 1, &c, &e), KB_OK, "%s", e.msg);
    c.priority = 3;
    cr_assert_eq(kb_board_case_save(b, &c, KB_CORE_ANY_VERSION, 0, &e), KB_OK, "%s", e.msg);
    kb_case_free(&c);
    cr_assert_eq(kb_board_cache_refresh(b, &cache, &ch, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(cache.nchanged, 2);
    cr_assert_eq(cache.changed[0], 1);
    cr_assert_eq(cache.changed[1], 5);
    cr_assert_eq(cache.old.n, 1);
    cr_assert_eq(cache.old.v[0].number, 1);
    cr_assert_eq(cache.cases.n, 5);
    for (size_t i = 0; i < cache.cases.n; i++)
        cr_assert_eq(cache.cases.v[i].number, i + 1, "sorted by number");
    cr_assert_eq(cache.cases.v[0].priority, 3);
    /* nothing new */
    cr_assert_eq(kb_board_cache_refresh(b, &cache, &ch, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(cache.nchanged, 0);
    /* with the timeline's activity asked for (a filter on updated or
     * since:): a comment raises its case's active and names the case */
    cr_assert_eq(kb_board_cache_activity(b, &cache, &e), KB_OK, "%s", e.msg);
    cr_assert(cache.activity);
    kb_time seen = cache.cases.v[2].active;
    cr_assert_gt(seen, 0, "#3's comment is its newest timeline entry");
    cache.cases.v[1].active = 1; /* as if #2's timeline were long ago */
    uint64_t v2 = cache.cases.v[1].version;
    cr_assert_eq(kb_board_comment_add(b, 2, "Nagebeld", &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_cache_refresh(b, &cache, &ch, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(cache.nchanged, 1);
    cr_assert_eq(cache.changed[0], 2);
    cr_assert_eq(cache.old.n, 1);
    cr_assert_eq(cache.old.v[0].active, 1, "the old state, for the layout");
    cr_assert_gt(cache.cases.v[1].active, 1);
    cr_assert_eq(cache.cases.v[1].version, v2, "the record was not rewritten");
    cr_assert_gt(kb_case_last_activity(&cache.cases.v[1]), 1);
    /* a reloaded case keeps its active (the record does not hold it) */
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(b, 3, &c, &e), KB_OK, "%s", e.msg);
    c.priority = 2;
    cr_assert_eq(kb_board_case_save(b, &c, KB_CORE_ANY_VERSION, 0, &e), KB_OK, "%s", e.msg);
    kb_case_free(&c);
    cr_assert_eq(kb_board_cache_refresh(b, &cache, &ch, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(cache.nchanged, 1);
    cr_assert_eq(cache.cases.v[2].priority, 2);
    cr_assert_geq(cache.cases.v[2].active, seen);
    /* the same from the one-pass scan */
    kb_case_vec all = {0};
    cr_assert_eq(kb_board_case_list(b, &all, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_case_activity(b, all.v, all.n, &e), KB_OK, "%s", e.msg);
    for (size_t i = 0; i < all.n; i++)
        cr_assert_eq(all.v[i].active, cache.cases.v[i].active, "#%u", all.v[i].number);
    kb_case_vec_free(&all);
    kb_board_cache_free(&cache);
    kb_board_close(&b);
}

/* stats on a board with a case record that does not decode: the damage
 * code (65) with a message that says what to do, not an empty error. */
Test(core, stats_on_a_damaged_case_names_the_damage)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    kb_txn *t = NULL;
    unsigned char key[KB_KEY_LEN];
    kb_store_random(key, sizeof key);
    cr_assert_eq(kb_store_write(b->s, "test.damage", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(
        kb_txn_put(t, KB_T_CASES, key, sizeof key, "junk", 4, KB_VERSION_NEW, NULL, NULL, &e),
        KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    kb_board_stats st;
    kb_err_clear(&e);
    cr_assert_eq(kb_board_stats_get(b, &st, &e), KB_EDATA);
    cr_assert(e.damage, "flagged as damage");
    cr_assert(strstr(e.msg, "damaged") && strstr(e.msg, "kernboard verify"), "message: '%s'",
              e.msg);
    kb_board_close(&b);
}

/* case list's table reads only its columns (kb_board_case_list_some): the
 * same cases in the same order (by number) as the whole read, those fields
 * equal, the others as kb_case_init leaves them; no fields = all of them. */
Test(core, case_list_some_stores_only_the_list_fields)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    for (int i = 0; i < 300; i++) { /* past the snapshot's whole-version-map size */
        kb_case c;
        kb_case_init(&c);
        c.title = kb_asprintf("Zaak %d", i);
        c.description = kb_strdup("beschrijving");
        c.stage = kb_strdup(i % 3 ? "explore" : "signal");
        c.lead_dept = i % 4 ? kb_strdup("ECO") : NULL;
        c.due = i % 5 ? KB_DATE_NONE : 20000 + i;
        c.conf = i % 7 ? KB_CONF_INTERNAL : KB_CONF_CONFIDENTIAL;
        c.priority = i % 4;
        kb_strv_push(&c.tags, "x");
        cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
        kb_case_free(&c);
    }
    kb_case_vec all = {0}, some = {0}, every = {0};
    uint32_t f = 1u << KB_F_TITLE | 1u << KB_F_STAGE | 1u << KB_F_LEAD | 1u << KB_F_DUE;
    cr_assert_eq(kb_board_case_list(b, &all, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_case_list_some(b, f, &some, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_case_list_some(b, 0, &every, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(all.n, 301);
    cr_assert_eq(some.n, all.n);
    cr_assert_eq(every.n, all.n);
    for (size_t i = 0; i < all.n; i++) {
        const kb_case *x = &all.v[i], *y = &some.v[i];
        cr_assert(i == 0 || x->number > all.v[i - 1].number, "by number");
        cr_assert_eq(y->number, x->number);
        cr_assert_eq(y->version, x->version);
        cr_assert_arr_eq(y->key.b, x->key.b, KB_ID_LEN);
        cr_assert_eq(y->created, x->created);
        cr_assert_str_eq(y->title, x->title);
        cr_assert_str_eq(y->stage, x->stage);
        cr_assert_eq(!!y->lead_dept, !!x->lead_dept);
        if (x->lead_dept)
            cr_assert_str_eq(y->lead_dept, x->lead_dept);
        cr_assert_eq(y->due, x->due);
        cr_assert_null(y->description);
        cr_assert_eq(y->tags.n, 0);
        cr_assert_eq(y->priority, 0);
        cr_assert_eq(y->conf, KB_CONF_INTERNAL); /* kb_case_init's */
        kb_buf p = KB_BUF_INIT, q = KB_BUF_INIT;
        kb_codec_case_encode(x, &p);
        kb_codec_case_encode(&every.v[i], &q);
        cr_assert_eq(p.len, q.len);
        cr_assert_arr_eq(p.data, q.data, p.len, "no fields: every field");
        kb_buf_free(&p);
        kb_buf_free(&q);
    }
    kb_case_vec_free(&all);
    kb_case_vec_free(&some);
    kb_case_vec_free(&every);
    kb_board_close(&b);
}

/* A staged import (docs/storage.md "Staged imports") in another process:
 * the change feed shows none of its cases while it is staged, and all of
 * them (and a rebuild: refs_changed) once it has finished. */
typedef struct kb_import_gate {
    int ready_fd, go_fd;
    bool told;
} kb_import_gate;

static void kb_import_gate_fn(void *ctx, size_t done, size_t total)
{
    kb_import_gate *g = ctx;
    (void)done, (void)total;
    if (g->told)
        return;
    g->told = true;
    char c = 'r';
    if (write(g->ready_fd, &c, 1) != 1 || read(g->go_fd, &c, 1) != 1)
        _exit(9);
}

static int kb_staged_importer(int ready_fd, int go_fd)
{
    setenv("KERNBOARD_IMPORT_STAGED", "0", 1);
    setenv("KERNBOARD_IMPORT_CHUNK", "10", 1);
    kb_board *b = kb_open_as("anna", "admin passphrase");
    if (!b)
        return 2;
    size_t ns = 0, nd = 0;
    const kb_stage *st = kb_board_stages(b, &ns);
    const kb_dept *dp = kb_board_depts(b, &nd);
    kb_case cases[40];
    kb_import imp;
    memset(&imp, 0, sizeof imp);
    for (unsigned i = 0; i < 40; i++) {
        kb_case_init(&cases[i]);
        cases[i].number = 1001 + i;
        cases[i].title = kb_asprintf("imported %u", i);
        cases[i].stage = kb_strdup(st[0].code);
        cases[i].lead_dept = kb_strdup(dp[0].code);
    }
    imp.cases = cases;
    imp.ncases = 40;
    kb_import_gate g = {ready_fd, go_fd, false};
    kb_import_progress p = {kb_import_gate_fn, &g};
    kb_import_report rep;
    kb_err e;
    int rc = kb_board_import_ex(b, &imp, false, &p, &rep, &e);
    if (rc)
        fprintf(stderr, "import: %s\n", e.msg);
    for (unsigned i = 0; i < 40; i++)
        kb_case_free(&cases[i]);
    kb_board_close(&b);
    return rc ? 3 : g.told ? 0 : 4;
}

Test(core, change_feed_shows_a_staged_import_when_it_finishes)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    cr_assert_not_null(b);
    kb_err e;
    kb_board_cache feed;
    cr_assert_eq(kb_board_cache_load(b, &feed, &e), KB_OK, "%s", e.msg);
    size_t before = feed.cases.n;
    int ready[2], go[2];
    cr_assert_eq(pipe(ready), 0);
    cr_assert_eq(pipe(go), 0);
    pid_t kid = fork();
    if (kid == 0) {
        kb_child_init();
        _exit(kb_staged_importer(ready[1], go[0]));
    }
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1, "the importer staged nothing");
    size_t ch = 0;
    cr_assert_eq(kb_board_cache_refresh(b, &feed, &ch, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(feed.cases.n, before, "staged cases showed: %zu", feed.cases.n);
    c = 'g';
    cr_assert_eq(write(go[1], &c, 1), 1);
    int stt;
    cr_assert_eq(waitpid(kid, &stt, 0), kid);
    cr_assert(WIFEXITED(stt) && WEXITSTATUS(stt) == 0, "importer: %d", WEXITSTATUS(stt));
    cr_assert_eq(kb_board_cache_refresh(b, &feed, &ch, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(feed.cases.n, before + 40, "%zu cases after the import", feed.cases.n);
    cr_assert(feed.refs_changed, "the callers are told to rebuild");
    kb_board_cache full;
    cr_assert_eq(kb_board_cache_load(b, &full, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(feed.seq, full.seq);
    for (size_t i = 0; i < full.cases.n; i++)
        cr_assert_eq(feed.cases.v[i].number, full.cases.v[i].number);
    kb_board_cache_free(&full);
    kb_board_cache_free(&feed);
    kb_board_close(&b);
}
