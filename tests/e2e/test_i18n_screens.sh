#!/usr/bin/env bash
# test_i18n_screens.sh - the terminal UI in Dutch (tmux), as a user runs it:
#   - the build-tree binary, WITHOUT $KERNBOARD_LOCALEDIR, finds its
#     catalogue next to itself (build/DIR/locale) under LANG=nl_NL.UTF-8;
#   - the board, a case, its edit form, the help screen and a timeline show
#     values in Dutch: no English value code (stage and action line codes,
#     confidentiality, link and organisation kinds) on any screen;
#   - Dutch words are accepted where a user types a value.
# The board is created in Dutch, so its stages, action lines and departments
# have Dutch names (Signaal, Verkennen, ...): names are data.
# The Dutch locale: as in test_i18n.sh (the system's, or compiled with
# localedef into the temp dir); without one the test is SKIPPED.
. "$(dirname "$0")/tui_lib.sh"
tui_setup

# No catalogue directory from the caller: the binary must find it itself.
unset KERNBOARD_LOCALEDIR
MO=$(dirname "$KB_BIN")/locale/nl/LC_MESSAGES/kernboard.mo
check "the build tree has the Dutch catalogue next to the binary ($MO)" [ -f "$MO" ]
[ -f "$MO" ] || finish

CLEAN=(env -u LC_ALL -u LC_MESSAGES -u LC_CTYPE -u LC_COLLATE -u LC_TIME -u LC_NUMERIC
    -u LC_MONETARY -u LANGUAGE -u LANG -u LOCPATH -u KERNBOARD_LOCALEDIR)
works() { [ -z "$("$@" locale 2>&1 >/dev/null)" ]; }
LOCPATH_NL=
if locale -a 2>/dev/null | grep -qix 'nl_NL\.utf-\{0,1\}8' && works "${CLEAN[@]}" LANG=nl_NL.UTF-8; then
    NL=("${CLEAN[@]}" LANG=nl_NL.UTF-8)
elif command -v localedef >/dev/null && [ -f /usr/share/i18n/locales/nl_NL ]; then
    mkdir -p "$T/locale"
    localedef -i nl_NL -f UTF-8 "$T/locale/nl_NL.UTF-8" >"$T/localedef.log" 2>&1
    LOCPATH_NL=$T/locale
    NL=("${CLEAN[@]}" LOCPATH="$LOCPATH_NL" LANG=nl_NL.UTF-8)
else
    NL=()
