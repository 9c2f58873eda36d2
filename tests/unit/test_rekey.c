/* rekey in batches through a side file (src/store/rekey.c): interrupted at
 * every batch and resumed, the board stays readable and verifiable in the
 * old epoch until the swap; a board changed since the interruption makes
 * the next rekey start over; index tags and hashed comment keys move to
 * the new keys. */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernboard/mem.h"
#include "kernboard/store.h"
#include "store/store_internal.h"
#include "kb_test.h"

static char kb_dir[300];

static void kb_setup(void)
{
    kb_test_dir(kb_dir, sizeof kb_dir, "rekey");
}

static void kb_teardown(void)
{
    kb_test_dir_remove(kb_dir);
}

TestSuite(rekey, .init = kb_setup, .fini = kb_teardown, .timeout = 240);

static kb_store *kb_board(char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/b.kb", kb_dir);
    kb_secret *p = kb_test_pass("correct horse");
    kb_store_opts o = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    kb_store *s = NULL;
    kb_err e;
    int rc = kb_store_create(path, "anna", p, KB_KDF_INTERACTIVE, &o, &s, &e);
    kb_secret_free(&p);
    cr_assert_eq(rc, KB_OK, "create: %s", e.msg);
    return s;
}

/* n cases (key i), each with an index entry and a comment (hashed key). */
static void kb_fill(kb_store *s, unsigned from, unsigned n)
{
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_write(s, "test.fill", NULL, &t, &e), KB_OK, "%s", e.msg);
    for (unsigned i = from; i < from + n; i++) {
        unsigned char k[16] = {0}, ck[32] = {0};
        k[0] = 0xca;
        kb_put_u32be(k + 12, i);
        char val[64], name[32];
        snprintf(val, sizeof val, "case %u", i);
        snprintf(name, sizeof name, "case#%u", i);
        cr_assert_eq(
            kb_txn_put(t, KB_T_CASES, k, 16, val, strlen(val), KB_VERSION_NEW, NULL, NULL, &e),
            KB_OK, "%s", e.msg);
        cr_assert_eq(kb_txn_index_put(t, name, k, &e), KB_OK, "%s", e.msg);
        memcpy(ck, k, 16);
        ck[31] = 1;
        snprintf(val, sizeof val, "comment on %u", i);
        cr_assert_eq(
            kb_txn_put(t, KB_T_COMMENTS, ck, 32, val, strlen(val), KB_VERSION_NEW, NULL, NULL, &e),
            KB_OK, "%s", e.msg);
    }
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
}

/* Every case, its index entry and its comment read back. */
static void kb_check(kb_store *s, unsigned n)
{
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    for (unsigned i = 0; i < n; i++) {
        unsigned char k[16] = {0}, got[16], ck[32] = {0};
        k[0] = 0xca;
        kb_put_u32be(k + 12, i);
        char name[32], want[64], *v = NULL;
        snprintf(name, sizeof name, "case#%u", i);
        cr_assert_eq(kb_txn_index_get(t, name, got, &e), KB_OK, "%s: %s", name, e.msg);
        cr_assert_eq(memcmp(got, k, 16), 0);
        cr_assert_eq(kb_txn_get(t, KB_T_CASES, k, 16, &v, NULL, NULL, &e), KB_OK, "%s", e.msg);
        snprintf(want, sizeof want, "case %u", i);
        cr_assert_str_eq(v, want);
        kb_free(&v);
        memcpy(ck, k, 16);
        ck[31] = 1;
        cr_assert_eq(kb_txn_get(t, KB_T_COMMENTS, ck, 32, &v, NULL, NULL, &e), KB_OK, "%s", e.msg);
        snprintf(want, sizeof want, "comment on %u", i);
        cr_assert_str_eq(v, want);
        kb_free(&v);
    }
    kb_txn_abort(&t);
}

static void kb_verify_ok(kb_store *s)
{
    kb_verify_report rep;
    kb_err e;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "verify: %s", e.msg);
}

