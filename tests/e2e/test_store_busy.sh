#!/usr/bin/env bash
# test_store_busy.sh - lock waits are bounded (SPEC §5 exit 69, §6). A helper
# process holds the GLOBAL byte of BOARD.lock (offset 2^40+1; PENDING is 2^40,
# MAINT 2^40+2) with fcntl:
#   exclusive (a writer):  `case add` and `case list` give up after
#                          KERNBOARD_LOCK_TIMEOUT_MS=1500 with exit 69 and a
#                          "busy" message, within a few seconds, and the board
#                          is unchanged;
#   shared (a reader):     readers go on; a writer gets 69.
# Once the helper is gone, the same add succeeds.
. "$(dirname "$0")/lib.sh"
kb_setup

B=$T/board.kb
init_board "$B"
kba --db "$B" case add --title "existing" >/dev/null || die "case add failed"
before=$(kba --db "$B" case list --json)

# hold_lock excl|shared: hold GLOBAL until killed; prints "locked" when held.
hold_lock() {
    python3 -u - "$B.lock" "$1" <<'EOF' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
kind = fcntl.LOCK_EX if sys.argv[2] == "excl" else fcntl.LOCK_SH
fcntl.lockf(fd, kind | fcntl.LOCK_NB, 1, 2**40 + 1, os.SEEK_SET)  # fcntl F_SETLK, 1 byte
print("locked", flush=True)
time.sleep(120)
EOF
    HOLDER=$!
}
at_exit '[ -n "${HOLDER:-}" ] && kill "$HOLDER"'

timed() { # timed CMD... : run, leave elapsed ms in $MS
    local t0 t1
    t0=$(date +%s%N)
    run "$@"
    t1=$(date +%s%N)
    MS=$(((t1 - t0) / 1000000))
}

# ---- exclusive GLOBAL: writers and readers time out ----
hold_lock excl >"$T/holder.out"
wait_for 10 grep -q locked "$T/holder.out" || die "helper could not lock GLOBAL"
export KERNBOARD_LOCK_TIMEOUT_MS=1500
timed kba --db "$B" case add --title "must not appear"
check "case add while GLOBAL is held exclusively: exit 69 (got $RC)" [ "$RC" = 69 ]
check "message says busy ($ERR)" contains "$ERR" "busy"
check "gave up after the timeout, within a few seconds (${MS} ms)" [ "$MS" -ge 1400 -a "$MS" -le 8000 ]
timed kba --db "$B" case list --json
check "case list while a writer holds GLOBAL: exit 69 (got $RC, ${MS} ms)" [ "$RC" = 69 -a "$MS" -le 8000 ]
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null

# ---- shared GLOBAL: readers proceed, writers time out ----
hold_lock shared >"$T/holder2.out"
wait_for 10 grep -q locked "$T/holder2.out" || die "helper could not lock GLOBAL shared"
expect_rc 0 "case list while another reader holds GLOBAL shared" kba --db "$B" case list --json
timed kba --db "$B" case edit 1 --title "must not appear either"
check "case edit while a reader holds GLOBAL: exit 69 (got $RC, ${MS} ms)" [ "$RC" = 69 -a "$MS" -le 8000 ]
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null
HOLDER=

unset KERNBOARD_LOCK_TIMEOUT_MS
run kba --db "$B" case list --json
check "board unchanged by the refused writes" [ "$OUT" = "$before" ]
expect_rc 0 "case add succeeds once the lock is free" kba --db "$B" case add --title "now it works"
expect_rc 0 "verify" kba --db "$B" verify
finish
