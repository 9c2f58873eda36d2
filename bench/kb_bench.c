/*
 * kb-bench - the benchmark's helper program (bench/run.sh drives it).
 *
 *   kb-bench gen BOARD USER PASSFILE N [--kdf K] [--batch B]
 *       create BOARD (must not exist) and fill it with N realistic cases,
 *       each with a "case created" entry, 3 comments, and every second case
 *       an action item; B cases per write transaction (default 500), so a
 *       100k board takes minutes, not hours.  Prints "generated N cases".
 *   kb-bench unlock BOARD USER PASSFILE
 *       open (unlock) the board in this process; prints "unlock_ms X cpu Y"
 *       (wall and CPU time).
 *   kb-bench floor BOARD USER PASSFILE
 *       after an untimed unlock, times in this process:
 *         floor_cases  plain LMDB walk of the cases table + AEAD decrypt of
 *                      every value (no lock, no codec): the raw floor;
 *         floor_all    the same over every record table;
 *         store_scan   the store's own scan of cases (lock, fresh
 *                      environment, decrypt, version map check), no decode;
 *         core_list    kb_board_case_list (the store scan plus decoding).
 *       Prints "NAME_ms X records N" per line.
 *   kb-bench exec [--in F] [--out F] [--timeout S] -- CMD [ARGS...]
 *       run CMD (stdin from F or /dev/null, stdout to F or /dev/null,
 *       stderr kept) and print "wall_ms X rss_kb Y cpu_ms Z rc R" from
 *       wait4(): wall time, peak RSS and CPU time of that process.  With
 *       --timeout, CMD is killed after S seconds and R is 124.
 *   kb-bench tui BIN BOARD USER PASSFILE --ready TEXT [--case N] [--moves M]
 *                [--seed S]
 *       run the TUI in a pseudo terminal (120x40, xterm-256color) and print
 *         first_frame_ms  from the start until the last byte of the first
 *                         frame (TEXT has been written and the output then
 *                         stayed quiet for 300 ms; the quiet time is not
 *                         counted);
 *         bytes_per_move  bytes the TUI wrote per cursor move, over M moves
 *                         down (j) and M moves up (k);
 *         change_cpu_ms   CPU time the TUI used from just before another
 *                         process (BIN case edit N --title ...) commits a
 *                         new title until that title is on its screen (N:
 *                         the first card drawn, unless --case is given);
 *         change_wall_ms  the wall time of the same interval (the TUI polls
 *                         every 500 ms);
 *         rss_kb          the TUI's peak RSS (VmHWM).
 *
 * It measures; it asserts no times.  Exit 0 on success, 1 on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "kernboard/core.h"
#include "kernboard/mem.h"
#include "store/store_internal.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int open_board(const char *path, const char *user, const char *passfile, kb_board **b)
{
    kb_err e;
    kb_secret *pass = NULL;
    if (kb_secret_from_file(passfile, &pass, &e)) {
        fprintf(stderr, "kb-bench: %s\n", e.msg);
        return 1;
    }
    int rc = kb_board_open(path, user, pass, NULL, b, &e);
    kb_secret_free(&pass);
    if (rc) {
        fprintf(stderr, "kb-bench: %s\n", e.msg);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ gen */

static const char *const w_subject[] = {
    "Leegstand",  "Startersloket",  "Bedrijventerrein", "Laadpalen",     "Social return",
    "Inkoopplan", "Marktplaats",    "Winkelstraat",     "Energiescan",   "Leerwerkplek",
    "Ondernemer", "Horecaplein",    "Fietsroute",       "Kringloop",     "Buurthuis",
    "Dakenplan",  "Circulair hout", "Havenkade",        "Pop-up winkel", "Stageplaats",
};
static const char *const w_detail[] = {
    "aanvraag",     "signaal",       "vervolgafspraak", "subsidievraag", "vergunning",
    "samenwerking", "verduurzaming", "begeleiding",     "huurcontract",  "evaluatie",
    "bijeenkomst",  "onderzoek",     "aanbesteding",    "uitbreiding",   "klacht",
};
static const char *const w_place[] = {
    "centrum",  "noord",    "oost",       "de haven", "station",   "het park",
    "de markt", "zuidrand", "binnenstad", "De Hoven", "Achterweg", "Dorpsstraat",
};
static const char *const w_orgs[] = {
    "Bakkerij Verhoeven", "Stichting Opstap",   "Kringloop Oost",   "Fietsfabriek Noord",
    "Havenbedrijf",       "Techniek College",   "Woonstichting",    "Ondernemersvereniging",
    "Energiecoop Zuid",   "Zorggroep De Linde", "Horeca Centrum",   "Bouwbedrijf Smit",
    "Drukkerij Vos",      "Makerspace 040",     "Sportclub Oranje", "Boekhandel Pen",
};
static const char *const w_comment[] = {
    "Gebeld met de contactpersoon; volgende week een afspraak op locatie.",
    "Besproken in het kernteam: eerst navragen bij vergunningen wat mogelijk is.",
    "Stukken ontvangen en doorgestuurd naar inkoop voor een eerste beoordeling.",
    "Ondernemer wil graag verder; wacht op de offerte van de installateur.",
    "Navraag gedaan bij het sociaal domein: twee kandidaten voor een leerwerkplek.",
    "Afspraak verzet naar na de vakantie op verzoek van de ondernemer.",
};

