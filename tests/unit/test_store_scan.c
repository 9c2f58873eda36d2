/* Scans with a short lock hold (kb_txn_snap / kb_snap_open, issue 16): the
 * records come in key order, exactly those kb_txn_each gives (prefixes and
 * the hidden keys of comments included), the lock is free while they are
 * decrypted, and a record that fails authentication or was replayed stops
 * the scan with the same message as kb_txn_each, for the first such record
 * in key order. */
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
    kb_test_dir(kb_dir, sizeof kb_dir, "scan");
}

static void kb_teardown(void)
{
    kb_test_dir_remove(kb_dir);
}

TestSuite(scan, .init = kb_setup, .fini = kb_teardown, .timeout = 120);

static char kb_path[400];

static kb_store *kb_board(void)
{
    snprintf(kb_path, sizeof kb_path, "%s/scan.kb", kb_dir);
    kb_secret *p = kb_test_pass("correct horse battery");
    kb_store_opts o = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    kb_store *s = NULL;
    kb_err e;
    int rc = kb_store_create(kb_path, "anna", p, KB_KDF_INTERACTIVE, &o, &s, &e);
    kb_secret_free(&p);
    cr_assert_eq(rc, KB_OK, "create: %s", e.msg);
    return s;
}

static kb_store *kb_reopen(void)
{
    kb_secret *p = kb_test_pass("correct horse battery");
    kb_store_opts o = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    kb_store *s = NULL;
    kb_err e;
    int rc = kb_store_open(kb_path, "anna", p, &o, &s, &e);
    kb_secret_free(&p);
    cr_assert_eq(rc, KB_OK, "open: %s", e.msg);
    return s;
}

#define NREC 300

static void kb_key(unsigned i, unsigned char k[16])
{
    memset(k, 0x33, 16);
    k[0] = (unsigned char)(i >> 8);
    k[1] = (unsigned char)i;
}

/* NREC cases, written in a scrambled order over several transactions. */
static void kb_fill(kb_store *s)
{
    kb_err e;
    for (unsigned batch = 0; batch < 3; batch++) {
        kb_txn *tx = NULL;
        cr_assert_eq(kb_store_write(s, "test.fill", NULL, &tx, &e), KB_OK, "%s", e.msg);
        for (unsigned j = batch; j < NREC; j += 3) {
            unsigned i = (j * 7) % NREC;
            unsigned char k[16];
            kb_key(i, k);
            char v[32];
            int n = snprintf(v, sizeof v, "value %u", i);
            cr_assert_eq(
                kb_txn_put(tx, KB_T_CASES, k, 16, v, (size_t)n, KB_VERSION_NEW, NULL, NULL, &e),
                KB_OK, "%s", e.msg);
        }
        cr_assert_eq(kb_txn_commit(&tx, &e), KB_OK, "%s", e.msg);
    }
}

/* A board of the NREC records, opened again (the handle has kept
 * nothing of the map). */
static kb_store *kb_board_filled(void)
{
    kb_store *s = kb_board();
    kb_fill(s);
    kb_store_close(&s);
    return kb_reopen();
}

typedef struct kb_rec {
    unsigned char key[64];
    size_t klen;
    char val[64];
    uint64_t ver;
    int seen;
} kb_rec;

typedef struct kb_seq {
    kb_rec r[2 * NREC + 64];
    size_t n;
} kb_seq;

static int kb_seq_visit(void *ctx, const unsigned char *key, size_t klen, const char *val,
                        size_t vlen, uint64_t version)
{
    kb_seq *q = ctx;
    cr_assert_lt(q->n, 2 * NREC + 64);
    kb_rec *r = &q->r[q->n++];
    memcpy(r->key, key, klen);
    r->klen = klen;
    snprintf(r->val, sizeof r->val, "%.*s", (int)vlen, val);
    r->ver = version;
    r->seen = 1;
    return 0;
}

static int kb_snap_visit(void *ctx, size_t index, const unsigned char *key, size_t klen,
                         const char *val, size_t vlen, uint64_t version)
{
    kb_seq *q = ctx;
    cr_assert_lt(index, NREC + 64);
    kb_rec *r = &q->r[index];
    cr_assert_eq(r->seen, 0, "index %zu visited twice", index);
    memcpy(r->key, key, klen);
    r->klen = klen;
    snprintf(r->val, sizeof r->val, "%.*s", (int)vlen, val);
    r->ver = version;
    r->seen = 1;
    return 0;
}

/* kb_txn_each's records and error, then the snapshot's, in one read each:
 * the snapshot decrypted after the lock (b), and (a whole table only) with
 * the early helper decrypting while the table is copied: every record
 * before the copy ends (drain), with room reserved for half the records
 * (the copy outgrows it and stops the helper), and stopped when the copy
 * ends; the same records, error and message each time. */
static int kb_both(kb_store *s, enum kb_table tbl, const void *prefix, size_t plen, kb_seq *a,
                   kb_err *ea, kb_seq *b, kb_err *eb, size_t *count)
{
    memset(a, 0, sizeof *a);
    kb_err_clear(ea);
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_read(s, &t, ea), KB_OK, "%s", ea->msg);
    int ra = kb_txn_each(t, tbl, prefix, plen, kb_seq_visit, a, ea);
    kb_txn_abort(&t);
    int rb = KB_OK;
    size_t min = s->hooks.snap_early_min;
    bool two_cpus = sysconf(_SC_NPROCESSORS_ONLN) > 1;
    static const struct {
        bool early, drain, shrt;
    } modes[] = {
        {false, false, false}, {true, true, false}, {true, true, true}, {true, false, false}};
    for (size_t mode = 0; mode < (plen ? 1 : sizeof modes / sizeof modes[0]); mode++) {
        bool early = modes[mode].early;
        memset(b, 0, sizeof *b);
        kb_err_clear(eb);
        s->hooks.snap_early_min = early ? 1 : SIZE_MAX;
        s->hooks.snap_early_drain = modes[mode].drain;
        s->hooks.snap_short = modes[mode].shrt;
        cr_assert_eq(kb_store_read(s, &t, eb), KB_OK, "%s", eb->msg);
        kb_snap *sn = NULL;
        rb = kb_txn_snap(t, tbl, prefix, plen, &sn, eb);
        kb_txn_abort(&t); /* the lock is released before anything is decrypted */
        cr_assert_eq(rb, KB_OK, "%s", eb->msg);
        *count = kb_snap_count(sn);
        size_t opened = kb_snap_early_count(sn);
        /* drained, a sound table is opened whole by the helper */
        if (early && modes[mode].drain && !modes[mode].shrt && two_cpus && ra == KB_OK)
            cr_assert_eq(opened, *count, "the early helper opened %zu of %zu", opened, *count);
        if (modes[mode].shrt)
            cr_assert_leq(opened, *count / 2 + 1, "the helper went on after the copy outgrew");
        rb = kb_snap_open(sn, kb_snap_visit, b, eb);
        if (rb == KB_OK) {
            kb_err e2;
            cr_assert_eq(kb_snap_open(sn, kb_snap_visit, b, &e2), KB_ESOFTWARE,
                         "a snapshot opens once");
        }
        kb_snap_free(&sn);
        cr_assert_eq(ra, rb, "kb_txn_each %d [%s], snapshot (mode %zu) %d [%s]", ra, ea->msg, mode,
                     rb, eb->msg);
        cr_assert_str_eq(ea->msg, eb->msg);
        /* every record kb_txn_each visited, the snapshot visited too, alike */
        for (size_t i = 0; i < a->n; i++) {
            cr_assert(b->r[i].seen, "index %zu not visited (mode %zu)", i, mode);
            cr_assert_eq(a->r[i].klen, b->r[i].klen);
            cr_assert_arr_eq(a->r[i].key, b->r[i].key, a->r[i].klen);
            cr_assert_str_eq(a->r[i].val, b->r[i].val);
            cr_assert_eq(a->r[i].ver, b->r[i].ver);
        }
    }
    s->hooks.snap_early_min = min;
    s->hooks.snap_early_drain = false;
    s->hooks.snap_short = false;
    return ra;
}

