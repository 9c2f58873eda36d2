/*
 * store.h - the encrypted board file on a shared drive.
 *
 * One LMDB data file (MDB_NOSUBDIR | MDB_NOLOCK) plus BOARD.lock, coordinated
 * with fcntl byte-range locks as docs/storage.md describes.  Every
 * transaction takes the lock first and opens the LMDB environment afresh;
 * no mapping outlives a transaction.  Values are sealed with
 * XChaCha20-Poly1305 under the board's data key with (board uuid, table,
 * key, header) as associated data; keys are opaque.  Every put or delete in
 * a write transaction appends a hash-chained audit entry signed with the
 * session user's Ed25519 key, in the same LMDB transaction.
 *
 * The store deals in plaintext byte strings; encoding records is the
 * codec's job.  It knows nothing of cases or screens.
 *
 * Ownership: kb_store owns the lock file descriptor, the keys (guarded
 * memory) and the session slot; a kb_txn borrows its store and must be
 * committed or aborted before the store is closed.  Nothing holds a
 * transaction while waiting for the user.
 */
#ifndef KERNBOARD_STORE_H
#define KERNBOARD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernboard/buf.h"
#include "kernboard/err.h"
#include "kernboard/rekey.h"
#include "kernboard/secret.h"
#include "kernboard/timeutil.h"
#include "kernboard/verify.h"

#define KB_KEY_LEN 16 /* random record ids */
#define KB_HASH_LEN 32
#define KB_PK_LEN 32
#define KB_OPID_LEN 16

/* Tables (LMDB named databases).  The names are part of the format. */
enum kb_table {
    KB_T_META,     /* board settings and counters (encrypted) */
    KB_T_INDEX,    /* keyed-hash tag -> record key (encrypted) */
    KB_T_SIGNERS,  /* slot id -> Ed25519 public key + user name */
    KB_T_USERS,    /* user records */
    KB_T_CASES,    /* cases */
    KB_T_COMMENTS, /* timeline entries: case key || seq */
    KB_T_DEPTS,
    KB_T_STAGES,
    KB_T_LINES,
    KB_T_ORGS,
    KB_T_CONTACTS,
    KB_T_ACTIONS,
    KB_T_DECISIONS,
    KB_T_MEETINGS,
    KB_T_LINKS,
    KB_T_LEASES,
    KB_T_RELS,  /* case key || kind || record key -> nothing: per-case lookups */
    KB_T_GOALS, /* department goals (policy hooks as reference data) */
    KB_T_COUNT_
};
const char *kb_table_name(enum kb_table t);

/* KDF strength for keyslots (Argon2id). */
enum kb_kdf { KB_KDF_INTERACTIVE, KB_KDF_MODERATE, KB_KDF_SENSITIVE };
int kb_kdf_parse(const char *s, enum kb_kdf *out, kb_err *e) KB_WARN_UNUSED;

typedef struct kb_store kb_store;
typedef struct kb_txn kb_txn;

typedef struct kb_store_opts {
    int lock_timeout_ms;   /* bounded wait for the board lock; 0 = default 10 s */
    const char *host;      /* host name for session slots; NULL = gethostname */
    const char *state_dir; /* where the verified audit head is pinned; NULL = XDG */
    /* Unlock once per login session (keycache.c): after a passphrase
     * unlock the slot key is kept in the kernel keyring of the session for
     * key_cache_s seconds of idleness (0 = not kept).  cache_only: open
     * with the kept key alone (pass may be NULL); KB_EPERM when there is
     * none or it no longer opens a keyslot. */
    long key_cache_s;
    bool cache_only;
    kb_clock clock; /* the time audit entries are stamped with; {0}: the system clock */
    /* kb_store_snapshot: records copied per read transaction (0: 16384, or
     * KERNBOARD_SNAPSHOT_CHUNK); between (may be NULL, a test hook) is
     * called with snap_ctx after each of its transactions but the last,
     * with no lock held and no transaction open on the handle */
    size_t snap_chunk;
    void (*snap_between)(void *ctx);
    void *snap_ctx;
} kb_store_opts;

