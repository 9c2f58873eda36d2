#!/usr/bin/env bash
# test_import_staged.sh - a large import is staged (issue 16: a writer
# during an import waits at most one bounded transaction; docs/storage.md
# "Staged imports"):
#   (a) an import of 2 000 cases, staged in small transactions
#       (KERNBOARD_IMPORT_STAGED=0, KERNBOARD_IMPORT_CHUNK=300), held
#       between two of them by the testing hook KERNBOARD_IMPORT_PAUSE (no
#       lock held there).  Meanwhile, on the same board: `case comment`
#       (lock timeout 3 s) succeeds; `case list`, `case show`, `export` and
#       the board's counts show none of the imported cases; `verify` passes;
#       `case add` gets a number after the import's; a second import is
#       refused (69) naming the user who imports.  After the pause, the
#       import exits 0 and every case is there, with the comment and the
#       added case; the audit log names import.begin, import.stage and
#       import.finish; verify passes;
#   (b) the same file again is refused (65: its cases exist) and leaves
#       nothing behind: the case count is unchanged, the records it staged
#       were deleted (import.discard), verify passes;
#   (c) an import killed (SIGKILL) while paused after staged work: the board
#       verifies and shows none of it; the next import removes what was left
#       (import.discard), imports and verifies;
#   (d) the board file stays a real LMDB file with a "stage" table only
#       while an import is unfinished;
#   (e) a bad KERNBOARD_IMPORT_CHUNK is a usage error (64) naming it.
# No fixed sleeps: each step waits for the import's progress line or exit.
. "$(dirname "$0")/lib.sh"
kb_setup

GEN=${KB_GENBOARD:-}
[ -n "$GEN" ] && [ -x "$GEN" ] || GEN=$KB_BUILD/tests/kb-genboard
[ -x "$GEN" ] || die "no kb-genboard (KB_GENBOARD) to make the board"
CASES=2000

SRC=$T/src.kb
init_board "$SRC"
"$GEN" "$SRC" alice "$PASS" "$CASES" 5000 >"$T/gen.out" 2>"$T/gen.err" ||
    die "kb-genboard: $(cat "$T/gen.err")"
kba --db "$SRC" export --format json --out "$T/x.json" 2>"$T/x.err" || die "export: $(cat "$T/x.err")"
# the file's cases numbered from 10001, so a board with its own case #1
# takes them (comments and action items follow their case)
python3 - "$T/x.json" "$T/x4.json" <<'EOF' || die "renumbering the export failed"
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["cases"]:
    c["id"] += 10000
for a in d["actions"]:
    a["case"] += 10000
for l in d["links"]:
    l["from"] += 10000
    l["to"] += 10000
json.dump(d, open(sys.argv[2], "w"))
EOF

