/* Store guards of board format 2: a replayed older value of a comment is
 * refused at read time and named by verify; forged keyslots (junk sorted
 * first, a huge opslimit) neither lock users out nor run their KDF at
 * open, and verify names them. */
#include <criterion/criterion.h>
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
    kb_test_dir(kb_dir, sizeof kb_dir, "guard");
}

static void kb_teardown(void)
{
    kb_test_dir_remove(kb_dir);
}

TestSuite(guard, .init = kb_setup, .fini = kb_teardown, .timeout = 120);

static kb_store *kb_open_as(const char *path, const char *user, const char *pass, int *rc,
                            kb_err *e)
{
    kb_secret *p = kb_test_pass(pass);
    kb_store_opts o = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    kb_store *s = NULL;
    *rc = kb_store_open(path, user, p, &o, &s, e);
    kb_secret_free(&p);
    return s;
}

static kb_store *kb_new_board(char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/g.kb", kb_dir);
    kb_secret *p = kb_test_pass("anna pass");
    kb_store_opts o = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    kb_store *s = NULL;
    kb_err e;
    int rc = kb_store_create(path, "anna", p, KB_KDF_INTERACTIVE, &o, &s, &e);
    kb_secret_free(&p);
    cr_assert_eq(rc, KB_OK, "create: %s", e.msg);
    return s;
}

/* Raw LMDB access, as someone without any key would have it. */
typedef struct kb_raw {
    unsigned char key[64];
    size_t klen;
    unsigned char val[4096];
    size_t vlen;
} kb_raw;

static size_t kb_raw_all(const char *path, const char *db, kb_raw *out, size_t max)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *c;
    MDB_val k, v;
    size_t n = 0;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    cr_assert_eq(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, db, 0, &dbi), 0);
    cr_assert_eq(mdb_cursor_open(txn, dbi, &c), 0);
    for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0 && n < max;
         r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        cr_assert_leq(k.mv_size, sizeof out[n].key);
        cr_assert_leq(v.mv_size, sizeof out[n].val);
        memcpy(out[n].key, k.mv_data, k.mv_size);
        out[n].klen = k.mv_size;
        memcpy(out[n].val, v.mv_data, v.mv_size);
        out[n].vlen = v.mv_size;
        n++;
    }
    mdb_cursor_close(c);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return n;
}

static void kb_raw_put(const char *path, const char *db, const void *key, size_t klen,
                       const void *val, size_t vlen)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    mdb_env_set_mapsize(env, (size_t)1 << 30);
    cr_assert_eq(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, db, MDB_CREATE, &dbi), 0);
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static int kb_count_visit(void *ctx, const unsigned char *key, size_t klen, const char *val,
                          size_t vlen, uint64_t version)
{
    (void)key, (void)klen, (void)val, (void)vlen, (void)version;
    (*(int *)ctx)++;
    return 0;
}

static void kb_hexs(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

Test(guard, replayed_comment_refused_at_read_and_named_by_verify)
{
    char path[400];
    kb_store *s = kb_new_board(path, sizeof path);
    unsigned char ck[16], key[28];
    kb_store_random(ck, sizeof ck);
    memcpy(key, ck, 16);
    kb_store_random(key + 16, 12);
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_write(s, "t", NULL, &t, &e), KB_OK);
    cr_assert_eq(
        kb_txn_put(t, KB_T_COMMENTS, key, sizeof key, "first", 5, KB_VERSION_NEW, NULL, NULL, &e),
        KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK);
    kb_store_close(&s);
    static kb_raw old[8];
    cr_assert_eq(kb_raw_all(path, "comments", old, 8), 1);
    cr_assert_neq(memcmp(old[0].key, ck, 16), 0, "the stored key does not show the case key");

    int rc;
    s = kb_open_as(path, "anna", "anna pass", &rc, &e);
    cr_assert_eq(rc, KB_OK, "%s", e.msg);
    cr_assert_eq(kb_store_write(s, "t", NULL, &t, &e), KB_OK);
    cr_assert_eq(kb_txn_put(t, KB_T_COMMENTS, key, sizeof key, "second", 6, 1, NULL, NULL, &e),
                 KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK);
    kb_store_close(&s);
    kb_raw_put(path, "comments", old[0].key, old[0].klen, old[0].val, old[0].vlen);

    s = kb_open_as(path, "anna", "anna pass", &rc, &e);
    cr_assert_eq(rc, KB_OK, "%s", e.msg);
    char hex[129];
    kb_hexs(old[0].key, old[0].klen, hex);
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK);
    char *v = NULL;
    cr_assert_eq(kb_txn_get(t, KB_T_COMMENTS, key, sizeof key, &v, NULL, NULL, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "replayed") && strstr(e.msg, hex), "%s", e.msg);
    int n = 0;
    cr_assert_eq(kb_txn_each(t, KB_T_COMMENTS, ck, 16, kb_count_visit, &n, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "replayed"), "%s", e.msg);
    kb_txn_abort(&t);
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "table comments") && strstr(e.msg, hex), "%s", e.msg);
    kb_store_close(&s);
}