Test(scan, key_order_same_records_as_each_and_prefixes)
{
    kb_store *s = kb_board();
    kb_fill(s);
    kb_seq *a = kb_calloc(1, sizeof *a), *b = kb_calloc(1, sizeof *b);
    kb_err ea, eb;
    size_t count = 0;
    cr_assert_eq(kb_both(s, KB_T_CASES, NULL, 0, a, &ea, b, &eb, &count), KB_OK);
    cr_assert_eq(a->n, NREC);
    cr_assert_eq(count, NREC);
    for (unsigned i = 0; i < NREC; i++) {
        unsigned char k[16];
        kb_key(i, k);
        cr_assert_arr_eq(b->r[i].key, k, 16, "record %u in key order", i);
        char v[32];
        snprintf(v, sizeof v, "value %u", i);
        cr_assert_str_eq(b->r[i].val, v);
        cr_assert_eq(b->r[i].ver, 1);
    }
    /* a prefix: the records 256 .. 299 */
    unsigned char one = 1;
    cr_assert_eq(kb_both(s, KB_T_CASES, &one, 1, a, &ea, b, &eb, &count), KB_OK);
    cr_assert_eq(count, NREC - 256);
    cr_assert_eq(a->n, NREC - 256);
    /* an empty table, and a table that was never written */
    cr_assert_eq(kb_both(s, KB_T_GOALS, NULL, 0, a, &ea, b, &eb, &count), KB_OK);
    cr_assert_eq(count, 0);
    /* comments: stored under hidden keys, visited with their own */
    kb_txn *tx = NULL;
    cr_assert_eq(kb_store_write(s, "test.comments", NULL, &tx, &ea), KB_OK);
    for (unsigned c = 0; c < 3; c++)
        for (unsigned j = 0; j < 40; j++) {
            unsigned char k[20];
            kb_key(c, k);
            k[16] = 0;
            k[17] = 0;
            k[18] = (unsigned char)(j >> 8);
            k[19] = (unsigned char)j;
            cr_assert_eq(
                kb_txn_put(tx, KB_T_COMMENTS, k, 20, "c", 1, KB_VERSION_NEW, NULL, NULL, &ea),
                KB_OK, "%s", ea.msg);
        }
    cr_assert_eq(kb_txn_commit(&tx, &ea), KB_OK, "%s", ea.msg);
    unsigned char ck[16];
    kb_key(1, ck);
    cr_assert_eq(kb_both(s, KB_T_COMMENTS, ck, 16, a, &ea, b, &eb, &count), KB_OK);
    cr_assert_eq(count, 40);
    for (size_t i = 0; i < 40; i++)
        cr_assert_arr_eq(b->r[i].key, ck, 16, "a comment of the case asked for");
    cr_assert_eq(kb_both(s, KB_T_COMMENTS, NULL, 0, a, &ea, b, &eb, &count), KB_OK);
    cr_assert_eq(count, 120);
    kb_free(&a);
    kb_free(&b);
    kb_store_close(&s);
}

/* A scan that unmaps the file's pages it copied (every record here: the
 * thresholds lowered) gives the same records as kb_txn_each. */
Test(scan, unmapping_the_copied_pages_changes_nothing)
{
    kb_store *s = kb_board();
    kb_fill(s);
    s->hooks.snap_look = 1;
    s->hooks.snap_slack = -1;
    uint64_t d0 = s->hooks.snap_drops;
    kb_seq *a = kb_calloc(1, sizeof *a), *b = kb_calloc(1, sizeof *b);
    kb_err ea, eb;
    size_t count = 0;
    cr_assert_eq(kb_both(s, KB_T_CASES, NULL, 0, a, &ea, b, &eb, &count), KB_OK);
    cr_assert_eq(count, NREC);
    unsigned char one = 1;
    cr_assert_eq(kb_both(s, KB_T_CASES, &one, 1, a, &ea, b, &eb, &count), KB_OK);
    cr_assert_eq(count, NREC - 256);
    cr_assert_geq(s->hooks.snap_drops - d0, NREC, "the pages were unmapped after every record");
    kb_free(&a);
    kb_free(&b);
    kb_store_close(&s);
}

