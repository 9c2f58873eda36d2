#!/usr/bin/env bash
# test_store_bindfs.sh - several "hosts" on one board, simulated by four bindfs
# mounts of one directory (each mount has its own page cache and forwards
# fcntl locks to the real file, like NFS clients). Proves:
#   1. one writer process per mount, read-modify-write increments with
#      --expect-version: the total is exact and `verify` passes via every mount;
#   2. a long-lived `watch` on one mount sees a commit made through another
#      mount on its next poll (no stale page cache trusted across a lock);
#   3. the harness can fail: tests/tools/naive_writer.c, which keeps one LMDB
#      environment open across transactions, crashes or loses updates here.
# Skips (exit 77) only when /dev/fuse or bindfs is missing or mounting is not
# permitted.
. "$(dirname "$0")/lib.sh"
kb_setup

NW=4
NI=${KB_BINDFS_INCS:-50}

[ -e /dev/fuse ] || skip "/dev/fuse is missing (no FUSE in this environment)"
command -v bindfs >/dev/null || skip "bindfs is not installed (apt-get install bindfs)"
command -v cc >/dev/null || die "no C compiler (cc) to build tests/tools/naive_writer.c"

# Build the naive writer first: a missing lmdb.h is a real failure.
cc -O1 -o "$T/naive" "$KB_SRC/tests/tools/naive_writer.c" -llmdb 2>"$T/cc.err" || {
    cat "$T/cc.err"
    die "cannot compile naive_writer.c"
}

mkdir -p "$T/share"
# Non-root users may not pass allow_other (fuse.conf user_allow_other); we need no other users.
BINDFS_OPTS=(--enable-lock-forwarding --multithreaded -o attr_timeout=0,entry_timeout=0)
[ "$(id -u)" = 0 ] || BINDFS_OPTS+=(--no-allow-other)
MNT=()
for i in $(seq 1 $NW); do
    m=$T/host$i
    mkdir -p "$m"
    if ! bindfs "${BINDFS_OPTS[@]}" "$T/share" "$m" 2>"$T/mount.err"; then
        msg=$(head -c 300 "$T/mount.err")
        if grep -qiE 'permi|not permitted|device not found|/dev/fuse|allow_other' "$T/mount.err"; then
            skip "cannot mount bindfs here: $msg"
        fi
        die "bindfs mount failed: $msg"
    fi
    at_exit "unmount '$m'"
    MNT+=("$m")
done
kb_log "mounted ${#MNT[@]} bindfs views of $T/share"

# Background processes are killed before the unmounts (at_exit runs newest first).
BG=()
at_exit 'for p in "${BG[@]}"; do kill -9 "$p"; done; wait'

# ---- 1. exact increments, one writer per mount ----
init_board "$T/share/board.kb"
expect_rc 0 "case add counter (via host1)" kba --db "${MNT[0]}/board.kb" case add --title 0 || finish

# Each writer is ONE long-lived process (kb-stress: one unlock, then NI
# read-modify-write transactions, each reopening the environment).
pids=()
for i in $(seq 1 $NW); do
    "$KB_STRESS" incr "${MNT[$((i - 1))]}/board.kb" alice "$PASS" 1 "$NI" >"$T/res.$i" 2>&1 &
    pids+=($!)
    BG+=($!)
done
for i in $(seq 1 $NW); do
    wait "${pids[$((i - 1))]}"
    rc=$?
    r=$(cat "$T/res.$i" 2>/dev/null || echo "error: no result")
    case $r in
    "done $NI "*) [ $rc -eq 0 ] && kb_log "host$i writer: $r" || kb_fail "host$i writer exit $rc: $r" ;;
    *) kb_fail "host$i writer (exit $rc): $r" ;;
    esac
done
BG=()
for i in $(seq 1 $NW); do
    run kba --db "${MNT[$((i - 1))]}/board.kb" case show 1 --json
    got=$(printf '%s' "$OUT" | json_get title 2>/dev/null)
    check "host$i sees counter $((NW * NI)) (got ${got:-?}, exit $RC)" [ "${got:-x}" = $((NW * NI)) ]
    expect_rc 0 "verify via host$i" kba --db "${MNT[$((i - 1))]}/board.kb" verify
done

# ---- 2. a watcher on host1 sees a commit made on host3 at its next poll ----
"$KB_BIN" --user alice --passphrase-file "$PASS" --db "${MNT[0]}/board.kb" \
    watch 1 --interval-ms 100 --count 300 >"$T/watch.out" 2>"$T/watch.err" &
WPID=$!
BG+=($WPID)
if wait_for 30 grep -q '^ok ' "$T/watch.out"; then
    run kba --db "${MNT[2]}/board.kb" case show 1 --json
    v=$(printf '%s' "$OUT" | json_get version)
    expect_rc 0 "edit via host3 while host1 watches" kba --db "${MNT[2]}/board.kb" case edit 1 \
        --title watched --expect-version "$v"
    L=$(wc -l <"$T/watch.out")
    v2=$(kba --db "${MNT[2]}/board.kb" case show 1 --json | json_get version)
    wait_for 15 lines_ge "$T/watch.out" $((L + 2))
    # Line L+1 may come from a poll that read before the commit; L+2 cannot.
    line=$(sed -n "$((L + 2))p" "$T/watch.out")
    check "host1 watcher shows version $v2 within one poll (line $((L + 2)): '$line')" \
        grep -qE "^ok $v2( |\$)" <<<"$line"
    check "watcher printed no error lines" [ "$(grep -vc '^ok ' "$T/watch.out")" = 0 ]
else
    kb_fail "watch printed no 'ok' line within 30 s: $(head -c 300 "$T/watch.out" "$T/watch.err")"
fi
kill "$WPID" 2>/dev/null
wait "$WPID" 2>/dev/null
BG=()

# ---- 3. the naive writer must fail here ----
detected=0
for n in 100 200 400; do
    rm -f "$T/share/naive.mdb" "$T/share/naive.lock"
    "$T/naive" "$T/share/naive.mdb" "$T/share/naive.lock" 0 || die "naive_writer init failed"
    pids=()
    for i in $(seq 1 $NW); do
        "$T/naive" "${MNT[$((i - 1))]}/naive.mdb" "${MNT[$((i - 1))]}/naive.lock" "$n" \
            >"$T/naive.$i.out" 2>"$T/naive.$i.err" &
        pids+=($!)
        BG+=($!)
    done
    rcs=""
    bad=0
    for p in "${pids[@]}"; do
        wait "$p"
        rc=$?
        rcs="$rcs $rc"
        [ "$rc" = 0 ] || bad=1
    done
    BG=()
    final=$("$T/naive" "$T/share/naive.mdb" get 2>&1) || bad=1
    final=${final#value }
    [ "$final" = $((NW * n)) ] || bad=1
    kb_log "naive writer, $NW x $n increments: exit codes$rcs, final counter '$final' of $((NW * n))"
    if [ "$bad" = 1 ]; then
        detected=1
        break
    fi
done
check "harness detects the naive writer (crash or lost updates)" [ "$detected" = 1 ]
finish
