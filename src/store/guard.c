/*
 * guard.c - what a damaged or vanished board file does to LMDB becomes an
 * error, never a signal (issue 15).
 *
 * LMDB reads the board through a memory map.  Three things can go wrong
 * inside LMDB when the file is not what its meta page says:
 *  - SIGBUS: a mapped page beyond the file's end on this host (truncated
 *    file, stale attributes, vanished share);
 *  - SIGSEGV: a damaged page sends LMDB to an address outside the map;
 *  - an LMDB assertion (mdb_assert) on an impossible page state.
 * The store arms a landing pad (sigsetjmp) around its accesses to mapped
 * pages; the handler and the assertion callback jump there, and the access
 * reports an error: KB_EIO for SIGBUS, KB_EDATA (exit 65) with a pointer to
 * `verify` and `restore` for the other two.  An LMDB call outside an armed
 * pad but inside a store transaction ends the process with the same message
 * and exit status, after the front end's hook has restored the terminal.
 * Outside the store the previous handler (the default, or the sanitizer's)
 * gets the signal unchanged.
 *
 * This is the store's only signal state: the pad pointer, the kind of the
 * last fault and the transaction depth are per thread; the old actions,
 * the pre-translated fatal messages and the front end's hook are set once
 * at start-up.
 */
#include "store_internal.h"
#include "kernboard/i18n.h"

#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { KB_GUARD_NONE, KB_GUARD_BUS, KB_GUARD_SEGV, KB_GUARD_ASSERT };

static _Thread_local sigjmp_buf *kb_bus_pad;
static _Thread_local int kb_guard_kind;
static _Thread_local unsigned kb_guard_depth;
static _Thread_local char kb_guard_what[256];

static bool kb_guard_installed;
static struct sigaction kb_guard_old_bus, kb_guard_old_segv;
static void (*kb_guard_hook)(void);
static char kb_guard_fatal_bus[320], kb_guard_fatal_damage[320];

/* What a process that met a damaged page says before it ends. */
static const char *kb_guard_damage_text(void)
{
    return _("the board file is damaged; nothing was saved. Run 'kernboard verify' to see "
             "where, and 'kernboard restore' to put back the last good backup");
}

static void kb_guard_fatal(int kind)
{
    if (kb_guard_hook)
        kb_guard_hook();
    const char *m = kind == KB_GUARD_BUS ? kb_guard_fatal_bus : kb_guard_fatal_damage;
    ssize_t w = write(STDERR_FILENO, m, strlen(m));
    (void)w;
    _exit(kind == KB_GUARD_BUS ? 74 : 65);
}

static void kb_guard_handler(int sig, siginfo_t *si, void *uc)
{
    int kind = sig == SIGBUS ? KB_GUARD_BUS : KB_GUARD_SEGV;
    if (kb_bus_pad) {
        kb_guard_kind = kind;
        kb_guard_what[0] = '\0';
        siglongjmp(*kb_bus_pad, 1);
    }
    if (kb_guard_depth)
        kb_guard_fatal(kind);
    /* not ours: hand it to whoever had it before */
    const struct sigaction *old = sig == SIGBUS ? &kb_guard_old_bus : &kb_guard_old_segv;
    if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
        old->sa_sigaction(sig, si, uc);
        return;
    }
    if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN && old->sa_handler) {
        old->sa_handler(sig);
        return;
    }
    if (kb_guard_hook)
        kb_guard_hook();
    signal(sig, SIG_DFL);
    raise(sig);
}

void kb_bus_install(void)
{
    if (kb_guard_installed)
        return;
    kb_guard_installed = true;
    snprintf(kb_guard_fatal_bus, sizeof kb_guard_fatal_bus, "kernboard: %s\n",
             _("I/O error reading the board (file truncated or share gone?); nothing was saved"));
    snprintf(kb_guard_fatal_damage, sizeof kb_guard_fatal_damage, "kernboard: %s\n",
             kb_guard_damage_text());
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = kb_guard_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER | SA_SIGINFO;
    sigaction(SIGBUS, &sa, &kb_guard_old_bus);
    sigaction(SIGSEGV, &sa, &kb_guard_old_segv);
}

void kb_store_on_fatal(void (*hook)(void))
{
    kb_guard_hook = hook;
}

sigjmp_buf *kb_bus_arm(sigjmp_buf *pad)
{
    sigjmp_buf *prev = kb_bus_pad;
    kb_bus_pad = pad;
    return prev;
}

void kb_bus_disarm(sigjmp_buf *prev)
{
    kb_bus_pad = prev;
}

void kb_bus_enter(void)
{
    kb_guard_depth++;
}

void kb_bus_leave(void)
{
    if (kb_guard_depth)
        kb_guard_depth--;
}

/* LMDB's assertion callback (mdb_env_set_assert): msg names the failed
 * check.  Jump to the armed pad; without one, end the process cleanly
 * (LMDB would call abort() next). */
static void kb_bus_mdb_assert(MDB_env *env, const char *msg)
{
    (void)env;
    snprintf(kb_guard_what, sizeof kb_guard_what, "%s", msg ? msg : "?");
    if (kb_bus_pad) {
        kb_guard_kind = KB_GUARD_ASSERT;
        siglongjmp(*kb_bus_pad, 1);
    }
    if (kb_guard_hook)
        kb_guard_hook();
    fprintf(stderr, "kernboard: %s (LMDB: %s)\n", kb_guard_damage_text(), kb_guard_what);
    fflush(stderr);
    _exit(65);
}

void kb_bus_prepare(MDB_env *env)
{
    mdb_env_set_assert(env, kb_bus_mdb_assert);
}

int kb_bus_fail(kb_err *e, const char *path)
{
    int kind = kb_guard_kind;
    kb_guard_kind = KB_GUARD_NONE;
    if (kind == KB_GUARD_ASSERT || kind == KB_GUARD_SEGV) {
        const char *why = kind == KB_GUARD_ASSERT && kb_guard_what[0]
                              ? kb_guard_what
                              : _("LMDB followed a damaged page outside the file");
        if (path)
            return kb_err_damage(e,
                                 _("the board file %s is damaged (%s); run 'kernboard verify' to "
                                   "see where, and 'kernboard restore' to put back the last good "
                                   "backup"),
                                 path, why);
        return kb_err_damage(e,
                             _("the board file is damaged (%s); run 'kernboard verify' to see "
                               "where, and 'kernboard restore' to put back the last good backup"),
                             why);
    }
    if (path)
        return kb_err_set(e, KB_EIO,
                          _("I/O error reading board %s (file truncated or share gone?)"), path);
    return kb_err_set(e, KB_EIO, _("I/O error reading the board (file truncated or share gone?)"));
}
