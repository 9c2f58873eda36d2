/* Staged imports (stage.c, issue 16; docs/storage.md "Staged imports"):
 * records written by staging transactions are the board's for nobody but
 * those transactions (get, scans, counts, snapshots, a change of one) until
 * the finishing transaction's commit; the staging transactions refuse to
 * change records the board has; a discard removes what was staged; verify
 * passes meanwhile; a snapshot during which an import finishes starts
 * again, so it holds the imported records. */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernboard/mem.h"
#include "kernboard/store.h"
#include "store/store_internal.h"
#include "kb_test.h"

static char kb_dir[300];

static void kb_setup(void)
{
    kb_test_dir(kb_dir, sizeof kb_dir, "stage");
}

static void kb_teardown(void)
{
    kb_test_dir_remove(kb_dir);
}

TestSuite(stage, .init = kb_setup, .fini = kb_teardown, .timeout = 120);

typedef struct kb_finisher {
    kb_store *s;
    unsigned calls, at; /* finish the import at call `at` */
    bool done;
} kb_finisher;

static void kb_finish_import(kb_store *s, uint64_t want)
{
    kb_err e;
    kb_txn *t = NULL;
    uint64_t n = 0;
    cr_assert_eq(kb_store_write(s, KB_ACTION_IMPORT_FINISH, NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_stage_finish(t, &n, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(n, want, "%llu records became the board's, not %llu", (unsigned long long)n,
                 (unsigned long long)want);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
}

static void kb_finisher_between(void *ctx)
{
    kb_finisher *f = ctx;
    if (++f->calls == f->at) {
        kb_finish_import(f->s, 10);
        f->done = true;
    }
}

static kb_store *kb_board(size_t snap_chunk, kb_finisher *f)
{
    char path[400];
    snprintf(path, sizeof path, "%s/stage.kb", kb_dir);
    kb_secret *p = kb_test_pass("correct horse battery");
    kb_store_opts o = {.state_dir = kb_dir,
                       .lock_timeout_ms = 2000,
                       .snap_chunk = snap_chunk,
                       .snap_between = f ? kb_finisher_between : NULL,
                       .snap_ctx = f};
    kb_store *s = NULL;
    kb_err e;
    int rc = kb_store_create(path, "anna", p, KB_KDF_INTERACTIVE, &o, &s, &e);
    kb_secret_free(&p);
    cr_assert_eq(rc, KB_OK, "create: %s", e.msg);
    if (f)
        f->s = s;
    return s;
}

static void kb_key(unsigned i, unsigned char k[16])
{
    memset(k, 0, 16);
    k[0] = 0xc0;
    k[14] = (unsigned char)(i >> 8);
    k[15] = (unsigned char)i;
}

/* Cases first .. first + n - 1: in a plain write transaction, or staged. */
static void kb_cases(kb_store *s, unsigned first, unsigned n, bool staged)
{
    kb_err e;
    kb_txn *t = NULL;
    int rc = staged ? kb_store_write_staged(s, KB_ACTION_IMPORT_STAGE, false, &t, &e)
                    : kb_store_write(s, "test.cases", NULL, &t, &e);
    cr_assert_eq(rc, KB_OK, "%s", e.msg);
    for (unsigned i = first; i < first + n; i++) {
        unsigned char k[16];
        char v[32];
        kb_key(i, k);
        int len = snprintf(v, sizeof v, "case %u", i);
        cr_assert_eq(
            kb_txn_put(t, KB_T_CASES, k, 16, v, (size_t)len, KB_VERSION_NEW, NULL, NULL, &e), KB_OK,
            "%s", e.msg);
    }
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
}

static int kb_count_visit(void *ctx, const unsigned char *key, size_t klen, const char *val,
                          size_t vlen, uint64_t version)
{
    (void)key, (void)klen, (void)val, (void)vlen, (void)version;
    (*(size_t *)ctx)++;
    return 0;
}

static int kb_snap_visit(void *ctx, size_t index, const unsigned char *key, size_t klen,
                         const char *val, size_t vlen, uint64_t version)
{
    (void)ctx, (void)index, (void)key, (void)klen, (void)val, (void)vlen, (void)version;
    return 0;
}

/* The cases as a reader sees them, four ways that must agree. */
static size_t kb_seen(kb_store *s)
{
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    size_t each = 0, count = 0;
    cr_assert_eq(kb_txn_each(t, KB_T_CASES, NULL, 0, kb_count_visit, &each, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_eq(kb_txn_count(t, KB_T_CASES, &count, &e), KB_OK, "%s", e.msg);
    kb_snap *sn = NULL;
    cr_assert_eq(kb_txn_snap(t, KB_T_CASES, NULL, 0, &sn, &e), KB_OK, "%s", e.msg);
    kb_txn_abort(&t);
    size_t snapped = kb_snap_count(sn);
    cr_assert_eq(kb_snap_open(sn, kb_snap_visit, NULL, &e), KB_OK, "%s", e.msg);
    kb_snap_free(&sn);
    cr_assert_eq(each, count, "each %zu, count %zu", each, count);
    cr_assert_eq(each, snapped, "each %zu, snap %zu", each, snapped);
    return each;
}

static int kb_get(kb_store *s, unsigned i, uint64_t *ver)
{
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    unsigned char k[16];
    kb_key(i, k);
    char *v = NULL;
    size_t n = 0;
    int rc = kb_txn_get(t, KB_T_CASES, k, 16, &v, &n, ver, &e);
    kb_free(&v);
    kb_txn_abort(&t);
    return rc;
}

static void kb_verified(kb_store *s, const char *when)
{
    kb_verify_report rep;
    kb_err e;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "verify %s: %s", when, e.msg);
}

Test(stage, staged_records_are_the_boards_only_after_the_finish)
{
    kb_store *s = kb_board(0, NULL);
    kb_err e;
    kb_cases(s, 0, 3, false);
    kb_cases(s, 100, 5, true); /* two staging transactions */
    kb_cases(s, 105, 5, true);
    kb_txn *t = NULL;
    /* a staged record changed by a later staging transaction stays staged */
    cr_assert_eq(kb_store_write_staged(s, KB_ACTION_IMPORT_STAGE, false, &t, &e), KB_OK, "%s",
                 e.msg);
    unsigned char k[16];
    kb_key(101, k);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "again", 5, 1, NULL, NULL, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);

    kb_stage_info si;
    cr_assert_eq(kb_store_stage_info(s, &si, &e), KB_OK, "%s", e.msg);
    cr_assert(si.present && si.mine && si.alive);
    cr_assert_eq(si.records, 10);
    cr_assert_eq(kb_seen(s), 3, "the staged cases are not the board's yet");
    uint64_t ver = 0;
    cr_assert_eq(kb_get(s, 102, &ver), KB_ENOENT);
    cr_assert_eq(kb_get(s, 1, &ver), KB_OK);
    /* a snapshot (export) leaves them out */
    enum kb_table tabs[] = {KB_T_CASES};
    cr_assert_eq(kb_store_snapshot(s, tabs, 1, &t, &e), KB_OK, "%s", e.msg);
    size_t n = 0;
    cr_assert_eq(kb_txn_count(t, KB_T_CASES, &n, &e), KB_OK, "%s", e.msg);
    kb_txn_abort(&t);
    cr_assert_eq(n, 3);
    /* a plain change of one is a conflict */
    cr_assert_eq(kb_store_write(s, "test.clash", NULL, &t, &e), KB_OK, "%s", e.msg);
    kb_key(103, k);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "mine", 4, KB_VERSION_NEW, NULL, NULL, &e),
                 KB_ECONFLICT);
    cr_assert(strstr(e.msg, "import") != NULL, "%s", e.msg);
    kb_txn_abort(&t);
    kb_verified(s, "while staged");

    kb_finish_import(s, 10);
    cr_assert_eq(kb_seen(s), 13);
    cr_assert_eq(kb_get(s, 102, &ver), KB_OK);
    cr_assert_eq(kb_get(s, 101, &ver), KB_OK);
    cr_assert_eq(ver, 2, "the staged change is the record's version");
    cr_assert_eq(kb_store_stage_info(s, &si, &e), KB_OK, "%s", e.msg);
    cr_assert(!si.present);
    kb_verified(s, "after the finish");
    /* and they are plain records now: changed by a plain transaction */
    cr_assert_eq(kb_store_write(s, "test.edit", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "edited", 6, 1, NULL, NULL, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    kb_verified(s, "after a change");
    kb_store_close(&s);
}

Test(stage, a_staging_transaction_changes_no_record_of_the_board)
{
    kb_store *s = kb_board(0, NULL);
    kb_err e;
    kb_cases(s, 0, 3, false);
    kb_txn *t = NULL;
    unsigned char k[16];
    kb_key(1, k);
    cr_assert_eq(kb_store_write_staged(s, KB_ACTION_IMPORT_STAGE, false, &t, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "x", 1, KB_VERSION_ANY, NULL, NULL, &e),
                 KB_ESOFTWARE);
    kb_txn_abort(&t);
    cr_assert_eq(kb_store_write_staged(s, KB_ACTION_IMPORT_STAGE, false, &t, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_eq(kb_txn_del(t, KB_T_CASES, k, 16, KB_VERSION_ANY, NULL, &e), KB_ESOFTWARE);
    kb_txn_abort(&t);
    /* (nothing was staged: no import on the board) */
    kb_stage_info si;
    cr_assert_eq(kb_store_stage_info(s, &si, &e), KB_OK, "%s", e.msg);
    cr_assert(!si.present);
    cr_assert_eq(kb_seen(s), 3);
    kb_store_close(&s);
}

Test(stage, a_discard_removes_what_was_staged)
{
    kb_store *s = kb_board(0, NULL);
    kb_err e;
    kb_cases(s, 0, 3, false);
    kb_cases(s, 200, 20, true);
    uint64_t gone = 0;
    cr_assert_eq(kb_store_stage_discard(s, &gone, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(gone, 20);
    kb_stage_info si;
    cr_assert_eq(kb_store_stage_info(s, &si, &e), KB_OK, "%s", e.msg);
    cr_assert(!si.present);
    cr_assert_eq(kb_seen(s), 3);
    uint64_t ver;
    cr_assert_eq(kb_get(s, 205, &ver), KB_ENOENT);
    kb_verified(s, "after the discard");
    /* the same keys can be written again */
    kb_cases(s, 200, 20, false);
    cr_assert_eq(kb_seen(s), 23);
    kb_verified(s, "after writing them");
    kb_store_close(&s);
}

Test(stage, a_snapshot_during_which_an_import_finishes_holds_it)
{
    kb_finisher f = {.at = 2};
    kb_store *s = kb_board(2, &f);
    kb_err e;
    /* the staged cases first in key order: copied (left out) before the
     * finish, and named by no later audit entry */
    kb_cases(s, 100, 9, false);
    kb_cases(s, 0, 10, true);
    enum kb_table tabs[] = {KB_T_CASES};
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_snapshot(s, tabs, 1, &t, &e), KB_OK, "%s", e.msg);
    cr_assert(f.done, "the import did not finish during the snapshot (%u calls)", f.calls);
    size_t n = 0;
    cr_assert_eq(kb_txn_count(t, KB_T_CASES, &n, &e), KB_OK, "%s", e.msg);
    unsigned char k[16];
    kb_key(5, k);
    char *v = NULL;
    int rc = kb_txn_get(t, KB_T_CASES, k, 16, &v, NULL, NULL, &e);
    kb_free(&v);
    kb_txn_abort(&t);
    cr_assert_eq(n, 19, "the snapshot holds %zu cases, not the 19 after the import", n);
    cr_assert_eq(rc, KB_OK, "an imported case is not in the snapshot: %s", e.msg);
    kb_store_close(&s);
}

/* Table stage of the board file, opened with plain LMDB in a write
 * transaction (as someone with the file would). */
static MDB_dbi kb_raw_stage(MDB_env **env, MDB_txn **txn)
{
    char path[400];
    snprintf(path, sizeof path, "%s/stage.kb", kb_dir);
    MDB_dbi dbi;
    cr_assert_eq(mdb_env_create(env), 0);
    mdb_env_set_maxdbs(*env, 64);
    mdb_env_set_mapsize(*env, (size_t)1 << 30);
    cr_assert_eq(mdb_env_open(*env, path, MDB_NOSUBDIR | MDB_NOLOCK, 0600), 0);
    cr_assert_eq(mdb_txn_begin(*env, NULL, 0, txn), 0);
    cr_assert_eq(mdb_dbi_open(*txn, "stage", 0, &dbi), 0);
    return dbi;
}

/* Table stage is plain: someone with the file can add to it.  A listing
 * of a record the board has (the map has it) hides nothing from a scan,
 * is not deleted by a discard (which refuses, naming the damage), and
 * verify names it. */
Test(stage, a_listing_of_a_board_record_hides_and_removes_nothing)
{
    kb_store *s = kb_board(0, NULL);
    kb_err e;
    kb_cases(s, 0, 3, false);
    kb_cases(s, 400, 2, true); /* a real import under way: its description */
    unsigned char k[16], sk[17], ent[KB_STAGE_ENT];
    kb_key(1, k);
    sk[0] = KB_T_CASES;
    memcpy(sk + 1, k, 16);
    kb_vm_digest(s, KB_T_CASES, k, 16, ent);
    memset(ent + KB_KEY_LEN, 0, sizeof ent - KB_KEY_LEN); /* (a MAC made up) */
    ent[KB_VM_ENT - 1] = 1;                               /* the case's version */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi = kb_raw_stage(&env, &txn);
    MDB_val kv = {sizeof sk, sk}, vv = {sizeof ent, ent};
    cr_assert_eq(mdb_put(txn, dbi, &kv, &vv, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    cr_assert_eq(kb_seen(s), 3, "a scan lost a case of the board");
    uint64_t ver;
    cr_assert_eq(kb_get(s, 1, &ver), KB_OK);
    kb_verify_report rep;
    cr_assert_neq(kb_store_verify(s, &rep, &e), KB_OK, "verify passed");
    cr_assert(strstr(e.msg, "stage") != NULL, "%s", e.msg);
    /* a staging transaction refuses to change it */
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_write_staged(s, KB_ACTION_IMPORT_STAGE, false, &t, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "x", 1, 1, NULL, NULL, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "table stage") != NULL, "%s", e.msg);
    kb_txn_abort(&t);
    /* the discard removes the import's records and the listing, not the case */
    uint64_t gone = 0;
    cr_assert_eq(kb_store_stage_discard(s, &gone, &e), KB_OK, "discard: %s", e.msg);
    cr_assert_eq(kb_get(s, 1, &ver), KB_OK, "the discard deleted a case of the board");
    cr_assert_eq(kb_get(s, 400, &ver), KB_ENOENT);
    cr_assert_eq(kb_seen(s), 3);
    kb_verified(s, "after the discard");
    kb_store_close(&s);
}

/* An import whose table another session removed (it took the importer for
 * dead) does not go on with a new one: what it staged later would become
 * the board's without what went. */
Test(stage, an_import_whose_records_went_meanwhile_stops)
{
    kb_store *s = kb_board(0, NULL);
    kb_err e;
    kb_cases(s, 0, 3, false);
    kb_cases(s, 500, 4, true);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi = kb_raw_stage(&env, &txn);
    cr_assert_eq(mdb_drop(txn, dbi, 1), 0); /* as a discard by another host would */
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_write_staged(s, KB_ACTION_IMPORT_STAGE, false, &t, &e), KB_ECONFLICT,
                 "a staging transaction began on a new table");
    cr_assert(strstr(e.msg, "removed by another session") != NULL, "%s", e.msg);
    cr_assert_eq(kb_store_write(s, KB_ACTION_IMPORT_FINISH, NULL, &t, &e), KB_OK, "%s", e.msg);
    uint64_t n = 0;
    cr_assert_neq(kb_txn_stage_finish(t, &n, &e), KB_OK, "finished an import that is gone");
    kb_txn_abort(&t);
    kb_store_close(&s);
}
