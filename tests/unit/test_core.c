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
#include <unistd.h>

#include "kernboard/core.h"
#include "kernboard/mem.h"

static char kb_dir[300], kb_path[400];

static kb_secret *kb_pass(const char *s)
{
    kb_secret *p = kb_secret_new(KB_PASSPHRASE_MAX);
    memcpy(kb_secret_data(p), s, strlen(s));
    kb_secret_set_len(p, strlen(s));
    return p;
}

/* In a forked child: die with the test process, so a failed assertion in
 * the parent never leaves a child holding Criterion's pipes open. */
static void kb_child_init(void)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static kb_board *kb_open_as(const char *user, const char *pass)
{
    kb_secret *p = kb_pass(pass);
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
    const char *base = getenv("KB_TEST_TMP");
    char tmpl[300];
    if (base) {
        mkdir(base, 0700);
        snprintf(tmpl, sizeof tmpl, "%.200s/coreXXXXXX", base);
    } else {
        snprintf(tmpl, sizeof tmpl, "/tmp/kbcoreXXXXXX");
    }
    cr_assert_not_null(mkdtemp(tmpl));
    snprintf(kb_dir, sizeof kb_dir, "%s", tmpl);
    snprintf(kb_path, sizeof kb_path, "%s/board.kb", kb_dir);
    setenv("XDG_STATE_HOME", kb_dir, 1);
    kb_secret *p = kb_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive"};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(kb_path, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    p = kb_pass("member passphrase");
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
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", kb_dir);
    if (system(cmd) != 0)
        cr_log_warn("cleanup failed");
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
    sleep(2);
    kb_board *b = kb_open_as("bob", "member passphrase");
    cr_assert_not_null(b);
    kb_err e;
    uint64_t t = 0;
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
