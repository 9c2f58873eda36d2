/*
 * store.c - open/create, transactions, sealed records, audit log, verify.
 * The protocol and formats are described in docs/storage.md.
 */
#include "store_internal.h"
#include "kernboard/env.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KB_DEFAULT_LOCK_TIMEOUT_MS 10000
#define KB_MAX_LOCK_HOLD_MS 30000 /* abort instead of committing after this */
#define KB_STALE_RETRIES 8
#define KB_MIN_MAPSIZE ((size_t)1 << 30)

const char *const kb_table_names[KB_T_COUNT_] = {
    "meta", "index",    "signers", "users",     "cases",    "comments", "depts",  "stages", "lines",
    "orgs", "contacts", "actions", "decisions", "meetings", "links",    "leases", "rels",   "goals",
};

/* Internal tables outside the audited record tables. */
#define KB_DB_BOARD "board"
#define KB_DB_SLOTS "keyslots"
#define KB_DB_EPOCHS "epochs"
#define KB_DB_AUDIT "audit"

static const unsigned char kb_board_magic[8] = {'K', 'B', 'O', 'A', 'R', 'D', 0, 1};

const char *kb_table_name(enum kb_table t)
{
    return (unsigned)t < KB_T_COUNT_ ? kb_table_names[t] : "?";
}

void kb_store_random(void *buf, size_t n)
{
    randombytes_buf(buf, n);
}

int kb_mdb_err(kb_err *e, int rc, const char *what)
{
    int code = KB_EIO;
    if (rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND ||
        rc == MDB_VERSION_MISMATCH || rc == MDB_INCOMPATIBLE || rc == MDB_BAD_VALSIZE)
        code = KB_EDATA;
    if (rc == ENOSPC || rc == MDB_MAP_FULL)
        return kb_err_set(e, KB_EIO, _("%s: the disk or board is full (%s); nothing was saved"),
                          what, mdb_strerror(rc));
    if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_BAD_TXN)
        /* BAD_TXN: LMDB refuses the rest of a transaction that met a
         * damaged page */
        return kb_err_damage(e,
                             _("%s: the board file is damaged (%s); run 'kernboard verify' to see "
                               "where, and 'kernboard restore' to put back the last good backup"),
                             what, mdb_strerror(rc));
    return kb_err_set(e, code, _("%s: %s"), what, mdb_strerror(rc));
}

/* ------------------------------------------------------------ environment */

static void kb_env_close(kb_txn *t)
{
    if (t->txn) {
        mdb_txn_abort(t->txn);
        t->txn = NULL;
    }
    if (t->env) {
        mdb_env_close(t->env);
        t->env = NULL;
    }
}

/* Open the environment fresh and begin an LMDB transaction; refuse a view
 * older than the lock header's generation or a file shorter than the meta
 * page says (stale attributes on this host). Returns KB_ECONFLICT-free
 * codes; *stale is set when a retry may help. */
static int kb_env_open_once(kb_txn *t, bool create, bool *stale, kb_err *e)
{
    kb_store *s = t->s;
    *stale = false;
    struct stat st;
    if (stat(s->path, &st) != 0 && !create)
        return kb_err_set(e, errno == ENOENT ? KB_ENOENT : KB_EIO, _("cannot open board %s: %s"),
                          s->path, strerror(errno));
    size_t fsize = create ? 0 : (size_t)st.st_size;
    size_t mapsize = fsize * 2 > KB_MIN_MAPSIZE ? fsize * 2 : KB_MIN_MAPSIZE;
    int rc = mdb_env_create(&t->env);
    if (rc == 0)
        kb_bus_prepare(t->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(t->env, KB_T_COUNT_ + 15);
    if (rc == 0)
        rc = mdb_env_set_mapsize(t->env, mapsize);
    if (rc)
        return kb_mdb_err(e, rc, _("cannot prepare the board"));
    unsigned flags = MDB_NOSUBDIR | MDB_NOLOCK | MDB_NORDAHEAD | (t->write ? 0 : MDB_RDONLY);
    /* a page size LMDB would divide by is damage, not SIGFPE */
    if (!create && (rc = kb_store_meta_check(s->path, t->dfd, false, t->generation, e)))
        return rc;
    sigjmp_buf pad;
    sigjmp_buf *prev = kb_bus_arm(&pad);
    if (KB_BUS_SETJMP(pad)) {
        kb_bus_disarm(prev);
        t->failed = true;
        return kb_bus_fail(e, s->path);
    }
    rc = mdb_env_open(t->env, s->path, flags, 0660);
    if (rc) {
        kb_bus_disarm(prev);
        if (rc == ENOENT)
            return kb_err_set(e, KB_ENOENT, _("no board at %s"), s->path);
        if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
            return kb_err_set(e, KB_EDATA, _("%s is not a kernboard board file (%s)"), s->path,
                              mdb_strerror(rc));
        return kb_mdb_err(e, rc, s->path);
    }
    MDB_envinfo info;
    MDB_stat mst;
    mdb_env_info(t->env, &info);
    mdb_env_stat(t->env, &mst);
    if (info.me_last_txnid > 0) {
        int fd = -1;
        struct stat fst;
        /* (a file that ends before the last commit's last page is stale
         * here or truncated, unless the pages past its end are free: LMDB
         * does not write a page a transaction allocated and freed again) */
        if (mdb_env_get_fd(t->env, &fd) != 0 || fstat(fd, &fst) != 0 ||
            ((uint64_t)fst.st_size < ((uint64_t)info.me_last_pgno + 1) * mst.ms_psize &&
             !kb_store_tail_free(s->path, t->dfd))) {
            kb_bus_disarm(prev);
            *stale = true;
            return kb_err_set(e, KB_EIO,
                              _("board %s is shorter on this host than its last commit says "
                                "(stale cache or truncated file)"),
                              s->path);
        }
    }
    if ((uint64_t)info.me_last_txnid < t->generation) {
        kb_bus_disarm(prev);
        *stale = true;
        return kb_err_set(e, KB_EIO,
                          _("this host sees an old version of board %s (commit %llu, its lock "
                            "file says %llu): the network file system cache is stale, or the "
                            "board file was put back from an older version without its lock "
                            "file (then run 'kernboard doctor --repair-lock %s' once no session "
                            "has it open)"),
                          s->path, (unsigned long long)info.me_last_txnid,
                          (unsigned long long)t->generation, s->path);
    }
    /* a write takes pages from the free list, which LMDB trusts: a
     * damaged one would crash the commit or overwrite pages in use */
    if (t->write && !create && (rc = kb_store_free_check(s->path, t->dfd, e))) {
        kb_bus_disarm(prev);
        return rc;
    }
    rc = mdb_txn_begin(t->env, NULL, t->write ? 0 : MDB_RDONLY, &t->txn);
    kb_bus_disarm(prev);
    if (rc)
        return kb_mdb_err(e, rc, _("cannot begin a transaction"));
    return KB_OK;
}

static int kb_env_open(kb_txn *t, bool create, kb_err *e)
{
    for (int attempt = 0;; attempt++) {
        bool stale = false;
        int rc = kb_env_open_once(t, create, &stale, e);
        if (rc == KB_OK)
            return KB_OK;
        kb_env_close(t);
        if (stale && attempt >= KB_STALE_RETRIES) {
            /* before blaming a stale cache or an old copy: meta pages that
             * LMDB cannot have written are damage (a damaged commit number
             * makes the board look older than it is) */
            kb_err de;
            kb_err_clear(&de);
            if (kb_store_meta_check(t->s->path, t->dfd, true, 0, &de) != KB_OK) {
                *e = de;
                return de.code;
            }
        }
        if (!stale || attempt >= KB_STALE_RETRIES)
            return rc;
        if (t->dfd >= 0)
            close(t->dfd);
        t->dfd = kb_lk_revalidate_open(t->s->path);
        struct timespec ts = {0, 2000000L << (attempt < 5 ? attempt : 5)};
        nanosleep(&ts, NULL);
    }
}

int kb_dbi(kb_txn *t, const char *name, MDB_dbi *out, kb_err *e)
{
    int rc = mdb_dbi_open(t->txn, name, t->write ? MDB_CREATE : 0, out);
    if (rc == MDB_NOTFOUND)
        return KB_ENOENT; /* table not created yet: empty */
    if (rc)
        return kb_mdb_err(e, rc, name);
    return KB_OK;
}

int kb_tdbi(kb_txn *t, enum kb_table tbl, MDB_dbi *out, kb_err *e)
{
    if ((unsigned)tbl >= KB_T_COUNT_)
        return kb_err_set(e, KB_ESOFTWARE, "bad table %d", (int)tbl);
    if (t->dbi[tbl]) {
        *out = t->dbi[tbl];
        return KB_OK;
    }
    int rc = kb_dbi(t, kb_table_names[tbl], out, e);
    if (rc == KB_OK)
        t->dbi[tbl] = *out;
    return rc;
}

/* ------------------------------------------------------------ begin / end */

static void kb_vmap_free(kb_txn *t);
static int kb_vmap_flush(kb_txn *t, kb_err *e);

static void kb_audit_pend_clear(kb_txn *t)
{
    if (t->pendbuf.data)
        sodium_memzero(t->pendbuf.data, t->pendbuf.len);
    kb_buf_clear(&t->pendbuf);
    t->npend = 0;
}

static void kb_asig_free(kb_txn *t);
typedef struct kb_snapset kb_snapset;
static void kb_ss_free(kb_snapset **ss);

/* The next unused nonce of the transaction's pool (refilled from the
 * system's CSPRNG in growing batches: a one-record change draws a few,
 * an import one call per 512 values). */
static const unsigned char *kb_nonce_take(kb_txn *t)
{
    if (!t->nonce_left) {
        t->nonce_cap = t->nonce_cap ? (t->nonce_cap < 512 ? t->nonce_cap * 2 : 512) : 8;
        t->nonces = kb_realloc(t->nonces, t->nonce_cap * 24);
        randombytes_buf(t->nonces, t->nonce_cap * 24);
        t->nonce_left = t->nonce_cap;
    }
    return t->nonces + (t->nonce_cap - t->nonce_left--) * 24;
}

static void kb_txn_release(kb_txn *t)
{
    if (t->snap) { /* kb_store_snapshot: no lock, no environment */
        kb_ss_free(&t->snap);
        t->s->active = NULL;
        kb_free(&t);
        return;
    }
    kb_asig_free(t);
    kb_free(&t->nonces);
    kb_buf_free(&t->sealbuf);
    kb_buf_free(&t->vmraw);
    if (t->dfd >= 0)
        close(t->dfd);
    kb_audit_pend_clear(t);
    kb_buf_free(&t->pendbuf);
    kb_free(&t->pend);
    kb_vmap_free(t);
    kb_free(&t->sdesc);
    kb_env_close(t);
    kb_bus_leave();
    kb_lk_unlock(t->s->lock_fd, KB_LK_GLOBAL);
    t->s->active = NULL;
    kb_free(&t->action);
    kb_free(&t);
}

static int kb_audit_tail(kb_txn *t, kb_err *e);

int kb_txn_begin(kb_store *s, bool write, bool create, kb_txn **out, kb_err *e)
{
    if (s->active)
        return kb_err_set(e, KB_ESOFTWARE, "nested store transaction");
    kb_txn *t = kb_calloc(1, sizeof *t);
    t->s = s;
    t->write = write;
    t->dfd = -1;
    s->active = t;
    int rc;
    short type = write ? F_WRLCK : F_RDLCK;
    /* PENDING first so a waiting writer is not starved by a stream of readers. */
    if ((rc = kb_lk_range(s->lock_fd, KB_LK_PENDING, type, s->lock_timeout_ms, e)))
        goto fail_nolock;
    rc = kb_lk_range(s->lock_fd, KB_LK_GLOBAL, type, s->lock_timeout_ms, e);
    kb_lk_unlock(s->lock_fd, KB_LK_PENDING);
    if (rc)
        goto fail_nolock;
    t->locked_at_ms = kb_clock_ms();
    kb_bus_enter(); /* left in kb_txn_release */
    /* issue 15 (lock.c): still the file at the lock path; data-file slot */
    if ((rc = kb_lk_txn_check(s, e)))
        goto fail;
    kb_lk_header hdr;
    if ((rc = kb_lk_header_read(s->lock_fd, &hdr, e)))
        goto fail;
    if (!create && memcmp(hdr.uuid, s->uuid, KB_UUID_LEN) != 0 &&
        !sodium_is_zero(s->uuid, KB_UUID_LEN)) {
        rc = kb_err_set(e, KB_EDATA, _("%s belongs to another board"), s->lock_path);
        goto fail;
    }
    t->generation = hdr.generation;
    t->dfd = kb_lk_revalidate_open(s->path);
    if ((rc = kb_env_open(t, create, e)))
        goto fail;
    if (create) {
        s->format = KB_FORMAT_VERSION;
    } else {
        /* the board format can change under a session (migration) */
        MDB_dbi bd;
        MDB_val k = {5, "board"}, v;
        if (kb_dbi(t, KB_DB_BOARD, &bd, e) == KB_OK) {
            sigjmp_buf pad;
            sigjmp_buf *prev = kb_bus_arm(&pad);
            if (KB_BUS_SETJMP(pad)) {
                kb_bus_disarm(prev);
                rc = kb_bus_fail(e, NULL);
                goto fail;
            }
            if (mdb_get(t->txn, bd, &k, &v) == 0 && v.mv_size == 48)
                s->format = kb_get_u32be((unsigned char *)v.mv_data + 8);
            kb_bus_disarm(prev);
        }
    }
    if (write && !create && s->keys) {
        /* a session whose access was removed meanwhile may not write: its
         * signatures would no longer verify */
        MDB_dbi sd;
        MDB_val k = {KB_KEY_LEN, s->slot_id}, v;
        if ((rc = kb_dbi(t, KB_DB_SLOTS, &sd, e)))
            goto fail;
        if (mdb_get(t->txn, sd, &k, &v) != 0) {
            rc = kb_err_set(e, KB_EPERM, _("your access to this board was removed"));
            goto fail;
        }
    }
    if (write && (rc = kb_audit_tail(t, e)))
        goto fail;
    *out = t;
    return KB_OK;
fail:
    kb_txn_release(t);
    return rc;
fail_nolock:
    s->active = NULL;
    kb_free(&t);
    return rc;
}

bool kb_store_forget_key(kb_store *s)
{
    return kb_keycache_drop(s->uuid, s->user);
}

size_t kb_store_forget_all_keys(void)
{
    return kb_keycache_drop_all();
}

/* A change on a board opened read-only. */
int kb_store_ro_refuse(const kb_store *s, kb_err *e)
{
    const char *why =
        s->ro_errno == EROFS ? _("a read-only file system") : _("no write permission");
    if (s->ro_data)
        return kb_err_set(e, KB_EPERM,
                          _("%s is read-only here: the board file %s cannot be written (%s); "
                            "nothing was changed. Reading commands such as verify, export and "
                            "backup work, changes do not"),
                          s->path, s->path, why);
    return kb_err_set(e, KB_EPERM,
                      _("%s is read-only here: its lock file %s cannot be written (%s); nothing "
                        "was changed. Reading commands such as verify, export and backup work, "
                        "changes do not"),
                      s->path, s->lock_path, why);
}

int kb_store_read(kb_store *s, kb_txn **out, kb_err *e)
{
    return kb_txn_begin(s, false, false, out, e);
}

int kb_store_write(kb_store *s, const char *action, const unsigned char *op_id, kb_txn **out,
                   kb_err *e)
{
    if (!s->keys)
        return kb_err_set(e, KB_EPERM, _("the board is locked"));
    if (s->readonly)
        return kb_store_ro_refuse(s, e);
    int rc = kb_txn_begin(s, true, false, out, e);
    if (rc)
        return rc;
    (*out)->action = kb_strdup(action);
    if (op_id)
        memcpy((*out)->op_id, op_id, KB_OPID_LEN);
    else
        randombytes_buf((*out)->op_id, KB_OPID_LEN);
    return KB_OK;
}

void kb_txn_allow_long(kb_txn *t, int64_t max_hold_ms)
{
    if (t && t->write && max_hold_ms > KB_MAX_LOCK_HOLD_MS)
        t->max_hold_ms = max_hold_ms;
}

void kb_txn_abort(kb_txn **t)
{
    if (t && *t) {
        kb_txn_release(*t);
        *t = NULL;
    }
}

uint64_t kb_txn_audit_seq(kb_txn *t)
{
    if (!t->write && !t->tail_known) {
        kb_err e;
        if (kb_audit_tail(t, &e) == KB_OK)
            t->tail_known = true;
    }
    return t->audit_seq;
}

static int kb_find_op(kb_store *s, const unsigned char op_id[KB_OPID_LEN], bool *found, kb_err *e);

uint64_t kb_store_commits(const kb_store *s)
{
    return s->commits;
}

uint64_t kb_store_kdf_runs(void)
{
    return kb_kdf_runs_;
}

/* A commit whose last page LMDB left unwritten (a page the transaction
 * allocated and freed again is listed free, not written) leaves the file
 * shorter than the commit says; it is filled up here, under the write
 * lock, so that every host finds the file as long as the commit (a crash
 * before this is harmless: readers then check that the missing pages are
 * free). */
static void kb_commit_fill_tail(kb_txn *t, const MDB_envinfo *info)
{
    MDB_stat mst;
    struct stat fst;
    int fd = -1;
    if (mdb_env_stat(t->env, &mst) != 0 || mdb_env_get_fd(t->env, &fd) != 0 || fstat(fd, &fst) != 0)
        return;
    uint64_t want = ((uint64_t)info->me_last_pgno + 1) * mst.ms_psize;
    if ((uint64_t)fst.st_size >= want)
        return;
    if (ftruncate(fd, (off_t)want) == 0)
        (void)fdatasync(fd);
}

int kb_txn_commit(kb_txn **tp, kb_err *e)
{
    kb_txn *t = *tp;
    *tp = NULL;
    if (!t->write) {
        kb_txn_release(t);
        return KB_OK;
    }
    kb_store *s = t->s;
    int rc;
    if (t->failed) {
        rc = kb_err_set(e, KB_EIO, _("the change was not saved because of an earlier error"));
        kb_txn_release(t);
        return rc;
    }
    if ((rc = kb_audit_flush(t, e)) || (rc = kb_stage_flush(t, e))) {
        kb_txn_release(t);
        return rc;
    }
    if (kb_clock_ms() - t->locked_at_ms >
        (t->max_hold_ms > 0 ? t->max_hold_ms : KB_MAX_LOCK_HOLD_MS)) {
        rc = kb_err_set(e, KB_EBUSY,
                        _("the change took too long while holding the board lock and was not "
                          "saved; try again"));
        kb_txn_release(t);
        return rc;
    }
    if ((rc = kb_vmap_flush(t, e))) {
        kb_txn_release(t);
        return rc;
    }
    size_t gen = 0;
    unsigned char op_id[KB_OPID_LEN];
    memcpy(op_id, t->op_id, KB_OPID_LEN);
    sigjmp_buf pad;
    sigjmp_buf *prev = kb_bus_arm(&pad);
    if (KB_BUS_SETJMP(pad)) {
        kb_bus_disarm(prev);
        t->txn = NULL; /* state unknown after the fault: do not touch it again */
        rc = KB_EIO;
        goto unknown;
    }
    rc = mdb_txn_commit(t->txn);
    kb_bus_disarm(prev);
    t->txn = NULL;
    if (rc == 0) {
        /* the generation is what LMDB actually committed: an empty write
         * transaction commits nothing and keeps the old txn id */
        MDB_envinfo info;
        mdb_env_info(t->env, &info);
        gen = info.me_last_txnid;
        kb_commit_fill_tail(t, &info);
    }
    if (rc) {
        if (rc == ENOSPC || rc == MDB_MAP_FULL) {
            if (rc == ENOSPC && kb_lk_disk_full(s->path, e)) { /* issue 15: name it */
                kb_txn_release(t);
                return KB_EIO;
            }
            rc = kb_mdb_err(e, rc, _("cannot save"));
            kb_txn_release(t);
            return rc;
        }
        goto unknown;
    }
    s->commits++;
    kb_stage_committed(t);
    kb_lk_header hdr;
    if ((rc = kb_lk_header_read(s->lock_fd, &hdr, e)) == KB_OK) {
        hdr.seq++;
        hdr.generation = gen;
        memcpy(hdr.uuid, s->uuid, KB_UUID_LEN);
        hdr.audit_seq = t->audit_seq;
        memcpy(hdr.audit_head, t->audit_head, KB_HASH_LEN);
        rc = kb_lk_header_write(s->lock_fd, &hdr, e);
    }
    kb_txn_release(t);
    /* The LMDB commit is durable; a failed header update only delays
     * other hosts' stale-cache detection, so report it without failing. */
    if (rc)
        kb_err_clear(e);
    return KB_OK;
unknown:;
    uint64_t stage_id = kb_stage_next_id(t); /* if it landed (stage.c) */
    kb_txn_release(t);
    /* The outcome is unknown: look the operation up in the audit log. */
    {
        bool found = false;
        kb_err e2;
        if (kb_find_op(s, op_id, &found, &e2) != KB_OK)
            return kb_err_set(e, KB_EIO,
                              _("I/O error while saving, and the board cannot be read to check "
                                "whether the change landed: %s"),
                              e2.msg);
        if (found) {
            s->commits++;
            s->stage_id = stage_id;
            return KB_OK;
        }
    }
    if (kb_lk_disk_full(s->path, e)) /* issue 15: LMDB reports a short write as EIO */
        return KB_EIO;
    return kb_err_set(e, KB_EIO,
                      _("I/O error while saving; the audit log shows the change did not land; "
                        "try again"));
}

/* ------------------------------------------------------------ audit log */

/* Entry plaintext (before sealing), all integers big-endian:
 *   seq u64 | prev_hash[32] | time i64 | author slot id[16] | session
 *   nonce[16] | op_id[16] | flags u8 (1 = delete) | table u8 | keylen u8 |
 *   key | version u64 | value_hash[32] | action_len u8 | action |
 *   detail_len u32 | detail | entry_hash[32] | signature[64]
 * entry_hash = BLAKE2b-256 over everything before it; the signature is
 * Ed25519 by the author over entry_hash.  Sealed like a record under the
 * audit subkey, table "audit", key = seq (8 bytes), version = seq. */

#define KB_ENTRY_FIXED (8 + 32 + 8 + 16 + 16 + 16 + 3)

void kb_entry_encode(const kb_entry *en, kb_buf *b)
{
    kb_buf_clear(b);
    kb_buf_put_u64be(b, en->seq);
    kb_buf_append(b, en->prev, KB_HASH_LEN);
    kb_buf_put_u64be(b, (uint64_t)en->time);
    kb_buf_append(b, en->author, KB_KEY_LEN);
    kb_buf_append(b, en->session, 16);
    kb_buf_append(b, en->op_id, KB_OPID_LEN);
    unsigned char f[3] = {(unsigned char)en->flags, (unsigned char)en->table,
                          (unsigned char)en->klen};
    kb_buf_append(b, f, 3);
    kb_buf_append(b, en->key, en->klen);
    kb_buf_put_u64be(b, en->version);
    kb_buf_append(b, en->value_hash, KB_HASH_LEN);
    size_t alen = strlen(en->action);
    unsigned char al = (unsigned char)alen;
    kb_buf_append(b, &al, 1);
    kb_buf_append(b, en->action, alen);
    kb_buf_put_u32be(b, (uint32_t)en->detail_len);
    kb_buf_append(b, en->detail, en->detail_len);
}

/* Parse an entry plaintext; detail points into p. */
bool kb_entry_decode(const unsigned char *p, size_t n, kb_entry *en)
{
    if (n < KB_ENTRY_FIXED)
        return false;
    memset(en, 0, sizeof *en);
    en->seq = kb_get_u64be(p);
    memcpy(en->prev, p + 8, 32);
    en->time = (int64_t)kb_get_u64be(p + 40);
    memcpy(en->author, p + 48, 16);
    memcpy(en->session, p + 64, 16);
    memcpy(en->op_id, p + 80, 16);
    en->flags = p[96];
    en->table = p[97];
    en->klen = p[98];
    size_t off = KB_ENTRY_FIXED;
    if (off + en->klen + 8 + 32 + 1 > n)
        return false;
    memcpy(en->key, p + off, en->klen);
    off += en->klen;
    en->version = kb_get_u64be(p + off);
    off += 8;
    memcpy(en->value_hash, p + off, 32);
    off += 32;
    size_t alen = p[off++];
    if (off + alen + 4 > n)
        return false;
    memcpy(en->action, p + off, alen);
    en->action[alen] = '\0';
    off += alen;
    en->detail_len = kb_get_u32be(p + off);
    off += 4;
    if (en->detail_len > n - off || n - off - en->detail_len != KB_HASH_LEN + crypto_sign_BYTES)
        return false;
    en->detail = (const char *)p + off;
    off += en->detail_len;
    memcpy(en->hash, p + off, KB_HASH_LEN);
    memcpy(en->sig, p + off + KB_HASH_LEN, crypto_sign_BYTES);
    return true;
}

int kb_audit_dbi(kb_txn *t, kb_err *e)
{
    if (t->dbi_audit)
        return KB_OK;
    int rc = kb_dbi(t, KB_DB_AUDIT, &t->dbi_audit, e);
    return rc;
}

/* Decrypt the audit value at seq-key k/v into en (plaintext buffer in *pt). */
int kb_audit_open(const kb_store *s, const MDB_val *k, const MDB_val *v, kb_entry *en, char **pt,
                  kb_err *e)
{
    size_t n = 0;
    int rc = kb_val_open(s, s->keys->k_audit, KB_DB_AUDIT, k->mv_data, k->mv_size, v->mv_data,
                         v->mv_size, pt, &n, NULL, e);
    if (rc)
        return rc;
    if (k->mv_size != 8 || !kb_entry_decode((unsigned char *)*pt, n, en) ||
        en->seq != kb_get_u64be(k->mv_data)) {
        kb_free(pt);
        return kb_err_set(e, KB_EDATA, _("audit entry is malformed"));
    }
    return KB_OK;
}

/* Read the newest audit entry: the chain continues from it. */
static int kb_audit_tail(kb_txn *t, kb_err *e)
{
    t->audit_seq = 0;
    memset(t->audit_head, 0, KB_HASH_LEN);
    int rc = kb_audit_dbi(t, e);
    if (rc == KB_ENOENT)
        return KB_OK;
    if (rc)
        return rc;
    if (!t->s->keys)
        return KB_OK;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t->txn, t->dbi_audit, &c)))
        return kb_mdb_err(e, rc, KB_DB_AUDIT);
    MDB_val k, v;
    sigjmp_buf pad;
    sigjmp_buf *prev = kb_bus_arm(&pad);
    if (KB_BUS_SETJMP(pad)) {
        kb_bus_disarm(prev);
        t->failed = true;
        return kb_bus_fail(e, NULL);
    }
    rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
    char *pt = NULL;
    if (rc == 0) {
        kb_entry en;
        rc = kb_audit_open(t->s, &k, &v, &en, &pt, e);
        if (rc == KB_OK) {
            t->audit_seq = en.seq;
            memcpy(t->audit_head, en.hash, KB_HASH_LEN);
            t->start_seq = en.seq;
            memcpy(t->start_head, en.hash, KB_HASH_LEN);
        }
    } else if (rc == MDB_NOTFOUND) {
        rc = KB_OK;
    } else {
        rc = kb_mdb_err(e, rc, KB_DB_AUDIT);
    }
    kb_bus_disarm(prev);
    mdb_cursor_close(c);
    kb_free(&pt);
    return rc;
}

/* An appended entry waiting for its signature: hashed into the chain (the
 * hash covers everything but the signature, so later entries need not
 * wait), signed and stored by kb_audit_flush, in order. */
struct kb_apend {
    size_t off, len; /* plaintext in t->pendbuf */
    uint64_t seq;
    bool sign; /* signed; else its signature is left to the batch's last entry */
    unsigned char hash[KB_HASH_LEN];
    unsigned char sig[crypto_sign_BYTES];
};

/* A full batch of entries signed and sealed on a helper thread while the
 * transaction goes on with its next records (a large import or a rekey
 * batch spends most of its time in Ed25519): the thread and whoever waits
 * for it take the next entry in turn (sign it, then seal it under the
 * audit key into its place in out), so the waiting core helps instead of
 * idling.  Stored (in order, before any later entry) when it is done: the
 * transaction's own thread only puts the sealed values. */
struct kb_asig {
    struct kb_apend *pend;
    size_t n, cap;
    kb_buf buf; /* the plaintexts, as t->pendbuf */
    const kb_store *s;
    const unsigned char *sk, *k_audit;
    unsigned char *nonces; /* 24 bytes per entry, drawn at the handoff */
    size_t *ooff;          /* where entry i's sealed value starts in out (n + 1) */
    unsigned char *out;
    size_t ncap, outcap; /* of nonces/ooff (entries) and out (bytes) */
    atomic_size_t next;
    pthread_t th;
    bool running; /* th was started and not joined yet */
};

static void kb_asig_work(struct kb_asig *f)
{
    for (;;) {
        size_t i = atomic_fetch_add(&f->next, 1);
        if (i >= f->n)
            return;
        struct kb_apend *p = &f->pend[i];
        if (p->sign)
            crypto_sign_detached(p->sig, NULL, p->hash, KB_HASH_LEN, f->sk);
        else
            memset(p->sig, 0, sizeof p->sig);
        unsigned char hs[KB_HASH_LEN + crypto_sign_BYTES], k8[8];
        memcpy(hs, p->hash, KB_HASH_LEN);
        memcpy(hs + KB_HASH_LEN, p->sig, crypto_sign_BYTES);
        kb_put_u64be(k8, p->seq);
        kb_val_seal_to(f->s, f->k_audit, KB_DB_AUDIT, k8, 8, p->seq, f->nonces + i * 24,
                       f->buf.data + p->off, p->len, hs, sizeof hs, f->out + f->ooff[i]);
    }
}

static void *kb_asig_thread(void *arg)
{
    kb_asig_work(arg);
    return NULL;
}

/* Sign what is left of the batch here, then wait for the thread. */
static void kb_asig_finish(struct kb_asig *f)
{
    kb_asig_work(f);
    if (f->running)
        pthread_join(f->th, NULL);
    f->running = false;
}

static void kb_asig_free(kb_txn *t)
{
    struct kb_asig *f = t->fly;
    if (!f)
        return;
    atomic_store(&f->next, f->n); /* nothing more to sign: the transaction ends */
    kb_asig_finish(f);
    if (f->buf.data)
        sodium_memzero(f->buf.data, f->buf.len);
    kb_buf_free(&f->buf);
    kb_free(&f->pend);
    kb_free(&f->nonces);
    kb_free(&f->ooff);
    kb_free(&f->out);
    kb_free(&t->fly);
}

/* Append the signed and sealed entries of the flight, in order. */
static int kb_audit_store(kb_txn *t, const struct kb_asig *f, kb_err *e)
{
    int rc = KB_OK;
    for (size_t i = 0; i < f->n; i++) {
        unsigned char k8[8];
        kb_put_u64be(k8, f->pend[i].seq);
        MDB_val k = {8, k8}, v = {f->ooff[i + 1] - f->ooff[i], f->out + f->ooff[i]};
        if ((rc = mdb_put(t->txn, t->dbi_audit, &k, &v, MDB_NOOVERWRITE | MDB_APPEND))) {
            t->failed = true;
            rc = kb_mdb_err(e, rc, _("cannot append to the audit log"));
            break;
        }
    }
    return rc;
}

/* Wait for the batch in flight (helping to sign it) and store it. */
static int kb_asig_land(kb_txn *t, kb_err *e)
{
    struct kb_asig *f = t->fly;
    if (!f || !f->n)
        return KB_OK;
    kb_asig_finish(f);
    int rc = kb_audit_store(t, f, e);
    sodium_memzero(f->buf.data, f->buf.len);
    kb_buf_clear(&f->buf);
    f->n = 0;
    return rc;
}

/* A full batch: store the one before it, then sign this one on a helper
 * thread while the transaction goes on. */
