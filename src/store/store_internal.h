/*
 * store_internal.h - pieces of the store shared between its source files.
 * Layout constants here are the on-disk format (docs/storage.md).
 */
#ifndef KERNBOARD_STORE_INTERNAL_H
#define KERNBOARD_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernboard/buf.h"
#include "kernboard/store.h"
#include "kernboard/thread.h"

/* Board format (board header): 1 = clear case keys in comments/leases/rels,
 * no version map, keyslots found by trial; 2 = hashed case keys, the
 * version map (vmap), keyslot locators (slotfind) and the access list;
 * 3 = a version map that grows with the board; 4 = its bucket hashes in
 * groups under a small root.  Older boards are migrated in place at open
 * (docs/storage.md). */
#define KB_FORMAT_VERSION 5
/* format 5: an audit entry's signature may be left to a later entry of
 * the same write transaction (KB_FORMAT_DEFER; docs/storage.md) */
#define KB_FORMAT_DEFER 5
#define KB_FORMAT_OLDEST 1
/* Sealed-value header format (unchanged by board format 2). */
#define KB_VAL_FORMAT 1
#define KB_UUID_LEN 16
#define KB_SALT_LEN 16

/* ---- lock file layout */
#define KB_LK_HDR_A 0
#define KB_LK_HDR_B 256
#define KB_LK_HDR_SIZE 128
#define KB_LK_SLOTS_OFF 4096
#define KB_LK_SLOT_SIZE 256
#define KB_LK_NSLOTS 256
/* lock bytes far beyond end of file: only ever locked, never read/written */
#define KB_LK_BASE ((off_t)1 << 40)
#define KB_LK_PENDING (KB_LK_BASE + 0)
#define KB_LK_GLOBAL (KB_LK_BASE + 1)
#define KB_LK_MAINT (KB_LK_BASE + 2)
#define KB_LK_SLOT0 (KB_LK_BASE + 1024)
/* on the DATA file, with open-file-description locks (they survive LMDB
 * closing its own descriptors of the file): session i holds a shared lock
 * on KB_LK_DSLOT0 + i for as long as it is open (after it claimed slot i
 * in the lock file); recreating the lock file takes the whole range
 * exclusively.  docs/storage.md "Lock file identity". */
#define KB_LK_DSLOT0 (KB_LK_BASE + 4096)

typedef struct kb_lk_header {
    unsigned char uuid[KB_UUID_LEN];
    uint64_t seq;        /* header write counter (picks the newer copy) */
    uint64_t generation; /* last committed LMDB txn id */
    uint64_t audit_seq;
    unsigned char audit_head[KB_HASH_LEN];
} kb_lk_header;

/* ---- keys (sodium_malloc'd) */
typedef struct kb_keys {
    unsigned char mk[32];
    unsigned char k_rec[32];
    unsigned char k_idx[32];
    unsigned char k_audit[32];
    unsigned char k_sess[32];
    unsigned char k_ver[32]; /* version map: entry digests and sealing (kdf id 5) */
    unsigned char k_ref[32]; /* hashed case keys of comments/leases/rels (kdf id 6) */
    unsigned char sign_sk[crypto_sign_SECRETKEYBYTES];
    unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES];
} kb_keys;

/* Tunables and counters of one store handle that tests set and read
 * (kb_store_alloc sets the defaults; a rekey's copy of the board gets the
 * handle's). */
typedef struct kb_store_hooks {
    /* verify.c: audit entries / records copied per read transaction
     * (4096); worker threads (0 = the number of online CPUs, at most 8;
     * env KERNBOARD_VERIFY_THREADS) */
    size_t verify_chunk;
    unsigned verify_threads;
    /* out: the table the last walked chunk ended in (KB_T_COUNT_: none),
     * point lookups made, structure checks that needed no lock */
    unsigned verify_table;
    uint64_t verify_lookups;
    uint64_t verify_unlocked_checks;
    /* store.c: audit entries a write transaction keeps before it signs and
     * stores them (4096); sign_all: sign every entry, as before format 5
     * (kb-bench gen: a board built by single changes) */
    size_t audit_batch;
    bool sign_all;
    /* out: version map buckets decrypted (tests of the bucket cache) */
    uint64_t vmap_opened;
    /* a scan looks at its mapped file pages every snap_look bytes it
     * copied (1 MiB) and unmaps them when they grew by snap_slack (128
     * MiB); out: unmappings done */
    size_t snap_look;
    long snap_slack;
    uint64_t snap_drops;
    /* store.c: a whole table of at least snap_early_min records (4096) is
     * decrypted on a helper thread while it is copied; snap_early_drain:
     * the copy waits for the helper to open every record (tests) */
    size_t snap_early_min;
    bool snap_early_drain;
    /* tests: a whole-table scan reserves room for half the records only */
    bool snap_short;
    /* rekey.c: records per batch (1000); stop (as if killed) after this
     * many batches (0 = never) */
    size_t rekey_batch;
    unsigned rekey_stop_after;
} kb_store_hooks;