typedef struct kb_events {
    unsigned start, resume, restart, progress, verify, done;
    uint64_t last_done, total;
} kb_events;

static void kb_on_event(void *ctx, enum kb_rekey_event ev, uint64_t done, uint64_t total)
{
    kb_events *x = ctx;
    switch (ev) {
    case KB_REKEY_START:
        x->start++;
        break;
    case KB_REKEY_RESUME:
        x->resume++;
        break;
    case KB_REKEY_RESTART:
        x->restart++;
        break;
    case KB_REKEY_PROGRESS:
        x->progress++;
        cr_assert_geq(done, x->last_done, "progress only goes forward");
        break;
    case KB_REKEY_VERIFY:
        x->verify++;
        break;
    case KB_REKEY_DONE:
        x->done++;
        break;
    }
    x->last_done = done;
    x->total = total;
}

static bool kb_exists(const char *path, const char *suffix)
{
    char p[450];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", path, suffix);
    return stat(p, &st) == 0;
}

Test(rekey, one_batch_at_a_time_resumes_and_the_old_board_stays_verifiable)
{
    char path[400];
    kb_store *s = kb_board(path, sizeof path);
    kb_fill(s, 0, 40);
    uint32_t epoch = s->epoch;
    kb_keys *old = kb_keys_new();
    memcpy(old, s->keys, sizeof *old);
    s->hooks.rekey_batch = 7;
    s->hooks.rekey_stop_after = 1; /* every call stops after one batch, as if killed */
    kb_events ev = {0};
    size_t records = 0;
    kb_err e;
    int rc, calls = 0;
    while ((rc = kb_store_rekey(s, &records, kb_on_event, &ev, &e)) != KB_OK) {
        cr_assert_eq(rc, KB_EIO, "only the test hook stops it: %s", e.msg);
        calls++;
        cr_assert_lt(calls, 200, "the rekey makes progress");
        cr_assert(kb_exists(path, ".rekey"), "the side file stays for the next run");
        cr_assert_eq(s->epoch, epoch, "the board is still in the old epoch");
        kb_verify_ok(s);
        kb_check(s, 40);
    }
    cr_assert_gt(calls, 20, "many interruptions (%d)", calls);
    cr_assert_eq(ev.start, 1);
    cr_assert_eq(ev.resume, (unsigned)calls);
    cr_assert_eq(ev.restart, 0);
    cr_assert_eq(ev.done, 1);
    cr_assert_eq(ev.last_done, ev.total);
    cr_assert_eq(s->epoch, epoch + 1);
    cr_assert_eq(records, 1 + 40 * 3 + 1,
                 "meta access list, 40 x case/index/comment, counter-free "
                 "signers: %zu",
                 records);
    cr_assert_not(kb_exists(path, ".rekey"), "the side file became the board");
    cr_assert_not(kb_exists(path, ".rekey.lock"));
    kb_verify_ok(s);
    kb_check(s, 40);
    /* the old data key (a removed member may have kept it) opens nothing */
    {
        kb_txn *t = NULL;
        MDB_dbi dbi;
        MDB_cursor *c;
        MDB_val k, v;
        cr_assert_eq(kb_store_read(s, &t, &e), KB_OK);
        cr_assert_eq(kb_tdbi(t, KB_T_CASES, &dbi, &e), KB_OK);
        cr_assert_eq(mdb_cursor_open(t->txn, dbi, &c), 0);
        int n = 0;
        for (int g = mdb_cursor_get(c, &k, &v, MDB_FIRST); g == 0;
             g = mdb_cursor_get(c, &k, &v, MDB_NEXT), n++) {
            char *pt = NULL;
            size_t pn = 0;
            cr_assert_neq(kb_val_open(s, old->k_rec, "cases", k.mv_data, k.mv_size, v.mv_data,
                                      v.mv_size, &pt, &pn, NULL, &e),
                          KB_OK, "the old key opens a record of the new epoch");
            cr_assert_eq(kb_val_open(s, s->keys->k_rec, "cases", k.mv_data, k.mv_size, v.mv_data,
                                     v.mv_size, &pt, &pn, NULL, &e),
                         KB_OK);
            kb_free(&pt);
        }
        cr_assert_eq(n, 40);
        mdb_cursor_close(c);
        kb_txn_abort(&t);
    }
    kb_keys_free(&old);
    /* the board goes on as usual in the new epoch */
    kb_fill(s, 40, 3);
    kb_check(s, 43);
    kb_verify_ok(s);
    kb_store_close(&s);
}