static int kb_audit_handoff(kb_txn *t, kb_err *e)
{
    int rc = kb_asig_land(t, e);
    if (rc)
        return rc;
    if (!t->fly)
        t->fly = kb_calloc(1, sizeof *t->fly);
    struct kb_asig *f = t->fly;
    /* swap: the pending entries fly, the emptied arrays take new ones */
    struct kb_apend *pp = t->pend;
    size_t pc = t->cappend, pn = t->npend;
    kb_buf pb = t->pendbuf;
    t->pend = f->pend;
    t->cappend = f->cap;
    t->pendbuf = f->buf;
    t->npend = 0;
    f->pend = pp;
    f->cap = pc;
    f->buf = pb;
    f->n = pn;
    /* the batch's last entry is signed: its hash covers every entry before
     * it through the chain (format 5: those may leave their signature to
     * it; every batch and so every transaction ends with a signed entry) */
    if (pn)
        f->pend[pn - 1].sign = true;
    f->s = t->s;
    f->sk = t->s->keys->sign_sk;
    f->k_audit = t->s->keys->k_audit;
    /* the nonces in one draw, and each entry's place in out */
    if (f->ncap < pn) {
        f->ncap = pn;
        f->nonces = kb_reallocarray(f->nonces, pn, 24);
        f->ooff = kb_reallocarray(f->ooff, pn + 1, sizeof *f->ooff);
    }
    randombytes_buf(f->nonces, pn * 24);
    size_t off = 0;
    for (size_t i = 0; i < pn; i++) {
        f->ooff[i] = off;
        off += kb_val_sealed_len(f->pend[i].len + KB_HASH_LEN + crypto_sign_BYTES);
    }
    f->ooff[pn] = off;
    if (f->outcap < off) {
        f->outcap = off;
        kb_free(&f->out);
        f->out = kb_malloc(off);
    }
    atomic_store(&f->next, 0);
    /* a few entries (a usual change) are signed here when they land; no
     * thread: the same */
    f->running = pn >= 64 && kb_thread_start(&f->th, kb_asig_thread, f);
    return KB_OK;
}

int kb_audit_flush(kb_txn *t, kb_err *e)
{
    /* the batch in flight, then the rest the same way: on a helper
     * thread and here at once (Ed25519 is most of a large change's time
     * under the lock: both cores) */
    int rc = t->npend ? kb_audit_handoff(t, e) : KB_OK;
    return rc ? rc : kb_asig_land(t, e);
}

int kb_audit_append(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, uint64_t version,
                    const MDB_val *stored, const char *detail, kb_err *e)
{
    kb_store *s = t->s;
    int rc = kb_audit_dbi(t, e);
    if (rc)
        return rc;
    kb_entry en;
    memset(&en, 0, sizeof en);
    en.seq = t->audit_seq + 1;
    memcpy(en.prev, t->audit_head, KB_HASH_LEN);
    en.time = kb_clock_now(&s->clock);
    memcpy(en.author, s->slot_id, KB_KEY_LEN);
    memcpy(en.session, s->session_nonce, 16);
    memcpy(en.op_id, t->op_id, KB_OPID_LEN);
    en.flags = stored ? 0 : 1;
    en.table = (unsigned)tbl;
    en.klen = klen > sizeof en.key ? sizeof en.key : klen;
    memcpy(en.key, key, en.klen);
    en.version = version;
    if (stored)
        crypto_generichash(en.value_hash, KB_HASH_LEN, stored->mv_data, stored->mv_size, NULL, 0);
    snprintf(en.action, sizeof en.action, "%s", t->action ? t->action : "");
    en.action[255] = '\0';
    en.detail = detail ? detail : "";
    en.detail_len = detail ? strlen(detail) : 0;
    if (en.detail_len > 65536)
        en.detail_len = 65536;

    if (t->npend == t->cappend) {
        t->cappend = t->cappend ? t->cappend * 2 : 16;
        t->pend = kb_reallocarray(t->pend, t->cappend, sizeof *t->pend);
    }
    struct kb_apend *p = &t->pend[t->npend];
    /* plaintext: no block is freed unwiped (the encoding fits in what is
     * reserved; the pending entries grow by copies) */
    kb_buf enc = KB_BUF_INIT;
    kb_buf_reserve_wipe(&enc, 256 + en.klen + strlen(en.action) + en.detail_len);
    kb_entry_encode(&en, &enc);
    p->off = t->pendbuf.len;
    p->len = enc.len;
    kb_buf_reserve_wipe(&t->pendbuf, enc.len);
    kb_buf_append(&t->pendbuf, enc.data, enc.len);
    sodium_memzero(enc.data, enc.len);
    kb_buf_free(&enc);
    p->seq = en.seq;
    /* a restore record's entry is checked on its own (kb_restore_rec_load) */
    p->sign = s->format < KB_FORMAT_DEFER || s->hooks.sign_all || tbl == KB_T_META;
    crypto_generichash(p->hash, KB_HASH_LEN, (unsigned char *)t->pendbuf.data + p->off, p->len,
                       NULL, 0);
    t->npend++;
    t->audit_seq = en.seq;
    memcpy(t->audit_head, p->hash, KB_HASH_LEN);
    t->n_entries++;
    return t->npend >= t->s->hooks.audit_batch ? kb_audit_handoff(t, e) : KB_OK;
}

/* ------------------------------------------------------------ records */

static int kb_txn_usable(kb_txn *t, kb_err *e)
{
    if (t->snap) /* the reads that can use a snapshot do so before this */
        return kb_err_set(e, KB_ESOFTWARE, "not available in a snapshot");
    if (t->failed)
        return kb_err_set(e, KB_EIO, _("the transaction failed earlier; try again"));
    if (!t->s->keys)
        return kb_err_set(e, KB_EPERM, _("the board is locked"));
    return KB_OK;
}

/* ------------------------------------------------------------ hidden keys */

/* Board format 2 hides which case a comment, lease or relation belongs to:
 * their LMDB keys start with BLAKE2b-128 keyed with k_ref over (table
 * number || case key) instead of the case key itself, and a comment or
 * lease value carries its logical key inside the ciphertext (so a rekey can
 * move it under the new k_ref).  Relations are one sealed list per case. */
static bool kb_mapped(const kb_store *s, enum kb_table tbl)
{
    return s->format >= 2 && (tbl == KB_T_COMMENTS || tbl == KB_T_LEASES);
}

void kb_ref16(const kb_store *s, enum kb_table tbl, const unsigned char ck[KB_KEY_LEN],
              unsigned char out[KB_KEY_LEN])
{
    unsigned char m[1 + KB_KEY_LEN];
    m[0] = (unsigned char)tbl;
    memcpy(m + 1, ck, KB_KEY_LEN);
    crypto_generichash(out, KB_KEY_LEN, m, sizeof m, s->keys->k_ref, 32);
}

/* The stored (physical) key of a logical key or prefix; out holds 255. */
static size_t kb_phys_key(const kb_store *s, enum kb_table tbl, const void *key, size_t klen,
                          unsigned char *out)
{
    if (klen > 255)
        klen = 255;
    if (klen)
        memcpy(out, key, klen);
    if (kb_mapped(s, tbl) && klen >= KB_KEY_LEN)
        kb_ref16(s, tbl, key, out);
    return klen;
}

/* Mapped values: klen u8 | logical key | payload. */
static void kb_frame(kb_buf *b, const void *key, size_t klen, const void *val, size_t vlen)
{
    kb_buf_clear(b);
    unsigned char kl = (unsigned char)klen;
    kb_buf_append(b, &kl, 1);
    kb_buf_append(b, key, klen);
    kb_buf_append(b, val, vlen);
}

/* Strip the frame in place; false when it is malformed. */
static bool kb_unframe(char *pt, size_t *n, const unsigned char **lkey, size_t *lklen,
                       unsigned char *kbuf)
{
    if (*n < 1 || (size_t)(unsigned char)pt[0] + 1 > *n)
        return false;
    size_t kl = (unsigned char)pt[0];
    memcpy(kbuf, pt + 1, kl);
    *lkey = kbuf;
    *lklen = kl;
    memmove(pt, pt + 1 + kl, *n - 1 - kl);
    *n -= 1 + kl;
    pt[*n] = '\0';
    return true;
}

/* ------------------------------------------------------------ version map */

/* The version map ("vmap", formats 2 and 3): the newest version of every
 * record, so that an older sealed value put back (a replay) is refused
 * when it is read.  2^bits buckets of sorted entries (BLAKE2b-128 keyed
 * with k_ver over table number || stored key, then the version u64), each
 * sealed under k_ver; one root value holds the audit seq and head it is
 * current for and the BLAKE2b-256 of every stored bucket.  The root must
 * match the newest audit entry, so the map cannot be rolled back on its
 * own.  Format 2 has 256 buckets; format 3 starts with 256 and doubles
 * them when the board grows (KB_VM_GROW entries a bucket on average), so
 * that a single lookup hashes a bucket of a few KiB at any board size.
 * Format 4 keeps the buckets of format 3 but puts their hashes in groups
 * of 2^(bits/2) (each a sealed value "G" || u16), and the root names the
 * groups' hashes: a change writes its buckets, their groups and a root of
 * a few KiB instead of one hash per bucket (131 KiB at 100k cases). */

void kb_vbucket_free(kb_vbucket *bk)
{
    kb_free(&bk->e);
    kb_free(&bk->ct);
}

static void kb_vm_groups_free(kb_vmap *vm)
{
    size_t per = (size_t)1 << vm->gbits;
    for (size_t g = 0; vm->g && g < vm->ng; g++) {
        kb_vgroup *gr = &vm->g[g];
        for (size_t i = 0; gr->b && i < per; i++)
            if (gr->b[i].e || gr->b[i].ct)
                kb_vbucket_free(&gr->b[i]);
        kb_free(&gr->b);
        kb_free(&gr->bh);
    }
    kb_free(&vm->g);
    kb_free(&vm->gh);
}

void kb_vmap_release(kb_vmap **vmp)
{
    kb_vmap *vm = *vmp;
    if (!vm)
        return;
    kb_vm_groups_free(vm);
    kb_free(vmp);
}

static void kb_vmap_free(kb_txn *t)
{
    kb_vmap_release(&t->vm);
}

size_t kb_vm_bkey(const kb_vmap *vm, size_t b, unsigned char key[3])
{
    key[0] = 'B';
    if (vm->layout < 3) {
        key[1] = (unsigned char)b;
        return 2;
    }
    key[1] = (unsigned char)(b >> 8);
    key[2] = (unsigned char)b;
    return 3;
}

size_t kb_vm_gkey(size_t g, unsigned char key[3])
{
    key[0] = 'G';
    key[1] = (unsigned char)(g >> 8);
    key[2] = (unsigned char)g;
    return 3;
}

bool kb_vm_names_key(const kb_vmap *vm, const unsigned char *key, size_t klen)
{
    if (klen == 0)
        return false;
    if (klen == 1 && key[0] == 'R')
        return true;
    if (klen == 3 && key[0] == 'G' && vm->layout >= 4) {
        size_t g = (size_t)key[1] << 8 | key[2];
        return g < vm->ng && !sodium_is_zero(vm->gh[g], KB_HASH_LEN);
    }
    if (key[0] != 'B' || klen != (vm->layout < 3 ? 2u : 3u))
        return false;
    size_t b = vm->layout < 3 ? key[1] : (size_t)key[1] << 8 | key[2];
    return b < vm->nb && vm->g[b >> vm->gbits].bh && !sodium_is_zero(kb_vm_bh(vm, b), KB_HASH_LEN);
}

unsigned kb_vm_layout_of(unsigned format)
{
    return format >= 4 ? 4 : format >= 3 ? 3 : 2;
}

unsigned kb_vm_gbits_for(unsigned layout, unsigned bits)
{
    return layout >= 4 ? bits / 2 : bits;
}

unsigned kb_vm_bits_for(uint64_t n, unsigned grow)
{
    unsigned bits = KB_VM_BITS_MIN;
    uint64_t per = grow ? grow : KB_VM_GROW;
    while (bits < KB_VM_BITS_MAX && n > (per << bits))
        bits++;
    return bits;
}

void kb_vm_dims(kb_vmap *vm, unsigned layout, unsigned bits)
{
    vm->layout = layout;
    vm->bits = bits;
    vm->gbits = kb_vm_gbits_for(layout, bits);
    vm->nb = (size_t)1 << bits;
    vm->ng = (size_t)1 << (bits - vm->gbits);
}

/* An empty map of 2^bits buckets in the given layout (no group made). */
static void kb_vm_shape(kb_vmap *vm, unsigned layout, unsigned bits)
{
    kb_vm_groups_free(vm);
    kb_vm_dims(vm, layout, bits);
    vm->g = kb_calloc(vm->ng, sizeof *vm->g);
    if (layout >= 4)
        vm->gh = kb_calloc(vm->ng, sizeof *vm->gh);
}

kb_vgroup *kb_vm_group_mem(kb_vmap *vm, size_t g)
{
    kb_vgroup *gr = &vm->g[g];
    if (!gr->b) {
        gr->b = kb_calloc((size_t)1 << vm->gbits, sizeof *gr->b);
        gr->bh = kb_calloc((size_t)1 << vm->gbits, sizeof *gr->bh);
    }
    return gr;
}

/* Every group made and loaded, every bucket loaded (and dirty: a map
 * built in memory, written whole at commit). */
static void kb_vm_all_loaded(kb_vmap *vm, bool dirty)
{
    for (size_t g = 0; g < vm->ng; g++) {
        kb_vgroup *gr = kb_vm_group_mem(vm, g);
        gr->loaded = true;
        for (size_t i = 0; i < ((size_t)1 << vm->gbits); i++) {
            gr->b[i].loaded = true;
            gr->b[i].dirty = dirty;
        }
    }
}

/* The root's plaintext: seq || head || (layouts 3, 4: bits u8 || count
 * u64) || the bucket hashes (layout 4: the group hashes). */
#define KB_VM_ROOT2 (8 + KB_HASH_LEN)
#define KB_VM_ROOT3 (8 + KB_HASH_LEN + 1 + 8)

/* How many hashes the root of a map of 2^bits buckets names. */
static size_t kb_vm_root_hashes(unsigned layout, unsigned bits)
{
    return layout >= 4 ? (size_t)1 << (bits - kb_vm_gbits_for(layout, bits)) : (size_t)1 << bits;
}

bool kb_vm_root_parse(unsigned layout, const unsigned char *pt, size_t n, kb_vm_rootv *out)
{
    size_t hdr = layout < 3 ? KB_VM_ROOT2 : KB_VM_ROOT3;
    if (n < hdr)
        return false;
    out->seq = kb_get_u64be(pt);
    out->head = pt + 8;
    out->bits = layout >= 3 ? pt[8 + KB_HASH_LEN] : KB_VM_BITS_MIN;
    out->count = layout >= 3 ? kb_get_u64be(pt + 8 + KB_HASH_LEN + 1) : 0;
    out->hashes = pt + hdr;
    return out->bits >= KB_VM_BITS_MIN && out->bits <= KB_VM_BITS_MAX &&
           n == hdr + kb_vm_root_hashes(layout, out->bits) * KB_HASH_LEN;
}

/* The hashes the root of vm names (layout 4: of the groups; else of the
 * buckets, all in group 0) and how many. */
static unsigned char *kb_vm_root_top(kb_vmap *vm, size_t *n)
{
    *n = kb_vm_root_hashes(vm->layout, vm->bits);
    return vm->layout >= 4 ? vm->gh[0] : kb_vm_group_mem(vm, 0)->bh[0];
}

void kb_vm_root_value(kb_buf *root, unsigned layout, unsigned bits, uint64_t seq,
                      const unsigned char head[KB_HASH_LEN], uint64_t count,
                      const unsigned char *hashes, size_t nhashes)
{
    kb_buf_clear(root);
    kb_buf_put_u64be(root, seq);
    kb_buf_append(root, head, KB_HASH_LEN);
    if (layout >= 3) {
        unsigned char b8 = (unsigned char)bits;
        kb_buf_append(root, &b8, 1);
        kb_buf_put_u64be(root, count);
    }
    kb_buf_append(root, hashes, nhashes * KB_HASH_LEN);
}

int kb_vm_group_store(kb_store *s, MDB_txn *txn, MDB_dbi dbi, size_t g, unsigned gbits,
                      const unsigned char *hashes, uint64_t seq, unsigned char gh[KB_HASH_LEN],
                      kb_buf *sealed, kb_err *e)
{
    size_t len = ((size_t)KB_HASH_LEN) << gbits;
    unsigned char key[3];
    MDB_val k = {kb_vm_gkey(g, key), key};
    if (sodium_is_zero(hashes, len)) {
        int r = mdb_del(txn, dbi, &k, NULL);
        memset(gh, 0, KB_HASH_LEN);
        return r && r != MDB_NOTFOUND ? kb_mdb_err(e, r, KB_DB_VMAP) : KB_OK;
    }
    kb_val_seal(s, s->keys->k_ver, KB_DB_VMAP, key, k.mv_size, seq, hashes, len, sealed);
    MDB_val v = {sealed->len, sealed->data};
    int r = mdb_put(txn, dbi, &k, &v, 0);
    if (r)
        return kb_mdb_err(e, r, KB_DB_VMAP);
    crypto_generichash(gh, KB_HASH_LEN, (unsigned char *)sealed->data, sealed->len, NULL, 0);
    return KB_OK;
}

int kb_vm_group_open(const kb_store *s, size_t g, unsigned gbits, const unsigned char *val,
                     size_t vlen, const unsigned char gh[KB_HASH_LEN], unsigned char *out,
                     kb_err *e)
{
    size_t len = ((size_t)KB_HASH_LEN) << gbits;
    unsigned char h[KB_HASH_LEN], key[3];
    size_t kl = kb_vm_gkey(g, key);
    char *pt = NULL;
    size_t n = 0;
    kb_err oe;
    crypto_generichash(h, KB_HASH_LEN, val, vlen, NULL, 0);
    if (sodium_memcmp(h, gh, KB_HASH_LEN) != 0 ||
        kb_val_open(s, s->keys->k_ver, KB_DB_VMAP, key, kl, val, vlen, &pt, &n, NULL, &oe) !=
            KB_OK ||
        n != len) {
        kb_free(&pt);
        return kb_err_set(e, KB_EDATA, "%s", _("a damaged or replaced group of bucket hashes"));
    }
    memcpy(out, pt, len);
    kb_free(&pt);
    return KB_OK;
}

void kb_vm_digest(const kb_store *s, unsigned tbl, const void *key, size_t klen,
                  unsigned char d[KB_KEY_LEN])
{
    crypto_generichash_state st;
    unsigned char tb = (unsigned char)tbl;
    crypto_generichash_init(&st, s->keys->k_ver, 32, KB_KEY_LEN);
    crypto_generichash_update(&st, &tb, 1);
    crypto_generichash_update(&st, key, klen);
    crypto_generichash_final(&st, d, KB_KEY_LEN);
}

static int kb_vm_bad(kb_err *e, const char *why)
{
    return kb_err_damage(
        e,
        _("the board's version map %s: the file was tampered with or partly rolled "
          "back; run 'kernboard verify'"),
        why);
}

/* The stored version-map value at key (the root, a group, a bucket),
 * copied into t->vmraw (empty and *found false when there is none); not
 * KB_OK only when reading the file faulted. */
static int kb_vm_get_raw(kb_txn *t, const void *key, size_t klen, bool *found, kb_err *e)
{
    kb_vmap *vm = t->vm;
    MDB_val k = {klen, (void *)key}, v;
    kb_buf_clear(&t->vmraw);
    *found = false;
    if (!vm->have_dbi)
        return KB_OK;
    KB_ARM_OR_FAIL(t, e);
    int r = mdb_get(t->txn, vm->dbi, &k, &v);
    if (r == 0)
        kb_buf_append(&t->vmraw, v.mv_data, v.mv_size);
    KB_DISARM();
    *found = r == 0;
    return KB_OK;
}

struct kb_vmcache {
    unsigned char h[KB_HASH_LEN];
    unsigned char seen[KB_HASH_LEN]; /* the value opened last (not kept yet) */
    unsigned char *e;
    size_t n;
};

/* A group of the map as the handle keeps it: format 4, its bucket hashes
 * (hashes, by the hash h of the group's sealed value: a later root that
 * names h names these); its buckets (b, 2^gbits, made when used). */
struct kb_vmcgroup {
    unsigned char h[KB_HASH_LEN];
    unsigned char *hashes;
    struct kb_vmcache *b;
};

/* What the handle keeps of the version map's group g (below). */
static struct kb_vmcgroup *kb_vmc_group(kb_store *s, const kb_vmap *vm, size_t g, bool make);
static void kb_vmc_keep_group(kb_store *s, const kb_vmap *vm, size_t g);

int kb_vmap_root(kb_txn *t, kb_err *e)
{
    if (t->vm && t->vm->loaded)
        return KB_OK;
    if (!t->vm)
        t->vm = kb_calloc(1, sizeof *t->vm);
    kb_vmap *vm = t->vm;
    int rc = kb_dbi(t, KB_DB_VMAP, &vm->dbi, e);
    if (rc && rc != KB_ENOENT)
        return rc;
    vm->have_dbi = rc == KB_OK;
    unsigned layout = kb_vm_layout_of(t->s->format);
    (void)kb_txn_audit_seq(t);
    uint64_t seq = t->start_seq;
    kb_buf *raw = &t->vmraw;
    bool found;
    if ((rc = kb_vm_get_raw(t, "R", 1, &found, e)))
        return rc;
    if (!found) {
        if (seq != 0)
            return kb_vm_bad(e, _("is missing"));
        vm->loaded = true; /* a new board: empty */
        kb_vm_shape(vm, layout, KB_VM_BITS_MIN);
        vm->count = 0;
        kb_vm_all_loaded(vm, false);
        return KB_OK;
    }
    /* the root this handle opened last, if the stored value is the same
     * (one decryption per process, not per transaction; a format-3 root
     * is 131 KiB at 100k cases) */
    kb_store *s = t->s;
    const char *pt = s->vmroot_pt;
    size_t n = s->vmroot_n;
    if (!pt || s->vmroot_raw.len != raw->len ||
        memcmp(s->vmroot_raw.data, raw->data, raw->len) != 0) {
        char *own = NULL;
        uint64_t ver = 0;
        kb_err ve;
        rc = kb_val_open(s, s->keys->k_ver, KB_DB_VMAP, "R", 1, (unsigned char *)raw->data,
                         raw->len, &own, &n, &ver, &ve);
        if (rc) {
            kb_buf_clear(raw);
            return kb_vm_bad(e, _("failed authentication"));
        }
        kb_buf_clear(&s->vmroot_raw);
        kb_buf_append(&s->vmroot_raw, raw->data, raw->len);
        kb_free(&s->vmroot_pt);
        s->vmroot_pt = own;
        s->vmroot_n = n;
        pt = own;
    }
    kb_buf_clear(raw);
    kb_vm_rootv rv;
    if (!kb_vm_root_parse(layout, (const unsigned char *)pt, n, &rv) || rv.seq != seq ||
        memcmp(rv.head, t->start_head, KB_HASH_LEN) != 0)
        return kb_vm_bad(e, _("does not match the newest audit entry"));
    kb_vm_shape(vm, layout, rv.bits);
    vm->count = rv.count;
    size_t ntop;
    unsigned char *top = kb_vm_root_top(vm, &ntop);
    memcpy(top, rv.hashes, ntop * KB_HASH_LEN);
    if (layout < 4) /* one group: the root names every bucket */
        kb_vm_group_mem(vm, 0)->loaded = true;
    vm->loaded = true;
    return KB_OK;
}

/* Layout 4: the bucket hashes of group g, read when first needed. */
static int kb_vmap_group(kb_txn *t, size_t g, kb_err *e)
{
    kb_vmap *vm = t->vm;
    kb_vgroup *gr = kb_vm_group_mem(vm, g);
    if (gr->loaded)
        return KB_OK;
    if (gr->bad)
        return kb_vm_bad(e, _("has a damaged or replaced group of bucket hashes"));
    if (vm->layout < 4 || sodium_is_zero(vm->gh[g], KB_HASH_LEN)) {
        gr->loaded = true; /* (layout 4: a group of empty buckets) */
        return KB_OK;
    }
    const struct kb_vmcgroup *c = kb_vmc_group(t->s, vm, g, false);
    if (c && c->hashes && memcmp(c->h, vm->gh[g], KB_HASH_LEN) == 0) {
        memcpy(gr->bh, c->hashes, (size_t)KB_HASH_LEN << vm->gbits);
        gr->loaded = true;
        return KB_OK;
    }
    unsigned char key[3];
    kb_buf *raw = &t->vmraw;
    bool found;
    int rc = kb_vm_get_raw(t, key, kb_vm_gkey(g, key), &found, e);
    if (rc)
        return rc;
    kb_err ge;
    rc = found ? kb_vm_group_open(t->s, g, vm->gbits, (const unsigned char *)raw->data, raw->len,
                                  vm->gh[g], gr->bh[0], &ge)
               : KB_EDATA;
    kb_buf_clear(raw);
    if (rc) {
        gr->bad = true;
        return kb_vm_bad(e, _("has a damaged or replaced group of bucket hashes"));
    }
    gr->loaded = true;
    kb_vmc_keep_group(t->s, vm, g);
    return KB_OK;
}

/* The buckets' plaintext is kept across transactions: a bucket whose
 * sealed value has the hash the (authenticated, current) root names is
 * the one opened before, so it is not copied, hashed and decrypted again
 * (the TUI re-read the buckets of every changed record on each change).
 * A bucket is kept the second time the same value is opened: a short
 * command opens most buckets once, and copying each (fresh heap pages)
 * made a `case show` at 100k cases 5 ms slower. */

void kb_vmc_free(kb_store *s)
{
    kb_buf_free(&s->vmroot_raw);
    kb_free(&s->vmroot_pt);
    s->vmroot_n = 0;
    size_t ng = (size_t)1 << (s->vmc_bits - s->vmc_gbits), per = (size_t)1 << s->vmc_gbits;
    for (size_t g = 0; s->vmc && g < ng; g++) {
        struct kb_vmcgroup *c = &s->vmc[g];
        for (size_t i = 0; c->b && i < per; i++) {
            if (c->b[i].e)
                sodium_memzero(c->b[i].e, c->b[i].n * KB_VM_ENT);
            kb_free(&c->b[i].e);
        }
        kb_free(&c->b);
        kb_free(&c->hashes);
    }
    kb_free(&s->vmc);
    s->vmc_bits = s->vmc_gbits = 0;
}

/* The handle's group g of a map of vm's shape (another shape: what was
 * kept goes); made if new, else NULL with make false. */
static struct kb_vmcgroup *kb_vmc_group(kb_store *s, const kb_vmap *vm, size_t g, bool make)
{
    if (s->vmc && (s->vmc_bits != vm->bits || s->vmc_gbits != vm->gbits)) {
        if (!make)
            return NULL;
        kb_vmc_free(s);
    }
    if (!s->vmc) {
        if (!make)
            return NULL;
        s->vmc = kb_calloc(vm->ng, sizeof *s->vmc);
        s->vmc_bits = vm->bits;
        s->vmc_gbits = vm->gbits;
    }
    return &s->vmc[g];
}

static void kb_vmc_keep_group(kb_store *s, const kb_vmap *vm, size_t g)
{
    struct kb_vmcgroup *c = kb_vmc_group(s, vm, g, true);
    size_t len = (size_t)KB_HASH_LEN << vm->gbits;
    if (!c->hashes)
        c->hashes = kb_malloc(len);
    memcpy(c->hashes, vm->g[g].bh, len);
    memcpy(c->h, vm->gh[g], KB_HASH_LEN);
}

/* The handle's kept bucket b of vm; made if new, else NULL with make
 * false. */
static struct kb_vmcache *kb_vmc_at(kb_store *s, const kb_vmap *vm, size_t b, bool make)
{
    struct kb_vmcgroup *c = kb_vmc_group(s, vm, b >> vm->gbits, make);
    if (c && !c->b && make)
        c->b = kb_calloc((size_t)1 << vm->gbits, sizeof *c->b);
    return c && c->b ? &c->b[b & (((size_t)1 << vm->gbits) - 1)] : NULL;
}

/* Was the bucket value h opened before by this handle?  (The first time
 * it is only remembered: kb_vmc_put keeps it the second time.) */
static bool kb_vmc_seen(kb_store *s, const kb_vmap *vm, size_t b)
{
    const unsigned char *h = kb_vm_bh(vm, b);
    struct kb_vmcache *c = kb_vmc_at(s, vm, b, true);
    if (memcmp(c->seen, h, KB_HASH_LEN) == 0)
        return true;
    memcpy(c->seen, h, KB_HASH_LEN);
    return false;
}

static void kb_vmc_put(kb_store *s, const kb_vmap *vm, size_t b, const unsigned char *e, size_t n)
{
    const unsigned char *h = kb_vm_bh(vm, b);
    struct kb_vmcache *c = kb_vmc_at(s, vm, b, true);
    if ((c->e && memcmp(c->h, h, KB_HASH_LEN) == 0) || !kb_vmc_seen(s, vm, b))
        return; /* kept already, or opened the first time (now remembered) */
    if (c->e)
        sodium_memzero(c->e, c->n * KB_VM_ENT);
    kb_free(&c->e);
    c->e = kb_malloc(n * KB_VM_ENT + 1);
    memcpy(c->e, e, n * KB_VM_ENT);
    c->n = n;
    memcpy(c->h, h, KB_HASH_LEN);
}

static bool kb_vmc_get(kb_store *s, const kb_vmap *vm, size_t b, kb_vbucket *bk)
{
    const unsigned char *h = kb_vm_bh(vm, b);
    const struct kb_vmcache *c = kb_vmc_at(s, vm, b, false);
    if (!c || !c->e || memcmp(c->h, h, KB_HASH_LEN) != 0)
        return false;
    bk->e = kb_malloc(c->n * KB_VM_ENT + 1);
    memcpy(bk->e, c->e, c->n * KB_VM_ENT);
    bk->n = bk->cap = c->n;
    return true;
}

#define KB_XC_BLOCK 64 /* the ChaCha20 block */
_Static_assert(KB_PAD_BLOCK % KB_XC_BLOCK == 0, "a padded value ends on a cipher block");

/* A bucket value whose BLAKE2b-256 is the one the root names holds
 * exactly the bytes the authenticated root vouches for, so it needs no
 * second check: its entries are decrypted with the XChaCha20 stream of
 * the value (the cipher of XChaCha20-Poly1305-IETF, the message from block
 * 1), all of them or only the 64-byte blocks a lookup reads.  off is a
 * multiple of KB_XC_BLOCK. */
static void kb_vb_xor(const kb_store *s, const kb_vbucket *bk, size_t off, size_t len,
                      unsigned char *out)
{
    crypto_stream_xchacha20_xor_ic(out, bk->ct + off, len, bk->nonce, 1 + off / KB_XC_BLOCK,
                                   s->keys->k_ver);
}

/* All the entries of a bucket read for lookups (then the ciphertext goes). */
static void kb_vb_open_all(const kb_store *s, kb_vbucket *bk)
{
    unsigned char *pt = kb_malloc(bk->ctlen + 1);
    kb_vb_xor(s, bk, 0, bk->ctlen, pt);
    sodium_memzero(pt + bk->n * KB_VM_ENT, bk->ctlen - bk->n * KB_VM_ENT);
    bk->e = pt;
    bk->cap = bk->n;
    kb_free(&bk->ct);
    bk->ctlen = 0;
}

