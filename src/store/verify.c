/*
 * verify.c - `kernboard verify`: the structure check, the audit chain and
 * its signatures, every record against its newest audit entry and the
 * version map, the access list and the rollback pin (docs/storage.md
 * "verify").
 *
 * No read transaction holds the board lock longer than it takes to copy a
 * bounded chunk (hooks.verify_chunk entries or records, at most
 * KB_VCHUNK_BYTES of values) out of the map; decryption, hashing and the
 * Ed25519 checks run after the transaction is released, on up to
 * hooks.verify_threads threads.  Writers commit between chunks, so:
 *   - the audit log is append-only: it is checked in seq order, and every
 *     transaction first copies the entries appended since the last one
 *     (the chain continues from the last checked entry);
 *   - the newest entry of every record is kept in a hash table; a chunk of
 *     records is copied in the same transaction as the audit tail it must
 *     be checked against, so the table is current for that chunk;
 *   - at the end, every record the log says exists and that was not seen
 *     matching its newest entry (created or changed after its key range
 *     was walked) is looked up on its own.
 */
#include "store_internal.h"
#include "kernboard/env.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KB_VCHUNK_BYTES ((size_t)4 << 20)
/* the last transaction checks a tail or lookups this small itself */
#define KB_VSMALL 256

/* ------------------------------------------------------------ messages */

static int kb_verify_bad(kb_err *e, unsigned table, const unsigned char *key, size_t klen,
                         const char *why)
{
    char hex[129];
    kb_hex(key, klen > 64 ? 64 : klen, hex);
    return kb_err_damage(e, _("verify failed: table %s, record %s: %s"),
                         table < KB_T_COUNT_ ? kb_table_names[table] : KB_DB_AUDIT, hex, why);
}

/* Collect one named problem ("table T, record HEX: why") for verify's report. */
static void kb_verify_note(kb_buf *bad, size_t *nbad, const char *table, const unsigned char *key,
                           size_t klen, const char *why)
{
    char hex[129];
    kb_hex(key, klen > 64 ? 64 : klen, hex);
    if (*nbad < 6) {
        if (bad->len)
            kb_buf_puts(bad, "; ");
        char line[400];
        snprintf(line, sizeof line, _("table %s, record %s: %s"), table, hex, why);
        kb_buf_puts(bad, line);
    } else if (*nbad == 6) {
        kb_buf_puts(bad, "; ...");
    }
    (*nbad)++;
}

/* Format 2: every keyslot, epoch key and locator must be the one the
 * access list (sealed, audited) vouches for. */
static void kb_verify_access(kb_txn *t, kb_buf *bad, size_t *nbad)
{
    kb_store *s = t->s;
    kb_buf l = KB_BUF_INIT;
    uint64_t aver = 0;
    kb_err ae;
    if (kb_access_load(t, &l, &aver, &ae) != KB_OK) {
        kb_verify_note(bad, nbad, "meta", kb_meta_access, KB_KEY_LEN, ae.msg);
        kb_buf_free(&l);
        return;
    }
    size_t nent = l.len / KB_ACC_ENT;
    bool *seen_slot = kb_calloc(nent + 1, sizeof *seen_slot);
    bool *seen_epoch = kb_calloc(nent + 1, sizeof *seen_epoch);
    static const char *const tabs[] = {KB_DB_SLOTS, KB_DB_EPOCHS, KB_DB_SLOTFIND};
    for (int w = 0; w < 3; w++) {
        MDB_dbi dbi;
        MDB_cursor *c = NULL;
        kb_err de;
        if (kb_dbi(t, tabs[w], &dbi, &de) != KB_OK || mdb_cursor_open(t->txn, dbi, &c))
            continue;
        MDB_val k, v;
        for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0;
             r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            const unsigned char *id = NULL;
            const char *why = NULL;
            unsigned char h[KB_HASH_LEN];
            crypto_generichash(h, KB_HASH_LEN, v.mv_data, v.mv_size, NULL, 0);
            if (w == 0 && k.mv_size == KB_KEY_LEN)
                id = k.mv_data;
            else if (w == 1 && k.mv_size == 4 + KB_KEY_LEN)
                id = (const unsigned char *)k.mv_data + 4;
            else if (w == 2 && v.mv_size == KB_KEY_LEN)
                id = v.mv_data;
            unsigned char *p = id ? kb_access_find(&l, id) : NULL;
            size_t idx = p ? (size_t)(p - (unsigned char *)l.data) / KB_ACC_ENT : 0;
            if (!p) {
                why = w == 0   ? _("keyslot not in the board's access list (forged)")
                      : w == 1 ? _("epoch key not in the board's access list (forged)")
                               : _("keyslot locator not in the board's access list (forged)");
            } else if (w == 0) {
                seen_slot[idx] = true;
                if (memcmp(p + 2 * KB_KEY_LEN, h, KB_HASH_LEN) != 0)
                    why = _("keyslot differs from the one in the access list (forged or "
                            "replaced)");
                else if (v.mv_size >= KB_SLOT_HDR &&
                         !kb_kdf_params_ok(kb_get_u64be((unsigned char *)v.mv_data + 4),
                                           kb_get_u64be((unsigned char *)v.mv_data + 12)))
                    why = _("keyslot asks for Argon2id parameters beyond 'sensitive'");
            } else if (w == 1) {
                seen_epoch[idx] = true;
                if (kb_get_u32be(k.mv_data) != s->epoch ||
                    memcmp(p + 2 * KB_KEY_LEN + KB_HASH_LEN, h, KB_HASH_LEN) != 0)
                    why = _("epoch key differs from the one in the access list (forged or "
                            "replaced)");
            } else if (k.mv_size != KB_KEY_LEN || memcmp(p + KB_KEY_LEN, k.mv_data, KB_KEY_LEN)) {
                why = _("keyslot locator differs from the access list (forged)");
            }
            if (why)
                kb_verify_note(bad, nbad, tabs[w], k.mv_data, k.mv_size, why);
        }
        mdb_cursor_close(c);
    }
    for (size_t i = 0; i < nent; i++)
        if (!seen_slot[i] || !seen_epoch[i])
            kb_verify_note(bad, nbad, !seen_slot[i] ? KB_DB_SLOTS : KB_DB_EPOCHS,
                           (unsigned char *)l.data + i * KB_ACC_ENT, KB_KEY_LEN,
                           _("missing although the access list names it"));
    kb_free(&seen_slot);
    kb_free(&seen_epoch);
    kb_buf_free(&l);
}

/* ------------------------------------------------------------ threads */

static unsigned kb_verify_nthreads(const kb_store *s)
{
    unsigned n = s->hooks.verify_threads;
    long v = 0; /* a bad value: the front end refused it (64) */
    if (!n && kb_env_get(KB_ENV_VERIFY_THREADS, &v, NULL) == KB_OK && v > 0)
        n = (unsigned)v;
    if (!n) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (unsigned)c : 1;
    }
    return n > 8 ? 8 : n;
}

/* ------------------------------------------------------------ record table */

