/* verify in chunks (src/store/verify.c): with a chunk of 8 entries or
 * records, writes committed between two chunks (from the progress callback,
 * which runs between read transactions) are caught up: a new entry is
 * verified, a record deleted after or before its chunk is fine, a record
 * changed after its chunk is looked up on its own (and a tampered one is
 * named), and --incremental checks only what came after the pin. */
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
    kb_test_dir(kb_dir, sizeof kb_dir, "verify");
}

/* the audit batch of the next board kb_board makes (0: the default) */
static size_t kb_next_audit_batch;

static void kb_teardown(void)
{
    kb_test_dir_remove(kb_dir);
}

TestSuite(verify, .init = kb_setup, .fini = kb_teardown, .timeout = 120);

static kb_store *kb_board(void)
{
    char path[400];
    snprintf(path, sizeof path, "%s/b.kb", kb_dir);
    kb_secret *p = kb_test_pass("correct horse");
    kb_store_opts o = {.state_dir = kb_dir, .lock_timeout_ms = 2000};
    kb_store *s = NULL;
    kb_err e;
    int rc = kb_store_create(path, "anna", p, KB_KDF_INTERACTIVE, &o, &s, &e);
    kb_secret_free(&p);
    cr_assert_eq(rc, KB_OK, "create: %s", e.msg);
    s->hooks.verify_chunk = 8;
    s->hooks.verify_threads = 2;
    if (kb_next_audit_batch)
        s->hooks.audit_batch = kb_next_audit_batch;
    return s;
}

static unsigned char kb_key_prefix = 0xca;

static void kb_case_key(unsigned i, unsigned char k[16])
{
    memset(k, 0, 16);
    k[0] = kb_key_prefix;
    kb_put_u32be(k + 12, i);
}