/* Read bucket b for lookups (full: its entries too). */
static int kb_vmap_bucket_in(kb_txn *t, size_t b, bool full, kb_vbucket **out, kb_err *e)
{
    int rc = kb_vmap_root(t, e);
    if (rc || (rc = kb_vmap_group(t, b >> t->vm->gbits, e)))
        return rc;
    kb_vmap *vm = t->vm;
    kb_vbucket *bk = kb_vm_bk(vm, b);
    *out = bk;
    if (bk->loaded) {
        if (full && bk->ct) {
            kb_vb_open_all(t->s, bk);
            kb_vmc_put(t->s, vm, b, bk->e, bk->n);
        }
        return KB_OK;
    }
    bk->loaded = true;
    if (sodium_is_zero(kb_vm_bh(vm, b), KB_HASH_LEN))
        return KB_OK;
    if (kb_vmc_get(t->s, vm, b, bk))
        return KB_OK;
    unsigned char key[3];
    kb_buf *raw = &t->vmraw;
    bool found;
    if ((rc = kb_vm_get_raw(t, key, kb_vm_bkey(vm, b, key), &found, e)))
        return rc;
    unsigned char h[KB_HASH_LEN];
    const unsigned char *val = (const unsigned char *)raw->data;
    const size_t tag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    bool ok = found && raw->len >= KB_VAL_HDR + KB_PAD_BLOCK + tag &&
              (raw->len - KB_VAL_HDR - tag) % KB_PAD_BLOCK == 0;
    if (ok) {
        crypto_generichash(h, KB_HASH_LEN, val, raw->len, NULL, 0);
        ok = memcmp(h, kb_vm_bh(vm, b), KB_HASH_LEN) == 0 && val[0] == 'K' &&
             val[1] == KB_VAL_FORMAT && val[2] == 1 && kb_get_u32be(val + 4) == t->s->epoch;
    }
    if (ok) {
        bk->ctlen = raw->len - KB_VAL_HDR - tag;
        bk->ct = kb_malloc(bk->ctlen);
        memcpy(bk->ct, val + KB_VAL_HDR, bk->ctlen);
        memcpy(bk->nonce, val + 16, sizeof bk->nonce);
        /* the padding (sodium_pad: 0x80, then zeros) ends in the last block */
        unsigned char last[KB_PAD_BLOCK];
        kb_vb_xor(t->s, bk, bk->ctlen - KB_PAD_BLOCK, KB_PAD_BLOCK, last);
        size_t p = KB_PAD_BLOCK;
        while (p > 0 && last[p - 1] == 0)
            p--;
        size_t len = p > 0 ? bk->ctlen - KB_PAD_BLOCK + p - 1 : 0;
        ok = p > 0 && last[p - 1] == 0x80 && len % KB_VM_ENT == 0;
        sodium_memzero(last, sizeof last);
        bk->n = ok ? len / KB_VM_ENT : 0;
    }
    kb_buf_clear(raw);
    if (!ok) {
        kb_vbucket_free(bk);
        bk->ctlen = 0;
        bk->loaded = false;
        return kb_vm_bad(e, _("has a damaged or replaced bucket"));
    }
    t->s->hooks.vmap_opened++;
    /* kept (and so opened whole) the second time this handle reads it */
    if (full || kb_vmc_seen(t->s, vm, b)) {
        kb_vb_open_all(t->s, bk);
        kb_vmc_put(t->s, vm, b, bk->e, bk->n);
    }
    return KB_OK;
}

int kb_vmap_bucket(kb_txn *t, size_t b, kb_vbucket **out, kb_err *e)
{
    return kb_vmap_bucket_in(t, b, true, out, e);
}

/* Two digests in memcmp order, as two big-endian words (a scan looks up
 * every record it reads: no call per comparison). */
static inline int kb_vm_cmp(const unsigned char *a, const unsigned char *b)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    if (x == y) {
        memcpy(&x, a + 8, 8);
        memcpy(&y, b + 8, 8);
        if (x == y)
            return 0;
    }
    x = be64toh(x);
    y = be64toh(y);
    return x < y ? -1 : 1;
}

/* Index of d in the bucket, or -(insertion point) - 1. */
static long kb_vm_find(const kb_vbucket *bk, const unsigned char d[KB_KEY_LEN])
{
    size_t lo = 0, hi = bk->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = kb_vm_cmp(bk->e + mid * KB_VM_ENT, d);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(long)lo - 1;
}

/* The version of d in a bucket read for lookups (0: none), decrypting the
 * one or two blocks each step of the search reads. */
static uint64_t kb_vm_find_lazy(const kb_store *s, const kb_vbucket *bk,
                                const unsigned char d[KB_KEY_LEN])
{
    unsigned char blk[2 * KB_XC_BLOCK];
    uint64_t ver = 0;
    size_t lo = 0, hi = bk->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2, off = mid * KB_VM_ENT;
        size_t from = off / KB_XC_BLOCK * KB_XC_BLOCK;
        size_t to = (off + KB_VM_ENT + KB_XC_BLOCK - 1) / KB_XC_BLOCK * KB_XC_BLOCK;
        kb_vb_xor(s, bk, from, to - from, blk);
        const unsigned char *ent = blk + (off - from);
        int c = kb_vm_cmp(ent, d);
        if (c == 0) {
            ver = kb_get_u64be(ent + KB_KEY_LEN);
            break;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    sodium_memzero(blk, sizeof blk);
    return ver;
}

static int kb_vm_refuse(kb_err *e, unsigned tbl, const unsigned char *key, size_t klen,
                        uint64_t have, uint64_t want)
{
    char hex[129];
    kb_hex(key, klen > 64 ? 64 : klen, hex);
    const char *tn = tbl < KB_T_COUNT_ ? kb_table_names[tbl] : "?";
    if (want == 0)
        return kb_err_damage(
            e,
            _("a record not in the board's version map (a deleted record put back, "
              "or a forged one): table %s, record %s; refusing to read it; run "
              "'kernboard verify'"),
            tn, hex);
    return kb_err_damage(e,
                         _("an older copy of a record was put back (replayed): table %s, record %s "
                           "is version %llu, the newest is %llu; refusing to read it; run "
                           "'kernboard verify'"),
                         tn, hex, (unsigned long long)have, (unsigned long long)want);
}

/* Is version ver of the record at stored key (tbl, key) the newest? */
int kb_vmap_want(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t *want, kb_err *e)
{
    *want = 0;
    unsigned char d[KB_KEY_LEN];
    kb_vm_digest(t->s, tbl, key, klen, d);
    kb_vbucket *bk;
    int rc = kb_vmap_root(t, e);
    if (rc || (rc = kb_vmap_bucket_in(t, kb_vm_index(t->vm, d), false, &bk, e)))
        return rc;
    if (bk->e) {
        long i = kb_vm_find(bk, d);
        *want = i >= 0 ? kb_get_u64be(bk->e + (size_t)i * KB_VM_ENT + KB_KEY_LEN) : 0;
    } else if (bk->ct) {
        *want = kb_vm_find_lazy(t->s, bk, d);
    }
    return KB_OK;
}

int kb_vmap_check(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t ver, kb_err *e)
{
    if (t->s->format < 2 || t->vm_off)
        return KB_OK;
    uint64_t want = 0;
    int rc = kb_vmap_want(t, tbl, key, klen, &want, e);
    if (rc)
        return rc;
    /* only a record the map does not have can be an unfinished import's */
    if (want == 0 && ver) { /* a record of an unfinished import (stage.c)? */
        int h = kb_stage_hidden(t, tbl, key, klen, ver);
        if (h == KB_OK)
            return KB_OK;
        if (h == KB_SHIDDEN) {
            kb_err_set(e, KB_ENOENT, _("no such record"));
            return KB_SHIDDEN;
        }
    }
    if (want != ver || want == 0)
        return kb_vm_refuse(e, tbl, key, klen, ver, want);
    return KB_OK;
}

static int kb_vm_relayout(kb_txn *t, unsigned layout, unsigned bits, kb_err *e);

/* Record a new version (0 = deleted) in the map. */
static int kb_vmap_set(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t ver,
                       kb_err *e)
{
    if (t->s->format < 2 || t->vm_off)
        return KB_OK;
    unsigned char d[KB_KEY_LEN];
    kb_vm_digest(t->s, tbl, key, klen, d);
    kb_vbucket *bk;
    int rc = kb_vmap_root(t, e);
    if (rc || (rc = kb_vmap_bucket(t, kb_vm_index(t->vm, d), &bk, e)))
        return rc;
    long i = kb_vm_find(bk, d);
    if (i >= 0 && ver) {
        kb_put_u64be(bk->e + (size_t)i * KB_VM_ENT + KB_KEY_LEN, ver);
    } else if (i >= 0) {
        memmove(bk->e + (size_t)i * KB_VM_ENT, bk->e + ((size_t)i + 1) * KB_VM_ENT,
                (bk->n - (size_t)i - 1) * KB_VM_ENT);
        bk->n--;
        t->vm->count--;
    } else if (ver) {
        size_t at = (size_t)(-i - 1);
        if (bk->n == bk->cap) {
            bk->cap = bk->cap ? bk->cap * 2 : 16;
            bk->e = kb_realloc(bk->e, bk->cap * KB_VM_ENT);
        }
        memmove(bk->e + (at + 1) * KB_VM_ENT, bk->e + at * KB_VM_ENT, (bk->n - at) * KB_VM_ENT);
        memcpy(bk->e + at * KB_VM_ENT, d, KB_KEY_LEN);
        kb_put_u64be(bk->e + at * KB_VM_ENT + KB_KEY_LEN, ver);
        bk->n++;
        t->vm->count++;
    }
    bk->dirty = true;
    /* a large change (an import) doubles the map as it goes, so that the
     * buckets it inserts into stay small */
    kb_vmap *vm = t->vm;
    unsigned want = kb_vm_bits_for(vm->count, t->s->vm_grow);
    if (vm->layout >= 3 && want > vm->bits && (rc = kb_vm_relayout(t, vm->layout, want, e))) {
        t->failed = true;
        return rc;
    }
    return KB_OK;
}

/* Add n entries of records the map does not have (a staged import that
 * becomes the board's, stage.c), sorted by digest: the map grows to the
 * buckets it will need first, then each bucket takes its share in one
 * merge. */
int kb_vmap_add_new(kb_txn *t, const unsigned char *ents, size_t n, kb_err *e)
{
    if (t->s->format < 2 || t->vm_off || !n)
        return KB_OK;
    int rc = kb_vmap_root(t, e);
    if (rc)
        return rc;
    kb_vmap *vm = t->vm;
    unsigned want = kb_vm_bits_for(vm->count + n, t->s->vm_grow);
    if (vm->layout >= 3 && want > vm->bits && (rc = kb_vm_relayout(t, vm->layout, want, e))) {
        t->failed = true;
        return rc;
    }
    for (size_t i = 0, j; i < n; i = j) {
        size_t b = kb_vm_index(vm, ents + i * KB_VM_ENT);
        for (j = i + 1; j < n && kb_vm_index(vm, ents + j * KB_VM_ENT) == b; j++)
            ;
        kb_vbucket *bk;
        if ((rc = kb_vmap_bucket(t, b, &bk, e)))
            return rc;
        size_t add = j - i;
        if (bk->n + add > bk->cap) {
            bk->cap = bk->n + add;
            bk->e = kb_realloc(bk->e, bk->cap * KB_VM_ENT);
        }
        /* merge from the back: both runs are sorted */
        size_t a = bk->n, c = add, o = bk->n + add;
        while (c) {
            const unsigned char *x = ents + (i + c - 1) * KB_VM_ENT;
            int cmp = a ? kb_vm_cmp(bk->e + (a - 1) * KB_VM_ENT, x) : -1;
            if (cmp == 0)
                return kb_err_damage(e, _("a record of an unfinished import is in the board's "
                                          "version map already; run 'kernboard verify'"));
            if (cmp > 0) {
                memmove(bk->e + --o * KB_VM_ENT, bk->e + --a * KB_VM_ENT, KB_VM_ENT);
            } else {
                memcpy(bk->e + --o * KB_VM_ENT, x, KB_VM_ENT);
                c--;
            }
        }
        bk->n += add;
        vm->count += add;
        bk->dirty = true;
    }
    return KB_OK;
}

static int kb_vm_entcmp(const void *a, const void *b)
{
    return memcmp(a, b, KB_KEY_LEN);
}

/* Forget the map and build it from every stored record (the migration
 * of a format-1 board; the commit grows it to the bucket count it needs). */
static int kb_vmap_rebuild(kb_txn *t, kb_err *e)
{
    kb_vmap_free(t);
    t->vm = kb_calloc(1, sizeof *t->vm);
    kb_vmap *vm = t->vm;
    int rc = kb_dbi(t, KB_DB_VMAP, &vm->dbi, e);
    if (rc)
        return rc;
    vm->have_dbi = true;
    vm->loaded = true;
    kb_vm_shape(vm, kb_vm_layout_of(t->s->format), KB_VM_BITS_MIN);
    kb_vm_all_loaded(vm, true);
    for (int tb = 0; tb < KB_T_COUNT_; tb++) {
        MDB_dbi dbi;
        int r0 = kb_tdbi(t, (enum kb_table)tb, &dbi, e);
        if (r0 == KB_ENOENT)
            continue;
        if (r0)
            return r0;
        MDB_cursor *c;
        if ((rc = mdb_cursor_open(t->txn, dbi, &c)))
            return kb_mdb_err(e, rc, kb_table_names[tb]);
        MDB_val k, v;
        for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0;
             r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            unsigned char d[KB_KEY_LEN];
            kb_vm_digest(t->s, (unsigned)tb, k.mv_data, k.mv_size, d);
            kb_vbucket *bk = kb_vm_bk(vm, kb_vm_index(vm, d));
            if (bk->n == bk->cap) {
                bk->cap = bk->cap ? bk->cap * 2 : 16;
                bk->e = kb_realloc(bk->e, bk->cap * KB_VM_ENT);
            }
            memcpy(bk->e + bk->n * KB_VM_ENT, d, KB_KEY_LEN);
            kb_put_u64be(bk->e + bk->n * KB_VM_ENT + KB_KEY_LEN,
                         kb_val_version(v.mv_data, v.mv_size));
            bk->n++;
            vm->count++;
        }
        mdb_cursor_close(c);
    }
    for (size_t i = 0; i < vm->nb; i++)
        if (kb_vm_bk(vm, i)->n > 1)
            kb_sort(kb_vm_bk(vm, i)->e, kb_vm_bk(vm, i)->n, KB_VM_ENT, kb_vm_entcmp);
    return KB_OK;
}

/* Move every entry into 2^bits buckets (bits 0: as many as the entries
 * need) of the given layout: the map of a format-2 or format-3 board
 * migrated to format 4, or a map that doubles.  Every bucket is read
 * first; every new one (and group) is written at commit; a bucket key of
 * the old layout that no new bucket takes is deleted.  bits is never less
 * than the map's. */
static int kb_vm_relayout(kb_txn *t, unsigned layout, unsigned bits, kb_err *e)
{
    kb_vmap *vm = t->vm;
    int rc;
    uint64_t count = 0;
    for (size_t b = 0; b < vm->nb; b++) {
        kb_vbucket *bk;
        if ((rc = kb_vmap_bucket(t, b, &bk, e)))
            return rc;
        count += bk->n;
    }
    if (!bits)
        bits = kb_vm_bits_for(count, t->s->vm_grow);
    if (bits < vm->bits)
        bits = vm->bits;
    if (vm->layout < 3 && layout >= 3) { /* "B" || u8 keys go */
        for (size_t b = 0; b < vm->nb; b++) {
            unsigned char key[3];
            MDB_val k = {kb_vm_bkey(vm, b, key), key};
            int r = mdb_del(t->txn, vm->dbi, &k, NULL);
            if (r && r != MDB_NOTFOUND) {
                t->failed = true;
                return kb_mdb_err(e, r, KB_DB_VMAP);
            }
        }
    }
    kb_vmap nv = {0};
    kb_vm_shape(&nv, layout, bits);
    kb_vm_all_loaded(&nv, true);
    /* an old bucket's sorted entries fall, in order, into new buckets of
     * its own (the new index has the old one as its prefix) */
    for (size_t b = 0; b < vm->nb; b++) {
        kb_vbucket *ob = kb_vm_bk(vm, b);
        for (size_t i = 0; i < ob->n; i++) {
            const unsigned char *x = ob->e + i * KB_VM_ENT;
            kb_vbucket *bk = kb_vm_bk(&nv, kb_vm_index(&nv, x));
            if (bk->n == bk->cap) {
                bk->cap = bk->cap ? bk->cap * 2 : 16;
                bk->e = kb_realloc(bk->e, bk->cap * KB_VM_ENT);
            }
            memcpy(bk->e + bk->n * KB_VM_ENT, x, KB_VM_ENT);
            bk->n++;
        }
        if (ob->e)
            sodium_memzero(ob->e, ob->n * KB_VM_ENT);
    }
    kb_vm_groups_free(vm);
    vm->g = nv.g;
    vm->gh = nv.gh;
    vm->nb = nv.nb;
    vm->ng = nv.ng;
    vm->bits = nv.bits;
    vm->gbits = nv.gbits;
    vm->layout = layout;
    vm->count = count;
    return KB_OK;
}

/* Write the changed buckets and a root for this transaction's audit head
 * (called by commit); a format-3 map that outgrew its buckets doubles
 * first. */
static int kb_vmap_flush(kb_txn *t, kb_err *e)
{
    kb_vmap *vm = t->vm;
    if (t->s->format < 2 || !vm || !vm->loaded)
        return KB_OK;
    int rc;
    if (!vm->have_dbi) {
        if ((rc = kb_dbi(t, KB_DB_VMAP, &vm->dbi, e)))
            return rc;
        vm->have_dbi = true;
    }
    unsigned want = kb_vm_bits_for(vm->count, t->s->vm_grow);
    if (vm->layout >= 3 && want > vm->bits) {
        if ((rc = kb_vm_relayout(t, vm->layout, want, e))) {
            t->failed = true;
            return rc;
        }
    }
    bool any = false;
    kb_buf sealed = KB_BUF_INIT;
    size_t per = (size_t)1 << vm->gbits;
    for (size_t g = 0; g < vm->ng; g++) {
        kb_vgroup *gr = &vm->g[g];
        for (size_t j = 0; gr->b && j < per; j++) {
            kb_vbucket *bk = &gr->b[j];
            if (!bk->dirty)
                continue;
            size_t i = g * per + j;
            any = gr->dirty = true;
            unsigned char key[3];
            MDB_val k = {kb_vm_bkey(vm, i, key), key};
            if (bk->n == 0) {
                rc = mdb_del(t->txn, vm->dbi, &k, NULL);
                if (rc && rc != MDB_NOTFOUND)
                    goto fail;
                memset(gr->bh[j], 0, KB_HASH_LEN);
                bk->dirty = false;
                continue;
            }
            kb_val_seal(t->s, t->s->keys->k_ver, KB_DB_VMAP, key, k.mv_size, t->audit_seq, bk->e,
                        bk->n * KB_VM_ENT, &sealed);
            MDB_val v = {sealed.len, sealed.data};
            if ((rc = mdb_put(t->txn, vm->dbi, &k, &v, 0)))
                goto fail;
            crypto_generichash(gr->bh[j], KB_HASH_LEN, (unsigned char *)sealed.data, sealed.len,
                               NULL, 0);
            /* (if the commit fails, no root ever names this hash) */
            kb_vmc_put(t->s, vm, i, bk->e, bk->n);
            bk->dirty = false;
        }
        if (gr->dirty && vm->layout >= 4) {
            if ((rc = kb_vm_group_store(t->s, t->txn, vm->dbi, g, vm->gbits, gr->bh[0],
                                        t->audit_seq, vm->gh[g], &sealed, e))) {
                kb_buf_free(&sealed);
                t->failed = true;
                return rc;
            }
            /* (if the commit fails, no root ever names this hash) */
            if (!sodium_is_zero(vm->gh[g], KB_HASH_LEN))
                kb_vmc_keep_group(t->s, vm, g);
        }
        gr->dirty = false;
    }
    if (!any && t->n_entries == 0) {
        kb_buf_free(&sealed);
        return KB_OK;
    }
    {
        kb_buf root = KB_BUF_INIT;
        size_t ntop;
        const unsigned char *top = kb_vm_root_top(vm, &ntop);
        kb_vm_root_value(&root, vm->layout, vm->bits, t->audit_seq, t->audit_head, vm->count, top,
                         ntop);
        kb_val_seal(t->s, t->s->keys->k_ver, KB_DB_VMAP, "R", 1, t->audit_seq, root.data, root.len,
                    &sealed);
        MDB_val k = {1, "R"}, v = {sealed.len, sealed.data};
        if ((rc = mdb_put(t->txn, vm->dbi, &k, &v, 0))) {
            kb_buf_free(&root);
            goto fail;
        }
        /* the next transaction finds it opened (if the commit fails, the
         * stored root is another value) */
        kb_store *s = t->s;
        kb_buf_clear(&s->vmroot_raw);
        kb_buf_append(&s->vmroot_raw, sealed.data, sealed.len);
        kb_free(&s->vmroot_pt);
        s->vmroot_n = root.len;
        s->vmroot_pt = kb_malloc(root.len + 1);
        memcpy(s->vmroot_pt, root.data, root.len);
        kb_buf_free(&root);
    }
    kb_buf_free(&sealed);
    return KB_OK;
fail:
    kb_buf_free(&sealed);
    t->failed = true;
    return kb_mdb_err(e, rc, KB_DB_VMAP);
}

/* ------------------------------------------------------------ relation lists */

/* Format 2 keeps a case's relations (action items, links, decisions) as one
 * sealed list per case at key BLAKE2b-128(k_ref, table || case key):
 * case key (16) | count u32 | entries (kind u8 | record key 16), sorted,
 * zero-filled so that a list of up to 29 entries is one 512-byte block. */
#define KB_REL_ENT (1 + KB_KEY_LEN)
#define KB_REL_BLOCK 512

typedef struct kb_rlist {
    unsigned char pk[KB_KEY_LEN];
    unsigned char *e;
    size_t n;
    uint64_t ver; /* 0 = absent */
} kb_rlist;

static bool kb_rlist_parse(const char *pt, size_t n, const unsigned char *ck, kb_rlist *l)
{
    if (n < KB_KEY_LEN + 4 || (ck && memcmp(pt, ck, KB_KEY_LEN) != 0))
        return false;
    uint32_t cnt = kb_get_u32be((const unsigned char *)pt + KB_KEY_LEN);
    if (cnt > (n - KB_KEY_LEN - 4) / KB_REL_ENT)
        return false;
    l->n = cnt;
    l->e = kb_malloc(cnt * KB_REL_ENT + 1);
    memcpy(l->e, pt + KB_KEY_LEN + 4, cnt * KB_REL_ENT);
    return true;
}

static int kb_get_phys(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, char **out,
                       size_t *len, uint64_t *version, kb_err *e);
static int kb_put_phys(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, const void *val,
                       size_t vlen, uint64_t expect, uint64_t *new_version, const char *detail,
                       kb_err *e);

static int kb_rlist_load(kb_txn *t, const unsigned char ck[KB_KEY_LEN], kb_rlist *l, kb_err *e)
{
    memset(l, 0, sizeof *l);
    kb_ref16(t->s, KB_T_RELS, ck, l->pk);
    char *pt = NULL;
    size_t n = 0;
    int rc = kb_get_phys(t, KB_T_RELS, l->pk, KB_KEY_LEN, &pt, &n, &l->ver, e);
    if (rc == KB_ENOENT) {
        l->ver = 0;
        kb_err_clear(e);
        return KB_OK;
    }
    if (rc)
        return rc;
    bool ok = kb_rlist_parse(pt, n, ck, l);
    kb_free(&pt);
    if (!ok) {
        char hex[33];
        kb_hex(l->pk, KB_KEY_LEN, hex);
        return kb_err_set(e, KB_EDATA, _("table rels, record %s: damaged relation list"), hex);
    }
    return KB_OK;
}

static long kb_rlist_find(const kb_rlist *l, const unsigned char *ent)
{
    for (size_t i = 0; i < l->n; i++) {
        int c = memcmp(l->e + i * KB_REL_ENT, ent, KB_REL_ENT);
        if (c == 0)
            return (long)i;
        if (c > 0)
            return -(long)i - 1;
    }
    return -(long)l->n - 1;
}

static int kb_rlist_store(kb_txn *t, const unsigned char ck[KB_KEY_LEN], kb_rlist *l,
                          const char *detail, kb_err *e)
{
    if (l->n == 0)
        return l->ver ? kb_del_phys(t, KB_T_RELS, l->pk, KB_KEY_LEN, l->ver, detail, e) : KB_OK;
    kb_buf b = KB_BUF_INIT;
    kb_buf_append(&b, ck, KB_KEY_LEN);
    kb_buf_put_u32be(&b, (uint32_t)l->n);
    kb_buf_append(&b, l->e, l->n * KB_REL_ENT);
    /* pad so that sodium_pad ends on a KB_REL_BLOCK boundary */
    size_t want = (b.len / KB_REL_BLOCK + 1) * KB_REL_BLOCK - 1;
    while (b.len < want)
        kb_buf_putc(&b, '\0');
    int rc = kb_put_phys(t, KB_T_RELS, l->pk, KB_KEY_LEN, b.data, b.len,
                         l->ver ? l->ver : KB_VERSION_NEW, NULL, detail, e);
    kb_buf_free(&b);
    return rc;
}

static int kb_rels_put(kb_txn *t, const unsigned char *key, size_t klen, uint64_t expect,
                       const char *detail, kb_err *e)
{
    if (klen != KB_KEY_LEN + KB_REL_ENT)
        return kb_err_set(e, KB_ESOFTWARE, "bad relation key length %zu", klen);
    kb_rlist l;
    int rc = kb_rlist_load(t, key, &l, e);
    if (rc)
        return rc;
    long i = kb_rlist_find(&l, key + KB_KEY_LEN);
    if (i >= 0) {
        kb_free(&l.e);
        return expect == KB_VERSION_NEW
                   ? kb_err_set(e, KB_ECONFLICT, _("the record already exists"))
                   : KB_OK;
    }
    size_t at = (size_t)(-i - 1);
    l.e = kb_realloc(l.e, (l.n + 1) * KB_REL_ENT);
    memmove(l.e + (at + 1) * KB_REL_ENT, l.e + at * KB_REL_ENT, (l.n - at) * KB_REL_ENT);
    memcpy(l.e + at * KB_REL_ENT, key + KB_KEY_LEN, KB_REL_ENT);
    l.n++;
    rc = kb_rlist_store(t, key, &l, detail, e);
    kb_free(&l.e);
    return rc;
}

static int kb_rels_del(kb_txn *t, const unsigned char *key, size_t klen, const char *detail,
                       kb_err *e)
{
    if (klen != KB_KEY_LEN + KB_REL_ENT)
        return kb_err_set(e, KB_ENOENT, _("no such record"));
    kb_rlist l;
    int rc = kb_rlist_load(t, key, &l, e);
    if (rc)
        return rc;
    long i = kb_rlist_find(&l, key + KB_KEY_LEN);
    if (i < 0) {
        kb_free(&l.e);
        return kb_err_set(e, KB_ENOENT, _("no such record"));
    }
    memmove(l.e + (size_t)i * KB_REL_ENT, l.e + ((size_t)i + 1) * KB_REL_ENT,
            (l.n - (size_t)i - 1) * KB_REL_ENT);
    l.n--;
    rc = kb_rlist_store(t, key, &l, detail, e);
    kb_free(&l.e);
    return rc;
}

/* Call fn with the logical key (case key | kind | record key) of every
 * entry of list l that starts with prefix (past the case key). */
static int kb_rlist_emit(const unsigned char ck[KB_KEY_LEN], const kb_rlist *l,
                         const unsigned char *sub, size_t sublen, kb_txn_visit_fn fn, void *ctx)
{
    for (size_t i = 0; i < l->n; i++) {
        const unsigned char *ent = l->e + i * KB_REL_ENT;
        if (sublen && memcmp(ent, sub, sublen) != 0)
            continue;
        unsigned char lk[KB_KEY_LEN + KB_REL_ENT];
        memcpy(lk, ck, KB_KEY_LEN);
        memcpy(lk + KB_KEY_LEN, ent, KB_REL_ENT);
        int rc = fn(ctx, lk, sizeof lk, "", 0, l->ver);
        if (rc)
            return rc;
    }
    return 0;
}

typedef struct kb_rels_all_ctx {
    kb_txn_visit_fn fn;
    void *ctx;
} kb_rels_all_ctx;

static int kb_rels_all_visit(void *ctx, const unsigned char *key, size_t klen, const char *val,
                             size_t vlen, uint64_t version)
{
    (void)key;
    (void)klen;
    kb_rels_all_ctx *c = ctx;
    kb_rlist l;
    memset(&l, 0, sizeof l);
    if (!kb_rlist_parse(val, vlen, NULL, &l))
        return KB_EDATA;
    l.ver = version;
    int rc = kb_rlist_emit((const unsigned char *)val, &l, NULL, 0, c->fn, c->ctx);
    kb_free(&l.e);
    return rc;
}

/* The read under the SIGBUS pad: the version pointer is a parameter that
 * is never assigned, so the pad's longjmp cannot clobber it. */
static int kb_get_phys_open(kb_txn *t, enum kb_table tbl, MDB_dbi dbi, const void *key, size_t klen,
                            char **pt, size_t *n, uint64_t *version, kb_err *e)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc;
    KB_ARM_OR_FAIL(t, e);
    rc = mdb_get(t->txn, dbi, &k, &v);
    if (rc == 0)
        rc = kb_val_open(t->s, t->s->keys->k_rec, kb_table_names[tbl], key, klen, v.mv_data,
                         v.mv_size, pt, n, version, e);
    else if (rc == MDB_NOTFOUND)
        rc = kb_err_set(e, KB_ENOENT, _("no such record"));
    else
        rc = kb_mdb_err(e, rc, kb_table_names[tbl]);
    KB_DISARM();
    return rc;
}

static int kb_get_phys(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, char **out,
                       size_t *len, uint64_t *version, kb_err *e)
{
    int rc = kb_txn_usable(t, e);
    if (rc)
        return rc;
    MDB_dbi dbi;
    if ((rc = kb_tdbi(t, tbl, &dbi, e)))
        return rc == KB_ENOENT ? kb_err_set(e, KB_ENOENT, _("no such record")) : rc;
    char *pt = NULL;
    size_t n = 0;
    uint64_t vtmp = 0;
    uint64_t *vp = version ? version : &vtmp;
    rc = kb_get_phys_open(t, tbl, dbi, key, klen, &pt, &n, vp, e);
    if (rc == KB_OK && (rc = kb_vmap_check(t, (unsigned)tbl, key, klen, *vp, e)))
        kb_free(&pt);
    if (rc == KB_SHIDDEN) /* not the board's yet */
        rc = KB_ENOENT;
    if (rc)
        return rc;
    *out = pt;
    if (len)
        *len = n;
    return KB_OK;
}

/* Version check inside the write transaction. */
static int kb_check_version(kb_txn *t, MDB_dbi dbi, enum kb_table tbl, const void *key, size_t klen,
                            uint64_t expect, uint64_t *cur, kb_err *e)
{
    MDB_val k = {klen, (void *)key}, v;
    KB_ARM_OR_FAIL(t, e);
    int rc = mdb_get(t->txn, dbi, &k, &v);
    *cur = rc == 0 ? kb_val_version(v.mv_data, v.mv_size) : 0;
    KB_DISARM();
    if (rc && rc != MDB_NOTFOUND)
        return kb_mdb_err(e, rc, kb_table_names[tbl]);
    /* a replayed value must not become the base of a new version */
    int vr = rc == 0 ? kb_vmap_check(t, (unsigned)tbl, key, klen, *cur, e) : KB_OK;
    if (vr == KB_SHIDDEN)
        return kb_err_set(e, KB_ECONFLICT,
                          _("the record is part of an import that has not finished; try again "
                            "when it has"));
    if (vr)
        return vr;
    if (expect == KB_VERSION_ANY)
        return KB_OK;
    if (expect == KB_VERSION_NEW && rc == 0)
        return kb_err_set(e, KB_ECONFLICT, _("the record already exists"));
    if (expect != KB_VERSION_NEW && rc == MDB_NOTFOUND)
        return kb_err_set(e, KB_ECONFLICT, _("the record was deleted by someone else"));
    if (expect != KB_VERSION_NEW && *cur != expect)
        return kb_err_set(e, KB_ECONFLICT,
                          _("someone else changed the record (version %llu, you started from "
                            "%llu)"),
                          (unsigned long long)*cur, (unsigned long long)expect);
    return KB_OK;
}

