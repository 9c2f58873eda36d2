/* Store tests: sealed values are bound to board, table and key; keyslots
 * refuse wrong passphrases and changed KDF parameters; versions conflict;
 * the audit log verifies and detects tampering. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernboard/mem.h"
#include "kernboard/store.h"
#include "kb_test.h"

static char kb_dir[300];

static void kb_setup(void)
{
    kb_test_dir(kb_dir, sizeof kb_dir, "store");
}

static void kb_teardown(void)
{
    kb_test_dir_remove(kb_dir);
}

static kb_store *kb_new_board(const char *name, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/%s", kb_dir, name);
    kb_secret *p = kb_test_pass("correct horse battery");
    kb_store_opts o = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    kb_store *s = NULL;
    kb_err e;
    int rc = kb_store_create(path, "anna", p, KB_KDF_INTERACTIVE, &o, &s, &e);
    kb_secret_free(&p);
    cr_assert_eq(rc, KB_OK, "create: %s", e.msg);
    return s;
}

static kb_store *kb_reopen(const char *path, const char *user, const char *pass, int *rc_out)
{
    kb_secret *p = kb_test_pass(pass);
    kb_store_opts o = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    kb_store *s = NULL;
    kb_err e;
    *rc_out = kb_store_open(path, user, p, &o, &s, &e);
    kb_secret_free(&p);
    return s;
}

static void kb_put1(kb_store *s, enum kb_table t, const unsigned char *key, const char *val)
{
    kb_txn *tx = NULL;
    kb_err e;
    cr_assert_eq(kb_store_write(s, "test.put", NULL, &tx, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_put(tx, t, key, 16, val, strlen(val), KB_VERSION_ANY, NULL, NULL, &e),
                 KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&tx, &e), KB_OK, "%s", e.msg);
}

static int kb_get1(kb_store *s, enum kb_table t, const unsigned char *key, char **out)
{
    kb_txn *tx = NULL;
    kb_err e;
    cr_assert_eq(kb_store_read(s, &tx, &e), KB_OK);
    int rc = kb_txn_get(tx, t, key, 16, out, NULL, NULL, &e);
    kb_txn_abort(&tx);
    return rc;
}

/* Raw LMDB access to the board file, as an attacker with the file would. */
static void kb_raw_copy(const char *src_path, const char *src_db, const unsigned char *src_key,
                        const char *dst_path, const char *dst_db, const unsigned char *dst_key)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {16, (void *)src_key}, v;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    mdb_env_set_mapsize(env, (size_t)1 << 30);
    cr_assert_eq(mdb_env_open(env, src_path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, src_db, 0, &dbi), 0);
    cr_assert_eq(mdb_get(txn, dbi, &k, &v), 0);
    void *copy = kb_memdup(v.mv_data, v.mv_size);
    size_t n = v.mv_size;
    mdb_txn_abort(txn);
    mdb_env_close(env);

    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    mdb_env_set_mapsize(env, (size_t)1 << 30);
    cr_assert_eq(mdb_env_open(env, dst_path, MDB_NOSUBDIR | MDB_NOLOCK, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, dst_db, MDB_CREATE, &dbi), 0);
    MDB_val k2 = {16, (void *)dst_key}, v2 = {n, copy};
    cr_assert_eq(mdb_put(txn, dbi, &k2, &v2, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    free(copy);
}

static const unsigned char K1[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
static const unsigned char K2[16] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};

TestSuite(store, .init = kb_setup, .fini = kb_teardown, .timeout = 120);

Test(store, put_get_round_trip_and_versions)
{
    char path[400];
    kb_store *s = kb_new_board("a.kb", path, sizeof path);
    kb_put1(s, KB_T_CASES, K1, "hello");
    char *v = NULL;
    cr_assert_eq(kb_get1(s, KB_T_CASES, K1, &v), KB_OK);
    cr_assert_str_eq(v, "hello");
    kb_free(&v);
    cr_assert_eq(kb_get1(s, KB_T_CASES, K2, &v), KB_ENOENT);

    kb_txn *tx = NULL;
    kb_err e;
    uint64_t ver = 0;
    cr_assert_eq(kb_store_write(s, "t", NULL, &tx, &e), KB_OK);
    cr_assert_eq(kb_txn_put(tx, KB_T_CASES, K1, 16, "x", 1, 1, &ver, NULL, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(ver, 2);
    /* stale version, and "must be new" on an existing record */
    cr_assert_eq(kb_txn_put(tx, KB_T_CASES, K1, 16, "y", 1, 1, NULL, NULL, &e), KB_ECONFLICT);
    cr_assert_eq(kb_txn_put(tx, KB_T_CASES, K1, 16, "y", 1, KB_VERSION_NEW, NULL, NULL, &e),
                 KB_ECONFLICT);
    cr_assert_eq(kb_txn_commit(&tx, &e), KB_OK);
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "%s", e.msg);
    cr_assert_gt(rep.entries, 2);
    kb_store_close(&s);
}

Test(store, value_moved_to_other_key_table_or_board_fails_authentication)
{
    char pa[400], pb[400];
    kb_store *a = kb_new_board("a.kb", pa, sizeof pa);
    kb_store *b = kb_new_board("b.kb", pb, sizeof pb);
    kb_put1(a, KB_T_CASES, K1, "secret of board a");
    kb_put1(b, KB_T_CASES, K1, "board b");
    kb_store_close(&a);
    kb_store_close(&b);
    kb_raw_copy(pa, "cases", K1, pa, "cases", K2); /* other key */
    kb_raw_copy(pa, "cases", K1, pa, "depts", K1); /* other table */
    kb_raw_copy(pa, "cases", K1, pb, "cases", K2); /* other board */
    int rc;
    a = kb_reopen(pa, "anna", "correct horse battery", &rc);
    cr_assert_eq(rc, KB_OK);
    b = kb_reopen(pb, "anna", "correct horse battery", &rc);
    cr_assert_eq(rc, KB_OK);
    char *v = NULL;
    cr_assert_eq(kb_get1(a, KB_T_CASES, K1, &v), KB_OK, "the original still reads");
    kb_free(&v);
    cr_assert_eq(kb_get1(a, KB_T_CASES, K2, &v), KB_EDATA, "copied to another key");
    cr_assert_eq(kb_get1(a, KB_T_DEPTS, K1, &v), KB_EDATA, "copied to another table");
    cr_assert_eq(kb_get1(b, KB_T_CASES, K2, &v), KB_EDATA, "copied to another board");
    kb_err e;
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(a, &rep, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "verify failed"), "%s", e.msg);
    kb_store_close(&a);
    kb_store_close(&b);
}

Test(store, wrong_passphrase_and_unknown_user_refused)
{
    char pa[400];
    kb_store *a = kb_new_board("a.kb", pa, sizeof pa);
    kb_store_close(&a);
    int rc;
    a = kb_reopen(pa, "anna", "wrong passphrase", &rc);
    cr_assert_null(a);
    cr_assert_eq(rc, KB_EPERM);
    a = kb_reopen(pa, "bob", "correct horse battery", &rc);
    cr_assert_null(a);
    cr_assert_eq(rc, KB_EPERM);
    a = kb_reopen(pa, "anna", "correct horse battery", &rc);
    cr_assert_eq(rc, KB_OK);
    kb_store_close(&a);
}

Test(store, changed_kdf_parameters_break_the_slot)
{
    char pa[400];
    kb_store *a = kb_new_board("a.kb", pa, sizeof pa);
    kb_store_close(&a);
    /* bump the stored opslimit of every keyslot by one */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *c;
    MDB_val k, v;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    cr_assert_eq(mdb_env_open(env, pa, MDB_NOSUBDIR | MDB_NOLOCK, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, "keyslots", 0, &dbi), 0);
    cr_assert_eq(mdb_cursor_open(txn, dbi, &c), 0);
    int n = 0;
    while (mdb_cursor_get(c, &k, &v, n ? MDB_NEXT : MDB_FIRST) == 0) {
        unsigned char *blob = kb_memdup(v.mv_data, v.mv_size);
        blob[11] ^= 1; /* low byte of the big-endian opslimit */
        MDB_val nv = {v.mv_size, blob};
        cr_assert_eq(mdb_cursor_put(c, &k, &nv, MDB_CURRENT), 0);
        free(blob);
        n++;
    }
    cr_assert_eq(n, 1);
    mdb_cursor_close(c);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    int rc;
    a = kb_reopen(pa, "anna", "correct horse battery", &rc);
    cr_assert_null(a);
    cr_assert_eq(rc, KB_EPERM);
}

static int kb_count_visit(void *ctx, const unsigned char *key, size_t klen, const char *val,
                          size_t vlen, uint64_t version)
{
    (void)key;
    (void)klen;
    (void)val;
    (void)vlen;
    (void)version;
    (*(int *)ctx)++;
    return 0;
}

static int kb_feed_visit(void *ctx, const kb_change *c)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

Test(store, second_user_index_each_and_change_feed)
{
    char pa[400];
    kb_store *a = kb_new_board("a.kb", pa, sizeof pa);
    kb_err e;
    kb_secret *p = kb_test_pass("bobs passphrase");
    kb_slot_draft *d = NULL;
    cr_assert_eq(kb_store_slot_prepare(a, "bob", p, KB_KDF_INTERACTIVE, &d, &e), KB_OK, "%s",
                 e.msg);
    kb_txn *tx = NULL;
    cr_assert_eq(kb_store_write(a, "user.add", NULL, &tx, &e), KB_OK);
    cr_assert_eq(kb_txn_slot_add(tx, d, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_index_put(tx, "case#1", K1, &e), KB_OK);
    cr_assert_eq(kb_txn_put(tx, KB_T_CASES, K1, 16, "one", 3, KB_VERSION_NEW, NULL, NULL, &e),
                 KB_OK);
    cr_assert_eq(kb_txn_put(tx, KB_T_CASES, K2, 16, "two", 3, KB_VERSION_NEW, NULL, NULL, &e),
                 KB_OK);
    uint64_t seq0 = kb_txn_audit_seq(tx);
    cr_assert_eq(kb_txn_commit(&tx, &e), KB_OK);
    kb_slot_draft_free(&d);
    kb_secret_free(&p);
    kb_store_close(&a);

    int rc;
    kb_store *b = kb_reopen(pa, "bob", "bobs passphrase", &rc);
    cr_assert_eq(rc, KB_OK, "bob can open the board with his own passphrase");
    unsigned char key[16];
    cr_assert_eq(kb_store_read(b, &tx, &e), KB_OK);
    cr_assert_eq(kb_txn_index_get(tx, "case#1", key, &e), KB_OK);
    cr_assert_arr_eq(key, K1, 16);
    cr_assert_eq(kb_txn_index_get(tx, "case#2", key, &e), KB_ENOENT);
    int count = 0;
    cr_assert_eq(kb_txn_each(tx, KB_T_CASES, NULL, 0, kb_count_visit, &count, &e), KB_OK);
    cr_assert_eq(count, 2);
    int changes = 0;
    cr_assert_eq(kb_txn_changes_since(tx, seq0 - 2, kb_feed_visit, &changes, &e), KB_OK);
    cr_assert_eq(changes, 2);
    kb_txn_abort(&tx);
    kb_put1(b, KB_T_CASES, K1, "edited by bob");
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(b, &rep, &e), KB_OK, "%s", e.msg);
    kb_store_close(&b);
}

Test(store, create_refuses_existing_board)
{
    char pa[400];
    kb_store *a = kb_new_board("a.kb", pa, sizeof pa);
    kb_store_close(&a);
    kb_secret *p = kb_test_pass("x");
    kb_err e;
    kb_store_opts o = {.state_dir = kb_dir};
    cr_assert_eq(kb_store_create(pa, "anna", p, KB_KDF_INTERACTIVE, &o, &a, &e), KB_ECANTCREAT);
    kb_secret_free(&p);
    struct stat st;
    cr_assert_eq(stat(pa, &st), 0, "the existing board is untouched");
}

Test(store, lock_and_data_files_have_no_world_access)
{
    char pa[400], lk[420];
    kb_store *a = kb_new_board("a.kb", pa, sizeof pa);
    kb_store_close(&a);
    snprintf(lk, sizeof lk, "%s.lock", pa);
    struct stat st;
    cr_assert_eq(stat(pa, &st), 0);
    cr_assert_eq(st.st_mode & 007, 0, "board mode %o", st.st_mode & 0777);
    cr_assert_eq(stat(lk, &st), 0);
    cr_assert_eq(st.st_mode & 007, 0, "lock mode %o", st.st_mode & 0777);
}

Test(store, removed_user_cannot_write_and_verify_knows_the_cutoff)
{
    char pa[400];
    kb_store *a = kb_new_board("a.kb", pa, sizeof pa);
    kb_err e;
    kb_secret *p = kb_test_pass("bobs passphrase");
    kb_slot_draft *d = NULL;
    cr_assert_eq(kb_store_slot_prepare(a, "bob", p, KB_KDF_INTERACTIVE, &d, &e), KB_OK);
    kb_txn *tx = NULL;
    cr_assert_eq(kb_store_write(a, "user.add", NULL, &tx, &e), KB_OK);
    cr_assert_eq(kb_txn_slot_add(tx, d, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&tx, &e), KB_OK);
    unsigned char bob_id[KB_KEY_LEN];
    memcpy(bob_id, kb_slot_draft_id(d), KB_KEY_LEN);
    kb_slot_draft_free(&d);
    kb_secret_free(&p);
    int rc;
    kb_store *b = kb_reopen(pa, "bob", "bobs passphrase", &rc);
    cr_assert_eq(rc, KB_OK);
    kb_put1(b, KB_T_CASES, K1, "written by bob while he had access");
    /* anna removes bob while his session is open */
    cr_assert_eq(kb_store_write(a, "user.remove", NULL, &tx, &e), KB_OK);
    cr_assert_eq(kb_txn_slot_remove(tx, bob_id, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&tx, &e), KB_OK);
    cr_assert_eq(kb_store_write(b, "case.edit", NULL, &tx, &e), KB_EPERM,
                 "a removed user's open session can no longer write");
    cr_assert(strstr(e.msg, "removed"), "%s", e.msg);
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(a, &rep, &e), KB_OK, "bob's earlier entries still verify: %s",
                 e.msg);
    kb_store_close(&b);
    kb_store_close(&a);
}
