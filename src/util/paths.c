/* paths.c - XDG directories and file helpers; see kernboard/paths.h. */
#include "kernboard/paths.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *kb_home(void)
{
    const char *h = getenv("HOME");
    if (h && *h)
        return h;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir ? pw->pw_dir : "/tmp";
}

static char *kb_xdg(const char *var, const char *fallback)
{
    const char *v = getenv(var);
    if (v && v[0] == '/')
        return kb_asprintf("%s/kernboard", v);
    return kb_asprintf("%s/%s/kernboard", kb_home(), fallback);
}

char *kb_path_state_dir(void)
{
    return kb_xdg("XDG_STATE_HOME", ".local/state");
}

char *kb_path_config_dir(void)
{
    return kb_xdg("XDG_CONFIG_HOME", ".config");
}

int kb_path_mkdirs(const char *path, unsigned mode, kb_err *e)
{
    char *p = kb_strdup(path);
    int rc = KB_OK;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
                rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create directory %s: %s"), p,
                                strerror(errno));
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    kb_free(&p);
    return rc;
}

int kb_file_read(const char *path, size_t max, char **out, size_t *len, kb_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kb_err_set(e, errno == ENOENT ? KB_ENOENT : KB_EIO, _("cannot read %s: %s"), path,
                          strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = kb_malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                close(fd);
                kb_free(&buf);
                return kb_err_set(e, KB_EDATA, _("%s is too large (more than %zu bytes)"), path,
                                  max);
            }
            cap = cap * 2 > max ? max : cap * 2;
            buf = kb_realloc(buf, cap + 1);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            close(fd);
            kb_free(&buf);
            return kb_err_set(e, KB_EIO, _("cannot read %s: %s"), path, strerror(err));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return KB_OK;
}

/* ------------------------------------------------------------ output files */

/* What an existing file looks like from its first bytes: an LMDB data file
 * has MDB_MAGIC (0xBEEFC0DE, native byte order) in the meta page after the
 * page header (16 bytes on 64-bit hosts, 12 on 32-bit); BOARD.lock has the
 * magic "KBLOCK" 0 v at header copy A (0) or B (256) (docs/storage.md). */
enum kb_out_kind { KB_OUT_OTHER, KB_OUT_BOARD, KB_OUT_LOCK };

static enum kb_out_kind kb_out_sniff(const unsigned char *p, size_t n)
{
    static const unsigned char lk[6] = {'K', 'B', 'L', 'O', 'C', 'K'};
    const uint32_t mdb_magic = 0xBEEFC0DEu;
    static const size_t mdb_off[] = {16, 12};
    for (size_t i = 0; i < sizeof mdb_off / sizeof mdb_off[0]; i++) {
        uint32_t m;
        if (n >= mdb_off[i] + sizeof m) {
            memcpy(&m, p + mdb_off[i], sizeof m);
            if (m == mdb_magic)
                return KB_OUT_BOARD;
        }
    }
    if ((n >= 8 && memcmp(p, lk, sizeof lk) == 0 && p[6] == 0) ||
        (n >= 264 && memcmp(p + 256, lk, sizeof lk) == 0 && p[262] == 0))
        return KB_OUT_LOCK;
    return KB_OUT_OTHER;
}

static bool kb_same_file(const struct stat *a, const char *path)
{
    struct stat b;
    return path && stat(path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

static int kb_out_refuse(const kb_out *o, enum kb_out_kind k, kb_err *e)
{
    if (k == KB_OUT_LOCK)
        return kb_err_set(e, KB_ECANTCREAT,
                          _("refusing to write over %s: it is (or links to) a kernboard lock file"),
                          o->dest);
    return kb_err_set(e, KB_ECANTCREAT,
                      _("refusing to write over %s: it is (or links to) a kernboard board file"),
                      o->dest);
}

/* May the destination's name be replaced?  See kernboard/paths.h. */
static int kb_out_guard(const kb_out *o, kb_err *e)
{
    struct stat l, t;
    if (fstatat(o->dirfd, o->base, &l, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return KB_OK;
        return kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), o->dest, strerror(errno));
    }
    if (!S_ISREG(l.st_mode) && !S_ISLNK(l.st_mode))
        return kb_err_set(e, KB_ECANTCREAT,
                          _("refusing to write over %s: it is not a regular file"), o->dest);
    char *lock = o->board ? kb_asprintf("%s.lock", o->board) : NULL;
    bool board = false, lockf = false, have_t = true;
    if (S_ISLNK(l.st_mode))
        have_t = fstatat(o->dirfd, o->base, &t, 0) == 0; /* dangling: only the link goes */
    else
        t = l;
    board = kb_same_file(&l, o->board) || (have_t && kb_same_file(&t, o->board));
    lockf = kb_same_file(&l, lock) || (have_t && kb_same_file(&t, lock));
    kb_free(&lock);
    if (board || lockf)
        return kb_out_refuse(o, board ? KB_OUT_BOARD : KB_OUT_LOCK, e);
    if (!have_t || !S_ISREG(t.st_mode))
        return KB_OK; /* the link is replaced; what it points at is never opened for writing */
    /* any board or lock file, not only this one: look at the first bytes */
    int fd = openat(o->dirfd, o->base, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return kb_err_set(e, KB_ECANTCREAT,
                          _("refusing to write over %s: cannot read it to check what it is: %s"),
                          o->dest, strerror(errno));
    unsigned char head[272];
    size_t n = 0;
    struct stat f; /* !same: F was replaced while we looked; the caller may try again */
    bool same = fstat(fd, &f) == 0 && f.st_dev == t.st_dev && f.st_ino == t.st_ino;
    while (same && n < sizeof head) {
        ssize_t r = pread(fd, head + n, sizeof head - n, (off_t)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!same)
        return kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), o->dest, strerror(EAGAIN));
    enum kb_out_kind k = kb_out_sniff(head, n);
    return k == KB_OUT_OTHER ? KB_OK : kb_out_refuse(o, k, e);
}

static void kb_out_release(kb_out *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp && o->dirfd >= 0)
        unlinkat(o->dirfd, o->tmp, 0);
    if (o->dirfd >= 0)
        close(o->dirfd);
    o->dirfd = -1;
    kb_free(&o->tmp);
    kb_free(&o->dest);
    kb_free(&o->base);
    kb_free(&o->board);
}

