/*
 * cmd_internal.h - shared state of the command handlers (src/cmd).
 *
 * A kb_cmd_ctx holds the environment a command runs in (kernboard/cmd.h):
 * the global options, the output streams and, inside the TUI, the borrowed
 * open board.  Outside the TUI a command opens the board itself and closes
 * it when done (kb_cmd_open / kb_cmd_close).  Commands are listed once in
 * cmd.c's table, from which --help, :help and the completion script come.
 */
#ifndef KERNBOARD_CMD_INTERNAL_H
#define KERNBOARD_CMD_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include <getopt.h>
#include <jansson.h>

#include "kernboard/buf.h"
#include "kernboard/cmd.h"
#include "kernboard/core.h"
#include "kernboard/err.h"
#include "kernboard/secret.h"

typedef struct kb_cmd_ctx {
    const char *db;              /* --db or $KERNBOARD_DB */
    const char *user;            /* --user, $KERNBOARD_USER, $USER */
    const char *passphrase_file; /* --passphrase-file or $KERNBOARD_PASSPHRASE_FILE */
    bool json;                   /* --json */
    const char *kdf;             /* KDF for keyslots this command creates */
    kb_err err;
    kb_board *shared;        /* the TUI's open board (borrowed), or NULL */
    FILE *out;               /* results */
    FILE *errf;              /* error and warning lines */
    FILE *in;                /* "-" arguments; NULL when not available */
    int width;               /* columns tables may use (kb_cmd_env.width); 0: not given */
    bool shared_screen;      /* kb_cmd_env.shared_screen: confidential cases masked */
    const kb_u32v *revealed; /* ... except these (kb_cmd_env.revealed) */
    bool opened;             /* the board was opened (kb_cmd_open succeeded) */
    kb_strv *probe;          /* non-NULL: only collect the command's options (kb_cmd_probe) */
    bool probed;             /* kb_cmd_probe collected them */
    char **operands;         /* where the words after "--" begin in the command's argv
                                (kb_cmd_run drops the "--"); NULL: there was none */
} kb_cmd_ctx;

typedef int (*kb_cmd_fn)(kb_cmd_ctx *cx, int argc, char **argv);

typedef struct kb_cmd_entry {
    const char *group; /* "case", or NULL for a top-level command */
    const char *name;
    kb_cmd_fn fn;
    const char *args;    /* synopsis of arguments and options */
    const char *summary; /* N_() text */
    unsigned flags;      /* KB_CMDF_* */
} kb_cmd_entry;

/* The command table (cmd.c). */
extern const kb_cmd_entry kb_cmd_table[];
extern const size_t kb_cmd_table_len;

/* Close a board opened by kb_cmd_open (the TUI's shared board stays open). */
void kb_cmd_close(kb_cmd_ctx *cx, kb_board **b);
/* Read "-" (standard input, when available) or the argument itself. */
int kb_cmd_text_arg(kb_cmd_ctx *cx, const char *arg, char **out);
/* A text given as n >= 1 words (`case decide 12 Proef uitbreiden`), joined
 * with spaces; one word "-" reads standard input (cmd_meeting.c). */
int kb_cmd_text_words(kb_cmd_ctx *cx, int n, char **words, char **out);

/* Print "kernboard: msg" on stderr and return code. */
int kb_cmd_fail(kb_cmd_ctx *cx, int code, const char *fmt, ...) KB_PRINTF(3, 4);
/* Print cx->err and return its code. */
int kb_cmd_report(kb_cmd_ctx *cx);
/* Unlock once per login session: how long an unlocked key stays kept in
 * the session keyring while unused ($KERNBOARD_UNLOCK_IDLE, a duration;
 * 0 or "off" = not kept). */
#define KB_KEY_IDLE_DEFAULT_S 600
int kb_cmd_key_idle(kb_cmd_ctx *cx, long *secs);
/* Ask for the passphrase (or read --passphrase-file) and open the board
 * with o; reports the error. */
int kb_cmd_open_pass(kb_cmd_ctx *cx, const kb_board_opts *o, kb_board **out);
/* "90", "90s", "10m", "2h", "1d", "off" -> seconds (KB_EUSAGE if not). */
int kb_cmd_duration(const char *text, long *secs);
/* Usage error for a command (an unknown option or command, a missing
 * argument or option value): one line, exit 64. */
int kb_cmd_usage(kb_cmd_ctx *cx, const char *cmd, const char *fmt, ...) KB_PRINTF(3, 4);
/* A value the command cannot use (a bad name, number, date, unknown role,
 * kind or format of an option or argument): one line, exit 65 (bad data),
 * like the same value refused by the core. */
int kb_cmd_bad_value(kb_cmd_ctx *cx, const char *cmd, const char *fmt, ...) KB_PRINTF(3, 4);

/* Passphrase from file, or a no-echo prompt on the terminal. */
int kb_cmd_passphrase(kb_cmd_ctx *cx, const char *file, const char *prompt, kb_secret **out);
/* A new board (or backup) at path can be made in its directory: exit 73
 * naming the board and the directory that is missing or not a directory,
 * instead of the first file the store would fail to create. */
