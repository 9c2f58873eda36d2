/*
 * stage.c - a staged bulk change (a large import; issue 16, docs/storage.md
 * "Staged imports").
 *
 * A one-transaction import of 100k cases holds the write lock for many
 * seconds, and every other change waits that long.  A staged import writes
 * its new records in bounded write transactions of their own (each a normal
 * audited change), but leaves them out of the version map: they are listed
 * in the plain table "stage" instead (key: table number || stored key,
 * value: the version map entry the record will get).  Readers find such a
 * record missing from the map, find it listed there and skip it, as if it
 * were not stored yet; only the staging transactions see it.  One last,
 * short transaction (kb_txn_stage_finish) moves the entries into the map
 * and empties the table: from that commit on every record is the board's.
 * An import that fails, or whose session died, is removed with audited
 * deletes (kb_store_stage_discard).
 *
 * Only records that did not exist before may be staged (a staged
 * transaction refuses to change one of the board's records), so a reader
 * sees the board as before the import until the last commit.  The record
 * under key 0xff of the table describes the import: who runs it (author
 * slot, session slot and nonce: a dead session's import is left over),
 * since when, and how many records of each table it staged.
 */
#include "store_internal.h"
#include "kernboard/env.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KB_STAGE_MAGIC 0x4b425354u /* "KBST" */
static const unsigned char kb_stage_desc_key[1] = {0xff};
/* META record 00 x 15, 07: records and time (u64, i64) of the last staged
 * import that became the board's */
static const unsigned char kb_meta_last_import[KB_KEY_LEN] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                              0, 0, 0, 0, 0, 0, 0, 7};
#define KB_STAGE_DESC_LEN (4 + KB_KEY_LEN + 4 + KB_NONCE_LEN + 8 + 8 + 8 * KB_T_COUNT_)
/* A staged transaction commits after s->stage_chunk audit entries, or
 * once someone waits for the lock (after KB_STAGE_MIN_MS of its own; the
 * lock is looked at every KB_STAGE_POLL_MS).  After such a commit the
 * import waits until the lock has been free of others for
 * KB_STAGE_QUIET_MS (at most KB_STAGE_YIELD_MAX_MS). */
#define KB_STAGE_MIN_MS 20
#define KB_STAGE_POLL_MS 5
#define KB_STAGE_QUIET_MS 150
#define KB_STAGE_YIELD_MAX_MS 2000

struct kb_stage_desc {
    unsigned char owner[KB_KEY_LEN]; /* the importing user's slot id */
    uint32_t slot;                   /* its session slot and nonce */
    unsigned char nonce[KB_NONCE_LEN];
    int64_t since;
    uint64_t id;                 /* random: which import (kb_store.stage_id) */
    uint64_t count[KB_T_COUNT_]; /* records staged, per table */
};

static bool kb_stage_desc_parse(const MDB_val *v, kb_stage_desc *d)
{
    const unsigned char *p = v->mv_data;
    if (v->mv_size != KB_STAGE_DESC_LEN || kb_get_u32be(p) != KB_STAGE_MAGIC)
        return false;
    p += 4;
    memcpy(d->owner, p, KB_KEY_LEN);
    p += KB_KEY_LEN;
    d->slot = kb_get_u32be(p);
    p += 4;
    memcpy(d->nonce, p, KB_NONCE_LEN);
    p += KB_NONCE_LEN;
    d->since = (int64_t)kb_get_u64be(p);
    p += 8;
    d->id = kb_get_u64be(p);
    p += 8;
    for (int i = 0; i < KB_T_COUNT_; i++, p += 8)
        d->count[i] = kb_get_u64be(p);
    return true;
}