Test(guard, forged_keyslots_neither_lock_out_nor_run_their_kdf)
{
    char path[400];
    kb_store *s = kb_new_board(path, sizeof path);
    /* a second user */
    kb_secret *bp = kb_test_pass("bob pass");
    kb_slot_draft *d = NULL;
    kb_err e;
    cr_assert_eq(kb_store_slot_prepare(s, "bob", bp, KB_KDF_INTERACTIVE, &d, &e), KB_OK, "%s",
                 e.msg);
    kb_secret_free(&bp);
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_write(s, "user.add", NULL, &t, &e), KB_OK);
    cr_assert_eq(kb_txn_slot_add(t, d, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    kb_slot_draft_free(&d);
    kb_store_close(&s);

    /* junk slots whose ids sort first, four different (bounded) KDF pairs,
     * and one asking for an opslimit of 60 */
    static kb_raw real[4];
    cr_assert_eq(kb_raw_all(path, "keyslots", real, 4), 2);
    unsigned char junk[188];
    for (int i = 0; i < 5; i++) {
        unsigned char id[16] = {0};
        id[15] = (unsigned char)i;
        memcpy(junk, real[0].val, sizeof junk);
        uint64_t ops = i == 4 ? 60 : (uint64_t)(1 + i % 3), mem = (uint64_t)(8192 << i);
        for (int b = 0; b < 8; b++) {
            junk[4 + b] = (unsigned char)(ops >> (56 - 8 * b));
            junk[12 + b] = (unsigned char)(mem >> (56 - 8 * b));
        }
        kb_raw_put(path, "keyslots", id, 16, junk, sizeof junk);
    }
    for (int u = 0; u < 2; u++) {
        uint64_t before = kb_store_kdf_runs();
        int rc;
        s = kb_open_as(path, u ? "bob" : "anna", u ? "bob pass" : "anna pass", &rc, &e);
        cr_assert_eq(rc, KB_OK, "%s opens despite junk slots: %s", u ? "bob" : "anna", e.msg);
        cr_assert_eq(kb_store_kdf_runs() - before, 1, "one Argon2id run: the user's own slot");
        if (u) {
            kb_store_close(&s);
            continue;
        }
        kb_verify_report rep;
        cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
        cr_assert(strstr(e.msg, "table keyslots, record 00000000000000000000000000000000: "
                                "keyslot not in the board's access list"),
                  "%s", e.msg);
        cr_assert(strstr(e.msg, "00000000000000000000000000000001"), "%s", e.msg);
        kb_store_close(&s);
    }

    /* point anna's locator at the slot with opslimit 60: open refuses
     * naming that slot, without running its KDF */
    static kb_raw finds[4];
    cr_assert_eq(kb_raw_all(path, "slotfind", finds, 4), 2);
    unsigned char forged[16] = {0};
    forged[15] = 4;
    for (int i = 0; i < 2; i++)
        kb_raw_put(path, "slotfind", finds[i].key, 16, forged, 16);
    uint64_t before = kb_store_kdf_runs();
    int rc;
    s = kb_open_as(path, "anna", "anna pass", &rc, &e);
    cr_assert_null(s);
    cr_assert_eq(rc, KB_EDATA, "%s", e.msg);
    cr_assert(strstr(e.msg, "00000000000000000000000000000004") && strstr(e.msg, "sensitive"), "%s",
              e.msg);
    cr_assert_eq(kb_store_kdf_runs(), before, "the forged parameters never run");
}