export KERNBOARD_LOCK_TIMEOUT_MS=3000
staged() {
    KERNBOARD_IMPORT_STAGED=0 KERNBOARD_IMPORT_CHUNK=300 KERNBOARD_IMPORT_PAUSE=$T/pause "$@"
}
ncases() { kba --db "$1" case list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
has_stage() { mdb_stat -n -s stage "$1" >/dev/null 2>&1; }
# the import in the background as one process ($! is kernboard itself)
import_bg() {
    env KERNBOARD_IMPORT_STAGED=0 KERNBOARD_IMPORT_CHUNK=300 KERNBOARD_IMPORT_PAUSE="$T/pause" \
        "$KB_BIN" --user alice --passphrase-file "$PASS" --db "$1" import "$2" --progress \
        >"$T/imp.out" 2>"$T/imp.err" &
    IPID=$!
}
log_has() { kba --db "$1" log | awk '{print $4}' | grep -qx "$2"; }

# ---- (a) a writer and readers during a paused import
B=$T/b.kb
init_board "$B"
expect_rc 0 "a case of the board's own (#1)" kba --db "$B" case add --title "Eigen zaak" --dept ECO
touch "$T/pause"
import_bg "$B" "$T/x4.json"
at_exit "kill $IPID 2>/dev/null"
wait_for 300 grep -q "^import: " "$T/imp.err" || die "the import showed no progress: $(cat "$T/imp.err")"
check "the import runs (paused between two staged transactions)" kill -0 "$IPID"
check "the progress line says the board shows the cases at the end" contains "$(head -1 "$T/imp.err")" "when the import has finished"
expect_rc 0 "case comment during the import" kba --db "$B" case comment 1 "Geschreven tijdens de import"
expect_rc 0 "case list during the import" kba --db "$B" case list --json
check "case list shows the board's one case only" [ "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ]
expect_rc 66 "case show of an imported case: not there yet" kba --db "$B" case show 10002
expect_rc 0 "export during the import" kba --db "$B" export --format json --out "$T/during.json"
check "the export has the board's one case" [ "$(json_get cases "$T/during.json" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ]
expect_rc 0 "verify during the import" kba --db "$B" verify
check "verify says an import is under way" contains "$OUT" "An import is under way"
expect_rc 0 "verify --json during the import" kba --db "$B" verify --json
check "with the unfinished import's records, running" [ "$(printf '%s' "$OUT" | json_get unfinished_import.running)" = true ]
expect_rc 0 "case add during the import" kba --db "$B" case add --title "Tijdens de import" --dept ECO
check "the added case is numbered after the import's ($OUT)" [ "$OUT" = "#12001" ]
expect_rc 69 "a second import meanwhile is refused" staged kba --db "$B" import "$T/x4.json"
check "the refusal names who imports" contains "$ERR" "alice on"
check "the board has a stage table while the import is unfinished" has_stage "$B"
check "mdb_stat reads the board (a real LMDB file)" mdb_stat -n -a "$B"
rm -f "$T/pause"
wait "$IPID"
IRC=$?
check "the import exits 0 (got $IRC: $(tail -1 "$T/imp.err"))" [ "$IRC" = 0 ]
check "it reports 2000 cases" contains "$(cat "$T/imp.out")" "Imported 2000 cases"
check "every case is there: 2000 + 2 ($(ncases "$B"))" [ "$(ncases "$B")" = 2002 ]
expect_rc 0 "an imported case shows" kba --db "$B" case show 10002
expect_rc 0 "case #1 shows" kba --db "$B" case show 1
check "with the comment made during the import" contains "$OUT" "Geschreven tijdens de import"
for a in import.begin import.stage import.finish; do
    check "the audit log names $a" log_has "$B" "$a"
done
check "no stage table once the import finished" eval '! has_stage "$B"'
expect_rc 0 "verify after the import" kba --db "$B" verify
kba --db "$B" export --format json --out "$T/after.json" || die "export after the import"
check "the export holds the file's cases" python3 - "$T/x4.json" "$T/after.json" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
want = {c["id"]: c["title"] for c in a["cases"]}
have = {c["id"]: c["title"] for c in b["cases"]}
assert all(have.get(k) == v for k, v in want.items()), "a case differs"
assert len(b["actions"]) == len(a["actions"]), (len(b["actions"]), len(a["actions"]))
EOF

# ---- (b) all or nothing: the same file again
expect_rc 65 "the same file again is refused" staged kba --db "$B" import "$T/x4.json"
check "it names an existing case" contains "$ERR" "already exists"
check "the case count is unchanged ($(ncases "$B"))" [ "$(ncases "$B")" = 2002 ]
check "no stage table is left" eval '! has_stage "$B"'
expect_rc 0 "verify after the refused import" kba --db "$B" verify

# ---- (c) an import killed after staged work
C=$T/c.kb
init_board "$C"
expect_rc 0 "a case of the board's own" kba --db "$C" case add --title "Eigen zaak" --dept ECO
touch "$T/pause"
: >"$T/imp.err"
import_bg "$C" "$T/x4.json"
wait_for 300 grep -q "^import: " "$T/imp.err" || die "the import showed no progress: $(cat "$T/imp.err")"
kill -9 "$IPID"
wait "$IPID" 2>/dev/null
rm -f "$T/pause"
expect_rc 0 "verify after the killed import" kba --db "$C" verify
check "verify says an import was left unfinished" contains "$OUT" "did not finish"
check "the board shows none of it ($(ncases "$C"))" [ "$(ncases "$C")" = 1 ]
check "what it staged is still stored, aside" has_stage "$C"
expect_rc 0 "a comment after the killed import" kba --db "$C" case comment 1 "Na de afgebroken import"
expect_rc 0 "the next import removes what was left and imports" staged kba --db "$C" import "$T/x4.json"
check "the audit log names import.discard" log_has "$C" import.discard
check "every case is there once ($(ncases "$C"))" [ "$(ncases "$C")" = 2001 ]
expect_rc 0 "verify after the import" kba --db "$C" verify

# ---- (e) the chunk setting
expect_rc 64 "a bad KERNBOARD_IMPORT_CHUNK is a usage error" env KERNBOARD_IMPORT_CHUNK=0 "$KB_BIN" --user alice --passphrase-file "$PASS" --db "$C" case list
check "naming the variable" contains "$ERR" "KERNBOARD_IMPORT_CHUNK"
finish