Test(scan, decrypts_after_the_lock_is_released)
{
    kb_store *s = kb_board();
    kb_fill(s);
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK);
    kb_snap *sn = NULL;
    cr_assert_eq(kb_txn_snap(t, KB_T_CASES, NULL, 0, &sn, &e), KB_OK, "%s", e.msg);
    kb_txn_abort(&t);
    /* a write between the copy and the decryption: allowed (no lock held),
     * and not seen by the snapshot */
    unsigned char k[16];
    kb_key(5, k);
    cr_assert_eq(kb_store_write(s, "test.change", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "changed", 7, 1, NULL, NULL, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    kb_seq *b = kb_calloc(1, sizeof *b);
    cr_assert_eq(kb_snap_open(sn, kb_snap_visit, b, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(b->r[5].val, "value 5");
    cr_assert_eq(b->r[5].ver, 1);
    cr_assert_gt(kb_snap_bytes(sn), NREC * 16);
    kb_snap_free(&sn);
    kb_free(&b);
    kb_store_close(&s);
}

/* Open table db of the board file with plain LMDB, as someone with the
 * file would (write: a write transaction). */
static void kb_raw_begin(bool write, const char *db, MDB_env **env, MDB_txn **txn, MDB_dbi *dbi)
{
    cr_assert_eq(mdb_env_create(env), 0);
    mdb_env_set_maxdbs(*env, 64);
    mdb_env_set_mapsize(*env, (size_t)1 << 30);
    cr_assert_eq(
        mdb_env_open(*env, kb_path, MDB_NOSUBDIR | MDB_NOLOCK | (write ? 0 : MDB_RDONLY), 0600), 0);
    cr_assert_eq(mdb_txn_begin(*env, NULL, write ? 0 : MDB_RDONLY, txn), 0);
    cr_assert_eq(mdb_dbi_open(*txn, db, 0, dbi), 0);
}

/* Raw access to the board file, as someone with the file would. */
static void *kb_raw_get(const unsigned char *key, size_t *n)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {16, (void *)key}, v;
    kb_raw_begin(false, "cases", &env, &txn, &dbi);
    cr_assert_eq(mdb_get(txn, dbi, &k, &v), 0);
    void *copy = kb_memdup(v.mv_data, v.mv_size);
    *n = v.mv_size;
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return copy;
}

static void kb_raw_put(const unsigned char *key, const void *val, size_t n)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    kb_raw_begin(true, "cases", &env, &txn, &dbi);
    MDB_val k = {16, (void *)key}, v = {n, (void *)val};
    cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* Record `to` gets record `from`'s sealed value: it fails authentication. */
static void kb_swap_in(unsigned from, unsigned to)
{
    unsigned char kf[16], kt[16];
    kb_key(from, kf);
    kb_key(to, kt);
    size_t n;
    void *v = kb_raw_get(kf, &n);
    kb_raw_put(kt, v, n);
    free(v);
}

Test(scan, failed_authentication_named_as_before_first_in_key_order)
{
    kb_store *s = kb_board();
    kb_fill(s);
    kb_store_close(&s);
    kb_swap_in(3, 250);
    kb_swap_in(4, 120);
    s = kb_reopen();
    kb_seq *a = kb_calloc(1, sizeof *a), *b = kb_calloc(1, sizeof *b);
    kb_err ea, eb;
    size_t count;
    cr_assert_eq(kb_both(s, KB_T_CASES, NULL, 0, a, &ea, b, &eb, &count), KB_EDATA);
    cr_assert(strstr(eb.msg, "failed authentication"), "%s", eb.msg);
    cr_assert(strstr(eb.msg, "cases"), "%s", eb.msg);
    cr_assert_eq(a->n, 120, "kb_txn_each stopped at the first damaged record");
    kb_free(&a);
    kb_free(&b);
    kb_store_close(&s);
}

Test(scan, replayed_record_named_as_before)
{
    kb_store *s = kb_board();
    kb_fill(s);
    /* keep version 1 of records 150, 40 and 270, write version 2, put 1
     * back (270 is read by a small scan below: compared in the transaction;
     * the whole table is compared after it) */
    unsigned char k150[16], k40[16], k270[16];
    kb_key(150, k150);
    kb_key(40, k40);
    kb_key(270, k270);
    kb_store_close(&s);
    size_t n150, n40, n270;
    void *v150 = kb_raw_get(k150, &n150);
    void *v40 = kb_raw_get(k40, &n40);
    void *v270 = kb_raw_get(k270, &n270);
    s = kb_reopen();
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_write(s, "test.update", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k150, 16, "v2", 2, 1, NULL, NULL, &e), KB_OK);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k40, 16, "v2", 2, 1, NULL, NULL, &e), KB_OK);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k270, 16, "v2", 2, 1, NULL, NULL, &e), KB_OK);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    kb_store_close(&s);
    kb_raw_put(k150, v150, n150);
    kb_raw_put(k270, v270, n270);

    s = kb_reopen();
    kb_seq *a = kb_calloc(1, sizeof *a), *b = kb_calloc(1, sizeof *b);
    kb_err ea, eb;
    size_t count;
    cr_assert_eq(kb_both(s, KB_T_CASES, NULL, 0, a, &ea, b, &eb, &count), KB_EDATA);
    cr_assert(strstr(eb.msg, "replayed"), "%s", eb.msg);
    cr_assert_eq(a->n, 150);
    /* the records 256 .. 299 (a small scan) and 0 .. 255 (a large one) */
    unsigned char p1 = 1, p0 = 0;
    cr_assert_eq(kb_both(s, KB_T_CASES, &p1, 1, a, &ea, b, &eb, &count), KB_EDATA);
    cr_assert(strstr(eb.msg, "replayed"), "%s", eb.msg);
    cr_assert_eq(a->n, 270 - 256);
    cr_assert_eq(kb_both(s, KB_T_CASES, &p0, 1, a, &ea, b, &eb, &count), KB_EDATA);
    cr_assert_eq(count, 256);
    cr_assert_eq(a->n, 150);
    /* an earlier record failing authentication is named first */
    kb_store_close(&s);
    kb_swap_in(7, 100);
    s = kb_reopen();
    cr_assert_eq(kb_both(s, KB_T_CASES, NULL, 0, a, &ea, b, &eb, &count), KB_EDATA);
    cr_assert(strstr(eb.msg, "failed authentication"), "%s", eb.msg);
    /* and an earlier replay before that */
    kb_store_close(&s);
    kb_raw_put(k40, v40, n40);
    s = kb_reopen();
    cr_assert_eq(kb_both(s, KB_T_CASES, NULL, 0, a, &ea, b, &eb, &count), KB_EDATA);
    cr_assert(strstr(eb.msg, "replayed"), "%s", eb.msg);
    cr_assert_eq(a->n, 40);
    free(v150);
    free(v40);
    free(v270);
    kb_free(&a);
    kb_free(&b);
    kb_store_close(&s);
}

/* Flip one byte in the middle of a raw value of a table of the file. */
static void kb_raw_flip(const char *db, const unsigned char *key, size_t klen)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    kb_raw_begin(true, db, &env, &txn, &dbi);
    MDB_val k = {klen, (void *)key}, v;
    if (mdb_get(txn, dbi, &k, &v) == 0) {
        unsigned char *copy = kb_memdup(v.mv_data, v.mv_size);
        copy[v.mv_size / 2] ^= 0x40;
        MDB_val v2 = {v.mv_size, copy};
        cr_assert_eq(mdb_put(txn, dbi, &k, &v2, 0), 0);
        free(copy);
    }
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

Test(scan, damaged_version_map_bucket_named_as_before)
{
    kb_store *s = kb_board();
    kb_fill(s);
    /* with the board open (a damaged bucket may hold a record that opening
     * reads); every transaction opens the file afresh and sees the change.
     * Buckets this handle opened before are kept (by the hash the root
     * names: the file's copy is not read again), so it is reopened first:
     * only the few buckets opening reads are kept. */
    kb_store_close(&s);
    s = kb_reopen();
    for (unsigned b = 0; b < 256; b += 16) {
        unsigned char key[3] = {'B', 0, (unsigned char)b};
        kb_raw_flip("vmap", key, 3);
    }
    kb_seq *a = kb_calloc(1, sizeof *a), *b = kb_calloc(1, sizeof *b);
    kb_err ea, eb;
    size_t count;
    cr_assert_eq(kb_both(s, KB_T_CASES, NULL, 0, a, &ea, b, &eb, &count), KB_EDATA);
    cr_assert(strstr(eb.msg, "version map"), "%s", eb.msg);
    unsigned char one = 1; /* a small scan */
    (void)kb_both(s, KB_T_CASES, &one, 1, a, &ea, b, &eb, &count);
    kb_free(&a);
    kb_free(&b);
    kb_store_close(&s);
}

