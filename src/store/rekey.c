/*
 * rekey.c - a new data key (key epoch) for the whole board, in bounded
 * batches through a side file, resumable after a crash (docs/storage.md
 * "rekey").
 *
 * The store reads one key epoch at a time, and index tags and the hashed
 * keys of comments, leases and relations depend on the epoch's keys, so
 * the new epoch is not mixed into the board.  Instead BOARD.rekey (with its
 * own BOARD.rekey.lock) is built beside it:
 *
 *   1. create: board header (new epoch), keyslots and locators copied,
 *      the new data key sealed to every keyslot, a progress record;
 *   2. audit: every audit entry sealed again under the new audit key
 *      (same plaintext, so the same hash chain and signatures);
 *   3. records: every record of the 18 tables sealed again under the new
 *      record key, each with an audit entry of its own (action
 *      board.rekey; a record whose stored key depends on the epoch's keys
 *      moves: a delete entry for the old key, a put for the new one);
 *      the version map entries go to a scratch table (rekeyvm), sorted by
 *      LMDB;
 *   4. final: the access list names the new epoch keys;
 *   5. vmap: the version map's buckets from the scratch table, then its
 *      root for the final audit head; the scratch table is dropped;
 *   6. swap: the side file must verify and the board's audit head must be
 *      the one the side file started from; then it is renamed over the
 *      board under the exclusive board lock (as restore does).
 *
 * Each batch is one short read transaction on the board (a cursor that
 * goes on after the last key copied, at most hooks.rekey_batch values) and
 * one write transaction on the side file that also updates the progress
 * record, so memory and transaction size do not grow with the board.  The
 * board is never written until the swap: a crash leaves the old board,
 * readable and verifiable, and a side file that the next rekey continues
 * (if the board's audit head is unchanged) or discards.
 */
#include "store_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KB_DB_RKSTATE "rekey" /* side file: the progress record (key "P") */
#define KB_DB_RKVM "rekeyvm"  /* side file: version map entries (scratch) */
#define KB_RK_BATCH_BYTES (4u << 20)
#define KB_RK_VM_BUCKETS 16 /* version map buckets written per batch */

enum { KB_RK_AUDIT, KB_RK_RECORDS, KB_RK_FINAL, KB_RK_VMAP, KB_RK_READY };

static const unsigned char kb_rk_magic[8] = {'K', 'B', 'R', 'E', 'K', 'E', 'Y', '1'};
static const unsigned char kb_rk_access[KB_KEY_LEN] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                       0, 0, 0, 0, 0, 0, 0, 6};

/* The progress record (sealed under the new k_ver, table "rekey", key
 * "P"): magic 8 | old epoch u32 | new epoch u32 | source audit seq u64 |
 * source head 32 | phase u8 | table u8 | have last u8 | last key length u8
 * | last key 255 | done u64 | total u64 | next bucket u16 (small: no
 * LMDB overflow pages for a record written by every batch). */
typedef struct kb_rkstate {
    uint32_t old_epoch, new_epoch;
    uint64_t src_seq;
    unsigned char src_head[KB_HASH_LEN];
    unsigned phase, table;
    bool have_last;
    size_t lastlen;
    unsigned char last[255];
    uint64_t done, total;
    unsigned bucket;
} kb_rkstate;

#define KB_RK_STATE_LEN (8 + 4 + 4 + 8 + KB_HASH_LEN + 4 + 255 + 8 + 8 + 2)

static void kb_rk_encode(const kb_rkstate *st, kb_buf *b)
{
    kb_buf_clear(b);
    kb_buf_append(b, kb_rk_magic, sizeof kb_rk_magic);
    kb_buf_put_u32be(b, st->old_epoch);
    kb_buf_put_u32be(b, st->new_epoch);
    kb_buf_put_u64be(b, st->src_seq);
    kb_buf_append(b, st->src_head, KB_HASH_LEN);
    unsigned char f[4] = {(unsigned char)st->phase, (unsigned char)st->table,
                          (unsigned char)st->have_last, (unsigned char)st->lastlen};
    kb_buf_append(b, f, 4);
    kb_buf_append(b, st->last, sizeof st->last);
    kb_buf_put_u64be(b, st->done);
    kb_buf_put_u64be(b, st->total);
    kb_buf_put_u16be(b, (uint16_t)st->bucket);
}

static bool kb_rk_decode(const unsigned char *p, size_t n, kb_rkstate *st)
{
    if (n != KB_RK_STATE_LEN || memcmp(p, kb_rk_magic, sizeof kb_rk_magic) != 0)
        return false;
    memset(st, 0, sizeof *st);
    size_t o = 8;
    st->old_epoch = kb_get_u32be(p + o);
    st->new_epoch = kb_get_u32be(p + o + 4);
    st->src_seq = kb_get_u64be(p + o + 8);
    o += 16;
    memcpy(st->src_head, p + o, KB_HASH_LEN);
    o += KB_HASH_LEN;
    st->phase = p[o];
    st->table = p[o + 1];
    st->have_last = p[o + 2] != 0;
    st->lastlen = p[o + 3];
    o += 4;
    memcpy(st->last, p + o, sizeof st->last);
    o += sizeof st->last;
    st->done = kb_get_u64be(p + o);
    st->total = kb_get_u64be(p + o + 8);
    st->bucket = (unsigned)p[o + 16] << 8 | p[o + 17];
    return st->phase <= KB_RK_READY && st->table <= KB_T_COUNT_ &&
           st->bucket <= (1u << KB_VM_BITS_MAX);
}

static int kb_rk_state_put(kb_txn *t, const kb_rkstate *st, kb_err *e)
{
    MDB_dbi dbi;
    int rc = kb_dbi(t, KB_DB_RKSTATE, &dbi, e);
    if (rc)
        return rc;
    kb_buf plain = KB_BUF_INIT, sealed = KB_BUF_INIT;
    kb_rk_encode(st, &plain);
    kb_val_seal(t->s, t->s->keys->k_ver, KB_DB_RKSTATE, "P", 1, st->done, plain.data, plain.len,
                &sealed);
    MDB_val k = {1, "P"}, v = {sealed.len, sealed.data};
    rc = mdb_put(t->txn, dbi, &k, &v, 0);
    kb_buf_free(&plain);
    kb_buf_free(&sealed);
    if (rc) {
        t->failed = true;
        return kb_mdb_err(e, rc, KB_DB_RKSTATE);
    }
    return KB_OK;
}

/* The side file's data key (sealed to this user like any epoch key) and
 * its progress record; false when the side file is not a usable rekey of
 * this board (then it is discarded). */
