/*
 * paths.h - XDG base directories and small file helpers.
 */
#ifndef KERNBOARD_PATHS_H
#define KERNBOARD_PATHS_H

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

#endif