/* The clock audit entries are stamped with from now on (c NULL: the
 * system clock). */
void kb_store_set_clock(kb_store *s, const kb_clock *c);

/* Create BOARD and BOARD.lock (neither may exist) with one user.  On
 * success *out is the open, unlocked store (session user = user). */
int kb_store_create(const char *path, const char *user, const kb_secret *pass, enum kb_kdf kdf,
                    const kb_store_opts *opts, kb_store **out, kb_err *e) KB_WARN_UNUSED;
/* Open an existing board and unlock it with user's passphrase.
 * KB_ENOENT: no board; KB_EPERM: wrong passphrase or unknown user. */
int kb_store_open(const char *path, const char *user, const kb_secret *pass,
                  const kb_store_opts *opts, kb_store **out, kb_err *e) KB_WARN_UNUSED;
void kb_store_close(kb_store **s);
/* Forget the kept key of this board and user (rekey, passphrase change,
 * the TUI's idle lock); true when one was kept. */
bool kb_store_forget_key(kb_store *s);
/* `kernboard lock`: forget every kept kernboard key of this login session;
 * the number forgotten. */
size_t kb_store_forget_all_keys(void);
/* Can a key be kept in this process's login session at all (a session
 * keyring of its own)?  Callers skip the kept-key attempt, and its read of
 * the keyslots, when not. */
bool kb_store_key_cache_ready(void);

const char *kb_store_user(const kb_store *s);
/* The board file's format (docs/storage.md "Board formats"). */
unsigned kb_store_format(const kb_store *s);
const unsigned char *kb_store_slot_id(const kb_store *s); /* KB_KEY_LEN bytes */
const char *kb_store_host(const kb_store *s);

/* ---------------------------------------------------------- sessions */

/* Every open store holds one session slot in BOARD.lock; its lock byte is
 * the session's proof of life (released by the OS when the process or
 * host dies). */
#define KB_NONCE_LEN 16
typedef struct kb_session_info {
    int slot;
    unsigned char nonce[KB_NONCE_LEN];
    char user[65];
    char host[65];
    kb_time since;
    uint32_t pid;
    bool self; /* this process */
} kb_session_info;
void kb_store_session_self(const kb_store *s, int *slot, unsigned char nonce[KB_NONCE_LEN]);
/* Is the session (slot, nonce) alive: its lock byte held and the slot
 * still carrying that nonce?  Our own session counts as alive. */
bool kb_store_session_alive(kb_store *s, int slot, const unsigned char nonce[KB_NONCE_LEN]);
/* The open sessions (new array; caller frees). */
int kb_store_sessions(kb_store *s, kb_session_info **out, size_t *n, kb_err *e) KB_WARN_UNUSED;

/* Random bytes (record ids, operation ids). */
void kb_store_random(void *buf, size_t n);

/* A damaged board file that makes LMDB fault or assert outside a guarded
 * read ends the process with a one-line message and exit 65 (74 for an
 * I/O fault); hook runs first, so a front end can restore the terminal.
 * It may run in a signal handler. */
void kb_store_on_fatal(void (*hook)(void));

/* ---------------------------------------------------------- transactions */

/* Begin a read transaction: shared board lock, fresh environment. */
int kb_store_read(kb_store *s, kb_txn **out, kb_err *e) KB_WARN_UNUSED;
/* Begin a write transaction: exclusive board lock (bounded wait, then
 * KB_EBUSY), fresh environment.  action names the change for the audit
 * log (e.g. "case.edit"); op_id (KB_OPID_LEN bytes) makes a retry after an
 * unknown outcome safe; NULL = a fresh random one.  An id must never be
 * that of a transaction that committed: format 5's verify lets an audit
 * entry leave its signature to a later entry of the same id. */
int kb_store_write(kb_store *s, const char *action, const unsigned char *op_id, kb_txn **out,
                   kb_err *e) KB_WARN_UNUSED;
/* A bulk change (import) may hold the exclusive lock up to max_hold_ms
 * instead of the default 30 s before its commit is refused as "took too
 * long".  Other writers wait their lock timeout meanwhile and get "board
 * busy"; use it only for rare, explicit bulk operations. */