#define NEL(a) (sizeof(a) / sizeof((a)[0]))

static int gen_one(kb_board *b, kb_txn *t, uint32_t i, uint32_t number, kb_time base, kb_err *e)
{
    size_t ns = 0, nd = 0, nl = 0;
    const kb_stage *st = kb_board_stages(b, &ns);
    const kb_dept *dp = kb_board_depts(b, &nd);
    const kb_line *ln = kb_board_lines(b, &nl);
    kb_case c;
    kb_case_init(&c);
    c.title = kb_asprintf("%s %s %s", w_subject[i % NEL(w_subject)],
                          w_detail[(i / 3) % NEL(w_detail)], w_place[(i / 7) % NEL(w_place)]);
    c.description = kb_asprintf(
        "Signaal %u uit het kernteam. %s in %s: de ondernemer vraagt ondersteuning bij de %s. "
        "Contact via het ondernemersloket; vervolg afstemmen met de betrokken afdelingen.",
        i, w_subject[i % NEL(w_subject)], w_place[(i / 7) % NEL(w_place)],
        w_detail[(i / 3) % NEL(w_detail)]);
    c.stage = kb_strdup(st[i % ns].code);
    c.lead_dept = kb_strdup(dp[i % nd].code);
    if (i % 3 == 0)
        kb_strv_push(&c.depts, dp[(i + 1) % nd].code);
    if (nl)
        c.action_line = kb_strdup(ln[(i / 2) % nl].code);
    if (i % 2 == 0)
        kb_strv_push(&c.orgs, w_orgs[(i / 2) % NEL(w_orgs)]);
    c.priority = (int)(i % 4);
    if (i % 5 == 0)
        c.due = kb_date_of_time(base) + (kb_date)(i % 90);
    if (i % 4 == 0)
        kb_strv_push(&c.tags, i % 8 == 0 ? "mkb" : "subsidie");
    /* spread over the last two years, oldest first */
    c.created = base - (kb_time)(730 * 86400) + (kb_time)i * 60;
    c.updated = c.moved = c.created;
    c.number = number; /* 0: the next one */
    int rc = kb_case_refs(b, &c, e);
    if (rc == KB_OK && c.orgs.n)
        rc = kb_orgs_ensure(t, &c.orgs, e);
    if (rc == KB_OK)
        rc = kb_case_insert(b, t, &c, true, NULL, e);
    /* the timeline: created, three comments */
    for (int k = 0; rc == KB_OK && k < 4; k++) {
        kb_comment cm = {0};
        cm.case_number = c.number;
        cm.kind = k == 0 ? KB_ENTRY_CHANGE : KB_ENTRY_COMMENT;
        cm.author = (char *)kb_board_user(b);
        cm.text = (char *)(k == 0 ? "case created" : w_comment[(i + (uint32_t)k) % NEL(w_comment)]);
        cm.time_us = (c.created + (kb_time)k * 3600) * 1000000;
        cm.time = cm.time_us / 1000000;
        rc = kb_timeline_put_entry(t, c.key.b, &cm, e);
    }
    if (rc == KB_OK && i % 2 == 0) {
        kb_action_item a;
        kb_action_item_init(&a);
        a.case_number = c.number;
        a.text = kb_asprintf("Terugkoppeling %s aan de ondernemer", w_detail[i % NEL(w_detail)]);
        a.owner = kb_strdup(kb_board_user(b));
        a.due = kb_date_of_time(base) + (kb_date)(i % 30);
        rc = kb_action_add_in(b, t, &c, &a, e);
        kb_action_item_free(&a);
    }
    kb_case_free(&c);
    return rc;
}