/* Put (new or changed) or delete case i in one write transaction. */
static void kb_case_put(kb_store *s, unsigned i, const char *text, uint64_t expect)
{
    kb_txn *t = NULL;
    kb_err e;
    unsigned char k[16];
    kb_case_key(i, k);
    cr_assert_eq(kb_store_write(s, "test.put", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, text, strlen(text), expect, NULL, NULL, &e),
                 KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
}

static void kb_case_del(kb_store *s, unsigned i)
{
    kb_txn *t = NULL;
    kb_err e;
    unsigned char k[16];
    kb_case_key(i, k);
    cr_assert_eq(kb_store_write(s, "test.del", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_del(t, KB_T_CASES, k, 16, 1, NULL, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
}

/* Overwrite the stored value of case i with garbage, without an audit
 * entry (tampering). */
static void kb_case_tamper(kb_store *s, unsigned i)
{
    kb_txn *t = NULL;
    kb_err e;
    unsigned char k[16];
    kb_case_key(i, k);
    cr_assert_eq(kb_store_write(s, "test.tamper", NULL, &t, &e), KB_OK, "%s", e.msg);
    MDB_dbi dbi;
    cr_assert_eq(kb_tdbi(t, KB_T_CASES, &dbi, &e), KB_OK, "%s", e.msg);
    MDB_val key = {16, k}, val;
    cr_assert_eq(mdb_get(t->txn, dbi, &key, &val), 0);
    unsigned char *copy = kb_malloc(val.mv_size);
    memcpy(copy, val.mv_data, val.mv_size);
    copy[val.mv_size - 20] ^= 0x5a; /* inside the ciphertext */
    MDB_val nv = {val.mv_size, copy};
    cr_assert_eq(mdb_put(t->txn, dbi, &key, &nv, 0), 0);
    kb_free(&copy);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
}

static kb_store *kb_filled(unsigned n)
{
    kb_store *s = kb_board();
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_write(s, "test.fill", NULL, &t, &e), KB_OK, "%s", e.msg);
    for (unsigned i = 0; i < n; i++) {
        unsigned char k[16];
        kb_case_key(i, k);
        char val[64];
        snprintf(val, sizeof val, "case %u", i);
        cr_assert_eq(
            kb_txn_put(t, KB_T_CASES, k, 16, val, strlen(val), KB_VERSION_NEW, NULL, NULL, &e),
            KB_OK, "%s", e.msg);
    }
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    return s;
}

static uint64_t kb_head(kb_store *s)
{
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    uint64_t seq = kb_txn_audit_seq(t);
    kb_txn_abort(&t);
    return seq;
}

/* What the progress callback does, and when. */
typedef struct kb_step {
    kb_store *s;
    int audit_events, record_events;
    int chunks, last_chunk; /* chunks of records walked (any table); the walk's last */
    int done;               /* steps taken */
    int what;               /* which scenario */
} kb_step;

static void kb_between(void *ctx, enum kb_verify_event ev, uint64_t done, uint64_t total)
{
    (void)done;
    (void)total;
    kb_step *st = ctx;
    if (ev == KB_VERIFY_AUDIT)
        st->audit_events++;
    if (ev == KB_VERIFY_RECORDS && st->s->hooks.verify_table == KB_T_CASES)
        st->record_events++;
    if (ev == KB_VERIFY_RECORDS)
        st->chunks++;
    if (st->done)
        return;
    switch (st->what) {
    case 1: /* after the first audit chunk: a new case and a change */
        if (st->audit_events == 1) {
            kb_case_put(st->s, 500, "new while verifying", KB_VERSION_NEW);
            kb_case_put(st->s, 30, "changed while verifying", 1);
            st->done = 1;
        }
        break;
    case 2: /* after the first chunk of cases: delete one walked, one not yet */
        if (st->record_events == 1) {
            kb_case_del(st->s, 2);
            kb_case_del(st->s, 30);
            st->done = 1;
        }
        break;
    case 3: /* after the first chunk of cases: change one already walked */
        if (st->record_events == 1) {
            kb_case_put(st->s, 3, "changed after its chunk", 1);
            st->done = 1;
        }
        break;
    case 4: /* the same, then tamper with the changed value */
        if (st->record_events == 1) {
            kb_case_put(st->s, 3, "changed after its chunk", 1);
            kb_case_tamper(st->s, 3);
            st->done = 1;
        }
        break;
    case 6: /* after the walk's last chunk: the last transaction's small tail */
        if (st->chunks == st->last_chunk) {
            kb_key_prefix = 0x02;
            kb_case_put(st->s, 2000, "added after the walk", KB_VERSION_NEW);
            kb_key_prefix = 0xca;
            kb_case_put(st->s, 39, "changed after the walk", 1);
            st->done = 1;
        }
        break;
    case 5: /* a new case in the range walked already */
        if (st->record_events == 1) {
            kb_key_prefix = 0x01;
            kb_case_put(st->s, 1000, "added before the walked range", KB_VERSION_NEW);
            kb_key_prefix = 0xca;
            st->done = 1;
        }
        break;
    }
}

static int kb_run(kb_store *s, int what, bool incremental, kb_verify_report *rep, kb_err *e,
                  kb_step *st)
{
    int last = st->last_chunk;
    memset(st, 0, sizeof *st);
    st->s = s;
    st->what = what;
    st->last_chunk = last;
    kb_verify_opts o = {.incremental = incremental, .progress = kb_between, .ctx = st};
    return kb_store_verify_ex(s, &o, rep, e);
}

Test(verify, write_between_audit_chunks_is_verified)
{
    kb_store *s = kb_filled(40);
    kb_verify_report rep;
    kb_err e;
    kb_step st = {0};
    cr_assert_eq(kb_run(s, 1, false, &rep, &e, &st), KB_OK, "%s", e.msg);
    cr_assert_eq(st.done, 1);
    cr_assert_gt(st.audit_events, 1, "several audit chunks");
    uint64_t head = kb_head(s);
    cr_assert_eq(rep.head_seq, head, "verified up to the write made meanwhile");
    cr_assert_eq(rep.entries, head);
    kb_store_close(&s);
}

Test(verify, record_deleted_between_chunks_is_fine)
{
    kb_store *s = kb_filled(40);
    kb_verify_report rep;
    kb_err e;
    kb_step st = {0};
    cr_assert_eq(kb_run(s, 2, false, &rep, &e, &st), KB_OK, "%s", e.msg);
    cr_assert_eq(st.done, 1);
    cr_assert_gt(st.record_events, 1, "the cases table in several chunks");
    cr_assert_eq(rep.head_seq, kb_head(s));
    kb_store_close(&s);
}

Test(verify, record_changed_after_its_chunk_is_looked_up)
{
    kb_store *s = kb_filled(40);
    kb_verify_report rep;
    kb_err e;
    kb_step st = {0};
    uint64_t before = s->hooks.verify_lookups;
    cr_assert_eq(kb_run(s, 3, false, &rep, &e, &st), KB_OK, "%s", e.msg);
    cr_assert_eq(st.done, 1);
    cr_assert_geq(s->hooks.verify_lookups - before, 1, "the changed record was looked up");
    kb_store_close(&s);
}

Test(verify, tampered_after_its_chunk_is_named)
{
    kb_store *s = kb_filled(40);
    kb_verify_report rep;
    kb_err e;
    kb_step st = {0};
    cr_assert_eq(kb_run(s, 4, false, &rep, &e, &st), KB_EDATA);
    cr_assert_eq(st.done, 1);
    cr_assert(strstr(e.msg, "table cases, record ca000000000000000000000000000003") != NULL, "%s",
              e.msg);
    cr_assert(strstr(e.msg, "failed authentication") != NULL, "%s", e.msg);
    kb_store_close(&s);
}

Test(verify, record_added_after_the_walk_is_looked_up)
{
    kb_store *s = kb_filled(40);
    kb_verify_report rep;
    kb_err e;
    kb_step st = {0};
    uint64_t before = s->hooks.verify_lookups;
    cr_assert_eq(kb_run(s, 5, false, &rep, &e, &st), KB_OK, "%s", e.msg);
    cr_assert_eq(st.done, 1);
    cr_assert_eq(rep.head_seq, kb_head(s));
    cr_assert_geq(s->hooks.verify_lookups - before, 1, "the new record was looked up");
    kb_store_close(&s);
}

Test(verify, writes_after_the_walk_are_caught_up_at_the_end)
{
    kb_store *s = kb_filled(40);
    kb_verify_report rep;
    kb_err e;
    kb_step st = {0};
    cr_assert_eq(kb_run(s, 0, false, &rep, &e, &st), KB_OK, "%s", e.msg);
    cr_assert_geq(st.record_events, 5, "the cases table in 5 chunks of 8 or more");
    /* a chunk goes on into the next table: no partly filled chunk per table */
    cr_assert_eq(st.chunks, (int)((rep.records + 7) / 8), "%d chunks for %llu records", st.chunks,
                 (unsigned long long)rep.records);
    st.last_chunk = st.chunks; /* the next run writes after its last chunk */
    uint64_t before = s->hooks.verify_lookups;
    cr_assert_eq(kb_run(s, 6, false, &rep, &e, &st), KB_OK, "%s", e.msg);
    cr_assert_eq(st.done, 1, "written after the last chunk");
    cr_assert_eq(rep.head_seq, kb_head(s));
    cr_assert_geq(s->hooks.verify_lookups - before, 2, "both records were looked up");
    kb_store_close(&s);
}

Test(verify, structure_check_without_the_lock_when_nothing_commits)
{
    kb_store *s = kb_filled(40);
    kb_verify_report rep;
    kb_err e;
    uint64_t before = s->hooks.verify_unlocked_checks;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(s->hooks.verify_unlocked_checks - before, 1);
    kb_store_close(&s);
}

Test(verify, one_thread_gives_the_same_result)
{
    kb_store *s = kb_filled(100);
    s->hooks.verify_threads = 1;
    kb_verify_report rep;
    kb_err e;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(rep.entries, kb_head(s));
    s->hooks.verify_threads = 2;
    kb_verify_report rep2;
    cr_assert_eq(kb_store_verify(s, &rep2, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(rep2.entries, rep.entries);
    cr_assert_eq(rep2.records, rep.records);
    kb_store_close(&s);
}

/* Audit entries of a large change are signed a batch at a time on a helper
 * thread while the change goes on (store.c, kb_audit_handoff): with a
 * batch of 3, a change of 20 records keeps a batch in flight at every
 * handoff; the log is complete, in order and every signature verifies.  A
 * change given up with a batch in flight writes nothing. */
Test(verify, entries_signed_on_a_helper_thread_verify)
{
    kb_next_audit_batch = 3;
    kb_store *s = kb_filled(20);
    kb_next_audit_batch = 0;
    uint64_t head = kb_head(s);
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_write(s, "test.abort", NULL, &t, &e), KB_OK, "%s", e.msg);
    for (unsigned i = 100; i < 110; i++) {
        unsigned char k[16];
        kb_case_key(i, k);
        cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "x", 1, KB_VERSION_NEW, NULL, NULL, &e),
                     KB_OK, "%s", e.msg);
    }
    kb_txn_abort(&t);
    cr_assert_eq(kb_head(s), head, "an abandoned change left audit entries");
    kb_case_put(s, 3, "changed", 1);
    s->hooks.audit_batch = 4096;
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(rep.entries, head + 1);
    cr_assert_geq(rep.entries, 21);
    kb_store_close(&s);
}

Test(verify, incremental_checks_what_came_after_the_pin)
{
    kb_store *s = kb_filled(40);
    kb_verify_report rep;
    kb_err e;
    kb_step st = {0};
    /* no pin yet: a full verify, said once */
    cr_assert_eq(kb_run(s, 0, true, &rep, &e, &st), KB_OK, "%s", e.msg);
    cr_assert(!rep.incremental);
    uint64_t full = rep.entries;
    kb_case_put(s, 5, "changed after the pin", 1);
    kb_case_put(s, 600, "new after the pin", KB_VERSION_NEW);
    cr_assert_eq(kb_run(s, 0, true, &rep, &e, &st), KB_OK, "%s", e.msg);
    cr_assert(rep.incremental);
    cr_assert_eq(rep.entries, 2, "only the new entries (%llu)", (unsigned long long)rep.entries);
    cr_assert_eq(rep.records, 2);
    cr_assert_eq(rep.head_seq, full + 2);
    /* a record changed after the pin, tampered with: named */
    kb_case_put(s, 7, "changed again", 1);
    kb_case_tamper(s, 7);
    cr_assert_eq(kb_run(s, 0, true, &rep, &e, &st), KB_EDATA);
    cr_assert(strstr(e.msg, "ca000000000000000000000000000007") != NULL, "%s", e.msg);
    kb_store_close(&s);
}

/* ---- format 5: signatures left to the last entry of a batch */

/* For every audit entry: 1 if its signature is left to a later entry. */
static size_t kb_deferred(kb_store *s, unsigned char *out, size_t max)
{
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_read(s, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_audit_dbi(t, &e), KB_OK, "%s", e.msg);
    MDB_cursor *c;
    cr_assert_eq(mdb_cursor_open(t->txn, t->dbi_audit, &c), 0);
    MDB_val k, v;
    size_t n = 0;
    for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0 && n < max;
         r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        kb_entry en;
        char *pt = NULL;
        cr_assert_eq(kb_audit_open(s, &k, &v, &en, &pt, &e), KB_OK, "%s", e.msg);
        out[n++] = sodium_is_zero(en.sig, sizeof en.sig) ? 1 : 0;
        kb_free(&pt);
    }
    mdb_cursor_close(c);
    kb_txn_abort(&t);
    return n;
}

/* Store audit entry seq again with signature byte 0 set to x and the rest
 * of the signature zeroed (x = 0: no signature), sealed as the store does
 * (tampering by someone who holds the board key). */
static void kb_entry_resign(kb_store *s, uint64_t seq, unsigned char x)
{
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_write(s, "test.tamper", NULL, &t, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_audit_dbi(t, &e), KB_OK, "%s", e.msg);
    unsigned char k8[8];
    kb_put_u64be(k8, seq);
    MDB_val k = {8, k8}, v;
    cr_assert_eq(mdb_get(t->txn, t->dbi_audit, &k, &v), 0);
    size_t n = 0;
    char *pt = NULL;
    cr_assert_eq(kb_val_open(s, s->keys->k_audit, KB_DB_AUDIT, k8, 8, v.mv_data, v.mv_size, &pt, &n,
                             NULL, &e),
                 KB_OK, "%s", e.msg);
    memset(pt + n - crypto_sign_BYTES, 0, crypto_sign_BYTES);
    pt[n - crypto_sign_BYTES] = (char)x;
    kb_buf out = KB_BUF_INIT;
    kb_val_seal(s, s->keys->k_audit, KB_DB_AUDIT, k8, 8, seq, pt, n, &out);
    MDB_val nv = {out.len, out.data};
    cr_assert_eq(mdb_put(t->txn, t->dbi_audit, &k, &nv, 0), 0);
    kb_buf_free(&out);
    kb_free(&pt);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
}

Test(verify, a_change_signs_its_last_entry_of_each_batch)
{
    kb_next_audit_batch = 16;
    kb_store *s = kb_filled(40); /* entries 1..40 after the board's own */
    kb_next_audit_batch = 0;
    uint64_t head = kb_head(s);
    cr_assert_geq(head, 40);
    unsigned char d[256];
    size_t n = kb_deferred(s, d, sizeof d);
    cr_assert_eq(n, head);
    uint64_t first = head - 40 + 1; /* the fill's first entry */
    /* batches of 16: entries 16, 32 and the last are signed */
    for (uint64_t q = first; q <= head; q++) {
        bool signed_ = (q - first + 1) % 16 == 0 || q == head;
        cr_assert_eq(d[q - 1], signed_ ? 0 : 1, "entry %llu of %llu", (unsigned long long)q,
                     (unsigned long long)head);
    }
    kb_verify_report rep;
    kb_err e;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(rep.entries, head);
    /* the change's last signature taken away: its last run of entries is
     * signed by nobody, and verify names the run's first entry */
    kb_entry_resign(s, head, 0);
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    char want[17];
    unsigned char k8[8];
    kb_put_u64be(k8, first + 32);
    kb_hex(k8, 8, want);
    cr_assert(strstr(e.msg, want) != NULL, "%s (want %s)", e.msg, want);
    cr_assert(strstr(e.msg, "no later entry of its change signs it") != NULL, "%s", e.msg);
    kb_store_close(&s);
}

Test(verify, a_later_change_does_not_sign_an_earlier_one)
{
    kb_store *s = kb_filled(10);
    uint64_t head = kb_head(s);
    kb_case_put(s, 3, "changed", 1); /* another change, signed */
    kb_entry_resign(s, head, 0);     /* the fill's signing entry unsigned */
    kb_verify_report rep;
    kb_err e;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "no later entry of its change signs it") != NULL, "%s", e.msg);
    kb_store_close(&s);
}