static void kb_stage_desc_encode(const kb_stage_desc *d, unsigned char out[KB_STAGE_DESC_LEN])
{
    unsigned char *p = out;
    kb_put_u32be(p, KB_STAGE_MAGIC);
    p += 4;
    memcpy(p, d->owner, KB_KEY_LEN);
    p += KB_KEY_LEN;
    kb_put_u32be(p, d->slot);
    p += 4;
    memcpy(p, d->nonce, KB_NONCE_LEN);
    p += KB_NONCE_LEN;
    kb_put_u64be(p, (uint64_t)d->since);
    p += 8;
    kb_put_u64be(p, d->id);
    p += 8;
    for (int i = 0; i < KB_T_COUNT_; i++, p += 8)
        kb_put_u64be(p, d->count[i]);
}

static int kb_stage_damaged(kb_err *e)
{
    return kb_err_damage(e, _("the record of an unfinished import (table stage) is damaged; run "
                              "'kernboard verify'"));
}

/* An entry's MAC: BLAKE2b-128 keyed with k_ver over 0xff || the import's
 * id || table || stored key || the version-map entry (digest, version):
 * an entry of another import, or one made without the key, does not
 * check out (the finish refuses it; verify names it). */
static void kb_stage_mac(const kb_store *s, uint64_t id, const unsigned char *sk, size_t sklen,
                         const unsigned char ent[KB_VM_ENT], unsigned char mac[KB_KEY_LEN])
{
    crypto_generichash_state st;
    unsigned char head[9];
    head[0] = 0xff; /* (a digest's input starts with a table number) */
    kb_put_u64be(head + 1, id);
    crypto_generichash_init(&st, s->keys->k_ver, 32, KB_KEY_LEN);
    crypto_generichash_update(&st, head, sizeof head);
    crypto_generichash_update(&st, sk, sklen);
    crypto_generichash_update(&st, ent, KB_VM_ENT);
    crypto_generichash_final(&st, mac, KB_KEY_LEN);
}

bool kb_stage_mac_ok(const kb_store *s, uint64_t id, const unsigned char *sk, size_t sklen,
                     const unsigned char *ent)
{
    unsigned char mac[KB_KEY_LEN];
    kb_stage_mac(s, id, sk, sklen, ent, mac);
    return sodium_memcmp(mac, ent + KB_VM_ENT, KB_KEY_LEN) == 0;
}

/* Table stage lists a record the version map has (tampering or damage:
 * nothing staged may ever be one of the board's). */
static int kb_stage_foreign(kb_err *e)
{
    return kb_err_damage(e, _("table stage lists a record of the board as one of an unfinished "
                              "import (damaged or tampered with); nothing was changed; run "
                              "'kernboard verify'"));
}

/* The import this session runs is not the one on the board (or none is):
 * another session took it for a dead one and removed it. */
static int kb_stage_lost(kb_err *e)
{
    return kb_err_set(e, KB_ECONFLICT,
                      _("the records this import wrote so far were removed by another session "
                        "(it took the import for one whose process had died); nothing of it is "
                        "part of the board; run the import again"));
}

/* Look once per transaction whether a staged import is on the board. */
static int kb_stage_load(kb_txn *t, kb_err *e)
{
    if (t->stage_seen)
        return KB_OK;
    int rc = mdb_dbi_open(t->txn, KB_DB_STAGE, 0, &t->dbi_stage);
    if (rc == MDB_NOTFOUND) {
        t->stage_seen = 1;
        return KB_OK;
    }
    if (rc)
        return kb_mdb_err(e, rc, KB_DB_STAGE);
    MDB_val k = {1, (void *)kb_stage_desc_key}, v;
    kb_free(&t->sdesc); /* (one left by a fault in an earlier try) */
    t->sdesc = kb_calloc(1, sizeof *t->sdesc);
    bool ok;
    {
        KB_ARM_OR_FAIL(t, e);
        rc = mdb_get(t->txn, t->dbi_stage, &k, &v);
        ok = rc == 0 && kb_stage_desc_parse(&v, t->sdesc);
        KB_DISARM();
    }
    if (rc)
        kb_free(&t->sdesc);
    if (rc == MDB_NOTFOUND) {
        MDB_stat st;
        /* entries without their description: left by damage */
        if (mdb_stat(t->txn, t->dbi_stage, &st) == 0 && st.ms_entries)
            return kb_stage_damaged(e);
        t->stage_seen = 1;
        return KB_OK;
    }
    if (rc)
        return kb_mdb_err(e, rc, KB_DB_STAGE);
    if (!ok) {
        kb_free(&t->sdesc);
        return kb_stage_damaged(e);
    }
    t->stage_seen = 2;
    return KB_OK;
}

