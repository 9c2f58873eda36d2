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

/* Unescape mountinfo's octal escapes (\040 for a space) in place. */
static void kb_unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] && p[3]) {
            *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

static bool kb_has_opt(const char *opts, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = opts; p && *p;) {
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0' || p[n] == '='))
            return true;
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return false;
}

static const char *kb_opt_value(const char *opts, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    for (const char *p = opts; p && *p;) {
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            const char *v = p + n + 1;
            size_t l = strcspn(v, ",");
            snprintf(buf, len, "%.*s", (int)(l < len ? l : len - 1), v);
            return buf;
        }
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return NULL;
}

/* Find the mount that holds dir: the longest mount point that prefixes it. */
static void kb_doc_mount(kb_doc *d, const char *dir)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f) {
        kb_doc_say(d, KB_DOCTOR_WARNING, _("cannot read /proc/self/mountinfo: %s"),
                   strerror(errno));
        return;
    }
    char line[4096], best_mp[PATH_MAX] = "", best_fs[64] = "", best_opts[4200] = "";
    size_t best_len = 0;
    while (fgets(line, sizeof line, f)) {
        /* id parent maj:min root mountpoint mountopts [optional...] - fstype source superopts */
        char *save = NULL, *tok[8] = {0};
        int n = 0;
        for (char *t = strtok_r(line, " \n", &save); t && n < 6; t = strtok_r(NULL, " \n", &save))
            tok[n++] = t;
        if (n < 6)
            continue;
        char *mp = tok[4];
        kb_unescape(mp);
        char *rest = strtok_r(NULL, "\n", &save);
        char *dash = rest ? strstr(rest, " - ") : NULL;
        if (!dash && rest && strncmp(rest, "- ", 2) == 0)
            dash = rest - 1;
        if (!dash)
            continue;
        char fstype[64] = "", source[512] = "", super[2048] = "";
        if (sscanf(dash + 3, "%63s %511s %2047s", fstype, source, super) < 2)
            continue;
        size_t l = strlen(mp);
        bool prefix = strncmp(dir, mp, l) == 0 && (dir[l] == '/' || dir[l] == '\0' || l == 1);
        if (prefix && l >= best_len) {
            best_len = l;
            snprintf(best_mp, sizeof best_mp, "%s", mp);
            snprintf(best_fs, sizeof best_fs, "%s", fstype);
            /* mount options (tok[5]) and super options together */
            snprintf(best_opts, sizeof best_opts, "%s,%s", tok[5], super);
        }
    }
    fclose(f);
    if (!best_len) {
        kb_doc_say(d, KB_DOCTOR_WARNING, _("could not find the mount that holds %s"), dir);
        return;
    }
    kb_doc_say(d, KB_DOCTOR_OK, _("%s is on %s (%s)"), dir, best_mp, best_fs);
    char v[64];
    if (strncmp(best_fs, "nfs", 3) == 0) {
        if (kb_has_opt(best_opts, "nolock"))
            kb_doc_say(d, KB_DOCTOR_PROBLEM,
                       _("NFS is mounted with 'nolock': locks are not shared between hosts; "
                         "remount without it"));
        if (kb_opt_value(best_opts, "local_lock", v, sizeof v) && strcmp(v, "none") != 0)
            kb_doc_say(d, KB_DOCTOR_PROBLEM,
                       _("NFS is mounted with local_lock=%s: locks stay on this host; use "
                         "local_lock=none"),
                       v);
        if (kb_has_opt(best_opts, "soft"))
            kb_doc_say(d, KB_DOCTOR_PROBLEM,
                       _("NFS is mounted 'soft': writes can be lost on timeouts; use 'hard'"));
        if (kb_opt_value(best_opts, "vers", v, sizeof v) && v[0] == '3')
            kb_doc_say(d, KB_DOCTOR_WARNING,
                       _("NFS version 3: locking depends on lockd/statd; NFSv4 is safer"));
    } else if (strcmp(best_fs, "cifs") == 0 || strcmp(best_fs, "smb3") == 0) {
        if (kb_has_opt(best_opts, "nobrl"))
            kb_doc_say(d, KB_DOCTOR_PROBLEM,
                       _("CIFS is mounted with 'nobrl': byte-range locks are not sent to the "
                         "server; remount without it"));
        if (kb_opt_value(best_opts, "cache", v, sizeof v) && strcmp(v, "loose") == 0)
            kb_doc_say(d, KB_DOCTOR_PROBLEM,
                       _("CIFS is mounted with cache=loose: stale data across hosts; use "
                         "cache=strict"));
        if (kb_has_opt(best_opts, "nostrictsync"))
            kb_doc_say(d, KB_DOCTOR_PROBLEM,
                       _("CIFS is mounted with 'nostrictsync': fsync does not reach the "
                         "server; remount without it"));
    }
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

/* Compare the file server's clock (a new file's mtime) with ours. */
static void kb_doc_clock(kb_doc *d, const char *dir)
{
    char *probe = kb_asprintf("%s/.kernboard-clock-%d", dir, (int)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        kb_doc_say(d, KB_DOCTOR_WARNING, _("cannot create a probe file in %s: %s"), dir,
                   strerror(errno));
        kb_free(&probe);
        return;
    }
    if (write(fd, "x", 1) != 1) {
        /* the mtime is what counts */
    }
    struct stat st;
    time_t now = time(NULL);
    int r = fstat(fd, &st);
    close(fd);
    unlink(probe);
    kb_free(&probe);
    if (r != 0)
        return;
    long skew = (long)(st.st_mtime - now);
    if (skew > 60 || skew < -60)
        kb_doc_say(d, KB_DOCTOR_WARNING,
                   _("the file server's clock differs from this host's by %ld s; lease "
                     "expiry and timestamps will be off (use NTP)"),
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
    kb_doc_mount(&d, dir);
    struct statfs sf;
    if (statfs(dir, &sf) == 0)
        kb_doc_say(&d, KB_DOCTOR_OK, _("file system magic 0x%lx"), (unsigned long)sf.f_type);
    kb_doc_perms(&d, abs);
    kb_doc_perms(&d, lock_path);
    kb_doc_locks(&d, lock_path);
    kb_doc_clock(&d, dir);
    if (d.problems == 0)
        kb_doc_say(&d, KB_DOCTOR_OK, _("no problems found (%d warnings)"), d.warnings);
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

int kb_store_location_check(const char *path, kb_err *e)
{
    char first[KB_ERR_MSG_MAX / 2] = "";
    kb_doc d = {kb_first_problem, first, 0, 0};
    char *abs = realpath(path, NULL);
    if (!abs)
        return KB_OK; /* open reports a missing board itself */
    char *slash = strrchr(abs, '/');
    if (slash && slash != abs)
        *slash = '\0';
    kb_doc_mount(&d, abs);
    free(abs);
    if (d.problems)
        return kb_err_set(e, KB_EIO, _("refusing to open the board: %s (see 'kernboard doctor')"),
                          first);
    return KB_OK;
}
