/*
 * tui.h - the terminal UI (ncursesw).  The only layer that includes curses.
 */
#ifndef KERNBOARD_TUI_H
#define KERNBOARD_TUI_H

#include "kernboard/launch.h"

/* Unlock the board and run the UI until the user quits; returns the exit
 * status (a kb_status code). */
int kb_tui_main(const kb_launch *l);

#endif