/* The newest audit entry of one record. */
typedef struct kb_vrec {
    unsigned char table;
    unsigned char klen;
    bool deleted;
    bool seen; /* counted in the report's records */
    unsigned char key[64];
    uint64_t version;
    uint64_t seq;
    uint64_t checked; /* seq of the entry the stored value was checked against (0 = never) */
    unsigned char hash[KB_HASH_LEN];
} kb_vrec;

typedef struct kb_vmapt {
    kb_vrec *v;
    size_t n, cap;
    uint32_t *ix; /* open addressing: index + 1, 0 = empty */
    size_t icap;
} kb_vmapt;

static uint64_t kb_vkey_hash(unsigned table, const unsigned char *key, size_t klen)
{
    uint64_t h = 1469598103934665603ULL ^ table;
    h *= 1099511628211ULL;
    for (size_t i = 0; i < klen; i++) {
        h ^= key[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static kb_vrec *kb_vmapt_find(const kb_vmapt *m, unsigned table, const unsigned char *key,
                              size_t klen, size_t *slot)
{
    if (klen > 64)
        klen = 64;
    if (!m->icap) {
        if (slot)
            *slot = 0;
        return NULL;
    }
    size_t i = (size_t)kb_vkey_hash(table, key, klen) & (m->icap - 1);
    for (;; i = (i + 1) & (m->icap - 1)) {
        uint32_t x = m->ix[i];
        if (!x)
            break;
        kb_vrec *r = &m->v[x - 1];
        if (r->table == table && r->klen == klen && memcmp(r->key, key, klen) == 0) {
            if (slot)
                *slot = i;
            return r;
        }
    }
    if (slot)
        *slot = i;
    return NULL;
}

static void kb_vmapt_grow(kb_vmapt *m)
{
    size_t ncap = m->icap ? m->icap * 2 : 1024;
    kb_free(&m->ix);
    m->ix = kb_calloc(ncap, sizeof *m->ix);
    m->icap = ncap;
    for (size_t j = 0; j < m->n; j++) {
        const kb_vrec *r = &m->v[j];
        size_t i = (size_t)kb_vkey_hash(r->table, r->key, r->klen) & (ncap - 1);
        while (m->ix[i])
            i = (i + 1) & (ncap - 1);
        m->ix[i] = (uint32_t)(j + 1);
    }
}

/* The entry of (table, key), created (zeroed) when new. */
static kb_vrec *kb_vmapt_get(kb_vmapt *m, unsigned table, const unsigned char *key, size_t klen)
{
    if (klen > 64)
        klen = 64;
    if ((m->n + 1) * 4 > m->icap * 3)
        kb_vmapt_grow(m);
    size_t slot;
    kb_vrec *r = kb_vmapt_find(m, table, key, klen, &slot);
    if (r)
        return r;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->v = kb_reallocarray(m->v, m->cap, sizeof *m->v);
    }
    r = &m->v[m->n];
    memset(r, 0, sizeof *r);
    r->table = (unsigned char)table;
    r->klen = (unsigned char)klen;
    memcpy(r->key, key, klen);
    m->ix[slot] = (uint32_t)(++m->n);
    return r;
}

static void kb_vmapt_free(kb_vmapt *m)
{
    kb_free(&m->v);
    kb_free(&m->ix);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------ raw copies */

/* A value copied out of the map (keys and values in one buffer). */
typedef struct kb_vraw {
    size_t koff, klen, voff, vlen;
    unsigned char table;
    bool missing; /* lookups: not stored */
    /* records: 0 = the version map agrees, 1 = it disagrees, 2 = its root
     * is bad, 3 = the group or bucket of the record's entry is (vmkey) */
    unsigned char vm;
    unsigned char vmkey[3], vmkl;
    bool staged_too; /* the map has it, and table stage lists it as staged */
} kb_vraw;

typedef struct kb_vchunk {
    kb_buf data;
    kb_vraw *r;
    size_t n, cap;
} kb_vchunk;

static kb_vraw *kb_vchunk_add(kb_vchunk *c, unsigned table, const MDB_val *k, const MDB_val *v)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->r = kb_reallocarray(c->r, c->cap, sizeof *c->r);
    }
    kb_vraw *r = &c->r[c->n++];
    memset(r, 0, sizeof *r);
    r->table = (unsigned char)table;
    r->koff = c->data.len;
    r->klen = k->mv_size;
    kb_buf_append(&c->data, k->mv_data, k->mv_size);
    r->voff = c->data.len;
    if (v) {
        r->vlen = v->mv_size;
        kb_buf_append(&c->data, v->mv_data, v->mv_size);
    }
    return r;
}

static void kb_vchunk_clear(kb_vchunk *c)
{
    kb_buf_clear(&c->data);
    c->n = 0;
}

static void kb_vchunk_free(kb_vchunk *c)
{
    kb_buf_free(&c->data);
    kb_free(&c->r);
    c->n = c->cap = 0;
}

#define KB_VK(c, r) ((unsigned char *)(c)->data.data + (r)->koff)
#define KB_VV(c, r) ((unsigned char *)(c)->data.data + (r)->voff)

/* ------------------------------------------------------------ state */

typedef struct kb_signer {
    unsigned char id[KB_KEY_LEN];
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    uint64_t removed_at; /* entries after this seq may not carry this key; 0 = active */
} kb_signer;

typedef struct kb_vstate {
    kb_store *s;
    kb_verify_report *rep;
    const kb_verify_opts *o;
    kb_err *e;
    kb_signer *signers;
    size_t nsigners;
    unsigned char signers_sum[KB_HASH_LEN]; /* of the raw signers last parsed */
    bool have_signers;
    kb_vchunk sraw; /* signers copied with the audit tail */
    kb_vchunk aud;  /* audit entries copied */
    kb_vchunk recs; /* records (walk or lookups) copied */
    kb_buf alast;   /* key of the last audit entry copied (empty: none yet) */
    bool tail_more; /* the last copy stopped at the chunk limit */
    uint64_t prev_seq;
    unsigned char prev_hash[KB_HASH_LEN];
    /* entries whose signature is left to a later entry (format 5): the
     * first of them, its author and operation, until a signed entry of the
     * same author and operation covers them through the chain */
    uint64_t defer_seq; /* 0: none open */
    unsigned char defer_author[KB_KEY_LEN], defer_op[KB_OPID_LEN];
    uint64_t newest_seq; /* the newest entry seen in a transaction (progress) */
    uint64_t total_records;
    kb_vmapt map;
    kb_buf bad;
    size_t nbad;
    bool vm_root_noted; /* the version map's root is bad and was named */
    /* the damaged groups and buckets of the version map named so far */
    unsigned char vm_parts[8][3];
    size_t vm_nparts;
    bool in_txn;     /* checking inside a read transaction: no progress calls */
    kb_vchunk named; /* bad records of a case's tables, named by case at the end */
} kb_vstate;

/* A bad record whose key tells its case (a case, or a comment, lease or
 * relation list keyed by its case): named "case #N" at the end. */
static void kb_vname_add(kb_vstate *v, unsigned table, const unsigned char *key, size_t klen)
{
    if (klen < KB_KEY_LEN || v->named.n >= 8 ||
        (table != KB_T_CASES && table != KB_T_COMMENTS && table != KB_T_LEASES &&
         table != KB_T_RELS))
        return;
    MDB_val k = {klen > 64 ? 64 : klen, (void *)key};
    for (size_t i = 0; i < v->named.n; i++) /* named once */
        if (v->named.r[i].table == table && v->named.r[i].klen == k.mv_size &&
            memcmp(KB_VK(&v->named, &v->named.r[i]), key, k.mv_size) == 0)
            return;
    kb_vchunk_add(&v->named, table, &k, NULL);
}

/* Arm the landing pad around accesses to mapped memory in a copy
 * function (the jump returns the fault as an error). */
#define KB_VARM(t, e, path)                                                                        \
    sigjmp_buf pad_;                                                                               \
    sigjmp_buf *prev_ = kb_bus_arm(&pad_);                                                         \
    if (KB_BUS_SETJMP(pad_)) {                                                                     \
        kb_bus_disarm(prev_);                                                                      \
        (t)->failed = true;                                                                        \
        return kb_bus_fail((e), (path));                                                           \
    }
#define KB_VDISARM() kb_bus_disarm(prev_)

/* Copy the signers table and the audit entries after the last one copied
 * (at most a chunk); v->tail_more says whether more remain. */
static int kb_vcopy_tail(kb_vstate *v, kb_txn *t)
{
    kb_store *s = v->s;
    kb_vchunk_clear(&v->sraw);
    kb_vchunk_clear(&v->aud);
    v->tail_more = false;
    v->newest_seq = kb_txn_audit_seq(t);
    MDB_dbi sdbi;
    int rc = kb_tdbi(t, KB_T_SIGNERS, &sdbi, v->e);
    if (rc && rc != KB_ENOENT)
        return rc;
    bool have_sdbi = rc == KB_OK;
    rc = kb_audit_dbi(t, v->e);
    if (rc == KB_ENOENT)
        return KB_OK;
    if (rc)
        return rc;
    MDB_cursor *c = NULL;
    KB_VARM(t, v->e, s->path);
    MDB_val k, val;
    if (have_sdbi && mdb_cursor_open(t->txn, sdbi, &c) == 0) {
        for (int r = mdb_cursor_get(c, &k, &val, MDB_FIRST); r == 0;
             r = mdb_cursor_get(c, &k, &val, MDB_NEXT))
            kb_vchunk_add(&v->sraw, KB_T_SIGNERS, &k, &val);
        mdb_cursor_close(c);
        c = NULL;
    }
    if ((rc = mdb_cursor_open(t->txn, t->dbi_audit, &c))) {
        KB_VDISARM();
        return kb_mdb_err(v->e, rc, KB_DB_AUDIT);
    }
    int r;
    if (!v->alast.len) {
        r = mdb_cursor_get(c, &k, &val, MDB_FIRST);
    } else {
        k.mv_size = v->alast.len;
        k.mv_data = v->alast.data;
        r = mdb_cursor_get(c, &k, &val, MDB_SET_RANGE);
        if (r == 0 && k.mv_size == v->alast.len && memcmp(k.mv_data, v->alast.data, k.mv_size) == 0)
            r = mdb_cursor_get(c, &k, &val, MDB_NEXT);
    }
    for (; r == 0; r = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
        if (v->aud.n >= v->s->hooks.verify_chunk || v->aud.data.len >= KB_VCHUNK_BYTES) {
            v->tail_more = true;
            break;
        }
        kb_vchunk_add(&v->aud, KB_T_COUNT_, &k, &val);
    }
    mdb_cursor_close(c);
    KB_VDISARM();
    if (r != 0 && r != MDB_NOTFOUND && !v->tail_more)
        return kb_mdb_err(v->e, r, KB_DB_AUDIT);
    if (v->aud.n) {
        const kb_vraw *last = &v->aud.r[v->aud.n - 1];
        kb_buf_clear(&v->alast);
        kb_buf_append(&v->alast, KB_VK(&v->aud, last), last->klen);
    }
    return KB_OK;
}

/* The signers copied last (decrypted again only when they changed). */
static int kb_vsigners(kb_vstate *v)
{
    kb_store *s = v->s;
    unsigned char sum[KB_HASH_LEN];
    crypto_generichash(sum, KB_HASH_LEN, (unsigned char *)v->sraw.data.data, v->sraw.data.len, NULL,
                       0);
    if (v->have_signers && memcmp(sum, v->signers_sum, KB_HASH_LEN) == 0)
        return KB_OK;
    kb_free(&v->signers);
    v->nsigners = 0;
    for (size_t i = 0; i < v->sraw.n; i++) {
        const kb_vraw *r = &v->sraw.r[i];
        char *pt = NULL;
        size_t n = 0;
        if (r->klen != KB_KEY_LEN ||
            kb_val_open(s, s->keys->k_rec, "signers", KB_VK(&v->sraw, r), r->klen,
                        KB_VV(&v->sraw, r), r->vlen, &pt, &n, NULL, v->e) != KB_OK ||
            n < crypto_sign_PUBLICKEYBYTES) {
            kb_free(&pt);
            return kb_verify_bad(v->e, KB_T_SIGNERS, KB_VK(&v->sraw, r), r->klen,
                                 _("failed authentication"));
        }
        v->signers = kb_reallocarray(v->signers, v->nsigners + 1, sizeof *v->signers);
        kb_signer *sg = &v->signers[v->nsigners++];
        memcpy(sg->id, KB_VK(&v->sraw, r), KB_KEY_LEN);
        memcpy(sg->pk, pt, crypto_sign_PUBLICKEYBYTES);
        sg->removed_at = 0;
        size_t nl = strnlen(pt + crypto_sign_PUBLICKEYBYTES, n - crypto_sign_PUBLICKEYBYTES);
        size_t off = crypto_sign_PUBLICKEYBYTES + nl;
        if (off + 1 + 8 == n)
            sg->removed_at = kb_get_u64be((unsigned char *)pt + off + 1);
        kb_free(&pt);
    }
    memcpy(v->signers_sum, sum, KB_HASH_LEN);
    v->have_signers = true;
    return KB_OK;
}

/* One audit entry, checked on a worker thread. */
typedef struct kb_vent {
    bool opened, hash_ok, sig_ok;
    bool deferred; /* no signature: a later entry of its change signs */
    int signer;    /* index in signers, -1 = unknown */
    kb_entry en;   /* detail is not kept */
} kb_vent;

typedef struct kb_vent_job {
    kb_vstate *v;
    kb_vent *out;
} kb_vent_job;

static void kb_vent_work(void *ctx, size_t from, size_t to)
{
    kb_vent_job *j = ctx;
    kb_vstate *v = j->v;
    kb_buf raw = KB_BUF_INIT;
    for (size_t i = from; i < to; i++) {
        const kb_vraw *r = &v->aud.r[i];
        kb_vent *o = &j->out[i];
        memset(o, 0, sizeof *o);
        o->signer = -1;
        MDB_val k = {r->klen, KB_VK(&v->aud, r)}, val = {r->vlen, KB_VV(&v->aud, r)};
        char *pt = NULL;
        if (kb_audit_open(v->s, &k, &val, &o->en, &pt, NULL) != KB_OK)
            continue;
        o->opened = true;
        unsigned char h[KB_HASH_LEN];
        kb_entry_encode(&o->en, &raw);
        crypto_generichash(h, KB_HASH_LEN, (unsigned char *)raw.data, raw.len, NULL, 0);
        o->hash_ok = memcmp(h, o->en.hash, KB_HASH_LEN) == 0;
        for (size_t s = 0; s < v->nsigners; s++)
            if (memcmp(v->signers[s].id, o->en.author, KB_KEY_LEN) == 0)
                o->signer = (int)s;
        o->deferred = sodium_is_zero(o->en.sig, crypto_sign_BYTES);
        if (o->hash_ok && o->signer >= 0 && !o->deferred)
            o->sig_ok = crypto_sign_verify_detached(o->en.sig, o->en.hash, KB_HASH_LEN,
                                                    v->signers[o->signer].pk) == 0;
        o->en.detail = NULL;
        kb_free(&pt);
    }
    kb_buf_free(&raw);
}

/* Entries from v->defer_seq on left their signature to a later entry of
 * their change, and the log goes on with another change (or ends). */
static int kb_vdefer_bad(kb_vstate *v)
{
    unsigned char k8[8];
    kb_put_u64be(k8, v->defer_seq);
    return kb_verify_bad(v->e, KB_T_COUNT_, k8, 8,
                         _("audit entry is not signed, and no later entry of its change signs "
                           "it"));
}

/* Check the audit entries copied last, in seq order, and note the newest
 * entry of each record they name. */
static int kb_vcheck_tail(kb_vstate *v)
{
    if (!v->aud.n)
        return KB_OK;
    int rc = kb_vsigners(v);
    if (rc)
        return rc;
    kb_vent *out = kb_calloc(v->aud.n, sizeof *out);
    kb_vent_job j = {v, out};
    kb_par(v->aud.n, kb_verify_nthreads(v->s), kb_vent_work, &j);
    for (size_t i = 0; i < v->aud.n; i++) {
        const kb_vraw *r = &v->aud.r[i];
        const kb_vent *o = &out[i];
        const kb_entry *en = &o->en;
        if (!o->opened) {
            /* again, for the reason */
            MDB_val k = {r->klen, KB_VK(&v->aud, r)}, val = {r->vlen, KB_VV(&v->aud, r)};
            kb_entry en2;
            char *pt = NULL;
            kb_err ae;
            kb_err_set(&ae, KB_EDATA, "%s", _("audit entry is malformed"));
            (void)kb_audit_open(v->s, &k, &val, &en2, &pt, &ae);
            kb_free(&pt);
            rc = kb_verify_bad(v->e, KB_T_COUNT_, KB_VK(&v->aud, r), r->klen, ae.msg);
            break;
        }
        const kb_signer *sg = o->signer >= 0 ? &v->signers[o->signer] : NULL;
        const char *why = NULL;
        if (en->seq != v->prev_seq + 1)
            why = _("gap in the audit sequence");
        else if (memcmp(en->prev, v->prev_hash, KB_HASH_LEN) != 0)
            why = _("audit chain broken (previous hash differs)");
        else if (!o->hash_ok)
            why = _("audit entry hash mismatch");
        else if (!sg)
            why = _("audit entry signed by an unknown user");
        else if (sg->removed_at && en->seq > sg->removed_at)
            why = _("audit entry signed by a user whose access was removed");
        else if (v->defer_seq && (memcmp(en->author, v->defer_author, KB_KEY_LEN) != 0 ||
                                  memcmp(en->op_id, v->defer_op, KB_OPID_LEN) != 0)) {
            rc = kb_vdefer_bad(v);
            break;
        } else if (o->deferred && (v->s->format < KB_FORMAT_DEFER || en->table == KB_T_META))
            why = _("audit entry has no signature"); /* (meta: a restore record is checked alone) */
        else if (!o->deferred && !o->sig_ok)
            why = _("bad signature on audit entry");
        if (why) {
            rc = kb_verify_bad(v->e, KB_T_COUNT_, KB_VK(&v->aud, r), r->klen, why);
            break;
        }
        if (!o->deferred) {
            v->defer_seq = 0; /* signed: it covers the entries before it */
        } else if (!v->defer_seq) {
            v->defer_seq = en->seq;
            memcpy(v->defer_author, en->author, KB_KEY_LEN);
            memcpy(v->defer_op, en->op_id, KB_OPID_LEN);
        }
        v->prev_seq = en->seq;
        memcpy(v->prev_hash, en->hash, KB_HASH_LEN);
        kb_vrec *vr = kb_vmapt_get(&v->map, en->table & 0xff, en->key, en->klen);
        vr->version = en->version;
        vr->deleted = en->flags & 1;
        vr->seq = en->seq;
        memcpy(vr->hash, en->value_hash, KB_HASH_LEN);
        v->rep->entries++;
    }
    kb_free(&out);
    if (rc == KB_OK && v->o->progress && !v->in_txn)
        v->o->progress(v->o->ctx, KB_VERIFY_AUDIT, v->prev_seq,
                       v->newest_seq > v->prev_seq ? v->newest_seq : v->prev_seq);
    return rc;
}

/* Copy record r (table tb, stored key k, value val) and check its version
 * against the version map of t (the version is the value's plain,
 * authenticated header). */
static void kb_vcopy_rec(kb_vstate *v, kb_txn *t, unsigned tb, const MDB_val *k, const MDB_val *val)
{
    kb_vraw *r = kb_vchunk_add(&v->recs, tb, k, val);
    if (!val) {
        r->missing = true;
        return;
    }
    if (v->s->format < 2)
        return;
    kb_err me;
    uint64_t ver = kb_val_version(val->mv_data, val->mv_size);
    int vc = kb_vmap_check(t, tb, k->mv_data, k->mv_size, ver, &me);
    if (vc == KB_SHIDDEN) /* a record of an unfinished import: audited, not the board's yet */
        return;
    uint64_t sv;
    if (vc == KB_OK && kb_stage_find(t, tb, k->mv_data, k->mv_size, &sv) == KB_OK) {
        r->staged_too = true; /* listed as staged, but the map has it */
        return;
    }
    if (vc == KB_OK)
        return;
    r->vm = t->vm && !t->vm->loaded ? 2 : 1;
    if (r->vm == 1) { /* the map's part that did not check out, if so */
        const kb_vmap *vm = t->vm;
        unsigned char d[KB_KEY_LEN];
        kb_vm_digest(v->s, tb, k->mv_data, k->mv_size, d);
        size_t b = kb_vm_index(vm, d);
        const kb_vgroup *gr = &vm->g[b >> vm->gbits];
        if (gr->bad) {
            r->vm = 3;
            r->vmkl = (unsigned char)kb_vm_gkey(b >> vm->gbits, r->vmkey);
        } else if (gr->b && !kb_vm_bk(vm, b)->loaded) {
            r->vm = 3;
            r->vmkl = (unsigned char)kb_vm_bkey(vm, b, r->vmkey);
        }
    }
}

/* Add table tb's records after *last (empty: from its first key) to the
 * chunk until it is full; *done when the table ends. */
static int kb_vcopy_walk(kb_vstate *v, kb_txn *t, unsigned tb, kb_buf *last, bool *done)
{
    size_t n0 = v->recs.n;
    *done = true;
    MDB_dbi dbi;
    int rc = kb_tdbi(t, (enum kb_table)tb, &dbi, v->e);
    if (rc == KB_ENOENT)
        return KB_OK;
    if (rc)
        return rc;
    if (v->s->format >= 2) {
        kb_err me;
        (void)kb_vmap_root(t, &me); /* a bad root: every record says so */
    }
    MDB_cursor *c = NULL;
    KB_VARM(t, v->e, v->s->path);
    if ((rc = mdb_cursor_open(t->txn, dbi, &c))) {
        KB_VDISARM();
        return kb_mdb_err(v->e, rc, kb_table_names[tb]);
    }
    MDB_val k, val;
    int r;
    if (!last->len) {
        r = mdb_cursor_get(c, &k, &val, MDB_FIRST);
    } else {
        k.mv_size = last->len;
        k.mv_data = last->data;
        r = mdb_cursor_get(c, &k, &val, MDB_SET_RANGE);
        if (r == 0 && k.mv_size == last->len && memcmp(k.mv_data, last->data, k.mv_size) == 0)
            r = mdb_cursor_get(c, &k, &val, MDB_NEXT);
    }
    for (; r == 0; r = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
        if (v->recs.n >= v->s->hooks.verify_chunk || v->recs.data.len >= KB_VCHUNK_BYTES) {
            *done = false;
            break;
        }
        kb_vcopy_rec(v, t, tb, &k, &val);
    }
    mdb_cursor_close(c);
    KB_VDISARM();
    if (r != 0 && r != MDB_NOTFOUND && *done)
        return kb_mdb_err(v->e, r, kb_table_names[tb]);
    if (v->recs.n > n0) {
        const kb_vraw *lr = &v->recs.r[v->recs.n - 1];
        kb_buf_clear(last);
        kb_buf_append(last, KB_VK(&v->recs, lr), lr->klen);
    }
    return KB_OK;
}

/* One record, opened on a worker thread. */
typedef struct kb_vrres {
    bool ok;
    uint64_t ver;
    unsigned char h[KB_HASH_LEN];
} kb_vrres;

typedef struct kb_vrec_job {
    kb_vstate *v;
    kb_vrres *out;
} kb_vrec_job;

static void kb_vrec_work(void *ctx, size_t from, size_t to)
{
    kb_vrec_job *j = ctx;
    kb_vstate *v = j->v;
    kb_store *s = v->s;
    for (size_t i = from; i < to; i++) {
        const kb_vraw *r = &v->recs.r[i];
        kb_vrres *o = &j->out[i];
        memset(o, 0, sizeof *o);
        if (r->missing)
            continue;
        char *pt = NULL;
        size_t n = 0;
        o->ok = kb_val_open(s, s->keys->k_rec, kb_table_names[r->table], KB_VK(&v->recs, r),
                            r->klen, KB_VV(&v->recs, r), r->vlen, &pt, &n, &o->ver, NULL) == KB_OK;
        if (pt) {
            sodium_memzero(pt, n);
            kb_free(&pt);
        }
        crypto_generichash(o->h, KB_HASH_LEN, KB_VV(&v->recs, r), r->vlen, NULL, 0);
    }
}

/* Check the records copied last against the newest entries (the table is
 * current for the transaction they were copied in). */
static int kb_vcheck_recs(kb_vstate *v)
{
    if (!v->recs.n)
        return KB_OK;
    kb_vrres *out = kb_calloc(v->recs.n, sizeof *out);
    kb_vrec_job j = {v, out};
    kb_par(v->recs.n, kb_verify_nthreads(v->s), kb_vrec_work, &j);
    int rc = KB_OK;
    for (size_t i = 0; i < v->recs.n; i++) {
        const kb_vraw *r = &v->recs.r[i];
        const kb_vrres *o = &out[i];
        const unsigned char *key = KB_VK(&v->recs, r);
        const char *tn = kb_table_names[r->table];
        if (r->missing) {
            kb_vname_add(v, r->table, key, r->klen);
            rc = kb_verify_bad(v->e, r->table, key, r->klen,
                               _("record is missing although the audit log says it exists"));
            break;
        }
        if (!o->ok) {
            kb_vname_add(v, r->table, key, r->klen);
            rc = kb_verify_bad(v->e, r->table, key, r->klen,
                               _("failed authentication (damaged or tampered)"));
            break;
        }
        kb_vrec *hit = kb_vmapt_find(&v->map, r->table, key, r->klen, NULL);
        if (!hit || !hit->seen)
            v->rep->records++;
        if (hit)
            hit->seen = true;
        bool match = hit && !hit->deleted && hit->version == o->ver &&
                     memcmp(hit->hash, o->h, KB_HASH_LEN) == 0;
        if (hit)
            hit->checked = hit->seq; /* named below if it does not match: once */
        if (!match) {
            kb_vname_add(v, r->table, key, r->klen);
            kb_verify_note(&v->bad, &v->nbad, tn, key, r->klen,
                           !hit ? _("record has no audit entry")
                           : o->ver < hit->version
                               ? _("an older copy was put back (replayed): its version is "
                                   "below the newest audit entry's")
                               : _("stored value does not match its newest audit entry"));
            continue;
        }
        if (r->vm == 3) { /* the damaged group or bucket, once */
            bool noted = false;
            for (size_t p = 0; p < v->vm_nparts && !noted; p++)
                noted = memcmp(v->vm_parts[p], r->vmkey, r->vmkl) == 0;
            kb_vname_add(v, r->table, key, r->klen);
            if (!noted) {
                kb_verify_note(&v->bad, &v->nbad, KB_DB_VMAP, r->vmkey, r->vmkl,
                               r->vmkey[0] == 'G'
                                   ? _("this group of the version map's bucket hashes is "
                                       "damaged or was replaced")
                                   : _("this bucket of the version map is damaged or was "
                                       "replaced"));
                if (v->vm_nparts < sizeof v->vm_parts / sizeof v->vm_parts[0])
                    memcpy(v->vm_parts[v->vm_nparts++], r->vmkey, 3);
            }
            continue;
        }
        if (r->staged_too) {
            kb_vname_add(v, r->table, key, r->klen);
            kb_verify_note(&v->bad, &v->nbad, KB_DB_STAGE, (const unsigned char *)key, r->klen,
                           _("a record of the board is listed as one of an unfinished import "
                             "(table stage is damaged or was changed)"));
            continue;
        }
        if (r->vm && !(r->vm == 2 && v->vm_root_noted)) {
            kb_vname_add(v, r->table, key, r->klen);
            kb_verify_note(&v->bad, &v->nbad, tn, key, r->klen,
                           _("the version map disagrees with the stored value"));
            if (r->vm == 2)
                v->vm_root_noted = true; /* the root itself is bad: one note is enough */
        }
    }
    kb_free(&out);
    return rc;
}

/* Begin a read transaction for one chunk. */
static int kb_vbegin(kb_vstate *v, kb_txn **t)
{
    int rc = kb_store_read(v->s, t, v->e);
    return rc ? kb_store_explain_damage(v->s->path, rc, v->e) : KB_OK;
}

/* The records the log says exist that were not checked against their
 * newest entry (indexes into the map). */
static size_t kb_vpending(const kb_vstate *v, size_t **out)
{
    size_t n = 0;
    for (size_t i = 0; i < v->map.n; i++) {
        const kb_vrec *r = &v->map.v[i];
        if (!r->deleted && r->checked != r->seq && r->table < KB_T_COUNT_)
            n++;
    }
    *out = kb_reallocarray(*out, n + 1, sizeof **out);
    n = 0;
    for (size_t i = 0; i < v->map.n; i++) {
        const kb_vrec *r = &v->map.v[i];
        if (!r->deleted && r->checked != r->seq && r->table < KB_T_COUNT_)
            (*out)[n++] = i;
    }
    return n;
}

/* Copy the pending records pend[0..n) (point lookups). */
static int kb_vcopy_lookups(kb_vstate *v, kb_txn *t, const size_t *pend, size_t n)
{
    kb_vchunk_clear(&v->recs);
    if (v->s->format >= 2) {
        kb_err me;
        (void)kb_vmap_root(t, &me);
    }
    KB_VARM(t, v->e, v->s->path);
    for (size_t i = 0; i < n; i++) {
        const kb_vrec *r = &v->map.v[pend[i]];
        v->s->hooks.verify_lookups++;
        MDB_dbi dbi;
        kb_err de;
        MDB_val k = {r->klen, (void *)r->key}, val;
        int r0 = kb_tdbi(t, (enum kb_table)r->table, &dbi, &de);
        if (r0 && r0 != KB_ENOENT) {
            KB_VDISARM();
            *v->e = de;
            return r0;
        }
        if (r0 == KB_ENOENT || mdb_get(t->txn, dbi, &k, &val) != 0)
            kb_vcopy_rec(v, t, r->table, &k, NULL);
        else
            kb_vcopy_rec(v, t, r->table, &k, &val);
    }
    KB_VDISARM();
    return KB_OK;
}

/* The last checks, in the transaction that is caught up and copied the
 * last lookups: records per table against the log, the version map's
 * size, the access list, and the pin (moved to the verified head). */
static int kb_vfinal(kb_vstate *v, kb_txn *t, bool full)
{
    kb_store *s = v->s;
    kb_err *e = v->e;
    int rc = KB_OK;
    volatile uint64_t stored = 0; /* changed after sigsetjmp */
    uint64_t want[KB_T_COUNT_] = {0};
    for (size_t i = 0; full && i < v->map.n; i++)
        if (!v->map.v[i].deleted && v->map.v[i].table < KB_T_COUNT_)
            want[v->map.v[i].table]++;
    KB_VARM(t, e, s->path);
    for (int tb = 0; tb < KB_T_COUNT_; tb++) {
        MDB_dbi dbi;
        MDB_stat st;
        kb_err de;
        if (kb_tdbi(t, (enum kb_table)tb, &dbi, &de) != KB_OK || mdb_stat(t->txn, dbi, &st))
            continue;
        stored += st.ms_entries;
        if (!full || v->nbad)
            continue;
        /* a record added without an audit entry after its range was walked */
        if (st.ms_entries != want[tb])
            kb_verify_note(&v->bad, &v->nbad, kb_table_names[tb], (const unsigned char *)"", 0,
                           _("record has no audit entry"));
    }
    if (s->format >= 2) {
        /* the version map holds exactly the stored records */
        if (v->nbad == 0 && kb_vmap_root(t, e) == KB_OK) {
            uint64_t total = 0;
            const kb_vmap *vm = t->vm;
            bool bad = false;
            for (size_t b = 0; b < vm->nb && !bad; b++) {
                kb_vbucket *bk;
                if (kb_vmap_bucket(t, b, &bk, e) != KB_OK) { /* named as it is */
                    unsigned char key[3];
                    /* (a group of hashes that did not check out, or the bucket) */
                    size_t kl = vm->g[b >> vm->gbits].loaded ? kb_vm_bkey(vm, b, key)
                                                             : kb_vm_gkey(b >> vm->gbits, key);
                    kb_verify_note(&v->bad, &v->nbad, KB_DB_VMAP, key, kl, e->msg);
                    bad = true;
                } else {
                    total += bk->n;
                }
            }
            uint64_t staged = 0; /* an unfinished import's records: not in the map (stage.c) */
            for (unsigned tb = 0; tb < KB_T_COUNT_; tb++)
                staged += kb_stage_count(t, tb);
            if (!kb_stage_consistent(t)) {
                kb_verify_note(&v->bad, &v->nbad, KB_DB_STAGE, (const unsigned char *)"\xff", 1,
                               _("the list of an unfinished import's records does not check out "
                                 "(an entry made without the key or left from another import, or "
                                 "counts that do not match)"));
                bad = true;
            }
            if (!bad && total + staged != stored)
                kb_verify_note(&v->bad, &v->nbad, KB_DB_VMAP, (const unsigned char *)"R", 1,
                               _("the version map names records that are not stored"));
            else if (!bad && vm->layout >= 3 && vm->count != total)
                kb_verify_note(&v->bad, &v->nbad, KB_DB_VMAP, (const unsigned char *)"R", 1,
                               _("the version map's root counts a different number of records"));
            /* every stored value of the map is one the root names (reads
             * never look at another, but it is not the board's) */
            MDB_cursor *vc = NULL;
            if (!bad && vm->have_dbi && mdb_cursor_open(t->txn, vm->dbi, &vc) == 0) {
                MDB_val vk, vv;
                for (int r = mdb_cursor_get(vc, &vk, &vv, MDB_FIRST); r == 0;
                     r = mdb_cursor_get(vc, &vk, &vv, MDB_NEXT)) {
                    if (!kb_vm_names_key(vm, vk.mv_data, vk.mv_size)) {
                        kb_verify_note(&v->bad, &v->nbad, KB_DB_VMAP, vk.mv_data, vk.mv_size,
                                       _("a version map value that its root does not name "
                                         "(left over or put in)"));
                        break;
                    }
                }
                mdb_cursor_close(vc);
            }
        } else if (v->nbad == 0) {
            kb_verify_note(&v->bad, &v->nbad, KB_DB_VMAP, (const unsigned char *)"R", 1, e->msg);
        }
        kb_verify_access(t, &v->bad, &v->nbad);
    }
    KB_VDISARM();
    if (v->nbad)
        return kb_err_damage(e, _("verify failed: %s"), v->bad.data);
    if (v->defer_seq) /* the log ends before the entry that signs */
        return kb_vdefer_bad(v);
    v->rep->head_seq = v->prev_seq;
    memcpy(v->rep->head, v->prev_hash, KB_HASH_LEN);
    rc = kb_pin_check(s, v->rep->head_seq, v->rep->head, t, v->rep, true, e);
    return rc;
}

/* Catch up and look up what is pending until one transaction is caught up
 * and has nothing left to copy; then the last checks in it. */
static int kb_vfinish(kb_vstate *v, bool full)
{
    size_t *pend = NULL;
    int rc = KB_OK;
    for (;;) {
        size_t np = kb_vpending(v, &pend);
        kb_txn *t = NULL;
        if ((rc = kb_vbegin(v, &t)))
            break;
        if ((rc = kb_vcopy_tail(v, t))) {
            kb_txn_abort(&t);
            break;
        }
        if (v->aud.n > KB_VSMALL || v->tail_more) {
            kb_txn_abort(&t);
            if ((rc = kb_vcheck_tail(v)))
                break;
            continue;
        }
        if (v->aud.n) {
            /* a small tail: checked here, then the lookups it adds */
            v->in_txn = true;
            rc = kb_vcheck_tail(v);
            v->in_txn = false;
            if (rc) {
                kb_txn_abort(&t);
                break;
            }
            kb_vchunk_clear(&v->aud);
            np = kb_vpending(v, &pend);
        }
        size_t take = np > v->s->hooks.verify_chunk ? v->s->hooks.verify_chunk : np;
        if ((rc = kb_vcopy_lookups(v, t, pend, take))) {
            kb_txn_abort(&t);
            break;
        }
        if (np > KB_VSMALL || v->recs.data.len > KB_VCHUNK_BYTES / 8) {
            kb_txn_abort(&t);
            if ((rc = kb_vcheck_recs(v)))
                break;
            continue;
        }
        rc = kb_vcheck_recs(v);
        if (rc == KB_OK)
            rc = kb_vfinal(v, t, full);
        kb_txn_abort(&t);
        break;
    }
    kb_free(&pend);
    return rc;
}

/* The number of stored records (progress). */
static int kb_vcount(kb_vstate *v, kb_txn *t)
{
    KB_VARM(t, v->e, v->s->path);
    for (int tb = 0; tb < KB_T_COUNT_; tb++) {
        MDB_dbi dbi;
        MDB_stat st;
        kb_err de;
        if (kb_tdbi(t, (enum kb_table)tb, &dbi, &de) == KB_OK && mdb_stat(t->txn, dbi, &st) == 0)
            v->total_records += st.ms_entries;
    }
    KB_VDISARM();
    return KB_OK;
}

/* The structure check (plain reads of the whole file), and the number of
 * stored records (progress).  First without the lock: a writer never
 * overwrites a page of the newest commit's trees before the next commit
 * (LMDB reuses only pages freed by older transactions), so a check during
 * which the newest meta page did not change read one consistent state.
 * When it found something, or a commit came meanwhile, it runs again under
 * the shared lock of a read transaction (no writer changes pages then). */
static int kb_vstructure(kb_vstate *v, bool check)
{
    if (check) {
        kb_lk_revalidate(v->s->path);
        kb_buf dmg = KB_BUF_INIT;
        size_t found = 0;
        uint64_t t0 = 0;
        kb_err ce;
        if (kb_store_check_file_at(v->s->path, &dmg, &found, &t0, &ce) == KB_OK && !found && t0 &&
            kb_store_file_txnid(v->s->path) == t0) {
            check = false;
            v->s->hooks.verify_unlocked_checks++;
        }
        kb_buf_free(&dmg);
    }
    kb_txn *t = NULL;
    int rc = kb_vbegin(v, &t);
    if (rc)
        return rc;
    if (check) {
        kb_buf dmg = KB_BUF_INIT;
        size_t found = 0;
        rc = kb_store_check_file(v->s->path, &dmg, &found, v->e);
        if (rc == KB_OK && found) {
            rc = kb_err_damage(v->e,
                               _("verify failed: the board file is damaged: %s; restore the last "
                                 "good backup with 'kernboard restore'"),
                               dmg.data);
        }
        kb_buf_free(&dmg);
    }
    if (rc == KB_OK)
        rc = kb_vcount(v, t);
    kb_txn_abort(&t);
    return rc;
}

/* Walk every record table in key order, a chunk per transaction, each
 * chunk copied after the audit tail of the same transaction.  A chunk goes
 * on into the next table while it has room (a small board is walked in
 * one transaction, not one per table). */
static int kb_vwalk(kb_vstate *v)
{
    kb_buf last = KB_BUF_INIT;
    int rc = KB_OK;
    unsigned tb = 0;
    while (tb < KB_T_COUNT_ && rc == KB_OK) {
        kb_txn *t = NULL;
        if ((rc = kb_vbegin(v, &t)))
            break;
        rc = kb_vcopy_tail(v, t);
        bool walk = rc == KB_OK && !v->tail_more;
        kb_vchunk_clear(&v->recs);
        while (walk && rc == KB_OK && tb < KB_T_COUNT_) {
            bool done = false;
            rc = kb_vcopy_walk(v, t, tb, &last, &done);
            if (rc != KB_OK || !done)
                break;
            tb++;
            kb_buf_clear(&last);
        }
        kb_txn_abort(&t);
        if (rc == KB_OK)
            rc = kb_vcheck_tail(v);
        if (rc == KB_OK && walk) {
            /* the table the chunk ends in (tests' progress hooks) */
            v->s->hooks.verify_table = v->recs.n ? v->recs.r[v->recs.n - 1].table : KB_T_COUNT_;
            rc = kb_vcheck_recs(v);
            if (rc == KB_OK && v->recs.n && v->o->progress)
                v->o->progress(v->o->ctx, KB_VERIFY_RECORDS, v->rep->records,
                               v->total_records > v->rep->records ? v->total_records
                                                                  : v->rep->records);
        }
    }
    kb_buf_free(&last);
    v->s->hooks.verify_table = KB_T_COUNT_;
    return rc;
}

/* The hash of audit entry seq in t (*found false: not there or not
 * readable). */
static int kb_ventry_hash(kb_vstate *v, kb_txn *t, uint64_t seq, unsigned char hash[KB_HASH_LEN],
                          bool *found)
{
    *found = false;
    unsigned char k8[8];
    kb_put_u64be(k8, seq);
    MDB_val k = {8, k8}, val;
    kb_buf raw = KB_BUF_INIT;
    KB_VARM(t, v->e, v->s->path);
    if (kb_audit_dbi(t, NULL) == KB_OK && mdb_get(t->txn, t->dbi_audit, &k, &val) == 0)
        kb_buf_append(&raw, val.mv_data, val.mv_size);
    KB_VDISARM();
    kb_entry en;
    char *pt = NULL;
    MDB_val copy = {raw.len, raw.data};
    if (raw.len && kb_audit_open(v->s, &k, &copy, &en, &pt, NULL) == KB_OK) {
        memcpy(hash, en.hash, KB_HASH_LEN);
        *found = true;
    }
    kb_free(&pt);
    kb_buf_free(&raw);
    return KB_OK;
}

/* Incremental: start the chain at the pinned entry.  *start false (and
 * KB_OK) when there is no pin or the pinned entry was discarded by a
 * restore: a full verify is needed. */
static int kb_vfrom_pin(kb_vstate *v, bool *start)
{
    kb_store *s = v->s;
    *start = false;
    FILE *f = kb_pin_open(s, NULL);
    unsigned long long pseq = 0;
    char phex[2 * KB_HASH_LEN + 2] = "";
    bool have = f && fscanf(f, "%llu %64s", &pseq, phex) == 2 && pseq > 0;
    if (f)
        fclose(f);
    if (!have) {
        if (v->o->progress)
            v->o->progress(v->o->ctx, KB_VERIFY_NOPIN, 0, 0);
        return KB_OK;
    }
    kb_txn *t = NULL;
    int rc = kb_vbegin(v, &t);
    if (rc)
        return rc;
    uint64_t head_seq = kb_txn_audit_seq(t);
    /* the pin's own check: rolled back, replaced (or restored: accepted) */
    rc = kb_pin_check(s, head_seq, t->start_head, t, v->rep, false, v->e);
    if (rc == KB_OK) {
        unsigned char hash[KB_HASH_LEN];
        char hh[2 * KB_HASH_LEN + 1] = "";
        bool found = false;
        rc = kb_ventry_hash(v, t, pseq, hash, &found);
        if (rc == KB_OK && found)
            kb_hex(hash, KB_HASH_LEN, hh);
        if (rc == KB_OK && strcmp(hh, phex) == 0) {
            *start = true;
            v->prev_seq = pseq;
            memcpy(v->prev_hash, hash, KB_HASH_LEN);
            unsigned char k8[8];
            kb_put_u64be(k8, pseq);
            kb_buf_clear(&v->alast);
            kb_buf_append(&v->alast, k8, 8);
        } else if (rc == KB_OK && v->o->progress) {
            v->o->progress(v->o->ctx, KB_VERIFY_RESTORED, pseq, 0);
        }
    }
    kb_txn_abort(&t);
    return rc;
}

/* Copy the index table (sealed) out of the map. */
static int kb_vcopy_index(kb_txn *t, kb_vchunk *out, kb_err *e)
{
    MDB_dbi dbi;
    int rc = kb_tdbi(t, KB_T_INDEX, &dbi, e);
    if (rc)
        return rc;
    MDB_cursor *c = NULL;
    KB_VARM(t, e, t->s->path);
    if ((rc = mdb_cursor_open(t->txn, dbi, &c))) {
        KB_VDISARM();
        return kb_mdb_err(e, rc, kb_table_names[KB_T_INDEX]);
    }
    MDB_val k, val;
    for (int r = mdb_cursor_get(c, &k, &val, MDB_FIRST); r == 0;
         r = mdb_cursor_get(c, &k, &val, MDB_NEXT))
        kb_vchunk_add(out, KB_T_INDEX, &k, &val);
    mdb_cursor_close(c);
    KB_VDISARM();
    return KB_OK;
}

/* Name the case of each bad record noted in v->named in the message:
 * "record HEX" becomes "record HEX (case #12)".  The index maps "case#N"
 * to the case key; a comment, lease or relation list is keyed by its
 * case's (hashed) key.  Best effort: what cannot be read stays as it is. */
static void kb_vname_cases(kb_vstate *v)
{
    kb_store *s = v->s;
    kb_txn *t = NULL;
    kb_err te;
    kb_vchunk idx = {0};
    if (!s->keys || kb_store_read(s, &t, &te) != KB_OK)
        return;
    int rc = kb_vcopy_index(t, &idx, &te);
    kb_txn_abort(&t);
    for (size_t i = 0; rc == KB_OK && i < idx.n; i++) {
        const kb_vraw *r = &idx.r[i];
        char *pt = NULL;
        size_t n = 0;
        if (kb_val_open(s, s->keys->k_rec, kb_table_names[KB_T_INDEX], KB_VK(&idx, r), r->klen,
                        KB_VV(&idx, r), r->vlen, &pt, &n, NULL, NULL) != KB_OK)
            continue;
        /* name || case key; only case#N */
        if (n > KB_KEY_LEN + 5 && n - KB_KEY_LEN < 32 && memcmp(pt, "case#", 5) == 0) {
            char num[32];
            size_t nl = n - KB_KEY_LEN - 5;
            memcpy(num, pt + 5, nl);
            num[nl] = '\0';
            const unsigned char *ck = (unsigned char *)pt + n - KB_KEY_LEN;
            for (size_t j = 0; j < v->named.n; j++) {
                const kb_vraw *b = &v->named.r[j];
                const unsigned char *bk = KB_VK(&v->named, b);
                unsigned char want[KB_KEY_LEN];
                if (b->table == KB_T_CASES || s->format < 2)
                    memcpy(want, ck, KB_KEY_LEN);
                else
                    kb_ref16(s, (enum kb_table)b->table, ck, want);
                if (memcmp(bk, want, KB_KEY_LEN) != 0)
                    continue;
                char hex[129], with[200];
                kb_hex(bk, b->klen, hex);
                snprintf(with, sizeof with, _("%s (case #%s)"), hex, num);
                kb_err_replace(v->e, hex, with);
            }
        }
        sodium_memzero(pt, n);
        kb_free(&pt);
    }
    kb_vchunk_free(&idx);
}

int kb_store_verify_ex(kb_store *s, const kb_verify_opts *o, kb_verify_report *rep, kb_err *e)
{
    memset(rep, 0, sizeof *rep);
    kb_verify_opts none = {0};
    kb_vstate v = {.s = s, .rep = rep, .o = o ? o : &none, .e = e};
    int rc = KB_OK;
    /* every version map bucket from the file: the ones kept from before
     * are dropped; the ones kept during the verify were read by it (a
     * record chunk reads most buckets: not decrypted again per chunk) */
    kb_vmc_free(s);
    bool incremental = false;
    if (v.o->incremental)
        rc = kb_vfrom_pin(&v, &incremental);
    rep->incremental = incremental;
    if (rc == KB_OK && !incremental)
        rc = kb_vstructure(&v, true);
    /* the audit chain as it is now, then the records (each chunk after
     * the tail that came meanwhile), then what changed after its chunk */
    while (rc == KB_OK) {
        kb_txn *t = NULL;
        if ((rc = kb_vbegin(&v, &t)))
            break;
        rc = kb_vcopy_tail(&v, t);
        kb_txn_abort(&t);
        if (rc == KB_OK)
            rc = kb_vcheck_tail(&v);
        if (!v.tail_more)
            break;
    }
    if (rc == KB_OK && !incremental)
        rc = kb_vwalk(&v);
    if (rc == KB_OK)
        rc = kb_vfinish(&v, !incremental);
    if (rc == KB_EDATA && v.named.n)
        kb_vname_cases(&v);
    kb_vchunk_free(&v.named);
    kb_free(&v.signers);
    kb_vchunk_free(&v.sraw);
    kb_vchunk_free(&v.aud);
    kb_vchunk_free(&v.recs);
    kb_buf_free(&v.alast);
    kb_vmapt_free(&v.map);
    kb_buf_free(&v.bad);
    return rc;
}

int kb_store_verify(kb_store *s, kb_verify_report *rep, kb_err *e)
{
    return kb_store_verify_ex(s, NULL, rep, e);
}