/* A single read looks its version up in the bucket without decrypting the
 * whole bucket (the blocks the search reads; the bucket's bytes are the
 * ones the root's hash names): with 3000 records a bucket spans several
 * cipher blocks and entries straddle them.  Every record is found at its
 * version by a fresh handle, and an older copy put back is refused. */
Test(scan, single_reads_find_versions_in_large_buckets)
{
    kb_store *s = kb_board();
    kb_err e;
    kb_txn *t = NULL;
    enum { N = 3000 };
    cr_assert_eq(kb_store_write(s, "test.fill", NULL, &t, &e), KB_OK, "%s", e.msg);
    for (unsigned i = 0; i < N; i++) {
        unsigned char k[16];
        kb_key(i, k);
        cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "v1", 2, KB_VERSION_NEW, NULL, NULL, &e),
                     KB_OK, "%s", e.msg);
    }
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    unsigned char k77[16];
    kb_key(77, k77);
    cr_assert_eq(kb_store_write(s, "test.update", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k77, 16, "v2", 2, 1, NULL, NULL, &e), KB_OK);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    kb_store_close(&s);
    s = kb_reopen();
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    for (unsigned i = 0; i < N; i++) {
        unsigned char k[16];
        kb_key(i, k);
        char *v = NULL;
        size_t n = 0;
        uint64_t ver = 0;
        cr_assert_eq(kb_txn_get(t, KB_T_CASES, k, 16, &v, &n, &ver, &e), KB_OK, "%u: %s", i, e.msg);
        cr_assert_eq(ver, i == 77 ? 2u : 1u);
        kb_free(&v);
    }
    kb_txn_abort(&t);
    kb_store_close(&s);
    /* version 2 of record 77 put back after version 3 */
    size_t n77;
    void *v2 = kb_raw_get(k77, &n77);
    s = kb_reopen();
    cr_assert_eq(kb_store_write(s, "test.update", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k77, 16, "v3", 2, 2, NULL, NULL, &e), KB_OK);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    kb_store_close(&s);
    kb_raw_put(k77, v2, n77);
    free(v2);
    s = kb_reopen();
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    char *v = NULL;
    size_t n = 0;
    cr_assert_eq(kb_txn_get(t, KB_T_CASES, k77, 16, &v, &n, NULL, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "replayed"), "%s", e.msg);
    kb_free(&v);
    kb_txn_abort(&t);
    kb_store_close(&s);
}

/* Read every case of s in one read transaction into a; the number of
 * version map buckets it decrypted. */
static uint64_t kb_read_all(kb_store *s, kb_seq *a)
{
    kb_err e;
    kb_txn *t = NULL;
    a->n = 0;
    uint64_t n0 = s->hooks.vmap_opened;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_each(t, KB_T_CASES, NULL, 0, kb_seq_visit, a, &e), KB_OK, "%s", e.msg);
    kb_txn_abort(&t);
    return s->hooks.vmap_opened - n0;
}

/* A version map bucket opened twice by transactions of one handle is not
 * decrypted again by the next ones while the root names the same bucket;
 * one changed by another handle is; verify reads every bucket from the
 * file (and names a damaged one the handle had kept). */
Test(scan, version_map_buckets_kept_across_transactions)
{
    kb_store *s = kb_board_filled();
    kb_err e;
    kb_seq *a = kb_calloc(1, sizeof *a);
    uint64_t first = kb_read_all(s, a);
    cr_assert_gt(first, 100, "300 records over 256 buckets: %llu opened",
                 (unsigned long long)first);
    /* a bucket is kept the second time the same value is opened (opening
     * the board read a few of them already: kept at the first read) */
    uint64_t second = kb_read_all(s, a);
    cr_assert(second <= first && second + 20 >= first, "opened again (then kept): %llu of %llu",
              (unsigned long long)second, (unsigned long long)first);
    cr_assert_eq(kb_read_all(s, a), 0, "the third read opened no bucket");
    cr_assert_eq(a->n, NREC);
    /* another handle (another process) changes one record: its bucket only */
    kb_store *w = kb_reopen();
    unsigned char k5[16];
    kb_key(5, k5);
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_write(w, "test.update", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k5, 16, "v2", 2, 1, NULL, NULL, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    kb_store_close(&w);
    cr_assert_eq(kb_read_all(s, a), 1, "only the changed bucket was opened");
    bool found = false;
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(a->r[i].key, k5, 16) == 0)
            found = strcmp(a->r[i].val, "v2") == 0 && a->r[i].ver == 2;
    cr_assert(found, "the change is read");
    cr_assert_eq(kb_read_all(s, a), 1, "the changed bucket, a second time (kept now)");
    /* damage every bucket on file: this handle still reads what the root
     * names, but verify opens every bucket from the file */
    for (unsigned b = 0; b < 256; b++) {
        unsigned char key[3] = {'B', 0, (unsigned char)b};
        kb_raw_flip("vmap", key, 3);
    }
    cr_assert_eq(kb_read_all(s, a), 0);
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "version map"), "%s", e.msg);
    kb_free(&a);
    kb_store_close(&s);
}

/* The stored version map: its root's size and number of groups. */
static void kb_vmap_stored(kb_store *s, size_t *root, size_t *groups)
{
    kb_err e;
    kb_txn *t = NULL;
    MDB_dbi dbi;
    MDB_cursor *c;
    MDB_val k, v;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_dbi(t, "vmap", &dbi, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(mdb_cursor_open(t->txn, dbi, &c), 0);
    *root = *groups = 0;
    for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0;
         r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size == 1 && *(const char *)k.mv_data == 'R')
            *root = v.mv_size;
        else if (*(const char *)k.mv_data == 'G')
            (*groups)++;
    }
    mdb_cursor_close(c);
    kb_txn_abort(&t);
}

/* The version map's bucket count (and layout) a read transaction sees. */
static unsigned kb_vm_bits_now(kb_store *s, unsigned *layout, uint64_t *count)
{
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_vmap_root(t, &e), KB_OK, "%s", e.msg);
    unsigned bits = t->vm->bits;
    *layout = t->vm->layout;
    *count = t->vm->count;
    kb_txn_abort(&t);
    return bits;
}

/* Formats 3 and 4: the version map doubles its buckets when the board
 * outgrows them (here at 1 entry a bucket instead of 256), every record
 * stays readable (scans and single reads, by another handle too) and
 * verify passes; it never shrinks.  Format 4 groups the bucket hashes:
 * 2^(bits/2) buckets a group, the root names the groups. */