void kb_txn_allow_long(kb_txn *t, int64_t max_hold_ms);
/* A staged import (issue 16; docs/storage.md "Staged imports"): its new
 * records go in in bounded write transactions of their own, so other
 * writers wait at most one of them, but no one else sees them until one
 * short last transaction makes them the board's.
 *
 * kb_store_write_staged begins one of those transactions (action e.g.
 * "import.stage").  It may only add records, and change or delete the ones
 * it added (any other change fails, KB_ESOFTWARE).  The first one starts
 * the import; a later one continues it.  KB_EBUSY while another live
 * session's import is on the board; with take_over, a dead session's
 * import becomes this session's (to discard it).  kb_txn_chunk_due: time
 * to commit and begin the next one (another session waits for the lock,
 * or KERNBOARD_IMPORT_CHUNK audit entries).  kb_txn_stage_finish, in a plain
 * write transaction (kb_store_write with the action "import.finish"),
 * makes every staged record the board's at its commit (*records: how
 * many).  kb_store_stage_discard deletes, with audited deletes in bounded
 * transactions, every record of this session's import or of a dead
 * session's. */
#define KB_ACTION_IMPORT_BEGIN "import.begin"
#define KB_ACTION_IMPORT_STAGE "import.stage"
#define KB_ACTION_IMPORT_FINISH "import.finish"
#define KB_ACTION_IMPORT_DISCARD "import.discard"
int kb_store_write_staged(kb_store *s, const char *action, bool take_over, kb_txn **out,
                          kb_err *e) KB_WARN_UNUSED;
bool kb_txn_chunk_due(kb_txn *t);
/* After committing a staged transaction: if it gave way to a waiting
 * session, wait (no lock held) until the lock has been free of others for
 * a moment, so that a command taking it several times gets through. */
void kb_store_stage_yield(kb_store *s);
int kb_txn_stage_finish(kb_txn *t, uint64_t *records, kb_err *e) KB_WARN_UNUSED;
int kb_store_stage_discard(kb_store *s, uint64_t *removed, kb_err *e) KB_WARN_UNUSED;
/* A new import begins: this session runs no staged import (any it ran
 * ended; a later staging transaction starts a new one). */
void kb_store_stage_forget(kb_store *s);
typedef struct kb_stage_info {
    bool present; /* an unfinished import is on the board */
    bool mine;    /* this session's */
    bool alive;   /* its session is open (else it was left over) */
    kb_time since;
    uint64_t records; /* staged so far */
    /* present, alive and not this session's: the refusal another import
     * gets now (KB_EBUSY, naming who imports where) */
    kb_err busy;
} kb_stage_info;
int kb_store_stage_info(kb_store *s, kb_stage_info *out, kb_err *e) KB_WARN_UNUSED;

/* Commit (write) or finish (read).  On error nothing was changed, unless
 * the outcome was unknown and the audit log shows the op id: then KB_OK. */
int kb_txn_commit(kb_txn **t, kb_err *e) KB_WARN_UNUSED;
void kb_txn_abort(kb_txn **t);
/* Sequence number of the newest audit entry this transaction sees. */
uint64_t kb_txn_audit_seq(kb_txn *t);

/* Version meaning "any" (no check) and "must not exist yet". */
#define KB_VERSION_ANY UINT64_MAX
#define KB_VERSION_NEW 0

/* Now on the store's clock (kb_store_opts.clock): the time a change in
 * this transaction is stamped with (seconds, microseconds). */
kb_time kb_txn_now(const kb_txn *t);
int64_t kb_txn_now_us(const kb_txn *t);

/* Get and decrypt one value.  *out is a new buffer (caller frees) holding
 * the plaintext, NUL-terminated for convenience.  KB_ENOENT when absent. */
int kb_txn_get(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, char **out, size_t *len,
               uint64_t *version, kb_err *e) KB_WARN_UNUSED;
/* Encrypt and store; checks the stored version against expect (see above)
 * and returns KB_ECONFLICT on a mismatch; *new_version may be NULL.  detail
 * (may be NULL) is kept, encrypted, in the audit entry. */
