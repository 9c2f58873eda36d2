/*
 * cli.h - the command line front end (SPEC.md section 5).
 *
 * kb_cli_main parses global options anywhere on the line, dispatches to the
 * command table and returns the process exit status (a kb_status code).
 * Every command is a thin wrapper over the core service API; nothing here
 * knows about LMDB, libsodium or curses.
 */
#ifndef KERNBOARD_CLI_H
#define KERNBOARD_CLI_H

#include "kernboard/launch.h"

/* Run a command and return its exit status, or KB_LAUNCH_TUI (filling
 * *tui) when the command line asks for the terminal UI.  After a command
 * stdout is flushed and closed: output that could not be written is one
 * line on stderr and exit 74 (KB_EIO), for every command alike. */
int kb_cli_main(int argc, char **argv, kb_launch *tui);

#endif
