/*
 * cmd.h - the one command language of kernboard (SPEC.md section 5).
 *
 * One table of commands (group, name, synopsis, summary, flags, handler),
 * one option parser and one word splitter serve both front ends: the CLI
 * runs a command with the process's stdin/stdout/stderr and opens the board
 * itself; the TUI's ':' line runs the same table on its open board and
 * shows what the command printed.  `--help`, `:help`, the man page's command
 * list and the bash completion script are generated from the table, so
 * the front ends cannot disagree.  Every handler is a thin wrapper over
 * the core API; nothing here knows LMDB, libsodium or curses.
 */
#ifndef KERNBOARD_CMD_H
#define KERNBOARD_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "kernboard/core.h"
#include "kernboard/err.h"
#include "kernboard/model.h"

/* Where a command runs and where its words go. */
typedef struct kb_cmd_env {
    const char *db;              /* board file (--db / $KERNBOARD_DB) */
    const char *user;            /* --user / $KERNBOARD_USER / $USER */
    const char *passphrase_file; /* NULL: prompt on the terminal */
    bool json;                   /* --json */
    kb_board *board;             /* borrowed open board (the TUI), or NULL */
    FILE *out;                   /* results */
    FILE *err;                   /* "kernboard: ..." error and warning lines */
    FILE *in;                    /* "-" arguments; NULL: not available */
    int width;                   /* columns tables may use (the TUI's pager); 0: the
                                    terminal's, or a fixed layout */
    /* The shared screen (the TUI while presenting or in a meeting, SPEC
     * §3): a confidential case shows its number and title only, unless its
     * number is in revealed (the running meeting's reveals; NULL: none).
     * Lists mask its other fields or leave it out, commands that would
     * show it in full refuse with one line.  The CLI leaves it false. */
    bool shared_screen;
    const kb_u32v *revealed;
} kb_cmd_env;

/* Command flags. */
enum {
    KB_CMDF_NOTUI = 1,  /* not on the ':' line (prompts, loops, needs the board to itself) */
    KB_CMDF_NOJSON = 2, /* no JSON form: with --json its output is dropped (docs/cli-json.md) */
    KB_CMDF_PATHS = 4,  /* every argument is a file name or a fixed word: an empty one ('')
                           is a usage error before any work */
};

/* Run argv[0..argc) ("case", "move", "12", "done"): the group and command
 * name first, then its arguments and options.  The first "--" ends the
 * options: it is dropped, and every word after it is an operand, also one
 * that starts with "-" (for every command alike).  Returns a kb_status exit
 * code; messages went to env->err.  A failed write to env->out is left to
 * its owner (the CLI checks stdout once at its end, kb_cli_main). */
int kb_cmd_run(kb_cmd_env *env, int argc, char **argv);
/* How long an unlocked key stays kept in the login session's keyring while
 * unused, in seconds ($KERNBOARD_UNLOCK_IDLE; default 600; 0 = off, also
 * for a value that is not a duration). */
long kb_cmd_unlock_idle(void);
/* Is word a command or a command group (for the CLI's board-or-command
 * decision and for ':' aliases)? */
bool kb_cmd_known(const char *word);
/* Is "case WORD" a command (":move 12 done" is "case move 12 done")? */
bool kb_cmd_case_verb(const char *word);
/* Words for completion, from the table: group NULL gives the first words
 * (groups and commands; with tui, the ':' line's: without shell-only
 * commands, plus the case subcommands, since "case" may be left out);
 * a group gives its subcommands.  Appended to out, each once. */
void kb_cmd_words(const char *group, bool tui, kb_strv *out);
/* The command list of --help / :help (translated summaries). */
void kb_cmd_print_commands(FILE *out, bool tui);
/* `kernboard completion bash`: a completion script from the table. */
void kb_cmd_print_completion(FILE *out);
/* Split a command line into words: blanks separate, "double" and 'single'
 * quotes group, backslash escapes the next character outside single
 * quotes.  KB_EUSAGE with e set on an unterminated quote. */
int kb_cmd_split(const char *line, kb_strv *out, kb_err *e) KB_WARN_UNUSED;

#endif