Test(scan, version_map_doubles_as_the_board_grows)
{
    kb_store *s = kb_board();
    unsigned layout;
    uint64_t count0, count;
    cr_assert_eq(kb_vm_bits_now(s, &layout, &count0), 8, "a new board: 256 buckets");
    cr_assert_eq(layout, 4);
    s->vm_grow = 1;
    kb_fill(s); /* 300 more entries: more than 256 */
    cr_assert_eq(kb_vm_bits_now(s, &layout, &count), 9, "512 buckets");
    cr_assert_eq(count, count0 + NREC);
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_write(s, "test.more", NULL, &t, &e), KB_OK, "%s", e.msg);
    for (unsigned i = 0; i < NREC; i++) {
        unsigned char k[16];
        kb_key(NREC + i, k);
        cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "more", 4, KB_VERSION_NEW, NULL, NULL, &e),
                     KB_OK, "%s", e.msg);
    }
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_vm_bits_now(s, &layout, &count), 10, "1024 buckets");
    cr_assert_eq(count, count0 + 2 * NREC);
    /* 32 groups of 32 buckets: the root holds 32 hashes, not 1024 */
    {
        size_t root = 0, groups = 0;
        kb_vmap_stored(s, &root, &groups);
        cr_assert_lt(root, 1200, "a root of group hashes (%zu bytes)", root);
        cr_assert_eq(groups, 32);
    }
    kb_store_close(&s);
    /* another handle, default growth: it reads what the root says */
    s = kb_reopen();
    kb_seq *a = kb_calloc(1, sizeof *a);
    (void)kb_read_all(s, a);
    cr_assert_eq(a->n, 2 * NREC);
    for (unsigned i = 0; i < 2 * NREC; i += 37) {
        unsigned char k[16];
        kb_key(i, k);
        char *v = NULL;
        size_t n = 0;
        uint64_t ver = 0;
        cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
        cr_assert_eq(kb_txn_get(t, KB_T_CASES, k, 16, &v, &n, &ver, &e), KB_OK, "record %u: %s", i,
                     e.msg);
        cr_assert_eq(ver, 1);
        kb_free(&v);
        kb_txn_abort(&t);
    }
    /* a delete and a change keep the count; the map does not shrink */
    unsigned char k0[16], k1[16];
    kb_key(0, k0);
    kb_key(1, k1);
    cr_assert_eq(kb_store_write(s, "test.less", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_del(t, KB_T_CASES, k0, 16, 1, NULL, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k1, 16, "v2", 2, 1, NULL, NULL, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_vm_bits_now(s, &layout, &count), 10);
    cr_assert_eq(count, count0 + 2 * NREC - 1);
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "%s", e.msg);
    /* a bucket of the grown map damaged on file: named by reads and verify */
    kb_store_close(&s);
    for (unsigned b = 0; b < 1024; b++) {
        unsigned char key[3] = {'B', (unsigned char)(b >> 8), (unsigned char)b};
        kb_raw_flip("vmap", key, 3);
    }
    kb_secret *p = kb_test_pass("correct horse battery");
    kb_store_opts o = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    int rc = kb_store_open(kb_path, "anna", p, &o, &s, &e);
    kb_secret_free(&p);
    if (rc == KB_OK) { /* (opening read no record of a damaged bucket) */
        cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
        rc = kb_txn_each(t, KB_T_CASES, NULL, 0, kb_seq_visit, a, &e);
        kb_txn_abort(&t);
        kb_store_close(&s);
    }
    cr_assert_eq(rc, KB_EDATA);
    cr_assert(strstr(e.msg, "version map"), "%s", e.msg);
    kb_free(&a);
}

/* Format 4: a group of bucket hashes damaged on file (or replaced by an
 * older one) is refused by the reads that need it and named by verify;
 * a handle that opened it before keeps what the root names. */
Test(scan, damaged_version_map_group_named)
{
    kb_store *s = kb_board_filled();
    kb_err e;
    kb_seq *a = kb_calloc(1, sizeof *a);
    (void)kb_read_all(s, a); /* s opens (and keeps) every group */
    cr_assert_eq(a->n, NREC);
    /* 256 buckets: 16 groups of 16 */
    for (unsigned g = 0; g < 16; g += 5) {
        unsigned char key[3] = {'G', 0, (unsigned char)g};
        kb_raw_flip("vmap", key, 3);
    }
    (void)kb_read_all(s, a); /* with the groups it kept (a failure fails the test) */
    cr_assert_eq(a->n, NREC);
    kb_store *o = NULL;
    kb_secret *p = kb_test_pass("correct horse battery");
    kb_store_opts so = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    int orc = kb_store_open(kb_path, "anna", p, &so, &o, &e);
    kb_secret_free(&p);
    if (orc == KB_OK) { /* (opening read no record of a damaged group) */
        kb_txn *t = NULL;
        cr_assert_eq(kb_store_read(o, &t, &e), KB_OK, "%s", e.msg);
        int rc = kb_txn_each(t, KB_T_CASES, NULL, 0, kb_seq_visit, a, &e);
        kb_txn_abort(&t);
        cr_assert_eq(rc, KB_EDATA);
        kb_store_close(&o);
    } else {
        cr_assert_eq(orc, KB_EDATA, "%s", e.msg);
    }
    cr_assert(strstr(e.msg, "version map") && strstr(e.msg, "group"), "%s", e.msg);
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "vmap") && strstr(e.msg, "group of the version map"),
              "verify names the damaged groups: %s", e.msg);
    cr_assert_null(strstr(e.msg, "disagrees"), "not every record in them: %s", e.msg);
    kb_free(&a);
    kb_store_close(&s);
}

/* The values of the version map whose keys start with c, as the file
 * holds them now (one key and value after another, each after its u32
 * length). */
static kb_buf kb_vmap_save(char c)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    kb_buf out = KB_BUF_INIT;
    kb_raw_begin(false, "vmap", &env, &txn, &dbi);
    cr_assert_eq(mdb_cursor_open(txn, dbi, &cur), 0);
    for (int r = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r == 0;
         r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (*(const char *)k.mv_data != c)
            continue;
        uint32_t kl = (uint32_t)k.mv_size, vl = (uint32_t)v.mv_size;
        kb_buf_append(&out, &kl, 4);
        kb_buf_append(&out, k.mv_data, k.mv_size);
        kb_buf_append(&out, &vl, 4);
        kb_buf_append(&out, v.mv_data, v.mv_size);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return out;
}

/* Put the saved values back (a partial rollback of the file). */
static void kb_vmap_put_back(const kb_buf *saved)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    kb_raw_begin(true, "vmap", &env, &txn, &dbi);
    for (size_t at = 0; at < saved->len;) {
        uint32_t kl, vl;
        memcpy(&kl, saved->data + at, 4);
        MDB_val k = {kl, saved->data + at + 4};
        memcpy(&vl, saved->data + at + 4 + kl, 4);
        MDB_val v = {vl, saved->data + at + 8 + kl};
        cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
        at += 8 + (size_t)kl + vl;
    }
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* Read record i with a new handle: its result code, e its message. */
static int kb_read_one_fresh(unsigned i, kb_err *e)
{
    kb_store *s = NULL;
    kb_secret *p = kb_test_pass("correct horse battery");
    kb_store_opts o = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    int rc = kb_store_open(kb_path, "anna", p, &o, &s, e);
    kb_secret_free(&p);
    if (rc)
        return rc;
    kb_txn *t = NULL;
    unsigned char k[16];
    kb_key(i, k);
    char *v = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    if ((rc = kb_store_read(s, &t, e)) == KB_OK)
        rc = kb_txn_get(t, KB_T_CASES, k, 16, &v, &n, &ver, e);
    kb_free(&v);
    kb_txn_abort(&t);
    kb_store_close(&s);
    return rc;
}