static int kb_put_phys(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, const void *val,
                       size_t vlen, uint64_t expect, uint64_t *new_version, const char *detail,
                       kb_err *e)
{
    int rc = kb_txn_usable(t, e);
    if (rc)
        return rc;
    if (!t->write)
        return kb_err_set(e, KB_ESOFTWARE, "put in a read transaction");
    if (klen == 0 || klen > 255)
        return kb_err_set(e, KB_ESOFTWARE, "bad key length %zu", klen);
    MDB_dbi dbi;
    uint64_t cur = 0;
    if ((rc = kb_tdbi(t, tbl, &dbi, e)) ||
        (rc = kb_check_version(t, dbi, tbl, key, klen, expect, &cur, e)))
        return rc;
    uint64_t ver = cur + 1;
    kb_buf *sealed = &t->sealbuf;
    kb_buf_clear(sealed);
    kb_buf_reserve(sealed, kb_val_sealed_len(vlen));
    sealed->len = kb_val_sealed_len(vlen);
    kb_val_seal_to(t->s, t->s->keys->k_rec, kb_table_names[tbl], key, klen, ver, kb_nonce_take(t),
                   val, vlen, NULL, 0, (unsigned char *)sealed->data);
    MDB_val k = {klen, (void *)key}, v = {sealed->len, sealed->data};
    {
        KB_ARM_OR_FAIL(t, e);
        rc = mdb_put(t->txn, dbi, &k, &v, 0);
        KB_DISARM();
    }
    if (rc) {
        t->failed = true;
        return kb_mdb_err(e, rc, _("cannot save"));
    }
    rc = kb_audit_append(t, tbl, key, klen, ver, &v, detail, e);
    if (rc == KB_OK)
        rc = t->stage ? kb_stage_note(t, (unsigned)tbl, key, klen, cur, ver, e)
                      : kb_vmap_set(t, (unsigned)tbl, key, klen, ver, e);
    if (rc == KB_OK && new_version)
        *new_version = ver;
    return rc;
}

int kb_del_phys(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, uint64_t expect,
                const char *detail, kb_err *e)
{
    int rc = kb_txn_usable(t, e);
    if (rc)
        return rc;
    MDB_dbi dbi;
    uint64_t cur = 0;
    if ((rc = kb_tdbi(t, tbl, &dbi, e)) ||
        (rc = kb_check_version(t, dbi, tbl, key, klen, expect, &cur, e)))
        return rc;
    MDB_val k = {klen, (void *)key};
    {
        KB_ARM_OR_FAIL(t, e);
        rc = mdb_del(t->txn, dbi, &k, NULL);
        KB_DISARM();
    }
    if (rc == MDB_NOTFOUND)
        return kb_err_set(e, KB_ENOENT, _("no such record"));
    if (rc) {
        t->failed = true;
        return kb_mdb_err(e, rc, _("cannot delete"));
    }
    rc = kb_audit_append(t, tbl, key, klen, 0, NULL, detail, e);
    if (rc)
        return rc;
    return t->stage ? kb_stage_note(t, (unsigned)tbl, key, klen, cur, 0, e)
                    : kb_vmap_set(t, (unsigned)tbl, key, klen, 0, e);
}

static int kb_each_phys(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen,
                        kb_txn_visit_fn fn, void *ctx, kb_err *e)
{
    int rc = kb_txn_usable(t, e);
    if (rc)
        return rc;
    MDB_dbi dbi;
    if ((rc = kb_tdbi(t, tbl, &dbi, e)))
        return rc == KB_ENOENT ? KB_OK : rc;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t->txn, dbi, &c)))
        return kb_mdb_err(e, rc, kb_table_names[tbl]);
    MDB_val k = {plen, (void *)prefix}, v;
    /* Copy each raw value out of the map before decrypting, so a fault in
     * the mapping cannot strike while the callback owns resources. */
    unsigned char kcopy[256];
    kb_buf raw = KB_BUF_INIT;
    MDB_cursor_op op = plen ? MDB_SET_RANGE : MDB_FIRST;
    for (;;) {
        size_t kl = 0;
        {
            sigjmp_buf pad_;
            sigjmp_buf *prev_ = kb_bus_arm(&pad_);
            if (KB_BUS_SETJMP(pad_)) {
                kb_bus_disarm(prev_);
                t->failed = true;
                rc = kb_bus_fail(e, NULL);
                break;
            }
            rc = mdb_cursor_get(c, &k, &v, op);
            if (rc == 0 && plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
                rc = MDB_NOTFOUND;
            if (rc == 0) {
                kl = k.mv_size < sizeof kcopy ? k.mv_size : sizeof kcopy;
                memcpy(kcopy, k.mv_data, kl);
                kb_buf_clear(&raw);
                kb_buf_append(&raw, v.mv_data, v.mv_size);
            }
            kb_bus_disarm(prev_);
        }
        op = MDB_NEXT;
        if (rc == MDB_NOTFOUND) {
            rc = KB_OK;
            break;
        }
        if (rc) {
            rc = kb_mdb_err(e, rc, kb_table_names[tbl]);
            break;
        }
        char *pt = NULL;
        size_t n = 0;
        uint64_t ver = 0;
        rc = kb_val_open(t->s, t->s->keys->k_rec, kb_table_names[tbl], kcopy, kl,
                         (unsigned char *)raw.data, raw.len, &pt, &n, &ver, e);
        if (rc == KB_OK && (rc = kb_vmap_check(t, (unsigned)tbl, kcopy, kl, ver, e)))
            kb_free(&pt);
        if (rc == KB_SHIDDEN) { /* not the board's yet */
            kb_err_clear(e);
            rc = KB_OK;
            continue;
        }
        if (rc)
            break;
        const unsigned char *lk = kcopy;
        size_t lkl = kl;
        unsigned char lbuf[256];
        if (kb_mapped(t->s, tbl) && !kb_unframe(pt, &n, &lk, &lkl, lbuf)) {
            kb_free(&pt);
            rc = kb_err_set(e, KB_EDATA, _("damaged record in table %s"), kb_table_names[tbl]);
            break;
        }
        rc = fn(ctx, lk, lkl, pt, n, ver);
        sodium_memzero(pt, n);
        kb_free(&pt);
        if (rc)
            break;
    }
    mdb_cursor_close(c);
    kb_buf_free(&raw);
    return rc;
}

/* ------------------------------------------------------------ record API */

static int kb_ss_get(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, char **out,
                     size_t *len, uint64_t *version, kb_err *e);
static int kb_ss_each(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen,
                      kb_txn_visit_fn fn, void *ctx, kb_err *e);
static int kb_ss_count(kb_txn *t, enum kb_table tbl, size_t *out, kb_err *e);

int kb_txn_get(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, char **out, size_t *len,
               uint64_t *version, kb_err *e)
{
    if (t->snap)
        return kb_ss_get(t, tbl, key, klen, out, len, version, e);
    int rc = kb_txn_usable(t, e);
    if (rc)
        return rc;
    if (tbl == KB_T_RELS && t->s->format >= 2)
        return kb_err_set(e, KB_ESOFTWARE, "get on the relation lists");
    unsigned char pk[256];
    size_t pl = kb_phys_key(t->s, tbl, key, klen, pk);
    char *pt = NULL;
    size_t n = 0;
    if ((rc = kb_get_phys(t, tbl, pk, pl, &pt, &n, version, e)))
        return rc;
    if (kb_mapped(t->s, tbl)) {
        const unsigned char *lk;
        size_t lkl;
        unsigned char lbuf[256];
        if (!kb_unframe(pt, &n, &lk, &lkl, lbuf) || lkl != klen || memcmp(lk, key, klen) != 0) {
            kb_free(&pt);
            return kb_err_set(e, KB_EDATA, _("damaged record in table %s"), kb_table_names[tbl]);
        }
    }
    *out = pt;
    if (len)
        *len = n;
    return KB_OK;
}

int kb_txn_put(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, const void *val,
               size_t vlen, uint64_t expect, uint64_t *new_version, const char *detail, kb_err *e)
{
    int rc = kb_txn_usable(t, e);
    if (rc)
        return rc;
    if (tbl == KB_T_RELS && t->s->format >= 2)
        return kb_rels_put(t, key, klen, expect, detail, e);
    if (!kb_mapped(t->s, tbl))
        return kb_put_phys(t, tbl, key, klen, val, vlen, expect, new_version, detail, e);
    unsigned char pk[256];
    size_t pl = kb_phys_key(t->s, tbl, key, klen, pk);
    kb_buf b = KB_BUF_INIT;
    kb_frame(&b, key, klen, val, vlen);
    rc = kb_put_phys(t, tbl, pk, pl, b.data, b.len, expect, new_version, detail, e);
    sodium_memzero(b.data, b.len);
    kb_buf_free(&b);
    return rc;
}

int kb_txn_del(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, uint64_t expect,
               const char *detail, kb_err *e)
{
    int rc = kb_txn_usable(t, e);
    if (rc)
        return rc;
    if (tbl == KB_T_RELS && t->s->format >= 2)
        return kb_rels_del(t, key, klen, detail, e);
    unsigned char pk[256];
    size_t pl = kb_phys_key(t->s, tbl, key, klen, pk);
    return kb_del_phys(t, tbl, pk, pl, expect, detail, e);
}

int kb_txn_each(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen, kb_txn_visit_fn fn,
                void *ctx, kb_err *e)
{
    if (t->snap)
        return kb_ss_each(t, tbl, prefix, plen, fn, ctx, e);
    int rc = kb_txn_usable(t, e);
    if (rc)
        return rc;
    if (tbl == KB_T_RELS && t->s->format >= 2) {
        if (plen < KB_KEY_LEN) {
            kb_rels_all_ctx c = {fn, ctx};
            return kb_each_phys(t, tbl, NULL, 0, kb_rels_all_visit, &c, e);
        }
        kb_rlist l;
        if ((rc = kb_rlist_load(t, prefix, &l, e)))
            return rc;
        rc = kb_rlist_emit(prefix, &l, (const unsigned char *)prefix + KB_KEY_LEN,
                           plen - KB_KEY_LEN, fn, ctx);
        kb_free(&l.e);
        return rc;
    }
    unsigned char pk[256];
    size_t pl = kb_phys_key(t->s, tbl, prefix, plen, pk);
    return kb_each_phys(t, tbl, plen ? pk : NULL, pl, fn, ctx, e);
}

int kb_txn_count(kb_txn *t, enum kb_table tbl, size_t *out, kb_err *e)
{
    if (t->snap)
        return kb_ss_count(t, tbl, out, e);
    MDB_dbi dbi;
    int rc = kb_tdbi(t, tbl, &dbi, e);
    *out = 0;
    if (rc)
        return rc == KB_ENOENT ? KB_OK : rc;
    MDB_stat st;
    if ((rc = mdb_stat(t->txn, dbi, &st)))
        return kb_mdb_err(e, rc, kb_table_names[tbl]);
    uint64_t staged = kb_stage_count(t, (unsigned)tbl); /* not the board's yet */
    *out = st.ms_entries > staged ? st.ms_entries - staged : 0;
    return KB_OK;
}

/* ------------------------------------------------------------ snapshots
 *
 * A scan that holds the board's shared lock only while it copies: the
 * sealed values (and their stored keys) of a table go into one private
 * arena in the read transaction, with each version checked against the
 * version map there; decrypting, unframing and the visitor run after the
 * transaction has ended, on up to two threads.  Errors are the ones
 * kb_txn_each would give, for the first failing record in key order. */

#define KB_SNAP_BLOCK 64 /* records a worker takes at a time */
#define KB_SNAP_THREADS 2
#define KB_SNAP_VM_ALL 256 /* from this many records the whole version map is loaded */

typedef struct kb_snap_rec {
    size_t off; /* stored key at arena + off, then the sealed value */
    size_t vlen;
    unsigned char klen;
    bool dead;   /* kb_store_snapshot: deleted after it was copied */
    bool opened; /* decrypted in place (kb_snap_early): ptlen bytes at the value + KB_VAL_HDR */
    uint32_t ptlen;
} kb_snap_rec;

/* Early opening.  While a read transaction copies a whole table
 * (kb_txn_snap), a helper thread decrypts the records copied so far in
 * place, in the arena: the arena and the record array are reserved for
 * the whole table, so they do not move while it runs (a copy that would
 * need more stops it first).  kb_snap_open then checks versions, unframes
 * and visits; a record the helper did not get to, or could not open, is
 * opened there as before (for its error, in key order).  The copy under
 * the lock takes as long as before; what came after it mostly happens
 * meanwhile. */
typedef struct kb_snap_early {
    pthread_t th;
    atomic_size_t ready; /* records copied so far (published by the copy) */
    atomic_bool stop;    /* stop at once: the copy is over or must grow */
    atomic_bool drain;   /* stop once every record copied is opened (tests) */
    size_t opened;       /* records it opened (read after the join) */
    struct kb_snap *sn;
} kb_snap_early;

struct kb_snap {
    const kb_store *s;
    enum kb_table tbl;
    kb_buf arena;
    kb_snap_rec *r;
    size_t n, cap;
    kb_snap_early *early; /* while the helper runs */
    size_t nearly;        /* records the helper opened */
    bool plain;           /* the arena holds plaintext (wiped when freed) */
    bool used;            /* opened once (the plaintext is wiped as it goes) */
    /* the version map refused record n - 1 (unless it fails to open) */
    bool vm_failed;
    kb_err vm_err;
    /* large scans: the version map, loaded in the transaction, compared
     * after it (on the threads); a bucket that did not load has its error */
    struct kb_vmap *vm;
    kb_err *vm_bucket_err; /* vm->nb entries, or NULL when all loaded */
};

static void kb_snap_early_end(kb_snap *sn, bool drain);

static void kb_snap_push(kb_snap *sn, const MDB_val *k, const MDB_val *v)
{
    size_t kl0 = k->mv_size < 255 ? k->mv_size : 255;
    if (sn->early && (sn->n == sn->cap || sn->arena.cap - sn->arena.len <= kl0 + v->mv_size))
        kb_snap_early_end(sn, false); /* the arrays move: not while the helper reads them */
    if (sn->plain)                    /* a block that held plaintext is wiped when it moves */
        kb_buf_reserve_wipe(&sn->arena, kl0 + v->mv_size);
    if (sn->n == sn->cap) {
        sn->cap = sn->cap ? sn->cap * 2 : 256;
        sn->r = kb_reallocarray(sn->r, sn->cap, sizeof *sn->r);
    }
    size_t kl = k->mv_size < 255 ? k->mv_size : 255;
    kb_snap_rec *rec = &sn->r[sn->n];
    rec->off = sn->arena.len;
    rec->klen = (unsigned char)kl;
    rec->dead = false;
    rec->opened = false;
    rec->ptlen = 0;
    rec->vlen = v->mv_size;
    kb_buf_append(&sn->arena, k->mv_data, kl);
    kb_buf_append(&sn->arena, v->mv_data, v->mv_size);
    sn->n++;
    if (sn->early && (sn->n & 31) == 0)
        atomic_store_explicit(&sn->early->ready, sn->n, memory_order_release);
}

static void *kb_snap_early_run(void *arg)
{
    kb_snap_early *x = arg;
    kb_snap *sn = x->sn;
    const char *tname = kb_table_names[sn->tbl];
    for (size_t i = 0;;) {
        if (atomic_load_explicit(&x->stop, memory_order_acquire))
            break;
        bool drain = atomic_load_explicit(&x->drain, memory_order_acquire);
        size_t ready = atomic_load_explicit(&x->ready, memory_order_acquire);
        if (i >= ready && drain)
            break;
        if (i >= ready) {
            struct timespec ts = {0, 20000}; /* 20 us: the copy is ahead in a moment */
            nanosleep(&ts, NULL);
            continue;
        }
        for (; i < ready && !atomic_load_explicit(&x->stop, memory_order_relaxed); i++) {
            kb_snap_rec *rec = &sn->r[i];
            unsigned char *key = (unsigned char *)sn->arena.data + rec->off;
            size_t n = 0;
            if (rec->vlen - KB_VAL_HDR <= UINT32_MAX &&
                kb_val_open_here(sn->s, sn->s->keys->k_rec, tname, key, rec->klen, key + rec->klen,
                                 rec->vlen, &n)) {
                rec->ptlen = (uint32_t)n;
                rec->opened = true;
                x->opened++;
            }
        }
    }
    return NULL;
}

/* Start the helper for a table of cap records reserved in the arena. */
static void kb_snap_early_start(kb_snap *sn, size_t min)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 2 || sn->cap < min || !sn->s->keys || sn->tbl == KB_T_RELS)
        return;
    kb_snap_early *x = kb_calloc(1, sizeof *x);
    x->sn = sn;
    atomic_init(&x->ready, 0);
    atomic_init(&x->stop, false);
    atomic_init(&x->drain, false);
    sn->plain = true;
    if (!kb_thread_start(&x->th, kb_snap_early_run, x)) {
        kb_free(&x);
        return;
    }
    sn->early = x;
}

/* Stop the helper (drain: once it opened every record copied). */
static void kb_snap_early_end(kb_snap *sn, bool drain)
{
    kb_snap_early *x = sn->early;
    if (!x)
        return;
    atomic_store_explicit(drain ? &x->drain : &x->stop, true, memory_order_release);
    pthread_join(x->th, NULL);
    sn->nearly += x->opened;
    kb_free(&sn->early);
}

size_t kb_snap_early_count(const kb_snap *sn)
{
    return sn ? sn->nearly : 0;
}

/* A whole table: room for all of it at once (its pages hold at most that
 * much), with the pages of the arena made present in one call instead of
 * one page fault each. */
/* mdb_stat of table dbi in t, believed only as far as the file goes: a
 * damaged branch page can claim any number of pages and entries, and a
 * reservation of that size would fail (KB_EDATA then; the copy grows as
 * it goes, and the walk names the damage). */
static int kb_stat_sane(kb_txn *t, MDB_dbi dbi, MDB_stat *st)
{
    MDB_envinfo info;
    if (mdb_stat(t->txn, dbi, st) != 0 || mdb_env_info(t->env, &info) != 0)
        return KB_EDATA;
    uint64_t pages = (uint64_t)info.me_last_pgno + 1;
    if ((uint64_t)st->ms_leaf_pages + st->ms_overflow_pages + st->ms_branch_pages > pages ||
        st->ms_entries > pages * (st->ms_psize / 8))
        return KB_EDATA;
    return KB_OK;
}

static void kb_snap_reserve(kb_snap *sn, const MDB_stat *st)
{
    size_t pages = st->ms_leaf_pages + st->ms_overflow_pages;
    if (!st->ms_entries || pages > SIZE_MAX / 2 / st->ms_psize)
        return;
    sn->cap = st->ms_entries;
    if (sn->s->hooks.snap_short) /* tests: the copy outgrows it (the early helper stops) */
        sn->cap = sn->cap / 2 + 1;
    sn->r = kb_reallocarray(NULL, sn->cap, sizeof *sn->r);
    size_t bytes = pages * st->ms_psize;
    kb_buf_reserve(&sn->arena, bytes);
#ifdef MADV_POPULATE_WRITE
    uintptr_t lo = ((uintptr_t)sn->arena.data + 4095) & ~(uintptr_t)4095;
    uintptr_t hi = ((uintptr_t)sn->arena.data + bytes) & ~(uintptr_t)4095;
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#endif
}

/* The range of the map a read transaction has touched, and a call that
 * unmaps it (the pages stay in the page cache; a later access maps them
 * again).  A scan copies a table's pages once, but every page fault also
 * maps the cached pages around it (the kernel's fault-around, 64 KiB),
 * which on a board whose tables are interleaved in the file is most of the
 * file: without this a 100k-case scan had ~600 MB of the file in its
 * resident set.  LMDB does not tell where its map is (me_mapaddr is set
 * only with MDB_FIXEDMAP), so the range is that of the pointers it gave
 * out, rounded to whole pages: every byte of it lies in the one map. */

typedef struct kb_maprange {
    uintptr_t lo, hi;
} kb_maprange;

static void kb_maprange_add(kb_maprange *m, const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p, b = a + n;
    if (!m->lo || a < m->lo)
        m->lo = a;
    if (b > m->hi)
        m->hi = b;
}

static void kb_maprange_drop(kb_maprange *m, const kb_txn *t)
{
    long pg = sysconf(_SC_PAGESIZE);
    if (t->write || !m->lo || pg <= 0) /* a write transaction's pages may be its own */
        return;
    uintptr_t lo = m->lo & ~((uintptr_t)pg - 1);
    uintptr_t hi = (m->hi + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
    /* a read-only shared file mapping: the contents stay the file's */
    if (madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0)
        t->s->hooks.snap_drops++;
    m->lo = m->hi = 0;
}

/* How much of the file a scan has mapped: the resident shared pages of the
 * process (/proc/self/statm; file pages, the map's among them), in bytes;
 * -1 when unknown. */
static long kb_file_resident(void)
{
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    unsigned long size, res, shared;
    long pg = sysconf(_SC_PAGESIZE);
    if (n <= 0 || pg <= 0)
        return -1;
    buf[n] = '\0';
    if (sscanf(buf, "%lu %lu %lu", &size, &res, &shared) != 3 ||
        shared > (unsigned long)LONG_MAX / (unsigned long)pg)
        return -1;
    return (long)shared * pg;
}

/* The map is unmapped when the file pages mapped since the scan began pass
 * hooks.snap_slack (looked at every hooks.snap_look bytes copied).  How much a
 * page fault maps depends on the page cache: a few pages around it when
 * the file was read in small pieces, a whole large folio (up to MiBs) when
 * it was written or read ahead lately, where a 100k-case scan mapped 700 MB
 * of the file; dropping unconditionally cost the first kind 40% more time
 * in page faults.  Without /proc: every KB_SNAP_DROP bytes.  (Tests lower
 * both to run the unmapping on a small board.) */
#define KB_SNAP_DROP ((size_t)4 << 20)

/* The cursor walk under the SIGBUS pad; all its state lives in *sn. */
static int kb_snap_copy(kb_txn *t, MDB_cursor *c, const void *prefix, size_t plen, kb_snap *sn,
                        kb_err *e)
{
    int rc;
    KB_ARM_OR_FAIL(t, e);
    MDB_val k = {plen, (void *)prefix}, v;
    MDB_cursor_op op = plen ? MDB_SET_RANGE : MDB_FIRST;
    size_t looked = sn->arena.len;
    kb_maprange m = {0, 0};
    long base = kb_file_resident();
    bool dropped = false;
    bool staged = kb_stage_any(t) && !t->stage;
    while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)) {
            rc = MDB_NOTFOUND;
            break;
        }
        /* not the board's yet (stage.c): listed in table stage at its
         * version, and the map lacks it (asked only for a listed one) */
        uint64_t sv, ver = kb_val_version(v.mv_data, v.mv_size);
        kb_err he;
        if (staged && kb_stage_find(t, (unsigned)sn->tbl, k.mv_data, k.mv_size, &sv) == KB_OK &&
            sv == ver) {
            int vr = kb_vmap_check(t, (unsigned)sn->tbl, k.mv_data, k.mv_size, ver, &he);
            if (t->failed) { /* a fault in the map: the transaction is over */
                rc = EIO;
                break;
            }
            if (vr == KB_SHIDDEN)
                continue;
        }
        kb_snap_push(sn, &k, &v);
        kb_maprange_add(&m, k.mv_data, k.mv_size);
        kb_maprange_add(&m, v.mv_data, v.mv_size);
        if (sn->arena.len - looked >= (base < 0 ? KB_SNAP_DROP : t->s->hooks.snap_look)) {
            looked = sn->arena.len;
            if (base < 0 || kb_file_resident() - base > t->s->hooks.snap_slack) {
                kb_maprange_drop(&m, t);
                dropped = true;
            }
        }
    }
    if (dropped)
        kb_maprange_drop(&m, t);
    KB_DISARM();
    if (rc == MDB_NOTFOUND)
        return KB_OK;
    return kb_mdb_err(e, rc, kb_table_names[sn->tbl]);
}

static int kb_ss_snap(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen, kb_snap **out,
                      kb_err *e);

int kb_txn_snap(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen, kb_snap **out,
                kb_err *e)
{
    *out = NULL;
    if (t->snap)
        return kb_ss_snap(t, tbl, prefix, plen, out, e);
    int rc = kb_txn_usable(t, e);
    if (rc)
        return rc;
    if (tbl == KB_T_RELS && t->s->format >= 2)
        return kb_err_set(e, KB_ESOFTWARE, "snapshot of the relation lists");
    kb_snap *sn = kb_calloc(1, sizeof *sn);
    sn->s = t->s;
    sn->tbl = tbl;
    MDB_dbi dbi;
    if ((rc = kb_tdbi(t, tbl, &dbi, e))) {
        if (rc == KB_ENOENT) {
            *out = sn;
            return KB_OK;
        }
        kb_snap_free(&sn);
        return rc;
    }
    unsigned char pk[256];
    size_t pl = kb_phys_key(t->s, tbl, prefix, plen, pk);
    MDB_stat st;
    if (!plen && kb_stat_sane(t, dbi, &st) == KB_OK) {
        kb_snap_reserve(sn, &st);
        if (sn->cap && sn->arena.cap >= (st.ms_leaf_pages + st.ms_overflow_pages) * st.ms_psize)
            kb_snap_early_start(sn, t->s->hooks.snap_early_min);
    }
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t->txn, dbi, &c))) {
        kb_snap_free(&sn);
        return kb_mdb_err(e, rc, kb_table_names[tbl]);
    }
    rc = kb_snap_copy(t, c, pl ? pk : NULL, pl, sn, e);
    mdb_cursor_close(c);
    if (sn->early) /* the rest: the helper goes on while the map loads */
        atomic_store_explicit(&sn->early->ready, sn->n, memory_order_release);
    /* versions: the plaintext (authenticated) header, against the version
     * map of this transaction.  A large scan loads every bucket here and
     * compares on the threads after the lock; a small one compares here.
     * Either way a refusal is reported in key order by kb_snap_open. */
    kb_err re;
    kb_err_clear(&re);
    /* (a root that does not open: the first record's check says so) */
    if (rc == KB_OK && sn->n >= KB_SNAP_VM_ALL && t->s->format >= 2 && !t->vm_off &&
        kb_vmap_root(t, &re) == KB_OK) {
        for (size_t b = 0; b < t->vm->nb; b++) {
            kb_vbucket *bk;
            kb_err be;
            kb_err_clear(&be);
            int br = kb_vmap_bucket(t, b, &bk, &be);
            if (br && t->failed) { /* a fault in the map: the transaction is over */
                if (e)
                    *e = be;
                rc = br;
                break;
            }
            if (br) {
                if (!sn->vm_bucket_err)
                    sn->vm_bucket_err = kb_calloc(t->vm->nb, sizeof *sn->vm_bucket_err);
                sn->vm_bucket_err[b] = be;
                sn->vm_bucket_err[b].code = br;
            }
        }
        sn->vm = t->vm;
        t->vm = NULL;
    }
    kb_snap_early_end(sn, t->s->hooks.snap_early_drain); /* (kb_snap_free stops it too) */
    for (size_t i = 0; rc == KB_OK && !sn->vm && i < sn->n; i++) {
        const unsigned char *p = (const unsigned char *)sn->arena.data + sn->r[i].off;
        uint64_t ver = kb_val_version(p + sn->r[i].klen, sn->r[i].vlen);
        int vr = kb_vmap_check(t, (unsigned)tbl, p, sn->r[i].klen, ver, &sn->vm_err);
        if (vr) {
            sn->vm_err.code = vr;
            sn->vm_failed = true;
            sn->n = i + 1;
        }
    }
    if (rc) {
        kb_snap_free(&sn);
        return rc;
    }
    *out = sn;
    return KB_OK;
}

size_t kb_snap_count(const kb_snap *sn)
{
    return sn ? sn->n : 0;
}

size_t kb_snap_bytes(const kb_snap *sn)
{
    return sn ? sn->arena.cap + sn->cap * sizeof *sn->r : 0;
}

void kb_snap_free(kb_snap **sn)
{
    if (!sn || !*sn)
        return;
    kb_snap_early_end(*sn, false);
    if ((*sn)->plain && (*sn)->arena.data)
        sodium_memzero((*sn)->arena.data, (*sn)->arena.len);
    kb_buf_free(&(*sn)->arena);
    kb_free(&(*sn)->r);
    kb_vmap_release(&(*sn)->vm);
    kb_free(&(*sn)->vm_bucket_err);
    kb_free(sn);
}

typedef struct kb_snap_run {
    kb_snap *sn;
    kb_snap_visit_fn fn;
    void *ctx;
    atomic_size_t next; /* next block to take */
    atomic_size_t fail; /* lowest failing index so far (n = none) */
    pthread_mutex_t mu;
    kb_err err; /* the error of index fail */
} kb_snap_run;

static void kb_snap_failed(kb_snap_run *run, size_t i, const kb_err *e)
{
    pthread_mutex_lock(&run->mu);
    if (i < atomic_load(&run->fail)) {
        atomic_store(&run->fail, i);
        run->err = *e;
    }
    pthread_mutex_unlock(&run->mu);
}

/* A record's plaintext: its own allocation, or (here) in the arena. */
static void kb_snap_pt_free(bool here, char **pt)
{
    if (here)
        *pt = NULL;
    else
        kb_free(pt);
}

/* One record: open, check, unframe, visit. */
static int kb_snap_one(kb_snap_run *run, size_t i, kb_err *e)
{
    kb_snap *sn = run->sn;
    const kb_snap_rec *rec = &sn->r[i];
    const unsigned char *key = (const unsigned char *)sn->arena.data + rec->off;
    const char *tname = kb_table_names[sn->tbl];
    char *pt = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    int rc = KB_OK;
    bool here = rec->opened; /* decrypted in place by the early helper */
    if (here) {
        pt = (char *)key + rec->klen + KB_VAL_HDR;
        n = rec->ptlen;
        ver = kb_val_version(key + rec->klen, rec->vlen);
    } else if ((rc = kb_val_open(sn->s, sn->s->keys->k_rec, tname, key, rec->klen, key + rec->klen,
                                 rec->vlen, &pt, &n, &ver, e))) {
        return rc;
    }
    const size_t n0 = n; /* what to wipe */
    if (sn->vm_failed && i + 1 == sn->n) {
        sodium_memzero(pt, n);
        kb_snap_pt_free(here, &pt);
        *e = sn->vm_err;
        return e->code ? e->code : KB_EDATA;
    }
    if (sn->vm) { /* as kb_vmap_check, on the map loaded in the transaction */
        unsigned char d[KB_KEY_LEN];
        kb_vm_digest(sn->s, (unsigned)sn->tbl, key, rec->klen, d);
        size_t b = kb_vm_index(sn->vm, d);
        const kb_vbucket *bk = kb_vm_bk(sn->vm, b);
        rc = KB_OK;
        if (sn->vm_bucket_err && sn->vm_bucket_err[b].code) {
            *e = sn->vm_bucket_err[b];
            rc = e->code;
        } else {
            long at = kb_vm_find(bk, d);
            uint64_t want = at >= 0 ? kb_get_u64be(bk->e + (size_t)at * KB_VM_ENT + KB_KEY_LEN) : 0;
            if (want != ver || want == 0)
                rc = kb_vm_refuse(e, (unsigned)sn->tbl, key, rec->klen, ver, want);
        }
        if (rc) {
            sodium_memzero(pt, n);
            kb_snap_pt_free(here, &pt);
            return rc;
        }
    }
    const unsigned char *lk = key;
    size_t lkl = rec->klen;
    unsigned char lbuf[256];
    if (kb_mapped(sn->s, sn->tbl) && !kb_unframe(pt, &n, &lk, &lkl, lbuf)) {
        sodium_memzero(pt, n0);
        kb_snap_pt_free(here, &pt);
        return kb_err_set(e, KB_EDATA, _("damaged record in table %s"), tname);
    }
    kb_err_clear(e);
    rc = run->fn(run->ctx, i, lk, lkl, pt, n, ver);
    if (rc)
        e->code = rc;
    sodium_memzero(pt, n0);
    kb_snap_pt_free(here, &pt);
    return rc;
}

static void *kb_snap_worker(void *arg)
{
    kb_snap_run *run = arg;
    size_t n = run->sn->n;
    kb_err e;
    for (;;) {
        size_t lo = atomic_fetch_add(&run->next, 1) * KB_SNAP_BLOCK;
        if (lo >= n || lo >= atomic_load(&run->fail))
            break;
        size_t hi = lo + KB_SNAP_BLOCK < n ? lo + KB_SNAP_BLOCK : n;
        for (size_t i = lo; i < hi && i < atomic_load(&run->fail); i++) {
            kb_err_clear(&e);
            if (kb_snap_one(run, i, &e)) {
                kb_snap_failed(run, i, &e);
                break;
            }
        }
    }
    return NULL;
}

