/*
 * lock.c - the coordination file BOARD.lock: fcntl byte-range locks far
 * beyond end of file, the A/B header with the commit generation, and the
 * SIGBUS landing pad for mapped reads.
 */
#include "store_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <lmdb.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int kb_lk_op(int fd, off_t off, short type)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = off;
    fl.l_len = 1;
    return fcntl(fd, F_SETLK, &fl);
}

bool kb_lk_try(int fd, off_t off, short type)
{
    return kb_lk_op(fd, off, type) == 0;
}

void kb_lk_unlock(int fd, off_t off)
{
    (void)kb_lk_op(fd, off, F_UNLCK);
}

/* Bounded wait with backoff: 1 ms doubling to 32 ms, until timeout_ms. */
int kb_lk_range(int fd, off_t off, short type, int timeout_ms, kb_err *e)
{
    int64_t deadline = kb_clock_ms() + timeout_ms;
    long delay_us = 1000;
    for (;;) {
        if (kb_lk_op(fd, off, type) == 0)
            return KB_OK;
        if (errno != EACCES && errno != EAGAIN && errno != EINTR)
            return kb_err_set(e, KB_EIO,
                              _("cannot lock the board's lock file: %s (does the file system "
                                "support fcntl locks? run 'kernboard doctor')"),
                              strerror(errno));
        if (kb_clock_ms() >= deadline)
            return kb_err_set(e, KB_EBUSY,
                              _("the board is busy: another user kept it locked for %d s; try "
                                "again in a moment"),
                              timeout_ms / 1000 ? timeout_ms / 1000 : 1);
        struct timespec ts = {0, delay_us * 1000};
        nanosleep(&ts, NULL);
        if (delay_us < 32000)
            delay_us *= 2;
    }
}

bool kb_lk_held_by_other(int fd, off_t off)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = off;
    fl.l_len = 1;
    if (fcntl(fd, F_GETLK, &fl) != 0)
        return false;
    return fl.l_type != F_UNLCK;
}

/* Header copy: magic 8 | uuid 16 | seq 8 | generation 8 | audit_seq 8 |
 * audit_head 32 | checksum 32 (BLAKE2b-256 of the preceding 80 bytes). */
static const unsigned char kb_lk_magic[8] = {'K', 'B', 'L', 'O', 'C', 'K', 0, 1};

static void kb_lk_encode(const kb_lk_header *h, unsigned char out[KB_LK_HDR_SIZE])
{
    memset(out, 0, KB_LK_HDR_SIZE);
    memcpy(out, kb_lk_magic, 8);
    memcpy(out + 8, h->uuid, KB_UUID_LEN);
    kb_put_u64be(out + 24, h->seq);
    kb_put_u64be(out + 32, h->generation);
    kb_put_u64be(out + 40, h->audit_seq);
    memcpy(out + 48, h->audit_head, KB_HASH_LEN);
    crypto_generichash(out + 80, 32, out, 80, NULL, 0);
}

static bool kb_lk_decode(const unsigned char in[KB_LK_HDR_SIZE], kb_lk_header *h)
{
    unsigned char sum[32];
    if (memcmp(in, kb_lk_magic, 8) != 0)
        return false;
    crypto_generichash(sum, 32, in, 80, NULL, 0);
    if (sodium_memcmp(sum, in + 80, 32) != 0)
        return false;
    memcpy(h->uuid, in + 8, KB_UUID_LEN);
    h->seq = kb_get_u64be(in + 24);
    h->generation = kb_get_u64be(in + 32);
    h->audit_seq = kb_get_u64be(in + 40);
    memcpy(h->audit_head, in + 48, KB_HASH_LEN);
    return true;
}