struct kb_store {
    char *path;
    char *lock_path;
    int lock_fd; /* opened once per process, kept open (POSIX lock semantics) */
    int lock_timeout_ms;
    kb_clock clock; /* kb_store_opts.clock, kb_store_set_clock */
    char *host;
    char *state_dir;
    char *user;
    unsigned char slot_id[KB_KEY_LEN];
    unsigned char uuid[KB_UUID_LEN];
    uint32_t epoch;
    uint32_t format; /* board format read from the header (KB_FORMAT_*) */
    unsigned char salt[KB_SALT_LEN];
    kb_keys *keys;
    int session_slot; /* index of our SLOT byte, -1 if none */
    bool readonly;    /* the lock file opened read-only (read-only file system
                       * or no write permission): reading commands only, no
                       * session slot, no writes */
    bool ro_data;     /* read-only because the data file cannot be written */
    int ro_errno;     /* why (EACCES, EROFS) */
    unsigned char session_nonce[16];
    kb_time session_since;
    kb_txn *active;            /* at most one transaction at a time */
    bool no_pin;               /* verifying a copy: leave the rollback pin alone */
    uint64_t commits;          /* write transactions committed through this handle */
    struct kb_lk_session *lks; /* lock.c: lock file identity, data-file slot */
    /* what earlier transactions of this handle opened of the version map,
     * group by group (kb_vmap.g): the group's bucket hashes (format 4)
     * and its buckets, each by the BLAKE2b of its sealed value (store.c,
     * kb_vmap_group, kb_vmap_bucket); for a map of 2^vmc_bits buckets in
     * groups of 2^vmc_gbits (vmc NULL: nothing kept) */
    struct kb_vmcgroup *vmc;
    unsigned vmc_bits, vmc_gbits;
    /* the version map root it opened last: the sealed value and its
     * plaintext (store.c, kb_vmap_root) */
    kb_buf vmroot_raw;
    char *vmroot_pt;
    size_t vmroot_n;
    /* formats 3 and 4: entries a version map bucket holds on average before the
     * map doubles (0: KB_VM_GROW; tests set a small one) */
    unsigned vm_grow;
    /* kb_store_snapshot: records per read transaction, and the test hook
     * called between two of its transactions (kb_store_opts) */
    size_t snap_chunk;
    size_t stage_chunk; /* audit entries of a staged transaction (stage.c) */
    bool stage_yield;   /* the last one gave way to a waiting session */
    uint64_t stage_id;  /* the staged import this session runs (0: none) */
    void (*snap_between)(void *ctx);
    void *snap_ctx;
    kb_store_hooks hooks;
};

