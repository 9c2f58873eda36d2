/*
 * launch.h - what main() hands from the command line to the TUI.
 *
 * `kernboard [BOARD]` without a command opens the terminal UI; the CLI
 * parses the global options and fills a kb_launch, and main() starts the
 * TUI with it.  Neither front end links the other.
 */
#ifndef KERNBOARD_LAUNCH_H
#define KERNBOARD_LAUNCH_H

typedef struct kb_launch {
    const char *db;              /* board file */
    const char *user;            /* user name */
    const char *passphrase_file; /* NULL: ask on the terminal */
} kb_launch;

/* kb_cli_main's return value when the TUI should run. */
#define KB_LAUNCH_TUI (-1)

#endif