bool kb_stage_any(kb_txn *t)
{
    kb_err e;
    /* (format 1 has no version map: nothing is ever staged there) */
    return t->s->format >= 2 && kb_stage_load(t, &e) == KB_OK && t->stage_seen == 2;
}

int kb_stage_find(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t *ver)
{
    if (!kb_stage_any(t) || klen > 255)
        return KB_ENOENT;
    unsigned char sk[256];
    sk[0] = (unsigned char)tbl;
    memcpy(sk + 1, key, klen);
    MDB_val k = {klen + 1, sk}, v;
    int rc;
    {
        sigjmp_buf pad_;
        sigjmp_buf *prev_ = kb_bus_arm(&pad_);
        if (KB_BUS_SETJMP(pad_)) {
            kb_bus_disarm(prev_);
            t->failed = true;
            return KB_EIO;
        }
        rc = mdb_get(t->txn, t->dbi_stage, &k, &v);
        if (rc == 0 && v.mv_size == KB_STAGE_ENT)
            *ver = kb_get_u64be((unsigned char *)v.mv_data + KB_KEY_LEN);
        else if (rc == 0)
            rc = MDB_NOTFOUND; /* (verify names it) */
        kb_bus_disarm(prev_);
    }
    return rc == 0 ? KB_OK : KB_ENOENT;
}

int kb_stage_hidden(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t ver)
{
    uint64_t sv = 0;
    if (kb_stage_find(t, tbl, key, klen, &sv) != KB_OK || sv != ver)
        return KB_ENOENT;
    return t->stage ? KB_OK : KB_SHIDDEN;
}

uint64_t kb_stage_count(kb_txn *t, unsigned tbl)
{
    return !t->stage && tbl < KB_T_COUNT_ && kb_stage_any(t) ? t->sdesc->count[tbl] : 0;
}

/* The listing of (tbl, stored key) goes, and its table's count. */
static int kb_stage_unlist(kb_txn *t, unsigned tbl, const void *key, size_t klen, kb_err *e)
{
    unsigned char sk[256];
    sk[0] = (unsigned char)tbl;
    memcpy(sk + 1, key, klen);
    MDB_val k = {klen + 1, sk};
    int rc = mdb_del(t->txn, t->dbi_stage, &k, NULL);
    if (rc) {
        t->failed = true;
        return kb_mdb_err(e, rc, KB_DB_STAGE);
    }
    if (t->sdesc->count[tbl])
        t->sdesc->count[tbl]--;
    t->sdesc_dirty = true;
    return KB_OK;
}

int kb_stage_note(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t cur, uint64_t ver,
                  kb_err *e)
{
    int rc;
    if (cur) { /* a stored record: it must be one of this import's */
        uint64_t sv = 0, want = 0;
        if ((rc = kb_vmap_want(t, tbl, key, klen, &want, e)))
            return rc;
        bool listed = kb_stage_find(t, tbl, key, klen, &sv) == KB_OK;
        /* a record the map has is the board's, whatever table stage says */
        if (want && listed)
            return kb_stage_foreign(e);
        if (want || !listed)
            return kb_err_set(e, KB_ESOFTWARE, "a staged import may only add records (table %s)",
                              kb_table_names[tbl]);
    }
    if (!ver) /* a staged record deleted (kb_store_stage_discard) */
        return kb_stage_unlist(t, tbl, key, klen, e);
    unsigned char sk[256], ent[KB_STAGE_ENT];
    sk[0] = (unsigned char)tbl;
    memcpy(sk + 1, key, klen);
    MDB_val k = {klen + 1, sk}, v = {KB_STAGE_ENT, ent};
    kb_vm_digest(t->s, tbl, key, klen, ent);
    kb_put_u64be(ent + KB_KEY_LEN, ver);
    kb_stage_mac(t->s, t->sdesc->id, sk, klen + 1, ent, ent + KB_VM_ENT);
    if ((rc = mdb_put(t->txn, t->dbi_stage, &k, &v, 0))) {
        t->failed = true;
        return kb_mdb_err(e, rc, KB_DB_STAGE);
    }
    if (!cur)
        t->sdesc->count[tbl]++;
    t->sdesc_dirty = true;
    return KB_OK;
}