struct kb_txn {
    kb_store *s;
    bool write;
    bool failed; /* an LMDB error or SIGBUS happened: only abort is possible */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi[KB_T_COUNT_];
    MDB_dbi dbi_board, dbi_slots, dbi_epochs, dbi_audit;
    int64_t locked_at_ms;
    int64_t max_hold_ms; /* 0 = KB_MAX_LOCK_HOLD_MS (kb_txn_allow_long) */
    uint64_t generation; /* header generation seen at begin */
    /* audit chain state (write) */
    uint64_t audit_seq;
    unsigned char audit_head[KB_HASH_LEN];
    bool tail_known;    /* read transactions compute the tail on demand */
    uint64_t start_seq; /* the newest audit entry when the transaction began */
    unsigned char start_head[KB_HASH_LEN];
    char *action;
    unsigned char op_id[KB_OPID_LEN];
    unsigned n_entries;
    struct kb_vmap *vm; /* version map state (loaded lazily) */
    bool vm_off;        /* rekey/migration: the map is rebuilt before commit */
    /* audit entries hashed into the chain but not yet signed and stored
     * (kb_audit_append; kb_audit_flush signs them on two threads) */
    struct kb_apend *pend;
    size_t npend, cappend;
    kb_buf pendbuf; /* their plaintexts (without hash and signature) */
    /* the batch before them, being signed on a helper thread meanwhile
     * (store.c, kb_audit_handoff); NULL until a change fills a batch */
    struct kb_asig *fly;
    /* nonces drawn in bulk for the values this transaction seals
     * (store.c, kb_nonce_take: one getrandom call per batch, not per
     * record), and the sealed value being put */
    unsigned char *nonces;
    size_t nonce_left, nonce_cap;
    kb_buf sealbuf;
    /* the sealed version map value being read (store.c): owned by the
     * transaction, so a fault in mid-copy (longjmp) leaks nothing */
    kb_buf vmraw;
    /* the data file as revalidated when the transaction began
     * (kb_lk_revalidate_open): the meta and free-list checks read through
     * it instead of opening the file again; -1: none */
    int dfd;
    /* a snapshot (kb_store_snapshot): no lock, no environment; reads come
     * from the tables copied at audit seq audit_seq */
    struct kb_snapset *snap;
    /* a staged import (stage.c): stage_seen 0 = not looked yet, 1 = none on
     * the board, 2 = one (sdesc: its description); stage: this transaction
     * writes its records */
    bool stage, sdesc_dirty;
    signed char stage_seen;
    int64_t stage_polled_ms; /* the lock last looked at (kb_txn_chunk_due) */
    bool stage_done;         /* kb_txn_stage_finish ran: the import is over at commit */
    MDB_dbi dbi_stage;
    struct kb_stage_desc *sdesc;
};

/* A landing pad for the rest of the function (store.c, stage.c): a fault
 * fails the transaction with the fault's error. */
#define KB_ARM_OR_FAIL(t, e)                                                                       \
    sigjmp_buf pad_;                                                                               \
    sigjmp_buf *prev_ = kb_bus_arm(&pad_);                                                         \
    if (KB_BUS_SETJMP(pad_)) {                                                                     \
        kb_bus_disarm(prev_);                                                                      \
        (t)->failed = true;                                                                        \
        return kb_bus_fail((e), NULL);                                                             \
    }
#define KB_DISARM() kb_bus_disarm(prev_)

/* ---- stage.c: a staged import (docs/storage.md "Staged imports") */
/* Internal status (never returned by the public API): the record is one of
 * an unfinished staged import, which this transaction does not see. */
#define KB_SHIDDEN 1001
/* Internal: kb_store_snapshot starts again (a staged import finished). */
#define KB_SRESTART 1002
#define KB_STAGE_CHUNK_ENTRIES 262144
typedef struct kb_stage_desc kb_stage_desc;
/* An entry of table stage: the version-map entry (digest, version) and a
 * MAC (stage.c, kb_stage_mac). */
#define KB_STAGE_ENT (KB_KEY_LEN + 8 + KB_KEY_LEN)
bool kb_stage_mac_ok(const kb_store *s, uint64_t id, const unsigned char *sk, size_t sklen,
                     const unsigned char *ent);
/* Do the entries of table stage check out (their MACs) and match the
 * description's counts?  (verify; true when there is no import) */
bool kb_stage_consistent(kb_txn *t);
/* Is a staged import on the board (looked up once per transaction)? */
bool kb_stage_any(kb_txn *t);
/* The staged version of (tbl, stored key): KB_OK, or KB_ENOENT. */
int kb_stage_find(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t *ver);
/* A record missing from the version map: KB_SHIDDEN when it is staged at
 * version ver (KB_OK in a staging transaction), else KB_ENOENT. */
int kb_stage_hidden(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t ver);
/* Records of table tbl staged (0 in a staging transaction, which sees them). */
uint64_t kb_stage_count(kb_txn *t, unsigned tbl);
/* A staging transaction put version ver (0: deleted) of a record whose
 * stored version was cur: list it (instead of the version map). */
int kb_stage_note(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t cur, uint64_t ver,
                  kb_err *e);
/* At commit: the description with this transaction's counts. */
int kb_stage_flush(kb_txn *t, kb_err *e);
/* After a successful commit: which staged import this session runs
 * (kb_stage_next_id: what it will be if t's commit lands). */
void kb_stage_committed(kb_txn *t);
uint64_t kb_stage_next_id(const kb_txn *t);
/* store.c: add n new entries (digest || version, sorted by digest) to the
 * version map of write transaction t. */
int kb_vmap_add_new(kb_txn *t, const unsigned char *ents, size_t n, kb_err *e);
int kb_del_phys(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, uint64_t expect,
                const char *detail, kb_err *e);