int kb_txn_put(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, const void *val,
               size_t vlen, uint64_t expect, uint64_t *new_version, const char *detail,
               kb_err *e) KB_WARN_UNUSED;
int kb_txn_del(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, uint64_t expect,
               const char *detail, kb_err *e) KB_WARN_UNUSED;

/* Iterate the values of a table whose key starts with prefix (plen may be
 * 0).  The callback gets borrowed plaintext valid for the call; a non-zero
 * return stops the walk and is returned. */
typedef int (*kb_txn_visit_fn)(void *ctx, const unsigned char *key, size_t klen, const char *val,
                               size_t vlen, uint64_t version);
int kb_txn_each(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen, kb_txn_visit_fn fn,
                void *ctx, kb_err *e) KB_WARN_UNUSED;
/* Number of records in a table (no decryption). */
int kb_txn_count(kb_txn *t, enum kb_table tbl, size_t *out, kb_err *e) KB_WARN_UNUSED;

/* Scans with a short lock hold (issue 16).  kb_txn_snap copies the sealed
 * records of a table whose key starts with prefix (stored key and value,
 * into one private arena: about the size of the table's values, e.g. tens
 * of MiB for 100k cases) and reads the version map of t (the whole map
 * for a large scan, compared later; a small scan compares at once); the
 * transaction can end right after.  kb_snap_open then compares the
 * versions, decrypts each record and calls fn with its index in key order
 * (0 .. kb_snap_count - 1) and the same arguments as a kb_txn_each visitor,
 * on up to two threads at once: fn may only touch what belongs to its
 * index (plus thread-safe state).  The first failure in key order is
 * returned with the error kb_txn_each would have given; fn may then have
 * been called for some later indices too.  Not for the relation lists of
 * format 2 (KB_ESOFTWARE).  The store must stay open until kb_snap_free. */
typedef struct kb_snap kb_snap;
typedef int (*kb_snap_visit_fn)(void *ctx, size_t index, const unsigned char *key, size_t klen,
                                const char *val, size_t vlen, uint64_t version);
int kb_txn_snap(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen, kb_snap **out,
                kb_err *e) KB_WARN_UNUSED;
size_t kb_snap_count(const kb_snap *sn);
/* Bytes the snapshot holds (the arena and its index). */
size_t kb_snap_bytes(const kb_snap *sn);
int kb_snap_open(kb_snap *sn, kb_snap_visit_fn fn, void *ctx, kb_err *e) KB_WARN_UNUSED;
void kb_snap_free(kb_snap **sn);

/* One consistent state of whole tables without a long lock hold (issue
 * 16; docs/storage.md "Snapshots of several tables").  The sealed records
 * of the ntables tables are copied in bounded chunks (at most
 * kb_store_opts.snap_chunk records and 16 MiB), each in a read transaction
 * of its own, so writers commit between chunks; the audit entries
 * appended meanwhile name every record changed after its chunk was
 * copied, and those are copied again at the end, in a last bounded
 * transaction (repeated until what changed meanwhile is small).  *out is
 * then a read "transaction" that holds no lock and no LMDB environment:
 * kb_txn_get, kb_txn_each, kb_txn_snap (whole tables are handed over
 * once), kb_txn_count and kb_txn_index_get (with KB_T_INDEX among the
 * tables) read the copies, decrypting after the lock was released, and
 * kb_txn_audit_seq is the one audit seq the copies are the state at.
 * Anything else, and a table not asked for, is KB_ESOFTWARE.  End it with
 * kb_txn_abort.  Every copied version is checked against the version map
 * of the transaction it was copied in (a refusal ends the snapshot with
 * kb_txn_get's message).  Not for the relation lists of format 2. */
int kb_store_snapshot(kb_store *s, const enum kb_table *tables, size_t ntables, kb_txn **out,
                      kb_err *e) KB_WARN_UNUSED;

/* Keyed index: a tag for a logical name (e.g. "case#12") that reveals
 * nothing without the key.  Index entries map a tag to a record key. */
int kb_txn_index_get(kb_txn *t, const char *name, unsigned char key[KB_KEY_LEN],
                     kb_err *e) KB_WARN_UNUSED;
