#!/usr/bin/env bash
# The terminal UI end to end (tmux): open a board with the passphrase file,
# move a card with L (checked with the CLI), edit and save a field, see a
# case added by another process appear within 2 s, see a case that another
# process edits marked and opening read-only, resize, quit with exit 0.
# A board whose only case is in the third lane opens with the cursor on
# that case (Enter opens it), and lane headers take the departments'
# colours.
. "$(dirname "$0")/tui_lib.sh"
tui_setup

printf 'bob passphrase 2\n' >"$T/bob.pass"
chmod 600 "$T/bob.pass"
kba --db "$DB" user add bob --role member --new-passphrase-file "$T/bob.pass" >/dev/null ||
    die "user add bob"
kba --db "$DB" case add --title "Café De Hoek wil uitbreiden" --dept ECO --also INC,DUU \
    --due 2020-01-01 >/dev/null || die "case add 1"
kba --db "$DB" case add --title "Leegstand winkelcentrum Noord" --dept VAS --stage explore \
    >/dev/null || die "case add 2"
kba --db "$DB" case add --title "Social return groenonderhoud" --dept INK --stage connect \
    --agenda >/dev/null || die "case add 3"

# the TUI's own setting in the shared config file is not a keymap problem
mkdir -p "$XDG_CONFIG_HOME/kernboard"
printf 'keymap = default\nidle_lock_minutes = 30\n' >"$XDG_CONFIG_HOME/kernboard/config"

tui_start 80 24
tui_check "board opens with the passphrase file" "Café De Hoek" 10
if tui_has "problem"; then kb_fail "config complaint on screen"; else kb_pass "no config complaint"; fi
tui_check "stages are columns" "Explore"
tui_check "departments are lanes" "ECO Economy"
tui_check "who is online" "1 online"
s=$(tui_screen)
check "overdue and department markers on the card" contains "$s" "!+2"
check "on-agenda marker" contains "$s" "A"

# The cursor starts on the first case (#1, ECO lane, Signal).  L moves it.
tui_keys L
tui_check "L reports the move" "#1 moved to Explore"
check "the CLI sees the move" [ "$(case_field 1 stage)" = explore ]

# Edit the title through the form: e, clear the field, type, Enter.
tui_keys e
tui_check "the edit form opens" "Edit case #1"
tui_keys C-u
tui_type "Café De Hoek: terras"
tui_keys Enter
tui_check "the form saves" "Saved #1"
check "the CLI sees the new title" [ "$(case_field 1 title)" = "Café De Hoek: terras" ]

# A case added by another process shows up within 2 s, no key pressed.
kba --db "$DB" case add --title "Nieuw signaal van buiten" --dept ECO >/dev/null
t0=$(date +%s%N)
if tui_wait 2 "Nieuw sig"; then
    ms=$((($(date +%s%N) - t0) / 1000000))
    kb_pass "a case added by another process appears ($ms ms)"
else
    kb_fail "a case added by another process did not appear within 2 s"
    tui_screen | sed 's/^/  | /'
fi
# ... and the cursor stayed on case #1 (Ctrl-L clears the message line)
tui_keys C-l
tui_check "the cursor stays on the same case" "#1 Café De Hoek: terras |"

# bob holds the edit lock of case 2 in another process.
"$KB_BIN" --db "$DB" --user bob --passphrase-file "$T/bob.pass" \
    case lock 2 --seconds 30 >"$T/lock.out" 2>&1 &
LOCKPID=$!
at_exit "kill $LOCKPID"
wait_for 60 grep -q locked "$T/lock.out" || die "case lock 2 did not start"
# the card's last cell is the marker (the column is wide enough for the title)
if wait_for 3 bash -c "tmux -L $SOCK capture-pane -p -t tui | grep -qE '#2 Leegstand winkelcentrum Noord +E( *│|$)'"; then
    kb_pass "a case edited by someone else is marked E"
