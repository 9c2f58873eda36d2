/*
 * cli_internal.h - shared state of the command line front end.
 *
 * A kb_cli holds the parsed global options and owns the open board (through
 * the core API) for the duration of one command.  Commands are listed once
 * in cli.c's command table, from which --help is generated.
 */
#ifndef KERNBOARD_CLI_INTERNAL_H
#define KERNBOARD_CLI_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "kernboard/err.h"
#include "kernboard/log.h"

typedef struct kb_cli {
    const char *db;              /* --db or $KERNBOARD_DB */
    const char *user;            /* --user, $KERNBOARD_USER, $USER */
    const char *passphrase_file; /* --passphrase-file or $KERNBOARD_PASSPHRASE_FILE */
    bool json;                   /* --json */
    kb_log *log;
    kb_err err;
    void *ctx; /* command-specific: the opened board (core handle) */
} kb_cli;

typedef int (*kb_cli_fn)(kb_cli *cli, int argc, char **argv);

typedef struct kb_cli_cmd {
    const char *group; /* "case", or NULL for a top-level command */
    const char *name;
    kb_cli_fn fn;
    const char *args;    /* synopsis of arguments and options */
    const char *summary; /* N_() text */
} kb_cli_cmd;

/* Print "kernboard: msg" on stderr and return code. */
int kb_cli_fail(kb_cli *cli, int code, const char *fmt, ...) KB_PRINTF(3, 4);
/* Print cli->err and return its code. */
int kb_cli_report(kb_cli *cli);
/* Usage error for a command: one line, exit 64. */
int kb_cli_usage(kb_cli *cli, const char *cmd, const char *fmt, ...) KB_PRINTF(3, 4);

#endif
