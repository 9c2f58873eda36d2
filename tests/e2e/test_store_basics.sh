#!/usr/bin/env bash
# test_store_basics.sh - the CLI contract of SPEC §5 on one board: init,
# exit codes (77 wrong passphrase, 66 no board/record, 64 usage, 75 stale
# version), add/show/edit/comment round trip, options from the environment,
# and a clean `verify`.
. "$(dirname "$0")/lib.sh"
kb_setup

B=$T/board.kb
expect_rc 0 "init creates a board" kba init "$B" --kdf interactive
check "init created BOARD and BOARD.lock" [ -f "$B" -a -f "$B.lock" ]
check "board file has no world access" [ $(($(stat -c %#a "$B") & 7)) -eq 0 ]
expect_rc 0 "first verify" kba --db "$B" verify

run kba init "$B" --kdf interactive
check "init refuses an existing board (exit $RC, not 0, no crash)" [ "$RC" != 0 -a "$RC" -lt 128 ]

# Wrong passphrase: 77 and exactly one line on stderr.
expect_rc 77 "wrong passphrase" kb --db "$B" --user alice --passphrase-file "$BADPASS" case list
check "wrong passphrase: one line on stderr ($(printf '%s' "$ERR" | head -c 200))" \
    [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ]
expect_rc 77 "wrong passphrase (verify)" kb --db "$B" --user alice --passphrase-file "$BADPASS" verify

# Missing board, unknown record.
expect_rc 66 "missing board" kba --db "$T/nope.kb" case list
check "missing board: one line on stderr" [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ]
expect_rc 66 "unknown case number" kba --db "$B" case show 999

# Usage errors.
expect_rc 64 "unknown command" kba --db "$B" frobnicate
expect_rc 64 "unknown option (case show)" kba --db "$B" case show 1 --frobnicate
expect_rc 64 "unknown option (case add; nothing added)" kba --db "$B" case add --title x --frobnicate
expect_rc 64 "unknown global option" kba --frobnicate --db "$B" case show 1
expect_rc 64 "unknown case subcommand" kba --db "$B" case frobnicate
expect_rc 64 "case add without --title" kba --db "$B" case add

# Add / show round trip.
expect_rc 0 "case add" kba --db "$B" case add --title "Bakery needs a loading zone" \
    --description "Signal from the Markt street bakery"
check "case add prints #1 ($OUT)" contains "$OUT" "#1"
expect_rc 0 "case add --json" kba --db "$B" case add --title "Second case" --json
check "case add --json gives id 2" [ "$(printf '%s' "$OUT" | json_get id 2>/dev/null)" = 2 ]

expect_rc 0 "case show 1 --json" kba --db "$B" case show 1 --json
J1=$OUT
check "show: id" [ "$(printf '%s' "$J1" | json_get id)" = 1 ]
check "show: title" [ "$(printf '%s' "$J1" | json_get title)" = "Bakery needs a loading zone" ]
check "show: description" [ "$(printf '%s' "$J1" | json_get description)" = "Signal from the Markt street bakery" ]
V1=$(printf '%s' "$J1" | json_get version 2>/dev/null)
check "show: version is a number ($V1)" is_int "$V1"
expect_rc 0 "case show '#1' (hash form)" kba --db "$B" case show '#1' --json
expect_rc 0 "case show 1 (text)" kba --db "$B" case show 1
check "text show names the title" contains "$OUT" "Bakery needs a loading zone"

# Global options anywhere on the line, and from the environment.
expect_rc 0 "global options after the command" kb case show 1 --json --db "$B" --passphrase-file "$PASS" --user alice
expect_rc 0 "options from KERNBOARD_DB/USER/PASSPHRASE_FILE" \
    env KERNBOARD_DB="$B" KERNBOARD_USER=alice KERNBOARD_PASSPHRASE_FILE="$PASS" "$KB_BIN" case show 1 --json
check "env options: same title" [ "$(printf '%s' "$OUT" | json_get title 2>/dev/null)" = "Bakery needs a loading zone" ]

# Edit with the right version.
expect_rc 0 "case edit --expect-version (current)" kba --db "$B" case edit 1 \
    --title "Bakery loading zone" --description "Updated" --expect-version "$V1"
run kba --db "$B" case show 1 --json
J2=$OUT
V2=$(printf '%s' "$J2" | json_get version 2>/dev/null)
check "edit: new title" [ "$(printf '%s' "$J2" | json_get title)" = "Bakery loading zone" ]
check "edit: new description" [ "$(printf '%s' "$J2" | json_get description)" = "Updated" ]
check "edit: version increased ($V1 -> $V2)" int_gt "$V2" "$V1"

# Stale version: 75, nothing changed.
expect_rc 75 "case edit with stale --expect-version" kba --db "$B" case edit 1 --title "Lost" --expect-version "$V1"
check "conflict message on stderr" [ -n "$ERR" ]
check "the conflict names who changed it: by you ($ERR)" \
    contains "$ERR" "changed by alice (you) at"
printf 'bob passphrase 2\n' >"$T/bob.pass"
chmod 600 "$T/bob.pass"
expect_rc 0 "add user bob" kba --db "$B" user add bob --role member --new-passphrase-file "$T/bob.pass" --kdf interactive
expect_rc 0 "bob edits the case" kb --db "$B" --user bob --passphrase-file "$T/bob.pass" case edit 1 \
    --description "Updated by bob"
run kba --db "$B" case show 1 --json
J2=$OUT
expect_rc 75 "alice's stale edit after bob's" kba --db "$B" case edit 1 --title "Lost" --expect-version "$V2"
check "the conflict names bob and when ($ERR)" eval 'contains "$ERR" "changed by bob at" && ! contains "$ERR" "someone else"'
run kba --db "$B" case show 1 --json
check "stale edit changed nothing" [ "$OUT" = "$J2" ]

# Comment.
expect_rc 0 "case comment" kba --db "$B" case comment 1 "Called the owner; meeting on Tuesday"
run kba --db "$B" case show 1 --json
J3=$OUT
run kba --db "$B" case show 1
check "comment appears in case show (text or JSON)" contains "$OUT$J3" "Called the owner; meeting on Tuesday"
check "other case untouched" [ "$(kba --db "$B" case show 2 --json | json_get title)" = "Second case" ]

expect_rc 0 "case list --json" kba --db "$B" case list --json
check "case list has 2 cases" [ "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ]

expect_rc 0 "verify after changes" kba --db "$B" verify
finish
