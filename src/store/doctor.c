/*
 * doctor.c - deployment checks for a board's location (no passphrase
 * needed): the file system and its mount options, that fcntl locks work
 * on the lock file, the files' permissions, and the clock against the file
 * server.  STORAGE.md "Deployment checks".
 */
#include "store_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

typedef struct kb_doc {
    kb_doctor_fn fn;
    void *ctx;
    int problems;
    int warnings;
} kb_doc;

static void kb_doc_say(kb_doc *d, enum kb_doctor_level lvl, const char *fmt, ...) KB_PRINTF(3, 4);

static void kb_doc_say(kb_doc *d, enum kb_doctor_level lvl, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lvl == KB_DOCTOR_PROBLEM)
        d->problems++;
    else if (lvl == KB_DOCTOR_WARNING)
        d->warnings++;
    d->fn(d->ctx, lvl, msg);
}

/* ---------------------------------------------------------- mountinfo */

static bool kb_is_odigit(char c)
{
    return c >= '0' && c <= '7';
}

/* Undo mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134
 * backslash) in place.  Only a backslash and three octal digits of a value
 * from 1 to 0377 is an escape; anything else (a lone backslash, \0, \400,
 * a short sequence at the end) stays as it is, so no NUL is ever made. */
static void kb_unescape(char *s)
{
    char *o = s;
    for (const char *p = s; *p; p++) {
        /* each test reads a byte only when the one before it was not NUL */
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && kb_is_odigit(p[2]) &&
            kb_is_odigit(p[3])) {
            int v = (p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0');
            if (v != 0) {
                *o++ = (char)(unsigned char)v;
                p += 3;
                continue;
            }
        }
        *o++ = *p;
    }
    *o = '\0';
}

