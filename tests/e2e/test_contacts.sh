#!/usr/bin/env bash
# Organisations, contact moments and my work (issue 12) end to end: an
# organisation named on a case or in `contact add` gets a record on the fly,
# kinds are accepted in Dutch, `contact list` says who made the contact, a
# contact moment near another department's warns on stderr (exit 0) and in
# the TUI's status line naming who and when, the window is a board setting;
# `action list --mine` comes by due date with the overdue first, `case list
# mine` lists the cases owned by the user or led by their department; the
# contacts screen (O) and my work (W) open from the board.
. "$(dirname "$0")/tui_lib.sh"
tui_setup
mkdir -p "$T/demo"

k() { kba --db "$DB" "$@"; }
kbob() { "$KB_BIN" --db "$DB" --user bob --passphrase-file "$T/bob.pass" "$@"; }
jcheck() {
    if printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($2) else 1)"; then
        kb_pass "$1"
    else
        kb_fail "$1: $(printf '%s' "$OUT" | head -c 600)"
    fi
}
day() { date -u -d "$1 days" +%F; }

printf 'member passphrase 1\n' >"$T/bob.pass"
chmod 600 "$T/bob.pass"
expect_rc 0 "user add bob (INC)" k user add bob --role member --dept INC \
    --new-passphrase-file "$T/bob.pass" --kdf interactive

# ---- organisations on the fly
expect_rc 0 "case add naming an organisation" k case add --title "Café de Zwaan wil uitbreiden" \
    --dept ECO --org "Café de Zwaan" --owner alice
run k org list --json
jcheck "org from a case" '[o["name"] for o in d]==["Café de Zwaan"] and d[0]["kind"]=="entrepreneur"'
expect_rc 0 "case add led by INC" k case add --title "Werkplekken voor statushouders" --dept INC \
    --org "Stichting Werkkracht"
expect_rc 0 "case edit naming another" k case edit 1 --org "café de zwaan; Bakkerij Jansen"
run k case show 1 --json
jcheck "the case keeps the stored spelling" 'd["orgs"]==["Café de Zwaan","Bakkerij Jansen"]'
expect_rc 0 "contact add without org add" k contact add "Fietsen BV" --date "$(day -20)" --dept ECO \
    --purpose "Kennismaking"
run k org list --json
jcheck "orgs from cases and contact add" \
    'sorted(o["name"] for o in d)==["Bakkerij Jansen","Café de Zwaan","Fietsen BV","Stichting Werkkracht"]'

# ---- kinds in English and Dutch
expect_rc 0 "org edit --kind stichting" k org edit "Stichting Werkkracht" --kind stichting \
    --contact "Els de Boer" --notes "Werkt met statushouders"
expect_rc 0 "org add --kind ondernemer" k org add "Kapsalon Knip" --kind ondernemer
expect_rc 0 "org add --kind overheid" k org add "Provincie" --kind overheid
expect_rc 0 "org add --kind partner" k org add "ROC Midden" --kind partner
run k org list --json
jcheck "Dutch kinds stored" \
    '{o["name"]:o["kind"] for o in d}["Kapsalon Knip"]=="entrepreneur" and {o["name"]:o["kind"] for o in d}["Stichting Werkkracht"]=="foundation" and {o["name"]:o["kind"] for o in d}["Provincie"]=="government" and {o["name"]:o["contact"] for o in d}["Stichting Werkkracht"]=="Els de Boer"'
expect_rc 65 "an unknown kind is refused" k org add "X" --kind koffie

# ---- contact moments: who, and the warning
expect_rc 0 "bob plans a contact" kbob contact add "Café de Zwaan" --date "$(day +3)" --dept INC \
    --purpose "Werkplekken"
[ -z "$ERR" ] && kb_pass "no warning without another department" || kb_fail "stderr: $ERR"
expect_rc 0 "a contact near another department's exits 0" k contact add "café de zwaan" \
    --date "$(day +5)" --dept ECO --purpose "Terras"
contains "$ERR" "warning: INC (bob) also has contact with Café de Zwaan on $(day +3): Werkplekken" &&
    kb_pass "the warning on stderr names who and when" || kb_fail "stderr: $ERR"
run k contact list
contains "$OUT" "bob" && contains "$OUT" "alice" && contains "$OUT" "INC" &&
    kb_pass "contact list says who" || kb_fail "contact list: $OUT"
contains "$OUT" "planned" && contains "$OUT" "held" && kb_pass "planned and held" ||
    kb_fail "contact list: $OUT"
run k contact list "Café de Zwaan" --json
jcheck "contact list --json: dept and user" \
    '[(c["dept"],c["user"],c["planned"]) for c in d]==[("INC","bob",True),("ECO","alice",True)]'

# the window is a board setting
run k contact window
check "the default window is 14 days" [ "$OUT" = 14 ]
expect_rc 77 "a member may not change it" kbob contact window 2
expect_rc 0 "the admin sets it" k contact window 1
expect_rc 0 "outside the window: no warning" k contact add "Café de Zwaan" --date "$(day +8)" \
    --dept DUU