static bool kb_rk_side_load(kb_store *c, kb_rkstate *st)
{
    kb_txn *t = NULL;
    kb_err e;
    if (kb_store_read(c, &t, &e) != KB_OK)
        return false;
    bool ok = false;
    kb_buf hdr = KB_BUF_INIT, sealed = KB_BUF_INIT, rec = KB_BUF_INIT;
    MDB_dbi dbi;
    sigjmp_buf pad;
    sigjmp_buf *prev = kb_bus_arm(&pad);
    if (KB_BUS_SETJMP(pad)) {
        kb_bus_disarm(prev);
        kb_txn_abort(&t);
        kb_buf_free(&hdr);
        kb_buf_free(&sealed);
        kb_buf_free(&rec);
        return false;
    }
    MDB_val k = {5, "board"}, v;
    if (kb_dbi(t, KB_DB_BOARD, &dbi, &e) == KB_OK && mdb_get(t->txn, dbi, &k, &v) == 0 &&
        v.mv_size == 48)
        kb_buf_append(&hdr, v.mv_data, v.mv_size);
    if (hdr.len == 48 && memcmp(hdr.data + 12, c->uuid, KB_UUID_LEN) == 0) {
        unsigned char ek[4 + KB_KEY_LEN];
        memcpy(ek, hdr.data + 44, 4);
        memcpy(ek + 4, c->slot_id, KB_KEY_LEN);
        MDB_val ke = {sizeof ek, ek};
        if (kb_dbi(t, KB_DB_EPOCHS, &dbi, &e) == KB_OK && mdb_get(t->txn, dbi, &ke, &v) == 0)
            kb_buf_append(&sealed, v.mv_data, v.mv_size);
        MDB_val kp = {1, "P"};
        if (kb_dbi(t, KB_DB_RKSTATE, &dbi, &e) == KB_OK && mdb_get(t->txn, dbi, &kp, &v) == 0)
            kb_buf_append(&rec, v.mv_data, v.mv_size);
    }
    kb_bus_disarm(prev);
    kb_txn_abort(&t);
    if (sealed.len == 32 + crypto_box_SEALBYTES && rec.len) {
        unsigned char xpk[crypto_box_PUBLICKEYBYTES];
        unsigned char *xsk = sodium_malloc(crypto_box_SECRETKEYBYTES);
        if (!xsk)
            abort();
        c->epoch = kb_get_u32be((unsigned char *)hdr.data + 44);
        if (crypto_sign_ed25519_pk_to_curve25519(xpk, c->keys->sign_pk) == 0 &&
            crypto_sign_ed25519_sk_to_curve25519(xsk, c->keys->sign_sk) == 0 &&
            crypto_box_seal_open(c->keys->mk, (unsigned char *)sealed.data, sealed.len, xpk, xsk) ==
                0) {
            kb_keys_derive(c->keys);
            char *pt = NULL;
            size_t n = 0;
            if (kb_val_open(c, c->keys->k_ver, KB_DB_RKSTATE, "P", 1, (unsigned char *)rec.data,
                            rec.len, &pt, &n, NULL, &e) == KB_OK)
                ok = kb_rk_decode((unsigned char *)pt, n, st) && st->new_epoch == c->epoch;
            kb_free(&pt);
        }
        sodium_free(xsk);
    }
    kb_buf_free(&hdr);
    kb_buf_free(&sealed);
    kb_buf_free(&rec);
    return ok;
}

/* The board's newest audit entry and the number of values to copy. */
static int kb_rk_source(kb_store *s, uint64_t *seq, unsigned char head[KB_HASH_LEN],
                        uint64_t *total, kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_read(s, &t, e);
    if (rc)
        return rc;
    *seq = kb_txn_audit_seq(t);
    memcpy(head, t->audit_head, KB_HASH_LEN);
    if (total) {
        *total = 0;
        for (int tb = 0; tb <= KB_T_COUNT_; tb++) {
            MDB_dbi dbi;
            int r = tb == KB_T_COUNT_ ? kb_dbi(t, KB_DB_AUDIT, &dbi, e)
                                      : kb_tdbi(t, (enum kb_table)tb, &dbi, e);
            if (r == KB_ENOENT)
                continue;
            MDB_stat ms;
            if (r) {
                rc = r;
                break;
            }
            if ((r = mdb_stat(t->txn, dbi, &ms))) {
                rc = kb_mdb_err(e, r, "rekey");
                break;
            }
            *total += ms.ms_entries;
        }
    }
    kb_txn_abort(&t);
    return rc;
}

/* One value copied out of the board (reused from batch to batch). */
typedef struct kb_rkrec {
    size_t klen;
    unsigned char key[255];
    kb_buf val;
} kb_rkrec;

/* Up to max values of the current table after the last key copied: one
 * short read transaction on the board, which must not have changed. */
static int kb_rk_collect(kb_store *s, const kb_rkstate *st, kb_rkrec *out, size_t max, size_t *n,
                         kb_err *e)
{
    *n = 0;
    kb_txn *t = NULL;
    int rc = kb_store_read(s, &t, e);
    if (rc)
        return rc;
    if (kb_txn_audit_seq(t) != st->src_seq ||
        memcmp(t->audit_head, st->src_head, KB_HASH_LEN) != 0) {
        kb_txn_abort(&t);
        return kb_err_set(e, KB_EBUSY,
                          _("the board changed during the rekey; run 'kernboard rekey' again"));
    }
    MDB_dbi dbi;
    rc = st->phase == KB_RK_AUDIT ? kb_dbi(t, KB_DB_AUDIT, &dbi, e)
                                  : kb_tdbi(t, (enum kb_table)st->table, &dbi, e);
    if (rc) {
        kb_txn_abort(&t);
        return rc == KB_ENOENT ? KB_OK : rc; /* no such table: nothing to copy */
    }
    MDB_cursor *cur = NULL;
    int g = mdb_cursor_open(t->txn, dbi, &cur);
    if (g) {
        kb_txn_abort(&t);
        return kb_mdb_err(e, g, "rekey");
    }
    sigjmp_buf pad;
    sigjmp_buf *prev = kb_bus_arm(&pad);
    if (KB_BUS_SETJMP(pad)) {
        kb_bus_disarm(prev);
        t->failed = true;
        kb_txn_abort(&t);
        return kb_err_set(e, KB_EIO,
                          _("I/O error reading the board (file truncated or share gone?)"));
    }
    MDB_val k, v;
    size_t bytes = 0;
    if (st->have_last) {
        k.mv_size = st->lastlen;
        k.mv_data = (void *)st->last;
        g = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (g == 0 && k.mv_size == st->lastlen && memcmp(k.mv_data, st->last, st->lastlen) == 0)
            g = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    } else {
        g = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    }
    for (; g == 0 && *n < max && bytes < KB_RK_BATCH_BYTES;
         g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size == 0 || k.mv_size > 255) {
            rc = kb_err_set(e, KB_EDATA, _("damaged record in table %s: bad key length"),
                            st->phase == KB_RK_AUDIT ? KB_DB_AUDIT : kb_table_name(st->table));
            break;
        }
        kb_rkrec *x = &out[(*n)++];
        x->klen = k.mv_size;
        memcpy(x->key, k.mv_data, k.mv_size);
        kb_buf_clear(&x->val);
        kb_buf_append(&x->val, v.mv_data, v.mv_size);
        bytes += k.mv_size + v.mv_size;
    }
    kb_bus_disarm(prev);
    if (rc == KB_OK && g != 0 && g != MDB_NOTFOUND && *n < max && bytes < KB_RK_BATCH_BYTES)
        rc = kb_mdb_err(e, g, "rekey");
    mdb_cursor_close(cur);
    kb_txn_abort(&t);
    return rc;
}

/* An audit entry: the same plaintext sealed under the new audit key. */
static int kb_rk_audit_one(kb_store *s, kb_txn *t, const kb_rkrec *x, kb_err *e)
{
    char *pt = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    int rc = kb_audit_flush(t, e); /* (none: a batch of the audit phase appends no entry) */
    if (rc)
        return rc;
    rc = kb_val_open(s, s->keys->k_audit, KB_DB_AUDIT, x->key, x->klen,
                     (unsigned char *)x->val.data, x->val.len, &pt, &n, &ver, e);
    if (rc)
        return rc;
    /* the entry ends with its hash (32) and signature (64) */
    if (x->klen != 8 || n < KB_HASH_LEN + crypto_sign_BYTES) {
        kb_free(&pt);
        return kb_err_set(e, KB_EDATA, _("audit entry is malformed"));
    }
    kb_buf sealed = KB_BUF_INIT;
    kb_val_seal(t->s, t->s->keys->k_audit, KB_DB_AUDIT, x->key, 8, ver, pt, n, &sealed);
    MDB_val k = {8, (void *)x->key}, v = {sealed.len, sealed.data};
    rc = mdb_put(t->txn, t->dbi_audit, &k, &v, MDB_NOOVERWRITE | MDB_APPEND);
    if (rc == 0) {
        t->audit_seq = kb_get_u64be(x->key);
        memcpy(t->audit_head, pt + n - KB_HASH_LEN - crypto_sign_BYTES, KB_HASH_LEN);
    }
    kb_buf_free(&sealed);
    sodium_memzero(pt, n);
    kb_free(&pt);
    if (rc) {
        t->failed = true;
        return kb_mdb_err(e, rc, _("cannot append to the audit log"));
    }
    return KB_OK;
}