static int cmd_gen(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr,
                "usage: kb-bench gen BOARD USER PASSFILE N [--kdf K] [--batch B] [--first F]\n");
        return 64;
    }
    const char *kdf = "interactive";
    uint32_t batch = 500, first = 0, n = (uint32_t)strtoul(argv[5], NULL, 10);
    for (int i = 6; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--kdf") == 0)
            kdf = argv[i + 1];
        else if (strcmp(argv[i], "--batch") == 0)
            batch = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--first") == 0) /* the first case's number */
            first = (uint32_t)strtoul(argv[i + 1], NULL, 10);
    }
    if (!batch)
        batch = 1;
    kb_err e;
    kb_secret *pass = NULL;
    if (kb_secret_from_file(argv[4], &pass, &e)) {
        fprintf(stderr, "kb-bench: %s\n", e.msg);
        return 1;
    }
    kb_board_opts o = {.kdf = kdf};
    kb_board *b = NULL;
    int rc = kb_board_init(argv[2], argv[3], pass, &o, &b, &e);
    kb_secret_free(&pass);
    if (rc) {
        fprintf(stderr, "kb-bench: %s\n", e.msg);
        return 1;
    }
    /* every audit entry signed, as on a board built by single changes (a
     * transaction signs only its last entry of each batch: the benchmark's
     * verify would otherwise check some 200 signatures at 100k cases) */
    b->s->hooks.sign_all = true;
    kb_time base = kb_time_now();
    for (uint32_t done = 0; rc == KB_OK && done < n;) {
        kb_txn *t = NULL;
        if ((rc = kb_store_write(b->s, "bench.generate", NULL, &t, &e)))
            break;
        uint32_t end = done + batch < n ? done + batch : n;
        for (; rc == KB_OK && done < end; done++)
            rc = gen_one(b, t, done + 1, first ? first + done : 0, base, &e);
        if (rc == KB_OK)
            rc = kb_txn_commit(&t, &e);
        kb_txn_abort(&t);
    }
    kb_board_close(&b);
    if (rc) {
        fprintf(stderr, "kb-bench: generate: %s\n", e.msg);
        return 1;
    }
    printf("generated %u cases\n", n);
    return 0;
}

/* ------------------------------------------------------------ unlock, floor */

static int cmd_unlock(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: kb-bench unlock BOARD USER PASSFILE\n");
        return 64;
    }
    kb_board *b = NULL;
    double t0 = now_ms(), c0 = cpu_ms();
    if (open_board(argv[2], argv[3], argv[4], &b))
        return 1;
    double t1 = now_ms(), c1 = cpu_ms();
    kb_board_close(&b);
    printf("unlock_ms %.2f cpu %.2f\n", t1 - t0, c1 - c0);
    return 0;
}

