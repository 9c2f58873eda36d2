#!/usr/bin/env bash
# The terminal UI on different terminals and locales (tmux): TERM
# xterm-256color, screen, tmux-256color, vt100 and linux; NO_COLOR;
# LANG=C.UTF-8 shows accents, LANG=C degrades them to ASCII; no garbage on
# screen; Esc reacts quickly; Shift-Tab moves back a field in a form (also
# on vt100, whose terminfo entry lacks it); every run quits with exit
# status 0.
. "$(dirname "$0")/tui_lib.sh"
tui_setup

kba --db "$DB" case add --title "Café Zuid zoekt personeel" --dept ECO --also INC >/dev/null ||
    die "case add"
kba --db "$DB" case add --title "Leegstand winkelcentrum" --dept VAS --stage explore >/dev/null ||
    die "case add"

# has_colour - the pane shows colour (SGR 30-37, 38;5;N or 90-97)
has_colour() { tui_screen_e | grep -qE $'\x1b\\[([0-9;]*;)?(3[0-7]|38;5;[0-9]+|9[0-7])(;[0-9;]*)?m'; }

run_term() { # NAME EXPECT ASCII VAR=VALUE...
    local name=$1 expect=$2 ascii=$3
    shift 3
    local term=xterm-256color kv
    for kv in "$@"; do
        case $kv in TERM=*) term=${kv#TERM=} ;; esac
    done
    if ! infocmp "$term" >/dev/null 2>&1; then
        kb_log "note: no terminfo entry for $term here; $name not run"
        return
    fi
    tui_start 80 24 "$@"
    tui_check "$name: the board renders" "$expect" 10
    tui_check "$name: stage headers" "Explore"
    tui_no_garbage "$name: no garbage" "$ascii"
    case " $* " in
    *" NO_COLOR=1 "*)
        if has_colour; then kb_fail "$name: colours used despite NO_COLOR"; else kb_pass "$name: no colour"; fi
        # the selection is still visible without colour: reverse video
        if tui_screen_e | grep -qE $'\x1b\\[([0-9;]*;)?7(;[0-9;]*)?m'; then
            kb_pass "$name: selection shown in reverse video"
        else
            kb_fail "$name: no reverse video for the selection"
        fi
        ;;
    esac
    # a few keys: move, open, back
    tui_keys j
    tui_keys Enter
    tui_check "$name: the case view opens" "Timeline"
    tui_esc
    tui_check "$name: back on the board" "Embedded/Done"
    # Shift-Tab goes back a field on every terminal: ESC [ Z is recognised
    # even where the terminfo entry has no kcbt (vt100), instead of a 'Z'
    # typed into the field
    tui_keys n
    tui_check "$name: the new-case form opens" "> Title"
    tui_keys Tab Tab
    tui_check "$name: Tab moves to the lead department" "> Lead department"
    tui_keys BTab
    tui_check "$name: Shift-Tab goes back to the stage" "> Stage"
    if tui_screen | grep -qE '^. (Lead department|Stage) .*Z'; then
        kb_fail "$name: Shift-Tab typed text into the form"
        tui_screen | sed 's/^/  | /'
    else
        kb_pass "$name: Shift-Tab typed nothing"
    fi
    tui_esc
    tui_wait 3 "Embedded/Done" >/dev/null || { tui_keys y; tui_wait 3 "Embedded/Done" >/dev/null; }
    tui_check "$name: the form is closed" "Embedded/Done"
    tui_quit
    check "$name: exit status 0" [ "$TUI_RC" = 0 ]
    if [ -s "$TUI_ERR" ]; then kb_fail "$name: stderr: $(head -c 400 "$TUI_ERR")"; fi
    tui_stop
}

run_term "xterm-256color UTF-8" "Café Zuid" "" TERM=xterm-256color LC_ALL=C.UTF-8
run_term "screen" "Café Zuid" "" TERM=screen LC_ALL=C.UTF-8
run_term "tmux-256color" "Café Zuid" "" TERM=tmux-256color LC_ALL=C.UTF-8
run_term "vt100 NO_COLOR" "Café Zuid" "" TERM=vt100 NO_COLOR=1 LC_ALL=C.UTF-8
run_term "linux" "Café Zuid" "" TERM=linux LC_ALL=C.UTF-8
run_term "LANG=C" "Cafe Zuid" ascii TERM=xterm-256color LC_ALL=C LANG=C
run_term "LANG=C.UTF-8" "Café Zuid" "" TERM=xterm-256color LC_ALL= LANG=C.UTF-8
run_term "NO_COLOR on xterm-256color" "Café Zuid" "" TERM=xterm-256color NO_COLOR=1

# Colour is used when allowed (the positive control for the NO_COLOR check).
tui_start 80 24 TERM=xterm-256color
tui_wait 10 "Café Zuid" >/dev/null
if has_colour; then kb_pass "colours on xterm-256color"; else kb_fail "no colour on xterm-256color"; fi

# Esc on its own (no key after it) closes the help screen.  How fast is
# reported, not asserted: tests never depend on the machine's speed (the
# ESCDELAY of 25 ms is set in tui_main.c).
tui_keys '?'
tui_wait 3 "Keys on this screen" >/dev/null
t0=$(date +%s%N)
tui_keys Escape
if tui_wait_gone 5 "Keys on this screen"; then
    kb_pass "Esc alone closes help (took $((($(date +%s%N) - t0) / 1000000)) ms here)"
else
    kb_fail "Esc did not close the help screen"
fi
tui_quit
check "exit status 0" [ "$TUI_RC" = 0 ]
finish
