#!/usr/bin/env bash
# test_demo.sh - `kernboard demo BOARD` (used by scripts/demo): a board with
# about 40 Dutch example cases over 8 departments, with overdue action items
# and cross-domain cases, that verifies; the passphrase file next to it
# opens it; running it again on the same path exits 73 and changes nothing;
# a demo that fails half-way leaves no board behind.
. "$(dirname "$0")/lib.sh"
kb_setup

D=$T/demo
mkdir -p "$D"
B=$D/kernteam.kb
P=$D/demo-passphrase.txt
kbd() { "$KB_BIN" --db "$B" --user makelaar --passphrase-file "$P" "$@"; }

expect_rc 0 "demo creates the board" kb demo "$B"
check "demo created BOARD and BOARD.lock" [ -f "$B" -a -f "$B.lock" ]
check "demo prints the passphrase" contains "$OUT" "demo passphrase: kernteam-demo"
check "demo prints how to open it" contains "$OUT" "--user makelaar"
check "demo-passphrase.txt next to the board" [ -f "$P" ]
check "demo-passphrase.txt has mode 0600" [ "$(stat -c %a "$P" 2>/dev/null)" = 600 ]

expect_rc 0 "case list --json" kbd --json case list
printf '%s' "$OUT" >"$T/cases.json"
NCASES=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/cases.json" 2>/dev/null)
check "about 40 cases ($NCASES)" [ "${NCASES:-0}" -ge 35 -a "${NCASES:-0}" -le 50 ]
MULTI=$(python3 -c '
import json, sys
cs = json.load(open(sys.argv[1]))
print(sum(1 for c in cs if len(set([c["lead_dept"]] + c["depts"])) > 1))' "$T/cases.json" 2>/dev/null)
check "at least 3 cases with more than one department ($MULTI)" [ "${MULTI:-0}" -ge 3 ]
STAGES=$(python3 -c '
import json, sys
print(len({c["stage"] for c in json.load(open(sys.argv[1]))}))' "$T/cases.json" 2>/dev/null)
check "cases in every one of the 5 stages ($STAGES)" [ "${STAGES:-0}" = 5 ]
check "Dutch demo data (a festival case)" contains "$OUT" "Zomer aan de Gracht"

expect_rc 0 "dept list --json" kbd --json dept list
NDEPTS=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
check "8 departments ($NDEPTS)" [ "${NDEPTS:-0}" = 8 ]
check "departments have Dutch names" contains "$OUT" "Economie"

expect_rc 0 "action list --overdue --json" kbd --json action list --overdue
NOVER=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
check "at least one overdue action item ($NOVER)" [ "${NOVER:-0}" -ge 1 ]

expect_rc 0 "user list" kbd user list
check "the team is on the board" contains "$OUT" "fatima.elamrani"
expect_rc 0 "a member opens the board with the demo passphrase" \
    "$KB_BIN" --db "$B" --user jan.devries --passphrase-file "$P" case show 4
check "the past meeting's decision is on the case" contains "$OUT" "Besloten dat Pieter Bakker"
run kbd meeting list --json
MEET=$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), len(d[0]["agenda"]), len(d[0]["attendees"]))' 2>/dev/null)
check "one past meeting with agenda and attendees ($MEET)" [ "${MEET%% *}" = 1 ]
run kbd meeting show M1 --json
NDEC=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["decisions"]))' 2>/dev/null)
check "the meeting has its decisions ($NDEC)" [ "${NDEC:-0}" -ge 5 ]

expect_rc 0 "verify passes" kbd verify
expect_rc 0 "export --format md" kbd export --format md

SUM=$(sha256sum "$B" | cut -d' ' -f1)
expect_rc 73 "demo again on the same path" kb demo "$B"
check "second demo left the board alone" [ "$(sha256sum "$B" | cut -d' ' -f1)" = "$SUM" ]
expect_rc 65 "demo with a bad --kdf" kb demo "$D/other.kb" --kdf fast
check "bad --kdf created nothing" [ ! -e "$D/other.kb" ]
expect_rc 73 "demo into a missing directory" kb demo "$T/missing/dir/x.kb"
check "failed demo left no files" [ ! -e "$T/missing" ]
# A failure after the board was created (here: the passphrase file cannot
# be written) removes the half-made board.
mkdir -p "$T/half/demo-passphrase.txt"
expect_rc 73 "demo fails when the passphrase file cannot be written" kb demo "$T/half/x.kb"
check "the half-made board was removed" [ ! -e "$T/half/x.kb" -a ! -e "$T/half/x.kb.lock" ]

finish