fi
if [ ${#NL[@]} -eq 0 ] || ! works "${NL[@]}"; then
    skip "no Dutch locale: nl_NL.UTF-8 is not installed and cannot be compiled (Debian package 'locales')"
fi

# kbn ARGS... - kernboard as alice in the Dutch locale.
kbn() { "${NL[@]}" "$KB_BIN" --user alice --passphrase-file "$PASS" "$@"; }

# A board created in Dutch: default stages, lines and departments in Dutch.
rm -f "$DB" "$DB.lock"
expect_rc 0 "init the board in Dutch" kbn init "$DB" --kdf interactive
check "init speaks Dutch without KERNBOARD_LOCALEDIR" contains "$OUT" "aangemaakt"
expect_rc 0 "case add with Dutch values" kbn --db "$DB" case add --title "Bakkerij zoekt laadplek" \
    --dept ECO --line service --confidentiality vertrouwelijk --agenda
expect_rc 0 "a second case" kbn --db "$DB" case add --title "Leegstand winkelcentrum" --dept VAS
expect_rc 0 "a case with a long title" kbn --db "$DB" case add --dept ECO \
    --title "Kringloopbedrijf vraagt garantstelling voor een tweede vestiging in het centrum"
expect_rc 0 "case move by Dutch stage name" kbn --db "$DB" case move 1 Verkennen
# (#1 is not in the triage inbox anyway: a duplicate would leave it)
expect_rc 0 "case link --as duplicaat" kbn --db "$DB" case link 1 2 --as duplicaat
expect_rc 0 "case link --as gerelateerd" kbn --db "$DB" case link 1 3 --as gerelateerd
expect_rc 0 "case edit --confidentiality openbaar" kbn --db "$DB" case edit 2 --confidentiality openbaar
expect_rc 0 "org add --kind ondernemer" kbn --db "$DB" org add "Bakkerij Zuid" --kind ondernemer
expect_rc 0 "org add --kind stichting" kbn --db "$DB" org add "Stichting Buurt" --kind stichting
printf 'bob passphrase 2\n' >"$T/bob.pass"
chmod 600 "$T/bob.pass"
expect_rc 0 "user add --role makelaar" kbn --db "$DB" user add bob --role makelaar \
    --new-passphrase-file "$T/bob.pass" --kdf interactive
expect_rc 0 "contact add (held, yesterday)" kbn --db "$DB" contact add "Bakkerij Zuid" \
    --date "$(date -d yesterday +%F)" --dept ECO --purpose "Kennismaking"
run kba --db "$DB" case show 1 --json
check "the stored values are codes" contains "$OUT" '"confidentiality": "confidential"'

# English value codes (and the English default stage/line names) that must
# not show on a Dutch screen.
CODES=(signal explore connect progress done service trade procure
    confidential internal public related duplicate blocks
    entrepreneur foundation government viewer member broker admin
    Signal Explore Connect "In progress" "Embedded/Done")

# scan NAME TEXT - TEXT has none of CODES as a word.
scan() {
    local name=$1 text=$2 w bad=
    for w in "${CODES[@]}"; do
        if printf '%s' "$text" | grep -qw -- "$w"; then
            bad="$bad '$w'"
        fi
    done
    if [ -z "$bad" ]; then
        kb_pass "$name: no English value codes"
    else
        kb_fail "$name: English value codes on a Dutch screen:$bad"
        printf '%s\n' "$text" | sed 's/^/  | /'
    fi
}

# ------------------------------------------------ CLI
run kbn --db "$DB" case show 1
check "case show is Dutch" contains "$OUT" "Tijdlijn:"
check "case show: stage by name" contains "$OUT" "Verkennen"
check "case show: timeline with stage names" contains "$OUT" "fase: Signaal -> Verkennen"
scan "case show 1" "$OUT"
run kbn --db "$DB" case show 2
scan "case show 2" "$OUT"
run kbn --db "$DB" case list
check "case list: stages by name" contains "$OUT" "Verkennen"
scan "case list" "$OUT"
run kbn --db "$DB" org list
scan "org list" "$OUT"
run kbn --db "$DB" user list
scan "user list" "$OUT"
run kbn --db "$DB" triage list
check "triage list: the count in Dutch (plural message)" contains "$OUT" "2 casussen voor triage"
check "triage list: stage by name" contains "$OUT" "Signaal"
scan "triage list" "$OUT"

# ------------------------------------------------ TUI
tui_start 80 24 LC_ALL= LANG=nl_NL.UTF-8 LOCPATH="$LOCPATH_NL" KERNBOARD_LOCALEDIR=
tui_check "the board opens in Dutch" "Bakkerij" 10
tui_check "stage columns by their Dutch names" "Verkennen"
BOARD=$(tui_screen)
scan "board" "$BOARD"

# the triage inbox: its counts are Dutch plural messages
tui_keys T
tui_check "the triage inbox counts in Dutch" "Triage-inbox: nog 2 casussen" 5
tui_check "the triage inbox: days in the stage in Dutch" "Signaal, 0 dagen in deze fase"
TRIAGE=$(tui_screen)
check "the triage inbox: no English count" eval '! printf "%s" "$TRIAGE" | grep -qE "cases? left|days? in this stage"'
scan "triage inbox" "$TRIAGE"
# the help hint once in the footer, at 80 and at 200 columns (audit nl80 L4)
helps() { tui_screen | tail -n 1 | grep -oF '? hulp' | wc -l; }
check "triage footer at 80 columns: '? hulp' once" [ "$(helps)" -eq 1 ]
tmux -L "$SOCK" resize-window -t tui -x 200 -y 50
tui_check "triage at 200 columns shows the whole footer" "m vragen" 5
check "triage footer at 200 columns: '? hulp' once" [ "$(helps)" -eq 1 ]
tmux -L "$SOCK" resize-window -t tui -x 80 -y 24
tui_wait_gone 5 "m vragen" || true
tui_esc
tui_wait_gone 3 "Triage-inbox"

# the contacts screen: the status column as wide as its Dutch words
tui_keys O
tui_check "the contacts screen opens" "Kennismaking" 5
check "contacts: the status of a held contact moment whole" contains "$(tui_screen)" "gehouden "
tui_esc
tui_wait_gone 3 "Kennismaking"

# ':case show' on the command line opens the case view
tui_keys :
tui_type "case show 2"
tui_keys Enter
tui_check ":case show opens the case in Dutch" "Leegstand winkelcentrum" 5
tui_check ":case show: the confidentiality in Dutch" "openbaar"
scan ":case show" "$(tui_screen)"
tui_esc

# the case view of #1
tui_keys :
tui_type "case show 1"
tui_keys Enter
tui_check "the case view of #1 opens" "Bakkerij zoekt laadplek" 5
tui_check "the case view is Dutch" "Vertrouwelijkheid"
CASE=$(tui_screen)
check "case view: the confidentiality in Dutch" contains "$CASE" "vertrouwelijk"
scan "case view" "$CASE"
if printf '%s' "$CASE" | grep -q 'Trekkende afdeling[^ ]'; then
    kb_fail "case view: a label runs into its value"
    printf '%s\n' "$CASE" | sed 's/^/  | /'
else
    kb_pass "case view: labels and values are apart"
fi
if printf '%s' "$CASE" | grep -qE 'Bijgewerkt +[0-9-]+ [0-9:]+ \(v[0-9]+\)'; then
    kb_pass "case view: the version line fits"
else
    kb_fail "case view: the version line is cut"
    printf '%s\n' "$CASE" | sed 's/^/  | /'
fi
# the timeline is further down
tui_keys NPage NPage
tui_check "the timeline shows" "fase: Signaal -> Verkennen" 5
TL=$(tui_screen)
check "timeline: link kinds in Dutch" contains "$TL" "koppeling: #3 gerelateerd"
scan "timeline" "$TL"

# the edit form
tui_keys e
tui_check "the edit form opens in Dutch" "Casus #1 bewerken" 5
# (the title is drawn before the fields: wait for the last field checked
# below, so a capture mid-draw on a loaded machine is not read as missing)
tui_wait 5 "Dienstverlening" && tui_wait 5 " ja" || true
FORM=$(tui_screen)
check "form: the stage by name" contains "$FORM" "Verkennen"
check "form: the action line by name" contains "$FORM" "Dienstverlening"
check "form: the agenda answer in Dutch" contains "$FORM" " ja"
scan "form" "$FORM"
if printf '%s' "$FORM" | grep -qE 'Trekkende afdeling[^ ]|Volgende evaluatie[^ ]'; then
    kb_fail "form: a label runs into its value"
    printf '%s\n' "$FORM" | sed 's/^/  | /'
else
    kb_pass "form: labels and values are apart"
fi
# Dutch words typed in the form: the confidentiality as "intern"
tui_keys Escape
tui_wait_gone 3 "Casus #1 bewerken" || true
# a long title shows its start in the form until it is edited
tui_keys :
tui_type "edit 3"
tui_keys Enter
tui_check "the edit form of #3 opens" "Casus #3 bewerken" 5
if tui_screen | grep -qE '^> Titel +Kringloopbedrijf vraagt'; then
    kb_pass "form: a long title shows its start"
else
    kb_fail "form: a long title does not show its start"
    tui_screen | sed 's/^/  | /'
fi
tui_keys Escape
tui_wait_gone 3 "Casus #3 bewerken" || true

# the help screen
tui_keys '?'
tui_check "the help screen is Dutch" "Toetsen op dit scherm" 5
scan "help" "$(tui_screen)"
tui_esc
tui_stop

finish