[ -z "$ERR" ] && kb_pass "no warning outside the board's window" || kb_fail "stderr: $ERR"
expect_rc 0 "--window overrides it" k contact add "Café de Zwaan" --date "$(day +9)" --dept DUU \
    --window 30
contains "$ERR" "INC (bob)" && kb_pass "--window 30 warns" || kb_fail "stderr: $ERR"
expect_rc 0 "back to 14 days" k contact window 14

# ---- my work on the command line
expect_rc 0 "action later" k action add 1 --text "Later" --owner alice --due "$(day +5)"
expect_rc 0 "action overdue" k action add 1 --text "Te laat" --owner alice --due "$(day -2)"
expect_rc 0 "action without a date" k action add 2 --text "Ooit" --owner alice
expect_rc 0 "action of bob" k action add 2 --text "Van bob" --owner bob --due "$(day -9)"
run k action list --mine --json
jcheck "action list --mine: overdue first, by due date, no date last" \
    '[a["text"] for a in d]==["Te laat","Later","Ooit"]'
run k case list mine --json
jcheck "case list mine: owned by alice" '[c["id"] for c in d]==[1]'
run kbob case list mine --json
jcheck "case list mine: led by bob's department" '[c["id"] for c in d]==[2]'

# ---- the demo board has organisation records and contact moments
expect_rc 0 "demo board" kb demo "$T/demo/d.kb" --kdf interactive
kdemo() { "$KB_BIN" --db "$T/demo/d.kb" --user makelaar --passphrase-file "$T/demo/demo-passphrase.txt" "$@"; }
run kdemo org list --json
jcheck "demo: the organisations its cases name are records" \
    'len(d)>=25 and {o["name"]:o["kind"] for o in d}["Stichting Werkkracht Noord"]=="foundation"'
run kdemo contact list --json
jcheck "demo: contact moments, held and planned, by several departments" \
    'len(d)>=5 and any(c["planned"] for c in d) and not all(c["planned"] for c in d) and len({c["dept"] for c in d})>=4'

# ---- the TUI: contacts screen, a contact moment from a case, my work
tui_start 120 36
tui_check "board" "Café de Zwaan" 10
tui_keys O
tui_check "O opens the contacts screen" "Organisations (7)"
tui_check "the first organisation's cases" "#1    Café de Zwaan wil uitbreiden"
tui_keys j
tui_check "an organisation's contact moments: who and when" "$(day +3) planned INC  bob"
tui_check "and the purpose" "Werkplekken"
# (the contacts screen lists the case too: wait until it is gone, or the
# ':' below can arrive within the Escape delay and read as Alt-:)
tui_keys Escape
tui_wait_gone 5 "Organisations (7)" && kb_pass "the contacts screen closes" ||
    kb_fail "Escape did not close the contacts screen"
tui_check "back on the board" "Café de Zwaan wil"
# from the case: C, the case's first organisation filled in
tui_keys :
tui_type "show 1"
tui_keys Enter
tui_check "case view" "#1  Café de Zwaan wil uitbreiden"
tui_keys C
tui_check "the contact moment form" "New contact moment (case #1)"
tui_check "the department: the case's lead department (alice has none)" "Department    ECO"
tui_type "Vergunning"
tui_keys Tab Tab Tab C-u
tui_type "Nergens"
tui_keys Enter
tui_check "an unknown department is refused in the form" "unknown department 'Nergens'"
tui_keys C-u
tui_type "economy"
tui_keys Enter
tui_check "the TUI warns naming who and when" \
    "Warning: INC (bob) also has contact with Café de Zwaan on $(day +3): Werkplekken"
run k contact list "Café de Zwaan" --json
jcheck "the TUI's contact moment is stored" \
    'any(c["purpose"]=="Vergunning" and c["user"]=="alice" and c["dept"]=="ECO" for c in d)'
tui_esc
tui_keys W
tui_check "W opens my work" "My action items (3 open, 1 overdue)"
tui_check "overdue item listed" "Te laat"
tui_check "my cases" "My cases (1:"
tui_esc
# from the contacts screen: a, for the selected organisation
tui_keys O
tui_check "contacts again" "Organisations (7)"
tui_keys j
tui_check "Café de Zwaan selected" "Contact moments (5)"
tui_keys a
tui_check "the form for the selected organisation" "Organisation  Café de Zwaan"
# it opens on the empty department (needed), not on the purpose after it
tui_type "DUU"
tui_check "the cursor was on the department" "Department    DUU"
tui_keys Tab
tui_type "Energiescan"
tui_check "then the purpose" "Purpose       Energiescan"
tui_keys Enter
tui_check "the warning from the contacts screen (and how many more)" \
    "Warning: ECO (alice) also has contact with Café de Zwaan on $(day +0): Vergunning (and 2 more)"
tui_check "the screen shows the new contact moment" "Energiescan"
tui_quit
check "exit status 0" [ "$TUI_RC" = 0 ]
if [ -s "$TUI_ERR" ]; then kb_fail "stderr: $(head -c 400 "$TUI_ERR")"; fi
finish
