/*
 * log.h - a file logger.
 *
 * While curses owns the terminal nothing may write to stdout/stderr, so
 * diagnostics go to a log file ($XDG_STATE_HOME/kernboard/kernboard.log by
 * default).  A kb_log is owned by the program's top-level context and passed
 * down; a NULL logger discards messages.  Never log secrets or user text.
 */
#ifndef KERNBOARD_LOG_H
#define KERNBOARD_LOG_H

#include <stdio.h>
#include "kernboard/err.h"

enum kb_log_level { KB_LOG_DEBUG, KB_LOG_INFO, KB_LOG_WARN, KB_LOG_ERROR };

typedef struct kb_log kb_log;

/* Open (append) the log at path; returns NULL and fills e when it cannot. */
kb_log *kb_log_open(const char *path, enum kb_log_level min, kb_err *e);
/* Log to an already open stream (not closed by kb_log_free). */
kb_log *kb_log_stream(FILE *f, enum kb_log_level min);
void kb_log_free(kb_log **lg);
void kb_log_msg(kb_log *lg, enum kb_log_level lvl, const char *fmt, ...) KB_PRINTF(3, 4);
/* Default path: $XDG_STATE_HOME/kernboard/kernboard.log (created 0700). */
char *kb_log_default_path(void);

#endif