/* ---- lock.c */
int kb_lk_range(int fd, off_t off, short type, int timeout_ms, kb_err *e);
/* A shared open-file-description lock on byte off of fd (released when fd
 * is closed, and only then: closing it leaves the process's other locks on
 * the file alone); false when not granted in time or not supported. */
bool kb_lk_ofd_shared(int fd, off_t off, int timeout_ms);
void kb_lk_unlock(int fd, off_t off);
bool kb_lk_try(int fd, off_t off, short type);
/* Is the byte locked by another process? (F_GETLK) */
bool kb_lk_held_by_other(int fd, off_t off);
int kb_lk_header_read(int fd, kb_lk_header *h, kb_err *e);
/* The board's uuid and last committed transaction id, read from the data
 * file (size: its size, for the map) without any lock: a file no session
 * uses (a backup, or a board whose lock file is gone). */
int kb_lk_board_identity(const char *path, off_t size, unsigned char uuid[KB_UUID_LEN],
                         uint64_t *txnid, kb_err *e);
int kb_lk_header_write(int fd, const kb_lk_header *h, kb_err *e);
void kb_lk_revalidate(const char *data_path);
/* The same, keeping the descriptor open (-1 when the file cannot be
 * opened): reads through it see the revalidated file. */
int kb_lk_revalidate_open(const char *data_path);
/* Every transaction, with the board lock held: is the lock file this
 * session holds still the file at the lock path (device, inode, links)?
 * Once the session has a slot, also hold its data-file slot byte and
 * check that no session of another lock file has the board open. */
int kb_lk_txn_check(kb_store *s, kb_err *e);
/* The first half alone (no data-file slot): the cheap generation poll. */
int kb_lk_path_check(kb_store *s, kb_err *e);
/* Drop the data-file slot (before the lock file is closed). */
void kb_lk_session_end(kb_store *s);
/* After a failed commit: KB_EIO with "the disk holding PATH is full" when
 * its file system has (almost) no room left, else KB_OK. */
int kb_lk_disk_full(const char *path, kb_err *e);

/* The refusal of a change on a board opened read-only (KB_EPERM). */
int kb_store_ro_refuse(const kb_store *s, kb_err *e);

/* ---- keycache.c: the slot key in the session keyring */
bool kb_keycache_get(const unsigned char uuid[KB_UUID_LEN], const char *user,
                     unsigned char key[32]);
void kb_keycache_put(const unsigned char uuid[KB_UUID_LEN], const char *user,
                     const unsigned char key[32], long idle_s);
bool kb_keycache_drop(const unsigned char uuid[KB_UUID_LEN], const char *user);
size_t kb_keycache_drop_all(void);

/* ---- guard.c: landing pad for SIGBUS, SIGSEGV and LMDB assertions (the
 * store's one piece of signal state) */
void kb_bus_install(void);
/* Set a landing pad without saving the signal mask: the handler is
 * installed with SA_NODEFER and an empty sa_mask, so a jump out of it
 * leaves the mask as it was, and saving it would cost a system call
 * (rt_sigprocmask) on every record operation. */
#define KB_BUS_SETJMP(pad) sigsetjmp((pad), 0)
sigjmp_buf *kb_bus_arm(sigjmp_buf *pad);
void kb_bus_disarm(sigjmp_buf *prev);
/* Inside a store transaction: a fault outside an armed pad ends the process
 * with a one-line message (exit 65/74) instead of a signal. */
void kb_bus_enter(void);
void kb_bus_leave(void);
/* Route LMDB's assertions of env to the pad. */
void kb_bus_prepare(MDB_env *env);
/* The error for the fault that jumped to the pad (path may be NULL). */
int kb_bus_fail(kb_err *e, const char *path);

/* ---- doctor.c: refuse unsafe network mounts at open */
/* Clock skew against the file server (mtime of a flushed new file in dir,
 * minus this host's time + offset_s).  doctor warns beyond the limit. */
#define KB_DOCTOR_SKEW_MAX 60
int kb_doctor_clock_probe(const char *dir, long offset_s, long *skew, kb_err *e);
int kb_store_location_check(const char *path, kb_err *e);
/* The same check against an already open mountinfo file (tests). */
int kb_store_location_check_in(const char *path, FILE *mountinfo, kb_err *e);

/* One line of /proc/self/mountinfo (proc(5)):
 *   ID PARENT MAJ:MIN ROOT MOUNTPOINT MOUNT_OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTS
 * The strings point into buf (a private copy of the line).  root,
 * mount_point, fstype and source have their octal escapes (\040) undone;
 * the two option lists are left as the kernel wrote them, so an escaped
 * comma (\054) inside a value never splits an option. */