int kb_lk_header_read(int fd, kb_lk_header *h, kb_err *e)
{
    unsigned char a[KB_LK_HDR_SIZE], b[KB_LK_HDR_SIZE];
    kb_lk_header ha, hb;
    errno = 0; /* a short read sets none: never report a stale one */
    ssize_t ra = pread(fd, a, sizeof a, KB_LK_HDR_A);
    ssize_t rb = ra == (ssize_t)sizeof a ? pread(fd, b, sizeof b, KB_LK_HDR_B) : 0;
    if ((ra < 0 || rb < 0) && errno)
        return kb_err_set(e, KB_EIO, _("cannot read the board's lock file header: %s"),
                          strerror(errno));
    if (ra != (ssize_t)sizeof a || rb != (ssize_t)sizeof b)
        return kb_err_set(e, KB_EDATA,
                          _("the board's lock file is empty or too short; nothing was changed. "
                            "Once no session has the board open, 'kernboard doctor "
                            "--repair-lock' creates a new one"));
    bool va = kb_lk_decode(a, &ha), vb = kb_lk_decode(b, &hb);
    if (!va && !vb)
        return kb_err_set(e, KB_EDATA,
                          _("the board's lock file is damaged (no valid header); nothing was "
                            "changed. Once no session has the board open, 'kernboard doctor "
                            "--repair-lock' creates a new one"));
    *h = (va && (!vb || ha.seq >= hb.seq)) ? ha : hb;
    return KB_OK;
}

/* Overwrite the older copy (the one not holding h->seq - 1) and fdatasync. */
int kb_lk_header_write(int fd, const kb_lk_header *h, kb_err *e)
{
    unsigned char buf[KB_LK_HDR_SIZE];
    kb_lk_encode(h, buf);
    off_t off = (h->seq & 1) ? KB_LK_HDR_B : KB_LK_HDR_A;
    if (pwrite(fd, buf, sizeof buf, off) != (ssize_t)sizeof buf || fdatasync(fd) != 0) {
        int err = errno ? errno : EIO; /* kept for a caller that names the file */
        kb_err_set(e, KB_EIO, _("cannot update the board's lock file: %s"), strerror(err));
        errno = err;
        return KB_EIO;
    }
    return KB_OK;
}

/* Make this host revalidate its cached view of the data file: taking and
 * dropping a lock on a short-lived descriptor forces NFS (and FUSE) to
 * check attributes and drop stale pages (close-to-open consistency). */
int kb_lk_revalidate_open(const char *data_path)
{
    int fd = open(data_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (kb_lk_op(fd, KB_LK_BASE, F_RDLCK) == 0)
        kb_lk_op(fd, KB_LK_BASE, F_UNLCK);
    return fd;
}

void kb_lk_revalidate(const char *data_path)
{
    int fd = kb_lk_revalidate_open(data_path);
    if (fd >= 0)
        close(fd);
}

/* ---- Lock file identity (docs/storage.md "Lock file identity").
 *
 * Everything the store coordinates hangs on every session using the SAME
 * lock file.  A lock file that is deleted, or replaced by a copy, while
 * sessions hold the old one splits the board's users into two groups that
 * do not see each other's locks: two writers at once.  Two checks close
 * that:
 *  - every transaction, with the board lock held, compares the lock file
 *    it holds (fstat of its descriptor: device, inode, link count) with the
 *    file at the lock path (stat) and refuses when they differ;
 *  - every session, once it has a slot in the lock file, holds a shared
 *    open-file-description lock on the same slot's byte of the DATA file
 *    (the data file is what all sessions share, whatever happened to the
 *    lock file), and at that moment checks that each data-file slot byte
 *    that another process holds belongs to a session that also holds that
 *    slot in this lock file.  A session of a replaced lock file fails that
 *    check.  Open-file-description locks are used because LMDB opens and
 *    closes its own descriptors of the data file, and closing any
 *    descriptor drops a process's classic POSIX locks on the file.
 * Recreating a lock file (kb_store_repair_lock) takes the whole data-file
 * slot range exclusively, so it cannot succeed while any session that got
 * that far holds a slot; a session that opened the old file and has not
 * yet taken its data-file slot fails its next transaction's identity
 * check instead. */
struct kb_lk_session {
    int dfd;  /* data file descriptor holding our slot byte, -1 if none */
    bool off; /* no open-file-description locks on this file system */
};

static int kb_ofd(int fd, int cmd, short type, off_t start, off_t len, struct flock *out)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    int r = fcntl(fd, cmd, &fl);
    if (out)
        *out = fl;
    return r;
}