int kb_cmd_new_board_dir(kb_cmd_ctx *cx, const char *path);
/* --db and --user are set (usage error otherwise). */
int kb_cmd_need_db(kb_cmd_ctx *cx, const char *cmd);
/* Open and unlock the board; prints the error and returns its code. */
int kb_cmd_open(kb_cmd_ctx *cx, const char *cmd, kb_board **out);
/* The same for a command that takes no arguments (usage error otherwise). */
int kb_cmd_open_noargs(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv, kb_board **out);
/* Asked only for its options (cx->probe set: the completion script and
 * `completion options` are made from each command's real option table):
 * collect "--name" of every entry of longs and return true; the command
 * then returns at once, with any non-zero code and no output.  A command
 * that parses by hand calls this with its table before anything else;
 * kb_cmd_getopt calls it. */
bool kb_cmd_probe(kb_cmd_ctx *cx, const struct option *longs);
/* getopt_long wrapper with our usage errors; call kb_cmd_getopt_reset first.
 * When probing (kb_cmd_probe) it returns KB_EUSAGE with *opt = -1.  Options
 * end where "--" stood (cx->operands): at the end argv[optind..argc) are
 * the operands, those before "--" first.  A file name option (--out,
 * --new-passphrase-file, --minutes) given '' is a usage error. */
int kb_cmd_getopt(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv,
                  const struct option *longs, int *idx, int *opt);
void kb_cmd_getopt_reset(void);
/* Is argv[i] an option word of a command that parses its words by hand:
 * it starts with "--" and comes before a "--" (cx->operands)? */
bool kb_cmd_is_option(const kb_cmd_ctx *cx, char **argv, int i);
json_t *kb_cmd_case_json(const kb_case *c);
json_t *kb_cmd_comment_json(const kb_comment *c);
/* Print and release a JSON document. */
int kb_cmd_print_json(kb_cmd_ctx *cx, json_t *doc);
size_t kb_cmd_width(const char *s);
void kb_cmd_cell(FILE *f, const char *s, size_t width);
/* The shared screen (kb_cmd_env.shared_screen): is c a confidential case
 * that shows its number and title only? */
bool kb_cmd_hidden(const kb_cmd_ctx *cx, const kb_case *c);
/* The same for a case known by its number (one record read on the shared
 * screen only; a case that cannot be read counts as hidden). */
bool kb_cmd_hidden_number(const kb_cmd_ctx *cx, kb_board *b, uint32_t number);
/* Clear every field of a hidden case but its key, number, title and
 * confidentiality (so a query matches it on those only); false and c
 * unchanged when it is not hidden. */
bool kb_cmd_mask(const kb_cmd_ctx *cx, kb_case *c);
/* Refuse a hidden case in one line (KB_EPERM); KB_OK when it is shown. */
int kb_cmd_hidden_refuse(kb_cmd_ctx *cx, kb_board *b, const char *cmd, uint32_t number);
/* The placeholder of a masked field: "(confidential)". */
const char *kb_cmd_masked_text(void);
/* The same appended to a buffer (a list formats each row in one buffer). */
void kb_cmd_cell_buf(kb_buf *b, const char *s, size_t width);

json_t *kb_cmd_action_json(const kb_action_item *a);
json_t *kb_cmd_decision_json(const kb_decision *d);
json_t *kb_cmd_meeting_json(const kb_meeting *m);
json_t *kb_cmd_link_json(const kb_link *l);

/* command handlers */
int kb_cmd_dept_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_dept_add(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_dept_edit(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_stage_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_stage_add(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_stage_edit(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_line_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_line_add(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_line_edit(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_action_add(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_action_done(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_action_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_case_link(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_case_unlink(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_case_decide(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_meeting_add(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_meeting_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_meeting_show(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_meeting_agenda(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_meeting_start(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_meeting_next(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_meeting_end(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_meeting_minutes(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_meeting_attend(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_meeting_reveal(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_org_add(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_org_edit(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_org_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_contact_add(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_contact_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_contact_window(kb_cmd_ctx *cx, int argc, char **argv); /* cmd_org.c */
int kb_cmd_export(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_import(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_init(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_verify(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_watch(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_user_add(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_user_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_user_remove(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_user_passwd(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_stats(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_backup(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_rekey(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_unlock(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_lock(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_restore(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_doctor(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_demo(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_case_add(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_case_show(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_case_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_case_edit(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_case_move(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_case_comment(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_case_lock(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_locks(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_who(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_log(kb_cmd_ctx *cx, int argc, char **argv);
/* reports and saved views (cmd_report.c, cmd_view.c) */
int kb_cmd_report_run(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_view_save(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_view_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_view_remove(kb_cmd_ctx *cx, int argc, char **argv);
/* Expand "@name" words of a query (saved views); prints the error. */
int kb_cmd_expand_views(kb_cmd_ctx *cx, kb_board *b, const char *query, char **out);
/* department goals and the triage inbox (cmd_goal.c, cmd_triage.c) */
int kb_cmd_goal_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_goal_add(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_goal_edit(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_goal_remove(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_triage_list(kb_cmd_ctx *cx, int argc, char **argv);
int kb_cmd_triage_next(kb_cmd_ctx *cx, int argc, char **argv);

#endif
