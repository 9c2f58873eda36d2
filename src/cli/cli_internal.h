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

#include <getopt.h>
#include <jansson.h>

#include "kernboard/core.h"
#include "kernboard/err.h"
#include "kernboard/secret.h"

typedef struct kb_cli {
    const char *db;              /* --db or $KERNBOARD_DB */
    const char *user;            /* --user, $KERNBOARD_USER, $USER */
    const char *passphrase_file; /* --passphrase-file or $KERNBOARD_PASSPHRASE_FILE */
    bool json;                   /* --json */
    const char *kdf;             /* KDF for keyslots this command creates */
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

/* Passphrase from file, or a no-echo prompt on the terminal. */
int kb_cli_passphrase(kb_cli *cli, const char *file, const char *prompt, kb_secret **out);
/* --db and --user are set (usage error otherwise). */
int kb_cli_need_db(kb_cli *cli, const char *cmd);
/* Open and unlock the board; prints the error and returns its code. */
int kb_cli_open(kb_cli *cli, const char *cmd, kb_board **out);
/* The same for a command that takes no arguments (usage error otherwise). */
int kb_cli_open_noargs(kb_cli *cli, const char *cmd, int argc, char **argv, kb_board **out);
/* getopt_long wrapper with our usage errors; call kb_cli_getopt_reset first. */
int kb_cli_getopt(kb_cli *cli, const char *cmd, int argc, char **argv, const struct option *longs,
                  int *idx, int *opt);
void kb_cli_getopt_reset(void);
json_t *kb_cli_case_json(const kb_case *c);
json_t *kb_cli_comment_json(const kb_comment *c);
/* Print and release a JSON document. */
int kb_cli_print_json(json_t *doc);
size_t kb_cli_width(const char *s);
void kb_cli_cell(FILE *f, const char *s, size_t width);

json_t *kb_cli_action_json(const kb_action_item *a);
json_t *kb_cli_decision_json(const kb_decision *d);
json_t *kb_cli_meeting_json(const kb_meeting *m);
json_t *kb_cli_link_json(const kb_link *l);

/* command handlers */
int kb_cmd_dept_list(kb_cli *cli, int argc, char **argv);
int kb_cmd_dept_add(kb_cli *cli, int argc, char **argv);
int kb_cmd_dept_edit(kb_cli *cli, int argc, char **argv);
int kb_cmd_stage_list(kb_cli *cli, int argc, char **argv);
int kb_cmd_stage_add(kb_cli *cli, int argc, char **argv);
int kb_cmd_stage_edit(kb_cli *cli, int argc, char **argv);
int kb_cmd_line_list(kb_cli *cli, int argc, char **argv);
int kb_cmd_line_add(kb_cli *cli, int argc, char **argv);
int kb_cmd_line_edit(kb_cli *cli, int argc, char **argv);
int kb_cmd_action_add(kb_cli *cli, int argc, char **argv);
int kb_cmd_action_done(kb_cli *cli, int argc, char **argv);
int kb_cmd_action_list(kb_cli *cli, int argc, char **argv);
int kb_cmd_case_link(kb_cli *cli, int argc, char **argv);
int kb_cmd_case_decide(kb_cli *cli, int argc, char **argv);
int kb_cmd_meeting_add(kb_cli *cli, int argc, char **argv);
int kb_cmd_meeting_list(kb_cli *cli, int argc, char **argv);
int kb_cmd_meeting_show(kb_cli *cli, int argc, char **argv);
int kb_cmd_org_add(kb_cli *cli, int argc, char **argv);
int kb_cmd_org_edit(kb_cli *cli, int argc, char **argv);
int kb_cmd_org_list(kb_cli *cli, int argc, char **argv);
int kb_cmd_contact_add(kb_cli *cli, int argc, char **argv);
int kb_cmd_contact_list(kb_cli *cli, int argc, char **argv);
int kb_cmd_export(kb_cli *cli, int argc, char **argv);
int kb_cmd_import(kb_cli *cli, int argc, char **argv);
int kb_cmd_init(kb_cli *cli, int argc, char **argv);
int kb_cmd_verify(kb_cli *cli, int argc, char **argv);
int kb_cmd_watch(kb_cli *cli, int argc, char **argv);
int kb_cmd_user_add(kb_cli *cli, int argc, char **argv);
int kb_cmd_user_list(kb_cli *cli, int argc, char **argv);
int kb_cmd_user_remove(kb_cli *cli, int argc, char **argv);
int kb_cmd_user_passwd(kb_cli *cli, int argc, char **argv);
int kb_cmd_stats(kb_cli *cli, int argc, char **argv);
int kb_cmd_backup(kb_cli *cli, int argc, char **argv);
int kb_cmd_rekey(kb_cli *cli, int argc, char **argv);
int kb_cmd_doctor(kb_cli *cli, int argc, char **argv);
int kb_cmd_demo(kb_cli *cli, int argc, char **argv);
int kb_cmd_case_add(kb_cli *cli, int argc, char **argv);
int kb_cmd_case_show(kb_cli *cli, int argc, char **argv);
int kb_cmd_case_list(kb_cli *cli, int argc, char **argv);
int kb_cmd_case_edit(kb_cli *cli, int argc, char **argv);
int kb_cmd_case_move(kb_cli *cli, int argc, char **argv);
int kb_cmd_case_comment(kb_cli *cli, int argc, char **argv);
int kb_cmd_case_lock(kb_cli *cli, int argc, char **argv);
int kb_cmd_locks(kb_cli *cli, int argc, char **argv);
int kb_cmd_who(kb_cli *cli, int argc, char **argv);
int kb_cmd_log(kb_cli *cli, int argc, char **argv);

#endif
