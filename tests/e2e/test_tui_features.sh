#!/usr/bin/env bash
# The terminal UI's other features end to end (tmux): the / filter with a
# live match count, the : command line, ? help, u undo, a move into a stage
# that needs a reason, the new-case form, a validation error that keeps the
# input, the privacy blank, the idle lock, and Ctrl-Z / resume.
. "$(dirname "$0")/tui_lib.sh"
tui_setup

kba --db "$DB" case add --title "Café Zuid zoekt personeel" --dept ECO --also INC >/dev/null ||
    die "case add"
kba --db "$DB" case add --title "Leegstand winkelcentrum" --dept VAS --stage explore >/dev/null ||
    die "case add"
kba --db "$DB" stage edit done --needs-reason >/dev/null || die "stage edit"

tui_start 80 24 KERNBOARD_IDLE_LOCK_SECONDS=600
tui_check "board" "Café Zuid" 10

# / filter: the count follows the typing, Enter applies it.
tui_keys /
tui_type "dept:VA"
tui_check "filter shows the match count while typing" "0 matches"
tui_type "S"
tui_check "count updates" "1 match"
tui_type " bogus:"
tui_check "a bad query shows the parser's message" "query column"
tui_keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace
tui_keys Enter
tui_check "the filter is applied" "filter: dept:VAS (1/2)"
tui_wait_gone 1 "#1 Caf" && kb_pass "filtered-out cards are hidden" || kb_fail "#1 still shown"
tui_keys /
tui_keys C-u Enter
tui_check "the filter is cleared" "Filter cleared"
# Home and End as tmux and the Linux console send them (ESC [1~, ESC [4~:
# not in xterm's terminfo entry) move in the line, not type "1~"
tui_keys /
tui_type "ept:VAS"
tui_keys Home
tui_type "d"
tui_check "Home goes to the start of the line" "1 match"
tui_keys End BSpace
tui_check "End goes to its end" "0 matches"
tui_keys C-u Enter

# : command line
tui_keys :
tui_type "move 1 explore"
tui_keys Enter
tui_check ":move reports" "#1 moved to Explore"
check ":move changed the board" [ "$(case_field 1 stage)" = explore ]
tui_keys :
tui_type 'case comment 1 "via de opdrachtregel"'
tui_keys Enter
tui_check ":case comment" "Comment added to #1"
check "the comment is stored" contains "$(kba --db "$DB" case show 1)" "via de opdrachtregel"
tui_keys :
tui_type "frobnicate"
tui_keys Enter
tui_check "unknown commands are reported" "unknown command 'frobnicate'"
tui_check "  the line stays open with what was typed, to retry" ":frobnicate"
tui_esc
tui_wait_gone 3 "unknown command 'frobnicate'" || kb_fail "Esc drops the kept line and its error"

# an error longer than the status line is shown whole, over as many rows
# as it needs, until the next key
tui_keys :
tui_type "case decide 1"
tui_keys Enter
tui_check "a long error is shown whole (what to do included)" "':help')"
tui_check "  above the kept line" ":case decide 1"
tui_esc
tui_wait_gone 3 "':help')" || kb_fail "the long error stays after Esc"

# the output pager wraps lines wider than the screen: the end of :help
tui_keys :
tui_type "help"
tui_keys Enter
tui_check ":help opens the pager" "Commands (as on the command line"
tui_keys NPage NPage NPage NPage NPage NPage NPage NPage NPage NPage
tui_check "the pager wraps the last line: nothing is cut" "refresh, lock, quit"
lacks() { ! contains "$1" "$2"; }
check "no pager row is cut with an ellipsis" lacks "$(tui_screen)" "…"
# narrower: wrapped again, still whole
tmux -L "$SOCK" resize-window -t tui -x 60 -y 24
tui_keys NPage NPage NPage NPage NPage NPage NPage NPage NPage NPage
tui_check "after a resize the pager wraps again" "refresh, lock, quit"
tmux -L "$SOCK" resize-window -t tui -x 80 -y 24
tui_esc
tui_check "back from the pager" "Embedded/Done"

# u undoes the last change (the move), as a new audited change
tui_keys u
tui_check "undo" "Undone: #1"
check "undo restored the stage" [ "$(case_field 1 stage)" = signal ]
check "undo is in the timeline" contains "$(kba --db "$DB" case show 1)" "Explore -> Signal"

# ? help is generated from the keymap
tui_keys '?'
tui_check "help lists the actions" "case-move-next"
tui_check "help shows the keys" "lane-toggle"
tui_esc
tui_check "back from help" "Embedded/Done"