int kb_stage_flush(kb_txn *t, kb_err *e)
{
    if (!t->stage || !t->sdesc_dirty)
        return KB_OK;
    unsigned char d[KB_STAGE_DESC_LEN];
    kb_stage_desc_encode(t->sdesc, d);
    MDB_val k = {1, (void *)kb_stage_desc_key}, v = {sizeof d, d};
    int rc = mdb_put(t->txn, t->dbi_stage, &k, &v, 0);
    if (rc) {
        t->failed = true;
        return kb_mdb_err(e, rc, KB_DB_STAGE);
    }
    t->sdesc_dirty = false;
    return KB_OK;
}

static bool kb_stage_mine(kb_store *s, const kb_stage_desc *d)
{
    int slot;
    unsigned char nonce[KB_NONCE_LEN];
    kb_store_session_self(s, &slot, nonce);
    return d->slot == (uint32_t)slot && memcmp(d->nonce, nonce, KB_NONCE_LEN) == 0;
}

/* The refusal while another session's import is under way. */
static int kb_stage_busy(kb_store *s, const kb_stage_desc *d, kb_err *e)
{
    kb_session_info *ss = NULL;
    size_t n = 0;
    const char *user = NULL, *host = NULL;
    kb_err e2;
    if (kb_store_sessions(s, &ss, &n, &e2) == KB_OK)
        for (size_t i = 0; i < n && !user; i++)
            if ((uint32_t)ss[i].slot == d->slot && memcmp(ss[i].nonce, d->nonce, KB_NONCE_LEN) == 0)
                user = ss[i].user, host = ss[i].host;
    int rc = user ? kb_err_set(e, KB_EBUSY,
                               _("%s on %s is importing into this board; try again when that "
                                 "import has finished"),
                               user, host)
                  : kb_err_set(e, KB_EBUSY,
                               _("another session is importing into this board; try again when "
                                 "that import has finished"));
    kb_free(&ss);
    return rc;
}

int kb_store_write_staged(kb_store *s, const char *action, bool take_over, kb_txn **out, kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_write(s, action, NULL, &t, e);
    if (rc)
        return rc;
    if (s->format < 2) {
        kb_txn_abort(&t);
        return kb_err_set(e, KB_ESOFTWARE, "a staged import on a format-1 board");
    }
    if ((rc = kb_stage_load(t, e)))
        goto fail;
    if (t->stage_seen == 1 && take_over) { /* nothing to take over */
        rc = KB_ENOENT;
        goto fail;
    }
    if (t->stage_seen == 1 && s->stage_id) { /* ours went meanwhile */
        rc = kb_stage_lost(e);
        goto fail;
    }
    if (t->stage_seen == 1) { /* a new import */
        if ((rc = mdb_dbi_open(t->txn, KB_DB_STAGE, MDB_CREATE, &t->dbi_stage))) {
            rc = kb_mdb_err(e, rc, KB_DB_STAGE);
            goto fail;
        }
        t->sdesc = kb_calloc(1, sizeof *t->sdesc);
        t->sdesc->since = kb_txn_now(t);
        while (!t->sdesc->id)
            randombytes_buf(&t->sdesc->id, sizeof t->sdesc->id);
        t->stage_seen = 2;
        t->sdesc_dirty = true;
    } else if (kb_stage_mine(s, t->sdesc)) {
        /* this session's: the import it runs (or takes over to discard) */
        if (!take_over && t->sdesc->id != s->stage_id) {
            rc = kb_stage_lost(e);
            goto fail;
        }
    } else {
        if (!take_over || kb_store_session_alive(s, (int)t->sdesc->slot, t->sdesc->nonce)) {
            rc = kb_stage_busy(s, t->sdesc, e);
            goto fail;
        }
        t->sdesc_dirty = true; /* a dead session's import: ours to remove */
    }
    if (t->sdesc_dirty) {
        int slot;
        kb_store_session_self(s, &slot, t->sdesc->nonce);
        t->sdesc->slot = (uint32_t)slot;
        memcpy(t->sdesc->owner, kb_store_slot_id(s), KB_KEY_LEN);
    }
    /* the version map's root names every commit's last audit entry, also
     * of a commit that changes no bucket */
    if ((rc = kb_vmap_root(t, e)))
        goto fail;
    t->stage = true;
    *out = t;
    return KB_OK;
fail:
    kb_txn_abort(&t);
    return rc;
}

