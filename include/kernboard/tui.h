/*
 * tui.h - the terminal UI (ncursesw).  The only layer that includes curses.
 *
 * docs/tui.md is the user guide; src/tui/tui_internal.h describes the
 * pieces (cell grid, views, app state, terminal layer).
 */
#ifndef KERNBOARD_TUI_H
#define KERNBOARD_TUI_H

#include "kernboard/launch.h"

/* Unlock the board (passphrase file, or a no-echo prompt before the screen
 * is taken over), run the UI until the user quits, and give the terminal
 * back.  Returns the exit status: 0 after quitting, a kb_status code when
 * the board cannot be opened or there is no usable terminal (the message
 * is on stderr), 128 + N after signal N (SIGINT, SIGTERM, SIGHUP). */
int kb_tui_main(const kb_launch *l);

#endif