bool kb_lk_ofd_shared(int fd, off_t off, int timeout_ms)
{
    int64_t deadline = kb_clock_ms() + timeout_ms;
    for (;;) {
        if (kb_ofd(fd, F_OFD_SETLK, F_RDLCK, off, 1, NULL) == 0)
            return true;
        if ((errno != EACCES && errno != EAGAIN && errno != EINTR) || kb_clock_ms() >= deadline)
            return false;
        struct timespec ts = {0, 5000000L};
        nanosleep(&ts, NULL);
    }
}

/* Data-file slot bytes in [lo, hi) that other processes hold while the
 * same slot of this lock file is free: sessions of another lock file. */
static int kb_lk_strangers(int lock_fd, int dfd, off_t lo, off_t hi, int *held)
{
    if (lo >= hi)
        return 0;
    struct flock fl;
    if (kb_ofd(dfd, F_OFD_GETLK, F_WRLCK, lo, hi - lo, &fl) != 0 || fl.l_type == F_UNLCK)
        return 0;
    off_t a = fl.l_start < lo ? lo : fl.l_start;
    off_t b = fl.l_len == 0 || fl.l_start + fl.l_len > hi ? hi : fl.l_start + fl.l_len;
    if (b <= a)
        return 0;
    int n = 0;
    for (off_t o = a; o < b; o++) {
        if (held)
            (*held)++;
        /* an open-file-description probe also sees the locks of other
         * sessions of this same process (classic F_GETLK would not) */
        struct flock lf;
        if (kb_ofd(lock_fd, F_OFD_GETLK, F_WRLCK, KB_LK_SLOT0 + (o - KB_LK_DSLOT0), 1, &lf) != 0 ||
            lf.l_type == F_UNLCK)
            n++;
    }
    return n + kb_lk_strangers(lock_fd, dfd, lo, a, held) +
           kb_lk_strangers(lock_fd, dfd, b, hi, held);
}

/* Data-file slots held by the stores of this process: two stores of one
 * process on one board share the lock-file slot (classic locks belong to
 * the process), so the second one finds the first one's data-file slot
 * taken and must not take that for a session of another lock file. */
static struct kb_lk_reg {
    dev_t dev;
    ino_t ino;
    int slot;
    const kb_store *owner;
} kb_lk_regs[32];

static bool kb_lk_reg_find(const struct stat *st, int slot)
{
    for (size_t i = 0; i < sizeof kb_lk_regs / sizeof kb_lk_regs[0]; i++)
        if (kb_lk_regs[i].owner && kb_lk_regs[i].dev == st->st_dev &&
            kb_lk_regs[i].ino == st->st_ino && kb_lk_regs[i].slot == slot)
            return true;
    return false;
}

static void kb_lk_reg_set(const kb_store *s, const struct stat *st)
{
    for (size_t i = 0; i < sizeof kb_lk_regs / sizeof kb_lk_regs[0]; i++) {
        if (kb_lk_regs[i].owner == s)
            kb_lk_regs[i].owner = NULL;
        if (st && !kb_lk_regs[i].owner) {
            kb_lk_regs[i] = (struct kb_lk_reg){st->st_dev, st->st_ino, s->session_slot, s};
            st = NULL;
        }
    }
}

/* FUSE servers do not reliably drop an open-file-description lock when
 * the file is closed (bindfs forwards it and keeps it: the kernel leaves
 * the unlock to FLUSH, which names the process, not the open file), so a
 * closed session's data-file slot could look held for ever.  There the
 * data-file slots are not used; the lock path check remains. */
#define KB_FUSE_SUPER_MAGIC 0x65735546

static bool kb_lk_on_fuse(int fd)
{
    struct statfs sf;
    return fstatfs(fd, &sf) == 0 && (unsigned long)sf.f_type == KB_FUSE_SUPER_MAGIC;
}