/* A decimal number of digits only, no sign, no overflow. */
static bool kb_parse_ulong(const char *s, unsigned long *v)
{
    if (!*s)
        return false;
    unsigned long n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned long d = (unsigned long)(*s - '0');
        if (n > (ULONG_MAX - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *v = n;
    return true;
}

void kb_mountinfo_free(kb_mountinfo *m)
{
    if (!m)
        return;
    kb_free(&m->buf);
    memset(m, 0, sizeof *m);
}

/* Fields are separated by exactly one space (the kernel escapes spaces
 * inside them).  The six leading fields are positional; then come zero or
 * more optional fields up to a field that is exactly "-"; after it the file
 * system type, the source and the super options.  The super options are the
 * last field and the source is everything between, so a source with an
 * unescaped space (or an empty one: "tmpfs  rw") does not shift the options
 * out of place. */
int kb_doctor_parse_mountinfo_line(const char *line, kb_mountinfo *out)
{
    memset(out, 0, sizeof *out);
    if (!line)
        return KB_EDATA;
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n')
        len--;
    if (len == 0 || memchr(line, '\n', len))
        return KB_EDATA;
    char *buf = kb_strndup(line, len);
    char *p = buf, *f[6];
    for (size_t i = 0; i < 6; i++) {
        char *sp = strchr(p, ' ');
        if (!sp || sp == p)
            goto bad; /* missing or empty field */
        *sp = '\0';
        f[i] = p;
        p = sp + 1;
    }
    size_t n_optional = 0;
    for (;;) {
        char *sp = strchr(p, ' ');
        if (!sp || sp == p)
            goto bad; /* no separator, nothing after it, or an empty field */
        *sp = '\0';
        bool dash = strcmp(p, "-") == 0;
        p = sp + 1;
        if (dash)
            break;
        n_optional++;
    }
    char *sp1 = strchr(p, ' '), *spn = strrchr(p, ' ');
    if (!sp1 || sp1 == p || sp1 == spn || !spn[1])
        goto bad; /* type, source and super options, type and options non-empty */
    *sp1 = '\0';
    *spn = '\0';
    char *fstype = p, *source = sp1 + 1, *super = spn + 1;

    unsigned long id, parent, major, minor;
    char *colon = strchr(f[2], ':');
    if (!colon)
        goto bad;
    *colon = '\0';
    if (!kb_parse_ulong(f[0], &id) || !kb_parse_ulong(f[1], &parent) ||
        !kb_parse_ulong(f[2], &major) || !kb_parse_ulong(colon + 1, &minor))
        goto bad;
    if (f[4][0] != '/')
        goto bad; /* mount points are absolute */
    kb_unescape(f[3]);
    kb_unescape(f[4]);
    kb_unescape(fstype);
    kb_unescape(source);
    out->buf = buf;
    out->id = id;
    out->parent = parent;
    out->major = major;
    out->minor = minor;
    out->n_optional = n_optional;
    out->root = f[3];
    out->mount_point = f[4];
    out->mount_opts = f[5];
    out->fstype = fstype;
    out->source = source;
    out->super_opts = super;
    return KB_OK;
bad:
    kb_free(&buf);
    return KB_EDATA;
}

/* Is path the mount point mp or below it? */
static bool kb_mount_holds(const char *mp, const char *path)
{
    size_t l = strlen(mp);
    if (l == 0 || strncmp(path, mp, l) != 0)
        return false;
    return path[l] == '\0' || path[l] == '/' || mp[l - 1] == '/';
}

int kb_doctor_find_mount(FILE *mountinfo, const char *path, kb_mountinfo *out, size_t *bad)
{
    memset(out, 0, sizeof *out);
    if (bad)
        *bad = 0;
    char *line = NULL;
    size_t cap = 0, best_len = 0;
    bool found = false;
    ssize_t n;
    while ((n = getline(&line, &cap, mountinfo)) >= 0) {
        kb_mountinfo m;
        /* a NUL inside the line would hide the rest of it */
        if ((size_t)n != strlen(line) || kb_doctor_parse_mountinfo_line(line, &m) != KB_OK) {
            if (bad)
                (*bad)++;
            continue;
        }
        size_t l = strlen(m.mount_point);
        /* Mounts stacked on one mount point are listed bottom first; a
         * later one does not win over the mount stacked on top of it. */
        bool better = kb_mount_holds(m.mount_point, path) &&
                      (!found || l > best_len || (l == best_len && out->parent != m.id));
        if (better) {
            kb_mountinfo_free(out);
            *out = m;
            best_len = l;
            found = true;
        } else {
            kb_mountinfo_free(&m);
        }
    }
    free(line);
    return found ? 1 : 0;
}

/* One option of a comma-separated list: name[=value]. */
typedef struct kb_opt {
    const char *name;
    size_t nlen;
    const char *val; /* NULL without '=' */
    size_t vlen;
} kb_opt;

static bool kb_opt_next(const char **pp, kb_opt *o)
{
    const char *p = *pp;
    if (!p || !*p)
        return false;
    size_t l = strcspn(p, ",");
    const char *eq = memchr(p, '=', l);
    o->name = p;
    o->nlen = eq ? (size_t)(eq - p) : l;
    o->val = eq ? eq + 1 : NULL;
    o->vlen = eq ? l - o->nlen - 1 : 0;
    *pp = p[l] ? p + l + 1 : p + l;
    return true;
}

static bool kb_opt_is(const kb_opt *o, const char *name)
{
    return o->nlen == strlen(name) && memcmp(o->name, name, o->nlen) == 0;
}

static bool kb_opt_val_is(const kb_opt *o, const char *v)
{
    return o->val && o->vlen == strlen(v) && memcmp(o->val, v, o->vlen) == 0;
}

/* Checks on the options of the mount that holds the board; the per-mount
 * options and the super options are both looked at (NFS and CIFS put theirs
 * in the super options).  Each finding is reported once.  Every lock
 * kernboard takes is an fcntl (POSIX) lock, so NFS local_lock=flock is
 * harmless and local_lock=posix or =all is not. */
static void kb_doc_check_mount(kb_doc *d, const kb_mountinfo *m)
{
    bool nfs = strcmp(m->fstype, "nfs") == 0 || strcmp(m->fstype, "nfs4") == 0;
    bool cifs = strcmp(m->fstype, "cifs") == 0 || strcmp(m->fstype, "smb3") == 0;
    if (!nfs && !cifs)
        return;
    bool nolock = false, local_lock = false, soft = false, v3 = false;
    bool nobrl = false, loose = false, nostrictsync = false;
    char v[64];
    const char *lists[2] = {m->mount_opts, m->super_opts};
    for (size_t i = 0; i < 2; i++) {
        kb_opt o;
        for (const char *p = lists[i]; kb_opt_next(&p, &o);) {
            if (nfs && !nolock && kb_opt_is(&o, "nolock")) {
                nolock = true;
                kb_doc_say(d, KB_DOCTOR_PROBLEM,
                           _("NFS is mounted with 'nolock': locks are not shared between hosts; "
                             "remount without it"));
            } else if (nfs && !local_lock && kb_opt_is(&o, "local_lock") &&
                       !kb_opt_val_is(&o, "none") && !kb_opt_val_is(&o, "flock")) {
                local_lock = true;
                snprintf(v, sizeof v, "%.*s", (int)(o.vlen < sizeof v ? o.vlen : sizeof v - 1),
                         o.val ? o.val : "");
                kb_doc_say(d, KB_DOCTOR_PROBLEM,
                           _("NFS is mounted with local_lock=%s: locks stay on this host; use "
                             "local_lock=none"),
                           v);
            } else if (nfs && !soft && (kb_opt_is(&o, "soft") || kb_opt_is(&o, "softerr"))) {
                soft = true;
                kb_doc_say(d, KB_DOCTOR_PROBLEM,
                           _("NFS is mounted 'soft': writes can be lost on timeouts; use 'hard'"));
            } else if (nfs && !v3 && kb_opt_is(&o, "vers") && o.vlen > 0 && o.val[0] == '3') {
                v3 = true;
                kb_doc_say(d, KB_DOCTOR_WARNING,
                           _("NFS version 3: locking depends on lockd/statd; NFSv4 is safer"));
            } else if (cifs && !nobrl && kb_opt_is(&o, "nobrl")) {
                nobrl = true;
                kb_doc_say(d, KB_DOCTOR_PROBLEM,
                           _("CIFS is mounted with 'nobrl': byte-range locks are not sent to the "
                             "server; remount without it"));
            } else if (cifs && !loose && kb_opt_is(&o, "cache") && kb_opt_val_is(&o, "loose")) {
                loose = true;
                kb_doc_say(d, KB_DOCTOR_PROBLEM,
                           _("CIFS is mounted with cache=loose: stale data across hosts; use "
                             "cache=strict"));
            } else if (cifs && !nostrictsync && kb_opt_is(&o, "nostrictsync")) {
                nostrictsync = true;
                kb_doc_say(d, KB_DOCTOR_PROBLEM,
                           _("CIFS is mounted with 'nostrictsync': fsync does not reach the "
                             "server; remount without it"));
            }
        }
    }
}

int kb_doctor_check_mount(const kb_mountinfo *m, kb_doctor_fn fn, void *ctx)
{
    kb_doc d = {fn, ctx, 0, 0};
    kb_doc_check_mount(&d, m);
    return d.problems;
}

/* Find the mount that holds path (absolute, resolved) and check it. */
static void kb_doc_mount(kb_doc *d, FILE *mountinfo, const char *path)
{
    kb_mountinfo m;
    if (!kb_doctor_find_mount(mountinfo, path, &m, NULL)) {
        kb_doc_say(d, KB_DOCTOR_WARNING, _("could not find the mount that holds %s"), path);
        return;
    }
    kb_doc_say(d, KB_DOCTOR_OK, _("%s is on %s (%s)"), path, m.mount_point, m.fstype);
    kb_doc_check_mount(d, &m);
    kb_mountinfo_free(&m);
}

/* kb_doc_mount on /proc/self/mountinfo. */
static void kb_doc_mount_self(kb_doc *d, const char *path)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) {
        kb_doc_say(d, KB_DOCTOR_WARNING, _("cannot read /proc/self/mountinfo: %s"),
                   strerror(errno));
        return;
    }
    kb_doc_mount(d, f, path);
    fclose(f);
}