/* Plain LMDB walk of the named tables + AEAD decrypt of every value. */
static int raw_walk(kb_store *s, const enum kb_table *tabs, size_t ntabs, size_t *records)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    int rc = mdb_env_create(&env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(env, 64);
    if (rc == 0)
        rc = mdb_env_open(env, s->path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0600);
    if (rc == 0)
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    *records = 0;
    for (size_t i = 0; rc == 0 && i < ntabs; i++) {
        const char *name = kb_table_name(tabs[i]);
        MDB_dbi dbi;
        rc = mdb_dbi_open(txn, name, 0, &dbi);
        if (rc == MDB_NOTFOUND) {
            rc = 0;
            continue;
        }
        MDB_cursor *cur = NULL;
        if (rc == 0)
            rc = mdb_cursor_open(txn, dbi, &cur);
        MDB_val k, v;
        MDB_cursor_op op = MDB_FIRST;
        while (rc == 0 && (rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
            op = MDB_NEXT;
            char *pt = NULL;
            size_t n = 0;
            kb_err e;
            if (kb_val_open(s, s->keys->k_rec, name, k.mv_data, k.mv_size, v.mv_data, v.mv_size,
                            &pt, &n, NULL, &e) != KB_OK) {
                fprintf(stderr, "kb-bench: floor: %s\n", e.msg);
                rc = -1;
                break;
            }
            kb_free(&pt);
            (*records)++;
        }
        if (rc == MDB_NOTFOUND)
            rc = 0;
        mdb_cursor_close(cur);
    }
    if (rc > 0)
        fprintf(stderr, "kb-bench: floor: %s\n", mdb_strerror(rc));
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return rc ? 1 : 0;
}

static int count_visit(void *ctx, const unsigned char *key, size_t klen, const char *val,
                       size_t vlen, uint64_t version)
{
    (void)key, (void)klen, (void)val, (void)vlen, (void)version;
    (*(size_t *)ctx)++;
    return 0;
}

static int snap_count_visit(void *ctx, size_t index, const unsigned char *key, size_t klen,
                            const char *val, size_t vlen, uint64_t version)
{
    (void)index, (void)key, (void)klen, (void)val, (void)vlen, (void)version;
    __atomic_add_fetch((size_t *)ctx, 1, __ATOMIC_RELAXED);
    return 0;
}

static int cmd_floor(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: kb-bench floor BOARD USER PASSFILE\n");
        return 64;
    }
    kb_board *b = NULL;
    if (open_board(argv[2], argv[3], argv[4], &b))
        return 1;
    static const enum kb_table cases_only[] = {KB_T_CASES};
    enum kb_table all[KB_T_COUNT_];
    size_t nall = 0;
    for (int t = 0; t < KB_T_COUNT_; t++)
        if (t != KB_T_RELS && t != KB_T_INDEX) /* lists of keys, not records */
            all[nall++] = (enum kb_table)t;
    size_t n = 0;
    int rc = 0;
    double t0 = now_ms();
    rc |= raw_walk(b->s, cases_only, 1, &n);
    printf("floor_cases_ms %.2f records %zu\n", now_ms() - t0, n);
    t0 = now_ms();
    rc |= raw_walk(b->s, all, nall, &n);
    printf("floor_all_ms %.2f records %zu\n", now_ms() - t0, n);

    kb_err e;
    kb_txn *t = NULL;
    n = 0;
    t0 = now_ms();
    if (kb_store_read(b->s, &t, &e) == KB_OK &&
        kb_txn_each(t, KB_T_CASES, NULL, 0, count_visit, &n, &e) == KB_OK) {
        kb_txn_abort(&t);
        printf("store_scan_ms %.2f records %zu\n", now_ms() - t0, n);
    } else {
        kb_txn_abort(&t);
        fprintf(stderr, "kb-bench: store scan: %s\n", e.msg);
        rc = 1;
    }
    /* an empty read transaction: lock, fresh environment, checks */
    t0 = now_ms();
    if (kb_store_read(b->s, &t, &e) == KB_OK)
        printf("store_txn_ms %.2f records 0\n", now_ms() - t0);
    kb_txn_abort(&t);
    /* the same scan as a snapshot (kb_txn_snap: the lock is held only while
     * the sealed values are copied; decryption after it, on two threads) */
    kb_snap *sn = NULL;
    n = 0;
    t0 = now_ms();
    if (kb_store_read(b->s, &t, &e) == KB_OK &&
        kb_txn_snap(t, KB_T_CASES, NULL, 0, &sn, &e) == KB_OK) {
        kb_txn_abort(&t);
        double held = now_ms() - t0;
        if (kb_snap_open(sn, snap_count_visit, &n, &e) == KB_OK) {
            printf("store_snap_ms %.2f records %zu\n", now_ms() - t0, n);
            printf("store_snap_lock_ms %.2f records %zu\n", held, n);
        } else {
            fprintf(stderr, "kb-bench: snapshot scan: %s\n", e.msg);
            rc = 1;
        }
    } else {
        kb_txn_abort(&t);
        fprintf(stderr, "kb-bench: snapshot: %s\n", e.msg);
        rc = 1;
    }
    kb_snap_free(&sn);
    kb_case_vec v = {0};
    t0 = now_ms();
    if (kb_board_case_list(b, &v, &e) == KB_OK) {
        printf("core_list_ms %.2f records %zu\n", now_ms() - t0, v.n);
        kb_case_vec_free(&v);
    } else {
        fprintf(stderr, "kb-bench: case list: %s\n", e.msg);
        rc = 1;
    }
    kb_board_close(&b);
    return rc;
}

/* ------------------------------------------------------------ exec */

static volatile sig_atomic_t exec_child, exec_timed_out;

static void exec_alarm(int sig)
{
    (void)sig;
    exec_timed_out = 1;
    if (exec_child > 0)
        kill((pid_t)exec_child, SIGKILL);
}

