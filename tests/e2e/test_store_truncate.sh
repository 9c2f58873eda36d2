#!/usr/bin/env bash
# test_store_truncate.sh - a board file truncated under a running client
# (a broken share, a bad restore) gives a clear I/O error, never SIGBUS.
# A `watch` process polls a case every 100 ms (25 polls); after a few good polls the
# board is truncated to 8192 bytes (the two meta pages). The watcher must
# report an error line that says what happened (I/O / shorter / truncated /
# stale), keep polling (more lines follow), and end without dying of a
# signal. A fresh command on the truncated board fails cleanly too.
. "$(dirname "$0")/lib.sh"
kb_setup

B=$T/board.kb
init_board "$B"
for i in 1 2 3 4 5 6; do
    kba --db "$B" case add --title "case $i" --description "$(printf 'padding %.0s' $(seq 1 200))" \
        >/dev/null || die "case add $i"
done
kb_log "board is $(stat -c %s "$B") bytes"

"$KB_BIN" --user alice --passphrase-file "$PASS" --db "$B" \
    watch 1 --interval-ms 100 --count 25 >"$T/watch.out" 2>"$T/watch.err" &
WPID=$!
at_exit "kill -9 $WPID"
wait_for 30 lines_ge "$T/watch.out" 3 || die "watch printed fewer than 3 lines: $(head -c 300 "$T/watch.out" "$T/watch.err")"
check "watch polls are ok before truncation" [ "$(grep -c '^ok ' "$T/watch.out")" -ge 3 ]

truncate -s 8192 "$B"
L=$(wc -l <"$T/watch.out")
wait_for 15 grep -q '^error' "$T/watch.out"
check "watcher reports an error line after truncation" grep -q '^error' "$T/watch.out"
eline=$(grep -m1 '^error' "$T/watch.out")
check "error says what happened: '$eline'" \
    grep -qiE 'I/O|shorter|truncat|stale' <<<"$eline"
E=$(grep -n -m1 '^error' "$T/watch.out" | cut -d: -f1)
wait_for 15 lines_ge "$T/watch.out" $((${E:-$L} + 3))
check "watcher keeps running after the error (lines after it: $(($(wc -l <"$T/watch.out") - ${E:-$L})))" \
    lines_ge "$T/watch.out" $((${E:-$L} + 3))

wait "$WPID"
WRC=$?
check "watch exit status $WRC is not a signal death (SIGBUS 135, SIGABRT 134, SIGSEGV 139)" [ "$WRC" -lt 128 ]
check "no sanitizer report from watch" [ "$(grep -c 'Sanitizer' "$T/watch.err")" = 0 ]

run kba --db "$B" case show 1
check "fresh case show on the truncated board fails cleanly (exit $RC: $ERR)" [ "$RC" != 0 -a "$RC" -lt 128 ]
check "its message is one line" [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ]
run kba --db "$B" verify
check "verify on the truncated board fails cleanly (exit $RC)" [ "$RC" != 0 -a "$RC" -lt 128 ]
finish