int kb_snap_open(kb_snap *sn, kb_snap_visit_fn fn, void *ctx, kb_err *e)
{
    if (sn->used) /* its plaintext was wiped as it was visited */
        return kb_err_set(e, KB_ESOFTWARE, "a snapshot opened twice");
    sn->used = true;
    if (!sn->n)
        return KB_OK;
    if (!sn->s->keys)
        return kb_err_set(e, KB_EPERM, _("the board is locked"));
    kb_snap_run run = {.sn = sn, .fn = fn, .ctx = ctx};
    atomic_init(&run.next, 0);
    atomic_init(&run.fail, sn->n);
    kb_err_clear(&run.err);
    pthread_mutex_init(&run.mu, NULL);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    bool two = cpus > 1 && sn->n > KB_SNAP_BLOCK;
    pthread_t th;
    if (two) {
        /* (asynchronous signals stay with this thread) */
        two = kb_thread_start(&th, kb_snap_worker, &run);
    }
    kb_snap_worker(&run);
    if (two)
        pthread_join(th, NULL);
    pthread_mutex_destroy(&run.mu);
    if (atomic_load(&run.fail) == sn->n) {
        sn->plain = false; /* every record was visited, and its plaintext wiped */
        return KB_OK;
    }
    int rc = run.err.code ? run.err.code : KB_EDATA;
    if (e) {
        *e = run.err;
        e->code = rc;
    }
    return rc;
}

/* ------------------------------------------------------------ snapshots of several tables
 *
 * kb_store_snapshot: the state of whole tables at one audit seq, without
 * holding the board lock longer than it takes to copy a bounded chunk.
 * Like verify (verify.c): every read transaction copies
 *   - the audit entries appended since the last one copied (sealed; at
 *     most a chunk), and
 *   - the next chunk of the walk over the tables (sealed records in key
 *     order, each version checked against that transaction's version map),
 * and is released; the audit entries are opened after it.  The newest
 * entry of each record they name says whether the record changed after
 * its copy (the seq of the transaction that copied it).  Once the walk is
 * done, a transaction whose tail is complete and small (opened in it)
 * looks up every record changed after its copy (at most a chunk; more are
 * copied in transactions of their own first, and the loop starts again):
 * then every copy is the record as of that transaction's seq, or its
 * absence, which is the state of the board at that one seq. */

#define KB_SS_CHUNK 16384              /* records per read transaction (default) */
#define KB_SS_BYTES ((size_t)16 << 20) /* bytes of values per read transaction */
#define KB_SS_SMALL 256                /* a tail this small is opened in the last transaction */

/* One table of the snapshot: sn->r[0 .. sorted) came from the walk (key
 * order); records created after their range was walked follow. */
typedef struct kb_sstab {
    bool want, taken;
    kb_snap *sn;
    uint64_t *at; /* seq each record was copied at (as sn->r) */
    size_t atcap;
    size_t sorted;
    bool dead; /* some record was deleted after its copy */
} kb_sstab;

/* A record named by an audit entry after the first transaction. */
typedef struct kb_ssrec {
    size_t koff; /* stored key in kb_snapset.keys */
    unsigned char table, klen;
    bool pending; /* it changed after its copy (or has none yet) */
    size_t rec;   /* index + 1 in its table when it was copied by a lookup */
    uint64_t seq; /* its newest entry */
} kb_ssrec;

struct kb_snapset { /* (typedef above) */
    kb_sstab tab[KB_T_COUNT_];
    unsigned cur; /* table the walk is in (KB_T_COUNT_: done) */
    kb_buf last;  /* key the walk copied last in it (empty: from its first) */
    bool started; /* the walk's table has its room reserved */
    bool reserve; /* a large table: reserve its room (st) after the transaction */
    MDB_stat st;
    uint64_t seen; /* audit entries up to this seq are copied */
    bool tail_more;
    kb_buf araw; /* audit entries copied last: seq key (8) | value */
    size_t *aoff, naud, capaud;
    kb_ssrec *d; /* records changed meanwhile (open addressing in ix) */
    size_t nd, capd;
    uint32_t *ix;
    size_t icap;
    kb_buf keys;
    size_t *pend; /* kb_ssrec indices with pending set */
    size_t npend, cappend;
};

static void kb_ss_free(kb_snapset **ssp)
{
    kb_snapset *ss = *ssp;
    if (!ss)
        return;
    for (int i = 0; i < KB_T_COUNT_; i++) {
        kb_snap_free(&ss->tab[i].sn);
        kb_free(&ss->tab[i].at);
    }
    kb_buf_free(&ss->last);
    kb_buf_free(&ss->araw);
    kb_free(&ss->aoff);
    kb_free(&ss->d);
    kb_free(&ss->ix);
    kb_buf_free(&ss->keys);
    kb_free(&ss->pend);
    kb_free(ssp);
}

/* LMDB's default key order: bytes, then the shorter first. */
static int kb_ss_keycmp(const unsigned char *a, size_t al, const unsigned char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

#define KB_SS_KEY(sn, i) ((const unsigned char *)(sn)->arena.data + (sn)->r[i].off)

/* The first walked record whose key is not below k. */
static size_t kb_ss_lower(const kb_snap *sn, size_t n, const unsigned char *k, size_t kl)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (kb_ss_keycmp(KB_SS_KEY(sn, mid), sn->r[mid].klen, k, kl) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Append a copy of record (k, v) to table tb, copied at seq; its index. */
static size_t kb_ss_push(kb_sstab *tb, const MDB_val *k, const MDB_val *v, uint64_t seq)
{
    kb_snap_push(tb->sn, k, v);
    if (tb->atcap < tb->sn->cap) {
        tb->atcap = tb->sn->cap;
        tb->at = kb_reallocarray(tb->at, tb->atcap, sizeof *tb->at);
    }
    size_t i = tb->sn->n - 1;
    tb->at[i] = seq;
    tb->sn->r[i].dead = false;
    return i;
}

/* ---- the records named by the audit entries */

static uint64_t kb_ss_hash(unsigned table, const unsigned char *key, size_t klen)
{
    uint64_t h = 1469598103934665603ULL ^ table;
    for (size_t i = 0; i < klen; i++) {
        h ^= key[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static void kb_ss_grow(kb_snapset *ss)
{
    size_t ncap = ss->icap ? ss->icap * 2 : 1024;
    kb_free(&ss->ix);
    ss->ix = kb_calloc(ncap, sizeof *ss->ix);
    ss->icap = ncap;
    for (size_t j = 0; j < ss->nd; j++) {
        const kb_ssrec *r = &ss->d[j];
        size_t i = (size_t)kb_ss_hash(r->table, (unsigned char *)ss->keys.data + r->koff, r->klen) &
                   (ncap - 1);
        while (ss->ix[i])
            i = (i + 1) & (ncap - 1);
        ss->ix[i] = (uint32_t)(j + 1);
    }
}

/* An audit entry of seq for (table, stored key): the record is pending. */
static void kb_ss_note(kb_snapset *ss, unsigned table, const unsigned char *key, size_t klen,
                       uint64_t seq)
{
    if ((ss->nd + 1) * 4 > ss->icap * 3)
        kb_ss_grow(ss);
    size_t i = (size_t)kb_ss_hash(table, key, klen) & (ss->icap - 1);
    kb_ssrec *r = NULL;
    for (;; i = (i + 1) & (ss->icap - 1)) {
        uint32_t x = ss->ix[i];
        if (!x)
            break;
        kb_ssrec *c = &ss->d[x - 1];
        if (c->table == table && c->klen == klen &&
            memcmp((unsigned char *)ss->keys.data + c->koff, key, klen) == 0) {
            r = c;
            break;
        }
    }
    if (!r) {
        if (ss->nd == ss->capd) {
            ss->capd = ss->capd ? ss->capd * 2 : 256;
            ss->d = kb_reallocarray(ss->d, ss->capd, sizeof *ss->d);
        }
        r = &ss->d[ss->nd];
        memset(r, 0, sizeof *r);
        r->table = (unsigned char)table;
        r->klen = (unsigned char)klen;
        r->koff = ss->keys.len;
        kb_buf_append(&ss->keys, key, klen);
        ss->ix[i] = (uint32_t)(++ss->nd);
    }
    r->seq = seq;
    if (!r->pending) {
        r->pending = true;
        if (ss->npend == ss->cappend) {
            ss->cappend = ss->cappend ? ss->cappend * 2 : 256;
            ss->pend = kb_reallocarray(ss->pend, ss->cappend, sizeof *ss->pend);
        }
        ss->pend[ss->npend++] = (size_t)(r - ss->d);
    }
}

/* Where the snapshot holds record r (its index), or SIZE_MAX. */
static size_t kb_ss_find(const kb_snapset *ss, const kb_ssrec *r)
{
    const kb_sstab *tb = &ss->tab[r->table];
    if (r->rec)
        return r->rec - 1;
    const unsigned char *k = (const unsigned char *)ss->keys.data + r->koff;
    size_t i = kb_ss_lower(tb->sn, tb->sorted, k, r->klen);
    if (i < tb->sorted && kb_ss_keycmp(KB_SS_KEY(tb->sn, i), tb->sn->r[i].klen, k, r->klen) == 0)
        return i;
    return SIZE_MAX;
}

/* Drop the pending records whose copy is already as new as their newest
 * entry (copied by the walk after they changed); the rest need a lookup
 * once the walk has passed them. */
static void kb_ss_settle(kb_snapset *ss)
{
    size_t k = 0;
    for (size_t j = 0; j < ss->npend; j++) {
        kb_ssrec *r = &ss->d[ss->pend[j]];
        size_t i = kb_ss_find(ss, r);
        if (i != SIZE_MAX && ss->tab[r->table].at[i] >= r->seq)
            r->pending = false;
        else
            ss->pend[k++] = ss->pend[j];
    }
    ss->npend = k;
}

/* ---- copying, in a read transaction */

/* The audit entries after ss->seen (at most a chunk), under the pad. */
static int kb_ss_copy_tail(kb_snapset *ss, kb_txn *t, MDB_cursor *c, kb_err *e)
{
    KB_ARM_OR_FAIL(t, e);
    unsigned char k8[8];
    kb_put_u64be(k8, ss->seen + 1);
    MDB_val k = {8, k8}, v;
    int r;
    for (r = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); r == 0;
         r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (ss->naud >= t->s->snap_chunk || ss->araw.len >= KB_SS_BYTES) {
            ss->tail_more = true;
            break;
        }
        if (k.mv_size != 8)
            continue; /* (opened below: "malformed") */
        if (ss->naud == ss->capaud) {
            ss->capaud = ss->capaud ? ss->capaud * 2 : 256;
            ss->aoff = kb_reallocarray(ss->aoff, ss->capaud + 1, sizeof *ss->aoff);
        }
        ss->aoff[ss->naud++] = ss->araw.len;
        kb_buf_append(&ss->araw, k.mv_data, 8);
        kb_buf_append(&ss->araw, v.mv_data, v.mv_size);
    }
    KB_DISARM();
    if (r != 0 && r != MDB_NOTFOUND && !ss->tail_more)
        return kb_mdb_err(e, r, KB_DB_AUDIT);
    return KB_OK;
}

static int kb_ss_tail(kb_snapset *ss, kb_txn *t, kb_err *e)
{
    kb_buf_clear(&ss->araw);
    ss->naud = 0;
    ss->tail_more = false;
    int rc = kb_audit_dbi(t, e);
    if (rc)
        return rc == KB_ENOENT ? KB_OK : rc;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t->txn, t->dbi_audit, &c)))
        return kb_mdb_err(e, rc, KB_DB_AUDIT);
    rc = kb_ss_copy_tail(ss, t, c, e);
    mdb_cursor_close(c);
    return rc;
}

/* Open the audit entries copied last and note the records they name. */
static int kb_ss_open_tail(kb_snapset *ss, const kb_store *s, kb_err *e)
{
    for (size_t i = 0; i < ss->naud; i++) {
        size_t end = i + 1 < ss->naud ? ss->aoff[i + 1] : ss->araw.len;
        unsigned char *p = (unsigned char *)ss->araw.data + ss->aoff[i];
        MDB_val k = {8, p}, v = {end - ss->aoff[i] - 8, p + 8};
        kb_entry en;
        char *pt = NULL;
        int rc = kb_audit_open(s, &k, &v, &en, &pt, NULL);
        if (rc == KB_OK && en.seq != ss->seen + 1)
            rc = KB_EDATA;
        if (rc) {
            kb_free(&pt);
            return kb_err_damage(e,
                                 _("the audit log is damaged after entry %llu; run 'kernboard "
                                   "verify'"),
                                 (unsigned long long)ss->seen);
        }
        ss->seen = en.seq;
        if (strcmp(en.action, KB_ACTION_IMPORT_FINISH) == 0) {
            /* a staged import became the board's: its records were left
             * out of the copies and are not named again (stage.c) */
            kb_free(&pt);
            return KB_SRESTART;
        }
        if (en.table < KB_T_COUNT_ && ss->tab[en.table].want)
            kb_ss_note(ss, en.table, en.key, en.klen, en.seq);
        kb_free(&pt);
    }
    ss->naud = 0;
    kb_buf_clear(&ss->araw);
    return KB_OK;
}

/* Record (k, v) of table tbl as this transaction holds it, checked
 * against its version map. */
static int kb_ss_check(kb_txn *t, enum kb_table tbl, const MDB_val *k, const MDB_val *v, kb_err *e)
{
    return kb_vmap_check(t, (unsigned)tbl, k->mv_data, k->mv_size,
                         kb_val_version(v->mv_data, v->mv_size), e);
}

/* The walk's next records of its table, under the pad; *left counts down
 * the records this transaction may still copy. */
static int kb_ss_copy_walk(kb_snapset *ss, kb_txn *t, MDB_cursor *c, uint64_t seq, size_t *left,
                           size_t bytes, bool *ended, kb_err *e)
{
    kb_sstab *tb = &ss->tab[ss->cur];
    size_t start = tb->sn->arena.len; /* bytes: copied before in this transaction */
    KB_ARM_OR_FAIL(t, e);
    MDB_val k, v;
    int r;
    if (!ss->last.len) {
        r = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    } else {
        k.mv_size = ss->last.len;
        k.mv_data = ss->last.data;
        r = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        if (r == 0 &&
            kb_ss_keycmp(k.mv_data, k.mv_size, (unsigned char *)ss->last.data, ss->last.len) == 0)
            r = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    int rc = KB_OK;
    *ended = true;
    for (; r == 0; r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (!*left || bytes + (tb->sn->arena.len - start) >= KB_SS_BYTES) {
            *ended = false;
            break;
        }
        if ((rc = kb_ss_check(t, (enum kb_table)ss->cur, &k, &v, e)) == KB_SHIDDEN) {
            rc = KB_OK; /* not the board's yet (stage.c) */
            kb_err_clear(e);
        } else if (rc) {
            break;
        } else {
            kb_ss_push(tb, &k, &v, seq);
        }
        tb->sorted = tb->sn->n;
        (*left)--;
        kb_buf_clear(&ss->last);
        kb_buf_append(&ss->last, k.mv_data, k.mv_size);
    }
    KB_DISARM();
    if (rc)
        return rc;
    if (r != 0 && r != MDB_NOTFOUND && *ended)
        return kb_mdb_err(e, r, kb_table_names[ss->cur]);
    return KB_OK;
}

static int kb_ss_walk(kb_snapset *ss, kb_txn *t, uint64_t seq, kb_err *e)
{
    size_t left = t->s->snap_chunk;
    size_t bytes = 0;
    while (ss->cur < KB_T_COUNT_ && left && bytes < KB_SS_BYTES) {
        kb_sstab *tb = &ss->tab[ss->cur];
        MDB_dbi dbi;
        int rc = tb->want ? kb_tdbi(t, (enum kb_table)ss->cur, &dbi, e) : KB_ENOENT;
        bool ended = true;
        if (rc && rc != KB_ENOENT)
            return rc;
        if (rc == KB_OK && !ss->started) {
            /* room for the whole table at once; a large table's (its pages
             * made present: tens of ms at 100k cases) after the lock */
            ss->started = true;
            if (kb_stat_sane(t, dbi, &ss->st) == KB_OK) {
                if ((ss->st.ms_leaf_pages + ss->st.ms_overflow_pages) * ss->st.ms_psize <=
                    KB_SS_BYTES) {
                    kb_snap_reserve(tb->sn, &ss->st);
                } else {
                    ss->reserve = true;
                    return KB_OK;
                }
            }
        }
        if (rc == KB_OK) {
            MDB_cursor *c;
            if ((rc = mdb_cursor_open(t->txn, dbi, &c)))
                return kb_mdb_err(e, rc, kb_table_names[ss->cur]);
            size_t before = tb->sn->arena.len;
            rc = kb_ss_copy_walk(ss, t, c, seq, &left, bytes, &ended, e);
            mdb_cursor_close(c);
            if (rc)
                return rc;
            bytes += tb->sn->arena.len - before;
        }
        if (ended) {
            ss->cur++;
            ss->started = false;
            kb_buf_clear(&ss->last);
        }
    }
    return KB_OK;
}

/* Look up pending records (at most a chunk) as of this transaction. */
static int kb_ss_copy_lookups(kb_snapset *ss, kb_txn *t, uint64_t seq, size_t *done, kb_err *e)
{
    KB_ARM_OR_FAIL(t, e);
    size_t bytes = 0, n = 0;
    int rc = KB_OK;
    for (; n < ss->npend && n < t->s->snap_chunk && bytes < KB_SS_BYTES; n++) {
        kb_ssrec *r = &ss->d[ss->pend[n]];
        kb_sstab *tb = &ss->tab[r->table];
        MDB_dbi dbi;
        MDB_val k = {r->klen, (unsigned char *)ss->keys.data + r->koff}, v;
        int g = MDB_NOTFOUND;
        rc = kb_tdbi(t, (enum kb_table)r->table, &dbi, e);
        if (rc == KB_OK)
            g = mdb_get(t->txn, dbi, &k, &v);
        else if (rc != KB_ENOENT)
            break;
        rc = KB_OK;
        if (g != 0 && g != MDB_NOTFOUND) {
            rc = kb_mdb_err(e, g, kb_table_names[r->table]);
            break;
        }
        if (g == 0 && (rc = kb_ss_check(t, (enum kb_table)r->table, &k, &v, e)) == KB_SHIDDEN) {
            rc = KB_OK; /* not the board's yet (stage.c): as if not there */
            kb_err_clear(e);
            g = MDB_NOTFOUND;
        }
        if (rc)
            break;
        size_t i = kb_ss_find(ss, r);
        if (g == 0 && i == SIZE_MAX) { /* made after its range was walked */
            r->rec = kb_ss_push(tb, &k, &v, seq) + 1;
        } else if (g == 0) { /* changed: the new value replaces the copy */
            kb_snap_rec *x = &tb->sn->r[i];
            x->off = tb->sn->arena.len;
            x->vlen = v.mv_size;
            x->dead = false;
            kb_buf_append(&tb->sn->arena, k.mv_data, x->klen);
            kb_buf_append(&tb->sn->arena, v.mv_data, v.mv_size);
            tb->at[i] = seq;
        } else if (i != SIZE_MAX) { /* deleted */
            tb->sn->r[i].dead = true;
            tb->at[i] = seq;
            tb->dead = true;
        }
        bytes += g == 0 ? v.mv_size : 0;
        r->pending = false;
    }
    KB_DISARM();
    *done = n;
    return rc;
}

static int kb_ss_lookups(kb_snapset *ss, kb_txn *t, uint64_t seq, kb_err *e)
{
    size_t done = 0;
    int rc = kb_ss_copy_lookups(ss, t, seq, &done, e);
    if (rc == KB_OK && done) {
        memmove(ss->pend, ss->pend + done, (ss->npend - done) * sizeof *ss->pend);
        ss->npend -= done;
    }
    return rc;
}

/* ---- the result */

typedef struct kb_ss_ins {
    const unsigned char *k;
    kb_snap_rec r;
} kb_ss_ins;

static int kb_ss_ins_cmp(const void *a, const void *b)
{
    const kb_ss_ins *x = a, *y = b;
    return kb_ss_keycmp(x->k, x->r.klen, y->k, y->r.klen);
}

/* Records in key order, the deleted ones gone. */
static void kb_ss_finish_table(kb_sstab *tb)
{
    kb_snap *sn = tb->sn;
    size_t extra = sn->n - tb->sorted;
    if (!extra && !tb->dead)
        return;
    kb_ss_ins *ins = kb_calloc(extra ? extra : 1, sizeof *ins);
    size_t ni = 0;
    for (size_t i = tb->sorted; i < sn->n; i++)
        if (!sn->r[i].dead)
            ins[ni++] = (kb_ss_ins){KB_SS_KEY(sn, i), sn->r[i]};
    kb_sort(ins, ni, sizeof *ins, kb_ss_ins_cmp);
    kb_snap_rec *out = kb_calloc(sn->n ? sn->n : 1, sizeof *out);
    size_t n = 0, a = 0, b = 0;
    while (a < tb->sorted || b < ni) {
        if (a < tb->sorted && sn->r[a].dead) {
            a++;
            continue;
        }
        bool take_a = b >= ni || (a < tb->sorted && kb_ss_keycmp(KB_SS_KEY(sn, a), sn->r[a].klen,
                                                                 ins[b].k, ins[b].r.klen) < 0);
        out[n++] = take_a ? sn->r[a++] : ins[b++].r;
    }
    kb_free(&ins);
    kb_free(&sn->r);
    sn->r = out;
    sn->cap = sn->n ? sn->n : 1;
    sn->n = n;
    tb->sorted = n;
    tb->dead = false;
}

/* Begin one read transaction of the snapshot; the hook runs before every
 * one but the first. */
static int kb_ss_begin(kb_store *s, bool first, kb_txn **t, uint64_t *seq, kb_err *e)
{
    if (!first && s->snap_between)
        s->snap_between(s->snap_ctx);
    int rc = kb_txn_begin(s, false, false, t, e);
    if (rc)
        return rc;
    *seq = kb_txn_audit_seq(*t);
    return KB_OK;
}

static int kb_store_snapshot_once(kb_store *s, const enum kb_table *tables, size_t ntables,
                                  kb_txn **out, kb_err *e)
{
    *out = NULL;
    if (!s->keys)
        return kb_err_set(e, KB_EPERM, _("the board is locked"));
    kb_snapset *ss = kb_calloc(1, sizeof *ss);
    for (size_t i = 0; i < ntables; i++) {
        if ((unsigned)tables[i] >= KB_T_COUNT_ || (tables[i] == KB_T_RELS && s->format >= 2)) {
            kb_ss_free(&ss);
            return kb_err_set(e, KB_ESOFTWARE, "snapshot of table %d", (int)tables[i]);
        }
        kb_sstab *tb = &ss->tab[tables[i]];
        tb->want = true;
        if (!tb->sn) {
            tb->sn = kb_calloc(1, sizeof *tb->sn);
            tb->sn->s = s;
            tb->sn->tbl = tables[i];
        }
    }
    int rc;
    kb_txn *t = NULL;
    uint64_t seq = 0;
    /* the walk; the audit entries after the first transaction */
    for (bool first = true; ss->cur < KB_T_COUNT_; first = false) {
        if ((rc = kb_ss_begin(s, first, &t, &seq, e)))
            goto fail;
        if (first)
            ss->seen = seq;
        else if ((rc = kb_ss_tail(ss, t, e)))
            goto fail;
        rc = kb_ss_walk(ss, t, seq, e);
        kb_txn_abort(&t);
        if (ss->reserve) {
            kb_snap_reserve(ss->tab[ss->cur].sn, &ss->st);
            ss->reserve = false;
        }
        if (rc || (rc = kb_ss_open_tail(ss, s, e)))
            goto fail;
    }
    /* the catch-up: the last transaction is one with a small, complete
     * tail and few records changed since their copies */
    for (;;) {
        kb_ss_settle(ss);
        if ((rc = kb_ss_begin(s, false, &t, &seq, e)) || (rc = kb_ss_tail(ss, t, e)))
            goto fail;
        bool last = false;
        if (!ss->tail_more && ss->naud <= KB_SS_SMALL) {
            if ((rc = kb_ss_open_tail(ss, s, e)))
                goto fail;
            kb_ss_settle(ss);
            last = ss->npend <= s->snap_chunk;
        }
        rc = kb_ss_lookups(ss, t, seq, e);
        last = last && ss->npend == 0;
        kb_txn_abort(&t);
        if (rc || (rc = kb_ss_open_tail(ss, s, e)))
            goto fail;
        if (last)
            break;
    }
    for (int i = 0; i < KB_T_COUNT_; i++)
        if (ss->tab[i].want)
            kb_ss_finish_table(&ss->tab[i]);
    /* the snapshot "transaction" */
    t = kb_calloc(1, sizeof *t);
    t->s = s;
    t->dfd = -1;
    t->snap = ss;
    t->audit_seq = seq;
    t->start_seq = seq;
    t->tail_known = true;
    s->active = t;
    *out = t;
    return KB_OK;
fail:
    kb_txn_abort(&t);
    kb_ss_free(&ss);
    return rc;
}

int kb_store_snapshot(kb_store *s, const enum kb_table *tables, size_t ntables, kb_txn **out,
                      kb_err *e)
{
    /* started again when a staged import finishes meanwhile (rare: an
     * import every few seconds would keep it going; it gives up) */
    for (int i = 0; i < 8; i++) {
        int rc = kb_store_snapshot_once(s, tables, ntables, out, e);
        if (rc != KB_SRESTART)
            return rc;
    }
    return kb_err_set(e, KB_EBUSY,
                      _("imports kept finishing while the board was being copied; try again"));
}

/* ---- reading the snapshot */

static int kb_ss_table(kb_txn *t, enum kb_table tbl, kb_sstab **out, kb_err *e)
{
    if ((unsigned)tbl >= KB_T_COUNT_ || !t->snap->tab[tbl].want)
        return kb_err_set(e, KB_ESOFTWARE, "table %s is not in the snapshot",
                          (unsigned)tbl < KB_T_COUNT_ ? kb_table_names[tbl] : "?");
    if (t->snap->tab[tbl].taken)
        return kb_err_set(e, KB_ESOFTWARE, "table %s was handed over", kb_table_names[tbl]);
    *out = &t->snap->tab[tbl];
    return KB_OK;
}

/* Open copy i of table tbl: plaintext, logical key (in lbuf), version. */
static int kb_ss_open(kb_txn *t, const kb_snap *sn, size_t i, char **pt, size_t *n,
                      const unsigned char **lk, size_t *lkl, unsigned char *lbuf, uint64_t *ver,
                      kb_err *e)
{
    const unsigned char *key = KB_SS_KEY(sn, i);
    const char *tname = kb_table_names[sn->tbl];
    int rc = kb_val_open(t->s, t->s->keys->k_rec, tname, key, sn->r[i].klen, key + sn->r[i].klen,
                         sn->r[i].vlen, pt, n, ver, e);
    if (rc)
        return rc;
    *lk = key;
    *lkl = sn->r[i].klen;
    if (kb_mapped(t->s, sn->tbl) && !kb_unframe(*pt, n, lk, lkl, lbuf)) {
        kb_free(pt);
        return kb_err_set(e, KB_EDATA, _("damaged record in table %s"), tname);
    }
    return KB_OK;
}

static int kb_ss_get(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, char **out,
                     size_t *len, uint64_t *version, kb_err *e)
{
    kb_sstab *tb;
    int rc = kb_ss_table(t, tbl, &tb, e);
    if (rc)
        return rc;
    unsigned char pk[256];
    size_t pl = kb_phys_key(t->s, tbl, key, klen, pk);
    const kb_snap *sn = tb->sn;
    size_t i = kb_ss_lower(sn, sn->n, pk, pl);
    if (i >= sn->n || kb_ss_keycmp(KB_SS_KEY(sn, i), sn->r[i].klen, pk, pl) != 0)
        return kb_err_set(e, KB_ENOENT, _("no such record"));
    char *pt = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    const unsigned char *lk;
    size_t lkl;
    unsigned char lbuf[256];
    if ((rc = kb_ss_open(t, sn, i, &pt, &n, &lk, &lkl, lbuf, &ver, e)))
        return rc;
    if (lkl != klen || memcmp(lk, key, klen) != 0) {
        kb_free(&pt);
        return kb_err_set(e, KB_EDATA, _("damaged record in table %s"), kb_table_names[tbl]);
    }
    *out = pt;
    if (len)
        *len = n;
    if (version)
        *version = ver;
    return KB_OK;
}

static int kb_ss_each(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen,
                      kb_txn_visit_fn fn, void *ctx, kb_err *e)
{
    kb_sstab *tb;
    int rc = kb_ss_table(t, tbl, &tb, e);
    if (rc)
        return rc;
    unsigned char pk[256];
    size_t pl = kb_phys_key(t->s, tbl, prefix, plen, pk);
    const kb_snap *sn = tb->sn;
    for (size_t i = pl ? kb_ss_lower(sn, sn->n, pk, pl) : 0; i < sn->n; i++) {
        if (pl && (sn->r[i].klen < pl || memcmp(KB_SS_KEY(sn, i), pk, pl) != 0))
            break;
        char *pt = NULL;
        size_t n = 0;
        uint64_t ver = 0;
        const unsigned char *lk;
        size_t lkl;
        unsigned char lbuf[256];
        if ((rc = kb_ss_open(t, sn, i, &pt, &n, &lk, &lkl, lbuf, &ver, e)))
            return rc;
        rc = fn(ctx, lk, lkl, pt, n, ver);
        sodium_memzero(pt, n);
        kb_free(&pt);
        if (rc)
            return rc;
    }
    return KB_OK;
}

/* A whole table is handed over; a prefix is copied. */
static int kb_ss_snap(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen, kb_snap **out,
                      kb_err *e)
{
    kb_sstab *tb;
    int rc = kb_ss_table(t, tbl, &tb, e);
    if (rc)
        return rc;
    if (!plen) {
        *out = tb->sn;
        tb->sn = NULL;
        tb->taken = true;
        return KB_OK;
    }
    unsigned char pk[256];
    size_t pl = kb_phys_key(t->s, tbl, prefix, plen, pk);
    const kb_snap *sn = tb->sn;
    kb_snap *cp = kb_calloc(1, sizeof *cp);
    cp->s = t->s;
    cp->tbl = tbl;
    for (size_t i = kb_ss_lower(sn, sn->n, pk, pl);
         i < sn->n && sn->r[i].klen >= pl && memcmp(KB_SS_KEY(sn, i), pk, pl) == 0; i++) {
        MDB_val k = {sn->r[i].klen, (void *)KB_SS_KEY(sn, i)};
        MDB_val v = {sn->r[i].vlen, (void *)(KB_SS_KEY(sn, i) + sn->r[i].klen)};
        kb_snap_push(cp, &k, &v);
    }
    *out = cp;
    return KB_OK;
}

static int kb_ss_count(kb_txn *t, enum kb_table tbl, size_t *out, kb_err *e)
{
    kb_sstab *tb;
    int rc = kb_ss_table(t, tbl, &tb, e);
    if (rc == KB_OK)
        *out = tb->sn->n;
    return rc;
}

void kb_index_tag(const kb_store *s, const char *name, unsigned char tag[KB_KEY_LEN])
{
    crypto_generichash(tag, KB_KEY_LEN, (const unsigned char *)name, strlen(name), s->keys->k_idx,
                       32);
}

int kb_txn_index_get(kb_txn *t, const char *name, unsigned char key[KB_KEY_LEN], kb_err *e)
{
    unsigned char tag[KB_KEY_LEN];
    kb_index_tag(t->s, name, tag);
    char *pt = NULL;
    size_t n = 0;
    int rc = kb_txn_get(t, KB_T_INDEX, tag, sizeof tag, &pt, &n, NULL, e);
    if (rc)
        return rc;
    /* value: the logical name (checked, so a swapped entry is caught) + key */
    size_t nl = strlen(name);
    if (n != nl + KB_KEY_LEN || memcmp(pt, name, nl) != 0)
        rc = kb_err_damage(e, _("index entry for %s is damaged; run 'kernboard verify'"), name);
    else
        memcpy(key, pt + nl, KB_KEY_LEN);
    kb_free(&pt);
    return rc;
}

int kb_txn_index_put(kb_txn *t, const char *name, const unsigned char key[KB_KEY_LEN], kb_err *e)
{
    unsigned char tag[KB_KEY_LEN];
    kb_index_tag(t->s, name, tag);
    kb_buf b = KB_BUF_INIT;
    kb_buf_puts(&b, name);
    kb_buf_append(&b, key, KB_KEY_LEN);
    int rc =
        kb_txn_put(t, KB_T_INDEX, tag, sizeof tag, b.data, b.len, KB_VERSION_ANY, NULL, NULL, e);
    kb_buf_free(&b);
    return rc;
}

int kb_txn_index_del(kb_txn *t, const char *name, kb_err *e)
{
    unsigned char tag[KB_KEY_LEN];
    kb_index_tag(t->s, name, tag);
    return kb_txn_del(t, KB_T_INDEX, tag, sizeof tag, KB_VERSION_ANY, NULL, e);
}

/* ------------------------------------------------------------ access list */

/* Format 2: keyslots are found by a locator and vouched for by the access
 * list.  "slotfind" (plain) maps BLAKE2b-128 keyed with the board salt over
 * "kbslot1" || user name to the user's slot id, so opening reads one
 * keyslot only.  The access list is the meta record 00x15 06 (sealed and
 * audited like every record): per slot id, sorted, slot id (16) | locator
 * (16) | BLAKE2b-256 of the keyslot value (32) | BLAKE2b-256 of the epochs
 * value (32).  Someone without the data key cannot add an entry, so verify
 * names every keyslot, epoch key or locator that the list does not vouch
 * for. */
#define KB_DB_SLOTFIND "slotfind"
const unsigned char kb_meta_access[KB_KEY_LEN] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6};

static void kb_slot_locator(const unsigned char salt[KB_SALT_LEN], const char *user,
                            unsigned char out[KB_KEY_LEN])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, salt, KB_SALT_LEN, KB_KEY_LEN);
    crypto_generichash_update(&st, (const unsigned char *)"kbslot1", 7);
    crypto_generichash_update(&st, (const unsigned char *)user, strlen(user));
    crypto_generichash_final(&st, out, KB_KEY_LEN);
}

