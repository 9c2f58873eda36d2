#!/usr/bin/env bash
# test_store_concurrency.sh - no lost update between processes on one host:
# KB_CONC_PROCS (4) processes each do KB_CONC_INCS (5) read-modify-write
# increments of one case's title with `kernboard case edit --expect-version`,
# retrying on 75.  The final counter must be exactly PROCS x INCS and
# `verify` must pass.  (8 x 50 = 400 also passes but takes ~4.5 min under
# ASan on 2 cores: every command pays the Argon2id unlock and conflicts cost
# ~3-5 tries per increment; run it with KB_CONC_PROCS=8 KB_CONC_INCS=50.)
# Then 8 processes x 50 increments through the same model calls (below).
. "$(dirname "$0")/lib.sh"
kb_setup

NP=${KB_CONC_PROCS:-4}
NI=${KB_CONC_INCS:-5}
B=$T/board.kb
init_board "$B"
expect_rc 0 "case add counter" kba --db "$B" case add --title 0 || finish

pids=()
for i in $(seq 1 "$NP"); do
    rmw_increments "$B" 1 "$NI" "$T/res.$i" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

total_conf=0
for i in $(seq 1 "$NP"); do
    r=$(cat "$T/res.$i" 2>/dev/null || echo "error: no result")
    case $r in
    "ok $NI "*) total_conf=$((total_conf + $(echo "$r" | awk '{print $4}'))) ;;
    *) kb_fail "writer $i: $r" ;;
    esac
done
kb_log "writers done: $((NP * NI)) increments, $total_conf conflicts retried"

run kba --db "$B" case show 1 --json
final=$(printf '%s' "$OUT" | json_get title 2>/dev/null)
check "final counter is $((NP * NI)) (got ${final:-?}: no lost update)" [ "${final:-x}" = $((NP * NI)) ]

# The full acceptance run: 8 processes x 50 read-modify-write increments with
# version checks, each process unlocking once (kb-stress) so the run takes
# seconds, not minutes; every transaction still takes the lock, reopens the
# environment and checks the version.
NS=${KB_STRESS_INCS:-50}
expect_rc 0 "case add second counter" kba --db "$B" case add --title 0 || finish
pids=()
NP=8
for i in $(seq 1 "$NP"); do
    "$KB_STRESS" incr "$B" alice "$PASS" 2 "$NS" >"$T/stress.$i" 2>&1 &
    pids+=($!)
done
for i in $(seq 1 "$NP"); do
    wait "${pids[$((i - 1))]}" || kb_fail "kb-stress $i exited $?: $(cat "$T/stress.$i")"
    grep -q "^done $NS " "$T/stress.$i" || kb_fail "kb-stress $i: $(cat "$T/stress.$i")"
done
run kba --db "$B" case show 2 --json
final=$(printf '%s' "$OUT" | json_get title 2>/dev/null)
check "second counter is $((NP * NS)) (got ${final:-?}: no lost update)" [ "${final:-x}" = $((NP * NS)) ]
expect_rc 0 "verify after concurrent writes" kba --db "$B" verify
finish
