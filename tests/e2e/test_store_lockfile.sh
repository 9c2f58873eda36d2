#!/usr/bin/env bash
# test_store_lockfile.sh - the lock file's identity (issue 15, item 1).
#
# 1. BOARD.lock is deleted and a copy put back while a writer (kb-stress
#    incr) runs: the running writer and a second writer both get a one-line
#    error that says what happened, nothing is lost or corrupted (the counter
#    equals the writer's acknowledged increments) and verify passes.  The
#    replacement happens after observed progress, never after a sleep.
# 2. A deleted lock file: open says it is missing and names
#    'doctor --repair-lock'; the repair is refused while a session still
#    holds the old file, works once it has closed, and the board verifies.
# 3. An empty lock file gives a clear message (not a stale errno); a board
#    restored without its lock file, or with a newer board's lock file,
#    is repaired the same way.
# 4. No message tells an operator to copy or restore a lock file.
. "$(dirname "$0")/lib.sh"
kb_setup
[ -x "${KB_STRESS:-}" ] || skip "KB_STRESS (kb-stress) not given"
B=$T/b.kb
init_board "$B"
kba --db "$B" case add --title 0 >/dev/null || die "case add failed"

one_line() { [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; }
lacks() { ! contains "$1" "$2"; }
progress_ge() { [ -s "$1" ] && [ "$(cat "$1")" -ge "$2" ]; }

# ---- 1. replaced under a running writer, and a second writer
KB_STRESS_PROGRESS=$T/w1.progress KB_STRESS_HOLD=$T/w1.release \
    "$KB_STRESS" incr "$B" alice "$PASS" 1 1000000 >"$T/w1.out" 2>"$T/w1.err" &
W1=$!
at_exit "kill $W1 2>/dev/null; touch $T/w1.release"
wait_for 120 progress_ge "$T/w1.progress" 5 || die "writer 1 made no progress: $(cat "$T/w1.err")"
cp "$B.lock" "$T/x"
rm "$B.lock"
cp "$T/x" "$B.lock"
# writer 1 notices at its next transaction and holds the board open
wait_for 60 grep -q "holding the board open" "$T/w1.err" || die "writer 1 did not stop: $(cat "$T/w1.err")"
E1=$(grep -v "holding the board open" "$T/w1.err")
check "writer 1: one error line" one_line "$E1"
check "writer 1: says the lock file was deleted or replaced" grep -qE "lock file .* was (deleted|replaced)" <<<"$E1"
check "writer 1: nothing was changed" contains "$E1" "nothing was changed"
# a second writer opens the copy while writer 1 still has the board open
expect_rc 74 "second writer (case edit) is refused" kba --db "$B" case edit 1 --title 999999
check "second writer: one error line" one_line "$ERR"
check "second writer: says another session uses a different lock file" contains "$ERR" "different lock file"
"$KB_STRESS" incr "$B" alice "$PASS" 1 5 >"$T/w2.out" 2>"$T/w2.err"
W2RC=$?
check "second kb-stress writer is refused (exit $W2RC)" [ "$W2RC" = 74 ]
DONE2=$(sed -n 's/^done \([0-9]*\) .*/\1/p' "$T/w2.out")
check "second kb-stress writer: saved nothing" [ "${DONE2:-0}" = 0 ]
check "second kb-stress writer: says why" grep -q "different lock file" "$T/w2.err"
touch "$T/w1.release"
wait "$W1"
W1RC=$?
check "writer 1 exits 74 (got $W1RC)" [ "$W1RC" = 74 ]
DONE=$(sed -n 's/^done \([0-9]*\) .*/\1/p' "$T/w1.out")
check "writer 1 acknowledged increments ($DONE)" int_gt "${DONE:-0}" 4
expect_rc 0 "verify passes after both were refused" kba --db "$B" verify
TITLE=$(kba --db "$B" case show 1 --json | json_get title)
check "the counter is exactly writer 1's acknowledged increments ($TITLE = $DONE)" [ "$TITLE" = "$DONE" ]
# with writer 1 gone the copy is harmless: writes work again
expect_rc 0 "a write works once the old session has closed" kba --db "$B" case edit 1 --title "$((DONE + 1))"
expect_rc 0 "verify passes" kba --db "$B" verify

# ---- 2. deleted while a session holds it; doctor --repair-lock
KB_STRESS_PROGRESS=$T/w3.progress KB_STRESS_HOLD=$T/w3.release \
    "$KB_STRESS" incr "$B" alice "$PASS" 1 1000000 >"$T/w3.out" 2>"$T/w3.err" &
W3=$!
at_exit "kill $W3 2>/dev/null; touch $T/w3.release"
wait_for 120 progress_ge "$T/w3.progress" 2 || die "writer 3 made no progress: $(cat "$T/w3.err")"
rm "$B.lock"
wait_for 60 grep -q "holding the board open" "$T/w3.err" || die "writer 3 did not stop"
check "writer 3: says the lock file was deleted" grep -q "was deleted while this session" "$T/w3.err"
check "writer 3: names doctor --repair-lock" grep -q "doctor --repair-lock" "$T/w3.err"
expect_rc 66 "open without a lock file: exit 66" kba --db "$B" case show 1
check "missing: one line" one_line "$ERR"
check "missing: names doctor --repair-lock" contains "$ERR" "doctor --repair-lock"
expect_rc 69 "repair-lock is refused while a session holds the old lock file" kb doctor --repair-lock "$B"
check "refusal: one line" one_line "$ERR"
check "refusal: says a session still has the board open" contains "$ERR" "still has board"
check "refusal: no lock file was created" [ ! -e "$B.lock" ]
touch "$T/w3.release"
wait "$W3"
DONE3=$(sed -n 's/^done \([0-9]*\) .*/\1/p' "$T/w3.out")
expect_rc 0 "repair-lock once every session has closed" kb doctor --repair-lock "$B"
check "repair: says it created a lock file" contains "$OUT" "Created a new lock file"
check "repair: the lock file exists" [ -s "$B.lock" ]
check "repair: the lock file has no world access" [ "$(stat -c %a "$B.lock")" = "$(stat -c %a "$B" | sed 's/.$/0/')" ]
expect_rc 0 "verify passes after the repair" kba --db "$B" verify
TITLE=$(kba --db "$B" case show 1 --json | json_get title)
check "nothing acknowledged was lost ($TITLE = $((DONE + 1 + DONE3)))" [ "$TITLE" = "$((DONE + 1 + DONE3))" ]
expect_rc 0 "repair-lock on a sound lock file changes nothing" kb --json doctor --repair-lock "$B"
check "sound: reported unchanged" [ "$(printf '%s' "$OUT" | json_get lock_file)" = unchanged ]

# ---- 3. empty lock file; restored without its lock file; a newer board's lock file
cp "$B.lock" "$T/good.lock"
: >"$B.lock"
expect_rc 65 "an empty lock file: exit 65" kba --db "$B" case list
check "empty: one line" one_line "$ERR"
check "empty: says it is empty" contains "$ERR" "empty or too short"
check "empty: no stale errno" lacks "$ERR" "Invalid argument"
expect_rc 0 "repair-lock replaces an empty lock file" kb doctor --repair-lock "$B"
expect_rc 0 "verify after repairing the empty lock file" kba --db "$B" verify
# an old copy of the data file put back under a newer lock file
cp "$B" "$T/old.kb"
kba --db "$B" case add --title later >/dev/null || die "case add failed"
cp "$T/old.kb" "$B"
expect_rc 74 "an older data file under a newer lock file: exit 74" kba --db "$B" case list
check "older data file: the message names the repair" contains "$ERR" "doctor --repair-lock"
expect_rc 0 "repair-lock replaces a lock file newer than the data file" kb doctor --repair-lock "$B"
expect_rc 0 "the older board opens and verifies" kba --db "$B" verify

# ---- 4. no message tells an operator to copy or restore a lock file
# (the strings of the binary: every message, its pieces joined)
if strings -n 12 "$KB_BIN" | grep -i "lock file" | grep -iE "\b(copy|restore)\b" >"$T/bad.msgs"; then
    kb_fail "messages tell the operator to copy or restore a lock file: $(cat "$T/bad.msgs")"
else
    kb_pass "no message tells the operator to copy or restore a lock file"
fi

# ---- 5. a path that is no board is named as such, never a lock-file
# repair (which would only say the same), and a FIFO does not hang
mkdir "$T/adir"
printf 'not a board\n' >"$T/text.kb"
mkfifo "$T/fifo.kb"
cp "$B.lock" "$T/fifo.kb.lock"
for p in "$T/adir" "$T/text.kb" /dev/null "$T/fifo.kb"; do
    expect_rc 65 "--db $(basename "$p"): not a board" timeout 60 "$KB_BIN" --db "$p" --user alice \
        --passphrase-file "$PASS" case list
    check "  says so ($ERR)" contains "$ERR" "is not a kernboard board file"
    check "  no lock repair advised" lacks "$ERR" "repair-lock"
done
# a text file with a lock file beside it (made by hand, or a real one
# copied) is no board either: not "a damaged board"
printf 'hi\n' >"$T/x.kb"
: >"$T/x.kb.lock"
expect_rc 65 "a text file with an empty lock file beside it: not a board" kba --db "$T/x.kb" case list
check "  says so ($ERR)" contains "$ERR" "x.kb is not a kernboard board file"
check "  not damage" lacks "$ERR" "damaged"
cp "$B.lock" "$T/x.kb.lock"
for cmd in "case list" "verify" "case add --title Nee"; do
    # shellcheck disable=SC2086
    expect_rc 65 "a text file with a real lock file copied beside it: $cmd" kba --db "$T/x.kb" $cmd
    check "  one line saying it is not a board ($ERR)" \
        eval '[ "$(printf "%s\n" "$ERR" | wc -l)" = 1 ] && contains "$ERR" "x.kb is not a kernboard board file"'
    check "  not damage" lacks "$ERR" "damaged"
done
check "  the text file is unchanged" [ "$(cat "$T/x.kb")" = hi ]
finish
