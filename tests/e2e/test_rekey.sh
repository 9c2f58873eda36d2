#!/usr/bin/env bash
# test_rekey.sh - `kernboard rekey` in bounded, resumable batches (issue 15;
# docs/storage.md "rekey"):
#   - boards of 10 000 and 100 000 cases (kb-genboard linked against the
#     optimised build, else imported in chunks);
#   - at 10 000 cases two kills at random progress, at 100 000 one at random
#     progress and one while it checks the new board;
#   - rekey is killed with SIGKILL at random points after OBSERVED progress
#     (its "rekey: N of M copied (P%)" lines on stderr, or the "verifying"
#     line), never after a sleep, and run again: it resumes ("resuming");
#   - after every kill the old board reads (case show; stats reads every
#     case) and, at 10 000 cases, `verify` passes (not after the kills at
#     100 000 cases, to keep the test short: a minute each);
#   - the last run finishes: verify passes, the case count is unchanged, the
#     side files are gone, a removed user is out and a remaining one is in;
#   - peak RSS (VmHWM, sampled every 0.1 s) of every rekey run stays under
#     200 MiB, and the 100 000-case peak is at most 40 MiB above the
#     10 000-case peak: memory does not grow with the board.
# The boards are made and rekeyed with an optimised build (no sanitizers:
# ASan's quarantine makes RSS meaningless, and it is several times slower):
# build/release-check from scripts/test, else one built here under $KB_BUILD
# (KB_REKEY_BIN overrides).  KB_REKEY_CASES (default 100000) sets the size
# of the big board.  CPU time about 4 minutes.
. "$(dirname "$0")/lib.sh"
kb_setup

RSS_LIMIT_KB=$((200 * 1024))
RSS_GROWTH_KB=$((40 * 1024))

# ---- the optimised binary
if [ -n "${KB_REKEY_BIN:-}" ]; then
    REL=$KB_REKEY_BIN
else
    reldir=$KB_SRC/build/release-check
    if [ ! -f "$reldir/CMakeCache.txt" ]; then
        reldir=${KB_BUILD:-$KB_SRC/build/test}/rekey-release
        [ -f "$reldir/CMakeCache.txt" ] ||
            cmake -S "$KB_SRC" -B "$reldir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKB_TESTS=OFF \
                >"$T/rel-config.log" 2>&1 || die "configuring an optimised build failed: $(tail -5 "$T/rel-config.log")"
    fi
    # up to date with the sources (a no-op right after scripts/test built it)
    cmake --build "$reldir" --target kernboard >"$T/rel-build.log" 2>&1 ||
        die "building the optimised kernboard failed: $(tail -5 "$T/rel-build.log")"
    REL=$reldir/kernboard
fi
[ -x "$REL" ] || die "no optimised kernboard at $REL"
kb_log "optimised binary: $REL"
kr() { "$REL" --user alice --passphrase-file "$PASS" "$@"; }

# The generator (tests/tools/kb_genboard.c: the core's import in chunks,
# no JSON, one process) linked against the optimised build's libraries:
# 100 000 cases in well under a minute.  Without them: `import` in chunks.
GEN=
if [ -z "${KB_REKEY_BIN:-}" ] && [ -f "$reldir/libkb_core.a" ]; then
    # shellcheck disable=SC2046
    if cc -O2 -std=c17 -D_GNU_SOURCE -I"$KB_SRC/include" -o "$T/genboard" \
        "$KB_SRC/tests/tools/kb_genboard.c" "$reldir/libkb_core.a" "$reldir/libkb_codec.a" \
        "$reldir/libkb_store.a" "$reldir/libkb_model.a" "$reldir/libkb_util.a" \
        $(pkg-config --libs lmdb libsodium libkeyutils) 2>"$T/gen-cc.err"; then
        GEN=$T/genboard
    else
        kb_log "cannot build the optimised generator ($(head -3 "$T/gen-cc.err")); using import"
    fi
fi