/* Format 4: an older group of bucket hashes put back (with or without its
 * buckets, and with its root too) is refused: by a new handle, by the
 * handle that wrote the newer one (it keeps groups and buckets only by
 * the hash the root names) and by verify. */
Test(scan, version_map_group_replayed)
{
    kb_store *s = kb_board();
    kb_fill(s);
    kb_store_close(&s);
    kb_buf g0 = kb_vmap_save('G'), b0 = kb_vmap_save('B'), r0 = kb_vmap_save('R');
    cr_assert_gt(g0.len, 0, "the board has groups");
    /* a change: record 5 gets version 2 */
    s = kb_reopen();
    kb_err e;
    kb_txn *t = NULL;
    unsigned char k5[16];
    kb_key(5, k5);
    cr_assert_eq(kb_store_write(s, "test.update", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k5, 16, "v2", 2, 1, NULL, NULL, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_read_one_fresh(5, &e), KB_OK, "%s", e.msg);
    /* the old groups alone */
    kb_vmap_put_back(&g0);
    cr_assert_eq(kb_read_one_fresh(5, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "version map"), "%s", e.msg);
    kb_seq *a = kb_calloc(1, sizeof *a);
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    int rc = kb_txn_each(t, KB_T_CASES, NULL, 0, kb_seq_visit, a, &e);
    kb_txn_abort(&t);
    cr_assert_eq(rc, KB_OK, "the writer's handle reads what the root names: %s", e.msg);
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "version map"), "%s", e.msg);
    /* the old groups and buckets */
    kb_vmap_put_back(&b0);
    cr_assert_eq(kb_read_one_fresh(5, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "version map"), "%s", e.msg);
    /* the whole old map, root too: the root names an older audit entry */
    kb_vmap_put_back(&r0);
    cr_assert_eq(kb_read_one_fresh(5, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "version map"), "%s", e.msg);
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    kb_buf_free(&g0);
    kb_buf_free(&b0);
    kb_buf_free(&r0);
    kb_free(&a);
    kb_store_close(&s);
}

/* Format 4: a group whose buckets all empty goes from the file (and its
 * hash from the root); the board verifies (until the old group is put
 * back: verify names a value the root does not) and fills again.  (This delete
 * mostly leaves LMDB's last page unwritten, a free "loose" page past the
 * end of the file: every later transaction took the board for a stale or
 * truncated file, and verify for a truncated one, until the commit filled
 * the file up.) */
Test(scan, version_map_group_emptied)
{
    kb_store *s = kb_board();
    kb_fill(s);
    kb_buf before = kb_vmap_save('G');
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_write(s, "test.empty", NULL, &t, &e), KB_OK, "%s", e.msg);
    for (unsigned i = 0; i < NREC; i++) {
        unsigned char k[16];
        kb_key(i, k);
        cr_assert_eq(kb_txn_del(t, KB_T_CASES, k, 16, KB_VERSION_ANY, NULL, &e), KB_OK, "%s",
                     e.msg);
    }
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    kb_buf after = kb_vmap_save('G');
    cr_assert_lt(after.len, before.len, "groups of deleted records are gone");
    {
        /* the file is as long as the commit says (the writer filled up a
         * last page LMDB left unwritten) */
        MDB_env *env;
        MDB_txn *txn;
        MDB_dbi dbi;
        MDB_envinfo info;
        MDB_stat mst;
        struct stat st;
        kb_raw_begin(false, "vmap", &env, &txn, &dbi);
        mdb_env_info(env, &info);
        mdb_env_stat(env, &mst);
        mdb_txn_abort(txn);
        mdb_env_close(env);
        cr_assert_eq(stat(kb_path, &st), 0);
        cr_assert_geq((uint64_t)st.st_size, ((uint64_t)info.me_last_pgno + 1) * mst.ms_psize);
    }
    kb_txn *rt = NULL;
    cr_assert_eq(kb_store_read(s, &rt, &e), KB_OK, "a read after the delete: %s", e.msg);
    kb_txn_abort(&rt);
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "%s", e.msg);
    /* a group put back that the root no longer names: reads ignore it,
     * verify names it */
    kb_buf stray = KB_BUF_INIT;
    for (size_t at = 0; at < before.len;) {
        uint32_t kl, vl;
        memcpy(&kl, before.data + at, 4);
        memcpy(&vl, before.data + at + 4 + kl, 4);
        bool kept = false;
        for (size_t bt = 0; bt < after.len && !kept;) {
            uint32_t kl2, vl2;
            memcpy(&kl2, after.data + bt, 4);
            memcpy(&vl2, after.data + bt + 4 + kl2, 4);
            kept = kl2 == kl && memcmp(after.data + bt + 4, before.data + at + 4, kl) == 0;
            bt += 8 + (size_t)kl2 + vl2;
        }
        if (!kept && stray.len == 0)
            kb_buf_append(&stray, before.data + at, 8 + (size_t)kl + vl);
        at += 8 + (size_t)kl + vl;
    }
    cr_assert_gt(stray.len, 0);
    kb_vmap_put_back(&stray);
    cr_assert_eq(kb_store_read(s, &rt, &e), KB_OK, "%s", e.msg);
    kb_txn_abort(&rt);
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "does not name"), "%s", e.msg);
    kb_buf_free(&stray);
    kb_store_close(&s);
    s = kb_reopen();
    kb_fill(s);
    kb_buf_free(&before);
    kb_buf_free(&after);
    kb_store_close(&s);
}

static int kb_count_change(void *ctx, const kb_change *c)
{
    uint64_t *last = ctx;
    cr_assert_eq(c->seq, *last + 1, "entries in order, no gap");
    *last = c->seq;
    return 0;
}

/* Audit entries are signed and stored later than they are appended (in
 * batches, on two threads): a transaction that reads its own log sees them
 * all, a batch full in mid-transaction is stored then, and every signature
 * made on either thread verifies. */