void kb_out_abort(kb_out *o)
{
    if (o->tmp) /* a zeroed kb_out has dirfd 0: only touch an open one */
        kb_out_release(o);
}

static uint64_t kb_out_random(void)
{
    uint64_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
        return r;
    /* O_EXCL keeps it safe anyway; randomness only avoids collisions */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    static uint64_t ctr;
    return ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
           ++ctr * 0x9E3779B97F4A7C15u;
}

int kb_out_open(kb_out *o, const char *dest, const char *board, kb_err *e)
{
    memset(o, 0, sizeof *o);
    o->dirfd = -1;
    o->dest = kb_strdup(dest);
    o->board = board && *board ? kb_strdup(board) : NULL;
    const char *slash = strrchr(dest, '/');
    o->base = kb_strdup(slash ? slash + 1 : dest);
    char *dir =
        slash ? kb_asprintf("%.*s", slash == dest ? 1 : (int)(slash - dest), dest) : kb_strdup(".");
    int rc = KB_OK;
    if (!o->base[0] || strcmp(o->base, ".") == 0 || strcmp(o->base, "..") == 0) {
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), dest, strerror(EISDIR));
        goto out;
    }
    o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (o->dirfd < 0) {
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), dest, strerror(errno));
        goto out;
    }
    if ((rc = kb_out_guard(o, e)))
        goto out;
    int fd = -1;
    for (int i = 0; i < 64 && fd < 0; i++) {
        kb_free(&o->tmp);
        /* the base is cut short so that the name stays under NAME_MAX */
        o->tmp = kb_asprintf("%.200s.%016llx.tmp", o->base, (unsigned long long)kb_out_random());
        fd = openat(o->dirfd, o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int err = errno;
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), dest, strerror(err));
        kb_free(&o->tmp); /* that name is not ours: never remove it */
        goto out;
    }
    /* the content is usually plaintext from the board: owner-only, whatever the umask */
    if (fchmod(fd, 0600) != 0 || !(o->f = fdopen(fd, "w"))) {
        int err = errno;
        close(fd);
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create %s: %s"), dest, strerror(err));
        goto out;
    }
out:
    kb_free(&dir);
    if (rc) {
        if (o->tmp)
            kb_out_release(o);
        else {
            if (o->dirfd >= 0)
                close(o->dirfd);
            o->dirfd = -1;
            kb_free(&o->dest);
            kb_free(&o->base);
            kb_free(&o->board);
        }
    }
    return rc;
}

bool kb_rename_landed(int dirfd, const char *from, const char *to, const struct stat *was)
{
    /* a rename reported failed may still have been done (an NFS reply
     * lost and the retry finding no source): the source name is gone and
     * the destination is the same file */
    int err = errno;
    struct stat st;
    bool landed = fstatat(dirfd, from, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT &&
                  fstatat(dirfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == was->st_dev &&
                  st.st_ino == was->st_ino;
    errno = err;
    return landed;
}

int kb_out_commit(kb_out *o, kb_err *e)
{
    if (!o->tmp || !o->f)
        return kb_err_set(e, KB_ESOFTWARE, "kb_out_commit: not open");
    int err = 0;
    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        err = errno ? errno : EIO;
    else if (fsync(fileno(o->f)) != 0)
        err = errno;
    if (fclose(o->f) != 0 && !err)
        err = errno ? errno : EIO;
    o->f = NULL;
    int rc = KB_OK;
    if (err)
        rc = kb_err_set(e, KB_EIO, _("cannot write %s: %s"), o->dest, strerror(err));
    else if ((rc = kb_out_guard(o, e)) == KB_OK) {
        struct stat ts;
        bool have_ts = fstatat(o->dirfd, o->tmp, &ts, AT_SYMLINK_NOFOLLOW) == 0;
        if (renameat(o->dirfd, o->tmp, o->dirfd, o->base) != 0 &&
            !(have_ts && kb_rename_landed(o->dirfd, o->tmp, o->base, &ts)))
            rc = kb_err_set(e, KB_EIO, _("cannot write %s: %s"), o->dest, strerror(errno));
        else {
            kb_free(&o->tmp); /* renamed: nothing to remove */
            (void)fsync(o->dirfd);
        }
    }
    kb_out_release(o);
    return rc;
}