# a stage that needs a reason: `:move` without one is refused as on the
# command line (saying how to give it); with --reason the move and its
# reason are stored together
tui_keys :
tui_type "move 2 done"
tui_keys Enter
tui_check "the move without a reason is refused" "needs a reason: add --reason"
check "nothing moved" [ "$(case_field 2 stage)" != done ]
tui_check "  the line stays open with what was typed" ":move 2 done"
tui_type ' --reason "Pand is verhuurd"'
tui_keys Enter
tui_check "moved with a reason (added to the kept line)" "#2 moved to"
check "the move is stored" [ "$(case_field 2 stage)" = done ]
check "the reason is stored with the move" contains "$(kba --db "$DB" case show 2)" "reason: Pand is verhuurd"

# new case form with a validation error that keeps the input
tui_keys n
tui_check "the new-case form opens" "New case"
tui_type "Zonnepanelen sporthal"
tui_keys Tab Tab C-u
tui_type "XYZ"
tui_keys Enter
tui_check "validation error on the field" "unknown department 'XYZ'"
tui_check "the input is kept" "Zonnepanelen sporthal"
tui_keys BSpace BSpace BSpace
tui_type "DUU"
tui_keys Enter
tui_check "the case is created" "Case #3 created"
check "the CLI sees the new case" [ "$(case_field 3 lead_dept)" = DUU ]

# a new case straight into a stage that needs a reason: the form asks for
# it (as `case add --reason`), and the reason is stored with the creation
tui_keys n
tui_check "the new-case form opens again" "New case"
tui_type "Pand al verhuurd"
tui_keys Tab C-u
tui_type "done"
tui_keys Enter
tui_check "the form asks for the reason" "Reason for a new case in Embedded/Done"
tui_type "Afgehandeld buiten het kernteam"
tui_keys Enter
tui_check "the case is created with its reason" "Case #4 created"
check "it is in the stage" [ "$(case_field 4 stage)" = done ]
check "the reason is stored with the creation" \
    contains "$(kba --db "$DB" case show 4)" "reason: Afgehandeld buiten het kernteam"

# privacy blank: b hides everything at once, any key brings it back
tui_keys b
if tui_wait_gone 2 "kernboard"; then kb_pass "b blanks the screen"; else kb_fail "b did not blank"; fi
tui_keys j
tui_check "a key brings the board back" "Embedded/Done"

# Ctrl-Z stops the program with the terminal restored; fg resumes it
panepid=$(tmux -L "$SOCK" display-message -p -t tui '#{pane_pid}')
kbpid=$(pgrep -P "$panepid" | head -n1)
tui_keys C-z
if wait_for 3 test -e "$TUI_STOPPED"; then
    kb_pass "Ctrl-Z stops the program"
    if [ -n "$kbpid" ] && grep -q '^State:.*T' "/proc/$kbpid/status"; then
        kb_pass "the process is stopped"
    else
        kb_fail "the process is not in state T"
    fi
    if tui_wait_gone 2 "Embedded/Done"; then
        kb_pass "the terminal is given back while stopped"
    else
        kb_fail "the board is still on screen while stopped"
    fi
    tui_resume
    tui_check "fg redraws the board" "Embedded/Done"
    tui_keys :
    tui_type "move 1 explore"
    tui_keys Enter
    tui_check "keys and the board work after resume" "#1 moved to Explore"
else
    kb_fail "Ctrl-Z did not stop the program"
fi
tui_quit
check "exit status 0" [ "$TUI_RC" = 0 ]
tui_stop

# without a passphrase file: a no-echo prompt before the screen is taken over
TUI_PROMPT=1 tui_start 80 24
tui_check "the passphrase is asked on the terminal" "Passphrase for alice on" 10
tui_type "$(head -n1 "$PASS")"
if tui_has "$(head -n1 "$PASS")"; then kb_fail "the passphrase is echoed"; else kb_pass "no echo"; fi
tui_keys Enter
tui_check "the board opens after the prompt" "Embedded/Done" 10
tui_quit
check "exit status 0 (prompt)" [ "$TUI_RC" = 0 ]
tui_stop

# the idle lock hides the board and asks for the passphrase
tui_start 80 24 KERNBOARD_IDLE_LOCK_SECONDS=3
tui_check "board before the idle lock" "Café Zui" 10
tui_check "the idle lock comes" "kernboard is locked" 6
if tui_has "Café Zui" || tui_has "Embedded/Done"; then kb_fail "the board is visible while locked"; else kb_pass "the board is hidden while locked"; fi
tui_type "wrong passphrase"
tui_keys Enter
tui_check "a wrong passphrase is refused" "wrong passphrase" 10
tui_type "$(head -n1 "$PASS")"
tui_keys Enter
tui_check "the right passphrase unlocks" "Café Zui" 10
tui_quit
check "exit status 0 after unlocking" [ "$TUI_RC" = 0 ]
if [ -s "$TUI_ERR" ]; then kb_fail "stderr: $(head -c 400 "$TUI_ERR")"; fi
finish