Test(scan, audit_entries_signed_in_batches)
{
    kb_store *s = kb_board();
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    uint64_t before = kb_txn_audit_seq(t);
    kb_txn_abort(&t);
    s->hooks.audit_batch = 201;
    cr_assert_eq(kb_store_write(s, "test.many", NULL, &t, &e), KB_OK, "%s", e.msg);
    /* 501 puts in batches of 201: two stored in mid-transaction (split 100
     * / 101 between the threads), 99 at commit (49 / 50) */
    for (unsigned i = 0; i < 501; i++) {
        unsigned char k[16];
        memset(k, 0x44, sizeof k);
        k[0] = (unsigned char)(i >> 8);
        k[1] = (unsigned char)i;
        cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "x", 1, KB_VERSION_NEW, NULL, NULL, &e),
                     KB_OK, "%s", e.msg);
        if (i == 99) { /* the transaction reads its own log: 100 entries */
            uint64_t last = before;
            cr_assert_eq(kb_txn_changes_since(t, before, kb_count_change, &last, &e), KB_OK, "%s",
                         e.msg);
            cr_assert_eq(last, before + 100);
        }
    }
    uint64_t last = before;
    cr_assert_eq(kb_txn_changes_since(t, before, kb_count_change, &last, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(last, before + 501, "all 501 entries, the pending ones stored first");
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    s->hooks.audit_batch = 4096;
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(rep.head_seq, before + 501);
    kb_store_close(&s);
}

/* A visitor's failure stops the scan at the first failing index. */
static int kb_fail_at(void *ctx, size_t index, const unsigned char *key, size_t klen,
                      const char *val, size_t vlen, uint64_t version)
{
    (void)key;
    (void)klen;
    (void)val;
    (void)vlen;
    (void)version;
    size_t *calls = ctx;
    __atomic_add_fetch(calls, 1, __ATOMIC_RELAXED);
    return index == 77 || index == 250 ? KB_ECONFLICT : 0;
}

Test(scan, visitor_failure_is_returned)
{
    kb_store *s = kb_board();
    kb_fill(s);
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK);
    kb_snap *sn = NULL;
    cr_assert_eq(kb_txn_snap(t, KB_T_CASES, NULL, 0, &sn, &e), KB_OK, "%s", e.msg);
    kb_txn_abort(&t);
    size_t calls = 0;
    kb_err_set(&e, KB_EIO, "stale");
    cr_assert_eq(kb_snap_open(sn, kb_fail_at, &calls, &e), KB_ECONFLICT);
    cr_assert_str_eq(e.msg, "", "the visitor's failure has no message of its own");
    cr_assert_geq(calls, 78);
    kb_snap_free(&sn);
    kb_store_close(&s);
}

/* ------------------------------------------------------------ kb_store_snapshot
 *
 * Several tables at one audit seq, copied in chunks of a few records, each
 * in a read transaction of its own (issue 16: an export must not hold the
 * board's lock while it copies the whole board).  The store's test hook
 * commits changes between every two of its transactions, through the same
 * handle (no lock is held then): inserts into ranges already walked and
 * not yet walked, in two tables, updates and deletes of records already
 * copied, and once more changes than a chunk.  The snapshot must be the
 * board as it is afterwards (the hook writes nothing after the last
 * transaction), record for record and version for version. */

typedef struct kb_churn {
    kb_store *s;
    unsigned calls;  /* hook calls */
    unsigned writes; /* transactions committed by the hook */
    unsigned max;    /* writes to make */
} kb_churn;

static void kb_kkey(unsigned char k[16], unsigned char fill, unsigned i)
{
    memset(k, fill, 16);
    k[0] = (unsigned char)((i * 37) % 2);
    k[1] = (unsigned char)((i * 91) % 256);
    k[15] = (unsigned char)i;
}

static void kb_churn_between(void *ctx)
{
    kb_churn *c = ctx;
    c->calls++;
    if (c->writes >= c->max)
        return;
    unsigned i = c->writes;
    kb_err e;
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_write(c->s, "test.churn", NULL, &t, &e), KB_OK, "%s", e.msg);
    char v[32];
    int n = snprintf(v, sizeof v, "write %u", i);
    unsigned char k[16];
    /* a new case and a new action item under spread-out keys */
    kb_kkey(k, 0x44, i);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, v, (size_t)n, KB_VERSION_NEW, NULL, NULL, &e),
                 KB_OK, "%s", e.msg);
    kb_kkey(k, 0x55, i);
    cr_assert_eq(kb_txn_put(t, KB_T_ACTIONS, k, 16, v, (size_t)n, KB_VERSION_NEW, NULL, NULL, &e),
                 KB_OK, "%s", e.msg);
    /* the first case (copied first) counts the writes */
    kb_key(0, k);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, v, (size_t)n, KB_VERSION_ANY, NULL, NULL, &e),
                 KB_OK, "%s", e.msg);
    if (i % 3 == 1) { /* a delete */
        kb_key(5 + i, k);
        cr_assert_eq(kb_txn_del(t, KB_T_CASES, k, 16, KB_VERSION_ANY, NULL, &e), KB_OK, "%s",
                     e.msg);
    }
    if (i == 4) /* more changes than a chunk: several rounds of catching up */
        for (unsigned j = 100; j < 160; j++) {
            kb_key(j, k);
            cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "big", 3, KB_VERSION_ANY, NULL, NULL, &e),
                         KB_OK, "%s", e.msg);
        }
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    c->writes++;
}

static kb_store *kb_board_hooked(size_t chunk, kb_churn *c)
{
    snprintf(kb_path, sizeof kb_path, "%s/scan.kb", kb_dir);
    kb_secret *p = kb_test_pass("correct horse battery");
    kb_store_opts o = {.state_dir = kb_dir,
                       .lock_timeout_ms = 2000,
                       .snap_chunk = chunk,
                       .snap_between = c ? kb_churn_between : NULL,
                       .snap_ctx = c};
    kb_store *s = NULL;
    kb_err e;
    int rc = kb_store_create(kb_path, "anna", p, KB_KDF_INTERACTIVE, &o, &s, &e);
    kb_secret_free(&p);
    cr_assert_eq(rc, KB_OK, "create: %s", e.msg);
    if (c)
        c->s = s;
    return s;
}

/* n action items, written in one transaction. */
static void kb_fill_actions(kb_store *s, unsigned n)
{
    kb_err e;
    kb_txn *tx = NULL;
    cr_assert_eq(kb_store_write(s, "test.fill", NULL, &tx, &e), KB_OK, "%s", e.msg);
    for (unsigned i = 0; i < n; i++) {
        unsigned char k[16];
        kb_key(i, k);
        k[2] = 0x66;
        cr_assert_eq(kb_txn_put(tx, KB_T_ACTIONS, k, 16, "item", 4, KB_VERSION_NEW, NULL, NULL, &e),
                     KB_OK, "%s", e.msg);
    }
    cr_assert_eq(kb_txn_commit(&tx, &e), KB_OK, "%s", e.msg);
}

/* The records of tbl (prefix) read in t, into q. */
static void kb_read_in(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen, kb_seq *q)
{
    memset(q, 0, sizeof *q);
    kb_err e;
    cr_assert_eq(kb_txn_each(t, tbl, prefix, plen, kb_seq_visit, q, &e), KB_OK, "%s", e.msg);
}

static void kb_same(const kb_seq *a, const kb_seq *b, const char *what)
{
    cr_assert_eq(a->n, b->n, "%s: %zu records in the snapshot, %zu on the board", what, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        cr_assert_eq(a->r[i].klen, b->r[i].klen, "%s: record %zu", what, i);
        cr_assert_arr_eq(a->r[i].key, b->r[i].key, a->r[i].klen, "%s: record %zu", what, i);
        cr_assert_str_eq(a->r[i].val, b->r[i].val, "%s: record %zu", what, i);
        cr_assert_eq(a->r[i].ver, b->r[i].ver, "%s: record %zu", what, i);
    }
}

