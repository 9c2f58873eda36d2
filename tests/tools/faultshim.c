/*
 * faultshim.c - an LD_PRELOAD library that makes the Nth file I/O call on a
 * directory fail, for tests/e2e/test_store_faults.sh (docs/testing.md).
 *
 * Environment:
 *   KB_FAULT_DIR    only calls on files under this directory count (required;
 *                   without it the shim passes everything through)
 *   KB_FAULT_AT     fail the Nth counted call (1-based); 0 or unset: none
 *   KB_FAULT_ERRNO  ENOSPC (default), EIO, EAGAIN, ENOLCK, EDQUOT, EROFS or
 *                   a number
 *   KB_FAULT_STICKY 1: every counted call after the Nth fails too (a disk
 *                   that stays full)
 *   KB_FAULT_OPS    comma list of the classes that count: open, write,
 *                   sync, trunc, lock, rename, stdio (default: all)
 *   KB_FAULT_MATCH  only calls on a path ending in this text count (e.g.
 *                   "/b.kb" for the data file, ".lock" for the lock file)
 *   KB_FAULT_AFTER  1: a failing write, sync, truncate or rename is done
 *                   first and then reported as failed (an fsync that
 *                   fails after the data reached the disk, an NFS rename
 *                   whose reply was lost)
 *   KB_FAULT_SHORT  1: a failing write writes half its bytes and returns
 *                   that count, as a disk filling up part way (LMDB then
 *                   reports EIO); other calls fail as usual
 *   KB_FAULT_FULLFS 1: once a fault has fired, statvfs of a path under
 *                   KB_FAULT_DIR says no block is free (a disk that is full)
 *   KB_FAULT_LOG    append one line per counted call to this file:
 *                   "N class call path [FAIL errno]"; the number of lines
 *                   is the number of I/O points the command went through
 *
 * Intercepted: open, open64, openat, openat64 (class open); write, pwrite,
 * pwrite64, writev, pwritev, pwritev64 (write); fsync, fdatasync, msync
 * (sync); ftruncate, ftruncate64 (trunc); fcntl, fcntl64 with F_SETLK,
 * F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW taking a lock, not releasing one
 * (lock); rename, renameat (rename); fflush, fclose of a stdio stream on
 * such a file (stdio: glibc's stdio writes through its own internal
 * write, which an LD_PRELOAD library cannot see, so the flush stands for
 * it).  A failed call does nothing and returns -1 (EOF) with errno set,
 * except fclose, which closes the stream first.  A file descriptor is
 * resolved to its path through /proc/self/fd.
 *
 * Not built with sanitizers (the kernboard under test is): run it with
 * ASAN_OPTIONS=verify_asan_link_order=0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { C_OPEN = 1, C_WRITE = 2, C_SYNC = 4, C_TRUNC = 8, C_LOCK = 16, C_RENAME = 32, C_STDIO = 64 };

static int fs_init_done;
static char fs_dir[PATH_MAX], fs_rdir[PATH_MAX];
static long fs_at;
static int fs_errno = ENOSPC, fs_sticky, fs_ops = 0x7f, fs_after, fs_short, fs_fullfs, fs_fired;
static char fs_match[PATH_MAX];
static char fs_log[PATH_MAX];
static long fs_count;
static __thread int fs_busy; /* inside the shim: pass through */

static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_open)(const char *, int, ...);