static void kb_doc_perms(kb_doc *d, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        kb_doc_say(d, errno == ENOENT ? KB_DOCTOR_PROBLEM : KB_DOCTOR_WARNING, _("%s: %s"), path,
                   strerror(errno));
        return;
    }
    if (st.st_mode & 007)
        kb_doc_say(d, KB_DOCTOR_PROBLEM,
                   _("%s is accessible to everyone (mode %03o); run 'chmod o-rwx %s'"), path,
                   (unsigned)(st.st_mode & 0777), path);
    else
        kb_doc_say(d, KB_DOCTOR_OK, _("%s has no world access (mode %03o)"), path,
                   (unsigned)(st.st_mode & 0777));
}

/* Take and release a lock on a probe byte; see that another descriptor's
 * F_GETLK is consistent. */
static void kb_doc_locks(kb_doc *d, const char *lock_path)
{
    int fd = open(lock_path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        kb_doc_say(d, KB_DOCTOR_PROBLEM, _("cannot open %s: %s"), lock_path, strerror(errno));
        return;
    }
    off_t probe = KB_LK_BASE + 3;
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = probe;
    fl.l_len = 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int r = fcntl(fd, F_SETLK, &fl);
    int err = errno;
    if (r == 0) {
        fl.l_type = F_UNLCK;
        r = fcntl(fd, F_SETLK, &fl);
        err = errno;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(fd);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    if (r != 0)
        kb_doc_say(d, KB_DOCTOR_PROBLEM, _("fcntl locks do not work on %s: %s"), lock_path,
                   strerror(err));
    else if (ms > 500)
        kb_doc_say(d, KB_DOCTOR_WARNING, _("a lock round trip took %ld ms (slow lock server)"), ms);
    else
        kb_doc_say(d, KB_DOCTOR_OK, _("fcntl lock round trip works (%ld ms)"), ms);
}

/* The file server's clock against ours: write a new file beside the board,
 * flush it (so the server stamps it: an NFS client caches writes and
 * would report its own time) and compare its mtime with the middle of the
 * write as this host saw it, shifted by offset_s (tests simulate a host
 * whose clock is off).  *skew > 0: the server is ahead. */
int kb_doctor_clock_probe(const char *dir, long offset_s, long *skew, kb_err *e)
{
    char *probe = kb_asprintf("%s/.kernboard-clock-%d", dir, (int)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int rc =
            kb_err_set(e, KB_EIO, _("cannot create a probe file in %s: %s"), dir, strerror(errno));
        kb_free(&probe);
        return rc;
    }
    time_t t0 = time(NULL);
    struct stat st;
    int r = write(fd, "x", 1) == 1 && fsync(fd) == 0 ? fstat(fd, &st) : -1;
    time_t t1 = time(NULL);
    int err = errno;
    close(fd);
    unlink(probe);
    kb_free(&probe);
    if (r != 0)
        return kb_err_set(e, KB_EIO, _("cannot create a probe file in %s: %s"), dir, strerror(err));
    long local = (long)(t0 / 2 + t1 / 2 + ((t0 % 2) + (t1 % 2)) / 2) + offset_s;
    *skew = (long)st.st_mtime - local;
    return KB_OK;
}

static void kb_doc_clock(kb_doc *d, const char *dir)
{
    long skew = 0;
    kb_err e;
    if (kb_doctor_clock_probe(dir, 0, &skew, &e) != KB_OK) {
        kb_doc_say(d, KB_DOCTOR_WARNING, "%s", e.msg);
        return;
    }
    if (skew > KB_DOCTOR_SKEW_MAX || skew < -KB_DOCTOR_SKEW_MAX)
        kb_doc_say(d, KB_DOCTOR_WARNING,
                   _("the file server's clock differs from this host's by %ld s; the times in "
                     "the audit log and on the board will be off (use NTP). Edit locks do "
                     "not depend on it"),
                   skew);
    else
        kb_doc_say(d, KB_DOCTOR_OK, _("clock skew against the file server: %ld s"), skew);
}

int kb_store_doctor(const char *path, kb_doctor_fn fn, void *ctx, int *problems, kb_err *e)
{
    kb_doc d = {fn, ctx, 0, 0};
    char *abs = realpath(path, NULL);
    if (!abs)
        return kb_err_set(e, errno == ENOENT ? KB_ENOENT : KB_EIO, _("cannot find %s: %s"), path,
                          strerror(errno));
    char *dir = kb_strdup(abs);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    else if (slash)
        slash[1] = '\0';
    char *lock_path = kb_asprintf("%s.lock", abs);
    /* the board file itself: a file bind-mounted into a container counts */
    kb_doc_mount_self(&d, abs);
    struct statfs sf;
    if (statfs(dir, &sf) == 0)
        kb_doc_say(&d, KB_DOCTOR_OK, _("file system magic 0x%lx"), (unsigned long)sf.f_type);
    kb_doc_perms(&d, abs);
    kb_doc_perms(&d, lock_path);
    kb_doc_locks(&d, lock_path);
    kb_doc_clock(&d, dir);
    if (d.problems == 0)
        kb_doc_say(&d, KB_DOCTOR_OK,
                   dngettext(KB_TEXTDOMAIN, "no problems found (%d warning)",
                             "no problems found (%d warnings)", (unsigned long)d.warnings),
                   d.warnings);
    *problems = d.problems;
    free(abs);
    kb_free(&dir);
    kb_free(&lock_path);
    return KB_OK;
}

static void kb_first_problem(void *ctx, enum kb_doctor_level lvl, const char *msg)
{
    char *first = ctx;
    if (lvl == KB_DOCTOR_PROBLEM && !first[0])
        snprintf(first, KB_ERR_MSG_MAX / 2, "%s", msg);
}

/* The board's absolute, resolved path; for a board that does not exist
 * yet (init), its resolved directory and its name.  NULL when neither
 * resolves.  Free with free() (kb_malloc is malloc). */
static char *kb_board_realpath(const char *path)
{
    char *abs = realpath(path, NULL);
    if (abs || errno != ENOENT)
        return abs;
    char *copy = kb_strdup(path);
    char *slash = strrchr(copy, '/');
    const char *name = slash ? slash + 1 : copy;
    char *dir;
    if (!slash) {
        dir = realpath(".", NULL);
    } else if (slash == copy) {
        dir = realpath("/", NULL);
    } else {
        *slash = '\0';
        dir = realpath(copy, NULL);
    }
    char *r = NULL;
    if (dir && *name && strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
        r = kb_asprintf("%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", name); /* kb_malloc */
    free(dir);
    kb_free(&copy);
    return r;
}

int kb_store_location_check_in(const char *path, FILE *mountinfo, kb_err *e)
{
    char first[KB_ERR_MSG_MAX / 2] = "";
    kb_doc d = {kb_first_problem, first, 0, 0};
    char *abs = kb_board_realpath(path);
    if (!abs)
        return KB_OK; /* open and init report a missing board or directory themselves */
    kb_doc_mount(&d, mountinfo, abs);
    free(abs);
    if (d.problems)
        return kb_err_set(e, KB_EIO, _("refusing to open the board: %s (see 'kernboard doctor')"),
                          first);
    return KB_OK;
}

int kb_store_location_check(const char *path, kb_err *e)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return KB_OK; /* doctor warns about it; nothing to refuse on */
    int rc = kb_store_location_check_in(path, f, e);
    fclose(f);
    return rc;
}