Test(scan, snapshot_of_tables_with_writers_between_chunks_is_one_state)
{
    kb_churn c = {.max = 30};
    kb_store *s = kb_board_hooked(7, &c);
    kb_fill(s);
    kb_fill_actions(s, 40);
    static const enum kb_table tables[] = {KB_T_CASES, KB_T_ACTIONS};
    kb_err e;
    kb_txn *snap = NULL;
    cr_assert_eq(kb_store_snapshot(s, tables, 2, &snap, &e), KB_OK, "%s", e.msg);
    /* ~340 records in chunks of 7: writers committed between them */
    cr_assert_geq(c.calls, 45, "%u transactions", c.calls);
    cr_assert_eq(c.writes, 30, "%u writes while copying", c.writes);
    /* the board now (the hook wrote nothing after the last transaction) */
    kb_seq *sc = kb_calloc(1, sizeof *sc), *sa = kb_calloc(1, sizeof *sa);
    kb_seq *bc = kb_calloc(1, sizeof *bc), *ba = kb_calloc(1, sizeof *ba);
    kb_read_in(snap, KB_T_CASES, NULL, 0, sc);
    kb_read_in(snap, KB_T_ACTIONS, NULL, 0, sa);
    uint64_t snap_seq = kb_txn_audit_seq(snap);
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    unsigned char k0[16];
    kb_key(0, k0);
    cr_assert_eq(kb_txn_get(snap, KB_T_CASES, k0, 16, &val, &n, &ver, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(val, "write 29", "the counter as the last write left it");
    cr_assert_eq(ver, 31);
    kb_free(&val);
    size_t cnt = 0;
    cr_assert_eq(kb_txn_count(snap, KB_T_ACTIONS, &cnt, &e), KB_OK);
    cr_assert_eq(cnt, 70);
    /* a table not asked for, and the change feed: not in a snapshot */
    cr_assert_eq(kb_txn_get(snap, KB_T_ORGS, k0, 16, &val, &n, NULL, &e), KB_ESOFTWARE);
    kb_txn_abort(&snap);
    kb_txn *t = NULL;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    kb_read_in(t, KB_T_CASES, NULL, 0, bc);
    kb_read_in(t, KB_T_ACTIONS, NULL, 0, ba);
    cr_assert_eq(snap_seq, kb_txn_audit_seq(t), "the snapshot is the board at its newest seq");
    kb_txn_abort(&t);
    kb_same(sc, bc, "cases");
    kb_same(sa, ba, "action items");
    cr_assert_eq(sc->n, NREC + 30 - 10, "300 cases, 30 made, 10 deleted while copying");
    kb_free(&sc);
    kb_free(&sa);
    kb_free(&bc);
    kb_free(&ba);
    kb_store_close(&s);
}

/* Without writers: the snapshot reads like a transaction (gets, prefixes,
 * the hidden keys of comments, counts), hands a whole table over once,
 * and reports what it cannot do. */
Test(scan, snapshot_reads_like_a_transaction)
{
    kb_store *s = kb_board_hooked(5, NULL);
    kb_fill(s);
    kb_err e;
    kb_txn *tx = NULL;
    cr_assert_eq(kb_store_write(s, "test.comments", NULL, &tx, &e), KB_OK);
    for (unsigned c = 0; c < 3; c++)
        for (unsigned j = 0; j < 12; j++) {
            unsigned char k[20];
            kb_key(c, k);
            k[16] = k[17] = k[18] = 0;
            k[19] = (unsigned char)j;
            char v[16];
            int n = snprintf(v, sizeof v, "c%u.%u", c, j);
            cr_assert_eq(
                kb_txn_put(tx, KB_T_COMMENTS, k, 20, v, (size_t)n, KB_VERSION_NEW, NULL, NULL, &e),
                KB_OK, "%s", e.msg);
        }
    cr_assert_eq(kb_txn_commit(&tx, &e), KB_OK, "%s", e.msg);
    static const enum kb_table tables[] = {KB_T_COMMENTS, KB_T_CASES, KB_T_GOALS};
    kb_txn *snap = NULL, *t = NULL;
    cr_assert_eq(kb_store_snapshot(s, tables, 3, &snap, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_store_read(s, &t, &e), KB_ESOFTWARE, "one transaction at a time");
    kb_seq *a = kb_calloc(1, sizeof *a), *b = kb_calloc(1, sizeof *b);
    unsigned char ck[16];
    kb_key(1, ck);
    kb_read_in(snap, KB_T_COMMENTS, ck, 16, a);
    cr_assert_eq(a->n, 12);
    kb_read_in(snap, KB_T_COMMENTS, NULL, 0, a);
    cr_assert_eq(a->n, 36);
    kb_read_in(snap, KB_T_GOALS, NULL, 0, a);
    cr_assert_eq(a->n, 0);
    unsigned char one = 1;
    kb_read_in(snap, KB_T_CASES, &one, 1, a);
    cr_assert_eq(a->n, NREC - 256);
    char *val = NULL;
    size_t n = 0;
    unsigned char k[20];
    kb_key(2, k);
    k[16] = k[17] = k[18] = 0;
    k[19] = 7;
    cr_assert_eq(kb_txn_get(snap, KB_T_COMMENTS, k, 20, &val, &n, NULL, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(val, "c2.7");
    kb_free(&val);
    k[19] = 99;
    cr_assert_eq(kb_txn_get(snap, KB_T_COMMENTS, k, 20, &val, &n, NULL, &e), KB_ENOENT);
    kb_snap *sn = NULL;
    cr_assert_eq(kb_txn_snap(snap, KB_T_COMMENTS, ck, 16, &sn, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_snap_count(sn), 12, "a prefix is copied");
    kb_snap_free(&sn);
    cr_assert_eq(kb_txn_snap(snap, KB_T_CASES, NULL, 0, &sn, &e), KB_OK, "%s", e.msg);
    kb_snap *again = NULL;
    cr_assert_eq(kb_txn_snap(snap, KB_T_CASES, NULL, 0, &again, &e), KB_ESOFTWARE,
                 "a whole table is handed over once");
    cr_assert_eq(kb_txn_changes_since(snap, 0, NULL, NULL, &e), KB_ESOFTWARE);
    kb_txn_abort(&snap);
    /* the handed-over table outlives the snapshot and decrypts like a scan */
    memset(b, 0, sizeof *b);
    cr_assert_eq(kb_snap_open(sn, kb_snap_visit, b, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_snap_count(sn), NREC);
    cr_assert_str_eq(b->r[7].val, "value 7");
    kb_snap_free(&sn);
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    kb_read_in(t, KB_T_CASES, NULL, 0, a);
    kb_txn_abort(&t);
    cr_assert_eq(a->n, NREC);
    kb_free(&a);
    kb_free(&b);
    kb_store_close(&s);
}