static void *fs_real(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

static int fs_errno_of(const char *v)
{
    static const struct {
        const char *n;
        int e;
    } t[] = {{"ENOSPC", ENOSPC}, {"EIO", EIO},     {"EAGAIN", EAGAIN}, {"ENOLCK", ENOLCK},
             {"EDQUOT", EDQUOT}, {"EROFS", EROFS}, {"EACCES", EACCES}, {"EINTR", EINTR}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(v, t[i].n) == 0)
            return t[i].e;
    int n = atoi(v);
    return n > 0 ? n : ENOSPC;
}

static void fs_init(void)
{
    if (__atomic_load_n(&fs_init_done, __ATOMIC_ACQUIRE))
        return;
    real_write = (ssize_t(*)(int, const void *, size_t))fs_real("write");
    real_open = (int (*)(const char *, int, ...))fs_real("open");
    const char *d = getenv("KB_FAULT_DIR");
    if (d && *d) {
        snprintf(fs_dir, sizeof fs_dir, "%s", d);
        size_t l = strlen(fs_dir);
        while (l > 1 && fs_dir[l - 1] == '/')
            fs_dir[--l] = '\0';
        if (!realpath(fs_dir, fs_rdir))
            snprintf(fs_rdir, sizeof fs_rdir, "%s", fs_dir);
    }
    const char *v;
    if ((v = getenv("KB_FAULT_AT")))
        fs_at = atol(v);
    if ((v = getenv("KB_FAULT_ERRNO")) && *v)
        fs_errno = fs_errno_of(v);
    if ((v = getenv("KB_FAULT_STICKY")))
        fs_sticky = atoi(v) != 0;
    if ((v = getenv("KB_FAULT_OPS")) && *v) {
        fs_ops = 0;
        static const char *names[] = {"open", "write", "sync", "trunc", "lock", "rename", "stdio"};
        for (int i = 0; i < 7; i++)
            if (strstr(v, names[i]))
                fs_ops |= 1 << i;
    }
    if ((v = getenv("KB_FAULT_MATCH")))
        snprintf(fs_match, sizeof fs_match, "%s", v);
    if ((v = getenv("KB_FAULT_AFTER")))
        fs_after = atoi(v) != 0;
    if ((v = getenv("KB_FAULT_SHORT")))
        fs_short = atoi(v) != 0;
    if ((v = getenv("KB_FAULT_FULLFS")))
        fs_fullfs = atoi(v) != 0;
    if ((v = getenv("KB_FAULT_LOG")))
        snprintf(fs_log, sizeof fs_log, "%s", v);
    __atomic_store_n(&fs_init_done, 1, __ATOMIC_RELEASE);
}

static int fs_under(const char *dir, const char *p)
{
    size_t l = strlen(dir);
    return l && strncmp(p, dir, l) == 0 && (p[l] == '/' || p[l] == '\0');
}

/* Absolute path of PATH relative to DIRFD (lexical; the file may not exist). */
static void fs_abs(int dirfd, const char *path, char *out, size_t n)
{
    out[0] = '\0';
    if (!path)
        return;
    if (path[0] == '/') {
        snprintf(out, n, "%s", path);
        return;
    }
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
        if (!getcwd(base, sizeof base))
            return;
    } else {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        ssize_t r = readlink(link, base, sizeof base - 1);
        if (r <= 0)
            return;
        base[r] = '\0';
    }
    snprintf(out, n, "%s/%s", base, path);
}

static void fs_fdpath(int fd, char *out, size_t n)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t r = readlink(link, out, n - 1);
    out[r > 0 ? r : 0] = '\0';
}

static void fs_logline(long nth, const char *call, const char *path, int fail)
{
    if (!fs_log[0])
        return;
    char line[PATH_MAX + 128];
    int len = snprintf(line, sizeof line, "%ld %s %s%s%s\n", nth, call, path, fail ? " FAIL " : "",
                       fail ? strerror(fs_errno) : "");
    if (len <= 0)
        return;
    if ((size_t)len >= sizeof line)
        len = (int)sizeof line - 1;
    int fd = real_open(fs_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        (void)!real_write(fd, line, (size_t)len);
        close(fd);
    }
}

/* Does this call on PATH count, and must it fail?  Returns 1 to fail. */
static int fs_hit(int cls, const char *call, const char *path)
{
    fs_init();
    if (fs_busy || !fs_dir[0] || !(fs_ops & cls) || !path || !path[0])
        return 0;
    if (!fs_under(fs_dir, path) && !fs_under(fs_rdir, path))
        return 0;
    if (fs_log[0] && strcmp(path, fs_log) == 0)
        return 0;
    size_t pl = strlen(path), ml = strlen(fs_match);
    if (ml && (pl < ml || strcmp(path + pl - ml, fs_match) != 0))
        return 0;
    fs_busy = 1;
    long nth = __atomic_add_fetch(&fs_count, 1, __ATOMIC_SEQ_CST);
    int fail = fs_at > 0 && (nth == fs_at || (fs_sticky && nth > fs_at));
    if (fail)
        __atomic_store_n(&fs_fired, 1, __ATOMIC_SEQ_CST);
    fs_logline(nth, call, path, fail);
    fs_busy = 0;
    return fail;
}

static int fs_hit_fd(int cls, const char *call, int fd)
{
    fs_init();
    if (fs_busy || !fs_dir[0] || !(fs_ops & cls))
        return 0;
    char p[PATH_MAX];
    fs_fdpath(fd, p, sizeof p);
    return fs_hit(cls, call, p);
}