typedef struct kb_mountinfo {
    char *buf;
    unsigned long id, parent;
    unsigned long major, minor;
    size_t n_optional; /* optional fields before the "-" separator */
    const char *root;
    const char *mount_point; /* absolute */
    const char *mount_opts;  /* per-mount options (field 6) */
    const char *fstype;
    const char *source; /* may be "" */
    const char *super_opts;
} kb_mountinfo;

/* Parse one line (a trailing newline is allowed).  KB_OK, or KB_EDATA for a
 * malformed line (out is then empty).  Free a parsed line with
 * kb_mountinfo_free. */
int kb_doctor_parse_mountinfo_line(const char *line, kb_mountinfo *out);
void kb_mountinfo_free(kb_mountinfo *m);
/* The mount that holds path (absolute, resolved): the longest mount point
 * that is path or a parent directory of it; of several mounts on that mount
 * point, the one on top.  1 when found (free *out), 0 when not.  *bad
 * (optional) counts the lines that did not parse. */
int kb_doctor_find_mount(FILE *mountinfo, const char *path, kb_mountinfo *out, size_t *bad);
/* The option checks of doctor and of the refusal at open: each finding goes
 * to fn; returns the number of problems. */
int kb_doctor_check_mount(const kb_mountinfo *m, kb_doctor_fn fn, void *ctx);

/* ---- crypto.c */
kb_keys *kb_keys_new(void);
void kb_keys_free(kb_keys **k);
void kb_keys_derive(kb_keys *k);
void kb_core_dumps_off(void);
/* Value header: 'K' ver alg flags | epoch u32 | version u64 | nonce 24 */
#define KB_VAL_HDR 40
#define KB_PAD_BLOCK 64
void kb_ad_build(kb_buf *ad, const unsigned char uuid[KB_UUID_LEN], const char *table,
                 const void *key, size_t klen, const unsigned char *hdr);
int kb_val_seal(const kb_store *s, const unsigned char *k, const char *table, const void *key,
                size_t klen, uint64_t version, const void *plain, size_t n, kb_buf *out);
/* The size of the sealed value of n plaintext bytes. */
size_t kb_val_sealed_len(size_t n);
/* kb_val_seal with the nonce given (24 random bytes, never used twice:
 * the write path draws them in bulk, kb_nonce_take) and the plaintext in
 * two pieces (p2 may be NULL), into out of kb_val_sealed_len(n1 + n2)
 * bytes; no allocation for values under 2 KiB.  Thread-safe. */
void kb_val_seal_to(const kb_store *s, const unsigned char *k, const char *table, const void *key,
                    size_t klen, uint64_t version, const unsigned char nonce[24], const void *p1,
                    size_t n1, const void *p2, size_t n2, unsigned char *out);
/* Records of a snapshot the early helper decrypted (tests). */
struct kb_snap;
size_t kb_snap_early_count(const struct kb_snap *sn);
/* kb_val_open into the value itself: the plaintext (NUL-terminated, *n
 * bytes) over the ciphertext at val + KB_VAL_HDR.  False (no message) if
 * it does not open: a bad header is left as it is, a ciphertext that fails
 * its tag or padding is zeroed; kb_val_open fails on it again the same
 * way. */
bool kb_val_open_here(const kb_store *s, const unsigned char *k, const char *table, const void *key,
                      size_t klen, unsigned char *val, size_t vlen, size_t *n);
int kb_val_open(const kb_store *s, const unsigned char *k, const char *table, const void *key,
                size_t klen, const unsigned char *val, size_t vlen, char **plain, size_t *n,
                uint64_t *version, kb_err *e);
uint64_t kb_val_version(const unsigned char *val, size_t vlen);

/* Argon2id runs of this process (a test hook: opening runs exactly one). */
extern uint64_t kb_kdf_runs_;
/* Parameters no stronger than 'sensitive' and no weaker than libsodium's minimum. */
bool kb_kdf_params_ok(uint64_t opslimit, uint64_t memlimit);

/* slot blob (table "keyslots") */
typedef struct kb_kdf_params {
    uint64_t opslimit;
    uint64_t memlimit;
} kb_kdf_params;
void kb_kdf_params_of(enum kb_kdf kdf, kb_kdf_params *p);
int kb_slot_key(const unsigned char board_salt[KB_SALT_LEN], const char *user,
                const kb_secret *pass, const kb_kdf_params *p, unsigned char key[32], kb_err *e);

