/*
 * paths.h - XDG base directories and small file helpers.
 */
#ifndef KERNBOARD_PATHS_H
#define KERNBOARD_PATHS_H

#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include "kernboard/err.h"

/* $XDG_STATE_HOME/kernboard (default ~/.local/state/kernboard); new string. */
char *kb_path_state_dir(void);
/* $XDG_CONFIG_HOME/kernboard (default ~/.config/kernboard); new string. */
char *kb_path_config_dir(void);
/* mkdir -p with mode for each created component. */
int kb_path_mkdirs(const char *path, unsigned mode, kb_err *e) KB_WARN_UNUSED;
/* Read a whole file (at most max bytes) into a new NUL-terminated buffer. */
int kb_file_read(const char *path, size_t max, char **out, size_t *len, kb_err *e) KB_WARN_UNUSED;

/*
 * A user-named output file (export --out F): written to a new temporary in
 * F's directory and renamed over F only when complete, so a failure never
 * leaves half a file and never touches F.
 *
 *   kb_out o = {.f = NULL};
 *   if (kb_out_open(&o, dest, board, e)) ...   error set, nothing to undo
 *   fprintf(o.f, ...);
 *   if (kb_out_commit(&o, e)) ...              or kb_out_abort(&o)
 *
 * The temporary gets a random name (F.<16 hex>.tmp) and is created with
 * O_CREAT|O_EXCL|O_NOFOLLOW, mode exactly 0600 (fchmod, whatever the umask):
 * a planted file or symlink of that name is never written or followed.  All
 * names are resolved relative to F's directory, opened once.
 *
 * F itself may be missing, a regular file or a symlink (the link is replaced,
 * its target is not written).  Refused with KB_ECANTCREAT (73), before any
 * work and again just before the rename, is an F that is, or is a symlink
 * to, a kernboard board or lock file: the file `board` or `board`.lock (same
 * device and inode; board may be NULL), or any file that starts like an
 * LMDB data file or a BOARD.lock; also an F that is no regular file or
 * symlink (a directory, device, FIFO), and an F that cannot be read to check.
 */
typedef struct kb_out {
    FILE *f;    /* write the content here */
    int dirfd;  /* F's directory */
    char *dest; /* F as given, for messages */
    char *base; /* F's last component */
    char *tmp;  /* the temporary's name in dirfd; NULL when not open */
    char *board;
} kb_out;

/* Check dest and create its temporary; on failure o holds nothing. */
int kb_out_open(kb_out *o, const char *dest, const char *board, kb_err *e) KB_WARN_UNUSED;
/* Flush, fsync, check dest again and rename the temporary over it; on
 * failure the temporary is removed.  Either way o is released. */
int kb_out_commit(kb_out *o, kb_err *e) KB_WARN_UNUSED;
/* Remove the temporary and release o (safe on a released or zeroed kb_out). */
void kb_out_abort(kb_out *o);

struct stat;
/* After renameat(dirfd, from, dirfd, to) failed: was it done anyway (from
 * is gone, to is the file that was at from, given by was)?  Keeps errno. */
bool kb_rename_landed(int dirfd, const char *from, const char *to, const struct stat *was);

#endif