/* The version map entry of a record in the side file (scratch table). */
static int kb_rk_vm_note(kb_txn *t, MDB_dbi vdbi, enum kb_table tb, const void *key, size_t klen,
                         uint64_t ver, kb_err *e)
{
    unsigned char d[KB_KEY_LEN], v8[8];
    kb_vm_digest(t->s, (unsigned)tb, key, klen, d);
    kb_put_u64be(v8, ver);
    MDB_val k = {sizeof d, d}, v = {sizeof v8, v8};
    int rc = mdb_put(t->txn, vdbi, &k, &v, 0);
    if (rc) {
        t->failed = true;
        return kb_mdb_err(e, rc, KB_DB_RKVM);
    }
    return KB_OK;
}

/* A record: decrypted with the old key, sealed with the new one, under its
 * new stored key where that depends on the keys (index tags, the hashed
 * case keys of comments, leases and relation lists), with its own audit
 * entries. */
static int kb_rk_record_one(kb_store *s, kb_txn *t, MDB_dbi vdbi, enum kb_table tb,
                            const kb_rkrec *x, kb_err *e)
{
    kb_store *c = t->s;
    const char *tn = kb_table_name(tb);
    char *pt = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    int rc = kb_val_open(s, s->keys->k_rec, tn, x->key, x->klen, (unsigned char *)x->val.data,
                         x->val.len, &pt, &n, &ver, e);
    if (rc)
        return rc;
    unsigned char nk[255];
    size_t nkl = x->klen;
    bool moved = true;
    memcpy(nk, x->key, x->klen);
    if (tb == KB_T_INDEX) {
        /* value: logical name | record key; the tag is keyed with k_idx */
        if (n <= KB_KEY_LEN) {
            rc = kb_err_set(e, KB_EDATA, _("damaged index entry"));
        } else {
            char *name = kb_strndup(pt, n - KB_KEY_LEN);
            kb_index_tag(c, name, nk);
            nkl = KB_KEY_LEN;
            kb_free(&name);
        }
    } else if (tb == KB_T_COMMENTS || tb == KB_T_LEASES) {
        /* value: frame (key length u8 | logical key) | payload */
        size_t kl = n ? (unsigned char)pt[0] : 0;
        if (n < 1 || kl + 1 > n || kl == 0) {
            rc = kb_err_set(e, KB_EDATA, _("damaged record in table %s"), tn);
        } else {
            memcpy(nk, pt + 1, kl);
            nkl = kl;
            if (kl >= KB_KEY_LEN)
                kb_ref16(c, tb, (const unsigned char *)pt + 1, nk);
        }
    } else if (tb == KB_T_RELS) {
        if (n < KB_KEY_LEN) {
            rc = kb_err_set(e, KB_EDATA, _("damaged relation list"));
        } else {
            kb_ref16(c, KB_T_RELS, (const unsigned char *)pt, nk);
            nkl = KB_KEY_LEN;
        }
    } else {
        moved = false;
    }
    uint64_t nver = moved ? 1 : ver + 1;
    MDB_dbi dbi;
    kb_buf sealed = KB_BUF_INIT;
    if (rc == KB_OK && (rc = kb_tdbi(t, tb, &dbi, e)) == KB_OK) {
        kb_val_seal(c, c->keys->k_rec, tn, nk, nkl, nver, pt, n, &sealed);
        MDB_val k = {nkl, nk}, v = {sealed.len, sealed.data};
        int r = mdb_put(t->txn, dbi, &k, &v, MDB_NOOVERWRITE);
        if (r == MDB_KEYEXIST) {
            rc = kb_err_set(e, KB_EDATA, _("two records of table %s share a key under the new key"),
                            tn);
        } else if (r) {
            t->failed = true;
            rc = kb_mdb_err(e, r, _("cannot save"));
        } else {
            if (moved)
                rc = kb_audit_append(t, tb, x->key, x->klen, 0, NULL, "rekey", e);
            if (rc == KB_OK)
                rc = kb_audit_append(t, tb, nk, nkl, nver, &v, "rekey", e);
            if (rc == KB_OK)
                rc = kb_rk_vm_note(t, vdbi, tb, nk, nkl, nver, e);
        }
    }
    kb_buf_free(&sealed);
    sodium_memzero(pt, n);
    kb_free(&pt);
    return rc;
}

/* One batch into the side file, with the progress record. */
static int kb_rk_write(kb_store *s, kb_store *c, kb_rkstate *st, const kb_rkrec *recs, size_t n,
                       kb_err *e)
{
    kb_txn *t = NULL;
    /* a fresh operation id per transaction: format 5's audit entries leave
     * their signature to a later entry of the same id, so an id must never
     * be shared by two committed transactions (storage.md, Signatures) */
    int rc = kb_store_write(c, "board.rekey", NULL, &t, e);
    if (rc)
        return rc;
    t->vm_off = true; /* built from the scratch table at the end */
    MDB_dbi vdbi;
    if (st->phase == KB_RK_AUDIT)
        rc = kb_audit_dbi(t, e);
    else
        rc = kb_dbi(t, KB_DB_RKVM, &vdbi, e);
    for (size_t i = 0; i < n && rc == KB_OK; i++)
        rc = st->phase == KB_RK_AUDIT
                 ? kb_rk_audit_one(s, t, &recs[i], e)
                 : kb_rk_record_one(s, t, vdbi, (enum kb_table)st->table, &recs[i], e);
    if (rc == KB_OK) {
        st->have_last = true;
        st->lastlen = recs[n - 1].klen;
        memset(st->last, 0, sizeof st->last);
        memcpy(st->last, recs[n - 1].key, st->lastlen);
        st->done += n;
        rc = kb_rk_state_put(t, st, e);
    }
    if (rc) {
        kb_txn_abort(&t);
        return rc;
    }
    return kb_txn_commit(&t, e);
}

/* Copy the keyslots and locators, and seal the new data key to every
 * keyslot's user (the X25519 form of the key in signers). */
static int kb_rk_create(kb_store *s, kb_store *c, kb_rkstate *st, kb_err *e)
{
    kb_txn *t = NULL;
    kb_buf slots = KB_BUF_INIT, finds = KB_BUF_INIT, pks = KB_BUF_INIT;
    int rc = kb_store_read(s, &t, e);
    if (rc)
        return rc;
    static const char *const tabs[2] = {KB_DB_SLOTS, KB_DB_SLOTFIND};
    for (int w = 0; w < 2 && rc == KB_OK; w++) {
        MDB_dbi dbi;
        MDB_cursor *cur = NULL;
        int r = kb_dbi(t, tabs[w], &dbi, e);
        if (r == KB_ENOENT)
            continue;
        if (r) {
            rc = r;
            break;
        }
        if ((r = mdb_cursor_open(t->txn, dbi, &cur))) {
            rc = kb_mdb_err(e, r, tabs[w]);
            break;
        }
        MDB_val k, v;
        for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0;
             g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            kb_buf *b = w == 0 ? &slots : &finds;
            if (k.mv_size > 255 || v.mv_size > 4096)
                continue;
            kb_buf_put_u16be(b, (uint16_t)k.mv_size);
            kb_buf_append(b, k.mv_data, k.mv_size);
            kb_buf_put_u16be(b, (uint16_t)v.mv_size);
            kb_buf_append(b, v.mv_data, v.mv_size);
            if (w == 0 && k.mv_size == KB_KEY_LEN) {
                char *sv = NULL;
                size_t sn = 0;
                unsigned char xpk[crypto_box_PUBLICKEYBYTES];
                if ((rc = kb_txn_get(t, KB_T_SIGNERS, k.mv_data, KB_KEY_LEN, &sv, &sn, NULL, e)))
                    break;
                if (sn < crypto_sign_PUBLICKEYBYTES ||
                    crypto_sign_ed25519_pk_to_curve25519(xpk, (unsigned char *)sv) != 0) {
                    kb_free(&sv);
                    rc = kb_err_set(e, KB_EDATA, _("a signer record is damaged"));
                    break;
                }
                kb_free(&sv);
                kb_buf_append(&pks, k.mv_data, KB_KEY_LEN);
                kb_buf_append(&pks, xpk, sizeof xpk);
            }
        }
        mdb_cursor_close(cur);
    }
    kb_txn_abort(&t);
    if (rc == KB_OK && (rc = kb_txn_begin(c, true, true, &t, e)) == KB_OK) {
        t->action = kb_strdup("board.rekey");
        t->vm_off = true;
        rc = kb_board_meta_put(t, s->salt, e);
        for (int w = 0; w < 2 && rc == KB_OK; w++) {
            const kb_buf *b = w == 0 ? &slots : &finds;
            MDB_dbi dbi;
            if ((rc = kb_dbi(t, tabs[w], &dbi, e)))
                break;
            for (size_t o = 0; o < b->len && rc == KB_OK;) {
                const unsigned char *p = (const unsigned char *)b->data + o;
                size_t kl = kb_get_u16be(p), vl = kb_get_u16be(p + 2 + kl);
                MDB_val k = {kl, (void *)(p + 2)}, v = {vl, (void *)(p + 4 + kl)};
                int r = mdb_put(t->txn, dbi, &k, &v, 0);
                if (r)
                    rc = kb_mdb_err(e, r, tabs[w]);
                o += 4 + kl + vl;
            }
        }
        MDB_dbi edbi;
        if (rc == KB_OK)
            rc = kb_dbi(t, KB_DB_EPOCHS, &edbi, e);
        const size_t ent = KB_KEY_LEN + crypto_box_PUBLICKEYBYTES;
        for (size_t o = 0; o + ent <= pks.len && rc == KB_OK; o += ent) {
            const unsigned char *p = (const unsigned char *)pks.data + o;
            unsigned char sealed[32 + crypto_box_SEALBYTES], ek[4 + KB_KEY_LEN];
            crypto_box_seal(sealed, c->keys->mk, 32, p + KB_KEY_LEN);
            kb_put_u32be(ek, c->epoch);
            memcpy(ek + 4, p, KB_KEY_LEN);
            MDB_val k = {sizeof ek, ek}, v = {sizeof sealed, sealed};
            int r = mdb_put(t->txn, edbi, &k, &v, 0);
            if (r)
                rc = kb_mdb_err(e, r, KB_DB_EPOCHS);
        }
        if (rc == KB_OK)
            rc = kb_rk_state_put(t, st, e);
        if (rc == KB_OK)
            rc = kb_txn_commit(&t, e);
        kb_txn_abort(&t);
    }
    kb_buf_free(&slots);
    kb_buf_free(&finds);
    kb_buf_free(&pks);
    return rc;
}