/* ---- store.c helpers shared with rekey.c (the same names there) */
#define KB_DB_BOARD "board"
#define KB_DB_SLOTS "keyslots"
#define KB_DB_EPOCHS "epochs"
#define KB_DB_AUDIT "audit"
#define KB_DB_VMAP "vmap"
#define KB_DB_SLOTFIND "slotfind"
#define KB_DB_STAGE "stage"
#define KB_VM_ENT (KB_KEY_LEN + 8)
/* The version map has 2^bits buckets: 8 bits in format 2; in formats 3
 * and 4 from 8 up to KB_VM_BITS_MAX, doubling as the board grows. */
#define KB_VM_BITS_MIN 8
#define KB_VM_BITS_MAX 15
/* formats 3 and 4: a map of more than this many entries per bucket doubles */
#define KB_VM_GROW 256
int kb_mdb_err(kb_err *e, int rc, const char *what);
int kb_dbi(kb_txn *t, const char *name, MDB_dbi *out, kb_err *e);
int kb_tdbi(kb_txn *t, enum kb_table tbl, MDB_dbi *out, kb_err *e);
/* create: a new data file (no board header yet, no keyslot check). */
int kb_txn_begin(kb_store *s, bool write, bool create, kb_txn **out, kb_err *e);
int kb_audit_dbi(kb_txn *t, kb_err *e);
/* Sign and store the audit entries appended so far (before the audit log
 * of a write transaction is read, and at commit). */
int kb_audit_flush(kb_txn *t, kb_err *e);
/* Append an audit entry (stored NULL = a delete) for a change this
 * transaction made. */
int kb_audit_append(kb_txn *t, enum kb_table tbl, const void *key, size_t klen, uint64_t version,
                    const MDB_val *stored, const char *detail, kb_err *e);
void kb_ref16(const kb_store *s, enum kb_table tbl, const unsigned char ck[KB_KEY_LEN],
              unsigned char out[KB_KEY_LEN]);
void kb_vm_digest(const kb_store *s, unsigned tbl, const void *key, size_t klen,
                  unsigned char d[KB_KEY_LEN]);
void kb_index_tag(const kb_store *s, const char *name, unsigned char tag[KB_KEY_LEN]);
int kb_access_load(kb_txn *t, kb_buf *l, uint64_t *ver, kb_err *e);
void kb_access_upsert(kb_buf *l, const unsigned char id[KB_KEY_LEN], const unsigned char *loc,
                      const unsigned char *slot_hash, const unsigned char *epoch_hash);
int kb_access_store(kb_txn *t, const kb_buf *l, uint64_t ver, kb_err *e);
/* The board header (table board) from t->s (uuid, format, epoch) and salt. */
int kb_board_meta_put(kb_txn *t, const unsigned char salt[KB_SALT_LEN], kb_err *e);
int kb_session_write(kb_store *s, kb_err *e);
/* A store handle on a copy of this board (same keys, no session, no pin). */
kb_store *kb_store_twin(kb_store *s, const char *path);
void kb_fsync_dir(const char *path);
int kb_lock_file_create(const char *lock_path, const unsigned char uuid[KB_UUID_LEN], int *out_fd,
                        kb_err *e);

/* ---- store.c pieces used by verify.c */
extern const char *const kb_table_names[KB_T_COUNT_];
/* Lower-case hex of p[0..n) into out (2n + 1 bytes). */
void kb_hex(const unsigned char *p, size_t n, char *out);
/* Audit entry plaintext (before sealing), all integers big-endian:
 *   seq u64 | prev_hash[32] | time i64 | author slot id[16] | session
 *   nonce[16] | op_id[16] | flags u8 (1 = delete) | table u8 | keylen u8 |
 *   key | version u64 | value_hash[32] | action_len u8 | action |
 *   detail_len u32 | detail | entry_hash[32] | signature[64] */
typedef struct kb_entry {
    uint64_t seq;
    unsigned char prev[KB_HASH_LEN];
    int64_t time;
    unsigned char author[KB_KEY_LEN];
    unsigned char session[16];
    unsigned char op_id[KB_OPID_LEN];
    unsigned flags;
    unsigned table;
    unsigned char key[255];
    size_t klen;
    uint64_t version;
    unsigned char value_hash[KB_HASH_LEN];
    char action[256];
    const char *detail;
    size_t detail_len;
    unsigned char hash[KB_HASH_LEN];
    unsigned char sig[crypto_sign_BYTES];
} kb_entry;