int kb_access_load(kb_txn *t, kb_buf *l, uint64_t *ver, kb_err *e)
{
    kb_buf_clear(l);
    *ver = 0;
    char *pt = NULL;
    size_t n = 0;
    int rc = kb_txn_get(t, KB_T_META, kb_meta_access, KB_KEY_LEN, &pt, &n, ver, e);
    if (rc == KB_ENOENT) {
        kb_err_clear(e);
        *ver = 0;
        return KB_OK;
    }
    if (rc)
        return rc;
    if (n % KB_ACC_ENT) {
        kb_free(&pt);
        return kb_err_set(e, KB_EDATA, _("the board's access list is damaged"));
    }
    kb_buf_append(l, pt, n);
    kb_free(&pt);
    return KB_OK;
}

unsigned char *kb_access_find(kb_buf *l, const unsigned char id[KB_KEY_LEN])
{
    for (size_t o = 0; o + KB_ACC_ENT <= l->len; o += KB_ACC_ENT)
        if (memcmp(l->data + o, id, KB_KEY_LEN) == 0)
            return (unsigned char *)l->data + o;
    return NULL;
}

/* Insert or change the entry of id; NULL fields keep their value. */
void kb_access_upsert(kb_buf *l, const unsigned char id[KB_KEY_LEN], const unsigned char *loc,
                      const unsigned char *slot_hash, const unsigned char *epoch_hash)
{
    unsigned char *p = kb_access_find(l, id);
    if (!p) {
        size_t o = 0;
        while (o + KB_ACC_ENT <= l->len && memcmp(l->data + o, id, KB_KEY_LEN) < 0)
            o += KB_ACC_ENT;
        unsigned char z[KB_ACC_ENT] = {0};
        kb_buf_append(l, z, KB_ACC_ENT);
        memmove(l->data + o + KB_ACC_ENT, l->data + o, l->len - KB_ACC_ENT - o);
        p = (unsigned char *)l->data + o;
        memset(p, 0, KB_ACC_ENT);
        memcpy(p, id, KB_KEY_LEN);
    }
    if (loc)
        memcpy(p + KB_KEY_LEN, loc, KB_KEY_LEN);
    if (slot_hash)
        memcpy(p + 2 * KB_KEY_LEN, slot_hash, KB_HASH_LEN);
    if (epoch_hash)
        memcpy(p + 2 * KB_KEY_LEN + KB_HASH_LEN, epoch_hash, KB_HASH_LEN);
}

static void kb_access_remove(kb_buf *l, const unsigned char id[KB_KEY_LEN])
{
    unsigned char *p = kb_access_find(l, id);
    if (!p)
        return;
    size_t o = (size_t)(p - (unsigned char *)l->data);
    memmove(p, p + KB_ACC_ENT, l->len - o - KB_ACC_ENT);
    l->len -= KB_ACC_ENT;
}

int kb_access_store(kb_txn *t, const kb_buf *l, uint64_t ver, kb_err *e)
{
    if (l->len == 0)
        return ver ? kb_txn_del(t, KB_T_META, kb_meta_access, KB_KEY_LEN, ver, NULL, e) : KB_OK;
    return kb_txn_put(t, KB_T_META, kb_meta_access, KB_KEY_LEN, l->data, l->len,
                      ver ? ver : KB_VERSION_NEW, NULL, NULL, e);
}

static int kb_slotfind_put(kb_txn *t, const unsigned char loc[KB_KEY_LEN],
                           const unsigned char id[KB_KEY_LEN], kb_err *e)
{
    MDB_dbi dbi;
    int rc = kb_dbi(t, KB_DB_SLOTFIND, &dbi, e);
    if (rc)
        return rc;
    MDB_val k = {KB_KEY_LEN, (void *)loc}, v = {KB_KEY_LEN, (void *)id};
    if ((rc = mdb_put(t->txn, dbi, &k, &v, 0))) {
        t->failed = true;
        return kb_mdb_err(e, rc, KB_DB_SLOTFIND);
    }
    return KB_OK;
}

/* Record slot id's keyslot (blob) and epoch key (sealed, may be NULL =
 * unchanged) for user (NULL = keep the locator) in the access list. */
static int kb_access_note(kb_txn *t, const unsigned char id[KB_KEY_LEN], const char *user,
                          const void *blob, size_t blen, const void *sealed, size_t slen, kb_err *e)
{
    if (t->s->format < 2)
        return KB_OK; /* migration builds the list */
    kb_buf l = KB_BUF_INIT;
    uint64_t ver = 0;
    int rc = kb_access_load(t, &l, &ver, e);
    unsigned char loc[KB_KEY_LEN], hs[KB_HASH_LEN], he[KB_HASH_LEN];
    if (rc == KB_OK && user) {
        kb_slot_locator(t->s->salt, user, loc);
        rc = kb_slotfind_put(t, loc, id, e);
    }
    if (rc == KB_OK) {
        if (blob)
            crypto_generichash(hs, KB_HASH_LEN, blob, blen, NULL, 0);
        if (sealed)
            crypto_generichash(he, KB_HASH_LEN, sealed, slen, NULL, 0);
        kb_access_upsert(&l, id, user ? loc : NULL, blob ? hs : NULL, sealed ? he : NULL);
        rc = kb_access_store(t, &l, ver, e);
    }
    kb_buf_free(&l);
    return rc;
}

static int kb_access_forget(kb_txn *t, const unsigned char id[KB_KEY_LEN], kb_err *e)
{
    if (t->s->format < 2)
        return KB_OK;
    kb_buf l = KB_BUF_INIT;
    uint64_t ver = 0;
    int rc = kb_access_load(t, &l, &ver, e);
    unsigned char *p = rc == KB_OK ? kb_access_find(&l, id) : NULL;
    if (p) {
        /* drop the locator if it still points at this slot */
        MDB_dbi dbi;
        if ((rc = kb_dbi(t, KB_DB_SLOTFIND, &dbi, e)) == KB_OK) {
            MDB_val k = {KB_KEY_LEN, p + KB_KEY_LEN}, v;
            if (mdb_get(t->txn, dbi, &k, &v) == 0 && v.mv_size == KB_KEY_LEN &&
                memcmp(v.mv_data, id, KB_KEY_LEN) == 0)
                mdb_del(t->txn, dbi, &k, NULL);
        }
        kb_access_remove(&l, id);
        if (rc == KB_OK)
            rc = kb_access_store(t, &l, ver, e);
    }
    kb_buf_free(&l);
    return rc;
}

/* ------------------------------------------------------------ keyslots */

/* Slot blob: 'S' | 1 | 2 (argon2id13) | 0 | opslimit u64 | memlimit u64 |
 * nonce[24] | AEAD(namelen u8 | name | ed25519 sk[64], padded to 128).
 * AD = uuid | "keyslots\0" | u16 16 | slot id | the first 44 bytes. */
#define KB_SLOT_PT 128

struct kb_slot_draft {
    unsigned char id[KB_KEY_LEN];
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    char *user;
    kb_buf blob;
};

const unsigned char *kb_slot_draft_id(const kb_slot_draft *d)
{
    return d->id;
}

const unsigned char *kb_slot_draft_pk(const kb_slot_draft *d)
{
    return d->pk;
}

void kb_slot_draft_free(kb_slot_draft **d)
{
    if (d && *d) {
        kb_free(&(*d)->user);
        kb_buf_free(&(*d)->blob);
        kb_free(d);
    }
}

static void kb_slot_ad(kb_buf *ad, const unsigned char uuid[KB_UUID_LEN],
                       const unsigned char id[KB_KEY_LEN], const unsigned char *hdr)
{
    kb_buf_clear(ad);
    kb_buf_append(ad, uuid, KB_UUID_LEN);
    kb_buf_append(ad, KB_DB_SLOTS, sizeof KB_DB_SLOTS);
    kb_buf_put_u16be(ad, KB_KEY_LEN);
    kb_buf_append(ad, id, KB_KEY_LEN);
    kb_buf_append(ad, hdr, KB_SLOT_HDR);
}

static int kb_slot_build(const unsigned char uuid[KB_UUID_LEN],
                         const unsigned char board_salt[KB_SALT_LEN],
                         const unsigned char id[KB_KEY_LEN], const char *user,
                         const unsigned char *sign_sk, const kb_secret *pass, enum kb_kdf kdf,
                         kb_buf *out, kb_err *e)
{
    kb_kdf_params p;
    kb_kdf_params_of(kdf, &p);
    unsigned char *key = sodium_malloc(32 + KB_SLOT_PT);
    if (!key)
        abort();
    unsigned char *pt = key + 32;
    int rc = kb_slot_key(board_salt, user, pass, &p, key, e);
    if (rc) {
        sodium_free(key);
        return rc;
    }
    unsigned char hdr[KB_SLOT_HDR] = {'S', 1, 2, 0};
    kb_put_u64be(hdr + 4, p.opslimit);
    kb_put_u64be(hdr + 12, p.memlimit);
    randombytes_buf(hdr + 20, 24);
    size_t ul = strlen(user);
    sodium_memzero(pt, KB_SLOT_PT);
    pt[0] = (unsigned char)ul;
    memcpy(pt + 1, user, ul);
    memcpy(pt + 1 + ul, sign_sk, crypto_sign_SECRETKEYBYTES);
    kb_buf ad = KB_BUF_INIT;
    kb_slot_ad(&ad, uuid, id, hdr);
    kb_buf_clear(out);
    kb_buf_append(out, hdr, KB_SLOT_HDR);
    kb_buf_reserve(out, KB_SLOT_PT + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt((unsigned char *)out->data + KB_SLOT_HDR, &clen, pt,
                                               KB_SLOT_PT, (unsigned char *)ad.data, ad.len, NULL,
                                               hdr + 20, key);
    out->len = KB_SLOT_HDR + (size_t)clen;
    kb_buf_free(&ad);
    sodium_free(key);
    return KB_OK;
}

/* Try to open one slot blob with a derived key; on success fills keys'
 * signing key pair and returns true. */
static bool kb_slot_try(const unsigned char uuid[KB_UUID_LEN], const unsigned char id[KB_KEY_LEN],
                        const unsigned char *blob, size_t n, const unsigned char key[32],
                        const char *user, kb_keys *keys)
{
    if (n != KB_SLOT_HDR + KB_SLOT_PT + crypto_aead_xchacha20poly1305_ietf_ABYTES ||
        blob[0] != 'S' || blob[1] != 1 || blob[2] != 2)
        return false;
    unsigned char *pt = sodium_malloc(KB_SLOT_PT);
    if (!pt)
        abort();
    kb_buf ad = KB_BUF_INIT;
    kb_slot_ad(&ad, uuid, id, blob);
    bool ok = crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, blob + KB_SLOT_HDR,
                                                         n - KB_SLOT_HDR, (unsigned char *)ad.data,
                                                         ad.len, blob + 20, key) == 0;
    kb_buf_free(&ad);
    size_t ul = strlen(user);
    ok = ok && pt[0] == ul && memcmp(pt + 1, user, ul) == 0;
    if (ok) {
        memcpy(keys->sign_sk, pt + 1 + ul, crypto_sign_SECRETKEYBYTES);
        crypto_sign_ed25519_sk_to_pk(keys->sign_pk, keys->sign_sk);
    }
    sodium_free(pt);
    return ok;
}

static int kb_board_meta_get(kb_txn *t, unsigned char salt[KB_SALT_LEN], kb_err *e);
static bool kb_pin_restored(kb_store *s, kb_txn *t, uint64_t pseq, const char *phex);

int kb_store_slot_prepare(kb_store *s, const char *user, const kb_secret *pass, enum kb_kdf kdf,
                          kb_slot_draft **out, kb_err *e)
{
    unsigned char salt[KB_SALT_LEN];
    kb_txn *t = NULL;
    int rc = kb_store_read(s, &t, e);
    if (rc)
        return rc;
    rc = kb_board_meta_get(t, salt, e);
    kb_txn_abort(&t);
    if (rc)
        return rc;
    kb_slot_draft *d = kb_calloc(1, sizeof *d);
    d->user = kb_strdup(user);
    unsigned char *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (!sk)
        abort();
    if (strcmp(user, s->user) == 0) { /* own passphrase: same identity */
        memcpy(d->id, s->slot_id, KB_KEY_LEN);
        memcpy(sk, s->keys->sign_sk, crypto_sign_SECRETKEYBYTES);
        memcpy(d->pk, s->keys->sign_pk, sizeof d->pk);
    } else {
        randombytes_buf(d->id, KB_KEY_LEN);
        crypto_sign_keypair(d->pk, sk);
    }
    rc = kb_slot_build(s->uuid, salt, d->id, user, sk, pass, kdf, &d->blob, e);
    sodium_free(sk);
    if (rc) {
        kb_slot_draft_free(&d);
        return rc;
    }
    *out = d;
    return KB_OK;
}

static int kb_slot_write(kb_txn *t, const kb_slot_draft *d, bool replace, kb_err *e)
{
    kb_store *s = t->s;
    MDB_dbi slots, epochs;
    int rc;
    if ((rc = kb_dbi(t, KB_DB_SLOTS, &slots, e)) || (rc = kb_dbi(t, KB_DB_EPOCHS, &epochs, e)))
        return rc;
    MDB_val k = {KB_KEY_LEN, (void *)d->id}, v = {d->blob.len, d->blob.data};
    if ((rc = mdb_put(t->txn, slots, &k, &v, replace ? 0 : MDB_NOOVERWRITE))) {
        t->failed = true;
        return rc == MDB_KEYEXIST ? kb_err_set(e, KB_ECONFLICT, _("keyslot exists"))
                                  : kb_mdb_err(e, rc, KB_DB_SLOTS);
    }
    if (!replace) {
        /* the data key of the current epoch, sealed to the user's X25519 key */
        unsigned char xpk[crypto_box_PUBLICKEYBYTES];
        unsigned char sealed[32 + crypto_box_SEALBYTES];
        unsigned char ek[4 + KB_KEY_LEN];
        if (crypto_sign_ed25519_pk_to_curve25519(xpk, d->pk) != 0)
            return kb_err_set(e, KB_ESOFTWARE, "bad public key");
        crypto_box_seal(sealed, s->keys->mk, 32, xpk);
        kb_put_u32be(ek, s->epoch);
        memcpy(ek + 4, d->id, KB_KEY_LEN);
        MDB_val k2 = {sizeof ek, ek}, v2 = {sizeof sealed, sealed};
        if ((rc = mdb_put(t->txn, epochs, &k2, &v2, 0))) {
            t->failed = true;
            return kb_mdb_err(e, rc, KB_DB_EPOCHS);
        }
        if ((rc = kb_access_note(t, d->id, d->user, d->blob.data, d->blob.len, sealed,
                                 sizeof sealed, e)))
            return rc;
        /* the signer record makes the user's signatures verifiable */
        kb_buf b = KB_BUF_INIT;
        kb_buf_append(&b, d->pk, sizeof d->pk);
        kb_buf_puts(&b, d->user);
        rc = kb_txn_put(t, KB_T_SIGNERS, d->id, KB_KEY_LEN, b.data, b.len, KB_VERSION_NEW, NULL,
                        NULL, e);
        kb_buf_free(&b);
        return rc;
    }
    return KB_OK;
}

int kb_txn_slot_add(kb_txn *t, const kb_slot_draft *d, kb_err *e)
{
    return kb_slot_write(t, d, false, e);
}

int kb_txn_slot_replace(kb_txn *t, const kb_slot_draft *d, kb_err *e)
{
    int rc = kb_slot_write(t, d, true, e);
    if (rc || (rc = kb_access_note(t, d->id, d->user, d->blob.data, d->blob.len, NULL, 0, e)))
        return rc;
    /* keyslots are not record tables: audit the change on the signer
     * record (same value, new version) so the log shows who changed it */
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    if ((rc = kb_txn_get(t, KB_T_SIGNERS, d->id, KB_KEY_LEN, &val, &n, &ver, e)) == KB_OK)
        rc = kb_txn_put(t, KB_T_SIGNERS, d->id, KB_KEY_LEN, val, n, ver, NULL, "passphrase changed",
                        e);
    kb_free(&val);
    return rc;
}

int kb_txn_slot_remove(kb_txn *t, const unsigned char slot_id[KB_KEY_LEN], kb_err *e)
{
    kb_store *s = t->s;
    MDB_dbi slots, epochs;
    int rc;
    if ((rc = kb_dbi(t, KB_DB_SLOTS, &slots, e)) || (rc = kb_dbi(t, KB_DB_EPOCHS, &epochs, e)))
        return rc;
    if (memcmp(slot_id, s->slot_id, KB_KEY_LEN) == 0)
        return kb_err_set(e, KB_EPERM, _("you cannot remove your own access"));
    MDB_val k = {KB_KEY_LEN, (void *)slot_id};
    rc = mdb_del(t->txn, slots, &k, NULL);
    if (rc == MDB_NOTFOUND)
        return kb_err_set(e, KB_ENOENT, _("no keyslot for that user"));
    if (rc) {
        t->failed = true;
        return kb_mdb_err(e, rc, KB_DB_SLOTS);
    }
    unsigned char ek[4 + KB_KEY_LEN];
    kb_put_u32be(ek, s->epoch);
    memcpy(ek + 4, slot_id, KB_KEY_LEN);
    MDB_val k2 = {sizeof ek, ek};
    rc = mdb_del(t->txn, epochs, &k2, NULL);
    if (rc && rc != MDB_NOTFOUND) {
        t->failed = true;
        return kb_mdb_err(e, rc, KB_DB_EPOCHS);
    }
    if ((rc = kb_access_forget(t, slot_id, e)))
        return rc;
    /* the signer record stays (old signatures must still verify) and
     * records from which audit entry on the key no longer signs:
     * pk | name | NUL | removed-after seq (u64) */
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    if ((rc = kb_txn_get(t, KB_T_SIGNERS, slot_id, KB_KEY_LEN, &val, &n, &ver, e)) == KB_OK) {
        size_t keep = n >= crypto_sign_PUBLICKEYBYTES
                          ? crypto_sign_PUBLICKEYBYTES + strnlen(val + crypto_sign_PUBLICKEYBYTES,
                                                                 n - crypto_sign_PUBLICKEYBYTES)
                          : n;
        kb_buf b = KB_BUF_INIT;
        kb_buf_append(&b, val, keep);
        kb_buf_putc(&b, '\0');
        kb_buf_put_u64be(&b, t->audit_seq + 1); /* the entry of this very put */
        rc = kb_txn_put(t, KB_T_SIGNERS, slot_id, KB_KEY_LEN, b.data, b.len, ver, NULL,
                        "access removed", e);
        kb_buf_free(&b);
    }
    kb_free(&val);
    return rc;
}

/* ------------------------------------------------------------ board meta */

static int kb_board_meta_get(kb_txn *t, unsigned char salt[KB_SALT_LEN], kb_err *e)
{
    kb_store *s = t->s;
    MDB_dbi dbi;
    int rc = kb_dbi(t, KB_DB_BOARD, &dbi, e);
    if (rc == KB_ENOENT)
        return kb_err_set(e, KB_EDATA, _("%s is not a kernboard board (no board header)"), s->path);
    if (rc)
        return rc;
    MDB_val k = {5, "board"}, v;
    KB_ARM_OR_FAIL(t, e);
    rc = mdb_get(t->txn, dbi, &k, &v);
    unsigned char m[48] = {0};
    bool ok = rc == 0 && v.mv_size == sizeof m;
    if (ok)
        memcpy(m, v.mv_data, sizeof m);
    KB_DISARM();
    if (!ok || memcmp(m, kb_board_magic, 8) != 0)
        return kb_err_set(e, KB_EDATA, _("%s is not a kernboard board (bad board header)"),
                          s->path);
    if (kb_get_u32be(m + 8) < KB_FORMAT_OLDEST || kb_get_u32be(m + 8) > KB_FORMAT_VERSION)
        return kb_err_set(e, KB_EDATA,
                          _("board %s has format version %u; this kernboard reads versions %d "
                            "to %d"),
                          s->path, kb_get_u32be(m + 8), KB_FORMAT_OLDEST, KB_FORMAT_VERSION);
    memcpy(s->uuid, m + 12, KB_UUID_LEN);
    memcpy(salt, m + 28, KB_SALT_LEN);
    memcpy(s->salt, m + 28, KB_SALT_LEN);
    s->format = kb_get_u32be(m + 8);
    s->epoch = kb_get_u32be(m + 44);
    return KB_OK;
}

int kb_board_meta_put(kb_txn *t, const unsigned char salt[KB_SALT_LEN], kb_err *e)
{
    MDB_dbi dbi;
    int rc = kb_dbi(t, KB_DB_BOARD, &dbi, e);
    if (rc)
        return rc;
    unsigned char m[48];
    memcpy(m, kb_board_magic, 8);
    kb_put_u32be(m + 8, t->s->format ? t->s->format : KB_FORMAT_VERSION);
    memcpy(m + 12, t->s->uuid, KB_UUID_LEN);
    memcpy(m + 28, salt, KB_SALT_LEN);
    kb_put_u32be(m + 44, t->s->epoch);
    MDB_val k = {5, "board"}, v = {sizeof m, m};
    if ((rc = mdb_put(t->txn, dbi, &k, &v, 0)))
        return kb_mdb_err(e, rc, KB_DB_BOARD);
    return KB_OK;
}

/* ------------------------------------------------------------ sessions */

/* Session slot i lives at KB_LK_SLOTS_OFF + i * KB_LK_SLOT_SIZE in the lock
 * file: 'L' 1 0 0 | nonce[24] | AEAD_k_sess(session nonce[16] | since i64 |
 * pid u32 | userlen u8 | user | hostlen u8 | host, padded to 192).
 * AD = uuid | "slot" | u16 i.  The slot's lock byte (KB_LK_SLOT0 + i) is
 * held exclusively for the session's lifetime: it is the proof of life. */
#define KB_SESS_PT 192

static void kb_sess_ad(kb_buf *ad, const unsigned char uuid[KB_UUID_LEN], int i)
{
    kb_buf_clear(ad);
    kb_buf_append(ad, uuid, KB_UUID_LEN);
    kb_buf_append(ad, "slot", 4);
    kb_buf_put_u16be(ad, (uint16_t)i);
}

/* (Re)write this session's slot record, sealed with the session subkey. */
int kb_session_write(kb_store *s, kb_err *e)
{
    int slot = s->session_slot;
    unsigned char pt[KB_SESS_PT];
    memset(pt, 0, sizeof pt);
    memcpy(pt, s->session_nonce, 16);
    kb_put_u64be(pt + 16, (uint64_t)s->session_since);
    kb_put_u32be(pt + 24, (uint32_t)getpid());
    size_t ul = strlen(s->user) > 64 ? 64 : strlen(s->user);
    size_t hl = strlen(s->host) > 64 ? 64 : strlen(s->host);
    pt[28] = (unsigned char)ul;
    memcpy(pt + 29, s->user, ul);
    pt[29 + ul] = (unsigned char)hl;
    memcpy(pt + 30 + ul, s->host, hl);
    unsigned char rec[KB_LK_SLOT_SIZE];
    memset(rec, 0, sizeof rec);
    rec[0] = 'L';
    rec[1] = 1;
    randombytes_buf(rec + 4, 24);
    kb_buf ad = KB_BUF_INIT;
    kb_sess_ad(&ad, s->uuid, slot);
    crypto_aead_xchacha20poly1305_ietf_encrypt(rec + 28, NULL, pt, sizeof pt,
                                               (unsigned char *)ad.data, ad.len, NULL, rec + 4,
                                               s->keys->k_sess);
    kb_buf_free(&ad);
    sodium_memzero(pt, sizeof pt);
    if (pwrite(s->lock_fd, rec, sizeof rec, KB_LK_SLOTS_OFF + (off_t)slot * KB_LK_SLOT_SIZE) !=
        (ssize_t)sizeof rec)
        return kb_err_set(e, KB_EIO, _("cannot write the session record: %s"), strerror(errno));
    return KB_OK;
}

static int kb_session_claim(kb_store *s, kb_err *e)
{
    int slot = -1;
    for (int i = 0; i < KB_LK_NSLOTS; i++)
        if (kb_lk_try(s->lock_fd, KB_LK_SLOT0 + i, F_WRLCK)) {
            slot = i;
            break;
        }
    if (slot < 0)
        return kb_err_set(e, KB_EBUSY, _("too many open sessions on this board (%d)"),
                          KB_LK_NSLOTS);
    s->session_slot = slot;
    randombytes_buf(s->session_nonce, sizeof s->session_nonce);
    s->session_since = kb_time_now();
    return kb_session_write(s, e);
}

void kb_store_session_self(const kb_store *s, int *slot, unsigned char nonce[KB_NONCE_LEN])
{
    *slot = s->session_slot;
    memcpy(nonce, s->session_nonce, KB_NONCE_LEN);
}

/* Read and open session slot i; false when empty or unreadable. */
static bool kb_session_read(kb_store *s, int i, kb_session_info *out)
{
    unsigned char rec[KB_LK_SLOT_SIZE], pt[KB_SESS_PT];
    if (pread(s->lock_fd, rec, sizeof rec, KB_LK_SLOTS_OFF + (off_t)i * KB_LK_SLOT_SIZE) !=
            (ssize_t)sizeof rec ||
        rec[0] != 'L' || rec[1] != 1)
        return false;
    kb_buf ad = KB_BUF_INIT;
    kb_sess_ad(&ad, s->uuid, i);
    bool ok = crypto_aead_xchacha20poly1305_ietf_decrypt(
                  pt, NULL, NULL, rec + 28, KB_SESS_PT + crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  (unsigned char *)ad.data, ad.len, rec + 4, s->keys->k_sess) == 0;
    kb_buf_free(&ad);
    if (!ok)
        return false;
    memset(out, 0, sizeof *out);
    out->slot = i;
    memcpy(out->nonce, pt, KB_NONCE_LEN);
    out->since = (kb_time)kb_get_u64be(pt + 16);
    out->pid = kb_get_u32be(pt + 24);
    size_t ul = pt[28] > 64 ? 64 : pt[28];
    memcpy(out->user, pt + 29, ul);
    size_t hl = pt[29 + ul] > 64 ? 64 : pt[29 + ul];
    memcpy(out->host, pt + 30 + ul, hl);
    out->self = i == s->session_slot;
    sodium_memzero(pt, sizeof pt);
    return true;
}

bool kb_store_session_alive(kb_store *s, int slot, const unsigned char nonce[KB_NONCE_LEN])
{
    if (slot < 0 || slot >= KB_LK_NSLOTS)
        return false;
    if (slot == s->session_slot)
        return sodium_memcmp(nonce, s->session_nonce, KB_NONCE_LEN) == 0;
    /* F_GETLK reports locks of other processes only */
    if (!kb_lk_held_by_other(s->lock_fd, KB_LK_SLOT0 + slot))
        return false;
    kb_session_info si;
    return kb_session_read(s, slot, &si) && sodium_memcmp(si.nonce, nonce, KB_NONCE_LEN) == 0;
}

int kb_store_sessions(kb_store *s, kb_session_info **out, size_t *n, kb_err *e)
{
    (void)e;
    *out = NULL;
    *n = 0;
    for (int i = 0; i < KB_LK_NSLOTS; i++) {
        if (i != s->session_slot && !kb_lk_held_by_other(s->lock_fd, KB_LK_SLOT0 + i))
            continue;
        kb_session_info si;
        if (!kb_session_read(s, i, &si))
            continue;
        *out = kb_reallocarray(*out, *n + 1, sizeof **out);
        (*out)[(*n)++] = si;
    }
    return KB_OK;
}

/* ------------------------------------------------------------ open/close */

/* The store checks only what its own formats need (the model validates):
 * a keyslot holds namelen u8 | name | 64-byte key in 128 bytes. */
#define KB_USER_NAME_MAX 63
static int kb_user_name_ok(const char *user, kb_err *e)
{
    size_t n = user ? strlen(user) : 0;
    if (n == 0 || n > KB_USER_NAME_MAX || strpbrk(user, " \t\n/:"))
        return kb_err_set(e, KB_EUSAGE,
                          _("invalid user name '%s': give --user NAME (letters, digits, . _ -)"),
                          user ? user : "");
    return KB_OK;
}

void kb_store_set_clock(kb_store *s, const kb_clock *c)
{
    s->clock = c ? *c : (kb_clock){0};
}

kb_time kb_txn_now(const kb_txn *t)
{
    return kb_clock_now(&t->s->clock);
}

int64_t kb_txn_now_us(const kb_txn *t)
{
    return kb_clock_now_us(&t->s->clock);
}

static kb_store *kb_store_alloc(const char *path, const char *user, const kb_store_opts *opts)
{
    kb_store *s = kb_calloc(1, sizeof *s);
    s->hooks = (kb_store_hooks){.verify_chunk = 4096,
                                .verify_table = KB_T_COUNT_,
                                .audit_batch = 4096,
                                .snap_look = (size_t)1 << 20,
                                .snap_slack = (long)128 << 20,
                                .snap_early_min = 4096,
                                .rekey_batch = 1000};
    s->path = kb_strdup(path);
    s->lock_path = kb_asprintf("%s.lock", path);
    s->lock_fd = -1;
    s->session_slot = -1;
    s->user = kb_strdup(user);
    s->lock_timeout_ms =
        opts && opts->lock_timeout_ms > 0 ? opts->lock_timeout_ms : KB_DEFAULT_LOCK_TIMEOUT_MS;
    long env_ms = s->lock_timeout_ms; /* a bad value: the front end refused it (64) */
    if (!opts || opts->lock_timeout_ms <= 0)
        (void)kb_env_get(KB_ENV_LOCK_TIMEOUT_MS, &env_ms, NULL);
    s->lock_timeout_ms = (int)env_ms;
    if (opts && opts->host) {
        s->host = kb_strdup(opts->host);
    } else {
        char h[256] = "";
        gethostname(h, sizeof h - 1);
        s->host = kb_strdup(h);
    }
    s->state_dir = opts && opts->state_dir ? kb_strdup(opts->state_dir) : kb_path_state_dir();
    if (opts)
        s->clock = opts->clock;
    long chunk = KB_SS_CHUNK; /* a bad value: the front end refused it (64) */
    if (opts && opts->snap_chunk)
        chunk = (long)(opts->snap_chunk < 1000000 ? opts->snap_chunk : 1000000);
    else
        (void)kb_env_get(KB_ENV_SNAPSHOT_CHUNK, &chunk, NULL);
    s->snap_chunk = (size_t)chunk;
    long ichunk = KB_STAGE_CHUNK_ENTRIES;
    (void)kb_env_get(KB_ENV_IMPORT_CHUNK, &ichunk, NULL);
    s->stage_chunk = (size_t)ichunk;
    if (opts) {
        s->snap_between = opts->snap_between;
        s->snap_ctx = opts->snap_ctx;
    }
    return s;
}

