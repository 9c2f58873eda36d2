#!/usr/bin/env bash
# The report screen and saved views end to end (tmux): R shows the report
# with block-character charts (ASCII under LANG=C); a shared view saved by
# a broker with `:view save NAME --shared` in one TUI is picked with v by a
# member in another TUI and works in `case list @NAME`; a personal view is
# not visible to others; the filter history survives a restart.
. "$(dirname "$0")/tui_lib.sh"
tui_setup
lacks() { ! contains "$@"; }

for u in bea mo; do
    printf '%s passphrase 9\n' "$u" >"$T/$u.pass"
    chmod 600 "$T/$u.pass"
done
kba --db "$DB" user add bea --role broker --new-passphrase-file "$T/bea.pass" --kdf interactive \
    >/dev/null || die "user add bea"
kba --db "$DB" user add mo --role member --new-passphrase-file "$T/mo.pass" --kdf interactive \
    >/dev/null || die "user add mo"
kba --db "$DB" stage edit signal --norm-days 14 >/dev/null || die "stage edit"
kba --db "$DB" case add --title "Café Zuid zoekt personeel" --dept ECO >/dev/null || die "case add"
kba --db "$DB" case add --title "Leegstand winkelcentrum" --dept VAS >/dev/null || die "case add"
kba --db "$DB" case add --title "Starters microkrediet" --dept ECO --stage explore >/dev/null ||
    die "case add"
kbu() { # kbu USER ARGS... - the CLI as USER, all users from one OS account (one config dir)
    local u=$1
    shift
    XDG_CONFIG_HOME=$T/shared-config "$KB_BIN" --db "$DB" --user "$u" --passphrase-file "$T/$u.pass" "$@"
}

# ---- the report screen, UTF-8
tui_start 80 24
tui_check "board" "Café Zuid" 10
tui_keys R
tui_check "R opens the report" "Cases per stage and department"
tui_check "bars in block characters" "█"
tui_keys PageDown
tui_check "the report scrolls" "Lead time from first to last stage"
tui_esc
tui_check "back to the board" "Embedded/Done"
tui_quit

# ---- LANG=C: ASCII charts
tui_start 80 24 LC_ALL=C
tui_check "board (C)" "Leegstand" 10
tui_keys R
tui_check "report (C)" "Cases per stage and department"
tui_check "ASCII bars" "##"
tui_has "█" && kb_fail "block characters under LANG=C" || kb_pass "no block characters under LANG=C"
tui_quit

# ---- the broker saves a shared view in her TUI
mkdir -p "$T/bea-config" "$T/mo-config"
TUI_USER=bea TUI_PASS=$T/bea.pass tui_start 100 30 XDG_CONFIG_HOME="$T/bea-config"
tui_check "broker's board" "Café Zuid" 10
tui_keys /
tui_type "dept:ECO"
tui_keys Enter
tui_check "broker filters" "filter: dept:ECO (2/3)"
tui_keys :
tui_type "view save eco-cases --shared"
tui_keys Enter
tui_check ":view save saves the active filter" "Saved shared view @eco-cases: dept:ECO"
tui_keys s
tui_check "s sorts the cards" "Cards sorted by priority"
tui_quit

# ---- a member picks it in another TUI, and saves a personal one
TUI_USER=mo TUI_PASS=$T/mo.pass tui_start 100 30 XDG_CONFIG_HOME="$T/mo-config"
tui_check "member's board" "Leegstand" 10
tui_keys v
tui_check "v lists the shared view" "@eco-cases"
tui_keys Enter
tui_check "the view is applied" "filter: dept:ECO (2/3)"
tui_wait_gone 2 "Leegstand" && kb_pass "the view filters the board" || kb_fail "Leegstand still shown"
tui_keys /
tui_keys C-u
tui_type "#2"
tui_keys Enter
tui_check "filter #2" "filter: #2 (1/3)"
tui_keys :
tui_type "view save just-two"
tui_keys Enter
tui_check "member saves a personal view" "Saved personal view @just-two: #2"
tui_quit

expect_rc 0 "member: case list @eco-cases" kbu mo case list @eco-cases
check "the shared view lists the ECO cases" contains "$OUT" "Starters microkrediet"
check "and not the others" lacks "$OUT" "Leegstand"
expect_rc 0 "broker: view list" kbu bea view list --json
check "the broker sees the shared view" contains "$OUT" "eco-cases"
check "a personal view is not visible to others" lacks "$OUT" "just-two"
expect_rc 66 "broker cannot use the member's personal view" kbu bea case list @just-two
expect_rc 0 "member: view list" kbu mo view list --json
check "the member sees their personal view" contains "$OUT" "just-two"

# ---- the filter history survives a restart
TUI_USER=mo TUI_PASS=$T/mo.pass tui_start 100 30 XDG_CONFIG_HOME="$T/mo-config"
tui_check "member's board again" "Leegstand" 10
tui_keys /
tui_keys Up
tui_check "the last filter is in the history after a restart" "/#2"
tui_esc
tui_quit
hist=$XDG_STATE_HOME/kernboard/filter_history
check "the history file is private" [ "$(stat -c %a "$hist")" = 600 ]

finish