bool kb_txn_chunk_due(kb_txn *t)
{
    if (t->n_entries >= t->s->stage_chunk)
        return true;
    /* someone waits for the lock (a waiting reader or writer holds
     * PENDING): let them in, after a little progress of our own; looked
     * at every few milliseconds (one fcntl) */
    int64_t now = kb_clock_ms();
    if (now - t->locked_at_ms < KB_STAGE_MIN_MS || now - t->stage_polled_ms < KB_STAGE_POLL_MS)
        return false;
    t->stage_polled_ms = now;
    if (!kb_lk_held_by_other(t->s->lock_fd, KB_LK_PENDING))
        return false;
    t->s->stage_yield = true;
    return true;
}

void kb_store_stage_yield(kb_store *s)
{
    if (!s->stage_yield)
        return;
    s->stage_yield = false;
    /* a command takes the lock several times (its reads, then its
     * change): wait until nobody has held or wanted it for a while */
    int64_t start = kb_clock_ms(), quiet_since = start;
    for (;;) {
        int64_t now = kb_clock_ms();
        if (kb_lk_held_by_other(s->lock_fd, KB_LK_PENDING) ||
            kb_lk_held_by_other(s->lock_fd, KB_LK_GLOBAL))
            quiet_since = now;
        if (now - quiet_since >= KB_STAGE_QUIET_MS || now - start >= KB_STAGE_YIELD_MAX_MS)
            return;
        struct timespec ts = {0, 5000000L};
        nanosleep(&ts, NULL);
    }
}

static int kb_stage_entcmp(const void *a, const void *b)
{
    return memcmp(a, b, KB_KEY_LEN);
}

int kb_txn_stage_finish(kb_txn *t, uint64_t *records, kb_err *e)
{
    *records = 0;
    if (!t->write || t->stage)
        return kb_err_set(e, KB_ESOFTWARE, "stage finish outside a plain write transaction");
    int rc = kb_stage_load(t, e);
    if (rc)
        return rc;
    if (t->stage_seen != 2)
        return kb_err_set(e, KB_ESOFTWARE, "no staged import to finish");
    if (!kb_stage_mine(t->s, t->sdesc))
        return kb_stage_busy(t->s, t->sdesc, e);
    if (t->sdesc->id != t->s->stage_id)
        return kb_stage_lost(e);
    uint64_t want = 0;
    for (int i = 0; i < KB_T_COUNT_; i++)
        want += t->sdesc->count[i];
    unsigned char *ents = kb_reallocarray(NULL, want ? want : 1, KB_VM_ENT);
    size_t n = 0;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t->txn, t->dbi_stage, &c))) {
        kb_free(&ents);
        return kb_mdb_err(e, rc, KB_DB_STAGE);
    }
    {
        KB_ARM_OR_FAIL(t, e);
        MDB_val k, v;
        for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0;
             r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            if (k.mv_size == 1 && ((unsigned char *)k.mv_data)[0] == 0xff)
                continue;
            if (k.mv_size < 2 || v.mv_size != KB_STAGE_ENT || n == want ||
                !kb_stage_mac_ok(t->s, t->sdesc->id, k.mv_data, k.mv_size, v.mv_data)) {
                rc = KB_EDATA;
                break;
            }
            memcpy(ents + n * KB_VM_ENT, v.mv_data, KB_VM_ENT);
            n++;
        }
        KB_DISARM();
    }
    mdb_cursor_close(c);
    if (rc == KB_OK && n != want)
        rc = KB_EDATA;
    if (rc) {
        kb_free(&ents);
        return kb_stage_damaged(e);
    }
    kb_sort(ents, n, KB_VM_ENT, kb_stage_entcmp);
    rc = kb_vmap_add_new(t, ents, n, e);
    kb_free(&ents);
    if (rc)
        return rc;
    if ((rc = mdb_drop(t->txn, t->dbi_stage, 1))) { /* the table goes */
        t->failed = true;
        return kb_mdb_err(e, rc, KB_DB_STAGE);
    }
    kb_free(&t->sdesc);
    t->stage_seen = 1;
    t->stage_done = true;
    /* the commit's audit entry (the change feed and the snapshots of other
     * sessions start again from it): the meta record of the last import */
    unsigned char last[16];
    kb_put_u64be(last, n);
    kb_put_u64be(last + 8, (uint64_t)kb_txn_now(t));
    if ((rc = kb_txn_put(t, KB_T_META, kb_meta_last_import, KB_KEY_LEN, last, sizeof last,
                         KB_VERSION_ANY, NULL, NULL, e)))
        return rc;
    *records = n;
    return KB_OK;
}