static int fs_hit_at(int cls, const char *call, int dirfd, const char *path)
{
    fs_init();
    if (fs_busy || !fs_dir[0] || !(fs_ops & cls))
        return 0;
    char p[PATH_MAX];
    fs_abs(dirfd, path, p, sizeof p);
    return fs_hit(cls, call, p);
}

#define REAL(ret, name, args)                                                                      \
    static ret(*real) args;                                                                        \
    if (!real)                                                                                     \
        real = (ret(*) args)fs_real(#name);

/* KB_FAULT_AFTER: do the call, then report it failed */
#define FAIL_AFTER(call)                                                                           \
    do {                                                                                           \
        if (fs_after)                                                                              \
            (void)(call);                                                                          \
        errno = fs_errno;                                                                          \
        return -1;                                                                                 \
    } while (0)

#define FAIL(v)                                                                                    \
    do {                                                                                           \
        errno = fs_errno;                                                                          \
        return v;                                                                                  \
    } while (0)

/* ---- open */

static mode_t fs_mode(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = fs_mode(flags, ap);
    va_end(ap);
    REAL(int, open, (const char *, int, ...));
    if (fs_hit_at(C_OPEN, "open", AT_FDCWD, path))
        FAIL(-1);
    return real(path, flags, m);
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = fs_mode(flags, ap);
    va_end(ap);
    REAL(int, open64, (const char *, int, ...));
    if (fs_hit_at(C_OPEN, "open", AT_FDCWD, path))
        FAIL(-1);
    return real(path, flags, m);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = fs_mode(flags, ap);
    va_end(ap);
    REAL(int, openat, (int, const char *, int, ...));
    if (fs_hit_at(C_OPEN, "openat", dirfd, path))
        FAIL(-1);
    return real(dirfd, path, flags, m);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = fs_mode(flags, ap);
    va_end(ap);
    REAL(int, openat64, (int, const char *, int, ...));
    if (fs_hit_at(C_OPEN, "openat", dirfd, path))
        FAIL(-1);
    return real(dirfd, path, flags, m);
}

/* ---- write */

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(ssize_t, write, (int, const void *, size_t));
    if (fs_hit_fd(C_WRITE, "write", fd)) {
        if (fs_short && n > 1)
            return real(fd, buf, n / 2);
        FAIL_AFTER(real(fd, buf, n));
    }
    return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(ssize_t, pwrite, (int, const void *, size_t, off_t));
    if (fs_hit_fd(C_WRITE, "pwrite", fd)) {
        if (fs_short && n > 1)
            return real(fd, buf, n / 2, off);
        FAIL_AFTER(real(fd, buf, n, off));
    }
    return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    REAL(ssize_t, pwrite64, (int, const void *, size_t, off_t));
    if (fs_hit_fd(C_WRITE, "pwrite", fd)) {
        if (fs_short && n > 1)
            return real(fd, buf, n / 2, off);
        FAIL_AFTER(real(fd, buf, n, off));
    }
    return real(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    REAL(ssize_t, writev, (int, const struct iovec *, int));
    if (fs_hit_fd(C_WRITE, "writev", fd)) {
        if (fs_short && cnt > 0 && iov[0].iov_len > 1) {
            /* half of the first buffer at the file position */
            struct iovec half = {iov[0].iov_base, iov[0].iov_len / 2};
            return real(fd, &half, 1);
        }
        FAIL_AFTER(real(fd, iov, cnt));
    }
    return real(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    REAL(ssize_t, pwritev, (int, const struct iovec *, int, off_t));
    if (fs_hit_fd(C_WRITE, "pwritev", fd))
        FAIL_AFTER(real(fd, iov, cnt, off));
    return real(fd, iov, cnt, off);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
    REAL(ssize_t, pwritev64, (int, const struct iovec *, int, off_t));
    if (fs_hit_fd(C_WRITE, "pwritev", fd))
        FAIL_AFTER(real(fd, iov, cnt, off));
    return real(fd, iov, cnt, off);
}

/* ---- sync, truncate */

int fsync(int fd)
{
    REAL(int, fsync, (int));
    if (fs_hit_fd(C_SYNC, "fsync", fd))
        FAIL_AFTER(real(fd));
    return real(fd);
}

int fdatasync(int fd)
{
    REAL(int, fdatasync, (int));
    if (fs_hit_fd(C_SYNC, "fdatasync", fd))
        FAIL_AFTER(real(fd));
    return real(fd);
}

/* msync: the mapping's file, from /proc/self/map_files is not readable by
 * everyone; count it against the directory when any mapping of a file
 * under it covers ADDR (looked up in /proc/self/maps). */
static int fs_addr_path(void *addr, char *out, size_t n)
{
    out[0] = '\0';
    int fd = real_open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    static __thread char buf[1 << 16];
    ssize_t r, len = 0;
    while (len < (ssize_t)sizeof buf - 1 &&
           (r = read(fd, buf + len, sizeof buf - 1 - (size_t)len)) > 0)
        len += r;
    close(fd);
    buf[len] = '\0';
    unsigned long a = (unsigned long)addr;
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi) {
            char *p = strchr(line, '/');
            if (p)
                snprintf(out, n, "%s", p);
            return 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

int msync(void *addr, size_t len, int flags)
{
    REAL(int, msync, (void *, size_t, int));
    fs_init();
    if (fs_dir[0] && !fs_busy && (fs_ops & C_SYNC)) {
        char p[PATH_MAX];
        fs_addr_path(addr, p, sizeof p);
        if (fs_hit(C_SYNC, "msync", p))
            FAIL(-1);
    }
    return real(addr, len, flags);
}

int ftruncate(int fd, off_t len)
{
    REAL(int, ftruncate, (int, off_t));
    if (fs_hit_fd(C_TRUNC, "ftruncate", fd))
        FAIL_AFTER(real(fd, len));
    return real(fd, len);
}

int ftruncate64(int fd, off_t len)
{
    REAL(int, ftruncate64, (int, off_t));
    if (fs_hit_fd(C_TRUNC, "ftruncate", fd))
        FAIL_AFTER(real(fd, len));
    return real(fd, len);
}

/* ---- locks */

static int fs_lock_cmd(int cmd)
{
    return cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
}

static int fs_fcntl(const char *name, int fd, int cmd, va_list ap)
{
    static int (*real_fcntl)(int, int, ...), (*real_fcntl64)(int, int, ...);
    int (**rp)(int, int, ...) = strcmp(name, "fcntl") == 0 ? &real_fcntl : &real_fcntl64;
    if (!*rp)
        *rp = (int (*)(int, int, ...))fs_real(name);
    if (!*rp && rp == &real_fcntl64) /* an old glibc: only fcntl */
        *rp = (int (*)(int, int, ...))fs_real("fcntl");
    /* every fcntl argument is an int or a pointer: read it as a pointer-sized value */
    void *arg = va_arg(ap, void *);
    if (fs_lock_cmd(cmd) && arg && ((struct flock *)arg)->l_type != F_UNLCK &&
        fs_hit_fd(C_LOCK, "fcntl-lock", fd))
        FAIL(-1);
    return (*rp)(fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int r = fs_fcntl("fcntl", fd, cmd, ap);
    va_end(ap);
    return r;
}

int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int r = fs_fcntl("fcntl64", fd, cmd, ap);
    va_end(ap);
    return r;
}

/* ---- rename */

int rename(const char *from, const char *to)
{
    REAL(int, rename, (const char *, const char *));
    if (fs_hit_at(C_RENAME, "rename", AT_FDCWD, to))
        FAIL_AFTER(real(from, to));
    return real(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
    REAL(int, renameat, (int, const char *, int, const char *));
    if (fs_hit_at(C_RENAME, "renameat", fd2, to))
        FAIL_AFTER(real(fd1, from, fd2, to));
    return real(fd1, from, fd2, to);
}

/* ---- stdio */

int fflush(FILE *f)
{
    REAL(int, fflush, (FILE *));
    if (f && fs_hit_fd(C_STDIO, "fflush", fileno(f)))
        FAIL(EOF);
    return real(f);
}

int fclose(FILE *f)
{
    REAL(int, fclose, (FILE *));
    if (f && fs_hit_fd(C_STDIO, "fclose", fileno(f))) {
        (void)real(f);
        FAIL(EOF);
    }
    return real(f);
}

/* ---- free space */

int statvfs(const char *path, struct statvfs *buf)
{
    REAL(int, statvfs, (const char *, struct statvfs *));
    int r = real(path, buf);
    fs_init();
    if (r == 0 && fs_fullfs && __atomic_load_n(&fs_fired, __ATOMIC_SEQ_CST)) {
        char p[PATH_MAX];
        fs_abs(AT_FDCWD, path, p, sizeof p);
        if (fs_under(fs_dir, p) || fs_under(fs_rdir, p))
            buf->f_bavail = buf->f_bfree = 0;
    }
    return r;
}