int kb_txn_index_put(kb_txn *t, const char *name, const unsigned char key[KB_KEY_LEN],
                     kb_err *e) KB_WARN_UNUSED;
int kb_txn_index_del(kb_txn *t, const char *name, kb_err *e) KB_WARN_UNUSED;

/* ---------------------------------------------------------- users / keys */

/* Add a keyslot for a new user (write transaction; caller also stores the
 * user record).  The passphrase is stretched before any lock is taken by
 * kb_store_slot_prepare; kb_txn_slot_add then only writes. */
typedef struct kb_slot_draft kb_slot_draft;
int kb_store_slot_prepare(kb_store *s, const char *user, const kb_secret *pass, enum kb_kdf kdf,
                          kb_slot_draft **out, kb_err *e) KB_WARN_UNUSED;
const unsigned char *kb_slot_draft_id(const kb_slot_draft *d);
const unsigned char *kb_slot_draft_pk(const kb_slot_draft *d);
void kb_slot_draft_free(kb_slot_draft **d);
int kb_txn_slot_add(kb_txn *t, const kb_slot_draft *d, kb_err *e) KB_WARN_UNUSED;
/* Replace a user's own keyslot passphrase (same keys). */
int kb_txn_slot_replace(kb_txn *t, const kb_slot_draft *d, kb_err *e) KB_WARN_UNUSED;
/* Remove a user's keyslot and sealed data key (the signer record stays so
 * their past signatures verify).  The data key itself is unchanged until
 * a rekey. */
int kb_txn_slot_remove(kb_txn *t, const unsigned char slot_id[KB_KEY_LEN],
                       kb_err *e) KB_WARN_UNUSED;

/* ---------------------------------------------------------- verify */

/* Check the LMDB structure of the board file at path with plain reads (no
 * map, no keys): both meta pages and every page of every table's tree and
 * of the free list.  report gets "table T, page N (offset O): what" per
 * damaged page ("; "-separated, the first eight); *found counts them.
 * KB_OK also when damage is found; an error only when the file cannot be
 * read at all. */
int kb_store_check_file(const char *path, kb_buf *report, size_t *found, kb_err *e) KB_WARN_UNUSED;
/* After a failed open or read (rc KB_EDATA or KB_EIO): when the file's
 * structure is damaged, replace e with a message naming the damage and
 * return KB_EDATA; otherwise return rc and leave e alone. */
int kb_store_explain_damage(const char *path, int rc, kb_err *e) KB_WARN_UNUSED;

typedef struct kb_verify_report {
    uint64_t records;  /* values whose tag was checked */
    uint64_t entries;  /* audit entries checked */
    uint64_t head_seq; /* newest audit entry */
    unsigned char head[KB_HASH_LEN];
    bool rollback_warning; /* board older than the head this client pinned */
    bool incremental;      /* only what was appended after the pin was checked */
} kb_verify_report;
/* Check every value's tag, the audit chain, every signature, and that the
 * newest audit entry of each record matches the stored value.  Fails with
 * KB_EDATA naming the first bad record (table and key). */
int kb_store_verify(kb_store *s, kb_verify_report *rep, kb_err *e) KB_WARN_UNUSED;
/* The same with options (incremental, progress).  No read transaction
 * holds the board lock longer than it takes to copy a bounded chunk (see
 * docs/storage.md "verify"); writers may commit meanwhile. */
int kb_store_verify_ex(kb_store *s, const kb_verify_opts *o, kb_verify_report *rep,
                       kb_err *e) KB_WARN_UNUSED;

/* Copy the board to dest (compacted, under the shared board lock), give
 * it a fresh lock file, verify the copy with this session's keys, then
 * rename it into place.  dest must not exist. */
int kb_store_backup(kb_store *s, const char *dest, kb_verify_report *rep, kb_err *e) KB_WARN_UNUSED;