/* The next up to max staged keys (table || stored key, each prefixed by
 * its length byte) into out. */
static int kb_stage_batch(kb_txn *t, size_t max, kb_buf *out, size_t *n, kb_err *e)
{
    *n = 0;
    kb_buf_clear(out);
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->dbi_stage, &c);
    if (rc)
        return kb_mdb_err(e, rc, KB_DB_STAGE);
    {
        KB_ARM_OR_FAIL(t, e);
        MDB_val k, v;
        for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0 && *n < max;
             r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            if (k.mv_size < 2 || k.mv_size > 256 || ((unsigned char *)k.mv_data)[0] >= KB_T_COUNT_)
                continue; /* the description, or damage (verify names it) */
            unsigned char l = (unsigned char)(k.mv_size - 1);
            kb_buf_append(out, &l, 1);
            kb_buf_append(out, k.mv_data, k.mv_size);
            (*n)++;
        }
        KB_DISARM();
    }
    mdb_cursor_close(c);
    return KB_OK;
}

/* Discard one listed record: deleted (audited) when it is stored and not
 * in the version map; the listing of a record that is not stored, or
 * that the map has, only goes (it hides nothing). */
static int kb_stage_drop_one(kb_txn *t, unsigned tbl, const unsigned char *key, size_t kl,
                             kb_err *e)
{
    MDB_dbi dbi;
    MDB_val k = {kl, (void *)key}, v;
    int rc = kb_tdbi(t, (enum kb_table)tbl, &dbi, e);
    if (rc && rc != KB_ENOENT)
        return rc;
    {
        KB_ARM_OR_FAIL(t, e);
        int r = rc == KB_ENOENT ? MDB_NOTFOUND : mdb_get(t->txn, dbi, &k, &v);
        KB_DISARM();
        if (r && r != MDB_NOTFOUND)
            return kb_mdb_err(e, r, kb_table_names[tbl]);
        uint64_t want = 0;
        if (r == 0 && (rc = kb_vmap_want(t, tbl, key, kl, &want, e)))
            return rc;
        /* a record the map has is the board's: only its listing goes
         * (damage or tampering, named by verify; it hid nothing) */
        if (r == 0 && !want)
            return kb_del_phys(t, (enum kb_table)tbl, key, kl, KB_VERSION_ANY, NULL, e);
    }
    return kb_stage_unlist(t, tbl, key, kl, e);
}