/* Everything before hash and signature into b (the hashed bytes). */
void kb_entry_encode(const kb_entry *en, kb_buf *b);
/* Parse an entry plaintext; detail points into p. */
bool kb_entry_decode(const unsigned char *p, size_t n, kb_entry *en);
/* Decrypt the audit value at seq-key k/v into en (plaintext buffer in *pt). */
int kb_audit_open(const kb_store *s, const MDB_val *k, const MDB_val *v, kb_entry *en, char **pt,
                  kb_err *e);
/* The version map of a transaction (loaded lazily): its buckets in groups
 * of 2^gbits (layout 4: each group's bucket hashes are a stored value the
 * root names; layouts 2 and 3: one group, its hashes in the root). */
typedef struct kb_vbucket {
    unsigned char *e; /* the entries (NULL while only ct is read) */
    size_t n, cap;
    bool loaded, dirty;
    /* a bucket read for lookups only (store.c, kb_vmap_check): its
     * ciphertext, authenticated by the root's hash, decrypted a block at a
     * time as a lookup reads it */
    unsigned char *ct;
    size_t ctlen;
    unsigned char nonce[24];
} kb_vbucket;
void kb_vbucket_free(kb_vbucket *bk);

typedef struct kb_vgroup {
    kb_vbucket *b;                    /* 2^gbits buckets; NULL until used */
    unsigned char (*bh)[KB_HASH_LEN]; /* their sealed values' hashes */
    bool loaded, dirty;
    bool bad; /* did not check out in this transaction (not read again) */
} kb_vgroup;

struct kb_vmap {
    bool loaded;
    MDB_dbi dbi;
    bool have_dbi;
    /* the layout: 2 (format 2: 256 buckets "B" || u8, no count), 3 (2^bits
     * buckets "B" || u16, the number of entries in the root) or 4 (as 3,
     * with the bucket hashes in groups "G" || u16 the root names) */
    unsigned layout, bits, gbits;
    size_t nb, ng;                    /* 2^bits buckets in 2^(bits - gbits) groups */
    uint64_t count;                   /* entries (layouts 3 and 4) */
    unsigned char (*gh)[KB_HASH_LEN]; /* layout 4: the groups' hashes */
    kb_vgroup *g;
};
/* Group g's buckets and hashes, allocated (empty, not loaded) if new. */
kb_vgroup *kb_vm_group_mem(struct kb_vmap *vm, size_t g);
/* Bucket b and its hash in a map whose group of b is allocated. */
static inline kb_vbucket *kb_vm_bk(const struct kb_vmap *vm, size_t b)
{
    return &vm->g[b >> vm->gbits].b[b & (((size_t)1 << vm->gbits) - 1)];
}
static inline unsigned char *kb_vm_bh(const struct kb_vmap *vm, size_t b)
{
    return vm->g[b >> vm->gbits].bh[b & (((size_t)1 << vm->gbits) - 1)];
}
/* Set vm's layout, bits and the counts they give (nothing allocated). */
void kb_vm_dims(struct kb_vmap *vm, unsigned layout, unsigned bits);
/* The layout of a format, and the group bits of a layout and bucket bits. */
unsigned kb_vm_layout_of(unsigned format);
unsigned kb_vm_gbits_for(unsigned layout, unsigned bits);
/* Does the loaded map vm (its groups read) name the stored vmap key: the
 * root, a group or a bucket it holds a hash of?  (verify: a value no one
 * names is left over or put in.) */
bool kb_vm_names_key(const struct kb_vmap *vm, const unsigned char *key, size_t klen);
/* The stored key of group g ("G" || u16). */
size_t kb_vm_gkey(size_t g, unsigned char key[3]);
/* The root's plaintext: seq || head || (layouts 3, 4: bits || count) ||
 * hashes (layout 4: of the groups, else of the buckets). */
void kb_vm_root_value(kb_buf *root, unsigned layout, unsigned bits, uint64_t seq,
                      const unsigned char head[KB_HASH_LEN], uint64_t count,
                      const unsigned char *hashes, size_t nhashes);
/* A root's plaintext read back: false when its size or bucket bits do not
 * fit the layout (hashes and head point into the plaintext). */
typedef struct kb_vm_rootv {
    uint64_t seq, count;
    unsigned bits;
    const unsigned char *head, *hashes;
} kb_vm_rootv;
bool kb_vm_root_parse(unsigned layout, const unsigned char *pt, size_t n, kb_vm_rootv *out);
/* Layout 4: seal and store group g of hashes (2^gbits of them) under
 * txn, or delete it when all are zero; *gh gets its hash (zero if
 * deleted).  The value's version is seq. */