static int cmd_exec(int argc, char **argv)
{
    const char *in = "/dev/null", *out = "/dev/null";
    unsigned timeout = 0;
    int i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--in") == 0 && i + 1 < argc)
            in = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = (unsigned)strtoul(argv[++i], NULL, 10);
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "usage: kb-bench exec [--in F] [--out F] [--timeout S] -- CMD [ARGS...]\n");
        return 64;
    }
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        int fi = open(in, O_RDONLY), fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fi < 0 || fo < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0)
            _exit(127);
        close(fi);
        close(fo);
        execvp(argv[i + 1], argv + i + 1);
        _exit(127);
    }
    exec_child = pid;
    if (timeout) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = exec_alarm;
        sigaction(SIGALRM, &sa, NULL);
        alarm(timeout);
    }
    int st = 0;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
        ;
    alarm(0);
    double wall = now_ms() - t0;
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (exec_timed_out)
        rc = 124; /* as timeout(1) */
    printf("wall_ms %.2f rss_kb %ld cpu_ms %.2f rc %d\n", wall, ru.ru_maxrss, cpu, rc);
    return 0;
}

/* ------------------------------------------------------------ tui */

typedef struct pty_out {
    int fd;
    char *buf; /* everything read so far */
    size_t len, cap;
    double last; /* time of the last byte */
    bool eof;
} pty_out;

/* Read what is there within timeout ms; returns bytes read (0 on timeout). */
static size_t pty_read(pty_out *p, int timeout)
{
    struct pollfd pf = {p->fd, POLLIN, 0};
    if (p->eof || poll(&pf, 1, timeout) <= 0)
        return 0;
    char tmp[65536];
    ssize_t r = read(p->fd, tmp, sizeof tmp);
    if (r <= 0) {
        p->eof = true;
        return 0;
    }
    if (p->len + (size_t)r + 1 > p->cap) {
        p->cap = (p->len + (size_t)r + 1) * 2;
        p->buf = kb_realloc(p->buf, p->cap);
    }
    memcpy(p->buf + p->len, tmp, (size_t)r);
    p->len += (size_t)r;
    p->buf[p->len] = '\0';
    p->last = now_ms();
    return (size_t)r;
}

/* Read until text occurs after offset from, then until quiet_ms pass with
 * no output; false on timeout or end of output. */
static bool pty_wait(pty_out *p, size_t from, const char *text, int quiet_ms, double timeout_ms)
{
    double end = now_ms() + timeout_ms;
    while (!p->eof && now_ms() < end) {
        if (p->len > from && memmem(p->buf + from, p->len - from, text, strlen(text)))
            break;
        pty_read(p, 50);
    }
    if (p->len <= from || !memmem(p->buf + from, p->len - from, text, strlen(text)))
        return false;
    while (!p->eof && pty_read(p, quiet_ms) > 0)
        ;
    return true;
}