static int kb_lk_data_slot(kb_store *s, kb_err *e)
{
    struct kb_lk_session *l = s->lks;
    struct stat ds, fs;
    if (l->off || stat(s->path, &ds) != 0)
        return KB_OK; /* opening the environment reports a missing board */
    if (l->dfd >= 0) {
        if (fstat(l->dfd, &fs) == 0 && fs.st_dev == ds.st_dev && fs.st_ino == ds.st_ino)
            return KB_OK;
        /* the board file was renamed over (restore, compaction under the
         * maintenance lock): hold the slot in the new one */
        close(l->dfd);
        l->dfd = -1;
    }
    /* exclusive where we may write the file (a session of another lock
     * file in the same slot then cannot hide behind a shared lock) */
    bool rw = true;
    int fd = open(s->path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        rw = false;
        fd = open(s->path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0)
        return KB_OK;
    if (kb_lk_on_fuse(fd)) {
        close(fd);
        l->off = true;
        return KB_OK;
    }
    off_t mine = KB_LK_DSLOT0 + s->session_slot;
    /* A session that is closing or was killed drops its data-file slot
     * and its lock-file slot a moment apart: look again before refusing. */
    for (int attempt = 0;; attempt++) {
        bool got = kb_ofd(fd, F_OFD_SETLK, rw ? F_WRLCK : F_RDLCK, mine, 1, NULL) == 0;
        int err = errno;
        if (!got && err != EAGAIN && err != EACCES) {
            close(fd);
            l->off = true; /* EINVAL, ENOLCK: the lock path check alone */
            return KB_OK;
        }
        struct stat fst;
        bool have = fstat(fd, &fst) == 0;
        bool ours = !got && have && kb_lk_reg_find(&fst, s->session_slot);
        if ((got || ours) &&
            kb_lk_strangers(s->lock_fd, fd, KB_LK_DSLOT0, KB_LK_DSLOT0 + KB_LK_NSLOTS, NULL) == 0) {
            if (got && have)
                kb_lk_reg_set(s, &fst);
            break;
        }
        struct flock fl;
        if (!got && kb_ofd(fd, F_OFD_GETLK, F_WRLCK, mine, 1, &fl) == 0 && fl.l_type != F_UNLCK &&
            (fl.l_len == 0 || fl.l_len > 1)) {
            close(fd);
            return kb_err_set(e, KB_EBUSY,
                              _("the board's lock file is being recreated ('kernboard doctor "
                                "--repair-lock'); try again in a moment"));
        }
        if (attempt == 4) {
            close(fd);
            return kb_err_set(e, KB_EIO,
                              _("another session has this board open with a different lock "
                                "file (%s was replaced while the board was open); nothing was "
                                "changed. Try again after every other session of the board "
                                "has closed"),
                              s->lock_path);
        }
        struct timespec ts = {0, 20000000L << attempt};
        nanosleep(&ts, NULL);
    }
    l->dfd = fd;
    return KB_OK;
}

int kb_lk_txn_check(kb_store *s, kb_err *e)
{
    int rc = kb_lk_path_check(s, e);
    if (rc || s->lock_fd < 0 || s->session_slot < 0)
        return rc;
    return kb_lk_data_slot(s, e);
}

int kb_lk_path_check(kb_store *s, kb_err *e)
{
    if (s->lock_fd < 0)
        return KB_OK;
    if (!s->lks) {
        s->lks = calloc(1, sizeof *s->lks);
        if (!s->lks)
            abort();
        s->lks->dfd = -1;
    }
    struct stat held, now;
    int rh = fstat(s->lock_fd, &held), eh = errno;
    int rn = stat(s->lock_path, &now), en = errno;
    if ((rh != 0 && eh == ESTALE) || (rh == 0 && held.st_nlink == 0) || (rn != 0 && en == ENOENT))
        return kb_err_set(e, KB_EIO,
                          _("the board's lock file %s was deleted while this session had the "
                            "board open; nothing was changed. Close this session; once every "
                            "session has closed, 'kernboard doctor --repair-lock' creates a new "
                            "one"),
                          s->lock_path);
    if (rh != 0 || rn != 0)
        return kb_err_set(e, KB_EIO, _("cannot check the board's lock file %s: %s"), s->lock_path,
                          strerror(rh != 0 ? eh : en));
    if (held.st_dev != now.st_dev || held.st_ino != now.st_ino)
        return kb_err_set(e, KB_EIO,
                          _("the board's lock file %s was replaced by another file while this "
                            "session had the board open; nothing was changed. Close this "
                            "session and open the board again"),
                          s->lock_path);
    return KB_OK;
}

void kb_lk_session_end(kb_store *s)
{
    if (!s->lks)
        return;
    kb_lk_reg_set(s, NULL);
    if (s->lks->dfd >= 0)
        close(s->lks->dfd); /* drops the data-file slot before the lock file's */
    free(s->lks);
    s->lks = NULL;
}

/* The board's uuid and last committed transaction, from the data file. */
int kb_lk_board_identity(const char *path, off_t size, unsigned char uuid[KB_UUID_LEN],
                         uint64_t *txnid, kb_err *e)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_envinfo info;
    MDB_val k = {5, "board"}, v;
    size_t map = (size_t)size * 2 + ((size_t)1 << 20);
    int rc = mdb_env_create(&env);
    if (rc == 0)
        kb_bus_prepare(env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(env, 64);
    if (rc == 0)
        rc = mdb_env_set_mapsize(env, map);
    sigjmp_buf pad;
    sigjmp_buf *prev = kb_bus_arm(&pad);
    if (KB_BUS_SETJMP(pad)) {
        kb_bus_disarm(prev);
        return kb_bus_fail(e, path);
    }
    if (rc == 0)
        rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0);
    if (rc == 0) {
        mdb_env_info(env, &info);
        *txnid = info.me_last_txnid;
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    }
    if (rc == 0)
        rc = mdb_dbi_open(txn, "board", 0, &dbi);
    if (rc == 0)
        rc = mdb_get(txn, dbi, &k, &v);
    bool ok = rc == 0 && v.mv_size == 48;
    if (ok)
        memcpy(uuid, (const unsigned char *)v.mv_data + 12, KB_UUID_LEN);
    if (txn)
        mdb_txn_abort(txn);
    kb_bus_disarm(prev);
    mdb_env_close(env);
    if (!ok)
        return kb_err_set(e, KB_EDATA, _("%s is not a kernboard board file (%s)"), path,
                          rc ? mdb_strerror(rc) : _("bad board header"));
    return KB_OK;
}

