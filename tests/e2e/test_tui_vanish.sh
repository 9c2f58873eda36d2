#!/usr/bin/env bash
# test_tui_vanish.sh - the TUI notices by itself, without a key press, when
# the board's files go away under it (issue 15, item 9): its poll (every
# 500 ms) checks that the lock file it holds is still the one at the lock
# path, so a deleted lock file (or a share that vanished) shows on the
# status line at the next tick.  The TUI keeps running and quits cleanly.
. "$(dirname "$0")/tui_lib.sh"
tui_setup
kba --db "$DB" case add --title "Vanishing act" >/dev/null || die "case add"
tui_start 200 24
tui_check "the board opens" "Vanishing act" 10
rm "$DB.lock"
# no key is sent: the status must come from the poll
tui_check "the status line says the lock file was deleted, without a key press" \
    "lock file $DB.lock was deleted" 10
tui_quit
check "the TUI quits normally afterwards (exit $TUI_RC)" [ "$TUI_RC" = 0 ]
check "nothing on stderr but kernboard messages" \
    eval '! grep -qv "^kernboard: " "$TUI_ERR"'
finish