void kb_store_close(kb_store **sp)
{
    if (!sp || !*sp)
        return;
    kb_store *s = *sp;
    if (s->active)
        kb_txn_abort(&s->active);
    kb_lk_session_end(s); /* issue 15 (lock.c): the data-file slot first */
    if (s->lock_fd >= 0) {
        if (s->session_slot >= 0) {
            unsigned char zero[KB_LK_SLOT_SIZE] = {0};
            if (pwrite(s->lock_fd, zero, sizeof zero,
                       KB_LK_SLOTS_OFF + (off_t)s->session_slot * KB_LK_SLOT_SIZE) < 0) {
                /* the lock byte is what counts; the record is advisory */
            }
        }
        close(s->lock_fd); /* releases every lock of this process on the file */
    }
    kb_keys_free(&s->keys);
    kb_vmc_free(s);
    kb_free(&s->path);
    kb_free(&s->lock_path);
    kb_free(&s->host);
    kb_free(&s->state_dir);
    kb_free(&s->user);
    kb_free(sp);
}

const char *kb_store_user(const kb_store *s)
{
    return s->user;
}

const unsigned char *kb_store_slot_id(const kb_store *s)
{
    return s->slot_id;
}

const char *kb_store_host(const kb_store *s)
{
    return s->host;
}

static int kb_store_init_common(kb_err *e)
{
    if (sodium_init() < 0)
        return kb_err_set(e, KB_ESOFTWARE, _("cannot initialise libsodium"));
    kb_bus_install();
    return KB_OK;
}

int kb_store_create(const char *path, const char *user, const kb_secret *pass, enum kb_kdf kdf,
                    const kb_store_opts *opts, kb_store **out, kb_err *e)
{
    int rc = kb_user_name_ok(user, e);
    if (rc)
        return rc;
    kb_store *s = kb_store_alloc(path, user, opts);
    kb_txn *t = NULL;
    unsigned char salt[KB_SALT_LEN];
    kb_slot_draft *d = NULL;
    bool created = false;
    if ((rc = kb_store_init_common(e)))
        goto fail;
    struct stat st;
    if (stat(path, &st) == 0) {
        rc = kb_err_set(e, KB_ECANTCREAT, _("%s already exists; choose another name"), path);
        goto fail;
    }
    if ((rc = kb_store_location_check(path, e)))
        goto fail;
    s->lock_fd = open(s->lock_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
    if (s->lock_fd < 0) {
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), s->lock_path, strerror(errno));
        goto fail;
    }
    created = true;
    randombytes_buf(s->uuid, KB_UUID_LEN);
    randombytes_buf(salt, KB_SALT_LEN);
    memcpy(s->salt, salt, KB_SALT_LEN);
    s->format = KB_FORMAT_VERSION;
    kb_lk_header h0 = {0};
    memcpy(h0.uuid, s->uuid, KB_UUID_LEN);
    if ((rc = kb_lk_header_write(s->lock_fd, &h0, e)))
        goto fail;
    h0.seq = 1;
    if ((rc = kb_lk_header_write(s->lock_fd, &h0, e)))
        goto fail;
    if (ftruncate(s->lock_fd, KB_LK_SLOTS_OFF + (off_t)KB_LK_NSLOTS * KB_LK_SLOT_SIZE) != 0) {
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), s->lock_path, strerror(errno));
        goto fail;
    }
    if ((rc = kb_lk_range(s->lock_fd, KB_LK_MAINT, F_RDLCK, s->lock_timeout_ms, e)))
        goto fail;
    s->keys = kb_keys_new();
    kb_core_dumps_off();
    randombytes_buf(s->keys->mk, 32);
    kb_keys_derive(s->keys);
    s->epoch = 1;
    randombytes_buf(s->slot_id, KB_KEY_LEN);
    crypto_sign_keypair(s->keys->sign_pk, s->keys->sign_sk);
    /* the first keyslot: derive before taking the write lock */
    d = kb_calloc(1, sizeof *d);
    d->user = kb_strdup(user);
    memcpy(d->id, s->slot_id, KB_KEY_LEN);
    memcpy(d->pk, s->keys->sign_pk, sizeof d->pk);
    if ((rc = kb_slot_build(s->uuid, salt, d->id, user, s->keys->sign_sk, pass, kdf, &d->blob, e)))
        goto fail;
    if ((rc = kb_session_claim(s, e)))
        goto fail;
    if ((rc = kb_txn_begin(s, true, true, &t, e)))
        goto fail;
    t->action = kb_strdup("board.init");
    randombytes_buf(t->op_id, KB_OPID_LEN);
    if ((rc = kb_board_meta_put(t, salt, e)) || (rc = kb_slot_write(t, d, false, e)) ||
        (rc = kb_txn_commit(&t, e)))
        goto fail;
    kb_slot_draft_free(&d);
    /* no world access, whatever the umask; the group may share the board */
    struct stat fst;
    if (stat(path, &fst) == 0 && chmod(path, fst.st_mode & 0770) != 0) {
        /* created 0660 & ~umask already */
    }
    if (fstat(s->lock_fd, &fst) == 0 && fchmod(s->lock_fd, fst.st_mode & 0770) != 0) {
        /* as above */
    }
    *out = s;
    return KB_OK;
fail:
    kb_txn_abort(&t);
    kb_slot_draft_free(&d);
    if (created) {
        unlink(path);
        unlink(s->lock_path);
    }
    kb_store_close(&s);
    return rc;
}

static int kb_store_migrate(kb_store *s, kb_err *e);

int kb_store_open(const char *path, const char *user, const kb_secret *pass,
                  const kb_store_opts *opts, kb_store **out, kb_err *e)
{
    int rc = kb_user_name_ok(user, e);
    if (rc)
        return rc;
    kb_store *s = kb_store_alloc(path, user, opts);
    kb_txn *t = NULL;
    unsigned char salt[KB_SALT_LEN];
    kb_buf slots = KB_BUF_INIT; /* id[16] | len u16 | blob, repeated */
    kb_buf sealed = KB_BUF_INIT;
    unsigned char *key = NULL;
    if ((rc = kb_store_init_common(e)))
        goto out;
    struct stat st;
    if (stat(path, &st) != 0) {
        rc = kb_err_set(e, errno == ENOENT ? KB_ENOENT : KB_EIO,
                        errno == ENOENT ? _("no board at %s (create one with 'kernboard init %s')")
                                        : _("cannot open board %s: %s"),
                        path, errno == ENOENT ? path : strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        /* a directory, a device or a FIFO (whose open would wait for a
         * writer forever) is not a board, whatever lies beside it */
        rc = kb_err_set(e, KB_EDATA, _("%s is not a kernboard board file (%s)"), path,
                        S_ISDIR(st.st_mode) ? _("a directory") : _("not a regular file"));
        goto out;
    }
    if ((rc = kb_store_location_check(path, e)))
        goto out;
    if (!kb_store_looks_lmdb(path)) {
        /* whatever lies beside it (a lock file copied or made by hand) */
        rc = kb_err_set(e, KB_EDATA, _("%s is not a kernboard board file (%s)"), path,
                        _("no LMDB header"));
        goto out;
    }
    s->lock_fd = open(s->lock_path, O_RDWR | O_CLOEXEC);
    if (s->lock_fd < 0 && (errno == EROFS || errno == EACCES)) {
        /* a read-only file system (a snapshot, a read-only mount) or no
         * write permission: shared locks work on a read-only descriptor,
         * so reading commands (verify, export, backup, list) still run */
        s->ro_errno = errno;
        s->lock_fd = open(s->lock_path, O_RDONLY | O_CLOEXEC);
        s->readonly = s->lock_fd >= 0;
    } else if (s->lock_fd >= 0 && faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0 &&
               (errno == EROFS || errno == EACCES)) {
        /* the lock file is writable but the board file is not (chmod 444,
         * another owner): the same read-only session, which claims no slot */
        s->ro_errno = errno;
        s->ro_data = s->readonly = true;
    }
    if (s->lock_fd < 0 && errno == ENOENT) {
        /* Never recreate it here: a missing lock file may be a share that
         * is only half there, and another host may be writing. */
        rc = kb_err_set(e, KB_ENOENT,
                        _("the board's lock file %s is missing (deleted, or %s was copied or "
                          "restored without it); nothing was changed. 'kernboard doctor "
                          "--repair-lock %s' creates a new one once no session uses the old one"),
                        s->lock_path, path, path);
        goto out;
    }
    if (s->lock_fd < 0) {
        rc = kb_err_set(e, KB_EIO, _("cannot open the board's lock file %s: %s"), s->lock_path,
                        strerror(errno));
        goto out;
    }
    if ((rc = kb_lk_range(s->lock_fd, KB_LK_MAINT, F_RDLCK, s->lock_timeout_ms, e))) {
        if (rc == KB_EBUSY)
            kb_err_set(e, KB_EBUSY, _("the board is under maintenance; try again later"));
        goto out;
    }
    /* Copy out the keyslots under a short read lock; stretch the
     * passphrase only after releasing it. */
    if ((rc = kb_txn_begin(s, false, false, &t, e)) || (rc = kb_board_meta_get(t, salt, e)))
        goto out;
    if (s->format >= 2) {
        /* only the named user's keyslot, found by its locator */
        MDB_dbi fd, sd;
        unsigned char loc[KB_KEY_LEN];
        kb_slot_locator(salt, user, loc);
        MDB_val k = {KB_KEY_LEN, loc}, v;
        if ((rc = kb_dbi(t, KB_DB_SLOTFIND, &fd, e)) || (rc = kb_dbi(t, KB_DB_SLOTS, &sd, e))) {
            rc = rc == KB_ENOENT ? kb_err_set(e, KB_EDATA, _("board has no keyslots")) : rc;
            goto out;
        }
        KB_ARM_OR_FAIL(t, e);
        if (mdb_get(t->txn, fd, &k, &v) == 0 && v.mv_size == KB_KEY_LEN) {
            unsigned char id[KB_KEY_LEN];
            memcpy(id, v.mv_data, KB_KEY_LEN);
            MDB_val k2 = {KB_KEY_LEN, id}, v2;
            if (mdb_get(t->txn, sd, &k2, &v2) == 0 && v2.mv_size <= 1024) {
                kb_buf_append(&slots, id, KB_KEY_LEN);
                kb_buf_put_u16be(&slots, (uint16_t)v2.mv_size);
                kb_buf_append(&slots, v2.mv_data, v2.mv_size);
            }
        }
        KB_DISARM();
    } else {
        MDB_dbi dbi;
        MDB_cursor *c = NULL;
        if ((rc = kb_dbi(t, KB_DB_SLOTS, &dbi, e)) || (rc = mdb_cursor_open(t->txn, dbi, &c))) {
            rc = rc == KB_ENOENT ? kb_err_set(e, KB_EDATA, _("board has no keyslots")) : KB_EIO;
            goto out;
        }
        MDB_val k, v;
        KB_ARM_OR_FAIL(t, e);
        for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0;
             r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            if (k.mv_size != KB_KEY_LEN || v.mv_size > 1024)
                continue;
            kb_buf_append(&slots, k.mv_data, KB_KEY_LEN);
            kb_buf_put_u16be(&slots, (uint16_t)v.mv_size);
            kb_buf_append(&slots, v.mv_data, v.mv_size);
        }
        KB_DISARM();
        mdb_cursor_close(c);
    }
    /* a slot key kept in the session keyring needs no Argon2id: the rest
     * of the open reads in this same transaction (one lock and file round
     * trip fewer per command); a passphrase's KDF runs without holding it */
    if (!(opts && opts->cache_only))
        kb_txn_abort(&t);

    s->keys = kb_keys_new();
    kb_core_dumps_off();
    key = sodium_malloc(32);
    if (!key)
        abort();
    bool found = false;
    volatile bool cached = false; /* volatile: the function has landing pads */
    unsigned char slot_hash[KB_HASH_LEN] = {0};
    kb_kdf_params tried[4];
    size_t ntried = 0;
    /* The slot key kept in the session keyring (keycache.c) first, when
     * no passphrase was given: no Argon2id at all. */
    if ((opts && opts->cache_only) && kb_keycache_get(s->uuid, user, key)) {
        for (size_t o2 = 0; !found && o2 + KB_KEY_LEN + 2 <= slots.len;) {
            const unsigned char *id2 = (unsigned char *)slots.data + o2;
            size_t bl2 = kb_get_u16be(id2 + KB_KEY_LEN);
            const unsigned char *blob2 = id2 + KB_KEY_LEN + 2;
            o2 += KB_KEY_LEN + 2 + bl2;
            if (bl2 >= KB_SLOT_HDR && kb_slot_try(s->uuid, id2, blob2, bl2, key, user, s->keys)) {
                found = cached = true;
                memcpy(s->slot_id, id2, KB_KEY_LEN);
                crypto_generichash(slot_hash, KB_HASH_LEN, blob2, bl2, NULL, 0);
            }
        }
        if (!found) /* passphrase changed or access removed: never again */
            (void)kb_keycache_drop(s->uuid, user);
    }
    if (!found && (!pass || (opts && opts->cache_only))) {
        rc =
            kb_err_set(e, KB_EPERM, _("no key for %s on this board is kept in this session"), user);
        goto out;
    }
    /* Derive once per distinct parameter set (normally one). */
    for (size_t off = 0; !found && off + KB_KEY_LEN + 2 <= slots.len;) {
        const unsigned char *id = (unsigned char *)slots.data + off;
        size_t bl = kb_get_u16be(id + KB_KEY_LEN);
        const unsigned char *blob = id + KB_KEY_LEN + 2;
        off += KB_KEY_LEN + 2 + bl;
        if (bl < KB_SLOT_HDR)
            continue;
        kb_kdf_params p = {kb_get_u64be(blob + 4), kb_get_u64be(blob + 12)};
        if (!kb_kdf_params_ok(p.opslimit, p.memlimit)) {
            if (s->format < 2)
                continue; /* format 1: never run a forged slot's parameters */
            char hex[33];
            kb_hex(id, KB_KEY_LEN, hex);
            rc = kb_err_damage(
                e,
                _("the keyslot %s of user %s asks for Argon2id parameters beyond the "
                  "'sensitive' level (opslimit %llu, memlimit %llu): refusing to use "
                  "it (forged or damaged?); an admin should run 'kernboard verify' "
                  "and reset the passphrase of %s"),
                hex, user, (unsigned long long)p.opslimit, (unsigned long long)p.memlimit, user);
            goto out;
        }
        bool seen = false;
        for (size_t i = 0; i < ntried; i++)
            seen = seen || (tried[i].opslimit == p.opslimit && tried[i].memlimit == p.memlimit);
        if (seen || ntried == 4)
            continue;
        tried[ntried++] = p;
        kb_err ke;
        if (kb_slot_key(salt, user, pass, &p, key, &ke) != KB_OK)
            continue;
        for (size_t o2 = 0; !found && o2 + KB_KEY_LEN + 2 <= slots.len;) {
            const unsigned char *id2 = (unsigned char *)slots.data + o2;
            size_t bl2 = kb_get_u16be(id2 + KB_KEY_LEN);
            const unsigned char *blob2 = id2 + KB_KEY_LEN + 2;
            o2 += KB_KEY_LEN + 2 + bl2;
            if (bl2 >= KB_SLOT_HDR && kb_get_u64be(blob2 + 4) == p.opslimit &&
                kb_get_u64be(blob2 + 12) == p.memlimit &&
                kb_slot_try(s->uuid, id2, blob2, bl2, key, user, s->keys)) {
                found = true;
                memcpy(s->slot_id, id2, KB_KEY_LEN);
                crypto_generichash(slot_hash, KB_HASH_LEN, blob2, bl2, NULL, 0);
            }
        }
    }
    if (!found) {
        rc = kb_err_set(e, KB_EPERM,
                        _("wrong passphrase for user %s, or %s has no access to this board"), user,
                        user);
        goto out;
    }
    /* The data key of the current epoch, sealed to this user, and the
     * rollback check, in one read transaction (the keyslot's, when the
     * key was kept). */
    if (!t && (rc = kb_txn_begin(s, false, false, &t, e)))
        goto out;
    {
        MDB_dbi dbi;
        unsigned char ek[4 + KB_KEY_LEN];
        kb_put_u32be(ek, s->epoch);
        memcpy(ek + 4, s->slot_id, KB_KEY_LEN);
        MDB_val k = {sizeof ek, ek}, v;
        int r = kb_dbi(t, KB_DB_EPOCHS, &dbi, e);
        if (r == KB_OK) {
            KB_ARM_OR_FAIL(t, e);
            r = mdb_get(t->txn, dbi, &k, &v);
            if (r == 0)
                kb_buf_append(&sealed, v.mv_data, v.mv_size);
            KB_DISARM();
        }
        unsigned char xpk[crypto_box_PUBLICKEYBYTES],
            *xsk = sodium_malloc(crypto_box_SECRETKEYBYTES);
        if (!xsk)
            abort();
        bool ok = r == 0 && sealed.len == 32 + crypto_box_SEALBYTES &&
                  crypto_sign_ed25519_pk_to_curve25519(xpk, s->keys->sign_pk) == 0 &&
                  crypto_sign_ed25519_sk_to_curve25519(xsk, s->keys->sign_sk) == 0 &&
                  crypto_box_seal_open(s->keys->mk, (unsigned char *)sealed.data, sealed.len, xpk,
                                       xsk) == 0;
        sodium_free(xsk);
        if (!ok) {
            rc = kb_err_set(e, KB_EDATA,
                            _("the data key for %s is missing or damaged; ask an admin to run "
                              "'kernboard user passwd %s' or restore a backup"),
                            user, user);
            goto out;
        }
    }
    kb_keys_derive(s->keys);
    if (s->format >= 2) {
        /* the keyslot that opened must be the one the access list vouches for */
        kb_buf l = KB_BUF_INIT;
        uint64_t aver = 0;
        if ((rc = kb_access_load(t, &l, &aver, e)) == KB_OK) {
            const unsigned char *p = kb_access_find(&l, s->slot_id);
            if (!p || memcmp(p + 2 * KB_KEY_LEN, slot_hash, KB_HASH_LEN) != 0)
                rc = kb_err_damage(e,
                                   _("the keyslot of %s is not the one the board's access list "
                                     "names (forged or replaced); run 'kernboard verify'"),
                                   user);
        }
        kb_buf_free(&l);
        if (rc)
            goto out;
    }
    /* a board rolled back behind what this client verified is refused
     * (same read transaction as the data key) */
    {
        kb_verify_report rep;
        memset(&rep, 0, sizeof rep);
        uint64_t seq = kb_txn_audit_seq(t);
        rc = kb_pin_check(s, seq, t->audit_head, t, &rep, false, e);
        kb_txn_abort(&t);
        if (rc)
            goto out;
    }
    if (!s->readonly && (rc = kb_session_claim(s, e)))
        goto out;
    if (!s->readonly && s->format < KB_FORMAT_VERSION && (rc = kb_store_migrate(s, e)))
        goto out;
    if (!cached && opts && opts->key_cache_s > 0)
        kb_keycache_put(s->uuid, user, key, opts->key_cache_s);
    *out = s;
    s = NULL;
out:
    kb_txn_abort(&t);
    if (key)
        sodium_free(key);
    sodium_memzero(slots.data ? slots.data : (char *)&rc, slots.data ? slots.len : 0);
    kb_buf_free(&slots);
    kb_buf_free(&sealed);
    kb_store_close(&s);
    return rc;
}

int kb_store_generation(kb_store *s, uint64_t *gen, kb_err *e)
{
    kb_lk_header h;
    int rc = kb_lk_path_check(s, e); /* issue 15: a vanished share or lock file shows */
    if (rc == KB_OK)
        rc = kb_lk_header_read(s->lock_fd, &h, e);
    if (rc == KB_OK)
        *gen = h.generation;
    return rc;
}

/* ------------------------------------------------------------ change feed */

int kb_txn_changes_since(kb_txn *t, uint64_t seq, kb_change_fn fn, void *ctx, kb_err *e)
{
    int rc = kb_txn_usable(t, e);
    if (rc || (rc = kb_audit_flush(t, e)))
        return rc;
    if ((rc = kb_audit_dbi(t, e)))
        return rc == KB_ENOENT ? KB_OK : rc;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t->txn, t->dbi_audit, &c)))
        return kb_mdb_err(e, rc, KB_DB_AUDIT);
    unsigned char k8[8];
    kb_put_u64be(k8, seq + 1);
    MDB_val k = {8, k8}, v;
    MDB_cursor_op op = MDB_SET_RANGE;
    kb_buf raw = KB_BUF_INIT;
    unsigned char kk[8];
    unsigned char last_author[KB_KEY_LEN] = {0};
    char last_name[65] = "";
    for (;;) {
        {
            sigjmp_buf pad_;
            sigjmp_buf *prev_ = kb_bus_arm(&pad_);
            if (KB_BUS_SETJMP(pad_)) {
                kb_bus_disarm(prev_);
                t->failed = true;
                rc = kb_bus_fail(e, NULL);
                break;
            }
            rc = mdb_cursor_get(c, &k, &v, op);
            if (rc == 0 && k.mv_size == 8) {
                memcpy(kk, k.mv_data, 8);
                kb_buf_clear(&raw);
                kb_buf_append(&raw, v.mv_data, v.mv_size);
            }
            kb_bus_disarm(prev_);
        }
        op = MDB_NEXT;
        if (rc == MDB_NOTFOUND) {
            rc = KB_OK;
            break;
        }
        if (rc) {
            rc = kb_mdb_err(e, rc, KB_DB_AUDIT);
            break;
        }
        MDB_val k2 = {8, kk}, v2 = {raw.len, raw.data};
        kb_entry en;
        char *pt = NULL;
        if ((rc = kb_audit_open(t->s, &k2, &v2, &en, &pt, e)))
            break;
        kb_change ch;
        memset(&ch, 0, sizeof ch);
        ch.seq = en.seq;
        ch.table = (enum kb_table)en.table;
        ch.klen = en.klen < sizeof ch.key ? en.klen : sizeof ch.key;
        memcpy(ch.key, en.key, ch.klen);
        ch.version = en.version;
        ch.deleted = en.flags & 1;
        ch.time = en.time;
        if (memcmp(en.author, last_author, KB_KEY_LEN) != 0) {
            char *sv = NULL;
            size_t sn = 0;
            last_name[0] = '\0';
            if (kb_txn_get(t, KB_T_SIGNERS, en.author, KB_KEY_LEN, &sv, &sn, NULL, NULL) == KB_OK &&
                sn > crypto_sign_PUBLICKEYBYTES) {
                size_t nl =
                    strnlen(sv + crypto_sign_PUBLICKEYBYTES, sn - crypto_sign_PUBLICKEYBYTES);
                nl = nl < sizeof last_name - 1 ? nl : sizeof last_name - 1;
                memcpy(last_name, sv + crypto_sign_PUBLICKEYBYTES, nl);
                last_name[nl] = '\0';
            }
            kb_free(&sv);
            memcpy(last_author, en.author, KB_KEY_LEN);
        }
        memcpy(ch.user, last_name, sizeof ch.user);
        memcpy(ch.action, en.action, sizeof ch.action - 1);
        ch.action[sizeof ch.action - 1] = '\0';
        kb_free(&pt);
        if (en.table < KB_T_COUNT_ && (rc = fn(ctx, &ch)))
            break;
    }
    mdb_cursor_close(c);
    kb_buf_free(&raw);
    return rc;
}

/* Scan the newest audit entries for an operation id (unknown outcome). */
static int kb_find_op(kb_store *s, const unsigned char op_id[KB_OPID_LEN], bool *found, kb_err *e)
{
    *found = false;
    kb_txn *t = NULL;
    int rc = kb_store_read(s, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_audit_dbi(t, e))) {
        kb_txn_abort(&t);
        return rc == KB_ENOENT ? KB_OK : rc;
    }
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t->txn, t->dbi_audit, &c)) == 0) {
        MDB_val k, v;
        int n = 0;
        for (int r = mdb_cursor_get(c, &k, &v, MDB_LAST); r == 0 && n < 256 && !*found;
             r = mdb_cursor_get(c, &k, &v, MDB_PREV), n++) {
            kb_entry en;
            char *pt = NULL;
            if (kb_audit_open(s, &k, &v, &en, &pt, NULL) == KB_OK)
                *found = sodium_memcmp(en.op_id, op_id, KB_OPID_LEN) == 0;
            kb_free(&pt);
        }
        mdb_cursor_close(c);
    }
    kb_txn_abort(&t);
    return KB_OK;
}

/* ------------------------------------------------------------ verify (verify.c) */

void kb_hex(const unsigned char *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The pin file of this board file: <uuid>-<id>.head, id = the first 8
 * bytes (hex) of BLAKE2b over the file's absolute path (its directory
 * resolved, its own name as given: a board replaced by a symbolic link to
 * an older copy keeps its pin).  legacy: the <uuid>.head of earlier
 * versions, one per board whatever its path. */
char *kb_pin_file(const kb_store *s, bool legacy)
{
    char uuid[2 * KB_UUID_LEN + 1];
    kb_hex(s->uuid, KB_UUID_LEN, uuid);
    if (legacy)
        return kb_asprintf("%s/%s.head", s->state_dir, uuid);
    const char *slash = strrchr(s->path, '/');
    char *dir = slash ? kb_strndup(s->path, (size_t)(slash - s->path) + 1) : kb_strdup(".");
    char *real = realpath(dir, NULL);
    char *abs = kb_asprintf("%s/%s", real ? real : dir, slash ? slash + 1 : s->path);
    free(real);
    kb_free(&dir);
    unsigned char id[8];
    char idhex[2 * sizeof id + 1];
    crypto_generichash(id, sizeof id, (const unsigned char *)abs, strlen(abs), NULL, 0);
    kb_hex(id, sizeof id, idhex);
    kb_free(&abs);
    return kb_asprintf("%s/%s-%s.head", s->state_dir, uuid, idhex);
}

FILE *kb_pin_open(const kb_store *s, const char *own)
{
    if (s->no_pin)
        return NULL;
    char *path = own ? NULL : kb_pin_file(s, false);
    FILE *f = fopen(own ? own : path, "r");
    kb_free(&path);
    if (!f) { /* pinned by an earlier version: one pin per board */
        path = kb_pin_file(s, true);
        f = fopen(path, "r");
        kb_free(&path);
    }
    return f;
}

/* Rollback detection: the newest verified (seq, head) of this board file
 * is pinned in $XDG_STATE_HOME/kernboard/ (kb_pin_file). */
int kb_pin_check(kb_store *s, uint64_t head_seq, const unsigned char head[KB_HASH_LEN], kb_txn *t,
                 kb_verify_report *rep, bool update, kb_err *e)
{
    char hh[2 * KB_HASH_LEN + 1];
    char *path = kb_pin_file(s, false);
    int rc = KB_OK;
    FILE *f = kb_pin_open(s, path);
    if (f) {
        unsigned long long pseq = 0;
        char phex[2 * KB_HASH_LEN + 2] = "";
        if (fscanf(f, "%llu %64s", &pseq, phex) == 2) {
            if (pseq > head_seq) {
                rep->rollback_warning = true;
                rc = kb_err_set(e, KB_EDATA,
                                _("the board was rolled back: this client verified audit entry "
                                  "%llu before, the board now ends at %llu"),
                                pseq, (unsigned long long)head_seq);
            } else {
                /* the entry at pseq must still have the pinned hash */
                unsigned char k8[8];
                kb_put_u64be(k8, pseq);
                MDB_val k = {8, k8}, v;
                kb_entry en;
                char *pt = NULL;
                bool readable = pseq == 0 || (kb_audit_dbi(t, NULL) == KB_OK &&
                                              mdb_get(t->txn, t->dbi_audit, &k, &v) == 0 &&
                                              kb_audit_open(s, &k, &v, &en, &pt, NULL) == KB_OK);
                if (!readable) {
                    rep->rollback_warning = true;
                    rc = kb_err_set(e, KB_EDATA,
                                    _("audit entry %llu, which this client verified before, "
                                      "cannot be read: the board was replaced or damaged"),
                                    pseq);
                } else if (pseq > 0) {
                    kb_hex(en.hash, KB_HASH_LEN, hh);
                    if (strcmp(hh, phex) != 0) {
                        rep->rollback_warning = true;
                        rc = kb_err_set(e, KB_EDATA,
                                        _("the board's history differs from what this client "
                                          "verified before (audit entry %llu): replaced or "
                                          "rolled back"),
                                        pseq);
                    }
                }
                kb_free(&pt);
            }
            /* an admin's signed restore record that discarded the pinned
             * entry: the older history is the board's history now */
            if (rc != KB_OK && kb_pin_restored(s, t, pseq, phex)) {
                rep->rollback_warning = false;
                kb_err_clear(e);
                rc = KB_OK;
            }
            if (rc != KB_OK && e) { /* what to do */
                size_t n = strlen(e->msg);
                snprintf(e->msg + n, sizeof e->msg - n, "%s",
                         _("; to go back to an older copy, an admin runs 'kernboard restore "
                           "BACKUP BOARD' (clients accept that); otherwise put the newer board "
                           "file back"));
            }
        }
        fclose(f);
    }
    if (rc == KB_OK && update && !s->no_pin) {
        kb_err me;
        if (kb_path_mkdirs(s->state_dir, 0700, &me) == KB_OK) {
            char *tmp = kb_asprintf("%s.tmp", path);
            int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            FILE *w = fd >= 0 ? fdopen(fd, "w") : NULL;
            if (!w && fd >= 0)
                close(fd);
            if (w) {
                kb_hex(head, KB_HASH_LEN, hh);
                fprintf(w, "%llu %s\n", (unsigned long long)head_seq, hh);
                if (fclose(w) == 0 && rename(tmp, path) == 0) {
                    char *legacy = kb_pin_file(s, true);
                    unlink(legacy); /* this file's own pin replaces it */
                    kb_free(&legacy);
                }
            }
            kb_free(&tmp);
        }
    }
    kb_free(&path);
    return rc;
}

/* ------------------------------------------------------------ maintenance */

void kb_fsync_dir(const char *path)
{
    char *dir = kb_strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    kb_free(&dir);
}

/* A fresh lock file for a copy of this board (generation 0: the copy's
 * own meta page is authoritative). */
int kb_lock_file_create(const char *lock_path, const unsigned char uuid[KB_UUID_LEN], int *out_fd,
                        kb_err *e)
{
    int fd = open(lock_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
    if (fd < 0)
        return kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), lock_path, strerror(errno));
    kb_lk_header h = {0};
    memcpy(h.uuid, uuid, KB_UUID_LEN);
    int rc = kb_lk_header_write(fd, &h, e);
    h.seq = 1;
    if (rc == KB_OK)
        rc = kb_lk_header_write(fd, &h, e);
    if (rc) /* name the new file, not "the board's lock file" */
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), lock_path, strerror(errno));
    if (rc == KB_OK && ftruncate(fd, KB_LK_SLOTS_OFF + (off_t)KB_LK_NSLOTS * KB_LK_SLOT_SIZE) != 0)
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), lock_path, strerror(errno));
    if (rc) {
        close(fd);
        unlink(lock_path);
        return rc;
    }
    *out_fd = fd;
    return KB_OK;
}

/* Verify a board file that is a copy of this one, with this session's keys. */
static int kb_verify_copy(kb_store *s, const char *path, kb_verify_report *rep, kb_err *e)
{
    kb_store_opts o = {
        .lock_timeout_ms = s->lock_timeout_ms, .host = s->host, .state_dir = s->state_dir};
    kb_store *c = kb_store_alloc(path, s->user, &o);
    c->no_pin = true;
    int rc = KB_OK;
    c->lock_fd = open(c->lock_path, O_RDWR | O_CLOEXEC);
    if (c->lock_fd < 0) {
        rc = kb_err_set(e, KB_EIO, _("cannot open %s: %s"), c->lock_path, strerror(errno));
        goto out;
    }
    c->keys = kb_keys_new();
    memcpy(c->keys, s->keys, sizeof *c->keys);
    memcpy(c->uuid, s->uuid, KB_UUID_LEN);
    memcpy(c->slot_id, s->slot_id, KB_KEY_LEN);
    c->epoch = s->epoch;
    rc = kb_store_verify(c, rep, e);
out:
    kb_store_close(&c);
    return rc;
}

/* rename(2) that fails with EEXIST instead of replacing to; where the file
 * system lacks RENAME_NOREPLACE (EINVAL: some network file systems), a
 * hard link (which never replaces) and the removal of the old name. */
static int kb_rename_noreplace(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (link(from, to) != 0)
        return -1;
    return unlink(from);
}