int kb_vm_group_store(kb_store *s, MDB_txn *txn, MDB_dbi dbi, size_t g, unsigned gbits,
                      const unsigned char *hashes, uint64_t seq, unsigned char gh[KB_HASH_LEN],
                      kb_buf *sealed, kb_err *e);
/* Layout 4: the bucket hashes (2^gbits of them, into out) of group g
 * from its stored value val, whose hash must be gh; KB_EDATA when it does
 * not check out. */
int kb_vm_group_open(const kb_store *s, size_t g, unsigned gbits, const unsigned char *val,
                     size_t vlen, const unsigned char gh[KB_HASH_LEN], unsigned char *out,
                     kb_err *e);
typedef struct kb_vmap kb_vmap;
/* The bucket of digest d, and its stored key (2 or 3 bytes). */
static inline size_t kb_vm_index(const kb_vmap *vm, const unsigned char *d)
{
    return (size_t)((unsigned)d[0] << 8 | d[1]) >> (16 - vm->bits);
}
size_t kb_vm_bkey(const kb_vmap *vm, size_t b, unsigned char key[3]);
/* The number of bucket bits (formats 3 and 4) for a map of n entries, grow
 * entries a bucket on average (0: KB_VM_GROW). */
unsigned kb_vm_bits_for(uint64_t n, unsigned grow);
void kb_vmap_release(kb_vmap **vm);
int kb_vmap_root(kb_txn *t, kb_err *e);
/* Forget the version map buckets the handle kept (verify, before it reads
 * them from the file). */
void kb_vmc_free(kb_store *s);
int kb_vmap_bucket(kb_txn *t, size_t b, kb_vbucket **out, kb_err *e);
/* Is version ver of the record at stored key (tbl, key) the newest? */
int kb_vmap_check(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t ver, kb_err *e);
/* The version the map has for (tbl, stored key): *want 0 = none. */
int kb_vmap_want(kb_txn *t, unsigned tbl, const void *key, size_t klen, uint64_t *want, kb_err *e);
/* The access list (meta record 00 x 15, 06): entries of KB_ACC_ENT bytes. */
#define KB_ACC_ENT (KB_KEY_LEN + KB_KEY_LEN + KB_HASH_LEN + KB_HASH_LEN)
#define KB_SLOT_HDR 44
extern const unsigned char kb_meta_access[KB_KEY_LEN];
unsigned char *kb_access_find(kb_buf *l, const unsigned char id[KB_KEY_LEN]);
/* The rollback pin: check (seq, head) against this client's pin (reads
 * the pinned entry in t) and, with update, move the pin there. */
int kb_pin_check(kb_store *s, uint64_t head_seq, const unsigned char head[KB_HASH_LEN], kb_txn *t,
                 kb_verify_report *rep, bool update, kb_err *e);
/* The rollback pin file of this board file (legacy: the one-per-board pin
 * of earlier versions), and the pin to check, open for reading (this
 * file's own, own when the caller has its name already, else the legacy
 * one; NULL if none or no_pin). */
char *kb_pin_file(const kb_store *s, bool legacy);
FILE *kb_pin_open(const kb_store *s, const char *own);

/* ---- pagecheck.c: the structure check of the newest meta page's trees;
 * *txnid (may be NULL) is that meta's transaction id (0: none valid).
 * The newest valid meta's transaction id of the file (0: none). */
int kb_store_check_file_at(const char *path, kb_buf *report, size_t *found, uint64_t *txnid,
                           kb_err *e);
uint64_t kb_store_file_txnid(const char *path);
/* dfd: an open descriptor of path to read through (the transaction's,
 * kb_txn.dfd), or -1 to open one */
int kb_store_meta_check(const char *path, int dfd, bool both, uint64_t gen, kb_err *e);
bool kb_store_looks_lmdb(const char *path);
/* The free list of the newest meta page (what a write takes pages from;
 * LMDB trusts it): KB_EDATA with the damage named. */
int kb_store_free_check(const char *path, int dfd, kb_err *e);
/* Is every page of the last commit past the end of the file one the free
 * list names?  (LMDB leaves a page a transaction allocated and freed
 * again unwritten: the file may end before the last page of a sound
 * commit.)  False also when the file cannot be read or the list is bad. */
bool kb_store_tail_free(const char *path, int dfd);

#endif