else
    kb_fail "a case edited by someone else is marked E"
    tui_screen | sed 's/^/  | /'
fi
tui_check "bob shows as online" "online: bob"
tui_keys J J J J J
tui_check "J moves down the lanes to #2" "#2 Leegstand winkelcentrum Noord |"
tui_keys Enter
tui_check "it opens read-only" "Being edited by bob since"
tui_keys e
tui_check "editing is refused with the holder's name" "is being edited by bob"
tui_keys c
tui_type "Graag even bellen"
tui_keys Enter
tui_check "comments are still possible" "Comment added to #2"
tl=$(kba --db "$DB" case show 2)
check "the comment is on the board" contains "$tl" "Graag even bellen"
tui_esc

# An open case view follows the edit lock through the live refresh: bob
# takes case 1 while alice reads it (scrolled down), then lets it go.
tui_keys :
tui_type "show 1"
tui_keys Enter
tui_check "case 1 opens" "e edit"
tui_keys NPage
"$KB_BIN" --db "$DB" --user bob --passphrase-file "$T/bob.pass" \
    case lock 1 --seconds 4 >"$T/lock1.out" 2>&1 &
LOCK1=$!
at_exit "kill $LOCK1"
tui_check "the open view shows the lock at the top" "Being edited by bob since" 5
lacks() { ! contains "$1" "$2"; }
check "the footer offers no edit while read-only" lacks "$(tui_screen | tail -1)" "e edit"
wait "$LOCK1"
if tui_wait_gone 15 "Being edited by bob"; then
    kb_pass "the banner goes when the lock ends"
else
    kb_fail "the banner stays after the lock ended"
    tui_screen | sed 's/^/  | /'
fi
tui_check "edit is offered again" "e edit"
tui_esc

# Resize: the wider screen shows more of the titles.
tmux -L "$SOCK" resize-window -t tui -x 120 -y 40
tui_check "resize to 120x40 redraws" "Leegstand winkelcentrum Noord" 3
rows=$(tui_screen | wc -l)
check "the pane is 40 rows" [ "$rows" -ge 39 ]
tmux -L "$SOCK" resize-window -t tui -x 80 -y 24
tui_check "resize back to 80x24" "Leegstand winkelcentrum Noord" 3

tui_quit
check "quit exits with status 0" [ "$TUI_RC" = 0 ]
if [ -s "$TUI_ERR" ]; then
    kb_fail "the TUI wrote to stderr: $(head -c 600 "$TUI_ERR")"
else
    kb_pass "nothing on stderr"
fi
kill "$LOCKPID" 2>/dev/null
tui_stop

# A board with one case, in the third lane (DUU, ECO, INC) and the second
# stage: the cursor starts on it, not on the empty first lane.
DB=$T/one.kb
init_board "$DB"
kba --db "$DB" case add --title "Werkervaringsplekken bij de bibliotheek" --dept INC \
    --stage explore >/dev/null || die "case add (one-case board)"
kba --db "$DB" dept edit INC --colour green >/dev/null || die "dept edit INC --colour green"
tui_start 80 24
tui_check "the one-case board opens" "Werkervaringsplekken" 10
tui_check "the cursor starts on the case in the third lane" "#1 Werkervaringsplekken bij de bibliotheek | Explore | INC"
# the INC lane header is green (SGR 32), the others are not
inc=$(tui_screen_e | grep -F "INC Inclusion")
if printf '%s' "$inc" | grep -qE $'\x1b\\[([0-9;]*;)?32(;[0-9;]*)?m'; then
    kb_pass "the department's colour on its lane header"
else
    kb_fail "the INC lane header is not green: $(printf '%q' "$inc")"
fi
tui_keys Enter
tui_check "Enter opens the case" "Timeline"
tui_esc
tui_check "back on the board" "Werkervaringsplekken bij de bibliotheek | Explore"
tui_quit
check "quit exits with status 0 (one-case board)" [ "$TUI_RC" = 0 ]
finish