/* The access list names the new epoch keys (one more audited put). */
static int kb_rk_final(kb_store *c, kb_rkstate *st, kb_err *e)
{
    kb_txn *t = NULL;
    kb_buf acc = KB_BUF_INIT, ids = KB_BUF_INIT;
    uint64_t aver = 0;
    int rc = kb_store_write(c, "board.rekey", NULL, &t, e);
    if (rc)
        return rc;
    t->vm_off = true;
    MDB_dbi sdbi, edbi, vdbi;
    if ((rc = kb_access_load(t, &acc, &aver, e)) || (rc = kb_dbi(t, KB_DB_SLOTS, &sdbi, e)) ||
        (rc = kb_dbi(t, KB_DB_EPOCHS, &edbi, e)) || (rc = kb_dbi(t, KB_DB_RKVM, &vdbi, e)))
        goto out;
    {
        MDB_cursor *cur = NULL;
        MDB_val k, v;
        if ((rc = mdb_cursor_open(t->txn, sdbi, &cur))) {
            rc = kb_mdb_err(e, rc, KB_DB_SLOTS);
            goto out;
        }
        for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0;
             g = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
            if (k.mv_size == KB_KEY_LEN)
                kb_buf_append(&ids, k.mv_data, KB_KEY_LEN);
        mdb_cursor_close(cur);
    }
    for (size_t o = 0; o < ids.len; o += KB_KEY_LEN) {
        unsigned char ek[4 + KB_KEY_LEN], he[KB_HASH_LEN];
        kb_put_u32be(ek, c->epoch);
        memcpy(ek + 4, ids.data + o, KB_KEY_LEN);
        MDB_val k = {sizeof ek, ek}, v;
        if (mdb_get(t->txn, edbi, &k, &v) != 0)
            continue; /* verify names a keyslot without an epoch key */
        crypto_generichash(he, KB_HASH_LEN, v.mv_data, v.mv_size, NULL, 0);
        kb_access_upsert(&acc, (const unsigned char *)ids.data + o, NULL, NULL, he);
    }
    if (acc.len) {
        if ((rc = kb_access_store(t, &acc, aver, e)) ||
            (rc = kb_rk_vm_note(t, vdbi, KB_T_META, kb_rk_access, KB_KEY_LEN, aver ? aver + 1 : 1,
                                e)))
            goto out;
    }
    st->phase = KB_RK_VMAP;
    st->bucket = 0;
    if ((rc = kb_rk_state_put(t, st, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_buf_free(&acc);
    kb_buf_free(&ids);
    return rc;
}

/* Up to KB_RK_VM_BUCKETS buckets of the version map from the scratch
 * table (sorted by LMDB, so each bucket is one range); after the last one
 * the root for the side file's audit head, and the scratch table goes. */
static int kb_rk_vmap(kb_store *c, kb_rkstate *st, kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_write(c, "board.rekey", NULL, &t, e);
    if (rc)
        return rc;
    t->vm_off = true;
    MDB_dbi mdbi, vdbi;
    MDB_cursor *cur = NULL;
    kb_buf ent = KB_BUF_INIT, sealed = KB_BUF_INIT;
    if ((rc = kb_dbi(t, KB_DB_VMAP, &mdbi, e)) || (rc = kb_dbi(t, KB_DB_RKVM, &vdbi, e)))
        goto out;
    if ((rc = mdb_cursor_open(t->txn, vdbi, &cur))) {
        rc = kb_mdb_err(e, rc, KB_DB_RKVM);
        goto out;
    }
    /* as many buckets as the entries need (the scratch table does not
     * change in this phase, so every batch computes the same shape) */
    MDB_stat vst;
    if ((rc = mdb_stat(t->txn, vdbi, &vst))) {
        rc = kb_mdb_err(e, rc, KB_DB_RKVM);
        goto out;
    }
    kb_vmap shape = {0};
    unsigned layout = kb_vm_layout_of(c->format);
    kb_vm_dims(&shape, layout,
               layout >= 3 ? kb_vm_bits_for(vst.ms_entries, c->vm_grow) : KB_VM_BITS_MIN);
    size_t end =
        st->bucket + KB_RK_VM_BUCKETS > shape.nb ? shape.nb : st->bucket + KB_RK_VM_BUCKETS;
    unsigned sh = 16 - shape.bits;
    unsigned char first[2] = {(unsigned char)((st->bucket << sh) >> 8),
                              (unsigned char)(st->bucket << sh)};
    MDB_val k = {2, first}, v;
    int g = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (size_t b = st->bucket; b < end && rc == KB_OK; b++) {
        kb_buf_clear(&ent);
        for (; g == 0 && k.mv_size == KB_KEY_LEN && kb_vm_index(&shape, k.mv_data) == b;
             g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            kb_buf_append(&ent, k.mv_data, KB_KEY_LEN);
            kb_buf_append(&ent, v.mv_data, 8);
        }
        if (g == 0 && k.mv_size != KB_KEY_LEN) {
            rc = kb_err_set(e, KB_EDATA, _("the rekey's scratch table is damaged"));
            break;
        }
        if (ent.len == 0)
            continue;
        unsigned char key[3];
        size_t kl = kb_vm_bkey(&shape, b, key);
        kb_val_seal(c, c->keys->k_ver, KB_DB_VMAP, key, kl, t->audit_seq, ent.data, ent.len,
                    &sealed);
        MDB_val bk = {kl, key}, bv = {sealed.len, sealed.data};
        int r = mdb_put(t->txn, mdbi, &bk, &bv, 0);
        if (r)
            rc = kb_mdb_err(e, r, KB_DB_VMAP);
    }
    mdb_cursor_close(cur);
    cur = NULL;
    if (rc)
        goto out;
    st->bucket = (unsigned)end;
    if (end == shape.nb) {
        /* the root names the hash of every stored bucket (layout 4: of
         * every group of bucket hashes) */
        unsigned char(*bh)[KB_HASH_LEN] = kb_calloc(shape.nb, KB_HASH_LEN);
        for (size_t b = 0; b < shape.nb; b++) {
            unsigned char key[3];
            MDB_val bk = {kb_vm_bkey(&shape, b, key), key}, bv;
            if (mdb_get(t->txn, mdbi, &bk, &bv) == 0)
                crypto_generichash(bh[b], KB_HASH_LEN, bv.mv_data, bv.mv_size, NULL, 0);
        }
        size_t nh = shape.nb;
        if (shape.layout >= 4) {
            unsigned char(*gh)[KB_HASH_LEN] = kb_calloc(shape.ng, KB_HASH_LEN);
            for (size_t gi = 0; gi < shape.ng && rc == KB_OK; gi++)
                rc = kb_vm_group_store(c, t->txn, mdbi, gi, shape.gbits, bh[gi << shape.gbits],
                                       t->audit_seq, gh[gi], &sealed, e);
            kb_free(&bh);
            bh = gh;
            nh = shape.ng;
        }
        kb_buf root = KB_BUF_INIT;
        kb_vm_root_value(&root, shape.layout, shape.bits, t->audit_seq, t->audit_head,
                         vst.ms_entries, bh[0], nh);
        kb_free(&bh);
        if (rc) {
            kb_buf_free(&root);
            goto out;
        }
        kb_val_seal(c, c->keys->k_ver, KB_DB_VMAP, "R", 1, t->audit_seq, root.data, root.len,
                    &sealed);
        kb_buf_free(&root);
        MDB_val rk = {1, "R"}, rv = {sealed.len, sealed.data};
        int r = mdb_put(t->txn, mdbi, &rk, &rv, 0);
        if (r == 0)
            r = mdb_drop(t->txn, vdbi, 1);
        if (r) {
            rc = kb_mdb_err(e, r, KB_DB_VMAP);
            goto out;
        }
        st->phase = KB_RK_READY;
    }
    if ((rc = kb_rk_state_put(t, st, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
out:
    if (cur)
        mdb_cursor_close(cur);
    kb_txn_abort(&t);
    kb_buf_free(&ent);
    kb_buf_free(&sealed);
    return rc;
}

/* ---- the check of the side file before the swap, in bounded batches
 *
 * kb_store_verify keeps an entry per audit entry in memory and verifies
 * every signature, which for a board of 100 000 cases is hundreds of MB
 * and minutes; the rekey checks instead, batch by batch, what building the
 * side file could have got wrong:
 *   - the audit chain: every entry opens under the new key, its hash is
 *     recomputed, it links to the previous one, the sequence has no gap,
 *     and the entry at the source seq has the board's head hash (so the
 *     re-sealed prefix is the board's own history, signatures included);
 *   - every entry the rekey appended: a put names a stored value with that
 *     version and hash (or an older version, superseded), a delete names a
 *     key that is not stored;
 *   - every stored record opens under the new key and exactly one entry
 *     matched it;
 *   - the version map: the root is for the newest entry, every bucket is
 *     the one the root names, and they hold as many entries as there are
 *     records;
 *   - every keyslot is in the access list, with an epoch key of the new
 *     epoch that the list vouches for.
 * `kernboard verify` still checks everything (docs/storage.md "rekey"). */

typedef struct kb_rkent {
    uint64_t seq;
    const unsigned char *prev, *key, *vhash, *hash;
    unsigned flags, table;
    size_t klen;
    uint64_t version;
} kb_rkent;

/* An audit entry's plaintext (layout: docs/storage.md "Audit log"). */
static bool kb_rk_entry_parse(const unsigned char *p, size_t n, kb_rkent *x)
{
    const size_t fixed = 8 + 32 + 8 + 16 + 16 + 16 + 3, tail = KB_HASH_LEN + crypto_sign_BYTES;
    if (n < fixed + tail)
        return false;
    size_t end = n - tail, off = fixed;
    x->seq = kb_get_u64be(p);
    x->prev = p + 8;
    x->flags = p[96];
    x->table = p[97];
    x->klen = p[98];
    if (off + x->klen + 8 + KB_HASH_LEN + 1 > end)
        return false;
    x->key = p + off;
    off += x->klen;
    x->version = kb_get_u64be(p + off);
    x->vhash = p + off + 8;
    off += 8 + KB_HASH_LEN;
    off += 1 + (size_t)p[off];
    if (off + 4 > end)
        return false;
    size_t dl = kb_get_u32be(p + off);
    if (dl > end - off - 4)
        return false;
    x->hash = p + end;
    return off + 4 + dl == end;
}

static int kb_rk_bad(kb_err *e, const char *what, uint64_t n)
{
    return kb_err_set(e, KB_EDATA, _("%s (audit entry or record %llu)"), what,
                      (unsigned long long)n);
}

/* One batch of the audit chain check: entries from *next on. */
static int kb_rk_check_audit(kb_store *c, const kb_rkstate *st, uint64_t *next,
                             unsigned char prev[KB_HASH_LEN], uint64_t *matched, bool *end,
                             kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_read(c, &t, e);
    if (rc)
        return rc;
    MDB_cursor *cur = NULL;
    if (kb_audit_dbi(t, e) != KB_OK || mdb_cursor_open(t->txn, t->dbi_audit, &cur) != 0) {
        kb_txn_abort(&t);
        return kb_err_set(e, KB_EDATA, "%s", _("the rekeyed copy's audit log is too short"));
    }
    sigjmp_buf pad;
    sigjmp_buf *prevpad = kb_bus_arm(&pad);
    if (KB_BUS_SETJMP(pad)) {
        kb_bus_disarm(prevpad);
        t->failed = true;
        kb_txn_abort(&t);
        return kb_err_set(e, KB_EIO, _("I/O error reading the rekeyed copy of the board"));
    }
    unsigned char k8[8];
    kb_put_u64be(k8, *next);
    MDB_val k = {8, k8}, v;
    size_t count = 0;
    int g = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (; g == 0 && count < c->hooks.rekey_batch && rc == KB_OK;
         g = mdb_cursor_get(cur, &k, &v, MDB_NEXT), count++) {
        char *pt = NULL;
        size_t n = 0;
        kb_rkent x;
        unsigned char h[KB_HASH_LEN];
        if ((rc = kb_val_open(c, c->keys->k_audit, KB_DB_AUDIT, k.mv_data, k.mv_size, v.mv_data,
                              v.mv_size, &pt, &n, NULL, e)))
            break;
        if (!kb_rk_entry_parse((unsigned char *)pt, n, &x) || k.mv_size != 8 ||
            x.seq != kb_get_u64be(k.mv_data)) {
            rc = kb_rk_bad(e, _("a malformed audit entry"), *next);
        } else if (x.seq != *next) {
            rc = kb_rk_bad(e, _("a gap in the audit sequence"), *next);
        } else {
            crypto_generichash(h, KB_HASH_LEN, (unsigned char *)pt,
                               n - KB_HASH_LEN - crypto_sign_BYTES, NULL, 0);
            if (memcmp(h, x.hash, KB_HASH_LEN) != 0 || memcmp(x.prev, prev, KB_HASH_LEN) != 0)
                rc = kb_rk_bad(e, _("the audit chain is broken"), x.seq);
            else if (x.seq == st->src_seq && memcmp(x.hash, st->src_head, KB_HASH_LEN) != 0)
                rc = kb_rk_bad(e, _("the copied history differs from the board's"), x.seq);
        }
        if (rc == KB_OK && x.seq > st->src_seq) {
            MDB_dbi dbi;
            int r = x.table < KB_T_COUNT_ ? kb_tdbi(t, (enum kb_table)x.table, &dbi, e) : KB_EDATA;
            MDB_val rk = {x.klen, (void *)x.key}, rv;
            int got = r == KB_OK ? mdb_get(t->txn, dbi, &rk, &rv) : MDB_NOTFOUND;
            if (r != KB_OK && r != KB_ENOENT) {
                rc = kb_rk_bad(e, _("an audit entry names an unknown table"), x.seq);
            } else if (x.flags & 1) {
                if (got == 0)
                    rc = kb_rk_bad(e, _("a record moved by the rekey is still under its old key"),
                                   x.seq);
            } else if (got != 0) {
                rc = kb_rk_bad(e, _("a record sealed by the rekey is missing"), x.seq);
            } else {
                uint64_t ver = kb_val_version(rv.mv_data, rv.mv_size);
                crypto_generichash(h, KB_HASH_LEN, rv.mv_data, rv.mv_size, NULL, 0);
                if (ver == x.version && memcmp(h, x.vhash, KB_HASH_LEN) == 0)
                    (*matched)++;
                else if (ver <= x.version)
                    rc = kb_rk_bad(e, _("a stored record does not match its audit entry"), x.seq);
            }
        }
        if (rc == KB_OK) {
            memcpy(prev, x.hash, KB_HASH_LEN);
            (*next)++;
        }
        sodium_memzero(pt, n);
        kb_free(&pt);
    }
    kb_bus_disarm(prevpad);
    if (rc == KB_OK && g != 0 && g != MDB_NOTFOUND)
        rc = kb_mdb_err(e, g, KB_DB_AUDIT);
    *end = rc == KB_OK && g == MDB_NOTFOUND;
    mdb_cursor_close(cur);
    kb_txn_abort(&t);
    return rc;
}

/* One batch of records: each must open under the new key. */
static int kb_rk_check_records(kb_store *c, unsigned *table, kb_rkstate *cur_st, uint64_t *records,
                               kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_read(c, &t, e);
    if (rc)
        return rc;
    MDB_dbi dbi;
    MDB_cursor *cur = NULL;
    rc = kb_tdbi(t, (enum kb_table) * table, &dbi, e);
    if (rc == KB_ENOENT || (rc == KB_OK && mdb_cursor_open(t->txn, dbi, &cur) != 0)) {
        kb_txn_abort(&t);
        if (rc == KB_OK)
            return kb_err_set(e, KB_EIO, "%s", _("cannot read the rekeyed copy of the board"));
        (*table)++;
        cur_st->have_last = false;
        return KB_OK;
    }
    if (rc) {
        kb_txn_abort(&t);
        return rc;
    }
    sigjmp_buf pad;
    sigjmp_buf *prev = kb_bus_arm(&pad);
    if (KB_BUS_SETJMP(pad)) {
        kb_bus_disarm(prev);
        t->failed = true;
        kb_txn_abort(&t);
        return kb_err_set(e, KB_EIO, _("I/O error reading the rekeyed copy of the board"));
    }
    MDB_val k, v;
    int g;
    if (cur_st->have_last) {
        k.mv_size = cur_st->lastlen;
        k.mv_data = cur_st->last;
        g = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (g == 0 && k.mv_size == cur_st->lastlen &&
            memcmp(k.mv_data, cur_st->last, cur_st->lastlen) == 0)
            g = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    } else {
        g = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    }
    size_t count = 0;
    for (; g == 0 && count < c->hooks.rekey_batch && rc == KB_OK;
         g = mdb_cursor_get(cur, &k, &v, MDB_NEXT), count++) {
        char *pt = NULL;
        size_t n = 0;
        kb_err ve;
        if (k.mv_size > 255 ||
            kb_val_open(c, c->keys->k_rec, kb_table_name(*table), k.mv_data, k.mv_size, v.mv_data,
                        v.mv_size, &pt, &n, NULL, &ve) != KB_OK) {
            rc =
                kb_err_set(e, KB_EDATA, _("a record of table %s in the rekeyed copy does not open"),
                           kb_table_name(*table));
            break;
        }
        sodium_memzero(pt, n);
        kb_free(&pt);
        (*records)++;
        cur_st->have_last = true;
        cur_st->lastlen = k.mv_size;
        memcpy(cur_st->last, k.mv_data, k.mv_size);
    }
    kb_bus_disarm(prev);
    if (rc == KB_OK && g == MDB_NOTFOUND) {
        (*table)++;
        cur_st->have_last = false;
    } else if (rc == KB_OK && g != 0) {
        rc = kb_mdb_err(e, g, kb_table_name(*table));
    }
    mdb_cursor_close(cur);
    kb_txn_abort(&t);
    return rc;
}

/* The version map (one bucket in memory at a time) and the access list. */
static int kb_rk_check_maps(kb_store *c, uint64_t head_seq, const unsigned char head[KB_HASH_LEN],
                            uint64_t records, kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_read(c, &t, e);
    if (rc)
        return rc;
    kb_buf raw = KB_BUF_INIT, acc = KB_BUF_INIT;
    char *pt = NULL;
    size_t n = 0;
    uint64_t total = 0, aver = 0;
    MDB_dbi dbi, sdbi, edbi;
    MDB_val k = {1, "R"}, v;
    char *root = NULL; /* the root's plaintext */
    size_t rn = 0;
    kb_buf groups = KB_BUF_INIT; /* layout 4: every bucket's hash */
    kb_vmap shape = {0};
    sigjmp_buf pad;
    sigjmp_buf *prev = kb_bus_arm(&pad);
    if (KB_BUS_SETJMP(pad)) {
        kb_bus_disarm(prev);
        t->failed = true;
        kb_txn_abort(&t);
        kb_buf_free(&raw);
        kb_buf_free(&acc);
        kb_free(&pt);
        kb_free(&root);
        kb_buf_free(&groups);
        return kb_err_set(e, KB_EIO, _("I/O error reading the rekeyed copy of the board"));
    }
    if ((rc = kb_dbi(t, KB_DB_VMAP, &dbi, e)) || mdb_get(t->txn, dbi, &k, &v) != 0) {
        rc = kb_err_set(e, KB_EDATA, "%s", _("the rekeyed copy has no version map"));
        goto out;
    }
    kb_buf_append(&raw, v.mv_data, v.mv_size);
    shape.layout = kb_vm_layout_of(c->format);
    rc = kb_val_open(c, c->keys->k_ver, KB_DB_VMAP, "R", 1, (unsigned char *)raw.data, raw.len,
                     &root, &rn, NULL, e);
    kb_vm_rootv rv;
    if (rc != KB_OK || !kb_vm_root_parse(shape.layout, (const unsigned char *)root, rn, &rv) ||
        rv.seq != head_seq || memcmp(rv.head, head, KB_HASH_LEN) != 0 ||
        (shape.layout >= 3 && rv.count != records)) {
        rc = kb_err_set(e, KB_EDATA, "%s",
                        _("the rekeyed copy's version map is not for its newest audit entry"));
        goto out;
    }
    kb_vm_dims(&shape, shape.layout, rv.bits);
    const unsigned char *bh = rv.hashes;
    if (shape.layout >= 4) { /* the bucket hashes, from the groups the root names */
        kb_buf_reserve(&groups, shape.nb * KB_HASH_LEN);
        unsigned char *all = (unsigned char *)groups.data;
        memset(all, 0, shape.nb * KB_HASH_LEN); /* (an absent group: empty buckets) */
        for (size_t g = 0; g < shape.ng && rc == KB_OK; g++) {
            unsigned char key[3];
            MDB_val gk = {kb_vm_gkey(g, key), key}, gv;
            int got = mdb_get(t->txn, dbi, &gk, &gv);
            bool none = sodium_is_zero(bh + g * KB_HASH_LEN, KB_HASH_LEN);
            kb_buf_clear(&raw); /* (a copy: a fault reading the map ends in the handler) */
            if (got == 0)
                kb_buf_append(&raw, gv.mv_data, gv.mv_size);
            kb_err ge;
            if (none ? got == 0
                     : got != 0 ||
                           kb_vm_group_open(c, g, shape.gbits, (const unsigned char *)raw.data,
                                            raw.len, bh + g * KB_HASH_LEN,
                                            all + (g << shape.gbits) * KB_HASH_LEN, &ge) != KB_OK)
                rc = kb_err_set(e, KB_EDATA, "%s", _("the rekeyed copy's version map is damaged"));
        }
        bh = all;
    }
    for (size_t b = 0; b < shape.nb && rc == KB_OK; b++) {
        unsigned char key[3], h[KB_HASH_LEN];
        size_t kl = kb_vm_bkey(&shape, b, key);
        MDB_val bk = {kl, key}, bv;
        int got = mdb_get(t->txn, dbi, &bk, &bv);
        if (sodium_is_zero(bh + b * KB_HASH_LEN, KB_HASH_LEN)) {
            if (got == 0)
                rc = kb_err_set(e, KB_EDATA, "%s", _("the rekeyed copy's version map is damaged"));
            continue;
        }
        if (got == 0)
            crypto_generichash(h, KB_HASH_LEN, bv.mv_data, bv.mv_size, NULL, 0);
        if (got != 0 || memcmp(h, bh + b * KB_HASH_LEN, KB_HASH_LEN) != 0 ||
            kb_val_open(c, c->keys->k_ver, KB_DB_VMAP, key, kl, bv.mv_data, bv.mv_size, &pt, &n,
                        NULL, e) != KB_OK ||
            n % KB_VM_ENT != 0) {
            rc = kb_err_set(e, KB_EDATA, "%s", _("the rekeyed copy's version map is damaged"));
        } else {
            for (size_t i = 0; i < n / KB_VM_ENT && rc == KB_OK; i++)
                if ((i > 0 &&
                     memcmp(pt + (i - 1) * KB_VM_ENT, pt + i * KB_VM_ENT, KB_KEY_LEN) >= 0) ||
                    kb_vm_index(&shape, (const unsigned char *)pt + i * KB_VM_ENT) != b)
                    rc = kb_err_set(e, KB_EDATA, "%s",
                                    _("the rekeyed copy's version map is damaged"));
            total += n / KB_VM_ENT;
        }
        kb_free(&pt);
    }
    if (rc == KB_OK && total != records)
        rc = kb_err_set(e, KB_EDATA,
                        _("the rekeyed copy's version map has %llu entries for %llu records"),
                        (unsigned long long)total, (unsigned long long)records);
    /* every keyslot in the access list, with the new epoch key it names */
    if (rc == KB_OK && (rc = kb_access_load(t, &acc, &aver, e)) == KB_OK &&
        (rc = kb_dbi(t, KB_DB_SLOTS, &sdbi, e)) == KB_OK &&
        (rc = kb_dbi(t, KB_DB_EPOCHS, &edbi, e)) == KB_OK) {
        MDB_cursor *cur = NULL;
        if (mdb_cursor_open(t->txn, sdbi, &cur) != 0) {
            rc = kb_err_set(e, KB_EIO, "%s", _("cannot read the rekeyed copy of the board"));
            goto out;
        }
        for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0 && rc == KB_OK;
             g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            const unsigned char *p = NULL;
            for (size_t o = 0; k.mv_size == KB_KEY_LEN && o + 96 <= acc.len; o += 96)
                if (memcmp(acc.data + o, k.mv_data, KB_KEY_LEN) == 0)
                    p = (const unsigned char *)acc.data + o;
            unsigned char ek[4 + KB_KEY_LEN], hs[KB_HASH_LEN], he[KB_HASH_LEN];
            crypto_generichash(hs, KB_HASH_LEN, v.mv_data, v.mv_size, NULL, 0);
            kb_put_u32be(ek, c->epoch);
            if (p)
                memcpy(ek + 4, p, KB_KEY_LEN);
            MDB_val ekv = {sizeof ek, ek}, evv;
            if (!p || memcmp(p + 32, hs, KB_HASH_LEN) != 0 ||
                mdb_get(t->txn, edbi, &ekv, &evv) != 0) {
                rc = kb_err_set(e, KB_EDATA, "%s",
                                _("a keyslot of the rekeyed copy has no new data key or is not "
                                  "in the access list"));
            } else {
                crypto_generichash(he, KB_HASH_LEN, evv.mv_data, evv.mv_size, NULL, 0);
                if (memcmp(p + 64, he, KB_HASH_LEN) != 0)
                    rc = kb_err_set(e, KB_EDATA, "%s",
                                    _("the access list of the rekeyed copy does not name its new "
                                      "data key"));
            }
        }
        mdb_cursor_close(cur);
    }
out:
    kb_bus_disarm(prev);
    kb_txn_abort(&t);
    kb_buf_free(&raw);
    kb_buf_free(&acc);
    kb_free(&pt);
    kb_free(&root);
    kb_buf_free(&groups);
    return rc;
}

/* The whole check; rep gets the side file's newest audit entry. */
static int kb_rk_check(kb_store *c, const kb_rkstate *st, kb_verify_report *rep, kb_err *e)
{
    memset(rep, 0, sizeof *rep);
    uint64_t next = 1, matched = 0, records = 0;
    unsigned char prev[KB_HASH_LEN] = {0};
    bool end = false;
    int rc = KB_OK;
    while (rc == KB_OK && !end)
        rc = kb_rk_check_audit(c, st, &next, prev, &matched, &end, e);
    if (rc)
        return rc;
    if (next - 1 <= st->src_seq)
        return kb_err_set(e, KB_EDATA, "%s", _("the rekeyed copy's audit log is too short"));
    rep->head_seq = next - 1;
    rep->entries = next - 1;
    memcpy(rep->head, prev, KB_HASH_LEN);
    kb_rkstate *cur = kb_calloc(1, sizeof *cur);
    unsigned table = 0;
    while (rc == KB_OK && table < KB_T_COUNT_)
        rc = kb_rk_check_records(c, &table, cur, &records, e);
    kb_free(&cur);
    if (rc)
        return rc;
    rep->records = records;
    if (matched != records)
        return kb_err_set(e, KB_EDATA,
                          _("the rekeyed copy has %llu records, but %llu match an audit entry"),
                          (unsigned long long)records, (unsigned long long)matched);
    return kb_rk_check_maps(c, rep->head_seq, rep->head, records, e);
}

/* Check the side file, then rename it over the board under the exclusive
 * board lock; BOARD.lock stays (its sessions and locks) and its header
 * takes the side file's generation and audit head (as restore does). */
static int kb_rk_swap(kb_store *s, kb_store **cp, const kb_rkstate *st, const char *side, kb_err *e)
{
    kb_store *c = *cp;
    kb_verify_report rep;
    int rc = kb_rk_check(c, st, &rep, e);
    if (rc) {
        /* built wrong: resuming it would fail the same way */
        char *side_lock = kb_asprintf("%s.lock", side);
        kb_store_close(cp);
        unlink(side);
        unlink(side_lock);
        kb_free(&side_lock);
        kb_err_prefix(e, "%s",
                      _("the rekeyed copy of the board does not verify and was removed; "
                        "the board is unchanged: "));
        return rc;
    }
    kb_lk_header ch, h;
    if ((rc = kb_lk_header_read(c->lock_fd, &ch, e)))
        return rc;
    kb_keys *nw = kb_keys_new();
    memcpy(nw, c->keys, sizeof *nw);
    uint32_t epoch = c->epoch;
    kb_store_close(cp);
    if ((rc = kb_lk_range(s->lock_fd, KB_LK_GLOBAL, F_WRLCK, s->lock_timeout_ms, e))) {
        kb_keys_free(&nw);
        return rc;
    }
    bool swapped = false;
    /* the header first: until the rename it names a generation at or below
     * the old board's, which readers accept (the reverse order would make
     * a crash in between look like a stale cache) */
    if ((rc = kb_lk_header_read(s->lock_fd, &h, e)) == KB_OK) {
        kb_lk_header nh = h;
        nh.seq = h.seq + 1;
        nh.generation = ch.generation < h.generation ? ch.generation : h.generation;
        nh.audit_seq = rep.head_seq;
        memcpy(nh.audit_head, rep.head, KB_HASH_LEN);
        if ((rc = kb_lk_header_write(s->lock_fd, &nh, e)) == KB_OK) {
            if (rename(side, s->path) != 0) {
                rc = kb_err_set(e, KB_EIO, _("cannot replace %s: %s"), s->path, strerror(errno));
                h.seq = nh.seq + 1;
                kb_err he;
                kb_lk_header_write(s->lock_fd, &h, &he);
            } else {
                swapped = true;
                kb_fsync_dir(s->path);
                /* now the new file's own generation */
                nh.seq++;
                nh.generation = ch.generation;
                kb_err he;
                kb_lk_header_write(s->lock_fd, &nh, &he); /* advisory, as after a commit */
            }
        }
    }
    kb_lk_unlock(s->lock_fd, KB_LK_GLOBAL);
    if (swapped) {
        memcpy(s->keys, nw, sizeof *nw);
        s->epoch = epoch;
        rc = kb_session_write(s, e); /* our slot record under the new session key */
    }
    kb_keys_free(&nw);
    return rc;
}

/* The progress table has no business in the board: drop it (a plain
 * table, like slotfind, so no audit entry; left over if this fails). */
static void kb_rk_cleanup(kb_store *s)
{
    kb_txn *t = NULL;
    kb_err e;
    MDB_dbi dbi;
    if (kb_store_write(s, "board.rekey", NULL, &t, &e) != KB_OK)
        return;
    if (kb_dbi(t, KB_DB_RKSTATE, &dbi, &e) == KB_OK && mdb_drop(t->txn, dbi, 1) == 0 &&
        kb_txn_commit(&t, &e) != KB_OK)
        kb_err_clear(&e);
    kb_txn_abort(&t);
}

static int kb_rk_tick(const kb_store *s, unsigned *batches, kb_err *e)
{
    if (s->hooks.rekey_stop_after && ++*batches >= s->hooks.rekey_stop_after)
        return kb_err_set(e, KB_EIO, "rekey stopped by the test hook");
    return KB_OK;
}

int kb_store_rekey(kb_store *s, size_t *records, kb_rekey_fn fn, void *ctx, kb_err *e)
{
    *records = 0;
    if (!s->keys)
        return kb_err_set(e, KB_EPERM, _("the board is locked"));
    if (s->format < 2)
        return kb_err_set(e, KB_EDATA,
                          _("the board is still in format 1; open it once while nobody else has "
                            "it open (that migrates it), then rekey"));
    if (s->readonly)
        return kb_store_ro_refuse(s, e);
    if (!kb_lk_try(s->lock_fd, KB_LK_MAINT, F_WRLCK))
        return kb_err_set(e, KB_EBUSY,
                          _("other sessions have the board open (see 'kernboard who'); rekey "
                            "needs everyone to close it first"));
    /* an import left unfinished (nobody else has the board open, so its
     * session is gone) would otherwise become part of the new board's map:
     * its records go first, with audited deletes */
    kb_stage_info si;
    uint64_t gone = 0;
    int src = kb_store_stage_info(s, &si, e);
    if (src == KB_OK && si.present)
        src = kb_store_stage_discard(s, &gone, e);
    if (src) {
        kb_lk_try(s->lock_fd, KB_LK_MAINT, F_RDLCK); /* back to shared */
        return src;
    }
    char *side = kb_asprintf("%s.rekey", s->path);
    char *side_lock = kb_asprintf("%s.lock", side);
    kb_store *c = NULL;
    kb_rkstate *st = kb_calloc(1, sizeof *st);
    kb_rkrec *recs = NULL;
    size_t batch = s->hooks.rekey_batch ? s->hooks.rekey_batch : 1;
    unsigned batches = 0;
    uint64_t seq = 0, total = 0;
    unsigned char head[KB_HASH_LEN];
    int rc = kb_rk_source(s, &seq, head, &total, e);
    if (rc)
        goto out;
    struct stat sb;
    bool resumed = false;
    if (stat(side, &sb) == 0 || stat(side_lock, &sb) == 0) {
        c = kb_store_twin(s, side);
        c->lock_fd = open(side_lock, O_RDWR | O_CLOEXEC);
        /* (the same format too: a format-2 board migrated to 3 since the
         * interruption keeps its audit head, but not its map's layout) */
        resumed = c->lock_fd >= 0 && kb_rk_side_load(c, st) && st->old_epoch == s->epoch &&
                  st->src_seq == seq && memcmp(st->src_head, head, KB_HASH_LEN) == 0 &&
                  c->format == s->format;
        if (!resumed) {
            kb_store_close(&c);
            unlink(side);
            unlink(side_lock);
            if (fn)
                fn(ctx, KB_REKEY_RESTART, 0, total);
        }
    }
    if (resumed) {
        if (fn)
            fn(ctx, KB_REKEY_RESUME, st->done, st->total);
    } else {
        memset(st, 0, sizeof *st);
        st->old_epoch = s->epoch;
        st->new_epoch = s->epoch + 1;
        st->src_seq = seq;
        memcpy(st->src_head, head, KB_HASH_LEN);
        st->total = total;
        c = kb_store_twin(s, side);
        randombytes_buf(c->keys->mk, sizeof c->keys->mk);
        kb_keys_derive(c->keys);
        c->epoch = st->new_epoch;
        if ((rc = kb_lock_file_create(side_lock, s->uuid, &c->lock_fd, e)))
            goto out;
        if (fn)
            fn(ctx, KB_REKEY_START, 0, total);
        if ((rc = kb_rk_create(s, c, st, e)))
            goto out;
        /* the new board takes the board's place: same mode and group */
        if (stat(s->path, &sb) == 0) {
            if (chown(side, (uid_t)-1, sb.st_gid) != 0) {
                /* not a member of the board's group: keep ours */
            }
            chmod(side, sb.st_mode & 0770);
        }
    }
    bool ready_at_start = st->phase == KB_RK_READY;
    recs = kb_calloc(batch, sizeof *recs);
    while (st->phase < KB_RK_FINAL) {
        size_t n = 0;
        if ((rc = kb_rk_collect(s, st, recs, batch, &n, e)))
            goto out;
        if (n == 0) { /* this table is done */
            st->have_last = false;
            st->lastlen = 0;
            if (st->phase == KB_RK_AUDIT) {
                st->phase = KB_RK_RECORDS;
                st->table = 0;
            } else if (++st->table >= KB_T_COUNT_) {
                st->phase = KB_RK_FINAL;
            }
            continue;
        }
        if ((rc = kb_rk_write(s, c, st, recs, n, e)))
            goto out;
        if (fn)
            fn(ctx, KB_REKEY_PROGRESS, st->done, st->total);
        if ((rc = kb_rk_tick(s, &batches, e)))
            goto out;
    }
    if (st->phase == KB_RK_FINAL && (rc = kb_rk_final(c, st, e)))
        goto out;
    while (st->phase == KB_RK_VMAP)
        if ((rc = kb_rk_vmap(c, st, e)) || (rc = kb_rk_tick(s, &batches, e)))
            goto out;
    if (!ready_at_start && (rc = kb_rk_tick(s, &batches, e))) /* tests: stop once when ready */
        goto out;
    /* the board must still be the one the side file was made from */
    uint64_t seq2 = 0;
    unsigned char head2[KB_HASH_LEN];
    if ((rc = kb_rk_source(s, &seq2, head2, NULL, e)))
        goto out;
    if (seq2 != st->src_seq || memcmp(head2, st->src_head, KB_HASH_LEN) != 0) {
        rc = kb_err_set(e, KB_EBUSY,
                        _("the board changed during the rekey; run 'kernboard rekey' again"));
        goto out;
    }
    if (fn)
        fn(ctx, KB_REKEY_VERIFY, st->done, st->total);
    *records = (size_t)(st->total - st->src_seq);
    if ((rc = kb_rk_swap(s, &c, st, side, e)))
        goto out;
    unlink(side_lock);
    kb_rk_cleanup(s);
    if (fn)
        fn(ctx, KB_REKEY_DONE, st->total, st->total);
out:
    if (recs)
        for (size_t i = 0; i < batch; i++)
            kb_buf_free(&recs[i].val);
    kb_free(&recs);
    kb_store_close(&c);
    sodium_memzero(st, sizeof *st);
    kb_free(&st);
    kb_free(&side);
    kb_free(&side_lock);
    kb_lk_try(s->lock_fd, KB_LK_MAINT, F_RDLCK); /* back to shared */
    return rc;
}