int kb_store_repair_lock(const char *path, int *outcome, uint64_t *generation, kb_err *e)
{
    *outcome = 0;
    *generation = 0;
    bool existed = false;
    if (sodium_init() < 0)
        return kb_err_set(e, KB_ESOFTWARE, _("cannot initialise libsodium"));
    kb_bus_install();
    char *lock = kb_asprintf("%s.lock", path), *tmp = kb_asprintf("%s.lock.repair", path);
    int rc = KB_OK, dfd = -1, lfd = -1, nfd = -1;
    struct stat st;
    if ((dfd = open(path, O_RDWR | O_CLOEXEC)) < 0 || fstat(dfd, &st) != 0) {
        rc = kb_err_set(e, errno == ENOENT ? KB_ENOENT : KB_EIO, _("cannot open board %s: %s"),
                        path, strerror(errno));
        goto out;
    }
    /* 1. no session may hold a data-file slot: take them all (not on FUSE,
     * where sessions take none: see kb_lk_on_fuse) */
    if (!kb_lk_on_fuse(dfd) &&
        kb_ofd(dfd, F_OFD_SETLK, F_WRLCK, KB_LK_DSLOT0, KB_LK_NSLOTS, NULL) != 0) {
        if (errno == EAGAIN || errno == EACCES) {
            int held = 0;
            kb_lk_strangers(-1, dfd, KB_LK_DSLOT0, KB_LK_DSLOT0 + KB_LK_NSLOTS, &held);
            rc = kb_err_set(e, KB_EBUSY,
                            dngettext(KB_TEXTDOMAIN,
                                      "%d session still has board %s open; the lock file "
                                      "cannot be recreated until it has closed",
                                      "%d sessions still have board %s open; the lock file "
                                      "cannot be recreated until they have closed",
                                      (unsigned long)(held > 0 ? held : 1)),
                            held > 0 ? held : 1, path);
        } else {
            rc = kb_err_set(e, KB_EIO,
                            _("cannot lock board %s to recreate its lock file safely: %s"), path,
                            strerror(errno));
        }
        goto out;
    }
    /* 2. nor any lock in the current lock file (a session that has not
     * written yet holds only its slot there) */
    kb_lk_header old;
    bool old_ok = false;
    existed = (lfd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0;
    if (lfd >= 0) {
        struct flock fl;
        if (kb_ofd(lfd, F_GETLK, F_WRLCK, KB_LK_BASE, 0, &fl) == 0 && fl.l_type != F_UNLCK) {
            rc = kb_err_set(e, KB_EBUSY,
                            _("board %s is open (its lock file is in use); the lock file cannot "
                              "be recreated until every session has closed"),
                            path);
            goto out;
        }
        kb_err ignore;
        struct stat lst;
        old_ok = fstat(lfd, &lst) == 0 &&
                 lst.st_size >= KB_LK_SLOTS_OFF + (off_t)KB_LK_NSLOTS * KB_LK_SLOT_SIZE &&
                 kb_lk_header_read(lfd, &old, &ignore) == KB_OK;
    }
    /* 3. the board's own identity and last commit */
    kb_lk_header h;
    memset(&h, 0, sizeof h);
    if ((rc = kb_lk_board_identity(path, st.st_size, h.uuid, &h.generation, e)))
        goto out;
    *generation = h.generation;
    if (old_ok && memcmp(old.uuid, h.uuid, KB_UUID_LEN) == 0 && old.generation <= h.generation) {
        *outcome = 0; /* in order: nothing to repair */
        goto out;
    }
    /* 4. a fresh file beside it, then renamed over the lock path */
    unlink(tmp); /* a leftover of an interrupted repair (we hold the range) */
    nfd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (nfd < 0) {
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), tmp, strerror(errno));
        goto out;
    }
    if ((rc = kb_lk_header_write(nfd, &h, e)))
        goto fail_tmp;
    h.seq = 1;
    if ((rc = kb_lk_header_write(nfd, &h, e)))
        goto fail_tmp;
    if (ftruncate(nfd, KB_LK_SLOTS_OFF + (off_t)KB_LK_NSLOTS * KB_LK_SLOT_SIZE) != 0 ||
        fchmod(nfd, st.st_mode & 0660) != 0 || fsync(nfd) != 0 || rename(tmp, lock) != 0) {
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), lock, strerror(errno));
        goto fail_tmp;
    }
    {
        char *dir = kb_strdup(path), *slash = strrchr(dir, '/');
        if (slash)
            slash[slash == dir ? 1 : 0] = '\0';
        int dirfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd >= 0) {
            fsync(dirfd);
            close(dirfd);
        }
        kb_free(&dir);
    }
    *outcome = existed ? 2 : 1;
    goto out;
fail_tmp:
    unlink(tmp);
out:
    if (nfd >= 0)
        close(nfd);
    if (lfd >= 0)
        close(lfd);
    if (dfd >= 0)
        close(dfd); /* releases the range */
    kb_free(&lock);
    kb_free(&tmp);
    return rc;
}

/* ---- a full disk, named.  LMDB turns a short write (the disk filled up
 * part way through a page) into EIO; after a failed commit, a file system
 * with (almost) no room left is the likely cause, so say that. */
#define KB_FULL_BELOW ((unsigned long long)4 << 20)

int kb_lk_disk_full(const char *path, kb_err *e)
{
    char *dir = kb_strdup(path), *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    struct statvfs vf;
    int r = statvfs(slash ? dir : ".", &vf);
    kb_free(&dir);
    if (r != 0)
        return KB_OK;
    unsigned long long avail = (unsigned long long)vf.f_bavail * vf.f_frsize;
    if (avail >= KB_FULL_BELOW)
        return KB_OK;
    return kb_err_set(e, KB_EIO,
                      _("the disk holding %s is full (%llu KiB free); nothing was saved. Free "
                        "some space and try again"),
                      path, avail / 1024);
}