static double proc_cpu_ms(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    unsigned long long ns = 0;
    if (f) {
        int ok = fscanf(f, "%llu", &ns);
        fclose(f);
        if (ok == 1)
            return (double)ns / 1e6;
    }
    /* fall back to utime + stime in clock ticks */
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    double ms = -1;
    if (fgets(line, sizeof line, f)) {
        char *p = strrchr(line, ')');
        unsigned long ut = 0, st = 0;
        if (p &&
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
            ms = (double)(ut + st) * 1e3 / (double)sysconf(_SC_CLK_TCK);
    }
    fclose(f);
    return ms;
}

static long proc_hwm_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static int run_quiet(char *const *args)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
        }
        execvp(args[0], args);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int cmd_tui(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: kb-bench tui BIN BOARD USER PASSFILE --ready TEXT [--case N] "
                        "[--moves M] [--seed S]\n");
        return 64;
    }
    const char *bin = argv[2], *board = argv[3], *user = argv[4], *passfile = argv[5];
    const char *ready = NULL, *casen = NULL;
    int moves = 10, seed = (int)(getpid() % 8);
    for (int i = 6; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--ready") == 0)
            ready = argv[i + 1];
        else if (strcmp(argv[i], "--case") == 0)
            casen = argv[i + 1];
        else if (strcmp(argv[i], "--moves") == 0)
            moves = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seed") == 0)
            seed = atoi(argv[i + 1]);
    }
    if (!ready) {
        fprintf(stderr, "kb-bench tui: --ready TEXT is required\n");
        return 64;
    }
    struct winsize ws = {.ws_row = 40, .ws_col = 120};
    int master = -1;
    double t0 = now_ms();
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid < 0) {
        perror("kb-bench: forkpty");
        return 1;
    }
    if (pid == 0) {
        setenv("TERM", "xterm-256color", 1);
        setenv("LC_ALL", "C.UTF-8", 1);
        unsetenv("NO_COLOR");
        execl(bin, bin, "--db", board, "--user", user, "--passphrase-file", passfile, (char *)NULL);
        _exit(127);
    }
    pty_out p = {.fd = master};
    int rc = 1;
    double first = 0, per_move = 0, change_cpu = 0, change_wall = 0;
    long hwm = -1;
    if (!pty_wait(&p, 0, ready, 300, 600000)) {
        fprintf(stderr, "kb-bench tui: the first frame never showed \"%s\"\n", ready);
        goto out;
    }
    first = p.last - t0;
    /* the case to change: the first card drawn ("#N " in the output) */
    char casebuf[16] = "";
    if (!casen) {
        for (size_t i = 0; i + 1 < p.len && !casebuf[0]; i++) {
            size_t j = i + 1;
            while (j < p.len && j - i < 10 && p.buf[j] >= '0' && p.buf[j] <= '9')
                j++;
            if (p.buf[i] == '#' && j > i + 1 && j < p.len && p.buf[j] == ' ')
                snprintf(casebuf, sizeof casebuf, "%.*s", (int)(j - i - 1), p.buf + i + 1);
        }
        if (!casebuf[0]) {
            fprintf(stderr, "kb-bench tui: no case number (#N) in the first frame\n");
            goto out;
        }
        casen = casebuf;
    }
    /* bytes per cursor move: each key's whole response (until 80 ms quiet) */
    size_t before = p.len;
    for (int k = 0; k < 2 * moves; k++) {
        if (write(master, k < moves ? "j" : "k", 1) != 1)
            goto out;
        double end = now_ms() + 2000;
        size_t start = p.len;
        while (p.len == start && now_ms() < end && !p.eof)
            pty_read(&p, 50);
        while (!p.eof && pty_read(&p, 80) > 0)
            ;
    }
    per_move = moves ? (double)(p.len - before) / (2.0 * moves) : 0;
    /* a change made by someone else: a new title, drawn on the card.  Its
     * first five letters differ, place by place, from the title the run
     * with seed - 1 gave (ncurses writes only the cells that change). */
    static const char abc[] = "QXZJWVKY";
    char title[64], marker[6];
    for (int k = 0; k < 5; k++)
        marker[k] = abc[(unsigned)(seed + k) % 8];
    marker[5] = '\0';
    snprintf(title, sizeof title, "%s bench", marker);
    size_t mark = p.len;
    double c0 = proc_cpu_ms(pid), w0 = now_ms();
    char *edit[] = {(char *)bin,
                    "--db",
                    (char *)board,
                    "--user",
                    (char *)user,
                    "--passphrase-file",
                    (char *)passfile,
                    "case",
                    "edit",
                    (char *)casen,
                    "--title",
                    title,
                    NULL};
    if (run_quiet(edit) != 0) {
        fprintf(stderr, "kb-bench tui: case edit %s failed\n", casen);
        goto out;
    }
    if (!pty_wait(&p, mark, marker, 100, 60000)) {
        fprintf(stderr, "kb-bench tui: the changed title never showed\n");
        goto out;
    }
    change_cpu = proc_cpu_ms(pid) - c0;
    change_wall = p.last - w0;
    hwm = proc_hwm_kb(pid);
    rc = 0;
out:
    if (write(master, "Q", 1) != 1) { /* quit; kill it if it does not */
    }
    for (double end = now_ms() + 5000; now_ms() < end;) {
        pty_read(&p, 50);
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            pid = 0;
            break;
        }
    }
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    close(master);
    kb_free(&p.buf);
    if (rc == 0)
        printf("first_frame_ms %.2f bytes_per_move %.1f change_cpu_ms %.2f change_wall_ms %.2f "
               "rss_kb %ld\n",
               first, per_move, change_cpu, change_wall, hwm);
    return rc;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    const char *c = argc > 1 ? argv[1] : "";
    if (strcmp(c, "gen") == 0)
        return cmd_gen(argc, argv);
    if (strcmp(c, "unlock") == 0)
        return cmd_unlock(argc, argv);
    if (strcmp(c, "floor") == 0)
        return cmd_floor(argc, argv);
    if (strcmp(c, "exec") == 0)
        return cmd_exec(argc, argv);
    if (strcmp(c, "tui") == 0)
        return cmd_tui(argc, argv);
    fprintf(stderr, "usage: kb-bench gen|unlock|floor|exec|tui ...\n");
    return 64;
}