/* Restore a backup made by kb_store_backup over this board (s is open on
 * it, by an admin: the caller checks the role).  Needs the board to
 * itself (KB_EBUSY while other sessions are open).  The backup must verify
 * with this session's keys and be an earlier state of the board.  The
 * restored board gets one signed audit entry ("board.restore") whose
 * record lists the audit entries the restore discarded, so that a client
 * whose rollback pin is one of them accepts the older history; a plain
 * copy of an old backup has no such record and is still refused.  This
 * client's pin moves to the restored head. */
typedef struct kb_restore_report {
    uint64_t backup_seq;   /* the backup's newest audit entry */
    uint64_t replaced_seq; /* the replaced board's newest audit entry */
    uint64_t discarded;    /* audit entries listed as discarded */
    uint64_t head_seq;     /* the restored board's newest entry (the restore's) */
    uint64_t records;
} kb_restore_report;
int kb_store_restore(kb_store *s, const char *backup, kb_restore_report *rep,
                     kb_err *e) KB_WARN_UNUSED;
/* Restore a backup to a new location: copy it to board with a fresh lock
 * file (neither may exist).  No passphrase needed; open it to verify. */
int kb_store_restore_new(const char *backup, const char *board, kb_err *e) KB_WARN_UNUSED;

/* Rotate the data key: a new epoch, every record and audit entry sealed
 * again, the new key sealed to every user who still has a keyslot (so a
 * removed user's old key opens nothing written from now on).  Needs the
 * board to itself: KB_EBUSY while other sessions are open.  The new board
 * is built beside the board (BOARD.rekey) in bounded batches, verified and
 * renamed over it; an interrupted rekey goes on where it stopped when run
 * again (src/store/rekey.c, docs/storage.md "rekey").  fn (may be NULL)
 * hears of the progress; *records is the number of records sealed again. */
int kb_store_rekey(kb_store *s, size_t *records, kb_rekey_fn fn, void *ctx,
                   kb_err *e) KB_WARN_UNUSED;

/* Deployment checks for the board at path (no unlock needed): mount
 * options of network file systems, fcntl lock round trip, permissions,
 * clock skew against the file server.  Each finding goes to fn; *problems
 * counts the findings that make the location unsafe. */
enum kb_doctor_level { KB_DOCTOR_OK, KB_DOCTOR_WARNING, KB_DOCTOR_PROBLEM };
typedef void (*kb_doctor_fn)(void *ctx, enum kb_doctor_level lvl, const char *msg);
int kb_store_doctor(const char *path, kb_doctor_fn fn, void *ctx, int *problems,
                    kb_err *e) KB_WARN_UNUSED;

/* ---------------------------------------------------------- change feed */

typedef struct kb_change {
    uint64_t seq;
    enum kb_table table;
    unsigned char key[64];
    size_t klen;
    uint64_t version; /* 0 for a delete */
    bool deleted;
    kb_time time;
    char user[65]; /* author's user name */
    char action[33];
} kb_change;
typedef int (*kb_change_fn)(void *ctx, const kb_change *c);
/* Audit entries after seq, oldest first (inside a read transaction). */
int kb_txn_changes_since(kb_txn *t, uint64_t seq, kb_change_fn fn, void *ctx,
                         kb_err *e) KB_WARN_UNUSED;
/* Cheap poll: the newest committed generation from the lock file header
 * (no LMDB access).  Changes when anyone commits. */
int kb_store_generation(kb_store *s, uint64_t *gen, kb_err *e) KB_WARN_UNUSED;
/* Write transactions committed through this handle (a test hook: one user
 * change = one commit). */
uint64_t kb_store_commits(const kb_store *s);
/* Argon2id runs in this process so far (a test hook: opening a board runs
 * exactly one, for the named user's own keyslot). */
uint64_t kb_store_kdf_runs(void);

/* Recreate the board's lock file (missing, damaged, empty, or left from
 * another copy of the board) from the data file's own uuid and last
 * commit.  Refused (KB_EBUSY) while any session holds the old lock file or
 * a slot byte of the data file; see docs/storage.md "Lock file identity".
 * *outcome: 0 the lock file was in order (unchanged), 1 created, 2
 * replaced; *generation: the data file's last commit. */
int kb_store_repair_lock(const char *path, int *outcome, uint64_t *generation,
                         kb_err *e) KB_WARN_UNUSED;

#endif