int kb_store_stage_discard(kb_store *s, uint64_t *removed, kb_err *e)
{
    *removed = 0;
    kb_buf keys = KB_BUF_INIT;
    int rc;
    for (;;) {
        kb_txn *t = NULL;
        if ((rc = kb_store_write_staged(s, KB_ACTION_IMPORT_DISCARD, true, &t, e))) {
            if (rc == KB_ENOENT) { /* none (left) */
                kb_err_clear(e);
                rc = KB_OK;
                s->stage_id = 0;
            }
            break;
        }
        size_t n = 0;
        if ((rc = kb_stage_batch(t, 4096, &keys, &n, e))) {
            kb_txn_abort(&t);
            break;
        }
        const unsigned char *p = (const unsigned char *)keys.data;
        for (size_t i = 0; i < n && rc == KB_OK; i++) {
            size_t kl = p[0];
            rc = kb_stage_drop_one(t, p[1], p + 2, kl, e);
            p += 2 + kl;
        }
        bool last = rc == KB_OK && n == 0;
        if (last) { /* nothing left: the description, and the table, go too */
            int r = mdb_drop(t->txn, t->dbi_stage, 1);
            if (r) {
                t->failed = true;
                rc = kb_mdb_err(e, r, KB_DB_STAGE);
            }
            t->sdesc_dirty = false;
        }
        if (rc == KB_OK)
            rc = kb_txn_commit(&t, e);
        kb_txn_abort(&t);
        if (rc)
            break;
        *removed += n;
        if (last) {
            s->stage_id = 0;
            break;
        }
    }
    kb_buf_free(&keys);
    return rc;
}

int kb_store_stage_info(kb_store *s, kb_stage_info *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    kb_txn *t = NULL;
    int rc = kb_store_read(s, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_stage_load(t, e)) == KB_OK && t->stage_seen == 2) {
        out->present = true;
        out->mine = kb_stage_mine(s, t->sdesc);
        out->alive = out->mine || kb_store_session_alive(s, (int)t->sdesc->slot, t->sdesc->nonce);
        if (out->alive && !out->mine)
            (void)kb_stage_busy(s, t->sdesc, &out->busy);
        out->since = t->sdesc->since;
        for (int i = 0; i < KB_T_COUNT_; i++)
            out->records += t->sdesc->count[i];
    }
    kb_txn_abort(&t);
    return rc;
}

unsigned kb_store_format(const kb_store *s)
{
    return s->format;
}

uint64_t kb_stage_next_id(const kb_txn *t)
{
    if (t->stage_done) /* it became the board's */
        return 0;
    if (t->stage && t->sdesc) /* the staged import this session runs */
        return t->sdesc->id;
    return t->s->stage_id;
}

void kb_stage_committed(kb_txn *t)
{
    t->s->stage_id = kb_stage_next_id(t);
}

bool kb_stage_consistent(kb_txn *t)
{
    if (!kb_stage_any(t))
        return true;
    uint64_t count[KB_T_COUNT_] = {0};
    MDB_cursor *c;
    if (mdb_cursor_open(t->txn, t->dbi_stage, &c))
        return false;
    bool ok = true;
    {
        sigjmp_buf pad_;
        sigjmp_buf *prev_ = kb_bus_arm(&pad_);
        if (KB_BUS_SETJMP(pad_)) {
            kb_bus_disarm(prev_);
            t->failed = true;
            mdb_cursor_close(c);
            return false;
        }
        MDB_val k, v;
        for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0 && ok;
             r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            const unsigned char *p = k.mv_data;
            if (k.mv_size == 1 && p[0] == 0xff)
                continue;
            ok = k.mv_size >= 2 && p[0] < KB_T_COUNT_ && v.mv_size == KB_STAGE_ENT &&
                 kb_stage_mac_ok(t->s, t->sdesc->id, p, k.mv_size, v.mv_data);
            if (ok)
                count[p[0]]++;
        }
        kb_bus_disarm(prev_);
    }
    mdb_cursor_close(c);
    for (int i = 0; ok && i < KB_T_COUNT_; i++)
        ok = count[i] == t->sdesc->count[i];
    return ok;
}

void kb_store_stage_forget(kb_store *s)
{
    s->stage_id = 0;
}