/* The version map's bucket count (format 4) a read transaction sees. */
static unsigned kb_vm_bits_now(kb_store *s, uint64_t *count)
{
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_vmap_root(t, &e), KB_OK, "%s", e.msg);
    unsigned bits = t->vm->bits;
    cr_assert_eq(t->vm->layout, 4);
    *count = t->vm->count;
    kb_txn_abort(&t);
    return bits;
}

/* A version map that grew past 256 buckets is rebuilt by the rekey in as
 * many buckets as its records need, 16 buckets a batch (resumed after
 * every batch here), and the board goes on growing afterwards. */
Test(rekey, a_grown_version_map_is_rebuilt_bucket_batch_by_batch)
{
    char path[400];
    kb_store *s = kb_board(path, sizeof path);
    s->vm_grow = 1; /* double at 1 entry a bucket instead of 256 */
    kb_fill(s, 0, 200);
    uint64_t count = 0;
    cr_assert_eq(kb_vm_bits_now(s, &count), 10, "600 and more entries: 1024 buckets");
    s->hooks.rekey_batch = 1000;
    s->hooks.rekey_stop_after = 1;
    size_t records = 0;
    kb_err e;
    int rc, calls = 0;
    while ((rc = kb_store_rekey(s, &records, NULL, NULL, &e)) != KB_OK) {
        cr_assert_eq(rc, KB_EIO, "only the test hook stops it: %s", e.msg);
        cr_assert_lt(++calls, 400, "the rekey makes progress");
    }
    cr_assert_gt(calls, 1024 / 16, "one batch of 16 buckets at a time (%d calls)", calls);
    s->hooks.rekey_stop_after = 0;
    uint64_t after = 0;
    cr_assert_eq(kb_vm_bits_now(s, &after), 10);
    cr_assert_eq(after, records, "the root counts every record");
    kb_verify_ok(s);
    kb_check(s, 200);
    kb_fill(s, 200, 150); /* past 1024 entries: 2048 buckets */
    cr_assert_eq(kb_vm_bits_now(s, &after), 11);
    kb_check(s, 350);
    kb_verify_ok(s);
    kb_store_close(&s);
}