Test(verify, a_bad_signature_on_the_signing_entry_is_named)
{
    kb_store *s = kb_filled(10);
    uint64_t head = kb_head(s);
    kb_entry_resign(s, head, 0x55);
    kb_verify_report rep;
    kb_err e;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "bad signature") != NULL, "%s", e.msg);
    kb_store_close(&s);
}

/* Put cases from..to-1 in one write transaction. */
static void kb_cases_put_in(kb_txn *t, unsigned from, unsigned to)
{
    kb_err e;
    for (unsigned i = from; i < to; i++) {
        unsigned char k[16];
        kb_case_key(i, k);
        cr_assert_eq(kb_txn_put(t, KB_T_CASES, k, 16, "x", 1, KB_VERSION_NEW, NULL, NULL, &e),
                     KB_OK, "%s", e.msg);
    }
}

static void kb_cases_put(kb_store *s, unsigned from, unsigned to)
{
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_write(s, "test.fill", NULL, &t, &e), KB_OK, "%s", e.msg);
    kb_cases_put_in(t, from, to);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
}

Test(verify, sign_all_and_format_4_sign_every_entry)
{
    kb_store *s = kb_board();
    s->hooks.sign_all = true;
    kb_cases_put(s, 0, 10);
    s->hooks.sign_all = false;
    /* the header says 4, as on a board another session kept at format 4
     * (the header is read at every transaction) */
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_write(s, "test.format", NULL, &t, &e), KB_OK, "%s", e.msg);
    s->format = 4;
    cr_assert_eq(kb_board_meta_put(t, s->salt, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    kb_cases_put(s, 10, 20);
    cr_assert_eq(s->format, 4);
    unsigned char d[64];
    size_t n = kb_deferred(s, d, sizeof d);
    cr_assert_geq(n, 20);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(d[i], 0, "entry %zu is not signed", i + 1);
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "%s", e.msg);
    /* in format 4 an entry without a signature is damage, even inside a
     * change */
    kb_entry_resign(s, n - 1, 0);
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "has no signature") != NULL, "%s", e.msg);
    kb_store_close(&s);
}