# gen_board DB N - a board of N cases (a comment on every third), imported
# in chunks of 5000 (one write transaction each).
gen_board() {
    local db=$1 n=$2 lo
    kr init "$db" --kdf interactive >/dev/null 2>"$T/init.err" || die "init: $(cat "$T/init.err")"
    if [ -n "$GEN" ]; then
        "$GEN" "$db" alice "$PASS" "$n" 5000 >"$T/gen.out" 2>"$T/gen.err" ||
            die "kb-genboard: $(cat "$T/gen.err")"
        return
    fi
    for ((lo = 1; lo <= n; lo += 5000)); do
        python3 - "$lo" "$((lo + 5000 > n + 1 ? n + 1 : lo + 5000))" >"$T/chunk.json" <<'EOF'
import json, sys
W = ["housing", "youth", "subsidy", "permit", "school", "traffic", "health", "library", "park", "noise"]
lo, hi = int(sys.argv[1]), int(sys.argv[2])
cases = []
for n in range(lo, hi):
    c = {"id": n, "title": "%s request %d from the %s team" % (W[n % 10], n, W[n // 10 % 10]),
         "stage": "signal", "priority": n % 4, "tags": [W[n // 11 % 10]],
         "description": "Generated case %d: the %s question about %s." % (n, W[n // 3 % 10], W[n // 7 % 10]),
         "created": "2026-01-01T10:00:00Z", "updated": "2026-01-01T10:00:00Z"}
    if n % 3 == 0:
        c["timeline"] = [{"kind": "comment", "author": "alice", "time": "2026-01-02T10:00:00Z",
                          "text": "Called back about case %d; waiting for the %s papers." % (n, W[n % 10])}]
    cases.append(c)
json.dump({"format": "kernboard-export", "format_version": 1, "cases": cases}, sys.stdout)
EOF
        kr --db "$db" import "$T/chunk.json" >/dev/null 2>"$T/import.err" ||
            die "import of cases from $lo: $(cat "$T/import.err")"
    done
}

# count_cases DB - number of cases on the board (`stats` reads every case).
count_cases() {
    kr --db "$1" stats --json 2>/dev/null | json_get cases 2>/dev/null
}

# The rekey process, sampled: HWM (kB) is the highest VmHWM seen.
HWM=0
sample() {
    local h
    h=$(awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null)
    if [ -n "$h" ] && [ "$h" -gt "$HWM" ]; then HWM=$h; fi
}
# last_pct LOG - the newest percentage on a progress line (0 if none).
last_pct() {
    local p
    p=$(grep -o '([0-9]*%)' "$1" 2>/dev/null | tail -1 | tr -dc 0-9)
    echo "${p:-0}"
}

# rekey_until DB WHAT LOG - start a rekey; wait (sampling its memory) until
# WHAT is observed in its stderr: a number = a progress line at or past that
# percentage, "verify" = the "verifying the new board" line, "end" = it
# exits.  Then SIGKILL it (unless WHAT is end).  Sets RC (end only).
rekey_until() {
    local db=$1 what=$2 log=$3 pid i=0
    "$REL" --user alice --passphrase-file "$PASS" --db "$db" rekey >"$log.out" 2>"$log" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        sample "$pid"
        case $what in
        end) ;;
        verify) grep -q 'verifying the new board' "$log" && break ;;
        *) [ "$(last_pct "$log")" -ge "$what" ] && break ;;
        esac
        i=$((i + 1))
        [ "$i" -gt 9000 ] && break # 15 minutes: something hangs
        sleep 0.1
    done
    if [ "$what" != end ]; then
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        RC=killed
    else
        wait "$pid"
        RC=$?
    fi
}

# rekey_test N KILLS... - make a board of N cases, rekey it killed at each
# point given (percentages, or "verify"), resume, finish; checks as above.
# Leaves the peak RSS of all its rekey runs in PEAK.
rekey_test() {
    local n=$1 db=$T/board$1.kb k run=0 verify_after=1
    [ "$n" -ge 100000 ] && verify_after=0 # a minute each; the 10 000-case run checks it
    shift
    gen_board "$db" "$n"
    check "$n cases: the board has them all" [ "$(count_cases "$db")" = "$n" ]
    printf 'member passphrase 1\n' >"$T/bob.pass"
    printf 'member passphrase 2\n' >"$T/carl.pass"
    chmod 600 "$T/bob.pass" "$T/carl.pass"
    kr --db "$db" user add bob --role member --new-passphrase-file "$T/bob.pass" --kdf interactive >/dev/null ||
        die "user add bob"
    kr --db "$db" user add carl --role member --new-passphrase-file "$T/carl.pass" --kdf interactive >/dev/null ||
        die "user add carl"
    kr --db "$db" user remove bob >/dev/null || die "user remove bob"
    HWM=0
    for k in "$@"; do
        run=$((run + 1))
        rekey_until "$db" "$k" "$T/rekey$n.$run.err"
        kb_log "  run $run killed at '$k': $(tail -1 "$T/rekey$n.$run.err")"
        check "$n cases, kill $run ($k): the side file is left for the next run" [ -f "$db.rekey" ]
        run kr --db "$db" case show 7
        check "  the old board reads (case show 7, exit $RC)" [ "$RC" = 0 ]
        if [ "$verify_after" = 1 ]; then
            check "  all $n cases read (stats)" [ "$(count_cases "$db")" = "$n" ]
            expect_rc 0 "  verify passes on the old board" kr --db "$db" verify
        fi
        if [ "$run" -gt 1 ]; then
            check "  the run resumed ($(head -1 "$T/rekey$n.$run.err"))" grep -q 'resuming an interrupted rekey' "$T/rekey$n.$run.err"
        fi
    done
    run=$((run + 1))
    rekey_until "$db" end "$T/rekey$n.$run.err"
    check "$n cases: the last run finishes (exit $RC): $(tail -1 "$T/rekey$n.$run.err")" [ "$RC" = 0 ]
    check "  it resumed" grep -q 'resuming an interrupted rekey' "$T/rekey$n.$run.err"
    check "  says how many records it sealed again ($(cat "$T/rekey$n.$run.err.out"))" grep -q 'Rotated the data key' "$T/rekey$n.$run.err.out"
    check "  the side files are gone" test ! -e "$db.rekey" -a ! -e "$db.rekey.lock"
    expect_rc 0 "  verify passes on the rekeyed board" kr --db "$db" verify
    check "  all $n cases still read (stats)" [ "$(count_cases "$db")" = "$n" ]
    run "$REL" --db "$db" --user carl --passphrase-file "$T/carl.pass" case show "$n"
    check "  a remaining user reads the rekeyed board (exit $RC)" [ "$RC" = 0 ]
    run "$REL" --db "$db" --user bob --passphrase-file "$T/bob.pass" case show 1
    check "  the removed user is out (exit $RC)" [ "$RC" = 77 ]
    PEAK=$HWM
    kb_log "  peak RSS of the rekey runs at $n cases: $PEAK kB"
    check "  peak RSS $PEAK kB is under $RSS_LIMIT_KB kB" test "$PEAK" -gt 0 -a "$PEAK" -lt "$RSS_LIMIT_KB"
}

r() { echo $(($1 + RANDOM % ($2 - $1 + 1))); }

rekey_test 10000 "$(r 5 45)" "$(r 50 95)"
PEAK10=$PEAK
BIG=${KB_REKEY_CASES:-100000}
rekey_test "$BIG" "$(r 5 95)" verify
PEAK100=$PEAK
check "peak RSS at $BIG cases ($PEAK100 kB) is at most $RSS_GROWTH_KB kB above 10 000 cases ($PEAK10 kB)" \
    [ "$PEAK100" -le $((PEAK10 + RSS_GROWTH_KB)) ]

finish