Test(rekey, a_board_changed_since_the_interruption_makes_it_start_over)
{
    char path[400];
    kb_store *s = kb_board(path, sizeof path);
    kb_fill(s, 0, 30);
    s->hooks.rekey_batch = 5;
    s->hooks.rekey_stop_after = 4;
    kb_events ev = {0};
    size_t records = 0;
    kb_err e;
    cr_assert_eq(kb_store_rekey(s, &records, kb_on_event, &ev, &e), KB_EIO);
    cr_assert(kb_exists(path, ".rekey"));
    kb_fill(s, 30, 2); /* the board moves on meanwhile */
    s->hooks.rekey_stop_after = 0;
    memset(&ev, 0, sizeof ev);
    cr_assert_eq(kb_store_rekey(s, &records, kb_on_event, &ev, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(ev.restart, 1, "the stale side file is discarded");
    cr_assert_eq(ev.start, 1);
    cr_assert_eq(ev.resume, 0);
    cr_assert_not(kb_exists(path, ".rekey"));
    kb_verify_ok(s);
    kb_check(s, 32);
    kb_store_close(&s);
}

Test(rekey, a_damaged_side_file_is_discarded)
{
    char path[400], side[450];
    kb_store *s = kb_board(path, sizeof path);
    kb_fill(s, 0, 10);
    snprintf(side, sizeof side, "%s.rekey", path);
    FILE *f = fopen(side, "w");
    cr_assert_not_null(f);
    fputs("not a board", f);
    fclose(f);
    kb_events ev = {0};
    size_t records = 0;
    kb_err e;
    cr_assert_eq(kb_store_rekey(s, &records, kb_on_event, &ev, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(ev.restart, 1);
    kb_verify_ok(s);
    kb_check(s, 10);
    kb_store_close(&s);
}

/* Does the side file have a version map root yet (the rekey is ready)? */
static bool kb_side_ready(const char *side)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {1, "R"}, v;
    bool ready = false;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    mdb_env_set_mapsize(env, (size_t)1 << 30);
    if (mdb_env_open(env, side, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0600) == 0 &&
        mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
        ready = mdb_dbi_open(txn, "vmap", 0, &dbi) == 0 && mdb_get(txn, dbi, &k, &v) == 0;
        mdb_txn_abort(txn);
    }
    mdb_env_close(env);
    return ready;
}

/* Flip a byte of the first value of table tab in the side file. */
static void kb_side_damage(const char *side, const char *tab)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *c;
    MDB_val k, v;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    mdb_env_set_mapsize(env, (size_t)1 << 30);
    cr_assert_eq(mdb_env_open(env, side, MDB_NOSUBDIR | MDB_NOLOCK, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, tab, 0, &dbi), 0);
    cr_assert_eq(mdb_cursor_open(txn, dbi, &c), 0);
    cr_assert_eq(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
    unsigned char *copy = kb_memdup(v.mv_data, v.mv_size);
    copy[v.mv_size - 1] ^= 1;
    MDB_val nv = {v.mv_size, copy};
    cr_assert_eq(mdb_cursor_put(c, &k, &nv, MDB_CURRENT), 0);
    mdb_cursor_close(c);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    free(copy);
}

Test(rekey, a_side_file_that_does_not_check_out_is_not_swapped_in)
{
    static const char *const tabs[] = {"cases", "audit", "vmap"};
    for (int w = 0; w < 3; w++) {
        char path[400], side[450], cmd[500];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'/b.kb*", kb_dir);
        cr_assert_eq(system(cmd), 0);
        kb_store *s = kb_board(path, sizeof path);
        kb_fill(s, 0, 12);
        uint32_t epoch = s->epoch;
        snprintf(side, sizeof side, "%s.rekey", path);
        s->hooks.rekey_batch = 10;
        s->hooks.rekey_stop_after = 1;
        size_t records = 0;
        kb_err e;
        int calls = 0;
        while (!kb_exists(path, ".rekey") || !kb_side_ready(side)) {
            cr_assert_eq(kb_store_rekey(s, &records, NULL, NULL, &e), KB_EIO, "%s", e.msg);
            cr_assert_lt(++calls, 100);
        }
        kb_side_damage(side, tabs[w]);
        s->hooks.rekey_stop_after = 0;
        cr_assert_eq(kb_store_rekey(s, &records, NULL, NULL, &e), KB_EDATA,
                     "damaged %s: refused (%s)", tabs[w], e.msg);
        cr_assert(strstr(e.msg, "does not verify") != NULL, "%s", e.msg);
        cr_assert_not(kb_exists(path, ".rekey"), "the bad side file is gone");
        cr_assert_eq(s->epoch, epoch, "the board is unchanged");
        kb_verify_ok(s);
        kb_check(s, 12);
        /* and the next rekey starts over and succeeds */
        cr_assert_eq(kb_store_rekey(s, &records, NULL, NULL, &e), KB_OK, "%s", e.msg);
        cr_assert_eq(s->epoch, epoch + 1);
        kb_verify_ok(s);
        kb_store_close(&s);
    }
}