int kb_store_backup(kb_store *s, const char *dest, kb_verify_report *rep, kb_err *e)
{
    struct stat st;
    char *dest_lock = kb_asprintf("%s.lock", dest);
    if (stat(dest, &st) == 0 || stat(dest_lock, &st) == 0) {
        int rc0 = kb_err_set(e, KB_ECANTCREAT, _("%s already exists; choose another name"),
                             stat(dest, &st) == 0 ? dest : dest_lock);
        kb_free(&dest_lock);
        return rc0;
    }
    char *tmp = kb_asprintf("%s.tmp%d", dest, (int)getpid());
    char *tmp_lock = kb_asprintf("%s.lock", tmp);
    int fd = -1, lfd = -1, rc;
    bool damaged = false, kept = false;
    kb_err de;
    kb_txn *t = NULL;
    /* only its maker may read it (a copy of everything, encrypted) */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), dest, strerror(errno));
        goto out;
    }
    /* a consistent compacted copy under the shared board lock (the copy
     * counts the free pages: a damaged free list is named, not a crash) */
    if ((rc = kb_store_read(s, &t, e)) || (rc = kb_store_free_check(s->path, t->dfd, e)))
        goto out;
    {
        sigjmp_buf pad;
        sigjmp_buf *prev = kb_bus_arm(&pad);
        if (KB_BUS_SETJMP(pad)) {
            kb_bus_disarm(prev);
            rc = kb_bus_fail(e, s->path);
            goto out;
        }
        int r = mdb_env_copyfd2(t->env, fd, MDB_CP_COMPACT);
        kb_bus_disarm(prev);
        if (r) {
            rc = kb_mdb_err(e, r, _("backup"));
            goto out;
        }
    }
    kb_txn_abort(&t);
    if (fsync(fd) != 0) {
        rc = kb_err_set(e, KB_EIO, _("cannot write %s: %s"), tmp, strerror(errno));
        goto out;
    }
    close(fd);
    fd = -1;
    if ((rc = kb_lock_file_create(tmp_lock, s->uuid, &lfd, e)))
        goto out;
    close(lfd);
    lfd = -1;
    /* verify the copy before it takes the destination name */
    if ((rc = kb_verify_copy(s, tmp, rep, e))) {
        kb_err_replace(e, tmp, dest);
        if (rc != KB_EDATA || !e->damage) {
            kb_err_prefix(e, "%s", _("the backup copy does not verify: "));
            goto out;
        }
        /* damaged or tampered records (the page copy decoded none): the
         * board has the same damage; keep the copy under its name, so
         * that what is left can be read from it, and say so (exit 65) */
        damaged = true;
        de = *e;
        rc = KB_OK;
    }
    /* never over a file that appeared since the check above; a rename
     * reported failed may have been done all the same (NFS: a lost reply) */
    struct stat sl, sd;
    bool hl = stat(tmp_lock, &sl) == 0, hd = stat(tmp, &sd) == 0;
    if (kb_rename_noreplace(tmp_lock, dest_lock) != 0 &&
        !(hl && kb_rename_landed(AT_FDCWD, tmp_lock, dest_lock, &sl))) {
        rc = kb_err_set(e, errno == EEXIST ? KB_ECANTCREAT : KB_EIO,
                        _("cannot rename the backup to %s: %s"), dest_lock, strerror(errno));
        goto out;
    }
    if (kb_rename_noreplace(tmp, dest) != 0 &&
        !(hd && kb_rename_landed(AT_FDCWD, tmp, dest, &sd))) {
        rc = kb_err_set(e, errno == EEXIST ? KB_ECANTCREAT : KB_EIO,
                        _("cannot rename the backup to %s: %s"), dest, strerror(errno));
        unlink(dest_lock); /* ours: it was renamed from tmp_lock just now */
        goto out;
    }
    kb_fsync_dir(dest);
    if (damaged) {
        kept = true;
        rc = kb_err_set(e, KB_EDATA,
                        _("the board is damaged, and so is its copy %s (%s); the copy was kept "
                          "so that what is left can be read from it ('kernboard --db %s case "
                          "list', 'case show'), but it is not a good backup: keep the last good "
                          "one"),
                        dest, de.msg, dest);
    }
out:
    kb_txn_abort(&t);
    if (fd >= 0)
        close(fd);
    if (lfd >= 0)
        close(lfd);
    if (rc && !kept) {
        unlink(tmp);
        unlink(tmp_lock);
    }
    if (rc) /* the user's own name, not the temporary one */
        kb_err_replace(e, tmp, dest);
    kb_free(&tmp);
    kb_free(&tmp_lock);
    kb_free(&dest_lock);
    return rc;
}

/* Raw copy of one stored value (for rewriting every record). */
typedef struct kb_rawrec {
    unsigned char table;
    unsigned char klen;
    unsigned char key[255];
    kb_buf val;
} kb_rawrec;

static int kb_collect_raw(kb_txn *t, MDB_dbi dbi, unsigned char table, kb_rawrec **out, size_t *n,
                          kb_err *e)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, dbi, &c);
    if (rc)
        return kb_mdb_err(e, rc, "rekey");
    MDB_val k, v;
    for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0;
         r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size > 255)
            continue;
        *out = kb_reallocarray(*out, *n + 1, sizeof **out);
        kb_rawrec *x = &(*out)[(*n)++];
        memset(x, 0, sizeof *x);
        x->table = table;
        x->klen = (unsigned char)k.mv_size;
        memcpy(x->key, k.mv_data, k.mv_size);
        kb_buf_append(&x->val, v.mv_data, v.mv_size);
    }
    mdb_cursor_close(c);
    return KB_OK;
}

static void kb_rawrecs_free(kb_rawrec **r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_buf_free(&(*r)[i].val);
    kb_free(r);
}

/* rekey: src/store/rekey.c */

/* ------------------------------------------------------------ migration */

/* Format 1 -> 2, in place, when nobody else has the board open: a verified
 * backup BOARD.format1-backup first, then one audited write transaction
 * ("board.migrate") that moves comments, leases and relations under hashed
 * keys, writes the keyslot locators and the access list (for every keyslot
 * whose signer is an active user), builds the version map and bumps the
 * board header to format 2.  With other sessions open the board stays at
 * format 1 (still read and written) until the next open. */
/* Formats 2 and 3 -> 5: the version map's entries move into as many
 * buckets as the board needs, their hashes into groups (kb_vm_relayout;
 * the old map is read, checked against its root, so no replay protection
 * is lost) and the header says 5, in one write transaction, when nobody
 * else has the board open.  No record changes, so no backup is made.
 * Format 4 -> 5 (audit signatures may be deferred) writes the header
 * only. */
static int kb_store_migrate_map(kb_store *s, kb_err *e)
{
    kb_txn *t = NULL;
    unsigned char salt[KB_SALT_LEN];
    unsigned from = s->format;
    int rc = kb_store_write(s, "board.migrate", NULL, &t, e);
    if (rc == KB_OK && from >= 2 && from < KB_FORMAT_VERSION &&
        (rc = kb_board_meta_get(t, salt, e)) == KB_OK && (rc = kb_vmap_root(t, e)) == KB_OK) {
        s->format = KB_FORMAT_VERSION;
        /* format 4 -> 5 changes no stored value: the header only */
        if ((from >= 4 ||
             (rc = kb_vm_relayout(t, kb_vm_layout_of(KB_FORMAT_VERSION), 0, e)) == KB_OK) &&
            (rc = kb_board_meta_put(t, salt, e)) == KB_OK)
            rc = kb_txn_commit(&t, e);
        if (rc)
            s->format = from;
    }
    kb_txn_abort(&t);
    return rc;
}

static int kb_store_migrate(kb_store *s, kb_err *e)
{
    if (s->format >= KB_FORMAT_VERSION)
        return KB_OK;
    if (!kb_lk_try(s->lock_fd, KB_LK_MAINT, F_WRLCK))
        return KB_OK; /* others have it open: migrate another time */
    if (s->format >= 2) {
        /* a map that does not check out (damage, a partial rollback) or a
         * failed write leaves the board in its format, still read, written
         * and verified as such: verify names the damage, backup and
         * restore work; the next open alone tries again */
        kb_err me;
        kb_err_clear(&me);
        (void)kb_store_migrate_map(s, &me);
        kb_lk_try(s->lock_fd, KB_LK_MAINT, F_RDLCK); /* back to shared */
        return KB_OK;
    }
    kb_txn *t = NULL;
    kb_rawrec *recs = NULL, *slots = NULL;
    size_t nrecs = 0, nslots = 0;
    char *pt = NULL;
    kb_buf acc = KB_BUF_INIT;
    char *bpath = kb_asprintf("%s.format1-backup", s->path);
    struct stat st;
    for (int i = 2; stat(bpath, &st) == 0 && i < 1000; i++) {
        kb_free(&bpath);
        bpath = kb_asprintf("%s.format1-backup.%d", s->path, i);
    }
    kb_verify_report rep;
    int rc = kb_store_backup(s, bpath, &rep, e);
    if (rc) {
        kb_err e2 = *e;
        rc = kb_err_set(e, rc, _("cannot migrate the board to format %d (backup %s failed): %s"),
                        KB_FORMAT_VERSION, bpath, e2.msg);
        e->damage = e2.damage;
        goto out;
    }
    if ((rc = kb_store_write(s, "board.migrate", NULL, &t, e)))
        goto out;
    t->vm_off = true;
    unsigned char salt[KB_SALT_LEN];
    if ((rc = kb_board_meta_get(t, salt, e)))
        goto out;
    static const enum kb_table moved[] = {KB_T_COMMENTS, KB_T_LEASES, KB_T_RELS};
    for (size_t i = 0; i < sizeof moved / sizeof moved[0]; i++) {
        MDB_dbi dbi;
        int r = kb_tdbi(t, moved[i], &dbi, e);
        if (r == KB_ENOENT)
            continue;
        if (r || (r = kb_collect_raw(t, dbi, (unsigned char)moved[i], &recs, &nrecs, e))) {
            rc = r;
            goto out;
        }
    }
    {
        MDB_dbi dbi;
        if ((rc = kb_dbi(t, KB_DB_SLOTS, &dbi, e)) ||
            (rc = kb_collect_raw(t, dbi, 0, &slots, &nslots, e)))
            goto out;
    }
    /* 1. the old keys go (audited deletes) ... */
    for (size_t i = 0; i < nrecs; i++) {
        kb_rawrec *x = &recs[i];
        if ((rc = kb_del_phys(t, (enum kb_table)x->table, x->key, x->klen, KB_VERSION_ANY,
                              "migrate", e)))
            goto out;
    }
    /* ... and come back under hashed keys */
    s->format = KB_FORMAT_VERSION;
    for (size_t i = 0; i < nrecs; i++) {
        kb_rawrec *x = &recs[i];
        size_t n = 0;
        s->format = KB_FORMAT_OLDEST;
        rc = kb_val_open(s, s->keys->k_rec, kb_table_names[x->table], x->key, x->klen,
                         (unsigned char *)x->val.data, x->val.len, &pt, &n, NULL, e);
        s->format = KB_FORMAT_VERSION;
        if (rc)
            goto out;
        rc = kb_txn_put(t, (enum kb_table)x->table, x->key, x->klen, pt, n, KB_VERSION_NEW, NULL,
                        "migrate", e);
        sodium_memzero(pt, n);
        kb_free(&pt);
        if (rc)
            goto out;
    }
    /* 2. locators and the access list for every active user's keyslot */
    {
        MDB_dbi epochs;
        if ((rc = kb_dbi(t, KB_DB_EPOCHS, &epochs, e)))
            goto out;
        for (size_t i = 0; i < nslots; i++) {
            if (slots[i].klen != KB_KEY_LEN)
                continue;
            char *sv = NULL;
            size_t sn = 0;
            kb_err se;
            if (kb_txn_get(t, KB_T_SIGNERS, slots[i].key, KB_KEY_LEN, &sv, &sn, NULL, &se) != KB_OK)
                continue; /* no signer: not a real user's slot */
            size_t nl = sn > crypto_sign_PUBLICKEYBYTES ? strnlen(sv + crypto_sign_PUBLICKEYBYTES,
                                                                  sn - crypto_sign_PUBLICKEYBYTES)
                                                        : 0;
            bool removed = crypto_sign_PUBLICKEYBYTES + nl + 1 + 8 == sn;
            char *name = nl && !removed ? kb_strndup(sv + crypto_sign_PUBLICKEYBYTES, nl) : NULL;
            kb_free(&sv);
            if (!name)
                continue;
            unsigned char ek[4 + KB_KEY_LEN], loc[KB_KEY_LEN], hs[KB_HASH_LEN], he[KB_HASH_LEN];
            kb_put_u32be(ek, s->epoch);
            memcpy(ek + 4, slots[i].key, KB_KEY_LEN);
            MDB_val k = {sizeof ek, ek}, v;
            if (mdb_get(t->txn, epochs, &k, &v) != 0) {
                kb_free(&name);
                continue;
            }
            crypto_generichash(he, KB_HASH_LEN, v.mv_data, v.mv_size, NULL, 0);
            crypto_generichash(hs, KB_HASH_LEN, (unsigned char *)slots[i].val.data,
                               slots[i].val.len, NULL, 0);
            kb_slot_locator(salt, name, loc);
            kb_free(&name);
            if ((rc = kb_slotfind_put(t, loc, slots[i].key, e)))
                goto out;
            kb_access_upsert(&acc, slots[i].key, loc, hs, he);
        }
        uint64_t aver = 0;
        kb_buf old = KB_BUF_INIT;
        rc = kb_access_load(t, &old, &aver, e);
        kb_buf_free(&old);
        if (rc || (rc = kb_access_store(t, &acc, aver, e)))
            goto out;
    }
    /* 3. the header says format 2; the version map covers every record */
    if ((rc = kb_board_meta_put(t, salt, e)) || (rc = kb_vmap_rebuild(t, e)) ||
        (rc = kb_txn_commit(&t, e)))
        goto out;
out:
    if (rc)
        s->format = KB_FORMAT_OLDEST;
    kb_txn_abort(&t);
    kb_free(&pt);
    kb_free(&bpath);
    kb_buf_free(&acc);
    kb_rawrecs_free(&recs, nrecs);
    kb_rawrecs_free(&slots, nslots);
    kb_lk_try(s->lock_fd, KB_LK_MAINT, F_RDLCK); /* back to shared */
    return rc;
}

/* ------------------------------------------------------------ restore */

/* A restore record (table meta, random key, written by kb_store_restore
 * in the restored board as its first change after the backup's history):
 *   "KBRESTORE1" | backup head seq u64 | replaced head seq u64 |
 *   count u64 | count x (seq u64 | entry hash[32])
 * The pairs are the audit entries the restore discarded (those of the
 * replaced board after the backup's head, and the ones earlier restore
 * records in that part had discarded).  Its audit entry (action
 * "board.restore") is signed by the admin who restored; a client whose
 * rollback pin is one of the pairs accepts the older history. */
static const char kb_restore_magic[10] = {'K', 'B', 'R', 'E', 'S', 'T', 'O', 'R', 'E', '1'};
#define KB_RESTORE_HDR (10 + 8 + 8 + 8)
#define KB_RESTORE_ACTION "board.restore"

static bool kb_restore_rec_ok(const char *p, size_t n, uint64_t *count)
{
    if (n < KB_RESTORE_HDR || memcmp(p, kb_restore_magic, sizeof kb_restore_magic) != 0)
        return false;
    *count = kb_get_u64be((const unsigned char *)p + 26);
    return *count <= (n - KB_RESTORE_HDR) / (8 + KB_HASH_LEN) &&
           n - KB_RESTORE_HDR == *count * (8 + KB_HASH_LEN);
}

/* The plaintext of the restore record named by audit entry en, after
 * checking the entry's hash and signature and that the stored value is
 * the one the entry names.  NULL if anything does not check out. */
static char *kb_restore_rec_load(kb_txn *t, const kb_entry *en, size_t *n)
{
    kb_store *s = t->s;
    kb_buf raw = KB_BUF_INIT;
    unsigned char h[KB_HASH_LEN];
    kb_entry_encode(en, &raw);
    crypto_generichash(h, KB_HASH_LEN, (unsigned char *)raw.data, raw.len, NULL, 0);
    kb_buf_free(&raw);
    if (sodium_memcmp(h, en->hash, KB_HASH_LEN) != 0 || (en->flags & 1))
        return NULL;
    char *sv = NULL, *pt = NULL;
    size_t sn = 0;
    if (kb_txn_get(t, KB_T_SIGNERS, en->author, KB_KEY_LEN, &sv, &sn, NULL, NULL) != KB_OK)
        return NULL;
    bool signed_ok =
        sn >= crypto_sign_PUBLICKEYBYTES &&
        crypto_sign_verify_detached(en->sig, en->hash, KB_HASH_LEN, (unsigned char *)sv) == 0;
    kb_free(&sv);
    MDB_dbi dbi;
    MDB_val k = {en->klen, (void *)en->key}, v;
    if (!signed_ok || kb_tdbi(t, KB_T_META, &dbi, NULL) != KB_OK ||
        mdb_get(t->txn, dbi, &k, &v) != 0)
        return NULL;
    crypto_generichash(h, KB_HASH_LEN, v.mv_data, v.mv_size, NULL, 0);
    uint64_t count = 0;
    if (sodium_memcmp(h, en->value_hash, KB_HASH_LEN) != 0 ||
        kb_val_open(s, s->keys->k_rec, kb_table_names[KB_T_META], en->key, en->klen, v.mv_data,
                    v.mv_size, &pt, n, NULL, NULL) != KB_OK ||
        !kb_restore_rec_ok(pt, *n, &count)) {
        kb_free(&pt);
        return NULL;
    }
    return pt;
}

/* Does a signed restore record in this board's history say that the
 * audit entry (pseq, phex) was discarded by a restore? */
static bool kb_pin_restored(kb_store *s, kb_txn *t, uint64_t pseq, const char *phex)
{
    if (!s->keys || kb_audit_dbi(t, NULL) != KB_OK)
        return false;
    MDB_cursor *c;
    if (mdb_cursor_open(t->txn, t->dbi_audit, &c) != 0)
        return false;
    bool found = false;
    MDB_val k, v;
    for (int r = mdb_cursor_get(c, &k, &v, MDB_LAST); r == 0 && !found;
         r = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
        kb_entry en;
        char *pt = NULL;
        if (kb_audit_open(s, &k, &v, &en, &pt, NULL) != KB_OK)
            continue;
        if (strcmp(en.action, KB_RESTORE_ACTION) == 0 && en.table == KB_T_META) {
            size_t n = 0;
            char *rec = kb_restore_rec_load(t, &en, &n);
            if (rec) {
                uint64_t count = 0;
                kb_restore_rec_ok(rec, n, &count);
                char hh[2 * KB_HASH_LEN + 1];
                for (uint64_t i = 0; i < count && !found; i++) {
                    const unsigned char *p =
                        (unsigned char *)rec + KB_RESTORE_HDR + i * (8 + KB_HASH_LEN);
                    if (kb_get_u64be(p) != pseq)
                        continue;
                    kb_hex(p + 8, KB_HASH_LEN, hh);
                    found = strcmp(hh, phex) == 0;
                }
                kb_free(&rec);
            }
        }
        kb_free(&pt);
    }
    mdb_cursor_close(c);
    return found;
}

/* The (seq, hash) pairs of this board's audit entries after after_seq,
 * plus what restore records among them had discarded; checks that the
 * entry at after_seq has hash after_hash. */
static int kb_restore_collect(kb_store *s, uint64_t after_seq,
                              const unsigned char after_hash[KB_HASH_LEN], kb_buf *pairs,
                              uint64_t *count, uint64_t *head_seq, kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_read(s, &t, e);
    if (rc)
        return rc;
    *count = 0;
    *head_seq = 0;
    bool base_ok = after_seq == 0;
    if ((rc = kb_audit_dbi(t, e))) {
        kb_txn_abort(&t);
        return rc == KB_ENOENT ? kb_err_set(e, KB_EDATA, _("the board has no audit log")) : rc;
    }
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t->txn, t->dbi_audit, &c))) {
        kb_txn_abort(&t);
        return kb_mdb_err(e, rc, KB_DB_AUDIT);
    }
    unsigned char k8[8];
    kb_put_u64be(k8, after_seq ? after_seq : 1);
    MDB_val k = {8, k8}, v;
    KB_ARM_OR_FAIL(t, e);
    for (int r = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); r == 0 && rc == KB_OK;
         r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        kb_entry en;
        char *pt = NULL;
        if ((rc = kb_audit_open(s, &k, &v, &en, &pt, e)))
            break;
        *head_seq = en.seq;
        if (en.seq == after_seq) {
            base_ok = memcmp(en.hash, after_hash, KB_HASH_LEN) == 0;
        } else if (en.seq > after_seq) {
            kb_buf_put_u64be(pairs, en.seq);
            kb_buf_append(pairs, en.hash, KB_HASH_LEN);
            (*count)++;
            if (strcmp(en.action, KB_RESTORE_ACTION) == 0 && en.table == KB_T_META) {
                size_t n = 0;
                uint64_t m = 0;
                char *rec = kb_restore_rec_load(t, &en, &n);
                if (rec && kb_restore_rec_ok(rec, n, &m)) {
                    kb_buf_append(pairs, rec + KB_RESTORE_HDR, n - KB_RESTORE_HDR);
                    *count += m;
                }
                kb_free(&rec);
            }
        }
        kb_free(&pt);
    }
    KB_DISARM();
    mdb_cursor_close(c);
    kb_txn_abort(&t);
    if (rc == KB_OK && !base_ok)
        rc = kb_err_set(e, KB_EDATA,
                        _("the backup is not an earlier state of this board (their histories "
                          "differ at audit entry %llu); nothing was changed"),
                        (unsigned long long)after_seq);
    return rc;
}

static int kb_copy_file(const char *from, const char *to, kb_err *e)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return kb_err_set(e, errno == ENOENT ? KB_ENOENT : KB_EIO, _("cannot open %s: %s"), from,
                          strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
    if (out < 0) {
        int rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), to, strerror(errno));
        close(in);
        return rc;
    }
    char buf[65536];
    ssize_t n;
    int rc = KB_OK;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0) {
                rc = kb_err_set(e, KB_EIO, _("cannot write %s: %s"), to, strerror(errno));
                break;
            }
            off += w;
        }
        if (rc)
            break;
    }
    if (rc == KB_OK && n < 0)
        rc = kb_err_set(e, KB_EIO, _("cannot read %s: %s"), from, strerror(errno));
    if (rc == KB_OK && fsync(out) != 0)
        rc = kb_err_set(e, KB_EIO, _("cannot write %s: %s"), to, strerror(errno));
    close(in);
    close(out);
    if (rc)
        unlink(to);
    return rc;
}

/* A backup to restore, checked before anything is copied: a board file
 * (65 if not), whose pages are intact (65, naming the damage), and its
 * board's uuid. */
static int kb_backup_check(const char *backup, unsigned char uuid[KB_UUID_LEN], kb_err *e)
{
    struct stat st;
    if (stat(backup, &st) != 0)
        return errno == ENOENT
                   ? kb_err_set(e, KB_ENOENT, _("no backup at %s"), backup)
                   : kb_err_set(e, KB_EIO, _("cannot read %s: %s"), backup, strerror(errno));
    if (!S_ISREG(st.st_mode) || !kb_store_looks_lmdb(backup))
        return kb_err_set(e, KB_EDATA, _("%s is not a kernboard board file (%s)"), backup,
                          S_ISDIR(st.st_mode)    ? _("a directory")
                          : !S_ISREG(st.st_mode) ? _("not a regular file")
                                                 : _("no LMDB header"));
    kb_buf rep = KB_BUF_INIT;
    size_t found = 0;
    int rc = kb_store_check_file(backup, &rep, &found, e);
    if (rc == KB_OK && found)
        rc = kb_err_set(e, KB_EDATA,
                        _("the backup %s is damaged: %s; nothing was changed: restore another "
                          "backup"),
                        backup, rep.data);
    kb_buf_free(&rep);
    uint64_t txnid = 0;
    if (rc == KB_OK)
        rc = kb_lk_board_identity(backup, st.st_size, uuid, &txnid, e);
    return rc;
}

/* A store handle on a copy of this board (same keys, no session, no pin). */
kb_store *kb_store_twin(kb_store *s, const char *path)
{
    kb_store_opts o = {
        .lock_timeout_ms = s->lock_timeout_ms, .host = s->host, .state_dir = s->state_dir};
    kb_store *c = kb_store_alloc(path, s->user, &o);
    c->no_pin = true;
    c->keys = kb_keys_new();
    memcpy(c->keys, s->keys, sizeof *c->keys);
    memcpy(c->uuid, s->uuid, KB_UUID_LEN);
    memcpy(c->slot_id, s->slot_id, KB_KEY_LEN);
    memcpy(c->session_nonce, s->session_nonce, sizeof c->session_nonce);
    memcpy(c->salt, s->salt, KB_SALT_LEN);
    c->epoch = s->epoch;
    c->format = s->format;
    c->vm_grow = s->vm_grow;
    c->hooks = s->hooks;
    return c;
}

int kb_store_restore(kb_store *s, const char *backup, kb_restore_report *rep, kb_err *e)
{
    memset(rep, 0, sizeof *rep);
    if (!s->keys)
        return kb_err_set(e, KB_EPERM, _("the board is locked"));
    if (s->readonly)
        return kb_store_ro_refuse(s, e);
    if (!kb_lk_try(s->lock_fd, KB_LK_MAINT, F_WRLCK))
        return kb_err_set(e, KB_EBUSY,
                          _("other sessions have the board open (see 'kernboard who'); restore "
                            "needs everyone to close it first; nothing was changed"));
    char *tmp = kb_asprintf("%s.restore%d", s->path, (int)getpid());
    char *tmp_lock = kb_asprintf("%s.lock", tmp);
    char *shown = kb_asprintf(_("a copy of %s beside %s"), backup, s->path);
    unsigned char buuid[KB_UUID_LEN];
    kb_buf rec = KB_BUF_INIT;
    kb_store *c = NULL;
    kb_txn *t = NULL;
    bool swapped = false;
    int lfd = -1, rc;
    kb_verify_report brep;
    /* 1. a copy of the backup beside the board, with a fresh lock file (the
     * backup's own is not needed: a backup copied without it, or on
     * read-only media, restores too); it must be a verifiable copy of this
     * board (same keys) */
    if ((rc = kb_backup_check(backup, buuid, e)))
        goto out;
    if (memcmp(buuid, s->uuid, KB_UUID_LEN) != 0) {
        rc = kb_err_set(e, KB_EDATA,
                        _("%s is a backup of another board, not of %s (their board ids "
                          "differ); nothing was changed. To open it, restore it to a new path: "
                          "'kernboard restore %s NEW.kb'"),
                        backup, s->path, backup);
        goto out;
    }
    if ((rc = kb_copy_file(backup, tmp, e)) ||
        (rc = kb_lock_file_create(tmp_lock, s->uuid, &lfd, e)))
        goto out;
    close(lfd);
    lfd = -1;
    if ((rc = kb_verify_copy(s, tmp, &brep, e))) {
        kb_err_replace(e, tmp_lock, shown);
        kb_err_replace(e, tmp, backup); /* a byte copy of it */
        kb_err_prefix(e, _("%s cannot be restored over %s: "), backup, s->path);
        goto out;
    }
    rep->backup_seq = brep.head_seq;
    /* 2. what the restore discards: this board's entries after the
     * backup's head (the backup must be an earlier state of the board) */
    {
        uint64_t count = 0;
        rec.len = 0;
        kb_buf_append(&rec, kb_restore_magic, sizeof kb_restore_magic);
        kb_buf_put_u64be(&rec, brep.head_seq);
        kb_buf_put_u64be(&rec, 0);
        kb_buf_put_u64be(&rec, 0);
        if ((rc = kb_restore_collect(s, brep.head_seq, brep.head, &rec, &count, &rep->replaced_seq,
                                     e)))
            goto out;
        kb_put_u64be((unsigned char *)rec.data + 18, rep->replaced_seq);
        kb_put_u64be((unsigned char *)rec.data + 26, count);
        rep->discarded = count;
    }
    /* 3. the signed restore record as the copy's next change */
    c = kb_store_twin(s, tmp);
    if ((c->lock_fd = open(c->lock_path, O_RDWR | O_CLOEXEC)) < 0) {
        rc = kb_err_set(e, KB_EIO, _("cannot open %s: %s"), c->lock_path, strerror(errno));
        goto out;
    }
    {
        unsigned char key[KB_KEY_LEN];
        char detail[96];
        randombytes_buf(key, sizeof key);
        snprintf(detail, sizeof detail, "restore to audit entry %llu, replacing %llu",
                 (unsigned long long)rep->backup_seq, (unsigned long long)rep->replaced_seq);
        if ((rc = kb_store_write(c, KB_RESTORE_ACTION, NULL, &t, e)) ||
            (rc = kb_txn_put(t, KB_T_META, key, sizeof key, rec.data, rec.len, KB_VERSION_NEW, NULL,
                             detail, e)) ||
            (rc = kb_txn_commit(&t, e)))
            goto out;
    }
    kb_verify_report vrep;
    if ((rc = kb_store_verify(c, &vrep, e))) {
        kb_err_prefix(e, "%s", _("the restored copy does not verify: "));
        goto out;
    }
    kb_lk_header ch;
    if ((rc = kb_lk_header_read(c->lock_fd, &ch, e)))
        goto out;
    kb_store_close(&c);
    /* 4. swap it in under the exclusive board lock; BOARD.lock stays (its
     * sessions and locks), its header takes the copy's generation */
    if ((rc = kb_lk_range(s->lock_fd, KB_LK_GLOBAL, F_WRLCK, s->lock_timeout_ms, e)))
        goto out;
    {
        kb_lk_header h;
        if ((rc = kb_lk_header_read(s->lock_fd, &h, e)) == KB_OK) {
            if (rename(tmp, s->path) != 0) {
                rc = kb_err_set(e, KB_EIO, _("cannot replace %s: %s"), s->path, strerror(errno));
            } else {
                swapped = true;
                kb_fsync_dir(s->path);
                h.seq++;
                h.generation = ch.generation;
                h.audit_seq = vrep.head_seq;
                memcpy(h.audit_head, vrep.head, KB_HASH_LEN);
                rc = kb_lk_header_write(s->lock_fd, &h, e);
            }
        }
    }
    kb_lk_unlock(s->lock_fd, KB_LK_GLOBAL);
    if (rc)
        goto out;
    /* 5. this client's own pin moves to the restored head */
    rc = kb_store_verify(s, &vrep, e);
    rep->head_seq = vrep.head_seq;
    rep->records = vrep.records;
out:
    kb_txn_abort(&t);
    kb_store_close(&c);
    if (lfd >= 0)
        close(lfd);
    if (!swapped)
        unlink(tmp);
    unlink(tmp_lock);
    if (rc) { /* the user's paths, not the temporary files */
        kb_err_replace(e, tmp_lock, shown);
        kb_err_replace(e, tmp, shown);
    }
    kb_free(&shown);
    kb_free(&tmp);
    kb_free(&tmp_lock);
    kb_buf_free(&rec);
    kb_lk_try(s->lock_fd, KB_LK_MAINT, F_RDLCK); /* back to shared */
    return rc;
}

int kb_store_restore_new(const char *backup, const char *board, kb_err *e)
{
    struct stat st;
    char *lock = kb_asprintf("%s.lock", board);
    int rc = KB_OK, lfd = -1;
    if (stat(board, &st) == 0 || stat(lock, &st) == 0) {
        rc = kb_err_set(e, KB_ECANTCREAT, _("%s already exists; choose another name"),
                        stat(board, &st) == 0 ? board : lock);
        goto out;
    }
    /* the board's identity from the backup's data file (its lock file is
     * not needed: a backup copied without it restores too) */
    unsigned char uuid[KB_UUID_LEN];
    if ((rc = kb_store_init_common(e)) || (rc = kb_backup_check(backup, uuid, e)) ||
        (rc = kb_copy_file(backup, board, e)))
        goto out;
    if ((rc = kb_lock_file_create(lock, uuid, &lfd, e))) {
        unlink(board);
        goto out;
    }
    kb_fsync_dir(board);
out:
    if (lfd >= 0)
        close(lfd);
    kb_free(&lock);
    return rc;
}