Test(verify, a_meta_entry_keeps_its_own_signature)
{
    kb_store *s = kb_board();
    kb_txn *t = NULL;
    kb_err e;
    cr_assert_eq(kb_store_write(s, "test.meta", NULL, &t, &e), KB_OK, "%s", e.msg);
    unsigned char mk[16];
    memset(mk, 0, sizeof mk);
    mk[15] = 0x42;
    cr_assert_eq(kb_txn_put(t, KB_T_META, mk, 16, "m", 1, KB_VERSION_NEW, NULL, NULL, &e), KB_OK,
                 "%s", e.msg);
    kb_cases_put_in(t, 0, 3);
    cr_assert_eq(kb_txn_commit(&t, &e), KB_OK, "%s", e.msg);
    uint64_t head = kb_head(s);
    unsigned char d[64];
    size_t n = kb_deferred(s, d, sizeof d);
    cr_assert_eq(n, head);
    cr_assert_eq(d[head - 4], 0, "the meta entry is signed");
    cr_assert_eq(d[head - 3], 1, "a case entry after it is not");
    kb_verify_report rep;
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_OK, "%s", e.msg);
    /* without its signature it is damage, although a later entry of the
     * same change is signed (a restore record is checked on its own) */
    kb_entry_resign(s, head - 3, 0);
    cr_assert_eq(kb_store_verify(s, &rep, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "has no signature") != NULL, "%s", e.msg);
    kb_store_close(&s);
}
